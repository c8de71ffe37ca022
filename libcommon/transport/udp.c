// SPDX-License-Identifier: GPL-2.0-or-later
/* udp.c - UDP translation: datagram flows between guest and host sockets
 *
 * Theory of operation: a UDP flow is the 4-tuple of the guest's datagrams.
 * The first datagram of an outbound flow opens a host socket, bound to the
 * same port the guest used when that port is free on the host (so that
 * protocols that look at source ports keep working) and connected to the
 * destination (after the translations of flow/nat.c: --dns-forward, the
 * gateway as host loopback). Datagrams of the guest go out with send();
 * datagrams arriving on the socket are read in batches with recvmmsg()
 * straight behind prepared Ethernet, IP and UDP headers in frames of the
 * sink; where the link offers UDP segmentation offload, the datagrams of
 * one read that fit its rules go out as one frame (udp_gso.c), which the
 * guest's kernel splits back. Inbound -u rules have one socket per port: a
 * datagram from a new peer opens a flow whose replies go back through that
 * socket with sendto(), from the address the peer sent to (pktinfo.c; a
 * peer that sends to two addresses of one wildcard listener from one port
 * is one flow, answered from the first).
 * A flow idle for UDP_TIMEOUT_MS is closed by a once-a-second timer.
 *
 * Broadcast and multicast datagrams of the guest are not forwarded (there is
 * no host segment they could mean): they are dropped and counted.
 * Datagrams larger than the guest's MTU go to it as IP fragments, as the
 * kernel would send them on such a link (packet/frag.c, doc/frag.md); the
 * guest's own fragments are reassembled before they get here.
 */

#include <errno.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "os/epref.h"
#include "packet/frag.h"
#include "packet/frame.h"
#include "packet/icmp.h"
#include "transport/listen.h"
#include "transport/pktinfo.h"
#include "transport/udp_splice.h"
#include "transport/udp_gso.h"
#include "listen.h"
#include "udp.h"

/**
 * udp_init() - Set up the UDP and ICMP engine
 * @u:		Context to initialise
 * @flows:	Flow table
 * @sink:	Frames to the guest
 * @l2:		Guest's addresses and MACs
 * @l2s:	What the link learnt of the guest
 * @nat:	Address translations
 * @epfd:	epoll descriptor
 * @no_icmp:	Disable ICMP echo
 *
 * Return: 0 on success, -errno on failure
 */
int udp_init(struct udp_ctx *u, struct flow_table *flows,
	     struct frame_sink *sink, const struct l2_conf *l2,
	     const struct l2_state *l2s, const struct nat *nat, int epfd,
	     bool no_icmp)
{
	struct itimerspec it = { { 1, 0 }, { 1, 0 } };
	int i;

	memset(u, 0, sizeof(*u));
	for (i = 0; i < FLOW_MAX; i++)
		u->flow[i].sock = u->flow[i].lsock = -1;
	u->flows = flows;
	u->sink = sink;
	u->l2 = l2;
	u->l2s = l2s;
	u->nat = nat;
	u->epfd = epfd;
	u->no_icmp = no_icmp;

	u->timer_fd = timerfd_create(CLOCK_MONOTONIC,
				     TFD_NONBLOCK | TFD_CLOEXEC);
	if (u->timer_fd < 0 || timerfd_settime(u->timer_fd, 0, &it, NULL))
		return -errno;
	return epref_ctl(epfd, EPOLL_CTL_ADD, EPOLL_TYPE_FLOW_TIMER, 0,
			 u->timer_fd, EPOLLIN);
}

/**
 * dgram_flow_new() - Allocate a flow for a datagram socket
 * @u:		Context
 * @k:		Flow key, its protocol gives the type of the flow
 * @sock:	Socket owned by the flow, registered for input; -1 for none
 * @type:	EPOLL_TYPE_UDP or EPOLL_TYPE_PING
 * @ini:	Side that opened the flow (flow.h)
 * @tgt:	Side we opened for it
 *
 * Return: flow index, or -errno (the caller closes @sock)
 */
