// SPDX-License-Identifier: GPL-2.0-or-later
/* test_netlink.c - rtnetlink builders and parsers, netns paths, netcfg values
 *
 * Canned replies are written out byte by byte as the kernel sends them on a
 * little-endian machine (x86_64, aarch64): the tests are skipped elsewhere.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <net/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_link.h>
#include <linux/if_addr.h>
#include <libmnl/libmnl.h>

#include "base/util.h"
#include "os/netcfg.h"
#include "os/netlink.h"
#include "os/netns.h"

#define ALIGNED __attribute__((aligned(4)))

/* Not reformatted: one row per header or attribute reads like a dump */
/* clang-format off */
/* default via 192.0.2.1 dev 4 proto boot metric 100, seq 1, multipart */
static const uint8_t route4_gw[] ALIGNED = {
	0x3c, 0x00, 0x00, 0x00, 0x18, 0x00, 0x02, 0x00, /* len 60, NEWROUTE */
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* seq 1, pid 0 */
	0x02, 0x00, 0x00, 0x00, 0xfe, 0x03, 0x00, 0x01, /* inet, main, boot */
	0x00, 0x00, 0x00, 0x00,				/* rtm_flags */
	0x08, 0x00, 0x0f, 0x00, 0xfe, 0x00, 0x00, 0x00, /* RTA_TABLE 254 */
	0x08, 0x00, 0x06, 0x00, 0x64, 0x00, 0x00, 0x00, /* RTA_PRIORITY 100 */
	0x08, 0x00, 0x05, 0x00, 192,  0,    2,	  1,	/* RTA_GATEWAY */
	0x08, 0x00, 0x04, 0x00, 0x04, 0x00, 0x00, 0x00, /* RTA_OIF 4 */
};

/* 2001:db8:1::/64 dev 4 proto kernel metric 256, no gateway, seq 1 */
static const uint8_t route6_net[] ALIGNED = {
	0x48, 0x00, 0x00, 0x00, 0x18, 0x00, 0x02, 0x00, /* len 72 */
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x0a, 0x40, 0x00, 0x00, 0xfe, 0x02, 0x00, 0x01, /* inet6 /64 kernel */
	0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x0f, 0x00, 0xfe, 0x00, 0x00, 0x00, /* RTA_TABLE 254 */
	0x14, 0x00, 0x01, 0x00, 0x20, 0x01, 0x0d, 0xb8, /* RTA_DST */
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x06, 0x00, 0x00, 0x01, 0x00, 0x00, /* RTA_PRIORITY 256 */
	0x08, 0x00, 0x04, 0x00, 0x04, 0x00, 0x00, 0x00, /* RTA_OIF 4 */
};

/* 198.51.100.1/24 on index 4, label eth0, permanent */
static const uint8_t addr4[] ALIGNED = {
	0x3c, 0x00, 0x00, 0x00, 0x14, 0x00, 0x02, 0x00, /* len 60, NEWADDR */
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x02, 0x18, 0x80, 0x00, 0x04, 0x00, 0x00, 0x00, /* inet /24, idx 4 */
	0x08, 0x00, 0x01, 0x00, 198,  51,   100,  255,	/* IFA_ADDRESS peer */
	0x08, 0x00, 0x02, 0x00, 198,  51,   100,  1,	/* IFA_LOCAL */
	0x09, 0x00, 0x03, 0x00, 'e',  't',  'h',  '0', /* IFA_LABEL */
	0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x08, 0x00, 0x80, 0x00, 0x00, 0x00, /* IFA_FLAGS */
};

/* 2001:db8:1::1/64 on index 4, IFA_FLAGS permanent|noprefixroute */
static const uint8_t addr6[] ALIGNED = {
	0x48, 0x00, 0x00, 0x00, 0x14, 0x00, 0x02, 0x00, /* len 72 */
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x0a, 0x40, 0x80, 0x00, 0x04, 0x00, 0x00, 0x00, /* inet6 /64 */
	0x14, 0x00, 0x01, 0x00, 0x20, 0x01, 0x0d, 0xb8, /* IFA_ADDRESS */
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01,
	0x14, 0x00, 0x06, 0x00, 0xff, 0xff, 0xff, 0xff, /* IFA_CACHEINFO */
	0xff, 0xff, 0xff, 0xff, 0x10, 0x00, 0x00, 0x00,
	0x20, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x08, 0x00, 0x80, 0x02, 0x00, 0x00, /* IFA_FLAGS */
};

/* eth0, index 4, up, MTU 1500, 02:00:5e:00:53:01 */
static const uint8_t link_eth0[] ALIGNED = {
	0x4c, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, /* len 76, NEWLINK */
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00, /* ether, index 4 */
	0x43, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, /* UP|..., change 0 */
	0x09, 0x00, 0x03, 0x00, 'e',  't',  'h',  '0', /* IFLA_IFNAME */
	0x00, 0x00, 0x00, 0x00,
	0x08, 0x00, 0x04, 0x00, 0xdc, 0x05, 0x00, 0x00, /* IFLA_MTU 1500 */
	0x0a, 0x00, 0x01, 0x00, 0x02, 0x00, 0x5e, 0x00, /* IFLA_ADDRESS */
	0x53, 0x01, 0x00, 0x00,
	0x0a, 0x00, 0x02, 0x00, 0xff, 0xff, 0xff, 0xff, /* IFLA_BROADCAST */
	0xff, 0xff, 0x00, 0x00,
};

