// SPDX-License-Identifier: GPL-2.0-or-later
/* tcp_repair.c - TCP translation, bottom layer: a connected socket's state
 *		  read in repair mode and rebuilt in a new socket (migration)
 *
 * Theory of operation: live migration moves the guest's TCP connections by
 * moving the host sockets' state: sequence numbers, windows, options and the
 * bytes queued each way (doc/migration.md). The kernel exposes and accepts
 * that state only in repair mode (TCP_REPAIR, which needs CAP_NET_ADMIN:
 * passt-repair switches it on and off for us). Nothing here switches it.
 *
 * A socket in repair mode still takes segments from the peer: it queues
 * their data and acknowledges it. A dump made of several reads (the queue's
 * sequence number, its length, its bytes) can then disagree with itself, and
 * what arrives after the last read is acknowledged to the peer, yet never
 * reaches the target: the stream loses bytes. So before anything is read,
 * the socket is frozen: tcp_repair_freeze() attaches a socket filter that
 * drops every incoming segment (TCP runs socket filters on segments before
 * it processes them): from then on the socket's state can't change, nothing
 * more is acknowledged, and whatever the peer sends meanwhile it sends
 * again, to the rebuilt socket, as for any lost segment. Some kernels let
 * only CAP_NET_ADMIN attach one: passt-repair, which has it, attaches the
 * same filter when it switches repair mode on, and takes it off when it
 * switches it off, so either of us freezes the socket. If the migration
 * fails, tcp_repair_thaw() takes the filter off and the source socket goes
 * on. Without any filter (another passt-repair on such a kernel), the dump
 * still holds together (the send queue is copied in one call and numbered
 * from its end, which only our writes move; the state is read again after
 * the queues), but what arrives after it is lost, as with upstream's.
 *
 * tcp_repair_get() reads a frozen socket in repair mode;
 * tcp_repair_set() rebuilds a new socket in repair mode, in the order the
 * kernel requires: queue sequence numbers while closed, bind and connect (no
 * SYN in repair mode), options, the send queue's bytes already sent and the
 * receive queue's bytes, the timestamp clock; tcp_repair_window_set() sets
 * the windows once the queues are in place. After repair mode is off, the
 * caller sends the bytes that were not sent yet as ordinary data.
 */

#include <errno.h>
#include <poll.h>
#include <linux/filter.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "base/util.h"
#include "transport/tcp_repair.h"

#define TCP_REPAIR_RCVQ_CHUNK (64U << 10)	/* one skb's worth of frags */

#ifndef TCPOPT_MAXSEG
#define TCPOPT_MAXSEG 2
#define TCPOPT_WINDOW 3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_TIMESTAMP 8
#endif

/**
 * tcp_repair_freeze() - Stop a socket from taking anything more from its peer
 * @s:		Connected TCP socket
 *
 * Return: 0 on success, -errno on failure
 */
int tcp_repair_freeze(int s)
{
	static struct sock_filter drop[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
	const struct sock_fprog prog = { ARRAY_SIZE(drop), drop };

	if (setsockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)))
		return -errno;
	return 0;
}

/**
 * tcp_repair_thaw() - Let a frozen socket take segments again
 * @s:		Socket, frozen by tcp_repair_freeze()
 *
 * Return: 0 on success, -errno on failure
 */
int tcp_repair_thaw(int s)
{
	int zero = 0;

	if (setsockopt(s, SOL_SOCKET, SO_DETACH_FILTER, &zero, sizeof(zero)))
		return -errno;
	return 0;
}

/**
 * tcp_repair_is_on() - Is a socket in repair mode?
 * @s:		TCP socket
 *
 * Return: true if it is (or the question failed: treat it as stuck)
 */
bool tcp_repair_is_on(int s)
{
	socklen_t sl = sizeof(int);
	int on = 1;

	if (getsockopt(s, IPPROTO_TCP, TCP_REPAIR, &on, &sl))
		return true;
	return on != 0;
}

