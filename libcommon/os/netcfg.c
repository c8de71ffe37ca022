// SPDX-License-Identifier: GPL-2.0-or-later
/* netcfg.c - configure an interface over rtnetlink, from options or like a
 *	      template interface
 *
 * Theory of operation: a struct netcfg lists what to do to one interface;
 * it is filled either from command-line values (the netcfg_parse_*()
 * functions, pure) or from a template interface read in the caller's
 * namespace (netcfg_from_template()), then applied through a netlink socket
 * opened in the target namespace (netcfg_apply()). This is what pasta's
 * --config-net does to its tap device, and what pasta-netcfg exposes.
 *
 * Order of application: MTU and hardware address, link up, addresses,
 * routes, default routes, loopback up.
 *
 * A link we bring up gets its IPv6 link-local address usable at once, as
 * the addresses we add are (IFA_F_NODAD): left to itself, the kernel
 * generates the address when the link goes up and keeps it "tentative" for
 * a second of Duplicate Address Detection, during which nothing can bind
 * to it or send from it. Upstream brings the link up with IFF_NOARP (the
 * kernel skips DAD on such links), marks the address IFA_F_NODAD and clears
 * IFF_NOARP; but the kernel runs DAD from its work queue, once the link
 * watcher reports the carrier, up to a second later on a tap just created,
 * and clearing IFF_NOARP before that restarts DAD after a random delay:
 * the address stays tentative as often as not. Instead, the kernel is told
 * not to generate the address (IN6_ADDR_GEN_MODE_NONE), and we add the one
 * it would have made, EUI-64 from the MAC (RFC 4291 2.5.1, appendix A),
 * with IFA_F_NODAD, before anyone can use the link. Routes are retried in passes because
 * a gateway may only be reachable through another route of the list; the
 * passes stop when one makes no progress, so there are at most as many
 * passes as routes.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "base/mac.h"
#include "base/util.h"
#include "os/netcfg.h"

/* Smallest MTU an IPv4 link must carry (RFC 791, "Fragmentation") */
#define NETCFG_MTU_MIN 68
#define NETCFG_MTU_MAX 65535

/**
 * netcfg_bits() - Number of bits of an address family
 * @family:	AF_INET or AF_INET6
 *
 * Return: 32, 128, or 0 for any other family
 */
static int netcfg_bits(int family)
{
	if (family == AF_INET)
		return 32;
	return family == AF_INET6 ? 128 : 0;
}

/**
 * netcfg_parse_mtu() - Parse an MTU
 * @s:		Decimal string
 * @mtu:	MTU
 *
 * Return: 0, -EINVAL if not a number, -ERANGE if not within 68..65535
 */
int netcfg_parse_mtu(const char *s, unsigned int *mtu)
{
	unsigned long v;
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno || v < NETCFG_MTU_MIN || v > NETCFG_MTU_MAX)
		return -ERANGE;
	*mtu = (unsigned int)v;
	return 0;
}

/**
 * netcfg_parse_mac() - Parse the hardware address of an interface
 * @s:		Six pairs of hexadecimal digits separated by ':' (mac_parse())
 * @mac:	Address, 6 bytes, set on success only
 *
 * Return: 0, -EINVAL if malformed, or not unicast (the group bit set, or
 *	   all zeroes), which the kernel would refuse for a device
 */
int netcfg_parse_mac(const char *s, uint8_t *mac)
{
	uint8_t m[ETH_ADDR_LEN];

	if (mac_parse(s, m) || !mac_is_unicast(m))
		return -EINVAL;
	memcpy(mac, m, sizeof(m));
	return 0;
}

/**
 * netcfg_parse_ip() - Parse an IPv4 or IPv6 address
 * @s:		Address in text form
 * @family:	AF_INET or AF_INET6
 * @ip:		Address
 *
 * Return: 0, -EINVAL if @s is neither
 */
int netcfg_parse_ip(const char *s, int *family, union nl_inaddr *ip)
{
	union nl_inaddr a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, &a.a4) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, s, &a.a6) == 1)
		*family = AF_INET6;
	else
		return -EINVAL;
	*ip = a;
	return 0;
}

