// SPDX-License-Identifier: GPL-2.0-or-later
/* test_migrate.c - the migration state stream (compat.md 4.4.1): the bytes
 * we write, byte for byte; what a target accepts (versions it can read)
 * and every refusal (magic, versions, a stream cut anywhere, connections
 * we can't restore), with nothing applied unless all was accepted; the
 * addresses as they go to and from what the link learnt of the guest
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "link/migrate.h"

/* A stream as upstream's passt writes it: header, addresses, count 0 */
static const uint8_t stream_v2[] = {
	0xb1, 0xbb, 0x1d, 0x1b, 0x0b, 0xb1, 0xd1, 0xb0, /* magic */
	0, 0, 0, 2, 0, 0, 0, 2,	/* version, compat_version */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42,
	0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x43,
	198, 51, 100, 7,	/* in4 */
	0x52, 0x54, 0x00, 0x12, 0x34, 0x56, /* MAC */
	0, 0, 0, 0,		/* no flows */
};

/**
 * stream_fd() - A pipe holding @len bytes, then its end
 * @p:		Bytes
 * @len:	Their number (less than a pipe holds)
 *
 * Return: read end
 */
static int stream_fd(const void *p, size_t len)
{
	int fd[2];

	assert_int_equal(pipe(fd), 0);
	assert_int_equal(write(fd[1], p, len), (ssize_t)len);
	close(fd[1]);
	return fd[0];
}

/**
 * load() - Run migrate_target() on bytes
 * @p:		Bytes
 * @len:	Their number
 * @s:		State to update
 *
 * Return: what migrate_target() returned
 */
static int load(const void *p, size_t len, struct l2_state *s)
{
	int fd = stream_fd(p, len), ret;

	ret = migrate_target(fd, s);
	close(fd);
	return ret;
}

static void test_source_bytes(void **state)
{
	struct l2_conf c = {.v4 = true};
	struct l2_state s = {0};
	uint8_t got[128];
	int fd[2];

	(void)state;
	inet_pton(AF_INET6, "2001:db8::42", &s.addr6_seen);
	inet_pton(AF_INET6, "fe80::43", &s.ll6_seen);
	inet_pton(AF_INET, "198.51.100.7", &s.addr4_seen);
	memcpy(s.guest_mac, "\x52\x54\x00\x12\x34\x56", 6);
	inet_pton(AF_INET, "203.0.113.9", &c.addr4);

	assert_int_equal(pipe(fd), 0);
	assert_int_equal(migrate_source(fd[1], &c, &s), 0);
	close(fd[1]);
	assert_int_equal(read(fd[0], got, sizeof(got)), sizeof(stream_v2));
	assert_memory_equal(got, stream_v2, sizeof(stream_v2));
	close(fd[0]);

	/* Not seen yet: the configured addresses, as upstream's */
	s.addr4_seen.s_addr = 0;
	memset(&s.addr6_seen, 0, sizeof(s.addr6_seen));
	c.v6 = true;
	inet_pton(AF_INET6, "2001:db8::99", &c.addr6);
	assert_int_equal(pipe(fd), 0);
	assert_int_equal(migrate_source(fd[1], &c, &s), 0);
	close(fd[1]);
	assert_int_equal(read(fd[0], got, sizeof(got)), sizeof(stream_v2));
	assert_memory_equal(got + 48, "\xcb\x00\x71\x09", 4);
	assert_memory_equal(got + 16, &c.addr6, 16);
	close(fd[0]);

	/* Nobody reading: an error, not SIGPIPE (passt ignores it) */
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pipe(fd), 0);
	close(fd[0]);
	assert_int_equal(migrate_source(fd[1], &c, &s), -EPIPE);
	close(fd[1]);
}

static void test_target_accepts(void **state)
{
	struct l2_state s = {0}, want = {0};
	uint8_t b[sizeof(stream_v2) + 8];

	(void)state;
	assert_int_equal(load(stream_v2, sizeof(stream_v2), &s), 0);
	inet_pton(AF_INET6, "2001:db8::42", &want.addr6_seen);
	inet_pton(AF_INET6, "fe80::43", &want.ll6_seen);
	inet_pton(AF_INET, "198.51.100.7", &want.addr4_seen);
	memcpy(want.guest_mac, "\x52\x54\x00\x12\x34\x56", 6);
	assert_memory_equal(&s, &want, sizeof(s));

	/* A newer writer that says we can read it (version 3, compat 2),
	 * with more after our stages: read as version 2, the rest unread
	 */
	memcpy(b, stream_v2, sizeof(stream_v2));
	b[11] = 3;
	memset(b + sizeof(stream_v2), 0xaa, 8);
	memset(&s, 0, sizeof(s));
	assert_int_equal(load(b, sizeof(b), &s), 0);
	assert_memory_equal(&s, &want, sizeof(s));
}

/**
 * refused() - A stream that must be refused, leaving the state as it was
 * @p:		Bytes
 * @len:	Their number
 * @err:	Expected error
 */
static void refused(const uint8_t *p, size_t len, int err)
{
	struct l2_state s, before;

	memset(&s, 0x5a, sizeof(s));
	before = s;
	assert_int_equal(load(p, len, &s), err);
	assert_memory_equal(&s, &before, sizeof(s));
}

