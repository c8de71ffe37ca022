// SPDX-License-Identifier: GPL-2.0-or-later
/* test_pidfile.c - PID files (os/daemon.c): created only to be written,
 * removed when start-up fails, also once their path is out of reach; a
 * caller's file emptied, not removed; and the readiness pipe between a
 * daemon and its parent
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "os/daemon.h"

static char dir[] = "/tmp/test_pidfile_XXXXXX";
static char path[PATH_MAX];

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/x.pid", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	return 0;
}

static bool exists(const char *p)
{
	struct stat st;

	return !lstat(p, &st);
}

/* Read a whole small file into @buf, as a string */
static void slurp(const char *p, char *buf, size_t size)
{
	int fd = open(p, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, size - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
}

/* A file we create and fill: "PID\n", mode 0600 */
static void test_created_and_written(void **state)
{
	struct pidfile pf;
	struct stat st;
	char buf[32];

	(void)state;
	assert_int_equal(pidfile_open(&pf, path), 0);
	assert_true(pf.created);
	assert_int_equal(pidfile_write(&pf, 4242), 0);
	pidfile_close(&pf);
	assert_int_equal(pf.fd, -1);
	slurp(path, buf, sizeof(buf));
	assert_string_equal(buf, "4242\n");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	unlink(path);
}

/* A failed start removes the file we created, written or not */
static void test_abort_removes_ours(void **state)
{
	struct pidfile pf;

	(void)state;
	assert_int_equal(pidfile_open(&pf, path), 0);
	assert_true(exists(path));
	pidfile_abort(&pf);
	assert_false(exists(path));

	assert_int_equal(pidfile_open(&pf, path), 0);
	assert_int_equal(pidfile_write(&pf, 7), 0);
	pidfile_abort(&pf);	/* e.g. the seccomp filter failed */
	assert_false(exists(path));
}

/* The sandbox takes the path away: the directory's descriptor still
 * reaches the file (here the directory is renamed instead)
 */
static void test_abort_once_path_is_gone(void **state)
{
	char moved[PATH_MAX], inside[PATH_MAX + 8];
	struct pidfile pf;

	(void)state;
	snprintf(moved, sizeof(moved), "%s.moved", dir);
	snprintf(inside, sizeof(inside), "%s/x.pid", moved);
	assert_int_equal(pidfile_open(&pf, path), 0);
	assert_int_equal(rename(dir, moved), 0);
	assert_true(exists(inside));
	pidfile_abort(&pf);
	assert_false(exists(inside));
	assert_int_equal(rename(moved, dir), 0);
}

/* A file the caller made (qemu's mkstemp()) is truncated, never removed */
static void test_callers_file_emptied(void **state)
{
	struct pidfile pf;
	struct stat st;
	int fd;

	(void)state;
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "123456\n", 7), 7);
	close(fd);

	assert_int_equal(pidfile_open(&pf, path), 0);
	assert_false(pf.created);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0);	/* truncated, as upstream */
	assert_int_equal(pidfile_write(&pf, 99), 0);
	pidfile_abort(&pf);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 0);
	unlink(path);
}

/* Someone else's file took the name meanwhile: left alone */
static void test_abort_spares_a_replaced_file(void **state)
{
	struct pidfile pf;
	int fd;

	(void)state;
	assert_int_equal(pidfile_open(&pf, path), 0);
	assert_int_equal(unlink(path), 0);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	pidfile_abort(&pf);
	assert_true(exists(path));
	unlink(path);
}

/* No -P: nothing to do, nothing fails */
static void test_no_path(void **state)
{
	struct pidfile pf;

	(void)state;
	assert_int_equal(pidfile_open(&pf, ""), 0);
	assert_int_equal(pf.fd, -1);
	assert_int_equal(pidfile_write(&pf, 1), 0);
	pidfile_abort(&pf);
	pidfile_close(&pf);
}

/* Paths that can't be a PID file */
static void test_bad_paths(void **state)
{
	char nodir[PATH_MAX + 16];
	struct pidfile pf;

	(void)state;
	snprintf(nodir, sizeof(nodir), "%s/nope/x.pid", dir);
	assert_int_equal(pidfile_open(&pf, nodir), -ENOENT);
	assert_int_equal(pf.fd, -1);
	assert_int_equal(pf.dirfd, -1);
	snprintf(nodir, sizeof(nodir), "%s/", dir);
	assert_int_equal(pidfile_open(&pf, nodir), -EISDIR);
	assert_int_equal(pidfile_open(&pf, dir), -EISDIR);
}

/**
 * fork_child() - daemon_fork() and, in the child, report ready or not
 * @ready_first:	The child says it is ready before exiting
 *
 * Return: what daemon_wait_ready() says in the parent
 */
static int fork_child(bool ready_first)
{
	int ready, ret, status;
	pid_t pid = daemon_fork(&ready);

	assert_true(pid >= 0);
	if (!pid) {
		if (ready_first && daemon_ready(ready))
			_exit(2);
		_exit(ready_first ? 0 : 1);
	}
	ret = daemon_wait_ready(ready);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return ret;
}

/* The parent learns whether the child got ready or ended first */
static void test_readiness_pipe(void **state)
{
	(void)state;
	assert_int_equal(fork_child(true), 0);
	assert_int_equal(fork_child(false), -ECHILD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_created_and_written),
		cmocka_unit_test(test_abort_removes_ours),
		cmocka_unit_test(test_abort_once_path_is_gone),
		cmocka_unit_test(test_callers_file_emptied),
		cmocka_unit_test(test_abort_spares_a_replaced_file),
		cmocka_unit_test(test_no_path),
		cmocka_unit_test(test_bad_paths),
		cmocka_unit_test(test_readiness_pipe),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
