/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_cib_set.c: proxy set helpers: add, sort, copy, find, compare.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cib/sipha_cib_set.h"

static void proxy_clear(struct sipha_proxy *p)
{
    free(p->id);
    free(p->address);
    free(p->resource);
    free(p->node);
    memset(p, 0, sizeof(*p));
}

void sipha_proxy_set_clear(struct sipha_proxy_set *set)
{
    if (set == NULL) {
        return;
    }
    for (size_t i = 0; i < set->n_proxies; i++) {
        proxy_clear(&set->proxies[i]);
    }
    free(set->proxies);
    set->proxies = NULL;
    set->n_proxies = 0;
}

static char *dup_or_empty(const char *s)
{
    return strdup(s != NULL ? s : "");
}

int sipha_proxy_set_add(struct sipha_proxy_set *set, const char *id, const char *address,
                        const char *resource, const char *node, bool draining)
{
    struct sipha_proxy *grown = realloc(set->proxies,
                                        (set->n_proxies + 1) * sizeof(*grown));
    if (grown == NULL) {
        return -ENOMEM;
    }
    set->proxies = grown;
    struct sipha_proxy *p = &grown[set->n_proxies];
    p->id = dup_or_empty(id);
    p->address = dup_or_empty(address);
    p->resource = dup_or_empty(resource);
    p->node = dup_or_empty(node);
    p->draining = draining;
    if (p->id == NULL || p->address == NULL || p->resource == NULL || p->node == NULL) {
        proxy_clear(p);
        return -ENOMEM;
    }
    set->n_proxies++;
    return 0;
}

static int cmp_proxy(const void *a, const void *b)
{
    const struct sipha_proxy *pa = a, *pb = b;
    int rc = strcmp(pa->id, pb->id);
    return rc != 0 ? rc : strcmp(pa->node, pb->node);
}

size_t sipha_proxy_set_normalize(struct sipha_proxy_set *set)
{
    size_t kept = 0, dropped = 0;

    if (set->n_proxies == 0) {
        return 0;
    }
    qsort(set->proxies, set->n_proxies, sizeof(set->proxies[0]), cmp_proxy);
    for (size_t i = 0; i < set->n_proxies; i++) {
        if (kept > 0 && strcmp(set->proxies[kept - 1].id, set->proxies[i].id) == 0) {
            proxy_clear(&set->proxies[i]);
            dropped++;
            continue;
        }
        if (kept != i) {
            set->proxies[kept] = set->proxies[i];
        }
        kept++;
    }
    set->n_proxies = kept;
    return dropped;
}

int sipha_proxy_set_copy(const struct sipha_proxy_set *from, struct sipha_proxy_set *to)
{
    memset(to, 0, sizeof(*to));
    for (size_t i = 0; i < from->n_proxies; i++) {
        const struct sipha_proxy *p = &from->proxies[i];
        if (sipha_proxy_set_add(to, p->id, p->address, p->resource, p->node, p->draining) < 0) {
            sipha_proxy_set_clear(to);
            return -ENOMEM;
        }
    }
    return 0;
}

const struct sipha_proxy *sipha_proxy_set_find(const struct sipha_proxy_set *set,
                                               const char *id)
{
    size_t lo = 0, hi = set != NULL ? set->n_proxies : 0;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int rc = strcmp(id, set->proxies[mid].id);
        if (rc == 0) {
            return &set->proxies[mid];
        }
        if (rc < 0) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return NULL;
}

static bool proxy_equal(const struct sipha_proxy *a, const struct sipha_proxy *b)
{
    return a->draining == b->draining && strcmp(a->node, b->node) == 0
           && strcmp(a->address, b->address) == 0 && strcmp(a->resource, b->resource) == 0;
}

/* Room for every pointer a diff of these sets can produce. */
static int change_alloc(struct sipha_proxy_set_change *c, size_t n_old, size_t n_new)
{
    memset(c, 0, sizeof(*c));
    c->added = calloc(n_new + 1, sizeof(*c->added));
    c->removed = calloc(n_old + 1, sizeof(*c->removed));
    c->changed = calloc(n_new + 1, sizeof(*c->changed));
    if (c->added == NULL || c->removed == NULL || c->changed == NULL) {
        sipha_proxy_set_change_clear(c);
        return -ENOMEM;
    }
    return 0;
}

bool sipha_proxy_set_diff(const struct sipha_proxy_set *old_set,
                          const struct sipha_proxy_set *new_set,
                          struct sipha_proxy_set_change *change)
{
    size_t i = 0, j = 0;

    if (change_alloc(change, old_set->n_proxies, new_set->n_proxies) < 0) {
        return true;    /* cannot say what changed; say that something did */
    }
    /* both sorted by id: one merge pass */
    while (i < old_set->n_proxies || j < new_set->n_proxies) {
        int rc;
        if (i == old_set->n_proxies) {
            rc = 1;
        } else if (j == new_set->n_proxies) {
            rc = -1;
        } else {
            rc = strcmp(old_set->proxies[i].id, new_set->proxies[j].id);
        }
        if (rc < 0) {
            change->removed[change->n_removed++] = &old_set->proxies[i++];
        } else if (rc > 0) {
            change->added[change->n_added++] = &new_set->proxies[j++];
        } else {
            if (!proxy_equal(&old_set->proxies[i], &new_set->proxies[j])) {
                change->changed[change->n_changed++] = &new_set->proxies[j];
            }
            i++;
            j++;
        }
    }
    return change->n_added + change->n_removed + change->n_changed > 0;
}

void sipha_proxy_set_change_clear(struct sipha_proxy_set_change *change)
{
    free(change->added);
    free(change->removed);
    free(change->changed);
    memset(change, 0, sizeof(*change));
}
