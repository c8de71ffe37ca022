// SPDX-License-Identifier: GPL-2.0-or-later
/* test_input.c - what the link learns of the guest from its frames
 * (link/input.c: its MAC and IPv6 addresses, into struct l2_state, never
 * into the configuration), where inbound IPv6 traffic goes
 * (l2_guest_dst6()), and the per-frame offload flags the tap passes on
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/virtio_net.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "l2_fixture.h"
#include "link/input.h"
#include "link/tap.h"

static unsigned int l3_frames;
static unsigned int l3_flags[4];

static void l3_count(void *arg, struct pview frame, unsigned int flags)
{
	(void)arg;
	(void)frame;
	if (l3_frames < ARRAY_SIZE(l3_flags))
		l3_flags[l3_frames] = flags;
	l3_frames++;
}

static int no_reply(void *link, const void *frame, size_t len)
{
	(void)link;
	(void)frame;
	(void)len;
	return 0;
}

/* The guest's UDP datagram from @src (text), in an Ethernet frame */
static void udp6_frame(uint8_t *f, const char *src)
{
	static const uint8_t dst[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x99};

	memset(f, 0, 14 + 40 + 8);
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
}

/* Hand the guest's UDP datagram from @src (text) to link_frame_in(),
 * checking that the configuration stays as it was
 */
static void frame_from(const struct l2_conf *l2, struct l2_state *st,
		       const char *src)
{
	struct link_input in = {l2, st, l3_count, NULL, no_reply, NULL};
	struct link_counters n = {0};
	uint8_t f[14 + 40 + 8];
	struct l2_conf before = *l2;

	udp6_frame(f, src);
	link_frame_in(&in, &n, pview_make(f, sizeof(f)), 0);
	assert_memory_equal(&before, l2, sizeof(before));
}

static void assert_a6(const struct in6_addr *a, const char *s)
{
	char buf[INET6_ADDRSTRLEN];

	assert_string_equal(inet_ntop(AF_INET6, a, buf, sizeof(buf)), s);
}

static void test_link_local_source_learnt(void **state)
{
	static struct l2_conf l2;
	static struct l2_state st;

	(void)state;
	fx_conf(&l2);
	l3_frames = 0;
	frame_from(&l2, &st, "fe80::5054:ff:fe12:3456");
	assert_int_equal(l3_frames, 1);
	assert_a6(&st.ll6_seen, "fe80::5054:ff:fe12:3456");
	assert_a6(&st.addr6_seen, "::");

	frame_from(&l2, &st, "2001:db8::77");
	assert_a6(&st.addr6_seen, "2001:db8::77");
	assert_a6(&st.ll6_seen, "fe80::5054:ff:fe12:3456");
	assert_a6(&l2.addr6, "2001:db8::10"); /* what DHCPv6 hands out */

	/* the latest one counts */
	frame_from(&l2, &st, "fe80::2");
	assert_a6(&st.ll6_seen, "fe80::2");
}

static void test_other_sources_ignored(void **state)
{
	static struct l2_conf l2;
	static struct l2_state st;

	(void)state;
	fx_conf(&l2);
	frame_from(&l2, &st, "::");
	frame_from(&l2, &st, "ff02::1");
	frame_from(&l2, &st, "2001:db9::1"); /* outside the prefix */
	assert_a6(&st.ll6_seen, "::");
	assert_a6(&st.addr6_seen, "::");

	l2.v6 = false;
	frame_from(&l2, &st, "fe80::2");
	assert_a6(&st.ll6_seen, "::");
}

static void test_guest_dst6_by_scope(void **state)
{
	static struct l2_conf l2;
	static struct l2_state st;
	struct in6_addr ll, global;

	(void)state;
	fx_conf(&l2);
	inet_pton(AF_INET6, "fe80::1", &ll);
	inet_pton(AF_INET6, "2001:db8:9::9", &global);

	/* nothing seen: the configured address, whatever the source */
	assert_a6(l2_guest_dst6(&l2, &st, &ll), "2001:db8::10");
	assert_a6(l2_guest_dst6(&l2, &st, &global), "2001:db8::10");

	frame_from(&l2, &st, "fe80::5054:ff:fe12:3456");
	frame_from(&l2, &st, "2001:db8::77");
	assert_a6(l2_guest_dst6(&l2, &st, &ll), "fe80::5054:ff:fe12:3456");
	assert_a6(l2_guest_dst6(&l2, &st, &global), "2001:db8::77");

	/* a new guest (qemu reconnects): nothing seen again */
	memset(&st, 0, sizeof(st));
	assert_a6(l2_guest_dst6(&l2, &st, &ll), "2001:db8::10");
}

