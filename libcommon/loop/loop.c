// SPDX-License-Identifier: GPL-2.0-or-later
/* loop.c - the event loop: one epoll wait, one dispatch switch
 *
 * Theory of operation: every descriptor we poll is registered with a union
 * epoll_ref naming its type and descriptor, and each wake-up is dispatched by
 * one switch on that type; an unknown type is a bug and aborts. The loop
 * ends when the namespace goes away, the spawned command exits or a
 * termination signal arrives, and returns the exit status for main().
 *
 * When pasta's command exits, the kernel closes its sockets but still
 * holds what they were sending, in the namespace: data the command wrote
 * just before it ended (a sender that closes and exits) may not have
 * reached us yet. The namespace, and the kernel's sockets in it, only live
 * as long as we do, so ending at once would lose that tail (measured: 2.4
 * of 32 MiB to a slow reader; upstream's pasta loses it too). The loop
 * lingers instead, until every connection from the namespace delivered
 * its FIN to us (tap: the guest's FIN; splice: end-of-file read and the
 * pipe drained), for LOOP_LINGER_NS at most; usually that takes one round
 * trip, or nothing at all.
 *
 * Waking a sleeping process costs a scheduler round trip (on the machines
 * we measure on, 10-15 us, more than the work of forwarding a datagram), so
 * between rounds of events the loop paces itself (loop_pace()):
 * - traffic back and forth (the last two rounds had both frames from the
 *   guest and data from host sockets): poll, epoll_wait() with no timeout
 *   and a sched_yield() in between, for LOOP_SPIN_NS before sleeping; the
 *   answer to a request usually comes within that time;
 * - datagrams one way only: nap LOOP_NAP_NS before waiting, so that a fast
 *   stream is handled a batch per wake-up, not a datagram (and reaches its
 *   receiver in batches too), at the price of up to LOOP_NAP_NS of latency
 *   within such a stream, like a NIC's interrupt moderation; a stream
 *   slower than one datagram per nap never waits in it;
 * - TCP one way, paced by its own flow control: neither.
 * An idle pasta or passt sleeps as before. doc/bench.md has the figures.
 */

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "ctx.h"
#include "link/migrate_frozen.h"
#include "packet/frag.h"
#include "packet/ip.h"

#define LOOP_EVENTS 64
#define LOOP_SPIN_NS 50000	/* polling after the last event, ns */
#define LOOP_NAP_NS 200000	/* nap in a one-way datagram stream, ns */
#define LOOP_LINGER_NS (10 * 1000000000ULL) /* see the top of this file */
#define LOOP_LINGER_TICK_MS 50	/* deadline checks while lingering, ms */

/**
 * loop_add() - Register a descriptor for input events
 * @x:		Context
 * @type:	What the descriptor is
 * @fd:		Descriptor
 *
 * Return: 0 on success, -errno on failure
 */
int loop_add(struct ctx *x, enum epoll_type type, int fd)
{
	return epref_ctl(x->epfd, EPOLL_CTL_ADD, type, 0, fd, EPOLLIN);
}

/* Datagrams the guest sent in fragments, being reassembled */
static struct frag_table loop_frag;

/**
 * loop_l3() - Frames from the guest that the L2 responders didn't take
 * @arg:	Context
 * @frame:	The frame
 * @flags:	LINK_F_* bits of the frame
 */
