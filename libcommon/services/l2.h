/* SPDX-License-Identifier: GPL-2.0-or-later */
/* l2.h - configuration and entry points of the layer-2 responders
 *
 * Theory of operation: the guest (a qemu VM, or pasta's namespace behind its
 * tap device) believes it sits on an Ethernet segment with a router. That
 * router is us: we answer ARP for every IPv4 address except the guest's own,
 * hand out exactly one DHCP lease, answer neighbour solicitations, send
 * router advertisements and serve one DHCPv6 address. Each responder is a pure
 * function: it reads a request frame through a bounded view, reads struct
 * l2_conf, and writes at most one complete Ethernet reply frame into a
 * caller-owned buffer. No sockets, no globals, no allocation: the link layer
 * that reads frames writes the replies, and unit tests and fuzzers call the
 * functions directly.
 *
 * struct l2_conf is configuration: filled in at start-up, read-only after.
 * What we learn of the guest while running (its MAC, the IPv6 addresses it
 * sends from) is struct l2_state, written by the link layer only
 * (link/input.c) and read by the transports, which address their frames
 * with it.
 */
#ifndef SERVICES_L2_H
#define SERVICES_L2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>

#include "base/util.h"
#include "base/view.h"

#define L2_MAX_DNS 3		/* per family, as resolv.conf(5) MAXNS */
#define L2_MAX_SEARCH 6		/* search domains */
#define L2_DOMAIN_MAX 254	/* one domain name, presentation form */
#define L2_HOSTNAME_MAX 64

/* Lease time meaning "forever": DHCP option 51 (RFC 2131 3.3), DHCPv6 and
 * NDP lifetimes (RFC 8415 7.7, RFC 4861 4.6.2) use the same value
 */
#define L2_LEASE_INFINITE 0xffffffffU

/* Smallest Ethernet frame we send: shorter replies are zero-padded */
#define L2_ETH_MIN_FRAME 60

/**
 * struct l2_conf - What the responders hand out and answer with
 * @our_mac:		Our MAC address: source of every reply (-M)
 * @v4:			IPv4 enabled
 * @addr4:		Guest's IPv4 address (DHCP yiaddr)
 * @addr4_prev:		Its address before the host's changed (loop/follow.c,
 *			a guest without --config-net), 0.0.0.0 if none:
 *			inbound IPv4 still goes there until the guest sends
 *			from the new one, having renewed (l2_guest_addr4())
 * @prefix4:		Prefix length of @addr4, 0..32
 * @gw4:		Default gateway (DHCP option 3, also our ARP identity)
 * @dns4:		Resolvers for DHCP option 6
 * @dns4_n:		Entries used in @dns4
 * @v6:			IPv6 enabled
 * @addr6:		Guest's global IPv6 address (DHCPv6 IA_NA, RA prefix)
 * @prefix6:		Prefix length advertised in the RA (64)
 * @gw6:		Guest-visible router address (may be global or link-local)
 * @our_ll6:		Our link-local address, source of RA, NA and DHCPv6
 * @dns6:		Resolvers for RDNSS and DHCPv6 option 23
 * @dns6_n:		Entries used in @dns6
 * @search:		Search domains (DHCP 119, DNSSL, DHCPv6 24)
 * @search_n:		Entries used in @search
 * @hostname:		DHCP option 12, empty if none
 * @fqdn:		DHCP option 81 / DHCPv6 option 39, empty if none
 * @mtu:		MTU to advertise (DHCP 26, RA MTU option), 0: don't
 * @lease:		DHCP lease time and DHCPv6 lifetimes, seconds, or
 *			L2_LEASE_INFINITE (--dhcp-lease, doc/follow.md)
 * @no_dhcp:		Don't answer DHCP
 * @no_ndp:		Don't answer NDP (NS and RS)
 * @no_ra:		Don't send router advertisements
 * @no_dhcpv6:		Don't answer DHCPv6
 * @no_dhcp_dns:	Leave resolvers out of DHCP, RA and DHCPv6
 * @no_dhcp_search:	Leave the search list out of DHCP, RA and DHCPv6
 */
struct l2_conf {
	uint8_t our_mac[ETH_ADDR_LEN];

