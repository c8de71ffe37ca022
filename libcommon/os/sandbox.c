// SPDX-License-Identifier: GPL-2.0-or-later
/* sandbox.c - namespaces, capabilities and seccomp allowlists of each tool
 *
 * Theory of operation: a tool first opens everything it will ever need
 * (sockets, tap, log and capture files, namespace descriptors, /dev/null),
 * then sandbox_isolate() takes the rest away. It unshares the mount, IPC and
 * UTS namespaces (and the PID namespace when the caller forks next, so that
 * the daemon is PID 1 of a namespace of its own), mounts an empty read-only
 * tmpfs, pivot_root()s into it and detaches the old root: no path reaches
 * the host's files any more, only descriptors opened before. Unsharing needs
 * CAP_SYS_ADMIN in our user namespace: pasta has it in the namespace of its
 * guest, which it joined; without it (passt, or an unprivileged pasta that
 * didn't join one) we first detach into a new user namespace of our own,
 * mapping our own IDs only. pasta keeps CAP_SYS_ADMIN of that joined
 * namespace, the one thing that lets it setns() into the guest's network
 * namespace at run time, and, with --config-net following the host
 * (doc/follow.md), CAP_NET_ADMIN of it, to change the namespace's addresses
 * and routes over netlink; every other capability is dropped, bounding and
 * ambient sets included, no-new-privileges is set and the process made
 * non-dumpable (no core dumps, no ptrace() by other processes of the user).
 *
 * sandbox_seccomp() then installs the allowlist of the tool: one table,
 * sandbox_rules[], says which tools may call what, some calls with their
 * arguments filtered. Anything else kills the process with SIGSYS. The
 * filter is compiled with libseccomp, exported as BPF into a static buffer
 * and the libseccomp context released before the filter is installed, so
 * that no memory is allocated or released afterwards: brk, mremap and
 * mprotect are on no list, mmap and munmap only on the one of passt in
 * vhost-user mode. doc/sandbox.md lists the table; a unit test keeps the
 * two in sync.
 *
 * vhost-user (SANDBOX_PASST_VU): the frontend shares the guest's memory and
 * the dirty log as descriptors (SCM_RIGHTS), which passt maps at run time,
 * whenever a SET_MEM_TABLE or SET_LOG_BASE comes. That profile is passt's,
 * plus mmap() in the one form the link uses (no address hint, read and
 * write, never execute, MAP_SHARED | MAP_NORESERVE and nothing else: no
 * anonymous, private or fixed mapping; on a descriptor), munmap(), and
 * fstat() and F_GET_SEALS to check a memory file before it is mapped. A
 * process that could map as it likes could allocate, or map code; this one
 * only maps what it holds open (what the frontend sent), and only as data.
 * One more form, MAP_FIXED, lets the SIGBUS handler of vu_mem.c map our
 * own sealed file of zeros over guest memory the frontend cut under us:
 * read and write, MAP_PRIVATE | MAP_NORESERVE | MAP_FIXED exactly, and that
 * one descriptor (sandbox_set_mmap_fixed_fd(), a number fixed before the
 * filter is built); the handler may also reset SIGBUS to its default
 * action (rt_sigaction() on SIGBUS only) and returns through rt_sigreturn.
 *
 * pesto (SANDBOX_PESTO) parses what a server sends: once it has read the
 * ephemeral port range and connected, it may read, write, poll, shut down
 * its writing side, and open and connect AF_UNIX stream sockets (to read the
 * tables again after a change), nothing else; it is not isolated otherwise,
 * as it reconnects to a path.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <malloc.h>
#include <linux/seccomp.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cap-ng.h>
#include <seccomp.h>

#include "base/log.h"
#include "daemon.h"
#include "sandbox.h"

/* Mount point for the empty tmpfs, in our own mount namespace by then */
#define SANDBOX_MNT	     "/tmp"
#define SANDBOX_MNT_FALLBACK "/dev"
#define SANDBOX_TMPFS_OPTS   "nr_inodes=2,nr_blocks=0"

/* ns_call() (os/ns.c): the only clone() the loops may do */
#define SANDBOX_NSCALL_FLAGS (CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD)

#define SANDBOX_BPF_MAX 4096 /* BPF_MAXINSNS */

/* PR_GET_DUMPABLE of a process whose credentials never changed */
#define SANDBOX_DUMP_USER 1

