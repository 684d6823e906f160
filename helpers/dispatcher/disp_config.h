/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * disp_config.h: the dispatcher's options, from the command line and an
 * optional key file ([dispatcher] group, keys named like the long options).
 * The command line wins; SIGHUP re-reads the file.
 */
#ifndef SIPHA_DISPATCHER_CONFIG_H
#define SIPHA_DISPATCHER_CONFIG_H

#include <glib.h>

#define DISP_DEFAULT_PORT 5060
#define DISP_DEFAULT_CONTROL "/run/sipha/dispatcher.sock"
#define DISP_DEFAULT_SECRET "/etc/sipha/dispatcher.key"
#define DISP_DEFAULT_PROBE_TIMEOUT_MS 200
#define DISP_DEFAULT_TAKEOVER_PORT 5097
#define DISP_DEFAULT_TAKEOVER_INTERVAL_MS 10
#define DISP_DEFAULT_TAKEOVER_TIMEOUT_MS 140
#define DISP_DEFAULT_TAKEOVER_REFRESH_MS 10000
#define DISP_DEFAULT_TAKEOVER_CONFIRM_MS 30000
#define DISP_DEFAULT_TAKEOVER_RT_PRIORITY 10
#define DISP_DEFAULT_TAKEOVER_LOOP_STALL_MS 1000
#define DISP_DEFAULT_SUCCESSORS_CMD "sipha-successors"

struct disp_config {
    gchar *config_file;
    gchar **listen;             /* "addr[:port]"; NULL = 0.0.0.0 and :: */
    gint port;                  /* for listen entries without a port */
    gchar **proxies;            /* static list "[NAME=]ADDR[/WEIGHT]" */
    gchar *secret_file;
    gchar *accept_secret_file;  /* its branches verify too (key rotation) */
    gchar *control_socket;
    gchar *pid_file;
    gint retry_after_s;
    gint rcvbuf_bytes;
    gboolean daemonize;
    gint verbose;
    gchar *log_level;           /* err, warning, notice, info, debug */
    gchar *log_facility;        /* syslog facility: log there (daemon, local0...) */
    gchar *syslog_socket;       /* the syslog socket (/dev/log) */
    /* health of every proxy by OPTIONS (static and CIB), 0 = off */
    gint probe_interval_ms;
    gint probe_timeout_ms;      /* silence that declares a proxy down */
    /* CIB source */
    gchar *cib_resource;
    gchar *cib_address_param;
    /* heartbeat source */
    gboolean watch;
    gint watch_timeout_ms;
    gboolean watch_no_auth;     /* take unsigned beats (a rolling upgrade) */
    gboolean check_config;
    /* fast SAP takeover (takeover.h); not reloadable: a restart applies it */
    gboolean takeover;
    gint takeover_port;
    gint takeover_interval_ms;
    gint takeover_timeout_ms;
    gint takeover_refresh_ms;
    gint takeover_confirm_ms;
    gboolean takeover_no_witness;
    gint takeover_rt_priority;  /* SCHED_FIFO of the heartbeat sender, 0 = none */
    gint takeover_loop_stall_ms;
    gchar *successors_cmd;      /* the program printing the successor table */
    gchar *sap_resource;        /* passed to it as --sap-resource */
    gchar *user;                /* run as this user once the sockets are bound */
    gchar *metrics_listen;      /* "ADDR:PORT" of the Prometheus listener; NULL = off */
};

/* Parse ARGV (and the file it names) into CFG.  Returns 0, or 2 (usage)
 * after printing the reason to stderr. */
int disp_config_parse(int argc, char **argv, struct disp_config *cfg);

/* SIGHUP: re-read CFG->config_file into NEXT, keeping what the command
 * line set.  Returns 0, or -EINVAL with the reason in WHY (NEXT then
 * empty) when the file or a value is bad, or when a setting changed that
 * only a restart applies (disp_config_reloadable).  CFG is not changed. */
int disp_config_reload(const struct disp_config *cfg, struct disp_config *next, GString *why);

/* 0, or -EINVAL naming in WHY the first setting that differs between OLD
 * and NEXT and cannot change while running (listen sockets, control
 * socket, pid file, user, the fast takeover's). */
int disp_config_reloadable(const struct disp_config *old, const struct disp_config *next,
                           GString *why);

void disp_config_clear(struct disp_config *cfg);

/* "[NAME=]ADDR[/WEIGHT]" -> parts (NAME may be empty). Returns 0 or -EINVAL. */
int disp_config_proxy_spec(const char *spec, char *name, size_t name_size, char *addr,
                           size_t addr_size, double *weight);

int disp_config_log_priority(const struct disp_config *cfg);

#endif
