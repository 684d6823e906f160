/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha-proxyset: print the SIP proxy set the CIB describes, once or as it
 * changes (--follow).  The operator's and the tests' view of what
 * sipha-dispatcher learns from the CIB (same library, same rules).
 *
 * Exit codes: 0 set printed (or --follow ended by a signal), 1 the resource
 * is not in the CIB, 2 usage error, 3 CIB unreachable or internal error.
 */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <glib-unix.h>
#include <crm/crm.h>
#include <crm/common/logging.h>

#include "cib/sipha_cib.h"
#include "cib/sipha_cib_extract.h"
#include "util/sipha_log.h"
#include "output.h"

#define EXIT_NOT_FOUND 1
#define EXIT_USAGE 2
#define EXIT_INTERNAL 3

struct cli {
    struct sipha_cib_options opts;
    const char *xml_file;
    bool follow;
    bool json;
    int verbosity;
    GMainLoop *loop;
};

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: sipha-proxyset [OPTIONS] RESOURCE\n"
            "Print the SIP proxies of RESOURCE (a primitive, clone, group or tag id)\n"
            "as the CIB describes them: one line per running instance,\n"
            "\"ID NODE RESOURCE active|draining\" (ID = transport:host:port).\n"
            "\n"
            "  -f, --follow            keep running; print the set on every change\n"
            "  -j, --json              one JSON object per line\n"
            "  -p, --param NAME        address resource parameter (default sip_address)\n"
            "  -a, --address-attr NAME node attribute fallback (default sipha-sip-address)\n"
            "  -d, --drain-attr NAME   drain node attribute / meta (default sipha-drain)\n"
            "  -t, --transport T       udp|tcp when the address names none (default udp)\n"
            "  -c, --coalesce-ms N     minimum spacing of CIB re-reads (default 20)\n"
            "  -x, --xml FILE          read a CIB XML file instead of the cluster\n"
            "  -v, --verbose           log more to stderr (repeat for debug)\n"
            "  -h, --help\n"
            "The CIB is the local cluster's, or CIB_file=FILE / CIB_shadow=NAME.\n"
            "Exit: 0 printed, 1 resource not in the CIB, 2 usage, 3 CIB unreachable.\n");
}

static bool parse_uint(const char *s, unsigned *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v > 60000 || s[0] == '-') {
        return false;
    }
    *out = (unsigned) v;
    return true;
}

