// SPDX-License-Identifier: GPL-2.0-or-later
/* test_arp.c - unit tests of the ARP responder and of the L2 dispatcher */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "l2_fixture.h"
#include "link/input.h"

#define BUFSZ (L2_REPLY_MAX + 64)

/* Who has 192.0.2.1? Tell 192.0.2.10 (as sent by Linux, unpadded) */
static const uint8_t arp_req[42] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34,
	0x56, 0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 192,  0,	2,    10,   0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 192,  0,	  2,	1,
};

static enum l2_verdict run(const struct l2_conf *c, const uint8_t *f,
			   size_t flen, uint8_t *buf, size_t *len)
{
	return fx_call(arp_handle, c, f, flen, buf, L2_REPLY_MAX, len);
}

static void test_arp_reply_fields(void **state)
{
	uint8_t buf[BUFSZ];
	struct l2_conf c;
	size_t len, i;

	(void)state;
	fx_conf(&c);
	assert_int_equal(run(&c, arp_req, sizeof(arp_req), buf, &len),
			 L2_REPLY);
	assert_int_equal(len, 60);
	assert_memory_equal(buf, fx_guest_mac, 6);
	assert_memory_equal(buf + 6, fx_our_mac, 6);
	assert_int_equal(fx_get16(buf + 12), 0x0806);
	assert_int_equal(fx_get16(buf + 14), 1);
	assert_int_equal(fx_get16(buf + 16), 0x0800);
	assert_int_equal(buf[18], 6);
	assert_int_equal(buf[19], 4);
	assert_int_equal(fx_get16(buf + 20), 2);
	assert_memory_equal(buf + 22, fx_our_mac, 6);
	fx_assert_ip4(buf + 28, "192.0.2.1");
	assert_memory_equal(buf + 32, fx_guest_mac, 6);
	fx_assert_ip4(buf + 38, "192.0.2.10");
	for (i = 42; i < 60; i++)
		assert_int_equal(buf[i], 0);
}

static void test_arp_any_other_target(void **state)
{
	uint8_t f[sizeof(arp_req)], buf[BUFSZ];
	struct l2_conf c;
	size_t len;

	(void)state;
	fx_conf(&c);
	memcpy(f, arp_req, sizeof(f));
	memcpy(f + 38, (uint8_t[]){203, 0, 113, 7}, 4);
	assert_int_equal(run(&c, f, sizeof(f), buf, &len), L2_REPLY);
	fx_assert_ip4(buf + 28, "203.0.113.7");
}

static void set_ips(uint8_t *f, const uint8_t *spa, const uint8_t *tpa)
{
	memcpy(f, arp_req, sizeof(arp_req));
	memcpy(f + 28, spa, 4);
	memcpy(f + 38, tpa, 4);
}

static void test_arp_drops_guest_own_and_zero_target(void **state)
{
	uint8_t f[sizeof(arp_req)], buf[BUFSZ];
	struct l2_conf c;
	size_t len;

	(void)state;
	fx_conf(&c);
	set_ips(f, (uint8_t[]){192, 0, 2, 99}, (uint8_t[]){192, 0, 2, 10});
	assert_int_equal(run(&c, f, sizeof(f), buf, &len), L2_DROP);
	set_ips(f, (uint8_t[]){192, 0, 2, 10}, (uint8_t[]){0, 0, 0, 0});
	assert_int_equal(run(&c, f, sizeof(f), buf, &len), L2_DROP);
}

static void test_arp_drops_rfc5227_probe_and_announce(void **state)
{
	uint8_t f[sizeof(arp_req)], buf[BUFSZ];
	struct l2_conf c;
	size_t len;

	(void)state;
	fx_conf(&c);
	/* Probe: sender 0.0.0.0 */
	set_ips(f, (uint8_t[]){0, 0, 0, 0}, (uint8_t[]){192, 0, 2, 20});
	assert_int_equal(run(&c, f, sizeof(f), buf, &len), L2_DROP);
	/* Announcement: sender == target */
	set_ips(f, (uint8_t[]){192, 0, 2, 20}, (uint8_t[]){192, 0, 2, 20});
	assert_int_equal(run(&c, f, sizeof(f), buf, &len), L2_DROP);
	assert_int_equal(len, 0);
}

