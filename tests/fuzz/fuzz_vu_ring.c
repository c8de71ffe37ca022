// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_vu_ring.c - libFuzzer harness of vhost-user descriptor chain walking
 *
 * The input is a guest: a ring size, our starting index and how far the
 * guest's available index is ahead of it, up to three regions of guest
 * memory (the first two contiguous in guest-physical addresses, the third
 * after a gap of up to 255 bytes), then the descriptor table and the
 * available ring (mostly steered to the regions and the table: fz_bias()),
 * then a byte per pop that may ask to put some elements back. Every ring
 * and region is an allocation of its exact size, so ASan sees any access
 * outside them; the harness reads every readable and writes every writable
 * byte of each element popped, checks that each piece lies in the region
 * its guest address says, pushes everything back, and checks the used ring
 * and index.
 */

#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_ring.h>

#include "base/log.h"
#include "link/vu_ring.h"

#define FZ_REGIONS    3
#define FZ_REGION_MAX 8192
#define FZ_NUM_SHIFT  9 /* ring sizes 1..256 */
#define FZ_POPS	      (2 * (1 << (FZ_NUM_SHIFT - 1)) + 8)
#define FZ_GPA0	      0x10000ULL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/**
 * struct cur - Input not consumed yet
 * @p:		Next byte
 * @left:	Bytes left
 */
struct cur {
	const uint8_t *p;
	size_t left;
};

/**
 * struct fz - One run: the guest and our queue
 * @m:		Guest memory
 * @q:		Queue
 * @start:	Our index at the start
 * @ahead:	How far the guest's available index is ahead of it
 * @heads:	Heads popped and not pushed yet, in order
 * @lens:	Bytes written into each
 * @n:		How many
 * @refused:	Chains refused (-EINVAL), given back by vu_vq_pop()
 * @log:	Dirty log
 */
struct fz {
	struct vu_mem m;
	struct vu_vq q;
	uint16_t start;
	uint16_t ahead;
	uint16_t heads[FZ_POPS];
	uint32_t lens[FZ_POPS];
	unsigned int n;
	unsigned int refused;
	uint8_t log[64];
};

/**
 * take() - Next @n bytes of input as a little-endian number, 0 past the end
 * @c:		Input
 * @n:		Bytes, at most 8
 *
 * Return: the number
 */
static uint64_t take(struct cur *c, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n && c->left; i++, c->left--)
		v |= (uint64_t)*c->p++ << (8 * i);
	return v;
}

/**
 * take_into() - Fill @dst from input, zeroes past its end
 * @c:		Input
 * @dst:	Destination
 * @n:		Bytes
 */
static void take_into(struct cur *c, void *dst, size_t n)
{
	size_t k = n < c->left ? n : c->left;

	memcpy(dst, c->p, k);
	memset((uint8_t *)dst + k, 0, n - k);
	c->p += k;
	c->left -= k;
}

/**
 * LLVMFuzzerInitialize() - Keep the log lines of refused chains quiet
 * @argc:	Unused
 * @argv:	Unused
 *
 * Return: 0
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_to_stderr(false);
	return 0;
}

/**
 * fz_bias() - Steer most descriptors and heads to where things happen
 * @f:		Run state, rings filled from the input
 * @span:	Bytes of guest-physical space from FZ_GPA0 the regions take
 *
 * Raw values would almost never hit guest memory or the table: unless the
 * top bit of an address (or a head, or a next index) is set, it's taken
 * modulo a range just larger than the regions (the table), and the length
 * of the descriptor modulo a few pages. The guest could write these
 * values as well: this only weighs the odds.
 */
