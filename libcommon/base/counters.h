/* SPDX-License-Identifier: GPL-2.0-or-later */
/* counters.h - global counters of a running instance: frames per link,
 *		drops by reason, layer-2 answers, epoll events by type
 *
 * Theory of operation: the data path only ever adds one to a 64-bit field,
 * in the place that already handles the event (the loop's dispatch switch,
 * its layer-3 input, the links' own frame counters): no locks, no atomics
 * (one thread), no formatting. Some numbers live where they are counted
 * anyway (a link's frames, an engine's drops, the flow table's use) and are
 * gathered into one struct counters only when somebody asks: loop_counters()
 * fills a snapshot, which the control socket's report (ctl/report.c) and
 * --stats read. Flow table use (by type, peak, allocation failures) is in
 * struct flow_table itself. doc/control.md names every field as reported.
 */
#ifndef BASE_COUNTERS_H
#define BASE_COUNTERS_H

#include <stdint.h>

/**
 * enum cnt_link - Links to the guest
 * @CNT_LINK_TAP:	pasta's tap device
 * @CNT_LINK_STREAM:	passt's qemu stream socket
 * @CNT_LINK_VU:	passt --vhost-user
 * @CNT_LINKS:		Number of links
 */
enum cnt_link {
	CNT_LINK_TAP,
	CNT_LINK_STREAM,
	CNT_LINK_VU,
	CNT_LINKS,
};

/* Directions of frames on a link: struct counters' @frames */
#define CNT_IN	0	/* from the guest */
#define CNT_OUT	1	/* to the guest */

/**
 * enum cnt_drop - Why a frame of the guest, or one for it, was dropped
 * @CNT_DROP_MALFORMED:	A header that doesn't parse (Ethernet, ARP,
 *			DHCP, NDP, IP, TCP, UDP)
 * @CNT_DROP_CHECKSUM:	A TCP segment with a wrong checksum
 * @CNT_DROP_NO_FLOW:	A TCP segment of no connection (answered with a
 *			RST), or a new flow the table had no room for
 * @CNT_DROP_NO_ROOM:	A frame to the guest with no room: no client, a
 *			client not reading, no receive buffers
 * @CNT_DROP_UNSUPPORTED: Not IP, or an IP protocol we don't translate
 * @CNT_DROP_DISABLED:	IP version or protocol disabled (-4, -6,
 *			--no-tcp, --no-udp)
 * @CNT_DROPS:		Number of reasons
 */
enum cnt_drop {
	CNT_DROP_MALFORMED,
	CNT_DROP_CHECKSUM,
	CNT_DROP_NO_FLOW,
	CNT_DROP_NO_ROOM,
	CNT_DROP_UNSUPPORTED,
	CNT_DROP_DISABLED,
	CNT_DROPS,
};

/**
 * enum cnt_l2 - Answers of the layer-2 responders
 * @CNT_L2_ARP:		ARP replies
 * @CNT_L2_DHCP:	DHCP offers, acknowledgements and NAKs
 * @CNT_L2_DHCPV6:	DHCPv6 advertisements and replies
 * @CNT_L2_NDP_RA:	Router Advertisements (answers to solicitations)
 * @CNT_L2_NDP_NA:	Neighbour Advertisements
 * @CNT_L2S:		Number of services
 */
enum cnt_l2 {
	CNT_L2_ARP,
	CNT_L2_DHCP,
	CNT_L2_DHCPV6,
	CNT_L2_NDP_RA,
	CNT_L2_NDP_NA,
	CNT_L2S,
};

/* epoll types counted: enum epoll_type (os/epref.h) fits, asserted there */
#define CNT_EPOLL_TYPES 32

/**
 * struct counters - Global counters, since start
 * @frames:	Frames by link, [CNT_IN] from the guest, [CNT_OUT] to it
 * @drops:	Frames dropped, by enum cnt_drop
 * @l2:		Answers of the layer-2 responders, by enum cnt_l2
 * @epoll:	epoll events handled, by enum epoll_type
 */
struct counters {
	uint64_t frames[CNT_LINKS][2];
	uint64_t drops[CNT_DROPS];
	uint64_t l2[CNT_L2S];
	uint64_t epoll[CNT_EPOLL_TYPES];
};

#endif /* BASE_COUNTERS_H */
