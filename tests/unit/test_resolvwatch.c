// SPDX-License-Identifier: GPL-2.0-or-later
/* test_resolvwatch.c - a rewritten, renamed or re-linked resolv.conf is seen
 * and read again; other files of the directory are not
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os/resolvwatch.h"

static char top[] = "/tmp/test_rw_XXXXXX";
static char etc[64], run[64], conf[64];

/**
 * put() - Write a file, in place (truncated) or through a rename
 * @path:	File
 * @text:	Content
 * @rename_it:	Write a temporary file next to it, rename it over @path
 */
static void put(const char *path, const char *text, bool rename_it)
{
	char tmp[96];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(rename_it ? tmp : path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	if (rename_it)
		assert_int_equal(rename(tmp, path), 0);
}

/**
 * changed() - Wait up to 1 s for the watch to fire, and ask it
 * @w:		Watch
 *
 * Return: what resolvwatch_changed() said, false if nothing came
 */
static bool changed(struct resolvwatch *w)
{
	struct pollfd p = { .fd = w->fd, .events = POLLIN };

	if (poll(&p, 1, 1000) <= 0)
		return false;
	return resolvwatch_changed(w);
}

/**
 * quiet() - Nothing pending on the watch for 100 ms
 * @w:		Watch
 *
 * Return: true if nothing was, or only events that aren't ours
 */
static bool quiet(struct resolvwatch *w)
{
	struct pollfd p = { .fd = w->fd, .events = POLLIN };

	if (poll(&p, 1, 100) <= 0)
		return true;
	return !resolvwatch_changed(w);
}

/**
 * assert_reads() - The file reads as @want
 * @w:		Watch
 * @want:	Content
 */
static void assert_reads(struct resolvwatch *w, const char *want)
{
	char buf[64];
	ssize_t n = resolvwatch_read(w, buf, sizeof(buf) - 1);

	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(top));
	snprintf(etc, sizeof(etc), "%s/etc", top);
	snprintf(run, sizeof(run), "%s/run", top);
	snprintf(conf, sizeof(conf), "%s/etc/resolv.conf", top);
	assert_int_equal(mkdir(etc, 0700), 0);
	assert_int_equal(mkdir(run, 0700), 0);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	return system(cmd);
}

static void test_regular_file(void **state)
{
	struct resolvwatch w;
	char other[96];

	(void)state;
	put(conf, "one", false);
	assert_int_equal(resolvwatch_init(&w, conf), 0);
	assert_true(w.fd >= 0 && w.file_fd < 0 && w.tdir_fd < 0);
	assert_reads(&w, "one");

	put(conf, "two", false);
	assert_true(changed(&w));
	assert_reads(&w, "two");

	put(conf, "three", true);
	assert_true(changed(&w));
	assert_reads(&w, "three");

	/* the new inode, written in place: the directory watch sees it */
	put(conf, "four", false);
	assert_true(changed(&w));
	assert_reads(&w, "four");

	/* another file of the directory: not ours */
	snprintf(other, sizeof(other), "%s/hosts", etc);
	put(other, "x", false);
	assert_true(quiet(&w));

	/* gone: not readable, back when created again */
	assert_int_equal(unlink(conf), 0);
	assert_int_equal(resolvwatch_read(&w, other, sizeof(other)), -ENOENT);
	put(conf, "five", false);
	assert_true(changed(&w));
	assert_reads(&w, "five");
	close(w.fd);
	unlink(conf);
}

static void test_symlink_elsewhere(void **state)
{
	char target[96], other[96];
	struct resolvwatch w;

	(void)state;
	snprintf(target, sizeof(target), "%s/stub.conf", run);
	snprintf(other, sizeof(other), "%s/direct.conf", run);
	put(target, "stub", false);
	put(other, "direct", false);
	assert_int_equal(symlink("../run/stub.conf", conf), 0);
	assert_int_equal(resolvwatch_init(&w, conf), 0);
	assert_true(w.tdir_fd >= 0);
	assert_string_equal(w.ldir, "../run/");
	assert_reads(&w, "stub");

	/* the target replaced by a rename in its own directory */
	put(target, "stub2", true);
	assert_true(changed(&w));
	assert_reads(&w, "stub2");

	/* another file there isn't ours while the link points elsewhere */
	put(other, "direct2", false);
	assert_true(quiet(&w));

	/* the symlink replaced by one to that other file */
	assert_int_equal(unlink(conf), 0);
	assert_int_equal(symlink("../run/direct.conf", conf), 0);
	assert_true(changed(&w));
	assert_reads(&w, "direct2");
	put(other, "direct3", true);
	assert_true(changed(&w));
	assert_reads(&w, "direct3");

	/* pointing out of what we hold: not reachable, said so */
	assert_int_equal(unlink(conf), 0);
	assert_int_equal(symlink("/somewhere/else.conf", conf), 0);
	assert_true(changed(&w));
	assert_int_equal(resolvwatch_read(&w, other, sizeof(other)), -EXDEV);
	close(w.fd);
	unlink(conf);
}

