// SPDX-License-Identifier: GPL-2.0-or-later
/* dhcp.c - DHCP server (RFC 2131, options of RFC 2132) with a single lease
 *
 * Theory of operation: the guest gets exactly one address, c->addr4, for
 * c->lease seconds: "infinity" (RFC 2131 3.3) unless we follow the host,
 * whose address may change (then the client renews at T1, half the lease,
 * and a client renewing an address that isn't c->addr4 any more gets a NAK
 * and starts over: doc/follow.md), and the gateway c->gw4 as router,
 * server identifier and source of the replies. DISCOVER gets an OFFER,
 * REQUEST an ACK, or a NAK when it asks for another address, INFORM an ACK
 * without address; RELEASE and DECLINE need no answer as the lease never
 * changes. Replies are broadcast at the IP layer (255.255.255.255), sent to
 * the client's hardware address, and kept within the size the client can
 * take (576 bytes, or its option 57): optional options that would not fit
 * are left out rather than split over sname/file, since we never overload.
 */

#include <arpa/inet.h>
#include <string.h>

#include "packet/frame.h"
#include "services/dname.h"
#include "services/l2.h"

/* Ports, BOOTP fields and sizes (RFC 2131 2, RFC 951) */
enum dhcp_wire {
	DHCP_SERVER_PORT = 67,
	DHCP_CLIENT_PORT = 68,
	BOOTP_OP_REQUEST = 1,
	BOOTP_OP_REPLY = 2,
	BOOTP_HTYPE_ETHER = 1,
	BOOTP_MIN_LEN = 300,	 /* RFC 1542 2.1: some clients need it */
	DHCP_MIN_MAX_SIZE = 576, /* RFC 2131 2: every client takes this */
	DHCP_IP_UDP_LEN = 28,  /* IPv4 and UDP headers, option 57 counts them */
	DHCP_OPT_MAX = 255,    /* one option's data */
	DHCP_FQDN_RCODE = 255, /* RFC 4702 2.2: servers send 255 */
};

#define DHCP_MAGIC_COOKIE   0x63825363U /* RFC 2131 3 */

/* Option codes (RFC 2132 unless noted) */
enum dhcp_opt {
	DHCP_OPT_PAD = 0,
	DHCP_OPT_SUBNET_MASK = 1,
	DHCP_OPT_ROUTER = 3,
	DHCP_OPT_DNS = 6,
	DHCP_OPT_HOSTNAME = 12,
	DHCP_OPT_DOMAIN_NAME = 15,
	DHCP_OPT_MTU = 26,
	DHCP_OPT_REQUESTED_IP = 50,
	DHCP_OPT_LEASE_TIME = 51,
	DHCP_OPT_OVERLOAD = 52,
	DHCP_OPT_MSG_TYPE = 53,
	DHCP_OPT_SERVER_ID = 54,
	DHCP_OPT_MAX_SIZE = 57,
	DHCP_OPT_T1 = 58,
	DHCP_OPT_T2 = 59,
	DHCP_OPT_CLIENT_ID = 61,
	DHCP_OPT_FQDN = 81,	  /* RFC 4702 */
	DHCP_OPT_SEARCH = 119,	  /* RFC 3397 */
	DHCP_OPT_CLASSLESS = 121, /* RFC 3442 */
	DHCP_OPT_END = 255,
};

/* Option 53 values (RFC 2132 9.6) */
enum dhcp_msg_type {
	DHCPDISCOVER = 1,
	DHCPOFFER = 2,
	DHCPREQUEST = 3,
	DHCPDECLINE = 4,
	DHCPACK = 5,
	DHCPNAK = 6,
	DHCPRELEASE = 7,
	DHCPINFORM = 8,
};

/* Option 81 flags (RFC 4702 2.1) */
enum dhcp_fqdn_flag {
	DHCP_FQDN_S = 0x01,
	DHCP_FQDN_O = 0x02,
	DHCP_FQDN_E = 0x04,
	DHCP_FQDN_N = 0x08,
};

