// SPDX-License-Identifier: GPL-2.0-or-later
/* test_tcp.c - the TCP state machine through its entry points: handshakes
 * both ways, data both ways, the guest's window, closes and resets, and
 * segments nobody expects (timers: test_tcp_timer.c)
 *
 * A fake frame sink stands for the guest's link and real loopback sockets
 * for the host (tcp_fixture.h): every test checks what the guest gets,
 * frame by frame, what the host peer gets, and that no flow is left.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_fixture.h"
#include "tcp_fixture_host.h"

/**
 * echo_check() - One exchange both ways on an established connection
 * @c:		Connection
 */
static void echo_check(struct fx_conn *c)
{
	uint8_t buf[64];

	fx_guest(c, TCP_F_ACK | TCP_F_PSH, "ping", 4);
	fx_expect_ack(c);
	fx_peer_read(c, buf, 4);
	assert_memory_equal(buf, "ping", 4);

	fx_peer_write(c, "pong!", 5);
	assert_int_equal(fx_recv_data(c, buf, 5), 1);
	assert_memory_equal(buf, "pong!", 5);
	fx_guest(c, TCP_F_ACK, NULL, 0);
	fx_quiet();
}

/**
 * outbound_handshake() - Guest SYN, host connect(), SYN-ACK, guest ACK
 * @v4:		IPv4, else IPv6
 */
static void outbound_handshake(bool v4)
{
	union sockaddr_inany sa;
	socklen_t sl = sizeof(sa);
	union inany_addr a, lo;
	struct fx_conn c;
	uint16_t port;
	int l = fx_host_listener(v4, 16);

	fx_conn_init(&c, v4, 40001, fx_sock_port(l));
	fx_guest_syn(&c);
	/* No SYN-ACK before the host's connect() is done */
	assert_int_equal(fx_pending(), 0);
	assert_int_equal(flow_count(&fx.flows), 1);
	fx_expect_our_syn(&c, true);

	c.peer = fx_peer_opts(fx_fd(accept4(l, &sa.sa, &sl, SOCK_CLOEXEC)));
	assert_int_equal(inany_from_sockaddr(&a, &port, &sa), 0);
	lo = fx_inany(v4 ? "127.0.0.1" : "::1");
	assert_true(inany_equals(&a, &lo));

	/* A retransmitted SYN: at most our SYN-ACK again */
	fx_guest_frame(&c, TCP_F_SYN, c.gseq - 1, 0, c.gwnd, FX_GUEST_MSS, 0,
		       NULL, 0);
	fx_batch_end();
	fx_only(&c, TCP_F_SYN | TCP_F_ACK, c.isn);
	assert_int_equal(flow_count(&fx.flows), 1);

	fx_guest(&c, TCP_F_ACK, NULL, 0);
	fx_quiet();
	assert_int_equal(flow_count(&fx.flows), 1);
	echo_check(&c);
	fx_close_guest_first(&c);
	fx_assert_no_flows();
}

static void test_outbound_handshake_v4(void **state)
{
	(void)state;
	outbound_handshake(true);
}

static void test_outbound_handshake_v6(void **state)
{
	(void)state;
	outbound_handshake(false);
}

/**
 * inbound_handshake() - Host connects to a forwarded port, SYN to the
 *			 guest, guest SYN-ACK, our ACK
 * @v4:		IPv4, else IPv6
 */
static void inbound_handshake(bool v4)
{
	struct fx_conn c;

	fx_listen_in(v4);
	fx_host_connect(&c, v4);
	fx_expect_our_syn(&c, false);
	assert_int_equal(flow_count(&fx.flows), 1);

	/* A SYN-ACK for another SYN doesn't complete the handshake: it is
	 * dropped, or answered with an RST (RFC 9293 3.10.7.3)
	 */
	fx_guest_frame(&c, TCP_F_SYN | TCP_F_ACK, c.gseq, c.isn, c.gwnd,
		       FX_GUEST_MSS, 0, NULL, 0);
	fx_batch_end();
	fx_only(&c, TCP_F_RST, c.isn);
	/* An ACK without SYN is dropped */
	fx_guest_ack(&c, c.rseq, c.gwnd);
	fx_quiet();

	fx_guest_frame(&c, TCP_F_SYN | TCP_F_ACK, c.gseq, c.rseq, c.gwnd,
		       FX_GUEST_MSS, 0, NULL, 0);
	c.gseq++;
	fx_batch_end();
	fx_expect_ack(&c);
	fx_quiet();
	echo_check(&c);
	fx_close_guest_first(&c);
	fx_assert_no_flows();
}

