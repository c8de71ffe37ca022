// SPDX-License-Identifier: GPL-2.0-or-later
/* passt.c - passt's start-up: the qemu socket, configuration, then the loop
 *
 * Theory of operation: start-up runs in the fixed stages pasta has, where
 * they apply: close inherited descriptors but stdio, the --fd socket (moved
 * to 3) and systemd's sockets (os/fds.c), parse the options, set up
 * logging, leave root, resolve host-derived defaults, bind the forwarding
 * listeners, then open the guest's link. Listeners come first: no socket
 * file is left behind when a port can't be bound, and the rule display,
 * printed once they are bound, comes before the hints about the socket, as
 * upstream's. The link is, in order of preference: the connected socket
 * given with --fd (qemu's -netdev passt spawns us that way), a socket
 * systemd passed us (socket activation, sd_listen_fds(): a listening one,
 * or a connected one with Accept=yes), or our own listening socket at -s
 * PATH or at the first free /tmp/passt_N.socket. Then we isolate
 * ourselves, and only then report readiness (setup_ready()): without -f,
 * fork, the parent writes the daemon's PID and exits 0 once the daemon is
 * ready; with -f, write our own PID. Under systemd (Type=notify),
 * "READY=1" goes to $NOTIFY_SOCKET once the seccomp filter is on as well,
 * through a socket connected before the root went away. Any failure before
 * that point exits 1 and leaves no PID file. In vhost-user mode, a clean
 * end (a termination signal, --one-off) removes our own socket file (not
 * one passed with --fd or by systemd) and the PID file, through their
 * directories opened before the sandbox: libvirt doesn't remove them for a
 * vhostuser interface. The stream mode leaves them, as upstream does.
 */

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "base/log.h"
#include "ctx.h"
#include "doctor.h"
#include "link/migrate.h"
#include "link/migrate_frozen.h"
#include "link/pcap.h"
#include "os/daemon.h"
#include "os/fds.h"
#include "os/sandbox.h"
#include "os/ns.h"

/**
 * passt_vu_started() - The vhost-user queues started: greet the guest
 * @arg:	Context
 *
 * Connections still frozen by a migration mean the guest stays here after
 * all (qemu resumes the source when the target failed): they go on.
 */
static void passt_vu_started(void *arg)
{
	struct ctx *x = arg;

	if (!x->c->no_tcp && migrate_frozen_count(&x->tcp)) {
		log_info("Migration: the guest runs here again");
		migrate_frozen_rollback(&x->tcp, &x->repair);
		x->migrated_out = false;
	}
	loop_greet(arg);
}

/**
 * passt_vu_rx_room() - The guest gave receive buffers after we ran out:
 *			TCP, which keeps its data in the sockets, sends again
 * @arg:	Context
 */
static void passt_vu_rx_room(void *arg)
{
	struct ctx *x = arg;

	tcp_sink_ready(&x->tcp);
}

/**
 * passt_vu_transfer() - Write or read the state of a migration
 * @arg:	Context
 * @fd:		Our end of qemu's pipe
 * @load:	Read it (we are the target), else write it (the source)
 *
 * A source that couldn't write its state keeps the guest: connections
 * frozen for the move go back to normal at once.
 *
 * Return: 0 or -errno (logged)
 */
static int passt_vu_transfer(void *arg, int fd, bool load)
{
	struct ctx *x = arg;
	const struct migrate_ctx m = {
		&x->c->l2, &x->l2s, x->c->no_tcp ? NULL : &x->tcp,
		x->repair.listen_fd >= 0 ? &x->repair : NULL,
	};
	int ret;

	if (load)
		return migrate_target(fd, &m);
	if ((ret = migrate_source(fd, &m)) && m.tcp)
		migrate_frozen_rollback(m.tcp, &x->repair);
	return ret;
}

/**
 * passt_loop_setup() - Create the epoll instance, block the signals we read
 *			through a signalfd later
 * @x:		Context
 */
