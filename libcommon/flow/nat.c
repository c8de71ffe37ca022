// SPDX-License-Identifier: GPL-2.0-or-later
/* nat.c - the few address translations between guest and host
 *
 * Theory of operation: by default there is no NAT at all: the guest has the
 * host's own address, and its connections leave from the host's address to
 * the address the guest asked for. A few exceptions, per family, make the
 * host itself reachable and keep the guest's view consistent (compat.md
 * 1.2):
 *
 * - host loopback: connections to --map-host-loopback (by default the
 *   gateway, unless --no-map-gw) go to 127.0.0.1 or ::1 on the host;
 * - the guest's own address: connections to --map-guest-addr go to the
 *   address the guest shares with the host, that is, to the host itself;
 * - DNS: connections to port 53 (and 853) of --dns-forward go to --dns-host;
 * - inbound, the other way round (upstream's nat_inbound(), 2025-2026): a
 *   peer on 127.0.0.1 or ::1 shows as --map-host-loopback, if set; a peer
 *   on the guest's own address as --map-guest-addr, if set; any other peer
 *   the guest couldn't answer as it is (a loopback address, the
 *   unspecified address, the guest's own address, configured or seen)
 *   shows as our own address on the guest's link: the gateway for IPv4
 *   (none: the peer is refused), our link-local address for IPv6. Every
 *   other peer shows as it is.
 *
 * Replies need no translation back: the flow keeps the socket or the peer's
 * real address (flow.h). These are pure functions of struct nat, filled
 * once at start-up, and of the guest address seen at the time.
 */

#include <errno.h>
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
 * nat_is_loopback() - Tell whether an address is a loopback one
 * @a:		Address
 *
 * Return: true for 127.0.0.0/8 (RFC 1122 3.2.1.3 (g)) and ::1
 */
static bool nat_is_loopback(const union inany_addr *a)
{
	const struct in_addr *v4 = inany_v4(a);

	if (v4)
		return (ntohl(v4->s_addr) >> IN_CLASSA_NSHIFT) ==
		       IN_LOOPBACKNET;
	return IN6_IS_ADDR_LOOPBACK(&a->a6);
}

/**
 * nat_is_unspecified() - Tell whether an address is 0.0.0.0 or ::
 * @a:		Address
 *
 * Return: true if it is
 */
static bool nat_is_unspecified(const union inany_addr *a)
{
	const struct in_addr *v4 = inany_v4(a);

	return v4 ? v4->s_addr == htonl(INADDR_ANY)
		  : IN6_IS_ADDR_UNSPECIFIED(&a->a6);
}

/**
 * nat_reachable() - Tell whether the guest can reach a host peer as it is
 * @f:		Translations of the peer's family
 * @peer:	Peer address on the host
 * @guest_seen:	Address the guest was seen using, NULL or unspecified if
 *		none
 *
 * Return: false for addresses that mean something else in the guest: a
 *	   loopback address, the unspecified address (on the wire, "this
 *	   host"), and the guest's own address
 */
static bool nat_reachable(const struct nat_fam *f,
			  const union inany_addr *peer,
			  const union inany_addr *guest_seen)
{
	if (nat_is_loopback(peer) || nat_is_unspecified(peer) ||
	    inany_equals(peer, &f->guest))
		return false;
	return !guest_seen || nat_is_unspecified(guest_seen) ||
	       !inany_equals(peer, guest_seen);
}

/**
 * nat_inbound() - How a peer connecting from the host looks to the guest
 * @n:		Translations
 * @peer:	Peer address on the host
 * @guest_seen:	Address of @peer's family the guest was seen using (its
 *		SLAAC address, say), NULL or unspecified if none
 * @seen:	Set to the source address the guest sees
 *
 * Return: 0, or -EADDRNOTAVAIL if there is no address to show the peer as
 *	   (an IPv4 peer the guest can't reach, and no gateway address)
 */
int nat_inbound(const struct nat *n, const union inany_addr *peer,
		const union inany_addr *guest_seen, union inany_addr *seen)
{
	const struct nat_fam *f = nat_fam(n, peer);
	union inany_addr lo;

	nat_loopback(inany_is_v4(peer), &lo);
	if (f->host_lo_set && inany_equals(peer, &lo))
		*seen = f->host_lo; /* 127.0.0.1 only: the inverse of outbound */
	else if (f->map_guest_set && inany_equals(peer, &f->guest))
		*seen = f->map_guest;
	else if (nat_reachable(f, peer, guest_seen))
		*seen = *peer;
	else if (!nat_is_unspecified(&f->self))
		*seen = f->self;
	else
		return -EADDRNOTAVAIL;
	return 0;
}
