// SPDX-License-Identifier: GPL-2.0-or-later
/* test_ip.c - unit tests of pkt_parse_ip(): IPv4, IPv6, extension headers */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "packet/checksum.h"
#include "packet/ip.h"

enum {
	ETH = 14,
	IP4 = 20,
	IP6 = 40,
	PROTO_TCP = 6,
	PROTO_UDP = 17,
	NH_HOP = 0,
	NH_ROUTING = 43,
	NH_FRAG = 44,
	NH_DSTOPTS = 60,
	NH_NONE = 59,
};

static const uint8_t src4[4] = {192, 0, 2, 10};
static const uint8_t dst4[4] = {198, 51, 100, 7};
static const uint8_t src6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x10};
static const uint8_t dst6[16] = {0x20, 0x01, 0x0d, 0xb8, 1, [15] = 0x01};

static uint8_t f[2048];

static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void eth(uint16_t type)
{
	memset(f, 0, ETH);
	memset(f, 0x02, 6);
	memset(f + 6, 0x04, 6);
	put16(f + 12, type);
}

/* Recompute the IPv4 header checksum after a test changed the header */
static void ip4_fix_csum(void)
{
	size_t hlen = (size_t)(f[ETH] & 0xf) * 4;
	uint16_t ck;

	f[ETH + 10] = f[ETH + 11] = 0;
	ck = csum_ip4_header(f + ETH, hlen);
	memcpy(f + ETH + 10, &ck, 2);
}

/* IPv4 frame, 20-byte header, @l4len bytes of pattern: frame length */
static size_t mk_ip4(size_t l4len, uint8_t proto)
{
	size_t i;

	eth(0x0800);
	memset(f + ETH, 0, IP4);
	f[ETH] = 0x45;
	put16(f + ETH + 2, IP4 + l4len);
	put16(f + ETH + 6, 0x4000); /* DF */
	f[ETH + 8] = 37;
	f[ETH + 9] = proto;
	memcpy(f + ETH + 12, src4, 4);
	memcpy(f + ETH + 16, dst4, 4);
	for (i = 0; i < l4len; i++)
		f[ETH + IP4 + i] = (uint8_t)(i + 1);
	ip4_fix_csum();
	return ETH + IP4 + l4len;
}

/* IPv6 frame: header, @ext raw extension bytes, @l4len bytes of pattern */
static size_t mk_ip6(uint8_t nh, const uint8_t *ext, size_t extlen,
		     size_t l4len)
{
	size_t i;

	eth(0x86dd);
	memset(f + ETH, 0, IP6);
	f[ETH] = 0x60;
	put16(f + ETH + 4, extlen + l4len);
	f[ETH + 6] = nh;
	f[ETH + 7] = 255;
	memcpy(f + ETH + 8, src6, 16);
	memcpy(f + ETH + 24, dst6, 16);
	if (extlen)
		memcpy(f + ETH + IP6, ext, extlen);
	for (i = 0; i < l4len; i++)
		f[ETH + IP6 + extlen + i] = (uint8_t)(i + 1);
	return ETH + IP6 + extlen + l4len;
}

static int parse(size_t len, struct pkt_l4 *p)
{
	return pkt_parse_ip(pview_make(f, len), p);
}

static void test_ip4_valid_fills_every_field(void **state)
{
	size_t len = mk_ip4(24, PROTO_TCP);
	struct pkt_l4 p;

	(void)state;
	assert_int_equal(parse(len, &p), 0);
	assert_int_equal(p.family, AF_INET);
	assert_true(inany_is_v4(&p.src));
	assert_memory_equal(inany_v4(&p.src), src4, 4);
	assert_memory_equal(inany_v4(&p.dst), dst4, 4);
	assert_int_equal(p.proto, PROTO_TCP);
	assert_int_equal(p.ttl, 37);
	assert_ptr_equal(p.l4.p, f + ETH + IP4);
	assert_int_equal(p.l4.len, 24);
}

static void test_ip4_every_truncation_is_rejected(void **state)
{
	size_t full = mk_ip4(24, PROTO_TCP), len;
	struct pkt_l4 p;

	(void)state;
	for (len = 0; len < full; len++)
		assert_int_equal(parse(len, &p), len < ETH ? -ENOENT : -EINVAL);
	assert_int_equal(pkt_parse_ip(pview_make(NULL, 0), &p), -ENOENT);
}