/* Build with -DSANDBOX_LOG to find missing calls: violations are then only
 * logged by the kernel (audit type 1326, "syscall=N"), not fatal
 */
#ifdef SANDBOX_LOG
#define SANDBOX_DENY SCMP_ACT_LOG
#else
#define SANDBOX_DENY SCMP_ACT_KILL_PROCESS
#endif

#define PASTA  (1U << SANDBOX_PASTA)
#define PASST  (1U << SANDBOX_PASST)
#define VU     (1U << SANDBOX_PASST_VU)
#define REPAIR (1U << SANDBOX_PASST_REPAIR)
#define NETCFG (1U << SANDBOX_NETCFG)
#define PESTO  (1U << SANDBOX_PESTO)
#define PASSTS (PASST | VU)
#define LOOP   (PASTA | PASSTS)

/* The allowlist: doc/sandbox.md lists the same, test_sandbox checks it */
static const struct sandbox_rule sandbox_table[] = {
	/* The loop itself */
	{"epoll_wait", LOOP, SB_ANY, "event loop"},
	{"epoll_pwait", LOOP, SB_ANY, "event loop (arches without epoll_wait)"},
	{"epoll_ctl", LOOP, SB_ANY, "event loop, flows come and go"},
	{"sched_yield", LOOP, SB_ANY, "event loop: polling after traffic"},
	{"read", LOOP | REPAIR | PESTO, SB_ANY,
	 "tap, signalfd, timerfd, inotify, control socket"},
	{"write", LOOP | REPAIR | NETCFG | PESTO, SB_ANY,
	 "tap, log, messages, output"},
	{"writev", LOOP, SB_ANY, "tap, stream link"},
	{"pread64", LOOP, SB_ANY, "log file trim, /proc/net scans"},
	{"pwrite64", LOOP, SB_ANY, "log file trim"},
	{"lseek", LOOP, SB_ANY, "log file trim"},
	{"ftruncate", LOOP, SB_ANY, "log file trim"},
	{"close", LOOP | REPAIR | NETCFG | PESTO, SB_ANY,
	 "flows end, sockets done"},
	/* Sockets */
	{"socket", LOOP, SB_SOCKET, "new flows, syslog reconnecting"},
	{"socket", REPAIR | PESTO, SB_SOCKET_UNIX,
	 "repair socket, control socket (pesto reconnects)"},
	{"connect", LOOP | REPAIR | PESTO, SB_ANY,
	 "new flows, repair socket, control socket"},
	{"bind", LOOP, SB_ANY, "new flows, listeners"},
	{"listen", LOOP, SB_ANY, "listeners"},
	{"accept4", LOOP, SB_ANY, "inbound connections, qemu"},
	{"shutdown", LOOP | PESTO, SB_ANY,
	 "TCP half-close, end of a pesto update"},
	{"getsockopt", LOOP, SB_ANY, "SO_ERROR, TCP_INFO"},
	{"setsockopt", LOOP, SB_ANY, "socket options of new flows"},
	{"setsockopt", REPAIR, SB_SOCKOPT_REPAIR, "the one job"},
	{"setsockopt", REPAIR, SB_SOCKOPT_FILTER,
	 "repair mode: the peer's segments dropped meanwhile"},
	{"recvfrom", LOOP | NETCFG, SB_ANY, "sockets, netlink replies"},
	{"recvmsg", LOOP | REPAIR, SB_ANY, "sockets, SCM_RIGHTS"},
	{"recvmmsg", LOOP, SB_ANY, "UDP batches"},
	{"sendto", LOOP | REPAIR | NETCFG | PESTO, SB_ANY,
	 "sockets, syslog, replies, netlink requests"},
	{"sendmsg", LOOP, SB_ANY, "sockets"},
	{"sendmmsg", LOOP, SB_ANY, "UDP batches"},
	{"ioctl", LOOP, SB_IOCTL, "queued bytes"},
	{"ioctl", VU, SB_IOCTL_MIGRATE, "migration: sockets' queues"},
	{"getsockname", LOOP, SB_ANY,
	 "a socket's own address: migration, host address gone"},
	{"fcntl", LOOP, SB_FCNTL, "non-blocking flags, pipe sizes"},
	{"poll", PASSTS | REPAIR | PESTO, SB_ANY,
	 "stream link: waiting for qemu to read; waiting for the socket"},
	{"ppoll", PASSTS | REPAIR | PESTO, SB_ANY,
	 "as poll (arches without poll)"},
	/* vhost-user: the guest's memory and the dirty log, shared by the
	 * frontend as descriptors (SET_MEM_TABLE, SET_LOG_BASE)
	 */
	{"mmap", VU, SB_MMAP_SHARED, "guest memory, dirty log"},
	{"mmap2", VU, SB_MMAP_SHARED, "as mmap (32-bit arches)"},
	{"munmap", VU, SB_ANY, "guest memory replaced, frontend gone"},
	{"fstat", VU, SB_ANY, "size of a guest memory file"},
	{"newfstatat", VU, SB_STAT_FD, "fstat() of glibc 2.33 and later"},
	{"fcntl", VU, SB_FCNTL_SEALS, "can a guest memory file shrink"},
	{"unlinkat", LOOP, SB_ANY, "our sockets and PID file, at exit"},
	{"mmap", VU, SB_MMAP_ZERO, "SIGBUS: zeros over cut guest memory"},
	{"mmap2", VU, SB_MMAP_ZERO, "as mmap (32-bit arches)"},
	{"rt_sigaction", VU, SB_SIGBUS, "SIGBUS not ours: default action"},
	{"rt_sigreturn", VU, SB_ANY, "return from the SIGBUS handler"},
	/* Splicing and the guest's namespace (pasta) */
	{"splice", PASTA, SB_ANY, "spliced connections"},
	{"pipe2", PASTA, SB_ANY, "spliced connections"},
	{"clone", PASTA, SB_CLONE_NSCALL, "ns_call(): sockets in the guest"},
	{"setns", PASTA, SB_SETNS_NET, "ns_call(): sockets in the guest"},
	{"wait4", PASTA, SB_ANY, "the command, ns_call()"},
	{"openat", PASTA, SB_OPENAT_PATH, "namespace watch (procfs)"},
	/* resolv.conf followed: read again through directory descriptors */
	{"openat", LOOP, SB_OPENAT_READ, "resolv.conf changed: read it again"},
	{"readlinkat", LOOP, SB_ANY, "resolv.conf changed: where it points"},
	/* Time, randomness, ending */
	{"timerfd_settime", LOOP, SB_ANY, "timers"},
	{"clock_gettime", LOOP | REPAIR | PESTO, SB_ANY,
	 "time (if not in the vDSO)"},
	{"getrandom", LOOP, SB_ANY, "sequence numbers, ports"},
	{"getpid", LOOP, SB_ANY, "syslog"},
	{"exit", PASTA, SB_ANY, "ns_call() child"},
	{"exit_group", LOOP | REPAIR | NETCFG | PESTO, SB_ANY, "exit"},
	/* passt-repair: the socket path, or a directory to watch and list */
	{"newfstatat", REPAIR, SB_ANY, "is PATH a directory"},
	{"inotify_init1", REPAIR, SB_ANY, "directory PATH: new entries"},
	{"inotify_add_watch", REPAIR, SB_ANY, "directory PATH: new entries"},
	{"openat", REPAIR, SB_OPENAT_DIR, "directory PATH"},
	{"getdents64", REPAIR, SB_ANY, "directory PATH"},
	{"clock_nanosleep", LOOP, SB_ANY,
	 "event loop: naps in datagram streams"},
	/* A stopped process (SIGSTOP, ^Z) that was in poll() or a nap goes
	 * on through this call when it is continued
	 */
	{"restart_syscall", LOOP | REPAIR | PESTO, SB_ANY,
	 "continuing after SIGSTOP/SIGCONT in poll() or a nap"},
};

