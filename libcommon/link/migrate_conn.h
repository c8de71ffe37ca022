/* SPDX-License-Identifier: GPL-2.0-or-later */
/* migrate_conn.h - the connections of a live migration: the stream's TCP
 *		    stages, through passt-repair (migrate_conn.c)
 */
#ifndef LINK_MIGRATE_CONN_H
#define LINK_MIGRATE_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "link/repair.h"
#include "transport/tcp_types.h"

#define MIGRATE_CONNECT_MS  3000	/* the source's sockets go away */
#define MIGRATE_TARGET_HELPER_MS 1000	/* target: wait for passt-repair */

int migrate_conn_freeze(struct tcp_ctx *t, struct repair *r, uint32_t *idx,
			unsigned int max);
int migrate_conn_send(int fd, struct tcp_ctx *t, const uint32_t *idx,
		      unsigned int n);
int migrate_conn_recv(int fd, struct tcp_ctx *t, struct repair *r,
		      uint32_t count);

#endif /* LINK_MIGRATE_CONN_H */
