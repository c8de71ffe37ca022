// SPDX-License-Identifier: GPL-2.0-or-later
/* nlmsg.c - rtnetlink message builders and reply parsers, without sockets
 *
 * Theory of operation: requests are built with libmnl into a caller-owned
 * buffer whose size is checked before every write; a builder returns the
 * message length, or -ENOBUFS when the buffer is too small, or -EINVAL /
 * -EAFNOSUPPORT for arguments the kernel would refuse anyway.
 *
 * The parsers of the kernel's replies are in os/nlmsg_parse.c.
 */
#include <errno.h>
#include <string.h>
#include <net/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <libmnl/libmnl.h>

#include "os/nlmsg.h"

/**
 * nl_addr_len() - Length of an address of a family
 * @family:	AF_INET or AF_INET6
 *
 * Return: 4, 16, or 0 for any other family
 */
size_t nl_addr_len(int family)
{
	if (family == AF_INET)
		return sizeof(struct in_addr);
	if (family == AF_INET6)
		return sizeof(struct in6_addr);
	return 0;
}

/**
 * nl_put_header() - Start a request: netlink header and fixed family header
 * @buf:	Buffer, 4-byte aligned
 * @len:	Buffer size
 * @type:	Message type (RTM_*)
 * @flags:	NLM_F_* flags
 * @seq:	Sequence number
 * @extra:	Size of the family header following the netlink header
 * @ext:	Set to the (zeroed) family header
 *
 * Return: the message header, NULL if @buf is too small
 */
static struct nlmsghdr *nl_put_header(void *buf, size_t len, uint16_t type,
				      uint16_t flags, uint32_t seq,
				      size_t extra, void **ext)
{
	struct nlmsghdr *nh;

	if (!buf || len < MNL_NLMSG_HDRLEN + MNL_ALIGN(extra))
		return NULL;

	nh = mnl_nlmsg_put_header(buf);
	nh->nlmsg_type = type;
	nh->nlmsg_flags = flags;
	nh->nlmsg_seq = seq;
	*ext = mnl_nlmsg_put_extra_header(nh, extra);
	return nh;
}

/**
 * nl_build_dump() - Build a dump request with a zeroed family header
 * @buf:	Buffer
 * @len:	Buffer size
 * @seq:	Sequence number
 * @type:	RTM_GETROUTE, RTM_GETADDR or RTM_GETLINK
 * @extra:	Size of the family header
 * @family:	Address family to request, stored in the header's first byte
 *
 * Return: message length, -ENOBUFS if @buf is too small
 */
static int nl_build_dump(void *buf, size_t len, uint32_t seq, uint16_t type,
			 size_t extra, int family)
{
	struct nlmsghdr *nh;
	uint8_t *fam;
	void *ext;

	nh = nl_put_header(buf, len, type, NLM_F_REQUEST | NLM_F_DUMP, seq,
			   extra, &ext);
	if (!nh)
		return -ENOBUFS;

	/* rtm_family, ifa_family and ifi_family are all the first byte */
	fam = ext;
	*fam = (uint8_t)family;
	return (int)nh->nlmsg_len;
}

/**
 * nl_build_route_dump() - Build an RTM_GETROUTE dump request
 * @buf:	Buffer, 4-byte aligned
 * @len:	Buffer size
 * @seq:	Sequence number
 * @family:	AF_INET, AF_INET6 or AF_UNSPEC for both
 *
 * Return: message length, -ENOBUFS if @buf is too small
 */
int nl_build_route_dump(void *buf, size_t len, uint32_t seq, int family)
{
	return nl_build_dump(buf, len, seq, RTM_GETROUTE, sizeof(struct rtmsg),
			     family);
}

/**
 * nl_build_addr_dump() - Build an RTM_GETADDR dump request
 * @buf:	Buffer, 4-byte aligned
 * @len:	Buffer size
 * @seq:	Sequence number
 * @family:	AF_INET, AF_INET6 or AF_UNSPEC for both
 *
 * Return: message length, -ENOBUFS if @buf is too small
 */
int nl_build_addr_dump(void *buf, size_t len, uint32_t seq, int family)
{
	return nl_build_dump(buf, len, seq, RTM_GETADDR,
			     sizeof(struct ifaddrmsg), family);
}

/**
 * nl_build_link_dump() - Build an RTM_GETLINK dump request
 * @buf:	Buffer, 4-byte aligned
 * @len:	Buffer size
 * @seq:	Sequence number
 *
 * Return: message length, -ENOBUFS if @buf is too small
 */
int nl_build_link_dump(void *buf, size_t len, uint32_t seq)
{
	return nl_build_dump(buf, len, seq, RTM_GETLINK,
			     sizeof(struct ifinfomsg), AF_UNSPEC);
}

