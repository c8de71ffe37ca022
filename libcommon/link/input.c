// SPDX-License-Identifier: GPL-2.0-or-later
/* input.c - what every link does with a frame from the guest
 *
 * Theory of operation: whatever carries the frames (a tap device, qemu's
 * stream socket), each one from the guest takes the same path: it goes to the
 * capture file, its source MAC becomes the guest's MAC (struct l2_state, the
 * only thing we learn at run time: configuration stays read-only), the L2
 * responders
 * (ARP, DHCP, NDP, DHCPv6) get the first look and their reply goes straight
 * back through the link, and anything they don't claim goes to the link's
 * l3 handler, the transports.
 *
 * When a guest appears (qemu connects, pasta's tap is up), link_greet() asks
 * for its addresses first, with an ARP request and a Neighbour Solicitation
 * built by the responders: the guest answers with its MAC and learns ours,
 * before either side has anything to send.
 *
 * A guest that forms its IPv6 address by SLAAC doesn't use the address we
 * would hand out by DHCPv6: once it sends from another address of the
 * advertised prefix, that address becomes the guest's, so that inbound
 * connections reach it.
 */

#include <arpa/inet.h>
#include <net/ethernet.h>
#include <netinet/icmp6.h>
#include <netinet/ip6.h>
#include <stddef.h>
#include <string.h>

#include "base/log.h"
#include "link/input.h"
#include "link/pcap.h"
#include "packet/sink.h"

/**
 * link_learn_mac() - Remember the guest's MAC from a frame it sent
 * @st:		What was learnt of the guest, guest_mac updated
 * @frame:	Frame from the guest
 */
void link_learn_mac(struct l2_state *st, struct pview frame)
{
	const struct ether_header *eh = pview_get(frame, 0, sizeof(*eh));

	if (!eh || (eh->ether_shost[0] & 1) || mac_is_zero(eh->ether_shost))
		return;
	if (memcmp(st->guest_mac, eh->ether_shost, ETH_ADDR_LEN) != 0) {
		memcpy(st->guest_mac, eh->ether_shost, ETH_ADDR_LEN);
		log_debug("Guest MAC address: %02x:%02x:%02x:%02x:%02x:%02x",
			  eh->ether_shost[0], eh->ether_shost[1],
			  eh->ether_shost[2], eh->ether_shost[3],
			  eh->ether_shost[4], eh->ether_shost[5]);
	}
}

/**
 * link_learn_addr6() - Take the guest's own IPv6 addresses from its frames
 * @l2:		L2 configuration: the prefix a global address must be in
 * @st:		What was learnt of the guest, addr6_seen and ll6_seen
 *		updated (l2->addr6 stays what DHCPv6 hands out)
 * @frame:	Frame from the guest
 */
static void link_learn_addr6(const struct l2_conf *l2, struct l2_state *st,
			     struct pview frame)
{
	char buf[INET6_ADDRSTRLEN];
	struct in6_addr src, *seen;
	const uint8_t *p;
	uint16_t type;

	if (!l2->v6 || !pview_be16(frame, 12, &type) || type != ETHERTYPE_IPV6)
		return;
	/* bytes, not a struct: the header needn't be aligned in the frame */
	p = pview_get(frame, ETHER_HDR_LEN + offsetof(struct ip6_hdr, ip6_src),
		      sizeof(src));
	if (!p)
		return;
	memcpy(&src, p, sizeof(src));
	seen = IN6_IS_ADDR_LINKLOCAL(&src) ? &st->ll6_seen : &st->addr6_seen;
	if (IN6_ARE_ADDR_EQUAL(&src, seen) || IN6_IS_ADDR_MULTICAST(&src) ||
	    IN6_IS_ADDR_UNSPECIFIED(&src))
		return;
	if (seen == &st->addr6_seen &&
	    (l2->prefix6 < 1 || l2->prefix6 > 128 ||
	     !l2_prefix6_match(&src, &l2->addr6, l2->prefix6)))
		return;
	*seen = src;
	log_debug("Guest IPv6 %saddress: %s",
		  seen == &st->ll6_seen ? "link-local " : "",
		  inet_ntop(AF_INET6, &src, buf, sizeof(buf)));
}

/**
 * link_learn_addr4() - Take the guest's IPv4 address from its frames
 * @l2:		L2 configuration: IPv4 enabled
 * @st:		What was learnt of the guest, addr4_seen updated
 * @frame:	Frame from the guest
 *
 * Only carried by a migration (link/migrate.c), as upstream's "seen"
 * address: 0.0.0.0 (DHCP before a lease), multicast and broadcast
 * sources are not an address of the guest.
 */
static void link_learn_addr4(const struct l2_conf *l2, struct l2_state *st,
			     struct pview frame)
{
	struct in_addr src;
	const uint8_t *p;
	uint16_t type;

