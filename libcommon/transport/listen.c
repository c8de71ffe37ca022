// SPDX-License-Identifier: GPL-2.0-or-later
/* listen.c - open one listening socket for a port of a forwarding rule
 *
 * Theory of operation: a forwarding rule (flow/fwd.h) says where to listen;
 * this file turns one of its ports into a bound socket, and nothing else:
 * which ports to open, and what to do with a failure (fatal for explicit
 * ports, a warning for best-effort rules), is the caller's business. The
 * dual-stack wildcard is one IPv6 socket on :: with IPV6_V6ONLY off; any
 * other IPv6 address gets IPV6_V6ONLY on, so that a separate IPv4 rule on
 * the same port can coexist with it. Datagram sockets on a wildcard
 * address report the destination of each datagram (pktinfo.c), so that
 * answers leave from the address the peer sent to.
 *
 * Syscalls: socket, setsockopt, bind, listen, close (ioctl through
 * if_nametoindex() for a link-local address with a device).
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/inany.h"
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
