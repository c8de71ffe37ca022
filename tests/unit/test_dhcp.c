// SPDX-License-Identifier: GPL-2.0-or-later
/* test_dhcp.c - unit tests of the DHCP server */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>

#include "l2_fixture.h"
#include "services/dname.h"

#define BUFSZ (L2_REPLY_MAX + 64)
#define OPTS  282 /* options in a reply frame: 14 + 20 + 8 + 236 + 4 */

/**
 * dhcp_frame() - Build a client message in a frame
 * @f:		Frame buffer, 1024 bytes
 * @type:	Option 53 value, 0 for none
 * @opts:	Extra options, NULL for none
 * @olen:	Their length
 *
 * Return: frame length
 */
static size_t dhcp_frame(uint8_t *f, uint8_t type, const uint8_t *opts,
			 size_t olen)
{
	uint8_t m[600] = {1, 1, 6, 0, 0x12, 0x34, 0x56, 0x78};
	size_t n = 240;

	m[10] = 0x80; /* broadcast flag */
	memcpy(m + 28, fx_guest_mac, 6);
	memcpy(m + 236, (uint8_t[]){0x63, 0x82, 0x53, 0x63}, 4);
	if (type) {
		m[n++] = 53;
		m[n++] = 1;
		m[n++] = type;
	}
	if (olen)
		memcpy(m + n, opts, olen);
	n += olen;
	m[n++] = 255;
	return fx_udp4(f, fx_ip4("0.0.0.0"), fx_ip4("255.255.255.255"), 68, 67,
		       m, n);
}

/**
 * opt() - Find an option in a reply
 * @f:		Reply frame
 * @len:	Its length
 * @code:	Option code
 * @olen:	Set to the option length
 *
 * Return: option data, NULL if absent
 */
static const uint8_t *opt(const uint8_t *f, size_t len, uint8_t code,
			  size_t *olen)
{
	size_t off = OPTS;

	while (off < len && f[off] != 255) {
		if (!f[off]) {
			off++;
			continue;
		}
		assert_true(off + 2 + f[off + 1] <= len);
		if (f[off] == code) {
			*olen = f[off + 1];
			return f + off + 2;
		}
		off += 2 + (size_t)f[off + 1];
	}
	return NULL;
}

static enum l2_verdict run(const struct l2_conf *c, const uint8_t *f,
			   size_t flen, uint8_t *buf, size_t *len)
{
	return fx_call(dhcp_handle, c, f, flen, buf, L2_REPLY_MAX, len);
}

static void check_type(const uint8_t *buf, size_t len, uint8_t type)
{
	const uint8_t *o;
	size_t olen;

	o = opt(buf, len, 53, &olen);
	assert_non_null(o);
	assert_int_equal(olen, 1);
	assert_int_equal(o[0], type);
}

static void test_dhcp_discover_offer_fields(void **state)
{
	static const uint8_t search[] = {7,   'e', 'x', 'a', 'm', 'p', 'l',
					 'e', 4,   't', 'e', 's', 't', 0};
	uint8_t f[1024], buf[BUFSZ];
	const uint8_t *o;
	struct l2_conf c;
	size_t len, olen;

	(void)state;
	fx_conf(&c);
	assert_int_equal(run(&c, f, dhcp_frame(f, 1, NULL, 0), buf, &len),
			 L2_REPLY);
	fx_check_ip4_udp(buf, len);
	assert_true(len >= 42 + 300);
	assert_memory_equal(buf, fx_guest_mac, 6);
	fx_assert_ip4(buf + 26, "192.0.2.1");
	fx_assert_ip4(buf + 30, "255.255.255.255");
	assert_int_equal(fx_get16(buf + 34), 67);
	assert_int_equal(fx_get16(buf + 36), 68);

	/* BOOTP header: op, htype, hlen, xid, flags, addresses, chaddr */
	assert_int_equal(buf[42], 2);
	assert_int_equal(buf[43], 1);
	assert_int_equal(buf[44], 6);
	assert_int_equal(fx_get32(buf + 46), 0x12345678);
	assert_int_equal(fx_get16(buf + 52), 0x8000);
	fx_assert_ip4(buf + 54, "0.0.0.0");
	fx_assert_ip4(buf + 58, "192.0.2.10");
	fx_assert_ip4(buf + 62, "0.0.0.0");
	fx_assert_ip4(buf + 66, "0.0.0.0");
	assert_memory_equal(buf + 70, fx_guest_mac, 6);
	assert_int_equal(fx_get32(buf + 278), 0x63825363);

	check_type(buf, len, 2);
	o = opt(buf, len, 54, &olen);
	assert_true(o && olen == 4);
	fx_assert_ip4(o, "192.0.2.1");
	o = opt(buf, len, 51, &olen);
	assert_true(o && olen == 4);
	assert_int_equal(fx_get32(o), 0xffffffff);
	o = opt(buf, len, 1, &olen);
	assert_true(o && olen == 4);
	fx_assert_ip4(o, "255.255.255.0");
	o = opt(buf, len, 3, &olen);
	assert_true(o && olen == 4);
	fx_assert_ip4(o, "192.0.2.1");
	o = opt(buf, len, 6, &olen);
	assert_true(o && olen == 4);
	fx_assert_ip4(o, "192.0.2.53");
	o = opt(buf, len, 26, &olen);
	assert_true(o && olen == 2);
	assert_int_equal(fx_get16(o), 65520);
	o = opt(buf, len, 15, &olen);
	assert_true(o && olen == 12);
	assert_memory_equal(o, "example.test", 12);
	o = opt(buf, len, 119, &olen);
	assert_true(o && olen == sizeof(search));
	assert_memory_equal(o, search, sizeof(search));

	/* Gateway inside the subnet: no classless routes; no name options */
	assert_null(opt(buf, len, 121, &olen));
	assert_null(opt(buf, len, 12, &olen));
	assert_null(opt(buf, len, 81, &olen));
}