static void test_inbound_handshake_v4(void **state)
{
	(void)state;
	inbound_handshake(true);
}

static void test_inbound_handshake_v6(void **state)
{
	(void)state;
	inbound_handshake(false);
}

/* Guest data reaches the host; one ACK per batch, once it was written */
static void test_data_guest_to_host(void **state)
{
	static uint8_t data[3000], got[3000];
	struct fx_conn c;
	unsigned int i;

	(void)state;
	fx_open_out(&c, true, 40002);
	fx_pattern(data, sizeof(data), 1);

	/* Three segments in one batch: written together, ACKed once */
	for (i = 0; i < 3; i++) {
		fx_guest_frame(&c, TCP_F_ACK, c.gseq, c.rseq, c.gwnd, 0, -1,
			       data + i * 1000, 1000);
		c.gseq += 1000;
	}
	assert_int_equal(fx_pending(), 0);
	fx_batch_end();
	assert_true(fx_expect_ack(&c) > 0);
	fx_quiet();
	fx_peer_read(&c, got, sizeof(got));
	assert_memory_equal(got, data, sizeof(data));

	/* And one more on its own */
	fx_guest(&c, TCP_F_ACK | TCP_F_PSH, data, 100);
	fx_expect_ack(&c);
	fx_peer_read(&c, got, 100);
	assert_memory_equal(got, data, 100);
	fx_peer_nothing(&c);
	fx_close_guest_first(&c);
	fx_assert_no_flows();
}

/* Out of order guest data is asked for (and kept: test_tcp_ooo.c); a
 * retransmission overlapping what was written delivers only the new bytes
 */
static void test_data_guest_out_of_order_and_overlap(void **state)
{
	struct fx_conn c;
	uint8_t got[8];

	(void)state;
	fx_open_out(&c, true, 40003);

	fx_guest_frame(&c, TCP_F_ACK, c.gseq + 100, c.rseq, c.gwnd, 0, -1,
		       "later", 5);
	fx_batch_end();
	fx_expect_ack(&c);	/* duplicate ACK: still expects c.gseq */
	fx_quiet();
	fx_peer_nothing(&c);

	fx_guest(&c, TCP_F_ACK, "abcde", 5);
	fx_expect_ack(&c);
	fx_guest_frame(&c, TCP_F_ACK, c.gseq - 5, c.rseq, c.gwnd, 0, -1,
		       "abcdefgh", 8);
	c.gseq += 3;
	fx_batch_end();
	fx_expect_ack(&c);
	fx_peer_read(&c, got, 8);
	assert_memory_equal(got, "abcdefgh", 8);
	fx_peer_nothing(&c);

	/* Entirely old: ACKed again, nothing written */
	fx_guest_frame(&c, TCP_F_ACK, c.gseq - 8, c.rseq, c.gwnd, 0, -1,
		       "abcdefgh", 8);
	fx_batch_end();
	fx_expect_ack(&c);
	fx_quiet();
	fx_peer_nothing(&c);
	fx_close_guest_first(&c);
	fx_assert_no_flows();
}

/* Segments reordered within one batch (a frontend's GRO passes those it
 * can't merge first) are all written, in order, with one ACK; one ahead of
 * a gap that the batch doesn't fill waits for a later one
 */
