// SPDX-License-Identifier: GPL-2.0-or-later
/* fds.c - inherited file descriptors: start from a known set
 *
 * Theory of operation: whoever starts us may leave descriptors open by
 * accident (a shell's redirections, a caller that forgot O_CLOEXEC) or on
 * purpose (qemu 10.1's -netdev passt hands over one end of a socketpair with
 * --fd N; systemd passes its listening sockets from fd 3 on, with
 * LISTEN_FDS and LISTEN_PID). As upstream does since 2024, the first thing
 * passt and pasta do, before anything of theirs is open, is fds_sanitise():
 *
 *   - the --fd descriptor moves to the first number after systemd's sockets,
 *     3 without them (compat.md 6.5), the old number is closed;
 *   - systemd's sockets stay where they are, when LISTEN_PID is our PID and
 *     the caller uses socket activation (passt: units/passt@.socket);
 *   - 0, 1 and 2 that aren't open are opened on /dev/null: a caller that
 *     closed them would otherwise see our first socket become "stderr", and
 *     log lines written into it;
 *   - every other descriptor is closed, with one close_range(2).
 *
 * Nothing of ours is open yet at that point, and nothing allocates.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "fds.h"

/* Upper bound on LISTEN_FDS we accept: more is a broken environment */
#define FDS_LISTEN_MAX 64

/**
 * fds_env_num() - Parse a decimal environment variable
 * @name:	Variable name
 * @max:	Largest accepted value
 *
 * Return: its value, -1 if unset or not a number in 0..@max
 */
static long fds_env_num(const char *name, long max)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (!s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	return v;
}

/**
 * fds_listen_count() - Number of sockets systemd passed us
 *
 * sd_listen_fds(3): LISTEN_PID must be our PID, LISTEN_FDS the count of
 * descriptors from 3 on.
 *
 * Return: the count, 0 if the variables are missing or meant for another
 *	   process
 */
int fds_listen_count(void)
{
	long pid = fds_env_num("LISTEN_PID", INT_MAX);
	long n = fds_env_num("LISTEN_FDS", FDS_LISTEN_MAX);

	if (pid != (long)getpid() || n <= 0)
		return 0;
	return (int)n;
}

/**
 * fds_is_open() - Tell whether a descriptor is open
 * @fd:		Descriptor
 *
 * Return: true if it is
 */
static bool fds_is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0 || errno != EBADF;
}

/**
 * fds_fill_stdio() - Open /dev/null on 0, 1 and 2 where they aren't open
 *
 * Ascending order: when 0..fd-1 are open, open() returns fd itself.
 *
 * Return: 0 on success, -errno on failure
 */
static int fds_fill_stdio(void)
{
	int fd, got;

	for (fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		if (fds_is_open(fd))
			continue;
		/* Not O_CLOEXEC: pasta's command inherits its stdio */
		if ((got = open("/dev/null", O_RDWR)) < 0)
			return -errno;
		if (got != fd) {
			/* Can't happen, but a wrong stdio is worse than none */
			close(got);
			return -EBADF;
		}
	}
	return 0;
}

/**
 * fds_close_from() - Close every descriptor from @first on
 * @first:	Lowest descriptor to close
 *
 * Return: 0 on success, -errno on failure
 */
static int fds_close_from(int first)
{
	struct rlimit rl;
	int fd;

	/* CLOSE_RANGE_UNSHARE: a table shared with a clone() parent is
	 * copied first, so the parent keeps its descriptors
	 */
	if (!close_range((unsigned int)first, ~0U, CLOSE_RANGE_UNSHARE))
		return 0;
	if (errno != ENOSYS && errno != EINVAL)
		return -errno;

	/* Kernels before 5.9: close what the limit lets exist */
	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur > INT_MAX)
		return -EMFILE;
	for (fd = first; fd < (int)rl.rlim_cur; fd++)
		close(fd);
	return 0;
}

/**
 * fds_sanitise() - Keep stdio, systemd's sockets and the --fd descriptor,
 *		    close everything else
 * @keep:	Descriptor given with --fd, -1 if none
 * @activation:	Keep the sockets of systemd's socket activation
 *
 * Without @activation, LISTEN_FDS and LISTEN_PID addressed to us are
 * removed from the environment along with the descriptors they describe.
 *
 * Return: the number @keep has now, -1 if @keep is -1, -EBADF if @keep
 *	   wasn't open (everything else is done anyway), other -errno on
 *	   failure
 */
int fds_sanitise(int keep, bool activation)
{
	int nlisten = fds_listen_count(), first, ret, kept = -1;

	if (!activation && nlisten) {
		unsetenv("LISTEN_PID");
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_FDNAMES");
		nlisten = 0;
	}
	first = FDS_FIRST + nlisten;

	if (keep >= 0 && !fds_is_open(keep)) {
		keep = -1;
		kept = -EBADF;
	}
	if (keep >= FDS_FIRST && keep < first) {
		/* One of systemd's own (Accept=yes with --fd 3): stays */
		kept = keep;
	} else if (keep >= 0) {
		if (keep == first) {
			if (fcntl(keep, F_SETFD, FD_CLOEXEC))
				return -errno;
		} else {
			if (dup3(keep, first, O_CLOEXEC) < 0)
				return -errno;
			close(keep);
		}
		kept = first++;
	}

	if ((ret = fds_fill_stdio()))
		return ret;
	if ((ret = fds_close_from(first)))
		return ret;
	return kept;
}
