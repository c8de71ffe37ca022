// SPDX-License-Identifier: GPL-2.0-or-later
/* vu_msg.c - vhost-user: messages of the frontend, read and checked
 *
 * Theory of operation: the control socket is a stream, so a message is
 * read in two steps: the 12-byte header with recvmsg(), which also takes the
 * descriptors the frontend passed with it (SCM_RIGHTS, close-on-exec), then
 * exactly the payload size the header gives, never more, so the next
 * message stays in the socket. A frontend that stops in the middle of a
 * message (the header cut short, or its payload) is waited for, but only
 * VU_MSG_WAIT_MS in all: then the message is refused and the link closes
 * the connection, so a stalled or hostile frontend can't hold the loop.
 *
 * vu_msg_check() holds every request against the sizes the protocol gives
 * it (vhost-user.rst, "Front-end message types"), as qemu and DPDK's
 * virtio-user really send them: requests without a payload come with size
 * 0, GET_VRING_BASE with a vring state, SET_MEM_TABLE with the regions it
 * describes and no more, one descriptor per region. Descriptors a request
 * doesn't take are an error as much as missing ones.
 *
 * System calls: recvmsg, recvfrom, sendto, poll, close, clock_gettime
 * (vDSO).
 */

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"
#include "link/vu_msg.h"

#define VU_MSG_WAIT_MS 1000 /* for the rest of a message, in all */

/**
 * struct vu_msg_rule - Payload size and descriptors a request comes with
 * @name:	Name, as in vhost-user.rst without VHOST_USER_
 * @known:	We handle it: @size and @nfds apply
 * @size:	Payload bytes
 * @nfds:	Descriptors
 */
struct vu_msg_rule {
	const char *name;
	bool known;
	uint8_t size;
	uint8_t nfds;
};

/* Requests whose payload or descriptors depend on their content
 * (SET_MEM_TABLE, SET_VRING_KICK/CALL/ERR) are checked in vu_msg_check()
 */
static const struct vu_msg_rule vu_msg_rules[VU_REQ_MAX] = {
	[VU_GET_FEATURES] = {"GET_FEATURES", true, 0, 0},
	[VU_SET_FEATURES] = {"SET_FEATURES", true, 8, 0},
	[VU_SET_OWNER] = {"SET_OWNER", true, 0, 0},
	[VU_RESET_OWNER] = {"RESET_OWNER", false, 0, 0},
	[VU_SET_MEM_TABLE] = {"SET_MEM_TABLE", true, 0, 0},
	[VU_SET_LOG_BASE] = {"SET_LOG_BASE", true, sizeof(struct vu_log_area),
			     1},
	[VU_SET_LOG_FD] = {"SET_LOG_FD", true, 0, 1},
	[VU_SET_VRING_NUM] = {"SET_VRING_NUM", true,
			      sizeof(struct vu_vring_state), 0},
	[VU_SET_VRING_ADDR] = {"SET_VRING_ADDR", true,
			       sizeof(struct vu_vring_addr), 0},
	[VU_SET_VRING_BASE] = {"SET_VRING_BASE", true,
			       sizeof(struct vu_vring_state), 0},
	[VU_GET_VRING_BASE] = {"GET_VRING_BASE", true,
			       sizeof(struct vu_vring_state), 0},
	[VU_SET_VRING_KICK] = {"SET_VRING_KICK", true, 8, 0},
	[VU_SET_VRING_CALL] = {"SET_VRING_CALL", true, 8, 0},
	[VU_SET_VRING_ERR] = {"SET_VRING_ERR", true, 8, 0},
	[VU_GET_PROTOCOL_FEATURES] = {"GET_PROTOCOL_FEATURES", true, 0, 0},
	[VU_SET_PROTOCOL_FEATURES] = {"SET_PROTOCOL_FEATURES", true, 8, 0},
	[VU_GET_QUEUE_NUM] = {"GET_QUEUE_NUM", true, 0, 0},
	[VU_SET_VRING_ENABLE] = {"SET_VRING_ENABLE", true,
				 sizeof(struct vu_vring_state), 0},
	[VU_SEND_RARP] = {"SEND_RARP", true, 8, 0},
	[20] = {"NET_SET_MTU", false, 0, 0},
	[21] = {"SET_BACKEND_REQ_FD", false, 0, 0},
	[22] = {"IOTLB_MSG", false, 0, 0},
	[23] = {"SET_VRING_ENDIAN", false, 0, 0},
	[24] = {"GET_CONFIG", false, 0, 0},
	[25] = {"SET_CONFIG", false, 0, 0},
	[28] = {"POSTCOPY_ADVISE", false, 0, 0},
	[29] = {"POSTCOPY_LISTEN", false, 0, 0},
	[30] = {"POSTCOPY_END", false, 0, 0},
	[31] = {"GET_INFLIGHT_FD", false, 0, 0},
	[32] = {"SET_INFLIGHT_FD", false, 0, 0},
	[34] = {"RESET_DEVICE", false, 0, 0},
	[36] = {"GET_MAX_MEM_SLOTS", false, 0, 0},
	[37] = {"ADD_MEM_REG", false, 0, 0},
	[38] = {"REM_MEM_REG", false, 0, 0},
	[39] = {"SET_STATUS", false, 0, 0},
	[40] = {"GET_STATUS", false, 0, 0},
	[41] = {"GET_SHARED_OBJECT", false, 0, 0},
	[VU_SET_DEVICE_STATE_FD] = {"SET_DEVICE_STATE_FD", true,
				    sizeof(struct vu_state_fd), 1},
	[VU_CHECK_DEVICE_STATE] = {"CHECK_DEVICE_STATE", true, 0, 0},
};

