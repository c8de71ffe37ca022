// SPDX-License-Identifier: GPL-2.0-or-later
/* tcp_data.c - TCP translation: data in both directions, windows, ACKs
 *
 * Theory of operation (DESIGN.md section 4):
 *
 * Host to guest: data stays in the socket's receive queue until the guest
 * acknowledges it. We read it with MSG_PEEK straight into frame buffers of
 * the sink, after room for the headers; SO_PEEK_OFF keeps the kernel's peek
 * position at the first byte not yet sent to the guest, so every peek
 * returns new data. Bytes the guest acknowledges are discarded from the
 * queue (MSG_TRUNC); a retransmission rewinds the peek offset to zero. How
 * much we send is bounded by the guest's advertised window, so the socket
 * queue, not our memory, holds whatever the guest can't take yet. Without
 * SO_PEEK_OFF (kernels before 6.9) the bytes in flight are peeked into a
 * discard buffer in front of the frames. The socket is edge-triggered, as
 * peeked data keeps it readable: each event is read until the socket is
 * drained or the guest's window is full (tcp_data_to_guest()).
 *
 * Guest to host: in-order payload is queued during a batch of frames (the
 * frames stay valid until its end) and written with one sendmsg() per
 * connection when the batch ends, so that a burst of segments costs one
 * system call; a FIN, or a full queue, writes at once. We acknowledge only
 * what the socket accepted, and the window we advertise is the free space of
 * the socket's send buffer, so the guest never sends much more than fits
 * (tcp_wnd_to_guest(): SIOCOUTQ only when the window gets tight).
 * If a write is short anyway, we wait for the socket to drain (EPOLLOUT),
 * then send duplicate ACKs so that the guest retransmits at once (fast
 * retransmit) instead of waiting for its retransmission timeout.
 */

#include <errno.h>
#include <linux/sockios.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "base/clock.h"
#include "os/epref.h"
#include "packet/frame.h"
#include "tcp.h"

#define TCP_DISCARD_MAX (4U << 20)	/* in flight without SO_PEEK_OFF */

/**
 * tcp_wnd_to_guest() - Window to advertise: free space of the send buffer
 * @t:		TCP context
 * @c:		Connection
 *
 * Return: window in bytes (before scaling)
 */
uint32_t tcp_wnd_to_guest(struct tcp_ctx *t, struct tcp_conn *c)
{
	uint32_t sndbuf = c->sndbuf, limit;
	int outq = 0;

	(void)t;
	if (c->sock < 0 || (c->flags & TCP_GUEST_FIN) || !sndbuf)
		return 65535;
	/* sk_sndbuf also pays for packet overhead (sk_buff truesize): keep
	 * an eighth of it for that, so that writes are hardly ever short
	 */
	limit = sndbuf / 8 * 7;

	/* The queue only grows by what we write: while that bound leaves
	 * half the buffer free, it is as good a window as the exact one, and
	 * request/response traffic saves a system call per segment
	 */
	if (c->outq_max < limit / 2)
		return limit - c->outq_max;
	if (ioctl(c->sock, SIOCOUTQ, &outq) || outq < 0)
		return 65535;
	c->outq_max = (uint32_t)outq;
	return limit > (uint32_t)outq ? limit - (uint32_t)outq : 0;
}

/**
 * tcp_send_flags() - Send a segment without payload to the guest
 * @t:		TCP context
 * @c:		Connection
 * @flags:	TCP flags
 * @opts:	Options (SYN, SYN-ACK), NULL for none
 * @seq:	Sequence number
 */
void tcp_send_flags(struct tcp_ctx *t, struct tcp_conn *c, uint8_t flags,
		    const struct tcp_frame_opts *opts, uint32_t seq)
{
	uint32_t wnd = tcp_wnd_to_guest(t, c), field;
	uint8_t *buf;
	size_t cap;

	if (!t->sink->reserve(t->sink, 1, &buf, &cap))
		return;
	memcpy(c->hdr.dst_mac, l2_guest_dst_mac(t->l2s), ETH_ADDR_LEN);

	/* RFC 7323 2.2: the window of a SYN is never scaled */
	if ((c->flags & TCP_WS_OK) && !(flags & TCP_F_SYN))
		field = MIN(wnd >> TCP_WS_OURS, 65535U);
	else
		field = MIN(wnd, 65535U);
	c->wnd_adv = wnd;

	t->sink->commit(t->sink, buf,
			tcp_frame_finish(buf, &c->hdr, opts, seq,
					 (flags & TCP_F_ACK) ? c->rcv_nxt : 0,
					 flags, (uint16_t)field, 0),
			NULL);
}

