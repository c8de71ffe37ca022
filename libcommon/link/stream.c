// SPDX-License-Identifier: GPL-2.0-or-later
/* stream.c - passt's link to qemu: length-prefixed frames on a UNIX socket
 *
 * Theory of operation: qemu (-netdev stream, or -net socket through qrap)
 * connects to our UNIX stream socket and both sides send each Ethernet frame
 * as a 4-byte big-endian length followed by the frame, without FCS. One
 * client is served at a time: another one is accepted and closed at once.
 *
 * From the guest, bytes are read into one static buffer and cut into frames
 * by a pure reassembly function (stream_rx_next()), so a frame split across
 * reads is simply completed by the next read. A length outside 14..65535
 * can't be resynchronised: the client is reset. Frames handed out stay where
 * they are until the next read, because the transports keep pointers into
 * them until the end of the batch; only then is the incomplete tail moved to
 * the front of the buffer.
 *
 * To the guest, frames are built in a static pool whose slots keep room for
 * the length in front of each frame, and written out in order with one
 * sendmsg() per loop iteration (or when the pool is full). The stream must
 * never lose sync, so a short write is always completed: if the client
 * doesn't read, we wait for it with poll() for a bounded time. Between
 * frames, after STREAM_WAIT_MS, the rest of the batch is dropped (the
 * transports retransmit); inside a frame, after STREAM_WAIT_MID_MS, the
 * connection is shut down, as the stream can't be completed any more.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "link/pcap.h"
#include "link/stream.h"
#include "os/epref.h"
#include "services/l2.h"

#define STREAM_WAIT_MS	   100	/* wait for the client between frames */
#define STREAM_WAIT_MID_MS 2000 /* ... and to complete a frame */
#define STREAM_READS	   8	/* reads per wake-up, at most */
#define STREAM_SOCK_FMT	   "/tmp/passt_%d.socket"
#define STREAM_BUF_WANTED  (INT_MAX / 2) /* socket buffers, where allowed */

/* A pool slot: padding, length, frame. The padding puts the IP header of
 * the frame at an 8-byte boundary, as the tap pool does
 */
#define STREAM_SLOT_PAD	  6
#define STREAM_SLOT_FRAME (STREAM_SLOT_PAD + STREAM_HDR_LEN)
#define STREAM_SLOT	  ((STREAM_SLOT_FRAME + STREAM_FRAME_MAX + 15) & ~15)

static uint8_t stream_pool[STREAM_POOL][STREAM_SLOT]
	__attribute__((aligned(64)));
static uint8_t stream_rx_buf[STREAM_RX_BUF] __attribute__((aligned(64)));

/**
 * stream_rx_init() - Start reassembly over a buffer
 * @rx:		Reassembly state
 * @buf:	Buffer
 * @cap:	Its size: at least STREAM_MSG_MAX
 */
void stream_rx_init(struct stream_rx *rx, uint8_t *buf, size_t cap)
{
	rx->buf = buf;
	rx->cap = cap;
	rx->start = 0;
	rx->len = 0;
}

/**
 * stream_rx_space() - Make room for new bytes after the ones held
 * @rx:		Reassembly state
 * @room:	Set to the free space
 *
 * Moves the incomplete message to the front: frames returned so far by
 * stream_rx_next() are invalid afterwards.
 *
 * Return: where new bytes go
 */
uint8_t *stream_rx_space(struct stream_rx *rx, size_t *room)
{
	if (rx->start) {
		memmove(rx->buf, rx->buf + rx->start, rx->len - rx->start);
		rx->len -= rx->start;
		rx->start = 0;
	}
	*room = rx->cap - rx->len;
	return rx->buf + rx->len;
}

/**
 * stream_rx_fill() - Account for bytes written where stream_rx_space() said
 * @rx:		Reassembly state
 * @n:		Bytes written
 */
void stream_rx_fill(struct stream_rx *rx, size_t n)
{
	rx->len += MIN(n, rx->cap - rx->len);
}

/**
 * stream_rx_next() - Take the next complete frame from the bytes held
 * @rx:		Reassembly state
 * @frame:	Set to a view of the frame, valid until stream_rx_space()
 *
 * Return: 1 with a frame, 0 if the next one isn't complete yet, -EBADMSG if
 *	   its length is outside STREAM_FRAME_MIN..STREAM_FRAME_MAX (the
 *	   stream can't be followed any more)
 */