/**
 * vu_req_str() - Name of a request
 * @req:	Request number
 *
 * Return: its name, "unknown" if it has none
 */
const char *vu_req_str(uint32_t req)
{
	if (req >= VU_REQ_MAX || !vu_msg_rules[req].name)
		return "unknown";
	return vu_msg_rules[req].name;
}

/**
 * vu_msg_reset() - Empty a message: no descriptors, zero payload
 * @m:		Message
 */
static void vu_msg_reset(struct vu_msg *m)
{
	unsigned int i;

	m->req = m->flags = m->size = 0;
	memset(&m->u, 0, sizeof(m->u));
	for (i = 0; i < VU_MSG_FDS_MAX; i++)
		m->fds[i] = -1;
	m->nfds = 0;
}

/**
 * vu_msg_hdr() - Take the header of a message from its wire bytes
 * @hdr:	VU_MSG_HDR_LEN bytes
 * @m:		Message: request, flags and size set
 *
 * Return: 0 on success, -EMSGSIZE if the payload can't be held
 */
static int vu_msg_hdr(const uint8_t *hdr, struct vu_msg *m)
{
	memcpy(&m->req, hdr, 4);
	memcpy(&m->flags, hdr + 4, 4);
	memcpy(&m->size, hdr + 8, 4);
	return m->size > sizeof(m->u) ? -EMSGSIZE : 0;
}

/**
 * vu_msg_parse() - Take a message, without descriptors, from a buffer
 * @buf:	Header and payload
 * @len:	Bytes in @buf, possibly more than one message
 * @m:		Message to fill (no descriptors)
 *
 * Return: bytes the message took in @buf, -EMSGSIZE if its payload is
 *	   larger than any we handle, -ENODATA if @buf is too short
 */
int vu_msg_parse(const uint8_t *buf, size_t len, struct vu_msg *m)
{
	int ret;

	vu_msg_reset(m);
	if (len < VU_MSG_HDR_LEN)
		return -ENODATA;
	ret = vu_msg_hdr(buf, m);
	if (ret)
		return ret;
	if (len - VU_MSG_HDR_LEN < m->size)
		return -ENODATA;
	memcpy(m->u.raw, buf + VU_MSG_HDR_LEN, m->size);
	return VU_MSG_HDR_LEN + (int)m->size;
}

/**
 * vu_msg_left_ms() - Milliseconds left before a deadline
 * @deadline:	Deadline, CLOCK_MONOTONIC milliseconds
 *
 * Return: milliseconds, 0 if it passed
 */
