/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fwd_live.h - the forwarding tables while running, and replacing them
 *
 * Theory of operation: the tables the transports and the port scanner
 * forward by live here, one per direction (inbound: -t/-u, table HOST on
 * the control socket; outbound: -T/-U, table SPLICE), together with the
 * listeners of their static rules: listen_table() reports each port it
 * opens at start (struct listen_rec), and we keep its descriptors. The
 * listeners of "auto" rules are the port scanner's (fwd_auto.h).
 *
 * A table is replaced at once (pesto, ctl/server.c), in two steps:
 *  1. fwd_live_prepare(), per direction: each port of each static rule of
 *     the new table is matched with a listener open already, ours or the
 *     port scanner's, that listens the same way (protocol, address, device,
 *     dual-stack or not, port); it is kept, and so are its connections. A
 *     port without one is opened, for the namespace side in one entry into
 *     it. Failures count as at start (compat.md 5.1): a port of an explicit
 *     rule that can't be bound fails the change; best-effort ports that
 *     can't be bound are skipped, unless no best-effort rule of that
 *     protocol binds any port.
 *  2. fwd_live_commit() once every direction prepared successfully: the
 *     listeners no rule wants any more are closed (or given to the port
 *     scanner, when a new "auto" rule covers them), kept ones get the epoll
 *     reference of their rule's new index, and the new tables are copied in.
 *     fwd_live_abort() instead closes what step 1 opened: nothing else was
 *     touched, so the old tables go on as they were.
 * Both steps run between two batches of events: no event fetched earlier
 * names a socket closed, a rule index changed or a descriptor reused.
 *
 * Connections accepted through a rule that goes away carry on. UDP flows
 * answer their peers through the rule's socket, so they end with it
 * (udp_unlisten_port()), as they do when an "auto" port closes.
 *
 * Memory is fixed: FWD_LIVE_SOCKS listening ports per direction. Ports
 * beyond that at start stay open but aren't tracked (a warning says so):
 * a change can't close them then.
 */
#ifndef TRANSPORT_FWD_LIVE_H
#define TRANSPORT_FWD_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow/fwd.h"
#include "transport/fwd_auto.h"
#include "transport/listen.h"

#define FWD_LIVE_SOCKS 131072	/* static listening ports per direction */
#define FWD_LIVE_NONE  0xffff	/* keep[]: no rule of the new table */

/**
 * struct fwd_live_side - One direction
 * @tbl:	Rules in force: the transports and the port scanner read them
 * @next:	Rules prepared by fwd_live_prepare()
 * @prepared:	@next is prepared, waiting for commit or abort
 * @q:		How listeners are opened: [0] TCP, [1] UDP
 * @can:	Listeners of [0] TCP, [1] UDP can be opened at all
 * @rec:	Given to listen_table() at start, calls fwd_live_note()
 * @dir:	enum fwd_auto_dir of this side
 * @socks:	Listening ports of static rules: @nsocks in force, then @npend
 *		opened by fwd_live_prepare()
 * @nsocks:	Entries in force
 * @npend:	Entries prepared, after them
 * @keep:	Prepared: index in @next of the rule keeping each entry in
 *		force, FWD_LIVE_NONE if none
 * @keep_auto:	The same for the port scanner's listeners of this side
 * @gap:	Per rule of @tbl: ports served by one family only
 * @gap_next:	The same for @next
 * @full:	@socks overflowed at start: logged once
 */
struct fwd_live_side {
	struct fwd_table tbl;
	struct fwd_table next;
	bool prepared;
	struct listen_req q[2];
	bool can[2];
	struct listen_rec rec;
	enum fwd_auto_dir dir;
	struct fwd_auto_sock socks[FWD_LIVE_SOCKS];
	unsigned int nsocks;
	unsigned int npend;
	uint16_t keep[FWD_LIVE_SOCKS];
	uint16_t keep_auto[FWD_AUTO_SOCKS];
	struct listen_gap *gap;
	struct listen_gap gap_next[FWD_MAX_RULES];
	bool full;
};

/**
 * struct fwd_live - Both directions
 * @side:	Inbound and outbound, by enum fwd_auto_dir
 * @fa:		Port scanner: its listeners, and how listeners are closed
 * @head:	fwd_live_prepare() scratch: per port, first listener entry
 *		(socks index, or FWD_LIVE_SOCKS + port scanner's index), -1
 * @chain:	... and the next one of the same port
 */
struct fwd_live {
	struct fwd_live_side side[FWD_AUTO_NDIR];
	struct fwd_auto *fa;
	int32_t head[65536];
	int32_t chain[FWD_LIVE_SOCKS + FWD_AUTO_SOCKS];
};

/**
 * struct fwd_live_cfg - What fwd_live_init() sets up
 * @in:		Inbound rules at start, copied
 * @out:	Outbound rules at start, copied; NULL if none (passt)
 * @epfd:	epoll descriptor listeners are added to
 * @netns_fd:	Namespace of the outbound listeners, -1 if none
 * @freebind:	--freebind: on inbound listeners
 * @can:	Per direction, listeners of [0] TCP, [1] UDP can be opened
 * @gap_in:	Per inbound rule: ports served by one family only
 * @gap_out:	The same for outbound rules
 */
struct fwd_live_cfg {
	const struct fwd_table *in;
	const struct fwd_table *out;
	int epfd;
	int netns_fd;
	bool freebind;
	bool can[FWD_AUTO_NDIR][2];
	struct listen_gap *gap_in;
	struct listen_gap *gap_out;
};

void fwd_live_init(struct fwd_live *fl, const struct fwd_live_cfg *cfg);
void fwd_live_attach(struct fwd_live *fl, struct fwd_auto *fa);
int fwd_live_prepare(struct fwd_live *fl, enum fwd_auto_dir d,
		     const struct fwd_table *t, char *err, size_t errlen);
void fwd_live_commit(struct fwd_live *fl);
void fwd_live_abort(struct fwd_live *fl);
unsigned int fwd_live_count(const struct fwd_live *fl, enum fwd_auto_dir d);

/**
 * fwd_live_table() - Rules in force in a direction
 * @fl:		Running tables
 * @d:		Direction
 *
 * Return: the table (empty for an unused direction)
 */
static inline const struct fwd_table *fwd_live_table(const struct fwd_live *fl,
						     enum fwd_auto_dir d)
{
	return &fl->side[d].tbl;
}

#endif /* TRANSPORT_FWD_LIVE_H */
