// SPDX-License-Identifier: GPL-2.0-or-later
/* test_ctl_wire.c - unit tests of the control protocol codec (ctl/wire.c)
 *
 * The exact bytes come from tests/integration/ctl_fixture.py, an encoder
 * written independently from compat.md 5.3 (ctl_fixture_hex.h is generated
 * from it): both encoders must agree.
 */
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

#include "ctl/wire.h"
#include "ctl_fixture_hex.h"

#define ALL_CAPS                                                               \
	(CTL_CAP_IPV4 | CTL_CAP_IPV6 | CTL_CAP_TCP | CTL_CAP_UDP |             \
	 CTL_CAP_SCAN | CTL_CAP_IFNAME)
#define DS  FWD_DUAL_STACK
#define BE  FWD_BEST_EFFORT
#define AUT FWD_AUTO

static uint8_t buf[CTL_SERVER_MAX + 64];
static uint8_t exp_b[CTL_SERVER_MAX + 64];
static struct ctl_table cur[CTL_MAX_TABLES], out[CTL_MAX_TABLES];
static bool present[CTL_MAX_TABLES];
static char err[FWD_ERR_LEN];

/**
 * unhex() - Decode a hex string
 * @hex:	Hex digits
 * @dst:	Bytes
 *
 * Return: number of bytes
 */
static size_t unhex(const char *hex, uint8_t *dst)
{
	size_t i, n = strlen(hex) / 2;

	for (i = 0; i < n; i++) {
		unsigned int x;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &x), 1);
		dst[i] = (uint8_t)x;
	}
	return n;
}

/**
 * mkrule() - Build a rule
 * @addr:	Listening address (text), "::" for dual-stack
 * @taddr:	Target address or NULL
 * @ifname:	Device or ""
 * @first:	First port
 * @last:	Last port
 * @to:		Target of @first
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @flags:	enum fwd_flag
 *
 * Return: the rule
 */
static struct fwd_rule mkrule(const char *addr, const char *taddr,
			      const char *ifname, uint16_t first, uint16_t last,
			      uint16_t to, uint8_t proto, uint8_t flags)
{
	struct fwd_rule r;
	struct in_addr a4;

	memset(&r, 0, sizeof(r));
	if (inet_pton(AF_INET, addr, &a4) == 1)
		inany_from_v4(&r.addr, a4);
	else
		assert_int_equal(inet_pton(AF_INET6, addr, &r.addr.a6), 1);
	if (taddr) {
		r.taddr_set = true;
		if (inet_pton(AF_INET, taddr, &a4) == 1)
			inany_from_v4(&r.taddr, a4);
		else
			assert_int_equal(inet_pton(AF_INET6, taddr, &r.taddr.a6),
					 1);
	}
	strncpy(r.ifname, ifname, sizeof(r.ifname) - 1);
	r.first = first;
	r.last = last;
	r.to = to;
	r.proto = proto;
	r.flags = flags;
	return r;
}

/**
 * mktable() - Set up a table
 * @t:		Table
 * @pif:	enum ctl_pif
 * @caps:	Capabilities
 */
static void mktable(struct ctl_table *t, uint8_t pif, uint32_t caps)
{
	memset(t, 0, sizeof(*t));
	t->pif = pif;
	snprintf(t->name, sizeof(t->name), "%s", ctl_pif_name(pif));
	t->caps = caps;
}

/**
 * add() - Append a rule to a table
 * @t:		Table
 * @r:		Rule
 */
static void add(struct ctl_table *t, struct fwd_rule r)
{
	t->t.rules[t->t.n++] = r;
}

/* The tables of ctl_fixture.EXAMPLE_TABLES */
static void example_tables(struct ctl_table *t)
{
	mktable(&t[0], CTL_PIF_HOST, ALL_CAPS);
	add(&t[0], mkrule("::", NULL, "", 8080, 8081, 8080, IPPROTO_TCP, DS));
	add(&t[0], mkrule("192.0.2.1", "198.51.100.5", "", 22, 22, 2222,
			  IPPROTO_TCP, 0));
	add(&t[0], mkrule("0.0.0.0", NULL, "eth0", 53, 53, 5353, IPPROTO_UDP,
			  0));
	add(&t[0], mkrule("::", NULL, "", 30000, 30010, 30000, IPPROTO_TCP,
			  DS | BE));
	add(&t[0], mkrule("2001:db8::1", NULL, "", 5000, 5001, 5000,
			  IPPROTO_UDP, AUT));
	mktable(&t[1], CTL_PIF_SPLICE, ALL_CAPS);
	add(&t[1], mkrule("::", NULL, "lo", 5432, 5432, 5432, IPPROTO_TCP, DS));
	add(&t[1], mkrule("::", NULL, "lo", 1, 1000, 1, IPPROTO_UDP,
			  DS | BE | AUT));
}

