/* SPDX-License-Identifier: GPL-2.0-or-later */
/* migrate.h - the state stream of a live migration (vhost-user)
 *
 * Theory of operation: when qemu migrates a guest, the source passt writes
 * its state into a descriptor qemu gave it (SET_DEVICE_STATE_FD, save), qemu
 * carries the bytes to the target host and hands them to the target passt
 * the same way (load). The bytes are upstream passt's stream, version 2
 * (compat.md 4.4.1), so that a guest can move between upstream's passt and
 * ours: a 16-byte header (magic, version, oldest version able to read it,
 * all big-endian), the guest's addresses as the source saw them (42 bytes),
 * then the count of TCP connections that follow and their records.
 *
 * The connections follow the count (migrate_conn.c): established TCP
 * connections move with passt-repair on both sides; without a helper on
 * the source the count is 0 and only the addresses move, as upstream's.
 *
 * The encoding is pure (pbuf in, pview out) and unit tested on its own;
 * migrate_source() and migrate_target() add the descriptor: exact reads
 * and writes, each waiting at most MIGRATE_IDLE_MS for the peer to move
 * (migrate_fd.c).
 * Everything read comes from the other host through qemu: it is untrusted,
 * read in fixed-size pieces through bounded views, and nothing is applied
 * unless the whole stream was read and found right.
 */
#ifndef LINK_MIGRATE_H
#define LINK_MIGRATE_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "base/view.h"
#include "link/repair.h"
#include "services/l2.h"
#include "transport/tcp_types.h"

#define MIGRATE_MAGIC	   0xB1BB1D1B0BB1D1B0ULL
#define MIGRATE_VERSION	   2	/* the one we write and read */
#define MIGRATE_HDR_LEN	   16	/* magic, version, compat_version */
#define MIGRATE_ADDRS_LEN  42	/* in6, in6 link-local, in4, MAC */
#define MIGRATE_COUNT_LEN  4	/* flows that follow, u32 BE */

/**
 * struct migrate_addrs - The guest's addresses, as the stream carries them
 * @addr6:	Global IPv6 address the guest sends from, :: if unseen
 * @ll6:	Link-local IPv6 address the guest sends from, :: if unseen
 * @addr4:	IPv4 address of the guest
 * @mac:	Guest's MAC, zero if unseen
 */
struct migrate_addrs {
	struct in6_addr addr6;
	struct in6_addr ll6;
	struct in_addr addr4;
	uint8_t mac[ETH_ADDR_LEN];
};

bool migrate_header_put(struct pbuf *b);
int migrate_header_check(struct pview v, uint32_t *version);
bool migrate_addrs_put(struct pbuf *b, const struct migrate_addrs *a);
int migrate_addrs_get(struct pview v, struct migrate_addrs *a);
void migrate_addrs_from_l2(const struct l2_conf *c, const struct l2_state *s,
			   struct migrate_addrs *a);
void migrate_addrs_to_l2(const struct migrate_addrs *a, struct l2_state *s);

/**
 * struct migrate_ctx - What a migration moves, and with what
 * @l2:		L2 configuration (the guest's assigned addresses)
 * @l2s:	What the link learnt of the guest
 * @tcp:	TCP engine, NULL if TCP is off
 * @repair:	Repair socket and its helper, NULL if none (--repair-path
 *		none)
 */
struct migrate_ctx {
	const struct l2_conf *l2;
	struct l2_state *l2s;
	struct tcp_ctx *tcp;
	struct repair *repair;
};

int migrate_source(int fd, const struct migrate_ctx *m);
int migrate_target(int fd, const struct migrate_ctx *m);

#endif /* LINK_MIGRATE_H */
