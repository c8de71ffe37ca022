// SPDX-License-Identifier: GPL-2.0-or-later
/* frag.c - IPv4 and IPv6 fragments: reassembly from the guest, fragmentation
 *	    towards it
 *
 * Theory of operation: the guest's kernel fragments a datagram larger than
 * its MTU (RFC 791 2.3, RFC 8200 4.5); a host socket takes whole datagrams
 * only, so frag_input() puts the fragments back together, in a table of
 * FRAG_SLOTS fixed slots of 64 KiB, keyed by source, destination and
 * identification (and protocol for IPv4). Each slot keeps a bitmap of the
 * 8-octet units received; the fragment at offset 0 gives the headers, the
 * last one (MF clear) the length. When every unit is there, the headers are
 * rewritten in front of the data as one unfragmented packet (IPv4: offset
 * and MF cleared, total length and header checksum recomputed; IPv6: the
 * Fragment header left out, Next Header and Payload Length fixed) and its
 * view goes through pkt_parse_ip() like any frame. Transports keep pointers
 * into frames until the end of the link's batch, so a completed slot is
 * held until frag_batch_end().
 *
 * What Linux does, we do: overlapping fragments drop the whole datagram,
 * for IPv6 (RFC 5722) and IPv4 alike (Linux since 4.19, although RFC 791
 * allowed overlaps); a fragment lying entirely within data already
 * received is a duplicate and ignored; IPv4 fragments with MF set are
 * trimmed to a multiple of 8 octets, IPv6 ones are dropped (RFC 8200 4.5);
 * anything past the length given by the last fragment drops the datagram.
 * A datagram is abandoned FRAG_TIMEOUT4_MS or FRAG_TIMEOUT6_MS after its
 * first fragment (no ICMP Time Exceeded is sent); when no slot is free the
 * oldest datagram is evicted, so a guest can't pin memory with fragments
 * that never complete.
 *
 * The other way, a datagram from a host socket larger than the guest's MTU
 * is sent as fragments, as the kernel would send it on a link of that MTU:
 * frag_out_defer() queues the complete frame (and every later frame of the
 * same receive batch, so that datagrams stay in order), frag_out_flush()
 * writes the queue out once the transport has committed the frames it
 * reserved. The transport has already computed the L4 checksum over the
 * whole datagram; the first fragment carries the L4 header.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "packet/checksum.h"
#include "packet/frag.h"
#include "packet/frame.h"

/* IPv4 header fields (RFC 791 3.1) */
enum frag_ip4 {
	FRAG_IP4_VERSION = 4,
	FRAG_IP4_IHL_MASK = 0x0f,
	FRAG_IP4_MF = 0x2000,
	FRAG_IP4_OFF_MASK = 0x1fff,
	FRAG_IP4_TOT_MAX = 65535,
};

/* IPv6 header values (RFC 8200 3, 4) */
enum frag_ip6 {
	FRAG_IP6_VERSION = 6,
	FRAG_IP6_VERSION_SHIFT = 28,
	FRAG_IP6_NH_OFF = 6, /* Next Header in the fixed header */
	FRAG_IP6_HOPOPTS = 0,
	FRAG_IP6_ROUTING = 43,
	FRAG_IP6_FRAGMENT = 44,
	FRAG_IP6_DSTOPTS = 60,
	FRAG_IP6_EXT_MAX = 8, /* extension headers walked before giving up */
	FRAG_IP6_FH_LEN = 8,  /* Fragment header (RFC 8200 4.5) */
	FRAG_IP6_M = 0x0001,
	FRAG_IP6_OFF_MASK = 0xfff8,
	FRAG_IP6_PLEN_MAX = 65535,
};

/**
 * struct frag_ip6_fh - IPv6 Fragment header (RFC 8200 4.5)
 * @nexthdr:	Header of the fragmentable part
 * @reserved:	Zero
 * @off_m:	Offset (FRAG_IP6_OFF_MASK, in bytes: the 8-byte units shifted
 *		by 3) and the M flag (FRAG_IP6_M), network order
 * @id:		Identification, network order
 */
struct frag_ip6_fh {
	uint8_t nexthdr;
	uint8_t reserved;
	uint16_t off_m;
	uint32_t id;
} __attribute__((packed));
_Static_assert(sizeof(struct frag_ip6_fh) == FRAG_IP6_FH_LEN, "RFC 8200 4.5");