static void test_dhcp_request_ack(void **state)
{
	static const uint8_t o50[] = {50, 4, 192, 0, 2, 10,
				      54, 4, 192, 0, 2, 1};
	uint8_t f[1024], buf[BUFSZ];
	struct l2_conf c;
	size_t len;

	(void)state;
	fx_conf(&c);
	assert_int_equal(
		run(&c, f, dhcp_frame(f, 3, o50, sizeof(o50)), buf, &len),
		L2_REPLY);
	fx_check_ip4_udp(buf, len);
	check_type(buf, len, 5);
	fx_assert_ip4(buf + 58, "192.0.2.10");
}

static void test_dhcp_renew_ciaddr_ack(void **state)
{
	uint8_t f[1024], buf[BUFSZ];
	struct l2_conf c;
	size_t len, flen;
	size_t olen;

	(void)state;
	fx_conf(&c);
	flen = dhcp_frame(f, 3, NULL, 0);
	memcpy(f + 42 + 12, &c.addr4, 4);
	flen = fx_udp4(f, c.addr4, c.gw4, 68, 67, f + 42, flen - 42);
	assert_int_equal(run(&c, f, flen, buf, &len), L2_REPLY);
	check_type(buf, len, 5);
	fx_assert_ip4(buf + 54, "192.0.2.10"); /* ciaddr echoed in the ACK */
	assert_non_null(opt(buf, len, 51, &olen));
}

static void test_dhcp_request_other_address_nak(void **state)
{
	static const uint8_t o50[] = {50, 4, 192, 0, 2, 77};
	uint8_t f[1024], buf[BUFSZ];
	struct l2_conf c;
	size_t len, olen;

	(void)state;
	fx_conf(&c);
	assert_int_equal(
		run(&c, f, dhcp_frame(f, 3, o50, sizeof(o50)), buf, &len),
		L2_REPLY);
	fx_check_ip4_udp(buf, len);
	check_type(buf, len, 6);
	fx_assert_ip4(buf + 58, "0.0.0.0");
	assert_non_null(opt(buf, len, 54, &olen));
	assert_null(opt(buf, len, 51, &olen));
	assert_null(opt(buf, len, 1, &olen));
}

static void test_dhcp_renew_other_ciaddr_nak(void **state)
{
	uint8_t f[1024], buf[BUFSZ];
	struct l2_conf c;
	size_t len, flen;

	(void)state;
	fx_conf(&c);
	flen = dhcp_frame(f, 3, NULL, 0);
	fx_put16(f + 42 + 12, 0xc000);
	fx_put16(f + 42 + 14, 0x0299);
	flen = fx_udp4(f, fx_ip4("192.0.2.153"), c.gw4, 68, 67, f + 42,
		       flen - 42);
	assert_int_equal(run(&c, f, flen, buf, &len), L2_REPLY);
	check_type(buf, len, 6);
}

