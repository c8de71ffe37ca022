// SPDX-License-Identifier: GPL-2.0-or-later
/* resolvwatch.c - notice when the host's resolv.conf changes, and read it
 *
 * Theory of operation: the file is rewritten in place (an editor, a script
 * doing "> /etc/resolv.conf"), replaced by a rename in its directory
 * (NetworkManager, resolvconf, sed -i), or is a symlink into another
 * directory whose target is replaced the same way (systemd-resolved's
 * ../run/systemd/resolve/stub-resolv.conf), or the symlink itself is
 * replaced by one pointing elsewhere. One inotify descriptor, set up before
 * the sandbox, holds three watches that cover all of these:
 *
 * - the file's directory (IN_CLOSE_WRITE, IN_MOVED_TO, IN_CREATE): a write,
 *   a rename over it, a new symlink, for the entry of that name;
 * - the directory the symlink pointed into at start, the same way, for the
 *   entry it points to now;
 * - the file's inode at start (IN_CLOSE_WRITE): a bind-mounted file (as
 *   `ip netns exec` and container engines mount resolv.conf) is written
 *   through another path, which the directory watches don't see. Its inode
 *   never changes for us (a rename over a mount point fails, and a rename
 *   in the source's directory is seen by nobody in our mount namespace), so
 *   this watch never needs re-arming, and the file is read again through a
 *   descriptor of its own, opened at start; on a file that isn't
 *   bind-mounted, a replaced inode is seen by the directory watch, which
 *   also sees writes to the new one.
 *
 * Nothing is polled: at rest no event comes. After the sandbox our root is
 * an empty tmpfs, so the file is read again through O_PATH descriptors of
 * those two directories, opened at start: readlinkat() tells whether the
 * name is a symlink now and where it points; a name in the same directory
 * or in the directory watched since start is opened with openat(); one
 * pointing anywhere else can't be reached any more (-EXDEV, the caller
 * warns). The content is read into the caller's bounded buffer.
 */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "resolvwatch.h"

/* Events of a directory that can change the entry of a name */
#define RESOLVWATCH_DIR_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE)

/**
 * resolvwatch_split() - Directory part (with its '/') and last name of a path
 * @path:	Path or symlink text
 * @dir:	Set to the directory part, "" if there is none
 * @dsize:	Size of @dir
 *
 * Return: the last name, inside @path; NULL if @dir is too small
 */
static const char *resolvwatch_split(const char *path, char *dir,
				     size_t dsize)
{
	const char *slash = strrchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) + 1 : 0;

	if (len >= dsize)
		return NULL;
	memcpy(dir, path, len);
	dir[len] = '\0';
	return path + len;
}

/**
 * resolvwatch_link() - Watch the directory a symlink points into
 * @w:		Watch, with @dir_fd and @fd set
 * @dir:	Directory of the symlink, with its trailing '/'
 * @link:	Text of the symlink
 *
 * Return: 0 on success (or nothing to watch), -errno on failure
 */
static int resolvwatch_link(struct resolvwatch *w, const char *dir,
			    const char *link)
{
	char ldir[PATH_MAX], full[PATH_MAX], real[PATH_MAX];
	const char *base = resolvwatch_split(link, ldir, sizeof(ldir));

	if (!base || snprintf(w->tname, sizeof(w->tname), "%s", base) >=
		     (int)sizeof(w->tname))
		return -ENAMETOOLONG;
	if (!*ldir)
		return 0;	/* same directory, already watched */
	if (snprintf(full, sizeof(full), "%s%s", *ldir == '/' ? "" : dir,
		     ldir) >= (int)sizeof(full))
		return -ENAMETOOLONG;
	if (!realpath(full, real))
		return -errno;
	w->tdir_fd = open(real, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (w->tdir_fd < 0)
		return -errno;
	w->wd_tdir = inotify_add_watch(w->fd, real, RESOLVWATCH_DIR_MASK);
	if (w->wd_tdir < 0)
		return -errno;
	memcpy(w->ldir, ldir, sizeof(w->ldir));
	w->t_in_tdir = true;
	return 0;
}

/**
 * resolvwatch_mounted() - Tell whether a name is a mount point of its own
 * @dir:	Directory, with its trailing '/'
 * @path:	The name in it
 *
 * Return: true if @path (not followed if a symlink) is on another mount
 *	   than @dir: a bind-mounted file
 */
static bool resolvwatch_mounted(const char *dir, const char *path)
{
	struct statx d, f;

	if (statx(AT_FDCWD, dir, 0, STATX_MNT_ID, &d) ||
	    statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &f))
		return false;
	return (d.stx_mask & f.stx_mask & STATX_MNT_ID) &&
	       d.stx_mnt_id != f.stx_mnt_id;
}

/**
 * resolvwatch_init() - Start watching a resolv.conf file
 * @w:		Watch to initialise
 * @path:	Absolute path of the file, normally /etc/resolv.conf
 *
 * A missing file is fine: it is read when it appears in its directory.
 *
 * Return: 0 on success, -errno on failure (@w->fd is then -1)
 */
