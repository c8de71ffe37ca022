/* SPDX-License-Identifier: GPL-2.0-or-later */
/* resolv.h - parser of resolv.conf(5): nameservers and the search list
 *
 * Theory of operation: resolv_parse() reads the file's bytes through a
 * bounded view, line by line, as glibc's resolver does: a keyword starts in
 * the first column and is followed by blanks; lines starting with ';' or '#'
 * are comments; "nameserver" takes one address (IPv6 possibly with a
 * "%zone", dropped here); "search" and "domain" replace the search list, so
 * the last such line wins. Anything else is ignored. conf_dns_apply() then
 * copies the result into the configuration, except what the user gave, at
 * start; resolv_follow() applies a changed file to a running instance (the
 * lists DHCP, DHCPv6 and router advertisements hand out, and where
 * --dns-forward goes), with the same exceptions.
 */
#ifndef CONF_RESOLV_H
#define CONF_RESOLV_H

#include <netinet/in.h>

#include "base/view.h"
#include "services/l2.h"

struct conf;
struct nat;

/* What resolv_follow() changed */
#define RESOLV_CHG_FWD4		(1U << 0) /* --dns-forward's IPv4 resolver */
#define RESOLV_CHG_FWD6		(1U << 1) /* --dns-forward's IPv6 resolver */
#define RESOLV_CHG_DNS		(1U << 2) /* resolvers handed out */
#define RESOLV_CHG_SEARCH	(1U << 3) /* search list handed out */

#define RESOLV_CONF_PATH "/etc/resolv.conf"
/* Largest resolv.conf we read; the rest is ignored */
#define RESOLV_CONF_MAX 32768

/* Nameservers kept per family, as the responders can hand out */
#define RESOLV_MAX_NS L2_MAX_DNS

/**
 * struct resolv_conf - What resolv.conf says
 * @ns4:	IPv4 nameservers, in file order
 * @ns4_n:	Entries used in @ns4
 * @ns6:	IPv6 nameservers, in file order, zone index dropped
 * @ns6_n:	Entries used in @ns6
 * @ns_dropped:	Nameserver lines not kept: invalid, or over the limit
 * @search:	Search domains of the last "search" or "domain" line
 * @search_n:	Entries used in @search
 */
struct resolv_conf {
	struct in_addr ns4[RESOLV_MAX_NS];
	int ns4_n;
	struct in6_addr ns6[RESOLV_MAX_NS];
	int ns6_n;
	int ns_dropped;
	char search[L2_MAX_SEARCH][L2_DOMAIN_MAX + 1];
	int search_n;
};

void resolv_parse(struct pview v, struct resolv_conf *r);
int conf_dns_apply(struct conf *c, const struct resolv_conf *r);
unsigned int resolv_follow(const struct conf *c, const struct resolv_conf *r,
			   struct l2_conf *l2, struct nat *n);

#endif /* CONF_RESOLV_H */
