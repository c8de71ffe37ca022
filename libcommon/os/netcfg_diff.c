// SPDX-License-Identifier: GPL-2.0-or-later
/* netcfg_diff.c - the steps from one interface configuration to another
 *
 * Theory of operation: pasta --config-net gives the namespace's interface a
 * struct netcfg (loop/netsetup.c); when the host changes, a new one is
 * derived by the same code, and netcfg_diff() lists what to remove and what
 * to add so that the interface has the new one, without touching what both
 * have in common: an address or route that stays is never removed and put
 * back, so connections through it don't notice. Removals come first, routes
 * before the addresses they may depend on; then the MTU; then additions,
 * addresses before the routes that need them (a gateway must be on a
 * connected prefix). Routes are the same when family, destination, gateway,
 * metric and MTU are (the output interface is always ours): a route whose
 * MTU changed is removed and added again; addresses when
 * family, address and prefix length are.
 *
 * netcfg_diff() is pure, for unit tests; netcfg_diff_apply() takes the steps
 * over netlink with the functions of os/netlink.c that netcfg_apply() uses.
 * A removal of something already gone and an addition of something already
 * there (the kernel adds and removes prefix routes with their address)
 * count as done.
 */
#include <string.h>

#include "os/netcfg_diff.h"

/**
 * netcfg_ip_eq() - Compare two addresses of a family
 * @family:	AF_INET or AF_INET6
 * @a:		One
 * @b:		The other
 *
 * Return: true if equal
 */
static bool netcfg_ip_eq(int family, const union nl_inaddr *a,
			 const union nl_inaddr *b)
{
	if (family == AF_INET)
		return a->a4.s_addr == b->a4.s_addr;
	return !memcmp(&a->a6, &b->a6, sizeof(a->a6));
}

/**
 * netcfg_addr_eq() - Tell whether two addresses are the same
 * @a:		One
 * @b:		The other
 *
 * Return: true if family, address and prefix length are equal
 */
bool netcfg_addr_eq(const struct nl_addr *a, const struct nl_addr *b)
{
	return a->family == b->family && a->prefix == b->prefix &&
	       netcfg_ip_eq(a->family, &a->addr, &b->addr);
}

/**
 * netcfg_route_eq() - Tell whether two routes are the same
 * @a:		One
 * @b:		The other
 *
 * Return: true if family, destination, gateway, metric and MTU are equal
 */
bool netcfg_route_eq(const struct nl_route *a, const struct nl_route *b)
{
	return a->family == b->family && a->dst_len == b->dst_len &&
	       a->has_gw == b->has_gw && a->metric == b->metric &&
	       a->mtu == b->mtu &&
	       netcfg_ip_eq(a->family, &a->dst, &b->dst) &&
	       (!a->has_gw || netcfg_ip_eq(a->family, &a->gw, &b->gw));
}

/**
 * netcfg_has_addr() - Look for an address in a configuration
 * @c:		Configuration
 * @a:		Address
 *
 * Return: true if @c has it
 */
static bool netcfg_has_addr(const struct netcfg *c, const struct nl_addr *a)
{
	int i;

	for (i = 0; i < c->naddrs && i < NL_MAX_ADDRS; i++) {
		if (netcfg_addr_eq(&c->addrs[i], a))
			return true;
	}
	return false;
}

/**
 * netcfg_has_route() - Look for a route in a configuration (either list)
 * @c:		Configuration
 * @r:		Route
 *
 * Return: true if @c has it, as a route or as a default route
 */
static bool netcfg_has_route(const struct netcfg *c, const struct nl_route *r)
{
	int i;

	for (i = 0; i < c->nroutes && i < NL_MAX_ROUTES; i++) {
		if (netcfg_route_eq(&c->routes[i], r))
			return true;
	}
	for (i = 0; i < c->ngws && i < NETCFG_MAX_GWS; i++) {
		if (netcfg_route_eq(&c->gws[i], r))
			return true;
	}
	return false;
}

/**
 * netcfg_diff_routes() - Steps for the routes of one list
 * @r:		Routes of one configuration
 * @n:		Their number
 * @max:	Size of the list
 * @other:	Configuration to look them up in
 * @kind:	Step for a route of @from missing from @other
 * @d:		Steps, appended to
 */
static void netcfg_diff_routes(const struct nl_route *r, int n, int max,
			       const struct netcfg *other,
			       enum netcfg_act_kind kind, struct netcfg_diff *d)
{
	int i;

	for (i = 0; i < n && i < max && d->n < NETCFG_DIFF_MAX; i++) {
		if (netcfg_has_route(other, &r[i]))
			continue;
		memset(&d->act[d->n], 0, sizeof(d->act[d->n]));
		d->act[d->n].kind = kind;
		d->act[d->n++].route = r[i];
	}
}

/**
 * netcfg_diff_addrs() - Steps for addresses
 * @a:		Addresses of one configuration
 * @n:		Their number
 * @other:	Configuration to look them up in
 * @kind:	Step for an address missing from @other
 * @d:		Steps, appended to
 */
