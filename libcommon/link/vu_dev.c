// SPDX-License-Identifier: GPL-2.0-or-later
/* vu_dev.c - vhost-user: the device side of the protocol
 *
 * Theory of operation: one handler per request (compat.md 4.3), picked from
 * a table that also says whether the request has a reply of its own. A
 * message reaches its handler only once vu_msg_check() has found its size
 * and descriptors right; a handler that keeps a descriptor sets its slot in
 * the message to -1, and vu_dev_handle() closes all the others, on success
 * and on failure alike, so no path leaks one.
 *
 * A queue runs ("started") from its SET_VRING_KICK, if its rings are mapped
 * by then, until GET_VRING_BASE or the end of the connection. Ring
 * addresses are the frontend's virtual addresses: they are kept as the
 * frontend sent them and translated into our pointers whenever the memory
 * table or the ring size changes, so a ring never points into memory we no
 * longer map. SET_VRING_ADDR before SET_MEM_TABLE is allowed (translated
 * later); a ring that doesn't fit in the memory we have is an error.
 *
 * The link learns about the queues through two callbacks, called so that
 * they alternate: started() when both queues run (vu_dev_running() turned
 * true, checked after every message), stopped() when that ends, and before
 * a running queue stops or the memory under it changes, so that the link
 * drops what it holds in guest memory first; started() follows again if
 * the queues still run after the change.
 *
 * REPLY_ACK (vhost-user.rst, "REPLY_ACK"): once negotiated, a request
 * without a reply of its own that carries VU_MSG_F_NEED_REPLY is answered
 * with a u64, zero on success.
 *
 * Migration (compat.md 4.4): SET_DEVICE_STATE_FD gives us one end of a
 * pipe, to write our state into (save, on the source) or read the source's
 * from (load, on the target). We answer at once, with the "no descriptor
 * of ours" bit, and keep the descriptor: the link runs the transfer
 * (ops.transfer) at the end of the loop iteration, vu_dev_state_run(), and
 * the descriptor is closed after it, which is the end of the stream for
 * qemu. CHECK_DEVICE_STATE then replies with the outcome: 0, or a positive
 * errno. A direction or phase we don't know is refused in the reply (an
 * error in its low byte) and leaves an error for CHECK_DEVICE_STATE;
 * upstream's passt dies there instead, we keep serving the guest.
 */

#include <endian.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "link/vu_dev.h"

/* Protocol features we offer */
#define VU_PF_OFFERED                                                          \
	(VU_BIT(VU_PF_LOG_SHMFD) | VU_BIT(VU_PF_RARP) |                        \
	 VU_BIT(VU_PF_REPLY_ACK) | VU_BIT(VU_PF_DEVICE_STATE))

#define VU_VRING_F_LOG 0 /* SET_VRING_ADDR flags: log used ring writes */

/* Sizes of the split virtqueue areas for a ring of @n (virtio 1.2, 2.7) */
#define VU_DESC_SIZE(n)	 (16ULL * (n))
#define VU_AVAIL_SIZE(n) (6ULL + 2ULL * (n))
#define VU_USED_SIZE(n)	 (6ULL + 8ULL * (n))

/**
 * vu_dev_init() - Set up a device with nothing configured
 * @d:		Device
 * @fd:		Control socket (the link's: never closed here)
 * @offered:	Features offered with GET_FEATURES
 * @ops:	Link callbacks, copied (NULL, or any of them NULL: none)
 */
void vu_dev_init(struct vu_dev *d, int fd, uint64_t offered,
		 const struct vu_dev_ops *ops)
{
	unsigned int q;

	memset(d, 0, sizeof(*d));
	d->fd = fd;
	d->offered = offered;
	d->hdr_len = 10;
	d->log_call_fd = -1;
	d->state_fd = -1;
	d->state_result = VU_STATE_NONE;
	vu_mem_init(&d->mem);
	for (q = 0; q < VU_QUEUES; q++)
		vu_vq_init(&d->vq[q]);
	if (ops)
		d->ops = *ops;
}

/**
 * vu_dev_running() - Do both queues run?
 * @d:		Device
 *
 * Return: true if both are started, enabled and not broken
 */
