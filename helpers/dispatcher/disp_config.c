/* SPDX-License-Identifier: GPL-2.0-or-later */
/* disp_config.c: command line and key file (see disp_config.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <pwd.h>
#include <stdbool.h>
#include <string.h>
#include <syslog.h>

#include "addr.h"
#include "disp_config.h"
#include "util/sipha_log.h"

#define UNSET (-1)

/* What the command line said, kept so SIGHUP can re-apply it over the file. */
static struct disp_config cli;

static void
set_defaults(struct disp_config *c)
{
    memset(c, 0, sizeof(*c));
    c->port = UNSET;
    c->retry_after_s = UNSET;
    c->rcvbuf_bytes = UNSET;
    c->probe_interval_ms = UNSET;
    c->probe_timeout_ms = UNSET;
    c->watch_timeout_ms = UNSET;
    c->takeover_port = UNSET;
    c->takeover_interval_ms = UNSET;
    c->takeover_timeout_ms = UNSET;
    c->takeover_refresh_ms = UNSET;
    c->takeover_confirm_ms = UNSET;
    c->takeover_rt_priority = UNSET;
    c->takeover_loop_stall_ms = UNSET;
}

static void
final_defaults(struct disp_config *c)
{
    if (c->port == UNSET) {
        c->port = DISP_DEFAULT_PORT;
    }
    if (c->retry_after_s == UNSET) {
        c->retry_after_s = 5;
    }
    if (c->rcvbuf_bytes == UNSET) {
        c->rcvbuf_bytes = 4 * 1024 * 1024;
    }
    if (c->probe_interval_ms == UNSET) {
        c->probe_interval_ms = 0;
    }
    if (c->probe_timeout_ms == UNSET) {
        c->probe_timeout_ms = DISP_DEFAULT_PROBE_TIMEOUT_MS;
    }
    if (c->watch_timeout_ms == UNSET) {
        c->watch_timeout_ms = 300;
    }
    if (c->control_socket == NULL) {
        c->control_socket = g_strdup(DISP_DEFAULT_CONTROL);
    }
    if (c->cib_address_param == NULL) {
        c->cib_address_param = g_strdup("sip_address");
    }
    if (c->takeover_port == UNSET) {
        c->takeover_port = DISP_DEFAULT_TAKEOVER_PORT;
    }
    if (c->takeover_interval_ms == UNSET) {
        c->takeover_interval_ms = DISP_DEFAULT_TAKEOVER_INTERVAL_MS;
    }
    if (c->takeover_timeout_ms == UNSET) {
        c->takeover_timeout_ms = DISP_DEFAULT_TAKEOVER_TIMEOUT_MS;
    }
    if (c->takeover_refresh_ms == UNSET) {
        c->takeover_refresh_ms = DISP_DEFAULT_TAKEOVER_REFRESH_MS;
    }
    if (c->takeover_confirm_ms == UNSET) {
        c->takeover_confirm_ms = DISP_DEFAULT_TAKEOVER_CONFIRM_MS;
    }
    if (c->takeover_rt_priority == UNSET) {
        c->takeover_rt_priority = DISP_DEFAULT_TAKEOVER_RT_PRIORITY;
    }
    if (c->takeover_loop_stall_ms == UNSET) {
        c->takeover_loop_stall_ms = DISP_DEFAULT_TAKEOVER_LOOP_STALL_MS;
    }
    if (c->successors_cmd == NULL) {
        c->successors_cmd = g_strdup(DISP_DEFAULT_SUCCESSORS_CMD);
    }
}

void
disp_config_clear(struct disp_config *c)
{
    g_free(c->config_file);
    g_strfreev(c->listen);
    g_strfreev(c->proxies);
    g_free(c->secret_file);
    g_free(c->accept_secret_file);
    g_free(c->control_socket);
    g_free(c->pid_file);
    g_free(c->log_level);
    g_free(c->log_facility);
    g_free(c->syslog_socket);
    g_free(c->cib_resource);
    g_free(c->cib_address_param);
    g_free(c->successors_cmd);
    g_free(c->sap_resource);
    g_free(c->user);
    g_free(c->metrics_listen);
    set_defaults(c);
}

#define FILE_STR(key, field) do { \
        gchar *v_ = g_key_file_get_string(kf, "dispatcher", key, NULL); \
        if (v_ != NULL) { g_free(c->field); c->field = g_strstrip(v_); } \
    } while (0)
