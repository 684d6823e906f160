/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * takeover_msg.c: encode and authenticate the peer heartbeat (takeover_msg.h).
 */
#include "config.h"

#include <string.h>

#include "takeover_msg.h"

#define HEADER_LEN 32
#define MAC_LEN 8
#define WIRE_VERSION 1

static const uint8_t magic[4] = { 'S', 'P', 'H', 'K' };

static void
put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t) v;
        v >>= 8;
    }
}

static uint64_t
get_be64(const uint8_t *p)
{
    uint64_t v = 0;

    for (int i = 0; i < 8; i++) {
        v = (v << 8) | p[i];
    }
    return v;
}

bool
takeover_name_ok(const char *name, size_t len)
{
    if (len == 0 || len > TAKEOVER_NAME_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char) name[i] <= ' ' || (unsigned char) name[i] >= 0x7f) {
            return false;
        }
    }
    return true;
}

int
takeover_msg_encode(const struct takeover_msg *msg, const struct disp_key *key,
                    uint8_t *buf, size_t size)
{
    size_t name_len = strnlen(msg->name, sizeof(msg->name));
    size_t len = HEADER_LEN + name_len + MAC_LEN;

    if (!takeover_name_ok(msg->name, name_len) || size < len) {
        return TAKEOVER_MSG_MALFORMED;
    }
    memcpy(buf, magic, sizeof(magic));
    buf[4] = WIRE_VERSION;
    buf[5] = msg->flags;
    buf[6] = (uint8_t) name_len;
    buf[7] = 0;
    put_be64(buf + 8, msg->boot_id);
    put_be64(buf + 16, msg->seq);
    put_be64(buf + 24, msg->sent_ms);
    memcpy(buf + HEADER_LEN, msg->name, name_len);
    put_be64(buf + HEADER_LEN + name_len, siphash24(buf, HEADER_LEN + name_len, key));
    return (int) len;
}

int
takeover_msg_decode(const uint8_t *buf, size_t len, const struct disp_key *key,
                    struct takeover_msg *msg)
{
    size_t name_len;

    if (len < HEADER_LEN + 1 + MAC_LEN || memcmp(buf, magic, sizeof(magic)) != 0
        || buf[4] != WIRE_VERSION || buf[7] != 0) {
        return TAKEOVER_MSG_MALFORMED;
    }
    name_len = buf[6];
    if (len != HEADER_LEN + name_len + MAC_LEN || !takeover_name_ok((const char *) buf + HEADER_LEN, name_len)) {
        return TAKEOVER_MSG_MALFORMED;
    }
    if (get_be64(buf + HEADER_LEN + name_len) != siphash24(buf, HEADER_LEN + name_len, key)) {
        return TAKEOVER_MSG_BAD_MAC;
    }
    memset(msg, 0, sizeof(*msg));
    msg->flags = buf[5];
    msg->boot_id = get_be64(buf + 8);
    msg->seq = get_be64(buf + 16);
    msg->sent_ms = get_be64(buf + 24);
    memcpy(msg->name, buf + HEADER_LEN, name_len);
    return TAKEOVER_MSG_OK;
}
