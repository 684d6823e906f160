/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_watch_table.c: per-proxy verdicts from heartbeat counters.
 *
 * Pure logic: the caller passes the time, so every rule here is tested with
 * a fake clock (tests/unit/test_beat_table.c).  The rules are documented in
 * docs/heartbeat.md ("How the watcher judges").
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "util/sipha_log.h"
#include "watch/sipha_watch_table.h"

typedef struct entry {
    sipha_proxy_info_t info;            /* public view; pointers into this entry */
    char name[SIPHA_BEAT_NAME_MAX + 1];
    char sip_address[SIPHA_BEAT_ADDR_MAX + 1];
    char reason[192];
    sipha_sender_t owner;
    bool owner_left;                    /* CPG said the owner left */
    bool have_counter;                  /* a baseline counter was received */
    uint32_t increases_in_row;
    uint64_t judge_from_ms;             /* created, new owner, conflict ended */
    /* CONFLICT: a second sender announcing the same name */
    bool has_rival;
    sipha_sender_t rival;
    uint64_t rival_last_heard_ms;
    char rival_address[SIPHA_BEAT_ADDR_MAX + 1];
} entry_t;

struct sipha_watch_table {
    uint32_t down_after_ms;
    uint32_t up_after_increases;
    sipha_watch_change_fn on_change;
    void *user_data;
    GTree *entries;                     /* name -> entry_t, sorted by name */
    uint64_t resumed_ms;                /* ring or connection came back */
    uint64_t conflicts;
    /* bounds and the membership filter (sipha_watch_table_set_limits, _members) */
    size_t max_entries;                 /* 0: no bound */
    uint32_t forget_after_ms;           /* 0: never */
    bool full_logged;                   /* "table full" said once per episode */
    GHashTable *members;                /* address -> nodeid + 1; NULL: no filter */
    uint64_t reclaimed;
};

static int name_cmp(gconstpointer a, gconstpointer b, gpointer unused)
{
    return strcmp(a, b);
}

sipha_watch_table_t *sipha_watch_table_new(uint32_t down_after_ms,
                                           uint32_t up_after_increases,
                                           sipha_watch_change_fn on_change,
                                           void *user_data)
{
    sipha_watch_table_t *table = calloc(1, sizeof(*table));

    if (table == NULL) {
        return NULL;
    }
    table->down_after_ms = down_after_ms;
    table->up_after_increases = up_after_increases > 0 ? up_after_increases : 1;
    table->on_change = on_change;
    table->user_data = user_data;
    table->entries = g_tree_new_full(name_cmp, NULL, NULL, free);
    return table;
}

void sipha_watch_table_free(sipha_watch_table_t *table)
{
    if (table == NULL) {
        return;
    }
    g_tree_destroy(table->entries);
    if (table->members != NULL) {
        g_hash_table_destroy(table->members);
    }
    free(table);
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
    return a > b ? a : b;
}

static bool same_sender(const sipha_sender_t *a, const sipha_sender_t *b)
{
    return a->nodeid == b->nodeid && a->pid == b->pid && a->boot_id == b->boot_id;
}

static void change_state(sipha_watch_table_t *table, entry_t *e, sipha_proxy_state_t state,
                         bool silent, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));
