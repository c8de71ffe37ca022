// SPDX-License-Identifier: GPL-2.0-or-later
/* test_tcp_migrate.c - established connections moved from one TCP engine to
 * another through the migration stream (link/migrate_conn.c,
 * transport/tcp_migrate.c), with real loopback peers
 *
 * The engine of tcp_fixture.h is the source: connections are opened and
 * used, the source writes its state (into a memfd, as qemu's pipe would
 * carry it) and releases its frozen sockets, then the engine is started
 * afresh (the target, same guest) and reads the state. The guest of the
 * fixture and the peers carry on, and every byte must arrive once, in
 * order, with the sequence numbers the guest knew. passt-repair is a
 * thread here, doing what it does: TCP_REPAIR on the descriptors it gets,
 * echo of the command byte. Repair mode needs CAP_NET_ADMIN: without it the
 * tests are skipped, unless $CI is set (CI runs as root), then they fail.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <pthread.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "tcp_fixture.h"
#include "tcp_fixture_host.h"
#include "repair_fixture.h"
#include "link/migrate.h"
#include "link/migrate_frozen.h"
#include "link/repair.h"

#define BULK (200U << 10)	/* guest bytes a slow peer hasn't taken */
#define DELACK_MAX_MS 220	/* peers' delayed ACKs are out by then */

/**
 * struct helper - passt-repair, as a thread
 * @r:		passt's end: the repair state the stream code uses
 * @fd:		The helper's end
 * @th:		Thread
 * @fail_after:	Commands it carries out before it quits (0: all)
 */
static struct helper {
	struct repair r;
	int fd;
	pthread_t th;
	int fail_after;
} hp;

/**
 * helper_run() - Thread: set TCP_REPAIR as asked, echo, until the end
 * @arg:	Unused
 *
 * Return: NULL
 */
static void *helper_run(void *arg)
{
	char ctl[CMSG_SPACE(sizeof(int) * REPAIR_BATCH)];
	int answered = 0;

	(void)arg;
	for (;;) {
		struct iovec iov;
		struct msghdr mh = { 0 };
		struct cmsghdr *cm;
		int8_t cmd;
		bool quit;
		int i, n;

		iov.iov_base = &cmd;
		iov.iov_len = 1;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl;
		mh.msg_controllen = sizeof(ctl);
		if (recvmsg(hp.fd, &mh, 0) != 1)
			break;
		cm = CMSG_FIRSTHDR(&mh);
		n = cm ? (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int)) : 0;
		/* one that quits does before it touches them */
		quit = hp.fail_after && ++answered > hp.fail_after;
		for (i = 0; i < n; i++) {
			int fd, v = cmd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			if (!quit)
				setsockopt(fd, IPPROTO_TCP, TCP_REPAIR, &v,
					   sizeof(v));
			close(fd);
		}
		if (quit)
			break;
		if (send(hp.fd, &cmd, 1, MSG_NOSIGNAL) != 1)
			break;
	}
	close(hp.fd);
	return NULL;
}

/**
 * helper_start() - Connect a passt-repair thread
 * @fail_after:	Commands it answers before it hangs up (0: all)
 */
static void helper_start(int fail_after)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
				    sv), 0);
	repair_init(&hp.r, fx.epfd);
	hp.r.fd = sv[0];
	hp.fd = sv[1];
	hp.fail_after = fail_after;
	assert_int_equal(pthread_create(&hp.th, NULL, helper_run, NULL), 0);
}

/**
 * helper_stop() - Hang up on the helper, wait for it
 */
static void helper_stop(void)
{
	if (hp.r.fd >= 0)
		close(hp.r.fd);
	hp.r.fd = -1;
	assert_int_equal(pthread_join(hp.th, NULL), 0);
}

/**
 * mctx() - What a migration of the fixture's engine moves
 *
 * Return: the context
 */
static struct migrate_ctx mctx(void)
{
	return (struct migrate_ctx){ &fx.l2, &fx.l2s, &fx.t, &hp.r };
}

/**
 * save() - The source writes its state
 *
 * Both engines share one network namespace here, so the target's sockets
 * can only be connected once the source's are closed: a segment from a
 * peer in between finds no socket and resets the connection, which
 * between hosts can't happen (the source's frozen sockets stay until the
 * network moves). The peers' delayed ACKs of what the source sent last
 * (40 to 200 ms, Linux's delayed ACK bounds) are let in first; what they
 * send after the freeze is retransmitted 200 ms later at the earliest,
 * long after the target took over.
 *
 * Return: a memfd holding the stream, at its start
 */
