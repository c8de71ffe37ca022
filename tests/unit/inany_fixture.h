/* SPDX-License-Identifier: GPL-2.0-or-later */
/* inany_fixture.h - an address of either family from its text form, for
 * unit tests (include after cmocka.h)
 */
#ifndef TESTS_UNIT_INANY_FIXTURE_H
#define TESTS_UNIT_INANY_FIXTURE_H

#include <arpa/inet.h>
#include <string.h>

#include "base/inany.h"

/**
 * fx_inany() - Parse an IPv4 or IPv6 address into an inany, or fail the test
 * @s:		Text form
 *
 * Return: the address (IPv4 as IPv4-mapped IPv6)
 */
static inline union inany_addr fx_inany(const char *s)
{
	union inany_addr a;
	struct in_addr v4;
	struct in6_addr v6;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, &v4) == 1) {
		inany_from_v4(&a, v4);
		return a;
	}
	assert_int_equal(inet_pton(AF_INET6, s, &v6), 1);
	inany_from_v6(&a, &v6);
	return a;
}

#endif /* TESTS_UNIT_INANY_FIXTURE_H */
