// SPDX-License-Identifier: GPL-2.0-or-later
/* follow.c - following the host: its addresses and routes reach the guest
 *
 * Theory of operation (doc/follow.md has the whole of it): unless
 * --no-follow-host is given, a netlink socket subscribed to the host's link,
 * address and route changes (os/nlwatch.c) sits in the event loop with the
 * other descriptors. Its events only note what changed (follow_event());
 * once the round of events is over, follow_batch_end() derives the picture
 * of the host again, once for the whole burst, with the code that chose it
 * at start: conf_resolve_addrs() on a copy of the configuration as parsed,
 * so options that pin a value (-a, -n, -g, -i, --outbound-if4/6) pin it
 * again, and the routes with pasta_netcfg_build(), which --config-net used
 * at start (so -g and --no-copy-routes keep their meaning, -m its MTU).
 *
 * What is done with a new picture:
 * - pasta --config-net: the steps from what the namespace has to what it
 *   should have (os/netcfg_diff.c) are taken over the netlink socket in the
 *   namespace; then the configuration the loop reads (the guest's
 *   addresses, for the translations of nat.c, and the address connections
 *   spliced into the namespace go to) takes the new values: flows open
 *   already keep theirs;
 * - passt, and pasta without --config-net (follow_guest()): the
 *   configuration the loop and the DHCP, DHCPv6 and NDP responders read
 *   takes the new values, so that their next reply hands them out; a new
 *   IPv6 prefix is announced at once by an unsolicited router
 *   advertisement that deprecates the old one; DHCP and DHCPv6 clients
 *   learn at their renewal, which the finite lease of --dhcp-lease brings
 *   (FORCERENEW and Reconfigure need authentication no client has).
 * A family whose default route is gone (the host between two networks)
 * keeps what it had: there is nothing better to give.
 *
 * A family off at start only because the host had no default route or no
 * address for it (conf_later(): IPv6 on an IPv4-only network, IPv4 on an
 * interface without an address) comes on when the host has both: its
 * listeners were opened at start (they refuse its peers until then), so
 * turning it on is only a matter of the configuration the loop reads
 * (follow_on()); the guest gets it as it gets any change: the namespace's
 * new address and routes, or a router advertisement at once and DHCP at the
 * next request. It never comes on in IPv4's "local mode", and a family
 * turned off by -4, -6, a kernel without IPv6 or --no-follow-host stays
 * off. Once on, it stays on (as above).
 *
 * No cost at rest: the socket is only read when the kernel queued a
 * change; nothing is polled and no timer runs. The renumbering
 * advertisement goes out FOLLOW_RA_COUNT times (RFC 4861 6.2.4), the
 * repeats at least FOLLOW_RA_GAP_NS apart, at the end of a round of events
 * the loop runs anyway: an idle link delays them rather than wakes us up.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "ctx.h"
#include "follow_flows.h"
#include "os/netlink.h"

/* RFC 4861 10: MAX_INITIAL_RTR_ADVERTISEMENTS, and the least time between
 * two of them (MAX_INITIAL_RTR_ADVERT_INTERVAL, 16 s, is the most)
 */
#define FOLLOW_RA_COUNT	 3
#define FOLLOW_RA_GAP_NS (4ULL * 1000 * 1000 * 1000)

/**
 * follow_init() - Keep the configuration as parsed, before it is resolved
 * @x:		Context
 * @c:		Configuration, just parsed: the one the loop will read
 */
void follow_init(struct ctx *x, struct conf *c)
{
	struct follow *f = &x->follow;

	f->fd = -1;
	f->nl_host = -1;
	f->ra_left = 0;
	f->live = c;
	if (c->no_follow_host)
		return;
	f->parsed = *c;
}

/**
 * follow_open() - Open the notification and request sockets on the host
 * @x:		Context, the configuration resolved
 *
 * Called in the namespace we run in, before the guest's is touched. A
 * failure only switches the feature off, with a warning.
 */
void follow_open(struct ctx *x)
{
	struct follow *f = &x->follow;
	const struct conf *c = f->live;

	if (c->no_follow_host)
		return;
	f->seen = c->l2;
	memcpy(f->seen_if4, c->ifname4, IFNAMSIZ);
	memcpy(f->seen_if6, c->ifname6, IFNAMSIZ);
	if ((f->fd = nlwatch_open()) < 0 || (f->nl_host = nl_open()) < 0) {
		log_warn("Can't watch the host's addresses and routes: %s",
			 strerror(-(f->fd < 0 ? f->fd : f->nl_host)));
		if (f->fd >= 0)
			close(f->fd);
		f->fd = -1;
		f->nl_host = -1;
	}
}

