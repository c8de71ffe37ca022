// SPDX-License-Identifier: GPL-2.0-or-later
/* test_follow.c - following the host (doc/follow.md): the steps between two
 *		   interface configurations and the scan of notifications
 *		   (the picture derived again: test_conf_resolve.c), and
 *		   which flows end when the host loses an address; a route MTU
 *		   through netlink
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "loop/follow_flows.h"
#include "os/netcfg_diff.h"
#include "os/nlmsg.h"
#include "os/nlwatch.h"

/**
 * addr() - An address record from text
 * @s:		ADDR/PLEN
 *
 * Return: the record
 */
static struct nl_addr addr(const char *s)
{
	struct nl_addr a;

	memset(&a, 0, sizeof(a));
	assert_int_equal(netcfg_parse_addr(s, &a), 0);
	return a;
}

/**
 * route() - A route record from text
 * @dst:	DST/PLEN, NULL for a default route
 * @gw:		Gateway, NULL for none
 *
 * Return: the record
 */
static struct nl_route route(const char *dst, const char *gw)
{
	struct nl_route r;
	int family;

	memset(&r, 0, sizeof(r));
	if (!dst) {
		assert_int_equal(netcfg_parse_ip(gw, &family, &r.gw), 0);
		r.family = family;
		r.has_gw = true;
		return r;
	}
	assert_int_equal(netcfg_parse_route(dst, &r), 0);
	if (gw) {
		assert_int_equal(netcfg_parse_ip(gw, &family, &r.gw), 0);
		r.has_gw = true;
	}
	return r;
}

/**
 * picture() - A namespace configuration as topo.py's host gives it
 * @c:		Filled
 * @a4:		IPv4 ADDR/PLEN
 * @a6:		IPv6 ADDR/PLEN
 * @gw4:	IPv4 gateway (IPv6: 2001:db8:1::fe)
 * @net4:	IPv4 prefix route
 */
static void picture(struct netcfg *c, const char *a4, const char *a6,
		    const char *gw4, const char *net4)
{
	memset(c, 0, sizeof(*c));
	c->mtu = 65520;
	c->up = true;
	c->addrs[c->naddrs++] = addr(a4);
	c->addrs[c->naddrs++] = addr(a6);
	c->routes[c->nroutes++] = route(net4, NULL);
	c->routes[c->nroutes++] = route(NULL, gw4);
	c->routes[c->nroutes++] = route(NULL, "2001:db8:1::fe");
}

static struct netcfg oldc, newc;
static struct netcfg_diff d;

static void test_diff_same(void **state)
{
	(void)state;
	picture(&oldc, "198.51.100.1/24", "2001:db8:1::1/64",
		"198.51.100.254", "198.51.100.0/24");
	newc = oldc;
	netcfg_diff(&oldc, &newc, &d);
	assert_int_equal(d.n, 0);
}

static void test_diff_addr4_replaced(void **state)
{
	struct nl_addr o = addr("198.51.100.1/24"), n = addr("198.51.100.7/24");

	(void)state;
	picture(&oldc, "198.51.100.1/24", "2001:db8:1::1/64",
		"198.51.100.254", "198.51.100.0/24");
	picture(&newc, "198.51.100.7/24", "2001:db8:1::1/64",
		"198.51.100.254", "198.51.100.0/24");
	netcfg_diff(&oldc, &newc, &d);
	/* the IPv6 address and every route stay: not touched */
	assert_int_equal(d.n, 2);
	assert_int_equal(d.act[0].kind, NETCFG_ACT_ADDR_DEL);
	assert_true(netcfg_addr_eq(&d.act[0].addr, &o));
	assert_int_equal(d.act[1].kind, NETCFG_ACT_ADDR_ADD);
	assert_true(netcfg_addr_eq(&d.act[1].addr, &n));
}

