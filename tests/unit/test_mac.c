// SPDX-License-Identifier: GPL-2.0-or-later
/* test_mac.c - the one MAC address parser (base/mac.c) and the rule each
 * of its users applies: -M takes any address, as upstream; --ns-mac-addr
 * and pasta-netcfg --mac an interface's (unicast), --ns-mac-addr all
 * zeroes meaning "the kernel's", as upstream
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/mac.h"
#include "conf/conf.h"
#include "os/netcfg.h"

static const uint8_t unset[ETH_ADDR_LEN] = {0xa5, 0xa5, 0xa5,
					    0xa5, 0xa5, 0xa5};

/* Syntax: six pairs of hex digits, colons, nothing else; any kind */
static void test_parse_syntax(void **state)
{
	static const uint8_t want[] = {0x02, 0xab, 0xcd, 0xef, 0x01, 0x23};
	static const char *const bad[] = {
		"", "02:ab:cd:ef:01", "02:ab:cd:ef:01:23:45",
		"2:ab:cd:ef:01:23", "02-ab-cd-ef-01-23", "02:ab:cd:ef:01:2g",
		"02:ab:cd:ef:01:23 ", " 2:ab:cd:ef:01:23", "+2:ab:cd:ef:01:23",
		"02:ab:cd:ef:01:", "02:ab:cd:ef:0123", "02ab:cd:ef:01:23:",
		"0x:ab:cd:ef:01:23",
	};
	uint8_t m[ETH_ADDR_LEN];
	size_t i;

	(void)state;
	assert_int_equal(mac_parse("02:AB:cd:Ef:01:23", m), 0);
	assert_memory_equal(m, want, 6);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memcpy(m, unset, sizeof(m));
		if (mac_parse(bad[i], m) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_memory_equal(m, unset, 6); /* untouched */
	}
}

/* The cases the two parsers used to disagree on: the syntax accepts them,
 * mac_is_unicast() tells them apart
 */
static void test_group_and_zero_addresses(void **state)
{
	static const struct {
		const char *s;
		bool unicast;
	} c[] = {
		{ "01:00:5e:00:00:01", false },	/* IPv4 multicast */
		{ "33:33:00:00:00:01", false },	/* IPv6 multicast */
		{ "ff:ff:ff:ff:ff:ff", false },	/* broadcast */
		{ "03:00:00:00:00:00", false },	/* group bit, local bit */
		{ "00:00:00:00:00:00", false },
		{ "02:00:00:00:00:00", true },
		{ "00:00:00:00:00:01", true },
		{ "9a:55:9a:55:9a:55", true },	/* upstream's default */
		{ "fe:ff:ff:ff:ff:ff", true },
	};
	uint8_t m[ETH_ADDR_LEN];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(c); i++) {
		assert_int_equal(mac_parse(c[i].s, m), 0);
		if (mac_is_unicast(m) != c[i].unicast)
			fail_msg("%s: unicast %d", c[i].s, !c[i].unicast);
	}
}

/* pasta-netcfg --mac: a device's address, unicast only */
static void test_netcfg_takes_unicast_only(void **state)
{
	uint8_t m[ETH_ADDR_LEN];

	(void)state;
	memcpy(m, unset, sizeof(m));
	assert_int_equal(netcfg_parse_mac("01:00:5e:00:00:01", m), -EINVAL);
	assert_int_equal(netcfg_parse_mac("ff:ff:ff:ff:ff:ff", m), -EINVAL);
	assert_int_equal(netcfg_parse_mac("00:00:00:00:00:00", m), -EINVAL);
	assert_memory_equal(m, unset, 6);
	assert_int_equal(netcfg_parse_mac("02:00:00:00:00:01", m), 0);
	assert_int_equal(m[5], 1);
}

/**
 * parse_quiet() - conf_parse() with stderr silenced
 * @c:		Configuration, filled
 * @argv:	Words, NULL-terminated
 *
 * Return: what conf_parse() returned
 */
static enum conf_result parse_quiet(struct conf *c, char **argv)
{
	int argc = 0, saved = dup(STDERR_FILENO);
	enum conf_result r;
	FILE *null = fopen("/dev/null", "w");

	assert_non_null(null);
	while (argv[argc])
		argc++;
	fflush(stderr);
	dup2(fileno(null), STDERR_FILENO);
	r = conf_parse(c, argc, argv);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	fclose(null);
	return r;
}

/* passt -M: any address, as upstream's: multicast and zero too */
static void test_our_mac_takes_any(void **state)
{
	static const uint8_t mcast[] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
	static struct conf c;
	char a0[] = "passt", a1[] = "-M", a2[] = "01:00:5e:00:00:01";
	char z2[] = "00:00:00:00:00:00";
	char *argv[] = {a0, a1, a2, NULL};

	(void)state;
	assert_int_equal(parse_quiet(&c, argv), CONF_OK);
	assert_memory_equal(c.l2.our_mac, mcast, 6);
	argv[2] = z2;
	assert_int_equal(parse_quiet(&c, argv), CONF_OK);
	assert_true(mac_is_zero(c.l2.our_mac));
	assert_true(c.mac_set);
}

/* pasta --ns-mac-addr: unicast; zero leaves the kernel's; group refused */
static void test_ns_mac_rule(void **state)
{
	static struct conf c;
	char a0[] = "pasta", a1[] = "--ns-mac-addr", a2[] = "02:00:00:00:00:07";
	char m2[] = "01:00:5e:00:00:01", b2[] = "ff:ff:ff:ff:ff:ff";
	char z2[] = "00:00:00:00:00:00";
	char *argv[] = {a0, a1, a2, NULL};

	(void)state;
	assert_int_equal(parse_quiet(&c, argv), CONF_OK);
	assert_true(c.ns_mac_set);
	assert_int_equal(c.ns_mac[5], 7);
	argv[2] = z2;
	assert_int_equal(parse_quiet(&c, argv), CONF_OK);
	assert_false(c.ns_mac_set);
	argv[2] = m2;
	assert_int_equal(parse_quiet(&c, argv), CONF_EXIT_ERR);
	argv[2] = b2;
	assert_int_equal(parse_quiet(&c, argv), CONF_EXIT_ERR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_syntax),
		cmocka_unit_test(test_group_and_zero_addresses),
		cmocka_unit_test(test_netcfg_takes_unicast_only),
		cmocka_unit_test(test_our_mac_takes_any),
		cmocka_unit_test(test_ns_mac_rule),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
