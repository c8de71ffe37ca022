// SPDX-License-Identifier: GPL-2.0-or-later
/* frame.c - Ethernet, IPv4, IPv6 and UDP headers: bounded parsing, building
 *
 * See frame.h for the model. Parsing never trusts a length field: every one
 * is compared with the view it claims to describe. Building writes the
 * headers at fixed offsets of the buffer (Ethernet at 0, IP at 14, L4 at 34
 * or 54), so the finishing functions need no other state than the struct
 * pbuf itself.
 */

#include <arpa/inet.h>
#include <string.h>

#include "packet/checksum.h"
#include "packet/frame.h"

/* IPv4 flag and fragment offset bits (RFC 791 3.1) */
enum {
	IP4_MF = 0x2000,
	IP4_OFFSET_MASK = 0x1fff,
	IP4_VERSION = 4,
	IP4_TTL = 64,
	IP6_VERSION = 6,
	IP6_HOP = 255,
};

/**
 * frame_eth_parse() - Parse the Ethernet header of a frame
 * @f:		Frame
 * @e:		Parsed header, filled on success
 *
 * Return: true if @f holds a complete Ethernet header
 */
bool frame_eth_parse(struct pview f, struct frame_eth *e)
{
	if (!pview_copy(f, 0, e->dst, ETH_ADDR_LEN) ||
	    !pview_copy(f, ETH_ADDR_LEN, e->src, ETH_ADDR_LEN) ||
	    !pview_be16(f, (size_t)2 * ETH_ADDR_LEN, &e->type))
		return false;
	e->payload = pview_tail(f, FRAME_ETH_HLEN);
	return true;
}

/**
 * frame_ip4_parse() - Parse an IPv4 header
 * @l3:		Bytes after the Ethernet header
 * @ip:		Parsed header, filled when the function returns true
 *
 * Return: true if @l3 starts with a readable IPv4 header that is not a
 *	   non-first fragment, so that @ip->proto and the start of @ip->l4 are
 *	   meaningful; @ip->ok then tells whether it is also well-formed
 */
bool frame_ip4_parse(struct pview l3, struct frame_ip *ip)
{
	uint16_t tot_len = 0, frag = 0;
	const void *hdr;
	uint8_t ver_ihl;
	size_t hlen;

	memset(ip, 0, sizeof(*ip));
	if (!pview_u8(l3, 0, &ver_ihl) || ver_ihl >> 4 != IP4_VERSION)
		return false;
	hlen = (size_t)(ver_ihl & 0xf) * 4;
	hdr = pview_get(l3, 0, hlen);
	if (hlen < FRAME_IP4_HLEN || !hdr)
		return false;

	pview_be16(l3, 2, &tot_len);
	pview_be16(l3, 6, &frag);
	pview_u8(l3, 8, &ip->hop);
	pview_u8(l3, 9, &ip->proto);
	pview_copy(l3, 12, &ip->src4, 4);
	pview_copy(l3, 16, &ip->dst4, 4);
	if (frag & IP4_OFFSET_MASK)
		return false;

	/* RFC 1122 3.2.1.2: a datagram with a bad header checksum is dropped */
	ip->ok = tot_len >= hlen && tot_len <= l3.len && !(frag & IP4_MF) &&
		 !csum_fold(csum_partial(hdr, hlen, 0));
	if (ip->ok)
		ip->l4 = pview_sub(l3, hlen, tot_len - hlen);
	else
		ip->l4 = pview_tail(l3, hlen);
	return true;
}

/**
 * frame_ip6_parse() - Parse an IPv6 header (no extension headers)
 * @l3:		Bytes after the Ethernet header
 * @ip:		Parsed header, filled when the function returns true
 *
 * Return: true if @l3 starts with a complete IPv6 header; @ip->ok tells
 *	   whether the payload length fits in the frame
 */
