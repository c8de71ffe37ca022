// SPDX-License-Identifier: GPL-2.0-or-later
/* test_tcpseg.c - unit tests of TCP segment parsing and TCP frame building */

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
	TCPH = 20,
	PROTO_TCP = 6,
	BIG = 65000,
};

static const uint8_t src4[4] = {192, 0, 2, 10};
static const uint8_t dst4[4] = {203, 0, 113, 5};
static const uint8_t src6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x10};
static const uint8_t dst6[16] = {0x20, 0x01, 0x0d, 0xb8, 1, [15] = 0x01};

static uint8_t f[ETH + IP6 + 60 + BIG + 64];

static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* Independent one's complement sum: 16-bit words, carries folded each time */
static uint32_t ref_sum(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i < len; i += 2) {
		sum += (uint32_t)p[i] << 8 | (i + 1 < len ? p[i + 1] : 0);
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return sum;
}

/* Sum of pseudo-header and segment of the frame in @f: 0xffff if right */
static uint32_t ref_tcp_sum(size_t frame_len)
{
	bool v6 = f[12] == 0x86;
	size_t l3 = v6 ? IP6 : IP4, tcplen = frame_len - ETH - l3;
	uint8_t ph[40] = {0};

	if (v6) {
		memcpy(ph, f + ETH + 8, 32);
		put32(ph + 32, (uint32_t)tcplen);
		ph[39] = PROTO_TCP;
		return ref_sum(f + ETH + l3, tcplen, ref_sum(ph, 40, 0));
	}
	memcpy(ph, f + ETH + 12, 8);
	ph[9] = PROTO_TCP;
	put16(ph + 10, tcplen);
	return ref_sum(f + ETH + l3, tcplen, ref_sum(ph, 12, 0));
}

/* A frame with a TCP segment, built by hand: raw @opts (multiple of 4),
 * @plen bytes of pattern, checksums from the reference sum
 */
static size_t mk_seg(bool v6, const uint8_t *opts, size_t optlen, size_t plen,
		     uint8_t flags)
{
	size_t l3 = v6 ? IP6 : IP4, len = ETH + l3 + TCPH + optlen + plen, i;
	uint8_t *t = f + ETH + l3;
	uint16_t ck;

	memset(f, 0, ETH + l3 + TCPH);
	put16(f + 12, v6 ? 0x86dd : 0x0800);
	if (v6) {
		f[ETH] = 0x60;
		put16(f + ETH + 4, TCPH + optlen + plen);
		f[ETH + 6] = PROTO_TCP;
		f[ETH + 7] = 64;
		memcpy(f + ETH + 8, src6, 16);
		memcpy(f + ETH + 24, dst6, 16);
	} else {
		f[ETH] = 0x45;
		put16(f + ETH + 2, IP4 + TCPH + optlen + plen);
		f[ETH + 8] = 64;
		f[ETH + 9] = PROTO_TCP;
		memcpy(f + ETH + 12, src4, 4);
		memcpy(f + ETH + 16, dst4, 4);
		ck = csum_ip4_header(f + ETH, IP4);
		memcpy(f + ETH + 10, &ck, 2);
	}
	put16(t, 40000);
	put16(t + 2, 80);
	put32(t + 4, 0x11223344);
	put32(t + 8, 0xaabbccdd);
	t[12] = (uint8_t)((TCPH + optlen) / 4 << 4);
	t[13] = flags;
	put16(t + 14, 0x7210);
	if (optlen)
		memcpy(t + TCPH, opts, optlen);
	for (i = 0; i < plen; i++)
		t[TCPH + optlen + i] = (uint8_t)(i * 7 + 3);
	put16(t + 16, ~ref_tcp_sum(len) & 0xffff);
	return len;
}

static int parse(size_t len, struct tcp_seg *s, bool csum)
{
	struct pkt_l4 p;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = pkt_parse_ip(pview_make(f, len), &p);
	if (rc)
		return rc;
	return tcp_seg_parse(&p, s, csum);
}

/* Parse a v4 segment carrying these options, return tcp_seg_parse()'s code */
static int parse_opts(const uint8_t *opts, size_t optlen, struct tcp_seg *s)
{
	return parse(mk_seg(false, opts, optlen, 3, TCP_F_SYN), s, true);
}

