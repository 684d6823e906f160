/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha-watch: show the heartbeat table of the CPG group, once or live, and
 * optionally publish each proxy's state as a transient node attribute.
 * See docs/heartbeat.md.  Exit codes (--once): 0 every proxy seen is up,
 * 1 at least one is not, 2 usage, 3 could not join the CPG group.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <glib-unix.h>

#include "attrd_pub.h"
#include "util/sipha_log.h"
#include "sip/sipha_sip_addr.h"
#include "util/sipha_time.h"
#include "watch/sipha_watch.h"

#define EXIT_NOT_UP 1
#define EXIT_USAGE 2
#define EXIT_NO_CPG 3

typedef struct app {
    sipha_watch_t *watch;
    GMainLoop *loop;
    gboolean json;
    gboolean events;
    gboolean stats;
    attrd_pub_t *pub;
    bool all_up;
} app_t;

static void json_string(const char *s)
{
    putchar('"');
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char) *s;

        if (c == '"' || c == '\\') {
            printf("\\%c", c);
        } else if (c < 0x20) {
            printf("\\u%04x", c);
        } else {
            putchar(c);
        }
    }
    putchar('"');
}

static uint64_t age_ms(uint64_t then_ms)
{
    uint64_t now_ms = sipha_now_ms();

    return then_ms != 0 && now_ms >= then_ms ? now_ms - then_ms : 0;
}

static void print_json_proxy(const sipha_proxy_info_t *p)
{
    printf("{\"name\":");
    json_string(p->name);
    printf(",\"sip_address\":");
    json_string(p->sip_address);
    printf(",\"state\":\"%s\",\"reason\":", sipha_proxy_state_str(p->state));
    json_string(p->reason);
    printf(",\"counter\":%" PRIu64 ",\"since_increase_ms\":", p->counter);
    if (p->last_increase_ms != 0) {
        printf("%" PRIu64, age_ms(p->last_increase_ms));
    } else {
        printf("null");
    }
    printf(",\"beat_state\":\"%s\",\"nodeid\":%" PRIu32 ",\"pid\":%" PRIu32,
           p->beat_state, p->nodeid, p->pid);
    if (p->has_load) {
        printf(",\"load\":{\"active\":%" PRIu32 ",\"cpu_permille\":%u}", p->load_active,
               p->load_cpu_permille);
    }
    printf("}");
}

typedef struct table_ctx {
    app_t *app;
    bool first;
} table_ctx_t;

static void print_row(const sipha_proxy_info_t *p, void *data)
{
    table_ctx_t *ctx = data;
    char load[32] = "-", since[24] = "-";

    if (p->state != SIPHA_PROXY_UP) {
        ctx->app->all_up = false;
    }
    if (ctx->app->json) {
        printf("%s", ctx->first ? "" : ",");
        print_json_proxy(p);
        ctx->first = false;
        return;
    }
    if (p->has_load) {
        snprintf(load, sizeof(load), "%" PRIu32 "/%u.%u%%", p->load_active,
                 p->load_cpu_permille / 10, p->load_cpu_permille % 10);
    }
    if (p->last_increase_ms != 0) {
        snprintf(since, sizeof(since), "%" PRIu64, age_ms(p->last_increase_ms));
    }
    printf("%-16s %-8s %-28s %10" PRIu64 " %8s %-14s %6" PRIu32 " %8" PRIu32 " %-12s %s\n",
           p->name, sipha_proxy_state_str(p->state), p->sip_address, p->counter, since,
           p->beat_state, p->nodeid, p->pid, load, p->reason);
}

