// SPDX-License-Identifier: GPL-2.0-or-later
/* clock.c - the one monotonic clock of the engine (see clock.h) */
#include <time.h>

#include "base/clock.h"

/* Set by tests only: the time clock_ns() returns instead of the real one */
static uint64_t clock_fake;

/**
 * clock_ns() - Monotonic time (vDSO: no system call), or the fake time
 *
 * Return: nanoseconds
 */
uint64_t clock_ns(void)
{
	struct timespec ts;

	if (clock_fake)
		return clock_fake;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/**
 * clock_ms() - Monotonic time in milliseconds
 *
 * Return: milliseconds
 */
uint64_t clock_ms(void)
{
	return clock_ns() / 1000000ULL;
}

/**
 * clock_fake_set() - Freeze the clock at a given time (tests)
 * @ns:		Time to report from now on, 0 to use the real clock again
 */
void clock_fake_set(uint64_t ns)
{
	clock_fake = ns;
}

/**
 * clock_fake_advance() - Move a frozen clock forward (tests)
 * @ms:		Milliseconds to add; the clock is frozen at the real time
 *		first if it was not frozen yet
 */
void clock_fake_advance(uint64_t ms)
{
	if (!clock_fake)
		clock_fake = clock_ns();
	clock_fake += ms * 1000000ULL;
}