static void test_ip4_bad_version_or_ihl_is_einval(void **state)
{
	size_t len = mk_ip4(24, PROTO_TCP);
	struct pkt_l4 p;

	(void)state;
	f[ETH] = 0x65;
	ip4_fix_csum();
	assert_int_equal(parse(len, &p), -EINVAL);

	/* IHL 4: shorter than the fixed header */
	f[ETH] = 0x44;
	f[ETH + 10] = f[ETH + 11] = 0;
	assert_int_equal(parse(len, &p), -EINVAL);

	/* IHL 15 (60 bytes) doesn't fit in a 58-byte IP packet */
	len = mk_ip4(38, PROTO_TCP);
	f[ETH] = 0x4f;
	assert_int_equal(parse(len, &p), -EINVAL);
}

static void test_ip4_header_options_are_skipped(void **state)
{
	size_t len = mk_ip4(24, PROTO_UDP);
	struct pkt_l4 p;

	(void)state;
	/* Move the L4 bytes back by 4 and insert a NOP/EOL option word */
	memmove(f + ETH + IP4 + 4, f + ETH + IP4, 24);
	memcpy(f + ETH + IP4, (uint8_t[]){1, 1, 1, 0}, 4);
	f[ETH] = 0x46;
	put16(f + ETH + 2, 48);
	ip4_fix_csum();
	assert_int_equal(parse(len + 4, &p), 0);
	assert_int_equal(p.proto, PROTO_UDP);
	assert_ptr_equal(p.l4.p, f + ETH + 24);
	assert_int_equal(p.l4.len, 24);
	assert_int_equal(p.l4.p[0], 1);
	assert_int_equal(p.l4.p[23], 24);
}

static void test_ip4_bad_total_length_is_einval(void **state)
{
	size_t len = mk_ip4(24, PROTO_TCP);
	struct pkt_l4 p;

	(void)state;
	put16(f + ETH + 2, 19);
	ip4_fix_csum();
	assert_int_equal(parse(len, &p), -EINVAL);
	put16(f + ETH + 2, IP4 + 25);
	ip4_fix_csum();
	assert_int_equal(parse(len, &p), -EINVAL);
	/* Header only: valid, empty L4 */
	put16(f + ETH + 2, IP4);
	ip4_fix_csum();
	assert_int_equal(parse(len, &p), 0);
	assert_int_equal(p.l4.len, 0);
}

static void test_ip4_bad_header_checksum_is_einval(void **state)
{
	size_t len = mk_ip4(24, PROTO_TCP);
	struct pkt_l4 p;

	(void)state;
	f[ETH + 11] ^= 0x01;
	assert_int_equal(parse(len, &p), -EINVAL);
	f[ETH + 11] ^= 0x01;
	f[ETH + 15] ^= 0x80; /* source address changed after the fact */
	assert_int_equal(parse(len, &p), -EINVAL);
}

static void test_ip4_fragments_are_eproto(void **state)
{
	size_t len = mk_ip4(24, PROTO_TCP);
	struct pkt_l4 p;

	(void)state;
	put16(f + ETH + 6, 0x2000); /* MF, offset 0: first fragment */
	ip4_fix_csum();
	assert_int_equal(parse(len, &p), -EPROTO);
	put16(f + ETH + 6, 0x0001); /* offset 8, last fragment */
	ip4_fix_csum();
	assert_int_equal(parse(len, &p), -EPROTO);
	put16(f + ETH + 6, 0x4000 | 0x1fff);
	ip4_fix_csum();
	assert_int_equal(parse(len, &p), -EPROTO);
	put16(f + ETH + 6, 0); /* no DF: still a whole datagram */
	ip4_fix_csum();
	assert_int_equal(parse(len, &p), 0);
}

static void test_ip4_ethernet_padding_is_excluded(void **state)
{
	size_t len = mk_ip4(6, PROTO_UDP);
	struct pkt_l4 p;

	(void)state;
	assert_int_equal(len, 40);
	memset(f + len, 0xee, 60 - len);
	assert_int_equal(parse(60, &p), 0);
	assert_int_equal(p.l4.len, 6);
	assert_int_equal(p.l4.p[5], 6);
}

static void test_ip6_valid_fills_every_field(void **state)
{
	size_t len = mk_ip6(PROTO_TCP, NULL, 0, 32);
	struct pkt_l4 p;

	(void)state;
	assert_int_equal(parse(len, &p), 0);
	assert_int_equal(p.family, AF_INET6);
	assert_false(inany_is_v4(&p.src));
	assert_memory_equal(&p.src, src6, 16);
	assert_memory_equal(&p.dst, dst6, 16);
	assert_int_equal(p.proto, PROTO_TCP);
	assert_int_equal(p.ttl, 255);
	assert_ptr_equal(p.l4.p, f + ETH + IP6);
	assert_int_equal(p.l4.len, 32);
}

