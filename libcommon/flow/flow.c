// SPDX-License-Identifier: GPL-2.0-or-later
/* flow.c - the flow table: small integer handles for connections and
 * datagram flows, typed, with two sides, one allocator for every transport,
 * found by the guest's 5-tuple through a keyed hash
 *
 * Theory of operation
 *
 * A flow is one TCP connection, one UDP "connection" (the datagrams between
 * one address and port and another) or one ICMP echo identifier, translated
 * between the guest and host sockets, or, in pasta, joined socket to socket
 * on the splice fast path. It is named by its index in the table, 0 to
 * FLOW_MAX - 1, and epoll references carry the same index. Its entry (struct
 * flow_entry) says what it is (enum flow_type, hence which transport owns
 * it), where it is in its life (enum flow_state), when it was made, and its
 * two sides (struct flow_side): the side that opened it (FLOW_INI) and the
 * side we opened for it (FLOW_TGT), each with the interface it is on (the
 * guest's tap, the host's sockets, the namespace's loopback), the address
 * and port of the other end there, and ours as that end sees it. This layer
 * knows nothing of TCP or UDP: each transport keeps its own state in an
 * array of FLOW_MAX entries indexed by the flow index, and nothing here
 * allocates memory.
 *
 * Life cycle (enum flow_state):
 *
 *   FREE --flow_alloc()--> NEW --flow_activate()--> ACTIVE
 *   NEW, ACTIVE --flow_free()--> CLOSED --flow_batch_end()--> FREE
 *
 * Every transport allocates with flow_alloc(), giving the type and, if the
 * flow is to be found by lookups, its key; it fills in its own state, then
 * flow_activate() records both sides. flow_free() is the transport's
 * release: the key leaves the hash at once (a new flow with the same key
 * may be allocated right away), but the index goes on a closed list, not
 * the free list. The event loop calls flow_batch_end() once per round of
 * events, after the last one: only then do closed indices become free.
 * Within one round, an index seen earlier (in an event of epoll_wait()'s
 * array, on a transport's end-of-batch list) can therefore never name a
 * different flow later, whatever was closed and opened in between. The
 * closed list is the only thing flow_batch_end() walks: nothing is done
 * per packet, and a round that closed nothing costs one comparison.
 * Released indices go to the head of the free list, the last one first,
 * so that they are reused while their transport state is still in cache.
 * Freeing a free or closed index does nothing, so a late duplicate close
 * cannot corrupt either list.
 *
 * Hash: the guest chooses its ports and the addresses it talks to, so with a
 * predictable hash it could pick thousands of keys that land in one bucket
 * and turn every lookup into a scan of the whole table. Keys are therefore
 * hashed with SipHash-2-4 under a 128-bit key drawn at random per process
 * (flow_init()): without the key, collisions cannot be built on purpose. The
 * whole key is hashed and compared as bytes; the padding is forced to zero
 * on a copy first, so junk in a caller's padding never makes two equal keys
 * differ. A key is the guest's view of its flow (struct flow_key); spliced
 * UDP flows hash a key of their own under protocol numbers no guest frame
 * carries, spliced TCP flows are never looked up and have none.
 *
 * Buckets: FLOW_HASH_SIZE (twice FLOW_MAX, a power of two) buckets holding a
 * flow index plus one, 0 meaning empty; open addressing with linear probing.
 * The load factor never exceeds one half, so a lookup inspects on average
 * at most 1.5 buckets when the key is present and 2.5 when it is not (Knuth's
 * estimates for linear probing at load 1/2), and a probe always ends at an
 * empty bucket. Deletion shifts the
 * following entries of the cluster back instead of leaving tombstones: the
 * table never degrades, however many flows come and go.
 */

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/siphash.h"
#include "flow/flow.h"

#define FLOW_HASH_MASK (FLOW_HASH_SIZE - 1)
#define FLOW_ADDR_STRLEN (INET6_ADDRSTRLEN + sizeof("[]:65535"))

_Static_assert((FLOW_HASH_SIZE & FLOW_HASH_MASK) == 0,
	       "FLOW_HASH_SIZE must be a power of two");
_Static_assert(offsetof(struct flow_entry, side) <= 64,
	       "a flow's counters share the first cache line of its entry");
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
	for (i = 0; i < FLOW_MAX; i++)
		t->entry[i].next = i + 1 < FLOW_MAX ? i + 1 : -1;
	t->free_head = 0;
	t->closed_head = -1;
	siphash24_key(t->sipkey, sipkey);
}

