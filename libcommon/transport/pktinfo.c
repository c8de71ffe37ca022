// SPDX-License-Identifier: GPL-2.0-or-later
/* pktinfo.c - the local address of datagrams on wildcard UDP listeners
 *
 * Theory of operation: a -u or -U listener bound to a wildcard address
 * gets datagrams sent to any local address: 127.0.0.2 as well as
 * 127.0.0.1, a host's second address as well as its first. Its answers
 * must come from the address the peer sent to, or a peer whose socket is
 * connected (most clients: getaddrinfo() and connect(), DNS resolvers)
 * drops them. Left alone, the kernel picks the source by the route back
 * to the peer, i.e. the first address of the interface.
 *
 * So wildcard listeners ask for the destination of each datagram
 * (IP_PKTINFO, or IPV6_RECVPKTINFO, which a dual-stack socket also
 * reports for IPv4 as a v4-mapped address), the flow keeps it, and each
 * answer names it as its source with the same control message:
 * ipi_spec_dst for IPv4 sockets, ipi6_addr for IPv6 ones (the kernel
 * takes a v4-mapped one from a dual-stack socket sending to an IPv4
 * peer). The interface is left to routing (index 0).
 *
 * Syscalls: setsockopt.
 */
#include <errno.h>
#include <string.h>

#include "transport/pktinfo.h"

/**
 * pktinfo_enable() - Ask for the destination of each datagram
 * @s:		Socket, bound or not
 * @af:		Its family, AF_INET or AF_INET6
 *
 * Return: 0, or -errno
 */
int pktinfo_enable(int s, int af)
{
	int one = 1;

	if (af == AF_INET6 ? setsockopt(s, IPPROTO_IPV6, IPV6_RECVPKTINFO,
					&one, sizeof(one))
			   : setsockopt(s, IPPROTO_IP, IP_PKTINFO, &one,
					sizeof(one)))
		return -errno;
	return 0;
}

/**
 * pktinfo_dst() - Destination address of a received datagram
 * @mh:		Header recvmsg() or recvmmsg() filled, with its control
 *		messages (msg_controllen as returned)
 * @dst:	Set to the address, IPv4 as v4-mapped
 *
 * Return: true if a packet information message was found
 */
bool pktinfo_dst(const struct msghdr *mh, union inany_addr *dst)
{
	struct cmsghdr *cm;
	const char *end;

	if (!mh->msg_control || mh->msg_controllen < sizeof(struct cmsghdr))
		return false;
	end = (const char *)mh->msg_control + mh->msg_controllen;
	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR((struct msghdr *)mh,
							  cm)) {
		/* CMSG_FIRSTHDR() doesn't check the length of the first */
		if (cm->cmsg_len > (size_t)(end - (const char *)cm))
			return false;
		if (cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			inany_from_v4(dst, pi.ipi_addr);
			return true;
		}
		if (cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			inany_from_v6(dst, &pi.ipi6_addr);
			return true;
		}
	}
	return false;
}

/**
 * cmsg_put() - Write one control message (any: UDP_SEGMENT too)
 * @buf:	Control buffer, aligned for struct cmsghdr
 * @room:	Its size
 * @level:	Message level
 * @type:	Message type
 * @data:	Payload
 * @len:	Its length
 *
 * Return: bytes used (CMSG_SPACE(@len)), 0 if @room is short
 */
size_t cmsg_put(void *buf, size_t room, int level, int type,
		const void *data, size_t len)
{
	struct cmsghdr *cm = buf;

	if (room < CMSG_SPACE(len))
		return 0;
	memset(buf, 0, CMSG_SPACE(len));
	cm->cmsg_level = level;
	cm->cmsg_type = type;
	cm->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(cm), data, len);
	return CMSG_SPACE(len);
}

/**
 * pktinfo_put() - Write the control message that sets a datagram's source
 * @buf:	Control buffer, aligned for struct cmsghdr
 * @room:	Its size
 * @af:		Family of the sending socket
 * @src:	Source address (v4-mapped for IPv4)
 *
 * Return: bytes used (CMSG_SPACE() of the message), 0 if @room is short or
 *	   an IPv4 socket was given an IPv6 address
 */
size_t pktinfo_put(void *buf, size_t room, int af,
		   const union inany_addr *src)
{
	struct in6_pktinfo pi6 = { .ipi6_addr = src->a6 };
	const struct in_addr *v4 = inany_v4(src);
	struct in_pktinfo pi4 = { 0 };

	if (af == AF_INET6)
		return cmsg_put(buf, room, IPPROTO_IPV6, IPV6_PKTINFO, &pi6,
				sizeof(pi6));
	if (!v4)
		return 0;
	pi4.ipi_spec_dst = *v4;
	return cmsg_put(buf, room, IPPROTO_IP, IP_PKTINFO, &pi4, sizeof(pi4));
}
