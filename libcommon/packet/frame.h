/* SPDX-License-Identifier: GPL-2.0-or-later */
/* frame.h - Ethernet, IPv4, IPv6 and UDP headers: bounded parsing, building
 *
 * Theory of operation: parsing goes through struct pview only. The
 * frame_*_parse() helpers tell apart two things a responder needs: whether it
 * can recognise a packet at all (the function returns false otherwise, and
 * the packet belongs to somebody else), and whether the headers it recognised
 * are consistent (the @ok field: lengths inside the frame, no fragments,
 * checksum of the IPv4 header right). Building goes through struct pbuf with
 * fixed offsets: frame_*_begin() reserves the Ethernet, IP and UDP headers at
 * the start of the buffer, the caller appends the payload, and
 * frame_*_finish() fills in lengths and checksums and pads the frame to the
 * Ethernet minimum.
 */
#ifndef PACKET_FRAME_H
#define PACKET_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#include "base/util.h"
#include "base/view.h"

/* Ethertypes (IEEE 802 numbers) */
enum frame_ethtype {
	FRAME_ETH_IP4 = 0x0800,
	FRAME_ETH_ARP = 0x0806,
	FRAME_ETH_IP6 = 0x86dd,
};

/* IP protocol numbers used by the responders */
enum frame_ipproto {
	FRAME_PROTO_ICMP4 = 1,
	FRAME_PROTO_UDP = 17,
	FRAME_PROTO_ICMP6 = 58,
};

/* Header sizes and offsets of a frame built by frame_*_begin() */
enum frame_size {
	FRAME_ETH_HLEN = 14,
	FRAME_IP4_HLEN = 20,
	FRAME_IP6_HLEN = 40,
	FRAME_UDP_HLEN = 8,
	FRAME_ICMP_HLEN = 8,
	FRAME_ETH_MIN = 60, /* without FCS */
	FRAME_UDP4_DATA = FRAME_ETH_HLEN + FRAME_IP4_HLEN + FRAME_UDP_HLEN,
	FRAME_IP6_DATA = FRAME_ETH_HLEN + FRAME_IP6_HLEN,
	FRAME_UDP6_DATA = FRAME_IP6_DATA + FRAME_UDP_HLEN,
};

/**
 * struct frame_eth_hdr - Ethernet II header
 * @dst:	Destination MAC
 * @src:	Source MAC
 * @type:	Ethertype, network order
 */
struct frame_eth_hdr {
	uint8_t dst[ETH_ADDR_LEN];
	uint8_t src[ETH_ADDR_LEN];
	uint16_t type;
} __attribute__((packed));

/**
 * struct frame_ip4_hdr - IPv4 header without options (RFC 791 3.1)
 * @ver_ihl:	Version (4) and header length in 32-bit words
 * @tos:	Type of service
 * @tot_len:	Total length, network order
 * @id:		Identification
 * @frag:	Flags and fragment offset, network order
 * @ttl:	Time to live
 * @proto:	Protocol
 * @check:	Header checksum
 * @saddr:	Source address
 * @daddr:	Destination address
 */
struct frame_ip4_hdr {
	uint8_t ver_ihl;
	uint8_t tos;
	uint16_t tot_len;
	uint16_t id;
	uint16_t frag;
	uint8_t ttl;
	uint8_t proto;
	uint16_t check;
	struct in_addr saddr;
	struct in_addr daddr;
} __attribute__((packed));

/**
 * struct frame_ip6_hdr - IPv6 header (RFC 8200 3)
 * @ver_tc_fl:	Version (6), traffic class and flow label, network order
 * @plen:	Payload length, network order
 * @nexthdr:	Next header
 * @hop:	Hop limit
 * @saddr:	Source address
 * @daddr:	Destination address
 */
struct frame_ip6_hdr {
	uint32_t ver_tc_fl;
	uint16_t plen;
	uint8_t nexthdr;
	uint8_t hop;
	struct in6_addr saddr;
	struct in6_addr daddr;
} __attribute__((packed));

/**
 * struct frame_udp_hdr - UDP header (RFC 768)
 * @sport:	Source port, network order
 * @dport:	Destination port, network order
 * @len:	Header and data length, network order
 * @check:	Checksum
 */
struct frame_udp_hdr {
	uint16_t sport;
	uint16_t dport;
	uint16_t len;
	uint16_t check;
} __attribute__((packed));

