// SPDX-License-Identifier: GPL-2.0-or-later
/* tap.c - pasta's link to its namespace: a tap device
 *
 * Theory of operation: the tap device is created from inside the target
 * network namespace (the caller runs tap_create() through ns_call()), so the
 * interface appears there while its file descriptor stays with us. Every
 * frame the namespace's kernel transmits on it is read here, in batches of
 * up to TAP_BATCH per wake-up (one when the loop polled in vain before, see
 * tap_handler()): the source MAC of the guest is learnt, the L2
 * responders (ARP, DHCP, NDP, DHCPv6) get the first look, and their replies
 * are written back at once; everything else goes to the transports through
 * the caller's l3 function. Transports write through struct frame_sink: a
 * static pool of TAP_POOL frames, written out in order by tap_flush() once
 * per loop iteration, or when the pool is full. Each frame carries a
 * virtio-net header: checksums left to the namespace's kernel, TCP segments
 * up to 64 KiB, and, where the kernel has it (Linux 6.2), several UDP
 * datagrams of one flow in one frame (transport/udp_gso.c).
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "base/log.h"
#include "link/pcap.h"
#include "tap.h"

/* Every frame on the tap descriptor starts with a struct virtio_net_hdr
 * (IFF_VNET_HDR): the pool keeps room for it in front of each frame
 */
#define TAP_SLOT (TAP_VNET_HDR_LEN + TAP_FRAME_MAX)

/* TUN_F_USO4 | TUN_F_USO6, for headers older than Linux 6.2 */
#define TAP_F_USO (0x20 | 0x40)
static uint8_t tap_pool[TAP_POOL][TAP_SLOT];

/**
 * tap_flush() - Write every queued frame to the namespace
 * @t:		Tap
 *
 * Return: 0, or -errno of the last failed write (frames are dropped then:
 *	   the transports retransmit)
 */
int tap_flush(struct tap *t)
{
	unsigned int i;
	int ret = 0;

	if (t->fd < 0) {	/* tap_none(): nowhere to go */
		t->pool_used = 0;
		return 0;
	}
	for (i = 0; i < t->pool_used; i++) {
		size_t len = t->pool_len[i];

		if (!len)
			continue;
		pcap_frame(tap_pool[i] + TAP_VNET_HDR_LEN, len);
		if (write(t->fd, tap_pool[i], TAP_VNET_HDR_LEN + len) < 0) {
			ret = -errno;
			t->lost++;
		} else {
			t->sent++;
		}
	}
	t->pool_used = 0;
	return ret;
}

/**
 * tap_sink_reserve() - struct frame_sink reserve for the tap pool
 * @s:		Sink
 * @n:		Buffers wanted
 * @bufs:	Filled with the buffers
 * @cap:	Set to the size of each
 *
 * Return: number of buffers reserved
 */
static unsigned int tap_sink_reserve(struct frame_sink *s, unsigned int n,
				     uint8_t **bufs, size_t *cap)
{
	struct tap *t = s->priv;
	unsigned int i;

	if (t->pool_used == TAP_POOL)
		tap_flush(t);
	n = MIN(n, TAP_POOL - t->pool_used);
	for (i = 0; i < n; i++) {
		t->pool_len[t->pool_used] = 0;
		bufs[i] = tap_pool[t->pool_used++] + TAP_VNET_HDR_LEN;
	}
	*cap = TAP_FRAME_MAX;
	return n;
}

/**
 * tap_sink_commit() - struct frame_sink commit for the tap pool
 * @s:		Sink
 * @buf:	Buffer returned by tap_sink_reserve()
 * @len:	Frame length, 0 to give the buffer back
 * @o:		Offloads for the virtio-net header, NULL for none
 */
static void tap_sink_commit(struct frame_sink *s, uint8_t *buf, size_t len,
			    const struct frame_offload *o)
{
	struct tap *t = s->priv;
	size_t slot = (size_t)(buf - tap_pool[0]) / TAP_SLOT;
	struct virtio_net_hdr *vh;

	if (slot >= TAP_POOL)
		return;
	vh = (struct virtio_net_hdr *)tap_pool[slot];
	memset(vh, 0, TAP_VNET_HDR_LEN);
	if (o) {
		vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		vh->csum_start = o->l4_off;
		vh->csum_offset = o->csum_off;
		vh->gso_type = o->gso;
		vh->gso_size = o->gso_size;
		vh->hdr_len = o->hdr_len;
	}
	if (len && len < L2_ETH_MIN_FRAME) {
		memset(buf + len, 0, L2_ETH_MIN_FRAME - len);
		len = L2_ETH_MIN_FRAME;
	}
	t->pool_len[slot] = MIN(len, (size_t)TAP_FRAME_MAX);
}

/**
 * tap_sink_flush() - struct frame_sink flush for the tap pool
 * @s:		Sink
 *
 * Return: 0 or -errno
 */
static int tap_sink_flush(struct frame_sink *s)
{
	return tap_flush(s->priv);
}

/**
 * tap_none() - A tap without a device (pasta --splice-only): the transports
 *		keep a sink, whatever they queue is dropped at flush time
 * @t:		Tap to fill
 */
