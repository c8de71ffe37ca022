// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_frag.c - libFuzzer harness: sequences of IP fragments from the guest
 *
 * The input is a list of records, each starting with an opcode byte.
 * 0: a fragment made of 6 bytes: flags (bit 0 IPv6, bit 1 more fragments,
 * bits 2-7 seconds to advance the clock), id, offset in 8-octet units (16
 * bits), data length (low 12 of 16 bits); the data is a fixed function of
 * the id and of the offset of each byte in the datagram.
 * 1: a raw frame: length (16 bits), then the bytes.
 * 2: end of the link's batch (frag_batch_end()).
 * 3: a round trip: flags (bit 0 IPv6), length (16 bits), MTU (16 bits): a
 * UDP datagram is fragmented by frag_build() and reassembled.
 * Invariants: a reassembled packet lies in the table, parses with
 * pkt_parse_ip() into exactly the bytes the fragments carried (unless raw
 * frames could have mixed in), and a round trip gives back the datagram.
 */

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "packet/checksum.h"
#include "packet/frag.h"
#include "packet/frame.h"
#include "packet/ip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct frag_table tbl;
static uint8_t frame[14 + 40 + 8 + 65536];
static uint8_t sinkbuf[65600];
static uint8_t whole[14 + 40 + 8 + 65536];
static uint8_t payload[65536];
static const uint8_t mac[6] = {0x52, 0x54, 0, 1, 2, 3};

/**
 * pattern() - Byte @i of the datagram of fragments with id @id
 * @id:		Identification
 * @i:		Offset in the datagram
 *
 * Return: the byte
 */
static uint8_t pattern(unsigned int id, size_t i)
{
	return (uint8_t)(i * 31 + (size_t)id * 7 + i / 256);
}

/**
 * check_out() - Check a packet frag_input() handed out
 * @out:	Packet
 * @strict:	Its data must be the pattern of @id
 * @id:		Identification
 */
static void check_out(struct pview out, int strict, unsigned int id)
{
	const uint8_t *lo = (const uint8_t *)tbl.slot;
	struct pkt_l4 p;
	size_t i;

	if (out.p < lo || out.p + out.len > lo + sizeof(tbl.slot))
		abort();
	if (!strict)
		return;
	if (pkt_parse_ip(out, &p))
		abort();
	for (i = 0; i < p.l4.len; i++) {
		if (p.l4.p[i] != pattern(id, i))
			abort();
	}
}

/**
 * build_frag() - Build a fragment from a record of opcode 0
 * @r:		6 bytes: flags, id, offset (units), length
 *
 * Return: frame length
 */
static size_t build_frag(const uint8_t *r)
{
	/* up to 4 KiB of data: the offset alone reaches the 64 KiB limits */
	size_t off = (size_t)(r[2] << 8 | r[3]) * 8,
	       len = (r[4] << 8 | r[5]) & 0xfff;
	int v6 = r[0] & 1, more = r[0] & 2;
	size_t h = v6 ? 14 + 40 + 8 : 14 + 20, i;
	uint16_t c;

	memset(frame, 0, h);
	memcpy(frame, mac, 6);
	if (v6) {
		off &= 0xfff8;
		len = len > 65535 - 8 ? 65535 - 8 : len;
		frame[12] = 0x86;
		frame[13] = 0xdd;
		frame[14] = 0x60;
		frame[18] = (uint8_t)((len + 8) >> 8);
		frame[19] = (uint8_t)(len + 8);
		frame[20] = 44;
		frame[21] = 64;
		frame[22] = 0x20;
		frame[23] = 0x01;
		frame[38] = 0x20;
		frame[39] = 0x01;
		frame[53] = 2;
		frame[54] = 17;
		frame[56] = (uint8_t)(off >> 8);
		frame[57] = (uint8_t)((off & 0xf8) | (more ? 1 : 0));
		frame[61] = r[1];
	} else {
		off &= 0xfff8;
		len = len > 65535 - 20 ? 65535 - 20 : len;
		frame[12] = 0x08;
		frame[14] = 0x45;
		frame[16] = (uint8_t)((len + 20) >> 8);
		frame[17] = (uint8_t)(len + 20);
		frame[19] = r[1];
		frame[20] = (uint8_t)((more ? 0x20 : 0) | off >> 11);
		frame[21] = (uint8_t)(off >> 3);
		frame[22] = 64;
		frame[23] = 17;
		frame[26] = 192;
		frame[29] = 1;
		frame[30] = 198;
		frame[33] = 2;
		c = csum_ip4_header(frame + 14, 20);
		memcpy(frame + 24, &c, 2);
	}
	for (i = 0; i < len; i++)
		frame[h + i] = pattern(r[1], off + i);
	return h + len;
}

