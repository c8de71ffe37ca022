// SPDX-License-Identifier: GPL-2.0-or-later
/* test_splice.c - unit tests of the loopback fast path's pure decisions:
 * what is spliced and to where, the events a spliced connection waits
 * for, when it is done, and the options that steer it
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>

#include "conf/conf.h"
#include "inany_fixture.h"
#include "transport/splice.h"
#include "transport/tcp_splice.h"

static struct splice_cfg cfg_default(void)
{
	struct splice_cfg c = {.enabled = true, .v4 = true, .v6 = true};

	inet_pton(AF_INET, "192.0.2.5", &c.ns_addr4);
	inet_pton(AF_INET6, "2001:db8::5", &c.ns_addr6);
	return c;
}

static void assert_addr(const union inany_addr *a, const char *s)
{
	union inany_addr b = fx_inany(s);

	assert_true(inany_equals(a, &b));
}

static void test_loopback_addresses(void **state)
{
	static const char *const yes[] = {"127.0.0.1", "127.255.0.9", "::1",
					  "::ffff:127.0.0.2"};
	static const char *const no[] = {
		"128.0.0.1", "126.255.255.255", "0.0.0.0",    "::",
		"::2",	     "192.0.2.1",	"2001:db8::1"};
	union inany_addr a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		a = fx_inany(yes[i]);
		assert_true(splice_is_loopback(&a));
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		a = fx_inany(no[i]);
		assert_false(splice_is_loopback(&a));
	}
}

/* Default: loopback peers go to the namespace's own address */
static void test_inbound_default_targets_ns_address(void **state)
{
	struct splice_cfg c = cfg_default();
	struct fwd_rule r = {.first = 80, .last = 80, .to = 80};
	union inany_addr peer = fx_inany("127.0.0.1"), dst;

	(void)state;
	assert_int_equal(splice_decide(&c, SPLICE_INBOUND, &r, &peer, &dst),
			 SPLICE_YES);
	assert_addr(&dst, "192.0.2.5");
	peer = fx_inany("::1");
	assert_int_equal(splice_decide(&c, SPLICE_INBOUND, &r, &peer, &dst),
			 SPLICE_YES);
	assert_addr(&dst, "2001:db8::5");
}

static void test_inbound_lo_to_lo(void **state)
{
	struct splice_cfg c = cfg_default();
	struct fwd_rule r = {.first = 80, .last = 80, .to = 80};
	union inany_addr peer = fx_inany("127.0.0.3"), dst;

	(void)state;
	c.lo_to_lo = true;
	assert_int_equal(splice_decide(&c, SPLICE_INBOUND, &r, &peer, &dst),
			 SPLICE_YES);
	assert_addr(&dst, "127.0.0.1");
	peer = fx_inany("::1");
	assert_int_equal(splice_decide(&c, SPLICE_INBOUND, &r, &peer, &dst),
			 SPLICE_YES);
	assert_addr(&dst, "::1");
}

/* Without an address in the namespace, its loopback is all there is */
static void test_inbound_no_ns_address(void **state)
{
	struct splice_cfg c = cfg_default();
	struct fwd_rule r = {.first = 80, .last = 80, .to = 80};
	union inany_addr peer = fx_inany("127.0.0.1"), dst;

	(void)state;
	memset(&c.ns_addr4, 0, sizeof(c.ns_addr4));
	memset(&c.ns_addr6, 0, sizeof(c.ns_addr6));
	assert_int_equal(splice_decide(&c, SPLICE_INBOUND, &r, &peer, &dst),
			 SPLICE_YES);
	assert_addr(&dst, "127.0.0.1");
	peer = fx_inany("::1");
	assert_int_equal(splice_decide(&c, SPLICE_INBOUND, &r, &peer, &dst),
			 SPLICE_YES);
	assert_addr(&dst, "::1");
}