/* The tables of ctl_fixture.START_SEQ_TABLES */
static void start_seq_tables(struct ctl_table *t)
{
	mktable(&t[0], CTL_PIF_HOST, ALL_CAPS);
	add(&t[0], mkrule("::", NULL, "", 3000, 3000, 3000, IPPROTO_TCP, DS));
	add(&t[0], mkrule("::", NULL, "", 4000, 4000, 4000, IPPROTO_UDP, DS));
	mktable(&t[1], CTL_PIF_SPLICE, ALL_CAPS);
	add(&t[1], mkrule("::", NULL, "lo", 5000, 5000, 5000, IPPROTO_UDP, DS));
	add(&t[1], mkrule("::", NULL, "lo", 6000, 6000, 6000, IPPROTO_TCP, DS));
}

static int setup(void **state)
{
	(void)state;
	memset(cur, 0, sizeof(cur));
	memset(out, 0, sizeof(out));
	memset(err, 0, sizeof(err));
	return 0;
}

static void test_hello_bytes(void **state)
{
	size_t n = unhex(FIX_SERVER_HELLO_HEX, exp_b);

	(void)state;
	assert_int_equal(n, CTL_HELLO_LEN);
	assert_int_equal(ctl_hello_put(buf, sizeof(buf)), CTL_HELLO_LEN);
	assert_memory_equal(buf, exp_b, n);
	assert_int_equal(ctl_hello_put(buf, CTL_HELLO_LEN - 1), 0);
}

static void test_tables_bytes(void **state)
{
	size_t n = unhex(FIX_SERVER_EXAMPLE_HEX, exp_b), len, i;

	(void)state;
	example_tables(cur);
	len = ctl_hello_put(buf, sizeof(buf));
	len += ctl_tables_put(buf + len, sizeof(buf) - len, cur, 2);
	assert_int_equal(len, n);
	assert_int_equal(n, CTL_HELLO_LEN + 2 * CTL_TABLE_HDR_LEN +
				    7 * CTL_RULE_LEN + 1);
	assert_memory_equal(buf, exp_b, n);
	/* too small by any amount: nothing */
	for (i = 0; i < n - CTL_HELLO_LEN; i++)
		assert_int_equal(ctl_tables_put(buf, i, cur, 2), 0);
}

static void test_server_round_trip(void **state)
{
	size_t n = unhex(FIX_SERVER_EXAMPLE_HEX, exp_b);
	struct pview v = pview_make(exp_b, n);
	int nt = -1;

	(void)state;
	example_tables(cur);
	assert_int_equal(ctl_server_parse(&v, out, 2, &nt, err, sizeof(err)),
			 0);
	assert_int_equal(nt, 2);
	assert_int_equal(v.len, 0);
	assert_true(ctl_tables_equal(cur, 2, out, 2));
	assert_string_equal(out[0].name, "HOST");
	assert_string_equal(out[1].name, "SPLICE");
	assert_int_equal(out[0].caps, ALL_CAPS);
	assert_true(out[0].t.rules[1].taddr_set);
	assert_false(out[0].t.rules[0].taddr_set);
	assert_string_equal(out[0].t.rules[2].ifname, "eth0");
	/* trailing bytes stay in the view */
	v = pview_make(exp_b, n + 3);
	assert_int_equal(ctl_server_parse(&v, out, 2, &nt, err, sizeof(err)),
			 0);
	assert_int_equal(v.len, 3);
}

static void test_server_truncated(void **state)
{
	size_t n = unhex(FIX_SERVER_EXAMPLE_HEX, exp_b), i;
	int nt;

	(void)state;
	for (i = 0; i < n; i++) {
		struct pview v = pview_make(exp_b, i);

		assert_int_equal(ctl_server_parse(&v, out, 2, &nt, err,
						  sizeof(err)),
				 -EAGAIN);
		assert_int_equal(v.len, i);
		assert_true(err[0]);
	}
}

