// SPDX-License-Identifier: GPL-2.0-or-later
/* resolv.c - resolv.conf(5) parser, and its use as default DNS settings
 *
 * See resolv.h for the theory of operation.
 */
#include <arpa/inet.h>
#include <string.h>

#include "conf/conf.h"
#include "conf/parse.h"
#include "conf/resolv.h"
#include "flow/nat.h"

/* Longest nameserver token we look at: an IPv6 address and a zone index */
#define RESOLV_NS_MAX (INET6_ADDRSTRLEN + IFNAMSIZ)

/**
 * resolv_is_blank() - Separator between words of a line
 * @b:		Byte
 *
 * Return: true for space, tab and carriage return
 */
static bool resolv_is_blank(uint8_t b)
{
	return b == ' ' || b == '\t' || b == '\r';
}

/**
 * resolv_token() - Next word of a line
 * @line:	Line, without its newline
 * @pos:	Offset to start from, moved past the word
 *
 * Return: view of the word, empty (len 0) if there is none
 */
static struct pview resolv_token(struct pview line, size_t *pos)
{
	size_t start, end;
	uint8_t b;

	for (start = *pos; pview_u8(line, start, &b); start++) {
		if (!resolv_is_blank(b))
			break;
	}
	for (end = start; pview_u8(line, end, &b); end++) {
		if (resolv_is_blank(b))
			break;
	}
	*pos = end;
	if (end == start)
		return pview_make(NULL, 0);
	return pview_sub(line, start, end - start);
}

/**
 * resolv_token_is() - Compare a word with a keyword
 * @t:		Word
 * @kw:		Keyword
 *
 * Return: true if they are equal
 */
static bool resolv_token_is(struct pview t, const char *kw)
{
	size_t len = strlen(kw);
	const void *p = pview_get(t, 0, len);

	return t.len == len && p && !memcmp(p, kw, len);
}

/**
 * resolv_token_str() - Copy a word into a C string
 * @t:		Word
 * @buf:	Destination
 * @size:	Its size
 *
 * Return: true on success, false if empty, too long or containing a NUL
 */
static bool resolv_token_str(struct pview t, char *buf, size_t size)
{
	if (!t.len || t.len >= size || !pview_copy(t, 0, buf, t.len) ||
	    memchr(buf, '\0', t.len))
		return false;
	buf[t.len] = '\0';
	return true;
}

/**
 * resolv_nameserver() - Handle the address of a "nameserver" line
 * @r:		Parsed configuration
 * @t:		Address word, IPv6 possibly followed by "%zone"
 */
static void resolv_nameserver(struct resolv_conf *r, struct pview t)
{
	char buf[RESOLV_NS_MAX];
	struct in6_addr a6;
	struct in_addr a4;
	char *zone;

	if (!resolv_token_str(t, buf, sizeof(buf)))
		goto drop;
	if (inet_pton(AF_INET, buf, &a4) == 1) {
		if (r->ns4_n >= RESOLV_MAX_NS)
			goto drop;
		r->ns4[r->ns4_n++] = a4;
		return;
	}
	zone = strchr(buf, '%');
	if (zone)
		*zone = '\0';
	if (inet_pton(AF_INET6, buf, &a6) != 1 || r->ns6_n >= RESOLV_MAX_NS)
		goto drop;
	r->ns6[r->ns6_n++] = a6;
	return;
drop:
	r->ns_dropped++;
}

/**
 * resolv_search_add() - Append a domain to the search list
 * @r:		Parsed configuration
 * @t:		Domain word: printable, not too long, else skipped
 */
static void resolv_search_add(struct resolv_conf *r, struct pview t)
{
	char *dst;
	size_t i;

	if (r->search_n >= L2_MAX_SEARCH)
		return;
	dst = r->search[r->search_n];
	if (!resolv_token_str(t, dst, L2_DOMAIN_MAX + 1))
		return;
	for (i = 0; i < t.len; i++) {
		if ((unsigned char)dst[i] < '!' || (unsigned char)dst[i] > '~')
			return;
	}
	r->search_n++;
}

/**
 * resolv_line() - Handle one line
 * @r:		Parsed configuration
 * @line:	Line, without its newline
 */
static void resolv_line(struct resolv_conf *r, struct pview line)
{
	size_t pos = 0;
	struct pview kw = resolv_token(line, &pos), t;

	/* Keywords start in the first column: this also skips ';' and '#' */
	if (!kw.len || kw.p != line.p)
		return;
	if (resolv_token_is(kw, "nameserver")) {
		resolv_nameserver(r, resolv_token(line, &pos));
	} else if (resolv_token_is(kw, "search")) {
		r->search_n = 0;
		while ((t = resolv_token(line, &pos)).len)
			resolv_search_add(r, t);
	} else if (resolv_token_is(kw, "domain")) {
		r->search_n = 0;
		t = resolv_token(line, &pos);
		if (t.len)
			resolv_search_add(r, t);
	}
}

/**
 * resolv_parse() - Parse the content of a resolv.conf file
 * @v:		File content
 * @r:		Result, overwritten
 */
void resolv_parse(struct pview v, struct resolv_conf *r)
{
	size_t off = 0;

	memset(r, 0, sizeof(*r));
	while (off < v.len) {
		struct pview rest = pview_tail(v, off);
		const uint8_t *nl;
		size_t len;

		if (!rest.len)
			break;
		nl = memchr(rest.p, '\n', rest.len);
		len = nl ? (size_t)(nl - rest.p) : rest.len;
		resolv_line(r, pview_sub(rest, 0, len));
		off += len + 1;
	}
}

