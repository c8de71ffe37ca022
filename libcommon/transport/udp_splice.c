// SPDX-License-Identifier: GPL-2.0-or-later
/* udp_splice.c - pasta: UDP between loopback sockets, socket to socket
 *
 * Theory of operation: a datagram that reaches a -u listener from a
 * loopback address of the host, or any datagram that reaches a -U listener
 * on the namespace's loopback, is not translated into a frame: it is sent
 * as it is through a socket of the other side, connected to the target
 * (splice.c decides which address). One such socket per peer of a
 * listener makes a flow, kept in the shared flow table under a key of its
 * own (enum udp_splice_key): peer address and port, listening address and
 * port (on a wildcard listener, the address the peer sent to). Answers
 * arriving on the connected socket go back to the peer through the
 * listener, so that they come from the port, and the address (pktinfo.c),
 * the peer sent to.
 *
 * Both ways move batches: recvmmsg() on the socket that has input, then
 * one sendmmsg() per run of datagrams of the same flow. Datagrams of -u
 * listeners are read by udp.c into its frame buffers (the same read serves
 * translated peers): it hands the loopback ones over with
 * udp_splice_from_host() and calls udp_splice_flush() at the end of the
 * batch. A datagram the kernel can't take right away is dropped, as a
 * router would; flows idle for UDP_SPLICE_TIMEOUT_MS are forgotten, on the
 * once-a-second timer of udp.c.
 *
 * Syscalls: recvmmsg, sendmmsg, socket, connect, close, epoll_ctl (and
 * clone via splice.c).
 */

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "os/epref.h"
#include "transport/listen.h"
#include "transport/pktinfo.h"
#include "transport/udp_splice.h"

/**
 * udp_splice_init() - Set up the spliced flow table
 * @us:		Context
 * @flows:	Flow table
 * @ns:		Sockets of the namespace
 * @cfg:	Splicing configuration (copied)
 * @epfd:	epoll descriptor
 * @fwd_in:	Inbound rules (-u)
 * @fwd_out:	Outbound rules (-U)
 *
 * Return: 0
 */
int udp_splice_init(struct udp_splice_ctx *us, struct flow_table *flows,
		    struct splice_ns *ns, const struct splice_cfg *cfg,
		    int epfd, const struct fwd_table *fwd_in,
		    const struct fwd_table *fwd_out)
{
	int i;

	memset(us, 0, sizeof(*us));
	for (i = 0; i < FLOW_MAX; i++)
		us->flow[i].sock = us->flow[i].lsock = -1;
	us->flows = flows;
	us->ns = ns;
	us->cfg = *cfg;
	us->epfd = epfd;
	us->fwd_in = fwd_in;
	us->fwd_out = fwd_out;
	return 0;
}

/**
 * udp_splice_free() - Close a flow's socket and release the flow
 * @us:		Context
 * @idx:	Flow index
 */
static void udp_splice_free(struct udp_splice_ctx *us, int idx)
{
	struct udp_splice_flow *f = &us->flow[idx];

	close(f->sock);
	memset(f, 0, sizeof(*f));
	f->sock = f->lsock = -1;
	flow_free(us->flows, idx);
	us->nflows--;
}

/**
 * udp_splice_open() - Socket of a new flow, connected to the target
 * @us:		Context
 * @dir:	SPLICE_INBOUND: made in the namespace, else in ours
 * @dst:	Target address
 * @port:	Target port
 *
 * Return: socket, or -errno
 */
static int udp_splice_open(struct udp_splice_ctx *us, enum splice_dir dir,
			   const union inany_addr *dst, uint16_t port)
{
	int af = inany_family(dst), s, ret;
	union sockaddr_inany sa;
	socklen_t sl;

	s = dir == SPLICE_INBOUND ? splice_ns_socket(us->ns, SOCK_DGRAM, af)
				  : splice_socket(SOCK_DGRAM, af);
	if (s < 0)
		return s;
	sl = inany_to_sockaddr(&sa, dst, port, 0);
	if (connect(s, &sa.sa, sl)) {
		ret = -errno;
		close(s);
		return ret;
	}
	return s;
}

/**
 * udp_splice_flow() - Flow of a peer of a listener, made if new
 * @us:		Context
 * @dir:	Side of the listener
 * @r:		Its rule
 * @port:	Its port
 * @lsock:	Its socket
 * @peer:	Peer's address
 * @plen:	Its length
 * @laddr:	Address the peer sent to, NULL if unknown
 *
 * Return: flow index, or -errno (-ENOENT: not to be spliced)
 */
