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
 * When the host's prefix changed (we follow it: doc/follow.md),
 * ndp_ra_renumber_build() writes the unsolicited advertisement that tells
 * the guest at once: the new prefix as always, and the old one with a
 * Preferred Lifetime of zero, so that the guest's address in it is
 * deprecated (RFC 4862 5.5.3 e: new connections use the new address, those
 * open keep theirs), and a Valid Lifetime of two hours, the least 5.5.3 e
 * lets an advertisement set, after which the guest removes it.
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
	NDP_DEPRECATED_VALID = 7200, /* RFC 4862 5.5.3 e: two hours */
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
 * struct ndp_ns_na - Neighbour Solicitation or Advertisement (4.3, 4.4)
 * @type:	NDP_NS or NDP_NA
 * @code:	Zero
 * @check:	Checksum
 * @flags:	NA: NDP_NA_R, NDP_NA_S, NDP_NA_O; NS: zero
 * @reserved:	Zero
 * @target:	Target address
 */
struct ndp_ns_na {
	uint8_t type;
	uint8_t code;
	uint16_t check;
	uint8_t flags;
	uint8_t reserved[3];
	struct in6_addr target;
} __attribute__((packed));

/**
 * struct ndp_ra_hdr - Router Advertisement, before its options (4.2)
 * @type:	NDP_RA
 * @code:	Zero
 * @check:	Checksum
 * @hop:	Cur Hop Limit
 * @flags:	NDP_RA_M, NDP_RA_O
 * @lifetime:	Router Lifetime, seconds, network order
 * @reachable:	Reachable Time, zero: unspecified
 * @retrans:	Retrans Timer, zero: unspecified
 */
struct ndp_ra_hdr {
	uint8_t type;
	uint8_t code;
	uint16_t check;
	uint8_t hop;
	uint8_t flags;
	uint16_t lifetime;
	uint32_t reachable;
	uint32_t retrans;
} __attribute__((packed));

/**
 * struct ndp_opt_lla - Source or Target Link-Layer Address option (4.6.1)
 * @type:	NDP_OPT_SLLA or NDP_OPT_TLLA
 * @len:	1 (8 bytes)
 * @mac:	Address
 */
struct ndp_opt_lla {
	uint8_t type;
	uint8_t len;
	uint8_t mac[ETH_ADDR_LEN];
} __attribute__((packed));

/**
 * struct ndp_opt_prefix - Prefix Information option (4.6.2)
 * @type:	NDP_OPT_PREFIX
 * @len:	4 (32 bytes)
 * @plen:	Prefix length
 * @flags:	NDP_PREFIX_L, NDP_PREFIX_A
 * @valid:	Valid Lifetime, network order
 * @preferred:	Preferred Lifetime, network order
 * @reserved:	Zero
 * @prefix:	Prefix, bits after @plen zero
 */
struct ndp_opt_prefix {
	uint8_t type;
	uint8_t len;
	uint8_t plen;
	uint8_t flags;
	uint32_t valid;
	uint32_t preferred;
	uint32_t reserved;
	struct in6_addr prefix;
} __attribute__((packed));

/**
 * struct ndp_opt_u32 - Option holding one 32-bit value after a reserved
 *			field: MTU (4.6.4), and the fixed part of RDNSS and
 *			DNSSL (RFC 8106 5.1, 5.2), whose value is a lifetime
 * @type:	NDP_OPT_MTU, NDP_OPT_RDNSS or NDP_OPT_DNSSL
 * @len:	Length of the whole option, 8-byte units
 * @reserved:	Zero
 * @val:	MTU or lifetime, network order
 */
struct ndp_opt_u32 {
	uint8_t type;
	uint8_t len;
	uint16_t reserved;
	uint32_t val;
} __attribute__((packed));

_Static_assert(sizeof(struct ndp_ns_na) == NDP_NS_LEN, "RFC 4861 4.3, 4.4");
_Static_assert(sizeof(struct ndp_ra_hdr) == (size_t)2 * NDP_OPT_UNIT, "4.2");
_Static_assert(sizeof(struct ndp_opt_lla) == NDP_OPT_UNIT, "4.6.1");
_Static_assert(sizeof(struct ndp_opt_prefix) == (size_t)4 * NDP_OPT_UNIT,
	       "4.6.2");
_Static_assert(sizeof(struct ndp_opt_u32) == NDP_OPT_UNIT, "4.6.4");

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
 * ndp_lla() - Fill a link-layer address option
 * @o:		Option, reserved (zeroed)
 * @type:	NDP_OPT_SLLA or NDP_OPT_TLLA
 * @mac:	Address
 */
static void ndp_lla(struct ndp_opt_lla *o, uint8_t type, const uint8_t *mac)
{
	o->type = type;
	o->len = sizeof(*o) / NDP_OPT_UNIT;
	memcpy(o->mac, mac, ETH_ADDR_LEN);
}

