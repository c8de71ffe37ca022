// SPDX-License-Identifier: GPL-2.0-or-later
/* vu_mem.c - TEMP stub: vu_mem_gpa() and vu_mem_log() only, for vu_ring.c's
 * tests until the real vu_mem.c (helper "proto") lands; to be dropped
 */

#include <stdint.h>

#include "link/vu_mem.h"

/**
 * vu_mem_gpa() - Translate a guest-physical range (TEMP stub)
 * @m:		Guest memory
 * @gpa:	Guest-physical address
 * @len:	Length wanted
 * @avail:	Set to the bytes mapped from @gpa on, at most @len
 *
 * Return: our pointer to @gpa, NULL if no region holds it
 */
void *vu_mem_gpa(const struct vu_mem *m, uint64_t gpa, uint64_t len,
		 uint64_t *avail)
{
	unsigned int i;

	for (i = 0; i < m->n; i++) {
		const struct vu_region *r = &m->r[i];
		uint64_t left;

		if (!r->map || gpa < r->gpa || gpa - r->gpa >= r->size)
			continue;
		left = r->size - (gpa - r->gpa);
		*avail = left < len ? left : len;
		return r->map + r->mmap_off + (gpa - r->gpa);
	}
	return NULL;
}

/**
 * vu_mem_log() - Mark a written guest-physical range dirty (TEMP stub)
 * @m:		Guest memory
 * @gpa:	First byte written
 * @len:	Bytes written
 */
void vu_mem_log(const struct vu_mem *m, uint64_t gpa, uint64_t len)
{
	uint64_t page;

	if (!m->log || !len)
		return;
	for (page = gpa / VU_LOG_PAGE; page <= (gpa + len - 1) / VU_LOG_PAGE;
	     page++) {
		if (page / 8 >= m->log_len)
			return;
		__atomic_fetch_or(&m->log[page / 8], (uint8_t)(1U << (page % 8)),
				  __ATOMIC_RELAXED);
	}
}
