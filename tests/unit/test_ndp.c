// SPDX-License-Identifier: GPL-2.0-or-later
/* test_ndp.c - unit tests of the NDP responder and of ndp_ra_build() */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "l2_fixture.h"

#define BUFSZ	(L2_REPLY_MAX + 64)
#define RA_OPTS (54 + 16)

static const uint8_t mc_mac[6] = {0x33, 0x33, 0xff, 0, 0, 0x01};
static const uint8_t all_routers_mac[6] = {0x33, 0x33, 0, 0, 0, 0x02};

/**
 * ns_frame() - Build a Neighbour Solicitation from the guest
 * @f:		Frame buffer
 * @src:	IPv6 source
 * @target:	Target address
 * @hop:	Hop limit
 *
 * Return: frame length
 */
static size_t ns_frame(uint8_t *f, const char *src, const char *target,
		       uint8_t hop)
{
	uint8_t ns[32] = {135, 0};
	struct in6_addr s = fx_ip6(src), t = fx_ip6(target);
	struct in6_addr d = fx_ip6("ff02::1:ff00:1");
	size_t len = 24;

	memcpy(ns + 8, &t, 16);
	if (!IN6_IS_ADDR_UNSPECIFIED(&s)) {
		ns[24] = 1;
		ns[25] = 1;
		memcpy(ns + 26, fx_guest_mac, 6);
		len = 32;
	}
	return fx_frame6(f, mc_mac, &s, &d, 58, hop, ns, len);
}

/**
 * rs_frame() - Build a Router Solicitation from the guest
 * @f:		Frame buffer
 * @src:	IPv6 source
 * @slla:	Include a source link-layer address option
 *
 * Return: frame length
 */
static size_t rs_frame(uint8_t *f, const char *src, bool slla)
{
	uint8_t rs[16] = {133, 0, 0, 0, 0, 0, 0, 0, 1, 1};
	struct in6_addr s = fx_ip6(src), d = fx_ip6("ff02::2");

	memcpy(rs + 10, fx_guest_mac, 6);
	return fx_frame6(f, all_routers_mac, &s, &d, 58, 255, rs,
			 slla ? 16 : 8);
}

/**
 * ra_opt() - Find an option in a Router Advertisement
 * @f:		Frame
 * @len:	Its length
 * @type:	Option type
 *
 * Return: the option (type byte first), NULL if absent
 */
static const uint8_t *ra_opt(const uint8_t *f, size_t len, uint8_t type)
{
	size_t off = RA_OPTS;

	while (off + 2 <= len) {
		assert_int_not_equal(f[off + 1], 0);
		assert_true(off + (size_t)f[off + 1] * 8 <= len);
		if (f[off] == type)
			return f + off;
		off += (size_t)f[off + 1] * 8;
	}
	assert_int_equal(off, len);
	return NULL;
}

static enum l2_verdict run(const struct l2_conf *c, const uint8_t *f,
			   size_t flen, uint8_t *buf, size_t *len)
{
	return fx_call(ndp_handle, c, f, flen, buf, L2_REPLY_MAX, len);
}

static void test_ndp_ns_na_fields(void **state)
{
	uint8_t f[256], buf[BUFSZ];
	struct l2_conf c;
	size_t len;

	(void)state;
	fx_conf(&c);
	assert_int_equal(
		run(&c, f,
		    ns_frame(f, "fe80::5054:ff:fe12:3456", "fe80::1", 255), buf,
		    &len),
		L2_REPLY);
	assert_int_equal(len, 54 + 32);
	fx_check_ip6(buf, len, 58);
	assert_memory_equal(buf, fx_guest_mac, 6);
	fx_assert_ip6(buf + 22, "fe80::1");
	fx_assert_ip6(buf + 38, "fe80::5054:ff:fe12:3456");
	assert_int_equal(buf[54], 136);
	assert_int_equal(buf[55], 0);
	assert_int_equal(fx_get32(buf + 58), 0xe0000000); /* R, S, O */
	fx_assert_ip6(buf + 62, "fe80::1");
	assert_int_equal(buf[78], 2);
	assert_int_equal(buf[79], 1);
	assert_memory_equal(buf + 80, fx_our_mac, 6);
}

