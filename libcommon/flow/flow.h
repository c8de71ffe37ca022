/* SPDX-License-Identifier: GPL-2.0-or-later */
/* flow.h - the flow table: typed entries with two sides, one allocator for
 *	    every transport, siphash lookup by the guest's 5-tuple
 *
 * Theory of operation: see flow.c and doc/flow.md. A flow is a small integer
 * index; its entry says what it is (type), where it is in its life (state)
 * and what its two sides are. Each transport keeps its own per-flow state in
 * an array of FLOW_MAX entries indexed the same way, so this layer knows
 * nothing of how TCP or UDP work.
 */
#ifndef FLOW_FLOW_H
#define FLOW_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/inany.h"

#define FLOW_MAX 8192			/* flows at most, all types */
#define FLOW_HASH_SIZE (FLOW_MAX * 2)	/* open addressing, load <= 50% */
#define FLOW_FMT_MAX 320		/* the longest flow_fmt() line fits */

/**
 * enum flow_type - What a flow is, hence which transport owns it
 * @FLOW_TYPE_NONE:	No flow (free entry)
 * @FLOW_TCP:		TCP connection of the guest, translated (tcp_*.c)
 * @FLOW_TCP_SPLICE:	pasta: TCP between loopback sockets (tcp_splice.c)
 * @FLOW_UDP:		UDP flow of the guest, translated (udp.c)
 * @FLOW_UDP_SPLICE:	pasta: UDP between loopback sockets (udp_splice.c)
 * @FLOW_PING4:		ICMP echo of the guest, through a ping socket (icmp.c)
 * @FLOW_PING6:		ICMPv6 echo of the guest, the same
 * @FLOW_NUM_TYPES:	Number of types, including FLOW_TYPE_NONE
 */
enum flow_type {
	FLOW_TYPE_NONE,
	FLOW_TCP,
	FLOW_TCP_SPLICE,
	FLOW_UDP,
	FLOW_UDP_SPLICE,
	FLOW_PING4,
	FLOW_PING6,
	FLOW_NUM_TYPES,
};

/**
 * enum flow_state - Where an entry is in its life (doc/flow.md)
 * @FLOW_STATE_FREE:	On the free list, may be allocated
 * @FLOW_STATE_NEW:	Allocated, its transport is setting it up
 * @FLOW_STATE_ACTIVE:	Set up: sides known, events and frames may name it
 * @FLOW_STATE_CLOSED:	Released by its transport, not reusable before the
 *			end of the batch of events (flow_batch_end())
 * @FLOW_NUM_STATES:	Number of states
 */
enum flow_state {
	FLOW_STATE_FREE,
	FLOW_STATE_NEW,
	FLOW_STATE_ACTIVE,
	FLOW_STATE_CLOSED,
	FLOW_NUM_STATES,
};

/**
 * enum flow_if - Which interface, or namespace, a side of a flow is on
 * @FLOW_IF_NONE:	Not set
 * @FLOW_IF_TAP:	The guest, through the tap device or qemu's socket:
 *			frames we build and parse
 * @FLOW_IF_HOST:	Sockets of our own (the host's) network namespace
 * @FLOW_IF_SPLICE:	pasta: sockets inside the guest's namespace, on its
 *			loopback (the splice fast path)
 * @FLOW_NUM_IFS:	Number of interfaces, including FLOW_IF_NONE
 */
enum flow_if {
	FLOW_IF_NONE,
	FLOW_IF_TAP,
	FLOW_IF_HOST,
	FLOW_IF_SPLICE,
	FLOW_NUM_IFS,
};

/* Sides of a flow: the one that opened it, and the one we opened for it */
#define FLOW_INI 0
#define FLOW_TGT 1

/**
 * struct flow_side - One side of a flow, as seen on its interface
 * @peer:	Address of the other end on this side (the guest on the tap
 *		side, the remote or local peer on a socket side)
 * @ours:	Our address as that end sees it; unspecified (0.0.0.0 or ::,
 *		in @peer's family) where the kernel chooses it
 * @peer_port:	Port of @peer (ICMP echo: the identifier)
 * @our_port:	Port of @ours, 0 where the kernel chooses it
 * @pif:	enum flow_if
 * @pad:	Zero
 */
struct flow_side {
	union inany_addr peer;
	union inany_addr ours;
	uint16_t peer_port;
	uint16_t our_port;
	uint8_t pif;
	uint8_t pad[3];
};

/**
 * struct flow_dir_count - What a flow carried one way (doc/flow.md)
 * @bytes:	Payload bytes handed to the other side: written to its
 *		socket, put in frames for the guest, spliced; each byte once,
 *		retransmissions not counted again
 * @packets:	Frames (tap side) or datagrams (UDP splice) that carried
 *		them; TCP splice: splice() moves into the target socket
 */
struct flow_dir_count {
	uint64_t bytes;
	uint64_t packets;
};

/* Directions of a flow's counters: struct flow_entry's @cnt */
#define FLOW_INI_TO_TGT 0
#define FLOW_TGT_TO_INI 1

