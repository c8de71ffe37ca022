// SPDX-License-Identifier: GPL-2.0-or-later
/* test_nat.c - the guest/host address translations of flow/nat.c */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
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

/* Guest 198.51.100.1/gw .254, 2001:db8:1::1/gw fe80::1 (our link-local) */
static void fill(struct nat *n)
{
	memset(n, 0, sizeof(*n));
	n->v4.guest = A("198.51.100.1");
	n->v4.gw = A("198.51.100.254");
	n->v4.self = n->v4.gw;
	n->v6.guest = A("2001:db8:1::1");
	n->v6.gw = A("fe80::1");
	n->v6.self = n->v6.gw;
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
	assert_int_equal(nat_inbound(&n, &(union inany_addr){
					     .a6 = A("203.0.113.9").a6 },
				     NULL, &out),
			 0);
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

/**
 * enum opts - Option sets of the clients, as compat.md lists them
 * @OPTS_DEFAULT:	libvirt, qemu: the gateway is the host's loopback
 * @OPTS_PODMAN:	--no-map-gw --map-guest-addr 169.254.1.2
 * @OPTS_ROOTLESSKIT:	--no-map-gw
 * @OPTS_MAP_LO:	--map-host-loopback 169.254.1.3 (and fd00::3)
 * @OPTS_LO_NONE:	--map-host-loopback none
 */
enum opts {
	OPTS_DEFAULT,
	OPTS_PODMAN,
	OPTS_ROOTLESSKIT,
	OPTS_MAP_LO,
	OPTS_LO_NONE,
};

/* The translations conf_nat() makes of option set @o */
static void with_opts(struct nat *n, enum opts o)
{
	fill(n);
	switch (o) {
	case OPTS_DEFAULT:
		n->v4.host_lo = n->v4.gw;
		n->v6.host_lo = n->v6.gw;
		n->v4.host_lo_set = n->v6.host_lo_set = true;
		break;
	case OPTS_PODMAN:
		n->v4.map_guest = A("169.254.1.2");
		n->v4.map_guest_set = true;
		break;
	case OPTS_MAP_LO:
		n->v4.host_lo = A("169.254.1.3");
		n->v6.host_lo = A("fd00::3");
		n->v4.host_lo_set = n->v6.host_lo_set = true;
		break;
	case OPTS_ROOTLESSKIT:
	case OPTS_LO_NONE:
		break;
	}
}

/* Under @o, peer @peer (guest seen using @seen6, or NULL) shows as @want */
static void inbound_is(enum opts o, const char *peer, const char *seen6,
		       const char *want)
{
	union inany_addr p = A(peer), seen, out;
	struct nat n;

	with_opts(&n, o);
	if (seen6)
		seen = A(seen6);
	assert_int_equal(nat_inbound(&n, &p, seen6 ? &seen : NULL, &out), 0);
	assert_addr(&out, want);
}

static void test_inbound_default_opts(void **state)
{
	(void)state;
	/* 127.0.0.1 and ::1: the host-loopback address (the gateway) */
	inbound_is(OPTS_DEFAULT, "127.0.0.1", NULL, "198.51.100.254");
	inbound_is(OPTS_DEFAULT, "::1", NULL, "fe80::1");
	/* other loopback addresses, the host's own: our address */
	inbound_is(OPTS_DEFAULT, "127.0.0.2", NULL, "198.51.100.254");
	inbound_is(OPTS_DEFAULT, "198.51.100.1", NULL, "198.51.100.254");
	inbound_is(OPTS_DEFAULT, "2001:db8:1::1", NULL, "fe80::1");
	/* anyone else as they are */
	inbound_is(OPTS_DEFAULT, "203.0.113.9", NULL, "203.0.113.9");
	inbound_is(OPTS_DEFAULT, "2001:db8:9::9", NULL, "2001:db8:9::9");
	inbound_is(OPTS_DEFAULT, "fe80::77", NULL, "fe80::77");
}

static void test_inbound_podman_opts(void **state)
{
	(void)state;
	/* the host's own address: --map-guest-addr, which means "the host"
	 * to the guest; IPv6 has none: our link-local address
	 */
	inbound_is(OPTS_PODMAN, "198.51.100.1", NULL, "169.254.1.2");
	inbound_is(OPTS_PODMAN, "2001:db8:1::1", NULL, "fe80::1");
	/* loopback (--no-splice), no host-loopback address: ours */
	inbound_is(OPTS_PODMAN, "127.0.0.1", NULL, "198.51.100.254");
	inbound_is(OPTS_PODMAN, "::1", NULL, "fe80::1");
	inbound_is(OPTS_PODMAN, "203.0.113.9", NULL, "203.0.113.9");
	inbound_is(OPTS_PODMAN, "2001:db8:9::9", NULL, "2001:db8:9::9");
}

static void test_inbound_rootlesskit_and_none_opts(void **state)
{
	static const enum opts set[] = {OPTS_ROOTLESSKIT, OPTS_LO_NONE};
	enum opts o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(set) / sizeof(set[0]); i++) {
		o = set[i];
		inbound_is(o, "127.0.0.1", NULL, "198.51.100.254");
		inbound_is(o, "::1", NULL, "fe80::1");
		inbound_is(o, "198.51.100.1", NULL, "198.51.100.254");
		inbound_is(o, "2001:db8:1::1", NULL, "fe80::1");
		inbound_is(o, "203.0.113.9", NULL, "203.0.113.9");
	}
}