#define FILE_STRV(key, field) do { \
        gchar **v_ = g_key_file_get_string_list(kf, "dispatcher", key, NULL, NULL); \
        if (v_ != NULL) { \
            g_strfreev(c->field); c->field = v_; \
            for (gchar **p_ = v_; *p_ != NULL; p_++) { g_strstrip(*p_); } \
        } \
    } while (0)
#define FILE_INT(key, field) do { \
        GError *e_ = NULL; \
        gint v_ = g_key_file_get_integer(kf, "dispatcher", key, &e_); \
        if (e_ == NULL) { c->field = v_; } \
        else if (e_->code != G_KEY_FILE_ERROR_KEY_NOT_FOUND) { bad = key; } \
        g_clear_error(&e_); \
    } while (0)
#define FILE_BOOL(key, field) do { \
        GError *e_ = NULL; \
        gboolean v_ = g_key_file_get_boolean(kf, "dispatcher", key, &e_); \
        if (e_ == NULL) { c->field = v_; } \
        else if (e_->code != G_KEY_FILE_ERROR_KEY_NOT_FOUND) { bad = key; } \
        g_clear_error(&e_); \
    } while (0)

static int
load_file(const char *path, struct disp_config *c, GString *why)
{
    GKeyFile *kf = g_key_file_new();
    GError *error = NULL;
    const char *bad = NULL;

    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &error)) {
        g_string_printf(why, "%s: %s", path, error->message);
        g_error_free(error);
        g_key_file_free(kf);
        return -EINVAL;
    }
    FILE_STRV("listen", listen);
    FILE_INT("port", port);
    FILE_STRV("proxy", proxies);
    FILE_STR("secret-file", secret_file);
    FILE_STR("accept-secret-file", accept_secret_file);
    FILE_STR("control-socket", control_socket);
    FILE_STR("pid-file", pid_file);
    FILE_INT("retry-after", retry_after_s);
    FILE_INT("rcvbuf", rcvbuf_bytes);
    FILE_STR("log-level", log_level);
    FILE_STR("log-facility", log_facility);
    FILE_STR("syslog-socket", syslog_socket);
    FILE_INT("probe-interval-ms", probe_interval_ms);
    FILE_INT("probe-timeout-ms", probe_timeout_ms);
    FILE_STR("cib-resource", cib_resource);
    FILE_STR("cib-address-param", cib_address_param);
    FILE_BOOL("watch", watch);
    FILE_INT("watch-timeout-ms", watch_timeout_ms);
    FILE_BOOL("watch-no-auth", watch_no_auth);
    FILE_BOOL("takeover", takeover);
    FILE_INT("takeover-port", takeover_port);
    FILE_INT("takeover-interval-ms", takeover_interval_ms);
    FILE_INT("takeover-timeout-ms", takeover_timeout_ms);
    FILE_INT("takeover-refresh-ms", takeover_refresh_ms);
    FILE_INT("takeover-confirm-ms", takeover_confirm_ms);
    FILE_BOOL("takeover-no-witness", takeover_no_witness);
    FILE_INT("takeover-rt-priority", takeover_rt_priority);
    FILE_INT("takeover-loop-stall-ms", takeover_loop_stall_ms);
    FILE_STR("successors-cmd", successors_cmd);
    FILE_STR("sap-resource", sap_resource);
    FILE_STR("user", user);
    FILE_STR("metrics-listen", metrics_listen);
    g_key_file_free(kf);
    if (bad != NULL) {
        g_string_printf(why, "%s: bad value for %s", path, bad);
        return -EINVAL;
    }
    return 0;
}

/* Copy what the command line set over C. */
static void
overlay(struct disp_config *c, const struct disp_config *o)
{
#define OV_STR(f) if (o->f != NULL) { g_free(c->f); c->f = g_strdup(o->f); }
#define OV_STRV(f) if (o->f != NULL) { g_strfreev(c->f); c->f = g_strdupv(o->f); }
#define OV_INT(f) if (o->f != UNSET) { c->f = o->f; }
    OV_STR(config_file);
    OV_STRV(listen);
    OV_INT(port);
    OV_STRV(proxies);
    OV_STR(secret_file);
    OV_STR(accept_secret_file);
    OV_STR(control_socket);
    OV_STR(pid_file);
    OV_INT(retry_after_s);
    OV_INT(rcvbuf_bytes);
    OV_STR(log_level);
    OV_STR(log_facility);
    OV_STR(syslog_socket);
    OV_INT(probe_interval_ms);
    OV_INT(probe_timeout_ms);
    OV_STR(cib_resource);
    OV_STR(cib_address_param);
    OV_INT(watch_timeout_ms);
    c->watch = c->watch || o->watch;
    c->watch_no_auth = c->watch_no_auth || o->watch_no_auth;
    OV_INT(takeover_port);
    OV_INT(takeover_interval_ms);
    OV_INT(takeover_timeout_ms);
    OV_INT(takeover_refresh_ms);
    OV_INT(takeover_confirm_ms);
    OV_INT(takeover_rt_priority);
    OV_INT(takeover_loop_stall_ms);
    OV_STR(successors_cmd);
    OV_STR(sap_resource);
    OV_STR(user);
    OV_STR(metrics_listen);
    c->takeover = c->takeover || o->takeover;
    c->takeover_no_witness = c->takeover_no_witness || o->takeover_no_witness;
    c->daemonize = o->daemonize;
    c->verbose = o->verbose;
    c->check_config = o->check_config;
}