/**
 * ndp_opt_u32() - Append an option of the struct ndp_opt_u32 layout
 * @b:		Writer
 * @type:	Option type
 * @units:	Length of the whole option (what follows is the caller's),
 *		8-byte units, 1 to 255
 * @val:	Value, host order
 *
 * Return: true on success, false if it didn't fit (or @units is too long)
 */
static bool ndp_opt_u32(struct pbuf *b, uint8_t type, size_t units,
			uint32_t val)
{
	struct ndp_opt_u32 *o;

	if (units > UINT8_MAX || !(o = pbuf_reserve(b, sizeof(*o))))
		return false;
	o->type = type;
	o->len = (uint8_t)units;
	o->val = htonl(val);
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
	struct ndp_opt_lla *tlla;
	struct in6_addr target;
	struct ndp_ns_na *na;
	struct pbuf b;

	if (!pview_copy(ip->l4, offsetof(struct ndp_ns_na, target), &target,
			sizeof(target)))
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
	na = pbuf_reserve(&b, sizeof(*na));
	tlla = pbuf_reserve(&b, sizeof(*tlla));
	if (!na || !tlla)
		return L2_DROP;

	na->type = NDP_NA;
	na->flags = NDP_NA_R | NDP_NA_S | NDP_NA_O;
	na->target = target;
	ndp_lla(tlla, NDP_OPT_TLLA, c->our_mac);

	r->len = frame_icmp6_finish(&b, &c->our_ll6, &ip->src6);
	return r->len ? L2_REPLY : L2_DROP;
}

/**
 * ndp_opt_prefix() - Append a prefix information option (RFC 4861 4.6.2)
 * @b:		Writer
 * @addr:	An address in the prefix, nothing appended if unspecified
 * @prefix6:	Prefix length, NDP_PREFIX_DEFAULT if out of 1..128
 * @valid:	Valid Lifetime, seconds
 * @preferred:	Preferred Lifetime, seconds
 */
static void ndp_opt_prefix(struct pbuf *b, const struct in6_addr *addr,
			   int prefix6, uint32_t valid, uint32_t preferred)
{
	int plen = prefix6 > 0 && prefix6 <= 128 ? prefix6
						 : NDP_PREFIX_DEFAULT;
	struct ndp_opt_prefix *o;
	int i;

	if (IN6_IS_ADDR_UNSPECIFIED(addr))
		return;
	o = pbuf_reserve(b, sizeof(*o));
	if (!o)
		return;
	o->type = NDP_OPT_PREFIX;
	o->len = sizeof(*o) / NDP_OPT_UNIT;
	o->plen = (uint8_t)plen;
	o->flags = NDP_PREFIX_L | NDP_PREFIX_A;
	o->valid = htonl(valid);
	o->preferred = htonl(preferred);
	o->prefix = *addr;
	for (i = plen; i < 128; i++)
		o->prefix.s6_addr[i / 8] &= (uint8_t) ~(0x80 >> (i % 8));
}

/**
 * ndp_opt_rdnss() - Append the RDNSS option (RFC 8106 5.1)
 * @c:		Configuration
 * @b:		Writer
 */
static void ndp_opt_rdnss(const struct l2_conf *c, struct pbuf *b)
{
	size_t n = 0;
	int i;

	if (c->no_dhcp_dns)
		return;
	for (i = 0; i < MIN(c->dns6_n, L2_MAX_DNS); i++)
		n += !IN6_IS_ADDR_UNSPECIFIED(&c->dns6[i]);
	if (!n)
		return;

	/* the header, then 16 bytes (2 units) per address */
	if (!ndp_opt_u32(b, NDP_OPT_RDNSS, 1 + 2 * n, NDP_LIFETIME_INFINITE))
		return;
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
	size_t avail, n, pad;

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
	if (!ndp_opt_u32(b, NDP_OPT_DNSSL, (NDP_OPT_UNIT + n + pad) /
			 NDP_OPT_UNIT, NDP_LIFETIME_INFINITE))
		return;
	pbuf_put(b, names, n);
	pbuf_reserve(b, pad);
}

/**
 * ndp_ra_frame() - Build a complete Router Advertisement frame
 * @c:		Configuration
 * @dst:	Destination, NULL for all-nodes (ff02::1)
 * @dst_mac:	Destination MAC, NULL to derive it from a multicast @dst
 * @old:	Address in a prefix to deprecate, NULL for none
 * @old_plen:	Its prefix length
 * @buf:	Frame buffer
 * @cap:	Its size
 *
 * Return: frame length, 0 if it doesn't fit in @cap
 */
