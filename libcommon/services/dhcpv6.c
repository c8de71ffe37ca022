// SPDX-License-Identifier: GPL-2.0-or-later
/* dhcpv6.c - DHCPv6 server (RFC 8415) handing out one address, statelessly
 *
 * Theory of operation: the guest's one IPv6 address, c->addr6, is offered in
 * an IA_NA to whatever IAID the client uses, with the lifetimes of c->lease
 * (infinite unless we follow the host: doc/follow.md), so no state needs to
 * be kept: Solicit gets an Advertise (or a Reply when the
 * client asks for Rapid Commit, RFC 8415 18.3.1), Request, Renew and Rebind a
 * Reply with the address, Confirm tells whether the client's addresses are
 * still right, Release and Decline are acknowledged, and an
 * Information-request gets resolvers and search list only. Our DUID is the
 * DUID-LL of our MAC, and a message addressed to another server is ignored.
 *
 * When the host's address changed, a client renewing (Renew, Rebind) the old
 * one gets the new one and, as RFC 8415 18.3.4 and 18.3.5 say for addresses
 * that aren't appropriate for the link any more, the old one with lifetimes
 * of zero: it drops it. A Reconfigure message would tell clients at once,
 * but needs the Reconfigure Key Authentication Protocol (20.4), which the
 * common clients don't take part in; so clients learn at T1, half the lease.
 */

#include <arpa/inet.h>
#include <string.h>

#include "packet/frame.h"
#include "services/dname.h"
#include "services/l2.h"

/* Ports, sizes and constants (RFC 8415 7, 8, 11) */
enum dhcpv6_wire {
	DHCPV6_CLIENT_PORT = 546,
	DHCPV6_SERVER_PORT = 547,
	DHCPV6_HDR_LEN = 4,	/* msg-type, transaction-id */
	DHCPV6_OPT_HDR = 4,	/* option-code, option-len */
	DHCPV6_DUID_MIN = 2,	/* DUID type, at least */
	DHCPV6_DUID_MAX = 130,	/* 11.1: type and at most 128 bytes */
	DHCPV6_IA_NA_LEN = 12,	/* IAID, T1, T2 */
	DHCPV6_IAADDR_LEN = 24, /* address, preferred, valid lifetimes */
	DHCPV6_DUID_LL = 3,	/* 11.4 */
	DHCPV6_HWTYPE_ETHER = 1,
	DHCPV6_PREF_MAX = 255, /* 21.8: the client stops looking */
	DHCPV6_FRAME_MAX = FRAME_ETH_HLEN + 1280,
	DHCPV6_OLD_MAX = 4,	/* addresses given back with lifetimes 0 */
};

/* Message types (RFC 8415 7.3) */
enum dhcpv6_msg {
	DHCPV6_SOLICIT = 1,
	DHCPV6_ADVERTISE = 2,
	DHCPV6_REQUEST = 3,
	DHCPV6_CONFIRM = 4,
	DHCPV6_RENEW = 5,
	DHCPV6_REBIND = 6,
	DHCPV6_REPLY = 7,
	DHCPV6_RELEASE = 8,
	DHCPV6_DECLINE = 9,
	DHCPV6_INFO_REQUEST = 11,
};

/* Option codes (RFC 8415 21, RFC 3646, RFC 4704) */
enum dhcpv6_opt {
	DHCPV6_OPT_CLIENTID = 1,
	DHCPV6_OPT_SERVERID = 2,
	DHCPV6_OPT_IA_NA = 3,
	DHCPV6_OPT_IAADDR = 5,
	DHCPV6_OPT_PREFERENCE = 7,
	DHCPV6_OPT_STATUS_CODE = 13,
	DHCPV6_OPT_RAPID_COMMIT = 14,
	DHCPV6_OPT_DNS_SERVERS = 23,
	DHCPV6_OPT_DOMAIN_LIST = 24,
	DHCPV6_OPT_CLIENT_FQDN = 39,
};

/* Status codes (RFC 8415 21.13) */
enum dhcpv6_status {
	DHCPV6_STATUS_NONE = -1, /* no status code option */
	DHCPV6_STATUS_SUCCESS = 0,
	DHCPV6_STATUS_NOT_ON_LINK = 4,
};

/* Option 39 flags (RFC 4704 4.1) */
enum dhcpv6_fqdn_flag {
	DHCPV6_FQDN_S = 0x01,
	DHCPV6_FQDN_O = 0x02,
	DHCPV6_FQDN_N = 0x04,
};

