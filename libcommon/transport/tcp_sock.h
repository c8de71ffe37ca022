/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp_sock.h - TCP translation, bottom layer: host sockets and timing
 *
 * Theory of operation: see tcp_sock.c. Used by tcp_data.c and the top
 * layer (tcp_conn.c, tcp_tap.c); includes nothing of theirs.
 */
#ifndef TRANSPORT_TCP_SOCK_H
#define TRANSPORT_TCP_SOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "base/inany.h"
#include "flow/nat.h"
#include "transport/tcp_types.h"

#define TCP_TICK_MS 50		/* timer resolution */
#define TCP_HANDSHAKE_MS 10000	/* SYN(-ACK) to the guest unanswered */
#define TCP_CONNECT_MS 30000	/* host connect() pending */
#define TCP_RTO_INIT_MS 200	/* first retransmission timeout, and least */
#define TCP_RTO_MAX_MS 30000	/* retransmission timeout at most */
#define TCP_MAX_RETRIES 8	/* retransmissions without progress */
#define TCP_FIN_IDLE_MS 120000	/* half-closed and silent */

int tcp_sock_init(struct tcp_ctx *t);
uint32_t tcp_isn(struct tcp_ctx *t);
void tcp_timer_arm(struct tcp_ctx *t);
bool tcp_timer_expired(struct tcp_ctx *t);
void tcp_timer_idle(struct tcp_ctx *t);
int tcp_epoll_add(struct tcp_ctx *t, int idx, int sock);
void tcp_epoll_set(struct tcp_ctx *t, int idx, uint32_t events);
void tcp_epoll_rearm(struct tcp_ctx *t, int idx);
uint32_t tcp_sock_setup(struct tcp_ctx *t, int sock);
int tcp_sock_connect(const struct tcp_ctx *t, const union inany_addr *dst,
		     uint16_t port);
void tcp_sock_close(struct tcp_ctx *t, struct tcp_conn *c, bool rst);
uint16_t tcp_mss_ours(const struct tcp_ctx *t, bool v4);
void tcp_peek_off_set(const struct tcp_ctx *t, struct tcp_conn *c, int off);
uint32_t tcp_wnd_to_guest(struct tcp_ctx *t, struct tcp_conn *c);
void tcp_discard_flush(struct tcp_ctx *t, struct tcp_conn *c);

#endif /* TRANSPORT_TCP_SOCK_H */
