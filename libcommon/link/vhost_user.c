// SPDX-License-Identifier: GPL-2.0-or-later
/* vhost_user.c - passt's vhost-user link: control socket, features, queues
 *
 * Theory of operation: in --vhost-user mode the UNIX socket qemu (or any
 * vhost-user frontend) connects to carries the vhost-user protocol instead
 * of frames. Listening, accepting, discarding a second client and telling
 * clients apart by generation are the stream link's (stream.c): only the
 * epoll type of the connected socket differs (EPOLL_TYPE_VU). Each message
 * on it is read and checked (vu_msg.c) and applied to the device (vu_dev.c);
 * the device calls back here when a queue's kick descriptor comes or goes
 * (we poll it: EPOLL_TYPE_VU_KICK) and when the queues start or stop.
 *
 * Frames never travel on the socket: the guest's transmit queue brings
 * frames from the guest (vu_tx.c), its receive queue takes frames to it
 * (vu_rx.c, the sink the transports write to). The transmit kick is always
 * polled; the receive kick only while we wait for buffers.
 *
 * Features offered: those of upstream (VERSION_1, MRG_RXBUF, LOG_ALL,
 * PROTOCOL_FEATURES, GUEST_CSUM) and checksum and segmentation offload both
 * ways (CSUM, HOST_TSO4/6, GUEST_TSO4/6, GUEST_USO4/6), each used only if
 * the frontend acked it: the sink offers the transports checksum and TCP
 * segmentation offload with GUEST_CSUM, GUEST_TSO4 and GUEST_TSO6, UDP
 * segmentation with GUEST_USO4 and GUEST_USO6 too. HOST_USO isn't offered:
 * the engine doesn't split UDP super-frames from the guest.
 *
 * Errors: what the frontend sends against the protocol closes the
 * connection with one log line (the next frontend is served, or with -1 we
 * end); two things end passt as they end upstream's, by contract
 * (compat.md 4.3): a request we don't handle, and a frontend without
 * VERSION_1.
 */

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>

#include "base/log.h"
#include "link/vhost_user.h"
#include "os/epref.h"

/**
 * vu_offered_features() - Virtio features we offer (GET_FEATURES)
 *
 * Return: feature bits
 */
uint64_t vu_offered_features(void)
{
	return VU_BIT(VU_F_VERSION_1) | VU_BIT(VU_F_MRG_RXBUF) |
	       VU_BIT(VU_F_LOG_ALL) | VU_BIT(VU_F_PROTOCOL_FEATURES) |
	       VU_BIT(VU_F_GUEST_CSUM) | VU_BIT(VU_F_CSUM) |
	       VU_BIT(VU_F_HOST_TSO4) | VU_BIT(VU_F_HOST_TSO6) |
	       VU_BIT(VU_F_GUEST_TSO4) | VU_BIT(VU_F_GUEST_TSO6) |
	       VU_BIT(VU_F_GUEST_USO4) | VU_BIT(VU_F_GUEST_USO6);
}

/**
 * vu_features_apply() - Offer the transports the offloads the guest acked
 * @v:		vhost-user link
 */
void vu_features_apply(struct vu_link *v)
{
	const struct vu_dev *d = &v->dev;

	v->sink.offload = vu_dev_has(d, VU_F_GUEST_CSUM) &&
			  vu_dev_has(d, VU_F_GUEST_TSO4) &&
			  vu_dev_has(d, VU_F_GUEST_TSO6);
	v->sink.udp_gso = v->sink.offload && vu_dev_has(d, VU_F_GUEST_USO4) &&
			  vu_dev_has(d, VU_F_GUEST_USO6);
}

/**
 * vu_kick_add() - struct vu_dev_ops kick_add: poll a kick descriptor
 * @arg:	vhost-user link
 * @q:		Queue
 * @fd:		eventfd
 *
 * Return: 0 or -errno
 */
static int vu_kick_add(void *arg, enum vu_queue q, int fd)
{
	struct vu_link *v = arg;
	uint32_t ev = EPOLLIN;
	int ret;

	if (q == VU_RX)
		ev = v->starved ? EPOLLIN : 0;
	ret = epref_ctl(v->epfd, EPOLL_CTL_ADD, EPOLL_TYPE_VU_KICK, q, fd, ev);
	if (!ret && q == VU_RX)
		v->rx_kick_on = v->starved;
	return ret;
}

/**
 * vu_kick_del() - struct vu_dev_ops kick_del: stop polling a kick descriptor
 * @arg:	vhost-user link
 * @q:		Queue
 * @fd:		eventfd, about to be closed
 */
static void vu_kick_del(void *arg, enum vu_queue q, int fd)
{
	struct vu_link *v = arg;

	epoll_ctl(v->epfd, EPOLL_CTL_DEL, fd, NULL);
	if (q == VU_RX)
		v->rx_kick_on = false;
}

/**
 * vu_started() - struct vu_dev_ops started: the queues run
 * @arg:	vhost-user link
 */
