// SPDX-License-Identifier: GPL-2.0-or-later
/* tcp_splice.c - pasta: TCP between loopback sockets with splice(2)
 *
 * Theory of operation: a spliced connection is two sockets of the kernel's
 * own TCP, one on each side of the namespace boundary, and two pipes. Side
 * 0 is the socket accepted on a listener (host side for -t, namespace side
 * for -T), side 1 the socket we connect to the target (splice.c says
 * which). Data read from side d goes with splice(2) into pipe d and from
 * there into side !d: the pages move between socket buffers and the pipe,
 * never through user space, and no layer-2 or layer-3 work is done.
 *
 * A connection is a flow of the table every transport shares (flow.c),
 * of type FLOW_TCP_SPLICE, allocated and released like the others
 * (released indices become free at the end of the round of events); it
 * has no key, as nothing looks it up, and its state here is kept by flow
 * index. Both sockets are in the epoll set, level-triggered, under
 * EPOLL_TYPE_TCP_SPLICE with reference (flow index << 1 | side). A side is
 * watched for EPOLLIN while it has not sent end-of-file and the pipe it
 * fills can drain, and for EPOLLOUT while data for it waits in a pipe
 * (the write would have blocked): nothing is ever dropped, a full pipe
 * simply stops reading from the socket that feeds it, and TCP flow control
 * does the rest.
 *
 *   accept -> connect() side 1 (non-blocking) -> TCP_SPLICE_CONNECTING
 *          -> side 1 writable -> TCP_SPLICE_ACTIVE
 *   end-of-file on side d -> once pipe d is empty, shutdown(SHUT_WR) of
 *          side !d (its peer gets our FIN); when both directions are
 *          done, both sockets are closed
 *   connect failure, an error on either socket, or a hang-up of a side we
 *          didn't shut down -> both sockets closed with SO_LINGER {1, 0}:
 *          both peers get an RST, as a direct connection would have
 *
 * Pipes are asked for TCP_SPLICE_PIPE_SIZE (the default size is kept if
 * the limits of the user refuse it); pipes of connections that closed
 * cleanly, hence empty, are kept for reuse, up to TCP_SPLICE_PIPE_POOL.
 *
 * Both sockets get TCP_NOTSENT_LOWAT TCP_SPLICE_NOTSENT: a socket stops
 * taking data (and reports EPOLLOUT again) by what it has not sent yet,
 * not by its whole send buffer. Without it, a reader slower than us lets
 * our send queue fill to the autotuned buffer (4 MiB); from then on each
 * of the reader's window updates sends our queued data from the reader's
 * own system call, so the reader does the TCP work of both ends and
 * becomes the bottleneck. With it, what can't be sent at once waits in
 * the pipe and each splice() into the socket transmits in our context.
 * On a 2-CPU machine this took host loopback -> namespace from 0.64 to
 * 0.76 of plain loopback's throughput (with the 512 KiB pipe; a 1 MiB
 * pipe, which reads more from the sender in one go, gained less).
 *
 * Syscalls: accept4, socket, connect, splice, shutdown, setsockopt,
 * getsockopt, close, pipe2, fcntl, epoll_ctl (and clone via splice.c).
 */

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "os/epref.h"
#include "transport/listen.h"
#include "transport/tcp_splice.h"

#define TCP_SPLICE_ROUNDS  16	      /* read/write rounds per event and way */
#define TCP_SPLICE_EV_GONE UINT32_MAX /* side left the epoll set */

/**
 * tcp_splice_events() - Events to wait for on one side of a connection
 * @c:		Connection
 * @side:	0 or 1
 *
 * Return: EPOLLIN and EPOLLOUT bits (errors and hang-ups always come)
 */
uint32_t tcp_splice_events(const struct tcp_splice_conn *c, int side)
{
	uint32_t ev = 0;

	if (c->state == TCP_SPLICE_CONNECTING)
		return side ? EPOLLOUT : 0;
	if (c->state != TCP_SPLICE_ACTIVE)
		return 0;
	if (!(c->flags & TCP_SPLICE_EOF(side)) &&
	    !(c->flags & TCP_SPLICE_BLOCK(!side)))
		ev |= EPOLLIN;
	if (c->flags & TCP_SPLICE_BLOCK(side))
		ev |= EPOLLOUT;
	return ev;
}