static void test_ndp_ns_any_other_target(void **state)
{
	uint8_t f[256], buf[BUFSZ];
	struct l2_conf c;
	size_t len;

	(void)state;
	fx_conf(&c);
	assert_int_equal(run(&c, f,
			     ns_frame(f, "2001:db8::10", "2001:db8::99", 255),
			     buf, &len),
			 L2_REPLY);
	fx_assert_ip6(buf + 62, "2001:db8::99");
	fx_assert_ip6(buf + 38, "2001:db8::10");
}

static void test_ndp_dad_ns_never_answered(void **state)
{
	uint8_t f[256], buf[BUFSZ];
	struct l2_conf c;
	size_t len;

	(void)state;
	fx_conf(&c);
	assert_int_equal(
		run(&c, f, ns_frame(f, "::", "2001:db8::10", 255), buf, &len),
		L2_DROP);
	assert_int_equal(
		run(&c, f, ns_frame(f, "::", "fe80::1234", 255), buf, &len),
		L2_DROP);
	assert_int_equal(len, 0);
}

static void test_ndp_ns_guest_own_and_multicast_target(void **state)
{
	uint8_t f[256], buf[BUFSZ];
	struct l2_conf c;
	size_t len;

	(void)state;
	fx_conf(&c);
	assert_int_equal(
		run(&c, f,
		    ns_frame(f, "fe80::5054:ff:fe12:3456", "2001:db8::10", 255),
		    buf, &len),
		L2_DROP);
	assert_int_equal(
		run(&c, f,
		    ns_frame(f, "fe80::5054:ff:fe12:3456", "ff02::1", 255), buf,
		    &len),
		L2_DROP);
}

static void test_ndp_wrong_hop_limit_dropped(void **state)
{
	uint8_t f[256], buf[BUFSZ];
	struct l2_conf c;
	size_t len, flen;

	(void)state;
	fx_conf(&c);
	assert_int_equal(
		run(&c, f, ns_frame(f, "fe80::2", "fe80::1", 64), buf, &len),
		L2_DROP);
	flen = rs_frame(f, "fe80::2", true);
	assert_int_equal(run(&c, f, flen, buf, &len), L2_REPLY);
	f[21] = 254; /* not in the ICMPv6 checksum: only the hop limit */
	assert_int_equal(run(&c, f, flen, buf, &len), L2_DROP);
}

static void test_ndp_bad_checksum_dropped(void **state)
{
	uint8_t f[256], buf[BUFSZ];
	struct l2_conf c;
	size_t len, flen;

	(void)state;
	fx_conf(&c);
	flen = ns_frame(f, "fe80::2", "fe80::1", 255);
	f[56] ^= 0x40;
	assert_int_equal(run(&c, f, flen, buf, &len), L2_DROP);
	flen = rs_frame(f, "fe80::2", false);
	f[57] ^= 1;
	assert_int_equal(run(&c, f, flen, buf, &len), L2_DROP);
}

static void test_ndp_nonzero_code_and_zero_option_dropped(void **state)
{
	uint8_t ns[32] = {135, 1}, f[256], buf[BUFSZ];
	struct in6_addr s = fx_ip6("fe80::2"), d = fx_ip6("ff02::1:ff00:1");
	struct l2_conf c;
	size_t len, flen;

	(void)state;
	fx_conf(&c);
	memcpy(ns + 8, &c.gw6, 16);
	flen = fx_frame6(f, mc_mac, &s, &d, 58, 255, ns, 24);
	assert_int_equal(run(&c, f, flen, buf, &len), L2_DROP);

	/* 7.1.1: an option with length zero invalidates the message */
	ns[1] = 0;
	ns[24] = 1;
	flen = fx_frame6(f, mc_mac, &s, &d, 58, 255, ns, 32);
	assert_int_equal(run(&c, f, flen, buf, &len), L2_DROP);

	/* An option running past the end, too */
	ns[25] = 2;
	flen = fx_frame6(f, mc_mac, &s, &d, 58, 255, ns, 32);
	assert_int_equal(run(&c, f, flen, buf, &len), L2_DROP);
}

