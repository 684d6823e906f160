/*
 * sipha_spawn.h: start a helper program without fork().
 *
 * fork() copies the caller's page tables while holding its mmap_lock for
 * writing, and leaves every private page copy-on-write behind it.  Any
 * other thread of the caller that takes a page fault meanwhile or after
 * (a write to its stack or to a global) waits for that lock or that copy.
 * In sipha-dispatcher the thread that waits is the real-time heartbeat
 * sender: a fork() from the control thread, preempted on a loaded host
 * while it held the lock, kept the sender asleep in the page-fault path for
 * 20-450 ms, long enough for its peers to take the SAP over from a healthy
 * holder (docs/takeover.md).  posix_spawn() clones without copying the
 * memory map (CLONE_VM | CLONE_VFORK in glibc): nothing to wait for.
 */
#ifndef SIPHA_SPAWN_H
#define SIPHA_SPAWN_H

#include <sys/types.h>

/* What a child's stdout or stderr is: /dev/null, the caller's own, or (any
 * value >= 0) that file descriptor of the caller. */
#define SIPHA_SPAWN_NULL    (-1)
#define SIPHA_SPAWN_INHERIT (-2)

/* Start ARGV[0] (looked up in PATH when it has no slash) with ARGV, stdin
 * from /dev/null, stdout to OUT_FD and stderr to ERR_FD (see above), every
 * other descriptor closed, signals at their defaults and none blocked.
 * Returns 0 and the child's pid in *PID (the caller reaps it), or a
 * negative errno (e.g. -ENOENT: no such program). */
int sipha_spawn(char *const argv[], int out_fd, int err_fd, pid_t *pid);

#endif