	bool v4;
	struct in_addr addr4;
	struct in_addr addr4_prev;
	int prefix4;
	struct in_addr gw4;
	struct in_addr dns4[L2_MAX_DNS];
	int dns4_n;

	bool v6;
	struct in6_addr addr6;
	int prefix6;
	struct in6_addr gw6;
	struct in6_addr our_ll6;
	struct in6_addr dns6[L2_MAX_DNS];
	int dns6_n;

	char search[L2_MAX_SEARCH][L2_DOMAIN_MAX + 1];
	int search_n;
	char hostname[L2_HOSTNAME_MAX + 1];
	char fqdn[L2_DOMAIN_MAX + 1];
	uint16_t mtu;
	uint32_t lease;

	bool no_dhcp;
	bool no_ndp;
	bool no_ra;
	bool no_dhcpv6;
	bool no_dhcp_dns;
	bool no_dhcp_search;
};

/**
 * struct l2_state - What the link learnt of the guest from its frames
 * @guest_mac:		Guest's MAC, zero until seen
 * @addr6_seen:		Global address the guest last sent from, within the
 *			prefix (e.g. its SLAAC address), :: until seen
 * @ll6_seen:		Link-local address the guest last sent from, :: until
 *			seen
 * @addr4_seen:		IPv4 address the guest last sent from, 0.0.0.0 until
 *			seen (carried by a migration; inbound IPv4 still goes
 *			to the configured address, l2_conf.addr4)
 *
 * All zero when a guest appears, and again when it goes (qemu disconnects).
 */
struct l2_state {
	uint8_t guest_mac[ETH_ADDR_LEN];
	struct in6_addr addr6_seen;
	struct in6_addr ll6_seen;
	struct in_addr addr4_seen;
};

/**
 * enum l2_verdict - What a responder made of a frame
 * @L2_NOT_MINE:	Not for this responder: pass it on to the next one
 * @L2_DROP:		Ours, but malformed or not to be answered: dropped
 * @L2_REPLY:		Ours, and a reply frame was written
 * @L2_TAKEN:		Ours, and nothing to answer: the guest's answer to a
 *			request of ours
 */
enum l2_verdict {
	L2_NOT_MINE,
	L2_DROP,
	L2_REPLY,
	L2_TAKEN,
};

/**
 * struct l2_reply - Reply frame buffer filled by a responder
 * @buf:	Caller-owned buffer
 * @cap:	Its size (L2_REPLY_MAX is always enough)
 * @len:	Length of the reply written, set with L2_REPLY
 * @svc:	Which responder answered, set by l2_handle(): enum l2_svc
 */
struct l2_reply {
	uint8_t *buf;
	size_t cap;
	size_t len;
	unsigned int svc;
};

/**
 * enum l2_svc - The responders, in the order l2_handle() tries them
 * @L2_SVC_ARP:		ARP
 * @L2_SVC_DHCP:	DHCP
 * @L2_SVC_NDP:		NDP (Router and Neighbour Advertisements)
 * @L2_SVC_DHCPV6:	DHCPv6
 */
enum l2_svc {
	L2_SVC_ARP,
	L2_SVC_DHCP,
	L2_SVC_NDP,
	L2_SVC_DHCPV6,
};

/* Largest reply any responder writes (a full DHCP/DHCPv6 reply with options) */
#define L2_REPLY_MAX 1536

/**
 * l2_prefix6_match() - Are two IPv6 addresses in the same prefix?
 * @a:		Address
 * @b:		Address
 * @plen:	Prefix length, 0..128
 *
 * Return: true if the first @plen bits are equal
 */
static inline bool l2_prefix6_match(const struct in6_addr *a,
				    const struct in6_addr *b, int plen)
{
	int bytes = plen / 8, bits = plen % 8;
	uint8_t mask = (uint8_t)(0xff << (8 - bits));

	if (memcmp(a->s6_addr, b->s6_addr, (size_t)bytes) != 0)
		return false;
	return !bits || !((a->s6_addr[bytes] ^ b->s6_addr[bytes]) & mask);
}

