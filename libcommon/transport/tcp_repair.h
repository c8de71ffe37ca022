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

#define TCP_REPAIR_TAIL_MS 1000	/* unsent bytes go out within this */

/* tcpi_state values (the kernel's include/net/tcp_states.h) of sockets
 * that were connected: <netinet/tcp.h> has them, but clashes with
 * <linux/tcp.h>, which has the repair interface
 */
enum tcp_repair_sock_state {
	TCP_RS_ESTABLISHED = 1,
	TCP_RS_FIN_WAIT1 = 4,
	TCP_RS_FIN_WAIT2 = 5,
	TCP_RS_TIME_WAIT = 6,
	TCP_RS_CLOSE = 7,
	TCP_RS_CLOSE_WAIT = 8,
	TCP_RS_LAST_ACK = 9,
	TCP_RS_CLOSING = 11,
};

/**
 * struct tcp_repair_state - What a socket in repair mode tells of itself,
 *			     and what a new one is rebuilt from
 * @seq_snd:	Sequence number of the first byte in the send queue
 * @seq_rcv:	Sequence number of the first byte in the receive queue
 * @sndq:	Bytes of data in the send queue (sent or not), not our FIN
 * @notsent:	Of those, bytes not sent yet
 * @rcvq:	Bytes of data in the receive queue, not read yet: the
 *		peer's FIN, if it came, follows them (@state says)
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
bool tcp_repair_is_on(int s);
int tcp_repair_get(int s, struct tcp_repair_state *st, uint8_t *snd,
		   uint32_t cap);
int tcp_repair_peek_rcvq(int s, uint32_t off, uint8_t *buf, uint32_t len);
int tcp_repair_fill(int s, int q, const uint8_t *p, uint32_t len);
int tcp_repair_connect(int s, const struct tcp_repair_state *st,
		       const union sockaddr_inany *local,
		       const union sockaddr_inany *peer, socklen_t sl,
		       int wait_ms);
int tcp_repair_finish(int s, const struct tcp_repair_state *st);
int tcp_repair_resume(int s, const struct tcp_repair_state *st,
		      const uint8_t *tail);
int tcp_repair_set(int s, const struct tcp_repair_state *st,
		   const union sockaddr_inany *local,
		   const union sockaddr_inany *peer, socklen_t sl,
		   const uint8_t *snd, const uint8_t *rcv);
int tcp_repair_window_set(int s, const struct tcp_repair_state *st);

#endif /* TRANSPORT_TCP_REPAIR_H */