/* Finite lease (following the host): option 51, and T1, T2 of RFC 2131
 * 4.4.5 given as options 58 and 59; infinite: neither T1 nor T2
 */
static void test_dhcp_lease_time_t1_t2(void **state)
{
	static const uint32_t lease[] = {3600, 10, 1, L2_LEASE_INFINITE, 0};
	uint8_t f[1024], buf[BUFSZ];
	const uint8_t *o;
	struct l2_conf c;
	size_t i, len, olen;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(lease); i++) {
		fx_conf(&c);
		c.lease = lease[i];
		assert_int_equal(run(&c, f, dhcp_frame(f, 1, NULL, 0), buf,
				     &len), L2_REPLY);
		o = opt(buf, len, 51, &olen);
		assert_true(o && olen == 4);
		if (!lease[i] || lease[i] == L2_LEASE_INFINITE) {
			assert_int_equal(fx_get32(o), 0xffffffff);
			assert_null(opt(buf, len, 58, &olen));
			assert_null(opt(buf, len, 59, &olen));
			continue;
		}
		assert_int_equal(fx_get32(o), lease[i]);
		o = opt(buf, len, 58, &olen);
		assert_true(o && olen == 4);
		assert_int_equal(fx_get32(o), lease[i] / 2);
		o = opt(buf, len, 59, &olen);
		assert_true(o && olen == 4);
		assert_int_equal(fx_get32(o), lease[i] * 7 / 8);
	}
}

/* The host's address changed under a bound client: its renewal (RENEWING,
 * unicast with ciaddr, no option 50 or 54) and rebinding (broadcast) of the
 * old address get a NAK; a new DISCOVER gets the new address
 */
static void test_dhcp_renew_after_host_change(void **state)
{
	uint8_t f[1024], buf[BUFSZ];
	struct in_addr old;
	struct l2_conf c;
	size_t len, flen;

	(void)state;
	fx_conf(&c);
	c.lease = 10;
	old = c.addr4;
	c.addr4 = fx_ip4("192.0.2.77");

	flen = dhcp_frame(f, 3, NULL, 0);
	memcpy(f + 42 + 12, &old, 4);
	flen = fx_udp4(f, old, c.gw4, 68, 67, f + 42, flen - 42);
	assert_int_equal(run(&c, f, flen, buf, &len), L2_REPLY);
	check_type(buf, len, 6);

	flen = dhcp_frame(f, 3, NULL, 0);
	memcpy(f + 42 + 12, &old, 4);
	flen = fx_udp4(f, old, fx_ip4("255.255.255.255"), 68, 67, f + 42,
		       flen - 42);
	assert_int_equal(run(&c, f, flen, buf, &len), L2_REPLY);
	check_type(buf, len, 6);

	assert_int_equal(run(&c, f, dhcp_frame(f, 1, NULL, 0), buf, &len),
			 L2_REPLY);
	check_type(buf, len, 2);
	fx_assert_ip4(buf + 58, "192.0.2.77");
}

static void test_dhcp_request_foreign_server_id_dropped(void **state)
{
	static const uint8_t o54[] = {54, 4, 198, 51, 100, 1,
				      50, 4, 192, 0,  2,   10};
	uint8_t f[1024], buf[BUFSZ];
	struct l2_conf c;
	size_t len;

	(void)state;
	fx_conf(&c);
	assert_int_equal(
		run(&c, f, dhcp_frame(f, 3, o54, sizeof(o54)), buf, &len),
		L2_DROP);
}

static void test_dhcp_inform_ack_without_lease(void **state)
{
	uint8_t f[1024], buf[BUFSZ];
	struct l2_conf c;
	size_t len, olen;

	(void)state;
	fx_conf(&c);
	assert_int_equal(run(&c, f, dhcp_frame(f, 8, NULL, 0), buf, &len),
			 L2_REPLY);
	check_type(buf, len, 5);
	fx_assert_ip4(buf + 58, "0.0.0.0");
	assert_null(opt(buf, len, 51, &olen));
	assert_non_null(opt(buf, len, 3, &olen));
	assert_non_null(opt(buf, len, 6, &olen));
}

static void test_dhcp_release_decline_others_dropped(void **state)
{
	static const uint8_t types[] = {2, 4, 5, 6, 7, 9, 200};
	uint8_t f[1024], buf[BUFSZ];
	struct l2_conf c;
	size_t len, i;

	(void)state;
	fx_conf(&c);
	for (i = 0; i < sizeof(types); i++)
		assert_int_equal(
			run(&c, f, dhcp_frame(f, types[i], NULL, 0), buf, &len),
			L2_DROP);
}

