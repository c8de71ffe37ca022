/* SPDX-License-Identifier: GPL-2.0-or-later */
/* inany.h - one address type for IPv4 and IPv6: IPv4 as v4-mapped IPv6
 *
 * Theory of operation: flows, forwarding rules and lookups compare addresses
 * of both families with one memcmp() by storing IPv4 addresses as IPv4-mapped
 * IPv6 addresses (::ffff:a.b.c.d, RFC 4291 2.5.5.2). Conversions to and from
 * socket addresses live here too, so no caller writes a sockaddr by hand.
 */
#ifndef BASE_INANY_H
#define BASE_INANY_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

/**
 * union inany_addr - IPv6 address, or IPv4 as IPv4-mapped IPv6
 * @a6:		IPv6 view
 * @v4mapped:	IPv4 view: 10 zero bytes, 2 0xff bytes, the IPv4 address
 */
union inany_addr {
	struct in6_addr a6;
	struct {
		uint8_t zero[10];
		uint8_t one[2];
		struct in_addr a4;
	} v4mapped;
};

/**
 * union sockaddr_inany - Storage for an IPv4 or IPv6 socket address
 * @sa:		Generic view
 * @sa4:	IPv4
 * @sa6:	IPv6
 */
union sockaddr_inany {
	struct sockaddr sa;
	struct sockaddr_in sa4;
	struct sockaddr_in6 sa6;
};

/**
 * inany_v4() - IPv4 address of an inany, if it is one
 * @a:		Address
 *
 * Return: pointer to the IPv4 address, NULL for IPv6
 */
static inline const struct in_addr *inany_v4(const union inany_addr *a)
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return memcmp(a, prefix, sizeof(prefix)) ? NULL : &a->v4mapped.a4;
}

/**
 * inany_is_v4() - Tell whether an inany holds an IPv4 address
 * @a:		Address
 *
 * Return: true for IPv4
 */
static inline bool inany_is_v4(const union inany_addr *a)
{
	return inany_v4(a) != NULL;
}

/**
 * inany_from_v4() - Store an IPv4 address
 * @a:		Destination
 * @v4:		IPv4 address
 */
static inline void inany_from_v4(union inany_addr *a, struct in_addr v4)
{
	memset(a->v4mapped.zero, 0, sizeof(a->v4mapped.zero));
	memset(a->v4mapped.one, 0xff, sizeof(a->v4mapped.one));
	a->v4mapped.a4 = v4;
}

/**
 * inany_from_v6() - Store an IPv6 address
 * @a:		Destination
 * @v6:		IPv6 address
 */
static inline void inany_from_v6(union inany_addr *a, const struct in6_addr *v6)
{
	a->a6 = *v6;
}

/**
 * inany_equals() - Compare two addresses
 * @a:		First
 * @b:		Second
 *
 * Return: true if equal
 */
static inline bool inany_equals(const union inany_addr *a,
				const union inany_addr *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/**
 * inany_is_unspecified() - Check for 0.0.0.0 or ::
 * @a:		Address
 *
 * Return: true if unspecified
 */
static inline bool inany_is_unspecified(const union inany_addr *a)
{
	const struct in_addr *v4 = inany_v4(a);

	if (v4)
		return v4->s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&a->a6);
}

/**
 * inany_family() - Address family of an inany
 * @a:		Address
 *
 * Return: AF_INET or AF_INET6
 */
static inline int inany_family(const union inany_addr *a)
{
	return inany_is_v4(a) ? AF_INET : AF_INET6;
}

/**
 * inany_to_sockaddr() - Build a socket address
 * @sa:		Destination
 * @a:		Address
 * @port:	Port, host order
 * @scope:	IPv6 scope id (interface index), 0 if none
 *
 * Return: length of the socket address
 */
static inline socklen_t inany_to_sockaddr(union sockaddr_inany *sa,
					  const union inany_addr *a,
					  uint16_t port, uint32_t scope)
{
	const struct in_addr *v4 = inany_v4(a);

	memset(sa, 0, sizeof(*sa));
	if (v4) {
		sa->sa4.sin_family = AF_INET;
		sa->sa4.sin_addr = *v4;
		sa->sa4.sin_port = htons(port);
		return sizeof(sa->sa4);
	}
	sa->sa6.sin6_family = AF_INET6;
	sa->sa6.sin6_addr = a->a6;
	sa->sa6.sin6_port = htons(port);
	sa->sa6.sin6_scope_id = scope;
	return sizeof(sa->sa6);
}

/**
 * inany_from_sockaddr() - Read a socket address
 * @a:		Address, set
 * @port:	Port, set (host order), may be NULL
 * @sa:		Socket address
 *
 * Return: 0 on success, -EAFNOSUPPORT for another family
 */
static inline int inany_from_sockaddr(union inany_addr *a, uint16_t *port,
				      const union sockaddr_inany *sa)
{
	if (sa->sa.sa_family == AF_INET) {
		inany_from_v4(a, sa->sa4.sin_addr);
		if (port)
			*port = ntohs(sa->sa4.sin_port);
		return 0;
	}
	if (sa->sa.sa_family == AF_INET6) {
		/* a v4-mapped peer on a dual-stack socket stays IPv4 */
		a->a6 = sa->sa6.sin6_addr;
		if (port)
			*port = ntohs(sa->sa6.sin6_port);
		return 0;
	}
	return -EAFNOSUPPORT;
}

/**
 * inany_ntop() - Text form of an address
 * @a:		Address
 * @buf:	Buffer, INET6_ADDRSTRLEN bytes
 * @len:	Its size
 *
 * Return: @buf
 */
static inline const char *inany_ntop(const union inany_addr *a, char *buf,
				     size_t len)
{
	const struct in_addr *v4 = inany_v4(a);

	if (v4)
		return inet_ntop(AF_INET, v4, buf, (socklen_t)len);
	return inet_ntop(AF_INET6, &a->a6, buf, (socklen_t)len);
}

#endif /* BASE_INANY_H */
