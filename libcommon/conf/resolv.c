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
 * conf_dns_apply() - Use parsed resolv.conf for what the user didn't give
 * @c:		Configuration: DNS unless -D was given, search unless -S
 * @r:		Parsed resolv.conf
 *
 * Loopback and unspecified nameservers are skipped: the guest can't reach
 * the host's loopback without a host-loopback mapping.
 *
 * Return: number of nameservers skipped that way
 */
int conf_dns_apply(struct conf *c, const struct resolv_conf *r)
{
	struct l2_conf *l2 = &c->l2;
	int skipped = 0, i;

	for (i = 0; !c->dns_set && i < r->ns4_n; i++) {
		uint32_t h = ntohl(r->ns4[i].s_addr);

		if (conf_in4_is_loopback(h) || h == INADDR_ANY)
			skipped++;
		else if (l2->dns4_n < L2_MAX_DNS)
			l2->dns4[l2->dns4_n++] = r->ns4[i];
	}
	for (i = 0; !c->dns_set && i < r->ns6_n; i++) {
		const struct in6_addr *a = &r->ns6[i];

		if (IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_UNSPECIFIED(a))
			skipped++;
		else if (l2->dns6_n < L2_MAX_DNS)
			l2->dns6[l2->dns6_n++] = *a;
	}
	/* --dns-forward goes to the first resolver unless --dns-host says */
	if (!c->dns_host4_set && r->ns4_n) {
		c->dns_host4 = r->ns4[0];
		c->dns_host4_set = true;
	}
	if (!c->dns_host6_set && r->ns6_n) {
		c->dns_host6 = r->ns6[0];
		c->dns_host6_set = true;
	}
	if (!c->search_set) {
		for (i = 0; i < r->search_n && i < L2_MAX_SEARCH; i++)
			memcpy(l2->search[i], r->search[i],
			       sizeof(l2->search[i]));
		l2->search_n = i;
	}
	return skipped;
}
