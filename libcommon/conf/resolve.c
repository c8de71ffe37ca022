// SPDX-License-Identifier: GPL-2.0-or-later
/* resolve.c - conf_resolve(): defaults that depend on the host
 *
 * Theory of operation: called once, after conf_parse() and from the initial
 * network namespace. For each enabled family it picks a template interface
 * (-i, --outbound-if4/6, else the interface of the default route), and takes
 * from it what the user did not give: the guest's address and prefix, and
 * the gateway. Without an IPv4 default route the guest gets a link-local
 * "local mode" set-up; without an IPv6 default route (and no -a for IPv6)
 * IPv6 is switched off. A kernel without IPv6 (booted with ipv6.disable=1,
 * or built without it) refuses IPv6 sockets with EAFNOSUPPORT: that is
 * checked first, and switches IPv6 off as -4 would, with one line saying
 * so, rather than failing later on the first IPv6 socket (a dual-stack
 * listener, the namespace's pool of sockets). A family switched off for
 * lack of a route or an address, while following the host, is marked to
 * come on when the host has them (conf_later(), loop/follow.c): its
 * forwarding rules are parsed as if it were on, so its listeners are
 * there already. Resolvers and the search list come from /etc/resolv.conf
 * unless -D or -S were given.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "conf/conf.h"
#include "conf/resolv.h"
#include "os/netlink.h"


/* "Local mode" without an IPv4 default route: link-local addresses */
#define LOCAL_ADDR4	0xa9fe0201U /* 169.254.2.1 */
#define LOCAL_GW4	0xa9fe0202U /* 169.254.2.2 */
#define LOCAL_PREFIX4	16
#define DEFAULT_PREFIX6 64

/**
 * struct conf_tmpl - Template interface of one family
 * @ifindex:	Interface index, 0 if none
 * @gw:		Gateway of its default route, zero if none
 * @route:	A default route was found
 */
struct conf_tmpl {
	unsigned int ifindex;
	union nl_inaddr gw;
	bool route;
};

/**
 * conf_tmpl_given() - Default route of an interface given by the user
 * @fd:		Netlink socket
 * @family:	AF_INET or AF_INET6
 * @name:	Interface name
 * @t:		Template, filled
 *
 * Return: 0 on success, -ENODEV if there's no such interface
 */
static int conf_tmpl_given(int fd, int family, const char *name,
			   struct conf_tmpl *t)
{
	struct nl_route rt[NL_MAX_ROUTES];
	int n, i;

	if (nl_link_index(fd, name, &t->ifindex) || !t->ifindex) {
		log_err("Invalid interface name %s", name);
		return -ENODEV;
	}
	n = nl_route_dump(fd, family, t->ifindex, rt, NL_MAX_ROUTES);
	for (i = 0; i < n && i < NL_MAX_ROUTES; i++) {
		if (rt[i].dst_len || rt[i].ifindex != t->ifindex)
			continue;
		t->route = true;
		if (rt[i].has_gw)
			t->gw = rt[i].gw;
		break;
	}
	return 0;
}

/**
 * conf_tmpl() - Find the template interface of a family
 * @fd:		Netlink socket
 * @family:	AF_INET or AF_INET6
 * @name:	Interface name given by the user, empty if none
 * @ifname:	Name of the template, set if found (IFNAMSIZ bytes)
 * @t:		Template, filled
 *
 * Return: 0 on success (also with no template), -ENODEV for a bad @name
 */
static int conf_tmpl(int fd, int family, const char *name, char *ifname,
		     struct conf_tmpl *t)
{
	struct nl_link link;
	int rc;

	memset(t, 0, sizeof(*t));
	if (*name) {
		rc = conf_tmpl_given(fd, family, name, t);
	} else {
		rc = nl_default_route(fd, family, &t->ifindex, &t->gw);
		t->route = !rc && t->ifindex;
		rc = 0;
	}
	if (rc || !t->route)
		return rc;
	memset(&link, 0, sizeof(link));
	if (!nl_link_get(fd, t->ifindex, &link)) {
		memcpy(ifname, link.name, IFNAMSIZ - 1);
		ifname[IFNAMSIZ - 1] = '\0';
	}
	return 0;
}

