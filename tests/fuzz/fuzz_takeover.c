/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_takeover.c: libFuzzer target for the fast takeover's parsers and
 * decisions.  The first byte picks the path:
 *   even: the input is a peer heartbeat datagram; what decodes must encode
 *         back to the same bytes, and is then fed to a takeover state;
 *   odd:  the input is a successor table (sipha-successors' output); what
 *         parses is installed in a state and ticked, with heartbeats from
 *         its peers steered by the input's last bytes.
 * Invariants checked: no crash or sanitizer report, strings terminated,
 * claims only for SAPs whose successor is this node.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "takeover_msg.h"
#include "takeover_state.h"
#include "takeover_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct disp_key key = { 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull };

static struct takeover_params params = {
    .port = 5097, .timeout_us = 160000, .skew_ms = 2000,
    .confirm_timeout_us = 30000000, .require_witness = true,
};

static void
fuzz_msg(const uint8_t *data, size_t size)
{
    struct takeover_msg msg;
    uint8_t again[TAKEOVER_MSG_MAX];
    struct takeover_state st;
    struct sockaddr_storage src;
    int len;

    if (takeover_msg_decode(data, size, &key, &msg) != TAKEOVER_MSG_OK) {
        return;
    }
    len = takeover_msg_encode(&msg, &key, again, sizeof(again));
    if (len != (int) size || memcmp(again, data, size) != 0) {
        abort();
    }
    takeover_state_init(&st, &params);
    sipha_sockaddr_from_ip("192.0.2.1", 9, 5097, &src);
    takeover_state_receive(&st, &msg, &src, 1000, msg.sent_ms);
}

static void
fuzz_table(const uint8_t *data, size_t size)
{
    static struct takeover_state st;
    struct takeover_table t;
    char err[160];
    int released[TAKEOVER_SAPS_MAX], due[TAKEOVER_SAPS_MAX];
    enum takeover_release why[TAKEOVER_SAPS_MAX];
    uint64_t now = 1000000;
    size_t steer = size > 8 ? 8 : size;

    if (takeover_table_parse((const char *) data, size, &t, err, sizeof(err)) != 0) {
        if (strlen(err) == 0) {
            abort();                        /* every refusal says why */
        }
        return;
    }
    takeover_state_init(&st, &params);
    takeover_state_set_table(&st, &t, now, released, why);
    for (size_t round = 0; round < 16; round++) {
        uint8_t bits = data[size - 1 - (round % steer)];

        now += 20000;
        for (int i = 0; i < st.peer_count; i++) {
            if (bits & (1u << (i % 8))) {
                struct takeover_msg m = { .seq = round + 1, .sent_ms = 5000 };

                memcpy(m.name, st.peers[i].name, sizeof(m.name));
                takeover_state_receive(&st, &m, &st.peers[i].addr, now, 5000);
            }
        }
        if (bits & 0x80) {
            now += 400000;                  /* some silence */
        }
        for (int n = takeover_state_tick(&st, now, due), i = 0; i < n; i++) {
            if (strcmp(st.table.saps[due[i]].successor, st.table.self) != 0) {
                abort();
            }
            takeover_state_claimed(&st, due[i], now);
        }
    }
    takeover_state_set_table(&st, &t, now, released, why);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    if (data[0] % 2 == 0) {
        fuzz_msg(data + 1, size - 1);
    } else {
        fuzz_table(data + 1, size - 1);
    }
    return 0;
}
