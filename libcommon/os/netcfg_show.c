// SPDX-License-Identifier: GPL-2.0-or-later
/* netcfg_show.c - describe interfaces, addresses and routes as text or JSON
 *
 * Theory of operation: one interface is read with three requests (link,
 * addresses, main-table routes through it) and printed either as lines that
 * start with their kind and the interface name, one item per line, or as
 * one JSON object. Names of scopes and protocols follow ip-route(8), so
 * output can be compared with `ip -j`. Interface names are the only strings
 * that come from the kernel; they are escaped for JSON.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/rtnetlink.h>

#include "base/util.h"
#include "os/netcfg.h"

/**
 * struct netcfg_view - Everything shown for one interface
 * @link:	Link attributes
 * @addrs:	Addresses
 * @naddrs:	Number of @addrs
 * @routes:	Main-table routes through the interface
 * @nroutes:	Number of @routes
 */
struct netcfg_view {
	struct nl_link link;
	struct nl_addr addrs[NL_MAX_ADDRS];
	int naddrs;
	struct nl_route routes[NL_MAX_ROUTES];
	int nroutes;
};

/**
 * netcfg_scope_name() - Name of a scope, as ip(8) prints it
 * @scope:	RT_SCOPE_*
 * @buf:	Buffer for a number, if the scope has no name
 * @len:	Its size
 *
 * Return: name
 */
static const char *netcfg_scope_name(int scope, char *buf, size_t len)
{
	switch (scope) {
	case RT_SCOPE_UNIVERSE:
		return "global";
	case RT_SCOPE_SITE:
		return "site";
	case RT_SCOPE_LINK:
		return "link";
	case RT_SCOPE_HOST:
		return "host";
	case RT_SCOPE_NOWHERE:
		return "nowhere";
	default:
		snprintf(buf, len, "%d", scope);
		return buf;
	}
}

/**
 * netcfg_proto_name() - Name of a route protocol, as ip(8) prints it
 * @proto:	RTPROT_*
 * @buf:	Buffer for a number, if the protocol has no name here
 * @len:	Its size
 *
 * Return: name
 */
static const char *netcfg_proto_name(int proto, char *buf, size_t len)
{
	switch (proto) {
	case RTPROT_REDIRECT:
		return "redirect";
	case RTPROT_KERNEL:
		return "kernel";
	case RTPROT_BOOT:
		return "boot";
	case RTPROT_STATIC:
		return "static";
	case RTPROT_RA:
		return "ra";
	case RTPROT_DHCP:
		return "dhcp";
	default:
		snprintf(buf, len, "%d", proto);
		return buf;
	}
}

/**
 * netcfg_family_name() - Name of an address family, as ip(8) prints it
 * @family:	AF_INET or AF_INET6
 *
 * Return: "inet" or "inet6"
 */
static const char *netcfg_family_name(int family)
{
	return family == AF_INET ? "inet" : "inet6";
}

/**
 * netcfg_fmt_mac() - Write a hardware address as xx:xx:xx:xx:xx:xx
 * @buf:	Buffer, at least 18 bytes
 * @len:	Its size
 * @mac:	Address
 */
static void netcfg_fmt_mac(char *buf, size_t len, const uint8_t *mac)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
}

/**
 * netcfg_json_str() - Print a string as a JSON string literal
 * @f:		Output
 * @s:		String
 */
static void netcfg_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/**
 * netcfg_read() - Read what is shown for one interface
 * @fd:		Netlink socket
 * @ifindex:	Interface
 * @v:		Filled on success
 *
 * Return: 0, or -errno
 */
static int netcfg_read(int fd, unsigned int ifindex, struct netcfg_view *v)
{
	int rc;

	rc = nl_link_get(fd, ifindex, &v->link);
	if (rc)
		return rc;
	rc = nl_addr_dump(fd, AF_UNSPEC, ifindex, v->addrs, NL_MAX_ADDRS);
	if (rc < 0)
		return rc;
	v->naddrs = rc;
	rc = nl_route_dump(fd, AF_UNSPEC, ifindex, v->routes, NL_MAX_ROUTES);
	if (rc < 0)
		return rc;
	v->nroutes = rc;
	return 0;
}

/**
 * netcfg_text() - Print one interface as lines
 * @f:		Output
 * @v:		Interface
 */
static void netcfg_text(FILE *f, const struct netcfg_view *v)
{
	char mac[18], buf[NETCFG_ROUTE_STRLEN], n1[12], n2[12];
	const char *name = v->link.name;
	int i;

	netcfg_fmt_mac(mac, sizeof(mac), v->link.mac);
	fprintf(f, "link %s index %u mtu %u mac %s state %s\n", name,
		v->link.ifindex, v->link.mtu, mac, v->link.up ? "up" : "down");

	for (i = 0; i < v->naddrs; i++) {
		const struct nl_addr *a = &v->addrs[i];

		netcfg_fmt_addr(buf, sizeof(buf), a);
		fprintf(f, "addr %s %s %s scope %s\n", name,
			netcfg_family_name(a->family), buf,
			netcfg_scope_name(a->scope, n1, sizeof(n1)));
	}
	for (i = 0; i < v->nroutes; i++) {
		const struct nl_route *r = &v->routes[i];
		struct nl_route nometric = *r;

		nometric.metric = 0;
		netcfg_fmt_route(buf, sizeof(buf), &nometric);
		fprintf(f, "route %s %s %s scope %s proto %s metric %u\n", name,
			netcfg_family_name(r->family), buf,
			netcfg_scope_name(r->scope, n1, sizeof(n1)),
			netcfg_proto_name(r->protocol, n2, sizeof(n2)),
			r->metric);
	}
}

