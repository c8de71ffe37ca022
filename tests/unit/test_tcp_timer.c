// SPDX-License-Identifier: GPL-2.0-or-later
/* test_tcp_timer.c - the TCP state machine against the clock:
 * retransmission on timeout and on duplicate ACKs, handshake and connect
 * timeouts, idle connections
 *
 * The engine's clock is frozen (tcp_fixture.h): a deadline expires when a
 * test moves it there with fx_advance(), and a tick a millisecond earlier
 * must find nothing to do. Constants under test (tcp_conn.c): RTO 200 ms,
 * doubling up to 30 s, 8 retransmissions without progress; 4 for a SYN or
 * SYN-ACK; connect() 30 s; half-closed and idle for more than 120 s.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_fixture.h"
#include "tcp_fixture_host.h"

#define RTO_INIT_MS	200
#define RTO_MAX_MS	30000
#define MAX_RETRIES	8
#define CONNECT_MS	30000
#define FIN_IDLE_MS	120000

/**
 * expire() - Move the clock to a deadline: nothing happens a millisecond
 *	      before it, something at it
 * @ms:		Milliseconds from now to the deadline, at least 2
 */
static void expire(uint64_t ms)
{
	fx_advance(ms - 1);
	fx_quiet();
	fx_advance(1);
}

/**
 * expect_data() - Take data frames carrying given bytes at a given sequence
 * @c:		Connection
 * @seq:	Sequence number of the first byte
 * @data:	Bytes expected
 * @len:	How many
 */
static void expect_data(const struct fx_conn *c, uint32_t seq,
			const uint8_t *data, size_t len)
{
	struct fx_seg s;
	size_t got = 0;

	while (got < len) {
		fx_expect(c, TCP_F_ACK, seq + (uint32_t)got, c->gseq, &s);
		assert_true(s.len > 0 && s.len <= len - got);
		assert_memory_equal(s.data, data + got, s.len);
		got += s.len;
	}
}

/**
 * acked_then_reset() - The guest acknowledges everything: no retransmission
 *			may follow, however long; then the guest resets
 * @c:		Connection
 */
static void acked_then_reset(const struct fx_conn *c)
{
	fx_guest_ack(c, c->rseq, c->gwnd);
	fx_advance(RTO_MAX_MS * 2);
	fx_quiet();
	fx_peer_nothing(c);
	fx_guest_rst(c);
	fx_assert_no_flows();
}

/* Unacknowledged data is sent again from the oldest unacknowledged byte
 * when the RTO expires, with the timeout doubled each time
 */
static void test_rto_retransmits_from_snd_una(void **state)
{
	static uint8_t data[1500], got[1500];
	struct fx_conn c;
	uint32_t start;

	(void)state;
	fx_open_out(&c, true, 41001);
	fx_pattern(data, sizeof(data), 5);
	start = c.rseq;
	fx_peer_write(&c, data, sizeof(data));
	fx_recv_data(&c, got, sizeof(got));

	/* The first 1000 bytes are acknowledged: the timer restarts */
	fx_advance(150);
	fx_quiet();
	fx_guest_ack(&c, start + 1000, c.gwnd);
	fx_quiet();

	expire(RTO_INIT_MS);
	expect_data(&c, start + 1000, data + 1000, 500);
	fx_quiet();
	expire(RTO_INIT_MS * 2);
	expect_data(&c, start + 1000, data + 1000, 500);
	fx_quiet();

	acked_then_reset(&c);
}

/* After 8 retransmissions without progress the connection is reset */
static void test_rto_gives_up(void **state)
{
	uint64_t rto = RTO_INIT_MS;
	struct fx_conn c;
	struct fx_seg s;
	uint32_t start;
	uint8_t got[100];
	int i;

	(void)state;
	fx_open_in(&c, true);
	start = c.rseq;
	fx_peer_write(&c, "0123456789", 10);
	fx_recv_data(&c, got, 10);

	for (i = 0; i < MAX_RETRIES; i++) {
		fx_advance(rto);
		expect_data(&c, start, (const uint8_t *)"0123456789", 10);
		fx_quiet();
		rto = rto * 2 > RTO_MAX_MS ? RTO_MAX_MS : rto * 2;
	}
	assert_int_equal(rto, RTO_MAX_MS);
	expire(rto);
	fx_expect(&c, TCP_F_RST | TCP_F_ACK, c.rseq, c.gseq, &s);
	fx_assert_no_flows();
	fx_peer_reset(&c);
}

