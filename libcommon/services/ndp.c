// SPDX-License-Identifier: GPL-2.0-or-later
/* ndp.c - Neighbour Discovery responder (RFC 4861): NA for NS, RA for RS
 *
 * Theory of operation: as with ARP, we are every neighbour of the guest but
 * itself. A Neighbour Solicitation for any target other than the guest's own
 * address gets a Neighbour Advertisement with our MAC and the router flag,
 * so the guest sends everything to us. Solicitations from the unspecified
 * address are duplicate address detection (RFC 4862 5.4.2): answering them
 * would make the guest give its address up, so they are never answered.
 * A Router Solicitation gets a Router Advertisement with the guest's prefix
 * for SLAAC, the MTU, resolvers and search list (RFC 8106), and the M and O
 * flags that send the guest to our DHCPv6 server. Messages are validated as
 * RFC 4861 6.1.1 and 7.1.1 say: hop limit 255, code 0, checksum, lengths,
 * no option of length zero.
 *
 * When a guest appears, ndp_ns_build() solicits its address the way a host
 * resolving it would, so that it tells us its MAC and learns ours.
 */

#include <arpa/inet.h>
#include <string.h>

#include "packet/checksum.h"
#include "packet/frame.h"
#include "services/dname.h"
#include "services/l2.h"

/* ICMPv6 types (RFC 4861 4) and fixed sizes */
enum ndp_type {
	NDP_RS = 133,
	NDP_RA = 134,
	NDP_NS = 135,
	NDP_NA = 136,
};

enum ndp_wire {
	NDP_HOP_LIMIT = 255,	 /* 6.1.1, 7.1.1 */
	NDP_RS_LEN = 8,		 /* type, code, checksum, reserved */
	NDP_NS_LEN = 24,	 /* and the target address */
	NDP_OPT_UNIT = 8,	 /* option lengths count 8-byte units */
	NDP_RA_HOP = 255,	 /* Cur Hop Limit we advertise */
	NDP_RA_LIFETIME = 9000,	 /* 6.2.1: AdvDefaultLifetime at most 9000 s */
	NDP_MTU_MIN = 1280,	 /* RFC 8200 5 */
	NDP_PREFIX_DEFAULT = 64, /* RFC 4862 5.5.3, with an EUI-64 style IID */
	NDP_RA_FRAME_MAX = FRAME_ETH_HLEN + NDP_MTU_MIN,
};

/* Option types (RFC 4861 4.6, RFC 8106 5) */
enum ndp_opt {
	NDP_OPT_SLLA = 1,
	NDP_OPT_TLLA = 2,
	NDP_OPT_PREFIX = 3,
	NDP_OPT_MTU = 5,
	NDP_OPT_RDNSS = 25,
	NDP_OPT_DNSSL = 31,
};

/* Flags */
enum ndp_flag {
	NDP_RA_M = 0x80,     /* managed address configuration */
	NDP_RA_O = 0x40,     /* other configuration */
	NDP_PREFIX_L = 0x80, /* on-link */
	NDP_PREFIX_A = 0x40, /* autonomous configuration */
	NDP_NA_R = 0x80,     /* router, in the first flags byte */
	NDP_NA_S = 0x40,     /* solicited */
	NDP_NA_O = 0x20,     /* override */
};

#define NDP_LIFETIME_INFINITE 0xffffffffU

/**
 * ndp_opts_valid() - Check the options of a received message (7.1.1, 6.1.1)
 * @opts:	Options
 * @slla:	Set if a source link-layer address option is there
 *
 * Return: false if an option has length zero or runs past the end
 */
static bool ndp_opts_valid(struct pview opts, bool *slla)
{
	size_t off = 0;

	*slla = false;
	while (off < opts.len) {
		uint8_t type = 0, len;

		pview_u8(opts, off, &type);
		if (!pview_u8(opts, off + 1, &len) || !len ||
		    !pview_get(opts, off, (size_t)len * NDP_OPT_UNIT))
			return false;
		if (type == NDP_OPT_SLLA)
			*slla = true;
		off += (size_t)len * NDP_OPT_UNIT;
	}
	return true;
}

/**
 * ndp_na() - Answer a Neighbour Solicitation (RFC 4861 7.2.4)
 * @c:		Configuration
 * @eth:	Ethernet header of the solicitation
 * @ip:		Its IPv6 header
 * @r:		Reply buffer
 *
 * Return: L2_REPLY, or L2_DROP if it must not be answered
 */
