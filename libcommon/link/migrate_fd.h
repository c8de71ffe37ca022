/* SPDX-License-Identifier: GPL-2.0-or-later */
/* migrate_fd.h - exact reads and writes on the descriptor of a migration
 *		  (migrate_fd.c)
 */
#ifndef LINK_MIGRATE_FD_H
#define LINK_MIGRATE_FD_H

#include <stdbool.h>
#include <stddef.h>

#define MIGRATE_IDLE_MS	   10000 /* the peer moved no byte for this long */

int migrate_io(int fd, void *buf, size_t len, bool out);
int migrate_nonblock(int fd);

#endif /* LINK_MIGRATE_FD_H */
