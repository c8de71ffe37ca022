// SPDX-License-Identifier: GPL-2.0-or-later
/* tcp_conn.c - TCP translation, top layer: connection life cycle, timers
 *
 * Theory of operation: each connection of the guest is mirrored by one host
 * socket, and we terminate neither: sequence numbers towards the guest are
 * ours, but every byte we acknowledge to the guest has been written to the
 * host socket, and every byte we send to the guest stays in the host
 * socket's receive queue until the guest acknowledges it (tcp_data.c).
 *
 * Layers (doc/tcp.md): this file and tcp_tap.c are the top of the engine.
 * They hold its entry points (socket events and the timer here, guest
 * frames and the end of their batch in tcp_tap.c) and they alone create
 * and free connections. The data functions below (tcp_data.c) return a
 * verdict (enum tcp_verdict) instead of ending a connection themselves,
 * and each entry point hands it to tcp_verdict_apply() once, after its last
 * use of the connection; the socket and timer helpers (tcp_sock.c) are at
 * the bottom.
 *
 * Life cycle of a connection (enum tcp_state), by flow index:
 *
 *   outbound: guest SYN -> flow allocated, non-blocking connect()
 *             -> TCP_ST_CONNECTING -> socket writable: SYN-ACK to the guest
 *             -> TCP_ST_SYNACK_SENT -> guest ACK -> TCP_ST_ESTABLISHED
 *   inbound:  listener accepts -> flow allocated, SYN to the guest
 *             -> TCP_ST_SYN_SENT -> guest SYN-ACK, our ACK -> TCP_ST_ESTABLISHED
 *   closing:  the guest's FIN shuts the socket down for writing
 *             (TCP_GUEST_FIN); end-of-file on the socket becomes our FIN
 *             once all data before it is sent (TCP_SOCK_EOF, TCP_FIN_SENT);
 *             when the guest has acknowledged our FIN and sent its own, the
 *             socket is closed and the flow freed (TCP_V_CLOSE)
 *   aborts:   RST from the guest closes the socket with SO_LINGER 0, so the
 *             peer gets an RST (TCP_V_RESET_HOST); an error or reset on the
 *             socket, or a timeout, also sends an RST to the guest
 *             (TCP_V_RESET); both free the flow at once
 *
 * Timers: one timerfd ticks every TCP_TICK_MS while any connection exists;
 * each tick looks at the deadlines of the connections: handshake timeouts,
 * retransmission of unacknowledged data (exponential back-off from
 * TCP_RTO_INIT_MS, reset after TCP_MAX_RETRIES), and idle timeouts of
 * half-closed connections.
 */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "os/epref.h"
#include "transport/listen.h"
#include "transport/tcp.h"
#include "transport/tcp_conn.h"
#include "transport/tcp_data.h"
#include "transport/tcp_sock.h"
#include "transport/tcp_splice.h"

/**
 * tcp_init() - Set up the TCP engine
 * @t:		Context to initialise
 * @flows:	Flow table
 * @sink:	Frames to the guest
 * @l2:		Guest's addresses and MACs
 * @l2s:	What the link learnt of the guest
 * @epfd:	epoll descriptor
 * @mtu:	MTU of the guest link
 * @nat:	Address translations
 *
 * Return: 0 on success, -errno on failure
 */
int tcp_init(struct tcp_ctx *t, struct flow_table *flows,
	     struct frame_sink *sink, const struct l2_conf *l2,
	     const struct l2_state *l2s, int epfd, uint16_t mtu,
	     const struct nat *nat)
{
	int s;

	memset(t, 0, sizeof(*t));
	for (s = 0; s < FLOW_MAX; s++)
		t->conn[s].sock = -1;
	t->flows = flows;
	t->sink = sink;
	t->l2 = l2;
	t->l2s = l2s;
	t->epfd = epfd;
	t->mtu = mtu ? mtu : 65520;
	t->nat = nat;
	return tcp_sock_init(t);
}

/**
 * tcp_conn_release() - Forget a connection's state, give its flow back
 * @t:		TCP context
 * @idx:	Flow index, its socket closed or never registered
 *
 * The one place a TCP flow is freed.
 */
static void tcp_conn_release(struct tcp_ctx *t, int idx)
{
	struct tcp_conn *c = &t->conn[idx];

	memset(c, 0, sizeof(*c));
	c->sock = -1;
	flow_free(t->flows, idx);
}

/**
 * tcp_conn_free() - Close the socket and release the flow
 * @t:		TCP context
 * @idx:	Flow index
 * @rst:	Close with SO_LINGER 0, so that the peer gets an RST
 */