static void vu_started(void *arg)
{
	struct vu_link *v = arg;

	vu_features_apply(v);
	v->running = true;
	log_info("vhost-user: queues started%s%s",
		 v->sink.offload ? ", segmentation offload to the guest" : "",
		 v->sink.udp_gso ? " (UDP too)" : "");
	if (!vu_vq_avail(&v->dev.vq[VU_RX])) {
		/* no receive buffers yet: greet when the guest gives some */
		v->greet = true;
		vu_rx_starved(v, true);
		return;
	}
	vu_rx_starved(v, false);	/* no kicks while buffers are there */
	if (v->on_start)
		v->on_start(v->cb_arg);
}

/**
 * vu_stopped() - struct vu_dev_ops stopped: a queue stopped
 * @arg:	vhost-user link
 */
static void vu_stopped(void *arg)
{
	struct vu_link *v = arg;

	v->running = v->greet = false;
	log_debug("vhost-user: queues stopped");
}

/**
 * vu_transfer() - struct vu_dev_ops transfer: a migration's state
 * @arg:	vhost-user link
 * @fd:		Our end of the frontend's pipe
 * @load:	Read the state (target), else write it (source)
 *
 * Return: 0 or -errno, -ENOTSUP if the link can't migrate
 */
static int vu_transfer(void *arg, int fd, bool load)
{
	struct vu_link *v = arg;

	if (!v->on_transfer)
		return -ENOTSUP;
	return v->on_transfer(v->cb_arg, fd, load);
}

/**
 * vu_init() - Set up a vhost-user link with no frontend yet
 * @v:		vhost-user link
 * @epfd:	epoll descriptor for the kick descriptors
 */
void vu_init(struct vu_link *v, int epfd)
{
	const struct vu_dev_ops ops = { vu_kick_add, vu_kick_del, vu_started,
					vu_stopped, vu_transfer, v };

	memset(v, 0, sizeof(*v));
	v->epfd = epfd;
	vu_dev_init(&v->dev, -1, vu_offered_features(), &ops);
	vu_sink_init(v);
}

/**
 * vu_client() - Serve a connected frontend: a new device
 * @v:		vhost-user link
 * @fd:		Control socket, polled by the stream link
 */
void vu_client(struct vu_link *v, int fd)
{
	const struct vu_dev_ops ops = v->dev.ops;

	vu_dev_init(&v->dev, fd, vu_offered_features(), &ops);
	vu_sink_init(v);
	v->running = v->starved = v->rx_kick_on = v->greet = false;
}

/**
 * vu_disconnect() - The frontend went away: forget the device
 * @v:		vhost-user link
 */
void vu_disconnect(struct vu_link *v)
{
	log_debug("vhost-user: frames from the guest: %llu (%llu bad, "
		  "%llu with offloads not agreed on), to the guest: %llu "
		  "(%llu dropped)",
		  (unsigned long long)v->n.frames_in,
		  (unsigned long long)v->n.bad,
		  (unsigned long long)v->gso_bad,
		  (unsigned long long)v->sent, (unsigned long long)v->lost);
	v->running = false;
	vu_dev_reset(&v->dev);
	vu_sink_init(v);
	v->starved = v->rx_kick_on = v->greet = false;
	v->dev.fd = -1;
}

/**
 * vu_ctl_handler() - Read and apply one message of the frontend
 * @v:		vhost-user link, with a frontend
 *
 * Dies, as upstream does, on a request we don't handle and on a frontend
 * without VERSION_1.
 *
 * Return: 0 if the connection goes on, -errno if it must be closed (logged)
 */
int vu_ctl_handler(struct vu_link *v)
{
	struct vu_msg m;
	int ret;

	ret = vu_msg_recv(v->dev.fd, &m);
	if (ret == -EAGAIN || ret == -EINTR)
		return 0;
	if (ret < 0) {
		if (ret != -ECONNRESET)
			log_err("vhost-user: reading a message: %s",
				strerror(-ret));
		return ret;
	}
	if ((ret = vu_msg_check(&m)) == -ENOTSUP)
		die("Unhandled request: %u", m.req);
	if (ret < 0) {
		log_err("vhost-user: malformed %s (size %u, %u descriptors), "
			"closing the connection",
			vu_req_str(m.req), m.size, m.nfds);
		vu_msg_close_fds(&m);
		return ret;
	}
	/* Used elements go out before the device changes under them */
	vu_flush(v);
	log_debug("vhost-user: %s", vu_req_str(m.req));
	ret = vu_dev_handle(&v->dev, &m);
	vu_msg_close_fds(&m);
	if (ret == -ENOTSUP)
		die("Unhandled request: %u", m.req);
	if (ret == -EPROTONOSUPPORT)
		die("virtio legacy devices aren't supported by passt");
	if (ret < 0) {
		log_err("vhost-user: %s failed: %s, closing the connection",
			vu_req_str(m.req), strerror(-ret));
		return ret;
	}
	return 0;
}
