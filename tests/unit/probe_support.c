/* SPDX-License-Identifier: GPL-2.0-or-later */
/* probe_support.c: turn a probe's request into responses for tests. */
#include <config.h>

#include <string.h>

#include <glib.h>

#include "probe_support.h"

char *
probe_test_response(const char *request, int code, const char *reason)
{
    const char *headers = strstr(request, "\r\n");

    g_assert(headers != NULL);
    return g_strdup_printf("SIP/2.0 %d %s%s", code, reason, headers);
}

void
probe_test_replace(char *text, const char *from, const char *to)
{
    char *at = strstr(text, from);

    g_assert(at != NULL);
    g_assert(strlen(from) == strlen(to));
    memcpy(at, to, strlen(to));
}