static void test_data_guest_reordered_in_batch(void **state)
{
	struct fx_conn c;
	uint8_t got[12];

	(void)state;
	fx_open_out(&c, true, 40013);

	fx_guest_frame(&c, TCP_F_ACK, c.gseq + 8, c.rseq, c.gwnd, 0, -1,
		       "ijkl", 4);
	fx_guest_frame(&c, TCP_F_ACK, c.gseq + 4, c.rseq, c.gwnd, 0, -1,
		       "efgh", 4);
	fx_guest_frame(&c, TCP_F_ACK | TCP_F_PSH, c.gseq, c.rseq, c.gwnd, 0,
		       -1, "abcd", 4);
	c.gseq += 12;
	fx_batch_end();
	fx_expect_ack(&c);
	fx_quiet();
	fx_peer_read(&c, got, 12);
	assert_memory_equal(got, "abcdefghijkl", 12);
	fx_peer_nothing(&c);

	/* Ahead of a gap the batch doesn't fill: kept past its end (more in
	 * test_tcp_ooo.c), written once a later batch fills the gap
	 */
	fx_guest_frame(&c, TCP_F_ACK, c.gseq + 4, c.rseq, c.gwnd, 0, -1,
		       "wxyz", 4);
	fx_batch_end();
	fx_expect_ack(&c);	/* duplicate ACK */
	fx_quiet();
	fx_peer_nothing(&c);
	fx_guest(&c, TCP_F_ACK, "mnop", 4);
	c.gseq += 4;
	fx_expect_ack(&c);
	fx_peer_read(&c, got, 8);
	assert_memory_equal(got, "mnopwxyz", 8);
	fx_peer_nothing(&c);
	fx_close_guest_first(&c);
	fx_assert_no_flows();
}

/* Host data reaches the guest in sequence, within the MSS, once */
static void test_data_host_to_guest(void **state)
{
	static uint8_t data[2500], got[2500];
	uint32_t start;
	struct fx_conn c;

	(void)state;
	fx_open_in(&c, true);
	fx_pattern(data, sizeof(data), 2);

	start = c.rseq;
	fx_peer_write(&c, data, sizeof(data));
	assert_true(fx_recv_data(&c, got, sizeof(got)) >= 3);
	assert_memory_equal(got, data, sizeof(data));
	assert_int_equal(c.rseq - start, sizeof(data));
	fx_quiet();

	/* The ACK opens nothing new: no frame; more data continues */
	fx_guest(&c, TCP_F_ACK, NULL, 0);
	fx_quiet();
	fx_peer_write(&c, "tail", 4);
	assert_int_equal(fx_recv_data(&c, got, 4), 1);
	assert_memory_equal(got, "tail", 4);
	fx_guest(&c, TCP_F_ACK, NULL, 0);
	fx_quiet();
	fx_close_guest_first(&c);
	fx_assert_no_flows();
}

/* The guest's window bounds what is in flight; a zero window stops us,
 * and the update that opens it lets the rest through
 */
static void test_guest_window_full_and_reopened(void **state)
{
	static uint8_t data[5000], got[5000];
	struct fx_conn c;

	(void)state;
	fx_open_out(&c, true, 40004);
	fx_pattern(data, sizeof(data), 3);

	c.gwnd = 2000;
	fx_guest_ack(&c, c.rseq, c.gwnd);
	fx_quiet();

	fx_peer_write(&c, data, sizeof(data));
	fx_recv_data(&c, got, 2000);
	fx_quiet();	/* window full */

	/* Everything acknowledged, but no room */
	c.gwnd = 0;
	fx_guest_ack(&c, c.rseq, c.gwnd);
	fx_quiet();

	/* Window update: the rest */
	c.gwnd = 3000;
	fx_guest_ack(&c, c.rseq, c.gwnd);
	fx_recv_data(&c, got + 2000, 3000);
	assert_memory_equal(got, data, sizeof(data));
	fx_quiet();
	fx_guest(&c, TCP_F_ACK, NULL, 0);
	fx_quiet();
	fx_close_guest_first(&c);
	fx_assert_no_flows();
}

/**
 * stream_byte() - Byte at an offset of a long stream, as the guest sends it
 * @off:	Offset
 *
 * Return: the byte
 */