static void test_ours_and_pick(void **state)
{
	struct resolvwatch w = {
		.dir_fd = 3, .tdir_fd = 4, .wd_dir = 1, .wd_tdir = 2,
		.wd_file = 5, .name = "resolv.conf", .tname = "stub.conf",
		.ldir = "../run/x/", .t_in_tdir = true,
	};
	struct inotify_ev ev = { 1, IN_MOVED_TO, "resolv.conf" };
	const char *name;

	(void)state;
	assert_true(resolvwatch_ours(&w, &ev));
	ev.name = "hosts";
	assert_false(resolvwatch_ours(&w, &ev));
	ev.name = "stub.conf";	/* in the other directory only */
	assert_false(resolvwatch_ours(&w, &ev));
	ev.wd = 2;
	assert_true(resolvwatch_ours(&w, &ev));
	ev.name = NULL;
	assert_false(resolvwatch_ours(&w, &ev));
	ev.wd = 5;
	ev.mask = IN_CLOSE_WRITE;
	assert_true(resolvwatch_ours(&w, &ev));
	ev.mask = IN_IGNORED;
	assert_false(resolvwatch_ours(&w, &ev));
	ev.wd = -1;
	ev.mask = IN_Q_OVERFLOW;
	assert_true(resolvwatch_ours(&w, &ev));

	assert_int_equal(resolvwatch_pick(&w, NULL, &name), 3);
	assert_string_equal(name, "resolv.conf");
	assert_int_equal(resolvwatch_pick(&w, "local.conf", &name), 3);
	assert_string_equal(name, "local.conf");
	assert_int_equal(resolvwatch_pick(&w, "../run/x/a.conf", &name), 4);
	assert_string_equal(name, "a.conf");
	assert_int_equal(resolvwatch_pick(&w, "../run/y/a.conf", &name),
			 -EXDEV);
	assert_int_equal(resolvwatch_pick(&w, "../run/x/", &name), -EXDEV);
	w.tdir_fd = -1;
	assert_int_equal(resolvwatch_pick(&w, "../run/x/a.conf", &name),
			 -EXDEV);
}

static void test_dangling_symlink(void **state)
{
	struct resolvwatch w;
	char buf[16];

	(void)state;
	/* systemd-resolved not started yet: its directory isn't there */
	assert_int_equal(symlink("../nowhere/stub.conf", conf), 0);
	assert_int_equal(resolvwatch_init(&w, conf), 0);
	assert_true(w.fd >= 0 && w.tdir_fd < 0);
	assert_int_equal(resolvwatch_read(&w, buf, sizeof(buf)), -EXDEV);
	/* replaced by a regular file: seen, read */
	assert_int_equal(unlink(conf), 0);
	put(conf, "plain", true);
	assert_true(changed(&w));
	assert_reads(&w, "plain");
	close(w.fd);
	unlink(conf);
}

static void test_bad_paths(void **state)
{
	struct resolvwatch w;

	(void)state;
	assert_int_equal(resolvwatch_init(&w, "resolv.conf"), -EINVAL);
	assert_int_equal(resolvwatch_init(&w, "/tmp/"), -EINVAL);
	assert_int_equal(resolvwatch_init(&w, "/nonexistent-dir/resolv.conf"),
			 -ENOENT);
	assert_int_equal(w.fd, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regular_file),
		cmocka_unit_test(test_symlink_elsewhere),
		cmocka_unit_test(test_ours_and_pick),
		cmocka_unit_test(test_dangling_symlink),
		cmocka_unit_test(test_bad_paths),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
