// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vu_msg.c - vhost-user messages: parsing, the size and descriptors
 * each request must have, reading from a socket (descriptors, messages cut
 * in pieces, a frontend that stops mid-message) and replies byte for byte
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "link/vu_msg.h"
#include "vu_fixture.h"

/**
 * pair() - A connected pair of UNIX stream sockets, ours non-blocking
 * @sv:		Set to { ours, the frontend's }
 */
static void pair(int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
}

static void test_parse_takes_one_message(void **state)
{
	uint8_t buf[VU_MSG_HDR_LEN + 300] = {0};
	uint64_t v = 0x1122334455667788ULL;
	struct vu_msg m;

	(void)state;
	fx_put_hdr(buf, VU_SET_FEATURES, VU_MSG_VERSION, 8);
	memcpy(buf + VU_MSG_HDR_LEN, &v, 8);
	assert_int_equal(vu_msg_parse(buf, 20, &m), 20);
	assert_int_equal(vu_msg_parse(buf, sizeof(buf), &m), 20);
	assert_int_equal(m.req, VU_SET_FEATURES);
	assert_int_equal(m.flags, VU_MSG_VERSION);
	assert_int_equal(m.size, 8);
	assert_int_equal(m.u.u64, v);
	assert_int_equal(m.nfds, 0);
	assert_int_equal(m.fds[0], -1);
	assert_int_equal(vu_msg_check(&m), 0);

	assert_int_equal(vu_msg_parse(buf, 19, &m), -ENODATA);
	assert_int_equal(vu_msg_parse(buf, 11, &m), -ENODATA);
	assert_int_equal(vu_msg_parse(buf, 0, &m), -ENODATA);

	fx_put_hdr(buf, VU_SET_MEM_TABLE, VU_MSG_VERSION, sizeof(m.u));
	assert_int_equal(vu_msg_parse(buf, sizeof(buf), &m),
			 VU_MSG_HDR_LEN + (int)sizeof(m.u));
	fx_put_hdr(buf, VU_SET_MEM_TABLE, VU_MSG_VERSION, sizeof(m.u) + 1);
	assert_int_equal(vu_msg_parse(buf, sizeof(buf), &m), -EMSGSIZE);
	fx_put_hdr(buf, VU_SET_MEM_TABLE, VU_MSG_VERSION, UINT32_MAX);
	assert_int_equal(vu_msg_parse(buf, sizeof(buf), &m), -EMSGSIZE);
}

/**
 * msg() - A message with a payload size and a number of descriptors
 * @req:	Request
 * @size:	Payload size
 * @nfds:	Descriptors (numbers only: none is open)
 *
 * Return: the message
 */
static struct vu_msg msg(uint32_t req, uint32_t size, unsigned int nfds)
{
	struct vu_msg m;
	unsigned int i;

	memset(&m, 0, sizeof(m));
	m.req = req;
	m.flags = VU_MSG_VERSION;
	m.size = size;
	for (i = 0; i < VU_MSG_FDS_MAX; i++)
		m.fds[i] = i < nfds ? 1000 + (int)i : -1;
	m.nfds = nfds;
	return m;
}

