// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vu_ring.c - vhost-user split virtqueues against a model guest driver
 *
 * The test plays the guest's driver: it lays out a descriptor table, an
 * available ring and a used ring in a fake guest memory of two regions
 * (contiguous in guest-physical addresses, apart in ours), offers chains,
 * and checks what vu_vq_pop() takes and what vu_vq_push()/vu_vq_flush()
 * give back, the dirty log, 16-bit index wrap-around, and every way a
 * guest can get a ring wrong.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/virtio_ring.h>

#include "link/vu_ring.h"

#define R0_GPA	  0x10000ULL /* region 0: the rings and buffers */
#define R1_GPA	  0x20000ULL /* region 1: right after it */
#define R_SIZE	  0x10000ULL
#define DESC_GPA  0x10000ULL
#define AVAIL_GPA 0x11000ULL
#define USED_GPA  0x12f00ULL	 /* used entry 31 straddles a log page */
#define BUF_GPA	  0x14000ULL	 /* buffers from here to the end of region 1 */
#define BIG_GPA	  0x100000000ULL /* region 2 (overflow test): 4 GiB, */
#define BIG_SIZE  0x100000000ULL /* reserved, never touched */
#define NUM	  256

/**
 * struct model - The guest's side: its memory, and our queue on it
 * @r0:		Region 0, our pointer
 * @r1:		Region 1
 * @big:	Region 2 (PROT_NONE reservation), NULL unless mapped
 * @m:		Guest memory as vu_ring.c sees it
 * @q:		The queue under test
 * @aidx:	Driver's available index
 * @log:	Dirty-log bitmap
 */
static struct model {
	uint8_t *r0;
	uint8_t *r1;
	uint8_t *big;
	struct vu_mem m;
	struct vu_vq q;
	uint16_t aidx;
	uint8_t log[64];
} t;

/**
 * g() - Our pointer to a guest-physical address of region 0 or 1
 * @gpa:	Address
 *
 * Return: pointer
 */
static void *g(uint64_t gpa)
{
	if (gpa >= R1_GPA)
		return t.r1 + (gpa - R1_GPA);
	return t.r0 + (gpa - R0_GPA);
}

/**
 * ring_reset() - Empty rings of @num entries, all indices at @start
 * @num:	Ring size
 * @start:	Initial available and used index
 */
static void ring_reset(uint16_t num, uint16_t start)
{
	memset(t.r0, 0, R_SIZE);
	memset(t.r1, 0, R_SIZE);
	vu_vq_init(&t.q);
	t.q.num = num;
	t.q.desc = g(DESC_GPA);
	t.q.avail = g(AVAIL_GPA);
	t.q.used = g(USED_GPA);
	t.q.used_gpa = USED_GPA;
	t.q.started = t.q.enabled = true;
	t.q.last_avail = t.q.used_idx = start;
	t.aidx = start;
	((struct vring_avail *)g(AVAIL_GPA))->idx = htole16(start);
	((struct vring_used *)g(USED_GPA))->idx = htole16(start);
}

/**
 * setup() - Map the fake guest memory, rings of NUM entries
 * @state:	Unused
 *
 * Return: 0
 */
static int setup(void **state)
{
	(void)state;
	memset(&t, 0, sizeof(t));
	t.r0 = aligned_alloc(4096, R_SIZE);
	t.r1 = aligned_alloc(4096, R_SIZE);
	assert_non_null(t.r0);
	assert_non_null(t.r1);
	t.m.n = 2;
	t.m.r[0] =
		(struct vu_region){R0_GPA, R_SIZE, 0x7000000, 0, t.r0, R_SIZE};
	t.m.r[1] =
		(struct vu_region){R1_GPA, R_SIZE, 0x8000000, 0, t.r1, R_SIZE};
	ring_reset(NUM, 0);
	return 0;
}

/**
 * teardown() - Unmap the fake guest memory
 * @state:	Unused
 *
 * Return: 0
 */
