// SPDX-License-Identifier: GPL-2.0-or-later
/* test_dhcpv6.c - unit tests of the DHCPv6 server */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "l2_fixture.h"

#define BUFSZ (L2_REPLY_MAX + 64)
#define OPTS  (62 + 4)

static const uint8_t all_servers_mac[6] = {0x33, 0x33, 0, 1, 0, 2};
static const uint8_t client_duid[10] = {0,    3, 0,    1,    0x52,
					0x54, 0, 0x12, 0x34, 0x56};
static const uint8_t our_duid[10] = {0,	   3,	 0,    1,    0x9a,
				     0x55, 0x9a, 0x55, 0x9a, 0x55};
static const uint8_t iaid[4] = {0x0a, 0x0b, 0x0c, 0x0d};

/**
 * struct msg - Client message being assembled
 * @b:		Bytes, UDP header first
 * @n:		Length so far
 */
struct msg {
	uint8_t b[1024];
	size_t n;
};

static void msg_start(struct msg *m, uint8_t type, bool client_id)
{
	memset(m, 0, sizeof(*m));
	fx_put16(m->b, 546);
	fx_put16(m->b + 2, 547);
	m->b[8] = type;
	m->b[9] = 0xab;
	m->b[10] = 0xcd;
	m->b[11] = 0xef;
	m->n = 12;
	if (client_id) {
		fx_put16(m->b + m->n, 1);
		fx_put16(m->b + m->n + 2, sizeof(client_duid));
		memcpy(m->b + m->n + 4, client_duid, sizeof(client_duid));
		m->n += 4 + sizeof(client_duid);
	}
}

static void msg_opt(struct msg *m, uint16_t code, const void *d, size_t len)
{
	fx_put16(m->b + m->n, code);
	fx_put16(m->b + m->n + 2, (uint16_t)len);
	if (len)
		memcpy(m->b + m->n + 4, d, len);
	m->n += 4 + len;
}

/* IA_NA with @addr as IAADDR, or none if NULL */
static void msg_ia_na(struct msg *m, const char *addr)
{
	uint8_t ia[12 + 28] = {0};
	struct in6_addr a;

	memcpy(ia, iaid, 4);
	if (!addr) {
		msg_opt(m, 3, ia, 12);
		return;
	}
	a = fx_ip6(addr);
	fx_put16(ia + 12, 5);
	fx_put16(ia + 14, 24);
	memcpy(ia + 16, &a, 16);
	msg_opt(m, 3, ia, sizeof(ia));
}

static size_t msg_frame(struct msg *m, uint8_t *f)
{
	struct in6_addr s = fx_ip6("fe80::5054:ff:fe12:3456");
	struct in6_addr d = fx_ip6("ff02::1:2");

	fx_put16(m->b + 4, (uint16_t)m->n);
	return fx_frame6(f, all_servers_mac, &s, &d, 17, 1, m->b, m->n);
}

/**
 * opt() - Find a top-level option in a reply
 * @f:		Reply frame
 * @len:	Its length
 * @code:	Option code
 * @olen:	Set to the option length
 *
 * Return: option data, NULL if absent
 */
static const uint8_t *opt(const uint8_t *f, size_t len, uint16_t code,
			  size_t *olen)
{
	size_t off = OPTS, end = 54 + fx_get16(f + 58);

	assert_true(end <= len);
	while (off < end) {
		assert_true(off + 4 + fx_get16(f + off + 2) <= end);
		if (fx_get16(f + off) == code) {
			*olen = fx_get16(f + off + 2);
			return f + off + 4;
		}
		off += 4 + (size_t)fx_get16(f + off + 2);
	}
	return NULL;
}

static enum l2_verdict run(const struct l2_conf *c, const uint8_t *f,
			   size_t flen, uint8_t *buf, size_t *len)
{
	return fx_call(dhcpv6_handle, c, f, flen, buf, L2_REPLY_MAX, len);
}