/**
 * netcfg_parse_plen() - Parse a prefix length
 * @s:		Decimal string
 * @bits:	Largest valid value
 * @plen:	Prefix length
 *
 * Return: 0, -EINVAL if not a number from 0 to @bits
 */
static int netcfg_parse_plen(const char *s, int bits, int *plen)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end || errno || v > (unsigned long)bits)
		return -EINVAL;
	*plen = (int)v;
	return 0;
}

/**
 * netcfg_parse_addr() - Parse an interface address with its prefix length
 * @s:		ADDR[/PLEN]; without PLEN, a host prefix (32 or 128)
 * @a:		Address, scope global, no flags
 *
 * Return: 0, -EINVAL if malformed
 */
int netcfg_parse_addr(const char *s, struct nl_addr *a)
{
	char buf[INET6_ADDRSTRLEN + sizeof("/128")];
	struct nl_addr r = {0};
	char *slash;
	int rc;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return -EINVAL;
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';

	rc = netcfg_parse_ip(buf, &r.family, &r.addr);
	if (rc)
		return rc;
	r.prefix = netcfg_bits(r.family);
	if (slash) {
		rc = netcfg_parse_plen(slash + 1, r.prefix, &r.prefix);
		if (rc)
			return rc;
	}
	r.scope = RT_SCOPE_UNIVERSE;
	*a = r;
	return 0;
}

/**
 * netcfg_host_bits_clear() - Check that only the prefix bits are set
 * @a:		Address and prefix length
 *
 * Return: true if every bit after the prefix is zero
 */
static bool netcfg_host_bits_clear(const struct nl_addr *a)
{
	const uint8_t *b = (const uint8_t *)&a->addr;
	int bits = netcfg_bits(a->family), i;

	for (i = a->prefix; i < bits; i++) {
		if (b[i / 8] & (0x80 >> (i % 8)))
			return false;
	}
	return true;
}

/**
 * netcfg_parse_route() - Parse a route
 * @s:		DST[/PLEN][@GW], where DST may be "default" if GW is given
 * @r:		Route: no metric, protocol 0 (RTPROT_BOOT when added)
 *
 * Return: 0, -EINVAL if malformed, if DST has bits set after the prefix,
 *	   or if DST and GW are of different families
 */
int netcfg_parse_route(const char *s, struct nl_route *r)
{
	char buf[INET6_ADDRSTRLEN * (size_t)2 + sizeof("/128@")];
	struct nl_route out = {0};
	struct nl_addr dst;
	char *at;
	int rc;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		return -EINVAL;
	at = strchr(buf, '@');
	if (at) {
		*at = '\0';
		rc = netcfg_parse_ip(at + 1, &out.family, &out.gw);
		if (rc)
			return rc;
		out.has_gw = true;
	}

	if (!strcmp(buf, "default")) {
		if (!at)
			return -EINVAL;
		*r = out;
		return 0;
	}
	rc = netcfg_parse_addr(buf, &dst);
	if (rc)
		return rc;
	if ((at && dst.family != out.family) || !netcfg_host_bits_clear(&dst))
		return -EINVAL;
	out.family = dst.family;
	out.dst = dst.addr;
	out.dst_len = dst.prefix;
	*r = out;
	return 0;
}

/**
 * netcfg_parse_gateway() - Parse a gateway into a default route
 * @s:		Gateway address
 * @r:		Default route via it
 *
 * Return: 0, -EINVAL if @s is not an address
 */
int netcfg_parse_gateway(const char *s, struct nl_route *r)
{
	struct nl_route out = {0};
	int rc;

	rc = netcfg_parse_ip(s, &out.family, &out.gw);
	if (rc)
		return rc;
	out.has_gw = true;
	*r = out;
	return 0;
}

/**
 * netcfg_add_addr() - Append an address to a configuration
 * @c:		Configuration
 * @a:		Address
 *
 * Return: 0, -ENOSPC if the configuration is full
 */