int stream_rx_next(struct stream_rx *rx, struct pview *frame)
{
	struct pview v = pview_make(rx->buf + rx->start, rx->len - rx->start);
	uint32_t flen;

	if (!pview_be32(v, 0, &flen))
		return 0;
	if (flen < STREAM_FRAME_MIN || flen > STREAM_FRAME_MAX)
		return -EBADMSG;
	*frame = pview_sub(v, STREAM_HDR_LEN, flen);
	if (!frame->p)
		return 0;
	rx->start += STREAM_HDR_LEN + flen;
	return 1;
}

/**
 * stream_msg_finish() - Pad a frame to the Ethernet minimum, prefix its length
 * @msg:	Message: STREAM_HDR_LEN bytes of room, then the frame, with
 *		room for at least L2_ETH_MIN_FRAME bytes
 * @len:	Frame length, at most STREAM_FRAME_MAX
 *
 * Return: length of the whole message, length prefix included
 */
size_t stream_msg_finish(uint8_t *msg, size_t len)
{
	uint8_t *frame = msg + STREAM_HDR_LEN;

	if (len < L2_ETH_MIN_FRAME) {
		memset(frame + len, 0, L2_ETH_MIN_FRAME - len);
		len = L2_ETH_MIN_FRAME;
	}
	len = MIN(len, (size_t)STREAM_FRAME_MAX);
	msg[0] = (uint8_t)(len >> 24);
	msg[1] = (uint8_t)(len >> 16);
	msg[2] = (uint8_t)(len >> 8);
	msg[3] = (uint8_t)len;
	return STREAM_HDR_LEN + len;
}

/**
 * stream_wait() - Wait until the client can take more, within a bound
 * @s:		Stream link
 * @start:	When the write started, clock_ms()
 * @mid:	A frame is partly written
 *
 * Return: 0 to try again, -ETIMEDOUT when the bound is reached
 */
static int stream_wait(const struct stream_link *s, int64_t start, bool mid)
{
	int64_t left = (mid ? STREAM_WAIT_MID_MS : STREAM_WAIT_MS) -
		       ((int64_t)clock_ms() - start);
	struct pollfd pfd = {.fd = s->fd, .events = POLLOUT};

	if (left <= 0)
		return -ETIMEDOUT;
	if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
		return -errno;
	return 0;
}

/**
 * stream_write() - Write whole messages to the client, never half of one
 * @s:		Stream link, with a client
 * @iov:	One entry per message, changed
 * @n:		Entries
 *
 * Return: 0, -EAGAIN if the rest of the messages were dropped (client not
 *	   reading), -ETIMEDOUT if the connection was shut down in the middle
 *	   of a message, other -errno of a failed write
 */
static int stream_write(struct stream_link *s, struct iovec *iov, size_t n)
{
	int64_t start = (int64_t)clock_ms();
	bool mid = false;
	size_t i = 0;
	int ret = 0;

	while (i < n) {
		struct msghdr mh = {.msg_iov = iov + i, .msg_iovlen = n - i};
		ssize_t r = sendmsg(s->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno != EAGAIN) {
			ret = -errno;
			break;
		}
		if (r < 0) {
			if (!(ret = stream_wait(s, start, mid)))
				continue;
			if (mid)
				shutdown(s->fd, SHUT_RDWR);
			break;
		}
		for (; r > 0 && (size_t)r >= iov[i].iov_len; i++, s->sent++)
			r -= (ssize_t)iov[i].iov_len;
		mid = r > 0;
		if (mid) {
			iov[i].iov_base = (uint8_t *)iov[i].iov_base + r;
			iov[i].iov_len -= (size_t)r;
		}
	}
	if (i == n)
		return 0;
	s->lost += n - i;
	return ret == -ETIMEDOUT && !mid ? -EAGAIN : ret;
}

/**
 * stream_flush() - Write every queued frame to the guest
 * @s:		Stream link
 *
 * Return: 0, -ENOTCONN if there was no client (frames dropped), or the
 *	   error of stream_write()
 */