/* "ADDR:PORT" with a numeric address and a port. */
static bool
valid_listen(const char *text)
{
    struct sockaddr_storage addr;

    return sipha_sockaddr_parse(text, 0, &addr) == 0 && addr_port(&addr) != 0;
}

static int
validate(const struct disp_config *c, GString *why)
{
    for (gchar **p = c->proxies; p != NULL && *p != NULL; p++) {
        char name[64], addr[128];
        double w;

        if (disp_config_proxy_spec(*p, name, sizeof(name), addr, sizeof(addr), &w) != 0) {
            g_string_printf(why, "bad --proxy '%s' (want [NAME=]ADDR[/WEIGHT])", *p);
            return -EINVAL;
        }
    }
    if (c->port <= 0 || c->port > 65535) {
        g_string_printf(why, "bad port %d", c->port);
        return -EINVAL;
    }
    if (c->probe_interval_ms < 0) {
        g_string_printf(why, "bad probe-interval-ms %d (0 = off)", c->probe_interval_ms);
        return -EINVAL;
    }
    if (c->probe_timeout_ms <= 0) {
        g_string_printf(why, "bad probe-timeout-ms %d (want > 0)", c->probe_timeout_ms);
        return -EINVAL;
    }
    if (c->watch_timeout_ms <= 0) {
        g_string_printf(why, "bad watch-timeout-ms %d (want > 0)", c->watch_timeout_ms);
        return -EINVAL;
    }
    if (c->takeover_port <= 0 || c->takeover_port > 65535) {
        g_string_printf(why, "bad takeover-port %d", c->takeover_port);
        return -EINVAL;
    }
    if (c->takeover_interval_ms <= 0 || c->takeover_timeout_ms <= 2 * c->takeover_interval_ms) {
        g_string_printf(why, "bad takeover-interval-ms %d / takeover-timeout-ms %d (want an "
                        "interval > 0 and a timeout of more than two intervals)",
                        c->takeover_interval_ms, c->takeover_timeout_ms);
        return -EINVAL;
    }
    if (c->takeover_refresh_ms < 100 || c->takeover_confirm_ms < c->takeover_refresh_ms) {
        g_string_printf(why, "bad takeover-refresh-ms %d / takeover-confirm-ms %d (want a "
                        "refresh >= 100 and a confirmation time of at least one refresh)",
                        c->takeover_refresh_ms, c->takeover_confirm_ms);
        return -EINVAL;
    }
    if (c->takeover_rt_priority < 0 || c->takeover_rt_priority > 99
        || c->takeover_loop_stall_ms < c->takeover_interval_ms) {
        g_string_printf(why, "bad takeover-rt-priority %d (0-99) or takeover-loop-stall-ms %d "
                        "(at least one interval)", c->takeover_rt_priority,
                        c->takeover_loop_stall_ms);
        return -EINVAL;
    }
    if (c->user != NULL && getpwnam(c->user) == NULL) {
        g_string_printf(why, "bad user '%s': no such user", c->user);
        return -EINVAL;
    }
    if (c->metrics_listen != NULL && c->metrics_listen[0] != '\0'
        && !valid_listen(c->metrics_listen)) {
        g_string_printf(why, "bad metrics-listen '%s' (want ADDR:PORT, e.g. 127.0.0.1:9097)",
                        c->metrics_listen);
        return -EINVAL;
    }
    if (c->retry_after_s < 0) {
        g_string_printf(why, "bad retry-after %d", c->retry_after_s);
        return -EINVAL;
    }
    if (c->log_level != NULL && disp_config_log_priority(c) < 0) {
        g_string_printf(why, "bad log-level '%s'", c->log_level);
        return -EINVAL;
    }
    if (c->log_facility != NULL && g_ascii_strcasecmp(c->log_facility, "none") != 0
        && sipha_log_facility_parse(c->log_facility) < 0) {
        g_string_printf(why, "bad log-facility '%s' (daemon, local0-local7, user..., none)",
                        c->log_facility);
        return -EINVAL;
    }
    if (c->syslog_socket != NULL
        && (c->syslog_socket[0] != '/' || strlen(c->syslog_socket) >= 108)) {
        g_string_printf(why, "bad syslog-socket '%s' (an absolute path under 108 bytes)",
                        c->syslog_socket);
        return -EINVAL;
    }
    return 0;
}

