/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tcp_ooo.h - guest segments ahead of a gap: within a batch, then kept in a
 * pool of slots (tcp_ooo.c)
 */

#ifndef TRANSPORT_TCP_OOO_H
#define TRANSPORT_TCP_OOO_H

#include "transport/tcp_types.h"

void tcp_ooo_keep(struct tcp_ctx *t, int idx, const struct tcp_seg *s,
		  const uint8_t *p, size_t len);
bool tcp_ooo_next(struct tcp_ctx *t, int idx, uint32_t next,
		  const uint8_t **p, size_t *len);
unsigned int tcp_ooo_stash(struct tcp_ctx *t, int idx);
void tcp_ooo_batch_end(struct tcp_ctx *t);
void tcp_ooo_forget(struct tcp_ctx *t, int idx);

#endif /* TRANSPORT_TCP_OOO_H */