int netcfg_add_addr(struct netcfg *c, const struct nl_addr *a)
{
	if (c->naddrs >= NL_MAX_ADDRS)
		return -ENOSPC;
	c->addrs[c->naddrs++] = *a;
	return 0;
}

/**
 * netcfg_add_route() - Append a route to a configuration
 * @c:		Configuration
 * @r:		Route
 *
 * Return: 0, -ENOSPC if the configuration is full
 */
int netcfg_add_route(struct netcfg *c, const struct nl_route *r)
{
	if (c->nroutes >= NL_MAX_ROUTES)
		return -ENOSPC;
	c->routes[c->nroutes++] = *r;
	return 0;
}

/**
 * netcfg_add_gw() - Append a default route to a configuration
 * @c:		Configuration
 * @r:		Default route, from netcfg_parse_gateway()
 *
 * Return: 0, -ENOSPC if the configuration is full
 */
int netcfg_add_gw(struct netcfg *c, const struct nl_route *r)
{
	if (c->ngws >= NETCFG_MAX_GWS)
		return -ENOSPC;
	c->gws[c->ngws++] = *r;
	return 0;
}

/**
 * netcfg_fmt_addr() - Write an address as ADDR/PLEN
 * @buf:	Buffer
 * @len:	Its size, NETCFG_ADDR_STRLEN is enough
 * @a:		Address
 */
void netcfg_fmt_addr(char *buf, size_t len, const struct nl_addr *a)
{
	char ip[INET6_ADDRSTRLEN];

	if (!inet_ntop(a->family, &a->addr, ip, sizeof(ip)))
		snprintf(ip, sizeof(ip), "?");
	snprintf(buf, len, "%s/%d", ip, a->prefix);
}

/**
 * netcfg_fmt_route() - Write a route as DST/PLEN|default [via GW] [metric M]
 *			 [mtu N]
 * @buf:	Buffer
 * @len:	Its size, NETCFG_ROUTE_STRLEN is enough
 * @r:		Route
 */
void netcfg_fmt_route(char *buf, size_t len, const struct nl_route *r)
{
	struct nl_addr dst = {
		.family = r->family,
		.addr = r->dst,
		.prefix = r->dst_len,
	};
	char d[NETCFG_ADDR_STRLEN] = "default";
	char gw[INET6_ADDRSTRLEN] = "";
	char metric[sizeof(" metric 4294967295")] = "";
	char mtu[sizeof(" mtu 4294967295")] = "";

	if (r->dst_len)
		netcfg_fmt_addr(d, sizeof(d), &dst);
	if (r->has_gw && !inet_ntop(r->family, &r->gw, gw, sizeof(gw)))
		snprintf(gw, sizeof(gw), "?");
	if (r->metric)
		snprintf(metric, sizeof(metric), " metric %u", r->metric);
	if (r->mtu)
		snprintf(mtu, sizeof(mtu), " mtu %u", r->mtu);
	snprintf(buf, len, "%s%s%s%s%s", d, r->has_gw ? " via " : "", gw,
		 metric, mtu);
}

/**
 * netcfg_addr_copyable() - Check if a template address is worth copying
 * @a:		Address
 *
 * Link-local addresses (RFC 3927 for IPv4, RFC 4291 2.5.6 for IPv6) belong
 * to one link and are made by the kernel; host-scoped ones are loopback.
 *
 * Return: true for global, non-link-local addresses that passed DAD
 */
static bool netcfg_addr_copyable(const struct nl_addr *a)
{
	if (a->scope >= RT_SCOPE_LINK || (a->flags & IFA_F_DADFAILED))
		return false;
	if (a->family == AF_INET6)
		return !IN6_IS_ADDR_LINKLOCAL(&a->addr.a6);
	/* 169.254.0.0/16 */
	return (ntohl(a->addr.a4.s_addr) >> 16) != 0xa9fe;
}

/**
 * netcfg_route_copyable() - Check if a template route is worth copying
 * @r:		Route
 *
 * The kernel makes the IPv6 link-local and multicast routes itself.
 *
 * Return: true for routes to copy
 */