static void test_check_sizes_and_descriptors(void **state)
{
	/* Request, payload size and descriptors as qemu and DPDK send them */
	static const struct {
		uint32_t req, size;
		unsigned int nfds;
	} good[] = {
		{VU_GET_FEATURES, 0, 0},
		{VU_SET_FEATURES, 8, 0},
		{VU_SET_OWNER, 0, 0},
		{VU_SET_LOG_BASE, 16, 1},
		{VU_SET_LOG_FD, 0, 1},
		{VU_SET_VRING_NUM, 8, 0},
		{VU_SET_VRING_ADDR, 40, 0},
		{VU_SET_VRING_BASE, 8, 0},
		{VU_GET_VRING_BASE, 8, 0},
		{VU_GET_PROTOCOL_FEATURES, 0, 0},
		{VU_SET_PROTOCOL_FEATURES, 8, 0},
		{VU_GET_QUEUE_NUM, 0, 0},
		{VU_SET_VRING_ENABLE, 8, 0},
		{VU_SEND_RARP, 8, 0},
		{VU_SET_DEVICE_STATE_FD, 8, 1},
		{VU_CHECK_DEVICE_STATE, 0, 0},
	};
	static const uint32_t unhandled[] = {
		0,  VU_RESET_OWNER, 20,	  21,	     24, 37,
		41, VU_REQ_MAX,	    1000, UINT32_MAX};
	struct vu_msg m;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		m = msg(good[i].req, good[i].size, good[i].nfds);
		assert_int_equal(vu_msg_check(&m), 0);
		m = msg(good[i].req, good[i].size + 1, good[i].nfds);
		assert_int_equal(vu_msg_check(&m), -EBADMSG);
		if (good[i].size) {
			m = msg(good[i].req, good[i].size - 1, good[i].nfds);
			assert_int_equal(vu_msg_check(&m), -EBADMSG);
		}
		m = msg(good[i].req, good[i].size, good[i].nfds + 1);
		assert_int_equal(vu_msg_check(&m), -EBADMSG);
		if (good[i].nfds) {
			m = msg(good[i].req, good[i].size, 0);
			assert_int_equal(vu_msg_check(&m), -EBADMSG);
		}
		assert_string_not_equal(vu_req_str(good[i].req), "unknown");
	}
	for (i = 0; i < sizeof(unhandled) / sizeof(unhandled[0]); i++) {
		m = msg(unhandled[i], 0, 0);
		assert_int_equal(vu_msg_check(&m), -ENOTSUP);
	}
	assert_string_equal(vu_req_str(VU_SET_MEM_TABLE), "SET_MEM_TABLE");
	assert_string_equal(vu_req_str(VU_RESET_OWNER), "RESET_OWNER");
	assert_string_equal(vu_req_str(UINT32_MAX), "unknown");
	assert_string_equal(vu_req_str(26), "unknown");
}

static void test_check_vring_descriptors(void **state)
{
	static const uint32_t reqs[] = {VU_SET_VRING_KICK, VU_SET_VRING_CALL,
					VU_SET_VRING_ERR};
	struct vu_msg m;
	unsigned int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		m = msg(reqs[i], 8, 1);
		m.u.u64 = 1;
		assert_int_equal(vu_msg_check(&m), 0);
		m = msg(reqs[i], 8, 0);
		m.u.u64 = 1 | VU_VRING_NOFD;
		assert_int_equal(vu_msg_check(&m), 0);
		m = msg(reqs[i], 8, 1);
		m.u.u64 = 1 | VU_VRING_NOFD;
		assert_int_equal(vu_msg_check(&m), -EBADMSG);
		m = msg(reqs[i], 8, 0);
		m.u.u64 = 1;
		assert_int_equal(vu_msg_check(&m), -EBADMSG);
		m = msg(reqs[i], 8, 2);
		assert_int_equal(vu_msg_check(&m), -EBADMSG);
		m = msg(reqs[i], 4, 1);
		assert_int_equal(vu_msg_check(&m), -EBADMSG);
	}
}

static void test_check_mem_table(void **state)
{
	struct vu_msg m;
	uint32_t n;

	(void)state;
	for (n = 1; n <= VU_MEM_REGIONS_MAX; n++) {
		m = msg(VU_SET_MEM_TABLE, 8 + 32 * n, n);
		m.u.mem.nregions = n;
		m.u.mem.padding = 0xdeadbeef; /* ignored */
		assert_int_equal(vu_msg_check(&m), 0);
		m.nfds = n - 1;
		assert_int_equal(vu_msg_check(&m), -EBADMSG);
		m.nfds = n;
		m.size += 32;
		assert_int_equal(vu_msg_check(&m), -EBADMSG);
		m.size -= 33;
		assert_int_equal(vu_msg_check(&m), -EBADMSG);
	}
	m = msg(VU_SET_MEM_TABLE, 8, 0);
	assert_int_equal(vu_msg_check(&m), -EBADMSG);
	m = msg(VU_SET_MEM_TABLE, 8 + 32 * 9, 8);
	m.u.mem.nregions = 9;
	assert_int_equal(vu_msg_check(&m), -EBADMSG);
	m = msg(VU_SET_MEM_TABLE, 4, 0);
	assert_int_equal(vu_msg_check(&m), -EBADMSG);
}

