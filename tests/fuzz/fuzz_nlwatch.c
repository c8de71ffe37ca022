// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_nlwatch.c - libFuzzer harness of nlwatch_scan(): any bytes as a
 * notification datagram of the host's rtnetlink socket
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "os/nlwatch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int what;
	uint8_t *buf;

	/* an exact-size heap copy: ASan sees any read past the end */
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	what = nlwatch_scan(pview_make(buf, size));
	/* only the bits of a scan, never OVERRUN (that's the socket's) */
	if (what & ~(unsigned int)(NLWATCH_LINK | NLWATCH_ADDR | NLWATCH_ROUTE |
				   NLWATCH_ADDR_DEL))
		abort();
	/* an address removed is an address change */
	if ((what & NLWATCH_ADDR_DEL) && !(what & NLWATCH_ADDR))
		abort();
	free(buf);
	return 0;
}