int dgram_flow_new(struct udp_ctx *u, const struct flow_key *k, int sock,
		   int type, const struct flow_side *ini,
		   const struct flow_side *tgt)
{
	enum flow_type ft = k->proto == IPPROTO_UDP  ? FLOW_UDP :
			    k->proto == IPPROTO_ICMP ? FLOW_PING4 : FLOW_PING6;
	int idx = flow_alloc(u->flows, ft, k), rc;
	struct dgram_flow *f;

	if (idx < 0) {
		if (idx == -ENOSPC)
			log_rl(&u->rl, LOG_LVL_ERR,
			       "Flow table full: dropping datagram");
		return idx;
	}
	if (sock >= 0 && (rc = epref_ctl(u->epfd, EPOLL_CTL_ADD,
					 (enum epoll_type)type, (uint32_t)idx,
					 sock, EPOLLIN))) {
		flow_free(u->flows, idx);
		return rc;
	}
	f = &u->flow[idx];
	memset(f, 0, sizeof(*f));
	f->proto = k->proto;
	f->sock = sock;
	f->lsock = -1;
	f->gaddr = k->gaddr;
	f->raddr = k->raddr;
	f->gport = k->gport;
	f->rport = k->rport;
	f->last = clock_ms();
	flow_activate(u->flows, idx, ini, tgt);
	u->nflows++;
	return idx;
}

/**
 * dgram_flow_free() - Close a flow's socket and release the flow
 * @u:		Context
 * @idx:	Flow index
 */
void dgram_flow_free(struct udp_ctx *u, int idx)
{
	struct dgram_flow *f = &u->flow[idx];

	if (f->sock >= 0) {
		epoll_ctl(u->epfd, EPOLL_CTL_DEL, f->sock, NULL);
		close(f->sock);
	}
	memset(f, 0, sizeof(*f));
	f->sock = f->lsock = -1;
	flow_free(u->flows, idx);
	u->nflows--;
}

/**
 * udp_is_unicast() - Tell whether the guest's destination is a unicast one
 * @u:		Context
 * @a:		Destination
 *
 * Return: false for multicast, limited and subnet broadcast addresses
 */
static bool udp_is_unicast(const struct udp_ctx *u, const union inany_addr *a)
{
	const struct in_addr *v4 = inany_v4(a);
	uint32_t h, mask;

	if (!v4)
		return !IN6_IS_ADDR_MULTICAST(&a->a6);
	h = ntohl(v4->s_addr);
	mask = u->l2->prefix4 ? ~0U << (32 - u->l2->prefix4) : 0;
	if (IN_MULTICAST(h) || h == INADDR_BROADCAST)
		return false;
	return !(mask && mask != ~0U &&
		 (h & ~mask) == ~mask &&
		 (h & mask) == (ntohl(u->l2->addr4.s_addr) & mask));
}

/**
 * udp_flow_open() - Open the host socket of a new outbound flow
 * @u:		Context
 * @k:		Flow key
 *
 * Return: flow index, or -errno
 */
static int udp_flow_open(struct udp_ctx *u, const struct flow_key *k)
{
	uint16_t port, bport = k->gport;
	struct flow_side tap, host;
	const struct nat_fam *nf;
	union sockaddr_inany sa, b;
	union inany_addr dst, any;
	socklen_t sl, bl;
	int s, idx;

	nat_outbound(u->nat, &k->raddr, k->rport, &dst, &port);
	nf = nat_fam(u->nat, &dst);
	sl = inany_to_sockaddr(&sa, &dst, port, 0);
	s = socket(sa.sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		   IPPROTO_UDP);
	if (s < 0)
		return -errno;
	sock_bufs_max(s);
	if (*nf->out_if)
		setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, nf->out_if,
			   (socklen_t)strlen(nf->out_if));

	/* Same source port as the guest if it's free here, else any */
	if (nf->out_set) {
		any = nf->out;
	} else {
		memset(&any, 0, sizeof(any));
		if (inany_is_v4(&dst))
			inany_from_v4(&any, (struct in_addr){ INADDR_ANY });
	}
	bl = inany_to_sockaddr(&b, &any, k->gport, 0);
	if (bind(s, &b.sa, bl)) {
		bport = 0;
		bl = inany_to_sockaddr(&b, &any, 0, 0);
		if (bind(s, &b.sa, bl))
			log_rl(&u->rl, LOG_LVL_DEBUG, "UDP: bind: %s",
			       strerror(errno));
	}
	flow_side_tap(&tap, k);
	flow_side_set(&host, FLOW_IF_HOST, &dst, port, &any, bport);
	if (connect(s, &sa.sa, sl)) {
		idx = -errno;
		close(s);
		return idx;
	}
	/* not errno: a failed bind() above may have left it set */
	if ((idx = dgram_flow_new(u, k, s, EPOLL_TYPE_UDP, &tap, &host)) < 0)
		close(s);
	return idx;
}

