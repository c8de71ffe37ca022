// SPDX-License-Identifier: GPL-2.0-or-later
/* test_sandbox.c - seccomp allowlists kill what they don't list, the table
 * matches doc/sandbox.md, isolation leaves an empty root and no capabilities
 *
 * Each check that installs a filter or detaches namespaces runs in a forked
 * child, so the test process itself stays unconfined; the parent checks the
 * child's exit status (WTERMSIG == SIGSYS for a refused call).
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <sched.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cap-ng.h>
#include <seccomp.h>

#include "os/netlink.h"
#include "os/ns.h"
#include "os/sandbox.h"

/* The sanitizers' run-time makes calls no allowlist has (mmap, ...) */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif
#ifndef UNDER_SANITIZER
#define UNDER_SANITIZER 0
#endif

#define DOC	  "doc/sandbox.md"
#define DOC_BEGIN "<!-- sandbox-table begin -->"
#define DOC_END	  "<!-- sandbox-table end -->"
#define LINE_LEN  512

/* Exit codes a child uses to report which check failed */
enum child_exit {
	CHILD_OK = 0,
	CHILD_SETUP = 10,
	CHILD_CHECK = 11,
	CHILD_SURVIVED = 12,
};

/**
 * src_path() - Path of a file of the source tree, wherever we run from
 * @buf:	Output
 * @size:	Size of @buf
 * @rel:	Path relative to the top of the tree
 */
static void src_path(char *buf, size_t size, const char *rel)
{
	static const char self[] = "tests/unit/test_sandbox.c";
	size_t len = strlen(__FILE__), plen = 0;

	if (len >= strlen(self) && !strcmp(__FILE__ + len - strlen(self), self))
		plen = len - strlen(self);
	snprintf(buf, size, "%.*s%s", (int)plen, __FILE__, rel);
}

/**
 * run_child() - Run a function in a child, return its wait status
 * @fn:		Function: its return value is the exit code
 * @arg:	Argument
 *
 * Return: wait status
 */
static int run_child(int (*fn)(int), int arg)
{
	pid_t pid = fork();
	int ws;

	assert_true(pid >= 0);
	if (!pid)
		_exit(fn(arg));
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	return ws;
}

/**
 * assert_sigsys() - The child must have been killed by SIGSYS
 * @ws:		Wait status
 */
static void assert_sigsys(int ws)
{
	if (WIFEXITED(ws))
		fail_msg("child exited with %d instead of dying of SIGSYS",
			 WEXITSTATUS(ws));
	assert_true(WIFSIGNALED(ws));
	assert_int_equal(WTERMSIG(ws), SIGSYS);
}

/* Forbidden calls: each child installs profile (arg >> 8) first */
enum bad_call { BAD_MMAP, BAD_BRK, BAD_EXECVE, BAD_OPEN_CREAT, BAD_CALLS };

/**
 * child_bad() - Install a profile, then try something it doesn't allow
 * @arg:	(profile << 8) | enum bad_call
 *
 * Return: CHILD_SETUP or CHILD_SURVIVED, which both mean failure
 */
