// SPDX-License-Identifier: GPL-2.0-or-later
/* test_report.c - unit tests of the control socket's reports (ctl/report.c):
 * a flow table with a flow of each type, both families, one flow still NEW
 * and one CLOSED (not listed), counters with distinct values; the JSON and
 * the Prometheus text are checked byte for byte, state names from the
 * callback are escaped in both, and every buffer too small by any number
 * of bytes gives 0. The per-flow counting (flow_account*()) is checked too.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/util.h"
#include "ctl/report.h"
#include "flow/flow.h"
#include "os/epref.h"

#include "flow_fixture.h"

/* Big: static, not on the stack */
static struct flow_table tbl;
static struct counters cnt;
static char out[1 << 16];

#define T0_MS 1000000ULL	/* clock at the flows' creation, ms */

static void side(struct flow_side *sd, enum flow_if pif, const char *peer,
		 uint16_t pport, const char *ours, uint16_t oport)
{
	union inany_addr p = test_addr(peer), o = test_addr(ours);

	flow_side_set(sd, pif, &p, pport, &o, oport);
}

/* One flow, activated, with sides and counters */
static int flow(enum flow_type type, enum flow_if ipif, const char *ipeer,
		uint16_t ipport, const char *iours, uint16_t ioport,
		enum flow_if tpif, const char *tpeer, uint16_t tpport,
		const char *tours, uint16_t toport)
{
	struct flow_side ini, tgt;
	int idx = flow_alloc(&tbl, type, NULL);

	assert_true(idx >= 0);
	side(&ini, ipif, ipeer, ipport, iours, ioport);
	side(&tgt, tpif, tpeer, tpport, tours, toport);
	flow_activate(&tbl, idx, &ini, &tgt);
	return idx;
}

static const char *state_cb(const void *arg, int idx,
			    const struct flow_entry *e)
{
	(void)arg;
	(void)idx;
	if (e->state == FLOW_STATE_NEW)
		return NULL;
	if (e->type == FLOW_TCP)
		return "ESTABLISHED";
	if (e->type == FLOW_TCP_SPLICE)
		return "odd\"name\\x\n";
	return NULL;
}