/**
 * struct frag_piece - One fragment, located and checked
 * @v6:		IPv6
 * @proto:	IPv4 protocol
 * @id:		Identification
 * @src:	Source address
 * @dst:	Destination address
 * @off:	Offset of its data in the datagram's fragmentable part
 * @last:	No more fragments after this one (MF or M clear)
 * @data:	Its data
 * @hdr:	Everything in front of the fragmentable part: Ethernet and IP
 *		headers (IPv6: up to, not including, the Fragment header)
 * @nh_off:	IPv6: offset in @hdr of the Next Header byte naming Fragment
 * @nh:		IPv6: Next Header of the Fragment header
 */
struct frag_piece {
	bool v6;
	uint8_t proto;
	uint32_t id;
	union inany_addr src;
	union inany_addr dst;
	size_t off;
	bool last;
	struct pview data;
	struct pview hdr;
	size_t nh_off;
	uint8_t nh;
};

/**
 * frag_parse4() - Locate an IPv4 fragment
 * @frame:	Ethernet frame
 * @fp:		Fragment, filled on success
 *
 * Return: 0 on success, -ENOENT if not an IPv4 fragment, -EINVAL if
 *	   malformed, -EMSGSIZE if it reaches past 65535 octets
 */
static int frag_parse4(struct pview frame, struct frag_piece *fp)
{
	struct pview l3 = pview_tail(frame, FRAME_ETH_HLEN);
	const struct frame_ip4_hdr *iph;
	size_t hlen, tot, len;
	uint16_t frag;
	uint8_t vi;

	if (!pview_u8(l3, 0, &vi) || vi >> 4 != FRAG_IP4_VERSION)
		return -EINVAL;
	hlen = (size_t)(vi & FRAG_IP4_IHL_MASK) * 4;
	iph = pview_get(l3, 0, hlen);
	if (hlen < FRAME_IP4_HLEN || !iph)
		return -EINVAL;
	tot = ntohs(iph->tot_len);
	/* RFC 1122 3.2.1.2: a bad header checksum means silent discard */
	if (tot < hlen || tot > l3.len || csum_fold(csum_partial(iph, hlen, 0)))
		return -EINVAL;
	frag = ntohs(iph->frag);
	if (!(frag & (FRAG_IP4_MF | FRAG_IP4_OFF_MASK)))
		return -ENOENT;

	fp->v6 = false;
	fp->proto = iph->proto;
	fp->id = ntohs(iph->id);
	inany_from_v4(&fp->src, iph->saddr);
	inany_from_v4(&fp->dst, iph->daddr);
	fp->off = (size_t)(frag & FRAG_IP4_OFF_MASK) * FRAG_UNIT;
	fp->last = !(frag & FRAG_IP4_MF);
	len = tot - hlen;
	/* RFC 791 3.2: all but the last fragment end on an 8-octet
	 * boundary; Linux trims what goes past it, so do we
	 */
	if (!fp->last)
		len &= ~(size_t)(FRAG_UNIT - 1);
	if (!fp->last && !len)
		return -EINVAL;
	/* RFC 791 3.1: Total Length is 16 bits, headers included */
	if (hlen + fp->off + len > FRAG_IP4_TOT_MAX)
		return -EMSGSIZE;
	fp->data = pview_sub(l3, hlen, len);
	fp->hdr = pview_sub(frame, 0, FRAME_ETH_HLEN + hlen);
	return fp->hdr.p ? 0 : -EINVAL;
}

/**
 * frag_find6() - Walk IPv6 extension headers up to a Fragment header
 * @l3:		IPv6 packet, trimmed to its Payload Length
 * @off:	Set to the offset of the Fragment header in @l3
 * @nh_off:	Set to the offset in @l3 of the Next Header byte naming it
 *
 * Return: 0 if found, -ENOENT if there is none, -EINVAL if malformed
 */