/**
 * server_rc() - Parse the example server bytes after a patch
 * @off:	Offset of a byte to patch
 * @val:	Its new value
 * @max:	Room for tables
 *
 * Return: what ctl_server_parse() returns
 */
static int server_rc(size_t off, uint8_t val, int max)
{
	size_t n = unhex(FIX_SERVER_EXAMPLE_HEX, exp_b);
	struct pview v = pview_make(exp_b, n);
	int nt;

	exp_b[off] = val;
	err[0] = '\0';
	return ctl_server_parse(&v, out, max, &nt, err, sizeof(err));
}

static void test_server_refusals(void **state)
{
	const size_t t0 = CTL_HELLO_LEN, name0 = t0 + 1,
		     count0 = t0 + 1 + CTL_PIF_NAME_SIZE + 4,
		     r0 = t0 + CTL_TABLE_HDR_LEN,
		     t1 = r0 + 5 * CTL_RULE_LEN;

	(void)state;
	assert_int_equal(server_rc(0, 'B', 2), -EINVAL);
	assert_non_null(strstr(err, "magic"));
	assert_int_equal(server_rc(6, 'q', 2), -EINVAL);
	assert_int_equal(server_rc(11, 3, 2), -EINVAL);
	assert_non_null(strstr(err, "version 3"));
	assert_int_equal(server_rc(11, 1, 2), -EINVAL);
	assert_int_equal(server_rc(11, 0, 2), -EINVAL);
	assert_int_equal(server_rc(15, 64, 2), -EINVAL);
	assert_int_equal(server_rc(19, 20, 2), -EINVAL);
	assert_int_equal(server_rc(t0, CTL_PIF_TAP, 2), -EINVAL);
	assert_int_equal(server_rc(t0, 7, 2), -EINVAL);
	assert_int_equal(server_rc(t1, CTL_PIF_HOST, 2), -EINVAL);
	assert_non_null(strstr(err, "twice"));
	assert_int_equal(server_rc(0, 'b', 1), -E2BIG);
	assert_int_equal(server_rc(name0, 0, 2), -EINVAL);
	assert_int_equal(server_rc(name0 + 1, '\n', 2), -EINVAL);
	assert_int_equal(server_rc(name0 + 100, 'x', 2), -EINVAL);
	assert_int_equal(server_rc(count0 - 1, 0xff, 2), 0); /* unknown caps bits */
	assert_int_equal(server_rc(count0 + 2, 1, 2), -E2BIG);
	assert_int_equal(server_rc(count0, 1, 2), -E2BIG);
	/* a rule invalid for its table: unknown protocol */
	assert_int_equal(server_rc(r0 + 54, 1, 2), -EINVAL);
	assert_non_null(strstr(err, "protocol"));
	/* without SCAN, the auto rule is refused */
	assert_int_equal(server_rc(t0 + 1 + CTL_PIF_NAME_SIZE + 3,
				   ALL_CAPS & ~CTL_CAP_SCAN, 2),
			 -EINVAL);
	assert_non_null(strstr(err, "auto"));
}

/**
 * update_bytes() - Build an update from tables
 * @t:		Tables
 * @n:		Number
 *
 * Return: length in buf
 */
static size_t update_bytes(const struct ctl_table *t, int n)
{
	size_t len = ctl_update_put(buf, sizeof(buf), t, n);

	assert_int_not_equal(len, 0);
	return len;
}