	if (!l2->v4 || !pview_be16(frame, 12, &type) || type != ETHERTYPE_IP)
		return;
	p = pview_get(frame, ETHER_HDR_LEN + 12, sizeof(src));
	if (!p)
		return;
	memcpy(&src, p, sizeof(src));
	if (!src.s_addr || src.s_addr == INADDR_BROADCAST ||
	    IN_MULTICAST(ntohl(src.s_addr)) ||
	    src.s_addr == st->addr4_seen.s_addr)
		return;
	st->addr4_seen = src;
}

/**
 * link_count_reply() - Count a reply of the layer-2 responders by service
 * @n:		Counters to update
 * @r:		The reply, with the responder that wrote it
 *
 * NDP answers solicitations of routers and of neighbours: the ICMPv6 type
 * of the reply (RFC 4861 4.2, 4.4) tells which.
 */
void link_count_reply(struct link_counters *n, const struct l2_reply *r)
{
	/* Ethernet, then the fixed IPv6 header: the ICMPv6 type */
	const size_t icmp6 = ETHER_HDR_LEN + 40;

	n->replies++;
	switch (r->svc) {
	case L2_SVC_ARP:
		n->l2[CNT_L2_ARP]++;
		break;
	case L2_SVC_DHCP:
		n->l2[CNT_L2_DHCP]++;
		break;
	case L2_SVC_DHCPV6:
		n->l2[CNT_L2_DHCPV6]++;
		break;
	case L2_SVC_NDP:
		if (r->len > icmp6 && r->buf[icmp6] == ND_ROUTER_ADVERT)
			n->l2[CNT_L2_NDP_RA]++;
		else if (r->len > icmp6 && r->buf[icmp6] == ND_NEIGHBOR_ADVERT)
			n->l2[CNT_L2_NDP_NA]++;
		break;
	default:
		break;
	}
}

/**
 * link_frame_in() - Handle one frame from the guest
 * @in:		Where it goes
 * @n:		Counters to update
 * @frame:	The frame
 * @flags:	LINK_F_* bits the link found for it, passed on to the l3
 *		handler
 */
void link_frame_in(const struct link_input *in, struct link_counters *n,
		   struct pview frame, unsigned int flags)
{
	static struct ratelimit rl_bad, rl_send;
	static uint8_t reply_buf[L2_REPLY_MAX];
	struct l2_reply r = {reply_buf, sizeof(reply_buf), 0};
	int ret;

	n->frames_in++;
	pcap_frame(frame.p, frame.len);
	link_learn_mac(in->st, frame);
	link_learn_addr6(in->l2, in->st, frame);
	link_learn_addr4(in->l2, in->st, frame);

	switch (l2_handle(in->l2, frame, &r)) {
	case L2_REPLY:
		link_count_reply(n, &r);
		if ((ret = in->reply(in->link, r.buf, r.len)))
			log_rl(&rl_send, LOG_LVL_DEBUG, "Reply not sent: %s",
			       strerror(-ret));
		break;
	case L2_DROP:
		n->bad++;
		log_rl(&rl_bad, LOG_LVL_DEBUG,
		       "Dropped malformed or unanswerable frame (%zu bytes)",
		       frame.len);
		break;
	case L2_TAKEN:
		break;
	case L2_NOT_MINE:
		if (in->l3) {
			in->l3(in->arg, frame, flags);
			break;
		}
		/* --trace is per frame by definition: no rate limit there */
		n->dropped++;
		log_trace("No translation for frame (%zu bytes), dropped",
			  frame.len);
		break;
	}
}

/**
 * link_greet() - Ask a new guest for its MAC, giving it ours
 * @l2:		L2 configuration: an ARP request goes out if IPv4 is on, a
 *		Neighbour Solicitation if IPv6 and NDP are
 * @s:		Sink of the link to the guest, flushed here
 *
 * Return: number of frames sent, or -errno if the sink couldn't flush them
 */
int link_greet(const struct l2_conf *l2, struct frame_sink *s)
{
	static size_t (*const build[])(const struct l2_conf *, uint8_t *,
				       size_t) = {
		arp_request_build,
		ndp_ns_build,
	};
	int sent = 0, ret;
	uint8_t *buf;
	size_t i, cap, len;

	for (i = 0; i < ARRAY_SIZE(build); i++) {
		if (!s->reserve(s, 1, &buf, &cap))
			break;
		len = build[i](l2, buf, cap);
		s->commit(s, buf, len, NULL);
		sent += !!len;
	}
	if ((ret = s->flush(s)))
		return ret;
	log_debug("Sent %d frame(s) asking for the guest's MAC", sent);
	return sent;
}
