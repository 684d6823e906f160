/* SPDX-License-Identifier: GPL-2.0-or-later */
/* probe_support.h: turn a probe's request into responses for tests. */
#ifndef SIPHA_TEST_PROBE_SUPPORT_H
#define SIPHA_TEST_PROBE_SUPPORT_H

#include <stddef.h>

/*
 * The response a UAS would send to request: status line "SIP/2.0 CODE
 * REASON", then the request's headers unchanged (Via, From, To, Call-ID,
 * CSeq...).  Returns a g_malloc()ed string.
 */
char *probe_test_response(const char *request, int code, const char *reason);

/* Replace the first occurrence of from with to (same length) in text. */
void probe_test_replace(char *text, const char *from, const char *to);

#endif
