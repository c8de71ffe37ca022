// SPDX-License-Identifier: GPL-2.0-or-later
/* migrate.c - the state stream of a live migration: encoding and transfer
 *
 * Theory of operation: see migrate.h. The stream of version 2, byte by
 * byte (compat.md 4.4.1):
 *
 *	header	 u64 magic, u32 version, u32 compat_version (big-endian)
 *	addrs	 in6 global, in6 link-local, in4, MAC (42 bytes, wire order)
 *	flows	 u32 count (big-endian), then count records (TCP)
 *
 * A reader accepts a stream if it knows a version between the writer's
 * compat_version and its version: ours knows 2 only, so version 3 with
 * compat_version 2 is read as 2 (what follows our stages is left unread),
 * and compat_version 3, or version 1, are refused. Upstream's messages are
 * kept where it has them ("Invalid incoming device state", "Unsupported
 * device state version: N").
 *
 * Errors are -errno here; the device (vu_dev.c) turns them into the
 * positive errno CHECK_DEVICE_STATE replies with.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "link/migrate.h"
#include "link/migrate_conn.h"
#include "link/migrate_fd.h"

/**
 * migrate_header_put() - Append the header of the stream we write
 * @b:		Writer
 *
 * Return: true on success, false if it didn't fit
 */
bool migrate_header_put(struct pbuf *b)
{
	return pbuf_be32(b, (uint32_t)(MIGRATE_MAGIC >> 32)) &&
	       pbuf_be32(b, (uint32_t)MIGRATE_MAGIC) &&
	       pbuf_be32(b, MIGRATE_VERSION) && pbuf_be32(b, MIGRATE_VERSION);
}

/**
 * migrate_header_check() - Can we read a stream with this header?
 * @v:		The header, MIGRATE_HDR_LEN bytes
 * @version:	Set to the version the writer announced
 *
 * Return: 0 if we read it as MIGRATE_VERSION; -EINVAL for a short header,
 *	   another magic or a version of 0; -ENOTSUP for versions we can't
 *	   read (compat_version above ours, or version below it)
 */
int migrate_header_check(struct pview v, uint32_t *version)
{
	uint32_t hi, lo, compat;

	if (!pview_be32(v, 0, &hi) || !pview_be32(v, 4, &lo) ||
	    !pview_be32(v, 8, version) || !pview_be32(v, 12, &compat))
		return -EINVAL;
	log_debug("Source magic: 0x%08x%08x, version: %u, compat: %u", hi, lo,
		  *version, compat);
	if (((uint64_t)hi << 32 | lo) != MIGRATE_MAGIC || !*version ||
	    !compat) {
		log_err("Invalid incoming device state");
		return -EINVAL;
	}
	if (*version < MIGRATE_VERSION || compat > MIGRATE_VERSION) {
		log_err("Unsupported device state version: %u (compatible "
			"down to %u), this passt reads version %u",
			*version, compat, MIGRATE_VERSION);
		return -ENOTSUP;
	}
	return 0;
}

/**
 * migrate_addrs_put() - Append the addresses stage
 * @b:		Writer
 * @a:		Addresses
 *
 * Return: true on success, false if it didn't fit
 */
bool migrate_addrs_put(struct pbuf *b, const struct migrate_addrs *a)
{
	return pbuf_put(b, &a->addr6, sizeof(a->addr6)) &&
	       pbuf_put(b, &a->ll6, sizeof(a->ll6)) &&
	       pbuf_put(b, &a->addr4, sizeof(a->addr4)) &&
	       pbuf_put(b, a->mac, sizeof(a->mac));
}

/**
 * migrate_addrs_get() - Read the addresses stage
 * @v:		The stage, MIGRATE_ADDRS_LEN bytes
 * @a:		Set to the addresses
 *
 * Return: 0 on success, -EINVAL if @v is short
 */
int migrate_addrs_get(struct pview v, struct migrate_addrs *a)
{
	if (!pview_copy(v, 0, &a->addr6, sizeof(a->addr6)) ||
	    !pview_copy(v, 16, &a->ll6, sizeof(a->ll6)) ||
	    !pview_copy(v, 32, &a->addr4, sizeof(a->addr4)) ||
	    !pview_copy(v, 36, a->mac, sizeof(a->mac)))
		return -EINVAL;
	return 0;
}

