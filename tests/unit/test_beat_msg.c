/* SPDX-License-Identifier: GPL-2.0-or-later */
/* test_beat_msg.c: the heartbeat wire message: round trip and strict decoding. */
#include <config.h>

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "beat/sipha_beat_auth.h"
#include "beat/sipha_beat_msg.h"

static sipha_beat_msg_t sample(void)
{
    sipha_beat_msg_t m;

    memset(&m, 0, sizeof(m));
    m.type = SIPHA_BEAT_TYPE_BEAT;
    m.beat_state = SIPHA_BEAT_OK;
    m.flags = SIPHA_BEAT_FLAG_LOAD;
    m.boot_id = 0x0123456789abcdefULL;
    m.seq = 42;
    m.counter = 0xfffffffffULL;
    m.load_cpu_permille = 250;
    m.load_active = 17;
    strcpy(m.name, "proxy-1");
    strcpy(m.sip_address, "udp:127.0.0.1:5060");
    return m;
}

static int encode(const sipha_beat_msg_t *m, uint8_t *buf)
{
    int len = sipha_beat_msg_encode(m, buf, SIPHA_BEAT_MSG_MAX);

    ck_assert_int_gt(len, 0);
    return len;
}

START_TEST(test_round_trip)
{
    sipha_beat_msg_t m = sample(), d;
    uint8_t buf[SIPHA_BEAT_MSG_MAX];
    int len = encode(&m, buf);

    ck_assert_int_eq(len, SIPHA_BEAT_HEADER_LEN + 7 + 18);
    ck_assert_int_eq(sipha_beat_msg_decode(buf, (size_t) len, &d), 0);
    ck_assert_int_eq(d.type, m.type);
    ck_assert_int_eq(d.beat_state, m.beat_state);
    ck_assert_uint_eq(d.flags, SIPHA_BEAT_FLAG_LOAD);
    ck_assert_uint_eq(d.boot_id, m.boot_id);
    ck_assert_uint_eq(d.seq, 42);
    ck_assert_uint_eq(d.counter, 0xfffffffffULL);
    ck_assert_uint_eq(d.load_cpu_permille, 250);
    ck_assert_uint_eq(d.load_active, 17);
    ck_assert_str_eq(d.name, "proxy-1");
    ck_assert_str_eq(d.sip_address, "udp:127.0.0.1:5060");
}
END_TEST

START_TEST(test_wire_layout)
{
    sipha_beat_msg_t m = sample();
    uint8_t buf[SIPHA_BEAT_MSG_MAX];

    encode(&m, buf);
    /* big-endian, documented offsets (docs/heartbeat.md) */
    ck_assert_int_eq(memcmp(buf, "SPHB", 4), 0);
    ck_assert_int_eq(buf[4], 1);
    ck_assert_int_eq(buf[5], SIPHA_BEAT_TYPE_BEAT);
    ck_assert_int_eq(buf[6], 0);
    ck_assert_int_eq(buf[7], 48);
    ck_assert_int_eq(buf[10], 7);
    ck_assert_int_eq(buf[11], 18);
    ck_assert_int_eq(buf[16], 0x01);
    ck_assert_int_eq(buf[23], 0xef);
    ck_assert_int_eq(buf[31], 42);
    ck_assert_int_eq(buf[35], 0x0f);
    ck_assert_int_eq(buf[39], 0xff);
    ck_assert_int_eq(buf[43], 250);
    ck_assert_int_eq(buf[47], 17);
    ck_assert_int_eq(memcmp(buf + 48, "proxy-1udp:127.0.0.1:5060", 25), 0);
}
END_TEST

