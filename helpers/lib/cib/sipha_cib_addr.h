/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_cib_addr.h: the proxy identity key "transport:host:port" of a
 * configured SIP address, by the probe library's sipha_sip_addr_parse() /
 * sipha_sip_addr_format() (helpers/lib/sip/sipha_sip_addr.h), the one key every
 * sipha component uses.  The only place the CIB follower depends on them.
 */
#ifndef SIPHA_CIB_ADDR_H
#define SIPHA_CIB_ADDR_H

#include <stddef.h>

#define SIPHA_CIB_KEY_MAX 272

/* Write the key of text ("sip:h:p;transport=tcp", "h:p", "[v6]:p", "h",
 * "udp:h:p"; blanks around it ignored) into buf.  default_transport: "udp"
 * or "tcp", used when text names none.  Returns the key length, -EINVAL
 * (syntax), -EPROTONOSUPPORT (sips, tls, ...), -ENAMETOOLONG or -ENOSPC. */
int sipha_cib_address_key(const char *text, const char *default_transport,
                          char *buf, size_t len);

#endif
