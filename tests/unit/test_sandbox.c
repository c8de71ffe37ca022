// SPDX-License-Identifier: GPL-2.0-or-later
/* test_sandbox.c - seccomp allowlists kill what they don't list, the table
 * matches doc/sandbox.md, isolation leaves an empty root and no capabilities,
 * passt in vhost-user mode maps shared memory files and nothing else
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
#include <limits.h>
#include <linux/sockios.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
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
	/* glibc 2.41 and later (Debian 13) map the state of their vDSO
	 * getrandom() at its first call, and mmap() is not allowed: the
	 * tools seed (loop_transports_init()) before the filter, so here too
	 */
	if (getrandom(key, sizeof(key), 0) != sizeof(key))
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
	    p != SANDBOX_PESTO &&
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
	if (p == SANDBOX_PASST_REPAIR || p == SANDBOX_PESTO) {
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

/* Directory child_repair() watches, made and removed by the parent */
static char repair_dir[] = "/tmp/test_sandbox.XXXXXX";

/**
 * child_repair() - passt-repair waits for its socket with inotify and
 *		    poll(), never with a sleep
 * @nap_instead:	Try a sleep instead of the calls it makes
 *
 * Return: CHILD_OK if the calls worked, else killed by SIGSYS (a sleep)
 */
static int child_repair(int nap_instead)
{
	const struct timespec nap = {0, 1000};
	struct pollfd pfd = {.events = POLLIN};
	const char *dir = repair_dir;
	struct timespec now;
	char buf[4096];
	int dfd;

	if (sandbox_seccomp(SANDBOX_PASST_REPAIR))
		return CHILD_SETUP;
	if (nap_instead) {
		/* Not on the list: dies here */
		syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &nap, NULL);
		return CHILD_SURVIVED;
	}
	pfd.fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (pfd.fd < 0 || inotify_add_watch(pfd.fd, dir, IN_CREATE) < 0)
		return CHILD_CHECK;
	if (poll(&pfd, 1, 1) != 0 || poll(NULL, 0, 1) != 0)
		return CHILD_CHECK;
	if (read(pfd.fd, buf, sizeof(buf)) != -1 || errno != EAGAIN)
		return CHILD_CHECK;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || syscall(SYS_getdents64, dfd, buf, sizeof(buf)) <= 0)
		return CHILD_CHECK;
	if (syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &now))
		return CHILD_CHECK;
	close(dfd);
	close(pfd.fd);
	return CHILD_OK;
}

/**
 * test_repair_profile() - passt-repair: inotify, poll(), getdents64(),
 *			   clock_gettime(); clock_nanosleep() kills
 * @state:	Unused
 */
static void test_repair_profile(void **state)
{
	int ws;

	(void)state;
	if (UNDER_SANITIZER)
		skip();
	assert_non_null(mkdtemp(repair_dir));
	ws = run_child(child_repair, 0);
	assert_int_equal(rmdir(repair_dir), 0);
	assert_true(WIFEXITED(ws));
	assert_int_equal(WEXITSTATUS(ws), CHILD_OK);
	assert_sigsys(run_child(child_repair, 1));
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
 * child_vu_maps() - passt's vhost-user profile: map a memory file as the
 *		     link does, check it, use it, unmap it
 * @p:		Unused
 *
 * Return: CHILD_OK if all of it worked
 */
static int child_vu_maps(int p)
{
	int fd = memfd_create("guest", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	const size_t len = 2 * 4096;
	volatile uint8_t *m;
	struct stat st;
	int seals;

	(void)p;
	if (fd < 0 || ftruncate(fd, (off_t)len) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW))
		return CHILD_SETUP;
	if (sandbox_seccomp(SANDBOX_PASST_VU))
		return CHILD_SETUP;
	/* What the link checks before it maps: size, and seals */
	if (fstat(fd, &st) || (size_t)st.st_size != len)
		return CHILD_CHECK;
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK))
		return CHILD_CHECK;
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
		 fd, 0);
	if (m == MAP_FAILED)
		return CHILD_CHECK;
	m[0] = 0x5a;
	m[len - 1] = 0xa5;
	if (pread(fd, (void *)&seals, 1, 0) != 1 || (seals & 0xff) != 0x5a)
		return CHILD_CHECK;
	if (munmap((void *)m, len))
		return CHILD_CHECK;
	/* A second mapping, as the next SET_MEM_TABLE makes */
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
		 fd, 0);
	if (m == MAP_FAILED || m[len - 1] != 0xa5 || munmap((void *)m, len))
		return CHILD_CHECK;
	close(fd);
	return CHILD_OK;
}