/**
 * conf_first_addr() - First global-scope address of an interface
 * @fd:		Netlink socket
 * @family:	AF_INET or AF_INET6
 * @ifindex:	Interface
 * @out:	Address, set on success
 *
 * Return: true if one was found
 */
static bool conf_first_addr(int fd, int family, unsigned int ifindex,
			    struct nl_addr *out)
{
	struct nl_addr a[NL_MAX_ADDRS];
	int n = nl_addr_dump(fd, family, ifindex, a, NL_MAX_ADDRS), i;

	for (i = 0; i < n && i < NL_MAX_ADDRS; i++) {
		if (a[i].family == family && a[i].scope == RT_SCOPE_UNIVERSE) {
			*out = a[i];
			return true;
		}
	}
	return false;
}

/**
 * conf_v6_check() - Switch IPv6 off if the kernel has none
 * @c:		Configuration
 * @err:	errno of socket(AF_INET6, ...), 0 if it worked
 *
 * Return: 0, or -EAFNOSUPPORT if IPv6 was the only family left (-6)
 */
int conf_v6_check(struct conf *c, int err)
{
	if (!c->v6 || err != EAFNOSUPPORT)
		return 0;
	c->v6 = false;
	if (!c->v4) {
		log_err("IPv6 not available in the kernel, and IPv4 is off");
		return -EAFNOSUPPORT;
	}
	log_info("IPv6 not available in the kernel: IPv6 disabled");
	return 0;
}

/**
 * conf_later() - Note the families that are off only for what the host
 *		  lacks now, to come on when it has it (loop/follow.c)
 * @c:		Configuration, resolved
 * @want4:	IPv4 was on before the host was asked (no -6)
 * @want6:	IPv6 was on before the host was asked (no -4, and the kernel
 *		has it)
 *
 * Only while following the host: with --no-follow-host, a family off at
 * start stays off, as upstream's.
 */
void conf_later(struct conf *c, bool want4, bool want6)
{
	c->v4_later = !c->no_follow_host && want4 && !c->v4;
	c->v6_later = !c->no_follow_host && want6 && !c->v6;
}

/**
 * conf_v6_errno() - Try to make an IPv6 socket
 *
 * Return: 0 if that works, else its errno
 */
static int conf_v6_errno(void)
{
	int s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return errno;
	close(s);
	return 0;
}

/**
 * conf_resolve4() - IPv4 template, address, prefix and gateway
 * @c:		Configuration
 * @fd:		Netlink socket
 * @lvl:	Level of the lines saying a family is off or in local mode
 *		(info at start, debug when following the host)
 *
 * Return: 0 on success, -ENODEV for a bad interface name
 */
static int conf_resolve4(struct conf *c, int fd, enum log_level lvl)
{
	const char *name = *c->ifname4 ? c->ifname4 : c->outbound_if4;
	struct conf_tmpl t;
	struct nl_addr a;
	int rc = conf_tmpl(fd, AF_INET, name, c->ifname4, &t);

	if (rc)
		return rc;
	if (!t.route) {
		log_msg(lvl, "No IPv4 default route: local mode");
		c->local4 = true;
		if (!c->addr4_set)
			c->l2.addr4.s_addr = htonl(LOCAL_ADDR4);
		if (!c->addr4_set && !c->prefix4_set)
			c->l2.prefix4 = LOCAL_PREFIX4;
		if (!c->gw4_set)
			c->l2.gw4.s_addr = htonl(LOCAL_GW4);
		return 0;
	}
	if (!c->gw4_set)
		c->l2.gw4 = t.gw.a4;
	if (c->addr4_set)
		return 0;
	if (!conf_first_addr(fd, AF_INET, t.ifindex, &a)) {
		log_msg(MIN(lvl, LOG_LVL_WARN),
			"No IPv4 address on %s: IPv4 disabled", c->ifname4);
		c->v4 = false;
		return 0;
	}
	c->l2.addr4 = a.addr.a4;
	if (!c->prefix4_set)
		c->l2.prefix4 = a.prefix;
	return 0;
}

