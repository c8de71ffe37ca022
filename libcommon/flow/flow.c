// SPDX-License-Identifier: GPL-2.0-or-later
/* flow.c - the flow table: small integer handles for connections and
 * datagram flows, found by the guest's 5-tuple through a keyed hash
 *
 * Theory of operation
 *
 * A flow is one TCP connection, one UDP "connection" (the datagrams between
 * one guest address and port and one remote address and port) or one ICMP
 * echo identifier, as the guest sees it. Its key (struct flow_key) is the
 * guest's address and port, the remote address and port and the protocol;
 * IPv4 addresses are stored IPv4-mapped, so one key type covers both
 * families. A flow is named by its index in the table, 0 to FLOW_MAX - 1.
 * This layer knows nothing of TCP or UDP: each transport keeps its own state
 * in an array of FLOW_MAX entries indexed by the flow index, and epoll
 * references carry the same index.
 *
 * Life cycle: every index starts free, on a free list (lowest index first at
 * start-up; a freed index goes back to the head, so it is reused while its
 * transport state is still in cache). A transport allocates a flow when the
 * first packet of a new connection or datagram flow arrives from the guest,
 * or when one of its listening sockets accepts a connection (or receives a
 * datagram) for the guest; flow_alloc() stores the key and inserts it in the
 * hash. From then on, frames from the guest are matched with flow_lookup().
 * The transport frees the flow when the connection is closed or reset, or
 * when its timer says the flow expired; flow_free() takes the key out of the
 * hash and puts the index back on the free list. Freeing a free index does
 * nothing, so a late duplicate close cannot corrupt the free list.
 *
 * Hash: the guest chooses its ports and the addresses it talks to, so with a
 * predictable hash it could pick thousands of keys that land in one bucket
 * and turn every lookup into a scan of the whole table. Keys are therefore
 * hashed with SipHash-2-4 under a 128-bit key drawn at random per process
 * (flow_init()): without the key, collisions cannot be built on purpose. The
 * whole key is hashed and compared as bytes; the padding is forced to zero
 * on a copy first, so junk in a caller's padding never makes two equal keys
 * differ.
 *
 * Buckets: FLOW_HASH_SIZE (twice FLOW_MAX, a power of two) buckets holding a
 * flow index plus one, 0 meaning empty; open addressing with linear probing.
 * The load factor never exceeds one half, so a lookup inspects on average
 * at most 1.5 buckets when the key is present and 2.5 when it is not (Knuth's
 * estimates for linear probing at load 1/2), and a probe always ends at an
 * empty bucket. Deletion shifts the
 * following entries of the cluster back instead of leaving tombstones: the
 * table never degrades, however many flows come and go. Nothing here
 * allocates memory.
 */

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "base/siphash.h"
#include "flow/flow.h"

#define FLOW_HASH_MASK (FLOW_HASH_SIZE - 1)

_Static_assert((FLOW_HASH_SIZE & FLOW_HASH_MASK) == 0,
	       "FLOW_HASH_SIZE must be a power of two");
_Static_assert(FLOW_HASH_SIZE > FLOW_MAX,
	       "a probe ends at an empty bucket: more buckets than flows");
_Static_assert(sizeof(struct flow_key) ==
		       offsetof(struct flow_key, pad) +
			       sizeof(((struct flow_key *)0)->pad),
	       "struct flow_key must have no padding besides @pad");

/**
 * flow_key_norm() - Copy a key with its padding set to zero
 * @dst:	Normalised copy
 * @src:	Key from a caller, padding may hold anything
 */
static void flow_key_norm(struct flow_key *dst, const struct flow_key *src)
{
	*dst = *src;
	memset(dst->pad, 0, sizeof(dst->pad));
}

/**
 * flow_hash_norm() - Home bucket of a normalised key
 * @t:		Flow table
 * @k:		Key, padding already zero
 *
 * Return: bucket, 0 to FLOW_HASH_SIZE - 1
 */
static unsigned int flow_hash_norm(const struct flow_table *t,
				   const struct flow_key *k)
{
	return (unsigned int)(siphash24(t->sipkey, k, sizeof(*k)) &
			      FLOW_HASH_MASK);
}

/**
 * flow_bucket() - Home bucket of a key: where its probe sequence starts
 * @t:		Flow table
 * @k:		Key, padding ignored
 *
 * Return: bucket, 0 to FLOW_HASH_SIZE - 1
 */
unsigned int flow_bucket(const struct flow_table *t, const struct flow_key *k)
{
	struct flow_key n;

	flow_key_norm(&n, k);
	return flow_hash_norm(t, &n);
}

/**
 * flow_find_bucket() - Bucket holding a key, or the empty one ending its probe
 * @t:		Flow table
 * @k:		Key, padding already zero
 *
 * Return: bucket; t->hash[bucket] is 0 if the key is not in the table
 */
