// SPDX-License-Identifier: GPL-2.0-or-later
/* vu_rx.c - vhost-user: frames to the guest, the frame sink of the link
 *
 * Theory of operation: the guest's receive queue (VU_RX) holds elements of
 * buffers the guest gave us to write frames into. Each frame starts with a
 * virtio-net header (dev.hdr_len bytes, struct virtio_net_hdr_mrg_rxbuf):
 * the offloads the frame relies on, or "data valid" when the guest accepts
 * our checksums (GUEST_CSUM), and in num_buffers, how many elements the
 * frame spans: with MRG_RXBUF a frame goes on in the next element when one
 * is full, without it a frame must fit the buffers of one element.
 *
 * The sink has two ways in:
 * - reserve/commit: frames built in a static staging pool (VU_POOL slots)
 *   and copied into receive elements at flush time (vu_rx_drain()): control
 *   segments, UDP, ICMP, the replies of the L2 responders;
 * - reserve_sg/commit_sg: a frame reserved straight in the guest's buffers
 *   (TCP data: the socket is read into them, no copy of ours). Elements are
 *   taken from the ring until the headers and the payload fit; the headers
 *   are contiguous in the buffer where the virtio-net header ends (else in
 *   a small bounce buffer, copied at commit), the payload is an iovec over
 *   the rest. commit_sg writes the virtio-net header and gives the
 *   elements to the guest; the elements of frames given back (the sink.h
 *   contract makes them the last ones taken) return to the ring with
 *   vu_vq_unpop() once every reserved frame was committed.
 * Going back in the ring re-offers every chain from there on, so it must
 * never go back across a chain already given to the guest: one the ring
 * refused (vu_vq_pop() pushed it), one with nothing to write to (we pushed
 * it), a frame written since. The link keeps the place just after the
 * latest of those (rx_floor); elements to give back that lie before it go
 * back to the guest as used, with length 0, instead of being re-offered.
 * Every byte written into guest memory is marked in the dirty log when the
 * frontend set one up. Used elements are published (vu_vq_flush()) and the
 * guest is notified once per flush, not per frame.
 *
 * Without receive buffers, frames are dropped and counted; the link then
 * polls the receive queue's kick descriptor (the guest kicks it when it
 * adds buffers) and tells whoever waits (TCP) when room came back.
 * Nothing is written while the queues are stopped.
 */

#include <endian.h>
#include <errno.h>
#include <linux/virtio_net.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "link/pcap.h"
#include "link/vu_rx.h"
#include "os/epref.h"
#include "services/l2.h"

static uint8_t vu_pool[VU_POOL][VU_FRAME_MAX] __attribute__((aligned(64)));
static struct virtio_net_hdr_mrg_rxbuf vu_pool_hdr[VU_POOL];
static struct vu_sg_frame vu_sg[VU_SG_FRAMES];
static struct vu_sg_frame vu_scratch;	/* one staged frame being copied */
static struct vu_elem vu_rx_elem;

/**
 * vu_rx_ok() - Can frames be written to the guest now?
 * @v:		vhost-user link
 *
 * Return: true if the queues run and the receive queue isn't broken
 */
static bool vu_rx_ok(const struct vu_link *v)
{
	const struct vu_vq *q = &v->dev.vq[VU_RX];

	return v->running && vu_vq_ready(q) && !vu_vq_broken(q);
}

/**
 * vu_segs_copy() - Copy bytes into a run of buffers, from an offset on
 * @seg:	Buffers
 * @nseg:	How many
 * @off:	Offset in the run where the bytes go
 * @src:	Bytes
 * @len:	How many: the run must hold @off + @len bytes
 */
static void vu_segs_copy(const struct vu_seg *seg, unsigned int nseg,
			 size_t off, const void *src, size_t len)
{
	const uint8_t *s = src;
	unsigned int i;

	for (i = 0; i < nseg && len; i++) {
		size_t n;

		if (off >= seg[i].len) {
			off -= seg[i].len;
			continue;
		}
		n = MIN(len, seg[i].len - off);
		memcpy(seg[i].p + off, s, n);
		s += n;
		len -= n;
		off = 0;
	}
}