static void test_dhcp_missing_type_dropped(void **state)
{
	uint8_t f[1024], buf[BUFSZ];
	struct l2_conf c;
	size_t len;

	(void)state;
	fx_conf(&c);
	assert_int_equal(run(&c, f, dhcp_frame(f, 0, NULL, 0), buf, &len),
			 L2_DROP);
}

static void test_dhcp_bad_cookie_and_op_dropped(void **state)
{
	uint8_t f[1024], buf[BUFSZ];
	struct l2_conf c;
	size_t len, flen;

	(void)state;
	fx_conf(&c);
	flen = dhcp_frame(f, 1, NULL, 0);
	f[42 + 239] = 0x64;
	flen = fx_udp4(f, fx_ip4("0.0.0.0"), fx_ip4("255.255.255.255"), 68, 67,
		       f + 42, flen - 42);
	assert_int_equal(run(&c, f, flen, buf, &len), L2_DROP);

	flen = dhcp_frame(f, 1, NULL, 0);
	f[42] = 2;
	flen = fx_udp4(f, fx_ip4("0.0.0.0"), fx_ip4("255.255.255.255"), 68, 67,
		       f + 42, flen - 42);
	assert_int_equal(run(&c, f, flen, buf, &len), L2_DROP);
}

static void test_dhcp_option_past_end_dropped(void **state)
{
	uint8_t f[1024], buf[BUFSZ], m[300];
	struct l2_conf c;
	size_t len, flen;

	(void)state;
	fx_conf(&c);
	flen = dhcp_frame(f, 1, NULL, 0);
	memcpy(m, f + 42, flen - 42);
	/* Replace END by an option claiming 9 bytes where 2 are left */
	m[243] = 12;
	m[244] = 9;
	m[245] = 'h';
	m[246] = 'i';
	flen = fx_udp4(f, fx_ip4("0.0.0.0"), fx_ip4("255.255.255.255"), 68, 67,
		       m, 247);
	assert_int_equal(run(&c, f, flen, buf, &len), L2_DROP);

	/* A known option with a wrong length */
	flen = dhcp_frame(f, 1, (uint8_t[]){50, 3, 1, 2, 3}, 5);
	assert_int_equal(run(&c, f, flen, buf, &len), L2_DROP);
}

static void test_dhcp_pad_and_missing_end_tolerated(void **state)
{
	uint8_t f[1024], buf[BUFSZ], m[300];
	struct l2_conf c;
	size_t len, flen;

	(void)state;
	fx_conf(&c);
	flen = dhcp_frame(f, 0, NULL, 0);
	memcpy(m, f + 42, flen - 42);
	memcpy(m + 240, (uint8_t[]){0, 0, 53, 1, 1, 0}, 6);
	flen = fx_udp4(f, fx_ip4("0.0.0.0"), fx_ip4("255.255.255.255"), 68, 67,
		       m, 246);
	assert_int_equal(run(&c, f, flen, buf, &len), L2_REPLY);
	check_type(buf, len, 2);
}

static void test_dhcp_truncated_every_length(void **state)
{
	uint8_t f[1024], buf[BUFSZ];
	struct l2_conf c;
	size_t len, flen, n;

	(void)state;
	fx_conf(&c);
	flen = dhcp_frame(f, 1, NULL, 0);
	for (n = 0; n < flen; n++) {
		enum l2_verdict v = run(&c, f, n, buf, &len);

		/* Recognised once the UDP destination port is there */
		assert_int_equal(v, n < 38 ? L2_NOT_MINE : L2_DROP);
	}
	assert_int_equal(run(&c, f, flen, buf, &len), L2_REPLY);
}

static void test_dhcp_bad_ip_checksum_dropped(void **state)
{
	uint8_t f[1024], buf[BUFSZ];
	struct l2_conf c;
	size_t len, flen;

	(void)state;
	fx_conf(&c);
	flen = dhcp_frame(f, 1, NULL, 0);
	f[24] ^= 1;
	assert_int_equal(run(&c, f, flen, buf, &len), L2_DROP);
}

