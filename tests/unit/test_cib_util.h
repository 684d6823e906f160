/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_cib_util.h: shared helpers of the CIB follower's unit tests. */
#ifndef TEST_CIB_UTIL_H
#define TEST_CIB_UTIL_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cib/sipha_cib.h"

/* Path of a CIB file under tests/unit/data/cib (SIPHA_SRCDIR wins). */
static inline const char *cib_data(const char *name)
{
    static char path[4096];
    const char *src = getenv("SIPHA_SRCDIR");
    if (src != NULL) {
        snprintf(path, sizeof(path), "%s/tests/unit/data/cib/%s", src, name);
    } else {
        snprintf(path, sizeof(path), "%s/%s", CIB_TEST_DATA_DIR, name);
    }
    return path;
}

/* The proxy with this id, checked against node and draining. */
static inline bool set_has(const struct sipha_proxy_set *set, const char *id,
                           const char *node, bool draining)
{
    const struct sipha_proxy *p = sipha_proxy_set_find(set, id);
    return p != NULL && strcmp(p->node, node) == 0 && p->draining == draining;
}

#endif
