// SPDX-License-Identifier: GPL-2.0-or-later
/* tcpseg.c - parse TCP segments from the guest, build TCP frames towards it
 *
 * Theory of operation: tcp_seg_parse() works on the L4 view that
 * pkt_parse_ip() located, so it never sees Ethernet padding. It checks the
 * data offset against that view, optionally verifies the checksum with the
 * pseudo-header of the packet's family, and walks the options with a bounded
 * loop: every option but EOL and NOP carries a length that must be at least
 * 2 and stay inside the header, or the segment is refused.
 *
 * Building is split in two so that payload bytes are copied once: the
 * caller asks tcp_frame_payload_off() where the payload goes, reads it from
 * the socket straight to that offset of its frame buffer, then calls
 * tcp_frame_finish(), which writes the Ethernet, IP and TCP headers (and
 * SYN options) in front of it and computes the checksums. The payload is
 * summed once, together with the TCP header, by csum_l4_ip4()/csum_l4_ip6().
 */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "packet/checksum.h"
#include "packet/frame.h"
#include "packet/ip.h"

/* TCP header layout and option kinds (RFC 9293 3.1, 3.2; RFC 7323 2, 3) */
enum tcp_wire {
	TCP_HLEN = 20,
	TCP_DOFF_SHIFT = 4,
	TCP_FLAGS_MASK = TCP_F_FIN | TCP_F_SYN | TCP_F_RST | TCP_F_PSH |
			 TCP_F_ACK | TCP_F_URG,
	TCP_OPT_EOL = 0,
	TCP_OPT_NOP = 1,
	TCP_OPT_MSS = 2,
	TCP_OPT_WS = 3,
	TCP_OPT_SACK_PERM = 4,
	TCP_OPT_TS = 8,
	TCP_OLEN_MSS = 4,
	TCP_OLEN_WS = 3,
	TCP_OLEN_SACK_PERM = 2,
	TCP_OLEN_TS = 10,
	TCP_OLEN_MIN = 2,
	TCP_WS_MAX = 14,
};

/* Values of the headers we build */
enum tcp_frame_val {
	TCP_FRAME_IP4_VER_IHL = 0x45,
	TCP_FRAME_IP4_DF = 0x4000,
	TCP_FRAME_TTL = 64,
	TCP_FRAME_IP6_VER_SHIFT = 28,
	TCP_FRAME_IP6_VERSION = 6,
	TCP_FRAME_OPT_MSS_LEN = 4, /* kind, length, value */
	TCP_FRAME_OPT_WS_LEN = 4,  /* NOP, kind, length, shift */
};

/**
 * struct tcp_hdr - TCP header without options (RFC 9293 3.1)
 * @sport:	Source port, network order
 * @dport:	Destination port, network order
 * @seq:	Sequence number, network order
 * @ack:	Acknowledgement number, network order
 * @doff:	Data offset in 32-bit words, in the high nibble
 * @flags:	Control bits
 * @wnd:	Window, network order
 * @check:	Checksum
 * @urg:	Urgent pointer
 */
struct tcp_hdr {
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint8_t doff;
	uint8_t flags;
	uint16_t wnd;
	uint16_t check;
	uint16_t urg;
} __attribute__((packed));

/**
 * tcp_opt_one() - Store the value of one option whose bounds are checked
 * @o:		Options area
 * @off:	Offset of the option's kind byte in @o
 * @kind:	Option kind
 * @len:	Option length, at least 2, fits in @o
 * @s:		Segment to update
 *
 * Known options with a length other than their own are ignored, as the Linux
 * stack does: they are skipped by their length like unknown ones.
 */
static void tcp_opt_one(struct pview o, size_t off, uint8_t kind, uint8_t len,
			struct tcp_seg *s)
{
	uint8_t shift;

	switch (kind) {
	case TCP_OPT_MSS:
		if (len == TCP_OLEN_MSS)
			pview_be16(o, off + 2, &s->mss);
		break;
	case TCP_OPT_WS:
		/* RFC 7323 2.3: a shift count above 14 is used as 14 */
		if (len == TCP_OLEN_WS && pview_u8(o, off + 2, &shift))
			s->wscale = (int8_t)(shift > TCP_WS_MAX ? TCP_WS_MAX
								: shift);
		break;
	case TCP_OPT_SACK_PERM:
		if (len == TCP_OLEN_SACK_PERM)
			s->sack_ok = true;
		break;
	case TCP_OPT_TS: /* RFC 7323 3: not used, skipped */
	default:	 /* RFC 9293 3.1: skip what we don't know */
		break;
	}
}

