/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * output.c: sipha-proxyset's output.
 *
 * Text, once:    "ID NODE RESOURCE active|draining" per proxy.
 * Text, follow:  "set N proxies" then "+ ", "- ", "~ " lines for what
 *                changed, "disconnected" / "connected" on connection events.
 * JSON: one object per line, {"event": "set"|"disconnected"|"connected",
 *       "resource_found", "proxies": [...], "added"/"removed"/"changed": [ids],
 *       "first_diff_us", "reported_us"}.
 */
#include <config.h>

#include <inttypes.h>

#include "output.h"

static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *) s; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\') {
            fprintf(out, "\\%c", *p);
        } else if (*p < 0x20) {
            fprintf(out, "\\u%04x", *p);
        } else {
            fputc(*p, out);
        }
    }
    fputc('"', out);
}

static void json_ids(FILE *out, const char *name, const struct sipha_proxy *const *list, size_t n)
{
    fprintf(out, ",\"%s\":[", name);
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            fputc(',', out);
        }
        json_string(out, list[i]->id);
    }
    fputc(']', out);
}

static const char *event_name(enum sipha_cib_event event)
{
    switch (event) {
        case SIPHA_CIB_DISCONNECTED: return "disconnected";
        case SIPHA_CIB_CONNECTED: return "connected";
        default: return "set";
    }
}

static void print_json(FILE *out, const struct sipha_cib_report *r)
{
    fprintf(out, "{\"event\":\"%s\",\"resource_found\":%s,\"proxies\":[",
            event_name(r->event), r->resource_found ? "true" : "false");
    for (size_t i = 0; i < r->set->n_proxies; i++) {
        const struct sipha_proxy *p = &r->set->proxies[i];
        fputs(i > 0 ? ",{\"id\":" : "{\"id\":", out);
        json_string(out, p->id);
        fputs(",\"address\":", out);
        json_string(out, p->address);
        fputs(",\"resource\":", out);
        json_string(out, p->resource);
        fputs(",\"node\":", out);
        json_string(out, p->node);
        fprintf(out, ",\"draining\":%s}", p->draining ? "true" : "false");
    }
    fputc(']', out);
    if (r->change != NULL) {
        json_ids(out, "added", r->change->added, r->change->n_added);
        json_ids(out, "removed", r->change->removed, r->change->n_removed);
        json_ids(out, "changed", r->change->changed, r->change->n_changed);
    }
    fprintf(out, ",\"first_diff_us\":%" PRIu64 ",\"reported_us\":%" PRIu64 "}\n",
            r->first_diff_us, r->reported_us);
}

static void print_proxy(FILE *out, const char *prefix, const struct sipha_proxy *p)
{
    fprintf(out, "%s%s %s %s %s\n", prefix, p->id, p->node, p->resource,
            p->draining ? "draining" : "active");
}

static void print_text(FILE *out, const struct sipha_cib_report *r, bool once)
{
    if (once) {
        for (size_t i = 0; i < r->set->n_proxies; i++) {
            print_proxy(out, "", &r->set->proxies[i]);
        }
        return;
    }
    if (r->event != SIPHA_CIB_SET_CHANGED) {
        fprintf(out, "%s (%zu proxies kept)\n", event_name(r->event), r->set->n_proxies);
        return;
    }
    fprintf(out, "set %zu proxies%s\n", r->set->n_proxies,
            r->resource_found ? "" : " (resource not in the CIB)");
    if (r->change != NULL) {
        for (size_t i = 0; i < r->change->n_added; i++) {
            print_proxy(out, "+ ", r->change->added[i]);
        }
        for (size_t i = 0; i < r->change->n_removed; i++) {
            print_proxy(out, "- ", r->change->removed[i]);
        }
        for (size_t i = 0; i < r->change->n_changed; i++) {
            print_proxy(out, "~ ", r->change->changed[i]);
        }
    }
}

void proxyset_print(FILE *out, const struct sipha_cib_report *report, bool json, bool once)
{
    if (json) {
        print_json(out, report);
    } else {
        print_text(out, report, once);
    }
    fflush(out);
}
