/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * takeover_state.c: the fast takeover's decisions (takeover_state.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "addr.h"
#include "takeover_state.h"

void
takeover_state_init(struct takeover_state *st, const struct takeover_params *params)
{
    memset(st, 0, sizeof(*st));
    st->params = *params;
}

const struct takeover_peer *
takeover_state_peer(const struct takeover_state *st, const char *name)
{
    for (int i = 0; i < st->peer_count; i++) {
        if (strcmp(st->peers[i].name, name) == 0) {
            return &st->peers[i];
        }
    }
    return NULL;
}

bool
takeover_peer_alive(const struct takeover_state *st, const struct takeover_peer *p,
                    uint64_t now_us)
{
    return p->heard && !p->leaving && now_us - p->last_heard_us <= st->params.timeout_us;
}

static bool
peer_silent(const struct takeover_state *st, const struct takeover_peer *p, uint64_t now_us)
{
    return p->heard && !p->leaving && now_us - p->last_heard_us > st->params.timeout_us;
}

const char *
takeover_release_str(enum takeover_release why)
{
    switch (why) {
    case TAKEOVER_KEEP:
        return "kept";
    case TAKEOVER_CONFIRMED:
        return "confirmed by Pacemaker";
    case TAKEOVER_PLACED_ELSEWHERE:
        return "Pacemaker placed it on another node";
    case TAKEOVER_NO_QUORUM:
        return "quorum lost";
    case TAKEOVER_UNCONFIRMED:
        return "Pacemaker did not confirm it in time";
    case TAKEOVER_STOPPING:
        return "dispatcher stopping";
    }
    return "?";
}

/* What the new table says of one claim. */
static enum takeover_release
judge_claim(const struct takeover_state *st, const struct takeover_claim *c, uint64_t now_us)
{
    const struct takeover_table *t = &st->table;
    const struct takeover_sap *s = takeover_table_find_sap(t, c->address);

    if (!t->quorum) {
        return TAKEOVER_NO_QUORUM;
    }
    if (s != NULL && strcmp(s->holder, t->self) == 0) {
        return TAKEOVER_CONFIRMED;
    }
    if (s == NULL || (s->holder[0] != '\0' && strcmp(s->holder, c->old_holder) != 0)) {
        return TAKEOVER_PLACED_ELSEWHERE;
    }
    if (now_us - c->claimed_us > st->params.confirm_timeout_us) {
        return TAKEOVER_UNCONFIRMED;
    }
    return TAKEOVER_KEEP;
}

static void
merge_peers(struct takeover_state *st, const struct takeover_table *t)
{
    struct takeover_peer fresh[TAKEOVER_PEERS_MAX];
    int n = 0;

    memset(fresh, 0, sizeof(fresh));
    for (int i = 0; i < t->peer_count; i++) {
        const struct takeover_peer *old = takeover_state_peer(st, t->peers[i].name);
        struct takeover_peer *p = &fresh[n];
        struct sockaddr_storage addr;

        if (sipha_sockaddr_from_ip(t->peers[i].address, strlen(t->peers[i].address),
                                   st->params.port, &addr) != 0) {
            continue;                   /* the table parser checked it; belt and braces */
        }
        if (old != NULL && addr_equal(&old->addr, &addr)) {
            *p = *old;
        } else {
            snprintf(p->name, sizeof(p->name), "%s", t->peers[i].name);
        }
        p->addr = addr;
        n++;
    }
    memcpy(st->peers, fresh, sizeof(fresh));
    st->peer_count = n;
}

/* The time the old table (st->table) first named HOLDER for ADDRESS, or
 * NOW_US if it did not. */
static uint64_t
holder_since(const struct takeover_state *st, const char *address, const char *holder,
             uint64_t now_us)
{
    if (!st->have_table) {
        return now_us;
    }
    for (int i = 0; i < st->table.sap_count; i++) {
        const struct takeover_sap *s = &st->table.saps[i];

        if (strcmp(s->address, address) == 0) {
            return (strcmp(s->holder, holder) == 0) ? st->holder_since_us[i] : now_us;
        }
    }
    return now_us;
}