/**
 * test_vu_maps_guest_memory() - The vhost-user profile maps memory files
 * @state:	Unused
 */
static void test_vu_maps_guest_memory(void **state)
{
	int ws;

	(void)state;
	if (UNDER_SANITIZER)
		skip();
	ws = run_child(child_vu_maps, 0);
	assert_true(WIFEXITED(ws));
	assert_int_equal(WEXITSTATUS(ws), CHILD_OK);
}

/**
 * struct mmap_case - An mmap() the vhost-user profile must refuse
 * @addr:	Address: FIXED_ADDR for the page the child maps first
 * @prot:	Protection
 * @flags:	Flags
 * @fd:		Descriptor: MEM_FD for the memory file
 * @what:	Description, for the failure message
 */
struct mmap_case {
	unsigned long addr;
	unsigned long prot;
	unsigned long flags;
	long fd;
	const char *what;
};

#define FIXED_ADDR 1UL
#define MEM_FD	   (-2L)
#define RW	   (PROT_READ | PROT_WRITE)
#define SHARED_NR  (MAP_SHARED | MAP_NORESERVE)

static const struct mmap_case mmap_bad[] = {
	{0, RW | PROT_EXEC, SHARED_NR, MEM_FD, "PROT_EXEC"},
	{0, PROT_READ | PROT_EXEC, SHARED_NR, MEM_FD, "read and execute"},
	{0, PROT_READ, SHARED_NR, MEM_FD, "PROT_READ alone"},
	{0, PROT_NONE, SHARED_NR, MEM_FD, "PROT_NONE"},
	{0, RW, MAP_PRIVATE | MAP_NORESERVE, MEM_FD, "MAP_PRIVATE"},
	{0, RW, MAP_PRIVATE | MAP_ANONYMOUS, -1, "private anonymous (malloc)"},
	{0, RW, SHARED_NR | MAP_ANONYMOUS, -1, "MAP_ANONYMOUS"},
	{0, RW, SHARED_NR | MAP_ANONYMOUS, MEM_FD, "MAP_ANONYMOUS, a file"},
	{FIXED_ADDR, RW, SHARED_NR | MAP_FIXED, MEM_FD, "MAP_FIXED"},
	{FIXED_ADDR, RW, SHARED_NR | MAP_FIXED_NOREPLACE, MEM_FD,
	 "MAP_FIXED_NOREPLACE"},
	{FIXED_ADDR, RW, SHARED_NR, MEM_FD, "address hint"},
	{0, RW, MAP_SHARED, MEM_FD, "MAP_SHARED without MAP_NORESERVE"},
	{0, RW, MAP_SHARED_VALIDATE | MAP_NORESERVE, MEM_FD,
	 "MAP_SHARED_VALIDATE"},
	{0, RW, SHARED_NR | MAP_POPULATE, MEM_FD, "MAP_POPULATE"},
	{0, RW, SHARED_NR | MAP_GROWSDOWN, MEM_FD, "MAP_GROWSDOWN"},
	{0, RW, SHARED_NR | MAP_HUGETLB, MEM_FD, "MAP_HUGETLB"},
	{0, RW, SHARED_NR, -1, "descriptor -1"},
	{0, RW, SHARED_NR, 0x80000003L, "descriptor with the sign bit"},
#if ULONG_MAX > 0xffffffffUL
	{0, RW | (1UL << 32), SHARED_NR, MEM_FD, "prot bit 32"},
	{0, RW, SHARED_NR | (1UL << 40), MEM_FD, "flags bit 40"},
#endif
};

/**
 * child_vu_mmap_bad() - The vhost-user profile, then a refused mmap()
 * @i:		Index in mmap_bad[]
 *
 * Return: CHILD_SETUP or CHILD_SURVIVED, which both mean failure
 */
