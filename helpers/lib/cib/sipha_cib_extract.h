/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_cib_extract.h: the pure part of the CIB follower: CIB XML in,
 * proxy set out.  No connection, no main loop; unit-tested with CIB files.
 */
#ifndef SIPHA_CIB_EXTRACT_H
#define SIPHA_CIB_EXTRACT_H

#include <libxml/tree.h>

#include "cib/sipha_cib.h"

/* Extract the proxy set of opts->resource from a whole CIB (<cib> root).
 * *set is filled (normalized: sorted by id, ids unique) and must be empty on
 * entry.  Returns 0, -ENOENT when the resource is not in the configuration
 * (*set stays empty), -EINVAL (no <cib> root, bad options) or -ENOMEM.
 * Instances without a usable SIP address are left out and logged. */
int sipha_proxyset_extract(xmlNode *cib_root, const struct sipha_cib_options *opts,
                           struct sipha_proxy_set *set);

/* Same, from CIB XML text; -EINVAL when it does not parse. */
int sipha_proxyset_extract_string(const char *xml, const struct sipha_cib_options *opts,
                                  struct sipha_proxy_set *set);

/* Same, from a CIB XML file; -EINVAL when it does not parse, -EIO when it
 * cannot be opened. */
int sipha_proxyset_extract_file(const char *path, const struct sipha_cib_options *opts,
                                struct sipha_proxy_set *set);

/* Pacemaker's truth values ("true", "on", "yes", "y", "1"; any case). */
int sipha_cib_is_true(const char *value);

#endif
