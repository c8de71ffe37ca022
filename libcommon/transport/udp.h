/* SPDX-License-Identifier: GPL-2.0-or-later */
/* udp.h - UDP and ICMP echo translation: datagram flows with idle expiry */
#ifndef TRANSPORT_UDP_H
#define TRANSPORT_UDP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "base/inany.h"
#include "base/log.h"
#include "flow/flow.h"
#include "flow/fwd.h"
#include "flow/nat.h"
#include "packet/ip.h"
#include "packet/sink.h"
#include "services/l2.h"
#include "transport/listen.h"

struct udp_splice_ctx;

#define UDP_BATCH 32		/* datagrams per recvmmsg() */
#define UDP_SOCK_BATCHES 4	/* recvmmsg() per socket event, at most */
#define UDP_TIMEOUT_MS 180000	/* idle UDP flow */
#define ICMP_TIMEOUT_MS 60000	/* idle echo flow */

/**
 * struct dgram_flow - One UDP or ICMP echo flow
 * @proto:	IPPROTO_UDP, IPPROTO_ICMP or IPPROTO_ICMPV6; 0 if unused
 * @sock:	Socket owned by the flow, -1 if it uses @lsock
 * @lsock:	Listening socket of an inbound -u rule (not owned), -1
 * @peer:	Peer of an inbound flow (replies go there through @lsock)
 * @peer_len:	Length of @peer
 * @laddr:	Local address @peer sent to, if @laddr_set: the source of
 *		replies through a wildcard @lsock (pktinfo.c)
 * @laddr_set:	@laddr is known
 * @gaddr:	Guest's address
 * @raddr:	Remote address as the guest sees it
 * @gport:	Guest's port (echo identifier for ICMP)
 * @rport:	Remote port as the guest sees it
 * @last:	Last activity, milliseconds
 * @no_gso:	The socket refused UDP_SEGMENT: datagrams go one by one
 */
struct dgram_flow {
	uint8_t proto;
	int sock;
	int lsock;
	union sockaddr_inany peer;
	uint32_t peer_len;
	union inany_addr laddr;
	bool laddr_set;
	union inany_addr gaddr;
	union inany_addr raddr;
	uint16_t gport;
	uint16_t rport;
	uint64_t last;
	bool no_gso;
};

/**
 * struct udp_ctx - State of the UDP and ICMP engine
 * @flows:	Flow table (shared with TCP)
 * @flow:	Datagram flows, by flow index
 * @sink:	Frames to the guest
 * @l2:		Guest's addresses and MACs
 * @l2s:	What the link learnt of the guest (its MAC, its addresses)
 * @nat:	Address translations
 * @fwd:	Inbound rules (-u)
 * @splice:	pasta's loopback fast path, NULL if none (passt)
 * @epfd:	epoll descriptor
 * @timer_fd:	timerfd for expiry, ticking once a second
 * @no_icmp:	ICMP echo disabled
 * @nflows:	Flows open
 * @rl:		Rate limit of data path messages
 * @q_idx:	Datagrams of the guest queued in this batch: their flow
 * @q_iov:	... and their payload (in the link's read buffers)
 * @nq:		Entries queued
 */
struct udp_ctx {
	struct flow_table *flows;
	struct dgram_flow flow[FLOW_MAX];
	struct frame_sink *sink;
	const struct l2_conf *l2;
	const struct l2_state *l2s;
	const struct nat *nat;
	const struct fwd_table *fwd;
	struct udp_splice_ctx *splice;
	int epfd;
	int timer_fd;
	bool no_icmp;
	unsigned int nflows;
	struct ratelimit rl;
	int q_idx[UDP_BATCH];
	struct iovec q_iov[UDP_BATCH];
	unsigned int nq;
};

int udp_init(struct udp_ctx *u, struct flow_table *flows,
	     struct frame_sink *sink, const struct l2_conf *l2,
	     const struct l2_state *l2s, const struct nat *nat, int epfd,
	     bool no_icmp);
int udp_listen(struct udp_ctx *u, const struct fwd_table *fwd, bool freebind,
	       struct listen_gap *gap, const struct listen_rec *rec);
int udp_listen_port(struct udp_ctx *u, int rule, uint16_t port, bool freebind,
		    struct listen_socks *ls);
void udp_unlisten_port(struct udp_ctx *u, int fd);
void udp_tap_input(struct udp_ctx *u, const struct pkt_l4 *p);
void udp_tap_batch_end(struct udp_ctx *u);
void udp_sock_handler(struct udp_ctx *u, uint32_t idx);
void udp_listen_handler(struct udp_ctx *u, uint32_t ref_idx, int fd);
void icmp_tap_input(struct udp_ctx *u, const struct pkt_l4 *p);
void icmp_sock_handler(struct udp_ctx *u, uint32_t idx);
void udp_timer_handler(struct udp_ctx *u);

/* Internal to udp.c and icmp.c */
int dgram_flow_new(struct udp_ctx *u, const struct flow_key *k, int sock,
		   int type, const struct flow_side *ini,
		   const struct flow_side *tgt);
void dgram_flow_free(struct udp_ctx *u, int idx);

#endif /* TRANSPORT_UDP_H */