static int teardown(void **state)
{
	(void)state;
	free(t.r0);
	free(t.r1);
	if (t.big)
		munmap(t.big, BIG_SIZE);
	return 0;
}

/**
 * desc() - Write a descriptor, as the driver does
 * @i:		Index in the table
 * @addr:	Guest-physical address
 * @len:	Length
 * @flags:	VRING_DESC_F_*
 * @next:	Next index
 */
static void desc(unsigned int i, uint64_t addr, uint32_t len, uint16_t flags,
		 uint16_t next)
{
	struct vring_desc *d = (struct vring_desc *)g(DESC_GPA) + i;

	d->addr = htole64(addr);
	d->len = htole32(len);
	d->flags = htole16(flags);
	d->next = htole16(next);
}

/**
 * offer() - Make a chain available and publish the index
 * @head:	Its first descriptor
 */
static void offer(uint16_t head)
{
	struct vring_avail *a = g(AVAIL_GPA);

	a->ring[t.aidx & (t.q.num - 1)] = htole16(head);
	t.aidx++;
	__atomic_store_n(&a->idx, htole16(t.aidx), __ATOMIC_RELEASE);
}

/**
 * used_idx() - The used index the guest sees
 *
 * Return: used->idx
 */
static uint16_t used_idx(void)
{
	const struct vring_used *u = g(USED_GPA);

	return le16toh(__atomic_load_n(&u->idx, __ATOMIC_ACQUIRE));
}

/**
 * check_used() - Check a used ring entry, by used index
 * @idx:	Used index of the entry (masked here)
 * @head:	Expected chain head
 * @len:	Expected length
 */
static void check_used(uint16_t idx, uint16_t head, uint32_t len)
{
	const struct vring_used *u = g(USED_GPA);

	assert_int_equal(le32toh(u->ring[idx & (t.q.num - 1)].id), head);
	assert_int_equal(le32toh(u->ring[idx & (t.q.num - 1)].len), len);
}

/**
 * check_elem() - Check the counts and totals of a popped element
 * @e:		Element
 * @n_out:	Expected readable pieces
 * @n_in:	Expected writable pieces
 * @out_len:	Expected readable bytes
 * @in_len:	Expected writable bytes
 */
static void check_elem(const struct vu_elem *e, unsigned int n_out,
		       unsigned int n_in, uint32_t out_len, uint32_t in_len)
{
	assert_int_equal(e->n_out, n_out);
	assert_int_equal(e->n_in, n_in);
	assert_int_equal(e->out_len, out_len);
	assert_int_equal(e->in_len, in_len);
}

/**
 * check_seg() - Check one piece of a popped element
 * @e:		Element
 * @i:		Piece
 * @p:		Expected pointer
 * @len:	Expected length
 * @gpa:	Expected guest-physical address
 */
static void check_seg(const struct vu_elem *e, unsigned int i, const void *p,
		      uint32_t len, uint64_t gpa)
{
	assert_ptr_equal(e->seg[i].p, p);
	assert_int_equal(e->seg[i].len, len);
	assert_int_equal(e->seg[i].gpa, gpa);
}

/**
 * test_init_not_ready() - A queue fresh from vu_vq_init() moves nothing
 * @state:	Unused
 */
static void test_init_not_ready(void **state)
{
	struct vu_elem e;

	(void)state;
	vu_vq_init(&t.q);
	assert_int_equal(t.q.kick_fd, -1);
	assert_int_equal(t.q.call_fd, -1);
	assert_int_equal(t.q.err_fd, -1);
	assert_false(vu_vq_ready(&t.q));
	assert_false(vu_vq_broken(&t.q));
	assert_int_equal(vu_vq_avail(&t.q), 0);
	assert_int_equal(vu_vq_pop(&t.q, &t.m, &e), -EAGAIN);
	vu_vq_notify(&t.q);

	/* a queue stopped between pop and push: nothing given back */
	vu_vq_push(&t.q, &t.m, 0, 0);
	assert_int_equal(t.q.pushed, 0);
	vu_vq_flush(&t.q, &t.m);
}