/**
 * tcp_splice_done() - Tell whether both directions ended cleanly
 * @c:		Connection
 *
 * Return: true once both sides sent end-of-file and both got ours
 */
bool tcp_splice_done(const struct tcp_splice_conn *c)
{
	const uint8_t all = TCP_SPLICE_EOF0 | TCP_SPLICE_EOF1 |
			    TCP_SPLICE_SHUT0 | TCP_SPLICE_SHUT1;

	return (c->flags & all) == all;
}

/**
 * tcp_splice_ns_sending() - Tell whether data from the namespace may still
 *			     be on its way to the host
 * @ts:		Context
 *
 * A direction is finished once its end-of-file was read and the pipe
 * drained into the other side, shut down for writing after it: what the
 * namespace sent is then in the host's kernel, which delivers it whatever
 * becomes of us.
 *
 * Return: true if a connection's direction from the namespace isn't
 *	   finished yet
 */
bool tcp_splice_ns_sending(const struct tcp_splice_ctx *ts)
{
	unsigned int i;

	if (!ts->nconn)
		return false;
	for (i = 0; i < FLOW_MAX; i++) {
		const struct tcp_splice_conn *c = &ts->conn[i];
		int from = (c->flags & TCP_SPLICE_NS0) ? 0 : 1;

		if (c->state != TCP_SPLICE_FREE &&
		    !(c->flags & TCP_SPLICE_SHUT(!from)))
			return true;
	}
	return false;
}

/**
 * tcp_splice_pipe_get() - A pipe for one direction, from the pool if any
 * @ts:		Context
 * @p:		Set to the read and write ends
 *
 * Return: 0, or -errno
 */
static int tcp_splice_pipe_get(struct tcp_splice_ctx *ts, int p[2])
{
	if (ts->npipes) {
		ts->npipes--;
		p[0] = ts->pipes[ts->npipes][0];
		p[1] = ts->pipes[ts->npipes][1];
		return 0;
	}
	if (pipe2(p, O_NONBLOCK | O_CLOEXEC))
		return -errno;
	/* fs.pipe-max-size, or the user's share of pipe pages
	 * (fs.pipe-user-pages-soft) may refuse: keep the default size then
	 */
	if (fcntl(p[0], F_SETPIPE_SZ, TCP_SPLICE_PIPE_SIZE) < 0)
		log_rl(&ts->rl, LOG_LVL_DEBUG, "TCP splice: pipe size: %s",
		       strerror(errno));
	return 0;
}

/**
 * tcp_splice_pipe_put() - Keep an empty pipe for reuse, or close it
 * @ts:		Context
 * @p:		Read and write ends, set to -1
 * @empty:	The pipe holds no data
 */
static void tcp_splice_pipe_put(struct tcp_splice_ctx *ts, int p[2], bool empty)
{
	if (p[0] < 0)
		return;
	if (empty && ts->npipes < TCP_SPLICE_PIPE_POOL) {
		ts->pipes[ts->npipes][0] = p[0];
		ts->pipes[ts->npipes][1] = p[1];
		ts->npipes++;
	} else {
		close(p[0]);
		close(p[1]);
	}
	p[0] = p[1] = -1;
}

/**
 * tcp_splice_init() - Set up the spliced connection table
 * @ts:		Context
 * @flows:	Flow table
 * @ns:		Sockets of the namespace (pools)
 * @cfg:	Splicing configuration (copied)
 * @epfd:	epoll descriptor
 * @fwd_in:	Inbound rules (-t)
 * @fwd_out:	Outbound rules (-T)
 *
 * Return: 0
 */
int tcp_splice_init(struct tcp_splice_ctx *ts, struct flow_table *flows,
		    struct splice_ns *ns, const struct splice_cfg *cfg,
		    int epfd, const struct fwd_table *fwd_in,
		    const struct fwd_table *fwd_out)
{
	int i;

	memset(ts, 0, sizeof(*ts));
	for (i = 0; i < FLOW_MAX; i++) {
		struct tcp_splice_conn *c = &ts->conn[i];

		c->s[0] = c->s[1] = -1;
		c->pipe[0][0] = c->pipe[0][1] = -1;
		c->pipe[1][0] = c->pipe[1][1] = -1;
	}
	ts->flows = flows;
	ts->epfd = epfd;
	ts->ns = ns;
	ts->cfg = *cfg;
	ts->fwd_in = fwd_in;
	ts->fwd_out = fwd_out;

	if (cfg->enabled) {
		ns->used[0][0] = cfg->v4;
		ns->used[0][1] = cfg->v6;
		splice_ns_refill(ns);
	}
	return 0;
}