static void passt_loop_setup(struct ctx *x)
{
	int fd;

	if ((x->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die_perror("epoll_create1");
	setup_signals_block(false);
	x->nsw.fd = -1;
	x->sigfd = -1;
	stream_init(&x->stream, x->epfd);
	x->sink = &x->stream.sink;
	if (x->follow.fd >= 0 && loop_add(x, EPOLL_TYPE_NLWATCH, x->follow.fd))
		die_perror("epoll_ctl");
	if (x->c->mode != MODE_VU)
		return;
	x->stream.client_type = EPOLL_TYPE_VU;
	/* a frontend may cut guest memory under us: see vu_mem.c */
	if ((fd = vu_mem_guard_init()) < 0)
		die("Couldn't guard against guest memory going away: %s",
		    strerror(-fd));
	sandbox_set_mmap_fixed_fd(fd);
	vu_init(&x->vu, x->epfd);
	repair_init(&x->repair, x->epfd);
	x->vu.on_start = passt_vu_started;
	x->vu.on_rx_room = passt_vu_rx_room;
	x->vu.on_transfer = passt_vu_transfer;
	x->vu.cb_arg = x;
	/* a migration writes into qemu's pipe: if qemu closed its end, the
	 * error return is all we need (link/migrate.c)
	 */
	signal(SIGPIPE, SIG_IGN);
	x->sink = &x->vu.sink;
}

/**
 * passt_client_fd() - Serve an already connected socket (--fd, Accept=yes)
 * @x:		Context
 * @fd:		Socket
 * @what:	Where it comes from, for messages
 */
static void passt_client_fd(struct ctx *x, int fd, const char *what)
{
	int type = 0, ret;
	socklen_t sl = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &sl) ||
	    type != SOCK_STREAM)
		die("%s %d isn't a connected stream socket", what, fd);
	if ((ret = stream_client(&x->stream, fd)))
		die("Couldn't use %s %d: %s", what, fd, strerror(-ret));
	if (x->c->mode == MODE_VU)
		vu_client(&x->vu, fd);
	/* no listening socket: we end with this client (loop_stream()) */
	log_info("Serving the client on %s %d", what, fd);
}

/**
 * passt_activated() - Use a socket passed by systemd, if there is one
 * @x:		Context
 *
 * Return: true if systemd passed a socket (and it is now in use)
 */
static bool passt_activated(struct ctx *x)
{
	struct sockaddr_un a;
	socklen_t sl = sizeof(a);
	int n = sd_listen_fds(1), fd = SD_LISTEN_FDS_START, ret;

	if (n <= 0)
		return false;
	if (n > 1)
		log_warn("systemd passed %d sockets, using the first one", n);
	if (sd_is_socket_unix(fd, SOCK_STREAM, -1, NULL, 0) <= 0)
		die("Socket passed by systemd isn't a UNIX stream socket");
	if (sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) <= 0) {
		passt_client_fd(x, fd, "systemd socket");
		return true;
	}
	if ((ret = stream_listen_fd(&x->stream, fd)))
		die("Couldn't use the socket passed by systemd: %s",
		    strerror(-ret));
	memset(&a, 0, sizeof(a));
	if (!getsockname(fd, (struct sockaddr *)&a, &sl) && a.sun_path[0])
		memcpy(x->stream.path, a.sun_path, sizeof(x->stream.path) - 1);
	log_info("Using the socket passed by systemd%s%s",
		 *x->stream.path ? " at " : "", x->stream.path);
	return true;
}

/* vhost-user mode: our socket and PID file, removed when we exit */
static struct exit_file passt_exit_sock = { .dirfd = -1 };
static struct exit_file passt_exit_pid = { .dirfd = -1 };
static struct exit_file passt_exit_repair = { .dirfd = -1 };

/**
 * passt_repair_setup() - Listen for passt-repair (vhost-user mode)
 * @x:		Context
 *
 * The socket is --repair-path, or the vhost-user socket's path with
 * ".repair" appended; none with --repair-path none, or without a path to
 * derive it from (--fd, a systemd socket without a name). A derived path
 * that can't be bound (systemd's directory, not ours) only warns: passt
 * then serves the guest and migrates without its connections.
 */
