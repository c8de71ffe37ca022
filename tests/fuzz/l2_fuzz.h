/* SPDX-License-Identifier: GPL-2.0-or-later */
/* l2_fuzz.h - common harness of the L2 responder fuzzers
 *
 * The input is the frame. Its last byte, when odd, also picks a reply buffer
 * smaller than L2_REPLY_MAX, allocated to the exact size so that
 * AddressSanitizer catches a single byte written past it; its bit 1 picks
 * the configuration of a guest following the host (a finite lease: T1, T2,
 * DHCPv6 lifetimes and old addresses given back) instead of the infinite
 * lease. Invariants: a reply
 * is a complete frame of 60 bytes or more within the buffer, from our MAC,
 * whose IP and L4 checksums verify; the configuration is never modified.
 */
#ifndef TESTS_L2_FUZZ_H
#define TESTS_L2_FUZZ_H

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packet/checksum.h"
#include "packet/frame.h"
#include "services/l2.h"

typedef enum l2_verdict (*l2_fuzz_fn)(const struct l2_conf *, struct pview,
				      struct l2_reply *);

/**
 * l2_fuzz_conf() - A realistic configuration: both families, DNS, search
 * @c:		Filled
 */
static inline void l2_fuzz_conf(struct l2_conf *c)
{
	static const uint8_t mac[6] = {0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55};

	memset(c, 0, sizeof(*c));
	memcpy(c->our_mac, mac, 6);
	c->v4 = true;
	inet_pton(AF_INET, "192.0.2.10", &c->addr4);
	c->prefix4 = 24;
	inet_pton(AF_INET, "192.0.2.1", &c->gw4);
	inet_pton(AF_INET, "192.0.2.53", &c->dns4[0]);
	inet_pton(AF_INET, "198.51.100.53", &c->dns4[1]);
	c->dns4_n = 2;
	c->v6 = true;
	inet_pton(AF_INET6, "2001:db8::10", &c->addr6);
	c->prefix6 = 64;
	inet_pton(AF_INET6, "fe80::1", &c->gw6);
	inet_pton(AF_INET6, "fe80::1", &c->our_ll6);
	inet_pton(AF_INET6, "2001:db8::53", &c->dns6[0]);
	c->dns6_n = 1;
	snprintf(c->search[0], sizeof(c->search[0]), "%s", "example.test");
	snprintf(c->search[1], sizeof(c->search[1]), "%s",
		 "corp.example.test.");
	c->search_n = 2;
	snprintf(c->hostname, sizeof(c->hostname), "%s", "guest");
	snprintf(c->fqdn, sizeof(c->fqdn), "%s", "guest.example.test");
	c->mtu = 65520;
}

/**
 * l2_fuzz_check_reply() - Check that a reply is a well-formed frame
 * @c:		Configuration
 * @f:		Reply
 * @len:	Its length
 */
static inline void l2_fuzz_check_reply(const struct l2_conf *c,
				       const uint8_t *f, size_t len)
{
	struct frame_eth eth;
	struct frame_ip ip;
	const void *l4;

	if (!frame_eth_parse(pview_make(f, len), &eth) ||
	    memcmp(eth.src, c->our_mac, 6))
		abort();
	if (eth.type == FRAME_ETH_IP4) {
		if (!frame_ip4_parse(eth.payload, &ip) || !ip.ok)
			abort();
		l4 = pview_get(ip.l4, 0, ip.l4.len);
		if (csum_l4_ip4(ip.src4, ip.dst4, ip.proto, l4, ip.l4.len))
			abort();
	} else if (eth.type == FRAME_ETH_IP6) {
		if (!frame_ip6_parse(eth.payload, &ip) || !ip.ok ||
		    ip.hop != 255)
			abort();
		l4 = pview_get(ip.l4, 0, ip.l4.len);
		if (csum_l4_ip6(&ip.src6, &ip.dst6, ip.proto, l4, ip.l4.len))
			abort();
	} else if (eth.type != FRAME_ETH_ARP) {
		abort();
	}
}

/**
 * l2_fuzz_one() - Feed one input to a responder and check the invariants
 * @fn:		Responder
 * @data:	Input
 * @size:	Its length
 *
 * Return: 0
 */
static inline int l2_fuzz_one(l2_fuzz_fn fn, const uint8_t *data, size_t size)
{
	static struct l2_conf confs[2], copy[2];
	size_t cap = L2_REPLY_MAX, i = size && (data[size - 1] & 2);
	struct l2_conf *cp = &confs[i];
	struct l2_reply r;
	enum l2_verdict v;

	if (!cp->v4) {
		l2_fuzz_conf(cp);
		if (i) {
			cp->lease = 3600;
			inet_pton(AF_INET, "192.0.2.9", &cp->addr4_prev);
		}
		copy[i] = *cp;
	}
	if (size && (data[size - 1] & 1))
		cap = (size_t)data[size - 1] * 5 % L2_REPLY_MAX;

	r.buf = malloc(cap ? cap : 1);
	r.cap = cap;
	r.len = 12345;
	if (!r.buf)
		abort();
	v = fn(cp, pview_make(data, size), &r);
	if (v == L2_REPLY) {
		if (r.len < L2_ETH_MIN_FRAME || r.len > cap)
			abort();
		l2_fuzz_check_reply(cp, r.buf, r.len);
	} else if (r.len || (v != L2_DROP && v != L2_NOT_MINE &&
				   v != L2_TAKEN)) {
		abort();
	}
	if (memcmp(cp, &copy[i], sizeof(*cp)))
		abort();
	free(r.buf);
	return 0;
}

#endif /* TESTS_L2_FUZZ_H */