static int frag_find6(struct pview l3, size_t *off, size_t *nh_off)
{
	uint8_t nh, units;
	unsigned int i;

	*nh_off = FRAG_IP6_NH_OFF;
	*off = FRAME_IP6_HLEN;
	for (i = 0; i < FRAG_IP6_EXT_MAX; i++) {
		if (!pview_u8(l3, *nh_off, &nh))
			return -EINVAL;
		switch (nh) {
		case FRAG_IP6_FRAGMENT:
			return 0;
		case FRAG_IP6_HOPOPTS:
			/* RFC 8200 4.3: only right after the IPv6 header */
			if (i)
				return -EINVAL;
			break;
		case FRAG_IP6_ROUTING:
		case FRAG_IP6_DSTOPTS:
			break;
		default:
			return -ENOENT;
		}
		/* RFC 8200 4.3, 4.4, 4.6: Hdr Ext Len in 8-octet units, not
		 * counting the first 8 octets
		 */
		if (!pview_u8(l3, *off + 1, &units))
			return -EINVAL;
		*nh_off = *off;
		*off += ((size_t)units + 1) * FRAG_UNIT;
	}
	return -EINVAL;
}

/**
 * frag_parse6() - Locate an IPv6 fragment
 * @frame:	Ethernet frame
 * @fp:		Fragment, filled on success
 *
 * Return: 0 on success, -ENOENT if not an IPv6 fragment, -EINVAL if
 *	   malformed, -EMSGSIZE if too long, -EOPNOTSUPP if its unfragmentable
 *	   headers don't fit in FRAG_HDR_ROOM
 */
static int frag_parse6(struct pview frame, struct frag_piece *fp)
{
	struct pview l3 = pview_tail(frame, FRAME_ETH_HLEN);
	const struct frame_ip6_hdr *ip6h = pview_get(l3, 0, FRAME_IP6_HLEN);
	size_t fh, nh_off, len;
	uint16_t offm;
	uint32_t id;
	int rc;

	if (!ip6h || ntohl(ip6h->ver_tc_fl) >> FRAG_IP6_VERSION_SHIFT !=
			     FRAG_IP6_VERSION)
		return -EINVAL;
	if (ntohs(ip6h->plen) > l3.len - FRAME_IP6_HLEN)
		return -EINVAL;
	l3 = pview_sub(l3, 0, FRAME_IP6_HLEN + ntohs(ip6h->plen));
	rc = frag_find6(l3, &fh, &nh_off);
	if (rc)
		return rc;
	if (!pview_u8(l3, fh + offsetof(struct frag_ip6_fh, nexthdr),
		      &fp->nh) ||
	    !pview_be16(l3, fh + offsetof(struct frag_ip6_fh, off_m), &offm) ||
	    !pview_be32(l3, fh + offsetof(struct frag_ip6_fh, id), &id))
		return -EINVAL;

	fp->v6 = true;
	fp->proto = 0;
	fp->id = id;
	memcpy(&fp->src.a6, &ip6h->saddr, sizeof(fp->src.a6));
	memcpy(&fp->dst.a6, &ip6h->daddr, sizeof(fp->dst.a6));
	fp->off = offm & FRAG_IP6_OFF_MASK;
	fp->last = !(offm & FRAG_IP6_M);
	fp->data = pview_tail(l3, fh + FRAG_IP6_FH_LEN);
	len = fp->data.len;
	/* RFC 8200 4.5: with M set, a length that is not a multiple of 8
	 * octets is discarded (the Parameter Problem isn't sent)
	 */
	if (!fp->last && (!len || len % FRAG_UNIT))
		return -EINVAL;
	/* RFC 8200 4.5: a fragment that would make the reassembled Payload
	 * Length exceed 65535 octets is discarded
	 */
	if (fh - FRAME_IP6_HLEN + fp->off + len > FRAG_IP6_PLEN_MAX)
		return -EMSGSIZE;
	if (FRAME_ETH_HLEN + fh > FRAG_HDR_ROOM)
		return -EOPNOTSUPP;
	fp->hdr = pview_sub(frame, 0, FRAME_ETH_HLEN + fh);
	fp->nh_off = FRAME_ETH_HLEN + nh_off;
	return fp->hdr.p ? 0 : -EINVAL;
}

/**
 * frag_slot_free() - Forget a datagram
 * @s:		Slot
 */
static void frag_slot_free(struct frag_slot *s)
{
	s->used = s->held = s->atomic = false;
	s->first_in = s->last_in = false;
	s->total = s->max_end = s->units = 0;
	memset(s->map, 0, sizeof(s->map));
}

