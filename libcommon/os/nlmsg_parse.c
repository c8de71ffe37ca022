// SPDX-License-Identifier: GPL-2.0-or-later
/* nlmsg_parse.c - rtnetlink reply parsers, without sockets
 *
 * Theory of operation: replies come from the kernel but are treated as
 * untrusted bytes: every header and attribute is copied out of a bounded
 * view (base/view.h) after its length has been checked against what is left
 * of the enclosing message, so neither alignment nor a lying length field
 * can make a parser read outside the datagram. A message whose lengths do
 * not add up is rejected as a whole with -EBADMSG; attributes we do not know
 * are skipped. Nested attributes (a route's RTA_METRICS) are walked the same
 * way, within their parent's bounds. The request builders are in
 * os/nlmsg.c.
 */

#include <errno.h>
#include <string.h>
#include <net/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>

#include "os/nlmsg.h"
#include "base/view.h"

/* Largest errno value the kernel can put in an NLMSG_ERROR message */
#define NL_MAX_ERRNO 4095

/**
 * typedef nl_attr_cb - Called for each attribute by nl_attr_walk()
 * @type:	Attribute type, flag bits masked out
 * @val:	Attribute payload, already bounded by the attribute length
 * @data:	Caller's data
 *
 * Return: 0 to continue, -errno to stop
 */
typedef int (*nl_attr_cb)(uint16_t type, struct pview val, void *data);

/**
 * nl_attr_walk() - Walk a run of attributes, checking every length
 * @v:		Bytes holding the attributes
 * @cb:		Called for each attribute
 * @data:	Passed to @cb
 *
 * The loop advances by at least one attribute header per iteration, so it
 * ends after at most @v.len / 4 iterations.
 *
 * Return: 0, -EBADMSG if an attribute length is shorter than its header or
 *	   longer than what is left, or what @cb returned
 */
static int nl_attr_walk(struct pview v, nl_attr_cb cb, void *data)
{
	size_t off = 0;

	while (off < v.len) {
		struct nlattr na;
		int rc;

		if (!pview_copy(v, off, &na, sizeof(na)))
			return -EBADMSG;
		if (na.nla_len < NLA_HDRLEN || na.nla_len > v.len - off)
			return -EBADMSG;

		rc = cb(na.nla_type & NLA_TYPE_MASK,
			pview_sub(v, off + NLA_HDRLEN, na.nla_len - NLA_HDRLEN),
			data);
		if (rc)
			return rc;
		off += NLA_ALIGN(na.nla_len);
	}
	return 0;
}

/**
 * nl_val_u32() - Read a 32-bit attribute payload, host order
 * @val:	Payload
 * @out:	Value
 *
 * Return: 0, -EBADMSG if the payload is not exactly 4 bytes
 */
static int nl_val_u32(struct pview val, uint32_t *out)
{
	if (val.len != sizeof(*out) || !pview_copy(val, 0, out, sizeof(*out)))
		return -EBADMSG;
	return 0;
}

/**
 * nl_val_addr() - Read an address attribute payload
 * @val:	Payload
 * @family:	AF_INET or AF_INET6: the payload must be exactly that long
 * @out:	Address
 *
 * Return: 0, -EBADMSG if the length does not match the family
 */
static int nl_val_addr(struct pview val, int family, union nl_inaddr *out)
{
	size_t alen = nl_addr_len(family);

	if (!alen || val.len != alen || !pview_copy(val, 0, out, alen))
		return -EBADMSG;
	return 0;
}

/**
 * nl_msg_payload() - Check a message's header and get its payload
 * @msg:	Message, starting with struct nlmsghdr
 * @len:	Bytes available at @msg
 * @type:	Expected message type
 * @hdr_len:	Size of the family header that must follow
 * @fixed:	Family header, copied out
 * @attrs:	Set to the attributes following the family header
 *
 * Return: 0, -EBADMSG if lengths don't add up, -ENOMSG for another type
 */