/**
 * tcp_repair_queue() - Select the queue that repair mode operations act on
 * @s:		Socket in repair mode
 * @q:		TCP_NO_QUEUE, TCP_SEND_QUEUE or TCP_RECV_QUEUE
 *
 * Return: 0 on success, -errno on failure
 */
static int tcp_repair_queue(int s, int q)
{
	if (setsockopt(s, IPPROTO_TCP, TCP_REPAIR_QUEUE, &q, sizeof(q)))
		return -errno;
	return 0;
}

/**
 * tcp_repair_getopt() - getsockopt() of a 32-bit TCP option
 * @s:		Socket
 * @opt:	Option
 * @v:		Its value, set on success
 *
 * Return: 0 on success, -errno on failure
 */
static int tcp_repair_getopt(int s, int opt, uint32_t *v)
{
	socklen_t sl = sizeof(*v);

	if (getsockopt(s, IPPROTO_TCP, opt, v, &sl))
		return -errno;
	return sl == sizeof(*v) ? 0 : -EIO;
}

/**
 * tcp_repair_fin_sent() - Did we send (or queue) our FIN in this state?
 * @state:	tcpi_state
 *
 * Return: true for FIN_WAIT1, FIN_WAIT2, CLOSING and LAST_ACK
 */
static bool tcp_repair_fin_sent(uint8_t state)
{
	return state == TCP_RS_FIN_WAIT1 || state == TCP_RS_FIN_WAIT2 ||
	       state == TCP_RS_CLOSING || state == TCP_RS_LAST_ACK;
}

/**
 * tcp_repair_fin_rcvd() - Did the peer's FIN come in this state?
 * @state:	tcpi_state
 *
 * Return: true for CLOSE_WAIT, CLOSING and LAST_ACK
 */
static bool tcp_repair_fin_rcvd(uint8_t state)
{
	return state == TCP_RS_CLOSE_WAIT || state == TCP_RS_CLOSING ||
	       state == TCP_RS_LAST_ACK;
}

/**
 * tcp_repair_info() - What TCP_INFO tells of a socket's state and options
 * @s:		Socket
 * @st:		Its state, options and window scales set
 *
 * Return: 0 on success, -errno on failure
 */
static int tcp_repair_info(int s, struct tcp_repair_state *st)
{
	socklen_t sl = sizeof(struct tcp_info);
	struct tcp_info ti;

	if (getsockopt(s, IPPROTO_TCP, TCP_INFO, &ti, &sl))
		return -errno;
	st->snd_ws = ti.tcpi_snd_wscale;
	st->rcv_ws = ti.tcpi_rcv_wscale;
	st->state = ti.tcpi_state;
	st->options = ti.tcpi_options;
	return 0;
}

/**
 * tcp_repair_sndq() - The send queue: its bytes, where they start, what
 *		       wasn't sent
 * @s:		Socket in repair mode
 * @st:		State, its @state set; @seq_snd, @sndq, @notsent set
 * @buf:	Filled with the queue's bytes (data only)
 * @cap:	Room in @buf
 *
 * The peer's ACKs may still shorten the queue while we look: the bytes
 * are copied in one call, which holds the socket, and their sequence
 * number comes from the queue's end, which only our writes move. Our FIN,
 * if we sent or queued one, ends the queue.
 *
 * Return: 0 on success, -ENOBUFS if the queue is larger than @cap, -errno
 */
