// SPDX-License-Identifier: GPL-2.0-or-later
/* test_nat.c - the guest/host address translations of flow/nat.c */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "flow/nat.h"
#include "inany_fixture.h"

static void assert_addr(const union inany_addr *a, const char *s)
{
	union inany_addr b = fx_inany(s);

	assert_memory_equal(a, &b, sizeof(b));
}

/* Guest 198.51.100.1/gw .254, 2001:db8:1::1/gw fe80::1 (our link-local) */
static void fill(struct nat *n)
{
	memset(n, 0, sizeof(*n));
	n->v4.guest = fx_inany("198.51.100.1");
	n->v4.gw = fx_inany("198.51.100.254");
	n->v4.self = n->v4.gw;
	n->v6.guest = fx_inany("2001:db8:1::1");
	n->v6.gw = fx_inany("fe80::1");
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
					     .a6 = fx_inany("203.0.113.9").a6 },
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
	dst = fx_inany("fe80::1");
	nat_outbound(&n, &dst, 22, &out, &port);
	assert_addr(&out, "::1");
	dst = fx_inany("198.51.100.2");
	nat_outbound(&n, &dst, 22, &out, &port);
	assert_addr(&out, "198.51.100.2");
}

static void test_map_guest_addr(void **state)
{
	union inany_addr out, dst = fx_inany("169.254.1.2");
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
	union inany_addr out, dst = fx_inany("169.254.1.1");
	struct nat n;
	uint16_t port;

	(void)state;
	fill(&n);
	n.v4.dns_fwd = dst;
	n.v4.dns_host = fx_inany("198.51.100.2");
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
		n->v4.map_guest = fx_inany("169.254.1.2");
		n->v4.map_guest_set = true;
		break;
	case OPTS_MAP_LO:
		n->v4.host_lo = fx_inany("169.254.1.3");
		n->v6.host_lo = fx_inany("fd00::3");
		n->v4.host_lo_set = n->v6.host_lo_set = true;
		break;
	case OPTS_ROOTLESSKIT:
	case OPTS_LO_NONE:
		break;
	}
}

/**
 * struct inbound_case - One peer under one option set
 * @o:		Option set
 * @peer:	Peer on the host
 * @seen6:	IPv6 address the guest was seen using, NULL for none
 * @want:	What the guest sees
 */
struct inbound_case {
	enum opts o;
	const char *peer;
	const char *seen6;
	const char *want;
};

#define GW4 "198.51.100.254"
#define LL6 "fe80::1" /* our link-local address, as the guest sees it */

