/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_daemon.h: detach from the terminal and keep a pid file (every
 * sipha daemon: sipha-beat, sipha-dispatcher).
 */
#ifndef SIPHA_DAEMON_H
#define SIPHA_DAEMON_H

/* Fork into the background (double fork, setsid, chdir /, std fds to
 * /dev/null).  Returns 0 in the daemon; the parent exits.  -errno on error. */
int sipha_daemonize(void);

/* Write our pid to path; refuses (-EEXIST) when it names a live process.
 * Returns 0 or -errno. */
int sipha_pidfile_write(const char *path);
void sipha_pidfile_remove(const char *path);

#endif
