// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_portscan.c - libFuzzer harness of the /proc/net socket table parser
 *
 * Input: one flag byte, then the text of a /proc/net/{tcp,udp}{,6} file.
 * Bit 0 of the flag chooses the state looked for (TCP_LISTEN or an
 * unconnected UDP socket), the other bits the size of the pieces the text
 * is fed in. The text is parsed twice, whole and in pieces: the bitmaps and
 * every counter must agree, and each port found must come from a line that
 * portscan_line() accepts on its own.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flow/portscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/**
 * fuzz_check_ports() - Every port in @m must be in a line of @text in @state
 * @text:	Input
 * @m:		Ports found
 * @state:	State looked for
 */
static void fuzz_check_ports(struct pview text, const struct portmap *m,
			     uint8_t state)
{
	static struct portmap again;
	size_t off = 0;

	portmap_zero(&again);
	while (off <= text.len) {
		struct pview rest = pview_tail(text, off);
		const uint8_t *nl =
			rest.len ? memchr(rest.p, '\n', rest.len) : NULL;
		size_t n = nl ? (size_t)(nl - rest.p) : rest.len;
		uint16_t port;
		uint8_t st;

		if (n < PORTSCAN_LINE_MAX &&
		    !portscan_line(pview_sub(rest, 0, n), &st, &port) &&
		    st == state && port)
			portmap_set(&again, port);
		off += n + 1;
	}
	if (memcmp(&again, m, sizeof(again)) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct portmap whole, pieces;
	static struct portscan ps;
	uint8_t state;
	size_t step, off, n;
	struct pview text;

	if (!size)
		return 0;
	state = (data[0] & 1) ? PORTSCAN_UDP_UNCONNECTED : PORTSCAN_TCP_LISTEN;
	step = (size_t)(data[0] >> 1) + 1;
	text = pview_make(data + 1, size - 1);

	portmap_zero(&whole);
	n = portscan_text(text, &whole, state);

	portmap_zero(&pieces);
	portscan_begin(&ps, &pieces, state);
	for (off = 0; off < text.len; off += step)
		portscan_feed(&ps, pview_sub(text, off,
					     step < text.len - off
						     ? step
						     : text.len - off));
	portscan_end(&ps);

	if (ps.matches != n || memcmp(&whole, &pieces, sizeof(whole)) != 0)
		abort();
	if (ps.matches + ps.malformed > ps.lines)
		abort();
	if (portmap_count(&whole) > n)
		abort();
	fuzz_check_ports(text, &whole, state);
	return 0;
}