/**
 * tcp_splice_free() - Close both sockets, release pipes and the flow
 * @ts:		Context
 * @idx:	Flow index
 * @rst:	Abort: the peers get an RST (SO_LINGER {1, 0})
 */
static void tcp_splice_free(struct tcp_splice_ctx *ts, int idx, bool rst)
{
	struct tcp_splice_conn *c = &ts->conn[idx];
	struct linger l = {1, 0};
	int side;

	for (side = 0; side < 2; side++) {
		if (c->s[side] < 0)
			continue;
		if (rst)
			setsockopt(c->s[side], SOL_SOCKET, SO_LINGER, &l,
				   sizeof(l));
		close(c->s[side]);
		c->s[side] = -1;
		tcp_splice_pipe_put(ts, c->pipe[side],
				    !rst && !c->pending[side]);
	}
	log_trace("TCP splice %d: %s", idx, rst ? "reset" : "closed");
	memset(c->pending, 0, sizeof(c->pending));
	memset(c->ev, 0, sizeof(c->ev));
	c->state = TCP_SPLICE_FREE;
	c->flags = 0;
	flow_free(ts->flows, idx);
	ts->nconn--;
}

/**
 * tcp_splice_update() - Register the events each side now waits for
 * @ts:		Context
 * @idx:	Flow index
 *
 * Return: 0, or -errno from epoll_ctl()
 */
static int tcp_splice_update(struct tcp_splice_ctx *ts, int idx)
{
	struct tcp_splice_conn *c = &ts->conn[idx];
	int side, ret;

	for (side = 0; side < 2; side++) {
		const uint8_t gone =
			TCP_SPLICE_EOF(side) | TCP_SPLICE_SHUT(side);
		uint32_t ev = tcp_splice_events(c, side);

		if (c->ev[side] == TCP_SPLICE_EV_GONE)
			continue;
		if ((c->flags & gone) == gone) {
			/* both ways shut: it would report EPOLLHUP forever */
			epoll_ctl(ts->epfd, EPOLL_CTL_DEL, c->s[side], NULL);
			c->ev[side] = TCP_SPLICE_EV_GONE;
			continue;
		}
		if (ev == c->ev[side])
			continue;
		ret = epref_ctl(ts->epfd, EPOLL_CTL_MOD, EPOLL_TYPE_TCP_SPLICE,
				(uint32_t)idx << 1 | (uint32_t)side, c->s[side],
				ev);
		if (ret)
			return ret;
		c->ev[side] = ev;
	}
	return 0;
}

/**
 * tcp_splice_sock_opts() - Socket options of both sides
 * @s:		Socket
 *
 * Best effort: without TCP_NOTSENT_LOWAT, data flows all the same.
 */
static void tcp_splice_sock_opts(int s)
{
	int v = TCP_SPLICE_NOTSENT;

	setsockopt(s, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &v, sizeof(v));
}

/**
 * tcp_splice_new() - Allocate a flow for two sockets, with pipes and events
 * @ts:		Context
 * @s0:		Accepted socket
 * @s1:		Socket we connect()ed, connection maybe in progress
 * @ini:	Side of @s0, the flow's initiating side
 * @tgt:	Side of @s1
 *
 * Return: flow index, or -errno (the caller closes the sockets)
 */