static void check_reply(const uint8_t *buf, size_t len, uint8_t type)
{
	const uint8_t *o;
	size_t olen;

	fx_check_ip6(buf, len, 17);
	assert_memory_equal(buf, fx_guest_mac, 6);
	fx_assert_ip6(buf + 22, "fe80::1");
	fx_assert_ip6(buf + 38, "fe80::5054:ff:fe12:3456");
	assert_int_equal(fx_get16(buf + 54), 547);
	assert_int_equal(fx_get16(buf + 56), 546);
	assert_int_equal(buf[62], type);
	assert_int_equal(buf[63], 0xab);
	assert_int_equal(buf[64], 0xcd);
	assert_int_equal(buf[65], 0xef);
	o = opt(buf, len, 1, &olen);
	assert_true(o && olen == sizeof(client_duid));
	assert_memory_equal(o, client_duid, sizeof(client_duid));
	o = opt(buf, len, 2, &olen);
	assert_true(o && olen == sizeof(our_duid));
	assert_memory_equal(o, our_duid, sizeof(our_duid));
}

static void check_ia_na(const uint8_t *buf, size_t len)
{
	const uint8_t *o;
	size_t olen;

	o = opt(buf, len, 3, &olen);
	assert_true(o && olen == 12 + 28);
	assert_memory_equal(o, iaid, 4);
	assert_int_equal(fx_get32(o + 4), 0xffffffff);
	assert_int_equal(fx_get32(o + 8), 0xffffffff);
	assert_int_equal(fx_get16(o + 12), 5);
	assert_int_equal(fx_get16(o + 14), 24);
	fx_assert_ip6(o + 16, "2001:db8::10");
	assert_int_equal(fx_get32(o + 32), 0xffffffff);
	assert_int_equal(fx_get32(o + 36), 0xffffffff);
}

static void check_status(const uint8_t *buf, size_t len, uint16_t status)
{
	const uint8_t *o;
	size_t olen;

	o = opt(buf, len, 13, &olen);
	assert_true(o && olen >= 2);
	assert_int_equal(fx_get16(o), status);
}

static void test_dhcpv6_solicit_advertise_fields(void **state)
{
	static const uint8_t domains[] = {7,   'e', 'x', 'a', 'm', 'p', 'l',
					  'e', 4,   't', 'e', 's', 't', 0};
	uint8_t f[1024], buf[BUFSZ];
	const uint8_t *o;
	struct l2_conf c;
	struct msg m;
	size_t len, olen;

	(void)state;
	fx_conf(&c);
	msg_start(&m, 1, true);
	msg_ia_na(&m, NULL);
	assert_int_equal(run(&c, f, msg_frame(&m, f), buf, &len), L2_REPLY);
	check_reply(buf, len, 2);
	check_ia_na(buf, len);
	o = opt(buf, len, 7, &olen);
	assert_true(o && olen == 1 && o[0] == 255);
	o = opt(buf, len, 23, &olen);
	assert_true(o && olen == 16);
	fx_assert_ip6(o, "2001:db8::53");
	o = opt(buf, len, 24, &olen);
	assert_true(o && olen == sizeof(domains));
	assert_memory_equal(o, domains, sizeof(domains));
	assert_null(opt(buf, len, 14, &olen));
	assert_null(opt(buf, len, 39, &olen));
	assert_null(opt(buf, len, 13, &olen));
}

static void test_dhcpv6_solicit_rapid_commit_reply(void **state)
{
	uint8_t f[1024], buf[BUFSZ];
	struct l2_conf c;
	struct msg m;
	size_t len, olen;

	(void)state;
	fx_conf(&c);
	msg_start(&m, 1, true);
	msg_opt(&m, 14, NULL, 0);
	msg_ia_na(&m, NULL);
	assert_int_equal(run(&c, f, msg_frame(&m, f), buf, &len), L2_REPLY);
	check_reply(buf, len, 7);
	check_ia_na(buf, len);
	assert_non_null(opt(buf, len, 14, &olen));
	assert_int_equal(olen, 0);
}

static void test_dhcpv6_request_renew_rebind_reply(void **state)
{
	static const uint8_t types[] = {3, 5, 6};
	uint8_t f[1024], buf[BUFSZ];
	struct l2_conf c;
	struct msg m;
	size_t len, i;

	(void)state;
	fx_conf(&c);
	for (i = 0; i < sizeof(types); i++) {
		msg_start(&m, types[i], true);
		msg_opt(&m, 2, our_duid, sizeof(our_duid));
		msg_ia_na(&m, "2001:db8::10");
		assert_int_equal(run(&c, f, msg_frame(&m, f), buf, &len),
				 L2_REPLY);
		check_reply(buf, len, 7);
		check_ia_na(buf, len);
	}
}

