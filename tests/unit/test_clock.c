// SPDX-License-Identifier: GPL-2.0-or-later
/* test_clock.c - the engine's one clock: real time moves forward, a frozen
 * clock moves only by hand
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include "base/clock.h"

static void test_real_clock_is_monotonic_and_agrees(void **state)
{
	struct timespec nap = {.tv_nsec = 2000000};
	uint64_t ns0 = clock_ns(), ms0 = clock_ms();

	(void)state;
	nanosleep(&nap, NULL);
	assert_true(clock_ns() >= ns0 + 2000000);
	assert_true(clock_ms() >= ms0 + 2);
	/* the same source: milliseconds are the nanoseconds, divided */
	assert_true(clock_ms() <= clock_ns() / 1000000);
}

static void test_fake_clock_moves_only_by_hand(void **state)
{
	struct timespec nap = {.tv_nsec = 2000000};

	(void)state;
	clock_fake_set(5000000000ULL);
	nanosleep(&nap, NULL);
	assert_int_equal(clock_ns(), 5000000000ULL);
	assert_int_equal(clock_ms(), 5000);
	clock_fake_advance(250);
	assert_int_equal(clock_ms(), 5250);
	clock_fake_set(0);
	assert_true(clock_ns() != 5250000000ULL);
}

static void test_advance_freezes_the_real_time_first(void **state)
{
	uint64_t before = clock_ms();

	(void)state;
	clock_fake_advance(1000);
	assert_true(clock_ms() >= before + 1000);
	assert_true(clock_ms() < before + 2000);
	clock_fake_set(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_clock_is_monotonic_and_agrees),
		cmocka_unit_test(test_fake_clock_moves_only_by_hand),
		cmocka_unit_test(test_advance_freezes_the_real_time_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