/* NLMSG_ERROR -EEXIST, capped, with an extended ACK message */
static const uint8_t err_ext[] ALIGNED = {
	0x40, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x03, /* len 64, CAPPED|TLVS */
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xef, 0xff, 0xff, 0xff,				/* error -17 */
	0x1c, 0x00, 0x00, 0x00, 0x18, 0x00, 0x05, 0x06, /* request header */
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x1c, 0x00, 0x01, 0x00, 'N',  'e',  'x',  't', /* NLMSGERR_ATTR_MSG */
	'h',  'o',  'p',  ' ',	'h',  'a',  's',  ' ',	'i', 'n', 'v', 'a',
	'l',  'i',  'd',  ' ',	'g',  'w',  0x00, 0x00,
};

/* NLMSG_DONE, seq 1 */
static const uint8_t done_msg[] ALIGNED = {
	0x14, 0x00, 0x00, 0x00, 0x03, 0x00, 0x02, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
};
/* clang-format on */

/**
 * struct found_attr - Result of find_attr()
 * @len:	Payload length
 * @data:	Payload copy
 */
struct found_attr {
	size_t len;
	uint8_t data[64];
};

/**
 * find_attr() - Find an attribute in a message we built
 * @buf:	Message
 * @hdrlen:	Size of its family header
 * @type:	Attribute type
 * @out:	Payload
 *
 * Return: true if found
 */
static bool find_attr(const void *buf, size_t hdrlen, uint16_t type,
		      struct found_attr *out)
{
	const struct nlmsghdr *nh = buf;
	const char *tail = mnl_nlmsg_get_payload_tail(nh);
	const struct nlattr *a;

	for (a = mnl_nlmsg_get_payload_offset(nh, hdrlen);
	     mnl_attr_ok(a, (int)(tail - (const char *)a));
	     a = mnl_attr_next(a)) {
		if (mnl_attr_get_type(a) != type)
			continue;
		out->len = mnl_attr_get_payload_len(a);
		assert_true(out->len <= sizeof(out->data));
		memcpy(out->data, mnl_attr_get_payload(a), out->len);
		return true;
	}
	return false;
}

/**
 * attr_u32() - Get a 32-bit attribute of a message we built
 * @buf:	Message
 * @hdrlen:	Size of its family header
 * @type:	Attribute type
 *
 * Return: the value; the test fails if it is missing
 */
static uint32_t attr_u32(const void *buf, size_t hdrlen, uint16_t type)
{
	struct found_attr f = {0};
	uint32_t v;

	assert_true(find_attr(buf, hdrlen, type, &f));
	assert_int_equal(f.len, 4);
	memcpy(&v, f.data, 4);
	return v;
}

static int little_endian(void **state)
{
	const uint16_t one = 1;

	(void)state;
	if (*(const uint8_t *)&one != 1)
		skip();
	return 0;
}