static void print_stats(app_t *app)
{
    sipha_watch_stats_t s;

    sipha_watch_get_stats(app->watch, &s);
    if (app->json) {
        printf("{\"connected\":%s,\"ring_stalled\":%s,\"messages\":%" PRIu64
               ",\"beats\":%" PRIu64 ",\"own_ticks\":%" PRIu64 ",\"other_ticks\":%" PRIu64
               ",\"malformed\":%" PRIu64 ",\"unknown_sender\":%" PRIu64
               ",\"not_member\":%" PRIu64 ",\"wrong_node\":%" PRIu64
               ",\"table_full\":%" PRIu64 ",\"unauthenticated\":%" PRIu64
               ",\"reclaimed\":%" PRIu64
               ",\"ring_stalls\":%" PRIu64 ",\"conflicts\":%" PRIu64
               ",\"cpg_disconnects\":%" PRIu64 "}",
               s.connected ? "true" : "false", s.ring_stalled ? "true" : "false",
               s.rx_messages, s.rx_beats, s.rx_own_ticks, s.rx_other_ticks, s.rx_malformed,
               s.rx_unknown_sender, s.rx_not_member, s.rx_wrong_node, s.rx_table_full,
               s.rx_unauthenticated, s.reclaimed, s.ring_stalls, s.conflicts,
               s.cpg_disconnects);
        return;
    }
    printf("# stats: connected=%s ring_stalled=%s messages=%" PRIu64 " beats=%" PRIu64
           " own_ticks=%" PRIu64 " other_ticks=%" PRIu64 " malformed=%" PRIu64
           " unknown_sender=%" PRIu64 " not_member=%" PRIu64 " wrong_node=%" PRIu64
           " table_full=%" PRIu64 " unauthenticated=%" PRIu64 " reclaimed=%" PRIu64
           " ring_stalls=%" PRIu64 " conflicts=%" PRIu64 " cpg_disconnects=%" PRIu64 "\n",
           s.connected ? "yes" : "no", s.ring_stalled ? "yes" : "no", s.rx_messages,
           s.rx_beats, s.rx_own_ticks, s.rx_other_ticks, s.rx_malformed,
           s.rx_unknown_sender, s.rx_not_member, s.rx_wrong_node, s.rx_table_full,
           s.rx_unauthenticated, s.reclaimed, s.ring_stalls, s.conflicts, s.cpg_disconnects);
}

static void print_table(app_t *app)
{
    table_ctx_t ctx = { app, true };

    app->all_up = true;
    if (app->json) {
        printf("{\"proxies\":[");
        sipha_watch_foreach(app->watch, print_row, &ctx);
        printf("],\"stats\":");
        print_stats(app);
        printf("}\n");
    } else {
        printf("%-16s %-8s %-28s %10s %8s %-14s %6s %8s %-12s %s\n", "NAME", "STATE",
               "SIP-ADDRESS", "COUNTER", "SINCE-MS", "BEAT", "NODE", "PID", "LOAD", "REASON");
        sipha_watch_foreach(app->watch, print_row, &ctx);
        if (app->stats) {
            print_stats(app);
        }
    }
    fflush(stdout);
}

static void on_change(const sipha_proxy_info_t *p, sipha_proxy_state_t old_state, void *data)
{
    app_t *app = data;

    if (old_state == p->state) {
        return;     /* only the silent flag changed: nothing to show here */
    }
    if (app->pub != NULL) {
        attrd_pub_set(app->pub, p->name, sipha_proxy_state_str(p->state));
    }
    if (!app->events) {
        return;
    }
    if (app->json) {
        printf("{\"event\":\"change\",\"time_us\":%" PRId64 ",\"old_state\":\"%s\",\"proxy\":",
               (int64_t) g_get_real_time(), sipha_proxy_state_str(old_state));
        print_json_proxy(p);
        printf("}\n");
    } else {
        GDateTime *now = g_date_time_new_now_utc();
        char *stamp = g_date_time_format(now, "%H:%M:%S");

        printf("%s.%03d %s %s -> %s %s (%s)\n", stamp,
               g_date_time_get_microsecond(now) / 1000, p->name,
               sipha_proxy_state_str(old_state), sipha_proxy_state_str(p->state),
               p->sip_address, p->reason);
        g_free(stamp);
        g_date_time_unref(now);
    }
    fflush(stdout);
}

static void on_conn(bool connected, void *data)
{
    app_t *app = data;

    if (app->events && !app->json) {
        printf("# CPG %s\n", connected ? "joined" : "connection lost");
        fflush(stdout);
    }
}

static gboolean on_quit(gpointer data)
{
    g_main_loop_quit(((app_t *) data)->loop);
    return G_SOURCE_CONTINUE;
}

static gboolean on_dump(gpointer data)
{
    print_table(data);
    return G_SOURCE_CONTINUE;
}

static void free_members(sipha_watch_member_t *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        g_free((char *) m[i].sip_address);
    }
    g_free(m);
}

