/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp_types.h - TCP translation: state of connections and of the engine
 *
 * The types every layer of the TCP engine works on (doc/tcp.md): a
 * connection (struct tcp_conn, one per flow index) and the engine
 * (struct tcp_ctx), which the loop's context holds by value, hence its
 * definition here rather than behind an opaque pointer. No functions but
 * sequence number arithmetic: each layer declares its own in its header
 * (tcp_sock.h, tcp_data.h, tcp_conn.h; tcp.h for the public ones).
 */
#ifndef TRANSPORT_TCP_TYPES_H
#define TRANSPORT_TCP_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "base/log.h"
#include "flow/flow.h"
#include "flow/fwd.h"
#include "flow/nat.h"
#include "packet/ip.h"
#include "packet/sink.h"
#include "services/l2.h"

struct tcp_splice_ctx;

#define TCP_MAX_FRAMES 64	/* frames per burst from one socket */
#define TCP_DATA_BURSTS 4	/* bursts per socket event */
#define TCP_WS_OURS 8		/* scale of the window we advertise */
#define TCP_MSS_GUEST_DEFAULT 536	/* RFC 9293 3.7.1, when the guest sends none */

/**
 * enum tcp_state - Where a connection is in its life
 * @TCP_ST_FREE:		No connection (flow index unused by TCP)
 * @TCP_ST_CONNECTING:	Guest sent SYN, host socket connecting
 * @TCP_ST_SYNACK_SENT:	Host socket connected, SYN-ACK sent to the guest
 * @TCP_ST_SYN_SENT:	Inbound: socket accepted, SYN sent to the guest
 * @TCP_ST_ESTABLISHED:	Data both ways; half-closes are tracked in flags
 * @TCP_ST_FROZEN:	Established, moving to another passt (live
 *			migration): the socket takes nothing, is out of
 *			epoll, and nothing is sent to the guest
 */
enum tcp_state {
	TCP_ST_FREE,
	TCP_ST_CONNECTING,
	TCP_ST_SYNACK_SENT,
	TCP_ST_SYN_SENT,
	TCP_ST_ESTABLISHED,
	TCP_ST_FROZEN,
};

/**
 * enum tcp_conn_flag - Events of an established connection
 * @TCP_GUEST_FIN:	Guest sent FIN: socket shut down for writing
 * @TCP_SOCK_EOF:	Socket read end-of-file (peer sent FIN)
 * @TCP_FIN_SENT:	FIN sent to the guest
 * @TCP_FIN_ACKED:	Guest acknowledged our FIN
 * @TCP_ACK_PENDING:	An ACK is due to the guest at the end of the batch
 * @TCP_PARTIAL:	A write to the socket was short: the guest must
 *			retransmit once the socket has room again
 * @TCP_WS_OK:		Both sides sent window scale options
 * @TCP_WND_CHECK:	Window to the guest was too small: the timer checks
 *			whether it grew
 * @TCP_DISCARD_PENDING: Acknowledged bytes wait to be dropped from the
 *			socket at the end of the batch (@discard)
 * @TCP_LISTED:		The connection is on the end-of-batch list, at
 *			@pslot
 * @TCP_WRITE_PENDING:	Guest data waits in the write queue (@wpend bytes),
 *			written to the socket at the end of the batch
 * @TCP_SOCK_RDHUP:	The socket reported the peer's FIN (EPOLLRDHUP): a
 *			peek that drains it is followed by one that finds
 *			the end of file, as no new event will come
 * @TCP_SINK_WAIT:	The sink had no room for data the socket holds: the
 *			socket is polled again once it has (tcp_sink_ready())
 */
enum tcp_conn_flag {
	TCP_GUEST_FIN = 1 << 0,
	TCP_SOCK_EOF = 1 << 1,
	TCP_FIN_SENT = 1 << 2,
	TCP_FIN_ACKED = 1 << 3,
	TCP_ACK_PENDING = 1 << 4,
	TCP_PARTIAL = 1 << 5,
	TCP_WS_OK = 1 << 6,
	TCP_WND_CHECK = 1 << 7,
	TCP_DISCARD_PENDING = 1 << 8,
	TCP_LISTED = 1 << 9,
	TCP_WRITE_PENDING = 1 << 10,
	TCP_SOCK_RDHUP = 1 << 11,
	TCP_SINK_WAIT = 1 << 12,
};

