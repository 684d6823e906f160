/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_cib_set.h: building, copying and comparing proxy sets (internal to
 * the CIB follower; the public types are in sipha_cib.h).
 */
#ifndef SIPHA_CIB_SET_H
#define SIPHA_CIB_SET_H

#include <stdbool.h>

#include "cib/sipha_cib.h"

/* Append a proxy (strings are copied).  Returns 0 or -ENOMEM. */
int sipha_proxy_set_add(struct sipha_proxy_set *set, const char *id, const char *address,
                        const char *resource, const char *node, bool draining);

/* Sort by (id, node) and drop later entries with an id already present.
 * Returns how many were dropped. */
size_t sipha_proxy_set_normalize(struct sipha_proxy_set *set);

/* Deep copy; 0 or -ENOMEM. */
int sipha_proxy_set_copy(const struct sipha_proxy_set *from, struct sipha_proxy_set *to);

/* Compare two normalized sets.  Pointers in *change point into the sets.
 * Returns true when they differ. */
bool sipha_proxy_set_diff(const struct sipha_proxy_set *old_set,
                          const struct sipha_proxy_set *new_set,
                          struct sipha_proxy_set_change *change);
void sipha_proxy_set_change_clear(struct sipha_proxy_set_change *change);

#endif
