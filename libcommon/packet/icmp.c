// SPDX-License-Identifier: GPL-2.0-or-later
/* icmp.c - parse ICMP and ICMPv6 echo requests from the guest
 *
 * Theory of operation: the only ICMP messages of the guest that are
 * translated are echo requests (the NDP ones go to the L2 responders first).
 * This locates identifier, sequence and payload of one, bounded by the IP
 * payload length. The checksum is not checked here: the guest's kernel may
 * leave it to offload, and the ping socket that sends the request computes
 * its own.
 */

#include <errno.h>

#include "icmp.h"

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
	if (!pview_u8(l4, 1, &code) || code ||
	    !pview_be16(l4, 4, &e->id) || !pview_be16(l4, 6, &e->seq))
		return -EINVAL;
	e->data = pview_tail(l4, ICMP_ECHO_HLEN);
	return 0;
}
