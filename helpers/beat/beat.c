/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * beat.c: the heartbeat sender.
 *
 * Every interval: multicast (name, address, counter, state, load), then start
 * an OPTIONS probe of the local proxy.  The counter grows only when a probe
 * is answered within its deadline, so a crashed or hung proxy freezes it
 * while the beats keep coming with a state that says why.  A change of state
 * is multicast at once instead of waiting for the next interval.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "beat.h"
#include "beat_probe.h"
#include "beat/sipha_beat_msg.h"
#include "beat/sipha_cpg.h"
#include "util/sipha_log.h"
#include "util/sipha_time.h"

struct beat {
    beat_opts_t opts;
    GMainContext *ctx;
    sipha_cpg_t *cpg;
    beat_probe_t *probe;
    GSource *timer;
    sipha_beat_msg_t msg;           /* what we announce; counter and state live here */
    bool sign;                      /* authenticated beats (sipha_beat_auth.h) */
    sipha_beat_key_t key;
    GHashTable *rivals;             /* senders of our name already reported */
    uint64_t sent;
    uint64_t send_failures;
    uint32_t missed_in_row;         /* probe deadlines missed in a row */
    /* load: CPU of a process */
    uint64_t cpu_ticks_prev;
    uint64_t cpu_at_us_prev;
};

static void send_beat(beat_t *beat)
{
    uint8_t buf[SIPHA_BEAT_MSG_MAX];
    int len, rc;

    beat->msg.seq++;
    len = sipha_beat_msg_encode(&beat->msg, buf, sizeof(buf));
    if (len < 0) {
        sipha_err("cannot encode beat: %s", strerror(-len));
        return;
    }
    /* the MAC binds our node id: a copy replayed from elsewhere fails */
    if (beat->sign && sipha_beat_sign(buf, (size_t) len, sipha_cpg_local_nodeid(beat->cpg),
                                      &beat->key) != 0) {
        sipha_err("cannot sign beat");
        return;
    }
    rc = sipha_cpg_send(beat->cpg, buf, (size_t) len);
    if (rc == 0) {
        beat->sent++;
    } else if (rc != -ENOTCONN) {
        beat->send_failures++;
    }
}

static void on_probe_done(uint8_t state, uint64_t rtt_us, void *data)
{
    beat_t *beat = data;
    uint8_t old_state = beat->msg.beat_state;

    /* A missed deadline is reported only when it is the probe_misses-th in
     * a row: one late answer from a live proxy on a busy host (a node
     * joining makes the DC busy for a moment) must not take it out of every
     * dispatcher.  The counter does not grow meanwhile, so the watchers'
     * silence rule still runs. */
    if (state == SIPHA_BEAT_PROBE_TIMEOUT) {
        beat->missed_in_row++;
        if (beat->missed_in_row < beat->opts.probe_misses) {
            sipha_debug("proxy %s: deadline missed (%" PRIu32 " in a row)", beat->opts.name,
                        beat->missed_in_row);
            return;
        }
    } else {
        beat->missed_in_row = 0;
    }
    if (state == SIPHA_BEAT_OK) {
        beat->msg.counter++;
    }
    beat->msg.beat_state = state;
    if (state != old_state) {
        if (state == SIPHA_BEAT_OK) {
            sipha_notice("proxy %s answers again (%" PRIu64 " us): counter grows",
                         beat->opts.name, rtt_us);
        } else {
            sipha_warn("proxy %s: %s: counter frozen at %" PRIu64, beat->opts.name,
                       sipha_beat_state_str(state), beat->msg.counter);
        }
        /* tell the watchers now, not at the next interval */
        send_beat(beat);
    }
}

/* Optional load figures; a missing file just means no figure. */
static void read_load_file(beat_t *beat)
{
    FILE *f = fopen(beat->opts.load_file, "r");
    unsigned long v;

    if (f == NULL) {
        return;
    }
    if (fscanf(f, "%lu", &v) == 1) {
        beat->msg.load_active = (uint32_t) MIN(v, UINT32_MAX);
        beat->msg.flags |= SIPHA_BEAT_FLAG_LOAD;
    }
    fclose(f);
}

