// SPDX-License-Identifier: GPL-2.0-or-later
/* migrate_tcp.c - the TCP records of the migration stream, encoded and
 *		   checked
 *
 * Theory of operation: see migrate_tcp.h. The 112-byte record, byte by byte
 * (offsets in brackets; BE = big-endian, host = the writer's order):
 *
 *	[0]   u8 pif[2]
 *	[2]   side 0: oaddr (16), eaddr (16), u16 oport, u16 eport (host)
 *	[38]  side 1: the same
 *	[74]  u8 retries, ws_from_tap, ws_to_tap, events
 *	[78]  u32 BE tap_mss, [82] u32 sndbuf (host)
 *	[86]  u8 flags, seq_dup_ack_approx, [88] u16 BE wnd_from_tap, wnd_to_tap
 *	[92]  u32 BE seq_to_tap, seq_ack_from_tap, seq_from_tap,
 *	      seq_ack_to_tap, seq_init_from_tap
 *
 * The 52-byte record: u32 BE seq_snd, seq_rcv, sndq, notsent, rcvq, mss,
 * timestamp, snd_wl1, snd_wnd, max_window, rcv_wnd, rcv_wup, then u8 snd_ws,
 * rcv_ws, tcpi_state, tcpi_options.
 *
 * A reader refuses (-EINVAL) what the target must not act on: one side
 * that isn't the guest and the other that isn't host sockets, a host side
 * whose two addresses are of different families, or unspecified or
 * multicast peers, a peer port of 0, window scales above 14, a queue above
 * MIGRATE_QUEUE_MAX or more unsent bytes than queued, and socket states a
 * migrated connection can't be in. A tcpi_state of 0 is upstream's "skip
 * this flow": accepted, the caller skips it; no queue bytes follow it.
 */

#include <errno.h>
#include <string.h>

#include "transport/migrate_tcp.h"


/**
 * migrate_tcp_side_put() - Append one side
 * @b:		Writer
 * @s:		Side
 *
 * Return: true on success, false if it didn't fit
 */
static bool migrate_tcp_side_put(struct pbuf *b,
				 const struct migrate_tcp_side *s)
{
	return pbuf_put(b, &s->oaddr, sizeof(s->oaddr)) &&
	       pbuf_put(b, &s->eaddr, sizeof(s->eaddr)) &&
	       pbuf_put(b, &s->oport, sizeof(s->oport)) &&
	       pbuf_put(b, &s->eport, sizeof(s->eport));
}

/**
 * migrate_tcp_put() - Append the 112-byte record of a connection
 * @b:		Writer
 * @t:		Record
 *
 * Return: true on success, false if it didn't fit
 */
bool migrate_tcp_put(struct pbuf *b, const struct migrate_tcp *t)
{
	return pbuf_put(b, t->pif, sizeof(t->pif)) &&
	       migrate_tcp_side_put(b, &t->side[0]) &&
	       migrate_tcp_side_put(b, &t->side[1]) &&
	       pbuf_u8(b, t->retries) && pbuf_u8(b, t->ws_from_tap) &&
	       pbuf_u8(b, t->ws_to_tap) && pbuf_u8(b, t->events) &&
	       pbuf_be32(b, t->tap_mss) &&
	       pbuf_put(b, &t->sndbuf, sizeof(t->sndbuf)) &&
	       pbuf_u8(b, t->flags) && pbuf_u8(b, t->seq_dup_ack_approx) &&
	       pbuf_be16(b, t->wnd_from_tap) && pbuf_be16(b, t->wnd_to_tap) &&
	       pbuf_be32(b, t->seq_to_tap) &&
	       pbuf_be32(b, t->seq_ack_from_tap) &&
	       pbuf_be32(b, t->seq_from_tap) &&
	       pbuf_be32(b, t->seq_ack_to_tap) &&
	       pbuf_be32(b, t->seq_init_from_tap);
}

/**
 * migrate_tcp_side_get() - Read one side at @off
 * @v:		Record
 * @off:	Offset of the side
 * @s:		Side, set
 *
 * Return: true on success, false if @v is short
 */
