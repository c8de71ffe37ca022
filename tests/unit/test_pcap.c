// SPDX-License-Identifier: GPL-2.0-or-later
/* test_pcap.c - the capture file has a valid pcap header and records */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "link/pcap.h"

/**
 * read_file() - Read a whole small file
 * @path:	Path
 * @buf:	Buffer
 * @cap:	Its size
 *
 * Return: bytes read
 */
static size_t read_file(const char *path, uint8_t *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, cap);
	close(fd);
	assert_true(n >= 0);
	return (size_t)n;
}

static void test_pcap_header_and_two_records(void **state)
{
	char path[] = "/tmp/test_pcap_XXXXXX";
	uint8_t frame[42], buf[512];
	uint32_t v;
	uint16_t s;
	size_t n;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);

	memset(frame, 0xab, sizeof(frame));
	assert_int_equal(pcap_open(path), 0);
	pcap_frame(frame, sizeof(frame));
	pcap_frame(frame, 10);
	pcap_close();

	n = read_file(path, buf, sizeof(buf));
	unlink(path);
	assert_int_equal(n, 24 + 16 + 42 + 16 + 10);

	memcpy(&v, buf, 4);
	assert_int_equal(v, 0xa1b2c3d4);	/* magic, host order */
	memcpy(&s, buf + 4, 2);
	assert_int_equal(s, 2);			/* major */
	memcpy(&s, buf + 6, 2);
	assert_int_equal(s, 4);			/* minor */
	memcpy(&v, buf + 20, 4);
	assert_int_equal(v, 1);			/* LINKTYPE_ETHERNET */

	memcpy(&v, buf + 24 + 8, 4);
	assert_int_equal(v, 42);		/* caplen */
	memcpy(&v, buf + 24 + 12, 4);
	assert_int_equal(v, 42);		/* len */
	assert_memory_equal(buf + 40, frame, 42);
	memcpy(&v, buf + 40 + 42 + 8, 4);
	assert_int_equal(v, 10);
}

static void test_pcap_closed_writes_nothing(void **state)
{
	uint8_t frame[60] = { 0 };

	(void)state;
	pcap_close();
	pcap_frame(frame, sizeof(frame));	/* must not crash */
}

static void test_pcap_open_fails_in_missing_dir(void **state)
{
	(void)state;
	assert_true(pcap_open("/nonexistent-dir/x.pcap") < 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcap_header_and_two_records),
		cmocka_unit_test(test_pcap_closed_writes_nothing),
		cmocka_unit_test(test_pcap_open_fails_in_missing_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