/* Following the host: a finite lease gives T1 = 1/2, T2 = 4/5 of it, and
 * lifetimes of it; infinite (or unset) stays infinite
 */
static void test_dhcpv6_finite_lease_t1_t2(void **state)
{
	uint8_t f[1024], buf[BUFSZ];
	const uint8_t *o;
	struct l2_conf c;
	struct msg m;
	size_t len, olen;

	(void)state;
	fx_conf(&c);
	c.lease = 10;
	msg_start(&m, 1, true);
	msg_ia_na(&m, NULL);
	assert_int_equal(run(&c, f, msg_frame(&m, f), buf, &len), L2_REPLY);
	o = opt(buf, len, 3, &olen);
	assert_true(o && olen == 12 + 28);
	assert_int_equal(fx_get32(o + 4), 5);
	assert_int_equal(fx_get32(o + 8), 8);
	fx_assert_ip6(o + 16, "2001:db8::10");
	assert_int_equal(fx_get32(o + 32), 10);
	assert_int_equal(fx_get32(o + 36), 10);

	c.lease = L2_LEASE_INFINITE;
	assert_int_equal(run(&c, f, msg_frame(&m, f), buf, &len), L2_REPLY);
	check_ia_na(buf, len);
}

/* The host's address changed: Renew and Rebind of the old address get the
 * new one and the old one with lifetimes 0 (RFC 8415 18.3.4, 18.3.5); a
 * Request, and a Renew of the current address, only the current one
 */
static void test_dhcpv6_renew_old_address_zero_lifetimes(void **state)
{
	static const uint8_t types[] = {3, 5, 6};
	uint8_t f[1024], buf[BUFSZ];
	const uint8_t *o;
	struct l2_conf c;
	struct msg m;
	size_t len, olen, i;

	(void)state;
	fx_conf(&c);
	c.lease = 3600;
	c.addr6 = fx_ip6("2001:db8:2::10");
	for (i = 0; i < sizeof(types); i++) {
		msg_start(&m, types[i], true);
		msg_ia_na(&m, "2001:db8::10");
		assert_int_equal(run(&c, f, msg_frame(&m, f), buf, &len),
				 L2_REPLY);
		check_reply(buf, len, 7);
		o = opt(buf, len, 3, &olen);
		assert_non_null(o);
		assert_int_equal(fx_get32(o + 4), 1800);
		assert_int_equal(fx_get32(o + 8), 2880);
		fx_assert_ip6(o + 16, "2001:db8:2::10");
		assert_int_equal(fx_get32(o + 32), 3600);
		assert_int_equal(fx_get32(o + 36), 3600);
		if (types[i] == 3) {
			assert_int_equal(olen, 12 + 28);
			continue;
		}
		assert_int_equal(olen, 12 + 2 * 28);
		assert_int_equal(fx_get16(o + 40), 5);
		assert_int_equal(fx_get16(o + 42), 24);
		fx_assert_ip6(o + 44, "2001:db8::10");
		assert_int_equal(fx_get32(o + 60), 0);
		assert_int_equal(fx_get32(o + 64), 0);
	}

	msg_start(&m, 5, true);
	msg_ia_na(&m, "2001:db8:2::10");
	assert_int_equal(run(&c, f, msg_frame(&m, f), buf, &len), L2_REPLY);
	o = opt(buf, len, 3, &olen);
	assert_true(o && olen == 12 + 28);
}

/* At most four old addresses come back, however many the client names */
static void test_dhcpv6_renew_many_old_addresses_bounded(void **state)
{
	uint8_t f[1024], buf[BUFSZ];
	const uint8_t *o;
	struct l2_conf c;
	struct msg m;
	size_t len, olen, i;

	(void)state;
	fx_conf(&c);
	c.lease = 60;
	msg_start(&m, 5, true);
	for (i = 0; i < 6; i++) {
		char a[32];

		snprintf(a, sizeof(a), "2001:db8:9::%zu", i + 1);
		msg_ia_na(&m, a);
	}
	assert_int_equal(run(&c, f, msg_frame(&m, f), buf, &len), L2_REPLY);
	o = opt(buf, len, 3, &olen);
	assert_true(o && olen == 12 + 5 * 28);
	fx_assert_ip6(o + 16, "2001:db8::10");
	fx_assert_ip6(o + 16 + 28, "2001:db8:9::1");
	fx_assert_ip6(o + 16 + 4 * 28, "2001:db8:9::4");
	assert_int_equal(fx_get32(o + 4 * 28 + 32), 0);
}

