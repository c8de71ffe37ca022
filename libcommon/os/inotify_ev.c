// SPDX-License-Identifier: GPL-2.0-or-later
/* inotify_ev.c - walk the events one read() of an inotify descriptor gave
 *
 * Theory of operation: read() on an inotify descriptor fills the buffer with
 * whole events, each a struct inotify_event followed by @len bytes of name
 * (NUL-padded, @len 0 for an event on the watched object itself). The kernel
 * never splits an event, but a reader must not trust that the lengths add
 * up: the buffer is a view of what read() returned, every header and name
 * is taken through it, and a header or name that would run past the end
 * stops the walk. The name is handed out only if it ends inside its field.
 */

#include <string.h>
#include <sys/inotify.h>

#include "inotify_ev.h"

/**
 * inotify_ev_next() - Take the next event out of a buffer of events
 * @v:		What read() returned
 * @off:	Offset of the next event, advanced past it
 * @ev:		Set to the event
 *
 * Return: true if an event was taken, false at the end of @v or on a
 *	   header or name that doesn't fit in what is left of it
 */
bool inotify_ev_next(struct pview v, size_t *off, struct inotify_ev *ev)
{
	struct inotify_event hdr;
	const char *name;

	if (!pview_copy(v, *off, &hdr, sizeof(hdr)))
		return false;
	name = pview_get(v, *off + sizeof(hdr), hdr.len);
	if (!name)
		return false;
	*off += sizeof(hdr) + hdr.len;

	ev->wd = hdr.wd;
	ev->mask = hdr.mask;
	ev->name = hdr.len && strnlen(name, hdr.len) < hdr.len ? name : NULL;
	return true;
}