static void test_tcp_header_fields_in_host_order(void **state)
{
	size_t len = mk_seg(false, NULL, 0, 5, TCP_F_ACK | TCP_F_PSH);
	struct tcp_seg s;

	(void)state;
	assert_int_equal(parse(len, &s, true), 0);
	assert_int_equal(s.sport, 40000);
	assert_int_equal(s.dport, 80);
	assert_int_equal(s.seq, 0x11223344);
	assert_int_equal(s.ack, 0xaabbccdd);
	assert_int_equal(s.flags, TCP_F_ACK | TCP_F_PSH);
	assert_int_equal(s.wnd, 0x7210);
	assert_int_equal(s.mss, 0);
	assert_int_equal(s.wscale, -1);
	assert_false(s.sack_ok);
	assert_ptr_equal(s.payload.p, f + ETH + IP4 + TCPH);
	assert_int_equal(s.payload.len, 5);
	assert_int_equal(f[ETH + IP4 + TCPH + 4], 4 * 7 + 3);
}

static void test_tcp_ecn_bits_are_masked_out(void **state)
{
	size_t len = mk_seg(true, NULL, 0, 0, 0xc0 | TCP_F_SYN);
	struct tcp_seg s;

	(void)state;
	assert_int_equal(parse(len, &s, true), 0);
	assert_int_equal(s.flags, TCP_F_SYN);
	assert_int_equal(s.payload.len, 0);
}

static void test_tcp_options_of_every_kind(void **state)
{
	static const uint8_t o[] = {
		2,  4,	0x05, 0xb4, /* MSS 1460 */
		1,  3,	3,    7,    /* NOP, window scale 7 */
		4,  2,		    /* SACK permitted */
		8,  10, 1,    2,    3,	  4,	5, 6, 7, 8, /* timestamps */
		30, 6,	0,    0,    0,	  0,	/* unknown (MPTCP), skipped */
		1,  1,	0,    0xff, 0xff, 0xff, /* NOP, NOP, EOL, junk */
	};
	struct tcp_seg s;

	(void)state;
	assert_int_equal(sizeof(o) % 4, 0);
	assert_int_equal(parse_opts(o, sizeof(o), &s), 0);
	assert_int_equal(s.mss, 1460);
	assert_int_equal(s.wscale, 7);
	assert_true(s.sack_ok);
	assert_int_equal(s.payload.len, 3);
	assert_ptr_equal(s.payload.p, f + ETH + IP4 + TCPH + sizeof(o));
}

static void test_tcp_wscale_is_clamped_to_14(void **state)
{
	uint8_t o[4] = {1, 3, 3, 0};
	struct tcp_seg s;

	(void)state;
	assert_int_equal(parse_opts(o, 4, &s), 0);
	assert_int_equal(s.wscale, 0);
	o[3] = 14;
	assert_int_equal(parse_opts(o, 4, &s), 0);
	assert_int_equal(s.wscale, 14);
	o[3] = 15;
	assert_int_equal(parse_opts(o, 4, &s), 0);
	assert_int_equal(s.wscale, 14);
	o[3] = 255;
	assert_int_equal(parse_opts(o, 4, &s), 0);
	assert_int_equal(s.wscale, 14);
}

static void test_tcp_illegal_option_lengths_are_einval(void **state)
{
	static const uint8_t zero[4] = {2, 0, 0, 0};
	static const uint8_t one[4] = {1, 1, 30, 1};
	static const uint8_t past[4] = {2, 5, 0, 0};
	static const uint8_t far[8] = {8, 10, 0, 0, 0, 0, 0, 0};
	static const uint8_t nolen[4] = {1, 1, 1, 2};
	struct tcp_seg s;

	(void)state;
	assert_int_equal(parse_opts(zero, 4, &s), -EINVAL);
	assert_int_equal(parse_opts(one, 4, &s), -EINVAL);
	assert_int_equal(parse_opts(past, 4, &s), -EINVAL);
	assert_int_equal(parse_opts(far, 8, &s), -EINVAL);
	assert_int_equal(parse_opts(nolen, 4, &s), -EINVAL);
}

