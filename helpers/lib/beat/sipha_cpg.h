/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_cpg.h: one Corosync CPG group membership driven by a GMainContext.
 *
 * Connects, joins, dispatches from an fd watch, and on any loss of the
 * connection reports it and reconnects with a doubling backoff.
 * CS_ERR_TRY_AGAIN is retried as Pacemaker does, but from timers instead of
 * sleeping, so the main loop keeps running.  Shared by sipha-beat and the
 * watcher.
 */
#ifndef SIPHA_CPG_H
#define SIPHA_CPG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>
#include <corosync/cpg.h>

typedef struct sipha_cpg sipha_cpg_t;

typedef struct sipha_cpg_callbacks {
    /* A message multicast in the group (our own ones too). */
    void (*deliver)(uint32_t nodeid, uint32_t pid, const void *msg, size_t len,
                    void *user_data);
    /* Membership changed; members is the new full list. */
    void (*confchg)(const struct cpg_address *members, size_t n_members,
                    const struct cpg_address *left, size_t n_left,
                    const struct cpg_address *joined, size_t n_joined,
                    void *user_data);
    /* Joined (true) or lost the connection (false). */
    void (*connection)(bool connected, void *user_data);
} sipha_cpg_callbacks_t;

sipha_cpg_t *sipha_cpg_new(const char *group, GMainContext *ctx,
                           uint32_t reconnect_max_ms,
                           const sipha_cpg_callbacks_t *callbacks, void *user_data);
/* Try to connect now, keep retrying in the background.  Returns -EINVAL for
 * a bad group name, else 0. */
int sipha_cpg_start(sipha_cpg_t *cpg);
void sipha_cpg_free(sipha_cpg_t *cpg);

/* Multicast with agreed ordering.  0 = sent; -EAGAIN = Corosync said
 * TRY_AGAIN and the message is kept (only the newest) and retried shortly;
 * -ENOTCONN = not joined (reconnecting). */
int sipha_cpg_send(sipha_cpg_t *cpg, const void *buf, size_t len);

bool sipha_cpg_connected(const sipha_cpg_t *cpg);
uint32_t sipha_cpg_local_nodeid(const sipha_cpg_t *cpg);
const char *sipha_cpg_reason_str(uint32_t reason);

#endif