static int nl_msg_payload(const void *msg, size_t len, uint16_t type,
			  size_t hdr_len, void *fixed, struct pview *attrs)
{
	struct pview v = pview_make(msg, len);
	struct pview payload;
	struct nlmsghdr nh;

	if (!pview_copy(v, 0, &nh, sizeof(nh)))
		return -EBADMSG;
	if (nh.nlmsg_len < NLMSG_HDRLEN || nh.nlmsg_len > len)
		return -EBADMSG;
	if (nh.nlmsg_type != type)
		return -ENOMSG;

	payload = pview_sub(v, NLMSG_HDRLEN, nh.nlmsg_len - NLMSG_HDRLEN);
	if (!pview_copy(payload, 0, fixed, hdr_len))
		return -EBADMSG;
	*attrs = pview_tail(payload, NLMSG_ALIGN(hdr_len));
	return 0;
}

/**
 * nl_metric_attr() - Store one route metric (RTA_METRICS holds RTAX_*)
 * @type:	RTAX_*
 * @val:	Payload
 * @data:	struct nl_route
 *
 * Return: 0, -EBADMSG for a payload of the wrong size
 */
static int nl_metric_attr(uint16_t type, struct pview val, void *data)
{
	struct nl_route *r = data;

	if (type == RTAX_MTU)
		return nl_val_u32(val, &r->mtu);
	return 0;
}

/**
 * nl_route_attr() - Store one route attribute
 * @type:	RTA_*
 * @val:	Payload
 * @data:	struct nl_route, family already set
 *
 * Return: 0, -EBADMSG for a payload of the wrong size
 */
static int nl_route_attr(uint16_t type, struct pview val, void *data)
{
	struct nl_route *r = data;
	uint32_t v = 0;
	int rc;

	switch (type) {
	case RTA_DST:
		return nl_val_addr(val, r->family, &r->dst);
	case RTA_GATEWAY:
		r->has_gw = true;
		return nl_val_addr(val, r->family, &r->gw);
	case RTA_OIF:
		rc = nl_val_u32(val, &v);
		r->ifindex = v;
		return rc;
	case RTA_PRIORITY:
		return nl_val_u32(val, &r->metric);
	case RTA_TABLE:
		return nl_val_u32(val, &r->table);
	case RTA_METRICS:
		return nl_attr_walk(val, nl_metric_attr, r);
	default:
		return 0;
	}
}

/**
 * nl_parse_route() - Parse an RTM_NEWROUTE message
 * @msg:	Message, starting with struct nlmsghdr
 * @len:	Bytes available at @msg (at least nlmsg_len)
 * @r:		Route, filled on success
 *
 * The table is RTA_TABLE if present, else rtm_table.
 *
 * Return: 0, -ENOMSG if this is not RTM_NEWROUTE, -EAFNOSUPPORT for a family
 *	   other than IPv4 and IPv6 (not an error in a dump: skip it),
 *	   -EBADMSG if malformed
 */
int nl_parse_route(const void *msg, size_t len, struct nl_route *r)
{
	struct pview attrs;
	struct rtmsg rtm;
	int rc;

	rc = nl_msg_payload(msg, len, RTM_NEWROUTE, sizeof(rtm), &rtm, &attrs);
	if (rc)
		return rc;
	if (!nl_addr_len(rtm.rtm_family))
		return -EAFNOSUPPORT;
	if (rtm.rtm_dst_len > nl_addr_len(rtm.rtm_family) * 8)
		return -EBADMSG;

	memset(r, 0, sizeof(*r));
	r->family = rtm.rtm_family;
	r->dst_len = rtm.rtm_dst_len;
	r->scope = rtm.rtm_scope;
	r->protocol = rtm.rtm_protocol;
	r->table = rtm.rtm_table;
	r->type = rtm.rtm_type;
	r->flags = rtm.rtm_flags;
	return nl_attr_walk(attrs, nl_route_attr, r);
}

/**
 * struct nl_addr_attrs - Attributes of an address message, while parsing
 * @a:		Address being filled (family set)
 * @local:	IFA_LOCAL
 * @address:	IFA_ADDRESS
 * @has_local:	IFA_LOCAL seen
 * @has_address: IFA_ADDRESS seen
 */