static void test_tcp_known_option_with_wrong_length_is_ignored(void **state)
{
	static const uint8_t o[12] = {
		2, 3, 0x05,    /* MSS of length 3 */
		3, 4, 9,    0, /* window scale of length 4 */
		4, 3, 0,       /* SACK permitted of length 3 */
		0, 0,
	};
	struct tcp_seg s;

	(void)state;
	assert_int_equal(parse_opts(o, sizeof(o), &s), 0);
	assert_int_equal(s.mss, 0);
	assert_int_equal(s.wscale, -1);
	assert_false(s.sack_ok);
}

static void test_tcp_data_offset_bounds(void **state)
{
	struct pkt_l4 p = {.family = AF_INET, .proto = PROTO_TCP};
	struct tcp_seg s;
	size_t len;

	(void)state;
	len = mk_seg(false, NULL, 0, 8, TCP_F_ACK);
	f[ETH + IP4 + 12] = 4 << 4;
	assert_int_equal(parse(len, &s, false), -EINVAL);
	f[ETH + IP4 + 12] = 0;
	assert_int_equal(parse(len, &s, false), -EINVAL);
	/* 28 bytes of segment: 7 words fit (the data read as NOPs), 8 don't */
	memset(f + ETH + IP4 + TCPH, 1, 8);
	f[ETH + IP4 + 12] = 7 << 4;
	assert_int_equal(parse(len, &s, false), 0);
	assert_int_equal(s.payload.len, 0);
	f[ETH + IP4 + 12] = 8 << 4;
	assert_int_equal(parse(len, &s, false), -EINVAL);

	/* Shorter than a header */
	p.l4 = pview_make(f + ETH + IP4, 19);
	assert_int_equal(tcp_seg_parse(&p, &s, false), -EINVAL);
	p.l4 = pview_make(NULL, 0);
	assert_int_equal(tcp_seg_parse(&p, &s, false), -EINVAL);
}

static void test_tcp_other_protocol_is_enoent(void **state)
{
	struct pkt_l4 p = {.family = AF_INET, .proto = 17};
	struct tcp_seg s;

	(void)state;
	mk_seg(false, NULL, 0, 8, TCP_F_ACK);
	p.l4 = pview_make(f + ETH + IP4, 28);
	assert_int_equal(tcp_seg_parse(&p, &s, true), -ENOENT);
}

static void check_csum_verification(bool v6)
{
	size_t len = mk_seg(v6, NULL, 0, 11, TCP_F_ACK);
	size_t l3 = v6 ? IP6 : IP4;
	struct tcp_seg s;
	uint16_t ck;

	assert_int_equal(parse(len, &s, true), 0);
	f[ETH + l3 + TCPH + 10] ^= 0x40; /* payload */
	assert_int_equal(parse(len, &s, true), -EINVAL);
	assert_int_equal(parse(len, &s, false), 0);
	f[ETH + l3 + TCPH + 10] ^= 0x40;
	f[ETH + l3 - 1] ^= 0x01; /* destination: pseudo-header only */
	if (!v6) {
		f[ETH + 10] = f[ETH + 11] = 0;
		ck = csum_ip4_header(f + ETH, IP4);
		memcpy(f + ETH + 10, &ck, 2);
	}
	assert_int_equal(parse(len, &s, true), -EINVAL);
	assert_int_equal(parse(len, &s, false), 0);
}

static void test_tcp_checksum_verified_over_ip4_pseudo_header(void **state)
{
	(void)state;
	check_csum_verification(false);
}

static void test_tcp_checksum_verified_over_ip6_pseudo_header(void **state)
{
	(void)state;
	check_csum_verification(true);
}