void tap_none(struct tap *t)
{
	t->fd = -1;
	t->sink.reserve = tap_sink_reserve;
	t->sink.commit = tap_sink_commit;
	t->sink.flush = tap_sink_flush;
	t->sink.offload = true;
	t->sink.priv = t;
	t->pool_used = 0;
}

/**
 * tap_create() - Create a tap device in the current network namespace
 * @t:		Tap to fill
 * @name:	Interface name (at most IFNAMSIZ - 1 characters)
 *
 * Return: 0 on success, -errno on failure
 */
int tap_create(struct tap *t, const char *name)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
	int hdr_len = TAP_VNET_HDR_LEN;
	int fd, ret;

	if (strlen(name) >= IFNAMSIZ)
		return -ENAMETOOLONG;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* The namespace's kernel may hand us partial checksums and TCP
	 * segments larger than the MTU (TSO): one read, one write to the
	 * socket for up to 64 KiB even at MTU 1500
	 */
	if (ioctl(fd, TUNSETIFF, &ifr) ||
	    ioctl(fd, TUNSETVNETHDRSZ, &hdr_len) ||
	    ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	/* Frames we write may carry UDP segments (udp_gso.c) where the kernel
	 * knows them: the same Linux 6.2 change added them to both directions
	 * of tun, so asking for them in its reads tells. They are not left on:
	 * nothing here splits the namespace's own UDP super-frames.
	 */
	t->sink.udp_gso = !ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 |
				 TUN_F_TSO6 | TAP_F_USO);
	if (t->sink.udp_gso &&
	    ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6)) {
		ret = -errno;
		close(fd);
		return ret;
	}
	tap_none(t);
	t->fd = fd;
	memcpy(t->ifname, ifr.ifr_name, IFNAMSIZ);
	t->ifname[IFNAMSIZ - 1] = '\0';
	t->ifindex = if_nametoindex(t->ifname);
	return 0;
}

/**
 * tap_send() - Send one frame to the namespace, padded to 60 bytes
 * @t:		Tap
 * @frame:	Ethernet frame
 * @len:	Its length
 *
 * Return: 0 on success, -errno on failure
 */
int tap_send(struct tap *t, const void *frame, size_t len)
{
	uint8_t pad[L2_ETH_MIN_FRAME] = { 0 }, hdr[TAP_VNET_HDR_LEN] = { 0 };
	struct iovec iov[2] = { { hdr, sizeof(hdr) }, { (void *)frame, len } };

	if (len < sizeof(pad)) {
		memcpy(pad, frame, len);
		iov[1].iov_base = pad;
		iov[1].iov_len = sizeof(pad);
	}
	pcap_frame(iov[1].iov_base, iov[1].iov_len);
	if (writev(t->fd, iov, 2) < 0) {
		t->lost++;
		return -errno;
	}
	t->sent++;
	return 0;
}

/**
 * tap_reply() - Send a reply of the L2 responders, link_reply_fn for the tap
 * @link:	Tap
 * @frame:	Ethernet frame
 * @len:	Its length
 *
 * Return: 0 on success, -errno on failure
 */
static int tap_reply(void *link, const void *frame, size_t len)
{
	return tap_send(link, frame, len);
}

/**
 * tap_handler() - Read and handle a batch of frames from the namespace
 * @t:		Tap
 * @l2:		L2 configuration
 * @st:		What was learnt of the guest (its MAC, its addresses)
 * @l3:		Handler of frames the L2 responders don't take, or NULL
 * @arg:	Its argument
 * @max:	Frames to read at most (1 to TAP_BATCH): reading stops there
 *		without the read() that would find the queue empty, and the
 *		(level-triggered) descriptor is reported again if more wait
 *
 * Return: 0 if the device is still usable, -errno if it went away
 */
int tap_handler(struct tap *t, const struct l2_conf *l2, struct l2_state *st,
		tap_l3_fn l3, void *arg, unsigned int max)
{
	static uint8_t bufs[TAP_BATCH][TAP_SLOT];
	static size_t lens[TAP_BATCH];
	struct link_input in = { l2, st, l3, arg, tap_reply, t };
	int i, n, ret = 0;

	/* Read the whole batch first: transports may keep pointers into
	 * frames until the end of the batch (UDP sends them in one call)
	 */
	max = MIN(MAX(max, 1U), (unsigned int)TAP_BATCH);
	for (n = 0; n < (int)max; n++) {
		ssize_t r = read(t->fd, bufs[n], sizeof(bufs[n]));

		if (r < 0) {
			if (errno != EAGAIN && errno != EINTR)
				ret = -errno;
			break;
		}
		if (r == 0) {
			ret = -ENODEV;
			break;
		}
		lens[n] = (size_t)r;
	}

	for (i = 0; i < n; i++) {
		const struct virtio_net_hdr *vh = (void *)bufs[i];

		if (lens[i] <= TAP_VNET_HDR_LEN)
			continue;
		link_frame_in(&in, &t->n,
			      pview_make(bufs[i] + TAP_VNET_HDR_LEN,
					 lens[i] - TAP_VNET_HDR_LEN),
			      vh->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM ?
			      LINK_F_CSUM_PARTIAL : 0);
	}
	return ret;
}
