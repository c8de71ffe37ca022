/* SPDX-License-Identifier: GPL-2.0-or-later */
/* stream.h - passt's link to qemu: length-prefixed frames on a UNIX socket */
#ifndef LINK_STREAM_H
#define LINK_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/un.h>

#include "base/view.h"
#include "link/input.h"
#include "os/epref.h"
#include "packet/sink.h"

#define STREAM_HDR_LEN	 4     /* big-endian frame length before each frame */
#define STREAM_FRAME_MIN 14    /* Ethernet header: anything shorter is bad */
#define STREAM_FRAME_MAX 65535 /* largest frame either side accepts */
#define STREAM_MSG_MAX	 (STREAM_HDR_LEN + STREAM_FRAME_MAX)
#define STREAM_RX_BUF	 (8 * STREAM_MSG_MAX) /* bytes read per wake-up */
#define STREAM_POOL	 128 /* frames queued towards the guest */
#define STREAM_GEN_MASK	 0xffffff /* epoll reference index: 24 bits */
#define STREAM_SOCK_MAX	 100 /* default paths probed: _1 to _99 */
#define STREAM_PATH_MAX	 sizeof(((struct sockaddr_un *)0)->sun_path)

/**
 * struct stream_rx - Reassembly of frames from a byte stream
 * @buf:	Buffer bytes are read into
 * @cap:	Its size, at least STREAM_MSG_MAX
 * @start:	Offset of the first byte not handed out as a frame yet
 * @len:	Bytes held in @buf, from offset 0
 */
struct stream_rx {
	uint8_t *buf;
	size_t cap;
	size_t start;
	size_t len;
};

void stream_rx_init(struct stream_rx *rx, uint8_t *buf, size_t cap);
uint8_t *stream_rx_space(struct stream_rx *rx, size_t *room);
void stream_rx_fill(struct stream_rx *rx, size_t n);
int stream_rx_next(struct stream_rx *rx, struct pview *frame);
size_t stream_msg_finish(uint8_t *msg, size_t len);

/**
 * struct stream_link - The listening socket, the one client, the frame pool
 * @listen_fd:	Listening socket, -1 if none (--fd)
 * @fd:		Connected client, -1 if none
 * @epfd:	epoll descriptor both are registered with
 * @path:	Path @listen_fd is bound to, empty if unknown
 * @rx:		Frames from the client being reassembled
 * @n:		Frames from the guest, by outcome
 * @sent:	Frames written to the guest
 * @lost:	Frames to the guest dropped: no client, or it didn't read
 * @sink:	Frames to the guest, for the transports
 * @pool_used:	Pool slots reserved since the last flush
 * @pool_len:	Length of each committed frame, 0 if given back
 * @gen:	Generation of the client, counted per client, in the index
 *		field of its epoll reference (stream_event_current())
 * @client_type: epoll type of the client socket: EPOLL_TYPE_STREAM, or
 *		EPOLL_TYPE_VU when the socket speaks vhost-user
 */
struct stream_link {
	int listen_fd;
	int fd;
	int epfd;
	char path[STREAM_PATH_MAX];
	struct stream_rx rx;
	struct link_counters n;
	uint64_t sent;
	uint64_t lost;
	struct frame_sink sink;
	unsigned int pool_used;
	size_t pool_len[STREAM_POOL];
	uint32_t gen;
	enum epoll_type client_type;
};

void stream_init(struct stream_link *s, int epfd);
int stream_bind(const char *path, int backlog);
int stream_listen(struct stream_link *s, const char *path);
int stream_listen_fd(struct stream_link *s, int fd);
int stream_client(struct stream_link *s, int fd);
bool stream_client_gone(const struct stream_link *s);
bool stream_event_current(const struct stream_link *s, uint32_t idx, int fd);
int stream_accept(struct stream_link *s);
int stream_handler(struct stream_link *s, const struct link_input *in,
		   uint32_t events);
void stream_close(struct stream_link *s);
int stream_send(void *link, const void *frame, size_t len);
int stream_flush(struct stream_link *s);

#endif /* LINK_STREAM_H */
