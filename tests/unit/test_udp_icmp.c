// SPDX-License-Identifier: GPL-2.0-or-later
/* test_udp_icmp.c - parsing of UDP datagrams and ICMP echo requests */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "packet/frame.h"
#include "packet/checksum.h"
#include "packet/icmp.h"
#include "packet/ip.h"

/* Ethernet + IPv4 (192.0.2.10 -> 198.51.100.2) + UDP 40000 -> 53, "abc" */
static const uint8_t udp4[] = {
	0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
	0x08, 0x00,
	0x45, 0x00, 0x00, 0x1f, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00,
	192, 0, 2, 10, 198, 51, 100, 2,
	0x9c, 0x40, 0x00, 0x35, 0x00, 0x0b, 0x00, 0x00, 'a', 'b', 'c',
};

/**
 * fix_ip4_csum() - Fill in the IPv4 header checksum of a frame
 * @f:		Frame, IPv4 header at 14
 */
static void fix_ip4_csum(uint8_t *f)
{
	uint16_t c;

	f[24] = f[25] = 0;
	c = csum_ip4_header(f + 14, 20);
	memcpy(f + 24, &c, 2);
}

static void test_udp4_parsed(void **state)
{
	uint8_t f[sizeof(udp4)];
	struct frame_udp u;
	struct pkt_l4 p;

	(void)state;
	memcpy(f, udp4, sizeof(f));
	fix_ip4_csum(f);
	assert_int_equal(pkt_parse_ip(pview_make(f, sizeof(f)), &p), 0);
	assert_int_equal(p.proto, 17);
	assert_true(frame_udp_parse(p.l4, &u));
	assert_true(u.ok);
	assert_int_equal(u.sport, 40000);
	assert_int_equal(u.dport, 53);
	assert_int_equal(u.data.len, 3);
	assert_memory_equal(u.data.p, "abc", 3);
}

static void test_udp4_bad_length_not_ok(void **state)
{
	uint8_t f[sizeof(udp4)];
	struct frame_udp u;
	struct pkt_l4 p;

	(void)state;
	memcpy(f, udp4, sizeof(f));
	f[39] = 0x20;	/* UDP length 32 > 11 bytes there */
	fix_ip4_csum(f);
	assert_int_equal(pkt_parse_ip(pview_make(f, sizeof(f)), &p), 0);
	assert_true(!frame_udp_parse(p.l4, &u) || !u.ok);

	f[39] = 0x07;	/* shorter than the header */
	assert_true(!frame_udp_parse(p.l4, &u) || !u.ok);
}

static void test_udp4_truncated_everywhere(void **state)
{
	uint8_t f[sizeof(udp4)];
	struct frame_udp u;
	struct pkt_l4 p;
	size_t len;

	(void)state;
	memcpy(f, udp4, sizeof(f));
	fix_ip4_csum(f);
	for (len = 0; len < sizeof(f); len++) {
		if (pkt_parse_ip(pview_make(f, len), &p))
			continue;
		/* IP accepted a prefix: then UDP must not read past it */
		if (frame_udp_parse(p.l4, &u) && u.ok)
			assert_true(u.data.p + u.data.len <= f + len);
	}
}

static void test_echo_request_v4(void **state)
{
	static const uint8_t m[] = { 8, 0, 0xf7, 0xff, 0x12, 0x34, 0x00, 0x07,
				     'p', 'i', 'n', 'g' };
	struct icmp_echo e;

	(void)state;
	assert_int_equal(icmp_echo_parse(pview_make(m, sizeof(m)), false, &e),
			 0);
	assert_int_equal(e.id, 0x1234);
	assert_int_equal(e.seq, 7);
	assert_int_equal(e.data.len, 4);
	assert_memory_equal(e.data.p, "ping", 4);
}

static void test_echo_request_v6_and_others(void **state)
{
	uint8_t m[] = { 128, 0, 0, 0, 0xab, 0xcd, 0x00, 0x01 };
	struct icmp_echo e;

	(void)state;
	assert_int_equal(icmp_echo_parse(pview_make(m, sizeof(m)), true, &e),
			 0);
	assert_int_equal(e.id, 0xabcd);
	assert_int_equal(e.data.len, 0);
	/* an ICMPv4 echo type in ICMPv6, and the reverse, aren't requests */
	assert_int_equal(icmp_echo_parse(pview_make(m, sizeof(m)), false, &e),
			 -ENOENT);
	m[0] = 8;
	assert_int_equal(icmp_echo_parse(pview_make(m, sizeof(m)), true, &e),
			 -ENOENT);
	m[0] = 0;	/* echo reply */
	assert_int_equal(icmp_echo_parse(pview_make(m, sizeof(m)), false, &e),
			 -ENOENT);
}

static void test_echo_malformed(void **state)
{
	uint8_t m[] = { 8, 1, 0, 0, 0, 1, 0, 1 };
	struct icmp_echo e;
	size_t len;

	(void)state;
	assert_int_equal(icmp_echo_parse(pview_make(m, sizeof(m)), false, &e),
			 -EINVAL);	/* code must be 0 */
	m[1] = 0;
	for (len = 0; len < sizeof(m); len++)
		assert_int_equal(icmp_echo_parse(pview_make(m, len), false,
						 &e),
				 -EINVAL);
	assert_int_equal(icmp_echo_parse(pview_make(m, sizeof(m)), false, &e),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp4_parsed),
		cmocka_unit_test(test_udp4_bad_length_not_ok),
		cmocka_unit_test(test_udp4_truncated_everywhere),
		cmocka_unit_test(test_echo_request_v4),
		cmocka_unit_test(test_echo_request_v6_and_others),
		cmocka_unit_test(test_echo_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
