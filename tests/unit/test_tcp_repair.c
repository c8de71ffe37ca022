// SPDX-License-Identifier: GPL-2.0-or-later
/* test_tcp_repair.c - a connected socket's state read in repair mode and
 * rebuilt in a new socket (transport/tcp_repair.c), over loopback
 *
 * Repair mode needs CAP_NET_ADMIN: without it the tests are skipped, unless
 * $CI is set (CI runs as root), then they fail. passt-repair switches the
 * mode in the product; here the test does it itself.
 *
 * Each test moves one end (A) of a loopback connection to a new socket (A2)
 * while the other end (B) stays, as the remote peer of a migrated guest
 * does, and checks that B and A2 carry on with every byte once: queued each
 * way, sent or not, read or not, and while B keeps sending during the move.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "base/clock.h"
#include "base/util.h"
#include "transport/tcp_repair.h"
#include "repair_fixture.h"

#define BIG (4U << 20)		/* bytes A may send while B takes none */
#define SMALL (100U << 10)	/* bytes B sends that A doesn't read yet */
#define PUSH_MS 1500		/* B sends on its own for this long */
#define MOVES 5			/* migrations during the push */
#define SOURCE_LINGER_MS 20	/* old socket kept after the dump */

static uint8_t qsnd[16U << 20], qrcv[16U << 20], buf[16U << 20];

/**
 * pat() - Byte @i of the stream with seed @seed
 * @seed:	Seed
 * @i:		Offset in the stream
 *
 * Return: the byte
 */
static uint8_t pat(unsigned int seed, size_t i)
{
	return (uint8_t)((i * 7 + i / 251 + seed) & 0xff);
}

/**
 * repair() - Switch repair mode, as passt-repair does
 * @s:		Socket
 * @on:		TCP_REPAIR_ON or TCP_REPAIR_OFF
 */
static void repair(int s, int on)
{
	assert_int_equal(setsockopt(s, IPPROTO_TCP, TCP_REPAIR, &on,
				    sizeof(on)), 0);
}

/**
 * pair() - A connected loopback pair
 * @v4:		IPv4, else IPv6
 * @a:		Set to the accepted end (the one that moves)
 * @b:		Set to the connecting end (the peer that stays)
 */
static void pair(bool v4, int *a, int *b)
{
	union sockaddr_inany sa = { 0 };
	socklen_t sl = v4 ? sizeof(sa.sa4) : sizeof(sa.sa6);
	int l = socket(v4 ? AF_INET : AF_INET6, SOCK_STREAM, 0);

	assert_true(l >= 0);
	if (v4) {
		sa.sa4.sin_family = AF_INET;
		sa.sa4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else {
		sa.sa6.sin6_family = AF_INET6;
		sa.sa6.sin6_addr = in6addr_loopback;
	}
	assert_int_equal(bind(l, &sa.sa, sl), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, &sa.sa, &sl), 0);
	*b = socket(v4 ? AF_INET : AF_INET6, SOCK_STREAM, 0);
	assert_int_equal(connect(*b, &sa.sa, sl), 0);
	*a = accept(l, NULL, NULL);
	assert_true(*a >= 0);
	close(l);
}

/**
 * move_in() - Move A to a new socket: freeze, dump, close, rebuild, send the
 *	       tail that wasn't sent
 * @a:		Socket, replaced by the new one
 * @out:	Set to the state that moved, if not NULL
 * @state:	TCP state A must be in
 */