/**
 * struct tcp_conn - One translated connection
 * @sock:	Host socket, -1 if none
 * @state:	enum tcp_state
 * @flags:	enum tcp_conn_flag bits
 * @ev:		epoll events currently registered for @sock
 * @hdr:	Addresses, ports and MACs of frames to the guest
 * @mss:	Largest payload we send to the guest
 * @ws_guest:	Scale of the guest's window
 * @ws_ours:	Scale of the window we advertise (TCP_WS_OURS, unless the
 *		connection came from another passt: see tcp_migrate.c)
 * @dup_acks:	Duplicate ACKs seen from the guest
 * @retries:	Retransmissions without progress
 * @pslot:	Its entry in the end-of-batch list, if TCP_LISTED
 * @snd_una:	Oldest sequence number sent to the guest, not acknowledged
 * @snd_nxt:	Next sequence number to send to the guest
 * @snd_max:	Past the highest data byte ever sent to the guest: what
 *		comes before it again is a retransmission (flow counters)
 * @wnd_guest:	Guest's receive window, bytes
 * @rcv_nxt:	Next sequence number expected from the guest
 * @wnd_adv:	Window last advertised to the guest, bytes
 * @deadline:	Timer deadline, milliseconds (monotonic), 0 if none
 * @rto:	Current retransmission timeout, milliseconds
 * @last_act:	Last activity, milliseconds, for idle timeouts
 * @sndbuf:	SO_SNDBUF of @sock, fixed at creation (locked by setting it)
 * @discard:	Bytes acknowledged by the guest, not yet dropped from @sock
 * @wpend:	Bytes from the guest in the write queue, after @rcv_nxt
 * @outq_max:	Upper bound of the bytes in @sock's send queue: SIOCOUTQ at
 *		the last look, plus everything written since
 * @ooo_slots:	Slots of the out-of-order pool holding its payload
 */
struct tcp_conn {
	int sock;
	uint8_t state;
	uint16_t flags;
	uint32_t ev;
	struct tcp_frame_hdr hdr;
	uint16_t mss;
	uint8_t ws_guest;
	uint8_t ws_ours;
	uint8_t dup_acks;
	uint8_t retries;
	uint16_t pslot;
	uint32_t snd_una;
	uint32_t snd_nxt;
	uint32_t snd_max;
	uint32_t wnd_guest;
	uint32_t rcv_nxt;
	uint32_t wnd_adv;
	uint64_t deadline;
	uint32_t rto;
	uint64_t last_act;
	uint32_t sndbuf;
	uint32_t discard;
	uint32_t wpend;
	uint32_t outq_max;
	uint16_t ooo_slots;
};

#define TCP_WQ_MAX 256		/* guest segments queued before writing */
#define TCP_SINK_WAITQ 64	/* connections waiting for the sink, listed */

/**
 * struct tcp_wq_ent - Payload of a guest segment, to be written at the end of
 *		       the batch (the frame stays valid until then)
 * @idx:	Flow index, TCP_WQ_GONE once written or forgotten
 * @len:	Payload length
 * @p:		Payload
 */
struct tcp_wq_ent {
	uint32_t idx;
	uint32_t len;
	const uint8_t *p;
};

#define TCP_WQ_GONE UINT32_MAX

#define TCP_OOO_MAX 64		/* segments ahead of the gap, kept per batch */

/**
 * struct tcp_ooo_ent - Payload of a guest segment that came before one it
 *			follows, in the same batch (the frame stays valid
 *			until its end): taken when the gap is filled
 * @idx:	Flow index, TCP_WQ_GONE once taken or forgotten
 * @seq:	Sequence number of its first byte
 * @len:	Payload length
 * @p:		Payload
 */
struct tcp_ooo_ent {
	uint32_t idx;
	uint32_t seq;
	uint32_t len;
	const uint8_t *p;
};

#define TCP_OOO_SLOTS 2048	/* pool: guest payload kept across batches */
#define TCP_OOO_SLOT_LEN 2048	/* bytes a slot holds: one 1500-byte MTU */
#define TCP_OOO_CONN_SLOTS (TCP_OOO_SLOTS / 2)	/* one connection at most */

/**
 * struct tcp_ooo_slot - A piece of guest payload kept ahead of a gap until
 *			 the gap is filled, in a later batch
 * @idx:	Flow index
 * @seq:	Sequence number of its first byte
 * @len:	Bytes in the slot's data, 0 if the slot is free
 * @busy:	Queued for writing in this batch: free at its end
 */
struct tcp_ooo_slot {
	uint32_t idx;
	uint32_t seq;
	uint16_t len;
	bool busy;
};

