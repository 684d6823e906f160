/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * output.c: sipha-probe's result lines, for people and for programs (JSON).
 */
#include <config.h>

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "output.h"

bool
probe_result_is_alive(const struct sipha_probe_result *result)
{
    return result->verdict == SIPHA_PROBE_ALIVE;
}

/* UTC wall clock, milliseconds: continuous output is read next to logs. */
static void
timestamp(char *buf, size_t len)
{
    struct timeval tv;
    struct tm tm;
    char base[32];

    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%.19s.%03dZ", base, (int) ((tv.tv_usec / 1000) % 1000));
}

/* JSON string body; reason is already printable ASCII, keys are ours. */
static void
json_string(FILE *out, const char *text)
{
    fputc('"', out);
    for (const char *c = text; *c != '\0'; c++) {
        if ((*c == '"') || (*c == '\\')) {
            fputc('\\', out);
            fputc(*c, out);
        } else if ((unsigned char) *c < 0x20) {
            fprintf(out, "\\u%04x", (unsigned) (unsigned char) *c);
        } else {
            fputc(*c, out);
        }
    }
    fputc('"', out);
}

static void
print_json(FILE *out, const char *key, const struct sipha_probe_result *r, bool with_time)
{
    char now[40];

    fputc('{', out);
    if (with_time) {
        timestamp(now, sizeof(now));
        fprintf(out, "\"time\":\"%s\",", now);
    }
    fputs("\"target\":", out);
    json_string(out, key);
    fprintf(out, ",\"alive\":%s,\"verdict\":\"%s\",\"rtt_ms\":%.3f",
            probe_result_is_alive(r) ? "true" : "false", sipha_probe_verdict_name(r->verdict),
            (double) r->rtt_us / 1000.0);
    if (r->status_code != 0) {
        fprintf(out, ",\"code\":%d,\"reason\":", r->status_code);
        json_string(out, r->reason);
    } else {
        fputs(",\"code\":null,\"reason\":null", out);
    }
    fprintf(out, ",\"transmissions\":%u,\"error\":", r->transmissions);
    if (r->error != 0) {
        json_string(out, strerror(r->error));
    } else {
        fputs("null", out);
    }
    fprintf(out, ",\"ignored\":{\"foreign\":%u,\"malformed\":%u,\"oversized\":%u},"
            "\"provisional\":%u}\n",
            r->ignored_foreign, r->ignored_malformed, r->ignored_oversized, r->provisional);
}

static void
print_human(FILE *out, const char *key, const struct sipha_probe_result *r, bool with_time,
            bool verbose)
{
    char now[40];

    if (with_time) {
        timestamp(now, sizeof(now));
        fprintf(out, "%s ", now);
    }
    if (probe_result_is_alive(r)) {
        fprintf(out, "%s alive rtt=%.3fms", key, (double) r->rtt_us / 1000.0);
    } else {
        fprintf(out, "%s down %s rtt=%.3fms", key, sipha_probe_verdict_name(r->verdict),
                (double) r->rtt_us / 1000.0);
    }
    if (r->status_code != 0) {
        fprintf(out, " code=%d reason=\"%s\"", r->status_code, r->reason);
    }
    if (r->error != 0) {
        fprintf(out, " error=\"%s\"", strerror(r->error));
    }
    if (verbose) {
        fprintf(out, " transmissions=%u ignored_foreign=%u ignored_malformed=%u"
                " ignored_oversized=%u provisional=%u", r->transmissions,
                r->ignored_foreign, r->ignored_malformed, r->ignored_oversized, r->provisional);
    }
    fputc('\n', out);
}

void
probe_print_result(FILE *out, const struct output_options *opts,
                   const struct sipha_sip_addr *target, const struct sipha_probe_result *result)
{
    char key[SIPHA_SIP_ADDR_KEY_MAX];

    if (opts->quiet) {
        return;
    }
    if (sipha_sip_addr_format(target, key, sizeof(key)) < 0) {
        snprintf(key, sizeof(key), "?");
    }
    if (opts->json) {
        print_json(out, key, result, opts->with_time);
    } else {
        print_human(out, key, result, opts->with_time, opts->verbose);
    }
    fflush(out);
}