static void set_state(sipha_watch_table_t *table, entry_t *e,
                      sipha_proxy_state_t state, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void set_down_silent(sipha_watch_table_t *table, entry_t *e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Every state change goes through here, so the callback sees them all. */
static void change_state(sipha_watch_table_t *table, entry_t *e, sipha_proxy_state_t state,
                         bool silent, const char *fmt, va_list ap)
{
    sipha_proxy_state_t old_state = e->info.state;
    bool was_silent = e->info.silent;

    vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
    e->info.state = state;
    e->info.silent = silent && state == SIPHA_PROXY_DOWN;
    if (state == SIPHA_PROXY_CONFLICT && old_state != SIPHA_PROXY_CONFLICT) {
        table->conflicts++;
    }
    /* a silent DOWN that the beat then confirms is news to the consumer */
    if ((old_state != state || was_silent != e->info.silent) && table->on_change != NULL) {
        table->on_change(&e->info, old_state, table->user_data);
    }
}

static void set_state(sipha_watch_table_t *table, entry_t *e,
                      sipha_proxy_state_t state, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    change_state(table, e, state, false, fmt, ap);
    va_end(ap);
}

/* DOWN for silence alone (the counter rule), not for anything reported */
static void set_down_silent(sipha_watch_table_t *table, entry_t *e, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    change_state(table, e, SIPHA_PROXY_DOWN, true, fmt, ap);
    va_end(ap);
}

static void set_owner(entry_t *e, const sipha_sender_t *sender)
{
    e->owner = *sender;
    e->owner_left = false;
    e->have_counter = false;
    e->increases_in_row = 0;
    e->info.nodeid = sender->nodeid;
    e->info.pid = sender->pid;
    e->info.boot_id = sender->boot_id;
}

static entry_t *entry_new(sipha_watch_table_t *table, uint64_t now_ms,
                          const sipha_sender_t *sender, const sipha_beat_msg_t *msg)
{
    entry_t *e = calloc(1, sizeof(*e));

    if (e == NULL) {
        return NULL;
    }
    g_strlcpy(e->name, msg->name, sizeof(e->name));
    e->info.name = e->name;
    e->info.sip_address = e->sip_address;
    e->info.reason = e->reason;
    e->info.state = SIPHA_PROXY_UNKNOWN;
    e->info.beat_state = sipha_beat_state_str(msg->beat_state);
    g_strlcpy(e->reason, "new: waiting for the counter to increase", sizeof(e->reason));
    e->judge_from_ms = now_ms;
    set_owner(e, sender);
    g_tree_insert(table->entries, e->name, e);
    return e;
}

static void describe_sender(char *buf, size_t len, const sipha_sender_t *s)
{
    snprintf(buf, len, "node %" PRIu32 " pid %" PRIu32, s->nodeid, s->pid);
}

static void enter_conflict(sipha_watch_table_t *table, entry_t *e, uint64_t now_ms,
                           const sipha_sender_t *sender, const sipha_beat_msg_t *msg)
{
    char a[64], b[64];

    e->has_rival = true;
    e->rival = *sender;
    e->rival_last_heard_ms = now_ms;
    g_strlcpy(e->rival_address, msg->sip_address, sizeof(e->rival_address));
    e->increases_in_row = 0;
    describe_sender(a, sizeof(a), &e->owner);
    describe_sender(b, sizeof(b), sender);
    set_state(table, e, SIPHA_PROXY_CONFLICT,
              "conflict: proxy name '%s' announced by two senders (%s as %s, %s as %s)",
              e->name, a, e->sip_address, b, e->rival_address);
}

/* One of the two senders is gone: the other keeps the name, and must prove
 * itself again before the proxy is UP. */
static void end_conflict(sipha_watch_table_t *table, entry_t *e, uint64_t now_ms,
                         bool owner_gone, const char *why)
{
    e->judge_from_ms = now_ms;
    if (owner_gone) {
        set_owner(e, &e->rival);
        g_strlcpy(e->sip_address, e->rival_address, sizeof(e->sip_address));
    } else {
        e->have_counter = false;
        e->increases_in_row = 0;
    }
    e->has_rival = false;
    set_state(table, e, SIPHA_PROXY_UNKNOWN,
              "conflict resolved (%s): waiting for the counter to increase", why);
}

/* The message is from the entry's owner: follow its counter. */
static void owner_beat(sipha_watch_table_t *table, entry_t *e, uint64_t now_ms,
                       const sipha_beat_msg_t *msg)
{
    g_strlcpy(e->sip_address, msg->sip_address, sizeof(e->sip_address));
    e->info.beat_state = sipha_beat_state_str(msg->beat_state);
    e->info.has_load = (msg->flags & SIPHA_BEAT_FLAG_LOAD) != 0;
    e->info.load_active = msg->load_active;
    e->info.load_cpu_permille = msg->load_cpu_permille;

    if (!e->have_counter) {
        e->have_counter = true;
        e->increases_in_row = 0;
    } else if (msg->counter > e->info.counter) {
        e->increases_in_row++;
        e->info.last_increase_ms = now_ms;
    } else {
        /* equal: no progress; lower: the sender restarted its count */
        e->increases_in_row = 0;
    }
    e->info.counter = msg->counter;

    if (msg->beat_state == SIPHA_BEAT_OK) {
        if (e->info.state != SIPHA_PROXY_UP
            && e->increases_in_row >= table->up_after_increases) {
            set_state(table, e, SIPHA_PROXY_UP, "counter increasing (%" PRIu32 " in a row)",
                      e->increases_in_row);
        }
    } else if (msg->beat_state != SIPHA_BEAT_STARTING) {
        /* The beat daemon knows before the counter shows it. */
        e->increases_in_row = 0;
        if (e->info.state != SIPHA_PROXY_DOWN
            || strncmp(e->reason, "beat reports", 12) != 0) {
            set_state(table, e, SIPHA_PROXY_DOWN, "beat reports %s",
                      sipha_beat_state_str(msg->beat_state));
        }
    }
}

/* ---- bounds and reclaiming ---- */

static void remove_entry(sipha_watch_table_t *table, entry_t *e)
{
    table->reclaimed++;
    g_tree_remove(table->entries, e->name);
    if (table->max_entries == 0 || (size_t) g_tree_nnodes(table->entries) < table->max_entries) {
        table->full_logged = false;
    }
}

/* Remove every entry of a list built by a g_tree_foreach (the tree cannot
 * change during one). */
static void remove_listed(sipha_watch_table_t *table, GSList *doomed)
{
    for (GSList *l = doomed; l != NULL; l = l->next) {
        remove_entry(table, l->data);
    }
    g_slist_free(doomed);
}

typedef struct room_ctx {
    GHashTable *per_address;            /* address -> entries with it */
    sipha_watch_table_t *table;
    entry_t *victim;                    /* longest silent, not a member's only */
} room_ctx_t;

static gboolean count_address(gpointer key, gpointer value, gpointer data)
{
    room_ctx_t *ctx = data;
    entry_t *e = value;
    gsize n = GPOINTER_TO_SIZE(g_hash_table_lookup(ctx->per_address, e->sip_address));

    g_hash_table_insert(ctx->per_address, e->sip_address, GSIZE_TO_POINTER(n + 1));
    return FALSE;
}

static gboolean pick_victim(gpointer key, gpointer value, gpointer data)
{
    room_ctx_t *ctx = data;
    entry_t *e = value;
    bool member = ctx->table->members != NULL
                  && g_hash_table_contains(ctx->table->members, e->sip_address);
    gsize n = GPOINTER_TO_SIZE(g_hash_table_lookup(ctx->per_address, e->sip_address));

    if ((!member || n > 1)
        && (ctx->victim == NULL || e->info.last_heard_ms < ctx->victim->info.last_heard_ms)) {
        ctx->victim = e;
    }
    return FALSE;
}

/* Room for one more entry, for a beat naming address.  A full table never
 * refuses the first beat of a member's address: the member list (the CIB)
 * bounds the table then, not a forger. */
static bool make_room(sipha_watch_table_t *table, const char *address)
{
    room_ctx_t ctx = { NULL, table, NULL };
    bool member_first;

    if (table->max_entries == 0 || (size_t) g_tree_nnodes(table->entries) < table->max_entries) {
        return true;
    }
    ctx.per_address = g_hash_table_new(g_str_hash, g_str_equal);
    g_tree_foreach(table->entries, count_address, &ctx);
    member_first = table->members != NULL && !g_hash_table_contains(ctx.per_address, address);
    if (member_first) {
        g_tree_foreach(table->entries, pick_victim, &ctx);
        if (ctx.victim != NULL) {
            remove_entry(table, ctx.victim);
        }
    }
    g_hash_table_destroy(ctx.per_address);
    if (member_first) {
        return true;
    }
    if (!table->full_logged) {
        table->full_logged = true;
        sipha_warn("heartbeat table full (%zu proxies): beats of new names are ignored"
                   " (counted as table_full)", table->max_entries);
    }
    return false;
}

void sipha_watch_table_set_limits(sipha_watch_table_t *table, size_t max_entries,
                                  uint32_t forget_after_ms)
{
    table->max_entries = max_entries;
    table->forget_after_ms = forget_after_ms;
    table->full_logged = false;
}

uint64_t sipha_watch_table_reclaimed(sipha_watch_table_t *table)
{
    return table->reclaimed;
}

typedef struct stale_ctx {
    sipha_watch_table_t *table;
    uint64_t now_ms;
    GSList *doomed;
} stale_ctx_t;

static gboolean find_non_member(gpointer key, gpointer value, gpointer data)
{
    stale_ctx_t *ctx = data;
    entry_t *e = value;
    gpointer v;

    if (!g_hash_table_lookup_extended(ctx->table->members, e->sip_address, NULL, &v)
        || (GPOINTER_TO_SIZE(v) != 1 && GPOINTER_TO_SIZE(v) - 1 != e->owner.nodeid)) {
        ctx->doomed = g_slist_prepend(ctx->doomed, e);
    }
    return FALSE;
}

void sipha_watch_table_set_members(sipha_watch_table_t *table,
                                   const sipha_watch_member_t *members, size_t n_members)
{
    stale_ctx_t ctx = { table, 0, NULL };

    if (table->members != NULL) {
        g_hash_table_destroy(table->members);
        table->members = NULL;
    }
    if (members == NULL) {
        return;
    }
    table->members = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (size_t i = 0; i < n_members; i++) {
        if (members[i].sip_address != NULL) {
            g_hash_table_insert(table->members, g_strdup(members[i].sip_address),
                                GSIZE_TO_POINTER((gsize) members[i].nodeid + 1));
        }
    }
    g_tree_foreach(table->entries, find_non_member, &ctx);
    remove_listed(table, ctx.doomed);
}

/* Gone: nothing heard of it for forget_after_ms of ring-live time. */
static gboolean find_forgotten(gpointer key, gpointer value, gpointer data)
{
    stale_ctx_t *ctx = data;
    entry_t *e = value;
    uint64_t heard_ms = max_u64(max_u64(e->info.last_heard_ms, e->rival_last_heard_ms),
                                max_u64(e->judge_from_ms, ctx->table->resumed_ms));

    if (ctx->now_ms > heard_ms && ctx->now_ms - heard_ms > ctx->table->forget_after_ms) {
        ctx->doomed = g_slist_prepend(ctx->doomed, e);
    }
    return FALSE;
}

static void forget_gone(sipha_watch_table_t *table, uint64_t now_ms)
{
    stale_ctx_t ctx = { table, now_ms, NULL };

    if (table->forget_after_ms == 0) {
        return;
    }
    g_tree_foreach(table->entries, find_forgotten, &ctx);
    remove_listed(table, ctx.doomed);
}

/* Membership filter: the address must be a member's, and the sender on
 * its node.  A forged beat from anywhere else creates nothing. */
static sipha_watch_admit_t admit_member(sipha_watch_table_t *table,
                                        const sipha_sender_t *sender,
                                        const sipha_beat_msg_t *msg)
{
    gpointer value;

    if (table->members == NULL) {
        return SIPHA_WATCH_ADMITTED;
    }
    if (!g_hash_table_lookup_extended(table->members, msg->sip_address, NULL, &value)) {
        return SIPHA_WATCH_NOT_MEMBER;
    }
    /* stored as nodeid + 1 so that "any node" (0) is not a NULL value */
    uint32_t nodeid = (uint32_t) (GPOINTER_TO_SIZE(value) - 1);
    if (nodeid != 0 && nodeid != sender->nodeid) {
        return SIPHA_WATCH_WRONG_NODE;
    }
    return SIPHA_WATCH_ADMITTED;
}

sipha_watch_admit_t sipha_watch_table_beat(sipha_watch_table_t *table, uint64_t now_ms,
                                           const sipha_sender_t *sender,
                                           const sipha_beat_msg_t *msg)
{
    sipha_watch_admit_t admit = admit_member(table, sender, msg);
    entry_t *e;

    if (admit != SIPHA_WATCH_ADMITTED) {
        return admit;
    }
    e = g_tree_lookup(table->entries, msg->name);
    if (e == NULL) {
        if (!make_room(table, msg->sip_address)) {
            return SIPHA_WATCH_TABLE_FULL;
        }
        e = entry_new(table, now_ms, sender, msg);
        if (e == NULL) {
            return SIPHA_WATCH_TABLE_FULL;
        }
    }
    if (e->has_rival && same_sender(&e->rival, sender)) {
        e->rival_last_heard_ms = now_ms;
        g_strlcpy(e->rival_address, msg->sip_address, sizeof(e->rival_address));
        return SIPHA_WATCH_ADMITTED;
    }
    if (!same_sender(&e->owner, sender)) {
        bool owner_gone = e->owner_left
                          || now_ms - e->info.last_heard_ms > table->down_after_ms;

        if (!owner_gone || e->has_rival) {
            if (!e->has_rival) {
                enter_conflict(table, e, now_ms, sender, msg);
            }
            /* a third sender while in conflict: still a conflict */
            return SIPHA_WATCH_ADMITTED;
        }
        /* The old sender is gone (restart, or it hung): the new one takes the
         * name over and must prove itself. */
        set_owner(e, sender);
        e->judge_from_ms = now_ms;
        if (e->info.state == SIPHA_PROXY_UP) {
            set_state(table, e, SIPHA_PROXY_UNKNOWN,
                      "new sender: waiting for the counter to increase");
        }
    }
    e->info.last_heard_ms = now_ms;
    if (e->info.state == SIPHA_PROXY_CONFLICT) {
        return SIPHA_WATCH_ADMITTED;
    }
    owner_beat(table, e, now_ms, msg);
    return SIPHA_WATCH_ADMITTED;
}

typedef struct leave_ctx {
    sipha_watch_table_t *table;
    uint64_t now_ms;
    uint32_t nodeid;
    uint32_t pid;
    const char *why;
} leave_ctx_t;

static gboolean leave_one(gpointer key, gpointer value, gpointer data)
{
    leave_ctx_t *ctx = data;
    entry_t *e = value;

    if (e->has_rival && e->rival.nodeid == ctx->nodeid && e->rival.pid == ctx->pid) {
        end_conflict(ctx->table, e, ctx->now_ms, false, ctx->why);
    } else if (e->owner.nodeid == ctx->nodeid && e->owner.pid == ctx->pid) {
        if (e->has_rival) {
            end_conflict(ctx->table, e, ctx->now_ms, true, ctx->why);
        } else if (!e->owner_left) {
            e->owner_left = true;
            e->increases_in_row = 0;
            set_state(ctx->table, e, SIPHA_PROXY_DOWN, "beat left the group (%s)", ctx->why);
        }
    }
    return FALSE;
}

void sipha_watch_table_leave(sipha_watch_table_t *table, uint64_t now_ms,
                             uint32_t nodeid, uint32_t pid, const char *why)
{
    leave_ctx_t ctx = { table, now_ms, nodeid, pid, why };

    g_tree_foreach(table->entries, leave_one, &ctx);
}

typedef struct eval_ctx {
    sipha_watch_table_t *table;
    uint64_t now_ms;
    bool ring_stalled;
} eval_ctx_t;

/* A sender silent for two down_after periods no longer holds a claim. */
static void evaluate_conflict(eval_ctx_t *ctx, entry_t *e)
{
    uint64_t limit_ms = 2 * (uint64_t) ctx->table->down_after_ms;
    uint64_t since_ms = ctx->table->resumed_ms;

    if (ctx->now_ms - max_u64(e->rival_last_heard_ms, since_ms) > limit_ms) {
        end_conflict(ctx->table, e, ctx->now_ms, false, "second sender went silent");
    } else if (ctx->now_ms - max_u64(e->info.last_heard_ms, since_ms) > limit_ms) {
        end_conflict(ctx->table, e, ctx->now_ms, true, "first sender went silent");
    }
}

static gboolean evaluate_one(gpointer key, gpointer value, gpointer data)
{
    eval_ctx_t *ctx = data;
    entry_t *e = value;
    uint64_t base_ms;

    if (ctx->ring_stalled) {
        return FALSE;
    }
    if (e->has_rival) {
        evaluate_conflict(ctx, e);
        return FALSE;
    }
    if (e->info.state == SIPHA_PROXY_DOWN) {
        return FALSE;
    }
    /* Only ring-live time counts: from the last increase, the first beat
     * of the current sender, the end of a conflict, or the moment the ring
     * (or our connection) came back. */
    base_ms = max_u64(max_u64(e->info.last_increase_ms, e->judge_from_ms),
                      ctx->table->resumed_ms);
    if (ctx->now_ms > base_ms && ctx->now_ms - base_ms > ctx->table->down_after_ms) {
        e->increases_in_row = 0;
        set_down_silent(ctx->table, e,
                        "counter stalled at %" PRIu64 " for more than %" PRIu32 " ms",
                        e->info.counter, ctx->table->down_after_ms);
    }
    return FALSE;
}

void sipha_watch_table_evaluate(sipha_watch_table_t *table, uint64_t now_ms,
                                bool ring_stalled)
{
    eval_ctx_t ctx = { table, now_ms, ring_stalled };

    g_tree_foreach(table->entries, evaluate_one, &ctx);
    if (!ring_stalled) {
        forget_gone(table, now_ms);
    }
}

void sipha_watch_table_resume(sipha_watch_table_t *table, uint64_t now_ms)
{
    table->resumed_ms = now_ms;
}

static gboolean reset_one(gpointer key, gpointer value, gpointer data)
{
    entry_t *e = value;
    sipha_watch_table_t *table = ((void **) data)[0];
    const char *why = ((void **) data)[1];

    e->has_rival = false;
    e->have_counter = false;
    e->increases_in_row = 0;
    set_state(table, e, SIPHA_PROXY_UNKNOWN, "%s", why);
    return FALSE;
}

void sipha_watch_table_reset(sipha_watch_table_t *table, const char *why)
{
    void *data[2] = { table, (void *) why };

    g_tree_foreach(table->entries, reset_one, data);
}

typedef struct foreach_ctx {
    sipha_watch_foreach_fn fn;
    void *user_data;
    const char *address;
    const sipha_proxy_info_t *found;
} foreach_ctx_t;

static gboolean foreach_one(gpointer key, gpointer value, gpointer data)
{
    foreach_ctx_t *ctx = data;

    ctx->fn(&((entry_t *) value)->info, ctx->user_data);
    return FALSE;
}

void sipha_watch_table_foreach(sipha_watch_table_t *table, sipha_watch_foreach_fn fn,
                               void *user_data)
{
    foreach_ctx_t ctx = { fn, user_data, NULL, NULL };

    g_tree_foreach(table->entries, foreach_one, &ctx);
}

size_t sipha_watch_table_count(sipha_watch_table_t *table)
{
    return (size_t) g_tree_nnodes(table->entries);
}

const sipha_proxy_info_t *sipha_watch_table_lookup_name(sipha_watch_table_t *table,
                                                        const char *name)
{
    entry_t *e = g_tree_lookup(table->entries, name);

    return e != NULL ? &e->info : NULL;
}

static gboolean find_address(gpointer key, gpointer value, gpointer data)
{
    foreach_ctx_t *ctx = data;
    entry_t *e = value;

    if (strcmp(e->sip_address, ctx->address) == 0) {
        /* Prefer an UP entry if a stale one has the same address. */
        if (ctx->found == NULL || e->info.state == SIPHA_PROXY_UP) {
            ctx->found = &e->info;
        }
    }
    return FALSE;
}

const sipha_proxy_info_t *sipha_watch_table_lookup_address(sipha_watch_table_t *table,
                                                           const char *sip_address)
{
    foreach_ctx_t ctx = { NULL, NULL, sip_address, NULL };

    g_tree_foreach(table->entries, find_address, &ctx);
    return ctx.found;
}

uint64_t sipha_watch_table_conflicts(sipha_watch_table_t *table)
{
    return table->conflicts;
}

/* ---- ring stall detector ---- */

void sipha_ring_init(sipha_ring_t *ring, uint32_t stall_after_ms)
{
    memset(ring, 0, sizeof(*ring));
    ring->stall_after_ms = stall_after_ms;
    ring->next_seq = 1;
}

void sipha_ring_reset(sipha_ring_t *ring)
{
    /* keep seq numbering monotonic so a late tick of the old connection
     * cannot be mistaken for a new one */
    ring->back_seq = ring->next_seq - 1;
    ring->stalled = false;
}

uint64_t sipha_ring_tick_sent(sipha_ring_t *ring, uint64_t now_ms)
{
    uint64_t seq = ring->next_seq;

    if (seq - ring->back_seq > SIPHA_RING_WINDOW) {
        return 0;
    }
    ring->sent_ms[seq % SIPHA_RING_WINDOW] = now_ms;
    ring->next_seq++;
    return seq;
}

void sipha_ring_tick_back(sipha_ring_t *ring, uint64_t seq)
{
    /* Own messages come back in order; anything else is stale or forged. */
    if (seq > ring->back_seq && seq < ring->next_seq) {
        ring->back_seq = seq;
    }
}

int sipha_ring_check(sipha_ring_t *ring, uint64_t now_ms)
{
    bool stalled = false;
    uint64_t oldest = ring->back_seq + 1;

    if (oldest < ring->next_seq) {
        uint64_t sent_ms = ring->sent_ms[oldest % SIPHA_RING_WINDOW];

        stalled = now_ms > sent_ms && now_ms - sent_ms > ring->stall_after_ms;
    }
    if (stalled == ring->stalled) {
        return 0;
    }
    ring->stalled = stalled;
    if (stalled) {
        ring->stalls++;
        return -1;
    }
    return 1;
}