int stream_flush(struct stream_link *s)
{
	struct iovec iov[STREAM_POOL];
	static struct ratelimit rl;
	size_t i, n = 0;
	int ret;

	for (i = 0; i < s->pool_used; i++) {
		size_t len = s->pool_len[i];

		if (!len)
			continue;
		pcap_frame(stream_pool[i] + STREAM_SLOT_FRAME,
			   len - STREAM_HDR_LEN);
		iov[n].iov_base = stream_pool[i] + STREAM_SLOT_PAD;
		iov[n++].iov_len = len;
	}
	s->pool_used = 0;
	if (!n)
		return 0;
	if (s->fd < 0) {
		s->lost += n;
		return -ENOTCONN;
	}
	if ((ret = stream_write(s, iov, n)))
		log_rl(&rl, LOG_LVL_DEBUG, "Frames to the guest dropped: %s",
		       strerror(-ret));
	return ret;
}

/**
 * stream_sink_reserve() - struct frame_sink reserve for the stream pool
 * @sink:	Sink
 * @n:		Buffers wanted
 * @bufs:	Filled with the buffers
 * @cap:	Set to the size of each
 *
 * Return: number of buffers reserved
 */
static unsigned int stream_sink_reserve(struct frame_sink *sink, unsigned int n,
					uint8_t **bufs, size_t *cap)
{
	struct stream_link *s = sink->priv;
	unsigned int i;

	if (s->pool_used == STREAM_POOL)
		stream_flush(s);
	n = MIN(n, STREAM_POOL - s->pool_used);
	for (i = 0; i < n; i++) {
		s->pool_len[s->pool_used] = 0;
		bufs[i] = stream_pool[s->pool_used++] + STREAM_SLOT_FRAME;
	}
	*cap = STREAM_FRAME_MAX;
	return n;
}

/**
 * stream_sink_commit() - struct frame_sink commit for the stream pool
 * @sink:	Sink
 * @buf:	Buffer returned by stream_sink_reserve()
 * @len:	Frame length, 0 to give the buffer back
 * @o:		Offloads: never asked for, as the sink doesn't offer them
 */
static void stream_sink_commit(struct frame_sink *sink, uint8_t *buf,
			       size_t len, const struct frame_offload *o)
{
	struct stream_link *s = sink->priv;
	size_t slot = (size_t)(buf - stream_pool[0]) / STREAM_SLOT;

	(void)o;
	if (slot >= STREAM_POOL || buf != stream_pool[slot] + STREAM_SLOT_FRAME)
		return;
	s->pool_len[slot] =
		len ? stream_msg_finish(buf - STREAM_HDR_LEN, len) : 0;
}

/**
 * stream_sink_flush() - struct frame_sink flush for the stream pool
 * @sink:	Sink
 *
 * Return: 0 or -errno
 */
static int stream_sink_flush(struct frame_sink *sink)
{
	return stream_flush(sink->priv);
}

/**
 * stream_send() - Queue one frame to the guest, link_reply_fn of the stream
 * @link:	Stream link
 * @frame:	Ethernet frame
 * @len:	Its length
 *
 * Return: 0 on success, -EMSGSIZE if too long, -ENOBUFS without a buffer
 */
int stream_send(void *link, const void *frame, size_t len)
{
	struct stream_link *s = link;
	uint8_t *buf;
	size_t cap;

	if (!stream_sink_reserve(&s->sink, 1, &buf, &cap))
		return -ENOBUFS;
	if (len > cap) {
		stream_sink_commit(&s->sink, buf, 0, NULL);
		return -EMSGSIZE;
	}
	memcpy(buf, frame, len);
	stream_sink_commit(&s->sink, buf, len, NULL);
	return 0;
}

/**
 * stream_init() - Set up a stream link with no socket yet
 * @s:		Stream link
 * @epfd:	epoll descriptor sockets will be registered with
 */
void stream_init(struct stream_link *s, int epfd)
{
	memset(s, 0, sizeof(*s));
	s->listen_fd = s->fd = -1;
	s->epfd = epfd;
	s->client_type = EPOLL_TYPE_STREAM;
	stream_rx_init(&s->rx, stream_rx_buf, sizeof(stream_rx_buf));
	s->sink.reserve = stream_sink_reserve;
	s->sink.commit = stream_sink_commit;
	s->sink.flush = stream_sink_flush;
	s->sink.offload = false;
	s->sink.priv = s;
}

/**
 * stream_probe() - Try to connect to a socket path
 * @path:	Path
 *
 * Return: 0 if someone accepts connections there, -errno of connect()
 */
static int stream_probe(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd, ret = 0;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memcpy(a.sun_path, path, strlen(path));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
		ret = -errno;
	close(fd);
	return ret;
}

