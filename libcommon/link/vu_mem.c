// SPDX-License-Identifier: GPL-2.0-or-later
/* vu_mem.c - vhost-user: the guest's memory regions and the dirty log
 *
 * Theory of operation: SET_MEM_TABLE gives up to VU_MEM_REGIONS_MAX regions,
 * each with a descriptor; we map every descriptor whole, from offset 0 up to
 * the end of the region (mmap_off + size), with MAP_SHARED | MAP_NORESERVE
 * and read/write access only (the vhost-user seccomp profile allows exactly
 * these), and keep the region's start inside that mapping. A table replaces
 * the previous one only once every region of it is mapped: a failure leaves
 * the old table as it was and nothing of the new one.
 *
 * The frontend's numbers are not trusted: a region whose end wraps around
 * (in guest-physical, frontend-virtual or file terms) is refused, and so is
 * one claiming more bytes than its file holds, since touching a page beyond
 * the end of a shared file kills us with SIGBUS. The file can still shrink
 * afterwards unless it is sealed against that (qemu's memfd backend seals
 * it; seal=off, memory-backend-file and DPDK don't): we say so, once, in
 * the log, and guard against it.
 *
 * The guard (vu_mem_guard_init(), at start-up): a file of zeros of our own,
 * sparse, VU_GUARD_ZERO_LEN bytes long and sealed so that nobody can cut,
 * grow or write it, and a SIGBUS handler. Every mapping of guest memory (and of the dirty log) is
 * in a static table, added once it exists and removed before it goes, so
 * the handler, which reads nothing else, never takes a stale range for a
 * live one. A SIGBUS inside one of them means the frontend cut its file:
 * the handler maps our file with MAP_FIXED over the rest of that mapping
 * (from the faulting page on, at most VU_GUARD_ZERO_LEN bytes a time),
 * privately: it reads zeros, and what we write there goes to pages of our
 * own, copied on write and gone with the mapping (a shared mapping would
 * keep them in the file, for every connection to come),
 * notes that guest memory went away (vu_mem_lost()) and returns; the
 * faulting access runs again, on our pages. The loop then closes the
 * connection, whose reset unmaps everything, our pages too. Any other
 * SIGBUS (a bug of ours, or the same page faulting twice) restores the
 * default action and returns: the access faults again and kills us, as it
 * would have without the guard.
 *
 * Translations compare by subtraction only (offset = addr - start, then
 * offset < size), so no sum of untrusted numbers can wrap into a range that
 * looks valid. The dirty log is a bitmap shared the same way (SET_LOG_BASE);
 * vu_mem_log() sets bits with atomic byte operations, as the frontend reads
 * and clears them concurrently, and never touches a byte beyond its length.
 *
 * System calls: fstat, fcntl (F_GET_SEALS), mmap, munmap; in the SIGBUS
 * handler mmap (MAP_FIXED, our file only), rt_sigaction (SIGBUS only) and
 * rt_sigreturn.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "link/vu_mem.h"

/* Length of our file of zeros: the most one SIGBUS patches at a time */
#define VU_GUARD_ZERO_LEN ((size_t)64 << 20)

/* Mappings guarded at once: an old and a new table, an old and a new log,
 * and room for a few devices (unit tests)
 */
#define VU_GUARD_SLOTS (4 * VU_MEM_REGIONS_MAX + 4)

/**
 * struct vu_guard_range - A mapping of guest memory the SIGBUS handler may
 *			   patch
 * @start:	Its first byte
 * @len:	Its length, 0 if the slot is free
 */
struct vu_guard_range {
	uintptr_t start;
	size_t len;
};

static struct vu_guard_range vu_guard[VU_GUARD_SLOTS];
static int vu_guard_fd = -1;		/* our sealed file, -1: no guard */
static uintptr_t vu_guard_pagesz;	/* page size, read at start-up */
static uintptr_t vu_guard_last;		/* page patched last, 0: none */
static volatile sig_atomic_t vu_guard_lost; /* guest memory went away */

/**
 * vu_guard_add() - Guard a new mapping (call once it exists)
 * @p:		Mapping
 * @len:	Its length
 */