/* Round trip: the sink hands every fragment to the table at once */
static uint64_t rt_now;
static int rt_done;
static struct pview rt_out;

static unsigned int rt_reserve(struct frame_sink *s, unsigned int n,
			       uint8_t **bufs, size_t *cap)
{
	(void)s;
	(void)n;
	bufs[0] = sinkbuf;
	*cap = sizeof(sinkbuf);
	return 1;
}

static void rt_commit(struct frame_sink *s, uint8_t *buf, size_t len,
		      const struct frame_offload *o)
{
	struct pview out;

	(void)s;
	(void)o;
	if (!len)
		return;
	if (frag_input(&tbl, pview_make(buf, len), rt_now, &out) == FRAG_DONE) {
		rt_done++;
		rt_out = out;
	}
}

static int rt_flush(struct frame_sink *s)
{
	(void)s;
	return 0;
}

static struct frame_sink rt_sink = {rt_reserve, rt_commit, rt_flush, false,
				    NULL};

/**
 * round_trip() - Fragment a datagram and reassemble it
 * @r:		5 bytes: flags, length, MTU
 * @strict:	No raw frame was fed: the result must be exact
 */
static void round_trip(const uint8_t *r, int strict)
{
	struct in6_addr s6 = {{{0x20, 0x01, 0x0d, 0xb8, 9}}}, d6 = s6;
	struct in_addr s4 = {htonl(0xcb007101)}, d4 = {htonl(0xcb007102)};
	size_t len = r[1] << 8 | r[2], mtu = r[3] << 8 | r[4], i, flen;
	int v6 = r[0] & 1, n;
	struct pkt_l4 p;
	struct pbuf b;

	len = len > 65507 ? 65507 : len;
	mtu = 68 + mtu % 9000;
	for (i = 0; i < len; i++)
		payload[i] = pattern((unsigned int)len, i);
	pbuf_init(&b, whole, sizeof(whole));
	if (v6) {
		d6.s6_addr[15] = 1;
		frame_udp6_begin(&b, mac, mac);
		pbuf_put(&b, payload, len);
		flen = frame_udp6_finish(&b, &s6, &d6, 1, 2, false);
	} else {
		frame_udp4_begin(&b, mac, mac);
		pbuf_put(&b, payload, len);
		flen = frame_udp4_finish(&b, s4, d4, 1, 2, false);
	}
	if (!flen)
		abort();
	frag_batch_end(&tbl);
	rt_done = 0;
	n = frag_build(&rt_sink, pview_make(whole, flen), mtu, 77);
	if (n < 0)
		abort();
	/* a single fragment of IPv4 is a whole packet, not reassembled */
	if (!strict || (n == 1 && !v6))
		return;
	if (rt_done != 1 || pkt_parse_ip(rt_out, &p) || p.l4.len != len + 8)
		abort();
	if (memcmp(p.l4.p + 8, payload, len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pview in = pview_make(data, size), out;
	uint64_t now = 0;
	int strict = 1, rc;
	size_t pos = 0;
	uint8_t op;

	/* the data areas need no clearing: only what a slot says is used */
	for (pos = 0; pos < FRAG_SLOTS; pos++)
		memset(&tbl.slot[pos], 0, offsetof(struct frag_slot, buf));
	memset(&tbl.st, 0, sizeof(tbl.st));
	pos = 0;
	while (pview_u8(in, pos++, &op)) {
		const uint8_t *r;
		uint16_t len;

		switch (op % 4) {
		case 0:
			r = pview_get(in, pos, 6);
			if (!r)
				return 0;
			pos += 6;
			now += (uint64_t)(r[0] >> 2) * 1000;
			rc = frag_input(&tbl, pview_make(frame, build_frag(r)),
					now, &out);
			if (rc == FRAG_DONE)
				check_out(out, strict, r[1]);
			break;
		case 1:
			if (!pview_be16(in, pos, &len) ||
			    !pview_get(in, pos + 2, len))
				return 0;
			strict = 0;
			rc = frag_input(&tbl, pview_sub(in, pos + 2, len), now,
					&out);
			if (rc == FRAG_DONE)
				check_out(out, 0, 0);
			pos += 2 + (size_t)len;
			break;
		case 2:
			frag_batch_end(&tbl);
			break;
		default:
			r = pview_get(in, pos, 5);
			if (!r)
				return 0;
			pos += 5;
			rt_now = now;
			round_trip(r, strict);
			break;
		}
	}
	return 0;
}