/**
 * vu_segs_log() - Mark the first bytes of a run of buffers in the dirty log
 * @m:		Guest memory
 * @seg:	Buffers
 * @nseg:	How many
 * @len:	Bytes written from the start of the run
 */
static void vu_segs_log(const struct vu_mem *m, const struct vu_seg *seg,
			unsigned int nseg, size_t len)
{
	unsigned int i;

	if (!vu_mem_logging(m))
		return;
	for (i = 0; i < nseg && len; i++) {
		size_t n = MIN(len, (size_t)seg[i].len);

		vu_mem_log(m, seg[i].gpa, n);
		len -= n;
	}
}

/**
 * vu_rx_starved() - Start or stop waiting for receive buffers
 * @v:		vhost-user link
 * @starved:	The ring ran out: poll its kick descriptor until it refills
 *
 * The guest is asked to kick the queue only while we wait (vu_vq_kicks()).
 */
void vu_rx_starved(struct vu_link *v, bool starved)
{
	struct vu_vq *q = &v->dev.vq[VU_RX];
	int fd = q->kick_fd;
	uint64_t one = 1;

	v->starved = starved;
	vu_vq_kicks(q, &v->dev.mem, starved);
	if (fd < 0)
		return;
	if (v->rx_kick_on != starved &&
	    !epref_ctl(v->epfd, EPOLL_CTL_MOD, EPOLL_TYPE_VU_KICK, VU_RX, fd,
		       starved ? EPOLLIN : 0))
		v->rx_kick_on = starved;
	/* Buffers added before the guest saw kicks wanted came without one */
	if (starved && vu_vq_avail(q) &&
	    write(fd, &one, sizeof(one)) < 0)
		log_debug("vhost-user: re-kicking the receive queue: %s",
			  strerror(errno));
}

/**
 * vu_rx_kick() - The guest kicked its receive queue: buffers came
 * @v:		vhost-user link
 */
