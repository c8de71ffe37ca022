// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_vu_msg.c - libFuzzer harness of the vhost-user messages and device
 *
 * The input is a sequence of records: one control byte, then a message in
 * wire form (header and payload) that vu_msg_parse() takes. The control
 * byte gives the descriptors that come with the message: its low nibble how
 * many (up to VU_MSG_FDS_MAX), its high nibble where to start in a small
 * pool created once (memfds of several sizes, one sealed, one empty, and an
 * eventfd), each duplicated, so SET_MEM_TABLE and SET_LOG_BASE really map
 * memory. Each message is applied with vu_dev_handle() to a device whose
 * control socket is one end of a socketpair (replies are drained from the
 * other); an error ends the "connection" as the link would, with
 * vu_dev_reset(), and the sequence goes on with a fresh one.
 *
 * After every message, every ring pointer and every region must be inside
 * what is mapped (touched at both ends: a bad translation faults) and every
 * descriptor the message brought must be taken or closed; after every input
 * nothing may stay open or mapped.
 */

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "link/vu_dev.h"

#define POOL	  6
#define MEM_BYTES (256 * 1024)

#define OFFERED                                                                \
	(VU_BIT(VU_F_VERSION_1) | VU_BIT(VU_F_GUEST_CSUM) |                    \
	 VU_BIT(VU_F_MRG_RXBUF) | VU_BIT(VU_F_LOG_ALL) |                       \
	 VU_BIT(VU_F_PROTOCOL_FEATURES))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FD_BITS 65536

static int pool[POOL];
static int sv[2];
static int kicks;		  /* kick descriptors the "link" polls */
static uint8_t made[FD_BITS / 8]; /* descriptors this input brought */

/**
 * memfd() - A memfd of a given size
 * @size:	Bytes
 * @seal:	Seal it against shrinking
 *
 * Return: descriptor, aborts on failure
 */
static int memfd(size_t size, int seal)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0 || ftruncate(fd, (off_t)size))
		abort();
	if (seal && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK))
		abort();
	return fd;
}

/**
 * setup() - Create the socket pair and the descriptor pool, once
 */
static void setup(void)
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv))
		abort();
	pool[0] = memfd(MEM_BYTES, 1);
	pool[1] = memfd(MEM_BYTES, 0);
	pool[2] = memfd(4096, 1);
	pool[3] = memfd(0, 0);
	pool[4] = eventfd(0, EFD_CLOEXEC);
	pool[5] = memfd(MEM_BYTES + 4096, 1);
	if (pool[4] < 0)
		abort();
	log_set_level(LOG_LVL_ERR);
}

static int kick_add(void *arg, enum vu_queue q, int fd)
{
	(void)arg;
	(void)q;
	if (fd < 0 || fcntl(fd, F_GETFD) < 0)
		abort();
	kicks++;
	return 0;
}

static void kick_del(void *arg, enum vu_queue q, int fd)
{
	(void)arg;
	(void)q;
	if (fd < 0 || fcntl(fd, F_GETFD) < 0 || --kicks < 0)
		abort();
}

static const struct vu_dev_ops ops = {
	.kick_add = kick_add,
	.kick_del = kick_del,
};

/**
 * touch() - Read the first and last byte of a range we were given
 * @p:		Range
 * @len:	Its length, non-zero
 *
 * Return: a byte derived from both, so the reads are kept
 */
static uint8_t touch(const void *p, uint64_t len)
{
	const volatile uint8_t *b = p;

	return b[0] ^ b[len - 1];
}

/**
 * check() - Everything the device points to is mapped
 * @d:		Device
 *
 * Return: a byte derived from what was read
 */
static uint8_t check(const struct vu_dev *d)
{
	uint64_t avail;
	uint8_t x = 0;
	unsigned int i;

	for (i = 0; i < VU_QUEUES; i++) {
		const struct vu_vq *q = &d->vq[i];

		if (!q->desc)
			continue;
		x ^= touch(q->desc, 16ULL * q->num);
		x ^= touch(q->avail, 6ULL + 2ULL * q->num);
		x ^= touch(q->used, 6ULL + 8ULL * q->num);
	}
	for (i = 0; i < d->mem.n; i++) {
		const struct vu_region *r = &d->mem.r[i];
		const uint8_t *p;

		p = vu_mem_gpa(&d->mem, r->gpa + r->size - 1, 1, &avail);
		if (!p || avail != 1)
			abort();
		x ^= touch(p, 1);
	}
	if (d->mem.log)
		x ^= touch(d->mem.log, d->mem.log_len);
	return x;
}

/**
 * drain() - Throw away the replies the device sent
 */
static void drain(void)
{
	uint8_t buf[512];

	while (recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
}

/**
 * bring() - Duplicate a pool descriptor for a message, and remember it
 * @fd:		Pool descriptor
 *
 * Return: the duplicate
 */
static int bring(int fd)
{
	int d = dup(fd);

	if (d < 0 || d >= FD_BITS)
		abort();
	made[d / 8] |= (uint8_t)(1U << (d % 8));
	return d;
}

/**
 * all_closed() - Is every descriptor this input brought closed again?
 *
 * Only this harness and the code under test run during an input, so a
 * number still open is one the device kept: a leak after vu_dev_reset().
 *
 * Return: true if so
 */
static bool all_closed(void)
{
	bool ok = true;
	int fd;

	for (fd = 0; fd < FD_BITS; fd++) {
		if (!(made[fd / 8] & (1U << (fd % 8))))
			continue;
		if (fcntl(fd, F_GETFD) >= 0)
			ok = false;
	}
	memset(made, 0, sizeof(made));
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static volatile uint8_t sink;
	static bool ready;
	struct vu_dev d;
	size_t off = 0;

	if (!ready) {
		setup();
		ready = true;
	}

	vu_dev_init(&d, sv[0], OFFERED, &ops);
	while (off < size) {
		unsigned int c = data[off++], nfds = (c & 0xf) % 9, i;
		struct vu_msg m;
		int n, ret;

		n = vu_msg_parse(data + off, size - off, &m);
		if (n < 0)
			break;
		off += (size_t)n;
		for (i = 0; i < nfds; i++)
			m.fds[i] = bring(pool[((c >> 4) + i) % POOL]);
		m.nfds = nfds;

		ret = vu_dev_handle(&d, &m);
		for (i = 0; i < VU_MSG_FDS_MAX; i++) {
			if (m.fds[i] != -1)
				abort();
		}
		drain();
		sink ^= check(&d);
		if (ret)
			vu_dev_reset(&d);
	}
	vu_dev_reset(&d);

	if (!all_closed() || kicks || d.mem.n || d.mem.log)
		abort();
	return 0;
}
