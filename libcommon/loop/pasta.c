// SPDX-License-Identifier: GPL-2.0-or-later
/* pasta.c - pasta's start-up: namespaces, tap, configuration, then the loop
 *
 * Theory of operation: start-up runs in fixed stages, each a function:
 * close every inherited descriptor but stdio (os/fds.c), parse the
 * options, resolve host-derived defaults in our own namespace, get hold of
 * the target namespace (spawn a command in new namespaces, or attach to a
 * PID or a namespace file), create and configure the tap device from inside
 * it (--splice-only: no tap at all, only loopback is brought up and only
 * the splice path forwards), and only then report readiness (setup_ready()):
 * release the command, or fork into the background with the parent writing
 * the PID file and exiting 0 once the daemon is ready.
 * Any failure before that point exits 1 and leaves nothing behind: the
 * spawned command dies with us (PR_SET_PDEATHSIG), the tap device vanishes
 * with our descriptor, and the PID file, opened just before the sandbox
 * takes its path away, is removed (loop/setup.c).
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "base/log.h"
#include "ctx.h"
#include "doctor.h"
#include "link/pcap.h"
#include "os/daemon.h"
#include "os/fds.h"
#include "os/netlink.h"
#include "os/netns.h"
#include "os/sandbox.h"

/**
 * pasta_spawn() - Start the command (or the user's shell) in new namespaces
 * @x:		Context
 */
static void pasta_spawn(struct ctx *x)
{
	static char *shell_argv[2];
	static char login[PATH_MAX + 1], host[64], hostname[80];
	const struct conf *c = x->c;
	const char *file, *sh = getenv("SHELL");
	char **argv = c->cmd;
	int ret, dumpable;

	if (c->cmd_argc) {
		file = c->cmd[0];
	} else {
		file = sh && *sh ? sh : "/bin/sh";
		/* login shell: argv[0] starts with '-' */
		snprintf(login, sizeof(login), "-%s",
			 strrchr(file, '/') ? strrchr(file, '/') + 1 : file);
		shell_argv[0] = login;
		argv = shell_argv;
	}

	if (*c->l2.hostname) {
		snprintf(hostname, sizeof(hostname), "%s", c->l2.hostname);
	} else {
		if (gethostname(host, sizeof(host) - 1))
			strcpy(host, "host");
		snprintf(hostname, sizeof(hostname), "pasta-%s", host);
	}

	/* After a switch from root, we are not dumpable, and neither would
	 * be the child (it copies the flag): its /proc/PID files would belong
	 * to root, and we couldn't write its maps. The child needs the flag
	 * until it execs, we only until its maps are written.
	 */
	dumpable = prctl(PR_GET_DUMPABLE);
	if (dumpable != 1 && prctl(PR_SET_DUMPABLE, 1))
		log_debug("PR_SET_DUMPABLE: %s", strerror(errno));

	if ((ret = ns_spawn(&x->child, file, argv, hostname))) {
		log_err("Couldn't create namespaces for the command: %s",
			strerror(-ret));
		doctor_hint_userns(-ret);
		_exit(EXIT_FAILURE);
	}
	if ((ret = ns_write_idmaps(x->child.pid, geteuid(), getegid())))
		die("Couldn't write UID/GID maps: %s", strerror(-ret));
	if (dumpable == 0 && prctl(PR_SET_DUMPABLE, 0))
		die("PR_SET_DUMPABLE: %s", strerror(errno));
}

/**
 * pasta_open_proc_ns() - Open a namespace file of a process
 * @pid:	Process
 * @what:	"net" or "user"
 *
 * Return: descriptor, dies on failure
 */
static int pasta_open_proc_ns(pid_t pid, const char *what)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, what);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		die("Couldn't open %s: %s", path, strerror(errno));
	return fd;
}

/**
 * pasta_open_ns() - Get hold of the target namespaces, join the user one
 * @x:		Context
 */