static enum l2_verdict ndp_na(const struct l2_conf *c,
			      const struct frame_eth *eth,
			      const struct frame_ip *ip, struct l2_reply *r)
{
	struct in6_addr target;
	uint8_t *na;
	struct pbuf b;

	if (!pview_copy(ip->l4, 8, &target, sizeof(target)))
		return L2_DROP;

	/* 7.1.1: no multicast target; DAD (unspecified source, where an SLLA
	 * option is invalid anyway) is never answered; the guest's own address
	 * isn't ours to claim
	 */
	if (IN6_IS_ADDR_MULTICAST(&target) ||
	    IN6_IS_ADDR_UNSPECIFIED(&ip->src6) ||
	    IN6_ARE_ADDR_EQUAL(&target, &c->addr6))
		return L2_DROP;

	pbuf_init(&b, r->buf, r->cap);
	if (!frame_ip6_begin(&b, eth->src, c->our_mac))
		return L2_DROP;
	na = pbuf_reserve(&b, NDP_NS_LEN + NDP_OPT_UNIT);
	if (!na)
		return L2_DROP;

	na[0] = NDP_NA;
	na[4] = NDP_NA_R | NDP_NA_S | NDP_NA_O;
	memcpy(na + 8, &target, sizeof(target));
	na[24] = NDP_OPT_TLLA;
	na[25] = 1;
	memcpy(na + 26, c->our_mac, ETH_ADDR_LEN);

	r->len = frame_icmp6_finish(&b, &c->our_ll6, &ip->src6);
	return r->len ? L2_REPLY : L2_DROP;
}

/**
 * ndp_opt_prefix() - Append the prefix information option (RFC 4861 4.6.2)
 * @c:		Configuration
 * @b:		Writer
 */
static void ndp_opt_prefix(const struct l2_conf *c, struct pbuf *b)
{
	int plen = c->prefix6 > 0 && c->prefix6 <= 128 ? c->prefix6
						       : NDP_PREFIX_DEFAULT;
	uint32_t lifetime = htonl(NDP_LIFETIME_INFINITE);
	uint8_t *o;
	int i;

	if (IN6_IS_ADDR_UNSPECIFIED(&c->addr6))
		return;
	o = pbuf_reserve(b, (size_t)4 * NDP_OPT_UNIT);
	if (!o)
		return;
	o[0] = NDP_OPT_PREFIX;
	o[1] = 4;
	o[2] = (uint8_t)plen;
	o[3] = NDP_PREFIX_L | NDP_PREFIX_A;
	memcpy(o + 4, &lifetime, 4); /* valid */
	memcpy(o + 8, &lifetime, 4); /* preferred */
	memcpy(o + 16, &c->addr6, 16);
	for (i = plen; i < 128; i++)
		o[16 + i / 8] &= (uint8_t) ~(0x80 >> (i % 8));
}

/**
 * ndp_opt_rdnss() - Append the RDNSS option (RFC 8106 5.1)
 * @c:		Configuration
 * @b:		Writer
 */
static void ndp_opt_rdnss(const struct l2_conf *c, struct pbuf *b)
{
	uint32_t lifetime = htonl(NDP_LIFETIME_INFINITE);
	size_t n = 0;
	uint8_t *o;
	int i;

	if (c->no_dhcp_dns)
		return;
	for (i = 0; i < MIN(c->dns6_n, L2_MAX_DNS); i++)
		n += !IN6_IS_ADDR_UNSPECIFIED(&c->dns6[i]);
	if (!n)
		return;

	o = pbuf_reserve(b, NDP_OPT_UNIT);
	if (!o)
		return;
	o[0] = NDP_OPT_RDNSS;
	o[1] = (uint8_t)(1 + 2 * n);
	memcpy(o + 4, &lifetime, 4);
	for (i = 0; i < MIN(c->dns6_n, L2_MAX_DNS); i++) {
		if (!IN6_IS_ADDR_UNSPECIFIED(&c->dns6[i]))
			pbuf_put(b, &c->dns6[i], sizeof(c->dns6[i]));
	}
}

/**
 * ndp_opt_dnssl() - Append the DNSSL option (RFC 8106 5.2), last
 * @c:		Configuration
 * @b:		Writer: domains that don't fit in what is left are left out
 */