static void test_diff_prefix_changed(void **state)
{
	(void)state;
	picture(&oldc, "198.51.100.1/24", "2001:db8:1::1/64",
		"198.51.100.254", "198.51.100.0/24");
	picture(&newc, "198.51.100.1/25", "2001:db8:1::1/64",
		"198.51.100.254", "198.51.100.0/25");
	netcfg_diff(&oldc, &newc, &d);
	/* route of the old prefix, address, then address and route back */
	assert_int_equal(d.n, 4);
	assert_int_equal(d.act[0].kind, NETCFG_ACT_ROUTE_DEL);
	assert_int_equal(d.act[0].route.dst_len, 24);
	assert_int_equal(d.act[1].kind, NETCFG_ACT_ADDR_DEL);
	assert_int_equal(d.act[2].kind, NETCFG_ACT_ADDR_ADD);
	assert_int_equal(d.act[2].addr.prefix, 25);
	assert_int_equal(d.act[3].kind, NETCFG_ACT_ROUTE_ADD);
	assert_int_equal(d.act[3].route.dst_len, 25);
}

static void test_diff_route_moved(void **state)
{
	struct nl_route gw = route(NULL, "203.0.113.254");

	(void)state;
	picture(&oldc, "198.51.100.1/24", "2001:db8:1::1/64",
		"198.51.100.254", "198.51.100.0/24");
	picture(&newc, "203.0.113.1/24", "2001:db8:1::1/64", "203.0.113.254",
		"203.0.113.0/24");
	netcfg_diff(&oldc, &newc, &d);
	assert_int_equal(d.n, 6);
	/* removals first, routes before addresses; additions the other way */
	assert_int_equal(d.act[0].kind, NETCFG_ACT_ROUTE_DEL);
	assert_int_equal(d.act[1].kind, NETCFG_ACT_ROUTE_DEL);
	assert_int_equal(d.act[2].kind, NETCFG_ACT_ADDR_DEL);
	assert_int_equal(d.act[3].kind, NETCFG_ACT_ADDR_ADD);
	assert_int_equal(d.act[4].kind, NETCFG_ACT_ROUTE_ADD);
	assert_int_equal(d.act[5].kind, NETCFG_ACT_ROUTE_ADD);
	assert_true(netcfg_route_eq(&d.act[5].route, &gw));
}

static void test_diff_gateway_and_mtu(void **state)
{
	(void)state;
	picture(&oldc, "198.51.100.1/24", "2001:db8:1::1/64",
		"198.51.100.254", "198.51.100.0/24");
	picture(&newc, "198.51.100.1/24", "2001:db8:1::1/64",
		"198.51.100.253", "198.51.100.0/24");
	newc.mtu = 1400;
	netcfg_diff(&oldc, &newc, &d);
	assert_int_equal(d.n, 3);
	assert_int_equal(d.act[0].kind, NETCFG_ACT_ROUTE_DEL);
	assert_int_equal(d.act[1].kind, NETCFG_ACT_MTU);
	assert_int_equal(d.act[1].mtu, 1400);
	assert_int_equal(d.act[2].kind, NETCFG_ACT_ROUTE_ADD);

	/* a metric makes another route; 0 (leave it) is no MTU change */
	newc = oldc;
	newc.routes[1].metric = 100;
	newc.mtu = 0;
	netcfg_diff(&oldc, &newc, &d);
	assert_int_equal(d.n, 2);
}

static void test_diff_gws_list(void **state)
{
	(void)state;
	/* -g / --no-copy-routes: the default route is in gws, not routes */
	memset(&oldc, 0, sizeof(oldc));
	oldc.addrs[oldc.naddrs++] = addr("198.51.100.1/24");
	oldc.gws[oldc.ngws++] = route(NULL, "198.51.100.254");
	newc = oldc;
	newc.addrs[0] = addr("198.51.100.7/24");
	netcfg_diff(&oldc, &newc, &d);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.act[0].kind, NETCFG_ACT_ADDR_DEL);
	assert_int_equal(d.act[1].kind, NETCFG_ACT_ADDR_ADD);
}

