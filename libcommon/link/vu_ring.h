/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vu_ring.h - vhost-user: split virtqueues in guest memory
 *
 * Theory of operation: a virtqueue (virtio 1.2, 2.7) is three areas in guest
 * memory written by two sides: the descriptor table and the available ring
 * by the guest's driver, the used ring by us. Nothing the guest writes is
 * trusted: vu_vq_pop() reads the available index once, refuses a ring whose
 * index ran more than the ring size ahead, reads each descriptor once into
 * our own struct vu_elem, and walks a chain only while it stays inside the
 * table, visits no more descriptors than the table holds and only through
 * guest-physical ranges that vu_mem_gpa() maps. A broken ring stops the
 * queue (vu_vq_broken()) with one log line; a chain whose buffers don't map
 * is given back to the guest empty. vu_vq_push() writes used elements
 * (marking the dirty log), vu_vq_flush() publishes them with the barrier the
 * guest's driver expects, and vu_vq_notify() kicks the guest through its
 * call descriptor unless it asked not to be (VRING_AVAIL_F_NO_INTERRUPT).
 * Indirect descriptors and the event index are not offered, so neither is
 * followed here.
 */
#ifndef LINK_VU_RING_H
#define LINK_VU_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "link/vu_mem.h"

#define VU_RING_MAX 32768	/* largest ring size virtio allows */
#define VU_ELEM_SEG_MAX 64	/* buffers of one element we follow, at most:
				 * 64 KiB frames of 1 KiB buffers
				 */

/**
 * struct vu_seg - One mapped buffer of an element
 * @p:		Our pointer to its first byte
 * @len:	Length
 * @gpa:	Its guest-physical address, for the dirty log
 */
struct vu_seg {
	uint8_t *p;
	uint32_t len;
	uint64_t gpa;
};

/**
 * struct vu_elem - A descriptor chain taken from the available ring
 * @head:	Index of its first descriptor: what vu_vq_push() returns
 * @n_out:	Buffers the device reads (guest -> us), first in @seg
 * @n_in:	Buffers the device writes (us -> guest), after them
 * @out_len:	Total bytes of the @n_out buffers
 * @in_len:	Total bytes of the @n_in buffers
 * @seg:	The buffers (a descriptor that crosses regions is split)
 */
struct vu_elem {
	uint16_t head;
	uint16_t n_out;
	uint16_t n_in;
	uint32_t out_len;
	uint32_t in_len;
	struct vu_seg seg[VU_ELEM_SEG_MAX];
};

/**
 * struct vu_vq - One split virtqueue
 * @num:	Ring size (a power of two up to VU_RING_MAX), 0 if not set
 * @desc:	Descriptor table, mapped (struct vring_desc[@num])
 * @avail:	Available ring, mapped (struct vring_avail)
 * @used:	Used ring, mapped (struct vring_used)
 * @used_gpa:	Guest-physical address of the used ring (dirty log)
 * @log_used:	Mark writes to the used ring in the dirty log
 * @last_avail:	Next available ring entry we take
 * @used_idx:	Used index the guest sees (published by vu_vq_flush())
 * @pushed:	Entries written after it since, not published yet
 * @kick_fd:	eventfd the guest kicks (-1 if none, or polled)
 * @call_fd:	eventfd we kick the guest with (-1 if none)
 * @err_fd:	eventfd for errors (-1 if none)
 * @started:	Rings mapped and kick descriptor set: the queue runs
 * @enabled:	SET_VRING_ENABLE said so (or no protocol features)
 * @broken:	The guest wrote something impossible: stopped until reset
 */
struct vu_vq {
	uint16_t num;
	void *desc;
	void *avail;
	void *used;
	uint64_t used_gpa;
	bool log_used;
	uint16_t last_avail;
	uint16_t used_idx;
	uint16_t pushed;
	int kick_fd;
	int call_fd;
	int err_fd;
	bool started;
	bool enabled;
	bool broken;
};

void vu_vq_init(struct vu_vq *q);
bool vu_vq_ready(const struct vu_vq *q);
int vu_vq_pop(struct vu_vq *q, const struct vu_mem *m, struct vu_elem *e);
void vu_vq_unpop(struct vu_vq *q, unsigned int n);
void vu_vq_push(struct vu_vq *q, const struct vu_mem *m, uint16_t head,
		uint32_t len);
void vu_vq_flush(struct vu_vq *q, const struct vu_mem *m);
void vu_vq_kicks(struct vu_vq *q, const struct vu_mem *m, bool on);
void vu_vq_notify(const struct vu_vq *q);
bool vu_vq_broken(const struct vu_vq *q);
unsigned int vu_vq_avail(const struct vu_vq *q);

#endif /* LINK_VU_RING_H */