struct nl_addr_attrs {
	struct nl_addr *a;
	union nl_inaddr local;
	union nl_inaddr address;
	bool has_local;
	bool has_address;
};

/**
 * nl_addr_attr() - Store one address attribute
 * @type:	IFA_*
 * @val:	Payload
 * @data:	struct nl_addr_attrs
 *
 * Return: 0, -EBADMSG for a payload of the wrong size
 */
static int nl_addr_attr(uint16_t type, struct pview val, void *data)
{
	struct nl_addr_attrs *t = data;

	switch (type) {
	case IFA_LOCAL:
		t->has_local = true;
		return nl_val_addr(val, t->a->family, &t->local);
	case IFA_ADDRESS:
		t->has_address = true;
		return nl_val_addr(val, t->a->family, &t->address);
	case IFA_FLAGS:
		return nl_val_u32(val, &t->a->flags);
	default:
		return 0;
	}
}

/**
 * nl_parse_addr() - Parse an RTM_NEWADDR message
 * @msg:	Message, starting with struct nlmsghdr
 * @len:	Bytes available at @msg (at least nlmsg_len)
 * @a:		Address, filled on success
 *
 * The address is IFA_LOCAL when present (on point-to-point links
 * IFA_ADDRESS is the peer), else IFA_ADDRESS. Flags are IFA_FLAGS when
 * present (it holds the bits that don't fit ifa_flags), else ifa_flags.
 *
 * Return: 0, -ENOMSG if this is not RTM_NEWADDR, -EAFNOSUPPORT for a family
 *	   other than IPv4 and IPv6, -EBADMSG if malformed or without address
 */
int nl_parse_addr(const void *msg, size_t len, struct nl_addr *a)
{
	struct nl_addr_attrs t = {.a = a};
	struct ifaddrmsg ifa;
	struct pview attrs;
	int rc;

	rc = nl_msg_payload(msg, len, RTM_NEWADDR, sizeof(ifa), &ifa, &attrs);
	if (rc)
		return rc;
	if (!nl_addr_len(ifa.ifa_family))
		return -EAFNOSUPPORT;
	if (ifa.ifa_prefixlen > nl_addr_len(ifa.ifa_family) * 8)
		return -EBADMSG;

	memset(a, 0, sizeof(*a));
	a->family = ifa.ifa_family;
	a->prefix = ifa.ifa_prefixlen;
	a->scope = ifa.ifa_scope;
	a->flags = ifa.ifa_flags;
	a->ifindex = ifa.ifa_index;

	rc = nl_attr_walk(attrs, nl_addr_attr, &t);
	if (rc)
		return rc;
	if (t.has_local)
		a->addr = t.local;
	else if (t.has_address)
		a->addr = t.address;
	else
		return -EBADMSG;
	return 0;
}

/**
 * nl_link_attr() - Store one link attribute
 * @type:	IFLA_*
 * @val:	Payload
 * @data:	struct nl_link
 *
 * Return: 0, -EBADMSG for a bad name or MTU; hardware addresses that are not
 *	   6 bytes long (tunnels, infiniband) are left as zeroes
 */
static int nl_link_attr(uint16_t type, struct pview val, void *data)
{
	struct nl_link *link = data;
	const char *name;

	switch (type) {
	case IFLA_IFNAME:
		name = pview_get(val, 0, val.len);
		if (!name || !val.len || val.len > sizeof(link->name) ||
		    !memchr(name, '\0', val.len))
			return -EBADMSG;
		memcpy(link->name, name, val.len);
		return 0;
	case IFLA_MTU:
		return nl_val_u32(val, &link->mtu);
	case IFLA_ADDRESS:
		if (val.len == sizeof(link->mac))
			pview_copy(val, 0, link->mac, sizeof(link->mac));
		return 0;
	default:
		return 0;
	}
}

/**
 * nl_parse_link() - Parse an RTM_NEWLINK message
 * @msg:	Message, starting with struct nlmsghdr
 * @len:	Bytes available at @msg (at least nlmsg_len)
 * @link:	Link, filled on success
 *
 * Return: 0, -ENOMSG if this is not RTM_NEWLINK, -EBADMSG if malformed, with
 *	   no positive index or without a name
 */