/**
 * follow_event() - Notifications are queued on the watch socket
 * @x:		Context
 */
void follow_event(struct ctx *x)
{
	struct follow *f = &x->follow;

	f->what |= nlwatch_read(f->fd, f->buf, sizeof(f->buf));
}

/**
 * follow_keep4() - The new picture keeps the loop's IPv4 values
 * @s:		New picture
 * @live:	Configuration the loop reads
 */
static void follow_keep4(struct conf *s, const struct conf *live)
{
	s->v4 = live->v4;
	s->local4 = live->local4;
	s->l2.addr4 = live->l2.addr4;
	s->l2.prefix4 = live->l2.prefix4;
	s->l2.gw4 = live->l2.gw4;
	memcpy(s->ifname4, live->ifname4, IFNAMSIZ);
}

/**
 * follow_keep6() - The new picture keeps the loop's IPv6 values
 * @s:		New picture
 * @live:	Configuration the loop reads
 */
static void follow_keep6(struct conf *s, const struct conf *live)
{
	s->v6 = live->v6;
	s->l2.addr6 = live->l2.addr6;
	s->l2.prefix6 = live->l2.prefix6;
	s->l2.gw6 = live->l2.gw6;
	s->l2.our_ll6 = live->l2.our_ll6;
	memcpy(s->ifname6, live->ifname6, IFNAMSIZ);
}

/**
 * follow_keep() - Keep the old values of families the host can't give now
 * @f:		Follow state, @f->scratch freshly derived
 *
 * A family on keeps what it had when the host has no route for it (or only
 * "local mode" for IPv4). A family off (for now: conf_later()) stays off
 * unless the host has a route and an address for it, not local mode.
 *
 * Return: true if some family that is on was kept
 */
static bool follow_keep(struct follow *f)
{
	const struct conf *live = f->live;
	struct conf *s = &f->scratch;
	bool kept = false;

	if (!s->v4 || (s->local4 && !live->local4)) {
		kept |= live->v4;
		follow_keep4(s, live);
	}
	if (!s->v6) {
		kept |= live->v6;
		follow_keep6(s, live);
	}
	s->l2.v4 = s->v4;
	s->l2.v6 = s->v6;
	return kept;
}

/**
 * follow_has_addr() - Tell whether an interface of the host still has an
 *		       address
 * @fd:		Netlink socket on the host side
 * @family:	AF_INET or AF_INET6
 * @ifname:	Interface
 * @a:		Address (struct in_addr or struct in6_addr)
 * @prefix:	Its prefix length
 *
 * Return: true if @ifname has @a/@prefix
 */
static bool follow_has_addr(int fd, int family, const char *ifname,
			    const void *a, int prefix)
{
	size_t len = family == AF_INET ? sizeof(struct in_addr)
				       : sizeof(struct in6_addr);
	struct nl_addr addrs[NL_MAX_ADDRS];
	unsigned int ifindex;
	int n, i;

	if (nl_link_index(fd, ifname, &ifindex) || !ifindex)
		return false;
	n = nl_addr_dump(fd, family, ifindex, addrs, NL_MAX_ADDRS);
	for (i = 0; i < n && i < NL_MAX_ADDRS; i++) {
		if (addrs[i].family == family && addrs[i].prefix == prefix &&
		    !memcmp(&addrs[i].addr, a, len))
			return true;
	}
	return false;
}

/**
 * follow_sticky() - Keep the guest's address while the host still has it
 * @f:		Follow state, @f->scratch freshly derived
 *
 * The start-up rule takes the first address of the interface: when the
 * host only gains another one (listed first for IPv6), that would move the
 * guest for nothing, and cut what it is doing. An address the user gave
 * (-a) is never touched here: the derivation kept it already.
 */
static void follow_sticky(struct follow *f)
{
	const struct conf *live = f->live;
	struct conf *s = &f->scratch;

	if (live->v4 && s->v4 && !f->parsed.addr4_set && !s->local4 &&
	    !live->local4 && !strncmp(s->ifname4, live->ifname4, IFNAMSIZ) &&
	    follow_has_addr(f->nl_host, AF_INET, live->ifname4,
			    &live->l2.addr4, live->l2.prefix4)) {
		s->l2.addr4 = live->l2.addr4;
		s->l2.prefix4 = live->l2.prefix4;
	}
	if (live->v6 && s->v6 && !f->parsed.addr6_set &&
	    !strncmp(s->ifname6, live->ifname6, IFNAMSIZ) &&
	    follow_has_addr(f->nl_host, AF_INET6, live->ifname6,
			    &live->l2.addr6, live->l2.prefix6)) {
		s->l2.addr6 = live->l2.addr6;
		s->l2.prefix6 = live->l2.prefix6;
	}
}

