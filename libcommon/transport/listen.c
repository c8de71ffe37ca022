// SPDX-License-Identifier: GPL-2.0-or-later
/* listen.c - open the listening sockets of forwarding rules
 *
 * Theory of operation: a forwarding rule (flow/fwd.h) says where to listen;
 * this file turns its ports into bound sockets registered with epoll, for
 * the four kinds of listener alike: TCP and UDP, on the host (-t, -u) and
 * inside pasta's namespace (-T, -U). A struct listen_req says which kind
 * (listen_req_init(): protocol, side, epoll type, --freebind); nothing else
 * differs between them here. The transports only hand their context's
 * epoll descriptor and table over, and handle the events.
 *
 * listen_table() opens every port of the static rules of one protocol of a
 * table at start-up, entering the namespace once for all of them, and
 * applies compat.md 5.1, the same for every kind:
 * - a port of an explicit rule that can't be bound is fatal: "Listen failed
 *   for host UDP port P: REASON", and the caller exits 1; when REASON is
 *   "Address already in use" on the host side, the holder found through
 *   /proc (os/doctor_facts.c: start-up only, before the sandbox) follows:
 *   " (held by nc, PID 1234)", or " (held by a process of UID 0)";
 * - ports of best-effort rules (no inclusion in the spec: "all", only
 *   exclusions) that can't be bound are counted and shown as one warning;
 *   it is fatal only if none of the best-effort rules of that protocol and
 *   side could bind any port ("nothing at all could be bound");
 * - "auto" rules are skipped: the port scanner opens and closes their ports
 *   one at a time, at run time, through listen_port() (fwd_auto.c), and a
 *   port it can't bind is tried again at the next scan, never fatal.
 * Upstream checked only -t and -u at start until 2025 (Debian 13's pasta
 * starts whatever -T and -U can't bind); its 2026 code, like ours, applies
 * the same rule to all four.
 *
 * The dual-stack wildcard is one IPv6 socket on ::
 * with IPV6_V6ONLY off; any other IPv6 address gets IPV6_V6ONLY on, so
 * that a separate IPv4 rule on the same port can coexist with it.
 * Datagram sockets on a wildcard address report the destination of each
 * datagram (pktinfo.c), so that answers leave from the address the peer
 * sent to.
 *
 * When the dual-stack socket can't be bound, typically because another
 * program holds 0.0.0.0 or [::] (IPV6_V6ONLY) on that port, listen_open()
 * binds 0.0.0.0 and [::] (IPV6_V6ONLY) on their own, as upstream did up
 * to its 2025 releases (Debian 13's pasta): the port is served if either
 * can be, and struct listen_socks says which family is missing and why.
 * Both sockets carry the same epoll reference (epref_listen()), so the
 * handlers need not know; whoever closes the port closes both.
 * listen_gap_note() counts such ports per rule for the rule display
 * (compat.md 5.2) and warns about them. Nothing retries the missing
 * family later.
 *
 * listen_peer_key() is what a peer that reached a listener looks like to
 * the guest, for the TCP and UDP engines alike: its address after
 * nat_inbound(), and the guest's address and port it goes to.
 *
 * Syscalls: socket, setsockopt, bind, listen, close, epoll_ctl (ioctl
 * through if_nametoindex() for a link-local address with a device); for
 * the namespace side, what ns_call() needs (clone, setns, wait4).
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/inany.h"
#include "base/log.h"
#include "flow/nat.h"
#include "os/doctor.h"
#include "os/doctor_facts.h"
#include "os/ns.h"
#include "transport/listen.h"
#include "transport/pktinfo.h"

/**
 * listen_setopt() - Set an integer socket option
 * @s:		Socket
 * @level:	Option level
 * @name:	Option name
 * @val:	Value
 *
 * Return: 0, or -errno
 */
static int listen_setopt(int s, int level, int name, int val)
{
	if (setsockopt(s, level, name, &val, sizeof(val)))
		return -errno;
	return 0;
}