/**
 * struct tcp_ooo_pool - Out-of-order payload that outlives its batch
 * @slot:	Slots, by number
 * @used:	Slots in use
 * @busy:	Slots queued for writing in this batch
 * @hint:	Where the search for a free slot starts
 * @data:	Payload of each slot
 */
struct tcp_ooo_pool {
	struct tcp_ooo_slot slot[TCP_OOO_SLOTS];
	unsigned int used;
	unsigned int busy;
	unsigned int hint;
	uint8_t data[TCP_OOO_SLOTS][TCP_OOO_SLOT_LEN];
};

_Static_assert(TCP_OOO_SLOT_LEN <= UINT16_MAX, "slot length in uint16_t");
_Static_assert(TCP_OOO_CONN_SLOTS <= UINT16_MAX, "ooo_slots is uint16_t");

#define TCP_PEND_GONE UINT32_MAX	/* end-of-batch entry of a closed one */

_Static_assert(FLOW_MAX <= UINT16_MAX + 1, "pslot indexes pending[]");

/**
 * struct tcp_ctx - State of the TCP engine
 * @flows:	Flow table (shared with other transports)
 * @conn:	Connections, by flow index
 * @sink:	Where frames for the guest go
 * @l2:		Guest's addresses, gateways and MACs
 * @l2s:	What the link learnt of the guest (its MAC)
 * @epfd:	epoll descriptor to register sockets with
 * @timer_fd:	timerfd driving timeouts and retransmissions
 * @timer_on:	@timer_fd is armed
 * @mtu:	MTU of the guest link
 * @nat:	Address translations
 * @peek_off:	SO_PEEK_OFF works on TCP sockets
 * @rnd:	State of the sequence number generator
 * @pending:	Connections with work left for the end of the batch
 *		(TCP_LISTED), by flow index; TCP_PEND_GONE once closed
 * @npending:	Entries in @pending
 * @wq:		Guest payload to write at the end of the batch, in order
 * @nwq:	Entries in @wq
 * @ooo:	Guest payload ahead of a gap, in this batch
 * @nooo:	Entries in @ooo
 * @pool:	Guest payload ahead of a gap, kept from earlier batches
 * @nconn:	Connections open
 * @sink_wait:	Connections with TCP_SINK_WAIT, at most (a hint: zero
 *		means none)
 * @sink_waitq:	Their flow indexes, the first TCP_SINK_WAITQ of them (more:
 *		tcp_sink_ready() looks at every connection)
 * @fwd:	Inbound forwarding rules (-t)
 * @splice:	pasta's loopback fast path, NULL if none (passt)
 * @drop_malformed: Segments of the guest dropped: malformed
 * @drop_csum:	Segments of the guest dropped: wrong checksum
 * @drop_noflow: Segments of the guest of no connection (or none could be
 *		made for): answered with a RST
 * @rl_full:	Rate limit of "flow table full" messages
 * @rl_err:	Rate limit of other data path messages
 */
struct tcp_ctx {
	struct flow_table *flows;
	struct tcp_conn conn[FLOW_MAX];
	struct frame_sink *sink;
	const struct l2_conf *l2;
	const struct l2_state *l2s;
	int epfd;
	int timer_fd;
	bool timer_on;
	uint16_t mtu;
	const struct nat *nat;
	bool peek_off;
	uint64_t rnd;
	uint32_t pending[FLOW_MAX];
	unsigned int npending;
	struct tcp_wq_ent wq[TCP_WQ_MAX];
	unsigned int nwq;
	struct tcp_ooo_ent ooo[TCP_OOO_MAX];
	unsigned int nooo;
	struct tcp_ooo_pool pool;
	unsigned int nconn;
	unsigned int sink_wait;
	uint32_t sink_waitq[TCP_SINK_WAITQ];
	const struct fwd_table *fwd;
	struct tcp_splice_ctx *splice;
	uint64_t drop_malformed;
	uint64_t drop_csum;
	uint64_t drop_noflow;
	struct ratelimit rl_full;
	struct ratelimit rl_err;
};

/**
 * seq_lt() - Sequence number comparison, modulo 2^32 (RFC 9293 3.4)
 * @a:		First
 * @b:		Second
 *
 * Return: true if @a comes before @b
 */
static inline bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/**
 * seq_le() - Sequence number comparison, modulo 2^32
 * @a:		First
 * @b:		Second
 *
 * Return: true if @a comes before @b or equals it
 */
static inline bool seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

#endif /* TRANSPORT_TCP_TYPES_H */