/**
 * struct dhcpv6_req - What we use of a client's message
 * @type:		Message type
 * @xid:		Transaction ID
 * @client_id:		Client Identifier data, empty if absent
 * @foreign_server:	A Server Identifier other than ours is present
 * @rapid_commit:	Rapid Commit present
 * @ia_na:		An IA_NA is present
 * @iaid:		IAID of the first IA_NA
 * @addrs:		IA Address options found in all IA_NAs
 * @foreign_addrs:	One of them isn't c->addr6
 * @old:		The first DHCPV6_OLD_MAX of those
 * @old_n:		Entries used in @old
 * @fqdn:		Client FQDN present
 * @fqdn_flags:		Its flags
 */
struct dhcpv6_req {
	uint8_t type;
	uint8_t xid[3];
	struct pview client_id;
	bool foreign_server;
	bool rapid_commit;
	bool ia_na;
	uint8_t iaid[4];
	size_t addrs;
	bool foreign_addrs;
	struct in6_addr old[DHCPV6_OLD_MAX];
	size_t old_n;
	bool fqdn;
	uint8_t fqdn_flags;
};

/**
 * struct dhcpv6_walk - Iterator over options (RFC 8415 21.1)
 * @v:		Options
 * @off:	Offset of the next option
 */
struct dhcpv6_walk {
	struct pview v;
	size_t off;
};

/**
 * dhcpv6_next() - Get the next option
 * @w:		Iterator
 * @code:	Option code
 * @data:	Option data
 * @bad:	Set if an option runs past the end
 *
 * Return: true if an option was returned
 */
static bool dhcpv6_next(struct dhcpv6_walk *w, uint16_t *code,
			struct pview *data, bool *bad)
{
	uint16_t len;

	if (w->off >= w->v.len)
		return false;
	if (!pview_be16(w->v, w->off, code) ||
	    !pview_be16(w->v, w->off + 2, &len)) {
		*bad = true;
		return false;
	}
	*data = pview_sub(w->v, w->off + DHCPV6_OPT_HDR, len);
	if (!data->p) {
		*bad = true;
		return false;
	}
	w->off += DHCPV6_OPT_HDR + (size_t)len;
	return true;
}

/**
 * dhcpv6_duid() - Our DUID-LL (RFC 8415 11.4)
 * @c:		Configuration
 * @duid:	Filled with the 10-byte DUID
 */
static void dhcpv6_duid(const struct l2_conf *c, uint8_t *duid)
{
	duid[0] = 0;
	duid[1] = DHCPV6_DUID_LL;
	duid[2] = 0;
	duid[3] = DHCPV6_HWTYPE_ETHER;
	memcpy(duid + 4, c->our_mac, ETH_ADDR_LEN);
}

/**
 * dhcpv6_ia_na_parse() - Take the IAID and addresses of an IA_NA (21.4)
 * @c:		Configuration
 * @d:		IA_NA option data
 * @q:		Request to fill
 *
 * Return: false if the option is malformed
 */
static bool dhcpv6_ia_na_parse(const struct l2_conf *c, struct pview d,
			       struct dhcpv6_req *q)
{
	struct dhcpv6_walk w = {pview_tail(d, DHCPV6_IA_NA_LEN), 0};
	struct in6_addr a;
	struct pview sub;
	bool bad = false;
	uint16_t code;

	if (d.len < DHCPV6_IA_NA_LEN)
		return false;
	if (!q->ia_na)
		pview_copy(d, 0, q->iaid, sizeof(q->iaid));
	q->ia_na = true;

	while (dhcpv6_next(&w, &code, &sub, &bad)) {
		if (code != DHCPV6_OPT_IAADDR)
			continue;
		if (!pview_copy(sub, 0, &a, sizeof(a)) ||
		    sub.len < DHCPV6_IAADDR_LEN)
			return false;
		q->addrs++;
		if (IN6_ARE_ADDR_EQUAL(&a, &c->addr6))
			continue;
		q->foreign_addrs = true;
		if (q->old_n < DHCPV6_OLD_MAX)
			q->old[q->old_n++] = a;
	}
	return !bad;
}

/**
 * dhcpv6_opt_store() - Keep one option of a client's message
 * @c:		Configuration
 * @code:	Option code
 * @d:		Option data
 * @q:		Request to fill
 *
 * Return: false if the option is one we use and it is malformed
 */
