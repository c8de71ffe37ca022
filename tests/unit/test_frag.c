// SPDX-License-Identifier: GPL-2.0-or-later
/* test_frag.c - unit tests of IP fragment reassembly and fragmentation */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "packet/checksum.h"
#include "packet/frag.h"
#include "packet/frame.h"
#include "packet/ip.h"

enum {
	ETH = 14,
	IP4 = 20,
	IP6 = 40,
	FH = 8,
	UDP = 17,
	NH_FRAG = 44,
	NH_HOP = 0,
	NH_DST = 60,
	NH_RT = 43,
	SINK_N = 256,
	SINK_CAP = 2048,
};

static const uint8_t mac_a[6] = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
static const uint8_t mac_b[6] = {0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55};
static const uint8_t src4[4] = {192, 0, 2, 10};
static const uint8_t dst4[4] = {198, 51, 100, 2};
static const uint8_t src6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x10};
static const uint8_t dst6[16] = {0x20, 0x01, 0x0d, 0xb8, 1, [15] = 0x02};

static struct frag_table tbl;
static uint8_t dgram[65536 + 64];    /* fragmentable bytes of the datagram */
static uint8_t f[ETH + 512 + 65536]; /* one fragment being built */
static uint8_t whole[ETH + IP6 + 65536];

static uint8_t sbuf[SINK_N][SINK_CAP];
static size_t slen[SINK_N];
static unsigned int s_used;
static size_t s_cap = SINK_CAP;

/**
 * put16() - Store a big-endian 16-bit value
 * @p:		Destination
 * @v:		Value
 */
static void put16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/**
 * fill() - Give the datagram under test recognisable bytes
 * @len:	Bytes to fill
 * @seed:	Pattern seed
 */
static void fill(size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		dgram[i] = (uint8_t)(i * 7 + seed + i / 251);
}

/**
 * frag4() - Build an IPv4 fragment carrying dgram[@off, @off + @len)
 * @id:		Identification
 * @off:	Offset, a multiple of 8
 * @len:	Data length
 * @mf:		More fragments
 *
 * Return: frame length (in f[])
 */
static size_t frag4(uint16_t id, size_t off, size_t len, int mf)
{
	uint16_t c;

	memset(f, 0, ETH + IP4);
	memcpy(f, mac_a, 6);
	memcpy(f + 6, mac_b, 6);
	put16(f + 12, 0x0800);
	f[ETH] = 0x45;
	put16(f + ETH + 2, IP4 + len);
	put16(f + ETH + 4, id);
	put16(f + ETH + 6, (mf ? 0x2000 : 0) | off / 8);
	f[ETH + 8] = 64;
	f[ETH + 9] = UDP;
	memcpy(f + ETH + 12, src4, 4);
	memcpy(f + ETH + 16, dst4, 4);
	c = csum_ip4_header(f + ETH, IP4);
	memcpy(f + ETH + 10, &c, 2);
	memcpy(f + ETH + IP4, dgram + off, len);
	return ETH + IP4 + len;
}

/**
 * frag6x() - Build an IPv6 fragment, extension headers before Fragment
 * @id:		Identification
 * @off:	Offset, a multiple of 8
 * @len:	Data length
 * @m:		More fragments
 * @nh:		Next Header of the fixed header
 * @ext:	Extension headers (the last one names Fragment), or NULL
 * @extlen:	Their length
 *
 * Return: frame length (in f[])
 */
static size_t frag6x(uint32_t id, size_t off, size_t len, int m, uint8_t nh,
		     const uint8_t *ext, size_t extlen)
{
	uint8_t *fh = f + ETH + IP6 + extlen;

	memset(f, 0, ETH + IP6);
	memcpy(f, mac_a, 6);
	memcpy(f + 6, mac_b, 6);
	put16(f + 12, 0x86dd);
	f[ETH] = 0x60;
	put16(f + ETH + 4, extlen + FH + len);
	f[ETH + 6] = nh;
	f[ETH + 7] = 64;
	memcpy(f + ETH + 8, src6, 16);
	memcpy(f + ETH + 24, dst6, 16);
	if (extlen)
		memcpy(f + ETH + IP6, ext, extlen);
	fh[0] = UDP;
	fh[1] = 0;
	put16(fh + 2, off | (m ? 1 : 0));
	put16(fh + 4, id >> 16);
	put16(fh + 6, id & 0xffff);
	memcpy(fh + FH, dgram + off, len);
	return ETH + IP6 + extlen + FH + len;
}