/**
 * flow_alloc() - Allocate a flow: FREE -> NEW
 * @t:		Flow table
 * @type:	What the flow is, not FLOW_TYPE_NONE
 * @k:		Key to find it by with flow_lookup(), copied (padding stored
 *		as zero); NULL for a flow that is never looked up
 *
 * The caller sets up its own state for the index, then calls
 * flow_activate(), or flow_free() if the set-up failed.
 *
 * Return: flow index, -EEXIST if the key has a flow, -ENOSPC if no index is
 * free (closed ones become free at the end of the batch), -EINVAL for a bad
 * type
 */
int flow_alloc(struct flow_table *t, enum flow_type type,
	       const struct flow_key *k)
{
	struct flow_entry *e;
	struct flow_key n;
	unsigned int b = 0;
	int32_t idx;

	if (type <= FLOW_TYPE_NONE || type >= FLOW_NUM_TYPES)
		return -EINVAL;
	if (k) {
		flow_key_norm(&n, k);
		b = flow_find_bucket(t, &n);
		if (t->hash[b])
			return -EEXIST;
	}

	idx = t->free_head;
	if (idx < 0) {
		t->alloc_fail++;
		return -ENOSPC;
	}

	e = &t->entry[idx];
	t->free_head = e->next;
	e->next = -1;
	e->type = (uint8_t)type;
	e->state = FLOW_STATE_NEW;
	e->created = e->last = clock_ms();
	if (k) {
		e->hashed = true;
		t->key[idx] = n;
		t->hash[b] = (uint32_t)idx + 1;
	}
	t->count++;
	t->by_type[type]++;
	if (t->count > t->peak)
		t->peak = t->count;
	return idx;
}

/**
 * flow_trace_counts() - Log what a closing flow carried (--trace)
 * @t:		Flow table
 * @idx:	Flow index, not free
 */
static void flow_trace_counts(const struct flow_table *t, int idx)
{
	const struct flow_entry *e = &t->entry[idx];

	log_trace("Flow %d carried %llu bytes in %llu packets ini->tgt, "
		  "%llu bytes in %llu packets tgt->ini", idx,
		  (unsigned long long)e->cnt[FLOW_INI_TO_TGT].bytes,
		  (unsigned long long)e->cnt[FLOW_INI_TO_TGT].packets,
		  (unsigned long long)e->cnt[FLOW_TGT_TO_INI].bytes,
		  (unsigned long long)e->cnt[FLOW_TGT_TO_INI].packets);
}

/**
 * flow_trace() - Log a flow's line with --trace (nothing is formatted
 *		  otherwise)
 * @t:		Flow table
 * @idx:	Flow index, not free
 */
static void flow_trace(const struct flow_table *t, int idx)
{
	char line[FLOW_FMT_MAX];

	if (log_get_level() < LOG_LVL_TRACE)
		return;
	flow_fmt(t, idx, clock_ms(), line, sizeof(line));
	log_trace("Flow %s", line);
	if (t->entry[idx].state == FLOW_STATE_CLOSED)
		flow_trace_counts(t, idx);
}

/**
 * flow_activate() - Record the sides of a flow set up: NEW -> ACTIVE
 * @t:		Flow table
 * @idx:	Flow index, NEW; any other state: nothing happens
 * @ini:	Side that opened the flow, copied
 * @tgt:	Side we opened for it, copied
 */
