// SPDX-License-Identifier: GPL-2.0-or-later
/* test_siphash.c - SipHash-2-4 against the reference vectors of its paper */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base/siphash.h"

/* SipHash-2-4 outputs, read little-endian, for the key 00 01 .. 0f and the
 * messages of length 0 to 63 whose byte i is i (Aumasson and Bernstein,
 * "SipHash: a fast short-input PRF", reference implementation vectors.h)
 */
static const uint64_t ref_vectors[64] = {
	0x726fdb47dd0e0e31ULL, /*  0 */
	0x74f839c593dc67fdULL, /*  1 */
	0x0d6c8009d9a94f5aULL, /*  2 */
	0x85676696d7fb7e2dULL, /*  3 */
	0xcf2794e0277187b7ULL, /*  4 */
	0x18765564cd99a68dULL, /*  5 */
	0xcbc9466e58fee3ceULL, /*  6 */
	0xab0200f58b01d137ULL, /*  7 */
	0x93f5f5799a932462ULL, /*  8 */
	0x9e0082df0ba9e4b0ULL, /*  9 */
	0x7a5dbbc594ddb9f3ULL, /* 10 */
	0xf4b32f46226bada7ULL, /* 11 */
	0x751e8fbc860ee5fbULL, /* 12 */
	0x14ea5627c0843d90ULL, /* 13 */
	0xf723ca908e7af2eeULL, /* 14 */
	0xa129ca6149be45e5ULL, /* 15 */
	0x3f2acc7f57c29bdbULL, /* 16 */
	0x699ae9f52cbe4794ULL, /* 17 */
	0x4bc1b3f0968dd39cULL, /* 18 */
	0xbb6dc91da77961bdULL, /* 19 */
	0xbed65cf21aa2ee98ULL, /* 20 */
	0xd0f2cbb02e3b67c7ULL, /* 21 */
	0x93536795e3a33e88ULL, /* 22 */
	0xa80c038ccd5ccec8ULL, /* 23 */
	0xb8ad50c6f649af94ULL, /* 24 */
	0xbce192de8a85b8eaULL, /* 25 */
	0x17d835b85bbb15f3ULL, /* 26 */
	0x2f2e6163076bcfadULL, /* 27 */
	0xde4daaaca71dc9a5ULL, /* 28 */
	0xa6a2506687956571ULL, /* 29 */
	0xad87a3535c49ef28ULL, /* 30 */
	0x32d892fad841c342ULL, /* 31 */
	0x7127512f72f27cceULL, /* 32 */
	0xa7f32346f95978e3ULL, /* 33 */
	0x12e0b01abb051238ULL, /* 34 */
	0x15e034d40fa197aeULL, /* 35 */
	0x314dffbe0815a3b4ULL, /* 36 */
	0x027990f029623981ULL, /* 37 */
	0xcadcd4e59ef40c4dULL, /* 38 */
	0x9abfd8766a33735cULL, /* 39 */
	0x0e3ea96b5304a7d0ULL, /* 40 */
	0xad0c42d6fc585992ULL, /* 41 */
	0x187306c89bc215a9ULL, /* 42 */
	0xd4a60abcf3792b95ULL, /* 43 */
	0xf935451de4f21df2ULL, /* 44 */
	0xa9538f0419755787ULL, /* 45 */
	0xdb9acddff56ca510ULL, /* 46 */
	0xd06c98cd5c0975ebULL, /* 47 */
	0xe612a3cb9ecba951ULL, /* 48 */
	0xc766e62cfcadaf96ULL, /* 49 */
	0xee64435a9752fe72ULL, /* 50 */
	0xa192d576b245165aULL, /* 51 */
	0x0a8787bf8ecb74b2ULL, /* 52 */
	0x81b3e73d20b49b6fULL, /* 53 */
	0x7fa8220ba3b2eceaULL, /* 54 */
	0x245731c13ca42499ULL, /* 55 */
	0xb78dbfaf3a8d83bdULL, /* 56 */
	0xea1ad565322a1a0bULL, /* 57 */
	0x60e61c23a3795013ULL, /* 58 */
	0x6606d7e446282b93ULL, /* 59 */
	0x6ca4ecb15c5f91e1ULL, /* 60 */
	0x9f626da15c9625f3ULL, /* 61 */
	0xe51b38608ef25f57ULL, /* 62 */
	0x958a324ceb064572ULL, /* 63 */
};

