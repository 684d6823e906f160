/* SPDX-License-Identifier: GPL-2.0-or-later */
/* affinity.c: where each recent INVITE transaction went (see affinity.h). */
#include "config.h"

#include <glib.h>

#include "affinity.h"

struct fwd_affinity *
affinity_new(void)
{
    return g_new0(struct fwd_affinity, 1);
}

void
affinity_free(struct fwd_affinity *a)
{
    g_free(a);
}

static struct affinity_slot *
slot_of(const struct fwd_affinity *a, uint64_t txn)
{
    /* the branch id is a keyed hash already: its low bits are uniform */
    return (struct affinity_slot *) &a->slots[txn & (AFFINITY_SLOTS - 1)];
}

void
affinity_put(struct fwd_affinity *a, uint64_t txn, uint64_t proxy_seed, uint64_t now_s)
{
    struct affinity_slot *s = slot_of(a, txn);

    s->txn = txn | 1;                     /* never 0: 0 marks an empty slot */
    s->proxy_seed = proxy_seed;
    s->at_s = now_s;
}

bool
affinity_get(const struct fwd_affinity *a, uint64_t txn, uint64_t now_s, uint64_t *proxy_seed)
{
    const struct affinity_slot *s = slot_of(a, txn);

    if (s->txn != (txn | 1) || s->at_s + AFFINITY_TTL_S < now_s) {
        return false;
    }
    *proxy_seed = s->proxy_seed;
    return true;
}