static void pasta_open_ns(struct ctx *x)
{
	const struct conf *c = x->c;
	pid_t pid = x->child.pid ? x->child.pid : c->target_pid;
	int ret;

	x->userns_fd = -1;
	if (pid) {
		x->netns_fd = pasta_open_proc_ns(pid, "net");
		if (!c->netns_only && !*c->userns)
			x->userns_fd = pasta_open_proc_ns(pid, "user");
	} else if ((x->netns_fd = netns_open(c->netns)) < 0) {
		die("Couldn't open network namespace %s: %s", c->netns,
		    strerror(-x->netns_fd));
	}

	if (*c->userns && !c->netns_only &&
	    (x->userns_fd = open(c->userns, O_RDONLY | O_CLOEXEC)) < 0)
		die("Couldn't open user namespace %s: %s", c->userns,
		    strerror(errno));

	if (x->userns_fd >= 0 && (ret = ns_join_user(x->userns_fd)))
		die("Couldn't switch to pasta namespaces: %s", strerror(-ret));
}

/**
 * struct pasta_ns_job - What pasta_ns_setup() does inside the namespace
 * @x:		Context: tap and netlink socket are filled in
 * @step:	Step that failed, for the error message
 * @tap:	That step was creating the tap device
 */
struct pasta_ns_job {
	struct ctx *x;
	const char *step;
	bool tap;
};

/**
 * pasta_ns_setup() - Inside the namespace: create the tap (none with
 *		      --splice-only), open netlink, bring loopback up
 * @arg:	struct pasta_ns_job
 *
 * Return: 0 on success, -errno on failure
 */
static int pasta_ns_setup(void *arg)
{
	struct pasta_ns_job *job = arg;
	struct ctx *x = job->x;
	unsigned int lo;
	int ret;

	tap_none(&x->tap);
	job->step = "Couldn't create tap device";
	job->tap = true;
	if (!x->c->splice_only && (ret = tap_create(&x->tap, x->c->ns_ifname)))
		return ret;
	job->tap = false;
	job->step = "Couldn't open netlink socket";
	if ((x->nl_ns = nl_open()) < 0)
		return x->nl_ns;
	job->step = "Couldn't bring up loopback";
	if ((ret = nl_link_index(x->nl_ns, "lo", &lo)) ||
	    (ret = nl_link_set(x->nl_ns, lo, 0, NULL, true)))
		return ret;
	return 0;
}

/**
 * pasta_setup_ns() - Create and configure the tap device in the namespace
 * @x:		Context
 */
static void pasta_setup_ns(struct ctx *x)
{
	struct pasta_ns_job job = { x, "Couldn't join the network namespace",
				    false };
	const struct conf *c = x->c;
	int ret;

	if ((ret = ns_call(x->netns_fd, pasta_ns_setup, &job))) {
		log_err("%s %s in the namespace: %s", job.step, c->ns_ifname,
			strerror(-ret));
		doctor_hint_ns(job.tap, x->child.pid != 0, -ret);
		_exit(EXIT_FAILURE);
	}
	if (x->tap.fd < 0) {
		log_debug("No tap (--splice-only): nothing to configure");
		return;
	}

	if (c->ns_mac_set && !c->config_net &&
	    (ret = nl_link_set(x->nl_ns, x->tap.ifindex, 0, c->ns_mac, false)))
		die("Couldn't set MAC address of %s: %s", c->ns_ifname,
		    strerror(-ret));
	if (c->config_net && (ret = pasta_config_net(x)))
		die("Couldn't configure %s in the namespace: %s", c->ns_ifname,
		    strerror(-ret));
}

/**
 * pasta_loop_setup() - Create the epoll instance and register descriptors
 * @x:		Context
 */
