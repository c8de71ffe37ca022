// SPDX-License-Identifier: GPL-2.0-or-later
/* test_inotify_ev.c - the walk over inotify events (os/inotify_ev.c) takes
 * what the kernel writes, and stops at any header or name that doesn't fit
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "os/inotify_ev.h"

#define HDR sizeof(struct inotify_event)

/* Events built by hand, aligned as read() would fill them */
static char buf[4096] __attribute__((aligned(8)));

/**
 * put_event() - Append an event to @buf
 * @off:	Offset to write at, advanced
 * @mask:	IN_* bits
 * @name:	Name, NULL for none
 * @len:	Name field length (padding included)
 */
static void put_event(size_t *off, uint32_t mask, const char *name,
		      uint32_t len)
{
	struct inotify_event ev = {.wd = 1, .mask = mask, .len = len};

	memcpy(buf + *off, &ev, HDR);
	memset(buf + *off + HDR, 0, len);
	if (name)
		memcpy(buf + *off + HDR, name, strnlen(name, len));
	*off += HDR + len;
}

/**
 * test_walk_names() - Events with and without names, one after the other
 * @state:	Unused
 */
static void test_walk_names(void **state)
{
	struct inotify_ev ev;
	size_t len = 0, off = 0;

	(void)state;
	put_event(&len, IN_CREATE, "vm.socket.repair", 32);
	put_event(&len, IN_IGNORED, NULL, 0);
	put_event(&len, IN_MOVED_TO, "x", 16);

	assert_true(inotify_ev_next(pview_make(buf, len), &off, &ev));
	assert_int_equal(ev.mask, IN_CREATE);
	assert_int_equal(ev.wd, 1);
	assert_string_equal(ev.name, "vm.socket.repair");
	assert_int_equal(off, HDR + 32);

	assert_true(inotify_ev_next(pview_make(buf, len), &off, &ev));
	assert_int_equal(ev.mask, IN_IGNORED);
	assert_null(ev.name);

	assert_true(inotify_ev_next(pview_make(buf, len), &off, &ev));
	assert_string_equal(ev.name, "x");
	assert_int_equal(off, len);

	assert_false(inotify_ev_next(pview_make(buf, len), &off, &ev));
	assert_int_equal(off, len);
}

/**
 * test_truncated_stops() - A header or a name cut by the end of the buffer
 *			    ends the walk, the offset stays before it
 * @state:	Unused
 */
static void test_truncated_stops(void **state)
{
	struct inotify_ev ev;
	size_t len = 0, off, cut;

	(void)state;
	put_event(&len, IN_CREATE, "a.repair", 16);
	for (cut = 1; cut < len; cut++) {
		off = 0;
		assert_false(inotify_ev_next(pview_make(buf, cut), &off, &ev));
		assert_int_equal(off, 0);
	}
	/* A length that would wrap the offset around */
	len = 0;
	put_event(&len, IN_CREATE, NULL, 0);
	((struct inotify_event *)(void *)buf)->len = UINT32_MAX;
	off = 0;
	assert_false(inotify_ev_next(pview_make(buf, len), &off, &ev));
	assert_false(inotify_ev_next(pview_make(NULL, 0), &off, &ev));
}

/**
 * test_unterminated_name() - A name that fills its field without a NUL is
 *			      not handed out, and the walk goes on after it
 * @state:	Unused
 */
static void test_unterminated_name(void **state)
{
	struct inotify_ev ev;
	size_t len = 0, off = 0;

	(void)state;
	put_event(&len, IN_CREATE, "0123456789abcdef", 16);
	put_event(&len, IN_CREATE, "b.repair", 16);
	assert_true(inotify_ev_next(pview_make(buf, len), &off, &ev));
	assert_null(ev.name);
	assert_true(inotify_ev_next(pview_make(buf, len), &off, &ev));
	assert_string_equal(ev.name, "b.repair");
}

/**
 * test_kernel_events() - What the kernel writes for a socket bound in a
 *			  watched directory and a file renamed into it
 * @state:	Unused
 */
static void test_kernel_events(void **state)
{
	char dir[] = "/tmp/test_inotify_ev.XXXXXX", a[PATH_MAX], b[PATH_MAX];
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd, s, f, seen = 0;
	struct inotify_ev ev;
	size_t off = 0;
	ssize_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	assert_true(fd >= 0);
	assert_true(inotify_add_watch(fd, dir, IN_CREATE | IN_MOVED_TO) >= 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/vm.repair", dir);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sun, sizeof(sun)), 0);
	snprintf(a, sizeof(a), "%s/tmp", dir);
	snprintf(b, sizeof(b), "%s/moved.repair", dir);
	f = open(a, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(f >= 0);
	close(f);
	assert_int_equal(rename(a, b), 0);

	n = read(fd, buf, sizeof(buf));
	assert_true(n > 0);
	while (inotify_ev_next(pview_make(buf, (size_t)n), &off, &ev)) {
		assert_non_null(ev.name);
		if (ev.mask & IN_MOVED_TO)
			seen |= !strcmp(ev.name, "moved.repair") << 2;
		else if (!strcmp(ev.name, "vm.repair"))
			seen |= 1;
		else if (!strcmp(ev.name, "tmp"))
			seen |= 2;
	}
	assert_int_equal(off, (size_t)n);
	assert_int_equal(seen, 7);

	close(fd);
	close(s);
	unlink(sun.sun_path);
	unlink(b);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_names),
		cmocka_unit_test(test_truncated_stops),
		cmocka_unit_test(test_unterminated_name),
		cmocka_unit_test(test_kernel_events),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