/**
 * frag_expired() - Tell whether a datagram has waited too long
 * @s:		Slot in use
 * @now:	Current time, milliseconds
 *
 * Return: true if its timeout has passed
 */
static bool frag_expired(const struct frag_slot *s, uint64_t now)
{
	uint64_t limit = s->v6 ? FRAG_TIMEOUT6_MS : FRAG_TIMEOUT4_MS;

	return now >= s->since && now - s->since >= limit;
}

/**
 * frag_matches() - Tell whether a slot holds the datagram of a fragment
 * @s:		Slot
 * @fp:		Fragment
 *
 * Return: true on a match (RFC 791 3.2: source, destination, protocol and
 *	   identification; RFC 8200 4.5: source, destination, identification)
 */
static bool frag_matches(const struct frag_slot *s, const struct frag_piece *fp)
{
	return s->used && !s->held && !s->atomic && s->v6 == fp->v6 &&
	       s->id == fp->id && s->proto == fp->proto &&
	       !memcmp(&s->src, &fp->src, sizeof(s->src)) &&
	       !memcmp(&s->dst, &fp->dst, sizeof(s->dst));
}

/**
 * frag_better_victim() - Tell whether a slot is a better one to take
 * @s:		Slot
 * @v:		Best one so far, or NULL
 *
 * Return: true if @s is free and @v isn't, or if both hold datagrams and
 *	   @s has the older one; held slots are never taken
 */
static bool frag_better_victim(const struct frag_slot *s,
			       const struct frag_slot *v)
{
	if (s->held)
		return false;
	if (!v)
		return true;
	if (!s->used)
		return v->used;
	return v->used && s->since < v->since;
}

/**
 * frag_slot_get() - Find the slot of a fragment's datagram, or start one
 * @t:		Table
 * @fp:		Fragment
 * @now:	Current time, milliseconds
 *
 * Expired datagrams are dropped on the way. A new datagram takes a free
 * slot, or the one of the oldest datagram not held.
 *
 * Return: the slot, NULL if every slot is held until the batch ends
 */
static struct frag_slot *
frag_slot_get(struct frag_table *t, const struct frag_piece *fp, uint64_t now)
{
	/* RFC 6946: an atomic fragment is reassembled in isolation */
	bool atomic = fp->v6 && !fp->off && fp->last;
	struct frag_slot *s, *found = NULL, *victim = NULL;

	for (s = t->slot; s < t->slot + FRAG_SLOTS; s++) {
		if (s->used && !s->held && frag_expired(s, now)) {
			frag_slot_free(s);
			t->st.timeout++;
		}
		if (!atomic && !found && frag_matches(s, fp))
			found = s;
		if (frag_better_victim(s, victim))
			victim = s;
	}
	if (found || !victim)
		return found;
	if (victim->used) {
		frag_slot_free(victim);
		t->st.evicted++;
	}
	victim->used = true;
	victim->atomic = atomic;
	victim->v6 = fp->v6;
	victim->proto = fp->proto;
	victim->id = fp->id;
	victim->src = fp->src;
	victim->dst = fp->dst;
	victim->since = now;
	return victim;
}

/**
 * frag_map_count() - Count the units already received in a range
 * @s:		Slot
 * @u0:		First unit
 * @u1:		Unit past the last one
 *
 * Return: number of units of [@u0, @u1) received
 */
static size_t frag_map_count(const struct frag_slot *s, size_t u0, size_t u1)
{
	size_t u, n = 0;

	for (u = u0; u < u1; u++)
		n += (s->map[u / 64] >> (u % 64)) & 1;
	return n;
}

/**
 * frag_map_set() - Mark the units of a range as received
 * @s:		Slot
 * @u0:		First unit
 * @u1:		Unit past the last one
 */
static void frag_map_set(struct frag_slot *s, size_t u0, size_t u1)
{
	size_t u;

	for (u = u0; u < u1; u++)
		s->map[u / 64] |= (uint64_t)1 << (u % 64);
	s->units += u1 - u0;
}