/**
 * follow_log_ip() - Log a change of one address or gateway
 * @what:	"address", "gateway"
 * @family:	AF_INET or AF_INET6
 * @old:	Old value
 * @new:	New value
 * @oplen:	Old prefix length, -1 for none
 * @nplen:	New prefix length, -1 for none
 * @how:	What was done about it
 *
 * Return: true if it changed (and was logged)
 */
static bool follow_log_ip(const char *what, int family, const void *old,
			  const void *new, int oplen, int nplen,
			  const char *how)
{
	size_t alen = family == AF_INET ? 4 : 16;
	char o[INET6_ADDRSTRLEN + 16], n[INET6_ADDRSTRLEN + 16];

	if (!memcmp(old, new, alen) && oplen == nplen)
		return false;
	inet_ntop(family, old, o, INET6_ADDRSTRLEN);
	inet_ntop(family, new, n, INET6_ADDRSTRLEN);
	if (oplen >= 0)
		snprintf(o + strlen(o), sizeof(o) - strlen(o), "/%d", oplen);
	if (nplen >= 0)
		snprintf(n + strlen(n), sizeof(n) - strlen(n), "/%d", nplen);
	log_info("Host %s changed: %s -> %s, %s", what, o, n, how);
	return true;
}

/**
 * follow_log_on() - Log a family that comes on
 * @family:	AF_INET or AF_INET6
 * @addr:	The guest's address
 * @plen:	Its prefix length
 * @gw:		Gateway
 * @ifname:	Template interface
 * @how:	What was done about it
 *
 * Return: 1, the number of lines logged
 */
static int follow_log_on(int family, const void *addr, int plen,
			 const void *gw, const char *ifname, const char *how)
{
	char a[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN];
	const char *v = family == AF_INET ? "IPv4" : "IPv6";

	inet_ntop(family, addr, a, sizeof(a));
	inet_ntop(family, gw, g, sizeof(g));
	log_info("Host has %s now: %s/%d via %s on %s, %s enabled, %s", v, a,
		 plen, g, ifname, v, how);
	return 1;
}

/**
 * follow_log() - Log what changed since the last derivation
 * @f:		Follow state, @f->scratch the new picture
 * @how:	What was done about it
 *
 * Return: number of lines logged
 */
static int follow_log(const struct follow *f, const char *how)
{
	const struct l2_conf *o = &f->seen, *n = &f->scratch.l2;
	int lines = 0;

	if (f->scratch.v4 && !o->v4)
		lines += follow_log_on(AF_INET, &n->addr4, n->prefix4, &n->gw4,
				       f->scratch.ifname4, how);
	if (f->scratch.v6 && !o->v6)
		lines += follow_log_on(AF_INET6, &n->addr6, n->prefix6,
				       &n->gw6, f->scratch.ifname6, how);
	if (f->scratch.v4 && o->v4 &&
	    strcmp(f->seen_if4, f->scratch.ifname4) != 0) {
		log_info("Host IPv4 default route moved: %s -> %s, %s",
			 f->seen_if4, f->scratch.ifname4, how);
		lines++;
	}
	if (f->scratch.v6 && o->v6 &&
	    strcmp(f->seen_if6, f->scratch.ifname6) != 0) {
		log_info("Host IPv6 default route moved: %s -> %s, %s",
			 f->seen_if6, f->scratch.ifname6, how);
		lines++;
	}
	if (f->scratch.v4 && o->v4) {
		lines += follow_log_ip("address", AF_INET, &o->addr4, &n->addr4,
				       o->prefix4, n->prefix4, how);
		lines += follow_log_ip("gateway", AF_INET, &o->gw4, &n->gw4,
				       -1, -1, how);
	}
	if (f->scratch.v6 && o->v6) {
		lines += follow_log_ip("address", AF_INET6, &o->addr6,
				       &n->addr6, o->prefix6, n->prefix6, how);
		lines += follow_log_ip("gateway", AF_INET6, &o->gw6, &n->gw6,
				       -1, -1, how);
	}
	return lines;
}

/**
 * follow_ns() - pasta --config-net: take the namespace to the new picture
 * @x:		Context
 *
 * Return: 0 on success (also with nothing to do), -errno on failure
 */
