// SPDX-License-Identifier: GPL-2.0-or-later
/* repair.c - passt's repair socket and the commands it sends passt-repair
 *
 * Theory of operation: see repair.h. The listening socket is bound at
 * start-up (before the sandbox) with the rules of the vhost-user socket
 * (link/stream.c: a stale file nobody listens on is replaced). Between
 * migrations the helper's socket only reports a hang-up, which closes it;
 * anything it sends unasked is a protocol error and closes it too. During a
 * migration, commands are synchronous: sendmsg() of the byte and the batch,
 * then poll() for the echo, bounded by REPAIR_ECHO_MS, in the middle of the
 * loop iteration that runs the transfer (as upstream's).
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "link/repair.h"
#include "link/stream.h"
#include "os/epref.h"

/**
 * repair_init() - Start with no repair socket and no helper
 * @r:		Repair state
 * @epfd:	epoll instance
 */
void repair_init(struct repair *r, int epfd)
{
	memset(r, 0, sizeof(*r));
	r->epfd = epfd;
	r->listen_fd = -1;
	r->fd = -1;
}

/**
 * repair_listen() - Listen at @path for passt-repair
 * @r:		Repair state
 * @path:	Path of the socket
 *
 * Return: 0 on success, -ENAMETOOLONG, -EADDRINUSE, other -errno
 */
int repair_listen(struct repair *r, const char *path)
{
	int fd, ret;

	if (strlen(path) >= sizeof(r->path))
		return -ENAMETOOLONG;
	if ((fd = stream_bind(path, 1)) < 0)
		return fd;
	if ((ret = epref_ctl(r->epfd, EPOLL_CTL_ADD, EPOLL_TYPE_REPAIR_LISTEN,
			     0, fd, EPOLLIN))) {
		close(fd);
		unlink(path);
		return ret;
	}
	r->listen_fd = fd;
	snprintf(r->path, sizeof(r->path), "%s", path);
	return 0;
}

/**
 * repair_close() - Forget the helper (it hung up, failed, or we are done)
 * @r:		Repair state
 */
static void repair_close(struct repair *r)
{
	if (r->fd < 0)
		return;
	epoll_ctl(r->epfd, EPOLL_CTL_DEL, r->fd, NULL);
	close(r->fd);
	r->fd = -1;
}

/**
 * repair_listen_handler() - A helper connects: keep it, or close an extra
 * @r:		Repair state
 */
void repair_listen_handler(struct repair *r)
{
	int fd = accept4(r->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (r->fd >= 0) {
		log_warn("A passt-repair helper is connected already: closing "
			 "the new one");
		close(fd);
		return;
	}
	if (epref_ctl(r->epfd, EPOLL_CTL_ADD, EPOLL_TYPE_REPAIR, 0, fd,
		      EPOLLIN | EPOLLRDHUP)) {
		close(fd);
		return;
	}
	r->fd = fd;
	log_info("passt-repair connected on %s", r->path);
}

/**
 * repair_handler() - The helper hung up, or sent something unasked
 * @r:		Repair state
 * @events:	epoll events
 */
void repair_handler(struct repair *r, uint32_t events)
{
	(void)events;
	log_info("passt-repair disconnected");
	repair_close(r);
}

/**
 * repair_wait() - Make sure a helper is there, waiting a little for one
 * @r:		Repair state
 * @ms:		Wait at most this long for a helper to connect
 *
 * Return: true if a helper is connected
 */
bool repair_wait(struct repair *r, int ms)
{
	struct pollfd p = { .fd = r->listen_fd, .events = POLLIN };

	if (r->fd >= 0) {
		/* it may have hung up since the loop last looked */
		p.fd = r->fd;
		p.events = POLLRDHUP;
		if (poll(&p, 1, 0) > 0)
			repair_close(r);
		else
			return true;
		p.fd = r->listen_fd;
		p.events = POLLIN;
	}
	if (r->listen_fd < 0)
		return false;
	if (poll(&p, 1, ms) > 0)
		repair_listen_handler(r);
	return r->fd >= 0;
}

/**
 * repair_send() - Send one command with its descriptors, wait for the echo
 * @r:		Repair state, with a helper
 * @cmd:	Command byte
 * @fds:	Descriptors
 * @n:		Their number, 1 to REPAIR_BATCH
 *
 * Return: 0 on success; -ENOTCONN without a helper, -ETIMEDOUT, -EPROTO
 *	   or -errno if the helper failed (it is closed then)
 */
static int repair_send(struct repair *r, int8_t cmd, const int *fds, int n)
{
	char ctl[CMSG_SPACE(sizeof(int) * REPAIR_BATCH)] = { 0 };
	struct iovec iov = { .iov_base = &cmd, .iov_len = 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
		.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n),
	};
	struct pollfd p = { .fd = r->fd, .events = POLLIN };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	int8_t echo;
	ssize_t len;
	int ret;

	if (r->fd < 0)
		return -ENOTCONN;
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
	memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)n);

	do
		len = sendmsg(r->fd, &mh, MSG_NOSIGNAL);
	while (len < 0 && errno == EINTR);
	if (len != 1) {
		ret = len < 0 ? -errno : -EPROTO;
		goto fail;
	}
	do
		ret = poll(&p, 1, REPAIR_ECHO_MS);
	while (ret < 0 && errno == EINTR);
	if (ret <= 0) {
		ret = ret ? -errno : -ETIMEDOUT;
		goto fail;
	}
	do
		len = recv(r->fd, &echo, 1, MSG_DONTWAIT);
	while (len < 0 && errno == EINTR);
	if (len != 1 || echo != cmd) {
		ret = len < 0 ? -errno : -EPROTO;
		goto fail;
	}
	return 0;
fail:
	log_err("passt-repair failed to set TCP_REPAIR %d on %d sockets: %s",
		cmd, n, strerror(-ret));
	repair_close(r);
	return ret;
}

/**
 * repair_flush() - Send the batch gathered so far, if any
 * @r:		Repair state
 *
 * Return: 0 on success, -errno (see repair_send()); the batch is emptied
 *	   either way
 */
int repair_flush(struct repair *r)
{
	int n = r->n;

	if (!n)
		return 0;
	r->n = 0;
	return repair_send(r, r->cmd, r->fds, n);
}

/**
 * repair_add() - Queue a socket for a command, sending full batches
 * @r:		Repair state
 * @fd:		TCP socket
 * @cmd:	REPAIR_ON, REPAIR_OFF or REPAIR_OFF_NO_WP
 *
 * Return: 0 on success, -errno if a batch sent now failed
 */
int repair_add(struct repair *r, int fd, int8_t cmd)
{
	int ret = 0;

	if (r->n && r->cmd != cmd)
		ret = repair_flush(r);
	r->cmd = cmd;
	r->fds[r->n++] = fd;
	if (r->n == REPAIR_BATCH) {
		int ret2 = repair_flush(r);

		if (!ret)
			ret = ret2;
	}
	return ret;
}