/**
 * test_ready_conditions() - Started, enabled, sized, mapped and aligned
 * @state:	Unused
 */
static void test_ready_conditions(void **state)
{
	(void)state;
	assert_true(vu_vq_ready(&t.q));
	desc(0, BUF_GPA, 10, 0, 0);
	offer(0);
	assert_int_equal(vu_vq_avail(&t.q), 1);

	t.q.enabled = false;
	assert_false(vu_vq_ready(&t.q));
	assert_int_equal(vu_vq_avail(&t.q), 0);
	t.q.enabled = true;
	t.q.started = false;
	assert_false(vu_vq_ready(&t.q));
	t.q.started = true;
	t.q.num = 6;
	assert_false(vu_vq_ready(&t.q));
	t.q.num = NUM;
	t.q.used = (uint8_t *)g(USED_GPA) + 2;
	assert_false(vu_vq_ready(&t.q));
	t.q.used = g(USED_GPA);
	t.q.desc = (uint8_t *)g(DESC_GPA) + 8;
	assert_false(vu_vq_ready(&t.q));
	t.q.desc = NULL;
	assert_false(vu_vq_ready(&t.q));
	t.q.desc = g(DESC_GPA);
	assert_true(vu_vq_ready(&t.q));
}

/**
 * test_pop_push_flush() - A chain of two readable and one writable buffer
 * @state:	Unused
 */
static void test_pop_push_flush(void **state)
{
	struct vu_elem e;

	(void)state;
	assert_int_equal(vu_vq_pop(&t.q, &t.m, &e), -EAGAIN);
	desc(5, BUF_GPA, 12, VRING_DESC_F_NEXT, 9);
	desc(9, BUF_GPA + 0x100, 1000, VRING_DESC_F_NEXT, 2);
	desc(2, BUF_GPA + 0x1000, 1500, VRING_DESC_F_WRITE, 77);
	offer(5);
	assert_int_equal(vu_vq_pop(&t.q, &t.m, &e), 0);
	assert_int_equal(e.head, 5);
	check_elem(&e, 2, 1, 1012, 1500);
	check_seg(&e, 0, g(BUF_GPA), 12, BUF_GPA);
	check_seg(&e, 1, g(BUF_GPA + 0x100), 1000, BUF_GPA + 0x100);
	check_seg(&e, 2, g(BUF_GPA + 0x1000), 1500, BUF_GPA + 0x1000);
	assert_int_equal(t.q.last_avail, 1);
	assert_int_equal(vu_vq_pop(&t.q, &t.m, &e), -EAGAIN);

	vu_vq_push(&t.q, &t.m, e.head, 1400);
	assert_int_equal(used_idx(), 0); /* not published yet */
	check_used(0, 5, 1400);
	vu_vq_flush(&t.q, &t.m);
	assert_int_equal(used_idx(), 1);
	assert_int_equal(t.q.used_idx, 1);
	assert_int_equal(t.q.pushed, 0);
	vu_vq_flush(&t.q, &t.m); /* nothing new: no change */
	assert_int_equal(used_idx(), 1);
}

/**
 * test_wraparound() - 16-bit indices wrap, ring positions follow them
 * @state:	Unused
 */