static size_t ndp_ra_frame(const struct l2_conf *c, const struct in6_addr *dst,
			   const uint8_t *dst_mac, const struct in6_addr *old,
			   int old_plen, uint8_t *buf, size_t cap)
{
	static const struct in6_addr all_nodes = {
		.s6_addr = {0xff, 0x02, [15] = 1}};
	struct ndp_opt_lla *slla;
	uint8_t mac[ETH_ADDR_LEN];
	struct ndp_ra_hdr *ra;
	struct pbuf b;

	if (!dst)
		dst = &all_nodes;
	if (!dst_mac) {
		frame_mac_mcast6(dst, mac);
		dst_mac = mac;
	}

	pbuf_init(&b, buf, MIN(cap, (size_t)NDP_RA_FRAME_MAX));
	if (!frame_ip6_begin(&b, dst_mac, c->our_mac))
		return 0;
	ra = pbuf_reserve(&b, sizeof(*ra));
	slla = pbuf_reserve(&b, sizeof(*slla));
	if (!ra || !slla)
		return 0;

	/* 4.2: header (reachable time and retransmission timer unspecified),
	 * then the source link-layer address and MTU options
	 */
	ra->type = NDP_RA;
	ra->hop = NDP_RA_HOP;
	ra->flags = c->no_dhcpv6 ? 0 : NDP_RA_M | NDP_RA_O;
	ra->lifetime = htons(NDP_RA_LIFETIME);
	ndp_lla(slla, NDP_OPT_SLLA, c->our_mac);
	if (c->mtu >= NDP_MTU_MIN)
		ndp_opt_u32(&b, NDP_OPT_MTU, 1, c->mtu);

	ndp_opt_prefix(&b, &c->addr6, c->prefix6, NDP_LIFETIME_INFINITE,
		       NDP_LIFETIME_INFINITE);
	if (old)
		ndp_opt_prefix(&b, old, old_plen, NDP_DEPRECATED_VALID, 0);
	ndp_opt_rdnss(c, &b);
	ndp_opt_dnssl(c, &b);
	return frame_icmp6_finish(&b, &c->our_ll6, dst);
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
	return ndp_ra_frame(c, dst, dst_mac, NULL, 0, buf, cap);
}

/**
 * ndp_prefix_equal() - Are two prefixes the same?
 * @a:		Address in the first
 * @aplen:	Its length
 * @b:		Address in the second
 * @bplen:	Its length
 *
 * Return: true if the lengths and the first that many bits are equal
 */
static bool ndp_prefix_equal(const struct in6_addr *a, int aplen,
			     const struct in6_addr *b, int bplen)
{
	return aplen == bplen && aplen >= 0 && aplen <= 128 &&
	       l2_prefix6_match(a, b, aplen);
}

/**
 * ndp_ra_renumber_build() - Build the unsolicited Router Advertisement that
 *			     moves the guest to a new prefix
 * @c:		Configuration, with the new prefix
 * @old:	An address in the prefix the guest had, unspecified if it had
 *		none (IPv6 was off until now)
 * @old_plen:	Its prefix length
 * @buf:	Frame buffer
 * @cap:	Its size
 *
 * To all nodes (RFC 4861 6.2.4): the new prefix, and the old one deprecated
 * (Preferred Lifetime 0, Valid Lifetime two hours), see the top of the file.
 * Without an old one, the advertisement a solicitation would get.
 *
 * Return: frame length; 0 if IPv6, NDP or router advertisements are off,
 *	   the prefix didn't change or @cap is too small
 */
size_t ndp_ra_renumber_build(const struct l2_conf *c,
			     const struct in6_addr *old, int old_plen,
			     uint8_t *buf, size_t cap)
{
	if (!c->v6 || c->no_ndp || c->no_ra ||
	    ndp_prefix_equal(old, old_plen, &c->addr6, c->prefix6))
		return 0;
	if (IN6_IS_ADDR_UNSPECIFIED(old))	/* IPv6 just came on */
		return ndp_ra_frame(c, NULL, NULL, NULL, 0, buf, cap);
	return ndp_ra_frame(c, NULL, NULL, old, old_plen, buf, cap);
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
	struct ndp_opt_lla *slla;
	uint8_t mac[ETH_ADDR_LEN];
	struct ndp_ns_na *ns;
	struct pbuf b;

	if (!c->v6 || c->no_ndp || IN6_IS_ADDR_UNSPECIFIED(&c->addr6))
		return 0;

	/* RFC 4291 2.7.1: ff02::1:ff00:0/104 and the low 24 bits */
	memcpy(&snm.s6_addr[13], &c->addr6.s6_addr[13], 3);
	frame_mac_mcast6(&snm, mac);

	pbuf_init(&b, buf, cap);
	if (!frame_ip6_begin(&b, mac, c->our_mac))
		return 0;
	ns = pbuf_reserve(&b, sizeof(*ns));
	slla = pbuf_reserve(&b, sizeof(*slla));
	if (!ns || !slla)
		return 0;

	ns->type = NDP_NS;
	ns->target = c->addr6;
	ndp_lla(slla, NDP_OPT_SLLA, c->our_mac);
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