static int tcp_splice_new(struct tcp_splice_ctx *ts, int s0, int s1,
			  const struct flow_side *ini,
			  const struct flow_side *tgt)
{
	struct tcp_splice_conn *c;
	int idx, ret, side;

	if ((idx = flow_alloc(ts->flows, FLOW_TCP_SPLICE, NULL)) < 0)
		return idx;
	c = &ts->conn[idx];
	if ((ret = tcp_splice_pipe_get(ts, c->pipe[0]))) {
		flow_free(ts->flows, idx);
		return ret;
	}
	if ((ret = tcp_splice_pipe_get(ts, c->pipe[1]))) {
		tcp_splice_pipe_put(ts, c->pipe[0], true);
		flow_free(ts->flows, idx);
		return ret;
	}
	c->state = TCP_SPLICE_CONNECTING;
	c->flags = ini->pif == FLOW_IF_SPLICE ? TCP_SPLICE_NS0 : 0;
	for (side = 0; side < 2; side++) {
		c->ev[side] = tcp_splice_events(c, side);
		ret = epref_ctl(ts->epfd, EPOLL_CTL_ADD, EPOLL_TYPE_TCP_SPLICE,
				(uint32_t)idx << 1 | (uint32_t)side,
				side ? s1 : s0, c->ev[side]);
		if (ret) {
			if (side)
				epoll_ctl(ts->epfd, EPOLL_CTL_DEL, s0, NULL);
			tcp_splice_pipe_put(ts, c->pipe[0], true);
			tcp_splice_pipe_put(ts, c->pipe[1], true);
			c->state = TCP_SPLICE_FREE;
			flow_free(ts->flows, idx);
			return ret;
		}
	}
	c->s[0] = s0;
	c->s[1] = s1;
	tcp_splice_sock_opts(s0);
	tcp_splice_sock_opts(s1);
	flow_activate(ts->flows, idx, ini, tgt);
	ts->nconn++;
	return idx;
}

/**
 * tcp_splice_reject() - Close an accepted socket with an RST
 * @s:		Socket
 */
static void tcp_splice_reject(int s)
{
	struct linger l = {1, 0};

	setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(s);
}

/**
 * tcp_splice_connect() - Connect side 1 and start splicing an accepted
 *			  socket to it
 * @ts:		Context
 * @s0:		Accepted socket (closed with an RST on failure)
 * @s1:		Socket to connect (closed on failure)
 * @ini:	Side of @s0: FLOW_IF_SPLICE (-T) or FLOW_IF_HOST (-t)
 * @dst:	Target address
 * @port:	Target port
 *
 * Return: 0, or -errno
 */
static int tcp_splice_connect(struct tcp_splice_ctx *ts, int s0, int s1,
			      const struct flow_side *ini,
			      const union inany_addr *dst, uint16_t port)
{
	enum flow_if pif = ini->pif == FLOW_IF_SPLICE ? FLOW_IF_HOST
						       : FLOW_IF_SPLICE;
	union sockaddr_inany sa;
	socklen_t sl = inany_to_sockaddr(&sa, dst, port, 0);
	struct flow_side tgt;
	int idx, ret;

	if (connect(s1, &sa.sa, sl) && errno != EINPROGRESS) {
		ret = -errno;
		goto fail;
	}
	flow_side_set(&tgt, pif, dst, port, NULL, 0);
	if ((idx = tcp_splice_new(ts, s0, s1, ini, &tgt)) < 0) {
		ret = idx;
		goto fail;
	}
	log_trace("TCP splice %d: new, to port %u", idx, port);
	return 0;
fail:
	log_rl(&ts->rl, LOG_LVL_DEBUG, "TCP splice: connect to port %u: %s",
	       port, strerror(-ret));
	close(s1);
	tcp_splice_reject(s0);
	return ret;
}

/**
 * tcp_splice_from_host() - Splice a connection accepted on a -t listener,
 *			    if it is for the fast path
 * @ts:		Context
 * @r:		Rule of the listener
 * @port:	Listening port
 * @s:		Accepted socket
 * @peer:	Its peer's address
 * @peer_port:	Its peer's port
 *
 * Return: true if the socket was taken (spliced, or refused with an RST
 *	   under --splice-only), false if it goes through the tap as usual
 */
bool tcp_splice_from_host(struct tcp_splice_ctx *ts, const struct fwd_rule *r,
			  uint16_t port, int s, const union inany_addr *peer,
			  uint16_t peer_port)
{
	struct flow_side ini;
	union inany_addr dst;
	int s1;

	switch (splice_decide(&ts->cfg, SPLICE_INBOUND, r, peer, &dst)) {
	case SPLICE_NO:
		return false;
	case SPLICE_REFUSE:
		tcp_splice_reject(s);
		return true;
	case SPLICE_YES:
		break;
	}
	s1 = splice_ns_socket(ts->ns, SOCK_STREAM, inany_family(&dst));
	if (s1 < 0) {
		log_rl(&ts->rl, LOG_LVL_WARN,
		       "TCP splice: no socket in the namespace: %s",
		       strerror(-s1));
		tcp_splice_reject(s);
		return true;
	}
	flow_side_set(&ini, FLOW_IF_HOST, peer, peer_port, &r->addr, port);
	tcp_splice_connect(ts, s, s1, &ini, &dst, fwd_rule_target(r, port));
	splice_ns_refill(ts->ns);
	return true;
}

