/* SPDX-License-Identifier: GPL-2.0-or-later */
/* output.h: how sipha-proxyset prints a proxy set (text or JSON lines). */
#ifndef SIPHA_PROXYSET_OUTPUT_H
#define SIPHA_PROXYSET_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "cib/sipha_cib.h"

/* once: a single read (text: just the proxy lines). */
void proxyset_print(FILE *out, const struct sipha_cib_report *report, bool json, bool once);

#endif
