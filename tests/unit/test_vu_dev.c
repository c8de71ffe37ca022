// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vu_dev.c - vhost-user device: a fake frontend on a socketpair sends
 * each message; replies are checked byte for byte (compat.md 4.3,
 * vhost-user.rst), with REPLY_ACK, and so are the queue states, the link's
 * callbacks, and that no descriptor or mapping outlives the connection,
 * whatever the frontend gets wrong
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "link/vu_dev.h"
#include "vu_fixture.h"

#define OFFERED                                                                \
	(VU_BIT(VU_F_VERSION_1) | VU_BIT(VU_F_GUEST_CSUM) |                    \
	 VU_BIT(VU_F_MRG_RXBUF) | VU_BIT(VU_F_LOG_ALL) |                       \
	 VU_BIT(VU_F_PROTOCOL_FEATURES))
#define PF_ALL                                                                 \
	(VU_BIT(VU_PF_LOG_SHMFD) | VU_BIT(VU_PF_RARP) | VU_BIT(VU_PF_REPLY_ACK))

/* Guest memory: one region of 1 MiB, one page into its memfd */
#define MEM_GPA 0x40000000ULL
#define MEM_UVA 0x7f1200000000ULL
#define MEM_OFF 4096ULL
#define MEM_LEN 0x100000ULL
#define RING_N	256
/* Rings of queue q at these offsets in the region, plus q * 64 KiB */
#define DESC_AT	 0x0
#define AVAIL_AT 0x2000
#define USED_AT	 0x4000

/**
 * struct fe - The fake frontend, the device, what the link was told
 * @sv:		Socket pair: device side, frontend side
 * @d:		Device
 * @mem_fd:	Guest memory
 * @started:	ops.started() calls
 * @stopped:	ops.stopped() calls
 * @kick_add:	ops.kick_add() calls
 * @kick_del:	ops.kick_del() calls
 * @kick_fd:	Last descriptor given to kick_add() per queue
 * @kick_ret:	What kick_add() returns
 * @fds:	Descriptors open before the test
 */
struct fe {
	int sv[2];
	struct vu_dev d;
	int mem_fd;
	int started, stopped, kick_add, kick_del;
	int kick_fd[VU_QUEUES];
	int kick_ret;
	int fds;
};

static struct fe fe;

static int cb_kick_add(void *arg, enum vu_queue q, int fd)
{
	assert_ptr_equal(arg, &fe);
	fe.kick_add++;
	fe.kick_fd[q] = fd;
	return fe.kick_ret;
}

static void cb_kick_del(void *arg, enum vu_queue q, int fd)
{
	assert_ptr_equal(arg, &fe);
	assert_int_equal(fe.kick_fd[q], fd);
	assert_true(fcntl(fd, F_GETFD) >= 0); /* still open */
	fe.kick_del++;
}

static void cb_started(void *arg)
{
	(void)arg;
	fe.started++;
}

static void cb_stopped(void *arg)
{
	(void)arg;
	fe.stopped++;
}

/* What the link's transfer callback saw and returns */
static int xfer_calls, xfer_fd, xfer_ret;
static bool xfer_load;

static int cb_transfer(void *arg, int fd, bool load)
{
	assert_ptr_equal(arg, &fe);
	assert_true(fcntl(fd, F_GETFD) >= 0);
	xfer_calls++;
	xfer_fd = fd;
	xfer_load = load;
	return xfer_ret;
}

static const struct vu_dev_ops ops = {
	.kick_add = cb_kick_add,
	.kick_del = cb_kick_del,
	.started = cb_started,
	.stopped = cb_stopped,
	.transfer = cb_transfer,
	.arg = &fe,
};