static void test_dhcp_other_port_not_mine(void **state)
{
	uint8_t f[1024], buf[BUFSZ];
	struct l2_conf c;
	size_t len, flen;

	(void)state;
	fx_conf(&c);
	flen = dhcp_frame(f, 1, NULL, 0);
	flen = fx_udp4(f, fx_ip4("0.0.0.0"), fx_ip4("255.255.255.255"), 68, 53,
		       f + 42, flen - 42);
	assert_int_equal(run(&c, f, flen, buf, &len), L2_NOT_MINE);
}

static void test_dhcp_disabled_dropped(void **state)
{
	uint8_t f[1024], buf[BUFSZ];
	struct l2_conf c;
	size_t len, flen;

	(void)state;
	fx_conf(&c);
	flen = dhcp_frame(f, 1, NULL, 0);
	c.no_dhcp = true;
	assert_int_equal(run(&c, f, flen, buf, &len), L2_DROP);
	fx_conf(&c);
	c.v4 = false;
	assert_int_equal(run(&c, f, flen, buf, &len), L2_DROP);
}

static void test_dhcp_no_dns_no_search(void **state)
{
	uint8_t f[1024], buf[BUFSZ];
	struct l2_conf c;
	size_t len, flen, olen;

	(void)state;
	fx_conf(&c);
	flen = dhcp_frame(f, 1, NULL, 0);
	c.no_dhcp_dns = true;
	c.no_dhcp_search = true;
	assert_int_equal(run(&c, f, flen, buf, &len), L2_REPLY);
	assert_null(opt(buf, len, 6, &olen));
	assert_null(opt(buf, len, 15, &olen));
	assert_null(opt(buf, len, 119, &olen));

	fx_conf(&c);
	c.dns4_n = 0;
	c.search_n = 0;
	assert_int_equal(run(&c, f, flen, buf, &len), L2_REPLY);
	assert_null(opt(buf, len, 6, &olen));
	assert_null(opt(buf, len, 119, &olen));
	assert_non_null(opt(buf, len, 3, &olen));
}

static void test_dhcp_mtu_option_limits(void **state)
{
	uint8_t f[1024], buf[BUFSZ];
	const uint8_t *o;
	struct l2_conf c;
	size_t len, flen, olen;

	(void)state;
	fx_conf(&c);
	flen = dhcp_frame(f, 1, NULL, 0);
	c.mtu = 575;
	assert_int_equal(run(&c, f, flen, buf, &len), L2_REPLY);
	assert_null(opt(buf, len, 26, &olen));
	c.mtu = 0;
	assert_int_equal(run(&c, f, flen, buf, &len), L2_REPLY);
	assert_null(opt(buf, len, 26, &olen));
	c.mtu = 576;
	assert_int_equal(run(&c, f, flen, buf, &len), L2_REPLY);
	o = opt(buf, len, 26, &olen);
	assert_true(o && olen == 2 && fx_get16(o) == 576);
}

static void test_dhcp_hostname_and_fqdn(void **state)
{
	static const uint8_t wire[] = {2,   'v', 'm', 7,   'e', 'x',
				       'a', 'm', 'p', 'l', 'e', 4,
				       't', 'e', 's', 't', 0};
	uint8_t f[1024], buf[BUFSZ];
	const uint8_t *o;
	struct l2_conf c;
	size_t len, flen, olen;

	(void)state;
	fx_conf(&c);
	snprintf(c.hostname, sizeof(c.hostname), "%s", "vm");
	snprintf(c.fqdn, sizeof(c.fqdn), "%s", "vm.example.test.");
	flen = dhcp_frame(f, 1, NULL, 0);
	assert_int_equal(run(&c, f, flen, buf, &len), L2_REPLY);
	o = opt(buf, len, 12, &olen);
	assert_true(o && olen == 2);
	assert_memory_equal(o, "vm", 2);
	o = opt(buf, len, 81, &olen);
	assert_true(o && olen == 3 + sizeof(wire));
	assert_int_equal(o[0], 0x04); /* E */
	assert_int_equal(o[1], 255);
	assert_int_equal(o[2], 255);
	assert_memory_equal(o + 3, wire, sizeof(wire));

	/* The client asks us to update A records (S): we override (O) */
	flen = dhcp_frame(f, 1, (uint8_t[]){81, 4, 0x05, 0, 0, 0}, 6);
	assert_int_equal(run(&c, f, flen, buf, &len), L2_REPLY);
	o = opt(buf, len, 81, &olen);
	assert_non_null(o);
	assert_int_equal(o[0], 0x06);
}

