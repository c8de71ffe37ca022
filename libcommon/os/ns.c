// SPDX-License-Identifier: GPL-2.0-or-later
/* ns.c - user and network namespaces: create, join, run code inside
 *
 * Theory of operation: pasta stays in the network namespace it was started
 * in (the "host" side: its sockets live there) and reaches into the guest's
 * namespace only for short operations: creating the tap device, opening a
 * netlink socket, writing a sysctl. ns_call() does that with a child that
 * shares our memory and file table (CLONE_VM | CLONE_FILES | CLONE_VFORK),
 * joins the target network namespace, runs a function and exits: whatever it
 * opened stays open in our file table. Joining the network namespace needs
 * CAP_SYS_ADMIN in its owning user namespace and in ours, which is why the
 * caller first joins the owning user namespace with ns_join_user() (a single
 * threaded process that owns a user namespace gets every capability in it).
 *
 * ns_spawn() starts a command in new user, network, PID, mount, IPC and UTS
 * namespaces. The command waits on a pipe until ns_release(): by then the
 * tap device exists and is configured, so the command never sees a half-made
 * network.
 */

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/log.h"
#include "ns.h"

#define NS_STACK_SIZE (64 * 1024)

/**
 * struct ns_call_arg - What the ns_call() child needs and returns
 * @netns_fd:	Network namespace to join
 * @fn:		Function to run there
 * @arg:	Its argument
 * @ret:	Its return value, or -errno if joining failed
 */
struct ns_call_arg {
	int netns_fd;
	int (*fn)(void *arg);
	void *arg;
	int ret;
};

/**
 * ns_call_child() - Body of the ns_call() child
 * @p:		struct ns_call_arg
 *
 * Return: 0, the result is passed back through shared memory
 */
static int ns_call_child(void *p)
{
	struct ns_call_arg *a = p;

	if (setns(a->netns_fd, CLONE_NEWNET)) {
		a->ret = -errno;
		return 0;
	}
	a->ret = a->fn(a->arg);
	return 0;
}

/**
 * ns_call() - Run a function inside a network namespace
 * @netns_fd:	Namespace file descriptor
 * @fn:		Function: file descriptors it opens stay open for the caller
 * @arg:	Argument to @fn
 *
 * Return: what @fn returned, or -errno if the namespace couldn't be joined
 */
int ns_call(int netns_fd, int (*fn)(void *arg), void *arg)
{
	static char stack[NS_STACK_SIZE] __attribute__((aligned(16)));
	struct ns_call_arg a = { netns_fd, fn, arg, -EINVAL };
	pid_t pid;

	pid = clone(ns_call_child, stack + sizeof(stack),
		    CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD, &a);
	if (pid < 0)
		return -errno;
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return a.ret;
}

/**
 * ns_join_user() - Join a user namespace
 * @userns_fd:	Namespace file descriptor
 *
 * Return: 0 on success, -errno on failure
 */
int ns_join_user(int userns_fd)
{
	if (setns(userns_fd, CLONE_NEWUSER))
		return -errno;
	return 0;
}

/**
 * ns_write_file() - Write a string to a (proc) file
 * @path:	Path
 * @s:		Content
 *
 * Return: 0 on success, -errno on failure
 */
static int ns_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;
	size_t len = strlen(s);

	if (fd < 0)
		return -errno;
	if (write(fd, s, len) != (ssize_t)len)
		ret = -errno;
	close(fd);
	return ret;
}

/**
 * ns_write_idmaps() - Map root of a new user namespace to one outside user
 * @pid:	A process in the new user namespace
 * @uid:	Outside UID to map to 0
 * @gid:	Outside GID to map to 0
 *
 * Return: 0 on success, -errno on failure
 */
int ns_write_idmaps(pid_t pid, uid_t uid, gid_t gid)
{
	char path[64], map[64];
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	if ((ret = ns_write_file(path, map)))
		return ret;

	/* user_namespaces(7): setgroups must be denied before an unprivileged
	 * process may write gid_map
	 */
	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
	if ((ret = ns_write_file(path, "deny")) && ret != -ENOENT)
		return ret;

	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
	return ns_write_file(path, map);
}

