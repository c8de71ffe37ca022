// SPDX-License-Identifier: GPL-2.0-or-later
/* test_nat.c - the guest/host address translations of flow/nat.c */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "flow/nat.h"

static union inany_addr A(const char *s)
{
	union inany_addr a;
	struct in_addr v4;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, &v4) == 1)
		inany_from_v4(&a, v4);
	else
		assert_int_equal(inet_pton(AF_INET6, s, &a.a6), 1);
	return a;
}

static void assert_addr(const union inany_addr *a, const char *s)
{
	union inany_addr b = A(s);

	assert_memory_equal(a, &b, sizeof(b));
}

/* Guest 198.51.100.1/gw .254, 2001:db8:1::1/gw fe80::1 */
static void fill(struct nat *n)
{
	memset(n, 0, sizeof(*n));
	n->v4.guest = A("198.51.100.1");
	n->v4.gw = A("198.51.100.254");
	n->v6.guest = A("2001:db8:1::1");
	n->v6.gw = A("fe80::1");
}

static void test_no_nat_by_default(void **state)
{
	union inany_addr out;
	struct nat n;
	uint16_t port;

	(void)state;
	fill(&n);
	nat_outbound(&n, &n.v4.gw, 80, &out, &port);
	assert_addr(&out, "198.51.100.254");	/* no --map-host-loopback */
	assert_int_equal(port, 80);
	nat_inbound(&n, &(union inany_addr){ .a6 = A("203.0.113.9").a6 },
		    &out);
	assert_addr(&out, "203.0.113.9");
}

static void test_gateway_maps_to_loopback(void **state)
{
	union inany_addr out, dst;
	struct nat n;
	uint16_t port;

	(void)state;
	fill(&n);
	n.v4.host_lo = n.v4.gw;
	n.v4.host_lo_set = true;
	n.v6.host_lo = n.v6.gw;
	n.v6.host_lo_set = true;

	nat_outbound(&n, &n.v4.gw, 8080, &out, &port);
	assert_addr(&out, "127.0.0.1");
	dst = A("fe80::1");
	nat_outbound(&n, &dst, 22, &out, &port);
	assert_addr(&out, "::1");
	dst = A("198.51.100.2");
	nat_outbound(&n, &dst, 22, &out, &port);
	assert_addr(&out, "198.51.100.2");
}

static void test_map_guest_addr(void **state)
{
	union inany_addr out, dst = A("169.254.1.2");
	struct nat n;
	uint16_t port;

	(void)state;
	fill(&n);
	n.v4.map_guest = dst;
	n.v4.map_guest_set = true;
	nat_outbound(&n, &dst, 80, &out, &port);
	assert_addr(&out, "198.51.100.1");
}

static void test_dns_forward_only_dns_ports(void **state)
{
	union inany_addr out, dst = A("169.254.1.1");
	struct nat n;
	uint16_t port;

	(void)state;
	fill(&n);
	n.v4.dns_fwd = dst;
	n.v4.dns_host = A("198.51.100.2");
	n.v4.dns_set = true;
	nat_outbound(&n, &dst, 53, &out, &port);
	assert_addr(&out, "198.51.100.2");
	nat_outbound(&n, &dst, 853, &out, &port);
	assert_addr(&out, "198.51.100.2");
	nat_outbound(&n, &dst, 80, &out, &port);
	assert_addr(&out, "169.254.1.1");
}

static void test_inbound_loopback_and_self_appear_as_gateway(void **state)
{
	union inany_addr out, peer;
	struct nat n;

	(void)state;
	fill(&n);
	peer = A("127.0.0.5");
	nat_inbound(&n, &peer, &out);
	assert_addr(&out, "198.51.100.254");
	peer = A("198.51.100.1");
	nat_inbound(&n, &peer, &out);
	assert_addr(&out, "198.51.100.254");
	peer = A("::1");
	nat_inbound(&n, &peer, &out);
	assert_addr(&out, "fe80::1");

	n.v4.host_lo = A("169.254.1.3");
	n.v4.host_lo_set = true;
	peer = A("127.0.0.1");
	nat_inbound(&n, &peer, &out);
	assert_addr(&out, "169.254.1.3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_nat_by_default),
		cmocka_unit_test(test_gateway_maps_to_loopback),
		cmocka_unit_test(test_map_guest_addr),
		cmocka_unit_test(test_dns_forward_only_dns_ports),
		cmocka_unit_test(test_inbound_loopback_and_self_appear_as_gateway),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
