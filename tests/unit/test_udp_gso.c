// SPDX-License-Identifier: GPL-2.0-or-later
/* test_udp_gso.c - unit tests of UDP offload gathering, both directions */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "transport/udp_gso.h"

enum {
	OFF = 42,		  /* Ethernet, IPv4 and UDP headers */
	CAP = 70000,		  /* frame buffer under test */
	CANARY = 64,		  /* guard bytes behind it */
	HDR_FILL = 0xee,	  /* what the header area holds */
	FREE_FILL = 0xa5,	  /* what the unused payload area holds */
	L4_MAX4 = 65535 - 20 - 8, /* what udp.c passes for IPv4 */
	SEG_MTU = 1472,		  /* largest IPv4 payload at MTU 1500 */
};

static uint8_t frame[CAP + CANARY];
static uint8_t src[CAP];
static uint8_t want[CAP];
static int flow_a, flow_b;

/* Payload of datagram @k, @len bytes: distinct from any other datagram's */
static void fill(uint8_t *p, size_t k, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(k * 37 + i * 11 + (i >> 8));
}

/* Frame with headers and datagram 0 (@len bytes) in place, rest marked */
static void frame_init(size_t len)
{
	memset(frame, FREE_FILL, sizeof(frame));
	memset(frame, HDR_FILL, OFF);
	fill(frame + OFF, 0, len);
	memset(want, 0, sizeof(want));
	fill(want, 0, len);
}

/* Append datagram @k of @len bytes; on success it is expected at @at */
static bool add(struct udp_gso *g, const void *flow, size_t k, size_t len,
		size_t at)
{
	bool ok;

	fill(src, k, len);
	ok = udp_gso_append(g, flow, src, len);
	if (ok)
		fill(want + at, k, len);
	return ok;
}

/* Headers untouched, payload as expected, nothing written past @bytes */
static void check_frame(size_t bytes)
{
	size_t i;

	for (i = 0; i < OFF; i++)
		assert_int_equal(frame[i], HDR_FILL);
	assert_memory_equal(frame + OFF, want, bytes);
	for (i = OFF + bytes; i < sizeof(frame); i++)
		assert_int_equal(frame[i], FREE_FILL);
}

/* Gathering state unchanged (field by field: the padding is undefined) */
static void same_state(const struct udp_gso *a, const struct udp_gso *b)
{
	assert_ptr_equal(a->flow, b->flow);
	assert_ptr_equal(a->lead, b->lead);
	assert_int_equal(a->off, b->off);
	assert_int_equal(a->cap, b->cap);
	assert_int_equal(a->seg, b->seg);
	assert_int_equal(a->l4_max, b->l4_max);
	assert_int_equal(a->bytes, b->bytes);
	assert_int_equal(a->cnt, b->cnt);
	assert_int_equal(a->closed, b->closed);
}

static void start(struct udp_gso *g, size_t len, size_t cap, size_t l4_max)
{
	frame_init(len);
	udp_gso_start(g, &flow_a, frame, OFF, cap, len, l4_max);
}

static void test_start_state(void **state)
{
	struct udp_gso g;

	(void)state;
	memset(&g, 0x5a, sizeof(g));
	start(&g, 1400, CAP, L4_MAX4);
	assert_ptr_equal(g.flow, &flow_a);
	assert_ptr_equal(g.lead, frame);
	assert_int_equal(g.off, OFF);
	assert_int_equal(g.cap, CAP);
	assert_int_equal(g.seg, 1400);
	assert_int_equal(g.l4_max, L4_MAX4);
	assert_int_equal(g.bytes, 1400);
	assert_int_equal(g.cnt, 1);
	assert_false(g.closed);
	/* starting doesn't write to the frame */
	check_frame(1400);
}