static void tcp_conn_free(struct tcp_ctx *t, int idx, bool rst)
{
	struct tcp_conn *c = &t->conn[idx];

	tcp_batch_forget(t, idx);
	/* A clean close with bytes the guest acknowledged still queued would
	 * be an abortive one: the kernel sends RST for unread data
	 */
	if (!rst && c->sock >= 0 && (c->flags & TCP_DISCARD_PENDING))
		tcp_discard_flush(t, c);
	tcp_sock_close(t, c, rst);
	tcp_conn_release(t, idx);
	t->nconn--;
}

/**
 * tcp_verdict_apply() - Act on the verdict of a data step: the one place
 *			 where an open connection ends
 * @t:		TCP context
 * @idx:	Flow index
 * @v:		Verdict
 *
 * The caller doesn't touch the connection afterwards: its flow index may
 * be free, or soon another connection's.
 */
void tcp_verdict_apply(struct tcp_ctx *t, int idx, enum tcp_verdict v)
{
	struct tcp_conn *c = &t->conn[idx];

	if (v == TCP_V_OK)
		return;
	if (v == TCP_V_RESET) {
		/* Still connecting: the guest's SYN was never answered, the
		 * RST only acknowledges it
		 */
		tcp_send_flags(t, c, TCP_F_RST | TCP_F_ACK, NULL,
			       c->state == TCP_ST_CONNECTING ? 0 : c->snd_nxt);
	}
	tcp_conn_free(t, idx, v != TCP_V_CLOSE);
}

/**
 * tcp_reset() - Reset a connection from outside the engine: RST to the
 *		 guest, the socket closed with SO_LINGER 0
 * @t:		TCP context
 * @idx:	Flow index, a FLOW_TCP flow (others are left alone)
 *
 * For the host losing the connection's address (loop/follow_flows.c): the
 * guest learns at once, as from a reset by the peer.
 */
void tcp_reset(struct tcp_ctx *t, int idx)
{
	if (flow_type(t->flows, idx) != FLOW_TCP)
		return;
	tcp_verdict_apply(t, idx, TCP_V_RESET);
}

/**
 * tcp_conn_new() - Allocate a flow and initialise its connection
 * @t:		TCP context
 * @k:		Flow key
 * @sock:	Host socket
 * @ini:	Side that opened the connection (flow.h)
 * @tgt:	Side we opened for it
 *
 * Return: flow index, or -errno (the caller closes @sock)
 */
static int tcp_conn_new(struct tcp_ctx *t, const struct flow_key *k, int sock,
			const struct flow_side *ini,
			const struct flow_side *tgt)
{
	struct tcp_conn *c;
	int idx, ret;

	idx = flow_alloc(t->flows, FLOW_TCP, k);
	if (idx < 0) {
		if (idx == -ENOSPC)
			log_rl(&t->rl_full, LOG_LVL_ERR,
			       "Flow table full: refusing TCP connection");
		return idx;
	}
	c = &t->conn[idx];
	memset(c, 0, sizeof(*c));
	c->sock = sock;
	c->sndbuf = tcp_sock_setup(t, sock);
	c->rto = TCP_RTO_INIT_MS;
	c->ws_ours = TCP_WS_OURS;
	c->last_act = clock_ms();
	c->snd_una = c->snd_nxt = tcp_isn(t);
	c->snd_max = c->snd_una + 1;	/* data starts after our SYN */
	memcpy(c->hdr.src_mac, t->l2->our_mac, 6);
	c->hdr.src = k->raddr;
	c->hdr.dst = k->gaddr;
	c->hdr.sport = k->rport;
	c->hdr.dport = k->gport;

	ret = tcp_epoll_add(t, idx, sock);
	if (ret) {
		tcp_conn_release(t, idx);
		return ret;
	}
	flow_activate(t->flows, idx, ini, tgt);
	t->nconn++;
	tcp_timer_arm(t);
	return idx;
}

/**
 * tcp_conn_from_guest() - Open a connection for a SYN from the guest
 * @t:		TCP context
 * @k:		Flow key of the SYN
 * @s:		The SYN
 *
 * Return: flow index, or -errno (the caller answers with an RST)
 */