static void test_dhcp_classless_routes_off_subnet_gateway(void **state)
{
	static const uint8_t routes[] = {32, 198, 51, 100, 1,  0,   0,
					 0,  0,	  0,  198, 51, 100, 1};
	uint8_t f[1024], buf[BUFSZ];
	const uint8_t *o;
	struct l2_conf c;
	size_t len, flen, olen;

	(void)state;
	fx_conf(&c);
	c.gw4 = fx_ip4("198.51.100.1");
	flen = dhcp_frame(f, 1, NULL, 0);
	assert_int_equal(run(&c, f, flen, buf, &len), L2_REPLY);
	o = opt(buf, len, 121, &olen);
	assert_true(o && olen == sizeof(routes));
	assert_memory_equal(o, routes, sizeof(routes));
	fx_assert_ip4(buf + 26, "198.51.100.1");

	/* A /32 address: any gateway is off-link */
	fx_conf(&c);
	c.prefix4 = 32;
	assert_int_equal(run(&c, f, flen, buf, &len), L2_REPLY);
	assert_non_null(opt(buf, len, 121, &olen));
	o = opt(buf, len, 1, &olen);
	fx_assert_ip4(o, "255.255.255.255");
}

static void test_dhcp_client_id_echoed(void **state)
{
	static const uint8_t cid[] = {61, 7,	1,    0x52, 0x54,
				      0,  0x12, 0x34, 0x56};
	uint8_t f[1024], buf[BUFSZ];
	const uint8_t *o;
	struct l2_conf c;
	size_t len, flen, olen;

	(void)state;
	fx_conf(&c);
	flen = dhcp_frame(f, 1, cid, sizeof(cid));
	assert_int_equal(run(&c, f, flen, buf, &len), L2_REPLY);
	o = opt(buf, len, 61, &olen);
	assert_true(o && olen == 7);
	assert_memory_equal(o, cid + 2, 7);
}

static void test_dhcp_long_search_list_fits_576(void **state)
{
	uint8_t f[1024], buf[BUFSZ];
	struct l2_conf c;
	size_t len, flen, olen;
	int i;

	(void)state;
	fx_conf(&c);
	for (i = 0; i < L2_MAX_SEARCH; i++) {
		memset(c.search[i], 'a' + i, 60);
		memcpy(c.search[i] + 60, ".example.test", 14);
	}
	c.search_n = L2_MAX_SEARCH;
	snprintf(c.fqdn, sizeof(c.fqdn), "%s", "vm.example.test");
	flen = dhcp_frame(f, 1, NULL, 0);
	assert_int_equal(run(&c, f, flen, buf, &len), L2_REPLY);
	fx_check_ip4_udp(buf, len);
	assert_true(len - 14 <= 576);
	check_type(buf, len, 2);
	assert_non_null(opt(buf, len, 3, &olen));
	assert_non_null(opt(buf, len, 119, &olen));

	/* With option 57 = 1500 the whole list fits, split (RFC 3396) */
	flen = dhcp_frame(f, 1, (uint8_t[]){57, 2, 0x05, 0xdc}, 4);
	assert_int_equal(run(&c, f, flen, buf, &len), L2_REPLY);
	fx_check_ip4_udp(buf, len);
	assert_true(len - 14 > 576 && len - 14 <= 1500);
}

static void test_dhcp_invalid_search_domain_skipped(void **state)
{
	static const uint8_t search[] = {3, 'o', 'k', 'a', 0};
	uint8_t f[1024], buf[BUFSZ];
	const uint8_t *o;
	struct l2_conf c;
	size_t len, flen, olen;

	(void)state;
	fx_conf(&c);
	snprintf(c.search[0], sizeof(c.search[0]), "%s", "bad..name");
	memset(c.search[1], 'x', 64); /* label over 63 */
	snprintf(c.search[2], sizeof(c.search[2]), "%s", "oka.");
	c.search_n = 3;
	flen = dhcp_frame(f, 1, NULL, 0);
	assert_int_equal(run(&c, f, flen, buf, &len), L2_REPLY);
	o = opt(buf, len, 119, &olen);
	assert_true(o && olen == sizeof(search));
	assert_memory_equal(o, search, sizeof(search));
	o = opt(buf, len, 15, &olen);
	assert_true(o && olen == 3);
	assert_memory_equal(o, "oka", 3);
}

