// SPDX-License-Identifier: GPL-2.0-or-later
/* test_fwd_live.c - unit tests of the running tables and their atomic
 * replacement, in a user and network namespace of their own (loopback only)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns_fixture.h"
#include "transport/fwd_live.h"

#define P1 41001
#define P2 41002
#define P3 41003
#define PBUSY 41004

static struct fwd_live fl;
static int epfd = -1;

/* Fresh epoll set and empty running tables, skipped without a namespace */
static int each_setup(void **state)
{
	struct fwd_live_cfg cfg = {.epfd = -1, .netns_fd = -1};
	static struct fwd_table empty;

	(void)state;
	if (!netns_have)
		return 0;	/* the test skips */
	epfd = epoll_create1(EPOLL_CLOEXEC);
	cfg.epfd = epfd;
	cfg.in = &empty;
	cfg.can[FWD_AUTO_IN][0] = cfg.can[FWD_AUTO_IN][1] = true;
	fwd_live_init(&fl, &cfg);
	return 0;
}

static int each_teardown(void **state)
{
	struct fwd_table empty;
	char err[FWD_ERR_LEN];

	(void)state;
	if (!netns_have)
		return 0;
	fwd_table_init(&empty);
	if (!fwd_live_prepare(&fl, FWD_AUTO_IN, &empty, err, sizeof(err)))
		fwd_live_commit(&fl);
	close(epfd);
	return 0;
}

/* A TCP rule on 127.0.0.1, ports @first..@last; best effort if @weak */
static struct fwd_rule rule(uint16_t first, uint16_t last, bool weak)
{
	struct fwd_rule r = {.proto = IPPROTO_TCP, .first = first,
			     .last = last, .to = first};

	inany_from_v4(&r.addr, (struct in_addr){htonl(INADDR_LOOPBACK)});
	if (weak)
		r.flags = FWD_BEST_EFFORT;
	return r;
}

static struct fwd_table table(int n, const struct fwd_rule *r)
{
	struct fwd_table t;

	fwd_table_init(&t);
	memcpy(t.rules, r, sizeof(*r) * (size_t)n);
	t.n = n;
	return t;
}

/* Open the static rules of @t at start, as the transports do */
static void start(const struct fwd_table *t)
{
	struct fwd_live_cfg cfg = {.epfd = epfd, .netns_fd = -1, .in = t};
	struct listen_req q;

	cfg.can[FWD_AUTO_IN][0] = cfg.can[FWD_AUTO_IN][1] = true;
	fwd_live_init(&fl, &cfg);
	listen_req_init(&q, epfd, IPPROTO_TCP, LISTEN_HOST, -1, false);
	q.rec = &fl.side[FWD_AUTO_IN].rec;
	assert_int_equal(listen_table(&q, fwd_live_table(&fl, FWD_AUTO_IN),
				      NULL),
			 0);
}

/* Descriptor of the listener of @port, -1 if none is tracked */
static int fd_of(uint16_t port)
{
	unsigned int i;

	for (i = 0; i < fl.side[FWD_AUTO_IN].nsocks; i++) {
		if (fl.side[FWD_AUTO_IN].socks[i].port == port)
			return fl.side[FWD_AUTO_IN].socks[i].fd[0];
	}
	return -1;
}

/* Connect to 127.0.0.1:@port: 0, or -errno */
static int try_connect(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(port),
				.sin_addr = {htonl(INADDR_LOOPBACK)}};
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), rc = 0;

	if (connect(s, (struct sockaddr *)&a, sizeof(a)))
		rc = -errno;
	close(s);
	return rc;
}

/* The epoll reference a connection to @port wakes us with */
static union epoll_ref event_of(uint16_t port)
{
	union epoll_ref ref = {.u64 = 0};
	struct epoll_event ev;

	assert_int_equal(try_connect(port), 0);
	assert_int_equal(epoll_wait(epfd, &ev, 1, 1000), 1);
	ref.u64 = ev.data.u64;
	close(accept4(ref.fd, NULL, NULL, SOCK_CLOEXEC));	/* ready no more */
	return ref;
}