static void test_wraparound(void **state)
{
	struct vu_elem e;
	unsigned int i;

	(void)state;
	ring_reset(8, 65530);
	for (i = 0; i < 8; i++)
		desc(i, BUF_GPA + i * 0x100, 64 + i, VRING_DESC_F_WRITE, 0);
	for (i = 0; i < 8; i++)
		offer((uint16_t)(7 - i));
	assert_int_equal(vu_vq_avail(&t.q), 8); /* a full ring is fine */
	for (i = 0; i < 8; i++) {
		assert_int_equal(vu_vq_pop(&t.q, &t.m, &e), 0);
		assert_int_equal(e.head, 7 - i);
		assert_int_equal(e.in_len, 64 + 7 - i);
		vu_vq_push(&t.q, &t.m, e.head, i);
	}
	vu_vq_flush(&t.q, &t.m);
	assert_int_equal(used_idx(), 2);
	assert_int_equal(t.q.last_avail, 2);
	for (i = 0; i < 8; i++)
		check_used((uint16_t)(65530 + i), (uint16_t)(7 - i), i);

	/* and once more past the wrap, in smaller batches */
	for (i = 0; i < 20; i++) {
		offer((uint16_t)(i & 7));
		assert_int_equal(vu_vq_pop(&t.q, &t.m, &e), 0);
		assert_int_equal(e.head, i & 7);
		vu_vq_push(&t.q, &t.m, e.head, 100 + i);
		if (i % 3 == 2)
			vu_vq_flush(&t.q, &t.m);
	}
	vu_vq_flush(&t.q, &t.m);
	assert_int_equal(used_idx(), 22);
	check_used(21, 3, 119);
}

/**
 * test_cross_region() - A buffer across two regions becomes two segments
 * @state:	Unused
 */
static void test_cross_region(void **state)
{
	struct vu_elem e;

	(void)state;
	desc(0, R1_GPA - 0x300, 0x1000, VRING_DESC_F_NEXT, 1);
	desc(1, R1_GPA - 0x10, 0x20, VRING_DESC_F_WRITE, 0);
	offer(0);
	assert_int_equal(vu_vq_pop(&t.q, &t.m, &e), 0);
	check_elem(&e, 2, 2, 0x1000, 0x20);
	check_seg(&e, 0, t.r0 + R_SIZE - 0x300, 0x300, R1_GPA - 0x300);
	check_seg(&e, 1, t.r1, 0xd00, R1_GPA);
	check_seg(&e, 2, t.r0 + R_SIZE - 0x10, 0x10, R1_GPA - 0x10);
	check_seg(&e, 3, t.r1, 0x10, R1_GPA);

	/* running off the end of region 1 is running off guest memory */
	desc(3, R1_GPA + R_SIZE - 8, 16, 0, 0);
	offer(3);
	assert_int_equal(vu_vq_pop(&t.q, &t.m, &e), -EINVAL);
}

/**
 * test_zero_length_skipped() - Empty descriptors are followed, not kept
 * @state:	Unused
 */
static void test_zero_length_skipped(void **state)
{
	struct vu_elem e;

	(void)state;
	desc(0, 0xdead0000, 0, VRING_DESC_F_NEXT, 1);
	desc(1, BUF_GPA, 10, VRING_DESC_F_NEXT, 2);
	desc(2, 0xdead0000, 0, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 3);
	desc(3, BUF_GPA + 10, 20, VRING_DESC_F_NEXT, 4);
	desc(4, BUF_GPA + 30, 30, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 5);
	desc(5, 0xdead0000, 0, 0, 0);
	offer(0);
	assert_int_equal(vu_vq_pop(&t.q, &t.m, &e), 0);
	check_elem(&e, 2, 1, 30, 30);
	check_seg(&e, 0, g(BUF_GPA), 10, BUF_GPA);
	check_seg(&e, 1, g(BUF_GPA + 10), 20, BUF_GPA + 10);
	check_seg(&e, 2, g(BUF_GPA + 30), 30, BUF_GPA + 30);

	/* nothing but empty descriptors: an empty element */
	desc(6, 0, 0, 0, 0);
	offer(6);
	assert_int_equal(vu_vq_pop(&t.q, &t.m, &e), 0);
	check_elem(&e, 0, 0, 0, 0);
}

/**
 * test_unpop() - Chains put back come out again, in order
 * @state:	Unused
 */