static int tcp_repair_sndq(int s, struct tcp_repair_state *st, uint8_t *buf,
			   uint32_t cap)
{
	uint32_t end, fin = tcp_repair_fin_sent(st->state);
	int out, unsent, ret;
	ssize_t n;

	if ((ret = tcp_repair_queue(s, TCP_SEND_QUEUE)))
		return ret;
	if ((ret = tcp_repair_getopt(s, TCP_QUEUE_SEQ, &end)) ||
	    (ioctl(s, SIOCOUTQ, &out) && (ret = -errno)))
		goto out;
	if (out < 0 || (uint32_t)out > cap + fin) {
		ret = out < 0 ? -EIO : -ENOBUFS;
		goto out;
	}
	n = out ? recv(s, buf, cap, MSG_PEEK | MSG_DONTWAIT) : 0;
	if (n < 0 && errno != EAGAIN) {
		ret = -errno;
		goto out;
	}
	st->sndq = n > 0 ? (uint32_t)n : 0;
	st->seq_snd = end - fin - st->sndq;
	if (ioctl(s, SIOCOUTQNSD, &unsent) || unsent < 0) {
		ret = unsent < 0 ? -EIO : -errno;
		goto out;
	}
	st->notsent = MIN((uint32_t)unsent - (unsent && fin), st->sndq);
out:
	tcp_repair_queue(s, TCP_NO_QUEUE);
	return ret;
}

/**
 * tcp_repair_rcvq() - Where the receive queue starts, and its length
 * @s:		Socket in repair mode, its window closed
 * @st:		State, its @state set; @seq_rcv and @rcvq set
 *
 * The end of the queue (TCP_QUEUE_SEQ) counts the peer's FIN once it
 * came; SIOCINQ doesn't.
 *
 * Return: 0 on success, -errno on failure
 */
static int tcp_repair_rcvq(int s, struct tcp_repair_state *st)
{
	uint32_t end;
	int n, ret;

	if ((ret = tcp_repair_queue(s, TCP_RECV_QUEUE)))
		return ret;
	if (!(ret = tcp_repair_getopt(s, TCP_QUEUE_SEQ, &end)) &&
	    ioctl(s, SIOCINQ, &n))
		ret = -errno;
	tcp_repair_queue(s, TCP_NO_QUEUE);
	if (ret)
		return ret;
	if (n < 0)
		return -EIO;
	st->rcvq = (uint32_t)n;
	st->seq_rcv = end - tcp_repair_fin_rcvd(st->state) - st->rcvq;
	return 0;
}

/**
 * tcp_repair_get() - Read the state of a frozen socket in repair mode
 * @s:		Socket in repair mode, frozen (tcp_repair_freeze())
 * @st:		Filled: queues of data only, the FINs as @st->state
 * @snd:	Filled with the send queue's bytes
 * @cap:	Room in @snd
 *
 * Where no filter could be attached, a FIN the peer sends may still come
 * while we look: the state is read again after the queues, and the whole
 * read again if it changed.
 *
 * Return: 0 on success, -ENOBUFS if the send queue is larger than @cap,
 *	   -EAGAIN if the state kept changing, -errno
 */
int tcp_repair_get(int s, struct tcp_repair_state *st, uint8_t *snd,
		   uint32_t cap)
{
	struct tcp_repair_state again = { 0 };
	socklen_t sl = sizeof(st->wnd);
	int tries, ret;

	for (tries = 0; tries < 3; tries++) {
		memset(st, 0, sizeof(*st));
		if ((ret = tcp_repair_info(s, st)) ||
		    (ret = tcp_repair_sndq(s, st, snd, cap)) ||
		    (ret = tcp_repair_rcvq(s, st)) ||
		    (ret = tcp_repair_getopt(s, TCP_MAXSEG, &st->mss)) ||
		    (ret = tcp_repair_getopt(s, TCP_TIMESTAMP, &st->timestamp)))
			return ret;
		if (getsockopt(s, IPPROTO_TCP, TCP_REPAIR_WINDOW, &st->wnd, &sl))
			return -errno;
		if ((ret = tcp_repair_info(s, &again)))
			return ret;
		if (again.state == st->state)
			break;
	}
	if (tries == 3)
		return -EAGAIN;
	/* without the peer's FIN, the window's right edge stays where the
	 * peer saw it
	 */
	if ((int32_t)(st->wnd.rcv_wup - (st->seq_rcv + st->rcvq)) > 0) {
		st->wnd.rcv_wnd += st->wnd.rcv_wup - (st->seq_rcv + st->rcvq);
		st->wnd.rcv_wup = st->seq_rcv + st->rcvq;
	}
	return 0;
}