/**
 * conf_resolve6() - IPv6 template, address, gateway and our link-local
 * @c:		Configuration
 * @fd:		Netlink socket
 * @lvl:	Level of the lines saying the family is off
 *
 * Return: 0 on success, -ENODEV for a bad interface name
 */
static int conf_resolve6(struct conf *c, int fd, enum log_level lvl)
{
	const char *name = *c->ifname6 ? c->ifname6 : c->outbound_if6;
	struct conf_tmpl t;
	struct nl_addr a;
	int rc = conf_tmpl(fd, AF_INET6, name, c->ifname6, &t);

	if (rc)
		return rc;
	if (!t.route && !c->addr6_set) {
		log_msg(lvl, "No IPv6 default route: IPv6 disabled");
		c->v6 = false;
		return 0;
	}
	if (!c->gw6_set && t.route)
		c->l2.gw6 = t.gw.a6;
	if (!c->addr6_set && !conf_first_addr(fd, AF_INET6, t.ifindex, &a)) {
		log_msg(MIN(lvl, LOG_LVL_WARN),
			"No IPv6 address on %s: IPv6 disabled", c->ifname6);
		c->v6 = false;
		return 0;
	}
	if (!c->addr6_set)
		c->l2.addr6 = a.addr.a6;
	c->l2.prefix6 = DEFAULT_PREFIX6;
	/* Our link-local address: the gateway's, if it is link-local */
	if (IN6_IS_ADDR_LINKLOCAL(&c->l2.gw6)) {
		c->l2.our_ll6 = c->l2.gw6;
	} else {
		memset(&c->l2.our_ll6, 0, sizeof(c->l2.our_ll6));
		c->l2.our_ll6.s6_addr[0] = 0xfe;
		c->l2.our_ll6.s6_addr[1] = 0x80;
		c->l2.our_ll6.s6_addr[15] = 1;
	}
	if (IN6_IS_ADDR_UNSPECIFIED(&c->l2.gw6))
		c->l2.gw6 = c->l2.our_ll6;
	return 0;
}

/**
 * conf_resolve_addrs() - Template interfaces, addresses and gateways of the
 *			  enabled families, from the host
 * @c:		Configuration: only what the options didn't give is filled
 * @fd:		Netlink socket in the host's namespace
 * @lvl:	Level of the lines saying a family is off or in local mode
 *
 * The code that chooses what the guest gets, at start (conf_resolve()) and
 * each time the host changes (loop/follow.c): called there on a copy of the
 * configuration as parsed, so that it chooses by the same rules.
 *
 * Return: 0 on success, -ENODEV for a bad interface name
 */
int conf_resolve_addrs(struct conf *c, int fd, enum log_level lvl)
{
	int rc = 0;

	if (c->v4)
		rc = conf_resolve4(c, fd, lvl);
	if (!rc && c->v6)
		rc = conf_resolve6(c, fd, lvl);
	return rc;
}

/**
 * conf_resolv_file() - Resolvers and search list from a resolv.conf file
 * @c:		Configuration: only what -D and -S didn't give is filled
 * @path:	File, normally /etc/resolv.conf
 *
 * Return: 0 on success, -errno if the file can't be read (not fatal)
 */
int conf_resolv_file(struct conf *c, const char *path)
{
	uint8_t buf[RESOLV_CONF_MAX];
	struct resolv_conf r;
	size_t len = 0;
	int fd, skipped;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_debug("Can't open %s: %s", path, strerror(errno));
		return -errno;
	}
	while (len < sizeof(buf)) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	resolv_parse(pview_make(buf, len), &r);
	skipped = conf_dns_apply(c, &r);
	if (skipped)
		log_debug("Skipped %d loopback nameserver(s) of %s: no host "
			  "loopback mapping yet",
			  skipped, path);
	return 0;
}