bool frame_ip6_parse(struct pview l3, struct frame_ip *ip)
{
	uint16_t plen = 0;
	uint8_t ver;

	memset(ip, 0, sizeof(*ip));
	if (!pview_get(l3, 0, FRAME_IP6_HLEN) || !pview_u8(l3, 0, &ver) ||
	    ver >> 4 != IP6_VERSION)
		return false;

	pview_be16(l3, 4, &plen);
	pview_u8(l3, 6, &ip->proto);
	pview_u8(l3, 7, &ip->hop);
	pview_copy(l3, 8, &ip->src6, 16);
	pview_copy(l3, 24, &ip->dst6, 16);

	/* A zero payload length means a jumbogram (RFC 2675): not for us */
	ip->ok = plen && plen <= l3.len - FRAME_IP6_HLEN;
	if (ip->ok)
		ip->l4 = pview_sub(l3, FRAME_IP6_HLEN, plen);
	else
		ip->l4 = pview_tail(l3, FRAME_IP6_HLEN);
	return true;
}

/**
 * frame_udp_parse() - Parse a UDP header
 * @l4:		L4 bytes
 * @u:		Parsed header, filled when the function returns true
 *
 * Return: true if both ports are readable; @u->ok tells whether the whole
 *	   header is there and its length field fits in @l4
 */
bool frame_udp_parse(struct pview l4, struct frame_udp *u)
{
	uint16_t len = 0;

	memset(u, 0, sizeof(*u));
	if (!pview_be16(l4, 0, &u->sport) || !pview_be16(l4, 2, &u->dport))
		return false;

	u->ok = pview_be16(l4, 4, &len) && len >= FRAME_UDP_HLEN &&
		len <= l4.len;
	if (u->ok)
		u->data = pview_sub(l4, FRAME_UDP_HLEN, len - FRAME_UDP_HLEN);
	return true;
}

/**
 * frame_eth_begin() - Start a frame with its Ethernet header
 * @b:		Writer, empty
 * @dst:	Destination MAC
 * @src:	Source MAC
 * @type:	Ethertype, host order
 *
 * Return: true on success, false if the header doesn't fit
 */
bool frame_eth_begin(struct pbuf *b, const uint8_t *dst, const uint8_t *src,
		     uint16_t type)
{
	struct frame_eth_hdr *eh = pbuf_reserve(b, sizeof(*eh));

	if (!eh)
		return false;
	memcpy(eh->dst, dst, ETH_ADDR_LEN);
	memcpy(eh->src, src, ETH_ADDR_LEN);
	eh->type = htons(type);
	return true;
}

/**
 * frame_udp4_begin() - Start an IPv4/UDP frame: reserve all headers
 * @b:		Writer, empty
 * @dst:	Destination MAC
 * @src:	Source MAC
 *
 * Return: true on success; the payload is then appended at FRAME_UDP4_DATA
 */
bool frame_udp4_begin(struct pbuf *b, const uint8_t *dst, const uint8_t *src)
{
	return frame_eth_begin(b, dst, src, FRAME_ETH_IP4) &&
	       pbuf_reserve(b, FRAME_IP4_HLEN + FRAME_UDP_HLEN);
}

/**
 * frame_pad() - Pad a frame with zeroes to the Ethernet minimum
 * @b:		Writer
 *
 * Return: final frame length, 0 if the frame overflowed its buffer
 */
size_t frame_pad(struct pbuf *b)
{
	if (b->len < FRAME_ETH_MIN)
		pbuf_reserve(b, FRAME_ETH_MIN - b->len);
	return b->overflow ? 0 : b->len;
}

/**
 * ip4_fill() - Fill the IPv4 header of a frame being finished
 * @b:		Writer, holding at least the Ethernet and IPv4 headers
 * @saddr:	Source
 * @daddr:	Destination
 * @proto:	Protocol
 * @min_l4:	Shortest acceptable L4 length
 *
 * Return: the L4 length, 0 if the frame is unusable
 */
static size_t ip4_fill(struct pbuf *b, struct in_addr saddr,
		       struct in_addr daddr, uint8_t proto, size_t min_l4)
{
	struct frame_ip4_hdr *ih =
		(struct frame_ip4_hdr *)(b->p + FRAME_ETH_HLEN);

	if (b->overflow || b->len < FRAME_ETH_HLEN + FRAME_IP4_HLEN + min_l4 ||
	    b->len - FRAME_ETH_HLEN > UINT16_MAX)
		return 0;

	ih->ver_ihl = IP4_VERSION << 4 | FRAME_IP4_HLEN / 4;
	ih->tot_len = htons((uint16_t)(b->len - FRAME_ETH_HLEN));
	ih->ttl = IP4_TTL;
	ih->proto = proto;
	ih->saddr = saddr;
	ih->daddr = daddr;
	ih->check = 0;
	ih->check = csum_ip4_header(ih, FRAME_IP4_HLEN);
	return b->len - FRAME_ETH_HLEN - FRAME_IP4_HLEN;
}