/**
 * sandbox_rules() - The allowlist table
 * @n:		Set to the number of entries
 *
 * Return: the table
 */
const struct sandbox_rule *sandbox_rules(size_t *n)
{
	*n = sizeof(sandbox_table) / sizeof(sandbox_table[0]);
	return sandbox_table;
}

/**
 * sandbox_profile_name() - Tool name of a profile
 * @p:		Profile
 *
 * Return: "pasta", "passt", "passt-vu", "passt-repair", "pasta-netcfg",
 *	   "pesto", or "?"
 */
const char *sandbox_profile_name(enum sandbox_profile p)
{
	static const char *const names[SANDBOX_PROFILES] = {
		[SANDBOX_PASTA] = "pasta",
		[SANDBOX_PASST] = "passt",
		[SANDBOX_PASST_VU] = "passt-vu",
		[SANDBOX_PASST_REPAIR] = "passt-repair",
		[SANDBOX_NETCFG] = "pasta-netcfg",
		[SANDBOX_PESTO] = "pesto",
	};

	return (unsigned)p < SANDBOX_PROFILES ? names[p] : "?";
}

/**
 * sandbox_arg_name() - Short description of an argument filter
 * @a:		Filter
 *
 * Return: text used in doc/sandbox.md, "" for SB_ANY
 */