static void test_unpop(void **state)
{
	struct vu_elem e;
	unsigned int i;

	(void)state;
	ring_reset(4, 65534);
	for (i = 0; i < 4; i++) {
		desc(i, BUF_GPA + i * 0x100, 0x100, VRING_DESC_F_WRITE, 0);
		offer((uint16_t)i);
	}
	for (i = 0; i < 3; i++)
		assert_int_equal(vu_vq_pop(&t.q, &t.m, &e), 0);
	vu_vq_unpop(&t.q, 2);
	assert_int_equal(vu_vq_avail(&t.q), 3);
	assert_int_equal(vu_vq_pop(&t.q, &t.m, &e), 0);
	assert_int_equal(e.head, 1);
	assert_int_equal(vu_vq_pop(&t.q, &t.m, &e), 0);
	assert_int_equal(e.head, 2);
	vu_vq_unpop(&t.q, 3);
	assert_int_equal(t.q.last_avail, 65534);
	assert_int_equal(vu_vq_avail(&t.q), 4);
}

/**
 * test_dirty_log() - Used entries and the used index are marked
 * @state:	Unused
 */
static void test_dirty_log(void **state)
{
	unsigned int page = USED_GPA / VU_LOG_PAGE, i;
	struct vu_elem e;

	(void)state;
	desc(0, BUF_GPA, 0x100, VRING_DESC_F_WRITE, 0);

	/* no log: nothing marked, whatever log_used says */
	t.q.log_used = true;
	offer(0);
	assert_int_equal(vu_vq_pop(&t.q, &t.m, &e), 0);
	vu_vq_push(&t.q, &t.m, 0, 1);
	vu_vq_flush(&t.q, &t.m);

	t.m.log = t.log;
	t.m.log_len = sizeof(t.log);
	memset(t.log, 0, sizeof(t.log));
	t.q.log_used = false;
	offer(0);
	assert_int_equal(vu_vq_pop(&t.q, &t.m, &e), 0);
	vu_vq_push(&t.q, &t.m, 0, 1);
	vu_vq_flush(&t.q, &t.m);
	for (i = 0; i < sizeof(t.log); i++)
		assert_int_equal(t.log[i], 0);

	/* entry 2 and the index are on the used ring's first page */
	t.q.log_used = true;
	offer(0);
	assert_int_equal(vu_vq_pop(&t.q, &t.m, &e), 0);
	vu_vq_push(&t.q, &t.m, 0, 1);
	assert_int_equal(t.log[page / 8], 1U << (page % 8));
	t.log[page / 8] = 0;
	vu_vq_flush(&t.q, &t.m);
	assert_int_equal(t.log[page / 8], 1U << (page % 8));
	for (i = 0; i < sizeof(t.log); i++)
		t.log[i] = 0;

	/* entry 31 straddles pages: both marked, nothing else */
	t.q.used_idx = t.q.last_avail = t.aidx = 31;
	offer(0);
	assert_int_equal(vu_vq_pop(&t.q, &t.m, &e), 0);
	vu_vq_push(&t.q, &t.m, 0, 1);
	assert_int_equal(t.log[page / 8], 3U << (page % 8));
	for (i = 0; i < sizeof(t.log); i++) {
		if (i != page / 8)
			assert_int_equal(t.log[i], 0);
	}
}

/**
 * expect_given_back() - Pop a bad chain: refused, given back, queue alive
 * @head:	Head of the bad chain, just offered
 */
static void expect_given_back(uint16_t head)
{
	uint16_t idx = t.q.used_idx, avail = t.q.last_avail;
	struct vu_elem e;

	assert_int_equal(vu_vq_pop(&t.q, &t.m, &e), -EINVAL);
	assert_false(vu_vq_broken(&t.q));
	assert_int_equal(t.q.last_avail, (uint16_t)(avail + 1));
	assert_int_equal(t.q.pushed, 1);
	vu_vq_flush(&t.q, &t.m);
	assert_int_equal(used_idx(), (uint16_t)(idx + 1));
	check_used(idx, head, 0);

	/* the next chain goes through */
	desc(NUM - 1, BUF_GPA, 60, 0, 0);
	offer(NUM - 1);
	assert_int_equal(vu_vq_pop(&t.q, &t.m, &e), 0);
	assert_int_equal(e.head, NUM - 1);
	assert_int_equal(e.out_len, 60);
	vu_vq_push(&t.q, &t.m, e.head, 0);
	vu_vq_flush(&t.q, &t.m);
}