static int child_bad(int arg)
{
	static char *const argv[] = {"true", NULL};

	if (sandbox_seccomp((enum sandbox_profile)(arg >> 8)))
		return CHILD_SETUP;
	switch ((enum bad_call)(arg & 0xff)) {
	case BAD_MMAP:
		syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		break;
	case BAD_BRK:
		syscall(SYS_brk, 0);
		break;
	case BAD_EXECVE:
		syscall(SYS_execve, "/bin/true", argv, NULL);
		break;
	case BAD_OPEN_CREAT:
		syscall(SYS_openat, AT_FDCWD, "/tmp/test_sandbox.new",
			O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
		break;
	default:
		break;
	}
	return CHILD_SURVIVED;
}

/**
 * test_violations_kill() - mmap, brk, execve, open(O_CREAT): SIGSYS, for
 *			    every profile
 * @state:	Unused
 */
static void test_violations_kill(void **state)
{
	int p, b;

	(void)state;
	for (p = 0; p < SANDBOX_PROFILES; p++) {
		for (b = 0; b < BAD_CALLS; b++)
			assert_sigsys(run_child(child_bad, (p << 8) | b));
	}
}

/**
 * child_good() - Install a profile, then do what its loop does
 * @p:		Profile
 *
 * Return: CHILD_OK if the allowed calls worked
 */
static int child_good(int p)
{
	int fds[2];
	uint8_t key[8];
	char c = 0;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds))
		return CHILD_SETUP;
	if (sandbox_seccomp((enum sandbox_profile)p))
		return CHILD_SETUP;
	if (write(fds[0], "x", 1) != 1)
		return CHILD_CHECK;
	if (p == SANDBOX_PASST_REPAIR) {
		struct iovec iov = {&c, 1};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

		if (recvmsg(fds[1], &mh, 0) != 1 || c != 'x')
			return CHILD_CHECK;
	} else if (p == SANDBOX_NETCFG) {
		/* pasta-netcfg reads netlink replies with recvfrom() only */
		if (recvfrom(fds[1], &c, 1, 0, NULL, NULL) != 1 || c != 'x')
			return CHILD_CHECK;
	} else if (read(fds[1], &c, 1) != 1 || c != 'x') {
		return CHILD_CHECK;
	}
	if (p != SANDBOX_PASST_REPAIR && p != SANDBOX_NETCFG &&
	    getrandom(key, sizeof(key), 0) != sizeof(key))
		return CHILD_CHECK;
	close(fds[0]);
	close(fds[1]);
	return CHILD_OK;
}

/**
 * test_allowed_calls_work() - What the profile lists still works
 * @state:	Unused
 */
static void test_allowed_calls_work(void **state)
{
	int p, ws;

	(void)state;
	if (UNDER_SANITIZER)
		skip();
	for (p = 0; p < SANDBOX_PROFILES; p++) {
		ws = run_child(child_good, p);
		assert_true(WIFEXITED(ws));
		assert_int_equal(WEXITSTATUS(ws), CHILD_OK);
	}
}

/**
 * child_socket_filter() - socket() arguments are filtered per profile
 * @p:		Profile
 *
 * Return: CHILD_OK if the listed families work, else killed by SIGSYS
 */
static int child_socket_filter(int p)
{
	int s;

	if (sandbox_seccomp((enum sandbox_profile)p))
		return CHILD_SETUP;
	if (p == SANDBOX_PASST_REPAIR) {
		s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			return CHILD_CHECK;
		close(s);
		/* Not on the list: dies here */
		socket(AF_INET, SOCK_STREAM, 0);
		return CHILD_SURVIVED;
	}
	if (p == SANDBOX_NETCFG) {
		/* Its sockets are all open before the filter: none at all,
		 * not even the netlink kind it uses, dies here
		 */
		socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0);
		return CHILD_SURVIVED;
	}
	s = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return CHILD_CHECK;
	close(s);
	/* A raw netlink socket isn't needed by any loop: dies here */
	socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0);
	return CHILD_SURVIVED;
}

/**
 * test_socket_args_filtered() - Allowed families work, others kill
 * @state:	Unused
 */
static void test_socket_args_filtered(void **state)
{
	int p;

	(void)state;
	for (p = 0; p < SANDBOX_PROFILES; p++)
		assert_sigsys(run_child(child_socket_filter, p));
}

/**
 * child_ioctl_filter() - ioctl(): SIOCOUTQ allowed, TIOCSTI kills
 * @p:		Profile (unused: pasta's)
 *
 * Return: only if something went wrong
 */
static int child_ioctl_filter(int p)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), v = 0;

	(void)p;
	if (s < 0 || sandbox_seccomp(SANDBOX_PASTA))
		return CHILD_SETUP;
	if (ioctl(s, SIOCOUTQ, &v))
		return CHILD_CHECK;
	ioctl(0, TIOCSTI, "x");
	return CHILD_SURVIVED;
}