const char *sandbox_arg_name(enum sandbox_arg a)
{
	static const char *const names[SB_ARGS] = {
		[SB_ANY] = "",
		[SB_SOCKET] = "AF_INET, AF_INET6; AF_UNIX SOCK_DGRAM",
		[SB_SOCKET_UNIX] = "AF_UNIX SOCK_STREAM",
		[SB_IOCTL] = "SIOCOUTQ",
		[SB_FCNTL] = "F_GETFL, F_SETFL, F_SETPIPE_SZ",
		[SB_OPENAT_PATH] = "O_PATH+O_CLOEXEC",
		[SB_OPENAT_DIR] = "O_RDONLY+O_DIRECTORY+O_CLOEXEC",
		[SB_CLONE_NSCALL] = "CLONE_VM+CLONE_VFORK+CLONE_FILES+SIGCHLD",
		[SB_SETNS_NET] = "CLONE_NEWNET",
		[SB_SOCKOPT_REPAIR] = "SOL_TCP, TCP_REPAIR",
		[SB_MMAP_SHARED] = "NULL, RW, MAP_SHARED+MAP_NORESERVE, fd",
		[SB_FCNTL_SEALS] = "F_GET_SEALS",
		[SB_STAT_FD] = "AT_EMPTY_PATH",
		[SB_MMAP_ZERO] = "RW, MAP_PRIVATE+NORESERVE+FIXED, zero fd",
		[SB_SIGBUS] = "SIGBUS",
		[SB_IOCTL_MIGRATE] = "SIOCINQ, SIOCOUTQNSD",
		[SB_SOCKOPT_FILTER] = "SOL_SOCKET, SO_ATTACH_FILTER or SO_DETACH_FILTER",
		[SB_OPENAT_READ] = "O_RDONLY+O_NONBLOCK+O_CLOEXEC",
	};

	return (unsigned)a < SB_ARGS ? names[a] : "?";
}

/**
 * sandbox_write() - Write a string to a file that exists (procfs)
 * @path:	Path
 * @s:		Content
 *
 * Return: 0 on success, -errno on failure
 */