static void netcfg_diff_addrs(const struct nl_addr *a, int n,
			      const struct netcfg *other,
			      enum netcfg_act_kind kind, struct netcfg_diff *d)
{
	int i;

	for (i = 0; i < n && i < NL_MAX_ADDRS && d->n < NETCFG_DIFF_MAX; i++) {
		if (netcfg_has_addr(other, &a[i]))
			continue;
		memset(&d->act[d->n], 0, sizeof(d->act[d->n]));
		d->act[d->n].kind = kind;
		d->act[d->n++].addr = a[i];
	}
}

/**
 * netcfg_diff() - The steps that turn one configuration into another
 * @old:	Configuration the interface has
 * @new:	Configuration it should have
 * @d:		Steps, in order (see the top of this file)
 *
 * The link itself (MAC, up, loopback) is not compared: it doesn't follow
 * anything.
 */
void netcfg_diff(const struct netcfg *old, const struct netcfg *new,
		 struct netcfg_diff *d)
{
	d->n = 0;
	netcfg_diff_routes(old->gws, old->ngws, NETCFG_MAX_GWS, new,
			   NETCFG_ACT_ROUTE_DEL, d);
	netcfg_diff_routes(old->routes, old->nroutes, NL_MAX_ROUTES, new,
			   NETCFG_ACT_ROUTE_DEL, d);
	netcfg_diff_addrs(old->addrs, old->naddrs, new, NETCFG_ACT_ADDR_DEL, d);
	if (new->mtu && new->mtu != old->mtu && d->n < NETCFG_DIFF_MAX) {
		memset(&d->act[d->n], 0, sizeof(d->act[d->n]));
		d->act[d->n].kind = NETCFG_ACT_MTU;
		d->act[d->n++].mtu = new->mtu;
	}
	netcfg_diff_addrs(new->addrs, new->naddrs, old, NETCFG_ACT_ADDR_ADD, d);
	netcfg_diff_routes(new->routes, new->nroutes, NL_MAX_ROUTES, old,
			   NETCFG_ACT_ROUTE_ADD, d);
	netcfg_diff_routes(new->gws, new->ngws, NETCFG_MAX_GWS, old,
			   NETCFG_ACT_ROUTE_ADD, d);
}

/**
 * netcfg_diff_readd() - Add every route of a configuration again
 * @fd:		Netlink socket in the interface's namespace
 * @ifindex:	Interface
 * @c:		Configuration
 *
 * Return: 0 on success, -errno of the first route that couldn't be added
 */
static int netcfg_diff_readd(int fd, unsigned int ifindex,
			     const struct netcfg *c)
{
	int i, rc = 0, r;

	for (i = 0; i < c->nroutes && i < NL_MAX_ROUTES; i++) {
		if ((r = nl_route_add(fd, ifindex, &c->routes[i])) && !rc)
			rc = r;
	}
	for (i = 0; i < c->ngws && i < NETCFG_MAX_GWS; i++) {
		if ((r = nl_route_add(fd, ifindex, &c->gws[i])) && !rc)
			rc = r;
	}
	return rc;
}

/**
 * netcfg_diff_apply() - Take the steps of a change
 * @fd:		Netlink socket in the interface's namespace
 * @ifindex:	Interface
 * @d:		Steps
 * @new:	Configuration the steps lead to
 * @failed:	Set to the index of the step that failed, if one did
 *
 * A route addition that fails is tried again once after the others: a
 * gateway may only be reachable through a route added later in the list.
 * Removing an address may take routes with it that both configurations
 * share (IPv4 flushes every route of an interface that loses its last
 * address): after a removal, every route of @new is added again, which
 * costs nothing for those still there.
 *
 * Return: 0 on success, -errno of the first step that failed
 */
int netcfg_diff_apply(int fd, unsigned int ifindex,
		      const struct netcfg_diff *d, const struct netcfg *new,
		      int *failed)
{
	bool retry[NETCFG_DIFF_MAX] = { false }, removed = false;
	int i, rc = 0, pass;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < d->n && i < NETCFG_DIFF_MAX; i++) {
			const struct netcfg_act *a = &d->act[i];
			int r = 0;

			if (pass && !retry[i])
				continue;
			switch (a->kind) {
			case NETCFG_ACT_ROUTE_DEL:
				r = nl_route_del(fd, ifindex, &a->route);
				break;
			case NETCFG_ACT_ADDR_DEL:
				r = nl_addr_del(fd, ifindex, &a->addr);
				removed = true;
				break;
			case NETCFG_ACT_MTU:
				r = nl_link_set(fd, ifindex, a->mtu, NULL, true);
				break;
			case NETCFG_ACT_ADDR_ADD:
				r = nl_addr_add(fd, ifindex, &a->addr);
				break;
			case NETCFG_ACT_ROUTE_ADD:
				r = nl_route_add(fd, ifindex, &a->route);
				retry[i] = r && !pass;
				if (retry[i])
					r = 0;
				break;
			}
			if (r && !rc) {
				rc = r;
				*failed = i;
			}
		}
	}
	if (!rc && removed)
		rc = netcfg_diff_readd(fd, ifindex, new);
	return rc;
}