/**
 * conf_fwd_defaults() - pasta: "auto" for each of -t, -u, -T, -U not given
 * @c:		Configuration
 *
 * compat.md 5.1: passt defaults to "none", pasta to "auto" for any of the
 * four options that is absent (not even "none"). --no-tcp and --no-udp
 * leave their protocol without rules.
 */
static void conf_fwd_defaults(struct conf *c)
{
	struct conf_fwd *opts[] = { &c->tcp, &c->udp, &c->tcp_ns, &c->udp_ns };
	const bool off[] = { c->no_tcp, c->no_udp, c->no_tcp, c->no_udp };
	size_t o;

	if (c->mode != MODE_PASTA)
		return;
	for (o = 0; o < sizeof(opts) / sizeof(opts[0]); o++) {
		if (opts[o]->n || opts[o]->none || off[o])
			continue;
		opts[o]->spec[0] = "auto";
		opts[o]->n = 1;
	}
}

/**
 * conf_resolve_fwd() - Parse the -t, -u, -T and -U specs into forwarding
 *			rules: fwd_in (-t, -u) and fwd_out (-T, -U)
 * @c:		Configuration, with the address families settled
 *
 * Specs are parsed here rather than while reading options because their
 * meaning depends on the families in use (upstream does it in a second
 * pass, in command-line order, for the same reason).
 *
 * Return: 0 on success, -EINVAL with the error logged
 */