static int sandbox_write(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;
	ssize_t len = (ssize_t)strlen(s);

	if (fd < 0)
		return -errno;
	if (write(fd, s, (size_t)len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

/**
 * sandbox_userns() - Detach into a new user namespace, mapping our own IDs
 *
 * Return: 0 on success, -errno on failure
 */
static int sandbox_userns(void)
{
	uid_t uid = geteuid();
	gid_t gid = getegid();
	char map[64];
	int ret;

	if (unshare(CLONE_NEWUSER))
		return -errno;

	/* After a change of credentials (root switching to nobody or
	 * --runas) the kernel makes a process non-dumpable, and its /proc/self
	 * files then belong to root: we can't write our maps. Turning
	 * PR_SET_DUMPABLE back on, even briefly, would let any other process
	 * of that user ptrace() us and take what we opened as root (low
	 * ports, log and capture files). So the namespace stays unmapped, as
	 * upstream leaves it in every case: nothing we do inside names a user.
	 */
	if (prctl(PR_GET_DUMPABLE) != SANDBOX_DUMP_USER)
		return 0;

	/* user_namespaces(7): deny setgroups before writing gid_map */
	if ((ret = sandbox_write("/proc/self/setgroups", "deny")) &&
	    ret != -ENOENT)
		return ret;
	snprintf(map, sizeof(map), "%u %u 1", (unsigned)uid, (unsigned)uid);
	if ((ret = sandbox_write("/proc/self/uid_map", map)))
		return ret;
	snprintf(map, sizeof(map), "%u %u 1", (unsigned)gid, (unsigned)gid);
	return sandbox_write("/proc/self/gid_map", map);
}

/**
 * sandbox_pivot() - Make an empty read-only tmpfs our root, detach the old
 *
 * Return: 0 on success, -errno on failure
 */
static int sandbox_pivot(void)
{
	const unsigned long fl = MS_NODEV | MS_NOEXEC | MS_NOSUID | MS_RDONLY;
	const char *dir = SANDBOX_MNT;

	/* Nothing we do from now on propagates back to the caller's mounts */
	if (mount("", "/", "", MS_PRIVATE | MS_REC, NULL))
		return -errno;

	if (mount("", dir, "tmpfs", fl, SANDBOX_TMPFS_OPTS)) {
		dir = SANDBOX_MNT_FALLBACK;
		if (mount("", dir, "tmpfs", fl, SANDBOX_TMPFS_OPTS))
			return -errno;
	}
	if (chdir(dir))
		return -errno;

	/* pivot_root(2): new and old root on the same directory, then the
	 * old one, stacked on top, is detached
	 */
	if (syscall(SYS_pivot_root, ".", "."))
		return -errno;
	if (umount2(".", MNT_DETACH | UMOUNT_NOFOLLOW))
		return -errno;
	if (chdir("/"))
		return -errno;
	return 0;
}

/**
 * sandbox_apply_optional() - capng_apply() for a set we may fail to change
 * @set:	Capability set (CAPNG_SELECT_*)
 *
 * The result is not for the caller to act on, but can't be dropped with a
 * cast either: libcap-ng 0.8.4 and later (Debian 13) declare capng_apply()
 * warn_unused_result, which (void) doesn't silence in gcc.
 */
static void sandbox_apply_optional(capng_select_t set)
{
	if (capng_apply(set))
		return;
}

/**
 * sandbox_drop_caps() - Drop every capability except the ones asked for
 * @keep_net_bind:	Keep CAP_NET_BIND_SERVICE if it is permitted
 * @keep_sys_admin:	Keep CAP_SYS_ADMIN if it is permitted
 * @keep_net_admin:	Keep CAP_NET_ADMIN if it is permitted
 * @keep_dac:		Keep CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH if they
 *			are permitted: passt-repair run by root reaches a
 *			socket in another user's directory
 *
 * Return: 0 on success, -errno on failure
 */
int sandbox_drop_caps(bool keep_net_bind, bool keep_sys_admin,
		      bool keep_net_admin, bool keep_dac)
{
	const struct {
		bool keep;
		unsigned int cap;
	} keep[] = {
		{keep_net_bind, CAP_NET_BIND_SERVICE},
		{keep_sys_admin, CAP_SYS_ADMIN},
		{keep_net_admin, CAP_NET_ADMIN},
		{keep_dac, CAP_DAC_OVERRIDE},
		{keep_dac, CAP_DAC_READ_SEARCH},
	};
	bool have[sizeof(keep) / sizeof(keep[0])];
	size_t i;

	if (capng_get_caps_process())
		return -EIO;
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		have[i] = keep[i].keep &&
			  capng_have_capability(CAPNG_PERMITTED, keep[i].cap);

	capng_clear(CAPNG_SELECT_ALL);
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		if (have[i] &&
		    capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
				 keep[i].cap))
			return -EIO;
	}

	/* Bounding and ambient sets: only with CAP_SETPCAP, which we drop
	 * right after; without it nothing is gained by execve() anyway, as
	 * no-new-privileges is set and execve() is on no allowlist
	 */
	sandbox_apply_optional(CAPNG_SELECT_BOUNDS);
	sandbox_apply_optional(CAPNG_SELECT_AMBIENT);
	if (capng_apply(CAPNG_SELECT_CAPS))
		return -EPERM;
	return 0;
}

/**
 * sandbox_preload() - Make the C library load what it would load on first use
 *
 * glibc's syslog() stamps messages with localtime_r(), which reads
 * /etc/localtime and allocates on its first call: the file can't be opened
 * after the root changes, and neither openat() nor brk() is allowed by then.
 * Freed memory is never given back to the kernel either (brk() to shrink):
 * the few allocations left (syslog() of a line over 1 KiB) reuse the arena.
 */
static void sandbox_preload(void)
{
	time_t now = time(NULL);
	struct tm tm;

	tzset();
	localtime_r(&now, &tm);
	mallopt(M_TRIM_THRESHOLD, INT_MAX);
}

/**
 * sandbox_isolate() - Detach namespaces, pivot_root() into an empty read-only
 *		       tmpfs, drop capabilities, set no-new-privileges, stop
 *		       being dumpable
 * @o:		Options
 *
 * Return: 0 on success, -errno on failure (logged)
 */
int sandbox_isolate(const struct sandbox_opts *o)
{
	int flags = CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS, ret;
	bool newuser = o->newuser;

	sandbox_preload();
	if ((ret = daemon_devnull_open())) {
		log_err("Couldn't open /dev/null: %s", strerror(-ret));
		return ret;
	}

	if (capng_get_caps_process() ||
	    !capng_have_capability(CAPNG_EFFECTIVE, CAP_SYS_ADMIN))
		newuser = true;
	if (newuser && (ret = sandbox_userns())) {
		log_err("Couldn't detach user namespace: %s", strerror(-ret));
		return ret;
	}

	if (o->newpid)
		flags |= CLONE_NEWPID;
	if (unshare(flags)) {
		ret = -errno;
		log_err("Couldn't detach namespaces: %s", strerror(errno));
		return ret;
	}
	if ((ret = sandbox_pivot())) {
		log_err("Couldn't change root to an empty tmpfs: %s",
			strerror(-ret));
		return ret;
	}

	if ((ret = sandbox_drop_caps(o->keep_net_bind,
				     o->keep_sys_admin && !newuser,
				     o->keep_net_admin && !newuser, false))) {
		log_err("Couldn't drop capabilities");
		return ret;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		ret = -errno;
		log_err("PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return ret;
	}
	/* As upstream once sandboxed: no core dump of guest traffic, and no
	 * ptrace() or /proc/PID/mem for other processes of the same user
	 */
	if (prctl(PR_SET_DUMPABLE, 0)) {
		ret = -errno;
		log_err("PR_SET_DUMPABLE: %s", strerror(errno));
		return ret;
	}
	return 0;
}

/**
 * sandbox_add_cmp() - Allow a call when one argument equals one of values
 * @ctx:	libseccomp context
 * @nr:		System call number
 * @arg:	Argument index
 * @v:		Values, ending with -1
 *
 * Return: 0 on success, negative on failure
 */
static int sandbox_add_cmp(scmp_filter_ctx ctx, int nr, unsigned int arg,
			   const long *v)
{
	int ret = 0;

	for (; *v != -1 && !ret; v++) {
		struct scmp_arg_cmp c = {arg, SCMP_CMP_MASKED_EQ, 0xffffffffU,
					 (scmp_datum_t)*v & 0xffffffffU};

		ret = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, 1, &c);
	}
	return ret;
}

/**
 * sandbox_add_pair() - Allow a call when two arguments have given values
 * @ctx:	libseccomp context
 * @nr:		System call number
 * @a:		First argument index
 * @va:		Its value
 * @b:		Second argument index
 * @vb:		Its value
 *
 * Return: 0 on success, negative on failure
 */
static int sandbox_add_pair(scmp_filter_ctx ctx, int nr, unsigned int a,
			    long va, unsigned int b, long vb)
{
	struct scmp_arg_cmp c[2] = {
		{a, SCMP_CMP_MASKED_EQ, 0xffffffffU,
		 (scmp_datum_t)va & 0xffffffffU},
		{b, SCMP_CMP_MASKED_EQ, 0xffffffffU,
		 (scmp_datum_t)vb & 0xffffffffU},
	};

	return seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, 2, c);
}

