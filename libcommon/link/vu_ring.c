// SPDX-License-Identifier: GPL-2.0-or-later
/* vu_ring.c - TEMPORARY stub until branch i15-ring lands: drop this commit */

#include <string.h>

#include "link/vu_ring.h"

/**
 * vu_vq_init() - Start a virtqueue with nothing set
 * @q:		Virtqueue
 */
void vu_vq_init(struct vu_vq *q)
{
	memset(q, 0, sizeof(*q));
	q->kick_fd = -1;
	q->call_fd = -1;
	q->err_fd = -1;
}
