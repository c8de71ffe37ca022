/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp_migrate.h - TCP translation, top layer: connections moving to or from
 *		   another passt (live migration, tcp_migrate.c)
 */
#ifndef TRANSPORT_TCP_MIGRATE_H
#define TRANSPORT_TCP_MIGRATE_H

#include <stdbool.h>
#include <stdint.h>

#include "transport/migrate_tcp.h"
#include "transport/tcp_repair.h"
#include "transport/tcp_types.h"

unsigned int tcp_mig_list(const struct tcp_ctx *t, bool frozen, uint32_t *idx,
			  unsigned int max);
int tcp_mig_freeze(struct tcp_ctx *t, uint32_t idx);
void tcp_mig_thaw(struct tcp_ctx *t, uint32_t idx);
int tcp_mig_record(const struct tcp_ctx *t, uint32_t idx,
		   struct migrate_tcp *r);

int tcp_mig_new(struct tcp_ctx *t, const struct migrate_tcp *r);
int tcp_mig_connect(struct tcp_ctx *t, uint32_t idx,
		    const struct tcp_repair_state *st, int wait_ms);
int tcp_mig_resume(struct tcp_ctx *t, uint32_t idx,
		   const struct tcp_repair_state *st, const uint8_t *tail);
void tcp_mig_drop(struct tcp_ctx *t, uint32_t idx, bool guest);

#endif /* TRANSPORT_TCP_MIGRATE_H */