static void test_equal_sizes_contiguous(void **state)
{
	struct udp_gso g;
	size_t k;

	(void)state;
	start(&g, 1000, CAP, L4_MAX4);
	for (k = 1; k < 10; k++) {
		assert_true(add(&g, &flow_a, k, 1000, k * 1000));
		assert_int_equal(g.bytes, (k + 1) * 1000);
		assert_int_equal(g.cnt, k + 1);
		assert_false(g.closed);
	}
	check_frame(10000);
	/* spot-check the layout independently of want[]: the boundary of
	 * datagrams 6 and 7 at payload offset 7000
	 */
	assert_int_equal(frame[OFF + 6999], (uint8_t)(6 * 37 + 999 * 11 + 3));
	assert_int_equal(frame[OFF + 7000], (uint8_t)(7 * 37));
	assert_int_equal(frame[OFF + 7001], (uint8_t)(7 * 37 + 11));
}

static void test_one_byte_segments(void **state)
{
	struct udp_gso g;
	size_t k;

	(void)state;
	start(&g, 1, CAP, L4_MAX4);
	for (k = 1; k < 5; k++)
		assert_true(add(&g, &flow_a, k, 1, k));
	assert_false(add(&g, &flow_a, 9, 2, 5));
	assert_int_equal(g.bytes, 5);
	assert_int_equal(g.cnt, 5);
	check_frame(5);
}

static void test_shorter_closes(void **state)
{
	struct udp_gso g;

	(void)state;
	start(&g, 1400, CAP, L4_MAX4);
	assert_true(add(&g, &flow_a, 1, 1400, 1400));
	assert_true(add(&g, &flow_a, 2, 700, 2800));
	assert_true(g.closed);
	assert_int_equal(g.bytes, 3500);
	assert_int_equal(g.cnt, 3);
	/* nothing may follow the short one: not as short, not full-sized */
	assert_false(add(&g, &flow_a, 3, 700, 3500));
	assert_false(add(&g, &flow_a, 4, 1400, 3500));
	assert_false(add(&g, &flow_a, 5, 1, 3500));
	assert_int_equal(g.bytes, 3500);
	assert_int_equal(g.cnt, 3);
	check_frame(3500);
}

static void test_one_byte_short_last(void **state)
{
	struct udp_gso g;

	(void)state;
	start(&g, 1400, CAP, L4_MAX4);
	assert_true(add(&g, &flow_a, 1, 1400, 1400));
	assert_true(add(&g, &flow_a, 2, 1400, 2800));
	assert_true(add(&g, &flow_a, 3, 1, 4200));
	assert_false(add(&g, &flow_a, 4, 1, 4201));
	assert_int_equal(g.bytes, 4201);
	assert_int_equal(g.cnt, 4);
	check_frame(4201);
}

static void test_longer_refused(void **state)
{
	struct udp_gso g, before;

	(void)state;
	start(&g, 1400, CAP, L4_MAX4);
	assert_true(add(&g, &flow_a, 1, 1400, 1400));
	before = g;
	assert_false(add(&g, &flow_a, 2, 1401, 2800));
	assert_false(add(&g, &flow_a, 3, SEG_MTU, 2800));
	same_state(&g, &before);
	check_frame(2800);
}

static void test_other_flow_refused(void **state)
{
	struct udp_gso g, before;

	(void)state;
	start(&g, 500, CAP, L4_MAX4);
	before = g;
	assert_false(add(&g, &flow_b, 1, 500, 500));
	assert_false(add(&g, NULL, 2, 500, 500));
	assert_false(add(&g, &flow_b, 3, 100, 500));
	same_state(&g, &before);
	check_frame(500);
	/* the right flow still joins */
	assert_true(add(&g, &flow_a, 4, 500, 500));
	check_frame(1000);
}

