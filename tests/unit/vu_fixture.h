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

#endif /* TESTS_UNIT_VU_FIXTURE_H */
