// SPDX-License-Identifier: GPL-2.0-or-later
/* test_fds.c - inherited descriptors: --fd moved to 3, stdio filled,
 * systemd's sockets kept for us only, everything else closed
 *
 * Each case runs in a child process, which lays out its descriptors, calls
 * fds_sanitise() and checks the result: the checks can't use a pipe to
 * report (it would be closed), so the child writes the line of the first
 * failed check into shared memory and exits 1.
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
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "os/fds.h"

static volatile int *failed_line;

/* In the child: record the first failing line and leave */
#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			*failed_line = __LINE__;                               \
			_exit(1);                                              \
		}                                                              \
	} while (0)

/**
 * is_open() - Tell whether a descriptor is open
 * @fd:		Descriptor
 *
 * Return: true if it is
 */
static bool is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/**
 * ino() - Inode of what a descriptor refers to
 * @fd:		Descriptor
 *
 * Return: inode number, 0 if it isn't open
 */
static ino_t ino(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? 0 : st.st_ino;
}

/**
 * is_devnull() - Tell whether a descriptor is open on /dev/null
 * @fd:		Descriptor
 *
 * Return: true if it is
 */
static bool is_devnull(int fd)
{
	struct stat a, b;

	return !fstat(fd, &a) && !stat("/dev/null", &b) && S_ISCHR(a.st_mode) &&
	       a.st_rdev == b.st_rdev;
}

/**
 * sock_at() - Make @fd one end of a new socket pair
 * @fd:		Descriptor number wanted
 *
 * Return: inode of that end
 */
static ino_t sock_at(int fd)
{
	int sv[2];

	CHECK(!socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	if (sv[0] != fd) {
		CHECK(dup2(sv[0], fd) == fd);
		close(sv[0]);
	}
	/* the other end stays open somewhere: closed by fds_sanitise() */
	return ino(fd);
}

/**
 * file_at() - Open /dev/zero on @fd
 * @fd:		Descriptor number wanted
 */
static void file_at(int fd)
{
	int f = open("/dev/zero", O_RDONLY);

	CHECK(f >= 0);
	if (f != fd) {
		CHECK(dup2(f, fd) == fd);
		close(f);
	}
}

/**
 * set_listen() - Set LISTEN_PID and LISTEN_FDS
 * @pid:	Value of LISTEN_PID
 * @n:		Value of LISTEN_FDS
 */
static void set_listen(pid_t pid, int n)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", (int)pid);
	CHECK(!setenv("LISTEN_PID", buf, 1));
	snprintf(buf, sizeof(buf), "%d", n);
	CHECK(!setenv("LISTEN_FDS", buf, 1));
}

/**
 * run_child() - Run a case in a child process
 * @fn:		The case: exits 0 when every check passed
 */
