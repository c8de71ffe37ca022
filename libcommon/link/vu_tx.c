// SPDX-License-Identifier: GPL-2.0-or-later
/* vu_tx.c - vhost-user: frames from the guest, its transmit queue
 *
 * Theory of operation: the guest puts each frame it sends in one element of
 * its transmit queue (VU_TX), behind a virtio-net header (dev.hdr_len
 * bytes), and kicks the queue's eventfd. On a kick we read the eventfd
 * first (a kick that comes while we work is then not lost), then take
 * elements in batches of VU_TX_BATCH. A frame that lies in one buffer is
 * handed to the engine where it is, in guest memory; one spread over
 * several buffers is gathered into a static staging slot. Transports keep
 * pointers into the frames until the end of the batch (TCP writes a
 * connection's segments with one sendmsg() then): only after the caller's
 * end-of-batch work are the elements given back (used length 0), published
 * and the guest notified, once per batch. After VU_TX_ROUNDS batches with
 * more waiting, we kick the eventfd ourselves, so that the loop comes back
 * after the other events.
 *
 * The header says whether the guest left the checksum to us (NEEDS_CSUM:
 * LINK_F_CSUM_PARTIAL for the engine) and whether the frame is a TCP
 * segment larger than the MTU (segmentation offload), which the engine
 * takes as one segment of up to 64 KiB, as from the tap device: that is
 * accepted only where HOST_TSO4 or HOST_TSO6 was negotiated. UDP
 * super-frames (HOST_USO) are not offered: nothing here splits them into
 * datagrams. An element that is too short (shorter than the virtio-net
 * header, or zero-length descriptors only), that has device-writable
 * buffers (the transmit queue's are read-only), or doesn't map, or a broken
 * ring drops frames with a rate-limited log line saying why; the guest gets
 * its buffers back.
 */

#include <endian.h>
#include <errno.h>
#include <linux/virtio_net.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "link/vu_tx.h"

#define VU_ETH_HLEN 14

static uint8_t vu_tx_buf[VU_TX_BATCH][VU_FRAME_MAX] __attribute__((aligned(64)));
static uint16_t vu_tx_head[VU_TX_BATCH];
static unsigned int vu_tx_n;
static struct vu_elem vu_tx_elem;

/**
 * vu_tx_gather() - Copy bytes out of an element's buffers
 * @e:		Element
 * @off:	Offset in the buffers the guest wrote
 * @dst:	Destination
 * @len:	Bytes: @off + @len is within e->out_len
 */
static void vu_tx_gather(const struct vu_elem *e, size_t off, uint8_t *dst,
			 size_t len)
{
	unsigned int i;

	for (i = 0; i < e->n_out && len; i++) {
		size_t n;

		if (off >= e->seg[i].len) {
			off -= e->seg[i].len;
			continue;
		}
		n = MIN(len, e->seg[i].len - off);
		memcpy(dst, e->seg[i].p + off, n);
		dst += n;
		len -= n;
		off = 0;
	}
}

/**
 * vu_tx_bad() - Say what is wrong with a transmit element
 * @e:		Element that vu_tx_frame() refuses
 * @hl:		Length of the virtio-net header
 *
 * Return: a short reason, for the log
 */
static const char *vu_tx_bad(const struct vu_elem *e, size_t hl)
{
	if (e->n_in)
		return "device-writable buffer on the transmit queue";
	if (!e->out_len)
		return "zero length";
	if (e->out_len < hl)
		return "shorter than the virtio-net header";
	if (e->out_len < hl + VU_ETH_HLEN)
		return "shorter than an Ethernet header";
	return "longer than the largest frame";
}

/**
 * vu_tx_gso_ok() - Is the segmentation offload of a frame one we agreed on?
 * @v:		vhost-user link
 * @gso_type:	gso_type of its virtio-net header
 *
 * Return: true for none, or TCP segments with HOST_TSO4/HOST_TSO6 acked
 */
static bool vu_tx_gso_ok(const struct vu_link *v, uint8_t gso_type)
{
	switch (gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN) {
	case VIRTIO_NET_HDR_GSO_NONE:
		return true;
	case VIRTIO_NET_HDR_GSO_TCPV4:
		return vu_dev_has(&v->dev, VU_F_HOST_TSO4);
	case VIRTIO_NET_HDR_GSO_TCPV6:
		return vu_dev_has(&v->dev, VU_F_HOST_TSO6);
	default:
		return false;
	}
}

/**
 * vu_tx_frame() - Hand the frame of one element to the engine
 * @v:		vhost-user link
 * @e:		Element
 * @in:		Where frames go
 * @staged:	Staging slots used in this batch, updated
 */