static void test_ndp_truncated_every_length(void **state)
{
	uint8_t f[256], buf[BUFSZ];
	struct l2_conf c;
	size_t len, flen, n;

	(void)state;
	fx_conf(&c);
	flen = ns_frame(f, "fe80::2", "fe80::1", 255);
	for (n = 0; n < flen; n++)
		assert_int_equal(run(&c, f, n, buf, &len),
				 n <= 54 ? L2_NOT_MINE : L2_DROP);
	assert_int_equal(run(&c, f, flen, buf, &len), L2_REPLY);

	flen = rs_frame(f, "fe80::2", true);
	for (n = 0; n < flen; n++)
		assert_int_equal(run(&c, f, n, buf, &len),
				 n <= 54 ? L2_NOT_MINE : L2_DROP);
}

static void test_ndp_rs_ra_fields(void **state)
{
	static const uint8_t dnssl[] = {7,   'e', 'x', 'a', 'm', 'p', 'l',
					'e', 4,	  't', 'e', 's', 't', 0};
	uint8_t f[256], buf[BUFSZ];
	const uint8_t *o;
	struct l2_conf c;
	size_t len, i;

	(void)state;
	fx_conf(&c);
	assert_int_equal(run(&c, f, rs_frame(f, "fe80::2", true), buf, &len),
			 L2_REPLY);
	fx_check_ip6(buf, len, 58);
	assert_memory_equal(buf, fx_guest_mac, 6);
	fx_assert_ip6(buf + 22, "fe80::1");
	fx_assert_ip6(buf + 38, "fe80::2");
	assert_int_equal(buf[54], 134);
	assert_int_equal(buf[55], 0);
	assert_int_equal(buf[58], 255);
	assert_int_equal(buf[59], 0xc0); /* M, O */
	assert_int_equal(fx_get16(buf + 60), 9000);

	o = ra_opt(buf, len, 1);
	assert_true(o && o[1] == 1);
	assert_memory_equal(o + 2, fx_our_mac, 6);
	o = ra_opt(buf, len, 5);
	assert_true(o && o[1] == 1 && fx_get32(o + 4) == 65520);
	o = ra_opt(buf, len, 3);
	assert_true(o && o[1] == 4);
	assert_int_equal(o[2], 64);
	assert_int_equal(o[3], 0xc0); /* L, A */
	assert_int_equal(fx_get32(o + 4), 0xffffffff);
	assert_int_equal(fx_get32(o + 8), 0xffffffff);
	fx_assert_ip6(o + 16, "2001:db8::");
	o = ra_opt(buf, len, 25);
	assert_true(o && o[1] == 3);
	fx_assert_ip6(o + 8, "2001:db8::53");
	o = ra_opt(buf, len, 31);
	assert_true(o && o[1] == 3);
	assert_memory_equal(o + 8, dnssl, sizeof(dnssl));
	for (i = 8 + sizeof(dnssl); i < 24; i++)
		assert_int_equal(o[i], 0);
}

static void test_ndp_rs_from_unspecified_gets_multicast_ra(void **state)
{
	static const uint8_t all_nodes[6] = {0x33, 0x33, 0, 0, 0, 1};
	uint8_t f[256], buf[BUFSZ];
	struct l2_conf c;
	size_t len;

	(void)state;
	fx_conf(&c);
	assert_int_equal(run(&c, f, rs_frame(f, "::", false), buf, &len),
			 L2_REPLY);
	assert_memory_equal(buf, all_nodes, 6);
	fx_assert_ip6(buf + 38, "ff02::1");
	fx_check_ip6(buf, len, 58);

	/* 6.1.1: no SLLA option from the unspecified address */
	assert_int_equal(run(&c, f, rs_frame(f, "::", true), buf, &len),
			 L2_DROP);
}

static void test_ndp_no_ra_no_ndp_no_v6(void **state)
{
	uint8_t f[256], g[256], buf[BUFSZ];
	struct l2_conf c;
	size_t len, flen, glen;

	(void)state;
	fx_conf(&c);
	flen = rs_frame(f, "fe80::2", true);
	glen = ns_frame(g, "fe80::2", "fe80::1", 255);
	c.no_ra = true;
	assert_int_equal(run(&c, f, flen, buf, &len), L2_DROP);
	assert_int_equal(run(&c, g, glen, buf, &len), L2_REPLY);

	fx_conf(&c);
	c.no_ndp = true;
	assert_int_equal(run(&c, f, flen, buf, &len), L2_DROP);
	assert_int_equal(run(&c, g, glen, buf, &len), L2_DROP);

	fx_conf(&c);
	c.v6 = false;
	assert_int_equal(run(&c, g, glen, buf, &len), L2_DROP);
}

