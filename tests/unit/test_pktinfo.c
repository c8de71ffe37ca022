// SPDX-License-Identifier: GPL-2.0-or-later
/* test_pktinfo.c - unit tests of the packet information messages: reading
 * the destination of a datagram, writing the source of an answer
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "transport/pktinfo.h"

/* Control buffer with room for three messages, as the kernel aligns them */
static union {
	char buf[3 * PKTINFO_SPACE];
	struct cmsghdr align;
} ctl;

/* Append one message to @mh (its msg_controllen grows) */
static void add_cmsg(struct msghdr *mh, int level, int type, const void *d,
		     size_t len)
{
	struct cmsghdr *cm = (struct cmsghdr *)(void *)(ctl.buf +
							mh->msg_controllen);

	cm->cmsg_level = level;
	cm->cmsg_type = type;
	cm->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(cm), d, len);
	mh->msg_controllen += CMSG_SPACE(len);
}

static void msg_init(struct msghdr *mh)
{
	memset(mh, 0, sizeof(*mh));
	memset(&ctl, 0, sizeof(ctl));
	mh->msg_control = ctl.buf;
}

static void test_dst_v4(void **state)
{
	struct in_pktinfo pi = { .ipi_ifindex = 1 };
	union inany_addr dst;
	struct msghdr mh;
	char s[INET6_ADDRSTRLEN];

	(void)state;
	msg_init(&mh);
	inet_pton(AF_INET, "127.0.0.2", &pi.ipi_addr);
	inet_pton(AF_INET, "127.0.0.1", &pi.ipi_spec_dst); /* not the one */
	add_cmsg(&mh, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
	assert_true(pktinfo_dst(&mh, &dst));
	assert_true(inany_is_v4(&dst));
	assert_string_equal(inany_ntop(&dst, s, sizeof(s)), "127.0.0.2");
}

static void test_dst_v6_after_other_message(void **state)
{
	struct in6_pktinfo pi = { .ipi6_ifindex = 2 };
	union inany_addr dst;
	struct msghdr mh;
	char s[INET6_ADDRSTRLEN];
	int ttl = 64;

	(void)state;
	msg_init(&mh);
	inet_pton(AF_INET6, "2001:db8::11", &pi.ipi6_addr);
	add_cmsg(&mh, IPPROTO_IPV6, IPV6_HOPLIMIT, &ttl, sizeof(ttl));
	add_cmsg(&mh, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
	assert_true(pktinfo_dst(&mh, &dst));
	assert_string_equal(inany_ntop(&dst, s, sizeof(s)), "2001:db8::11");

	/* what a dual-stack socket reports for IPv4: v4-mapped */
	msg_init(&mh);
	inet_pton(AF_INET6, "::ffff:198.51.100.11", &pi.ipi6_addr);
	add_cmsg(&mh, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
	assert_true(pktinfo_dst(&mh, &dst));
	assert_true(inany_is_v4(&dst));
	assert_string_equal(inany_ntop(&dst, s, sizeof(s)), "198.51.100.11");
}

static void test_dst_absent_or_short(void **state)
{
	struct in6_pktinfo pi = { .ipi6_ifindex = 2 };
	union inany_addr dst;
	struct msghdr mh;
	int ttl = 64;

	(void)state;
	msg_init(&mh);
	assert_false(pktinfo_dst(&mh, &dst));	/* no messages */
	mh.msg_control = NULL;
	assert_false(pktinfo_dst(&mh, &dst));	/* no buffer */

	msg_init(&mh);
	add_cmsg(&mh, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
	assert_false(pktinfo_dst(&mh, &dst));	/* something else */

	/* a message too short for its type is not read */
	msg_init(&mh);
	add_cmsg(&mh, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi) - 4);
	assert_false(pktinfo_dst(&mh, &dst));
}

static void test_put(void **state)
{
	struct in6_pktinfo pi6;
	struct in_pktinfo pi4;
	union inany_addr a;
	struct cmsghdr *cm = &ctl.align;
	char s[INET_ADDRSTRLEN];

	(void)state;
	/* IPv4 socket: the source goes in ipi_spec_dst */
	inany_from_v4(&a, (struct in_addr){ htonl(0x7f000002) });
	memset(&ctl, 0xff, sizeof(ctl));
	assert_int_equal(pktinfo_put(ctl.buf, sizeof(ctl.buf), AF_INET, &a),
			 CMSG_SPACE(sizeof(pi4)));
	assert_int_equal(cm->cmsg_level, IPPROTO_IP);
	assert_int_equal(cm->cmsg_type, IP_PKTINFO);
	assert_int_equal(cm->cmsg_len, CMSG_LEN(sizeof(pi4)));
	memcpy(&pi4, CMSG_DATA(cm), sizeof(pi4));
	assert_int_equal(pi4.ipi_ifindex, 0);
	assert_int_equal(pi4.ipi_addr.s_addr, 0);
	assert_string_equal(inet_ntop(AF_INET, &pi4.ipi_spec_dst, s,
				      sizeof(s)), "127.0.0.2");

	/* dual-stack socket, IPv4 peer: v4-mapped in ipi6_addr */
	assert_int_equal(pktinfo_put(ctl.buf, sizeof(ctl.buf), AF_INET6, &a),
			 CMSG_SPACE(sizeof(pi6)));
	assert_int_equal(cm->cmsg_level, IPPROTO_IPV6);
	assert_int_equal(cm->cmsg_type, IPV6_PKTINFO);
	memcpy(&pi6, CMSG_DATA(cm), sizeof(pi6));
	assert_int_equal(pi6.ipi6_ifindex, 0);
	assert_memory_equal(&pi6.ipi6_addr, &a.a6, sizeof(a.a6));

	/* an IPv6 address for an IPv4 socket, or no room: nothing */
	inet_pton(AF_INET6, "2001:db8::11", &a.a6);
	assert_int_equal(pktinfo_put(ctl.buf, sizeof(ctl.buf), AF_INET, &a),
			 0);
	assert_int_equal(pktinfo_put(ctl.buf, CMSG_SPACE(sizeof(pi6)) - 1,
				     AF_INET6, &a), 0);
	assert_int_equal(pktinfo_put(ctl.buf, CMSG_SPACE(sizeof(pi6)),
				     AF_INET6, &a), CMSG_SPACE(sizeof(pi6)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dst_v4),
		cmocka_unit_test(test_dst_v6_after_other_message),
		cmocka_unit_test(test_dst_absent_or_short),
		cmocka_unit_test(test_put),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
