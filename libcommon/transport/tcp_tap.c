// SPDX-License-Identifier: GPL-2.0-or-later
/* tcp_tap.c - TCP translation, top layer: segments from the guest
 *
 * Theory of operation: every TCP segment of the guest is parsed (checksum
 * included), looked up in the flow table by its addresses and ports, and
 * handed to its connection according to the connection's state. A SYN for
 * no known flow opens a connection (tcp_conn.c); any other segment for no
 * known flow gets an RST (RFC 9293 3.10.7.1), so that a guest holding a
 * stale connection learns at once. ACKs to the guest's data, and the
 * dropping of bytes the guest acknowledged from the socket's queue, are
 * collected during a batch of frames and done once per connection at the end
 * of it (tcp_tap_batch_end(), tcp_data.c).
 *
 * Like tcp_conn.c, this is the top layer (doc/tcp.md): what the data steps
 * find (a failed socket, both sides finished) comes back to
 * tcp_tap_input() and tcp_tap_batch_end() as a verdict, which they act on
 * once, through tcp_verdict_apply(), when they are done with the connection.
 */

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "base/clock.h"
#include "transport/tcp.h"
#include "transport/tcp_conn.h"
#include "transport/tcp_data.h"
#include "transport/tcp_ooo.h"
#include "transport/tcp_sock.h"

/**
 * tcp_rst_unknown() - Answer a segment of no known connection with an RST
 * @t:		TCP context
 * @p:		Packet
 * @s:		Segment
 */
static void tcp_rst_unknown(struct tcp_ctx *t, const struct pkt_l4 *p,
			    const struct tcp_seg *s)
{
	struct tcp_conn c = { .sock = -1 };
	uint32_t seq = 0;
	uint8_t flags = TCP_F_RST;

	if (s->flags & TCP_F_RST)
		return;
	memcpy(c.hdr.src_mac, t->l2->our_mac, 6);
	c.hdr.src = p->dst;
	c.hdr.dst = p->src;
	c.hdr.sport = s->dport;
	c.hdr.dport = s->sport;
	if (s->flags & TCP_F_ACK) {
		seq = s->ack;
	} else {
		c.rcv_nxt = s->seq + (uint32_t)s->payload.len +
			    !!(s->flags & TCP_F_SYN) + !!(s->flags & TCP_F_FIN);
		flags |= TCP_F_ACK;
	}
	tcp_send_flags(t, &c, flags, NULL, seq);
}

/**
 * tcp_tap_fin() - A segment was taken: acknowledge the guest's FIN, tell
 *		   whether both halves of the connection are finished
 * @t:		TCP context
 * @idx:	Flow index
 * @s:		Segment
 *
 * Return: TCP_V_CLOSE, the last ACK sent, if both FINs are acknowledged,
 *	   TCP_V_OK otherwise
 */
static enum tcp_verdict tcp_tap_fin(struct tcp_ctx *t, int idx,
				    const struct tcp_seg *s)
{
	const uint16_t done = TCP_GUEST_FIN | TCP_FIN_ACKED;
	struct tcp_conn *c = &t->conn[idx];

	if ((s->flags & TCP_F_FIN) && (c->flags & TCP_GUEST_FIN))
		tcp_ack_pending(t, idx);
	if ((c->flags & done) != done)
		return TCP_V_OK;
	tcp_ack_now(t, c);
	return TCP_V_CLOSE;
}

/**
 * tcp_write_all() - Write the whole write queue out, to make room in it
 * @t:		TCP context
 * @idx:	Flow index of the segment waiting for room
 *
 * For a batch longer than the queue (passt reads up to hundreds of frames
 * at once): the queue is empty afterwards.
 *
 * Return: verdict for @idx; those of other connections are applied here
 */
static enum tcp_verdict tcp_write_all(struct tcp_ctx *t, int idx)
{
	enum tcp_verdict own = TCP_V_OK, v;
	unsigned int i;

	for (i = 0; i < t->nwq; i++) {
		int w = (int)t->wq[i].idx;

		if (t->wq[i].idx == TCP_WQ_GONE)
			continue;
		v = tcp_write_flush(t, w);	/* voids all entries of w */
		if (w == idx)
			own = v;
		else
			tcp_verdict_apply(t, w, v);
	}
	t->nwq = 0;
	return own;
}

/**
 * tcp_tap_handshake() - Segment for a connection still in its handshake
 * @t:		TCP context
 * @idx:	Flow index
 * @s:		Segment
 *
 * Return: true if the segment needs no further processing
 */