static void test_ndp_ra_options_follow_flags(void **state)
{
	uint8_t buf[BUFSZ];
	struct l2_conf c;
	size_t len;

	(void)state;
	fx_conf(&c);
	c.no_dhcpv6 = true;
	c.no_dhcp_dns = true;
	c.no_dhcp_search = true;
	c.mtu = 1279;
	len = ndp_ra_build(&c, NULL, NULL, buf, L2_REPLY_MAX);
	assert_int_equal(len, 54 + 16 + 8 + 32);
	fx_check_ip6(buf, len, 58);
	assert_int_equal(buf[59], 0);
	assert_null(ra_opt(buf, len, 5));
	assert_null(ra_opt(buf, len, 25));
	assert_null(ra_opt(buf, len, 31));
	assert_non_null(ra_opt(buf, len, 3));

	fx_conf(&c);
	c.dns6_n = 0;
	c.search_n = 0;
	c.mtu = 1280;
	len = ndp_ra_build(&c, NULL, NULL, buf, L2_REPLY_MAX);
	assert_null(ra_opt(buf, len, 25));
	assert_null(ra_opt(buf, len, 31));
	assert_non_null(ra_opt(buf, len, 5));
}

static void test_ndp_ra_build_cap_and_long_search_list(void **state)
{
	uint8_t buf[BUFSZ];
	const uint8_t *o;
	struct l2_conf c;
	size_t len, cap;
	int i;

	(void)state;
	fx_conf(&c);
	for (cap = 0; cap < 54 + 16 + 8 + 8 + 32 + 24; cap++) {
		memset(buf, 0xa5, sizeof(buf));
		len = ndp_ra_build(&c, NULL, NULL, buf, cap);
		assert_true(len == 0 || (len <= cap && len >= 60));
		assert_int_equal(buf[cap], 0xa5);
	}
	assert_int_equal(ndp_ra_build(&c, NULL, NULL, buf, 10), 0);

	for (i = 0; i < L2_MAX_SEARCH; i++) {
		fx_long_domain(c.search[i], (char)('a' + i));
	}
	c.search_n = L2_MAX_SEARCH;
	len = ndp_ra_build(&c, NULL, NULL, buf, L2_REPLY_MAX);
	fx_check_ip6(buf, len, 58);
	assert_true(len <= 14 + 1280);
	o = ra_opt(buf, len, 31);
	assert_non_null(o);
	assert_true(o[1] >= 3 * 25);
}

static void test_ndp_ra_build_unicast(void **state)
{
	struct in6_addr dst = fx_ip6("fe80::77");
	uint8_t buf[BUFSZ];
	struct l2_conf c;
	size_t len;

	(void)state;
	fx_conf(&c);
	len = ndp_ra_build(&c, &dst, fx_guest_mac, buf, L2_REPLY_MAX);
	fx_check_ip6(buf, len, 58);
	assert_memory_equal(buf, fx_guest_mac, 6);
	fx_assert_ip6(buf + 38, "fe80::77");
}

/* A /64 prefix information option, on-link and autonomous */
static void check_pio(const uint8_t *o, const char *prefix, uint32_t valid,
		      uint32_t preferred)
{
	assert_int_equal(o[0], 3);
	assert_int_equal(o[1], 4);
	assert_int_equal(o[2], 64);
	assert_int_equal(o[3], 0xc0);
	assert_int_equal(fx_get32(o + 4), valid);
	assert_int_equal(fx_get32(o + 8), preferred);
	fx_assert_ip6(o + 16, prefix);
}

/* The host's prefix changed: to all nodes, the new prefix with infinite
 * lifetimes, then the old one with Preferred Lifetime 0 and Valid Lifetime
 * two hours (RFC 4862 5.5.3 e); nothing when the prefix is the same, or
 * when NDP, router advertisements or IPv6 are off
 */