static void move_in(int *a, struct tcp_repair_state *out, int state)
{
	union sockaddr_inany local, peer;
	struct tcp_repair_state st;
	socklen_t sl = sizeof(local), bl = sizeof(int);
	int sndbuf;

	assert_int_equal(getsockname(*a, &local.sa, &sl), 0);
	assert_int_equal(getpeername(*a, &peer.sa, &sl), 0);
	assert_int_equal(getsockopt(*a, SOL_SOCKET, SO_SNDBUF, &sndbuf, &bl), 0);
	assert_int_equal(tcp_repair_freeze(*a), 0);
	repair(*a, TCP_REPAIR_ON);
	assert_int_equal(tcp_repair_get(*a, &st, qsnd, sizeof(qsnd)), 0);
	assert_int_equal(st.state, state);
	assert_true(st.rcvq <= sizeof(qrcv));
	assert_int_equal(tcp_repair_peek_rcvq(*a, 0, qrcv, st.rcvq), 0);
	/* A source passt keeps its sockets until qemu has the whole state,
	 * at least: anything B sends meanwhile must not be taken by them
	 */
	usleep(SOURCE_LINGER_MS * 1000);
	close(*a);		/* in repair mode: nothing sent to B */

	*a = socket(local.sa.sa_family, SOCK_STREAM, 0);
	assert_true(*a >= 0);
	/* room for the whole queue, as passt gives every socket the largest
	 * buffer allowed (the original grew its own): the tail goes in after
	 * the part already sent
	 */
	sndbuf = MAX(sndbuf, (int)st.sndq + (1 << 20));
	setsockopt(*a, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof(sndbuf));
	repair(*a, TCP_REPAIR_ON);
	assert_int_equal(tcp_repair_set(*a, &st, &local, &peer, sl, qsnd,
					qrcv), 0);
	repair(*a, TCP_REPAIR_OFF);
	assert_int_equal(tcp_repair_resume(*a, &st, qsnd + st.sndq -
					   st.notsent), 0);
	if (out)
		*out = st;
}

/**
 * move() - move_in() for an established A
 * @a:		Socket, replaced by the new one
 * @out:	Set to the state that moved, if not NULL
 */
static void move(int *a, struct tcp_repair_state *out)
{
	move_in(a, out, 1 /* TCP_ESTABLISHED */);
}

/**
 * send_some() - Send up to @len bytes of the stream @seed from offset @off,
 *		 as many as the socket takes without blocking
 * @s:		Socket
 * @seed:	Stream
 * @off:	Offset of the first byte
 * @len:	Bytes at most
 *
 * Return: bytes sent
 */
static size_t send_some(int s, unsigned int seed, size_t off, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = pat(seed, off + i);
	for (i = 0; i < len; ) {
		ssize_t n = send(s, buf + i, len - i,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EAGAIN)
			break;
		assert_true(n > 0);
		i += (size_t)n;
	}
	return i;
}

/**
 * send_all() - Send exactly @len bytes of the stream @seed from offset @off
 * @s:		Socket
 * @seed:	Stream
 * @off:	Offset of the first byte
 * @len:	Bytes
 */
static void send_all(int s, unsigned int seed, size_t off, size_t len)
{
	assert_int_equal(send_some(s, seed, off, len), len);
}

/**
 * check_bytes() - The first @n bytes of buf are stream @seed from @off
 * @seed:	Stream
 * @off:	Offset of buf[0] in it
 * @n:		Bytes
 */
static void check_bytes(unsigned int seed, size_t off, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (buf[i] != pat(seed, off + i))
			fail_msg("byte %zu differs", off + i);
	}
}

/**
 * recv_check() - Receive exactly @len bytes of the stream @seed from @off
 * @s:		Socket
 * @seed:	Stream
 * @off:	Offset of the first byte expected
 * @len:	Bytes
 */
static void recv_check(int s, unsigned int seed, size_t off, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(s, buf, MIN(len - got, sizeof(buf)), 0);

		assert_true(n > 0);
		check_bytes(seed, off + got, (size_t)n);
		got += (size_t)n;
	}
}

/**
 * queued_both_ways() - Bytes queued each way move with A: received and not
 *			read, sent and not acknowledged, not sent yet
 * @v4:		IPv4, else IPv6
 */