static void test_tcp_frame_payload_offsets(void **state)
{
	struct tcp_frame_opts mss = {.mss = 1460, .wscale = -1};
	struct tcp_frame_opts both = {.mss = 1460, .wscale = 7};
	struct tcp_frame_opts ws = {.mss = 0, .wscale = 0};
	struct tcp_frame_opts none = {.mss = 0, .wscale = -1};
	struct tcp_frame_hdr h4 = {0}, h6 = {0};

	(void)state;
	inany_from_v4(&h4.dst, (struct in_addr){htonl(0xcb007105)});
	memcpy(&h6.dst, dst6, 16);
	assert_int_equal(tcp_frame_payload_off(&h4, NULL), 54);
	assert_int_equal(tcp_frame_payload_off(&h4, &none), 54);
	assert_int_equal(tcp_frame_payload_off(&h4, &mss), 58);
	assert_int_equal(tcp_frame_payload_off(&h4, &ws), 58);
	assert_int_equal(tcp_frame_payload_off(&h4, &both), 62);
	assert_int_equal(tcp_frame_payload_off(&h6, NULL), 74);
	assert_int_equal(tcp_frame_payload_off(&h6, &both), 82);
}

static void flow_hdr(struct tcp_frame_hdr *h, bool v6)
{
	static const uint8_t mac_us[6] = {0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55};
	static const uint8_t mac_guest[6] = {0x02, 0, 0, 0, 0, 0x01};
	struct in_addr a;

	memset(h, 0, sizeof(*h));
	memcpy(h->src_mac, mac_us, 6);
	memcpy(h->dst_mac, mac_guest, 6);
	if (v6) {
		memcpy(&h->src, src6, 16);
		memcpy(&h->dst, dst6, 16);
	} else {
		memcpy(&a, src4, 4);
		inany_from_v4(&h->src, a);
		memcpy(&a, dst4, 4);
		inany_from_v4(&h->dst, a);
	}
	h->sport = 443;
	h->dport = 51234;
}

/* Build with tcp_frame_finish(), check the bytes, parse back, compare */
static void round_trip(bool v6, const struct tcp_frame_opts *o, size_t plen)
{
	const uint8_t flags = TCP_F_ACK | TCP_F_PSH | (o ? TCP_F_SYN : 0);
	uint8_t hdr[ETH + IP6 + TCPH + 8];
	struct tcp_frame_hdr h;
	size_t off, len, i;
	struct pkt_l4 p;
	struct tcp_seg s;

	flow_hdr(&h, v6);
	off = tcp_frame_payload_off(&h, o);
	memset(f, 0xa5, off);
	for (i = 0; i < plen; i++)
		f[off + i] = (uint8_t)(i * 13 + plen);
	len = tcp_frame_finish(f, &h, o, 0xfffffff0u, 0x01020304, flags, 29200,
			       plen);
	assert_int_equal(len, off + plen);
	assert_memory_equal(f, h.dst_mac, 6);
	assert_memory_equal(f + 6, h.src_mac, 6);
	if (v6) {
		assert_memory_equal(f + ETH, ((uint8_t[]){0x60, 0, 0, 0}), 4);
	} else {
		/* ver/IHL, TOS, ID 0, DF */
		assert_int_equal(f[ETH], 0x45);
		assert_int_equal(f[ETH + 1], 0);
		assert_memory_equal(f + ETH + 4, ((uint8_t[]){0, 0, 0x40, 0}),
				    4);
	}
	assert_int_equal(ref_tcp_sum(len), 0xffff);

	/* Every header byte is written: a different fill gives the same */
	memcpy(hdr, f, off);
	memset(f, 0x5a, off);
	tcp_frame_finish(f, &h, o, 0xfffffff0u, 0x01020304, flags, 29200, plen);
	assert_memory_equal(hdr, f, off);

	assert_int_equal(pkt_parse_ip(pview_make(f, len), &p), 0);
	assert_int_equal(p.family, v6 ? AF_INET6 : AF_INET);
	assert_true(inany_equals(&p.src, &h.src));
	assert_true(inany_equals(&p.dst, &h.dst));
	assert_int_equal(p.proto, PROTO_TCP);
	assert_int_equal(p.ttl, 64);
	assert_int_equal(tcp_seg_parse(&p, &s, true), 0);
	assert_int_equal(s.sport, 443);
	assert_int_equal(s.dport, 51234);
	assert_int_equal(s.seq, 0xfffffff0u);
	assert_int_equal(s.ack, 0x01020304);
	assert_int_equal(s.flags, flags);
	assert_int_equal(s.wnd, 29200);
	assert_int_equal(s.mss, o ? o->mss : 0);
	assert_int_equal(s.wscale, o ? o->wscale : -1);
	assert_false(s.sack_ok);
	assert_ptr_equal(s.payload.p, f + off);
	assert_int_equal(s.payload.len, plen);
	for (i = 0; i < plen; i++)
		assert_int_equal(s.payload.p[i], (uint8_t)(i * 13 + plen));
}

