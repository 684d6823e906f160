/*
 * test_spawn.c: sipha_spawn (helpers/lib/util/sipha_spawn.h) with real
 * programs: outputs wired as asked, no descriptor leaked, signals reset,
 * a missing program an error, not a child.
 */
#define _GNU_SOURCE /* pipe2 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/sipha_spawn.h"

/* Run ARGV with both outputs into one pipe; return its exit status and
 * what it wrote in OUT. */
static int
run_capture(char *const argv[], char *out, size_t size)
{
    int fds[2];
    pid_t pid;
    int status;
    size_t len = 0;
    ssize_t n;

    ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
    ck_assert_int_eq(sipha_spawn(argv, fds[1], fds[1], &pid), 0);
    close(fds[1]);
    while (len + 1 < size && (n = read(fds[0], out + len, size - 1 - len)) > 0) {
        len += (size_t) n;
    }
    out[len] = '\0';
    close(fds[0]);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    return WEXITSTATUS(status);
}

START_TEST(test_outputs_and_status)
{
    char *argv[] = { "sh", "-c", "echo out; echo err >&2; exit 3", NULL };
    char out[256];

    ck_assert_int_eq(run_capture(argv, out, sizeof(out)), 3);
    ck_assert_str_eq(out, "out\nerr\n");
}
END_TEST

START_TEST(test_stdin_null_and_no_leak)
{
    /* a descriptor of ours without O_CLOEXEC must not reach the child */
    int leaky = open("/dev/null", O_RDONLY);
    char *argv[] = { "sh", "-c", "cat; ls /proc/self/fd", NULL };
    char out[256];

    ck_assert_int_ge(leaky, 3);
    ck_assert_int_eq(run_capture(argv, out, sizeof(out)), 0);
    /* 0 1 2, and the directory ls reads (3 in a child that got nothing) */
    ck_assert_str_eq(out, "0\n1\n2\n3\n");
    close(leaky);
}
END_TEST

START_TEST(test_signals_reset)
{
    char *argv[] = { "sh", "-c", "grep -E '^Sig(Blk|Ign)' /proc/self/status", NULL };
    sigset_t block, old;
    unsigned long long ignored;
    char out[256];

    signal(SIGPIPE, SIG_IGN);
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &old);
    ck_assert_int_eq(run_capture(argv, out, sizeof(out)), 0);
    sigprocmask(SIG_SETMASK, &old, NULL);
    signal(SIGPIPE, SIG_DFL);
    ck_assert_ptr_nonnull(strstr(out, "SigBlk:\t0000000000000000"));
    ck_assert_ptr_nonnull(strstr(out, "SigIgn:\t"));
    ignored = strtoull(strstr(out, "SigIgn:\t") + strlen("SigIgn:\t"), NULL, 16);
    ck_assert_msg((ignored & (1ull << (SIGPIPE - 1))) == 0, "SIGPIPE still ignored: %s", out);
}
END_TEST

START_TEST(test_null_and_pipe)
{
    /* read before any redirection of the shell's own (sh moves its fds
     * around while a redirected command runs) */
    char *argv[] = { "sh", "-c", "fds=$(readlink /proc/$$/fd/0 /proc/$$/fd/1); echo \"$fds\" >&2",
                     NULL };
    int fds[2];
    char out[256] = "";
    pid_t pid;
    int status;
    ssize_t n;

    ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
    ck_assert_int_eq(sipha_spawn(argv, SIPHA_SPAWN_NULL, fds[1], &pid), 0);
    close(fds[1]);
    n = read(fds[0], out, sizeof(out) - 1);
    close(fds[0]);
    ck_assert_int_gt(n, 0);
    ck_assert_str_eq(out, "/dev/null\n/dev/null\n");
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}
END_TEST

START_TEST(test_missing_program)
{
    char *argv[] = { "sipha-no-such-program", NULL };
    char *empty[] = { NULL };
    pid_t pid = 0;

    ck_assert_int_eq(sipha_spawn(argv, SIPHA_SPAWN_NULL, SIPHA_SPAWN_NULL, &pid), -ENOENT);
    ck_assert_int_eq(sipha_spawn(empty, SIPHA_SPAWN_NULL, SIPHA_SPAWN_NULL, &pid), -EINVAL);
    ck_assert_int_eq(sipha_spawn(argv, -7, SIPHA_SPAWN_NULL, &pid), -EINVAL);
    /* nothing was started that needs reaping */
    ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
    ck_assert_int_eq(errno, ECHILD);
}
END_TEST

int
main(void)
{
    Suite *s = suite_create("spawn");
    TCase *tc = tcase_create("spawn");
    SRunner *sr;
    int failed;

    /* real programs start slowly on a loaded machine; nothing here is timed */
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_outputs_and_status);
    tcase_add_test(tc, test_stdin_null_and_no_leak);
    tcase_add_test(tc, test_signals_reset);
    tcase_add_test(tc, test_null_and_pipe);
    tcase_add_test(tc, test_missing_program);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