static void test_inbound_map_host_loopback_address(void **state)
{
	(void)state;
	inbound_is(OPTS_MAP_LO, "127.0.0.1", NULL, "169.254.1.3");
	inbound_is(OPTS_MAP_LO, "::1", NULL, "fd00::3");
	/* 127.0.0.1 only: outbound, the address leads there, not elsewhere */
	inbound_is(OPTS_MAP_LO, "127.0.0.2", NULL, "198.51.100.254");
	inbound_is(OPTS_MAP_LO, "198.51.100.1", NULL, "198.51.100.254");
	inbound_is(OPTS_MAP_LO, "2001:db8:1::1", NULL, "fe80::1");
}

static void test_inbound_guest_seen_address(void **state)
{
	(void)state;
	/* the guest's own SLAAC address, or any it was seen using */
	inbound_is(OPTS_DEFAULT, "2001:db8:1::5", "2001:db8:1::5", "fe80::1");
	inbound_is(OPTS_PODMAN, "2001:db8:1::5", "2001:db8:1::5", "fe80::1");
	inbound_is(OPTS_DEFAULT, "2001:db8:1::6", "2001:db8:1::5",
		   "2001:db8:1::6");
	inbound_is(OPTS_DEFAULT, "2001:db8:1::6", "::", "2001:db8:1::6");
}

static void test_inbound_unspecified_and_no_gateway(void **state)
{
	union inany_addr p = A("0.0.0.0"), out;
	struct nat n;

	(void)state;
	inbound_is(OPTS_DEFAULT, "0.0.0.0", NULL, "198.51.100.254");
	inbound_is(OPTS_DEFAULT, "::", NULL, "fe80::1");

	/* nothing to show an unreachable IPv4 peer as: refused */
	with_opts(&n, OPTS_ROOTLESSKIT);
	n.v4.self = A("0.0.0.0");
	assert_int_equal(nat_inbound(&n, &p, NULL, &out), -EADDRNOTAVAIL);
	p = A("127.0.0.1");
	assert_int_equal(nat_inbound(&n, &p, NULL, &out), -EADDRNOTAVAIL);
	p = A("203.0.113.9");
	assert_int_equal(nat_inbound(&n, &p, NULL, &out), 0);
	assert_addr(&out, "203.0.113.9");
}

static void test_inbound_in_place(void **state)
{
	union inany_addr a = A("198.51.100.1");
	struct nat n;

	(void)state;
	with_opts(&n, OPTS_PODMAN);
	assert_int_equal(nat_inbound(&n, &a, NULL, &a), 0);
	assert_addr(&a, "169.254.1.2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_nat_by_default),
		cmocka_unit_test(test_gateway_maps_to_loopback),
		cmocka_unit_test(test_map_guest_addr),
		cmocka_unit_test(test_dns_forward_only_dns_ports),
		cmocka_unit_test(test_inbound_default_opts),
		cmocka_unit_test(test_inbound_podman_opts),
		cmocka_unit_test(test_inbound_rootlesskit_and_none_opts),
		cmocka_unit_test(test_inbound_map_host_loopback_address),
		cmocka_unit_test(test_inbound_guest_seen_address),
		cmocka_unit_test(test_inbound_unspecified_and_no_gateway),
		cmocka_unit_test(test_inbound_in_place),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
