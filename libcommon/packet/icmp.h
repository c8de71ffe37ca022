/* SPDX-License-Identifier: GPL-2.0-or-later */
/* icmp.h - parse ICMP and ICMPv6 echo requests from the guest */
#ifndef PACKET_ICMP_H
#define PACKET_ICMP_H

#include <stdbool.h>
#include <stdint.h>

#include "base/view.h"

#define ICMP_ECHO_HLEN 8	/* type, code, checksum, identifier, sequence */

/* Echo types, RFC 792 and RFC 4443 4.1 */
enum icmp_echo_type {
	ICMP4_ECHO_REQUEST = 8,
	ICMP4_ECHO_REPLY = 0,
	ICMP6_ECHO_REQ = 128,
	ICMP6_ECHO_REP = 129,
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

#endif /* PACKET_ICMP_H */
