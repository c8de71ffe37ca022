// SPDX-License-Identifier: GPL-2.0-or-later
/* nswatch.c - notice when the namespace we serve goes away
 *
 * Theory of operation: podman never stops pasta; it deletes the namespace
 * file (a bind mount under $XDG_RUNTIME_DIR/netns or /run/netns) and expects
 * pasta to leave. Our own descriptor keeps the namespace alive, so we watch
 * the file instead. On a regular filesystem an inotify watch on the
 * directory reports IN_DELETE with the file's name. procfs (a PID target,
 * /proc/PID/ns/net) and sysfs don't report deletions, so there a 1-second
 * timer checks whether the name can still be opened; a missing name or a
 * dead process means gone, a permission error means still there.
 */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/magic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/timerfd.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "inotify_ev.h"
#include "nswatch.h"

/**
 * nswatch_timer() - Fall back to a 1-second timer
 * @w:		Watch
 *
 * Return: 0 on success, -errno on failure
 */
static int nswatch_timer(struct nswatch *w)
{
	struct itimerspec it = { { 1, 0 }, { 1, 0 } };

	w->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (w->fd < 0)
		return -errno;
	w->inotify = false;
	if (timerfd_settime(w->fd, 0, &it, NULL))
		return -errno;
	return 0;
}

/**
 * nswatch_init() - Start watching a namespace file
 * @w:		Watch to initialise
 * @path:	Path of the namespace file
 *
 * Return: 0 on success, -errno on failure
 */
int nswatch_init(struct nswatch *w, const char *path)
{
	char dir[PATH_MAX], base[PATH_MAX];
	struct statfs s;
	const char *b;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir) ||
	    snprintf(base, sizeof(base), "%s", path) >= (int)sizeof(base))
		return -ENAMETOOLONG;
	b = basename(base);
	if (snprintf(w->base, sizeof(w->base), "%s", b) >= (int)sizeof(w->base))
		return -ENAMETOOLONG;

	w->stat_fd = -1;
	w->dir_fd = open(dirname(dir), O_PATH | O_CLOEXEC);
	if (w->dir_fd < 0)
		return -errno;

	if (fstatfs(w->dir_fd, &s) == 0 && s.f_type != PROC_SUPER_MAGIC &&
	    s.f_type != SYSFS_MAGIC && s.f_type != DEVPTS_SUPER_MAGIC) {
		w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (w->fd >= 0 &&
		    inotify_add_watch(w->fd, dir, IN_DELETE) >= 0) {
			w->inotify = true;
			return 0;
		}
		if (w->fd >= 0)
			close(w->fd);
	}
	/* A process: its stat file tells when it exits, even a zombie */
	if (s.f_type == PROC_SUPER_MAGIC && !strcmp(basename(dir), "ns"))
		w->stat_fd = openat(w->dir_fd, "../stat", O_RDONLY | O_CLOEXEC);
	return nswatch_timer(w);
}

/**
 * nswatch_proc_gone() - Tell from /proc/PID/stat whether a process exited
 * @w:		Watch, with @stat_fd open
 *
 * Return: true if the process is a zombie, or gone
 */
static bool nswatch_proc_gone(const struct nswatch *w)
{
	char buf[512];
	const char *p;
	ssize_t n;

	n = pread(w->stat_fd, buf, sizeof(buf), 0);
	if (n < 0)
		return errno == ESRCH || errno == ENOENT;
	/* "PID (COMM) STATE ...": COMM may contain ')', take the last one */
	p = memrchr(buf, ')', (size_t)n);
	if (!p || p + 2 >= buf + n)
		return false;
	return p[2] == 'Z' || p[2] == 'X';
}

/**
 * nswatch_inotify_gone() - Read inotify events, look for our file's deletion
 * @w:		Watch
 *
 * Return: true if the file was deleted
 */
static bool nswatch_inotify_gone(struct nswatch *w)
{
	char buf[sizeof(struct inotify_event) + NAME_MAX + 1]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
		struct pview v = pview_make(buf, (size_t)n);
		struct inotify_ev ev;
		size_t off = 0;

		while (inotify_ev_next(v, &off, &ev)) {
			if (ev.name && !strcmp(ev.name, w->base))
				return true;
		}
	}
	return false;
}

/**
 * nswatch_gone() - Handle a wake-up of the watch descriptor
 * @w:		Watch
 *
 * Return: true if the namespace is gone
 */
bool nswatch_gone(struct nswatch *w)
{
	uint64_t expired;
	int fd;

	if (w->inotify)
		return nswatch_inotify_gone(w);

	if (read(w->fd, &expired, sizeof(expired)) < 0 && errno == EAGAIN)
		return false;
	if (w->stat_fd >= 0 && nswatch_proc_gone(w))
		return true;
	fd = openat(w->dir_fd, w->base, O_PATH | O_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		return false;
	}
	return errno == ENOENT || errno == ESRCH || errno == ENOTDIR;
}
