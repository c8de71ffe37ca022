// SPDX-License-Identifier: GPL-2.0-or-later
/* vu_ring.c - vhost-user: split virtqueues in guest memory
 *
 * Theory of operation (virtio 1.2, 2.7): the guest's driver puts the head
 * index of each descriptor chain it offers into the available ring, then
 * moves avail->idx on; we take chains from our own counter (last_avail) up
 * to that index, and give each back through the used ring, whose index
 * (used->idx) only we move.
 *
 * The guest writes the descriptor table and the available ring while we
 * read them, so every field of theirs is loaded exactly once per use, with
 * an atomic load, into a local: a check and the use that follows it always
 * see the same value. avail->idx is loaded with acquire semantics, so that
 * the ring entries and descriptors read after it are at least as new as the
 * index (the guest's driver writes them before it, with a release barrier).
 *
 * What the guest can get wrong, and what happens:
 * - avail->idx more than the ring size ahead of last_avail, or a head index
 *   outside the table: the ring as a whole can't be trusted any more, the
 *   queue is marked broken (one log line) and pops return -EIO until the
 *   frontend resets it.
 * - a bad chain (next index outside the table, more descriptors than the
 *   table holds: a loop, an indirect descriptor, a device-readable buffer
 *   after a device-writable one, lengths overflowing 32 bits, more than
 *   VU_ELEM_SEG_MAX mapped pieces, an address no region maps): the chain is
 *   taken and given back at once with used length 0, a rate-limited line is
 *   logged, and pop returns -EINVAL; the caller goes on with the next.
 * Zero-length descriptors are followed but contribute no buffer.
 *
 * Used ring entries are written by vu_vq_push() and published together by
 * vu_vq_flush() with a release store of used->idx; each write is marked in
 * the dirty log when the frontend asked for it (log_used). vu_vq_notify()
 * orders that store before the load of avail->flags with a full fence, as
 * the driver does the other way round, so a guest that turns interrupts
 * back on is never missed.
 *
 * vu_vq_kicks() tells the driver whether we want its kicks: the receive
 * queue asks for them only while it waits for buffers (vu_rx.c), sparing
 * the frontend an eventfd write per refill otherwise.
 *
 * Per frame, nothing here makes a system call but vu_vq_notify()'s eventfd
 * write, once per batch; the ring size is a power of two, so ring positions
 * are masked, never divided.
 */

#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <linux/virtio_ring.h>

#include "base/log.h"
#include "link/vu_ring.h"

/**
 * vq_misaligned() - Is a ring not aligned as virtio 1.2, 2.7 requires?
 * @p:		Ring
 * @align:	Its alignment (VRING_*_ALIGN_SIZE), a power of two
 *
 * Return: true if it isn't
 */
static inline bool vq_misaligned(const void *p, uintptr_t align)
{
	return (uintptr_t)p & (align - 1);
}

/**
 * vq_ld16() - Load a 16-bit little-endian field the guest writes, once
 * @p:		Field
 *
 * Return: its value
 */
static inline uint16_t vq_ld16(const __virtio16 *p)
{
	return le16toh(__atomic_load_n(p, __ATOMIC_RELAXED));
}

/**
 * vq_ld32() - Load a 32-bit little-endian field the guest writes, once
 * @p:		Field
 *
 * Return: its value
 */
static inline uint32_t vq_ld32(const __virtio32 *p)
{
	return le32toh(__atomic_load_n(p, __ATOMIC_RELAXED));
}

/**
 * vq_ld64() - Load a 64-bit little-endian field the guest writes, once
 * @p:		Field
 *
 * Return: its value
 */
static inline uint64_t vq_ld64(const __virtio64 *p)
{
	return le64toh(__atomic_load_n(p, __ATOMIC_RELAXED));
}

/**
 * vu_vq_init() - Set a virtqueue to its reset state: nothing configured
 * @q:		Virtqueue
 */
void vu_vq_init(struct vu_vq *q)
{
	memset(q, 0, sizeof(*q));
	q->kick_fd = -1;
	q->call_fd = -1;
	q->err_fd = -1;
}

/**
 * vu_vq_ready() - Can frames move through a virtqueue?
 * @q:		Virtqueue
 *
 * Return: true if it's started, enabled, not broken, and its rings are
 *	   mapped where the specification allows them to be
 */
bool vu_vq_ready(const struct vu_vq *q)
{
	if (!q->started || !q->enabled || q->broken || !q->num ||
	    (q->num & (q->num - 1)))
		return false;
	if (!q->desc || !q->avail || !q->used)
		return false;
	return !(vq_misaligned(q->desc, VRING_DESC_ALIGN_SIZE) ||
		 vq_misaligned(q->avail, VRING_AVAIL_ALIGN_SIZE) ||
		 vq_misaligned(q->used, VRING_USED_ALIGN_SIZE));
}

/**
 * vu_vq_broken() - Did the guest break a virtqueue?
 * @q:		Virtqueue
 *
 * Return: true if it's stopped until the frontend resets it
 */
bool vu_vq_broken(const struct vu_vq *q)
{
	return q->broken;
}