static void test_ndp_ra_renumber(void **state)
{
	static const uint8_t all_nodes_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
	struct in6_addr old = fx_ip6("2001:db8::10");
	uint8_t buf[BUFSZ];
	const uint8_t *o;
	struct l2_conf c;
	size_t len;

	(void)state;
	fx_conf(&c);
	c.addr6 = fx_ip6("2001:db8:2::10");
	len = ndp_ra_renumber_build(&c, &old, 64, buf, L2_REPLY_MAX);
	fx_check_ip6(buf, len, 58);
	assert_memory_equal(buf, all_nodes_mac, 6);
	fx_assert_ip6(buf + 22, "fe80::1");
	fx_assert_ip6(buf + 38, "ff02::1");
	assert_int_equal(buf[54], 134);
	assert_int_equal(buf[59], 0xc0);	/* M and O, as solicited */

	o = ra_opt(buf, len, 3);
	assert_non_null(o);
	check_pio(o, "2001:db8:2::", 0xffffffff, 0xffffffff);
	/* the second prefix option follows the first */
	check_pio(o + 32, "2001:db8::", 7200, 0);
	assert_non_null(ra_opt(buf, len, 25));	/* RDNSS, DNSSL still there */
	assert_non_null(ra_opt(buf, len, 31));

	/* the solicited one never carries the old prefix */
	len = ndp_ra_build(&c, NULL, NULL, buf, L2_REPLY_MAX);
	o = ra_opt(buf, len, 3);
	assert_int_not_equal(o[32], 3);

	/* the same prefix, another address in it: nothing to tell */
	old = fx_ip6("2001:db8:2::99");
	assert_int_equal(ndp_ra_renumber_build(&c, &old, 64, buf,
					       L2_REPLY_MAX), 0);
	/* ... but the same prefix with another length is another prefix */
	assert_int_not_equal(ndp_ra_renumber_build(&c, &old, 56, buf,
						   L2_REPLY_MAX), 0);
	/* no old prefix (IPv6 just came on): the new one alone */
	old = fx_ip6("::");
	len = ndp_ra_renumber_build(&c, &old, 0, buf, L2_REPLY_MAX);
	assert_int_not_equal(len, 0);
	o = ra_opt(buf, len, 3);
	assert_non_null(o);
	check_pio(o, "2001:db8:2::", 0xffffffff, 0xffffffff);
	assert_int_not_equal(o[32], 3);

	old = fx_ip6("2001:db8::10");
	c.no_ra = true;
	assert_int_equal(ndp_ra_renumber_build(&c, &old, 64, buf,
					       L2_REPLY_MAX), 0);
	c.no_ra = false;
	c.no_ndp = true;
	assert_int_equal(ndp_ra_renumber_build(&c, &old, 64, buf,
					       L2_REPLY_MAX), 0);
	c.no_ndp = false;
	c.v6 = false;
	assert_int_equal(ndp_ra_renumber_build(&c, &old, 64, buf,
					       L2_REPLY_MAX), 0);
	c.v6 = true;
	assert_int_equal(ndp_ra_renumber_build(&c, &old, 64, buf, 10), 0);
}

static void test_ndp_other_icmpv6_not_mine(void **state)
{
	uint8_t echo[16] = {128, 0, 0, 0, 0, 1, 0, 1}, f[256], buf[BUFSZ];
	struct in6_addr s = fx_ip6("2001:db8::10"), d = fx_ip6("2001:db8::1");
	struct l2_conf c;
	size_t len, flen;

	(void)state;
	fx_conf(&c);
	flen = fx_frame6(f, fx_our_mac, &s, &d, 58, 64, echo, sizeof(echo));
	assert_int_equal(run(&c, f, flen, buf, &len), L2_NOT_MINE);
	echo[0] = 136; /* NA from the guest */
	flen = fx_frame6(f, fx_our_mac, &s, &d, 58, 255, echo, sizeof(echo));
	assert_int_equal(run(&c, f, flen, buf, &len), L2_NOT_MINE);
	echo[0] = 133; /* RS over UDP isn't NDP */
	flen = fx_frame6(f, fx_our_mac, &s, &d, 17, 255, echo, sizeof(echo));
	assert_int_equal(run(&c, f, flen, buf, &len), L2_NOT_MINE);
}

static void test_ndp_via_dispatcher(void **state)
{
	uint8_t f[256], buf[BUFSZ];
	struct l2_conf c;
	size_t len;

	(void)state;
	fx_conf(&c);
	assert_int_equal(fx_call(l2_handle, &c, f,
				 ns_frame(f, "fe80::2", "fe80::1", 255), buf,
				 L2_REPLY_MAX, &len),
			 L2_REPLY);
	assert_int_equal(buf[54], 136);
	assert_int_equal(fx_call(l2_handle, &c, f,
				 ns_frame(f, "::", "fe80::1", 255), buf,
				 L2_REPLY_MAX, &len),
			 L2_DROP);
}

