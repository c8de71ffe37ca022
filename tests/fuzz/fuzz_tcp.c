// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_tcp.c - libFuzzer harness of pkt_parse_ip() and tcp_seg_parse()
 *
 * Any frame is parsed with and without TCP checksum verification; views that
 * come back must lie inside what they were cut from, and a segment that
 * parses is built again with tcp_frame_finish() and must parse back to the
 * same fields.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "packet/ip.h"

enum { FUZZ_MAX_PAYLOAD = 65000, FUZZ_HDR_ROOM = 128 };

static uint8_t fuzz_frame[FUZZ_HDR_ROOM + FUZZ_MAX_PAYLOAD];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Die unless @in lies inside @out */
static void fuzz_inside(struct pview in, struct pview out)
{
	if (!in.len)
		return;
	if (!out.p || in.p < out.p || in.len > out.len ||
	    (size_t)(in.p - out.p) > out.len - in.len)
		abort();
}

/* Rebuild @s as a frame towards the sender and check it parses back */
static void fuzz_rebuild(const struct pkt_l4 *p, const struct tcp_seg *s)
{
	struct tcp_frame_opts o = {.mss = s->mss, .wscale = s->wscale};
	struct tcp_frame_hdr h = {.src_mac = {2}, .dst_mac = {4}};
	struct pkt_l4 p2;
	struct tcp_seg s2;
	size_t off, len;

	if (s->payload.len > FUZZ_MAX_PAYLOAD)
		return;
	h.src = p->dst;
	h.dst = p->src;
	h.sport = s->dport;
	h.dport = s->sport;
	off = tcp_frame_payload_off(&h, &o);
	if (s->payload.len)
		memcpy(fuzz_frame + off, s->payload.p, s->payload.len);
	len = tcp_frame_finish(fuzz_frame, &h, &o, s->seq, s->ack, s->flags,
			       s->wnd, s->payload.len);
	if (len != off + s->payload.len)
		abort();
	if (pkt_parse_ip(pview_make(fuzz_frame, len), &p2) ||
	    tcp_seg_parse(&p2, &s2, true))
		abort();
	if (!inany_equals(&p2.src, &h.src) || !inany_equals(&p2.dst, &h.dst) ||
	    s2.sport != s->dport || s2.dport != s->sport || s2.seq != s->seq ||
	    s2.ack != s->ack || s2.flags != s->flags || s2.wnd != s->wnd ||
	    s2.mss != s->mss || s2.wscale != s->wscale ||
	    s2.payload.len != s->payload.len ||
	    memcmp(s2.payload.p, s->payload.p, s->payload.len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pview frame = pview_make(data, size);
	struct tcp_seg s, sc;
	struct pkt_l4 p;
	int rc, rcc;

	if (pkt_parse_ip(frame, &p))
		return 0;
	fuzz_inside(p.l4, frame);
	if ((p.family == AF_INET) != inany_is_v4(&p.src) ||
	    (p.family == AF_INET) != inany_is_v4(&p.dst))
		abort();

	rc = tcp_seg_parse(&p, &s, false);
	rcc = tcp_seg_parse(&p, &sc, true);
	if (rc) {
		if (rcc != rc)
			abort();
		return 0;
	}
	fuzz_inside(s.payload, p.l4);
	if (s.payload.p + s.payload.len != p.l4.p + p.l4.len || s.wscale < -1 ||
	    s.wscale > 14 || (s.flags & 0xc0))
		abort();
	if (!rcc && (sc.seq != s.seq || sc.payload.p != s.payload.p ||
		     sc.mss != s.mss || sc.wscale != s.wscale))
		abort();
	fuzz_rebuild(&p, &s);
	return 0;
}
