/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sandbox.h - namespaces, capabilities and seccomp allowlists of each tool */
#ifndef OS_SANDBOX_H
#define OS_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * enum sandbox_profile - Which allowlist a tool's loop gets
 * @SANDBOX_PASTA:		pasta's event loop
 * @SANDBOX_PASST:		passt's event loop (UNIX stream link)
 * @SANDBOX_PASST_VU:		passt's event loop in vhost-user mode: passt's
 *				list, and mapping the guest's memory
 * @SANDBOX_PASST_REPAIR:	passt-repair, from the start of main()
 * @SANDBOX_NETCFG:		pasta-netcfg, once its netlink sockets are open
 * @SANDBOX_PESTO:		pesto, once connected to the control socket
 * @SANDBOX_PROFILES:		Number of profiles
 */
enum sandbox_profile {
	SANDBOX_PASTA,
	SANDBOX_PASST,
	SANDBOX_PASST_VU,
	SANDBOX_PASST_REPAIR,
	SANDBOX_NETCFG,
	SANDBOX_PESTO,
	SANDBOX_PROFILES,
};

/**
 * enum sandbox_arg - Argument filter of an allowlist entry
 * @SB_ANY:		Any arguments
 * @SB_SOCKET:		socket(): AF_INET and AF_INET6 of any type, AF_UNIX
 *			datagram (syslog reconnecting)
 * @SB_SOCKET_UNIX:	socket(): AF_UNIX stream only
 * @SB_IOCTL:		ioctl(): SIOCOUTQ only (unacknowledged bytes)
 * @SB_FCNTL:		fcntl(): F_GETFL, F_SETFL, F_SETPIPE_SZ
 * @SB_OPENAT_PATH:	openat(): flags O_PATH | O_CLOEXEC exactly
 * @SB_OPENAT_DIR:	openat(): flags O_RDONLY | O_DIRECTORY | O_CLOEXEC
 * @SB_CLONE_NSCALL:	clone(): flags of ns_call() exactly
 * @SB_SETNS_NET:	setns(): CLONE_NEWNET only
 * @SB_SOCKOPT_REPAIR:	setsockopt(): SOL_TCP, TCP_REPAIR only
 * @SB_MMAP_SHARED:	mmap(): address NULL, PROT_READ | PROT_WRITE and
 *			MAP_SHARED | MAP_NORESERVE exactly, a descriptor
 * @SB_FCNTL_SEALS:	fcntl(): F_GET_SEALS only
 * @SB_STAT_FD:		newfstatat(): AT_EMPTY_PATH exactly (fstat())
 * @SB_MMAP_ZERO:	mmap(): PROT_READ | PROT_WRITE and MAP_PRIVATE |
 *			MAP_NORESERVE | MAP_FIXED exactly, the descriptor
 *			given to sandbox_set_mmap_fixed_fd() only (never
 *			allowed without one)
 * @SB_SIGBUS:		rt_sigaction(): SIGBUS only
 * @SB_IOCTL_MIGRATE:	ioctl(): SIOCINQ, SIOCOUTQNSD only (the queues of a
 *			socket moving to another passt)
 * @SB_SOCKOPT_FILTER:	setsockopt(): SOL_SOCKET with SO_ATTACH_FILTER or
 *			SO_DETACH_FILTER only
 * @SB_OPENAT_READ:	openat(): flags O_RDONLY | O_NONBLOCK | O_CLOEXEC
 *			exactly (resolv.conf read again, relative to a
 *			directory descriptor opened before the sandbox)
 * @SB_ARGS:		Number of filters
 */
enum sandbox_arg {
	SB_ANY,
	SB_SOCKET,
	SB_SOCKET_UNIX,
	SB_IOCTL,
	SB_FCNTL,
	SB_OPENAT_PATH,
	SB_OPENAT_DIR,
	SB_CLONE_NSCALL,
	SB_SETNS_NET,
	SB_SOCKOPT_REPAIR,
	SB_MMAP_SHARED,
	SB_FCNTL_SEALS,
	SB_STAT_FD,
	SB_MMAP_ZERO,
	SB_SIGBUS,
	SB_IOCTL_MIGRATE,
	SB_SOCKOPT_FILTER,
	SB_OPENAT_READ,
	SB_ARGS,
};