/**
 * tcp_repair_peek_rcvq() - Copy a piece of the receive queue of a socket in
 *			    repair mode
 * @s:		Socket: frozen, in repair mode, its state read
 * @off:	Offset of the piece in the queue
 * @buf:	Where the bytes go
 * @len:	Bytes: the piece is within the queue
 *
 * The receive queue, unlike the send queue, is read from an offset (the
 * peek offset, set each time): a large one goes out in pieces.
 *
 * Return: 0 on success, -errno on failure
 */
int tcp_repair_peek_rcvq(int s, uint32_t off, uint8_t *buf, uint32_t len)
{
	int o = (int)off, ret;
	ssize_t n;

	if (!len)
		return 0;
	if (off > INT32_MAX ||
	    setsockopt(s, SOL_SOCKET, SO_PEEK_OFF, &o, sizeof(o)))
		return off > INT32_MAX ? -EINVAL : -errno;
	if ((ret = tcp_repair_queue(s, TCP_RECV_QUEUE)))
		return ret;
	n = recv(s, buf, len, MSG_PEEK | MSG_DONTWAIT);
	ret = n < 0 ? -errno : (size_t)n == len ? 0 : -EIO;
	tcp_repair_queue(s, TCP_NO_QUEUE);
	return ret;
}

/**
 * tcp_repair_options() - Set what the peers agreed in the handshake
 * @s:		Socket in repair mode, connected
 * @st:		State read from the original
 *
 * Return: 0 on success, -errno on failure
 */
static int tcp_repair_options(int s, const struct tcp_repair_state *st)
{
	struct tcp_repair_opt o[4];
	unsigned int n = 0;

	o[n].opt_code = TCPOPT_MAXSEG;
	o[n++].opt_val = st->mss;
	if (st->options & TCPI_OPT_WSCALE) {
		o[n].opt_code = TCPOPT_WINDOW;
		o[n++].opt_val = st->snd_ws | ((uint32_t)st->rcv_ws << 16);
	}
	if (st->options & TCPI_OPT_SACK) {
		o[n].opt_code = TCPOPT_SACK_PERM;
		o[n++].opt_val = 0;
	}
	if (st->options & TCPI_OPT_TIMESTAMPS) {
		o[n].opt_code = TCPOPT_TIMESTAMP;
		o[n++].opt_val = 0;
	}
	if (setsockopt(s, IPPROTO_TCP, TCP_REPAIR_OPTIONS, o,
		       (socklen_t)(n * sizeof(o[0]))))
		return -errno;
	return 0;
}

/**
 * tcp_repair_fill() - Put bytes into a queue of a socket in repair mode
 * @s:		Socket in repair mode, connected
 * @q:		TCP_SEND_QUEUE (bytes count as sent) or TCP_RECV_QUEUE (as
 *		received, not read)
 * @p:		Bytes
 * @len:	How many
 *
 * Return: 0 on success, -errno on failure
 */
int tcp_repair_fill(int s, int q, const uint8_t *p, uint32_t len)
{
	int ret;

	if (!len)
		return 0;
	if ((ret = tcp_repair_queue(s, q)))
		return ret;
	while (len) {
		/* The receive queue takes one buffer per call: keep it small */
		size_t chunk = q == TCP_RECV_QUEUE ?
			       MIN(len, TCP_REPAIR_RCVQ_CHUNK) : len;
		ssize_t n = send(s, p, chunk, MSG_NOSIGNAL);

		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			break;
		}
		p += n;
		len -= (uint32_t)n;
	}
	tcp_repair_queue(s, TCP_NO_QUEUE);
	return ret;
}