static void test_dhcpv6_confirm_success_and_not_on_link(void **state)
{
	uint8_t f[1024], buf[BUFSZ];
	struct l2_conf c;
	struct msg m;
	size_t len, olen;

	(void)state;
	fx_conf(&c);
	msg_start(&m, 4, true);
	msg_ia_na(&m, "2001:db8::10");
	assert_int_equal(run(&c, f, msg_frame(&m, f), buf, &len), L2_REPLY);
	check_reply(buf, len, 7);
	check_status(buf, len, 0);
	assert_null(opt(buf, len, 3, &olen));

	msg_start(&m, 4, true);
	msg_ia_na(&m, "2001:db8:1::10");
	assert_int_equal(run(&c, f, msg_frame(&m, f), buf, &len), L2_REPLY);
	check_status(buf, len, 4);

	/* 18.3.3: without any address, no reply */
	msg_start(&m, 4, true);
	msg_ia_na(&m, NULL);
	assert_int_equal(run(&c, f, msg_frame(&m, f), buf, &len), L2_DROP);
}

static void test_dhcpv6_information_request(void **state)
{
	uint8_t f[1024], buf[BUFSZ];
	struct l2_conf c;
	struct msg m;
	size_t len, olen;

	(void)state;
	fx_conf(&c);
	snprintf(c.fqdn, sizeof(c.fqdn), "%s", "vm.example.test");
	msg_start(&m, 11, true);
	assert_int_equal(run(&c, f, msg_frame(&m, f), buf, &len), L2_REPLY);
	check_reply(buf, len, 7);
	assert_null(opt(buf, len, 3, &olen));
	assert_non_null(opt(buf, len, 23, &olen));
	assert_non_null(opt(buf, len, 24, &olen));

	/* RFC 8415 18.2.6: the Client Identifier is optional here */
	msg_start(&m, 11, false);
	assert_int_equal(run(&c, f, msg_frame(&m, f), buf, &len), L2_REPLY);
	assert_null(opt(buf, len, 1, &olen));
	assert_non_null(opt(buf, len, 2, &olen));
}

static void test_dhcpv6_release_decline_success(void **state)
{
	static const uint8_t types[] = {8, 9};
	uint8_t f[1024], buf[BUFSZ];
	struct l2_conf c;
	struct msg m;
	size_t len, olen, i;

	(void)state;
	fx_conf(&c);
	for (i = 0; i < sizeof(types); i++) {
		msg_start(&m, types[i], true);
		msg_opt(&m, 2, our_duid, sizeof(our_duid));
		msg_ia_na(&m, "2001:db8::10");
		assert_int_equal(run(&c, f, msg_frame(&m, f), buf, &len),
				 L2_REPLY);
		check_reply(buf, len, 7);
		check_status(buf, len, 0);
		assert_null(opt(buf, len, 3, &olen));
	}
}

static void test_dhcpv6_missing_client_id_dropped(void **state)
{
	uint8_t f[1024], buf[BUFSZ];
	struct l2_conf c;
	struct msg m;
	size_t len;

	(void)state;
	fx_conf(&c);
	msg_start(&m, 1, false);
	msg_ia_na(&m, NULL);
	assert_int_equal(run(&c, f, msg_frame(&m, f), buf, &len), L2_DROP);

	/* A one-byte DUID isn't one */
	msg_start(&m, 1, false);
	msg_opt(&m, 1, "x", 1);
	assert_int_equal(run(&c, f, msg_frame(&m, f), buf, &len), L2_DROP);
}

static void test_dhcpv6_foreign_server_id_dropped(void **state)
{
	uint8_t f[1024], buf[BUFSZ], other[10];
	struct l2_conf c;
	struct msg m;
	size_t len;

	(void)state;
	fx_conf(&c);
	memcpy(other, our_duid, sizeof(other));
	other[9] ^= 1;
	msg_start(&m, 3, true);
	msg_opt(&m, 2, other, sizeof(other));
	msg_ia_na(&m, "2001:db8::10");
	assert_int_equal(run(&c, f, msg_frame(&m, f), buf, &len), L2_DROP);

	msg_start(&m, 5, true);
	msg_opt(&m, 2, our_duid, 8);
	assert_int_equal(run(&c, f, msg_frame(&m, f), buf, &len), L2_DROP);
}

