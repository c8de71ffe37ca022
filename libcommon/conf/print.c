// SPDX-License-Identifier: GPL-2.0-or-later
/* print.c - conf_print(): the start-up summary of what the guest is given */
#include <arpa/inet.h>
#include <stdio.h>

#include "base/log.h"
#include "conf/conf.h"
#include "transport/listen.h"

/**
 * conf_print_dns() - Print resolvers and search list, if handed out
 * @c:		Configuration
 * @v6:		Print IPv6 resolvers, else IPv4 ones
 */
static void conf_print_dns(const struct conf *c, bool v6)
{
	const struct l2_conf *l2 = &c->l2;
	char buf[INET6_ADDRSTRLEN];
	int i, n = v6 ? l2->dns6_n : l2->dns4_n;

	if (l2->no_dhcp_dns)
		n = 0;
	if (n)
		log_info("DNS:");
	for (i = 0; i < n; i++) {
		if (v6)
			inet_ntop(AF_INET6, &l2->dns6[i], buf, sizeof(buf));
		else
			inet_ntop(AF_INET, &l2->dns4[i], buf, sizeof(buf));
		log_info("    %s", buf);
	}
	if (l2->no_dhcp_search || !l2->search_n)
		return;
	log_info("DNS search list:");
	for (i = 0; i < l2->search_n; i++)
		log_info("    %s", l2->search[i]);
}

/**
 * conf_print_v4() - DHCP part of the summary
 * @c:		Configuration
 */
static void conf_print_v4(const struct conf *c)
{
	const struct l2_conf *l2 = &c->l2;
	char a[INET_ADDRSTRLEN], m[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN];
	struct in_addr mask = conf_prefix_to_mask(l2->prefix4);

	if (!c->v4 || l2->no_dhcp)
		return;
	inet_ntop(AF_INET, &l2->addr4, a, sizeof(a));
	inet_ntop(AF_INET, &mask, m, sizeof(m));
	inet_ntop(AF_INET, &l2->gw4, g, sizeof(g));
	log_info("DHCP:");
	log_info("    assign: %s", a);
	log_info("    mask: %s", m);
	log_info("    router: %s", g);
	conf_print_dns(c, false);
}

/**
 * conf_print_v6() - NDP/DHCPv6 part of the summary
 * @c:		Configuration
 */
static void conf_print_v6(const struct conf *c)
{
	const struct l2_conf *l2 = &c->l2;
	char a[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN], ll[INET6_ADDRSTRLEN];

	if (!c->v6 || (l2->no_ndp && l2->no_dhcpv6))
		return;
	inet_ntop(AF_INET6, &l2->addr6, a, sizeof(a));
	inet_ntop(AF_INET6, &l2->gw6, g, sizeof(g));
	inet_ntop(AF_INET6, &l2->our_ll6, ll, sizeof(ll));
	log_info("NDP/DHCPv6:");
	log_info("    assign: %s", a);
	log_info("    router: %s", g);
	log_info("    our link-local: %s", ll);
	conf_print_dns(c, true);
}

/**
 * conf_print_rules() - Print a forwarding table (compat.md 5.2), if any
 * @t:		Table
 * @gap:	Per rule: ports where a family couldn't be bound, NULL if none
 * @head:	Header line
 *
 * A rule some of whose ports are served by one family only says so after
 * upstream's text: " (IPv4 not bound: REASON)".
 */
void conf_print_rules(const struct fwd_table *t, const struct listen_gap *gap,
		      const char *head)
{
	char buf[FWD_RULE_STRLEN], note[FWD_RULE_STRLEN];
	int i;

	if (!t->n)
		return;
	log_info("%s", head);
	for (i = 0; i < t->n && i < FWD_MAX_RULES; i++) {
		fwd_rule_fmt(&t->rules[i], buf, sizeof(buf));
		*note = '\0';
		if (gap)
			listen_gap_fmt(&gap[i], &t->rules[i], note,
				       sizeof(note));
		log_info("    %s%s", buf, note);
	}
}

/**
 * conf_print_link() - Print what the tap or the guest is given
 * @c:		Configuration
 */
static void conf_print_link(const struct conf *c)
{
	const uint8_t *m = c->l2.our_mac;

	if (c->v4 && c->v6)
		log_info("Template interface: %s (IPv4), %s (IPv6)",
			 *c->ifname4 ? c->ifname4 : "none",
			 *c->ifname6 ? c->ifname6 : "none");
	else if (c->v4)
		log_info("Template interface: %s (IPv4)",
			 *c->ifname4 ? c->ifname4 : "none");
	else if (c->v6)
		log_info("Template interface: %s (IPv6)",
			 *c->ifname6 ? c->ifname6 : "none");
	if (c->mode == MODE_PASTA && c->splice_only) {
		log_info("No tap interface (--splice-only): loopback "
			 "forwarding only");
		return;
	}
	if (c->mode == MODE_PASTA)
		log_info("Namespace interface: %s", c->ns_ifname);
	log_info("MAC:");
	log_info("    host: %02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2],
		 m[3], m[4], m[5]);
	conf_print_v4(c);
	conf_print_v6(c);
}

/**
 * conf_print() - Log the configuration summary at info level
 * @c:		Configuration, after conf_resolve()
 */
void conf_print(const struct conf *c)
{
	conf_print_link(c);
}

/**
 * conf_print_fwd() - Log the forwarding tables at info level, once their
 *		      listeners were opened
 * @c:		Configuration
 * @gap_in:	Per inbound rule: ports served by one family only, or NULL
 * @gap_out:	The same for the outbound rules
 *
 * As upstream shows them (compat.md 5.2): the host side's under "HOST",
 * pasta's outbound ones under "SPLICE". Printed after binding, unlike
 * upstream, so that a rule can say which family it couldn't bind.
 */
void conf_print_fwd(const struct conf *c, const struct listen_gap *gap_in,
		    const struct listen_gap *gap_out)
{
	conf_print_rules(&c->fwd_in, gap_in,
			 "Inbound forwarding rules (HOST):");
	if (c->mode == MODE_PASTA)
		conf_print_rules(&c->fwd_out, gap_out,
				 "Outbound forwarding rules (SPLICE):");
}
