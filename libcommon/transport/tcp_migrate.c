// SPDX-License-Identifier: GPL-2.0-or-later
/* tcp_migrate.c - TCP translation, top layer: connections moving to or from
 *		   another passt (live migration)
 *
 * Theory of operation (doc/migration.md): the guest's established
 * connections move with it. On the source, each is frozen first
 * (tcp_mig_freeze()): what the engine still holds of it is settled (bytes
 * the guest acknowledged are dropped from the socket, payload kept ahead
 * of a gap is forgotten: the guest sends it again), the socket leaves epoll
 * and a filter makes it drop whatever its peer sends (tcp_repair.c; we
 * attach it where the kernel lets us, passt-repair attaches it anyway), so
 * the state read from it in repair mode can't change under the reader.
 * tcp_mig_record() then describes the connection towards the guest in the
 * stream's terms (upstream's struct tcp_tap_transfer, compat.md 4.4.1):
 *
 *	seq_to_tap	 snd_nxt	seq_ack_from_tap  snd_una
 *	seq_from_tap	 rcv_nxt	seq_ack_to_tap	  rcv_nxt (we ACK all)
 *	wnd_from_tap	 guest's window, unscaled; wnd_to_tap ours, unscaled
 *	events		 ESTABLISHED and the half-closes (TCP_GUEST_FIN etc.)
 *
 * The socket's receive queue begins with the first byte the guest didn't
 * acknowledge, so both ends agree on what is in flight towards the guest.
 * A frozen connection stays in the table (TCP_ST_FROZEN: no events, no
 * timer, guest frames ignored) until the migration is known to be done
 * (tcp_mig_drop(), not towards the guest: closed in repair mode, so the
 * peer sees nothing) or
 * to have failed (tcp_mig_thaw(): back to normal, after repair mode is
 * off).
 *
 * On the target, tcp_mig_new() creates the connection from its record: a
 * flow with the same sides and a socket, in repair mode once the helper set
 * it (and frozen: nothing the peer sends may land in half-built queues);
 * tcp_mig_connect() gives it the original's sequence numbers, address and
 * options, the caller fills its queues from the stream, and
 * tcp_mig_resume(), once repair mode is off, sends the bytes the original
 * hadn't sent, lets the socket take segments again, and tells the guest
 * where we are (an ACK with our window) before data flows again. A
 * connection that can't be rebuilt is reset towards the guest
 * (tcp_mig_drop()), as the peer's next segment would be anyway.
 */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "transport/tcp_conn.h"
#include "transport/tcp_data.h"
#include "transport/tcp_migrate.h"
#include "transport/tcp_ooo.h"
#include "transport/tcp_sock.h"

/* Upstream's connection events and flags, as the stream carries them */
#define MIG_EV_ESTABLISHED	(1 << 2)
#define MIG_EV_SOCK_FIN_RCVD	(1 << 3)
#define MIG_EV_SOCK_FIN_SENT	(1 << 4)
#define MIG_EV_TAP_FIN_RCVD	(1 << 5)
#define MIG_EV_TAP_FIN_SENT	(1 << 6)
#define MIG_EV_TAP_FIN_ACKED	(1 << 7)
#define MIG_FL_ACK_TO_TAP_DUE	(1 << 3)

/**
 * tcp_mig_list() - The connections in one state of a migration
 * @t:		TCP context
 * @frozen:	Those frozen for one (TCP_ST_FROZEN), else those that move
 *		with the guest: established (or closing), with a socket;
 *		handshakes in progress don't move (the guest sends its SYN
 *		again to the target, which opens a new connection, as
 *		upstream)
 * @idx:	Set to their flow indexes
 * @max:	Room in @idx
 *
 * Return: how many were put in @idx
 */
unsigned int tcp_mig_list(const struct tcp_ctx *t, bool frozen, uint32_t *idx,
			  unsigned int max)
{
	uint8_t state = frozen ? TCP_ST_FROZEN : TCP_ST_ESTABLISHED;
	unsigned int n = 0;
	uint32_t i;

	for (i = 0; i < FLOW_MAX && n < max; i++) {
		if (t->conn[i].state == state && t->conn[i].sock >= 0)
			idx[n++] = i;
	}
	return n;
}