static void test_zero_length_never_joins(void **state)
{
	struct udp_gso g, before;

	(void)state;
	start(&g, 300, CAP, L4_MAX4);
	before = g;
	assert_false(add(&g, &flow_a, 1, 0, 300));
	same_state(&g, &before);
	check_frame(300);

	/* an empty first datagram takes nothing behind it */
	start(&g, 0, CAP, L4_MAX4);
	assert_true(g.closed);
	assert_int_equal(g.bytes, 0);
	assert_int_equal(g.cnt, 1);
	assert_false(add(&g, &flow_a, 2, 0, 0));
	assert_false(add(&g, &flow_a, 3, 1, 0));
	assert_int_equal(g.cnt, 1);
	check_frame(0);
}

static void test_segment_limit(void **state)
{
	struct udp_gso g;
	size_t k;

	(void)state;
	start(&g, 10, CAP, L4_MAX4);
	for (k = 1; k < UDP_GSO_SEGS; k++)
		assert_true(add(&g, &flow_a, k, 10, k * 10));
	assert_int_equal(g.cnt, UDP_GSO_SEGS);
	assert_int_equal(g.bytes, (size_t)UDP_GSO_SEGS * 10);
	/* the 65th is refused, full-sized or short */
	assert_false(add(&g, &flow_a, k, 10, k * 10));
	assert_false(add(&g, &flow_a, k, 3, k * 10));
	assert_int_equal(g.cnt, UDP_GSO_SEGS);
	check_frame((size_t)UDP_GSO_SEGS * 10);
}

static void test_l4_max(void **state)
{
	struct udp_gso g;

	(void)state;
	start(&g, 100, CAP, 350);
	assert_true(add(&g, &flow_a, 1, 100, 100));
	assert_true(add(&g, &flow_a, 2, 100, 200));
	/* 400 > 350: refused, and it doesn't close the frame */
	assert_false(add(&g, &flow_a, 3, 100, 300));
	assert_false(g.closed);
	assert_false(add(&g, &flow_a, 4, 51, 300));
	/* exactly 350 fits */
	assert_true(add(&g, &flow_a, 5, 50, 300));
	assert_int_equal(g.bytes, 350);
	assert_int_equal(g.cnt, 4);
	check_frame(350);
}

static void test_l4_max_ipv4_mtu_segments(void **state)
{
	struct udp_gso g;
	size_t k, fit = L4_MAX4 / SEG_MTU; /* 44 */

	(void)state;
	start(&g, SEG_MTU, CAP, L4_MAX4);
	for (k = 1; k < fit; k++)
		assert_true(add(&g, &flow_a, k, SEG_MTU, (size_t)k * SEG_MTU));
	assert_false(add(&g, &flow_a, k, SEG_MTU, (size_t)k * SEG_MTU));
	/* the rest of the IPv4 length field still takes a short one */
	assert_false(add(&g, &flow_a, k, (size_t)L4_MAX4 - fit * SEG_MTU + 1,
			 (size_t)k * SEG_MTU));
	assert_true(add(&g, &flow_a, k, (size_t)L4_MAX4 - fit * SEG_MTU,
			(size_t)k * SEG_MTU));
	assert_int_equal(g.cnt, fit + 1);
	assert_int_equal(g.bytes, L4_MAX4);
	check_frame(L4_MAX4);
}

static void test_large_first_then_small(void **state)
{
	struct udp_gso g;

	(void)state;
	start(&g, 65000, CAP, L4_MAX4);
	/* 65000 + 1400 is past the IPv4 length field, 65000 + 507 is not */
	assert_false(add(&g, &flow_a, 1, 1400, 65000));
	assert_false(add(&g, &flow_a, 2, 508, 65000));
	assert_true(add(&g, &flow_a, 3, 507, 65000));
	assert_int_equal(g.bytes, L4_MAX4);
	check_frame(L4_MAX4);
}