/**
 * listen_opts() - Set the options a rule asks for, before bind()
 * @s:		Socket
 * @type:	SOCK_STREAM or SOCK_DGRAM
 * @af:		AF_INET or AF_INET6
 * @r:		Rule
 * @freebind:	Allow binding to addresses that are not (yet) local
 *
 * Return: 0, or -errno
 */
static int listen_opts(int s, int type, int af, const struct fwd_rule *r,
		       bool freebind)
{
	int rc = 0;

	if (af == AF_INET6)
		rc = listen_setopt(s, IPPROTO_IPV6, IPV6_V6ONLY,
				   !(r->flags & FWD_DUAL_STACK));
	if (!rc && type == SOCK_STREAM)
		rc = listen_setopt(s, SOL_SOCKET, SO_REUSEADDR, 1);
	if (!rc && freebind)
		rc = af == AF_INET6
			     ? listen_setopt(s, IPPROTO_IPV6, IPV6_FREEBIND, 1)
			     : listen_setopt(s, IPPROTO_IP, IP_FREEBIND, 1);
	if (!rc && r->ifname[0]) {
		/* unprivileged since Linux 5.7; -EPERM before, -ENODEV if
		 * there is no such device
		 */
		if (setsockopt(
			    s, SOL_SOCKET, SO_BINDTODEVICE, r->ifname,
			    (socklen_t)strnlen(r->ifname, sizeof(r->ifname))))
			rc = -errno;
	}
	return rc;
}

/**
 * listen_scope() - Scope identifier for a rule's address
 * @r:		Rule
 *
 * Return: interface index of the rule's device for an IPv6 link-local
 *	   address, 0 otherwise
 */
static uint32_t listen_scope(const struct fwd_rule *r)
{
	char ifname[IFNAMSIZ];

	if (!r->ifname[0] || inany_is_v4(&r->addr) ||
	    !IN6_IS_ADDR_LINKLOCAL(&r->addr.a6))
		return 0;
	memcpy(ifname, r->ifname, sizeof(ifname));
	ifname[IFNAMSIZ - 1] = '\0';
	return if_nametoindex(ifname);
}

/**
 * listen_wildcard() - Tell whether a rule listens on every local address
 * @r:		Rule
 *
 * Return: true for the dual-stack wildcard, 0.0.0.0 and ::
 */
static bool listen_wildcard(const struct fwd_rule *r)
{
	const struct in_addr *v4 = inany_v4(&r->addr);

	if (r->flags & FWD_DUAL_STACK)
		return true;
	return v4 ? v4->s_addr == htonl(INADDR_ANY)
		  : IN6_IS_ADDR_UNSPECIFIED(&r->addr.a6);
}

/**
 * sock_bufs_max() - Give a datagram socket the largest buffers allowed
 * @s:		Socket
 *
 * Bursts from the remote wait in the receive buffer while we are busy with
 * other work: with the default size (net.core.rmem_default) they overflow
 * it long before the guest's side does. The kernel caps the request at
 * net.core.rmem_max and wmem_max, and only charges what is queued.
 */