/**
 * sandbox_add_mmap() - Allow mmap() of a descriptor as shared data only
 * @ctx:	libseccomp context
 * @nr:		System call number (mmap, or mmap2)
 *
 * The kernel takes prot and flags as unsigned long: all 64 bits must match,
 * so that no bit above the first 32 slips by. The descriptor is an int,
 * whose sign is bit 31 (the kernel ignores the bits above).
 *
 * Return: 0 on success, negative on failure
 */
static int sandbox_add_mmap(scmp_filter_ctx ctx, int nr)
{
	return seccomp_rule_add(
		ctx, SCMP_ACT_ALLOW, nr, 4, SCMP_A0(SCMP_CMP_EQ, 0),
		SCMP_A2(SCMP_CMP_EQ, PROT_READ | PROT_WRITE),
		SCMP_A3(SCMP_CMP_EQ, MAP_SHARED | MAP_NORESERVE),
		SCMP_A4(SCMP_CMP_MASKED_EQ, 0x80000000U, 0));
}

/* The descriptor SB_MMAP_ZERO allows, -1: none (the rule isn't added) */
static int sandbox_mmap_fixed_fd = -1;

/**
 * sandbox_set_mmap_fixed_fd() - The one descriptor SB_MMAP_ZERO may map
 * @fd:		Descriptor (vhost-user: our sealed file of zeros), -1: none
 */