static void queued_both_ways(bool v4)
{
	struct tcp_repair_state st;
	int a, b;
	size_t n;

	if (!can_repair())
		skip();
	pair(v4, &a, &b);
	send_all(b, 2, 0, SMALL);	/* A doesn't read: its receive queue */
	send_all(a, 1, 0, 1000);
	recv_check(b, 1, 0, 1000);

	/* B takes nothing more for now: A's bytes are sent, never
	 * acknowledged, and once its window is used up, not sent
	 */
	assert_int_equal(tcp_repair_freeze(b), 0);
	n = send_some(a, 1, 1000, BIG);
	usleep(100 * 1000);

	move(&a, &st);
	assert_int_equal(st.rcvq, SMALL);
	assert_int_equal(st.sndq, n);
	assert_true(st.notsent > 0 && st.notsent < st.sndq);
	assert_int_equal(tcp_repair_thaw(b), 0);	/* A2 retransmits */

	recv_check(a, 2, 0, SMALL);
	recv_check(b, 1, 1000, n);
	send_all(a, 1, 1000 + n, 5000);		/* and on, both ways */
	send_all(b, 2, SMALL, 7000);
	recv_check(b, 1, 1000 + n, 5000);
	recv_check(a, 2, SMALL, 7000);
	close(a);
	close(b);
}

static void test_queued_both_ways_v4(void **state)
{
	(void)state;
	queued_both_ways(true);
}

static void test_queued_both_ways_v6(void **state)
{
	(void)state;
	queued_both_ways(false);
}

/**
 * recv_eof() - The next read finds the end of file
 * @s:		Socket
 */
static void recv_eof(int s)
{
	assert_int_equal(recv(s, buf, 1, 0), 0);
}

/**
 * half_closed_by_us() - A shut down for writing, its FIN acknowledged
 *			 (FIN_WAIT2) or not even sent (FIN_WAIT1): B still
 *			 sends, A2 reads, and B finds A's data then one end
 *			 of file
 * @acked:	B took everything before A's move
 */
static void half_closed_by_us(bool acked)
{
	struct tcp_repair_state st;
	size_t n = 3000;
	int a, b;

	if (!can_repair())
		skip();
	pair(true, &a, &b);
	send_all(b, 2, 0, SMALL);
	if (!acked)
		assert_int_equal(tcp_repair_freeze(b), 0);
	n = acked ? (send_all(a, 1, 0, n), n) : send_some(a, 1, 0, BIG);
	assert_int_equal(shutdown(a, SHUT_WR), 0);
	if (acked)
		recv_check(b, 1, 0, n);
	usleep(100 * 1000);

	move_in(&a, &st, acked ? 5 /* FIN_WAIT2 */ : 4 /* FIN_WAIT1 */);
	assert_int_equal(st.rcvq, SMALL);
	assert_int_equal(st.sndq, acked ? 0 : n);
	if (!acked) {
		assert_true(st.notsent > 0);
		assert_int_equal(tcp_repair_thaw(b), 0);
		recv_check(b, 1, 0, n);
	}
	recv_eof(b);
	recv_check(a, 2, 0, SMALL);
	send_all(b, 2, SMALL, 9000);
	recv_check(a, 2, SMALL, 9000);
	assert_int_equal(shutdown(b, SHUT_WR), 0);
	recv_eof(a);
	close(a);
	close(b);
}

static void test_half_closed_fin_acked(void **state)
{
	(void)state;
	half_closed_by_us(true);
}

static void test_half_closed_fin_unsent(void **state)
{
	(void)state;
	half_closed_by_us(false);
}

/**
 * half_closed_by_peer() - B shut down for writing (A in CLOSE_WAIT, its
 *			   data unread, or LAST_ACK if A closed too): A2
 *			   reads the data then the end of file, and what A2
 *			   still sends reaches B
 * @both:	A shut down as well, B taking nothing (its FIN unsent)
 */
