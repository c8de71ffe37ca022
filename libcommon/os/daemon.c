// SPDX-License-Identifier: GPL-2.0-or-later
/* daemon.c - PID files, going to the background, switching user
 *
 * Theory of operation: callers such as podman, libvirt and qemu start us and
 * wait for the process they started to exit: exit status 0 means "ready".
 * So all set-up happens first; then daemon_fork() forks, the child finishes
 * its set-up (it detaches from the session and from the caller's stdio,
 * daemon_detach(), because podman waits until every holder of its output
 * pipe has closed it; then the signalfd and the seccomp filter) and says so
 * on a pipe (daemon_ready()); only then does the parent write the child's
 * PID to the PID file and exit 0. If the child ends first, the parent sees
 * the pipe closed (daemon_wait_ready()) and exits 1.
 *
 * A PID file names a running, ready process, or isn't there: a failed start
 * must not leave one behind. Its path is out of reach once we are sandboxed
 * (an empty root), so pidfile_open() opens the file and its directory just
 * before, and remembers whether the file is ours (it didn't exist: callers
 * like qemu create it themselves, with mkstemp()). pidfile_write() fills it
 * once the start has succeeded; if anything fails before, pidfile_abort()
 * removes our file through the directory's descriptor, which still reaches
 * it, or empties the caller's.
 *
 * passt in vhost-user mode removes its socket and PID file when it exits,
 * which nobody else does for it (libvirt leaves them in its state directory
 * for vhostuser interfaces): exit_file_open() keeps a descriptor of the
 * directory of each, opened before the sandbox, and exit_file_remove()
 * removes the file through it at the end.
 *
 * Under systemd (Type=notify), readiness is a "READY=1" datagram to
 * $NOTIFY_SOCKET instead, and it must only be sent once we are sandboxed:
 * systemd reports the unit as started at that moment. By then the socket's
 * path is out of reach (the root is an empty tmpfs), so notify_open()
 * connects a datagram socket to it beforehand, and notify_ready() only
 * sends on it: a plain send(), which every tool's allowlist has.
 */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "daemon.h"

/**
 * pidfile_none() - Set up a PID file handle that stands for no file
 * @pf:		Handle
 */
static void pidfile_none(struct pidfile *pf)
{
	pf->fd = pf->dirfd = -1;
	pf->created = false;
	pf->name[0] = '\0';
}

/**
 * dir_open() - Open the directory of a path, split off the file name
 * @path:	Path of the file
 * @dirfd:	Set to the directory (O_PATH) on success
 * @name:	Set to the file name, NAME_MAX + 1 bytes
 *
 * Return: 0 on success, -errno on failure
 */
static int dir_open(const char *path, int *dirfd, char *name)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	char dir[PATH_MAX];
	size_t dlen;

	if (!*base)
		return -EISDIR;
	if (strlen(base) > NAME_MAX)
		return -ENAMETOOLONG;
	dlen = slash ? (size_t)(slash - path) : 0;
	if (dlen >= sizeof(dir))
		return -ENAMETOOLONG;
	if (!slash) {
		memcpy(dir, ".", 2);
	} else if (!dlen) {
		memcpy(dir, "/", 2);
	} else {
		memcpy(dir, path, dlen);
		dir[dlen] = '\0';
	}

	*dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return -errno;
	memcpy(name, base, strlen(base) + 1);
	return 0;
}

/**
 * pidfile_open() - Open a PID file, creating it if it doesn't exist
 * @pf:		Handle, set up (standing for no file if @path is empty)
 * @path:	Path, empty for none
 *
 * An existing file (a caller's) is truncated, as upstream does; one we
 * create is remembered as ours, for pidfile_abort().
 *
 * Return: 0 on success, -errno on failure (@pf then stands for no file)
 */