static void ndp_opt_dnssl(const struct l2_conf *c, struct pbuf *b)
{
	uint8_t names[L2_MAX_SEARCH * DNAME_WIRE_MAX];
	uint32_t lifetime = htonl(NDP_LIFETIME_INFINITE);
	size_t avail, n, pad;
	uint8_t *o;

	if (c->no_dhcp_search || b->overflow ||
	    b->cap - b->len < (size_t)2 * NDP_OPT_UNIT)
		return;
	avail = b->cap - b->len - NDP_OPT_UNIT;
	avail -= avail % NDP_OPT_UNIT;

	n = dname_list_encode(c->search, c->search_n, names,
			      MIN(avail, sizeof(names)));
	if (!n)
		return;
	pad = (NDP_OPT_UNIT - n % NDP_OPT_UNIT) % NDP_OPT_UNIT;
	o = pbuf_reserve(b, NDP_OPT_UNIT);
	if (!o)
		return;
	o[0] = NDP_OPT_DNSSL;
	o[1] = (uint8_t)((NDP_OPT_UNIT + n + pad) / NDP_OPT_UNIT);
	memcpy(o + 4, &lifetime, 4);
	pbuf_put(b, names, n);
	pbuf_reserve(b, pad);
}

/**
 * ndp_ra_build() - Build a complete Router Advertisement frame
 * @c:		Configuration
 * @dst:	Destination, NULL for all-nodes (ff02::1)
 * @dst_mac:	Destination MAC, NULL to derive it from a multicast @dst
 * @buf:	Frame buffer
 * @cap:	Its size
 *
 * The caller decides whether to send one at all (c->v6, c->no_ra). The frame
 * is kept within the IPv6 minimum MTU, trimming the search list if needed.
 *
 * Return: frame length, 0 if it doesn't fit in @cap
 */
size_t ndp_ra_build(const struct l2_conf *c, const struct in6_addr *dst,
		    const uint8_t *dst_mac, uint8_t *buf, size_t cap)
{
	static const struct in6_addr all_nodes = {
		.s6_addr = {0xff, 0x02, [15] = 1}};
	uint16_t mtu = c->mtu;
	uint8_t mac[ETH_ADDR_LEN];
	struct pbuf b;
	uint8_t *ra;

	if (!dst)
		dst = &all_nodes;
	if (!dst_mac) {
		frame_mac_mcast6(dst, mac);
		dst_mac = mac;
	}

	pbuf_init(&b, buf, MIN(cap, (size_t)NDP_RA_FRAME_MAX));
	if (!frame_ip6_begin(&b, dst_mac, c->our_mac))
		return 0;
	ra = pbuf_reserve(&b, (size_t)3 * NDP_OPT_UNIT);
	if (!ra)
		return 0;

	/* 4.2: header (reachable time and retransmission timer unspecified),
	 * then the source link-layer address and MTU options
	 */
	ra[0] = NDP_RA;
	ra[4] = NDP_RA_HOP;
	ra[5] = c->no_dhcpv6 ? 0 : NDP_RA_M | NDP_RA_O;
	ra[6] = NDP_RA_LIFETIME >> 8;
	ra[7] = NDP_RA_LIFETIME & 0xff;
	ra[16] = NDP_OPT_SLLA;
	ra[17] = 1;
	memcpy(ra + 18, c->our_mac, ETH_ADDR_LEN);
	if (mtu >= NDP_MTU_MIN) {
		uint8_t o[NDP_OPT_UNIT] = {NDP_OPT_MTU,
					   1, [6] = mtu >> 8, [7] = mtu & 0xff};

		pbuf_put(&b, o, sizeof(o));
	}

	ndp_opt_prefix(c, &b);
	ndp_opt_rdnss(c, &b);
	ndp_opt_dnssl(c, &b);
	return frame_icmp6_finish(&b, &c->our_ll6, dst);
}

/**
 * ndp_ns_build() - Build a Neighbour Solicitation for the guest's address
 * @c:		Configuration: our MAC and link-local address, the guest's
 *		address
 * @buf:	Frame buffer
 * @cap:	Its size
 *
 * The address resolution form of RFC 4861 7.2.2: to the solicited-node
 * multicast group of the target (and its Ethernet group, RFC 2464 7), from
 * our link-local address, with our MAC in a Source Link-Layer Address
 * option, which 4.3 requires in a multicast solicitation; the guest, by
 * 7.2.3, answers with its MAC and keeps ours for our link-local address.
 *
 * Return: frame length, 0 if IPv6 or NDP is off, the guest has no address
 *	   or @cap is too small
 */
