/* SPDX-License-Identifier: GPL-2.0-or-later */
/* reply_limit.c: a per-source budget for our own replies (see reply_limit.h). */
#include "config.h"

#include <glib.h>

#include "addr.h"
#include "reply_limit.h"

struct reply_limit *
reply_limit_new(const struct disp_keys *keys)
{
    struct reply_limit *rl = g_new0(struct reply_limit, 1);

    /* not the rendezvous key itself: an independent one from it */
    rl->key.k0 = siphash24("reply limit k0", 14, &keys->hrw);
    rl->key.k1 = siphash24("reply limit k1", 14, &keys->hrw);
    return rl;
}

void
reply_limit_free(struct reply_limit *rl)
{
    g_free(rl);
}

bool
reply_limit_allow(struct reply_limit *rl, const struct sockaddr_storage *dst, uint64_t now_s)
{
    unsigned char bytes[19];
    size_t n = addr_bytes(dst, bytes);
    struct reply_limit_slot *s;

    /* skip family and port (bytes 0-2): the address alone */
    s = &rl->slots[siphash24(bytes + 3, n - 3, &rl->key) % REPLY_LIMIT_SLOTS];
    if (s->second != (uint32_t) now_s) {
        s->second = (uint32_t) now_s;
        s->count = 0;
    }
    if (s->count >= REPLY_LIMIT_PER_S) {
        return false;
    }
    s->count++;
    return true;
}
