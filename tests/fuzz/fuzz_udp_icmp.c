// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_udp_icmp.c - libFuzzer harness: UDP and ICMP echo frames of the guest
 *
 * The input is a frame. Invariants: whatever the IP, UDP and ICMP parsers
 * locate lies inside the frame, the L4 view ends where the IP header says
 * (Ethernet padding and trailing bytes never reach the transports), and an
 * accepted UDP payload ends where the UDP length says.
 */

#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "packet/frame.h"
#include "packet/icmp.h"
#include "packet/ip.h"

/**
 * inside() - Check that a view lies within a buffer
 * @v:		View
 * @p:		Buffer
 * @n:		Its length
 */
static void inside(struct pview v, const uint8_t *p, size_t n)
{
	if (v.len && (v.p < p || v.p + v.len > p + n))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame_udp u;
	struct icmp_echo e;
	struct pkt_l4 p;

	if (pkt_parse_ip(pview_make(data, size), &p))
		return 0;
	inside(p.l4, data, size);
	/* IPv4 Total Length counts from the IP header, IPv6 Payload Length
	 * from the end of the fixed header (bytes 16-17, 18-19 of the frame)
	 */
	if (p.l4.len && p.l4.p + p.l4.len !=
			data + 14 + (p.family == AF_INET6 ? 40 : 0) +
				(size_t)(data[p.family == AF_INET6 ? 18 : 16] << 8 |
					 data[p.family == AF_INET6 ? 19 : 17]))
		abort();
	if (p.proto == 17 && frame_udp_parse(p.l4, &u) && u.ok) {
		inside(u.data, data, size);
		if (u.data.len + 8 > p.l4.len)
			abort();
	}
	if ((p.proto == 1 || p.proto == 58) &&
	    !icmp_echo_parse(p.l4, p.proto == 58, &e)) {
		inside(e.data, data, size);
		if (e.data.len + ICMP_ECHO_HLEN != p.l4.len)
			abort();
	}
	return 0;
}