/**
 * stream_bind() - Bind a new listening socket to a path not in use
 * @path:	Path, shorter than STREAM_PATH_MAX
 * @backlog:	Connections waiting to be accepted, at most
 *
 * A socket file nobody listens on (connection refused) is removed first;
 * a missing one isn't touched, so that two instances probing at the same
 * time don't remove each other's sockets.
 *
 * Return: the socket, -EADDRINUSE if someone listens there, other -errno
 */
int stream_bind(const char *path, int backlog)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd, ret = stream_probe(path);

	if (ret == -ECONNREFUSED || ret == -EACCES)
		unlink(path);
	else if (ret != -ENOENT)
		return -EADDRINUSE;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memcpy(a.sun_path, path, strlen(path));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(fd, backlog)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

/**
 * stream_listen() - Listen at a path, or at the first free default path
 * @s:		Stream link, path set on success
 * @path:	Path, empty to probe /tmp/passt_1.socket, _2, ... _99
 *
 * A stale socket file nobody listens on is replaced.
 *
 * Return: 0 on success, -EADDRINUSE if @path is in use, -ENAMETOOLONG,
 *	   other -errno of the last failure
 */
int stream_listen(struct stream_link *s, const char *path)
{
	char probe[STREAM_PATH_MAX];
	const char *name = path;
	int fd = -EADDRINUSE, i, ret;

	if (strlen(path) >= STREAM_PATH_MAX)
		return -ENAMETOOLONG;
	if (*path) {
		fd = stream_bind(path, 1);
	} else {
		for (i = 1; i < STREAM_SOCK_MAX && fd < 0; i++) {
			snprintf(probe, sizeof(probe), STREAM_SOCK_FMT, i);
			fd = stream_bind(probe, 1);
		}
		name = probe;
	}
	if (fd < 0)
		return fd;
	if ((ret = stream_listen_fd(s, fd))) {
		close(fd);
		return ret;
	}
	snprintf(s->path, sizeof(s->path), "%s", name);
	return 0;
}

/**
 * stream_listen_fd() - Use a listening socket (ours, or systemd's)
 * @s:		Stream link
 * @fd:		Listening UNIX stream socket
 *
 * Return: 0 on success, -errno on failure
 */
int stream_listen_fd(struct stream_link *s, int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK))
		return -errno;
	s->listen_fd = fd;
	return epref_ctl(s->epfd, EPOLL_CTL_ADD, EPOLL_TYPE_STREAM_LISTEN, 0,
			 fd, EPOLLIN);
}

/**
 * stream_buf_raise() - Raise a socket buffer as far as we are allowed to
 * @fd:		Socket
 * @force:	SO_SNDBUFFORCE or SO_RCVBUFFORCE (needs CAP_NET_ADMIN)
 * @opt:	SO_SNDBUF or SO_RCVBUF (capped by the net.core.*mem_max sysctl)
 */
static void stream_buf_raise(int fd, int force, int opt)
{
	int v = STREAM_BUF_WANTED;

	if (setsockopt(fd, SOL_SOCKET, force, &v, sizeof(v)) &&
	    setsockopt(fd, SOL_SOCKET, opt, &v, sizeof(v)))
		log_debug("Couldn't raise socket buffer: %s", strerror(errno));
}

/**
 * stream_client() - Serve a connected client (accepted, or --fd)
 * @s:		Stream link, without a client
 * @fd:		Connected UNIX stream socket
 *
 * Return: 0 on success, -errno on failure
 */
int stream_client(struct stream_link *s, int fd)
{
	int fl = fcntl(fd, F_GETFL), ret;

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK))
		return -errno;
	stream_buf_raise(fd, SO_SNDBUFFORCE, SO_SNDBUF);
	stream_buf_raise(fd, SO_RCVBUFFORCE, SO_RCVBUF);
	s->gen = (s->gen + 1) & STREAM_GEN_MASK;
	ret = epref_ctl(s->epfd, EPOLL_CTL_ADD, s->client_type, s->gen, fd,
			EPOLLIN | EPOLLRDHUP);
	if (ret)
		return ret;
	s->fd = fd;
	stream_rx_init(&s->rx, s->rx.buf, s->rx.cap);
	return 0;
}