static void loop_l3(void *arg, struct pview frame, unsigned int flags)
{
	static struct ratelimit rl;
	struct ctx *x = arg;
	struct pkt_l4 p;
	int ret;

	ret = pkt_parse_ip(frame, &p);
	if (ret == -EPROTO) {
		/* A fragment: kept until its datagram is whole (frag.c) */
		ret = frag_input(&loop_frag, frame, clock_ms(), &frame);
		if (ret == FRAG_PENDING)
			return;
		if (ret == FRAG_DONE)
			ret = pkt_parse_ip(frame, &p);
	}
	if (ret) {
		if (ret == -ENOENT) {
			x->cnt.drops[CNT_DROP_UNSUPPORTED]++;
			return;
		}
		x->cnt.drops[CNT_DROP_MALFORMED]++;
		log_rl(&rl, LOG_LVL_DEBUG,
		       "Dropped malformed IP packet (%zu bytes)", frame.len);
		return;
	}
	/* -4, -6, or a kernel without IPv6: that family is off both ways */
	if (p.family == AF_INET6 ? !x->c->l2.v6 : !x->c->l2.v4) {
		x->cnt.drops[CNT_DROP_DISABLED]++;
		log_trace("IP version disabled, frame dropped");
		return;
	}
	p.l4_csum_partial = flags & LINK_F_CSUM_PARTIAL;
	if (p.proto == IPPROTO_TCP)
		x->round_tcp = true;
	if (p.proto == IPPROTO_TCP && !x->c->no_tcp) {
		tcp_tap_input(&x->tcp, &p);
		return;
	}
	if (p.proto == IPPROTO_UDP && !x->c->no_udp) {
		udp_tap_input(&x->udp, &p);
		return;
	}
	if (p.proto == IPPROTO_ICMP || p.proto == IPPROTO_ICMPV6) {
		icmp_tap_input(&x->udp, &p);
		return;
	}
	x->cnt.drops[p.proto == IPPROTO_TCP || p.proto == IPPROTO_UDP ?
		     CNT_DROP_DISABLED : CNT_DROP_UNSUPPORTED]++;
	log_trace("No translation for protocol %u, dropped", p.proto);
}

/**
 * loop_transports_init() - Set up the flow table and the transports
 * @x:		Context, with the epoll descriptor and the link ready
 *
 * Return: 0 on success, -errno on failure (logged)
 */
int loop_transports_init(struct ctx *x)
{
	uint8_t key[16];
	ssize_t n;
	int ret;

	if ((n = getrandom(key, sizeof(key), 0)) != sizeof(key))
		return n < 0 ? -errno : -EIO;	/* short: no errno */
	flow_init(&x->flows, key);
	conf_nat(x->c, &x->nat);

	if (!x->sink)
		x->sink = &x->tap.sink;
	ret = tcp_init(&x->tcp, &x->flows, x->sink, &x->c->l2, &x->l2s,
		       x->epfd, x->c->l2.mtu, &x->nat);
	if (ret) {
		log_err("Couldn't set up TCP: %s", strerror(-ret));
		return ret;
	}
	ret = udp_init(&x->udp, &x->flows, x->sink, &x->c->l2, &x->l2s,
		       &x->nat, x->epfd, x->c->no_icmp);
	if (ret)
		log_err("Couldn't set up UDP: %s", strerror(-ret));
	return ret;
}

/**
 * loop_greet() - Send the guest that just appeared our ARP request and
 *		  Neighbour Solicitation (link_greet()), at once
 * @x:		Context, with the transports (and so the sink) set up
 */
void loop_greet(struct ctx *x)
{
	int ret = link_greet(&x->c->l2, x->sink);

	if (ret < 0)
		log_debug("Couldn't ask the guest for its MAC: %s",
			  strerror(-ret));
}

/**
 * loop_linger_done() - Tell whether pasta, its command gone, may end now
 * @x:		Context, lingering (see the top of this file)
 * @status:	Set to the command's exit status if so
 *
 * Return: true if nothing from the namespace is on its way any more, or
 *	   the time to linger is over
 */
static bool loop_linger_done(struct ctx *x, int *status)
{
	bool sending = tcp_guest_sending(&x->tcp) ||
		       tcp_splice_ns_sending(&x->tsp);

	if (sending && clock_ns() < x->linger_until)
		return false;
	if (sending)
		log_warn("Command exited, connections from it still sending "
			 "after %llu s: closing them",
			 LOOP_LINGER_NS / 1000000000ULL);
	*status = x->linger_status;
	return true;
}

/**
 * loop_signal() - Handle pending signals
 * @x:		Context
 * @status:	Set to the exit status when the loop must end
 *
 * Return: true if the loop must end
 */