static const struct inbound_case inbound_cases[] = {
	/* libvirt, qemu: 127.0.0.1 and ::1 as the gateway (host loopback) */
	{OPTS_DEFAULT, "127.0.0.1", NULL, GW4},
	{OPTS_DEFAULT, "::1", NULL, LL6},
	/* other loopback addresses, the host's own: our address */
	{OPTS_DEFAULT, "127.0.0.2", NULL, GW4},
	{OPTS_DEFAULT, "198.51.100.1", NULL, GW4},
	{OPTS_DEFAULT, "2001:db8:1::1", NULL, LL6},
	/* anyone else as they are */
	{OPTS_DEFAULT, "203.0.113.9", NULL, "203.0.113.9"},
	{OPTS_DEFAULT, "2001:db8:9::9", NULL, "2001:db8:9::9"},
	{OPTS_DEFAULT, "fe80::77", NULL, "fe80::77"},

	/* podman: the host's own address as --map-guest-addr, "the host" in
	 * the guest; IPv6 has none: our link-local address
	 */
	{OPTS_PODMAN, "198.51.100.1", NULL, "169.254.1.2"},
	{OPTS_PODMAN, "2001:db8:1::1", NULL, LL6},
	/* loopback (--no-splice, passt), no host-loopback address: ours */
	{OPTS_PODMAN, "127.0.0.1", NULL, GW4},
	{OPTS_PODMAN, "::1", NULL, LL6},
	{OPTS_PODMAN, "203.0.113.9", NULL, "203.0.113.9"},
	{OPTS_PODMAN, "2001:db8:9::9", NULL, "2001:db8:9::9"},

	/* rootlesskit (--no-map-gw), --map-host-loopback none: ours */
	{OPTS_ROOTLESSKIT, "127.0.0.1", NULL, GW4},
	{OPTS_ROOTLESSKIT, "::1", NULL, LL6},
	{OPTS_ROOTLESSKIT, "198.51.100.1", NULL, GW4},
	{OPTS_ROOTLESSKIT, "2001:db8:1::1", NULL, LL6},
	{OPTS_ROOTLESSKIT, "203.0.113.9", NULL, "203.0.113.9"},
	{OPTS_LO_NONE, "127.0.0.1", NULL, GW4},
	{OPTS_LO_NONE, "::1", NULL, LL6},

	/* --map-host-loopback ADDR: 127.0.0.1 only, the inverse of outbound */
	{OPTS_MAP_LO, "127.0.0.1", NULL, "169.254.1.3"},
	{OPTS_MAP_LO, "::1", NULL, "fd00::3"},
	{OPTS_MAP_LO, "127.0.0.2", NULL, GW4},
	{OPTS_MAP_LO, "198.51.100.1", NULL, GW4},
	{OPTS_MAP_LO, "2001:db8:1::1", NULL, LL6},

	/* an address the guest was seen using (its SLAAC one): ours */
	{OPTS_DEFAULT, "2001:db8:1::5", "2001:db8:1::5", LL6},
	{OPTS_PODMAN, "2001:db8:1::5", "2001:db8:1::5", LL6},
	{OPTS_DEFAULT, "2001:db8:1::6", "2001:db8:1::5", "2001:db8:1::6"},
	{OPTS_DEFAULT, "2001:db8:1::6", "::", "2001:db8:1::6"},

	/* the unspecified address is "this host" on the wire: ours */
	{OPTS_DEFAULT, "0.0.0.0", NULL, GW4},
	{OPTS_DEFAULT, "::", NULL, LL6},
};

static void test_inbound_cases(void **state)
{
	char got[128], want[128], buf[INET6_ADDRSTRLEN];
	union inany_addr p, seen, out;
	struct nat n;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(inbound_cases) / sizeof(inbound_cases[0]);
	     i++) {
		const struct inbound_case *c = &inbound_cases[i];

		with_opts(&n, c->o);
		p = fx_inany(c->peer);
		if (c->seen6)
			seen = fx_inany(c->seen6);
		assert_int_equal(nat_inbound(&n, &p, c->seen6 ? &seen : NULL,
					     &out),
				 0);
		/* the case in the message, should it fail */
		snprintf(got, sizeof(got), "opts %d, %s: %s", c->o, c->peer,
			 inany_ntop(&out, buf, sizeof(buf)));
		snprintf(want, sizeof(want), "opts %d, %s: %s", c->o, c->peer,
			 c->want);
		assert_string_equal(got, want);
	}
}

static void test_inbound_no_gateway(void **state)
{
	union inany_addr p = fx_inany("0.0.0.0"), out;
	struct nat n;

	(void)state;
	/* nothing to show an unreachable IPv4 peer as: refused */
	with_opts(&n, OPTS_ROOTLESSKIT);
	n.v4.self = fx_inany("0.0.0.0");
	assert_int_equal(nat_inbound(&n, &p, NULL, &out), -EADDRNOTAVAIL);
	p = fx_inany("127.0.0.1");
	assert_int_equal(nat_inbound(&n, &p, NULL, &out), -EADDRNOTAVAIL);
	p = fx_inany("203.0.113.9");
	assert_int_equal(nat_inbound(&n, &p, NULL, &out), 0);
	assert_addr(&out, "203.0.113.9");
}

static void test_inbound_in_place(void **state)
{
	union inany_addr a = fx_inany("198.51.100.1");
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
		cmocka_unit_test(test_inbound_cases),
		cmocka_unit_test(test_inbound_no_gateway),
		cmocka_unit_test(test_inbound_in_place),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