/**
 * tcp_opts_parse() - Walk the options of a TCP header
 * @o:		Options area: the header after its first 20 bytes
 * @s:		Segment, option fields set to their "absent" values
 *
 * Return: 0 on success, -EINVAL for a length below 2 or past the header
 *	   (RFC 9293 3.2, MUST-7: be prepared for an illegal option length)
 */
static int tcp_opts_parse(struct pview o, struct tcp_seg *s)
{
	uint8_t kind, len;
	size_t off = 0;

	while (pview_u8(o, off, &kind)) {
		if (kind == TCP_OPT_EOL)
			break;
		if (kind == TCP_OPT_NOP) {
			off++;
			continue;
		}
		if (!pview_u8(o, off + 1, &len) || len < TCP_OLEN_MIN ||
		    len > o.len - off)
			return -EINVAL;
		tcp_opt_one(o, off, kind, len, s);
		off += len;
	}
	return 0;
}

/**
 * tcp_csum_ok() - Verify the checksum of a TCP segment
 * @p:		Packet, @p->l4 non-empty
 *
 * Return: true if the segment with its pseudo-header sums to zero
 */
static bool tcp_csum_ok(const struct pkt_l4 *p)
{
	/* RFC 9293 3.1: the checksum covers a pseudo-header, the TCP header
	 * and the data; summed with the checksum in place the result is 0
	 */
	if (p->family == AF_INET)
		return !csum_l4_ip4(p->src.v4mapped.a4, p->dst.v4mapped.a4,
				    IPPROTO_TCP, p->l4.p, p->l4.len);
	return !csum_l4_ip6(&p->src.a6, &p->dst.a6, IPPROTO_TCP, p->l4.p,
			    p->l4.len);
}

/**
 * tcp_seg_parse() - Parse the TCP segment of a packet
 * @p:		Packet located by pkt_parse_ip()
 * @s:		Segment, filled on success (undefined on failure)
 * @csum:	Verify the TCP checksum
 *
 * Flags are masked to the enum tcp_flag bits (ECE and CWR are dropped);
 * @s->mss is 0, @s->wscale -1 and @s->sack_ok false unless the option is
 * present with its proper length. Options are parsed in any segment.
 *
 * Return: 0 on success, -ENOENT if @p is not TCP, -EINVAL if the header is
 *	   truncated, its data offset is below 20 or past the segment, an
 *	   option length is illegal, or (with @csum) the checksum is wrong
 */
int tcp_seg_parse(const struct pkt_l4 *p, struct tcp_seg *s, bool csum)
{
	const struct tcp_hdr *th;
	size_t doff;

	if (p->proto != IPPROTO_TCP)
		return -ENOENT;
	th = pview_get(p->l4, 0, TCP_HLEN);
	if (!th)
		return -EINVAL;
	doff = (size_t)(th->doff >> TCP_DOFF_SHIFT) * 4;
	if (doff < TCP_HLEN || doff > p->l4.len)
		return -EINVAL;
	if (csum && !tcp_csum_ok(p))
		return -EINVAL;

	s->sport = ntohs(th->sport);
	s->dport = ntohs(th->dport);
	s->seq = ntohl(th->seq);
	s->ack = ntohl(th->ack);
	s->flags = th->flags & TCP_FLAGS_MASK;
	s->wnd = ntohs(th->wnd);
	s->mss = 0;
	s->wscale = -1;
	s->sack_ok = false;
	s->payload = pview_tail(p->l4, doff);

	return tcp_opts_parse(pview_sub(p->l4, TCP_HLEN, doff - TCP_HLEN), s);
}

/**
 * tcp_frame_opts_len() - Length of the options we write for @opts
 * @opts:	Options, may be NULL
 *
 * Return: bytes, a multiple of 4
 */
static size_t tcp_frame_opts_len(const struct tcp_frame_opts *opts)
{
	if (!opts)
		return 0;
	return (opts->mss ? TCP_FRAME_OPT_MSS_LEN : 0) +
	       (opts->wscale >= 0 ? TCP_FRAME_OPT_WS_LEN : 0);
}