static unsigned int flow_find_bucket(const struct flow_table *t,
				     const struct flow_key *k)
{
	unsigned int b = flow_hash_norm(t, k), n;

	/* At most FLOW_MAX buckets are used, so an empty one always ends the
	 * probe; the bound only guards against a corrupted table.
	 */
	for (n = 0; n < FLOW_HASH_SIZE && t->hash[b]; n++) {
		uint32_t idx = t->hash[b] - 1;

		if (!memcmp(&t->key[idx], k, sizeof(*k)))
			break;
		b = (b + 1) & FLOW_HASH_MASK;
	}
	return b;
}

/**
 * flow_init() - Empty the table and set the key of its hash
 * @t:		Flow table
 * @sipkey:	SipHash key, SIPHASH_KEY_LEN random bytes
 */
void flow_init(struct flow_table *t, const uint8_t sipkey[16])
{
	int i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < FLOW_MAX - 1; i++)
		t->next_free[i] = i + 1;
	t->next_free[FLOW_MAX - 1] = -1;
	t->free_head = 0;
	siphash24_key(t->sipkey, sipkey);
}

/**
 * flow_alloc() - Allocate a flow for a new key
 * @t:		Flow table
 * @k:		Key, copied (padding stored as zero)
 *
 * Return: flow index, -EEXIST if the key has a flow, -ENOSPC if the table
 * is full
 */
int flow_alloc(struct flow_table *t, const struct flow_key *k)
{
	struct flow_key n;
	unsigned int b;
	int32_t idx;

	flow_key_norm(&n, k);
	b = flow_find_bucket(t, &n);
	if (t->hash[b])
		return -EEXIST;

	idx = t->free_head;
	if (idx < 0)
		return -ENOSPC;

	t->free_head = t->next_free[idx];
	t->next_free[idx] = -1;
	t->used[idx] = true;
	t->key[idx] = n;
	t->hash[b] = (uint32_t)idx + 1;
	t->count++;
	return idx;
}

/**
 * flow_lookup() - Find the flow of a key
 * @t:		Flow table
 * @k:		Key, padding ignored
 *
 * Return: flow index, -ENOENT if there is none
 */
int flow_lookup(const struct flow_table *t, const struct flow_key *k)
{
	struct flow_key n;
	unsigned int b;

	flow_key_norm(&n, k);
	b = flow_find_bucket(t, &n);
	return t->hash[b] ? (int)t->hash[b] - 1 : -ENOENT;
}

/**
 * flow_unhash() - Take a bucket out of the hash, shifting its cluster back
 * @t:		Flow table
 * @hole:	Bucket to empty
 *
 * Each following entry of the cluster moves into the hole unless that would
 * put it before its home bucket, that is, unless its home lies cyclically
 * in (hole, its position]. An entry whose distance from home is at least the
 * distance from the hole can move; the bucket it leaves is the new hole.
 */
static void flow_unhash(struct flow_table *t, unsigned int hole)
{
	unsigned int j = hole, n;

	for (n = 0; n < FLOW_HASH_SIZE; n++) {
		unsigned int home, dist_home, dist_hole;

		j = (j + 1) & FLOW_HASH_MASK;
		if (!t->hash[j])
			break;

		home = flow_hash_norm(t, &t->key[t->hash[j] - 1]);
		dist_home = (j - home) & FLOW_HASH_MASK;
		dist_hole = (j - hole) & FLOW_HASH_MASK;
		if (dist_home >= dist_hole) {
			t->hash[hole] = t->hash[j];
			hole = j;
		}
	}
	t->hash[hole] = 0;
}

/**
 * flow_free() - Release a flow: forget its key, put its index back
 * @t:		Flow table
 * @idx:	Flow index; out of range or already free: nothing happens
 */
void flow_free(struct flow_table *t, int idx)
{
	unsigned int b;

	if (idx < 0 || idx >= FLOW_MAX || !t->used[idx])
		return;

	b = flow_find_bucket(t, &t->key[idx]);
	if (t->hash[b] == (uint32_t)idx + 1)
		flow_unhash(t, b);

	memset(&t->key[idx], 0, sizeof(t->key[idx]));
	t->used[idx] = false;
	t->next_free[idx] = t->free_head;
	t->free_head = idx;
	t->count--;
}

/**
 * flow_count() - Number of flows allocated
 * @t:		Flow table
 *
 * Return: count, 0 to FLOW_MAX
 */
unsigned int flow_count(const struct flow_table *t)
{
	return t->count;
}

/**
 * flow_key() - Key of an allocated flow
 * @t:		Flow table
 * @idx:	Flow index
 *
 * Return: the stored key (padding zero), NULL if @idx is out of range or free
 */
const struct flow_key *flow_key(const struct flow_table *t, int idx)
{
	if (idx < 0 || idx >= FLOW_MAX || !t->used[idx])
		return NULL;
	return &t->key[idx];
}
