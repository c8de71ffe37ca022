// SPDX-License-Identifier: GPL-2.0-or-later
/* test_resolv.c - unit tests of the resolv.conf parser and its use */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "conf/conf.h"
#include "conf/resolv.h"
#include "flow/nat.h"

static struct resolv_conf r;

static void parse_str(const char *s)
{
	resolv_parse(pview_make(s, strlen(s)), &r);
}

static void assert_ns4(int i, const char *s)
{
	char buf[INET_ADDRSTRLEN];

	assert_true(i < r.ns4_n);
	inet_ntop(AF_INET, &r.ns4[i], buf, sizeof(buf));
	assert_string_equal(buf, s);
}

static void assert_ns6(int i, const char *s)
{
	char buf[INET6_ADDRSTRLEN];

	assert_true(i < r.ns6_n);
	inet_ntop(AF_INET6, &r.ns6[i], buf, sizeof(buf));
	assert_string_equal(buf, s);
}

static void test_nameserver_and_search(void **state)
{
	(void)state;
	parse_str("# generated\n"
		  "nameserver 192.0.2.53\n"
		  "nameserver 2001:db8::53\n"
		  "search example.com example.org\n"
		  "options edns0 trust-ad\n");
	assert_int_equal(r.ns4_n, 1);
	assert_int_equal(r.ns6_n, 1);
	assert_int_equal(r.ns_dropped, 0);
	assert_ns4(0, "192.0.2.53");
	assert_ns6(0, "2001:db8::53");
	assert_int_equal(r.search_n, 2);
	assert_string_equal(r.search[0], "example.com");
	assert_string_equal(r.search[1], "example.org");
}

static void test_domain_and_search_last_wins(void **state)
{
	(void)state;
	parse_str("search a.example b.example\ndomain c.example\n");
	assert_int_equal(r.search_n, 1);
	assert_string_equal(r.search[0], "c.example");
	parse_str("domain c.example\nsearch a.example b.example\n");
	assert_int_equal(r.search_n, 2);
	assert_string_equal(r.search[0], "a.example");
}

static void test_comments(void **state)
{
	(void)state;
	parse_str("; nameserver 192.0.2.1\n"
		  "# search hidden.example\n"
		  "#nameserver 192.0.2.2\n"
		  "nameserver 192.0.2.3 # trailing words are ignored\n");
	assert_int_equal(r.ns4_n, 1);
	assert_ns4(0, "192.0.2.3");
	assert_int_equal(r.search_n, 0);
}

static void test_whitespace(void **state)
{
	(void)state;
	parse_str("nameserver\t \t198.51.100.1   \r\n"
		  "search\t  x.example\t\ty.example  \r\n"
		  "  nameserver 198.51.100.2\n" /* not in the first column */
		  "\n\n\t\n");
	assert_int_equal(r.ns4_n, 1);
	assert_ns4(0, "198.51.100.1");
	assert_int_equal(r.search_n, 2);
	assert_string_equal(r.search[1], "y.example");
}

static void test_too_many_entries(void **state)
{
	(void)state;
	parse_str("nameserver 192.0.2.1\nnameserver 192.0.2.2\n"
		  "nameserver 192.0.2.3\nnameserver 192.0.2.4\n"
		  "nameserver 2001:db8::1\n"
		  "search a b c d e f g h\n");
	assert_int_equal(r.ns4_n, RESOLV_MAX_NS);
	assert_ns4(2, "192.0.2.3");
	assert_int_equal(r.ns6_n, 1);
	assert_int_equal(r.ns_dropped, 1);
	assert_int_equal(r.search_n, L2_MAX_SEARCH);
	assert_string_equal(r.search[L2_MAX_SEARCH - 1], "f");
}

static void test_ipv6_zone_index(void **state)
{
	(void)state;
	parse_str("nameserver fe80::1%eth0\nnameserver fe80::2%2\n"
		  "nameserver 192.0.2.1%eth0\n");
	assert_int_equal(r.ns6_n, 2);
	assert_ns6(0, "fe80::1");
	assert_ns6(1, "fe80::2");
	/* A zone index is only valid with IPv6 */
	assert_int_equal(r.ns4_n, 0);
	assert_int_equal(r.ns_dropped, 1);
}

static void test_garbage_lines(void **state)
{
	static const char bin[] = "nameserver 192.0.2.1\0\n"
				  "nameserver 192.0.2.\0002\n"
				  "\xff\xfe garbage\n"
				  "nameserver\n"
				  "nameserverx 192.0.2.3\n"
				  "nameserver not-an-address\n"
				  "search \x01"
				  "bad good.example\n"
				  "nameserver 192.0.2.9\n";

	(void)state;
	resolv_parse(pview_make(bin, sizeof(bin) - 1), &r);
	/* NUL bytes: the first line's word still ends at the NUL, rejected */
	assert_int_equal(r.ns4_n, 1);
	assert_ns4(0, "192.0.2.9");
	assert_int_equal(r.ns_dropped, 4);
	assert_int_equal(r.search_n, 1);
	assert_string_equal(r.search[0], "good.example");
}

