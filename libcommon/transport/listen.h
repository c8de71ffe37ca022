/* SPDX-License-Identifier: GPL-2.0-or-later */
/* listen.h - open one listening socket for a port of a forwarding rule */
#ifndef TRANSPORT_LISTEN_H
#define TRANSPORT_LISTEN_H

#include <stdbool.h>
#include <stdint.h>

#include "flow/fwd.h"

#define LISTEN_BACKLOG 128

void sock_bufs_max(int s);
int listen_sock(int type, const struct fwd_rule *r, uint16_t port,
		bool freebind);

#endif /* TRANSPORT_LISTEN_H */