/**
 * struct bootp_hdr - BOOTP message up to and including the magic cookie
 * @op:		Message op code
 * @htype:	Hardware address type
 * @hlen:	Hardware address length
 * @hops:	Relay hops
 * @xid:	Transaction ID
 * @secs:	Seconds since the client began
 * @flags:	Flags (broadcast bit)
 * @ciaddr:	Client's current address
 * @yiaddr:	"Your" address
 * @siaddr:	Next server
 * @giaddr:	Relay agent
 * @chaddr:	Client hardware address
 * @sname:	Server host name
 * @file:	Boot file name
 * @cookie:	Magic cookie, network order
 */
struct bootp_hdr {
	uint8_t op;
	uint8_t htype;
	uint8_t hlen;
	uint8_t hops;
	uint32_t xid;
	uint16_t secs;
	uint16_t flags;
	struct in_addr ciaddr;
	struct in_addr yiaddr;
	struct in_addr siaddr;
	struct in_addr giaddr;
	uint8_t chaddr[16];
	uint8_t sname[64];
	uint8_t file[128];
	uint32_t cookie;
} __attribute__((packed));

_Static_assert(sizeof(struct bootp_hdr) == 240, "BOOTP layout");

/**
 * struct dhcp_req - What we use of a client's message
 * @h:		Fixed part, copied out of the frame
 * @type:	Option 53, 0 if absent
 * @req_ip:	Option 50, zero if absent
 * @server_id:	Option 54, zero if absent
 * @max_size:	Option 57, 0 if absent
 * @client_id:	Option 61 data, empty if absent
 * @fqdn:	Option 81 present
 * @fqdn_flags:	Its flags
 */
struct dhcp_req {
	struct bootp_hdr h;
	uint8_t type;
	struct in_addr req_ip;
	struct in_addr server_id;
	uint16_t max_size;
	struct pview client_id;
	bool fqdn;
	uint8_t fqdn_flags;
};

/**
 * struct dhcp_out - Reply being written
 * @b:		Writer over the whole frame
 * @limit:	Frame length not to exceed, END option included
 */
struct dhcp_out {
	struct pbuf b;
	size_t limit;
};

/**
 * dhcp_opt_store() - Keep one option of a client's message
 * @code:	Option code
 * @d:		Option data
 * @q:		Request to fill
 *
 * Return: false if the option is one we use and its length is wrong
 */
static bool dhcp_opt_store(uint8_t code, struct pview d, struct dhcp_req *q)
{
	switch (code) {
	case DHCP_OPT_MSG_TYPE:
		return pview_u8(d, 0, &q->type) && d.len == 1;
	case DHCP_OPT_REQUESTED_IP:
		return pview_copy(d, 0, &q->req_ip, 4) && d.len == 4;
	case DHCP_OPT_SERVER_ID:
		return pview_copy(d, 0, &q->server_id, 4) && d.len == 4;
	case DHCP_OPT_MAX_SIZE:
		return pview_be16(d, 0, &q->max_size) && d.len == 2;
	case DHCP_OPT_CLIENT_ID:
		q->client_id = d;
		return true;
	case DHCP_OPT_FQDN:
		q->fqdn = pview_u8(d, 0, &q->fqdn_flags);
		return true;
	default:
		/* Option 52 (overload) included: sname and file aren't read */
		return true;
	}
}

/**
 * dhcp_opts_parse() - Walk the options field of a client's message
 * @o:		Options, after the magic cookie
 * @q:		Request to fill
 *
 * Return: false if an option runs past the end or has a wrong length
 */
