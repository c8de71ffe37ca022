/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vu_mem.h - vhost-user: the guest's memory regions and the dirty log
 *
 * Theory of operation: the frontend (qemu, DPDK's virtio-user) shares the
 * guest's memory as up to VU_MEM_REGIONS_MAX regions, each a file
 * descriptor we map with MAP_SHARED (SET_MEM_TABLE). Every address the guest
 * or the frontend gives us is translated here, and only here, into a pointer
 * of ours: guest-physical addresses (descriptors) with vu_mem_gpa(), the
 * frontend's own virtual addresses (ring locations) with vu_mem_uva(). A
 * translation never returns a range that isn't entirely inside one mapped
 * region. During a migration the frontend also shares a bitmap with one bit
 * per VU_LOG_PAGE bytes of guest-physical memory (SET_LOG_BASE): every write
 * of ours into guest memory is marked there with vu_mem_log().
 *
 * A frontend can still cut a memory file it didn't seal under our
 * mappings: vu_mem_guard_init() makes that survivable (see vu_mem.c), and
 * vu_mem_lost() tells the link to close the connection.
 */
#ifndef LINK_VU_MEM_H
#define LINK_VU_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VU_MEM_REGIONS_MAX 8	/* regions in one SET_MEM_TABLE */
#define VU_LOG_PAGE 4096	/* bytes of guest memory per dirty-log bit */

/**
 * struct vu_region - One region of guest memory
 * @gpa:	Guest-physical address of its first byte
 * @size:	Length in bytes
 * @uva:	The frontend's virtual address of its first byte
 * @mmap_off:	Offset of its first byte in the descriptor it came with
 * @map:	Our mapping of the descriptor, @mmap_off + @size bytes long
 *		(the region starts at @map + @mmap_off), NULL if unused
 * @map_len:	Length of @map
 */
struct vu_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t uva;
	uint64_t mmap_off;
	uint8_t *map;
	size_t map_len;
};

/**
 * struct vu_mem - The guest's memory as the frontend described it
 * @n:		Regions in use
 * @r:		Regions
 * @log:	Dirty-log bitmap (SET_LOG_BASE), NULL if none
 * @log_len:	Its length in bytes
 * @log_map:	Our mapping holding @log (it may start before it)
 * @log_map_len: Length of @log_map
 */
struct vu_mem {
	unsigned int n;
	struct vu_region r[VU_MEM_REGIONS_MAX];
	uint8_t *log;
	size_t log_len;
	uint8_t *log_map;
	size_t log_map_len;
};

/**
 * struct vu_mem_desc - A region as SET_MEM_TABLE describes it
 * @gpa:	Guest-physical address
 * @size:	Length
 * @uva:	Frontend's virtual address
 * @mmap_off:	Offset in the descriptor
 */
struct vu_mem_desc {
	uint64_t gpa;
	uint64_t size;
	uint64_t uva;
	uint64_t mmap_off;
};

void vu_mem_init(struct vu_mem *m);
int vu_mem_set(struct vu_mem *m, const struct vu_mem_desc *d,
	       const int *fds, unsigned int n);
void vu_mem_clear(struct vu_mem *m);
void *vu_mem_gpa(const struct vu_mem *m, uint64_t gpa, uint64_t len,
		 uint64_t *avail);
void *vu_mem_uva(const struct vu_mem *m, uint64_t uva, uint64_t len);
int vu_mem_log_set(struct vu_mem *m, int fd, uint64_t size, uint64_t off);
void vu_mem_log_clear(struct vu_mem *m);
void vu_mem_log(const struct vu_mem *m, uint64_t gpa, uint64_t len);
int vu_mem_guard_init(void);
bool vu_mem_lost(void);

/**
 * vu_mem_logging() - Is a dirty log in place?
 * @m:		Guest memory
 *
 * Return: true if writes must be marked with vu_mem_log()
 */
static inline bool vu_mem_logging(const struct vu_mem *m)
{
	return m->log != NULL;
}

#endif /* LINK_VU_MEM_H */