static uint8_t stream_byte(uint64_t off)
{
	return (uint8_t)(off * 7 + off / 251);
}

/* The host peer doesn't read: what the socket can't take isn't
 * acknowledged, and once the peer reads, a window update and three
 * duplicate ACKs (RFC 5681 3.2) ask the guest for the rest at once
 */
static void test_host_not_reading_window_closes_and_reopens(void **state)
{
	enum { SEG = 60000, SEGS = 16, BATCHES = 64 };
	static uint8_t seg[SEG], got[SEG];
	int l = fx_host_listener(true, 16), rcvbuf = 4096, b, i;
	uint16_t wnd0 = 0, wnd = 0;
	uint32_t base, off, j;
	struct fx_conn c;
	struct fx_seg s;
	bool short_write = false;

	(void)state;
	/* The accepted socket inherits it: the kernel holds little */
	assert_int_equal(setsockopt(l, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				    sizeof(rcvbuf)),
			 0);
	fx_open_out_to(&c, l, true, 40012);
	base = c.gseq;

	/* The guest sends regardless of our window until a write is short */
	for (b = 0; b < BATCHES && !short_write; b++) {
		for (i = 0; i < SEGS; i++) {
			off = c.gseq - base + (uint32_t)i * SEG;
			for (j = 0; j < SEG; j++)
				seg[j] = stream_byte(off + j);
			fx_guest_frame(&c, TCP_F_ACK,
				       c.gseq + (uint32_t)i * SEG,
				       c.rseq, c.gwnd, 0, -1, seg, SEG);
		}
		fx_batch_end();
		fx_next(&c, &s);
		assert_int_equal(s.flags, TCP_F_ACK);
		assert_int_equal(s.seq, c.rseq);
		assert_true(seq_le(c.gseq, s.ack));
		assert_true(seq_le(s.ack, c.gseq + SEGS * SEG));
		short_write = s.ack != c.gseq + SEGS * SEG;
		c.gseq = s.ack;
		wnd = s.wnd;
		if (!b)
			wnd0 = wnd;
	}
	assert_true(short_write);
	assert_true(wnd < wnd0);
	fx_quiet();

	/* The peer reads everything acknowledged, nothing else */
	for (off = 0; off < c.gseq - base; off += (uint32_t)i) {
		i = (int)MIN((uint32_t)SEG, c.gseq - base - off);
		fx_peer_read(&c, got, (size_t)i);
		for (j = 0; j < (uint32_t)i; j++)
			assert_int_equal(got[j], stream_byte(off + j));
	}
	fx_peer_nothing(&c);

	assert_true(fx_expect_ack(&c) > wnd);
	for (i = 0; i < 3; i++)
		fx_expect_ack(&c);
	fx_quiet();

	/* The guest sends the rest */
	off = c.gseq - base;
	for (j = 0; j < 1000; j++)
		seg[j] = stream_byte(off + j);
	fx_guest(&c, TCP_F_ACK, seg, 1000);
	fx_expect_ack(&c);
	fx_peer_read(&c, got, 1000);
	assert_memory_equal(got, seg, 1000);
	fx_close_guest_first(&c);
	fx_assert_no_flows();
}

/* The guest closes first; the host answers, then closes too */
static void test_fin_from_guest_first(void **state)
{
	struct fx_conn c;
	struct fx_seg s;
	uint8_t got[8];

	(void)state;
	fx_open_out(&c, true, 40005);

	fx_guest_fin(&c);
	fx_peer_eof(&c);
	assert_int_equal(flow_count(&fx.flows), 1);

	/* Data after the guest's own FIN is ignored (RFC 9293 3.10.7.4) */
	fx_guest_frame(&c, TCP_F_ACK, c.gseq, c.rseq, c.gwnd, 0, -1, "junk",
		       4);
	fx_batch_end();
	fx_quiet();
	assert_int_equal(flow_count(&fx.flows), 1);

	/* Half-closed: the host still sends */
	fx_peer_write(&c, "reply", 5);
	fx_recv_data(&c, got, 5);
	assert_memory_equal(got, "reply", 5);
	fx_guest(&c, TCP_F_ACK, NULL, 0);
	fx_quiet();

	fx_close(c.peer);
	fx_expect(&c, TCP_F_FIN | TCP_F_ACK, c.rseq, c.gseq, &s);
	assert_int_equal(s.len, 0);
	c.rseq++;
	assert_int_equal(flow_count(&fx.flows), 1);
	fx_guest(&c, TCP_F_ACK, NULL, 0);
	fx_assert_no_flows();
}

