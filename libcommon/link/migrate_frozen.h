/* SPDX-License-Identifier: GPL-2.0-or-later */
/* migrate_frozen.h - the source's connections after its state was written
 *		      (migrate_frozen.c)
 */
#ifndef LINK_MIGRATE_FROZEN_H
#define LINK_MIGRATE_FROZEN_H

#include "link/repair.h"
#include "transport/tcp_types.h"

void migrate_frozen_rollback(struct tcp_ctx *t, struct repair *r);
void migrate_frozen_release(struct tcp_ctx *t);
unsigned int migrate_frozen_count(const struct tcp_ctx *t);

#endif /* LINK_MIGRATE_FROZEN_H */
