// SPDX-License-Identifier: GPL-2.0-or-later
/* migrate_conn.c - the connections of a live migration: the stream's TCP
 *		    stages, through passt-repair
 *
 * Theory of operation (doc/migration.md; the bytes are compat.md 4.4.1):
 *
 * Source. Every established connection is frozen (tcp_migrate.c: out of
 * the loop, its socket drops what the peer sends from now on: tcp_repair.c)
 * and handed to passt-repair for repair mode, in batches. Only then is the count written, so that a
 * helper that fails here leaves a stream of no connections, and the
 * connections back to normal (migrate_frozen.c). Then one record per
 * connection, then per connection its socket's state and queues, as the
 * frozen socket tells them. A connection whose socket can't be read goes as
 * "skip this one" (tcpi_state 0, no queue bytes, as upstream's). The
 * sockets stay frozen and in repair mode after the stream is written: what
 * becomes of them depends on what qemu does next (migrate_frozen.c).
 *
 * Target. Nothing of the stream is trusted: every record is checked
 * before it is acted on (transport/migrate_tcp.c), and a stream that is
 * cut, corrupt, or comes without a helper to set repair mode is refused as
 * a whole. Sockets are rebuilt in repair mode while the stream is read,
 * queues streamed from the descriptor into them; the bytes the source had
 * not sent yet are kept aside (MIGRATE_QUEUE_MAX for all connections;
 * beyond it, they are queued as sent and go out as retransmissions). Only
 * once the whole stream was read and accepted does repair mode go off, in
 * one batch, and the connections resume (tcp_mig_resume()): until then a
 * refusal closes sockets still in repair mode, which the peer never
 * notices, so the source can take its connections back.
 *
 * Both sides: one migration at a time, in the middle of one loop
 * iteration; static buffers, nothing allocated.
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"
#include "link/migrate_conn.h"
#include "link/migrate_fd.h"
#include "link/migrate_frozen.h"
#include "transport/tcp_migrate.h"

#define MIGRATE_CHUNK (64U << 10)	/* queue bytes read at a time */

/* Source: one socket's send queue (the kernel copies it whole); target: the
 * unsent tails of all. Receive queues go in pieces through the chunk.
 */
static uint8_t migrate_buf[MIGRATE_QUEUE_MAX];
static uint8_t migrate_chunk[MIGRATE_CHUNK];


/**
 * struct migrate_flow - Target: a connection being rebuilt
 * @idx:	Flow index, -errno if it couldn't be created
 * @ok:		Rebuilt so far, in repair mode
 * @tail:	Offset of its unsent bytes in the tail buffer
 * @st:		The source's socket state (notsent: bytes kept aside)
 */
struct migrate_flow {
	int32_t idx;
	bool ok;
	uint32_t tail;
	struct tcp_repair_state st;
};

static struct migrate_flow migrate_flows[FLOW_MAX];

/**
 * migrate_conn_freeze() - Source: freeze the connections that move, and
 *			   get them into repair mode
 * @t:		TCP context
 * @r:		Repair helper, connected
 * @idx:	Set to the flow indexes of the connections that move
 * @max:	Room in @idx
 *
 * Return: how many move, or -errno if the helper failed (the connections
 *	   are back to normal, or reset if they can't be)
 */
int migrate_conn_freeze(struct tcp_ctx *t, struct repair *r, uint32_t *idx,
			unsigned int max)
{
	unsigned int n = tcp_mig_list(t, false, idx, max), i, k = 0;
	int ret = 0;

	log_debug("Migration: %u TCP connections to move", n);
	for (i = 0; i < n; i++) {
		int s = tcp_mig_freeze(t, idx[i]);

		if (s < 0) {	/* it stays here: the guest will lose it */
			log_warn("Migration: can't freeze a TCP connection: %s",
				 strerror(-s));
			continue;
		}
		idx[k++] = idx[i];
		if ((ret = repair_add(r, s, REPAIR_ON)))
			break;
	}
	if (!ret)
		ret = repair_flush(r);
	if (ret) {
		log_err("Migration: passt-repair failed (%s): connections "
			"stay here",
			strerror(-ret));
		migrate_frozen_rollback(t, r);
		return ret;
	}
	return (int)k;
}