static void test_recv_message_and_descriptors(void **state)
{
	uint8_t buf[VU_MSG_HDR_LEN + 8 + 64];
	int sv[2], fds[2], before = fx_fd_count();
	struct vu_msg m;

	(void)state;
	pair(sv);
	fds[0] = fx_memfd(4096, false);
	fds[1] = fx_memfd(4096, false);

	memset(buf, 0, sizeof(buf));
	fx_put_hdr(buf, VU_SET_MEM_TABLE, VU_MSG_VERSION | VU_MSG_F_NEED_REPLY,
		   8 + 64);
	buf[VU_MSG_HDR_LEN] = 2;
	fx_send_fds(sv[1], buf, sizeof(buf), fds, 2);
	close(fds[0]);
	close(fds[1]);

	assert_int_equal(vu_msg_recv(sv[0], &m), 0);
	assert_int_equal(m.req, VU_SET_MEM_TABLE);
	assert_int_equal(m.flags, VU_MSG_VERSION | VU_MSG_F_NEED_REPLY);
	assert_int_equal(m.size, 72);
	assert_int_equal(m.u.mem.nregions, 2);
	assert_int_equal(m.nfds, 2);
	assert_true(fcntl(m.fds[0], F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(m.fds[1], F_GETFD) & FD_CLOEXEC);
	assert_int_equal(vu_msg_check(&m), 0);
	vu_msg_close_fds(&m);
	assert_int_equal(m.nfds, 0);

	/* Nothing more: the payload was read exactly */
	assert_int_equal(vu_msg_recv(sv[0], &m), -EAGAIN);

	/* Two messages in one write are read one at a time */
	fx_put_hdr(buf, VU_GET_FEATURES, VU_MSG_VERSION, 0);
	fx_put_hdr(buf + 12, VU_SET_OWNER, VU_MSG_VERSION, 0);
	assert_int_equal(write(sv[1], buf, 24), 24);
	assert_int_equal(vu_msg_recv(sv[0], &m), 0);
	assert_int_equal(m.req, VU_GET_FEATURES);
	assert_int_equal(vu_msg_recv(sv[0], &m), 0);
	assert_int_equal(m.req, VU_SET_OWNER);

	close(sv[1]);
	assert_int_equal(vu_msg_recv(sv[0], &m), -ECONNRESET);
	close(sv[0]);
	assert_int_equal(fx_fd_count(), before);
}

/**
 * recv_refused() - Send a header with descriptors: it must be refused
 * @req:	Request
 * @size:	Payload size the header gives
 * @fds:	Descriptors
 * @nfds:	How many
 */
static void recv_refused(uint32_t req, uint32_t size, const int *fds,
			 unsigned int nfds)
{
	uint8_t buf[VU_MSG_HDR_LEN];
	struct vu_msg m;
	int sv[2];

	pair(sv);
	fx_put_hdr(buf, req, VU_MSG_VERSION, size);
	fx_send_fds(sv[1], buf, sizeof(buf), fds, nfds);
	assert_int_equal(vu_msg_recv(sv[0], &m), -EMSGSIZE);
	assert_int_equal(m.nfds, 0);
	close(sv[0]);
	close(sv[1]);
}

static void test_recv_refuses_oversized_and_closes_fds(void **state)
{
	int fds[9], before = fx_fd_count();
	unsigned int i;

	(void)state;
	fds[0] = fx_memfd(4096, false);
	recv_refused(VU_SET_MEM_TABLE, 100000, fds, 1);

	/* More descriptors than a message can have */
	for (i = 1; i < 9; i++)
		fds[i] = fds[0];
	recv_refused(VU_SET_OWNER, 0, fds, 9);

	close(fds[0]);
	assert_int_equal(fx_fd_count(), before);
}

/**
 * now_ms() - Monotonic time
 *
 * Return: milliseconds
 */
static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void test_recv_waits_for_the_rest_then_gives_up(void **state)
{
	uint8_t buf[VU_MSG_HDR_LEN + 8];
	int sv[2], fd, before = fx_fd_count();
	uint64_t t0, v = 42;
	struct vu_msg m;
	pid_t pid;

	(void)state;
	pair(sv);
	fx_put_hdr(buf, VU_SET_FEATURES, VU_MSG_VERSION, 8);
	memcpy(buf + VU_MSG_HDR_LEN, &v, 8);

	/* Cut after 5 bytes of header, the rest 100 ms later */
	fd = fx_memfd(4096, false);
	fx_send_fds(sv[1], buf, 5, &fd, 1);
	close(fd);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		usleep(100 * 1000);
		_exit(write(sv[1], buf + 5, sizeof(buf) - 5) !=
		      (ssize_t)(sizeof(buf) - 5));
	}
	assert_int_equal(vu_msg_recv(sv[0], &m), 0);
	assert_int_equal(m.u.u64, 42);
	assert_int_equal(m.nfds, 1);
	vu_msg_close_fds(&m);
	assert_int_equal(waitpid(pid, NULL, 0), pid);

	/* A header, and no payload ever: refused after about a second */
	fx_send_fds(sv[1], buf, VU_MSG_HDR_LEN + 3, NULL, 0);
	t0 = now_ms();
	assert_int_equal(vu_msg_recv(sv[0], &m), -ETIMEDOUT);
	assert_in_range(now_ms() - t0, 900, 5000);
	assert_int_equal(m.nfds, 0);

	close(sv[0]);
	close(sv[1]);
	assert_int_equal(fx_fd_count(), before);
}

