/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha-beat: multicast a proxy's heartbeat counter over Corosync CPG.
 * See docs/heartbeat.md.  Exit codes: 0 clean stop (SIGTERM/SIGINT),
 * 2 usage or configuration error, 3 internal error (daemon, pid file).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <glib-unix.h>

#include "beat.h"
#include "beat_probe.h"
#include "beat/sipha_beat_auth.h"
#include "util/sipha_daemon.h"
#include "beat/sipha_beat_msg.h"
#include "util/sipha_log.h"

#define EXIT_USAGE 2
#define EXIT_INTERNAL 3

static gboolean on_signal(gpointer data)
{
    g_main_loop_quit(data);
    return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv)
{
    g_autofree char *name = NULL;
    g_autofree char *address = NULL;
    g_autofree char *target = NULL;
    g_autofree char *group = NULL;
    g_autofree char *alive_codes = NULL;
    g_autofree char *pid_file = NULL;
    g_autofree char *load_file = NULL;
    g_autofree char *load_pidfile = NULL;
    g_autofree char *key_file = NULL;
    g_autofree char *log_facility = NULL;
    g_autofree char *syslog_socket = NULL;
    gboolean no_auth = FALSE;
    sipha_beat_key_t beat_key;
    gint interval_ms = 100, probe_timeout_ms = -1, probe_misses = 2;
    gboolean daemon_mode = FALSE, verbose = FALSE, no_align = FALSE;
    GOptionEntry entries[] = {
        { "name", 'n', 0, G_OPTION_ARG_STRING, &name, "Proxy name (required; [A-Za-z0-9._-], max 63)", "NAME" },
        { "sip-address", 'a', 0, G_OPTION_ARG_STRING, &address, "The proxy's SIP address: URI, host:port or udp:host:port (required)", "ADDR" },
        { "probe-target", 0, 0, G_OPTION_ARG_STRING, &target, "Probe this address instead of --sip-address", "ADDR" },
        { "group", 'g', 0, G_OPTION_ARG_STRING, &group, "CPG group (default sipha)", "NAME" },
        { "interval-ms", 'i', 0, G_OPTION_ARG_INT, &interval_ms, "Beat and probe interval (default 100)", "MS" },
        { "probe-timeout-ms", 't', 0, G_OPTION_ARG_INT, &probe_timeout_ms, "OPTIONS answer deadline (default 80% of the interval)", "MS" },
        { "probe-misses", 0, 0, G_OPTION_ARG_INT, &probe_misses, "Deadlines missed in a row before the beat reports probe-timeout (default 2)", "N" },
        { "alive-codes", 0, 0, G_OPTION_ARG_STRING, &alive_codes, "Final response codes that count as alive (default any)", "LIST" },
        { "load-file", 0, 0, G_OPTION_ARG_FILENAME, &load_file, "Send the integer in this file as the load figure", "FILE" },
        { "load-pidfile", 0, 0, G_OPTION_ARG_FILENAME, &load_pidfile, "Send the CPU use of the process in this pid file", "FILE" },
        { "log-facility", 0, 0, G_OPTION_ARG_STRING, &log_facility, "Log to syslog with this facility (daemon, local0-local7...; none = stderr); errors go to stderr too", "FACILITY" },
        { "syslog-socket", 0, 0, G_OPTION_ARG_FILENAME, &syslog_socket, "The syslog socket (" SIPHA_LOG_DEFAULT_SOCKET ")", "PATH" },
        { "key-file", 'k', 0, G_OPTION_ARG_FILENAME, &key_file, "Sign the beats with a key derived from this secret (default " SIPHA_BEAT_DEFAULT_KEY_FILE " when it exists)", "FILE" },
        { "no-auth", 0, 0, G_OPTION_ARG_NONE, &no_auth, "Send unauthenticated beats (watchers with a key ignore them)", NULL },
        { "no-align", 0, 0, G_OPTION_ARG_NONE, &no_align, "Do not align beats to the wall clock's interval grid", NULL },
        { "daemon", 'd', 0, G_OPTION_ARG_NONE, &daemon_mode, "Run in the background and log to syslog", NULL },
        { "pid-file", 'p', 0, G_OPTION_ARG_FILENAME, &pid_file, "Write the pid here", "FILE" },
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log debug messages", NULL },
        { NULL }
    };
    g_autoptr(GOptionContext) octx = g_option_context_new("- heartbeat counter of a SIP proxy over Corosync CPG");
    g_autoptr(GError) error = NULL;
    GMainLoop *loop;
    beat_opts_t opts;
    beat_t *beat;
    const char *error_text = NULL;
    char key[SIPHA_BEAT_ADDR_MAX + 1];
    int rc;

    g_option_context_add_main_entries(octx, entries, NULL);
    if (!g_option_context_parse(octx, &argc, &argv, &error)) {
        fprintf(stderr, "sipha-beat: %s\n", error->message);
        return EXIT_USAGE;
    }
    if (sipha_log_configure("sipha-beat", log_facility, syslog_socket, false,
                            verbose ? LOG_DEBUG : LOG_INFO) != 0) {
        fprintf(stderr, "sipha-beat: bad --log-facility '%s'\n", log_facility);
        return EXIT_USAGE;
    }
    if (name == NULL || address == NULL || argc > 1) {
        fprintf(stderr, "sipha-beat: --name and --sip-address are required (see --help)\n");
        return EXIT_USAGE;
    }
    if (beat_normalize_address(address, key, sizeof(key)) != 0) {
        fprintf(stderr, "sipha-beat: cannot use SIP address '%s'\n", address);
        return EXIT_USAGE;
    }
    if (interval_ms <= 0 || probe_timeout_ms == 0 || probe_timeout_ms > interval_ms) {
        fprintf(stderr, "sipha-beat: need interval > 0 and 0 < probe timeout <= interval\n");
        return EXIT_USAGE;
    }
    if (probe_misses < 1) {
        fprintf(stderr, "sipha-beat: --probe-misses must be 1 or more\n");
        return EXIT_USAGE;
    }
    memset(&opts, 0, sizeof(opts));
    if (sipha_beat_key_choose(key_file, no_auth, &beat_key, &opts.key, &error_text) != 0) {
        fprintf(stderr, "sipha-beat: %s\n", error_text);
        return EXIT_USAGE;
    }
    opts.name = name;
    opts.sip_address = key;
    opts.probe_target = target != NULL ? target : address;
    opts.alive_codes = alive_codes;
    opts.group = group != NULL ? group : "sipha";
    opts.interval_ms = (uint32_t) interval_ms;
    opts.probe_timeout_ms = probe_timeout_ms > 0 ? (uint32_t) probe_timeout_ms
                                                 : MAX(1u, (uint32_t) interval_ms * 4 / 5);
    opts.probe_misses = (uint32_t) probe_misses;
    opts.align = !no_align;
    opts.load_file = load_file;
    opts.load_pidfile = load_pidfile;

    beat = beat_new(&opts, NULL, &error_text);
    if (beat == NULL) {
        fprintf(stderr, "sipha-beat: %s\n", error_text);
        return EXIT_USAGE;
    }
    if (daemon_mode) {
        rc = sipha_daemonize();
        if (rc != 0) {
            fprintf(stderr, "sipha-beat: cannot daemonize: %s\n", strerror(-rc));
            return EXIT_INTERNAL;
        }
        /* in the background: syslog, the daemon facility unless told */
        sipha_log_configure("sipha-beat", log_facility, syslog_socket, true,
                            verbose ? LOG_DEBUG : LOG_INFO);
    }
    if (pid_file != NULL) {
        rc = sipha_pidfile_write(pid_file);
        if (rc != 0) {
            sipha_err("cannot write pid file %s: %s", pid_file,
                      rc == -EEXIST ? "another instance runs" : strerror(-rc));
            beat_free(beat);
            return EXIT_INTERNAL;
        }
    }
    loop = g_main_loop_new(NULL, FALSE);
    g_unix_signal_add(SIGTERM, on_signal, loop);
    g_unix_signal_add(SIGINT, on_signal, loop);
    beat_start(beat);
    g_main_loop_run(loop);

    beat_stop(beat);
    beat_free(beat);
    g_main_loop_unref(loop);
    sipha_pidfile_remove(pid_file);
    return 0;
}
