/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * beat-inject: a test tool that joins a CPG group and multicasts what a
 * watcher must never trust, so tests/integration/beat-garbage.test can check
 * that it is ignored and counted.
 *
 *   beat-inject [--group G] --garbage N   N malformed messages (cycling
 *                                         through every decoding error)
 *   beat-inject [--group G] --forge       two well-formed ticks with
 *                                         different boot ids from one process
 *                                         (the second is an unknown sender)
 *   beat-inject [--group G] --veto NAME ADDR   5 well-formed beats of NAME
 *                                         at ADDR reporting probe-timeout
 *   beat-inject [--group G] --alive NAME ADDR N   N well-formed beats of
 *                                         NAME at ADDR reporting ok, the
 *                                         counter growing, 100 ms apart
 *   beat-inject [--group G] --flood N     well-formed beats of N new names,
 *                                         each at its own address
 *   --key-file FILE                       sign --veto and --flood beats
 *                                         (sipha_beat_auth.h)
 *
 * Prints "malformed=N forged=M beats=B" and exits 0 once everything was
 * multicast.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <corosync/cpg.h>

#include "beat/sipha_beat_auth.h"
#include "beat/sipha_beat_msg.h"

static cpg_handle_t handle;

static void deliver(cpg_handle_t h, const struct cpg_name *group, uint32_t nodeid,
                    uint32_t pid, void *msg, size_t len)
{
}

static int send_raw(const void *buf, size_t len)
{
    struct iovec iov = { .iov_base = (void *) buf, .iov_len = len };
    cs_error_t rc;
    int tries = 0;

    do {
        rc = cpg_mcast_joined(handle, CPG_TYPE_AGREED, &iov, 1);
        if (rc == CS_ERR_TRY_AGAIN) {
            usleep(10000);
        }
    } while (rc == CS_ERR_TRY_AGAIN && ++tries < 500);
    return rc == CS_OK ? 0 : -1;
}

/* Message number i of the garbage cycle: each hits a different check. */
static size_t make_garbage(unsigned i, uint8_t *buf)
{
    sipha_beat_msg_t m;
    size_t len;

    memset(&m, 0, sizeof(m));
    m.type = SIPHA_BEAT_TYPE_BEAT;
    m.boot_id = 0x1234;
    m.counter = i;
    strcpy(m.name, "injected");
    strcpy(m.sip_address, "udp:127.0.0.1:21999");
    len = (size_t) sipha_beat_msg_encode(&m, buf, SIPHA_BEAT_MSG_MAX);
    switch (i % 8) {
        case 0:                                     /* random bytes */
            for (size_t j = 0; j < 40; j++) {
                buf[j] = (uint8_t) rand();
            }
            buf[0] = 'x';
            return 40;
        case 1:
            buf[0] = 'Z';                           /* magic */
            return len;
        case 2:
            buf[4] = 9;                             /* version */
            return len;
        case 3:
            return 20;                              /* too short */
        case 4:
            return len - 1;                         /* truncated */
        case 5:
            buf[5] = 77;                            /* type */
            return len;
        case 6:
            buf[SIPHA_BEAT_HEADER_LEN] = '/';       /* name character */
            return len;
        default:
            buf[40] = 250;                          /* beat state */
            return len;
    }
}

static const sipha_beat_key_t *key;

/* One well-formed beat from this process (boot id fixed), signed with key. */
static int send_beat(const char *beat_name, const char *address, uint64_t counter,
                     uint8_t state)
{
    sipha_beat_msg_t m;
    uint8_t buf[SIPHA_BEAT_MSG_MAX];
    unsigned int nodeid = 0;
    int len;

    memset(&m, 0, sizeof(m));
    m.type = SIPHA_BEAT_TYPE_BEAT;
    m.boot_id = 0xbad0000 + (uint64_t) getpid();
    m.seq = counter;
    m.counter = counter;
    m.beat_state = state;
    m.flags = key != NULL ? SIPHA_BEAT_FLAG_MAC : 0;
    snprintf(m.name, sizeof(m.name), "%s", beat_name);
    snprintf(m.sip_address, sizeof(m.sip_address), "%s", address);
    len = sipha_beat_msg_encode(&m, buf, sizeof(buf));
    if (len < 0 || cpg_local_get(handle, &nodeid) != CS_OK
        || (key != NULL && sipha_beat_sign(buf, (size_t) len, nodeid, key) != 0)) {
        return -1;
    }
    return send_raw(buf, (size_t) len);
}