static void test_update_t8080_bytes(void **state)
{
	const struct fwd_parse_ctx c = {
		.optname = "-t", .proto = IPPROTO_TCP, .v4 = true, .v6 = true,
		.pasta = true, .eph_first = 49152, .eph_last = 65535,
	};
	size_t n = unhex(FIX_UPDATE_T8080_HEX, exp_b), len, i;
	struct pview v;

	(void)state;
	mktable(&out[0], CTL_PIF_HOST, ALL_CAPS);
	assert_int_equal(fwd_spec_parse(&out[0].t, &c, "8080", err,
					sizeof(err)),
			 0);
	len = update_bytes(out, 1);
	assert_int_equal(len, n);
	assert_memory_equal(buf, exp_b, n);
	for (i = 0; i < n; i++)
		assert_int_equal(ctl_update_put(buf, i, out, 1), 0);

	/* the server's side */
	example_tables(cur);
	v = pview_make(exp_b, n);
	assert_int_equal(ctl_update_parse(&v, cur, 2, out, present, err,
					  sizeof(err)),
			 0);
	assert_true(present[0]);
	assert_false(present[1]);
	assert_int_equal(out[0].t.n, 1);
	assert_int_equal(out[0].t.rules[0].first, 8080);
	assert_int_equal(out[0].t.rules[0].flags, DS);
	assert_true(ctl_tables_equal(&out[1], 1, &cur[1], 1));
	assert_int_equal(out[1].t.n, 2);
	assert_int_equal(v.len, 0);
}

static void test_update_seq_bytes(void **state)
{
	size_t n = unhex(FIX_UPDATE_SEQ_HEX, exp_b), len;
	struct ctl_table want[2];
	struct pview v;

	(void)state;
	start_seq_tables(cur);
	/* -A -t 2000 -D -t 3000 -U 5000 done by hand */
	want[0] = cur[0];
	want[1] = cur[1];
	want[0].t.rules[0] = want[0].t.rules[1];
	want[0].t.rules[1] = mkrule("::", NULL, "", 2000, 2000, 2000,
				    IPPROTO_TCP, DS);
	want[1].t.rules[0] = want[1].t.rules[1];
	want[1].t.n = 1;
	len = update_bytes(want, 2);
	assert_int_equal(len, n);
	assert_memory_equal(buf, exp_b, n);

	v = pview_make(exp_b, n);
	assert_int_equal(ctl_update_parse(&v, cur, 2, out, present, err,
					  sizeof(err)),
			 0);
	assert_true(present[0] && present[1]);
	assert_true(ctl_tables_equal(out, 2, want, 2));
	assert_false(ctl_tables_equal(out, 2, cur, 2));
}

static void test_update_empty_and_truncated(void **state)
{
	size_t n = unhex(FIX_UPDATE_SEQ_HEX, exp_b), i;
	uint8_t end = 0;
	struct pview v = pview_make(&end, 1);

	(void)state;
	start_seq_tables(cur);
	assert_int_equal(ctl_update_parse(&v, cur, 2, out, present, err,
					  sizeof(err)),
			 0);
	assert_false(present[0] || present[1]);
	assert_true(ctl_tables_equal(out, 2, cur, 2));
	for (i = 0; i < n; i++) {
		v = pview_make(exp_b, i);
		err[0] = '\0';
		assert_int_equal(ctl_update_parse(&v, cur, 2, out, present,
						  err, sizeof(err)),
				 -EAGAIN);
		assert_true(err[0]);
		assert_int_equal(v.len, i);
	}
	/* empty table: clears it */
	exp_b[0] = CTL_PIF_SPLICE;
	memset(exp_b + 1, 0, 4);
	exp_b[5] = 0;
	v = pview_make(exp_b, 6);
	assert_int_equal(ctl_update_parse(&v, cur, 2, out, present, err,
					  sizeof(err)),
			 0);
	assert_true(present[1]);
	assert_int_equal(out[1].t.n, 0);
}

/* One-rule update for the HOST table: pif, count 1, rule, end mark */
static size_t one_rule_update(const struct fwd_rule *r)
{
	buf[0] = CTL_PIF_HOST;
	buf[1] = buf[2] = buf[3] = 0;
	buf[4] = 1;
	ctl_rule_put(r, buf + 5);
	buf[5 + CTL_RULE_LEN] = 0;
	return 6 + CTL_RULE_LEN;
}

/**
 * update_rc() - Parse buf as an update to the HOST table of given caps
 * @len:	Bytes in buf
 * @caps:	Capabilities of HOST
 *
 * Return: what ctl_update_parse() returns
 */
static int update_rc(size_t len, uint32_t caps)
{
	struct pview v = pview_make(buf, len);

	mktable(&cur[0], CTL_PIF_HOST, caps);
	mktable(&cur[1], CTL_PIF_SPLICE, caps);
	err[0] = '\0';
	return ctl_update_parse(&v, cur, 2, out, present, err, sizeof(err));
}