static void passt_repair_setup(struct ctx *x)
{
	const struct conf *c = x->c;
	char path[REPAIR_PATH_MAX];
	int ret;

	if (c->mode != MODE_VU || !strcmp(c->repair_path, "none"))
		return;
	if (*c->repair_path)
		snprintf(path, sizeof(path), "%s", c->repair_path);
	else if (!*x->stream.path)
		return;
	else if (snprintf(path, sizeof(path), "%s.repair", x->stream.path) >=
		 (int)sizeof(path))
		die("Repair socket path too long: %s.repair", x->stream.path);
	if ((ret = repair_listen(&x->repair, path)) == -EADDRINUSE)
		die("Repair socket path %s already in use", path);
	if (ret && *c->repair_path)
		die("Couldn't bind repair socket %s: %s", path,
		    strerror(-ret));
	if (ret) {
		/* A derived path in a directory we may not write to (systemd's
		 * /run/passt, socket activation): run without, as a helper
		 * that never comes would leave us
		 */
		log_warn("Couldn't bind repair socket %s: %s; TCP connections "
			 "won't be migrated", path, strerror(-ret));
		return;
	}
	if ((ret = exit_file_open(&passt_exit_repair, path)))
		die("Couldn't open the directory of %s: %s", path,
		    strerror(-ret));
	log_info("Repair socket for passt-repair bound at %s", path);
}

/**
 * passt_link_setup() - Open the link to qemu: --fd, systemd's, or our own
 * @x:		Context
 */
static void passt_link_setup(struct ctx *x)
{
	const struct conf *c = x->c;
	const char *p;
	int ret;

	if (c->fd >= 0) {
		passt_client_fd(x, c->fd, "--fd");
		return;
	}
	if (passt_activated(x))
		return;

	if ((ret = stream_listen(&x->stream, c->sock_path)) == -EADDRINUSE &&
	    *c->sock_path)
		die("Socket path %s already in use", c->sock_path);
	if (ret)
		die("Couldn't bind UNIX domain socket %s: %s",
		    *c->sock_path ? c->sock_path : "/tmp/passt_N.socket",
		    strerror(-ret));
	p = x->stream.path;
	log_info("UNIX domain socket bound at %s", p);
	if (c->mode == MODE_VU) {
		/* ours: removed at exit (see passt_main()) */
		if ((ret = exit_file_open(&passt_exit_sock, p)))
			die("Couldn't open the directory of %s: %s", p,
			    strerror(-ret));
		log_info("You can start qemu with:");
		log_info("    kvm ... -chardev socket,id=chr0,path=%s "
			 "-netdev vhost-user,id=netdev0,chardev=chr0 "
			 "-device virtio-net,netdev=netdev0 "
			 "-object memory-backend-memfd,id=memfd0,share=on,"
			 "size=$RAMSIZE -numa node,memdev=memfd0",
			 p);
		return;
	}
	log_info("You can now start qemu (>= 7.2) with:");
	log_info("    qemu-system-x86_64 ... -device virtio-net-pci,netdev=s "
		 "-netdev stream,id=s,server=off,addr.type=unix,"
		 "addr.path=%s",
		 p);
	log_info("or, for earlier qemu versions, through qrap:");
	log_info("    PASST_SOCKET=%s qrap 5 qemu-system-x86_64 ... "
		 "-net socket,fd=5 -net nic,model=virtio",
		 p);
}

/**
 * passt_notify_open() - Connect to $NOTIFY_SOCKET while its path is there
 *
 * Return: socket for notify_ready(), -1 if there is none
 */
static int passt_notify_open(void)
{
	int fd = notify_open();

	if (fd == -ENOENT)
		return -1;
	if (fd < 0)
		log_warn("Couldn't connect to NOTIFY_SOCKET: %s",
			 strerror(-fd));
	return fd < 0 ? -1 : fd;
}

/**
 * passt_listen() - Open the listeners of the inbound rules
 * @x:		Context, transports and running tables set up
 *
 * The port scanner is set up too, without "auto" rules (passt has none):
 * the running tables close listeners through it.
 *
 * Return: 0, or -errno (logged)
 */