bool vu_dev_running(const struct vu_dev *d)
{
	unsigned int q;

	for (q = 0; q < VU_QUEUES; q++) {
		const struct vu_vq *vq = &d->vq[q];

		if (!vq->started || !vq->enabled || vq->broken)
			return false;
	}
	return true;
}

/**
 * vu_dev_update() - Tell the link when the device starts or stops running
 * @d:		Device
 */
static void vu_dev_update(struct vu_dev *d)
{
	bool now = vu_dev_running(d);

	if (now == d->told_running)
		return;
	d->told_running = now;
	if (now && d->ops.started)
		d->ops.started(d->ops.arg);
	else if (!now && d->ops.stopped)
		d->ops.stopped(d->ops.arg);
}

/**
 * vu_dev_quiesce() - Make the link let go of guest memory, if it uses it
 * @d:		Device
 *
 * Called before a queue stops or the memory changes under it; the next
 * vu_dev_update() tells the link if the queues run again.
 */
static void vu_dev_quiesce(struct vu_dev *d)
{
	if (!d->told_running)
		return;
	d->told_running = false;
	if (d->ops.stopped)
		d->ops.stopped(d->ops.arg);
}

/**
 * vu_dev_close() - Close a descriptor we hold, if any
 * @fd:		Descriptor, set to -1
 */
static void vu_dev_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/**
 * vu_dev_kick_close() - Stop polling a queue's kick descriptor and close it
 * @d:		Device
 * @q:		Queue
 */
static void vu_dev_kick_close(struct vu_dev *d, enum vu_queue q)
{
	int fd = d->vq[q].kick_fd;

	if (fd < 0)
		return;
	if (d->ops.kick_del)
		d->ops.kick_del(d->ops.arg, q, fd);
	vu_dev_close(&d->vq[q].kick_fd);
}

/**
 * vu_dev_vq_unmap() - Forget a queue's ring pointers
 * @vq:		Queue
 */
static void vu_dev_vq_unmap(struct vu_vq *vq)
{
	vq->desc = vq->avail = vq->used = NULL;
}

/**
 * vu_dev_vq_map() - Translate a queue's ring addresses, if it has them
 * @d:		Device
 * @q:		Queue
 *
 * Return: 0 if translated, or if the size, the addresses or the memory
 *	   table are still missing; -EFAULT if a ring isn't inside one region
 *	   of guest memory, -EINVAL if it isn't aligned as virtio requires
 */
static int vu_dev_vq_map(struct vu_dev *d, enum vu_queue q)
{
	const struct vu_vring_addr *a = &d->addr[q];
	struct vu_vq *vq = &d->vq[q];
	void *desc, *avail, *used;

	vu_dev_vq_unmap(vq);
	if (!d->addr_set[q] || !vq->num || !d->mem.n)
		return 0;

	desc = vu_mem_uva(&d->mem, a->desc, VU_DESC_SIZE(vq->num));
	avail = vu_mem_uva(&d->mem, a->avail, VU_AVAIL_SIZE(vq->num));
	used = vu_mem_uva(&d->mem, a->used, VU_USED_SIZE(vq->num));
	if (!desc || !avail || !used) {
		log_debug("vhost-user: rings of queue %u outside guest memory",
			  q);
		return -EFAULT;
	}
	if ((uintptr_t)desc % 16 || (uintptr_t)avail % 2 ||
	    (uintptr_t)used % 4) {
		log_debug("vhost-user: rings of queue %u misaligned", q);
		return -EINVAL;
	}

	vq->desc = desc;
	vq->avail = avail;
	vq->used = used;
	vq->used_gpa = a->log;
	vq->log_used = a->flags & VU_BIT(VU_VRING_F_LOG);
	return 0;
}

/**
 * vu_dev_vq_stop() - Stop a queue: no more kicks, no more calls
 * @d:		Device
 * @q:		Queue
 *
 * The caller tells the link first if it may be using it (vu_dev_quiesce()).
 */
static void vu_dev_vq_stop(struct vu_dev *d, enum vu_queue q)
{
	vu_dev_kick_close(d, q);
	vu_dev_close(&d->vq[q].call_fd);
	d->vq[q].started = false;
}

