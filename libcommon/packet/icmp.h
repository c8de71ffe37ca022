/* SPDX-License-Identifier: GPL-2.0-or-later */
/* icmp.h - ICMP and ICMPv6: echo requests from the guest, errors to it */
#ifndef PACKET_ICMP_H
#define PACKET_ICMP_H

#include <stdbool.h>
#include <stdint.h>

#include "base/inany.h"
#include "base/view.h"
#include "packet/frame.h"

#define ICMP_ECHO_HLEN FRAME_ICMP_HLEN /* type, code, checksum, id, seq */

/* Echo types, RFC 792 and RFC 4443 4.1 */
enum icmp_echo_type {
	ICMP4_ECHO_REQUEST = 8,
	ICMP4_ECHO_REPLY = 0,
	ICMP6_ECHO_REQ = 128,
	ICMP6_ECHO_REP = 129,
};

/* Port unreachable: RFC 792 (type 3, code 3), RFC 4443 3.1 (type 1, code 4) */
enum icmp_unreach {
	ICMP4_DEST_UNREACH = 3,
	ICMP4_PORT_UNREACH = 3,
	ICMP6_DEST_UNREACH = 1,
	ICMP6_PORT_UNREACH = 4,
};

/**
 * struct icmp_echo - An echo request, located
 * @id:		Identifier, host order
 * @seq:	Sequence number, host order
 * @data:	Payload after the 8-byte header
 */
struct icmp_echo {
	uint16_t id;
	uint16_t seq;
	struct pview data;
};

int icmp_echo_parse(struct pview l4, bool v6, struct icmp_echo *e);
size_t icmp_port_unreach(struct pbuf *b, const uint8_t *dst_mac,
			 const uint8_t *src_mac, const union inany_addr *saddr,
			 const union inany_addr *daddr, uint16_t sport,
			 uint16_t dport);

#endif /* PACKET_ICMP_H */