/* The host closes first; the guest still sends, then closes too */
static void test_fin_from_host_first(void **state)
{
	struct fx_conn c;
	struct fx_seg s;
	uint8_t got[8];

	(void)state;
	fx_open_in(&c, true);

	assert_int_equal(shutdown(c.peer, SHUT_WR), 0);
	fx_expect(&c, TCP_F_FIN | TCP_F_ACK, c.rseq, c.gseq, &s);
	c.rseq++;
	fx_guest(&c, TCP_F_ACK, NULL, 0);
	fx_quiet();
	assert_int_equal(flow_count(&fx.flows), 1);

	fx_guest(&c, TCP_F_ACK | TCP_F_PSH, "more", 4);
	fx_expect_ack(&c);
	fx_peer_read(&c, got, 4);
	assert_memory_equal(got, "more", 4);

	fx_guest_fin(&c);
	fx_assert_no_flows();
	fx_peer_eof(&c);
}

/* Data the host sent before its FIN comes first, the FIN right after */
static void test_fin_after_host_data(void **state)
{
	static uint8_t data[1500], got[1500];
	struct fx_conn c;
	struct fx_seg s;

	(void)state;
	fx_open_out(&c, true, 40006);
	fx_pattern(data, sizeof(data), 4);

	fx_peer_write(&c, data, sizeof(data));
	assert_int_equal(shutdown(c.peer, SHUT_WR), 0);
	fx_recv_data(&c, got, sizeof(got));
	assert_memory_equal(got, data, sizeof(data));
	fx_expect(&c, TCP_F_FIN | TCP_F_ACK, c.rseq, c.gseq, &s);
	assert_int_equal(s.len, 0);
	c.rseq++;
	fx_quiet();

	fx_guest_fin(&c);
	fx_assert_no_flows();
	fx_peer_eof(&c);
}

/* An RST from the guest resets the host's connection, and frees the flow */
static void test_rst_from_guest(void **state)
{
	struct fx_conn c;

	(void)state;
	fx_open_out(&c, true, 40007);
	fx_guest_rst(&c);
	fx_peer_reset(&c);
	fx_assert_no_flows();
}

/* The host peer aborts (SO_LINGER 0): the guest gets an RST */
static void test_rst_from_host(void **state)
{
	struct linger lg = {1, 0};
	struct fx_conn c;
	struct fx_seg s;

	(void)state;
	fx_open_in(&c, false);
	assert_int_equal(setsockopt(c.peer, SOL_SOCKET, SO_LINGER, &lg,
				    sizeof(lg)),
			 0);
	fx_close(c.peer);
	fx_expect(&c, TCP_F_RST | TCP_F_ACK, c.rseq, c.gseq, &s);
	fx_assert_no_flows();

	/* What the guest sends afterwards meets an RST too */
	fx_guest(&c, TCP_F_ACK, "x", 1);
	fx_expect(&c, TCP_F_RST, c.rseq, 0, &s);
	fx_assert_no_flows();
}