/**
 * frag6() - Build an IPv6 fragment right after the fixed header
 * @id:		Identification
 * @off:	Offset
 * @len:	Data length
 * @m:		More fragments
 *
 * Return: frame length
 */
static size_t frag6(uint32_t id, size_t off, size_t len, int m)
{
	return frag6x(id, off, len, m, NH_FRAG, NULL, 0);
}

/**
 * feed() - Give the fragment in f[] to the table
 * @len:	Its length
 * @now:	Time, milliseconds
 * @out:	Reassembled packet on FRAG_DONE
 *
 * Return: what frag_input() returned
 */
static int feed(size_t len, uint64_t now, struct pview *out)
{
	return frag_input(&tbl, pview_make(f, len), now, out);
}

/**
 * check_udp() - Check a reassembled packet: parses, carries dgram[0, @len)
 * @out:	Packet
 * @len:	Expected L4 length
 * @family:	AF_INET or AF_INET6
 */
static void check_udp(struct pview out, size_t len, int family)
{
	struct pkt_l4 p;

	assert_int_equal(pkt_parse_ip(out, &p), 0);
	assert_int_equal(p.family, family);
	assert_int_equal(p.proto, UDP);
	assert_int_equal(p.l4.len, len);
	assert_memory_equal(p.l4.p, dgram, len);
}

static int setup(void **state)
{
	(void)state;
	memset(&tbl, 0, sizeof(tbl));
	memset(slen, 0, sizeof(slen));
	s_used = 0;
	s_cap = SINK_CAP;
	return 0;
}

static void test_v4_in_order(void **state)
{
	struct pview out;

	(void)state;
	fill(3000, 1);
	assert_int_equal(feed(frag4(7, 0, 1480, 1), 0, &out), FRAG_PENDING);
	assert_int_equal(feed(frag4(7, 1480, 1480, 1), 1, &out), FRAG_PENDING);
	assert_int_equal(frag_in_progress(&tbl), 1);
	assert_int_equal(feed(frag4(7, 2960, 40, 0), 2, &out), FRAG_DONE);
	check_udp(out, 3000, AF_INET);
	assert_int_equal(frag_in_progress(&tbl), 0);
	assert_int_equal(tbl.st.done, 1);
}

static void test_v4_reverse_order(void **state)
{
	struct pview out;
	const uint8_t *ip;

	(void)state;
	fill(4000, 2);
	assert_int_equal(feed(frag4(9, 2960, 1040, 0), 0, &out), FRAG_PENDING);
	assert_int_equal(feed(frag4(9, 1480, 1480, 1), 0, &out), FRAG_PENDING);
	assert_int_equal(feed(frag4(9, 0, 1480, 1), 0, &out), FRAG_DONE);
	check_udp(out, 4000, AF_INET);
	/* header of the offset-0 fragment, offset and MF cleared */
	ip = out.p + ETH;
	assert_int_equal(ip[6] << 8 | ip[7], 0);
	assert_int_equal(ip[2] << 8 | ip[3], IP4 + 4000);
	assert_int_equal(ip[4] << 8 | ip[5], 9);
}

static void test_v6_in_and_reverse_order(void **state)
{
	struct pview out;

	(void)state;
	fill(3000, 3);
	assert_int_equal(feed(frag6(0xabcdef01, 0, 1448, 1), 0, &out),
			 FRAG_PENDING);
	assert_int_equal(feed(frag6(0xabcdef01, 1448, 1448, 1), 0, &out),
			 FRAG_PENDING);
	assert_int_equal(feed(frag6(0xabcdef01, 2896, 104, 0), 0, &out),
			 FRAG_DONE);
	check_udp(out, 3000, AF_INET6);
	assert_int_equal(out.p[ETH + 6], UDP);
	assert_int_equal(out.p[ETH + 4] << 8 | out.p[ETH + 5], 3000);
	frag_batch_end(&tbl);

	fill(3000, 4);
	assert_int_equal(feed(frag6(5, 2896, 104, 0), 0, &out), FRAG_PENDING);
	assert_int_equal(feed(frag6(5, 1448, 1448, 1), 0, &out), FRAG_PENDING);
	assert_int_equal(feed(frag6(5, 0, 1448, 1), 0, &out), FRAG_DONE);
	check_udp(out, 3000, AF_INET6);
}

