/* SPDX-License-Identifier: GPL-2.0-or-later */
/* portscan.h - bound ports from /proc/net/{tcp,udp}{,6} text, as a bitmap
 *
 * Theory of operation: pasta's "auto" forwarding (compat.md 5.1) follows the
 * ports bound on the other side by reading the kernel's socket tables in
 * /proc/net. Each line of those files describes one socket:
 *
 *   "  sl  local_address rem_address   st ..."             (header)
 *   "   0: 0100007F:1F90 00000000:0000 0A ..."              (IPv4)
 *   "   1: 00000000000000000000000000000000:0016 ...:0000 0A ..." (IPv6)
 *
 * with the local address and port in hexadecimal (the address in the
 * kernel's byte order, the port as a plain number) and the state as two
 * hex digits: 0A is TCP_LISTEN, and an unconnected UDP socket is in 07
 * (TCP_CLOSE), a connected one in 01. The parser reads the first four
 * fields of a line through a bounded view and ignores the rest, so lines
 * that grow new columns keep working; a line whose first four fields don't
 * have exactly that shape is counted as malformed and skipped. Only the
 * port matters: a socket bound to a loopback address, to a wildcard or to
 * a v4-mapped address marks its port the same way.
 *
 * The files can be large and are read in pieces: struct portscan carries a
 * partial line from one piece to the next. Nothing here opens a file: the
 * caller reads (transport/fwd_auto.c), so that the parser is a pure
 * function for the unit tests and the fuzzer.
 */
#ifndef FLOW_PORTSCAN_H
#define FLOW_PORTSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/view.h"

#define PORTMAP_WORDS (65536 / 64)

/* Longest line we accept: IPv6 lines are about 150 characters today */
#define PORTSCAN_LINE_MAX 512

/**
 * enum portscan_state - Socket states of /proc/net/{tcp,udp}{,6} we look for
 * @PORTSCAN_ESTABLISHED:	TCP_ESTABLISHED, also a connected UDP socket
 * @PORTSCAN_UDP_UNCONNECTED:	TCP_CLOSE: a bound, unconnected UDP socket
 * @PORTSCAN_TCP_LISTEN:	TCP_LISTEN
 */
enum portscan_state {
	PORTSCAN_ESTABLISHED = 0x01,
	PORTSCAN_UDP_UNCONNECTED = 0x07,
	PORTSCAN_TCP_LISTEN = 0x0a,
};

/**
 * struct portmap - One bit per port number
 * @w:		Bits, port p is bit p % 64 of word p / 64
 */
struct portmap {
	uint64_t w[PORTMAP_WORDS];
};

/**
 * portmap_set() - Set the bit of a port
 * @m:		Map
 * @port:	Port
 */
static inline void portmap_set(struct portmap *m, uint16_t port)
{
	m->w[port / 64] |= 1ULL << (port % 64);
}

/**
 * portmap_clear() - Clear the bit of a port
 * @m:		Map
 * @port:	Port
 */
static inline void portmap_clear(struct portmap *m, uint16_t port)
{
	m->w[port / 64] &= ~(1ULL << (port % 64));
}

/**
 * portmap_test() - Tell whether the bit of a port is set
 * @m:		Map
 * @port:	Port
 *
 * Return: true if set
 */
static inline bool portmap_test(const struct portmap *m, uint16_t port)
{
	return m->w[port / 64] & (1ULL << (port % 64));
}

void portmap_zero(struct portmap *m);
void portmap_or(struct portmap *dst, const struct portmap *src);
void portmap_andnot(struct portmap *dst, const struct portmap *src);
void portmap_set_range(struct portmap *m, uint16_t first, uint16_t last);
size_t portmap_count(const struct portmap *m);

/**
 * struct portscan - Parse of one /proc/net file, fed in pieces
 * @map:	Ports found are set here (never cleared)
 * @state:	enum portscan_state that counts
 * @line:	Partial line carried over from the previous piece
 * @len:	Bytes in @line
 * @overlong:	The current line is longer than PORTSCAN_LINE_MAX: skipped
 * @lines:	Lines seen, header included
 * @matches:	Lines in @state with a port
 * @malformed:	Lines that couldn't be parsed (headers are not counted)
 */
struct portscan {
	struct portmap *map;
	uint8_t state;
	char line[PORTSCAN_LINE_MAX];
	size_t len;
	bool overlong;
	size_t lines;
	size_t matches;
	size_t malformed;
};

int portscan_line(struct pview line, uint8_t *state, uint16_t *port);
void portscan_begin(struct portscan *ps, struct portmap *map, uint8_t state);
void portscan_feed(struct portscan *ps, struct pview piece);
void portscan_end(struct portscan *ps);
size_t portscan_text(struct pview text, struct portmap *map, uint8_t state);

#endif /* FLOW_PORTSCAN_H */
