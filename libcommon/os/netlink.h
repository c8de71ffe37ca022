/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netlink.h - rtnetlink (libmnl): read the host's template interface, and
 *	       configure links, addresses and routes in a namespace
 *
 * All functions act on the namespace of the NETLINK_ROUTE socket they are
 * given: open it with nl_open() from inside the wanted namespace (see
 * netns_enter() in os/netns.h) and keep using it from anywhere. Every function
 * returns 0 (or a count) on success and -errno on failure, and every reply is
 * parsed through bounded, validated attribute walks.
 *
 * The work is split in two layers. The pure layer (os/nlmsg.c, and
 * os/nlmsg_parse.c for the replies) builds request messages into
 * caller-owned buffers and parses reply messages, without any socket: unit
 * tests check its bytes and the fuzzer drives its parsers. The I/O layer
 * (os/netlink.c) sends one request, then reads datagrams until the
 * reply is complete (NLMSG_DONE, an ACK, an error, or a single non-multipart
 * answer), with a bound on the number of datagrams and a receive timeout.
 * The pure layer and the records both layers fill are declared in
 * os/nlmsg.h, included here: the pure layer never includes this header, so
 * the layers depend one way.
 */
#ifndef OS_NETLINK_H
#define OS_NETLINK_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "os/nlmsg.h"

/* I/O layer: os/netlink.c */
int nl_open(void);
int nl_default_route(int fd, int family, unsigned int *ifindex,
		     union nl_inaddr *gw);
int nl_route_dump(int fd, int family, unsigned int ifindex,
		  struct nl_route *out, int max);
int nl_addr_dump(int fd, int family, unsigned int ifindex, struct nl_addr *out,
		 int max);
int nl_link_dump(int fd, struct nl_link *out, int max);
int nl_link_get(int fd, unsigned int ifindex, struct nl_link *link);
int nl_link_index(int fd, const char *name, unsigned int *ifindex);
int nl_link_set(int fd, unsigned int ifindex, unsigned int mtu,
		const uint8_t *mac, bool up);
int nl_link_addrgen(int fd, unsigned int ifindex, uint8_t mode);
int nl_addr_add(int fd, unsigned int ifindex, const struct nl_addr *a);
int nl_route_add(int fd, unsigned int ifindex, const struct nl_route *r);
int nl_addr_del(int fd, unsigned int ifindex, const struct nl_addr *a);
int nl_route_del(int fd, unsigned int ifindex, const struct nl_route *r);
const char *nl_ext_ack(void);

#endif /* OS_NETLINK_H */