/**
 * l2_lease_finite() - Does the guest get a lease that ends?
 * @c:		L2 configuration
 *
 * Return: true if @c->lease is a number of seconds, not "infinite" (0, as
 *	   in a configuration nobody resolved, means infinite too)
 */
static inline bool l2_lease_finite(const struct l2_conf *c)
{
	return c->lease && c->lease != L2_LEASE_INFINITE;
}

/**
 * l2_guest_dst_mac() - Destination MAC of frames to the guest
 * @s:		What was learnt of the guest
 *
 * Return: the guest's MAC once learnt from its frames, broadcast before
 */
static inline const uint8_t *l2_guest_dst_mac(const struct l2_state *s)
{
	static const uint8_t bcast[ETH_ADDR_LEN] = { 0xff, 0xff, 0xff,
						     0xff, 0xff, 0xff };

	return mac_is_zero(s->guest_mac) ? bcast : s->guest_mac;
}

/**
 * l2_guest_addr4() - Where inbound IPv4 traffic for the guest goes
 * @c:		L2 configuration
 * @s:		What was learnt of the guest
 *
 * Return: the configured address, or, after the host's changed, the one the
 *	   guest had before until it sends from the new one (it learns that
 *	   at its next DHCP renewal: doc/follow.md)
 */
static inline const struct in_addr *l2_guest_addr4(const struct l2_conf *c,
						   const struct l2_state *s)
{
	if (c->addr4_prev.s_addr && s->addr4_seen.s_addr != c->addr4.s_addr)
		return &c->addr4_prev;
	return &c->addr4;
}

/**
 * l2_guest_addr6() - Where inbound IPv6 traffic for the guest goes
 * @c:		L2 configuration
 * @s:		What was learnt of the guest
 *
 * Return: the address the guest uses (SLAAC or DHCPv6) once seen, else the
 *	   configured one
 */
static inline const struct in6_addr *l2_guest_addr6(const struct l2_conf *c,
						    const struct l2_state *s)
{
	return IN6_IS_ADDR_UNSPECIFIED(&s->addr6_seen) ? &c->addr6 :
							 &s->addr6_seen;
}

/**
 * l2_guest_dst6() - Where inbound IPv6 traffic from a given source goes
 * @c:		L2 configuration
 * @s:		What was learnt of the guest
 * @src:	Source address the guest sees
 *
 * A link-local source goes to the guest's link-local address, once seen,
 * as upstream does: a guest answering a datagram lets its kernel pick the
 * source address, and for a link-local destination that is its link-local
 * one, which must match the flow.
 *
 * Return: the guest's link-local address, or l2_guest_addr6()
 */
static inline const struct in6_addr *l2_guest_dst6(const struct l2_conf *c,
						   const struct l2_state *s,
						   const struct in6_addr *src)
{
	if (IN6_IS_ADDR_LINKLOCAL(src) &&
	    !IN6_IS_ADDR_UNSPECIFIED(&s->ll6_seen))
		return &s->ll6_seen;
	return l2_guest_addr6(c, s);
}

enum l2_verdict arp_handle(const struct l2_conf *c, struct pview frame,
			   struct l2_reply *r);
enum l2_verdict dhcp_handle(const struct l2_conf *c, struct pview frame,
			    struct l2_reply *r);
enum l2_verdict ndp_handle(const struct l2_conf *c, struct pview frame,
			   struct l2_reply *r);
enum l2_verdict dhcpv6_handle(const struct l2_conf *c, struct pview frame,
			      struct l2_reply *r);
size_t ndp_ra_build(const struct l2_conf *c, const struct in6_addr *dst,
		    const uint8_t *dst_mac, uint8_t *buf, size_t cap);
size_t ndp_ra_renumber_build(const struct l2_conf *c,
			     const struct in6_addr *old, int old_plen,
			     uint8_t *buf, size_t cap);
size_t arp_request_build(const struct l2_conf *c, uint8_t *buf, size_t cap);
size_t ndp_ns_build(const struct l2_conf *c, uint8_t *buf, size_t cap);
enum l2_verdict l2_handle(const struct l2_conf *c, struct pview frame,
			  struct l2_reply *r);

#endif /* SERVICES_L2_H */