static int vu_msg_left_ms(uint64_t deadline)
{
	struct timespec ts;
	uint64_t now;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	return now >= deadline ? 0 : (int)(deadline - now);
}

/**
 * vu_msg_deadline() - Deadline VU_MSG_WAIT_MS from now
 *
 * Return: CLOCK_MONOTONIC milliseconds
 */
static uint64_t vu_msg_deadline(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 +
	       VU_MSG_WAIT_MS;
}

/**
 * vu_msg_wait() - Wait for a socket to be readable or writable, bounded
 * @fd:		Socket
 * @events:	POLLIN or POLLOUT
 * @deadline:	Give up then (CLOCK_MONOTONIC milliseconds)
 *
 * Return: 0 when it is, -ETIMEDOUT after @deadline, -errno on failure
 */
static int vu_msg_wait(int fd, short events, uint64_t deadline)
{
	struct pollfd pfd = {.fd = fd, .events = events};
	int left = vu_msg_left_ms(deadline), ret;

	if (!left)
		return -ETIMEDOUT;
	ret = poll(&pfd, 1, left);
	if (ret < 0)
		return errno == EINTR ? 0 : -errno;
	return ret ? 0 : -ETIMEDOUT;
}

/**
 * vu_msg_read() - Read exactly @len bytes, waiting for them, bounded
 * @fd:		Socket
 * @p:		Where to
 * @len:	Bytes
 * @deadline:	Give up then (CLOCK_MONOTONIC milliseconds)
 *
 * Return: 0 on success, -ECONNRESET on end of file, -ETIMEDOUT, -errno
 */
static int vu_msg_read(int fd, uint8_t *p, size_t len, uint64_t deadline)
{
	while (len) {
		ssize_t n = recv(fd, p, len, MSG_DONTWAIT);
		int ret;

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (!n)
			return -ECONNRESET;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		if ((ret = vu_msg_wait(fd, POLLIN, deadline)))
			return ret;
	}
	return 0;
}

/**
 * vu_msg_take_fds() - Take the descriptors that came with the header
 * @mh:		recvmsg() message header
 * @m:		Message: descriptors stored
 *
 * Return: 0 on success, -EMSGSIZE if some were cut off (those that came
 *	   are stored, for vu_msg_close_fds())
 */
static int vu_msg_take_fds(struct msghdr *mh, struct vu_msg *m)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t n, i;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0))
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (m->nfds < VU_MSG_FDS_MAX)
				m->fds[m->nfds++] = fd;
			else
				close(fd);
		}
	}
	return (mh->msg_flags & MSG_CTRUNC) ? -EMSGSIZE : 0;
}

/**
 * vu_msg_recv() - Read one message and its descriptors
 * @fd:		Control socket (blocking or not)
 * @m:		Message to fill
 *
 * Return: 0 on success, -EAGAIN if no message is waiting, -ECONNRESET if
 *	   the frontend closed the connection, -EMSGSIZE for descriptors or a
 *	   payload we can't hold, -ETIMEDOUT if the rest of a message didn't
 *	   come in time, -errno. On failure @m holds no descriptors.
 */
int vu_msg_recv(int fd, struct vu_msg *m)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * VU_MSG_FDS_MAX)];
		struct cmsghdr align;
	} ctl;
	uint8_t hdr[VU_MSG_HDR_LEN];
	struct iovec iov = {.iov_base = hdr, .iov_len = sizeof(hdr)};
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof(ctl.buf),
	};
	uint64_t deadline;
	ssize_t n;
	int ret;

	vu_msg_reset(m);
	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (!n)
		return -ECONNRESET;

	if ((ret = vu_msg_take_fds(&mh, m)))
		goto fail;

	deadline = vu_msg_deadline();
	ret = vu_msg_read(fd, hdr + n, sizeof(hdr) - (size_t)n, deadline);
	if (ret)
		goto fail;
	if ((ret = vu_msg_hdr(hdr, m)))
		goto fail;
	if ((ret = vu_msg_read(fd, m->u.raw, m->size, deadline)))
		goto fail;
	return 0;

fail:
	vu_msg_close_fds(m);
	return ret;
}