/**
 * frame_udp4_finish() - Fill IPv4 and UDP headers of a frame, pad it
 * @b:		Writer, started with frame_udp4_begin(), payload appended
 * @saddr:	IPv4 source
 * @daddr:	IPv4 destination
 * @sport:	UDP source port, host order
 * @dport:	UDP destination port, host order
 * @partial:	Leave the checksum to the receiver: the field holds the
 *		pseudo-header sum (checksum offload)
 *
 * Return: frame length, 0 if it overflowed its buffer or exceeds IPv4 limits
 */
size_t frame_udp4_finish(struct pbuf *b, struct in_addr saddr,
			 struct in_addr daddr, uint16_t sport, uint16_t dport,
			 bool partial)
{
	struct frame_udp_hdr *uh = (struct frame_udp_hdr *)(b->p +
				   FRAME_ETH_HLEN + FRAME_IP4_HLEN);
	size_t l4len = ip4_fill(b, saddr, daddr, FRAME_PROTO_UDP,
				FRAME_UDP_HLEN);
	uint16_t check;

	if (!l4len)
		return 0;
	uh->sport = htons(sport);
	uh->dport = htons(dport);
	uh->len = htons((uint16_t)l4len);
	uh->check = 0;
	check = csum_l4_ip4_len(saddr, daddr, FRAME_PROTO_UDP, uh,
				partial ? 0 : l4len, l4len);
	if (partial)
		uh->check = (uint16_t)~check;
	else	/* RFC 768: a computed zero is sent as all ones */
		uh->check = check ? check : 0xffff;

	return frame_pad(b);
}

/**
 * frame_ip6_begin() - Start an IPv6 frame: reserve Ethernet and IPv6 headers
 * @b:		Writer, empty
 * @dst:	Destination MAC
 * @src:	Source MAC
 *
 * Return: true on success; the L4 header is then appended at FRAME_IP6_DATA
 */
bool frame_ip6_begin(struct pbuf *b, const uint8_t *dst, const uint8_t *src)
{
	return frame_eth_begin(b, dst, src, FRAME_ETH_IP6) &&
	       pbuf_reserve(b, FRAME_IP6_HLEN);
}

/**
 * frame_udp6_begin() - Start an IPv6/UDP frame: reserve all headers
 * @b:		Writer, empty
 * @dst:	Destination MAC
 * @src:	Source MAC
 *
 * Return: true on success; the payload is then appended at FRAME_UDP6_DATA
 */
bool frame_udp6_begin(struct pbuf *b, const uint8_t *dst, const uint8_t *src)
{
	return frame_ip6_begin(b, dst, src) && pbuf_reserve(b, FRAME_UDP_HLEN);
}

/**
 * ip6_fill() - Fill the IPv6 header of a frame being finished
 * @b:		Writer, holding at least the Ethernet and IPv6 headers
 * @saddr:	Source
 * @daddr:	Destination
 * @proto:	Next header
 *
 * Return: the L4 length, 0 if the frame is unusable
 */
static size_t ip6_fill(struct pbuf *b, const struct in6_addr *saddr,
		       const struct in6_addr *daddr, uint8_t proto)
{
	struct frame_ip6_hdr *ih =
		(struct frame_ip6_hdr *)(b->p + FRAME_ETH_HLEN);
	size_t l4len;

	if (b->overflow || b->len <= FRAME_IP6_DATA ||
	    b->len - FRAME_IP6_DATA > UINT16_MAX)
		return 0;
	l4len = b->len - FRAME_IP6_DATA;

	ih->ver_tc_fl = htonl((uint32_t)IP6_VERSION << 28);
	ih->plen = htons((uint16_t)l4len);
	ih->nexthdr = proto;
	ih->hop = IP6_HOP;
	ih->saddr = *saddr;
	ih->daddr = *daddr;
	return l4len;
}

/**
 * frame_udp6_finish() - Fill IPv6 and UDP headers of a frame, pad it
 * @b:		Writer, started with frame_udp6_begin(), payload appended
 * @saddr:	IPv6 source
 * @daddr:	IPv6 destination
 * @sport:	UDP source port, host order
 * @dport:	UDP destination port, host order
 * @partial:	Leave the checksum to the receiver: the field holds the
 *		pseudo-header sum (checksum offload)
 *
 * Return: frame length, 0 if it overflowed its buffer
 */