/* Kept listeners stay open under their new index, others close */
static void test_replace(void **state)
{
	const struct fwd_rule r0[] = {rule(P2, P2, false),
				      rule(P1, P1, false)};
	const struct fwd_rule r1[] = {rule(P3, P3, false),
				      rule(P2, P2, false)};
	struct fwd_table t0 = table(2, r0), t1 = table(2, r1);
	char err[FWD_ERR_LEN];
	union epoll_ref ref;
	int fd2;

	(void)state;
	netns_need();
	start(&t0);
	assert_int_equal(fwd_live_count(&fl, FWD_AUTO_IN), 2);
	fd2 = fd_of(P2);
	assert_true(fd2 >= 0);
	ref = event_of(P2);
	assert_int_equal(epref_listen_rule(ref.idx), 0);

	assert_int_equal(fwd_live_prepare(&fl, FWD_AUTO_IN, &t1, err,
					  sizeof(err)),
			 0);
	/* nothing in force changed before the commit */
	assert_int_equal(fwd_live_table(&fl, FWD_AUTO_IN)->rules[0].first, P2);
	assert_int_equal(try_connect(P1), 0);
	assert_int_equal(epoll_wait(epfd, &(struct epoll_event){0}, 1, 1000),
			 1);
	fwd_live_commit(&fl);

	assert_int_equal(fwd_live_table(&fl, FWD_AUTO_IN)->rules[0].first, P3);
	assert_int_equal(fd_of(P2), fd2);
	assert_int_equal(fd_of(P1), -1);
	assert_int_equal(try_connect(P1), -ECONNREFUSED);
	ref = event_of(P3);
	assert_int_equal(epref_listen_rule(ref.idx), 0);
	/* the kept one wakes us with the index of its rule in the new table */
	ref = event_of(P2);
	assert_int_equal(ref.fd, fd2);
	assert_int_equal(epref_listen_rule(ref.idx), 1);
}

/* A strict port that can't be bound: nothing changes, nothing leaks */
static void test_refused(void **state)
{
	const struct fwd_rule r0[] = {rule(P1, P1, false)};
	const struct fwd_rule r1[] = {rule(P3, P3, false),
				      rule(PBUSY, PBUSY, false)};
	struct fwd_table t0 = table(1, r0), t1 = table(2, r1);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(PBUSY),
				.sin_addr = {htonl(INADDR_LOOPBACK)}};
	char err[FWD_ERR_LEN];
	int holder, probe, next;

	(void)state;
	netns_need();
	start(&t0);
	holder = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(holder, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(holder, 1), 0);
	probe = dup(0);
	close(probe);

	assert_int_equal(fwd_live_prepare(&fl, FWD_AUTO_IN, &t1, err,
					  sizeof(err)),
			 -EADDRINUSE);
	assert_string_equal(err, "Listen failed for host TCP port 41004: "
				 "Address already in use");
	fwd_live_abort(&fl);
	/* P3 was opened, then closed again: the lowest free number is back */
	next = dup(0);
	assert_int_equal(next, probe);
	close(next);
	assert_int_equal(try_connect(P3), -ECONNREFUSED);
	assert_int_equal(try_connect(P1), 0);
	assert_int_equal(fwd_live_table(&fl, FWD_AUTO_IN)->n, 1);
	assert_int_equal(fwd_live_count(&fl, FWD_AUTO_IN), 1);
	close(holder);
}

/* Best-effort rules: a busy port is skipped, but not every port */
static void test_best_effort(void **state)
{
	const struct fwd_rule some[] = {rule(PBUSY - 1, PBUSY, true)};
	const struct fwd_rule none[] = {rule(PBUSY, PBUSY, true)};
	struct fwd_table t_some = table(1, some), t_none = table(1, none);
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(PBUSY),
				.sin_addr = {htonl(INADDR_LOOPBACK)}};
	char err[FWD_ERR_LEN];
	int holder;

	(void)state;
	netns_need();
	holder = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(holder, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(holder, 1), 0);

	assert_int_equal(fwd_live_prepare(&fl, FWD_AUTO_IN, &t_none, err,
					  sizeof(err)),
			 -EADDRINUSE);
	assert_non_null(strstr(err, "Couldn't bind any forwarded TCP port"));
	fwd_live_abort(&fl);
	assert_int_equal(fwd_live_table(&fl, FWD_AUTO_IN)->n, 0);

	assert_int_equal(fwd_live_prepare(&fl, FWD_AUTO_IN, &t_some, err,
					  sizeof(err)),
			 0);
	fwd_live_commit(&fl);
	assert_int_equal(fwd_live_count(&fl, FWD_AUTO_IN), 1);
	assert_int_equal(try_connect(PBUSY - 1), 0);
	close(holder);
}

/* A second prepare before commit or abort is refused */
static void test_busy(void **state)
{
	const struct fwd_rule r[] = {rule(P1, P1, false)};
	struct fwd_table t = table(1, r);
	char err[FWD_ERR_LEN];

	(void)state;
	netns_need();
	assert_int_equal(fwd_live_prepare(&fl, FWD_AUTO_IN, &t, err,
					  sizeof(err)),
			 0);
	assert_int_equal(fwd_live_prepare(&fl, FWD_AUTO_IN, &t, err,
					  sizeof(err)),
			 -EBUSY);
	fwd_live_abort(&fl);
	assert_int_equal(try_connect(P1), -ECONNREFUSED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_replace, each_setup,
						each_teardown),
		cmocka_unit_test_setup_teardown(test_refused, each_setup,
						each_teardown),
		cmocka_unit_test_setup_teardown(test_best_effort, each_setup,
						each_teardown),
		cmocka_unit_test_setup_teardown(test_busy, each_setup,
						each_teardown),
	};

	return cmocka_run_group_tests(tests, netns_setup, NULL);
}