/* The third duplicate ACK resends at once what it didn't acknowledge; an
 * ACK that changes the window is no duplicate
 */
static void test_three_dup_acks_retransmit(void **state)
{
	static uint8_t data[3000], got[3000];
	struct fx_conn c;
	uint32_t start;

	(void)state;
	fx_open_out(&c, true, 41002);
	fx_pattern(data, sizeof(data), 6);
	start = c.rseq;
	fx_peer_write(&c, data, sizeof(data));
	fx_recv_data(&c, got, sizeof(got));

	fx_guest_ack(&c, start + 1000, c.gwnd);
	fx_quiet();
	fx_guest_ack(&c, start + 1000, c.gwnd);
	fx_guest_ack(&c, start + 1000, c.gwnd);
	fx_quiet();
	c.gwnd -= 1000;		/* a window update, not a duplicate */
	fx_guest_ack(&c, start + 1000, c.gwnd);
	fx_quiet();
	fx_guest_ack(&c, start + 1000, c.gwnd);	/* third duplicate */
	expect_data(&c, start + 1000, data + 1000, 2000);
	fx_quiet();
	acked_then_reset(&c);
}

/* Without SO_PEEK_OFF (Linux before 6.9) the bytes in flight are peeked
 * past: new data still goes out once, and retransmissions still start at
 * the oldest unacknowledged byte
 */
static void test_retransmit_without_peek_off(void **state)
{
	static uint8_t data[3500], got[3500];
	struct fx_conn c;
	uint32_t start;

	(void)state;
	fx.t.peek_off = false;	/* what tcp_init() finds on such kernels */
	fx_open_out(&c, true, 41009);
	fx_pattern(data, sizeof(data), 7);
	start = c.rseq;
	fx_peer_write(&c, data, 3000);
	fx_recv_data(&c, got, 3000);
	fx_peer_write(&c, data + 3000, 500);
	fx_recv_data(&c, got + 3000, 500);
	assert_memory_equal(got, data, sizeof(data));

	fx_guest_ack(&c, start + 1000, c.gwnd);
	fx_guest_ack(&c, start + 1000, c.gwnd);
	fx_guest_ack(&c, start + 1000, c.gwnd);
	fx_quiet();
	fx_guest_ack(&c, start + 1000, c.gwnd);
	expect_data(&c, start + 1000, data + 1000, 2500);
	fx_quiet();
	expire(RTO_INIT_MS);
	expect_data(&c, start + 1000, data + 1000, 2500);
	fx_quiet();

	fx_guest_ack(&c, c.rseq, c.gwnd);
	fx_peer_write(&c, "end", 3);
	expect_data(&c, c.rseq, (const uint8_t *)"end", 3);
	c.rseq += 3;
	acked_then_reset(&c);
}

/* Our FIN, unacknowledged, is sent again on timeout */
static void test_fin_retransmitted(void **state)
{
	struct fx_conn c;
	struct fx_seg s;
	uint32_t fin;

	(void)state;
	fx_open_out(&c, true, 41003);
	assert_int_equal(shutdown(c.peer, SHUT_WR), 0);
	fin = c.rseq;
	fx_expect(&c, TCP_F_FIN | TCP_F_ACK, fin, c.gseq, &s);
	fx_quiet();
	expire(RTO_INIT_MS);
	fx_expect(&c, TCP_F_FIN | TCP_F_ACK, fin, c.gseq, &s);
	fx_quiet();

	c.rseq = fin + 1;
	fx_guest_fin(&c);
	fx_assert_no_flows();
	fx_peer_eof(&c);
}

