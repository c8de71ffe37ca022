/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vu_link.h - vhost-user: the state of the link, shared by its three files
 *
 * Theory of operation: vhost_user.c (control socket, device callbacks, the
 * offered features), vu_rx.c (the frame sink: frames to the guest) and
 * vu_tx.c (frames from the guest) work on one struct vu_link; its type
 * lives here, apart from their functions, so that none of the three needs
 * another's header for it. doc/vhost-user.md has the whole picture.
 */
#ifndef LINK_VU_LINK_H
#define LINK_VU_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "link/input.h"
#include "link/vu_dev.h"
#include "packet/sink.h"

#define VU_POOL		128	/* frames staged towards the guest */
#define VU_FRAME_MAX	65600	/* largest frame either way: 64 KiB of
				 * segments and their headers
				 */
#define VU_HDR_MAX	12	/* struct virtio_net_hdr_mrg_rxbuf */
#define VU_TX_BATCH	64	/* frames from the guest per batch */
#define VU_TX_ROUNDS	8	/* batches per kick, then we come back */
#define VU_SG_FRAMES	64	/* scattered frames reserved at once */
#define VU_SG_ELEMS	64	/* receive elements of one scattered frame */
#define VU_SG_SEGS	(SINK_SG_IOV_MAX + 8) /* their buffers */
#define VU_SG_HDR_MAX	256	/* headers of a scattered frame, when they
				 * aren't contiguous in the guest's buffer
				 */

/**
 * struct vu_sg_frame - A frame reserved with reserve_sg, until committed
 * @nelem:	Receive elements it took
 * @used:	... of which given to the guest when it was committed
 * @head:	Their heads, in order
 * @avail:	Their places in the available ring (vu_vq_unpop() back to
 *		one gives it and every later one back)
 * @cap:	Bytes each of them holds
 * @nseg:	Their buffers, in order
 * @seg:	The buffers
 * @hdr_len:	Bytes of headers asked for
 * @bounce:	Headers are in @hbuf, copied into the guest at commit
 * @hbuf:	Headers, when they aren't contiguous in the guest's buffers
 */
struct vu_sg_frame {
	uint16_t nelem;
	uint16_t used;
	uint16_t head[VU_SG_ELEMS];
	uint16_t avail[VU_SG_ELEMS];
	uint32_t cap[VU_SG_ELEMS];
	uint16_t nseg;
	struct vu_seg seg[VU_SG_SEGS];
	uint16_t hdr_len;
	bool bounce;
	uint8_t hbuf[VU_SG_HDR_MAX];
};

/**
 * struct vu_link - The vhost-user device and what moves frames through it
 * @dev:	Device state, as the frontend configured it
 * @epfd:	epoll descriptor the kick descriptors are registered with
 * @running:	Both queues started: frames may go to the guest
 * @n:		Frames from the guest, by outcome
 * @sent:	Frames written to the guest
 * @lost:	Frames to the guest dropped: no receive buffers, or queues
 *		not running
 * @gso_bad:	Segmentation offload frames from the guest we didn't
 *		negotiate, dropped
 * @sink:	Frames to the guest, for the transports
 * @pool_used:	Staging slots reserved since the last flush
 * @pool_len:	Length of each committed frame, 0 if given back
 * @sg_n:	Scattered frames reserved, not all committed yet
 * @sg_done:	... of which committed
 * @sg_back:	Some elements are to be given back once all are committed
 * @sg_back_at:	... from this place in the available ring on
 * @sg_short:	A scattered frame was committed shorter than reserved
 * @rx_floor:	Place in the receive ring just after the latest chain
 *		given to the guest: going back (vu_vq_unpop()) never goes
 *		before it, or that chain would be taken and given twice
 * @rx_floor_set: @rx_floor is meaningful
 * @starved:	The receive ring ran out: we poll its kick descriptor
 * @rx_kick_on:	... and epoll reports it
 * @greet:	The queues started without receive buffers: call @on_start
 *		when the guest gives some
 * @on_start:	Called when the queues start (greeting), or NULL
 * @on_rx_room:	Called when the guest added receive buffers after we ran
 *		out (TCP waits for that), or NULL
 * @on_transfer: Write (@load false) or read a migration's state on @fd:
 *		0 or -errno; NULL: migration fails
 * @cb_arg:	Argument of all three
 */
struct vu_link {
	struct vu_dev dev;
	int epfd;
	bool running;
	struct link_counters n;
	uint64_t sent;
	uint64_t lost;
	uint64_t gso_bad;
	struct frame_sink sink;
	unsigned int pool_used;
	size_t pool_len[VU_POOL];
	unsigned int sg_n;
	unsigned int sg_done;
	bool sg_back;
	uint16_t sg_back_at;
	bool sg_short;
	uint16_t rx_floor;
	bool rx_floor_set;
	bool starved;
	bool rx_kick_on;
	bool greet;
	void (*on_start)(void *arg);
	void (*on_rx_room)(void *arg);
	int (*on_transfer)(void *arg, int fd, bool load);
	void *cb_arg;
};

#endif /* LINK_VU_LINK_H */