static bool loop_signal(struct ctx *x, int *status)
{
	struct signalfd_siginfo si;
	int ws;

	while (read(x->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGQUIT) {
			log_info("Terminated by signal %u", si.ssi_signo);
			*status = EXIT_SUCCESS;
			return true;
		}
		if (si.ssi_signo != SIGCHLD || !x->child.pid)
			continue;
		if (waitpid(x->child.pid, &ws, WNOHANG) != x->child.pid)
			continue;
		if (WIFEXITED(ws))
			x->linger_status = WEXITSTATUS(ws);
		else if (WIFSIGNALED(ws))
			x->linger_status = 128 + WTERMSIG(ws);
		else
			continue;
		x->linger_until = clock_ns() + LOOP_LINGER_NS;
		return loop_linger_done(x, status);
	}
	return false;
}

/**
 * loop_batch_end() - End of a batch of frames from the guest: the transports
 *		      act on what they kept pointers to
 * @arg:	Context
 */
static void loop_batch_end(void *arg)
{
	struct ctx *x = arg;

	tcp_tap_batch_end(&x->tcp);
	udp_tap_batch_end(&x->udp);
	frag_batch_end(&loop_frag);
}

/**
 * loop_client_end() - passt's client went away: close, wait for the next
 * @x:		Context
 * @status:	Set to the exit status when the loop must end
 *
 * Return: true if the loop must end (--one-off, or no listening socket to
 *	   take the next one: --fd, systemd's Accept=yes)
 */
static bool loop_client_end(struct ctx *x, int *status)
{
	if (x->c->mode == MODE_VU) {
		vu_disconnect(&x->vu);
		/* the guest of a migration runs elsewhere now */
		if (!x->c->no_tcp)
			migrate_frozen_release(&x->tcp);
	}
	stream_close(&x->stream);
	memset(&x->l2s, 0, sizeof(x->l2s));	/* the next guest is new */
	/* a guest that migrated away: the next one may come (compat.md 6.5) */
	if ((!x->c->one_off || x->migrated_out) && x->stream.listen_fd >= 0)
		return false;
	log_info("Client connection closed, exiting");
	*status = EXIT_SUCCESS;
	return true;
}

/**
 * loop_stream() - Frames from passt's qemu client, or its disconnection
 * @x:		Context
 * @events:	epoll events of the client socket
 * @status:	Set to the exit status when the loop must end
 *
 * Return: true if the loop must end (see loop_client_end())
 */
static bool loop_stream(struct ctx *x, uint32_t events, int *status)
{
	struct link_input in = { &x->c->l2, &x->l2s, loop_l3, x, stream_send,
				 &x->stream };
	int ret;

	ret = stream_handler(&x->stream, &in, events);
	loop_batch_end(x);
	if (!ret)
		return false;
	return loop_client_end(x, status);
}

/**
 * loop_vu() - A message from passt's vhost-user frontend, or its
 *	       disconnection
 * @x:		Context
 * @status:	Set to the exit status when the loop must end
 *
 * After qemu checked that our state was saved (the source of a migration,
 * CHECK_DEVICE_STATE answered 0), --migrate-exit ends passt with status 0;
 * otherwise --one-off no longer applies, as upstream's: qemu's disconnect
 * doesn't end us (compat.md 4.4).
 *
 * Return: true if the loop must end (see loop_client_end(), and above)
 */
static bool loop_vu(struct ctx *x, int *status)
{
	if (vu_ctl_handler(&x->vu))
		return loop_client_end(x, status);
	if (!x->vu.dev.state_saved)
		return false;

	/* qemu checked a save of ours: the guest runs elsewhere now */
	x->vu.dev.state_saved = false;
	if (x->c->migrate_exit) {
		log_info("Migration complete, exiting");
		*status = EXIT_SUCCESS;
		return true;
	}
	log_info("Migration complete");
	x->migrated_out = true;
	if (x->c->migrate_no_linger && !x->c->no_tcp)
		migrate_frozen_release(&x->tcp);
	return false;
}

