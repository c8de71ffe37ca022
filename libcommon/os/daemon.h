/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon.h - PID files, going to the background, switching user */
#ifndef OS_DAEMON_H
#define OS_DAEMON_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

/**
 * struct pidfile - A PID file between its opening and the end of start-up
 * @fd:		The file, open for writing, -1 for none
 * @dirfd:	Its directory (O_PATH): reaches the file once the sandbox took
 *		the path away
 * @created:	We created the file: removed by pidfile_abort()
 * @name:	Its name in @dirfd
 */
struct pidfile {
	int fd;
	int dirfd;
	bool created;
	char name[NAME_MAX + 1];
};

/**
 * struct exit_file - A file of ours to remove when we exit
 * @dirfd:	Its directory (O_PATH), opened before the sandbox, -1 for none
 * @name:	Its name in @dirfd
 */
struct exit_file {
	int dirfd;
	char name[NAME_MAX + 1];
};

int pidfile_open(struct pidfile *pf, const char *path);
int pidfile_write(const struct pidfile *pf, pid_t pid);
void pidfile_close(struct pidfile *pf);
void pidfile_abort(struct pidfile *pf);
int exit_file_open(struct exit_file *f, const char *path);
void exit_file_remove(struct exit_file *f);
pid_t daemon_fork(int *ready);
int daemon_wait_ready(int fd);
int daemon_ready(int fd);
int daemon_devnull_open(void);
int daemon_detach(void);
int drop_user(uid_t uid, gid_t gid);
long raise_nofile(void);
int notify_open(void);
int notify_ready(int fd);

#endif /* OS_DAEMON_H */
