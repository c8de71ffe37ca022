// SPDX-License-Identifier: GPL-2.0-or-later
/* udp_gso.c - datagrams of one flow gathered into one offload frame
 *
 * Theory of operation: a tap write costs a system call and one trip through
 * the namespace's receive path per frame. Datagrams a socket read in one
 * recvmmsg() usually belong to one stream of equal-sized writes, so they are
 * gathered behind the headers of the first one and written as a single frame
 * that the namespace's kernel splits back into the same datagrams (UDP
 * segmentation offload, VIRTIO_NET_HDR_GSO_UDP_L4): every segment but the last
 * carries exactly as many bytes as the first datagram, the last may carry
 * fewer. A datagram that doesn't fit those rules (longer than the first, after
 * a shorter one, of another flow, past UDP_GSO_SEGS or the IP length limit)
 * isn't appended: the caller finishes the frame and starts another. The
 * datagrams, their order and their boundaries are exactly those received.
 *
 * The other way, datagrams of the guest go to a host socket with the same
 * rules: udp_gso_count() says how many consecutive datagrams of one flow
 * can be one sendmsg() with UDP_SEGMENT (Linux 4.18), which the host's
 * kernel sends as those datagrams.
 *
 * Only the bookkeeping lives here (pure, unit-tested); udp.c writes headers
 * and commits the frame to the sink, and makes the system calls.
 */

#include <string.h>

#include "udp_gso.h"

/**
 * udp_gso_start() - Start gathering behind a datagram already in its frame
 * @g:		Gathering state, reset
 * @flow:	Flow of the datagram
 * @lead:	Frame buffer, payload at @off
 * @off:	Payload offset
 * @cap:	Size of @lead
 * @len:	Length of the datagram
 * @l4_max:	Largest total payload the IP length fields allow
 */
void udp_gso_start(struct udp_gso *g, const void *flow, uint8_t *lead,
		   size_t off, size_t cap, size_t len, size_t l4_max)
{
	g->flow = flow;
	g->lead = lead;
	g->off = off;
	g->cap = cap;
	g->seg = len;
	g->l4_max = l4_max;
	g->bytes = len;
	g->cnt = 1;
	g->closed = !len;
}

/**
 * udp_gso_append() - Append a datagram to the frame being gathered
 * @g:		Gathering state
 * @flow:	Flow of the datagram
 * @payload:	Its payload (not inside the lead frame's payload area)
 * @len:	Its length
 *
 * Return: true if appended (the caller gives its buffer back), false if the
 *	   frame must be finished first
 */
bool udp_gso_append(struct udp_gso *g, const void *flow, const void *payload,
		    size_t len)
{
	size_t total = g->bytes + len;

	if (!g->lead || g->closed || flow != g->flow || !len ||
	    len > g->seg || g->cnt >= UDP_GSO_SEGS || total > g->l4_max ||
	    g->off + total > g->cap)
		return false;
	memcpy(g->lead + g->off + g->bytes, payload, len);
	g->bytes = total;
	g->cnt++;
	g->closed = len < g->seg;
	return true;
}

/**
 * udp_gso_count() - How many datagrams, from the first, one send can carry
 * @iov:	Payloads of consecutive datagrams of one flow
 * @n:		Their number, at least one
 * @seg_max:	Longest datagram to send with segmentation offload
 *
 * Return: datagrams for the first send, 1 if it takes no offload
 */
unsigned int udp_gso_count(const struct iovec *iov, unsigned int n,
			   size_t seg_max)
{
	size_t seg = iov[0].iov_len, total = seg;
	unsigned int i;

	if (!seg || seg > seg_max)
		return 1;
	for (i = 1; i < n && i < UDP_GSO_SEGS; i++) {
		size_t len = iov[i].iov_len;

		if (!len || len > seg || total + len > UDP_GSO_BYTES)
			break;
		total += len;
		if (len < seg)
			return i + 1;	/* a shorter one ends the send */
	}
	return i;
}
