// SPDX-License-Identifier: GPL-2.0-or-later
/* daemon.c - PID files, going to the background, switching user
 *
 * Theory of operation: callers such as podman, libvirt and qemu start us and
 * wait for the process they started to exit: exit status 0 means "ready".
 * So all set-up happens first; then daemon_fork() forks, the parent writes
 * the child's PID to the PID file and exits 0, and the child detaches from
 * the session and from the caller's stdio (daemon_detach()), because podman
 * waits until every holder of its output pipe has closed it.
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
#include <sys/un.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"

/**
 * pidfile_open() - Create (truncate) a PID file
 * @path:	Path
 *
 * Return: file descriptor, or -errno on failure
 */
int pidfile_open(const char *path)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);

	return fd < 0 ? -errno : fd;
}

/**
 * pidfile_write() - Write a PID ("%d\n") and close the file
 * @fd:		PID file descriptor
 * @pid:	PID to write
 *
 * Return: 0 on success, -errno on failure
 */
int pidfile_write(int fd, pid_t pid)
{
	char buf[32];
	int n, ret = 0;
	ssize_t w;

	n = snprintf(buf, sizeof(buf), "%d\n", (int)pid);
	/* a short write sets no errno: don't report an old one */
	if ((w = write(fd, buf, (size_t)n)) != n)
		ret = w < 0 ? -errno : -EIO;
	close(fd);
	return ret;
}

/**
 * daemon_fork() - Fork into the background
 *
 * Return: in the parent, the child's PID; in the child, 0; -errno on failure
 */
pid_t daemon_fork(void)
{
	pid_t pid = fork();

	return pid < 0 ? -errno : pid;
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