static void vu_guard_add(const void *p, size_t len)
{
	unsigned int i;

	for (i = 0; i < VU_GUARD_SLOTS; i++) {
		if (__atomic_load_n(&vu_guard[i].len, __ATOMIC_RELAXED))
			continue;
		__atomic_store_n(&vu_guard[i].start, (uintptr_t)p,
				 __ATOMIC_RELAXED);
		/* the handler sees a length only with its start */
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		__atomic_store_n(&vu_guard[i].len, len, __ATOMIC_RELAXED);
		return;
	}
	log_warn("vhost-user: too many mappings to guard against SIGBUS");
}

/**
 * vu_mem_unmap() - Stop guarding a mapping, then unmap it
 * @p:		Mapping
 * @len:	Its length
 */
static void vu_mem_unmap(void *p, size_t len)
{
	unsigned int i;

	for (i = 0; i < VU_GUARD_SLOTS; i++) {
		if (!__atomic_load_n(&vu_guard[i].len, __ATOMIC_RELAXED) ||
		    vu_guard[i].start != (uintptr_t)p)
			continue;
		__atomic_store_n(&vu_guard[i].len, 0, __ATOMIC_RELAXED);
		break;
	}
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	munmap(p, len);
}

/**
 * vu_guard_sigbus() - SIGBUS handler: patch guest memory that went away
 * @sig:	SIGBUS
 * @si:		What faulted, and where
 * @uc:		Unused
 *
 * Async-signal-safe: reads the static table only, calls mmap() and
 * sigaction() only.
 */
static void vu_guard_sigbus(int sig, siginfo_t *si, void *uc)
{
	const uintptr_t a = (uintptr_t)si->si_addr;
	struct sigaction dfl;
	int err = errno;
	unsigned int i;

	(void)sig;
	(void)uc;
	/* sent by a process (si_code <= 0), not a fault of ours */
	if (si->si_code <= 0 || vu_guard_fd < 0)
		goto fatal;

	for (i = 0; i < VU_GUARD_SLOTS; i++) {
		size_t len = __atomic_load_n(&vu_guard[i].len,
					     __ATOMIC_RELAXED);
		uintptr_t start, page;
		size_t n;
		void *p;

		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		start = __atomic_load_n(&vu_guard[i].start, __ATOMIC_RELAXED);
		if (!len || a < start || a - start >= len)
			continue;

		page = a & ~(vu_guard_pagesz - 1);
		if (page < start)
			page = start;
		/* our own pages faulted: something else is wrong */
		if (page == vu_guard_last)
			goto fatal;
		n = start + len - page;
		if (n > VU_GUARD_ZERO_LEN)
			n = VU_GUARD_ZERO_LEN;
		p = mmap((void *)page, n, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_NORESERVE | MAP_FIXED, vu_guard_fd,
			 0);
		if (p == MAP_FAILED)
			goto fatal;
		vu_guard_last = page;
		vu_guard_lost = 1;
		errno = err;
		return;
	}

fatal:
	/* the access runs again, faults again, and kills us as it should */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(SIGBUS, &dfl, NULL);
	errno = err;
}

/**
 * vu_mem_guard_init() - Create our sealed file of zeros, handle SIGBUS
 *
 * Call at start-up, before the seccomp filter (which allows MAP_FIXED
 * mappings of the returned descriptor only). Calling it again installs the
 * handler again and returns the same descriptor.
 *
 * Return: the descriptor of our file, -errno on failure
 */
int vu_mem_guard_init(void)
{
	const unsigned int seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
				   F_SEAL_SEAL;
	long pagesz = sysconf(_SC_PAGESIZE);
	struct sigaction sa;
	int fd;

	if (vu_guard_fd < 0) {
		fd = memfd_create("passt-vu-zero",
				  MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (fd < 0)
			return -errno;
		if (ftruncate(fd, (off_t)VU_GUARD_ZERO_LEN) ||
		    fcntl(fd, F_ADD_SEALS, seals)) {
			int ret = -errno;

			close(fd);
			return ret;
		}
		vu_guard_pagesz = pagesz > 0 ? (uintptr_t)pagesz : 4096;
		vu_guard_fd = fd;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = vu_guard_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, NULL))
		return -errno;
	return vu_guard_fd;
}

/**
 * vu_mem_lost() - Did guest memory go away under us since the last call?
 *
 * Return: true once after the SIGBUS handler patched a mapping
 */
bool vu_mem_lost(void)
{
	if (!vu_guard_lost)
		return false;
	vu_guard_lost = 0;
	vu_guard_last = 0;
	return true;
}

/**
 * vu_mem_init() - Start with no memory and no log
 * @m:		Guest memory
 */