static int child_vu_mmap_bad(int i)
{
	const struct mmap_case *c = &mmap_bad[i];
	int fd = memfd_create("guest", MFD_CLOEXEC);
	unsigned long addr = c->addr;
	void *page;

	if (fd < 0 || ftruncate(fd, 4096))
		return CHILD_SETUP;
	page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return CHILD_SETUP;
	if (addr == FIXED_ADDR)
		addr = (unsigned long)page;
	if (sandbox_seccomp(SANDBOX_PASST_VU))
		return CHILD_SETUP;
	syscall(SYS_mmap, addr, 4096UL, c->prot, c->flags,
		c->fd == MEM_FD ? (long)fd : c->fd, 0L);
	return CHILD_SURVIVED;
}

/**
 * test_vu_mmap_other_forms_kill() - Any other mmap() is killed
 * @state:	Unused
 */
static void test_vu_mmap_other_forms_kill(void **state)
{
	size_t i;
	int ws;

	(void)state;
	for (i = 0; i < sizeof(mmap_bad) / sizeof(mmap_bad[0]); i++) {
		ws = run_child(child_vu_mmap_bad, (int)i);
		if (!WIFSIGNALED(ws) || WTERMSIG(ws) != SIGSYS)
			fail_msg("mmap() with %s: not killed (status %#x)",
				 mmap_bad[i].what, ws);
	}
}

/* MAP_FIXED mmap() of our file of zeros, the SIGBUS handler's: refused in
 * any other form. ZERO_FD is that file; ZERO_UNSET too, but the filter was
 * built without sandbox_set_mmap_fixed_fd()
 */
#define ZERO_FD	   (-3L)
#define ZERO_UNSET (-4L)
#define FIXED_NR   (MAP_PRIVATE | MAP_NORESERVE | MAP_FIXED)

static const struct mmap_case mmap_zero_bad[] = {
	{FIXED_ADDR, RW, FIXED_NR, MEM_FD, "MAP_FIXED, another descriptor"},
	{FIXED_ADDR, RW, FIXED_NR, -1, "MAP_FIXED, descriptor -1"},
	{FIXED_ADDR, RW, FIXED_NR | MAP_ANONYMOUS, ZERO_FD, "MAP_ANONYMOUS"},
	{FIXED_ADDR, RW, SHARED_NR | MAP_FIXED, ZERO_FD, "MAP_SHARED"},
	{FIXED_ADDR, RW, MAP_PRIVATE | MAP_FIXED, ZERO_FD, "no MAP_NORESERVE"},
	{FIXED_ADDR, RW, MAP_PRIVATE | MAP_NORESERVE | MAP_FIXED_NOREPLACE,
	 ZERO_FD, "MAP_FIXED_NOREPLACE"},
	{FIXED_ADDR, RW | PROT_EXEC, FIXED_NR, ZERO_FD, "PROT_EXEC"},
	{FIXED_ADDR, PROT_READ | PROT_EXEC, FIXED_NR, ZERO_FD, "read, execute"},
	{FIXED_ADDR, PROT_READ, FIXED_NR, ZERO_FD, "PROT_READ alone"},
	{FIXED_ADDR, RW, FIXED_NR | MAP_POPULATE, ZERO_FD, "MAP_POPULATE"},
	{FIXED_ADDR, RW, FIXED_NR, ZERO_UNSET,
	 "no descriptor set for the filter"},
#if ULONG_MAX > 0xffffffffUL
	{FIXED_ADDR, RW | (1UL << 32), FIXED_NR, ZERO_FD, "prot bit 32"},
	{FIXED_ADDR, RW, FIXED_NR | (1UL << 40), ZERO_FD, "flags bit 40"},
#endif
};

/**
 * zero_file() - A file of zeros as vu_mem_guard_init() makes it
 *
 * Return: its descriptor, -1 on failure
 */
static int zero_file(void)
{
	int fd = memfd_create("zero", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0 || ftruncate(fd, 1 << 20) ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
			       F_SEAL_SEAL))
		return -1;
	return fd;
}

