/* SPDX-License-Identifier: GPL-2.0-or-later */
/* l2_fixture.h - shared configuration and frame helpers for the L2 tests
 *
 * Requests are assembled byte by byte here (not with the frame builders under
 * test), and replies are checked at fixed offsets, with their checksums
 * verified through the csum_*() functions that test_checksum checks against
 * published vectors. Include after cmocka.h.
 */
#ifndef TESTS_L2_FIXTURE_H
#define TESTS_L2_FIXTURE_H

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "packet/checksum.h"
#include "services/l2.h"

static const uint8_t fx_our_mac[6] = {0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55};
static const uint8_t fx_guest_mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

/**
 * fx_conf() - The example configuration of the brief
 * @c:		Filled
 */
static inline void fx_conf(struct l2_conf *c)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->our_mac, fx_our_mac, 6);
	c->v4 = true;
	inet_pton(AF_INET, "192.0.2.10", &c->addr4);
	c->prefix4 = 24;
	inet_pton(AF_INET, "192.0.2.1", &c->gw4);
	inet_pton(AF_INET, "192.0.2.53", &c->dns4[0]);
	c->dns4_n = 1;
	c->v6 = true;
	inet_pton(AF_INET6, "2001:db8::10", &c->addr6);
	c->prefix6 = 64;
	inet_pton(AF_INET6, "fe80::1", &c->gw6);
	inet_pton(AF_INET6, "fe80::1", &c->our_ll6);
	inet_pton(AF_INET6, "2001:db8::53", &c->dns6[0]);
	c->dns6_n = 1;
	snprintf(c->search[0], sizeof(c->search[0]), "%s", "example.test");
	c->search_n = 1;
	c->mtu = 65520;
}

/**
 * fx_long_domain() - Write a 196-character name of three 63-byte labels
 * @dst:	Destination, L2_DOMAIN_MAX + 1 bytes
 * @fill:	Character of the first label
 */
static inline void fx_long_domain(char *dst, char fill)
{
	memset(dst, fill, 63);
	dst[63] = '.';
	memset(dst + 64, 'b', 63);
	dst[127] = '.';
	memset(dst + 128, 'c', 63);
	memcpy(dst + 191, ".test", sizeof(".test"));
}

static inline uint16_t fx_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t fx_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void fx_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline struct in_addr fx_ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a;
}

static inline struct in6_addr fx_ip6(const char *s)
{
	struct in6_addr a;

	inet_pton(AF_INET6, s, &a);
	return a;
}

/**
 * fx_assert_ip4() - Check 4 bytes of a frame against an IPv4 address
 * @p:		Bytes
 * @s:		Address, dotted quad
 */
static inline void fx_assert_ip4(const uint8_t *p, const char *s)
{
	struct in_addr a = fx_ip4(s);

	assert_memory_equal(p, &a, 4);
}

/**
 * fx_assert_ip6() - Check 16 bytes of a frame against an IPv6 address
 * @p:		Bytes
 * @s:		Address, text form
 */
static inline void fx_assert_ip6(const uint8_t *p, const char *s)
{
	struct in6_addr a = fx_ip6(s);

	assert_memory_equal(p, &a, 16);
}

/**
 * fx_eth() - Write an Ethernet header
 * @f:		Frame
 * @dst:	Destination MAC
 * @src:	Source MAC
 * @type:	Ethertype
 *
 * Return: 14
 */
static inline size_t fx_eth(uint8_t *f, const uint8_t *dst, const uint8_t *src,
			    uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	fx_put16(f + 12, type);
	return 14;
}

/**
 * fx_udp4() - Write an IPv4/UDP frame from the guest
 * @f:		Frame buffer
 * @src:	IPv4 source
 * @dst:	IPv4 destination
 * @sport:	UDP source port
 * @dport:	UDP destination port
 * @data:	UDP payload
 * @len:	Its length
 *
 * Return: frame length
 */
static inline size_t fx_udp4(uint8_t *f, struct in_addr src, struct in_addr dst,
			     uint16_t sport, uint16_t dport, const void *data,
			     size_t len)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint8_t *ip = f + 14, *udp = f + 34;
	uint16_t ck;

	fx_eth(f, bcast, fx_guest_mac, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	fx_put16(ip + 2, (uint16_t)(20 + 8 + len));
	ip[8] = 64;
	ip[9] = 17;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	ck = csum_ip4_header(ip, 20);
	memcpy(ip + 10, &ck, 2);

	fx_put16(udp, sport);
	fx_put16(udp + 2, dport);
	fx_put16(udp + 4, (uint16_t)(8 + len));
	fx_put16(udp + 6, 0);
	memcpy(udp + 8, data, len);
	ck = csum_l4_ip4(src, dst, 17, udp, 8 + len);
	memcpy(udp + 6, &ck, 2);
	return 42 + len;
}

