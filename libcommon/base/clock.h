/* SPDX-License-Identifier: GPL-2.0-or-later */
/* clock.h - the one monotonic clock of the engine
 *
 * Theory of operation: every timeout, deadline and age in the engine is read
 * from CLOCK_MONOTONIC through clock_ms() or clock_ns(), so that all of them
 * agree and a test can move time by hand (clock_fake_set()) instead of
 * sleeping. timerfds are still created on CLOCK_MONOTONIC: they wake the
 * loop, while the deadlines they serve are compared with this clock.
 */
#ifndef BASE_CLOCK_H
#define BASE_CLOCK_H

#include <stdint.h>

uint64_t clock_ns(void);
uint64_t clock_ms(void);
void clock_fake_set(uint64_t ns);
void clock_fake_advance(uint64_t ms);

#endif /* BASE_CLOCK_H */