static bool dhcp_opts_parse(struct pview o, struct dhcp_req *q)
{
	size_t off = 0;

	while (off < o.len) {
		uint8_t code = 0, len;
		struct pview d;

		pview_u8(o, off, &code);
		if (code == DHCP_OPT_PAD) {
			off++;
			continue;
		}
		if (code == DHCP_OPT_END)
			return true;

		/* RFC 2132 2: code, length, then exactly length bytes */
		if (!pview_u8(o, off + 1, &len))
			return false;
		d = pview_sub(o, off + 2, len);
		if (!d.p || !dhcp_opt_store(code, d, q))
			return false;
		off += 2 + (size_t)len;
	}
	/* A missing END option is tolerated: the message simply ends */
	return true;
}

/**
 * dhcp_opt_put() - Append an option, split if longer than 255 (RFC 3396)
 * @o:		Reply being written
 * @code:	Option code
 * @data:	Option data
 * @len:	Its length
 *
 * Return: false, with nothing written, if the option doesn't fit the limit
 */
static bool dhcp_opt_put(struct dhcp_out *o, uint8_t code, const void *data,
			 size_t len)
{
	size_t chunks = len ? (len + DHCP_OPT_MAX - 1) / DHCP_OPT_MAX : 1;
	const uint8_t *p = data;

	if (o->b.len + len + 2 * chunks + 1 > o->limit)
		return false;
	do {
		size_t n = MIN(len, (size_t)DHCP_OPT_MAX);

		pbuf_u8(&o->b, code);
		pbuf_u8(&o->b, (uint8_t)n);
		pbuf_put(&o->b, p, n);
		p += n;
		len -= n;
	} while (len);
	return true;
}

/**
 * dhcp_opt_addr() - Append an option holding one IPv4 address
 * @o:		Reply being written
 * @code:	Option code
 * @a:		Address
 */
static void dhcp_opt_addr(struct dhcp_out *o, uint8_t code, struct in_addr a)
{
	dhcp_opt_put(o, code, &a, sizeof(a));
}

/**
 * dhcp_mask() - Network mask of a prefix length
 * @prefix:	Prefix length, clamped to 0..32
 *
 * Return: the mask, network order
 */
static struct in_addr dhcp_mask(int prefix)
{
	struct in_addr m = {0};

	prefix = MAX(0, MIN(prefix, 32));
	if (prefix)
		m.s_addr = htonl(~0U << (32 - prefix));
	return m;
}

/**
 * dhcp_opt_routes() - Append option 121 if the gateway is off the subnet
 * @c:		Configuration
 * @o:		Reply being written
 *
 * RFC 3442: a client that gets option 121 ignores option 3, so the default
 * route goes in too, behind a host route that makes the gateway reachable.
 */
static void dhcp_opt_routes(const struct l2_conf *c, struct dhcp_out *o)
{
	struct in_addr mask = dhcp_mask(c->prefix4);
	uint8_t r[1 + 4 + 4 + 1 + 4] = {32};

	if (!((c->gw4.s_addr ^ c->addr4.s_addr) & mask.s_addr))
		return;

	/* gw4/32 via 0.0.0.0 (on link), then 0.0.0.0/0 via gw4 */
	memcpy(&r[1], &c->gw4, 4);
	r[9] = 0;
	memcpy(&r[10], &c->gw4, 4);
	dhcp_opt_put(o, DHCP_OPT_CLASSLESS, r, sizeof(r));
}

/**
 * dhcp_opt_dns() - Append option 6 with the configured resolvers
 * @c:		Configuration
 * @o:		Reply being written
 */
static void dhcp_opt_dns(const struct l2_conf *c, struct dhcp_out *o)
{
	struct in_addr dns[L2_MAX_DNS];
	size_t n = 0;
	int i;

	if (c->no_dhcp_dns)
		return;
	for (i = 0; i < MIN(c->dns4_n, L2_MAX_DNS); i++) {
		if (c->dns4[i].s_addr)
			dns[n++] = c->dns4[i];
	}
	if (n)
		dhcp_opt_put(o, DHCP_OPT_DNS, dns, n * sizeof(dns[0]));
}

/**
 * dhcp_opt_search() - Append options 15 and 119 from the search list
 * @c:		Configuration
 * @o:		Reply being written
 *
 * Domains that don't fit in the space left are left out of option 119.
 */