/**
 * vu_dev_queue() - Check the queue index of a request
 * @m:		Message
 * @index:	Index it gives
 * @q:		Set to the queue
 *
 * Return: 0 if there is such a queue, -ERANGE otherwise
 */
static int vu_dev_queue(const struct vu_msg *m, uint32_t index,
			enum vu_queue *q)
{
	if (index >= VU_QUEUES) {
		log_debug("vhost-user: %s for queue %u, we have %u",
			  vu_req_str(m->req), index, VU_QUEUES);
		return -ERANGE;
	}
	*q = (enum vu_queue)index;
	return 0;
}

/**
 * vu_dev_idle_queue() - Check the queue of a vring state, which can't run
 * @d:		Device
 * @m:		Message with a struct vu_vring_state
 * @q:		Set to the queue
 *
 * Return: 0 if there is such a queue and it's stopped, -ERANGE if there
 *	   is none, -EBUSY if it runs
 */
static int vu_dev_idle_queue(const struct vu_dev *d, const struct vu_msg *m,
			     enum vu_queue *q)
{
	int ret = vu_dev_queue(m, m->u.state.index, q);

	if (ret)
		return ret;
	return d->vq[*q].started ? -EBUSY : 0;
}

/**
 * vu_dev_reply_u64() - Reply with one number
 * @d:		Device
 * @m:		Message replied to
 * @v:		Number
 *
 * Return: 0 on success, -errno on failure
 */
static int vu_dev_reply_u64(const struct vu_dev *d, const struct vu_msg *m,
			    uint64_t v)
{
	return vu_msg_reply(d->fd, m, &v, sizeof(v));
}

/**
 * vu_get_features() - GET_FEATURES: what we offer
 * @d:		Device
 * @m:		Message
 *
 * Return: 0 on success, -errno if the reply couldn't be sent
 */
static int vu_get_features(struct vu_dev *d, struct vu_msg *m)
{
	return vu_dev_reply_u64(d, m, d->offered);
}

/**
 * vu_set_features() - SET_FEATURES: what the frontend takes of it
 * @d:		Device
 * @m:		Message
 *
 * Return: 0 on success, -EPROTONOSUPPORT without VERSION_1 (passt dies, as
 *	   upstream), -EINVAL for features we didn't offer
 */
static int vu_set_features(struct vu_dev *d, struct vu_msg *m)
{
	uint64_t f = m->u.u64;
	unsigned int q;

	if (!(f & VU_BIT(VU_F_VERSION_1)))
		return -EPROTONOSUPPORT;
	if (f & ~d->offered) {
		log_debug("vhost-user: features %#llx acked, not offered",
			  (unsigned long long)(f & ~d->offered));
		return -EINVAL;
	}

	d->features = f;
	d->features_set = true;
	d->hdr_len = (f & (VU_BIT(VU_F_VERSION_1) | VU_BIT(VU_F_MRG_RXBUF)))
			     ? 12
			     : 10;

	/* vhost-user.rst, "Ring states": without protocol features, rings
	 * are enabled from the start
	 */
	if (!(f & VU_BIT(VU_F_PROTOCOL_FEATURES))) {
		for (q = 0; q < VU_QUEUES; q++)
			d->vq[q].enabled = true;
	}
	return 0;
}

/**
 * vu_nop() - SET_OWNER: nothing to do, there's one frontend per connection
 * @d:		Device
 * @m:		Message
 *
 * Return: 0
 */
static int vu_nop(struct vu_dev *d, struct vu_msg *m)
{
	(void)d;
	(void)m;
	return 0;
}

/**
 * vu_set_mem_table() - SET_MEM_TABLE: map the guest's memory anew
 * @d:		Device
 * @m:		Message, checked: 1 to VU_MEM_REGIONS_MAX regions, one
 *		descriptor each (closed by the caller: the mappings stay)
 *
 * Return: 0 on success, -errno if a region can't be mapped (the old table
 *	   stays) or a ring is no longer inside guest memory
 */
