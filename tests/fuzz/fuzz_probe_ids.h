/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_probe_ids.h: the fixed probe identity the response fuzzer matches
 * against; tests/fuzz/fuzz_probe_seeds.py writes seeds with the same ids. */
#ifndef SIPHA_FUZZ_PROBE_IDS_H
#define SIPHA_FUZZ_PROBE_IDS_H

#define FUZZ_PROBE_BRANCH "z9hG4bK-sipha-fuzz0001"
#define FUZZ_PROBE_CALL_ID "fuzz0001@sipha"
#define FUZZ_PROBE_FROM_TAG "fuzztag"
#define FUZZ_PROBE_CSEQ 7

#endif
