/* SPDX-License-Identifier: GPL-2.0-or-later */
/* follow_state.h - the state of follow.c, the watch on the host's addresses
 *		    and routes (doc/follow.md), for struct ctx
 */
#ifndef LOOP_FOLLOW_STATE_H
#define LOOP_FOLLOW_STATE_H

#include <stdint.h>

#include "conf/conf.h"
#include "os/netcfg.h"
#include "os/netcfg_diff.h"
#include "os/nlwatch.h"

/**
 * struct follow - State of the watch on the host
 * @fd:		rtnetlink notification socket (os/nlwatch.c), -1 if off
 *		(--no-follow-host)
 * @nl_host:	Netlink socket for requests in the host's namespace, -1
 * @what:	enum nlwatch_what bits read in this round of events
 * @live:	The configuration the loop reads (ctx.c), changed here only,
 *		between rounds of events, when the namespace changed too
 * @parsed:	The configuration as parsed, before conf_resolve(): what the
 *		host-derived values are derived from again
 * @scratch:	Copy of @parsed the new picture is derived into
 * @seen:	What the last derivation gave: changes are logged once
 * @cur:	--config-net: what the namespace's interface has
 * @next:	--config-net: what it should have now
 * @diff:	--config-net: the steps from @cur to @next
 * @ra_old:	Guest without --config-net: address in the prefix the
 *		last renumbering advertisement deprecates
 * @ra_old_plen: Its prefix length
 * @ra_left:	Advertisements of that renumbering still to send
 * @ra_next:	clock_ns() from which the next one may go
 * @buf:	Receive buffer of the notifications
 */
struct follow {
	int fd;
	int nl_host;
	unsigned int what;
	struct conf *live;
	struct conf parsed;
	struct conf scratch;
	struct l2_conf seen;
	char seen_if4[IFNAMSIZ];
	char seen_if6[IFNAMSIZ];
	struct netcfg cur;
	struct netcfg next;
	struct netcfg_diff diff;
	struct in6_addr ra_old;
	int ra_old_plen;
	int ra_left;
	uint64_t ra_next;
	uint8_t buf[NLWATCH_BUF_SIZE];
};

#endif /* LOOP_FOLLOW_STATE_H */
