/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp_fixture_host.h - the host side of the TCP state machine tests:
 * loopback listeners and peers, and connections brought up through the
 * engine's handshakes both ways (see tcp_fixture.h)
 *
 * Include after tcp_fixture.h.
 */
#ifndef TESTS_TCP_FIXTURE_HOST_H
#define TESTS_TCP_FIXTURE_HOST_H

/**
 * fx_sock_addr() - Loopback socket address
 * @v4:		127.0.0.1, else ::1
 * @port:	Port
 * @sa:		Filled
 *
 * Return: its length
 */
static inline socklen_t fx_sock_addr(bool v4, uint16_t port,
				     union sockaddr_inany *sa)
{
	union inany_addr lo = fx_inany(v4 ? "127.0.0.1" : "::1");

	return inany_to_sockaddr(sa, &lo, port, 0);
}

/**
 * fx_sock_port() - Local port of a socket
 * @s:		Socket
 *
 * Return: port
 */
static inline uint16_t fx_sock_port(int s)
{
	union sockaddr_inany sa;
	socklen_t sl = sizeof(sa);
	uint16_t port = 0;
	union inany_addr a;

	assert_int_equal(getsockname(s, &sa.sa, &sl), 0);
	assert_int_equal(inany_from_sockaddr(&a, &port, &sa), 0);
	return port;
}

/**
 * fx_peer_opts() - Make a peer socket safe to read from in a test
 * @s:		Socket
 *
 * Return: @s
 */
static inline int fx_peer_opts(int s)
{
	struct timeval tv = {FX_WAIT_MS / 1000, 0};
	int one = 1;

	assert_int_equal(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv,
				    sizeof(tv)),
			 0);
	assert_int_equal(setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv,
				    sizeof(tv)),
			 0);
	assert_int_equal(setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one,
				    sizeof(one)),
			 0);
	return s;
}

/**
 * fx_host_listener() - A listening socket on the host's loopback
 * @v4:		127.0.0.1, else ::1
 * @backlog:	listen() backlog
 *
 * Return: socket, bound to a free port
 */
static inline int fx_host_listener(bool v4, int backlog)
{
	union sockaddr_inany sa;
	socklen_t sl = fx_sock_addr(v4, 0, &sa);
	int s = fx_fd(socket(v4 ? AF_INET : AF_INET6,
			     SOCK_STREAM | SOCK_CLOEXEC, 0));

	assert_int_equal(bind(s, &sa.sa, sl), 0);
	assert_int_equal(listen(s, backlog), 0);
	return s;
}

/**
 * fx_conn_init() - Addresses of a connection, before its handshake
 * @c:		Filled
 * @v4:		IPv4, else IPv6
 * @gport:	Guest's port
 * @rport:	Remote port as the guest sees it
 */
static inline void fx_conn_init(struct fx_conn *c, bool v4, uint16_t gport,
				uint16_t rport)
{
	memset(c, 0, sizeof(*c));
	c->v4 = v4;
	c->gaddr = fx_inany(v4 ? FX_GUEST4 : FX_GUEST6);
	c->raddr = fx_inany(v4 ? FX_HOST_LO4 : FX_HOST_LO6);
	c->gport = gport;
	c->rport = rport;
	c->gseq = FX_GUEST_ISN;
	c->gwnd = 65535;
	c->peer = c->listener = -1;
}

/**
 * fx_guest_syn() - Send the guest's SYN of an outbound connection
 * @c:		Connection, @c->gseq advanced past the SYN
 */
static inline void fx_guest_syn(struct fx_conn *c)
{
	fx_guest_frame(c, TCP_F_SYN, c->gseq, 0, c->gwnd, FX_GUEST_MSS, 0,
		       NULL, 0);
	c->gseq++;
	fx_batch_end();
}

/**
 * fx_expect_our_syn() - Take our SYN (inbound) or SYN-ACK (outbound)
 * @c:		Connection: @c->isn and @c->rseq set from it
 * @ack:	A SYN-ACK, acknowledging the guest's SYN
 */