static int save(void)
{
	const struct migrate_ctx m = mctx();
	int fd = memfd_create("stream", MFD_CLOEXEC);

	usleep(DELACK_MAX_MS * 1000);
	assert_true(fd >= 0);
	assert_int_equal(migrate_source(fd, &m), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/**
 * engine_restart() - The source lets go (its frozen sockets closed, its
 *		      listener too, as when it exits), a fresh engine starts
 */
static void engine_restart(void)
{
	static const uint8_t key[16] = { 9, 8, 7, 6, 5, 4, 3, 2,
					 1, 0, 1, 2, 3, 4, 5, 6 };

	migrate_frozen_release(&fx.t);
	fx_round_end();
	assert_int_equal(flow_count(&fx.flows), 0);
	if (fx.listen_fd >= 0)
		tcp_unlisten_port(&fx.t, fx.listen_fd);
	fx.listen_fd = -1;
	close(fx.t.timer_fd);
	close(fx.epfd);
	fx_engine_init(key);
	hp.r.epfd = fx.epfd;
}

/**
 * load() - The target reads the stream
 * @fd:		Stream
 *
 * Return: what migrate_target() returned
 */
static int load(int fd)
{
	const struct migrate_ctx m = mctx();
	int ret = migrate_target(fd, &m);

	fx_round_end();
	return ret;
}

/**
 * guest_send() - The guest sends @len bytes of stream @seed from @off, in
 *		  MSS-sized segments, each answered by an ACK
 * @c:		Connection
 * @seed:	Stream
 * @off:	Offset of the first byte
 * @len:	Bytes
 */
static void guest_send(struct fx_conn *c, unsigned int seed, size_t off,
		       size_t len)
{
	static uint8_t b[BULK + FX_GUEST_MSS];
	size_t done;

	fx_pattern(b, off + len, seed);
	for (done = 0; done < len; ) {
		size_t n = MIN(len - done, (size_t)FX_GUEST_MSS);

		fx_guest(c, TCP_F_ACK, b + off + done, n);
		fx_expect_ack(c);
		done += n;
	}
}

/**
 * peer_send() - The peer sends @len bytes of stream @seed from @off
 * @c:		Connection
 * @seed:	Stream
 * @off:	Offset of the first byte
 * @len:	Bytes
 */
static void peer_send(const struct fx_conn *c, unsigned int seed, size_t off,
		      size_t len)
{
	static uint8_t b[BULK];

	assert_true(off + len <= sizeof(b));
	fx_pattern(b, off + len, seed);
	fx_peer_write(c, b + off, len);
}

/**
 * peer_check() - The peer reads exactly @len bytes of stream @seed from @off
 * @c:		Connection
 * @seed:	Stream
 * @off:	Offset of the first byte expected
 * @len:	Bytes
 */
static void peer_check(const struct fx_conn *c, unsigned int seed,
		       size_t off, size_t len)
{
	static uint8_t want[BULK + FX_GUEST_MSS], got[BULK];

	assert_true(len <= sizeof(got));
	fx_pattern(want, off + len, seed);
	fx_peer_read(c, got, len);
	assert_memory_equal(got, want + off, len);
}

/**
 * guest_check() - The guest receives exactly @len bytes of stream @seed
 *		   from @off, and acknowledges them
 * @c:		Connection
 * @seed:	Stream
 * @off:	Offset of the first byte expected
 * @len:	Bytes
 */
static void guest_check(struct fx_conn *c, unsigned int seed, size_t off,
			size_t len)
{
	static uint8_t want[BULK], got[BULK];

	assert_true(off + len <= sizeof(want));
	fx_pattern(want, off + len, seed);
	fx_recv_data(c, got, len);
	assert_memory_equal(got, want + off, len);
	fx_guest_ack(c, c->rseq, c->gwnd);
}

/**
 * slow_listener() - A listener whose connections take little at a time
 * @v4:		IPv4, else IPv6
 *
 * Return: socket
 */
static int slow_listener(bool v4)
{
	int l = fx_host_listener(v4, 4), small = 4096;

	assert_int_equal(setsockopt(l, SOL_SOCKET, SO_RCVBUF, &small,
				    sizeof(small)), 0);
	return l;
}

/**
 * moves_both_ways() - Connections of every kind move and go on: outbound
 *		       with data in flight each way and unread by the guest,
 *		       outbound with a slow peer (send queue, not sent yet),
 *		       inbound, idle; the peer of one sends while frozen
 * @v4:		IPv4, else IPv6
 */
static void moves_both_ways(bool v4)
{
	struct fx_conn o, s, in, idle;
	int fd;

	if (!can_repair())
		skip();
	helper_start(0);
	fx_open_out(&o, v4, 40001);
	fx_open_out_to(&s, slow_listener(v4), v4, 40002);
	fx_open_in(&in, v4);
	fx_open_out(&idle, v4, 40003);

	guest_send(&o, 1, 0, 3000);	/* the peer reads it later */
	peer_send(&o, 2, 0, 5000);
	fx_recv_data(&o, (uint8_t[5000]){ 0 }, 5000);
	fx_guest_ack(&o, o.rseq - 3000, o.gwnd);	/* 3000 in flight */
	guest_send(&s, 5, 0, BULK);	/* mostly in the send queue */
	peer_send(&in, 3, 0, 100);
	guest_check(&in, 3, 0, 100);
	guest_send(&in, 4, 0, 200);
	peer_check(&in, 4, 0, 200);
	fx_quiet();

	fd = save();
	assert_int_equal(migrate_frozen_count(&fx.t), 4);
	peer_send(&o, 2, 5000, 1000);	/* to a frozen socket: sent again */
	engine_restart();
	assert_int_equal(load(fd), 0);
	close(fd);
	assert_int_equal(flow_count(&fx.flows), 4);

	/* each gets an ACK with our window, in the order of the stream */
	fx_expect_ack(&o);
	fx_expect_ack(&s);
	fx_expect_ack(&in);
	fx_expect_ack(&idle);

	fx_guest_ack(&o, o.rseq, o.gwnd);
	guest_check(&o, 2, 5000, 1000);	/* what the peer sent meanwhile */
	peer_check(&o, 1, 0, 3000);
	guest_send(&o, 1, 3000, 2000);
	peer_check(&o, 1, 3000, 2000);
	peer_send(&o, 2, 6000, 700);
	guest_check(&o, 2, 6000, 700);

	peer_check(&s, 5, 0, BULK);	/* sent, and not sent, before */
	guest_send(&s, 5, BULK, 999);
	peer_check(&s, 5, BULK, 999);

	peer_send(&in, 3, 100, 300);
	guest_check(&in, 3, 100, 300);
	guest_send(&in, 4, 200, 400);
	peer_check(&in, 4, 200, 400);

	peer_send(&idle, 6, 0, 10);
	guest_check(&idle, 6, 0, 10);
	guest_send(&idle, 7, 0, 10);
	peer_check(&idle, 7, 0, 10);

	fx_close_guest_first(&o);
	fx_close_guest_first(&s);
	fx_close_guest_first(&in);
	fx_close_guest_first(&idle);
	fx_assert_no_flows();
	helper_stop();
}

static void test_moves_both_ways_v4(void **state)
{
	(void)state;
	moves_both_ways(true);
}

static void test_moves_both_ways_v6(void **state)
{
	(void)state;
	moves_both_ways(false);
}

/* Half-closed before the move, either way: the guest's FIN (the socket
 * shut down for writing, acknowledged by the peer) and the peer's (FIN
 * sent to the guest, acknowledged): what is left flows the other way, and
 * the closes end cleanly on the target
 */
static void test_half_closed(void **state)
{
	struct fx_conn g, p;
	struct fx_seg sg;
	int fd;

	(void)state;
	if (!can_repair())
		skip();
	helper_start(0);
	fx_open_out(&g, true, 40011);
	fx_open_out(&p, false, 40012);
	guest_send(&g, 1, 0, 500);
	fx_guest_fin(&g);
	peer_check(&g, 1, 0, 500);
	fx_peer_eof(&g);
	peer_send(&p, 2, 0, 800);
	guest_check(&p, 2, 0, 800);
	assert_int_equal(shutdown(p.peer, SHUT_WR), 0);
	fx_expect(&p, TCP_F_FIN | TCP_F_ACK, p.rseq, p.gseq, &sg);
	p.rseq++;
	fx_guest_ack(&p, p.rseq, p.gwnd);
	fx_quiet();

	fd = save();
	engine_restart();
	assert_int_equal(load(fd), 0);
	close(fd);
	fx_expect_ack(&g);
	fx_expect_ack(&p);

	peer_send(&g, 3, 0, 3000);	/* the peer still sends */
	guest_check(&g, 3, 0, 3000);
	guest_send(&p, 4, 0, 2000);	/* and the guest */
	peer_check(&p, 4, 0, 2000);

	fx_close(g.peer);		/* the peer ends: FIN to the guest */
	fx_expect(&g, TCP_F_FIN | TCP_F_ACK, g.rseq, g.gseq, &sg);
	g.rseq++;
	fx_guest(&g, TCP_F_ACK, NULL, 0);
	fx_guest_fin(&p);		/* the guest ends: the flow too */
	fx_peer_eof(&p);
	fx_close(p.peer);
	fx_assert_no_flows();
	helper_stop();
}

/* The stream is cut anywhere after the count, or the helper quits half-way:
 * the target refuses it as a whole, keeps nothing, and its peers never see
 * a segment (their connections are intact: a later full load works)
 */
static void test_target_refuses(void **state)
{
	static uint8_t stream[1 << 20];
	struct fx_conn a, b;
	ssize_t len;
	size_t cut;
	int fd, part;

	(void)state;
	if (!can_repair())
		skip();
	helper_start(0);
	fx_open_out(&a, true, 40021);
	fx_open_in(&b, false);
	peer_send(&a, 1, 0, 4000);
	guest_check(&a, 1, 0, 4000);
	guest_send(&b, 2, 0, 3000);
	fd = save();
	len = read(fd, stream, sizeof(stream));
	assert_true(len >= 16 + 42 + 4 + 2 * 112 + 2 * 52);
	close(fd);
	engine_restart();

	for (cut = 16 + 42 + 4; cut < (size_t)len; cut += 37) {
		part = memfd_create("part", MFD_CLOEXEC);
		assert_int_equal(write(part, stream, cut), (ssize_t)cut);
		assert_int_equal(lseek(part, 0, SEEK_SET), 0);
		assert_int_equal(load(part), -EPIPE);
		close(part);
		assert_int_equal(flow_count(&fx.flows), 0);
	}
	fx_quiet();	/* nothing to the guest either */

	/* passt-repair goes away while the sockets are set up */
	helper_stop();
	helper_start(1);
	part = memfd_create("all", MFD_CLOEXEC);
	assert_int_equal(write(part, stream, (size_t)len), len);
	assert_int_equal(lseek(part, 0, SEEK_SET), 0);
	assert_true(load(part) < 0);
	assert_int_equal(flow_count(&fx.flows), 0);
	helper_stop();

	/* no helper at all: refused, as the connections couldn't move */
	assert_int_equal(lseek(part, 0, SEEK_SET), 0);
	assert_int_equal(load(part), -ENOTCONN);

	helper_start(0);
	assert_int_equal(lseek(part, 0, SEEK_SET), 0);
	assert_int_equal(load(part), 0);
	close(part);
	fx_expect_ack(&a);
	fx_expect_ack(&b);
	peer_check(&b, 2, 0, 3000);
	peer_send(&a, 1, 4000, 100);
	guest_check(&a, 1, 4000, 100);
	fx_close_guest_first(&a);
	fx_close_guest_first(&b);
	helper_stop();
}

/* The source keeps the guest after all (its stream went nowhere, or qemu
 * resumed it here): the frozen connections go back to normal and lose
 * nothing, even what the peer sent while they were frozen
 */
static void test_source_rollback(void **state)
{
	struct fx_conn a;
	int fd;

	(void)state;
	if (!can_repair())
		skip();
	helper_start(0);
	fx_open_out(&a, true, 40031);
	peer_send(&a, 1, 0, 2000);
	fx_recv_data(&a, (uint8_t[2000]){ 0 }, 2000);
	fx_guest_ack(&a, a.rseq - 800, 800);	/* 800 in flight, window full */
	peer_send(&a, 1, 2000, 700);		/* 700 more, not sent yet */
	fx_quiet();
	fd = save();
	close(fd);
	peer_send(&a, 1, 2700, 1500);	/* dropped by the frozen socket */
	fx_guest(&a, TCP_F_ACK, "ignored: the guest sends it again", 33);
	migrate_frozen_rollback(&fx.t, &hp.r);
	fx_round_end();
	assert_int_equal(migrate_frozen_count(&fx.t), 0);
	a.gseq -= 33;			/* those bytes weren't taken */
	fx_expect_ack(&a);
	fx_guest_ack(&a, a.rseq, a.gwnd);
	/* from where the guest was, although the dump read the whole queue */
	guest_check(&a, 1, 2000, 700 + 1500);
	guest_send(&a, 2, 0, 100);
	peer_check(&a, 2, 0, 100);
	fx_close_guest_first(&a);
	helper_stop();
}

/* No passt-repair on the source: the addresses go, the connections stay
 * (count 0), and they carry on
 */
static void test_source_without_helper(void **state)
{
	const struct migrate_ctx m = { &fx.l2, &fx.l2s, &fx.t, NULL };
	struct fx_conn a;
	uint8_t b[64];
	int fd;

	(void)state;
	fx_open_out(&a, true, 40041);
	fd = memfd_create("stream", MFD_CLOEXEC);
	assert_int_equal(migrate_source(fd, &m), 0);
	assert_int_equal(pread(fd, b, sizeof(b), 0), 16 + 42 + 4);
	assert_memory_equal(b + 58, "\0\0\0\0", 4);
	close(fd);
	assert_int_equal(migrate_frozen_count(&fx.t), 0);
	guest_send(&a, 1, 0, 10);
	peer_check(&a, 1, 0, 10);
	fx_close_guest_first(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_moves_both_ways_v4,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_moves_both_ways_v6,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_half_closed, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_target_refuses, fx_setup,
						fx_teardown),
		cmocka_unit_test_setup_teardown(test_source_rollback,
						fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_source_without_helper,
						fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
