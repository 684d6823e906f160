/* sipha_time.c: see sipha_time.h */
#include "config.h"
#include "util/sipha_time.h"

#include <time.h>

uint64_t
sipha_now_us(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t) now.tv_sec * 1000000u + (uint64_t) now.tv_nsec / 1000u;
}

uint64_t
sipha_now_ms(void)
{
    return sipha_now_us() / 1000u;
}
