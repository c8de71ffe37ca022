// SPDX-License-Identifier: GPL-2.0-or-later
/* test_vu_link.c - the vhost-user link's frames, over rings built by hand
 *
 * The test plays the guest's driver on a fake guest memory of one region:
 * it offers receive buffers and transmit frames in split virtqueues, and
 * checks what the link writes there: frames staged and copied over several
 * buffers with MRG_RXBUF (num_buffers, used lengths, the "data valid" flag),
 * a frame too large for one element without it, scattered frames reserved
 * in place and the elements of the ones given back returned to the ring
 * (but never across a chain given to the guest meanwhile: no chain is used
 * twice),
 * and frames from the guest handed to the engine in place or gathered,
 * their elements given back after the batch.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include "link/vhost_user.h"

#define R_GPA	  0x100000ULL
#define R_SIZE	  0x40000ULL
#define NUM	  64
#define RING_GPA(q) (R_GPA + (uint64_t)(q) * 0x4000) /* desc, avail, used */
#define AVAIL_OFF 0x1000
#define USED_OFF  0x2000
#define BUF_GPA	  (R_GPA + 0x10000)	/* buffers from here on */
#define BUF_LEN	  1024

static struct {
	uint8_t *mem;
	struct vu_link v;
	uint16_t aidx[VU_QUEUES];
	struct pview seen[8];
	unsigned int nseen;
} t;

/**
 * g() - Our pointer to a guest-physical address
 * @gpa:	Address in the region
 *
 * Return: pointer
 */
static uint8_t *g(uint64_t gpa)
{
	return t.mem + (gpa - R_GPA);
}

/**
 * setup() - Guest memory, both queues started, MRG_RXBUF and GUEST_CSUM
 * @state:	Unused
 *
 * Return: 0
 */
static int setup(void **state)
{
	unsigned int q;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.mem = aligned_alloc(4096, R_SIZE);
	assert_non_null(t.mem);
	memset(t.mem, 0, R_SIZE);
	vu_init(&t.v, -1);
	t.v.dev.mem.n = 1;
	t.v.dev.mem.r[0] = (struct vu_region){ R_GPA, R_SIZE, 0x7000000, 0,
					       t.mem, R_SIZE };
	t.v.dev.hdr_len = 12;
	t.v.dev.features = VU_BIT(VU_F_VERSION_1) | VU_BIT(VU_F_MRG_RXBUF) |
			   VU_BIT(VU_F_GUEST_CSUM);
	for (q = 0; q < VU_QUEUES; q++) {
		struct vu_vq *vq = &t.v.dev.vq[q];

		vq->num = NUM;
		vq->desc = g(RING_GPA(q));
		vq->avail = g(RING_GPA(q) + AVAIL_OFF);
		vq->used = g(RING_GPA(q) + USED_OFF);
		vq->used_gpa = RING_GPA(q) + USED_OFF;
		vq->started = vq->enabled = true;
	}
	t.v.running = true;
	return 0;
}

/**
 * teardown() - Free the guest memory
 * @state:	Unused
 *
 * Return: 0
 */
static int teardown(void **state)
{
	(void)state;
	free(t.mem);
	return 0;
}

/**
 * offer() - Offer a chain of one buffer per descriptor
 * @q:		Queue
 * @head:	First descriptor (and buffer number: BUF_GPA + @head * BUF_LEN)
 * @n:		Descriptors
 * @len:	Length of each
 * @write:	Device-writable (receive buffers)
 */
static void offer(unsigned int q, uint16_t head, unsigned int n, uint32_t len,
		  bool write)
{
	struct vring_desc *d = (struct vring_desc *)g(RING_GPA(q));
	struct vring_avail *a = (struct vring_avail *)g(RING_GPA(q) +
							 AVAIL_OFF);
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct vring_desc *e = &d[head + i];

		e->addr = htole64(BUF_GPA + (uint64_t)(head + i) * BUF_LEN);
		e->len = htole32(len);
		e->flags = htole16((write ? VRING_DESC_F_WRITE : 0) |
				   (i + 1 < n ? VRING_DESC_F_NEXT : 0));
		e->next = htole16(head + i + 1);
	}
	a->ring[t.aidx[q] % NUM] = htole16(head);
	t.aidx[q]++;
	a->idx = htole16(t.aidx[q]);
}

