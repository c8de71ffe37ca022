// SPDX-License-Identifier: GPL-2.0-or-later
/* server.c - the control socket (-c, --conf-path): pesto's server side
 *
 * Theory of operation: see server.h. The client's socket is non-blocking
 * and level-triggered: EPOLLIN while we read, EPOLLOUT only while output
 * waits. A change is applied at the end of the batch of events
 * (ctl_batch_end()), like the port scanner's, so that no event fetched in
 * the same batch names a listener the change closes.
 *
 * Syscalls: socket, bind, listen (at start), accept4, recvfrom, sendto,
 * epoll_ctl, timerfd_create (at start), timerfd_settime, read, close.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "base/view.h"
#include "ctl/server.h"
#include "link/stream.h"
#include "os/epref.h"

#define CTL_GEN_MASK ((1U << EPREF_IDX_BITS) - 1)

/**
 * ctl_init() - Set up a server without a socket
 * @s:		Server (static storage: it is large)
 * @epfd:	epoll descriptor
 * @ops:	What the instance provides
 */
void ctl_init(struct ctl_server *s, int epfd, const struct ctl_ops *ops)
{
	s->listen_fd = s->fd = s->timer_fd = -1;
	s->epfd = epfd;
	s->gen = 0;
	s->state = CTL_NONE;
	s->ops = *ops;
	s->in_len = s->out_len = s->out_sent = 0;
	s->changes = 0;
	snprintf(s->last, sizeof(s->last), "0 none");
	memset(&s->rl, 0, sizeof(s->rl));
	s->path[0] = '\0';
}

/**
 * ctl_listen() - Listen on the control socket
 * @s:		Server
 * @path:	Path of the socket: a stale one nobody listens on is replaced
 *
 * Return: 0, -ENAMETOOLONG, -EADDRINUSE if someone listens there, -errno
 */
int ctl_listen(struct ctl_server *s, const char *path)
{
	int fd, rc;

	if (strlen(path) >= sizeof(s->path))
		return -ENAMETOOLONG;
	s->timer_fd = timerfd_create(CLOCK_MONOTONIC,
				     TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->timer_fd < 0)
		return -errno;
	if ((rc = epref_ctl(s->epfd, EPOLL_CTL_ADD, EPOLL_TYPE_CTL_TIMER, 0,
			    s->timer_fd, EPOLLIN)))
		goto close_timer;
	if ((fd = stream_bind(path, CTL_BACKLOG)) < 0) {
		rc = fd;
		goto close_timer;
	}
	if ((rc = epref_ctl(s->epfd, EPOLL_CTL_ADD, EPOLL_TYPE_CTL_LISTEN, 0,
			    fd, EPOLLIN))) {
		close(fd);
		unlink(path);
		goto close_timer;
	}
	s->listen_fd = fd;
	snprintf(s->path, sizeof(s->path), "%s", path);
	return 0;

close_timer:
	close(s->timer_fd);
	s->timer_fd = -1;
	return rc;
}

/**
 * ctl_deadline() - Arm or disarm the deadline of the client's exchange
 * @s:		Server
 * @ms:		Milliseconds from now, 0 to disarm
 */
static void ctl_deadline(const struct ctl_server *s, unsigned int ms)
{
	struct itimerspec it = {
		.it_value = {ms / 1000, (long)(ms % 1000) * 1000000L},
	};

	timerfd_settime(s->timer_fd, 0, &it, NULL);
}

/**
 * ctl_close() - End the exchange with the client, take the next one
 * @s:		Server
 */
static void ctl_close(struct ctl_server *s)
{
	if (s->fd < 0)
		return;
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->fd, NULL);
	close(s->fd);
	s->fd = -1;
	s->state = CTL_NONE;
	s->in_len = s->out_len = s->out_sent = 0;
	ctl_deadline(s, 0);
	/* back in the set: a client waiting in the backlog wakes us */
	if (epref_ctl(s->epfd, EPOLL_CTL_ADD, EPOLL_TYPE_CTL_LISTEN, 0,
		      s->listen_fd, EPOLLIN))
		log_err("Control socket: couldn't listen again: %s",
			strerror(errno));
}

/**
 * ctl_events() - Set what the client's socket waits for
 * @s:		Server
 * @events:	epoll events, 0 for none
 */
static void ctl_events(const struct ctl_server *s, uint32_t events)
{
	epref_ctl(s->epfd, EPOLL_CTL_MOD, EPOLL_TYPE_CTL, s->gen & CTL_GEN_MASK,
		  s->fd, events);
}