static void test_arp_drops_bad_header_fields(void **state)
{
	static const size_t off[] = {15, 16, 18, 19, 21};
	uint8_t f[sizeof(arp_req)], buf[BUFSZ];
	struct l2_conf c;
	size_t len, i;

	(void)state;
	fx_conf(&c);
	for (i = 0; i < ARRAY_SIZE(off); i++) {
		memcpy(f, arp_req, sizeof(f));
		f[off[i]] ^= 0x10;
		assert_int_equal(run(&c, f, sizeof(f), buf, &len), L2_DROP);
	}
	/* A reply (op 2) from the guest is not answered */
	memcpy(f, arp_req, sizeof(f));
	f[21] = 2;
	assert_int_equal(run(&c, f, sizeof(f), buf, &len), L2_DROP);
}

static void test_arp_truncated_every_length(void **state)
{
	uint8_t buf[BUFSZ];
	struct l2_conf c;
	size_t len, n;

	(void)state;
	fx_conf(&c);
	for (n = 0; n < sizeof(arp_req); n++) {
		enum l2_verdict v = run(&c, arp_req, n, buf, &len);

		assert_int_equal(v, n < 14 ? L2_NOT_MINE : L2_DROP);
	}
	assert_int_equal(run(&c, NULL, 0, buf, &len), L2_NOT_MINE);
}

static void test_arp_disabled_v4_drops(void **state)
{
	uint8_t buf[BUFSZ];
	struct l2_conf c;
	size_t len;

	(void)state;
	fx_conf(&c);
	c.v4 = false;
	assert_int_equal(run(&c, arp_req, sizeof(arp_req), buf, &len), L2_DROP);
}

static void test_arp_other_ethertype_not_mine(void **state)
{
	uint8_t f[sizeof(arp_req)], buf[BUFSZ];
	struct l2_conf c;
	size_t len;

	(void)state;
	fx_conf(&c);
	memcpy(f, arp_req, sizeof(f));
	f[13] = 0x35; /* RARP */
	assert_int_equal(run(&c, f, sizeof(f), buf, &len), L2_NOT_MINE);
}

static void test_arp_small_cap_never_overflows(void **state)
{
	uint8_t buf[BUFSZ];
	struct l2_conf c;
	size_t len, cap;

	(void)state;
	fx_conf(&c);
	for (cap = 0; cap < 60; cap++)
		assert_int_equal(fx_call(arp_handle, &c, arp_req,
					 sizeof(arp_req), buf, cap, &len),
				 L2_DROP);
	assert_int_equal(fx_call(arp_handle, &c, arp_req, sizeof(arp_req), buf,
				 60, &len),
			 L2_REPLY);
}

/* The request of arp_req as a NIC model (e1000) sends it: padded to 60 */
static void test_arp_padded_request_answered(void **state)
{
	uint8_t f[60], buf[BUFSZ];
	struct l2_conf c;
	size_t len;

	(void)state;
	fx_conf(&c);
	memcpy(f, arp_req, sizeof(arp_req));
	memset(f + sizeof(arp_req), 0xee, sizeof(f) - sizeof(arp_req));
	assert_int_equal(run(&c, f, sizeof(f), buf, &len), L2_REPLY);
	assert_int_equal(len, 60);
	fx_assert_ip4(buf + 28, "192.0.2.1");
	fx_assert_ip4(buf + 38, "192.0.2.10");
	for (len = 42; len < 60; len++)
		assert_int_equal(buf[len], 0);
}

/**
 * build_request() - Run arp_request_build() with a canary after @cap
 * @c:		Configuration
 * @buf:	Buffer, at least @cap + 64 bytes
 * @cap:	Capacity given to the builder
 *
 * Return: what arp_request_build() returned
 */
static size_t build_request(const struct l2_conf *c, uint8_t *buf,
			    size_t cap)
{
	size_t len, i;

	memset(buf, 0xa5, cap + 64);
	len = arp_request_build(c, buf, cap);
	for (i = cap; i < cap + 64; i++)
		assert_int_equal(buf[i], 0xa5);
	return len;
}