/**
 * loop_vu_lost() - The frontend cut guest memory under us: close
 * @x:		Context
 * @status:	Set to the exit status when the loop must end
 *
 * Return: true if the loop must end (see loop_client_end())
 */
static bool loop_vu_lost(struct ctx *x, int *status)
{
	if (x->vu.dev.fd < 0)	/* that connection is closed already */
		return false;
	log_err("vhost-user: guest memory shrank under us: the frontend "
		"truncated its file; closing the connection");
	return loop_client_end(x, status);
}

/**
 * loop_vu_kick() - The guest kicked one of its queues
 * @x:		Context
 * @ref:	Reference of the event: queue and descriptor
 */
static void loop_vu_kick(struct ctx *x, union epoll_ref ref)
{
	struct link_input in = { &x->c->l2, &x->l2s, loop_l3, x, vu_send,
				 &x->vu };

	/* a queue whose descriptor was replaced earlier in this batch */
	if (ref.idx >= VU_QUEUES || ref.fd != x->vu.dev.vq[ref.idx].kick_fd)
		return;
	if (ref.idx == VU_TX)
		vu_tx_handler(&x->vu, &in, loop_batch_end, x);
	else
		vu_rx_kick(&x->vu);
}

/**
 * loop_accept() - A client connects to passt's socket
 * @x:		Context
 * @status:	Set to the exit status when the loop must end
 *
 * Return: true if the loop must end
 */
static bool loop_accept(struct ctx *x, int *status)
{
	bool had_client;
	int ret;

	if (stream_client_gone(&x->stream)) {
		if (x->c->mode == MODE_VU ? loop_vu(x, status) :
		    loop_stream(x, EPOLLHUP, status))
			return true;
	}
	had_client = x->stream.fd >= 0;
	if ((ret = stream_accept(&x->stream))) {
		log_warn("Couldn't accept: %s", strerror(-ret));
		return false;
	}
	if (had_client || x->stream.fd < 0)
		return false;
	if (x->c->mode == MODE_VU)
		vu_client(&x->vu, x->stream.fd);	/* greets once started */
	else
		loop_greet(x);
	return false;
}

/**
 * loop_dispatch() - Handle one event
 * @x:		Context
 * @ev:		Event
 * @status:	Set to the exit status when the loop must end
 *
 * Return: true if the loop must end
 */