/**
 * ctl_flush() - Write what the client can take of the pending output
 * @s:		Server, with a client
 *
 * Once the output is written: an answer ends the exchange, a greeting goes
 * back to reading.
 */
static void ctl_flush(struct ctl_server *s)
{
	while (s->out_sent < s->out_len) {
		ssize_t n = send(s->fd, s->out + s->out_sent,
				 s->out_len - s->out_sent,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			ctl_events(s, s->state == CTL_READ && !s->eof
					      ? EPOLLIN | EPOLLOUT
					      : EPOLLOUT);
			return;
		}
		if (n <= 0) {
			/* it closed without reading all: what it sent before
			 * is still to be read (an update, then end-of-file)
			 */
			s->out_len = s->out_sent = 0;
			if (s->state == CTL_ANSWER || s->eof)
				ctl_close(s);
			else
				ctl_events(s, EPOLLIN);
			return;
		}
		s->out_sent += (size_t)n;
	}
	s->out_len = s->out_sent = 0;
	if (s->state == CTL_ANSWER || s->eof)
		ctl_close(s);
	else if (s->state == CTL_READ)
		ctl_events(s, EPOLLIN);
}

/**
 * ctl_greet() - Queue the hello and the tables in force for a new client
 * @s:		Server, with a client
 *
 * Return: 0, or -ENOBUFS if they don't fit (can't happen: 2 tables)
 */
static int ctl_greet(struct ctl_server *s)
{
	size_t n, m;

	s->ncur = s->ops.tables(s->ops.arg, s->cur, CTL_MAX_TABLES);
	n = ctl_hello_put(s->out, CTL_OUT_MAX);
	m = n ? ctl_tables_put(s->out + n, CTL_OUT_MAX - n, s->cur, s->ncur)
	      : 0;
	if (!m)
		return -ENOBUFS;
	s->out_len = n + m;
	s->out_sent = 0;
	return 0;
}

/**
 * ctl_listen_handler() - A client connects
 * @s:		Server
 */
void ctl_listen_handler(struct ctl_server *s)
{
	int fd;

	if (s->fd >= 0)		/* served one at a time: it waits */
		return;
	fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_rl(&s->rl, LOG_LVL_WARN,
			       "Control socket: couldn't accept: %s",
			       strerror(errno));
		return;
	}
	s->gen++;
	if (epref_ctl(s->epfd, EPOLL_CTL_ADD, EPOLL_TYPE_CTL,
		      s->gen & CTL_GEN_MASK, fd, EPOLLIN)) {
		close(fd);
		return;
	}
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->listen_fd, NULL);
	s->fd = fd;
	s->state = CTL_READ;
	s->in_len = 0;
	s->eof = false;
	ctl_deadline(s, CTL_DEADLINE_MS);
	if (ctl_greet(s)) {
		ctl_close(s);
		return;
	}
	ctl_flush(s);
}

/**
 * ctl_outcome() - Keep and log the outcome of a change request
 * @s:		Server
 * @rc:		0, or -errno
 * @err:	One-line reason if @rc
 */
static void ctl_outcome(struct ctl_server *s, int rc, const char *err)
{
	s->changes++;
	if (!rc) {
		snprintf(s->last, sizeof(s->last), "%llu ok",
			 (unsigned long long)s->changes);
		log_info("Control: forwarding rules replaced");
		return;
	}
	snprintf(s->last, sizeof(s->last), "%llu error: %s",
		 (unsigned long long)s->changes, err);
	log_rl(&s->rl, LOG_LVL_WARN, "Control: change refused: %s", err);
}

/**
 * ctl_answer() - Queue the answer to an extension request
 * @s:		Server, with the request read
 */
static void ctl_answer(struct ctl_server *s)
{
	struct pview v = pview_make(s->in, s->in_len);
	uint32_t req, status = 0;
	size_t len = 0;
	int rc = ctl_req_parse(&v, &req);

	if ((rc && rc != -EOPNOTSUPP) || v.len) {
		log_rl(&s->rl, LOG_LVL_WARN,
		       "Control client sent a malformed request");
		ctl_close(s);
		return;
	}
	if (rc) {
		status = EOPNOTSUPP;
	} else if (req == CTL_REQ_LAST_CHANGE) {
		len = (size_t)snprintf((char *)s->out + CTL_ANS_HDR_LEN,
				       CTL_OUT_MAX - CTL_ANS_HDR_LEN, "%s\n",
				       s->last);
	} else {
		len = s->ops.report(s->ops.arg, req,
				    (char *)s->out + CTL_ANS_HDR_LEN,
				    CTL_OUT_MAX - CTL_ANS_HDR_LEN);
		if (!len)
			status = EOPNOTSUPP;
		else if (len == SIZE_MAX)
			status = E2BIG;
		if (status)
			len = 0;
	}
	ctl_ans_hdr_put(s->out, CTL_ANS_HDR_LEN, status, (uint32_t)len);
	s->out_len = CTL_ANS_HDR_LEN + len;
	s->out_sent = 0;
	s->state = CTL_ANSWER;
	ctl_flush(s);
}