int
takeover_state_set_table(struct takeover_state *st, const struct takeover_table *t,
                         uint64_t now_us, int released[TAKEOVER_SAPS_MAX],
                         enum takeover_release why[TAKEOVER_SAPS_MAX])
{
    uint64_t since_us[TAKEOVER_SAPS_MAX] = { 0 };
    int n = 0;

    for (int i = 0; i < t->sap_count; i++) {
        since_us[i] = holder_since(st, t->saps[i].address, t->saps[i].holder, now_us);
    }
    memcpy(st->holder_since_us, since_us, sizeof(since_us));
    st->table = *t;
    st->have_table = true;
    merge_peers(st, t);
    for (int i = 0; i < TAKEOVER_SAPS_MAX; i++) {
        struct takeover_claim *c = &st->claims[i];
        enum takeover_release r;

        if (!c->active) {
            continue;
        }
        r = judge_claim(st, c, now_us);
        if (r != TAKEOVER_KEEP) {
            released[n] = i;
            why[n] = r;
            n++;
        }
    }
    return n;
}

uint64_t
takeover_gap_bucket_us(const struct takeover_state *st, int i)
{
    if (i >= TAKEOVER_GAP_BUCKETS - 1) {
        return UINT64_MAX;
    }
    return st->params.timeout_us * (uint64_t) (i + 1) / (TAKEOVER_GAP_BUCKETS - 1);
}

/* Count the gap since P's previous heartbeat; true if it was a late one
 * (over half the timeout), then taken apart in P->last_late. */
static bool
record_gap(const struct takeover_state *st, struct takeover_peer *p,
           const struct takeover_msg *msg, uint64_t now_us, uint64_t now_wall_ms)
{
    uint64_t gap_us = now_us - p->last_heard_us;
    int i = 0;

    while (gap_us > takeover_gap_bucket_us(st, i)) {
        i++;
    }
    p->gap_buckets[i]++;
    p->gap_sum_us += gap_us;
    p->max_gap_us = MAX(p->max_gap_us, gap_us);
    if (gap_us <= st->params.timeout_us / 2) {
        return false;
    }
    p->late++;
    p->last_late.gap_us = gap_us;
    p->last_late.sent_gap_ms = (int64_t) (msg->sent_ms - p->sent_ms);
    p->last_late.lost = msg->seq - p->seq - 1;
    p->last_late.transit_ms = (int64_t) (now_wall_ms - msg->sent_ms);
    return true;
}

int
takeover_state_receive(struct takeover_state *st, const struct takeover_msg *msg,
                       const struct sockaddr_storage *src, uint64_t now_us,
                       uint64_t now_wall_ms)
{
    struct takeover_peer *p = (struct takeover_peer *) takeover_state_peer(st, msg->name);
    uint64_t skew = st->params.skew_ms;
    bool late = false;

    if (p == NULL || !addr_equal(&p->addr, src)) {
        st->counters.rx_unknown_peer++;
        return -1;
    }
    if (msg->sent_ms + skew < now_wall_ms || msg->sent_ms > now_wall_ms + skew) {
        st->counters.rx_stale++;
        return -1;
    }
    if (p->heard) {
        bool same_boot = msg->boot_id == p->boot_id;

        /* within a boot the sequence orders; a new boot must be newer */
        if ((same_boot && msg->seq <= p->seq) || (!same_boot && msg->sent_ms <= p->sent_ms)) {
            st->counters.rx_stale++;
            return -1;
        }
        if (same_boot && !p->leaving && now_us > p->last_heard_us) {
            late = record_gap(st, p, msg, now_us, now_wall_ms);
        }
    }
    p->heard = true;
    p->leaving = (msg->flags & TAKEOVER_MSG_LEAVING) != 0;
    p->last_heard_us = MAX(p->last_heard_us, now_us);
    p->boot_id = msg->boot_id;
    p->seq = msg->seq;
    p->sent_ms = msg->sent_ms;
    st->counters.rx_ok++;
    return late ? 1 : 0;
}