static void test_duplicates_ignored(void **state)
{
	struct pview out;

	(void)state;
	fill(2000, 5);
	assert_int_equal(feed(frag4(1, 0, 1000, 1), 0, &out), FRAG_PENDING);
	/* same fragment again, then a smaller one inside it: duplicates,
	 * even with other bytes in them
	 */
	dgram[3] ^= 0xff;
	assert_int_equal(feed(frag4(1, 0, 1000, 1), 0, &out), FRAG_PENDING);
	assert_int_equal(feed(frag4(1, 8, 16, 1), 0, &out), FRAG_PENDING);
	dgram[3] ^= 0xff;
	assert_int_equal(tbl.st.dup, 2);
	assert_int_equal(feed(frag4(1, 1000, 1000, 0), 0, &out), FRAG_DONE);
	check_udp(out, 2000, AF_INET);
	frag_batch_end(&tbl);

	fill(2000, 6);
	assert_int_equal(feed(frag6(1, 1000, 1000, 0), 0, &out), FRAG_PENDING);
	assert_int_equal(feed(frag6(1, 1000, 1000, 0), 0, &out), FRAG_PENDING);
	assert_int_equal(feed(frag6(1, 0, 1000, 1), 0, &out), FRAG_DONE);
	check_udp(out, 2000, AF_INET6);
	assert_int_equal(tbl.st.dup, 3);
}

static void test_v6_overlap_drops_datagram(void **state)
{
	struct pview out;

	(void)state;
	fill(48, 7);
	assert_int_equal(feed(frag6(3, 0, 16, 1), 0, &out), FRAG_PENDING);
	/* RFC 5722: [8, 24) overlaps [0, 16): everything goes */
	assert_int_equal(feed(frag6(3, 8, 16, 1), 0, &out), -EPROTO);
	assert_int_equal(tbl.st.overlap, 1);
	assert_int_equal(frag_in_progress(&tbl), 0);
	/* the rest arrives: nothing completes, it starts over */
	assert_int_equal(feed(frag6(3, 16, 32, 0), 0, &out), FRAG_PENDING);
	assert_int_equal(feed(frag6(3, 8, 8, 1), 0, &out), FRAG_PENDING);
	assert_int_equal(frag_in_progress(&tbl), 1);
}

static void test_v4_overlap_drops_datagram(void **state)
{
	struct pview out;

	(void)state;
	fill(64, 8);
	/* RFC 791 allowed it; Linux drops since 4.19, and so do we */
	assert_int_equal(feed(frag4(4, 16, 48, 0), 0, &out), FRAG_PENDING);
	assert_int_equal(feed(frag4(4, 0, 24, 1), 0, &out), -EPROTO);
	assert_int_equal(tbl.st.overlap, 1);
	assert_int_equal(feed(frag4(4, 0, 16, 1), 0, &out), FRAG_PENDING);
	assert_int_equal(frag_in_progress(&tbl), 1);
}

static void test_missing_last_times_out(void **state)
{
	struct pview out;

	(void)state;
	fill(3000, 9);
	assert_int_equal(feed(frag4(11, 0, 1480, 1), 1000, &out), FRAG_PENDING);
	assert_int_equal(feed(frag4(11, 1480, 1480, 1), 2000, &out),
			 FRAG_PENDING);
	/* 30 s after the first fragment: abandoned; the last one alone
	 * starts a new datagram that can't complete
	 */
	assert_int_equal(
		feed(frag4(11, 2960, 40, 0), 1000 + FRAG_TIMEOUT4_MS, &out),
		FRAG_PENDING);
	assert_int_equal(tbl.st.timeout, 1);
	assert_int_equal(frag_in_progress(&tbl), 1);

	/* IPv6: 60 s, a millisecond short of it still completes */
	fill(24, 10);
	assert_int_equal(feed(frag6(12, 0, 16, 1), 5000, &out), FRAG_PENDING);
	assert_int_equal(
		feed(frag6(12, 16, 8, 0), 5000 + FRAG_TIMEOUT6_MS - 1, &out),
		FRAG_DONE);
	check_udp(out, 24, AF_INET6);
	frag_batch_end(&tbl);
	assert_int_equal(feed(frag6(13, 0, 16, 1), 0, &out), FRAG_PENDING);
	assert_int_equal(feed(frag6(13, 16, 8, 0), FRAG_TIMEOUT6_MS, &out),
			 FRAG_PENDING);
	assert_int_equal(tbl.st.timeout, 3);
}

