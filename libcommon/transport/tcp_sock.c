// SPDX-License-Identifier: GPL-2.0-or-later
/* tcp_sock.c - TCP translation, bottom layer: host sockets and timing
 *
 * Theory of operation: what every layer of the TCP engine needs from the
 * host and the clock, and nothing that depends on where a connection is in
 * its life: the registration of connection sockets with epoll (always
 * edge-triggered: tcp_data.c says why), the one timerfd of the engine,
 * initial sequence numbers, the MSS a link MTU allows, the options and the
 * outbound binding of new sockets, the window the guest may fill (the free
 * space of the socket's send buffer) and the dropping of bytes the guest
 * acknowledged from the socket's receive queue. The timeouts and the
 * retransmission timeout bounds are in tcp_sock.h, for all layers.
 *
 * Nothing here sends a frame to the guest, changes a connection's state or
 * frees one: helpers return errors, their callers decide (doc/tcp.md).
 *
 * System calls: socket, setsockopt, getsockopt, bind, connect, close,
 * epoll_ctl, timerfd_create, timerfd_settime, read (timerfd), ioctl
 * (SIOCOUTQ), recv (MSG_TRUNC), getrandom.
 */

#include <errno.h>
#include <limits.h>
#include <linux/sockios.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "base/clock.h"
#include "os/epref.h"
#include "transport/tcp_sock.h"

/**
 * tcp_sock_init() - Probe the kernel, seed sequence numbers, open the timer
 * @t:		TCP context, with its epoll descriptor set
 *
 * Return: 0 on success, -errno on failure
 */
int tcp_sock_init(struct tcp_ctx *t)
{
	int s, off = 0;

	if (getrandom(&t->rnd, sizeof(t->rnd), 0) != sizeof(t->rnd))
		t->rnd = (uint64_t)clock_ms() * 0x2545f4914f6cdd1dULL;

	/* SO_PEEK_OFF on TCP sockets: Linux 6.9 and later */
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s >= 0) {
		t->peek_off = !setsockopt(s, SOL_SOCKET, SO_PEEK_OFF, &off,
					  sizeof(off));
		close(s);
	}
	log_debug("TCP: SO_PEEK_OFF %ssupported", t->peek_off ? "" : "not ");

	t->timer_fd = timerfd_create(CLOCK_MONOTONIC,
				     TFD_NONBLOCK | TFD_CLOEXEC);
	if (t->timer_fd < 0)
		return -errno;
	return epref_ctl(t->epfd, EPOLL_CTL_ADD, EPOLL_TYPE_TCP_TIMER, 0,
			 t->timer_fd, EPOLLIN);
}

/**
 * tcp_isn() - Initial sequence number for a new connection
 * @t:		TCP context
 *
 * Return: a hard to guess 32-bit number (splitmix64, seeded at start-up)
 */
