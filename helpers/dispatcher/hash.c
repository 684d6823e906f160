/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * hash.c: rendezvous hashing with weights (Schindelhauer and Schomaker's
 * logarithmic method: the share of a proxy is its weight over the sum).
 */
#include "config.h"

#include <math.h>

#include "hash.h"
#include "mac.h"

/* Public and fixed: only for the proxies' seeds (see hash.h). */
static const struct disp_key hrw_key = { 0x7369706861485257ULL, 0x72656e64657a766fULL };

uint64_t
hrw_hash(const void *data, size_t len)
{
    return siphash24(data, len, &hrw_key);
}

uint64_t
hrw_call_hash(const struct disp_keys *keys, const void *data, size_t len)
{
    return siphash24(data, len, &keys->hrw);
}

/* splitmix64's finalizer: a cheap full-avalanche mix of two hashes. */
static uint64_t
mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

double
hrw_score(uint64_t call_hash, uint64_t seed, double weight)
{
    uint64_t h = mix64(call_hash ^ mix64(seed));
    /* 53 random bits, shifted into the open interval (0,1) */
    double u = ((double) (h >> 11) + 0.5) / 9007199254740992.0;

    return -weight / log(u);
}