static void dhcp_opt_search(const struct l2_conf *c, struct dhcp_out *o)
{
	uint8_t wire[L2_MAX_SEARCH * DNAME_WIRE_MAX];
	size_t n, len, avail;
	int i;

	if (c->no_dhcp_search)
		return;

	/* Option 15 (RFC 2132 3.17): the first valid domain, no final dot */
	for (i = 0; i < MIN(c->search_n, L2_MAX_SEARCH); i++) {
		if (dname_encode(c->search[i], sizeof(c->search[i]), wire,
				 sizeof(wire)) <= 0)
			continue;
		len = strnlen(c->search[i], sizeof(c->search[i]));
		if (c->search[i][len - 1] == '.')
			len--;
		dhcp_opt_put(o, DHCP_OPT_DOMAIN_NAME, c->search[i], len);
		break;
	}

	/* Room for the data, one header per 255 bytes (RFC 3396), END */
	if (o->limit < o->b.len + 1 + 2 + 1)
		return;
	avail = o->limit - o->b.len - 1;
	avail -= 2 * ((avail + DHCP_OPT_MAX - 1) / DHCP_OPT_MAX);
	n = dname_list_encode(c->search, c->search_n, wire,
			      MIN(avail, sizeof(wire)));
	if (n)
		dhcp_opt_put(o, DHCP_OPT_SEARCH, wire, n);
}

/**
 * dhcp_opt_fqdn() - Append option 81 (RFC 4702) with our FQDN for the client
 * @c:		Configuration
 * @q:		Request
 * @o:		Reply being written
 */
static void dhcp_opt_fqdn(const struct l2_conf *c, const struct dhcp_req *q,
			  struct dhcp_out *o)
{
	uint8_t d[3 + DNAME_WIRE_MAX] = {DHCP_FQDN_E, DHCP_FQDN_RCODE,
					 DHCP_FQDN_RCODE};
	int len = dname_encode(c->fqdn, sizeof(c->fqdn), d + 3, sizeof(d) - 3);

	if (len <= 0)
		return;

	/* RFC 4702 4.2: we update no DNS (S = 0); say so if asked (O = 1) */
	if (q->fqdn && (q->fqdn_flags & DHCP_FQDN_S))
		d[0] |= DHCP_FQDN_O;
	if (q->fqdn && (q->fqdn_flags & DHCP_FQDN_N))
		d[0] |= DHCP_FQDN_N;
	dhcp_opt_put(o, DHCP_OPT_FQDN, d, 3 + (size_t)len);
}

/**
 * dhcp_opts_time() - Append the lease time, and T1 and T2 if it ends
 * @c:		Configuration
 * @o:		Reply being written
 *
 * T1 and T2 are RFC 2131 4.4.5's defaults, half and seven eighths of the
 * lease, but given (options 58 and 59, RFC 2132 9.11, 9.12): a client
 * needn't compute them, and with a lease of a few seconds, rounding is ours.
 */
static void dhcp_opts_time(const struct l2_conf *c, struct dhcp_out *o)
{
	uint32_t lease = htonl(c->lease ? c->lease : L2_LEASE_INFINITE);
	uint32_t t1, t2;

	dhcp_opt_put(o, DHCP_OPT_LEASE_TIME, &lease, sizeof(lease));
	if (!l2_lease_finite(c))
		return;
	t1 = htonl(c->lease / 2);
	t2 = htonl((uint32_t)((uint64_t)c->lease * 7 / 8));
	dhcp_opt_put(o, DHCP_OPT_T1, &t1, sizeof(t1));
	dhcp_opt_put(o, DHCP_OPT_T2, &t2, sizeof(t2));
}

/**
 * dhcp_opts_lease() - Append the options describing the lease and the network
 * @c:		Configuration
 * @q:		Request
 * @o:		Reply being written
 * @type:	Reply type, DHCPOFFER or DHCPACK
 */
