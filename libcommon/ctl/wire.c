// SPDX-License-Identifier: GPL-2.0-or-later
/* wire.c - codec of the control protocol (pesto and -c/--conf-path)
 *
 * Theory of operation: passt and pasta listen on a UNIX stream socket given
 * with -c/--conf-path; a client (pesto) connects and the exchange is
 * upstream's, byte for byte (compat.md 5.3). Integers are big-endian.
 *
 *   server -> client  hello: "basil:s\0", u32 version (2), u32 128 (size of
 *                     a table name), u32 16 (IFNAMSIZ)
 *                     per table: u8 pif, char name[128], u32 caps,
 *                     u32 count, count rules of 56 bytes; then u8 0
 *   client -> server  (to change something) per table: u8 pif, u32 count,
 *                     count rules; then u8 0; then shutdown(SHUT_WR).
 *                     The server sends nothing back: it applies the new
 *                     tables, or refuses them all, and closes.
 *
 * A rule: addr[16] (IPv4 as v4-mapped), taddr[16] (all zero: the default
 * target), ifname[16] (NUL-terminated), u16 first, last, to, u8 proto,
 * u8 flags (enum fwd_flag). It maps to struct fwd_rule one to one, except
 * that taddr_set is "taddr not all zero": fwd_spec_parse() refuses the
 * unspecified address as a target for that reason.
 *
 * Our extension: instead of an update, a client may send "basil:q\0" and a
 * u32 request (enum ctl_req); the server answers "basil:a\0", u32 status
 * (0 or a positive errno), u32 length (at most CTL_ANS_MAX), then length
 * bytes of UTF-8 text, and closes. An upstream server reads the 'b' (0x62)
 * of the magic as the pif of a table: no pif has that number, so it refuses
 * the "update" and closes without changing anything, and our client reports
 * the request as unsupported. An upstream client never sends it, as the
 * first byte of its update is a pif (1 or 3) or the terminator (0).
 *
 * Everything here is pure: functions build bytes into a caller's buffer
 * (returning 0 when it is too small) or parse bytes through a bounded view
 * (struct pview), advanced past what was consumed on success and left alone
 * on failure. Parsers return -EAGAIN when the bytes so far are a valid
 * beginning of a message that is cut short (the caller reads more, or, at
 * end of stream, treats it as a refusal), -EINVAL for anything malformed and
 * -E2BIG for a count or length over its limit, with a one-line message.
 * Every rule is checked against the capability bits of its table, so that a
 * rule coming from the wire is one fwd_spec_parse() could have made.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/inany.h"
#include "ctl/wire.h"

#define CTL_FLAGS_KNOWN (FWD_DUAL_STACK | FWD_BEST_EFFORT | FWD_AUTO)

/* Offsets within a rule on the wire */
#define CTL_R_ADDR   0
#define CTL_R_TADDR  16
#define CTL_R_IFNAME 32
#define CTL_R_FIRST  48
#define CTL_R_LAST   50
#define CTL_R_TO     52
#define CTL_R_PROTO  54
#define CTL_R_FLAGS  55

/**
 * ctl_err() - Write a one-line error message, if there is room for one
 * @err:	Buffer, or NULL
 * @errlen:	Its size
 * @fmt:	printf() format
 */
__attribute__((format(printf, 3, 4))) static void
ctl_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	/* clang-analyzer 14 misses the va_start() above: false positive */
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/**
 * ctl_pif_name() - Name of the table of a pif
 * @pif:	enum ctl_pif
 *
 * Return: "HOST", "SPLICE", "TAP" or "?"
 */
const char *ctl_pif_name(uint8_t pif)
{
	switch (pif) {
	case CTL_PIF_HOST:
		return "HOST";
	case CTL_PIF_TAP:
		return "TAP";
	case CTL_PIF_SPLICE:
		return "SPLICE";
	default:
		return "?";
	}
}

/**
 * ctl_hello_put() - Build the server's hello
 * @buf:	Buffer
 * @len:	Its size
 *
 * Return: CTL_HELLO_LEN, 0 if @len is too small
 */
