// SPDX-License-Identifier: GPL-2.0-or-later
/* icmp.c - ICMP and ICMPv6: echo requests from the guest, errors to it
 *
 * Theory of operation: the only ICMP messages of the guest that are
 * translated are echo requests (the NDP ones go to the L2 responders first).
 * This locates identifier, sequence and payload of one, bounded by the IP
 * payload length. The checksum is not checked here: the guest's kernel may
 * leave it to offload, and the ping socket that sends the request computes
 * its own.
 *
 * The one error we send the guest is port unreachable, for a UDP flow whose
 * host socket was refused (udp.c): icmp_port_unreach() builds it from typed
 * headers, quoting the IP and UDP headers of a datagram of the flow.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>

#include "packet/checksum.h"
#include "packet/icmp.h"

#define ICMP_QUOTE_TTL 64	/* hop limit of the datagram we quote */

/**
 * icmp_echo_parse() - Locate an echo request
 * @l4:		ICMP or ICMPv6 message (the IP payload)
 * @v6:		ICMPv6
 * @e:		Filled on success
 *
 * Return: 0 for an echo request, -ENOENT for any other message type,
 *	   -EINVAL if too short or with a non-zero code
 */
int icmp_echo_parse(struct pview l4, bool v6, struct icmp_echo *e)
{
	uint8_t type, code;

	if (!pview_u8(l4, 0, &type))
		return -EINVAL;
	if (type != (v6 ? ICMP6_ECHO_REQ : ICMP4_ECHO_REQUEST))
		return -ENOENT;
	if (!pview_u8(l4, offsetof(struct frame_icmp_hdr, code), &code) ||
	    code ||
	    !pview_be16(l4, offsetof(struct frame_icmp_hdr, un.echo.id),
			&e->id) ||
	    !pview_be16(l4, offsetof(struct frame_icmp_hdr, un.echo.seq),
			&e->seq))
		return -EINVAL;
	e->data = pview_tail(l4, ICMP_ECHO_HLEN);
	return 0;
}

/**
 * icmp_quote_udp() - Append the UDP header of the quoted datagram
 * @b:		Writer
 * @sport:	Its source port, host order
 * @dport:	Its destination port, host order
 *
 * Return: true on success
 */
static bool icmp_quote_udp(struct pbuf *b, uint16_t sport, uint16_t dport)
{
	struct frame_udp_hdr *uh = pbuf_reserve(b, sizeof(*uh));

	if (!uh)
		return false;
	uh->sport = htons(sport);
	uh->dport = htons(dport);
	uh->len = htons(FRAME_UDP_HLEN);
	uh->check = 0;
	return true;
}

/**
 * icmp_quote_ip4() - Append the IPv4 header of the quoted datagram
 * @b:		Writer
 * @saddr:	Its source
 * @daddr:	Its destination
 *
 * Return: true on success
 */
static bool icmp_quote_ip4(struct pbuf *b, struct in_addr saddr,
			   struct in_addr daddr)
{
	struct frame_ip4_hdr *q = pbuf_reserve(b, sizeof(*q));

	if (!q)
		return false;
	q->ver_ihl = 4 << 4 | FRAME_IP4_HLEN / 4;
	q->tot_len = htons(FRAME_IP4_HLEN + FRAME_UDP_HLEN);
	q->ttl = ICMP_QUOTE_TTL;
	q->proto = IPPROTO_UDP;
	q->saddr = saddr;
	q->daddr = daddr;
	q->check = csum_ip4_header(q, sizeof(*q));
	return true;
}

/**
 * icmp_quote_ip6() - Append the IPv6 header of the quoted datagram
 * @b:		Writer
 * @saddr:	Its source
 * @daddr:	Its destination
 *
 * Return: true on success
 */
static bool icmp_quote_ip6(struct pbuf *b, const struct in6_addr *saddr,
			   const struct in6_addr *daddr)
{
	struct frame_ip6_hdr *q = pbuf_reserve(b, sizeof(*q));

	if (!q)
		return false;
	q->ver_tc_fl = htonl(6U << 28);
	q->plen = htons(FRAME_UDP_HLEN);
	q->nexthdr = IPPROTO_UDP;
	q->hop = ICMP_QUOTE_TTL;
	q->saddr = *saddr;
	q->daddr = *daddr;
	return true;
}

/**
 * icmp_port_unreach() - Build the port unreachable error for a datagram
 * @b:		Writer, empty
 * @dst_mac:	Destination MAC of the error
 * @src_mac:	Its source MAC
 * @saddr:	Source of the refused datagram (the guest): the error goes
 *		there
 * @daddr:	Its destination, which refused it: the error comes from it
 * @sport:	Its source port, host order
 * @dport:	Its destination port, host order
 *
 * ICMP type 3 code 3 (RFC 792) or ICMPv6 type 1 code 4 (RFC 4443 3.1),
 * quoting the IP and UDP headers of a datagram from @saddr:@sport to
 * @daddr:@dport with no payload: "the internet header and 64 bits" of
 * RFC 792, all the guest's kernel needs to find its socket.
 *
 * Return: frame length, 0 if it doesn't fit, or if @saddr and @daddr are
 *	   of different families
 */
size_t icmp_port_unreach(struct pbuf *b, const uint8_t *dst_mac,
			 const uint8_t *src_mac, const union inany_addr *saddr,
			 const union inany_addr *daddr, uint16_t sport,
			 uint16_t dport)
{
	const struct in_addr *s4 = inany_v4(saddr), *d4 = inany_v4(daddr);
	struct frame_icmp_hdr *ih;

	if (!s4 != !d4)
		return 0;
	if (!(s4 ? frame_ip4_begin(b, dst_mac, src_mac) :
		   frame_ip6_begin(b, dst_mac, src_mac)) ||
	    !(ih = pbuf_reserve(b, sizeof(*ih))) ||
	    !(s4 ? icmp_quote_ip4(b, *s4, *d4) :
		   icmp_quote_ip6(b, &saddr->a6, &daddr->a6)) ||
	    !icmp_quote_udp(b, sport, dport))
		return 0;

	ih->type = s4 ? ICMP4_DEST_UNREACH : ICMP6_DEST_UNREACH;
	ih->code = s4 ? ICMP4_PORT_UNREACH : ICMP6_PORT_UNREACH;
	if (s4)
		return frame_icmp4_finish(b, *d4, *s4);
	return frame_icmp6_finish(b, &daddr->a6, &saddr->a6);
}
