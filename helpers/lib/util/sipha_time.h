/*
 * sipha_time.h: monotonic clock helpers.  All sipha timing is in
 * milliseconds or microseconds of CLOCK_MONOTONIC, with the unit in the name.
 */
#ifndef SIPHA_TIME_H
#define SIPHA_TIME_H

#include <stdint.h>

uint64_t sipha_now_ms(void);
uint64_t sipha_now_us(void);

#endif