size_t ctl_hello_put(uint8_t *buf, size_t len)
{
	struct pbuf b;

	pbuf_init(&b, buf, len);
	pbuf_put(&b, CTL_MAGIC, CTL_MAGIC_LEN);
	pbuf_be32(&b, CTL_VERSION);
	pbuf_be32(&b, CTL_PIF_NAME_SIZE);
	pbuf_be32(&b, CTL_IFNAMSIZ);
	return b.overflow ? 0 : b.len;
}

/**
 * ctl_rule_put() - Encode a rule
 * @r:		Rule
 * @out:	Its 56 bytes
 */
void ctl_rule_put(const struct fwd_rule *r, uint8_t out[CTL_RULE_LEN])
{
	memset(out, 0, CTL_RULE_LEN);
	memcpy(out + CTL_R_ADDR, &r->addr, 16);
	if (r->taddr_set)
		memcpy(out + CTL_R_TADDR, &r->taddr, 16);
	memcpy(out + CTL_R_IFNAME, r->ifname,
	       strnlen(r->ifname, CTL_IFNAMSIZ - 1));
	out[CTL_R_FIRST] = (uint8_t)(r->first >> 8);
	out[CTL_R_FIRST + 1] = (uint8_t)r->first;
	out[CTL_R_LAST] = (uint8_t)(r->last >> 8);
	out[CTL_R_LAST + 1] = (uint8_t)r->last;
	out[CTL_R_TO] = (uint8_t)(r->to >> 8);
	out[CTL_R_TO + 1] = (uint8_t)r->to;
	out[CTL_R_PROTO] = r->proto;
	out[CTL_R_FLAGS] = r->flags;
}

/**
 * ctl_rules_put() - Append the rules of a table
 * @b:		Writer
 * @t:		Table
 */
static void ctl_rules_put(struct pbuf *b, const struct fwd_table *t)
{
	int i;

	for (i = 0; i < t->n && i < FWD_MAX_RULES; i++) {
		uint8_t *p = pbuf_reserve(b, CTL_RULE_LEN);

		if (!p)
			return;
		ctl_rule_put(&t->rules[i], p);
	}
}

/**
 * ctl_count() - Number of rules of a table as sent
 * @t:		Table
 *
 * Return: @t->n, clamped to 0..FWD_MAX_RULES
 */
static uint32_t ctl_count(const struct fwd_table *t)
{
	if (t->n < 0)
		return 0;
	return t->n > FWD_MAX_RULES ? FWD_MAX_RULES : (uint32_t)t->n;
}

/**
 * ctl_tables_put() - Build the tables a server sends after its hello
 * @buf:	Buffer
 * @len:	Its size
 * @tbl:	Tables
 * @n:		Number of tables
 *
 * Return: bytes written, terminator included; 0 if @len is too small
 */
size_t ctl_tables_put(uint8_t *buf, size_t len, const struct ctl_table *tbl,
		      int n)
{
	struct pbuf b;
	int i;

	pbuf_init(&b, buf, len);
	for (i = 0; i < n; i++) {
		uint8_t *name;

		pbuf_u8(&b, tbl[i].pif);
		name = pbuf_reserve(&b, CTL_PIF_NAME_SIZE);
		if (name)
			memcpy(name, tbl[i].name,
			       strnlen(tbl[i].name, CTL_PIF_NAME_SIZE - 1));
		pbuf_be32(&b, tbl[i].caps);
		pbuf_be32(&b, ctl_count(&tbl[i].t));
		ctl_rules_put(&b, &tbl[i].t);
	}
	pbuf_u8(&b, CTL_PIF_END);
	return b.overflow ? 0 : b.len;
}

/**
 * ctl_update_put() - Build a client's update: replacement tables
 * @buf:	Buffer
 * @len:	Its size
 * @tbl:	Tables to send (pif and rules are used)
 * @n:		Number of tables
 *
 * Return: bytes written, terminator included; 0 if @len is too small
 */
size_t ctl_update_put(uint8_t *buf, size_t len, const struct ctl_table *tbl,
		      int n)
{
	struct pbuf b;
	int i;

	pbuf_init(&b, buf, len);
	for (i = 0; i < n; i++) {
		pbuf_u8(&b, tbl[i].pif);
		pbuf_be32(&b, ctl_count(&tbl[i].t));
		ctl_rules_put(&b, &tbl[i].t);
	}
	pbuf_u8(&b, CTL_PIF_END);
	return b.overflow ? 0 : b.len;
}

