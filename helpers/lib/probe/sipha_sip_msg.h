/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_sip_msg.h: the OPTIONS request of one probe and the test whether a
 * received message is its response (libosip2).  No I/O: the prober, the unit
 * tests and the fuzzer share it.  Internal to the probe library.
 */
#ifndef SIPHA_SIP_MSG_H
#define SIPHA_SIP_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sip/sipha_sip_addr.h"

/* What makes a response ours (RFC 3261 17.1.3 plus Call-ID). */
struct sipha_sip_probe_ids {
    char branch[48];            /* "z9hG4bK" + random hex */
    char call_id[64];           /* random hex "@sipha" */
    char from_tag[24];
    uint32_t cseq;
};

enum sipha_sip_match {
    SIPHA_SIP_MATCH = 0,        /* our response; see status code */
    SIPHA_SIP_FOREIGN,          /* a SIP response, someone else's */
    SIPHA_SIP_MALFORMED,        /* not a parseable SIP response */
    SIPHA_SIP_OVERSIZED,        /* longer than SIPHA_PROBE_MAX_MESSAGE_BYTES */
};

struct sipha_sip_response {
    int status_code;            /* 100-699 */
    char reason[64];            /* printable ASCII only, truncated */
};

/* Call once before any other function (idempotent, thread-safe). */
void sipha_sip_msg_init(void);

/* Fresh random branch, Call-ID and From tag; cseq as given. */
void sipha_sip_ids_generate(struct sipha_sip_probe_ids *ids, uint32_t cseq);

/*
 * Build the OPTIONS request for target, sent from local_host:local_port
 * (local_host an address literal, as in the Via sent-by).  *out gets a
 * NUL-terminated malloc()ed text (free() it), *out_len its length.
 * Returns 0 or -ENOMEM / -EINVAL.
 */
int sipha_sip_build_options(const struct sipha_sip_addr *target, const char *local_host,
                            uint16_t local_port, const struct sipha_sip_probe_ids *ids,
                            char **out, size_t *out_len);

/*
 * A request built once by libosip2 and re-used: between probes from one
 * socket only the branch, Call-ID, From tag and CSeq number change, and they
 * are rewritten in place (building with libosip2 costs 3 times a parse).
 */
struct sipha_sip_request {
    char *text;                 /* NUL-terminated, malloc()ed */
    size_t len;
    size_t at[4];               /* offsets of branch, Call-ID, tag, CSeq number */
    size_t width[4];            /* their lengths; 0: not found, no rewriting */
};

/* Build req (freeing what it held) with libosip2.  0 or -ENOMEM / -EINVAL. */
int sipha_sip_request_build(struct sipha_sip_request *req, const struct sipha_sip_addr *target,
                            const char *local_host, uint16_t local_port,
                            const struct sipha_sip_probe_ids *ids);

/* Rewrite req for new ids.  0, or -EAGAIN when a field's width differs
 * (build again then). */
int sipha_sip_request_update(struct sipha_sip_request *req, const struct sipha_sip_probe_ids *ids);

void sipha_sip_request_clear(struct sipha_sip_request *req);

/* Is buf[0..len) the response to the request with ids?  Fills *resp on a
 * match.  Any bytes are safe: never reads past len. */
enum sipha_sip_match sipha_sip_match_response(const char *buf, size_t len,
                                              const struct sipha_sip_probe_ids *ids,
                                              struct sipha_sip_response *resp);

/*
 * Stream framing (TCP): the length of the first complete message in
 * buf[0..len), which starts at a message (drop CRLF keep-alives first with
 * sipha_sip_stream_skip_crlf()); 0 when more bytes are needed; -EMSGSIZE when it exceeds max_bytes; -EBADMSG when its
 * Content-Length is missing-and-needed or invalid.
 */
ssize_t sipha_sip_stream_message_length(const char *buf, size_t len, size_t max_bytes);

/* How many leading CR/LF bytes (RFC 5626 keep-alives) buf[0..len) has. */
size_t sipha_sip_stream_skip_crlf(const char *buf, size_t len);

#endif