/**
 * struct flow_entry - One flow: what it is, where in its life, its sides
 * @type:	enum flow_type, FLOW_TYPE_NONE while free
 * @state:	enum flow_state
 * @hashed:	The flow has a key in the hash (flow_lookup() finds it)
 * @pad:	Zero
 * @next:	Free list or closed list link, flow index, -1 at the end
 * @created:	clock_ms() at allocation
 * @last:	clock_ms() of the last data counted either way (@created
 *		until then)
 * @cnt:	[FLOW_INI_TO_TGT], [FLOW_TGT_TO_INI]: what it carried each way
 * @side:	Sides, [FLOW_INI] and [FLOW_TGT]; set by flow_activate()
 *
 * The counters come right after the header, so the data path's update
 * (flow_account()) touches the first 64 bytes of the entry only.
 */
struct flow_entry {
	uint8_t type;
	uint8_t state;
	bool hashed;
	uint8_t pad;
	int32_t next;
	uint64_t created;
	uint64_t last;
	struct flow_dir_count cnt[2];
	struct flow_side side[2];
};

/**
 * struct flow_key - What identifies a flow in the hash: for the guest's
 *		     flows, its 5-tuple as the guest sees it
 * @gaddr:	Guest-side address (the guest's own)
 * @raddr:	Remote address as the guest sees it
 * @gport:	Guest-side port
 * @rport:	Remote port as the guest sees it
 * @proto:	IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP(V6); other transports
 *		that hash their flows use numbers no guest frame carries
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
 * @entry:	Entries, by flow index
 * @key:	Keys of hashed flows, by flow index (zero for the others)
 * @free_head:	First free index, -1 if none is free
 * @closed_head: Closed list: indices released during this batch, last
 *		first, -1 if none
 * @hash:	Hash buckets: flow index + 1, 0 for empty
 * @sipkey:	Key of the hash function, random per process
 * @count:	Flows allocated and not closed (NEW or ACTIVE)
 * @nclosed:	Flows on the closed list
 * @by_type:	Flows allocated and not closed, by enum flow_type
 * @peak:	Highest @count since flow_init()
 * @alloc_fail:	flow_alloc() calls that found no free index (-ENOSPC)
 */
struct flow_table {
	struct flow_entry entry[FLOW_MAX];
	struct flow_key key[FLOW_MAX];
	int32_t free_head;
	int32_t closed_head;
	uint32_t hash[FLOW_HASH_SIZE];
	uint64_t sipkey[2];
	unsigned int count;
	unsigned int nclosed;
	unsigned int by_type[FLOW_NUM_TYPES];
	unsigned int peak;
	uint64_t alloc_fail;
};

/**
 * typedef flow_visit_fn - What flow_foreach() calls for each flow
 * @t:		Flow table
 * @idx:	Flow index
 * @e:		Its entry (not FREE)
 * @arg:	Caller's argument
 *
 * Return: 0 to go on, anything else to stop (flow_foreach() returns it)
 */
typedef int (*flow_visit_fn)(const struct flow_table *t, int idx,
			     const struct flow_entry *e, void *arg);

void flow_init(struct flow_table *t, const uint8_t sipkey[16]);
int flow_alloc(struct flow_table *t, enum flow_type type,
	       const struct flow_key *k);
void flow_activate(struct flow_table *t, int idx, const struct flow_side *ini,
		   const struct flow_side *tgt);
void flow_free(struct flow_table *t, int idx);
void flow_batch_end(struct flow_table *t);
void flow_account(struct flow_table *t, int idx, unsigned int dir,
		  uint64_t bytes, uint64_t packets);
void flow_account_at(struct flow_table *t, int idx, unsigned int dir,
		     uint64_t bytes, uint64_t packets, uint64_t now);
unsigned int flow_dir_from(const struct flow_table *t, int idx,
			   enum flow_if from);
void flow_account_from(struct flow_table *t, int idx, enum flow_if from,
		       uint64_t bytes, uint64_t packets);
int flow_lookup(const struct flow_table *t, const struct flow_key *k);
unsigned int flow_count(const struct flow_table *t);
unsigned int flow_closed(const struct flow_table *t);
const struct flow_key *flow_key(const struct flow_table *t, int idx);
const struct flow_entry *flow_get(const struct flow_table *t, int idx);
enum flow_type flow_type(const struct flow_table *t, int idx);
int flow_foreach(const struct flow_table *t, flow_visit_fn fn, void *arg);
unsigned int flow_bucket(const struct flow_table *t, const struct flow_key *k);

void flow_side_set(struct flow_side *s, enum flow_if pif,
		   const union inany_addr *peer, uint16_t peer_port,
		   const union inany_addr *ours, uint16_t our_port);
void flow_side_tap(struct flow_side *s, const struct flow_key *k);
const char *flow_type_str(enum flow_type type);
const char *flow_state_str(enum flow_state state);
const char *flow_if_str(enum flow_if pif);
int flow_fmt(const struct flow_table *t, int idx, uint64_t now, char *buf,
	     size_t len);

#endif /* FLOW_FLOW_H */
