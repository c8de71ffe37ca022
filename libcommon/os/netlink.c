// SPDX-License-Identifier: GPL-2.0-or-later
/* netlink.c - rtnetlink requests: send, collect the reply, map errors
 *
 * Theory of operation: each function builds one request with os/nlmsg.c,
 * sends it with a fresh sequence number and reads datagrams until
 * nl_reply_walk() says the reply is complete. Reading is bounded twice: by
 * NL_MAX_DGRAMS datagrams and by a receive timeout set on the socket, so a
 * kernel that never answers cannot hang set-up. Datagrams that don't come
 * from the kernel (port id 0) are ignored, and so are messages carrying
 * another sequence number (left-overs of an earlier, abandoned dump).
 *
 * Not thread-safe: the receive buffer and the last extended ACK text are
 * per-process. These functions run at set-up time, never per packet.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "os/netlink.h"

/* Datagrams read for one reply, at most: about 64 MiB of dump */
#define NL_MAX_DGRAMS 1024
/* Seconds without any datagram before a request fails with -ETIMEDOUT */
#define NL_RECV_TIMEOUT_S 5
/* Receive buffer: the kernel fills dump datagrams up to 32 KiB */
#define NL_RECV_SIZE 65536

static uint8_t nl_rbuf[NL_RECV_SIZE] __attribute__((aligned(8)));
static char nl_ext_text[256];

/**
 * nl_seq_next() - Get a sequence number for a new request
 *
 * Return: a number different from the previous ones of this process
 */
static uint32_t nl_seq_next(void)
{
	static uint32_t seq;

	if (!seq)
		seq = (uint32_t)time(NULL);
	return ++seq;
}

/**
 * nl_ext_ack() - Get the extended ACK text of the last failed request
 *
 * Return: the text the kernel attached to its last error, "" if none
 */
const char *nl_ext_ack(void)
{
	return nl_ext_text;
}

/**
 * nl_open() - Open a NETLINK_ROUTE socket in the current network namespace
 *
 * The socket is bound (the kernel picks the port id), gets a receive
 * timeout, and asks for extended ACKs where the kernel supports them.
 *
 * Return: file descriptor (close-on-exec), or -errno
 */
int nl_open(void)
{
	struct timeval tv = {.tv_sec = NL_RECV_TIMEOUT_S};
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	int one = 1;
	int fd, rc;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	/* Both optional: older kernels work without them */
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return fd;
}

/**
 * nl_recv() - Receive one datagram from the kernel
 * @fd:		Netlink socket
 *
 * Return: datagram length in nl_rbuf, 0 for a datagram to ignore (not from
 *	   the kernel), -ETIMEDOUT, -EMSGSIZE if truncated, or -errno
 */
static ssize_t nl_recv(int fd)
{
	struct sockaddr_nl from;
	socklen_t flen = sizeof(from);
	ssize_t n;

	memset(&from, 0, sizeof(from));
	n = recvfrom(fd, nl_rbuf, sizeof(nl_rbuf), MSG_TRUNC,
		     (struct sockaddr *)&from, &flen);
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	}
	if ((size_t)n > sizeof(nl_rbuf))
		return -EMSGSIZE;
	if (flen < sizeof(from) || from.nl_family != AF_NETLINK ||
	    from.nl_pid != 0)
		return 0;
	return n;
}

/**
 * nl_request() - Send a request and process its whole reply
 * @fd:		Netlink socket
 * @req:	Request, built with the sequence number @seq
 * @len:	Request length
 * @seq:	Sequence number
 * @cb:		Called for each data message of the reply, may be NULL
 * @data:	Passed to @cb
 *
 * Return: 0, the error the kernel reported, or -errno
 */
static int nl_request(int fd, const void *req, size_t len, uint32_t seq,
		      nl_msg_cb cb, void *data)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	ssize_t n;
	int i, rc;

	nl_ext_text[0] = '\0';
	n = sendto(fd, req, len, 0, (struct sockaddr *)&sa, sizeof(sa));
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EIO;

	for (i = 0; i < NL_MAX_DGRAMS; i++) {
		n = nl_recv(fd);
		if (n < 0)
			return (int)n;
		if (!n)
			continue;
		rc = nl_reply_walk(nl_rbuf, (size_t)n, seq, cb, data,
				   nl_ext_text, sizeof(nl_ext_text));
		if (rc != NL_WALK_MORE)
			return rc < 0 ? rc : 0;
	}
	return -EOVERFLOW;
}