static void test_arp_request_to_guest_bytes(void **state)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint8_t buf[BUFSZ], reply[BUFSZ];
	struct l2_conf c;
	size_t len, i;

	(void)state;
	fx_conf(&c);
	assert_int_equal(build_request(&c, buf, L2_REPLY_MAX), 60);
	assert_memory_equal(buf, bcast, 6);
	assert_memory_equal(buf + 6, fx_our_mac, 6);
	assert_int_equal(fx_get16(buf + 12), 0x0806);
	assert_int_equal(fx_get16(buf + 14), 1);	/* Ethernet */
	assert_int_equal(fx_get16(buf + 16), 0x0800);	/* IPv4 */
	assert_int_equal(buf[18], 6);
	assert_int_equal(buf[19], 4);
	assert_int_equal(fx_get16(buf + 20), 1);	/* request */
	assert_memory_equal(buf + 22, fx_our_mac, 6);
	fx_assert_ip4(buf + 28, "192.0.2.1");		/* the gateway */
	for (i = 32; i < 38; i++)
		assert_int_equal(buf[i], 0);
	fx_assert_ip4(buf + 38, "192.0.2.10");		/* the guest */
	for (i = 42; i < 60; i++)
		assert_int_equal(buf[i], 0);

	/* Our own responder leaves it alone: it asks for the guest */
	assert_int_equal(run(&c, buf, 60, reply, &len), L2_DROP);
}

static void test_arp_request_only_with_a_guest_address(void **state)
{
	uint8_t buf[BUFSZ];
	struct l2_conf c;
	size_t cap;

	(void)state;
	fx_conf(&c);
	c.v4 = false;
	assert_int_equal(build_request(&c, buf, L2_REPLY_MAX), 0);
	fx_conf(&c);
	c.addr4.s_addr = 0;
	assert_int_equal(build_request(&c, buf, L2_REPLY_MAX), 0);
	fx_conf(&c);
	for (cap = 0; cap < 60; cap++)
		assert_int_equal(build_request(&c, buf, cap), 0);
	assert_int_equal(build_request(&c, buf, 60), 60);
}

static void test_arp_guest_answer_to_us_taken_quietly(void **state)
{
	uint8_t req[BUFSZ], f[60], buf[BUFSZ];
	struct l2_conf c;
	size_t len;

	(void)state;
	fx_conf(&c);
	assert_int_equal(build_request(&c, req, L2_REPLY_MAX), 60);
	/* What Linux answers: 192.0.2.10 is at the guest's MAC */
	memcpy(f, fx_our_mac, 6);
	memcpy(f + 6, fx_guest_mac, 6);
	memcpy(f + 12, req + 12, 8);
	fx_put16(f + 20, 2);
	memcpy(f + 22, fx_guest_mac, 6);
	memcpy(f + 28, req + 38, 4);
	memcpy(f + 32, fx_our_mac, 6);
	memcpy(f + 38, req + 28, 4);
	memset(f + 42, 0, 18);
	assert_int_equal(run(&c, f, sizeof(f), buf, &len), L2_TAKEN);
	assert_int_equal(len, 0);

	/* Any other reply is still nothing we asked for */
	f[37] ^= 1;
	assert_int_equal(run(&c, f, sizeof(f), buf, &len), L2_DROP);
	f[37] ^= 1;
	f[41] ^= 1;
	assert_int_equal(run(&c, f, sizeof(f), buf, &len), L2_DROP);
}

/**
 * struct fake_sink - A sink that keeps what was committed
 * @sink:	The interface
 * @buf:	Buffers handed out, one per reservation
 * @len:	Committed length of each
 * @n:		Reservations
 * @flushes:	Calls of flush
 */
struct fake_sink {
	struct frame_sink sink;
	uint8_t buf[4][BUFSZ];
	size_t len[4];
	unsigned int n;
	unsigned int flushes;
};

static unsigned int fake_reserve(struct frame_sink *s, unsigned int n,
				 uint8_t **bufs, size_t *cap)
{
	struct fake_sink *f = s->priv;

	assert_int_equal(n, 1);
	assert_true(f->n < 4);
	*bufs = f->buf[f->n++];
	*cap = L2_REPLY_MAX;
	return 1;
}