/* A SYN to a port nobody listens on is refused with an RST */
static void test_syn_to_closed_port(void **state)
{
	union sockaddr_inany sa;
	socklen_t sl = fx_sock_addr(true, 0, &sa);
	int b = fx_fd(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
	struct fx_conn c;
	struct fx_seg s;

	(void)state;
	/* bound, not listening: the port stays ours and closed */
	assert_int_equal(bind(b, &sa.sa, sl), 0);
	fx_conn_init(&c, true, 40008, fx_sock_port(b));
	fx_guest_syn(&c);
	fx_expect(&c, TCP_F_RST | TCP_F_ACK, 0, c.gseq, &s);
	assert_int_equal(s.len, 0);
	fx_assert_no_flows();
}

/* Segments of no connection are answered with an RST (RFC 9293 3.10.7.1),
 * except RSTs
 */
static void test_segment_for_unknown_flow(void **state)
{
	struct fx_conn c;
	struct fx_seg s;

	(void)state;
	fx_conn_init(&c, true, 40009, 9);

	/* ACK: RST with the sequence number it acknowledged */
	fx_guest_frame(&c, TCP_F_ACK, 1000, 5000, 100, 0, -1, "hi", 2);
	fx_batch_end();
	fx_expect(&c, TCP_F_RST, 5000, 0, &s);
	assert_int_equal(s.len, 0);

	/* No ACK: RST-ACK of everything the segment occupied */
	fx_guest_frame(&c, TCP_F_FIN, 1000, 0, 100, 0, -1, "bye", 3);
	fx_batch_end();
	fx_expect(&c, TCP_F_RST | TCP_F_ACK, 0, 1004, &s);

	/* A SYN-ACK nobody asked for */
	fx_guest_frame(&c, TCP_F_SYN | TCP_F_ACK, 7, 77, 100, FX_GUEST_MSS, 0,
		       NULL, 0);
	fx_batch_end();
	fx_expect(&c, TCP_F_RST, 77, 0, &s);

	/* An RST gets no answer */
	fx_guest_frame(&c, TCP_F_RST, 1000, 0, 0, 0, -1, NULL, 0);
	fx_guest_frame(&c, TCP_F_RST | TCP_F_ACK, 1000, 5, 0, 0, -1, NULL, 0);
	fx_batch_end();
	fx_assert_no_flows();

	/* IPv6 alike */
	fx_conn_init(&c, false, 40009, 9);
	fx_guest_frame(&c, TCP_F_ACK, 1, 2, 100, 0, -1, NULL, 0);
	fx_batch_end();
	fx_expect(&c, TCP_F_RST, 2, 0, &s);
	fx_assert_no_flows();
}

/* Several connections at once keep apart, and all of them go away */
static void test_connections_apart(void **state)
{
	struct fx_conn a, b, in;
	uint8_t got[4];

	(void)state;
	fx_open_out(&a, true, 40010);
	fx_open_out(&b, false, 40011);
	fx_open_in(&in, true);
	assert_int_equal(flow_count(&fx.flows), 3);

	fx_peer_write(&b, "bbbb", 4);
	fx_recv_data(&b, got, 4);
	assert_memory_equal(got, "bbbb", 4);
	fx_guest(&a, TCP_F_ACK, "aaaa", 4);
	fx_expect_ack(&a);
	fx_peer_read(&a, got, 4);
	assert_memory_equal(got, "aaaa", 4);
	fx_peer_nothing(&b);
	fx_peer_nothing(&in);
	fx_guest(&b, TCP_F_ACK, NULL, 0);
	fx_quiet();

	fx_close_guest_first(&a);
	assert_int_equal(flow_count(&fx.flows), 2);
	fx_guest_rst(&in);
	fx_peer_reset(&in);
	fx_close_guest_first(&b);
	fx_assert_no_flows();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, fx_setup, fx_teardown)
		T(test_outbound_handshake_v4),
		T(test_outbound_handshake_v6),
		T(test_inbound_handshake_v4),
		T(test_inbound_handshake_v6),
		T(test_data_guest_to_host),
		T(test_data_guest_out_of_order_and_overlap),
		T(test_data_guest_reordered_in_batch),
		T(test_data_host_to_guest),
		T(test_guest_window_full_and_reopened),
		T(test_host_not_reading_window_closes_and_reopens),
		T(test_fin_from_guest_first),
		T(test_fin_from_host_first),
		T(test_fin_after_host_data),
		T(test_rst_from_guest),
		T(test_rst_from_host),
		T(test_syn_to_closed_port),
		T(test_segment_for_unknown_flow),
		T(test_connections_apart),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