/**
 * nl_do() - Send a request needing only an ACK (or one answer)
 * @fd:		Netlink socket
 * @buf:	Request buffer
 * @len:	Result of the builder: message length or -errno
 * @seq:	Sequence number the request was built with
 * @cb:		Called for the answer, may be NULL
 * @data:	Passed to @cb
 *
 * Return: 0, or -errno from the builder, the socket or the kernel
 */
static int nl_do(int fd, const void *buf, int len, uint32_t seq, nl_msg_cb cb,
		 void *data)
{
	if (len < 0)
		return len;
	return nl_request(fd, buf, (size_t)len, seq, cb, data);
}

/**
 * struct nl_route_ctx - State of a route dump
 * @family:	Family to keep, AF_UNSPEC for both
 * @ifindex:	Output interface to keep, 0 for all
 * @out:	Output array
 * @max:	Its size
 * @n:		Entries stored
 * @best:	Default route with the lowest metric (nl_default_route)
 * @has_best:	@best is set
 */
struct nl_route_ctx {
	int family;
	unsigned int ifindex;
	struct nl_route *out;
	int max;
	int n;
	struct nl_route best;
	bool has_best;
};

/**
 * nl_route_keep() - Parse a route of a dump and say if it is one we want
 * @msg:	Message
 * @len:	Its length
 * @ctx:	Dump state with the filter
 * @r:		Parsed route
 *
 * Return: 1 to keep, 0 to skip (other table, type, family or interface, or
 *	   a cached clone), -errno if malformed
 */
static int nl_route_keep(const void *msg, size_t len,
			 const struct nl_route_ctx *ctx, struct nl_route *r)
{
	int rc = nl_parse_route(msg, len, r);

	if (rc == -EAFNOSUPPORT)
		return 0;
	if (rc)
		return rc;
	if (r->table != RT_TABLE_MAIN || r->type != RTN_UNICAST ||
	    (r->flags & RTM_F_CLONED))
		return 0;
	if (ctx->family != AF_UNSPEC && r->family != ctx->family)
		return 0;
	if (ctx->ifindex && r->ifindex != ctx->ifindex)
		return 0;
	return 1;
}

/**
 * nl_route_cb() - Store a route of a dump
 * @msg:	Message
 * @len:	Its length
 * @data:	struct nl_route_ctx
 *
 * Return: 0, -errno if malformed
 */
static int nl_route_cb(const void *msg, size_t len, void *data)
{
	struct nl_route_ctx *ctx = data;
	struct nl_route r;
	int rc = nl_route_keep(msg, len, ctx, &r);

	if (rc <= 0)
		return rc;
	if (ctx->n < ctx->max)
		ctx->out[ctx->n++] = r;
	return 0;
}

/**
 * nl_route_dump() - Get the routes of the main table
 * @fd:		Netlink socket
 * @family:	AF_INET, AF_INET6, or AF_UNSPEC for both
 * @ifindex:	Keep only routes through this interface, 0 for all
 * @out:	Routes (unicast, main table)
 * @max:	Size of @out: further routes are left out
 *
 * Return: number of routes stored, or -errno
 */
int nl_route_dump(int fd, int family, unsigned int ifindex,
		  struct nl_route *out, int max)
{
	struct nl_route_ctx ctx = {
		.family = family,
		.ifindex = ifindex,
		.out = out,
		.max = max,
	};
	uint8_t buf[NL_REQ_SIZE] __attribute__((aligned(4)));
	uint32_t seq = nl_seq_next();
	int rc;

	rc = nl_do(fd, buf, nl_build_route_dump(buf, sizeof(buf), seq, family),
		   seq, nl_route_cb, &ctx);
	return rc < 0 ? rc : ctx.n;
}

/**
 * nl_default_cb() - Remember the default route with the lowest metric
 * @msg:	Message
 * @len:	Its length
 * @data:	struct nl_route_ctx
 *
 * Return: 0, -errno if malformed
 */
