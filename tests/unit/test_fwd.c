// SPDX-License-Identifier: GPL-2.0-or-later
/* test_fwd.c - unit tests of the -t/-u/-T/-U spec parser and rule table */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flow/fwd.h"

static struct fwd_table t;
static char err[FWD_ERR_LEN];

/* Both families, pasta, a fixed ephemeral range: 49152-65535 */
static const struct fwd_parse_ctx ctx_t = {
	.optname = "-t",
	.proto = IPPROTO_TCP,
	.v4 = true,
	.v6 = true,
	.pasta = true,
	.eph_first = 49152,
	.eph_last = 65535,
};
static const struct fwd_parse_ctx ctx_u = {
	.optname = "-u",
	.proto = IPPROTO_UDP,
	.v4 = true,
	.v6 = true,
	.pasta = true,
	.eph_first = 49152,
	.eph_last = 65535,
};

#define DS  FWD_DUAL_STACK
#define BE  FWD_BEST_EFFORT
#define AUT FWD_AUTO

static int setup(void **state)
{
	(void)state;
	fwd_table_init(&t);
	memset(err, 0, sizeof(err));
	return 0;
}

static int parse_ctx(const struct fwd_parse_ctx *c, const char *spec)
{
	memset(err, 0, sizeof(err));
	return fwd_spec_parse(&t, c, spec, err, sizeof(err));
}

static int parse(const char *spec)
{
	return parse_ctx(&ctx_t, spec);
}

static void parse_ok(const char *spec)
{
	int rc = parse(spec);

	if (rc)
		fail_msg("'%s' failed: %s", spec, err);
}

/* The spec fails, leaves the table alone, and the message contains @msg */
static void parse_fails_ctx(const struct fwd_parse_ctx *c, const char *spec,
			    const char *msg)
{
	int n = t.n;

	if (parse_ctx(c, spec) != -EINVAL)
		fail_msg("'%s' was accepted", spec);
	assert_int_equal(t.n, n);
	if (!strstr(err, msg))
		fail_msg("'%s': message '%s' lacks '%s'", spec, err, msg);
	assert_null(strchr(err, '\n'));
}

static void parse_fails(const char *spec, const char *msg)
{
	parse_fails_ctx(&ctx_t, spec, msg);
}

static void addr_of(const char *s, union inany_addr *a)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, s, &a4) == 1) {
		inany_from_v4(a, a4);
	} else {
		assert_int_equal(inet_pton(AF_INET6, s, &a6), 1);
		inany_from_v6(a, &a6);
	}
}

/**
 * check() - Check every field of a rule
 * @i:		Rule index
 * @addr:	Expected listening address, "*" for the dual-stack wildcard
 * @ifname:	Expected device
 * @first, @last, @to:	Expected ports
 * @taddr:	Expected target address, NULL for none
 * @flags:	Expected flags
 */
static void check(int i, const char *addr, const char *ifname, uint16_t first,
		  uint16_t last, uint16_t to, const char *taddr, uint8_t flags)
{
	const struct fwd_rule *r;
	union inany_addr a;

	assert_true(i < t.n);
	r = &t.rules[i];
	addr_of(strcmp(addr, "*") ? addr : "::", &a);
	assert_true(inany_equals(&r->addr, &a));
	assert_string_equal(r->ifname, ifname);
	assert_int_equal(r->first, first);
	assert_int_equal(r->last, last);
	assert_int_equal(r->to, to);
	assert_int_equal(r->taddr_set, taddr != NULL);
	if (taddr) {
		addr_of(taddr, &a);
		assert_true(inany_equals(&r->taddr, &a));
	}
	assert_int_equal(r->proto, IPPROTO_TCP);
	assert_int_equal(r->flags, flags);
}

static void check_fmt(int i, const char *want)
{
	char buf[FWD_RULE_STRLEN];

	assert_true(i < t.n);
	fwd_rule_fmt(&t.rules[i], buf, sizeof(buf));
	assert_string_equal(buf, want);
}

/* compat.md 5.1 examples */

static void test_single_port_is_dual_stack(void **state)
{
	(void)state;
	parse_ok("22");
	assert_int_equal(t.n, 1);
	check(0, "*", "", 22, 22, 22, NULL, DS);
	assert_false(inany_is_v4(&t.rules[0].addr));
}

