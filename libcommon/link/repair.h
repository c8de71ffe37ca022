/* SPDX-License-Identifier: GPL-2.0-or-later */
/* repair.h - passt's repair socket: passt-repair sets TCP_REPAIR for us
 *
 * Theory of operation: TCP_REPAIR needs CAP_NET_ADMIN, which passt doesn't
 * keep. In vhost-user mode passt listens on a UNIX socket (<socket>.repair
 * or --repair-path) where the privileged helper passt-repair connects: one
 * helper at a time, further ones are accepted and closed at once (compat.md
 * 4.4). At migration time we hand it sockets in batches: one signed command
 * byte (1 repair on, 0 off, -1 off without window probe) with up to
 * REPAIR_BATCH descriptors as SCM_RIGHTS; it sets the option on each and
 * echoes the byte. A batch goes out when the command changes, when it is
 * full, or on repair_flush(); each waits at most REPAIR_ECHO_MS for the
 * echo. A helper that fails, hangs up or echoes something else is closed:
 * the migration then goes on (or back) without it.
 */
#ifndef LINK_REPAIR_H
#define LINK_REPAIR_H

#include <stdbool.h>
#include <stdint.h>

#define REPAIR_BATCH	253	/* descriptors in one message (SCM_MAX_FD) */
#define REPAIR_ECHO_MS	1000	/* the helper answers a batch within this */
#define REPAIR_WAIT_MS	10	/* migration: wait this long for a helper */
#define REPAIR_PATH_MAX	108	/* sun_path */

#define REPAIR_ON	1
#define REPAIR_OFF	0
#define REPAIR_OFF_NO_WP (-1)

/**
 * struct repair - The repair socket and its helper
 * @epfd:	epoll instance
 * @listen_fd:	Listening socket, -1 if none (--repair-path none)
 * @fd:		Connected helper, -1 if none
 * @cmd:	Command of the batch being gathered
 * @n:		Descriptors in that batch
 * @fds:	The batch
 * @path:	Path of the listening socket
 */
struct repair {
	int epfd;
	int listen_fd;
	int fd;
	int8_t cmd;
	int n;
	int fds[REPAIR_BATCH];
	char path[REPAIR_PATH_MAX];
};

void repair_init(struct repair *r, int epfd);
int repair_listen(struct repair *r, const char *path);
void repair_listen_handler(struct repair *r);
void repair_handler(struct repair *r, uint32_t events);
bool repair_wait(struct repair *r, int ms);
int repair_add(struct repair *r, int fd, int8_t cmd);
int repair_flush(struct repair *r);

#endif /* LINK_REPAIR_H */
