// SPDX-License-Identifier: GPL-2.0-or-later
/* tcp_ooo.c - TCP translation, middle layer: guest segments that come ahead
 *	       of a gap
 *
 * Theory of operation: the engine writes guest payload to the socket only
 * in order (tcp_data.c). Payload that comes ahead of a gap is kept here, in
 * two stages:
 *
 * - within its batch, as pointers into the batch's frames (valid until its
 *   end, like the write queue's): a frontend that merges segments (DPDK's
 *   GRO in front of passt --vhost-user) hands on the ones it couldn't merge
 *   before the merged ones of the same burst, so the gap is usually filled
 *   a few frames later, and nothing is copied;
 * - after its batch, what is still ahead of the gap is copied into a pool
 *   of slots (struct tcp_ooo_pool, a fixed array of the context: nothing is
 *   allocated), so that a lost segment costs one retransmission, not the
 *   whole window. A receiver that drops everything after a gap leaves a
 *   guest without SACK to resend all of it, and Linux then falls back to
 *   its retransmission timeout, doubling each time: a tap or a frontend
 *   that drops one frame under a burst stalled a bulk upload for minutes.
 *
 * When the next expected byte reaches kept payload (tcp_ooo_next()), it is
 * queued for writing like in-order payload; a pool slot stays reserved
 * until the end of that batch (busy), as the write queue points into it.
 * Kept payload is bounded: TCP_OOO_MAX segments per batch, TCP_OOO_SLOTS
 * slots in all, TCP_OOO_CONN_SLOTS for one connection, TCP_OOO_AHEAD bytes
 * ahead of the next expected one; what doesn't fit is dropped, as it was
 * before, and the guest sends it again. A connection that closes gives its
 * slots back (tcp_batch_forget()).
 */

#include <string.h>

#include "base/util.h"
#include "transport/tcp_ooo.h"

#define TCP_OOO_AHEAD (16U << 20)	/* bytes ahead of the gap, at most */

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
 * Without room, the segment is dropped, as it would be without this; so is
 * one with FIN, which the guest sends again.
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
 * tcp_ooo_slot_free() - Give a pool slot back
 * @t:		TCP context
 * @n:		Slot number
 */
static void tcp_ooo_slot_free(struct tcp_ctx *t, unsigned int n)
{
	struct tcp_ooo_slot *sl = &t->pool.slot[n];

	if (sl->busy)
		t->pool.busy--;
	t->conn[sl->idx].ooo_slots--;
	t->pool.used--;
	sl->len = 0;
	sl->busy = false;
}

/**
 * tcp_ooo_pool_next() - Take pooled payload that the next expected byte
 *			 reaches
 * @t:		TCP context
 * @idx:	Flow index
 * @next:	Sequence number of the next byte expected
 * @p:		Payload from @next on, set if found
 * @len:	Its length, set if found
 *
 * Slots of @idx wholly before @next are given back on the way; the one
 * found stays busy until the end of the batch.
 *
 * Return: true if payload was found
 */
static bool tcp_ooo_pool_next(struct tcp_ctx *t, int idx, uint32_t next,
			      const uint8_t **p, size_t *len)
{
	unsigned int n, seen = 0, mine = t->conn[idx].ooo_slots;

	for (n = 0; n < TCP_OOO_SLOTS && seen < mine; n++) {
		struct tcp_ooo_slot *sl = &t->pool.slot[n];
		uint32_t skip;

		if (!sl->len || sl->idx != (uint32_t)idx)
			continue;
		seen++;
		if (sl->busy || seq_lt(next, sl->seq))
			continue;
		skip = next - sl->seq;
		if (skip >= sl->len) {
			tcp_ooo_slot_free(t, n);
			continue;
		}
		sl->busy = true;
		t->pool.busy++;
		*p = t->pool.data[n] + skip;
		*len = sl->len - skip;
		return true;
	}
	return false;
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
	return t->conn[idx].ooo_slots &&
	       tcp_ooo_pool_next(t, idx, next, p, len);
}

/**
 * tcp_ooo_pooled() - Is a piece of payload in the pool already?
 * @t:		TCP context
 * @idx:	Flow index
 * @seq:	Sequence number of its first byte
 * @len:	Its length
 *
 * Return: true if one slot of @idx holds all of it
 */
static bool tcp_ooo_pooled(const struct tcp_ctx *t, int idx, uint32_t seq,
			   uint32_t len)
{
	unsigned int n, seen = 0, mine = t->conn[idx].ooo_slots;

	for (n = 0; n < TCP_OOO_SLOTS && seen < mine; n++) {
		const struct tcp_ooo_slot *sl = &t->pool.slot[n];

		if (!sl->len || sl->idx != (uint32_t)idx)
			continue;
		seen++;
		if (seq_le(sl->seq, seq) &&
		    seq_le(seq + len, sl->seq + sl->len))
			return true;
	}
	return false;
}

