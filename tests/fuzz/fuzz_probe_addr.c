/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_probe_addr.c: libFuzzer target for the SIP address parser.  Property:
 * whatever parses has a key that parses back to the same key.
 */
#include <config.h>

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/sipha_sip_addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    struct sipha_sip_addr addr, again;
    char key[SIPHA_SIP_ADDR_KEY_MAX], key2[SIPHA_SIP_ADDR_KEY_MAX];
    char uri[SIPHA_SIP_URI_MAX];

    if (text == NULL) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    if (sipha_sip_addr_parse(text, SIPHA_SIP_UDP, &addr) == 0) {
        assert(addr.port != 0);
        assert(sipha_sip_addr_format(&addr, key, sizeof(key)) > 0);
        assert(sipha_sip_addr_uri(&addr, uri, sizeof(uri)) > 0);
        assert(sipha_sip_addr_parse(key, SIPHA_SIP_TCP, &again) == 0);
        assert(sipha_sip_addr_format(&again, key2, sizeof(key2)) > 0);
        assert(strcmp(key, key2) == 0);
    }
    free(text);
    return 0;
}