/**
 * tcp_frame_payload_off() - Where the payload of a frame we build starts
 * @h:		Flow's addresses, ports and MACs; IPv4 if @h->dst is
 * @opts:	Options to send (SYN, SYN-ACK), NULL for none
 *
 * Return: offset of the payload in the frame buffer: Ethernet, IPv4 or IPv6,
 *	   TCP header and options
 */
size_t tcp_frame_payload_off(const struct tcp_frame_hdr *h,
			     const struct tcp_frame_opts *opts)
{
	size_t l3 = inany_is_v4(&h->dst) ? FRAME_IP4_HLEN : FRAME_IP6_HLEN;

	return FRAME_ETH_HLEN + l3 + TCP_HLEN + tcp_frame_opts_len(opts);
}

/**
 * tcp_frame_opts_write() - Write the options of a SYN or SYN-ACK
 * @o:		Where they go, tcp_frame_opts_len() bytes
 * @opts:	Options, may be NULL
 */
static void tcp_frame_opts_write(uint8_t *o, const struct tcp_frame_opts *opts)
{
	if (!opts)
		return;
	if (opts->mss) {
		/* RFC 9293 3.7.1 */
		o[0] = TCP_OPT_MSS;
		o[1] = TCP_OLEN_MSS;
		o[2] = (uint8_t)(opts->mss >> 8);
		o[3] = (uint8_t)opts->mss;
		o += TCP_FRAME_OPT_MSS_LEN;
	}
	if (opts->wscale >= 0) {
		/* RFC 7323 2.2, preceded by a NOP to align what follows */
		o[0] = TCP_OPT_NOP;
		o[1] = TCP_OPT_WS;
		o[2] = TCP_OLEN_WS;
		o[3] = (uint8_t)(opts->wscale > TCP_WS_MAX ? TCP_WS_MAX
							   : opts->wscale);
	}
}

/**
 * tcp_frame_ip4() - Write the IPv4 header of a frame we build
 * @iph:	Where it goes
 * @h:		Flow's addresses
 * @l4len:	TCP header, options and payload length
 */
static void tcp_frame_ip4(struct frame_ip4_hdr *iph,
			  const struct tcp_frame_hdr *h, size_t l4len)
{
	iph->ver_ihl = TCP_FRAME_IP4_VER_IHL;
	iph->tos = 0;
	iph->tot_len = htons((uint16_t)(FRAME_IP4_HLEN + l4len));
	iph->id = 0;
	iph->frag = htons(TCP_FRAME_IP4_DF);
	iph->ttl = TCP_FRAME_TTL;
	iph->proto = IPPROTO_TCP;
	iph->check = 0;
	iph->saddr = h->src.v4mapped.a4;
	iph->daddr = h->dst.v4mapped.a4;
	iph->check = csum_ip4_header(iph, FRAME_IP4_HLEN);
}

/**
 * tcp_frame_ip6() - Write the IPv6 header of a frame we build
 * @ip6h:	Where it goes
 * @h:		Flow's addresses
 * @l4len:	TCP header, options and payload length
 */
static void tcp_frame_ip6(struct frame_ip6_hdr *ip6h,
			  const struct tcp_frame_hdr *h, size_t l4len)
{
	ip6h->ver_tc_fl = htonl((uint32_t)TCP_FRAME_IP6_VERSION
				<< TCP_FRAME_IP6_VER_SHIFT);
	ip6h->plen = htons((uint16_t)l4len);
	ip6h->nexthdr = IPPROTO_TCP;
	ip6h->hop = TCP_FRAME_TTL;
	ip6h->saddr = h->src.a6;
	ip6h->daddr = h->dst.a6;
}

/**
 * tcp_frame_write() - Headers in front of a placed payload, full or partial
 *		       TCP checksum
 * @frame:	Frame buffer, payload at tcp_frame_payload_off()
 * @h:		Addresses, ports and MACs
 * @opts:	SYN options, NULL for none
 * @seq:	Sequence number
 * @ack:	Acknowledgement number
 * @flags:	TCP flags
 * @wnd:	Window field
 * @payload_len: Payload length
 * @partial:	Store only the pseudo-header sum (checksum offload: the
 *		receiver completes or trusts it, RFC 1071 incremental form)
 *
 * Return: frame length
 */
