/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vu_rx.h - vhost-user: frames to the guest, the frame sink (vu_rx.c) */
#ifndef LINK_VU_RX_H
#define LINK_VU_RX_H

#include <stdbool.h>
#include <stddef.h>

#include "link/vu_link.h"

void vu_sink_init(struct vu_link *v);
int vu_flush(struct vu_link *v);
int vu_send(void *link, const void *frame, size_t len);
void vu_rx_starved(struct vu_link *v, bool starved);
void vu_rx_kick(struct vu_link *v);

#endif /* LINK_VU_RX_H */
