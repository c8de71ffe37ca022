// SPDX-License-Identifier: GPL-2.0-or-later
/* portscan.c - bound ports from /proc/net/{tcp,udp}{,6} text, as a bitmap
 *
 * Theory of operation: see portscan.h. A line is read left to right through
 * a cursor over a bounded view: the slot number ("12:"), the local address
 * and port, the remote address and port, the state. The lengths are exact:
 * 8 hex digits for an IPv4 address, 32 for IPv6, 4 for a port, 2 for the
 * state, which is what every kernel since 2.6 prints. Pieces of a file are
 * split into lines on '\n'; a line that straddles two pieces is carried in
 * struct portscan, and one longer than PORTSCAN_LINE_MAX is skipped whole.
 */
#include <errno.h>
#include <string.h>

#include "base/util.h"
#include "flow/portscan.h"

#define PORTSCAN_V4_HEX	  8
#define PORTSCAN_V6_HEX	  32
#define PORTSCAN_PORT_HEX 4
#define PORTSCAN_ST_HEX	  2

/**
 * struct ps_cur - Cursor over a line
 * @v:		The line
 * @off:	Offset of the next byte
 */
struct ps_cur {
	struct pview v;
	size_t off;
};

/**
 * ps_peek() - Next byte, without consuming it
 * @c:		Cursor
 *
 * Return: the byte, 0 at the end of the line
 */
static uint8_t ps_peek(const struct ps_cur *c)
{
	uint8_t b;

	return pview_u8(c->v, c->off, &b) ? b : 0;
}

/**
 * ps_spaces() - Skip blanks
 * @c:		Cursor
 *
 * Return: number of blanks skipped
 */
static size_t ps_spaces(struct ps_cur *c)
{
	size_t n = 0;

	while (ps_peek(c) == ' ' || ps_peek(c) == '\t') {
		c->off++;
		n++;
	}
	return n;
}

/**
 * ps_hex() - Read a run of hex digits
 * @c:		Cursor
 * @val:	Value of the last (up to) 8 digits, set
 *
 * Return: number of digits read
 */
static size_t ps_hex(struct ps_cur *c, uint32_t *val)
{
	size_t n = 0;
	int d;

	*val = 0;
	while ((d = hex_val(ps_peek(c))) >= 0) {
		*val = *val << 4 | (uint32_t)d;
		c->off++;
		n++;
	}
	return n;
}

/**
 * ps_endpoint() - Read ADDR:PORT, ADDR being 8 or 32 hex digits
 * @c:		Cursor
 * @port:	Port, set
 *
 * Return: true if well-formed
 */
static bool ps_endpoint(struct ps_cur *c, uint16_t *port)
{
	uint32_t v;
	size_t n = ps_hex(c, &v);

	if (n != PORTSCAN_V4_HEX && n != PORTSCAN_V6_HEX)
		return false;
	if (ps_peek(c) != ':')
		return false;
	c->off++;
	if (ps_hex(c, &v) != PORTSCAN_PORT_HEX)
		return false;
	*port = (uint16_t)v;
	return true;
}

/**
 * portscan_line() - Parse one line of /proc/net/{tcp,udp}{,6}
 * @line:	Line, without its '\n'
 * @state:	State of the socket (enum portscan_state, or another), set
 * @port:	Local port, set
 *
 * Return: 0 on success, -ENOENT for a header or blank line, -EINVAL for a
 *	   malformed line
 */
int portscan_line(struct pview line, uint8_t *state, uint16_t *port)
{
	struct ps_cur c = {line, 0};
	uint16_t rport;
	uint32_t v;

	ps_spaces(&c);
	if (!ps_peek(&c) || ps_peek(&c) == '\r')
		return -ENOENT;
	if (ps_peek(&c) == 's') /* "sl  local_address ..." */
		return -ENOENT;
	while (ps_peek(&c) >= '0' && ps_peek(&c) <= '9')
		c.off++;
	if (!c.off || ps_peek(&c) != ':')
		return -EINVAL;
	c.off++;
	if (!ps_spaces(&c) || !ps_endpoint(&c, port))
		return -EINVAL;
	if (!ps_spaces(&c) || !ps_endpoint(&c, &rport))
		return -EINVAL;
	if (!ps_spaces(&c) || ps_hex(&c, &v) != PORTSCAN_ST_HEX)
		return -EINVAL;
	if (ps_peek(&c) && ps_peek(&c) != ' ' && ps_peek(&c) != '\t')
		return -EINVAL;
	*state = (uint8_t)v;
	return 0;
}

/**
 * portscan_take() - Account for one complete line
 * @ps:		Parse state
 * @line:	The line, without '\n'
 */