static gboolean
count_verbose(const gchar *name, const gchar *value, gpointer data, GError **error)
{
    cli.verbose++;
    return TRUE;
}

int
disp_config_parse(int argc, char **argv, struct disp_config *cfg)
{
    GOptionEntry entries[] = {
        { "config", 'c', 0, G_OPTION_ARG_FILENAME, &cli.config_file,
          "Key file with a [dispatcher] group (keys as the long options)", "FILE" },
        { "listen", 'l', 0, G_OPTION_ARG_STRING_ARRAY, &cli.listen,
          "Address to listen on, repeatable (default: 0.0.0.0 and ::)", "ADDR[:PORT]" },
        { "port", 'p', 0, G_OPTION_ARG_INT, &cli.port, "Port for --listen without one (5060)",
          "PORT" },
        { "proxy", 'P', 0, G_OPTION_ARG_STRING_ARRAY, &cli.proxies,
          "Static proxy, repeatable", "[NAME=]ADDR[:PORT][/WEIGHT]" },
        { "secret-file", 's', 0, G_OPTION_ARG_FILENAME, &cli.secret_file,
          "Secret shared by the dispatchers (>= 16 bytes) for the Via MAC", "FILE" },
        { "accept-secret-file", 0, 0, G_OPTION_ARG_FILENAME, &cli.accept_secret_file,
          "Also relay responses whose Via MAC was made with this secret (a key "
          "rotation's grace period; never used to make one)", "FILE" },
        { "control-socket", 'S', 0, G_OPTION_ARG_FILENAME, &cli.control_socket,
          "Unix socket for sipha-dispatcherctl (" DISP_DEFAULT_CONTROL ")", "PATH" },
        { "pid-file", 0, 0, G_OPTION_ARG_FILENAME, &cli.pid_file, "Write the pid here", "FILE" },
        { "retry-after", 0, 0, G_OPTION_ARG_INT, &cli.retry_after_s,
          "Retry-After of the 503 sent when no proxy is usable (5)", "S" },
        { "rcvbuf", 0, 0, G_OPTION_ARG_INT, &cli.rcvbuf_bytes,
          "SO_RCVBUF of the listening sockets (4194304)", "BYTES" },
        { "probe-interval-ms", 0, 0, G_OPTION_ARG_INT, &cli.probe_interval_ms,
          "Probe every proxy (static and CIB) with OPTIONS every MS (0 = off)", "MS" },
        { "probe-timeout-ms", 0, 0, G_OPTION_ARG_INT, &cli.probe_timeout_ms,
          "Probe silence that declares a proxy down (200)", "MS" },
        { "cib-resource", 0, 0, G_OPTION_ARG_STRING, &cli.cib_resource,
          "Follow the CIB: resource (primitive, clone or tag) holding the proxies", "ID" },
        { "cib-address-param", 0, 0, G_OPTION_ARG_STRING, &cli.cib_address_param,
          "Resource parameter with the proxy's SIP address (sip_address)", "NAME" },
        { "watch", 0, 0, G_OPTION_ARG_NONE, &cli.watch,
          "Use the heartbeat watcher (CPG) as a health source", NULL },
        { "watch-timeout-ms", 0, 0, G_OPTION_ARG_INT, &cli.watch_timeout_ms,
          "Heartbeat silence that declares a proxy down (300)", "MS" },
        { "watch-no-auth", 0, 0, G_OPTION_ARG_NONE, &cli.watch_no_auth,
          "Take unsigned heartbeats too (default: only beats signed with the key of the "
          "secret file count; for a rolling upgrade from unsigned beats)", NULL },
        { "takeover", 0, 0, G_OPTION_ARG_NONE, &cli.takeover,
          "Fast SAP takeover: heartbeat the peer dispatchers, claim a silent holder's SAPs "
          "when this node is their successor (needs --secret-file)", NULL },
        { "takeover-port", 0, 0, G_OPTION_ARG_INT, &cli.takeover_port,
          "UDP port of the peer heartbeats (5097)", "PORT" },
        { "takeover-interval-ms", 0, 0, G_OPTION_ARG_INT, &cli.takeover_interval_ms,
          "Send a heartbeat to every peer every MS (10)", "MS" },
        { "takeover-timeout-ms", 0, 0, G_OPTION_ARG_INT, &cli.takeover_timeout_ms,
          "Heartbeat silence that makes a holder dead (140)", "MS" },
        { "takeover-refresh-ms", 0, 0, G_OPTION_ARG_INT, &cli.takeover_refresh_ms,
          "Re-read the successor table every MS (10000), and after every CIB change", "MS" },
        { "takeover-confirm-ms", 0, 0, G_OPTION_ARG_INT, &cli.takeover_confirm_ms,
          "Let a claim go that Pacemaker has not confirmed within MS (30000)", "MS" },
        { "takeover-no-witness", 0, 0, G_OPTION_ARG_NONE, &cli.takeover_no_witness,
          "Claim even when no other peer is heard (two dispatcher nodes)", NULL },
        { "takeover-rt-priority", 0, 0, G_OPTION_ARG_INT, &cli.takeover_rt_priority,
          "SCHED_FIFO priority of the heartbeat sender thread (10; 0 = none)", "N" },
        { "takeover-loop-stall-ms", 0, 0, G_OPTION_ARG_INT, &cli.takeover_loop_stall_ms,
          "Stop the heartbeats when the forwarding loop is stuck this long (1000)", "MS" },
        { "successors-cmd", 0, 0, G_OPTION_ARG_FILENAME, &cli.successors_cmd,
          "Program printing the successor table (sipha-successors)", "PATH" },
        { "sap-resource", 0, 0, G_OPTION_ARG_STRING, &cli.sap_resource,
          "The SAP clone, passed to sipha-successors (default: found by its agent)", "ID" },
        { "user", 'u', 0, G_OPTION_ARG_STRING, &cli.user,
          "Once the sockets are bound, run as USER (its groups, e.g. haclient), keeping "
          "only the capabilities the fast takeover needs", "USER" },
        { "metrics-listen", 0, 0, G_OPTION_ARG_STRING, &cli.metrics_listen,
          "Serve Prometheus metrics at http://ADDR:PORT/metrics (default: off)", "ADDR:PORT" },
        { "daemonize", 'd', 0, G_OPTION_ARG_NONE, &cli.daemonize,
          "Run in the background and log to syslog", NULL },
        { "log-level", 0, 0, G_OPTION_ARG_STRING, &cli.log_level,
          "err, warning, notice (default), info or debug", "LEVEL" },
        { "log-facility", 0, 0, G_OPTION_ARG_STRING, &cli.log_facility,
          "Log to syslog with this facility (daemon, local0-local7...; none = stderr); "
          "errors go to stderr too", "FACILITY" },
        { "syslog-socket", 0, 0, G_OPTION_ARG_FILENAME, &cli.syslog_socket,
          "The syslog socket (" SIPHA_LOG_DEFAULT_SOCKET ")", "PATH" },
        { "verbose", 'v', G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, count_verbose,
          "More logging (repeatable)", NULL },
        { "check-config", 0, 0, G_OPTION_ARG_NONE, &cli.check_config,
          "Parse the options and the config file, then exit", NULL },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    GOptionContext *ctx = g_option_context_new("- stateless SIP dispatcher over a proxy set");
    GError *error = NULL;
    GString *why = g_string_new(NULL);
    int rc = 0;

    set_defaults(&cli);
    set_defaults(cfg);
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        fprintf(stderr, "sipha-dispatcher: %s\n", error->message);
        g_error_free(error);
        rc = 2;
    } else if (argc > 1) {
        fprintf(stderr, "sipha-dispatcher: unexpected argument '%s'\n", argv[1]);
        rc = 2;
    }
    if (rc == 0 && cli.config_file != NULL && load_file(cli.config_file, cfg, why) != 0) {
        rc = 2;
    }
    if (rc == 0) {
        overlay(cfg, &cli);
        final_defaults(cfg);
        if (validate(cfg, why) != 0) {
            rc = 2;
        }
    }
    if (rc != 0 && why->len > 0) {
        fprintf(stderr, "sipha-dispatcher: %s\n", why->str);
    }
    g_string_free(why, TRUE);
    g_option_context_free(ctx);
    return rc;
}

