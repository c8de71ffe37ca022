/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp.h - TCP translation between guest segments and host sockets
 *
 * Theory of operation: doc/tcp.md, and the top of each file. The engine is
 * built in three layers, each with its own header, each using only those
 * below it:
 *
 *   tcp_conn.c, tcp_tap.c   life cycle and the entry points (tcp_conn.h,
 *                           and this header: the API for the rest of
 *                           the tree)
 *   tcp_data.c              data both ways, windows, retransmission,
 *                           the batch; returns verdicts (tcp_data.h)
 *   tcp_sock.c              sockets, epoll, the timer, constants
 *                           (tcp_sock.h)
 *
 * The types they share are in tcp_types.h.
 */
#ifndef TRANSPORT_TCP_H
#define TRANSPORT_TCP_H

#include <stdbool.h>
#include <stdint.h>

#include "flow/flow.h"
#include "flow/fwd.h"
#include "flow/nat.h"
#include "packet/ip.h"
#include "packet/sink.h"
#include "services/l2.h"
#include "transport/listen.h"
#include "transport/tcp_types.h"

int tcp_init(struct tcp_ctx *t, struct flow_table *flows,
	     struct frame_sink *sink, const struct l2_conf *l2,
	     const struct l2_state *l2s, int epfd, uint16_t mtu,
	     const struct nat *nat);
int tcp_listen(struct tcp_ctx *t, const struct fwd_table *fwd, bool freebind,
	       struct listen_gap *gap, const struct listen_rec *rec);
int tcp_listen_port(struct tcp_ctx *t, int rule, uint16_t port, bool freebind,
		    struct listen_socks *ls);
void tcp_unlisten_port(struct tcp_ctx *t, int fd);
void tcp_tap_input(struct tcp_ctx *t, const struct pkt_l4 *p);
void tcp_tap_batch_end(struct tcp_ctx *t);
void tcp_sock_handler(struct tcp_ctx *t, uint32_t idx, uint32_t events);
void tcp_listen_handler(struct tcp_ctx *t, uint32_t ref_idx, int fd);
void tcp_timer_handler(struct tcp_ctx *t);
void tcp_reset(struct tcp_ctx *t, int idx);
bool tcp_guest_sending(const struct tcp_ctx *t);
void tcp_sink_ready(struct tcp_ctx *t);
const char *tcp_state_str(const struct tcp_ctx *t, int idx);

#endif /* TRANSPORT_TCP_H */