static bool loop_dispatch(struct ctx *x, const struct epoll_event *ev,
			  int *status)
{
	union epoll_ref ref = { .u64 = ev->data.u64 };
	int ret;

	x->cnt.epoll[ref.type % CNT_EPOLL_TYPES]++;
	switch (ref.type) {
	case EPOLL_TYPE_TAP:
		/* When polling found nothing for a while (request/response
		 * traffic), frames come one by one: read one, the next poll
		 * says if more are there. Else read a whole batch: after a
		 * sleep, a one-way stream has usually queued several.
		 */
		ret = tap_handler(&x->tap, &x->c->l2, &x->l2s, loop_l3, x,
				  x->idle ? 1 : TAP_BATCH);
		loop_batch_end(x);
		if (!ret && !(ev->events & (EPOLLHUP | EPOLLERR)))
			return false;
		log_err("Tap device gone: %s", strerror(ret ? -ret : EIO));
		*status = EXIT_FAILURE;
		return true;
	case EPOLL_TYPE_NSWATCH:
		if (!nswatch_gone(&x->nsw))
			return false;
		log_info("Namespace %s is gone, exiting", x->nsw.base);
		*status = EXIT_SUCCESS;
		return true;
	case EPOLL_TYPE_SIGNAL:
		return loop_signal(x, status);
	case EPOLL_TYPE_TCP:
		tcp_sock_handler(&x->tcp, ref.idx, ev->events);
		return false;
	case EPOLL_TYPE_TCP_LISTEN:
		tcp_listen_handler(&x->tcp, ref.idx, ref.fd);
		return false;
	case EPOLL_TYPE_TCP_TIMER:
		tcp_timer_handler(&x->tcp);
		return false;
	case EPOLL_TYPE_UDP:
		udp_sock_handler(&x->udp, ref.idx);
		return false;
	case EPOLL_TYPE_UDP_LISTEN:
		udp_listen_handler(&x->udp, ref.idx, ref.fd);
		return false;
	case EPOLL_TYPE_PING:
		icmp_sock_handler(&x->udp, ref.idx);
		return false;
	case EPOLL_TYPE_FLOW_TIMER:
		udp_timer_handler(&x->udp);
		return false;
	case EPOLL_TYPE_TCP_SPLICE:
		tcp_splice_sock_handler(&x->tsp, ref.idx, ev->events);
		return false;
	case EPOLL_TYPE_TCP_LISTEN_NS:
		tcp_splice_listen_handler(&x->tsp, ref.idx, ref.fd);
		return false;
	case EPOLL_TYPE_UDP_SPLICE:
		udp_splice_sock_handler(&x->usp, ref.idx);
		return false;
	case EPOLL_TYPE_UDP_LISTEN_NS:
		udp_splice_listen_handler(&x->usp, ref.idx, ref.fd);
		return false;
	case EPOLL_TYPE_STREAM_LISTEN:
		return loop_accept(x, status);
	case EPOLL_TYPE_STREAM:
		/* a client closed earlier in this batch: its descriptor may
		 * be the new client's already
		 */
		if (!stream_event_current(&x->stream, ref.idx, ref.fd))
			return false;
		return loop_stream(x, ev->events, status);
	case EPOLL_TYPE_VU:
		if (!stream_event_current(&x->stream, ref.idx, ref.fd))
			return false;
		return loop_vu(x, status);
	case EPOLL_TYPE_VU_KICK:
		loop_vu_kick(x, ref);
		return false;
	case EPOLL_TYPE_REPAIR_LISTEN:
		repair_listen_handler(&x->repair);
		return false;
	case EPOLL_TYPE_REPAIR:
		repair_handler(&x->repair, ev->events);
		return false;
	case EPOLL_TYPE_SCAN_TIMER:
		fwd_auto_timer(&x->fa); /* scans after the batch */
		return false;
	case EPOLL_TYPE_CTL_LISTEN:
		ctl_listen_handler(&x->ctl);
		return false;
	case EPOLL_TYPE_CTL:
		ctl_handler(&x->ctl, ref.idx, ref.fd, ev->events);
		return false;
	case EPOLL_TYPE_CTL_TIMER:
		ctl_timer_handler(&x->ctl);
		return false;
	case EPOLL_TYPE_RESOLV:
		follow_dns_event(x);
		return false;
	case EPOLL_TYPE_NLWATCH:
		follow_event(x);	/* acted on after the batch */
		return false;
	default:
		log_err("Event of unknown type %u", ref.type);
		abort();
	}
}

/**
 * loop_wait() - Wait for events, polling for a while after recent ones
 * @x:		Context
 * @evs:	Events, filled
 * @spin_until:	Poll instead of sleeping until this time (ns), 0: don't
 *
 * Return: number of events, as epoll_wait()
 */
static int loop_wait(struct ctx *x, struct epoll_event *evs,
		     uint64_t *spin_until)
{
	int n;

	x->idle = false;
	while (*spin_until) {
		n = epoll_wait(x->epfd, evs, LOOP_EVENTS, 0);
		if (n)
			return n;
		x->idle = true;
		if (clock_ns() >= *spin_until)
			*spin_until = 0;
		else
			sched_yield();
	}
	return epoll_wait(x->epfd, evs, LOOP_EVENTS,
			  x->linger_until ? LOOP_LINGER_TICK_MS : -1);
}

/* Which side the events of a round came from */
enum loop_side {
	LOOP_GUEST = 1 << 0,	/* frames: tap, qemu stream, vhost-user */
	LOOP_HOST = 1 << 1,	/* data on sockets of translated flows */
	LOOP_TCP = 1 << 2,	/* ... of which TCP ones */
};