int tcp_conn_from_guest(struct tcp_ctx *t, const struct flow_key *k,
			const struct tcp_seg *s)
{
	struct flow_side tap, host;
	union inany_addr dst;
	struct tcp_conn *c;
	int sock, idx;
	uint16_t port;

	nat_outbound(t->nat, &k->raddr, k->rport, &dst, &port);
	sock = tcp_sock_connect(t, &dst, port);
	if (sock < 0)
		return sock;

	flow_side_tap(&tap, k);
	flow_side_set(&host, FLOW_IF_HOST, &dst, port, NULL, 0);
	if ((idx = tcp_conn_new(t, k, sock, &tap, &host)) < 0) {
		close(sock);
		return idx;
	}
	c = &t->conn[idx];
	c->state = TCP_ST_CONNECTING;
	c->rcv_nxt = s->seq + 1;
	c->mss = s->mss ? s->mss : TCP_MSS_GUEST_DEFAULT;
	if (s->wscale >= 0) {
		c->flags |= TCP_WS_OK;
		c->ws_guest = (uint8_t)s->wscale;
	}
	c->wnd_guest = s->wnd;
	c->deadline = clock_ms() + TCP_CONNECT_MS;
	tcp_epoll_set(t, idx, EPOLLOUT);
	return idx;
}

/**
 * tcp_send_syn() - Send our SYN (inbound) or SYN-ACK (outbound) to the guest
 * @t:		TCP context
 * @c:		Connection, snd_una is our initial sequence number
 * @ack:	Send a SYN-ACK rather than a SYN
 */
static void tcp_send_syn(struct tcp_ctx *t, struct tcp_conn *c, bool ack)
{
	struct tcp_frame_opts o = {
		.mss = tcp_mss_ours(t, inany_is_v4(&c->hdr.dst)),
		.wscale = (!ack || (c->flags & TCP_WS_OK)) ? TCP_WS_OURS : -1,
	};

	tcp_send_flags(t, c, TCP_F_SYN | (ack ? TCP_F_ACK : 0), &o,
		       c->snd_una);
	c->snd_nxt = c->snd_una + 1;
}

/**
 * tcp_connect_done() - Outbound connect() finished: answer the guest's SYN
 * @t:		TCP context
 * @idx:	Flow index
 *
 * Return: TCP_V_RESET if the connection failed, TCP_V_OK otherwise
 */
static enum tcp_verdict tcp_connect_done(struct tcp_ctx *t, int idx)
{
	struct tcp_conn *c = &t->conn[idx];
	int err = 0;
	socklen_t sl = sizeof(err);

	if (getsockopt(c->sock, SOL_SOCKET, SO_ERROR, &err, &sl) || err) {
		log_debug("TCP: connect failed: %s", strerror(err));
		return TCP_V_RESET;
	}
	c->state = TCP_ST_SYNACK_SENT;
	tcp_send_syn(t, c, true);
	c->deadline = clock_ms() + c->rto;
	tcp_epoll_set(t, idx, 0);
	return TCP_V_OK;
}

/**
 * tcp_guest_sending() - Tell whether the guest may still send on a
 *			 connection
 * @t:		TCP context
 *
 * Once the guest's FIN was taken, everything it sent before is in the
 * socket (tcp_guest_data() writes it all first), and the host's kernel
 * delivers it whatever becomes of us.
 *
 * Return: true if a connection is open and the guest's FIN didn't come yet
 */
bool tcp_guest_sending(const struct tcp_ctx *t)
{
	unsigned int i;

	if (!t->nconn)
		return false;
	for (i = 0; i < FLOW_MAX; i++) {
		if (t->conn[i].state != TCP_ST_FREE &&
		    t->conn[i].state != TCP_ST_FROZEN &&
		    !(t->conn[i].flags & TCP_GUEST_FIN))
			return true;
	}
	return false;
}

/**
 * tcp_listen() - Open listening sockets for the inbound forwarding rules
 * @t:		TCP context
 * @fwd:	Rules (TCP ones are used)
 * @freebind:	Set IP_FREEBIND on listeners
 * @gap:	Per rule of @fwd: ports served by one family only (counted),
 *		NULL if not wanted
 * @rec:	Told of every port opened, NULL for nobody
 *
 * "auto" rules are left to the port scanner (fwd_auto.c), which opens their
 * ports with tcp_listen_port().
 *
 * Return: 0, or -errno if a rule could not be bound as compat.md 5.1 wants
 *	   (logged: listen_table())
 */
int tcp_listen(struct tcp_ctx *t, const struct fwd_table *fwd, bool freebind,
	       struct listen_gap *gap, const struct listen_rec *rec)
{
	struct listen_req q;

	t->fwd = fwd;
	listen_req_init(&q, t->epfd, IPPROTO_TCP, LISTEN_HOST, -1, freebind);
	q.rec = rec;
	return listen_table(&q, fwd, gap);
}