static int vu_set_mem_table(struct vu_dev *d, struct vu_msg *m)
{
	unsigned int q;
	int ret;

	/* The link drops its pointers into the old memory first */
	vu_dev_quiesce(d);

	ret = vu_mem_set(&d->mem, m->u.mem.r, m->fds, m->u.mem.nregions);

	for (q = 0; q < VU_QUEUES; q++) {
		int r = vu_dev_vq_map(d, q);

		if (r) {
			vu_dev_vq_stop(d, q);
			ret = ret ? ret : r;
		}
	}
	return ret;
}

/**
 * vu_set_log_base() - SET_LOG_BASE: map the dirty log, reply when done
 * @d:		Device
 * @m:		Message, checked: size and offset, one descriptor
 *
 * Return: 0 on success, -errno on failure
 */
static int vu_set_log_base(struct vu_dev *d, struct vu_msg *m)
{
	int ret;

	ret = vu_mem_log_set(&d->mem, m->fds[0], m->u.log.size,
			     m->u.log.offset);
	if (ret)
		return ret;
	return vu_dev_reply_u64(d, m, 0);
}

/**
 * vu_set_log_fd() - SET_LOG_FD: keep the descriptor to signal log updates
 * @d:		Device
 * @m:		Message, checked: one descriptor, taken
 *
 * Return: 0
 */
static int vu_set_log_fd(struct vu_dev *d, struct vu_msg *m)
{
	vu_dev_close(&d->log_call_fd);
	d->log_call_fd = m->fds[0];
	m->fds[0] = -1;
	return 0;
}

/**
 * vu_set_vring_num() - SET_VRING_NUM: ring size
 * @d:		Device
 * @m:		Message
 *
 * Return: 0 on success, -EBUSY if the queue runs, -EINVAL for a size that
 *	   isn't a power of two up to VU_RING_MAX, -errno if the rings no
 *	   longer fit
 */
static int vu_set_vring_num(struct vu_dev *d, struct vu_msg *m)
{
	uint32_t num = m->u.state.num;
	enum vu_queue q;
	int ret;

	if ((ret = vu_dev_idle_queue(d, m, &q)))
		return ret;
	if (!num || num > VU_RING_MAX || (num & (num - 1))) {
		log_debug("vhost-user: ring size %u for queue %u", num, q);
		return -EINVAL;
	}
	d->vq[q].num = (uint16_t)num;
	return vu_dev_vq_map(d, q);
}

/**
 * vu_set_vring_addr() - SET_VRING_ADDR: where the rings are
 * @d:		Device
 * @m:		Message
 *
 * Also comes while the queue runs, when the frontend turns logging of the
 * used ring on or off.
 *
 * Return: 0 on success, -errno if the rings aren't inside guest memory
 */
static int vu_set_vring_addr(struct vu_dev *d, struct vu_msg *m)
{
	enum vu_queue q;
	int ret;

	if ((ret = vu_dev_queue(m, m->u.addr.index, &q)))
		return ret;

	d->addr[q] = m->u.addr;
	d->addr_set[q] = true;
	if ((ret = vu_dev_vq_map(d, q)) && d->vq[q].started) {
		vu_dev_quiesce(d);
		vu_dev_vq_stop(d, q);
	}
	return ret;
}

/**
 * vu_set_vring_base() - SET_VRING_BASE: where the guest's ring starts
 * @d:		Device
 * @m:		Message
 *
 * Return: 0 on success, -EBUSY if the queue runs, -EINVAL for an index a
 *	   split ring can't have
 */
static int vu_set_vring_base(struct vu_dev *d, struct vu_msg *m)
{
	enum vu_queue q;
	int ret;

	if ((ret = vu_dev_idle_queue(d, m, &q)))
		return ret;
	if (m->u.state.num > UINT16_MAX)
		return -EINVAL;
	d->vq[q].last_avail = (uint16_t)m->u.state.num;
	return 0;
}

/**
 * vu_get_vring_base() - GET_VRING_BASE: stop a queue, say where it was
 * @d:		Device
 * @m:		Message
 *
 * The link hears first (ops.stopped), so that it can give back what it
 * holds before we tell the frontend where the ring stopped.
 *
 * Return: 0 on success, -errno on failure
 */
