// SPDX-License-Identifier: GPL-2.0-or-later
/* checksum.c - Internet checksum (RFC 1071) for IPv4 headers and L4 over v4/v6
 *
 * The sum is accumulated 16 bits at a time in a 32-bit (or wider) register
 * and folded at the end; pseudo-headers of RFC 768 / RFC 8200 section 8.1 are
 * summed in front of the L4 bytes. Results are in network byte order, ready
 * to be stored into the header field as they are.
 */

#include <arpa/inet.h>

#include "checksum.h"

/**
 * csum_partial() - Add a buffer to a running one's complement sum
 * @buf:	Bytes
 * @len:	Their length
 * @sum:	Sum so far
 *
 * Return: updated, unfolded sum
 */
uint32_t csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t acc = sum;

	while (len > 1) {
		acc += (uint32_t)(p[0] << 8 | p[1]);
		p += 2;
		len -= 2;
	}
	if (len)
		acc += (uint32_t)(p[0] << 8);

	while (acc >> 32)
		acc = (acc & 0xffffffff) + (acc >> 32);
	return (uint32_t)acc;
}

/**
 * csum_fold() - Fold a 32-bit sum into the final 16-bit checksum
 * @sum:	Unfolded sum
 *
 * Return: one's complement of the folded sum, network byte order
 */
uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/**
 * csum_ip4_header() - Checksum of an IPv4 header whose check field is zero
 * @iph:	Header
 * @hlen:	Header length in bytes
 *
 * Return: checksum, network order
 */
uint16_t csum_ip4_header(const void *iph, size_t hlen)
{
	return csum_fold(csum_partial(iph, hlen, 0));
}

/**
 * csum_l4_ip4() - Checksum of a UDP/TCP/ICMP payload with IPv4 pseudo-header
 * @src:	Source address
 * @dst:	Destination address
 * @proto:	IP protocol number
 * @l4:		L4 header and payload, with checksum field zeroed
 * @len:	Length of @l4
 *
 * Return: checksum, network order
 */
uint16_t csum_l4_ip4(struct in_addr src, struct in_addr dst, uint8_t proto,
		     const void *l4, size_t len)
{
	uint32_t sum = 0;

	sum = csum_partial(&src.s_addr, 4, sum);
	sum = csum_partial(&dst.s_addr, 4, sum);
	sum += proto;
	sum += (uint32_t)len;
	return csum_fold(csum_partial(l4, len, sum));
}

/**
 * csum_l4_ip6() - Checksum of an L4 payload with IPv6 pseudo-header
 * @src:	Source address
 * @dst:	Destination address
 * @proto:	Next header value (17 for UDP, 58 for ICMPv6)
 * @l4:		L4 header and payload, with checksum field zeroed
 * @len:	Length of @l4
 *
 * Return: checksum, network order
 */
uint16_t csum_l4_ip6(const struct in6_addr *src, const struct in6_addr *dst,
		     uint8_t proto, const void *l4, size_t len)
{
	uint32_t sum = 0;

	sum = csum_partial(src, 16, sum);
	sum = csum_partial(dst, 16, sum);
	sum += (uint32_t)(len >> 16);
	sum += (uint32_t)(len & 0xffff);
	sum += proto;
	return csum_fold(csum_partial(l4, len, sum));
}