static int udp_splice_flow(struct udp_splice_ctx *us, enum splice_dir dir,
			   const struct fwd_rule *r, uint16_t port, int lsock,
			   const union sockaddr_inany *peer, socklen_t plen,
			   const union inany_addr *laddr)
{
	struct flow_key k = {.raddr = laddr ? *laddr : r->addr, .rport = port};
	bool in = dir == SPLICE_INBOUND;
	struct flow_side ini, tgt;
	union inany_addr dst;
	int idx, s, rc;

	k.proto =
		dir == SPLICE_INBOUND ? UDP_SPLICE_KEY_IN : UDP_SPLICE_KEY_OUT;
	if (plen > sizeof(*peer) ||
	    inany_from_sockaddr(&k.gaddr, &k.gport, peer))
		return -EAFNOSUPPORT;
	if ((idx = flow_lookup(us->flows, &k)) >= 0)
		return us->flow[idx].sock >= 0 ? idx : -EEXIST;

	if (splice_decide(&us->cfg, dir, r, &k.gaddr, &dst) != SPLICE_YES)
		return -ENOENT;
	if ((s = udp_splice_open(us, dir, &dst, fwd_rule_target(r, port))) < 0)
		return s;
	if ((idx = flow_alloc(us->flows, FLOW_UDP_SPLICE, &k)) < 0) {
		close(s);
		return idx;
	}
	if ((rc = epref_ctl(us->epfd, EPOLL_CTL_ADD, EPOLL_TYPE_UDP_SPLICE,
			    (uint32_t)idx, s, EPOLLIN))) {
		close(s);
		flow_free(us->flows, idx);
		return rc;
	}
	us->flow[idx].sock = s;
	us->flow[idx].lsock = lsock;
	memcpy(&us->flow[idx].peer, peer, plen);
	us->flow[idx].plen = plen;
	us->flow[idx].laddr_set = laddr != NULL;
	if (laddr)
		us->flow[idx].laddr = *laddr;
	flow_side_set(&ini, in ? FLOW_IF_HOST : FLOW_IF_SPLICE, &k.gaddr,
		      k.gport, &k.raddr, k.rport);
	flow_side_set(&tgt, in ? FLOW_IF_SPLICE : FLOW_IF_HOST, &dst,
		      fwd_rule_target(r, port), NULL, 0);
	flow_activate(us->flows, idx, &ini, &tgt);
	us->nflows++;
	if (dir == SPLICE_INBOUND)
		splice_ns_refill(us->ns);
	return idx;
}

/**
 * udp_splice_queue() - Queue a datagram for its flow's connected socket
 * @us:		Context
 * @idx:	Flow index
 * @base:	Payload (must stay valid until udp_splice_flush())
 * @len:	Its length
 */
static void udp_splice_queue(struct udp_splice_ctx *us, int idx, void *base,
			     size_t len)
{
	if (us->nq == UDP_SPLICE_BATCH)
		udp_splice_flush(us);
	us->q_idx[us->nq] = idx;
	us->q_iov[us->nq].iov_base = base;
	us->q_iov[us->nq].iov_len = len;
	us->nq++;
	us->flow[idx].last = clock_ms();
}

/**
 * udp_splice_flush() - Send the queued datagrams, one sendmmsg() per run
 *			of datagrams of the same flow
 * @us:		Context
 */
void udp_splice_flush(struct udp_splice_ctx *us)
{
	struct mmsghdr mm[UDP_SPLICE_BATCH];
	unsigned int i = 0, j;

	memset(mm, 0, sizeof(mm));
	while (i < us->nq) {
		for (j = i; j < us->nq && us->q_idx[j] == us->q_idx[i]; j++) {
			mm[j - i].msg_hdr.msg_iov = &us->q_iov[j];
			mm[j - i].msg_hdr.msg_iovlen = 1;
		}
		if (sendmmsg(us->flow[us->q_idx[i]].sock, mm, j - i,
			     MSG_DONTWAIT) < 0)
			log_rl(&us->rl, LOG_LVL_DEBUG, "UDP splice: send: %s",
			       strerror(errno));
		i = j;
	}
	us->nq = 0;
}

