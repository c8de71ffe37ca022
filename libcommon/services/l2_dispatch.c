// SPDX-License-Identifier: GPL-2.0-or-later
/* l2_dispatch.c - dispatcher of the layer-2 responders: ARP, DHCP, NDP,
 *		   DHCPv6
 *
 * Each responder recognises its own frames and says L2_NOT_MINE for the
 * rest, so the dispatcher only tries them in turn; a frame nobody claims
 * belongs to the transport layer.
 *
 * The dispatcher sits above the responders, which all include l2.h for
 * struct l2_conf: it lives in a file of its own rather than in l2.c, so
 * that l2.h, below every responder, has no code calling up into them.
 */

#include "services/l2.h"

/**
 * l2_handle() - Offer a frame from the guest to each layer-2 responder
 * @c:		Configuration
 * @frame:	Ethernet frame from the guest
 * @r:		Reply buffer
 *
 * Return: the first verdict other than L2_NOT_MINE, L2_NOT_MINE if no
 *	   responder claims @frame
 */
enum l2_verdict l2_handle(const struct l2_conf *c, struct pview frame,
			  struct l2_reply *r)
{
	static enum l2_verdict (*const handlers[])(
		const struct l2_conf *, struct pview, struct l2_reply *) = {
		[L2_SVC_ARP] = arp_handle,
		[L2_SVC_DHCP] = dhcp_handle,
		[L2_SVC_NDP] = ndp_handle,
		[L2_SVC_DHCPV6] = dhcpv6_handle,
	};
	enum l2_verdict v = L2_NOT_MINE;
	size_t i;

	r->len = 0;
	for (i = 0; i < ARRAY_SIZE(handlers); i++) {
		v = handlers[i](c, frame, r);
		if (v != L2_NOT_MINE) {
			r->svc = (unsigned int)i;
			break;
		}
	}
	return v;
}