int resolvwatch_init(struct resolvwatch *w, const char *path)
{
	char dir[PATH_MAX], link[PATH_MAX];
	const char *base;
	ssize_t n;
	int ret;

	memset(w, 0, sizeof(*w));
	w->fd = w->dir_fd = w->tdir_fd = w->file_fd = -1;
	w->wd_dir = w->wd_tdir = w->wd_file = -1;
	base = resolvwatch_split(path, dir, sizeof(dir));
	if (!base || !*base || !*dir ||
	    snprintf(w->name, sizeof(w->name), "%s", base) >=
		    (int)sizeof(w->name))
		return -EINVAL;

	w->dir_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (w->dir_fd < 0)
		return -errno;
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0 ||
	    (w->wd_dir = inotify_add_watch(w->fd, dir,
					   RESOLVWATCH_DIR_MASK)) < 0) {
		ret = -errno;
		goto fail;
	}
	/* Missing or dangling: the directory watch tells when it's there */
	w->wd_file = inotify_add_watch(w->fd, path, IN_CLOSE_WRITE);

	/* Bind-mounted: once the old root is detached, mounts are no longer
	 * crossed, and the name in @dir_fd is the file under the mount. The
	 * mounted file can only be written in place: read it through a
	 * descriptor of its own
	 */
	if (w->wd_file >= 0 && resolvwatch_mounted(dir, path)) {
		w->file_fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (w->file_fd >= 0)
			return 0;
	}

	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return 0;	/* not a symlink (or gone) */
	link[n] = '\0';
	/* A target directory that isn't there (yet): /etc alone is watched */
	if (resolvwatch_link(w, dir, link) && w->tdir_fd >= 0) {
		close(w->tdir_fd);
		w->tdir_fd = -1;
	}
	return 0;
fail:
	if (w->fd >= 0)
		close(w->fd);
	close(w->dir_fd);
	w->fd = w->dir_fd = -1;
	return ret;
}

/**
 * resolvwatch_ours() - Tell whether an event may have changed the file
 * @w:		Watch
 * @ev:		Event
 *
 * Return: true for a lost event (queue overflow), a write to the file's
 *	   inode, or an event on the entry of its name or its target's
 */
bool resolvwatch_ours(const struct resolvwatch *w,
		      const struct inotify_ev *ev)
{
	if (ev->mask & IN_Q_OVERFLOW)
		return true;
	if (ev->mask & IN_IGNORED)
		return false;
	if (ev->wd == w->wd_file)
		return !!(ev->mask & IN_CLOSE_WRITE);
	if (!ev->name)
		return false;
	if (ev->wd == w->wd_dir)
		return !strcmp(ev->name, w->name) ||
		       (!w->t_in_tdir && *w->tname &&
			!strcmp(ev->name, w->tname));
	if (ev->wd == w->wd_tdir)
		return w->t_in_tdir && !strcmp(ev->name, w->tname);
	return false;
}

/**
 * resolvwatch_changed() - Read every pending event
 * @w:		Watch
 *
 * Return: true if one of them may have changed the file
 */
bool resolvwatch_changed(struct resolvwatch *w)
{
	char buf[sizeof(struct inotify_event) + NAME_MAX + 1]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	bool ours = false;
	ssize_t n;

	while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
		struct pview v = pview_make(buf, (size_t)n);
		struct inotify_ev ev;
		size_t off = 0;

		while (inotify_ev_next(v, &off, &ev))
			ours |= resolvwatch_ours(w, &ev);
	}
	return ours;
}

/**
 * resolvwatch_pick() - Where to open the file from, given its symlink now
 * @w:		Watch
 * @link:	Text of the symlink now, NULL if the name is not a symlink
 * @name:	Set to the name to open relative to the returned descriptor
 *
 * Return: @dir_fd or @tdir_fd, -EXDEV if the symlink points into a
 *	   directory we hold no descriptor of
 */
int resolvwatch_pick(const struct resolvwatch *w, const char *link,
		     const char **name)
{
	char ldir[PATH_MAX];
	const char *base;

	if (!link) {
		*name = w->name;
		return w->dir_fd;
	}
	base = resolvwatch_split(link, ldir, sizeof(ldir));
	if (!base || !*base)
		return -EXDEV;
	*name = base;
	if (!*ldir)
		return w->dir_fd;
	if (w->tdir_fd >= 0 && !strcmp(ldir, w->ldir))
		return w->tdir_fd;
	return -EXDEV;
}

/**
 * resolvwatch_pread() - Read a file from its start
 * @fd:		Descriptor
 * @buf:	Buffer
 * @size:	Its size: the rest of a larger file is ignored
 *
 * Return: bytes read, -errno on a failure before any was
 */
static ssize_t resolvwatch_pread(int fd, void *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len < size) {
		n = pread(fd, (char *)buf + len, size - len, (off_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && !len)
			return -errno;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	return (ssize_t)len;
}

/**
 * resolvwatch_read() - Read the file as it is now
 * @w:		Watch
 * @buf:	Buffer for the content
 * @size:	Its size: the rest of a larger file is ignored
 *
 * Return: bytes read, -errno if the file can't be reached or read
 */
ssize_t resolvwatch_read(struct resolvwatch *w, void *buf, size_t size)
{
	char link[PATH_MAX];
	const char *name;
	ssize_t n;
	int dfd, fd;

	if (w->file_fd >= 0)
		return resolvwatch_pread(w->file_fd, buf, size);
	n = readlinkat(w->dir_fd, w->name, link, sizeof(link) - 1);
	if (n < 0 && errno != EINVAL)
		return -errno;
	if (n >= 0)
		link[n] = '\0';
	dfd = resolvwatch_pick(w, n >= 0 ? link : NULL, &name);
	if (dfd < 0)
		return dfd;
	/* What resolvwatch_ours() looks for from now on */
	snprintf(w->tname, sizeof(w->tname), "%s", n >= 0 ? name : "");
	w->t_in_tdir = n >= 0 && dfd == w->tdir_fd;

	/* O_NONBLOCK: a FIFO put there must not block the loop */
	fd = openat(dfd, name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = resolvwatch_pread(fd, buf, size);
	close(fd);
	return n;
}
