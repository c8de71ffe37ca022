/* SPDX-License-Identifier: GPL-2.0-or-later */
/* input.h - what every link does with a frame from the guest */
#ifndef LINK_INPUT_H
#define LINK_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "base/view.h"
#include "packet/sink.h"
#include "services/l2.h"

/* What a link does with frames the L2 responders didn't take */
typedef void (*link_l3_fn)(void *arg, struct pview frame);

/* How a link sends one L2 reply to the guest: 0 or -errno */
typedef int (*link_reply_fn)(void *link, const void *frame, size_t len);

/**
 * struct link_counters - Frames from the guest, by outcome
 * @frames_in:	Frames read from the guest
 * @replies:	Frames sent by the L2 responders
 * @dropped:	Frames nobody took (no translation for them)
 * @bad:	Frames the responders found malformed
 */
struct link_counters {
	uint64_t frames_in;
	uint64_t replies;
	uint64_t dropped;
	uint64_t bad;
};

/**
 * struct link_input - Where frames from the guest go
 * @l2:		L2 configuration, the guest's MAC is learnt into it
 * @l3:		Handler of frames the L2 responders don't take, or NULL
 * @arg:	Its argument
 * @reply:	Sends a reply of the L2 responders
 * @link:	Its argument
 */
struct link_input {
	struct l2_conf *l2;
	link_l3_fn l3;
	void *arg;
	link_reply_fn reply;
	void *link;
};

void link_learn_mac(struct l2_conf *l2, struct pview frame);
void link_frame_in(const struct link_input *in, struct link_counters *n,
		   struct pview frame);
int link_greet(const struct l2_conf *l2, struct frame_sink *s);

#endif /* LINK_INPUT_H */