static void test_ip6_every_truncation_is_rejected(void **state)
{
	static const uint8_t ext[8] = {PROTO_TCP, 0, 1, 4, 0, 0, 0, 0};
	size_t full = mk_ip6(NH_DSTOPTS, ext, 8, 20), len;
	struct pkt_l4 p;

	(void)state;
	for (len = 0; len < full; len++)
		assert_int_equal(parse(len, &p), len < ETH ? -ENOENT : -EINVAL);
	assert_int_equal(parse(full, &p), 0);
}

static void test_ip6_bad_version_is_einval(void **state)
{
	size_t len = mk_ip6(PROTO_TCP, NULL, 0, 20);
	struct pkt_l4 p;

	(void)state;
	f[ETH] = 0x40;
	assert_int_equal(parse(len, &p), -EINVAL);
	/* An IPv6 packet under the IPv4 ethertype is not IPv4 */
	f[ETH] = 0x60;
	put16(f + 12, 0x0800);
	assert_int_equal(parse(len, &p), -EINVAL);
}

static void test_ip6_payload_length_bounds(void **state)
{
	size_t len = mk_ip6(PROTO_UDP, NULL, 0, 20);
	struct pkt_l4 p;

	(void)state;
	put16(f + ETH + 4, 21);
	assert_int_equal(parse(len, &p), -EINVAL);
	/* Shorter than the frame: the rest is padding */
	put16(f + ETH + 4, 8);
	assert_int_equal(parse(len, &p), 0);
	assert_int_equal(p.l4.len, 8);
	assert_int_equal(p.proto, PROTO_UDP);
}

static void test_ip6_extension_headers_are_skipped(void **state)
{
	static const uint8_t ext[] = {
		NH_ROUTING, 0, 1, 4, 0, 0, 0, 0, /* Hop-by-Hop, 8 */
		NH_DSTOPTS, 1, 0, 0, 0, 0, 0, 0, /* Routing, 16 */
		0,	    0, 0, 0, 0, 0, 0, 0,
		PROTO_TCP,  0, 1, 4, 0, 0, 0, 0, /* Dest. options, 8 */
	};
	size_t len = mk_ip6(NH_HOP, ext, sizeof(ext), 20);
	struct pkt_l4 p;

	(void)state;
	assert_int_equal(parse(len, &p), 0);
	assert_int_equal(p.proto, PROTO_TCP);
	assert_ptr_equal(p.l4.p, f + ETH + IP6 + sizeof(ext));
	assert_int_equal(p.l4.len, 20);
	assert_int_equal(p.l4.p[0], 1);

	/* No Next Header after the options: proto 59, empty L4 */
	f[ETH + IP6 + 24] = NH_NONE;
	assert_int_equal(parse(len - 20, &p), -EINVAL);
	put16(f + ETH + 4, sizeof(ext));
	assert_int_equal(parse(len - 20, &p), 0);
	assert_int_equal(p.proto, NH_NONE);
	assert_int_equal(p.l4.len, 0);
}

/* A chain of @n Destination Options headers, 8 bytes each, then TCP */
static size_t mk_ip6_chain(unsigned int n)
{
	static uint8_t ext[8 * 16];
	unsigned int i;

	memset(ext, 0, sizeof(ext));
	for (i = 0; i < n; i++)
		ext[(size_t)i * 8] = i + 1 < n ? NH_DSTOPTS : PROTO_TCP;
	return mk_ip6(NH_DSTOPTS, ext, (size_t)n * 8, 20);
}

static void test_ip6_more_than_eight_extension_headers_is_einval(void **state)
{
	struct pkt_l4 p;
	size_t len;

	(void)state;
	len = mk_ip6_chain(8);
	assert_int_equal(parse(len, &p), 0);
	assert_int_equal(p.proto, PROTO_TCP);
	assert_int_equal(p.l4.len, 20);
	len = mk_ip6_chain(9);
	assert_int_equal(parse(len, &p), -EINVAL);
	len = mk_ip6_chain(16);
	assert_int_equal(parse(len, &p), -EINVAL);
}

static void test_ip6_truncated_extension_header_is_einval(void **state)
{
	static const uint8_t ext[16] = {PROTO_TCP, 1}; /* 16 bytes long */
	struct pkt_l4 p;
	size_t len;

	(void)state;
	/* Claims 16 bytes, payload holds 12 */
	len = mk_ip6(NH_DSTOPTS, ext, 12, 0);
	assert_int_equal(parse(len, &p), -EINVAL);
	/* Room for Next Header only, not for Hdr Ext Len */
	len = mk_ip6(NH_ROUTING, ext, 1, 0);
	assert_int_equal(parse(len, &p), -EINVAL);
	/* Nothing at all after the fixed header */
	len = mk_ip6(NH_HOP, ext, 0, 0);
	assert_int_equal(parse(len, &p), -EINVAL);
	/* Exactly fitting, empty L4 */
	len = mk_ip6(NH_DSTOPTS, ext, 16, 0);
	assert_int_equal(parse(len, &p), 0);
	assert_int_equal(p.l4.len, 0);
}

