// SPDX-License-Identifier: GPL-2.0-or-later
/* listen.c - open the listening sockets of a port of a forwarding rule
 *
 * Theory of operation: a forwarding rule (flow/fwd.h) says where to listen;
 * this file turns one of its ports into bound sockets registered with
 * epoll, and nothing else: which ports to open, and what to do with a
 * failure (fatal for explicit ports, a warning for best-effort rules), is
 * the caller's business. The dual-stack wildcard is one IPv6 socket on ::
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
 * through if_nametoindex() for a link-local address with a device).
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
	int fd = listen_sock(type, r, port, q->freebind), rc;

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
		    const struct fwd_rule *r, uint16_t port, struct flow_key *k)
{
	bool v4 = inany_is_v4(&k->raddr);
	union inany_addr seen6;
	int rc;

	if ((v4 && !l2->v4) || (!v4 && !l2->v6))
		return -EAFNOSUPPORT;
	inany_from_v6(&seen6, &l2->addr6_seen);
	if ((rc = nat_inbound(nat, &k->raddr, v4 ? NULL : &seen6, &k->raddr)))
		return rc;
	if (r->taddr_set)
		k->gaddr = r->taddr;
	else if (v4)
		inany_from_v4(&k->gaddr, l2->addr4);
	else
		inany_from_v6(&k->gaddr, l2_guest_dst6(l2, &k->raddr.a6));
	k->gport = fwd_rule_target(r, port);
	return 0;
}