static bool dhcpv6_opt_store(const struct l2_conf *c, uint16_t code,
			     struct pview d, struct dhcpv6_req *q)
{
	uint8_t duid[10];

	switch (code) {
	case DHCPV6_OPT_CLIENTID:
		q->client_id = d;
		return d.len >= DHCPV6_DUID_MIN && d.len <= DHCPV6_DUID_MAX;
	case DHCPV6_OPT_SERVERID:
		dhcpv6_duid(c, duid);
		if (d.len != sizeof(duid) ||
		    memcmp(d.p, duid, sizeof(duid)) != 0)
			q->foreign_server = true;
		return true;
	case DHCPV6_OPT_IA_NA:
		return dhcpv6_ia_na_parse(c, d, q);
	case DHCPV6_OPT_RAPID_COMMIT:
		q->rapid_commit = true;
		return true;
	case DHCPV6_OPT_CLIENT_FQDN:
		q->fqdn = pview_u8(d, 0, &q->fqdn_flags);
		return true;
	default:
		return true;
	}
}

/**
 * dhcpv6_parse() - Parse a client's message
 * @c:		Configuration
 * @msg:	UDP payload
 * @q:		Request to fill
 *
 * Return: false if the message is truncated or an option is malformed
 */
static bool dhcpv6_parse(const struct l2_conf *c, struct pview msg,
			 struct dhcpv6_req *q)
{
	struct dhcpv6_walk w = {pview_tail(msg, DHCPV6_HDR_LEN), 0};
	struct pview d;
	bool bad = false;
	uint16_t code;

	if (!pview_u8(msg, 0, &q->type) || !pview_copy(msg, 1, q->xid, 3))
		return false;
	while (dhcpv6_next(&w, &code, &d, &bad)) {
		if (!dhcpv6_opt_store(c, code, d, q))
			return false;
	}
	return !bad;
}

/**
 * dhcpv6_opt_put() - Append an option
 * @b:		Writer
 * @code:	Option code
 * @data:	Option data
 * @len:	Its length
 *
 * Return: true on success
 */
static bool dhcpv6_opt_put(struct pbuf *b, uint16_t code, const void *data,
			   size_t len)
{
	return pbuf_be16(b, code) && pbuf_be16(b, (uint16_t)len) &&
	       pbuf_put(b, data, len);
}

/**
 * dhcpv6_opt_fits() - Check that an option fits in what is left of a writer
 * @b:		Writer
 * @len:	Option data length
 *
 * Return: true if it fits
 */
static bool dhcpv6_opt_fits(const struct pbuf *b, size_t len)
{
	return !b->overflow && b->cap - b->len >= DHCPV6_OPT_HDR + len;
}

/**
 * dhcpv6_put_iaaddr() - Append one IA Address option (21.6)
 * @b:		Writer
 * @a:		Address
 * @lifetime:	Preferred and valid lifetime, seconds or DHCPV6 infinity
 */
static void dhcpv6_put_iaaddr(struct pbuf *b, const struct in6_addr *a,
			      uint32_t lifetime)
{
	pbuf_be16(b, DHCPV6_OPT_IAADDR);
	pbuf_be16(b, DHCPV6_IAADDR_LEN);
	pbuf_put(b, a, sizeof(*a));
	pbuf_be32(b, lifetime);
	pbuf_be32(b, lifetime);
}

/**
 * dhcpv6_put_ia_na() - Append the IA_NA with our one address (21.4, 21.6)
 * @c:		Configuration
 * @q:		Request
 * @b:		Writer
 *
 * A Renew or Rebind naming addresses that aren't ours (any more) gets them
 * back with lifetimes 0 (18.3.4, 18.3.5), after the one to use.
 */
