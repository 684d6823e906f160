/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_beat_msg.c: libFuzzer target for the heartbeat wire codec and the
 * watcher's state machine.
 *
 * The input is decoded as a CPG message; what decodes must re-encode to the
 * same bytes (version-1 header) and is then fed to a watcher table together
 * with leave / evaluate / resume events steered by the input's last bytes,
 * so every table path sees hostile but well-formed messages.
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "beat/sipha_beat_msg.h"
#include "watch/sipha_watch_table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_change(const sipha_proxy_info_t *info, sipha_proxy_state_t old_state,
                      void *user_data)
{
    /* every string handed out must be a valid C string */
    (void) strlen(info->name);
    (void) strlen(info->sip_address);
    (void) strlen(info->reason);
    (void) strlen(info->beat_state);
    if (info->state > SIPHA_PROXY_CONFLICT || old_state > SIPHA_PROXY_CONFLICT) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sipha_beat_msg_t msg;
    uint8_t again[SIPHA_BEAT_MSG_MAX];
    sipha_watch_table_t *table;
    sipha_sender_t sender;
    uint64_t now_ms = 1000;
    int len;

    if (sipha_beat_msg_decode(data, size, &msg) != 0) {
        return 0;
    }
    len = sipha_beat_msg_encode(&msg, again, sizeof(again));
    if (len <= 0) {
        abort();                        /* decoded but cannot be encoded */
    }
    if (data[7] == SIPHA_BEAT_HEADER_LEN && data[6] == 0) {
        uint8_t want[SIPHA_BEAT_MSG_MAX];

        /* unknown flag bits and the reserved byte are ignored, by design */
        if ((size_t) len != size) {
            abort();
        }
        memcpy(want, data, size);
        want[12] = want[13] = want[14] = 0;
        want[15] &= SIPHA_BEAT_FLAG_LOAD;
        want[41] = 0;
        if (memcmp(again, want, size) != 0) {
            abort();                    /* not a faithful round trip */
        }
    }
    if (msg.type != SIPHA_BEAT_TYPE_BEAT) {
        return 0;
    }
    table = sipha_watch_table_new(300, 3, on_change, NULL);
    for (size_t i = 0; i < size && i < 64; i++) {
        uint8_t op = data[size - 1 - i];

        sender.nodeid = 1 + (op & 1);
        sender.pid = 100 + ((op >> 1) & 1);
        sender.boot_id = msg.boot_id + ((op >> 2) & 1);
        now_ms += (uint64_t) (op >> 3) * 20;
        switch (op % 5) {
            case 0:
                msg.counter += op & 3;
                sipha_watch_table_beat(table, now_ms, &sender, &msg);
                break;
            case 1:
                sipha_watch_table_leave(table, now_ms, sender.nodeid, sender.pid, "fuzz");
                break;
            case 2:
                sipha_watch_table_evaluate(table, now_ms, (op & 8) != 0);
                break;
            case 3:
                sipha_watch_table_resume(table, now_ms);
                break;
            default:
                msg.beat_state = op % (SIPHA_BEAT_STATE_MAX + 1);
                sipha_watch_table_beat(table, now_ms, &sender, &msg);
                break;
        }
    }
    (void) sipha_watch_table_lookup_address(table, msg.sip_address);
    sipha_watch_table_reset(table, "fuzz reset");
    sipha_watch_table_free(table);
    return 0;
}
