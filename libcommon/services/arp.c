// SPDX-License-Identifier: GPL-2.0-or-later
/* arp.c - ARP responder (RFC 826): we own every IPv4 address but the guest's
 *
 * Theory of operation: the guest sees one router on its link, and whatever
 * address it resolves, the answer is our MAC, so that all its traffic comes
 * to us and can be mapped onto host sockets. Two kinds of requests are left
 * unanswered: those for the guest's own address (nobody else may claim it),
 * and the probes and announcements of RFC 5227 (sender address zero, or
 * equal to the target), which a guest sends to check that its address is
 * free; answering them would make its duplicate address detection fail.
 *
 * When a guest appears (qemu connects, pasta's tap comes up), we ask it
 * first: a request for its address, from our MAC and the gateway's address,
 * makes it answer with its MAC and, as a host does when it is asked,
 * remember ours for the gateway, so neither side has to resolve the other
 * before the first packet.
 */

#include <arpa/inet.h>
#include <string.h>

#include "packet/frame.h"
#include "services/l2.h"

/* RFC 826 packet format, for Ethernet hardware and IPv4 protocol addresses */
enum arp_wire {
	ARP_HRD_ETHER = 1,
	ARP_OP_REQUEST = 1,
	ARP_OP_REPLY = 2,
	ARP_PLEN_IP4 = 4,
	ARP_LEN = 28, /* fixed header and two address pairs */
};

/**
 * struct arp_msg - ARP packet for Ethernet and IPv4
 * @hrd:	Hardware address space, network order
 * @pro:	Protocol address space (ethertype), network order
 * @hln:	Hardware address length
 * @pln:	Protocol address length
 * @op:		Opcode, network order
 * @sha:	Sender hardware address
 * @spa:	Sender protocol address
 * @tha:	Target hardware address
 * @tpa:	Target protocol address
 */
struct arp_msg {
	uint16_t hrd;
	uint16_t pro;
	uint8_t hln;
	uint8_t pln;
	uint16_t op;
	uint8_t sha[ETH_ADDR_LEN];
	struct in_addr spa;
	uint8_t tha[ETH_ADDR_LEN];
	struct in_addr tpa;
} __attribute__((packed));

_Static_assert(sizeof(struct arp_msg) == ARP_LEN, "ARP layout");

/**
 * arp_is_request_to_answer() - Check an ARP request against what we answer
 * @c:		Configuration
 * @m:		Request, copied out of the frame
 *
 * Return: true if we should reply to it
 */
static bool arp_is_request_to_answer(const struct l2_conf *c,
				     const struct arp_msg *m)
{
	if (ntohs(m->hrd) != ARP_HRD_ETHER || ntohs(m->pro) != FRAME_ETH_IP4 ||
	    m->hln != ETH_ADDR_LEN || m->pln != ARP_PLEN_IP4 ||
	    ntohs(m->op) != ARP_OP_REQUEST)
		return false;

	/* RFC 5227 2.1.1 probe (sender 0) and 2.3 announcement (spa == tpa) */
	if (!m->spa.s_addr || m->spa.s_addr == m->tpa.s_addr)
		return false;

	/* Never claim the guest's own address, nor the unspecified one */
	if (!m->tpa.s_addr || m->tpa.s_addr == c->addr4.s_addr)
		return false;

	/* A request from a multicast or broadcast sender is bogus */
	return !(m->sha[0] & 1);
}

/**
 * arp_is_answer_to_us() - Check if an ARP message answers arp_request_build()
 * @c:		Configuration
 * @m:		Message, copied out of the frame
 *
 * Return: true for a reply to our MAC and the gateway's address: the
 *	   guest's MAC was learnt from the frame already, nothing to do
 */
