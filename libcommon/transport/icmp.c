// SPDX-License-Identifier: GPL-2.0-or-later
/* icmp.c - ICMP and ICMPv6 echo through unprivileged "ping" sockets
 *
 * Theory of operation: an echo request of the guest opens (or reuses) a flow
 * keyed by the guest's address, the destination and the echo identifier,
 * holding one ping socket (SOCK_DGRAM with IPPROTO_ICMP or IPPROTO_ICMPV6,
 * allowed by net.ipv4.ping_group_range in the host's namespace: nothing
 * needs privileges). The kernel owns the identifier on the wire (the
 * socket's "port"); replies come back on the socket and get the guest's
 * identifier again before they are framed for the guest. A flow idle for
 * ICMP_TIMEOUT_MS is closed by udp_timer_handler(). With --no-icmp, echo
 * requests are dropped.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "os/epref.h"
#include "packet/frag.h"
#include "packet/frame.h"
#include "packet/icmp.h"
#include "udp.h"

#define ICMP_HDR_LEN FRAME_ICMP_HLEN /* type, code, checksum, id, sequence */
#define ICMP_MAX_MSG 65507	/* largest echo payload we relay */

/**
 * icmp_flow_open() - Open the ping socket of a new echo flow
 * @u:		Context
 * @k:		Flow key
 *
 * Return: flow index, or -errno
 */