/**
 * udp_tap_input() - Handle a UDP datagram from the guest
 * @u:		Context
 * @p:		Packet, located by pkt_parse_ip()
 */
void udp_tap_input(struct udp_ctx *u, const struct pkt_l4 *p)
{
	struct flow_key k = { .proto = IPPROTO_UDP };
	struct frame_udp ud;
	int idx;

	if (!frame_udp_parse(p->l4, &ud) || !ud.ok) {
		log_rl(&u->rl, LOG_LVL_DEBUG, "UDP: malformed datagram");
		return;
	}
	if (!udp_is_unicast(u, &p->dst)) {
		log_rl(&u->rl, LOG_LVL_DEBUG,
		       "UDP: broadcast or multicast datagram not forwarded");
		return;
	}
	k.gaddr = p->src;
	k.raddr = p->dst;
	k.gport = ud.sport;
	k.rport = ud.dport;

	idx = flow_lookup(u->flows, &k);
	if (idx >= 0 && u->flow[idx].proto != IPPROTO_UDP)
		return;
	if (idx < 0 && (idx = udp_flow_open(u, &k)) < 0) {
		log_rl(&u->rl, LOG_LVL_DEBUG, "UDP: no socket: %s",
		       strerror(-idx));
		return;
	}
	u->flow[idx].last = clock_ms();
	u->q_idx[u->nq] = idx;
	u->q_iov[u->nq].iov_base = (void *)ud.data.p;
	u->q_iov[u->nq].iov_len = ud.data.len;
	if (++u->nq == UDP_BATCH)
		udp_tap_batch_end(u);
}

/* Longest datagram of the guest sent with UDP_SEGMENT: one that fits a
 * 1500-byte path in IPv6. A route with a smaller MTU refuses the send, and
 * the flow then goes on without (udp_send_run()).
 */
#define UDP_GSO_SEG_MAX (1500 - 40 - 8)

/**
 * udp_send_ctl() - Control messages of a send towards a host socket
 * @f:		Flow
 * @buf:	Control buffer, aligned for struct cmsghdr
 * @room:	Its size
 * @seg:	Segment size of a gathered send (UDP_SEGMENT), 0 for none
 *
 * Return: bytes of control messages written, 0 for none
 */
static size_t udp_send_ctl(const struct dgram_flow *f, char *buf,
			   size_t room, size_t seg)
{
	uint16_t seg16 = (uint16_t)seg;
	size_t used = 0;

	if (seg)
		used = cmsg_put(buf, room, SOL_UDP, UDP_SEGMENT, &seg16,
				sizeof(seg16));
	/* an answer through a wildcard listener: from where the peer sent */
	if (f->sock < 0 && f->laddr_set)
		used += pktinfo_put(buf + used, room - used,
				    f->peer.sa.sa_family, &f->laddr);
	return used;
}

/**
 * udp_send_run() - Send queued datagrams of one flow, gathered where they can
 * @u:		Context
 * @start:	First queue entry
 * @end:	Entry after the last one
 * @gso:	Gather runs of datagrams into sends with UDP_SEGMENT
 *
 * Return: datagrams sent
 */
