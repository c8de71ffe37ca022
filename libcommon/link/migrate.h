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
 * This version moves the addresses and the MAC only: the source always
 * sends a count of 0 (no repair helper yet, as upstream's without one), and
 * a target given connections refuses the whole stream, as upstream's does
 * without a helper, so that qemu keeps the guest on the source, where its
 * connections still work.
 *
 * The encoding is pure (pbuf in, pview out) and unit tested on its own;
 * migrate_source() and migrate_target() add the descriptor: exact reads
 * and writes, each waiting at most MIGRATE_IDLE_MS for the peer to move.
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
#include "services/l2.h"

#define MIGRATE_MAGIC	   0xB1BB1D1B0BB1D1B0ULL
#define MIGRATE_VERSION	   2	/* the one we write and read */
#define MIGRATE_HDR_LEN	   16	/* magic, version, compat_version */
#define MIGRATE_ADDRS_LEN  42	/* in6, in6 link-local, in4, MAC */
#define MIGRATE_COUNT_LEN  4	/* flows that follow, u32 BE */
#define MIGRATE_IDLE_MS	   10000 /* the peer moved no byte for this long */

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

int migrate_source(int fd, const struct l2_conf *c, const struct l2_state *s);
int migrate_target(int fd, struct l2_state *s);

#endif /* LINK_MIGRATE_H */
