// SPDX-License-Identifier: GPL-2.0-or-later
/* setup.c - start-up stages passt and pasta share: logging, user, signals,
 *	     and the last stages, from the sandbox to the loop
 *
 * Theory of operation: both tools go through the same early stages (see
 * doc/startup.md); what differs between them is passed in, so that each
 * stage is written once: the level of logging, whether SIGCHLD is one of
 * the signals read through the signalfd (pasta's spawned command).
 *
 * The last stages (setup_ready()) are where start-up can still fail after
 * the PID file was opened: it is opened right before the sandbox takes
 * every path away, and filled only once nothing is left to fail, the
 * seccomp filter being the last step, but for one: the file is written
 * before the filter goes in, since the filter forbids removing the file,
 * which is what every failure does (pidfile_abort()). Going to the
 * background, the parent waits for its child to be ready, seccomp filter
 * included, before it writes the child's PID and exits 0; if the child
 * ends first, so does the parent, with status 1 and no PID file.
 */

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "base/log.h"
#include "ctx.h"
#include "os/daemon.h"
#include "os/ns.h"
#include "os/sandbox.h"

/**
 * setup_log() - Apply logging options
 * @c:		Configuration
 * @quiet:	Warnings and errors only, unless debugging was asked for
 */
void setup_log(const struct conf *c, bool quiet)
{
	int ret;

	if (c->trace)
		log_set_level(LOG_LVL_TRACE);
	else if (c->debug)
		log_set_level(LOG_LVL_DEBUG);
	else if (quiet)
		log_set_level(LOG_LVL_WARN);

	if (*c->log_file) {
		ret = log_open_file(c->log_file, c->log_size);
		if (ret)
			die("Couldn't open log file %s: %s", c->log_file,
			    strerror(-ret));
	} else {
		log_to_syslog(true);
	}
}

/**
 * setup_drop_root() - As root in the initial user namespace, become nobody
 *		       (or the --runas user)
 * @c:		Configuration
 */
void setup_drop_root(const struct conf *c)
{
	const struct passwd *pw;
	uid_t uid;
	gid_t gid;
	int ret;

	if (geteuid() != 0 || !ns_in_init_userns())
		return;
	if (c->runas_set) {
		uid = c->uid;
		gid = c->gid;
	} else {
		if (!(pw = getpwnam("nobody")))
			die("Running as root, and user 'nobody' doesn't exist");
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	}
	if (!uid)
		return;
	if ((ret = drop_user(uid, gid)))
		die("Couldn't switch to user %u: %s", (unsigned)uid,
		    strerror(-ret));
	log_debug("Running as root: switched to UID %u", (unsigned)uid);
}

/**
 * setup_sigset() - The signals the loop reads through its signalfd
 * @set:	Filled
 * @sigchld:	SIGCHLD too (a spawned command)
 */
static void setup_sigset(sigset_t *set, bool sigchld)
{
	sigemptyset(set);
	if (sigchld)
		sigaddset(set, SIGCHLD);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGQUIT);
}

/**
 * setup_signals_block() - Block the loop's signals until the signalfd reads
 *			   them (it is created once our final PID is known)
 * @sigchld:	SIGCHLD too
 */
void setup_signals_block(bool sigchld)
{
	sigset_t set;

	setup_sigset(&set, sigchld);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

/**
 * setup_signalfd() - Read the loop's signals through a signalfd in epoll
 * @x:		Context, with the epoll descriptor
 * @sigchld:	SIGCHLD too
 *
 * Return: 0 on success, -errno on failure
 */
static int setup_signalfd(struct ctx *x, bool sigchld)
{
	sigset_t set;

	setup_sigset(&set, sigchld);
	x->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (x->sigfd < 0)
		return -errno;
	return loop_add(x, EPOLL_TYPE_SIGNAL, x->sigfd);
}

/**
 * setup_fail() - Start-up failed: no PID file, exit 1
 * @pf:		PID file, removed (or emptied, if it isn't ours)
 * @what:	What failed
 * @err:	-errno, 0 if none applies
 */
static void NORETURN setup_fail(struct pidfile *pf, const char *what, int err)
{
	pidfile_abort(pf);
	if (err)
		die("%s: %s", what, strerror(-err));
	die("%s", what);
}

/**
 * setup_parent() - In the parent of the daemon: wait for it, report it
 * @pf:		PID file
 * @ready:	Our end of the readiness pipe
 * @pid:	The daemon
 */
static void NORETURN setup_parent(struct pidfile *pf, int ready, pid_t pid)
{
	int ret = daemon_wait_ready(ready);

	if (ret == -ECHILD)
		setup_fail(pf, "Start-up failed in the background process",
			   0);
	if (ret)
		setup_fail(pf, "Couldn't wait for the background process", ret);
	if ((ret = pidfile_write(pf, pid))) {
		kill(pid, SIGKILL);	/* nobody would know it is there */
		setup_fail(pf, "Couldn't write PID file", ret);
	}
	pidfile_close(pf);
	_exit(EXIT_SUCCESS);
}

/**
 * setup_ready() - From set up to running: PID file, sandbox, background,
 *		   signals, seccomp
 * @x:		Context, everything open; a spawned command (pasta) is
 *		released here
 * @r:		What differs between the tools
 *
 * Returns in the process that runs the loop; any failure exits 1 and
 * leaves no PID file (see the top of this file).
 */
void setup_ready(struct ctx *x, const struct setup_ready *r)
{
	struct sandbox_opts o = r->sb;
	const char *path = x->c->pid_file;
	struct pidfile pf;
	int ready = -1, ret;
	pid_t pid;

	if ((ret = pidfile_open(&pf, path)))
		die("Couldn't open PID file %s: %s", path, strerror(-ret));
	if (r->pid_exit && *path && (ret = exit_file_open(r->pid_exit, path)))
		setup_fail(&pf, "Couldn't open the PID file's directory", ret);
	o.newpid = r->daemon;
	if (sandbox_isolate(&o))
		setup_fail(&pf, "Failed to sandbox process, exiting", 0);

	if (r->daemon) {
		if ((pid = daemon_fork(&ready)) < 0)
			setup_fail(&pf, "fork", pid);
		if (pid)
			setup_parent(&pf, ready, pid);
		pidfile_close(&pf);	/* the parent's to write */
	} else if (x->child.pid && (ret = ns_release(&x->child))) {
		setup_fail(&pf, "Couldn't start the command", ret);
	}

	if ((ret = setup_signalfd(x, r->sigchld)))
		setup_fail(&pf, "Couldn't read signals", ret);
	if (r->daemon && (ret = daemon_detach()))
		die("Couldn't detach: %s", strerror(-ret));
	if (r->daemon || x->child.pid)
		log_to_stderr(false);	/* /dev/null, or the command's */
	if ((ret = pidfile_write(&pf, getpid())))
		setup_fail(&pf, "Couldn't write PID file", ret);
	if (sandbox_seccomp(r->profile))
		setup_fail(&pf, "Failed to install the seccomp filter, exiting",
			   0);
	pidfile_close(&pf);
	if (ready >= 0 && (ret = daemon_ready(ready)))
		die("Couldn't tell the parent we're ready: %s", strerror(-ret));
}
