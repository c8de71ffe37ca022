/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp_fixture.h - a guest, a host and a loop around the TCP engine, for the
 * state machine tests (test_tcp.c, test_tcp_timer.c)
 *
 * Theory of operation: the engine is driven only through its entry points
 * (transport/tcp.h): guest segments go in through tcp_tap_input() and
 * tcp_tap_batch_end(), exactly as the loop hands them over after
 * pkt_parse_ip(); socket and timer events come from a real epoll descriptor
 * and are dispatched by reference type, as loop.c does, and every round
 * ends as there: sink flushed, closed flows released (flow_batch_end()).
 * Frames to the guest go to a fake frame sink (packet/sink.h) that copies
 * each committed frame into a log; the tests take frames from the log in
 * order and read their headers back at fixed offsets, checking the IP and
 * TCP checksums, so a frame the engine builds wrong fails here whatever the
 * test looks at.
 *
 * The host side is real: loopback sockets of this process. The guest
 * reaches the host's loopback through the --map-host-loopback address
 * (FX_HOST_LO4 / FX_HOST_LO6), and peers on 127.0.0.1 and ::1 appear to the
 * guest with that address.
 *
 * Time: the clock (base/clock.h) is frozen for the whole test and moved
 * only by fx_advance(), so deadlines expire exactly when a test says. The
 * engine's timerfd still ticks in real time (every 50 ms) and
 * tcp_timer_handler() does nothing unless it has expired: fx_tick() waits
 * for the next real tick, then the handler looks at the deadlines against
 * the frozen clock. Every wait is bounded (FX_WAIT_MS).
 *
 * Guest frames stay valid until the end of their batch (the engine queues
 * pointers to their payload), so they are built in an arena reset by
 * fx_batch_end().
 *
 * MACs and byte accessors come from l2_fixture.h. Include after cmocka.h, in
 * one test file per binary.
 */
#ifndef TESTS_TCP_FIXTURE_H
#define TESTS_TCP_FIXTURE_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "inany_fixture.h"
#include "l2_fixture.h"
#include "os/epref.h"
#include "packet/checksum.h"
#include "transport/tcp.h"

#define FX_GUEST4	"192.0.2.10"
#define FX_GUEST6	"2001:db8::10"
#define FX_HOST_LO4	"192.0.2.2"	/* --map-host-loopback, IPv4 */
#define FX_HOST_LO6	"2001:db8::2"	/* ... and IPv6 */
#define FX_MTU		65520
#define FX_GUEST_MSS	1000	/* MSS the guest announces: data frames */
#define FX_GUEST_ISN	0xfffff000U	/* wraps around within the tests */
#define FX_WAIT_MS	3000	/* longest real wait for an event */
#define FX_QUIET_MS	30	/* real time during which nothing may happen */

#define FX_SINK_BUFS	128	/* buffers the fake sink lends */
#define FX_SINK_CAP	2048	/* bytes each: holds a FX_GUEST_MSS frame */
#define FX_LOG_MAX	1024	/* frames logged, not yet taken by the test */
#define FX_LOG_BYTES	(FX_LOG_MAX * FX_SINK_CAP)
#define FX_ARENA	(1 << 20)	/* guest frames of one batch */
#define FX_FDS_MAX	64

/**
 * struct fx_frame - A logged frame to the guest
 * @off:	Offset in the log's bytes
 * @len:	Length
 */
struct fx_frame {
	size_t off;
	size_t len;
};

/**
 * struct fx_seg - A frame to the guest, read back
 * @v4:		IPv4 (else IPv6)
 * @src:	IP source
 * @dst:	IP destination
 * @sport:	TCP source port
 * @dport:	TCP destination port
 * @seq:	Sequence number
 * @ack:	Acknowledgement number
 * @flags:	TCP flags
 * @wnd:	Window field, unscaled
 * @mss:	MSS option, 0 if absent
 * @wscale:	Window scale option, -1 if absent
 * @data:	Payload
 * @len:	Its length
 */
struct fx_seg {
	bool v4;
	union inany_addr src;
	union inany_addr dst;
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint8_t flags;
	uint16_t wnd;
	uint16_t mss;
	int wscale;
	const uint8_t *data;
	size_t len;
};