START_TEST(test_tick)
{
    sipha_beat_msg_t m, d;
    uint8_t buf[SIPHA_BEAT_MSG_MAX];
    int len;

    memset(&m, 0, sizeof(m));
    m.type = SIPHA_BEAT_TYPE_TICK;
    m.boot_id = 7;
    m.seq = 9;
    len = encode(&m, buf);
    ck_assert_int_eq(len, SIPHA_BEAT_HEADER_LEN);
    ck_assert_int_eq(sipha_beat_msg_decode(buf, (size_t) len, &d), 0);
    ck_assert_int_eq(d.type, SIPHA_BEAT_TYPE_TICK);
    ck_assert_uint_eq(d.seq, 9);
    /* a tick must not carry a name, a beat must */
    strcpy(m.name, "x");
    ck_assert_int_eq(sipha_beat_msg_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = sample();
    m.name[0] = '\0';
    ck_assert_int_eq(sipha_beat_msg_encode(&m, buf, sizeof(buf)), -EINVAL);
}
END_TEST

START_TEST(test_encode_rejects)
{
    sipha_beat_msg_t m = sample();
    uint8_t buf[SIPHA_BEAT_MSG_MAX];

    ck_assert_int_eq(sipha_beat_msg_encode(&m, buf, 10), -ENOSPC);
    strcpy(m.name, "bad name");
    ck_assert_int_eq(sipha_beat_msg_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = sample();
    strcpy(m.sip_address, "127.0.0.1:5060");
    ck_assert_int_eq(sipha_beat_msg_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = sample();
    m.beat_state = SIPHA_BEAT_STATE_MAX + 1;
    ck_assert_int_eq(sipha_beat_msg_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = sample();
    m.type = 9;
    ck_assert_int_eq(sipha_beat_msg_encode(&m, buf, sizeof(buf)), -EINVAL);
    m = sample();
    m.load_cpu_permille = 1001;
    ck_assert_int_eq(sipha_beat_msg_encode(&m, buf, sizeof(buf)), -EINVAL);
}
END_TEST

START_TEST(test_decode_rejects)
{
    sipha_beat_msg_t m = sample(), d;
    uint8_t buf[SIPHA_BEAT_MSG_MAX + 8], bad[SIPHA_BEAT_MSG_MAX + 8];
    size_t len = (size_t) encode(&m, buf);

    /* every truncation is refused */
    for (size_t n = 0; n < len; n++) {
        ck_assert_int_lt(sipha_beat_msg_decode(buf, n, &d), 0);
    }
    ck_assert_int_eq(sipha_beat_msg_decode(buf, 10, &d), -SIPHA_BEAT_ESHORT);
    /* trailing bytes */
    memcpy(bad, buf, len);
    bad[len] = 'x';
    ck_assert_int_eq(sipha_beat_msg_decode(bad, len + 1, &d), -SIPHA_BEAT_ELENGTH);

#define MUTATE(offset, value, expected) do { \
        memcpy(bad, buf, len); \
        bad[offset] = (value); \
        ck_assert_int_eq(sipha_beat_msg_decode(bad, len, &d), (expected)); \
    } while (0)
    MUTATE(0, 'X', -SIPHA_BEAT_EMAGIC);
    MUTATE(4, 2, -SIPHA_BEAT_EVERSION);
    MUTATE(4, 0, -SIPHA_BEAT_EVERSION);
    MUTATE(5, 3, -SIPHA_BEAT_ETYPE);
    MUTATE(7, 47, -SIPHA_BEAT_ELENGTH);         /* header shorter than v1 */
    MUTATE(9, (uint8_t) (len + 1), -SIPHA_BEAT_ELENGTH);
    MUTATE(10, 8, -SIPHA_BEAT_ELENGTH);         /* name length vs total */
    MUTATE(11, 200, -SIPHA_BEAT_ELENGTH);
    MUTATE(40, SIPHA_BEAT_STATE_MAX + 1, -SIPHA_BEAT_EFIELD);
    MUTATE(42, 0x04, -SIPHA_BEAT_EFIELD);       /* cpu permille 1024+ */
    MUTATE(48, ' ', -SIPHA_BEAT_EFIELD);        /* bad name character */
    MUTATE(50, '\0', -SIPHA_BEAT_EFIELD);       /* embedded NUL */
    MUTATE(55, 'X', -SIPHA_BEAT_EFIELD);        /* "udp:" -> "Xdp:" */
    MUTATE(len - 1, 'x', -SIPHA_BEAT_EFIELD);   /* port not numeric */
    /* a name/address split at the wrong place */
    memcpy(bad, buf, len);
    bad[10] = 6;
    bad[11] = 19;
    ck_assert_int_eq(sipha_beat_msg_decode(bad, len, &d), -SIPHA_BEAT_EFIELD);
#undef MUTATE
    ck_assert_str_eq(sipha_beat_msg_strerror(-SIPHA_BEAT_EMAGIC), "bad magic");
}
END_TEST

START_TEST(test_longer_header_accepted)
{
    /* A later minor revision appends header fields: a v1 reader skips them. */
    sipha_beat_msg_t m = sample(), d;
    uint8_t buf[SIPHA_BEAT_MSG_MAX], ext[SIPHA_BEAT_MSG_MAX + 8];
    size_t len = (size_t) encode(&m, buf);

    memcpy(ext, buf, SIPHA_BEAT_HEADER_LEN);
    memset(ext + SIPHA_BEAT_HEADER_LEN, 0xee, 8);
    memcpy(ext + SIPHA_BEAT_HEADER_LEN + 8, buf + SIPHA_BEAT_HEADER_LEN,
           len - SIPHA_BEAT_HEADER_LEN);
    ext[7] = SIPHA_BEAT_HEADER_LEN + 8;
    ext[9] = (uint8_t) (len + 8);
    ck_assert_int_eq(sipha_beat_msg_decode(ext, len + 8, &d), 0);
    ck_assert_str_eq(d.name, "proxy-1");
    ck_assert_str_eq(d.sip_address, "udp:127.0.0.1:5060");
}
END_TEST

START_TEST(test_field_checks)
{
    char longname[SIPHA_BEAT_NAME_MAX + 2];

    ck_assert(sipha_beat_name_valid("kamailio_1.a-b"));
    ck_assert(!sipha_beat_name_valid(""));
    ck_assert(!sipha_beat_name_valid("a/b"));
    ck_assert(!sipha_beat_name_valid("a\"b"));
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    ck_assert(!sipha_beat_name_valid(longname));
    longname[SIPHA_BEAT_NAME_MAX] = '\0';
    ck_assert(sipha_beat_name_valid(longname));

    ck_assert(sipha_beat_address_valid("udp:127.0.0.1:5060"));
    ck_assert(sipha_beat_address_valid("tcp:[::1]:5070"));
    ck_assert(sipha_beat_address_valid("udp:proxy1.example:1"));
    ck_assert(!sipha_beat_address_valid("udp:127.0.0.1:0"));
    ck_assert(!sipha_beat_address_valid("udp:127.0.0.1:65536"));
    ck_assert(!sipha_beat_address_valid("udp:127.0.0.1"));
    ck_assert(!sipha_beat_address_valid("ftp:127.0.0.1:21"));
    ck_assert(!sipha_beat_address_valid("udp::5060"));
    ck_assert(!sipha_beat_address_valid("udp:[::1:5060"));
    ck_assert(!sipha_beat_address_valid("udp:a b:5060"));
    ck_assert_str_eq(sipha_beat_state_str(SIPHA_BEAT_PROBE_TIMEOUT), "probe-timeout");
    ck_assert_str_eq(sipha_beat_state_str(200), "invalid");
}
END_TEST

/* Random bytes never crash the decoder and are (almost surely) refused. */
START_TEST(test_random_garbage)
{
    uint8_t buf[SIPHA_BEAT_MSG_MAX];
    sipha_beat_msg_t d;
    unsigned accepted = 0;

    srand(1);
    for (int i = 0; i < 20000; i++) {
        size_t len = (size_t) rand() % sizeof(buf);

        for (size_t j = 0; j < len; j++) {
            buf[j] = (uint8_t) rand();
        }
        if (i % 2 == 0 && len >= 8) {
            memcpy(buf, "SPHB\x01\x01", 6);    /* get past the first checks */
        }
        if (sipha_beat_msg_decode(buf, len, &d) == 0) {
            accepted++;
        }
    }
    ck_assert_uint_eq(accepted, 0);
}
END_TEST

/* ---- authenticated beats (sipha_beat_auth.h) ---- */

static const char secret[] = "0123456789abcdef-shared-secret";

static int signed_sample(uint8_t *buf, const sipha_beat_key_t *key, uint32_t nodeid)
{
    sipha_beat_msg_t m = sample();
    int len;

    m.flags |= SIPHA_BEAT_FLAG_MAC;
    len = sipha_beat_msg_encode(&m, buf, SIPHA_BEAT_MSG_MAX);
    ck_assert_int_gt(len, 0);
    ck_assert_int_eq(sipha_beat_sign(buf, (size_t) len, nodeid, key), 0);
    return len;
}

START_TEST(test_mac_round_trip)
{
    sipha_beat_key_t key;
    uint8_t buf[SIPHA_BEAT_MSG_MAX];
    sipha_beat_msg_t d, m = sample();
    int len;

    ck_assert_int_eq(sipha_beat_key_derive(secret, sizeof(secret) - 1, &key), 0);
    len = signed_sample(buf, &key, 7);
    ck_assert_int_eq(len, (int) (SIPHA_BEAT_HEADER_MAC_LEN + strlen(m.name)
                                 + strlen(m.sip_address)));
    /* a reader that knows no key decodes it as any version-1 message */
    ck_assert_int_eq(sipha_beat_msg_decode(buf, (size_t) len, &d), 0);
    ck_assert_str_eq(d.name, m.name);
    ck_assert_str_eq(d.sip_address, m.sip_address);
    ck_assert(sipha_beat_verify(buf, (size_t) len, 7, &key));
}
END_TEST

START_TEST(test_mac_rejects)
{
    sipha_beat_key_t key, other;
    uint8_t buf[SIPHA_BEAT_MSG_MAX], plain[SIPHA_BEAT_MSG_MAX];
    sipha_beat_msg_t m = sample();
    int len, plain_len;

    ck_assert_int_eq(sipha_beat_key_derive(secret, sizeof(secret) - 1, &key), 0);
    ck_assert_int_eq(sipha_beat_key_derive("another secret, 16+", 19, &other), 0);
    len = signed_sample(buf, &key, 7);
    ck_assert(!sipha_beat_verify(buf, (size_t) len, 8, &key));        /* replayed elsewhere */
    ck_assert(!sipha_beat_verify(buf, (size_t) len, 7, &other));      /* other key */
    for (int i = 0; i < len; i++) {                                  /* any byte changed */
        buf[i] ^= 0x20;
        ck_assert_msg(!sipha_beat_verify(buf, (size_t) len, 7, &key), "byte %d", i);
        buf[i] ^= 0x20;
    }
    plain_len = sipha_beat_msg_encode(&m, plain, sizeof(plain));      /* unsigned */
    ck_assert(!sipha_beat_verify(plain, (size_t) plain_len, 7, &key));
    ck_assert_int_eq(sipha_beat_sign(plain, (size_t) plain_len, 7, &key), -EINVAL);
    /* the MAC flag on a header with no room for it */
    plain[15] |= SIPHA_BEAT_FLAG_MAC;
    ck_assert_int_eq(sipha_beat_msg_decode(plain, (size_t) plain_len, &m), -SIPHA_BEAT_EFIELD);
    ck_assert_int_eq(sipha_beat_key_derive("too short", 9, &other), -EINVAL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("beat-msg");
    TCase *tc = tcase_create("msg");
    SRunner *sr;
    int failed;

    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_mac_round_trip);
    tcase_add_test(tc, test_mac_rejects);
    tcase_add_test(tc, test_wire_layout);
    tcase_add_test(tc, test_tick);
    tcase_add_test(tc, test_encode_rejects);
    tcase_add_test(tc, test_decode_rejects);
    tcase_add_test(tc, test_longer_header_accepted);
    tcase_add_test(tc, test_field_checks);
    tcase_add_test(tc, test_random_garbage);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed == 0) ? EXIT_SUCCESS : EXIT_FAILURE;
}