/**
 * tcp_mig_freeze() - Stop a connection, so that its state can be read
 * @t:		TCP context
 * @idx:	Flow index, tcp_mig_list() chose it
 *
 * Return: its socket, for the repair helper, or -errno (the connection is
 *	   left as it was)
 */
int tcp_mig_freeze(struct tcp_ctx *t, uint32_t idx)
{
	struct tcp_conn *c = &t->conn[idx];

	if (c->state != TCP_ST_ESTABLISHED || c->sock < 0)
		return -EINVAL;
	tcp_repair_freeze(c->sock);	/* where allowed: see tcp_repair.c */
	tcp_batch_forget(t, (int)idx);
	if (c->flags & TCP_DISCARD_PENDING)
		tcp_discard_flush(t, c);
	epoll_ctl(t->epfd, EPOLL_CTL_DEL, c->sock, NULL);
	c->ev = 0;
	c->flags &= (uint16_t)~(TCP_SINK_WAIT | TCP_WND_CHECK | TCP_PARTIAL);
	c->deadline = 0;
	c->state = TCP_ST_FROZEN;
	return c->sock;
}

/**
 * tcp_mig_kick() - A connection that was frozen goes on: tell the guest
 * @t:		TCP context
 * @idx:	Flow index, its socket in epoll again
 *
 * The guest gets an ACK with our window, and what the socket holds within
 * its window, from where it last acknowledged: frames sent while moving
 * may be lost.
 *
 * Return: verdict of sending it
 */
static enum tcp_verdict tcp_mig_kick(struct tcp_ctx *t, uint32_t idx)
{
	struct tcp_conn *c = &t->conn[idx];

	c->last_act = clock_ms();
	c->rto = TCP_RTO_INIT_MS;
	tcp_send_flags(t, c, TCP_F_ACK, NULL, c->snd_nxt);
	tcp_epoll_set(t, (int)idx, EPOLLIN | EPOLLRDHUP);
	if (c->snd_una != c->snd_nxt) {
		c->deadline = c->last_act + c->rto;
		tcp_timer_arm(t);
	}
	return tcp_data_to_guest(t, (int)idx);
}

/**
 * tcp_mig_in_flight() - Bytes sent to the guest, not acknowledged by it
 * @c:		Connection
 *
 * Return: snd_nxt - snd_una, without our FIN if it is among them
 */
static uint32_t tcp_mig_in_flight(const struct tcp_conn *c)
{
	uint32_t sent = c->snd_nxt - c->snd_una;

	if ((c->flags & TCP_FIN_SENT) && !(c->flags & TCP_FIN_ACKED) && sent)
		sent--;
	return sent;
}

/**
 * tcp_mig_thaw() - A frozen connection stays: take it back
 * @t:		TCP context
 * @idx:	Flow index, frozen, its socket out of repair mode
 */
void tcp_mig_thaw(struct tcp_ctx *t, uint32_t idx)
{
	struct tcp_conn *c = &t->conn[idx];

	if (c->state != TCP_ST_FROZEN)
		return;
	tcp_repair_thaw(c->sock);
	if (tcp_epoll_add(t, (int)idx, c->sock)) {
		tcp_verdict_apply(t, (int)idx, TCP_V_RESET);
		return;
	}
	/* the dump moved the peek offset through the receive queue */
	tcp_peek_off_set(t, c, (int)tcp_mig_in_flight(c));
	c->state = TCP_ST_ESTABLISHED;
	tcp_verdict_apply(t, (int)idx, tcp_mig_kick(t, idx));
}

/**
 * tcp_mig_side_put() - A side of our flow, as the stream has it
 * @s:		Side in the flow table
 * @m:		Side in the record, set
 */
static void tcp_mig_side_put(const struct flow_side *s,
			     struct migrate_tcp_side *m)
{
	m->oaddr = s->ours.a6;
	m->eaddr = s->peer.a6;
	m->oport = s->our_port;
	m->eport = s->peer_port;
}

