/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_cib_addr.c: proxy identity key of a SIP address (see the header),
 * through the probe library's parser (sipha_sip_addr.h), so the CIB
 * follower, the probe and the dispatcher agree on every key.
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "cib/sipha_cib_addr.h"
#include "sip/sipha_sip_addr.h"

int sipha_cib_address_key(const char *text, const char *default_transport,
                          char *buf, size_t len)
{
    enum sipha_sip_transport transport;
    struct sipha_sip_addr addr;
    char trimmed[SIPHA_SIP_URI_MAX + 64];

    if (text == NULL || buf == NULL) {
        return -EINVAL;
    }
    if (default_transport == NULL || strcmp(default_transport, "udp") == 0) {
        transport = SIPHA_SIP_UDP;
    } else if (strcmp(default_transport, "tcp") == 0) {
        transport = SIPHA_SIP_TCP;
    } else {
        return -EPROTONOSUPPORT;
    }
    /* CIB values are typed by hand: ignore surrounding blanks */
    while (isspace((unsigned char) *text)) {
        text++;
    }
    size_t n = strlen(text);
    while (n > 0 && isspace((unsigned char) text[n - 1])) {
        n--;
    }
    if (n >= sizeof(trimmed)) {
        return -ENAMETOOLONG;
    }
    memcpy(trimmed, text, n);
    trimmed[n] = '\0';

    int rc = sipha_sip_addr_parse(trimmed, transport, &addr);
    if (rc < 0) {
        return rc;
    }
    rc = sipha_sip_addr_format(&addr, buf, len);
    return rc;
}