/**
 * ctl_req_put() - Build a request of our extension
 * @buf:	Buffer
 * @len:	Its size
 * @req:	enum ctl_req
 *
 * Return: CTL_REQ_LEN, 0 if @len is too small
 */
size_t ctl_req_put(uint8_t *buf, size_t len, uint32_t req)
{
	struct pbuf b;

	pbuf_init(&b, buf, len);
	pbuf_put(&b, CTL_REQ_MAGIC, CTL_MAGIC_LEN);
	pbuf_be32(&b, req);
	return b.overflow ? 0 : b.len;
}

/**
 * ctl_ans_hdr_put() - Build the header of an answer to a request
 * @buf:	Buffer
 * @len:	Its size
 * @status:	0, or a positive errno
 * @length:	Bytes of text that follow, at most CTL_ANS_MAX
 *
 * Return: CTL_ANS_HDR_LEN, 0 if @len is too small or @length too large
 */
size_t ctl_ans_hdr_put(uint8_t *buf, size_t len, uint32_t status,
		       uint32_t length)
{
	struct pbuf b;

	if (length > CTL_ANS_MAX)
		return 0;
	pbuf_init(&b, buf, len);
	pbuf_put(&b, CTL_ANS_MAGIC, CTL_MAGIC_LEN);
	pbuf_be32(&b, status);
	pbuf_be32(&b, length);
	return b.overflow ? 0 : b.len;
}

/**
 * ctl_magic_parse() - Check an 8-byte magic at the start of a view
 * @v:		View
 * @magic:	Expected magic, 7 characters and its NUL
 *
 * Return: 0 if it matches, -EAGAIN if the view is a cut prefix of it,
 *	   -EINVAL otherwise
 */
static int ctl_magic_parse(struct pview v, const char *magic)
{
	size_t n = v.len < CTL_MAGIC_LEN ? v.len : CTL_MAGIC_LEN;

	if (n && memcmp(v.p, magic, n) != 0)
		return -EINVAL;
	return n < CTL_MAGIC_LEN ? -EAGAIN : 0;
}

/**
 * ctl_req_parse() - Parse a request of our extension
 * @v:		Bytes from the client, advanced past the request on success
 * @req:	Set to the request number (also when it is unknown)
 *
 * Return: 0, -EAGAIN if cut short, -EINVAL if this is not a request (an
 *	   update, or garbage), -EOPNOTSUPP for an unknown request number
 */
int ctl_req_parse(struct pview *v, uint32_t *req)
{
	int rc = ctl_magic_parse(*v, CTL_REQ_MAGIC);

	if (rc)
		return rc;
	if (!pview_be32(*v, CTL_MAGIC_LEN, req))
		return -EAGAIN;
	*v = pview_tail(*v, CTL_REQ_LEN);
	if (*req < CTL_REQ_FLOWS_JSON || *req > CTL_REQ_MAX)
		return -EOPNOTSUPP;
	return 0;
}

/**
 * ctl_ans_hdr_parse() - Parse the header of an answer
 * @v:		Bytes from the server, advanced past the header on success
 * @status:	Set to the status (0, or a positive errno)
 * @length:	Set to the length of the text that follows
 *
 * Return: 0, -EAGAIN if cut short, -EINVAL on a bad magic or status,
 *	   -E2BIG if @length is over CTL_ANS_MAX
 */
int ctl_ans_hdr_parse(struct pview *v, uint32_t *status, uint32_t *length)
{
	int rc = ctl_magic_parse(*v, CTL_ANS_MAGIC);

	if (rc)
		return rc;
	if (!pview_be32(*v, CTL_MAGIC_LEN, status) ||
	    !pview_be32(*v, CTL_MAGIC_LEN + 4, length))
		return -EAGAIN;
	if (*status > 4095)
		return -EINVAL;
	if (*length > CTL_ANS_MAX)
		return -E2BIG;
	*v = pview_tail(*v, CTL_ANS_HDR_LEN);
	return 0;
}