static unsigned send_flood(unsigned n)
{
    unsigned sent = 0;

    for (unsigned i = 0; i < n; i++) {
        char beat_name[32], address[64];

        snprintf(beat_name, sizeof(beat_name), "flood%u", i);
        snprintf(address, sizeof(address), "udp:10.%u.%u.%u:5060", 200 + (i >> 16),
                 (i >> 8) & 0xff, i & 0xff);
        sent += send_beat(beat_name, address, 1, SIPHA_BEAT_OK) == 0;
    }
    return sent;
}

int main(int argc, char **argv)
{
    cpg_callbacks_t callbacks = { .cpg_deliver_fn = deliver, .cpg_confchg_fn = NULL };
    const char *group = "sipha";
    struct cpg_name name;
    unsigned garbage = 0, malformed = 0, forged = 0, flood = 0, beats = 0;
    int forge = 0;
    const char *veto_name = NULL, *veto_address = NULL;
    const char *alive_name = NULL, *alive_address = NULL;
    unsigned alive = 0;
    sipha_beat_key_t key_storage;
    uint8_t buf[SIPHA_BEAT_MSG_MAX];

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--group") == 0 && i + 1 < argc) {
            group = argv[++i];
        } else if (strcmp(argv[i], "--garbage") == 0 && i + 1 < argc) {
            garbage = (unsigned) atoi(argv[++i]);
        } else if (strcmp(argv[i], "--forge") == 0) {
            forge = 1;
        } else if (strcmp(argv[i], "--veto") == 0 && i + 2 < argc) {
            veto_name = argv[++i];
            veto_address = argv[++i];
        } else if (strcmp(argv[i], "--alive") == 0 && i + 3 < argc) {
            alive_name = argv[++i];
            alive_address = argv[++i];
            alive = (unsigned) atoi(argv[++i]);
        } else if (strcmp(argv[i], "--flood") == 0 && i + 1 < argc) {
            flood = (unsigned) atoi(argv[++i]);
        } else if (strcmp(argv[i], "--key-file") == 0 && i + 1 < argc) {
            if (sipha_beat_key_load(argv[++i], &key_storage) != 0) {
                fprintf(stderr, "beat-inject: cannot use key file %s\n", argv[i]);
                return 2;
            }
            key = &key_storage;
        } else {
            fprintf(stderr, "usage: beat-inject [--group G] [--garbage N] [--forge]"
                    " [--veto NAME ADDR] [--alive NAME ADDR N] [--flood N]"
                    " [--key-file FILE]\n");
            return 2;
        }
    }
    if (cpg_initialize(&handle, &callbacks) != CS_OK) {
        fprintf(stderr, "beat-inject: cannot connect to corosync\n");
        return 3;
    }
    name.length = (uint32_t) strlen(group);
    memcpy(name.value, group, name.length);
    if (cpg_join(handle, &name) != CS_OK) {
        fprintf(stderr, "beat-inject: cannot join %s\n", group);
        return 3;
    }
    srand((unsigned) getpid());
    for (unsigned i = 0; i < garbage; i++) {
        size_t len = make_garbage(i, buf);

        if (send_raw(buf, len) == 0) {
            malformed++;
        }
    }
    if (forge) {
        sipha_beat_msg_t m;

        memset(&m, 0, sizeof(m));
        m.type = SIPHA_BEAT_TYPE_TICK;
        for (uint64_t boot = 1; boot <= 2; boot++) {
            int len;

            m.boot_id = 0xf00d0000 + boot;
            m.seq = boot;
            len = sipha_beat_msg_encode(&m, buf, sizeof(buf));
            if (len > 0 && send_raw(buf, (size_t) len) == 0) {
                forged++;
            }
        }
    }
    for (uint64_t c = 1; veto_name != NULL && c <= 5; c++) {
        beats += send_beat(veto_name, veto_address, c, SIPHA_BEAT_PROBE_TIMEOUT) == 0;
    }
    for (uint64_t c = 1; alive_name != NULL && c <= alive; c++) {
        beats += send_beat(alive_name, alive_address, c, SIPHA_BEAT_OK) == 0;
        usleep(100000);
    }
    beats += send_flood(flood);
    /* let Corosync deliver before we leave the group */
    usleep(300000);
    if (veto_name != NULL || alive_name != NULL || flood > 0) {
        printf("malformed=%u forged=%u beats=%u\n", malformed, forged, beats);
    } else {
        printf("malformed=%u forged=%u\n", malformed, forged);
    }
    cpg_leave(handle, &name);
    cpg_finalize(handle);
    return 0;
}