/**
 * build_ns() - Run ndp_ns_build() with a canary after @cap
 * @c:		Configuration
 * @buf:	Buffer, at least @cap + 64 bytes
 * @cap:	Capacity given to the builder
 *
 * Return: what ndp_ns_build() returned
 */
static size_t build_ns(const struct l2_conf *c, uint8_t *buf, size_t cap)
{
	size_t len, i;

	memset(buf, 0xa5, cap + 64);
	len = ndp_ns_build(c, buf, cap);
	for (i = cap; i < cap + 64; i++)
		assert_int_equal(buf[i], 0xa5);
	return len;
}

static void test_ndp_ns_to_guest_bytes(void **state)
{
	static const uint8_t snm_mac[6] = {0x33, 0x33, 0xff, 0x00, 0x00, 0x10};
	uint8_t buf[BUFSZ];
	struct l2_conf c;
	size_t i;

	(void)state;
	fx_conf(&c);
	assert_int_equal(build_ns(&c, buf, L2_REPLY_MAX), 14 + 40 + 32);
	fx_check_ip6(buf, 86, 58);
	assert_memory_equal(buf, snm_mac, 6);
	fx_assert_ip6(buf + 22, "fe80::1");		/* our link-local */
	fx_assert_ip6(buf + 38, "ff02::1:ff00:10");	/* solicited-node */
	assert_int_equal(buf[54], 135);
	assert_int_equal(buf[55], 0);
	for (i = 58; i < 62; i++)
		assert_int_equal(buf[i], 0);		/* reserved */
	fx_assert_ip6(buf + 62, "2001:db8::10");	/* the guest */
	assert_int_equal(buf[78], 1);			/* SLLA, 8 bytes */
	assert_int_equal(buf[79], 1);
	assert_memory_equal(buf + 80, fx_our_mac, 6);
}

static void test_ndp_ns_only_with_ndp_and_an_address(void **state)
{
	uint8_t buf[BUFSZ];
	struct l2_conf c;
	size_t cap;

	(void)state;
	fx_conf(&c);
	c.no_ndp = true;
	assert_int_equal(build_ns(&c, buf, L2_REPLY_MAX), 0);
	fx_conf(&c);
	c.v6 = false;
	assert_int_equal(build_ns(&c, buf, L2_REPLY_MAX), 0);
	fx_conf(&c);
	memset(&c.addr6, 0, sizeof(c.addr6));
	assert_int_equal(build_ns(&c, buf, L2_REPLY_MAX), 0);
	fx_conf(&c);
	for (cap = 0; cap < 86; cap++)
		assert_int_equal(build_ns(&c, buf, cap), 0);
	assert_int_equal(build_ns(&c, buf, 86), 86);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ndp_ns_na_fields),
		cmocka_unit_test(test_ndp_ns_any_other_target),
		cmocka_unit_test(test_ndp_dad_ns_never_answered),
		cmocka_unit_test(test_ndp_ns_guest_own_and_multicast_target),
		cmocka_unit_test(test_ndp_wrong_hop_limit_dropped),
		cmocka_unit_test(test_ndp_bad_checksum_dropped),
		cmocka_unit_test(test_ndp_nonzero_code_and_zero_option_dropped),
		cmocka_unit_test(test_ndp_truncated_every_length),
		cmocka_unit_test(test_ndp_rs_ra_fields),
		cmocka_unit_test(
			test_ndp_rs_from_unspecified_gets_multicast_ra),
		cmocka_unit_test(test_ndp_no_ra_no_ndp_no_v6),
		cmocka_unit_test(test_ndp_ra_options_follow_flags),
		cmocka_unit_test(test_ndp_ra_build_cap_and_long_search_list),
		cmocka_unit_test(test_ndp_ra_build_unicast),
		cmocka_unit_test(test_ndp_ra_renumber),
		cmocka_unit_test(test_ndp_ns_to_guest_bytes),
		cmocka_unit_test(test_ndp_ns_only_with_ndp_and_an_address),
		cmocka_unit_test(test_ndp_other_icmpv6_not_mine),
		cmocka_unit_test(test_ndp_via_dispatcher),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