/**
 * stream_client_gone() - Tell whether the client closed its end already
 * @s:		Stream link
 *
 * A client that disconnects and reconnects at once can be in the listening
 * queue before we handled the end of its first connection: the caller
 * finishes the old one first, instead of discarding the new one.
 *
 * Return: true if there is a client and it hung up (data may still be unread)
 */
bool stream_client_gone(const struct stream_link *s)
{
	struct pollfd p = { .fd = s->fd, .events = POLLRDHUP };

	if (s->fd < 0 || poll(&p, 1, 0) <= 0)
		return false;
	return p.revents & (POLLRDHUP | POLLHUP | POLLERR);
}

/**
 * stream_event_current() - Tell whether an event is about the current client
 * @s:		Stream link
 * @idx:	Index field of the event's reference: the client's generation
 * @fd:		Descriptor field of the event's reference
 *
 * One batch of events can hold the hang-up of a client that was closed
 * earlier in the batch (when the listening socket showed a new client and
 * the old one was finished first, see stream_client_gone()), and the new
 * client may have been given the same descriptor number: the generation,
 * counted per client, tells them apart.
 *
 * Return: true if the event is for the client being served
 */
bool stream_event_current(const struct stream_link *s, uint32_t idx, int fd)
{
	return s->fd >= 0 && fd == s->fd && idx == s->gen;
}

/**
 * stream_accept() - Accept a connection: the client, or one to discard
 * @s:		Stream link
 *
 * Return: 0 on success (or a discarded connection), -errno on failure
 */
int stream_accept(struct stream_link *s)
{
	struct ucred uc = {.pid = 0};
	socklen_t sl = sizeof(uc);
	int fd, ret;

	fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &sl))
		uc.pid = 0;
	if (s->fd >= 0) {
		log_info("Discarding connection from PID %d: a client is "
			 "already connected",
			 (int)uc.pid);
		close(fd);
		return 0;
	}
	if ((ret = stream_client(s, fd))) {
		close(fd);
		return ret;
	}
	log_info("Accepted connection from PID %d", (int)uc.pid);
	return 0;
}

/**
 * stream_read() - Read what the client sent, as much as the buffer takes
 * @s:		Stream link, with a client
 *
 * @eof:	Set if the client closed its end (after the bytes returned)
 *
 * Return: bytes read (0 if none was waiting), -errno on failure
 */
static ssize_t stream_read(struct stream_link *s, bool *eof)
{
	ssize_t total = 0;
	int i;

	for (i = 0; i < STREAM_READS; i++) {
		size_t room;
		uint8_t *p = stream_rx_space(&s->rx, &room);
		ssize_t r;

		/* Only the first call moves bytes: frames are taken out
		 * after the reads, so s->rx.start is 0 for the later ones
		 */
		if (!room)
			break;
		r = recv(s->fd, p, room, MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			break;
		if (r < 0)
			return total ? total : -errno;
		if (r == 0) {
			*eof = true;
			break;
		}
		stream_rx_fill(&s->rx, (size_t)r);
		total += r;
	}
	return total;
}

/**
 * stream_handler() - Read and handle frames from the client
 * @s:		Stream link, with a client
 * @in:		Where frames go
 * @events:	epoll events of the client socket
 *
 * Frames handed to @in stay valid until the next call.
 *
 * Return: 0 if the client is still there, -ECONNRESET if it went away,
 *	   -EBADMSG if it sent a bad length: stream_close() it then
 */
int stream_handler(struct stream_link *s, const struct link_input *in,
		   uint32_t events)
{
	struct pview frame;
	bool eof = false;
	ssize_t r;
	int ret;

	r = stream_read(s, &eof);
	while ((ret = stream_rx_next(&s->rx, &frame)) > 0)
		link_frame_in(in, &s->n, frame, 0);
	if (ret < 0) {
		log_err("Bad frame size from guest, resetting connection");
		return -EBADMSG;
	}
	if (r < 0 || eof || (!r && (events & (EPOLLHUP | EPOLLERR))))
		return -ECONNRESET;
	return 0;
}

/**
 * stream_close() - Close the client, forget what it was sending
 * @s:		Stream link
 */
void stream_close(struct stream_link *s)
{
	if (s->fd < 0)
		return;
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->fd, NULL);
	close(s->fd);
	s->fd = -1;
	stream_rx_init(&s->rx, s->rx.buf, s->rx.cap);
	log_info("Client connection closed");
}