static void dhcpv6_put_ia_na(const struct l2_conf *c,
			     const struct dhcpv6_req *q, struct pbuf *b)
{
	bool renew = q->type == DHCPV6_RENEW || q->type == DHCPV6_REBIND;
	size_t old = renew ? q->old_n : 0, i;
	uint32_t life = L2_LEASE_INFINITE, t1 = life, t2 = life;

	/* An infinite lease: the client never needs to renew (14.2).
	 * Otherwise 21.4's recommendations: T1 half, T2 0.8 of the lifetime
	 */
	if (l2_lease_finite(c)) {
		life = c->lease;
		t1 = life / 2;
		t2 = (uint32_t)((uint64_t)life * 4 / 5);
	}
	pbuf_be16(b, DHCPV6_OPT_IA_NA);
	pbuf_be16(b, (uint16_t)(DHCPV6_IA_NA_LEN + (1 + old) *
				(DHCPV6_OPT_HDR + DHCPV6_IAADDR_LEN)));
	pbuf_put(b, q->iaid, sizeof(q->iaid));
	pbuf_be32(b, t1);
	pbuf_be32(b, t2);
	dhcpv6_put_iaaddr(b, &c->addr6, life);
	for (i = 0; i < old; i++)
		dhcpv6_put_iaaddr(b, &q->old[i], 0);
}

/**
 * dhcpv6_put_conf() - Append resolvers, FQDN and search list, if they fit
 * @c:		Configuration
 * @q:		Request
 * @b:		Writer
 */
static void dhcpv6_put_conf(const struct l2_conf *c, const struct dhcpv6_req *q,
			    struct pbuf *b)
{
	uint8_t buf[L2_MAX_SEARCH * DNAME_WIRE_MAX];
	size_t n = 0;
	int i, len;

	/* RFC 3646 3: DNS Recursive Name Server option */
	for (i = 0; !c->no_dhcp_dns && i < MIN(c->dns6_n, L2_MAX_DNS); i++) {
		if (IN6_IS_ADDR_UNSPECIFIED(&c->dns6[i]))
			continue;
		memcpy(buf + n, &c->dns6[i], sizeof(c->dns6[i]));
		n += sizeof(c->dns6[i]);
	}
	if (n && dhcpv6_opt_fits(b, n))
		dhcpv6_opt_put(b, DHCPV6_OPT_DNS_SERVERS, buf, n);

	/* RFC 4704 4: flags, then the name; we update no DNS (S = 0) */
	len = dname_encode(c->fqdn, sizeof(c->fqdn), buf + 1, sizeof(buf) - 1);
	if (len > 0 && dhcpv6_opt_fits(b, 1 + (size_t)len)) {
		buf[0] = 0;
		if (q->fqdn && (q->fqdn_flags & DHCPV6_FQDN_S))
			buf[0] |= DHCPV6_FQDN_O;
		if (q->fqdn && (q->fqdn_flags & DHCPV6_FQDN_N))
			buf[0] |= DHCPV6_FQDN_N;
		dhcpv6_opt_put(b, DHCPV6_OPT_CLIENT_FQDN, buf, 1 + (size_t)len);
	}

	/* RFC 3646 4: Domain Search List, as many domains as fit */
	if (c->no_dhcp_search || !dhcpv6_opt_fits(b, 0))
		return;
	n = dname_list_encode(c->search, c->search_n, buf,
			      MIN(sizeof(buf), b->cap - b->len - 4));
	if (n)
		dhcpv6_opt_put(b, DHCPV6_OPT_DOMAIN_LIST, buf, n);
}

/**
 * dhcpv6_reply() - Build a complete reply frame
 * @c:		Configuration
 * @q:		Request
 * @eth:	Ethernet header of the request
 * @ip:		IPv6 header of the request
 * @status:	Status code to include, DHCPV6_STATUS_NONE for none
 * @r:		Reply buffer
 *
 * Return: L2_REPLY, or L2_DROP if the reply doesn't fit
 */
static enum l2_verdict dhcpv6_reply(const struct l2_conf *c,
				    const struct dhcpv6_req *q,
				    const struct frame_eth *eth,
				    const struct frame_ip *ip, int status,
				    struct l2_reply *r)
{
	bool advertise = q->type == DHCPV6_SOLICIT && !q->rapid_commit;
	bool lease = q->type != DHCPV6_INFO_REQUEST && status < 0;
	uint8_t duid[10], pref = DHCPV6_PREF_MAX;
	struct pbuf b;

	pbuf_init(&b, r->buf, MIN(r->cap, (size_t)DHCPV6_FRAME_MAX));
	if (!frame_udp6_begin(&b, eth->src, c->our_mac))
		return L2_DROP;

