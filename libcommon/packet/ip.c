// SPDX-License-Identifier: GPL-2.0-or-later
/* ip.c - locate and check the IPv4 or IPv6 packet inside a guest frame
 *
 * Theory of operation: pkt_parse_ip() is the first step of every L4 handler
 * on the data path. It takes a whole Ethernet frame as a struct pview, checks
 * the IP header against what the frame holds, and hands back the addresses
 * (IPv4 as v4-mapped IPv6, see base/inany.h) and a view of exactly the L4
 * bytes the IP header announces, so that Ethernet padding never reaches a
 * transport parser. The fixed headers are taken with one bounded
 * pview_get() each and read through packed structs; no length from the
 * frame is used before it has been compared with the view it describes.
 *
 * Return codes separate three cases for the caller: -ENOENT (not IP, or not
 * plain Ethernet II: leave it to the other handlers), -EPROTO (a fragment:
 * the caller hands it to packet/frag.c for reassembly) and -EINVAL
 * (malformed: drop).
 */

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include "packet/checksum.h"
#include "packet/frame.h"
#include "packet/ip.h"

/* IPv4 header fields (RFC 791 3.1) */
enum ip4_field {
	IP4_VERSION = 4,
	IP4_IHL_MASK = 0x0f,
	IP4_MF = 0x2000,
	IP4_OFFSET_MASK = 0x1fff,
};

/* IPv6 header values (RFC 8200 3, 4) */
enum ip6_field {
	IP6_VERSION = 6,
	IP6_VERSION_SHIFT = 28,
	IP6_NH_HOPOPTS = 0,
	IP6_NH_ROUTING = 43,
	IP6_NH_FRAGMENT = 44,
	IP6_NH_DSTOPTS = 60,
	IP6_EXT_UNIT = 8, /* Hdr Ext Len counts 8-octet units */
	IP6_EXT_MAX = 8,  /* extension headers we walk before giving up */
};

/**
 * pkt_parse_ip4() - Check an IPv4 header and locate its payload
 * @l3:		Bytes after the Ethernet header
 * @p:		Parsed packet, filled on success
 *
 * Return: 0 on success, -EINVAL if malformed, -EPROTO for a fragment
 */
static int pkt_parse_ip4(struct pview l3, struct pkt_l4 *p)
{
	const struct frame_ip4_hdr *iph;
	size_t hlen, tot_len;
	uint8_t ver_ihl;

	if (!pview_u8(l3, 0, &ver_ihl) || ver_ihl >> 4 != IP4_VERSION)
		return -EINVAL;
	hlen = (size_t)(ver_ihl & IP4_IHL_MASK) * 4;
	if (hlen < FRAME_IP4_HLEN)
		return -EINVAL;
	iph = pview_get(l3, 0, hlen);
	if (!iph)
		return -EINVAL;

	/* RFC 791 3.1: Total Length covers header and data; anything the
	 * frame holds beyond it is link-layer padding
	 */
	tot_len = ntohs(iph->tot_len);
	if (tot_len < hlen || tot_len > l3.len)
		return -EINVAL;

	/* RFC 1122 3.2.1.2: silently discard on a bad header checksum */
	if (csum_fold(csum_partial(iph, hlen, 0)))
		return -EINVAL;

	/* RFC 791 3.2: MF set or a non-zero offset makes it a fragment */
	if (ntohs(iph->frag) & (IP4_MF | IP4_OFFSET_MASK))
		return -EPROTO;

	p->family = AF_INET;
	inany_from_v4(&p->src, iph->saddr);
	inany_from_v4(&p->dst, iph->daddr);
	p->proto = iph->proto;
	p->ttl = iph->ttl;
	p->l4 = pview_sub(l3, hlen, tot_len - hlen);
	return 0;
}

/**
 * pkt_skip_ip6_ext() - Walk IPv6 extension headers up to the L4 header
 * @pl:		IPv6 payload (after the fixed header), trimmed to the payload
 *		length; set to the L4 bytes on success
 * @nh:		Next header of the fixed header; set to the L4 protocol
 *
 * Return: 0 on success, -EINVAL for a truncated header, a Hop-by-Hop header
 *	   that isn't first or more than IP6_EXT_MAX headers, -EPROTO if a
 *	   Fragment header is found
 */