static void test_cap(void **state)
{
	struct udp_gso g;
	const size_t cap = OFF + 250;

	(void)state;
	start(&g, 100, cap, L4_MAX4);
	assert_true(add(&g, &flow_a, 1, 100, 100));
	assert_false(add(&g, &flow_a, 2, 100, 200));
	assert_false(add(&g, &flow_a, 3, 51, 200));
	assert_false(g.closed);
	assert_true(add(&g, &flow_a, 4, 50, 200));
	assert_int_equal(g.bytes, 250);
	assert_int_equal(g.cnt, 3);
	/* not a byte written at or past the cap */
	check_frame(250);
	assert_int_equal(frame[cap], FREE_FILL);
}

static void test_without_start(void **state)
{
	struct udp_gso g = {.lead = NULL};

	(void)state;
	frame_init(0);
	assert_false(add(&g, &flow_a, 1, 100, 0));
	assert_false(add(&g, NULL, 2, 1, 0));
	assert_null(g.lead);
	assert_int_equal(g.cnt, 0);
	assert_int_equal(g.bytes, 0);
	check_frame(0);
}

static void test_after_finish(void **state)
{
	struct udp_gso g;

	(void)state;
	/* udp.c finishes a frame by clearing @lead only: the rest of the
	 * state still describes an open frame of this flow
	 */
	start(&g, 1000, CAP, L4_MAX4);
	assert_true(add(&g, &flow_a, 1, 1000, 1000));
	g.lead = NULL;
	assert_false(add(&g, &flow_a, 2, 1000, 2000));
	assert_false(add(&g, &flow_a, 3, 10, 2000));
	assert_int_equal(g.cnt, 2);
	assert_int_equal(g.bytes, 2000);
	check_frame(2000);
}

static void test_one_byte_shorter_closes(void **state)
{
	struct udp_gso g;

	(void)state;
	start(&g, 1400, CAP, L4_MAX4);
	assert_true(add(&g, &flow_a, 1, 1399, 1400));
	assert_true(g.closed);
	assert_false(add(&g, &flow_a, 2, 1399, 2799));
	assert_int_equal(g.cnt, 2);
	check_frame(2799);
}

static void test_restart_resets(void **state)
{
	struct udp_gso g;

	(void)state;
	start(&g, 800, CAP, L4_MAX4);
	assert_true(add(&g, &flow_a, 1, 100, 800));
	assert_true(g.closed);
	/* a new frame starts fresh: open again, other flow, other size */
	frame_init(200);
	udp_gso_start(&g, &flow_b, frame, OFF, CAP, 200, L4_MAX4);
	assert_false(g.closed);
	assert_int_equal(g.cnt, 1);
	assert_int_equal(g.bytes, 200);
	assert_false(add(&g, &flow_a, 2, 200, 200));
	assert_true(add(&g, &flow_b, 3, 200, 200));
	assert_true(add(&g, &flow_b, 4, 200, 400));
	assert_int_equal(g.cnt, 3);
	check_frame(600);
}

/* Tests of udp_gso_count(): how many datagrams of the guest one send takes */

enum {
	SEG_MAX = 1452, /* what udp.c passes: 1500 - 40 - 8 */
	IOV_MAX_TEST = 128,
};

static struct iovec *iov_of(const size_t *lens, unsigned int n)
{
	/* exactly @n entries on the heap: a read past them trips ASan */
	struct iovec *iov = test_malloc(sizeof(*iov) * n);
	unsigned int i;

	for (i = 0; i < n; i++) {
		iov[i].iov_base = src;
		iov[i].iov_len = lens[i];
	}
	return iov;
}

static unsigned int count(const size_t *lens, unsigned int n, size_t seg_max)
{
	struct iovec *iov = iov_of(lens, n);
	unsigned int k = udp_gso_count(iov, n, seg_max);

	test_free(iov);
	return k;
}

/* @n datagrams of @len bytes, then @tail (0: none) at index @n */
static unsigned int count_run(size_t len, unsigned int n, size_t tail)
{
	size_t lens[IOV_MAX_TEST];
	unsigned int i;

	assert_true(n < IOV_MAX_TEST);
	for (i = 0; i < n; i++)
		lens[i] = len;
	if (!tail)
		return count(lens, n, SEG_MAX);
	lens[n] = tail;
	return count(lens, n + 1, SEG_MAX);
}

