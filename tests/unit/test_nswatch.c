// SPDX-License-Identifier: GPL-2.0-or-later
/* test_nswatch.c - deleting the watched file, or a process dying, is noticed */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "os/nswatch.h"

/**
 * wait_gone() - Poll a watch until it reports the file gone, or time out
 * @w:		Watch
 * @ms:		Timeout
 *
 * Return: true if reported gone in time
 */
static bool wait_gone(struct nswatch *w, int ms)
{
	struct pollfd p = { .fd = w->fd, .events = POLLIN };
	int waited;

	for (waited = 0; waited < ms; waited += 100) {
		if (poll(&p, 1, 100) > 0 && nswatch_gone(w))
			return true;
	}
	return false;
}

static void test_nswatch_inotify_delete(void **state)
{
	char dir[] = "/tmp/test_nsw_XXXXXX", file[64], other[64];
	struct nswatch w;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/netns-1", dir);
	snprintf(other, sizeof(other), "%s/netns-10", dir);
	close(open(file, O_CREAT | O_WRONLY, 0600));
	close(open(other, O_CREAT | O_WRONLY, 0600));

	assert_int_equal(nswatch_init(&w, file), 0);
	assert_true(w.inotify);

	unlink(other);		/* a file whose name starts alike */
	assert_false(wait_gone(&w, 300));
	unlink(file);
	assert_true(wait_gone(&w, 1000));

	fd = w.fd;
	close(fd);
	rmdir(dir);
}

static void test_nswatch_proc_pid_exit(void **state)
{
	struct nswatch w;
	char path[64];
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		pause();
		_exit(0);
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	assert_int_equal(nswatch_init(&w, path), 0);
	assert_false(w.inotify);	/* procfs: timer fallback */
	assert_false(wait_gone(&w, 1500));

	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_true(wait_gone(&w, 3000));
	close(w.fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nswatch_inotify_delete),
		cmocka_unit_test(test_nswatch_proc_pid_exit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
