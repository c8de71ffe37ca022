// SPDX-License-Identifier: GPL-2.0-or-later
/* test_padding.c - frames from the guest padded past their IP packet
 *
 * Ethernet frames are at least 60 bytes long: a guest's stack or its NIC
 * model (e1000 does, virtio-net may) pads a short packet, a TCP ACK, a small
 * UDP datagram, an echo request, an ARP message, with bytes that belong to
 * no layer. Each test builds such a frame byte by byte, pads it with 0xee
 * (never zeroes, which a checksum wouldn't notice) and checks that every
 * consumer sees exactly the packet the IP header announces: the IP parser
 * of the transports, the TCP checksum and payload, the UDP and ICMP
 * parsers, the responders' parser and fragment reassembly. A frame shorter
 * than its IP header says is still refused.
 */

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
#include "packet/frag.h"
#include "packet/frame.h"
#include "packet/icmp.h"
#include "packet/ip.h"

enum {
	ETH = 14,
	IP4 = 20,
	IP6 = 40,
	TCP = 20,
	UDP = 8,
	MIN_FRAME = 60,
	PAD = 0xee,
	P_ICMP = 1,
	P_TCP = 6,
	P_UDP = 17,
	P_FRAG6 = 44,
	P_ICMP6 = 58,
};

static const char *const src4 = "192.0.2.10", *const dst4 = "198.51.100.7";
static const char *const src6 = "2001:db8::10", *const dst6 = "2001:db8:1::1";

static uint8_t f[256];
static struct frag_table tbl;

static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/**
 * ip4() - Ethernet and IPv4 headers at the start of f[]
 * @proto:	Protocol
 * @l4len:	Bytes after the IPv4 header (total length - 20)
 * @frag:	Flags and fragment offset field
 */
static void ip4(uint8_t proto, size_t l4len, uint16_t frag)
{
	uint16_t ck;

	memset(f, 0, ETH + IP4);
	memset(f, 0x02, 6);
	memset(f + 6, 0x52, 6);
	put16(f + 12, 0x0800);
	f[ETH] = 0x45;
	put16(f + ETH + 2, IP4 + l4len);
	put16(f + ETH + 4, 0x4242);
	put16(f + ETH + 6, frag);
	f[ETH + 8] = 64;
	f[ETH + 9] = proto;
	inet_pton(AF_INET, src4, f + ETH + 12);
	inet_pton(AF_INET, dst4, f + ETH + 16);
	ck = csum_ip4_header(f + ETH, IP4);
	memcpy(f + ETH + 10, &ck, 2);
}

/**
 * ip6() - Ethernet and IPv6 headers at the start of f[]
 * @nh:		Next header
 * @plen:	Payload length
 */
static void ip6(uint8_t nh, size_t plen)
{
	memset(f, 0, ETH + IP6);
	memset(f, 0x02, 6);
	memset(f + 6, 0x52, 6);
	put16(f + 12, 0x86dd);
	f[ETH] = 0x60;
	put16(f + ETH + 4, plen);
	f[ETH + 6] = nh;
	f[ETH + 7] = 64;
	inet_pton(AF_INET6, src6, f + ETH + 8);
	inet_pton(AF_INET6, dst6, f + ETH + 24);
}

/* L4 checksum of @len bytes at @l4 into the field at @l4 + @off */
static void l4_csum4(uint8_t proto, size_t off, size_t len)
{
	struct in_addr s, d;
	uint16_t ck;

	inet_pton(AF_INET, src4, &s);
	inet_pton(AF_INET, dst4, &d);
	memset(f + ETH + IP4 + off, 0, 2);
	ck = csum_l4_ip4(s, d, proto, f + ETH + IP4, len);
	memcpy(f + ETH + IP4 + off, &ck, 2);
}

static void l4_csum6(uint8_t proto, size_t off, size_t len)
{
	struct in6_addr s, d;
	uint16_t ck;

	inet_pton(AF_INET6, src6, &s);
	inet_pton(AF_INET6, dst6, &d);
	memset(f + ETH + IP6 + off, 0, 2);
	ck = csum_l4_ip6(&s, &d, proto, f + ETH + IP6, len);
	memcpy(f + ETH + IP6 + off, &ck, 2);
}

/* TCP header at @l4: ports 40000 -> 80, ACK (and PSH with data) */
static void tcp_hdr(uint8_t *l4, size_t datalen)
{
	memset(l4, 0, TCP);
	put16(l4, 40000);
	put16(l4 + 2, 80);
	put16(l4 + 4, 0x1234);
	put16(l4 + 8, 0x5678);
	l4[12] = 5 << 4;
	l4[13] = datalen ? TCP_F_ACK | TCP_F_PSH : TCP_F_ACK;
	put16(l4 + 14, 1024);
}

/* Pad f[] from @len to @to bytes with PAD: the length of the frame */
static size_t pad(size_t len, size_t to)
{
	memset(f + len, PAD, to - len);
	return to;
}