size_t ndp_ns_build(const struct l2_conf *c, uint8_t *buf, size_t cap)
{
	struct in6_addr snm = {.s6_addr = {0xff, 0x02, [11] = 0x01,
					   [12] = 0xff}};
	uint8_t mac[ETH_ADDR_LEN], *ns;
	struct pbuf b;

	if (!c->v6 || c->no_ndp || IN6_IS_ADDR_UNSPECIFIED(&c->addr6))
		return 0;

	/* RFC 4291 2.7.1: ff02::1:ff00:0/104 and the low 24 bits */
	memcpy(&snm.s6_addr[13], &c->addr6.s6_addr[13], 3);
	frame_mac_mcast6(&snm, mac);

	pbuf_init(&b, buf, cap);
	if (!frame_ip6_begin(&b, mac, c->our_mac))
		return 0;
	ns = pbuf_reserve(&b, NDP_NS_LEN + NDP_OPT_UNIT);
	if (!ns)
		return 0;

	ns[0] = NDP_NS;
	memcpy(ns + 8, &c->addr6, sizeof(c->addr6));
	ns[24] = NDP_OPT_SLLA;
	ns[25] = 1;
	memcpy(ns + 26, c->our_mac, ETH_ADDR_LEN);
	return frame_icmp6_finish(&b, &c->our_ll6, &snm);
}

/**
 * ndp_ra() - Answer a Router Solicitation (RFC 4861 6.2.6)
 * @c:		Configuration
 * @eth:	Ethernet header of the solicitation
 * @ip:		Its IPv6 header
 * @slla:	It carries a source link-layer address option
 * @r:		Reply buffer
 *
 * Return: L2_REPLY, or L2_DROP if it must not be answered
 */
static enum l2_verdict ndp_ra(const struct l2_conf *c,
			      const struct frame_eth *eth,
			      const struct frame_ip *ip, bool slla,
			      struct l2_reply *r)
{
	bool unspec = IN6_IS_ADDR_UNSPECIFIED(&ip->src6);

	/* 6.1.1: from the unspecified address, no SLLA option allowed */
	if (c->no_ra || (unspec && slla))
		return L2_DROP;

	/* 6.2.6: unicast to a known source, else to all nodes */
	if (unspec)
		r->len = ndp_ra_build(c, NULL, NULL, r->buf, r->cap);
	else
		r->len = ndp_ra_build(c, &ip->src6, eth->src, r->buf, r->cap);
	return r->len ? L2_REPLY : L2_DROP;
}

/**
 * ndp_handle() - Answer Neighbour and Router Solicitations from the guest
 * @c:		Configuration
 * @frame:	Ethernet frame from the guest
 * @r:		Reply buffer
 *
 * Return: L2_NOT_MINE unless @frame is an ICMPv6 RS or NS, L2_DROP if it is
 *	   invalid or must not be answered, L2_REPLY with the reply in @r
 */
enum l2_verdict ndp_handle(const struct l2_conf *c, struct pview frame,
			   struct l2_reply *r)
{
	struct frame_eth eth;
	struct frame_ip ip;
	uint8_t type = 0, code = 1;
	const void *icmp;
	size_t minlen;
	bool slla;

	r->len = 0;
	if (!frame_eth_parse(frame, &eth) || eth.type != FRAME_ETH_IP6 ||
	    !frame_ip6_parse(eth.payload, &ip) ||
	    ip.proto != FRAME_PROTO_ICMP6 || !pview_u8(ip.l4, 0, &type) ||
	    (type != NDP_RS && type != NDP_NS))
		return L2_NOT_MINE;

	if (!c->v6 || c->no_ndp || !ip.ok || ip.hop != NDP_HOP_LIMIT)
		return L2_DROP;

	minlen = type == NDP_RS ? NDP_RS_LEN : NDP_NS_LEN;
	icmp = pview_get(ip.l4, 0, ip.l4.len);
	if (ip.l4.len < minlen || !pview_u8(ip.l4, 1, &code) || code ||
	    csum_l4_ip6(&ip.src6, &ip.dst6, FRAME_PROTO_ICMP6, icmp,
			ip.l4.len) ||
	    !ndp_opts_valid(pview_tail(ip.l4, minlen), &slla))
		return L2_DROP;

	if (type == NDP_NS)
		return ndp_na(c, &eth, &ip, r);
	return ndp_ra(c, &eth, &ip, slla, r);
}
