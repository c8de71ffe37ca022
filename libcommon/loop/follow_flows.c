// SPDX-License-Identifier: GPL-2.0-or-later
/* follow_flows.c - flows whose host-side address went away end
 *
 * Theory of operation (doc/follow.md, "Flows"): a translated flow has a
 * socket on the host, bound (by the kernel at connect(), by -o, or by the
 * remote peer's choice for inbound ones) to one of the host's addresses.
 * When the host loses that address, the socket can neither send nor
 * receive any more: a TCP connection would hang until its peer or the
 * guest gives up, a connected UDP socket would keep sending from an
 * address that isn't ours. So when the watch of follow.c saw an address
 * removed (RTM_DELADDR, or lost notifications), follow_flows_gone() reads
 * the host's addresses once (one netlink dump, every interface) and looks
 * at each translated flow's local address:
 *
 * - TCP (FLOW_TCP): the socket's own address, getsockname(): the flow
 *   table doesn't record it for outbound connections (the kernel picks
 *   it). Gone: reset, as for any other reset of the engine: RST to the
 *   guest, the socket closed with SO_LINGER 0;
 * - UDP and ICMP echo (FLOW_UDP, FLOW_PING4/6): the flow's socket, if it
 *   has one (outbound flows: connected, so bound), otherwise the local
 *   address an inbound datagram came to (the flow's @laddr). Gone: the
 *   flow ends; the guest's next datagram makes a new one, from an address
 *   the host has. Echo sockets are not connected: the kernel picks the
 *   source per request, so they only end if bound (-o);
 * - spliced flows (FLOW_TCP_SPLICE, FLOW_UDP_SPLICE) are loopback on both
 *   sides and never looked at; a loopback or unspecified local address
 *   never counts as gone.
 *
 * The scan runs only after an address was removed (no cost at rest), once
 * per round of events, and logs one line with the number of flows ended.
 * If the dump fails or is too long to be complete, nothing ends: a flow
 * cut for nothing is worse than one left to time out.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "base/log.h"
#include "loop/ctx.h"
#include "loop/follow_flows.h"
#include "os/netlink.h"

/* The host's addresses, as last read: used during one scan only */
static struct nl_addr follow_have[FOLLOW_FLOWS_ADDRS];

/**
 * follow_addr_gone() - Tell whether a local address is one the host lost
 * @a:		Local address of a host-side socket
 * @have:	The host's addresses, every interface
 * @n:		Entries in @have
 *
 * Return: false if @a is unspecified, loopback, or in @have; true otherwise
 */
bool follow_addr_gone(const union inany_addr *a, const struct nl_addr *have,
		      int n)
{
	const struct in_addr *v4 = inany_v4(a);
	int i;

	if (inany_is_unspecified(a))
		return false;
	if (v4 ? (ntohl(v4->s_addr) >> 24) == IN_LOOPBACKNET
	       : IN6_IS_ADDR_LOOPBACK(&a->a6))
		return false;
	for (i = 0; i < n; i++) {
		if (v4 && have[i].family == AF_INET &&
		    have[i].addr.a4.s_addr == v4->s_addr)
			return false;
		if (!v4 && have[i].family == AF_INET6 &&
		    IN6_ARE_ADDR_EQUAL(&have[i].addr.a6, &a->a6))
			return false;
	}
	return true;
}

/**
 * follow_sock_addr() - The local address of a socket
 * @s:		Socket
 * @a:		Set to its address
 *
 * Return: 0 on success, -errno on failure
 */
static int follow_sock_addr(int s, union inany_addr *a)
{
	union sockaddr_inany sa;
	socklen_t sl = sizeof(sa);

	memset(&sa, 0, sizeof(sa));
	if (getsockname(s, &sa.sa, &sl))
		return -errno;
	return inany_from_sockaddr(a, NULL, &sa);
}

/**
 * follow_flow_addr() - The host-side local address of a translated flow
 * @x:		Context
 * @idx:	Flow index
 * @type:	Its type
 * @a:		Set to the address
 *
 * Return: 0 if @a is set, -errno if there is none to look at
 */
static int follow_flow_addr(const struct ctx *x, int idx,
			    enum flow_type type, union inany_addr *a)
{
	const struct dgram_flow *d;

	switch (type) {
	case FLOW_TCP:
		if (x->tcp.conn[idx].sock < 0)
			return -EBADF;
		return follow_sock_addr(x->tcp.conn[idx].sock, a);
	case FLOW_UDP:
	case FLOW_PING4:
	case FLOW_PING6:
		d = &x->udp.flow[idx];
		if (d->sock >= 0)
			return follow_sock_addr(d->sock, a);
		if (!d->laddr_set)
			return -ENOENT;
		*a = d->laddr;
		return 0;
	default:
		return -ENOENT;		/* spliced: loopback both sides */
	}
}

/**
 * follow_flows_gone() - End the flows whose host-side address went away
 * @x:		Context
 *
 * Return: number of flows ended, -errno if the host's addresses couldn't
 *	   be read (nothing ended)
 */
int follow_flows_gone(struct ctx *x)
{
	int idx, n, ended = 0;

	n = nl_addr_dump(x->follow.nl_host, AF_UNSPEC, 0, follow_have,
			 FOLLOW_FLOWS_ADDRS);
	if (n >= FOLLOW_FLOWS_ADDRS)
		n = -E2BIG;
	if (n < 0) {
		log_debug("Flows not checked: host addresses unknown: %s",
			  strerror(-n));
		return n;
	}
	for (idx = 0; idx < FLOW_MAX; idx++) {
		const struct flow_entry *e = flow_get(&x->flows, idx);
		enum flow_type type;
		union inany_addr a;

		if (!e || e->state != FLOW_STATE_ACTIVE)
			continue;
		memset(&a, 0, sizeof(a));
		type = (enum flow_type)e->type;
		if (follow_flow_addr(x, idx, type, &a) ||
		    !follow_addr_gone(&a, follow_have, n))
			continue;
		if (type == FLOW_TCP)
			tcp_reset(&x->tcp, idx);
		else
			dgram_flow_free(&x->udp, idx);
		ended++;
	}
	if (ended) {
		log_info("Host address removed: %d flow%s using it closed",
			 ended, ended == 1 ? "" : "s");
		if (x->sink)
			x->sink->flush(x->sink);	/* the RSTs */
	} else {
		log_debug("Host address removed: no flow was using it");
	}
	return ended;
}