/**
 * used() - A used ring entry
 * @q:		Queue
 * @i:		Entry
 * @len:	Set to its length
 *
 * Return: its head
 */
static uint32_t used(unsigned int q, unsigned int i, uint32_t *len)
{
	struct vring_used *u = (struct vring_used *)g(RING_GPA(q) + USED_OFF);

	*len = le32toh(u->ring[i].len);
	return le32toh(u->ring[i].id);
}

/**
 * used_idx() - The used index the guest sees
 * @q:		Queue
 *
 * Return: used->idx
 */
static uint16_t used_idx(unsigned int q)
{
	return le16toh(((struct vring_used *)g(RING_GPA(q) + USED_OFF))->idx);
}

/**
 * test_rx_staged_mrg() - A staged frame spreads over three receive buffers
 * @state:	Unused
 */
static void test_rx_staged_mrg(void **state)
{
	struct virtio_net_hdr_mrg_rxbuf *h;
	struct frame_sink *s = &t.v.sink;
	uint8_t *buf, frame[2500];
	unsigned int i;
	uint32_t len;
	size_t cap;

	(void)state;
	for (i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 7);
	for (i = 0; i < 4; i++)
		offer(VU_RX, (uint16_t)i, 1, BUF_LEN, true);
	assert_int_equal(s->reserve(s, 1, &buf, &cap), 1);
	memcpy(buf, frame, sizeof(frame));
	s->commit(s, buf, sizeof(frame), NULL);
	assert_int_equal(used_idx(VU_RX), 0);	/* nothing before the flush */
	assert_int_equal(s->flush(s), 0);

	assert_int_equal(used_idx(VU_RX), 3);
	assert_int_equal(used(VU_RX, 0, &len), 0);
	assert_int_equal(len, BUF_LEN);
	assert_int_equal(used(VU_RX, 1, &len), 1);
	assert_int_equal(len, BUF_LEN);
	assert_int_equal(used(VU_RX, 2, &len), 2);
	assert_int_equal(len, 12 + sizeof(frame) - 2 * BUF_LEN);
	h = (struct virtio_net_hdr_mrg_rxbuf *)g(BUF_GPA);
	assert_int_equal(le16toh(h->num_buffers), 3);
	assert_int_equal(h->hdr.flags, VIRTIO_NET_HDR_F_DATA_VALID);
	assert_memory_equal(g(BUF_GPA) + 12, frame, BUF_LEN - 12);
	assert_memory_equal(g(BUF_GPA + BUF_LEN), frame + BUF_LEN - 12,
			    BUF_LEN);
	assert_memory_equal(g(BUF_GPA + 2 * BUF_LEN),
			    frame + 2 * BUF_LEN - 12,
			    sizeof(frame) - 2 * BUF_LEN + 12);
	assert_int_equal(t.v.sent, 1);
	assert_int_equal(vu_vq_avail(&t.v.dev.vq[VU_RX]), 1);
}

/**
 * test_rx_no_mrg_too_big() - Without MRG_RXBUF a frame needs one element
 * @state:	Unused
 */
static void test_rx_no_mrg_too_big(void **state)
{
	struct frame_sink *s = &t.v.sink;
	uint8_t *buf;
	uint32_t len;
	size_t cap;

	(void)state;
	t.v.dev.features &= ~VU_BIT(VU_F_MRG_RXBUF);
	offer(VU_RX, 0, 1, BUF_LEN, true);
	assert_int_equal(s->reserve(s, 1, &buf, &cap), 1);
	memset(buf, 0xab, 2000);
	s->commit(s, buf, 2000, NULL);
	/* the element stays there for the next frame, which fits */
	assert_int_equal(s->reserve(s, 1, &buf, &cap), 1);
	memset(buf, 0xcd, 100);
	s->commit(s, buf, 100, NULL);
	assert_int_equal(s->flush(s), -EMSGSIZE);
	assert_int_equal(t.v.lost, 1);
	assert_int_equal(used_idx(VU_RX), 1);
	assert_int_equal(used(VU_RX, 0, &len), 0);
	assert_int_equal(len, 12 + 100);
	assert_int_equal(g(BUF_GPA)[12], 0xcd);
}

