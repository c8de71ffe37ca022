// SPDX-License-Identifier: GPL-2.0-or-later
/* stats.c - the global counters gathered into one snapshot, and --stats
 *
 * Theory of operation: the loop counts what it handles itself in struct
 * ctx's @cnt (epoll events by type, frames its layer-3 input drops); the
 * links and the engines count in their own structures (a link's frames,
 * an engine's drops). loop_counters() adds them all up into one struct
 * counters when somebody asks: the control socket's report (ctl/report.c)
 * and --stats. Nothing here runs per packet.
 *
 * --stats DELAY prints the epoll event counters to stderr, at most every
 * DELAY seconds, and only if some changed: a header line, then one line per
 * type counted since start. It never wakes the loop: loop_stats() runs at
 * the end of a round of events, so a quiet instance prints nothing (there
 * is nothing new to print either).
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "ctl/report.h"
#include "loop/ctx.h"

/**
 * loop_link_add() - Add the counters of one link to a snapshot
 * @out:	Snapshot
 * @link:	enum cnt_link
 * @n:		The link's counters of frames from the guest
 * @sent:	Frames it wrote to the guest
 * @lost:	Frames to the guest it dropped
 */
static void loop_link_add(struct counters *out, enum cnt_link link,
			  const struct link_counters *n, uint64_t sent,
			  uint64_t lost)
{
	unsigned int i;

	out->frames[link][CNT_IN] += n->frames_in;
	out->frames[link][CNT_OUT] += sent;
	out->drops[CNT_DROP_MALFORMED] += n->bad;
	out->drops[CNT_DROP_UNSUPPORTED] += n->dropped;
	out->drops[CNT_DROP_NO_ROOM] += lost;
	for (i = 0; i < CNT_L2S; i++)
		out->l2[i] += n->l2[i];
}

/**
 * loop_counters() - Snapshot of every global counter
 * @x:		Context
 * @out:	Filled
 */
void loop_counters(const struct ctx *x, struct counters *out)
{
	*out = x->cnt;
	loop_link_add(out, CNT_LINK_TAP, &x->tap.n, x->tap.sent, x->tap.lost);
	loop_link_add(out, CNT_LINK_STREAM, &x->stream.n, x->stream.sent,
		      x->stream.lost);
	loop_link_add(out, CNT_LINK_VU, &x->vu.n, x->vu.sent, x->vu.lost);
	out->drops[CNT_DROP_MALFORMED] += x->tcp.drop_malformed +
					  x->udp.drop_malformed;
	out->drops[CNT_DROP_CHECKSUM] += x->tcp.drop_csum;
	out->drops[CNT_DROP_NO_FLOW] += x->tcp.drop_noflow +
					x->udp.drop_noflow;
}

/**
 * loop_flow_state() - Name of a flow's state from its engine, for reports
 * @arg:	Context
 * @idx:	Flow index
 * @e:		Its entry
 *
 * Return: the TCP engines' state names, NULL (generic) for other types
 */
static const char *loop_flow_state(const void *arg, int idx,
				   const struct flow_entry *e)
{
	const struct ctx *x = arg;

	if (e->type == FLOW_TCP)
		return tcp_state_str(&x->tcp, idx);
	if (e->type == FLOW_TCP_SPLICE)
		return tcp_splice_state_str(&x->tsp, idx);
	return NULL;
}

/**
 * loop_report_src() - Everything a report (ctl/report.h) is made of, now
 * @x:		Context
 * @cnt:	Filled with a snapshot of the global counters
 * @s:		Filled, pointing to @cnt and to @x's flow table
 */
void loop_report_src(const struct ctx *x, struct counters *cnt,
		     struct report_src *s)
{
	loop_counters(x, cnt);
	s->flows = &x->flows;
	s->cnt = cnt;
	s->now = clock_ms();
	s->state = loop_flow_state;
	s->state_arg = x;
}

/**
 * loop_stats_print() - Print the epoll event counters (--stats)
 * @f:		Where to (stderr)
 * @cnt:	Counters
 * @uptime:	Milliseconds since the loop started
 *
 * Format (doc/control.md, passt(1)): a header line, then one line per type
 * with events since start, every line starting with "stats:":
 *
 *   stats: 12.003 s, epoll events since start
 *   stats:   tap 567
 *   stats:   tcp 1234
 */
void loop_stats_print(FILE *f, const struct counters *cnt, uint64_t uptime)
{
	unsigned int i;

	fprintf(f, "stats: %" PRIu64 ".%03" PRIu64
		   " s, epoll events since start\n",
		uptime / 1000, uptime % 1000);
	for (i = 0; i < CNT_EPOLL_TYPES; i++) {
		const char *name = epref_type_str(i);

		if (!cnt->epoll[i])
			continue;
		if (name)
			fprintf(f, "stats:   %s %" PRIu64 "\n", name,
				cnt->epoll[i]);
		else
			fprintf(f, "stats:   type%u %" PRIu64 "\n", i,
				cnt->epoll[i]);
	}
	fflush(f);
}

/**
 * loop_stats() - End of a round of events: print the counters if --stats
 *		  asks for it, DELAY seconds passed, and some changed
 * @x:		Context
 */
void loop_stats(struct ctx *x)
{
	uint64_t now, sum = 0;
	unsigned int i;

	if (!x->c->stats_delay)
		return;
	now = clock_ms();
	if (!x->stats_start) {
		x->stats_start = x->stats_last = now ? now : 1;
		return;
	}
	if (now - x->stats_last < (uint64_t)x->c->stats_delay * 1000)
		return;
	for (i = 0; i < CNT_EPOLL_TYPES; i++)
		sum += x->cnt.epoll[i];
	if (sum == x->stats_sum)
		return;
	x->stats_sum = sum;
	x->stats_last = now;
	loop_stats_print(stderr, &x->cnt, now - x->stats_start);
}