static void test_target_refuses(void **state)
{
	uint8_t b[sizeof(stream_v2)];
	size_t n;

	(void)state;
	/* Another magic, any byte of it */
	for (n = 0; n < 8; n++) {
		memcpy(b, stream_v2, sizeof(b));
		b[n] ^= 0x01;
		refused(b, sizeof(b), -EINVAL);
	}
	/* Version or compat_version 0 */
	memcpy(b, stream_v2, sizeof(b));
	b[11] = 0;
	refused(b, sizeof(b), -EINVAL);
	memcpy(b, stream_v2, sizeof(b));
	b[15] = 0;
	refused(b, sizeof(b), -EINVAL);
	/* Older than we read (version 1: upstream dropped it too) */
	memcpy(b, stream_v2, sizeof(b));
	b[11] = 1;
	b[15] = 1;
	refused(b, sizeof(b), -ENOTSUP);
	/* Newer, and not readable by version 2 (compat_version 3) */
	memcpy(b, stream_v2, sizeof(b));
	b[11] = 3;
	b[15] = 3;
	refused(b, sizeof(b), -ENOTSUP);
	memcpy(b, stream_v2, sizeof(b));
	b[8] = 1;	/* version 0x01000002, compat 2: readable */
	{
		struct l2_state s = {0};

		assert_int_equal(load(b, sizeof(b), &s), 0);
	}
	b[12] = 1;	/* compat 0x01000002 */
	refused(b, sizeof(b), -ENOTSUP);

	/* Cut anywhere: empty, in the header, in the addresses, in the
	 * count
	 */
	for (n = 0; n < sizeof(stream_v2); n++)
		refused(stream_v2, n, -EPIPE);

	/* Connections we can't restore yet: refused, the guest stays */
	memcpy(b, stream_v2, sizeof(b));
	b[sizeof(b) - 1] = 1;
	refused(b, sizeof(b), -ENOTSUP);
	b[sizeof(b) - 4] = 0xff;
	refused(b, sizeof(b), -ENOTSUP);
}

static void test_header_check(void **state)
{
	uint8_t h[MIGRATE_HDR_LEN];
	uint32_t v = 0;
	struct pbuf b;

	(void)state;
	pbuf_init(&b, h, sizeof(h));
	assert_true(migrate_header_put(&b));
	assert_int_equal(b.len, MIGRATE_HDR_LEN);
	assert_memory_equal(h, stream_v2, MIGRATE_HDR_LEN);
	assert_int_equal(migrate_header_check(pview_make(h, sizeof(h)), &v), 0);
	assert_int_equal(v, 2);
	/* A view shorter than a header */
	assert_int_equal(migrate_header_check(pview_make(h, 15), &v), -EINVAL);
	assert_int_equal(migrate_header_check(pview_make(NULL, 0), &v),
			 -EINVAL);
	/* No room to write */
	pbuf_init(&b, h, 15);
	assert_false(migrate_header_put(&b));
}

static void test_addrs_to_l2(void **state)
{
	struct migrate_addrs a;
	struct l2_state s;
	struct pbuf b;
	uint8_t buf[MIGRATE_ADDRS_LEN];

	(void)state;
	memset(&a, 0, sizeof(a));
	pbuf_init(&b, buf, sizeof(buf));
	assert_true(migrate_addrs_put(&b, &a));
	assert_int_equal(b.len, MIGRATE_ADDRS_LEN);
	assert_int_equal(migrate_addrs_get(pview_make(buf, 41), &a), -EINVAL);

	/* What can't be the guest's stays as it was */
	memset(&s, 0, sizeof(s));
	memcpy(a.mac, "\x01\x00\x5e\x00\x00\x01", 6);
	inet_pton(AF_INET6, "ff02::1", &a.addr6);
	inet_pton(AF_INET6, "2001:db8::1", &a.ll6);
	inet_pton(AF_INET, "224.0.0.1", &a.addr4);
	migrate_addrs_to_l2(&a, &s);
	{
		const struct l2_state zero = {0};

		assert_memory_equal(&s, &zero, sizeof(s));
	}
	inet_pton(AF_INET6, "fe80::1", &a.addr6);
	inet_pton(AF_INET, "255.255.255.255", &a.addr4);
	migrate_addrs_to_l2(&a, &s);
	assert_true(IN6_IS_ADDR_UNSPECIFIED(&s.addr6_seen));
	assert_int_equal(s.addr4_seen.s_addr, 0);

	/* Zeros: unseen, taken as such (the guest tells us again) */
	memset(&a, 0, sizeof(a));
	memset(&s, 0x11, sizeof(s));
	s.guest_mac[0] = 0x02;
	inet_pton(AF_INET6, "fe80::9", &s.ll6_seen);
	migrate_addrs_to_l2(&a, &s);
	assert_true(mac_is_zero(s.guest_mac));
	assert_true(IN6_IS_ADDR_UNSPECIFIED(&s.addr6_seen));
	assert_true(IN6_IS_ADDR_UNSPECIFIED(&s.ll6_seen));
	assert_int_equal(s.addr4_seen.s_addr, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_source_bytes),
		cmocka_unit_test(test_target_accepts),
		cmocka_unit_test(test_target_refuses),
		cmocka_unit_test(test_header_check),
		cmocka_unit_test(test_addrs_to_l2),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
