/*
 * sipha_spawn.c: start a helper program without fork() (sipha_spawn.h).
 */
#define _GNU_SOURCE /* posix_spawn_file_actions_addclosefrom_np */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include "sipha_spawn.h"

extern char **environ;

/* Wire one of the child's output descriptors (TARGET: 1 or 2) as FD says. */
static int
wire_output(posix_spawn_file_actions_t *fa, int fd, int target)
{
    if (fd == SIPHA_SPAWN_INHERIT) {
        return 0;
    }
    if (fd == SIPHA_SPAWN_NULL) {
        return posix_spawn_file_actions_addopen(fa, target, "/dev/null", O_WRONLY, 0);
    }
    if (fd < 0) {
        return EINVAL;
    }
    return posix_spawn_file_actions_adddup2(fa, fd, target);
}

static int
file_actions(posix_spawn_file_actions_t *fa, int out_fd, int err_fd)
{
    int rc = posix_spawn_file_actions_addopen(fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);

    if (rc == 0) {
        rc = wire_output(fa, out_fd, STDOUT_FILENO);
    }
    if (rc == 0) {
        rc = wire_output(fa, err_fd, STDERR_FILENO);
    }
    if (rc == 0) {
        /* no descriptor of the daemon (sockets, the key file) leaks */
        rc = posix_spawn_file_actions_addclosefrom_np(fa, STDERR_FILENO + 1);
    }
    return rc;
}

/* The child starts with no signal blocked and every signal at its default
 * (a daemon ignoring SIGPIPE must not hand that on). */
static int
attributes(posix_spawnattr_t *attr)
{
    sigset_t none, all;
    int rc;

    sigemptyset(&none);
    sigfillset(&all);
    rc = posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    if (rc == 0) {
        rc = posix_spawnattr_setsigmask(attr, &none);
    }
    if (rc == 0) {
        rc = posix_spawnattr_setsigdefault(attr, &all);
    }
    return rc;
}

int
sipha_spawn(char *const argv[], int out_fd, int err_fd, pid_t *pid)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    int rc;

    if (argv == NULL || argv[0] == NULL || pid == NULL) {
        return -EINVAL;
    }
    rc = posix_spawn_file_actions_init(&fa);
    if (rc != 0) {
        return -rc;
    }
    rc = posix_spawnattr_init(&attr);
    if (rc != 0) {
        posix_spawn_file_actions_destroy(&fa);
        return -rc;
    }
    rc = file_actions(&fa, out_fd, err_fd);
    if (rc == 0) {
        rc = attributes(&attr);
    }
    if (rc == 0) {
        rc = posix_spawnp(pid, argv[0], &fa, &attr, argv, environ);
    }
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    return -rc;
}