/**
 * nl_build_link_get() - Build an RTM_GETLINK request for one link
 * @buf:	Buffer, 4-byte aligned
 * @len:	Buffer size
 * @seq:	Sequence number
 * @ifindex:	Interface index, 0 to look the link up by @name
 * @name:	Interface name (IFLA_IFNAME), NULL if @ifindex is given
 *
 * Return: message length, -ENOBUFS if @buf is too small, -EINVAL if neither
 *	   @ifindex nor @name is given or @name is too long
 */
int nl_build_link_get(void *buf, size_t len, uint32_t seq, unsigned int ifindex,
		      const char *name)
{
	struct ifinfomsg *ifi;
	struct nlmsghdr *nh;
	void *ext;

	if (!ifindex && (!name || !*name))
		return -EINVAL;
	if (name && strnlen(name, IFNAMSIZ) >= IFNAMSIZ)
		return -EINVAL;

	nh = nl_put_header(buf, len, RTM_GETLINK, NLM_F_REQUEST, seq,
			   sizeof(*ifi), &ext);
	if (!nh)
		return -ENOBUFS;
	ifi = ext;
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = (int)ifindex;

	if (name && !mnl_attr_put_strz_check(nh, len, IFLA_IFNAME, name))
		return -ENOBUFS;
	return (int)nh->nlmsg_len;
}

/**
 * nl_put_link_change() - Start an RTM_NEWLINK request changing a link
 * @buf:	Buffer, 4-byte aligned
 * @len:	Buffer size
 * @seq:	Sequence number
 * @ifindex:	Interface index
 * @nh:		Set to the message header
 * @ifi:	Set to its struct ifinfomsg (no flag changed yet)
 *
 * Return: 0, -ENOBUFS if @buf is too small, -EINVAL if @ifindex is 0
 */
static int nl_put_link_change(void *buf, size_t len, uint32_t seq,
			      unsigned int ifindex, struct nlmsghdr **nh,
			      struct ifinfomsg **ifi)
{
	void *ext;

	if (!ifindex)
		return -EINVAL;
	*nh = nl_put_header(buf, len, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK,
			    seq, sizeof(**ifi), &ext);
	if (!*nh)
		return -ENOBUFS;
	*ifi = ext;
	(*ifi)->ifi_family = AF_UNSPEC;
	(*ifi)->ifi_index = (int)ifindex;
	return 0;
}

/**
 * nl_build_link_set() - Build an RTM_NEWLINK request changing a link
 * @buf:	Buffer, 4-byte aligned
 * @len:	Buffer size
 * @seq:	Sequence number
 * @ifindex:	Interface index
 * @mtu:	New MTU (IFLA_MTU), 0 to leave it
 * @mac:	New hardware address (IFLA_ADDRESS, 6 bytes), NULL to leave it
 * @up:		Set IFF_UP; false leaves the state as it is
 *
 * The kernel applies the address and MTU before the flags, so one message
 * changes the address of a link that is down and then brings it up.
 *
 * Return: message length, -ENOBUFS if @buf is too small, -EINVAL if
 *	   @ifindex is 0
 */
int nl_build_link_set(void *buf, size_t len, uint32_t seq, unsigned int ifindex,
		      unsigned int mtu, const uint8_t *mac, bool up)
{
	struct ifinfomsg *ifi;
	struct nlmsghdr *nh;
	int rc;

	if ((rc = nl_put_link_change(buf, len, seq, ifindex, &nh, &ifi)))
		return rc;
	if (up) {
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}

	if (mtu && !mnl_attr_put_u32_check(nh, len, IFLA_MTU, mtu))
		return -ENOBUFS;
	if (mac && !mnl_attr_put_check(nh, len, IFLA_ADDRESS, 6, mac))
		return -ENOBUFS;
	return (int)nh->nlmsg_len;
}

/**
 * nl_build_link_addrgen() - Build an RTM_NEWLINK request setting how the
 *			     kernel forms the IPv6 link-local address
 * @buf:	Buffer, 4-byte aligned
 * @len:	Buffer size
 * @seq:	Sequence number
 * @ifindex:	Interface index
 * @mode:	IN6_ADDR_GEN_MODE_* (IN6_ADDR_GEN_MODE_NONE: none at all)
 *
 * The mode goes in IFLA_AF_SPEC, nested as AF_INET6 and then
 * IFLA_INET6_ADDR_GEN_MODE (u8).
 *
 * Return: message length, -ENOBUFS if @buf is too small, -EINVAL if
 *	   @ifindex is 0
 */