uint32_t tcp_isn(struct tcp_ctx *t)
{
	uint64_t z = (t->rnd += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (uint32_t)(z ^ (z >> 31));
}

/**
 * tcp_timer_arm() - Make sure the tick runs while connections exist
 * @t:		TCP context
 */
void tcp_timer_arm(struct tcp_ctx *t)
{
	struct itimerspec it = { { 0, TCP_TICK_MS * 1000000L },
				 { 0, TCP_TICK_MS * 1000000L } };

	if (t->timer_on)
		return;
	if (!timerfd_settime(t->timer_fd, 0, &it, NULL))
		t->timer_on = true;
}

/**
 * tcp_timer_expired() - Consume a tick of the timer
 * @t:		TCP context
 *
 * Return: false if there was none to read (a spurious wake-up)
 */
bool tcp_timer_expired(struct tcp_ctx *t)
{
	uint64_t expired;

	return !(read(t->timer_fd, &expired, sizeof(expired)) < 0 &&
		 errno == EAGAIN);
}

/**
 * tcp_timer_idle() - Stop the tick if no connection is left
 * @t:		TCP context
 */
void tcp_timer_idle(struct tcp_ctx *t)
{
	struct itimerspec off = { { 0, 0 }, { 0, 0 } };

	if (!t->nconn && !timerfd_settime(t->timer_fd, 0, &off, NULL))
		t->timer_on = false;
}

/**
 * tcp_epoll_add() - Register a new connection's socket, with no events yet
 * @t:		TCP context
 * @idx:	Flow index, the reference of its events
 * @sock:	Socket
 *
 * Return: 0 on success, -errno on failure
 */
int tcp_epoll_add(struct tcp_ctx *t, int idx, int sock)
{
	return epref_ctl(t->epfd, EPOLL_CTL_ADD, EPOLL_TYPE_TCP, (uint32_t)idx,
			 sock, 0);
}

/**
 * tcp_epoll_mod() - Set the events of a connection's socket, edge-triggered
 * @t:		TCP context
 * @idx:	Flow index, with a socket
 * @events:	EPOLLIN, EPOLLOUT, EPOLLRDHUP
 *
 * Return: 0 on success, -errno on failure
 */
static int tcp_epoll_mod(struct tcp_ctx *t, int idx, uint32_t events)
{
	return epref_ctl(t->epfd, EPOLL_CTL_MOD, EPOLL_TYPE_TCP, (uint32_t)idx,
			 t->conn[idx].sock, events | EPOLLET);
}

/**
 * tcp_epoll_set() - Change the events we wait for on a connection's socket
 * @t:		TCP context
 * @idx:	Flow index
 * @events:	EPOLLIN, EPOLLOUT, EPOLLRDHUP (errors are always reported)
 */
void tcp_epoll_set(struct tcp_ctx *t, int idx, uint32_t events)
{
	struct tcp_conn *c = &t->conn[idx];

	if (c->ev == events || c->sock < 0)
		return;
	if (!tcp_epoll_mod(t, idx, events))
		c->ev = events;
}

/**
 * tcp_epoll_rearm() - Have the socket's current state reported once more
 * @t:		TCP context
 * @idx:	Flow index
 *
 * The socket is edge-triggered; modifying it polls it again, and what is
 * ready now comes as an event of the next round.
 */
void tcp_epoll_rearm(struct tcp_ctx *t, int idx)
{
	if (t->conn[idx].sock >= 0)
		tcp_epoll_mod(t, idx, t->conn[idx].ev);
}

/**
 * tcp_sock_setup() - Options of a new connection's socket
 * @t:		TCP context
 * @sock:	Socket
 *
 * Return: its SO_SNDBUF, fixed from now on, 0 if unknown
 */
uint32_t tcp_sock_setup(struct tcp_ctx *t, int sock)
{
	int zero = 0, big = INT_MAX;
	socklen_t sl;

	/* The window we advertise is the free space of the send buffer, and
	 * the kernel grows a buffer only for writers that ran out of it:
	 * ask for the largest one net.core.wmem_max allows, once
	 */
	setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	sl = sizeof(big);
	if (getsockopt(sock, SOL_SOCKET, SO_SNDBUF, &big, &sl) || big < 0)
		big = 0;
	if (t->peek_off &&
	    setsockopt(sock, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof(zero)))
		log_rl(&t->rl_err, LOG_LVL_WARN, "SO_PEEK_OFF: %s",
		       strerror(errno));
	return (uint32_t)big;
}

/**
 * tcp_bind_outbound() - Bind an outbound socket as -o/--outbound-if say
 * @sock:	Socket
 * @f:		Translations of the socket's family
 *
 * Return: 0 on success, -errno on failure
 */
static int tcp_bind_outbound(int sock, const struct nat_fam *f)
{
	union sockaddr_inany sa;
	socklen_t sl;

	if (*f->out_if &&
	    setsockopt(sock, SOL_SOCKET, SO_BINDTODEVICE, f->out_if,
		       (socklen_t)strlen(f->out_if)))
		return -errno;
	if (!f->out_set)
		return 0;
	sl = inany_to_sockaddr(&sa, &f->out, 0, 0);
	if (bind(sock, &sa.sa, sl))
		return -errno;
	return 0;
}

/**
 * tcp_sock_connect() - Open an outbound socket, start connecting it
 * @t:		TCP context
 * @dst:	Address to connect to, translated already
 * @port:	Port
 *
 * Return: non-blocking socket, connect() in progress, or -errno
 */
int tcp_sock_connect(const struct tcp_ctx *t, const union inany_addr *dst,
		     uint16_t port)
{
	union sockaddr_inany sa;
	int sock, one = 1, ret;
	socklen_t sl;

	sl = inany_to_sockaddr(&sa, dst, port, 0);
	sock = socket(sa.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK |
		      SOCK_CLOEXEC, IPPROTO_TCP);
	if (sock < 0)
		return -errno;
	setsockopt(sock, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	if ((ret = tcp_bind_outbound(sock, nat_fam(t->nat, dst))) ||
	    (connect(sock, &sa.sa, sl) && errno != EINPROGRESS)) {
		ret = ret ? ret : -errno;
		close(sock);
		return ret;
	}
	return sock;
}

/**
 * tcp_sock_close() - Close a connection's socket, if it has one
 * @t:		TCP context
 * @c:		Connection
 * @rst:	Close with SO_LINGER 0, so that the peer gets an RST
 */
void tcp_sock_close(struct tcp_ctx *t, struct tcp_conn *c, bool rst)
{
	struct linger l = { 1, 0 };

	if (c->sock < 0)
		return;
	if (rst)
		setsockopt(c->sock, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	epoll_ctl(t->epfd, EPOLL_CTL_DEL, c->sock, NULL);
	close(c->sock);
	c->sock = -1;
}

/**
 * tcp_mss_ours() - MSS we announce to the guest, and send it at most
 * @t:		TCP context
 * @v4:		IPv4 connection
 *
 * Return: MTU minus IP and TCP headers (40 bytes for IPv4, 60 for IPv6),
 *	   within 536 (RFC 9293 3.7.1) and 65535
 */
uint16_t tcp_mss_ours(const struct tcp_ctx *t, bool v4)
{
	int mss = t->mtu - (v4 ? 20 : 40) - 20;

	return (uint16_t)(mss > 65535 ? 65535 : mss < 536 ? 536 : mss);
}

/**
 * tcp_peek_off_set() - Set the peek offset of a socket
 * @t:		TCP context
 * @c:		Connection
 * @off:	Offset
 */
void tcp_peek_off_set(const struct tcp_ctx *t, struct tcp_conn *c, int off)
{
	if (t->peek_off)
		setsockopt(c->sock, SOL_SOCKET, SO_PEEK_OFF, &off, sizeof(off));
}

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