static int nl_default_cb(const void *msg, size_t len, void *data)
{
	struct nl_route_ctx *ctx = data;
	struct nl_route r;
	int rc = nl_route_keep(msg, len, ctx, &r);

	if (rc <= 0 || r.dst_len)
		return rc < 0 ? rc : 0;
	if (!ctx->has_best || r.metric < ctx->best.metric) {
		ctx->best = r;
		ctx->has_best = true;
	}
	return 0;
}

/**
 * nl_default_route() - Find the default route with the lowest metric
 * @fd:		Netlink socket
 * @family:	AF_INET or AF_INET6
 * @ifindex:	Its output interface
 * @gw:		Its gateway, all zeroes if it has none
 *
 * Return: 0, -ENOENT if there is no default route in the main table,
 *	   -EAFNOSUPPORT for another family, or -errno
 */
int nl_default_route(int fd, int family, unsigned int *ifindex,
		     union nl_inaddr *gw)
{
	struct nl_route_ctx ctx = {.family = family};
	uint8_t buf[NL_REQ_SIZE] __attribute__((aligned(4)));
	uint32_t seq = nl_seq_next();
	int rc;

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	rc = nl_do(fd, buf, nl_build_route_dump(buf, sizeof(buf), seq, family),
		   seq, nl_default_cb, &ctx);
	if (rc < 0)
		return rc;
	if (!ctx.has_best)
		return -ENOENT;
	*ifindex = ctx.best.ifindex;
	if (ctx.best.has_gw)
		*gw = ctx.best.gw;
	else
		memset(gw, 0, sizeof(*gw));
	return 0;
}

/**
 * struct nl_addr_ctx - State of an address dump
 * @family:	Family to keep, AF_UNSPEC for both
 * @ifindex:	Interface to keep, 0 for all
 * @out:	Output array
 * @max:	Its size
 * @n:		Entries stored
 */
struct nl_addr_ctx {
	int family;
	unsigned int ifindex;
	struct nl_addr *out;
	int max;
	int n;
};

/**
 * nl_addr_cb() - Store an address of a dump
 * @msg:	Message
 * @len:	Its length
 * @data:	struct nl_addr_ctx
 *
 * Return: 0, -errno if malformed
 */
static int nl_addr_cb(const void *msg, size_t len, void *data)
{
	struct nl_addr_ctx *ctx = data;
	struct nl_addr a;
	int rc = nl_parse_addr(msg, len, &a);

	if (rc == -EAFNOSUPPORT)
		return 0;
	if (rc)
		return rc;
	if (ctx->family != AF_UNSPEC && a.family != ctx->family)
		return 0;
	if (ctx->ifindex && a.ifindex != ctx->ifindex)
		return 0;
	if (ctx->n < ctx->max)
		ctx->out[ctx->n++] = a;
	return 0;
}

/**
 * nl_addr_dump() - Get interface addresses
 * @fd:		Netlink socket
 * @family:	AF_INET, AF_INET6, or AF_UNSPEC for both
 * @ifindex:	Keep only addresses of this interface, 0 for all
 * @out:	Addresses
 * @max:	Size of @out: further addresses are left out
 *
 * Return: number of addresses stored, or -errno
 */
int nl_addr_dump(int fd, int family, unsigned int ifindex, struct nl_addr *out,
		 int max)
{
	struct nl_addr_ctx ctx = {
		.family = family,
		.ifindex = ifindex,
		.out = out,
		.max = max,
	};
	uint8_t buf[NL_REQ_SIZE] __attribute__((aligned(4)));
	uint32_t seq = nl_seq_next();
	int rc;

	rc = nl_do(fd, buf, nl_build_addr_dump(buf, sizeof(buf), seq, family),
		   seq, nl_addr_cb, &ctx);
	return rc < 0 ? rc : ctx.n;
}

/**
 * struct nl_link_ctx - State of a link dump
 * @out:	Output array
 * @max:	Its size
 * @n:		Entries stored
 */
struct nl_link_ctx {
	struct nl_link *out;
	int max;
	int n;
};

/**
 * nl_link_cb() - Store a link of a dump or of a single answer
 * @msg:	Message
 * @len:	Its length
 * @data:	struct nl_link_ctx
 *
 * Return: 0, -errno if malformed
 */