/**
 * tcp_batch_later() - Leave work for the end of this batch of frames
 * @t:		TCP context
 * @idx:	Flow index
 * @what:	TCP_ACK_PENDING, TCP_DISCARD_PENDING and/or TCP_WRITE_PENDING
 */
static void tcp_batch_later(struct tcp_ctx *t, int idx, uint16_t what)
{
	struct tcp_conn *c = &t->conn[idx];

	c->flags |= what;
	if (c->flags & TCP_LISTED)
		return;
	if (t->npending >= FLOW_MAX) {
		/* a flow freed and reused within one batch can be listed
		 * twice: never overflow, do the work now instead
		 */
		if (what & TCP_WRITE_PENDING)
			tcp_write_flush(t, idx);
		tcp_discard_flush(t, c);
		if (c->flags & TCP_ACK_PENDING) {
			c->flags &= (uint16_t)~TCP_ACK_PENDING;
			tcp_send_flags(t, c, TCP_F_ACK, NULL, c->snd_nxt);
		}
		return;
	}
	c->flags |= TCP_LISTED;
	t->pending[t->npending++] = (uint32_t)idx;
}

/**
 * tcp_ack_pending() - Note that an ACK is due at the end of this batch
 * @t:		TCP context
 * @idx:	Flow index
 */
void tcp_ack_pending(struct tcp_ctx *t, int idx)
{
	tcp_batch_later(t, idx, TCP_ACK_PENDING);
}

/**
 * tcp_peek_off_set() - Set the peek offset of a socket
 * @t:		TCP context
 * @c:		Connection
 * @off:	Offset
 */
static void tcp_peek_off_set(const struct tcp_ctx *t, struct tcp_conn *c,
			     int off)
{
	if (t->peek_off)
		setsockopt(c->sock, SOL_SOCKET, SO_PEEK_OFF, &off, sizeof(off));
}

/**
 * tcp_send_fin() - Send our FIN, once the socket's data was all sent
 * @t:		TCP context
 * @idx:	Flow index
 */
static void tcp_send_fin(struct tcp_ctx *t, int idx)
{
	struct tcp_conn *c = &t->conn[idx];

	c->flags |= TCP_SOCK_EOF;
	tcp_epoll_set(t, idx, c->ev & ~(uint32_t)(EPOLLIN | EPOLLRDHUP));
	if (c->flags & TCP_FIN_SENT)
		return;
	tcp_send_flags(t, c, TCP_F_FIN | TCP_F_ACK, NULL, c->snd_nxt);
	c->snd_nxt++;
	c->flags |= TCP_FIN_SENT;
	if (!c->deadline)
		c->deadline = clock_ms() + c->rto;
}

/**
 * tcp_peek() - Peek data not yet sent to the guest into frame buffers
 * @t:		TCP context
 * @c:		Connection
 * @bufs:	Frame buffers
 * @n:		How many
 * @off:	Payload offset in each
 * @seg:	Payload size of each
 * @room:	Bytes at most, in total (the last buffer takes the rest)
 *
 * Return: bytes of new data, 0 at end of file, -errno
 */
static ssize_t tcp_peek(struct tcp_ctx *t, struct tcp_conn *c,
			uint8_t **bufs, unsigned int n, size_t off, size_t seg,
			size_t room)
{
	static uint8_t discard[TCP_DISCARD_MAX];
	struct iovec iov[TCP_MAX_FRAMES + 1];
	uint32_t in_flight = c->snd_nxt - c->snd_una;
	struct msghdr mh = { .msg_iov = iov };
	unsigned int i, v = 0;
	ssize_t r;

	if (!t->peek_off) {
		if (in_flight > TCP_DISCARD_MAX)
			return -EAGAIN;
		iov[v].iov_base = discard;
		iov[v++].iov_len = in_flight;
	}
	for (i = 0; i < n; i++) {
		iov[v].iov_base = bufs[i] + off;
		iov[v++].iov_len = MIN(seg, room);
		room -= MIN(seg, room);
	}
	mh.msg_iovlen = v;

	r = recvmsg(c->sock, &mh, MSG_PEEK | MSG_DONTWAIT);
	if (r < 0)
		return -errno;
	if (!t->peek_off) {
		if ((size_t)r < in_flight)
			return r ? -EAGAIN : 0;
		r -= (ssize_t)in_flight;
		if (!r) {
			/* nothing new: end of file only if recv() says so */
			char b;

			r = recv(c->sock, &b, 1, MSG_PEEK | MSG_DONTWAIT);
			return r == 0 ? 0 : -EAGAIN;
		}
	}
	return r;
}