static void fz_bias(struct fz *f, uint64_t span)
{
	struct vring_avail *a = f->q.avail;
	struct vring_desc *d = f->q.desc;
	uint16_t num = f->q.num;
	unsigned int i;

	for (i = 0; i < num; i++) {
		uint64_t addr = le64toh(d[i].addr);
		uint16_t next = le16toh(d[i].next);
		uint16_t head = le16toh(a->ring[i]);

		if (!(addr >> 63)) {
			d[i].addr = htole64(FZ_GPA0 + addr % (span + 64) - 32);
			d[i].len = htole32(le32toh(d[i].len) % 0x4000);
		}
		if (!(next >> 15))
			d[i].next = htole16(next % (num + 1));
		if (!(head >> 15))
			a->ring[i] = htole16(head % (num + 1));
	}
}

/**
 * fz_setup() - Build guest memory and rings from the input
 * @f:		Run state, zeroed
 * @c:		Input
 */
static void fz_setup(struct fz *f, struct cur *c)
{
	uint64_t gpa = FZ_GPA0, mode;
	unsigned int i, nreg;
	uint16_t num;

	vu_vq_init(&f->q);
	num = (uint16_t)(1U << (take(c, 1) % FZ_NUM_SHIFT));
	f->start = (uint16_t)take(c, 2);
	mode = take(c, 1);
	f->ahead = mode & 0x80 ? (uint16_t)take(c, 2)
			       : (uint16_t)(mode % (num + 2U));
	mode = take(c, 1);
	nreg = 1 + (mode & 0xf) % FZ_REGIONS;
	for (i = 0; i < nreg; i++) {
		struct vu_region *r = &f->m.r[i];

		r->size = 1 + take(c, 2) % FZ_REGION_MAX;
		r->gpa = i == 2 ? gpa + take(c, 1) : gpa;
		r->map = malloc(r->size);
		if (!r->map)
			abort();
		memset(r->map, 0x5a, r->size);
		r->map_len = r->size;
		gpa = r->gpa + r->size;
		f->m.n++;
	}
	if (mode & 0x10) {
		f->m.log = f->log;
		f->m.log_len = sizeof(f->log);
		f->q.log_used = true;
	}
	f->q.used_gpa = take(c, 4);

	f->q.num = num;
	f->q.desc = malloc(sizeof(struct vring_desc) * num);
	f->q.avail = malloc(sizeof(struct vring_avail) + 2 * num);
	f->q.used = malloc(sizeof(struct vring_used) +
			   sizeof(struct vring_used_elem) * num);
	if (!f->q.desc || !f->q.avail || !f->q.used)
		abort();
	take_into(c, f->q.desc, sizeof(struct vring_desc) * num);
	take_into(c, ((struct vring_avail *)f->q.avail)->ring, 2 * num);
	fz_bias(f, gpa - FZ_GPA0);
	((struct vring_avail *)f->q.avail)->flags = 0;
	((struct vring_avail *)f->q.avail)->idx =
		(uint16_t)(f->start + f->ahead);
	memset(f->q.used, 0, sizeof(struct vring_used));
	((struct vring_used *)f->q.used)->idx = f->start;
	f->q.last_avail = f->q.used_idx = f->start;
	f->q.started = f->q.enabled = true;
}

/**
 * fz_free() - Release what fz_setup() allocated
 * @f:		Run state
 */
static void fz_free(struct fz *f)
{
	unsigned int i;

	for (i = 0; i < f->m.n; i++)
		free(f->m.r[i].map);
	free(f->q.desc);
	free(f->q.avail);
	free(f->q.used);
}

/**
 * fz_seg_ok() - Does a piece lie in the region its guest address says?
 * @f:		Run state
 * @s:		Piece
 *
 * Return: true if it does
 */
static bool fz_seg_ok(const struct fz *f, const struct vu_seg *s)
{
	unsigned int i;

	for (i = 0; i < f->m.n; i++) {
		const struct vu_region *r = &f->m.r[i];

		if (s->p < r->map || s->p >= r->map + r->size)
			continue;
		return s->len && s->len <= r->size - (size_t)(s->p - r->map) &&
		       s->gpa == r->gpa + (uint64_t)(s->p - r->map);
	}
	return false;
}