static void test_port_mapping(void **state)
{
	(void)state;
	parse_ok("22:23");
	assert_int_equal(t.n, 1);
	check(0, "*", "", 22, 22, 23, NULL, DS);
}

static void test_port_list(void **state)
{
	(void)state;
	parse_ok("22,25");
	assert_int_equal(t.n, 2);
	check(0, "*", "", 22, 22, 22, NULL, DS);
	check(1, "*", "", 25, 25, 25, NULL, DS);
}

static void test_range_mapping(void **state)
{
	(void)state;
	parse_ok("22-80:32-90");
	assert_int_equal(t.n, 1);
	check(0, "*", "", 22, 80, 32, NULL, DS);
	assert_int_equal(fwd_rule_target(&t.rules[0], 22), 32);
	assert_int_equal(fwd_rule_target(&t.rules[0], 80), 90);
	assert_int_equal(fwd_rule_target(&t.rules[0], 50), 60);
}

static void test_listen_address_v4(void **state)
{
	(void)state;
	parse_ok("192.0.2.1/22");
	assert_int_equal(t.n, 1);
	check(0, "192.0.2.1", "", 22, 22, 22, NULL, 0);
	assert_true(inany_is_v4(&t.rules[0].addr));
}

static void test_listen_address_and_device(void **state)
{
	(void)state;
	parse_ok("192.0.2.1%eth0/22");
	assert_int_equal(t.n, 1);
	check(0, "192.0.2.1", "eth0", 22, 22, 22, NULL, 0);
}

static void test_device_only(void **state)
{
	(void)state;
	parse_ok("%eth0/22");
	assert_int_equal(t.n, 1);
	check(0, "*", "eth0", 22, 22, 22, NULL, DS);
}

static void test_v6_all_skips_ephemeral(void **state)
{
	(void)state;
	parse_ok("::1/all");
	assert_int_equal(t.n, 1);
	check(0, "::1", "", 1, 49151, 1, NULL, BE);
}

static void test_target_address_and_port(void **state)
{
	(void)state;
	parse_ok("0.0.0.0/5000:192.0.2.5/6000");
	assert_int_equal(t.n, 1);
	check(0, "0.0.0.0", "", 5000, 5000, 6000, "192.0.2.5", 0);
	assert_true(inany_is_v4(&t.rules[0].addr));
}

static void test_all_with_target_address(void **state)
{
	(void)state;
	parse_ok("127.0.0.6/all:192.0.2.6");
	assert_int_equal(t.n, 1);
	check(0, "127.0.0.6", "", 1, 49151, 1, "192.0.2.6", BE);
}

static void test_exclusion_splits_range(void **state)
{
	(void)state;
	parse_ok("2000-5000,~3000-3010");
	assert_int_equal(t.n, 2);
	check(0, "*", "", 2000, 2999, 2000, NULL, DS);
	check(1, "*", "", 3011, 5000, 3011, NULL, DS);
}

static void test_exclusion_only(void **state)
{
	(void)state;
	parse_ok("~20000-20010");
	assert_int_equal(t.n, 2);
	check(0, "*", "", 1, 19999, 1, NULL, DS | BE);
	check(1, "*", "", 20011, 49151, 20011, NULL, DS | BE);
}

static void test_auto(void **state)
{
	(void)state;
	parse_ok("auto");
	assert_int_equal(t.n, 1);
	check(0, "*", "", 1, 49151, 1, NULL, DS | BE | AUT);
}

static void test_auto_on_address(void **state)
{
	(void)state;
	parse_ok("::1/auto");
	assert_int_equal(t.n, 1);
	check(0, "::1", "", 1, 49151, 1, NULL, BE | AUT);
}

static void test_auto_with_range(void **state)
{
	(void)state;
	parse_ok("8000-8010,auto");
	assert_int_equal(t.n, 1);
	check(0, "*", "", 8000, 8010, 8000, NULL, DS | AUT);
}

/* Clients' forms (compat.md 2.3 and 3) */

