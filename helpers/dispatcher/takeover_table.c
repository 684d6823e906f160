/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * takeover_table.c: parse sipha-successors' output (takeover_table.h).
 * The text comes from a program of ours, but it is checked like any input:
 * every field is validated, and nothing is taken half.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sip/sipha_sip_addr.h"
#include "takeover_table.h"

#define FIELDS_MAX 8
#define LINE_MAX_LEN 512

static bool
valid_name(const char *s)
{
    return takeover_name_ok(s, strlen(s));
}

/* "-" or a node name into OUT. */
static bool
opt_name(const char *s, char *out, size_t size)
{
    if (strcmp(s, "-") == 0) {
        out[0] = '\0';
        return true;
    }
    if (!valid_name(s) || strlen(s) >= size) {
        return false;
    }
    strcpy(out, s);
    return true;
}

static int
ip_family(const char *s)
{
    unsigned char buf[16];
    int family = 0;

    return sipha_ip_parse(s, &family, buf) == 0 ? family : 0;
}

static bool
parse_int(const char *s, long lo, long hi, int *out)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
        return false;
    }
    *out = (int) v;
    return true;
}

static bool
valid_nic(const char *s)
{
    size_t len = strlen(s);

    if (len == 0 || len >= IF_NAMESIZE) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] <= ' ' || s[i] >= 0x7f || s[i] == '/') {
            return false;
        }
    }
    return true;
}

static int
parse_sap(struct takeover_table *t, char **f, int n, char *err, size_t err_size)
{
    struct takeover_sap *s;
    int family;

    if (n != 7) {
        snprintf(err, err_size, "sap record needs 6 fields");
        return -EINVAL;
    }
    if (t->sap_count == TAKEOVER_SAPS_MAX) {
        snprintf(err, err_size, "more than %d SAPs", TAKEOVER_SAPS_MAX);
        return -EINVAL;
    }
    s = &t->saps[t->sap_count];
    memset(s, 0, sizeof(*s));
    family = ip_family(f[2]);
    if (!parse_int(f[1], 0, 1000000, &s->instance) || family == 0
        || strlen(f[2]) >= sizeof(s->address)) {
        snprintf(err, err_size, "bad sap instance or address '%s %s'", f[1], f[2]);
        return -EINVAL;
    }
    strcpy(s->address, f[2]);
    s->prefix = -1;
    if (strcmp(f[3], "-") != 0
        && !parse_int(f[3], 0, family == AF_INET ? 32 : 128, &s->prefix)) {
        snprintf(err, err_size, "bad prefix '%s' for %s", f[3], f[2]);
        return -EINVAL;
    }
    if (strcmp(f[4], "-") != 0) {
        if (!valid_nic(f[4])) {
            snprintf(err, err_size, "bad interface name for %s", f[2]);
            return -EINVAL;
        }
        strcpy(s->nic, f[4]);
    }
    if (!opt_name(f[5], s->holder, sizeof(s->holder))
        || !opt_name(f[6], s->successor, sizeof(s->successor))) {
        snprintf(err, err_size, "bad holder or successor for %s", f[2]);
        return -EINVAL;
    }
    if (takeover_table_find_sap(t, s->address) != NULL) {
        snprintf(err, err_size, "SAP %s listed twice", s->address);
        return -EINVAL;
    }
    t->sap_count++;
    return 0;
}

static int
parse_peer(struct takeover_table *t, char **f, int n, char *err, size_t err_size)
{
    struct takeover_table_peer *p;

    if (n != 3 || !valid_name(f[1]) || ip_family(f[2]) == 0) {
        snprintf(err, err_size, "peer record needs a node name and an IP address");
        return -EINVAL;
    }
    if (t->peer_count == TAKEOVER_PEERS_MAX) {
        snprintf(err, err_size, "more than %d peers", TAKEOVER_PEERS_MAX);
        return -EINVAL;
    }
    for (int i = 0; i < t->peer_count; i++) {
        if (strcmp(t->peers[i].name, f[1]) == 0) {
            snprintf(err, err_size, "peer %s listed twice", f[1]);
            return -EINVAL;
        }
    }
    p = &t->peers[t->peer_count++];
    snprintf(p->name, sizeof(p->name), "%s", f[1]);
    snprintf(p->address, sizeof(p->address), "%s", f[2]);
    return 0;
}

static int
parse_line(struct takeover_table *t, char *line, bool *have_self, bool *have_quorum,
           char *err, size_t err_size)
{
    char *f[FIELDS_MAX + 1];
    char *save = NULL;
    int n = 0;

    for (char *tok = strtok_r(line, " \t", &save); tok != NULL;
         tok = strtok_r(NULL, " \t", &save)) {
        if (tok[0] == '#') {
            break;
        }
        if (n == FIELDS_MAX) {
            snprintf(err, err_size, "too many fields in a record");
            return -EINVAL;
        }
        f[n++] = tok;
    }
    if (n == 0) {
        return 0;
    }
    if (strcmp(f[0], "self") == 0) {
        if (n != 2 || !valid_name(f[1])) {
            snprintf(err, err_size, "self record needs a node name");
            return -EINVAL;
        }
        snprintf(t->self, sizeof(t->self), "%s", f[1]);
        *have_self = true;
    } else if (strcmp(f[0], "quorum") == 0) {
        if (n != 2 || (strcmp(f[1], "0") != 0 && strcmp(f[1], "1") != 0)) {
            snprintf(err, err_size, "quorum record needs 0 or 1");
            return -EINVAL;
        }
        t->quorum = f[1][0] == '1';
        *have_quorum = true;
    } else if (strcmp(f[0], "peer") == 0) {
        return parse_peer(t, f, n, err, err_size);
    } else if (strcmp(f[0], "sap") == 0) {
        return parse_sap(t, f, n, err, err_size);
    }
    return 0;
}

int
takeover_table_parse(const char *text, size_t len, struct takeover_table *t,
                     char *err, size_t err_size)
{
    bool have_self = false, have_quorum = false;
    size_t pos = 0;
    int line_no = 0;

    memset(t, 0, sizeof(*t));
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t line_len = (nl != NULL ? (size_t) (nl - text) : len) - pos;
        char line[LINE_MAX_LEN];
        int rc;

        line_no++;
        if (line_len >= sizeof(line) || memchr(text + pos, '\0', line_len) != NULL) {
            snprintf(err, err_size, "line %d: too long or binary", line_no);
            return -EINVAL;
        }
        memcpy(line, text + pos, line_len);
        line[line_len] = '\0';
        rc = parse_line(t, line, &have_self, &have_quorum, err, err_size);
        if (rc != 0) {
            size_t used = strlen(err);

            snprintf(err + used, err_size - used, " (line %d)", line_no);
            return rc;
        }
        pos += line_len + 1;
    }
    if (!have_self || !have_quorum) {
        snprintf(err, err_size, "no %s record", have_self ? "quorum" : "self");
        return -EINVAL;
    }
    for (int i = 0; i < t->peer_count; i++) {
        if (strcmp(t->peers[i].name, t->self) == 0) {
            snprintf(err, err_size, "this node %s is listed as its own peer", t->self);
            return -EINVAL;
        }
    }
    return 0;
}

const struct takeover_sap *
takeover_table_find_sap(const struct takeover_table *t, const char *address)
{
    for (int i = 0; i < t->sap_count; i++) {
        if (strcmp(t->saps[i].address, address) == 0) {
            return &t->saps[i];
        }
    }
    return NULL;
}