/**
 * test_bad_loop() - A chain that loops, short and long
 * @state:	Unused
 */
static void test_bad_loop(void **state)
{
	unsigned int i;

	(void)state;
	/* with buffers, the element fills up before the loop is seen */
	desc(0, BUF_GPA, 10, VRING_DESC_F_NEXT, 1);
	desc(1, BUF_GPA, 10, VRING_DESC_F_NEXT, 0);
	offer(0);
	expect_given_back(0);

	desc(7, BUF_GPA, 0, VRING_DESC_F_NEXT, 7); /* self, empty */
	offer(7);
	expect_given_back(7);

	/* every descriptor once, in a chain as long as the table: fine
	 * (here all empty, as VU_ELEM_SEG_MAX is less than the table);
	 * one more visit is a loop
	 */
	for (i = 0; i < NUM - 1; i++)
		desc(i, 0, 0, VRING_DESC_F_NEXT, (uint16_t)(i + 1));
	desc(NUM - 1, 0, 0, 0, 0);
	offer(0);
	{
		struct vu_elem e;

		assert_int_equal(vu_vq_pop(&t.q, &t.m, &e), 0);
		vu_vq_push(&t.q, &t.m, 0, 0);
		vu_vq_flush(&t.q, &t.m);
	}
	desc(NUM - 1, 0, 0, VRING_DESC_F_NEXT, 0);
	offer(3);
	expect_given_back(3);
}

/**
 * test_bad_index() - A next index outside the table
 * @state:	Unused
 */
static void test_bad_index(void **state)
{
	(void)state;
	desc(0, BUF_GPA, 10, VRING_DESC_F_NEXT, NUM);
	offer(0);
	expect_given_back(0);
	desc(0, BUF_GPA, 10, VRING_DESC_F_NEXT, 0xffff);
	offer(0);
	expect_given_back(0);
	/* no F_NEXT: whatever @next holds doesn't matter */
	desc(0, BUF_GPA, 10, 0, 0xffff);
	offer(0);
	{
		struct vu_elem e;

		assert_int_equal(vu_vq_pop(&t.q, &t.m, &e), 0);
	}
}

/**
 * test_bad_indirect() - Indirect descriptors were not offered
 * @state:	Unused
 */
static void test_bad_indirect(void **state)
{
	(void)state;
	desc(0, BUF_GPA, 32, VRING_DESC_F_INDIRECT, 0);
	offer(0);
	expect_given_back(0);
	desc(0, BUF_GPA, 32, VRING_DESC_F_NEXT, 1);
	desc(1, BUF_GPA, 32, VRING_DESC_F_INDIRECT | VRING_DESC_F_WRITE, 0);
	offer(0);
	expect_given_back(0);
}

/**
 * test_bad_out_after_in() - Readable buffers must come first
 * @state:	Unused
 */
static void test_bad_out_after_in(void **state)
{
	(void)state;
	desc(0, BUF_GPA, 32, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT, 1);
	desc(1, BUF_GPA + 32, 32, 0, 0);
	offer(0);
	expect_given_back(0);
}

/**
 * test_bad_overflow() - Lengths adding up beyond 32 bits
 * @state:	Unused
 */