/**
 * migrate_conn_dump() - Source: one socket's state and queues, ready to go
 * @t:		TCP context
 * @idx:	Flow index, frozen, in repair mode
 * @st:		Set to its state; state 0 if it can't be read (skipped)
 */
static void migrate_conn_dump(struct tcp_ctx *t, uint32_t idx,
			      struct tcp_repair_state *st)
{
	int s = t->conn[idx].sock, ret;

	if ((ret = tcp_repair_get(s, st, migrate_buf, sizeof(migrate_buf))) ||
	    (st->rcvq > MIGRATE_QUEUE_MAX && (ret = -ENOBUFS))) {
		log_warn("Migration: can't read a TCP socket (%s): the target "
			 "resets that connection",
			 strerror(-ret));
		memset(st, 0, sizeof(*st));
	}
}

/**
 * migrate_conn_send_rcvq() - Source: write a socket's receive queue
 * @fd:		Descriptor
 * @s:		Socket, frozen, in repair mode
 * @len:	Bytes in its receive queue
 *
 * A piece that can't be read (it was there a moment ago: the socket is
 * frozen) goes as zeros, so that the stream stays in step; it is logged.
 *
 * Return: 0 on success, -errno if the stream couldn't be written
 */
static int migrate_conn_send_rcvq(int fd, int s, uint32_t len)
{
	uint32_t off = 0;
	int ret;

	while (off < len) {
		uint32_t n = MIN(len - off, MIGRATE_CHUNK);

		if ((ret = tcp_repair_peek_rcvq(s, off, migrate_chunk, n))) {
			log_err("Migration: receive queue unreadable at %u of "
				"%u bytes: %s",
				off, len, strerror(-ret));
			memset(migrate_chunk, 0, n);
		}
		if ((ret = migrate_io(fd, migrate_chunk, n, true)))
			return ret;
		off += n;
	}
	return 0;
}

/**
 * migrate_conn_send() - Source: write the records, then the sockets' states
 *			 and queues
 * @fd:		Descriptor, after the count
 * @t:		TCP context
 * @idx:	Flow indexes, frozen, in repair mode
 * @n:		Their number, as the count said
 *
 * Return: 0 on success, -errno if the stream couldn't be written
 */
int migrate_conn_send(int fd, struct tcp_ctx *t, const uint32_t *idx,
		      unsigned int n)
{
	uint8_t rec[MIGRATE_TCP_LEN], ext[MIGRATE_TCP_EXT_LEN];
	struct tcp_repair_state st;
	struct migrate_tcp r;
	struct pbuf b;
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		if ((ret = tcp_mig_record(t, idx[i], &r)))
			return ret;
		pbuf_init(&b, rec, sizeof(rec));
		if (!migrate_tcp_put(&b, &r))
			return -EOVERFLOW;
		if ((ret = migrate_io(fd, rec, b.len, true)))
			return ret;
	}
	for (i = 0; i < n; i++) {
		migrate_conn_dump(t, idx[i], &st);
		pbuf_init(&b, ext, sizeof(ext));
		if (!migrate_tcp_ext_put(&b, &st))
			return -EOVERFLOW;
		if ((ret = migrate_io(fd, ext, b.len, true)) ||
		    (ret = migrate_io(fd, migrate_buf, st.sndq, true)) ||
		    (ret = migrate_conn_send_rcvq(fd, t->conn[idx[i]].sock,
						  st.rcvq)))
			return ret;
		log_debug("Migration: TCP socket %u: send queue %u (%u not "
			  "sent), receive queue %u, state %u",
			  i, st.sndq, st.notsent, st.rcvq, st.state);
	}
	return 0;
}

/**
 * migrate_conn_abort() - Target: refuse the connections of a stream
 * @t:		TCP context
 * @n:		Flows created so far
 *
 * Their sockets are in repair mode, or were never connected: closing them
 * sends the peer nothing.
 */