/**
 * frag_check_len() - Check a fragment against the datagram's known length
 * @s:		Slot
 * @fp:		Fragment
 * @end:	End of its data
 *
 * Return: true if consistent: a last fragment ends where an earlier last
 *	   one did and no earlier fragment reaches past it; any other
 *	   fragment ends before the last one's end
 */
static bool frag_check_len(const struct frag_slot *s,
			   const struct frag_piece *fp, size_t end)
{
	if (fp->last)
		return s->last_in ? end == s->total : end >= s->max_end;
	return !s->last_in || end <= s->total;
}

/**
 * frag_store() - Put a fragment in its datagram's slot
 * @t:		Table
 * @s:		Slot
 * @fp:		Fragment
 *
 * Return: FRAG_PENDING (stored, or a duplicate), -EPROTO if it overlaps
 *	   data received or disagrees with the datagram's length: the
 *	   datagram is dropped
 */
static int frag_store(struct frag_table *t, struct frag_slot *s,
		      const struct frag_piece *fp)
{
	size_t end = fp->off + fp->data.len;
	size_t u0 = fp->off / FRAG_UNIT;
	size_t u1 = (end + FRAG_UNIT - 1) / FRAG_UNIT;
	size_t have = frag_map_count(s, u0, u1);

	if (!frag_check_len(s, fp, end)) {
		t->st.bad++;
		frag_slot_free(s);
		return -EPROTO;
	}
	/* Entirely within data we have: a duplicate, dropped alone. Partly:
	 * RFC 5722 4, the whole datagram is silently discarded
	 */
	if (have && have == u1 - u0) {
		t->st.dup++;
		return FRAG_PENDING;
	}
	if (have) {
		t->st.overlap++;
		frag_slot_free(s);
		return -EPROTO;
	}

	frag_map_set(s, u0, u1);
	if (fp->data.len)
		memcpy(s->buf + FRAG_HDR_ROOM + fp->off, fp->data.p,
		       fp->data.len);
	s->max_end = end > s->max_end ? end : s->max_end;
	if (fp->last) {
		s->last_in = true;
		s->total = end;
	}
	/* RFC 791 3.2, RFC 8200 4.5: the headers of the offset-0 fragment
	 * become those of the reassembled packet
	 */
	if (!fp->off && !s->first_in) {
		s->first_in = true;
		s->hlen = fp->hdr.len;
		s->nh_off = fp->nh_off;
		s->nh = fp->nh;
		memcpy(s->buf + FRAG_HDR_ROOM - s->hlen, fp->hdr.p, s->hlen);
	}
	return FRAG_PENDING;
}

/**
 * frag_rebuild() - Turn a complete datagram into one unfragmented packet
 * @t:		Table
 * @s:		Slot, every unit received
 * @out:	Set to the packet, Ethernet header included
 *
 * Return: FRAG_DONE, or -EMSGSIZE if the packet exceeds 65535 octets
 *	   (dropped)
 */
static int frag_rebuild(struct frag_table *t, struct frag_slot *s,
			struct pview *out)
{
	uint8_t *f = s->buf + FRAG_HDR_ROOM - s->hlen;
	size_t l3hlen = s->hlen - FRAME_ETH_HLEN;

	if (s->v6) {
		struct frame_ip6_hdr *ip6h = (void *)(f + FRAME_ETH_HLEN);
		size_t plen = l3hlen - FRAME_IP6_HLEN + s->total;

		if (plen > FRAG_IP6_PLEN_MAX)
			goto toobig;
		ip6h->plen = htons((uint16_t)plen);
		f[s->nh_off] = s->nh;
	} else {
		struct frame_ip4_hdr *iph = (void *)(f + FRAME_ETH_HLEN);
		size_t tot = l3hlen + s->total;

		if (tot > FRAG_IP4_TOT_MAX)
			goto toobig;
		iph->tot_len = htons((uint16_t)tot);
		iph->frag &=
			htons((uint16_t) ~(FRAG_IP4_MF | FRAG_IP4_OFF_MASK));
		iph->check = 0;
		iph->check = csum_ip4_header(iph, l3hlen);
	}
	*out = pview_make(f, s->hlen + s->total);
	s->held = true;
	t->st.done++;
	return FRAG_DONE;
toobig:
	t->st.toobig++;
	frag_slot_free(s);
	return -EMSGSIZE;
}

