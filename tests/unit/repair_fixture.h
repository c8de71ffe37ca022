/* SPDX-License-Identifier: GPL-2.0-or-later */
/* repair_fixture.h - whether the tests may use TCP repair mode
 *
 * Repair mode needs CAP_NET_ADMIN: without it the tests that need it are
 * skipped, unless $CI is set (CI runs as root), then they fail. Include
 * after cmocka.h and the header that defines TCP_REPAIR.
 */
#ifndef TESTS_REPAIR_FIXTURE_H
#define TESTS_REPAIR_FIXTURE_H

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>

/**
 * can_repair() - Whether this process may use repair mode
 *
 * Return: true if so; false (test skipped) if not and $CI is unset
 */
static inline bool can_repair(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0), on = 1, ret;

	assert_true(s >= 0);
	ret = setsockopt(s, IPPROTO_TCP, TCP_REPAIR, &on, sizeof(on));
	close(s);
	if (!ret)
		return true;
	if (getenv("CI"))
		fail_msg("TCP_REPAIR: %s (CI runs these as root)",
			 strerror(errno));
	return false;
}

#endif /* TESTS_REPAIR_FIXTURE_H */