/**
 * fx_frame6() - Write an IPv6 frame from the guest, with its L4 checksum
 * @f:		Frame buffer
 * @dst_mac:	Destination MAC
 * @src:	IPv6 source
 * @dst:	IPv6 destination
 * @nh:		Next header: 17 or 58
 * @hop:	Hop limit
 * @l4:		L4 header and payload, checksum field zero
 * @len:	Its length
 *
 * Return: frame length
 */
static inline size_t fx_frame6(uint8_t *f, const uint8_t *dst_mac,
			       const struct in6_addr *src,
			       const struct in6_addr *dst, uint8_t nh,
			       uint8_t hop, const void *l4, size_t len)
{
	uint8_t *ip = f + 14, *p = f + 54;
	size_t ckoff = nh == 17 ? 6 : 2;
	uint16_t ck;

	fx_eth(f, dst_mac, fx_guest_mac, 0x86dd);
	memset(ip, 0, 40);
	ip[0] = 0x60;
	fx_put16(ip + 4, (uint16_t)len);
	ip[6] = nh;
	ip[7] = hop;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	memcpy(p, l4, len);
	ck = csum_l4_ip6(src, dst, nh, p, len);
	memcpy(p + ckoff, &ck, 2);
	return 54 + len;
}

/**
 * fx_check_ip4_udp() - Check headers and checksums of an IPv4/UDP reply
 * @f:		Reply frame
 * @len:	Its length
 */
static inline void fx_check_ip4_udp(const uint8_t *f, size_t len)
{
	struct in_addr s, d;
	size_t ulen;

	assert_true(len >= 60);
	assert_memory_equal(f + 6, fx_our_mac, 6);
	assert_int_equal(fx_get16(f + 12), 0x0800);
	assert_int_equal(f[14], 0x45);
	assert_int_equal(fx_get16(f + 16), len - 14);
	assert_int_equal(f[23], 17);
	assert_int_equal(csum_ip4_header(f + 14, 20), 0);
	ulen = fx_get16(f + 38);
	assert_int_equal(ulen, len - 34);
	memcpy(&s, f + 26, 4);
	memcpy(&d, f + 30, 4);
	assert_int_not_equal(fx_get16(f + 40), 0);
	assert_int_equal(csum_l4_ip4(s, d, 17, f + 34, ulen), 0);
}

/**
 * fx_check_ip6() - Check headers and L4 checksum of an IPv6 reply
 * @f:		Reply frame
 * @len:	Its length
 * @nh:		Expected next header
 */
static inline void fx_check_ip6(const uint8_t *f, size_t len, uint8_t nh)
{
	struct in6_addr s, d;

	assert_true(len >= 60);
	assert_memory_equal(f + 6, fx_our_mac, 6);
	assert_int_equal(fx_get16(f + 12), 0x86dd);
	assert_int_equal(f[14] >> 4, 6);
	assert_int_equal(fx_get16(f + 18), len - 54);
	assert_int_equal(f[20], nh);
	assert_int_equal(f[21], 255);
	memcpy(&s, f + 22, 16);
	memcpy(&d, f + 38, 16);
	assert_int_equal(csum_l4_ip6(&s, &d, nh, f + 54, len - 54), 0);
}

/**
 * fx_call() - Run a responder with a canary after the reply buffer
 * @fn:		Responder
 * @c:		Configuration, checked to be left unchanged
 * @f:		Request frame
 * @flen:	Its length
 * @buf:	Reply buffer, at least @cap + 64 bytes
 * @cap:	Capacity given to the responder
 * @len:	Reply length, set
 *
 * Return: the verdict
 */
static inline enum l2_verdict
fx_call(enum l2_verdict (*fn)(const struct l2_conf *, struct pview,
			      struct l2_reply *),
	const struct l2_conf *c, const uint8_t *f, size_t flen, uint8_t *buf,
	size_t cap, size_t *len)
{
	struct l2_reply r = {.buf = buf, .cap = cap};
	struct l2_conf copy = *c;
	enum l2_verdict v;
	size_t i;

	memset(buf, 0xa5, cap + 64);
	v = fn(c, pview_make(f, flen), &r);
	for (i = cap; i < cap + 64; i++)
		assert_int_equal(buf[i], 0xa5);
	assert_memory_equal(&copy, c, sizeof(copy));
	if (v == L2_REPLY) {
		assert_true(r.len >= L2_ETH_MIN_FRAME && r.len <= cap);
	}
	*len = r.len;
	return v;
}

#endif /* TESTS_L2_FIXTURE_H */