void sandbox_set_mmap_fixed_fd(int fd)
{
	sandbox_mmap_fixed_fd = fd;
}

/**
 * sandbox_add_mmap_zero() - Allow MAP_FIXED mmap() of our file of zeros
 * @ctx:	libseccomp context
 * @nr:		System call number (mmap, or mmap2)
 *
 * The address can't be checked: it is wherever guest memory was. All 64
 * bits of prot and flags must match, as in sandbox_add_mmap(), and the
 * descriptor's 32 bits (the kernel ignores the ones above).
 *
 * Return: 0 on success (nothing added without a descriptor), negative on
 *	   failure
 */
static int sandbox_add_mmap_zero(scmp_filter_ctx ctx, int nr)
{
	if (sandbox_mmap_fixed_fd < 0)
		return 0;
	return seccomp_rule_add(
		ctx, SCMP_ACT_ALLOW, nr, 3,
		SCMP_A2(SCMP_CMP_EQ, PROT_READ | PROT_WRITE),
		SCMP_A3(SCMP_CMP_EQ, MAP_PRIVATE | MAP_NORESERVE | MAP_FIXED),
		SCMP_A4(SCMP_CMP_MASKED_EQ, 0xffffffffU,
			(scmp_datum_t)sandbox_mmap_fixed_fd));
}

/**
 * sandbox_add() - Add one allowlist entry to a filter
 * @ctx:	libseccomp context
 * @nr:		System call number
 * @arg:	Argument filter
 *
 * Return: 0 on success, negative on failure
 */
static int sandbox_add(scmp_filter_ctx ctx, int nr, enum sandbox_arg arg)
{
	static const long inet[] = {AF_INET, AF_INET6, -1};
	static const long ioctls[] = {SIOCOUTQ, -1};
	static const long mig_ioctls[] = {SIOCINQ, SIOCOUTQNSD, -1};
	static const long fcntls[] = {F_GETFL, F_SETFL, F_SETPIPE_SZ, -1};
	static const long opath[] = {O_PATH | O_CLOEXEC, -1};
	static const long odir[] = {O_RDONLY | O_DIRECTORY | O_CLOEXEC, -1};
	static const long oread[] = {O_RDONLY | O_NONBLOCK | O_CLOEXEC, -1};
	static const long nscall[] = {SANDBOX_NSCALL_FLAGS, -1};
	static const long newnet[] = {CLONE_NEWNET, -1};
	static const long seals[] = {F_GET_SEALS, -1};
	static const long emptypath[] = {AT_EMPTY_PATH, -1};
	static const long sigbus[] = {SIGBUS, -1};
	int ret;

	switch (arg) {
	case SB_ANY:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	case SB_SOCKET:
		if ((ret = sandbox_add_cmp(ctx, nr, 0, inet)))
			return ret;
		return sandbox_add_pair(ctx, nr, 0, AF_UNIX, 1,
					SOCK_DGRAM | SOCK_CLOEXEC);
	case SB_SOCKET_UNIX:
		return sandbox_add_pair(ctx, nr, 0, AF_UNIX, 1,
					SOCK_STREAM | SOCK_CLOEXEC);
	case SB_IOCTL:
		return sandbox_add_cmp(ctx, nr, 1, ioctls);
	case SB_IOCTL_MIGRATE:
		return sandbox_add_cmp(ctx, nr, 1, mig_ioctls);
	case SB_FCNTL:
		return sandbox_add_cmp(ctx, nr, 1, fcntls);
	case SB_OPENAT_PATH:
		return sandbox_add_cmp(ctx, nr, 2, opath);
	case SB_OPENAT_DIR:
		return sandbox_add_cmp(ctx, nr, 2, odir);
	case SB_OPENAT_READ:
		return sandbox_add_cmp(ctx, nr, 2, oread);
	case SB_CLONE_NSCALL:
#if defined(__s390__) || defined(__s390x__)
		return sandbox_add_cmp(ctx, nr, 1, nscall);
#else
		return sandbox_add_cmp(ctx, nr, 0, nscall);
#endif
	case SB_SETNS_NET:
		return sandbox_add_cmp(ctx, nr, 1, newnet);
	case SB_SOCKOPT_REPAIR:
		return sandbox_add_pair(ctx, nr, 1, SOL_TCP, 2, TCP_REPAIR);
	case SB_SOCKOPT_FILTER:
		if ((ret = sandbox_add_pair(ctx, nr, 1, SOL_SOCKET, 2,
					    SO_ATTACH_FILTER)))
			return ret;
		return sandbox_add_pair(ctx, nr, 1, SOL_SOCKET, 2,
					SO_DETACH_FILTER);
	case SB_MMAP_SHARED:
		return sandbox_add_mmap(ctx, nr);
	case SB_FCNTL_SEALS:
		return sandbox_add_cmp(ctx, nr, 1, seals);
	case SB_STAT_FD:
		return sandbox_add_cmp(ctx, nr, 3, emptypath);
	case SB_MMAP_ZERO:
		return sandbox_add_mmap_zero(ctx, nr);
	case SB_SIGBUS:
		return sandbox_add_cmp(ctx, nr, 0, sigbus);
	default:
		return -EINVAL;
	}
}