/**
 * frag_input() - Take a fragment from the guest
 * @t:		Table
 * @frame:	Ethernet frame holding an IPv4 or IPv6 fragment
 * @now:	Monotonic time, milliseconds
 * @out:	Set to the reassembled packet (Ethernet frame) on FRAG_DONE:
 *		valid until frag_batch_end()
 *
 * Return: FRAG_DONE when this fragment completes its datagram,
 *	   FRAG_PENDING when it was kept (or was a duplicate); -ENOENT if
 *	   @frame is not a fragment; otherwise the fragment is dropped:
 *	   -EINVAL malformed, -EMSGSIZE too long, -EOPNOTSUPP headers too
 *	   long, -EPROTO overlap or length conflict (its datagram dropped
 *	   too), -ENOBUFS every slot held until the batch ends
 */
int frag_input(struct frag_table *t, struct pview frame, uint64_t now,
	       struct pview *out)
{
	struct frag_piece fp;
	struct frag_slot *s;
	uint16_t type;
	int rc;

	if (!pview_be16(frame, offsetof(struct frame_eth_hdr, type), &type))
		return -ENOENT;
	if (type == FRAME_ETH_IP4)
		rc = frag_parse4(frame, &fp);
	else if (type == FRAME_ETH_IP6)
		rc = frag_parse6(frame, &fp);
	else
		return -ENOENT;
	if (rc == -EINVAL)
		t->st.bad++;
	else if (rc == -EMSGSIZE || rc == -EOPNOTSUPP)
		t->st.toobig++;
	if (rc)
		return rc;

	s = frag_slot_get(t, &fp, now);
	if (!s) {
		t->st.nobufs++;
		return -ENOBUFS;
	}
	rc = frag_store(t, s, &fp);
	if (rc || !s->first_in || !s->last_in ||
	    s->units != (s->total + FRAG_UNIT - 1) / FRAG_UNIT)
		return rc;
	return frag_rebuild(t, s, out);
}

/**
 * frag_batch_end() - Release the datagrams handed out in this batch
 * @t:		Table
 *
 * Call once the transports are done with the link's batch of frames.
 */
void frag_batch_end(struct frag_table *t)
{
	struct frag_slot *s;

	for (s = t->slot; s < t->slot + FRAG_SLOTS; s++) {
		if (s->held)
			frag_slot_free(s);
	}
}

/**
 * frag_in_progress() - Count datagrams waiting for fragments
 * @t:		Table
 *
 * Return: slots in use and not held
 */
unsigned int frag_in_progress(const struct frag_table *t)
{
	unsigned int i, n = 0;

	for (i = 0; i < FRAG_SLOTS; i++)
		n += t->slot[i].used && !t->slot[i].held;
	return n;
}

/**
 * frag_next_buf() - Reserve one frame buffer of a sink
 * @s:		Sink
 * @need:	Bytes the frame needs
 * @buf:	Set to the buffer
 * @cap:	Set to its size
 *
 * Return: 0, -ENOBUFS if the sink has none, -EMSGSIZE if it's too small
 */
static int frag_next_buf(struct frame_sink *s, size_t need, uint8_t **buf,
			 size_t *cap)
{
	if (!s->reserve(s, 1, buf, cap))
		return -ENOBUFS;
	if (*cap < need) {
		s->commit(s, *buf, 0, NULL);
		return -EMSGSIZE;
	}
	return 0;
}

/**
 * frag_commit() - Pad a frame to the Ethernet minimum and commit it
 * @s:		Sink
 * @buf:	Frame
 * @len:	Its length
 * @cap:	Buffer size
 */
static void frag_commit(struct frame_sink *s, uint8_t *buf, size_t len,
			size_t cap)
{
	if (len < FRAME_ETH_MIN && cap >= FRAME_ETH_MIN) {
		memset(buf + len, 0, FRAME_ETH_MIN - len);
		len = FRAME_ETH_MIN;
	}
	s->commit(s, buf, len, NULL);
}

/**
 * frag_build4() - Send an IPv4 packet as fragments
 * @s:		Sink
 * @frame:	Ethernet frame, IPv4 header without options
 * @mtu:	Largest IP packet of the guest's link
 * @id:		Identification
 *
 * Return: number of fragments committed, or -errno
 */