/**
 * tcp_frame_payload_max() - Payload of one frame to the guest
 * @t:		TCP context
 * @c:		Connection
 * @off:	Payload offset in the frame
 *
 * With segmentation offload, a frame carries as much as the IP length field
 * allows, and the guest's kernel sees it as segments of the MSS.
 *
 * Return: bytes
 */
static size_t tcp_frame_payload_max(const struct tcp_ctx *t,
				    const struct tcp_conn *c, size_t off)
{
	/* IPv4 total length counts from the IP header, IPv6 payload length
	 * from after it
	 */
	size_t len_from = FRAME_ETH_HLEN +
			  (inany_is_v4(&c->hdr.dst) ? 0 : FRAME_IP6_HLEN);

	if (!t->sink->offload)
		return c->mss;
	return UINT16_MAX - (off - len_from);
}

/**
 * tcp_offload() - Offload description of a data frame to the guest
 * @c:		Connection
 * @o:		Filled
 * @off:	Payload offset in the frame (length of all headers)
 * @len:	Payload length
 */
static void tcp_offload(const struct tcp_conn *c, struct frame_offload *o,
			size_t off, size_t len)
{
	bool v4 = inany_is_v4(&c->hdr.dst);

	o->l4_off = (uint16_t)(FRAME_ETH_HLEN +
			       (v4 ? FRAME_IP4_HLEN : FRAME_IP6_HLEN));
	o->csum_off = 16;	/* RFC 9293 3.1: checksum field */
	o->hdr_len = (uint16_t)off;
	o->gso_size = c->mss;
	o->gso = len > c->mss ? (v4 ? FRAME_GSO_TCPV4 : FRAME_GSO_TCPV6) :
				FRAME_GSO_NONE;
}

/**
 * tcp_data_burst() - Send one burst of what the socket holds to the guest
 * @t:		TCP context
 * @idx:	Flow index
 *
 * Return: true if the burst filled every frame it had without reaching the
 *	   guest's window: more data may be waiting, call again
 */