static int setup(void **state)
{
	(void)state;
	memset(&fe, 0, sizeof(fe));
	fe.fds = fx_fd_count();
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fe.sv), 0);
	assert_int_equal(fcntl(fe.sv[0], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(fcntl(fe.sv[1], F_SETFL, O_NONBLOCK), 0);
	fe.mem_fd = fx_memfd(MEM_OFF + MEM_LEN, true);
	vu_dev_init(&fe.d, fe.sv[0], OFFERED, &ops);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	vu_dev_reset(&fe.d);
	assert_int_equal(fx_map_count(), 0);
	close(fe.mem_fd);
	close(fe.sv[0]);
	close(fe.sv[1]);
	assert_int_equal(fx_fd_count(), fe.fds);
	return 0;
}

/**
 * req() - Send a message from the frontend, let the device handle it
 * @r:		Request
 * @flags:	Flags besides the version
 * @p:		Payload
 * @size:	Its length
 * @fds:	Descriptors to pass (duplicated by the kernel)
 * @nfds:	How many
 *
 * Return: what vu_dev_handle() returned
 */
static int req(uint32_t r, uint32_t flags, const void *p, uint32_t size,
	       const int *fds, unsigned int nfds)
{
	uint8_t buf[VU_MSG_HDR_LEN + 512];
	struct vu_msg m;
	int ret;

	assert_true(size <= 512);
	fx_put_hdr(buf, r, VU_MSG_VERSION | flags, size);
	if (size)
		memcpy(buf + VU_MSG_HDR_LEN, p, size);
	fx_send_fds(fe.sv[1], buf, VU_MSG_HDR_LEN + size, fds, nfds);
	assert_int_equal(vu_msg_recv(fe.sv[0], &m), 0);
	ret = vu_dev_handle(&fe.d, &m);
	assert_int_equal(m.nfds, 0);
	return ret;
}

/**
 * req_u64() - Send a message with a u64 payload and no descriptors
 * @r:		Request
 * @flags:	Flags besides the version
 * @v:		Payload
 *
 * Return: what vu_dev_handle() returned
 */
static int req_u64(uint32_t r, uint32_t flags, uint64_t v)
{
	return req(r, flags, &v, sizeof(v), NULL, 0);
}

/**
 * req_state() - Send a message with a vring state payload
 * @r:		Request
 * @index:	Queue
 * @num:	Value
 *
 * Return: what vu_dev_handle() returned
 */
static int req_state(uint32_t r, uint32_t index, uint32_t num)
{
	const struct vu_vring_state st = {index, num};

	return req(r, 0, &st, sizeof(st), NULL, 0);
}

/**
 * req_vring_fd() - Send SET_VRING_KICK, _CALL or _ERR with a new eventfd
 * @r:		Request
 * @index:	Queue
 * @nofd:	Send VU_VRING_NOFD and no descriptor instead
 *
 * Return: what vu_dev_handle() returned
 */
static int req_vring_fd(uint32_t r, uint32_t index, bool nofd)
{
	uint64_t v = index | (nofd ? VU_VRING_NOFD : 0);
	int efd = eventfd(0, EFD_CLOEXEC), ret;

	assert_true(efd >= 0);
	ret = req(r, 0, &v, sizeof(v), &efd, nofd ? 0 : 1);
	close(efd);
	return ret;
}

/**
 * expect_reply() - Check the one reply waiting, byte for byte
 * @r:		Request it answers
 * @p:		Expected payload
 * @size:	Its length
 */
static void expect_reply(uint32_t r, const void *p, uint32_t size)
{
	uint8_t got[VU_MSG_HDR_LEN + 64], want[VU_MSG_HDR_LEN + 64];

	fx_put_hdr(want, r, VU_MSG_VERSION | VU_MSG_F_REPLY, size);
	memcpy(want + VU_MSG_HDR_LEN, p, size);
	assert_int_equal(recv(fe.sv[1], got, sizeof(got), MSG_DONTWAIT),
			 VU_MSG_HDR_LEN + size);
	assert_memory_equal(got, want, VU_MSG_HDR_LEN + size);
}

/**
 * expect_u64() - Check the one reply waiting: a u64
 * @r:		Request it answers
 * @v:		Value
 */
static void expect_u64(uint32_t r, uint64_t v)
{
	expect_reply(r, &v, sizeof(v));
}

/**
 * expect_none() - Check that no reply is waiting
 */
static void expect_none(void)
{
	uint8_t b;

	assert_int_equal(recv(fe.sv[1], &b, 1, MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
}

/**
 * set_mem() - SET_MEM_TABLE with the region above, at a frontend address
 * @uva:	Frontend's virtual address of the region
 * @flags:	Flags besides the version
 *
 * Return: what vu_dev_handle() returned
 */
static int set_mem(uint64_t uva, uint32_t flags)
{
	struct vu_mem_table t = {.nregions = 1};

	t.r[0] = (struct vu_mem_desc){MEM_GPA, MEM_LEN, uva, MEM_OFF};
	return req(VU_SET_MEM_TABLE, flags, &t, 8 + 32, &fe.mem_fd, 1);
}

/**
 * set_addr() - SET_VRING_ADDR for a queue's rings in the region
 * @q:		Queue
 * @uva:	Frontend's virtual address of the region
 * @flags:	Address flags (bit 0: log the used ring)
 *
 * Return: what vu_dev_handle() returned
 */
static int set_addr(unsigned int q, uint64_t uva, uint32_t flags)
{
	uint64_t base = uva + q * 0x10000ULL;
	const struct vu_vring_addr a = {
		.index = q,
		.flags = flags,
		.desc = base + DESC_AT,
		.used = base + USED_AT,
		.avail = base + AVAIL_AT,
		.log = MEM_GPA + q * 0x10000ULL + USED_AT,
	};

	return req(VU_SET_VRING_ADDR, 0, &a, sizeof(a), NULL, 0);
}

/**
 * start() - The sequence qemu sends to start the device
 * @features:	Features acked
 */
static void start(uint64_t features)
{
	uint16_t used_idx = 7;
	unsigned int q;

	assert_int_equal(
		pwrite(fe.mem_fd, &used_idx, 2, (off_t)(MEM_OFF + USED_AT + 2)),
		2);
	assert_int_equal(req_u64(VU_SET_FEATURES, 0, features), 0);
	assert_int_equal(set_mem(MEM_UVA, 0), 0);
	for (q = 0; q < VU_QUEUES; q++) {
		assert_int_equal(req_state(VU_SET_VRING_NUM, q, RING_N), 0);
		assert_int_equal(req_state(VU_SET_VRING_BASE, q, 3 + q), 0);
		assert_int_equal(set_addr(q, MEM_UVA, 0), 0);
		assert_int_equal(req_vring_fd(VU_SET_VRING_KICK, q, false), 0);
		assert_int_equal(req_vring_fd(VU_SET_VRING_CALL, q, false), 0);
		assert_true(fe.d.vq[q].started);
	}
	expect_none();
}

static void test_features_and_queue_num(void **state)
{
	(void)state;
	assert_int_equal(req(VU_GET_FEATURES, 0, NULL, 0, NULL, 0), 0);
	expect_u64(VU_GET_FEATURES, OFFERED);
	assert_int_equal(req(VU_GET_PROTOCOL_FEATURES, 0, NULL, 0, NULL, 0), 0);
	expect_u64(VU_GET_PROTOCOL_FEATURES, 0xe | VU_BIT(VU_PF_DEVICE_STATE));
	assert_int_equal(req(VU_GET_QUEUE_NUM, 0, NULL, 0, NULL, 0), 0);
	expect_u64(VU_GET_QUEUE_NUM, 1);
	assert_int_equal(req(VU_SET_OWNER, 0, NULL, 0, NULL, 0), 0);
	expect_none();

	assert_int_equal(req_u64(VU_SET_PROTOCOL_FEATURES, 0, PF_ALL), 0);
	assert_int_equal(fe.d.pfeatures, PF_ALL);
	assert_int_equal(req_u64(VU_SET_PROTOCOL_FEATURES, 0,
				 VU_BIT(VU_PF_DEVICE_STATE)),
			 0);
	assert_int_equal(req_u64(VU_SET_PROTOCOL_FEATURES, 0, VU_BIT(4)),
			 -EINVAL);

	/* Legacy frontends die, as upstream; unoffered bits are an error */
	assert_int_equal(req_u64(VU_SET_FEATURES, 0, VU_BIT(VU_F_MRG_RXBUF)),
			 -EPROTONOSUPPORT);
	assert_int_equal(req_u64(VU_SET_FEATURES, 0,
				 VU_BIT(VU_F_VERSION_1) | VU_BIT(VU_F_CSUM)),
			 -EINVAL);
	assert_false(fe.d.features_set);
	assert_int_equal(fe.d.hdr_len, 10);

	assert_int_equal(req_u64(VU_SET_FEATURES, 0,
				 VU_BIT(VU_F_VERSION_1) |
					 VU_BIT(VU_F_PROTOCOL_FEATURES)),
			 0);
	assert_true(fe.d.features_set);
	assert_int_equal(fe.d.hdr_len, 12);
	assert_true(vu_dev_has(&fe.d, VU_F_VERSION_1));
	assert_false(vu_dev_has(&fe.d, VU_F_MRG_RXBUF));
	assert_false(fe.d.vq[VU_RX].enabled); /* rings start disabled */

	/* Without protocol features, every ring is enabled */
	assert_int_equal(req_u64(VU_SET_FEATURES, 0, VU_BIT(VU_F_VERSION_1)),
			 0);
	assert_true(fe.d.vq[VU_RX].enabled && fe.d.vq[VU_TX].enabled);
	expect_none();
}

static void test_reply_ack(void **state)
{
	(void)state;

	/* Not negotiated: no answer */
	assert_int_equal(
		req(VU_SET_OWNER, VU_MSG_F_NEED_REPLY, NULL, 0, NULL, 0), 0);
	expect_none();

	assert_int_equal(req_u64(VU_SET_PROTOCOL_FEATURES, VU_MSG_F_NEED_REPLY,
				 VU_BIT(VU_PF_REPLY_ACK)),
			 0);
	expect_u64(VU_SET_PROTOCOL_FEATURES, 0);
	assert_int_equal(
		req(VU_SET_OWNER, VU_MSG_F_NEED_REPLY, NULL, 0, NULL, 0), 0);
	expect_u64(VU_SET_OWNER, 0);
	assert_int_equal(req(VU_SET_OWNER, 0, NULL, 0, NULL, 0), 0);
	expect_none();

	/* Failure: non-zero, and the error for the link */
	assert_int_equal(set_mem(MEM_UVA, VU_MSG_F_NEED_REPLY), 0);
	expect_u64(VU_SET_MEM_TABLE, 0);
	assert_int_equal(req(VU_SET_VRING_NUM, VU_MSG_F_NEED_REPLY,
			     &(struct vu_vring_state){0, 3}, 8, NULL, 0),
			 -EINVAL);
	expect_u64(VU_SET_VRING_NUM, 1);
	assert_int_equal(req_u64(VU_SET_OWNER, VU_MSG_F_NEED_REPLY, 0),
			 -EBADMSG);
	expect_u64(VU_SET_OWNER, 1);

	/* A request with its own reply gets that one only */
	assert_int_equal(
		req(VU_GET_FEATURES, VU_MSG_F_NEED_REPLY, NULL, 0, NULL, 0), 0);
	expect_u64(VU_GET_FEATURES, OFFERED);
	expect_none();
}

static void test_start_run_and_stop(void **state)
{
	const uint32_t st[2] = {VU_TX, 4}, rx[2] = {VU_RX, 3};
	unsigned int q;

	(void)state;
	assert_int_equal(req_u64(VU_SET_PROTOCOL_FEATURES, 0, PF_ALL), 0);
	start(OFFERED);
	assert_int_equal(fe.kick_add, 2);
	assert_int_equal(fe.started, 0); /* not enabled yet */
	assert_false(vu_dev_running(&fe.d));

	assert_int_equal(req_state(VU_SET_VRING_ENABLE, VU_RX, 1), 0);
	assert_int_equal(fe.started, 0);
	assert_int_equal(req_state(VU_SET_VRING_ENABLE, VU_TX, 1), 0);
	assert_int_equal(fe.started, 1);
	assert_true(vu_dev_running(&fe.d));

	for (q = 0; q < VU_QUEUES; q++) {
		const struct vu_vq *vq = &fe.d.vq[q];
		uint8_t *base = fe.d.mem.r[0].map + MEM_OFF + q * 0x10000;

		assert_int_equal(vq->num, RING_N);
		assert_ptr_equal(vq->desc, base + DESC_AT);
		assert_ptr_equal(vq->avail, base + AVAIL_AT);
		assert_ptr_equal(vq->used, base + USED_AT);
		assert_int_equal(vq->used_gpa,
				 MEM_GPA + q * 0x10000ULL + USED_AT);
		assert_false(vq->log_used);
		assert_int_equal(vq->last_avail, 3 + q);
		assert_int_equal(vq->kick_fd, fe.kick_fd[q]);
		assert_true(vq->call_fd >= 0);
	}
	assert_int_equal(fe.d.vq[VU_RX].used_idx, 7);
	assert_int_equal(fe.d.vq[VU_TX].used_idx, 0);

	/* Disabled and enabled again */
	assert_int_equal(req_state(VU_SET_VRING_ENABLE, VU_RX, 0), 0);
	assert_int_equal(fe.stopped, 1);
	assert_int_equal(req_state(VU_SET_VRING_ENABLE, VU_RX, 1), 0);
	assert_int_equal(fe.started, 2);

	/* Not while it runs */
	assert_int_equal(req_state(VU_SET_VRING_NUM, VU_TX, 128), -EBUSY);
	assert_int_equal(req_state(VU_SET_VRING_BASE, VU_TX, 0), -EBUSY);

	/* Logging turned on while it runs */
	assert_int_equal(set_addr(VU_TX, MEM_UVA, 1), 0);
	assert_true(fe.d.vq[VU_TX].log_used);
	assert_true(fe.d.vq[VU_TX].started);

	fe.d.vq[VU_TX].last_avail = 4;
	assert_int_equal(req(VU_GET_VRING_BASE, 0, st, 8, NULL, 0), 0);
	expect_reply(VU_GET_VRING_BASE, st, 8);
	assert_false(fe.d.vq[VU_TX].started);
	assert_int_equal(fe.d.vq[VU_TX].kick_fd, -1);
	assert_int_equal(fe.d.vq[VU_TX].call_fd, -1);
	assert_int_equal(fe.kick_del, 1);
	assert_int_equal(fe.stopped, 2);
	assert_false(vu_dev_running(&fe.d));

	/* Started again from where the frontend says */
	assert_int_equal(req_state(VU_SET_VRING_BASE, VU_TX, 4), 0);
	assert_int_equal(req_vring_fd(VU_SET_VRING_KICK, VU_TX, false), 0);
	assert_int_equal(fe.started, 3);
	expect_none();

	/* The link hears once that the device stopped, whatever follows */
	assert_int_equal(req_state(VU_GET_VRING_BASE, VU_RX, 0), 0);
	expect_reply(VU_GET_VRING_BASE, rx, 8);
	assert_int_equal(fe.stopped, 3);
	assert_int_equal(req_state(VU_GET_VRING_BASE, VU_RX, 0), 0);
	expect_reply(VU_GET_VRING_BASE, rx, 8);
	assert_int_equal(set_mem(MEM_UVA, 0), 0);
	assert_int_equal(fe.stopped, 3);
	assert_int_equal(fe.started, 3);
}

static void test_mem_table_moves_rings(void **state)
{
	const uint64_t uva2 = 0x7f3400000000ULL;

	(void)state;
	start(VU_BIT(VU_F_VERSION_1));
	assert_int_equal(fe.started, 1);

	/* The same table again: the link lets go, the rings are translated
	 * anew, the queues keep running
	 */
	assert_int_equal(set_mem(MEM_UVA, 0), 0);
	assert_int_equal(fe.stopped, 1);
	assert_int_equal(fe.started, 2);
	assert_true(vu_dev_running(&fe.d));
	assert_int_equal(fx_map_count(), 1);

	/* Rings no longer in guest memory: stopped, an error */
	assert_int_equal(set_mem(uva2, 0), -EFAULT);
	assert_false(fe.d.vq[VU_RX].started);
	assert_null(fe.d.vq[VU_RX].desc);
	assert_int_equal(fe.stopped, 2);
	assert_int_equal(fx_map_count(), 1);

	/* The frontend says where they are now */
	assert_int_equal(set_addr(VU_RX, uva2, 0), 0);
	assert_non_null(fe.d.vq[VU_RX].desc);
	assert_int_equal(fe.d.vq[VU_RX].kick_fd, -1);
	expect_none();
}

static void test_out_of_order_and_deferred(void **state)
{
	struct vu_vring_addr a = {
		.index = VU_RX,
		.used = MEM_UVA + USED_AT,
		.avail = MEM_UVA + AVAIL_AT,
	};

	(void)state;

	/* Kick before the rings: the queue waits */
	assert_int_equal(req_vring_fd(VU_SET_VRING_KICK, VU_RX, false), 0);
	assert_false(fe.d.vq[VU_RX].started);

	/* Addresses before the memory table and the size: translated later */
	assert_int_equal(set_addr(VU_RX, MEM_UVA, 0), 0);
	assert_null(fe.d.vq[VU_RX].desc);
	assert_int_equal(set_mem(MEM_UVA, 0), 0);
	assert_null(fe.d.vq[VU_RX].desc);
	assert_int_equal(req_state(VU_SET_VRING_NUM, VU_RX, RING_N), 0);
	assert_non_null(fe.d.vq[VU_RX].desc);

	/* A size whose rings don't fit any more: the descriptor table ends
	 * with the region at this size, not at twice it
	 */
	a.desc = MEM_UVA + MEM_LEN - 16 * RING_N;
	assert_int_equal(req(VU_SET_VRING_ADDR, 0, &a, sizeof(a), NULL, 0), 0);
	assert_non_null(fe.d.vq[VU_RX].desc);
	assert_int_equal(req_state(VU_SET_VRING_NUM, VU_RX, 2 * RING_N),
			 -EFAULT);
	assert_null(fe.d.vq[VU_RX].desc);

	/* NOFD kick: started with no descriptor to poll */
	assert_int_equal(req_state(VU_SET_VRING_NUM, VU_RX, RING_N), 0);
	assert_int_equal(req_vring_fd(VU_SET_VRING_KICK, VU_RX, true), 0);
	assert_true(fe.d.vq[VU_RX].started);
	assert_int_equal(fe.d.vq[VU_RX].kick_fd, -1);
	assert_int_equal(fe.kick_del, 1);

	assert_int_equal(req_vring_fd(VU_SET_VRING_CALL, VU_TX, false), 0);
	assert_true(fe.d.vq[VU_TX].call_fd >= 0);
	assert_int_equal(req_vring_fd(VU_SET_VRING_CALL, VU_TX, true), 0);
	assert_int_equal(fe.d.vq[VU_TX].call_fd, -1);
	assert_int_equal(req_vring_fd(VU_SET_VRING_ERR, VU_TX, false), 0);
	assert_true(fe.d.vq[VU_TX].err_fd >= 0);
	assert_int_equal(req_vring_fd(VU_SET_VRING_ERR, VU_TX, false), 0);
	expect_none();
}

static void test_against_the_protocol(void **state)
{
	struct vu_vring_addr a = {.index = VU_RX};
	struct vu_mem_table t = {.nregions = 1};
	int fds[2] = {fe.mem_fd, fe.mem_fd};

	(void)state;
	assert_int_equal(req_state(VU_SET_VRING_NUM, 2, RING_N), -ERANGE);
	assert_int_equal(req_state(VU_SET_VRING_ENABLE, 255, 1), -ERANGE);
	assert_int_equal(req_vring_fd(VU_SET_VRING_KICK, 2, false), -ERANGE);
	assert_int_equal(req_vring_fd(VU_SET_VRING_CALL, 9, false), -ERANGE);
	assert_int_equal(req_state(VU_GET_VRING_BASE, 2, 0), -ERANGE);
	expect_none();

	assert_int_equal(req_state(VU_SET_VRING_NUM, VU_RX, 0), -EINVAL);
	assert_int_equal(req_state(VU_SET_VRING_NUM, VU_RX, 3), -EINVAL);
	assert_int_equal(req_state(VU_SET_VRING_NUM, VU_RX, 65536), -EINVAL);
	assert_int_equal(req_state(VU_SET_VRING_BASE, VU_RX, 65536), -EINVAL);
	assert_int_equal(req_state(VU_SET_VRING_ENABLE, VU_RX, 2), -EINVAL);

	/* Sizes and descriptor counts */
	t.r[0] = (struct vu_mem_desc){MEM_GPA, MEM_LEN, MEM_UVA, MEM_OFF};
	assert_int_equal(req(VU_SET_MEM_TABLE, 0, &t, 40, fds, 2), -EBADMSG);
	assert_int_equal(req(VU_SET_MEM_TABLE, 0, &t, 40, NULL, 0), -EBADMSG);
	assert_int_equal(req(VU_SET_MEM_TABLE, 0, &t, 72, fds, 1), -EBADMSG);
	assert_int_equal(req(VU_SET_OWNER, 0, NULL, 0, fds, 1), -EBADMSG);
	assert_int_equal(req(VU_SET_LOG_BASE, 0, &t, 16, NULL, 0), -EBADMSG);

	/* A region larger than its file */
	t.r[0].size = MEM_LEN * 2;
	assert_int_equal(req(VU_SET_MEM_TABLE, 0, &t, 40, fds, 1), -EINVAL);
	assert_int_equal(fe.d.mem.n, 0);

	/* Rings outside guest memory, or misaligned */
	assert_int_equal(set_mem(MEM_UVA, 0), 0);
	assert_int_equal(req_state(VU_SET_VRING_NUM, VU_RX, RING_N), 0);
	a.desc = MEM_UVA + MEM_LEN - 16;
	a.avail = a.used = MEM_UVA;
	assert_int_equal(req(VU_SET_VRING_ADDR, 0, &a, 40, NULL, 0), -EFAULT);
	a.desc = MEM_UVA + 8;
	assert_int_equal(req(VU_SET_VRING_ADDR, 0, &a, 40, NULL, 0), -EINVAL);
	a.desc = MEM_UVA;
	a.used = MEM_UVA + 2;
	assert_int_equal(req(VU_SET_VRING_ADDR, 0, &a, 40, NULL, 0), -EINVAL);
	a.desc = UINT64_MAX - 15;
	assert_int_equal(req(VU_SET_VRING_ADDR, 0, &a, 40, NULL, 0), -EFAULT);

	/* Requests we don't handle: fatal for the link, as upstream */
	assert_int_equal(req(VU_RESET_OWNER, 0, NULL, 0, NULL, 0), -ENOTSUP);
	assert_int_equal(req(20, 0, &t, 8, fds, 2), -ENOTSUP);
	assert_int_equal(req(VU_REQ_MAX + 100, 0, NULL, 0, NULL, 0), -ENOTSUP);

	/* Kick refused by the link: the descriptor isn't kept */
	fe.kick_ret = -EIO;
	assert_int_equal(req_vring_fd(VU_SET_VRING_KICK, VU_TX, false), -EIO);
	assert_int_equal(fe.d.vq[VU_TX].kick_fd, -1);
	expect_none();
}

/**
 * req_state_fd() - SET_DEVICE_STATE_FD with one end of a new pipe
 * @dir:	Direction
 * @phase:	Phase
 * @other:	Set to the other end (the frontend's), to be closed
 *
 * Return: what vu_dev_handle() returned
 */
static int req_state_fd(uint32_t dir, uint32_t phase, int *other)
{
	const struct vu_state_fd p = {dir, phase};
	int pfd[2], ret;

	assert_int_equal(pipe(pfd), 0);
	ret = req(VU_SET_DEVICE_STATE_FD, 0, &p, sizeof(p), &pfd[dir ? 0 : 1],
		  1);
	close(pfd[dir ? 0 : 1]);
	*other = pfd[dir ? 1 : 0];
	return ret;
}

static void test_device_state(void **state)
{
	char b;
	int o, o2;

	(void)state;
	xfer_calls = 0;
	xfer_ret = 0;

	/* Nothing transferred yet */
	assert_int_equal(req(VU_CHECK_DEVICE_STATE, 0, NULL, 0, NULL, 0), 0);
	expect_u64(VU_CHECK_DEVICE_STATE, VU_STATE_NONE);

	/* Save: the reply says "no descriptor of ours", the job waits for
	 * the end of the loop iteration, then the pipe is closed: EOF
	 */
	assert_int_equal(req_state_fd(VU_STATE_SAVE, 0, &o), 0);
	expect_u64(VU_SET_DEVICE_STATE_FD, VU_VRING_NOFD);
	assert_int_equal(xfer_calls, 0);
	assert_true(fe.d.state_fd >= 0);
	vu_dev_state_run(&fe.d);
	assert_int_equal(xfer_calls, 1);
	assert_false(xfer_load);
	assert_int_equal(fe.d.state_fd, -1);
	assert_int_equal(read(o, &b, 1), 0);
	close(o);
	vu_dev_state_run(&fe.d);	/* nothing pending: nothing runs */
	assert_int_equal(xfer_calls, 1);
	assert_false(fe.d.state_saved);
	assert_int_equal(req(VU_CHECK_DEVICE_STATE, 0, NULL, 0, NULL, 0), 0);
	expect_u64(VU_CHECK_DEVICE_STATE, 0);
	assert_true(fe.d.state_saved);	/* the link ends or stays */
	fe.d.state_saved = false;

	/* Load that fails: CHECK_DEVICE_STATE runs it if still pending, and
	 * replies its positive errno; a load never counts as saved
	 */
	xfer_ret = -ENOTSUP;
	assert_int_equal(req_state_fd(VU_STATE_LOAD, 0, &o), 0);
	expect_u64(VU_SET_DEVICE_STATE_FD, VU_VRING_NOFD);
	close(o);
	assert_int_equal(req(VU_CHECK_DEVICE_STATE, 0, NULL, 0, NULL, 0), 0);
	expect_u64(VU_CHECK_DEVICE_STATE, ENOTSUP);
	assert_int_equal(xfer_calls, 2);
	assert_true(xfer_load);
	assert_false(fe.d.state_saved);
	xfer_ret = 0;
	assert_int_equal(req_state_fd(VU_STATE_LOAD, 0, &o), 0);
	expect_u64(VU_SET_DEVICE_STATE_FD, VU_VRING_NOFD);
	close(o);
	assert_int_equal(req(VU_CHECK_DEVICE_STATE, 0, NULL, 0, NULL, 0), 0);
	expect_u64(VU_CHECK_DEVICE_STATE, 0);
	assert_false(fe.d.state_saved);

	/* A phase or direction we don't know: refused in the reply (error
	 * in the low byte), the descriptor closed at once, and an error for
	 * CHECK_DEVICE_STATE; the connection goes on
	 */
	assert_int_equal(req_state_fd(VU_STATE_SAVE, 1, &o), 0);
	expect_u64(VU_SET_DEVICE_STATE_FD, VU_VRING_NOFD | EINVAL);
	assert_int_equal(fe.d.state_fd, -1);
	assert_int_equal(read(o, &b, 1), 0);
	close(o);
	assert_int_equal(req(VU_CHECK_DEVICE_STATE, 0, NULL, 0, NULL, 0), 0);
	expect_u64(VU_CHECK_DEVICE_STATE, EINVAL);
	assert_int_equal(req_state_fd(2, 0, &o), 0);
	expect_u64(VU_SET_DEVICE_STATE_FD, VU_VRING_NOFD | EINVAL);
	close(o);
	assert_int_equal(xfer_calls, 3);

	/* Asked twice: the first descriptor is dropped, one job runs */
	assert_int_equal(req_state_fd(VU_STATE_SAVE, 0, &o), 0);
	expect_u64(VU_SET_DEVICE_STATE_FD, VU_VRING_NOFD);
	assert_int_equal(req_state_fd(VU_STATE_LOAD, 0, &o2), 0);
	expect_u64(VU_SET_DEVICE_STATE_FD, VU_VRING_NOFD);
	assert_int_equal(read(o, &b, 1), 0);
	close(o);
	close(o2);
	vu_dev_state_run(&fe.d);
	assert_int_equal(xfer_calls, 4);
	assert_true(xfer_load);

	/* Wrong descriptor counts: the message is malformed */
	{
		const struct vu_state_fd p = {0, 0};

		assert_int_equal(req(VU_SET_DEVICE_STATE_FD, 0, &p, 8, NULL,
				     0),
				 -EBADMSG);
	}

	/* A pending job goes with the connection (teardown resets) */
	assert_int_equal(req_state_fd(VU_STATE_SAVE, 0, &o), 0);
	expect_u64(VU_SET_DEVICE_STATE_FD, VU_VRING_NOFD);
	vu_dev_reset(&fe.d);
	assert_int_equal(fe.d.state_fd, -1);
	assert_int_equal(read(o, &b, 1), 0);
	close(o);
	assert_int_equal(xfer_calls, 4);
	assert_int_equal(fe.d.state_result, VU_STATE_NONE);
}

static void test_dirty_log(void **state)
{
	struct vu_log_area l = {.size = 64, .offset = 4096};
	int lfd = fx_memfd(8192, true), efd = eventfd(0, EFD_CLOEXEC);

	(void)state;
	assert_true(efd >= 0);
	assert_int_equal(req_u64(VU_SET_PROTOCOL_FEATURES, 0, PF_ALL), 0);
	assert_int_equal(req(VU_SET_LOG_BASE, VU_MSG_F_NEED_REPLY, &l,
			     sizeof(l), &lfd, 1),
			 0);
	expect_u64(VU_SET_LOG_BASE, 0);
	expect_none(); /* its own reply only */
	assert_true(vu_mem_logging(&fe.d.mem));
	assert_int_equal(fe.d.mem.log_len, 64);
	vu_mem_log(&fe.d.mem, 3 * 4096, 1);
	assert_int_equal(fe.d.mem.log[0], 0x08);

	/* Beyond its file: refused, no reply, the old log stays */
	l.offset = 8192;
	assert_int_equal(req(VU_SET_LOG_BASE, 0, &l, sizeof(l), &lfd, 1),
			 -EINVAL);
	expect_none();
	assert_int_equal(fe.d.mem.log_len, 64);

	assert_int_equal(req(VU_SET_LOG_FD, 0, NULL, 0, &efd, 1), 0);
	assert_true(fe.d.log_call_fd >= 0);
	assert_int_equal(req(VU_SET_LOG_FD, 0, NULL, 0, &efd, 1), 0);
	assert_int_equal(req_u64(VU_SEND_RARP, 0, 0x563412005452ULL), 0);
	expect_none();

	close(lfd);
	close(efd);
}

static void test_reset_closes_everything(void **state)
{
	struct vu_log_area l = {.size = 64, .offset = 0};
	int efd = eventfd(0, EFD_CLOEXEC);

	(void)state;
	start(VU_BIT(VU_F_VERSION_1));
	assert_int_equal(req_vring_fd(VU_SET_VRING_ERR, VU_RX, false), 0);
	assert_int_equal(req(VU_SET_LOG_BASE, 0, &l, sizeof(l), &fe.mem_fd, 1),
			 0);
	expect_u64(VU_SET_LOG_BASE, 0);
	assert_int_equal(req(VU_SET_LOG_FD, 0, NULL, 0, &efd, 1), 0);
	close(efd);
	assert_int_equal(fx_map_count(), 2);

	vu_dev_reset(&fe.d);
	assert_int_equal(fe.stopped, 1);
	assert_int_equal(fe.kick_del, 2);
	assert_int_equal(fx_map_count(), 0);
	assert_false(fe.d.features_set);
	assert_int_equal(fe.d.fd, fe.sv[0]);
	assert_int_equal(fe.d.offered, OFFERED);
	assert_int_equal(fx_fd_count(), fe.fds + 3); /* pair and memory */

	/* And again, as a new connection */
	start(VU_BIT(VU_F_VERSION_1));
	assert_int_equal(fe.started, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_features_and_queue_num,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_reply_ack, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_start_run_and_stop, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mem_table_moves_rings,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_order_and_deferred,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_against_the_protocol,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_state, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dirty_log, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reset_closes_everything,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
