/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp.h - TCP translation between guest segments and host sockets
 *
 * Theory of operation: see tcp_conn.c (life cycle), tcp_data.c (data in both
 * directions, windows, retransmission) and tcp_tap.c (segments from the
 * guest); socket, epoll and timer helpers are in tcp_sock.c, the types in
 * tcp_types.h.
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
	     struct frame_sink *sink, const struct l2_conf *l2, int epfd,
	     uint16_t mtu, const struct nat *nat);
int tcp_listen(struct tcp_ctx *t, const struct fwd_table *fwd, bool freebind,
	       struct listen_gap *gap);
int tcp_listen_port(struct tcp_ctx *t, int rule, uint16_t port, bool freebind,
		    struct listen_socks *ls);
void tcp_unlisten_port(struct tcp_ctx *t, int fd);
void tcp_tap_input(struct tcp_ctx *t, const struct pkt_l4 *p);
void tcp_tap_batch_end(struct tcp_ctx *t);
void tcp_sock_handler(struct tcp_ctx *t, uint32_t idx, uint32_t events);
void tcp_listen_handler(struct tcp_ctx *t, uint32_t ref_idx, int fd);
void tcp_timer_handler(struct tcp_ctx *t);
bool tcp_guest_sending(const struct tcp_ctx *t);

/* Internal to the TCP engine (tcp_*.c) */
void tcp_send_flags(struct tcp_ctx *t, struct tcp_conn *c, uint8_t flags,
		    const struct tcp_frame_opts *opts, uint32_t seq);
void tcp_conn_reset(struct tcp_ctx *t, int idx, bool tell_guest);
void tcp_conn_close(struct tcp_ctx *t, int idx);
void tcp_data_to_guest(struct tcp_ctx *t, int idx);
void tcp_retransmit(struct tcp_ctx *t, int idx);
void tcp_ack_pending(struct tcp_ctx *t, int idx);
void tcp_guest_ack(struct tcp_ctx *t, int idx, const struct tcp_seg *s);
void tcp_guest_data(struct tcp_ctx *t, int idx, const struct tcp_seg *s);
void tcp_write_flush(struct tcp_ctx *t, int idx);
void tcp_write_forget(struct tcp_ctx *t, int idx);

#endif /* TRANSPORT_TCP_H */