static void run_child(void (*fn)(void))
{
	int status;
	pid_t pid;

	*failed_line = 0;
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		fn();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (*failed_line)
		fail_msg("check at line %d failed", *failed_line);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* --fd 5, a stray file on 7: the socket is at 3, nothing else is open */
static void keep_moves_to_3(void)
{
	ino_t s = sock_at(5);

	file_at(7);
	CHECK(fds_sanitise(5, true) == 3);
	CHECK(ino(3) == s);
	CHECK(fcntl(3, F_GETFD) == FD_CLOEXEC);
	CHECK(!is_open(5) && !is_open(7));
	CHECK(!is_open(4) && !is_open(6) && !is_open(100));
	CHECK(is_open(0) && is_open(1) && is_open(2));
}

/* --fd 3 already in place: stays, gets FD_CLOEXEC */
static void keep_at_3(void)
{
	ino_t s = sock_at(3);

	file_at(4);
	CHECK(fds_sanitise(3, false) == 3);
	CHECK(ino(3) == s && fcntl(3, F_GETFD) == FD_CLOEXEC);
	CHECK(!is_open(4));
}

/* 0, 1 and 2 closed by the caller: /dev/null on each, a stray 9 closed */
static void stdio_filled(void)
{
	file_at(9);
	close(0);
	close(1);
	close(2);
	CHECK(fds_sanitise(-1, false) == -1);
	CHECK(is_devnull(0) && is_devnull(1) && is_devnull(2));
	CHECK(!is_open(3) && !is_open(9));
}

/* stdio closed and --fd 5: the socket still goes to 3, not to 0 */
static void stdio_filled_with_keep(void)
{
	ino_t s = sock_at(5);

	close(0);
	close(1);
	close(2);
	CHECK(fds_sanitise(5, true) == 3);
	CHECK(ino(3) == s);
	CHECK(is_devnull(0) && is_devnull(1) && is_devnull(2));
	CHECK(!is_open(4) && !is_open(5));
}

/* --fd 0 (a socket on stdin): moved to 3, /dev/null takes its place */
static void keep_stdin(void)
{
	ino_t s = sock_at(0);

	CHECK(fds_sanitise(0, true) == 3);
	CHECK(ino(3) == s);
	CHECK(is_devnull(0));
	CHECK(!is_open(4));
}

/* --fd that isn't open: -EBADF, the rest is done anyway */
static void keep_not_open(void)
{
	file_at(6);
	close(12);
	CHECK(fds_sanitise(12, true) == -EBADF);
	CHECK(!is_open(3) && !is_open(6) && !is_open(12));
}

/* systemd passed 3 and 4 to us: kept, --fd 8 goes after them to 5 */
static void listen_kept(void)
{
	ino_t a = sock_at(3), b = sock_at(4), k = sock_at(8);

	file_at(6);
	set_listen(getpid(), 2);
	CHECK(fds_listen_count() == 2);
	CHECK(fds_sanitise(8, true) == 5);
	CHECK(ino(3) == a && ino(4) == b && ino(5) == k);
	CHECK(!is_open(6) && !is_open(8));
	CHECK(getenv("LISTEN_FDS") && getenv("LISTEN_PID"));
}

/* Accept=yes with --fd 3: one of systemd's, stays where it is */
static void listen_accept_fd3(void)
{
	ino_t a = sock_at(3);

	set_listen(getpid(), 1);
	CHECK(fds_sanitise(3, true) == 3);
	CHECK(ino(3) == a && !is_open(4));
}

/* LISTEN_PID of another process (our parent's, inherited): closed */
static void listen_other_pid(void)
{
	sock_at(3);
	sock_at(4);
	set_listen(getppid(), 2);
	CHECK(fds_listen_count() == 0);
	CHECK(fds_sanitise(-1, true) == -1);
	CHECK(!is_open(3) && !is_open(4));
}

/* Ours, but the tool doesn't take them (pasta): closed, variables gone */
static void listen_not_wanted(void)
{
	sock_at(3);
	set_listen(getpid(), 1);
	CHECK(!setenv("LISTEN_FDNAMES", "x", 1));
	CHECK(fds_sanitise(-1, false) == -1);
	CHECK(!is_open(3));
	CHECK(!getenv("LISTEN_PID") && !getenv("LISTEN_FDS") &&
	      !getenv("LISTEN_FDNAMES"));
}

/* Garbage in LISTEN_FDS: nothing kept */
static void listen_garbage(void)
{
	char buf[32];

	sock_at(3);
	snprintf(buf, sizeof(buf), "%d", (int)getpid());
	CHECK(!setenv("LISTEN_PID", buf, 1));
	CHECK(!setenv("LISTEN_FDS", "1x", 1));
	CHECK(fds_listen_count() == 0);
	CHECK(!setenv("LISTEN_FDS", "100000", 1));
	CHECK(fds_listen_count() == 0);
	CHECK(!setenv("LISTEN_FDS", "-1", 1));
	CHECK(fds_listen_count() == 0);
	CHECK(fds_sanitise(-1, true) == -1);
	CHECK(!is_open(3));
}

/**
 * struct fds_case - One case: a function run in a child
 * @name:	Name cmocka prints
 * @fn:		Lays out descriptors, calls fds_sanitise(), checks
 */
struct fds_case {
	const char *name;
	void (*fn)(void);
};

static struct fds_case cases[] = {
	{"keep_moves_to_3", keep_moves_to_3},
	{"keep_at_3", keep_at_3},
	{"stdio_filled", stdio_filled},
	{"stdio_filled_with_keep", stdio_filled_with_keep},
	{"keep_stdin", keep_stdin},
	{"keep_not_open", keep_not_open},
	{"listen_kept", listen_kept},
	{"listen_accept_fd3", listen_accept_fd3},
	{"listen_other_pid", listen_other_pid},
	{"listen_not_wanted", listen_not_wanted},
	{"listen_garbage", listen_garbage},
};

/**
 * run_case() - cmocka test: run the case given as state in a child
 * @state:	struct fds_case
 */
static void run_case(void **state)
{
	const struct fds_case *c = *state;

	run_child(c->fn);
}

int main(void)
{
	struct CMUnitTest tests[sizeof(cases) / sizeof(cases[0])];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&tests[i], 0, sizeof(tests[i]));
		tests[i].name = cases[i].name;
		tests[i].test_func = run_case;
		tests[i].initial_state = &cases[i];
	}
	failed_line = mmap(NULL, sizeof(*failed_line), PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (failed_line == MAP_FAILED)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