/**
 * tcp_mig_pif() - Interface number of the stream for one of ours
 * @pif:	enum flow_if
 *
 * Return: MIGRATE_PIF_*, 0 if it has none
 */
static uint8_t tcp_mig_pif(uint8_t pif)
{
	if (pif == FLOW_IF_TAP)
		return MIGRATE_PIF_TAP;
	if (pif == FLOW_IF_HOST)
		return MIGRATE_PIF_HOST;
	return 0;
}

/**
 * tcp_mig_events() - Upstream's events for where a connection is
 * @c:		Connection, established
 *
 * Return: events byte of the record
 */
static uint8_t tcp_mig_events(const struct tcp_conn *c)
{
	uint8_t ev = MIG_EV_ESTABLISHED;

	if (c->flags & TCP_GUEST_FIN)
		ev |= MIG_EV_TAP_FIN_RCVD | MIG_EV_SOCK_FIN_SENT;
	if (c->flags & TCP_SOCK_EOF)
		ev |= MIG_EV_SOCK_FIN_RCVD;
	if (c->flags & TCP_FIN_SENT)
		ev |= MIG_EV_TAP_FIN_SENT;
	if (c->flags & TCP_FIN_ACKED)
		ev |= MIG_EV_TAP_FIN_ACKED;
	return ev;
}

/**
 * tcp_mig_record() - Describe a frozen connection for the stream
 * @t:		TCP context
 * @idx:	Flow index, frozen
 * @r:		Record, set
 *
 * The host side's own address and port are the socket's, as the kernel
 * chose them: the target binds its socket there.
 *
 * Return: 0 on success, -errno on failure
 */
int tcp_mig_record(const struct tcp_ctx *t, uint32_t idx,
		   struct migrate_tcp *r)
{
	const struct flow_entry *e = flow_get(t->flows, (int)idx);
	const struct tcp_conn *c = &t->conn[idx];
	union sockaddr_inany sa = { 0 };
	socklen_t sl = sizeof(sa);
	bool ws = c->flags & TCP_WS_OK;
	int i;

	memset(r, 0, sizeof(*r));
	if (!e || c->state != TCP_ST_FROZEN)
		return -EINVAL;
	for (i = 0; i < 2; i++) {
		r->pif[i] = tcp_mig_pif(e->side[i].pif);
		tcp_mig_side_put(&e->side[i], &r->side[i]);
		if (e->side[i].pif != FLOW_IF_HOST)
			continue;
		if (getsockname(c->sock, &sa.sa, &sl) ||
		    inany_from_sockaddr((union inany_addr *)&r->side[i].oaddr,
					&r->side[i].oport, &sa))
			return -EIO;
	}
	r->retries = c->retries;
	r->ws_from_tap = ws ? c->ws_guest : 0;
	r->ws_to_tap = ws ? c->ws_ours : 0;
	r->events = tcp_mig_events(c);
	r->tap_mss = c->mss;
	r->sndbuf = c->sndbuf >> 8;
	r->flags = (c->flags & TCP_ACK_PENDING) ? MIG_FL_ACK_TO_TAP_DUE : 0;
	r->seq_dup_ack_approx = (uint8_t)c->rcv_nxt;
	r->wnd_from_tap = (uint16_t)MIN(c->wnd_guest >> r->ws_from_tap,
					UINT16_MAX);
	r->wnd_to_tap = (uint16_t)MIN(c->wnd_adv >> r->ws_to_tap, UINT16_MAX);
	r->seq_to_tap = c->snd_nxt;
	r->seq_ack_from_tap = c->snd_una;
	r->seq_from_tap = c->rcv_nxt;
	r->seq_ack_to_tap = c->rcv_nxt;
	r->seq_init_from_tap = 0;
	return 0;
}

/**
 * tcp_mig_side_get() - A side of the stream, as our flow has it
 * @m:		Side in the record
 * @pif:	MIGRATE_PIF_*
 * @s:		Side in the flow table, set
 */
