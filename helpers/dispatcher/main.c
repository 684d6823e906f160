/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * main.c: sipha-dispatcher, the stateless SIP dispatcher daemon.
 *
 * Two sides, as HAProxy and Kamailio split them:
 *  - the packet worker (worker.c), a thread that only receives, forwards
 *    (forward.c) and sends, over an immutable snapshot of the proxy set and
 *    keys that it loads once per batch (snapshot.c);
 *  - the control thread (this one, on the default GLib main context): the
 *    proxy set and its sources (proxyset.c, source_*.c), the control socket
 *    (control.c), the Prometheus listener (metrics_http.c), reload,
 *    signals, the fast takeover (takeover.c).  Every
 *    change of what forwarding uses publishes a new snapshot.
 * Nothing the control side does (a slow control client, a slow CIB, a
 * reload) can delay a datagram.
 *
 * Exit codes: 0 clean stop, 1 runtime failure (cannot listen...),
 * 2 usage or configuration error.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>

#include "addr.h"
#include "control.h"
#include "disp_config.h"
#include "forward.h"
#include "hash.h"
#include "metrics.h"
#include "metrics_http.h"
#include "proxyset.h"
#include "self_addr.h"
#include "util/sipha_daemon.h"
#include "util/sipha_log.h"
#include "privs.h"
#include "pulse.h"
#include "util/sipha_time.h"
#include "snapshot.h"
#include "sources.h"
#include "stats.h"
#include "takeover.h"
#include "udp.h"
#include "worker.h"

#define MAX_LISTENERS WORKER_FDS_MAX
/* How often replaced snapshots are looked at for freeing. */
#define RECLAIM_MS 200

struct dispatcher {
    struct disp_config cfg;
    struct disp_keys keys;
    struct proxyset proxies;        /* the merged table: control side only */
    /* the listen addresses, refused as proxies; the worker keeps its own
     * copy, which also learns the arrival addresses (SAPs) and refuses
     * those on the packet path (482) */
    struct self_addrs self;
    struct snap_domain *snaps;
    struct worker *worker;
    int listen_fds[MAX_LISTENERS];
    int listen_ports[MAX_LISTENERS];
    int listener_count;
    struct control *control;
    struct metrics_http *metrics;
    guint reclaim_id;
    gchar *pid_path;                /* the pid file written, removed at stop */
    GMainLoop *loop;
    struct disp_sources *sources;
    struct takeover *takeover;
    uint64_t started_ms;
    /* the level set through the control socket (log-level), -1 = none:
     * it outlives a reload, which would otherwise reset it to the
     * configured one while the operator is still debugging */
    int log_level_override;
    int64_t started_unix_us;
};

/* Log as CFG says: syslog with its facility, or stderr (validated). */
static void
apply_log_config(const struct dispatcher *d)
{
    sipha_log_configure("sipha-dispatcher", d->cfg.log_facility, d->cfg.syslog_socket,
                        d->cfg.daemonize,
                        d->log_level_override >= 0 ? d->log_level_override
                                                   : disp_config_log_priority(&d->cfg));
}

/* Whatever forwarding uses changed: give the worker a new snapshot. */
static void
publish(void *data)
{
    struct dispatcher *d = data;

    snap_publish(d->snaps, &d->proxies, &d->keys, d->cfg.retry_after_s);
}

static gboolean
on_reclaim(gpointer data)
{
    struct dispatcher *d = data;

    snap_reclaim(d->snaps);
    return G_SOURCE_CONTINUE;
}

/* The control loop's pulse, watched by the worker (pulse.h). */
static gint
control_poll(GPollFD *fds, guint n, gint timeout_ms)
{
    gint rc;

    pulse_sleep(&pulse_control);
    rc = g_poll(fds, n, timeout_ms);
    pulse_wake(&pulse_control);
    return rc;
}

