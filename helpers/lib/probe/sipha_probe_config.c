/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sipha_probe_config.c: prober settings, the alive-code set, verdict names.
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "probe/sipha_probe.h"

#define CODE_MIN 200
#define CODE_MAX 699

static void
set_code(uint64_t *bits, int code)
{
    unsigned i = (unsigned) (code - CODE_MIN);

    bits[i / 64] |= UINT64_C(1) << (i % 64);
}

void
sipha_probe_config_init(struct sipha_probe_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->timeout_ms = SIPHA_PROBE_DEFAULT_TIMEOUT_MS;
    cfg->retransmit_ms = SIPHA_PROBE_DEFAULT_RETRANSMIT_MS;
    for (int code = CODE_MIN; code <= CODE_MAX; code++) {
        set_code(cfg->alive_code_bits, code);
    }
}

bool
sipha_probe_code_is_alive(const struct sipha_probe_config *cfg, int status_code)
{
    unsigned i;

    if ((status_code < CODE_MIN) || (status_code > CODE_MAX)) {
        return false;
    }
    i = (unsigned) (status_code - CODE_MIN);
    return (cfg->alive_code_bits[i / 64] & (UINT64_C(1) << (i % 64))) != 0;
}

/* One item of the list: "200", "2xx", "200-299".  Sets *lo..*hi. */
static int
parse_code_item(const char *item, int *lo, int *hi)
{
    char *end = NULL;
    long a, b;

    if ((strlen(item) == 3) && isdigit((unsigned char) item[0])
        && (tolower((unsigned char) item[1]) == 'x') && (tolower((unsigned char) item[2]) == 'x')) {
        a = (item[0] - '0') * 100;
        b = a + 99;
    } else {
        if (!isdigit((unsigned char) item[0])) {
            return -EINVAL;
        }
        a = strtol(item, &end, 10);
        b = a;
        if (*end == '-') {
            if (!isdigit((unsigned char) end[1])) {
                return -EINVAL;
            }
            b = strtol(end + 1, &end, 10);
        }
        if (*end != '\0') {
            return -EINVAL;
        }
    }
    if ((a < CODE_MIN) || (b > CODE_MAX) || (a > b)) {
        return -EINVAL;
    }
    *lo = (int) a;
    *hi = (int) b;
    return 0;
}

int
sipha_probe_config_set_alive_codes(struct sipha_probe_config *cfg, const char *list)
{
    uint64_t bits[sizeof(cfg->alive_code_bits) / sizeof(cfg->alive_code_bits[0])];
    char *copy, *item, *save = NULL;
    int rc = 0;
    bool any = false;

    if ((cfg == NULL) || (list == NULL)) {
        return -EINVAL;
    }
    copy = strdup(list);
    if (copy == NULL) {
        return -ENOMEM;
    }
    memset(bits, 0, sizeof(bits));
    for (item = strtok_r(copy, ", ", &save); item != NULL; item = strtok_r(NULL, ", ", &save)) {
        int lo, hi;

        rc = parse_code_item(item, &lo, &hi);
        if (rc != 0) {
            break;
        }
        for (int code = lo; code <= hi; code++) {
            set_code(bits, code);
        }
        any = true;
    }
    free(copy);
    if ((rc == 0) && !any) {
        rc = -EINVAL;
    }
    if (rc == 0) {
        memcpy(cfg->alive_code_bits, bits, sizeof(bits));
    }
    return rc;
}

const char *
sipha_probe_verdict_name(enum sipha_probe_verdict verdict)
{
    switch (verdict) {
        case SIPHA_PROBE_ALIVE:
            return "alive";
        case SIPHA_PROBE_BAD_CODE:
            return "bad-code";
        case SIPHA_PROBE_TIMEOUT:
            return "timeout";
        case SIPHA_PROBE_REFUSED:
            return "refused";
        case SIPHA_PROBE_UNREACHABLE:
            return "unreachable";
        case SIPHA_PROBE_CLOSED:
            return "closed";
        case SIPHA_PROBE_ERROR:
            break;
    }
    return "error";
}