static bool tcp_data_burst(struct tcp_ctx *t, int idx)
{
	struct tcp_conn *c = &t->conn[idx];
	uint8_t *bufs[TCP_MAX_FRAMES];
	uint32_t in_flight, room;
	size_t cap, off, seg, left, asked;
	struct frame_offload o;
	unsigned int n, want, i;
	uint16_t wnd;
	ssize_t r;

	if (c->state != TCP_ST_ESTABLISHED || (c->flags & TCP_SOCK_EOF))
		return false;

	in_flight = c->snd_nxt - c->snd_una;
	room = c->wnd_guest > in_flight ? c->wnd_guest - in_flight : 0;
	if (!room) {
		/* the guest's ACK re-enables reading, which re-polls */
		tcp_epoll_set(t, idx, c->ev & ~(uint32_t)EPOLLIN);
		return false;
	}
	/* Room again: wake up for data even if none is queued right now */
	tcp_epoll_set(t, idx, c->ev | EPOLLIN | EPOLLRDHUP);

	memcpy(c->hdr.dst_mac, l2_guest_dst_mac(t->l2s), ETH_ADDR_LEN);
	off = tcp_frame_payload_off(&c->hdr, NULL);
	seg = tcp_frame_payload_max(t, c, off);
	want = MIN((room + seg - 1) / seg, TCP_MAX_FRAMES);
	n = t->sink->reserve(t->sink, want, bufs, &cap);
	if (!n)
		return false;
	seg = MIN(seg, cap - off);
	asked = MIN((size_t)room, n * seg);

	r = tcp_peek(t, c, bufs, n, off, seg, room);
	if (r <= 0) {
		for (i = 0; i < n; i++)
			t->sink->commit(t->sink, bufs[i], 0, NULL);
		if (r == 0)
			tcp_send_fin(t, idx);
		else if (r != -EAGAIN && r != -EINTR)
			tcp_conn_reset(t, idx, true);
		return false;
	}

	left = (size_t)r;
	c->wnd_adv = tcp_wnd_to_guest(t, c);
	wnd = (uint16_t)MIN(c->wnd_adv >> ((c->flags & TCP_WS_OK) ?
					   TCP_WS_OURS : 0), 65535U);
	for (i = 0; i < n; i++) {
		size_t len = MIN(left, seg), flen;
		uint8_t fl = TCP_F_ACK;

		if (!len) {
			t->sink->commit(t->sink, bufs[i], 0, NULL);
			continue;
		}
		left -= len;
		if (!left)
			fl |= TCP_F_PSH;
		if (t->sink->offload) {
			tcp_offload(c, &o, off, len);
			flen = tcp_frame_finish_partial(bufs[i], &c->hdr, NULL,
							c->snd_nxt, c->rcv_nxt,
							fl, wnd, len);
			t->sink->commit(t->sink, bufs[i], flen, &o);
		} else {
			flen = tcp_frame_finish(bufs[i], &c->hdr, NULL,
						c->snd_nxt, c->rcv_nxt, fl, wnd,
						len);
			t->sink->commit(t->sink, bufs[i], flen, NULL);
		}
		c->snd_nxt += (uint32_t)len;
	}
	c->flags &= (uint16_t)~TCP_ACK_PENDING;
	if (!c->deadline)
		c->deadline = clock_ms() + c->rto;

	/* Drained: the next arrival is an event, but the end of file that
	 * already came isn't, and only the next peek can return it
	 */
	if ((size_t)r < asked)
		return c->flags & TCP_SOCK_RDHUP;
	if (asked == room) {
		/* window full: the guest's ACK re-enables reading */
		tcp_epoll_set(t, idx, c->ev & ~(uint32_t)EPOLLIN);
		return false;
	}
	return true;
}

/**
 * tcp_data_to_guest() - Send what the socket holds, within the guest's window
 * @t:		TCP context
 * @idx:	Flow index
 *
 * The socket is edge-triggered (tcp_epoll_set()): an event means new data
 * came, and peeking leaves the data queued, so a level-triggered socket
 * would stay readable until the guest acknowledges it. Hence every call
 * reads until the socket is drained, the guest's window is full (the ACK
 * that opens it re-enables EPOLLIN, which re-polls), or TCP_DATA_BURSTS
 * bursts went out: then one re-poll makes sure we come back.
 */
void tcp_data_to_guest(struct tcp_ctx *t, int idx)
{
	unsigned int i;

	for (i = 0; i < TCP_DATA_BURSTS; i++) {
		if (!tcp_data_burst(t, idx))
			return;
	}
	tcp_epoll_rearm(t, idx);
}

/**
 * tcp_discard_flush() - Drop acknowledged bytes from the socket's queue
 * @t:		TCP context
 * @c:		Connection
 */
void tcp_discard_flush(struct tcp_ctx *t, struct tcp_conn *c)
{
	c->flags &= (uint16_t)~TCP_DISCARD_PENDING;
	if (!c->discard)
		return;
	if (recv(c->sock, NULL, c->discard, MSG_TRUNC | MSG_DONTWAIT) < 0)
		log_rl(&t->rl_err, LOG_LVL_DEBUG, "TCP discard: %s",
		       strerror(errno));
	c->discard = 0;
}

/**
 * tcp_retransmit() - Send again everything the guest didn't acknowledge
 * @t:		TCP context
 * @idx:	Flow index
 */
void tcp_retransmit(struct tcp_ctx *t, int idx)
{
	struct tcp_conn *c = &t->conn[idx];
	bool fin = (c->flags & TCP_FIN_SENT) && !(c->flags & TCP_FIN_ACKED);

	tcp_discard_flush(t, c);
	c->snd_nxt = c->snd_una;
	c->dup_acks = 0;
	tcp_peek_off_set(t, c, 0);
	c->deadline = clock_ms() + c->rto;
	if (fin) {
		c->flags &= (uint16_t)~(TCP_FIN_SENT | TCP_SOCK_EOF);
	}
	tcp_data_to_guest(t, idx);
}