int nl_build_link_addrgen(void *buf, size_t len, uint32_t seq,
			  unsigned int ifindex, uint8_t mode)
{
	struct nlattr *spec, *af;
	struct ifinfomsg *ifi;
	struct nlmsghdr *nh;
	int rc;

	if ((rc = nl_put_link_change(buf, len, seq, ifindex, &nh, &ifi)))
		return rc;
	if (!(spec = mnl_attr_nest_start_check(nh, len, IFLA_AF_SPEC)) ||
	    !(af = mnl_attr_nest_start_check(nh, len, AF_INET6)) ||
	    !mnl_attr_put_u8_check(nh, len, IFLA_INET6_ADDR_GEN_MODE, mode))
		return -ENOBUFS;
	mnl_attr_nest_end(nh, af);
	mnl_attr_nest_end(nh, spec);
	return (int)nh->nlmsg_len;
}

static int nl_build_addr(void *buf, size_t len, uint32_t seq,
			 unsigned int ifindex, const struct nl_addr *a,
			 uint16_t type);
static int nl_build_route(void *buf, size_t len, uint32_t seq,
			  unsigned int ifindex, const struct nl_route *r,
			  uint16_t type);

/**
 * nl_build_addr_add() - Build an RTM_NEWADDR request adding an address
 * @buf:	Buffer, 4-byte aligned
 * @len:	Buffer size
 * @seq:	Sequence number
 * @ifindex:	Interface index
 * @a:		Address: family, address, prefix length and scope are used;
 *		of the flags only IFA_F_NOPREFIXROUTE and IFA_F_NODAD
 *
 * IPv6 addresses always get IFA_F_NODAD, so that they are usable at once
 * instead of staying tentative during Duplicate Address Detection.
 *
 * Return: message length, -ENOBUFS if @buf is too small, -EAFNOSUPPORT for
 *	   a family other than IPv4 and IPv6, -EINVAL for a bad prefix length
 *	   or a zero @ifindex
 */
int nl_build_addr_add(void *buf, size_t len, uint32_t seq, unsigned int ifindex,
		      const struct nl_addr *a)
{
	return nl_build_addr(buf, len, seq, ifindex, a, RTM_NEWADDR);
}

/**
 * nl_build_addr_del() - Build an RTM_DELADDR request removing an address
 * @buf:	Buffer, 4-byte aligned
 * @len:	Buffer size
 * @seq:	Sequence number
 * @ifindex:	Interface index
 * @a:		Address: family, address and prefix length are used
 *
 * Return: as nl_build_addr_add()
 */
int nl_build_addr_del(void *buf, size_t len, uint32_t seq, unsigned int ifindex,
		      const struct nl_addr *a)
{
	return nl_build_addr(buf, len, seq, ifindex, a, RTM_DELADDR);
}

/**
 * nl_build_addr() - Build an RTM_NEWADDR or RTM_DELADDR request
 * @buf:	Buffer, 4-byte aligned
 * @len:	Buffer size
 * @seq:	Sequence number
 * @ifindex:	Interface index
 * @a:		Address (see nl_build_addr_add())
 * @type:	RTM_NEWADDR (create, not replace) or RTM_DELADDR
 *
 * Return: as nl_build_addr_add()
 */
static int nl_build_addr(void *buf, size_t len, uint32_t seq,
			 unsigned int ifindex, const struct nl_addr *a,
			 uint16_t type)
{
	size_t alen = nl_addr_len(a->family);
	struct ifaddrmsg *ifa;
	struct nlmsghdr *nh;
	uint32_t flags;
	void *ext;

	if (!alen)
		return -EAFNOSUPPORT;
	if (a->prefix < 0 || (size_t)a->prefix > alen * 8 || !ifindex ||
	    a->scope < 0 || a->scope > RT_SCOPE_NOWHERE)
		return -EINVAL;

	flags = a->flags & (IFA_F_NOPREFIXROUTE | IFA_F_NODAD);
	if (a->family == AF_INET6)
		flags |= IFA_F_NODAD;

	nh = nl_put_header(buf, len, type,
			   NLM_F_REQUEST | NLM_F_ACK |
				   (type == RTM_NEWADDR ?
				    NLM_F_CREATE | NLM_F_EXCL : 0),
			   seq, sizeof(*ifa), &ext);
	if (!nh)
		return -ENOBUFS;
	ifa = ext;
	ifa->ifa_family = (uint8_t)a->family;
	ifa->ifa_prefixlen = (uint8_t)a->prefix;
	ifa->ifa_flags = (uint8_t)flags;
	ifa->ifa_scope = (uint8_t)a->scope;
	ifa->ifa_index = ifindex;

	if (!mnl_attr_put_check(nh, len, IFA_LOCAL, alen, &a->addr) ||
	    !mnl_attr_put_check(nh, len, IFA_ADDRESS, alen, &a->addr) ||
	    !mnl_attr_put_u32_check(nh, len, IFA_FLAGS, flags))
		return -ENOBUFS;
	return (int)nh->nlmsg_len;
}