static int conf_resolve_fwd(struct conf *c)
{
	/* a family that may come on later gets its listeners now: they
	 * refuse its peers until it does (listen_peer_key())
	 */
	struct fwd_parse_ctx ctx = {
		.v4 = c->v4 || c->v4_later,
		.v6 = c->v6 || c->v6_later,
		.pasta = c->mode == MODE_PASTA,
	};
	const struct conf_fwd *opts[] = { &c->tcp, &c->udp, &c->tcp_ns,
					  &c->udp_ns };
	struct fwd_table *tables[] = { &c->fwd_in, &c->fwd_in, &c->fwd_out,
				       &c->fwd_out };
	static const char *const names[] = { "-t", "-u", "-T", "-U" };
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP,
					  IPPROTO_TCP, IPPROTO_UDP };
	char err[FWD_ERR_LEN];
	int i, o;

	conf_fwd_defaults(c);
	fwd_table_init(&c->fwd_in);
	fwd_table_init(&c->fwd_out);
	fwd_ephemeral_range("/proc/sys/net/ipv4/ip_local_port_range",
			    &ctx.eph_first, &ctx.eph_last);
	for (o = 0; o < 4; o++) {
		ctx.optname = names[o];
		ctx.proto = protos[o];
		ctx.outbound = tables[o] == &c->fwd_out; /* -T, -U */
		for (i = 0; i < opts[o]->n; i++) {
			*err = '\0';
			if (fwd_spec_parse(tables[o], &ctx, opts[o]->spec[i],
					   err, sizeof(err))) {
				log_err("%s", err);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/**
 * conf_resolve() - Fill in what the user didn't give, from the host
 * @c:		Configuration, as parsed by conf_parse()
 *
 * Return: 0 on success, -errno on failure (logged)
 */
int conf_resolve(struct conf *c)
{
	int fd = nl_open(), rc = 0;
	bool want4 = c->v4, want6;

	if (fd < 0) {
		log_err("Can't open netlink socket: %s", strerror(-fd));
		return fd;
	}
	if (c->v6)
		rc = conf_v6_check(c, conf_v6_errno());
	want6 = c->v6;
	if (!rc)
		rc = conf_resolve_addrs(c, fd, LOG_LVL_INFO);
	close(fd);
	if (rc)
		return rc;
	conf_later(c, want4, want6);
	if (!c->v4 && !c->v6) {
		log_err("No usable IPv4 or IPv6 configuration");
		return -ENETUNREACH;
	}
	/* Before the file fills them in: what --dns-host pinned */
	c->dns_host4_given = c->dns_host4_set;
	c->dns_host6_given = c->dns_host6_set;
	conf_resolv_file(c, RESOLV_CONF_PATH);

	if (!*c->ns_ifname) {
		const char *n = *c->ifname4 ? c->ifname4 : c->ifname6;

		snprintf(c->ns_ifname, sizeof(c->ns_ifname), "%s",
			 *n ? n : "tap0");
	}
	c->l2.v4 = c->v4;
	c->l2.v6 = c->v6;
	return conf_resolve_fwd(c);
}

/**
 * conf_nat_fam() - Translations of one family from the configuration
 * @f:		Filled
 * @guest:	Guest's address
 * @gw:		Gateway
 * @lo:		--map-host-loopback address, if @lo_set
 * @lo_set:	--map-host-loopback given
 * @map_gw:	Map the gateway to host loopback (no --no-map-gw, no
 *		--map-host-loopback none)
 */
static void conf_nat_fam(struct nat_fam *f, const union inany_addr *guest,
			 const union inany_addr *gw,
			 const union inany_addr *lo, bool lo_set, bool map_gw)
{
	f->guest = *guest;
	f->gw = *gw;
	if (lo_set) {
		f->host_lo = *lo;
		f->host_lo_set = true;
	} else if (map_gw) {
		f->host_lo = *gw;
		f->host_lo_set = true;
	}
}

/**
 * conf_nat() - Address translations for the transports, from the options
 * @c:		Configuration, resolved
 * @n:		Filled
 */
void conf_nat(const struct conf *c, struct nat *n)
{
	bool map_gw = !c->no_map_gw && !c->map_host_lo_none;
	union inany_addr g, gw, lo;

	memset(n, 0, sizeof(*n));

	inany_from_v4(&g, c->l2.addr4);
	inany_from_v4(&gw, c->l2.gw4);
	inany_from_v4(&lo, c->map_host_lo4);
	conf_nat_fam(&n->v4, &g, &gw, &lo, c->map_host_lo4_set, map_gw);
	n->v4.self = gw; /* upstream's our_tap_addr */
	if ((n->v4.map_guest_set = c->map_guest4_set))
		inany_from_v4(&n->v4.map_guest, c->map_guest4);
	if ((n->v4.dns_set = c->dns_fwd4_set && c->dns_host4_set)) {
		inany_from_v4(&n->v4.dns_fwd, c->dns_fwd4);
		inany_from_v4(&n->v4.dns_host, c->dns_host4);
	}
	if ((n->v4.out_set = c->outbound4_set))
		inany_from_v4(&n->v4.out, c->outbound4);
	memcpy(n->v4.out_if, c->outbound_if4, IFNAMSIZ);

	inany_from_v6(&g, &c->l2.addr6);
	inany_from_v6(&gw, &c->l2.gw6);
	inany_from_v6(&lo, &c->map_host_lo6);
	conf_nat_fam(&n->v6, &g, &gw, &lo, c->map_host_lo6_set, map_gw);
	inany_from_v6(&n->v6.self, &c->l2.our_ll6); /* our NDP source */
	if ((n->v6.map_guest_set = c->map_guest6_set))
		inany_from_v6(&n->v6.map_guest, &c->map_guest6);
	if ((n->v6.dns_set = c->dns_fwd6_set && c->dns_host6_set)) {
		inany_from_v6(&n->v6.dns_fwd, &c->dns_fwd6);
		inany_from_v6(&n->v6.dns_host, &c->dns_host6);
	}
	if ((n->v6.out_set = c->outbound6_set))
		inany_from_v6(&n->v6.out, &c->outbound6);
	memcpy(n->v6.out_if, c->outbound_if6, IFNAMSIZ);
}