static void migrate_conn_abort(struct tcp_ctx *t, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (migrate_flows[i].idx >= 0)
			tcp_mig_drop(t, (uint32_t)migrate_flows[i].idx, false);
	}
}

/**
 * migrate_conn_records() - Target: read the records, create the flows,
 *			    repair mode on for their sockets
 * @fd:		Descriptor, after the count
 * @t:		TCP context
 * @r:		Repair helper, connected
 * @count:	Records in the stream
 *
 * Return: 0 on success, -errno if the stream or the helper failed (the
 *	   flows created are gone again)
 */
static int migrate_conn_records(int fd, struct tcp_ctx *t, struct repair *r,
				uint32_t count)
{
	uint8_t rec[MIGRATE_TCP_LEN];
	struct migrate_tcp m;
	uint32_t i;
	int ret = 0;

	for (i = 0; i < count; i++) {
		struct migrate_flow *f = &migrate_flows[i];

		memset(f, 0, sizeof(*f));
		f->idx = -1;
		if ((ret = migrate_io(fd, rec, sizeof(rec), false)) ||
		    (ret = migrate_tcp_get(pview_make(rec, sizeof(rec)), &m)))
			break;
		f->idx = tcp_mig_new(t, &m);
		if (f->idx < 0) {
			log_warn("Migration: can't create a TCP connection: %s",
				 strerror(-f->idx));
			continue;
		}
		f->ok = true;
		if ((ret = repair_add(r, t->conn[f->idx].sock, REPAIR_ON)))
			break;
	}
	if (!ret)
		ret = repair_flush(r);
	if (ret)
		migrate_conn_abort(t, i < count ? i + 1 : count);
	return ret;
}

/**
 * migrate_conn_queue() - Target: stream a queue into a socket in repair mode
 * @fd:		Descriptor
 * @f:		Flow; ok cleared if the socket refuses the bytes
 * @sock:	Its socket (-1 if none)
 * @q:		TCP_SEND_QUEUE or TCP_RECV_QUEUE
 * @len:	Bytes of the queue in the stream
 *
 * Return: 0 on success, -errno if the stream failed
 */
static int migrate_conn_queue(int fd, struct migrate_flow *f, int sock,
			      int q, uint32_t len)
{
	while (len) {
		uint32_t n = MIN(len, MIGRATE_CHUNK);
		int ret;

		if ((ret = migrate_io(fd, migrate_chunk, n, false)))
			return ret;
		if (f->ok && tcp_repair_fill(sock, q, migrate_chunk, n))
			f->ok = false;
		len -= n;
	}
	return 0;
}

/**
 * migrate_conn_ext() - Target: read one socket's state and queues, rebuild
 *			its connection in repair mode
 * @fd:		Descriptor
 * @t:		TCP context
 * @f:		Flow
 * @tails:	Bytes of the tail buffer used, updated
 * @end:	Time (clock_ms()) the sockets of the source must be gone by
 *
 * Return: 0 on success (the flow may have failed: @f->ok), -errno if the
 *	   stream failed or is wrong
 */
static int migrate_conn_ext(int fd, struct tcp_ctx *t, struct migrate_flow *f,
			    uint32_t *tails, uint64_t end)
{
	struct tcp_repair_state *st = &f->st;
	uint8_t ext[MIGRATE_TCP_EXT_LEN];
	int sock = -1, ret;
	uint32_t sent;

	if ((ret = migrate_io(fd, ext, sizeof(ext), false)) ||
	    (ret = migrate_tcp_ext_get(pview_make(ext, sizeof(ext)), st)))
		return ret;
	if (!st->state) {	/* the source couldn't read it: no queues */
		f->ok = false;
		return 0;
	}
	if (f->ok) {
		uint64_t now = clock_ms();

		sock = t->conn[f->idx].sock;
		ret = tcp_mig_connect(t, (uint32_t)f->idx, st,
				      end > now ? (int)(end - now) : 0);
		if (ret) {
			log_warn("Migration: can't connect a TCP socket: %s",
				 strerror(-ret));
			f->ok = false;
		}
	}
	sent = st->sndq - st->notsent;
	if (*tails + st->notsent > sizeof(migrate_buf)) {
		sent = st->sndq;	/* no room: sent in repair mode too */
		st->notsent = 0;
	}
	if ((ret = migrate_conn_queue(fd, f, sock, TCP_SEND_QUEUE, sent)))
		return ret;
	f->tail = *tails;
	if ((ret = migrate_io(fd, migrate_buf + f->tail, st->notsent,
			      false)))
		return ret;
	*tails += st->notsent;
	if ((ret = migrate_conn_queue(fd, f, sock, TCP_RECV_QUEUE, st->rcvq)))
		return ret;
	if (f->ok && tcp_repair_finish(sock, st))
		f->ok = false;
	return 0;
}