static int follow_ns(struct ctx *x)
{
	struct follow *f = &x->follow;
	char desc[NETCFG_ROUTE_STRLEN];
	int ret, failed = 0;

	if ((ret = pasta_netcfg_build(&f->scratch, f->nl_host, &f->next))) {
		log_warn("Couldn't read the host's routes: %s", strerror(-ret));
		return ret;
	}
	netcfg_diff(&f->cur, &f->next, &f->diff);
	if (!f->diff.n)
		return 0;
	ret = netcfg_diff_apply(x->nl_ns, x->tap.ifindex, &f->diff, &f->next,
				&failed);
	if (ret) {
		const struct netcfg_act *a = &f->diff.act[failed];

		if (a->kind == NETCFG_ACT_ADDR_ADD ||
		    a->kind == NETCFG_ACT_ADDR_DEL)
			netcfg_fmt_addr(desc, sizeof(desc), &a->addr);
		else
			netcfg_fmt_route(desc, sizeof(desc), &a->route);
		log_warn("Couldn't follow a host change in the namespace "
			 "(%s): %s", desc, strerror(-ret));
		/* @cur stays: the next change takes every step again, those
		 * done already count as done (os/netcfg_diff.c)
		 */
		return ret;
	}
	f->cur = f->next;
	return 0;
}

/**
 * follow_on() - Turn on the families the new picture has and the loop's
 *		 configuration hadn't (off at start for lack of a route)
 * @x:		Context, @x->follow.scratch the new picture
 *
 * The listeners are there already (conf_resolve_fwd()); what reads the
 * families at run time reads them from the live configuration: the tap
 * input (link/input.c), the responders (ARP, DHCP, NDP, DHCPv6), inbound
 * flows (listen_peer_key()), and the loopback splice of pasta.
 */
static void follow_on(struct ctx *x)
{
	struct follow *f = &x->follow;
	struct conf *live = f->live;

	if (f->scratch.v4 && !live->v4) {
		live->v4 = live->l2.v4 = true;
		live->v4_later = false;
		x->tsp.cfg.v4 = x->usp.cfg.v4 = true;
	}
	if (f->scratch.v6 && !live->v6) {
		live->v6 = live->l2.v6 = true;
		live->v6_later = false;
		x->tsp.cfg.v6 = x->usp.cfg.v6 = true;
	}
}

/**
 * follow_update() - The namespace follows: the loop's configuration too
 * @x:		Context
 */
static void follow_update(struct ctx *x)
{
	struct follow *f = &x->follow;
	struct conf *live = f->live;

	live->local4 = f->scratch.local4;
	live->l2.addr4 = f->scratch.l2.addr4;
	live->l2.prefix4 = f->scratch.l2.prefix4;
	live->l2.gw4 = f->scratch.l2.gw4;
	live->l2.addr6 = f->scratch.l2.addr6;
	live->l2.prefix6 = f->scratch.l2.prefix6;
	live->l2.gw6 = f->scratch.l2.gw6;
	live->l2.our_ll6 = f->scratch.l2.our_ll6;
	memcpy(live->ifname4, f->scratch.ifname4, IFNAMSIZ);
	memcpy(live->ifname6, f->scratch.ifname6, IFNAMSIZ);
	follow_on(x);
	conf_nat(live, &x->nat);
	/* connections spliced into the namespace go to its own address */
	x->tsp.cfg.ns_addr4 = x->usp.cfg.ns_addr4 = live->l2.addr4;
	x->tsp.cfg.ns_addr6 = x->usp.cfg.ns_addr6 = live->l2.addr6;
}

/**
 * follow_has_guest() - Is there a guest to send frames to?
 * @x:		Context
 *
 * Return: true if pasta's tap is open, or qemu is connected (and, with
 *	   vhost-user, its queues run)
 */
static bool follow_has_guest(const struct ctx *x)
{
	switch (x->c->mode) {
	case MODE_PASTA:
		return x->tap.fd >= 0;
	case MODE_VU:
		return x->stream.fd >= 0 && x->vu.running;
	default:
		return x->stream.fd >= 0;
	}
}

/**
 * follow_ra_send() - Send the renumbering advertisement of the last change
 * @x:		Context, @x->follow.ra_left > 0
 *
 * Return: true if it was sent
 */
static bool follow_ra_send(struct ctx *x)
{
	struct follow *f = &x->follow;
	struct frame_sink *s = x->sink;
	size_t cap, len = 0;
	uint8_t *buf;
	int ret;

	f->ra_left--;
	f->ra_next = clock_ns() + FOLLOW_RA_GAP_NS;
	if (!s || !follow_has_guest(x) || !s->reserve(s, 1, &buf, &cap))
		return false;
	len = ndp_ra_renumber_build(&f->live->l2, &f->ra_old, f->ra_old_plen,
				    buf, cap);
	s->commit(s, buf, len, NULL);
	if (!len) {
		f->ra_left = 0;
		return false;
	}
	if ((ret = s->flush(s))) {
		log_debug("Router advertisement not sent: %s", strerror(-ret));
		return false;
	}
	return true;
}

