/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sink.h - where transports write frames for the guest: reserve, fill, commit
 *
 * Theory of operation: transports and services never include a link header.
 * They reserve frame buffers from the sink, fill them (socket data is read
 * straight into several of them with one recvmsg()), and commit each with its
 * final length, or with length 0 to give it back. The link behind the sink
 * (tap, qemu stream, vhost-user) decides where buffers live and writes the
 * committed frames out in one batch per loop iteration, or sooner when its
 * pool runs out. Frames go out in the order they were reserved.
 */
#ifndef PACKET_SINK_H
#define PACKET_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* Segmentation offload types, as struct virtio_net_hdr has them */
enum frame_gso {
	FRAME_GSO_NONE = 0,
	FRAME_GSO_TCPV4 = 1,
	FRAME_GSO_TCPV6 = 4,
	FRAME_GSO_UDP_L4 = 5,
};

/**
 * struct frame_offload - Work the link does for a frame instead of us
 * @l4_off:	Offset of the L4 header: the checksum covers from there
 * @csum_off:	Offset of the checksum field from @l4_off
 * @gso:	enum frame_gso: the frame is larger than the MTU and is to be
 *		seen as segments of @gso_size bytes
 * @gso_size:	Payload bytes per segment
 * @hdr_len:	Length of all headers, payload excluded
 */
struct frame_offload {
	uint16_t l4_off;
	uint16_t csum_off;
	uint8_t gso;
	uint16_t gso_size;
	uint16_t hdr_len;
};

#define SINK_SG_IOV_MAX 72 /* pieces of one scattered frame: 64 KiB in 1 KiB
			    * buffers, and some that cross regions
			    */

/**
 * struct sink_sg - A frame reserved in pieces, straight in the guest's memory
 * @hdr:	Headers: contiguous, as many bytes as reserve_sg() was asked
 * @iov:	Payload areas after the headers, in order
 * @iovcnt:	How many
 * @cap:	Payload bytes they hold in total
 * @tok:	The link's handle of the frame
 */
struct sink_sg {
	uint8_t *hdr;
	struct iovec iov[SINK_SG_IOV_MAX];
	unsigned int iovcnt;
	size_t cap;
	uint32_t tok;
};

/**
 * struct frame_sink - A destination for frames to the guest
 * @reserve:	Reserve up to @n buffers (flushing first if none is free),
 *		store them in @bufs and their size in *@cap; return how many
 * @commit:	Queue a reserved buffer, @len bytes long (0: give it back),
 *		with @o describing the offloads the frame relies on (NULL:
 *		none, the frame is complete)
 * @flush:	Write out everything queued; return 0 or -errno
 * @offload:	@commit accepts checksum and TCP segmentation offloads
 * @udp_gso:	... and UDP segmentation (FRAME_GSO_UDP_L4) too
 * @priv:	Link's own state
 * @reserve_sg:	Optional (NULL if the link has no such frames): reserve one
 *		frame with @hdr_len contiguous bytes for headers and up to
 *		@payload bytes after them, in @f; return the payload bytes
 *		reserved (0: none, nothing to commit). Frames reserved this way
 *		are committed in the order they were reserved, none of the
 *		other kind is reserved in between, and once one is committed
 *		with fewer payload bytes than reserved, every later one is
 *		committed with 0 (the link gives back what is left)
 * @commit_sg:	Queue a frame from @reserve_sg with @len payload bytes
 *		(0: give it back) after @f->hdr's headers, with offloads @o as
 *		for @commit
 */
struct frame_sink {
	unsigned int (*reserve)(struct frame_sink *s, unsigned int n,
				uint8_t **bufs, size_t *cap);
	void (*commit)(struct frame_sink *s, uint8_t *buf, size_t len,
		       const struct frame_offload *o);
	int (*flush)(struct frame_sink *s);
	bool offload;
	bool udp_gso;
	void *priv;
	size_t (*reserve_sg)(struct frame_sink *s, size_t hdr_len,
			     size_t payload, struct sink_sg *f);
	void (*commit_sg)(struct frame_sink *s, struct sink_sg *f, size_t len,
			  const struct frame_offload *o);
};

#endif /* PACKET_SINK_H */
