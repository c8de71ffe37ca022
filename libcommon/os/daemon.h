/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon.h - PID files, going to the background, switching user */
#ifndef OS_DAEMON_H
#define OS_DAEMON_H

#include <stdbool.h>
#include <sys/types.h>

int pidfile_open(const char *path);
int pidfile_write(int fd, pid_t pid);
pid_t daemon_fork(void);
int daemon_devnull_open(void);
int daemon_detach(void);
int drop_user(uid_t uid, gid_t gid);
long raise_nofile(void);
int notify_open(void);
int notify_ready(int fd);

#endif /* OS_DAEMON_H */
