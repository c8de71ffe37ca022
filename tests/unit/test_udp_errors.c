// SPDX-License-Identifier: GPL-2.0-or-later
/* test_udp_errors.c - the UDP engine reports the error that happened: a
 * full flow table is -ENOSPC even after a bind() that failed on the way
 * (its errno used to come out instead), and a refused epoll registration
 * is the kernel's error, not -EIO
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "l2_fixture.h"
#include "base/log.h"
#include "transport/udp.h"

static struct flow_table flows;
static struct udp_ctx u;
static struct l2_conf l2;
static struct l2_state l2s;
static struct nat nat;
static char log_path[] = "/tmp/test_udp_errors_XXXXXX";

/* A sink that never has room: nothing reaches the guest here */
static unsigned int no_reserve(struct frame_sink *s, unsigned int n,
			       uint8_t **bufs, size_t *cap)
{
	(void)s;
	(void)n;
	(void)bufs;
	(void)cap;
	return 0;
}

static void no_commit(struct frame_sink *s, uint8_t *buf, size_t len,
		      const struct frame_offload *o)
{
	(void)s;
	(void)buf;
	(void)len;
	(void)o;
}

static int no_flush(struct frame_sink *s)
{
	(void)s;
	return 0;
}

static struct frame_sink sink = { no_reserve, no_commit, no_flush,
				  false, false, NULL };

static int setup(void **state)
{
	static const uint8_t key[16] = {1};
	int fd = mkstemp(log_path), epfd = epoll_create1(EPOLL_CLOEXEC);

	(void)state;
	if (fd < 0 || epfd < 0)
		return -1;
	close(fd);
	log_init("test");
	log_to_stderr(false);
	log_set_level(LOG_LVL_DEBUG);
	if (log_open_file(log_path, 1 << 20))
		return -1;
	fx_conf(&l2);
	flow_init(&flows, key);
	return udp_init(&u, &flows, &sink, &l2, &l2s, &nat, epfd, true);
}

static int teardown(void **state)
{
	(void)state;
	unlink(log_path);
	return 0;
}

/**
 * log_has() - Tell whether the log file holds a string
 * @needle:	String
 *
 * Return: true if a line contains it
 */
static bool log_has(const char *needle)
{
	char line[1200];
	bool found = false;
	FILE *f = fopen(log_path, "r");

	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

/* The guest's source port is taken on the host, so the flow's socket
 * falls back to another port (bind() fails once, errno EADDRINUSE), and
 * the flow table is full: the datagram is dropped for want of a flow
 */
static void test_table_full_after_failed_bind_is_enospc(void **state)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	uint8_t dgram[8 + 3] = {0};
	struct flow_key k = { .proto = IPPROTO_UDP };
	struct pkt_l4 p = { .family = AF_INET, .proto = IPPROTO_UDP };
	char msg[128];
	int held, i;

	(void)state;
	held = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(held >= 0);
	assert_int_equal(bind(held, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(held, (struct sockaddr *)&sa, &sl), 0);

	/* every flow in use, none of them this datagram's */
	for (i = 0; i < FLOW_MAX; i++) {
		k.gport = (uint16_t)i;
		k.rport = 1;
		assert_true(flow_alloc(&flows, FLOW_UDP, &k) >= 0);
	}

	inany_from_v4(&p.src, fx_ip4("127.0.0.1"));
	inany_from_v4(&p.dst, fx_ip4("127.0.0.1"));
	fx_put16(dgram, ntohs(sa.sin_port));	/* taken: see above */
	fx_put16(dgram + 2, 9);
	fx_put16(dgram + 4, sizeof(dgram));
	p.l4 = pview_make(dgram, sizeof(dgram));
	errno = 0;
	udp_tap_input(&u, &p);

	assert_true(log_has("Flow table full"));
	snprintf(msg, sizeof(msg), "UDP: no socket: %s", strerror(ENOSPC));
	if (!log_has(msg))
		fail_msg("\"%s\" not in the log", msg);
	assert_false(log_has(strerror(EADDRINUSE)));
	assert_int_equal(u.nq, 0);
	close(held);
	for (i = 0; i < FLOW_MAX; i++)
		flow_free(&flows, i);
	flow_batch_end(&flows);
}

/* epoll refuses the socket: its error comes back, as it is */
static void test_epoll_error_not_eio(void **state)
{
	struct flow_key k = { .proto = IPPROTO_UDP, .gport = 7, .rport = 7 };
	int s = socket(AF_INET, SOCK_DGRAM, 0), epfd = u.epfd;
	struct flow_side side = { 0 };

	(void)state;
	assert_true(s >= 0);
	u.epfd = -1;
	assert_int_equal(dgram_flow_new(&u, &k, s, EPOLL_TYPE_UDP, &side,
					&side), -EBADF);
	u.epfd = s;	/* not an epoll descriptor */
	assert_int_equal(dgram_flow_new(&u, &k, s, EPOLL_TYPE_UDP, &side,
					&side), -EINVAL);
	u.epfd = epfd;
	/* the flow was given back both times */
	assert_int_equal(flow_lookup(&flows, &k), -ENOENT);
	close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_full_after_failed_bind_is_enospc),
		cmocka_unit_test(test_epoll_error_not_eio),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