static void test_diff_route_mtu(void **state)
{
	(void)state;
	memset(&oldc, 0, sizeof(oldc));
	oldc.mtu = 65520;
	oldc.addrs[oldc.naddrs++] = addr("198.51.100.1/24");
	oldc.routes[oldc.nroutes++] = route("0.0.0.0/0", "198.51.100.254");
	oldc.routes[oldc.nroutes++] = route("203.0.113.0/24", "198.51.100.9");
	newc = oldc;

	/* the host's default route got an MTU: that route only is replaced,
	 * the link's MTU stays
	 */
	newc.routes[0].mtu = 1400;
	netcfg_diff(&oldc, &newc, &d);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.act[0].kind, NETCFG_ACT_ROUTE_DEL);
	assert_int_equal(d.act[0].route.mtu, 0);
	assert_int_equal(d.act[1].kind, NETCFG_ACT_ROUTE_ADD);
	assert_int_equal(d.act[1].route.mtu, 1400);
	assert_int_equal(d.act[1].route.dst_len, 0);

	/* and the same MTU again: nothing to do */
	oldc = newc;
	netcfg_diff(&oldc, &newc, &d);
	assert_int_equal(d.n, 0);
}

static void test_route_mtu_netlink(void **state)
{
	struct nl_route r = {.family = AF_INET, .has_gw = true, .mtu = 1400};
	uint8_t buf[NL_REQ_SIZE] __attribute__((aligned(4)));
	struct nl_route back;
	int len, len0;

	(void)state;
	inet_pton(AF_INET, "192.0.2.1", &r.gw.a4);
	/* the MTU goes in RTA_METRICS { RTAX_MTU }: 12 bytes, read back */
	r.mtu = 0;
	len0 = nl_build_route_add(buf, sizeof(buf), 9, 4, &r);
	assert_int_equal(nl_parse_route(buf, (size_t)len0, &back), 0);
	assert_int_equal(back.mtu, 0);
	r.mtu = 1400;
	len = nl_build_route_add(buf, sizeof(buf), 9, 4, &r);
	assert_int_equal(len, len0 + 12);
	assert_int_equal(nl_parse_route(buf, (size_t)len, &back), 0);
	assert_int_equal(back.mtu, 1400);
	assert_true(back.has_gw);
	assert_int_equal(back.ifindex, 4);

	/* the nest is last: a metric longer than it, or an MTU of the wrong
	 * size, and the whole message is rejected
	 */
	buf[len - 8] = 12;
	assert_int_equal(nl_parse_route(buf, (size_t)len, &back), -EBADMSG);
	buf[len - 8] = 6;
	assert_int_equal(nl_parse_route(buf, (size_t)len, &back), -EBADMSG);
	/* another metric is skipped */
	buf[len - 8] = 8;
	buf[len - 6] = RTAX_ADVMSS;
	assert_int_equal(nl_parse_route(buf, (size_t)len, &back), 0);
	assert_int_equal(back.mtu, 0);

	/* a removal never carries metrics */
	len0 = nl_build_route_del(buf, sizeof(buf), 9, 4, &r);
	r.mtu = 0;
	assert_int_equal(nl_build_route_del(buf, sizeof(buf), 9, 4, &r),
			 len0);
}

/**
 * put_msg() - Append a notification, as the kernel queues them
 * @buf:	Datagram
 * @off:	Its length so far, updated
 * @type:	RTM_*
 * @table:	rtm_table (RTM_*ROUTE)
 */
static void put_msg(uint8_t *buf, size_t *off, uint16_t type, uint8_t table)
{
	struct nlmsghdr nh = {
		.nlmsg_len = NLMSG_HDRLEN + sizeof(struct rtmsg),
		.nlmsg_type = type,
	};
	struct rtmsg rtm = { .rtm_family = AF_INET, .rtm_table = table };

	memcpy(buf + *off, &nh, sizeof(nh));
	memcpy(buf + *off + NLMSG_HDRLEN, &rtm, sizeof(rtm));
	*off += NLMSG_ALIGN(nh.nlmsg_len);
}