static inline void fx_expect_our_syn(struct fx_conn *c, bool ack)
{
	struct fx_seg s;

	fx_next(c, &s);
	assert_int_equal(s.flags, TCP_F_SYN | (ack ? TCP_F_ACK : 0));
	if (ack)
		assert_int_equal(s.ack, c->gseq);
	assert_int_equal(s.mss, FX_MTU - (c->v4 ? 40 : 60));
	assert_int_equal(s.wscale, TCP_WS_OURS);
	assert_int_equal(s.len, 0);
	assert_true(s.wnd > 0);
	c->isn = s.seq;
	c->rseq = s.seq + 1;
}

/**
 * fx_open_out_to() - An established outbound connection to a given
 *		      listener: guest SYN, host connect() and accept(),
 *		      SYN-ACK, guest ACK
 * @c:		Filled
 * @l:		Host listener, from fx_host_listener()
 * @v4:		IPv4, else IPv6: the listener's family
 * @gport:	Guest's port
 */
static inline void fx_open_out_to(struct fx_conn *c, int l, bool v4,
				  uint16_t gport)
{
	fx_conn_init(c, v4, gport, fx_sock_port(l));
	c->listener = l;
	fx_guest_syn(c);
	fx_expect_our_syn(c, true);
	c->peer = fx_peer_opts(fx_fd(accept4(l, NULL, NULL, SOCK_CLOEXEC)));
	fx_guest(c, TCP_F_ACK, NULL, 0);
	fx_quiet();
}

/**
 * fx_open_out() - An established outbound connection to a new listener
 * @c:		Filled
 * @v4:		IPv4, else IPv6
 * @gport:	Guest's port
 */
static inline void fx_open_out(struct fx_conn *c, bool v4, uint16_t gport)
{
	fx_open_out_to(c, fx_host_listener(v4, 16), v4, gport);
}

/**
 * fx_free_port() - A TCP port free on the host's loopback, right now
 * @v4:		127.0.0.1, else ::1
 *
 * Return: port
 */
static inline uint16_t fx_free_port(bool v4)
{
	union sockaddr_inany sa;
	socklen_t sl = fx_sock_addr(v4, 0, &sa);
	int s = socket(v4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	uint16_t port;

	assert_true(s >= 0);
	assert_int_equal(bind(s, &sa.sa, sl), 0);
	port = fx_sock_port(s);
	close(s);
	return port;
}

/**
 * fx_listen_in() - Forward a free loopback port to the same guest port
 * @v4:		Listen on 127.0.0.1, else on ::1
 *
 * The port is picked free, then bound by tcp_listen(): another process
 * could take it in between, so a few are tried.
 */
static inline void fx_listen_in(bool v4)
{
	struct fwd_rule *r = &fx.fwd.rules[0];
	int i, ret = -1;

	for (i = 0; i < 20 && ret; i++) {
		memset(&fx.fwd, 0, sizeof(fx.fwd));
		r->addr = fx_inany(v4 ? "127.0.0.1" : "::1");
		r->proto = IPPROTO_TCP;
		r->first = r->last = r->to = fx_free_port(v4);
		fx.fwd.n = 1;
		ret = tcp_listen(&fx.t, &fx.fwd, false, NULL, NULL);
	}
	assert_int_equal(ret, 0);
	fx.listen_port = r->first;
}

/**
 * fx_host_connect() - Connect a host peer to the forwarded port
 * @c:		Connection: @c->peer set, @c->rport set to its port
 * @v4:		From 127.0.0.1, else from ::1
 */
static inline void fx_host_connect(struct fx_conn *c, bool v4)
{
	union sockaddr_inany sa;
	socklen_t sl = fx_sock_addr(v4, fx.listen_port, &sa);

	fx_conn_init(c, v4, fx.listen_port, 0);
	c->peer = fx_peer_opts(fx_fd(socket(v4 ? AF_INET : AF_INET6,
					    SOCK_STREAM | SOCK_CLOEXEC, 0)));
	assert_int_equal(connect(c->peer, &sa.sa, sl), 0);
	c->rport = fx_sock_port(c->peer);
}

/**
 * fx_open_in() - An established inbound connection: host connect(), SYN to
 *		  the guest, guest SYN-ACK, our ACK
 * @c:		Filled
 * @v4:		IPv4, else IPv6
 */
static inline void fx_open_in(struct fx_conn *c, bool v4)
{
	if (!fx.listen_port)
		fx_listen_in(v4);
	fx_host_connect(c, v4);
	fx_expect_our_syn(c, false);
	fx_guest_frame(c, TCP_F_SYN | TCP_F_ACK, c->gseq, c->rseq, c->gwnd,
		       FX_GUEST_MSS, 0, NULL, 0);
	c->gseq++;
	fx_batch_end();
	fx_expect_ack(c);
	fx_quiet();
}

/**
 * fx_peer_read() - Read exactly @len bytes on the host peer
 * @c:		Connection
 * @buf:	Filled
 * @len:	Bytes
 */
static inline void fx_peer_read(const struct fx_conn *c, uint8_t *buf,
				size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = recv(c->peer, buf + got, len - got, 0);
		if (n <= 0)
			fail_msg("peer read: %zd of %zu bytes, then %s", got,
				 len, n ? strerror(errno) : "end of file");
		got += (size_t)n;
	}
}