static int frag_build4(struct frame_sink *s, struct pview frame, size_t mtu,
		       uint32_t id)
{
	const uint8_t *hdr =
		pview_get(frame, 0, FRAME_ETH_HLEN + FRAME_IP4_HLEN);
	const struct frame_ip4_hdr *iph;
	size_t per, off, n, cap, plen;
	struct frame_ip4_hdr *fh;
	struct pview pl;
	int rc, count = 0;
	uint8_t *buf;

	if (!hdr)
		return -EINVAL;
	iph = (const void *)(hdr + FRAME_ETH_HLEN);
	if (iph->ver_ihl != (FRAG_IP4_VERSION << 4 | FRAME_IP4_HLEN / 4))
		return -EINVAL;
	plen = ntohs(iph->tot_len);
	pl = pview_sub(frame, FRAME_ETH_HLEN + FRAME_IP4_HLEN,
		       plen > FRAME_IP4_HLEN ? plen - FRAME_IP4_HLEN : 0);
	/* RFC 791 2.3: every fragment but the last carries a multiple of 8
	 * octets of data
	 */
	per = mtu > FRAME_IP4_HLEN ? (mtu - FRAME_IP4_HLEN) & ~(size_t)7 : 0;
	if (!pl.p || !per)
		return -EINVAL;

	for (off = 0; off < pl.len; off += n) {
		n = pl.len - off < per ? pl.len - off : per;
		rc = frag_next_buf(s, FRAME_ETH_HLEN + FRAME_IP4_HLEN + n, &buf,
				   &cap);
		if (rc)
			return rc;
		memcpy(buf, hdr, FRAME_ETH_HLEN + FRAME_IP4_HLEN);
		memcpy(buf + FRAME_ETH_HLEN + FRAME_IP4_HLEN, pl.p + off, n);
		fh = (struct frame_ip4_hdr *)(buf + FRAME_ETH_HLEN);
		fh->tot_len = htons((uint16_t)(FRAME_IP4_HLEN + n));
		fh->id = htons((uint16_t)id);
		/* RFC 791 3.2: MF on all but the last, offset in 8 octets */
		fh->frag =
			htons((uint16_t)((off + n < pl.len ? FRAG_IP4_MF : 0) |
					 off / FRAG_UNIT));
		fh->check = 0;
		fh->check = csum_ip4_header(fh, FRAME_IP4_HLEN);
		frag_commit(s, buf, FRAME_ETH_HLEN + FRAME_IP4_HLEN + n, cap);
		count++;
	}
	return count;
}

/**
 * frag_build6() - Send an IPv6 packet as fragments
 * @s:		Sink
 * @frame:	Ethernet frame, IPv6 header directly followed by L4
 * @mtu:	Largest IP packet of the guest's link
 * @id:		Identification
 *
 * Return: number of fragments committed, or -errno
 */
static int frag_build6(struct frame_sink *s, struct pview frame, size_t mtu,
		       uint32_t id)
{
	const uint8_t *hdr = pview_get(frame, 0, FRAME_IP6_DATA);
	const struct frame_ip6_hdr *ip6h;
	size_t per, off, n, cap, room = FRAME_IP6_HLEN + FRAG_IP6_FH_LEN;
	struct frame_ip6_hdr *ih;
	struct frag_ip6_fh *fh;
	struct pview pl;
	int rc, count = 0;
	uint8_t *buf;

	if (!hdr)
		return -EINVAL;
	ip6h = (const void *)(hdr + FRAME_ETH_HLEN);
	pl = pview_sub(frame, FRAME_IP6_DATA, ntohs(ip6h->plen));
	per = mtu > room ? (mtu - room) & ~(size_t)7 : 0;
	if (!pl.p || !per || ip6h->nexthdr == FRAG_IP6_FRAGMENT)
		return -EINVAL;

	for (off = 0; off < pl.len; off += n) {
		n = pl.len - off < per ? pl.len - off : per;
		rc = frag_next_buf(s, FRAME_IP6_DATA + FRAG_IP6_FH_LEN + n,
				   &buf, &cap);
		if (rc)
			return rc;
		memcpy(buf, hdr, FRAME_IP6_DATA);
		ih = (struct frame_ip6_hdr *)(buf + FRAME_ETH_HLEN);
		ih->plen = htons((uint16_t)(FRAG_IP6_FH_LEN + n));
		ih->nexthdr = FRAG_IP6_FRAGMENT;
		fh = (struct frag_ip6_fh *)(buf + FRAME_IP6_DATA);
		fh->nexthdr = ip6h->nexthdr;
		fh->reserved = 0;
		/* @off is a multiple of 8: it is the 13-bit field, shifted */
		fh->off_m = htons((uint16_t)(off & FRAG_IP6_OFF_MASK) |
				  (off + n < pl.len ? FRAG_IP6_M : 0));
		fh->id = htonl(id);
		memcpy(buf + FRAME_IP6_DATA + FRAG_IP6_FH_LEN, pl.p + off, n);
		frag_commit(s, buf, FRAME_IP6_DATA + FRAG_IP6_FH_LEN + n, cap);
		count++;
	}
	return count;
}