static int parse_args(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        { "follow", no_argument, NULL, 'f' },
        { "json", no_argument, NULL, 'j' },
        { "param", required_argument, NULL, 'p' },
        { "address-attr", required_argument, NULL, 'a' },
        { "drain-attr", required_argument, NULL, 'd' },
        { "transport", required_argument, NULL, 't' },
        { "coalesce-ms", required_argument, NULL, 'c' },
        { "resource", required_argument, NULL, 'r' },
        { "xml", required_argument, NULL, 'x' },
        { "verbose", no_argument, NULL, 'v' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    while ((c = getopt_long(argc, argv, "fjp:a:d:t:c:r:x:vh", longopts, NULL)) != -1) {
        switch (c) {
            case 'f': cli->follow = true; break;
            case 'j': cli->json = true; break;
            case 'p': cli->opts.address_param = optarg; break;
            case 'a': cli->opts.address_attr = optarg; break;
            case 'd': cli->opts.drain_attr = optarg; break;
            case 'r': cli->opts.resource = optarg; break;
            case 'x': cli->xml_file = optarg; break;
            case 'v': cli->verbosity++; break;
            case 't':
                if (strcmp(optarg, "udp") != 0 && strcmp(optarg, "tcp") != 0) {
                    fprintf(stderr, "sipha-proxyset: --transport must be udp or tcp\n");
                    return EXIT_USAGE;
                }
                cli->opts.default_transport = optarg;
                break;
            case 'c':
                if (!parse_uint(optarg, &cli->opts.coalesce_ms)) {
                    fprintf(stderr, "sipha-proxyset: bad --coalesce-ms '%s'\n", optarg);
                    return EXIT_USAGE;
                }
                break;
            case 'h': usage(stdout); exit(EXIT_SUCCESS);
            default: usage(stderr); return EXIT_USAGE;
        }
    }
    if (optind < argc && cli->opts.resource == NULL) {
        cli->opts.resource = argv[optind++];
    }
    if (optind != argc || cli->opts.resource == NULL || cli->opts.resource[0] == '\0') {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (cli->xml_file != NULL && cli->follow) {
        fprintf(stderr, "sipha-proxyset: --xml reads once; use CIB_file=FILE with --follow\n");
        return EXIT_USAGE;
    }
    return 0;
}

static int print_once(struct cli *cli)
{
    struct sipha_proxy_set set = { 0 };
    int rc;

    if (cli->xml_file != NULL) {
        rc = sipha_proxyset_extract_file(cli->xml_file, &cli->opts, &set);
    } else {
        rc = sipha_cib_read_once(&cli->opts, &set);
    }
    if (rc == 0 || rc == -ENOENT) {
        struct sipha_cib_report r = {
            .event = SIPHA_CIB_SET_CHANGED, .set = &set, .resource_found = rc == 0,
            .reported_us = (uint64_t) g_get_real_time(),
        };
        proxyset_print(stdout, &r, cli->json, true);
    }
    sipha_proxy_set_clear(&set);
    switch (rc) {
        case 0: return EXIT_SUCCESS;
        case -ENOENT:
            fprintf(stderr, "sipha-proxyset: resource '%s' is not in the CIB\n", cli->opts.resource);
            return EXIT_NOT_FOUND;
        case -EINVAL:
            fprintf(stderr, "sipha-proxyset: %s is not a CIB XML file\n",
                    cli->xml_file != NULL ? cli->xml_file : "the CIB");
            return EXIT_INTERNAL;
        case -EIO:
            fprintf(stderr, "sipha-proxyset: cannot open %s\n", cli->xml_file);
            return EXIT_INTERNAL;
        case -ENOTCONN:
            fprintf(stderr, "sipha-proxyset: cannot read the CIB (is the cluster running?)\n");
            return EXIT_INTERNAL;
        default:
            fprintf(stderr, "sipha-proxyset: %s\n", strerror(-rc));
            return EXIT_INTERNAL;
    }
}

static void on_report(const struct sipha_cib_report *report, void *user_data)
{
    struct cli *cli = user_data;
    proxyset_print(stdout, report, cli->json, false);
}

static gboolean on_signal(gpointer data)
{
    g_main_loop_quit(((struct cli *) data)->loop);
    return G_SOURCE_CONTINUE;
}

static int follow(struct cli *cli)
{
    struct sipha_cib *cib = sipha_cib_new(&cli->opts, on_report, cli);
    if (cib == NULL) {
        fprintf(stderr, "sipha-proxyset: cannot create the CIB follower\n");
        return EXIT_INTERNAL;
    }
    cli->loop = g_main_loop_new(NULL, FALSE);
    guint s1 = g_unix_signal_add(SIGTERM, on_signal, cli);
    guint s2 = g_unix_signal_add(SIGINT, on_signal, cli);
    sipha_cib_start(cib);   /* not connected yet: it retries, we wait */
    g_main_loop_run(cli->loop);
    g_source_remove(s1);
    g_source_remove(s2);
    sipha_cib_free(cib);
    g_main_loop_unref(cli->loop);
    return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
    struct cli cli;
    memset(&cli, 0, sizeof(cli));
    sipha_cib_options_init(&cli.opts);
    int rc = parse_args(&cli, argc, argv);
    if (rc != 0) {
        return rc;
    }
    sipha_log_init("sipha-proxyset", SIPHA_LOG_STDERR,
                   cli.verbosity >= 2 ? LOG_DEBUG : cli.verbosity == 1 ? LOG_NOTICE : LOG_WARNING);
    crm_log_cli_init("sipha-proxyset");
    signal(SIGPIPE, SIG_IGN);
    return cli.follow ? follow(&cli) : print_once(&cli);
}