int
disp_config_reload(const struct disp_config *cfg, struct disp_config *next, GString *why)
{
    int rc = 0;

    set_defaults(next);
    if (cfg->config_file != NULL) {
        rc = load_file(cfg->config_file, next, why);
    }
    if (rc == 0) {
        overlay(next, &cli);
        final_defaults(next);
        rc = validate(next, why);
    }
    if (rc == 0) {
        rc = disp_config_reloadable(cfg, next, why);
    }
    if (rc != 0) {
        disp_config_clear(next);
    }
    return rc;
}

static bool
str_differs(const char *a, const char *b)
{
    return g_strcmp0(a, b) != 0;
}

static bool
strv_differs(gchar **a, gchar **b)
{
    if (a == NULL || b == NULL) {
        return a != b;
    }
    return !g_strv_equal((const gchar *const *) a, (const gchar *const *) b);
}

int
disp_config_reloadable(const struct disp_config *old, const struct disp_config *next,
                       GString *why)
{
    /* what was bound, created or started once, as root, before the
     * privileges were dropped */
    const struct {
        const char *name;
        bool differs;
    } fixed[] = {
        { "listen", strv_differs(old->listen, next->listen) },
        { "port", old->port != next->port },
        { "control-socket", str_differs(old->control_socket, next->control_socket) },
        { "pid-file", str_differs(old->pid_file, next->pid_file) },
        { "rcvbuf", old->rcvbuf_bytes != next->rcvbuf_bytes },
        { "user", str_differs(old->user, next->user) },
        { "takeover", old->takeover != next->takeover },
        { "takeover-port", old->takeover_port != next->takeover_port },
        { "takeover-interval-ms", old->takeover_interval_ms != next->takeover_interval_ms },
        { "takeover-timeout-ms", old->takeover_timeout_ms != next->takeover_timeout_ms },
        { "takeover-refresh-ms", old->takeover_refresh_ms != next->takeover_refresh_ms },
        { "takeover-confirm-ms", old->takeover_confirm_ms != next->takeover_confirm_ms },
        { "takeover-no-witness", old->takeover_no_witness != next->takeover_no_witness },
        { "takeover-rt-priority", old->takeover_rt_priority != next->takeover_rt_priority },
        { "takeover-loop-stall-ms",
          old->takeover_loop_stall_ms != next->takeover_loop_stall_ms },
        { "successors-cmd", str_differs(old->successors_cmd, next->successors_cmd) },
        { "sap-resource", str_differs(old->sap_resource, next->sap_resource) },
        { "metrics-listen", str_differs(old->metrics_listen, next->metrics_listen) },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(fixed); i++) {
        if (fixed[i].differs) {
            g_string_printf(why, "%s changed: only a restart applies it (nothing reloaded)",
                            fixed[i].name);
            return -EINVAL;
        }
    }
    return 0;
}