/**
 * frag_build() - Send a packet to the guest as fragments of at most @mtu
 * @s:		Sink: every buffer reserved earlier must be committed already
 *		(reserving may flush the sink)
 * @frame:	Complete Ethernet frame with its L4 checksum computed: IPv4
 *		without options, or IPv6 without extension headers
 * @mtu:	Largest IP packet of the guest's link
 * @id:		Identification (IPv4 uses the low 16 bits)
 *
 * Return: number of fragments committed, or -errno: -EINVAL if @frame
 *	   can't be fragmented, -ENOBUFS or -EMSGSIZE if the sink couldn't
 *	   take every fragment (those committed go out and are useless)
 */
int frag_build(struct frame_sink *s, struct pview frame, size_t mtu,
	       uint32_t id)
{
	uint16_t type;

	if (!pview_be16(frame, offsetof(struct frame_eth_hdr, type), &type))
		return -EINVAL;
	if (type == FRAME_ETH_IP4)
		return frag_build4(s, frame, mtu, id);
	if (type == FRAME_ETH_IP6)
		return frag_build6(s, frame, mtu, id);
	return -EINVAL;
}

/**
 * frag_out_defer() - Queue a frame if it needs fragments, or if others wait
 * @q:		Queue
 * @mtu:	Guest's MTU, 0 for none (frames are never fragmented)
 * @frame:	Complete Ethernet frame, in a buffer reserved from the sink
 * @len:	Its length (Ethernet padding included, if any)
 *
 * A frame that fits goes out as it is, unless larger ones of the same batch
 * wait in the queue: it then waits behind them, in order.
 *
 * Return: true if the frame was queued (or dropped, queue full): the caller
 *	   gives its buffer back; false if the caller commits it as it is
 */
bool frag_out_defer(struct frag_out *q, size_t mtu, const uint8_t *frame,
		    size_t len)
{
	if (!len || (!q->n && (!mtu || len <= FRAME_ETH_HLEN + mtu)))
		return false;
	if (q->n == FRAG_OUT_FRAMES || len > FRAG_OUT_FRAME_MAX) {
		q->dropped++;
		return true;
	}
	memcpy(q->buf[q->n], frame, len);
	q->len[q->n++] = len;
	return true;
}

/**
 * frag_out_flush() - Write the queued frames to the sink, fragmented
 * @q:		Queue
 * @s:		Sink, with nothing reserved and not committed
 * @mtu:	Guest's MTU, 0 for none
 *
 * Return: number of frames of the queue that could not be sent (counted
 *	   in @q->dropped too)
 */
unsigned int frag_out_flush(struct frag_out *q, struct frame_sink *s,
			    size_t mtu)
{
	unsigned int i, lost = 0;
	uint8_t *buf;
	size_t cap;

	for (i = 0; i < q->n; i++) {
		size_t len = q->len[i];

		if (!mtu || len <= FRAME_ETH_HLEN + mtu) {
			if (frag_next_buf(s, len, &buf, &cap)) {
				lost++;
				continue;
			}
			memcpy(buf, q->buf[i], len);
			s->commit(s, buf, len, NULL);
			continue;
		}
		if (frag_build(s, pview_make(q->buf[i], len), mtu, q->id++) < 0)
			lost++;
	}
	q->n = 0;
	q->dropped += lost;
	return lost;
}
