// SPDX-License-Identifier: GPL-2.0-or-later
/* tcp_data.c - TCP translation, middle layer: data both ways, windows, ACKs
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
 * Guest to host: in-order payload (what comes ahead of a gap is kept until
 * the gap is filled: tcp_ooo.c) is queued during a batch of frames (valid until its end) and written with
 * one sendmsg() per connection when the batch ends; a FIN, or a full queue,
 * writes at once. We acknowledge only what the socket accepted, and advertise
 * the free space of the socket's send buffer as window (tcp_wnd_to_guest():
 * SIOCOUTQ only when it gets tight). If a write is short anyway, we wait for
 * EPOLLOUT, then send duplicate ACKs so that the guest retransmits at once
 * (fast retransmit), not after its timeout (tcp_wnd_update()).
 *
 * The batch: work that is cheaper once per batch of guest frames than once
 * per frame waits on two lists of the context: the write queue (@wq: guest
 * payload, in order, with its flow index) and the end-of-batch list
 * (@pending: connections with TCP_LISTED, each once, with an ACK to send,
 * acknowledged bytes to drop or payload to write). tcp_batch_conn_end()
 * does one connection's share; a connection that closes in the middle of a
 * batch takes its entries off both lists (tcp_batch_forget()), so that a
 * flow index freed and given to a new connection within the batch is
 * never acted on for the old one.
 *
 * Layering (doc/tcp.md): this file sits between the socket helpers
 * (tcp_sock.c), which it uses, and the life cycle (tcp_conn.c, tcp_tap.c),
 * which calls it. It never frees or resets a connection: a step that finds
 * the connection must end returns a verdict (enum tcp_verdict), and its
 * caller in the top layer acts on it, once.
 */

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "base/clock.h"
#include "packet/checksum.h"
#include "packet/frame.h"
#include "transport/tcp.h"
#include "transport/tcp_data.h"
#include "transport/tcp_ooo.h"
#include "transport/tcp_sock.h"

#define TCP_DISCARD_MAX (4U << 20)	/* in flight without SO_PEEK_OFF */

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
		field = MIN(wnd >> c->ws_ours, 65535U);
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
 * tcp_ack_now() - Send the ACK due to the guest, if one is
 * @t:		TCP context
 * @c:		Connection
 */
void tcp_ack_now(struct tcp_ctx *t, struct tcp_conn *c)
{
	if (!(c->flags & TCP_ACK_PENDING))
		return;
	c->flags &= (uint16_t)~TCP_ACK_PENDING;
	tcp_send_flags(t, c, TCP_F_ACK, NULL, c->snd_nxt);
}

/**
 * tcp_pending_compact() - Squeeze the entries of closed connections out of
 *			   the end-of-batch list
 * @t:		TCP context
 */
static void tcp_pending_compact(struct tcp_ctx *t)
{
	unsigned int i, n = 0;

	for (i = 0; i < t->npending; i++) {
		uint32_t idx = t->pending[i];

		if (idx == TCP_PEND_GONE)
			continue;
		t->conn[idx].pslot = (uint16_t)n;
		t->pending[n++] = idx;
	}
	t->npending = n;
}

/**
 * tcp_batch_later() - Leave work for the end of this batch of frames
 * @t:		TCP context
 * @idx:	Flow index
 * @what:	TCP_ACK_PENDING, TCP_DISCARD_PENDING and/or TCP_WRITE_PENDING
 *
 * A connection is listed once. The list only fills up with the entries of
 * connections closed during the batch (flow indexes reused): those go,
 * and then there is room, as every other entry is a different open
 * connection, this one not among them.
 */
