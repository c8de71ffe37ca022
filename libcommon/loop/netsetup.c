// SPDX-License-Identifier: GPL-2.0-or-later
/* netsetup.c - pasta --config-net: give the tap the host's addresses and routes
 *
 * Theory of operation: the namespace should look like the host as far as
 * addressing goes, so that no NAT is needed: the tap gets the address and
 * prefix the guest is configured with (by default those of the host's
 * template interface), the MTU, and the routes of the template interface
 * (only a default route via the gateway with --no-copy-routes or -g). This
 * is a struct netcfg handed to netcfg_apply(), the same code pasta-netcfg
 * runs: routes are read from the host through a netlink socket opened in our
 * own namespace and written through the one opened in the guest's.
 */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "ctx.h"
#include "os/netcfg.h"
#include "os/netlink.h"

/**
 * netsetup_addrs() - Put the guest's addresses in the configuration
 * @l2:		What the guest is given
 * @cfg:	Configuration to fill
 *
 * Return: 0 on success, -errno on failure
 */
static int netsetup_addrs(const struct l2_conf *l2, struct netcfg *cfg)
{
	struct nl_addr a;
	int ret;

	if (l2->v4) {
		memset(&a, 0, sizeof(a));
		a.family = AF_INET;
		a.addr.a4 = l2->addr4;
		a.prefix = l2->prefix4;
		if ((ret = netcfg_add_addr(cfg, &a)))
			return ret;
	}
	if (l2->v6) {
		memset(&a, 0, sizeof(a));
		a.family = AF_INET6;
		a.addr.a6 = l2->addr6;
		a.prefix = l2->prefix6;
		if ((ret = netcfg_add_addr(cfg, &a)))
			return ret;
	}
	return 0;
}

/**
 * netsetup_gateway() - Put a default route via the configured gateway
 * @l2:		What the guest is given
 * @family:	AF_INET or AF_INET6
 * @cfg:	Configuration to fill
 *
 * Return: 0 on success, -errno on failure
 */
static int netsetup_gateway(const struct l2_conf *l2, int family,
			    struct netcfg *cfg)
{
	struct nl_route r = { .family = family, .has_gw = true };

	if (family == AF_INET)
		r.gw.a4 = l2->gw4;
	else
		r.gw.a6 = l2->gw6;
	return netcfg_add_gw(cfg, &r);
}

/**
 * netsetup_routes() - Put the routes of one family in the configuration
 * @c:		Configuration of pasta
 * @nl:		Netlink socket in our own (the host's) namespace
 * @family:	AF_INET or AF_INET6
 * @cfg:	Configuration to fill
 *
 * Return: 0 on success, -errno on failure
 */
static int netsetup_routes(const struct conf *c, int nl, int family,
			   struct netcfg *cfg)
{
	static struct netcfg tmpl;
	const char *ifname = family == AF_INET ? c->ifname4 : c->ifname6;
	bool gw_set = family == AF_INET ? c->gw4_set : c->gw6_set;
	unsigned int ifindex;
	int ret, i;

	if (c->no_copy_routes || gw_set || !*ifname)
		return netsetup_gateway(&c->l2, family, cfg);

	memset(&tmpl, 0, sizeof(tmpl));
	ret = nl_link_index(nl, ifname, &ifindex);
	if (!ret)
		ret = netcfg_from_template(nl, ifindex, NETCFG_COPY_ROUTES,
					   &tmpl);

	for (i = 0; !ret && i < tmpl.nroutes; i++) {
		if (tmpl.routes[i].family == family)
			ret = netcfg_add_route(cfg, &tmpl.routes[i]);
	}
	return ret;
}

/**
 * pasta_netcfg_build() - What the namespace's interface gets: MTU, MAC,
 *			  addresses and routes
 * @c:		Configuration, resolved
 * @nl:		Netlink socket in our own (the host's) namespace, to copy
 *		the template's routes
 * @cfg:	Filled
 *
 * At start for --config-net, and again each time the host changes
 * (follow.c), so that both choose by the same rules.
 *
 * Return: 0 on success, -errno on failure
 */
int pasta_netcfg_build(const struct conf *c, int nl, struct netcfg *cfg)
{
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	cfg->mtu = c->l2.mtu;
	cfg->up = true;
	cfg->lo_up = true;
	if ((cfg->set_mac = c->ns_mac_set))
		memcpy(cfg->mac, c->ns_mac, sizeof(cfg->mac));

	if ((ret = netsetup_addrs(&c->l2, cfg)) ||
	    (c->l2.v4 && (ret = netsetup_routes(c, nl, AF_INET, cfg))) ||
	    (c->l2.v6 && (ret = netsetup_routes(c, nl, AF_INET6, cfg))))
		return ret;
	return 0;
}

/**
 * pasta_config_net() - Configure the tap device in the namespace
 * @x:		Context, with the tap and the namespace netlink socket open
 *
 * Return: 0 on success, -errno on failure (the failed step is logged)
 */
int pasta_config_net(struct ctx *x)
{
	struct netcfg *cfg = &x->follow.cur;
	char what[NETCFG_ROUTE_STRLEN + 64];
	int nl = x->follow.nl_host, ret;

	if (nl < 0 && (nl = nl_open()) < 0)
		return nl;
	ret = pasta_netcfg_build(x->c, nl, cfg);
	if (nl != x->follow.nl_host)
		close(nl);
	if (ret)
		return ret;

	*what = '\0';
	if ((ret = netcfg_apply(x->nl_ns, x->tap.ifindex, cfg, what,
				sizeof(what))))
		log_err("%s: %s", what, strerror(-ret));
	return ret;
}