static void portscan_take(struct portscan *ps, struct pview line)
{
	uint8_t state;
	uint16_t port;
	int rc;

	ps->lines++;
	rc = portscan_line(line, &state, &port);
	if (rc == -EINVAL)
		ps->malformed++;
	if (rc || state != ps->state || !port)
		return;
	portmap_set(ps->map, port);
	ps->matches++;
}

/**
 * portscan_begin() - Start parsing a file
 * @ps:		Parse state, initialised
 * @map:	Ports in @state are set here; the caller clears it if needed
 * @state:	enum portscan_state of the sockets to count
 */
void portscan_begin(struct portscan *ps, struct portmap *map, uint8_t state)
{
	memset(ps, 0, sizeof(*ps));
	ps->map = map;
	ps->state = state;
}

/**
 * portscan_carry() - Append the start of a line to the carried part
 * @ps:		Parse state
 * @part:	Bytes of the line (no '\n')
 */
static void portscan_carry(struct portscan *ps, struct pview part)
{
	if (ps->overlong)
		return;
	/* Same limit as the fast path of portscan_feed(): < sizeof(line) */
	if (part.len >= sizeof(ps->line) - ps->len) {
		ps->overlong = true;
		return;
	}
	if (part.len)
		memcpy(ps->line + ps->len, part.p, part.len);
	ps->len += part.len;
}

/**
 * portscan_flush() - A line is complete: parse it, reset the carry
 * @ps:		Parse state
 */
static void portscan_flush(struct portscan *ps)
{
	if (ps->overlong) {
		ps->lines++;
		ps->malformed++;
	} else {
		portscan_take(ps, pview_make(ps->line, ps->len));
	}
	ps->len = 0;
	ps->overlong = false;
}

/**
 * portscan_feed() - Parse the next piece of a file
 * @ps:		Parse state
 * @piece:	Bytes, following those of the previous call
 */
void portscan_feed(struct portscan *ps, struct pview piece)
{
	size_t off = 0;

	while (off < piece.len) {
		struct pview rest = pview_tail(piece, off);
		const uint8_t *nl;
		size_t n;

		if (!rest.p) /* a view without bytes */
			return;
		nl = memchr(rest.p, '\n', rest.len);
		n = nl ? (size_t)(nl - rest.p) : rest.len;

		/* Fast path: a whole line inside the piece */
		if (nl && !ps->len && !ps->overlong && n < sizeof(ps->line))
			portscan_take(ps, pview_sub(rest, 0, n));
		else
			portscan_carry(ps, pview_sub(rest, 0, n));
		if (!nl) /* carried over to the next piece */
			return;
		if (ps->len || ps->overlong)
			portscan_flush(ps);
		off += n + 1;
	}
}

/**
 * portscan_end() - The file is over: parse a last line without '\n'
 * @ps:		Parse state
 */
void portscan_end(struct portscan *ps)
{
	if (ps->len || ps->overlong)
		portscan_flush(ps);
}

/**
 * portscan_text() - Parse a whole file held in memory
 * @text:	Contents
 * @map:	Ports in @state are set here
 * @state:	enum portscan_state of the sockets to count
 *
 * Return: number of lines in @state (ports may repeat)
 */
size_t portscan_text(struct pview text, struct portmap *map, uint8_t state)
{
	struct portscan ps;

	portscan_begin(&ps, map, state);
	portscan_feed(&ps, text);
	portscan_end(&ps);
	return ps.matches;
}

/**
 * portmap_zero() - Clear every bit
 * @m:		Map
 */
void portmap_zero(struct portmap *m)
{
	memset(m, 0, sizeof(*m));
}

/**
 * portmap_or() - Add the ports of one map to another
 * @dst:	Map, updated
 * @src:	Ports to add
 */
void portmap_or(struct portmap *dst, const struct portmap *src)
{
	size_t i;

	for (i = 0; i < PORTMAP_WORDS; i++)
		dst->w[i] |= src->w[i];
}

/**
 * portmap_andnot() - Remove the ports of one map from another
 * @dst:	Map, updated
 * @src:	Ports to remove
 */
void portmap_andnot(struct portmap *dst, const struct portmap *src)
{
	size_t i;

	for (i = 0; i < PORTMAP_WORDS; i++)
		dst->w[i] &= ~src->w[i];
}

/**
 * portmap_set_range() - Set the bits of a range of ports
 * @m:		Map
 * @first:	First port
 * @last:	Last port, nothing is set if below @first
 */
void portmap_set_range(struct portmap *m, uint16_t first, uint16_t last)
{
	unsigned int p;

	for (p = first; p <= last; p++)
		portmap_set(m, (uint16_t)p);
}

/**
 * portmap_count() - Number of ports set
 * @m:		Map
 *
 * Return: the count
 */
size_t portmap_count(const struct portmap *m)
{
	size_t i, n = 0;

	for (i = 0; i < PORTMAP_WORDS; i++)
		n += (size_t)__builtin_popcountll(m->w[i]);
	return n;
}
