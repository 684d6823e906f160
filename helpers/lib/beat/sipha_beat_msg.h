/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_beat_msg.h: the heartbeat wire message multicast in the CPG group.
 *
 * Layout (version 1, all integers big-endian; docs/heartbeat.md has the
 * table and the versioning rules):
 *
 *   0  magic "SPHB"      4    16 boot id       8   40 beat state      1
 *   4  version (1)       1    24 sequence      8   41 reserved (0)    1
 *   5  type              1    32 counter       8   42 load CPU permille 2
 *   6  header length     2                         44 load active     4
 *   8  total length      2                         48 name, then address
 *                                                   (or 48 MAC, 64 name, when
 *                                                    flag MAC: sipha_beat_auth.h)
 *  10  name length       1
 *  11  address length    1
 *  12  flags             4
 *
 * Decoding is strict: anything that does not match exactly is rejected with
 * a reason, so a receiver can count it and move on.
 */
#ifndef SIPHA_BEAT_MSG_H
#define SIPHA_BEAT_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIPHA_BEAT_MAGIC        0x53504842u     /* "SPHB" */
#define SIPHA_BEAT_VERSION      1
#define SIPHA_BEAT_HEADER_LEN   48              /* fixed part of version 1 */
#define SIPHA_BEAT_NAME_MAX     63
#define SIPHA_BEAT_ADDR_MAX     127
/* header extension of an authenticated message: a 16-byte MAC at 48 */
#define SIPHA_BEAT_MAC_LEN      16
#define SIPHA_BEAT_HEADER_MAC_LEN (SIPHA_BEAT_HEADER_LEN + SIPHA_BEAT_MAC_LEN)
#define SIPHA_BEAT_MSG_MAX      (SIPHA_BEAT_HEADER_MAC_LEN + SIPHA_BEAT_NAME_MAX + SIPHA_BEAT_ADDR_MAX)

#define SIPHA_BEAT_FLAG_LOAD    0x1u            /* load fields are meaningful */
#define SIPHA_BEAT_FLAG_MAC     0x2u            /* bytes 48-63 hold a MAC (sipha_beat_auth.h) */

enum sipha_beat_type {
    SIPHA_BEAT_TYPE_BEAT = 1,   /* a sipha-beat's heartbeat */
    SIPHA_BEAT_TYPE_TICK = 2,   /* a watcher's ring tick (no name, no address) */
};

/* What the beat daemon knows about its proxy. */
enum sipha_beat_state {
    SIPHA_BEAT_OK = 0,              /* last probe answered in time: counter grows */
    SIPHA_BEAT_STARTING = 1,        /* no probe verdict yet */
    SIPHA_BEAT_PROBE_TIMEOUT = 2,   /* no answer within the deadline */
    SIPHA_BEAT_PROBE_REFUSED = 3,   /* ICMP port unreachable / connection refused */
    SIPHA_BEAT_PROBE_BAD_CODE = 4,  /* answered with a code not accepted */
    SIPHA_BEAT_PROBE_ERROR = 5,     /* local error (socket, unreachable) */
    SIPHA_BEAT_STOPPING = 6,        /* last message before a clean exit */
    SIPHA_BEAT_STATE_MAX = SIPHA_BEAT_STOPPING,
};

/* Decoding errors (returned negated). */
enum sipha_beat_msg_error {
    SIPHA_BEAT_ESHORT = 1,      /* shorter than the fixed header */
    SIPHA_BEAT_EMAGIC,          /* not a sipha message */
    SIPHA_BEAT_EVERSION,        /* unknown major version */
    SIPHA_BEAT_ELENGTH,         /* lengths inconsistent with the buffer */
    SIPHA_BEAT_ETYPE,           /* unknown type */
    SIPHA_BEAT_EFIELD,          /* a field out of range or badly formed */
};

typedef struct sipha_beat_msg {
    uint8_t type;                   /* enum sipha_beat_type */
    uint8_t beat_state;             /* enum sipha_beat_state */
    uint32_t flags;                 /* SIPHA_BEAT_FLAG_* */
    uint64_t boot_id;               /* random, fixed for the life of a sender */
    uint64_t seq;                   /* +1 for every message of this sender */
    uint64_t counter;               /* the heartbeat counter */
    uint16_t load_cpu_permille;     /* 0..1000 */
    uint32_t load_active;
    char name[SIPHA_BEAT_NAME_MAX + 1];             /* [A-Za-z0-9._-]{1,63} */
    char sip_address[SIPHA_BEAT_ADDR_MAX + 1];      /* "transport:host:port" */
} sipha_beat_msg_t;

/* Encode msg into buf.  Returns the length written, -EINVAL for a message
 * that would not decode (bad name, address, type or state), -ENOSPC when
 * buf_len is too small. */
int sipha_beat_msg_encode(const sipha_beat_msg_t *msg, uint8_t *buf, size_t buf_len);

/* Decode exactly len bytes.  Returns 0 or -enum sipha_beat_msg_error; msg is
 * only meaningful on 0. */
int sipha_beat_msg_decode(const void *buf, size_t len, sipha_beat_msg_t *msg);

const char *sipha_beat_msg_strerror(int rc);
const char *sipha_beat_state_str(uint8_t beat_state);

/* Field checks shared with the command line parsers. */
bool sipha_beat_name_valid(const char *name);
bool sipha_beat_address_valid(const char *sip_address);

#endif