static void tcp_mig_side_get(const struct migrate_tcp_side *m, uint8_t pif,
			     struct flow_side *s)
{
	union inany_addr peer, ours;

	peer.a6 = m->eaddr;
	ours.a6 = m->oaddr;
	flow_side_set(s, pif == MIGRATE_PIF_TAP ? FLOW_IF_TAP : FLOW_IF_HOST,
		      &peer, m->eport, &ours, m->oport);
}

/**
 * tcp_mig_conn_set() - Our connection state from a record
 * @t:		TCP context
 * @c:		Connection, zeroed, its socket set
 * @r:		Record, checked (migrate_tcp_get())
 * @k:		Flow key
 */
static void tcp_mig_conn_set(struct tcp_ctx *t, struct tcp_conn *c,
			     const struct migrate_tcp *r,
			     const struct flow_key *k)
{
	c->state = TCP_ST_FROZEN;
	c->sndbuf = tcp_sock_setup(t, c->sock);
	c->rto = TCP_RTO_INIT_MS;
	c->last_act = clock_ms();
	memcpy(c->hdr.src_mac, t->l2->our_mac, ETH_ADDR_LEN);
	c->hdr.src = k->raddr;
	c->hdr.dst = k->gaddr;
	c->hdr.sport = k->rport;
	c->hdr.dport = k->gport;
	c->mss = (uint16_t)r->tap_mss;
	if (r->ws_from_tap || r->ws_to_tap)
		c->flags |= TCP_WS_OK;
	c->ws_guest = r->ws_from_tap;
	c->ws_ours = r->ws_to_tap;
	c->retries = r->retries;
	c->snd_una = r->seq_ack_from_tap;
	c->snd_nxt = r->seq_to_tap;
	c->snd_max = c->snd_nxt;
	c->rcv_nxt = r->seq_from_tap;
	c->wnd_guest = (uint32_t)r->wnd_from_tap << r->ws_from_tap;
	c->wnd_adv = (uint32_t)r->wnd_to_tap << r->ws_to_tap;
	if (r->events & MIG_EV_TAP_FIN_RCVD)
		c->flags |= TCP_GUEST_FIN;
	if (r->events & MIG_EV_TAP_FIN_SENT)
		c->flags |= TCP_FIN_SENT | TCP_SOCK_EOF;
	if (r->events & MIG_EV_TAP_FIN_ACKED)
		c->flags |= TCP_FIN_ACKED;
}

/**
 * tcp_mig_socket() - A socket for a connection coming from the source
 * @v4:		IPv4, else IPv6
 *
 * Frozen from the start: nothing its peer sends is taken before the queues
 * are in place.
 *
 * Return: socket, or -errno
 */