void flow_activate(struct flow_table *t, int idx, const struct flow_side *ini,
		   const struct flow_side *tgt)
{
	struct flow_entry *e;

	if (idx < 0 || idx >= FLOW_MAX)
		return;
	e = &t->entry[idx];
	if (e->state != FLOW_STATE_NEW)
		return;
	e->side[FLOW_INI] = *ini;
	e->side[FLOW_TGT] = *tgt;
	e->state = FLOW_STATE_ACTIVE;
	flow_trace(t, idx);
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
 * flow_free() - Release a flow: NEW or ACTIVE -> CLOSED
 * @t:		Flow table
 * @idx:	Flow index; out of range, free or closed: nothing happens
 *
 * The key leaves the hash now; the index becomes free at flow_batch_end().
 */
void flow_free(struct flow_table *t, int idx)
{
	struct flow_entry *e;
	unsigned int b;

	if (idx < 0 || idx >= FLOW_MAX)
		return;
	e = &t->entry[idx];
	if (e->state != FLOW_STATE_NEW && e->state != FLOW_STATE_ACTIVE)
		return;

	if (e->hashed) {
		b = flow_find_bucket(t, &t->key[idx]);
		if (t->hash[b] == (uint32_t)idx + 1)
			flow_unhash(t, b);
		memset(&t->key[idx], 0, sizeof(t->key[idx]));
		e->hashed = false;
	}
	e->state = FLOW_STATE_CLOSED;
	flow_trace(t, idx);
	e->next = t->closed_head;
	t->closed_head = idx;
	t->count--;
	t->by_type[e->type]--;
	t->nclosed++;
}

/**
 * flow_account() - Count what a flow carried one way, once per batch
 * @t:		Flow table
 * @idx:	Flow index; out of range or free: nothing happens
 * @dir:	FLOW_INI_TO_TGT or FLOW_TGT_TO_INI
 * @bytes:	Payload bytes handed to the other side
 * @packets:	Frames or datagrams that carried them (doc/flow.md)
 *
 * Also sets the flow's last activity to now. Transports call it where the
 * bytes leave us (written, framed, spliced), once for a whole batch.
 */
void flow_account(struct flow_table *t, int idx, unsigned int dir,
		  uint64_t bytes, uint64_t packets)
{
	flow_account_at(t, idx, dir, bytes, packets, clock_ms());
}

/**
 * flow_account_at() - flow_account() with the time given by the caller
 * @t:		Flow table
 * @idx:	Flow index; out of range or free: nothing happens
 * @dir:	FLOW_INI_TO_TGT or FLOW_TGT_TO_INI
 * @bytes:	Payload bytes handed to the other side
 * @packets:	Frames or datagrams that carried them
 * @now:	clock_ms(), read once by a caller counting many flows
 */
void flow_account_at(struct flow_table *t, int idx, unsigned int dir,
		     uint64_t bytes, uint64_t packets, uint64_t now)
{
	struct flow_entry *e;

	if ((unsigned int)idx >= FLOW_MAX || dir > FLOW_TGT_TO_INI)
		return;
	e = &t->entry[idx];
	if (e->state == FLOW_STATE_FREE)
		return;
	e->cnt[dir].bytes += bytes;
	e->cnt[dir].packets += packets;
	e->last = now;
}

/**
 * flow_dir_from() - Direction of data by the interface it came from
 * @t:		Flow table
 * @idx:	Flow index, in range
 * @from:	Interface of the side that sent the data (enum flow_if)
 *
 * A flow's two sides are on different interfaces: the initiating side's
 * means FLOW_INI_TO_TGT, any other FLOW_TGT_TO_INI.
 *
 * Return: FLOW_INI_TO_TGT or FLOW_TGT_TO_INI
 */
unsigned int flow_dir_from(const struct flow_table *t, int idx,
			   enum flow_if from)
{
	return t->entry[idx].side[FLOW_INI].pif == from ? FLOW_INI_TO_TGT :
							  FLOW_TGT_TO_INI;
}

/**
 * flow_account_from() - flow_account() by the interface the data came from
 * @t:		Flow table
 * @idx:	Flow index
 * @from:	Interface of the side that sent the data (flow_dir_from())
 * @bytes:	Payload bytes handed to the other side
 * @packets:	Frames or datagrams that carried them
 */
void flow_account_from(struct flow_table *t, int idx, enum flow_if from,
		       uint64_t bytes, uint64_t packets)
{
	if ((unsigned int)idx >= FLOW_MAX)
		return;
	flow_account(t, idx, flow_dir_from(t, idx, from), bytes, packets);
}

/**
 * flow_batch_end() - End of a round of events: closed flows become free
 * @t:		Flow table
 *
 * Walks the closed list only; costs one comparison if nothing was closed.
 * Closed indices go to the head of the free list, the last closed first.
 */
void flow_batch_end(struct flow_table *t)
{
	int32_t idx = t->closed_head, last = -1, next;

	if (idx < 0)
		return;
	/* Clear each entry, keeping the links; then the whole list goes on
	 * the free list's head as it is, the last one closed first
	 */
	while (idx >= 0) {
		struct flow_entry *e = &t->entry[idx];

		next = e->next;
		memset(e, 0, sizeof(*e));
		e->next = next;
		last = idx;
		idx = next;
	}
	t->entry[last].next = t->free_head;
	t->free_head = t->closed_head;
	t->closed_head = -1;
	t->nclosed = 0;
}

/**
 * flow_count() - Number of flows allocated and not closed
 * @t:		Flow table
 *
 * Return: flows in state NEW or ACTIVE, 0 to FLOW_MAX
 */
unsigned int flow_count(const struct flow_table *t)
{
	return t->count;
}

/**
 * flow_closed() - Number of flows closed in this batch, not yet free
 * @t:		Flow table
 *
 * flow_count() + flow_closed() indices are taken; flow_alloc() fails with
 * -ENOSPC when that is FLOW_MAX.
 *
 * Return: flows in state CLOSED
 */
unsigned int flow_closed(const struct flow_table *t)
{
	return t->nclosed;
}

/**
 * flow_key() - Key of a flow in the hash
 * @t:		Flow table
 * @idx:	Flow index
 *
 * Return: the stored key (padding zero), NULL if @idx is out of range, or
 * its flow is not in the hash (free, closed, or allocated without a key)
 */
const struct flow_key *flow_key(const struct flow_table *t, int idx)
{
	if (idx < 0 || idx >= FLOW_MAX || !t->entry[idx].hashed)
		return NULL;
	return &t->key[idx];
}

/**
 * flow_get() - Entry of a flow, read-only
 * @t:		Flow table
 * @idx:	Flow index
 *
 * Return: the entry, NULL if @idx is out of range or free
 */
const struct flow_entry *flow_get(const struct flow_table *t, int idx)
{
	if (idx < 0 || idx >= FLOW_MAX ||
	    t->entry[idx].state == FLOW_STATE_FREE)
		return NULL;
	return &t->entry[idx];
}

/**
 * flow_type() - Type of a flow
 * @t:		Flow table
 * @idx:	Flow index
 *
 * Return: enum flow_type, FLOW_TYPE_NONE if @idx is out of range or free
 */
enum flow_type flow_type(const struct flow_table *t, int idx)
{
	if (idx < 0 || idx >= FLOW_MAX)
		return FLOW_TYPE_NONE;
	return (enum flow_type)t->entry[idx].type;
}

/**
 * flow_foreach() - Visit every flow that isn't free, by index
 * @t:		Flow table
 * @fn:		Called for each, with @arg
 * @arg:	Caller's argument
 *
 * For the control socket and migration, not the data path: the scan stops
 * after the last flow in use, but may cover the whole table.
 *
 * Return: 0 once all were visited, or what @fn returned to stop
 */
int flow_foreach(const struct flow_table *t, flow_visit_fn fn, void *arg)
{
	unsigned int left = t->count + t->nclosed;
	int idx, ret;

	for (idx = 0; idx < FLOW_MAX && left; idx++) {
		const struct flow_entry *e = &t->entry[idx];

		if (e->state == FLOW_STATE_FREE)
			continue;
		left--;
		if ((ret = fn(t, idx, e, arg)))
			return ret;
	}
	return 0;
}

/**
 * flow_side_set() - Fill in one side of a flow
 * @s:		Side, all of it written
 * @pif:	Interface it is on
 * @peer:	Address of the other end there
 * @peer_port:	Its port
 * @ours:	Our address as it sees it, NULL or unspecified if the kernel
 *		chooses it: stored as the unspecified address of @peer's family
 * @our_port:	Our port, 0 if the kernel chooses it
 */
void flow_side_set(struct flow_side *s, enum flow_if pif,
		   const union inany_addr *peer, uint16_t peer_port,
		   const union inany_addr *ours, uint16_t our_port)
{
	const struct in_addr *o4 = ours ? inany_v4(ours) : NULL;

	memset(s, 0, sizeof(*s));
	s->pif = (uint8_t)pif;
	s->peer = *peer;
	s->peer_port = peer_port;
	s->our_port = our_port;
	if (ours && (o4 ? o4->s_addr != INADDR_ANY :
			  !IN6_IS_ADDR_UNSPECIFIED(&ours->a6)))
		s->ours = *ours;
	else if (inany_is_v4(peer))
		inany_from_v4(&s->ours, (struct in_addr){ INADDR_ANY });
}

/**
 * flow_side_tap() - The guest's side of a flow, from its guest-view key
 * @s:		Side, all of it written
 * @k:		Key: the guest's address and port, the remote one it sees
 */
void flow_side_tap(struct flow_side *s, const struct flow_key *k)
{
	flow_side_set(s, FLOW_IF_TAP, &k->gaddr, k->gport, &k->raddr,
		      k->rport);
}

/**
 * flow_type_str() - Name of a flow type
 * @type:	enum flow_type
 *
 * Return: constant string, "?" for an unknown value
 */
const char *flow_type_str(enum flow_type type)
{
	static const char *const name[FLOW_NUM_TYPES] = {
		[FLOW_TYPE_NONE] = "NONE",    [FLOW_TCP] = "TCP",
		[FLOW_TCP_SPLICE] = "TCP-splice", [FLOW_UDP] = "UDP",
		[FLOW_UDP_SPLICE] = "UDP-splice", [FLOW_PING4] = "ICMP",
		[FLOW_PING6] = "ICMPv6",
	};

	return (unsigned int)type < FLOW_NUM_TYPES ? name[type] : "?";
}

/**
 * flow_state_str() - Name of a flow state
 * @state:	enum flow_state
 *
 * Return: constant string, "?" for an unknown value
 */
const char *flow_state_str(enum flow_state state)
{
	static const char *const name[FLOW_NUM_STATES] = {
		[FLOW_STATE_FREE] = "FREE",	[FLOW_STATE_NEW] = "NEW",
		[FLOW_STATE_ACTIVE] = "ACTIVE", [FLOW_STATE_CLOSED] = "CLOSED",
	};

	return (unsigned int)state < FLOW_NUM_STATES ? name[state] : "?";
}

/**
 * flow_if_str() - Name of an interface of a flow side
 * @pif:	enum flow_if
 *
 * Return: constant string, "?" for an unknown value
 */
const char *flow_if_str(enum flow_if pif)
{
	static const char *const name[FLOW_NUM_IFS] = {
		[FLOW_IF_NONE] = "none", [FLOW_IF_TAP] = "tap",
		[FLOW_IF_HOST] = "host", [FLOW_IF_SPLICE] = "splice",
	};

	return (unsigned int)pif < FLOW_NUM_IFS ? name[pif] : "?";
}

/**
 * flow_addr_fmt() - Text form of an address and port: a.b.c.d:p, [v6]:p
 * @a:		Address
 * @port:	Port
 * @buf:	Buffer
 * @len:	Its size, at least FLOW_ADDR_STRLEN
 *
 * Return: @buf
 */
static const char *flow_addr_fmt(const union inany_addr *a, uint16_t port,
				 char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (!inany_ntop(a, ip, sizeof(ip)))
		snprintf(ip, sizeof(ip), "?");
	snprintf(buf, len, inany_is_v4(a) ? "%s:%u" : "[%s]:%u", ip, port);
	return buf;
}

/**
 * flow_fmt() - One line about a flow, for logs and listings
 * @t:		Flow table
 * @idx:	Flow index
 * @now:	Current time, clock_ms(), for the flow's age
 * @buf:	Buffer, always terminated
 * @len:	Its size
 *
 * "5 TCP ACTIVE 1.250s tap 192.0.2.2:40000 -> 203.0.113.1:80 =>
 * host 0.0.0.0:0 -> 203.0.113.1:80": index, type, state, age, then the
 * initiating side from its peer to us, and the target side from us to its
 * peer. A flow not yet active has no sides to show.
 *
 * Return: length of the whole line as snprintf() counts it, -ENOENT if
 * @idx is out of range or free
 */
int flow_fmt(const struct flow_table *t, int idx, uint64_t now, char *buf,
	     size_t len)
{
	const struct flow_entry *e = flow_get(t, idx);
	char a[FLOW_ADDR_STRLEN], b[FLOW_ADDR_STRLEN];
	char c[FLOW_ADDR_STRLEN], d[FLOW_ADDR_STRLEN];
	const struct flow_side *ini, *tgt;
	uint64_t age;
	int n;

	if (!e)
		return -ENOENT;
	age = now > e->created ? now - e->created : 0;
	n = snprintf(buf, len, "%d %s %s %llu.%03llus", idx,
		     flow_type_str((enum flow_type)e->type),
		     flow_state_str((enum flow_state)e->state),
		     (unsigned long long)(age / 1000),
		     (unsigned long long)(age % 1000));
	ini = &e->side[FLOW_INI];
	tgt = &e->side[FLOW_TGT];
	if (n < 0 || ini->pif == FLOW_IF_NONE)
		return n;
	return n + snprintf((size_t)n < len ? buf + n : NULL,
			    (size_t)n < len ? len - (size_t)n : 0,
			    " %s %s -> %s => %s %s -> %s",
			    flow_if_str((enum flow_if)ini->pif),
			    flow_addr_fmt(&ini->peer, ini->peer_port, a,
					  sizeof(a)),
			    flow_addr_fmt(&ini->ours, ini->our_port, b,
					  sizeof(b)),
			    flow_if_str((enum flow_if)tgt->pif),
			    flow_addr_fmt(&tgt->ours, tgt->our_port, c,
					  sizeof(c)),
			    flow_addr_fmt(&tgt->peer, tgt->peer_port, d,
					  sizeof(d)));
}