/**
 * tcp_repair_seqs() - Set the sequence numbers of both queues
 * @s:		Socket in repair mode, not connected yet
 * @st:		State read from the original
 *
 * Return: 0 on success, -errno on failure
 */
static int tcp_repair_seqs(int s, const struct tcp_repair_state *st)
{
	int ret;

	if ((ret = tcp_repair_queue(s, TCP_SEND_QUEUE)))
		return ret;
	if (setsockopt(s, IPPROTO_TCP, TCP_QUEUE_SEQ, &st->seq_snd,
		       sizeof(st->seq_snd)))
		return -errno;
	if ((ret = tcp_repair_queue(s, TCP_RECV_QUEUE)))
		return ret;
	if (setsockopt(s, IPPROTO_TCP, TCP_QUEUE_SEQ, &st->seq_rcv,
		       sizeof(st->seq_rcv)))
		return -errno;
	return tcp_repair_queue(s, TCP_NO_QUEUE);
}

/**
 * tcp_repair_bind_connect() - bind() and connect() in repair mode, waiting
 *			       for the address to be free
 * @s:		Socket in repair mode, its sequence numbers set
 * @local:	Local address and port
 * @peer:	Peer
 * @sl:		Length of @local and @peer
 * @wait_ms:	How long an address in use may take to become free
 *
 * On the same host, the original (or a listener on its port) goes away only
 * when the source passt closes it: until then bind() finds the port in use
 * (EADDRINUSE) or connect() the same connection (EADDRNOTAVAIL).
 *
 * Return: 0 on success, -errno on failure
 */
static int tcp_repair_bind_connect(int s, const union sockaddr_inany *local,
				   const union sockaddr_inany *peer,
				   socklen_t sl, int wait_ms)
{
	bool bound = false;
	int tries = wait_ms;

	for (;;) {
		if (!bound && !bind(s, &local->sa, sl))
			bound = true;
		if (bound && !connect(s, &peer->sa, sl))
			return 0;
		if ((errno != EADDRINUSE && errno != EADDRNOTAVAIL) ||
		    tries-- <= 0)
			return -errno;
		poll(NULL, 0, 1);	/* a millisecond, at least */
	}
}

/**
 * tcp_repair_connect() - Connect a new socket in repair mode as the original
 * @s:		New TCP socket of the same family, in repair mode
 * @st:		State read from the original
 * @local:	Local address and port of the original
 * @peer:	Its peer
 * @sl:		Length of @local and @peer
 * @wait_ms:	How long the original's address may take to become free
 *
 * Return: 0 on success, -errno on failure (-EADDRINUSE or -EADDRNOTAVAIL:
 *	   the original, or a listener on its port, still exists here)
 */
int tcp_repair_connect(int s, const struct tcp_repair_state *st,
		       const union sockaddr_inany *local,
		       const union sockaddr_inany *peer, socklen_t sl,
		       int wait_ms)
{
	int ret;

	if (st->notsent > st->sndq)
		return -EINVAL;
	if ((ret = tcp_repair_seqs(s, st)) ||
	    (ret = tcp_repair_bind_connect(s, local, peer, sl, wait_ms)))
		return ret;
	return tcp_repair_options(s, st);
}

/**
 * tcp_repair_finish() - Complete a rebuilt connection, still in repair mode
 * @s:		Socket in repair mode, its queues filled
 * @st:		State read from the original
 *
 * Sets the timestamp clock and the windows; a FIN of ours the peer has
 * acknowledged already (FIN_WAIT2) is queued as sent, so that the socket
 * doesn't send it as new. The peer's FIN is the end of the receive queue:
 * reads find the end of file there (SHUT_RD sends nothing).
 *
 * Return: 0 on success, -errno on failure
 */