/**
 * vu_msg_check_vring_fd() - Check SET_VRING_KICK, _CALL or _ERR
 * @m:		Message, with the payload size already checked
 *
 * Return: 0 if it has one descriptor, or none with VU_VRING_NOFD set
 */
static int vu_msg_check_vring_fd(const struct vu_msg *m)
{
	unsigned int want = (m->u.u64 & VU_VRING_NOFD) ? 0 : 1;

	return m->nfds == want ? 0 : -EBADMSG;
}

/**
 * vu_msg_check_mem() - Check SET_MEM_TABLE
 * @m:		Message
 *
 * Return: 0 if it describes 1 to VU_MEM_REGIONS_MAX regions, in exactly
 *	   its payload, with one descriptor each
 */
static int vu_msg_check_mem(const struct vu_msg *m)
{
	const size_t hdr = offsetof(struct vu_mem_table, r);
	uint32_t n;

	if (m->size < hdr)
		return -EBADMSG;
	n = m->u.mem.nregions;
	if (!n || n > VU_MEM_REGIONS_MAX)
		return -EBADMSG;
	if (m->size != hdr + n * sizeof(struct vu_mem_desc) || m->nfds != n)
		return -EBADMSG;
	return 0;
}

/**
 * vu_msg_check() - Does a message have the size and descriptors of its kind?
 * @m:		Message
 *
 * Return: 0 if so, -ENOTSUP for a request we don't handle, -EBADMSG for a
 *	   payload size or a number of descriptors the request doesn't have
 */
int vu_msg_check(const struct vu_msg *m)
{
	const struct vu_msg_rule *r;

	if (m->req >= VU_REQ_MAX || !vu_msg_rules[m->req].known)
		return -ENOTSUP;
	if (m->nfds > VU_MSG_FDS_MAX)
		return -EBADMSG;

	r = &vu_msg_rules[m->req];
	switch (m->req) {
	case VU_SET_MEM_TABLE:
		return vu_msg_check_mem(m);
	case VU_SET_VRING_KICK:
	case VU_SET_VRING_CALL:
	case VU_SET_VRING_ERR:
		if (m->size != r->size)
			return -EBADMSG;
		return vu_msg_check_vring_fd(m);
	default:
		if (m->size != r->size || m->nfds != r->nfds)
			return -EBADMSG;
		return 0;
	}
}

/**
 * vu_msg_reply() - Send the reply to a message
 * @fd:		Control socket
 * @m:		Message replied to
 * @payload:	Payload of the reply
 * @size:	Its length, at most the largest payload of a message
 *
 * Return: 0 on success, -errno on failure (-ETIMEDOUT if the frontend
 *	   doesn't read it in time)
 */
int vu_msg_reply(int fd, const struct vu_msg *m, const void *payload,
		 uint32_t size)
{
	uint8_t buf[VU_MSG_HDR_LEN + sizeof(m->u)];
	uint32_t flags = VU_MSG_VERSION | VU_MSG_F_REPLY;
	size_t len = VU_MSG_HDR_LEN + size, off = 0;
	uint64_t deadline = 0;

	if (size > sizeof(m->u))
		return -EINVAL;
	memcpy(buf, &m->req, 4);
	memcpy(buf + 4, &flags, 4);
	memcpy(buf + 8, &size, 4);
	if (size)
		memcpy(buf + VU_MSG_HDR_LEN, payload, size);

	while (off < len) {
		ssize_t n = send(fd, buf + off, len - off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		int ret;

		if (n >= 0) {
			off += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		if (!deadline)
			deadline = vu_msg_deadline();
		if ((ret = vu_msg_wait(fd, POLLOUT, deadline)))
			return ret;
	}
	return 0;
}

/**
 * vu_msg_close_fds() - Close the descriptors a message still holds
 * @m:		Message
 */
void vu_msg_close_fds(struct vu_msg *m)
{
	unsigned int i;

	for (i = 0; i < VU_MSG_FDS_MAX; i++) {
		if (m->fds[i] >= 0)
			close(m->fds[i]);
		m->fds[i] = -1;
	}
	m->nfds = 0;
}