static void test_no_trailing_newline(void **state)
{
	(void)state;
	parse_str("search one.example\nnameserver 203.0.113.7");
	assert_int_equal(r.ns4_n, 1);
	assert_ns4(0, "203.0.113.7");
	parse_str("nameserver 203.0.113.7\nsearch one.example");
	assert_int_equal(r.search_n, 1);
	assert_string_equal(r.search[0], "one.example");
	/* Cut in the middle of an address: what is there is used */
	resolv_parse(pview_make("nameserver 203.0.113.77", 22), &r);
	assert_ns4(0, "203.0.113.7");
}

static void test_empty_and_long_lines(void **state)
{
	char buf[2048], dom[300];

	(void)state;
	resolv_parse(pview_make(NULL, 0), &r);
	assert_int_equal(r.ns4_n + r.ns6_n + r.search_n, 0);
	parse_str("");
	assert_int_equal(r.search_n, 0);

	memset(dom, 'a', sizeof(dom) - 1);
	dom[sizeof(dom) - 1] = '\0';
	snprintf(buf, sizeof(buf), "search %s ok.example\nnameserver %s\n", dom,
		 dom);
	parse_str(buf);
	assert_int_equal(r.search_n, 1);
	assert_string_equal(r.search[0], "ok.example");
	assert_int_equal(r.ns_dropped, 1);
}

static void test_apply_skips_loopback(void **state)
{
	struct conf c;

	(void)state;
	memset(&c, 0, sizeof(c));
	parse_str("nameserver 127.0.0.53\nnameserver 192.0.2.53\n"
		  "nameserver ::1\nnameserver 2001:db8::35\n"
		  "search example.com\n");
	assert_int_equal(conf_dns_apply(&c, &r), 2);
	assert_int_equal(c.l2.dns4_n, 1);
	assert_int_equal(c.l2.dns4[0].s_addr, r.ns4[1].s_addr);
	assert_int_equal(c.l2.dns6_n, 1);
	assert_memory_equal(&c.l2.dns6[0], &r.ns6[1], 16);
	assert_int_equal(c.l2.search_n, 1);
	assert_string_equal(c.l2.search[0], "example.com");
}

static void test_apply_keeps_user_values(void **state)
{
	char *argv[] = {"passt", "-D", "none", "-S", "user.example", NULL};
	struct conf c;

	(void)state;
	assert_int_equal(conf_parse(&c, 5, argv), CONF_OK);
	parse_str("nameserver 192.0.2.53\nsearch example.com\n");
	assert_int_equal(conf_dns_apply(&c, &r), 0);
	assert_int_equal(c.l2.dns4_n, 0);
	assert_int_equal(c.l2.search_n, 1);
	assert_string_equal(c.l2.search[0], "user.example");
}

/**
 * follow_setup() - passt as parsed from @argv, resolved from a first file
 * @c:		Configuration, filled
 * @n:		Translations, as conf_nat() makes them
 * @argv:	Command line, NULL-terminated
 * @first:	resolv.conf at start
 */
static void follow_setup(struct conf *c, struct nat *n, char **argv,
			 const char *first)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	assert_int_equal(conf_parse(c, argc, argv), CONF_OK);
	c->dns_host4_given = c->dns_host4_set;
	c->dns_host6_given = c->dns_host6_set;
	parse_str(first);
	conf_dns_apply(c, &r);
	conf_nat(c, n);
}

static void assert_inany4(const union inany_addr *a, const char *s)
{
	char buf[INET6_ADDRSTRLEN];

	assert_string_equal(inany_ntop(a, buf, sizeof(buf)), s);
}

static void test_follow_forward_and_lists(void **state)
{
	char *argv[] = {"passt", "--dns-forward", "192.0.2.1",
			"--dns-forward", "2001:db8::1", NULL};
	struct conf c;
	struct nat n;

	(void)state;
	follow_setup(&c, &n, argv, "nameserver 192.0.2.53\n"
				   "nameserver 2001:db8::35\nsearch a.example\n");
	assert_inany4(&n.v4.dns_host, "192.0.2.53");

	parse_str("nameserver 198.51.100.3\nnameserver 127.0.0.53\n"
		  "nameserver 2001:db8::36\nsearch b.example c.example\n");
	assert_int_equal(resolv_follow(&c, &r, &c.l2, &n),
			 RESOLV_CHG_FWD4 | RESOLV_CHG_FWD6 | RESOLV_CHG_DNS |
			 RESOLV_CHG_SEARCH);
	assert_inany4(&n.v4.dns_host, "198.51.100.3");
	assert_inany4(&n.v6.dns_host, "2001:db8::36");
	assert_true(n.v4.dns_set && n.v6.dns_set);
	/* the loopback one isn't handed out, the list is replaced */
	assert_int_equal(c.l2.dns4_n, 1);
	assert_int_equal(c.l2.dns4[0].s_addr, r.ns4[0].s_addr);
	assert_int_equal(c.l2.dns6_n, 1);
	assert_int_equal(c.l2.search_n, 2);
	assert_string_equal(c.l2.search[1], "c.example");

	/* the same again: nothing changed */
	assert_int_equal(resolv_follow(&c, &r, &c.l2, &n), 0);
}