/**
 * udp_splice_from_host() - Splice a datagram of a -u listener, if it is
 *			    for the fast path
 * @us:		Context
 * @r:		Rule of the listener
 * @port:	Listening port
 * @lsock:	Listening socket
 * @peer:	Sender
 * @plen:	Length of @peer
 * @laddr:	Address the datagram was sent to, NULL if unknown
 * @payload:	Datagram (valid until udp_splice_flush())
 *
 * Return: true if the datagram was taken (queued, or dropped: refused
 *	   under --splice-only, or no flow), false if it goes to the tap
 */
bool udp_splice_from_host(struct udp_splice_ctx *us, const struct fwd_rule *r,
			  uint16_t port, int lsock,
			  const union sockaddr_inany *peer, socklen_t plen,
			  const union inany_addr *laddr,
			  const struct iovec *payload)
{
	union inany_addr a, dst;
	int idx;

	if (inany_from_sockaddr(&a, NULL, peer))
		return false;
	switch (splice_decide(&us->cfg, SPLICE_INBOUND, r, &a, &dst)) {
	case SPLICE_NO:
		return false;
	case SPLICE_REFUSE:
		return true;
	case SPLICE_YES:
		break;
	}
	idx = udp_splice_flow(us, SPLICE_INBOUND, r, port, lsock, peer, plen,
			      laddr);
	if (idx < 0) {
		log_rl(&us->rl, LOG_LVL_DEBUG, "UDP splice: no flow: %s",
		       strerror(-idx));
		return true;
	}
	udp_splice_queue(us, idx, payload->iov_base, payload->iov_len);
	return true;
}

/**
 * udp_splice_mm_init() - Point a receive batch at the context's buffers
 * @us:		Context
 * @mm:		Headers, UDP_SPLICE_BATCH of them
 * @iov:	Their buffers' vectors
 * @peers:	Where the senders' addresses go, NULL if not wanted
 * @ctl:	Control buffers of PKTINFO_SPACE each, NULL if not wanted
 */
static void udp_splice_mm_init(struct udp_splice_ctx *us, struct mmsghdr *mm,
			       struct iovec *iov, union sockaddr_inany *peers,
			       union pktinfo_ctl *ctl)
{
	int i;

	memset(mm, 0, sizeof(*mm) * UDP_SPLICE_BATCH);
	for (i = 0; i < UDP_SPLICE_BATCH; i++) {
		iov[i].iov_base = us->buf[i];
		iov[i].iov_len = UDP_SPLICE_BUF;
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		if (peers) {
			mm[i].msg_hdr.msg_name = &peers[i];
			mm[i].msg_hdr.msg_namelen = sizeof(peers[i]);
		}
		if (ctl) {
			mm[i].msg_hdr.msg_control = ctl[i].buf;
			mm[i].msg_hdr.msg_controllen = sizeof(ctl[i].buf);
		}
	}
}

/**
 * udp_splice_listen_handler() - Datagrams to a -U listener in the namespace
 * @us:		Context
 * @ref_idx:	Rule index and port, epref_listen()
 * @fd:		Listening socket
 */
void udp_splice_listen_handler(struct udp_splice_ctx *us, uint32_t ref_idx,
			       int fd)
{
	const struct fwd_rule *r =
		&us->fwd_out->rules[epref_listen_rule(ref_idx)];
	uint16_t port = epref_listen_port(ref_idx);
	union sockaddr_inany peers[UDP_SPLICE_BATCH];
	union pktinfo_ctl ctl[UDP_SPLICE_BATCH];
	struct mmsghdr mm[UDP_SPLICE_BATCH];
	struct iovec iov[UDP_SPLICE_BATCH];
	union inany_addr dst;
	int n, i, idx;

	udp_splice_mm_init(us, mm, iov, peers, ctl);
	n = recvmmsg(fd, mm, UDP_SPLICE_BATCH, MSG_DONTWAIT, NULL);
	for (i = 0; i < n; i++) {
		bool known = pktinfo_dst(&mm[i].msg_hdr, &dst);

		idx = udp_splice_flow(us, SPLICE_OUTBOUND, r, port, fd,
				      &peers[i], mm[i].msg_hdr.msg_namelen,
				      known ? &dst : NULL);
		if (idx >= 0)
			udp_splice_queue(us, idx, us->buf[i], mm[i].msg_len);
	}
	udp_splice_flush(us);
}

/**
 * udp_splice_sock_handler() - Answers on a flow's connected socket: back to
 *			       the peer, through the listener
 * @us:		Context
 * @idx:	Flow index
 */