/**
 * migrate_addrs_from_l2() - What the source sends of the guest
 * @c:		L2 configuration: the guest's IPv4 and global IPv6 addresses
 *		until it sent from one (upstream's "seen" addresses start
 *		there too, and its target sends inbound traffic there)
 * @s:		What the link learnt of the guest
 * @a:		Set to the addresses
 */
void migrate_addrs_from_l2(const struct l2_conf *c, const struct l2_state *s,
			   struct migrate_addrs *a)
{
	memset(a, 0, sizeof(*a));
	a->addr6 = s->addr6_seen;
	a->ll6 = s->ll6_seen;
	a->addr4 = s->addr4_seen;
	if (!a->addr4.s_addr && c->v4)
		a->addr4 = c->addr4;
	if (IN6_IS_ADDR_UNSPECIFIED(&a->addr6) && c->v6)
		a->addr6 = c->addr6;
	memcpy(a->mac, s->guest_mac, sizeof(a->mac));
}

/**
 * migrate_addrs_to_l2() - Take what the source knew of the guest
 * @a:		Addresses from the stream
 * @s:		What the link knows of the guest, updated
 *
 * An address that can't be the guest's (a multicast MAC or address, a
 * "link-local" one that isn't) is left as unseen: the guest's next frame
 * tells us again.
 */
void migrate_addrs_to_l2(const struct migrate_addrs *a, struct l2_state *s)
{
	if (!(a->mac[0] & 1))
		memcpy(s->guest_mac, a->mac, sizeof(s->guest_mac));
	if (!IN6_IS_ADDR_MULTICAST(&a->addr6) &&
	    !IN6_IS_ADDR_LINKLOCAL(&a->addr6))
		s->addr6_seen = a->addr6;
	if (IN6_IS_ADDR_LINKLOCAL(&a->ll6) ||
	    IN6_IS_ADDR_UNSPECIFIED(&a->ll6))
		s->ll6_seen = a->ll6;
	if (a->addr4.s_addr != INADDR_BROADCAST &&
	    !IN_MULTICAST(ntohl(a->addr4.s_addr)))
		s->addr4_seen = a->addr4;
}

/**
 * migrate_source() - Write the state of this passt (source of a migration)
 * @fd:		Descriptor to write to (closed by the caller)
 * @m:		What moves
 *
 * The connections that move are left frozen, in repair mode, whatever
 * the outcome: migrate_conn_release() once the guest runs elsewhere,
 * migrate_conn_rollback() if it stays (on failure, or if qemu restarts the
 * device here).
 *
 * Return: 0 on success, -errno on failure (logged)
 */
int migrate_source(int fd, const struct migrate_ctx *m)
{
	uint8_t buf[MIGRATE_HDR_LEN + MIGRATE_ADDRS_LEN + MIGRATE_COUNT_LEN];
	static uint32_t idx[FLOW_MAX];
	struct migrate_addrs a;
	bool helper = false;
	struct pbuf b;
	int n = 0, ret;

	migrate_addrs_from_l2(m->l2, m->l2s, &a);
	if (m->tcp && m->repair)
		helper = repair_wait(m->repair, REPAIR_WAIT_MS);
	if (helper && (n = migrate_conn_freeze(m->tcp, m->repair, idx,
					       FLOW_MAX)) < 0)
		return n;

	pbuf_init(&b, buf, sizeof(buf));
	if (!migrate_header_put(&b) || !migrate_addrs_put(&b, &a) ||
	    !pbuf_be32(&b, (uint32_t)n))
		return -EOVERFLOW;	/* can't be: sizes above */
	log_debug("Source side migration stage: observed addresses");
	log_debug("Sending %d flows", n);
	if ((ret = migrate_nonblock(fd)) ||
	    (ret = migrate_io(fd, buf, b.len, true)) ||
	    (ret = migrate_conn_send(fd, m->tcp, idx, (unsigned int)n))) {
		log_err("Can't send migration state: %s, abort",
			strerror(-ret));
		return ret;
	}
	if (helper)
		log_info("Migration: guest addresses and %d TCP connections "
			 "sent",
			 n);
	else
		log_info("Migration: guest addresses sent; TCP connections are "
			 "not moved (no passt-repair connected)");
	return 0;
}

