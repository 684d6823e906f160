/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha-probe: is this SIP proxy answering?  Sends SIP OPTIONS to one or more
 * targets at once and reports a verdict per target.  A thin layer over
 * sipha_probe.h; the exit code is what OCF monitors map:
 *   0 every target alive, 1 at least one down, 2 usage error, 3 internal error.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <glib-unix.h>

#include "output.h"
#include "probe/sipha_probe.h"

enum exit_code {
    EXIT_ALIVE = 0,
    EXIT_DOWN = 1,
    EXIT_USAGE = 2,
    EXIT_INTERNAL = 3,
};

#define MAX_MS 3600000u

struct options {
    struct sipha_probe_config cfg;
    struct output_options out;
    enum sipha_sip_transport transport;
    uint32_t interval_ms;       /* 0: one-shot */
    uint64_t count;             /* continuous rounds; 0: until a signal */
};

/* Continuous mode's state. */
struct watch {
    const struct options *opts;
    struct sipha_sip_addr *targets;
    size_t n_targets;
    sipha_prober_t *prober;
    GMainLoop *loop;
    uint64_t rounds;
    bool stopping;
    uint64_t n_alive, n_down, n_error;
};

static void
usage(FILE *out)
{
    fprintf(out,
            "Usage: sipha-probe [OPTION]... TARGET...\n"
            "Send SIP OPTIONS to every TARGET at once; report if each answers.\n"
            "\n"
            "TARGET: sip:host[:port][;transport=tcp], host[:port], [v6addr][:port],\n"
            "        or a key like udp:127.0.0.1:5060 (default port 5060)\n"
            "\n"
            "  -t, --timeout-ms N       verdict deadline per probe (default %u)\n"
            "  -r, --retransmit-ms N    first UDP retransmission, doubling; 0 = none\n"
            "                           (default %u)\n"
            "  -a, --alive-codes LIST   final codes meaning alive, e.g. 200 or 2xx,404\n"
            "                           (default: any final response)\n"
            "  -T, --transport udp|tcp  for targets that name none (default udp)\n"
            "  -i, --interval MS        continuous: probe every MS until a signal\n"
            "  -c, --count N            with --interval: stop after N rounds\n"
            "  -j, --json               one JSON object per line\n"
            "  -v, --verbose            show transmissions and ignored responses\n"
            "  -q, --quiet              print nothing; the exit code tells\n"
            "  -h, --help               this help\n"
            "  -V, --version            version\n"
            "\n"
            "Exit: 0 all alive, 1 at least one down (timeout, refused, unreachable,\n"
            "code not accepted), 2 usage error, 3 internal error.\n",
            SIPHA_PROBE_DEFAULT_TIMEOUT_MS, SIPHA_PROBE_DEFAULT_RETRANSMIT_MS);
}

/* Whole decimal number in [min, max]. */
static int
parse_number(const char *text, uint64_t min, uint64_t max, uint64_t *value)
{
    char *end = NULL;
    unsigned long long v;

    if ((text[0] < '0') || (text[0] > '9')) {
        return -EINVAL;
    }
    errno = 0;
    v = strtoull(text, &end, 10);
    if ((errno != 0) || (*end != '\0') || (v < min) || (v > max)) {
        return -EINVAL;
    }
    *value = v;
    return 0;
}

static int
usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "sipha-probe: invalid %s: '%s' (see --help)\n", what, arg);
    return EXIT_USAGE;
}

