/* SPDX-License-Identifier: GPL-2.0-or-later */
/* flow.h - the flow table: fixed-size, siphash lookup by the guest's 5-tuple
 *
 * Theory of operation: see flow.c. A flow is a small integer index; each
 * transport keeps its own per-flow state in an array of FLOW_MAX entries
 * indexed the same way, so this layer knows nothing about TCP or UDP.
 */
#ifndef FLOW_FLOW_H
#define FLOW_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "base/inany.h"

#define FLOW_MAX 8192			/* flows at most, all protocols */
#define FLOW_HASH_SIZE (FLOW_MAX * 2)	/* open addressing, load <= 50% */

/**
 * struct flow_key - What identifies a flow, as seen from the guest
 * @gaddr:	Guest-side address (the guest's own)
 * @raddr:	Remote address as the guest sees it
 * @gport:	Guest-side port
 * @rport:	Remote port as the guest sees it
 * @proto:	IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP(V6)
 * @pad:	Zero, so keys compare and hash as bytes
 */
struct flow_key {
	union inany_addr gaddr;
	union inany_addr raddr;
	uint16_t gport;
	uint16_t rport;
	uint8_t proto;
	uint8_t pad[3];
};

/**
 * struct flow_table - All flows
 * @key:	Keys, by flow index
 * @used:	Whether each index is allocated
 * @next_free:	Free list, by flow index (-1 terminated)
 * @free_head:	First free index, -1 if full
 * @hash:	Hash buckets: flow index + 1, 0 for empty
 * @sipkey:	Key of the hash function, random per process
 * @count:	Flows allocated
 */
struct flow_table {
	struct flow_key key[FLOW_MAX];
	bool used[FLOW_MAX];
	int32_t next_free[FLOW_MAX];
	int32_t free_head;
	uint32_t hash[FLOW_HASH_SIZE];
	uint64_t sipkey[2];
	unsigned int count;
};

void flow_init(struct flow_table *t, const uint8_t sipkey[16]);
int flow_alloc(struct flow_table *t, const struct flow_key *k);
int flow_lookup(const struct flow_table *t, const struct flow_key *k);
void flow_free(struct flow_table *t, int idx);
unsigned int flow_count(const struct flow_table *t);
const struct flow_key *flow_key(const struct flow_table *t, int idx);
unsigned int flow_bucket(const struct flow_table *t, const struct flow_key *k);

#endif /* FLOW_FLOW_H */
