/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_probe_response.c: libFuzzer target for everything a peer's bytes go
 * through in the prober: datagram matching (sipha_sip_match_response) and
 * TCP stream framing (skip CRLF, message length, then matching), with the
 * properties the prober relies on checked as assertions.
 */
#include <config.h>

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_probe_ids.h"
#include "probe/sipha_probe.h"
#include "probe/sipha_sip_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sipha_sip_probe_ids ids;

static void
init_ids(void)
{
    if (ids.cseq == 0) {
        sipha_sip_msg_init();
        strcpy(ids.branch, FUZZ_PROBE_BRANCH);
        strcpy(ids.call_id, FUZZ_PROBE_CALL_ID);
        strcpy(ids.from_tag, FUZZ_PROBE_FROM_TAG);
        ids.cseq = FUZZ_PROBE_CSEQ;
    }
}

static void
check_match(const char *buf, size_t len)
{
    struct sipha_sip_response resp;

    memset(&resp, 0, sizeof(resp));
    if (sipha_sip_match_response(buf, len, &ids, &resp) == SIPHA_SIP_MATCH) {
        assert((resp.status_code >= 100) && (resp.status_code <= 699));
        assert(strlen(resp.reason) < sizeof(resp.reason));
        for (const char *c = resp.reason; *c != '\0'; c++) {
            assert((*c >= 0x20) && (*c < 0x7f));
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *) data;
    size_t off = 0;

    init_ids();
    check_match(buf, size);                     /* the UDP path */
    while (off < size) {                        /* the TCP path */
        ssize_t len;

        off += sipha_sip_stream_skip_crlf(buf + off, size - off);
        len = sipha_sip_stream_message_length(buf + off, size - off,
                                              SIPHA_PROBE_MAX_MESSAGE_BYTES);
        if (len <= 0) {
            break;
        }
        assert((size_t) len <= size - off);
        check_match(buf + off, (size_t) len);
        off += (size_t) len;
    }
    return 0;
}