/**
 * loop_sides() - Sides a round of events came from
 * @evs:	Events
 * @n:		Their number
 *
 * Return: enum loop_side bits
 */
static unsigned int loop_sides(const struct epoll_event *evs, int n)
{
	unsigned int sides = 0;
	int i;

	for (i = 0; i < n; i++) {
		union epoll_ref ref = { .u64 = evs[i].data.u64 };

		switch (ref.type) {
		case EPOLL_TYPE_TAP:
		case EPOLL_TYPE_STREAM:
		case EPOLL_TYPE_VU_KICK:
			sides |= LOOP_GUEST;
			break;
		case EPOLL_TYPE_TCP:
			sides |= LOOP_HOST | LOOP_TCP;
			break;
		case EPOLL_TYPE_UDP:
		case EPOLL_TYPE_UDP_LISTEN:
		case EPOLL_TYPE_PING:
			sides |= LOOP_HOST;
			break;
		default:
			break;
		}
	}
	return sides;
}

/**
 * loop_pace() - After a round: poll, nap, or neither, before the next wait
 * @sides:	enum loop_side bits of this round
 * @last:	... and of the one before
 * @spin_until:	Set to the end of polling, if the loop is to poll
 *
 * Traffic both ways (request/response) polls for LOOP_SPIN_NS. Datagrams one
 * way only (a UDP stream, in either direction) nap for LOOP_NAP_NS first:
 * when they come faster than that, each wake-up then handles several of
 * them, and one per datagram was most of the time both pasta and the
 * receiving end spent (see the top of this file). TCP, which its own flow
 * control paces, does neither when one-way.
 */
static void loop_pace(unsigned int sides, unsigned int last,
		      uint64_t *spin_until)
{
	const struct timespec nap = { 0, LOOP_NAP_NS };
	unsigned int both = LOOP_GUEST | LOOP_HOST;

	if (((sides | last) & both) == both) {
		*spin_until = clock_ns() + LOOP_SPIN_NS;
		return;
	}
	if ((sides & both) && !(sides & LOOP_TCP))
		clock_nanosleep(CLOCK_MONOTONIC, 0, &nap, NULL);
}

/**
 * loop_run() - Run the event loop until something ends it
 * @x:		Context
 *
 * Return: exit status for the process
 */
int loop_run(struct ctx *x)
{
	struct epoll_event evs[LOOP_EVENTS];
	unsigned int sides, last = 0;
	int status = EXIT_SUCCESS, n, i;
	uint64_t spin_until = 0;

	for (;;) {
		n = loop_wait(x, evs, &spin_until);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die_perror("epoll_wait");
		sides = loop_sides(evs, n);
		for (i = 0; i < n; i++) {
			if (loop_dispatch(x, &evs[i], &status))
				return status;
			if (x->c->mode == MODE_VU && vu_mem_lost() &&
			    loop_vu_lost(x, &status))
				return status;
		}
		if (x->sink)
			x->sink->flush(x->sink);
		/* a migration's state, asked for in this round (vu_dev.c) */
		if (x->c->mode == MODE_VU)
			vu_dev_state_run(&x->vu.dev);
		if (x->linger_until && loop_linger_done(x, &status))
			return status;
		/* the host changed: once for the whole burst (follow.c) */
		follow_batch_end(x);
		/* a change first: the scan follows its new "auto" rules */
		ctl_batch_end(&x->ctl);
		fwd_auto_batch_end(&x->fa);
		/* last: nothing of this round names a flow any more */
		flow_batch_end(&x->flows);
		loop_stats(x);
		if (x->round_tcp)
			sides |= LOOP_TCP;
		loop_pace(sides, last, &spin_until);
		if (sides & (LOOP_GUEST | LOOP_HOST))
			last = sides;	/* timers don't break a pattern */
		x->round_tcp = false;
	}
}