void udp_splice_sock_handler(struct udp_splice_ctx *us, uint32_t idx)
{
	struct udp_splice_flow *f = &us->flow[idx % FLOW_MAX];
	struct mmsghdr mm[UDP_SPLICE_BATCH];
	struct iovec iov[UDP_SPLICE_BATCH];
	union pktinfo_ctl ctl;
	size_t ctl_len = 0;
	int n, i;

	if (f->sock < 0)
		return;
	udp_splice_mm_init(us, mm, iov, NULL, NULL);
	/* errors (ECONNREFUSED from an ICMP port unreachable) are dropped */
	n = recvmmsg(f->sock, mm, UDP_SPLICE_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return;
	/* from the address the peer sent to: one message serves them all */
	if (f->laddr_set)
		ctl_len = pktinfo_put(ctl.buf, sizeof(ctl.buf),
				      f->peer.sa.sa_family, &f->laddr);
	for (i = 0; i < n; i++) {
		iov[i].iov_len = mm[i].msg_len;
		mm[i].msg_hdr.msg_name = &f->peer;
		mm[i].msg_hdr.msg_namelen = f->plen;
		if (ctl_len) {
			mm[i].msg_hdr.msg_control = ctl.buf;
			mm[i].msg_hdr.msg_controllen = ctl_len;
		}
	}
	if (sendmmsg(f->lsock, mm, (unsigned int)n, MSG_DONTWAIT) < 0)
		log_rl(&us->rl, LOG_LVL_DEBUG, "UDP splice: answer: %s",
		       strerror(errno));
	f->last = clock_ms();
}

/**
 * udp_splice_timer() - Forget flows idle for too long (once a second)
 * @us:		Context
 */
void udp_splice_timer(struct udp_splice_ctx *us)
{
	uint64_t now = clock_ms();
	int idx;

	for (idx = 0; us->nflows && idx < FLOW_MAX; idx++) {
		const struct udp_splice_flow *f = &us->flow[idx];

		if (f->sock >= 0 && now - f->last > UDP_SPLICE_TIMEOUT_MS)
			udp_splice_free(us, idx);
	}
}

/**
 * udp_splice_forget_lsock() - Drop the flows of a listener about to close
 * @us:		Context
 * @lsock:	Listening socket
 */
void udp_splice_forget_lsock(struct udp_splice_ctx *us, int lsock)
{
	int idx;

	for (idx = 0; us->nflows && idx < FLOW_MAX; idx++) {
		if (us->flow[idx].sock >= 0 && us->flow[idx].lsock == lsock)
			udp_splice_free(us, idx);
	}
}

/**
 * udp_splice_listen_ns() - Open the -U sockets of a port in the namespace
 * @us:		Context
 * @rule:	Index of the rule in the outbound table
 * @port:	Port, within the rule
 * @ls:		Set to the sockets (one, or one per family: listen.h)
 *
 * Return: 0, or -errno if nothing could be opened
 */
int udp_splice_listen_ns(struct udp_splice_ctx *us, unsigned int rule,
			 uint16_t port, struct listen_socks *ls)
{
	struct listen_req q;

	listen_req_init(&q, us->epfd, IPPROTO_UDP, LISTEN_NS, us->ns->netns_fd,
			false);
	return listen_port(&q, us->fwd_out, rule, port, ls);
}

/**
 * udp_splice_unlisten() - Close a socket of udp_splice_listen_ns(), and
 *			   the flows of its peers
 * @us:		Context
 * @fd:		Socket
 */
void udp_splice_unlisten(struct udp_splice_ctx *us, int fd)
{
	udp_splice_forget_lsock(us, fd);
	listen_close(us->epfd, fd);
}

/**
 * udp_splice_listen_out() - Open the sockets of the static -U rules
 * @us:		Context
 * @gap:	Per rule of the outbound table: ports served by one family
 *		only (counted), NULL if not wanted
 * @rec:	Told of every port opened, NULL for nobody
 *
 * One entry into the namespace for all of them; "auto" rules are left to
 * the port scanner.
 *
 * Return: 0, or -errno if a rule could not be bound as compat.md 5.1 wants
 *	   (logged: listen_table())
 */
int udp_splice_listen_out(struct udp_splice_ctx *us, struct listen_gap *gap,
		  const struct listen_rec *rec)
{
	struct listen_req q;

	listen_req_init(&q, us->epfd, IPPROTO_UDP, LISTEN_NS, us->ns->netns_fd,
			false);
	q.rec = rec;
	return listen_table(&q, us->fwd_out, gap);
}