static bool read_cpu_ticks(const char *pidfile, uint64_t *ticks)
{
    char path[64], line[1024], *p;
    unsigned long long utime, stime;
    long pid = 0;
    FILE *f = fopen(pidfile, "r");

    if (f == NULL) {
        return false;
    }
    if (fscanf(f, "%ld", &pid) != 1 || pid <= 0) {
        fclose(f);
        return false;
    }
    fclose(f);
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    f = fopen(path, "r");
    if (f == NULL) {
        return false;
    }
    p = fgets(line, sizeof(line), f);
    fclose(f);
    /* fields after the command name, which may contain spaces */
    if (p == NULL || (p = strrchr(line, ')')) == NULL
        || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                  &utime, &stime) != 2) {
        return false;
    }
    *ticks = utime + stime;
    return true;
}

static void read_load_cpu(beat_t *beat)
{
    uint64_t ticks, now_us = sipha_now_us();
    long hz = sysconf(_SC_CLK_TCK);

    if (!read_cpu_ticks(beat->opts.load_pidfile, &ticks) || hz <= 0) {
        beat->cpu_at_us_prev = 0;
        return;
    }
    if (beat->cpu_at_us_prev != 0 && now_us > beat->cpu_at_us_prev && ticks >= beat->cpu_ticks_prev) {
        uint64_t used_us = (ticks - beat->cpu_ticks_prev) * 1000000 / (uint64_t) hz;
        uint64_t permille = used_us * 1000 / (now_us - beat->cpu_at_us_prev);

        beat->msg.load_cpu_permille = (uint16_t) MIN(permille, 1000);
        beat->msg.flags |= SIPHA_BEAT_FLAG_LOAD;
    }
    beat->cpu_ticks_prev = ticks;
    beat->cpu_at_us_prev = now_us;
}

static gboolean on_interval(gpointer data);

/* Beats fire on the wall clock's interval grid (e.g. every x.000, x.100 s),
 * so the beats of all proxies leave together: Totem packs them into a few
 * frames per token rotation instead of one rotation each (docs/heartbeat.md,
 * "Cost").  Without aligned clocks it is just a fixed-phase timer. */
static void schedule_next(beat_t *beat)
{
    uint64_t interval_us = (uint64_t) beat->opts.interval_ms * 1000;
    uint64_t now_us = (uint64_t) g_get_real_time();
    uint64_t delay_us = interval_us - now_us % interval_us;

    if (beat->timer != NULL) {
        g_source_unref(beat->timer);
    }
    if (!beat->opts.align) {
        delay_us = interval_us;
    } else if (delay_us < interval_us / 4) {
        /* we ran late: skip to the next boundary rather than beat twice */
        delay_us += interval_us;
    }
    beat->timer = g_timeout_source_new((guint) ((delay_us + 999) / 1000));
    g_source_set_callback(beat->timer, on_interval, beat, NULL);
    g_source_set_priority(beat->timer, G_PRIORITY_HIGH);
    g_source_attach(beat->timer, beat->ctx);
}

static gboolean on_interval(gpointer data)
{
    beat_t *beat = data;

    if (beat->opts.load_file != NULL) {
        read_load_file(beat);
    }
    if (beat->opts.load_pidfile != NULL) {
        read_load_cpu(beat);
    }
    send_beat(beat);
    /* a probe still running past the interval is reported as a timeout */
    (void) beat_probe_start(beat->probe, on_probe_done, beat);
    schedule_next(beat);
    return G_SOURCE_REMOVE;
}

static void on_deliver(uint32_t nodeid, uint32_t pid, const void *buf, size_t len, void *data)
{
    beat_t *beat = data;
    sipha_beat_msg_t msg;
    guint64 key;

    if (sipha_beat_msg_decode(buf, len, &msg) != 0 || msg.type != SIPHA_BEAT_TYPE_BEAT
        || msg.boot_id == beat->msg.boot_id || strcmp(msg.name, beat->msg.name) != 0) {
        return;
    }
    key = ((guint64) nodeid << 32) | pid;
    if (!g_hash_table_contains(beat->rivals, &key)) {
        guint64 *k = g_new(guint64, 1);

        *k = key;
        g_hash_table_add(beat->rivals, k);
        sipha_err("conflict: another sipha-beat (node %" PRIu32 " pid %" PRIu32
                  ", address %s) also announces proxy name '%s': watchers show CONFLICT"
                  " until one of us stops", nodeid, pid, msg.sip_address, beat->msg.name);
    }
}

