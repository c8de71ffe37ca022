/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp_conn.h - TCP translation, top layer: what tcp_conn.c and tcp_tap.c
 *		share
 *
 * Theory of operation: see tcp_conn.c. Nothing below the top layer
 * includes this header.
 */
#ifndef TRANSPORT_TCP_CONN_H
#define TRANSPORT_TCP_CONN_H

#include "flow/flow.h"
#include "packet/ip.h"
#include "transport/tcp.h"
#include "transport/tcp_data.h"

int tcp_conn_from_guest(struct tcp_ctx *t, const struct flow_key *k,
			const struct tcp_seg *s);
void tcp_verdict_apply(struct tcp_ctx *t, int idx, enum tcp_verdict v);

#endif /* TRANSPORT_TCP_CONN_H */