static void dhcp_opts_lease(const struct l2_conf *c, const struct dhcp_req *q,
			    struct dhcp_out *o, uint8_t type)
{
	size_t hlen = strnlen(c->hostname, sizeof(c->hostname));
	uint16_t mtu = htons(c->mtu);

	/* RFC 2131 table 3: no lease time in the ACK to an INFORM */
	if (q->type != DHCPINFORM || type != DHCPACK)
		dhcp_opts_time(c, o);
	dhcp_opt_addr(o, DHCP_OPT_SUBNET_MASK, dhcp_mask(c->prefix4));
	dhcp_opt_addr(o, DHCP_OPT_ROUTER, c->gw4);
	dhcp_opt_routes(c, o);
	dhcp_opt_dns(c, o);

	/* RFC 2132 5.1: the smallest legal MTU value is 68, but 576 is the
	 * smallest datagram every host must accept: below it, send nothing
	 */
	if (c->mtu >= DHCP_MIN_MAX_SIZE)
		dhcp_opt_put(o, DHCP_OPT_MTU, &mtu, sizeof(mtu));
	if (hlen)
		dhcp_opt_put(o, DHCP_OPT_HOSTNAME, c->hostname, hlen);
	dhcp_opt_search(c, o);
	dhcp_opt_fqdn(c, q, o);
}

/**
 * dhcp_reply_header() - Write the fixed BOOTP part of a reply
 * @c:		Configuration
 * @q:		Request
 * @b:		Writer, after the UDP header
 * @type:	Reply type
 *
 * Return: true on success
 */
static bool dhcp_reply_header(const struct l2_conf *c, const struct dhcp_req *q,
			      struct pbuf *b, uint8_t type)
{
	struct bootp_hdr *h = pbuf_reserve(b, sizeof(*h));

	if (!h)
		return false;

	/* RFC 2131 4.3.1, table 3 */
	h->op = BOOTP_OP_REPLY;
	h->htype = q->h.htype;
	h->hlen = q->h.hlen;
	h->xid = q->h.xid;
	h->flags = q->h.flags;
	h->giaddr = q->h.giaddr;
	memcpy(h->chaddr, q->h.chaddr, sizeof(h->chaddr));
	h->cookie = htonl(DHCP_MAGIC_COOKIE);
	if (type == DHCPACK)
		h->ciaddr = q->h.ciaddr;
	if (type != DHCPNAK && q->type != DHCPINFORM)
		h->yiaddr = c->addr4;
	return true;
}

/**
 * dhcp_reply() - Build a complete reply frame
 * @c:		Configuration
 * @q:		Request
 * @dst_mac:	Client's MAC
 * @type:	Reply type: DHCPOFFER, DHCPACK or DHCPNAK
 * @r:		Reply buffer
 *
 * Return: L2_REPLY, or L2_DROP if the reply doesn't fit in @r
 */
static enum l2_verdict dhcp_reply(const struct l2_conf *c,
				  const struct dhcp_req *q,
				  const uint8_t *dst_mac, uint8_t type,
				  struct l2_reply *r)
{
	struct in_addr bcast = {.s_addr = htonl(INADDR_BROADCAST)};
	size_t max = MAX(q->max_size, (size_t)DHCP_MIN_MAX_SIZE);
	struct dhcp_out o;

	pbuf_init(&o.b, r->buf, r->cap);
	o.limit = MIN(FRAME_ETH_HLEN + max, r->cap);
	if (!frame_udp4_begin(&o.b, dst_mac, c->our_mac) ||
	    !dhcp_reply_header(c, q, &o.b, type))
		return L2_DROP;

	dhcp_opt_put(&o, DHCP_OPT_MSG_TYPE, &type, 1);
	dhcp_opt_addr(&o, DHCP_OPT_SERVER_ID, c->gw4);
	/* RFC 6842 3: the client identifier is echoed */
	if (q->client_id.len)
		dhcp_opt_put(&o, DHCP_OPT_CLIENT_ID, q->client_id.p,
			     q->client_id.len);
	if (type != DHCPNAK)
		dhcp_opts_lease(c, q, &o, type);
	pbuf_u8(&o.b, DHCP_OPT_END);