static void test_follow_no_nameserver_keeps(void **state)
{
	char *argv[] = {"passt", "--dns-forward", "192.0.2.1", NULL};
	struct conf c;
	struct nat n;

	(void)state;
	follow_setup(&c, &n, argv, "nameserver 192.0.2.53\nsearch a.example\n");
	/* a resolver manager between two networks: no nameserver at all */
	parse_str("# Generated\n");
	assert_int_equal(resolv_follow(&c, &r, &c.l2, &n), RESOLV_CHG_SEARCH);
	assert_inany4(&n.v4.dns_host, "192.0.2.53");
	assert_int_equal(c.l2.dns4_n, 1);
	assert_int_equal(c.l2.search_n, 0);
}

static void test_follow_pins(void **state)
{
	char *argv[] = {"passt", "--dns-forward", "192.0.2.1", "--dns-host",
			"192.0.2.99", "-D", "192.0.2.98", "-S", "user.example",
			NULL};
	struct conf c;
	struct nat n;

	(void)state;
	follow_setup(&c, &n, argv, "nameserver 192.0.2.53\nsearch a.example\n");
	parse_str("nameserver 198.51.100.3\nsearch b.example\n");
	assert_int_equal(resolv_follow(&c, &r, &c.l2, &n), 0);
	assert_inany4(&n.v4.dns_host, "192.0.2.99");
	assert_int_equal(c.l2.dns4_n, 1);
	assert_string_equal(inet_ntoa(c.l2.dns4[0]), "192.0.2.98");
	assert_string_equal(c.l2.search[0], "user.example");
}

static void test_follow_nothing_handed_out(void **state)
{
	char *argv[] = {"pasta", "--dns-forward", "192.0.2.1", NULL};
	struct conf c;
	struct nat n;

	(void)state;
	/* pasta hands out no resolvers unless --dhcp-dns */
	follow_setup(&c, &n, argv, "nameserver 192.0.2.53\nsearch a.example\n");
	parse_str("nameserver 198.51.100.3\nsearch b.example\n");
	assert_int_equal(resolv_follow(&c, &r, &c.l2, &n), RESOLV_CHG_FWD4);
	assert_int_equal(c.l2.dns4_n, 1);
	assert_string_equal(inet_ntoa(c.l2.dns4[0]), "192.0.2.53");
	assert_string_equal(c.l2.search[0], "a.example");
}

static void test_follow_forward_appears(void **state)
{
	char *argv[] = {"passt", "--dns-forward", "192.0.2.1", NULL};
	struct conf c;
	struct nat n;

	(void)state;
	/* no IPv4 resolver at start: --dns-forward had nowhere to go */
	follow_setup(&c, &n, argv, "nameserver 2001:db8::35\n");
	assert_false(n.v4.dns_set);
	parse_str("nameserver 198.51.100.3\n");
	assert_true(resolv_follow(&c, &r, &c.l2, &n) & RESOLV_CHG_FWD4);
	assert_true(n.v4.dns_set);
	assert_inany4(&n.v4.dns_fwd, "192.0.2.1");
	assert_inany4(&n.v4.dns_host, "198.51.100.3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nameserver_and_search),
		cmocka_unit_test(test_domain_and_search_last_wins),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_whitespace),
		cmocka_unit_test(test_too_many_entries),
		cmocka_unit_test(test_ipv6_zone_index),
		cmocka_unit_test(test_garbage_lines),
		cmocka_unit_test(test_no_trailing_newline),
		cmocka_unit_test(test_empty_and_long_lines),
		cmocka_unit_test(test_apply_skips_loopback),
		cmocka_unit_test(test_apply_keeps_user_values),
		cmocka_unit_test(test_follow_forward_and_lists),
		cmocka_unit_test(test_follow_no_nameserver_keeps),
		cmocka_unit_test(test_follow_pins),
		cmocka_unit_test(test_follow_nothing_handed_out),
		cmocka_unit_test(test_follow_forward_appears),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