static int pkt_skip_ip6_ext(struct pview *pl, uint8_t *nh)
{
	uint8_t next, units;
	unsigned int i;
	size_t len;

	for (i = 0; i <= IP6_EXT_MAX; i++) {
		switch (*nh) {
		case IP6_NH_FRAGMENT:
			return -EPROTO;
		case IP6_NH_HOPOPTS:
			/* RFC 8200 4.3: only immediately after the IPv6
			 * header; the kernel rejects it anywhere else
			 */
			if (i)
				return -EINVAL;
			break;
		case IP6_NH_ROUTING:
		case IP6_NH_DSTOPTS:
			break;
		default:
			return 0;
		}
		if (i == IP6_EXT_MAX)
			break;

		/* RFC 8200 4.3, 4.4, 4.6: Next Header, Hdr Ext Len in
		 * 8-octet units not counting the first 8 octets
		 */
		if (!pview_u8(*pl, 0, &next) || !pview_u8(*pl, 1, &units))
			return -EINVAL;
		len = ((size_t)units + 1) * IP6_EXT_UNIT;
		if (len > pl->len)
			return -EINVAL;
		*pl = pview_tail(*pl, len);
		*nh = next;
	}
	return -EINVAL;
}

/**
 * pkt_parse_ip6() - Check an IPv6 header and locate its L4 payload
 * @l3:		Bytes after the Ethernet header
 * @p:		Parsed packet, filled on success
 *
 * Return: 0 on success, -EINVAL if malformed, -EPROTO for a fragment
 */
static int pkt_parse_ip6(struct pview l3, struct pkt_l4 *p)
{
	const struct frame_ip6_hdr *ip6h = pview_get(l3, 0, FRAME_IP6_HLEN);
	struct pview pl;
	uint8_t nh;
	size_t plen;
	int rc;

	if (!ip6h || ntohl(ip6h->ver_tc_fl) >> IP6_VERSION_SHIFT != IP6_VERSION)
		return -EINVAL;

	/* RFC 8200 3: Payload Length counts extension headers too */
	plen = ntohs(ip6h->plen);
	if (plen > l3.len - FRAME_IP6_HLEN)
		return -EINVAL;
	pl = pview_sub(l3, FRAME_IP6_HLEN, plen);

	nh = ip6h->nexthdr;
	rc = pkt_skip_ip6_ext(&pl, &nh);
	if (rc)
		return rc;

	/* RFC 4291 2.5.5.2: IPv4-mapped addresses stand for IPv4 nodes in
	 * APIs, not on the wire; as inany values they would pass for IPv4
	 */
	p->src.a6 = ip6h->saddr;
	p->dst.a6 = ip6h->daddr;
	if (inany_is_v4(&p->src) || inany_is_v4(&p->dst))
		return -EINVAL;
	p->family = AF_INET6;
	p->proto = nh;
	p->ttl = ip6h->hop;
	p->l4 = pl;
	return 0;
}

/**
 * pkt_parse_ip() - Locate and check the IP packet of an Ethernet frame
 * @frame:	Whole Ethernet II frame, no VLAN tag
 * @p:		Parsed packet, filled on success (undefined on failure)
 *
 * IPv4: version, IHL, total length, header checksum, no fragment. IPv6:
 * version, payload length, no IPv4-mapped address; Hop-by-Hop, Routing and
 * Destination Options headers are skipped (at most IP6_EXT_MAX of them), a
 *Fragment header refused. @p->l4 holds exactly the bytes the IP header
 *announces.
 *
 * Return: 0 on success, -ENOENT if the frame is not IPv4 or IPv6 (other
 *	   ethertype, VLAN tag, frame shorter than an Ethernet header),
 *	   -EPROTO for a fragment, -EINVAL if malformed
 */
int pkt_parse_ip(struct pview frame, struct pkt_l4 *p)
{
	struct pview l3 = pview_tail(frame, FRAME_ETH_HLEN);
	uint16_t type;

	if (!pview_be16(frame, offsetof(struct frame_eth_hdr, type), &type))
		return -ENOENT;

	if (type == FRAME_ETH_IP4)
		return pkt_parse_ip4(l3, p);
	if (type == FRAME_ETH_IP6)
		return pkt_parse_ip6(l3, p);
	return -ENOENT;
}