/**
 * tcp_listen_port() - Open and register the listeners of one port of a rule
 * @t:		TCP context, with its rules set by tcp_listen()
 * @rule:	Index of the rule in the table
 * @port:	Listening port, within the rule
 * @freebind:	Set IP_FREEBIND
 * @ls:		Set to the listeners (one, or one per family: listen.h)
 *
 * Return: 0, or -errno if nothing could be opened (nothing logged)
 */
int tcp_listen_port(struct tcp_ctx *t, int rule, uint16_t port, bool freebind,
		    struct listen_socks *ls)
{
	struct listen_req q;

	listen_req_init(&q, t->epfd, IPPROTO_TCP, LISTEN_HOST, -1, freebind);
	return listen_port(&q, t->fwd, (unsigned int)rule, port, ls);
}

/**
 * tcp_unlisten_port() - Close a listener opened by tcp_listen_port()
 * @t:		TCP context
 * @fd:		Listening socket
 *
 * Connections already accepted are not affected; those still in the
 * backlog are reset by the kernel.
 */
void tcp_unlisten_port(struct tcp_ctx *t, int fd)
{
	listen_close(t->epfd, fd);
}

/**
 * tcp_listen_handler() - Accept a connection to a forwarded port
 * @t:		TCP context
 * @ref_idx:	Rule index and listening port, epref_listen()
 * @fd:		Listening socket
 */
void tcp_listen_handler(struct tcp_ctx *t, uint32_t ref_idx, int fd)
{
	const struct fwd_rule *rule =
		&t->fwd->rules[epref_listen_rule(ref_idx)];
	uint16_t port = epref_listen_port(ref_idx);
	struct flow_key k = { .proto = IPPROTO_TCP };
	union sockaddr_inany sa = { 0 };
	struct flow_side host, tap;
	socklen_t sl = sizeof(sa);
	struct linger l = { 1, 0 };
	int s, idx, one = 1;
	bool v4;

	s = accept4(fd, &sa.sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (s < 0)
		return;
	if (inany_from_sockaddr(&k.raddr, &k.rport, &sa))
		goto refuse;
	flow_side_set(&host, FLOW_IF_HOST, &k.raddr, k.rport, &rule->addr,
		      port);
	/* pasta: loopback peers are spliced, not translated (tcp_splice.c) */
	if (t->splice &&
	    tcp_splice_from_host(t->splice, rule, port, s, &k.raddr, k.rport))
		return;
	if (listen_peer_key(t->nat, t->l2, t->l2s, rule, port, &k))
		goto refuse;
	v4 = inany_is_v4(&k.raddr);

	setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	flow_side_tap(&tap, &k);
	if ((idx = tcp_conn_new(t, &k, s, &host, &tap)) < 0)
		goto refuse;
	t->conn[idx].state = TCP_ST_SYN_SENT;
	t->conn[idx].mss = tcp_mss_ours(t, v4);
	t->conn[idx].deadline = clock_ms() + t->conn[idx].rto;
	tcp_send_syn(t, &t->conn[idx], false);
	return;
refuse:
	setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(s);
}

/**
 * tcp_sock_handler() - Events on a connection's socket
 * @t:		TCP context
 * @idx:	Flow index
 * @events:	epoll events
 */
void tcp_sock_handler(struct tcp_ctx *t, uint32_t idx, uint32_t events)
{
	struct tcp_conn *c = &t->conn[idx];
	enum tcp_verdict v = TCP_V_OK;

	/* an event of this round for a connection closed earlier in it, or
	 * frozen for a migration
	 */
	if (c->state == TCP_ST_FREE || c->state == TCP_ST_FROZEN)
		return;
	if (c->state == TCP_ST_CONNECTING) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
			v = tcp_connect_done(t, (int)idx);
		tcp_verdict_apply(t, (int)idx, v);
		return;
	}
	if (events & EPOLLERR) {
		tcp_verdict_apply(t, (int)idx, TCP_V_RESET);
		return;
	}
	c->last_act = clock_ms();
	if (events & EPOLLOUT)
		tcp_wnd_update(t, (int)idx);
	if (events & (EPOLLRDHUP | EPOLLHUP))
		c->flags |= TCP_SOCK_RDHUP;
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP))
		v = tcp_data_to_guest(t, (int)idx);
	tcp_verdict_apply(t, (int)idx, v);
}

/**
 * tcp_timer_conn() - Deadline of one connection expired
 * @t:		TCP context
 * @idx:	Flow index
 * @now:	Current time, ms
 *
 * Return: what becomes of the connection
 */