/**
 * struct frame_icmp_hdr - First 8 bytes of an ICMP or ICMPv6 message (RFC
 *			   792; RFC 4443 2.1, 3, 4)
 * @type:	Type
 * @code:	Code
 * @check:	Checksum
 * @un:		The next four bytes, by type:
 * @un.echo:	Echo request and reply: identifier and sequence number,
 *		network order
 * @un.unused:	Error messages (port unreachable...): zero
 */
struct frame_icmp_hdr {
	uint8_t type;
	uint8_t code;
	uint16_t check;
	union {
		struct {
			uint16_t id;
			uint16_t seq;
		} __attribute__((packed)) echo;
		uint32_t unused;
	} un;
} __attribute__((packed));

_Static_assert(sizeof(struct frame_ip4_hdr) == FRAME_IP4_HLEN, "IPv4 header");
_Static_assert(sizeof(struct frame_ip6_hdr) == FRAME_IP6_HLEN, "IPv6 header");
_Static_assert(sizeof(struct frame_udp_hdr) == FRAME_UDP_HLEN, "UDP header");
_Static_assert(sizeof(struct frame_icmp_hdr) == FRAME_ICMP_HLEN, "ICMP");

/**
 * struct frame_eth - Parsed Ethernet header
 * @dst:	Destination MAC
 * @src:	Source MAC
 * @type:	Ethertype, host order
 * @payload:	Everything after the header
 */
struct frame_eth {
	uint8_t dst[ETH_ADDR_LEN];
	uint8_t src[ETH_ADDR_LEN];
	uint16_t type;
	struct pview payload;
};

/**
 * struct frame_ip - Parsed IPv4 or IPv6 header
 * @proto:	L4 protocol (IPv4) or next header (IPv6)
 * @hop:	TTL or hop limit
 * @src4:	IPv4 source
 * @dst4:	IPv4 destination
 * @src6:	IPv6 source
 * @dst6:	IPv6 destination
 * @l4:		L4 bytes, trimmed to the length the IP header gives when @ok
 * @ok:		Header well-formed: lengths consistent, no fragment, checksum
 */
struct frame_ip {
	uint8_t proto;
	uint8_t hop;
	struct in_addr src4;
	struct in_addr dst4;
	struct in6_addr src6;
	struct in6_addr dst6;
	struct pview l4;
	bool ok;
};

/**
 * struct frame_udp - Parsed UDP header
 * @sport:	Source port, host order
 * @dport:	Destination port, host order
 * @data:	Payload, trimmed to the UDP length when @ok
 * @ok:		Header complete and its length consistent
 */
struct frame_udp {
	uint16_t sport;
	uint16_t dport;
	struct pview data;
	bool ok;
};

bool frame_eth_parse(struct pview f, struct frame_eth *e);
bool frame_ip4_parse(struct pview l3, struct frame_ip *ip);
bool frame_ip6_parse(struct pview l3, struct frame_ip *ip);
bool frame_udp_parse(struct pview l4, struct frame_udp *u);

bool frame_eth_begin(struct pbuf *b, const uint8_t *dst, const uint8_t *src,
		     uint16_t type);
bool frame_udp4_begin(struct pbuf *b, const uint8_t *dst, const uint8_t *src);
size_t frame_udp4_finish(struct pbuf *b, struct in_addr saddr,
			 struct in_addr daddr, uint16_t sport, uint16_t dport,
			 bool partial);
bool frame_ip6_begin(struct pbuf *b, const uint8_t *dst, const uint8_t *src);
bool frame_udp6_begin(struct pbuf *b, const uint8_t *dst, const uint8_t *src);
size_t frame_udp6_finish(struct pbuf *b, const struct in6_addr *saddr,
			 const struct in6_addr *daddr, uint16_t sport,
			 uint16_t dport, bool partial);
size_t frame_icmp6_finish(struct pbuf *b, const struct in6_addr *saddr,
			  const struct in6_addr *daddr);
size_t frame_pad(struct pbuf *b);
bool frame_ip4_begin(struct pbuf *b, const uint8_t *dst, const uint8_t *src);
size_t frame_icmp4_finish(struct pbuf *b, struct in_addr saddr,
			  struct in_addr daddr);
void frame_mac_mcast6(const struct in6_addr *a, uint8_t *mac);

#endif /* PACKET_FRAME_H */
