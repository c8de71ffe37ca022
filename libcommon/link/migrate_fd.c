// SPDX-License-Identifier: GPL-2.0-or-later
/* migrate_fd.c - exact reads and writes on the descriptor of a migration
 *
 * Theory of operation: qemu hands us one end of a pipe (or a socket) for
 * the state of a migration, and the other passt is at the far end through
 * qemu. The stream is read and written in pieces of known length, each
 * exactly, in the middle of a loop iteration: the descriptor is made
 * non-blocking and every wait for the peer is bounded (MIGRATE_IDLE_MS
 * without a byte moving), so a peer that stalls can't hold us forever.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <unistd.h>

#include "link/migrate_fd.h"

/**
 * migrate_wait() - Wait until the peer of the descriptor moves
 * @fd:		Descriptor, non-blocking
 * @events:	POLLIN or POLLOUT
 *
 * Return: 0 when it is ready, -ETIMEDOUT after MIGRATE_IDLE_MS, -errno
 */
static int migrate_wait(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n;

	do
		n = poll(&p, 1, MIGRATE_IDLE_MS);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n ? 0 : -ETIMEDOUT;
}

/**
 * migrate_io() - Read or write exactly @len bytes
 * @fd:		Descriptor, non-blocking
 * @buf:	Buffer
 * @len:	Bytes
 * @out:	Write (else read)
 *
 * Return: 0 on success, -EPIPE if the peer closed first (end of file while
 *	   reading, no reader while writing), -ETIMEDOUT if it stalled,
 *	   -errno otherwise
 */
int migrate_io(int fd, void *buf, size_t len, bool out)
{
	uint8_t *p = buf;
	ssize_t n;
	int ret;

	while (len) {
		n = out ? write(fd, p, len) : read(fd, p, len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if ((ret = migrate_wait(fd, out ? POLLOUT : POLLIN)))
				return ret;
			continue;
		}
		if (n < 0)
			return -errno;
		if (!n)
			return -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/**
 * migrate_nonblock() - Make the transfer descriptor non-blocking
 * @fd:		Descriptor: our end of qemu's pipe
 *
 * Return: 0 on success, -errno on failure
 */
int migrate_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}
