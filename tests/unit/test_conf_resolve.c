// SPDX-License-Identifier: GPL-2.0-or-later
/* test_conf_resolve.c - unit tests of conf_resolve() in a namespace built
 *			 for each test, of conf_v6_check(), and of the picture
 *			 derived again after a change (loop/follow.c)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf/conf.h"
#include "os/netlink.h"
#include "conf_fixture.h"

/* After a change of the namespace: the picture derived again, as follow.c
 * does it, from the configuration as parsed
 */
static struct conf parsed, scratch;

/**
 * read_full() - Read exactly @len bytes from a pipe (reads may be short)
 * @fd:		Pipe
 * @buf:	Buffer
 * @len:	Bytes wanted
 */
static void read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		assert_true(n > 0);
		got += (size_t)n;
	}
}

/**
 * rederive() - In the child: change the namespace, derive the picture again
 * @change:	Shell commands changing it
 *
 * Return: 0 on success, -errno on failure
 */
static int rederive(const char *change)
{
	int nl;

	scratch = parsed;
	scratch.v4 = cf.v4 || cf.v4_later;
	scratch.v6 = cf.v6 || cf.v6_later;
	if (system(change) || (nl = nl_open()) < 0)
		return -EIO;
	return conf_resolve_addrs(&scratch, nl, LOG_LVL_DEBUG);
}

/**
 * resolve_in_netns() - conf_parse() and conf_resolve() in a new namespace,
 *			then, if asked, a change and conf_resolve_addrs()
 * @setup:	Shell commands building the namespace's interfaces and routes
 * @words:	Command line, NULL-terminated
 * @rc:		conf_resolve() result (then the second derivation's)
 * @change:	Shell commands changing the namespace afterwards, NULL for
 *		none; the picture derived again is left in @scratch
 *
 * The child process does the work, so the test's own namespace is never
 * touched, and hands the configurations back through a pipe.
 *
 * Return: true if it ran, false if namespaces are unavailable (skip)
 */
static bool resolve_in_netns(const char *setup, const char *const *words,
			     int *rc, const char *change)
{
	int p[2], status;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		int r = -EPERM;

		close(p[0]);
		if (!unshare(CLONE_NEWNET) && !system(setup) &&
		    parse_words(words) == CONF_OK) {
			parsed = cf;
			r = conf_resolve(&cf);
			if (!r && change)
				r = rederive(change);
		}
		if (write(p[1], &r, sizeof(r)) != sizeof(r) ||
		    write(p[1], &cf, sizeof(cf)) != sizeof(cf) ||
		    write(p[1], &scratch, sizeof(scratch)) != sizeof(scratch))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	read_full(p[0], rc, sizeof(*rc));
	if (*rc != -EPERM) {
		read_full(p[0], &cf, sizeof(cf));
		read_full(p[0], &scratch, sizeof(scratch));
	}
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return *rc != -EPERM;
}

#define NETNS_SETUP                                                            \
	"ip link add d0 type veth peer name d1 && ip link set d1 up && "       \
	"ip link set d0 up && "                                                \
	"ip addr add 192.0.2.5/25 dev d0 && "                                  \
	"ip addr add 2001:db8::5/64 dev d0 nodad && "                          \
	"ip route add default via 192.0.2.1 && "                               \
	"ip -6 route add default via fe80::1 dev d0"

static void test_resolve_from_template(void **state)
{
	static const char *const w[] = {"pasta", "-f", NULL};
	int rc;

	(void)state;
	if (!resolve_in_netns(NETNS_SETUP, w, &rc, NULL))
		skip();
	assert_int_equal(rc, 0);
	assert_string_equal(cf.ifname4, "d0");
	assert_string_equal(cf.ifname6, "d0");
	assert_string_equal(cf.ns_ifname, "d0");
	assert_true(cf.l2.v4 && cf.l2.v6);
	assert_in4(cf.l2.addr4, "192.0.2.5");
	assert_int_equal(cf.l2.prefix4, 25);
	assert_in4(cf.l2.gw4, "192.0.2.1");
	assert_in6(&cf.l2.addr6, "2001:db8::5");
	assert_int_equal(cf.l2.prefix6, 64);
	assert_in6(&cf.l2.gw6, "fe80::1");
	assert_in6(&cf.l2.our_ll6, "fe80::1");
}

static void test_resolve_keeps_given_values(void **state)
{
	static const char *const w[] = {"passt",
					"-a",
					"198.51.100.9",
					"-n",
					"255.255.255.0",
					"-g",
					"198.51.100.1",
					"-g",
					"fe80::9",
					"-6",
					NULL};
	int rc;

	(void)state;
	if (!resolve_in_netns(NETNS_SETUP, w, &rc, NULL))
		skip();
	assert_int_equal(rc, 0);
	assert_false(cf.l2.v4);
	assert_true(cf.l2.v6);
	assert_in6(&cf.l2.addr6, "2001:db8::5");
	assert_in6(&cf.l2.gw6, "fe80::9");
	assert_in6(&cf.l2.our_ll6, "fe80::9");
	/* IPv4 was not resolved, the given values are untouched */
	assert_in4(cf.l2.addr4, "198.51.100.9");
	assert_int_equal(cf.l2.prefix4, 24);
}

