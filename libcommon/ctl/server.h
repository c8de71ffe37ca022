/* SPDX-License-Identifier: GPL-2.0-or-later */
/* server.h - the control socket (-c, --conf-path): pesto's server side
 *
 * Theory of operation: passt and pasta listen on a UNIX stream socket for
 * one client at a time; others wait in the backlog (compat.md 5.3). A
 * client is greeted with the hello and the tables in force (ctl/wire.h),
 * then either:
 * - closes, or shuts its side down without sending anything: nothing
 *   changes;
 * - sends replacement tables and shuts its side down: they are checked,
 *   and at the end of the batch of events put in force all at once or not
 *   at all (ctl_ops.apply: transport/fwd_live.h); then we close, so the
 *   client knows the change is done when it reads end-of-file. The server
 *   sends nothing else, as upstream's: the outcome is logged, and kept for
 *   the "last change" request below;
 * - sends our extension's request ("basil:q", ctl/wire.h): the flows and
 *   counters as JSON or Prometheus text, or the outcome of the last change,
 *   answered in one message, then we close.
 *
 * Bounds: a client has CTL_DEADLINE_MS from its connection to the end of
 * the exchange, however slowly it reads or writes; what it sends is read
 * into a fixed buffer and parsed only through bounded views; every answer
 * is built at once into a fixed buffer (a consistent snapshot, costing the
 * loop one pause: doc/control.md has the figures) and written as the
 * client takes it, without blocking. While a client is served, the
 * listening socket is out of the epoll set, so the clients waiting in the
 * backlog cost nothing. Misbehaving clients are logged rate-limited.
 */
#ifndef CTL_SERVER_H
#define CTL_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/log.h"
#include "ctl/wire.h"

#define CTL_DEADLINE_MS 5000		/* a client's whole exchange, ms */
#define CTL_IN_MAX	32768		/* what a client sends, bytes */
#define CTL_OUT_MAX	(8U << 20)	/* an answer, bytes */
#define CTL_BACKLOG	64
#define CTL_LAST_LEN	512		/* outcome of the last change */

/**
 * struct ctl_ops - What the server asks of the running instance
 * @tables:	Fill @tbl with the tables in force, return their number
 * @apply:	Put the tables of @tbl that are @present in force, all or
 *		none; 0, or -errno with a one-line reason in @err
 * @report:	Write the answer to extension request @req into @buf of
 *		@len bytes; return its length, 0 if @req is unknown, or
 *		SIZE_MAX if it doesn't fit
 * @arg:	First argument of all three
 */
struct ctl_ops {
	int (*tables)(void *arg, struct ctl_table *tbl, int max);
	int (*apply)(void *arg, const struct ctl_table *tbl,
		     const bool *present, int n, char *err, size_t errlen);
	size_t (*report)(void *arg, uint32_t req, char *buf, size_t len);
	void *arg;
};

/**
 * enum ctl_state - Where the exchange with the client is
 * @CTL_NONE:		No client
 * @CTL_READ:		Sending the greeting, reading what the client sends
 * @CTL_APPLY:		An update was read: applied at the end of the batch
 * @CTL_ANSWER:		Writing an answer, then closing
 */
enum ctl_state {
	CTL_NONE,
	CTL_READ,
	CTL_APPLY,
	CTL_ANSWER,
};

/**
 * struct ctl_server - The control socket and its one client
 * @listen_fd:	Listening socket, -1 if there is none (no -c)
 * @fd:		Client, -1 if none
 * @timer_fd:	Deadline of the client's exchange (timerfd)
 * @epfd:	epoll descriptor
 * @gen:	Generation of the client, in its epoll reference
 * @state:	enum ctl_state
 * @ops:	What the instance provides
 * @in:		What the client sent
 * @in_len:	Bytes in @in
 * @eof:	The client shut its side down without sending anything: it
 *		only reads the greeting
 * @out_len:	Bytes to send in @out
 * @out_sent:	... of which sent
 * @cur:	Tables in force, as greeted
 * @next:	Tables of a client's update
 * @present:	Per table of @next: the client replaces it
 * @ncur:	Number of tables
 * @changes:	Change requests handled (sequence of the last one)
 * @last:	Outcome of the last change request: "ok" or an error line
 * @rl:		Rate limit of messages about clients
 * @path:	Path of the socket
 * @out:	Greeting or answer being sent
 */
struct ctl_server {
	int listen_fd;
	int fd;
	int timer_fd;
	int epfd;
	uint32_t gen;
	enum ctl_state state;
	struct ctl_ops ops;
	uint8_t in[CTL_IN_MAX];
	size_t in_len;
	bool eof;
	size_t out_len;
	size_t out_sent;
	struct ctl_table cur[CTL_MAX_TABLES];
	struct ctl_table next[CTL_MAX_TABLES];
	bool present[CTL_MAX_TABLES];
	int ncur;
	uint64_t changes;
	char last[CTL_LAST_LEN];
	struct ratelimit rl;
	char path[108];
	uint8_t out[CTL_OUT_MAX];
};

void ctl_init(struct ctl_server *s, int epfd, const struct ctl_ops *ops);
int ctl_listen(struct ctl_server *s, const char *path);
void ctl_listen_handler(struct ctl_server *s);
void ctl_handler(struct ctl_server *s, uint32_t gen, int fd, uint32_t events);
void ctl_timer_handler(struct ctl_server *s);
void ctl_batch_end(struct ctl_server *s);

#endif /* CTL_SERVER_H */