/**
 * ns_in_init_userns() - Tell whether we run in the initial user namespace
 *
 * Return: true if our UID map is the identity over the whole range
 */
bool ns_in_init_userns(void)
{
	char buf[128], *p, *end;
	unsigned long v[3];
	ssize_t n;
	int fd, i;

	fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';

	/* One line "0 0 4294967295" is the identity map of the initial one */
	for (i = 0, p = buf; i < 3; i++, p = end) {
		errno = 0;
		v[i] = strtoul(p, &end, 10);
		if (errno || end == p)
			return false;
	}
	return !v[0] && !v[1] && v[2] == 4294967295UL && !strchr(end + 1, '\n');
}

/**
 * struct ns_spawn_arg - What the spawned command needs
 * @file:	Program to run (searched in PATH)
 * @argv:	Its arguments, argv[0] included
 * @hostname:	Hostname of the new UTS namespace
 * @wait_fd:	Read end of the release pipe
 * @release_fd:	Write end, pasta's: the child closes its copy
 */
struct ns_spawn_arg {
	const char *file;
	char **argv;
	const char *hostname;
	int wait_fd;
	int release_fd;
};

/**
 * ns_spawn_setup() - Prepare the new namespaces for the command
 * @a:		Spawn arguments
 */
static void ns_spawn_setup(const struct ns_spawn_arg *a)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		log_debug("Making mounts private: %s", strerror(errno));
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL))
		log_warn("Couldn't mount /proc: %s", strerror(errno));
	if (sethostname(a->hostname, strlen(a->hostname)))
		log_debug("Couldn't set hostname: %s", strerror(errno));
	if (ns_write_file("/proc/sys/net/ipv4/ping_group_range", "0 0"))
		log_debug("Couldn't set ping_group_range");
}

/**
 * ns_spawn_child() - Body of the command's process: wait, set up, exec
 * @p:		struct ns_spawn_arg
 *
 * Return: doesn't return on success, 1 on failure
 */
static int ns_spawn_child(void *p)
{
	const struct ns_spawn_arg *a = p;
	sigset_t none;
	char c;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);

	/* clone() copied the write end too: without closing it, a pasta that
	 * died before the prctl() above (a tap failure can be that quick)
	 * would leave us waiting for ever, holding its stdout and stderr
	 */
	close(a->release_fd);

	/* Released when pasta has set up the network, or EOF if it died */
	if (read(a->wait_fd, &c, 1) != 1)
		_exit(EXIT_FAILURE);
	close(a->wait_fd);

	ns_spawn_setup(a);
	execvp(a->file, a->argv);
	fprintf(stderr, "Failed to start command %s: %s\n", a->file,
		strerror(errno));
	_exit(127);
}

/**
 * ns_spawn() - Start a command in new namespaces, stopped until released
 * @child:	Filled with the PID and the release descriptor
 * @file:	Program to run, searched in PATH
 * @argv:	Its arguments, argv[0] included (may differ from @file)
 * @hostname:	Hostname for the new UTS namespace
 *
 * Return: 0 on success, -errno on failure
 */
int ns_spawn(struct ns_child *child, const char *file, char **argv,
	     const char *hostname)
{
	static char stack[NS_STACK_SIZE] __attribute__((aligned(16)));
	struct ns_spawn_arg a = { file, argv, hostname, -1, -1 };
	int fds[2], ret;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	a.wait_fd = fds[0];
	a.release_fd = fds[1];

	pid = clone(ns_spawn_child, stack + sizeof(stack),
		    CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWPID |
			    CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD,
		    &a);
	ret = -errno;
	close(fds[0]);
	if (pid < 0) {
		close(fds[1]);
		return ret;
	}
	child->pid = pid;
	child->release_fd = fds[1];
	return 0;
}

/**
 * ns_release() - Let the spawned command run
 * @child:	Spawned command
 *
 * Return: 0 on success, -errno on failure
 */
int ns_release(struct ns_child *child)
{
	int ret = 0;

	if (write(child->release_fd, "", 1) != 1)
		ret = -errno;
	close(child->release_fd);
	child->release_fd = -1;
	return ret;
}