/**
 * migrate_read() - Read one piece of the stream, exactly
 * @fd:		Descriptor
 * @buf:	Buffer
 * @len:	Bytes the piece has
 * @what:	Its name, for the log
 *
 * Return: 0 on success, -errno on failure (logged)
 */
static int migrate_read(int fd, void *buf, size_t len, const char *what)
{
	int ret = migrate_io(fd, buf, len, false);

	if (ret)
		log_err("Target migration stage: %s: %s, abort", what,
			ret == -EPIPE ? "stream cut short" : strerror(-ret));
	return ret;
}

/**
 * migrate_log_addrs() - Say what the target now knows of the guest
 * @s:		What the link knows of the guest
 * @version:	Version of the stream it came in
 */
static void migrate_log_addrs(const struct l2_state *s, uint32_t version)
{
	char a4[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN], ll[INET6_ADDRSTRLEN];
	const uint8_t *m = s->guest_mac;

	inet_ntop(AF_INET, &s->addr4_seen, a4, sizeof(a4));
	inet_ntop(AF_INET6, &s->addr6_seen, a6, sizeof(a6));
	inet_ntop(AF_INET6, &s->ll6_seen, ll, sizeof(ll));
	log_info("Migration: from the source (stream version %u): guest MAC "
		 "%02x:%02x:%02x:%02x:%02x:%02x, IPv4 %s, IPv6 %s, link-local "
		 "%s",
		 version, m[0], m[1], m[2], m[3], m[4], m[5], a4, a6, ll);
}

/**
 * migrate_target() - Read the state of the source (target of a migration)
 * @fd:		Descriptor to read from (closed by the caller)
 * @m:		Where it goes: the guest's addresses are updated only if the
 *		whole stream was read and accepted
 *
 * Return: 0 on success; -EINVAL, -ENOTSUP for a stream we can't read,
 *	   -ENOTCONN if it carries connections and no passt-repair is here,
 *	   -EPIPE if it ends early, -ETIMEDOUT, -errno (all logged)
 */
int migrate_target(int fd, const struct migrate_ctx *m)
{
	uint8_t hdr[MIGRATE_HDR_LEN], addrs[MIGRATE_ADDRS_LEN];
	uint8_t cnt[MIGRATE_COUNT_LEN];
	struct migrate_addrs a;
	uint32_t version, count;
	int ret;

	if ((ret = migrate_nonblock(fd)) ||
	    (ret = migrate_read(fd, hdr, sizeof(hdr), "header")))
		return ret;
	ret = migrate_header_check(pview_make(hdr, sizeof(hdr)), &version);
	if (ret)
		return ret;

	log_debug("Target side migration stage: observed addresses");
	if ((ret = migrate_read(fd, addrs, sizeof(addrs),
				"observed addresses")))
		return ret;
	if ((ret = migrate_addrs_get(pview_make(addrs, sizeof(addrs)), &a)))
		return ret;

	log_debug("Target side migration stage: transfer flows");
	if ((ret = migrate_read(fd, cnt, sizeof(cnt), "transfer flows")))
		return ret;
	if (!pview_be32(pview_make(cnt, sizeof(cnt)), 0, &count))
		return -EINVAL;
	log_debug("Receiving %u flows", count);
	if (count && !m->tcp) {
		log_err("Migration: the source sent %u TCP connections; TCP is "
			"off here: refusing the state, the guest stays on the "
			"source",
			count);
		return -ENOTSUP;
	}
	if ((ret = migrate_conn_recv(fd, m->tcp, m->repair, count)))
		return ret;

	migrate_addrs_to_l2(&a, m->l2s);
	migrate_log_addrs(m->l2s, version);
	return 0;
}