	if (o.b.len < FRAME_UDP4_DATA + BOOTP_MIN_LEN)
		pbuf_reserve(&o.b, FRAME_UDP4_DATA + BOOTP_MIN_LEN - o.b.len);
	r->len = frame_udp4_finish(&o.b, c->gw4, bcast, DHCP_SERVER_PORT,
				   DHCP_CLIENT_PORT, false);
	return r->len ? L2_REPLY : L2_DROP;
}

/**
 * dhcp_answer() - Pick the reply type for a request (RFC 2131 4.3)
 * @c:		Configuration
 * @q:		Request
 *
 * Return: DHCPOFFER, DHCPACK, DHCPNAK, or 0 to send nothing
 */
static uint8_t dhcp_answer(const struct l2_conf *c, const struct dhcp_req *q)
{
	struct in_addr want;

	switch (q->type) {
	case DHCPDISCOVER:
		return DHCPOFFER;
	case DHCPREQUEST:
		/* 4.3.2: a server identifier that isn't ours means the
		 * client chose another server
		 */
		if (q->server_id.s_addr && q->server_id.s_addr != c->gw4.s_addr)
			return 0;
		/* SELECTING/INIT-REBOOT use option 50, RENEWING and
		 * REBINDING ciaddr: an address the host no longer gives
		 * (doc/follow.md) gets a NAK, and the client starts over
		 */
		want = q->req_ip.s_addr ? q->req_ip : q->h.ciaddr;
		if (want.s_addr && want.s_addr != c->addr4.s_addr)
			return DHCPNAK;
		return DHCPACK;
	case DHCPINFORM:
		return DHCPACK;
	default:
		/* DECLINE, RELEASE: the one lease stays; server types: bogus */
		return 0;
	}
}

/**
 * dhcp_handle() - Answer a DHCP request from the guest
 * @c:		Configuration
 * @frame:	Ethernet frame from the guest
 * @r:		Reply buffer
 *
 * Return: L2_NOT_MINE unless @frame is UDP to port 67 over IPv4, L2_DROP if
 *	   it is malformed or needs no answer, L2_REPLY with the reply in @r
 */
enum l2_verdict dhcp_handle(const struct l2_conf *c, struct pview frame,
			    struct l2_reply *r)
{
	struct dhcp_req q = {0};
	struct frame_eth eth;
	struct frame_udp udp;
	struct frame_ip ip;
	const uint8_t *dst;
	uint8_t type;

	r->len = 0;
	if (!frame_eth_parse(frame, &eth) || eth.type != FRAME_ETH_IP4 ||
	    !frame_ip4_parse(eth.payload, &ip) || ip.proto != FRAME_PROTO_UDP ||
	    !frame_udp_parse(ip.l4, &udp) || udp.dport != DHCP_SERVER_PORT)
		return L2_NOT_MINE;

	if (!c->v4 || c->no_dhcp || !ip.ok || !udp.ok ||
	    !pview_copy(udp.data, 0, &q.h, sizeof(q.h)) ||
	    q.h.op != BOOTP_OP_REQUEST ||
	    ntohl(q.h.cookie) != DHCP_MAGIC_COOKIE ||
	    !dhcp_opts_parse(pview_tail(udp.data, sizeof(q.h)), &q))
		return L2_DROP;

	/* RFC 2131 3: option 53 is required in every DHCP message */
	type = dhcp_answer(c, &q);
	if (!type)
		return L2_DROP;

	dst = eth.src;
	if (q.h.htype == BOOTP_HTYPE_ETHER && q.h.hlen == ETH_ADDR_LEN)
		dst = q.h.chaddr;
	return dhcp_reply(c, &q, dst, type, r);
}