static void test_count_equal_runs(void **state)
{
	static const size_t two_runs[] = {1000, 1000, 1000, 1200, 1200};
	unsigned int n;

	(void)state;
	for (n = 2; n <= 32; n++)
		assert_int_equal(count_run(1000, n, 0), n);
	assert_int_equal(count_run(1, 10, 0), 10);
	assert_int_equal(count_run(SEG_MAX, 10, 0), 10);
	/* a run of another (longer) size after it: not taken */
	assert_int_equal(count(two_runs, 5, SEG_MAX), 3);
	assert_int_equal(count(two_runs + 3, 2, SEG_MAX), 2);
}

static void test_count_shorter_last(void **state)
{
	static const size_t a[] = {1400, 1400, 1, 1400};
	static const size_t b[] = {1400, 1399, 1399};
	static const size_t c[] = {1400, 700, 1400, 1400};

	(void)state;
	/* the shorter one joins and ends the send */
	assert_int_equal(count(a, 4, SEG_MAX), 3);
	assert_int_equal(count(a, 3, SEG_MAX), 3);
	assert_int_equal(count(b, 3, SEG_MAX), 2);
	assert_int_equal(count(c, 4, SEG_MAX), 2);
	/* what follows it starts the next send */
	assert_int_equal(count(a + 3, 1, SEG_MAX), 1);
	assert_int_equal(count(c + 2, 2, SEG_MAX), 2);
}

static void test_count_longer_stops(void **state)
{
	static const size_t a[] = {1000, 1000, 1001, 1000};
	static const size_t b[] = {1000, 1452};
	static const size_t c[] = {1, 2, 1};
	static const size_t d[] = {1400, 1400, 1453, 1400};

	(void)state;
	assert_int_equal(count(a, 4, SEG_MAX), 2);
	assert_int_equal(count(b, 2, SEG_MAX), 1);
	assert_int_equal(count(c, 3, SEG_MAX), 1);
	/* longer than the first and than seg_max */
	assert_int_equal(count(d, 4, SEG_MAX), 2);
	/* the longer one then goes alone, the rest after it together */
	assert_int_equal(count(d + 2, 2, SEG_MAX), 1);
	assert_int_equal(count(a + 2, 2, SEG_MAX), 2);
}

static void test_count_empty(void **state)
{
	static const size_t first[] = {0, 0, 0};
	static const size_t first_then[] = {0, 100, 100};
	static const size_t later[] = {100, 100, 0, 100};
	static const size_t second[] = {100, 0};

	(void)state;
	/* an empty first datagram goes alone */
	assert_int_equal(count(first, 3, SEG_MAX), 1);
	assert_int_equal(count(first_then, 3, SEG_MAX), 1);
	/* an empty one later ends the send before it */
	assert_int_equal(count(later, 4, SEG_MAX), 2);
	assert_int_equal(count(second, 2, SEG_MAX), 1);
	/* and then goes alone itself */
	assert_int_equal(count(later + 2, 2, SEG_MAX), 1);
}

static void test_count_first_over_seg_max(void **state)
{
	static const size_t over[] = {SEG_MAX + 1, SEG_MAX + 1, SEG_MAX + 1};
	static const size_t big[] = {4000, 1000, 1000};
	static const size_t at[] = {SEG_MAX, SEG_MAX, SEG_MAX};
	static const size_t one[] = {1, 1};

	(void)state;
	assert_int_equal(count(over, 3, SEG_MAX), 1);
	assert_int_equal(count(big, 3, SEG_MAX), 1);
	/* exactly seg_max is gathered */
	assert_int_equal(count(at, 3, SEG_MAX), 3);
	/* seg_max is the caller's: a smaller one refuses what 1452 takes */
	assert_int_equal(count(at, 3, SEG_MAX - 1), 1);
	assert_int_equal(count(one, 2, 0), 1);
	assert_int_equal(count(one, 2, 1), 2);
}

