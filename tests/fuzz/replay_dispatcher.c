/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * replay_dispatcher.c: tests/unit/test-dispatcher-corpus, the fuzz target
 * run over its seed corpus (tests/fuzz/corpus/dispatcher) in the ordinary
 * test run, plus what RFC 4475 expects of each torture message:
 *   rfc4475-valid-*,   requests are forwarded to a proxy with the message
 *   interop-*          otherwise intact (same body, one Via line more, and
 *                      a Max-Forwards line when there was none);
 *                      responses are read (and, not being ours, dropped);
 *   rfc4475-invalid-*  never a crash; those whose start line, Via, CSeq,
 *                      Content-Length or mandatory headers are broken are
 *                      rejected; the rest (broken only in headers a
 *                      forwarder does not read) may pass untouched.
 * Every file also goes through the differential check (abort = failure).
 * Prints TAP.  Files: $SIPHA_SRCDIR/tests/fuzz/corpus/dispatcher or argv[1].
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include "addr.h"
#include "forward.h"
#include "sip_scan.h"
#include "util/sipha_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int test_n;
static int failures;

static void
tap(bool pass, const char *what, const char *file)
{
    printf("%s %d - %s: %s\n", pass ? "ok" : "not ok", ++test_n, file, what);
    failures += pass ? 0 : 1;
}

/* The differential check in a child, so an abort is one failed test. */
static bool
differential_ok(const char *data, size_t len)
{
    pid_t pid = fork();
    int status = 0;

    if (pid == 0) {
        LLVMFuzzerTestOneInput((const uint8_t *) data, len);
        _exit(0);
    }
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static const char *const must_reject[] = {
    "badinv01", "clerr", "ncl", "scalar02", "scalarlg", "ltgtruri", "lwsruri", "lwsstart",
    "trws", "badvers", "mismatch01", "mismatch02", "bigcode", "insuf", "mcl01", NULL,
};

static bool
listed(const char *file, const char *const *names)
{
    for (; *names != NULL; names++) {
        char want[64];

        snprintf(want, sizeof(want), "-%s.sip", *names);
        if (g_str_has_suffix(file, want)) {
            return true;
        }
    }
    return false;
}

static size_t
count_lines(const char *p, size_t n)
{
    size_t lines = 0;

    for (size_t i = 0; i < n; i++) {
        lines += p[i] == '\n';
    }
    return lines;
}

static void
check_file(const char *dir, const char *name)
{
    static struct disp_keys keys;
    static struct proxyset ps;
    static struct disp_stats stats;
    static struct fwd_out out;
    gchar *path = g_build_filename(dir, name, NULL);
    gchar *data = NULL;
    gsize len = 0;
    struct sip_msg msg;
    struct fwd_ctx ctx = { .keys = &keys, .proxies = &ps, .stats = &stats, .retry_after_s = 5 };
    struct fwd_in in;
    enum fwd_action action;
    int rc;

    if (!g_file_get_contents(path, &data, &len, NULL)) {
        tap(false, "readable", name);
        g_free(path);
        return;
    }
    tap(differential_ok(data, len), "scanner agrees with libosip2; forwarding does not crash",
        name);
    disp_keys_derive("replay secret of 16+ bytes", 26, &keys);
    proxyset_init(&ps, 1u << PS_SRC_STATIC);
    proxyset_report(&ps, PS_SRC_STATIC, "127.0.0.1:22091", "a", 0, PS_UP);
    proxyset_update(&ps);
    memset(&in, 0, sizeof(in));
    in.buf = data;
    in.len = len;
    sipha_sockaddr_parse("192.0.2.1:5060", 0, &in.src);
    sipha_sockaddr_parse("127.0.0.1:5060", 0, &in.local);
    rc = sip_scan(data, len, &msg);
    action = fwd_process(&ctx, &in, &out);
    if (g_str_has_prefix(name, "rfc4475-valid-") || g_str_has_prefix(name, "interop-")) {
        tap(rc == SIP_SCAN_OK, "valid message scanned", name);
        if (rc == SIP_SCAN_OK && msg.is_request) {
            uint32_t end = msg.content_length >= 0
                ? msg.body_off + (uint32_t) msg.content_length : (uint32_t) len;
            size_t body = end - msg.body_off;
            bool intact = action == FWD_SEND && out.proxy != NULL && out.len >= body
                && memcmp(out.buf + out.len - body, data + msg.body_off, body) == 0
                && count_lines(out.buf, out.len)
                   == count_lines(data, end) + 1 + (msg.max_forwards < 0 ? 1 : 0);

            tap(intact, "valid request forwarded intact (one Via more, same body)", name);
        }
    } else if (g_str_has_prefix(name, "rfc4475-invalid-") && listed(name, must_reject)) {
        tap(rc != SIP_SCAN_OK && action == FWD_DROP, "invalid message rejected", name);
    }
    g_free(data);
    g_free(path);
}

static gint
cmp_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

int
main(int argc, char **argv)
{
    const char *src = getenv("SIPHA_SRCDIR");
    gchar *dir = argc > 1 ? g_strdup(argv[1])
        : g_build_filename(src != NULL ? src : ".", "tests/fuzz/corpus/dispatcher", NULL);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    DIR *d = opendir(dir);
    struct dirent *e;

    sipha_log_init("test-dispatcher-corpus", SIPHA_LOG_STDERR, LOG_WARNING);
    if (d == NULL) {
        printf("1..0 # SKIP no corpus at %s\n", dir);
        g_free(dir);
        return 77;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.') {
            g_ptr_array_add(names, g_strdup(e->d_name));
        }
    }
    closedir(d);
    g_ptr_array_sort(names, cmp_names);
    for (guint i = 0; i < names->len; i++) {
        check_file(dir, g_ptr_array_index(names, i));
    }
    printf("1..%d\n", test_n);
    g_ptr_array_free(names, TRUE);
    g_free(dir);
    return failures == 0 ? 0 : 1;
}