static void test_podman_forms(void **state)
{
	(void)state;
	parse_ok("8080-8080:80-80");
	parse_ok("127.0.0.1/8081-8081:80-80");
	assert_int_equal(t.n, 2);
	check(0, "*", "", 8080, 8080, 80, NULL, DS);
	check(1, "127.0.0.1", "", 8081, 8081, 80, NULL, 0);

	assert_int_equal(parse_ctx(&ctx_u, "::1/53-53:53-53"), 0);
	assert_int_equal(t.n, 3);
	assert_int_equal(t.rules[2].proto, IPPROTO_UDP);
	assert_int_equal(t.rules[2].first, 53);
	assert_int_equal(t.rules[2].to, 53);
	assert_int_equal(t.rules[2].flags, 0);
}

static void test_libvirt_forms(void **state)
{
	(void)state;
	parse_ok("%eth0/all");
	assert_int_equal(t.n, 1);
	check(0, "*", "eth0", 1, 49151, 1, NULL, DS | BE);

	fwd_table_init(&t);
	parse_ok("192.0.2.1/~22,80:8080");
	assert_int_equal(t.n, 1);
	check(0, "192.0.2.1", "", 80, 80, 8080, NULL, 0);
}

/* Other valid forms */

static void test_wildcard_spellings(void **state)
{
	(void)state;
	parse_ok("*/22");
	parse_ok("*%eth0/23");
	parse_ok("/24");
	assert_int_equal(t.n, 3);
	check(0, "*", "", 22, 22, 22, NULL, DS);
	check(1, "*", "eth0", 23, 23, 23, NULL, DS);
	check(2, "*", "", 24, 24, 24, NULL, DS);
}

static void test_bracketed_addresses(void **state)
{
	(void)state;
	parse_ok("[::1]/22");
	parse_ok("[192.0.2.1]/22");
	parse_ok("[2001:db8::1]%eth0/23");
	assert_int_equal(t.n, 3);
	check(0, "::1", "", 22, 22, 22, NULL, 0);
	check(1, "192.0.2.1", "", 22, 22, 22, NULL, 0);
	assert_true(inany_is_v4(&t.rules[1].addr));
	check(2, "2001:db8::1", "eth0", 23, 23, 23, NULL, 0);
}

static void test_v6_target_forms(void **state)
{
	(void)state;
	parse_ok("[2001:db8::1]/80:[2001:db8::5]/8080");
	parse_ok("2001:db8::1/81:2001:db8::6");
	parse_ok("[::]/82-83:[2001:db8::7]");
	assert_int_equal(t.n, 3);
	check(0, "2001:db8::1", "", 80, 80, 8080, "2001:db8::5", 0);
	check(1, "2001:db8::1", "", 81, 81, 81, "2001:db8::6", 0);
	check(2, "::", "", 82, 83, 82, "2001:db8::7", 0);
}

static void test_mapped_range_minus_exclusion(void **state)
{
	(void)state;
	parse_ok("2000-5000:12000-15000,~3000-3010");
	assert_int_equal(t.n, 2);
	check(0, "*", "", 2000, 2999, 12000, NULL, DS);
	check(1, "*", "", 3011, 5000, 13011, NULL, DS);
}

static void test_all_ignored_with_inclusion(void **state)
{
	(void)state;
	parse_ok("all,22");
	assert_int_equal(t.n, 1);
	check(0, "*", "", 22, 22, 22, NULL, DS);
}

static void test_full_port_range(void **state)
{
	(void)state;
	parse_ok("65535:1,1-100:65436-65535");
	assert_int_equal(t.n, 2);
	check(0, "*", "", 65535, 65535, 1, NULL, DS);
	check(1, "*", "", 1, 100, 65436, NULL, DS);
}

static void test_v4_only_wildcard(void **state)
{
	struct fwd_parse_ctx c = ctx_t;

	(void)state;
	c.v6 = false;
	assert_int_equal(parse_ctx(&c, "22"), 0);
	assert_int_equal(parse_ctx(&c, "23:192.0.2.5"), 0);
	assert_int_equal(t.n, 2);
	check(0, "0.0.0.0", "", 22, 22, 22, NULL, 0);
	assert_true(inany_is_v4(&t.rules[0].addr));
	check(1, "0.0.0.0", "", 23, 23, 23, "192.0.2.5", 0);
}

