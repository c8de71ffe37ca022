// SPDX-License-Identifier: GPL-2.0-or-later
/* netsetup.c - pasta --config-net: give the tap the host's addresses and routes
 *
 * Theory of operation: the namespace should look like the host as far as
 * addressing goes, so that no NAT is needed: the tap gets the address and
 * prefix the guest is configured with (by default those of the host's
 * template interface), the MTU, and the routes of the template interface.
 * Routes are read from the host over a netlink socket opened in our own
 * namespace and written into the guest's namespace through a netlink socket
 * opened there. Routes without a gateway go first, so that every gateway is
 * reachable when the routes through it are added. Kernel-made routes (the
 * prefix routes of addresses, fe80::/64, multicast) are left to the
 * namespace's kernel.
 */

#include <errno.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "ctx.h"
#include "os/netlink.h"

/**
 * netsetup_addrs() - Add the guest's addresses to the tap
 * @x:		Context
 *
 * Return: 0 on success, -errno on failure
 */
static int netsetup_addrs(struct ctx *x)
{
	const struct l2_conf *l2 = &x->c->l2;
	struct nl_addr a;
	int ret;

	if (l2->v4) {
		memset(&a, 0, sizeof(a));
		a.family = AF_INET;
		a.addr.a4 = l2->addr4;
		a.prefix = l2->prefix4;
		if ((ret = nl_addr_add(x->nl_ns, x->tap.ifindex, &a)))
			return ret;
	}
	if (l2->v6) {
		memset(&a, 0, sizeof(a));
		a.family = AF_INET6;
		a.addr.a6 = l2->addr6;
		a.prefix = l2->prefix6;
		if ((ret = nl_addr_add(x->nl_ns, x->tap.ifindex, &a)))
			return ret;
	}
	return 0;
}

/**
 * netsetup_default_route() - Add a default route via the configured gateway
 * @x:		Context
 * @family:	AF_INET or AF_INET6
 *
 * Return: 0 on success, -errno on failure
 */
static int netsetup_default_route(struct ctx *x, int family)
{
	const struct l2_conf *l2 = &x->c->l2;
	struct nl_route r = { .family = family, .has_gw = true };

	if (family == AF_INET)
		r.gw.a4 = l2->gw4;
	else
		r.gw.a6 = l2->gw6;
	return nl_route_add(x->nl_ns, x->tap.ifindex, &r);
}

/**
 * netsetup_copy_routes() - Copy the template interface's routes of a family
 * @x:		Context
 * @family:	AF_INET or AF_INET6
 * @ifname:	Template interface
 *
 * Return: 0 on success, -errno on failure
 */
static int netsetup_copy_routes(struct ctx *x, int family, const char *ifname)
{
	static struct nl_route routes[NL_MAX_ROUTES];
	unsigned int ifindex;
	int nl, n, i, pass, ret = 0;

	if ((nl = nl_open()) < 0)
		return nl;
	if ((ret = nl_link_index(nl, ifname, &ifindex)) ||
	    (n = ret = nl_route_dump(nl, family, ifindex, routes,
				     NL_MAX_ROUTES)) < 0)
		goto out;

	/* First pass: routes without gateway; second: via a gateway */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			const struct nl_route *r = &routes[i];

			if (r->protocol == RTPROT_KERNEL || r->has_gw != pass)
				continue;
			if (family == AF_INET6 && r->dst_len >= 8 &&
			    (r->dst.a6.s6_addr[0] == 0xff ||
			     (r->dst.a6.s6_addr[0] == 0xfe &&
			      (r->dst.a6.s6_addr[1] & 0xc0) == 0x80)))
				continue;
			ret = nl_route_add(x->nl_ns, x->tap.ifindex, r);
			if (ret) {
				log_warn("Couldn't copy a route: %s",
					 strerror(-ret));
				ret = 0;
			}
		}
	}
out:
	close(nl);
	return ret < 0 ? ret : 0;
}

/**
 * netsetup_routes() - Add routes of one family to the namespace
 * @x:		Context
 * @family:	AF_INET or AF_INET6
 *
 * Return: 0 on success, -errno on failure
 */
static int netsetup_routes(struct ctx *x, int family)
{
	const struct conf *c = x->c;
	const char *ifname = family == AF_INET ? c->ifname4 : c->ifname6;
	bool gw_set = family == AF_INET ? c->gw4_set : c->gw6_set;

	if (c->no_copy_routes || gw_set || !*ifname)
		return netsetup_default_route(x, family);
	return netsetup_copy_routes(x, family, ifname);
}

/**
 * pasta_config_net() - Configure the tap device in the namespace
 * @x:		Context, with the tap and the namespace netlink socket open
 *
 * Return: 0 on success, -errno on failure
 */
int pasta_config_net(struct ctx *x)
{
	const struct l2_conf *l2 = &x->c->l2;
	int ret;

	ret = nl_link_set(x->nl_ns, x->tap.ifindex, l2->mtu ? l2->mtu : 0,
			  x->c->ns_mac_set ? x->c->ns_mac : NULL, true);
	if (ret)
		return ret;
	if ((ret = netsetup_addrs(x)))
		return ret;
	if (l2->v4 && (ret = netsetup_routes(x, AF_INET)))
		return ret;
	if (l2->v6 && (ret = netsetup_routes(x, AF_INET6)))
		return ret;
	return 0;
}
