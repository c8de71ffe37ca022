/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp_data.h - TCP translation, middle layer: data movement and verdicts
 *
 * Theory of operation: see tcp_data.c. Used by the top layer (tcp_conn.c,
 * tcp_tap.c); uses only tcp_sock.h below it.
 */
#ifndef TRANSPORT_TCP_DATA_H
#define TRANSPORT_TCP_DATA_H

#include <stdbool.h>
#include <stdint.h>

#include "packet/ip.h"
#include "transport/tcp_sock.h"
#include "transport/tcp_types.h"

/**
 * enum tcp_verdict - What a data step asks of the connection's owner
 * @TCP_V_OK:		Nothing: the connection goes on
 * @TCP_V_CLOSE:	Both sides finished cleanly: close the socket, free
 *			the flow
 * @TCP_V_RESET:	Abort: RST to the host peer (SO_LINGER 0) and to the
 *			guest, free the flow
 * @TCP_V_RESET_HOST:	Abort, RST to the host peer only: the guest sent
 *			the RST, or never saw the connection
 *
 * Only the top layer acts on a verdict (tcp_verdict_apply()): nothing
 * below it frees a connection, so a connection a function was given is
 * still there when it returns.
 */
enum tcp_verdict {
	TCP_V_OK = 0,
	TCP_V_CLOSE,
	TCP_V_RESET,
	TCP_V_RESET_HOST,
};

#define TCP_MUST_USE __attribute__((warn_unused_result))

void tcp_send_flags(struct tcp_ctx *t, struct tcp_conn *c, uint8_t flags,
		    const struct tcp_frame_opts *opts, uint32_t seq);
void tcp_ack_pending(struct tcp_ctx *t, int idx);
void tcp_ack_now(struct tcp_ctx *t, struct tcp_conn *c);
void tcp_wnd_update(struct tcp_ctx *t, int idx);
TCP_MUST_USE enum tcp_verdict tcp_data_to_guest(struct tcp_ctx *t, int idx);
TCP_MUST_USE enum tcp_verdict tcp_retransmit(struct tcp_ctx *t, int idx);
TCP_MUST_USE enum tcp_verdict tcp_guest_ack(struct tcp_ctx *t, int idx,
					    const struct tcp_seg *s);
TCP_MUST_USE enum tcp_verdict tcp_guest_data(struct tcp_ctx *t, int idx,
					     const struct tcp_seg *s);
TCP_MUST_USE enum tcp_verdict tcp_write_flush(struct tcp_ctx *t, int idx);
TCP_MUST_USE enum tcp_verdict tcp_batch_conn_end(struct tcp_ctx *t, int idx);
void tcp_batch_forget(struct tcp_ctx *t, int idx);

/**
 * tcp_wq_needs_room() - Tell whether a segment will queue payload while the
 *			 write queue is full
 * @t:		TCP context
 * @c:		Connection
 * @s:		Segment from the guest, its ACK processed
 *
 * The payload tcp_guest_data() queues is what the segment has at and after
 * the next byte expected, unless the guest's FIN came already. When this
 * returns true, the top layer writes the whole queue out first, as it
 * alone may act on what the writes of other connections find.
 *
 * Return: true if tcp_guest_data() would find no room for @s
 */
static inline bool tcp_wq_needs_room(const struct tcp_ctx *t,
				     const struct tcp_conn *c,
				     const struct tcp_seg *s)
{
	uint32_t next = c->rcv_nxt + c->wpend;

	if (t->nwq < TCP_WQ_MAX || !s->payload.len ||
	    (c->flags & TCP_GUEST_FIN))
		return false;
	return seq_le(s->seq, next) &&
	       seq_lt(next, s->seq + (uint32_t)s->payload.len);
}

#endif /* TRANSPORT_TCP_DATA_H */