/**
 * resolv_lists() - Resolvers and search list the guest is given
 * @r:		Parsed resolv.conf
 * @l2:		Its resolvers (and search list, if @search) replaced
 * @dns:	Replace the resolvers
 * @search:	Replace the search list
 *
 * Loopback and unspecified nameservers are skipped: the guest can't reach
 * the host's loopback without a host-loopback mapping.
 *
 * Return: number of nameservers skipped that way
 */
static int resolv_lists(const struct resolv_conf *r, struct l2_conf *l2,
			bool dns, bool search)
{
	int skipped = 0, i;

	for (i = 0; dns && i < r->ns4_n; i++) {
		uint32_t h = ntohl(r->ns4[i].s_addr);

		if (conf_in4_is_loopback(h) || h == INADDR_ANY)
			skipped++;
		else if (l2->dns4_n < L2_MAX_DNS)
			l2->dns4[l2->dns4_n++] = r->ns4[i];
	}
	for (i = 0; dns && i < r->ns6_n; i++) {
		const struct in6_addr *a = &r->ns6[i];

		if (IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_UNSPECIFIED(a))
			skipped++;
		else if (l2->dns6_n < L2_MAX_DNS)
			l2->dns6[l2->dns6_n++] = *a;
	}
	if (search) {
		for (i = 0; i < r->search_n && i < L2_MAX_SEARCH; i++)
			memcpy(l2->search[i], r->search[i],
			       sizeof(l2->search[i]));
		l2->search_n = i;
	}
	return skipped;
}

/**
 * conf_dns_apply() - Use parsed resolv.conf for what the user didn't give
 * @c:		Configuration: DNS unless -D was given, search unless -S
 * @r:		Parsed resolv.conf
 *
 * Return: number of loopback or unspecified nameservers skipped
 */
int conf_dns_apply(struct conf *c, const struct resolv_conf *r)
{
	/* --dns-forward goes to the first resolver unless --dns-host says */
	if (!c->dns_host4_set && r->ns4_n) {
		c->dns_host4 = r->ns4[0];
		c->dns_host4_set = true;
	}
	if (!c->dns_host6_set && r->ns6_n) {
		c->dns_host6 = r->ns6[0];
		c->dns_host6_set = true;
	}
	return resolv_lists(r, &c->l2, !c->dns_set, !c->search_set);
}

/**
 * resolv_follow() - Apply a changed resolv.conf to what is running
 * @c:		Configuration: says what the user pinned
 * @r:		resolv.conf as parsed now
 * @l2:		What DHCP, DHCPv6 and router advertisements hand out: its
 *		resolvers and search list, unless pinned, replaced
 * @n:		Translations: the resolver --dns-forward goes to, unless
 *		--dns-host pinned it
 *
 * A file without any nameserver changes no resolver (resolver managers
 * write one while they switch networks): the last ones stay in use.
 * -D/--dns (or -D none) pins the resolvers handed out, -S/--search the
 * search list, --dns-host the target of --dns-forward; --no-dhcp-dns and
 * --no-dhcp-search, which hand nothing out, leave the lists alone too.
 *
 * Return: RESOLV_CHG_* bits of what changed
 */
unsigned int resolv_follow(const struct conf *c, const struct resolv_conf *r,
			   struct l2_conf *l2, struct nat *n)
{
	bool dns = !c->dns_set && !c->dns_none && !l2->no_dhcp_dns &&
		   (r->ns4_n || r->ns6_n);
	bool search = !c->search_set && !c->search_none && !l2->no_dhcp_search;
	struct l2_conf old = *l2;
	unsigned int chg = 0;
	union inany_addr a;

	if (c->dns_fwd4_set && !c->dns_host4_given && r->ns4_n) {
		inany_from_v4(&a, r->ns4[0]);
		if (!n->v4.dns_set || !inany_equals(&a, &n->v4.dns_host))
			chg |= RESOLV_CHG_FWD4;
		/* no resolver at start: the forwarder wasn't set up either */
		inany_from_v4(&n->v4.dns_fwd, c->dns_fwd4);
		n->v4.dns_host = a;
		n->v4.dns_set = true;
	}
	if (c->dns_fwd6_set && !c->dns_host6_given && r->ns6_n) {
		inany_from_v6(&a, &r->ns6[0]);
		if (!n->v6.dns_set || !inany_equals(&a, &n->v6.dns_host))
			chg |= RESOLV_CHG_FWD6;
		inany_from_v6(&n->v6.dns_fwd, &c->dns_fwd6);
		n->v6.dns_host = a;
		n->v6.dns_set = true;
	}

	if (dns)
		l2->dns4_n = l2->dns6_n = 0;
	resolv_lists(r, l2, dns, search);
	if (l2->dns4_n != old.dns4_n || l2->dns6_n != old.dns6_n ||
	    memcmp(l2->dns4, old.dns4, sizeof(l2->dns4)) != 0 ||
	    memcmp(l2->dns6, old.dns6, sizeof(l2->dns6)) != 0)
		chg |= RESOLV_CHG_DNS;
	if (l2->search_n != old.search_n ||
	    memcmp(l2->search, old.search, sizeof(l2->search)) != 0)
		chg |= RESOLV_CHG_SEARCH;
	return chg;
}