static void test_too_long_and_beyond_last(void **state)
{
	struct pview out;

	(void)state;
	fill(65536, 11);
	/* 20 + 65528 + 16 > 65535 */
	assert_int_equal(feed(frag4(20, 65528, 16, 0), 0, &out), -EMSGSIZE);
	/* IPv6 reassembled Payload Length over 65535 (RFC 8200 4.5) */
	assert_int_equal(feed(frag6(20, 65528, 8, 0), 0, &out), -EMSGSIZE);
	assert_int_equal(feed(frag6(21, 65528, 7, 0), 0, &out), FRAG_PENDING);
	assert_int_equal(tbl.st.toobig, 2);

	/* the last fragment says 20 bytes: one reaching past is refused */
	assert_int_equal(feed(frag4(22, 16, 4, 0), 0, &out), FRAG_PENDING);
	assert_int_equal(feed(frag4(22, 24, 8, 1), 0, &out), -EPROTO);
	assert_int_equal(tbl.st.bad, 1);
	/* ... and so is a second last fragment with another length */
	assert_int_equal(feed(frag4(23, 16, 4, 0), 0, &out), FRAG_PENDING);
	assert_int_equal(feed(frag4(23, 16, 12, 0), 0, &out), -EPROTO);
	/* ... and a last one ending before data already received */
	assert_int_equal(feed(frag6(24, 32, 8, 1), 0, &out), FRAG_PENDING);
	assert_int_equal(feed(frag6(24, 8, 8, 0), 0, &out), -EPROTO);
	assert_int_equal(tbl.st.bad, 3);
}

static void test_full_table_evicts_oldest(void **state)
{
	struct pview out;
	unsigned int i;

	(void)state;
	fill(16, 12);
	for (i = 0; i < FRAG_SLOTS; i++)
		assert_int_equal(
			feed(frag4((uint16_t)i, 0, 8, 1), 100 + i, &out),
			FRAG_PENDING);
	assert_int_equal(frag_in_progress(&tbl), FRAG_SLOTS);
	assert_int_equal(feed(frag4(1000, 0, 8, 1), 200, &out), FRAG_PENDING);
	assert_int_equal(tbl.st.evicted, 1);
	assert_int_equal(frag_in_progress(&tbl), FRAG_SLOTS);
	/* id 0 was the oldest: gone; id 1 is still there */
	assert_int_equal(feed(frag4(1, 8, 8, 0), 201, &out), FRAG_DONE);
	check_udp(out, 16, AF_INET);
	assert_int_equal(feed(frag4(0, 8, 8, 0), 202, &out), FRAG_PENDING);
	assert_int_equal(tbl.st.evicted, 2);
}

static void test_held_until_batch_end(void **state)
{
	struct pview out, first = {NULL, 0};
	unsigned int i;
	uint8_t copy[ETH + IP4 + 16];

	(void)state;
	fill(16, 13);
	for (i = 0; i < FRAG_SLOTS; i++) {
		assert_int_equal(feed(frag4((uint16_t)i, 0, 8, 1), 0, &out),
				 FRAG_PENDING);
		assert_int_equal(feed(frag4((uint16_t)i, 8, 8, 0), 0, &out),
				 FRAG_DONE);
		if (!i) {
			first = out;
			memcpy(copy, out.p, sizeof(copy));
		}
	}
	/* every slot handed out in this batch: nothing is overwritten */
	fill(16, 99);
	assert_int_equal(feed(frag4(500, 0, 8, 1), 0, &out), -ENOBUFS);
	assert_int_equal(tbl.st.nobufs, 1);
	assert_memory_equal(first.p, copy, sizeof(copy));
	frag_batch_end(&tbl);
	assert_int_equal(feed(frag4(500, 0, 8, 1), 0, &out), FRAG_PENDING);
	assert_int_equal(tbl.st.evicted, 0);
}

