// SPDX-License-Identifier: GPL-2.0-or-later
/* fwd_parse.c - port forwarding specs (-t/-u/-T/-U) into rules, and the
 *		 host's ephemeral port range
 *
 * Theory of operation: see fwd.h. A spec is read as a bounded view over the
 * option string: an optional LISTEN part up to the first "/", then chunks
 * separated by ",". The first pass over the chunks collects exclusions into
 * a port bitmap and notes "auto", "all" and whether any inclusion exists; the
 * second pass turns each inclusion (or, without any, the whole port space
 * minus the ephemeral range) into rules, one per run of ports that are not
 * excluded. Every rule is checked against the table before it is appended
 * (fwd_rules_conflict(), fwd.c), and a failure rolls the table back to where
 * the spec started. The ephemeral range the second pass leaves out is read
 * beforehand from the kernel's sysctl file, through a bounded view too.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "base/view.h"
#include "flow/fwd.h"

#define FWD_NUM_PORTS 65536
#define FWD_SPEC_MAX  4096 /* longer specs are refused */
#define FWD_ADDR_MAX  64   /* longest address text we try to convert */

/**
 * struct fwd_range - A run of ports
 * @first:	First port
 * @last:	Last port
 */
struct fwd_range {
	uint16_t first;
	uint16_t last;
};

/**
 * struct fwd_spec - State of the parse of one spec
 * @ctx:	Parse context
 * @spec:	The whole spec, for messages
 * @chunks:	The CHUNKS part of the spec
 * @base:	Template rules, one per listening address (two for -T/-U
 *		without SO_BINDTODEVICE)
 * @nbase:	Number of template rules
 * @excl:	Bitmap of excluded ports
 * @flags:	Flags added to every rule (FWD_AUTO)
 * @inclusion:	The spec has at least one inclusion chunk
 * @all_taddr:	Target address given with "all:TADDR"
 * @all_taddr_set: @all_taddr is valid
 * @err:	Buffer for the error message
 * @errlen:	Its size
 */
struct fwd_spec {
	const struct fwd_parse_ctx *ctx;
	const char *spec;
	struct pview chunks;
	struct fwd_rule base[2];
	int nbase;
	uint8_t excl[FWD_NUM_PORTS / 8];
	uint8_t flags;
	bool inclusion;
	union inany_addr all_taddr;
	bool all_taddr_set;
	char *err;
	size_t errlen;
};

/**
 * fwd_fail() - Write an error message, and return the error
 * @s:		Parse state, holding the message buffer
 * @fmt:	Message format
 *
 * Return: -EINVAL
 */
static int fwd_fail(const struct fwd_spec *s, const char *fmt, ...)
	PRINTF_FMT(2, 3);
