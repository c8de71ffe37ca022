// SPDX-License-Identifier: GPL-2.0-or-later
/* test_ns_spawn.c - a spawned command runs when released, and gives up when
 * the pipe it waits on closes, whether or not its parent died
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "os/ns.h"

/**
 * wait_exit() - Wait for a child to end, killing it after a timeout
 * @pid:	Child
 * @ms:		Timeout
 *
 * Return: wait status, or -1 if it had to be killed
 */
static int wait_exit(pid_t pid, int ms)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	int status, waited;

	for (waited = 0; waited < ms; waited += 10) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		nanosleep(&tick, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/**
 * need_userns() - Skip the test where no user namespace can be made
 *
 * As in the chroot of a package build, or with unprivileged user
 * namespaces off: ns_spawn() needs one.
 */
static void need_userns(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0)
		_exit(unshare(CLONE_NEWUSER) ? 1 : 0);
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		skip();
}

static void test_spawn_release_runs(void **state)
{
	char *argv[] = { "sh", "-c", "exit 7", NULL };
	struct ns_child child;
	int status;

	(void)state;
	need_userns();
	assert_int_equal(ns_spawn(&child, "sh", argv, "test"), 0);
	assert_int_equal(ns_release(&child), 0);
	assert_int_equal(child.release_fd, -1);
	status = wait_exit(child.pid, 5000);
	assert_true(status != -1 && WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 7);
}

/* The parent is alive, so no PR_SET_PDEATHSIG: only the end of file on
 * the release pipe can end the child, and it only comes if the child
 * doesn't hold the write end itself (as it does, copied by clone(), when
 * the parent dies before the child's prctl())
 */
static void test_spawn_eof_gives_up(void **state)
{
	char *argv[] = { "sh", "-c", "exit 0", NULL };
	struct ns_child child;
	int status;

	(void)state;
	need_userns();
	assert_int_equal(ns_spawn(&child, "sh", argv, "test"), 0);
	close(child.release_fd);
	status = wait_exit(child.pid, 3000);
	assert_true(status != -1);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spawn_release_runs),
		cmocka_unit_test(test_spawn_eof_gives_up),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