static void test_dhcp_small_cap_never_overflows(void **state)
{
	uint8_t f[1024], buf[BUFSZ];
	struct l2_conf c;
	size_t len, flen, cap;

	(void)state;
	fx_conf(&c);
	flen = dhcp_frame(f, 1, NULL, 0);
	for (cap = 0; cap < 342; cap++)
		assert_int_equal(
			fx_call(dhcp_handle, &c, f, flen, buf, cap, &len),
			L2_DROP);
	assert_int_equal(fx_call(dhcp_handle, &c, f, flen, buf, 400, &len),
			 L2_REPLY);
}

static void test_dname_encode_limits(void **state)
{
	char name[L2_DOMAIN_MAX + 1];
	uint8_t out[300];

	(void)state;
	assert_int_equal(dname_encode("a.b", 4, out, sizeof(out)), 5);
	assert_memory_equal(out, ((uint8_t[]){1, 'a', 1, 'b', 0}), 5);
	assert_int_equal(dname_encode("a.b.", 5, out, sizeof(out)), 5);
	assert_int_equal(dname_encode("", 1, out, sizeof(out)), -EINVAL);
	assert_int_equal(dname_encode(".", 2, out, sizeof(out)), -EINVAL);
	assert_int_equal(dname_encode("a..b", 5, out, sizeof(out)), -EINVAL);
	assert_int_equal(dname_encode(".a", 3, out, sizeof(out)), -EINVAL);
	assert_int_equal(dname_encode("a.b", 4, out, 4), -ENOSPC);

	/* 63-byte labels are fine, 64 are not */
	memset(name, 'x', 63);
	name[63] = 0;
	assert_int_equal(dname_encode(name, sizeof(name), out, sizeof(out)),
			 65);
	memset(name, 'x', 64);
	name[64] = 0;
	assert_int_equal(dname_encode(name, sizeof(name), out, sizeof(out)),
			 -EINVAL);

	/* 253 characters make 255 bytes on the wire: the maximum */
	memset(name, 'y', 253);
	name[253] = 0;
	for (int i = 50; i < 253; i += 50)
		name[i] = '.';
	assert_int_equal(dname_encode(name, sizeof(name), out, sizeof(out)),
			 255);
	name[253] = 'y';
	name[254] = 0;
	assert_int_equal(dname_encode(name, sizeof(name), out, sizeof(out)),
			 -EINVAL);
	/* Not NUL-terminated within maxlen: only maxlen bytes are read */
	assert_int_equal(dname_encode("abcdef", 3, out, sizeof(out)), 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dhcp_discover_offer_fields),
		cmocka_unit_test(test_dhcp_request_ack),
		cmocka_unit_test(test_dhcp_renew_ciaddr_ack),
		cmocka_unit_test(test_dhcp_request_other_address_nak),
		cmocka_unit_test(test_dhcp_renew_other_ciaddr_nak),
		cmocka_unit_test(test_dhcp_request_foreign_server_id_dropped),
		cmocka_unit_test(test_dhcp_inform_ack_without_lease),
		cmocka_unit_test(test_dhcp_lease_time_t1_t2),
		cmocka_unit_test(test_dhcp_renew_after_host_change),
		cmocka_unit_test(test_dhcp_release_decline_others_dropped),
		cmocka_unit_test(test_dhcp_missing_type_dropped),
		cmocka_unit_test(test_dhcp_bad_cookie_and_op_dropped),
		cmocka_unit_test(test_dhcp_option_past_end_dropped),
		cmocka_unit_test(test_dhcp_pad_and_missing_end_tolerated),
		cmocka_unit_test(test_dhcp_truncated_every_length),
		cmocka_unit_test(test_dhcp_bad_ip_checksum_dropped),
		cmocka_unit_test(test_dhcp_other_port_not_mine),
		cmocka_unit_test(test_dhcp_disabled_dropped),
		cmocka_unit_test(test_dhcp_no_dns_no_search),
		cmocka_unit_test(test_dhcp_mtu_option_limits),
		cmocka_unit_test(test_dhcp_hostname_and_fqdn),
		cmocka_unit_test(test_dhcp_classless_routes_off_subnet_gateway),
		cmocka_unit_test(test_dhcp_client_id_echoed),
		cmocka_unit_test(test_dhcp_long_search_list_fits_576),
		cmocka_unit_test(test_dhcp_invalid_search_domain_skipped),
		cmocka_unit_test(test_dhcp_small_cap_never_overflows),
		cmocka_unit_test(test_dname_encode_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