/**
 * struct fx_conn - One connection as the test sees it
 * @v4:		IPv4 (else IPv6)
 * @gaddr:	Guest's address
 * @raddr:	Remote address as the guest sees it
 * @gport:	Guest's port
 * @rport:	Remote port as the guest sees it
 * @gseq:	Guest's next sequence number
 * @rseq:	Next sequence number the guest expects from us (its ACK)
 * @gwnd:	Window the guest advertises (scale 0)
 * @isn:	Our initial sequence number
 * @peer:	Host socket at the other end
 * @listener:	Host listening socket (outbound connections), -1 if none
 */
struct fx_conn {
	bool v4;
	union inany_addr gaddr;
	union inany_addr raddr;
	uint16_t gport;
	uint16_t rport;
	uint32_t gseq;
	uint32_t rseq;
	uint16_t gwnd;
	uint32_t isn;
	int peer;
	int listener;
};

/**
 * struct fx_state - Everything one test runs with
 * @flows:	Flow table
 * @t:		TCP engine
 * @l2:		Guest's addresses
 * @l2s:	What the link learnt of the guest (its MAC)
 * @nat:	Translations: the host's loopback as FX_HOST_LO4/6
 * @fwd:	Inbound rules (one, set by fx_open_in())
 * @sink:	The fake sink
 * @bufs:	Its buffers
 * @lent:	Which of @bufs are reserved
 * @log:	Frames committed, in order
 * @log_bytes:	Their bytes
 * @nlog:	Frames in @log
 * @rd:		Next frame of @log the test takes
 * @log_used:	Bytes of @log_bytes used
 * @flushes:	Calls of the sink's flush()
 * @arena:	Guest frames of the current batch
 * @arena_used:	Bytes of @arena used
 * @epfd:	epoll descriptor of the engine
 * @listen_fd:	Inbound listener, once seen in an event, -1 before
 * @listen_port: Its port, 0 before fx_open_in()
 * @fds:	Descriptors the test opened, closed at teardown
 * @nfds:	Entries in @fds
 * @ticks:	Timer events dispatched
 */
struct fx_state {
	struct flow_table flows;
	struct tcp_ctx t;
	struct l2_conf l2;
	struct l2_state l2s;
	struct nat nat;
	struct fwd_table fwd;
	struct frame_sink sink;
	uint8_t bufs[FX_SINK_BUFS][FX_SINK_CAP];
	bool lent[FX_SINK_BUFS];
	struct fx_frame log[FX_LOG_MAX];
	uint8_t log_bytes[FX_LOG_BYTES];
	unsigned int nlog;
	unsigned int rd;
	size_t log_used;
	unsigned int flushes;
	uint8_t arena[FX_ARENA];
	size_t arena_used;
	int epfd;
	int listen_fd;
	uint16_t listen_port;
	int fds[FX_FDS_MAX];
	unsigned int nfds;
	unsigned int ticks;
};

static struct fx_state fx;

/* Big-endian store, beside l2_fixture.h's fx_put16() */

static inline void fx_put32(uint8_t *p, uint32_t v)
{
	fx_put16(p, (uint16_t)(v >> 16));
	fx_put16(p + 2, (uint16_t)v);
}

/**
 * fx_real_ms() - The real monotonic time, whatever the engine's clock says
 *
 * Return: milliseconds
 */
static inline uint64_t fx_real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The fake sink */

/**
 * fx_sink_reserve() - Lend free buffers, as many as asked and there are
 * @s:		Sink
 * @n:		Buffers wanted
 * @bufs:	Filled with them
 * @cap:	Set to their size
 *
 * Return: how many were lent
 */
static unsigned int fx_sink_reserve(struct frame_sink *s, unsigned int n,
				    uint8_t **bufs, size_t *cap)
{
	unsigned int i, got = 0;

	(void)s;
	for (i = 0; i < FX_SINK_BUFS && got < n; i++) {
		if (fx.lent[i])
			continue;
		fx.lent[i] = true;
		bufs[got++] = fx.bufs[i];
	}
	*cap = FX_SINK_CAP;
	return got;
}

/**
 * fx_sink_commit() - Take a buffer back, logging a copy of its frame
 * @s:		Sink
 * @buf:	A buffer lent by fx_sink_reserve()
 * @len:	Frame length, 0 if there is no frame
 * @o:		Offloads: none may be asked for, as none is offered
 */
