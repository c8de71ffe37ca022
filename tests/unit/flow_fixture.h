/* SPDX-License-Identifier: GPL-2.0-or-later */
/* flow_fixture.h - keys and the invariant check shared by the flow table's
 * tests (test_flow.c: keys and hash; test_flow_life.c: types, sides, life
 * cycle). Include after cmocka.h.
 */
#ifndef TESTS_FLOW_FIXTURE_H
#define TESTS_FLOW_FIXTURE_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>

#include "flow/flow.h"

/* Known key of the hash, so that tests can build collisions */
static const uint8_t test_sipkey[16] = {0x4e, 0x1f, 0x9a, 0x33, 0x07, 0xc2,
					0x58, 0xe1, 0x6d, 0x90, 0x2b, 0xa4,
					0x15, 0x77, 0xd8, 0x3c};

/* An address in text, IPv4 (stored IPv4-mapped) or IPv6 */
static inline union inany_addr test_addr(const char *s)
{
	union inany_addr a;
	struct in_addr a4;

	if (inet_pton(AF_INET, s, &a4) == 1) {
		inany_from_v4(&a, a4);
	} else {
		memset(&a, 0, sizeof(a));
		assert_int_equal(inet_pton(AF_INET6, s, &a.a6), 1);
	}
	return a;
}

/* An IPv4 key, addresses in text */
static inline void key_v4(struct flow_key *k, const char *g,
			  uint16_t gport, const char *r, uint16_t rport,
			  uint8_t proto)
{
	struct in_addr a;

	memset(k, 0, sizeof(*k));
	assert_int_equal(inet_pton(AF_INET, g, &a), 1);
	inany_from_v4(&k->gaddr, a);
	assert_int_equal(inet_pton(AF_INET, r, &a), 1);
	inany_from_v4(&k->raddr, a);
	k->gport = gport;
	k->rport = rport;
	k->proto = proto;
}

/* An IPv6 key, addresses in text */
static inline void key_v6(struct flow_key *k, const char *g,
			  uint16_t gport, const char *r, uint16_t rport,
			  uint8_t proto)
{
	struct in6_addr a;

	memset(k, 0, sizeof(*k));
	assert_int_equal(inet_pton(AF_INET6, g, &a), 1);
	inany_from_v6(&k->gaddr, &a);
	assert_int_equal(inet_pton(AF_INET6, r, &a), 1);
	inany_from_v6(&k->raddr, &a);
	k->gport = gport;
	k->rport = rport;
	k->proto = proto;
}

/* Key number @id of a family of distinct keys, both address families */
static inline void key_id(struct flow_key *k, uint32_t id)
{
	memset(k, 0, sizeof(*k));
	if (id & 1) {
		static const uint8_t g6[16] = {0x20, 0x01, 0x0d,
					       0xb8, [15] = 2};

		memcpy(&k->gaddr, g6, sizeof(g6));
		memcpy(&k->raddr, g6, sizeof(g6));
		k->raddr.a6.s6_addr[14] = (uint8_t)(id >> 16);
		k->raddr.a6.s6_addr[15] = 1;
	} else {
		struct in_addr a = {htonl(0xc0000202)}; /* 192.0.2.2 */

		inany_from_v4(&k->gaddr, a);
		a.s_addr = htonl(0xcb007100 | ((id >> 16) & 0xff));
		inany_from_v4(&k->raddr, a); /* 203.0.113.x */
	}
	k->gport = (uint16_t)(id & 0xffff);
	k->rport = 443;
	k->proto = (id >> 12) & 1 ? IPPROTO_UDP : IPPROTO_TCP;
}

/* The type a transport would give a flow of this key */
static inline enum flow_type key_type(const struct flow_key *k)
{
	switch (k->proto) {
	case IPPROTO_TCP:
		return FLOW_TCP;
	case IPPROTO_UDP:
		return FLOW_UDP;
	case IPPROTO_ICMP:
		return FLOW_PING4;
	case IPPROTO_ICMPV6:
		return FLOW_PING6;
	default:
		return FLOW_UDP_SPLICE;
	}
}

static inline int alloc_key(struct flow_table *t, const struct flow_key *k)
{
	return flow_alloc(t, key_type(k), k);
}

/* Everything the table promises, checked from its fields */
static inline void check_invariants(const struct flow_table *t)
{
	static bool seen[FLOW_MAX];
	unsigned int b, used = 0, keyed = 0, hashed = 0, nfree = 0, closed = 0;
	int32_t f;
	int i;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < FLOW_MAX; i++) {
		const struct flow_entry *e = &t->entry[i];

		used += e->state == FLOW_STATE_NEW ||
			e->state == FLOW_STATE_ACTIVE;
		keyed += e->hashed;
		/* only live flows are in the hash, only they have a type */
		if (e->hashed)
			assert_true(e->state == FLOW_STATE_NEW ||
				    e->state == FLOW_STATE_ACTIVE);
		assert_int_equal(e->type == FLOW_TYPE_NONE,
				 e->state == FLOW_STATE_FREE);
		assert_true(e->state < FLOW_NUM_STATES);
		assert_true(e->type < FLOW_NUM_TYPES);
	}
	assert_int_equal(used, flow_count(t));

	for (b = 0; b < FLOW_HASH_SIZE; b++) {
		unsigned int home, p;
		uint32_t idx;

		if (!t->hash[b])
			continue;
		idx = t->hash[b] - 1;
		assert_true(idx < FLOW_MAX);
		assert_true(t->entry[idx].hashed);
		assert_false(seen[idx]);
		seen[idx] = true;
		hashed++;
		/* No empty bucket between home and position: reachable */
		home = flow_bucket(t, &t->key[idx]);
		for (p = home; p != b; p = (p + 1) % FLOW_HASH_SIZE)
			assert_true(t->hash[p] != 0);
	}
	assert_int_equal(hashed, keyed);

	for (f = t->free_head; f >= 0; f = t->entry[f].next) {
		assert_true(f < FLOW_MAX);
		assert_int_equal(t->entry[f].state, FLOW_STATE_FREE);
		assert_false(seen[f]);
		seen[f] = true;
		nfree++;
		assert_true(nfree <= FLOW_MAX);
	}
	for (f = t->closed_head; f >= 0; f = t->entry[f].next) {
		assert_true(f < FLOW_MAX);
		assert_int_equal(t->entry[f].state, FLOW_STATE_CLOSED);
		assert_false(seen[f]);
		seen[f] = true;
		closed++;
		assert_true(closed <= FLOW_MAX);
	}
	assert_int_equal(closed, flow_closed(t));
	assert_int_equal(nfree + used + closed, FLOW_MAX);
}

#endif /* TESTS_FLOW_FIXTURE_H */
