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

#include <stddef.h>
#include <stdint.h>

/**
 * struct frame_sink - A destination for frames to the guest
 * @reserve:	Reserve up to @n buffers (flushing first if none is free),
 *		store them in @bufs and their size in *@cap; return how many
 * @commit:	Queue a reserved buffer, @len bytes long (0: give it back)
 * @flush:	Write out everything queued; return 0 or -errno
 * @priv:	Link's own state
 */
struct frame_sink {
	unsigned int (*reserve)(struct frame_sink *s, unsigned int n,
				uint8_t **bufs, size_t *cap);
	void (*commit)(struct frame_sink *s, uint8_t *buf, size_t len);
	int (*flush)(struct frame_sink *s);
	void *priv;
};

#endif /* PACKET_SINK_H */
