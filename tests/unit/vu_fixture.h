/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vu_fixture.h - vhost-user unit tests: guest memory in memfds, and counts
 * of open descriptors and mappings to find leaks (include after cmocka.h)
 */
#ifndef TESTS_UNIT_VU_FIXTURE_H
#define TESTS_UNIT_VU_FIXTURE_H

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define FX_MEMFD_NAME "vu-fixture"

/**
 * fx_memfd() - A memfd of a given size, or fail the test
 * @size:	Bytes
 * @seal:	Seal it against shrinking, as qemu's memfd backend does
 *
 * Return: descriptor
 */
static inline int fx_memfd(size_t size, bool seal)
{
	int fd = memfd_create(FX_MEMFD_NAME, MFD_CLOEXEC | MFD_ALLOW_SEALING);

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	if (seal)
		assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	return fd;
}

/**
 * fx_fd_count() - Descriptors open in this process
 *
 * Return: their number
 */
static inline int fx_fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the directory itself */
}

/**
 * fx_map_count() - Mappings of fixture memfds in this process
 *
 * Return: their number
 */
static inline int fx_map_count(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, "/memfd:" FX_MEMFD_NAME) != NULL;
	fclose(f);
	return n;
}

/**
 * fx_put_hdr() - Write a message header in wire form
 * @buf:	At least VU_MSG_HDR_LEN bytes
 * @req:	Request
 * @flags:	Flags
 * @size:	Payload size
 */
static inline void fx_put_hdr(uint8_t *buf, uint32_t req, uint32_t flags,
			      uint32_t size)
{
	memcpy(buf, &req, 4);
	memcpy(buf + 4, &flags, 4);
	memcpy(buf + 8, &size, 4);
}

/**
 * fx_send_fds() - Send bytes with descriptors over a UNIX socket
 * @s:		Socket
 * @buf:	Bytes
 * @len:	How many, at least one
 * @fds:	Descriptors
 * @nfds:	How many, up to 16
 */
static inline void fx_send_fds(int s, const void *buf, size_t len,
			       const int *fds, unsigned int nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 16)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *c;

	if (nfds) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	assert_int_equal(sendmsg(s, &mh, 0), (ssize_t)len);
}

#endif /* TESTS_UNIT_VU_FIXTURE_H */