static int passt_listen(struct ctx *x)
{
	const struct fwd_table *in = fwd_live_table(&x->fl, FWD_AUTO_IN);
	const struct listen_rec *rec = &x->fl.side[FWD_AUTO_IN].rec;
	const struct conf *c = x->c;
	struct fwd_auto_cfg cfg = {
		.in = in,
		.tcp = &x->tcp,
		.udp = &x->udp,
		.netns_fd = -1,
		.epfd = x->epfd,
		.freebind = c->freebind,
		.gap_in = x->gap_in,
	};
	int ret;

	ret = tcp_listen(&x->tcp, in, c->freebind, x->gap_in, rec);
	if (!ret)
		ret = udp_listen(&x->udp, in, c->freebind, x->gap_in, rec);
	if (!ret)
		ret = fwd_auto_init(&x->fa, &cfg);
	fwd_live_attach(&x->fl, &x->fa);
	return ret;
}

/**
 * passt_main() - Entry point of passt
 * @argc:	Argument count
 * @argv:	Arguments
 *
 * Return: exit status
 */
int passt_main(int argc, char **argv)
{
	struct setup_ready ready = {
		.sb = { .newuser = true },
		.profile = SANDBOX_PASST,
	};
	static struct conf c;
	static struct ctx x;
	int ret, fd, notify;

	log_init("passt");
	fd = fds_sanitise(conf_prescan_fd(argc, argv), true);
	switch (conf_parse(&c, argc, argv)) {
	case CONF_EXIT_OK:
		return EXIT_SUCCESS;
	case CONF_EXIT_ERR:
		return EXIT_FAILURE;
	case CONF_OK:
		break;
	}
	x.c = &c;
	if (c.fd >= 0 && fd < 0)
		die("Couldn't use --fd %d: %s", c.fd, strerror(-fd));
	if (c.fd >= 0)
		c.fd = fd;
	else if (fd < -1)
		die("Couldn't close inherited files: %s", strerror(-fd));
	if (c.doctor) {
		setup_drop_root(&c);
		return doctor_report(&c);
	}
	setup_log(&c, c.quiet);
	setup_drop_root(&c);
	ready.daemon = !c.foreground;
	ready.profile = c.mode == MODE_VU ? SANDBOX_PASST_VU : SANDBOX_PASST;
	if (c.mode == MODE_VU)
		ready.pid_exit = &passt_exit_pid;

	follow_init(&x, &c);
	if (conf_resolve(&c))
		return EXIT_FAILURE;
	doctor_startup(&c);
	follow_open(&x);
	if (*c.pcap && (ret = pcap_open(c.pcap)))
		die("Couldn't open capture file %s: %s", c.pcap,
		    strerror(-ret));
	conf_print(&c);

	passt_loop_setup(&x);
	if (raise_nofile() < 0)
		log_warn("Couldn't raise the limit of open files");
	if (loop_transports_init(&x))
		return EXIT_FAILURE;
	follow_dns_init(&x, &c.l2);
	control_init(&x);
	ret = passt_listen(&x);
	conf_print_fwd(&c, x.gap_in, NULL);
	if (ret || control_listen(&x))
		return EXIT_FAILURE;
	passt_link_setup(&x);
	passt_repair_setup(&x);
	if (x.stream.fd >= 0 && c.mode != MODE_VU)
		loop_greet(&x);	/* --fd, or a connection systemd accepted */
	notify = passt_notify_open();
	setup_ready(&x, &ready);
	/* Only now, sandboxed: systemd reports the unit as started */
	if (notify >= 0 && (ret = notify_ready(notify)))
		log_warn("Couldn't notify systemd: %s", strerror(-ret));

	ret = loop_run(&x);
	/* Stream mode leaves them, as upstream: libvirt removes them for
	 * type='user'; for vhostuser nobody does but us
	 */
	exit_file_remove(&passt_exit_sock);
	exit_file_remove(&passt_exit_repair);
	exit_file_remove(&passt_exit_pid);
	control_exit();
	return ret;
}
