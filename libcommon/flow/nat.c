// SPDX-License-Identifier: GPL-2.0-or-later
/* nat.c - the few address translations between guest and host
 *
 * Theory of operation: by default there is no NAT at all: the guest has the
 * host's own address, and its connections leave from the host's address to
 * the address the guest asked for. Four exceptions, per family, make the
 * host itself reachable and keep the guest's view consistent (compat.md 1.2):
 *
 * - host loopback: connections to --map-host-loopback (by default the
 *   gateway, unless --no-map-gw) go to 127.0.0.1 or ::1 on the host;
 * - the guest's own address: connections to --map-guest-addr go to the
 *   address the guest shares with the host, that is, to the host itself;
 * - DNS: connections to port 53 (and 853) of --dns-forward go to --dns-host;
 * - inbound: a peer on the host's loopback, or on the address the guest
 *   shares with the host, can't be shown to the guest as it is (the guest
 *   would answer itself), so it appears as the host-loopback address (or
 *   the gateway).
 *
 * These are pure functions of struct nat, filled once at start-up.
 */

#include <string.h>

#include "nat.h"

/**
 * nat_fam() - Translations for the family of an address
 * @n:		Translations
 * @a:		Address
 *
 * Return: the IPv4 or IPv6 half of @n
 */
const struct nat_fam *nat_fam(const struct nat *n, const union inany_addr *a)
{
	return inany_is_v4(a) ? &n->v4 : &n->v6;
}

/**
 * nat_loopback() - The loopback address of a family
 * @v4:		IPv4
 * @out:	Set to 127.0.0.1 or ::1
 */
static void nat_loopback(bool v4, union inany_addr *out)
{
	if (v4) {
		struct in_addr lo = { htonl(INADDR_LOOPBACK) };

		inany_from_v4(out, lo);
	} else {
		out->a6 = in6addr_loopback;
	}
}

/**
 * nat_outbound() - Where a connection from the guest goes on the host
 * @n:		Translations
 * @dst:	Destination address, as the guest sent it
 * @port:	Destination port
 * @host_dst:	Set to the destination address on the host
 * @host_port:	Set to the destination port on the host
 */
void nat_outbound(const struct nat *n, const union inany_addr *dst,
		  uint16_t port, union inany_addr *host_dst,
		  uint16_t *host_port)
{
	const struct nat_fam *f = nat_fam(n, dst);

	*host_dst = *dst;
	*host_port = port;

	if (f->dns_set && inany_equals(dst, &f->dns_fwd) &&
	    (port == NAT_DNS_PORT || port == NAT_DOT_PORT))
		*host_dst = f->dns_host;
	else if (f->host_lo_set && inany_equals(dst, &f->host_lo))
		nat_loopback(inany_is_v4(dst), host_dst);
	else if (f->map_guest_set && inany_equals(dst, &f->map_guest))
		*host_dst = f->guest;
}

/**
 * nat_inbound() - How a peer connecting from the host looks to the guest
 * @n:		Translations
 * @peer:	Peer address on the host
 * @seen:	Set to the source address the guest sees
 */
void nat_inbound(const struct nat *n, const union inany_addr *peer,
		 union inany_addr *seen)
{
	const struct nat_fam *f = nat_fam(n, peer);
	const struct in_addr *v4 = inany_v4(peer);
	bool lo;

	*seen = *peer;
	if (v4)
		lo = (ntohl(v4->s_addr) >> 24) == IN_LOOPBACKNET;
	else
		lo = IN6_IS_ADDR_LOOPBACK(&peer->a6);

	if (lo || inany_equals(peer, &f->guest))
		*seen = f->host_lo_set ? f->host_lo : f->gw;
}