/* --member ADDR[@NODEID]: the address normalized as the beats announce it. */
static int parse_members(char **args, sipha_watch_member_t **out, size_t *n_out)
{
    size_t n = args != NULL ? g_strv_length(args) : 0;
    sipha_watch_member_t *m;

    *out = NULL;
    *n_out = 0;
    if (n == 0) {
        return 0;
    }
    m = g_new0(sipha_watch_member_t, n);
    for (size_t i = 0; i < n; i++) {
        char key[SIPHA_SIP_ADDR_KEY_MAX];
        char *at = strrchr(args[i], '@');
        char *end = NULL;
        unsigned long nodeid = 0;

        if (at != NULL) {
            *at = '\0';
            errno = 0;
            nodeid = strtoul(at + 1, &end, 10);
        }
        if ((at != NULL && (errno != 0 || end == at + 1 || *end != '\0' || nodeid > UINT32_MAX))
            || sipha_sip_addr_key(args[i], SIPHA_SIP_UDP, key, sizeof(key)) < 0) {
            fprintf(stderr, "sipha-watch: --member %s: not ADDR[@NODEID]\n", args[i]);
            free_members(m, i);
            return -1;
        }
        m[i].sip_address = g_strdup(key);
        m[i].nodeid = (uint32_t) nodeid;
    }
    *out = m;
    *n_out = n;
    return 0;
}

static gboolean on_once_done(gpointer data)
{
    g_main_loop_quit(((app_t *) data)->loop);
    return G_SOURCE_REMOVE;
}