/**
 * nl_build_route_add() - Build an RTM_NEWROUTE request adding a route
 * @buf:	Buffer, 4-byte aligned
 * @len:	Buffer size
 * @seq:	Sequence number
 * @ifindex:	Output interface (RTA_OIF); @r->ifindex is not used
 * @r:		Route: family, destination, gateway, metric and protocol are
 *		used (protocol 0 means RTPROT_BOOT, as ip-route(8) does)
 *
 * The route goes to the main table, type unicast; its scope is "link" when
 * it has no gateway (the destination is on the link), "universe" otherwise.
 *
 * Return: message length, -ENOBUFS if @buf is too small, -EAFNOSUPPORT for
 *	   a family other than IPv4 and IPv6, -EINVAL for a bad prefix length
 *	   or a zero @ifindex
 */
int nl_build_route_add(void *buf, size_t len, uint32_t seq,
		       unsigned int ifindex, const struct nl_route *r)
{
	return nl_build_route(buf, len, seq, ifindex, r, RTM_NEWROUTE);
}

/**
 * nl_build_route_del() - Build an RTM_DELROUTE request removing a route
 * @buf:	Buffer, 4-byte aligned
 * @len:	Buffer size
 * @seq:	Sequence number
 * @ifindex:	Output interface (RTA_OIF)
 * @r:		Route: family, destination, gateway and metric are matched
 *		(a zero metric matches any); any scope and protocol match
 *
 * Return: as nl_build_route_add()
 */
int nl_build_route_del(void *buf, size_t len, uint32_t seq,
		       unsigned int ifindex, const struct nl_route *r)
{
	return nl_build_route(buf, len, seq, ifindex, r, RTM_DELROUTE);
}

/**
 * nl_build_route() - Build an RTM_NEWROUTE or RTM_DELROUTE request
 * @buf:	Buffer, 4-byte aligned
 * @len:	Buffer size
 * @seq:	Sequence number
 * @ifindex:	Output interface (RTA_OIF)
 * @r:		Route (see nl_build_route_add())
 * @type:	RTM_NEWROUTE (create, not replace) or RTM_DELROUTE
 *
 * Return: as nl_build_route_add()
 */
static int nl_build_route(void *buf, size_t len, uint32_t seq,
			  unsigned int ifindex, const struct nl_route *r,
			  uint16_t type)
{
	bool add = type == RTM_NEWROUTE;
	size_t alen = nl_addr_len(r->family);
	struct nlmsghdr *nh;
	struct rtmsg *rtm;
	void *ext;
	bool ok;

	if (!alen)
		return -EAFNOSUPPORT;
	if (r->dst_len < 0 || (size_t)r->dst_len > alen * 8 || !ifindex ||
	    r->protocol < 0 || r->protocol > UINT8_MAX)
		return -EINVAL;

	nh = nl_put_header(buf, len, type,
			   NLM_F_REQUEST | NLM_F_ACK |
				   (add ? NLM_F_CREATE | NLM_F_EXCL : 0),
			   seq, sizeof(*rtm), &ext);
	if (!nh)
		return -ENOBUFS;
	rtm = ext;
	rtm->rtm_family = (uint8_t)r->family;
	rtm->rtm_dst_len = (uint8_t)r->dst_len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_type = RTN_UNICAST;
	if (add) {
		rtm->rtm_protocol = r->protocol ? (uint8_t)r->protocol
						: RTPROT_BOOT;
		rtm->rtm_scope = r->has_gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	} else {
		rtm->rtm_scope = RT_SCOPE_NOWHERE; /* any, to the kernel */
	}

	ok = true;
	if (r->dst_len)
		ok = mnl_attr_put_check(nh, len, RTA_DST, alen, &r->dst);
	if (ok && r->has_gw)
		ok = mnl_attr_put_check(nh, len, RTA_GATEWAY, alen, &r->gw);
	if (ok)
		ok = mnl_attr_put_u32_check(nh, len, RTA_OIF, ifindex);
	if (ok && r->metric)
		ok = mnl_attr_put_u32_check(nh, len, RTA_PRIORITY, r->metric);
	if (ok && add && r->mtu) {
		struct nlattr *m = mnl_attr_nest_start_check(nh, len,
							      RTA_METRICS);

		ok = m && mnl_attr_put_u32_check(nh, len, RTAX_MTU, r->mtu);
		if (ok)
			mnl_attr_nest_end(nh, m);
	}
	if (!ok)
		return -ENOBUFS;
	return (int)nh->nlmsg_len;
}
