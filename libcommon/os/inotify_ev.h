/* SPDX-License-Identifier: GPL-2.0-or-later */
/* inotify_ev.h - walk the events one read() of an inotify descriptor gave */
#ifndef OS_INOTIFY_EV_H
#define OS_INOTIFY_EV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/view.h"

/**
 * struct inotify_ev - One event, taken out of the buffer
 * @wd:		Watch descriptor, -1 for IN_Q_OVERFLOW
 * @mask:	IN_* bits
 * @name:	Name of the entry in the watched directory, NUL-terminated
 *		within the event; NULL if the event has none (or a name that
 *		fills its field without a terminator)
 */
struct inotify_ev {
	int32_t wd;
	uint32_t mask;
	const char *name;
};

bool inotify_ev_next(struct pview v, size_t *off, struct inotify_ev *ev);

#endif /* OS_INOTIFY_EV_H */
