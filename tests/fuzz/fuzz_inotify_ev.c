// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_inotify_ev.c - libFuzzer harness of inotify_ev_next(): any bytes as
 * a read() of an inotify descriptor, walked to the end
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>

#include "os/inotify_ev.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inotify_ev ev;
	size_t off = 0, last;
	uint8_t *buf;

	/* an exact-size heap copy: ASan sees any read past the end */
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	for (;;) {
		last = off;
		if (!inotify_ev_next(pview_make(buf, size), &off, &ev))
			break;
		/* Each event moves on by a header at least, within the buffer;
		 * a name handed out ends inside it
		 */
		if (off < last + sizeof(struct inotify_event) || off > size)
			abort();
		if (ev.name && strlen(ev.name) >= off - last)
			abort();
	}
	if (off != last)
		abort();
	free(buf);
	return 0;
}
