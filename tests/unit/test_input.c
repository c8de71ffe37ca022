// SPDX-License-Identifier: GPL-2.0-or-later
/* test_input.c - the guest's IPv6 addresses learnt from its frames
 * (link/input.c), and where inbound IPv6 traffic goes (l2_guest_dst6())
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "l2_fixture.h"
#include "link/input.h"

static unsigned int l3_frames;

static void l3_count(void *arg, struct pview frame)
{
	(void)arg;
	(void)frame;
	l3_frames++;
}

static int no_reply(void *link, const void *frame, size_t len)
{
	(void)link;
	(void)frame;
	(void)len;
	return 0;
}

/* Hand the guest's UDP datagram from @src (text) to link_frame_in() */
static void frame_from(struct l2_conf *l2, const char *src)
{
	static const uint8_t dst[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x99};
	struct link_input in = {l2, l3_count, NULL, no_reply, NULL};
	struct link_counters n = {0};
	uint8_t f[14 + 40 + 8] = {0};

	memcpy(f, fx_our_mac, 6);
	memcpy(f + 6, fx_guest_mac, 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	f[14] = 0x60;
	f[14 + 5] = 8; /* payload length */
	f[14 + 6] = 17;
	f[14 + 7] = 64;
	assert_int_equal(inet_pton(AF_INET6, src, f + 14 + 8), 1);
	memcpy(f + 14 + 24, dst, 16);
	f[14 + 40 + 5] = 8; /* UDP length */
	link_frame_in(&in, &n, pview_make(f, sizeof(f)));
}

static void assert_a6(const struct in6_addr *a, const char *s)
{
	char buf[INET6_ADDRSTRLEN];

	assert_string_equal(inet_ntop(AF_INET6, a, buf, sizeof(buf)), s);
}

static void test_link_local_source_learnt(void **state)
{
	static struct l2_conf l2;

	(void)state;
	fx_conf(&l2);
	l3_frames = 0;
	frame_from(&l2, "fe80::5054:ff:fe12:3456");
	assert_int_equal(l3_frames, 1);
	assert_a6(&l2.ll6_seen, "fe80::5054:ff:fe12:3456");
	assert_a6(&l2.addr6_seen, "::");

	frame_from(&l2, "2001:db8::77");
	assert_a6(&l2.addr6_seen, "2001:db8::77");
	assert_a6(&l2.ll6_seen, "fe80::5054:ff:fe12:3456");

	/* the latest one counts */
	frame_from(&l2, "fe80::2");
	assert_a6(&l2.ll6_seen, "fe80::2");
}

static void test_other_sources_ignored(void **state)
{
	static struct l2_conf l2;

	(void)state;
	fx_conf(&l2);
	frame_from(&l2, "::");
	frame_from(&l2, "ff02::1");
	frame_from(&l2, "2001:db9::1"); /* outside the prefix */
	assert_a6(&l2.ll6_seen, "::");
	assert_a6(&l2.addr6_seen, "::");

	l2.v6 = false;
	frame_from(&l2, "fe80::2");
	assert_a6(&l2.ll6_seen, "::");
}

static void test_guest_dst6_by_scope(void **state)
{
	static struct l2_conf l2;
	struct in6_addr ll, global;

	(void)state;
	fx_conf(&l2);
	inet_pton(AF_INET6, "fe80::1", &ll);
	inet_pton(AF_INET6, "2001:db8:9::9", &global);

	/* nothing seen: the configured address, whatever the source */
	assert_a6(l2_guest_dst6(&l2, &ll), "2001:db8::10");
	assert_a6(l2_guest_dst6(&l2, &global), "2001:db8::10");

	frame_from(&l2, "fe80::5054:ff:fe12:3456");
	frame_from(&l2, "2001:db8::77");
	assert_a6(l2_guest_dst6(&l2, &ll), "fe80::5054:ff:fe12:3456");
	assert_a6(l2_guest_dst6(&l2, &global), "2001:db8::77");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_local_source_learnt),
		cmocka_unit_test(test_other_sources_ignored),
		cmocka_unit_test(test_guest_dst6_by_scope),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