/**
 * ctl_ifname_check() - Check a device name from the wire
 * @name:	CTL_IFNAMSIZ bytes
 *
 * Return: NULL if valid (possibly empty), else what is wrong with it
 */
static const char *ctl_ifname_check(const char *name)
{
	size_t i, n = strnlen(name, CTL_IFNAMSIZ);

	if (n == CTL_IFNAMSIZ)
		return "not NUL-terminated";
	for (i = n; i < CTL_IFNAMSIZ; i++) {
		if (name[i])
			return "has bytes after its NUL";
	}
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return "is \".\" or \"..\"";
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '/' || c <= ' ' || c == 0x7f)
			return "holds '/', a space or a control character";
	}
	return NULL;
}

/**
 * ctl_addr_multicast() - Check for a multicast address
 * @a:		Address
 *
 * Return: true for 224.0.0.0/4 or ff00::/8
 */
static bool ctl_addr_multicast(const union inany_addr *a)
{
	const struct in_addr *v4 = inany_v4(a);

	if (v4)
		return IN_MULTICAST(ntohl(v4->s_addr));
	return IN6_IS_ADDR_MULTICAST(&a->a6);
}

/**
 * ctl_rule_check() - Check a decoded rule against a table's capabilities
 * @r:		Rule
 * @caps:	enum ctl_cap bits of its table
 *
 * Return: NULL if valid, else what is wrong with it
 */
static const char *ctl_rule_check(const struct fwd_rule *r, uint32_t caps)
{
	bool v4 = inany_is_v4(&r->addr);

	if (r->proto != IPPROTO_TCP && r->proto != IPPROTO_UDP)
		return "unknown protocol";
	if (!(caps & (r->proto == IPPROTO_TCP ? CTL_CAP_TCP : CTL_CAP_UDP)))
		return "protocol not supported by this table";
	if (r->flags & ~CTL_FLAGS_KNOWN)
		return "unknown flag bits";
	if ((r->flags & FWD_AUTO) && !(caps & CTL_CAP_SCAN))
		return "auto-scan not supported by this table";
	if (!r->first || !r->to)
		return "port 0";
	if (r->first > r->last)
		return "first port after last";
	if ((unsigned int)r->to + (r->last - r->first) > 65535)
		return "target range beyond port 65535";
	if (r->ifname[0] && !(caps & CTL_CAP_IFNAME))
		return "device binding not supported by this table";
	if (r->flags & FWD_DUAL_STACK) {
		if (v4 || !IN6_IS_ADDR_UNSPECIFIED(&r->addr.a6))
			return "dual-stack rule with an address other than ::";
		if ((caps & (CTL_CAP_IPV4 | CTL_CAP_IPV6)) !=
		    (CTL_CAP_IPV4 | CTL_CAP_IPV6))
			return "dual-stack rule in a single-family table";
		if (r->taddr_set)
			return "target address on a dual-stack rule";
	} else if (!(caps & (v4 ? CTL_CAP_IPV4 : CTL_CAP_IPV6))) {
		return v4 ? "IPv4 not enabled" : "IPv6 not enabled";
	}
	if (!r->taddr_set)
		return NULL;
	if (inany_is_v4(&r->taddr) != v4)
		return "target address of another family";
	if (inany_is_unspecified(&r->taddr))
		return "unspecified target address";
	if (ctl_addr_multicast(&r->taddr))
		return "multicast target address";
	return NULL;
}

/**
 * ctl_rule_get() - Decode and check one rule
 * @v:		Bytes, advanced by CTL_RULE_LEN on success
 * @caps:	enum ctl_cap bits of the rule's table
 * @r:		Rule, set
 * @err:	Buffer for a one-line message on failure, or NULL
 * @errlen:	Its size
 *
 * Return: 0, -EAGAIN if fewer than CTL_RULE_LEN bytes, -EINVAL if invalid
 */