/**
 * test_rx_sg() - Scattered frames: headers in place, payload over the
 *		  buffers, the elements of the frame given back returned
 * @state:	Unused
 */
static void test_rx_sg(void **state)
{
	struct frame_offload o = { 34, 16, FRAME_GSO_TCPV4, 1448, 54 };
	struct virtio_net_hdr_mrg_rxbuf *h;
	struct frame_sink *s = &t.v.sink;
	struct sink_sg f[2];
	size_t got;
	unsigned int i;
	uint32_t len;

	(void)state;
	for (i = 0; i < 8; i++)
		offer(VU_RX, (uint16_t)i, 1, BUF_LEN, true);
	got = s->reserve_sg(s, 54, 2000, &f[0]);
	assert_int_equal(got, 2000);
	assert_ptr_equal(f[0].hdr, g(BUF_GPA) + 12);
	assert_int_equal(f[0].iovcnt, 3);	/* 958 + 1024 + 18 */
	assert_ptr_equal(f[0].iov[0].iov_base, g(BUF_GPA) + 12 + 54);
	assert_int_equal(f[0].iov[0].iov_len, BUF_LEN - 12 - 54);
	assert_int_equal(f[0].iov[2].iov_len,
			 2000 - (BUF_LEN - 66) - BUF_LEN);
	got = s->reserve_sg(s, 54, 2000, &f[1]);
	assert_int_equal(got, 2000);
	assert_ptr_equal(f[1].hdr, g(BUF_GPA + 3 * BUF_LEN) + 12);

	/* the first one short: it keeps two elements, the rest go back */
	memset(f[0].hdr, 0x11, 54);
	for (i = 0; i < f[0].iovcnt; i++)
		memset(f[0].iov[i].iov_base, 0x22, f[0].iov[i].iov_len);
	s->commit_sg(s, &f[0], 1500, &o);
	s->commit_sg(s, &f[1], 0, NULL);
	assert_int_equal(s->flush(s), 0);

	assert_int_equal(used_idx(VU_RX), 2);
	assert_int_equal(used(VU_RX, 0, &len), 0);
	assert_int_equal(len, BUF_LEN);
	assert_int_equal(used(VU_RX, 1, &len), 1);
	assert_int_equal(len, 12 + 54 + 1500 - BUF_LEN);
	h = (struct virtio_net_hdr_mrg_rxbuf *)g(BUF_GPA);
	assert_int_equal(le16toh(h->num_buffers), 2);
	assert_int_equal(h->hdr.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(h->hdr.gso_type, VIRTIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(le16toh(h->hdr.gso_size), 1448);
	assert_int_equal(le16toh(h->hdr.csum_start), 34);
	/* elements 2 to 5 are offered again, in order */
	assert_int_equal(vu_vq_avail(&t.v.dev.vq[VU_RX]), 6);
	got = s->reserve_sg(s, 54, 100, &f[0]);
	assert_int_equal(got, 100);
	assert_ptr_equal(f[0].hdr, g(BUF_GPA + 2 * BUF_LEN) + 12);
	s->commit_sg(s, &f[0], 100, NULL);
	assert_int_equal(used(VU_RX, 2, &len), 2);
	assert_int_equal(len, 12 + 54 + 100);
}

/**
 * used_once() - Every used entry names a different chain
 * @q:		Queue
 */
static void used_once(unsigned int q)
{
	unsigned int i, j, n = used_idx(q);
	uint32_t len;

	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n; j++)
			assert_int_not_equal(used(q, i, &len),
					     used(q, j, &len));
	}
}

/**
 * offer_between() - Receive buffers 0 and 2, and between them a chain
 *		     given back as soon as it is taken
 * @bad:	The chain in between doesn't map (the ring refuses it), else
 *		it has nothing to write to (the link gives it back)
 */