static void fx_sink_commit(struct frame_sink *s, uint8_t *buf, size_t len,
			   const struct frame_offload *o)
{
	size_t i = (size_t)(buf - &fx.bufs[0][0]) / FX_SINK_CAP;

	(void)s;
	assert_true(i < FX_SINK_BUFS && buf == fx.bufs[i] && fx.lent[i]);
	fx.lent[i] = false;
	assert_null(o);		/* no offload offered */
	assert_true(len <= FX_SINK_CAP);
	if (!len)
		return;
	assert_true(fx.nlog < FX_LOG_MAX);
	assert_true(fx.log_used + len <= FX_LOG_BYTES);
	memcpy(fx.log_bytes + fx.log_used, buf, len);
	fx.log[fx.nlog].off = fx.log_used;
	fx.log[fx.nlog++].len = len;
	fx.log_used += len;
}

/**
 * fx_sink_flush() - Count flushes: frames are logged at once
 * @s:		Sink
 *
 * Return: 0
 */
static int fx_sink_flush(struct frame_sink *s)
{
	(void)s;
	fx.flushes++;
	return 0;
}

/**
 * fx_fd() - Remember a descriptor, to be closed at teardown
 * @fd:		Descriptor, checked to be valid
 *
 * Return: @fd
 */
static inline int fx_fd(int fd)
{
	assert_true(fd >= 0);
	assert_true(fx.nfds < FX_FDS_MAX);
	fx.fds[fx.nfds++] = fd;
	return fd;
}

/**
 * fx_close() - Close a descriptor remembered by fx_fd() before teardown
 * @fd:		Descriptor
 */
static inline void fx_close(int fd)
{
	unsigned int i;

	for (i = 0; i < fx.nfds; i++) {
		if (fx.fds[i] == fd) {
			fx.fds[i] = -1;
			close(fd);
			return;
		}
	}
	fail_msg("descriptor %d not opened by the test", fd);
}

/**
 * fx_engine_init() - A fresh flow table, epoll descriptor and TCP engine
 * @key:	Key of the flow table's hash
 */
static inline void fx_engine_init(const uint8_t key[16])
{
	flow_init(&fx.flows, key);
	fx.epfd = epoll_create1(EPOLL_CLOEXEC);
	assert_true(fx.epfd >= 0);
	assert_int_equal(tcp_init(&fx.t, &fx.flows, &fx.sink, &fx.l2, &fx.l2s,
				  fx.epfd, FX_MTU, &fx.nat),
			 0);
}

/**
 * fx_setup() - cmocka set-up: a fresh engine, a frozen clock
 * @state:	Unused
 *
 * Return: 0
 */
static inline int fx_setup(void **state)
{
	static const uint8_t key[16] = {1, 2, 3, 4, 5, 6, 7, 8,
					9, 10, 11, 12, 13, 14, 15, 16};

	(void)state;
	memset(&fx.l2, 0, sizeof(fx.l2));
	memcpy(fx.l2.our_mac, fx_our_mac, 6);
	memset(&fx.l2s, 0, sizeof(fx.l2s));
	memcpy(fx.l2s.guest_mac, fx_guest_mac, 6);
	fx.l2.v4 = fx.l2.v6 = true;
	inet_pton(AF_INET, FX_GUEST4, &fx.l2.addr4);
	fx.l2.prefix4 = 24;
	inet_pton(AF_INET, "192.0.2.1", &fx.l2.gw4);
	inet_pton(AF_INET6, FX_GUEST6, &fx.l2.addr6);
	fx.l2.prefix6 = 64;
	inet_pton(AF_INET6, "fe80::1", &fx.l2.gw6);
	inet_pton(AF_INET6, "fe80::1", &fx.l2.our_ll6);
	fx.l2.mtu = FX_MTU;

	memset(&fx.nat, 0, sizeof(fx.nat));
	fx.nat.v4.host_lo = fx_inany(FX_HOST_LO4);
	fx.nat.v4.host_lo_set = true;
	fx.nat.v6.host_lo = fx_inany(FX_HOST_LO6);
	fx.nat.v6.host_lo_set = true;

	fx.sink = (struct frame_sink){fx_sink_reserve, fx_sink_commit,
				      fx_sink_flush, false, false, NULL};
	memset(fx.lent, 0, sizeof(fx.lent));
	fx.nlog = fx.rd = 0;
	fx.log_used = fx.arena_used = 0;
	fx.flushes = fx.ticks = 0;
	fx.nfds = 0;
	fx.listen_fd = -1;
	fx.listen_port = 0;

	clock_fake_set(1000ULL * 1000000000ULL);
	fx_engine_init(key);
	return 0;
}