int tcp_repair_finish(int s, const struct tcp_repair_state *st)
{
	int ret;

	if ((st->options & TCPI_OPT_TIMESTAMPS) &&
	    setsockopt(s, IPPROTO_TCP, TCP_TIMESTAMP, &st->timestamp,
		       sizeof(st->timestamp)))
		return -errno;
	if ((ret = tcp_repair_window_set(s, st)))
		return ret;
	if (st->state == TCP_RS_FIN_WAIT2) {
		if ((ret = tcp_repair_queue(s, TCP_SEND_QUEUE)))
			return ret;
		ret = shutdown(s, SHUT_WR) ? -errno : 0;
		tcp_repair_queue(s, TCP_NO_QUEUE);
		if (ret)
			return ret;
	}
	if (tcp_repair_fin_rcvd(st->state) && shutdown(s, SHUT_RD))
		return -errno;
	return 0;
}

/**
 * tcp_repair_resume() - Send what the original hadn't sent yet, repair
 *			 mode off
 * @s:		Rebuilt socket, repair mode off
 * @st:		State read from the original
 * @tail:	The last @st->notsent bytes of its send queue
 *
 * Then our FIN, if the original had queued one the peer didn't
 * acknowledge: sent again (the peer takes a duplicate FIN as one).
 *
 * Return: 0 on success, -errno on failure (-EAGAIN: the send buffer
 *	   couldn't take the tail within TCP_REPAIR_TAIL_MS)
 */
int tcp_repair_resume(int s, const struct tcp_repair_state *st,
		      const uint8_t *tail)
{
	int tries = TCP_REPAIR_TAIL_MS / 10;
	uint32_t left = st->notsent;

	while (left) {
		ssize_t n = send(s, tail, left, MSG_NOSIGNAL | MSG_DONTWAIT);
		struct pollfd p = { .fd = s, .events = POLLOUT };

		if (n > 0) {
			tail += n;
			left -= (uint32_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (tries-- <= 0)
			return -EAGAIN;
		poll(&p, 1, 10);
	}
	if (tcp_repair_fin_sent(st->state) && st->state != TCP_RS_FIN_WAIT2 &&
	    shutdown(s, SHUT_WR))
		return -errno;
	return 0;
}

/**
 * tcp_repair_set() - Rebuild a connection in a new socket in repair mode
 * @s:		New TCP socket of the same family, in repair mode
 * @st:		State read from the original
 * @local:	Local address and port of the original
 * @peer:	Its peer
 * @sl:		Length of @local and @peer
 * @snd:	The original's send queue, @st->sndq bytes: those sent go in
 *		now, the last @st->notsent are the caller's to send once
 *		repair mode is off (tcp_repair_resume())
 * @rcv:	Its receive queue, @st->rcvq bytes
 *
 * Return: 0 on success, -errno on failure
 */
int tcp_repair_set(int s, const struct tcp_repair_state *st,
		   const union sockaddr_inany *local,
		   const union sockaddr_inany *peer, socklen_t sl,
		   const uint8_t *snd, const uint8_t *rcv)
{
	int ret;

	if ((ret = tcp_repair_connect(s, st, local, peer, sl, 0)) ||
	    (ret = tcp_repair_fill(s, TCP_SEND_QUEUE, snd,
				   st->sndq - st->notsent)) ||
	    (ret = tcp_repair_fill(s, TCP_RECV_QUEUE, rcv, st->rcvq)))
		return ret;
	return tcp_repair_finish(s, st);
}

/**
 * tcp_repair_window_set() - Set the windows of a rebuilt connection
 * @s:		Socket in repair mode, its queues in place
 * @st:		State read from the original
 *
 * Return: 0 on success, -errno on failure
 */
int tcp_repair_window_set(int s, const struct tcp_repair_state *st)
{
	if (setsockopt(s, IPPROTO_TCP, TCP_REPAIR_WINDOW, &st->wnd,
		       sizeof(st->wnd)))
		return -errno;
	return 0;
}