/**
 * vq_avail_idx() - Load the guest's available index, once
 * @q:		Virtqueue, mapped
 *
 * Return: avail->idx; what the guest wrote before it is visible after
 */
static uint16_t vq_avail_idx(const struct vu_vq *q)
{
	struct vring_avail *avail = q->avail;

	return le16toh(__atomic_load_n(&avail->idx, __ATOMIC_ACQUIRE));
}

/**
 * vu_vq_avail() - Entries the guest made available and we didn't take yet
 * @q:		Virtqueue
 *
 * Return: how many, 0 if the queue isn't ready, at most the ring size (a
 *	   guest index further ahead breaks the queue at the next pop)
 */
unsigned int vu_vq_avail(const struct vu_vq *q)
{
	uint16_t n;

	if (!vu_vq_ready(q))
		return 0;
	n = (uint16_t)(vq_avail_idx(q) - q->last_avail);
	return n > q->num ? q->num : n;
}

/**
 * vq_break() - Stop a virtqueue the guest made impossible to follow
 * @q:		Virtqueue
 * @what:	What the guest did, for the log
 * @val:	The value it wrote
 *
 * Return: -EIO
 */
static int vq_break(struct vu_vq *q, const char *what, unsigned int val)
{
	q->broken = true;
	log_err("vhost-user: virtqueue stopped until reset: %s (%u), size %u",
		what, val, q->num);
	return -EIO;
}

/**
 * vq_map() - Append the mapped pieces of one guest buffer to an element
 * @m:		Guest memory
 * @gpa:	Guest-physical address of the buffer
 * @len:	Its length, not 0
 * @e:		Element: segments are added from @e->seg[*@n] on
 * @n:		Segments in @e so far, updated
 *
 * Return: NULL on success, or what is wrong, for the log
 */
static const char *vq_map(const struct vu_mem *m, uint64_t gpa, uint32_t len,
			  struct vu_elem *e, unsigned int *n)
{
	while (len) {
		uint64_t avail = 0;
		uint8_t *p = vu_mem_gpa(m, gpa, len, &avail);
		struct vu_seg *s;

		if (!p || !avail)
			return "address outside guest memory";
		if (*n >= VU_ELEM_SEG_MAX)
			return "too many buffers";
		if (avail > len)
			avail = len;
		s = &e->seg[(*n)++];
		s->p = p;
		s->len = (uint32_t)avail;
		s->gpa = gpa;
		gpa += avail;
		len -= (uint32_t)avail;
	}
	return NULL;
}

/**
 * vq_chain() - Follow a descriptor chain into an element
 * @q:		Virtqueue, ready
 * @m:		Guest memory
 * @head:	First descriptor, below @q->num
 * @e:		Element to fill
 *
 * Return: NULL on success, or what is wrong with the chain, for the log
 */
static const char *vq_chain(const struct vu_vq *q, const struct vu_mem *m,
			    uint16_t head, struct vu_elem *e)
{
	const struct vring_desc *table = q->desc;
	unsigned int seen = 0, n = 0, n_out = 0, i = head;
	uint32_t out_len = 0, in_len = 0;
	const char *bad = NULL;
	uint16_t flags;

	do {
		const struct vring_desc *d = &table[i];
		uint64_t addr = vq_ld64(&d->addr);
		uint32_t len = vq_ld32(&d->len);
		uint16_t next = vq_ld16(&d->next);

		flags = vq_ld16(&d->flags);
		if (++seen > q->num)
			return "loop";
		if (flags & VRING_DESC_F_INDIRECT)
			return "indirect descriptor";
		if (len && (flags & VRING_DESC_F_WRITE)) {
			if (len > UINT32_MAX - in_len)
				return "length overflow";
			in_len += len;
			bad = vq_map(m, addr, len, e, &n);
		} else if (len) {
			if (in_len)
				return "read-only buffer after a writable one";
			if (len > UINT32_MAX - out_len)
				return "length overflow";
			out_len += len;
			bad = vq_map(m, addr, len, e, &n);
			n_out = n;
		}
		if (bad)
			return bad;
		if ((flags & VRING_DESC_F_NEXT) && next >= q->num)
			return "next descriptor outside the table";
		i = next;
	} while (flags & VRING_DESC_F_NEXT);

	e->head = head;
	e->n_out = (uint16_t)n_out;
	e->n_in = (uint16_t)(n - n_out);
	e->out_len = out_len;
	e->in_len = in_len;
	return NULL;
}

/**
 * vu_vq_pop() - Take the next descriptor chain the guest made available
 * @q:		Virtqueue
 * @m:		Guest memory
 * @e:		Element to fill, valid on success only
 *
 * Return: 0 on success, -EAGAIN if nothing is available (or the queue isn't
 *	   ready), -EIO if the queue is (now) broken, -EINVAL if the chain
 *	   was bad: it was given back empty, go on with the next one
 */