/**
 * fz_use() - Check an element, read what it offers, fill what it takes
 * @f:		Run state
 * @e:		Element popped
 *
 * Return: bytes written into it
 */
static uint32_t fz_use(const struct fz *f, const struct vu_elem *e)
{
	uint64_t out = 0, in = 0;
	volatile uint8_t sum = 0;
	unsigned int i, k;

	if (e->head >= f->q.num || e->n_out + e->n_in > VU_ELEM_SEG_MAX)
		abort();
	for (i = 0; i < (unsigned int)(e->n_out + e->n_in); i++) {
		const struct vu_seg *s = &e->seg[i];

		if (!fz_seg_ok(f, s))
			abort();
		if (i < e->n_out) {
			for (k = 0; k < s->len; k++)
				sum += s->p[k];
			out += s->len;
		} else {
			memset(s->p, 0xa5, s->len);
			in += s->len;
		}
	}
	if (out != e->out_len || in != e->in_len)
		abort();
	(void)sum;
	return e->in_len;
}

/**
 * fz_pop_all() - Pop until the ring is empty or broken, putting some back
 * @f:		Run state
 * @c:		Input: one byte per pop says whether to put some back
 */
static void fz_pop_all(struct fz *f, struct cur *c)
{
	unsigned int i, since_refused = 0;
	struct vu_elem e;
	int ret = 0;

	for (i = 0; i < FZ_POPS && f->n < FZ_POPS; i++) {
		uint8_t back = (uint8_t)take(c, 1);

		ret = vu_vq_pop(&f->q, &f->m, &e);
		if (ret == -EAGAIN || ret == -EIO)
			break;
		if (ret == -EINVAL) {
			f->refused++;
			since_refused = 0;
			continue;
		}
		if (ret)
			abort();
		f->lens[f->n] = fz_use(f, &e);
		f->heads[f->n++] = e.head;
		since_refused++;
		if (back >= 0xe0) {
			unsigned int k = 1 + back % since_refused;

			vu_vq_unpop(&f->q, k);
			f->n -= k;
			since_refused -= k;
		}
	}
	if (ret == -EIO && !vu_vq_broken(&f->q))
		abort();
	if (f->ahead > f->q.num && !vu_vq_broken(&f->q))
		abort();
	if ((uint16_t)(f->q.last_avail - f->start) != f->n + f->refused)
		abort();
	if (ret == -EAGAIN &&
	    f->q.last_avail != (uint16_t)(f->start + f->ahead))
		abort();
}

/**
 * fz_push_all() - Give every element back and check the used ring
 * @f:		Run state
 */
static void fz_push_all(struct fz *f)
{
	const struct vring_used *u = f->q.used;
	uint16_t mask = f->q.num - 1;
	unsigned int i;

	for (i = 0; i < f->n; i++)
		vu_vq_push(&f->q, &f->m, f->heads[i], f->lens[i]);
	vu_vq_flush(&f->q, &f->m);
	vu_vq_notify(&f->q);
	if (le16toh(u->idx) != (uint16_t)(f->start + f->refused + f->n))
		abort();
	for (i = 0; i < f->refused; i++) {
		uint16_t pos = (uint16_t)(f->start + i) & mask;

		if (le32toh(u->ring[pos].id) >= f->q.num || u->ring[pos].len)
			abort();
	}
	for (i = 0; i < f->n; i++) {
		uint16_t pos = (uint16_t)(f->start + f->refused + i) & mask;

		if (le32toh(u->ring[pos].id) != f->heads[i] ||
		    le32toh(u->ring[pos].len) != f->lens[i])
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cur c = {data, size};
	static struct fz f;

	memset(&f, 0, sizeof(f));
	fz_setup(&f, &c);
	fz_pop_all(&f, &c);
	fz_push_all(&f);
	fz_free(&f);
	return 0;
}