static bool netcfg_route_copyable(const struct nl_route *r)
{
	if (r->family != AF_INET6)
		return true;
	return !IN6_IS_ADDR_LINKLOCAL(&r->dst.a6) &&
	       !IN6_IS_ADDR_MULTICAST(&r->dst.a6);
}

/**
 * netcfg_from_template() - Fill a configuration from a template interface
 * @fd:		Netlink socket in the template's namespace
 * @ifindex:	Template interface
 * @what:	NETCFG_COPY_* flags
 * @c:		Configuration: addresses and routes are appended
 *
 * Without NETCFG_COPY_ADDRS only the first address of each family is taken;
 * without NETCFG_COPY_ROUTES only the default routes.
 *
 * Return: 0, or -errno
 */
int netcfg_from_template(int fd, unsigned int ifindex, unsigned int what,
			 struct netcfg *c)
{
	struct nl_route routes[NL_MAX_ROUTES];
	struct nl_addr addrs[NL_MAX_ADDRS];
	bool seen4 = false, seen6 = false;
	int n, i, rc = 0;

	n = nl_addr_dump(fd, AF_UNSPEC, ifindex, addrs, NL_MAX_ADDRS);
	for (i = 0; i < n && !rc; i++) {
		bool *seen = addrs[i].family == AF_INET ? &seen4 : &seen6;

		if (!netcfg_addr_copyable(&addrs[i]))
			continue;
		if (!(what & NETCFG_COPY_ADDRS) && *seen)
			continue;
		*seen = true;
		rc = netcfg_add_addr(c, &addrs[i]);
	}
	if (n < 0 || rc)
		return n < 0 ? n : rc;

	n = nl_route_dump(fd, AF_UNSPEC, ifindex, routes, NL_MAX_ROUTES);
	for (i = 0; i < n && !rc; i++) {
		if (!netcfg_route_copyable(&routes[i]))
			continue;
		if (!(what & NETCFG_COPY_ROUTES) && routes[i].dst_len)
			continue;
		rc = netcfg_add_route(c, &routes[i]);
	}
	return n < 0 ? n : rc;
}

/**
 * netcfg_routes() - Add routes, in passes, until none makes progress
 * @fd:		Netlink socket
 * @ifindex:	Output interface
 * @r:		Routes
 * @n:		Number of routes, at most NL_MAX_ROUTES
 * @what:	Description of the route that failed, on failure
 * @what_len:	Size of @what
 *
 * Return: 0, or the error of the first route still failing in the last pass
 */
static int netcfg_routes(int fd, unsigned int ifindex, const struct nl_route *r,
			 int n, char *what, size_t what_len)
{
	bool done[NL_MAX_ROUTES] = {false};
	int left = MIN(n, NL_MAX_ROUTES), pass, i, err = 0, err_i = 0;
	char desc[NETCFG_ROUTE_STRLEN];

	for (pass = 0; pass < NL_MAX_ROUTES && left; pass++) {
		int before = left;

		err = 0;
		for (i = 0; i < n && i < NL_MAX_ROUTES; i++) {
			int rc;

			if (done[i])
				continue;
			rc = nl_route_add(fd, ifindex, &r[i]);
			if (!rc) {
				done[i] = true;
				left--;
			} else if (!err) {
				err = rc;
				err_i = i;
			}
		}
		if (left == before)
			break;
	}
	if (!err)
		return 0;
	netcfg_fmt_route(desc, sizeof(desc), &r[err_i]);
	snprintf(what, what_len, "adding route %s", desc);
	return err;
}

/**
 * netcfg_ll_eui64() - Link-local address of a MAC, as the kernel forms it
 * @mac:	Ethernet address
 * @a:		fe80::/64 with the modified EUI-64 interface identifier
 *		(RFC 4291 appendix A: ff:fe in the middle, U/L bit flipped)
 */
void netcfg_ll_eui64(const uint8_t *mac, struct in6_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->s6_addr[0] = 0xfe;
	a->s6_addr[1] = 0x80;
	a->s6_addr[8] = mac[0] ^ 0x02;
	a->s6_addr[9] = mac[1];
	a->s6_addr[10] = mac[2];
	a->s6_addr[11] = 0xff;
	a->s6_addr[12] = 0xfe;
	memcpy(&a->s6_addr[13], mac + 3, 3);
}

