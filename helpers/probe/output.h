/* SPDX-License-Identifier: GPL-2.0-or-later */
/* output.h: sipha-probe's result lines (human or JSON Lines). */
#ifndef SIPHA_PROBE_OUTPUT_H
#define SIPHA_PROBE_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "probe/sipha_probe.h"

struct output_options {
    bool json;          /* one JSON object per line */
    bool verbose;       /* human lines show transmissions and ignored counts */
    bool quiet;         /* nothing: the exit code says it */
    bool with_time;     /* continuous mode: UTC timestamp on each line */
};

bool probe_result_is_alive(const struct sipha_probe_result *result);

void probe_print_result(FILE *out, const struct output_options *opts,
                        const struct sipha_sip_addr *target,
                        const struct sipha_probe_result *result);

#endif