static void ref_key(uint64_t key[2])
{
	uint8_t k[SIPHASH_KEY_LEN];
	size_t i;

	for (i = 0; i < sizeof(k); i++)
		k[i] = (uint8_t)i;
	siphash24_key(key, k);
}

static void test_siphash_key_words_are_little_endian(void **state)
{
	uint64_t key[2];

	(void)state;
	ref_key(key);
	/* Paper, appendix A: k0 = 0706050403020100, k1 = 0f0e0d0c0b0a0908 */
	assert_true(key[0] == 0x0706050403020100ULL);
	assert_true(key[1] == 0x0f0e0d0c0b0a0908ULL);
}

static void test_siphash_reference_vectors_all_64(void **state)
{
	uint8_t msg[64];
	uint64_t key[2];
	size_t len;

	(void)state;
	ref_key(key);
	for (len = 0; len < sizeof(msg); len++)
		msg[len] = (uint8_t)len;

	for (len = 0; len < 64; len++) {
		uint64_t h = siphash24(key, msg, len);

		if (h != ref_vectors[len])
			fail_msg("length %zu: got %016llx, want %016llx", len,
				 (unsigned long long)h,
				 (unsigned long long)ref_vectors[len]);
	}
}

static void test_siphash_paper_appendix_example(void **state)
{
	static const uint8_t msg[15] = {0, 1, 2,  3,  4,  5,  6, 7,
					8, 9, 10, 11, 12, 13, 14};
	uint64_t key[2];

	(void)state;
	ref_key(key);
	assert_true(siphash24(key, msg, sizeof(msg)) == 0xa129ca6149be45e5ULL);
}

static void test_siphash_empty_message_accepts_null(void **state)
{
	uint64_t key[2];

	(void)state;
	ref_key(key);
	assert_true(siphash24(key, NULL, 0) == ref_vectors[0]);
}

static void test_siphash_unaligned_input_same_hash(void **state)
{
	uint8_t buf[64 + 8];
	uint64_t key[2];
	size_t off, len, i;

	(void)state;
	ref_key(key);
	for (off = 1; off < 8; off++) {
		memset(buf, 0xa5, sizeof(buf));
		for (i = 0; i < 64; i++)
			buf[off + i] = (uint8_t)i;
		for (len = 0; len < 64; len++)
			assert_true(siphash24(key, buf + off, len) ==
				    ref_vectors[len]);
	}
}

static void test_siphash_every_key_bit_matters(void **state)
{
	static const uint8_t msg[40] = {192, 0, 2, 1, 0x12, 0x34};
	uint8_t kb[SIPHASH_KEY_LEN];
	uint64_t key[2], base;
	unsigned int bit;

	(void)state;
	memset(kb, 0x5c, sizeof(kb));
	siphash24_key(key, kb);
	base = siphash24(key, msg, sizeof(msg));

	for (bit = 0; bit < SIPHASH_KEY_LEN * 8; bit++) {
		kb[bit / 8] ^= (uint8_t)(1U << (bit % 8));
		siphash24_key(key, kb);
		assert_true(siphash24(key, msg, sizeof(msg)) != base);
		kb[bit / 8] ^= (uint8_t)(1U << (bit % 8));
	}
}

static void test_siphash_trailing_zeroes_change_hash(void **state)
{
	uint8_t zero[16] = {0};
	uint64_t key[2], h[17];
	size_t i, j;

	(void)state;
	ref_key(key);
	/* The length byte in the last word tells 0, 00, 00 00, ... apart */
	for (i = 0; i <= 16; i++)
		h[i] = siphash24(key, zero, i);
	for (i = 0; i <= 16; i++)
		for (j = i + 1; j <= 16; j++)
			assert_true(h[i] != h[j]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_key_words_are_little_endian),
		cmocka_unit_test(test_siphash_reference_vectors_all_64),
		cmocka_unit_test(test_siphash_paper_appendix_example),
		cmocka_unit_test(test_siphash_empty_message_accepts_null),
		cmocka_unit_test(test_siphash_unaligned_input_same_hash),
		cmocka_unit_test(test_siphash_every_key_bit_matters),
		cmocka_unit_test(test_siphash_trailing_zeroes_change_hash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
