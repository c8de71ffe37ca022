/* SPDX-License-Identifier: GPL-2.0-or-later */
/* migrate_tcp.h - the TCP records of the migration stream (compat.md 4.4.1)
 *
 * Theory of operation: after the flow count, the stream of version 2 holds
 * one 112-byte record per connection (the state towards the guest, in the
 * layout of upstream's struct tcp_tap_transfer), then, in the same order,
 * one 52-byte record per connection (the socket's state as TCP_REPAIR
 * reads it) each followed by its send and receive queues. These functions
 * encode and decode single records, purely: the writer fills a pbuf, the
 * reader takes a bounded view and checks every field the target will act
 * on (interfaces, address families, ports, window scales, queue sizes)
 * before anything is done with it. Fields upstream writes in host order
 * (the ports, sndbuf) are read and written in ours: both ends of a
 * migration are the same architecture.
 */
#ifndef TRANSPORT_MIGRATE_TCP_H
#define TRANSPORT_MIGRATE_TCP_H

#include <netinet/in.h>
#include <stdint.h>

#include "base/view.h"
#include "transport/tcp_repair.h"

#define MIGRATE_TCP_LEN	    112		/* record towards the guest */
#define MIGRATE_TCP_EXT_LEN 52		/* socket record, then queues */
#define MIGRATE_QUEUE_MAX   (64U << 20)	/* bytes in one queue, at most */
#define MIGRATE_WS_MAX	    14		/* window scale, RFC 7323 2.3 */

#define MIGRATE_PIF_HOST    1		/* side on host sockets */
#define MIGRATE_PIF_TAP	    2		/* side on the guest */

/**
 * struct migrate_tcp_side - One side of a connection, as the stream has it
 * @oaddr:	Our address on that side (IPv4 as v4-mapped)
 * @eaddr:	The peer's address on that side
 * @oport:	Our port
 * @eport:	The peer's port
 */
struct migrate_tcp_side {
	struct in6_addr oaddr;
	struct in6_addr eaddr;
	uint16_t oport;
	uint16_t eport;
};

/**
 * struct migrate_tcp - The 112-byte record of a connection
 * @pif:	Interface of each side: side 0 opened the connection
 * @side:	Addresses and ports of each side
 * @retries:	Retransmissions towards the guest
 * @ws_from_tap: Window scale the guest announced
 * @ws_to_tap:	Window scale we announced to the guest
 * @events:	Upstream's connection events (compat.md 4.4.1)
 * @tap_mss:	The guest's MSS
 * @sndbuf:	Send buffer of the socket >> 8, a hint
 * @flags:	Upstream's connection flags
 * @seq_dup_ack_approx: Low 8 bits of the last duplicate ACK to the guest
 * @wnd_from_tap: Guest's window, unscaled
 * @wnd_to_tap:	Window we last advertised to the guest, unscaled
 * @seq_to_tap:	Next sequence we send the guest
 * @seq_ack_from_tap: Last ACK from the guest
 * @seq_from_tap: Next sequence expected from the guest
 * @seq_ack_to_tap: Last ACK we sent the guest
 * @seq_init_from_tap: The guest's initial sequence number
 */
struct migrate_tcp {
	uint8_t pif[2];
	struct migrate_tcp_side side[2];
	uint8_t retries;
	uint8_t ws_from_tap;
	uint8_t ws_to_tap;
	uint8_t events;
	uint32_t tap_mss;
	uint32_t sndbuf;
	uint8_t flags;
	uint8_t seq_dup_ack_approx;
	uint16_t wnd_from_tap;
	uint16_t wnd_to_tap;
	uint32_t seq_to_tap;
	uint32_t seq_ack_from_tap;
	uint32_t seq_from_tap;
	uint32_t seq_ack_to_tap;
	uint32_t seq_init_from_tap;
};

bool migrate_tcp_put(struct pbuf *b, const struct migrate_tcp *t);
int migrate_tcp_get(struct pview v, struct migrate_tcp *t);
bool migrate_tcp_ext_put(struct pbuf *b, const struct tcp_repair_state *st);
int migrate_tcp_ext_get(struct pview v, struct tcp_repair_state *st);

#endif /* TRANSPORT_MIGRATE_TCP_H */