int ctl_rule_get(struct pview *v, uint32_t caps, struct fwd_rule *r,
		 char *err, size_t errlen)
{
	static const uint8_t zero[16];
	const uint8_t *p = pview_get(*v, 0, CTL_RULE_LEN);
	const char *why;

	if (!p) {
		ctl_err(err, errlen, "truncated rule");
		return -EAGAIN;
	}
	memset(r, 0, sizeof(*r));
	memcpy(&r->addr, p + CTL_R_ADDR, 16);
	memcpy(&r->taddr, p + CTL_R_TADDR, 16);
	r->taddr_set = !!memcmp(p + CTL_R_TADDR, zero, 16);
	memcpy(r->ifname, p + CTL_R_IFNAME, CTL_IFNAMSIZ);
	r->first = (uint16_t)(p[CTL_R_FIRST] << 8 | p[CTL_R_FIRST + 1]);
	r->last = (uint16_t)(p[CTL_R_LAST] << 8 | p[CTL_R_LAST + 1]);
	r->to = (uint16_t)(p[CTL_R_TO] << 8 | p[CTL_R_TO + 1]);
	r->proto = p[CTL_R_PROTO];
	r->flags = p[CTL_R_FLAGS];

	why = ctl_ifname_check(r->ifname);
	if (why) {
		memset(r->ifname, 0, sizeof(r->ifname));
		ctl_err(err, errlen, "invalid rule: device name %s", why);
		return -EINVAL;
	}
	why = ctl_rule_check(r, caps);
	if (why) {
		char buf[FWD_RULE_STRLEN];

		fwd_rule_fmt(r, buf, sizeof(buf));
		ctl_err(err, errlen, "invalid rule %s: %s", buf, why);
		return -EINVAL;
	}
	*v = pview_tail(*v, CTL_RULE_LEN);
	return 0;
}

/**
 * ctl_rules_get() - Decode the rules of one table, and check for conflicts
 * @v:		Bytes, advanced past the rules on success
 * @count:	Number of rules, at most FWD_MAX_RULES
 * @caps:	enum ctl_cap bits of the table
 * @conflicts:	Refuse rules conflicting with each other
 * @t:		Table, filled
 * @err:	Buffer for a one-line message on failure, or NULL
 * @errlen:	Its size
 *
 * Return: 0, -EAGAIN if cut short, -EINVAL if invalid
 */
static int ctl_rules_get(struct pview *v, uint32_t count, uint32_t caps,
			 bool conflicts, struct fwd_table *t, char *err,
			 size_t errlen)
{
	uint32_t i;
	int j, rc;

	fwd_table_init(t);
	for (i = 0; i < count; i++) {
		struct fwd_rule *r = &t->rules[i];

		rc = ctl_rule_get(v, caps, r, err, errlen);
		if (rc)
			return rc;
		for (j = 0; conflicts && j < (int)i; j++) {
			char a[FWD_RULE_STRLEN], b[FWD_RULE_STRLEN];

			if (!fwd_rules_conflict(r, &t->rules[j]))
				continue;
			fwd_rule_fmt(&t->rules[j], a, sizeof(a));
			fwd_rule_fmt(r, b, sizeof(b));
			ctl_err(err, errlen, "conflicting rules: %s and %s",
				a, b);
			return -EINVAL;
		}
		t->n = (int)i + 1;
	}
	return 0;
}

/**
 * ctl_update_parse() - Parse and check a client's update
 * @v:		Bytes the client sent up to its shutdown, advanced on success
 * @cur:	Current tables
 * @n:		Number of tables in @cur
 * @out:	New tables, @n of them: by index of @cur; a table the update
 *		doesn't carry is a copy of the current one
 * @present:	@n flags, set: the update carries that table
 * @err:	Buffer for a one-line message on failure, or NULL
 * @errlen:	Its size
 *
 * Return: 0 if the whole update is valid; -EAGAIN if it is cut short (a
 *	   refusal at end of stream), -EINVAL for anything invalid (pif without
 *	   a table or given twice, invalid rule, conflicting rules, bytes after
 *	   the terminator), -E2BIG for a count over FWD_MAX_RULES
 */