/**
 * follow_ra_again() - Repeat the renumbering advertisement, if it's time
 * @x:		Context
 */
static void follow_ra_again(struct ctx *x)
{
	struct follow *f = &x->follow;

	if (f->ra_left > 0 && clock_ns() >= f->ra_next && follow_ra_send(x))
		log_debug("Router advertisement sent again (%d more)",
			  f->ra_left);
}

/**
 * follow_guest() - passt, pasta without --config-net: the guest learns the
 *		    new picture from the L2 responders
 * @x:		Context
 *
 * The responders read the live configuration: from their next reply, DHCP,
 * DHCPv6 and router advertisements hand out the new values. A new IPv6
 * prefix is announced at once, old one deprecated (ndp_ra_renumber_build()):
 * SLAAC guests move within a round trip.
 *
 * Return: true if an advertisement was sent
 */
static bool follow_guest(struct ctx *x)
{
	struct follow *f = &x->follow;
	const struct l2_conf *o = &f->live->l2, *n = &f->scratch.l2;
	bool moved = !IN6_ARE_ADDR_EQUAL(&o->addr6, &n->addr6) ||
		     o->prefix6 != n->prefix6;

	/* inbound IPv4 goes to the old address until the guest uses the
	 * new one: the first of them if the host moves twice before that
	 */
	if (o->addr4.s_addr != n->addr4.s_addr &&
	    !(o->addr4_prev.s_addr &&
	      x->l2s.addr4_seen.s_addr != o->addr4.s_addr))
		f->live->l2.addr4_prev = o->addr4;
	/* pending repeats of an earlier change stay, unless IPv6 moves again */
	if (moved) {
		f->ra_old = o->addr6;
		f->ra_old_plen = o->prefix6;
	}
	follow_update(x);
	if (!moved)
		return false;
	f->ra_left = FOLLOW_RA_COUNT;
	return follow_ra_send(x);
}

/**
 * follow_batch_end() - After a round of events: derive the picture again if
 *			the host changed, and follow it
 * @x:		Context
 */
void follow_batch_end(struct ctx *x)
{
	struct follow *f = &x->follow;
	bool ns = f->live->config_net && x->tap.fd >= 0;
	int ret;

	follow_ra_again(x);
	if (!f->what)
		return;
	log_debug("Host changed (%s%s%s%s), deriving its picture again",
		  f->what & NLWATCH_LINK ? " links" : "",
		  f->what & NLWATCH_ADDR ? " addresses" : "",
		  f->what & NLWATCH_ROUTE ? " routes" : "",
		  f->what & NLWATCH_OVERRUN ? " overrun" : "");
	if (f->what & (NLWATCH_ADDR_DEL | NLWATCH_OVERRUN))
		follow_flows_gone(x);	/* follow_flows.c */
	f->what = 0;

	f->scratch = f->parsed;
	f->scratch.v4 = f->live->v4 || f->live->v4_later;
	f->scratch.v6 = f->live->v6 || f->live->v6_later;
	if ((ret = conf_resolve_addrs(&f->scratch, f->nl_host,
				      LOG_LVL_DEBUG))) {
		log_debug("Host picture not derived: %s", strerror(-ret));
		return;
	}
	if (follow_keep(f))
		log_debug("A family has no default route on the host: the "
			  "guest keeps what it had");
	follow_sticky(f);

	if (!ns && x->c->mode == MODE_PASTA &&
	    (x->c->splice_only || x->c->config_net)) {
		follow_log(f, "not passed on: no guest link");
	} else if (!ns) {
		follow_log(f, "passed on to the guest at its next DHCP "
			      "renewal or router advertisement");
		if (follow_guest(x))
			log_info("Router advertisement sent: new IPv6 prefix, "
				 "old one deprecated");
	} else if (!follow_ns(x)) {
		if (!follow_log(f, "namespace updated") && f->diff.n)
			log_info("Host routes changed, namespace updated "
				 "(%d steps)", f->diff.n);
		follow_update(x);
	}
	f->seen = f->scratch.l2;
	memcpy(f->seen_if4, f->scratch.ifname4, IFNAMSIZ);
	memcpy(f->seen_if6, f->scratch.ifname6, IFNAMSIZ);
}
