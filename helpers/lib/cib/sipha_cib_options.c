/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_cib_options.c: the CIB follower's option defaults (apart from the
 * connection code, so the pure extraction links without libcib).
 */
#include <config.h>

#include <string.h>

#include "cib/sipha_cib.h"

void sipha_cib_options_init(struct sipha_cib_options *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->address_param = "sip_address";
    opts->address_attr = "sipha-sip-address";
    opts->drain_attr = "sipha-drain";
    opts->default_transport = "udp";
    opts->coalesce_ms = 20;
    opts->reconnect_min_ms = 100;
    opts->reconnect_max_ms = 5000;
    opts->poll_ms = 500;
}