static bool migrate_tcp_side_get(struct pview v, size_t off,
				 struct migrate_tcp_side *s)
{
	return pview_copy(v, off, &s->oaddr, sizeof(s->oaddr)) &&
	       pview_copy(v, off + 16, &s->eaddr, sizeof(s->eaddr)) &&
	       pview_copy(v, off + 32, &s->oport, sizeof(s->oport)) &&
	       pview_copy(v, off + 34, &s->eport, sizeof(s->eport));
}

/**
 * migrate_tcp_peer_ok() - Can a connection go to and come from this peer?
 * @a:		Address
 * @port:	Port
 *
 * Return: true if @a is a unicast address and @port not 0
 */
static bool migrate_tcp_peer_ok(const struct in6_addr *a, uint16_t port)
{
	if (!port || IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_MULTICAST(a))
		return false;
	if (IN6_IS_ADDR_V4MAPPED(a)) {
		uint8_t first = a->s6_addr[12];

		return first && first < 224 &&
		       memcmp(&a->s6_addr[12], "\xff\xff\xff\xff", 4) != 0;
	}
	return true;
}

/**
 * migrate_tcp_get() - Read and check the 112-byte record of a connection
 * @v:		Record, MIGRATE_TCP_LEN bytes
 * @t:		Set to the record
 *
 * Return: 0 on success, -EINVAL if @v is short or the record can't be a
 *	   connection we restore
 */
int migrate_tcp_get(struct pview v, struct migrate_tcp *t)
{
	const struct migrate_tcp_side *host;
	int h;

	memset(t, 0, sizeof(*t));
	if (!pview_copy(v, 0, t->pif, sizeof(t->pif)) ||
	    !migrate_tcp_side_get(v, 2, &t->side[0]) ||
	    !migrate_tcp_side_get(v, 38, &t->side[1]) ||
	    !pview_u8(v, 74, &t->retries) ||
	    !pview_u8(v, 75, &t->ws_from_tap) ||
	    !pview_u8(v, 76, &t->ws_to_tap) || !pview_u8(v, 77, &t->events) ||
	    !pview_be32(v, 78, &t->tap_mss) ||
	    !pview_copy(v, 82, &t->sndbuf, sizeof(t->sndbuf)) ||
	    !pview_u8(v, 86, &t->flags) ||
	    !pview_u8(v, 87, &t->seq_dup_ack_approx) ||
	    !pview_be16(v, 88, &t->wnd_from_tap) ||
	    !pview_be16(v, 90, &t->wnd_to_tap) ||
	    !pview_be32(v, 92, &t->seq_to_tap) ||
	    !pview_be32(v, 96, &t->seq_ack_from_tap) ||
	    !pview_be32(v, 100, &t->seq_from_tap) ||
	    !pview_be32(v, 104, &t->seq_ack_to_tap) ||
	    !pview_be32(v, 108, &t->seq_init_from_tap))
		return -EINVAL;

	if (t->pif[0] == MIGRATE_PIF_TAP && t->pif[1] == MIGRATE_PIF_HOST)
		h = 1;
	else if (t->pif[0] == MIGRATE_PIF_HOST && t->pif[1] == MIGRATE_PIF_TAP)
		h = 0;
	else
		return -EINVAL;
	host = &t->side[h];
	if (IN6_IS_ADDR_V4MAPPED(&host->oaddr) !=
	    IN6_IS_ADDR_V4MAPPED(&host->eaddr) ||
	    IN6_IS_ADDR_MULTICAST(&host->oaddr) ||
	    !migrate_tcp_peer_ok(&host->eaddr, host->eport) ||
	    !migrate_tcp_peer_ok(&t->side[!h].eaddr, t->side[!h].eport))
		return -EINVAL;
	if (t->ws_from_tap > MIGRATE_WS_MAX || t->ws_to_tap > MIGRATE_WS_MAX ||
	    !t->tap_mss || t->tap_mss > UINT16_MAX)
		return -EINVAL;
	return 0;
}

