// SPDX-License-Identifier: GPL-2.0-or-later
/* test_tcp_ooo.c - guest payload ahead of a gap (transport/tcp_ooo.c): kept
 * across batches until the gap is filled, bounded, given back when its
 * connection closes, asked for with duplicate ACKs, and a stream scrambled
 * as a lossy link does it comes out whole
 *
 * Through the engine's entry points with the fake sink and real loopback
 * peers of tcp_fixture.h, as test_tcp.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_fixture.h"
#include "tcp_fixture_host.h"

/**
 * ahead() - A segment from the guest @off bytes after the next expected one
 * @c:		Connection
 * @off:	Offset from @c->gseq
 * @data:	Payload
 * @len:	Its length
 */
static void ahead(const struct fx_conn *c, uint32_t off, const void *data,
		  size_t len)
{
	fx_guest_frame(c, TCP_F_ACK, c->gseq + off, c->rseq, c->gwnd, 0, -1,
		       data, len);
}

/**
 * conn_of() - The engine's connection for a test's one
 * @c:		Connection
 *
 * Return: it, in the TCP context
 */
static const struct tcp_conn *conn_of(const struct fx_conn *c)
{
	struct flow_key k = { .proto = IPPROTO_TCP, .gaddr = c->gaddr,
			      .raddr = c->raddr, .gport = c->gport,
			      .rport = c->rport };
	int idx = flow_lookup(&fx.flows, &k);

	assert_true(idx >= 0);
	return &fx.t.conn[idx];
}

/**
 * close_guest_first() - Close cleanly, the guest first; no flow and no pool
 *			 slot may be left
 * @c:		Established connection, nothing in flight
 */
static void close_guest_first(struct fx_conn *c)
{
	fx_close_guest_first(c);
	fx_assert_no_flows();
	assert_int_equal(fx.t.pool.used, 0);
}

/* Kept past the end of its batch: the segment that fills the gap, in a
 * later batch, writes both, and one ACK covers both
 */
static void test_gap_filled_in_later_batch(void **state)
{
	struct fx_conn c;
	uint8_t got[8];

	(void)state;
	fx_open_out(&c, true, 40101);

	ahead(&c, 4, "wxyz", 4);
	fx_batch_end();
	fx_expect_ack(&c);	/* duplicate: still asks for c.gseq */
	fx_quiet();
	fx_peer_nothing(&c);
	assert_int_equal(fx.t.pool.used, 1);

	fx_guest(&c, TCP_F_ACK, "mnop", 4);	/* fills it: c.gseq += 4 */
	c.gseq += 4;
	fx_expect_ack(&c);
	fx_peer_read(&c, got, 8);
	assert_memory_equal(got, "mnopwxyz", 8);
	fx_peer_nothing(&c);
	assert_int_equal(fx.t.pool.used, 0);
	close_guest_first(&c);
}

/* Several gaps, filled one by one over several batches, partly by
 * retransmissions that overlap what is kept: every byte once, in order
 */
static void test_two_gaps_and_overlap(void **state)
{
	static const char all[] = "0123456789abcdefghij";
	struct fx_conn c;
	uint8_t got[20];

	(void)state;
	fx_open_out(&c, true, 40102);

	ahead(&c, 15, all + 15, 5);
	ahead(&c, 5, all + 5, 5);
	fx_batch_end();
	fx_expect_ack(&c);
	fx_expect_ack(&c);	/* one duplicate ACK per segment ahead */
	fx_quiet();

	/* first gap: 0..6, overlapping the kept 5..9 */
	fx_guest_frame(&c, TCP_F_ACK, c.gseq, c.rseq, c.gwnd, 0, -1, all, 7);
	c.gseq += 10;
	fx_batch_end();
	fx_expect_ack(&c);
	fx_peer_read(&c, got, 10);
	assert_memory_equal(got, all, 10);
	fx_peer_nothing(&c);

	/* second gap: 10..14 */
	fx_guest(&c, TCP_F_ACK, all + 10, 5);
	c.gseq += 5;
	fx_expect_ack(&c);
	fx_peer_read(&c, got, 10);
	assert_memory_equal(got, all + 10, 10);
	fx_peer_nothing(&c);
	assert_int_equal(fx.t.pool.used, 0);
	close_guest_first(&c);
}

/* RFC 5681 4.2: three segments ahead of a gap in one batch get three
 * duplicate ACKs (not one), so that the guest retransmits at once; more
 * than three don't get more
 */
static void test_duplicate_acks(void **state)
{
	static uint8_t data[5000];
	unsigned int i, k;
	struct fx_conn c;

	(void)state;
	fx_open_out(&c, true, 40103);
	fx_pattern(data, sizeof(data), 3);

	for (k = 0; k < 2; k++) {	/* the second time: nothing more kept */
		for (i = 1; i < 5; i++)
			ahead(&c, i * 1000, data + i * 1000, 1000);
		fx_batch_end();
		for (i = 0; i < 3; i++)
			fx_expect_ack(&c);
		fx_quiet();
		assert_int_equal(fx.t.pool.used, 4);
	}

	fx_guest(&c, TCP_F_ACK, data, 1000);
	c.gseq += 4000;
	fx_expect_ack(&c);
	{
		static uint8_t got[5000];

		fx_peer_read(&c, got, sizeof(got));
		assert_memory_equal(got, data, sizeof(data));
	}
	close_guest_first(&c);
}

/* A segment larger than a slot (segmentation offload) spreads over
 * several and comes out whole
 */