/**
 * test_ioctl_args_filtered() - Only the listed requests pass
 * @state:	Unused
 */
static void test_ioctl_args_filtered(void **state)
{
	(void)state;
	assert_sigsys(run_child(child_ioctl_filter, 0));
}

/**
 * nscall_fn() - Open a socket in the namespace ns_call() entered
 * @arg:	int *, set to the socket
 *
 * Return: 0 on success, -errno on failure
 */
static int nscall_fn(void *arg)
{
	int *s = arg;

	*s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	return *s < 0 ? -errno : 0;
}

/**
 * child_nscall() - pasta's profile lets ns_call() work, plain fork() kills
 * @p:		Unused
 *
 * Return: only if something went wrong
 */
static int child_nscall(int p)
{
	int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), s = -1;

	(void)p;
	if (fd < 0 || sandbox_seccomp(SANDBOX_PASTA))
		return CHILD_SETUP;
	if (ns_call(fd, nscall_fn, &s) || s < 0)
		return CHILD_CHECK;
	close(s);
	/* fork() is a clone() with other flags: dies here */
	if (!fork())
		_exit(0);
	return CHILD_SURVIVED;
}

/**
 * test_pasta_nscall() - clone() only with ns_call()'s flags
 * @state:	Unused
 */
static void test_pasta_nscall(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	assert_sigsys(run_child(child_nscall, 0));
}

/**
 * child_netcfg() - pasta-netcfg's profile: a netlink request on a socket
 *		    opened before works, joining a namespace kills
 * @p:		Unused
 *
 * Return: only if something went wrong
 */
static int child_netcfg(int p)
{
	int fd = nl_open(),
	    ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	unsigned int ifindex = 0;

	(void)p;
	if (fd < 0 || ns < 0 || sandbox_seccomp(SANDBOX_NETCFG))
		return CHILD_SETUP;
	/* sendto() and recvfrom(): the loopback interface is always 1 */
	if (nl_link_index(fd, "lo", &ifindex) || ifindex != 1)
		return CHILD_CHECK;
	/* setns() happens before the filter: dies here */
	setns(ns, CLONE_NEWNET);
	return CHILD_SURVIVED;
}

/**
 * test_netcfg_profile() - pasta-netcfg talks netlink, nothing else
 * @state:	Unused
 */
static void test_netcfg_profile(void **state)
{
	(void)state;
	if (UNDER_SANITIZER)
		skip();
	assert_sigsys(run_child(child_netcfg, 0));
}

/**
 * child_isolate() - Isolate, then check the root, capabilities, NNP
 * @newpid:	Also detach the PID namespace
 *
 * Return: CHILD_OK if everything is as it should be
 */
static int child_isolate(int newpid)
{
	struct sandbox_opts o = {.newpid = newpid};
	struct stat st;
	char cwd[16];

	if (sandbox_isolate(&o))
		return CHILD_SETUP;
	/* An empty root: nothing of the host's files is reachable */
	if (!stat("/etc", &st) || errno != ENOENT || !stat("/proc/self", &st))
		return CHILD_CHECK;
	if (!getcwd(cwd, sizeof(cwd)) || strcmp(cwd, "/") != 0)
		return CHILD_CHECK;
	/* Read-only */
	if (mkdir("/x", 0700) == 0 || errno != EROFS)
		return CHILD_CHECK;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return CHILD_CHECK;
	if (capng_get_caps_process() ||
	    capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE)
		return CHILD_CHECK;
	return CHILD_OK;
}

/**
 * test_isolate() - Empty read-only root, no capabilities, NNP; with and
 *		    without a new PID namespace
 * @state:	Unused
 */
static void test_isolate(void **state)
{
	int ws, newpid;

	(void)state;
	for (newpid = 0; newpid < 2; newpid++) {
		ws = run_child(child_isolate, newpid);
		if (WIFEXITED(ws) && WEXITSTATUS(ws) == CHILD_SETUP &&
		    geteuid() != 0)
			skip(); /* no user namespaces for us here */
		assert_true(WIFEXITED(ws));
		assert_int_equal(WEXITSTATUS(ws), CHILD_OK);
	}
}

