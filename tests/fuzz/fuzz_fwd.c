// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_fwd.c - libFuzzer harness of the -t/-u/-T/-U spec parser
 *
 * Input: one flag byte choosing the context (families, mode, direction,
 * protocol, device binding), then up to FUZZ_SPECS spec strings separated by
 * newlines, parsed in order into one table. After each spec the table must
 * hold only well-formed, non-conflicting rules.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flow/fwd.h"

#define FUZZ_SPECS    4
#define FUZZ_SPEC_MAX 8192

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/**
 * fuzz_ctx() - Build a parse context from the flag byte
 * @c:		Context, set
 * @f:		Flag byte
 */
static void fuzz_ctx(struct fwd_parse_ctx *c, uint8_t f)
{
	memset(c, 0, sizeof(*c));
	c->v4 = !(f & 1);
	c->v6 = !(f & 2) || !c->v4;
	c->pasta = !(f & 4);
	c->outbound = f & 8;
	c->no_bindtodevice = f & 16;
	c->proto = (f & 32) ? IPPROTO_UDP : IPPROTO_TCP;
	c->optname = c->outbound ? "-T" : "-t";
	c->eph_first = (f & 64) ? 32768 : 49152;
	c->eph_last = (f & 64) ? 60999 : 65535;
}

/**
 * fuzz_check_rule() - Abort on a malformed rule
 * @c:		Context the rule was parsed with (if it is new) or another one
 * @r:		Rule
 */
static void fuzz_check_rule(const struct fwd_parse_ctx *c,
			    const struct fwd_rule *r)
{
	char buf[FWD_RULE_STRLEN];
	bool v4 = inany_is_v4(&r->addr);

	if (!r->first || r->first > r->last || !r->to ||
	    (unsigned int)r->to + (r->last - r->first) > 65535)
		abort();
	if (fwd_rule_target(r, r->last) != r->to + (r->last - r->first))
		abort();
	if (r->flags & ~(FWD_DUAL_STACK | FWD_BEST_EFFORT | FWD_AUTO))
		abort();
	if (strnlen(r->ifname, sizeof(r->ifname)) >= sizeof(r->ifname))
		abort();
	if (r->proto != IPPROTO_TCP && r->proto != IPPROTO_UDP)
		abort();
	if ((r->flags & FWD_DUAL_STACK) &&
	    (v4 || !IN6_IS_ADDR_UNSPECIFIED(&r->addr.a6) || r->taddr_set))
		abort();
	if (r->taddr_set && inany_is_v4(&r->taddr) != v4)
		abort();
	if ((r->flags & FWD_AUTO) && !c->pasta)
		abort();
	fwd_rule_fmt(r, buf, sizeof(buf));
	if (strlen(buf) >= sizeof(buf) - 1)
		abort();
}

/**
 * fuzz_check_new() - Abort if a rule doesn't fit the context it came from
 * @c:		Context
 * @r:		Rule added by the last spec
 */
static void fuzz_check_new(const struct fwd_parse_ctx *c,
			   const struct fwd_rule *r)
{
	bool v4 = inany_is_v4(&r->addr);

	if (r->proto != c->proto || (v4 ? !c->v4 : !c->v6))
		abort();
	if ((r->flags & FWD_DUAL_STACK) && !(c->v4 && c->v6))
		abort();
	if (r->ifname[0] && c->no_bindtodevice)
		abort();
	if (!c->outbound)
		return;
	if (c->no_bindtodevice ? !(v4 ? ntohl(inany_v4(&r->addr)->s_addr) ==
						   INADDR_LOOPBACK
				      : IN6_IS_ADDR_LOOPBACK(&r->addr.a6))
			       : strcmp(r->ifname, "lo") != 0)
		abort();
}

/**
 * fuzz_check_table() - Abort on a malformed table
 * @c:		Context
 * @t:		Table
 * @n0:		Rules before the last spec
 */
static void fuzz_check_table(const struct fwd_parse_ctx *c,
			     const struct fwd_table *t, int n0)
{
	int i, j;

	if (t->n < n0 || t->n > FWD_MAX_RULES)
		abort();
	for (i = 0; i < t->n; i++) {
		const struct fwd_rule *r = &t->rules[i];

		fuzz_check_rule(c, r);
		/* rules don't overlap, so each is found by its own address */
		if (fwd_lookup(t, r->proto, &r->addr, r->last) != r)
			abort();
		if (i >= n0)
			fuzz_check_new(c, r);
		for (j = 0; j < i; j++) {
			if (fwd_rules_conflict(r, &t->rules[j]))
				abort();
		}
	}
}

/**
 * LLVMFuzzerTestOneInput() - Parse up to FUZZ_SPECS specs into one table
 * @data:	Flag byte, then specs separated by '\n'
 * @size:	Length of @data
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fwd_table t;
	static char spec[FUZZ_SPEC_MAX + 1];
	char err[FWD_ERR_LEN];
	struct fwd_parse_ctx c;
	size_t off = 1, len;
	int i, n0, rc;

	if (!size)
		return 0;
	fuzz_ctx(&c, data[0]);
	fwd_table_init(&t);
	for (i = 0; i < FUZZ_SPECS && off <= size; i++) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);

		len = nl ? (size_t)(nl - (data + off)) : size - off;
		if (len > FUZZ_SPEC_MAX)
			len = FUZZ_SPEC_MAX;
		memcpy(spec, data + off, len);
		spec[len] = '\0';
		off += len + 1;

		n0 = t.n;
		err[0] = '\0';
		rc = fwd_spec_parse(&t, &c, spec, err, sizeof(err));
		if (rc && (rc != -EINVAL || !err[0] || t.n != n0))
			abort();
		fuzz_check_table(&c, &t, n0);
		/* switch to the other protocol now and then */
		if ((data[0] & 128) && (i & 1))
			c.proto = c.proto == IPPROTO_TCP ? IPPROTO_UDP
							 : IPPROTO_TCP;
	}
	return 0;
}