void vu_rx_kick(struct vu_link *v)
{
	int fd = v->dev.vq[VU_RX].kick_fd;
	uint64_t cnt;

	if (fd >= 0 && read(fd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		log_debug("vhost-user: reading the receive kick: %s",
			  strerror(errno));
	if (!vu_rx_ok(v) || !vu_vq_avail(&v->dev.vq[VU_RX]))
		return;
	vu_rx_starved(v, false);
	if (v->greet && v->on_start) {
		v->greet = false;
		v->on_start(v->cb_arg);
	}
	if (v->on_rx_room)
		v->on_rx_room(v->cb_arg);
}

/**
 * vu_rx_gave() - A receive chain was given to the guest: going back stops
 *		  after it
 * @v:		vhost-user link
 * @next:	Place in the available ring just after the chain
 */
static void vu_rx_gave(struct vu_link *v, uint16_t next)
{
	uint16_t last = v->dev.vq[VU_RX].last_avail;

	if (!v->rx_floor_set ||
	    (uint16_t)(last - next) < (uint16_t)(last - v->rx_floor)) {
		v->rx_floor = next;
		v->rx_floor_set = true;
	}
}

/**
 * vu_rx_back_to() - Where the receive ring can go back to, asked for a place
 * @v:		vhost-user link
 * @pos:	Place of the first element to give back
 *
 * Return: @pos, or the floor if @pos is before it
 */
static uint16_t vu_rx_back_to(const struct vu_link *v, uint16_t pos)
{
	uint16_t last = v->dev.vq[VU_RX].last_avail;

	if (v->rx_floor_set &&
	    (uint16_t)(last - pos) > (uint16_t)(last - v->rx_floor))
		return v->rx_floor;
	return pos;
}

/**
 * vu_rx_release() - Give back the elements of a frame that lie before a
 *		     place, used with length 0 (going back stops at @to)
 * @v:		vhost-user link
 * @f:		Frame
 * @from:	Its first element not given to the guest
 * @to:		Place the ring goes back to
 */
static void vu_rx_release(struct vu_link *v, const struct vu_sg_frame *f,
			  unsigned int from, uint16_t to)
{
	struct vu_vq *q = &v->dev.vq[VU_RX];
	uint16_t last = q->last_avail;
	unsigned int i;

	for (i = from; i < f->nelem; i++) {
		if ((uint16_t)(last - f->avail[i]) > (uint16_t)(last - to))
			vu_vq_push(q, &v->dev.mem, f->head[i], 0);
	}
}

/**
 * vu_rx_collect() - Take receive elements until some bytes fit
 * @v:		vhost-user link, frames may be written
 * @f:		Elements and buffers, appended to
 * @need:	Bytes wanted, virtio-net header included
 *
 * Without MRG_RXBUF one element is taken at most. Running out of elements
 * marks the link starved.
 *
 * Return: bytes the elements of @f hold, possibly less than @need
 */
static size_t vu_rx_collect(struct vu_link *v, struct vu_sg_frame *f,
			    size_t need)
{
	bool mrg = vu_dev_has(&v->dev, VU_F_MRG_RXBUF);
	struct vu_vq *q = &v->dev.vq[VU_RX];
	struct vu_elem *e = &vu_rx_elem;
	unsigned int i, bad = 0;
	size_t have = 0;
	int ret;

	for (i = 0; i < f->nelem; i++)
		have += f->cap[i];
	while (have < need && f->nelem < VU_SG_ELEMS &&
	       (mrg || !f->nelem)) {
		ret = vu_vq_pop(q, &v->dev.mem, e);
		if (ret == -EINVAL)	/* given back by vu_ring.c */
			vu_rx_gave(v, q->last_avail);
		if (ret == -EINVAL && bad++ < VU_SG_ELEMS)
			continue;
		if (ret) {
			if (ret == -EAGAIN)
				vu_rx_starved(v, true);
			break;
		}
		if (!e->in_len) {	/* nothing to write to: back, empty */
			vu_vq_push(q, &v->dev.mem, e->head, 0);
			vu_rx_gave(v, q->last_avail);
			continue;
		}
		if (f->nseg + e->n_in > VU_SG_SEGS) {
			vu_vq_unpop(q, 1);
			break;
		}
		memcpy(f->seg + f->nseg, e->seg + e->n_out,
		       e->n_in * sizeof(*e->seg));
		f->nseg = (uint16_t)(f->nseg + e->n_in);
		f->avail[f->nelem] = (uint16_t)(q->last_avail - 1);
		f->head[f->nelem] = e->head;
		f->cap[f->nelem++] = e->in_len;
		have += e->in_len;
	}
	return have;
}

/**
 * vu_rx_unpop() - Give back the elements of a frame from one on
 * @v:		vhost-user link
 * @f:		Frame: its elements must be the last ones taken
 * @k:		First element to give back
 *
 * They return to the ring, but those before a chain given to the guest
 * since, which go to the guest used and empty.
 */
static void vu_rx_unpop(struct vu_link *v, const struct vu_sg_frame *f,
			unsigned int k)
{
	struct vu_vq *q = &v->dev.vq[VU_RX];
	uint16_t to;

	if (k >= f->nelem)
		return;
	to = vu_rx_back_to(v, f->avail[k]);
	vu_rx_release(v, f, k, to);
	vu_vq_unpop(q, (uint16_t)(q->last_avail - to));
}

/**
 * vu_rx_elems_for() - Elements of a frame that bytes from its start fill
 * @f:		Frame
 * @len:	Bytes
 *
 * Return: number of elements holding the first @len bytes
 */
static unsigned int vu_rx_elems_for(const struct vu_sg_frame *f, size_t len)
{
	unsigned int i;

	for (i = 0; i < f->nelem && len; i++)
		len -= MIN(len, (size_t)f->cap[i]);
	return i;
}

/**
 * vu_rx_trim() - Give back the elements of a frame past some bytes
 * @v:		vhost-user link
 * @f:		Frame: its elements must be the last ones taken
 * @len:	Bytes the frame keeps
 */
static void vu_rx_trim(struct vu_link *v, struct vu_sg_frame *f, size_t len)
{
	unsigned int k = vu_rx_elems_for(f, len), i, segs = 0;
	size_t cap = 0;

	if (k == f->nelem)
		return;
	vu_rx_unpop(v, f, k);
	for (i = 0; i < k; i++)
		cap += f->cap[i];
	for (i = 0; i < f->nseg && cap; i++, segs++)
		cap -= MIN(cap, (size_t)f->seg[i].len);
	f->nelem = (uint16_t)k;
	f->nseg = (uint16_t)segs;
}

/**
 * vu_rx_hdr_fill() - Virtio-net header of a frame to the guest
 * @v:		vhost-user link
 * @h:		Header to fill
 * @o:		Offloads of the frame, NULL if none
 */
static void vu_rx_hdr_fill(const struct vu_link *v,
			   struct virtio_net_hdr_mrg_rxbuf *h,
			   const struct frame_offload *o)
{
	memset(h, 0, sizeof(*h));
	if (o) {
		h->hdr.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h->hdr.csum_start = htole16(o->l4_off);
		h->hdr.csum_offset = htole16(o->csum_off);
		h->hdr.gso_type = o->gso;
		h->hdr.gso_size = htole16(o->gso_size);
		h->hdr.hdr_len = htole16(o->hdr_len);
	} else if (vu_dev_has(&v->dev, VU_F_GUEST_CSUM)) {
		h->hdr.flags = VIRTIO_NET_HDR_F_DATA_VALID;
	}
}

/**
 * vu_rx_push() - Give the elements holding a written frame to the guest
 * @v:		vhost-user link
 * @f:		Frame
 * @k:		Its elements holding it, the first ones
 * @len:	Bytes written from its start, virtio-net header included
 */
static void vu_rx_push(struct vu_link *v, const struct vu_sg_frame *f,
		       unsigned int k, size_t len)
{
	struct vu_vq *q = &v->dev.vq[VU_RX];
	unsigned int i;

	vu_segs_log(&v->dev.mem, f->seg, f->nseg, len);
	for (i = 0; i < k; i++) {
		uint32_t n = (uint32_t)MIN(len, (size_t)f->cap[i]);

		vu_vq_push(q, &v->dev.mem, f->head[i], n);
		len -= n;
	}
	if (k)
		vu_rx_gave(v, (uint16_t)(f->avail[k - 1] + 1));
	v->sent++;
}

/**
 * vu_rx_copy() - Copy one staged frame into receive elements
 * @v:		vhost-user link, frames may be written
 * @h:		Its virtio-net header, num_buffers set here
 * @frame:	Frame
 * @len:	Its length
 *
 * Return: 0, -ENOBUFS if the ring ran out, -EMSGSIZE if the frame can't
 *	   fit (one element without MRG_RXBUF)
 */
static int vu_rx_copy(struct vu_link *v, struct virtio_net_hdr_mrg_rxbuf *h,
		      const uint8_t *frame, size_t len)
{
	struct vu_sg_frame *f = &vu_scratch;
	size_t hl = v->dev.hdr_len, need = hl + len;

	f->nelem = f->nseg = 0;
	if (vu_rx_collect(v, f, need) < need) {
		vu_rx_unpop(v, f, 0);
		return v->starved ? -ENOBUFS : -EMSGSIZE;
	}
	h->num_buffers = htole16(f->nelem);
	vu_segs_copy(f->seg, f->nseg, 0, h, hl);
	vu_segs_copy(f->seg, f->nseg, hl, frame, len);
	vu_rx_push(v, f, f->nelem, need);
	return 0;
}

/**
 * vu_rx_drain() - Copy the staged frames into the guest's buffers
 * @v:		vhost-user link
 *
 * A frame too large for one element without MRG_RXBUF is dropped alone;
 * once the ring is empty, or the queues stopped, every later frame is.
 *
 * Return: 0, or -errno of the first frame dropped
 */
static int vu_rx_drain(struct vu_link *v)
{
	static struct ratelimit rl;
	int ret = 0, stop = 0, r;
	unsigned int i;

	for (i = 0; i < v->pool_used; i++) {
		size_t len = v->pool_len[i];

		if (!len)
			continue;
		if (!stop && !vu_rx_ok(v))
			stop = -ENOTCONN;
		r = stop ? stop : vu_rx_copy(v, &vu_pool_hdr[i], vu_pool[i],
					     len);
		if (r) {
			v->lost++;
			ret = ret ? ret : r;
			if (r == -ENOBUFS)	/* no buffers for later ones */
				stop = r;
			continue;
		}
		pcap_frame(vu_pool[i], len);
	}
	v->pool_used = 0;
	if (ret && ret != -ENOTCONN)
		log_rl(&rl, LOG_LVL_DEBUG,
		       "vhost-user: frames to the guest dropped: %s",
		       strerror(-ret));
	return ret;
}

/**
 * vu_flush() - Write staged frames, publish used elements, notify the guest
 * @v:		vhost-user link
 *
 * Return: 0, or -errno if frames were dropped
 */
int vu_flush(struct vu_link *v)
{
	struct vu_vq *q = &v->dev.vq[VU_RX];
	int ret = vu_rx_drain(v);

	if (q->pushed && vu_vq_ready(q)) {
		vu_vq_flush(q, &v->dev.mem);
		vu_vq_notify(q);
	}
	return ret;
}

/**
 * vu_sink_reserve() - struct frame_sink reserve: staging slots
 * @s:		Sink
 * @n:		Buffers wanted
 * @bufs:	Filled with the buffers
 * @cap:	Set to the size of each
 *
 * Return: number of buffers reserved
 */
static unsigned int vu_sink_reserve(struct frame_sink *s, unsigned int n,
				    uint8_t **bufs, size_t *cap)
{
	struct vu_link *v = s->priv;
	unsigned int i;

	if (v->pool_used == VU_POOL)
		vu_rx_drain(v);
	n = MIN(n, VU_POOL - v->pool_used);
	for (i = 0; i < n; i++) {
		v->pool_len[v->pool_used] = 0;
		bufs[i] = vu_pool[v->pool_used++];
	}
	*cap = VU_FRAME_MAX;
	return n;
}

/**
 * vu_sink_commit() - struct frame_sink commit: a staged frame is ready
 * @s:		Sink
 * @buf:	Buffer from vu_sink_reserve()
 * @len:	Frame length, 0 to give the buffer back
 * @o:		Offloads for the virtio-net header, NULL for none
 */
static void vu_sink_commit(struct frame_sink *s, uint8_t *buf, size_t len,
			   const struct frame_offload *o)
{
	size_t slot = (size_t)(buf - vu_pool[0]) / VU_FRAME_MAX;
	struct vu_link *v = s->priv;

	if (slot >= VU_POOL || buf != vu_pool[slot])
		return;
	if (len && len < L2_ETH_MIN_FRAME) {
		memset(buf + len, 0, L2_ETH_MIN_FRAME - len);
		len = L2_ETH_MIN_FRAME;
	}
	vu_rx_hdr_fill(v, &vu_pool_hdr[slot], o);
	v->pool_len[slot] = MIN(len, (size_t)VU_FRAME_MAX);
}

/**
 * vu_sink_flush() - struct frame_sink flush
 * @s:		Sink
 *
 * Return: 0 or -errno
 */
static int vu_sink_flush(struct frame_sink *s)
{
	return vu_flush(s->priv);
}

/**
 * vu_sg_place() - Point a scattered frame at its headers and payload
 * @f:		Frame, its buffers taken
 * @out:	Filled: headers and payload areas
 * @off:	Offset of the headers (the virtio-net header's length)
 * @payload:	Payload bytes at most
 *
 * Return: payload bytes placed
 */
static size_t vu_sg_place(struct vu_sg_frame *f, struct sink_sg *out,
			  size_t off, size_t payload)
{
	size_t skip = off + f->hdr_len, placed = 0;
	unsigned int i;

	f->bounce = true;
	out->hdr = f->hbuf;
	for (i = 0; i < f->nseg; i++) {
		if (off < f->seg[i].len) {
			if (f->seg[i].len - off >= f->hdr_len) {
				f->bounce = false;
				out->hdr = f->seg[i].p + off;
			}
			break;
		}
		off -= f->seg[i].len;
	}
	out->iovcnt = 0;
	for (i = 0; i < f->nseg && placed < payload; i++) {
		size_t n;

		if (skip >= f->seg[i].len) {
			skip -= f->seg[i].len;
			continue;
		}
		if (out->iovcnt == SINK_SG_IOV_MAX)
			break;
		n = MIN(payload - placed, f->seg[i].len - skip);
		out->iov[out->iovcnt].iov_base = f->seg[i].p + skip;
		out->iov[out->iovcnt++].iov_len = n;
		placed += n;
		skip = 0;
	}
	out->cap = placed;
	return placed;
}

/**
 * vu_sink_reserve_sg() - struct frame_sink reserve_sg: a frame in place
 * @s:		Sink
 * @hdr_len:	Bytes of headers, contiguous
 * @payload:	Payload bytes wanted
 * @out:	Filled with the frame
 *
 * Return: payload bytes reserved, 0 if none (nothing to commit then)
 */
static size_t vu_sink_reserve_sg(struct frame_sink *s, size_t hdr_len,
				 size_t payload, struct sink_sg *out)
{
	struct vu_link *v = s->priv;
	size_t hl = v->dev.hdr_len, have, got;
	struct vu_sg_frame *f;

	if (!vu_rx_ok(v) || v->sg_n == VU_SG_FRAMES ||
	    hdr_len > VU_SG_HDR_MAX || !payload)
		return 0;
	if (v->pool_used)	/* frames go out in the order reserved */
		vu_rx_drain(v);
	payload = MIN(payload, (size_t)VU_FRAME_MAX - hdr_len);
	f = &vu_sg[v->sg_n];
	f->nelem = f->nseg = 0;
	f->hdr_len = (uint16_t)hdr_len;
	have = vu_rx_collect(v, f, hl + hdr_len + payload);
	if (have <= hl + hdr_len) {
		vu_rx_unpop(v, f, 0);
		return 0;
	}
	got = vu_sg_place(f, out, hl, MIN(payload, have - hl - hdr_len));
	if (!got) {
		vu_rx_unpop(v, f, 0);
		return 0;
	}
	vu_rx_trim(v, f, hl + hdr_len + got);
	out->tok = v->sg_n++;
	return got;
}

/**
 * vu_sg_back() - Note the first element to give back at the end of the round
 * @v:		vhost-user link
 * @f:		Frame being committed
 * @k:		Its first element not used
 */
static void vu_sg_back(struct vu_link *v, const struct vu_sg_frame *f,
		       unsigned int k)
{
	if (v->sg_back || k >= f->nelem)
		return;
	v->sg_back = true;
	v->sg_back_at = f->avail[k];
}

/**
 * vu_sg_round_end() - Every scattered frame reserved was committed
 * @v:		vhost-user link
 */
static void vu_sg_round_end(struct vu_link *v)
{
	struct vu_vq *q = &v->dev.vq[VU_RX];
	unsigned int i;
	uint16_t to;

	if (v->sg_back) {
		to = vu_rx_back_to(v, v->sg_back_at);
		for (i = 0; i < v->sg_n; i++)
			vu_rx_release(v, &vu_sg[i], vu_sg[i].used, to);
		vu_vq_unpop(q, (uint16_t)(q->last_avail - to));
	}
	v->sg_n = v->sg_done = 0;
	v->sg_back = v->sg_short = false;
	v->rx_floor_set = false;
}

/**
 * vu_sg_pcap() - Capture a scattered frame, gathered for the capture file
 * @f:		Frame, written
 * @off:	Offset of the Ethernet header (the virtio-net header's length)
 * @len:	Frame length
 */
static void vu_sg_pcap(const struct vu_sg_frame *f, size_t off, size_t len)
{
	static uint8_t buf[VU_FRAME_MAX];
	size_t done = 0;
	unsigned int i;

	len = MIN(len, sizeof(buf));
	for (i = 0; i < f->nseg && done < len; i++) {
		size_t n;

		if (off >= f->seg[i].len) {
			off -= f->seg[i].len;
			continue;
		}
		n = MIN(len - done, f->seg[i].len - off);
		memcpy(buf + done, f->seg[i].p + off, n);
		done += n;
		off = 0;
	}
	pcap_frame(buf, done);
}

/**
 * vu_sink_commit_sg() - struct frame_sink commit_sg: a frame in place is done
 * @s:		Sink
 * @out:	Frame from vu_sink_reserve_sg()
 * @len:	Payload bytes, 0 to give it back
 * @o:		Offloads, NULL for none
 */
static void vu_sink_commit_sg(struct frame_sink *s, struct sink_sg *out,
			      size_t len, const struct frame_offload *o)
{
	struct virtio_net_hdr_mrg_rxbuf h;
	static struct ratelimit rl;
	struct vu_link *v = s->priv;
	struct vu_sg_frame *f;
	size_t hl, total;
	unsigned int k;

	if (out->tok >= v->sg_n || v->sg_done >= v->sg_n)
		return;
	f = &vu_sg[out->tok];
	if (len && v->sg_short) {
		log_rl(&rl, LOG_LVL_ERR,
		       "vhost-user: frame committed after a short one, dropped");
		len = 0;
	}
	len = MIN(len, out->cap);
	f->used = 0;
	if (!len) {
		vu_sg_back(v, f, 0);
		v->sg_short = true;
		goto done;
	}
	hl = v->dev.hdr_len;
	total = hl + f->hdr_len + len;
	k = vu_rx_elems_for(f, total);
	vu_sg_back(v, f, k);
	v->sg_short = len < out->cap;
	f->used = (uint16_t)k;

	vu_rx_hdr_fill(v, &h, o);
	h.num_buffers = htole16(k);
	vu_segs_copy(f->seg, f->nseg, 0, &h, hl);
	if (f->bounce)
		vu_segs_copy(f->seg, f->nseg, hl, f->hbuf, f->hdr_len);
	if (pcap_enabled())
		vu_sg_pcap(f, hl, total - hl);
	vu_rx_push(v, f, k, total);
done:
	if (++v->sg_done == v->sg_n)
		vu_sg_round_end(v);
}

/**
 * vu_send() - Queue one frame to the guest, link_reply_fn of the link
 * @link:	vhost-user link
 * @frame:	Ethernet frame
 * @len:	Its length
 *
 * Return: 0 on success, -EMSGSIZE if too long, -ENOBUFS without a buffer
 */
int vu_send(void *link, const void *frame, size_t len)
{
	struct vu_link *v = link;
	uint8_t *buf;
	size_t cap;

	if (!vu_sink_reserve(&v->sink, 1, &buf, &cap))
		return -ENOBUFS;
	if (len > cap) {
		vu_sink_commit(&v->sink, buf, 0, NULL);
		return -EMSGSIZE;
	}
	memcpy(buf, frame, len);
	vu_sink_commit(&v->sink, buf, len, NULL);
	return 0;
}

/**
 * vu_sink_init() - Set up the sink of the link
 * @v:		vhost-user link
 */
void vu_sink_init(struct vu_link *v)
{
	v->sink.reserve = vu_sink_reserve;
	v->sink.commit = vu_sink_commit;
	v->sink.flush = vu_sink_flush;
	v->sink.reserve_sg = vu_sink_reserve_sg;
	v->sink.commit_sg = vu_sink_commit_sg;
	v->sink.offload = false;
	v->sink.udp_gso = false;
	v->sink.priv = v;
	v->pool_used = 0;
	v->sg_n = v->sg_done = 0;
	v->sg_back = v->sg_short = false;
	v->rx_floor_set = false;
}
