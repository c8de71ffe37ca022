// SPDX-License-Identifier: GPL-2.0-or-later
/* test_listen.c - unit tests of listening sockets for forwarding rules, run
 * in a user and network namespace of their own (only its loopback is used)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "flow/fwd.h"
#include "netns_fixture.h"
#include "transport/listen.h"

/* A rule on @addr ("*" for the dual-stack wildcard) and device @ifname */
static struct fwd_rule rule(const char *addr, const char *ifname)
{
	struct fwd_rule r = {.proto = IPPROTO_TCP};
	struct in6_addr a6;
	struct in_addr a4;

	if (!strcmp(addr, "*")) {
		inany_from_v6(&r.addr, &in6addr_any);
		r.flags = FWD_DUAL_STACK;
	} else if (inet_pton(AF_INET, addr, &a4) == 1) {
		inany_from_v4(&r.addr, a4);
	} else {
		assert_int_equal(inet_pton(AF_INET6, addr, &a6), 1);
		inany_from_v6(&r.addr, &a6);
	}
	strncpy(r.ifname, ifname, sizeof(r.ifname) - 1);
	return r;
}

static int getopt_int(int s, int level, int name)
{
	socklen_t sl;
	int v = -1;

	sl = sizeof(v);
	assert_int_equal(getsockopt(s, level, name, &v, &sl), 0);
	return v;
}

/* The socket is bound to @addr (text) and @port, in family @af */
static void check_bound(int s, int af, const char *addr, uint16_t port)
{
	union sockaddr_inany sa = {0};
	union inany_addr a;
	char buf[INET6_ADDRSTRLEN];
	socklen_t sl = sizeof(sa);
	uint16_t p = 0;

	assert_int_equal(getsockname(s, &sa.sa, &sl), 0);
	assert_int_equal(sa.sa.sa_family, af);
	assert_int_equal(inany_from_sockaddr(&a, &p, &sa), 0);
	assert_int_equal(p, port);
	assert_string_equal(inany_ntop(&a, buf, sizeof(buf)), addr);
}

static void check_event(int ep, int s, enum epoll_type type, uint32_t idx);

/* Connect to @addr:@port and take the connection from the listener @ls:
 * with @ep >= 0, the connection must wake @ep with the reference @idx
 */