static void test_reply_bytes(void **state)
{
	static const uint8_t want[] = {
		11, 0, 0, 0, 5, 0, 0,	 0,    8, 0,
		0,  0, 1, 0, 0, 0, 0x34, 0x12, 0, 0,
	};
	const uint32_t st[2] = {1, 0x1234};
	uint8_t got[64];
	struct vu_msg m = msg(VU_GET_VRING_BASE, 8, 0);
	int sv[2];

	(void)state;
	pair(sv);
	m.flags = VU_MSG_VERSION | VU_MSG_F_NEED_REPLY;
	assert_int_equal(vu_msg_reply(sv[0], &m, st, sizeof(st)), 0);
	assert_int_equal(read(sv[1], got, sizeof(got)), sizeof(want));
	assert_memory_equal(got, want, sizeof(want));

	assert_int_equal(vu_msg_reply(sv[0], &m, NULL, 0), 0);
	assert_int_equal(read(sv[1], got, sizeof(got)), 12);
	assert_memory_equal(got, want, 8);
	assert_int_equal(got[8], 0);

	assert_int_equal(vu_msg_reply(sv[0], &m, got, sizeof(m.u) + 1),
			 -EINVAL);

	close(sv[1]);
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(vu_msg_reply(sv[0], &m, st, sizeof(st)), -EPIPE);
	close(sv[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_takes_one_message),
		cmocka_unit_test(test_check_sizes_and_descriptors),
		cmocka_unit_test(test_check_vring_descriptors),
		cmocka_unit_test(test_check_mem_table),
		cmocka_unit_test(test_recv_message_and_descriptors),
		cmocka_unit_test(test_recv_refuses_oversized_and_closes_fds),
		cmocka_unit_test(test_recv_waits_for_the_rest_then_gives_up),
		cmocka_unit_test(test_reply_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