static void tcp_batch_later(struct tcp_ctx *t, int idx, uint16_t what)
{
	struct tcp_conn *c = &t->conn[idx];

	c->flags |= what;
	if (c->flags & TCP_LISTED)
		return;
	if (t->npending >= FLOW_MAX)
		tcp_pending_compact(t);
	c->flags |= TCP_LISTED;
	c->pslot = (uint16_t)t->npending;
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
 * tcp_wnd_update() - The socket has room again: tell the guest
 * @t:		TCP context
 * @idx:	Flow index
 *
 * After a short write, the window update is followed by three duplicate
 * ACKs (RFC 5681 3.2), so that the guest retransmits what we didn't take
 * right away rather than after its retransmission timeout. If there still
 * isn't room for a segment, the next timer tick checks again: waiting for
 * EPOLLOUT once more could spin, as the kernel's idea of writable differs.
 */
void tcp_wnd_update(struct tcp_ctx *t, int idx)
{
	struct tcp_conn *c = &t->conn[idx];
	int i;

	tcp_epoll_set(t, idx, c->ev & ~(uint32_t)EPOLLOUT);
	tcp_send_flags(t, c, TCP_F_ACK, NULL, c->snd_nxt);
	log_trace("TCP %d: window update %u%s", idx, c->wnd_adv,
		  (c->flags & TCP_PARTIAL) ? ", with duplicate ACKs" : "");
	if (c->flags & TCP_PARTIAL) {
		c->flags &= (uint16_t)~TCP_PARTIAL;
		for (i = 0; i < 3; i++)
			tcp_send_flags(t, c, TCP_F_ACK, NULL, c->snd_nxt);
	}
	if (c->wnd_adv < c->mss && !(c->flags & TCP_GUEST_FIN)) {
		c->flags |= TCP_WND_CHECK;
		if (!c->deadline)
			c->deadline = clock_ms() + 1;
	}
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
 * tcp_peek_iov() - Peek data not yet sent to the guest into an iovec
 * @t:		TCP context
 * @c:		Connection
 * @iov:	Where the data goes, from @iov[1] on: @iov[0] is ours (the
 *		bytes in flight, without SO_PEEK_OFF)
 * @n:		Entries from @iov[1] on
 *
 * Return: bytes of new data, 0 at end of file, -errno
 */
static ssize_t tcp_peek_iov(struct tcp_ctx *t, struct tcp_conn *c,
			    struct iovec *iov, unsigned int n)
{
	static uint8_t discard[TCP_DISCARD_MAX];
	uint32_t in_flight = c->snd_nxt - c->snd_una;
	struct msghdr mh = { .msg_iov = iov + 1, .msg_iovlen = n };
	ssize_t r;

	if (!t->peek_off) {
		if (in_flight > TCP_DISCARD_MAX)
			return -EAGAIN;
		iov[0].iov_base = discard;
		iov[0].iov_len = in_flight;
		mh.msg_iov = iov;
		mh.msg_iovlen = n + 1;
	}

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
	struct iovec iov[TCP_MAX_FRAMES + 1];
	unsigned int i;

	for (i = 0; i < n; i++) {
		iov[i + 1].iov_base = bufs[i] + off;
		iov[i + 1].iov_len = MIN(seg, room);
		room -= MIN(seg, room);
	}
	return tcp_peek_iov(t, c, iov, n);
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
 * tcp_peek_none() - A peek found nothing new: end of file, or an error
 * @t:		TCP context
 * @idx:	Flow index
 * @r:		What the peek returned: 0 or -errno
 *
 * Return: TCP_V_RESET if reading the socket failed, TCP_V_OK otherwise
 */
static enum tcp_verdict tcp_peek_none(struct tcp_ctx *t, int idx, ssize_t r)
{
	if (r == 0)
		tcp_send_fin(t, idx);
	else if (r != -EAGAIN && r != -EINTR)
		return TCP_V_RESET;
	return TCP_V_OK;
}

/**
 * tcp_wnd_field() - Window to advertise with data frames, scaled
 * @t:		TCP context
 * @c:		Connection, wnd_adv updated
 *
 * Return: the window field
 */
static uint16_t tcp_wnd_field(struct tcp_ctx *t, struct tcp_conn *c)
{
	c->wnd_adv = tcp_wnd_to_guest(t, c);
	return (uint16_t)MIN(c->wnd_adv >> ((c->flags & TCP_WS_OK) ?
					    c->ws_ours : 0), 65535U);
}

/**
 * tcp_burst_done() - What follows a burst of data frames to the guest
 * @t:		TCP context
 * @idx:	Flow index
 * @r:		Bytes sent
 * @asked:	Bytes the frames had room for
 * @room:	Bytes the guest's window had room for
 * @frames:	Frames of the burst with bytes never sent before
 * @more:	Set if more data may be waiting: call again
 *
 * Only bytes past the highest sequence ever sent count for the flow: a
 * retransmission sends bytes again, but they were handed over once.
 *
 * Return: TCP_V_OK
 */
static enum tcp_verdict tcp_burst_done(struct tcp_ctx *t, int idx, size_t r,
				       size_t asked, size_t room,
				       unsigned int frames, bool *more)
{
	struct tcp_conn *c = &t->conn[idx];

	if (seq_lt(c->snd_max, c->snd_nxt)) {
		flow_account_from(t->flows, idx, FLOW_IF_HOST,
				  c->snd_nxt - c->snd_max, frames);
		c->snd_max = c->snd_nxt;
	}

	c->flags &= (uint16_t)~TCP_ACK_PENDING;
	if (!c->deadline)
		c->deadline = clock_ms() + c->rto;

	/* Drained: the next arrival is an event, but the end of file that
	 * already came isn't, and only the next peek can return it
	 */
	if (r < asked) {
		*more = c->flags & TCP_SOCK_RDHUP;
		return TCP_V_OK;
	}
	if (asked == room) {
		/* window full: the guest's ACK re-enables reading */
		tcp_epoll_set(t, idx, c->ev & ~(uint32_t)EPOLLIN);
		return TCP_V_OK;
	}
	*more = true;
	return TCP_V_OK;
}

/**
 * tcp_sink_wait() - The sink had no room for a connection's data: poll its
 *		     socket again when it has (tcp_sink_ready())
 * @t:		TCP context
 * @idx:	Flow index
 */
static void tcp_sink_wait(struct tcp_ctx *t, int idx)
{
	struct tcp_conn *c = &t->conn[idx];

	if (c->flags & TCP_SINK_WAIT)
		return;
	c->flags |= TCP_SINK_WAIT;
	if (t->sink_wait < TCP_SINK_WAITQ)
		t->sink_waitq[t->sink_wait] = (uint32_t)idx;
	t->sink_wait++;
}

/**
 * tcp_sink_rearm() - Poll a connection waiting for the sink again
 * @t:		TCP context
 * @idx:	Flow index
 */
static void tcp_sink_rearm(struct tcp_ctx *t, int idx)
{
	struct tcp_conn *c = &t->conn[idx];

	if (!(c->flags & TCP_SINK_WAIT))
		return;
	c->flags &= (uint16_t)~TCP_SINK_WAIT;
	if (c->state == TCP_ST_ESTABLISHED)
		tcp_epoll_rearm(t, idx);
}

/**
 * tcp_sink_ready() - The sink has room again (vhost-user: the guest gave
 *		      receive buffers): connections waiting for it read their
 *		      sockets again
 * @t:		TCP context
 *
 * The sockets are edge-triggered and their data was there before: re-arming
 * them reports it in the next round of events. A connection listed that
 * closed in the meantime lost its flag with its state (a new one on the
 * same index has no flag): nothing is done for it.
 */
void tcp_sink_ready(struct tcp_ctx *t)
{
	unsigned int i;

	if (t->sink_wait <= TCP_SINK_WAITQ) {
		for (i = 0; i < t->sink_wait; i++)
			tcp_sink_rearm(t, (int)t->sink_waitq[i]);
	} else {
		for (i = 0; i < FLOW_MAX; i++)
			tcp_sink_rearm(t, (int)i);
	}
	t->sink_wait = 0;
}

/**
 * tcp_sg_finish() - Write the headers of a scattered data frame, commit it
 * @t:		TCP context
 * @c:		Connection
 * @f:		Frame from reserve_sg
 * @off:	Length of the headers
 * @len:	Payload bytes, 0 to give the frame back
 * @fl:		TCP flags
 * @wnd:	Window field
 */
static void tcp_sg_finish(struct tcp_ctx *t, struct tcp_conn *c,
			  struct sink_sg *f, size_t off, size_t len, uint8_t fl,
			  uint16_t wnd)
{
	size_t l4 = FRAME_ETH_HLEN +
		    (inany_is_v4(&c->hdr.dst) ? FRAME_IP4_HLEN : FRAME_IP6_HLEN);
	struct frame_offload o;
	uint16_t check;

	if (!len) {
		t->sink->commit_sg(t->sink, f, 0, NULL);
		return;
	}
	tcp_frame_finish_partial(f->hdr, &c->hdr, NULL, c->snd_nxt, c->rcv_nxt,
				 fl, wnd, len);
	if (t->sink->offload) {
		tcp_offload(c, &o, off, len);
		t->sink->commit_sg(t->sink, f, len, &o);
		return;
	}
	/* the checksum field is at offset 16 of the TCP header (RFC 9293) */
	check = csum_iov(f->hdr + l4, off - l4, f->iov, f->iovcnt, len);
	memcpy(f->hdr + l4 + 16, &check, sizeof(check));
	t->sink->commit_sg(t->sink, f, len, NULL);
}

#define TCP_SG_IOV_MAX 1023	/* recvmsg() takes 1024 (UIO_MAXIOV) */

/**
 * tcp_data_burst_sg() - One burst of socket data read straight into frames
 *			 in the guest's memory (the sink's reserve_sg)
 * @t:		TCP context
 * @idx:	Flow index
 * @off:	Length of the headers of a data frame
 * @seg:	Payload bytes per frame, at most
 * @room:	Bytes the guest's window has room for
 * @more:	Set if more data may be waiting: call again
 *
 * Return: TCP_V_RESET if reading the socket failed, TCP_V_OK otherwise
 */
static enum tcp_verdict tcp_data_burst_sg(struct tcp_ctx *t, int idx,
					  size_t off, size_t seg, size_t room,
					  bool *more)
{
	static struct iovec iov[TCP_SG_IOV_MAX + 1];
	static struct sink_sg f[TCP_MAX_FRAMES];
	struct tcp_conn *c = &t->conn[idx];
	unsigned int n = 0, v = 0, i, frames = 0;
	size_t asked = 0, left, got;
	uint16_t wnd;
	ssize_t r;

	while (n < TCP_MAX_FRAMES && asked < room &&
	       v + SINK_SG_IOV_MAX <= TCP_SG_IOV_MAX) {
		got = t->sink->reserve_sg(t->sink, off,
					  MIN(seg, room - asked), &f[n]);
		if (!got) {
			tcp_sink_wait(t, idx);
			break;
		}
		memcpy(iov + 1 + v, f[n].iov, f[n].iovcnt * sizeof(*iov));
		v += f[n].iovcnt;
		asked += got;
		n++;
	}
	if (!n)
		return TCP_V_OK;

	r = tcp_peek_iov(t, c, iov, v);
	if (r <= 0) {
		for (i = 0; i < n; i++)
			t->sink->commit_sg(t->sink, &f[i], 0, NULL);
		return tcp_peek_none(t, idx, r);
	}

	left = (size_t)r;
	wnd = tcp_wnd_field(t, c);
	for (i = 0; i < n; i++) {
		size_t len = MIN(left, f[i].cap);

		left -= len;
		tcp_sg_finish(t, c, &f[i], off, len,
			      TCP_F_ACK | (len && !left ? TCP_F_PSH : 0), wnd);
		c->snd_nxt += (uint32_t)len;
		if (len && seq_lt(c->snd_max, c->snd_nxt))
			frames++;
	}
	return tcp_burst_done(t, idx, (size_t)r, asked, room, frames, more);
}

/**
 * tcp_data_burst() - Send one burst of what the socket holds to the guest
 * @t:		TCP context
 * @idx:	Flow index
 * @more:	Set if the burst filled every frame it had without reaching
 *		the guest's window: more data may be waiting, call again
 *
 * Return: TCP_V_RESET if reading the socket failed, TCP_V_OK otherwise
 */
static enum tcp_verdict tcp_data_burst(struct tcp_ctx *t, int idx, bool *more)
{
	struct tcp_conn *c = &t->conn[idx];
	uint8_t *bufs[TCP_MAX_FRAMES];
	uint32_t in_flight, room;
	size_t cap, off, seg, left, asked;
	unsigned int n, want, i, frames = 0;
	struct frame_offload o;
	uint16_t wnd;
	ssize_t r;

	*more = false;
	if (c->state != TCP_ST_ESTABLISHED || (c->flags & TCP_SOCK_EOF))
		return TCP_V_OK;

	in_flight = c->snd_nxt - c->snd_una;
	room = c->wnd_guest > in_flight ? c->wnd_guest - in_flight : 0;
	if (!room) {
		/* the guest's ACK re-enables reading, which re-polls */
		tcp_epoll_set(t, idx, c->ev & ~(uint32_t)EPOLLIN);
		return TCP_V_OK;
	}
	/* Room again: wake up for data even if none is queued right now */
	tcp_epoll_set(t, idx, c->ev | EPOLLIN | EPOLLRDHUP);

	memcpy(c->hdr.dst_mac, l2_guest_dst_mac(t->l2s), ETH_ADDR_LEN);
	off = tcp_frame_payload_off(&c->hdr, NULL);
	seg = tcp_frame_payload_max(t, c, off);
	if (t->sink->reserve_sg)
		return tcp_data_burst_sg(t, idx, off, seg, room, more);
	want = MIN((room + seg - 1) / seg, TCP_MAX_FRAMES);
	n = t->sink->reserve(t->sink, want, bufs, &cap);
	if (!n) {
		tcp_sink_wait(t, idx);
		return TCP_V_OK;
	}
	seg = MIN(seg, cap - off);
	asked = MIN((size_t)room, n * seg);

	r = tcp_peek(t, c, bufs, n, off, seg, room);
	if (r <= 0) {
		for (i = 0; i < n; i++)
			t->sink->commit(t->sink, bufs[i], 0, NULL);
		return tcp_peek_none(t, idx, r);
	}

	left = (size_t)r;
	wnd = tcp_wnd_field(t, c);
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
		if (seq_lt(c->snd_max, c->snd_nxt))
			frames++;
	}
	return tcp_burst_done(t, idx, (size_t)r, asked, room, frames, more);
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
 *
 * Return: TCP_V_RESET if reading the socket failed, TCP_V_OK otherwise
 */
enum tcp_verdict tcp_data_to_guest(struct tcp_ctx *t, int idx)
{
	enum tcp_verdict v;
	unsigned int i;
	bool more;

	for (i = 0; i < TCP_DATA_BURSTS; i++) {
		v = tcp_data_burst(t, idx, &more);
		if (v != TCP_V_OK || !more)
			return v;
	}
	tcp_epoll_rearm(t, idx);
	return TCP_V_OK;
}

/**
 * tcp_retransmit() - Send again everything the guest didn't acknowledge
 * @t:		TCP context
 * @idx:	Flow index
 *
 * Return: verdict of tcp_data_to_guest()
 */
enum tcp_verdict tcp_retransmit(struct tcp_ctx *t, int idx)
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
	return tcp_data_to_guest(t, idx);
}

/**
 * tcp_guest_ack() - Process the acknowledgement and window of a segment
 * @t:		TCP context
 * @idx:	Flow index
 * @s:		Segment from the guest
 *
 * Return: verdict of a fast retransmission, TCP_V_OK if there was none
 */
enum tcp_verdict tcp_guest_ack(struct tcp_ctx *t, int idx,
			       const struct tcp_seg *s)
{
	struct tcp_conn *c = &t->conn[idx];
	uint32_t wnd = (uint32_t)s->wnd << c->ws_guest, acked;

	if (!(s->flags & TCP_F_ACK))
		return TCP_V_OK;

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
		c->rto = MAX(c->rto / 2, TCP_RTO_INIT_MS);
		c->deadline = c->snd_una == c->snd_nxt ? 0 :
			      clock_ms() + c->rto;
	} else if (s->ack == c->snd_una && c->snd_una != c->snd_nxt &&
		   !s->payload.len && wnd == c->wnd_guest &&
		   !(s->flags & (TCP_F_SYN | TCP_F_FIN))) {
		/* RFC 5681 3.2: third duplicate ACK, retransmit at once */
		if (++c->dup_acks == 3) {
			c->wnd_guest = wnd;
			return tcp_retransmit(t, idx);
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
	return TCP_V_OK;
}


/**
 * tcp_write_queue() - Queue guest payload for the end of the batch
 * @t:		TCP context
 * @idx:	Flow index
 * @p:		Payload, valid until the end of the batch, the next bytes
 *		expected
 * @len:	Its length, non-zero
 *
 * The top layer makes room first when the queue is full
 * (tcp_wq_needs_room()).
 *
 * Return: true if queued, false if there was no room after all
 */
static bool tcp_write_queue(struct tcp_ctx *t, int idx, const uint8_t *p,
			    size_t len)
{
	struct tcp_wq_ent *e;

	if (t->nwq >= TCP_WQ_MAX)
		return false;
	e = &t->wq[t->nwq++];
	e->idx = (uint32_t)idx;
	e->len = (uint32_t)len;
	e->p = p;
	t->conn[idx].wpend += (uint32_t)len;
	tcp_batch_later(t, idx, TCP_WRITE_PENDING);
	return true;
}

/**
 * tcp_write_forget() - Drop the queued payload of a connection
 * @t:		TCP context
 * @idx:	Flow index
 */
static void tcp_write_forget(struct tcp_ctx *t, int idx)
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
 * tcp_batch_forget() - Take a connection that is closing off the batch
 * @t:		TCP context
 * @idx:	Flow index
 *
 * Its entries in the write queue and in the end-of-batch list are void from
 * now on, so that nothing later in the batch acts on them, whatever
 * connection the flow index belongs to by then.
 */
void tcp_batch_forget(struct tcp_ctx *t, int idx)
{
	struct tcp_conn *c = &t->conn[idx];


	if (c->flags & TCP_WRITE_PENDING)
		tcp_write_forget(t, idx);
	tcp_ooo_forget(t, idx);
	if (c->flags & TCP_LISTED)
		t->pending[c->pslot] = TCP_PEND_GONE;
	c->flags &= (uint16_t)~TCP_LISTED;
}

/**
 * tcp_write_flush() - Write the queued payload of a connection, in one call
 * @t:		TCP context
 * @idx:	Flow index
 *
 * What the socket doesn't take is dropped: it isn't acknowledged, so the
 * guest sends it again (after the duplicate ACKs of a window update).
 *
 * Return: TCP_V_RESET if the socket failed, TCP_V_OK otherwise
 */
enum tcp_verdict tcp_write_flush(struct tcp_ctx *t, int idx)
{
	struct tcp_conn *c = &t->conn[idx];
	struct iovec iov[TCP_WQ_MAX];
	struct msghdr mh = { .msg_iov = iov };
	size_t total = 0, done;
	unsigned int i, frames;
	ssize_t n;

	if (!(c->flags & TCP_WRITE_PENDING))
		return TCP_V_OK;
	for (i = 0; i < t->nwq; i++) {
		if (t->wq[i].idx != (uint32_t)idx)
			continue;
		iov[mh.msg_iovlen].iov_base = (void *)t->wq[i].p;
		iov[mh.msg_iovlen++].iov_len = t->wq[i].len;
		total += t->wq[i].len;
	}
	tcp_write_forget(t, idx);
	if (!total)
		return TCP_V_OK;

	n = sendmsg(c->sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n < 0 && errno != EAGAIN)
		return TCP_V_RESET;
	if (n < 0)
		n = 0;
	/* frames whose payload the socket took whole: the rest comes again */
	for (i = frames = 0, done = 0; i < mh.msg_iovlen; i++) {
		done += iov[i].iov_len;
		frames += done <= (size_t)n;
	}
	if (n)
		flow_account_from(t->flows, idx, FLOW_IF_TAP, (uint64_t)n,
				  frames);
	c->rcv_nxt += (uint32_t)n;
	c->outq_max += (uint32_t)n;
	if ((size_t)n < total) {
		log_trace("TCP %d: short write, %zd of %zu", idx, n, total);
		c->flags |= TCP_PARTIAL;
		tcp_epoll_set(t, idx, c->ev | EPOLLOUT);
	}
	tcp_ack_pending(t, idx);
	return TCP_V_OK;
}

/**
 * tcp_guest_data() - Write the payload of a segment to the socket, handle FIN
 * @t:		TCP context
 * @idx:	Flow index
 * @s:		Segment from the guest
 *
 * Return: TCP_V_RESET if writing before the FIN failed, TCP_V_OK otherwise
 */
enum tcp_verdict tcp_guest_data(struct tcp_ctx *t, int idx,
				const struct tcp_seg *s)
{
	struct tcp_conn *c = &t->conn[idx];
	uint32_t next = c->rcv_nxt + c->wpend;
	const uint8_t *p = s->payload.p;
	size_t len = s->payload.len;
	uint32_t seq = s->seq;
	enum tcp_verdict v;

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
		/* Ahead of a gap: kept for the batch (tcp_ooo.c), dup ACK */
		tcp_ooo_keep(t, idx, s, p, len);
		tcp_ack_pending(t, idx);
		return TCP_V_OK;
	}
	if (!len && seq_lt(s->seq, next) && !(s->flags & TCP_F_FIN)) {
		/* Keep-alive or zero window probe: RFC 9293 3.8.6.1, 3.8.4 */
		tcp_ack_pending(t, idx);
		return TCP_V_OK;
	}
	if (c->flags & TCP_GUEST_FIN)
		return TCP_V_OK;

	if (len && !tcp_write_queue(t, idx, p, len)) {
		tcp_ack_pending(t, idx);	/* asks for it again */
		return TCP_V_OK;
	}
	while (len && (t->nooo || c->ooo_slots) && !(s->flags & TCP_F_FIN) &&
	       tcp_ooo_next(t, idx, c->rcv_nxt + c->wpend, &p, &len) &&
	       tcp_write_queue(t, idx, p, len))
		;
	if (!(s->flags & TCP_F_FIN))
		return TCP_V_OK;

	/* FIN: everything before it must be written first */
	v = tcp_write_flush(t, idx);
	if (v != TCP_V_OK || c->rcv_nxt != seq + (uint32_t)len)
		return v;
	c->rcv_nxt++;
	c->flags |= TCP_GUEST_FIN;
	shutdown(c->sock, SHUT_WR);
	tcp_ack_pending(t, idx);
	return TCP_V_OK;
}

/**
 * tcp_batch_conn_end() - A connection's share of the end of a batch
 * @t:		TCP context
 * @idx:	Flow index, on the end-of-batch list
 *
 * Writes the queued payload, drops the bytes the guest acknowledged from
 * the socket, sends the ACK due, and takes the connection off the list.
 *
 * Return: TCP_V_RESET if the socket failed, TCP_V_OK otherwise
 */
enum tcp_verdict tcp_batch_conn_end(struct tcp_ctx *t, int idx)
{
	struct tcp_conn *c = &t->conn[idx];
	unsigned int ahead = 0;
	enum tcp_verdict v;

	v = tcp_write_flush(t, idx);	/* may set TCP_ACK_PENDING */
	if (v != TCP_V_OK)
		return v;
	if (t->nooo)
		ahead = tcp_ooo_stash(t, idx);
	c->flags &= (uint16_t)~TCP_LISTED;
	if (c->flags & TCP_DISCARD_PENDING)
		tcp_discard_flush(t, c);
	if (!(c->flags & TCP_ACK_PENDING))
		return TCP_V_OK;
	tcp_ack_now(t, c);

	/* RFC 5681 4.2: a duplicate ACK for each segment ahead of the gap,
	 * not one per batch, so that the guest retransmits the missing one
	 * at once (3.2) rather than after its timeout
	 */
	for (ahead = MIN(ahead, 3U); ahead > 1; ahead--)
		tcp_send_flags(t, c, TCP_F_ACK, NULL, c->snd_nxt);

	/* Less than a segment of room: tell the guest when there is */
	if (c->wnd_adv < c->mss && !(c->flags & TCP_GUEST_FIN))
		tcp_epoll_set(t, idx, c->ev | EPOLLOUT);
	return TCP_V_OK;
}