static bool
claimed(const struct takeover_state *st, const char *address)
{
    for (int i = 0; i < TAKEOVER_SAPS_MAX; i++) {
        if (st->claims[i].active && strcmp(st->claims[i].address, address) == 0) {
            return true;
        }
    }
    return false;
}

/* Another peer than HOLDER was heard within the last witness_fresh_us:
 * this node is not cut off, and its receive path works now.  A path that
 * stalled for every sender (a busy host's backlog of datagrams, seen on a
 * loaded lab host as 141 ms of silence from a healthy holder) shows as
 * silence from the witness too, and the holder's heartbeats arrive with
 * the witness's when it drains. */
static bool
witness_heard(const struct takeover_state *st, const char *holder, uint64_t now_us)
{
    uint64_t fresh_us = st->params.witness_fresh_us;

    if (fresh_us == 0 || fresh_us > st->params.timeout_us) {
        fresh_us = st->params.timeout_us;
    }
    for (int i = 0; i < st->peer_count; i++) {
        const struct takeover_peer *p = &st->peers[i];

        if (strcmp(p->name, holder) != 0 && takeover_peer_alive(st, p, now_us)
            && now_us - p->last_heard_us <= fresh_us) {
            return true;
        }
    }
    return false;
}

int
takeover_state_tick(struct takeover_state *st, uint64_t now_us, int due[TAKEOVER_SAPS_MAX])
{
    const struct takeover_table *t = &st->table;
    uint64_t gap_us = now_us - st->last_tick_us;
    int n = 0;

    if (st->last_tick_us != 0 && gap_us > st->params.timeout_us / 2) {
        /* Our own loop was held up (counted for the operator).  It needs no
         * correction: the caller reads the heartbeats that arrived meanwhile,
         * with their arrival times, before this tick. */
        st->counters.stalls++;
    }
    st->last_tick_us = now_us;
    if (!st->have_table || !t->quorum) {
        return 0;
    }
    for (int i = 0; i < t->sap_count; i++) {
        const struct takeover_sap *s = &t->saps[i];
        const struct takeover_peer *holder;

        if (strcmp(s->successor, t->self) != 0 || s->holder[0] == '\0'
            || strcmp(s->holder, t->self) == 0 || claimed(st, s->address)) {
            continue;
        }
        holder = takeover_state_peer(st, s->holder);
        if (holder == NULL || !peer_silent(st, holder, now_us)) {
            continue;
        }
        /* Silent since before this node learned that it holds the SAP: a
         * host that returned and was given a SAP before its dispatcher
         * beats again (it beats once it has its own table, seconds on a
         * loaded host), not a holder that died.  Its last heartbeat is
         * from before it went away; Pacemaker handles a holder that dies
         * before it was ever heard as one. */
        if (holder->last_heard_us + TAKEOVER_HOLDER_HEARD_SLACK_US < st->holder_since_us[i]) {
            continue;
        }
        if (st->params.require_witness && !witness_heard(st, s->holder, now_us)) {
            continue;
        }
        due[n++] = i;
    }
    return n;
}

void
takeover_state_claimed(struct takeover_state *st, int index, uint64_t now_us)
{
    const struct takeover_sap *s = &st->table.saps[index];

    for (int i = 0; i < TAKEOVER_SAPS_MAX; i++) {
        struct takeover_claim *c = &st->claims[i];

        if (!c->active) {
            c->active = true;
            /* same sizes as the table's fields, always terminated */
            memcpy(c->address, s->address, sizeof(c->address));
            memcpy(c->nic, s->nic, sizeof(c->nic));
            memcpy(c->old_holder, s->holder, sizeof(c->old_holder));
            c->prefix = s->prefix;
            c->claimed_us = now_us;
            st->counters.claims++;
            return;
        }
    }
}