static int vu_get_vring_base(struct vu_dev *d, struct vu_msg *m)
{
	struct vu_vring_state st;
	enum vu_queue q;
	int ret;

	if ((ret = vu_dev_queue(m, m->u.state.index, &q)))
		return ret;

	vu_dev_quiesce(d);
	vu_dev_vq_stop(d, q);

	st.index = q;
	st.num = d->vq[q].last_avail;
	return vu_msg_reply(d->fd, m, &st, sizeof(st));
}

/**
 * vu_dev_vq_start() - Start a queue whose rings are mapped
 * @d:		Device
 * @q:		Queue
 */
static void vu_dev_vq_start(struct vu_dev *d, enum vu_queue q)
{
	struct vu_vq *vq = &d->vq[q];
	uint16_t idx;

	if (vq->started)
		return;
	if (!vq->desc) {
		log_debug("vhost-user: kick for queue %u, rings not mapped", q);
		return;
	}

	/* struct vring_used: flags, then the index, little-endian */
	idx = __atomic_load_n((uint16_t *)vq->used + 1, __ATOMIC_ACQUIRE);
	vq->used_idx = le16toh(idx);
	vq->pushed = 0;
	vq->broken = false;
	vq->started = true;
}

/**
 * vu_set_vring_kick() - SET_VRING_KICK: the guest's kick, starts the queue
 * @d:		Device
 * @m:		Message, checked: one descriptor unless VU_VRING_NOFD
 *
 * Return: 0 on success, -errno on failure
 */
static int vu_set_vring_kick(struct vu_dev *d, struct vu_msg *m)
{
	enum vu_queue q;
	int ret;

	if ((ret = vu_dev_queue(m, m->u.u64 & VU_VRING_IDX_MASK, &q)))
		return ret;

	vu_dev_kick_close(d, q);
	if (!(m->u.u64 & VU_VRING_NOFD)) {
		if (d->ops.kick_add &&
		    (ret = d->ops.kick_add(d->ops.arg, q, m->fds[0])))
			return ret;
		d->vq[q].kick_fd = m->fds[0];
		m->fds[0] = -1;
	}
	vu_dev_vq_start(d, q);
	return 0;
}

/**
 * vu_set_vring_fd() - SET_VRING_CALL, SET_VRING_ERR: keep the descriptor
 * @d:		Device
 * @m:		Message, checked: one descriptor unless VU_VRING_NOFD
 *
 * Return: 0 on success, -ERANGE for a queue we don't have
 */
static int vu_set_vring_fd(struct vu_dev *d, struct vu_msg *m)
{
	enum vu_queue q;
	int ret, *fd;

	if ((ret = vu_dev_queue(m, m->u.u64 & VU_VRING_IDX_MASK, &q)))
		return ret;

	fd = m->req == VU_SET_VRING_CALL ? &d->vq[q].call_fd : &d->vq[q].err_fd;
	vu_dev_close(fd);
	if (!(m->u.u64 & VU_VRING_NOFD)) {
		*fd = m->fds[0];
		m->fds[0] = -1;
	}
	return 0;
}

/**
 * vu_get_protocol_features() - GET_PROTOCOL_FEATURES: what we offer
 * @d:		Device
 * @m:		Message
 *
 * Return: 0 on success, -errno if the reply couldn't be sent
 */
static int vu_get_protocol_features(struct vu_dev *d, struct vu_msg *m)
{
	return vu_dev_reply_u64(d, m, VU_PF_OFFERED);
}

/**
 * vu_set_protocol_features() - SET_PROTOCOL_FEATURES: what the frontend
 *				takes of it
 * @d:		Device
 * @m:		Message
 *
 * Return: 0 on success, -EINVAL for features we didn't offer
 */
static int vu_set_protocol_features(struct vu_dev *d, struct vu_msg *m)
{
	if (m->u.u64 & ~VU_PF_OFFERED) {
		log_debug("vhost-user: protocol features %#llx not offered",
			  (unsigned long long)(m->u.u64 & ~VU_PF_OFFERED));
		return -EINVAL;
	}
	d->pfeatures = m->u.u64;
	return 0;
}

