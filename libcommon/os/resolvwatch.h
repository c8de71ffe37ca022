/* SPDX-License-Identifier: GPL-2.0-or-later */
/* resolvwatch.h - notice when the host's resolv.conf changes, and read it */
#ifndef OS_RESOLVWATCH_H
#define OS_RESOLVWATCH_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "inotify_ev.h"

/**
 * struct resolvwatch - Watch on the resolver configuration file
 * @fd:		inotify descriptor to poll, -1 if not watching
 * @dir_fd:	O_PATH descriptor of the directory holding the file (/etc)
 * @tdir_fd:	O_PATH descriptor of the directory its symlink pointed into
 *		at start, when that is another one; -1 otherwise
 * @file_fd:	The file itself when it is bind-mounted (read with pread()),
 *		-1 otherwise
 * @wd_dir:	Watch on @dir_fd's directory
 * @wd_tdir:	Watch on @tdir_fd's directory, -1 if none
 * @wd_file:	Watch on the file itself (its inode at start: a bind mount)
 * @name:	Name of the file in @dir_fd ("resolv.conf")
 * @tname:	Name the symlink points to, as last seen ("" if none)
 * @t_in_tdir:	@tname is in @tdir_fd's directory, else in @dir_fd's
 * @ldir:	Directory part of the symlink's text at start, with its
 *		trailing '/', when it leads to @tdir_fd; "" otherwise
 * @warned:	A symlink we can't follow was reported already
 */
struct resolvwatch {
	int fd;
	int dir_fd;
	int tdir_fd;
	int file_fd;
	int wd_dir;
	int wd_tdir;
	int wd_file;
	char name[NAME_MAX + 1];
	char tname[NAME_MAX + 1];
	bool t_in_tdir;
	char ldir[PATH_MAX];
	bool warned;
};

int resolvwatch_init(struct resolvwatch *w, const char *path);
bool resolvwatch_ours(const struct resolvwatch *w,
		      const struct inotify_ev *ev);
bool resolvwatch_changed(struct resolvwatch *w);
int resolvwatch_pick(const struct resolvwatch *w, const char *link,
		     const char **name);
ssize_t resolvwatch_read(struct resolvwatch *w, void *buf, size_t size);

#endif /* OS_RESOLVWATCH_H */
