/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pktinfo.h - the local address of datagrams on wildcard UDP listeners
 *
 * Theory of operation: see pktinfo.c.
 */
#ifndef TRANSPORT_PKTINFO_H
#define TRANSPORT_PKTINFO_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "base/inany.h"

/* Room for the one control message pktinfo_dst() reads or pktinfo_put()
 * writes, whichever the family
 */
#define PKTINFO_SPACE CMSG_SPACE(sizeof(struct in6_pktinfo))

/**
 * union pktinfo_ctl - Control buffer for one packet information message
 * @buf:	Buffer
 * @align:	Alignment for struct cmsghdr
 */
union pktinfo_ctl {
	char buf[PKTINFO_SPACE];
	struct cmsghdr align;
};

size_t cmsg_put(void *buf, size_t room, int level, int type,
		const void *data, size_t len);
int pktinfo_enable(int s, int af);
bool pktinfo_dst(const struct msghdr *mh, union inany_addr *dst);
size_t pktinfo_put(void *buf, size_t room, int af,
		   const union inany_addr *src);

#endif /* TRANSPORT_PKTINFO_H */
