/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_beat_msg.c: encode and strictly decode the heartbeat wire message.
 * Anyone in the CPG group can multicast anything, so the decoder trusts
 * nothing: every length is checked against the buffer and every text field
 * against a small alphabet before it reaches the watcher's table.
 */
#include <errno.h>
#include <string.h>

#include "beat/sipha_beat_msg.h"

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t) (v >> 8);
    p[1] = (uint8_t) v;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    put_u16(p, (uint16_t) (v >> 16));
    put_u16(p + 2, (uint16_t) v);
}

static void put_u64(uint8_t *p, uint64_t v)
{
    put_u32(p, (uint32_t) (v >> 32));
    put_u32(p + 4, (uint32_t) v);
}

static uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t) ((p[0] << 8) | p[1]);
}

static uint32_t get_u32(const uint8_t *p)
{
    return ((uint32_t) get_u16(p) << 16) | get_u16(p + 2);
}

static uint64_t get_u64(const uint8_t *p)
{
    return ((uint64_t) get_u32(p) << 32) | get_u32(p + 4);
}

static bool name_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/* Node attribute names are built from it (sipha-proxy-<name>), so the
 * alphabet is what attrd and the CIB accept without quoting. */
bool sipha_beat_name_valid(const char *name)
{
    size_t len;

    if (name == NULL) {
        return false;
    }
    len = strlen(name);
    if (len == 0 || len > SIPHA_BEAT_NAME_MAX) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!name_char_ok(name[i])) {
            return false;
        }
    }
    return true;
}

static bool transport_ok(const char *s, size_t len)
{
    static const char *const transports[] = { "udp", "tcp", "tls", "sctp", "ws", "wss" };

    for (size_t i = 0; i < sizeof(transports) / sizeof(transports[0]); i++) {
        if (strlen(transports[i]) == len && strncmp(transports[i], s, len) == 0) {
            return true;
        }
    }
    return false;
}

static bool port_ok(const char *s)
{
    unsigned long port = 0;

    if (*s == '\0' || strlen(s) > 5) {
        return false;
    }
    for (; *s != '\0'; s++) {
        if (*s < '0' || *s > '9') {
            return false;
        }
        port = port * 10 + (unsigned long) (*s - '0');
    }
    return port >= 1 && port <= 65535;
}

static bool host_ok(const char *s, size_t len)
{
    if (len == 0) {
        return false;
    }
    if (s[0] == '[') {
        /* IPv6 literal: hex digits, colons, dots (v4-mapped), zone after '%' */
        if (len < 3 || s[len - 1] != ']') {
            return false;
        }
        for (size_t i = 1; i + 1 < len; i++) {
            char c = s[i];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
                  || c == ':' || c == '.' || c == '%')) {
                return false;
            }
        }
        return true;
    }
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
              || c == '.' || c == '-' || c == '_')) {
            return false;
        }
    }
    return true;
}

/* "transport:host:port", the normalized form of TEAM.md (IPv6 in brackets). */
bool sipha_beat_address_valid(const char *sip_address)
{
    const char *first, *last;
    size_t len;

    if (sip_address == NULL) {
        return false;
    }
    len = strlen(sip_address);
    if (len == 0 || len > SIPHA_BEAT_ADDR_MAX) {
        return false;
    }
    first = strchr(sip_address, ':');
    last = strrchr(sip_address, ':');
    if (first == NULL || first == last) {
        return false;
    }
    return transport_ok(sip_address, (size_t) (first - sip_address))
           && host_ok(first + 1, (size_t) (last - first - 1))
           && port_ok(last + 1);
}

static bool msg_fields_valid(const sipha_beat_msg_t *msg)
{
    if (msg->beat_state > SIPHA_BEAT_STATE_MAX) {
        return false;
    }
    if (msg->load_cpu_permille > 1000) {
        return false;
    }
    switch (msg->type) {
        case SIPHA_BEAT_TYPE_BEAT:
            return sipha_beat_name_valid(msg->name)
                   && sipha_beat_address_valid(msg->sip_address);
        case SIPHA_BEAT_TYPE_TICK:
            return msg->name[0] == '\0' && msg->sip_address[0] == '\0';
        default:
            return false;
    }
}