static void fake_commit(struct frame_sink *s, uint8_t *buf, size_t len,
			const struct frame_offload *o)
{
	struct fake_sink *f = s->priv;

	assert_null(o);
	assert_ptr_equal(buf, f->buf[f->n - 1]);
	f->len[f->n - 1] = len;
}

static int fake_flush(struct frame_sink *s)
{
	((struct fake_sink *)s->priv)->flushes++;
	return 0;
}

static void test_link_greet_sends_arp_then_ns(void **state)
{
	static struct fake_sink f;
	struct l2_conf c;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.sink = (struct frame_sink){fake_reserve, fake_commit, fake_flush,
				     false, false, &f};
	fx_conf(&c);
	assert_int_equal(link_greet(&c, &f.sink), 2);
	assert_int_equal(f.flushes, 1);
	assert_int_equal(f.len[0], 60);
	assert_int_equal(fx_get16(f.buf[0] + 12), 0x0806);
	assert_int_equal(f.len[1], 86);
	assert_int_equal(fx_get16(f.buf[1] + 12), 0x86dd);
	assert_int_equal(f.buf[1][54], 135);

	/* --no-ndp (or --no-icmp): the ARP request only, the second buffer
	 * given back; IPv6 only: the NS only
	 */
	memset(&f, 0, sizeof(f));
	f.sink = (struct frame_sink){fake_reserve, fake_commit, fake_flush,
				     false, false, &f};
	c.no_ndp = true;
	assert_int_equal(link_greet(&c, &f.sink), 1);
	assert_int_equal(f.len[0], 60);
	assert_int_equal(f.len[1], 0);
	memset(&f, 0, sizeof(f));
	f.sink = (struct frame_sink){fake_reserve, fake_commit, fake_flush,
				     false, false, &f};
	c.no_ndp = false;
	c.v4 = false;
	assert_int_equal(link_greet(&c, &f.sink), 1);
	assert_int_equal(f.len[0], 0);
	assert_int_equal(f.len[1], 86);
	assert_int_equal(f.flushes, 1);
}

static void test_l2_dispatch_arp_and_not_mine(void **state)
{
	uint8_t f[64] = {0}, buf[BUFSZ];
	struct l2_conf c;
	size_t len;

	(void)state;
	fx_conf(&c);
	assert_int_equal(fx_call(l2_handle, &c, arp_req, sizeof(arp_req), buf,
				 L2_REPLY_MAX, &len),
			 L2_REPLY);
	assert_int_equal(fx_get16(buf + 20), 2);

	/* An IPv4 TCP segment is nobody's business here */
	fx_eth(f, fx_our_mac, fx_guest_mac, 0x0800);
	f[14] = 0x45;
	f[17] = 40;
	f[23] = 6;
	assert_int_equal(
		fx_call(l2_handle, &c, f, sizeof(f), buf, L2_REPLY_MAX, &len),
		L2_NOT_MINE);
	assert_int_equal(len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp_reply_fields),
		cmocka_unit_test(test_arp_any_other_target),
		cmocka_unit_test(test_arp_drops_guest_own_and_zero_target),
		cmocka_unit_test(test_arp_drops_rfc5227_probe_and_announce),
		cmocka_unit_test(test_arp_drops_bad_header_fields),
		cmocka_unit_test(test_arp_truncated_every_length),
		cmocka_unit_test(test_arp_disabled_v4_drops),
		cmocka_unit_test(test_arp_other_ethertype_not_mine),
		cmocka_unit_test(test_arp_small_cap_never_overflows),
		cmocka_unit_test(test_arp_padded_request_answered),
		cmocka_unit_test(test_arp_request_to_guest_bytes),
		cmocka_unit_test(test_arp_request_only_with_a_guest_address),
		cmocka_unit_test(test_arp_guest_answer_to_us_taken_quietly),
		cmocka_unit_test(test_link_greet_sends_arp_then_ns),
		cmocka_unit_test(test_l2_dispatch_arp_and_not_mine),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
