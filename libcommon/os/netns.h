/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netns.h - name or path of a network namespace, opening and joining it */
#ifndef OS_NETNS_H
#define OS_NETNS_H

#include <stddef.h>

/* Where ip-netns(8) keeps named namespaces */
#define NETNS_RUN_DIR "/run/netns"

int netns_path(const char *arg, char *buf, size_t len);
int netns_open(const char *arg);
int netns_enter(int fd);

#endif /* OS_NETNS_H */