/* What child_vu_zero() does once the filter is on, if not mmap_zero_bad[] */
enum vu_zero_op {
	ZERO_MAP_OK = 0x100,	/* the handler's form: works */
	ZERO_SIGACTION_BUS,	/* rt_sigaction(SIGBUS): works */
	ZERO_SIGACTION_USR1,	/* rt_sigaction(SIGUSR1): killed */
};

/**
 * child_vu_zero() - The vhost-user profile with our file of zeros set, a
 *		     guest memory page mapped, then one mmap() or sigaction()
 * @op:		Index in mmap_zero_bad[], or enum vu_zero_op
 *
 * Return: CHILD_OK if an allowed call worked, CHILD_SURVIVED if a refused
 *	   one didn't kill us, CHILD_SETUP or CHILD_CHECK on failure
 */
static int child_vu_zero(int op)
{
	int mem = memfd_create("guest", MFD_CLOEXEC), zero = zero_file();
	const struct mmap_case *c = &mmap_zero_bad[op & 0xff];
	struct sigaction sa;
	volatile uint8_t *m;
	long fd;

	if (mem < 0 || zero < 0 || ftruncate(mem, 4096) || write(mem, "x", 1) != 1)
		return CHILD_SETUP;
	m = mmap(NULL, 4096, RW, SHARED_NR, mem, 0);
	if (m == MAP_FAILED)
		return CHILD_SETUP;
	if (op >= ZERO_MAP_OK || c->fd != ZERO_UNSET)
		sandbox_set_mmap_fixed_fd(zero);
	if (sandbox_seccomp(SANDBOX_PASST_VU))
		return CHILD_SETUP;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	switch (op) {
	case ZERO_MAP_OK:
		if (m[0] != 'x' ||
		    mmap((void *)m, 4096, RW, FIXED_NR, zero, 0) != m)
			return CHILD_CHECK;
		m[1] = 1;	/* written into our file, not the guest's */
		return m[0] || pread(mem, &sa, 2, 0) != 2 ? CHILD_CHECK :
							    CHILD_OK;
	case ZERO_SIGACTION_BUS:
		return sigaction(SIGBUS, &sa, NULL) ? CHILD_CHECK : CHILD_OK;
	case ZERO_SIGACTION_USR1:
		sigaction(SIGUSR1, &sa, NULL);
		return CHILD_SURVIVED;
	default:
		break;
	}
	fd = c->fd == ZERO_FD || c->fd == ZERO_UNSET ? zero :
	     c->fd == MEM_FD ? mem : c->fd;
	syscall(SYS_mmap, (unsigned long)m, 4096UL, c->prot, c->flags, fd, 0L);
	return CHILD_SURVIVED;
}

/**
 * test_vu_mmap_zero_file() - The SIGBUS handler's MAP_FIXED form works with
 *			      our file of zeros only, and only as given;
 *			      rt_sigaction() on SIGBUS only
 * @state:	Unused
 */
static void test_vu_mmap_zero_file(void **state)
{
	size_t i;
	int ws;

	(void)state;
	if (UNDER_SANITIZER)
		skip();
	ws = run_child(child_vu_zero, ZERO_MAP_OK);
	assert_true(WIFEXITED(ws));
	assert_int_equal(WEXITSTATUS(ws), CHILD_OK);
	ws = run_child(child_vu_zero, ZERO_SIGACTION_BUS);
	assert_true(WIFEXITED(ws));
	assert_int_equal(WEXITSTATUS(ws), CHILD_OK);
	assert_sigsys(run_child(child_vu_zero, ZERO_SIGACTION_USR1));
	for (i = 0; i < sizeof(mmap_zero_bad) / sizeof(mmap_zero_bad[0]); i++) {
		ws = run_child(child_vu_zero, (int)i);
		if (!WIFSIGNALED(ws) || WTERMSIG(ws) != SIGSYS)
			fail_msg("mmap() with %s: not killed (status %#x)",
				 mmap_zero_bad[i].what, ws);
	}
}

/* Memory calls that stay refused: each child installs profile (arg >> 8) */
enum vu_bad {
	VU_MMAP_ALLOWED_FORM,
	VU_MUNMAP,
	VU_MPROTECT_EXEC,
	VU_MREMAP,
	VU_BAD_CALLS
};

