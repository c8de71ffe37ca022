// SPDX-License-Identifier: GPL-2.0-or-later
/* checksum.c - Internet checksum (RFC 1071) for IPv4 headers and L4 over v4/v6
 *
 * The one's complement sum does not depend on byte order (RFC 1071 2(B)), so
 * csum_partial() adds the buffer 64 bits at a time in native order, counting
 * carries separately, folds the total to 16 bits and only then swaps it into
 * the value of big-endian 16-bit words that callers add to. Pseudo-headers of
 * RFC 768 / RFC 8200 section 8.1 are summed in front of the L4 bytes. Results
 * are in network byte order, ready to be stored into the header field as
 * they are.
 */

#include <arpa/inet.h>
#include <string.h>
#include <sys/uio.h>

#include "checksum.h"

/**
 * csum_load64() - Load 8 bytes at any alignment, native order
 * @p:		Bytes
 *
 * Return: the bytes as a native 64-bit value
 */
static inline uint64_t csum_load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/**
 * csum_native() - One's complement sum of a buffer in native byte order
 * @p:		Bytes
 * @len:	Their length
 *
 * Two 64-bit lanes, each with its own carry counter, keep the additions
 * independent; a trailing odd byte is padded with a zero byte after it,
 * which in native order puts it where a big-endian high byte belongs.
 *
 * Return: sum folded to 16 bits, in native order
 */
static uint16_t csum_native(const uint8_t *p, size_t len)
{
	uint64_t a = 0, b = 0, ca = 0, cb = 0, v, acc;
	uint32_t w32;
	uint16_t w16;

	for (; len >= 32; p += 32, len -= 32) {
		v = csum_load64(p);
		a += v;
		ca += a < v;
		v = csum_load64(p + 8);
		b += v;
		cb += b < v;
		v = csum_load64(p + 16);
		a += v;
		ca += a < v;
		v = csum_load64(p + 24);
		b += v;
		cb += b < v;
	}
	acc = (a & 0xffffffff) + (a >> 32) + (b & 0xffffffff) + (b >> 32) + ca +
	      cb;
	for (; len >= 8; p += 8, len -= 8) {
		v = csum_load64(p);
		acc += (v & 0xffffffff) + (v >> 32);
	}
	if (len & 4) {
		memcpy(&w32, p, sizeof(w32));
		acc += w32;
		p += 4;
	}
	if (len & 2) {
		memcpy(&w16, p, sizeof(w16));
		acc += w16;
		p += 2;
	}
	if (len & 1) {
		memcpy(&w16, (uint8_t[2]){*p, 0}, sizeof(w16));
		acc += w16;
	}

	acc = (acc & 0xffffffff) + (acc >> 32);
	acc = (acc & 0xffffffff) + (acc >> 32);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)acc;
}

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
	uint64_t acc = (uint64_t)ntohs(csum_native(buf, len)) + sum;

	return (uint32_t)((acc & 0xffffffff) + (acc >> 32));
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
	return csum_l4_ip4_len(src, dst, proto, l4, len, len);
}

/**
 * csum_l4_ip4_len() - Like csum_l4_ip4(), summing only part of the L4 bytes
 * @src:	Source address
 * @dst:	Destination address
 * @proto:	IP protocol number
 * @l4:		L4 bytes to sum
 * @sumlen:	How many of them (0: just the pseudo-header, for offload)
 * @len:	L4 length for the pseudo-header
 *
 * Return: checksum, network order
 */
uint16_t csum_l4_ip4_len(struct in_addr src, struct in_addr dst,
			 uint8_t proto, const void *l4, size_t sumlen,
			 size_t len)
{
	uint32_t s = ntohl(src.s_addr), d = ntohl(dst.s_addr);
	uint32_t sum = (s >> 16) + (s & 0xffff) + (d >> 16) + (d & 0xffff);

	sum += proto;
	sum += (uint32_t)len;
	return csum_fold(csum_partial(l4, sumlen, sum));
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
	return csum_l4_ip6_len(src, dst, proto, l4, len, len);
}

/**
 * csum_l4_ip6_len() - Like csum_l4_ip6(), summing only part of the L4 bytes
 * @src:	Source address
 * @dst:	Destination address
 * @proto:	Next header value
 * @l4:		L4 bytes to sum
 * @sumlen:	How many of them (0: just the pseudo-header, for offload)
 * @len:	L4 length for the pseudo-header
 *
 * Return: checksum, network order
 */
uint16_t csum_l4_ip6_len(const struct in6_addr *src,
			 const struct in6_addr *dst, uint8_t proto,
			 const void *l4, size_t sumlen, size_t len)
{
	uint32_t sum = 0;

	sum = csum_partial(src, 16, sum);
	sum = csum_partial(dst, 16, sum);
	sum += (uint32_t)(len >> 16);
	sum += (uint32_t)(len & 0xffff);
	sum += proto;
	return csum_fold(csum_partial(l4, sumlen, sum));
}

/**
 * csum_iov() - Complete the L4 checksum of a frame whose payload is scattered
 * @l4:		L4 header, its checksum field holding the pseudo-header sum
 * @hlen:	L4 header length
 * @iov:	Payload pieces
 * @n:		How many
 * @len:	Payload bytes, from the first piece on
 *
 * Return: the checksum, network order
 */
uint16_t csum_iov(const void *l4, size_t hlen, const struct iovec *iov,
		  unsigned int n, size_t len)
{
	uint32_t sum = csum_partial(l4, hlen, 0);
	size_t off = hlen;
	unsigned int i;

	for (i = 0; i < n && len; i++) {
		size_t l = len < iov[i].iov_len ? len : iov[i].iov_len;
		uint32_t p = csum_partial(iov[i].iov_base, l, 0);

		p = (p & 0xffff) + (p >> 16);
		p = (p & 0xffff) + (p >> 16);
		if (off & 1)	/* RFC 1071 2(B): odd offset, bytes swapped */
			p = ((p & 0xff) << 8) | (p >> 8);
		sum += p;
		off += l;
		len -= l;
	}
	return csum_fold(sum);
}