static void test_inbound_not_spliced(void **state)
{
	struct splice_cfg c = cfg_default();
	struct fwd_rule r = {.first = 80, .last = 80, .to = 80};
	union inany_addr peer = fx_inany("198.51.100.2"), dst;

	(void)state;
	/* a remote peer goes through the tap */
	assert_int_equal(splice_decide(&c, SPLICE_INBOUND, &r, &peer, &dst),
			 SPLICE_NO);
	/* --no-splice: loopback peers too */
	c.enabled = false;
	peer = fx_inany("127.0.0.1");
	assert_int_equal(splice_decide(&c, SPLICE_INBOUND, &r, &peer, &dst),
			 SPLICE_NO);
	/* a disabled family is not spliced either */
	c = cfg_default();
	c.v6 = false;
	peer = fx_inany("::1");
	assert_int_equal(splice_decide(&c, SPLICE_INBOUND, &r, &peer, &dst),
			 SPLICE_NO);
}

static void test_splice_only_refuses_others(void **state)
{
	struct splice_cfg c = cfg_default();
	struct fwd_rule r = {.first = 80, .last = 80, .to = 80};
	union inany_addr peer = fx_inany("198.51.100.2"), dst;

	(void)state;
	c.only = true;
	c.lo_to_lo = true;
	assert_int_equal(splice_decide(&c, SPLICE_INBOUND, &r, &peer, &dst),
			 SPLICE_REFUSE);
	peer = fx_inany("127.0.0.1");
	assert_int_equal(splice_decide(&c, SPLICE_INBOUND, &r, &peer, &dst),
			 SPLICE_YES);
	assert_addr(&dst, "127.0.0.1");
}

/* A rule's target address is kept if it is a loopback one */
static void test_inbound_target_address(void **state)
{
	struct splice_cfg c = cfg_default();
	struct fwd_rule r = {
		.first = 80, .last = 80, .to = 80, .taddr_set = true};
	union inany_addr peer = fx_inany("127.0.0.1"), dst;

	(void)state;
	r.taddr = fx_inany("127.0.0.9");
	assert_int_equal(splice_decide(&c, SPLICE_INBOUND, &r, &peer, &dst),
			 SPLICE_YES);
	assert_addr(&dst, "127.0.0.9");
	r.taddr = fx_inany("192.0.2.77");
	assert_int_equal(splice_decide(&c, SPLICE_INBOUND, &r, &peer, &dst),
			 SPLICE_NO);
	c.only = true;
	assert_int_equal(splice_decide(&c, SPLICE_INBOUND, &r, &peer, &dst),
			 SPLICE_REFUSE);
}

/* -T/-U: to the host's loopback of the peer's family, always */
static void test_outbound_targets_host_loopback(void **state)
{
	struct splice_cfg c = cfg_default();
	struct fwd_rule r = {.first = 80, .last = 80, .to = 80};
	union inany_addr peer = fx_inany("192.0.2.5"), dst;

	(void)state;
	c.enabled = false; /* --no-splice doesn't apply: no other path */
	assert_int_equal(splice_decide(&c, SPLICE_OUTBOUND, &r, &peer, &dst),
			 SPLICE_YES);
	assert_addr(&dst, "127.0.0.1");
	peer = fx_inany("::1");
	assert_int_equal(splice_decide(&c, SPLICE_OUTBOUND, &r, &peer, &dst),
			 SPLICE_YES);
	assert_addr(&dst, "::1");
	r.taddr_set = true;
	r.taddr = fx_inany("127.0.0.2");
	assert_int_equal(splice_decide(&c, SPLICE_OUTBOUND, &r, &peer, &dst),
			 SPLICE_YES);
	assert_addr(&dst, "127.0.0.2");
}

static void test_events_connecting(void **state)
{
	struct tcp_splice_conn c = {.state = TCP_SPLICE_CONNECTING};

	(void)state;
	/* nothing is read from the accepted side before the other is up */
	assert_int_equal(tcp_splice_events(&c, 0), 0);
	assert_int_equal(tcp_splice_events(&c, 1), EPOLLOUT);
}