static bool arp_is_answer_to_us(const struct l2_conf *c,
				const struct arp_msg *m)
{
	return ntohs(m->hrd) == ARP_HRD_ETHER &&
	       ntohs(m->pro) == FRAME_ETH_IP4 && m->hln == ETH_ADDR_LEN &&
	       m->pln == ARP_PLEN_IP4 && ntohs(m->op) == ARP_OP_REPLY &&
	       m->tpa.s_addr == c->gw4.s_addr &&
	       !memcmp(m->tha, c->our_mac, ETH_ADDR_LEN);
}

/**
 * arp_handle() - Answer an ARP request on behalf of every other host
 * @c:		Configuration
 * @frame:	Ethernet frame from the guest
 * @r:		Reply buffer
 *
 * Return: L2_NOT_MINE if @frame isn't ARP, L2_TAKEN for the guest's reply
 *	   to our request, L2_DROP if it is malformed, a probe or announcement,
 *	   or asks for the guest's own address, L2_REPLY with the reply in @r
 *	   otherwise
 */
enum l2_verdict arp_handle(const struct l2_conf *c, struct pview frame,
			   struct l2_reply *r)
{
	struct arp_msg req, *rep;
	struct frame_eth eth;
	struct pbuf b;

	r->len = 0;
	if (!frame_eth_parse(frame, &eth) || eth.type != FRAME_ETH_ARP)
		return L2_NOT_MINE;
	if (!c->v4 || !pview_copy(eth.payload, 0, &req, sizeof(req)))
		return L2_DROP;
	if (arp_is_answer_to_us(c, &req))
		return L2_TAKEN;
	if (!arp_is_request_to_answer(c, &req))
		return L2_DROP;

	/* RFC 826 "Packet Reception": swap the pairs, put our own as sender */
	pbuf_init(&b, r->buf, r->cap);
	if (!frame_eth_begin(&b, req.sha, c->our_mac, FRAME_ETH_ARP))
		return L2_DROP;
	rep = pbuf_reserve(&b, sizeof(*rep));
	if (!rep)
		return L2_DROP;

	*rep = req;
	rep->op = htons(ARP_OP_REPLY);
	memcpy(rep->sha, c->our_mac, ETH_ADDR_LEN);
	rep->spa = req.tpa;
	memcpy(rep->tha, req.sha, ETH_ADDR_LEN);
	rep->tpa = req.spa;

	r->len = frame_pad(&b);
	return r->len ? L2_REPLY : L2_DROP;
}

/**
 * arp_request_build() - Build a request for the guest's address, from us
 * @c:		Configuration: our MAC, the gateway and the guest's address
 * @buf:	Frame buffer
 * @cap:	Its size
 *
 * Broadcast "who has the guest's address, tell the gateway", with our MAC
 * as sender and the target MAC zero (RFC 826, "Packet Generation").
 *
 * Return: frame length (padded to 60), 0 if IPv4 is off, the guest has no
 *	   address yet, or @cap is too small
 */
size_t arp_request_build(const struct l2_conf *c, uint8_t *buf, size_t cap)
{
	static const uint8_t bcast[ETH_ADDR_LEN] = {0xff, 0xff, 0xff,
						    0xff, 0xff, 0xff};
	struct arp_msg *req;
	struct pbuf b;

	if (!c->v4 || !c->addr4.s_addr)
		return 0;
	pbuf_init(&b, buf, cap);
	if (!frame_eth_begin(&b, bcast, c->our_mac, FRAME_ETH_ARP))
		return 0;
	req = pbuf_reserve(&b, sizeof(*req));
	if (!req)
		return 0;

	req->hrd = htons(ARP_HRD_ETHER);
	req->pro = htons(FRAME_ETH_IP4);
	req->hln = ETH_ADDR_LEN;
	req->pln = ARP_PLEN_IP4;
	req->op = htons(ARP_OP_REQUEST);
	memcpy(req->sha, c->our_mac, ETH_ADDR_LEN);
	req->spa = c->gw4;
	req->tpa = c->addr4;
	return frame_pad(&b);
}