/* After the host's address changed (follow.c), inbound IPv4 goes to the
 * guest's old address until the guest is seen sending from the new one
 */
static void test_guest_addr4_prev(void **state)
{
	static struct l2_conf l2;
	static struct l2_state st;

	(void)state;
	fx_conf(&l2);
	assert_int_equal(l2_guest_addr4(&l2, &st)->s_addr, l2.addr4.s_addr);
	st.addr4_seen = fx_ip4("192.0.2.10");
	assert_int_equal(l2_guest_addr4(&l2, &st)->s_addr, l2.addr4.s_addr);

	l2.addr4_prev = l2.addr4;
	l2.addr4 = fx_ip4("192.0.2.77");
	assert_int_equal(l2_guest_addr4(&l2, &st)->s_addr,
			 fx_ip4("192.0.2.10").s_addr);
	st.addr4_seen = fx_ip4("192.0.2.77");
	assert_int_equal(l2_guest_addr4(&l2, &st)->s_addr,
			 fx_ip4("192.0.2.77").s_addr);
	st.addr4_seen.s_addr = 0;	/* a guest that never sent */
	assert_int_equal(l2_guest_addr4(&l2, &st)->s_addr,
			 fx_ip4("192.0.2.10").s_addr);
	l2.addr4_prev.s_addr = 0;	/* no change: as before */
	assert_int_equal(l2_guest_addr4(&l2, &st)->s_addr,
			 fx_ip4("192.0.2.77").s_addr);
}

/* Frames go to the guest's MAC once one came from it, broadcast before;
 * multicast and zero sources teach nothing
 */
static void test_guest_mac_learnt_into_state(void **state)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static struct l2_conf l2;
	static struct l2_state st;
	uint8_t f[14 + 40 + 8];

	(void)state;
	fx_conf(&l2);
	assert_memory_equal(l2_guest_dst_mac(&st), bcast, 6);

	udp6_frame(f, "fe80::1");
	f[6] = 0x01;	/* multicast source */
	link_learn_mac(&st, pview_make(f, sizeof(f)));
	assert_memory_equal(l2_guest_dst_mac(&st), bcast, 6);
	memset(f + 6, 0, 6);
	link_learn_mac(&st, pview_make(f, sizeof(f)));
	assert_memory_equal(l2_guest_dst_mac(&st), bcast, 6);

	frame_from(&l2, &st, "fe80::5054:ff:fe12:3456");
	assert_memory_equal(l2_guest_dst_mac(&st), fx_guest_mac, 6);
	assert_memory_equal(st.guest_mac, fx_guest_mac, 6);
}

/* Write one frame to the tap's peer, behind a virtio-net header */
static void tap_put(int fd, uint8_t vnet_flags, const char *src)
{
	uint8_t buf[TAP_VNET_HDR_LEN + 14 + 40 + 8] = {0};

	buf[0] = vnet_flags;	/* struct virtio_net_hdr: flags first */
	udp6_frame(buf + TAP_VNET_HDR_LEN, src);
	assert_int_equal(write(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
}

/* The checksum offload flag of each frame reaches the l3 handler with that
 * frame, not with its neighbours
 */
static void test_tap_offload_flag_per_frame(void **state)
{
	static struct l2_conf l2;
	static struct l2_state st;
	static struct tap t;
	int sv[2];

	(void)state;
	fx_conf(&l2);
	tap_none(&t);
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0,
				    sv), 0);
	t.fd = sv[0];
	tap_put(sv[1], VIRTIO_NET_HDR_F_NEEDS_CSUM, "fe80::2");
	tap_put(sv[1], 0, "fe80::2");
	tap_put(sv[1], VIRTIO_NET_HDR_F_NEEDS_CSUM, "fe80::2");
	l3_frames = 0;
	assert_int_equal(tap_handler(&t, &l2, &st, l3_count, NULL, TAP_BATCH),
			 0);
	assert_int_equal(l3_frames, 3);
	assert_int_equal(l3_flags[0], LINK_F_CSUM_PARTIAL);
	assert_int_equal(l3_flags[1], 0);
	assert_int_equal(l3_flags[2], LINK_F_CSUM_PARTIAL);
	assert_a6(&st.ll6_seen, "fe80::2");
	assert_int_equal(t.n.frames_in, 3);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_local_source_learnt),
		cmocka_unit_test(test_other_sources_ignored),
		cmocka_unit_test(test_guest_dst6_by_scope),
		cmocka_unit_test(test_guest_addr4_prev),
		cmocka_unit_test(test_guest_mac_learnt_into_state),
		cmocka_unit_test(test_tap_offload_flag_per_frame),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
