/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tap.h - pasta's link to its namespace: a tap device */
#ifndef LINK_TAP_H
#define LINK_TAP_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "link/input.h"
#include "services/l2.h"

#include "packet/sink.h"

#define TAP_BATCH 64		/* frames read per wake-up */
#define TAP_FRAME_MAX 65600	/* largest frame: MTU 65521 + headers */
#define TAP_POOL 128		/* frames queued towards the namespace */
#define TAP_VNET_HDR_LEN 10	/* struct virtio_net_hdr, see tap.c */

/* What tap_handler() does with frames the L2 responders didn't take */
typedef link_l3_fn tap_l3_fn;

/**
 * struct tap - A tap device and its counters
 * @fd:		Tap file descriptor (non-blocking), -1 if closed
 * @ifname:	Device name in the namespace
 * @ifindex:	Device index in the namespace
 * @n:		Frames from the namespace, by outcome
 * @sent:	Frames written to the namespace
 * @lost:	Frames to the namespace the device refused (write failed)
 * @sink:	Frames to the namespace, for the transports
 * @pool_used:	Pool slots reserved since the last flush
 * @pool_len:	Length of each committed frame, 0 if given back
 */
struct tap {
	int fd;
	char ifname[IFNAMSIZ];
	unsigned int ifindex;
	struct link_counters n;
	uint64_t sent;
	uint64_t lost;
	struct frame_sink sink;
	unsigned int pool_used;
	size_t pool_len[TAP_POOL];
};

void tap_none(struct tap *t);
int tap_create(struct tap *t, const char *name);
int tap_send(struct tap *t, const void *frame, size_t len);
int tap_handler(struct tap *t, const struct l2_conf *l2, struct l2_state *st,
		tap_l3_fn l3, void *arg, unsigned int max);
int tap_flush(struct tap *t);

#endif /* LINK_TAP_H */
