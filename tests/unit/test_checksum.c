// SPDX-License-Identifier: GPL-2.0-or-later
/* test_checksum.c - unit tests of the RFC 1071 checksum functions */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "packet/checksum.h"

/* Bit-by-bit reference: sum 16-bit words one at a time, fold each carry */
static uint16_t ref_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i < len; i += 2) {
		sum += (uint32_t)p[i] << 8 | (i + 1 < len ? p[i + 1] : 0);
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return (uint16_t)sum;
}

static void test_csum_rfc1071_example(void **state)
{
	/* RFC 1071 section 3: these bytes sum to ddf2 */
	static const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03,
				    0xf4, 0xf5, 0xf6, 0xf7};
	uint16_t ck;

	(void)state;
	assert_int_equal(csum_partial(b, sizeof(b), 0) % 0xffff, 0xddf2);
	ck = ntohs(csum_fold(csum_partial(b, sizeof(b), 0)));
	assert_int_equal(ck, 0x220d);
}

static void test_csum_ip4_header_known_vector(void **state)
{
	/* A widely published example header: checksum b861 */
	uint8_t h[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
			 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8,
			 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
	uint16_t ck = csum_ip4_header(h, sizeof(h));

	(void)state;
	assert_int_equal(ntohs(ck), 0xb861);
	memcpy(h + 10, &ck, 2);
	assert_int_equal(h[10], 0xb8);
	assert_int_equal(h[11], 0x61);
	/* A header with its checksum in place sums to zero */
	assert_int_equal(csum_ip4_header(h, sizeof(h)), 0);
}

static void test_csum_odd_length_pads_with_zero(void **state)
{
	static const uint8_t b[] = {0x12, 0x34, 0x56};

	(void)state;
	assert_int_equal(csum_partial(b, 3, 0), 0x1234 + 0x5600);
	assert_int_equal(csum_partial(b, 1, 0), 0x1200);
	assert_int_equal(csum_partial(b, 0, 7), 7);
}

static void test_csum_large_buffer_matches_reference(void **state)
{
	static uint8_t b[65535];
	size_t i;

	(void)state;
	memset(b, 0xff, sizeof(b));
	assert_int_equal(ntohs(csum_fold(csum_partial(b, sizeof(b), 0))),
			 (uint16_t)~ref_sum(b, sizeof(b), 0));
	for (i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 7 + (i >> 8));
	for (i = 1; i < sizeof(b); i = i * 3 + 1)
		assert_int_equal(ntohs(csum_fold(csum_partial(b, i, 0))),
				 (uint16_t)~ref_sum(b, i, 0));
}

static void test_csum_fold_carries(void **state)
{
	(void)state;
	assert_int_equal(ntohs(csum_fold(0xffffffff)), 0);
	assert_int_equal(ntohs(csum_fold(0x0001ffff)), 0xfffe);
	assert_int_equal(ntohs(csum_fold(0)), 0xffff);
	/* A starting sum near the top of 32 bits does not lose its carry */
	assert_int_equal(csum_partial((uint8_t[]){0xff, 0xff}, 2, 0xffffffff),
			 0xffff);
}

static void test_csum_udp_ip4_pseudo_header(void **state)
{
	uint8_t udp[12] = {0x00, 0x44, 0x00, 0x43, 0x00, 0x0c,
			   0x00, 0x00, 'a',  'b',  'c',	 'd'};
	uint8_t pseudo[12] = {192, 0, 2, 10, 192, 0, 2, 1, 0, 17, 0, 12};
	struct in_addr s, d;
	uint16_t ck, ref;

	(void)state;
	memcpy(&s, pseudo, 4);
	memcpy(&d, pseudo + 4, 4);
	ref = (uint16_t)~ref_sum(udp, sizeof(udp), ref_sum(pseudo, 12, 0));
	ck = csum_l4_ip4(s, d, 17, udp, sizeof(udp));
	assert_int_equal(ntohs(ck), ref);
	memcpy(udp + 6, &ck, 2);
	assert_int_equal(csum_l4_ip4(s, d, 17, udp, sizeof(udp)), 0);
	/* Changing any byte breaks it */
	udp[9] ^= 1;
	assert_int_not_equal(csum_l4_ip4(s, d, 17, udp, sizeof(udp)), 0);
}

static void test_csum_icmp6_pseudo_header(void **state)
{
	uint8_t icmp[8] = {133, 0, 0, 0, 0, 0, 0, 0};
	uint8_t pseudo[40] = {0xfe,	   0x80,     [15] = 2, [16] = 0xff,
			      [17] = 0x02, [31] = 2, [35] = 8, [39] = 58};
	struct in6_addr s, d;
	uint16_t ck, ref;

	(void)state;
	memcpy(&s, pseudo, 16);
	memcpy(&d, pseudo + 16, 16);
	ref = (uint16_t)~ref_sum(icmp, sizeof(icmp), ref_sum(pseudo, 40, 0));
	ck = csum_l4_ip6(&s, &d, 58, icmp, sizeof(icmp));
	assert_int_equal(ntohs(ck), ref);
	/* RS from fe80::2 to ff02::2, by hand: fe80 + 0002 + ff02 + 0002 +
	 * 0008 (length) + 003a (next header) + 8500 (type 133) = 0x182c9,
	 * folded 0x82ca, complemented 0x7d35
	 */
	assert_int_equal(ntohs(ck), 0x7d35);
	memcpy(icmp + 2, &ck, 2);
	assert_int_equal(csum_l4_ip6(&s, &d, 58, icmp, sizeof(icmp)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csum_rfc1071_example),
		cmocka_unit_test(test_csum_ip4_header_known_vector),
		cmocka_unit_test(test_csum_odd_length_pads_with_zero),
		cmocka_unit_test(test_csum_large_buffer_matches_reference),
		cmocka_unit_test(test_csum_fold_carries),
		cmocka_unit_test(test_csum_udp_ip4_pseudo_header),
		cmocka_unit_test(test_csum_icmp6_pseudo_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
