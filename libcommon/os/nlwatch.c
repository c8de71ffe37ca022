// SPDX-License-Identifier: GPL-2.0-or-later
/* nlwatch.c - rtnetlink notifications: the host's links, addresses, routes
 *
 * Theory of operation: nlwatch_open() makes a NETLINK_ROUTE socket in the
 * namespace we run in (the host side of passt and pasta) and subscribes it
 * to the multicast groups of link, IPv4/IPv6 address and IPv4/IPv6 route
 * changes. The kernel then queues a message per change on it; the loop
 * polls the socket with everything else, so nothing is polled and an idle
 * host costs no wake-up. nlwatch_read() drains every datagram queued (the
 * socket is non-blocking) and returns what they were about, as bits of
 * enum nlwatch_what; the caller re-derives its picture of the host once
 * per batch, not per message. A full receive queue (ENOBUFS: a burst we
 * didn't read in time) is reported as NLWATCH_OVERRUN: something changed,
 * we don't know what, so the caller re-derives everything anyway.
 *
 * The datagrams are untrusted input like any netlink reply: nlwatch_scan()
 * walks them through a bounded view, copying each header out before it
 * reads it, and stops at the first message whose length doesn't fit.
 *
 * System calls: socket() and bind() at start only; recvfrom() in the loop.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "os/nlwatch.h"

/* Datagrams read per nlwatch_read(), at most: the loop gets its turn back */
#define NLWATCH_MAX_DGRAMS 64

/**
 * nlwatch_open() - Open a socket receiving link, address, route changes
 *
 * Return: non-blocking, close-on-exec descriptor, or -errno
 */
int nlwatch_open(void)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR |
			     RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE |
			     RTMGRP_IPV6_ROUTE,
	};
	int fd, rc;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

/**
 * nlwatch_route_main() - Tell whether a route message is of the main table
 * @msg:	The message, its header checked to fit
 *
 * Changes of the local table come with address changes, which are seen
 * anyway; other tables (policy routing, VPNs) don't make our picture.
 *
 * Return: true for the main table, or a message too short to tell
 */
static bool nlwatch_route_main(struct pview msg)
{
	struct rtmsg rtm;

	if (!pview_copy(msg, NLMSG_HDRLEN, &rtm, sizeof(rtm)))
		return true;
	return rtm.rtm_table == RT_TABLE_MAIN ||
	       rtm.rtm_table == RT_TABLE_UNSPEC; /* table in RTA_TABLE */
}

/**
 * nlwatch_scan() - What the messages of one notification datagram are about
 * @dgram:	The datagram, as received
 *
 * Return: enum nlwatch_what bits, 0 if nothing of interest
 */
unsigned int nlwatch_scan(struct pview dgram)
{
	unsigned int what = 0;
	size_t off = 0;

	while (dgram.len - off >= NLMSG_HDRLEN) {
		struct pview msg;
		struct nlmsghdr nh;

		if (!pview_copy(dgram, off, &nh, sizeof(nh)) ||
		    nh.nlmsg_len < NLMSG_HDRLEN || nh.nlmsg_len > dgram.len - off)
			break;
		msg = pview_sub(dgram, off, nh.nlmsg_len);
		switch (nh.nlmsg_type) {
		case RTM_NEWLINK:
		case RTM_DELLINK:
			what |= NLWATCH_LINK;
			break;
		case RTM_NEWADDR:
			what |= NLWATCH_ADDR;
			break;
		case RTM_DELADDR:
			what |= NLWATCH_ADDR | NLWATCH_ADDR_DEL;
			break;
		case RTM_NEWROUTE:
		case RTM_DELROUTE:
			if (nlwatch_route_main(msg))
				what |= NLWATCH_ROUTE;
			break;
		default:
			break;
		}
		if (NLMSG_ALIGN(nh.nlmsg_len) >= dgram.len - off)
			break;
		off += NLMSG_ALIGN(nh.nlmsg_len);
	}
	return what;
}

/**
 * nlwatch_read() - Read every notification queued on the socket
 * @fd:		Socket from nlwatch_open()
 * @buf:	Receive buffer (NLWATCH_BUF_SIZE is enough)
 * @size:	Its size
 *
 * Return: enum nlwatch_what bits of everything read
 */
unsigned int nlwatch_read(int fd, uint8_t *buf, size_t size)
{
	unsigned int what = 0;
	int i;

	for (i = 0; i < NLWATCH_MAX_DGRAMS; i++) {
		struct sockaddr_nl from;
		socklen_t flen = sizeof(from);
		ssize_t n;

		memset(&from, 0, sizeof(from));
		n = recvfrom(fd, buf, size, MSG_TRUNC, (struct sockaddr *)&from,
			     &flen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			what |= NLWATCH_OVERRUN;
			continue;
		}
		if (n < 0)
			break;		/* EAGAIN: all read */
		if ((size_t)n > size) {
			what |= NLWATCH_OVERRUN; /* truncated: can't tell */
			continue;
		}
		if (flen < sizeof(from) || from.nl_pid != 0)
			continue;	/* not from the kernel */
		what |= nlwatch_scan(pview_make(buf, (size_t)n));
	}
	return what;
}
