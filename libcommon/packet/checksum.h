/* SPDX-License-Identifier: GPL-2.0-or-later */
/* checksum.h - Internet checksum (RFC 1071) for IPv4 headers and L4 over v4/v6 */
#ifndef PACKET_CHECKSUM_H
#define PACKET_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

struct iovec;

uint32_t csum_partial(const void *buf, size_t len, uint32_t sum);
uint16_t csum_fold(uint32_t sum);
uint16_t csum_ip4_header(const void *iph, size_t hlen);
uint16_t csum_l4_ip4(struct in_addr src, struct in_addr dst, uint8_t proto,
		     const void *l4, size_t len);
uint16_t csum_l4_ip6(const struct in6_addr *src, const struct in6_addr *dst,
		     uint8_t proto, const void *l4, size_t len);
uint16_t csum_l4_ip4_len(struct in_addr src, struct in_addr dst,
			 uint8_t proto, const void *l4, size_t sumlen,
			 size_t len);
uint16_t csum_l4_ip6_len(const struct in6_addr *src,
			 const struct in6_addr *dst, uint8_t proto,
			 const void *l4, size_t sumlen, size_t len);
uint16_t csum_iov(const void *l4, size_t hlen, const struct iovec *iov,
		  unsigned int n, size_t len);

#endif /* PACKET_CHECKSUM_H */
