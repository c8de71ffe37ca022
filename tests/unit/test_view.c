// SPDX-License-Identifier: GPL-2.0-or-later
/* test_view.c - unit tests of the bounded views and writers (base/view.h) */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "base/view.h"

static const uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};

static void test_view_get_bounds(void **state)
{
	struct pview v = pview_make(data, sizeof(data));

	(void)state;
	assert_ptr_equal(pview_get(v, 0, 8), data);
	assert_ptr_equal(pview_get(v, 8, 0), data + 8);
	assert_null(pview_get(v, 0, 9));
	assert_null(pview_get(v, 9, 0));
	assert_null(pview_get(v, 7, 2));
	/* Lengths that would wrap around when added to the offset */
	assert_null(pview_get(v, 4, SIZE_MAX));
	assert_null(pview_get(v, SIZE_MAX, 1));
}

static void test_view_null_is_empty(void **state)
{
	struct pview v = pview_make(NULL, 100);
	uint8_t b;

	(void)state;
	assert_int_equal(v.len, 0);
	assert_null(pview_get(v, 0, 0));
	assert_false(pview_u8(v, 0, &b));
	assert_null(pview_tail(v, 0).p);
}

static void test_view_tail_and_sub(void **state)
{
	struct pview v = pview_make(data, sizeof(data)), t;

	(void)state;
	t = pview_tail(v, 3);
	assert_ptr_equal(t.p, data + 3);
	assert_int_equal(t.len, 5);
	t = pview_tail(v, 8);
	assert_int_equal(t.len, 0);
	t = pview_tail(v, 9);
	assert_null(t.p);
	assert_int_equal(t.len, 0);

	t = pview_sub(v, 2, 3);
	assert_ptr_equal(t.p, data + 2);
	assert_int_equal(t.len, 3);
	t = pview_sub(v, 6, 3);
	assert_null(t.p);
	assert_int_equal(t.len, 0);
}

static void test_view_readers(void **state)
{
	struct pview v = pview_make(data, sizeof(data));
	uint32_t u32 = 0;
	uint16_t u16 = 0;
	uint8_t u8 = 0, out[4] = {0};

	(void)state;
	assert_true(pview_u8(v, 7, &u8));
	assert_int_equal(u8, 8);
	assert_false(pview_u8(v, 8, &u8));
	assert_true(pview_be16(v, 0, &u16));
	assert_int_equal(u16, 0x0102);
	assert_false(pview_be16(v, 7, &u16));
	assert_int_equal(u16, 0x0102);
	assert_true(pview_be32(v, 4, &u32));
	assert_int_equal(u32, 0x05060708);
	assert_false(pview_be32(v, 5, &u32));
	assert_true(pview_copy(v, 2, out, 4));
	assert_memory_equal(out, data + 2, 4);
	memset(out, 0, sizeof(out));
	assert_false(pview_copy(v, 6, out, 4));
	assert_int_equal(out[0], 0);
}

static void test_pbuf_writes_and_overflow_is_sticky(void **state)
{
	uint8_t buf[10];
	struct pbuf b;
	uint8_t *r;

	(void)state;
	memset(buf, 0xee, sizeof(buf));
	pbuf_init(&b, buf, 8);
	assert_true(pbuf_u8(&b, 0xaa));
	assert_true(pbuf_be16(&b, 0x1234));
	assert_true(pbuf_be32(&b, 0xdeadbeef));
	assert_int_equal(b.len, 7);
	assert_memory_equal(
		buf, ((uint8_t[]){0xaa, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef}),
		7);
	assert_false(pbuf_be16(&b, 1));
	assert_true(b.overflow);
	assert_int_equal(b.len, 7);
	/* Once overflowed, even a write that would fit is refused */
	assert_false(pbuf_u8(&b, 1));
	assert_int_equal(buf[7], 0xee);
	assert_int_equal(buf[8], 0xee);

	pbuf_init(&b, buf, 8);
	r = pbuf_reserve(&b, 8);
	assert_ptr_equal(r, buf);
	assert_int_equal(buf[5], 0);
	assert_null(pbuf_reserve(&b, 1));
	assert_true(pbuf_put(&(struct pbuf){.p = buf, .cap = 0}, NULL, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_view_get_bounds),
		cmocka_unit_test(test_view_null_is_empty),
		cmocka_unit_test(test_view_tail_and_sub),
		cmocka_unit_test(test_view_readers),
		cmocka_unit_test(test_pbuf_writes_and_overflow_is_sticky),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