static void test_tcp_ack4_padded(void **state)
{
	struct tcp_seg s;
	struct pkt_l4 p;
	size_t len;

	(void)state;
	ip4(P_TCP, TCP, 0x4000);
	tcp_hdr(f + ETH + IP4, 0);
	l4_csum4(P_TCP, 16, TCP);
	len = pad(ETH + IP4 + TCP, MIN_FRAME);

	assert_int_equal(pkt_parse_ip(pview_make(f, len), &p), 0);
	assert_int_equal(p.l4.len, TCP);
	/* the checksum covers the IP payload only, not the padding */
	assert_int_equal(tcp_seg_parse(&p, &s, true), 0);
	assert_int_equal(s.flags, TCP_F_ACK);
	assert_int_equal(s.payload.len, 0);
}

static void test_tcp_data4_padded(void **state)
{
	struct tcp_seg s;
	struct pkt_l4 p;
	size_t len;

	(void)state;
	ip4(P_TCP, TCP + 2, 0x4000);
	tcp_hdr(f + ETH + IP4, 2);
	memcpy(f + ETH + IP4 + TCP, "hi", 2);
	l4_csum4(P_TCP, 16, TCP + 2);
	len = pad(ETH + IP4 + TCP + 2, MIN_FRAME);

	assert_int_equal(pkt_parse_ip(pview_make(f, len), &p), 0);
	assert_int_equal(tcp_seg_parse(&p, &s, true), 0);
	assert_int_equal(s.payload.len, 2);
	assert_memory_equal(s.payload.p, "hi", 2);

	/* The same bytes counted as payload would fail the checksum */
	put16(f + ETH + 2, IP4 + TCP + 4);
	memset(f + ETH + 10, 0, 2);
	{
		uint16_t ck = csum_ip4_header(f + ETH, IP4);

		memcpy(f + ETH + 10, &ck, 2);
	}
	assert_int_equal(pkt_parse_ip(pview_make(f, len), &p), 0);
	assert_int_equal(tcp_seg_parse(&p, &s, true), -EINVAL);
}

static void test_udp4_padded(void **state)
{
	struct frame_udp u;
	struct frame_ip ip;
	struct frame_eth e;
	struct pkt_l4 p;
	size_t len;

	(void)state;
	ip4(P_UDP, UDP + 1, 0);
	put16(f + ETH + IP4, 5353);
	put16(f + ETH + IP4 + 2, 10007);
	put16(f + ETH + IP4 + 4, UDP + 1);
	f[ETH + IP4 + UDP] = 'x';
	l4_csum4(P_UDP, 6, UDP + 1);
	len = pad(ETH + IP4 + UDP + 1, MIN_FRAME);

	/* the transports' parser */
	assert_int_equal(pkt_parse_ip(pview_make(f, len), &p), 0);
	assert_int_equal(p.l4.len, UDP + 1);
	assert_true(frame_udp_parse(p.l4, &u) && u.ok);
	assert_int_equal(u.data.len, 1);
	assert_int_equal(u.data.p[0], 'x');

	/* the responders' parser (DHCP) */
	assert_true(frame_eth_parse(pview_make(f, len), &e));
	assert_true(frame_ip4_parse(e.payload, &ip) && ip.ok);
	assert_int_equal(ip.l4.len, UDP + 1);
	assert_true(frame_udp_parse(ip.l4, &u) && u.ok);
	assert_int_equal(u.data.len, 1);
}

static void test_icmp4_echo_padded(void **state)
{
	struct icmp_echo e;
	struct pkt_l4 p;
	size_t len;

	(void)state;
	ip4(P_ICMP, 8 + 4, 0);
	memset(f + ETH + IP4, 0, 8);
	f[ETH + IP4] = 8; /* echo request */
	put16(f + ETH + IP4 + 4, 0x77);
	put16(f + ETH + IP4 + 6, 3);
	memcpy(f + ETH + IP4 + 8, "ping", 4);
	memset(f + ETH + IP4 + 2, 0, 2);
	{
		uint16_t ck = csum_fold(csum_partial(f + ETH + IP4, 12, 0));

		memcpy(f + ETH + IP4 + 2, &ck, 2);
	}
	len = pad(ETH + IP4 + 12, MIN_FRAME);

	assert_int_equal(pkt_parse_ip(pview_make(f, len), &p), 0);
	assert_int_equal(p.l4.len, 12);
	assert_int_equal(icmp_echo_parse(p.l4, false, &e), 0);
	assert_int_equal(e.id, 0x77);
	assert_int_equal(e.seq, 3);
	assert_int_equal(e.data.len, 4);
	assert_memory_equal(e.data.p, "ping", 4);
}

