/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nswatch.h - notice when the namespace we serve goes away */
#ifndef OS_NSWATCH_H
#define OS_NSWATCH_H

#include <limits.h>
#include <stdbool.h>

/**
 * struct nswatch - Watch on a namespace file
 * @fd:		inotify or timerfd descriptor to poll, -1 if not watching
 * @inotify:	@fd is an inotify descriptor (else a 1 s timerfd)
 * @dir_fd:	O_PATH descriptor of the directory holding the file
 * @base:	Name of the file in that directory
 * @stat_fd:	/proc/PID/stat of the target when watching /proc/PID/ns/net,
 *		-1 otherwise: read with no capabilities (the sandbox drops
 *		them), where /proc/PID/ns/net then fails with EACCES
 */
struct nswatch {
	int fd;
	bool inotify;
	int dir_fd;
	char base[NAME_MAX + 1];
	int stat_fd;
};

int nswatch_init(struct nswatch *w, const char *path);
bool nswatch_gone(struct nswatch *w);

#endif /* OS_NSWATCH_H */