/**
 * migrate_conn_resume() - Target: the stream was accepted: repair mode off,
 *			   connections go on
 * @t:		TCP context
 * @r:		Repair helper
 * @count:	Flows
 * @moved:	Set to the connections that go on
 *
 * Return: 0 on success (connections that can't go on are reset towards
 *	   the guest), -errno if the helper failed (all are dropped
 *	   silently: the source may still take the guest back)
 */
static int migrate_conn_resume(struct tcp_ctx *t, struct repair *r,
			       uint32_t count, unsigned int *moved)
{
	uint32_t i;
	int ret = 0;

	*moved = 0;
	for (i = 0; i < count && !ret; i++) {
		if (migrate_flows[i].ok)
			ret = repair_add(r, t->conn[migrate_flows[i].idx].sock,
					 REPAIR_OFF);
	}
	if (!ret)
		ret = repair_flush(r);
	if (ret) {
		migrate_conn_abort(t, count);
		return ret;
	}
	for (i = 0; i < count; i++) {
		struct migrate_flow *f = &migrate_flows[i];

		if (f->idx < 0)
			continue;
		if (f->ok && !tcp_mig_resume(t, (uint32_t)f->idx, &f->st,
					     migrate_buf + f->tail)) {
			(*moved)++;
			continue;
		}
		tcp_mig_drop(t, (uint32_t)f->idx, true);
	}
	return 0;
}

/**
 * migrate_conn_recv() - Target: read the connections of the stream and
 *			 rebuild them
 * @fd:		Descriptor, after the count
 * @t:		TCP context
 * @r:		Repair helper
 * @count:	Connections in the stream
 *
 * Return: 0 on success (connections that can't be rebuilt are reset
 *	   towards the guest), -errno if the stream can't be taken: cut,
 *	   corrupt, too many connections, or no helper (nothing is kept)
 */
int migrate_conn_recv(int fd, struct tcp_ctx *t, struct repair *r,
		      uint32_t count)
{
	uint64_t end = clock_ms() + MIGRATE_CONNECT_MS;
	uint32_t i, tails = 0;
	unsigned int moved;
	int ret;

	if (!count)
		return 0;
	if (count > FLOW_MAX) {
		log_err("Migration: %u TCP connections, this passt holds %u at "
			"most: refused",
			count, FLOW_MAX);
		return -E2BIG;
	}
	if (!r || !repair_wait(r, MIGRATE_TARGET_HELPER_MS)) {
		log_err("Migration: the source moves %u TCP connections, but "
			"no passt-repair is connected here: refused",
			count);
		return -ENOTCONN;
	}
	if ((ret = migrate_conn_records(fd, t, r, count)))
		return ret;
	for (i = 0; i < count; i++) {
		if ((ret = migrate_conn_ext(fd, t, &migrate_flows[i], &tails,
					    end))) {
			log_err("Migration: TCP connection %u of %u: %s, "
				"abort",
				i + 1, count,
				ret == -EPIPE ? "stream cut short" :
						strerror(-ret));
			migrate_conn_abort(t, count);
			return ret;
		}
	}
	if ((ret = migrate_conn_resume(t, r, count, &moved))) {
		log_err("Migration: passt-repair failed: TCP connections "
			"refused");
		return ret;
	}
	log_info("Migration: %u of %u TCP connections moved here", moved,
		 count);
	return 0;
}