/**
 * child_mem_bad() - Install a profile, map a memory file, then make a call
 *		     the profile must refuse
 * @arg:	(profile << 8) | enum vu_bad
 *
 * Return: CHILD_SETUP or CHILD_SURVIVED, which both mean failure
 */
static int child_mem_bad(int arg)
{
	int fd = memfd_create("guest", MFD_CLOEXEC);
	void *m;

	if (fd < 0 || ftruncate(fd, 8192))
		return CHILD_SETUP;
	m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED ||
	    sandbox_seccomp((enum sandbox_profile)(arg >> 8)))
		return CHILD_SETUP;
	switch ((enum vu_bad)(arg & 0xff)) {
	case VU_MMAP_ALLOWED_FORM:
		syscall(SYS_mmap, NULL, 4096UL, (long)RW, (long)SHARED_NR,
			(long)fd, 0L);
		break;
	case VU_MUNMAP:
		syscall(SYS_munmap, m, 8192UL);
		break;
	case VU_MPROTECT_EXEC:
		syscall(SYS_mprotect, m, 4096UL, (long)(PROT_READ | PROT_EXEC));
		break;
	case VU_MREMAP:
		syscall(SYS_mremap, m, 8192UL, 4096UL, 0L);
		break;
	default:
		break;
	}
	return CHILD_SURVIVED;
}

/**
 * test_mem_calls_outside_vu_kill() - pasta's and passt's profiles kill even
 *				      the mmap() and munmap() vhost-user
 *				      makes; no profile has mprotect, mremap
 * @state:	Unused
 */
static void test_mem_calls_outside_vu_kill(void **state)
{
	int p, b;

	(void)state;
	for (p = 0; p < SANDBOX_PROFILES; p++) {
		for (b = 0; b < VU_BAD_CALLS; b++) {
			if (p == SANDBOX_PASST_VU &&
			    (b == VU_MMAP_ALLOWED_FORM || b == VU_MUNMAP))
				continue;
			assert_sigsys(run_child(child_mem_bad, (p << 8) | b));
		}
	}
}

/**
 * test_table_sane() - Every entry resolves, belongs to a tool, nothing that
 *		       allocates memory or runs programs is listed, and mmap()
 *		       only for passt in vhost-user mode, with its arguments
 * @state:	Unused
 */
static void test_table_sane(void **state)
{
	static const char *const never[] = {
		"brk",	    "mremap", "mprotect", "execve",
		"execveat", "mount",  "ptrace",	  "remap_file_pages"};
	static const char *const vu_only[] = {"mmap", "mmap2", "munmap",
					      "rt_sigaction", "rt_sigreturn"};
	const uint32_t vu = 1U << SANDBOX_PASST_VU;
	const uint32_t passt = 1U << SANDBOX_PASST;
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
		for (j = 0; j < sizeof(vu_only) / sizeof(vu_only[0]); j++) {
			if (strcmp(r[i].name, vu_only[j]))
				continue;
			assert_int_equal(r[i].profiles, vu);
			if (!strcmp(r[i].name, "rt_sigaction"))
				assert_int_equal(r[i].arg, SB_SIGBUS);
			else if (!strncmp(r[i].name, "mmap", 4))
				assert_true(r[i].arg == SB_MMAP_SHARED ||
					    r[i].arg == SB_MMAP_ZERO);
		}
		/* vhost-user mode is passt's loop with more: everything of
		 * passt's list is on its list
		 */
		if (r[i].profiles & passt)
			assert_true(r[i].profiles & vu);
	}
	assert_string_equal(sandbox_profile_name(SANDBOX_PASST_REPAIR),
			    "passt-repair");
	assert_string_equal(sandbox_profile_name(SANDBOX_PASST_VU), "passt-vu");
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
		cmocka_unit_test(test_repair_profile),
		cmocka_unit_test(test_isolate),
		cmocka_unit_test(test_vu_maps_guest_memory),
		cmocka_unit_test(test_vu_mmap_other_forms_kill),
		cmocka_unit_test(test_vu_mmap_zero_file),
		cmocka_unit_test(test_mem_calls_outside_vu_kill),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