static void test_events_flow_control(void **state)
{
	struct tcp_splice_conn c = {.state = TCP_SPLICE_ACTIVE};

	(void)state;
	assert_int_equal(tcp_splice_events(&c, 0), EPOLLIN);
	assert_int_equal(tcp_splice_events(&c, 1), EPOLLIN);
	/* side 1 can't take more: stop reading side 0, wait for room */
	c.flags = TCP_SPLICE_BLOCK1;
	assert_int_equal(tcp_splice_events(&c, 0), 0);
	assert_int_equal(tcp_splice_events(&c, 1), EPOLLIN | EPOLLOUT);
	/* end of file from side 0: never wait for input there again */
	c.flags = TCP_SPLICE_EOF0;
	assert_int_equal(tcp_splice_events(&c, 0), 0);
	assert_int_equal(tcp_splice_events(&c, 1), EPOLLIN);
	c.flags = TCP_SPLICE_EOF1 | TCP_SPLICE_BLOCK0;
	assert_int_equal(tcp_splice_events(&c, 0), EPOLLIN | EPOLLOUT);
	assert_int_equal(tcp_splice_events(&c, 1), 0);
	c.state = TCP_SPLICE_FREE;
	assert_int_equal(tcp_splice_events(&c, 0), 0);
}

static void test_done_needs_both_ways(void **state)
{
	struct tcp_splice_conn c = {.state = TCP_SPLICE_ACTIVE};

	(void)state;
	c.flags = TCP_SPLICE_EOF0 | TCP_SPLICE_SHUT1;
	assert_false(tcp_splice_done(&c));
	c.flags |= TCP_SPLICE_EOF1;
	assert_false(tcp_splice_done(&c));
	c.flags |= TCP_SPLICE_SHUT0;
	assert_true(tcp_splice_done(&c));
	c.flags |= TCP_SPLICE_BLOCK0;
	assert_true(tcp_splice_done(&c));
	assert_int_equal(TCP_SPLICE_EOF(1), TCP_SPLICE_EOF1);
	assert_int_equal(TCP_SPLICE_SHUT(0), TCP_SPLICE_SHUT0);
	assert_int_equal(TCP_SPLICE_BLOCK(1), TCP_SPLICE_BLOCK1);
}

static struct conf cf;

static enum conf_result parse_argv(char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return conf_parse(&cf, argc, argv);
}

static void test_options(void **state)
{
	char *a1[] = {"pasta", "-T", "8080", "-U", "53", "-t", "none", NULL};
	char *a2[] = {"pasta", "--splice-only", NULL};
	char *a3[] = {"pasta", "--splice-only", "--no-splice", NULL};
	char *a4[] = {"pasta", "--host-lo-to-ns-lo", NULL};
	FILE *saved = stderr;

	(void)state;
	stderr = fopen("/dev/null", "w");
	assert_non_null(stderr);
	assert_int_equal(parse_argv(a1), CONF_OK);
	assert_int_equal(cf.tcp_ns.n, 1);
	assert_string_equal(cf.tcp_ns.spec[0], "8080");
	assert_int_equal(cf.udp_ns.n, 1);
	assert_int_equal(parse_argv(a2), CONF_OK);
	assert_true(cf.splice_only);
	assert_true(cf.host_lo_to_ns_lo);
	/* no tap: no ICMP echo (nor NDP), no DNS */
	assert_true(cf.no_icmp);
	assert_true(cf.l2.no_ndp);
	assert_true(cf.dns_none);
	assert_int_equal(parse_argv(a3), CONF_EXIT_ERR);
	assert_int_equal(parse_argv(a4), CONF_OK);
	assert_true(cf.host_lo_to_ns_lo);
	assert_false(cf.no_splice);
	assert_false(cf.no_icmp);
	assert_false(cf.dns_none);
	fclose(stderr);
	stderr = saved;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loopback_addresses),
		cmocka_unit_test(test_inbound_default_targets_ns_address),
		cmocka_unit_test(test_inbound_lo_to_lo),
		cmocka_unit_test(test_inbound_no_ns_address),
		cmocka_unit_test(test_inbound_not_spliced),
		cmocka_unit_test(test_splice_only_refuses_others),
		cmocka_unit_test(test_inbound_target_address),
		cmocka_unit_test(test_outbound_targets_host_loopback),
		cmocka_unit_test(test_events_connecting),
		cmocka_unit_test(test_events_flow_control),
		cmocka_unit_test(test_done_needs_both_ways),
		cmocka_unit_test(test_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