/**
 * fx_teardown() - cmocka teardown: close what the test and engine opened
 * @state:	Unused
 *
 * Return: 0
 */
static inline int fx_teardown(void **state)
{
	unsigned int i;

	(void)state;
	for (i = 0; i < fx.nfds; i++) {
		if (fx.fds[i] >= 0)
			close(fx.fds[i]);
	}
	if (fx.listen_fd >= 0)
		tcp_unlisten_port(&fx.t, fx.listen_fd);
	close(fx.t.timer_fd);
	close(fx.epfd);
	clock_fake_set(0);
	return 0;
}

/* Events, as the loop dispatches them */

/**
 * fx_round_end() - End a round of events as the loop does: flush the sink,
 *		    then release the flows closed during the round
 */
static inline void fx_round_end(void)
{
	fx.sink.flush(&fx.sink);
	flow_batch_end(&fx.flows);
}

/**
 * fx_pump() - Wait for events once, and dispatch them
 * @timeout_ms:	Real milliseconds to wait at most
 *
 * Return: number of events
 */
static inline int fx_pump(int timeout_ms)
{
	struct epoll_event ev[16];
	int i, n;

	n = epoll_wait(fx.epfd, ev, 16, timeout_ms);
	if (n < 0 && errno == EINTR)
		return 0;
	assert_true(n >= 0);
	for (i = 0; i < n; i++) {
		union epoll_ref ref = {.u64 = ev[i].data.u64};

		switch (ref.type) {
		case EPOLL_TYPE_TCP:
			tcp_sock_handler(&fx.t, ref.idx, ev[i].events);
			break;
		case EPOLL_TYPE_TCP_LISTEN:
			fx.listen_fd = ref.fd;
			tcp_listen_handler(&fx.t, ref.idx, ref.fd);
			break;
		case EPOLL_TYPE_TCP_TIMER:
			tcp_timer_handler(&fx.t);
			fx.ticks++;
			break;
		default:
			fail_msg("unexpected epoll type %u", ref.type);
		}
	}
	fx_round_end();
	return n;
}

/**
 * fx_pending() - Frames logged and not taken yet
 *
 * Return: count
 */
static inline unsigned int fx_pending(void)
{
	return fx.nlog - fx.rd;
}

/**
 * fx_wait_frames() - Dispatch events until frames to the guest are logged
 * @n:		Frames wanted, not taken yet
 *
 * Return: true if they came within FX_WAIT_MS
 */
static inline bool fx_wait_frames(unsigned int n)
{
	uint64_t end = fx_real_ms() + FX_WAIT_MS;

	while (fx_pending() < n && fx_real_ms() < end)
		fx_pump(20);
	return fx_pending() >= n;
}

/**
 * fx_quiet() - Dispatch whatever comes for FX_QUIET_MS: no frame may result
 */
static inline void fx_quiet(void)
{
	uint64_t end = fx_real_ms() + FX_QUIET_MS;

	while (fx_real_ms() < end)
		fx_pump(5);
	if (fx_pending())
		fail_msg("%u unexpected frame(s) to the guest", fx_pending());
}

/**
 * fx_tick() - Wait for the engine's next timer tick and dispatch it
 *
 * Other events that come meanwhile are dispatched as well.
 */
static inline void fx_tick(void)
{
	unsigned int before = fx.ticks;
	uint64_t end = fx_real_ms() + FX_WAIT_MS;

	while (fx.ticks == before && fx_real_ms() < end)
		fx_pump(20);
	if (fx.ticks == before)
		fail_msg("no timer tick within %d ms", FX_WAIT_MS);
}

/**
 * fx_advance() - Move the frozen clock, then let the timer look at it
 * @ms:		Milliseconds
 */
static inline void fx_advance(uint64_t ms)
{
	clock_fake_advance(ms);
	fx_tick();
}

/* Frames to the guest, read back */

/**
 * fx_parse() - Read a frame to the guest back, checking every header
 * @f:		Frame
 * @len:	Its length
 * @s:		Filled
 */