int vu_vq_pop(struct vu_vq *q, const struct vu_mem *m, struct vu_elem *e)
{
	static struct ratelimit rl;
	struct vring_avail *avail;
	uint16_t idx, n, head;
	const char *bad;

	if (q->broken)
		return -EIO;
	if (!vu_vq_ready(q))
		return -EAGAIN;
	avail = q->avail;
	idx = vq_avail_idx(q);
	n = (uint16_t)(idx - q->last_avail);
	if (n > q->num)
		return vq_break(q, "available index too far ahead", idx);
	if (!n)
		return -EAGAIN;

	head = vq_ld16(&avail->ring[q->last_avail & (q->num - 1)]);
	if (head >= q->num)
		return vq_break(q, "head index outside the table", head);
	q->last_avail++;

	bad = vq_chain(q, m, head, e);
	if (!bad)
		return 0;

	vu_vq_push(q, m, head, 0);
	log_rl(&rl, LOG_LVL_WARN,
	       "vhost-user: bad descriptor chain at %u: %s, given back empty",
	       head, bad);
	return -EINVAL;
}

/**
 * vu_vq_unpop() - Put back the last chains taken and not pushed
 * @q:		Virtqueue
 * @n:		How many: the next pops return them again
 *
 * A chain that vu_vq_pop() refused (-EINVAL) was already given back: the
 * @n chains must all have been taken after the last such refusal, or they
 * are to be pushed with length 0 instead.
 */
void vu_vq_unpop(struct vu_vq *q, unsigned int n)
{
	q->last_avail = (uint16_t)(q->last_avail - n);
}

/**
 * vu_vq_push() - Give a chain back to the guest, not published yet
 * @q:		Virtqueue
 * @m:		Guest memory, for the dirty log
 * @head:	Element's @head
 * @len:	Bytes we wrote into its device-writable buffers
 */
void vu_vq_push(struct vu_vq *q, const struct vu_mem *m, uint16_t head,
		uint32_t len)
{
	struct vring_used *used = q->used;
	uint16_t pos = (uint16_t)(q->used_idx + q->pushed) & (q->num - 1);
	struct vring_used_elem *u;
	uint64_t gpa;

	/* stopped since the pop: nothing to give it back to */
	if (!used)
		return;
	u = &used->ring[pos];
	__atomic_store_n(&u->id, htole32(head), __ATOMIC_RELAXED);
	__atomic_store_n(&u->len, htole32(len), __ATOMIC_RELAXED);
	q->pushed++;
	if (!q->log_used || !vu_mem_logging(m))
		return;
	gpa = q->used_gpa + offsetof(struct vring_used, ring);
	vu_mem_log(m, gpa + (uint64_t)pos * sizeof(*u), sizeof(*u));
}

/**
 * vu_vq_flush() - Publish the pushed chains to the guest
 * @q:		Virtqueue
 * @m:		Guest memory, for the dirty log
 */
void vu_vq_flush(struct vu_vq *q, const struct vu_mem *m)
{
	struct vring_used *used = q->used;
	uint16_t idx = (uint16_t)(q->used_idx + q->pushed);

	if (!q->pushed || !used)
		return;
	__atomic_store_n(&used->idx, htole16(idx), __ATOMIC_RELEASE);
	if (q->log_used && vu_mem_logging(m))
		vu_mem_log(m, q->used_gpa + offsetof(struct vring_used, idx),
			   sizeof(used->idx));
	q->used_idx = idx;
	q->pushed = 0;
}

/**
 * vu_vq_kicks() - Ask the driver to kick the queue when it adds buffers, or
 *		   not to
 * @q:		Virtqueue
 * @m:		Guest memory, for the dirty log
 * @on:		Kicks wanted; else VRING_USED_F_NO_NOTIFY
 *
 * A hint only (virtio 1.2, 2.7.10): the driver may kick anyway, and buffers
 * it added before it saw kicks turned on came without one, so the caller
 * looks at the available ring again afterwards: a full fence orders that
 * look after the store, as the driver orders its index store before its
 * look at the flag.
 */
void vu_vq_kicks(struct vu_vq *q, const struct vu_mem *m, bool on)
{
	struct vring_used *used = q->used;

	if (!used)
		return;
	__atomic_store_n(&used->flags,
			 htole16(on ? 0 : VRING_USED_F_NO_NOTIFY),
			 __ATOMIC_RELAXED);
	if (q->log_used && vu_mem_logging(m))
		vu_mem_log(m, q->used_gpa + offsetof(struct vring_used, flags),
			   sizeof(used->flags));
	if (on)
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/**
 * vu_vq_notify() - Interrupt the guest, unless it asked not to be
 * @q:		Virtqueue, after vu_vq_flush()
 */
void vu_vq_notify(const struct vu_vq *q)
{
	const struct vring_avail *avail = q->avail;
	uint64_t one = 1;
	uint16_t flags;

	if (q->call_fd < 0 || !avail)
		return;
	/* used->idx before avail->flags: pairs with the driver's fence */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	flags = vq_ld16(&avail->flags);
	if (flags & VRING_AVAIL_F_NO_INTERRUPT)
		return;
	/* EAGAIN: the counter is full, the guest will see it anyway */
	(void)!write(q->call_fd, &one, sizeof(one));
}