/**
 * netcfg_up() - Bring a link up, its IPv6 link-local address usable at once
 * @fd:		Netlink socket
 * @ifindex:	Interface
 *
 * See the top of this file. A link that is up already, or has no MAC, is
 * just brought up; so is one without IPv6.
 *
 * Return: 0, or -errno
 */
static int netcfg_up(int fd, unsigned int ifindex)
{
	struct nl_addr ll = {.family = AF_INET6, .prefix = 64,
			     .scope = RT_SCOPE_LINK};
	static const uint8_t zero[6];
	struct nl_link link;
	int rc;

	if ((rc = nl_link_get(fd, ifindex, &link)))
		return rc;
	if (link.up || !memcmp(link.mac, zero, sizeof(zero)) ||
	    nl_link_addrgen(fd, ifindex, IN6_ADDR_GEN_MODE_NONE))
		return nl_link_set(fd, ifindex, 0, NULL, true);
	if ((rc = nl_link_set(fd, ifindex, 0, NULL, true)))
		return rc;
	netcfg_ll_eui64(link.mac, &ll.addr.a6);
	return nl_addr_add(fd, ifindex, &ll);
}

/**
 * netcfg_link() - Apply MTU, hardware address and link state
 * @fd:		Netlink socket
 * @ifindex:	Interface
 * @c:		Configuration
 * @what:	Description of the step that failed, on failure
 * @what_len:	Size of @what
 *
 * Return: 0, or -errno
 */
static int netcfg_link(int fd, unsigned int ifindex, const struct netcfg *c,
		       char *what, size_t what_len)
{
	int rc;

	if (c->mtu || c->set_mac) {
		rc = nl_link_set(fd, ifindex, c->mtu,
				 c->set_mac ? c->mac : NULL, false);
		if (rc) {
			snprintf(what, what_len, "setting %s%s%s",
				 c->mtu ? "MTU" : "",
				 c->mtu && c->set_mac ? " and " : "",
				 c->set_mac ? "MAC address" : "");
			return rc;
		}
	}
	if (c->up) {
		rc = netcfg_up(fd, ifindex);
		if (rc) {
			snprintf(what, what_len, "bringing link up");
			return rc;
		}
	}
	return 0;
}

/**
 * netcfg_apply() - Apply a configuration to an interface
 * @fd:		Netlink socket in the interface's namespace
 * @ifindex:	Interface
 * @c:		Configuration
 * @what:	Description of the step that failed, on failure
 * @what_len:	Size of @what
 *
 * Existing identical addresses and routes are not an error.
 *
 * Return: 0, or -errno of the first step that failed
 */
int netcfg_apply(int fd, unsigned int ifindex, const struct netcfg *c,
		 char *what, size_t what_len)
{
	char desc[NETCFG_ROUTE_STRLEN];
	unsigned int lo;
	int i, rc;

	rc = netcfg_link(fd, ifindex, c, what, what_len);
	if (rc)
		return rc;

	for (i = 0; i < c->naddrs && i < NL_MAX_ADDRS; i++) {
		rc = nl_addr_add(fd, ifindex, &c->addrs[i]);
		if (rc) {
			netcfg_fmt_addr(desc, sizeof(desc), &c->addrs[i]);
			snprintf(what, what_len, "adding address %s", desc);
			return rc;
		}
	}

	rc = netcfg_routes(fd, ifindex, c->routes, c->nroutes, what, what_len);
	if (!rc)
		rc = netcfg_routes(fd, ifindex, c->gws, c->ngws, what,
				   what_len);
	if (rc || !c->lo_up)
		return rc;

	rc = nl_link_index(fd, "lo", &lo);
	if (!rc)
		rc = nl_link_set(fd, lo, 0, NULL, true);
	if (rc)
		snprintf(what, what_len, "bringing loopback up");
	return rc;
}