static inline void fx_parse(const uint8_t *f, size_t len, struct fx_seg *s)
{
	const uint8_t *th, *o;
	size_t l4len, doff, i;
	struct in_addr s4, d4;

	memset(s, 0, sizeof(*s));
	s->wscale = -1;
	assert_true(len >= 14 + 20 + 20);
	assert_memory_equal(f, fx_guest_mac, 6);
	assert_memory_equal(f + 6, fx_our_mac, 6);
	if (fx_get16(f + 12) == 0x0800) {
		s->v4 = true;
		assert_int_equal(f[14], 0x45);
		assert_int_equal(fx_get16(f + 16), len - 14);
		assert_int_equal(f[23], IPPROTO_TCP);
		assert_int_equal(csum_ip4_header(f + 14, 20), 0);
		memcpy(&s4, f + 26, 4);
		memcpy(&d4, f + 30, 4);
		inany_from_v4(&s->src, s4);
		inany_from_v4(&s->dst, d4);
		th = f + 34;
		l4len = len - 34;
		assert_int_equal(csum_l4_ip4(s4, d4, IPPROTO_TCP, th, l4len),
				 0);
	} else {
		assert_int_equal(fx_get16(f + 12), 0x86dd);
		assert_true(len >= 14 + 40 + 20);
		assert_int_equal(f[14] >> 4, 6);
		assert_int_equal(fx_get16(f + 18), len - 54);
		assert_int_equal(f[20], IPPROTO_TCP);
		memcpy(&s->src.a6, f + 22, 16);
		memcpy(&s->dst.a6, f + 38, 16);
		th = f + 54;
		l4len = len - 54;
		assert_int_equal(csum_l4_ip6(&s->src.a6, &s->dst.a6,
					     IPPROTO_TCP, th, l4len),
				 0);
	}
	s->sport = fx_get16(th);
	s->dport = fx_get16(th + 2);
	s->seq = fx_get32(th + 4);
	s->ack = fx_get32(th + 8);
	doff = (size_t)(th[12] >> 4) * 4;
	assert_true(doff >= 20 && doff <= l4len);
	s->flags = th[13];
	s->wnd = fx_get16(th + 14);
	for (o = th + 20, i = 0; i < doff - 20;) {
		if (o[i] == 0)
			break;
		if (o[i] == 1) {
			i++;
			continue;
		}
		assert_true(i + 1 < doff - 20 && o[i + 1] >= 2 &&
			    i + o[i + 1] <= doff - 20);
		if (o[i] == 2 && o[i + 1] == 4)
			s->mss = fx_get16(o + i + 2);
		if (o[i] == 3 && o[i + 1] == 3)
			s->wscale = o[i + 2];
		i += o[i + 1];
	}
	s->data = th + doff;
	s->len = l4len - doff;
}

/**
 * fx_next() - Take the next frame to the guest, of a given connection
 * @c:		Connection: addresses and ports are checked
 * @s:		Filled with the frame read back
 */
static inline void fx_next(const struct fx_conn *c, struct fx_seg *s)
{
	const struct fx_frame *f;

	if (!fx_pending() && !fx_wait_frames(1))
		fail_msg("no frame to the guest within %d ms", FX_WAIT_MS);
	f = &fx.log[fx.rd++];
	fx_parse(fx.log_bytes + f->off, f->len, s);
	assert_int_equal(s->v4, c->v4);
	assert_true(inany_equals(&s->src, &c->raddr));
	assert_true(inany_equals(&s->dst, &c->gaddr));
	assert_int_equal(s->sport, c->rport);
	assert_int_equal(s->dport, c->gport);
	if (fx.rd == fx.nlog)
		fx.rd = fx.nlog = 0, fx.log_used = 0;
}

/**
 * fx_expect() - Take the next frame and check its flags and numbers
 * @c:		Connection
 * @flags:	TCP flags, PSH ignored
 * @seq:	Sequence number
 * @ack:	Acknowledgement number (checked if @flags has ACK)
 * @s:		Filled with the frame read back
 */
static inline void fx_expect(const struct fx_conn *c, uint8_t flags,
			     uint32_t seq, uint32_t ack, struct fx_seg *s)
{
	fx_next(c, s);
	assert_int_equal(s->flags & ~TCP_F_PSH, flags);
	assert_int_equal(s->seq, seq);
	if (flags & TCP_F_ACK)
		assert_int_equal(s->ack, ack);
}