/* A host that doesn't answer connect() within 30 s: RST to the guest */
static void test_connect_timeout(void **state)
{
	union sockaddr_inany sa;
	int l = fx_host_listener(true, 0), filler;
	struct fx_conn c;
	struct fx_seg s;
	socklen_t sl;

	(void)state;
	/* Backlog 0 takes one connection, then drops SYNs */
	sl = fx_sock_addr(true, fx_sock_port(l), &sa);
	filler = fx_fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
	assert_int_equal(connect(filler, &sa.sa, sl), 0);

	fx_conn_init(&c, true, 41004, fx_sock_port(l));
	fx_guest_syn(&c);
	fx_quiet();
	assert_int_equal(flow_count(&fx.flows), 1);

	expire(CONNECT_MS);
	fx_expect(&c, TCP_F_RST | TCP_F_ACK, 0, c.gseq, &s);
	fx_assert_no_flows();
}

/* Our SYN to the guest is sent again with back-off, then given up on:
 * the host peer is reset
 */
static void test_syn_to_guest_unanswered(void **state)
{
	uint64_t rto = RTO_INIT_MS;
	struct fx_conn c;
	struct fx_seg s;
	int i;

	(void)state;
	fx_listen_in(true);
	fx_host_connect(&c, true);
	fx_expect_our_syn(&c, false);

	for (i = 0; i < MAX_RETRIES / 2; i++) {
		expire(rto);
		fx_next(&c, &s);
		assert_int_equal(s.flags, TCP_F_SYN);
		assert_int_equal(s.seq, c.isn);
		assert_int_equal(s.mss, FX_MTU - 40);
		fx_quiet();
		rto *= 2;
	}
	assert_int_equal(flow_count(&fx.flows), 1);
	expire(rto);
	fx_assert_no_flows();
	fx_peer_reset(&c);
}

/* Our SYN-ACK, unacknowledged, is sent again, then the guest gets an RST
 * and the host peer a reset
 */
static void test_synack_unanswered(void **state)
{
	uint64_t rto = RTO_INIT_MS;
	struct fx_conn c;
	struct fx_seg s;
	int l, i;

	(void)state;
	l = fx_host_listener(true, 16);
	fx_conn_init(&c, true, 41005, fx_sock_port(l));
	fx_guest_syn(&c);
	fx_expect_our_syn(&c, true);
	c.peer = fx_peer_opts(fx_fd(accept4(l, NULL, NULL, SOCK_CLOEXEC)));

	/* An ACK of something else completes nothing: dropped, or answered
	 * with an RST (RFC 9293 3.10.7.4), and the SYN-ACK goes on
	 */
	fx_guest_ack(&c, c.isn, c.gwnd);
	fx_only(&c, TCP_F_RST, c.isn);

	for (i = 0; i < MAX_RETRIES / 2; i++) {
		expire(rto);
		fx_expect(&c, TCP_F_SYN | TCP_F_ACK, c.isn, c.gseq, &s);
		fx_quiet();
		rto *= 2;
	}
	expire(rto);
	fx_expect(&c, TCP_F_RST | TCP_F_ACK, c.rseq, c.gseq, &s);
	fx_assert_no_flows();
	fx_peer_reset(&c);
}

/* An established connection with nothing in flight has no idle timeout
 * (the host socket has SO_KEEPALIVE): hours later it still works
 */
static void test_established_idle_kept(void **state)
{
	struct fx_conn c;
	uint8_t got[4];

	(void)state;
	fx_open_out(&c, true, 41006);
	fx_advance(3 * 3600 * 1000ULL);
	fx_quiet();
	fx_advance(FIN_IDLE_MS);
	fx_quiet();
	assert_int_equal(flow_count(&fx.flows), 1);

	fx_peer_write(&c, "late", 4);
	fx_recv_data(&c, got, 4);
	fx_guest(&c, TCP_F_ACK, "ok", 2);
	fx_expect_ack(&c);
	fx_peer_read(&c, got, 2);
	assert_memory_equal(got, "ok", 2);
	fx_guest_rst(&c);
	fx_assert_no_flows();
}

/* The guest closed, the host stays silent: after 120 s without activity
 * the connection is reset both ways
 */