int ctl_update_parse(struct pview *v, const struct ctl_table *cur, int n,
		     struct ctl_table *out, bool *present, char *err,
		     size_t errlen)
{
	struct pview w = *v;
	int i, rc;

	for (i = 0; i < n; i++) {
		out[i] = cur[i];
		present[i] = false;
	}
	for (;;) {
		uint32_t count;
		uint8_t pif;

		if (!pview_u8(w, 0, &pif)) {
			ctl_err(err, errlen, "truncated update: no end mark");
			return -EAGAIN;
		}
		if (pif == CTL_PIF_END)
			break;
		for (i = 0; i < n && cur[i].pif != pif; i++)
			;
		if (i == n) {
			ctl_err(err, errlen, "update for pif %u: no such table",
				pif);
			return -EINVAL;
		}
		if (present[i]) {
			ctl_err(err, errlen, "update with table %s twice",
				ctl_pif_name(pif));
			return -EINVAL;
		}
		if (!pview_be32(w, 1, &count)) {
			ctl_err(err, errlen, "truncated update: table header");
			return -EAGAIN;
		}
		if (count > FWD_MAX_RULES) {
			ctl_err(err, errlen,
				"update with %u rules for table %s: at most %d",
				count, ctl_pif_name(pif), FWD_MAX_RULES);
			return -E2BIG;
		}
		w = pview_tail(w, CTL_UPD_HDR_LEN);
		rc = ctl_rules_get(&w, count, cur[i].caps, true, &out[i].t,
				   err, errlen);
		if (rc)
			return rc;
		out[i].t.none_tcp = out[i].t.none_udp = false;
		present[i] = true;
	}
	if (w.len != 1) {
		ctl_err(err, errlen, "%zu bytes after the end of the update",
			w.len - 1);
		return -EINVAL;
	}
	*v = pview_tail(w, 1);
	return 0;
}

/**
 * ctl_hello_parse() - Check the server's hello
 * @v:		Bytes from the server
 * @err:	Buffer for a one-line message on failure, or NULL
 * @errlen:	Its size
 *
 * Return: 0, -EAGAIN if cut short, -EINVAL on any mismatch
 */
static int ctl_hello_parse(struct pview v, char *err, size_t errlen)
{
	uint32_t version, namesz, ifnamsiz;
	int rc = ctl_magic_parse(v, CTL_MAGIC);

	if (rc == -EINVAL) {
		ctl_err(err, errlen, "not a control socket: bad magic");
		return rc;
	}
	if (rc || !pview_be32(v, 8, &version) || !pview_be32(v, 12, &namesz) ||
	    !pview_be32(v, 16, &ifnamsiz)) {
		ctl_err(err, errlen, "truncated hello");
		return -EAGAIN;
	}
	if (version != CTL_VERSION) {
		ctl_err(err, errlen, "unsupported protocol version %u (we speak %d)",
			version, CTL_VERSION);
		return -EINVAL;
	}
	if (namesz != CTL_PIF_NAME_SIZE || ifnamsiz != CTL_IFNAMSIZ) {
		ctl_err(err, errlen,
			"unsupported name sizes %u and %u (expected %d and %d)",
			namesz, ifnamsiz, CTL_PIF_NAME_SIZE, CTL_IFNAMSIZ);
		return -EINVAL;
	}
	return 0;
}

/**
 * ctl_name_check() - Check a table name from the wire
 * @name:	CTL_PIF_NAME_SIZE bytes
 *
 * Return: true if it is 1 to 127 printable ASCII characters, then zeros
 */
static bool ctl_name_check(const char *name)
{
	size_t i, n = strnlen(name, CTL_PIF_NAME_SIZE);

	if (!n || n == CTL_PIF_NAME_SIZE)
		return false;
	for (i = 0; i < CTL_PIF_NAME_SIZE; i++) {
		unsigned char c = (unsigned char)name[i];

		if (i < n ? (c < 0x20 || c > 0x7e) : c != 0)
			return false;
	}
	return true;
}

/**
 * ctl_server_parse() - Parse what a server sends: hello, tables, end mark
 * @v:		Bytes from the server, advanced past the end mark on success
 * @tbl:	Tables, filled
 * @max:	Room in @tbl
 * @n:		Set to the number of tables
 * @err:	Buffer for a one-line message on failure, or NULL
 * @errlen:	Its size
 *
 * Every table must be HOST or SPLICE, once, with a valid name and at most
 * FWD_MAX_RULES rules, each valid for the table's capabilities. Conflicts
 * are not checked: the server's tables are shown, not applied.
 *
 * Return: 0, -EAGAIN if cut short, -EINVAL if invalid, -E2BIG for a count
 *	   over FWD_MAX_RULES or more than @max tables
 */