static void test_resolve_local_mode(void **state)
{
	static const char *const w[] = {"pasta", NULL};
	int rc;

	(void)state;
	if (!resolve_in_netns("ip link set lo up", w, &rc, NULL))
		skip();
	assert_int_equal(rc, 0);
	assert_true(cf.l2.v4);
	assert_false(cf.v6 || cf.l2.v6);
	assert_in4(cf.l2.addr4, "169.254.2.1");
	assert_int_equal(cf.l2.prefix4, 16);
	assert_in4(cf.l2.gw4, "169.254.2.2");
	assert_string_equal(cf.ns_ifname, "tap0");
}

static void test_resolve_unknown_interface(void **state)
{
	static const char *const w[] = {"passt", "-i", "nosuch0", NULL};
	int rc;

	(void)state;
	if (!resolve_in_netns(NETNS_SETUP, w, &rc, NULL))
		skip();
	assert_int_equal(rc, -ENODEV);
}

static void test_v6_check_kernel_without_ipv6(void **state)
{
	(void)state;
	/* Only EAFNOSUPPORT means "no IPv6": anything else is left to fail
	 * where it happens
	 */
	assert_int_equal(parse("pasta", NULL), CONF_OK);
	assert_int_equal(conf_v6_check(&cf, 0), 0);
	assert_true(cf.v4 && cf.v6);
	assert_int_equal(conf_v6_check(&cf, EMFILE), 0);
	assert_true(cf.v6);

	/* As if -4 was given, with one line that says why */
	capture_start(2);
	assert_int_equal(conf_v6_check(&cf, EAFNOSUPPORT), 0);
	capture_end(2);
	assert_true(cf.v4);
	assert_false(cf.v6);
	assert_non_null(strstr(out, "IPv6 not available"));
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);

	/* -4: nothing to switch off, nothing said */
	assert_int_equal(parse("pasta", "-4", NULL), CONF_OK);
	capture_start(2);
	assert_int_equal(conf_v6_check(&cf, EAFNOSUPPORT), 0);
	capture_end(2);
	assert_string_equal(out, "");

	/* -6: no family left, an error */
	assert_int_equal(parse("pasta", "-6", NULL), CONF_OK);
	capture_start(2);
	assert_int_equal(conf_v6_check(&cf, EAFNOSUPPORT), -EAFNOSUPPORT);
	capture_end(2);
	assert_false(cf.v4 || cf.v6);
	assert_non_null(strstr(out, "IPv6 not available"));
}

#define FOLLOW_SETUP                                                           \
	"ip link add d0 type veth peer name d1 && ip link set d1 up && "       \
	"ip link set d0 up && "                                                \
	"sysctl -qw net.ipv4.conf.d0.promote_secondaries=1 && "               \
	"ip addr add 192.0.2.5/24 dev d0 && "                                  \
	"ip route add default via 192.0.2.1"
#define FOLLOW_CHANGE                                                          \
	"ip addr add 192.0.2.7/24 dev d0 && ip addr del 192.0.2.5/24 dev d0 && " \
	"ip route replace default via 192.0.2.2"

#define NETNS_V6_ONLY                                                          \
	"ip link add d0 type veth peer name d1 && ip link set d1 up && "       \
	"ip link set d0 up && "                                                \
	"ip addr add 2001:db8::5/64 dev d0 nodad && "                          \
	"ip -6 route add default via fe80::1 dev d0 && "                       \
	"ip route add 192.0.2.0/24 dev d0 && "                                 \
	"ip route add default via 192.0.2.1"

static void test_rederive_follows(void **state)
{
	static const char *const w[] = {"pasta", "-f", "-4", NULL};
	int rc;

	(void)state;
	if (!resolve_in_netns(FOLLOW_SETUP, w, &rc, FOLLOW_CHANGE))
		skip();
	assert_int_equal(rc, 0);
	assert_in4(cf.l2.addr4, "192.0.2.5");
	assert_in4(scratch.l2.addr4, "192.0.2.7");
	assert_int_equal(scratch.l2.prefix4, 24);
	assert_in4(scratch.l2.gw4, "192.0.2.2");
	assert_string_equal(scratch.ifname4, "d0");
}