static void test_v6_only_wildcard(void **state)
{
	struct fwd_parse_ctx c = ctx_t;

	(void)state;
	c.v4 = false;
	assert_int_equal(parse_ctx(&c, "22"), 0);
	assert_int_equal(t.n, 1);
	check(0, "::", "", 22, 22, 22, NULL, 0);
	parse_fails_ctx(&c, "23:192.0.2.5", "family");
}

static void test_outbound_binds_lo(void **state)
{
	struct fwd_parse_ctx c = ctx_t;

	(void)state;
	c.optname = "-T";
	c.outbound = true;
	assert_int_equal(parse_ctx(&c, "22"), 0);
	assert_int_equal(parse_ctx(&c, "auto"), -EINVAL); /* overlaps 22 */
	fwd_table_init(&t);
	assert_int_equal(parse_ctx(&c, "auto"), 0);
	assert_int_equal(t.n, 1);
	check(0, "*", "lo", 1, 49151, 1, NULL, DS | BE | AUT);
}

static void test_outbound_without_bindtodevice(void **state)
{
	struct fwd_parse_ctx c = ctx_t;

	(void)state;
	c.optname = "-T";
	c.outbound = true;
	c.no_bindtodevice = true;
	assert_int_equal(parse_ctx(&c, "22,~23,25"), 0);
	assert_int_equal(t.n, 4);
	check(0, "127.0.0.1", "", 22, 22, 22, NULL, 0);
	check(1, "127.0.0.1", "", 25, 25, 25, NULL, 0);
	check(2, "::1", "", 22, 22, 22, NULL, 0);
	check(3, "::1", "", 25, 25, 25, NULL, 0);
}

static void test_custom_ephemeral_range(void **state)
{
	struct fwd_parse_ctx c = ctx_t;

	(void)state;
	c.eph_first = 32768;
	c.eph_last = 60999;
	assert_int_equal(parse_ctx(&c, "all"), 0);
	assert_int_equal(t.n, 2);
	check(0, "*", "", 1, 32767, 1, NULL, DS | BE);
	check(1, "*", "", 61000, 65535, 61000, NULL, DS | BE);
}

static void test_everything_excluded_gives_no_rule(void **state)
{
	(void)state;
	parse_ok("~1-49151");
	assert_int_equal(t.n, 0);
}

static void test_specs_accumulate_across_options(void **state)
{
	(void)state;
	parse_ok("192.0.2.1/22");
	parse_ok("198.51.100.1/22");
	parse_ok("[::1]/22");
	parse_ok("0.0.0.0/80");
	parse_ok("[::]/80");
	assert_int_equal(parse_ctx(&ctx_u, "22"), 0);
	assert_int_equal(t.n, 6);
}

/* "none" */

static void test_none_sets_flag(void **state)
{
	(void)state;
	parse_ok("none");
	assert_int_equal(t.n, 0);
	assert_true(fwd_table_none(&t, IPPROTO_TCP));
	assert_false(fwd_table_none(&t, IPPROTO_UDP));
	/* upstream 2026-07: only earlier rules conflict with "none" */
	parse_ok("22");
	assert_int_equal(t.n, 1);
}

static void test_none_after_rules_fails(void **state)
{
	(void)state;
	parse_ok("22");
	parse_fails("none", "-t none conflicts with previous options");
	assert_string_equal(err, "-t none conflicts with previous options");
	assert_false(fwd_table_none(&t, IPPROTO_TCP));
	/* rules of the other protocol don't matter */
	assert_int_equal(parse_ctx(&ctx_u, "none"), 0);
	assert_true(fwd_table_none(&t, IPPROTO_UDP));
}

/* Errors */