/* The counters of every worker, and the requests per proxy slot. */
static void
sum_stats(const struct dispatcher *d, struct disp_stats *st, uint64_t *requests)
{
    memset(st, 0, sizeof(*st));
    memset(requests, 0, sizeof(uint64_t) * PROXYSET_MAX);
    if (d->worker != NULL) {
        worker_stats_add(d->worker, st, requests);
    }
}

static void
dump_state(const struct dispatcher *d, bool stats, bool proxies, GString *out)
{
    struct disp_stats st;
    uint64_t *requests = g_new0(uint64_t, PROXYSET_MAX);

    sum_stats(d, &st, requests);
    if (stats) {
        disp_stats_dump(&st, out);
    }
    if (proxies) {
        proxyset_dump(&d->proxies, requests, out);
    }
    g_free(requests);
}

/* GET /metrics: the same counters and table as the control socket's
 * "status", the watcher's table and the takeover's state. */
static void
on_metrics(GString *out, gpointer data)
{
    struct dispatcher *d = data;
    struct disp_stats st;
    uint64_t *requests = g_new0(uint64_t, PROXYSET_MAX);

    sum_stats(d, &st, requests);
    metrics_family(out, "sipha_dispatcher_build_info", "gauge", "The version running (always 1)");
    metrics_sample(out, "sipha_dispatcher_build_info", 1, "version", PACKAGE_VERSION, NULL);
    metrics_single(out, "sipha_dispatcher_start_time_seconds", "gauge",
                   "When the dispatcher started (Unix time)", (double) d->started_unix_us / 1e6);
    disp_stats_metrics(&st, out);
    proxyset_metrics(&d->proxies, requests, (uint64_t) (g_get_real_time() / G_USEC_PER_SEC),
                     out);
    disp_sources_metrics(d->sources, out);
    takeover_metrics(d->takeover, out);
    metrics_http_metrics(d->metrics, out);
    g_free(requests);
}

static int
open_listener(struct dispatcher *d, const char *spec)
{
    struct sockaddr_storage addr;
    char text[ADDR_STRLEN];
    int fd;

    if (sipha_sockaddr_parse(spec, d->cfg.port, &addr) != 0) {
        sipha_err("Bad listen address '%s'", spec);
        return -EINVAL;
    }
    if (d->listener_count == MAX_LISTENERS) {
        sipha_err("Too many listen addresses (%d at most)", MAX_LISTENERS);
        return -EINVAL;
    }
    addr_hostport_str(&addr, text, sizeof(text));
    fd = udp_open(&addr, d->cfg.rcvbuf_bytes);
    if (fd < 0) {
        sipha_err("Cannot listen on %s: %s", text, strerror(-fd));
        return fd;
    }
    if (self_addrs_add_listen(&d->self, &addr) != 0) {
        sipha_warn("Too many own addresses to remember %s", text);
    }
    if (d->cfg.rcvbuf_bytes > 0 && udp_rcvbuf(fd) < d->cfg.rcvbuf_bytes) {
        sipha_warn("Receive buffer of udp:%s is %d bytes, not the %d asked: raise the host's "
                   "limit (sysctl -w net.core.rmem_max=%d)", text, udp_rcvbuf(fd),
                   d->cfg.rcvbuf_bytes, d->cfg.rcvbuf_bytes);
    }
    d->listen_fds[d->listener_count] = fd;
    d->listen_ports[d->listener_count] = addr_port(&addr);
    d->listener_count++;
    sipha_notice("Listening on udp:%s", text);
    return 0;
}