static enum tcp_verdict tcp_timer_conn(struct tcp_ctx *t, int idx,
				       uint64_t now)
{
	struct tcp_conn *c = &t->conn[idx];

	c->deadline = 0;
	if (c->flags & TCP_WND_CHECK) {
		c->flags &= (uint16_t)~TCP_WND_CHECK;
		if (tcp_wnd_to_guest(t, c) > c->wnd_adv)
			tcp_wnd_update(t, idx);
		else
			c->flags |= TCP_WND_CHECK;
		if (c->flags & TCP_WND_CHECK)
			c->deadline = now + 1;
		if (c->snd_una == c->snd_nxt)
			return TCP_V_OK;
	}
	switch (c->state) {
	case TCP_ST_CONNECTING:
		return TCP_V_RESET;
	case TCP_ST_SYNACK_SENT:
	case TCP_ST_SYN_SENT:
		/* inbound: the guest never saw a connection to reset */
		if (++c->retries > TCP_MAX_RETRIES / 2 ||
		    now - c->last_act > TCP_HANDSHAKE_MS)
			return c->state == TCP_ST_SYNACK_SENT ?
				       TCP_V_RESET : TCP_V_RESET_HOST;
		tcp_send_syn(t, c, c->state == TCP_ST_SYNACK_SENT);
		c->rto = MIN(c->rto * 2, TCP_RTO_MAX_MS);
		c->deadline = now + c->rto;
		return TCP_V_OK;
	default:
		break;
	}

	if (c->snd_una != c->snd_nxt) {
		if (++c->retries > TCP_MAX_RETRIES) {
			log_debug("TCP: no progress after %u retransmissions",
				  TCP_MAX_RETRIES);
			return TCP_V_RESET;
		}
		c->rto = MIN(c->rto * 2, TCP_RTO_MAX_MS);
		return tcp_retransmit(t, idx);
	}
	if ((c->flags & (TCP_GUEST_FIN | TCP_FIN_SENT)) &&
	    now - c->last_act > TCP_FIN_IDLE_MS)
		return TCP_V_RESET;
	if (c->flags & (TCP_GUEST_FIN | TCP_FIN_SENT))
		c->deadline = c->last_act + TCP_FIN_IDLE_MS;
	return TCP_V_OK;
}

/**
 * tcp_timer_handler() - Tick: look at every connection's deadline
 * @t:		TCP context
 */
void tcp_timer_handler(struct tcp_ctx *t)
{
	uint64_t now = clock_ms();
	int idx;

	if (!tcp_timer_expired(t))
		return;

	for (idx = 0; idx < FLOW_MAX; idx++) {
		struct tcp_conn *c = &t->conn[idx];
		bool half = c->flags & (TCP_GUEST_FIN | TCP_FIN_SENT);

		if (c->state == TCP_ST_FREE || c->state == TCP_ST_FROZEN)
			continue;
		/* A half-closed connection with nothing in flight has no
		 * deadline (the last ACK cleared it), but an idle timeout
		 */
		if (c->deadline ? c->deadline <= now :
				  half && now - c->last_act > TCP_FIN_IDLE_MS)
			tcp_verdict_apply(t, idx, tcp_timer_conn(t, idx, now));
	}
	tcp_timer_idle(t);
}

/**
 * tcp_state_str() - Name of a connection's state, for the flow view
 * @t:		TCP context
 * @idx:	Flow index
 *
 * Names after RFC 9293 where they fit, for our side of the connection to
 * the guest: "CONNECTING" (our connect() for the guest's SYN in progress),
 * "SYN_RCVD" (SYN-ACK sent), "SYN_SENT", "ESTABLISHED", then by the FINs
 * seen: "FIN_WAIT" (the guest closed its side), "CLOSE_WAIT" (the host's
 * peer closed its side), "CLOSING" (both did); "FROZEN" while migrating.
 *
 * Return: constant string, NULL for a free entry
 */
const char *tcp_state_str(const struct tcp_ctx *t, int idx)
{
	const struct tcp_conn *c;

	if (idx < 0 || idx >= FLOW_MAX)
		return NULL;
	c = &t->conn[idx];
	switch (c->state) {
	case TCP_ST_CONNECTING:
		return "CONNECTING";
	case TCP_ST_SYNACK_SENT:
		return "SYN_RCVD";
	case TCP_ST_SYN_SENT:
		return "SYN_SENT";
	case TCP_ST_ESTABLISHED:
		if ((c->flags & TCP_GUEST_FIN) && (c->flags & TCP_SOCK_EOF))
			return "CLOSING";
		if (c->flags & TCP_GUEST_FIN)
			return "FIN_WAIT";
		if (c->flags & TCP_SOCK_EOF)
			return "CLOSE_WAIT";
		return "ESTABLISHED";
	case TCP_ST_FROZEN:
		return "FROZEN";
	default:
		return NULL;
	}
}