/**
 * fx_expect_ack() - Take the next frame: a bare ACK of everything the guest
 *		     sent, at our next sequence number
 * @c:		Connection
 *
 * Return: its window field
 */
static inline uint16_t fx_expect_ack(const struct fx_conn *c)
{
	struct fx_seg s;

	fx_expect(c, TCP_F_ACK, c->rseq, c->gseq, &s);
	assert_int_equal(s.len, 0);
	return s.wnd;
}

/**
 * fx_only() - Dispatch whatever comes for FX_QUIET_MS: the frames that
 *	       result, if any, must all be of one kind
 * @c:		Connection
 * @flags:	TCP flags of every frame allowed
 * @seq:	Their sequence number
 *
 * For segments the RFC lets us answer or drop: no other frame may come.
 */
static inline void fx_only(const struct fx_conn *c, uint8_t flags,
			   uint32_t seq)
{
	uint64_t end = fx_real_ms() + FX_QUIET_MS;
	struct fx_seg s;

	while (fx_real_ms() < end)
		fx_pump(5);
	while (fx_pending()) {
		fx_next(c, &s);
		assert_int_equal(s.flags, flags);
		assert_int_equal(s.seq, seq);
	}
}

/**
 * fx_recv_data() - Take data frames to the guest, in sequence, @len bytes
 * @c:		Connection, @c->rseq advanced (the guest doesn't ACK yet)
 * @buf:	Payload, filled
 * @len:	Bytes wanted
 *
 * Return: number of frames they came in
 */
static inline unsigned int fx_recv_data(struct fx_conn *c, uint8_t *buf,
					size_t len)
{
	unsigned int frames = 0;
	size_t got = 0;
	struct fx_seg s;

	while (got < len) {
		fx_expect(c, TCP_F_ACK, c->rseq, c->gseq, &s);
		assert_true(s.len > 0 && s.len <= len - got);
		assert_true(s.len <= FX_GUEST_MSS);
		memcpy(buf + got, s.data, s.len);
		got += s.len;
		c->rseq += (uint32_t)s.len;
		frames++;
	}
	return frames;
}

/* Frames from the guest */

/**
 * fx_guest_frame() - Build a segment from the guest and hand it to the
 *		      engine, as the loop does (the batch stays open)
 * @c:		Connection: addresses and ports
 * @flags:	TCP flags
 * @seq:	Sequence number
 * @ack:	Acknowledgement number
 * @wnd:	Window field
 * @mss:	MSS option, 0 for none
 * @ws:		Window scale option, -1 for none
 * @data:	Payload, NULL for none
 * @len:	Its length
 */
static inline void fx_guest_frame(const struct fx_conn *c, uint8_t flags,
				  uint32_t seq, uint32_t ack, uint16_t wnd,
				  uint16_t mss, int ws, const void *data,
				  size_t len)
{
	size_t l3 = c->v4 ? 20 : 40, opt = (mss ? 4 : 0) + (ws >= 0 ? 4 : 0);
	size_t tl = 20 + opt + len, flen = 14 + l3 + tl;
	uint8_t *f = fx.arena + fx.arena_used, *ip = f + 14, *th = ip + l3;
	struct pkt_l4 p;
	uint16_t ck;

	assert_true(fx.arena_used + flen <= FX_ARENA);
	fx.arena_used += (flen + 7) & ~(size_t)7;
	memset(f, 0, 14 + l3 + 20 + opt);
	fx_eth(f, fx_our_mac, fx_guest_mac, c->v4 ? 0x0800 : 0x86dd);
	if (c->v4) {
		ip[0] = 0x45;
		fx_put16(ip + 2, (uint16_t)(20 + tl));
		ip[8] = 64;
		ip[9] = IPPROTO_TCP;
		memcpy(ip + 12, &c->gaddr.v4mapped.a4, 4);
		memcpy(ip + 16, &c->raddr.v4mapped.a4, 4);
		ck = csum_ip4_header(ip, 20);
		memcpy(ip + 10, &ck, 2);
	} else {
		ip[0] = 0x60;
		fx_put16(ip + 4, (uint16_t)tl);
		ip[6] = IPPROTO_TCP;
		ip[7] = 64;
		memcpy(ip + 8, &c->gaddr.a6, 16);
		memcpy(ip + 24, &c->raddr.a6, 16);
	}
	fx_put16(th, c->gport);
	fx_put16(th + 2, c->rport);
	fx_put32(th + 4, seq);
	fx_put32(th + 8, ack);
	th[12] = (uint8_t)(((20 + opt) / 4) << 4);
	th[13] = flags;
	fx_put16(th + 14, wnd);
	opt = 20;
	if (mss) {
		th[opt] = 2;
		th[opt + 1] = 4;
		fx_put16(th + opt + 2, mss);
		opt += 4;
	}
	if (ws >= 0) {
		th[opt] = 1;
		th[opt + 1] = 3;
		th[opt + 2] = 3;
		th[opt + 3] = (uint8_t)ws;
		opt += 4;
	}
	if (len)
		memcpy(th + opt, data, len);
	if (c->v4)
		ck = csum_l4_ip4(c->gaddr.v4mapped.a4, c->raddr.v4mapped.a4,
				 IPPROTO_TCP, th, tl);
	else
		ck = csum_l4_ip6(&c->gaddr.a6, &c->raddr.a6, IPPROTO_TCP, th,
				 tl);
	memcpy(th + 16, &ck, 2);

	assert_int_equal(pkt_parse_ip(pview_make(f, flen), &p), 0);
	/* the link sets this; here checksums are real */
	p.l4_csum_partial = false;
	tcp_tap_input(&fx.t, &p);
}