static void test_count_segment_cap(void **state)
{
	(void)state;
	/* UDP_GSO_SEGS: 64 of 100 (64 * 1000 bytes is within 65507) */
	assert_int_equal(count_run(1000, 100, 0), UDP_GSO_SEGS);
	assert_int_equal(count_run(1000, 64, 0), 64);
	assert_int_equal(count_run(1000, 65, 0), 64);
	assert_int_equal(count_run(1000, 63, 0), 63);
	assert_int_equal(count_run(1, 100, 0), 64);
	/* a shorter 64th joins; a shorter 65th doesn't */
	assert_int_equal(count_run(1000, 63, 10), 64);
	assert_int_equal(count_run(1000, 64, 10), 64);
}

static void test_count_byte_cap(void **state)
{
	static const size_t halves[] = {32000, 32000, 1400};
	static const size_t full[] = {65507, 1};

	(void)state;
	/* 45 * 1452 = 65340 <= 65507 < 46 * 1452 = 66792 */
	assert_int_equal(count_run(1452, 100, 0), 45);
	assert_int_equal(count_run(1452, 46, 0), 45);
	assert_int_equal(count_run(1452, 45, 0), 45);
	/* 46 * 1400 = 64400 <= 65507 < 47 * 1400 = 65800 */
	assert_int_equal(count_run(1400, 100, 0), 46);
	/* 1024: the segment cap comes first (64 * 1024 = 65536 > 65507) */
	assert_int_equal(count_run(1024, 100, 0), 63);
	assert_int_equal(count_run(1023, 100, 0), 64);
	/* a shorter last one fills the rest exactly, not a byte more */
	assert_int_equal(count_run(1452, 45, 65507 - 45 * 1452), 46);
	assert_int_equal(count_run(1452, 45, 65507 - 45 * 1452 + 1), 45);
	/* past seg_max only with a larger seg_max: the byte cap holds */
	assert_int_equal(count(halves, 3, 65507), 3);
	assert_int_equal(count(full, 2, 65507), 1);
}

static void test_count_single(void **state)
{
	static const size_t lens[] = {1000, 1000, 1000};

	(void)state;
	/* n = 1: only the first, whatever lies behind it */
	assert_int_equal(count(lens, 1, SEG_MAX), 1);
	assert_int_equal(
		udp_gso_count((const struct iovec[]){{src, 1000}, {src, 1000}},
			      1, SEG_MAX),
		1);
	assert_int_equal(count_run(0, 1, 0), 1);
	assert_int_equal(count_run(SEG_MAX + 1, 1, 0), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_state),
		cmocka_unit_test(test_equal_sizes_contiguous),
		cmocka_unit_test(test_one_byte_segments),
		cmocka_unit_test(test_shorter_closes),
		cmocka_unit_test(test_one_byte_short_last),
		cmocka_unit_test(test_longer_refused),
		cmocka_unit_test(test_other_flow_refused),
		cmocka_unit_test(test_zero_length_never_joins),
		cmocka_unit_test(test_segment_limit),
		cmocka_unit_test(test_l4_max),
		cmocka_unit_test(test_l4_max_ipv4_mtu_segments),
		cmocka_unit_test(test_large_first_then_small),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_without_start),
		cmocka_unit_test(test_restart_resets),
		cmocka_unit_test(test_after_finish),
		cmocka_unit_test(test_one_byte_shorter_closes),
		cmocka_unit_test(test_count_equal_runs),
		cmocka_unit_test(test_count_shorter_last),
		cmocka_unit_test(test_count_longer_stops),
		cmocka_unit_test(test_count_empty),
		cmocka_unit_test(test_count_first_over_seg_max),
		cmocka_unit_test(test_count_segment_cap),
		cmocka_unit_test(test_count_byte_cap),
		cmocka_unit_test(test_count_single),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
