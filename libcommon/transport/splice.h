/* SPDX-License-Identifier: GPL-2.0-or-later */
/* splice.h - pasta's loopback fast path: what TCP and UDP splicing share
 *
 * Theory of operation: see doc/splice.md. A connection or datagram that
 * arrives on a forwarding listener from a loopback address is joined to a
 * socket of the other side (namespace or host) without any layer-2 work.
 * This header holds the parts both transports need: the decision whether
 * and where to splice (pure, unit-tested), and a pool of sockets created
 * inside the namespace ahead of time, so that a new connection does not
 * have to enter the namespace.
 */
#ifndef TRANSPORT_SPLICE_H
#define TRANSPORT_SPLICE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/inany.h"
#include "flow/fwd.h"
#include "transport/listen.h"

#define SPLICE_POOL_SIZE 32 /* spare namespace sockets per type, family */

/**
 * enum splice_dir - Which way a spliced connection or flow goes
 * @SPLICE_INBOUND:	Host loopback -> namespace (-t, -u)
 * @SPLICE_OUTBOUND:	Namespace loopback -> host loopback (-T, -U)
 */
enum splice_dir {
	SPLICE_INBOUND,
	SPLICE_OUTBOUND,
};

/**
 * enum splice_verdict - What to do with a new connection or flow
 * @SPLICE_NO:		Not for the fast path: translate through the tap
 * @SPLICE_YES:		Splice it, to the target address given
 * @SPLICE_REFUSE:	Neither: --splice-only and not from loopback, or the
 *			family is disabled
 */
enum splice_verdict {
	SPLICE_NO,
	SPLICE_YES,
	SPLICE_REFUSE,
};

/**
 * struct splice_cfg - What the splicing decision depends on
 * @enabled:	Splicing allowed (no --no-splice)
 * @only:	--splice-only: non-loopback sources are refused
 * @lo_to_lo:	--host-lo-to-ns-lo: inbound targets the namespace's loopback
 * @v4:		IPv4 enabled
 * @v6:		IPv6 enabled
 * @ns_addr4:	Namespace's IPv4 address (inbound target by default)
 * @ns_addr6:	Namespace's IPv6 address (inbound target by default)
 */
struct splice_cfg {
	bool enabled;
	bool only;
	bool lo_to_lo;
	bool v4;
	bool v6;
	struct in_addr ns_addr4;
	struct in6_addr ns_addr6;
};

/**
 * struct splice_ns - Sockets made inside the namespace, ahead of need
 * @netns_fd:	Namespace
 * @pool:	Spare sockets, by [0: stream, 1: datagram][0: IPv4, 1: IPv6]
 * @n:		Spare sockets in each pool
 * @used:	Pools that were asked for once: kept filled
 */
struct splice_ns {
	int netns_fd;
	int pool[2][2][SPLICE_POOL_SIZE];
	unsigned int n[2][2];
	bool used[2][2];
};

bool splice_is_loopback(const union inany_addr *a);
enum splice_verdict splice_decide(const struct splice_cfg *cfg,
				  enum splice_dir dir, const struct fwd_rule *r,
				  const union inany_addr *peer,
				  union inany_addr *dst);

void splice_ns_init(struct splice_ns *s, int netns_fd);
int splice_ns_socket(struct splice_ns *s, int type, int af);
void splice_ns_refill(struct splice_ns *s);
int splice_socket(int type, int af);

#endif /* TRANSPORT_SPLICE_H */