static void pasta_loop_setup(struct ctx *x)
{
	const struct conf *c = x->c;
	int ret;

	if ((x->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die_perror("epoll_create1");

	/* Blocked now, read through a signalfd once we know our final PID */
	setup_signals_block(true);

	x->nsw.fd = -1;
	if (!x->child.pid && !c->no_netns_quit) {
		char path[PATH_MAX];

		if (c->target_pid)
			snprintf(path, sizeof(path), "/proc/%d/ns/net",
				 (int)c->target_pid);
		else if (netns_path(c->netns, path, sizeof(path)))
			die("Bad namespace path %s", c->netns);
		if ((ret = nswatch_init(&x->nsw, path)))
			die("Couldn't watch namespace %s: %s", path,
			    strerror(-ret));
	}

	if ((x->tap.fd >= 0 && loop_add(x, EPOLL_TYPE_TAP, x->tap.fd)) ||
	    (x->nsw.fd >= 0 && loop_add(x, EPOLL_TYPE_NSWATCH, x->nsw.fd)) ||
	    (x->follow.fd >= 0 &&
	     loop_add(x, EPOLL_TYPE_NLWATCH, x->follow.fd)))
		die_perror("epoll_ctl");
}

/**
 * pasta_low_ports() - Tell whether ports below 1024 may be bound at run time
 * @c:		Configuration
 *
 * Return: true if an "auto" rule, in either direction, covers one
 */
static bool pasta_low_ports(const struct conf *c)
{
	const struct fwd_table *t[] = {&c->fwd_in, &c->fwd_out};
	size_t i;
	int r;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		for (r = 0; r < t[i]->n; r++) {
			if ((t[i]->rules[r].flags & FWD_AUTO) &&
			    t[i]->rules[r].first < 1024)
				return true;
		}
	}
	return false;
}

/**
 * pasta_ready() - Isolate, release the command or go to the background
 * @x:		Context, everything open
 *
 * CAP_SYS_ADMIN of the guest's user namespace (the one we joined) stays:
 * ns_call() needs it to create sockets in the guest's network namespace at
 * run time (splicing, "auto" listeners there).
 */
static void pasta_ready(struct ctx *x)
{
	struct setup_ready r = {
		.sb = {
			.keep_net_bind = pasta_low_ports(x->c),
			.keep_sys_admin = true,
			.keep_net_admin = x->follow.fd >= 0 &&
					  x->c->config_net,
		},
		.profile = SANDBOX_PASTA,
		.daemon = !x->child.pid && !x->c->foreground,
		.sigchld = true,
	};

	setup_ready(x, &r);
}

/**
 * pasta_splice_setup() - Set up the loopback fast path, open -T listeners
 * @x:		Context, transports initialised
 *
 * Return: 0 on success, -errno on failure (logged)
 */
static int pasta_splice_setup(struct ctx *x)
{
	const struct conf *c = x->c;
	struct splice_cfg cfg = {
		.enabled = !c->no_splice,
		.only = c->splice_only,
		.lo_to_lo = c->host_lo_to_ns_lo,
		.v4 = c->v4,
		.v6 = c->v6,
		.ns_addr4 = c->l2.addr4,
		.ns_addr6 = c->l2.addr6,
	};
	int ret;

	/* splice(2) into a socket whose peer is gone raises SIGPIPE: it
	 * takes no MSG_NOSIGNAL, the error return is all we need
	 */
	signal(SIGPIPE, SIG_IGN);
	splice_ns_init(&x->sns, x->netns_fd);
	tcp_splice_init(&x->tsp, &x->flows, &x->sns, &cfg, x->epfd,
			fwd_live_table(&x->fl, FWD_AUTO_IN),
			fwd_live_table(&x->fl, FWD_AUTO_OUT));
	udp_splice_init(&x->usp, &x->flows, &x->sns, &cfg, x->epfd,
			fwd_live_table(&x->fl, FWD_AUTO_IN),
			fwd_live_table(&x->fl, FWD_AUTO_OUT));
	x->tcp.splice = &x->tsp;
	x->udp.splice = &x->usp;
	ret = tcp_splice_listen_out(&x->tsp, x->gap_out,
				    &x->fl.side[FWD_AUTO_OUT].rec);
	return ret ? ret
		   : udp_splice_listen_out(&x->usp, x->gap_out,
					   &x->fl.side[FWD_AUTO_OUT].rec);
}

/**
 * pasta_fwd_auto() - Start "auto" forwarding: first scan, rescan timer
 * @x:		Context, with the static listeners open
 *
 * The first scan happens here, before readiness, so that ports already
 * bound on either side are forwarded by the time we report ready.
 *
 * Return: 0 on success, -errno on failure (logged)
 */
static int pasta_fwd_auto(struct ctx *x)
{
	const struct conf *c = x->c;
	struct fwd_auto_cfg cfg = {
		.in = fwd_live_table(&x->fl, FWD_AUTO_IN),
		.out = fwd_live_table(&x->fl, FWD_AUTO_OUT),
		.tcp = &x->tcp,
		.udp = &x->udp,
		.tsp = &x->tsp,
		.usp = &x->usp,
		.netns_fd = x->netns_fd,
		.epfd = x->epfd,
		.freebind = c->freebind,
		.gap_in = x->gap_in,
		.gap_out = x->gap_out,
		.runtime = *c->conf_path,
	};
	int rc = fwd_auto_init(&x->fa, &cfg);

	fwd_live_attach(&x->fl, &x->fa);
	return rc;
}

/**
 * pasta_listen() - Open every forwarding listener, then show the rules
 * @x:		Context, transports initialised
 *
 * The rules are shown even if a listener failed, before we exit.
 *
 * Return: 0 on success, -errno on failure (logged)
 */
static int pasta_listen(struct ctx *x)
{
	const struct fwd_table *in = fwd_live_table(&x->fl, FWD_AUTO_IN);
	const struct listen_rec *rec = &x->fl.side[FWD_AUTO_IN].rec;
	const struct conf *c = x->c;
	int ret;

	control_init(x);
	ret = pasta_splice_setup(x);
	if (!ret)
		ret = tcp_listen(&x->tcp, in, c->freebind, x->gap_in, rec);
	if (!ret)
		ret = udp_listen(&x->udp, in, c->freebind, x->gap_in, rec);
	if (!ret)
		ret = pasta_fwd_auto(x);
	conf_print_fwd(c, x->gap_in, x->gap_out);
	return ret ? ret : control_listen(x);
}

/**
 * pasta_main() - Entry point of pasta
 * @argc:	Argument count
 * @argv:	Arguments
 *
 * Return: exit status
 */
int pasta_main(int argc, char **argv)
{
	static struct conf c;
	static struct ctx x;
	int ret;

	log_init("pasta");
	/* No --fd in pasta mode yet: keep stdio only */
	ret = fds_sanitise(-1, false);
	switch (conf_parse(&c, argc, argv)) {
	case CONF_EXIT_OK:
		return EXIT_SUCCESS;
	case CONF_EXIT_ERR:
		return EXIT_FAILURE;
	case CONF_OK:
		break;
	}
	x.c = &c;
	if (ret < -1)
		die("Couldn't close inherited files: %s", strerror(-ret));
	if (c.doctor) {
		setup_drop_root(&c);
		return doctor_report(&c);
	}
	/* running its own command, pasta leaves the terminal to it */
	setup_log(&c, c.quiet || (c.cmd_argc && !c.netns[0] && !c.target_pid));
	setup_drop_root(&c);

	follow_init(&x, &c);
	if (conf_resolve(&c))
		return EXIT_FAILURE;
	doctor_startup(&c);
	follow_open(&x);
	if (*c.pcap && (ret = pcap_open(c.pcap)))
		die("Couldn't open capture file %s: %s", c.pcap,
		    strerror(-ret));

	if (!c.netns[0] && !c.target_pid)
		pasta_spawn(&x);
	pasta_open_ns(&x);
	pasta_setup_ns(&x);
	conf_print(&c);
	pasta_loop_setup(&x);
	if (raise_nofile() < 0)
		log_warn("Couldn't raise the limit of open files");
	if (loop_transports_init(&x) || pasta_listen(&x))
		return EXIT_FAILURE;
	follow_dns_init(&x, &c.l2);
	/* Only a tap that is up can take frames: --config-net brought it up */
	if (c.config_net && x.tap.fd >= 0)
		loop_greet(&x);
	pasta_ready(&x);

	ret = loop_run(&x);
	control_exit();
	return ret;
}