size_t frame_udp6_finish(struct pbuf *b, const struct in6_addr *saddr,
			 const struct in6_addr *daddr, uint16_t sport,
			 uint16_t dport, bool partial)
{
	struct frame_udp_hdr *uh =
		(struct frame_udp_hdr *)(b->p + FRAME_IP6_DATA);
	size_t l4len = ip6_fill(b, saddr, daddr, FRAME_PROTO_UDP);
	uint16_t check;

	if (l4len < FRAME_UDP_HLEN)
		return 0;
	uh->sport = htons(sport);
	uh->dport = htons(dport);
	uh->len = htons((uint16_t)l4len);
	uh->check = 0;
	check = csum_l4_ip6_len(saddr, daddr, FRAME_PROTO_UDP, uh,
				partial ? 0 : l4len, l4len);
	if (partial)
		uh->check = (uint16_t)~check;
	else	/* RFC 8200 8.1: the checksum is mandatory, zero sent as ones */
		uh->check = check ? check : 0xffff;

	return frame_pad(b);
}

/**
 * frame_icmp6_finish() - Fill the IPv6 header and the ICMPv6 checksum, pad
 * @b:		Writer, started with frame_ip6_begin(), ICMPv6 message appended
 * @saddr:	IPv6 source
 * @daddr:	IPv6 destination
 *
 * Return: frame length, 0 if it overflowed its buffer
 */
size_t frame_icmp6_finish(struct pbuf *b, const struct in6_addr *saddr,
			  const struct in6_addr *daddr)
{
	struct frame_icmp_hdr *ih =
		(struct frame_icmp_hdr *)(b->p + FRAME_IP6_DATA);
	size_t l4len = ip6_fill(b, saddr, daddr, FRAME_PROTO_ICMP6);

	/* type, code, checksum, then a 4-byte message body at least */
	if (l4len < FRAME_ICMP_HLEN)
		return 0;
	ih->check = 0;
	ih->check = csum_l4_ip6(saddr, daddr, FRAME_PROTO_ICMP6, ih, l4len);

	return frame_pad(b);
}

/**
 * frame_ip4_begin() - Start an IPv4 frame: reserve Ethernet and IPv4 headers
 * @b:		Writer, empty
 * @dst:	Destination MAC
 * @src:	Source MAC
 *
 * Return: true on success; the L4 header and payload follow
 */
bool frame_ip4_begin(struct pbuf *b, const uint8_t *dst, const uint8_t *src)
{
	return frame_eth_begin(b, dst, src, FRAME_ETH_IP4) &&
	       pbuf_reserve(b, FRAME_IP4_HLEN);
}

/**
 * frame_icmp4_finish() - Fill the IPv4 header and ICMP checksum, pad
 * @b:		Writer, started with frame_ip4_begin(), ICMP message appended
 * @saddr:	Source
 * @daddr:	Destination
 *
 * Return: frame length, 0 if it overflowed or the message is too short
 */
size_t frame_icmp4_finish(struct pbuf *b, struct in_addr saddr,
			  struct in_addr daddr)
{
	struct frame_icmp_hdr *ih = (struct frame_icmp_hdr *)(b->p +
				    FRAME_ETH_HLEN + FRAME_IP4_HLEN);
	size_t l4len = ip4_fill(b, saddr, daddr, FRAME_PROTO_ICMP4,
				FRAME_ICMP_HLEN);

	if (!l4len)
		return 0;
	/* RFC 792: the checksum covers the ICMP message only */
	ih->check = 0;
	ih->check = csum_fold(csum_partial(ih, l4len, 0));
	return frame_pad(b);
}

/**
 * frame_mac_mcast6() - Ethernet address of an IPv6 multicast group
 * @a:		IPv6 multicast address
 * @mac:	Filled with 33:33 and the last four bytes of @a (RFC 2464 7)
 */
void frame_mac_mcast6(const struct in6_addr *a, uint8_t *mac)
{
	mac[0] = 0x33;
	mac[1] = 0x33;
	memcpy(mac + 2, &a->s6_addr[12], 4);
}