int nl_parse_link(const void *msg, size_t len, struct nl_link *link)
{
	struct ifinfomsg ifi;
	struct pview attrs;
	int rc;

	rc = nl_msg_payload(msg, len, RTM_NEWLINK, sizeof(ifi), &ifi, &attrs);
	if (rc)
		return rc;
	if (ifi.ifi_index <= 0)
		return -EBADMSG;

	memset(link, 0, sizeof(*link));
	link->ifindex = (unsigned int)ifi.ifi_index;
	link->up = ifi.ifi_flags & IFF_UP;

	rc = nl_attr_walk(attrs, nl_link_attr, link);
	if (rc)
		return rc;
	if (!link->name[0])
		return -EBADMSG;
	return 0;
}

/**
 * struct nl_ext_out - Where nl_ext_attr() copies the extended ACK text
 * @buf:	Buffer, NULL if the caller doesn't want the text
 * @len:	Its size
 */
struct nl_ext_out {
	char *buf;
	size_t len;
};

/**
 * nl_ext_attr() - Copy the extended ACK message, if this is one
 * @type:	NLMSGERR_ATTR_*
 * @val:	Payload
 * @data:	struct nl_ext_out
 *
 * Return: 0, -EBADMSG if the message is not a terminated string
 */
static int nl_ext_attr(uint16_t type, struct pview val, void *data)
{
	const struct nl_ext_out *out = data;
	const char *s;
	size_t n;

	if (type != NLMSGERR_ATTR_MSG)
		return 0;
	s = pview_get(val, 0, val.len);
	if (!s || !val.len || !memchr(s, '\0', val.len))
		return -EBADMSG;
	if (!out->buf || !out->len)
		return 0;
	n = strnlen(s, val.len);
	n = n < out->len - 1 ? n : out->len - 1;
	memcpy(out->buf, s, n);
	out->buf[n] = '\0';
	return 0;
}

/**
 * nl_parse_error() - Parse an NLMSG_ERROR message (an error or an ACK)
 * @msg:	Message, starting with struct nlmsghdr
 * @len:	Bytes available at @msg (at least nlmsg_len)
 * @ext:	Buffer for the extended ACK text (NLMSGERR_ATTR_MSG), set to
 *		"" when there is none; may be NULL
 * @ext_len:	Size of @ext
 *
 * The extended ACK attributes follow the echoed request: just its header
 * when NLM_F_CAPPED is set, the whole request otherwise.
 *
 * Return: 0 for an ACK, the (negative) error the kernel reported, -ENOMSG if
 *	   this is not NLMSG_ERROR, -EBADMSG if malformed
 */
int nl_parse_error(const void *msg, size_t len, char *ext, size_t ext_len)
{
	struct nl_ext_out out = {.buf = ext, .len = ext ? ext_len : 0};
	struct pview v = pview_make(msg, len);
	struct nlmsgerr e;
	struct nlmsghdr nh;
	struct pview payload;
	size_t off;
	int rc;

	if (out.buf && out.len)
		out.buf[0] = '\0';
	if (!pview_copy(v, 0, &nh, sizeof(nh)))
		return -EBADMSG;
	if (nh.nlmsg_len < NLMSG_HDRLEN || nh.nlmsg_len > len)
		return -EBADMSG;
	if (nh.nlmsg_type != NLMSG_ERROR)
		return -ENOMSG;
	payload = pview_sub(v, NLMSG_HDRLEN, nh.nlmsg_len - NLMSG_HDRLEN);
	if (!pview_copy(payload, 0, &e, sizeof(e)))
		return -EBADMSG;
	if (e.error > 0 || e.error < -NL_MAX_ERRNO)
		return -EBADMSG;

	if (nh.nlmsg_flags & NLM_F_ACK_TLVS) {
		off = sizeof(e);
		if (!(nh.nlmsg_flags & NLM_F_CAPPED)) {
			if (e.msg.nlmsg_len < NLMSG_HDRLEN ||
			    e.msg.nlmsg_len > payload.len)
				return -EBADMSG;
			off += e.msg.nlmsg_len - NLMSG_HDRLEN;
		}
		rc = nl_attr_walk(pview_tail(payload, NLMSG_ALIGN(off)),
				  nl_ext_attr, &out);
		if (rc)
			return rc;
	}
	return e.error;
}