static int nl_link_cb(const void *msg, size_t len, void *data)
{
	struct nl_link_ctx *ctx = data;
	struct nl_link link;
	int rc = nl_parse_link(msg, len, &link);

	if (rc)
		return rc;
	if (ctx->n < ctx->max)
		ctx->out[ctx->n++] = link;
	return 0;
}

/**
 * nl_link_dump() - Get all links
 * @fd:		Netlink socket
 * @out:	Links, in the kernel's order (by index)
 * @max:	Size of @out: further links are left out
 *
 * Return: number of links stored, or -errno
 */
int nl_link_dump(int fd, struct nl_link *out, int max)
{
	struct nl_link_ctx ctx = {.out = out, .max = max};
	uint8_t buf[NL_REQ_SIZE] __attribute__((aligned(4)));
	uint32_t seq = nl_seq_next();
	int rc;

	rc = nl_do(fd, buf, nl_build_link_dump(buf, sizeof(buf), seq), seq,
		   nl_link_cb, &ctx);
	return rc < 0 ? rc : ctx.n;
}

/**
 * nl_link_query() - Get one link by index or by name
 * @fd:		Netlink socket
 * @ifindex:	Interface index, 0 to use @name
 * @name:	Interface name, NULL to use @ifindex
 * @link:	Link attributes
 *
 * Return: 0, -ENODEV if there is no such link, or -errno
 */
static int nl_link_query(int fd, unsigned int ifindex, const char *name,
			 struct nl_link *link)
{
	struct nl_link_ctx ctx = {.out = link, .max = 1};
	uint8_t buf[NL_REQ_SIZE] __attribute__((aligned(4)));
	uint32_t seq = nl_seq_next();
	int rc;

	rc = nl_do(fd, buf,
		   nl_build_link_get(buf, sizeof(buf), seq, ifindex, name), seq,
		   nl_link_cb, &ctx);
	if (rc < 0)
		return rc;
	return ctx.n ? 0 : -ENODEV;
}

/**
 * nl_link_get() - Get the attributes of a link
 * @fd:		Netlink socket
 * @ifindex:	Interface index
 * @link:	Link attributes
 *
 * Return: 0, -ENODEV if there is no such link, or -errno
 */
int nl_link_get(int fd, unsigned int ifindex, struct nl_link *link)
{
	if (!ifindex)
		return -ENODEV;
	return nl_link_query(fd, ifindex, NULL, link);
}

/**
 * nl_link_index() - Get the index of a link from its name
 * @fd:		Netlink socket
 * @name:	Interface name
 * @ifindex:	Interface index
 *
 * Unlike if_nametoindex(), this asks the namespace of @fd, not ours.
 *
 * Return: 0, -ENODEV if there is no such link, -EINVAL for an empty or too
 *	   long name, or -errno
 */
int nl_link_index(int fd, const char *name, unsigned int *ifindex)
{
	struct nl_link link;
	int rc = nl_link_query(fd, 0, name, &link);

	if (rc)
		return rc;
	*ifindex = link.ifindex;
	return 0;
}

/**
 * nl_link_set() - Change the MTU and hardware address of a link, bring it up
 * @fd:		Netlink socket
 * @ifindex:	Interface index
 * @mtu:	New MTU, 0 to leave it as it is
 * @mac:	New hardware address (6 bytes), NULL to leave it as it is
 * @up:		Bring the link up; false leaves its state as it is
 *
 * Return: 0, or -errno
 */
int nl_link_set(int fd, unsigned int ifindex, unsigned int mtu,
		const uint8_t *mac, bool up)
{
	uint8_t buf[NL_REQ_SIZE] __attribute__((aligned(4)));
	uint32_t seq = nl_seq_next();

	return nl_do(
		fd, buf,
		nl_build_link_set(buf, sizeof(buf), seq, ifindex, mtu, mac, up),
		seq, NULL, NULL);
}

/**
 * nl_link_addrgen() - Set how the kernel forms a link's IPv6 link-local
 *		       address
 * @fd:		Netlink socket
 * @ifindex:	Interface index
 * @mode:	IN6_ADDR_GEN_MODE_*
 *
 * Return: 0, or -errno (-EAFNOSUPPORT if the link has no IPv6)
 */