static void test_ip6_trailing_bytes_trimmed(void **state)
{
	struct icmp_echo e;
	struct frame_udp u;
	struct tcp_seg s;
	struct pkt_l4 p;
	size_t len;

	(void)state;
	/* An IPv6 frame is never shorter than 62 bytes, but whatever a link
	 * appends after the payload length is not part of the packet either
	 */
	ip6(P_TCP, TCP);
	tcp_hdr(f + ETH + IP6, 0);
	l4_csum6(P_TCP, 16, TCP);
	len = pad(ETH + IP6 + TCP, ETH + IP6 + TCP + 6);
	assert_int_equal(pkt_parse_ip(pview_make(f, len), &p), 0);
	assert_int_equal(p.family, AF_INET6);
	assert_int_equal(p.l4.len, TCP);
	assert_int_equal(tcp_seg_parse(&p, &s, true), 0);
	assert_int_equal(s.payload.len, 0);

	ip6(P_UDP, UDP + 1);
	put16(f + ETH + IP6, 5353);
	put16(f + ETH + IP6 + 2, 10007);
	put16(f + ETH + IP6 + 4, UDP + 1);
	f[ETH + IP6 + UDP] = 'y';
	l4_csum6(P_UDP, 6, UDP + 1);
	len = pad(ETH + IP6 + UDP + 1, 80);
	assert_int_equal(pkt_parse_ip(pview_make(f, len), &p), 0);
	assert_int_equal(p.l4.len, UDP + 1);
	assert_true(frame_udp_parse(p.l4, &u) && u.ok);
	assert_int_equal(u.data.len, 1);

	ip6(P_ICMP6, 8 + 2);
	memset(f + ETH + IP6, 0, 8);
	f[ETH + IP6] = 128; /* echo request */
	put16(f + ETH + IP6 + 4, 0x99);
	memcpy(f + ETH + IP6 + 8, "v6", 2);
	l4_csum6(P_ICMP6, 2, 10);
	len = pad(ETH + IP6 + 10, 80);
	assert_int_equal(pkt_parse_ip(pview_make(f, len), &p), 0);
	assert_int_equal(icmp_echo_parse(p.l4, true, &e), 0);
	assert_int_equal(e.data.len, 2);
}

static void test_shorter_than_announced_is_refused(void **state)
{
	struct pkt_l4 p;

	(void)state;
	/* IPv4 total length 44 in a 60-byte frame: fine; 47 in a 60-byte
	 * frame (46 available): malformed
	 */
	ip4(P_UDP, 24, 0);
	pad(ETH + IP4, MIN_FRAME);
	assert_int_equal(pkt_parse_ip(pview_make(f, MIN_FRAME), &p), 0);
	assert_int_equal(p.l4.len, 24);
	ip4(P_UDP, 27, 0);
	assert_int_equal(pkt_parse_ip(pview_make(f, MIN_FRAME), &p), -EINVAL);

	ip6(P_UDP, 9);
	assert_int_equal(pkt_parse_ip(pview_make(f, ETH + IP6 + 8), &p),
			 -EINVAL);
	assert_int_equal(pkt_parse_ip(pview_make(f, ETH + IP6 + 9), &p), 0);
}

static void test_padded_last_fragment_reassembled(void **state)
{
	struct pview out;
	struct pkt_l4 p;
	size_t len, i;

	(void)state;
	memset(&tbl, 0, sizeof(tbl));

	/* UDP datagram of 8 + 12 bytes: the first fragment holds the header
	 * and 8 bytes, the second one the last 4, padded to 60
	 */
	ip4(P_UDP, 16, 0x2000); /* MF, offset 0 */
	put16(f + ETH + IP4, 5353);
	put16(f + ETH + IP4 + 2, 10007);
	put16(f + ETH + IP4 + 4, UDP + 12);
	for (i = 0; i < 8; i++)
		f[ETH + IP4 + UDP + i] = (uint8_t)('a' + i);
	len = pad(ETH + IP4 + 16, MIN_FRAME);
	assert_int_equal(frag_input(&tbl, pview_make(f, len), 0, &out),
			 FRAG_PENDING);

	ip4(P_UDP, 4, 2); /* offset 2 * 8 = 16 */
	memcpy(f + ETH + IP4, "ijkl", 4);
	len = pad(ETH + IP4 + 4, MIN_FRAME);
	assert_int_equal(frag_input(&tbl, pview_make(f, len), 0, &out),
			 FRAG_DONE);

	assert_int_equal(pkt_parse_ip(out, &p), 0);
	assert_int_equal(p.l4.len, UDP + 12);
	assert_memory_equal(p.l4.p + UDP, "abcdefghijkl", 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_ack4_padded),
		cmocka_unit_test(test_tcp_data4_padded),
		cmocka_unit_test(test_udp4_padded),
		cmocka_unit_test(test_icmp4_echo_padded),
		cmocka_unit_test(test_ip6_trailing_bytes_trimmed),
		cmocka_unit_test(test_shorter_than_announced_is_refused),
		cmocka_unit_test(test_padded_last_fragment_reassembled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
