/* SPDX-License-Identifier: GPL-2.0-or-later */
/* tap.h - pasta's link to its namespace: a tap device */
#ifndef LINK_TAP_H
#define LINK_TAP_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "services/l2.h"

#define TAP_BATCH 64		/* frames read per wake-up */
#define TAP_FRAME_MAX 65536	/* largest frame: MTU 65521 + headers */

/**
 * struct tap - A tap device and its counters
 * @fd:		Tap file descriptor (non-blocking), -1 if closed
 * @ifname:	Device name in the namespace
 * @ifindex:	Device index in the namespace
 * @frames_in:	Frames read from the namespace
 * @replies:	Frames sent by the L2 responders
 * @dropped:	Frames nobody took (no translation for them yet)
 * @bad:	Frames the responders found malformed
 */
struct tap {
	int fd;
	char ifname[IFNAMSIZ];
	unsigned int ifindex;
	uint64_t frames_in;
	uint64_t replies;
	uint64_t dropped;
	uint64_t bad;
};

int tap_create(struct tap *t, const char *name);
int tap_send(struct tap *t, const void *frame, size_t len);
int tap_handler(struct tap *t, struct l2_conf *l2);

#endif /* LINK_TAP_H */
