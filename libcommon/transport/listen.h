/* SPDX-License-Identifier: GPL-2.0-or-later */
/* listen.h - open the listening sockets of forwarding rules */
#ifndef TRANSPORT_LISTEN_H
#define TRANSPORT_LISTEN_H

#include <stdbool.h>
#include <stdint.h>

#include "flow/flow.h"
#include "flow/fwd.h"
#include "flow/nat.h"
#include "os/epref.h"
#include "services/l2.h"

#define LISTEN_BACKLOG 128

/* Warnings about a family not bound, per rule and family, at most */
#define LISTEN_WARN_PORTS 8

/* A listener's epoll reference: index of its rule above the port's 16 bits */
#define EPREF_LISTEN_PORT_BITS 16

_Static_assert(FWD_MAX_RULES <= 1U << (EPREF_IDX_BITS - EPREF_LISTEN_PORT_BITS),
	       "every rule index fits above the port in an epoll reference");

/**
 * epref_listen() - Epoll reference index of a forwarding listener
 * @rule:	Index of its rule in its table, below FWD_MAX_RULES
 * @port:	Its port
 *
 * Return: the index for union epoll_ref, undone by epref_listen_rule() and
 *	   epref_listen_port()
 */
static inline uint32_t epref_listen(unsigned int rule, uint16_t port)
{
	return (uint32_t)rule << EPREF_LISTEN_PORT_BITS | port;
}

/**
 * epref_listen_rule() - Rule of a listener, from its epoll reference index
 * @idx:	Index made by epref_listen()
 *
 * Return: the index of the rule in its table
 */
static inline unsigned int epref_listen_rule(uint32_t idx)
{
	return idx >> EPREF_LISTEN_PORT_BITS;
}

/**
 * epref_listen_port() - Port of a listener, from its epoll reference index
 * @idx:	Index made by epref_listen()
 *
 * Return: the listening port
 */
static inline uint16_t epref_listen_port(uint32_t idx)
{
	return (uint16_t)(idx & ((1U << EPREF_LISTEN_PORT_BITS) - 1));
}

/**
 * enum listen_fam - The two families of a dual-stack rule
 * @LISTEN_V4:		IPv4
 * @LISTEN_V6:		IPv6
 * @LISTEN_NFAM:	Number of families
 */
enum listen_fam {
	LISTEN_V4,
	LISTEN_V6,
	LISTEN_NFAM,
};

/**
 * struct listen_socks - The sockets that serve one port of a rule
 * @fd:		Open sockets, -1 where there is none: one (a dual-stack
 *		socket, or the socket of a rule of one family) in @fd[0], or,
 *		after the dual-stack bind failed and each family was bound on
 *		its own, what could be: IPv4 in @fd[0], IPv6 in @fd[1]
 * @err:	Why a family of a dual-stack rule isn't served: -errno by
 *		enum listen_fam, 0 where it is
 */
struct listen_socks {
	int fd[LISTEN_NFAM];
	int err[LISTEN_NFAM];
};

/**
 * enum listen_side - Where the listeners of a forwarding table are
 * @LISTEN_HOST:	On the host: -t and -u
 * @LISTEN_NS:		Inside pasta's namespace: -T and -U
 */
enum listen_side {
	LISTEN_HOST,
	LISTEN_NS,
};

/**
 * typedef listen_sock_fn - Opens one socket for a port of a rule
 *
 * listen_sock() does it; unit tests of the policy give a fake.
 */
typedef int (*listen_sock_fn)(int type, const struct fwd_rule *r, uint16_t port,
			      bool freebind);

/**
 * struct listen_rec - Who is told of each port listen_table() opens
 * @fn:		Called with the kind of listener, the rule's index, the port
 *		and its sockets, for every port opened
 * @arg:	First argument of @fn
 *
 * The running tables (transport/fwd_live.h) keep the descriptors of the
 * static rules' listeners this way, to close or keep them when a table is
 * replaced.
 */
struct listen_rec {
	void (*fn)(void *arg, uint8_t proto, unsigned int rule, uint16_t port,
		   const struct listen_socks *ls);
	void *arg;
};

/**
 * struct listen_req - One kind of forwarding listener: what TCP and UDP,
 *		       host and namespace side differ in (listen_req_init())
 * @epfd:	epoll descriptor the sockets are added to
 * @type:	Their epoll type (EPOLL_TYPE_TCP_LISTEN...), with the
 *		reference epref_listen(rule, port)
 * @freebind:	Set IP_FREEBIND or IPV6_FREEBIND (--freebind)
 * @proto:	IPPROTO_TCP (listening stream sockets) or IPPROTO_UDP (bound
 *		datagram sockets): the rules of a table it serves
 * @side:	Where the sockets are opened
 * @netns_fd:	The namespace, for LISTEN_NS
 * @sock:	Opens one socket: listen_sock(), or NULL for the same
 * @rec:	Told of each port listen_table() opens, NULL for nobody
 */
struct listen_req {
	int epfd;
	enum epoll_type type;
	bool freebind;
	uint8_t proto;
	enum listen_side side;
	int netns_fd;
	listen_sock_fn sock;
	const struct listen_rec *rec;
};

/**
 * struct listen_gap - Ports of a dual-stack rule served by one family only
 * @n:		Ports where a family couldn't be bound, by enum listen_fam
 * @err:	The last error of each family, -errno
 */
struct listen_gap {
	unsigned int n[LISTEN_NFAM];
	int err[LISTEN_NFAM];
};

void sock_bufs_max(int s);
int listen_sock(int type, const struct fwd_rule *r, uint16_t port,
		bool freebind);
void listen_req_init(struct listen_req *q, int epfd, uint8_t proto,
		     enum listen_side side, int netns_fd, bool freebind);
int listen_open(const struct listen_req *q, const struct fwd_rule *r,
		unsigned int rule, uint16_t port, struct listen_socks *ls);
int listen_port(const struct listen_req *q, const struct fwd_table *t,
		unsigned int rule, uint16_t port, struct listen_socks *ls);
int listen_table(const struct listen_req *q, const struct fwd_table *t,
		 struct listen_gap *gap);
void listen_close(int epfd, int fd);
int listen_reref(const struct listen_req *q, int fd, unsigned int rule,
		 uint16_t port);
void listen_gap_note(struct listen_gap *g, const char *side,
		     const struct fwd_rule *r, uint16_t port,
		     const struct listen_socks *ls);
void listen_gap_fmt(const struct listen_gap *g, const struct fwd_rule *r,
		    char *buf, size_t len);
int listen_peer_key(const struct nat *nat, const struct l2_conf *l2,
		    const struct l2_state *l2s, const struct fwd_rule *r,
		    uint16_t port, struct flow_key *k);

#endif /* TRANSPORT_LISTEN_H */