/**
 * test_table_sane() - Every entry resolves, belongs to a tool, and nothing
 *		       that allocates memory or runs programs is listed
 * @state:	Unused
 */
static void test_table_sane(void **state)
{
	static const char *const never[] = {"brk",	"mmap",	    "mremap",
					    "munmap",	"mprotect", "execve",
					    "execveat", "mount",    "ptrace"};
	const struct sandbox_rule *r;
	size_t n, i, j;

	(void)state;
	r = sandbox_rules(&n);
	assert_true(n > 10);
	for (i = 0; i < n; i++) {
		assert_true(r[i].profiles);
		assert_true(r[i].profiles < (1U << SANDBOX_PROFILES));
		assert_true(*r[i].why);
		assert_string_not_equal(sandbox_arg_name(r[i].arg), "?");
		if (seccomp_syscall_resolve_name(r[i].name) == __NR_SCMP_ERROR)
			fail_msg("unknown system call %s", r[i].name);
		for (j = 0; j < sizeof(never) / sizeof(never[0]); j++)
			assert_string_not_equal(r[i].name, never[j]);
	}
	assert_string_equal(sandbox_profile_name(SANDBOX_PASST_REPAIR),
			    "passt-repair");
	assert_string_equal(sandbox_profile_name(SANDBOX_PROFILES), "?");
}

/**
 * doc_line() - The line doc/sandbox.md must have for a table entry
 * @r:		Entry
 * @buf:	Output
 * @len:	Size of @buf
 */
static void doc_line(const struct sandbox_rule *r, char *buf, size_t len)
{
	const char *arg = sandbox_arg_name(r->arg);
	int off, p;

	off = snprintf(buf, len, "| `%s` |", r->name);
	for (p = 0; p < SANDBOX_PROFILES; p++)
		off += snprintf(buf + off, len - (size_t)off, " %s |",
				r->profiles & (1U << p) ? "x" : " ");
	snprintf(buf + off, len - (size_t)off, " %s | %s |\n",
		 *arg ? arg : "any", r->why);
}

/**
 * test_doc_in_sync() - doc/sandbox.md lists exactly the table, in order
 * @state:	Unused
 */
static void test_doc_in_sync(void **state)
{
	char path[4096], line[LINE_LEN], want[LINE_LEN];
	const struct sandbox_rule *r;
	size_t n, i = 0, skip_rows = 2; /* header, separator */
	bool in = false;
	FILE *f;

	(void)state;
	r = sandbox_rules(&n);
	src_path(path, sizeof(path), DOC);
	if (!(f = fopen(path, "r")))
		fail_msg("Can't open %s", path);
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, DOC_BEGIN, strlen(DOC_BEGIN))) {
			in = true;
			continue;
		}
		if (!in || *line != '|')
			continue;
		if (skip_rows) {
			skip_rows--;
			continue;
		}
		if (i >= n)
			fail_msg("%s: extra row: %s", DOC, line);
		doc_line(&r[i++], want, sizeof(want));
		if (strcmp(line, want) != 0)
			fail_msg("%s: row %zu is\n%swant\n%s", DOC, i, line,
				 want);
	}
	fclose(f);
	assert_true(in);
	if (i != n) {
		doc_line(&r[i], want, sizeof(want));
		fail_msg("%s: missing row %zu:\n%s", DOC, i + 1, want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_sane),
		cmocka_unit_test(test_doc_in_sync),
		cmocka_unit_test(test_violations_kill),
		cmocka_unit_test(test_allowed_calls_work),
		cmocka_unit_test(test_socket_args_filtered),
		cmocka_unit_test(test_ioctl_args_filtered),
		cmocka_unit_test(test_pasta_nscall),
		cmocka_unit_test(test_netcfg_profile),
		cmocka_unit_test(test_isolate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