int ctl_server_parse(struct pview *v, struct ctl_table *tbl, int max, int *n,
		     char *err, size_t errlen)
{
	struct pview w = *v;
	int i, rc = ctl_hello_parse(w, err, errlen);

	*n = 0;
	if (rc)
		return rc;
	w = pview_tail(w, CTL_HELLO_LEN);
	for (;;) {
		struct ctl_table *t;
		uint32_t count;
		uint8_t pif;

		if (!pview_u8(w, 0, &pif)) {
			ctl_err(err, errlen, "truncated tables: no end mark");
			return -EAGAIN;
		}
		if (pif == CTL_PIF_END)
			break;
		if (pif != CTL_PIF_HOST && pif != CTL_PIF_SPLICE) {
			ctl_err(err, errlen, "table for unknown pif %u", pif);
			return -EINVAL;
		}
		for (i = 0; i < *n; i++) {
			if (tbl[i].pif == pif) {
				ctl_err(err, errlen, "table %s sent twice",
					ctl_pif_name(pif));
				return -EINVAL;
			}
		}
		if (*n >= max) {
			ctl_err(err, errlen, "more than %d tables", max);
			return -E2BIG;
		}
		t = &tbl[*n];
		memset(t->name, 0, sizeof(t->name));
		if (!pview_copy(w, 1, t->name, CTL_PIF_NAME_SIZE) ||
		    !pview_be32(w, 1 + CTL_PIF_NAME_SIZE, &t->caps) ||
		    !pview_be32(w, 1 + CTL_PIF_NAME_SIZE + 4, &count)) {
			ctl_err(err, errlen, "truncated table header");
			return -EAGAIN;
		}
		if (!ctl_name_check(t->name)) {
			ctl_err(err, errlen, "invalid name of table for pif %u",
				pif);
			return -EINVAL;
		}
		if (count > FWD_MAX_RULES) {
			ctl_err(err, errlen, "table %s with %u rules: at most %d",
				ctl_pif_name(pif), count, FWD_MAX_RULES);
			return -E2BIG;
		}
		t->pif = pif;
		w = pview_tail(w, CTL_TABLE_HDR_LEN);
		rc = ctl_rules_get(&w, count, t->caps, false, &t->t, err,
				   errlen);
		if (rc)
			return rc;
		(*n)++;
	}
	*v = pview_tail(w, 1);
	return 0;
}

/**
 * ctl_rule_equal() - Compare two rules as the wire sees them
 * @a:		First rule
 * @b:		Second rule
 *
 * Return: true if they encode to the same bytes
 */
bool ctl_rule_equal(const struct fwd_rule *a, const struct fwd_rule *b)
{
	uint8_t x[CTL_RULE_LEN], y[CTL_RULE_LEN];

	ctl_rule_put(a, x);
	ctl_rule_put(b, y);
	return !memcmp(x, y, sizeof(x));
}

/**
 * ctl_tables_equal() - Compare the rules of two sets of tables, by pif
 * @a:		First set
 * @na:		Its number of tables
 * @b:		Second set
 * @nb:		Its number of tables
 *
 * Return: true if every pif has the same rules, in the same order, in both
 */
bool ctl_tables_equal(const struct ctl_table *a, int na,
		      const struct ctl_table *b, int nb)
{
	int i, j, k;

	if (na != nb)
		return false;
	for (i = 0; i < na; i++) {
		for (j = 0; j < nb && b[j].pif != a[i].pif; j++)
			;
		if (j == nb || a[i].t.n != b[j].t.n)
			return false;
		for (k = 0; k < a[i].t.n && k < FWD_MAX_RULES; k++) {
			if (!ctl_rule_equal(&a[i].t.rules[k],
					    &b[j].t.rules[k]))
				return false;
		}
	}
	return true;
}
