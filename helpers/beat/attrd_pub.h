/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * attrd_pub.h: publish proxy states as transient Pacemaker node attributes
 * (PREFIX<name> = up|down|unknown|conflict on the local node), on change
 * only, through attrd_updater, one update at a time, retried on failure.
 */
#ifndef SIPHA_ATTRD_PUB_H
#define SIPHA_ATTRD_PUB_H

#include <stdint.h>
#include <glib.h>

typedef struct attrd_pub attrd_pub_t;

/* updater: the attrd_updater program (NULL: "attrd_updater" from PATH). */
attrd_pub_t *attrd_pub_new(GMainContext *ctx, const char *prefix, const char *updater);
void attrd_pub_free(attrd_pub_t *pub);

/* Want PREFIX<name> = value; nothing is run if that is already published. */
void attrd_pub_set(attrd_pub_t *pub, const char *name, const char *value);

/* Updates run so far (successful, failed). */
void attrd_pub_counts(const attrd_pub_t *pub, uint64_t *ok, uint64_t *failed);

#endif