int main(int argc, char **argv)
{
    g_autofree char *group = NULL;
    g_autofree char *attr_prefix = NULL;
    g_autofree char *updater = NULL;
    gint down_after_ms = 300, up_after = 3, wait_ms = 1500, refresh_ms = 1000;
    gint stall_after_ms = 100, tick_ms = 50, max_proxies = 1024;
    g_autofree char *key_file = NULL;
    g_autofree char *log_facility = NULL;
    g_autofree char *syslog_socket = NULL;
    gboolean no_auth = FALSE;
    sipha_beat_key_t beat_key;
    const char *error_text = NULL;
    g_auto(GStrv) member_args = NULL;
    sipha_watch_member_t *members = NULL;
    size_t n_members = 0;
    gboolean once = FALSE, publish = FALSE, verbose = FALSE;
    app_t app;
    GOptionEntry entries[] = {
        { "group", 'g', 0, G_OPTION_ARG_STRING, &group, "CPG group (default sipha)", "NAME" },
        { "once", '1', 0, G_OPTION_ARG_NONE, &once, "Watch for --wait-ms, print the table, exit", NULL },
        { "wait-ms", 'w', 0, G_OPTION_ARG_INT, &wait_ms, "With --once: how long to watch (default 1500)", "MS" },
        { "refresh-ms", 'r', 0, G_OPTION_ARG_INT, &refresh_ms, "Live: print the table this often (default 1000; 0 = only on SIGUSR1)", "MS" },
        { "events", 'e', 0, G_OPTION_ARG_NONE, &app.events, "Live: print one line per state change instead of tables", NULL },
        { "json", 'j', 0, G_OPTION_ARG_NONE, &app.json, "JSON output (one object per line)", NULL },
        { "stats", 's', 0, G_OPTION_ARG_NONE, &app.stats, "Also print receive counters", NULL },
        { "down-after-ms", 'D', 0, G_OPTION_ARG_INT, &down_after_ms, "Counter stalled this long: DOWN (default 300)", "MS" },
        { "up-after", 'U', 0, G_OPTION_ARG_INT, &up_after, "Consecutive increases before UP (default 3)", "N" },
        { "stall-after-ms", 0, 0, G_OPTION_ARG_INT, &stall_after_ms, "Own tick late this long: ring stalled (default 100)", "MS" },
        { "tick-ms", 0, 0, G_OPTION_ARG_INT, &tick_ms, "Own ring tick interval (default 50)", "MS" },
        { "publish-attrs", 'P', 0, G_OPTION_ARG_NONE, &publish, "Publish PREFIX<name>=up|down|unknown|conflict node attributes on change", NULL },
        { "attr-prefix", 0, 0, G_OPTION_ARG_STRING, &attr_prefix, "Attribute name prefix (default sipha-proxy-)", "TEXT" },
        { "attrd-updater", 0, 0, G_OPTION_ARG_FILENAME, &updater, "attrd_updater program to run", "PATH" },
        { "member", 'm', 0, G_OPTION_ARG_STRING_ARRAY, &member_args, "Only take beats for this address, from node NODEID if given (repeat; default: every beat)", "ADDR[@NODEID]" },
        { "log-facility", 0, 0, G_OPTION_ARG_STRING, &log_facility, "Log to syslog with this facility (daemon, local0-local7...; none = stderr); errors go to stderr too", "FACILITY" },
        { "syslog-socket", 0, 0, G_OPTION_ARG_FILENAME, &syslog_socket, "The syslog socket (" SIPHA_LOG_DEFAULT_SOCKET ")", "PATH" },
        { "key-file", 'k', 0, G_OPTION_ARG_FILENAME, &key_file, "Only take beats signed with a key derived from this secret (default " SIPHA_BEAT_DEFAULT_KEY_FILE " when it exists)", "FILE" },
        { "no-auth", 0, 0, G_OPTION_ARG_NONE, &no_auth, "Take unauthenticated beats too", NULL },
        { "max-proxies", 0, 0, G_OPTION_ARG_INT, &max_proxies, "Table bound (default 1024; 0 = none)", "N" },
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log debug messages to stderr", NULL },
        { NULL }
    };
    g_autoptr(GOptionContext) octx = NULL;
    g_autoptr(GError) error = NULL;
    sipha_watch_opts_t opts;
    sipha_watch_stats_t stats;
    int rc = 0;

    memset(&app, 0, sizeof(app));
    octx = g_option_context_new("- heartbeat table of the SIP proxies (Corosync CPG)");
    g_option_context_add_main_entries(octx, entries, NULL);
    if (!g_option_context_parse(octx, &argc, &argv, &error)) {
        fprintf(stderr, "sipha-watch: %s\n", error->message);
        return EXIT_USAGE;
    }
    if (argc > 1 || down_after_ms <= 0 || up_after <= 0 || wait_ms <= 0 || refresh_ms < 0
        || stall_after_ms <= 0 || tick_ms <= 0 || max_proxies < 0 || (publish && once)) {
        fprintf(stderr, "sipha-watch: bad arguments (see --help; --publish-attrs is live only)\n");
        return EXIT_USAGE;
    }
    if (parse_members(member_args, &members, &n_members) != 0) {
        return EXIT_USAGE;
    }
    if (sipha_log_configure("sipha-watch", log_facility, syslog_socket, false,
                            verbose ? LOG_DEBUG : LOG_NOTICE) != 0) {
        fprintf(stderr, "sipha-watch: bad --log-facility '%s'\n", log_facility);
        return EXIT_USAGE;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);

    sipha_watch_opts_init(&opts);
    opts.group = group != NULL ? group : "sipha";
    opts.down_after_ms = (uint32_t) down_after_ms;
    opts.up_after_increases = (uint32_t) up_after;
    opts.stall_after_ms = (uint32_t) stall_after_ms;
    opts.tick_interval_ms = (uint32_t) tick_ms;
    opts.max_proxies = (uint32_t) max_proxies;
    if (sipha_beat_key_choose(key_file, no_auth, &beat_key, &opts.key, &error_text) != 0) {
        fprintf(stderr, "sipha-watch: %s\n", error_text);
        free_members(members, n_members);
        return EXIT_USAGE;
    }
    app.loop = g_main_loop_new(NULL, FALSE);
    if (publish) {
        app.pub = attrd_pub_new(NULL, attr_prefix != NULL ? attr_prefix : "sipha-proxy-", updater);
    }
    app.watch = sipha_watch_new(&opts, NULL, on_change, &app);
    if (app.watch == NULL || sipha_watch_start(app.watch) != 0) {
        fprintf(stderr, "sipha-watch: bad group name or options\n");
        sipha_watch_free(app.watch);
        attrd_pub_free(app.pub);
        g_main_loop_unref(app.loop);
        return EXIT_USAGE;
    }
    sipha_watch_set_conn_callback(app.watch, on_conn, &app);
    if (members != NULL) {
        sipha_watch_set_members(app.watch, members, n_members);
    }
    g_unix_signal_add(SIGTERM, on_quit, &app);
    g_unix_signal_add(SIGINT, on_quit, &app);
    g_unix_signal_add(SIGUSR1, on_dump, &app);
    if (once) {
        g_timeout_add((guint) wait_ms, on_once_done, &app);
    } else if (!app.events && refresh_ms > 0) {
        g_timeout_add((guint) refresh_ms, on_dump, &app);
    }
    g_main_loop_run(app.loop);

    if (once) {
        sipha_watch_get_stats(app.watch, &stats);
        if (!stats.connected) {
            fprintf(stderr, "sipha-watch: could not join CPG group %s (is corosync running?)\n",
                    opts.group);
            rc = EXIT_NO_CPG;
        } else {
            print_table(&app);
            rc = app.all_up ? 0 : EXIT_NOT_UP;
        }
    }
    sipha_watch_free(app.watch);
    attrd_pub_free(app.pub);
    g_main_loop_unref(app.loop);
    free_members(members, n_members);
    return rc;
}
