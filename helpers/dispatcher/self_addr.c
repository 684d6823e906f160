/* SPDX-License-Identifier: GPL-2.0-or-later */
/* self_addr.c: the dispatcher's own addresses (see self_addr.h). */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "addr.h"
#include "self_addr.h"

void
self_addrs_init(struct self_addrs *s)
{
    memset(s, 0, sizeof(*s));
}

int
self_addrs_add_listen(struct self_addrs *s, const struct sockaddr_storage *addr)
{
    if (s->count == SELF_ADDR_MAX) {
        return -ENOSPC;
    }
    s->entries[s->count].addr = *addr;
    s->entries[s->count].seen_s = 0;
    s->count++;
    return 0;
}

static bool
is_unspecified(const struct sockaddr_storage *a)
{
    if (a->ss_family == AF_INET) {
        return ((const struct sockaddr_in *) a)->sin_addr.s_addr == htonl(INADDR_ANY);
    }
    return a->ss_family == AF_INET6
        && IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *) a)->sin6_addr);
}

static bool
is_loopback(const struct sockaddr_storage *a)
{
    if (a->ss_family == AF_INET) {
        return (ntohl(((const struct sockaddr_in *) a)->sin_addr.s_addr) >> 24) == 127;
    }
    return a->ss_family == AF_INET6
        && IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *) a)->sin6_addr);
}

/* Does entry E cover ADDR?  A wildcard listen address covers the
 * unspecified address and loopback of its family at its port. */
static bool
covers(const struct self_entry *e, const struct sockaddr_storage *addr)
{
    if (addr_equal(&e->addr, addr)) {
        return true;
    }
    return e->seen_s == 0 && e->addr.ss_family == addr->ss_family && is_unspecified(&e->addr)
        && addr_port(&e->addr) == addr_port(addr) && is_loopback(addr);
}

void
self_addrs_learn(struct self_addrs *s, const struct sockaddr_storage *addr, uint64_t now_s)
{
    int stalest = -1;

    if (s->last < s->count && s->entries[s->last].seen_s != 0
        && addr_equal(&s->entries[s->last].addr, addr)) {
        s->entries[s->last].seen_s = now_s;
        return;
    }
    for (int i = 0; i < s->count; i++) {
        struct self_entry *e = &s->entries[i];

        if (e->seen_s != 0 && addr_equal(&e->addr, addr)) {
            e->seen_s = now_s;
            s->last = i;
            return;
        }
        if (e->seen_s != 0 && (stalest < 0 || e->seen_s < s->entries[stalest].seen_s)) {
            stalest = i;
        }
    }
    if (s->count < SELF_ADDR_MAX) {
        stalest = s->count++;
    } else if (stalest < 0) {
        return;                           /* all configured: nothing to give up */
    }
    s->entries[stalest].addr = *addr;
    s->entries[stalest].seen_s = now_s > 0 ? now_s : 1;
    s->last = stalest;
}

bool
self_addrs_has(const struct self_addrs *s, const struct sockaddr_storage *addr, uint64_t now_s)
{
    if (is_unspecified(addr)) {
        return true;                      /* sent to 0.0.0.0 or ::, it stays on the node */
    }
    for (int i = 0; i < s->count; i++) {
        const struct self_entry *e = &s->entries[i];

        if (e->seen_s != 0 && e->seen_s + SELF_LEARNED_TTL_S < now_s) {
            continue;
        }
        if (covers(e, addr)) {
            return true;
        }
    }
    return false;
}