static void test_build_route_dump_header(void **state)
{
	uint8_t buf[NL_REQ_SIZE] ALIGNED;
	const struct nlmsghdr *nh = (const void *)buf;
	const struct rtmsg *rtm = (const void *)(buf + NLMSG_HDRLEN);
	int len;

	(void)state;
	len = nl_build_route_dump(buf, sizeof(buf), 42, AF_INET6);
	assert_int_equal(len, NLMSG_HDRLEN + sizeof(*rtm));
	assert_int_equal(nh->nlmsg_len, len);
	assert_int_equal(nh->nlmsg_type, RTM_GETROUTE);
	assert_int_equal(nh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	assert_int_equal(nh->nlmsg_seq, 42);
	assert_int_equal(rtm->rtm_family, AF_INET6);
	assert_int_equal(rtm->rtm_table, 0);
}

static void test_build_addr_and_link_dump(void **state)
{
	uint8_t buf[NL_REQ_SIZE] ALIGNED;
	const struct nlmsghdr *nh = (const void *)buf;
	int len;

	(void)state;
	len = nl_build_addr_dump(buf, sizeof(buf), 7, AF_INET);
	assert_int_equal(len, NLMSG_HDRLEN + sizeof(struct ifaddrmsg));
	assert_int_equal(nh->nlmsg_type, RTM_GETADDR);
	assert_int_equal(nh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	assert_int_equal(buf[NLMSG_HDRLEN], AF_INET);

	len = nl_build_link_dump(buf, sizeof(buf), 8);
	assert_int_equal(len, NLMSG_HDRLEN + sizeof(struct ifinfomsg));
	assert_int_equal(nh->nlmsg_type, RTM_GETLINK);
	assert_int_equal(nh->nlmsg_seq, 8);
}

static void test_build_link_get_by_name(void **state)
{
	uint8_t buf[NL_REQ_SIZE] ALIGNED;
	const struct nlmsghdr *nh = (const void *)buf;
	const struct ifinfomsg *ifi = (const void *)(buf + NLMSG_HDRLEN);
	struct found_attr f = {0};
	int len;

	(void)state;
	len = nl_build_link_get(buf, sizeof(buf), 3, 0, "eth0");
	assert_true(len > 0);
	assert_int_equal(nh->nlmsg_type, RTM_GETLINK);
	assert_int_equal(nh->nlmsg_flags, NLM_F_REQUEST);
	assert_int_equal(ifi->ifi_index, 0);
	assert_true(find_attr(buf, sizeof(*ifi), IFLA_IFNAME, &f));
	assert_int_equal(f.len, 5);
	assert_memory_equal(f.data, "eth0", 5);

	len = nl_build_link_get(buf, sizeof(buf), 3, 9, NULL);
	assert_int_equal(len, NLMSG_HDRLEN + sizeof(*ifi));
	assert_int_equal(ifi->ifi_index, 9);
}

static void test_build_link_get_rejects_bad_names(void **state)
{
	uint8_t buf[NL_REQ_SIZE] ALIGNED;

	(void)state;
	assert_int_equal(nl_build_link_get(buf, sizeof(buf), 1, 0, NULL),
			 -EINVAL);
	assert_int_equal(nl_build_link_get(buf, sizeof(buf), 1, 0, ""),
			 -EINVAL);
	assert_int_equal(
		nl_build_link_get(buf, sizeof(buf), 1, 0, "sixteen-chars-xx"),
		-EINVAL);
}

static void test_build_link_set_mtu_mac_up(void **state)
{
	const uint8_t mac[6] = {0x02, 0x00, 0x5e, 0x00, 0x53, 0x01};
	uint8_t buf[NL_REQ_SIZE] ALIGNED;
	const struct nlmsghdr *nh = (const void *)buf;
	const struct ifinfomsg *ifi = (const void *)(buf + NLMSG_HDRLEN);
	struct found_attr f = {0};

	(void)state;
	assert_true(nl_build_link_set(buf, sizeof(buf), 5, 4, 1400, mac, true) >
		    0);
	assert_int_equal(nh->nlmsg_type, RTM_NEWLINK);
	assert_int_equal(nh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(ifi->ifi_index, 4);
	assert_int_equal(ifi->ifi_flags, IFF_UP);
	assert_int_equal(ifi->ifi_change, IFF_UP);
	assert_int_equal(attr_u32(buf, sizeof(*ifi), IFLA_MTU), 1400);
	assert_true(find_attr(buf, sizeof(*ifi), IFLA_ADDRESS, &f));
	assert_int_equal(f.len, 6);
	assert_memory_equal(f.data, mac, 6);
}

static void test_build_link_set_leaves_state(void **state)
{
	uint8_t buf[NL_REQ_SIZE] ALIGNED;
	const struct ifinfomsg *ifi = (const void *)(buf + NLMSG_HDRLEN);
	struct found_attr f = {0};
	int len;

	(void)state;
	len = nl_build_link_set(buf, sizeof(buf), 5, 4, 0, NULL, false);
	assert_int_equal(len, NLMSG_HDRLEN + sizeof(*ifi));
	assert_int_equal(ifi->ifi_flags, 0);
	assert_int_equal(ifi->ifi_change, 0);
	assert_false(find_attr(buf, sizeof(*ifi), IFLA_MTU, &f));
	assert_int_equal(
		nl_build_link_set(buf, sizeof(buf), 5, 0, 0, NULL, true),
		-EINVAL);
}

static void test_build_link_addrgen_none(void **state)
{
	uint8_t buf[NL_REQ_SIZE] ALIGNED;
	const struct nlmsghdr *nh = (const void *)buf;
	const struct ifinfomsg *ifi = (const void *)(buf + NLMSG_HDRLEN);
	const uint8_t *a = buf + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*ifi));
	int len;

	(void)state;
	len = nl_build_link_addrgen(buf, sizeof(buf), 6, 4,
				    IN6_ADDR_GEN_MODE_NONE);
	/* IFLA_AF_SPEC { AF_INET6 { IFLA_INET6_ADDR_GEN_MODE: u8 } } */
	assert_int_equal(len, NLMSG_HDRLEN + sizeof(*ifi) + 4 + 4 + 8);
	assert_int_equal(nh->nlmsg_len, len);
	assert_int_equal(nh->nlmsg_type, RTM_NEWLINK);
	assert_int_equal(nh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(nh->nlmsg_seq, 6);
	assert_int_equal(ifi->ifi_index, 4);
	assert_int_equal(ifi->ifi_flags, 0);
	assert_int_equal(ifi->ifi_change, 0);
	assert_int_equal(a[0] | a[1] << 8, 16);		/* nla_len */
	assert_int_equal(a[2] | a[3] << 8, IFLA_AF_SPEC | NLA_F_NESTED);
	assert_int_equal(a[4] | a[5] << 8, 12);
	assert_int_equal(a[6] | a[7] << 8, AF_INET6 | NLA_F_NESTED);
	assert_int_equal(a[8] | a[9] << 8, 5);
	assert_int_equal(a[10] | a[11] << 8, IFLA_INET6_ADDR_GEN_MODE);
	assert_int_equal(a[12], IN6_ADDR_GEN_MODE_NONE);

	assert_int_equal(nl_build_link_addrgen(buf, sizeof(buf), 6, 0, 1),
			 -EINVAL);
	assert_int_equal(nl_build_link_addrgen(buf, (size_t)len - 1, 6, 4, 1),
			 -ENOBUFS);
}

static void test_netcfg_ll_eui64(void **state)
{
	const uint8_t mac[6] = {0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55};
	const uint8_t mac2[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
	char s[INET6_ADDRSTRLEN];
	struct in6_addr a;

	(void)state;
	/* RFC 4291 appendix A: U/L bit inverted, ff:fe in the middle */
	netcfg_ll_eui64(mac, &a);
	inet_ntop(AF_INET6, &a, s, sizeof(s));
	assert_string_equal(s, "fe80::9855:9aff:fe55:9a55");
	netcfg_ll_eui64(mac2, &a);
	inet_ntop(AF_INET6, &a, s, sizeof(s));
	assert_string_equal(s, "fe80::5054:ff:fe12:3456");
}

static void test_build_addr_add_v4(void **state)
{
	struct nl_addr a = {.family = AF_INET, .prefix = 24};
	uint8_t buf[NL_REQ_SIZE] ALIGNED;
	const struct nlmsghdr *nh = (const void *)buf;
	const struct ifaddrmsg *ifa = (const void *)(buf + NLMSG_HDRLEN);
	struct found_attr f = {0};

	(void)state;
	inet_pton(AF_INET, "198.51.100.1", &a.addr.a4);
	assert_true(nl_build_addr_add(buf, sizeof(buf), 11, 4, &a) > 0);
	assert_int_equal(nh->nlmsg_type, RTM_NEWADDR);
	assert_int_equal(nh->nlmsg_flags,
			 NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	assert_int_equal(nh->nlmsg_seq, 11);
	assert_int_equal(ifa->ifa_family, AF_INET);
	assert_int_equal(ifa->ifa_prefixlen, 24);
	assert_int_equal(ifa->ifa_index, 4);
	assert_int_equal(ifa->ifa_scope, RT_SCOPE_UNIVERSE);
	assert_int_equal(ifa->ifa_flags & IFA_F_NODAD, 0);
	assert_true(find_attr(buf, sizeof(*ifa), IFA_LOCAL, &f));
	assert_int_equal(f.len, 4);
	assert_memory_equal(f.data, &a.addr.a4, 4);
	assert_true(find_attr(buf, sizeof(*ifa), IFA_ADDRESS, &f));
	assert_memory_equal(f.data, &a.addr.a4, 4);
	assert_int_equal(attr_u32(buf, sizeof(*ifa), IFA_FLAGS), 0);
}

static void test_build_addr_add_v6_nodad(void **state)
{
	struct nl_addr a = {.family = AF_INET6,
			    .prefix = 64,
			    .flags = IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE};
	uint8_t buf[NL_REQ_SIZE] ALIGNED;
	const struct ifaddrmsg *ifa = (const void *)(buf + NLMSG_HDRLEN);
	struct found_attr f = {0};

	(void)state;
	inet_pton(AF_INET6, "2001:db8:1::1", &a.addr.a6);
	assert_true(nl_build_addr_add(buf, sizeof(buf), 1, 4, &a) > 0);
	assert_int_equal(ifa->ifa_family, AF_INET6);
	assert_int_equal(ifa->ifa_prefixlen, 64);
	assert_int_equal(ifa->ifa_flags, IFA_F_NODAD);
	assert_int_equal(attr_u32(buf, sizeof(*ifa), IFA_FLAGS),
			 IFA_F_NODAD | IFA_F_NOPREFIXROUTE);
	assert_true(find_attr(buf, sizeof(*ifa), IFA_LOCAL, &f));
	assert_int_equal(f.len, 16);
	assert_memory_equal(f.data, &a.addr.a6, 16);
}

static void test_build_addr_add_rejects_bad_input(void **state)
{
	struct nl_addr a = {.family = AF_INET, .prefix = 33};
	uint8_t buf[NL_REQ_SIZE] ALIGNED;

	(void)state;
	assert_int_equal(nl_build_addr_add(buf, sizeof(buf), 1, 4, &a),
			 -EINVAL);
	a.prefix = 24;
	assert_int_equal(nl_build_addr_add(buf, sizeof(buf), 1, 0, &a),
			 -EINVAL);
	a.family = AF_UNIX;
	assert_int_equal(nl_build_addr_add(buf, sizeof(buf), 1, 4, &a),
			 -EAFNOSUPPORT);
}

static void test_build_route_add_v4_gateway(void **state)
{
	struct nl_route r = {.family = AF_INET, .has_gw = true, .metric = 100};
	uint8_t buf[NL_REQ_SIZE] ALIGNED;
	const struct nlmsghdr *nh = (const void *)buf;
	const struct rtmsg *rtm = (const void *)(buf + NLMSG_HDRLEN);
	struct found_attr f = {0};

	(void)state;
	inet_pton(AF_INET, "192.0.2.1", &r.gw.a4);
	assert_true(nl_build_route_add(buf, sizeof(buf), 9, 4, &r) > 0);
	assert_int_equal(nh->nlmsg_type, RTM_NEWROUTE);
	assert_int_equal(nh->nlmsg_flags,
			 NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	assert_int_equal(rtm->rtm_family, AF_INET);
	assert_int_equal(rtm->rtm_dst_len, 0);
	assert_int_equal(rtm->rtm_table, RT_TABLE_MAIN);
	assert_int_equal(rtm->rtm_protocol, RTPROT_BOOT);
	assert_int_equal(rtm->rtm_scope, RT_SCOPE_UNIVERSE);
	assert_int_equal(rtm->rtm_type, RTN_UNICAST);
	assert_false(find_attr(buf, sizeof(*rtm), RTA_DST, &f));
	assert_true(find_attr(buf, sizeof(*rtm), RTA_GATEWAY, &f));
	assert_int_equal(f.len, 4);
	assert_memory_equal(f.data, &r.gw.a4, 4);
	assert_int_equal(attr_u32(buf, sizeof(*rtm), RTA_OIF), 4);
	assert_int_equal(attr_u32(buf, sizeof(*rtm), RTA_PRIORITY), 100);
}

static void test_build_route_add_v6_onlink(void **state)
{
	struct nl_route r = {
		.family = AF_INET6, .dst_len = 64, .protocol = RTPROT_STATIC};
	uint8_t buf[NL_REQ_SIZE] ALIGNED;
	const struct rtmsg *rtm = (const void *)(buf + NLMSG_HDRLEN);
	struct found_attr f = {0};

	(void)state;
	inet_pton(AF_INET6, "2001:db8:2::", &r.dst.a6);
	assert_true(nl_build_route_add(buf, sizeof(buf), 9, 7, &r) > 0);
	assert_int_equal(rtm->rtm_dst_len, 64);
	assert_int_equal(rtm->rtm_scope, RT_SCOPE_LINK);
	assert_int_equal(rtm->rtm_protocol, RTPROT_STATIC);
	assert_true(find_attr(buf, sizeof(*rtm), RTA_DST, &f));
	assert_int_equal(f.len, 16);
	assert_memory_equal(f.data, &r.dst.a6, 16);
	assert_false(find_attr(buf, sizeof(*rtm), RTA_GATEWAY, &f));
	assert_false(find_attr(buf, sizeof(*rtm), RTA_PRIORITY, &f));
	assert_int_equal(attr_u32(buf, sizeof(*rtm), RTA_OIF), 7);

	r.dst_len = 129;
	assert_int_equal(nl_build_route_add(buf, sizeof(buf), 9, 7, &r),
			 -EINVAL);
}

static void test_builders_small_buffer(void **state)
{
	struct nl_route r = {.family = AF_INET6, .dst_len = 64, .has_gw = true};
	struct nl_addr a = {.family = AF_INET6, .prefix = 64};
	uint8_t buf[NL_REQ_SIZE] ALIGNED;
	size_t n;

	(void)state;
	for (n = 0; n < 48; n++) {
		assert_int_equal(nl_build_route_add(buf, n, 1, 1, &r),
				 -ENOBUFS);
		assert_int_equal(nl_build_addr_add(buf, n, 1, 1, &a), -ENOBUFS);
	}
	assert_int_equal(nl_build_route_dump(buf, 27, 1, AF_INET), -ENOBUFS);
	assert_int_equal(nl_build_route_dump(buf, 28, 1, AF_INET), 28);
	assert_int_equal(nl_build_link_get(buf, 36, 1, 0, "eth0"), -ENOBUFS);
}

static void test_parse_route_v4_gateway_metric(void **state)
{
	struct nl_route r;

	(void)state;
	assert_int_equal(nl_parse_route(route4_gw, sizeof(route4_gw), &r), 0);
	assert_int_equal(r.family, AF_INET);
	assert_int_equal(r.dst_len, 0);
	assert_true(r.has_gw);
	assert_int_equal(ntohl(r.gw.a4.s_addr), 0xc0000201);
	assert_int_equal(r.ifindex, 4);
	assert_int_equal(r.metric, 100);
	assert_int_equal(r.table, RT_TABLE_MAIN);
	assert_int_equal(r.protocol, RTPROT_BOOT);
	assert_int_equal(r.type, RTN_UNICAST);
}

static void test_parse_route_v6_no_gateway(void **state)
{
	struct in6_addr want;
	struct nl_route r;

	(void)state;
	inet_pton(AF_INET6, "2001:db8:1::", &want);
	assert_int_equal(nl_parse_route(route6_net, sizeof(route6_net), &r), 0);
	assert_int_equal(r.family, AF_INET6);
	assert_int_equal(r.dst_len, 64);
	assert_memory_equal(&r.dst.a6, &want, 16);
	assert_false(r.has_gw);
	assert_int_equal(r.metric, 256);
	assert_int_equal(r.ifindex, 4);
	assert_int_equal(r.protocol, RTPROT_KERNEL);
}

static void test_parse_route_without_priority(void **state)
{
	uint8_t m[sizeof(route4_gw)] ALIGNED;
	struct nl_route r;

	(void)state;
	/* Drop RTA_PRIORITY by turning it into an unknown attribute type */
	memcpy(m, route4_gw, sizeof(m));
	m[38] = 0x7f;
	assert_int_equal(nl_parse_route(m, sizeof(m), &r), 0);
	assert_int_equal(r.metric, 0);
	assert_true(r.has_gw);
}

static void test_parse_addr_v4_prefers_local(void **state)
{
	struct nl_addr a;

	(void)state;
	assert_int_equal(nl_parse_addr(addr4, sizeof(addr4), &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.prefix, 24);
	assert_int_equal(ntohl(a.addr.a4.s_addr), 0xc6336401);
	assert_int_equal(a.ifindex, 4);
	assert_int_equal(a.scope, RT_SCOPE_UNIVERSE);
	assert_int_equal(a.flags, IFA_F_PERMANENT);
}

static void test_parse_addr_v6_flags_attr(void **state)
{
	struct in6_addr want;
	struct nl_addr a;

	(void)state;
	inet_pton(AF_INET6, "2001:db8:1::1", &want);
	assert_int_equal(nl_parse_addr(addr6, sizeof(addr6), &a), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(a.prefix, 64);
	assert_memory_equal(&a.addr.a6, &want, 16);
	assert_int_equal(a.flags, IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE);
}

static void test_parse_link(void **state)
{
	const uint8_t mac[6] = {0x02, 0x00, 0x5e, 0x00, 0x53, 0x01};
	struct nl_link l;

	(void)state;
	assert_int_equal(nl_parse_link(link_eth0, sizeof(link_eth0), &l), 0);
	assert_int_equal(l.ifindex, 4);
	assert_string_equal(l.name, "eth0");
	assert_int_equal(l.mtu, 1500);
	assert_memory_equal(l.mac, mac, 6);
	assert_true(l.up);
}

static void test_parse_truncated_rejected(void **state)
{
	static const struct {
		const uint8_t *m;
		size_t len;
	} msgs[] = {
		{route4_gw, sizeof(route4_gw)},
		{route6_net, sizeof(route6_net)},
		{addr4, sizeof(addr4)},
		{addr6, sizeof(addr6)},
		{link_eth0, sizeof(link_eth0)},
	};
	uint8_t m[128] ALIGNED;
	struct nl_route r;
	struct nl_addr a;
	struct nl_link l;
	size_t i, n;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(msgs); i++) {
		memcpy(m, msgs[i].m, msgs[i].len);
		for (n = 0; n < msgs[i].len; n++) {
			/* Buffer shorter than nlmsg_len */
			assert_true(nl_parse_route(m, n, &r) < 0);
			assert_true(nl_parse_addr(m, n, &a) < 0);
			assert_true(nl_parse_link(m, n, &l) < 0);
		}
	}
	/* nlmsg_len cutting the last attribute short */
	memcpy(m, route4_gw, sizeof(route4_gw));
	m[0] = sizeof(route4_gw) - 2;
	assert_int_equal(nl_parse_route(m, sizeof(route4_gw), &r), -EBADMSG);
	/* nlmsg_len shorter than the family header */
	m[0] = NLMSG_HDRLEN + 4;
	assert_int_equal(nl_parse_route(m, sizeof(route4_gw), &r), -EBADMSG);
}

static void test_parse_bad_attr_lengths_rejected(void **state)
{
	uint8_t m[sizeof(link_eth0)] ALIGNED;
	struct nl_route r;
	struct nl_link l;
	struct nl_addr a;

	(void)state;
	/* Attribute longer than the rest of the message */
	memcpy(m, link_eth0, sizeof(m));
	m[32] = 0x40;
	assert_int_equal(nl_parse_link(m, sizeof(m), &l), -EBADMSG);
	/* Attribute shorter than its own header */
	m[32] = 0x02;
	assert_int_equal(nl_parse_link(m, sizeof(m), &l), -EBADMSG);
	/* Name without terminating NUL */
	memcpy(m, link_eth0, sizeof(m));
	m[32] = 0x08;
	assert_int_equal(nl_parse_link(m, sizeof(m), &l), -EBADMSG);
	/* IFLA_MTU of 3 bytes */
	memcpy(m, link_eth0, sizeof(m));
	m[44] = 0x07;
	assert_int_equal(nl_parse_link(m, sizeof(m), &l), -EBADMSG);

	/* IPv4 gateway of 3 bytes */
	memcpy(m, route4_gw, sizeof(route4_gw));
	m[44] = 0x07;
	assert_int_equal(nl_parse_route(m, sizeof(route4_gw), &r), -EBADMSG);
	/* IPv6 address given 4 bytes: shrink IFA_ADDRESS, pad the rest */
	memcpy(m, addr6, sizeof(addr6));
	m[24] = 0x08;
	assert_int_equal(nl_parse_addr(m, sizeof(addr6), &a), -EBADMSG);
}

static void test_parse_wrong_type_or_family(void **state)
{
	uint8_t m[sizeof(route4_gw)] ALIGNED;
	struct nl_route r;
	struct nl_addr a;

	(void)state;
	assert_int_equal(nl_parse_route(addr4, sizeof(addr4), &r), -ENOMSG);
	assert_int_equal(nl_parse_addr(route4_gw, sizeof(route4_gw), &a),
			 -ENOMSG);
	memcpy(m, route4_gw, sizeof(m));
	m[16] = 128; /* RTNL_FAMILY_IPMR */
	assert_int_equal(nl_parse_route(m, sizeof(m), &r), -EAFNOSUPPORT);
	memcpy(m, route4_gw, sizeof(m));
	m[17] = 33; /* IPv4 /33 */
	assert_int_equal(nl_parse_route(m, sizeof(m), &r), -EBADMSG);
}

static void test_parse_error_ext_ack(void **state)
{
	char ext[64];

	(void)state;
	assert_int_equal(
		nl_parse_error(err_ext, sizeof(err_ext), ext, sizeof(ext)),
		-EEXIST);
	assert_string_equal(ext, "Nexthop has invalid gw");
	/* Truncated output buffer still gets a terminated string */
	assert_int_equal(nl_parse_error(err_ext, sizeof(err_ext), ext, 8),
			 -EEXIST);
	assert_string_equal(ext, "Nexthop");
}

static void test_parse_error_uncapped_ack(void **state)
{
	uint8_t m[NL_REQ_SIZE] ALIGNED;
	struct nlmsghdr *nh = mnl_nlmsg_put_header(m);
	struct nlmsgerr *e;
	uint8_t req[NL_REQ_SIZE] ALIGNED;
	int rlen;
	char ext[32];

	(void)state;
	/* ACK echoing a whole 28-byte request, then the message attribute */
	rlen = nl_build_route_dump(req, sizeof(req), 5, AF_INET);
	nh->nlmsg_type = NLMSG_ERROR;
	nh->nlmsg_flags = NLM_F_ACK_TLVS;
	e = mnl_nlmsg_put_extra_header(nh, sizeof(int) + rlen);
	e->error = 0;
	memcpy(&e->msg, req, rlen);
	mnl_attr_put_strz(nh, NLMSGERR_ATTR_MSG, "warning");
	assert_int_equal(nl_parse_error(m, nh->nlmsg_len, ext, sizeof(ext)), 0);
	assert_string_equal(ext, "warning");

	/* Echoed request length beyond the message */
	e->msg.nlmsg_len = 4096;
	assert_int_equal(nl_parse_error(m, nh->nlmsg_len, ext, sizeof(ext)),
			 -EBADMSG);
	/* Error out of the errno range */
	e->msg.nlmsg_len = rlen;
	e->error = -100000;
	assert_int_equal(nl_parse_error(m, nh->nlmsg_len, NULL, 0), -EBADMSG);
}

/**
 * count_cb() - Count data messages and check they parse as routes
 * @msg:	Message
 * @len:	Its length
 * @data:	int counter
 *
 * Return: 0, or the parser's error
 */
static int count_cb(const void *msg, size_t len, void *data)
{
	struct nl_route r;
	int rc = nl_parse_route(msg, len, &r);

	(*(int *)data)++;
	return rc;
}

static void test_reply_walk_multipart(void **state)
{
	uint8_t d[256] ALIGNED;
	size_t n = 0;
	int count = 0;

	(void)state;
	memcpy(d, route4_gw, sizeof(route4_gw));
	n += sizeof(route4_gw);
	memcpy(d + n, route6_net, sizeof(route6_net));
	n += sizeof(route6_net);

	/* No NLMSG_DONE yet: more to read */
	assert_int_equal(nl_reply_walk(d, n, 1, count_cb, &count, NULL, 0),
			 NL_WALK_MORE);
	assert_int_equal(count, 2);

	memcpy(d + n, done_msg, sizeof(done_msg));
	n += sizeof(done_msg);
	count = 0;
	assert_int_equal(nl_reply_walk(d, n, 1, count_cb, &count, NULL, 0),
			 NL_WALK_DONE);
	assert_int_equal(count, 2);

	/* Another sequence number: stale, skipped, done not seen */
	count = 0;
	assert_int_equal(nl_reply_walk(d, n, 2, count_cb, &count, NULL, 0),
			 NL_WALK_MORE);
	assert_int_equal(count, 0);
}

static void test_reply_walk_errors(void **state)
{
	uint8_t d[256] ALIGNED;
	char ext[64];
	int count = 0;

	(void)state;
	memcpy(d, err_ext, sizeof(err_ext));
	assert_int_equal(nl_reply_walk(d, sizeof(err_ext), 1, count_cb, &count,
				       ext, sizeof(ext)),
			 -EEXIST);
	assert_string_equal(ext, "Nexthop has invalid gw");

	/* nlmsg_len beyond the datagram, and below a header */
	memcpy(d, route4_gw, sizeof(route4_gw));
	d[0] = 0xff;
	assert_int_equal(nl_reply_walk(d, sizeof(route4_gw), 1, count_cb,
				       &count, NULL, 0),
			 -EBADMSG);
	d[0] = 8;
	assert_int_equal(nl_reply_walk(d, sizeof(route4_gw), 1, count_cb,
				       &count, NULL, 0),
			 -EBADMSG);
	/* Trailing bytes too short for a header */
	memcpy(d, done_msg, sizeof(done_msg));
	assert_int_equal(
		nl_reply_walk(d, sizeof(done_msg) + 4, 1, NULL, NULL, NULL, 0),
		NL_WALK_DONE);
	memcpy(d, route4_gw, sizeof(route4_gw));
	assert_int_equal(nl_reply_walk(d, sizeof(route4_gw) + 4, 1, count_cb,
				       &count, NULL, 0),
			 -EBADMSG);
	/* A single (non-multipart) answer completes the reply */
	memcpy(d, link_eth0, sizeof(link_eth0));
	assert_int_equal(
		nl_reply_walk(d, sizeof(link_eth0), 1, NULL, NULL, NULL, 0),
		NL_WALK_DONE);
	/* NLMSG_DONE carrying a dump error */
	memcpy(d, done_msg, sizeof(done_msg));
	d[16] = 0xf0;
	d[17] = d[18] = d[19] = 0xff;
	assert_int_equal(
		nl_reply_walk(d, sizeof(done_msg), 1, NULL, NULL, NULL, 0),
		-16);
}

static void test_netns_path(void **state)
{
	char buf[32];

	(void)state;
	assert_int_equal(netns_path("ns1", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/run/netns/ns1");
	assert_int_equal(netns_path("/proc/1/ns/net", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/proc/1/ns/net");
	assert_int_equal(netns_path("./rel/path", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "./rel/path");
	assert_int_equal(netns_path("", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(netns_path(NULL, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(netns_path("..", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(
		netns_path("a-name-that-is-too-long-for-it", buf, sizeof(buf)),
		-ENAMETOOLONG);
	assert_int_equal(netns_path("/a/path/that/is/much/too/long/xyz", buf,
				    sizeof(buf)),
			 -ENAMETOOLONG);
	assert_int_equal(netns_path("ns", buf, 13), -ENAMETOOLONG);
	assert_int_equal(netns_path("ns", buf, 14), 0);
	assert_true(netns_open("/nonexistent/netns") == -ENOENT);
}

static void test_netcfg_parse_values(void **state)
{
	uint8_t mac[6];
	unsigned int mtu;

	(void)state;
	assert_int_equal(netcfg_parse_mtu("1500", &mtu), 0);
	assert_int_equal(mtu, 1500);
	assert_int_equal(netcfg_parse_mtu("65535", &mtu), 0);
	assert_int_equal(netcfg_parse_mtu("67", &mtu), -ERANGE);
	assert_int_equal(netcfg_parse_mtu("65536", &mtu), -ERANGE);
	assert_int_equal(netcfg_parse_mtu("-1", &mtu), -EINVAL);
	assert_int_equal(netcfg_parse_mtu("15x", &mtu), -EINVAL);
	assert_int_equal(netcfg_parse_mtu("", &mtu), -EINVAL);

	assert_int_equal(netcfg_parse_mac("02:00:5E:00:53:0a", mac), 0);
	assert_int_equal(mac[0], 0x02);
	assert_int_equal(mac[2], 0x5e);
	assert_int_equal(mac[5], 0x0a);
	assert_int_equal(netcfg_parse_mac("01:00:5e:00:00:01", mac), -EINVAL);
	assert_int_equal(netcfg_parse_mac("00:00:00:00:00:00", mac), -EINVAL);
	assert_int_equal(netcfg_parse_mac("02:00:5e:00:53", mac), -EINVAL);
	assert_int_equal(netcfg_parse_mac("02-00-5e-00-53-01", mac), -EINVAL);
	assert_int_equal(netcfg_parse_mac("02:00:5e:00:53:0g", mac), -EINVAL);
}

static void test_netcfg_parse_addr_route(void **state)
{
	struct nl_addr a;
	struct nl_route r;
	char buf[NETCFG_ROUTE_STRLEN];

	(void)state;
	assert_int_equal(netcfg_parse_addr("198.51.100.1/24", &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.prefix, 24);
	assert_int_equal(netcfg_parse_addr("2001:db8::1", &a), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(a.prefix, 128);
	assert_int_equal(netcfg_parse_addr("2001:db8::1/129", &a), -EINVAL);
	assert_int_equal(netcfg_parse_addr("198.51.100.1/", &a), -EINVAL);
	assert_int_equal(netcfg_parse_addr("198.51.100.1/+8", &a), -EINVAL);
	assert_int_equal(netcfg_parse_addr("host/8", &a), -EINVAL);

	assert_int_equal(
		netcfg_parse_route("203.0.113.0/24@198.51.100.254", &r), 0);
	assert_int_equal(r.family, AF_INET);
	assert_int_equal(r.dst_len, 24);
	assert_true(r.has_gw);
	netcfg_fmt_route(buf, sizeof(buf), &r);
	assert_string_equal(buf, "203.0.113.0/24 via 198.51.100.254");

	assert_int_equal(netcfg_parse_route("default@2001:db8::fe", &r), 0);
	assert_int_equal(r.family, AF_INET6);
	assert_int_equal(r.dst_len, 0);
	r.metric = 1024;
	netcfg_fmt_route(buf, sizeof(buf), &r);
	assert_string_equal(buf, "default via 2001:db8::fe metric 1024");

	assert_int_equal(netcfg_parse_route("2001:db8:5::/48", &r), 0);
	assert_false(r.has_gw);
	assert_int_equal(netcfg_parse_route("default", &r), -EINVAL);
	assert_int_equal(netcfg_parse_route("203.0.113.1/24", &r), -EINVAL);
	assert_int_equal(netcfg_parse_route("203.0.113.0/24@2001:db8::1", &r),
			 -EINVAL);
	assert_int_equal(netcfg_parse_gateway("198.51.100.254", &r), 0);
	assert_true(r.has_gw);
	assert_int_equal(r.dst_len, 0);
	assert_int_equal(netcfg_parse_gateway("198.51.100.254/24", &r),
			 -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_route_dump_header),
		cmocka_unit_test(test_build_addr_and_link_dump),
		cmocka_unit_test(test_build_link_get_by_name),
		cmocka_unit_test(test_build_link_get_rejects_bad_names),
		cmocka_unit_test(test_build_link_set_mtu_mac_up),
		cmocka_unit_test(test_build_link_set_leaves_state),
		cmocka_unit_test(test_build_link_addrgen_none),
		cmocka_unit_test(test_netcfg_ll_eui64),
		cmocka_unit_test(test_build_addr_add_v4),
		cmocka_unit_test(test_build_addr_add_v6_nodad),
		cmocka_unit_test(test_build_addr_add_rejects_bad_input),
		cmocka_unit_test(test_build_route_add_v4_gateway),
		cmocka_unit_test(test_build_route_add_v6_onlink),
		cmocka_unit_test(test_builders_small_buffer),
		cmocka_unit_test_setup(test_parse_route_v4_gateway_metric,
				       little_endian),
		cmocka_unit_test_setup(test_parse_route_v6_no_gateway,
				       little_endian),
		cmocka_unit_test_setup(test_parse_route_without_priority,
				       little_endian),
		cmocka_unit_test_setup(test_parse_addr_v4_prefers_local,
				       little_endian),
		cmocka_unit_test_setup(test_parse_addr_v6_flags_attr,
				       little_endian),
		cmocka_unit_test_setup(test_parse_link, little_endian),
		cmocka_unit_test_setup(test_parse_truncated_rejected,
				       little_endian),
		cmocka_unit_test_setup(test_parse_bad_attr_lengths_rejected,
				       little_endian),
		cmocka_unit_test_setup(test_parse_wrong_type_or_family,
				       little_endian),
		cmocka_unit_test_setup(test_parse_error_ext_ack, little_endian),
		cmocka_unit_test(test_parse_error_uncapped_ack),
		cmocka_unit_test_setup(test_reply_walk_multipart,
				       little_endian),
		cmocka_unit_test_setup(test_reply_walk_errors, little_endian),
		cmocka_unit_test(test_netns_path),
		cmocka_unit_test(test_netcfg_parse_values),
		cmocka_unit_test(test_netcfg_parse_addr_route),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