void sock_bufs_max(int s)
{
	int big = INT_MAX;

	setsockopt(s, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	setsockopt(s, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
}

/**
 * listen_sock() - Open a socket listening on one port of a rule
 * @type:	SOCK_STREAM (bound and listening) or SOCK_DGRAM (bound)
 * @r:		Rule: address (or dual-stack wildcard) and device
 * @port:	Port to bind, host order
 * @freebind:	Set IP_FREEBIND or IPV6_FREEBIND (--freebind)
 *
 * Return: a non-blocking, close-on-exec socket, or -errno (-EADDRINUSE,
 *	   -ENODEV or -EPERM for the device, -EINVAL for a bad @type...)
 */
int listen_sock(int type, const struct fwd_rule *r, uint16_t port,
		bool freebind)
{
	int af = inany_is_v4(&r->addr) ? AF_INET : AF_INET6;
	int proto = type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
	union sockaddr_inany sa;
	socklen_t sl;
	int s, rc;

	if (type != SOCK_STREAM && type != SOCK_DGRAM)
		return -EINVAL;
	if ((r->flags & FWD_DUAL_STACK) && af != AF_INET6)
		return -EINVAL;
	s = socket(af, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	if (s < 0)
		return -errno;
	if (type == SOCK_DGRAM)
		sock_bufs_max(s);
	/* best effort: without it, answers leave from the kernel's choice */
	if (type == SOCK_DGRAM && listen_wildcard(r))
		pktinfo_enable(s, af);
	rc = listen_opts(s, type, af, r, freebind);
	if (rc)
		goto close_sock;
	sl = inany_to_sockaddr(&sa, &r->addr, port, listen_scope(r));
	if (bind(s, &sa.sa, sl) ||
	    (type == SOCK_STREAM && listen(s, LISTEN_BACKLOG))) {
		rc = -errno;
		goto close_sock;
	}
	return s;

close_sock:
	close(s);
	return rc;
}

/* epoll types of the listeners, by enum listen_side and protocol */
static const enum epoll_type listen_etype[2][2] = {
	[LISTEN_HOST] = {EPOLL_TYPE_TCP_LISTEN, EPOLL_TYPE_UDP_LISTEN},
	[LISTEN_NS] = {EPOLL_TYPE_TCP_LISTEN_NS, EPOLL_TYPE_UDP_LISTEN_NS},
};

/**
 * listen_req_init() - Describe one kind of forwarding listener
 * @q:		Set to the description, with listen_sock() opening sockets
 * @epfd:	epoll descriptor the sockets are added to
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @side:	LISTEN_HOST or LISTEN_NS
 * @netns_fd:	Namespace, for LISTEN_NS (ignored otherwise)
 * @freebind:	Set IP_FREEBIND or IPV6_FREEBIND (--freebind)
 */
void listen_req_init(struct listen_req *q, int epfd, uint8_t proto,
		     enum listen_side side, int netns_fd, bool freebind)
{
	*q = (struct listen_req){
		.epfd = epfd,
		.type = listen_etype[side == LISTEN_NS][proto == IPPROTO_UDP],
		.freebind = freebind,
		.proto = proto,
		.side = side,
		.netns_fd = side == LISTEN_NS ? netns_fd : -1,
		.sock = listen_sock,
	};
}

/**
 * listen_reg() - Open one socket of a port and register it with epoll
 * @q:		Where it is registered
 * @r:		Rule, or its copy for one family
 * @rule:	Index of the rule, for the epoll reference
 * @port:	Port
 *
 * Return: the socket, or -errno
 */
static int listen_reg(const struct listen_req *q, const struct fwd_rule *r,
		      unsigned int rule, uint16_t port)
{
	int type = r->proto == IPPROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
	listen_sock_fn sock = q->sock ? q->sock : listen_sock;
	int fd = sock(type, r, port, q->freebind), rc;

	if (fd < 0)
		return fd;
	rc = epref_ctl(q->epfd, EPOLL_CTL_ADD, q->type,
		       epref_listen(rule, port), fd, EPOLLIN);
	if (rc) {
		close(fd);
		return rc;
	}
	return fd;
}

/**
 * listen_family() - The wildcard rule of one family standing in for a
 *		     dual-stack rule
 * @r:		Dual-stack rule
 * @f:		Family
 * @one:	Set to @r on 0.0.0.0, or on :: with IPV6_V6ONLY
 */
static void listen_family(const struct fwd_rule *r, enum listen_fam f,
			  struct fwd_rule *one)
{
	*one = *r;
	one->flags &= (uint8_t)~FWD_DUAL_STACK;
	if (f == LISTEN_V4)
		inany_from_v4(&one->addr, (struct in_addr){htonl(INADDR_ANY)});
	else
		inany_from_v6(&one->addr, &in6addr_any);
}

/**
 * listen_open() - Open and register the sockets of one port of a rule
 * @q:		epoll descriptor and type, --freebind
 * @r:		Rule
 * @rule:	Index of @r in its table (at most 255: epoll reference)
 * @port:	Port, within @r
 * @ls:		Set to the sockets, and for a dual-stack rule to the reason
 *		a family isn't served
 *
 * A dual-stack rule whose socket can't be bound is tried as two sockets,
 * 0.0.0.0 and [::] with IPV6_V6ONLY: the port is served if either binds.
 *
 * Return: 0 if at least one socket is open, -errno otherwise (for a
 *	   dual-stack rule, the error of the dual-stack socket)
 */
int listen_open(const struct listen_req *q, const struct fwd_rule *r,
		unsigned int rule, uint16_t port, struct listen_socks *ls)
{
	struct fwd_rule one;
	int f, dual;

	ls->fd[LISTEN_V4] = ls->fd[LISTEN_V6] = -1;
	ls->err[LISTEN_V4] = ls->err[LISTEN_V6] = 0;
	if (rule >= FWD_MAX_RULES)
		return -EINVAL;
	dual = listen_reg(q, r, rule, port);
	if (dual >= 0 || !(r->flags & FWD_DUAL_STACK)) {
		ls->fd[0] = dual >= 0 ? dual : -1;
		return dual >= 0 ? 0 : dual;
	}
	for (f = 0; f < LISTEN_NFAM; f++) {
		listen_family(r, (enum listen_fam)f, &one);
		ls->fd[f] = listen_reg(q, &one, rule, port);
		if (ls->fd[f] < 0) {
			ls->err[f] = ls->fd[f];
			ls->fd[f] = -1;
		}
	}
	return ls->fd[LISTEN_V4] < 0 && ls->fd[LISTEN_V6] < 0 ? dual : 0;
}

static const char *const listen_fam_name[LISTEN_NFAM] = {"IPv4", "IPv6"};

/**
 * listen_gap_note() - Count and report a port served by one family only
 * @g:		Counters of the port's rule, NULL for none
 * @side:	"host" or "namespace", for the message
 * @r:		Rule
 * @port:	Port
 * @ls:		Its sockets, as listen_open() left them
 *
 * Warns for the first LISTEN_WARN_PORTS ports of each rule and family,
 * then only at debug level.
 */
void listen_gap_note(struct listen_gap *g, const char *side,
		     const struct fwd_rule *r, uint16_t port,
		     const struct listen_socks *ls)
{
	const char *proto = r->proto == IPPROTO_TCP ? "TCP" : "UDP";
	int f;

	for (f = 0; f < LISTEN_NFAM; f++) {
		unsigned int n;

		if (!ls->err[f] || ls->fd[!f] < 0)
			continue;
		n = g ? ++g->n[f] : 1;
		if (g)
			g->err[f] = ls->err[f];
		log_msg(n > LISTEN_WARN_PORTS ? LOG_LVL_DEBUG : LOG_LVL_WARN,
			"%s %s port %u: %s not bound (%s), %s only%s", side,
			proto, port, listen_fam_name[f], strerror(-ls->err[f]),
			listen_fam_name[!f],
			n == LISTEN_WARN_PORTS ? "; more such ports of this "
						 "rule at debug level"
					       : "");
	}
}

/**
 * listen_proto_name() - Name of a listener's protocol, for messages
 * @q:		Kind of listener
 *
 * Return: "TCP" or "UDP"
 */
static const char *listen_proto_name(const struct listen_req *q)
{
	return q->proto == IPPROTO_TCP ? "TCP" : "UDP";
}

/**
 * listen_side_name() - Where a listener is, for messages
 * @q:		Kind of listener
 *
 * Return: "host" or "namespace"
 */
static const char *listen_side_name(const struct listen_req *q)
{
	return q->side == LISTEN_NS ? "namespace" : "host";
}

/**
 * struct listen_one - Arguments of listen_one_fn()
 * @q:		Kind of listener
 * @r:		Rule
 * @rule:	Its index
 * @port:	Port
 * @ls:		Set to the sockets
 */
struct listen_one {
	const struct listen_req *q;
	const struct fwd_rule *r;
	unsigned int rule;
	uint16_t port;
	struct listen_socks *ls;
};

/**
 * listen_one_fn() - Inside the namespace: open one port's sockets
 * @arg:	struct listen_one
 *
 * Return: 0, or -errno
 */
static int listen_one_fn(void *arg)
{
	const struct listen_one *o = arg;

	return listen_open(o->q, o->r, o->rule, o->port, o->ls);
}

/**
 * listen_port() - Open and register the sockets of one port of a rule
 * @q:		Kind of listener: the namespace is entered for LISTEN_NS
 * @t:		Table
 * @rule:	Index of the rule in @t, of protocol @q->proto
 * @port:	Port, within the rule
 * @ls:		Set to the sockets (one, or one per family: listen_open())
 *
 * What the port scanner opens "auto" ports with: nothing is logged, the
 * caller decides what a failure means.
 *
 * Return: 0, or -errno if nothing could be opened (-EINVAL for a rule or
 *	   port not in @t, or of another protocol)
 */
int listen_port(const struct listen_req *q, const struct fwd_table *t,
		unsigned int rule, uint16_t port, struct listen_socks *ls)
{
	struct listen_one o = {q, NULL, rule, port, ls};

	ls->fd[LISTEN_V4] = ls->fd[LISTEN_V6] = -1;
	ls->err[LISTEN_V4] = ls->err[LISTEN_V6] = 0;
	if (!t || rule >= (unsigned int)t->n)
		return -EINVAL;
	o.r = &t->rules[rule];
	if (o.r->proto != q->proto || port < o.r->first || port > o.r->last)
		return -EINVAL;
	if (q->side != LISTEN_NS)
		return listen_one_fn(&o);
	return ns_call(q->netns_fd, listen_one_fn, &o);
}

/**
 * struct listen_run - Opening the static rules of a table, and what came of it
 * @q:		Kind of listener
 * @t:		Table
 * @gap:	Per rule of @t: ports served by one family only, NULL
 * @weak:	Best-effort rules of @q->proto met
 * @weak_bound:	Their ports that were bound
 * @weak_failed: Their ports that couldn't be bound
 * @weak_err:	The last error of those, -errno
 * @strict_err:	Error of the port of an explicit rule that couldn't be bound,
 *		which stopped the run, 0 if none
 * @strict_port: That port
 */
struct listen_run {
	const struct listen_req *q;
	const struct fwd_table *t;
	struct listen_gap *gap;
	unsigned int weak;
	unsigned int weak_bound;
	unsigned int weak_failed;
	int weak_err;
	int strict_err;
	uint16_t strict_port;
};

/**
 * listen_static() - Tell whether a rule's ports are opened at start
 * @r:		Rule
 * @proto:	Protocol being opened
 *
 * Return: true for a rule of @proto that isn't "auto"
 */
static bool listen_static(const struct fwd_rule *r, uint8_t proto)
{
	return r->proto == proto && !(r->flags & FWD_AUTO);
}

/**
 * listen_run_rule() - Open the ports of one rule
 * @run:	Run, counters updated
 * @rule:	Index of the rule
 *
 * Return: 0, or -errno if a port of an explicit rule couldn't be bound
 */
static int listen_run_rule(struct listen_run *run, unsigned int rule)
{
	const struct fwd_rule *r = &run->t->rules[rule];
	bool weak = r->flags & FWD_BEST_EFFORT;
	struct listen_socks ls;
	unsigned int p;
	int ret;

	run->weak += weak;
	for (p = r->first; p <= r->last; p++) {
		ret = listen_open(run->q, r, rule, (uint16_t)p, &ls);
		if (!ret) {
			listen_gap_note(run->gap ? &run->gap[rule] : NULL,
					listen_side_name(run->q), r,
					(uint16_t)p, &ls);
			if (run->q->rec)
				run->q->rec->fn(run->q->rec->arg, r->proto,
						rule, (uint16_t)p, &ls);
			run->weak_bound += weak;
			continue;
		}
		if (!weak) {
			run->strict_err = ret;
			run->strict_port = (uint16_t)p;
			return ret;
		}
		log_debug("%s %s port %u not bound: %s",
			  listen_side_name(run->q), listen_proto_name(run->q),
			  p, strerror(-ret));
		run->weak_failed++;
		run->weak_err = ret;
	}
	return 0;
}

/**
 * listen_run_all() - Open the ports of every static rule of the protocol
 * @arg:	struct listen_run
 *
 * Runs inside the namespace for LISTEN_NS. Stops at the first port of an
 * explicit rule that can't be bound.
 *
 * Return: 0 (the outcome is in @arg)
 */
static int listen_run_all(void *arg)
{
	struct listen_run *run = arg;
	int r;

	for (r = 0; r < run->t->n; r++) {
		if (listen_static(&run->t->rules[r], run->q->proto) &&
		    listen_run_rule(run, (unsigned int)r))
			break;
	}
	return 0;
}

/**
 * listen_verdict() - What a run means (compat.md 5.1), logged
 * @run:	The run, done
 *
 * Return: 0, or -errno if it must stop the start
 */
static int listen_verdict(const struct listen_run *run)
{
	const char *proto = listen_proto_name(run->q), *where = "";

	if (run->q->side == LISTEN_NS)
		where = " in the namespace";
	if (run->strict_err) {
		char held[DOCTOR_MSG_LEN] = "";
		struct doctor_port f;

		/* /proc/net shows our own namespace: the host side only */
		if (run->strict_err == -EADDRINUSE &&
		    run->q->side == LISTEN_HOST) {
			doctor_port_facts(run->q->proto == IPPROTO_TCP,
					  run->strict_port, &f);
			doctor_port(EADDRINUSE, &f, held, sizeof(held));
		}
		log_err("Listen failed for %s %s port %u: %s%s",
			listen_side_name(run->q), proto, run->strict_port,
			strerror(-run->strict_err), held);
		return run->strict_err;
	}
	if (run->weak && !run->weak_bound) {
		log_err("Couldn't bind any forwarded %s port%s: %s", proto,
			where, strerror(-run->weak_err));
		return run->weak_err ? run->weak_err : -EADDRINUSE;
	}
	if (run->weak_failed)
		log_warn("%u forwarded %s ports couldn't be bound%s (last: %s)",
			 run->weak_failed, proto, where,
			 strerror(-run->weak_err));
	return 0;
}

/**
 * listen_table() - Open the listeners of the static rules of a table
 * @q:		Kind of listener: protocol, side, epoll type
 * @t:		Table, NULL for none
 * @gap:	Per rule of @t: ports served by one family only (counted),
 *		NULL if not wanted
 *
 * Opens every port of every rule of protocol @q->proto that isn't "auto",
 * for LISTEN_NS in one entry into the namespace (none if there is no such
 * rule), and applies compat.md 5.1 (see the top of this file).
 *
 * Return: 0, or -errno if the start must fail (logged)
 */
int listen_table(const struct listen_req *q, const struct fwd_table *t,
		 struct listen_gap *gap)
{
	struct listen_run run = {.q = q, .t = t, .gap = gap};
	bool any = false;
	int r, rc;

	for (r = 0; t && r < t->n; r++)
		any |= listen_static(&t->rules[r], q->proto);
	if (!any)
		return 0;
	if (q->side != LISTEN_NS)
		rc = listen_run_all(&run);
	else if ((rc = ns_call(q->netns_fd, listen_run_all, &run)))
		log_err("Couldn't enter the namespace to listen: %s",
			strerror(-rc));
	return rc ? rc : listen_verdict(&run);
}

/**
 * listen_close() - Unregister and close one listening socket
 * @epfd:	epoll descriptor it was added to
 * @fd:		Socket
 */
void listen_close(int epfd, int fd)
{
	epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
}

/**
 * listen_reref() - Point a listener's epoll reference at another rule
 * @q:		Kind of listener it is
 * @fd:		Socket
 * @rule:	Index of its rule in the table now in force
 * @port:	Its port
 *
 * Return: 0, or -errno
 */
int listen_reref(const struct listen_req *q, int fd, unsigned int rule,
		 uint16_t port)
{
	return epref_ctl(q->epfd, EPOLL_CTL_MOD, q->type,
			 epref_listen(rule, port), fd, EPOLLIN);
}

/**
 * listen_gap_fmt() - The rule display's note on a rule's missing family
 * @g:		Counters of the rule
 * @r:		Rule
 * @buf:	Set to " (IPv4 not bound: REASON)", " (IPv6 not bound on N
 *		ports: REASON)" for some of a range or for "auto" ports, or
 *		"" if every port is served by both families
 * @len:	Size of @buf
 */
void listen_gap_fmt(const struct listen_gap *g, const struct fwd_rule *r,
		    char *buf, size_t len)
{
	unsigned int all = (unsigned int)(r->last - r->first) + 1;
	size_t used = 0;
	int f, n;

	if (len)
		*buf = '\0';
	for (f = 0; f < LISTEN_NFAM && used < len; f++) {
		if (!g->n[f])
			continue;
		if (g->n[f] == all && !(r->flags & FWD_AUTO))
			n = snprintf(buf + used, len - used,
				     " (%s not bound: %s)", listen_fam_name[f],
				     strerror(-g->err[f]));
		else
			n = snprintf(buf + used, len - used,
				     " (%s not bound on %u port%s: %s)",
				     listen_fam_name[f], g->n[f],
				     g->n[f] == 1 ? "" : "s",
				     strerror(-g->err[f]));
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/**
 * listen_peer_key() - Guest side of a flow from a peer of a listener
 * @nat:	Address translations
 * @l2:		Guest's addresses
 * @l2s:	... and those it was seen using
 * @r:		Rule of the listener
 * @port:	Listening port
 * @k:		Key whose @raddr and @rport are the peer on the host: set to
 *		what the guest sees, the peer's address translated, and the
 *		guest's address (the rule's target, or the guest's own, of
 *		the link-local scope for a link-local peer) and port
 *
 * Return: 0, -EAFNOSUPPORT if the peer's family is disabled, or
 *	   -EADDRNOTAVAIL if the peer can't be shown to the guest
 */
int listen_peer_key(const struct nat *nat, const struct l2_conf *l2,
		    const struct l2_state *l2s, const struct fwd_rule *r,
		    uint16_t port, struct flow_key *k)
{
	bool v4 = inany_is_v4(&k->raddr);
	union inany_addr seen6;
	int rc;

	if ((v4 && !l2->v4) || (!v4 && !l2->v6))
		return -EAFNOSUPPORT;
	inany_from_v6(&seen6, &l2s->addr6_seen);
	if ((rc = nat_inbound(nat, &k->raddr, v4 ? NULL : &seen6, &k->raddr)))
		return rc;
	if (r->taddr_set)
		k->gaddr = r->taddr;
	else if (v4)
		inany_from_v4(&k->gaddr, *l2_guest_addr4(l2, l2s));
	else
		inany_from_v6(&k->gaddr, l2_guest_dst6(l2, l2s, &k->raddr.a6));
	k->gport = fwd_rule_target(r, port);
	return 0;
}
