// SPDX-License-Identifier: GPL-2.0-or-later
/* fwd.c - the port forwarding rule table: conflicts, lookup, display
 *
 * Theory of operation: see fwd.h. A table holds the rules of one direction
 * in the order they were given, filled by the spec parser (fwd_parse.c).
 * Two rules conflict when a socket of one could take connections meant for
 * the other: same protocol, overlapping ports, and listening addresses that
 * are equal or where one is a wildcard covering the other (the device is
 * not compared). A lookup takes the first rule, in table order, of the
 * protocol whose ports hold the local port traffic arrived on and whose
 * address overlaps the local address in that same sense. Rules are
 * displayed as upstream does (compat.md 5.2).
 */
#include <stdio.h>
#include <string.h>

#include "base/inany.h"
#include "flow/fwd.h"

/**
 * fwd_addr_overlap() - Check whether two rules' listening addresses overlap
 * @a:		First rule
 * @b:		Second rule
 *
 * Return: true if one socket could take connections meant for the other:
 *	   either is the dual-stack wildcard, either is the wildcard of the
 *	   other's family, or they are equal
 */
static bool fwd_addr_overlap(const struct fwd_rule *a, const struct fwd_rule *b)
{
	if ((a->flags | b->flags) & FWD_DUAL_STACK)
		return true;
	if (inany_is_unspecified(&a->addr) || inany_is_unspecified(&b->addr))
		return inany_is_v4(&a->addr) == inany_is_v4(&b->addr);
	return inany_equals(&a->addr, &b->addr);
}

/**
 * fwd_rules_conflict() - Check whether two rules would listen on the same
 *			  sockets: same protocol, overlapping addresses and
 *			  overlapping port ranges (the device is not compared)
 * @a:		First rule
 * @b:		Second rule
 *
 * Return: true on conflict
 */
bool fwd_rules_conflict(const struct fwd_rule *a, const struct fwd_rule *b)
{
	if (a->proto != b->proto || !fwd_addr_overlap(a, b))
		return false;
	return a->first <= b->last && b->first <= a->last;
}

/**
 * fwd_table_init() - Empty a table
 * @t:		Table
 */
void fwd_table_init(struct fwd_table *t)
{
	memset(t, 0, sizeof(*t));
}

/**
 * fwd_table_none() - Tell whether "none" was given for a protocol
 * @t:		Table
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 *
 * Return: true if "none" was given (rules may still follow it)
 */
bool fwd_table_none(const struct fwd_table *t, uint8_t proto)
{
	return proto == IPPROTO_TCP ? t->none_tcp : t->none_udp;
}

/**
 * fwd_proto_name() - Display name of a protocol
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 *
 * Return: "TCP", "UDP" or "?"
 */
static const char *fwd_proto_name(uint8_t proto)
{
	if (proto == IPPROTO_TCP)
		return "TCP";
	if (proto == IPPROTO_UDP)
		return "UDP";
	return "?";
}

/**
 * fwd_fmt_ports() - Format FIRST or FIRST-LAST
 * @buf:	Buffer
 * @len:	Its size
 * @first:	First port
 * @last:	Last port
 */
static void fwd_fmt_ports(char *buf, size_t len, unsigned int first,
			  unsigned int last)
{
	if (first == last)
		snprintf(buf, len, "%u", first);
	else
		snprintf(buf, len, "%u-%u", first, last);
}

/**
 * fwd_rule_fmt() - Format a rule as upstream displays it (compat.md 5.2):
 *	PROTO [ADDR or *][%IFNAME]:FIRST[-LAST]  =>  [TADDR:]TO[-TOLAST] ,
 *	then " (best effort)" and " (auto-scan)" for those flags. An IPv6
 *	target address is written in brackets.
 * @r:		Rule
 * @buf:	Buffer, FWD_RULE_STRLEN bytes are always enough
 * @len:	Its size
 */
void fwd_rule_fmt(const struct fwd_rule *r, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN] = "*", taddr[INET6_ADDRSTRLEN + 4] = "";
	char tbuf[INET6_ADDRSTRLEN];
	char from[16], to[16];
	unsigned int tolast = (unsigned int)r->to + (r->last - r->first);

	if (!(r->flags & FWD_DUAL_STACK))
		inany_ntop(&r->addr, addr, sizeof(addr));
	if (r->taddr_set) {
		inany_ntop(&r->taddr, tbuf, sizeof(tbuf));
		snprintf(taddr, sizeof(taddr),
			 inany_is_v4(&r->taddr) ? "%s:" : "[%s]:", tbuf);
	}
	fwd_fmt_ports(from, sizeof(from), r->first, r->last);
	fwd_fmt_ports(to, sizeof(to), r->to, tolast);
	snprintf(buf, len, "%s [%s]%s%.*s:%s  =>  %s%s %s%s",
		 fwd_proto_name(r->proto), addr, r->ifname[0] ? "%" : "",
		 (int)sizeof(r->ifname), r->ifname, from, taddr, to,
		 r->flags & FWD_BEST_EFFORT ? " (best effort)" : "",
		 r->flags & FWD_AUTO ? " (auto-scan)" : "");
}

/**
 * fwd_lookup() - Find the rule for a listening address and port
 * @t:		Table
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @addr:	Local address the traffic arrived on
 * @port:	Local port
 *
 * Return: the first matching rule, NULL if none
 */
const struct fwd_rule *fwd_lookup(const struct fwd_table *t, uint8_t proto,
				  const union inany_addr *addr, uint16_t port)
{
	struct fwd_rule probe = {.addr = *addr, .proto = proto};
	int i;

	probe.first = probe.last = port;
	for (i = 0; i < t->n && i < FWD_MAX_RULES; i++) {
		const struct fwd_rule *r = &t->rules[i];

		if (r->proto == proto && port >= r->first && port <= r->last &&
		    fwd_addr_overlap(r, &probe))
			return r;
	}
	return NULL;
}
