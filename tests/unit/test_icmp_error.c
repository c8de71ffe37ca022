// SPDX-License-Identifier: GPL-2.0-or-later
/* test_icmp_error.c - the port unreachable errors we send the guest
 * (packet/icmp.c, icmp_port_unreach()), parsed back field by field at the
 * offsets RFC 792, RFC 4443 and RFC 768 give, checksums verified
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "l2_fixture.h"
#include "packet/icmp.h"

#define GUEST_PORT 40000
#define REMOTE_PORT 53

/* Read a 16-bit big-endian field */
static uint16_t be16(const uint8_t *p)
{
	return fx_get16(p);
}

/**
 * build() - Build the error for a datagram guest -> remote, check its
 *	     Ethernet header
 * @buf:	Frame buffer, 256 bytes, filled with 0xee first
 * @ga:		Guest's address
 * @ra:		Remote's address
 * @type:	Ethertype expected
 *
 * Return: frame length
 */
static size_t build(uint8_t *buf, const union inany_addr *ga,
		    const union inany_addr *ra, uint16_t type)
{
	struct pbuf b;
	size_t len;

	memset(buf, 0xee, 256);
	pbuf_init(&b, buf, 256);
	len = icmp_port_unreach(&b, fx_guest_mac, fx_our_mac, ga, ra,
				GUEST_PORT, REMOTE_PORT);
	assert_memory_equal(buf, fx_guest_mac, 6);
	assert_memory_equal(buf + 6, fx_our_mac, 6);
	assert_int_equal(be16(buf + 12), type);
	return len;
}

/* An IPv4 datagram from the guest hit a closed port */
static void test_port_unreach_ip4(void **state)
{
	struct in_addr g = fx_ip4("192.0.2.10"), r = fx_ip4("203.0.113.5");
	const uint8_t *ip, *icmp, *q, *qu;
	union inany_addr ga, ra;
	uint8_t buf[256];
	size_t len;

	(void)state;
	inany_from_v4(&ga, g);
	inany_from_v4(&ra, r);
	len = build(buf, &ga, &ra, 0x0800);
	/* Ethernet 14, IPv4 20, ICMP 8, quoted IPv4 20 and UDP 8 */
	assert_int_equal(len, 14 + 20 + 8 + 20 + 8);

	ip = buf + 14;
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(be16(ip + 2), 20 + 8 + 28);	/* total length */
	assert_int_equal(be16(ip + 6) & 0x3fff, 0);	/* not a fragment */
	assert_true(ip[8] > 0);				/* TTL */
	assert_int_equal(ip[9], 1);			/* ICMP */
	fx_assert_ip4(ip + 12, "203.0.113.5");		/* from the remote */
	fx_assert_ip4(ip + 16, "192.0.2.10");		/* to the guest */
	assert_int_equal(csum_fold(csum_partial(ip, 20, 0)), 0);

	icmp = ip + 20;
	assert_int_equal(icmp[0], 3);			/* unreachable */
	assert_int_equal(icmp[1], 3);			/* port */
	assert_int_equal(fx_get32(icmp + 4), 0);	/* unused */
	/* RFC 792: the checksum covers the ICMP message */
	assert_int_equal(csum_fold(csum_partial(icmp, 8 + 28, 0)), 0);

	/* the guest's datagram: its IPv4 header, then 64 bits of it */
	q = icmp + 8;
	assert_int_equal(q[0], 0x45);
	assert_int_equal(be16(q + 2), 28);
	assert_int_equal(q[9], 17);			/* UDP */
	fx_assert_ip4(q + 12, "192.0.2.10");
	fx_assert_ip4(q + 16, "203.0.113.5");
	assert_int_equal(csum_fold(csum_partial(q, 20, 0)), 0);
	qu = q + 20;
	assert_int_equal(be16(qu), GUEST_PORT);
	assert_int_equal(be16(qu + 2), REMOTE_PORT);
	assert_int_equal(be16(qu + 4), 8);

	/* padded to the Ethernet minimum only if shorter: it isn't */
	assert_int_equal(buf[len], 0xee);
}

/* An IPv6 datagram from the guest hit a closed port */
static void test_port_unreach_ip6(void **state)
{
	struct in6_addr g = fx_ip6("2001:db8::10"), r = fx_ip6("2001:db8:9::5");
	union inany_addr ga, ra;
	const uint8_t *ip, *icmp, *q, *qu;
	uint8_t buf[256];
	size_t len;

	(void)state;
	inany_from_v6(&ga, &g);
	inany_from_v6(&ra, &r);
	len = build(buf, &ga, &ra, 0x86dd);
	/* Ethernet 14, IPv6 40, ICMPv6 8, quoted IPv6 40 and UDP 8 */
	assert_int_equal(len, 14 + 40 + 8 + 40 + 8);

	ip = buf + 14;
	assert_int_equal(ip[0] >> 4, 6);
	assert_int_equal(be16(ip + 4), 8 + 48);		/* payload length */
	assert_int_equal(ip[6], 58);			/* ICMPv6 */
	assert_true(ip[7] > 0);				/* hop limit */
	fx_assert_ip6(ip + 8, "2001:db8:9::5");
	fx_assert_ip6(ip + 24, "2001:db8::10");

	icmp = ip + 40;
	assert_int_equal(icmp[0], 1);			/* unreachable */
	assert_int_equal(icmp[1], 4);			/* port */
	assert_int_equal(fx_get32(icmp + 4), 0);	/* unused */
	/* RFC 4443 2.3: over the pseudo-header and the message */
	assert_int_equal(csum_l4_ip6(&r, &g, 58, icmp, 8 + 48), 0);

	q = icmp + 8;
	assert_int_equal(q[0] >> 4, 6);
	assert_int_equal(be16(q + 4), 8);
	assert_int_equal(q[6], 17);			/* UDP */
	fx_assert_ip6(q + 8, "2001:db8::10");
	fx_assert_ip6(q + 24, "2001:db8:9::5");
	qu = q + 40;
	assert_int_equal(be16(qu), GUEST_PORT);
	assert_int_equal(be16(qu + 2), REMOTE_PORT);
	assert_int_equal(be16(qu + 4), 8);
}

/* No room, or addresses of two families: nothing built */
static void test_port_unreach_refused(void **state)
{
	union inany_addr a4, a6;
	struct in6_addr g = fx_ip6("2001:db8::10");
	uint8_t buf[256];
	struct pbuf b;

	(void)state;
	inany_from_v4(&a4, fx_ip4("192.0.2.10"));
	inany_from_v6(&a6, &g);
	pbuf_init(&b, buf, 14 + 20 + 8 + 20 + 7);
	assert_int_equal(icmp_port_unreach(&b, fx_guest_mac, fx_our_mac, &a4,
					   &a4, 1, 2), 0);
	pbuf_init(&b, buf, sizeof(buf));
	assert_int_equal(icmp_port_unreach(&b, fx_guest_mac, fx_our_mac, &a4,
					   &a6, 1, 2), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_unreach_ip4),
		cmocka_unit_test(test_port_unreach_ip6),
		cmocka_unit_test(test_port_unreach_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