static void src_init(struct report_src *s)
{
	int closed;

	clock_fake_set(T0_MS * 1000000ULL);
	flow_init(&tbl, test_sipkey);
	memset(&cnt, 0, sizeof(cnt));

	/* 0: TCP from the guest */
	flow(FLOW_TCP, FLOW_IF_TAP, "192.0.2.2", 40000, "203.0.113.1", 80,
	     FLOW_IF_HOST, "203.0.113.1", 80, "0.0.0.0", 0);
	/* 1: TCP spliced from a -t port, IPv6 */
	flow(FLOW_TCP_SPLICE, FLOW_IF_HOST, "::1", 51000, "::1", 8080,
	     FLOW_IF_SPLICE, "::1", 8080, "::", 0);
	/* 2: closed in this round: not listed */
	closed = flow(FLOW_UDP, FLOW_IF_TAP, "192.0.2.2", 1, "192.0.2.1", 2,
		      FLOW_IF_HOST, "192.0.2.1", 2, "0.0.0.0", 0);
	flow_free(&tbl, closed);
	/* 3: UDP to a -u port, IPv6 peer */
	flow(FLOW_UDP, FLOW_IF_HOST, "2001:db8::9", 5353, "::", 5353,
	     FLOW_IF_TAP, "2001:db8::2", 5353, "2001:db8::9", 5353);
	/* 4: UDP spliced from a -U port */
	flow(FLOW_UDP_SPLICE, FLOW_IF_SPLICE, "127.0.0.1", 40001,
	     "127.0.0.1", 53, FLOW_IF_HOST, "127.0.0.1", 53, "0.0.0.0", 0);
	/* 5, 6: echo, both families */
	flow(FLOW_PING4, FLOW_IF_TAP, "192.0.2.2", 7, "198.51.100.1", 0,
	     FLOW_IF_HOST, "198.51.100.1", 0, "0.0.0.0", 0);
	flow(FLOW_PING6, FLOW_IF_TAP, "2001:db8::2", 8, "2001:db8:1::1", 0,
	     FLOW_IF_HOST, "2001:db8:1::1", 0, "::", 0);
	/* 7: allocated, not set up yet: no sides */
	assert_int_equal(flow_alloc(&tbl, FLOW_TCP, NULL), 7);

	clock_fake_advance(1500);
	flow_account_from(&tbl, 0, FLOW_IF_TAP, 1000, 2);
	flow_account_from(&tbl, 0, FLOW_IF_HOST, 70000, 3);
	flow_account(&tbl, 1, FLOW_INI_TO_TGT, 12345, 1);
	flow_account_at(&tbl, 3, FLOW_TGT_TO_INI, 99, 1, T0_MS + 250);
	flow_account_from(&tbl, 4, FLOW_IF_SPLICE, 40, 2);
	flow_account_from(&tbl, 5, FLOW_IF_HOST, 56, 1);
	flow_account_from(&tbl, 6, FLOW_IF_TAP, 56, 1);
	clock_fake_advance(2000);

	cnt.frames[CNT_LINK_TAP][CNT_IN] = 11;
	cnt.frames[CNT_LINK_TAP][CNT_OUT] = 12;
	cnt.frames[CNT_LINK_VU][CNT_OUT] = 3;
	cnt.drops[CNT_DROP_MALFORMED] = 1;
	cnt.drops[CNT_DROP_DISABLED] = 6;
	cnt.l2[CNT_L2_DHCP] = 2;
	cnt.l2[CNT_L2_NDP_NA] = 5;
	cnt.epoll[EPOLL_TYPE_TAP] = 100;
	cnt.epoll[EPOLL_TYPE_REPAIR] = 7;

	s->flows = &tbl;
	s->cnt = &cnt;
	s->now = clock_ms();
	s->state = state_cb;
	s->state_arg = NULL;
}

/* Every length short of what's needed gives 0; the right one the text */
static void check_all_lengths(size_t (*fn)(const struct report_src *,
					   char *, size_t),
			      const struct report_src *s, const char *want)
{
	static char buf[sizeof(out)];
	size_t n = strlen(want), len;

	for (len = 0; len <= n; len++)
		assert_int_equal(fn(s, buf, len), 0);
	assert_int_equal(fn(s, buf, n + 1), n);
	assert_string_equal(buf, want);
}

#include "test_report_want.h"

static void test_json(void **state)
{
	struct report_src s;
	size_t n;

	(void)state;
	src_init(&s);
	n = report_json(&s, out, sizeof(out));
	if (getenv("REPORT_GEN"))
		fwrite(out, 1, n, stdout);
	assert_int_equal(n, strlen(want_json));
	assert_string_equal(out, want_json);
	check_all_lengths(report_json, &s, want_json);
	clock_fake_set(0);
}

static void test_prom(void **state)
{
	struct report_src s;
	size_t n;

	(void)state;
	src_init(&s);
	n = report_prom(&s, out, sizeof(out));
	if (getenv("REPORT_GEN"))
		fwrite(out, 1, n, stdout);
	assert_int_equal(n, strlen(want_prom));
	assert_string_equal(out, want_prom);
	check_all_lengths(report_prom, &s, want_prom);
	clock_fake_set(0);
}

/* No flows, no callback: generic state names never needed, empty list */
static void test_empty(void **state)
{
	struct report_src s = { &tbl, &cnt, 5, NULL, NULL };

	(void)state;
	flow_init(&tbl, test_sipkey);
	memset(&cnt, 0, sizeof(cnt));
	assert_true(report_json(&s, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, ",\"flows\":[]}\n"));
	assert_true(report_prom(&s, out, sizeof(out)) > 0);
	assert_null(strstr(out, "passt_flow_bytes{"));
	assert_non_null(strstr(out, "# TYPE passt_flow_bytes counter\n"));
}