static int tcp_mig_socket(bool v4)
{
	int s, one = 1;

	s = socket(v4 ? AF_INET : AF_INET6,
		   SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (s < 0)
		return -errno;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	tcp_repair_freeze(s);	/* where allowed; passt-repair does anyway */
	return s;
}

/**
 * tcp_mig_new() - A connection from the source's record, not connected yet
 * @t:		TCP context
 * @r:		Record, checked (migrate_tcp_get())
 *
 * Return: flow index (its socket, frozen, goes to the repair helper), or
 *	   -errno (-EEXIST: the guest has such a connection here already)
 */
int tcp_mig_new(struct tcp_ctx *t, const struct migrate_tcp *r)
{
	int tap = r->pif[0] == MIGRATE_PIF_TAP ? 0 : 1;
	const struct migrate_tcp_side *ts = &r->side[tap];
	struct flow_key k = { .proto = IPPROTO_TCP };
	struct flow_side side[2];
	struct tcp_conn *c;
	int idx, sock;

	k.gaddr.a6 = ts->eaddr;
	k.raddr.a6 = ts->oaddr;
	k.gport = ts->eport;
	k.rport = ts->oport;
	sock = tcp_mig_socket(IN6_IS_ADDR_V4MAPPED(&r->side[!tap].eaddr));
	if (sock < 0)
		return sock;
	if ((idx = flow_alloc(t->flows, FLOW_TCP, &k)) < 0) {
		close(sock);
		return idx;
	}
	c = &t->conn[idx];
	memset(c, 0, sizeof(*c));
	c->sock = sock;
	tcp_mig_conn_set(t, c, r, &k);
	tcp_mig_side_get(&r->side[0], r->pif[0], &side[0]);
	tcp_mig_side_get(&r->side[1], r->pif[1], &side[1]);
	flow_activate(t->flows, idx, &side[0], &side[1]);
	t->nconn++;
	return idx;
}

/**
 * tcp_mig_connect() - Connect the socket of a connection from the source,
 *		       in repair mode, as the original was
 * @t:		TCP context
 * @idx:	Flow index, from tcp_mig_new(), its socket in repair mode
 * @st:		The original's socket state
 * @wait_ms:	How long the original's address may take to become free
 *
 * Return: 0 on success, -errno on failure
 */
int tcp_mig_connect(struct tcp_ctx *t, uint32_t idx,
		    const struct tcp_repair_state *st, int wait_ms)
{
	const struct flow_entry *e = flow_get(t->flows, (int)idx);
	union sockaddr_inany local, peer;
	const struct flow_side *h;
	socklen_t sl;

	if (!e || t->conn[idx].state != TCP_ST_FROZEN)
		return -EINVAL;
	h = &e->side[e->side[0].pif == FLOW_IF_HOST ? 0 : 1];
	inany_to_sockaddr(&local, &h->ours, h->our_port, 0);
	sl = inany_to_sockaddr(&peer, &h->peer, h->peer_port, 0);
	return tcp_repair_connect(t->conn[idx].sock, st, &local, &peer, sl,
				  wait_ms);
}

/**
 * tcp_mig_resume() - A rebuilt connection goes on, repair mode off
 * @t:		TCP context
 * @idx:	Flow index, its socket's queues and windows in place
 * @st:		The original's socket state
 * @tail:	The bytes it hadn't sent, @st->notsent of them
 *
 * The receive queue begins with the first byte the guest didn't
 * acknowledge: the next peek starts after those it had been sent.
 *
 * Return: 0 on success, -errno on failure (the caller drops it)
 */
int tcp_mig_resume(struct tcp_ctx *t, uint32_t idx,
		   const struct tcp_repair_state *st, const uint8_t *tail)
{
	struct tcp_conn *c = &t->conn[idx];
	uint32_t sent = tcp_mig_in_flight(c);
	int ret;

	if (sent > st->rcvq) {
		log_warn("Migration: a connection had %u bytes in flight to "
			 "the guest, its socket only %u: reset",
			 sent, st->rcvq);
		return -EINVAL;
	}
	tcp_repair_thaw(c->sock);
	if ((ret = tcp_repair_resume(c->sock, st, tail)) ||
	    (ret = tcp_epoll_add(t, (int)idx, c->sock)))
		return ret;
	if (st->state == TCP_RS_CLOSE_WAIT || st->state == TCP_RS_LAST_ACK ||
	    st->state == TCP_RS_CLOSING)
		c->flags |= TCP_SOCK_RDHUP;
	tcp_peek_off_set(t, c, (int)sent);
	c->state = TCP_ST_ESTABLISHED;
	tcp_verdict_apply(t, (int)idx, tcp_mig_kick(t, idx));
	return 0;
}

/**
 * tcp_mig_drop() - Forget a connection that can't go on, or went away: one
 *		    from the source that can't be rebuilt, or one of ours
 *		    that moved (its socket still in repair mode: closing it
 *		    sends the peer nothing)
 * @t:		TCP context
 * @idx:	Flow index
 * @guest:	Reset it towards the guest (it runs here), else forget it
 *		silently (the guest runs elsewhere, or stays on the source)
 */
void tcp_mig_drop(struct tcp_ctx *t, uint32_t idx, bool guest)
{
	struct tcp_conn *c = &t->conn[idx];

	if (c->state == TCP_ST_FREE)
		return;
	tcp_verdict_apply(t, (int)idx, guest ? TCP_V_RESET : TCP_V_RESET_HOST);
}