int sipha_beat_msg_encode(const sipha_beat_msg_t *msg, uint8_t *buf, size_t buf_len)
{
    size_t name_len, addr_len, total, header_len;

    if (msg == NULL || buf == NULL || !msg_fields_valid(msg)) {
        return -EINVAL;
    }
    name_len = strlen(msg->name);
    addr_len = strlen(msg->sip_address);
    /* room for a MAC: the header extension, zeroed until signed */
    header_len = (msg->flags & SIPHA_BEAT_FLAG_MAC) ? SIPHA_BEAT_HEADER_MAC_LEN
                 : SIPHA_BEAT_HEADER_LEN;
    total = header_len + name_len + addr_len;
    if (buf_len < total) {
        return -ENOSPC;
    }
    memset(buf, 0, header_len);
    put_u32(buf + 0, SIPHA_BEAT_MAGIC);
    buf[4] = SIPHA_BEAT_VERSION;
    buf[5] = msg->type;
    put_u16(buf + 6, (uint16_t) header_len);
    put_u16(buf + 8, (uint16_t) total);
    buf[10] = (uint8_t) name_len;
    buf[11] = (uint8_t) addr_len;
    put_u32(buf + 12, msg->flags & (SIPHA_BEAT_FLAG_LOAD | SIPHA_BEAT_FLAG_MAC));
    put_u64(buf + 16, msg->boot_id);
    put_u64(buf + 24, msg->seq);
    put_u64(buf + 32, msg->counter);
    buf[40] = msg->beat_state;
    buf[41] = 0;
    put_u16(buf + 42, msg->load_cpu_permille);
    put_u32(buf + 44, msg->load_active);
    memcpy(buf + header_len, msg->name, name_len);
    memcpy(buf + header_len + name_len, msg->sip_address, addr_len);
    return (int) total;
}

int sipha_beat_msg_decode(const void *buf, size_t len, sipha_beat_msg_t *msg)
{
    const uint8_t *p = buf;
    size_t header_len, total, name_len, addr_len;

    if (buf == NULL || msg == NULL || len < SIPHA_BEAT_HEADER_LEN) {
        return -SIPHA_BEAT_ESHORT;
    }
    if (get_u32(p) != SIPHA_BEAT_MAGIC) {
        return -SIPHA_BEAT_EMAGIC;
    }
    if (p[4] != SIPHA_BEAT_VERSION) {
        return -SIPHA_BEAT_EVERSION;
    }
    /* A later minor revision may append fields to the fixed header: skip
     * them (header length), but never read past what was received. */
    header_len = get_u16(p + 6);
    total = get_u16(p + 8);
    name_len = p[10];
    addr_len = p[11];
    if (header_len < SIPHA_BEAT_HEADER_LEN || total != len
        || header_len + name_len + addr_len != total) {
        return -SIPHA_BEAT_ELENGTH;
    }
    if (name_len > SIPHA_BEAT_NAME_MAX || addr_len > SIPHA_BEAT_ADDR_MAX) {
        return -SIPHA_BEAT_ELENGTH;
    }
    memset(msg, 0, sizeof(*msg));
    msg->type = p[5];
    if (msg->type != SIPHA_BEAT_TYPE_BEAT && msg->type != SIPHA_BEAT_TYPE_TICK) {
        return -SIPHA_BEAT_ETYPE;
    }
    msg->flags = get_u32(p + 12) & (SIPHA_BEAT_FLAG_LOAD | SIPHA_BEAT_FLAG_MAC);
    if ((msg->flags & SIPHA_BEAT_FLAG_MAC) && header_len < SIPHA_BEAT_HEADER_MAC_LEN) {
        return -SIPHA_BEAT_EFIELD;     /* says it has a MAC, has no room for one */
    }
    msg->boot_id = get_u64(p + 16);
    msg->seq = get_u64(p + 24);
    msg->counter = get_u64(p + 32);
    msg->beat_state = p[40];
    msg->load_cpu_permille = get_u16(p + 42);
    msg->load_active = get_u32(p + 44);
    memcpy(msg->name, p + header_len, name_len);
    msg->name[name_len] = '\0';
    memcpy(msg->sip_address, p + header_len + name_len, addr_len);
    msg->sip_address[addr_len] = '\0';
    /* An embedded NUL would shorten the string: the check below sees it as
     * a length mismatch. */
    if (strlen(msg->name) != name_len || strlen(msg->sip_address) != addr_len
        || !msg_fields_valid(msg)) {
        return -SIPHA_BEAT_EFIELD;
    }
    return 0;
}

const char *sipha_beat_msg_strerror(int rc)
{
    switch (-rc) {
        case 0:
            return "ok";
        case SIPHA_BEAT_ESHORT:
            return "too short";
        case SIPHA_BEAT_EMAGIC:
            return "bad magic";
        case SIPHA_BEAT_EVERSION:
            return "unsupported version";
        case SIPHA_BEAT_ELENGTH:
            return "inconsistent lengths";
        case SIPHA_BEAT_ETYPE:
            return "unknown type";
        case SIPHA_BEAT_EFIELD:
            return "bad field";
        default:
            return "unknown error";
    }
}

const char *sipha_beat_state_str(uint8_t beat_state)
{
    switch (beat_state) {
        case SIPHA_BEAT_OK:
            return "ok";
        case SIPHA_BEAT_STARTING:
            return "starting";
        case SIPHA_BEAT_PROBE_TIMEOUT:
            return "probe-timeout";
        case SIPHA_BEAT_PROBE_REFUSED:
            return "probe-refused";
        case SIPHA_BEAT_PROBE_BAD_CODE:
            return "probe-bad-code";
        case SIPHA_BEAT_PROBE_ERROR:
            return "probe-error";
        case SIPHA_BEAT_STOPPING:
            return "stopping";
        default:
            return "invalid";
    }
}