void vu_mem_init(struct vu_mem *m)
{
	memset(m, 0, sizeof(*m));
}

/**
 * vu_mem_map() - Map a descriptor for its first @len bytes, if it has them
 * @fd:		Descriptor
 * @len:	Bytes needed
 * @what:	Name for the log
 * @out:	Set to the mapping on success
 *
 * Return: 0 on success, -errno on failure
 */
static int vu_mem_map(int fd, uint64_t len, const char *what, uint8_t **out)
{
	static bool warned_shrink;
	struct stat st;
	void *p;
	int seals;

	if (!len || len > SIZE_MAX)
		return -EINVAL;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size < 0 || (uint64_t)st.st_size < len) {
		log_debug("vhost-user: %s needs %llu bytes, its file has %lld",
			  what, (unsigned long long)len, (long long)st.st_size);
		return -EINVAL;
	}

	seals = fcntl(fd, F_GET_SEALS);
	if ((seals < 0 || !(seals & F_SEAL_SHRINK)) && !warned_shrink) {
		log_info("vhost-user: guest memory is not sealed against "
			 "shrinking: if the frontend cuts it, we close "
			 "the connection");
		warned_shrink = true;
	}

	p = mmap(NULL, (size_t)len, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_NORESERVE, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	vu_guard_add(p, (size_t)len);
	*out = p;
	return 0;
}

/**
 * vu_mem_unmap_regions() - Unmap regions of a table
 * @r:		Regions
 * @n:		How many
 */
static void vu_mem_unmap_regions(struct vu_region *r, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (r[i].map)
			vu_mem_unmap(r[i].map, r[i].map_len);
		r[i].map = NULL;
		r[i].map_len = 0;
	}
}

/**
 * vu_mem_desc_ok() - Check the numbers of a region description
 * @d:		Region as the frontend described it
 *
 * Return: true if its size is non-zero and none of its ends wraps around
 */
static bool vu_mem_desc_ok(const struct vu_mem_desc *d)
{
	if (!d->size)
		return false;
	if (d->gpa > UINT64_MAX - d->size || d->uva > UINT64_MAX - d->size)
		return false;
	return d->mmap_off <= UINT64_MAX - d->size;
}

/**
 * vu_mem_set() - Map a new memory table, replacing the current one
 * @m:		Guest memory
 * @d:		Regions as SET_MEM_TABLE gives them
 * @fds:	One descriptor per region (not closed here)
 * @n:		Regions, 1 to VU_MEM_REGIONS_MAX
 *
 * Return: 0 on success, -errno on failure (the old table stays in place)
 */
int vu_mem_set(struct vu_mem *m, const struct vu_mem_desc *d, const int *fds,
	       unsigned int n)
{
	struct vu_region r[VU_MEM_REGIONS_MAX] = {0};
	unsigned int i;
	int ret;

	if (!n || n > VU_MEM_REGIONS_MAX)
		return -EINVAL;

	for (i = 0; i < n; i++) {
		uint64_t len = d[i].mmap_off + d[i].size;
		char what[32];

		if (!vu_mem_desc_ok(&d[i])) {
			log_debug("vhost-user: memory region %u is impossible",
				  i);
			ret = -EINVAL;
			goto fail;
		}
		snprintf(what, sizeof(what), "memory region %u", i);
		ret = vu_mem_map(fds[i], len, what, &r[i].map);
		if (ret)
			goto fail;
		r[i].map_len = (size_t)len;
		r[i].gpa = d[i].gpa;
		r[i].size = d[i].size;
		r[i].uva = d[i].uva;
		r[i].mmap_off = d[i].mmap_off;
	}

	vu_mem_unmap_regions(m->r, m->n);
	memcpy(m->r, r, sizeof(r));
	m->n = n;
	return 0;

fail:
	vu_mem_unmap_regions(r, i);
	return ret;
}

/**
 * vu_mem_clear() - Unmap every region and the dirty log
 * @m:		Guest memory
 */
void vu_mem_clear(struct vu_mem *m)
{
	vu_mem_unmap_regions(m->r, m->n);
	m->n = 0;
	vu_mem_log_clear(m);
}

/**
 * vu_mem_find() - Find the region holding an address
 * @m:		Guest memory
 * @addr:	Address
 * @uva:	@addr is the frontend's virtual address, not guest-physical
 * @off:	Set to the offset of @addr in the region
 *
 * Return: the region, NULL if none holds @addr
 */