static void test_rederive_pinned(void **state)
{
	static const char *const a[] = {"pasta", "-f", "-4", "-a",
					"198.51.100.9", "-n", "25", NULL};
	static const char *const g[] = {"pasta", "-f", "-4", "-g",
					"192.0.2.1", NULL};
	int rc;

	(void)state;
	if (!resolve_in_netns(FOLLOW_SETUP, a, &rc, FOLLOW_CHANGE))
		skip();
	assert_int_equal(rc, 0);
	/* -a and -n: the address stays, the gateway follows */
	assert_in4(scratch.l2.addr4, "198.51.100.9");
	assert_int_equal(scratch.l2.prefix4, 25);
	assert_in4(scratch.l2.gw4, "192.0.2.2");

	if (!resolve_in_netns(FOLLOW_SETUP, g, &rc, FOLLOW_CHANGE))
		skip();
	assert_int_equal(rc, 0);
	/* -g: the gateway stays, the address follows */
	assert_in4(scratch.l2.gw4, "192.0.2.1");
	assert_in4(scratch.l2.addr4, "192.0.2.7");
}

#define V6_COMES "ip addr add 2001:db8::7/64 dev d0 nodad && "              \
		 "ip -6 route add default via fe80::1 dev d0"

static void test_later_v6(void **state)
{
	static const char *const w[] = {"pasta", "-f", NULL};
	int rc;

	(void)state;
	/* IPv4 only at start: IPv6 off, to come on */
	if (!resolve_in_netns(FOLLOW_SETUP, w, &rc, V6_COMES))
		skip();
	assert_int_equal(rc, 0);
	assert_true(cf.v4 && !cf.v6 && !cf.l2.v6);
	assert_false(cf.v4_later);
	assert_true(cf.v6_later);
	/* the host gets a route and an address: derived again, it's there */
	assert_true(scratch.v6);
	assert_in6(&scratch.l2.addr6, "2001:db8::7");
	assert_in6(&scratch.l2.gw6, "fe80::1");
	assert_string_equal(scratch.ifname6, "d0");

	/* a route without an address: still nothing to give */
	if (!resolve_in_netns(FOLLOW_SETUP, w, &rc,
			      "ip -6 route add default via fe80::1 dev d0"))
		skip();
	assert_int_equal(rc, 0);
	assert_false(scratch.v6);
}

static void test_later_never(void **state)
{
	static const char *const n[] = {"pasta", "-f", "--no-follow-host",
					NULL};
	static const char *const four[] = {"pasta", "-f", "-4", NULL};
	int rc;

	(void)state;
	if (!resolve_in_netns(FOLLOW_SETUP, n, &rc, V6_COMES))
		skip();
	assert_int_equal(rc, 0);
	assert_false(cf.v6 || cf.v6_later || scratch.v6);

	if (!resolve_in_netns(FOLLOW_SETUP, four, &rc, V6_COMES))
		skip();
	assert_int_equal(rc, 0);
	assert_false(cf.v6 || cf.v6_later || scratch.v6);

	/* the pure rule: what was wanted, off now, while following */
	assert_int_equal(parse("pasta", NULL), CONF_OK);
	cf.v6 = false;
	conf_later(&cf, true, true);
	assert_true(cf.v6_later);
	assert_false(cf.v4_later);
	conf_later(&cf, true, false);	/* -4, or no IPv6 in the kernel */
	assert_false(cf.v6_later);
	cf.v4 = false;
	conf_later(&cf, false, true);	/* -6 */
	assert_false(cf.v4_later);
	conf_later(&cf, true, true);	/* no IPv4 address */
	assert_true(cf.v4_later && cf.v6_later);
	cf.no_follow_host = true;
	conf_later(&cf, true, true);
	assert_false(cf.v4_later || cf.v6_later);
}

static void test_later_v4(void **state)
{
	static const char *const w[] = {"pasta", "-f", NULL};
	int rc;

	(void)state;
	/* an IPv4 route but no address: IPv4 off, to come on */
	if (!resolve_in_netns(NETNS_V6_ONLY, w, &rc,
			      "ip addr add 192.0.2.9/24 dev d0"))
		skip();
	assert_int_equal(rc, 0);
	assert_true(!cf.v4 && cf.v4_later && cf.v6 && !cf.v6_later);
	assert_true(scratch.v4);
	assert_in4(scratch.l2.addr4, "192.0.2.9");
	assert_in4(scratch.l2.gw4, "192.0.2.1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resolve_from_template),
		cmocka_unit_test(test_resolve_keeps_given_values),
		cmocka_unit_test(test_resolve_local_mode),
		cmocka_unit_test(test_resolve_unknown_interface),
		cmocka_unit_test(test_v6_check_kernel_without_ipv6),
		cmocka_unit_test(test_rederive_follows),
		cmocka_unit_test(test_rederive_pinned),
		cmocka_unit_test(test_later_v6),
		cmocka_unit_test(test_later_never),
		cmocka_unit_test(test_later_v4),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