/* Fills opts; returns -1 to go on, else an exit code. */
static int
parse_options(int argc, char **argv, struct options *opts)
{
    static const struct option long_opts[] = {
        { "timeout-ms", required_argument, NULL, 't' },
        { "retransmit-ms", required_argument, NULL, 'r' },
        { "alive-codes", required_argument, NULL, 'a' },
        { "transport", required_argument, NULL, 'T' },
        { "interval", required_argument, NULL, 'i' },
        { "count", required_argument, NULL, 'c' },
        { "json", no_argument, NULL, 'j' },
        { "verbose", no_argument, NULL, 'v' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    bool count_given = false;
    uint64_t v;
    int c;

    memset(opts, 0, sizeof(*opts));
    sipha_probe_config_init(&opts->cfg);
    opts->transport = SIPHA_SIP_UDP;
    while ((c = getopt_long(argc, argv, "t:r:a:T:i:c:jvqhV", long_opts, NULL)) != -1) {
        switch (c) {
            case 't':
                if (parse_number(optarg, 1, MAX_MS, &v) != 0) {
                    return usage_error("--timeout-ms", optarg);
                }
                opts->cfg.timeout_ms = (uint32_t) v;
                break;
            case 'r':
                if (parse_number(optarg, 0, MAX_MS, &v) != 0) {
                    return usage_error("--retransmit-ms", optarg);
                }
                opts->cfg.retransmit_ms = (uint32_t) v;
                break;
            case 'a':
                if (sipha_probe_config_set_alive_codes(&opts->cfg, optarg) != 0) {
                    return usage_error("--alive-codes", optarg);
                }
                break;
            case 'T':
                if (strcasecmp(optarg, "udp") == 0) {
                    opts->transport = SIPHA_SIP_UDP;
                } else if (strcasecmp(optarg, "tcp") == 0) {
                    opts->transport = SIPHA_SIP_TCP;
                } else {
                    return usage_error("--transport", optarg);
                }
                break;
            case 'i':
                if (parse_number(optarg, 1, MAX_MS, &v) != 0) {
                    return usage_error("--interval", optarg);
                }
                opts->interval_ms = (uint32_t) v;
                break;
            case 'c':
                if (parse_number(optarg, 1, UINT32_MAX, &v) != 0) {
                    return usage_error("--count", optarg);
                }
                opts->count = v;
                count_given = true;
                break;
            case 'j':
                opts->out.json = true;
                break;
            case 'v':
                opts->out.verbose = true;
                break;
            case 'q':
                opts->out.quiet = true;
                break;
            case 'h':
                usage(stdout);
                return EXIT_ALIVE;
            case 'V':
                printf("sipha-probe %s\n", PACKAGE_VERSION);
                return EXIT_ALIVE;
            default:
                usage(stderr);
                return EXIT_USAGE;
        }
    }
    if (count_given && (opts->interval_ms == 0)) {
        fprintf(stderr, "sipha-probe: --count needs --interval\n");
        return EXIT_USAGE;
    }
    if (optind >= argc) {
        fprintf(stderr, "sipha-probe: no target given (see --help)\n");
        return EXIT_USAGE;
    }
    opts->out.with_time = (opts->interval_ms > 0);
    return -1;
}

static int
parse_targets(int argc, char **argv, const struct options *opts,
              struct sipha_sip_addr **targets, size_t *n_targets)
{
    size_t n = (size_t) argc;
    struct sipha_sip_addr *list = g_new0(struct sipha_sip_addr, n);

    for (size_t i = 0; i < n; i++) {
        int rc = sipha_sip_addr_parse(argv[i], opts->transport, &list[i]);

        if (rc != 0) {
            fprintf(stderr, "sipha-probe: invalid target '%s': %s\n", argv[i],
                    (rc == -EPROTONOSUPPORT) ? "transport not supported (udp or tcp)"
                                             : strerror(-rc));
            g_free(list);
            return EXIT_USAGE;
        }
    }
    *targets = list;
    *n_targets = n;
    return -1;
}

static int
exit_code_for(uint64_t n_down, uint64_t n_error)
{
    if (n_error > 0) {
        return EXIT_INTERNAL;
    }
    return (n_down > 0) ? EXIT_DOWN : EXIT_ALIVE;
}

static int
run_once(const struct options *opts, const struct sipha_sip_addr *targets, size_t n_targets)
{
    struct sipha_probe_result *results = g_new0(struct sipha_probe_result, n_targets);
    uint64_t n_down = 0, n_error = 0;

    if (sipha_probe_run(&opts->cfg, targets, n_targets, results) != 0) {
        fprintf(stderr, "sipha-probe: cannot run the probes\n");
        g_free(results);
        return EXIT_INTERNAL;
    }
    for (size_t i = 0; i < n_targets; i++) {
        probe_print_result(stdout, &opts->out, &targets[i], &results[i]);
        if (results[i].verdict == SIPHA_PROBE_ERROR) {
            n_error++;
        } else if (!probe_result_is_alive(&results[i])) {
            n_down++;
        }
    }
    g_free(results);
    return exit_code_for(n_down, n_error);
}

static void
watch_maybe_quit(struct watch *w)
{
    if (w->stopping && (sipha_prober_pending(w->prober) == 0)) {
        g_main_loop_quit(w->loop);
    }
}

static void
on_watch_result(const struct sipha_sip_addr *target, const struct sipha_probe_result *result,
                void *user_data)
{
    struct watch *w = user_data;

    probe_print_result(stdout, &w->opts->out, target, result);
    if (result->verdict == SIPHA_PROBE_ERROR) {
        w->n_error++;
    } else if (probe_result_is_alive(result)) {
        w->n_alive++;
    } else {
        w->n_down++;
    }
    watch_maybe_quit(w);
}

static gboolean
on_round(gpointer user_data)
{
    struct watch *w = user_data;

    for (size_t i = 0; i < w->n_targets; i++) {
        sipha_prober_probe(w->prober, &w->targets[i], on_watch_result, w, NULL);
    }
    w->rounds++;
    if ((w->opts->count > 0) && (w->rounds >= w->opts->count)) {
        w->stopping = true;     /* let the last round's verdicts come in */
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

static gboolean
on_signal(gpointer user_data)
{
    struct watch *w = user_data;

    g_main_loop_quit(w->loop);  /* pending probes are dropped */
    return G_SOURCE_CONTINUE;
}

static int
run_watch(const struct options *opts, struct sipha_sip_addr *targets, size_t n_targets)
{
    struct watch w = { .opts = opts, .targets = targets, .n_targets = n_targets };
    guint round_id;

    w.prober = sipha_prober_new(&opts->cfg, NULL);
    if (w.prober == NULL) {
        fprintf(stderr, "sipha-probe: cannot create the prober: %s\n", strerror(errno));
        return EXIT_INTERNAL;
    }
    w.loop = g_main_loop_new(NULL, FALSE);
    g_unix_signal_add(SIGINT, on_signal, &w);
    g_unix_signal_add(SIGTERM, on_signal, &w);
    if (on_round(&w) == G_SOURCE_CONTINUE) {
        round_id = g_timeout_add(opts->interval_ms, on_round, &w);
        (void) round_id;
    }
    g_main_loop_run(w.loop);
    sipha_prober_free(w.prober);
    g_main_loop_unref(w.loop);
    if (!opts->out.quiet) {
        fprintf(stderr, "sipha-probe: %" PRIu64 " probes: %" PRIu64 " alive, %" PRIu64
                " down, %" PRIu64 " errors\n", w.n_alive + w.n_down + w.n_error,
                w.n_alive, w.n_down, w.n_error);
    }
    return exit_code_for(w.n_down, w.n_error);
}

/* One socket per probe in flight: allow as many as the hard limit does. */
static void
raise_fd_limit(void)
{
    struct rlimit rl;

    if ((getrlimit(RLIMIT_NOFILE, &rl) == 0) && (rl.rlim_cur < rl.rlim_max)) {
        rl.rlim_cur = rl.rlim_max;
        (void) setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int
main(int argc, char **argv)
{
    struct options opts;
    struct sipha_sip_addr *targets = NULL;
    size_t n_targets = 0;
    int rc;

    rc = parse_options(argc, argv, &opts);
    if (rc >= 0) {
        return rc;
    }
    rc = parse_targets(argc - optind, argv + optind, &opts, &targets, &n_targets);
    if (rc >= 0) {
        return rc;
    }
    signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();
    if (opts.interval_ms > 0) {
        rc = run_watch(&opts, targets, n_targets);
    } else {
        rc = run_once(&opts, targets, n_targets);
    }
    g_free(targets);
    return rc;
}
