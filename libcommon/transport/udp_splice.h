/* SPDX-License-Identifier: GPL-2.0-or-later */
/* udp_splice.h - pasta: UDP between loopback sockets, socket to socket
 *
 * Theory of operation: see udp_splice.c and doc/splice.md.
 */
#ifndef TRANSPORT_UDP_SPLICE_H
#define TRANSPORT_UDP_SPLICE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "base/inany.h"
#include "base/log.h"
#include "flow/flow.h"
#include "flow/fwd.h"
#include "transport/splice.h"

#define UDP_SPLICE_BATCH      32     /* datagrams per recvmmsg() */
#define UDP_SPLICE_BUF	      65536  /* larger than any UDP payload */
#define UDP_SPLICE_TIMEOUT_MS 180000 /* idle flow */

/**
 * enum udp_splice_key - Protocol numbers of spliced flows in flow keys
 * @UDP_SPLICE_KEY_IN:	Flow of a -u listener (host loopback peer)
 * @UDP_SPLICE_KEY_OUT:	Flow of a -U listener (namespace peer)
 *
 * RFC 3692 reserves 253 and 254 for experiments: no key built from a
 * guest's frame carries them, so spliced flows share the flow table with
 * translated ones and never match them.
 */
enum udp_splice_key {
	UDP_SPLICE_KEY_IN = 253,
	UDP_SPLICE_KEY_OUT = 254,
};

/**
 * struct udp_splice_flow - One peer of a listener, joined to a socket
 *			    connected to the target on the other side
 * @sock:	Connected socket (owned), -1 if the entry is unused
 * @lsock:	Listening socket the peer sends to (not owned): answers go
 *		back through it
 * @peer:	Peer's address
 * @plen:	Its length
 * @laddr:	Address the peer sent to, if @laddr_set: the source of the
 *		answers (pktinfo.c)
 * @laddr_set:	@laddr is known (the listener is on a wildcard address)
 * @last:	Last activity, milliseconds
 */
struct udp_splice_flow {
	int sock;
	int lsock;
	union sockaddr_inany peer;
	socklen_t plen;
	union inany_addr laddr;
	bool laddr_set;
	uint64_t last;
};

/**
 * struct udp_splice_ctx - Spliced UDP flows and their listeners
 * @flows:	Flow table (shared with the translating transports)
 * @flow:	Spliced flows, by flow index
 * @ns:		Sockets of the namespace
 * @cfg:	Splicing configuration
 * @fwd_in:	Inbound rules (-u)
 * @fwd_out:	Outbound rules (-U)
 * @epfd:	epoll descriptor
 * @nflows:	Flows open
 * @q_idx:	Datagrams queued for sending: their flow...
 * @q_iov:	... and their payload
 * @nq:		Datagrams queued
 * @buf:	Receive buffers
 * @rl:		Rate limit of data path messages
 */
struct udp_splice_ctx {
	struct flow_table *flows;
	struct udp_splice_flow flow[FLOW_MAX];
	struct splice_ns *ns;
	struct splice_cfg cfg;
	const struct fwd_table *fwd_in;
	const struct fwd_table *fwd_out;
	int epfd;
	unsigned int nflows;
	int q_idx[UDP_SPLICE_BATCH];
	struct iovec q_iov[UDP_SPLICE_BATCH];
	unsigned int nq;
	uint8_t buf[UDP_SPLICE_BATCH][UDP_SPLICE_BUF];
	struct ratelimit rl;
};

int udp_splice_init(struct udp_splice_ctx *us, struct flow_table *flows,
		    struct splice_ns *ns, const struct splice_cfg *cfg,
		    int epfd, const struct fwd_table *fwd_in,
		    const struct fwd_table *fwd_out);
bool udp_splice_from_host(struct udp_splice_ctx *us, const struct fwd_rule *r,
			  uint16_t port, int lsock,
			  const union sockaddr_inany *peer, socklen_t plen,
			  const union inany_addr *laddr,
			  const struct iovec *payload);
void udp_splice_flush(struct udp_splice_ctx *us);
int udp_splice_listen_out(struct udp_splice_ctx *us, struct listen_gap *gap,
		  const struct listen_rec *rec);
int udp_splice_listen_ns(struct udp_splice_ctx *us, unsigned int rule,
			 uint16_t port, struct listen_socks *ls);
void udp_splice_unlisten(struct udp_splice_ctx *us, int fd);
void udp_splice_forget_lsock(struct udp_splice_ctx *us, int lsock);
void udp_splice_listen_handler(struct udp_splice_ctx *us, uint32_t ref_idx,
			       int fd);
void udp_splice_sock_handler(struct udp_splice_ctx *us, uint32_t idx);
void udp_splice_timer(struct udp_splice_ctx *us);

#endif /* TRANSPORT_UDP_SPLICE_H */