static bool tcp_tap_handshake(struct tcp_ctx *t, int idx,
			      const struct tcp_seg *s)
{
	struct tcp_conn *c = &t->conn[idx];
	uint16_t mss;

	switch (c->state) {
	case TCP_ST_CONNECTING:
		return true;	/* SYN retransmission: still connecting */
	case TCP_ST_SYN_SENT:
		if ((s->flags & (TCP_F_SYN | TCP_F_ACK)) !=
			    (TCP_F_SYN | TCP_F_ACK) ||
		    s->ack != c->snd_nxt)
			return true;
		c->rcv_nxt = s->seq + 1;
		if (s->mss)
			c->mss = MIN(c->mss, s->mss);
		if (s->wscale >= 0) {
			c->flags |= TCP_WS_OK;
			c->ws_guest = (uint8_t)s->wscale;
		}
		c->snd_una = c->snd_nxt;
		c->wnd_guest = s->wnd;
		break;
	case TCP_ST_SYNACK_SENT:
		if (!(s->flags & TCP_F_ACK) || s->ack != c->snd_nxt)
			return true;
		c->snd_una = c->snd_nxt;
		mss = tcp_mss_ours(t, inany_is_v4(&c->hdr.dst));
		if (c->mss > mss)
			c->mss = mss;
		break;
	default:
		return false;
	}

	c->state = TCP_ST_ESTABLISHED;
	c->retries = 0;
	c->deadline = 0;
	tcp_epoll_set(t, idx, EPOLLIN | EPOLLRDHUP);
	if (!(s->flags & TCP_F_SYN))	/* RFC 7323 2.2: SYNs are unscaled */
		c->wnd_guest = (uint32_t)s->wnd << c->ws_guest;
	if (s->flags & TCP_F_SYN) {
		tcp_send_flags(t, c, TCP_F_ACK, NULL, c->snd_nxt);
		return true;
	}
	return false;
}

/**
 * tcp_tap_input() - Handle one TCP segment from the guest
 * @t:		TCP context
 * @p:		Packet, already located by pkt_parse_ip()
 */
void tcp_tap_input(struct tcp_ctx *t, const struct pkt_l4 *p)
{
	struct flow_key k = { .proto = IPPROTO_TCP };
	enum tcp_verdict v;
	struct tcp_seg s;
	struct tcp_conn *c;
	int idx;

	if (tcp_seg_parse(p, &s, !p->l4_csum_partial)) {
		/* parsing again, without the checksum, says which it was */
		if (!p->l4_csum_partial && !tcp_seg_parse(p, &s, false))
			t->drop_csum++;
		else
			t->drop_malformed++;
		log_rl(&t->rl_err, LOG_LVL_DEBUG, "TCP: malformed segment");
		return;
	}
	k.gaddr = p->src;
	k.raddr = p->dst;
	k.gport = s.sport;
	k.rport = s.dport;

	idx = flow_lookup(t->flows, &k);
	if (idx < 0) {
		if ((s.flags & (TCP_F_SYN | TCP_F_ACK | TCP_F_RST)) ==
		    TCP_F_SYN) {
			if (tcp_conn_from_guest(t, &k, &s) >= 0)
				return;
		}
		t->drop_noflow++;
		tcp_rst_unknown(t, p, &s);
		return;
	}
	c = &t->conn[idx];
	if (c->state == TCP_ST_FREE) {
		t->drop_noflow++;
		tcp_rst_unknown(t, p, &s);
		return;
	}
	if (c->state == TCP_ST_FROZEN)	/* moving: the guest sends again */
		return;
	c->last_act = clock_ms();

	if (s.flags & TCP_F_RST) {
		tcp_verdict_apply(t, idx, TCP_V_RESET_HOST);
		return;
	}
	if (tcp_tap_handshake(t, idx, &s))
		return;

	v = tcp_guest_ack(t, idx, &s);
	if (v == TCP_V_OK && tcp_wq_needs_room(t, c, &s))
		v = tcp_write_all(t, idx);
	if (v == TCP_V_OK)
		v = tcp_guest_data(t, idx, &s);
	if (v == TCP_V_OK)
		v = tcp_tap_fin(t, idx, &s);
	tcp_verdict_apply(t, idx, v);
}

/**
 * tcp_tap_batch_end() - Write the queued guest data, send the ACKs collected
 *			 during a batch of frames
 * @t:		TCP context
 */
void tcp_tap_batch_end(struct tcp_ctx *t)
{
	unsigned int i;

	/* Entries of connections closed during the batch are void: their
	 * flow index may be another connection's by now (tcp_batch_forget())
	 */
	for (i = 0; i < t->npending; i++) {
		uint32_t idx = t->pending[i];

		if (idx == TCP_PEND_GONE)
			continue;
		tcp_verdict_apply(t, (int)idx,
				  tcp_batch_conn_end(t, (int)idx));
	}
	t->npending = 0;
	t->nwq = 0;
	tcp_ooo_batch_end(t);	/* after the writes that point into it */
}