/**
 * fx_batch_end() - End the batch of guest frames, and with it the round
 *		    of events, as the loop does
 */
static inline void fx_batch_end(void)
{
	tcp_tap_batch_end(&fx.t);
	fx_round_end();
	fx.arena_used = 0;
}

/**
 * fx_guest() - Send a segment from the guest at its next sequence number,
 *		acknowledging everything we sent, in a batch of its own
 * @c:		Connection, @c->gseq advanced
 * @flags:	TCP flags
 * @data:	Payload, NULL for none
 * @len:	Its length
 */
static inline void fx_guest(struct fx_conn *c, uint8_t flags,
			    const void *data, size_t len)
{
	fx_guest_frame(c, flags, c->gseq, (flags & TCP_F_ACK) ? c->rseq : 0,
		       c->gwnd, 0, -1, data, len);
	c->gseq += (uint32_t)len + !!(flags & TCP_F_SYN) +
		   !!(flags & TCP_F_FIN);
	fx_batch_end();
}

/**
 * fx_guest_ack() - A bare ACK from the guest, in a batch of its own
 * @c:		Connection
 * @ack:	Acknowledgement number
 * @wnd:	Window field
 */
static inline void fx_guest_ack(const struct fx_conn *c, uint32_t ack,
				uint16_t wnd)
{
	fx_guest_frame(c, TCP_F_ACK, c->gseq, ack, wnd, 0, -1, NULL, 0);
	fx_batch_end();
}

/**
 * fx_pattern() - Fill a buffer with bytes that tell their offset
 * @buf:	Buffer
 * @len:	Length
 * @seed:	Varies the pattern
 */
static inline void fx_pattern(uint8_t *buf, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + i / 251 + seed);
}

/**
 * fx_assert_no_flows() - No connection left, every flow index free again,
 *			  nothing more for the guest
 */
static inline void fx_assert_no_flows(void)
{
	assert_int_equal(flow_count(&fx.flows), 0);
	assert_int_equal(flow_closed(&fx.flows), 0);	/* all free again */
	fx_quiet();
}

/**
 * fx_guest_fin() - The guest's FIN, in a batch of its own, and our ACK of it
 * @c:		Connection
 */
static inline void fx_guest_fin(struct fx_conn *c)
{
	fx_guest(c, TCP_F_FIN | TCP_F_ACK, NULL, 0);
	fx_expect_ack(c);
}

/**
 * fx_guest_rst() - The guest resets a connection: its flow is gone at once,
 *		    and nothing goes to the guest
 * @c:		Connection
 */
static inline void fx_guest_rst(const struct fx_conn *c)
{
	unsigned int flows = flow_count(&fx.flows);

	fx_guest_frame(c, TCP_F_RST, c->gseq, 0, 0, 0, -1, NULL, 0);
	fx_batch_end();
	assert_int_equal(flow_count(&fx.flows), flows - 1);
	fx_quiet();
}

#endif /* TESTS_TCP_FIXTURE_H */