/**
 * rule_rc() - Parse a one-rule update, patched at one offset of the rule
 * @r:		Rule
 * @off:	Offset in the rule, or -1 for no patch
 * @val:	Byte to write there
 * @caps:	Capabilities of the table
 *
 * Return: what ctl_update_parse() returns
 */
static int rule_rc(struct fwd_rule r, int off, uint8_t val, uint32_t caps)
{
	size_t len = one_rule_update(&r);

	if (off >= 0)
		buf[5 + off] = val;
	return update_rc(len, caps);
}

static void test_update_rule_refusals(void **state)
{
	struct fwd_rule ds = mkrule("::", NULL, "", 80, 81, 80, IPPROTO_TCP,
				    DS);
	struct fwd_rule v4 = mkrule("192.0.2.1", NULL, "", 80, 80, 80,
				    IPPROTO_TCP, 0);
	struct fwd_rule v6 = mkrule("2001:db8::1", NULL, "", 80, 80, 80,
				    IPPROTO_UDP, 0);
	struct fwd_rule r;

	(void)state;
	assert_int_equal(rule_rc(ds, -1, 0, ALL_CAPS), 0);
	assert_int_equal(rule_rc(v4, -1, 0, ALL_CAPS), 0);
	assert_int_equal(rule_rc(v6, -1, 0, ALL_CAPS), 0);
	/* family */
	assert_int_equal(rule_rc(v4, -1, 0, ALL_CAPS & ~CTL_CAP_IPV4),
			 -EINVAL);
	assert_int_equal(rule_rc(v6, -1, 0, ALL_CAPS & ~CTL_CAP_IPV6),
			 -EINVAL);
	assert_int_equal(rule_rc(ds, -1, 0, ALL_CAPS & ~CTL_CAP_IPV6),
			 -EINVAL);
	/* protocol */
	assert_int_equal(rule_rc(v4, 54, 1, ALL_CAPS), -EINVAL);
	assert_int_equal(rule_rc(v4, 54, 0, ALL_CAPS), -EINVAL);
	assert_int_equal(rule_rc(v4, -1, 0, ALL_CAPS & ~CTL_CAP_TCP), -EINVAL);
	assert_int_equal(rule_rc(v6, -1, 0, ALL_CAPS & ~CTL_CAP_UDP), -EINVAL);
	assert_non_null(strstr(err, "protocol"));
	/* scan */
	assert_int_equal(rule_rc(v4, 55, AUT, ALL_CAPS), 0);
	assert_int_equal(rule_rc(v4, 55, AUT, ALL_CAPS & ~CTL_CAP_SCAN),
			 -EINVAL);
	/* device binding */
	r = v4;
	strcpy(r.ifname, "eth0");
	assert_int_equal(rule_rc(r, -1, 0, ALL_CAPS), 0);
	assert_int_equal(rule_rc(r, -1, 0, ALL_CAPS & ~CTL_CAP_IFNAME),
			 -EINVAL);
	/* ports */
	assert_int_equal(rule_rc(v4, 49, 0, ALL_CAPS), -EINVAL);  /* first 0 */
	assert_int_equal(rule_rc(v4, 53, 0, ALL_CAPS), -EINVAL);  /* to 0 */
	assert_int_equal(rule_rc(v4, 51, 79, ALL_CAPS), -EINVAL); /* last<first */
	r = mkrule("192.0.2.1", NULL, "", 80, 90, 65530, IPPROTO_TCP, 0);
	assert_int_equal(rule_rc(r, -1, 0, ALL_CAPS), -EINVAL);
	r.to = 65525;
	assert_int_equal(rule_rc(r, -1, 0, ALL_CAPS), 0);
	/* flags */
	assert_int_equal(rule_rc(v4, 55, 8, ALL_CAPS), -EINVAL);
	assert_int_equal(rule_rc(v4, 55, 0x80, ALL_CAPS), -EINVAL);
	/* ifname */
	r = v4;
	memset(r.ifname, 'a', sizeof(r.ifname) - 1);
	assert_int_equal(rule_rc(r, 47, 'a', ALL_CAPS), -EINVAL);
	assert_non_null(strstr(err, "NUL"));
	strcpy(r.ifname, ".");
	assert_int_equal(rule_rc(r, -1, 0, ALL_CAPS), -EINVAL);
	strcpy(r.ifname, "..");
	assert_int_equal(rule_rc(r, -1, 0, ALL_CAPS), -EINVAL);
	strcpy(r.ifname, "a/b");
	assert_int_equal(rule_rc(r, -1, 0, ALL_CAPS), -EINVAL);
	strcpy(r.ifname, "a");
	assert_int_equal(rule_rc(r, 34, 'x', ALL_CAPS), -EINVAL); /* after NUL */
	/* dual-stack flag with an address other than :: */
	assert_int_equal(rule_rc(v4, 55, DS, ALL_CAPS), -EINVAL);
	assert_int_equal(rule_rc(v6, 55, DS, ALL_CAPS), -EINVAL);
	r = mkrule("0.0.0.0", NULL, "", 80, 80, 80, IPPROTO_TCP, DS);
	assert_int_equal(rule_rc(r, -1, 0, ALL_CAPS), -EINVAL);
	/* target addresses */
	r = mkrule("192.0.2.1", "198.51.100.7", "", 80, 80, 80, IPPROTO_TCP,
		   0);
	assert_int_equal(rule_rc(r, -1, 0, ALL_CAPS), 0);
	r = mkrule("192.0.2.1", "2001:db8::7", "", 80, 80, 80, IPPROTO_TCP, 0);
	assert_int_equal(rule_rc(r, -1, 0, ALL_CAPS), -EINVAL);
	r = mkrule("2001:db8::1", "198.51.100.7", "", 80, 80, 80, IPPROTO_TCP,
		   0);
	assert_int_equal(rule_rc(r, -1, 0, ALL_CAPS), -EINVAL);
	r = mkrule("192.0.2.1", "224.0.0.1", "", 80, 80, 80, IPPROTO_TCP, 0);
	assert_int_equal(rule_rc(r, -1, 0, ALL_CAPS), -EINVAL);
	r = mkrule("2001:db8::1", "ff02::1", "", 80, 80, 80, IPPROTO_TCP, 0);
	assert_int_equal(rule_rc(r, -1, 0, ALL_CAPS), -EINVAL);
	r = mkrule("192.0.2.1", "0.0.0.0", "", 80, 80, 80, IPPROTO_TCP, 0);
	assert_int_equal(rule_rc(r, -1, 0, ALL_CAPS), -EINVAL);
	assert_non_null(strstr(err, "unspecified"));
	r = mkrule("::", "2001:db8::7", "", 80, 80, 80, IPPROTO_TCP, DS);
	assert_int_equal(rule_rc(r, -1, 0, ALL_CAPS), -EINVAL);
}