/* Generic names without a callback; counters and flow table use */
static void test_generic_state_and_use(void **state)
{
	struct report_src s;

	(void)state;
	src_init(&s);
	s.state = NULL;
	assert_true(report_json(&s, out, sizeof(out)) > 0);
	assert_non_null(strstr(out, "{\"index\":0,\"type\":\"tcp\","
				    "\"state\":\"active\""));
	assert_non_null(strstr(out, "{\"index\":7,\"type\":\"tcp\","
				    "\"state\":\"new\""));
	/* 8 allocated, one closed before the last four */
	assert_int_equal(tbl.count, 7);
	assert_int_equal(tbl.peak, 7);
	assert_int_equal(tbl.by_type[FLOW_TCP], 2);
	assert_int_equal(tbl.by_type[FLOW_UDP], 1);
	clock_fake_set(0);
}

/* flow_account*(): directions by side, time, free and closed entries */
static void test_account(void **state)
{
	struct report_src s;
	const struct flow_entry *e;

	(void)state;
	src_init(&s);
	e = flow_get(&tbl, 0);
	assert_int_equal(e->cnt[FLOW_INI_TO_TGT].bytes, 1000);
	assert_int_equal(e->cnt[FLOW_INI_TO_TGT].packets, 2);
	assert_int_equal(e->cnt[FLOW_TGT_TO_INI].bytes, 70000);
	assert_int_equal(e->cnt[FLOW_TGT_TO_INI].packets, 3);
	assert_int_equal(e->last, T0_MS + 1500);
	assert_int_equal(e->created, T0_MS);
	/* a -u flow: the host side initiated it, so from the tap is back */
	assert_int_equal(flow_dir_from(&tbl, 3, FLOW_IF_TAP),
			 FLOW_TGT_TO_INI);
	assert_int_equal(flow_dir_from(&tbl, 3, FLOW_IF_HOST),
			 FLOW_INI_TO_TGT);
	/* nothing happens to free or out-of-range entries */
	flow_account(&tbl, 100, FLOW_INI_TO_TGT, 1, 1);
	flow_account(&tbl, FLOW_MAX, FLOW_INI_TO_TGT, 1, 1);
	flow_account(&tbl, -1, FLOW_INI_TO_TGT, 1, 1);
	flow_account(&tbl, 0, 2, 1, 1);
	assert_int_equal(flow_get(&tbl, 100), NULL);
	assert_int_equal(e->cnt[FLOW_INI_TO_TGT].bytes, 1000);
	/* a released index starts from zero when it comes back */
	flow_free(&tbl, 0);
	flow_batch_end(&tbl);
	assert_int_equal(flow_alloc(&tbl, FLOW_TCP, NULL), 0);
	e = flow_get(&tbl, 0);
	assert_int_equal(e->cnt[FLOW_INI_TO_TGT].bytes, 0);
	assert_int_equal(e->cnt[FLOW_TGT_TO_INI].packets, 0);
	assert_int_equal(e->last, e->created);
	clock_fake_set(0);
}

/* A full table: allocation failures are counted */
static void test_alloc_failures(void **state)
{
	int i;

	(void)state;
	flow_init(&tbl, test_sipkey);
	for (i = 0; i < FLOW_MAX; i++)
		assert_true(flow_alloc(&tbl, FLOW_TCP_SPLICE, NULL) >= 0);
	assert_int_equal(flow_alloc(&tbl, FLOW_TCP_SPLICE, NULL), -ENOSPC);
	assert_int_equal(flow_alloc(&tbl, FLOW_UDP, NULL), -ENOSPC);
	assert_int_equal(tbl.alloc_fail, 2);
	assert_int_equal(tbl.peak, FLOW_MAX);
	assert_int_equal(tbl.by_type[FLOW_TCP_SPLICE], FLOW_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_prom),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_generic_state_and_use),
		cmocka_unit_test(test_account),
		cmocka_unit_test(test_alloc_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
