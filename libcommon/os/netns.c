// SPDX-License-Identifier: GPL-2.0-or-later
/* netns.c - name or path of a network namespace, opening and joining it
 *
 * Theory of operation: a namespace is named the way pasta's --netns and
 * ip-netns(8) name it: an argument without '/' is the name of a namespace
 * bound under /run/netns, anything else is a path to a namespace file (a
 * bind mount, or /proc/PID/ns/net). Joining it with setns() needs
 * CAP_SYS_ADMIN both in our own user namespace and in the one that owns the
 * target namespace: root, or a user inside that user namespace.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "os/netns.h"

/**
 * netns_path() - Turn a namespace name or path into a path
 * @arg:	Name (no '/': /run/netns/NAME) or path (used as is)
 * @buf:	Output buffer
 * @len:	Its size
 *
 * Return: 0, -EINVAL for an empty argument or the names "." and "..",
 *	   -ENAMETOOLONG if the path does not fit in @buf
 */
int netns_path(const char *arg, char *buf, size_t len)
{
	int n;

	if (!arg || !*arg || !buf || !len)
		return -EINVAL;

	if (strchr(arg, '/')) {
		n = snprintf(buf, len, "%s", arg);
	} else {
		if (!strcmp(arg, ".") || !strcmp(arg, ".."))
			return -EINVAL;
		n = snprintf(buf, len, NETNS_RUN_DIR "/%s", arg);
	}
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

/**
 * netns_open() - Open a network namespace file
 * @arg:	Name or path, see netns_path()
 *
 * Return: file descriptor (read-only, close-on-exec), or -errno
 */
int netns_open(const char *arg)
{
	char path[4096];
	int fd, rc;

	rc = netns_path(arg, path, sizeof(path));
	if (rc)
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/**
 * netns_enter() - Move the calling thread into a network namespace
 * @fd:		Namespace file descriptor, from netns_open()
 *
 * Return: 0, or -errno (-EINVAL if @fd is not a network namespace, -EPERM
 *	   without CAP_SYS_ADMIN over it)
 */
int netns_enter(int fd)
{
	return setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
}