/**
 * nl_walk_one() - Handle one message of a reply whose sequence matched
 * @msg:	Message
 * @nh:		Its header, copied out and length-checked
 * @cb:		Callback for data messages, may be NULL to ignore them
 * @data:	Passed to @cb
 * @ext:	Buffer for the extended ACK text, may be NULL
 * @ext_len:	Its size
 *
 * Return: NL_WALK_MORE, NL_WALK_DONE or -errno
 */
static int nl_walk_one(const void *msg, const struct nlmsghdr *nh, nl_msg_cb cb,
		       void *data, char *ext, size_t ext_len)
{
	struct pview v = pview_make(msg, nh->nlmsg_len);
	int32_t err;
	int rc;

	switch (nh->nlmsg_type) {
	case NLMSG_NOOP:
		return NL_WALK_MORE;
	case NLMSG_ERROR:
		rc = nl_parse_error(msg, nh->nlmsg_len, ext, ext_len);
		return rc ? rc : NL_WALK_DONE;
	case NLMSG_DONE:
		/* A dump that failed half-way says so in NLMSG_DONE */
		if (pview_copy(v, NLMSG_HDRLEN, &err, sizeof(err)) && err < 0)
			return err >= -NL_MAX_ERRNO ? err : -EBADMSG;
		return NL_WALK_DONE;
	case NLMSG_OVERRUN:
		return -EOVERFLOW;
	default:
		break;
	}
	if (nh->nlmsg_type < NLMSG_MIN_TYPE)
		return NL_WALK_MORE;

	if (cb) {
		rc = cb(msg, nh->nlmsg_len, data);
		if (rc)
			return rc < 0 ? rc : -EINVAL;
	}
	/* A single answer (no dump) is not followed by NLMSG_DONE */
	return (nh->nlmsg_flags & NLM_F_MULTI) ? NL_WALK_MORE : NL_WALK_DONE;
}

/**
 * nl_reply_walk() - Walk the messages of one datagram received in reply
 * @buf:	Datagram
 * @len:	Its length
 * @seq:	Sequence number of our request: other messages are stale
 *		replies to earlier requests and are skipped
 * @cb:		Called for each data message of ours, may be NULL
 * @data:	Passed to @cb
 * @ext:	Buffer for the extended ACK text of an error, may be NULL
 * @ext_len:	Its size
 *
 * Every nlmsghdr is checked: at least a header long, and not longer than
 * what is left of the datagram; the loop advances by at least one header.
 *
 * Return: NL_WALK_MORE if the reply continues in another datagram,
 *	   NL_WALK_DONE when complete, the error the kernel reported,
 *	   -EBADMSG for a malformed message, or what @cb returned
 */
int nl_reply_walk(const void *buf, size_t len, uint32_t seq, nl_msg_cb cb,
		  void *data, char *ext, size_t ext_len)
{
	struct pview v = pview_make(buf, len);
	size_t off = 0;

	while (off < v.len) {
		struct nlmsghdr nh;
		const void *msg;
		int rc;

		if (!pview_copy(v, off, &nh, sizeof(nh)))
			return -EBADMSG;
		if (nh.nlmsg_len < NLMSG_HDRLEN || nh.nlmsg_len > v.len - off)
			return -EBADMSG;
		msg = pview_get(v, off, nh.nlmsg_len);
		off += NLMSG_ALIGN(nh.nlmsg_len);

		if (nh.nlmsg_seq != seq)
			continue;
		rc = nl_walk_one(msg, &nh, cb, data, ext, ext_len);
		if (rc != NL_WALK_MORE)
			return rc;
	}
	return NL_WALK_MORE;
}