static void test_v6_after_extension_headers(void **state)
{
	/* Hop-by-Hop (8 octets, PadN) then Destination Options naming
	 * Fragment: both stay, the last one's Next Header becomes UDP
	 */
	uint8_t ext[16] = {NH_DST,  0, 1, 4, 0, 0, 0, 0,
			   NH_FRAG, 0, 1, 4, 0, 0, 0, 0};
	uint8_t big[FRAG_HDR_ROOM] = {0};
	struct pview out;
	struct pkt_l4 p;

	(void)state;
	fill(100, 14);
	assert_int_equal(feed(frag6x(30, 0, 48, 1, NH_HOP, ext, 16), 0, &out),
			 FRAG_PENDING);
	assert_int_equal(feed(frag6x(30, 48, 52, 0, NH_HOP, ext, 16), 0, &out),
			 FRAG_DONE);
	assert_int_equal(out.len, ETH + IP6 + 16 + 100);
	assert_int_equal(out.p[ETH + 6], NH_HOP);
	assert_int_equal(out.p[ETH + IP6], NH_DST);
	assert_int_equal(out.p[ETH + IP6 + 8], UDP);
	assert_int_equal(out.p[ETH + 4] << 8 | out.p[ETH + 5], 116);
	assert_int_equal(pkt_parse_ip(out, &p), 0);
	assert_int_equal(p.proto, UDP);
	assert_int_equal(p.l4.len, 100);
	assert_memory_equal(p.l4.p, dgram, 100);

	/* a Routing header works the same */
	ext[0] = NH_FRAG;
	assert_int_equal(feed(frag6x(31, 0, 48, 1, NH_RT, ext, 8), 0, &out),
			 FRAG_PENDING);
	assert_int_equal(feed(frag6x(31, 48, 52, 0, NH_RT, ext, 8), 0, &out),
			 FRAG_DONE);
	assert_int_equal(out.p[ETH + IP6], UDP);

	/* Hop-by-Hop anywhere but first is malformed */
	ext[0] = NH_HOP;
	ext[8] = NH_FRAG;
	assert_int_equal(feed(frag6x(32, 0, 48, 1, NH_DST, ext, 16), 0, &out),
			 -EINVAL);

	/* unfragmentable headers that don't fit FRAG_HDR_ROOM: refused */
	big[0] = NH_FRAG;
	big[1] = (uint8_t)(sizeof(big) / 8 - 1);
	assert_int_equal(
		feed(frag6x(33, 0, 48, 1, NH_DST, big, sizeof(big)), 0, &out),
		-EOPNOTSUPP);
}

static void test_small_fragments_at_unit_edges(void **state)
{
	struct pview out;

	(void)state;
	fill(17, 15);
	/* with MF, under 8 octets: nothing left once trimmed (IPv4), or
	 * not a multiple of 8 (IPv6)
	 */
	assert_int_equal(feed(frag4(40, 0, 1, 1), 0, &out), -EINVAL);
	assert_int_equal(feed(frag4(40, 8, 7, 1), 0, &out), -EINVAL);
	assert_int_equal(feed(frag6(40, 0, 1, 1), 0, &out), -EINVAL);
	assert_int_equal(feed(frag6(40, 0, 9, 1), 0, &out), -EINVAL);

	/* IPv4 with MF and 9 octets: trimmed to 8 (the 9th comes again in
	 * the next fragment, no overlap)
	 */
	assert_int_equal(feed(frag4(41, 0, 9, 1), 0, &out), FRAG_PENDING);
	assert_int_equal(feed(frag4(41, 16, 1, 0), 0, &out), FRAG_PENDING);
	assert_int_equal(feed(frag4(41, 8, 8, 1), 0, &out), FRAG_DONE);
	check_udp(out, 17, AF_INET);
	frag_batch_end(&tbl);

	/* last fragments of 1 octet, and of 0 octets, right at a unit */
	assert_int_equal(feed(frag6(42, 8, 1, 0), 0, &out), FRAG_PENDING);
	assert_int_equal(feed(frag6(42, 0, 8, 1), 0, &out), FRAG_DONE);
	check_udp(out, 9, AF_INET6);
	assert_int_equal(feed(frag6(43, 16, 0, 0), 0, &out), FRAG_PENDING);
	assert_int_equal(feed(frag6(43, 8, 8, 1), 0, &out), FRAG_PENDING);
	assert_int_equal(feed(frag6(43, 0, 8, 1), 0, &out), FRAG_DONE);
	check_udp(out, 16, AF_INET6);
}