/**
 * tcp_splice_listen_handler() - Accept on a -T listener in the namespace,
 *				 splice to the host's loopback
 * @ts:		Context
 * @ref_idx:	Rule index and listening port, epref_listen()
 * @fd:		Listening socket
 */
void tcp_splice_listen_handler(struct tcp_splice_ctx *ts, uint32_t ref_idx,
			       int fd)
{
	const struct fwd_rule *r =
		&ts->fwd_out->rules[epref_listen_rule(ref_idx)];
	uint16_t port = epref_listen_port(ref_idx), peer_port;
	union sockaddr_inany sa = {0};
	union inany_addr peer, dst;
	socklen_t sl = sizeof(sa);
	struct flow_side ini;
	int s, s1;

	s = accept4(fd, &sa.sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (s < 0)
		return;
	if (inany_from_sockaddr(&peer, &peer_port, &sa) ||
	    splice_decide(&ts->cfg, SPLICE_OUTBOUND, r, &peer, &dst) !=
		    SPLICE_YES) {
		tcp_splice_reject(s);
		return;
	}
	if ((s1 = splice_socket(SOCK_STREAM, inany_family(&dst))) < 0) {
		tcp_splice_reject(s);
		return;
	}
	flow_side_set(&ini, FLOW_IF_SPLICE, &peer, peer_port, &r->addr, port);
	tcp_splice_connect(ts, s, s1, &ini, &dst, fwd_rule_target(r, port));
}

/**
 * tcp_splice_listen_ns() - Open the -T listeners of a port in the namespace
 * @ts:		Context
 * @rule:	Index of the rule in the outbound table
 * @port:	Port, within the rule
 * @ls:		Set to the listeners (one, or one per family: listen.h)
 *
 * Return: 0, or -errno if nothing could be opened
 */
int tcp_splice_listen_ns(struct tcp_splice_ctx *ts, unsigned int rule,
			 uint16_t port, struct listen_socks *ls)
{
	struct listen_req q;

	listen_req_init(&q, ts->epfd, IPPROTO_TCP, LISTEN_NS, ts->ns->netns_fd,
			false);
	return listen_port(&q, ts->fwd_out, rule, port, ls);
}

/**
 * tcp_splice_unlisten() - Close a listener of tcp_splice_listen_ns()
 * @ts:		Context
 * @fd:		Listening socket
 *
 * Connections accepted before stay up.
 */
void tcp_splice_unlisten(struct tcp_splice_ctx *ts, int fd)
{
	listen_close(ts->epfd, fd);
}

/**
 * tcp_splice_listen_out() - Open the listeners of the static -T rules
 * @ts:		Context
 * @gap:	Per rule of the outbound table: ports served by one family
 *		only (counted), NULL if not wanted
 * @rec:	Told of every port opened, NULL for nobody
 *
 * One entry into the namespace for all of them; "auto" rules are left to
 * the port scanner.
 *
 * Return: 0, or -errno if a rule could not be bound as compat.md 5.1 wants
 *	   (logged: listen_table())
 */
int tcp_splice_listen_out(struct tcp_splice_ctx *ts, struct listen_gap *gap,
		  const struct listen_rec *rec)
{
	struct listen_req q;

	listen_req_init(&q, ts->epfd, IPPROTO_TCP, LISTEN_NS, ts->ns->netns_fd,
			false);
	q.rec = rec;
	return listen_table(&q, ts->fwd_out, gap);
}

/**
 * tcp_splice_move() - Move what can be moved from side @d to side !@d
 * @c:		Connection
 * @d:		Side data is read from
 *
 * Return: 0, or -errno on a socket error (the connection must be reset)
 */
static int tcp_splice_move(struct tcp_splice_conn *c, int d)
{
	const unsigned int fl = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;
	int i, from = c->s[d], to = c->s[!d];
	ssize_t n;

	for (i = 0; i < TCP_SPLICE_ROUNDS; i++) {
		bool moved = false;

		if (!(c->flags & TCP_SPLICE_EOF(d))) {
			n = splice(from, NULL, c->pipe[d][1], NULL,
				   TCP_SPLICE_PIPE_SIZE, fl);
			if (n > 0)
				c->pending[d] += (uint32_t)n;
			else if (!n)
				c->flags |= TCP_SPLICE_EOF(d);
			else if (errno != EAGAIN)
				return -errno;
			moved = n > 0;
		}
		if (!c->pending[d])
			break;
		n = splice(c->pipe[d][0], NULL, to, NULL, c->pending[d], fl);
		if (n < 0 && errno == EAGAIN) {
			c->flags |= TCP_SPLICE_BLOCK(!d);
			return 0;
		}
		if (n < 0)
			return -errno;
		c->pending[d] -= (uint32_t)n;
		if (!moved && !n)
			break;
	}
	if (c->pending[d]) {
		/* out of rounds: come back when @to is writable */
		c->flags |= TCP_SPLICE_BLOCK(!d);
		return 0;
	}
	c->flags &= (uint8_t)~TCP_SPLICE_BLOCK(!d);
	if ((c->flags & TCP_SPLICE_EOF(d)) &&
	    !(c->flags & TCP_SPLICE_SHUT(!d))) {
		if (shutdown(to, SHUT_WR))
			return -errno;
		c->flags |= TCP_SPLICE_SHUT(!d);
	}
	return 0;
}

/**
 * tcp_splice_connected() - Side 1's connect() finished, or failed
 * @ts:		Context
 * @idx:	Flow index
 */
static void tcp_splice_connected(struct tcp_splice_ctx *ts, int idx)
{
	struct tcp_splice_conn *c = &ts->conn[idx];
	socklen_t sl = sizeof(int);
	int err = 0;

	if (getsockopt(c->s[1], SOL_SOCKET, SO_ERROR, &err, &sl) || err) {
		log_rl(&ts->rl, LOG_LVL_DEBUG, "TCP splice %d: connect: %s",
		       idx, strerror(err ? err : errno));
		tcp_splice_free(ts, idx, true);
		return;
	}
	c->state = TCP_SPLICE_ACTIVE;
	if (tcp_splice_update(ts, idx))
		tcp_splice_free(ts, idx, true);
}

/**
 * tcp_splice_sock_handler() - Events on one socket of a connection
 * @ts:		Context
 * @ref_idx:	Flow index << 1 | side
 * @events:	epoll events
 */
void tcp_splice_sock_handler(struct tcp_splice_ctx *ts, uint32_t ref_idx,
			     uint32_t events)
{
	int idx = (int)(ref_idx >> 1), side = (int)(ref_idx & 1), ret = 0;
	struct tcp_splice_conn *c;

	if (idx >= FLOW_MAX)
		return;
	c = &ts->conn[idx];
	if (c->state == TCP_SPLICE_FREE)
		return;
	if (c->state == TCP_SPLICE_CONNECTING) {
		if (side)
			tcp_splice_connected(ts, idx);
		else if (events & (EPOLLERR | EPOLLHUP))
			tcp_splice_free(ts, idx, true);
		return;
	}
	if (events & EPOLLERR) {
		tcp_splice_free(ts, idx, true);
		return;
	}
	if (events & EPOLLOUT) {
		c->flags &= (uint8_t)~TCP_SPLICE_BLOCK(side);
		ret = tcp_splice_move(c, !side);
	}
	if (!ret && (events & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)))
		ret = tcp_splice_move(c, side);
	/* a hang-up we didn't cause by shutting this side down: reset */
	if (!ret && (events & EPOLLHUP) && !(c->flags & TCP_SPLICE_SHUT(side)))
		ret = -ECONNRESET;
	if (ret) {
		log_trace("TCP splice %d: side %d: %s", idx, side,
			  strerror(-ret));
		tcp_splice_free(ts, idx, true);
		return;
	}
	if (tcp_splice_done(c))
		tcp_splice_free(ts, idx, false);
	else if (tcp_splice_update(ts, idx))
		tcp_splice_free(ts, idx, true);
}