static void test_bad_overflow(void **state)
{
	struct vu_elem e;

	(void)state;
	/* 4 GiB of guest memory, reserved only: pop never touches buffers */
	t.big = mmap(NULL, BIG_SIZE, PROT_NONE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (t.big == MAP_FAILED) {
		t.big = NULL;
		skip();
	}
	t.m.r[2] = (struct vu_region){BIG_GPA, BIG_SIZE, 0x9000000,
				      0,       t.big,	 BIG_SIZE};
	t.m.n = 3;

	desc(0, BIG_GPA, UINT32_MAX, VRING_DESC_F_NEXT, 1);
	desc(1, BIG_GPA, 0, VRING_DESC_F_NEXT, 2);
	desc(2, BUF_GPA, 0x100, VRING_DESC_F_WRITE, 0);
	offer(0);
	assert_int_equal(vu_vq_pop(&t.q, &t.m, &e), 0);
	check_elem(&e, 1, 1, UINT32_MAX, 0x100);
	vu_vq_push(&t.q, &t.m, e.head, 0);
	vu_vq_flush(&t.q, &t.m);

	desc(1, BUF_GPA, 1, VRING_DESC_F_NEXT, 2);
	offer(0);
	expect_given_back(0);

	desc(0, BIG_GPA, 0x80000000U, VRING_DESC_F_WRITE | VRING_DESC_F_NEXT,
	     1);
	desc(1, BIG_GPA, 0x80000000U, VRING_DESC_F_WRITE, 0);
	offer(0);
	expect_given_back(0);
	t.m.n = 2;
}

/**
 * test_bad_unmapped() - Addresses no region maps
 * @state:	Unused
 */
static void test_bad_unmapped(void **state)
{
	(void)state;
	desc(0, 0x900000, 10, 0, 0);
	offer(0);
	expect_given_back(0);
	desc(0, BUF_GPA, 10, VRING_DESC_F_NEXT, 1);
	desc(1, R0_GPA - 1, 2, VRING_DESC_F_WRITE, 0);
	offer(0);
	expect_given_back(0);
	desc(0, UINT64_MAX - 4, 10, 0, 0); /* wraps the address space */
	offer(0);
	expect_given_back(0);
}

/**
 * test_bad_too_many_segments() - VU_ELEM_SEG_MAX pieces, not one more
 * @state:	Unused
 */
static void test_bad_too_many_segments(void **state)
{
	struct vu_elem e;
	unsigned int i;

	(void)state;
	for (i = 0; i < VU_ELEM_SEG_MAX; i++)
		desc(i, BUF_GPA + i * 16, 16,
		     i < VU_ELEM_SEG_MAX - 1 ? VRING_DESC_F_NEXT : 0,
		     (uint16_t)(i + 1));
	offer(0);
	assert_int_equal(vu_vq_pop(&t.q, &t.m, &e), 0);
	check_elem(&e, VU_ELEM_SEG_MAX, 0, VU_ELEM_SEG_MAX * 16, 0);
	check_seg(&e, VU_ELEM_SEG_MAX - 1,
		  g(BUF_GPA + (VU_ELEM_SEG_MAX - 1) * 16), 16,
		  BUF_GPA + (VU_ELEM_SEG_MAX - 1) * 16);
	vu_vq_push(&t.q, &t.m, 0, 0);
	vu_vq_flush(&t.q, &t.m);

	/* one more descriptor */
	desc(VU_ELEM_SEG_MAX - 1, BUF_GPA, 16, VRING_DESC_F_NEXT,
	     VU_ELEM_SEG_MAX);
	desc(VU_ELEM_SEG_MAX, BUF_GPA, 16, VRING_DESC_F_WRITE, 0);
	offer(0);
	expect_given_back(0);

	/* as many descriptors, the last one across regions */
	desc(VU_ELEM_SEG_MAX - 1, R1_GPA - 8, 16, 0, 0);
	offer(0);
	expect_given_back(0);
}

/**
 * test_broken_index_ahead() - avail->idx beyond the ring size stops it
 * @state:	Unused
 */
static void test_broken_index_ahead(void **state)
{
	struct vring_avail *a = g(AVAIL_GPA);
	struct vu_elem e;

	(void)state;
	desc(0, BUF_GPA, 10, 0, 0);
	a->idx = htole16(NUM + 1);
	assert_int_equal(vu_vq_avail(&t.q), NUM);
	assert_int_equal(vu_vq_pop(&t.q, &t.m, &e), -EIO);
	assert_true(vu_vq_broken(&t.q));
	assert_false(vu_vq_ready(&t.q));
	assert_int_equal(vu_vq_avail(&t.q), 0);
	assert_int_equal(t.q.last_avail, 0);
	assert_int_equal(t.q.pushed, 0);

	/* stays broken, even once the index looks sane again */
	a->idx = htole16(1);
	assert_int_equal(vu_vq_pop(&t.q, &t.m, &e), -EIO);

	/* behind us (wrapped) is just as far ahead */
	ring_reset(NUM, 100);
	a->idx = htole16(99);
	assert_int_equal(vu_vq_pop(&t.q, &t.m, &e), -EIO);
	assert_true(vu_vq_broken(&t.q));
}

/**
 * test_broken_head() - A head index outside the table stops the queue
 * @state:	Unused
 */
static void test_broken_head(void **state)
{
	struct vu_elem e;

	(void)state;
	offer(NUM);
	assert_int_equal(vu_vq_pop(&t.q, &t.m, &e), -EIO);
	assert_true(vu_vq_broken(&t.q));
	assert_int_equal(t.q.pushed, 0);
	assert_int_equal(used_idx(), 0);
}

/**
 * test_kicks() - Kicks asked for or not in the used ring's flags, the
 *		  write marked in the dirty log
 * @state:	Unused
 */
static void test_kicks(void **state)
{
	struct vring_used *u = g(USED_GPA);
	unsigned int page = USED_GPA / VU_LOG_PAGE, i;

	(void)state;
	t.m.log = t.log;
	t.m.log_len = sizeof(t.log);
	memset(t.log, 0, sizeof(t.log));

	vu_vq_kicks(&t.q, &t.m, false);
	assert_int_equal(le16toh(u->flags), VRING_USED_F_NO_NOTIFY);
	assert_int_equal(t.log[page / 8], 0);	/* log_used off */

	t.q.log_used = true;
	vu_vq_kicks(&t.q, &t.m, true);
	assert_int_equal(le16toh(u->flags), 0);
	assert_int_equal(t.log[page / 8], 1U << (page % 8));
	for (i = 0; i < sizeof(t.log); i++) {
		if (i != page / 8)
			assert_int_equal(t.log[i], 0);
	}

	t.q.used = NULL;	/* not set up: nothing written */
	vu_vq_kicks(&t.q, &t.m, false);
	assert_int_equal(le16toh(u->flags), 0);
}

/**
 * test_notify() - The call eventfd, unless interrupts are off
 * @state:	Unused
 */
static void test_notify(void **state)
{
	struct vring_avail *a = g(AVAIL_GPA);
	uint64_t v = 0;
	int fd;

	(void)state;
	fd = eventfd(0, EFD_NONBLOCK);
	assert_true(fd >= 0);
	vu_vq_notify(&t.q); /* no call descriptor: nothing */
	t.q.call_fd = fd;
	vu_vq_notify(&t.q);
	vu_vq_notify(&t.q);
	assert_int_equal(read(fd, &v, sizeof(v)), sizeof(v));
	assert_int_equal(v, 2);

	a->flags = htole16(VRING_AVAIL_F_NO_INTERRUPT);
	vu_vq_notify(&t.q);
	assert_int_equal(read(fd, &v, sizeof(v)), -1);
	assert_int_equal(errno, EAGAIN);

	/* a full counter: the write fails with EAGAIN, nothing else */
	a->flags = 0;
	v = UINT64_MAX - 1;
	assert_int_equal(write(fd, &v, sizeof(v)), sizeof(v));
	vu_vq_notify(&t.q);
	close(fd);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_init_not_ready),
		T(test_kicks),
		T(test_ready_conditions),
		T(test_pop_push_flush),
		T(test_wraparound),
		T(test_cross_region),
		T(test_zero_length_skipped),
		T(test_unpop),
		T(test_dirty_log),
		T(test_bad_loop),
		T(test_bad_index),
		T(test_bad_indirect),
		T(test_bad_out_after_in),
		T(test_bad_overflow),
		T(test_bad_unmapped),
		T(test_bad_too_many_segments),
		T(test_broken_index_ahead),
		T(test_broken_head),
		T(test_notify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
