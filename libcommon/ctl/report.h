/* SPDX-License-Identifier: GPL-2.0-or-later */
/* report.h - the flows and the global counters as JSON and as Prometheus
 *	      text, for the control socket (doc/control.md)
 *
 * Theory of operation: see report.c. Pure functions from a snapshot (the
 * flow table, a struct counters, the time) to text in a caller's buffer.
 */
#ifndef CTL_REPORT_H
#define CTL_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "base/counters.h"
#include "flow/flow.h"

/**
 * typedef report_state_fn - Name of a flow's state, from its engine
 * @arg:	report_src's @state_arg
 * @idx:	Flow index
 * @e:		Its entry (NEW or ACTIVE)
 *
 * Return: a name (letters, digits, '_' or '-'), or NULL for the generic
 *	   one: "new" or "active"
 */
typedef const char *(*report_state_fn)(const void *arg, int idx,
				       const struct flow_entry *e);

/**
 * struct report_src - What a report is made of
 * @flows:	Flow table: flows NEW and ACTIVE are listed (CLOSED ones are
 *		gone, they only wait for the end of the round)
 * @cnt:	Global counters, a snapshot (loop_counters())
 * @now:	clock_ms(), for ages and idle times
 * @state:	Names the states of the flows, NULL for the generic names
 * @state_arg:	Its argument
 */
struct report_src {
	const struct flow_table *flows;
	const struct counters *cnt;
	uint64_t now;
	report_state_fn state;
	const void *state_arg;
};

/* Buffer that always holds a report of FLOW_MAX flows, both formats */
#define REPORT_BUF_MAX (16U << 20)

size_t report_json(const struct report_src *s, char *buf, size_t len);
size_t report_prom(const struct report_src *s, char *buf, size_t len);
const char *report_flow_type_str(unsigned int type);

#endif /* CTL_REPORT_H */
