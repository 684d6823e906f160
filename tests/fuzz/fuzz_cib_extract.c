/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_cib_extract.c: libFuzzer target for the CIB XML -> proxy set
 * extraction (sipha_cib_extract.c).  Input: CIB XML text, read for each of
 * a few resource ids.  Properties: no crash or leak; the set is sorted by
 * id, ids are unique and every id is a key that maps to itself.
 */
#include <config.h>

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cib/sipha_cib_extract.h"
#include "sip/sipha_sip_addr.h"
#include "util/sipha_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const resources[] = {
    "proxy-a", "proxies", "proxy-clone", "proxy", "all", "sip-proxies", "grp-a", "groups",
};

static void check_set(const struct sipha_proxy_set *set)
{
    char key[SIPHA_SIP_ADDR_KEY_MAX];
    for (size_t i = 0; i < set->n_proxies; i++) {
        const struct sipha_proxy *p = &set->proxies[i];
        assert(p->id != NULL && p->node != NULL && p->resource != NULL && p->address != NULL);
        assert(sipha_sip_addr_key(p->id, SIPHA_SIP_UDP, key, sizeof(key)) > 0);
        assert(strcmp(key, p->id) == 0);
        if (i > 0) {
            assert(strcmp(set->proxies[i - 1].id, p->id) < 0);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool init;
    if (!init) {
        sipha_log_init("fuzz-cib-extract", SIPHA_LOG_STDERR, LOG_CRIT);
        init = true;
    }
    char *text = malloc(size + 1);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    for (size_t r = 0; r < sizeof(resources) / sizeof(resources[0]); r++) {
        struct sipha_cib_options opts;
        struct sipha_proxy_set set = { 0 };
        sipha_cib_options_init(&opts);
        opts.resource = resources[r];
        int rc = sipha_proxyset_extract_string(text, &opts, &set);
        assert(rc == 0 || rc == -ENOENT || rc == -EINVAL || rc == -ENOMEM);
        if (rc != 0) {
            assert(set.n_proxies == 0);
        }
        check_set(&set);
        sipha_proxy_set_clear(&set);
    }
    free(text);
    return 0;
}