static void check_connects_ev(int ep, int ls, const char *addr, uint16_t port,
			      uint32_t idx)
{
	struct pollfd pfd = {.fd = ls, .events = POLLIN};
	struct fwd_rule r = rule(addr, "");
	union sockaddr_inany sa;
	socklen_t sl;
	int c, a;

	sl = inany_to_sockaddr(&sa, &r.addr, port, 0);
	c = socket(sa.sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(c >= 0);
	assert_int_equal(connect(c, &sa.sa, sl), 0);
	if (ep >= 0)
		check_event(ep, ls, EPOLL_TYPE_TCP_LISTEN, idx);
	else
		assert_int_equal(poll(&pfd, 1, 2000), 1);
	a = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	assert_true(a >= 0);
	close(a);
	close(c);
}

/* Connect to @addr:@port and take the connection from the listener @ls */
static void check_connects(int ls, const char *addr, uint16_t port)
{
	check_connects_ev(-1, ls, addr, port, 0);
}

static void test_dual_stack_takes_both_families(void **state)
{
	struct fwd_rule r = rule("*", "");
	int s;

	(void)state;
	netns_need();
	s = listen_sock(SOCK_STREAM, &r, 20001, false);
	assert_true(s >= 0);
	check_bound(s, AF_INET6, "::", 20001);
	assert_int_equal(getopt_int(s, IPPROTO_IPV6, IPV6_V6ONLY), 0);
	assert_int_equal(getopt_int(s, SOL_SOCKET, SO_ACCEPTCONN), 1);
	check_connects(s, "127.0.0.1", 20001);
	check_connects(s, "::1", 20001);
	close(s);
}

static void test_v4_loopback_nonblocking_cloexec(void **state)
{
	struct fwd_rule r = rule("127.0.0.1", "");
	int s;

	(void)state;
	netns_need();
	s = listen_sock(SOCK_STREAM, &r, 20002, false);
	assert_true(s >= 0);
	check_bound(s, AF_INET, "127.0.0.1", 20002);
	assert_true(fcntl(s, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(s, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(getopt_int(s, SOL_SOCKET, SO_REUSEADDR), 1);
	assert_int_equal(getopt_int(s, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
	check_connects(s, "127.0.0.1", 20002);
	close(s);
}

static void test_v6_is_v6only(void **state)
{
	struct fwd_rule r6 = rule("::", ""), r4 = rule("0.0.0.0", "");
	int s6, s4;

	(void)state;
	netns_need();
	s6 = listen_sock(SOCK_STREAM, &r6, 20003, false);
	assert_true(s6 >= 0);
	check_bound(s6, AF_INET6, "::", 20003);
	assert_int_equal(getopt_int(s6, IPPROTO_IPV6, IPV6_V6ONLY), 1);
	/* so an IPv4 wildcard on the same port can coexist */
	s4 = listen_sock(SOCK_STREAM, &r4, 20003, false);
	assert_true(s4 >= 0);
	check_bound(s4, AF_INET, "0.0.0.0", 20003);
	check_connects(s6, "::1", 20003);
	check_connects(s4, "127.0.0.1", 20003);
	close(s4);
	close(s6);
}

static void test_second_bind_is_addr_in_use(void **state)
{
	struct fwd_rule r = rule("127.0.0.1", ""), d = rule("*", "");
	struct fwd_rule v4any = rule("0.0.0.0", "");
	int s, ds;

	(void)state;
	netns_need();
	s = listen_sock(SOCK_STREAM, &r, 20004, false);
	assert_true(s >= 0);
	assert_int_equal(listen_sock(SOCK_STREAM, &r, 20004, false),
			 -EADDRINUSE);
	close(s);

	ds = listen_sock(SOCK_STREAM, &d, 20005, false);
	assert_true(ds >= 0);
	assert_int_equal(listen_sock(SOCK_STREAM, &v4any, 20005, false),
			 -EADDRINUSE);
	close(ds);
}

static void test_bindtodevice_lo(void **state)
{
	struct fwd_rule r = rule("*", "lo");
	char dev[IFNAMSIZ] = "";
	socklen_t sl = sizeof(dev);
	int s;

	(void)state;
	netns_need();
	s = listen_sock(SOCK_STREAM, &r, 20006, false);
	assert_true(s >= 0);
	assert_int_equal(getsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, dev, &sl),
			 0);
	assert_string_equal(dev, "lo");
	check_connects(s, "127.0.0.1", 20006);
	close(s);
}

static void test_bindtodevice_missing_device(void **state)
{
	struct fwd_rule r = rule("127.0.0.1", "nosuchdev0");

	(void)state;
	netns_need();
	assert_int_equal(listen_sock(SOCK_STREAM, &r, 20007, false), -ENODEV);
}

static void test_udp_bound_not_listening(void **state)
{
	struct fwd_rule r = rule("127.0.0.1", "");
	struct pollfd pfd = {.events = POLLIN};
	union sockaddr_inany sa;
	char buf[8] = "";
	socklen_t sl;
	int s, c;

	(void)state;
	netns_need();
	s = listen_sock(SOCK_DGRAM, &r, 20008, false);
	assert_true(s >= 0);
	check_bound(s, AF_INET, "127.0.0.1", 20008);
	assert_int_equal(getopt_int(s, SOL_SOCKET, SO_TYPE), SOCK_DGRAM);
	assert_true(fcntl(s, F_GETFL) & O_NONBLOCK);

	c = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(c >= 0);
	sl = inany_to_sockaddr(&sa, &r.addr, 20008, 0);
	assert_int_equal(sendto(c, "ping", 4, 0, &sa.sa, sl), 4);
	pfd.fd = s;
	assert_int_equal(poll(&pfd, 1, 2000), 1);
	assert_int_equal(recv(s, buf, sizeof(buf), 0), 4);
	assert_memory_equal(buf, "ping", 4);
	close(c);
	close(s);
}

static void test_freebind_allows_foreign_address(void **state)
{
	struct fwd_rule r4 = rule("192.0.2.1", ""),
			r6 = rule("2001:db8::1", "");
	int s;

	(void)state;
	netns_need();
	assert_int_equal(listen_sock(SOCK_STREAM, &r4, 20009, false),
			 -EADDRNOTAVAIL);
	s = listen_sock(SOCK_STREAM, &r4, 20009, true);
	assert_true(s >= 0);
	check_bound(s, AF_INET, "192.0.2.1", 20009);
	close(s);

	assert_int_equal(listen_sock(SOCK_DGRAM, &r6, 20009, false),
			 -EADDRNOTAVAIL);
	s = listen_sock(SOCK_DGRAM, &r6, 20009, true);
	assert_true(s >= 0);
	check_bound(s, AF_INET6, "2001:db8::1", 20009);
	close(s);
}

static void test_rule_from_spec(void **state)
{
	static struct fwd_table t;
	const struct fwd_parse_ctx ctx = {
		.optname = "-t",
		.proto = IPPROTO_TCP,
		.v4 = true,
		.v6 = true,
		.eph_first = 49152,
		.eph_last = 65535,
	};
	char err[FWD_ERR_LEN];
	uint16_t p = 0;
	int s[3] = {-1, -1, -1}, i;

	(void)state;
	netns_need();
	fwd_table_init(&t);
	assert_int_equal(fwd_spec_parse(&t, &ctx, "[::1]/20010-20012:80-82",
					err, sizeof(err)),
			 0);
	assert_int_equal(t.n, 1);
	for (p = t.rules[0].first, i = 0; p <= t.rules[0].last && i < 3;
	     p++, i++) {
		s[i] = listen_sock(SOCK_STREAM, &t.rules[0], p, false);
		assert_true(s[i] >= 0);
		check_bound(s[i], AF_INET6, "::1", p);
	}
	check_connects(s[2], "::1", 20012);
	for (i = 0; i < 3; i++)
		close(s[i]);
}

static void test_bad_type_or_rule(void **state)
{
	struct fwd_rule r = rule("127.0.0.1", "");

	(void)state;
	netns_need();
	assert_int_equal(listen_sock(SOCK_RAW, &r, 20011, false), -EINVAL);
	r.flags = FWD_DUAL_STACK; /* on an IPv4 address: malformed */
	assert_int_equal(listen_sock(SOCK_STREAM, &r, 20011, false), -EINVAL);
}

/* ::1 port @port */
static struct sockaddr_in6 lo6(uint16_t port)
{
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6};

	sa.sin6_port = htons(port);
	sa.sin6_addr = in6addr_loopback;
	return sa;
}

/* Hold @addr:@port (a listening TCP or bound UDP socket of our own) */
static int hold(int type, const char *addr, uint16_t port)
{
	struct fwd_rule r = rule(addr, "");
	int s = listen_sock(type, &r, port, false);

	assert_true(s >= 0);
	return s;
}

/* The one event ready in @ep is for @s, with @type and index @idx */
static void check_event(int ep, int s, enum epoll_type type, uint32_t idx)
{
	struct epoll_event ev;
	union epoll_ref ref;

	assert_int_equal(epoll_wait(ep, &ev, 1, 2000), 1);
	ref.u64 = ev.data.u64;
	assert_int_equal(ref.fd, s);
	assert_int_equal(ref.type, type);
	assert_int_equal(ref.idx, idx);
}

static void test_open_dual_stack_one_socket(void **state)
{
	const struct fwd_rule r = rule("*", "");
	struct listen_req q = {epoll_create1(EPOLL_CLOEXEC),
			       EPOLL_TYPE_TCP_LISTEN, false};
	struct listen_socks ls;

	(void)state;
	netns_need();
	assert_int_equal(listen_open(&q, &r, 7, 20020, &ls), 0);
	assert_true(ls.fd[0] >= 0);
	assert_int_equal(ls.fd[1], -1);
	assert_int_equal(ls.err[LISTEN_V4], 0);
	assert_int_equal(ls.err[LISTEN_V6], 0);
	assert_int_equal(getopt_int(ls.fd[0], IPPROTO_IPV6, IPV6_V6ONLY), 0);
	check_connects(ls.fd[0], "127.0.0.1", 20020);
	check_connects(ls.fd[0], "::1", 20020);
	close(ls.fd[0]);
	close(q.epfd);
}

/**
 * struct open_case - A port partly taken, and what listen_open() makes of it
 * @rule:	Rule: "*" (dual-stack) or an address
 * @held:	Addresses another socket holds on the port ("::" is v6only)
 * @rc:		Return value
 * @served:	Families served, by enum listen_fam
 * @err:	Errors reported, by enum listen_fam
 */
struct open_case {
	const char *rule;
	const char *held[2];
	int rc;
	bool served[LISTEN_NFAM];
	int err[LISTEN_NFAM];
};

#define INUSE (-EADDRINUSE)

static const struct open_case open_cases[] = {
	{"*", {"0.0.0.0", NULL}, 0, {false, true}, {INUSE, 0}},
	{"*", {"::", NULL}, 0, {true, false}, {0, INUSE}},
	{"*", {"0.0.0.0", "::"}, INUSE, {false, false}, {INUSE, INUSE}},
	/* a rule of one family has nothing to fall back to */
	{"0.0.0.0", {"0.0.0.0", NULL}, INUSE, {false, false}, {0, 0}},
};

/* Each case on its own port: sockets, errors, and who answers what */
static void test_open_with_a_family_held(void **state)
{
	static const char *const lo[LISTEN_NFAM] = {"127.0.0.1", "::1"};
	static const char *const any[LISTEN_NFAM] = {"0.0.0.0", "::"};
	size_t i;
	int f, h;

	(void)state;
	netns_need();
	for (i = 0; i < sizeof(open_cases) / sizeof(open_cases[0]); i++) {
		const struct open_case *c = &open_cases[i];
		const struct fwd_rule r = rule(c->rule, "");
		uint16_t port = (uint16_t)(20030 + i);
		struct listen_req q = {epoll_create1(EPOLL_CLOEXEC),
				       EPOLL_TYPE_TCP_LISTEN, false};
		struct listen_socks ls;
		int held[2] = {-1, -1};

		for (h = 0; h < 2 && c->held[h]; h++)
			held[h] = hold(SOCK_STREAM, c->held[h], port);
		assert_int_equal(listen_open(&q, &r, 3, port, &ls), c->rc);
		for (f = 0; f < LISTEN_NFAM; f++) {
			assert_int_equal(ls.err[f], c->err[f]);
			assert_int_equal(ls.fd[f] >= 0, c->served[f]);
			if (!c->served[f])
				continue;
			check_bound(ls.fd[f], f ? AF_INET6 : AF_INET, any[f],
				    port);
			if (f == LISTEN_V6)
				assert_int_equal(getopt_int(ls.fd[f],
							    IPPROTO_IPV6,
							    IPV6_V6ONLY),
						 1);
			/* registered, with the rule's reference */
			check_connects_ev(q.epfd, ls.fd[f], lo[f], port,
					  epref_listen(3, port));
			close(ls.fd[f]);
		}
		for (h = 0; h < 2; h++) {
			if (held[h] >= 0)
				close(held[h]);
		}
		close(q.epfd);
	}
}

static void test_open_udp_v4_held_serves_v6(void **state)
{
	struct fwd_rule r = rule("*", "");
	struct listen_req q = {epoll_create1(EPOLL_CLOEXEC),
			       EPOLL_TYPE_UDP_LISTEN, false};
	struct sockaddr_in6 sa = lo6(20025);
	struct listen_socks ls;
	int other = hold(SOCK_DGRAM, "0.0.0.0", 20025);
	int c;

	(void)state;
	netns_need();
	r.proto = IPPROTO_UDP;
	assert_int_equal(listen_open(&q, &r, 9, 20025, &ls), 0);
	assert_int_equal(ls.err[LISTEN_V4], -EADDRINUSE);
	assert_true(ls.fd[LISTEN_V6] >= 0);
	assert_int_equal(getopt_int(ls.fd[LISTEN_V6], SOL_SOCKET, SO_TYPE),
			 SOCK_DGRAM);
	c = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_int_equal(
		sendto(c, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa)), 1);
	check_event(q.epfd, ls.fd[LISTEN_V6], EPOLL_TYPE_UDP_LISTEN,
		    epref_listen(9, 20025));
	close(c);
	close(ls.fd[LISTEN_V6]);
	close(other);
	close(q.epfd);
}

static void test_open_rule_index_bounded(void **state)
{
	const struct fwd_rule r = rule("127.0.0.1", "");
	struct listen_req q = {epoll_create1(EPOLL_CLOEXEC),
			       EPOLL_TYPE_TCP_LISTEN, false};
	struct listen_socks ls;

	(void)state;
	netns_need();
	assert_int_equal(listen_open(&q, &r, FWD_MAX_RULES, 20026, &ls),
			 -EINVAL);
	assert_int_equal(ls.fd[0], -1);
	close(q.epfd);
}

static void test_gap_counted_and_shown(void **state)
{
	struct fwd_rule r = rule("*", "");
	struct listen_socks v4_missing = {{-1, 5}, {-EADDRINUSE, 0}};
	struct listen_socks none = {{-1, -1}, {-EADDRINUSE, -EADDRINUSE}};
	struct listen_socks whole = {{4, -1}, {0, 0}};
	struct listen_gap g = {{0, 0}, {0, 0}};
	char buf[FWD_RULE_STRLEN];

	(void)state;
	netns_need();
	r.first = r.last = r.to = 9000;
	listen_gap_fmt(&g, &r, buf, sizeof(buf));
	assert_string_equal(buf, "");

	listen_gap_note(&g, "host", &r, 9000, &whole);
	listen_gap_note(&g, "host", &r, 9000, &none); /* not served: no gap */
	assert_int_equal(g.n[LISTEN_V4], 0);
	listen_gap_note(&g, "host", &r, 9000, &v4_missing);
	assert_int_equal(g.n[LISTEN_V4], 1);
	assert_int_equal(g.n[LISTEN_V6], 0);
	listen_gap_fmt(&g, &r, buf, sizeof(buf));
	assert_string_equal(buf, " (IPv4 not bound: Address already in use)");

	r.last = 9009; /* one port of ten */
	listen_gap_fmt(&g, &r, buf, sizeof(buf));
	assert_string_equal(buf, " (IPv4 not bound on 1 port: "
				 "Address already in use)");

	g.n[LISTEN_V6] = 3;
	g.err[LISTEN_V6] = -EACCES;
	listen_gap_fmt(&g, &r, buf, sizeof(buf));
	assert_string_equal(buf, " (IPv4 not bound on 1 port: "
				 "Address already in use) (IPv6 not bound on "
				 "3 ports: Permission denied)");

	r.last = 9000; /* "auto": a count, whatever the range */
	r.flags |= FWD_AUTO;
	g.n[LISTEN_V6] = 0;
	listen_gap_fmt(&g, &r, buf, sizeof(buf));
	assert_string_equal(buf, " (IPv4 not bound on 1 port: "
				 "Address already in use)");

	listen_gap_fmt(&g, &r, buf, 8); /* truncated, terminated */
	assert_int_equal(strlen(buf), 7);
}

/* Fake sockets for listen_table() and listen_port(): an eventfd stands in
 * for each socket (epoll takes it, and a write makes it report its
 * reference), and chosen ports fail, per family of socket
 */

/**
 * struct fake_fail - How the fake sockets of one port fail
 * @port:	Port
 * @dual:	Error of the dual-stack socket, 0 if it opens
 * @v4:		Error of 0.0.0.0 (or of an IPv4 rule's socket)
 * @v6:		Error of [::] (or of an IPv6 rule's socket)
 */
struct fake_fail {
	uint16_t port;
	int dual;
	int v4;
	int v6;
};

#define FAKE_MAX 64

/**
 * struct fake_socks - What the fake was asked, and what it opened
 * @fail:	Ports that fail, NULL for none
 * @nfail:	Entries in @fail
 * @calls:	Sockets asked for
 * @type:	Socket type of the last call
 * @freebind:	@freebind of the last call
 * @fd:		Descriptors opened
 * @port:	Port of each
 * @nfd:	Number of them
 */
static struct fake_socks {
	const struct fake_fail *fail;
	size_t nfail;
	unsigned int calls;
	int type;
	bool freebind;
	int fd[FAKE_MAX];
	uint16_t port[FAKE_MAX];
	unsigned int nfd;
} fake;

static int fake_sock(int type, const struct fwd_rule *r, uint16_t port,
		     bool freebind)
{
	size_t i;
	int fd;

	fake.calls++;
	fake.type = type;
	fake.freebind = freebind;
	for (i = 0; i < fake.nfail; i++) {
		const struct fake_fail *f = &fake.fail[i];
		int err = inany_is_v4(&r->addr) ? f->v4 : f->v6;

		if (r->flags & FWD_DUAL_STACK)
			err = f->dual;
		if (f->port == port && err)
			return err;
	}
	assert_true(fake.nfd < FAKE_MAX);
	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	assert_true(fd >= 0);
	fake.port[fake.nfd] = port;
	fake.fd[fake.nfd++] = fd;
	return fd;
}

/* Start over with the failures @fail; return a fresh epoll descriptor */
static int fake_reset(const struct fake_fail *fail, size_t nfail)
{
	unsigned int i;
	int ep;

	for (i = 0; i < fake.nfd; i++)
		close(fake.fd[i]);
	memset(&fake, 0, sizeof(fake));
	fake.fail = fail;
	fake.nfail = nfail;
	ep = epoll_create1(EPOLL_CLOEXEC);
	assert_true(ep >= 0);
	return ep;
}

static int fake_teardown(void **state)
{
	(void)state;
	close(fake_reset(NULL, 0));
	return 0;
}

/* A request for @proto on the host, with fake sockets */
static struct listen_req fake_req(int ep, uint8_t proto)
{
	struct listen_req q;

	listen_req_init(&q, ep, proto, LISTEN_HOST, -1, true);
	q.sock = fake_sock;
	return q;
}

/* Append rule @first-@last of @proto on the dual-stack wildcard */
static void add_rule(struct fwd_table *t, uint8_t proto, uint16_t first,
		     uint16_t last, uint8_t flags)
{
	struct fwd_rule *r = &t->rules[t->n++];

	*r = rule("*", "");
	r->proto = proto;
	r->first = r->to = first;
	r->last = last;
	r->flags |= flags;
}

/* Every fake socket opened is in @ep, with @type and its rule @rule and
 * port in the reference
 */
static void check_registered(int ep, enum epoll_type type, unsigned int rule)
{
	struct epoll_event ev[FAKE_MAX];
	uint64_t one = 1;
	unsigned int i;
	int n, k;

	for (i = 0; i < fake.nfd; i++)
		assert_int_equal(write(fake.fd[i], &one, sizeof(one)), 8);
	n = epoll_wait(ep, ev, FAKE_MAX, 1000);
	assert_int_equal(n, (int)fake.nfd);
	for (k = 0; k < n; k++) {
		union epoll_ref ref = {.u64 = ev[k].data.u64};

		for (i = 0; i < fake.nfd && fake.fd[i] != ref.fd; i++)
			;
		assert_true(i < fake.nfd);
		assert_int_equal(ref.type, type);
		assert_int_equal(epref_listen_rule(ref.idx), rule);
		assert_int_equal(epref_listen_port(ref.idx), fake.port[i]);
	}
}

#define NFAIL(a) (sizeof(a) / sizeof((a)[0]))

static void test_req_init_kinds(void **state)
{
	static const struct {
		uint8_t proto;
		enum listen_side side;
		enum epoll_type type;
	} kinds[] = {
		{IPPROTO_TCP, LISTEN_HOST, EPOLL_TYPE_TCP_LISTEN},
		{IPPROTO_UDP, LISTEN_HOST, EPOLL_TYPE_UDP_LISTEN},
		{IPPROTO_TCP, LISTEN_NS, EPOLL_TYPE_TCP_LISTEN_NS},
		{IPPROTO_UDP, LISTEN_NS, EPOLL_TYPE_UDP_LISTEN_NS},
	};
	struct listen_req q;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		listen_req_init(&q, 5, kinds[i].proto, kinds[i].side, 9, false);
		assert_int_equal(q.epfd, 5);
		assert_int_equal(q.type, kinds[i].type);
		assert_int_equal(q.proto, kinds[i].proto);
		assert_int_equal(q.side, kinds[i].side);
		assert_int_equal(q.netns_fd,
				 kinds[i].side == LISTEN_NS ? 9 : -1);
		assert_true(q.sock == listen_sock);
	}
}

/* An explicit rule stops at its first port that can't be bound at all */
static void test_table_strict_port_is_fatal(void **state)
{
	static const struct fake_fail fail[] = {
		{102, -EADDRINUSE, -EADDRINUSE, -EADDRINUSE},
	};
	int ep = fake_reset(fail, NFAIL(fail));
	struct listen_req q = fake_req(ep, IPPROTO_UDP);
	struct fwd_table t = {.n = 0};

	(void)state;
	add_rule(&t, IPPROTO_UDP, 100, 104, 0);
	assert_int_equal(listen_table(&q, &t, NULL), -EADDRINUSE);
	/* 100, 101; 102 three times (dual, then each family); not 103 */
	assert_int_equal(fake.nfd, 2);
	assert_int_equal(fake.calls, 5);
	assert_int_equal(fake.type, SOCK_DGRAM);
	assert_true(fake.freebind);
	check_registered(ep, EPOLL_TYPE_UDP_LISTEN, 0);
	close(ep);
}

/* A best-effort rule skips what it can't bind, and starts */
static void test_table_best_effort_partial(void **state)
{
	static const struct fake_fail fail[] = {
		{201, -EADDRINUSE, -EADDRINUSE, -EADDRINUSE},
		{205, -EACCES, -EACCES, -EACCES},
	};
	int ep = fake_reset(fail, NFAIL(fail));
	struct listen_req q = fake_req(ep, IPPROTO_TCP);
	struct fwd_table t = {.n = 0};

	(void)state;
	add_rule(&t, IPPROTO_TCP, 200, 207, FWD_BEST_EFFORT);
	assert_int_equal(listen_table(&q, &t, NULL), 0);
	assert_int_equal(fake.nfd, 6);
	assert_int_equal(fake.type, SOCK_STREAM);
	check_registered(ep, EPOLL_TYPE_TCP_LISTEN, 0);
	close(ep);
}

/* ... but not if none of its ports binds: the last error is returned */
static void test_table_best_effort_nothing_bound(void **state)
{
	static const struct fake_fail fail[] = {
		{300, -EADDRINUSE, -EADDRINUSE, -EADDRINUSE},
		{301, -EACCES, -EACCES, -EACCES},
	};
	int ep = fake_reset(fail, NFAIL(fail));
	struct listen_req q = fake_req(ep, IPPROTO_UDP);
	struct fwd_table t = {.n = 0};

	(void)state;
	add_rule(&t, IPPROTO_UDP, 300, 301, FWD_BEST_EFFORT);
	assert_int_equal(listen_table(&q, &t, NULL), -EACCES);
	assert_int_equal(fake.nfd, 0);
	close(ep);
}

/* "Nothing at all": one port of any best-effort rule of the protocol and
 * side is enough (a spec of exclusions makes several rules)
 */
static void test_table_best_effort_counts_all_rules(void **state)
{
	static const struct fake_fail fail[] = {
		{400, -EADDRINUSE, -EADDRINUSE, -EADDRINUSE},
		{401, -EADDRINUSE, -EADDRINUSE, -EADDRINUSE},
		{500, -EADDRINUSE, -EADDRINUSE, -EADDRINUSE},
		{550, -EADDRINUSE, -EADDRINUSE, -EADDRINUSE},
	};
	int ep = fake_reset(fail, NFAIL(fail));
	struct listen_req q = fake_req(ep, IPPROTO_TCP);
	struct fwd_table t = {.n = 0};

	(void)state;
	add_rule(&t, IPPROTO_TCP, 400, 401, FWD_BEST_EFFORT);
	add_rule(&t, IPPROTO_TCP, 500, 501, FWD_BEST_EFFORT);
	add_rule(&t, IPPROTO_TCP, 550, 550, FWD_BEST_EFFORT);
	assert_int_equal(listen_table(&q, &t, NULL), 0);
	assert_int_equal(fake.nfd, 1);
	assert_int_equal(fake.port[0], 501);
	close(ep);
}

/* An explicit rule's failure is fatal whatever best-effort rules bound */
static void test_table_strict_after_best_effort(void **state)
{
	static const struct fake_fail fail[] = {
		{600, -EADDRINUSE, -EADDRINUSE, -EADDRINUSE},
		{700, -EADDRNOTAVAIL, -EADDRNOTAVAIL, -EADDRNOTAVAIL},
	};
	int ep = fake_reset(fail, NFAIL(fail));
	struct listen_req q = fake_req(ep, IPPROTO_TCP);
	struct fwd_table t = {.n = 0};

	(void)state;
	add_rule(&t, IPPROTO_TCP, 600, 602, FWD_BEST_EFFORT);
	add_rule(&t, IPPROTO_TCP, 700, 700, 0);
	assert_int_equal(listen_table(&q, &t, NULL), -EADDRNOTAVAIL);
	assert_int_equal(fake.nfd, 2);
	close(ep);
}

/* A port whose dual-stack socket fails is served by the family that binds,
 * counted for the rule display, with the rule's reference
 */
static void test_table_family_fallback(void **state)
{
	static const struct fake_fail fail[] = {
		{801, -EADDRINUSE, -EADDRINUSE, 0},
		{802, -EADDRINUSE, 0, -EACCES},
	};
	int ep = fake_reset(fail, NFAIL(fail));
	struct listen_req q = fake_req(ep, IPPROTO_TCP);
	struct listen_gap gap[2] = {{{0, 0}, {0, 0}}, {{0, 0}, {0, 0}}};
	struct fwd_table t = {.n = 0};

	(void)state;
	add_rule(&t, IPPROTO_UDP, 900, 900, 0); /* not ours: untouched */
	add_rule(&t, IPPROTO_TCP, 800, 802, 0);
	assert_int_equal(listen_table(&q, &t, gap), 0);
	assert_int_equal(fake.nfd, 3); /* 800 dual, 801 v6, 802 v4 */
	assert_int_equal(gap[1].n[LISTEN_V4], 1);
	assert_int_equal(gap[1].err[LISTEN_V4], -EADDRINUSE);
	assert_int_equal(gap[1].n[LISTEN_V6], 1);
	assert_int_equal(gap[1].err[LISTEN_V6], -EACCES);
	assert_int_equal(gap[0].n[LISTEN_V4] + gap[0].n[LISTEN_V6], 0);
	check_registered(ep, EPOLL_TYPE_TCP_LISTEN, 1);
	close(ep);
}

/* "auto" rules and rules of the other protocol are left alone: with no
 * other rule, not even the namespace is entered (-1 would fail it)
 */
static void test_table_skips_auto_and_other_protocol(void **state)
{
	int ep = fake_reset(NULL, 0);
	struct listen_req q;
	struct fwd_table t = {.n = 0};

	(void)state;
	listen_req_init(&q, ep, IPPROTO_TCP, LISTEN_NS, -1, false);
	q.sock = fake_sock;
	add_rule(&t, IPPROTO_TCP, 1000, 1009, FWD_AUTO);
	add_rule(&t, IPPROTO_UDP, 1000, 1009, 0);
	assert_int_equal(listen_table(&q, &t, NULL), 0);
	assert_int_equal(listen_table(&q, NULL, NULL), 0);
	assert_int_equal(fake.calls, 0);
	/* ... with one, the namespace must be entered: that fails here */
	add_rule(&t, IPPROTO_TCP, 1100, 1100, FWD_BEST_EFFORT);
	assert_int_equal(listen_table(&q, &t, NULL), -EBADF);
	assert_int_equal(fake.calls, 0);
	close(ep);
}

/* One port, as the port scanner opens them: checked against the table */
static void test_port_checked_against_table(void **state)
{
	int ep = fake_reset(NULL, 0);
	struct listen_req q = fake_req(ep, IPPROTO_UDP);
	struct fwd_table t = {.n = 0};
	struct listen_socks ls;

	(void)state;
	add_rule(&t, IPPROTO_TCP, 1200, 1201, FWD_AUTO);
	add_rule(&t, IPPROTO_UDP, 1300, 1301, FWD_AUTO);
	assert_int_equal(listen_port(&q, &t, 0, 1200, &ls), -EINVAL);
	assert_int_equal(listen_port(&q, &t, 2, 1300, &ls), -EINVAL);
	assert_int_equal(listen_port(&q, &t, 1, 1302, &ls), -EINVAL);
	assert_int_equal(listen_port(&q, &t, 1, 1299, &ls), -EINVAL);
	assert_int_equal(listen_port(&q, NULL, 0, 1300, &ls), -EINVAL);
	assert_int_equal(ls.fd[0], -1);
	assert_int_equal(ls.fd[1], -1);
	assert_int_equal(fake.calls, 0);
	assert_int_equal(listen_port(&q, &t, 1, 1301, &ls), 0);
	assert_int_equal(ls.fd[0], fake.fd[0]);
	assert_int_equal(ls.fd[1], -1);
	check_registered(ep, EPOLL_TYPE_UDP_LISTEN, 1);
	listen_close(ep, ls.fd[0]);
	assert_int_equal(epoll_wait(ep, &(struct epoll_event){0}, 1, 0), 0);
	fake.nfd = 0; /* closed */
	close(ep);
}

/* The namespace side runs the same policy inside the namespace (here our
 * own, entered through its file)
 */
static void test_table_namespace_side(void **state)
{
	static const struct fake_fail fail[] = {
		{1401, -EADDRINUSE, -EADDRINUSE, -EADDRINUSE},
	};
	int ep = fake_reset(fail, NFAIL(fail));
	int ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	struct listen_socks ls;
	struct listen_req q;
	struct fwd_table t = {.n = 0};

	(void)state;
	netns_need();
	assert_true(ns >= 0);
	listen_req_init(&q, ep, IPPROTO_UDP, LISTEN_NS, ns, false);
	q.sock = fake_sock;
	add_rule(&t, IPPROTO_UDP, 1400, 1402, FWD_BEST_EFFORT);
	assert_int_equal(listen_table(&q, &t, NULL), 0);
	assert_int_equal(fake.nfd, 2);
	assert_int_equal(listen_port(&q, &t, 0, 1401, &ls), -EADDRINUSE);
	check_registered(ep, EPOLL_TYPE_UDP_LISTEN_NS, 0);
	t.rules[0].flags = FWD_DUAL_STACK; /* explicit now */
	assert_int_equal(listen_table(&q, &t, NULL), -EADDRINUSE);
	close(ns);
	close(ep);
}

/* Every rule index and port survives the 24-bit field of a reference */
static void test_epref_listen_round_trip(void **state)
{
	static const unsigned int rules[] = {0, 1, 127, FWD_MAX_RULES - 1};
	static const uint16_t ports[] = {0, 1, 255, 256, 32768, 65535};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		for (j = 0; j < sizeof(ports) / sizeof(ports[0]); j++) {
			union epoll_ref ref = {
				.type = EPOLL_TYPE_UDP_LISTEN_NS,
				.idx = epref_listen(rules[i], ports[j]),
				.fd = 42,
			};
			union epoll_ref back = {.u64 = ref.u64};

			assert_int_equal(epref_listen_rule(back.idx), rules[i]);
			assert_int_equal(epref_listen_port(back.idx), ports[j]);
			assert_int_equal(back.type, EPOLL_TYPE_UDP_LISTEN_NS);
			assert_int_equal(back.fd, 42);
		}
	}
	/* the largest index is within the field: nothing was cut off */
	assert_true(epref_listen(FWD_MAX_RULES - 1, 65535) <=
		    (1U << EPREF_IDX_BITS) - 1);
	assert_int_equal(epref_listen(2, 7), 2U << 16 | 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test(f)
		T(test_dual_stack_takes_both_families),
		T(test_v4_loopback_nonblocking_cloexec),
		T(test_v6_is_v6only),
		T(test_second_bind_is_addr_in_use),
		T(test_bindtodevice_lo),
		T(test_bindtodevice_missing_device),
		T(test_udp_bound_not_listening),
		T(test_freebind_allows_foreign_address),
		T(test_rule_from_spec),
		T(test_bad_type_or_rule),
		T(test_open_dual_stack_one_socket),
		T(test_open_with_a_family_held),
		T(test_open_udp_v4_held_serves_v6),
		T(test_open_rule_index_bounded),
		T(test_gap_counted_and_shown),
		T(test_table_namespace_side),
#undef T
		cmocka_unit_test(test_epref_listen_round_trip),
#define F(f) cmocka_unit_test_teardown(f, fake_teardown)
		F(test_req_init_kinds),
		F(test_table_strict_port_is_fatal),
		F(test_table_best_effort_partial),
		F(test_table_best_effort_nothing_bound),
		F(test_table_best_effort_counts_all_rules),
		F(test_table_strict_after_best_effort),
		F(test_table_family_fallback),
		F(test_table_skips_auto_and_other_protocol),
		F(test_port_checked_against_table),
#undef F
	};

	return cmocka_run_group_tests(tests, netns_setup, NULL);
}