/**
 * ctl_update() - The client shut its side down: check its update
 * @s:		Server, with what the client sent in @in
 */
static void ctl_update(struct ctl_server *s)
{
	struct pview v = pview_make(s->in, s->in_len);
	char err[FWD_ERR_LEN] = "";
	int rc;

	if (!s->in_len) {	/* it only looks: let it read the rest */
		s->eof = true;
		if (!s->out_len)
			ctl_close(s);
		else
			ctl_events(s, EPOLLOUT);
		return;
	}
	rc = ctl_update_parse(&v, s->cur, s->ncur, s->next, s->present, err,
			      sizeof(err));
	if (rc) {
		if (!*err)
			snprintf(err, sizeof(err), "malformed update: %s",
				 strerror(-rc));
		ctl_outcome(s, rc, err);
		ctl_close(s);
		return;
	}
	s->state = CTL_APPLY;		/* ctl_batch_end() */
	s->out_len = s->out_sent = 0;	/* it won't read any more */
	ctl_events(s, 0);
}

/**
 * ctl_read() - Read what the client sends
 * @s:		Server, with a client in CTL_READ
 */
static void ctl_read(struct ctl_server *s)
{
	for (;;) {
		ssize_t n;

		if (s->in_len == CTL_IN_MAX) {
			ctl_outcome(s, -E2BIG, "update longer than any valid one");
			ctl_close(s);
			return;
		}
		n = recv(s->fd, s->in + s->in_len, CTL_IN_MAX - s->in_len,
			 MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			log_rl(&s->rl, LOG_LVL_DEBUG,
			       "Control client: %s", strerror(errno));
			ctl_close(s);
			return;
		}
		if (!n) {
			ctl_update(s);
			return;
		}
		s->in_len += (size_t)n;
		if (s->in[0] == CTL_REQ_MAGIC[0] && s->in_len >= CTL_REQ_LEN) {
			ctl_answer(s);
			return;
		}
	}
}

/**
 * ctl_handler() - Events of the client's socket
 * @s:		Server
 * @gen:	Generation in the event's reference
 * @fd:		Descriptor in the event's reference
 * @events:	epoll events
 */
void ctl_handler(struct ctl_server *s, uint32_t gen, int fd, uint32_t events)
{
	/* a client closed earlier in this batch: the number may be reused */
	if (fd != s->fd || gen != (s->gen & CTL_GEN_MASK))
		return;
	/* gone while we only had output for it */
	if ((events & (EPOLLHUP | EPOLLERR)) &&
	    (s->eof || s->state == CTL_ANSWER)) {
		ctl_close(s);
		return;
	}
	if ((events & EPOLLOUT) && s->out_len)
		ctl_flush(s);
	if (s->fd >= 0 && s->state == CTL_READ && !s->eof &&
	    (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		ctl_read(s);
}

/**
 * ctl_timer_handler() - The client's exchange took too long
 * @s:		Server
 */
void ctl_timer_handler(struct ctl_server *s)
{
	uint64_t expired;

	if (read(s->timer_fd, &expired, sizeof(expired)) <= 0 || s->fd < 0 ||
	    s->state == CTL_APPLY)
		return;
	log_rl(&s->rl, LOG_LVL_WARN,
	       "Control client still connected after %u ms: closed",
	       CTL_DEADLINE_MS);
	ctl_close(s);
}

/**
 * ctl_batch_end() - After a batch of events: apply a change read in it
 * @s:		Server
 *
 * The client learns the change is done from end-of-file.
 */
void ctl_batch_end(struct ctl_server *s)
{
	char err[FWD_ERR_LEN] = "";
	int rc;

	if (s->state != CTL_APPLY)
		return;
	rc = s->ops.apply(s->ops.arg, s->next, s->present, s->ncur, err,
			  sizeof(err));
	ctl_outcome(s, rc, err);
	ctl_close(s);
}