static void test_update_stream_refusals(void **state)
{
	struct fwd_rule ds = mkrule("::", NULL, "", 80, 81, 80, IPPROTO_TCP,
				    DS);
	size_t len = one_rule_update(&ds), i;

	(void)state;
	/* unknown pif, TAP */
	buf[0] = 7;
	assert_int_equal(update_rc(len, ALL_CAPS), -EINVAL);
	buf[0] = CTL_PIF_TAP;
	assert_int_equal(update_rc(len, ALL_CAPS), -EINVAL);
	assert_non_null(strstr(err, "pif 2"));
	buf[0] = 'b';
	assert_int_equal(update_rc(len, ALL_CAPS), -EINVAL);
	buf[0] = CTL_PIF_HOST;
	/* bytes after the end mark */
	buf[len] = 0;
	assert_int_equal(update_rc(len + 1, ALL_CAPS), -EINVAL);
	assert_non_null(strstr(err, "after"));
	/* a pif twice */
	memmove(buf + len - 1, buf, len);
	assert_int_equal(update_rc(2 * len - 1, ALL_CAPS), -EINVAL);
	assert_non_null(strstr(err, "twice"));
	/* counts over the limit, and the limit itself */
	len = one_rule_update(&ds);
	buf[3] = 1;
	buf[4] = 0; /* 256 */
	assert_int_equal(update_rc(len, ALL_CAPS), -E2BIG);
	buf[1] = 0xff;
	assert_int_equal(update_rc(len, ALL_CAPS), -E2BIG);
	buf[1] = buf[3] = 0;
	buf[4] = FWD_MAX_RULES;
	for (i = 0; i < FWD_MAX_RULES; i++) {
		struct fwd_rule r = mkrule("::", NULL, "", (uint16_t)(i + 1),
					   (uint16_t)(i + 1),
					   (uint16_t)(i + 1), IPPROTO_TCP,
					   DS);

		ctl_rule_put(&r, buf + 5 + i * CTL_RULE_LEN);
	}
	buf[5 + FWD_MAX_RULES * CTL_RULE_LEN] = 0;
	assert_int_equal(update_rc(6 + FWD_MAX_RULES * CTL_RULE_LEN, ALL_CAPS),
			 0);
	assert_int_equal(out[0].t.n, FWD_MAX_RULES);
	assert_true(6 + FWD_MAX_RULES * CTL_RULE_LEN <= CTL_UPDATE_MAX);
}