int
disp_config_proxy_spec(const char *spec, char *name, size_t name_size, char *addr,
                       size_t addr_size, double *weight)
{
    const char *eq = strchr(spec, '=');
    const char *colon = strchr(spec, ':');
    const char *slash;
    const char *a = spec;
    size_t n;

    name[0] = '\0';
    *weight = 1.0;
    if (eq != NULL && (colon == NULL || eq < colon)) {
        n = (size_t) (eq - spec);
        if (n == 0 || n >= name_size) {
            return -EINVAL;
        }
        memcpy(name, spec, n);
        name[n] = '\0';
        a = eq + 1;
    }
    slash = strrchr(a, '/');
    n = slash != NULL ? (size_t) (slash - a) : strlen(a);
    if (slash != NULL) {
        char *end = NULL;

        *weight = strtod(slash + 1, &end);
        if (end == slash + 1 || *end != '\0' || !(*weight > 0) || *weight > 1e6) {
            return -EINVAL;
        }
    }
    if (n == 0 || n >= addr_size) {
        return -EINVAL;
    }
    memcpy(addr, a, n);
    addr[n] = '\0';
    return 0;
}

int
disp_config_log_priority(const struct disp_config *c)
{
    int prio = LOG_NOTICE;

    if (c->log_level != NULL) {
        prio = sipha_log_level_parse(c->log_level);
        if (prio < LOG_ERR) {
            return -1;
        }
    }
    prio += c->verbose;
    return prio > LOG_DEBUG ? LOG_DEBUG : prio;
}