static size_t tcp_frame_write(uint8_t *frame, const struct tcp_frame_hdr *h,
			      const struct tcp_frame_opts *opts, uint32_t seq,
			      uint32_t ack, uint8_t flags, uint16_t wnd,
			      size_t payload_len, bool partial)
{
	bool v4 = inany_is_v4(&h->dst);
	size_t optlen = tcp_frame_opts_len(opts);
	size_t l4off = FRAME_ETH_HLEN + (v4 ? FRAME_IP4_HLEN : FRAME_IP6_HLEN);
	size_t l4len = TCP_HLEN + optlen + payload_len;
	struct frame_eth_hdr *eh = (struct frame_eth_hdr *)frame;
	struct tcp_hdr *th = (struct tcp_hdr *)(frame + l4off);
	size_t sumlen = partial ? 0 : l4len;

	memcpy(eh->dst, h->dst_mac, sizeof(eh->dst));
	memcpy(eh->src, h->src_mac, sizeof(eh->src));
	eh->type = htons(v4 ? FRAME_ETH_IP4 : FRAME_ETH_IP6);

	th->sport = htons(h->sport);
	th->dport = htons(h->dport);
	th->seq = htonl(seq);
	th->ack = htonl(ack);
	th->doff = (uint8_t)((TCP_HLEN + optlen) / 4 << TCP_DOFF_SHIFT);
	th->flags = flags;
	th->wnd = htons(wnd);
	th->check = 0;
	th->urg = 0;
	tcp_frame_opts_write(frame + l4off + TCP_HLEN, opts);

	if (v4) {
		tcp_frame_ip4((struct frame_ip4_hdr *)(frame + FRAME_ETH_HLEN),
			      h, l4len);
		th->check = csum_l4_ip4_len(h->src.v4mapped.a4,
					    h->dst.v4mapped.a4, IPPROTO_TCP,
					    th, sumlen, l4len);
	} else {
		tcp_frame_ip6((struct frame_ip6_hdr *)(frame + FRAME_ETH_HLEN),
			      h, l4len);
		th->check = csum_l4_ip6_len(&h->src.a6, &h->dst.a6,
					    IPPROTO_TCP, th, sumlen, l4len);
	}
	if (partial)
		th->check = (uint16_t)~th->check;
	return l4off + l4len;
}

/**
 * tcp_frame_finish() - Write the headers in front of a payload in a frame
 * @frame:	Frame buffer; the payload is already at tcp_frame_payload_off()
 *		and the buffer holds at least that offset plus @payload_len
 * @h:		Flow's addresses, ports and MACs; IPv4 if @h->dst is
 * @opts:	Options to send (SYN, SYN-ACK), NULL for none
 * @seq:	Sequence number
 * @ack:	Acknowledgement number
 * @flags:	enum tcp_flag bits
 * @wnd:	Window field, already scaled down
 * @payload_len: Payload length: IP lengths must fit in 16 bits, so at most
 *		65495 - options for IPv4, 65515 - options for IPv6
 *
 * IPv4: no options, DF set, ID 0, TTL 64. IPv6: flow label 0, hop limit 64.
 * The frame is not padded to the Ethernet minimum.
 *
 * Return: frame length
 */
size_t tcp_frame_finish(uint8_t *frame, const struct tcp_frame_hdr *h,
			const struct tcp_frame_opts *opts, uint32_t seq,
			uint32_t ack, uint8_t flags, uint16_t wnd,
			size_t payload_len)
{
	return tcp_frame_write(frame, h, opts, seq, ack, flags, wnd,
			       payload_len, false);
}

/**
 * tcp_frame_finish_partial() - Like tcp_frame_finish(), with the TCP
 *				checksum left to the receiver: the checksum
 *				field holds the pseudo-header sum
 * @frame:	Frame buffer, payload at tcp_frame_payload_off()
 * @h:		Addresses, ports and MACs
 * @opts:	SYN options, NULL for none
 * @seq:	Sequence number
 * @ack:	Acknowledgement number
 * @flags:	TCP flags
 * @wnd:	Window field
 * @payload_len: Payload length, up to what the IP length field can carry
 *
 * Return: frame length
 */
size_t tcp_frame_finish_partial(uint8_t *frame, const struct tcp_frame_hdr *h,
				const struct tcp_frame_opts *opts,
				uint32_t seq, uint32_t ack, uint8_t flags,
				uint16_t wnd, size_t payload_len)
{
	return tcp_frame_write(frame, h, opts, seq, ack, flags, wnd,
			       payload_len, true);
}