static const size_t sizes[] = {0, 1, 777, 1460, BIG};

static void test_tcp_round_trip_ip4_without_options(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		round_trip(false, NULL, sizes[i]);
}

static void test_tcp_round_trip_ip4_with_options(void **state)
{
	const struct tcp_frame_opts o[] = {
		{.mss = 1460, .wscale = 7},
		{.mss = 65495, .wscale = -1},
		{.mss = 0, .wscale = 14},
		{.mss = 0, .wscale = -1},
	};
	size_t i, j;

	(void)state;
	for (j = 0; j < sizeof(o) / sizeof(o[0]); j++)
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			round_trip(false, &o[j], sizes[i]);
}

static void test_tcp_round_trip_ip6_without_options(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		round_trip(true, NULL, sizes[i]);
}

static void test_tcp_round_trip_ip6_with_options(void **state)
{
	const struct tcp_frame_opts o[] = {
		{.mss = 1440, .wscale = 0},
		{.mss = 1220, .wscale = -1},
		{.mss = 0, .wscale = 9},
	};
	size_t i, j;

	(void)state;
	for (j = 0; j < sizeof(o) / sizeof(o[0]); j++)
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			round_trip(true, &o[j], sizes[i]);
}

static void test_tcp_frame_option_bytes_on_the_wire(void **state)
{
	const struct tcp_frame_opts o = {.mss = 1460, .wscale = 7};
	static const uint8_t want[8] = {2, 4, 0x05, 0xb4, 1, 3, 3, 7};
	struct tcp_frame_hdr h;
	size_t len;

	(void)state;
	flow_hdr(&h, false);
	len = tcp_frame_finish(f, &h, &o, 1, 0, TCP_F_SYN, 65535, 0);
	assert_int_equal(len, 62);
	assert_int_equal(f[ETH + IP4 + 12], 7 << 4);
	assert_memory_equal(f + ETH + IP4 + TCPH, want, 8);
	/* Total length 48, TTL 64, protocol 6, urgent pointer 0 */
	assert_int_equal(f[ETH + 2] << 8 | f[ETH + 3], 48);
	assert_int_equal(f[ETH + 8], 64);
	assert_int_equal(f[ETH + 9], PROTO_TCP);
	assert_int_equal(f[ETH + IP4 + 18] | f[ETH + IP4 + 19], 0);
	assert_int_equal(f[12] << 8 | f[13], 0x0800);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_header_fields_in_host_order),
		cmocka_unit_test(test_tcp_ecn_bits_are_masked_out),
		cmocka_unit_test(test_tcp_options_of_every_kind),
		cmocka_unit_test(test_tcp_wscale_is_clamped_to_14),
		cmocka_unit_test(test_tcp_illegal_option_lengths_are_einval),
		cmocka_unit_test(
			test_tcp_known_option_with_wrong_length_is_ignored),
		cmocka_unit_test(test_tcp_data_offset_bounds),
		cmocka_unit_test(test_tcp_other_protocol_is_enoent),
		cmocka_unit_test(
			test_tcp_checksum_verified_over_ip4_pseudo_header),
		cmocka_unit_test(
			test_tcp_checksum_verified_over_ip6_pseudo_header),
		cmocka_unit_test(test_tcp_frame_payload_offsets),
		cmocka_unit_test(test_tcp_round_trip_ip4_without_options),
		cmocka_unit_test(test_tcp_round_trip_ip4_with_options),
		cmocka_unit_test(test_tcp_round_trip_ip6_without_options),
		cmocka_unit_test(test_tcp_round_trip_ip6_with_options),
		cmocka_unit_test(test_tcp_frame_option_bytes_on_the_wire),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