static unsigned int udp_send_run(struct udp_ctx *u, unsigned int start,
				 unsigned int end, bool gso)
{
	union {
		char buf[CMSG_SPACE(sizeof(uint16_t)) + PKTINFO_SPACE];
		struct cmsghdr align;
	} ctl[UDP_BATCH];
	struct dgram_flow *f = &u->flow[u->q_idx[start]];
	int fd = f->sock >= 0 ? f->sock : f->lsock;
	unsigned int first[UDP_BATCH + 1], m, i;
	struct mmsghdr mm[UDP_BATCH];
	int r;

	memset(mm, 0, sizeof(mm));
	for (m = 0, i = start; i < end; m++) {
		unsigned int k = gso ? udp_gso_count(&u->q_iov[i], end - i,
						     UDP_GSO_SEG_MAX) : 1;
		struct msghdr *mh = &mm[m].msg_hdr;
		size_t seg;

		first[m] = i;
		mh->msg_iov = &u->q_iov[i];
		mh->msg_iovlen = k;
		if (f->sock < 0) {
			mh->msg_name = &f->peer;
			mh->msg_namelen = f->peer_len;
		}
		seg = k > 1 ? u->q_iov[i].iov_len : 0;
		mh->msg_controllen = udp_send_ctl(f, ctl[m].buf,
						  sizeof(ctl[m].buf), seg);
		if (mh->msg_controllen)
			mh->msg_control = ctl[m].buf;
		i += k;
	}
	first[m] = end;
	r = sendmmsg(fd, mm, m, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (r == (int)m)
		return end - start;
	if (r < 0)
		r = 0;
	/* A gathered send that failed: the route may not take it (MTU below
	 * the segment size, no checksum offload). Once more without: if that
	 * goes, the flow sends one by one from now on.
	 */
	if (gso && mm[r].msg_hdr.msg_iovlen > 1) {
		i = udp_send_run(u, first[r], end, false);
		if (i) {
			f->no_gso = true;
			log_rl(&u->rl, LOG_LVL_DEBUG,
			       "UDP: segmentation offload refused, not used");
		}
		return first[r] - start + i;
	}
	return first[r] - start;
}

/**
 * udp_tap_batch_end() - Send the guest's queued datagrams, one call per run
 *			 of datagrams of the same flow (sendmmsg())
 * @u:		Context
 */
void udp_tap_batch_end(struct udp_ctx *u)
{
	unsigned int i, start, sent;

	for (start = 0; start < u->nq; start = i) {
		const struct dgram_flow *f = &u->flow[u->q_idx[start]];

		for (i = start; i < u->nq && u->q_idx[i] == u->q_idx[start];
		     i++)
			;
		sent = udp_send_run(u, start, i, !f->no_gso);
		if (sent < i - start)
			log_rl(&u->rl, LOG_LVL_DEBUG,
			       "UDP: %u of %u datagrams sent: %s", sent,
			       i - start, strerror(errno));
	}
	u->nq = 0;
}

/**
 * udp_frames_begin() - Reserve frames and point receive buffers at them
 * @u:		Context
 * @v4:		IPv4 frames
 * @bufs:	Frame buffers, filled
 * @iov:	Payload areas, filled
 *
 * Return: number of frames reserved
 */
static unsigned int udp_frames_begin(struct udp_ctx *u, bool v4,
				     uint8_t **bufs, struct iovec *iov)
{
	size_t cap, off = v4 ? FRAME_UDP4_DATA : FRAME_UDP6_DATA;
	size_t max = v4 ? 65535 - 20 - 8 : 65535 - 8;
	unsigned int n, i;

	n = u->sink->reserve(u->sink, UDP_BATCH, bufs, &cap);
	for (i = 0; i < n; i++) {
		iov[i].iov_base = bufs[i] + off;
		iov[i].iov_len = MIN(cap - off, max);
	}
	return n;
}

/* Datagrams over the guest's MTU (and those after them in the same batch,
 * to keep the order), waiting to go out as IP fragments
 */
static struct frag_out udp_frag_out;
_Static_assert(UDP_BATCH <= FRAG_OUT_FRAMES, "a batch fits the queue");

/**
 * udp_frame_fill() - Write the headers of a frame around a received payload
 * @u:		Context
 * @f:		Flow
 * @buf:	Frame buffer, payload behind the headers of @f's family
 * @len:	Payload length
 * @cap:	Buffer size
 * @partial:	Leave the UDP checksum to the guest's kernel (offload)
 *
 * Return: frame length, 0 if it doesn't fit
 */
static size_t udp_frame_fill(const struct udp_ctx *u,
			     const struct dgram_flow *f, uint8_t *buf,
			     size_t len, size_t cap, bool partial)
{
	const uint8_t *dmac = l2_guest_dst_mac(u->l2s);
	const struct in_addr *v4 = inany_v4(&f->gaddr);
	struct pbuf b;

	pbuf_init(&b, buf, cap);
	if (v4) {
		frame_udp4_begin(&b, dmac, u->l2->our_mac);
		b.len += len;
		return frame_udp4_finish(&b, f->raddr.v4mapped.a4, *v4,
					 f->rport, f->gport, partial);
	}
	frame_udp6_begin(&b, dmac, u->l2->our_mac);
	b.len += len;
	return frame_udp6_finish(&b, &f->raddr.a6, &f->gaddr.a6, f->rport,
				 f->gport, partial);
}

/**
 * udp_frame_commit() - Finish a frame around a received datagram
 * @u:		Context
 * @f:		Flow
 * @buf:	Frame buffer
 * @len:	Datagram length
 * @cap:	Buffer size
 */
static void udp_frame_commit(struct udp_ctx *u, const struct dgram_flow *f,
			     uint8_t *buf, size_t len, size_t cap)
{
	size_t flen = udp_frame_fill(u, f, buf, len, cap, false);

	/* Over the MTU, or behind one that is: sent by udp_frag_flush() */
	if (frag_out_defer(&udp_frag_out, u->l2->mtu, buf, flen))
		flen = 0;
	u->sink->commit(u->sink, buf, flen, NULL);
}

/**
 * udp_frag_flush() - Send the frames of this batch that wait for fragments
 * @u:		Context, every frame reserved in the batch committed
 */
static void udp_frag_flush(struct udp_ctx *u)
{
	if (udp_frag_out.n &&
	    frag_out_flush(&udp_frag_out, u->sink, u->l2->mtu))
		log_rl(&u->rl, LOG_LVL_DEBUG,
		       "UDP: datagram over the MTU not sent as fragments");
}

/**
 * udp_gso_finish() - Commit the frame being gathered, if any
 * @u:		Context
 * @g:		Gathering state, reset
 *
 * One datagram goes out as any other; several as one frame with UDP
 * segmentation offload, the checksum left to the namespace's kernel.
 */
static void udp_gso_finish(struct udp_ctx *u, struct udp_gso *g)
{
	const struct dgram_flow *f = g->flow;
	struct frame_offload o;
	size_t flen;

	if (!g->lead || !f)
		return;
	if (g->cnt == 1) {
		udp_frame_commit(u, f, g->lead, g->bytes, g->cap);
		g->lead = NULL;
		return;
	}
	flen = udp_frame_fill(u, f, g->lead, g->bytes, g->cap, true);
	o.l4_off = FRAME_ETH_HLEN + (inany_is_v4(&f->gaddr) ? FRAME_IP4_HLEN :
							       FRAME_IP6_HLEN);
	o.csum_off = 6;		/* RFC 768: checksum field */
	o.gso = FRAME_GSO_UDP_L4;
	o.gso_size = (uint16_t)g->seg;
	o.hdr_len = (uint16_t)g->off;
	u->sink->commit(u->sink, g->lead, flen, flen ? &o : NULL);
	g->lead = NULL;
}

/**
 * udp_dgram_out() - Queue a received datagram for the guest
 * @u:		Context
 * @g:		Frame being gathered for this batch
 * @f:		Flow
 * @buf:	Frame buffer, payload behind the headers of @f's family
 * @len:	Datagram length
 * @cap:	Buffer size
 */
static void udp_dgram_out(struct udp_ctx *u, struct udp_gso *g,
			  const struct dgram_flow *f, uint8_t *buf, size_t len,
			  size_t cap)
{
	bool v4 = inany_is_v4(&f->gaddr);
	size_t off = v4 ? FRAME_UDP4_DATA : FRAME_UDP6_DATA;
	size_t l3 = v4 ? FRAME_IP4_HLEN : FRAME_IP6_HLEN;

	if (udp_gso_append(g, f, buf + off, len)) {
		u->sink->commit(u->sink, buf, 0, NULL);
		return;
	}
	udp_gso_finish(u, g);
	/* Only what fits the MTU, and nothing behind a fragmented one */
	if (u->sink->udp_gso && !udp_frag_out.n &&
	    len + l3 + FRAME_UDP_HLEN <= u->l2->mtu) {
		udp_gso_start(g, f, buf, off, cap, len,
			      UINT16_MAX - FRAME_UDP_HLEN -
			      (v4 ? FRAME_IP4_HLEN : 0));
		return;
	}
	udp_frame_commit(u, f, buf, len, cap);
}

/**
 * udp_unreachable() - Tell the guest its datagrams hit a closed port
 * @u:		Context
 * @f:		Flow whose socket got ECONNREFUSED
 *
 * The kernel reports an ICMP port unreachable on a connected socket as
 * ECONNREFUSED. The guest gets its own ICMP(v6) error, from the remote
 * address, quoting the IP and UDP headers of a datagram of the flow (RFC
 * 792, RFC 4443 3.1): enough for its kernel to find the socket.
 */
static void udp_unreachable(struct udp_ctx *u, const struct dgram_flow *f)
{
	size_t cap, flen;
	struct pbuf b;
	uint8_t *buf;

	if (!u->sink->reserve(u->sink, 1, &buf, &cap))
		return;
	pbuf_init(&b, buf, cap);
	flen = icmp_port_unreach(&b, l2_guest_dst_mac(u->l2s), u->l2->our_mac,
				 &f->gaddr, &f->raddr, f->gport, f->rport);
	u->sink->commit(u->sink, buf, flen, NULL);
}

/**
 * udp_sock_batch() - Read one batch of datagrams of a flow, to the guest
 * @u:		Context
 * @f:		Flow, with a socket of its own
 *
 * Return: datagrams read, -1 if the flow got a port unreachable
 */
static int udp_sock_batch(struct udp_ctx *u, struct dgram_flow *f)
{
	struct udp_gso g = { .lead = NULL };
	struct mmsghdr mm[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	uint8_t *bufs[UDP_BATCH];
	unsigned int n, i;
	int r;

	n = udp_frames_begin(u, inany_is_v4(&f->gaddr), bufs, iov);
	memset(mm, 0, sizeof(mm));
	for (i = 0; i < n; i++) {
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	r = n ? recvmmsg(f->sock, mm, n, MSG_DONTWAIT, NULL) : 0;
	if (r < 0 && errno == ECONNREFUSED) {
		for (i = 0; i < n; i++)
			u->sink->commit(u->sink, bufs[i], 0, NULL);
		udp_unreachable(u, f);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((int)i >= r || (mm[i].msg_hdr.msg_flags & MSG_TRUNC)) {
			u->sink->commit(u->sink, bufs[i], 0, NULL);
			continue;
		}
		udp_dgram_out(u, &g, f, bufs[i], mm[i].msg_len,
			      iov[i].iov_len + (size_t)((uint8_t *)
			      iov[i].iov_base - bufs[i]));
	}
	udp_gso_finish(u, &g);
	udp_frag_flush(u);
	if (r > 0)
		f->last = clock_ms();
	return r;
}

/**
 * udp_sock_handler() - Datagrams on a flow's socket: to the guest
 * @u:		Context
 * @idx:	Flow index
 *
 * Reads up to UDP_SOCK_BATCHES batches while they come full, each written
 * out before the next: the loop may have napped (loop.c), and the socket
 * queued a stream meanwhile.
 */
void udp_sock_handler(struct udp_ctx *u, uint32_t idx)
{
	struct dgram_flow *f = &u->flow[idx];
	unsigned int k;

	if (f->proto != IPPROTO_UDP || f->sock < 0)
		return;
	for (k = 0; k < UDP_SOCK_BATCHES; k++) {
		if (udp_sock_batch(u, f) < UDP_BATCH)
			break;
		/* out with this batch: the next one has the whole pool */
		u->sink->flush(u->sink);
	}
}

/**
 * udp_listen() - Open sockets for the inbound UDP rules
 * @u:		Context
 * @fwd:	Rules (UDP ones are used)
 * @freebind:	Set IP_FREEBIND
 * @gap:	Per rule of @fwd: ports served by one family only (counted),
 *		NULL if not wanted
 * @rec:	Told of every port opened, NULL for nobody
 *
 * "auto" rules are left to the port scanner (fwd_auto.c), which opens their
 * ports with udp_listen_port().
 *
 * Return: 0, or -errno if a rule could not be bound as compat.md 5.1 wants
 *	   (logged: listen_table())
 */
int udp_listen(struct udp_ctx *u, const struct fwd_table *fwd, bool freebind,
	       struct listen_gap *gap, const struct listen_rec *rec)
{
	struct listen_req q;

	u->fwd = fwd;
	listen_req_init(&q, u->epfd, IPPROTO_UDP, LISTEN_HOST, -1, freebind);
	q.rec = rec;
	return listen_table(&q, fwd, gap);
}

/**
 * udp_listen_port() - Open and register the sockets of one port of a rule
 * @u:		Context, with its rules set by udp_listen()
 * @rule:	Index of the rule in the table
 * @port:	Port, within the rule
 * @freebind:	Set IP_FREEBIND
 * @ls:		Set to the sockets (one, or one per family: listen.h)
 *
 * Return: 0, or -errno if nothing could be opened (nothing logged)
 */
int udp_listen_port(struct udp_ctx *u, int rule, uint16_t port, bool freebind,
		    struct listen_socks *ls)
{
	struct listen_req q;

	listen_req_init(&q, u->epfd, IPPROTO_UDP, LISTEN_HOST, -1, freebind);
	return listen_port(&q, u->fwd, (unsigned int)rule, port, ls);
}

/**
 * udp_unlisten_port() - Close a socket opened by udp_listen_port()
 * @u:		Context
 * @fd:		Socket
 *
 * Flows that answer their peers through this socket go with it, spliced
 * ones too: they would answer through whatever socket takes its number.
 */
void udp_unlisten_port(struct udp_ctx *u, int fd)
{
	int idx;

	for (idx = 0; idx < FLOW_MAX && u->nflows; idx++) {
		if (u->flow[idx].proto == IPPROTO_UDP &&
		    u->flow[idx].lsock == fd)
			dgram_flow_free(u, idx);
	}
	if (u->splice)
		udp_splice_forget_lsock(u->splice, fd);
	listen_close(u->epfd, fd);
}

/**
 * udp_inbound_flow() - Flow of a datagram from a peer to a forwarded port
 * @u:		Context
 * @rule:	Rule of the port
 * @port:	Port the datagram arrived on
 * @fd:		Its socket
 * @peer:	Peer's address
 * @plen:	Its length
 * @laddr:	Address the datagram was sent to, NULL if unknown
 *
 * Return: flow index, or -errno
 */
static int udp_inbound_flow(struct udp_ctx *u, const struct fwd_rule *rule,
			    uint16_t port, int fd,
			    const union sockaddr_inany *peer, socklen_t plen,
			    const union inany_addr *laddr)
{
	struct flow_key k = { .proto = IPPROTO_UDP };
	struct flow_side host, tap;
	struct dgram_flow *f;
	int idx, rc;

	if (inany_from_sockaddr(&k.raddr, &k.rport, peer))
		return -EAFNOSUPPORT;
	flow_side_set(&host, FLOW_IF_HOST, &k.raddr, k.rport,
		      laddr ? laddr : &rule->addr, port);
	if ((rc = listen_peer_key(u->nat, u->l2, u->l2s, rule, port, &k)))
		return rc;

	idx = flow_lookup(u->flows, &k);
	if (idx >= 0)
		return u->flow[idx].proto == IPPROTO_UDP ? idx : -EEXIST;
	flow_side_tap(&tap, &k);
	idx = dgram_flow_new(u, &k, -1, EPOLL_TYPE_UDP, &host, &tap);
	if (idx < 0)
		return idx;
	f = &u->flow[idx];
	f->lsock = fd;
	memcpy(&f->peer, peer, plen);
	f->peer_len = plen;
	if (laddr) {
		f->laddr = *laddr;
		f->laddr_set = true;
	}
	return idx;
}

/**
 * udp_listen_spliced() - pasta: hand a datagram from a loopback peer to the
 *			  splice path (udp_splice.c) instead of the guest
 * @u:		Context
 * @rule:	Rule of the listener
 * @port:	Listening port
 * @fd:		Listening socket
 * @peer:	Sender
 * @plen:	Length of @peer
 * @laddr:	Address the datagram was sent to, NULL if unknown
 * @payload:	Datagram, valid until udp_splice_flush()
 * @len:	Its length
 *
 * Return: true if the splice path took (or dropped) the datagram
 */
static bool udp_listen_spliced(struct udp_ctx *u, const struct fwd_rule *rule,
			       uint16_t port, int fd,
			       const union sockaddr_inany *peer,
			       socklen_t plen, const union inany_addr *laddr,
			       void *payload, size_t len)
{
	struct iovec iov = { payload, len };

	return u->splice && udp_splice_from_host(u->splice, rule, port, fd,
						 peer, plen, laddr, &iov);
}

/**
 * udp_listen_handler() - Datagrams to a forwarded port: to the guest
 * @u:		Context
 * @ref_idx:	Rule index and port, epref_listen()
 * @fd:		Socket of the port
 */
void udp_listen_handler(struct udp_ctx *u, uint32_t ref_idx, int fd)
{
	const struct fwd_rule *rule =
		&u->fwd->rules[epref_listen_rule(ref_idx)];
	uint16_t port = epref_listen_port(ref_idx);
	union pktinfo_ctl ctl[UDP_BATCH];
	union sockaddr_inany peers[UDP_BATCH];
	struct udp_gso g = { .lead = NULL };
	union inany_addr dst;
	struct mmsghdr mm[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	uint8_t *bufs[UDP_BATCH];
	unsigned int n, i;
	int r, idx;
	bool v4 = inany_is_v4(&rule->addr) &&
		  !(rule->flags & FWD_DUAL_STACK);

	/* A dual-stack socket may carry both: room for the larger headers */
	n = udp_frames_begin(u, v4, bufs, iov);
	memset(mm, 0, sizeof(mm));
	for (i = 0; i < n; i++) {
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_name = &peers[i];
		mm[i].msg_hdr.msg_namelen = sizeof(peers[i]);
		mm[i].msg_hdr.msg_control = &ctl[i];
		mm[i].msg_hdr.msg_controllen = sizeof(ctl[i].buf);
	}
	r = n ? recvmmsg(fd, mm, n, MSG_DONTWAIT, NULL) : 0;
	for (i = 0; i < n; i++) {
		uint8_t *payload = iov[i].iov_base;
		const union inany_addr *laddr = NULL;

		if ((int)i < r && pktinfo_dst(&mm[i].msg_hdr, &dst))
			laddr = &dst;
		if ((int)i >= r || (mm[i].msg_hdr.msg_flags & MSG_TRUNC) ||
		    udp_listen_spliced(u, rule, port, fd, &peers[i],
				       mm[i].msg_hdr.msg_namelen, laddr,
				       payload, mm[i].msg_len) ||
		    (idx = udp_inbound_flow(u, rule, port, fd, &peers[i],
					    mm[i].msg_hdr.msg_namelen,
					    laddr)) < 0) {
			u->sink->commit(u->sink, bufs[i], 0, NULL);
			continue;
		}
		u->flow[idx].last = clock_ms();
		/* IPv4 peer on a frame laid out for IPv6: move the payload */
		if (!v4 && inany_is_v4(&u->flow[idx].gaddr))
			memmove(bufs[i] + FRAME_UDP4_DATA, payload,
				mm[i].msg_len);
		udp_dgram_out(u, &g, &u->flow[idx], bufs[i], mm[i].msg_len,
			      iov[i].iov_len + (size_t)(payload - bufs[i]));
	}
	udp_gso_finish(u, &g);
	udp_frag_flush(u);
	if (u->splice)
		udp_splice_flush(u->splice);
}

/**
 * udp_timer_handler() - Once a second: close flows idle for too long
 * @u:		Context
 */
void udp_timer_handler(struct udp_ctx *u)
{
	uint64_t expired, now = clock_ms();
	int idx;

	if (read(u->timer_fd, &expired, sizeof(expired)) < 0)
		return;
	if (u->splice)
		udp_splice_timer(u->splice);
	if (!u->nflows)
		return;
	for (idx = 0; idx < FLOW_MAX; idx++) {
		const struct dgram_flow *f = &u->flow[idx];
		uint64_t limit = f->proto == IPPROTO_UDP ? UDP_TIMEOUT_MS :
							   ICMP_TIMEOUT_MS;

		if (f->proto && now - f->last > limit)
			dgram_flow_free(u, idx);
	}
}
