/* SPDX-License-Identifier: GPL-2.0-or-later */
/* follow_flows.h - flows whose host-side address went away end
 *		    (follow_flows.c, doc/follow.md "Flows")
 */
#ifndef LOOP_FOLLOW_FLOWS_H
#define LOOP_FOLLOW_FLOWS_H

#include <stdbool.h>

#include "base/inany.h"
#include "os/nlmsg.h"

/* Addresses of the host read per scan, at most: more, and nothing ends */
#define FOLLOW_FLOWS_ADDRS 512

struct ctx;

bool follow_addr_gone(const union inany_addr *a, const struct nl_addr *have,
		      int n);
int follow_flows_gone(struct ctx *x);

#endif /* LOOP_FOLLOW_FLOWS_H */
