/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vu_tx.h - vhost-user: frames from the guest (vu_tx.c) */
#ifndef LINK_VU_TX_H
#define LINK_VU_TX_H

#include "link/input.h"
#include "link/vu_link.h"

unsigned int vu_tx_batch(struct vu_link *v, const struct link_input *in,
			 unsigned int max);
void vu_tx_end(struct vu_link *v);
void vu_tx_handler(struct vu_link *v, const struct link_input *in,
		   void (*batch_end)(void *arg), void *arg);

#endif /* LINK_VU_TX_H */