/**
 * tcp_ooo_slot_get() - Find a free pool slot for a connection
 * @t:		TCP context
 * @idx:	Flow index
 *
 * Return: slot number, -1 if the pool or the connection's share is full
 */
static int tcp_ooo_slot_get(struct tcp_ctx *t, int idx)
{
	struct tcp_ooo_pool *pl = &t->pool;
	unsigned int i;

	if (pl->used >= TCP_OOO_SLOTS ||
	    t->conn[idx].ooo_slots >= TCP_OOO_CONN_SLOTS)
		return -1;
	for (i = 0; i < TCP_OOO_SLOTS; i++) {
		unsigned int n = (pl->hint + i) % TCP_OOO_SLOTS;

		if (pl->slot[n].len)
			continue;
		pl->hint = (n + 1) % TCP_OOO_SLOTS;
		return (int)n;
	}
	return -1;
}

/**
 * tcp_ooo_pool_put() - Copy payload ahead of the gap into the pool
 * @t:		TCP context
 * @idx:	Flow index
 * @seq:	Sequence number of its first byte
 * @p:		Payload
 * @len:	Its length
 *
 * Pieces of TCP_OOO_SLOT_LEN bytes each; those already pooled are skipped,
 * so that a guest sending the same segments again takes no more room.
 */
static void tcp_ooo_pool_put(struct tcp_ctx *t, int idx, uint32_t seq,
			     const uint8_t *p, uint32_t len)
{
	while (len) {
		uint32_t n = MIN(len, (uint32_t)TCP_OOO_SLOT_LEN);
		struct tcp_ooo_slot *sl;
		int k;

		if (!tcp_ooo_pooled(t, idx, seq, n)) {
			if ((k = tcp_ooo_slot_get(t, idx)) < 0)
				return;
			sl = &t->pool.slot[k];
			memcpy(t->pool.data[k], p, n);
			sl->idx = (uint32_t)idx;
			sl->seq = seq;
			sl->len = (uint16_t)n;
			sl->busy = false;
			t->pool.used++;
			t->conn[idx].ooo_slots++;
		}
		seq += n;
		p += n;
		len -= n;
	}
}

/**
 * tcp_ooo_stash() - Keep what a connection left ahead of a gap in this batch
 *		     for later batches
 * @t:		TCP context
 * @idx:	Flow index, its payload for this batch written already
 *
 * Called at the end of the batch, while its frames are still valid.
 *
 * Return: segments of @idx that stayed ahead of the gap in this batch
 */
unsigned int tcp_ooo_stash(struct tcp_ctx *t, int idx)
{
	const struct tcp_conn *c = &t->conn[idx];
	unsigned int i, left = 0;

	for (i = 0; i < t->nooo; i++) {
		struct tcp_ooo_ent *e = &t->ooo[i];
		uint32_t seq = e->seq, len = e->len, skip;

		if (e->idx != (uint32_t)idx)
			continue;
		e->idx = TCP_WQ_GONE;
		left++;
		if (c->state != TCP_ST_ESTABLISHED ||
		    (c->flags & TCP_GUEST_FIN) ||
		    !seq_lt(c->rcv_nxt, seq + len) ||
		    seq + len - c->rcv_nxt > TCP_OOO_AHEAD)
			continue;
		skip = seq_lt(seq, c->rcv_nxt) ? c->rcv_nxt - seq : 0;
		tcp_ooo_pool_put(t, idx, seq + skip, e->p + skip, len - skip);
	}
	return left;
}

/**
 * tcp_ooo_batch_end() - Give back the pool slots written in this batch
 * @t:		TCP context
 */
void tcp_ooo_batch_end(struct tcp_ctx *t)
{
	unsigned int n;

	t->nooo = 0;
	for (n = 0; n < TCP_OOO_SLOTS && t->pool.busy; n++) {
		if (t->pool.slot[n].len && t->pool.slot[n].busy)
			tcp_ooo_slot_free(t, n);
	}
}

/**
 * tcp_ooo_forget() - Forget the kept payload of a connection that closes
 * @t:		TCP context
 * @idx:	Flow index
 *
 * Its entries in the write queue are void already (tcp_batch_forget()), so
 * busy slots go as well.
 */
void tcp_ooo_forget(struct tcp_ctx *t, int idx)
{
	unsigned int i, n;

	for (i = 0; i < t->nooo; i++) {
		if (t->ooo[i].idx == (uint32_t)idx)
			t->ooo[i].idx = TCP_WQ_GONE;
	}
	for (n = 0; n < TCP_OOO_SLOTS && t->conn[idx].ooo_slots; n++) {
		if (t->pool.slot[n].len &&
		    t->pool.slot[n].idx == (uint32_t)idx)
			tcp_ooo_slot_free(t, n);
	}
}