	pbuf_u8(&b, advertise ? DHCPV6_ADVERTISE : DHCPV6_REPLY);
	pbuf_put(&b, q->xid, sizeof(q->xid));
	if (q->client_id.len)
		dhcpv6_opt_put(&b, DHCPV6_OPT_CLIENTID, q->client_id.p,
			       q->client_id.len);
	dhcpv6_duid(c, duid);
	dhcpv6_opt_put(&b, DHCPV6_OPT_SERVERID, duid, sizeof(duid));

	if (q->type == DHCPV6_SOLICIT && q->rapid_commit)
		dhcpv6_opt_put(&b, DHCPV6_OPT_RAPID_COMMIT, NULL, 0);
	if (advertise)
		dhcpv6_opt_put(&b, DHCPV6_OPT_PREFERENCE, &pref, 1);
	if (status >= 0) {
		pbuf_be16(&b, DHCPV6_OPT_STATUS_CODE);
		pbuf_be16(&b, 2);
		pbuf_be16(&b, (uint16_t)status);
	}
	if (lease && q->ia_na)
		dhcpv6_put_ia_na(c, q, &b);
	if (lease || q->type == DHCPV6_INFO_REQUEST)
		dhcpv6_put_conf(c, q, &b);

	r->len = frame_udp6_finish(&b, &c->our_ll6, &ip->src6,
				   DHCPV6_SERVER_PORT, DHCPV6_CLIENT_PORT,
				   false);
	return r->len ? L2_REPLY : L2_DROP;
}

/**
 * dhcpv6_status() - Pick what to say to a valid message (RFC 8415 18.3)
 * @q:		Request
 * @status:	Status code to include, DHCPV6_STATUS_NONE for none
 *
 * Return: true if the message is to be answered
 */
static bool dhcpv6_status(const struct dhcpv6_req *q, int *status)
{
	*status = DHCPV6_STATUS_NONE;
	switch (q->type) {
	case DHCPV6_SOLICIT:
	case DHCPV6_REQUEST:
	case DHCPV6_RENEW:
	case DHCPV6_REBIND:
	case DHCPV6_INFO_REQUEST:
		return true;
	case DHCPV6_CONFIRM:
		/* 18.3.3: no addresses, no reply */
		if (!q->addrs)
			return false;
		*status = q->foreign_addrs ? DHCPV6_STATUS_NOT_ON_LINK
					   : DHCPV6_STATUS_SUCCESS;
		return true;
	case DHCPV6_RELEASE:
	case DHCPV6_DECLINE:
		/* 18.3.7, 18.3.8: nothing to release, the lease stays */
		*status = DHCPV6_STATUS_SUCCESS;
		return true;
	default:
		/* Server messages, relay messages, unknown types */
		return false;
	}
}

/**
 * dhcpv6_handle() - Answer a DHCPv6 message from the guest
 * @c:		Configuration
 * @frame:	Ethernet frame from the guest
 * @r:		Reply buffer
 *
 * Return: L2_NOT_MINE unless @frame is UDP to port 547 over IPv6, L2_DROP if
 *	   it is malformed, not for us or needs no answer, L2_REPLY otherwise
 */
enum l2_verdict dhcpv6_handle(const struct l2_conf *c, struct pview frame,
			      struct l2_reply *r)
{
	struct dhcpv6_req q = {0};
	struct frame_eth eth;
	struct frame_udp udp;
	struct frame_ip ip;
	int status;

	r->len = 0;
	if (!frame_eth_parse(frame, &eth) || eth.type != FRAME_ETH_IP6 ||
	    !frame_ip6_parse(eth.payload, &ip) || ip.proto != FRAME_PROTO_UDP ||
	    !frame_udp_parse(ip.l4, &udp) || udp.dport != DHCPV6_SERVER_PORT)
		return L2_NOT_MINE;

	if (!c->v6 || c->no_dhcpv6 || !ip.ok || !udp.ok ||
	    udp.sport != DHCPV6_CLIENT_PORT ||
	    IN6_IS_ADDR_UNSPECIFIED(&ip.src6) ||
	    IN6_IS_ADDR_MULTICAST(&ip.src6) || !dhcpv6_parse(c, udp.data, &q))
		return L2_DROP;

	/* 16: every message but Information-request names the client, and a
	 * Server Identifier that isn't ours means the message isn't for us
	 */
	if ((!q.client_id.len && q.type != DHCPV6_INFO_REQUEST) ||
	    q.foreign_server || !dhcpv6_status(&q, &status))
		return L2_DROP;

	return dhcpv6_reply(c, &q, &eth, &ip, status, r);
}