static void test_dhcpv6_server_messages_dropped(void **state)
{
	static const uint8_t types[] = {2, 7, 10, 12, 13, 0, 99};
	uint8_t f[1024], buf[BUFSZ];
	struct l2_conf c;
	struct msg m;
	size_t len, i;

	(void)state;
	fx_conf(&c);
	for (i = 0; i < sizeof(types); i++) {
		msg_start(&m, types[i], true);
		assert_int_equal(run(&c, f, msg_frame(&m, f), buf, &len),
				 L2_DROP);
	}
}

static void test_dhcpv6_option_past_end_dropped(void **state)
{
	uint8_t f[1024], buf[BUFSZ], ia[20] = {1, 2, 3, 4};
	struct l2_conf c;
	struct msg m;
	size_t len;

	(void)state;
	fx_conf(&c);
	msg_start(&m, 1, true);
	msg_opt(&m, 23, "abcd", 4);
	fx_put16(m.b + m.n - 6, 9); /* claims 9 bytes, 4 are there */
	assert_int_equal(run(&c, f, msg_frame(&m, f), buf, &len), L2_DROP);

	/* IA_NA shorter than IAID, T1, T2 */
	msg_start(&m, 1, true);
	msg_opt(&m, 3, ia, 8);
	assert_int_equal(run(&c, f, msg_frame(&m, f), buf, &len), L2_DROP);

	/* IA_NA whose sub-option runs past the IA_NA */
	msg_start(&m, 1, true);
	fx_put16(ia + 12, 5);
	fx_put16(ia + 14, 24);
	msg_opt(&m, 3, ia, sizeof(ia));
	assert_int_equal(run(&c, f, msg_frame(&m, f), buf, &len), L2_DROP);

	/* Half an option header */
	msg_start(&m, 1, true);
	m.b[m.n++] = 0;
	assert_int_equal(run(&c, f, msg_frame(&m, f), buf, &len), L2_DROP);
}

static void test_dhcpv6_truncated_every_length(void **state)
{
	uint8_t f[1024], buf[BUFSZ];
	struct l2_conf c;
	struct msg m;
	size_t len, flen, n;

	(void)state;
	fx_conf(&c);
	msg_start(&m, 1, true);
	msg_ia_na(&m, NULL);
	flen = msg_frame(&m, f);
	for (n = 0; n < flen; n++)
		assert_int_equal(run(&c, f, n, buf, &len),
				 n < 58 ? L2_NOT_MINE : L2_DROP);
	assert_int_equal(run(&c, f, flen, buf, &len), L2_REPLY);
}

static void test_dhcpv6_disabled_dropped(void **state)
{
	uint8_t f[1024], buf[BUFSZ];
	struct l2_conf c;
	struct msg m;
	size_t len, flen;

	(void)state;
	fx_conf(&c);
	msg_start(&m, 1, true);
	flen = msg_frame(&m, f);
	c.no_dhcpv6 = true;
	assert_int_equal(run(&c, f, flen, buf, &len), L2_DROP);
	fx_conf(&c);
	c.v6 = false;
	assert_int_equal(run(&c, f, flen, buf, &len), L2_DROP);
}

static void test_dhcpv6_no_dns_no_search(void **state)
{
	uint8_t f[1024], buf[BUFSZ];
	struct l2_conf c;
	struct msg m;
	size_t len, olen;

	(void)state;
	fx_conf(&c);
	c.no_dhcp_dns = true;
	c.no_dhcp_search = true;
	msg_start(&m, 1, true);
	msg_ia_na(&m, NULL);
	assert_int_equal(run(&c, f, msg_frame(&m, f), buf, &len), L2_REPLY);
	assert_null(opt(buf, len, 23, &olen));
	assert_null(opt(buf, len, 24, &olen));
	check_ia_na(buf, len);
}

