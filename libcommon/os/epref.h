/* SPDX-License-Identifier: GPL-2.0-or-later */
/* epref.h - the 64-bit reference carried by every epoll event
 *
 * Theory of operation: each descriptor registered with epoll carries a union
 * epoll_ref naming what it is (type), which flow or rule it belongs to
 * (idx, EPREF_IDX_BITS bits) and the descriptor itself; the loop dispatches
 * on the type with one switch. It lives in os/ so that transports can
 * register their own sockets without knowing the loop. Whoever packs more
 * than one number into idx does it through typed helpers, with a static
 * assertion that the numbers fit (listeners: epref_listen() in
 * transport/listen.h).
 */
#ifndef OS_EPREF_H
#define OS_EPREF_H

#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>

#include "base/counters.h"

#define EPREF_IDX_BITS 24 /* bits of union epoll_ref's idx */

/**
 * enum epoll_type - What an epoll event is about
 * @EPOLL_TYPE_NONE:		Never registered: catches corrupt references
 * @EPOLL_TYPE_TAP:		Tap device: frames from the namespace
 * @EPOLL_TYPE_NSWATCH:		inotify/timer watching the namespace file
 * @EPOLL_TYPE_SIGNAL:		signalfd: SIGCHLD, SIGTERM, SIGQUIT
 * @EPOLL_TYPE_TCP:		Connected TCP socket, idx: flow
 * @EPOLL_TYPE_TCP_LISTEN:	Listening TCP socket, idx: epref_listen()
 * @EPOLL_TYPE_TCP_TIMER:	timerfd of the TCP engine
 * @EPOLL_TYPE_UDP:		UDP socket of one flow, idx: flow
 * @EPOLL_TYPE_UDP_LISTEN:	UDP socket of a -u rule, idx: epref_listen()
 * @EPOLL_TYPE_PING:		ICMP echo ("ping") socket, idx: flow
 * @EPOLL_TYPE_FLOW_TIMER:	timerfd expiring idle UDP and ICMP flows
 * @EPOLL_TYPE_STREAM_LISTEN:	passt: listening UNIX stream socket for qemu
 * @EPOLL_TYPE_STREAM:		passt: connected qemu stream socket
 * @EPOLL_TYPE_TCP_SPLICE:	Spliced TCP connection socket, idx: flow
 * @EPOLL_TYPE_TCP_LISTEN_NS:	Listening TCP socket inside the namespace
 *				(-T rule), idx: epref_listen()
 * @EPOLL_TYPE_UDP_LISTEN_NS:	UDP socket inside the namespace (-U rule),
 *				idx: epref_listen()
 * @EPOLL_TYPE_UDP_SPLICE:	UDP socket of a loopback-to-loopback flow
 * @EPOLL_TYPE_SCAN_TIMER:	timerfd rescanning bound ports ("auto")
 * @EPOLL_TYPE_VU:		passt --vhost-user: connected control socket,
 *				idx: generation of the client (as STREAM)
 * @EPOLL_TYPE_VU_KICK:		passt --vhost-user: kick eventfd of a queue,
 *				idx: the queue (enum vu_queue)
 * @EPOLL_TYPE_REPAIR_LISTEN:	passt --vhost-user: listening repair socket
 * @EPOLL_TYPE_REPAIR:		passt --vhost-user: connected passt-repair
 * @EPOLL_TYPE_CTL_LISTEN:	Control socket (-c), listening
 * @EPOLL_TYPE_CTL:		Control socket: its client, idx: generation
 * @EPOLL_TYPE_CTL_TIMER:	Control socket: deadline of the client
 * @EPOLL_TYPE_RESOLV:		inotify watching the host's resolv.conf
 * @EPOLL_TYPE_NLWATCH:		rtnetlink notifications of the host side
 *				(os/nlwatch.c, doc/follow.md)
 * @EPOLL_NUM_TYPES:		Number of types
 */
enum epoll_type {
	EPOLL_TYPE_NONE,
	EPOLL_TYPE_TAP,
	EPOLL_TYPE_NSWATCH,
	EPOLL_TYPE_SIGNAL,
	EPOLL_TYPE_TCP,
	EPOLL_TYPE_TCP_LISTEN,
	EPOLL_TYPE_TCP_TIMER,
	EPOLL_TYPE_UDP,
	EPOLL_TYPE_UDP_LISTEN,
	EPOLL_TYPE_PING,
	EPOLL_TYPE_FLOW_TIMER,
	EPOLL_TYPE_STREAM_LISTEN,
	EPOLL_TYPE_STREAM,
	EPOLL_TYPE_TCP_SPLICE,
	EPOLL_TYPE_TCP_LISTEN_NS,
	EPOLL_TYPE_UDP_LISTEN_NS,
	EPOLL_TYPE_UDP_SPLICE,
	EPOLL_TYPE_SCAN_TIMER,
	EPOLL_TYPE_VU,
	EPOLL_TYPE_VU_KICK,
	EPOLL_TYPE_REPAIR_LISTEN,
	EPOLL_TYPE_REPAIR,
	EPOLL_TYPE_CTL_LISTEN,
	EPOLL_TYPE_CTL,
	EPOLL_TYPE_CTL_TIMER,
	EPOLL_TYPE_RESOLV,
	EPOLL_TYPE_NLWATCH,
	EPOLL_NUM_TYPES,
};

/**
 * union epoll_ref - 64-bit reference carried by every epoll event
 * @type:	enum epoll_type
 * @idx:	Flow index, or other index meaningful for @type
 * @fd:		Descriptor the event is for
 * @u64:	The whole reference, as stored in epoll_data
 */
union epoll_ref {
	struct {
		uint32_t type : 8;
		uint32_t idx : EPREF_IDX_BITS;
		int32_t fd;
	};
	uint64_t u64;
};

_Static_assert(sizeof(union epoll_ref) == sizeof(uint64_t),
	       "an epoll reference is the 64 bits of epoll_data");

_Static_assert(EPOLL_NUM_TYPES <= CNT_EPOLL_TYPES,
	       "struct counters counts every epoll type");

const char *epref_type_str(unsigned int type);

/**
 * epref_ctl() - Add or modify a descriptor in an epoll set
 * @epfd:	epoll descriptor
 * @op:		EPOLL_CTL_ADD or EPOLL_CTL_MOD
 * @type:	enum epoll_type
 * @idx:	Index for @type
 * @fd:		Descriptor
 * @events:	EPOLL* events
 *
 * Return: 0 on success, -errno on failure
 */
static inline int epref_ctl(int epfd, int op, enum epoll_type type,
			    uint32_t idx, int fd, uint32_t events)
{
	union epoll_ref ref = { .type = type, .idx = idx, .fd = fd };
	struct epoll_event ev = { .events = events, .data.u64 = ref.u64 };

	if (epoll_ctl(epfd, op, fd, &ev))
		return -errno;
	return 0;
}

#endif /* OS_EPREF_H */
