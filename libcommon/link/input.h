/* SPDX-License-Identifier: GPL-2.0-or-later */
/* input.h - what every link does with a frame from the guest */
#ifndef LINK_INPUT_H
#define LINK_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "base/counters.h"
#include "base/view.h"
#include "packet/sink.h"
#include "services/l2.h"

/* What the link says of one frame from the guest, besides its bytes */
#define LINK_F_CSUM_PARTIAL	(1U << 0) /* L4 checksum left to us (offload):
					   * not valid in the frame
					   */

/* What a link does with frames the L2 responders didn't take: @flags are
 * LINK_F_* bits of that frame
 */
typedef void (*link_l3_fn)(void *arg, struct pview frame, unsigned int flags);

/* How a link sends one L2 reply to the guest: 0 or -errno */
typedef int (*link_reply_fn)(void *link, const void *frame, size_t len);

/**
 * struct link_counters - Frames from the guest, by outcome
 * @frames_in:	Frames read from the guest
 * @replies:	Frames sent by the L2 responders
 * @dropped:	Frames nobody took (no translation for them)
 * @bad:	Frames the responders found malformed
 * @l2:		Replies by service, enum cnt_l2
 */
struct link_counters {
	uint64_t frames_in;
	uint64_t replies;
	uint64_t dropped;
	uint64_t bad;
	uint64_t l2[CNT_L2S];
};

/**
 * struct link_input - Where frames from the guest go
 * @l2:		L2 configuration
 * @st:		What was learnt of the guest: updated from its frames
 * @l3:		Handler of frames the L2 responders don't take, or NULL
 * @arg:	Its argument
 * @reply:	Sends a reply of the L2 responders
 * @link:	Its argument
 */
struct link_input {
	const struct l2_conf *l2;
	struct l2_state *st;
	link_l3_fn l3;
	void *arg;
	link_reply_fn reply;
	void *link;
};

void link_learn_mac(struct l2_state *st, struct pview frame);
void link_count_reply(struct link_counters *n, const struct l2_reply *r);
void link_frame_in(const struct link_input *in, struct link_counters *n,
		   struct pview frame, unsigned int flags);
int link_greet(const struct l2_conf *l2, struct frame_sink *s);

#endif /* LINK_INPUT_H */