/**
 * vu_get_queue_num() - GET_QUEUE_NUM: one queue pair
 * @d:		Device
 * @m:		Message
 *
 * Return: 0 on success, -errno if the reply couldn't be sent
 */
static int vu_get_queue_num(struct vu_dev *d, struct vu_msg *m)
{
	return vu_dev_reply_u64(d, m, 1);
}

/**
 * vu_set_vring_enable() - SET_VRING_ENABLE: a queue may move frames, or not
 * @d:		Device
 * @m:		Message
 *
 * Return: 0 on success, -EINVAL for a value other than 0 and 1
 */
static int vu_set_vring_enable(struct vu_dev *d, struct vu_msg *m)
{
	enum vu_queue q;
	int ret;

	if ((ret = vu_dev_queue(m, m->u.state.index, &q)))
		return ret;
	if (m->u.state.num > 1)
		return -EINVAL;
	d->vq[q].enabled = m->u.state.num;
	return 0;
}

/**
 * vu_send_rarp() - SEND_RARP: after a migration; the guest announces itself
 * @d:		Device
 * @m:		Message: a MAC address in the first 6 bytes
 *
 * Return: 0
 */
static int vu_send_rarp(struct vu_dev *d, struct vu_msg *m)
{
	const uint8_t *mac = m->u.raw;

	(void)d;
	log_debug("vhost-user: ignoring SEND_RARP for "
		  "%02x:%02x:%02x:%02x:%02x:%02x",
		  mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return 0;
}

/**
 * vu_dev_state_run() - Run the pending state transfer, if any
 * @d:		Device
 *
 * The link calls this at the end of a loop iteration; the transfer is
 * synchronous, and its descriptor closed after it.
 */
void vu_dev_state_run(struct vu_dev *d)
{
	int ret = -ENOTSUP;

	if (d->state_fd < 0)
		return;
	log_debug("Handling migration request from fd: %d, target: %d",
		  d->state_fd, d->state_load);
	if (d->ops.transfer)
		ret = d->ops.transfer(d->ops.arg, d->state_fd, d->state_load);
	vu_dev_close(&d->state_fd);
	d->state_result = -ret;
}

/**
 * vu_set_device_state_fd() - SET_DEVICE_STATE_FD: a migration's channel
 * @d:		Device
 * @m:		Message, checked: one descriptor, taken if the transfer is
 *		one we do
 *
 * Return: 0, also when the transfer is refused (in the reply); -errno if
 *	   the reply couldn't be sent
 */
static int vu_set_device_state_fd(struct vu_dev *d, struct vu_msg *m)
{
	uint32_t dir = m->u.dstate.direction, phase = m->u.dstate.phase;

	if (d->state_fd >= 0) {
		log_debug("Migration requested again, dropping fd: %d",
			  d->state_fd);
		vu_dev_close(&d->state_fd);
	}
	if ((dir != VU_STATE_SAVE && dir != VU_STATE_LOAD) ||
	    phase != VU_STATE_STOPPED) {
		log_err("Invalid device_state_fd direction %u, phase %u: "
			"refused",
			dir, phase);
		d->state_result = EINVAL;
		return vu_dev_reply_u64(d, m, VU_VRING_NOFD | EINVAL);
	}

	d->state_fd = m->fds[0];
	m->fds[0] = -1;
	d->state_load = dir == VU_STATE_LOAD;
	d->state_result = VU_STATE_NONE;
	d->state_saved = false;
	log_debug("Migration requested, fd: %d, %s", d->state_fd,
		  d->state_load ? "load" : "save");
	/* not an error, and no descriptor of ours: we use qemu's */
	return vu_dev_reply_u64(d, m, VU_VRING_NOFD);
}

/**
 * vu_check_device_state() - CHECK_DEVICE_STATE: how the transfer went
 * @d:		Device
 * @m:		Message
 *
 * A transfer still pending (the link didn't get to it yet) runs first.
 *
 * Return: 0 on success, -errno if the reply couldn't be sent
 */
static int vu_check_device_state(struct vu_dev *d, struct vu_msg *m)
{
	vu_dev_state_run(d);
	if (!d->state_result && !d->state_load)
		d->state_saved = true;
	return vu_dev_reply_u64(d, m, (uint64_t)d->state_result);
}

/**
 * struct vu_dev_handler - How a request is handled
 * @fn:		Handler
 * @reply:	It sends a reply of its own (no REPLY_ACK answer)
 */
struct vu_dev_handler {
	int (*fn)(struct vu_dev *d, struct vu_msg *m);
	bool reply;
};

static const struct vu_dev_handler vu_dev_handlers[VU_REQ_MAX] = {
	[VU_GET_FEATURES] = {vu_get_features, true},
	[VU_SET_FEATURES] = {vu_set_features, false},
	[VU_SET_OWNER] = {vu_nop, false},
	[VU_SET_MEM_TABLE] = {vu_set_mem_table, false},
	[VU_SET_LOG_BASE] = {vu_set_log_base, true},
	[VU_SET_LOG_FD] = {vu_set_log_fd, false},
	[VU_SET_VRING_NUM] = {vu_set_vring_num, false},
	[VU_SET_VRING_ADDR] = {vu_set_vring_addr, false},
	[VU_SET_VRING_BASE] = {vu_set_vring_base, false},
	[VU_GET_VRING_BASE] = {vu_get_vring_base, true},
	[VU_SET_VRING_KICK] = {vu_set_vring_kick, false},
	[VU_SET_VRING_CALL] = {vu_set_vring_fd, false},
	[VU_SET_VRING_ERR] = {vu_set_vring_fd, false},
	[VU_GET_PROTOCOL_FEATURES] = {vu_get_protocol_features, true},
	[VU_SET_PROTOCOL_FEATURES] = {vu_set_protocol_features, false},
	[VU_GET_QUEUE_NUM] = {vu_get_queue_num, true},
	[VU_SET_VRING_ENABLE] = {vu_set_vring_enable, false},
	[VU_SEND_RARP] = {vu_send_rarp, false},
	[VU_SET_DEVICE_STATE_FD] = {vu_set_device_state_fd, true},
	[VU_CHECK_DEVICE_STATE] = {vu_check_device_state, true},
};

/**
 * vu_dev_handle() - Apply one message of the frontend, reply to it
 * @d:		Device
 * @m:		Message, as vu_msg_recv() or vu_msg_parse() gave it; holds no
 *		descriptors on return
 *
 * Return: 0 on success; -ENOTSUP for a request we don't handle and
 *	   -EPROTONOSUPPORT for a frontend without VERSION_1 (both fatal, as
 *	   upstream); any other -errno: the frontend went against the
 *	   protocol, the connection should be closed
 */
int vu_dev_handle(struct vu_dev *d, struct vu_msg *m)
{
	const struct vu_dev_handler *h = NULL;
	int ret;

	ret = vu_msg_check(m);
	if (!ret) {
		h = &vu_dev_handlers[m->req];
		ret = h->fn ? h->fn(d, m) : -ENOTSUP;
	}
	vu_msg_close_fds(m);
	vu_dev_update(d);
	if (ret == -ENOTSUP)
		return ret;

	if ((!h || !h->reply) && (m->flags & VU_MSG_F_NEED_REPLY) &&
	    (d->pfeatures & VU_BIT(VU_PF_REPLY_ACK))) {
		int r = vu_dev_reply_u64(d, m, ret ? 1 : 0);

		ret = ret ? ret : r;
	}
	return ret;
}

/**
 * vu_dev_reset() - Forget the frontend: stop, unmap and close everything
 * @d:		Device (the control socket, the link's, stays open)
 */
void vu_dev_reset(struct vu_dev *d)
{
	struct vu_dev_ops ops = d->ops;
	uint64_t offered = d->offered;
	int fd = d->fd;
	unsigned int q;

	vu_dev_quiesce(d);
	for (q = 0; q < VU_QUEUES; q++) {
		vu_dev_vq_stop(d, q);
		vu_dev_close(&d->vq[q].err_fd);
	}
	vu_mem_clear(&d->mem);
	vu_dev_close(&d->log_call_fd);
	vu_dev_close(&d->state_fd);	/* qemu gone: that migration too */
	vu_dev_init(d, fd, offered, &ops);
}