/**
 * sandbox_build() - Build the filter of a profile
 * @p:		Profile
 *
 * Return: libseccomp context, NULL on failure
 */
static scmp_filter_ctx sandbox_build(enum sandbox_profile p)
{
	scmp_filter_ctx ctx = seccomp_init(SANDBOX_DENY);
	size_t i;

	if (!ctx)
		return NULL;
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SANDBOX_DENY))
		goto fail;

	for (i = 0; i < sizeof(sandbox_table) / sizeof(sandbox_table[0]); i++) {
		const struct sandbox_rule *r = &sandbox_table[i];
		int nr;

		if (!(r->profiles & (1U << p)))
			continue;
		/* Not every architecture has every call: skip those */
		if ((nr = seccomp_syscall_resolve_name(r->name)) ==
		    __NR_SCMP_ERROR)
			continue;
		if (sandbox_add(ctx, nr, r->arg)) {
			log_err("seccomp: couldn't add %s", r->name);
			goto fail;
		}
	}
	return ctx;
fail:
	seccomp_release(ctx);
	return NULL;
}

/**
 * sandbox_export() - Build a profile's filter and export it as BPF
 * @p:		Profile
 * @prog:	BPF program, filled in
 * @buf:	Buffer for the instructions, SANDBOX_BPF_MAX of them
 *
 * Return: 0 on success, -errno on failure
 */
static int sandbox_export(enum sandbox_profile p, struct sock_fprog *prog,
			  struct sock_filter *buf)
{
	const size_t max = SANDBOX_BPF_MAX * sizeof(*buf);
	scmp_filter_ctx ctx = sandbox_build(p);
	int fd, ret = 0;
	ssize_t n;

	if (!ctx)
		return -EINVAL;
	if ((fd = memfd_create("seccomp", MFD_CLOEXEC)) < 0) {
		ret = -errno;
		goto out;
	}
	if ((ret = seccomp_export_bpf(ctx, fd)))
		goto out;
	n = pread(fd, buf, max, 0);
	if (n <= 0 || (size_t)n >= max || n % (ssize_t)sizeof(*buf)) {
		ret = n < 0 ? -errno : -E2BIG;
		goto out;
	}
	prog->len = (unsigned short)((size_t)n / sizeof(*buf));
	prog->filter = buf;
out:
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
	return ret;
}

/**
 * sandbox_seccomp() - Set no-new-privileges and install the allowlist
 * @p:		Profile
 *
 * Return: 0 on success, -errno on failure (logged)
 */
int sandbox_seccomp(enum sandbox_profile p)
{
	static struct sock_filter buf[SANDBOX_BPF_MAX];
	struct sock_fprog prog;
	int ret;

	if ((unsigned)p >= SANDBOX_PROFILES)
		return -EINVAL;
	if ((ret = sandbox_export(p, &prog, buf))) {
		log_err("Couldn't build the seccomp filter: %s",
			strerror(-ret));
		return ret;
	}
	/* prctl() rather than seccomp(2), which we'd call without flags
	 * anyway: systemd's @system-service set (units/passt@.service) has
	 * prctl but not seccomp
	 */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0)) {
		ret = -errno;
		log_err("Couldn't install the seccomp filter: %s",
			strerror(errno));
		return ret;
	}
	return 0;
}
