// SPDX-License-Identifier: GPL-2.0-or-later
/* epref.c - names of the epoll reference types, for counters and --stats
 *
 * Theory of operation: enum epoll_type (epref.h) says what an event is
 * about; the global counters count events by type (base/counters.h) and
 * whoever prints them (--stats, the control socket's report) names a type
 * with epref_type_str(): short lower-case words, stable, usable as
 * Prometheus label values and JSON keys as they are.
 */

#include <stddef.h>

#include "os/epref.h"

/**
 * epref_type_str() - Name of an epoll reference type
 * @type:	enum epoll_type
 *
 * Return: the name, NULL for EPOLL_TYPE_NONE and types without one
 */
const char *epref_type_str(unsigned int type)
{
	static const char *const names[EPOLL_NUM_TYPES] = {
		[EPOLL_TYPE_TAP] = "tap",
		[EPOLL_TYPE_NSWATCH] = "nswatch",
		[EPOLL_TYPE_SIGNAL] = "signal",
		[EPOLL_TYPE_TCP] = "tcp",
		[EPOLL_TYPE_TCP_LISTEN] = "tcp_listen",
		[EPOLL_TYPE_TCP_TIMER] = "tcp_timer",
		[EPOLL_TYPE_UDP] = "udp",
		[EPOLL_TYPE_UDP_LISTEN] = "udp_listen",
		[EPOLL_TYPE_PING] = "ping",
		[EPOLL_TYPE_FLOW_TIMER] = "flow_timer",
		[EPOLL_TYPE_STREAM_LISTEN] = "stream_listen",
		[EPOLL_TYPE_STREAM] = "stream",
		[EPOLL_TYPE_TCP_SPLICE] = "tcp_splice",
		[EPOLL_TYPE_TCP_LISTEN_NS] = "tcp_listen_ns",
		[EPOLL_TYPE_UDP_LISTEN_NS] = "udp_listen_ns",
		[EPOLL_TYPE_UDP_SPLICE] = "udp_splice",
		[EPOLL_TYPE_SCAN_TIMER] = "scan_timer",
		[EPOLL_TYPE_VU] = "vhost_user",
		[EPOLL_TYPE_VU_KICK] = "vhost_user_kick",
		[EPOLL_TYPE_REPAIR_LISTEN] = "repair_listen",
		[EPOLL_TYPE_REPAIR] = "repair",
		[EPOLL_TYPE_CTL_LISTEN] = "ctl_listen",
		[EPOLL_TYPE_CTL] = "ctl",
		[EPOLL_TYPE_CTL_TIMER] = "ctl_timer",
		[EPOLL_TYPE_RESOLV] = "resolv",
		[EPOLL_TYPE_NLWATCH] = "nlwatch",
	};

	return type < EPOLL_NUM_TYPES ? names[type] : NULL;
}
