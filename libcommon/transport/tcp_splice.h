/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp_splice.h - pasta: TCP between loopback sockets with splice(2)
 *
 * Theory of operation: see tcp_splice.c and doc/splice.md.
 */
#ifndef TRANSPORT_TCP_SPLICE_H
#define TRANSPORT_TCP_SPLICE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/inany.h"
#include "base/log.h"
#include "flow/flow.h"
#include "flow/fwd.h"
#include "transport/splice.h"

#define TCP_SPLICE_PIPE_POOL 16	       /* spare pipes kept */
#define TCP_SPLICE_PIPE_SIZE (1 << 19) /* asked for; the default if refused */
#define TCP_SPLICE_NOTSENT   (1 << 20) /* TCP_NOTSENT_LOWAT of both sockets */

/**
 * enum tcp_splice_state - Where a spliced connection is in its life
 * @TCP_SPLICE_FREE:		Entry unused
 * @TCP_SPLICE_CONNECTING:	Side 1 connect() in progress
 * @TCP_SPLICE_ACTIVE:		Data moves; half-closes are in the flags
 */
enum tcp_splice_state {
	TCP_SPLICE_FREE,
	TCP_SPLICE_CONNECTING,
	TCP_SPLICE_ACTIVE,
};

/**
 * enum tcp_splice_flag - Events of a spliced connection, per side
 * @TCP_SPLICE_EOF0:	Side 0 read end-of-file (its peer sent FIN)
 * @TCP_SPLICE_EOF1:	Side 1 read end-of-file
 * @TCP_SPLICE_SHUT0:	Side 0 shut down for writing (FIN sent to its peer)
 * @TCP_SPLICE_SHUT1:	Side 1 shut down for writing
 * @TCP_SPLICE_BLOCK0:	Writing to side 0 would block: wait for EPOLLOUT
 * @TCP_SPLICE_BLOCK1:	Writing to side 1 would block
 * @TCP_SPLICE_NS0:	Side 0 is the namespace's (-T), else side 1 is (-t)
 */
enum tcp_splice_flag {
	TCP_SPLICE_EOF0 = 1 << 0,
	TCP_SPLICE_EOF1 = 1 << 1,
	TCP_SPLICE_SHUT0 = 1 << 2,
	TCP_SPLICE_SHUT1 = 1 << 3,
	TCP_SPLICE_BLOCK0 = 1 << 4,
	TCP_SPLICE_BLOCK1 = 1 << 5,
	TCP_SPLICE_NS0 = 1 << 6,
};

/* Flag of @side (0 or 1) of a per-side pair */
#define TCP_SPLICE_EOF(side)   ((uint8_t)(TCP_SPLICE_EOF0 << (side)))
#define TCP_SPLICE_SHUT(side)  ((uint8_t)(TCP_SPLICE_SHUT0 << (side)))
#define TCP_SPLICE_BLOCK(side) ((uint8_t)(TCP_SPLICE_BLOCK0 << (side)))

/**
 * struct tcp_splice_conn - Two sockets joined by two pipes
 * @s:		Sockets: [0] accepted on a listener, [1] connected by us
 * @pipe:	Pipes, @pipe[d] carries data read from @s[d] to @s[!d]:
 *		[d][0] read end, [d][1] write end; -1 if none
 * @pending:	Bytes in @pipe[d], not yet written to @s[!d]
 * @ev:		epoll events registered for @s[side]
 * @state:	enum tcp_splice_state
 * @flags:	enum tcp_splice_flag bits
 */
struct tcp_splice_conn {
	int s[2];
	int pipe[2][2];
	uint32_t pending[2];
	uint32_t ev[2];
	uint8_t state;
	uint8_t flags;
};

/**
 * struct tcp_splice_ctx - Spliced TCP connections and their listeners
 * @flows:	Flow table (shared with the other transports)
 * @conn:	Connections, by flow index
 * @nconn:	Connections in use
 * @pipes:	Spare empty pipes: [i][0] read end, [i][1] write end
 * @npipes:	Spare pipes
 * @epfd:	epoll descriptor
 * @ns:		Sockets of the namespace
 * @cfg:	Splicing configuration
 * @fwd_in:	Inbound rules (-t), for listener references
 * @fwd_out:	Outbound rules (-T)
 * @rl:		Rate limit of data path messages
 */
struct tcp_splice_ctx {
	struct flow_table *flows;
	struct tcp_splice_conn conn[FLOW_MAX];
	unsigned int nconn;
	int pipes[TCP_SPLICE_PIPE_POOL][2];
	unsigned int npipes;
	int epfd;
	struct splice_ns *ns;
	struct splice_cfg cfg;
	const struct fwd_table *fwd_in;
	const struct fwd_table *fwd_out;
	struct ratelimit rl;
};

int tcp_splice_init(struct tcp_splice_ctx *ts, struct flow_table *flows,
		    struct splice_ns *ns, const struct splice_cfg *cfg,
		    int epfd, const struct fwd_table *fwd_in,
		    const struct fwd_table *fwd_out);
bool tcp_splice_from_host(struct tcp_splice_ctx *ts, const struct fwd_rule *r,
			  uint16_t port, int s, const union inany_addr *peer,
			  uint16_t peer_port);
int tcp_splice_listen_out(struct tcp_splice_ctx *ts, struct listen_gap *gap,
		  const struct listen_rec *rec);
int tcp_splice_listen_ns(struct tcp_splice_ctx *ts, unsigned int rule,
			 uint16_t port, struct listen_socks *ls);
void tcp_splice_unlisten(struct tcp_splice_ctx *ts, int fd);
void tcp_splice_listen_handler(struct tcp_splice_ctx *ts, uint32_t ref_idx,
			       int fd);
void tcp_splice_sock_handler(struct tcp_splice_ctx *ts, uint32_t ref_idx,
			     uint32_t events);
uint32_t tcp_splice_events(const struct tcp_splice_conn *c, int side);
bool tcp_splice_done(const struct tcp_splice_conn *c);
bool tcp_splice_ns_sending(const struct tcp_splice_ctx *ts);

#endif /* TRANSPORT_TCP_SPLICE_H */
