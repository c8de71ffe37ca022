/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp_repair.h - TCP_REPAIR: a connected socket's state, read from one
 * socket and rebuilt in another (tcp_repair.c)
 */
#ifndef TRANSPORT_TCP_REPAIR_H
#define TRANSPORT_TCP_REPAIR_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/tcp.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "base/inany.h"

/**
 * struct tcp_repair_state - What a socket in repair mode tells of itself,
 *			     and what a new one is rebuilt from
 * @seq_snd:	Sequence number of the first byte in the send queue
 * @seq_rcv:	Sequence number of the first byte in the receive queue
 * @sndq:	Bytes in the send queue (sent or not)
 * @notsent:	Of those, bytes not sent yet
 * @rcvq:	Bytes in the receive queue, not read yet
 * @mss:	Maximum segment size (TCP_MAXSEG)
 * @timestamp:	Current timestamp clock of the socket (TCP_TIMESTAMP)
 * @wnd:	Window state (TCP_REPAIR_WINDOW)
 * @snd_ws:	Window scale of the peer
 * @rcv_ws:	Our window scale
 * @state:	TCP state (TCP_INFO), TCP_ESTABLISHED for a socket we move
 * @options:	TCPI_OPT_* bits agreed with the peer (TCP_INFO)
 */
struct tcp_repair_state {
	uint32_t seq_snd;
	uint32_t seq_rcv;
	uint32_t sndq;
	uint32_t notsent;
	uint32_t rcvq;
	uint32_t mss;
	uint32_t timestamp;
	struct tcp_repair_window wnd;
	uint8_t snd_ws;
	uint8_t rcv_ws;
	uint8_t state;
	uint8_t options;
};

int tcp_repair_freeze(int s);
int tcp_repair_thaw(int s);
int tcp_repair_get(int s, struct tcp_repair_state *st);
int tcp_repair_peek(int s, bool sndq, uint8_t *buf, uint32_t len);
int tcp_repair_set(int s, const struct tcp_repair_state *st,
		   const union sockaddr_inany *local,
		   const union sockaddr_inany *peer, socklen_t sl,
		   const uint8_t *snd, const uint8_t *rcv);
int tcp_repair_window_set(int s, const struct tcp_repair_state *st);

#endif /* TRANSPORT_TCP_REPAIR_H */
