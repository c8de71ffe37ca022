// SPDX-License-Identifier: GPL-2.0-or-later
/* setup.c - start-up stages passt and pasta share: logging, user, signals
 *
 * Theory of operation: both tools go through the same early stages (see
 * doc/startup.md); what differs between them is passed in, so that each
 * stage is written once: the level of logging, whether SIGCHLD is one of
 * the signals read through the signalfd (pasta's spawned command).
 */

#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "base/log.h"
#include "ctx.h"
#include "os/daemon.h"
#include "os/ns.h"

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
 */
void setup_signalfd(struct ctx *x, bool sigchld)
{
	sigset_t set;

	setup_sigset(&set, sigchld);
	x->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (x->sigfd < 0)
		die_perror("signalfd");
	if (loop_add(x, EPOLL_TYPE_SIGNAL, x->sigfd))
		die_perror("epoll_ctl");
}
