/* SPDX-License-Identifier: GPL-2.0-or-later */
/* frag.h - IPv4 and IPv6 fragments: reassembly from the guest, fragmentation
 *	    towards it
 *
 * Theory of operation: see frag.c and doc/frag.md. Both halves are pure:
 * the caller owns the tables, passes the monotonic time in, and gets frames
 * back (a view of a rebuilt packet, or frames committed to a sink).
 */
#ifndef PACKET_FRAG_H
#define PACKET_FRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/inany.h"
#include "base/view.h"
#include "packet/sink.h"

/* Sizes of the reassembly table */
enum frag_size {
	FRAG_SLOTS = 32,       /* datagrams being put together at once */
	FRAG_DATA_MAX = 65535, /* fragmentable bytes of one datagram */
	FRAG_HDR_ROOM = 256,   /* Ethernet, IP and unfragmentable headers */
	FRAG_UNIT = 8,	       /* fragment offsets count 8-octet units */
	FRAG_UNITS = (FRAG_DATA_MAX + FRAG_UNIT - 1) / FRAG_UNIT,
	FRAG_MAP_WORDS = (FRAG_UNITS + 63) / 64,
};

/* Reassembly timeouts, milliseconds: RFC 8200 4.5 says 60 s for IPv6; for
 * IPv4, 30 s as Linux (net.ipv4.ipfrag_time), within RFC 1122 3.3.2
 */
#define FRAG_TIMEOUT4_MS 30000
#define FRAG_TIMEOUT6_MS 60000

/* Outcome of frag_input() that is not an error */
enum frag_result {
	FRAG_PENDING = 0, /* kept (or a duplicate): datagram not complete */
	FRAG_DONE = 1,	  /* datagram complete: the view is the whole packet */
};

/**
 * struct frag_slot - One datagram being reassembled
 * @used:	Slot in use
 * @held:	Complete and handed out: kept until frag_batch_end()
 * @atomic:	IPv6 atomic fragment (RFC 6946): never matched by a lookup
 * @v6:		IPv6 (key: @src, @dst, @id), else IPv4 (and @proto)
 * @proto:	IPv4 protocol
 * @id:		Identification (16 bits for IPv4, 32 for IPv6)
 * @src:	Source address
 * @dst:	Destination address
 * @since:	Arrival of the first fragment, milliseconds (timeout base)
 * @first_in:	Fragment at offset 0 received: the headers are in @buf
 * @last_in:	Last fragment received: @total is known
 * @total:	Fragmentable length of the datagram, once @last_in
 * @max_end:	Largest end of any fragment received so far
 * @units:	8-octet units received (bits set in @map)
 * @hlen:	Length of the headers in front of the data (Ethernet, IP and
 *		IPv6 unfragmentable extension headers)
 * @nh_off:	IPv6: offset in those headers of the Next Header byte that
 *		named the Fragment header
 * @nh:		IPv6: Next Header of the Fragment header of the first fragment
 * @map:	Units received, one bit each
 * @buf:	Headers end at FRAG_HDR_ROOM, data start there
 */
struct frag_slot {
	bool used;
	bool held;
	bool atomic;
	bool v6;
	uint8_t proto;
	uint32_t id;
	union inany_addr src;
	union inany_addr dst;
	uint64_t since;
	bool first_in;
	bool last_in;
	size_t total;
	size_t max_end;
	size_t units;
	size_t hlen;
	size_t nh_off;
	uint8_t nh;
	uint64_t map[FRAG_MAP_WORDS];
	uint8_t buf[FRAG_HDR_ROOM + FRAG_DATA_MAX];
};

/**
 * struct frag_stats - What happened to fragments, for logs and tests
 * @done:	Datagrams reassembled
 * @dup:	Duplicate fragments ignored
 * @overlap:	Datagrams dropped for overlapping fragments
 * @bad:	Malformed fragments, or fragments against the known length
 * @toobig:	Fragments or datagrams over 65535 bytes, or headers too long
 * @timeout:	Datagrams abandoned after the timeout
 * @evicted:	Datagrams dropped to make room for a new one
 * @nobufs:	Fragments dropped: every slot held until the batch ends
 */
struct frag_stats {
	unsigned long done;
	unsigned long dup;
	unsigned long overlap;
	unsigned long bad;
	unsigned long toobig;
	unsigned long timeout;
	unsigned long evicted;
	unsigned long nobufs;
};

/**
 * struct frag_table - Reassembly of the guest's fragmented datagrams
 * @slot:	Datagrams in progress or held
 * @st:		Counters
 */
struct frag_table {
	struct frag_slot slot[FRAG_SLOTS];
	struct frag_stats st;
};

int frag_input(struct frag_table *t, struct pview frame, uint64_t now,
	       struct pview *out);
void frag_batch_end(struct frag_table *t);
unsigned int frag_in_progress(const struct frag_table *t);

/* Frames queued by frag_out_defer(): one receive batch of the transport */
enum frag_out_size {
	FRAG_OUT_FRAMES = 32,
	FRAG_OUT_FRAME_MAX = 14 + 65535, /* Ethernet header + IP packet */
};

/**
 * struct frag_out - Frames to the guest that wait to be fragmented
 * @n:		Frames queued
 * @len:	Length of each
 * @id:		Next identification for a fragmented datagram
 * @dropped:	Frames dropped: queue full, or not fragmentable
 * @buf:	The frames
 */
struct frag_out {
	unsigned int n;
	size_t len[FRAG_OUT_FRAMES];
	uint32_t id;
	unsigned long dropped;
	uint8_t buf[FRAG_OUT_FRAMES][FRAG_OUT_FRAME_MAX];
};

int frag_build(struct frame_sink *s, struct pview frame, size_t mtu,
	       uint32_t id);
bool frag_out_defer(struct frag_out *q, size_t mtu, const uint8_t *frame,
		    size_t len);
unsigned int frag_out_flush(struct frag_out *q, struct frame_sink *s,
			    size_t mtu);

#endif /* PACKET_FRAG_H */
