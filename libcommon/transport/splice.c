// SPDX-License-Identifier: GPL-2.0-or-later
/* splice.c - pasta's loopback fast path: splice decision, namespace sockets
 *
 * Theory of operation: pasta's own sockets live in the host's network
 * namespace; the namespace side of a spliced connection needs a socket
 * created inside the namespace, and entering it takes a clone() (os/ns.c).
 * To keep that off the path of every new connection, spare sockets are made
 * in batches: one ns_call() fills every pool that was ever used back to
 * SPLICE_POOL_SIZE, and the transports top the pools up after they have
 * started their connect(), when a pool fell below half. A socket is not
 * bound to anything before it is used, so a spare one costs a descriptor
 * and nothing else.
 *
 * Which connections are spliced, and to where (compat.md 1.2):
 * - inbound (-t, -u): peers on a loopback address of the host, unless
 *   --no-splice; the target is the namespace's own address over its
 *   loopback interface, so that the namespace sees the connection coming
 *   from its own address and services bound to its 127.0.0.1 stay private;
 *   with --host-lo-to-ns-lo (implied by --splice-only) the target is
 *   127.0.0.1 or ::1 and the peer appears as loopback too. A rule with a
 *   target address is spliced only if that address is a loopback one.
 * - outbound (-T, -U): always spliced (there is no other path), to the
 *   host's 127.0.0.1 or ::1 of the peer's family, or the rule's target.
 *
 * Syscalls: socket, close, clone (ns_call), setns. (The -T/-U listeners
 * are opened by listen.c.)
 */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "os/ns.h"
#include "transport/splice.h"

/**
 * splice_is_loopback() - Tell whether an address is a loopback one
 * @a:		Address
 *
 * Return: true for 127.0.0.0/8 (RFC 1122 3.2.1.3 (g)) and ::1
 *	   (RFC 4291 2.5.3)
 */
bool splice_is_loopback(const union inany_addr *a)
{
	const struct in_addr *v4 = inany_v4(a);

	if (v4)
		return (ntohl(v4->s_addr) >> IN_CLASSA_NSHIFT) ==
		       IN_LOOPBACKNET;
	return IN6_IS_ADDR_LOOPBACK(&a->a6);
}

/**
 * splice_loopback() - Loopback address of a family
 * @dst:	Set to 127.0.0.1 or ::1
 * @v4:		IPv4
 */
static void splice_loopback(union inany_addr *dst, bool v4)
{
	if (v4)
		inany_from_v4(dst, (struct in_addr){htonl(INADDR_LOOPBACK)});
	else
		inany_from_v6(dst, &in6addr_loopback);
}

/**
 * splice_inbound_dst() - Target of a connection spliced into the namespace
 * @cfg:	Splicing configuration
 * @v4:		The peer is IPv4
 * @dst:	Set to the namespace's own address, or its loopback
 */
static void splice_inbound_dst(const struct splice_cfg *cfg, bool v4,
			       union inany_addr *dst)
{
	if (cfg->lo_to_lo) {
		splice_loopback(dst, v4);
		return;
	}
	if (v4 && cfg->ns_addr4.s_addr != htonl(INADDR_ANY))
		inany_from_v4(dst, cfg->ns_addr4);
	else if (!v4 && !IN6_IS_ADDR_UNSPECIFIED(&cfg->ns_addr6))
		inany_from_v6(dst, &cfg->ns_addr6);
	else
		splice_loopback(dst, v4); /* no address: nothing else to use */
}

/**
 * splice_decide() - Whether and where to splice a new connection or flow
 * @cfg:	Splicing configuration
 * @dir:	Direction: which side the listener is on
 * @r:		Forwarding rule of the listener
 * @peer:	Address of the peer that connected or sent
 * @dst:	Target address, set for SPLICE_YES (port: the rule's)
 *
 * Return: enum splice_verdict
 */
enum splice_verdict splice_decide(const struct splice_cfg *cfg,
				  enum splice_dir dir, const struct fwd_rule *r,
				  const union inany_addr *peer,
				  union inany_addr *dst)
{
	enum splice_verdict other = cfg->only ? SPLICE_REFUSE : SPLICE_NO;
	bool v4 = inany_is_v4(peer);

	if (dir == SPLICE_OUTBOUND) {
		if (r->taddr_set)
			*dst = r->taddr;
		else
			splice_loopback(dst, v4);
		return SPLICE_YES;
	}

	if (!cfg->enabled || !splice_is_loopback(peer))
		return other;
	if ((v4 && !cfg->v4) || (!v4 && !cfg->v6))
		return other;
	if (r->taddr_set) {
		if (!splice_is_loopback(&r->taddr))
			return other;
		*dst = r->taddr;
		return SPLICE_YES;
	}
	splice_inbound_dst(cfg, v4, dst);
	return SPLICE_YES;
}

/**
 * splice_socket() - A non-blocking socket of the namespace we are in
 * @type:	SOCK_STREAM or SOCK_DGRAM
 * @af:		AF_INET or AF_INET6
 *
 * Return: descriptor, or -errno
 */
int splice_socket(int type, int af)
{
	int s = socket(af, type | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP);

	return s < 0 ? -errno : s;
}

/**
 * splice_ns_init() - Set up empty pools
 * @s:		Pools
 * @netns_fd:	Namespace the sockets are made in
 */
void splice_ns_init(struct splice_ns *s, int netns_fd)
{
	memset(s, 0, sizeof(*s));
	s->netns_fd = netns_fd;
}

/**
 * splice_ns_fill() - Inside the namespace: fill every used pool
 * @arg:	struct splice_ns
 *
 * Return: 0, or -errno of the first socket that couldn't be made
 */
static int splice_ns_fill(void *arg)
{
	static const int types[2] = {SOCK_STREAM, SOCK_DGRAM};
	static const int afs[2] = {AF_INET, AF_INET6};
	struct splice_ns *s = arg;
	int t, f, fd;

	for (t = 0; t < 2; t++) {
		for (f = 0; f < 2; f++) {
			while (s->used[t][f] && s->n[t][f] < SPLICE_POOL_SIZE) {
				if ((fd = splice_socket(types[t], afs[f])) < 0)
					return fd;
				s->pool[t][f][s->n[t][f]++] = fd;
			}
		}
	}
	return 0;
}

/**
 * splice_ns_refill() - Top up the pools that fell below half
 * @s:		Pools
 */
void splice_ns_refill(struct splice_ns *s)
{
	bool low = false;
	int t, f, ret;

	for (t = 0; t < 2; t++)
		for (f = 0; f < 2; f++)
			low |= s->used[t][f] &&
			       s->n[t][f] < SPLICE_POOL_SIZE / 2;
	if (low && (ret = ns_call(s->netns_fd, splice_ns_fill, s)))
		log_debug("Couldn't refill namespace sockets: %s",
			  strerror(-ret));
}

/**
 * splice_ns_socket() - Take a socket of the namespace from a pool
 * @s:		Pools
 * @type:	SOCK_STREAM or SOCK_DGRAM
 * @af:		AF_INET or AF_INET6
 *
 * Takes the pool's last socket; an empty pool is filled first (the only
 * case where this enters the namespace).
 *
 * Return: non-blocking socket, or -errno
 */
int splice_ns_socket(struct splice_ns *s, int type, int af)
{
	int t = type == SOCK_DGRAM, f = af == AF_INET6, ret;

	s->used[t][f] = true;
	if (!s->n[t][f] && (ret = ns_call(s->netns_fd, splice_ns_fill, s)) &&
	    !s->n[t][f])
		return ret;
	return s->pool[t][f][--s->n[t][f]];
}