static void test_scan(void **state)
{
	uint8_t buf[256] __attribute__((aligned(4))) = { 0 };
	size_t len = 0;

	(void)state;
	put_msg(buf, &len, RTM_NEWADDR, 0);
	assert_int_equal(nlwatch_scan(pview_make(buf, len)), NLWATCH_ADDR);
	put_msg(buf, &len, RTM_DELROUTE, RT_TABLE_LOCAL);
	assert_int_equal(nlwatch_scan(pview_make(buf, len)), NLWATCH_ADDR);
	put_msg(buf, &len, RTM_NEWROUTE, RT_TABLE_MAIN);
	put_msg(buf, &len, RTM_NEWLINK, 0);
	assert_int_equal(nlwatch_scan(pview_make(buf, len)),
			 NLWATCH_ADDR | NLWATCH_ROUTE | NLWATCH_LINK);
	/* cut: the last message doesn't fit, it is not counted */
	assert_int_equal(nlwatch_scan(pview_make(buf, len - 1)),
			 NLWATCH_ADDR | NLWATCH_ROUTE);
	/* a length under the header ends the walk */
	buf[0] = 4;
	assert_int_equal(nlwatch_scan(pview_make(buf, len)), 0);
	assert_int_equal(nlwatch_scan(pview_make(buf, 3)), 0);

	/* an address removed: its own bit, with the address one */
	len = 0;
	memset(buf, 0, sizeof(buf));
	put_msg(buf, &len, RTM_NEWADDR, 0);
	assert_int_equal(nlwatch_scan(pview_make(buf, len)) & NLWATCH_ADDR_DEL,
			 0);
	put_msg(buf, &len, RTM_DELADDR, 0);
	assert_int_equal(nlwatch_scan(pview_make(buf, len)),
			 NLWATCH_ADDR | NLWATCH_ADDR_DEL);
}

/**
 * ip() - An address, as a flow's socket has it
 * @s:		Text, IPv4 or IPv6
 *
 * Return: the address (IPv4 as IPv4-mapped IPv6)
 */
static union inany_addr ip(const char *s)
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

static void test_addr_gone(void **state)
{
	static const struct {
		const char *ip;
		int n;		/* entries of have[] looked at */
		bool gone;
	} t[] = {
		/* what the host still has stays, in either family */
		{ "198.51.100.1", 4, false },
		{ "203.0.113.2", 4, false },
		{ "2001:db8::2", 4, false },
		{ "fe80::1", 4, false },
		/* what it lost is gone */
		{ "198.51.100.7", 4, true },
		{ "2001:db8::7", 4, true },
		/* 198.51.100.1's bytes as an IPv6 address: another family */
		{ "::c633:6401", 4, true },
		/* only the entries counted are looked at */
		{ "2001:db8::2", 2, true },
		/* loopback and unspecified never count as gone */
		{ "127.0.0.1", 4, false },
		{ "127.1.2.3", 0, false },
		{ "::1", 0, false },
		{ "0.0.0.0", 0, false },
		{ "::", 0, false },
		/* ... and 128.0.0.1 is no loopback */
		{ "128.0.0.1", 4, true },
	};
	struct nl_addr have[4];
	union inany_addr a;
	size_t i;

	(void)state;
	have[0] = addr("198.51.100.1/24");
	have[1] = addr("203.0.113.2/24");
	have[2] = addr("2001:db8::2/64");
	have[3] = addr("fe80::1/64");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		a = ip(t[i].ip);
		if (follow_addr_gone(&a, have, t[i].n) != t[i].gone)
			fail_msg("%s, %d addresses: gone should be %d", t[i].ip,
				 t[i].n, t[i].gone);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff_same),
		cmocka_unit_test(test_diff_addr4_replaced),
		cmocka_unit_test(test_diff_prefix_changed),
		cmocka_unit_test(test_diff_route_moved),
		cmocka_unit_test(test_diff_gateway_and_mtu),
		cmocka_unit_test(test_diff_gws_list),
		cmocka_unit_test(test_diff_route_mtu),
		cmocka_unit_test(test_route_mtu_netlink),
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_addr_gone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