static void vu_tx_frame(struct vu_link *v, const struct vu_elem *e,
			const struct link_input *in, unsigned int *staged)
{
	static struct ratelimit rl;
	size_t hl = v->dev.hdr_len, off = hl, len;
	struct virtio_net_hdr_mrg_rxbuf h = { 0 };
	struct pview frame = { 0 };
	unsigned int i;

	if (e->n_in || e->out_len < hl + VU_ETH_HLEN ||
	    e->out_len - hl > VU_FRAME_MAX || hl > sizeof(h)) {
		v->n.bad++;
		log_rl(&rl, LOG_LVL_WARN,
		       "vhost-user: bad transmit chain at %u: %s, dropped",
		       e->head, vu_tx_bad(e, hl));
		return;
	}
	len = e->out_len - hl;
	vu_tx_gather(e, 0, (uint8_t *)&h, hl);
	if (!vu_tx_gso_ok(v, h.hdr.gso_type)) {
		v->gso_bad++;
		log_rl(&rl, LOG_LVL_DEBUG,
		       "vhost-user: offload type %u not negotiated, dropped",
		       h.hdr.gso_type);
		return;
	}
	for (i = 0; i < e->n_out; i++) {
		if (off < e->seg[i].len) {
			if (e->seg[i].len - off >= len)
				frame = pview_make(e->seg[i].p + off, len);
			break;
		}
		off -= e->seg[i].len;
	}
	if (!frame.p) {
		vu_tx_gather(e, hl, vu_tx_buf[*staged], len);
		frame = pview_make(vu_tx_buf[(*staged)++], len);
	}
	link_frame_in(in, &v->n, frame,
		      (h.hdr.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) ?
		      LINK_F_CSUM_PARTIAL : 0);
}

/**
 * vu_tx_batch() - Take a batch of frames from the transmit queue
 * @v:		vhost-user link
 * @in:		Where frames go
 * @max:	Elements at most, up to VU_TX_BATCH
 *
 * The frames stay valid until vu_tx_end().
 *
 * Return: elements taken, bad ones given back included
 */
unsigned int vu_tx_batch(struct vu_link *v, const struct link_input *in,
			 unsigned int max)
{
	struct vu_vq *q = &v->dev.vq[VU_TX];
	unsigned int staged = 0, bad = 0;
	int ret;

	max = MIN(max, (unsigned int)VU_TX_BATCH);
	vu_tx_n = 0;
	if (!v->running || !vu_vq_ready(q))
		return 0;
	while (vu_tx_n < max) {
		ret = vu_vq_pop(q, &v->dev.mem, &vu_tx_elem);
		if (ret == -EINVAL && bad++ < max)
			continue;	/* given back by vu_ring.c */
		if (ret)
			break;
		vu_tx_head[vu_tx_n++] = vu_tx_elem.head;
		vu_tx_frame(v, &vu_tx_elem, in, &staged);
	}
	return vu_tx_n + bad;
}

/**
 * vu_tx_end() - Give the elements of the batch back, notify the guest
 * @v:		vhost-user link
 */
void vu_tx_end(struct vu_link *v)
{
	struct vu_vq *q = &v->dev.vq[VU_TX];
	unsigned int i;

	if (!vu_tx_n)
		return;
	for (i = 0; i < vu_tx_n; i++)
		vu_vq_push(q, &v->dev.mem, vu_tx_head[i], 0);
	vu_tx_n = 0;
	vu_vq_flush(q, &v->dev.mem);
	vu_vq_notify(q);
}

/**
 * vu_tx_handler() - The guest kicked its transmit queue
 * @v:		vhost-user link
 * @in:		Where frames go
 * @batch_end:	End-of-batch work of the engine, run after each batch
 * @arg:	Its argument
 */
void vu_tx_handler(struct vu_link *v, const struct link_input *in,
		   void (*batch_end)(void *arg), void *arg)
{
	int fd = v->dev.vq[VU_TX].kick_fd;
	unsigned int r, n = 0;
	uint64_t cnt = 1;

	if (fd >= 0 && read(fd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		log_debug("vhost-user: reading the transmit kick: %s",
			  strerror(errno));
	for (r = 0; r < VU_TX_ROUNDS; r++) {
		n = vu_tx_batch(v, in, VU_TX_BATCH);
		batch_end(arg);
		vu_tx_end(v);
		if (n < VU_TX_BATCH)
			return;
	}
	cnt = 1;
	if (fd >= 0 && vu_vq_avail(&v->dev.vq[VU_TX]) &&
	    write(fd, &cnt, sizeof(cnt)) < 0)
		log_debug("vhost-user: re-kicking the transmit queue: %s",
			  strerror(errno));
}
