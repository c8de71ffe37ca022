/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vu_dev.h - vhost-user: the device side of the protocol
 *
 * Theory of operation: struct vu_dev is what the frontend configured over
 * the control socket: negotiated features, the guest's memory, the dirty log
 * and the two virtqueues of one virtio-net queue pair (VU_RX: frames to the
 * guest, VU_TX: frames from it). vu_dev_handle() applies one checked message
 * (vu_msg.h) and writes its reply, and the REPLY_ACK answer where the
 * frontend asked for one. It calls back into the link (struct vu_dev_ops)
 * when a kick descriptor comes or goes, so the link can poll it, and when
 * the queues start or stop, so it can greet the guest or stop sending.
 * What the frontend sends against the protocol (a ring index beyond the
 * queues, a ring size that isn't a power of two, ring addresses outside the
 * guest's memory, a message out of order) is answered with an error where
 * the protocol has a way to say so, and otherwise ends the connection with
 * one log line: the return value of vu_dev_handle() says which. Two things
 * end passt itself, as they end upstream's by contract (compat.md 4.3): a
 * request we don't handle (-ENOTSUP: "Unhandled request") and features
 * without VERSION_1 (-EPROTONOSUPPORT: "virtio legacy devices aren't
 * supported"); the link, not this file, dies with those messages, so that
 * the fuzz harness can run this code.
 */
#ifndef LINK_VU_DEV_H
#define LINK_VU_DEV_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "link/vu_mem.h"
#include "link/vu_msg.h"
#include "link/vu_ring.h"

enum vu_queue {
	VU_RX = 0,	/* receive queue of the guest: we write frames */
	VU_TX = 1,	/* transmit queue of the guest: we read frames */
	VU_QUEUES = 2,
};

/* Feature bits (virtio 1.2 5.1.3, vhost-user.rst) */
#define VU_F_CSUM		0	/* VIRTIO_NET_F_CSUM */
#define VU_F_GUEST_CSUM		1	/* VIRTIO_NET_F_GUEST_CSUM */
#define VU_F_GUEST_TSO4		7
#define VU_F_GUEST_TSO6		8
#define VU_F_HOST_TSO4		11
#define VU_F_HOST_TSO6		12
#define VU_F_MRG_RXBUF		15
#define VU_F_GUEST_USO4		54
#define VU_F_GUEST_USO6		55
#define VU_F_HOST_USO		56
#define VU_F_LOG_ALL		26	/* VHOST_F_LOG_ALL */
#define VU_F_PROTOCOL_FEATURES	30	/* VHOST_USER_F_PROTOCOL_FEATURES */
#define VU_F_VERSION_1		32

/* Protocol feature bits */
#define VU_PF_LOG_SHMFD		1
#define VU_PF_RARP		2
#define VU_PF_REPLY_ACK		3
#define VU_PF_DEVICE_STATE	19

#define VU_BIT(b)	(1ULL << (b))

/**
 * struct vu_dev_ops - What the link does when the device changes
 * @kick_add:	Poll @fd, the kick descriptor of queue @q: 0 or -errno
 * @kick_del:	Stop polling @fd before it is closed
 * @started:	Both queues run now (first time, or again)
 * @stopped:	A queue stopped (GET_VRING_BASE, new memory table)
 * @transfer:	Write (@load false) or read the state of a migration on
 *		@fd, synchronously: 0 or -errno (NULL: every transfer fails)
 * @arg:	Argument of every callback
 */
struct vu_dev_ops {
	int (*kick_add)(void *arg, enum vu_queue q, int fd);
	void (*kick_del)(void *arg, enum vu_queue q, int fd);
	void (*started)(void *arg);
	void (*stopped)(void *arg);
	int (*transfer)(void *arg, int fd, bool load);
	void *arg;
};

/* Device state transfer (SET_DEVICE_STATE_FD payload, vhost-user.rst) */
#define VU_STATE_SAVE		0	/* direction: we write the state */
#define VU_STATE_LOAD		1	/* direction: we read it */
#define VU_STATE_STOPPED	0	/* phase: the only one there is */
#define VU_STATE_NONE		ENODATA	/* CHECK_DEVICE_STATE before any */

/**
 * struct vu_dev - One vhost-user device, as configured by the frontend
 * @fd:		Control socket
 * @offered:	Features we offer (GET_FEATURES)
 * @features:	Features the frontend acked (SET_FEATURES)
 * @pfeatures:	Protocol features acked
 * @features_set: SET_FEATURES came
 * @hdr_len:	virtio-net header length in the rings: 12 (VERSION_1 or
 *		MRG_RXBUF), 10 otherwise
 * @log_call_fd: SET_LOG_FD descriptor, -1 if none
 * @mem:	Guest memory and dirty log
 * @vq:		Virtqueues
 * @addr:	Last SET_VRING_ADDR of each queue: translated again when the
 *		memory table or the ring size changes
 * @addr_set:	SET_VRING_ADDR came for the queue
 * @told_running: The link was told the queues run (ops.started), and not
 *		since that they stopped
 * @state_fd:	Descriptor of a state transfer to run (SET_DEVICE_STATE_FD),
 *		-1 if none is pending
 * @state_load:	... which is a load (target), else a save (source)
 * @state_result: What CHECK_DEVICE_STATE replies: 0 if the last transfer
 *		succeeded, its positive errno if not, VU_STATE_NONE before
 * @state_saved: The frontend was told a save succeeded (CHECK_DEVICE_STATE
 *		replied 0 to it): the link ends or stops being one-off;
 *		cleared by the link
 * @ops:	Link callbacks
 */
struct vu_dev {
	int fd;
	uint64_t offered;
	uint64_t features;
	uint64_t pfeatures;
	bool features_set;
	unsigned int hdr_len;
	int log_call_fd;
	struct vu_mem mem;
	struct vu_vq vq[VU_QUEUES];
	struct vu_vring_addr addr[VU_QUEUES];
	bool addr_set[VU_QUEUES];
	bool told_running;
	int state_fd;
	bool state_load;
	int state_result;
	bool state_saved;
	struct vu_dev_ops ops;
};

void vu_dev_init(struct vu_dev *d, int fd, uint64_t offered,
		 const struct vu_dev_ops *ops);
int vu_dev_handle(struct vu_dev *d, struct vu_msg *m);
void vu_dev_reset(struct vu_dev *d);
bool vu_dev_running(const struct vu_dev *d);
void vu_dev_state_run(struct vu_dev *d);

/**
 * vu_dev_has() - Was a feature negotiated?
 * @d:		Device
 * @bit:	Feature bit (VU_F_*)
 *
 * Return: true if offered and acked
 */
static inline bool vu_dev_has(const struct vu_dev *d, unsigned int bit)
{
	return d->features & VU_BIT(bit);
}

#endif /* LINK_VU_DEV_H */
