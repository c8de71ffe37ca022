// SPDX-License-Identifier: GPL-2.0-or-later
/* test_log.c - log file size cap, levels and rate limiting */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"

static char path[] = "/tmp/test_log_XXXXXX";

static int setup(void **state)
{
	int fd = mkstemp(path);

	(void)state;
	if (fd < 0)
		return -1;
	close(fd);
	log_init("test");
	log_to_stderr(false);
	log_set_level(LOG_LVL_INFO);
	return log_open_file(path, 4096);
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

/**
 * count_lines() - Count lines of the log file containing a string
 * @needle:	String
 * @size:	Set to the file size
 *
 * Return: number of matching lines
 */
static int count_lines(const char *needle, size_t *size)
{
	char line[1200];
	struct stat st;
	int n = 0;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		n += !!strstr(line, needle);
	fclose(f);
	assert_int_equal(stat(path, &st), 0);
	*size = (size_t)st.st_size;
	return n;
}

static void test_log_levels_filter(void **state)
{
	size_t size;

	(void)state;
	log_info("visible-info");
	log_debug("hidden-debug");
	log_warn("visible-warn");
	assert_int_equal(count_lines("visible-", &size), 2);
	assert_int_equal(count_lines("hidden-", &size), 0);
}

static void test_log_file_capped(void **state)
{
	size_t size;
	int i;

	(void)state;
	for (i = 0; i < 1000; i++)
		log_err("line %04d with some padding to fill the file", i);
	count_lines("line", &size);
	assert_true(size <= 4096);
	/* the newest line survives, the oldest is gone */
	assert_int_equal(count_lines("line 0999", &size), 1);
	assert_int_equal(count_lines("line 0000", &size), 0);
}

static void test_log_rate_limited(void **state)
{
	struct ratelimit rl = { 0 };
	size_t size;
	int i;

	(void)state;
	for (i = 0; i < 50; i++)
		log_rl(&rl, LOG_LVL_WARN, "limited-message %d", i);
	assert_int_equal(count_lines("limited-message", &size),
			 LOG_RL_BURST);
	assert_int_equal((int)rl.dropped, 50 - LOG_RL_BURST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_levels_filter),
		cmocka_unit_test(test_log_file_capped),
		cmocka_unit_test(test_log_rate_limited),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