static void test_bad_numbers(void **state)
{
	static const char *const bad[] = {
		"abc",	  "22a",	 "2 2",	 "-22", "+22",	  "0",
		"65536",  "99999999999", "0-5",	 "22-", "-",	  "22-23-24",
		" 22",	  "22 ",	 "0x16", "22:", "22:0",	  "22:65536",
		"22:abc", "~",		 "~22-", "~0",	"~22:23",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		parse_fails(bad[i], "Invalid port specifier");
}

static void test_reversed_range(void **state)
{
	(void)state;
	parse_fails("80-22", "bad port range");
	parse_fails("22-80:90-32", "bad target");
	parse_fails("~80-22", "Invalid port specifier");
}

static void test_target_length_mismatch(void **state)
{
	(void)state;
	parse_fails("22-80:32", "target range length differs");
	parse_fails("22-23:32-34", "target range length differs");
	parse_fails("0.0.0.0/22-23:192.0.2.1/32", "target range length");
	parse_fails("65535:1-2", "target range length differs");
}

static void test_bad_addresses(void **state)
{
	(void)state;
	parse_fails("192.0.2.300/22", "Bad forwarding address '192.0.2.300'");
	parse_fails("[::1/22", "Bad forwarding address");
	parse_fails("::1]/22", "Bad forwarding address");
	parse_fails("[]/22", "Bad forwarding address");
	parse_fails("**/22", "Bad forwarding address");
	parse_fails("[fe80::1%eth0]/22", "Bad forwarding address");
	parse_fails("example.com/22", "Bad forwarding address");
	parse_fails("0.0.0.0/22:192.0.2/80", "bad target address");
	parse_fails("0.0.0.0/all:nowhere", "Invalid port specifier");
}

static void test_bad_ifnames(void **state)
{
	(void)state;
	parse_fails("%/22", "Invalid interface name");
	parse_fails("%./22", "Invalid interface name");
	parse_fails("%../22", "Invalid interface name");
	parse_fails("%0123456789abcdef/22", "Invalid interface name");
	parse_fails("%eth 0/22", "Invalid interface name");
	parse_fails("192.0.2.1%/22", "Invalid interface name");
	/* 15 characters is the longest valid name */
	parse_ok("%0123456789abcde/22");
	check(0, "*", "0123456789abcde", 22, 22, 22, NULL, DS);
}

static void test_disabled_family(void **state)
{
	struct fwd_parse_ctx c4 = ctx_t, c6 = ctx_t;

	(void)state;
	c4.v6 = false;
	c6.v4 = false;
	parse_fails_ctx(&c4, "::1/22", "IPv6 forward, but IPv6 not enabled");
	parse_fails_ctx(&c6, "192.0.2.1/22",
			"IPv4 forward, but IPv4 not enabled");
	c4.v4 = false;
	parse_fails_ctx(&c4, "22", "No IP version enabled");
}

static void test_target_family_mismatch(void **state)
{
	(void)state;
	parse_fails("192.0.2.1/22:[2001:db8::1]/22", "family");
	parse_fails("::1/22:192.0.2.1", "family");
	parse_fails("::1/all:192.0.2.1", "family");
}

static void test_target_multicast_or_unspecified(void **state)
{
	(void)state;
	parse_fails("0.0.0.0/22:224.0.0.1", "Multicast");
	parse_fails("[::]/22:[ff02::1]/22", "Multicast");
	parse_fails("0.0.0.0/22:0.0.0.0", "Unspecified");
}

static void test_target_with_dual_stack_wildcard(void **state)
{
	(void)state;
	parse_fails("22:192.0.2.1", "dual-stack wildcard");
	parse_fails("all:192.0.2.1", "dual-stack wildcard");
	parse_fails("%eth0/22:192.0.2.1/80", "dual-stack wildcard");
}

static void test_auto_only_in_pasta(void **state)
{
	struct fwd_parse_ctx c = ctx_t;

	(void)state;
	c.pasta = false;
	parse_fails_ctx(&c, "auto",
			"'auto' port forwarding is only allowed for pasta");
	parse_fails_ctx(&c, "8000-8010,auto", "only allowed for pasta");
	parse_fails("autox", "Invalid port specifier");
}

static void test_outbound_refuses_listen_address(void **state)
{
	struct fwd_parse_ctx c = ctx_t;

	(void)state;
	c.optname = "-T";
	c.outbound = true;
	parse_fails_ctx(&c, "127.0.0.1/22",
			"Listening address not allowed for -T");
	parse_fails_ctx(&c, "%eth0/22", "Listening address not allowed");
	parse_fails_ctx(&c, "/22", "Listening address not allowed");
	parse_fails_ctx(&c, "*/22", "Listening address not allowed");
}

static void test_device_binding_unavailable(void **state)
{
	struct fwd_parse_ctx c = ctx_t;

	(void)state;
	c.no_bindtodevice = true;
	parse_fails_ctx(&c, "%eth0/22", "requires kernel 5.7+");
	assert_int_equal(parse_ctx(&c, "192.0.2.1/22"), 0);
}

static void test_overlap_in_one_spec(void **state)
{
	(void)state;
	parse_fails("22,22", "Forwarding configuration conflict");
	parse_fails("20-30,25", "Forwarding configuration conflict");
	parse_fails("1000-2000:5000-6000,1500:80", "conflict");
	assert_int_equal(t.n, 0);
}

static void test_overlap_across_specs(void **state)
{
	(void)state;
	parse_ok("22");
	parse_fails("22", "Forwarding configuration conflict");
	assert_string_equal(err, "Forwarding configuration conflict: TCP "
				 "[*]:22  =>  22  versus TCP [*]:22  =>  22 ");
	parse_fails("192.0.2.1/22", "conflict"); /* dual-stack covers it */
	parse_fails("[::1]/10-30", "conflict");
	parse_ok("192.0.2.1/23");
	assert_int_equal(t.n, 2);

	fwd_table_init(&t);
	parse_ok("0.0.0.0/22");
	parse_fails("192.0.2.1/22", "conflict"); /* same family */
	parse_ok("[::1]/22");			 /* other family */
	parse_fails("[::]/22", "conflict");
	parse_fails("%eth1/22", "conflict");
	assert_int_equal(parse_ctx(&ctx_u, "22"), 0); /* other protocol */
}

static void test_failed_spec_rolls_back(void **state)
{
	(void)state;
	parse_ok("22");
	parse_fails("23,24,22", "conflict");
	assert_int_equal(t.n, 1);
	parse_ok("23,24");
	assert_int_equal(t.n, 3);
}

static void test_too_many_rules(void **state)
{
	char spec[FWD_MAX_RULES * 4 + 16];
	size_t off = 0;
	int i;

	(void)state;
	for (i = 0; i < FWD_MAX_RULES; i++)
		off += (size_t)snprintf(spec + off, sizeof(spec) - off, "%s%d",
					i ? "," : "", 2 * i + 1);
	parse_ok(spec);
	assert_int_equal(t.n, FWD_MAX_RULES);
	parse_fails("1000", "Too many forwarding rules");
	assert_int_equal(t.n, FWD_MAX_RULES);

	fwd_table_init(&t);
	snprintf(spec + off, sizeof(spec) - off, ",1000");
	parse_fails(spec, "maximum 255");
	assert_int_equal(t.n, 0);
	/* exclusions can make "all" need too many runs, too */
	parse_fails("~2,~4,~6,~8,~10,~12,~14,~16,~18,~20,~22,~24,~26,~28,"
		    "~30,~32,~34,~36,~38,~40,~42,~44,~46,~48,~50,~52,~54,"
		    "~56,~58,~60,~62,~64,~66,~68,~70,~72,~74,~76,~78,~80,"
		    "~82,~84,~86,~88,~90,~92,~94,~96,~98,~100,~102,~104,"
		    "~106,~108,~110,~112,~114,~116,~118,~120,~122,~124,~126,"
		    "~128,~130,~132,~134,~136,~138,~140,~142,~144,~146,~148,"
		    "~150,~152,~154,~156,~158,~160,~162,~164,~166,~168,~170,"
		    "~172,~174,~176,~178,~180,~182,~184,~186,~188,~190,~192,"
		    "~194,~196,~198,~200,~202,~204,~206,~208,~210,~212,~214,"
		    "~216,~218,~220,~222,~224,~226,~228,~230,~232,~234,~236,"
		    "~238,~240,~242,~244,~246,~248,~250,~252,~254,~256,~258,"
		    "~260,~262,~264,~266,~268,~270,~272,~274,~276,~278,~280,"
		    "~282,~284,~286,~288,~290,~292,~294,~296,~298,~300,~302,"
		    "~304,~306,~308,~310,~312,~314,~316,~318,~320,~322,~324,"
		    "~326,~328,~330,~332,~334,~336,~338,~340,~342,~344,~346,"
		    "~348,~350,~352,~354,~356,~358,~360,~362,~364,~366,~368,"
		    "~370,~372,~374,~376,~378,~380,~382,~384,~386,~388,~390,"
		    "~392,~394,~396,~398,~400,~402,~404,~406,~408,~410,~412,"
		    "~414,~416,~418,~420,~422,~424,~426,~428,~430,~432,~434,"
		    "~436,~438,~440,~442,~444,~446,~448,~450,~452,~454,~456,"
		    "~458,~460,~462,~464,~466,~468,~470,~472,~474,~476,~478,"
		    "~480,~482,~484,~486,~488,~490,~492,~494,~496,~498,~500,"
		    "~502,~504,~506,~508,~510,~512",
		    "Too many forwarding rules");
	assert_int_equal(t.n, 0);
}

static void test_empty_chunks(void **state)
{
	(void)state;
	parse_fails("", "Invalid port specifier");
	parse_fails("22,,23", "empty chunk");
	parse_fails("22,", "empty chunk");
	parse_fails(",22", "empty chunk");
	parse_fails("/", "no ports");
	parse_fails("192.0.2.1/", "no ports");
	parse_fails("none,22", "Invalid port specifier");
	parse_fails("::1/none", "Invalid port specifier");
}

static void test_all_forms(void **state)
{
	(void)state;
	parse_fails("0.0.0.0/all:192.0.2.1,22", "'all:TADDR' with explicit");
	parse_fails("all:", "Invalid port specifier");
	parse_fails("allx", "Invalid port specifier");
	parse_fails("0.0.0.0/all:192.0.2.1,all:192.0.2.2", "two 'all'");
	parse_ok("0.0.0.0/all:192.0.2.1,all:192.0.2.1,~80");
	assert_int_equal(t.n, 2);
	check(1, "0.0.0.0", "", 81, 49151, 81, "192.0.2.1", BE);
}

static void test_spec_too_long(void **state)
{
	static char spec[5000];

	(void)state;
	memset(spec, '1', sizeof(spec) - 1);
	parse_fails(spec, "too long");
}

/* Display, lookup, ephemeral range */

static void test_rule_display(void **state)
{
	(void)state;
	parse_ok("22");
	parse_ok("%eth0/80-90:8080-8090");
	parse_ok("0.0.0.0/5000:192.0.2.5/6000");
	parse_ok("[2001:db8::1]/7000-7001:[2001:db8::5]");
	check_fmt(0, "TCP [*]:22  =>  22 ");
	check_fmt(1, "TCP [*]%eth0:80-90  =>  8080-8090 ");
	check_fmt(2, "TCP [0.0.0.0]:5000  =>  192.0.2.5:6000 ");
	check_fmt(3,
		  "TCP [2001:db8::1]:7000-7001  =>  [2001:db8::5]:7000-7001 ");

	fwd_table_init(&t);
	parse_ok("[::1]/auto");
	check_fmt(0,
		  "TCP [::1]:1-49151  =>  1-49151  (best effort) (auto-scan)");
}

static void test_rule_display_longest_fits(void **state)
{
	struct fwd_rule r = {.first = 1,
			     .last = 65535,
			     .to = 1,
			     .taddr_set = true,
			     .proto = IPPROTO_UDP,
			     .flags = BE | AUT};
	char buf[FWD_RULE_STRLEN];

	(void)state;
	addr_of("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &r.addr);
	addr_of("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", &r.taddr);
	memset(r.ifname, 'x', sizeof(r.ifname) - 1);
	fwd_rule_fmt(&r, buf, sizeof(buf));
	assert_true(strlen(buf) < sizeof(buf) - 1);
	assert_non_null(strstr(buf, "(auto-scan)"));
	assert_int_equal(strncmp(buf, "UDP [", 5), 0);
}

static void test_lookup(void **state)
{
	union inany_addr a;

	(void)state;
	parse_ok("192.0.2.1/22:2222");
	parse_ok("80");
	parse_ok("[::1]/90-99");

	addr_of("192.0.2.1", &a);
	assert_ptr_equal(fwd_lookup(&t, IPPROTO_TCP, &a, 22), &t.rules[0]);
	assert_null(fwd_lookup(&t, IPPROTO_UDP, &a, 22));
	assert_ptr_equal(fwd_lookup(&t, IPPROTO_TCP, &a, 80), &t.rules[1]);
	addr_of("2001:db8::1", &a);
	assert_ptr_equal(fwd_lookup(&t, IPPROTO_TCP, &a, 80), &t.rules[1]);
	assert_null(fwd_lookup(&t, IPPROTO_TCP, &a, 22));
	assert_null(fwd_lookup(&t, IPPROTO_TCP, &a, 95));
	addr_of("::1", &a);
	assert_ptr_equal(fwd_lookup(&t, IPPROTO_TCP, &a, 95), &t.rules[2]);
	assert_int_equal(fwd_rule_target(&t.rules[0], 22), 2222);
}

static void write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(s, f);
	fclose(f);
}

static void test_ephemeral_range(void **state)
{
	char path[] = "/tmp/test_fwd_XXXXXX";
	uint16_t first = 0, last = 0;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);

	write_file(path, "32768\t60999\n");
	assert_int_equal(fwd_ephemeral_range(path, &first, &last), 0);
	assert_int_equal(first, 32768);
	assert_int_equal(last, 60999);

	write_file(path, "60999\t32768\n");
	assert_int_equal(fwd_ephemeral_range(path, &first, &last), -EINVAL);
	assert_int_equal(first, 49152);
	assert_int_equal(last, 65535);

	write_file(path, "1024 65536\n");
	assert_int_equal(fwd_ephemeral_range(path, &first, &last), -EINVAL);
	write_file(path, "1024\n");
	assert_int_equal(fwd_ephemeral_range(path, &first, &last), -EINVAL);
	write_file(path, "1024 2048 x\n");
	assert_int_equal(fwd_ephemeral_range(path, &first, &last), -EINVAL);
	write_file(path, "");
	assert_int_equal(fwd_ephemeral_range(path, &first, &last), -EINVAL);
	unlink(path);

	assert_int_equal(fwd_ephemeral_range(path, &first, &last), -ENOENT);
	assert_int_equal(first, 49152);
	assert_int_equal(last, 65535);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup(f, setup)
		T(test_single_port_is_dual_stack),
		T(test_port_mapping),
		T(test_port_list),
		T(test_range_mapping),
		T(test_listen_address_v4),
		T(test_listen_address_and_device),
		T(test_device_only),
		T(test_v6_all_skips_ephemeral),
		T(test_target_address_and_port),
		T(test_all_with_target_address),
		T(test_exclusion_splits_range),
		T(test_exclusion_only),
		T(test_auto),
		T(test_auto_on_address),
		T(test_auto_with_range),
		T(test_podman_forms),
		T(test_libvirt_forms),
		T(test_wildcard_spellings),
		T(test_bracketed_addresses),
		T(test_v6_target_forms),
		T(test_mapped_range_minus_exclusion),
		T(test_all_ignored_with_inclusion),
		T(test_full_port_range),
		T(test_v4_only_wildcard),
		T(test_v6_only_wildcard),
		T(test_outbound_binds_lo),
		T(test_outbound_without_bindtodevice),
		T(test_custom_ephemeral_range),
		T(test_everything_excluded_gives_no_rule),
		T(test_specs_accumulate_across_options),
		T(test_none_sets_flag),
		T(test_none_after_rules_fails),
		T(test_bad_numbers),
		T(test_reversed_range),
		T(test_target_length_mismatch),
		T(test_bad_addresses),
		T(test_bad_ifnames),
		T(test_disabled_family),
		T(test_target_family_mismatch),
		T(test_target_multicast_or_unspecified),
		T(test_target_with_dual_stack_wildcard),
		T(test_auto_only_in_pasta),
		T(test_outbound_refuses_listen_address),
		T(test_device_binding_unavailable),
		T(test_overlap_in_one_spec),
		T(test_overlap_across_specs),
		T(test_failed_spec_rolls_back),
		T(test_too_many_rules),
		T(test_empty_chunks),
		T(test_all_forms),
		T(test_spec_too_long),
		T(test_rule_display),
		T(test_rule_display_longest_fits),
		T(test_lookup),
		T(test_ephemeral_range),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