static void test_not_fragments_and_malformed(void **state)
{
	struct pview out;
	size_t len;

	(void)state;
	fill(100, 16);
	len = frag4(50, 0, 100, 0); /* offset 0, MF clear: whole */
	assert_int_equal(feed(len, 0, &out), -ENOENT);
	len = frag4(50, 0, 96, 1);
	f[ETH + 10] ^= 1; /* header checksum */
	assert_int_equal(feed(len, 0, &out), -EINVAL);
	len = frag4(50, 0, 96, 1);
	assert_int_equal(feed(len - 1, 0, &out), -EINVAL); /* truncated */
	len = frag6(50, 0, 96, 1);
	f[ETH + 6] = UDP; /* no Fragment header */
	assert_int_equal(feed(len, 0, &out), -ENOENT);
	len = frag6(50, 0, 96, 1);
	assert_int_equal(feed(ETH + IP6 + 4, 0, &out), -EINVAL);
	put16(f + 12, 0x0806);
	assert_int_equal(feed(len, 0, &out), -ENOENT);
	assert_int_equal(feed(10, 0, &out), -ENOENT);
	assert_int_equal(frag_in_progress(&tbl), 0);
}

static void test_v6_atomic_fragment_alone(void **state)
{
	struct pview out;

	(void)state;
	fill(40, 17);
	assert_int_equal(feed(frag6(60, 0, 16, 1), 0, &out), FRAG_PENDING);
	/* RFC 6946: offset 0 and M clear, same id: handled in isolation */
	assert_int_equal(feed(frag6(60, 0, 40, 0), 0, &out), FRAG_DONE);
	check_udp(out, 40, AF_INET6);
	assert_int_equal(feed(frag6(60, 16, 24, 0), 0, &out), FRAG_DONE);
	check_udp(out, 40, AF_INET6);
}

/* A sink over sbuf[], in order */
static unsigned int sink_reserve(struct frame_sink *s, unsigned int n,
				 uint8_t **bufs, size_t *cap)
{
	unsigned int i;

	(void)s;
	for (i = 0; i < n && s_used < SINK_N; i++)
		bufs[i] = sbuf[s_used++];
	*cap = s_cap;
	return i;
}

static void sink_commit(struct frame_sink *s, uint8_t *buf, size_t len,
			const struct frame_offload *o)
{
	(void)s;
	assert_null(o);
	slen[(size_t)(buf - sbuf[0]) / SINK_CAP] = len;
}

static int sink_flush(struct frame_sink *s)
{
	(void)s;
	return 0;
}

static struct frame_sink sink = {sink_reserve, sink_commit, sink_flush, false,
				 NULL};

/**
 * make_udp() - Build a whole UDP frame around dgram[0, @len) in whole[]
 * @v6:		IPv6, else IPv4
 * @len:	Payload length
 *
 * Return: frame length; dgram[] then holds the UDP header and payload
 */
