/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sip_scan.h: a minimal SIP message scanner for the dispatcher's hot path.
 *
 * It finds only what a stateless forwarder needs (start line, the first two
 * Via values, Call-ID, CSeq, Max-Forwards, To tag, Content-Length, the
 * header/body boundary) as offsets into the caller's buffer: no copy, no
 * allocation.  It is deliberately stricter than libosip2 where that is
 * cheap: a message it accepts must also be accepted by libosip2 with the
 * same Call-ID and top Via (tests/fuzz/fuzz_dispatcher_scan.c checks this).
 */
#ifndef SIPHA_DISPATCHER_SIP_SCAN_H
#define SIPHA_DISPATCHER_SIP_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A part of the message: offset and length in the scanned buffer. */
struct sip_span {
    uint32_t off;
    uint32_t len;
};

/* One Via value ("SIP/2.0/UDP host:port;params"). */
struct sip_via {
    bool present;
    struct sip_span value;      /* the whole value, from "SIP" to its last char */
    struct sip_span transport;  /* "UDP" */
    struct sip_span host;       /* without brackets for IPv6 references */
    bool host_is_v6ref;
    int port;                   /* 0 when absent */
    struct sip_span branch;     /* value of ;branch=, len 0 when absent */
    struct sip_span received;   /* value of ;received= */
    bool rport_present;
    struct sip_span rport_name; /* the "rport" token, to fill in a value */
    int rport;                  /* value of ;rport=N, 0 when empty */
    struct sip_span rport_value;
    /* Where the Via header holding this value starts and ends (incl. CRLF),
     * and whether it holds other values too. */
    struct sip_span header;
    bool header_has_more;       /* another value follows in the same header */
    uint32_t next_value_off;    /* where that value starts */
};

struct sip_msg {
    bool is_request;
    struct sip_span method;     /* requests */
    struct sip_span ruri;       /* requests: any absoluteURI */
    bool ruri_strict;           /* sip:, sips: or tel: by the strict rules (libosip2's) */
    int status;                 /* responses */
    struct sip_via via[2];      /* top and second Via */
    int via_count;              /* Via values seen (saturates at 3) */
    struct sip_span call_id;
    struct sip_span call_id_header;
    struct sip_span from_header;
    struct sip_span to_header;
    struct sip_span to_value;
    bool to_tag;
    /* To and From read exactly (name-addr or addr-spec, known scheme, no
     * NUL).  A forwarder needs neither (only the To tag, found outside
     * quotes and angle brackets when the rest is unreadable): a request
     * whose To or From it cannot read is still forwarded untouched. */
    bool to_readable;
    bool from_readable;
#define SIP_MAX_VIA_HEADERS 16
    struct sip_span via_headers[SIP_MAX_VIA_HEADERS];  /* for replies */
    int via_header_count;       /* > SIP_MAX_VIA_HEADERS: some not kept */
    struct sip_span cseq_header;
    uint32_t cseq_number;
    struct sip_span cseq_method;
    int max_forwards;           /* -1 when absent */
    struct sip_span max_forwards_value;
    long content_length;        /* -1 when absent */
    uint32_t headers_end;       /* offset of the empty line ending the headers */
    uint32_t body_off;          /* first byte of the body */
    uint32_t first_header_off;  /* first byte after the start line */
    bool lf_only;               /* lines end in LF, not CRLF: say so when adding one */
};

enum sip_scan_rc {
    SIP_SCAN_OK = 0,
    SIP_SCAN_EMPTY = -1,        /* keep-alive (CRLF only) */
    SIP_SCAN_BAD_START = -2,
    SIP_SCAN_BAD_HEADER = -3,
    SIP_SCAN_MISSING = -4,      /* a mandatory header is missing */
    SIP_SCAN_BAD_VIA = -5,
    SIP_SCAN_BAD_LENGTH = -6,
};

/* Scan LEN bytes of BUF into MSG.  Returns SIP_SCAN_OK or a negative
 * enum sip_scan_rc.  LEN must be below 2^31. */
int sip_scan(const char *buf, size_t len, struct sip_msg *msg);

/* Helpers on spans. */
bool sip_span_eq(const char *buf, struct sip_span s, const char *lit);
bool sip_span_caseeq(const char *buf, struct sip_span s, const char *lit);

/* Parse one Via value starting at BUF[OFF] up to END (end of the header
 * value, excluding CRLF).  Fills V (value, transport, host, port, params)
 * and returns the offset just after the value (at ',' or END), or -1.
 * Exposed for the unit tests. */
long sip_scan_via_value(const char *buf, uint32_t off, uint32_t end, struct sip_via *v);

#endif