/**
 * tcp_guest_ack() - Process the acknowledgement and window of a segment
 * @t:		TCP context
 * @idx:	Flow index
 * @s:		Segment from the guest
 */
void tcp_guest_ack(struct tcp_ctx *t, int idx, const struct tcp_seg *s)
{
	struct tcp_conn *c = &t->conn[idx];
	uint32_t wnd = (uint32_t)s->wnd << c->ws_guest, acked;

	if (!(s->flags & TCP_F_ACK))
		return;

	if (seq_lt(c->snd_una, s->ack) && seq_le(s->ack, c->snd_nxt)) {
		acked = s->ack - c->snd_una;
		if ((c->flags & TCP_FIN_SENT) && s->ack == c->snd_nxt) {
			c->flags |= TCP_FIN_ACKED;
			acked--;
		}
		/* With SO_PEEK_OFF the peek position doesn't depend on when
		 * acknowledged bytes leave the queue: drop them once per
		 * batch of frames, not once per ACK
		 */
		c->discard += acked;
		if (t->peek_off)
			tcp_batch_later(t, idx, TCP_DISCARD_PENDING);
		else
			tcp_discard_flush(t, c);
		c->snd_una = s->ack;
		c->retries = 0;
		c->dup_acks = 0;
		c->rto = MAX(c->rto / 2, 200U);
		c->deadline = c->snd_una == c->snd_nxt ? 0 :
			      clock_ms() + c->rto;
	} else if (s->ack == c->snd_una && c->snd_una != c->snd_nxt &&
		   !s->payload.len && wnd == c->wnd_guest &&
		   !(s->flags & (TCP_F_SYN | TCP_F_FIN))) {
		/* RFC 5681 3.2: third duplicate ACK, retransmit at once */
		if (++c->dup_acks == 3) {
			c->wnd_guest = wnd;
			tcp_retransmit(t, idx);
			return;
		}
	}

	/* Room in the window: wait for socket data again. If some is queued,
	 * level-triggered EPOLLIN reports it in this same loop iteration;
	 * peeking here instead would mostly find nothing (one failed
	 * recvmsg() per ACK, measured: a third of all syscalls)
	 */
	c->wnd_guest = wnd;
	if (c->wnd_guest > c->snd_nxt - c->snd_una &&
	    c->state == TCP_ST_ESTABLISHED && !(c->flags & TCP_SOCK_EOF))
		tcp_epoll_set(t, idx, c->ev | EPOLLIN | EPOLLRDHUP);
}

/**
 * tcp_write_flush_all() - Write the queued payload of every connection
 * @t:		TCP context
 *
 * For a batch longer than the queue (passt reads up to hundreds of frames
 * at once): the queue is empty afterwards.
 */
static void tcp_write_flush_all(struct tcp_ctx *t)
{
	unsigned int i;

	for (i = 0; i < t->nwq; i++) {
		if (t->wq[i].idx != TCP_WQ_GONE)
			tcp_write_flush(t, (int)t->wq[i].idx);
	}
	t->nwq = 0;
}

/**
 * tcp_write_queue() - Queue guest payload for the end of the batch
 * @t:		TCP context
 * @idx:	Flow index
 * @seq:	Sequence number of @p, the next one expected
 * @p:		Payload, valid until the end of the batch
 * @len:	Its length, non-zero
 *
 * A full queue is written out first, for every connection.
 *
 * Return: true if queued, false if the segment must be dropped: the
 *	   connection was reset, or its queue written short (a gap)
 */
static bool tcp_write_queue(struct tcp_ctx *t, int idx, uint32_t seq,
			    const uint8_t *p, size_t len)
{
	struct tcp_conn *c = &t->conn[idx];
	struct tcp_wq_ent *e;

	if (t->nwq >= TCP_WQ_MAX) {
		tcp_write_flush_all(t);
		if (c->state == TCP_ST_FREE || c->rcv_nxt != seq)
			return false;
	}
	e = &t->wq[t->nwq++];
	e->idx = (uint32_t)idx;
	e->len = (uint32_t)len;
	e->p = p;
	c->wpend += (uint32_t)len;
	tcp_batch_later(t, idx, TCP_WRITE_PENDING);
	return true;
}