static size_t make_udp(int v6, size_t len)
{
	struct in_addr s4, d4;
	struct in6_addr s6, d6;
	struct pbuf b;
	size_t flen, l4;

	memcpy(&s4, src4, 4);
	memcpy(&d4, dst4, 4);
	memcpy(&s6, src6, 16);
	memcpy(&d6, dst6, 16);
	pbuf_init(&b, whole, sizeof(whole));
	if (v6) {
		assert_true(frame_udp6_begin(&b, mac_a, mac_b));
		pbuf_put(&b, dgram, len);
		flen = frame_udp6_finish(&b, &s6, &d6, 4000, 53, false);
		l4 = ETH + IP6;
	} else {
		assert_true(frame_udp4_begin(&b, mac_a, mac_b));
		pbuf_put(&b, dgram, len);
		flen = frame_udp4_finish(&b, s4, d4, 4000, 53, false);
		l4 = ETH + IP4;
	}
	assert_true(flen > 0);
	memcpy(dgram, whole + l4, len + 8);
	return flen;
}

/**
 * round_trip() - Fragment a UDP frame, check the fragments, reassemble
 * @v6:		IPv6
 * @len:	Payload length
 * @mtu:	MTU
 * @reverse:	Feed the fragments last first
 */
static void round_trip(int v6, size_t len, size_t mtu, int reverse)
{
	size_t per = v6 ? (mtu - IP6 - FH) & ~7UL : (mtu - IP4) & ~7UL;
	size_t flen = make_udp(v6, len), l4 = len + 8;
	struct pview out = {NULL, 0};
	int n, i, done = 0;
	struct pkt_l4 p;

	setup(NULL);
	n = frag_build(&sink, pview_make(whole, flen), mtu, 0x1234567);
	assert_int_equal(n, (l4 + per - 1) / per);
	for (i = 0; i < n; i++) {
		int k = reverse ? n - 1 - i : i, rc;

		assert_true(slen[k] <= ETH + mtu);
		assert_true(slen[k] >= 60);
		rc = frag_input(&tbl, pview_make(sbuf[k], slen[k]), 0, &out);
		assert_int_equal(rc, i == n - 1 ? FRAG_DONE : FRAG_PENDING);
		done += rc == FRAG_DONE;
	}
	assert_int_equal(done, 1);
	check_udp(out, l4, v6 ? AF_INET6 : AF_INET);
	/* the UDP checksum computed over the whole datagram still holds */
	assert_int_equal(pkt_parse_ip(out, &p), 0);
	if (v6)
		assert_int_equal(csum_l4_ip6(&p.src.a6, &p.dst.a6, UDP, p.l4.p,
					     p.l4.len),
				 0);
	else
		assert_int_equal(csum_l4_ip4(p.src.v4mapped.a4,
					     p.dst.v4mapped.a4, UDP, p.l4.p,
					     p.l4.len),
				 0);
}

static void test_fragmenter_round_trip(void **state)
{
	(void)state;
	fill(65536, 18);
	round_trip(0, 4000, 1500, 0);
	round_trip(0, 60000, 1500, 1);
	round_trip(0, 65507, 1500, 0);
	round_trip(1, 4000, 1500, 1);
	round_trip(1, 60000, 1500, 0);
	round_trip(1, 65527, 1280, 1);
	round_trip(0, 100, 68, 0);
	/* sizes around the per-fragment data length */
	round_trip(0, 2 * 1480 - 8, 1500, 0);
	round_trip(0, 2 * 1480 - 7, 1500, 1);
	round_trip(1, 2 * 1448 - 8, 1500, 0);
	round_trip(1, 2 * 1448 - 7, 1500, 1);
}