static void on_confchg(const struct cpg_address *members, size_t n_members,
                       const struct cpg_address *left, size_t n_left,
                       const struct cpg_address *joined, size_t n_joined, void *data)
{
    beat_t *beat = data;

    for (size_t i = 0; i < n_left; i++) {
        guint64 key = ((guint64) left[i].nodeid << 32) | left[i].pid;

        if (g_hash_table_remove(beat->rivals, &key)) {
            sipha_notice("conflict over proxy name '%s' ended: node %u pid %u left (%s)",
                         beat->msg.name, left[i].nodeid, left[i].pid,
                         sipha_cpg_reason_str(left[i].reason));
        }
    }
}

static void on_connection(bool connected, void *data)
{
    beat_t *beat = data;

    if (connected) {
        sipha_notice("beating for proxy %s (%s) every %" PRIu32 " ms in group %s",
                     beat->msg.name, beat->msg.sip_address, beat->opts.interval_ms,
                     beat->opts.group);
        send_beat(beat);
    } else {
        sipha_err("lost the CPG connection: watchers will see proxy %s leave; reconnecting",
                  beat->msg.name);
        g_hash_table_remove_all(beat->rivals);
    }
}

beat_t *beat_new(const beat_opts_t *opts, GMainContext *ctx, const char **error_text)
{
    static const sipha_cpg_callbacks_t callbacks = {
        .deliver = on_deliver,
        .confchg = on_confchg,
        .connection = on_connection,
    };
    beat_t *beat;

    if (!sipha_beat_name_valid(opts->name)) {
        *error_text = "proxy name must be 1-63 characters of [A-Za-z0-9._-]";
        return NULL;
    }
    if (!sipha_beat_address_valid(opts->sip_address)) {
        *error_text = "SIP address is not a valid transport:host:port key";
        return NULL;
    }
    if (opts->interval_ms == 0 || opts->probe_timeout_ms == 0
        || opts->probe_timeout_ms > opts->interval_ms || opts->probe_misses == 0) {
        *error_text = "need 0 < probe timeout <= interval";
        return NULL;
    }
    beat = calloc(1, sizeof(*beat));
    if (beat == NULL) {
        *error_text = "out of memory";
        return NULL;
    }
    beat->opts = *opts;
    beat->ctx = g_main_context_ref(ctx != NULL ? ctx : g_main_context_default());
    beat->rivals = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    beat->msg.type = SIPHA_BEAT_TYPE_BEAT;
    beat->msg.beat_state = SIPHA_BEAT_STARTING;
    while (beat->msg.boot_id == 0) {
        if (getrandom(&beat->msg.boot_id, sizeof(beat->msg.boot_id), 0) < 0) {
            beat->msg.boot_id = ((uint64_t) g_random_int() << 32) | g_random_int();
        }
    }
    g_strlcpy(beat->msg.name, opts->name, sizeof(beat->msg.name));
    g_strlcpy(beat->msg.sip_address, opts->sip_address, sizeof(beat->msg.sip_address));
    if (opts->key != NULL) {
        beat->sign = true;
        beat->key = *opts->key;
        beat->msg.flags |= SIPHA_BEAT_FLAG_MAC;
    }
    beat->probe = beat_probe_new(beat->ctx,
                                 opts->probe_target != NULL ? opts->probe_target : opts->sip_address,
                                 opts->probe_timeout_ms, opts->alive_codes, error_text);
    beat->cpg = sipha_cpg_new(opts->group, beat->ctx, 2000, &callbacks, beat);
    if (beat->probe == NULL || beat->cpg == NULL) {
        if (beat->cpg == NULL && beat->probe != NULL) {
            *error_text = "bad CPG group name";
        }
        beat_free(beat);
        return NULL;
    }
    return beat;
}

int beat_start(beat_t *beat)
{
    schedule_next(beat);
    (void) beat_probe_start(beat->probe, on_probe_done, beat);
    return sipha_cpg_start(beat->cpg);
}

void beat_stop(beat_t *beat)
{
    beat->msg.beat_state = SIPHA_BEAT_STOPPING;
    if (sipha_cpg_connected(beat->cpg)) {
        send_beat(beat);
    }
    sipha_notice("stopping: %" PRIu64 " beats sent, %" PRIu64 " refused by Corosync,"
                 " counter at %" PRIu64, beat->sent, beat->send_failures, beat->msg.counter);
}

void beat_free(beat_t *beat)
{
    if (beat == NULL) {
        return;
    }
    if (beat->timer != NULL) {
        g_source_destroy(beat->timer);
        g_source_unref(beat->timer);
    }
    beat_probe_free(beat->probe);
    sipha_cpg_free(beat->cpg);
    g_hash_table_destroy(beat->rivals);
    g_main_context_unref(beat->ctx);
    free(beat);
}
