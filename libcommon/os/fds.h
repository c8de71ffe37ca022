/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fds.h - inherited file descriptors: start from a known set */
#ifndef OS_FDS_H
#define OS_FDS_H

#include <stdbool.h>

/* First descriptor after stdio: systemd's sockets, then --fd, start here */
#define FDS_FIRST 3

int fds_listen_count(void);
int fds_sanitise(int keep, bool activation);

#endif /* OS_FDS_H */