static void test_dhcpv6_fqdn(void **state)
{
	static const uint8_t wire[] = {2, 'v', 'm', 4, 't', 'e', 's', 't', 0};
	uint8_t f[1024], buf[BUFSZ], cf[1] = {0x01};
	const uint8_t *o;
	struct l2_conf c;
	struct msg m;
	size_t len, olen;

	(void)state;
	fx_conf(&c);
	snprintf(c.fqdn, sizeof(c.fqdn), "%s", "vm.test");
	msg_start(&m, 1, true);
	assert_int_equal(run(&c, f, msg_frame(&m, f), buf, &len), L2_REPLY);
	o = opt(buf, len, 39, &olen);
	assert_true(o && olen == 1 + sizeof(wire));
	assert_int_equal(o[0], 0);
	assert_memory_equal(o + 1, wire, sizeof(wire));

	msg_start(&m, 1, true);
	msg_opt(&m, 39, cf, 1);
	assert_int_equal(run(&c, f, msg_frame(&m, f), buf, &len), L2_REPLY);
	o = opt(buf, len, 39, &olen);
	assert_non_null(o);
	assert_int_equal(o[0], 0x02); /* O: we override the S request */
}

static void test_dhcpv6_other_port_not_mine_wrong_sport_dropped(void **state)
{
	uint8_t f[1024], buf[BUFSZ];
	struct l2_conf c;
	struct msg m;
	size_t len, flen;

	(void)state;
	fx_conf(&c);
	msg_start(&m, 1, true);
	fx_put16(m.b + 2, 53);
	assert_int_equal(run(&c, f, msg_frame(&m, f), buf, &len), L2_NOT_MINE);
	msg_start(&m, 1, true);
	fx_put16(m.b, 5000);
	flen = msg_frame(&m, f);
	assert_int_equal(run(&c, f, flen, buf, &len), L2_DROP);
}

static void test_dhcpv6_long_lists_fit_and_small_cap(void **state)
{
	uint8_t f[1024], buf[BUFSZ];
	struct l2_conf c;
	struct msg m;
	size_t len, flen, olen, cap;
	int i;

	(void)state;
	fx_conf(&c);
	for (i = 0; i < L2_MAX_SEARCH; i++) {
		fx_long_domain(c.search[i], (char)('a' + i));
	}
	c.search_n = L2_MAX_SEARCH;
	memset(c.fqdn, 'f', 63);
	memcpy(c.fqdn + 63, ".example.test", sizeof(".example.test"));
	msg_start(&m, 1, true);
	msg_ia_na(&m, NULL);
	flen = msg_frame(&m, f);
	assert_int_equal(run(&c, f, flen, buf, &len), L2_REPLY);
	assert_true(len <= 14 + 1280);
	check_reply(buf, len, 2);
	check_ia_na(buf, len);
	assert_non_null(opt(buf, len, 24, &olen));
	assert_true(olen >= 792); /* four 198-byte names at least */

	for (cap = 0; cap < 200; cap++) {
		enum l2_verdict v =
			fx_call(dhcpv6_handle, &c, f, flen, buf, cap, &len);

		assert_true(v == L2_DROP || v == L2_REPLY);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dhcpv6_solicit_advertise_fields),
		cmocka_unit_test(test_dhcpv6_solicit_rapid_commit_reply),
		cmocka_unit_test(test_dhcpv6_request_renew_rebind_reply),
		cmocka_unit_test(test_dhcpv6_finite_lease_t1_t2),
		cmocka_unit_test(test_dhcpv6_renew_old_address_zero_lifetimes),
		cmocka_unit_test(
			test_dhcpv6_renew_many_old_addresses_bounded),
		cmocka_unit_test(test_dhcpv6_confirm_success_and_not_on_link),
		cmocka_unit_test(test_dhcpv6_information_request),
		cmocka_unit_test(test_dhcpv6_release_decline_success),
		cmocka_unit_test(test_dhcpv6_missing_client_id_dropped),
		cmocka_unit_test(test_dhcpv6_foreign_server_id_dropped),
		cmocka_unit_test(test_dhcpv6_server_messages_dropped),
		cmocka_unit_test(test_dhcpv6_option_past_end_dropped),
		cmocka_unit_test(test_dhcpv6_truncated_every_length),
		cmocka_unit_test(test_dhcpv6_disabled_dropped),
		cmocka_unit_test(test_dhcpv6_no_dns_no_search),
		cmocka_unit_test(test_dhcpv6_fqdn),
		cmocka_unit_test(
			test_dhcpv6_other_port_not_mine_wrong_sport_dropped),
		cmocka_unit_test(test_dhcpv6_long_lists_fit_and_small_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