/**
 * struct sandbox_rule - One entry of the allowlist table
 * @name:	System call name, as libseccomp resolves it
 * @profiles:	Bit mask of (1 << enum sandbox_profile) allowed to call it
 * @arg:	Argument filter
 * @why:	Who needs it, for doc/sandbox.md
 */
struct sandbox_rule {
	const char *name;
	uint32_t profiles;
	enum sandbox_arg arg;
	const char *why;
};

/**
 * struct sandbox_opts - What sandbox_isolate() detaches and keeps
 * @newpid:		Also unshare the PID namespace: the caller forks next,
 *			and the child becomes PID 1 of the new namespace
 * @newuser:		Detach into a new user namespace even if we could
 *			unshare the others without (passt); done anyway when
 *			we lack CAP_SYS_ADMIN
 * @keep_net_bind:	Keep CAP_NET_BIND_SERVICE if it is permitted
 * @keep_sys_admin:	Keep CAP_SYS_ADMIN (pasta: setns() into the guest's
 *			namespace at run time), unless a new user namespace
 *			was created, where it would be of no use
 * @keep_net_admin:	Keep CAP_NET_ADMIN, under the same condition (pasta
 *			--config-net following the host: the namespace's
 *			addresses and routes change at run time)
 */
struct sandbox_opts {
	bool newpid;
	bool newuser;
	bool keep_net_bind;
	bool keep_sys_admin;
	bool keep_net_admin;
};

/**
 * sandbox_isolate() - Detach namespaces, pivot_root() into an empty read-only
 *		       tmpfs, drop capabilities, set no-new-privileges, stop
 *		       being dumpable
 * @o:		Options
 *
 * Call after everything the tool needs from the filesystem is open, before
 * forking into the background. Prepares /dev/null for daemon_detach().
 *
 * Return: 0 on success, -errno on failure (logged)
 */
int sandbox_isolate(const struct sandbox_opts *o);

/**
 * sandbox_drop_caps() - Drop every capability except the ones asked for
 * @keep_net_bind:	Keep CAP_NET_BIND_SERVICE if it is permitted
 * @keep_sys_admin:	Keep CAP_SYS_ADMIN if it is permitted
 * @keep_net_admin:	Keep CAP_NET_ADMIN if it is permitted
 * @keep_dac:		Keep CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH if they
 *			are permitted
 *
 * Return: 0 on success, -errno on failure
 */
int sandbox_drop_caps(bool keep_net_bind, bool keep_sys_admin,
		      bool keep_net_admin, bool keep_dac);

/**
 * sandbox_seccomp() - Set no-new-privileges and install the allowlist
 * @p:		Profile
 *
 * Anything outside the allowlist kills the whole process (SIGSYS). The
 * filter is built and exported before it is installed: nothing is allocated
 * or freed once it is active.
 *
 * Return: 0 on success, -errno on failure (logged)
 */
int sandbox_seccomp(enum sandbox_profile p);

/**
 * sandbox_set_mmap_fixed_fd() - The one descriptor SB_MMAP_ZERO may map
 * @fd:		Descriptor (vhost-user: our sealed file of zeros), -1: none
 *
 * Call before sandbox_seccomp(): the filter holds the number.
 */
void sandbox_set_mmap_fixed_fd(int fd);

/**
 * sandbox_rules() - The allowlist table
 * @n:		Set to the number of entries
 *
 * Return: the table
 */
const struct sandbox_rule *sandbox_rules(size_t *n);

/**
 * sandbox_profile_name() - Tool name of a profile
 * @p:		Profile
 *
 * Return: "pasta", "passt", "passt-vu", "passt-repair", "pasta-netcfg",
 *	   "pesto", or "?"
 */
const char *sandbox_profile_name(enum sandbox_profile p);

/**
 * sandbox_arg_name() - Short description of an argument filter
 * @a:		Filter
 *
 * Return: text used in doc/sandbox.md, "" for SB_ANY
 */
const char *sandbox_arg_name(enum sandbox_arg a);

#endif /* OS_SANDBOX_H */