/**
 * migrate_tcp_ext_put() - Append the 52-byte socket record
 * @b:		Writer
 * @st:		Socket state
 *
 * Return: true on success, false if it didn't fit
 */
bool migrate_tcp_ext_put(struct pbuf *b, const struct tcp_repair_state *st)
{
	return pbuf_be32(b, st->seq_snd) && pbuf_be32(b, st->seq_rcv) &&
	       pbuf_be32(b, st->sndq) && pbuf_be32(b, st->notsent) &&
	       pbuf_be32(b, st->rcvq) && pbuf_be32(b, st->mss) &&
	       pbuf_be32(b, st->timestamp) &&
	       pbuf_be32(b, st->wnd.snd_wl1) && pbuf_be32(b, st->wnd.snd_wnd) &&
	       pbuf_be32(b, st->wnd.max_window) &&
	       pbuf_be32(b, st->wnd.rcv_wnd) && pbuf_be32(b, st->wnd.rcv_wup) &&
	       pbuf_u8(b, st->snd_ws) && pbuf_u8(b, st->rcv_ws) &&
	       pbuf_u8(b, st->state) && pbuf_u8(b, st->options);
}

/**
 * migrate_tcp_state_ok() - Can a migrated socket be in this state?
 * @state:	tcpi_state, not 0
 *
 * Return: true for the states of a connection that was established
 */
static bool migrate_tcp_state_ok(uint8_t state)
{
	switch (state) {
	case TCP_RS_ESTABLISHED:
	case TCP_RS_FIN_WAIT1:
	case TCP_RS_FIN_WAIT2:
	case TCP_RS_CLOSE_WAIT:
	case TCP_RS_LAST_ACK:
	case TCP_RS_CLOSING:
		return true;
	default:
		return false;
	}
}

/**
 * migrate_tcp_ext_get() - Read and check the 52-byte socket record
 * @v:		Record, MIGRATE_TCP_EXT_LEN bytes
 * @st:		Set to the socket state
 *
 * Return: 0 on success (also for a skipped flow, @st->state 0), -EINVAL
 *	   if @v is short or holds values we can't rebuild a socket from
 */
int migrate_tcp_ext_get(struct pview v, struct tcp_repair_state *st)
{
	memset(st, 0, sizeof(*st));
	if (!pview_be32(v, 0, &st->seq_snd) ||
	    !pview_be32(v, 4, &st->seq_rcv) ||
	    !pview_be32(v, 8, &st->sndq) || !pview_be32(v, 12, &st->notsent) ||
	    !pview_be32(v, 16, &st->rcvq) || !pview_be32(v, 20, &st->mss) ||
	    !pview_be32(v, 24, &st->timestamp) ||
	    !pview_be32(v, 28, &st->wnd.snd_wl1) ||
	    !pview_be32(v, 32, &st->wnd.snd_wnd) ||
	    !pview_be32(v, 36, &st->wnd.max_window) ||
	    !pview_be32(v, 40, &st->wnd.rcv_wnd) ||
	    !pview_be32(v, 44, &st->wnd.rcv_wup) ||
	    !pview_u8(v, 48, &st->snd_ws) || !pview_u8(v, 49, &st->rcv_ws) ||
	    !pview_u8(v, 50, &st->state) || !pview_u8(v, 51, &st->options))
		return -EINVAL;
	/* a skipped flow has no queue bytes, whatever its sizes say (upstream
	 * writes them as it had them when the dump failed)
	 */
	if (!st->state)
		return 0;
	if (st->sndq > MIGRATE_QUEUE_MAX || st->rcvq > MIGRATE_QUEUE_MAX ||
	    st->notsent > st->sndq)
		return -EINVAL;
	if (!migrate_tcp_state_ok(st->state) || st->snd_ws > MIGRATE_WS_MAX ||
	    st->rcv_ws > MIGRATE_WS_MAX || !st->mss || st->mss > UINT16_MAX)
		return -EINVAL;
	return 0;
}