static void offer_between(bool bad)
{
	struct vring_desc *d = (struct vring_desc *)g(RING_GPA(VU_RX));

	offer(VU_RX, 0, 1, BUF_LEN, true);
	offer(VU_RX, 1, 1, BUF_LEN, !bad);
	if (bad)
		d[1].addr = htole64(0x700000000000ULL);
	else
		d[1].flags = 0;	/* device-readable: nothing to write to */
	offer(VU_RX, 2, 1, BUF_LEN, true);
}

/**
 * rx_sg_back_across() - A scattered frame given back over a chain that was
 *			 given to the guest meanwhile: never twice
 * @bad:	As offer_between()
 */
static void rx_sg_back_across(bool bad)
{
	struct frame_sink *s = &t.v.sink;
	struct sink_sg f;
	uint32_t len;

	offer_between(bad);
	assert_int_equal(s->reserve_sg(s, 54, 1500, &f), 1500);
	s->commit_sg(s, &f, 0, NULL);
	assert_int_equal(s->flush(s), 0);
	/* 1 was given back when taken, 0 is given back empty: only 2 can
	 * be offered again, 1 can't
	 */
	assert_int_equal(vu_vq_avail(&t.v.dev.vq[VU_RX]), 1);
	assert_int_equal(used_idx(VU_RX), 2);
	assert_int_equal(used(VU_RX, 0, &len), 1);
	assert_int_equal(len, 0);
	assert_int_equal(used(VU_RX, 1, &len), 0);
	assert_int_equal(len, 0);

	assert_int_equal(s->reserve_sg(s, 54, 100, &f), 100);
	s->commit_sg(s, &f, 100, NULL);
	assert_int_equal(s->flush(s), 0);
	assert_int_equal(used_idx(VU_RX), 3);
	assert_int_equal(used(VU_RX, 2, &len), 2);
	assert_int_equal(len, 12 + 54 + 100);
	used_once(VU_RX);
}

/**
 * test_rx_sg_back_across_refused() - rx_sg_back_across(), a refused chain
 * @state:	Unused
 */
static void test_rx_sg_back_across_refused(void **state)
{
	(void)state;
	rx_sg_back_across(true);
}

/**
 * test_rx_sg_back_across_readonly() - rx_sg_back_across(), a chain with
 *				       nothing to write to
 * @state:	Unused
 */
static void test_rx_sg_back_across_readonly(void **state)
{
	(void)state;
	rx_sg_back_across(false);
}

/**
 * test_rx_staged_back_across() - A staged frame that doesn't fit gives its
 *				  elements back over a chain given meanwhile
 * @state:	Unused
 */
static void test_rx_staged_back_across(void **state)
{
	struct frame_sink *s = &t.v.sink;
	uint8_t *buf;
	uint32_t len;
	size_t cap;

	(void)state;
	offer_between(true);
	assert_int_equal(s->reserve(s, 1, &buf, &cap), 1);
	memset(buf, 0x5a, 2500);
	s->commit(s, buf, 2500, NULL);		/* needs three buffers */
	assert_int_equal(s->flush(s), -ENOBUFS);
	assert_int_equal(vu_vq_avail(&t.v.dev.vq[VU_RX]), 1);

	offer(VU_RX, 3, 1, BUF_LEN, true);
	offer(VU_RX, 4, 1, BUF_LEN, true);
	assert_int_equal(s->reserve(s, 1, &buf, &cap), 1);
	memset(buf, 0xa5, 2500);
	s->commit(s, buf, 2500, NULL);
	assert_int_equal(s->flush(s), 0);
	assert_int_equal(used_idx(VU_RX), 5);
	assert_int_equal(used(VU_RX, 2, &len), 2);
	assert_int_equal(len, BUF_LEN);
	used_once(VU_RX);
}

/**
 * test_rx_stopped() - Nothing is written while the queues are stopped
 * @state:	Unused
 */