static void test_half_closed_by_guest_idle(void **state)
{
	struct fx_conn c;
	struct fx_seg s;

	(void)state;
	fx_open_out(&c, true, 41007);
	fx_guest_fin(&c);
	fx_peer_eof(&c);

	expire(FIN_IDLE_MS + 1);
	fx_expect(&c, TCP_F_RST | TCP_F_ACK, c.rseq, c.gseq, &s);
	fx_assert_no_flows();
	fx_peer_reset(&c);
}

/* The host closed, the guest acknowledged and stays silent: reset after
 * 120 s
 */
static void test_half_closed_by_host_idle(void **state)
{
	struct fx_conn c;
	struct fx_seg s;

	(void)state;
	fx_open_in(&c, true);
	assert_int_equal(shutdown(c.peer, SHUT_WR), 0);
	fx_expect(&c, TCP_F_FIN | TCP_F_ACK, c.rseq, c.gseq, &s);
	c.rseq++;
	fx_guest(&c, TCP_F_ACK, NULL, 0);
	fx_quiet();

	expire(FIN_IDLE_MS + 1);
	fx_expect(&c, TCP_F_RST | TCP_F_ACK, c.rseq, c.gseq, &s);
	fx_assert_no_flows();
	fx_peer_reset(&c);
}

/* Traffic on a half-closed connection, either way, puts its idle timeout
 * off
 */
static void test_half_closed_idle_counts_from_activity(void **state)
{
	struct fx_conn c;
	struct fx_seg s;
	uint8_t got[4];

	(void)state;
	fx_open_out(&c, true, 41008);
	fx_guest_fin(&c);

	/* From the host, 60 s after the FIN */
	fx_advance(FIN_IDLE_MS / 2);
	fx_quiet();
	fx_peer_write(&c, "data", 4);
	fx_recv_data(&c, got, 4);
	fx_guest(&c, TCP_F_ACK, NULL, 0);
	fx_quiet();

	/* From the guest only (a keep-alive), 60 s later */
	fx_advance(FIN_IDLE_MS / 2);
	fx_quiet();
	fx_guest_frame(&c, TCP_F_ACK, c.gseq - 1, c.rseq, c.gwnd, 0, -1, NULL,
		       0);
	fx_batch_end();
	fx_expect_ack(&c);

	/* 120 s after the host's data, 60 s after the keep-alive */
	fx_advance(FIN_IDLE_MS / 2);
	fx_quiet();
	assert_int_equal(flow_count(&fx.flows), 1);

	expire(FIN_IDLE_MS / 2 + 1);
	fx_expect(&c, TCP_F_RST | TCP_F_ACK, c.rseq, c.gseq, &s);
	fx_assert_no_flows();
}

/* Host data counts as activity too, even when the guest's closed window
 * keeps it from going anywhere
 */
static void test_half_closed_idle_counts_host_activity(void **state)
{
	struct fx_conn c;
	struct fx_seg s;

	(void)state;
	fx_open_out(&c, true, 41010);
	c.gwnd = 0;
	fx_guest_fin(&c);

	fx_advance(FIN_IDLE_MS / 2);
	fx_quiet();
	fx_peer_write(&c, "data", 4);
	fx_quiet();		/* no room for it in the guest */

	fx_advance(FIN_IDLE_MS / 2);
	fx_quiet();
	assert_int_equal(flow_count(&fx.flows), 1);
	expire(FIN_IDLE_MS / 2 + 1);
	fx_expect(&c, TCP_F_RST | TCP_F_ACK, c.rseq, c.gseq, &s);
	fx_assert_no_flows();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)
		T(test_rto_retransmits_from_snd_una),
		T(test_rto_gives_up),
		T(test_three_dup_acks_retransmit),
		T(test_retransmit_without_peek_off),
		T(test_fin_retransmitted),
		T(test_connect_timeout),
		T(test_syn_to_guest_unanswered),
		T(test_synack_unanswered),
		T(test_established_idle_kept),
		T(test_half_closed_by_guest_idle),
		T(test_half_closed_by_host_idle),
		T(test_half_closed_idle_counts_from_activity),
		T(test_half_closed_idle_counts_host_activity),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