int pidfile_open(struct pidfile *pf, const char *path)
{
	const int wr = O_WRONLY | O_CLOEXEC;
	int ret;

	pidfile_none(pf);
	if (!*path)
		return 0;
	if ((ret = dir_open(path, &pf->dirfd, pf->name)))
		return ret;

	pf->fd = openat(pf->dirfd, pf->name, wr | O_CREAT | O_EXCL, 0600);
	pf->created = pf->fd >= 0;
	if (pf->fd < 0 && errno == EEXIST)
		pf->fd = openat(pf->dirfd, pf->name, wr | O_TRUNC);
	/* a dangling symbolic link: create its target, as open() would */
	if (pf->fd < 0 && errno == ENOENT)
		pf->fd = openat(pf->dirfd, pf->name, wr | O_CREAT | O_TRUNC,
				0600);
	if (pf->fd < 0) {
		ret = -errno;
		close(pf->dirfd);
		pidfile_none(pf);
		return ret;
	}
	return 0;
}

/**
 * pidfile_write() - Write a PID ("%d\n") into the PID file
 * @pf:		Handle, no-op if it stands for no file
 * @pid:	PID to write
 *
 * The file stays open: pidfile_close() once start-up is over, or
 * pidfile_abort() if it failed after all.
 *
 * Return: 0 on success, -errno on failure
 */
int pidfile_write(const struct pidfile *pf, pid_t pid)
{
	char buf[32];
	ssize_t w;
	int n;

	if (pf->fd < 0)
		return 0;
	n = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	/* a short write sets no errno: don't report an old one */
	if ((w = pwrite(pf->fd, buf, (size_t)n, 0)) != n)
		return w < 0 ? -errno : -EIO;
	return 0;
}

/**
 * pidfile_close() - Done with the PID file (written, or not ours to touch:
 *		     the parent of a daemon_fork() writes it)
 * @pf:		Handle, then standing for no file
 */
void pidfile_close(struct pidfile *pf)
{
	if (pf->fd >= 0)
		close(pf->fd);
	if (pf->dirfd >= 0)
		close(pf->dirfd);
	pidfile_none(pf);
}

/**
 * pidfile_abort() - Start-up failed: leave no PID file behind
 * @pf:		Handle, then standing for no file
 *
 * Our file is removed through the descriptor of its directory, which works
 * once the sandbox took the path away too (not under the seccomp filter:
 * call this before it is installed). It is only removed if it is still the
 * file we created; a caller's file is emptied instead.
 */
void pidfile_abort(struct pidfile *pf)
{
	struct stat ours, now;

	if (pf->fd < 0)
		return;
	if (!pf->created) {
		if (ftruncate(pf->fd, 0))
			log_debug("Couldn't empty the PID file: %s",
				  strerror(errno));
	} else if (!fstat(pf->fd, &ours) &&
		   !fstatat(pf->dirfd, pf->name, &now, AT_SYMLINK_NOFOLLOW) &&
		   ours.st_dev == now.st_dev && ours.st_ino == now.st_ino) {
		unlinkat(pf->dirfd, pf->name, 0);
	}
	pidfile_close(pf);
}

/**
 * exit_file_open() - Remember a file to remove when we exit
 * @f:		Handle, standing for no file on failure
 * @path:	Path of the file, ours (a socket we bound, a PID file)
 *
 * Its directory is opened now: the sandbox takes the path away later.
 *
 * Return: 0 on success, -errno on failure
 */
int exit_file_open(struct exit_file *f, const char *path)
{
	int ret = dir_open(path, &f->dirfd, f->name);

	if (ret)
		f->dirfd = -1;
	return ret;
}

/**
 * exit_file_remove() - We exit: remove the file, if there is one
 * @f:		Handle, then standing for no file
 *
 * Under the seccomp filter, this needs unlinkat (passt's vhost-user
 * profile only).
 */
void exit_file_remove(struct exit_file *f)
{
	if (f->dirfd < 0)
		return;
	if (unlinkat(f->dirfd, f->name, 0) && errno != ENOENT)
		log_debug("Couldn't remove %s: %s", f->name, strerror(errno));
	close(f->dirfd);
	f->dirfd = -1;
}

/**
 * daemon_fork() - Fork into the background, with a pipe to say "ready"
 * @ready:	Set to the parent's end of the pipe (for daemon_wait_ready())
 *		in the parent, to the child's (for daemon_ready()) in the child
 *
 * Return: in the parent, the child's PID; in the child, 0; -errno on failure
 */