static void half_closed_by_peer(bool both)
{
	struct tcp_repair_state st;
	size_t n = 0;
	int a, b;

	if (!can_repair())
		skip();
	pair(false, &a, &b);
	send_all(b, 2, 0, SMALL);
	assert_int_equal(shutdown(b, SHUT_WR), 0);
	usleep(50 * 1000);
	if (both) {
		assert_int_equal(tcp_repair_freeze(b), 0);
		n = send_some(a, 1, 0, BIG);
		assert_int_equal(shutdown(a, SHUT_WR), 0);
		usleep(100 * 1000);
	}

	move_in(&a, &st, both ? 9 /* LAST_ACK */ : 8 /* CLOSE_WAIT */);
	assert_int_equal(st.rcvq, SMALL);
	recv_check(a, 2, 0, SMALL);
	recv_eof(a);
	if (both) {
		assert_int_equal(tcp_repair_thaw(b), 0);
	} else {
		send_all(a, 1, 0, 20000);
		n = 20000;
		assert_int_equal(shutdown(a, SHUT_WR), 0);
	}
	recv_check(b, 1, 0, n);
	recv_eof(b);
	close(a);
	close(b);
}

static void test_half_closed_by_peer(void **state)
{
	(void)state;
	half_closed_by_peer(false);
}

static void test_closed_both_fin_unsent(void **state)
{
	(void)state;
	half_closed_by_peer(true);
}

/**
 * struct pusher - B sending on its own, the byte count it reached
 * @s:		B
 * @sent:	Bytes of stream 3 sent so far
 */
struct pusher {
	int s;
	size_t sent;
};

/**
 * push() - Thread: send stream 3 on B in small writes for PUSH_MS
 * @arg:	struct pusher
 *
 * Return: NULL
 */
static void *push(void *arg)
{
	uint64_t end = clock_ms() + PUSH_MS;
	struct pusher *p = arg;
	uint8_t chunk[1000];

	while (clock_ms() < end) {
		size_t i;
		ssize_t n;

		for (i = 0; i < sizeof(chunk); i++)
			chunk[i] = pat(3, p->sent + i);
		n = send(p->s, chunk, sizeof(chunk), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0)
			__atomic_add_fetch(&p->sent, (size_t)n,
					   __ATOMIC_RELEASE);
		usleep(200);
	}
	shutdown(p->s, SHUT_WR);
	return NULL;
}

/* B keeps sending while A is moved again and again: A's stream has every
 * byte once, none lost in the moves (what B sends to a frozen socket is
 * neither taken nor acknowledged, so B sends it again to the new one)
 */
static void test_peer_pushing_during_moves(void **state)
{
	struct pusher p = { 0 };
	size_t got = 0;
	pthread_t th;
	int a, k;

	(void)state;
	if (!can_repair())
		skip();
	pair(true, &a, &p.s);
	assert_int_equal(pthread_create(&th, NULL, push, &p), 0);

	for (k = 0; k <= MOVES; k++) {
		uint64_t until = clock_ms() + PUSH_MS / (MOVES + 2);

		while (clock_ms() < until) {
			ssize_t n = recv(a, buf, 4096, MSG_DONTWAIT);

			if (n > 0) {
				check_bytes(3, got, (size_t)n);
				got += (size_t)n;
			} else {
				usleep(500);
			}
		}
		if (k < MOVES)
			move(&a, NULL);
	}
	assert_int_equal(pthread_join(th, NULL), 0);
	for (;;) {
		ssize_t n = recv(a, buf, sizeof(buf), 0);

		assert_true(n >= 0);
		if (!n)
			break;
		check_bytes(3, got, (size_t)n);
		got += (size_t)n;
	}
	assert_int_equal(got, p.sent);
	assert_true(got > 100000);
	close(a);
	close(p.s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queued_both_ways_v4),
		cmocka_unit_test(test_queued_both_ways_v6),
		cmocka_unit_test(test_peer_pushing_during_moves),
		cmocka_unit_test(test_half_closed_fin_acked),
		cmocka_unit_test(test_half_closed_fin_unsent),
		cmocka_unit_test(test_half_closed_by_peer),
		cmocka_unit_test(test_closed_both_fin_unsent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