static void test_update_conflicts(void **state)
{
	struct ctl_table t[1];
	size_t len;

	(void)state;
	mktable(&t[0], CTL_PIF_HOST, ALL_CAPS);
	add(&t[0], mkrule("::", NULL, "", 80, 90, 80, IPPROTO_TCP, DS));
	add(&t[0], mkrule("192.0.2.1", NULL, "", 90, 95, 90, IPPROTO_TCP, 0));
	len = ctl_update_put(buf, sizeof(buf), t, 1);
	assert_int_equal(update_rc(len, ALL_CAPS), -EINVAL);
	assert_non_null(strstr(err, "conflict"));
	/* other protocol, or disjoint ports: fine */
	t[0].t.rules[1].proto = IPPROTO_UDP;
	len = ctl_update_put(buf, sizeof(buf), t, 1);
	assert_int_equal(update_rc(len, ALL_CAPS), 0);
	t[0].t.rules[1].proto = IPPROTO_TCP;
	t[0].t.rules[1].first = 91;
	t[0].t.rules[1].last = 92;
	len = ctl_update_put(buf, sizeof(buf), t, 1);
	assert_int_equal(update_rc(len, ALL_CAPS), 0);
	/* same address, different devices: still a conflict */
	t[0].t.rules[0] = mkrule("192.0.2.1", NULL, "a", 91, 91, 91,
				 IPPROTO_TCP, 0);
	strcpy(t[0].t.rules[1].ifname, "b");
	len = ctl_update_put(buf, sizeof(buf), t, 1);
	assert_int_equal(update_rc(len, ALL_CAPS), -EINVAL);
}