static void test_ip6_fragment_header_is_eproto(void **state)
{
	static const uint8_t frag[8] = {PROTO_TCP, 0, 0, 0, 0, 0, 0, 1};
	static const uint8_t ext[16] = {NH_FRAG, [8] = PROTO_TCP};
	struct pkt_l4 p;
	size_t len;

	(void)state;
	len = mk_ip6(NH_FRAG, frag, 8, 20);
	assert_int_equal(parse(len, &p), -EPROTO);
	len = mk_ip6(NH_DSTOPTS, ext, 16, 20);
	assert_int_equal(parse(len, &p), -EPROTO);
}

static void test_ip6_hop_by_hop_not_first_is_einval(void **state)
{
	static const uint8_t ext[16] = {NH_HOP, [8] = PROTO_TCP};
	struct pkt_l4 p;
	size_t len;

	(void)state;
	len = mk_ip6(NH_DSTOPTS, ext, 16, 20);
	assert_int_equal(parse(len, &p), -EINVAL);
	len = mk_ip6(NH_HOP, ext + 8, 8, 20);
	assert_int_equal(parse(len, &p), 0);
}

static void test_ip6_v4_mapped_address_is_einval(void **state)
{
	static const uint8_t mapped[16] = {[10] = 0xff, [11] = 0xff, 192,
					   0,		2,	     1};
	struct pkt_l4 p;
	size_t len;

	(void)state;
	len = mk_ip6(PROTO_TCP, NULL, 0, 20);
	memcpy(f + ETH + 8, mapped, 16);
	assert_int_equal(parse(len, &p), -EINVAL);
	len = mk_ip6(PROTO_TCP, NULL, 0, 20);
	memcpy(f + ETH + 24, mapped, 16);
	assert_int_equal(parse(len, &p), -EINVAL);
}

static void test_non_ip_frames_are_enoent(void **state)
{
	size_t len = mk_ip4(24, PROTO_TCP);
	struct pkt_l4 p;

	(void)state;
	/* 802.1Q tag in front of an otherwise valid IPv4 packet */
	memmove(f + 16, f + 12, len - 12);
	put16(f + 12, 0x8100);
	put16(f + 14, 0x0005);
	assert_int_equal(parse(len + 4, &p), -ENOENT);
	put16(f + 12, 0x88a8);
	assert_int_equal(parse(len + 4, &p), -ENOENT);

	mk_ip4(24, PROTO_TCP);
	put16(f + 12, 0x0806); /* ARP */
	assert_int_equal(parse(len, &p), -ENOENT);
	put16(f + 12, 0x0800);
	assert_int_equal(parse(13, &p), -ENOENT);
	assert_int_equal(parse(14, &p), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip4_valid_fills_every_field),
		cmocka_unit_test(test_ip4_every_truncation_is_rejected),
		cmocka_unit_test(test_ip4_bad_version_or_ihl_is_einval),
		cmocka_unit_test(test_ip4_header_options_are_skipped),
		cmocka_unit_test(test_ip4_bad_total_length_is_einval),
		cmocka_unit_test(test_ip4_bad_header_checksum_is_einval),
		cmocka_unit_test(test_ip4_fragments_are_eproto),
		cmocka_unit_test(test_ip4_ethernet_padding_is_excluded),
		cmocka_unit_test(test_ip6_valid_fills_every_field),
		cmocka_unit_test(test_ip6_every_truncation_is_rejected),
		cmocka_unit_test(test_ip6_bad_version_is_einval),
		cmocka_unit_test(test_ip6_payload_length_bounds),
		cmocka_unit_test(test_ip6_extension_headers_are_skipped),
		cmocka_unit_test(
			test_ip6_more_than_eight_extension_headers_is_einval),
		cmocka_unit_test(test_ip6_truncated_extension_header_is_einval),
		cmocka_unit_test(test_ip6_fragment_header_is_eproto),
		cmocka_unit_test(test_ip6_hop_by_hop_not_first_is_einval),
		cmocka_unit_test(test_ip6_v4_mapped_address_is_einval),
		cmocka_unit_test(test_non_ip_frames_are_enoent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