/**
 * tcp_write_forget() - Drop the queued payload of a connection going away
 * @t:		TCP context
 * @idx:	Flow index
 */
void tcp_write_forget(struct tcp_ctx *t, int idx)
{
	unsigned int i;

	for (i = 0; i < t->nwq; i++) {
		if (t->wq[i].idx == (uint32_t)idx)
			t->wq[i].idx = TCP_WQ_GONE;
	}
	t->conn[idx].wpend = 0;
	t->conn[idx].flags &= (uint16_t)~TCP_WRITE_PENDING;
}

/**
 * tcp_write_flush() - Write the queued payload of a connection, in one call
 * @t:		TCP context
 * @idx:	Flow index
 *
 * What the socket doesn't take is dropped: it isn't acknowledged, so the
 * guest sends it again (after the duplicate ACKs of a window update).
 */
void tcp_write_flush(struct tcp_ctx *t, int idx)
{
	struct tcp_conn *c = &t->conn[idx];
	struct iovec iov[TCP_WQ_MAX];
	struct msghdr mh = { .msg_iov = iov };
	size_t total = 0;
	unsigned int i;
	ssize_t n;

	if (!(c->flags & TCP_WRITE_PENDING))
		return;
	for (i = 0; i < t->nwq; i++) {
		if (t->wq[i].idx != (uint32_t)idx)
			continue;
		iov[mh.msg_iovlen].iov_base = (void *)t->wq[i].p;
		iov[mh.msg_iovlen++].iov_len = t->wq[i].len;
		total += t->wq[i].len;
	}
	tcp_write_forget(t, idx);
	if (!total)
		return;

	n = sendmsg(c->sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0 && errno != EAGAIN) {
		tcp_conn_reset(t, idx, true);
		return;
	}
	if (n < 0)
		n = 0;
	c->rcv_nxt += (uint32_t)n;
	c->outq_max += (uint32_t)n;
	if ((size_t)n < total) {
		log_trace("TCP %d: short write, %zd of %zu", idx, n, total);
		c->flags |= TCP_PARTIAL;
		tcp_epoll_set(t, idx, c->ev | EPOLLOUT);
	}
	tcp_ack_pending(t, idx);
}

/**
 * tcp_guest_data() - Write the payload of a segment to the socket, handle FIN
 * @t:		TCP context
 * @idx:	Flow index
 * @s:		Segment from the guest
 */
void tcp_guest_data(struct tcp_ctx *t, int idx, const struct tcp_seg *s)
{
	struct tcp_conn *c = &t->conn[idx];
	uint32_t next = c->rcv_nxt + c->wpend;
	const uint8_t *p = s->payload.p;
	size_t len = s->payload.len;
	uint32_t seq = s->seq;

	if (len && seq_lt(seq, next)) {
		uint32_t skip = next - seq;

		if (skip >= len) {
			len = 0;	/* all old: a retransmission */
		} else {
			p += skip;
			len -= skip;
			seq = next;
		}
		tcp_ack_pending(t, idx);
	}
	if (len && seq != next) {
		/* Out of order: drop, the duplicate ACK asks for the gap */
		tcp_ack_pending(t, idx);
		return;
	}
	if (!len && seq_lt(s->seq, next) && !(s->flags & TCP_F_FIN)) {
		/* Keep-alive or zero window probe: RFC 9293 3.8.6.1, 3.8.4 */
		tcp_ack_pending(t, idx);
		return;
	}
	if (c->flags & TCP_GUEST_FIN)
		return;

	if (len && !tcp_write_queue(t, idx, seq, p, len)) {
		if (c->state != TCP_ST_FREE)
			tcp_ack_pending(t, idx);	/* asks for the gap */
		return;
	}
	if (!(s->flags & TCP_F_FIN))
		return;

	/* FIN: everything before it must be written first */
	tcp_write_flush(t, idx);
	if (c->state == TCP_ST_FREE || c->rcv_nxt != seq + (uint32_t)len)
		return;
	c->rcv_nxt++;
	c->flags |= TCP_GUEST_FIN;
	shutdown(c->sock, SHUT_WR);
	tcp_ack_pending(t, idx);
}