static int icmp_flow_open(struct udp_ctx *u, const struct flow_key *k)
{
	bool v4 = inany_is_v4(&k->raddr);
	struct flow_side tap, host;
	union inany_addr dst;
	uint16_t port;
	int s, idx;

	s = socket(v4 ? AF_INET : AF_INET6,
		   SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		   v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	if (s < 0) {
		log_rl(&u->rl, LOG_LVL_WARN,
		       "Couldn't open ping socket (%s): is "
		       "net.ipv4.ping_group_range set?", strerror(errno));
		return -errno;
	}
	nat_outbound(u->nat, &k->raddr, 0, &dst, &port);
	flow_side_tap(&tap, k);
	flow_side_set(&host, FLOW_IF_HOST, &dst, 0, NULL, 0);
	idx = dgram_flow_new(u, k, s, EPOLL_TYPE_PING, &tap, &host);
	if (idx < 0)
		close(s);
	return idx;
}

/**
 * icmp_tap_input() - Handle an ICMP or ICMPv6 message from the guest
 * @u:		Context
 * @p:		Packet, located by pkt_parse_ip()
 */
void icmp_tap_input(struct udp_ctx *u, const struct pkt_l4 *p)
{
	bool v4 = p->family == AF_INET;
	uint8_t proto = v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	struct flow_key k = { .proto = proto };
	union sockaddr_inany sa;
	union inany_addr dst;
	struct frame_icmp_hdr msg;
	struct icmp_echo e;
	uint16_t id, port;
	socklen_t sl;
	int idx;

	if (u->no_icmp || icmp_echo_parse(p->l4, !v4, &e))
		return;
	if (p->l4.len > ICMP_MAX_MSG) {
		log_rl(&u->rl, LOG_LVL_DEBUG, "ICMP: oversized echo request");
		return;
	}
	id = e.id;
	k.gaddr = p->src;
	k.raddr = p->dst;
	k.gport = id;

	idx = flow_lookup(u->flows, &k);
	if (idx >= 0 && u->flow[idx].proto != proto)
		return;
	if (idx < 0 && (idx = icmp_flow_open(u, &k)) < 0) {
		u->drop_noflow++;
		return;
	}
	u->flow[idx].last = clock_ms();

	nat_outbound(u->nat, &p->dst, 0, &dst, &port);
	sl = inany_to_sockaddr(&sa, &dst, 0, 0);

	/* The kernel sets identifier and checksum: send the rest as is */
	memcpy(&msg, p->l4.p, sizeof(msg));
	msg.check = 0;
	{
		struct iovec iov[2] = {
			{ &msg, sizeof(msg) },
			{ (void *)(p->l4.p + ICMP_HDR_LEN),
			  p->l4.len - ICMP_HDR_LEN },
		};
		struct msghdr mh = { .msg_name = &sa, .msg_namelen = sl,
				     .msg_iov = iov, .msg_iovlen = 2 };

		if (sendmsg(u->flow[idx].sock, &mh, MSG_DONTWAIT) < 0)
			log_rl(&u->rl, LOG_LVL_DEBUG, "ICMP: send: %s",
			       strerror(errno));
		else	/* the echo data, after the ICMP header */
			flow_account_from(u->flows, idx, FLOW_IF_TAP,
					  p->l4.len - ICMP_HDR_LEN, 1);
	}
}

/**
 * icmp_commit() - Send an echo reply frame, as fragments if over the MTU
 * @u:		Context
 * @buf:	Frame, reserved from the sink
 * @len:	Its length
 *
 * A reply as large as the request the guest fragmented (ping -s 4000 at
 * MTU 1500) comes back to it fragmented, as from a kernel on that link.
 */
static void icmp_commit(struct udp_ctx *u, uint8_t *buf, size_t len)
{
	static uint8_t big[FRAME_ETH_HLEN + 65535];
	static uint32_t id;

	if (!u->l2->mtu || len <= FRAME_ETH_HLEN + (size_t)u->l2->mtu ||
	    len > sizeof(big)) {
		u->sink->commit(u->sink, buf, len, NULL);
		return;
	}
	/* the copy: fragments are reserved from the sink we give @buf to */
	memcpy(big, buf, len);
	u->sink->commit(u->sink, buf, 0, NULL);
	if (frag_build(u->sink, pview_make(big, len), u->l2->mtu, id++) < 0)
		log_rl(&u->rl, LOG_LVL_DEBUG,
		       "ICMP: echo reply over the MTU not sent as fragments");
}

/**
 * icmp_sock_handler() - Echo replies on a ping socket: to the guest
 * @u:		Context
 * @idx:	Flow index
 */
void icmp_sock_handler(struct udp_ctx *u, uint32_t idx)
{
	struct dgram_flow *f = &u->flow[idx];
	const struct in_addr *g4 = inany_v4(&f->gaddr);
	const uint8_t *dmac = l2_guest_dst_mac(u->l2s);
	size_t cap, off = g4 ? FRAME_ETH_HLEN + FRAME_IP4_HLEN :
			       FRAME_IP6_DATA;
	struct frame_icmp_hdr *icmp;
	struct pbuf b;
	uint8_t *buf;
	ssize_t n;

	if (!f->proto || f->proto == IPPROTO_UDP || f->sock < 0)
		return;
	if (!u->sink->reserve(u->sink, 1, &buf, &cap))
		return;
	icmp = (struct frame_icmp_hdr *)(buf + off);
	n = recv(f->sock, icmp, MIN(cap - off, (size_t)ICMP_MAX_MSG),
		 MSG_DONTWAIT | MSG_TRUNC);
	if (n < ICMP_HDR_LEN || (size_t)n > MIN(cap - off,
						(size_t)ICMP_MAX_MSG)) {
		u->sink->commit(u->sink, buf, 0, NULL);
		return;
	}
	icmp->un.echo.id = htons(f->gport);
	f->last = clock_ms();
	flow_account_at(u->flows, (int)idx,
			flow_dir_from(u->flows, (int)idx, FLOW_IF_HOST),
			(uint64_t)n - ICMP_HDR_LEN, 1, f->last);

	pbuf_init(&b, buf, cap);
	if (g4) {
		frame_ip4_begin(&b, dmac, u->l2->our_mac);
		b.len += (size_t)n;
		icmp_commit(u, buf,
			    frame_icmp4_finish(&b, f->raddr.v4mapped.a4, *g4));
	} else {
		frame_ip6_begin(&b, dmac, u->l2->our_mac);
		b.len += (size_t)n;
		icmp_commit(u, buf,
			    frame_icmp6_finish(&b, &f->raddr.a6,
					       &f->gaddr.a6));
	}
}