int nl_link_addrgen(int fd, unsigned int ifindex, uint8_t mode)
{
	uint8_t buf[NL_REQ_SIZE] __attribute__((aligned(4)));
	uint32_t seq = nl_seq_next();

	return nl_do(fd, buf,
		     nl_build_link_addrgen(buf, sizeof(buf), seq, ifindex,
					   mode),
		     seq, NULL, NULL);
}

/**
 * nl_addr_req() - Add or remove an address
 * @fd:		Netlink socket
 * @ifindex:	Interface index
 * @a:		Address (see nl_build_addr_add() and nl_build_addr_del())
 * @del:	Remove it
 *
 * Return: 0, also if the address is there already (adding) or gone
 *	   already (removing), or -errno
 */
static int nl_addr_req(int fd, unsigned int ifindex, const struct nl_addr *a,
		       bool del)
{
	uint8_t buf[NL_REQ_SIZE] __attribute__((aligned(4)));
	uint32_t seq = nl_seq_next();
	int len, rc;

	len = del ? nl_build_addr_del(buf, sizeof(buf), seq, ifindex, a)
		  : nl_build_addr_add(buf, sizeof(buf), seq, ifindex, a);
	rc = nl_do(fd, buf, len, seq, NULL, NULL);
	if (del)
		return rc == -EADDRNOTAVAIL || rc == -ENOENT ? 0 : rc;
	return rc == -EEXIST ? 0 : rc;
}

/**
 * nl_addr_add() - Add an address to an interface
 * @fd:		Netlink socket
 * @ifindex:	Interface index
 * @a:		Address (see nl_build_addr_add() for the fields used)
 *
 * Return: 0, also if the same address is already there, or -errno
 */
int nl_addr_add(int fd, unsigned int ifindex, const struct nl_addr *a)
{
	return nl_addr_req(fd, ifindex, a, false);
}

/**
 * nl_route_req() - Add or remove a route of the main table
 * @fd:		Netlink socket
 * @ifindex:	Output interface
 * @r:		Route (see nl_build_route_add() and nl_build_route_del())
 * @del:	Remove it
 *
 * Return: 0, also if the route is there already (adding) or gone already
 *	   (removing), or -errno
 */
static int nl_route_req(int fd, unsigned int ifindex, const struct nl_route *r,
			bool del)
{
	uint8_t buf[NL_REQ_SIZE] __attribute__((aligned(4)));
	uint32_t seq = nl_seq_next();
	int len, rc;

	len = del ? nl_build_route_del(buf, sizeof(buf), seq, ifindex, r)
		  : nl_build_route_add(buf, sizeof(buf), seq, ifindex, r);
	rc = nl_do(fd, buf, len, seq, NULL, NULL);
	if (del)
		return rc == -ESRCH || rc == -ENOENT ? 0 : rc;
	return rc == -EEXIST ? 0 : rc;
}

/**
 * nl_route_add() - Add a route to the main table
 * @fd:		Netlink socket
 * @ifindex:	Output interface
 * @r:		Route (see nl_build_route_add() for the fields used)
 *
 * Return: 0, also if the same route is already there, or -errno
 */
int nl_route_add(int fd, unsigned int ifindex, const struct nl_route *r)
{
	return nl_route_req(fd, ifindex, r, false);
}


/**
 * nl_addr_del() - Remove an address from an interface
 * @fd:		Netlink socket
 * @ifindex:	Interface index
 * @a:		Address (see nl_build_addr_del() for the fields used)
 *
 * Return: 0, also if the address is gone already, or -errno
 */
int nl_addr_del(int fd, unsigned int ifindex, const struct nl_addr *a)
{
	return nl_addr_req(fd, ifindex, a, true);
}

/**
 * nl_route_del() - Remove a route from the main table
 * @fd:		Netlink socket
 * @ifindex:	Output interface
 * @r:		Route (see nl_build_route_del() for the fields matched)
 *
 * Return: 0, also if the route is gone already, or -errno
 */
int nl_route_del(int fd, unsigned int ifindex, const struct nl_route *r)
{
	return nl_route_req(fd, ifindex, r, true);
}