static int
open_listeners(struct dispatcher *d)
{
    char v4[32], v6[32];

    if (d->cfg.listen == NULL || d->cfg.listen[0] == NULL) {
        int rc;

        snprintf(v4, sizeof(v4), "0.0.0.0:%d", d->cfg.port);
        snprintf(v6, sizeof(v6), "[::]:%d", d->cfg.port);
        rc = open_listener(d, v4);
        if (rc == 0 && open_listener(d, v6) != 0) {
            /* a host without IPv6 still serves IPv4 */
            sipha_warn("Serving IPv4 only");
        }
        return rc;
    }
    for (gchar **p = d->cfg.listen; *p != NULL; p++) {
        int rc = open_listener(d, *p);

        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* CFG's accept-secret-file into KEYS->mac_accept; the reason in WHY (or
 * the log when WHY is NULL) when it cannot be used. */
static int
load_accept_key(const struct disp_config *cfg, struct disp_keys *keys, GString *why)
{
    int rc;

    if (cfg->accept_secret_file == NULL) {
        return 0;
    }
    rc = disp_keys_load_accept(cfg->accept_secret_file, keys);
    if (rc != 0) {
        const char *text = rc == -EINVAL ? "fewer than 16 bytes" : strerror(-rc);

        if (why != NULL) {
            g_string_printf(why, "cannot use accept-secret-file %s: %s",
                            cfg->accept_secret_file, text);
        } else {
            sipha_err("Cannot use accept-secret-file %s: %s", cfg->accept_secret_file, text);
        }
        return rc;
    }
    sipha_notice("Responses whose Via MAC was made with %s are relayed too",
                 cfg->accept_secret_file);
    return 0;
}

static int
load_keys(struct dispatcher *d)
{
    const char *path = d->cfg.secret_file != NULL ? d->cfg.secret_file : DISP_DEFAULT_SECRET;
    int rc = disp_keys_load(path, &d->keys);

    if (rc == 0) {
        return load_accept_key(&d->cfg, &d->keys, NULL);
    }
    if (d->cfg.secret_file != NULL) {
        sipha_err("Cannot use secret file %s: %s", path,
                  rc == -EINVAL ? "fewer than 16 bytes" : strerror(-rc));
        return rc;
    }
    if (d->cfg.takeover) {
        /* a random key would make every peer's heartbeat a forgery */
        sipha_err("The fast takeover needs the dispatchers' shared secret: no secret file %s",
                  path);
        return rc;
    }
    sipha_warn("No secret file %s: using a random key, so only this process can relay "
               "responses to the requests it forwarded", path);
    disp_keys_random(&d->keys);
    return 0;
}

/* The static list is a snapshot source: what a reload removes, goes. */
static void
apply_static_proxies(struct dispatcher *d)
{
    proxyset_snapshot_begin(&d->proxies, PS_SRC_STATIC);
    for (gchar **p = d->cfg.proxies; p != NULL && *p != NULL; p++) {
        char name[PROXY_NAME_LEN], addr[128];
        double weight;

        if (disp_config_proxy_spec(*p, name, sizeof(name), addr, sizeof(addr), &weight) != 0
            || proxyset_report(&d->proxies, PS_SRC_STATIC, addr, name, weight, PS_UP) == NULL) {
            sipha_err("Ignoring static proxy '%s'", *p);
        }
    }
    proxyset_snapshot_end(&d->proxies, PS_SRC_STATIC);
    proxyset_update(&d->proxies);
}

/* The keys NEXT asks for: the ones in use unless the secret changed (a
 * default secret file still missing keeps the random key: a new one
 * would break every transaction in progress). */
static int
reload_keys(const struct dispatcher *d, const struct disp_config *next, struct disp_keys *keys,
            GString *why)
{
    const char *path = next->secret_file != NULL ? next->secret_file : DISP_DEFAULT_SECRET;
    int rc = disp_keys_load(path, keys);

    if (rc != 0 && next->secret_file != NULL) {
        g_string_printf(why, "cannot use secret file %s: %s", path,
                        rc == -EINVAL ? "fewer than 16 bytes" : strerror(-rc));
        return rc;
    }
    if (rc != 0) {
        *keys = d->keys;
        memset(&keys->mac_accept, 0, sizeof(keys->mac_accept));
    }
    if (load_accept_key(next, keys, why) != 0) {
        return -EINVAL;
    }
    if (d->takeover != NULL && memcmp(&keys->peer, &d->keys.peer, sizeof(keys->peer)) != 0) {
        g_string_printf(why, "the secret changed: the fast takeover's heartbeats need a "
                        "restart to use it (nothing reloaded)");
        return -EINVAL;
    }
    return 0;
}

/* Re-read the configuration: apply all of it, or nothing (WHY says why). */
static int
reload(struct dispatcher *d, GString *why)
{
    struct disp_config next;
    struct disp_keys keys;
    int rc;

    sipha_notice("Reloading configuration");
    rc = disp_config_reload(&d->cfg, &next, why);
    if (rc == 0) {
        rc = reload_keys(d, &next, &keys, why);
    }
    if (rc == 0) {
        /* the only step that can fail once started; it undoes itself */
        rc = disp_sources_reconfigure(d->sources, &next, why);
    }
    if (rc != 0) {
        sipha_err("Configuration not reloaded, the previous one stays: %s", why->str);
        disp_config_clear(&next);
        return rc;
    }
    disp_config_clear(&d->cfg);
    d->cfg = next;
    apply_log_config(d);
    if (memcmp(&keys.mac, &d->keys.mac, sizeof(keys.mac)) != 0) {
        sipha_notice("New secret: responses to requests forwarded before it verify only "
                     "while the old secret is the accept-secret-file");
    }
    d->keys = keys;
    apply_static_proxies(d);    /* and publishes the new snapshot */
    publish(d);
    sipha_notice("Configuration reloaded");
    return 0;
}

/* log-level [LEVEL|config]: show or set the level at run time, without a
 * restart; "config" goes back to the configured one. */
static void
control_log_level(struct dispatcher *d, const char *level, GString *out)
{
    int prio = -1;

    if (level != NULL && strcmp(level, "config") != 0) {
        prio = sipha_log_level_parse(level);
        if (prio < LOG_ERR) {
            g_string_append_printf(out, "error: bad log level '%s' (err, warning, notice, "
                                   "info, debug, config)\n", level);
            return;
        }
    }
    if (level != NULL) {
        d->log_level_override = prio;
        sipha_log_set_priority(prio >= 0 ? prio : disp_config_log_priority(&d->cfg));
        sipha_notice("Log level %s, set by the control socket",
                     sipha_log_level_name(sipha_log_get_priority()));
    }
    g_string_append_printf(out, "ok\nlog-level %s%s\n",
                           sipha_log_level_name(sipha_log_get_priority()),
                           d->log_level_override >= 0 ? "" : " (configured)");
}

static void
on_control(const char *command, GString *out, gpointer data)
{
    struct dispatcher *d = data;
    gchar **argv = g_strsplit_set(command, " \t", 3);
    const char *verb = argv[0] != NULL ? argv[0] : "";

    sipha_debug("Control command: %s", command);
    if (strcmp(verb, "status") == 0 || strcmp(verb, "stats") == 0
        || strcmp(verb, "proxies") == 0) {
        g_string_append(out, "ok\n");
        if (strcmp(verb, "proxies") != 0) {
            g_string_append_printf(out, "uptime_s %" G_GUINT64_FORMAT "\n",
                                   (sipha_now_ms() - d->started_ms) / 1000);
        }
        dump_state(d, strcmp(verb, "proxies") != 0, strcmp(verb, "stats") != 0, out);
    } else if ((strcmp(verb, "drain") == 0 || strcmp(verb, "undrain") == 0) && argv[1] != NULL) {
        bool drain = verb[0] == 'd';
        struct proxy *p = proxyset_drain(&d->proxies, argv[1], drain);

        if (p == NULL) {
            g_string_append_printf(out, "error: no proxy %s\n", argv[1]);
        } else {
            sipha_notice("Proxy %s (%s) %s by the control socket", p->name, p->key,
                         drain ? "drained" : "undrained");
            proxyset_update(&d->proxies);
            g_string_append_printf(out, "ok\n%s %s\n", p->key, drain ? "draining" : "open");
        }
    } else if (strcmp(verb, "pick") == 0 && argv[1] != NULL) {
        /* where a request with this Call-ID goes now (new dialog / in dialog) */
        uint64_t h = hrw_call_hash(&d->keys, argv[1], strlen(argv[1]));
        const struct proxy *fresh = proxyset_pick(&d->proxies, h, true);
        const struct proxy *dialog = proxyset_pick(&d->proxies, h, false);

        g_string_append_printf(out, "ok\n%s %s\n", fresh != NULL ? fresh->name : "-",
                               dialog != NULL ? dialog->name : "-");
    } else if (strcmp(verb, "takeover") == 0) {
        g_string_append(out, "ok\n");
        if (d->takeover != NULL) {
            takeover_dump(d->takeover, out);
        } else {
            g_string_append(out, "takeover off\n");
        }
    } else if (strcmp(verb, "log-level") == 0) {
        control_log_level(d, argv[1], out);
    } else if (strcmp(verb, "reload") == 0) {
        GString *why = g_string_new(NULL);

        if (reload(d, why) == 0) {
            g_string_append(out, "ok\n");
        } else {
            g_string_append_printf(out, "error: %s\n", why->str);
        }
        g_string_free(why, TRUE);
    } else {
        g_string_append_printf(out, "error: unknown command '%s' (status, stats, proxies, "
                               "drain X, undrain X, pick CALL-ID, takeover, log-level [LEVEL|config], reload)\n", verb);
    }
    g_strfreev(argv);
}

/* The CIB source read a change: what Pacemaker would do may have changed. */
static void
on_cib_read(void *data)
{
    struct dispatcher *d = data;

    takeover_cib_changed(d->takeover);
}

static gboolean
on_stop(gpointer data)
{
    struct dispatcher *d = data;

    sipha_notice("Stopping on signal");
    g_main_loop_quit(d->loop);
    return G_SOURCE_CONTINUE;
}

static gboolean
on_hup(gpointer data)
{
    GString *why = g_string_new(NULL);

    reload(data, why);
    g_string_free(why, TRUE);
    return G_SOURCE_CONTINUE;
}

/* SIGUSR1: the table and counters into the log, for operators without the
 * control socket. */
static gboolean
on_usr1(gpointer data)
{
    struct dispatcher *d = data;
    GString *out = g_string_new(NULL);
    gchar **lines;

    dump_state(d, true, true, out);
    lines = g_strsplit(out->str, "\n", -1);
    for (gchar **l = lines; *l != NULL; l++) {
        if (**l != '\0') {
            sipha_notice("%s", *l);
        }
    }
    g_strfreev(lines);
    g_string_free(out, TRUE);
    return G_SOURCE_CONTINUE;
}

/* Undo whatever run() got to; safe on a partly started dispatcher. */
static void
shutdown_dispatcher(struct dispatcher *d)
{
    takeover_free(d->takeover);
    d->takeover = NULL;
    worker_stop(d->worker);
    d->worker = NULL;
    disp_sources_free(d->sources);
    control_close(d->control);
    metrics_http_close(d->metrics);
    if (d->reclaim_id != 0) {
        g_source_remove(d->reclaim_id);
    }
    for (int i = 0; i < d->listener_count; i++) {
        close(d->listen_fds[i]);
    }
    g_main_context_set_poll_func(NULL, NULL);
    snap_domain_free(d->snaps);
    if (d->pid_path != NULL) {
        sipha_pidfile_remove(d->pid_path);
        g_free(d->pid_path);
    }
    if (d->loop != NULL) {
        g_main_loop_unref(d->loop);
    }
    disp_config_clear(&d->cfg);
}

static int
run(struct dispatcher *d, int argc, char **argv)
{
    int rc = disp_config_parse(argc, argv, &d->cfg);

    if (rc != 0) {
        return rc;
    }
    if (d->cfg.check_config) {
        printf("configuration ok\n");
        return 0;
    }
    apply_log_config(d);
    privs_no_core();            /* before the secret is read */
    if (load_keys(d) != 0) {
        return 2;
    }
    proxyset_init(&d->proxies, disp_sources_enabled(&d->cfg));
    self_addrs_init(&d->self);
    d->proxies.self = &d->self;
    d->proxies.on_update = publish;
    d->proxies.on_update_data = d;
    d->snaps = snap_domain_new(1);
    d->loop = g_main_loop_new(NULL, FALSE);
    d->started_ms = sipha_now_ms();
    d->started_unix_us = g_get_real_time();
    if (d->snaps == NULL) {
        return 1;
    }
    if (open_listeners(d) != 0) {
        return 1;
    }
    if (d->cfg.daemonize) {
        rc = sipha_daemonize();
        if (rc != 0) {
            sipha_err("Cannot daemonize: %s", strerror(-rc));
            return 1;
        }
    }
    if (d->cfg.pid_file != NULL) {
        rc = sipha_pidfile_write(d->cfg.pid_file);
        if (rc != 0) {
            sipha_err("Cannot write pid file %s: %s", d->cfg.pid_file, strerror(-rc));
            return 1;
        }
        d->pid_path = g_strdup(d->cfg.pid_file);
    }
    d->control = control_listen(d->cfg.control_socket, on_control, d);
    if (d->control == NULL) {
        return 1;
    }
    if (d->cfg.metrics_listen != NULL && d->cfg.metrics_listen[0] != '\0') {
        /* bound before the privileges go, as the SIP sockets */
        d->metrics = metrics_http_listen(d->cfg.metrics_listen, on_metrics, d);
        if (d->metrics == NULL) {
            return 1;
        }
    }
    /* everything that needed root is done; no other thread runs yet */
    if (d->cfg.user != NULL
        && privs_drop(d->cfg.user, d->cfg.takeover, d->cfg.takeover_rt_priority > 0) != 0) {
        return 1;
    }
    apply_static_proxies(d);
    publish(d);         /* the first snapshot, even with an empty set */
    d->reclaim_id = g_timeout_add(RECLAIM_MS, on_reclaim, d);
    pulse_start(&pulse_control);
    g_main_context_set_poll_func(NULL, control_poll);
    d->worker = worker_start(d->snaps, 0, d->listen_fds, d->listen_ports, d->listener_count,
                             &d->self, &d->keys, d->cfg.takeover_loop_stall_ms);
    if (d->worker == NULL) {
        return 1;
    }
    d->sources = disp_sources_new(&d->proxies, &d->cfg);
    if (d->sources == NULL) {
        return 2;
    }
    if (d->cfg.takeover) {
        d->takeover = takeover_new(&d->cfg, &d->keys);
        if (d->takeover == NULL) {
            return 1;
        }
        disp_sources_on_cib_read(d->sources, on_cib_read, d);
    }
    g_unix_signal_add(SIGTERM, on_stop, d);
    g_unix_signal_add(SIGINT, on_stop, d);
    g_unix_signal_add(SIGHUP, on_hup, d);
    g_unix_signal_add(SIGUSR1, on_usr1, d);
    sipha_notice("sipha-dispatcher %s started (pid %ld)", PACKAGE_VERSION, (long) getpid());
    g_main_loop_run(d->loop);
    return 0;
}

int
main(int argc, char **argv)
{
    struct dispatcher *d = g_new0(struct dispatcher, 1);
    int rc;

    d->log_level_override = -1;
    rc = run(d, argc, argv);

    shutdown_dispatcher(d);
    g_free(d);
    return rc;
}