static int fwd_fail(const struct fwd_spec *s, const char *fmt, ...)
{
	va_list ap;

	if (s->err && s->errlen) {
		va_start(ap, fmt);
		/* clang-analyzer 14 loses va_start() behind the separate
		 * format-attribute prototype: false positive
		 */
		vsnprintf(s->err, s->errlen, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
		va_end(ap);
	}
	return -EINVAL;
}

/**
 * fwd_bad() - Report a malformed spec
 * @s:		Parse state
 * @why:	What is wrong
 *
 * Return: -EINVAL
 */
static int fwd_bad(const struct fwd_spec *s, const char *why)
{
	return fwd_fail(s, "Invalid port specifier '%s' for %s: %s", s->spec,
			s->ctx->optname, why);
}

/* Bounded views over the spec text */

/**
 * sv_find() - Offset of the first occurrence of a character in a view
 * @v:		View
 * @c:		Character
 *
 * Return: its offset, or @v.len if absent
 */
static size_t sv_find(struct pview v, char c)
{
	uint8_t b;
	size_t i;

	for (i = 0; pview_u8(v, i, &b); i++) {
		if (b == (uint8_t)c)
			return i;
	}
	return v.len;
}

/**
 * sv_is() - Check whether a view holds exactly a given string
 * @v:		View
 * @s:		String
 *
 * Return: true if equal
 */
static bool sv_is(struct pview v, const char *s)
{
	size_t n = strlen(s);
	const void *p = pview_get(v, 0, n);

	return v.len == n && (!n || (p && !memcmp(p, s, n)));
}

/**
 * sv_first() - First character of a view
 * @v:		View
 *
 * Return: the character, 0 for an empty view
 */
static char sv_first(struct pview v)
{
	uint8_t b = 0;

	pview_u8(v, 0, &b);
	return (char)b;
}

/**
 * sv_cstr() - Copy a view into a NUL-terminated string
 * @v:		View
 * @buf:	Destination
 * @size:	Its size
 *
 * Return: true on success, false if it doesn't fit or holds a NUL
 */
static bool sv_cstr(struct pview v, char *buf, size_t size)
{
	if (v.len >= size || !pview_copy(v, 0, buf, v.len))
		return false;
	buf[v.len] = '\0';
	return strlen(buf) == v.len;
}

/**
 * fwd_parse_port() - Parse a decimal port number, 1 to 65535
 * @v:		Text
 * @port:	Port, set on success
 *
 * Return: true on success
 */
static bool fwd_parse_port(struct pview v, uint16_t *port)
{
	uint32_t val = 0;
	uint8_t b;
	size_t i;

	if (!v.len)
		return false;
	for (i = 0; pview_u8(v, i, &b); i++) {
		if (b < '0' || b > '9')
			return false;
		val = val * 10 + (b - '0');
		if (val >= FWD_NUM_PORTS)
			return false;
	}
	if (!val) /* port 0 is never forwarded */
		return false;
	*port = (uint16_t)val;
	return true;
}

/**
 * fwd_parse_range() - Parse PORT[-PORT]
 * @v:		Text
 * @r:		Range, set on success
 *
 * Return: true on success, false if malformed or reversed
 */
static bool fwd_parse_range(struct pview v, struct fwd_range *r)
{
	size_t dash = sv_find(v, '-');

	if (!fwd_parse_port(pview_sub(v, 0, dash), &r->first))
		return false;
	if (dash == v.len) {
		r->last = r->first;
		return true;
	}
	if (!fwd_parse_port(pview_tail(v, dash + 1), &r->last))
		return false;
	return r->first <= r->last;
}

/**
 * fwd_parse_addr() - Parse an IPv4 or IPv6 address, optionally in brackets
 * @v:		Text
 * @a:		Address, set on success
 *
 * Return: true on success
 */
static bool fwd_parse_addr(struct pview v, union inany_addr *a)
{
	char buf[FWD_ADDR_MAX];
	struct in6_addr a6;
	struct in_addr a4;

	if (sv_first(v) == '[') {
		uint8_t close = 0;

		if (v.len < 2 || !pview_u8(v, v.len - 1, &close) ||
		    close != ']')
			return false;
		v = pview_sub(v, 1, v.len - 2);
	}
	if (!sv_cstr(v, buf, sizeof(buf)))
		return false;
	if (inet_pton(AF_INET, buf, &a4) == 1) {
		inany_from_v4(a, a4);
		return true;
	}
	if (inet_pton(AF_INET6, buf, &a6) == 1) {
		inany_from_v6(a, &a6);
		return true;
	}
	return false;
}

/**
 * fwd_ifname_valid() - Check an interface name: 1..15 characters, not "."
 *			or "..", no "/" and no whitespace
 * @name:	Name, NUL-terminated
 *
 * Return: true if valid
 */
static bool fwd_ifname_valid(const char *name)
{
	size_t len = strlen(name);

	if (!len || len >= IFNAMSIZ)
		return false;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	return !strpbrk(name, "/ \t\n\v\f\r");
}

/**
 * fwd_none() - Handle the spec "none"
 * @t:		Table
 * @s:		Parse state
 *
 * Return: 0, or -EINVAL if the table already has rules of this protocol
 */
static int fwd_none(struct fwd_table *t, const struct fwd_spec *s)
{
	int i;

	for (i = 0; i < t->n; i++) {
		if (t->rules[i].proto == s->ctx->proto)
			return fwd_fail(
				s, "%s none conflicts with previous options",
				s->ctx->optname);
	}
	if (s->ctx->proto == IPPROTO_TCP)
		t->none_tcp = true;
	else
		t->none_udp = true;
	return 0;
}

/**
 * fwd_excl_set() - Mark a range of ports as excluded
 * @s:		Parse state
 * @first:	First port
 * @last:	Last port
 */
static void fwd_excl_set(struct fwd_spec *s, unsigned int first,
			 unsigned int last)
{
	unsigned int p;

	for (p = first; p <= last && p < FWD_NUM_PORTS; p++)
		s->excl[p / 8] |= (uint8_t)(1U << (p % 8));
}

/**
 * fwd_excl_isset() - Check whether a port is excluded
 * @s:		Parse state
 * @port:	Port
 *
 * Return: true if excluded
 */
static bool fwd_excl_isset(const struct fwd_spec *s, unsigned int port)
{
	return s->excl[port / 8] & (1U << (port % 8));
}

/**
 * fwd_append() - Check a rule against the table, and append it
 * @t:		Table
 * @s:		Parse state
 * @r:		Rule
 *
 * Return: 0, or -EINVAL on conflict or if the table is full
 */
static int fwd_append(struct fwd_table *t, const struct fwd_spec *s,
		      const struct fwd_rule *r)
{
	char a[FWD_RULE_STRLEN], b[FWD_RULE_STRLEN];
	int i;

	for (i = 0; i < t->n; i++) {
		if (!fwd_rules_conflict(r, &t->rules[i]))
			continue;
		fwd_rule_fmt(r, a, sizeof(a));
		fwd_rule_fmt(&t->rules[i], b, sizeof(b));
		return fwd_fail(
			s, "Forwarding configuration conflict: %s versus %s", a,
			b);
	}
	if (t->n >= FWD_MAX_RULES)
		return fwd_fail(s,
				"Too many forwarding rules for %s (maximum %d)",
				s->ctx->optname, FWD_MAX_RULES);
	t->rules[t->n++] = *r;
	return 0;
}

/**
 * fwd_add_runs() - Append one rule per run of non-excluded ports in a range
 * @t:		Table
 * @s:		Parse state
 * @tmpl:	Template rule: address, device, target address, flags
 * @first:	First listening port
 * @last:	Last listening port
 * @to:		Target port of @first
 *
 * Return: 0, or -EINVAL
 */
static int fwd_add_runs(struct fwd_table *t, const struct fwd_spec *s,
			const struct fwd_rule *tmpl, unsigned int first,
			unsigned int last, unsigned int to)
{
	struct fwd_rule r = *tmpl;
	unsigned int p, end;
	int rc;

	for (p = first; p <= last; p = end + 1) {
		if (fwd_excl_isset(s, p)) {
			end = p;
			continue;
		}
		for (end = p; end < last && !fwd_excl_isset(s, end + 1); end++)
			;
		r.first = (uint16_t)p;
		r.last = (uint16_t)end;
		r.to = (uint16_t)(to + (p - first));
		rc = fwd_append(t, s, &r);
		if (rc)
			return rc;
	}
	return 0;
}

/**
 * fwd_taddr_check() - Validate a target address against a listening rule
 * @s:		Parse state
 * @base:	Template rule with the listening address
 * @taddr:	Target address
 *
 * Return: 0, or -EINVAL
 */
static int fwd_taddr_check(const struct fwd_spec *s,
			   const struct fwd_rule *base,
			   const union inany_addr *taddr)
{
	const struct in_addr *v4 = inany_v4(taddr);

	if (base->flags & FWD_DUAL_STACK)
		return fwd_fail(
			s,
			"Target address not allowed with the dual-stack "
			"wildcard in '%s' (use 0.0.0.0/ or [::]/)",
			s->spec);
	if (inany_is_v4(&base->addr) != !!v4)
		return fwd_fail(s,
				"Target address family doesn't match listening "
				"address in '%s'",
				s->spec);
	if (v4 ? IN_MULTICAST(ntohl(v4->s_addr))
	       : IN6_IS_ADDR_MULTICAST(&taddr->a6))
		return fwd_fail(s, "Multicast target address in '%s'", s->spec);
	if (inany_is_unspecified(taddr))
		return fwd_fail(s, "Unspecified target address in '%s'",
				s->spec);
	return 0;
}

/**
 * fwd_parse_target() - Parse TARGET: TADDR/RANGE, TADDR or RANGE, in order
 * @s:		Parse state
 * @v:		Text after ":"
 * @from:	Listening range
 * @to:		Target range, set on success
 * @taddr:	Target address, set if given
 * @taddr_set:	Set if a target address was given
 *
 * Return: 0, or -EINVAL
 */
static int fwd_parse_target(const struct fwd_spec *s, struct pview v,
			    const struct fwd_range *from, struct fwd_range *to,
			    union inany_addr *taddr, bool *taddr_set)
{
	size_t slash = sv_find(v, '/');

	*to = *from;
	*taddr_set = false;
	if (slash < v.len) {
		if (!fwd_parse_addr(pview_sub(v, 0, slash), taddr))
			return fwd_bad(s, "bad target address");
		*taddr_set = true;
		if (!fwd_parse_range(pview_tail(v, slash + 1), to))
			return fwd_bad(s, "bad target port range");
	} else if (fwd_parse_addr(v, taddr)) {
		*taddr_set = true;
	} else if (!fwd_parse_range(v, to)) {
		return fwd_bad(s, "bad target");
	}
	if (to->last - to->first != from->last - from->first)
		return fwd_bad(s, "target range length differs");
	return 0;
}

/**
 * fwd_inclusion() - Add the rules of one inclusion chunk, RANGE[:TARGET]
 * @t:		Table
 * @s:		Parse state
 * @base:	Template rule with the listening address
 * @c:		Chunk
 *
 * Return: 0, or -EINVAL
 */
static int fwd_inclusion(struct fwd_table *t, const struct fwd_spec *s,
			 const struct fwd_rule *base, struct pview c)
{
	size_t colon = sv_find(c, ':');
	struct fwd_rule tmpl = *base;
	struct fwd_range from, to;
	int rc;

	if (!fwd_parse_range(pview_sub(c, 0, colon), &from))
		return fwd_bad(s, "bad port range");
	to = from;
	if (colon < c.len) {
		rc = fwd_parse_target(s, pview_tail(c, colon + 1), &from, &to,
				      &tmpl.taddr, &tmpl.taddr_set);
		if (rc)
			return rc;
	}
	if (tmpl.taddr_set) {
		rc = fwd_taddr_check(s, base, &tmpl.taddr);
		if (rc)
			return rc;
	}
	tmpl.flags |= s->flags;
	return fwd_add_runs(t, s, &tmpl, from.first, from.last, to.first);
}

/**
 * fwd_next_chunk() - Split off the next chunk of a comma-separated list
 * @rest:	Text left, advanced past the chunk and its comma
 * @more:	Set if a comma followed the chunk
 *
 * Return: the chunk (possibly empty)
 */
static struct pview fwd_next_chunk(struct pview *rest, bool *more)
{
	size_t comma = sv_find(*rest, ',');
	struct pview c = pview_sub(*rest, 0, comma);

	*more = comma < rest->len;
	*rest = *more ? pview_tail(*rest, comma + 1) : pview_make(NULL, 0);
	return c;
}

/**
 * fwd_scan_all() - First pass on an "all" or "all:TADDR" chunk
 * @s:		Parse state
 * @c:		Chunk, starting with "all"
 *
 * Return: 0, or -EINVAL
 */
static int fwd_scan_all(struct fwd_spec *s, struct pview c)
{
	union inany_addr a;

	if (c.len == 3)
		return 0;
	if (sv_first(pview_tail(c, 3)) != ':' ||
	    !fwd_parse_addr(pview_tail(c, 4), &a))
		return fwd_bad(s, "bad 'all' target address");
	if (s->all_taddr_set && !inany_equals(&a, &s->all_taddr))
		return fwd_bad(s, "two 'all' target addresses");
	s->all_taddr = a;
	s->all_taddr_set = true;
	return 0;
}

/**
 * fwd_scan_chunk() - First pass on one chunk: exclusions, "auto", "all"
 * @s:		Parse state
 * @c:		Chunk
 *
 * Return: 0, or -EINVAL
 */
static int fwd_scan_chunk(struct fwd_spec *s, struct pview c)
{
	struct fwd_range r;
	char first = sv_first(c);

	if (!c.len)
		return fwd_bad(s, "empty chunk");
	if (first >= '0' && first <= '9') {
		s->inclusion = true; /* parsed in the second pass */
		return 0;
	}
	if (sv_is(c, "auto")) {
		if (!s->ctx->pasta)
			return fwd_fail(s, "'auto' port forwarding is only "
					   "allowed for pasta");
		s->flags |= FWD_AUTO;
		return 0;
	}
	if (sv_is(pview_sub(c, 0, 3), "all"))
		return fwd_scan_all(s, c);
	if (first != '~' || !fwd_parse_range(pview_tail(c, 1), &r))
		return fwd_bad(s, "bad chunk");
	fwd_excl_set(s, r.first, r.last);
	return 0;
}

/**
 * fwd_scan() - First pass over all chunks
 * @s:		Parse state
 *
 * Return: 0, or -EINVAL
 */
static int fwd_scan(struct fwd_spec *s)
{
	struct pview rest = s->chunks;
	bool more = true;
	unsigned int n;
	int rc;

	if (!rest.len)
		return fwd_bad(s, "no ports");
	for (n = 0; more && n <= FWD_SPEC_MAX; n++) {
		rc = fwd_scan_chunk(s, fwd_next_chunk(&rest, &more));
		if (rc)
			return rc;
	}
	if (s->inclusion && s->all_taddr_set)
		return fwd_bad(s, "'all:TADDR' with explicit ports");
	return 0;
}

/**
 * fwd_add_base() - Second pass for one listening address
 * @t:		Table
 * @s:		Parse state
 * @base:	Template rule with the listening address
 *
 * Return: 0, or -EINVAL
 */
static int fwd_add_base(struct fwd_table *t, struct fwd_spec *s,
			const struct fwd_rule *base)
{
	struct pview rest = s->chunks, c;
	struct fwd_rule tmpl = *base;
	bool more = true;
	unsigned int n;
	int rc;

	if (!s->inclusion) {
		/* compat.md 5.1: everything minus exclusions and the
		 * ephemeral range, best effort
		 */
		if (s->all_taddr_set) {
			rc = fwd_taddr_check(s, base, &s->all_taddr);
			if (rc)
				return rc;
			tmpl.taddr = s->all_taddr;
			tmpl.taddr_set = true;
		}
		tmpl.flags |= s->flags | FWD_BEST_EFFORT;
		fwd_excl_set(s, s->ctx->eph_first, s->ctx->eph_last);
		return fwd_add_runs(t, s, &tmpl, 1, FWD_NUM_PORTS - 1, 1);
	}
	for (n = 0; more && n <= FWD_SPEC_MAX; n++) {
		c = fwd_next_chunk(&rest, &more);
		if (sv_first(c) < '0' || sv_first(c) > '9')
			continue; /* done in the first pass */
		rc = fwd_inclusion(t, s, base, c);
		if (rc)
			return rc;
	}
	return 0;
}

/**
 * fwd_base_add() - Add a template rule for a listening address
 * @s:		Parse state
 * @addr:	Address
 * @dual:	Dual-stack wildcard
 * @ifname:	Device, "" for none
 */
static void fwd_base_add(struct fwd_spec *s, const union inany_addr *addr,
			 bool dual, const char *ifname)
{
	struct fwd_rule *b = &s->base[s->nbase++];

	memset(b, 0, sizeof(*b));
	b->addr = *addr;
	b->proto = s->ctx->proto;
	b->flags = dual ? FWD_DUAL_STACK : 0;
	snprintf(b->ifname, sizeof(b->ifname), "%s", ifname);
}

/**
 * fwd_base_wildcard() - Template rule for "any address"
 * @s:		Parse state
 * @ifname:	Device, "" for none
 */
static void fwd_base_wildcard(struct fwd_spec *s, const char *ifname)
{
	union inany_addr a;

	if (s->ctx->v4 && !s->ctx->v6) {
		inany_from_v4(&a, (struct in_addr){htonl(INADDR_ANY)});
		fwd_base_add(s, &a, false, ifname);
		return;
	}
	inany_from_v6(&a, &in6addr_any);
	fwd_base_add(s, &a, s->ctx->v4, ifname);
}

/**
 * fwd_base_outbound() - Template rules of -T/-U: device "lo", or the
 *			 loopback addresses without SO_BINDTODEVICE
 * @s:		Parse state
 */
static void fwd_base_outbound(struct fwd_spec *s)
{
	union inany_addr a;

	if (!s->ctx->no_bindtodevice) {
		fwd_base_wildcard(s, "lo");
		return;
	}
	if (s->ctx->v4) {
		inany_from_v4(&a, (struct in_addr){htonl(INADDR_LOOPBACK)});
		fwd_base_add(s, &a, false, "");
	}
	if (s->ctx->v6) {
		inany_from_v6(&a, &in6addr_loopback);
		fwd_base_add(s, &a, false, "");
	}
}

/**
 * fwd_is_listen() - Tell whether the text before the first "/" is LISTEN,
 *		     rather than the start of a chunk with a target address
 *		     ("22:192.0.2.1/80")
 * @v:		Text before the first "/"
 *
 * Return: true if it is to be parsed as LISTEN
 */
static bool fwd_is_listen(struct pview v)
{
	union inany_addr a;
	char first = sv_first(v);

	if (sv_find(v, ',') < v.len)
		return false;
	if (first < '0' || first > '9' || sv_find(v, ':') == v.len)
		return true;
	/* digits and a colon: an IPv6 address, or PORT:TADDR */
	return fwd_parse_addr(pview_sub(v, 0, sv_find(v, '%')), &a);
}

/**
 * fwd_parse_listen() - Parse LISTEN into template rules
 * @s:		Parse state
 * @v:		Text before the "/"
 *
 * Return: 0, or -EINVAL
 */
static int fwd_parse_listen(struct fwd_spec *s, struct pview v)
{
	size_t pct = sv_find(v, '%');
	struct pview addr = pview_sub(v, 0, pct);
	char ifname[IFNAMSIZ + 1] = "", abuf[FWD_ADDR_MAX];
	union inany_addr a;
	bool v4;

	if (s->ctx->outbound)
		return fwd_fail(s, "Listening address not allowed for %s %s",
				s->ctx->optname, s->spec);
	if (pct < v.len &&
	    (!sv_cstr(pview_tail(v, pct + 1), ifname, sizeof(ifname)) ||
	     !fwd_ifname_valid(ifname)))
		return fwd_fail(s, "Invalid interface name in '%s'", s->spec);
	if (ifname[0] && s->ctx->no_bindtodevice)
		return fwd_fail(s,
				"Device binding for '%s %s' unsupported "
				"(requires kernel 5.7+)",
				s->ctx->optname, s->spec);
	if (!addr.len || sv_is(addr, "*")) {
		fwd_base_wildcard(s, ifname);
		return 0;
	}
	if (!fwd_parse_addr(addr, &a)) {
		if (!sv_cstr(addr, abuf, sizeof(abuf)))
			snprintf(abuf, sizeof(abuf), "(too long)");
		return fwd_fail(s, "Bad forwarding address '%s'", abuf);
	}
	v4 = inany_is_v4(&a);
	if (v4 ? !s->ctx->v4 : !s->ctx->v6)
		return fwd_fail(s, "%s forward, but %s not enabled: '%s'",
				v4 ? "IPv4" : "IPv6", v4 ? "IPv4" : "IPv6",
				s->spec);
	fwd_base_add(s, &a, false, ifname);
	return 0;
}

/**
 * fwd_parse_head() - Split LISTEN from CHUNKS and set the template rules
 * @s:		Parse state
 * @v:		Whole spec
 *
 * Return: 0, or -EINVAL
 */
static int fwd_parse_head(struct fwd_spec *s, struct pview v)
{
	size_t slash = sv_find(v, '/');
	struct pview head = pview_sub(v, 0, slash);

	if (slash < v.len && fwd_is_listen(head)) {
		s->chunks = pview_tail(v, slash + 1);
		return fwd_parse_listen(s, head);
	}
	s->chunks = v;
	if (s->ctx->outbound)
		fwd_base_outbound(s);
	else
		fwd_base_wildcard(s, "");
	return 0;
}

/**
 * fwd_spec_parse() - Parse one -t/-u/-T/-U spec and append its rules
 * @t:		Table, rules appended (left unchanged on failure)
 * @ctx:	Parse context
 * @spec:	Spec, as given on the command line (compat.md 5.1)
 * @err:	Buffer for a one-line error message
 * @errlen:	Its size (FWD_ERR_LEN is enough)
 *
 * Return: 0, or -EINVAL with a message in @err
 */
int fwd_spec_parse(struct fwd_table *t, const struct fwd_parse_ctx *ctx,
		   const char *spec, char *err, size_t errlen)
{
	int n0 = t->n, rc, i;
	struct fwd_spec s;
	size_t len;

	memset(&s, 0, sizeof(s));
	s.ctx = ctx;
	s.spec = spec ? spec : "";
	s.err = err;
	s.errlen = errlen;
	len = strnlen(s.spec, FWD_SPEC_MAX + 1);
	if (len > FWD_SPEC_MAX)
		return fwd_fail(&s, "Port specifier for %s too long",
				ctx->optname);
	if (!ctx->v4 && !ctx->v6)
		return fwd_fail(&s, "No IP version enabled for %s",
				ctx->optname);
	if (!strcmp(s.spec, "none"))
		return fwd_none(t, &s);

	rc = fwd_parse_head(&s, pview_make(s.spec, len));
	if (!rc)
		rc = fwd_scan(&s);
	for (i = 0; !rc && i < s.nbase; i++)
		rc = fwd_add_base(t, &s, &s.base[i]);
	if (rc)
		t->n = n0;
	return rc;
}

/**
 * fwd_parse_uint() - Read a decimal number from a view
 * @v:		View
 * @off:	Offset, advanced past the digits
 * @val:	Value, set
 *
 * Return: true if at least one digit was read and the value fits 16 bits
 */
static bool fwd_parse_uint(struct pview v, size_t *off, uint32_t *val)
{
	size_t start = *off;
	uint8_t b;

	*val = 0;
	while (pview_u8(v, *off, &b) && b >= '0' && b <= '9') {
		*val = *val * 10 + (b - '0');
		if (*val >= FWD_NUM_PORTS)
			return false;
		(*off)++;
	}
	return *off > start;
}

/**
 * fwd_skip_space() - Skip blanks and newlines in a view
 * @v:		View
 * @off:	Offset, advanced
 */
static void fwd_skip_space(struct pview v, size_t *off)
{
	uint8_t b;

	while (pview_u8(v, *off, &b) && strchr(" \t\n", b) && b)
		(*off)++;
}

/**
 * fwd_ephemeral_range() - Read the host's ephemeral port range
 * @path:	Normally /proc/sys/net/ipv4/ip_local_port_range ("FIRST\tLAST")
 * @first:	First port, set (49152 on any error)
 * @last:	Last port, set (65535 on any error)
 *
 * Return: 0, or -errno (-EINVAL for bad content) with the fallback set
 */
int fwd_ephemeral_range(const char *path, uint16_t *first, uint16_t *last)
{
	char buf[64];
	size_t off = 0;
	uint32_t a, b;
	struct pview v;
	ssize_t n;
	int fd;

	*first = FWD_EPHEMERAL_FIRST;
	*last = FWD_EPHEMERAL_LAST;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return (int)n;
	v = pview_make(buf, (size_t)n);
	fwd_skip_space(v, &off);
	if (!fwd_parse_uint(v, &off, &a))
		return -EINVAL;
	fwd_skip_space(v, &off);
	if (!fwd_parse_uint(v, &off, &b))
		return -EINVAL;
	fwd_skip_space(v, &off);
	if (off != v.len || !a || a > b)
		return -EINVAL;
	*first = (uint16_t)a;
	*last = (uint16_t)b;
	return 0;
}
