// SPDX-License-Identifier: GPL-2.0-or-later
/* tcp_ooo.c - TCP translation, middle layer: guest segments that come ahead
 *	       of a gap within one batch of frames
 *
 * Theory of operation: the engine takes guest payload only in order
 * (tcp_data.c). A frontend that merges segments (DPDK's GRO in front of
 * passt --vhost-user) hands on the ones it couldn't merge (with PSH) before
 * the merged ones of the same burst, so a batch can hold a connection's
 * stream reordered. Dropping what comes ahead of the gap makes the guest
 * retransmit most of its window, and without SACK it falls back to its
 * retransmission timeout. So payload ahead of a gap is kept here, as
 * pointers into the batch's frames (valid until its end, like the write
 * queue's), and queued for writing as soon as the gap is filled later in
 * the batch. Nothing is kept past the end of the batch
 * (tcp_tap_batch_end()), nor for a connection that closes
 * (tcp_batch_forget()): what stays ahead of a gap is dropped, and the
 * duplicate ACK asks for the gap, as before.
 */

#include "transport/tcp_ooo.h"

/**
 * tcp_ooo_keep() - Keep guest payload that came ahead of a gap, for the
 *		    rest of the batch
 * @t:		TCP context
 * @idx:	Flow index
 * @s:		Segment, with its first byte after the next expected
 * @p:		Its payload (or the part of it from @s->seq on), valid until
 *		the end of the batch
 * @len:	Its length, non-zero
 *
 * Frontends that merge segments (DPDK's GRO) pass those they can't merge
 * on first, so a burst can come reordered: the gap is then usually filled
 * a few frames later in the same batch. Without room, the segment is
 * dropped, as it would be without this; so is one with FIN, which the
 * guest sends again.
 */
void tcp_ooo_keep(struct tcp_ctx *t, int idx, const struct tcp_seg *s,
		  const uint8_t *p, size_t len)
{
	struct tcp_ooo_ent *e;

	if (t->nooo >= TCP_OOO_MAX || (s->flags & TCP_F_FIN))
		return;
	e = &t->ooo[t->nooo++];
	e->idx = (uint32_t)idx;
	e->seq = s->seq;
	e->len = (uint32_t)len;
	e->p = p;
}

/**
 * tcp_ooo_next() - Take kept payload that the next expected byte reaches
 * @t:		TCP context
 * @idx:	Flow index
 * @next:	Sequence number of the next byte expected
 * @p:		Payload from @next on, set if found
 * @len:	Its length, set if found
 *
 * Kept segments of @idx wholly before @next are forgotten on the way.
 *
 * Return: true if payload was found (and is forgotten here)
 */
bool tcp_ooo_next(struct tcp_ctx *t, int idx, uint32_t next,
		  const uint8_t **p, size_t *len)
{
	unsigned int i;

	for (i = 0; i < t->nooo; i++) {
		struct tcp_ooo_ent *e = &t->ooo[i];
		uint32_t skip;

		if (e->idx != (uint32_t)idx || seq_lt(next, e->seq))
			continue;
		skip = next - e->seq;
		e->idx = TCP_WQ_GONE;
		if (skip >= e->len)
			continue;
		*p = e->p + skip;
		*len = e->len - skip;
		return true;
	}
	return false;
}

/**
 * tcp_ooo_forget() - Forget the kept payload of a connection that closes
 * @t:		TCP context
 * @idx:	Flow index
 */
void tcp_ooo_forget(struct tcp_ctx *t, int idx)
{
	unsigned int i;

	for (i = 0; i < t->nooo; i++) {
		if (t->ooo[i].idx == (uint32_t)idx)
			t->ooo[i].idx = TCP_WQ_GONE;
	}
}
