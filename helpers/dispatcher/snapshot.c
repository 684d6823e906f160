/* SPDX-License-Identifier: GPL-2.0-or-later */
/* snapshot.c: RCU-style publication of the forwarding snapshot (see snapshot.h). */
#include "config.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"

/* A replaced snapshot, and each worker's sequence when it was replaced. */
struct retired {
    struct fwd_snapshot *snap;
    uint64_t seq[SNAP_WORKERS_MAX];
    struct retired *next;
};

struct snap_domain {
    _Atomic(struct fwd_snapshot *) current;
    int workers;
    /* per worker: odd while inside a batch; its own cache line, since the
     * worker writes it twice per batch */
    struct {
        atomic_uint_fast64_t seq;
        char pad[64 - sizeof(atomic_uint_fast64_t)];
    } w[SNAP_WORKERS_MAX];
    struct retired *retired;        /* control side only */
};

struct snap_domain *
snap_domain_new(int workers)
{
    struct snap_domain *dom;

    if (workers < 1 || workers > SNAP_WORKERS_MAX) {
        return NULL;
    }
    dom = calloc(1, sizeof(*dom));
    if (dom != NULL) {
        dom->workers = workers;
    }
    return dom;
}

void
snap_domain_free(struct snap_domain *dom)
{
    if (dom == NULL) {
        return;
    }
    while (dom->retired != NULL) {
        struct retired *r = dom->retired;

        dom->retired = r->next;
        free(r->snap);
        free(r);
    }
    free(atomic_load(&dom->current));
    free(dom);
}

/* The table of PS, copied so that it stands alone: every member (a
 * response is relayed only from one), the ones in use pointed to. */
static void
copy_table(struct proxyset *to, const struct proxyset *from)
{
    to->enabled = from->enabled;
    to->generation = from->generation;
    to->count = from->count;
    memcpy(to->proxies, from->proxies, sizeof(from->proxies[0]) * (size_t) from->count);
    for (int i = 0; i < from->active_count; i++) {
        to->active[i] = &to->proxies[from->active[i] - from->proxies];
    }
    to->active_count = from->active_count;
}

static bool
same_snapshot(const struct fwd_snapshot *cur, const struct proxyset *ps,
              const struct disp_keys *keys, int retry_after_s)
{
    if (cur == NULL || cur->retry_after_s != retry_after_s
        || memcmp(&cur->keys, keys, sizeof(*keys)) != 0
        || cur->set.count != ps->count || cur->set.active_count != ps->active_count
        || memcmp(cur->set.proxies, ps->proxies, sizeof(ps->proxies[0]) * (size_t) ps->count)
           != 0) {
        return false;
    }
    for (int i = 0; i < ps->active_count; i++) {
        if (cur->set.active[i] - cur->set.proxies != ps->active[i] - ps->proxies) {
            return false;
        }
    }
    return true;
}

bool
snap_publish(struct snap_domain *dom, const struct proxyset *ps, const struct disp_keys *keys,
             int retry_after_s)
{
    struct fwd_snapshot *snap, *old = atomic_load_explicit(&dom->current, memory_order_relaxed);
    struct retired *r;

    if (same_snapshot(old, ps, keys, retry_after_s)) {
        return false;
    }
    snap = calloc(1, sizeof(*snap));
    r = calloc(1, sizeof(*r));
    if (snap == NULL || r == NULL) {
        /* the workers keep the previous one; the next change tries again */
        free(snap);
        free(r);
        return false;
    }
    snap->keys = *keys;
    snap->retry_after_s = retry_after_s;
    copy_table(&snap->set, ps);
    /* seq_cst, paired with the worker's seq_cst increment before its load:
     * a worker whose sequence we then read as even will load SNAP */
    atomic_store(&dom->current, snap);
    if (old == NULL) {
        free(r);
        return true;
    }
    r->snap = old;
    for (int i = 0; i < dom->workers; i++) {
        r->seq[i] = atomic_load(&dom->w[i].seq);
    }
    r->next = dom->retired;
    dom->retired = r;
    snap_reclaim(dom);
    return true;
}

/* Whether no worker can still hold the snapshot R replaced. */
static bool
quiescent(const struct snap_domain *dom, const struct retired *r)
{
    for (int i = 0; i < dom->workers; i++) {
        uint64_t now = atomic_load(&dom->w[i].seq);

        if ((r->seq[i] & 1) != 0 && now == r->seq[i]) {
            return false;       /* still in the batch it was in */
        }
    }
    return true;
}

int
snap_reclaim(struct snap_domain *dom)
{
    struct retired **link = &dom->retired;
    int waiting = 0;

    while (*link != NULL) {
        struct retired *r = *link;

        if (quiescent(dom, r)) {
            *link = r->next;
            free(r->snap);
            free(r);
        } else {
            waiting++;
            link = &r->next;
        }
    }
    return waiting;
}

const struct fwd_snapshot *
snap_enter(struct snap_domain *dom, int worker)
{
    /* both seq_cst, paired with snap_publish()'s store and load */
    atomic_fetch_add(&dom->w[worker].seq, 1);
    return atomic_load(&dom->current);
}

void
snap_leave(struct snap_domain *dom, int worker)
{
    /* release: everything read from the snapshot happens before the control
     * side sees this and frees it */
    atomic_fetch_add_explicit(&dom->w[worker].seq, 1, memory_order_release);
}
