/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * takeover_msg.h: the dispatchers' peer heartbeat on the wire.
 *
 * Every dispatcher with the fast takeover on sends one datagram to each
 * peer dispatcher every interval.  It proves that the sender's forwarding
 * loop runs (it is sent from that loop), names the sender, and is
 * authenticated with a key derived from the dispatchers' shared secret.
 *
 *   offset size
 *        0    4  magic "SPHK"
 *        4    1  version (1)
 *        5    1  flags (TAKEOVER_MSG_LEAVING: the sender stops on purpose)
 *        6    1  name length N (1..TAKEOVER_NAME_MAX)
 *        7    1  zero
 *        8    8  boot id: random per process start
 *       16    8  sequence number, +1 per datagram of that boot
 *       24    8  sender's wall clock, ms since the epoch
 *       32    N  node name (as Pacemaker names the node)
 *     32+N    8  SipHash-2-4 of bytes 0..32+N-1 with the peer key
 * All integers big-endian.  The wall clock bounds replays to a window
 * (cluster nodes keep their clocks in step); sequence and boot id order
 * datagrams within it.
 */
#ifndef SIPHA_DISPATCHER_TAKEOVER_MSG_H
#define SIPHA_DISPATCHER_TAKEOVER_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mac.h"

#define TAKEOVER_NAME_MAX 64
#define TAKEOVER_MSG_MAX (32 + TAKEOVER_NAME_MAX + 8)

#define TAKEOVER_MSG_LEAVING 0x01u

struct takeover_msg {
    uint8_t flags;
    uint64_t boot_id;
    uint64_t seq;
    uint64_t sent_ms;
    char name[TAKEOVER_NAME_MAX + 1];
};

/* Reasons a datagram is refused: counted, never logged per datagram. */
enum takeover_msg_rc {
    TAKEOVER_MSG_OK = 0,
    TAKEOVER_MSG_MALFORMED = -1,    /* length, magic, version, name */
    TAKEOVER_MSG_BAD_MAC = -2,
};

/* A node name as heartbeats and the successor table carry it: 1 to
 * TAKEOVER_NAME_MAX printable ASCII characters, no space. */
bool takeover_name_ok(const char *name, size_t len);

/* Encode MSG into BUF (TAKEOVER_MSG_MAX bytes).  Returns the length, or
 * TAKEOVER_MSG_MALFORMED when the name is empty or too long. */
int takeover_msg_encode(const struct takeover_msg *msg, const struct disp_key *key,
                        uint8_t *buf, size_t size);

/* Decode and authenticate LEN bytes.  Returns TAKEOVER_MSG_OK and fills
 * MSG, or a negative enum takeover_msg_rc. */
int takeover_msg_decode(const uint8_t *buf, size_t len, const struct disp_key *key,
                        struct takeover_msg *msg);

#endif