/**
 * fx_peer_nothing() - The host peer has nothing to read right now
 * @c:		Connection
 */
static inline void fx_peer_nothing(const struct fx_conn *c)
{
	uint8_t b;

	assert_int_equal(recv(c->peer, &b, 1, MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
}

/**
 * fx_peer_eof() - The host peer reads end of file
 * @c:		Connection
 */
static inline void fx_peer_eof(const struct fx_conn *c)
{
	uint8_t b;

	assert_int_equal(recv(c->peer, &b, 1, 0), 0);
}

/**
 * fx_peer_reset() - The host peer's connection was reset
 * @c:		Connection
 *
 * The RST closes the peer's socket (TCP_CLOSE) with an error: ECONNRESET,
 * or EPIPE if the peer had seen our FIN already (read end of file first).
 */
static inline void fx_peer_reset(const struct fx_conn *c)
{
	uint64_t end = fx_real_ms() + FX_WAIT_MS;
	struct tcp_info ti;
	socklen_t sl;
	int err = 0;

	do {
		sl = sizeof(ti);
		assert_int_equal(getsockopt(c->peer, IPPROTO_TCP, TCP_INFO,
					    &ti, &sl),
				 0);
	} while (ti.tcpi_state != TCP_CLOSE && fx_real_ms() < end &&
		 !usleep(1000));
	assert_int_equal(ti.tcpi_state, TCP_CLOSE);
	sl = sizeof(err);
	assert_int_equal(getsockopt(c->peer, SOL_SOCKET, SO_ERROR, &err, &sl),
			 0);
	if (err != ECONNRESET && err != EPIPE)
		fail_msg("peer closed, but with error %d, not by a reset", err);
}

/**
 * fx_peer_write() - Write on the host peer
 * @c:		Connection
 * @data:	Bytes
 * @len:	How many
 */
static inline void fx_peer_write(const struct fx_conn *c, const void *data,
				 size_t len)
{
	assert_int_equal(send(c->peer, data, len, MSG_NOSIGNAL), (ssize_t)len);
}

/**
 * fx_close_guest_first() - Close a connection cleanly, the guest first, and
 *			    check that its flow is gone
 * @c:		Established connection, nothing in flight
 */
static inline void fx_close_guest_first(struct fx_conn *c)
{
	unsigned int flows = flow_count(&fx.flows);
	struct fx_seg s;

	fx_guest_fin(c);
	fx_peer_eof(c);
	fx_close(c->peer);
	fx_expect(c, TCP_F_FIN | TCP_F_ACK, c->rseq, c->gseq, &s);
	c->rseq++;
	fx_guest(c, TCP_F_ACK, NULL, 0);
	assert_int_equal(flow_count(&fx.flows), flows - 1);
	fx_quiet();
}

#endif /* TESTS_TCP_FIXTURE_HOST_H */
