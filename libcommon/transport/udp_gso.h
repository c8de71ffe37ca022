/* SPDX-License-Identifier: GPL-2.0-or-later */
/* udp_gso.h - datagrams of one flow gathered into one offload frame */
#ifndef TRANSPORT_UDP_GSO_H
#define TRANSPORT_UDP_GSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* Segments per frame: what every kernel with UDP segmentation offload on
 * tun takes (UDP_MAX_SEGMENTS was 64 until Linux 6.10)
 */
#define UDP_GSO_SEGS 64

/* Payload of one send with UDP_SEGMENT: what an IPv4 datagram can carry */
#define UDP_GSO_BYTES 65507

/**
 * struct udp_gso - A frame gathering datagrams of one flow
 * @flow:	Flow the datagrams belong to (compared, never dereferenced)
 * @lead:	Frame buffer holding the first datagram, NULL if none
 * @off:	Payload offset in the frame (length of all headers)
 * @cap:	Size of @lead
 * @seg:	Length of the first datagram: every segment but the last
 * @l4_max:	Largest payload the IP length fields allow
 * @bytes:	Payload gathered
 * @cnt:	Datagrams gathered
 * @closed:	A shorter datagram came: it must stay the last segment
 */
struct udp_gso {
	const void *flow;
	uint8_t *lead;
	size_t off;
	size_t cap;
	size_t seg;
	size_t l4_max;
	size_t bytes;
	unsigned int cnt;
	bool closed;
};

void udp_gso_start(struct udp_gso *g, const void *flow, uint8_t *lead,
		   size_t off, size_t cap, size_t len, size_t l4_max);
bool udp_gso_append(struct udp_gso *g, const void *flow, const void *payload,
		    size_t len);
unsigned int udp_gso_count(const struct iovec *iov, unsigned int n,
			   size_t seg_max);

#endif /* TRANSPORT_UDP_GSO_H */
