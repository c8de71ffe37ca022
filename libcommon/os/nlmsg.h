/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nlmsg.h - rtnetlink messages without sockets: the address, route and link
 *	     records, the request builders and the reply parsers of os/nlmsg.c
 *
 * The pure layer below os/netlink.c (see os/netlink.h for the two layers):
 * it knows nothing of sockets, so unit tests check its bytes and the fuzzer
 * drives its parsers directly.
 */
#ifndef OS_NLMSG_H
#define OS_NLMSG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NL_MAX_ADDRS  16
#define NL_MAX_ROUTES 64
#define NL_MAX_LINKS  64

/* Size of request buffers: every request we build fits comfortably */
#define NL_REQ_SIZE 512

/**
 * union nl_inaddr - An IPv4 or IPv6 address, as stored in netlink attributes
 * @a4:	IPv4
 * @a6:	IPv6
 */
union nl_inaddr {
	struct in_addr a4;
	struct in6_addr a6;
};

/**
 * struct nl_addr - One interface address
 * @family:	AF_INET or AF_INET6
 * @addr:	Address (IFA_LOCAL if present, else IFA_ADDRESS)
 * @prefix:	Prefix length
 * @scope:	RT_SCOPE_*
 * @flags:	IFA_F_* (IFA_FLAGS when present)
 * @ifindex:	Interface the address belongs to (filled by the parser)
 */
struct nl_addr {
	int family;
	union nl_inaddr addr;
	int prefix;
	int scope;
	uint32_t flags;
	unsigned int ifindex;
};

/**
 * struct nl_route - One route of the main table
 * @family:	AF_INET or AF_INET6
 * @dst:	Destination prefix (all zeroes for a default route)
 * @dst_len:	Destination prefix length
 * @gw:		Gateway, all zeroes if none
 * @has_gw:	@gw is set
 * @ifindex:	Output interface (RTA_OIF)
 * @metric:	RTA_PRIORITY, 0 if absent
 * @mtu:	RTAX_MTU of RTA_METRICS (the route's path MTU), 0 if absent
 * @scope:	RT_SCOPE_*
 * @protocol:	RTPROT_* (0 when building: RTPROT_BOOT is used)
 * @table:	Routing table (RTA_TABLE, else rtm_table), parser output only
 * @type:	RTN_* route type, parser output only
 * @flags:	rtm_flags (RTM_F_*), parser output only
 */
struct nl_route {
	int family;
	union nl_inaddr dst;
	int dst_len;
	union nl_inaddr gw;
	bool has_gw;
	unsigned int ifindex;
	uint32_t metric;
	uint32_t mtu;
	int scope;
	int protocol;
	uint32_t table;
	int type;
	uint32_t flags;
};

/**
 * struct nl_link - Link attributes
 * @ifindex:	Interface index
 * @name:	Name
 * @mtu:	MTU
 * @mac:	Hardware address (6 bytes, zero if none)
 * @up:		IFF_UP is set
 */
struct nl_link {
	unsigned int ifindex;
	char name[16];
	unsigned int mtu;
	uint8_t mac[6];
	bool up;
};

/* Pure layer: os/nlmsg.c (builders), os/nlmsg_parse.c (parsers). Builders
 * write through struct nlmsghdr pointers and need 4-byte aligned buffers;
 * parsers copy every header out of the bytes and accept any alignment.
 */
size_t nl_addr_len(int family);
int nl_build_route_dump(void *buf, size_t len, uint32_t seq, int family);
int nl_build_addr_dump(void *buf, size_t len, uint32_t seq, int family);
int nl_build_link_dump(void *buf, size_t len, uint32_t seq);
int nl_build_link_get(void *buf, size_t len, uint32_t seq, unsigned int ifindex,
		      const char *name);
int nl_build_link_set(void *buf, size_t len, uint32_t seq, unsigned int ifindex,
		      unsigned int mtu, const uint8_t *mac, bool up);
int nl_build_link_addrgen(void *buf, size_t len, uint32_t seq,
			  unsigned int ifindex, uint8_t mode);
int nl_build_addr_add(void *buf, size_t len, uint32_t seq, unsigned int ifindex,
		      const struct nl_addr *a);
int nl_build_route_add(void *buf, size_t len, uint32_t seq,
		       unsigned int ifindex, const struct nl_route *r);
int nl_build_addr_del(void *buf, size_t len, uint32_t seq, unsigned int ifindex,
		      const struct nl_addr *a);
int nl_build_route_del(void *buf, size_t len, uint32_t seq,
		       unsigned int ifindex, const struct nl_route *r);

int nl_parse_route(const void *msg, size_t len, struct nl_route *r);
int nl_parse_addr(const void *msg, size_t len, struct nl_addr *a);
int nl_parse_link(const void *msg, size_t len, struct nl_link *link);
int nl_parse_error(const void *msg, size_t len, char *ext, size_t ext_len);

/**
 * typedef nl_msg_cb - Called by nl_reply_walk() for each data message
 * @msg:	Message, starting with its struct nlmsghdr; its length is
 *		checked against the datagram
 * @len:	Length of the message (nlmsg_len)
 * @data:	Caller's data
 *
 * Return: 0 to continue, -errno to stop the walk with that error
 */
typedef int (*nl_msg_cb)(const void *msg, size_t len, void *data);

/* Return values of nl_reply_walk() besides -errno */
enum nl_walk_result {
	NL_WALK_MORE = 0, /* reply not complete: read another datagram */
	NL_WALK_DONE = 1, /* reply complete */
};

int nl_reply_walk(const void *buf, size_t len, uint32_t seq, nl_msg_cb cb,
		  void *data, char *ext, size_t ext_len);

#endif /* OS_NLMSG_H */
