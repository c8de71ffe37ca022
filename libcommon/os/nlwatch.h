/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nlwatch.h - rtnetlink notifications of the namespace we run in: a socket
 *	       subscribed to link, address and route changes, and the scan of
 *	       what it delivers (doc/follow.md)
 */
#ifndef OS_NLWATCH_H
#define OS_NLWATCH_H

#include <stddef.h>
#include <stdint.h>

#include "base/view.h"

/* What a batch of notifications was about: bits of nlwatch_scan() */
enum nlwatch_what {
	NLWATCH_LINK = 1 << 0,	  /* RTM_NEWLINK, RTM_DELLINK */
	NLWATCH_ADDR = 1 << 1,	  /* RTM_NEWADDR, RTM_DELADDR */
	NLWATCH_ROUTE = 1 << 2,	  /* RTM_NEWROUTE, RTM_DELROUTE, main table */
	NLWATCH_OVERRUN = 1 << 3, /* notifications were lost (ENOBUFS) */
	NLWATCH_ADDR_DEL = 1 << 4, /* RTM_DELADDR: an address went away */
};

/* Receive buffer of nlwatch_read(): a notification datagram is one page */
#define NLWATCH_BUF_SIZE 16384

int nlwatch_open(void);
unsigned int nlwatch_scan(struct pview dgram);
unsigned int nlwatch_read(int fd, uint8_t *buf, size_t size);

#endif /* OS_NLWATCH_H */
