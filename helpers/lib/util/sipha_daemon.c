/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * daemon.c: classic double-fork daemon and pid file.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/sipha_daemon.h"

int sipha_daemonize(void)
{
    pid_t pid = fork();
    int fd;

    if (pid < 0) {
        return -errno;
    }
    if (pid > 0) {
        _exit(0);
    }
    if (setsid() < 0) {
        return -errno;
    }
    pid = fork();
    if (pid < 0) {
        return -errno;
    }
    if (pid > 0) {
        _exit(0);
    }
    if (chdir("/") != 0) {
        return -errno;
    }
    fd = open("/dev/null", O_RDWR);
    if (fd < 0) {
        return -errno;
    }
    dup2(fd, STDIN_FILENO);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    if (fd > STDERR_FILENO) {
        close(fd);
    }
    return 0;
}

static long pidfile_read(const char *path)
{
    FILE *f = fopen(path, "r");
    long pid = 0;

    if (f == NULL) {
        return 0;
    }
    if (fscanf(f, "%ld", &pid) != 1) {
        pid = 0;
    }
    fclose(f);
    return pid;
}

int sipha_pidfile_write(const char *path)
{
    long old = pidfile_read(path);
    char text[32];
    int fd, len;

    if (old > 0 && old != (long) getpid() && kill((pid_t) old, 0) == 0) {
        return -EEXIST;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        return -errno;
    }
    len = snprintf(text, sizeof(text), "%ld\n", (long) getpid());
    if (write(fd, text, (size_t) len) != len) {
        int rc = -errno;

        close(fd);
        return rc;
    }
    close(fd);
    return 0;
}

void sipha_pidfile_remove(const char *path)
{
    if (path != NULL && pidfile_read(path) == (long) getpid()) {
        unlink(path);
    }
}
