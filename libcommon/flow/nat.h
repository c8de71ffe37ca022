/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nat.h - the few address translations between guest and host */
#ifndef FLOW_NAT_H
#define FLOW_NAT_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/inany.h"

#define NAT_DNS_PORT 53
#define NAT_DOT_PORT 853	/* DNS over TLS, RFC 7858 */

/**
 * struct nat_fam - Translations of one address family
 * @guest:	The guest's own address (the host's, shared)
 * @gw:		The guest's gateway
 * @self:	Our own address on the guest's link, where the host shows as
 *		a last resort: the gateway for IPv4, our link-local address
 *		(the source of our NDP and RA) for IPv6
 * @host_lo:	Guest-side address meaning the host's loopback
 * @host_lo_set: @host_lo is in use
 * @map_guest:	Guest-side address meaning the guest's own address on the host
 * @map_guest_set: @map_guest is in use
 * @dns_fwd:	Guest-side address of the resolver (--dns-forward)
 * @dns_host:	Where its DNS traffic really goes (--dns-host)
 * @dns_set:	@dns_fwd and @dns_host are in use
 * @out:	Source address of outbound sockets (-o)
 * @out_set:	@out is in use
 * @out_if:	Device outbound sockets are bound to, "" for none
 */
struct nat_fam {
	union inany_addr guest;
	union inany_addr gw;
	union inany_addr self;
	union inany_addr host_lo;
	bool host_lo_set;
	union inany_addr map_guest;
	bool map_guest_set;
	union inany_addr dns_fwd;
	union inany_addr dns_host;
	bool dns_set;
	union inany_addr out;
	bool out_set;
	char out_if[IFNAMSIZ];
};

/**
 * struct nat - Translations of both families
 * @v4:		IPv4
 * @v6:		IPv6
 */
struct nat {
	struct nat_fam v4;
	struct nat_fam v6;
};

const struct nat_fam *nat_fam(const struct nat *n, const union inany_addr *a);
void nat_outbound(const struct nat *n, const union inany_addr *dst,
		  uint16_t port, union inany_addr *host_dst,
		  uint16_t *host_port);
int nat_inbound(const struct nat *n, const union inany_addr *peer,
		const union inany_addr *guest_seen, union inany_addr *seen);

#endif /* FLOW_NAT_H */
