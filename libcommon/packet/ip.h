/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ip.h - parse IPv4/IPv6 frames from the guest, parse and build TCP segments
 *
 * Theory of operation: see ip.c and tcpseg.c. Parsing is bounded (struct
 * pview) and checks lengths and checksums; building writes the Ethernet, IP
 * and TCP headers in front of a payload that the caller has already placed
 * in the frame buffer (read straight from a socket), so payload bytes are
 * copied once.
 */
#ifndef PACKET_IP_H
#define PACKET_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/inany.h"
#include "base/view.h"

/**
 * struct pkt_l4 - An IP packet from the guest, located and checked
 * @family:	AF_INET or AF_INET6
 * @src:	Source address
 * @dst:	Destination address
 * @proto:	L4 protocol (after IPv6 extension headers, if any are skipped)
 * @ttl:	IPv4 TTL or IPv6 hop limit
 * @l4:		L4 header and payload, exactly the IP payload length (Ethernet
 *		padding excluded)
 * @l4_csum_partial: The L4 checksum was offloaded to us and isn't valid:
 *		     set by the link (pkt_parse_ip() leaves it false)
 */
struct pkt_l4 {
	int family;
	union inany_addr src;
	union inany_addr dst;
	uint8_t proto;
	uint8_t ttl;
	struct pview l4;
	bool l4_csum_partial;
};

int pkt_parse_ip(struct pview frame, struct pkt_l4 *p);

/* TCP header flags (RFC 9293 3.1) */
enum tcp_flag {
	TCP_F_FIN = 0x01,
	TCP_F_SYN = 0x02,
	TCP_F_RST = 0x04,
	TCP_F_PSH = 0x08,
	TCP_F_ACK = 0x10,
	TCP_F_URG = 0x20,
};

/**
 * struct tcp_seg - A parsed TCP segment
 * @sport:	Source port, host order
 * @dport:	Destination port, host order
 * @seq:	Sequence number, host order
 * @ack:	Acknowledgement number, host order
 * @flags:	enum tcp_flag bits
 * @wnd:	Window field as received (unscaled), host order
 * @mss:	MSS option value, 0 if absent
 * @wscale:	Window scale option (0..14), -1 if absent
 * @sack_ok:	SACK-permitted option present
 * @payload:	Segment data
 */
struct tcp_seg {
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint8_t flags;
	uint16_t wnd;
	uint16_t mss;
	int8_t wscale;
	bool sack_ok;
	struct pview payload;
};

int tcp_seg_parse(const struct pkt_l4 *p, struct tcp_seg *s, bool csum);

/**
 * struct tcp_frame_hdr - What every frame of one TCP flow towards the guest
 *			  has in common
 * @src_mac:	Our MAC
 * @dst_mac:	Guest's MAC
 * @src:	Source address: the remote peer as the guest sees it
 * @dst:	Destination address: the guest's
 * @sport:	Source port, host order
 * @dport:	Destination port, host order
 */
struct tcp_frame_hdr {
	uint8_t src_mac[6];
	uint8_t dst_mac[6];
	union inany_addr src;
	union inany_addr dst;
	uint16_t sport;
	uint16_t dport;
};

/**
 * struct tcp_frame_opts - Options of a SYN or SYN-ACK we send
 * @mss:	MSS to announce, 0 for none
 * @wscale:	Window scale to announce, -1 for none
 */
struct tcp_frame_opts {
	uint16_t mss;
	int8_t wscale;
};

size_t tcp_frame_payload_off(const struct tcp_frame_hdr *h,
			     const struct tcp_frame_opts *opts);
size_t tcp_frame_finish(uint8_t *frame, const struct tcp_frame_hdr *h,
			const struct tcp_frame_opts *opts, uint32_t seq,
			uint32_t ack, uint8_t flags, uint16_t wnd,
			size_t payload_len);
size_t tcp_frame_finish_partial(uint8_t *frame, const struct tcp_frame_hdr *h,
				const struct tcp_frame_opts *opts,
				uint32_t seq, uint32_t ack, uint8_t flags,
				uint16_t wnd, size_t payload_len);

#endif /* PACKET_IP_H */
