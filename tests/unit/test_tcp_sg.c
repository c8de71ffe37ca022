// SPDX-License-Identifier: GPL-2.0-or-later
/* test_tcp_sg.c - TCP data to the guest through a sink with scattered
 * frames (reserve_sg/commit_sg, vhost-user's zero-copy path)
 *
 * The fake sink of tcp_fixture.h gains reserve_sg/commit_sg: headers in a
 * buffer of their own, the payload in pieces of an odd size (so that the
 * checksum computed over the pieces meets odd offsets), and each committed
 * frame gathered into the log the tests read, where fx_parse() checks its
 * checksums. The sink checks the contract of packet/sink.h: frames
 * committed in the order reserved, and none with data after a short one.
 * It can also run out of frames, as a guest's receive ring does: the data
 * waits in the socket until tcp_sink_ready().
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tcp_fixture.h"
#include "tcp_fixture_host.h"

#define SG_FRAMES 64
#define SG_PIECE  333	/* odd: payload pieces at odd offsets */
#define SG_PIECES 8	/* per frame */

static struct {
	uint8_t hdr[SG_FRAMES][128];
	uint8_t pay[SG_FRAMES][SG_PIECES * SG_PIECE];
	size_t hdr_len[SG_FRAMES];
	unsigned int reserved;
	unsigned int committed;
	bool short_seen;
	int budget;		/* frames it can still reserve, -1: any */
	unsigned int frames;	/* committed with data */
} sg;

/**
 * sg_reserve() - struct frame_sink reserve_sg of the fake sink
 * @s:		Sink
 * @hdr_len:	Header bytes
 * @payload:	Payload bytes wanted
 * @f:		Filled
 *
 * Return: payload bytes reserved
 */
static size_t sg_reserve(struct frame_sink *s, size_t hdr_len, size_t payload,
			 struct sink_sg *f)
{
	unsigned int i = sg.reserved, k;
	size_t cap = 0;

	(void)s;
	if (!sg.budget || i == SG_FRAMES)
		return 0;
	if (sg.budget > 0)
		sg.budget--;
	assert_true(hdr_len <= sizeof(sg.hdr[0]));
	sg.hdr_len[i] = hdr_len;
	f->hdr = sg.hdr[i];
	for (k = 0; k < SG_PIECES && cap < payload; k++) {
		f->iov[k].iov_base = sg.pay[i] + k * SG_PIECE;
		f->iov[k].iov_len = MIN((size_t)SG_PIECE, payload - cap);
		cap += f->iov[k].iov_len;
	}
	f->iovcnt = k;
	f->cap = cap;
	f->tok = i;
	sg.reserved++;
	return cap;
}

/**
 * sg_commit() - struct frame_sink commit_sg: check the contract, log the
 *		 frame gathered
 * @s:		Sink
 * @f:		Frame from sg_reserve()
 * @len:	Payload bytes, 0 to give it back
 * @o:		Offloads: none, as none is offered
 */
static void sg_commit(struct frame_sink *s, struct sink_sg *f, size_t len,
		      const struct frame_offload *o)
{
	size_t hl = sg.hdr_len[f->tok];
	uint8_t *dst;

	(void)s;
	assert_null(o);
	assert_int_equal(f->tok, sg.committed);	/* in order */
	assert_true(len <= f->cap);
	if (sg.short_seen)
		assert_int_equal(len, 0);
	sg.short_seen |= len < f->cap;
	if (++sg.committed == sg.reserved) {
		sg.committed = sg.reserved = 0;
		sg.short_seen = false;
	}
	if (!len)
		return;
	assert_true(fx.nlog < FX_LOG_MAX);
	assert_true(fx.log_used + hl + len <= FX_LOG_BYTES);
	dst = fx.log_bytes + fx.log_used;
	memcpy(dst, f->hdr, hl);
	memcpy(dst + hl, sg.pay[f->tok], len);	/* pieces are contiguous */
	fx.log[fx.nlog].off = fx.log_used;
	fx.log[fx.nlog++].len = hl + len;
	fx.log_used += hl + len;
	sg.frames++;
}

/**
 * sg_setup() - The fixture, with the scattered frames in its sink
 * @state:	cmocka state
 *
 * Return: 0
 */
static int sg_setup(void **state)
{
	fx_setup(state);
	memset(&sg, 0, sizeof(sg));
	sg.budget = -1;
	fx.sink.reserve_sg = sg_reserve;
	fx.sink.commit_sg = sg_commit;
	return 0;
}

/* Host data reaches the guest in scattered frames, checksums right */
static void test_sg_host_to_guest(void **state)
{
	static uint8_t data[5000], got[5000];
	uint32_t start;
	struct fx_conn c;

	(void)state;
	fx_open_in(&c, true);
	fx_pattern(data, sizeof(data), 5);

	start = c.rseq;
	fx_peer_write(&c, data, sizeof(data));
	assert_true(fx_recv_data(&c, got, sizeof(got)) >= 4);
	assert_memory_equal(got, data, sizeof(data));
	assert_int_equal(c.rseq - start, sizeof(data));
	assert_true(sg.frames >= 4);
	fx_guest(&c, TCP_F_ACK, NULL, 0);
	fx_quiet();
	fx_close_guest_first(&c);
	fx_assert_no_flows();
}

/* IPv6 too, with a payload that ends in the middle of a piece */
static void test_sg_host_to_guest_v6(void **state)
{
	static uint8_t data[1001], got[1001];
	struct fx_conn c;

	(void)state;
	fx_open_out(&c, false, 40100);
	fx_pattern(data, sizeof(data), 6);
	fx_peer_write(&c, data, sizeof(data));
	fx_recv_data(&c, got, sizeof(got));
	assert_memory_equal(got, data, sizeof(data));
	fx_guest(&c, TCP_F_ACK, NULL, 0);
	fx_quiet();
	fx_close_guest_first(&c);
	fx_assert_no_flows();
}

/* No frames in the sink: the data waits in the socket, and comes once
 * the sink says it has room again
 */
static void test_sg_starved_then_ready(void **state)
{
	static uint8_t data[3000], got[3000];
	struct fx_conn c;

	(void)state;
	fx_open_in(&c, true);
	fx_pattern(data, sizeof(data), 7);
	sg.budget = 0;
	fx_peer_write(&c, data, sizeof(data));
	fx_quiet();		/* nothing: no room */
	assert_int_equal(sg.frames, 0);

	sg.budget = -1;
	tcp_sink_ready(&fx.t);
	fx_recv_data(&c, got, sizeof(got));
	assert_memory_equal(got, data, sizeof(data));
	fx_guest(&c, TCP_F_ACK, NULL, 0);
	fx_quiet();
	fx_close_guest_first(&c);
	fx_assert_no_flows();
}

#define T(f) cmocka_unit_test_setup_teardown(f, sg_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_sg_host_to_guest),
		T(test_sg_host_to_guest_v6),
		T(test_sg_starved_then_ready),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