pid_t daemon_fork(int *ready)
{
	int p[2], ret;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	if ((pid = fork()) < 0) {
		ret = -errno;
		close(p[0]);
		close(p[1]);
		return ret;
	}
	close(p[pid ? 1 : 0]);
	*ready = p[pid ? 0 : 1];
	return pid;
}

/**
 * daemon_wait_ready() - In the parent: wait until the child is ready
 * @fd:		Parent's end of the pipe, closed here
 *
 * Return: 0 once the child said it is ready, -ECHILD if it ended (or closed
 *	   the pipe) first, other -errno if the pipe couldn't be read
 */
int daemon_wait_ready(int fd)
{
	ssize_t n;
	char c;

	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return (int)n;
	return n == 1 ? 0 : -ECHILD;
}

/**
 * daemon_ready() - In the child: tell the parent we are ready
 * @fd:		Child's end of the pipe, closed here
 *
 * Return: 0 on success, -errno if the parent can't be told (it is gone)
 */
int daemon_ready(int fd)
{
	const char c = 1;
	ssize_t n = write(fd, &c, 1);
	int ret = n == 1 ? 0 : n < 0 ? -errno : -EIO;

	close(fd);
	return ret;
}

/* /dev/null opened ahead by daemon_devnull_open(), -1 if not */
static int daemon_devnull = -1;

/**
 * daemon_devnull_open() - Open /dev/null now, for a later daemon_detach()
 *
 * The sandbox changes root to an empty directory before we fork: after that,
 * /dev/null can't be opened by path any more.
 *
 * Return: 0 on success, -errno on failure
 */
int daemon_devnull_open(void)
{
	if (daemon_devnull >= 0)
		return 0;
	daemon_devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	return daemon_devnull < 0 ? -errno : 0;
}

/**
 * daemon_detach() - Start a new session, point stdin/out/err to /dev/null
 *
 * Return: 0 on success, -errno on failure
 */
int daemon_detach(void)
{
	int fd, ret = 0;

	if (setsid() < 0)
		return -errno;
	fd = daemon_devnull;
	daemon_devnull = -1;
	if (fd < 0)
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (dup2(fd, STDIN_FILENO) < 0 || dup2(fd, STDOUT_FILENO) < 0 ||
	    dup2(fd, STDERR_FILENO) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/**
 * drop_user() - Switch to another user and group, dropping supplementary ones
 * @uid:	User ID
 * @gid:	Group ID
 *
 * Return: 0 on success, -errno on failure
 */
int drop_user(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL) && errno != EPERM)
		return -errno;
	if (setresgid(gid, gid, gid) || setresuid(uid, uid, uid))
		return -errno;
	return 0;
}

/**
 * raise_nofile() - Raise the soft limit of open files to the hard one
 *
 * Every connection holds a socket, and "-t all" a listener per port: the
 * usual soft limit of 1024 would be reached long before the flow table is
 * full.
 *
 * Return: the new soft limit, or -errno
 */
long raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	return (long)rl.rlim_cur;
}

/**
 * notify_open() - Connect a datagram socket to systemd's $NOTIFY_SOCKET
 *
 * sd_notify(3): a path, or an abstract name written with a leading '@'.
 * Other forms (vsock:...) are for virtual machines, not for services.
 *
 * Return: the socket, -ENOENT if NOTIFY_SOCKET isn't set, other -errno on
 *	   failure
 */
int notify_open(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	const char *p = getenv("NOTIFY_SOCKET");
	size_t len;
	int fd;

	if (!p || !*p)
		return -ENOENT;
	if (*p != '/' && *p != '@')
		return -EAFNOSUPPORT;
	if ((len = strlen(p)) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	memcpy(a.sun_path, p, len);
	if (*p == '@')
		a.sun_path[0] = '\0';

	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&a,
		    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len))) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

/**
 * notify_ready() - Tell systemd we're ready, and close the socket
 * @fd:		Socket from notify_open()
 *
 * Return: 0 on success, -errno on failure
 */
int notify_ready(int fd)
{
	static const char msg[] = "READY=1";
	int ret = 0;

	if (send(fd, msg, sizeof(msg) - 1, MSG_NOSIGNAL) < 0)
		ret = -errno;
	close(fd);
	return ret;
}