static void test_rx_stopped(void **state)
{
	struct frame_sink *s = &t.v.sink;
	struct sink_sg f;
	uint8_t *buf;
	size_t cap;

	(void)state;
	offer(VU_RX, 0, 1, BUF_LEN, true);
	t.v.running = false;
	assert_int_equal(s->reserve_sg(s, 54, 100, &f), 0);
	assert_int_equal(s->reserve(s, 1, &buf, &cap), 1);
	s->commit(s, buf, 100, NULL);
	s->flush(s);
	assert_int_equal(used_idx(VU_RX), 0);
	assert_int_equal(vu_vq_avail(&t.v.dev.vq[VU_RX]), 1);
}

/**
 * l3() - Frames from the guest the responders didn't take: recorded
 * @arg:	Unused
 * @frame:	Frame
 * @flags:	Unused
 */
static void l3(void *arg, struct pview frame, unsigned int flags)
{
	(void)arg;
	(void)flags;
	if (t.nseen < 8)
		t.seen[t.nseen++] = frame;
}

/**
 * batch_end() - End of a batch: the frames are still in place
 * @arg:	Unused
 */
static void batch_end(void *arg)
{
	(void)arg;
	assert_int_equal(used_idx(VU_TX), 0);
}

/**
 * tx_frame() - Write a frame from the guest: header, then an IPv4 frame
 * @p:		Where
 * @len:	Frame length, at least 34
 * @gso:	gso_type of its header
 */
static void tx_frame(uint8_t *p, size_t len, uint8_t gso)
{
	struct virtio_net_hdr_mrg_rxbuf h = { .hdr.gso_type = gso };
	size_t i;

	memcpy(p, &h, 12);
	memset(p + 12, 0x02, 12);		/* MACs */
	p[24] = 0x08;
	p[25] = 0x00;				/* IPv4 */
	for (i = 14; i < len; i++)
		p[12 + i] = (uint8_t)i;
}

/**
 * test_tx() - Frames from the guest: in place, gathered, offload refused
 * @state:	Unused
 */
static void test_tx(void **state)
{
	static const struct l2_conf l2;
	static struct l2_state st;
	struct link_input in = { &l2, &st, l3, NULL, vu_send, &t.v };
	uint8_t gathered[312];
	uint32_t len;

	(void)state;
	/* one buffer: in place */
	tx_frame(g(BUF_GPA), 200, 0);
	offer(VU_TX, 0, 1, 212, false);
	/* header and frame over two buffers: gathered */
	tx_frame(gathered, 300, 0);
	memcpy(g(BUF_GPA + 1 * BUF_LEN), gathered, 100);
	memcpy(g(BUF_GPA + 2 * BUF_LEN), gathered + 100, 212);
	offer(VU_TX, 1, 2, 100, false);
	((struct vring_desc *)g(RING_GPA(VU_TX)))[2].len = htole32(212);
	/* a TCP segmentation offload frame, not negotiated */
	tx_frame(g(BUF_GPA + 3 * BUF_LEN), 200, VIRTIO_NET_HDR_GSO_TCPV4);
	offer(VU_TX, 3, 1, 212, false);

	vu_tx_handler(&t.v, &in, batch_end, NULL);
	assert_int_equal(t.nseen, 2);
	assert_ptr_equal(t.seen[0].p, g(BUF_GPA) + 12);
	assert_int_equal(t.seen[0].len, 200);
	assert_ptr_not_equal(t.seen[1].p, g(BUF_GPA + BUF_LEN) + 12);
	assert_int_equal(t.seen[1].len, 300);
	assert_memory_equal(t.seen[1].p, gathered + 12, 300);
	assert_int_equal(t.v.gso_bad, 1);
	/* all three back to the guest, after the batch */
	assert_int_equal(used_idx(VU_TX), 3);
	assert_int_equal(used(VU_TX, 0, &len), 0);
	assert_int_equal(used(VU_TX, 1, &len), 1);
	assert_int_equal(used(VU_TX, 2, &len), 3);
	assert_int_equal(len, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_rx_staged_mrg),
		T(test_rx_no_mrg_too_big),
		T(test_rx_sg),
		T(test_rx_sg_back_across_refused),
		T(test_rx_sg_back_across_readonly),
		T(test_rx_staged_back_across),
		T(test_rx_stopped),
		T(test_tx),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