/**
 * netcfg_json_route() - Print one route as a JSON object
 * @f:		Output
 * @r:		Route
 */
static void netcfg_json_route(FILE *f, const struct nl_route *r)
{
	char ip[INET6_ADDRSTRLEN], n1[12], n2[12];

	fprintf(f,
		"{\"family\":\"%s\",\"dst\":", netcfg_family_name(r->family));
	if (r->dst_len) {
		inet_ntop(r->family, &r->dst, ip, sizeof(ip));
		fprintf(f, "\"%s/%d\"", ip, r->dst_len);
	} else {
		fputs("\"default\"", f);
	}
	if (r->has_gw) {
		inet_ntop(r->family, &r->gw, ip, sizeof(ip));
		fprintf(f, ",\"gateway\":\"%s\"", ip);
	}
	fprintf(f, ",\"scope\":\"%s\",\"protocol\":\"%s\",\"metric\":%u}",
		netcfg_scope_name(r->scope, n1, sizeof(n1)),
		netcfg_proto_name(r->protocol, n2, sizeof(n2)), r->metric);
}

/**
 * netcfg_json() - Print one interface as a JSON object
 * @f:		Output
 * @v:		Interface
 */
static void netcfg_json(FILE *f, const struct netcfg_view *v)
{
	char mac[18], ip[INET6_ADDRSTRLEN], n1[12];
	int i;

	netcfg_fmt_mac(mac, sizeof(mac), v->link.mac);
	fputs("{\"ifname\":", f);
	netcfg_json_str(f, v->link.name);
	fprintf(f, ",\"ifindex\":%u,\"mtu\":%u,\"address\":\"%s\",\"up\":%s",
		v->link.ifindex, v->link.mtu, mac,
		v->link.up ? "true" : "false");

	fputs(",\"addrs\":[", f);
	for (i = 0; i < v->naddrs; i++) {
		const struct nl_addr *a = &v->addrs[i];

		inet_ntop(a->family, &a->addr, ip, sizeof(ip));
		fprintf(f,
			"%s{\"family\":\"%s\",\"local\":\"%s\","
			"\"prefixlen\":%d,\"scope\":\"%s\"}",
			i ? "," : "", netcfg_family_name(a->family), ip,
			a->prefix, netcfg_scope_name(a->scope, n1, sizeof(n1)));
	}
	fputs("],\"routes\":[", f);
	for (i = 0; i < v->nroutes; i++) {
		if (i)
			fputc(',', f);
		netcfg_json_route(f, &v->routes[i]);
	}
	fputs("]}", f);
}

/**
 * netcfg_show_one() - Read and print one interface
 * @f:		Output
 * @fd:		Netlink socket
 * @ifindex:	Interface
 * @json:	Print JSON instead of lines
 * @sep:	Print this before the interface (JSON list separator), or NULL
 *
 * Return: 0, or -errno (nothing printed then)
 */
static int netcfg_show_one(FILE *f, int fd, unsigned int ifindex, bool json,
			   const char *sep)
{
	struct netcfg_view v;
	int rc;

	memset(&v, 0, sizeof(v));
	rc = netcfg_read(fd, ifindex, &v);
	if (rc)
		return rc;
	if (sep)
		fputs(sep, f);
	if (json)
		netcfg_json(f, &v);
	else
		netcfg_text(f, &v);
	return 0;
}

/**
 * netcfg_show() - Print interfaces with their addresses and routes
 * @f:		Output
 * @fd:		Netlink socket in the interfaces' namespace
 * @ifindex:	Interface, 0 for all of them
 * @json:	One JSON object instead of lines: the interface itself, or
 *		{"links":[...]} for all of them
 *
 * Return: 0, or -errno
 */
int netcfg_show(FILE *f, int fd, unsigned int ifindex, bool json)
{
	struct nl_link links[NL_MAX_LINKS];
	int n, i, shown = 0, rc = 0;

	if (ifindex) {
		rc = netcfg_show_one(f, fd, ifindex, json, NULL);
		if (!rc && json)
			fputc('\n', f);
		return rc;
	}

	n = nl_link_dump(fd, links, NL_MAX_LINKS);
	if (n < 0)
		return n;
	if (json)
		fputs("{\"links\":[", f);
	for (i = 0; i < n; i++) {
		const char *sep = json && shown ? "," : NULL;

		rc = netcfg_show_one(f, fd, links[i].ifindex, json, sep);
		/* A link that went away since the dump is not an error */
		if (rc == -ENODEV)
			continue;
		if (rc)
			break;
		shown++;
	}
	if (json)
		fputs("]}\n", f);
	return rc == -ENODEV ? 0 : rc;
}