static void test_fragmenter_headers(void **state)
{
	size_t flen;
	int n;

	(void)state;
	fill(65536, 19);
	flen = make_udp(0, 3000);
	n = frag_build(&sink, pview_make(whole, flen), 1500, 0x10002);
	assert_int_equal(n, 3);
	/* id's low 16 bits, MF on all but the last, offsets in 8 octets */
	assert_int_equal(sbuf[0][ETH + 4] << 8 | sbuf[0][ETH + 5], 2);
	assert_int_equal(sbuf[0][ETH + 6] << 8 | sbuf[0][ETH + 7], 0x2000);
	assert_int_equal(sbuf[1][ETH + 6] << 8 | sbuf[1][ETH + 7],
			 0x2000 | 185);
	assert_int_equal(sbuf[2][ETH + 6] << 8 | sbuf[2][ETH + 7], 370);
	assert_int_equal(slen[0], ETH + 1500);
	assert_int_equal(slen[2], ETH + IP4 + 3008 - 2960);

	setup(NULL);
	flen = make_udp(1, 3000);
	n = frag_build(&sink, pview_make(whole, flen), 1500, 0xdeadbeef);
	assert_int_equal(n, 3);
	assert_int_equal(sbuf[0][ETH + 6], NH_FRAG);
	assert_int_equal(sbuf[0][ETH + IP6], UDP);
	assert_int_equal(sbuf[1][ETH + IP6 + 2] << 8 | sbuf[1][ETH + IP6 + 3],
			 1448 | 1);
	assert_int_equal(sbuf[2][ETH + IP6 + 3] & 1, 0);
	assert_memory_equal(sbuf[2] + ETH + IP6 + 4, "\xde\xad\xbe\xef", 4);
	assert_int_equal(slen[0], ETH + 1496);

	/* can't fragment: MTU too small, sink buffers too small */
	setup(NULL);
	assert_int_equal(frag_build(&sink, pview_make(whole, flen), 50, 1),
			 -EINVAL);
	s_cap = 100;
	assert_int_equal(frag_build(&sink, pview_make(whole, flen), 1500, 1),
			 -EMSGSIZE);
	assert_int_equal(frag_build(&sink, pview_make(whole, 20), 1500, 1),
			 -EINVAL);
}

static void test_out_queue_keeps_order(void **state)
{
	static struct frag_out q;
	uint8_t small[100];
	size_t flen;
	unsigned int i;

	(void)state;
	memset(&q, 0, sizeof(q));
	memset(small, 0x5a, sizeof(small));
	fill(65536, 20);
	flen = make_udp(0, 4000);

	/* fits, nothing queued: the caller sends it as it is */
	assert_false(frag_out_defer(&q, 1500, small, sizeof(small)));
	/* no MTU: never fragmented */
	assert_false(frag_out_defer(&q, 0, whole, flen));
	/* too large: queued, and the small one after it waits behind */
	assert_true(frag_out_defer(&q, 1500, whole, flen));
	assert_true(frag_out_defer(&q, 1500, small, sizeof(small)));
	assert_int_equal(q.n, 2);
	assert_int_equal(frag_out_flush(&q, &sink, 1500), 0);
	assert_int_equal(q.n, 0);
	assert_int_equal(s_used, 4);
	for (i = 0; i < 3; i++)
		assert_int_equal(sbuf[i][12] << 8 | sbuf[i][13], 0x0800);
	assert_int_equal(slen[3], sizeof(small));
	assert_memory_equal(sbuf[3], small, sizeof(small));
	assert_false(frag_out_defer(&q, 1500, small, sizeof(small)));

	/* more than a batch: the rest is dropped, and counted */
	for (i = 0; i < FRAG_OUT_FRAMES + 2; i++)
		assert_true(frag_out_defer(&q, 1500, whole, flen));
	assert_int_equal(q.dropped, 2);
	q.n = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_v4_in_order, setup),
		cmocka_unit_test_setup(test_v4_reverse_order, setup),
		cmocka_unit_test_setup(test_v6_in_and_reverse_order, setup),
		cmocka_unit_test_setup(test_duplicates_ignored, setup),
		cmocka_unit_test_setup(test_v6_overlap_drops_datagram, setup),
		cmocka_unit_test_setup(test_v4_overlap_drops_datagram, setup),
		cmocka_unit_test_setup(test_missing_last_times_out, setup),
		cmocka_unit_test_setup(test_too_long_and_beyond_last, setup),
		cmocka_unit_test_setup(test_full_table_evicts_oldest, setup),
		cmocka_unit_test_setup(test_held_until_batch_end, setup),
		cmocka_unit_test_setup(test_v6_after_extension_headers, setup),
		cmocka_unit_test_setup(test_small_fragments_at_unit_edges,
				       setup),
		cmocka_unit_test_setup(test_not_fragments_and_malformed, setup),
		cmocka_unit_test_setup(test_v6_atomic_fragment_alone, setup),
		cmocka_unit_test_setup(test_fragmenter_round_trip, setup),
		cmocka_unit_test_setup(test_fragmenter_headers, setup),
		cmocka_unit_test_setup(test_out_queue_keeps_order, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