static void test_request_answer(void **state)
{
	size_t n = unhex(FIX_REQ_FLOWS_JSON_HEX, exp_b), i;
	uint32_t req, st, len;
	struct pview v;

	(void)state;
	assert_int_equal(ctl_req_put(buf, sizeof(buf), CTL_REQ_FLOWS_JSON),
			 CTL_REQ_LEN);
	assert_int_equal(n, CTL_REQ_LEN);
	assert_memory_equal(buf, exp_b, n);
	assert_int_equal(ctl_req_put(buf, CTL_REQ_LEN - 1, 1), 0);
	v = pview_make(exp_b, n);
	assert_int_equal(ctl_req_parse(&v, &req), 0);
	assert_int_equal(req, CTL_REQ_FLOWS_JSON);
	assert_int_equal(v.len, 0);
	for (i = 0; i < n; i++) {
		v = pview_make(exp_b, i);
		assert_int_equal(ctl_req_parse(&v, &req), -EAGAIN);
	}
	ctl_req_put(buf, sizeof(buf), 9);
	v = pview_make(buf, CTL_REQ_LEN);
	assert_int_equal(ctl_req_parse(&v, &req), -EOPNOTSUPP);
	assert_int_equal(req, 9);
	ctl_req_put(buf, sizeof(buf), 0);
	v = pview_make(buf, CTL_REQ_LEN);
	assert_int_equal(ctl_req_parse(&v, &req), -EOPNOTSUPP);
	/* an update is not a request */
	n = unhex(FIX_UPDATE_T8080_HEX, exp_b);
	v = pview_make(exp_b, n);
	assert_int_equal(ctl_req_parse(&v, &req), -EINVAL);
	assert_int_equal(v.len, n);
	v = pview_make(exp_b, 1);
	assert_int_equal(ctl_req_parse(&v, &req), -EINVAL);

	/* answer */
	n = unhex(FIX_ANS_OK_HEX, exp_b);
	assert_int_equal(ctl_ans_hdr_put(buf, sizeof(buf), 0, 5),
			 CTL_ANS_HDR_LEN);
	memcpy(buf + CTL_ANS_HDR_LEN, "1 ok\n", 5);
	assert_int_equal(n, CTL_ANS_HDR_LEN + 5);
	assert_memory_equal(buf, exp_b, n);
	v = pview_make(exp_b, n);
	assert_int_equal(ctl_ans_hdr_parse(&v, &st, &len), 0);
	assert_int_equal(st, 0);
	assert_int_equal(len, 5);
	assert_int_equal(v.len, 5);
	for (i = 0; i < CTL_ANS_HDR_LEN; i++) {
		v = pview_make(exp_b, i);
		assert_int_equal(ctl_ans_hdr_parse(&v, &st, &len), -EAGAIN);
	}
	assert_int_equal(ctl_ans_hdr_put(buf, sizeof(buf), 0, CTL_ANS_MAX),
			 CTL_ANS_HDR_LEN);
	assert_int_equal(ctl_ans_hdr_put(buf, sizeof(buf), 0, CTL_ANS_MAX + 1),
			 0);
	assert_int_equal(ctl_ans_hdr_put(buf, CTL_ANS_HDR_LEN - 1, 0, 1), 0);
	buf[12] = 0x04; /* 64 MiB + 1 */
	buf[15] = 0x01;
	v = pview_make(buf, CTL_ANS_HDR_LEN);
	assert_int_equal(ctl_ans_hdr_parse(&v, &st, &len), -E2BIG);
	ctl_ans_hdr_put(buf, sizeof(buf), 5000, 1);
	v = pview_make(buf, CTL_ANS_HDR_LEN);
	assert_int_equal(ctl_ans_hdr_parse(&v, &st, &len), -EINVAL);
	ctl_ans_hdr_put(buf, sizeof(buf), ENOENT, 1);
	buf[6] = 's';
	v = pview_make(buf, CTL_ANS_HDR_LEN);
	assert_int_equal(ctl_ans_hdr_parse(&v, &st, &len), -EINVAL);
	/* an upstream server's hello is not an answer */
	n = unhex(FIX_SERVER_HELLO_HEX, exp_b);
	v = pview_make(exp_b, n);
	assert_int_equal(ctl_ans_hdr_parse(&v, &st, &len), -EINVAL);
}

static void test_rule_round_trip(void **state)
{
	struct fwd_rule a = mkrule("2001:db8::1", "2001:db8::2", "eth0", 1,
				   65535, 1, IPPROTO_UDP, BE | AUT), b;
	uint8_t w[CTL_RULE_LEN];
	struct pview v = pview_make(w, sizeof(w));

	(void)state;
	ctl_rule_put(&a, w);
	assert_int_equal(ctl_rule_get(&v, ALL_CAPS, &b, err, sizeof(err)), 0);
	assert_true(ctl_rule_equal(&a, &b));
	assert_int_equal(v.len, 0);
	assert_int_equal(b.last, 65535);
	v = pview_make(w, sizeof(w) - 1);
	assert_int_equal(ctl_rule_get(&v, ALL_CAPS, &b, err, sizeof(err)),
			 -EAGAIN);
	a.taddr_set = false; /* taddr ignored when not set */
	ctl_rule_put(&a, w);
	v = pview_make(w, sizeof(w));
	assert_int_equal(ctl_rule_get(&v, ALL_CAPS, &b, err, sizeof(err)), 0);
	assert_false(b.taddr_set);
	assert_string_equal(ctl_pif_name(CTL_PIF_SPLICE), "SPLICE");
	assert_string_equal(ctl_pif_name(9), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup(f, setup)
		T(test_hello_bytes),
		T(test_tables_bytes),
		T(test_server_round_trip),
		T(test_server_truncated),
		T(test_server_refusals),
		T(test_update_t8080_bytes),
		T(test_update_seq_bytes),
		T(test_update_empty_and_truncated),
		T(test_update_rule_refusals),
		T(test_update_stream_refusals),
		T(test_update_conflicts),
		T(test_request_answer),
		T(test_rule_round_trip),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