static void test_large_segment(void **state)
{
	static uint8_t data[1000 + 3 * TCP_OOO_SLOT_LEN + 7], got[sizeof(data)];
	struct fx_conn c;

	(void)state;
	fx_open_out(&c, true, 40104);
	fx_pattern(data, sizeof(data), 4);

	ahead(&c, 1000, data + 1000, sizeof(data) - 1000);
	fx_batch_end();
	fx_expect_ack(&c);
	fx_quiet();
	assert_int_equal(fx.t.pool.used, 4);

	fx_guest(&c, TCP_F_ACK, data, 1000);
	c.gseq += (uint32_t)sizeof(data) - 1000;
	fx_expect_ack(&c);
	fx_peer_read(&c, got, sizeof(got));
	assert_memory_equal(got, data, sizeof(data));
	assert_int_equal(fx.t.pool.used, 0);
	close_guest_first(&c);
}

/* One connection takes at most its share of the pool; what doesn't fit is
 * dropped and asked for again; a connection that closes (here: reset by
 * the guest) gives its slots back, and another one can use them
 */
static void test_bounded_and_given_back(void **state)
{
	static uint8_t seg[1000];
	struct fx_conn a, b;
	unsigned int i, n = 0;

	(void)state;
	fx_open_out(&a, true, 40105);
	fx_open_out(&b, false, 40106);

	while (n < TCP_OOO_CONN_SLOTS + TCP_OOO_MAX) {
		for (i = 0; i < TCP_OOO_MAX; i++, n++)
			ahead(&a, 1000 * (n + 1), seg, sizeof(seg));
		fx_batch_end();
		for (i = 0; i < 3; i++)
			fx_expect_ack(&a);
		fx_quiet();
	}
	assert_int_equal(conn_of(&a)->ooo_slots, TCP_OOO_CONN_SLOTS);
	assert_int_equal(fx.t.pool.used, TCP_OOO_CONN_SLOTS);

	ahead(&b, 10, "kept", 4);
	fx_batch_end();
	fx_expect_ack(&b);
	fx_quiet();
	assert_int_equal(fx.t.pool.used, TCP_OOO_CONN_SLOTS + 1);

	fx_guest_rst(&a);
	fx_peer_reset(&a);
	assert_int_equal(fx.t.pool.used, 1);
	close_guest_first(&b);
}

#define SCR_SEG 1000	/* bytes per segment */
#define SCR_NSEG 300	/* segments in the stream */
#define SCR_WND 48	/* segments the guest sends ahead of the ACK */

/**
 * scr_rand() - Deterministic pseudo-random numbers (an LCG) for the test
 * @x:		State, advanced
 * @n:		Bound
 *
 * Return: a number below @n
 */
static unsigned int scr_rand(uint32_t *x, unsigned int n)
{
	*x = *x * 1103515245U + 12345U;
	return (*x >> 16) % n;
}

/**
 * scr_peer_drain() - Read what the host peer has, without waiting
 * @c:		Connection
 * @buf:	Stream so far, appended to
 * @got:	Bytes in @buf, advanced
 * @cap:	Size of @buf
 */
static void scr_peer_drain(const struct fx_conn *c, uint8_t *buf,
			   size_t *got, size_t cap)
{
	ssize_t n;

	while (*got < cap &&
	       (n = recv(c->peer, buf + *got, cap - *got, MSG_DONTWAIT)) > 0)
		*got += (size_t)n;
}

/* A stream sent as the guest's stack does after losses, in random batches:
 * segments from a window ahead of the last ACK, in any order, some lost,
 * some twice; the ACKs only ever advance, each by whole segments, and the
 * peer gets the stream exactly
 */
static void test_scrambled_stream(void **state)
{
	static uint8_t data[SCR_NSEG * SCR_SEG], got[sizeof(data)];
	uint32_t x = 7, base, ack;
	unsigned int una = 0, rounds, i, n;
	struct fx_conn c;
	struct fx_seg sg;
	size_t have = 0;

	(void)state;
	fx_open_out(&c, true, 40107);
	fx_pattern(data, sizeof(data), 5);
	base = ack = c.gseq;

	for (rounds = 0; una < SCR_NSEG && rounds < 2000; rounds++) {
		n = 1 + scr_rand(&x, 32);
		for (i = 0; i < n; i++) {
			unsigned int k = una + scr_rand(&x, SCR_WND);

			if (k >= SCR_NSEG || !scr_rand(&x, 8))
				continue;	/* beyond the end, or lost */
			fx_guest_frame(&c, TCP_F_ACK, base + k * SCR_SEG,
				       c.rseq, c.gwnd, 0, -1,
				       data + k * SCR_SEG, SCR_SEG);
		}
		fx_batch_end();
		while (fx_pending()) {
			fx_next(&c, &sg);
			assert_int_equal(sg.flags & ~TCP_F_PSH, TCP_F_ACK);
			assert_int_equal(sg.len, 0);
			assert_true(seq_le(ack, sg.ack));
			ack = sg.ack;
		}
		assert_int_equal((ack - base) % SCR_SEG, 0);
		una = (ack - base) / SCR_SEG;
		scr_peer_drain(&c, got, &have, sizeof(got));
	}
	assert_int_equal(una, SCR_NSEG);
	fx_peer_read(&c, got + have, sizeof(got) - have);
	assert_memory_equal(got, data, sizeof(data));
	fx_peer_nothing(&c);
	c.gseq = ack;
	close_guest_first(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)
		T(test_gap_filled_in_later_batch),
		T(test_two_gaps_and_overlap),
		T(test_duplicate_acks),
		T(test_large_segment),
		T(test_bounded_and_given_back),
		T(test_scrambled_stream),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
