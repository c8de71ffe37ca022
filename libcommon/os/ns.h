/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ns.h - user and network namespaces: create, join, run code inside */
#ifndef OS_NS_H
#define OS_NS_H

#include <stdbool.h>
#include <sys/types.h>

int ns_call(int netns_fd, int (*fn)(void *arg), void *arg);
int ns_join_user(int userns_fd);
int ns_write_idmaps(pid_t pid, uid_t uid, gid_t gid);
bool ns_in_init_userns(void);

/**
 * struct ns_child - A command started in new namespaces, held until released
 * @pid:	PID of the command (in our PID namespace)
 * @release_fd:	Write end of the pipe the command waits on
 */
struct ns_child {
	pid_t pid;
	int release_fd;
};

int ns_spawn(struct ns_child *child, const char *file, char **argv,
	     const char *hostname);
int ns_release(struct ns_child *child);

#endif /* OS_NS_H */