static const struct vu_region *
vu_mem_find(const struct vu_mem *m, uint64_t addr, bool uva, uint64_t *off)
{
	unsigned int i;

	for (i = 0; i < m->n; i++) {
		const struct vu_region *r = &m->r[i];
		uint64_t start = uva ? r->uva : r->gpa;

		if (addr < start || addr - start >= r->size)
			continue;
		*off = addr - start;
		return r;
	}
	return NULL;
}

/**
 * vu_mem_gpa() - Translate a guest-physical range, as far as it is contiguous
 * @m:		Guest memory
 * @gpa:	Guest-physical address
 * @len:	Bytes wanted from there
 * @avail:	Set to the bytes mapped contiguously from @gpa: at most @len,
 *		less where the region ends (0 on failure)
 *
 * Return: our pointer to @gpa, NULL if no region holds it or @len is 0
 */
void *vu_mem_gpa(const struct vu_mem *m, uint64_t gpa, uint64_t len,
		 uint64_t *avail)
{
	const struct vu_region *r;
	uint64_t off;

	*avail = 0;
	if (!len || !(r = vu_mem_find(m, gpa, false, &off)))
		return NULL;
	*avail = len < r->size - off ? len : r->size - off;
	return r->map + r->mmap_off + off;
}

/**
 * vu_mem_uva() - Translate a range of the frontend's virtual addresses
 * @m:		Guest memory
 * @uva:	Frontend's virtual address
 * @len:	Length of the range, non-zero
 *
 * Return: our pointer to @uva, NULL unless the region holding @uva holds
 *	   the whole range
 */
void *vu_mem_uva(const struct vu_mem *m, uint64_t uva, uint64_t len)
{
	const struct vu_region *r;
	uint64_t off;

	if (!len || !(r = vu_mem_find(m, uva, true, &off)))
		return NULL;
	if (len > r->size - off)
		return NULL;
	return r->map + r->mmap_off + off;
}

/**
 * vu_mem_log_set() - Map a new dirty log, replacing the current one
 * @m:		Guest memory
 * @fd:		Descriptor of the shared bitmap (not closed here)
 * @size:	Bytes of the bitmap
 * @off:	Its offset in @fd
 *
 * Return: 0 on success, -errno on failure (the old log stays in place)
 */
int vu_mem_log_set(struct vu_mem *m, int fd, uint64_t size, uint64_t off)
{
	uint8_t *map = NULL;
	int ret;

	if (!size || off > UINT64_MAX - size)
		return -EINVAL;
	ret = vu_mem_map(fd, off + size, "dirty log", &map);
	if (ret)
		return ret;

	vu_mem_log_clear(m);
	m->log_map = map;
	m->log_map_len = (size_t)(off + size);
	m->log = map + off;
	m->log_len = (size_t)size;
	return 0;
}

/**
 * vu_mem_log_clear() - Unmap the dirty log
 * @m:		Guest memory
 */
void vu_mem_log_clear(struct vu_mem *m)
{
	if (m->log_map)
		vu_mem_unmap(m->log_map, m->log_map_len);
	m->log_map = NULL;
	m->log_map_len = 0;
	m->log = NULL;
	m->log_len = 0;
}

/**
 * vu_mem_log() - Mark a written range of guest memory in the dirty log
 * @m:		Guest memory
 * @gpa:	Guest-physical address of the first byte written
 * @len:	Bytes written
 *
 * Pages beyond the end of the bitmap are not marked (the frontend sized it
 * for the memory it has).
 */
void vu_mem_log(const struct vu_mem *m, uint64_t gpa, uint64_t len)
{
	uint64_t page, last, bits;

	if (!m->log || !len)
		return;

	page = gpa / VU_LOG_PAGE;
	last = (len - 1 > UINT64_MAX - gpa ? UINT64_MAX : gpa + len - 1) /
	       VU_LOG_PAGE;
	bits = (uint64_t)m->log_len * 8;
	if (last >= bits)
		last = bits - 1;

	/* Release: the frontend clears a bit, then copies the page, so the
	 * data written must be visible before the bit is
	 */
	for (; page <= last; page++) {
		__atomic_fetch_or(&m->log[page / 8],
				  (uint8_t)(1U << (page % 8)),
				  __ATOMIC_RELEASE);
	}
}
