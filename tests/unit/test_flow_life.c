// SPDX-License-Identifier: GPL-2.0-or-later
/* test_flow_life.c - unit tests of the flow table's entries: types, sides,
 * states, release deferred to the end of a batch, one allocator shared by
 * every transport (splice included), the read-only accessors
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/util.h"
#include "flow/flow.h"

#include "flow_fixture.h"

/* Big: static, not on the stack */
static struct flow_table tbl;

/* A TCP flow of the guest to 203.0.113.1:80, activated as tcp_conn.c does */
static int tcp_outbound(uint16_t gport)
{
	union inany_addr dst = test_addr("203.0.113.1");
	struct flow_side tap, host;
	struct flow_key k;
	int idx;

	key_v4(&k, "192.0.2.2", gport, "203.0.113.1", 80, IPPROTO_TCP);
	idx = flow_alloc(&tbl, FLOW_TCP, &k);
	assert_true(idx >= 0);
	flow_side_tap(&tap, &k);
	flow_side_set(&host, FLOW_IF_HOST, &dst, 80, NULL, 0);
	flow_activate(&tbl, idx, &tap, &host);
	return idx;
}

/* A spliced TCP connection, with no key, as tcp_splice.c makes them */
static int tcp_splice(uint16_t peer_port)
{
	union inany_addr lo = test_addr("127.0.0.1");
	struct flow_side ini, tgt;
	int idx;

	idx = flow_alloc(&tbl, FLOW_TCP_SPLICE, NULL);
	if (idx < 0)
		return idx;
	flow_side_set(&ini, FLOW_IF_HOST, &lo, peer_port, &lo, 8080);
	flow_side_set(&tgt, FLOW_IF_SPLICE, &lo, 80, NULL, 0);
	flow_activate(&tbl, idx, &ini, &tgt);
	return idx;
}

static void test_flow_alloc_records_type_new_then_active(void **state)
{
	static const enum flow_type types[] = {
		FLOW_TCP, FLOW_TCP_SPLICE, FLOW_UDP, FLOW_UDP_SPLICE,
		FLOW_PING4, FLOW_PING6,
	};
	const struct flow_entry *e;
	struct flow_side a, b;
	unsigned int i;
	int idx;

	(void)state;
	flow_init(&tbl, test_sipkey);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.pif = FLOW_IF_TAP;
	b.pif = FLOW_IF_HOST;
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		idx = flow_alloc(&tbl, types[i], NULL);
		assert_int_equal(idx, (int)i);
		e = flow_get(&tbl, idx);
		assert_non_null(e);
		assert_int_equal(e->type, types[i]);
		assert_int_equal(flow_type(&tbl, idx), types[i]);
		assert_int_equal(e->state, FLOW_STATE_NEW);
		assert_int_equal(e->side[FLOW_INI].pif, FLOW_IF_NONE);
		flow_activate(&tbl, idx, &a, &b);
		assert_int_equal(e->state, FLOW_STATE_ACTIVE);
		assert_int_equal(e->side[FLOW_INI].pif, FLOW_IF_TAP);
		assert_int_equal(e->side[FLOW_TGT].pif, FLOW_IF_HOST);
	}
	assert_int_equal(flow_count(&tbl), ARRAY_SIZE(types));

	/* No flow of no type, or of one that doesn't exist */
	assert_int_equal(flow_alloc(&tbl, FLOW_TYPE_NONE, NULL), -EINVAL);
	assert_int_equal(flow_alloc(&tbl, FLOW_NUM_TYPES, NULL), -EINVAL);
	assert_int_equal(flow_alloc(&tbl, (enum flow_type)-1, NULL), -EINVAL);
	assert_int_equal(flow_count(&tbl), ARRAY_SIZE(types));

	/* Free entries have no type and no entry to show */
	assert_int_equal(flow_type(&tbl, (int)i), FLOW_TYPE_NONE);
	assert_int_equal(flow_type(&tbl, -1), FLOW_TYPE_NONE);
	assert_int_equal(flow_type(&tbl, FLOW_MAX), FLOW_TYPE_NONE);
	assert_null(flow_get(&tbl, (int)i));
	assert_null(flow_get(&tbl, -1));
	assert_null(flow_get(&tbl, FLOW_MAX));
	check_invariants(&tbl);
}

static void test_flow_sides_from_key_and_sockets(void **state)
{
	union inany_addr any6 = test_addr("::"), any4 = test_addr("0.0.0.0");
	union inany_addr peer = test_addr("198.51.100.7");
	const struct flow_entry *e;
	struct flow_side tap, host;
	struct flow_key k;
	int idx;

	(void)state;
	flow_init(&tbl, test_sipkey);

	/* Inbound, as tcp_listen_handler(): host side first, on the rule's
	 * dual-stack wildcard address, shown in the peer's family
	 */
	key_v4(&k, "192.0.2.2", 8080, "192.0.2.1", 40000, IPPROTO_TCP);
	idx = flow_alloc(&tbl, FLOW_TCP, &k);
	flow_side_set(&host, FLOW_IF_HOST, &peer, 40000, &any6, 8080);
	flow_side_tap(&tap, &k);
	flow_activate(&tbl, idx, &host, &tap);

	e = flow_get(&tbl, idx);
	assert_int_equal(e->side[FLOW_INI].pif, FLOW_IF_HOST);
	assert_memory_equal(&e->side[FLOW_INI].peer, &peer, sizeof(peer));
	assert_int_equal(e->side[FLOW_INI].peer_port, 40000);
	assert_memory_equal(&e->side[FLOW_INI].ours, &any4, sizeof(any4));
	assert_int_equal(e->side[FLOW_INI].our_port, 8080);
	/* The tap side is the guest's view: the guest is its peer */
	assert_int_equal(e->side[FLOW_TGT].pif, FLOW_IF_TAP);
	assert_memory_equal(&e->side[FLOW_TGT].peer, &k.gaddr, 16);
	assert_int_equal(e->side[FLOW_TGT].peer_port, 8080);
	assert_memory_equal(&e->side[FLOW_TGT].ours, &k.raddr, 16);
	assert_int_equal(e->side[FLOW_TGT].our_port, 40000);

	/* Our address unknown: unspecified in the peer's family */
	peer = test_addr("2001:db8::7");
	flow_side_set(&host, FLOW_IF_HOST, &peer, 53, NULL, 0);
	assert_memory_equal(&host.ours, &any6, sizeof(any6));
	flow_side_set(&host, FLOW_IF_HOST, &peer, 53, &any4, 0);
	assert_memory_equal(&host.ours, &any6, sizeof(any6));
	peer = test_addr("203.0.113.9");
	flow_side_set(&host, FLOW_IF_HOST, &peer, 53, NULL, 0);
	assert_memory_equal(&host.ours, &any4, sizeof(any4));
	/* ... and a known one is kept */
	flow_side_set(&host, FLOW_IF_HOST, &peer, 53, &peer, 5353);
	assert_memory_equal(&host.ours, &peer, sizeof(peer));
	assert_int_equal(host.our_port, 5353);
	assert_int_equal(host.pad[0] | host.pad[1] | host.pad[2], 0);
}

static void test_flow_state_transitions(void **state)
{
	const struct flow_entry *e;
	struct flow_side s;
	int a, b;

	(void)state;
	flow_init(&tbl, test_sipkey);
	memset(&s, 0, sizeof(s));
	s.pif = FLOW_IF_SPLICE;

	/* NEW -> CLOSED: a set-up that failed */
	a = flow_alloc(&tbl, FLOW_UDP_SPLICE, NULL);
	flow_free(&tbl, a);
	e = flow_get(&tbl, a);
	assert_non_null(e);
	assert_int_equal(e->state, FLOW_STATE_CLOSED);
	assert_int_equal(e->type, FLOW_UDP_SPLICE);
	/* A closed flow can't come back to life, or be closed twice */
	flow_activate(&tbl, a, &s, &s);
	assert_int_equal(e->state, FLOW_STATE_CLOSED);
	assert_int_equal(e->side[FLOW_INI].pif, FLOW_IF_NONE);
	flow_free(&tbl, a);
	assert_int_equal(flow_closed(&tbl), 1);
	check_invariants(&tbl);

	/* NEW -> ACTIVE -> CLOSED, and activating twice changes nothing */
	b = tcp_outbound(40000);
	e = flow_get(&tbl, b);
	assert_int_equal(e->state, FLOW_STATE_ACTIVE);
	flow_activate(&tbl, b, &s, &s);
	assert_int_equal(e->side[FLOW_INI].pif, FLOW_IF_TAP);
	assert_int_equal(e->side[FLOW_TGT].pif, FLOW_IF_HOST);
	flow_free(&tbl, b);
	assert_int_equal(e->state, FLOW_STATE_CLOSED);
	assert_int_equal(e->type, FLOW_TCP); /* still says what it was */
	assert_int_equal(flow_count(&tbl), 0);
	assert_int_equal(flow_closed(&tbl), 2);
	check_invariants(&tbl);

	/* CLOSED -> FREE at the end of the batch: nothing of them is left */
	flow_batch_end(&tbl);
	assert_null(flow_get(&tbl, a));
	assert_null(flow_get(&tbl, b));
	assert_int_equal(tbl.entry[b].type, FLOW_TYPE_NONE);
	assert_int_equal(tbl.entry[b].side[FLOW_INI].pif, FLOW_IF_NONE);
	assert_int_equal(tbl.entry[b].created, 0);
	assert_int_equal(flow_closed(&tbl), 0);
	check_invariants(&tbl);
	/* Activating or freeing a free index does nothing */
	flow_activate(&tbl, a, &s, &s);
	flow_free(&tbl, a);
	assert_null(flow_get(&tbl, a));
	check_invariants(&tbl);
}

static void test_flow_closed_index_not_reused_before_batch_end(void **state)
{
	int a, b, c, i, seen_again = 0, last_freed = -1;

	(void)state;
	flow_init(&tbl, test_sipkey);
	a = tcp_outbound(40000);
	/* An event naming @a is in this batch; @a closes; more flows come,
	 * and some of them close too
	 */
	flow_free(&tbl, a);
	for (i = 0; i < 100; i++) {
		b = tcp_outbound((uint16_t)(41000 + i));
		seen_again += b == a;
		if (i % 3 == 0) {
			flow_free(&tbl, b);
			last_freed = b;
		}
	}
	assert_int_equal(seen_again, 0);
	/* ... so a late event for @a still finds it closed, not a new flow */
	assert_int_equal(flow_get(&tbl, a)->state, FLOW_STATE_CLOSED);
	assert_int_equal(flow_get(&tbl, a)->side[FLOW_INI].peer_port, 40000);
	check_invariants(&tbl);

	/* Afterwards it is free again: the last closed comes first */
	flow_batch_end(&tbl);
	c = tcp_outbound(50000);
	assert_int_equal(c, last_freed);
	check_invariants(&tbl);
	for (i = 0; i < 40 && c != a; i++)
		c = tcp_outbound((uint16_t)(51000 + i));
	assert_int_equal(c, a);
	/* A batch that closed nothing changes nothing */
	i = tbl.free_head;
	flow_batch_end(&tbl);
	assert_int_equal(tbl.free_head, i);
	check_invariants(&tbl);
}

static void test_flow_closed_key_may_open_again_at_once(void **state)
{
	struct flow_key k;
	int a, b;

	(void)state;
	flow_init(&tbl, test_sipkey);
	key_v4(&k, "192.0.2.2", 40000, "203.0.113.1", 80, IPPROTO_TCP);
	a = flow_alloc(&tbl, FLOW_TCP, &k);
	assert_int_equal(flow_lookup(&tbl, &k), a);
	/* The guest resets and reconnects with the same ports */
	flow_free(&tbl, a);
	assert_int_equal(flow_lookup(&tbl, &k), -ENOENT);
	assert_null(flow_key(&tbl, a));
	b = flow_alloc(&tbl, FLOW_TCP, &k);
	assert_true(b >= 0);
	assert_int_not_equal(a, b);
	assert_int_equal(flow_lookup(&tbl, &k), b);
	flow_batch_end(&tbl);
	assert_int_equal(flow_lookup(&tbl, &k), b);
	check_invariants(&tbl);
}

/* Splice flows and translated ones draw from one table of FLOW_MAX */
static void test_flow_splice_shares_allocator_full_across_types(void **state)
{
	struct flow_key k;
	int i, idx, last_splice = -1;

	(void)state;
	flow_init(&tbl, test_sipkey);
	for (i = 0; i < FLOW_MAX; i++) {
		switch (i % 4) {
		case 0:
			idx = tcp_splice((uint16_t)i);
			last_splice = idx;
			break;
		case 1:
			key_id(&k, (uint32_t)i);
			idx = alloc_key(&tbl, &k);
			break;
		case 2: /* UDP splice: keyed, under its own protocol */
			key_id(&k, (uint32_t)i);
			k.proto = 253;
			idx = flow_alloc(&tbl, FLOW_UDP_SPLICE, &k);
			break;
		default:
			idx = flow_alloc(&tbl, FLOW_PING6, NULL);
		}
		assert_int_equal(idx, i);
	}
	assert_int_equal(flow_count(&tbl), FLOW_MAX);
	check_invariants(&tbl);

	/* Full for every type, keyed or not */
	assert_int_equal(tcp_splice(1), -ENOSPC);
	assert_int_equal(flow_alloc(&tbl, FLOW_UDP, NULL), -ENOSPC);
	key_id(&k, FLOW_MAX + 1);
	assert_int_equal(alloc_key(&tbl, &k), -ENOSPC);

	/* Lookups see the keyed flows only, whatever else is there */
	for (i = 1; i < FLOW_MAX; i += 4) {
		key_id(&k, (uint32_t)i);
		assert_int_equal(flow_lookup(&tbl, &k), i);
		k.proto = 253;
		assert_int_equal(flow_lookup(&tbl, &k), -ENOENT);
		key_id(&k, (uint32_t)i + 1);
		k.proto = 253;
		assert_int_equal(flow_lookup(&tbl, &k), i + 1);
		assert_null(flow_key(&tbl, i - 1));
		assert_non_null(flow_key(&tbl, i));
	}

	/* A spliced connection closes: a TCP flow of the guest takes its
	 * index, but only once the batch is over
	 */
	flow_free(&tbl, last_splice);
	key_id(&k, FLOW_MAX + 1);
	assert_int_equal(alloc_key(&tbl, &k), -ENOSPC);
	flow_batch_end(&tbl);
	assert_int_equal(alloc_key(&tbl, &k), last_splice);
	assert_int_equal(flow_type(&tbl, last_splice), FLOW_TCP);
	assert_int_equal(flow_lookup(&tbl, &k), last_splice);
	assert_int_equal(tcp_splice(1), -ENOSPC);
	check_invariants(&tbl);
}

/**
 * struct visit - What a walk of the table saw
 * @idx:	Indices visited, in order
 * @n:		How many
 * @stop_at:	Stop when visiting this index
 */
struct visit {
	int idx[16];
	int n;
	int stop_at;
};

static int visit_fn(const struct flow_table *t, int idx,
		    const struct flow_entry *e, void *arg)
{
	struct visit *v = arg;

	assert_ptr_equal(e, flow_get(t, idx));
	assert_true(v->n < 16);
	v->idx[v->n++] = idx;
	return idx == v->stop_at ? 42 : 0;
}

static void test_flow_foreach_visits_every_flow_in_use(void **state)
{
	struct visit v = {.stop_at = -1};
	int i;

	(void)state;
	flow_init(&tbl, test_sipkey);
	assert_int_equal(flow_foreach(&tbl, visit_fn, &v), 0);
	assert_int_equal(v.n, 0);

	for (i = 0; i < 8; i++)
		tcp_outbound((uint16_t)(1000 + i));
	flow_free(&tbl, 5);
	flow_free(&tbl, 6);
	flow_batch_end(&tbl);			/* 5, 6: FREE, not listed */
	flow_free(&tbl, 2);			/* CLOSED: listed */
	assert_int_equal(flow_alloc(&tbl, FLOW_UDP, NULL), 6); /* NEW */

	assert_int_equal(flow_foreach(&tbl, visit_fn, &v), 0);
	assert_int_equal(v.n, 7);
	for (i = 0; i < 5; i++)
		assert_int_equal(v.idx[i], i);
	assert_int_equal(v.idx[5], 6);
	assert_int_equal(v.idx[6], 7);
	assert_int_equal(flow_get(&tbl, 2)->state, FLOW_STATE_CLOSED);
	assert_int_equal(flow_get(&tbl, 6)->state, FLOW_STATE_NEW);

	v.n = 0;
	v.stop_at = 3;
	assert_int_equal(flow_foreach(&tbl, visit_fn, &v), 42);
	assert_int_equal(v.n, 4);
}

static void test_flow_fmt_type_state_age_sides(void **state)
{
	union inany_addr g6 = test_addr("2001:db8::2");
	union inany_addr r6 = test_addr("2001:db8::53");
	struct flow_side tap, host;
	char buf[256];
	int idx, n;

	(void)state;
	flow_init(&tbl, test_sipkey);
	clock_fake_set(7000000000ULL);
	idx = tcp_outbound(40000);
	assert_int_equal(tbl.entry[idx].created, 7000);
	n = flow_fmt(&tbl, idx, 8250, buf, sizeof(buf));
	assert_string_equal(buf, "0 TCP ACTIVE 1.250s tap 192.0.2.2:40000 -> "
				 "203.0.113.1:80 => host 0.0.0.0:0 -> "
				 "203.0.113.1:80");
	assert_int_equal(n, (int)strlen(buf));

	/* Truncated: terminated, and the length it would have had */
	assert_int_equal(flow_fmt(&tbl, idx, 8250, buf, 10), n);
	assert_string_equal(buf, "0 TCP ACT");

	idx = flow_alloc(&tbl, FLOW_PING6, NULL);
	flow_fmt(&tbl, idx, 6000, buf, sizeof(buf)); /* clock went back */
	assert_string_equal(buf, "1 ICMPv6 NEW 0.000s");
	flow_side_set(&tap, FLOW_IF_TAP, &g6, 7, &r6, 0);
	flow_side_set(&host, FLOW_IF_HOST, &r6, 0, NULL, 0);
	flow_activate(&tbl, idx, &tap, &host);
	flow_free(&tbl, idx);
	flow_fmt(&tbl, idx, 7000 + 61001, buf, sizeof(buf));
	assert_string_equal(buf, "1 ICMPv6 CLOSED 61.001s tap "
				 "[2001:db8::2]:7 -> [2001:db8::53]:0 => "
				 "host [::]:0 -> [2001:db8::53]:0");

	assert_int_equal(flow_fmt(&tbl, 2, 0, buf, sizeof(buf)), -ENOENT);
	assert_int_equal(flow_fmt(&tbl, -1, 0, buf, sizeof(buf)), -ENOENT);
	clock_fake_set(0);
}

static void test_flow_names(void **state)
{
	(void)state;
	assert_string_equal(flow_type_str(FLOW_TCP), "TCP");
	assert_string_equal(flow_type_str(FLOW_TCP_SPLICE), "TCP-splice");
	assert_string_equal(flow_type_str(FLOW_UDP), "UDP");
	assert_string_equal(flow_type_str(FLOW_UDP_SPLICE), "UDP-splice");
	assert_string_equal(flow_type_str(FLOW_PING4), "ICMP");
	assert_string_equal(flow_type_str(FLOW_PING6), "ICMPv6");
	assert_string_equal(flow_type_str(FLOW_NUM_TYPES), "?");
	assert_string_equal(flow_state_str(FLOW_STATE_FREE), "FREE");
	assert_string_equal(flow_state_str(FLOW_STATE_NEW), "NEW");
	assert_string_equal(flow_state_str(FLOW_STATE_ACTIVE), "ACTIVE");
	assert_string_equal(flow_state_str(FLOW_STATE_CLOSED), "CLOSED");
	assert_string_equal(flow_state_str(FLOW_NUM_STATES), "?");
	assert_string_equal(flow_if_str(FLOW_IF_TAP), "tap");
	assert_string_equal(flow_if_str(FLOW_IF_HOST), "host");
	assert_string_equal(flow_if_str(FLOW_IF_SPLICE), "splice");
	assert_string_equal(flow_if_str(FLOW_NUM_IFS), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow_alloc_records_type_new_then_active),
		cmocka_unit_test(test_flow_sides_from_key_and_sockets),
		cmocka_unit_test(test_flow_state_transitions),
		cmocka_unit_test(
			test_flow_closed_index_not_reused_before_batch_end),
		cmocka_unit_test(test_flow_closed_key_may_open_again_at_once),
		cmocka_unit_test(
			test_flow_splice_shares_allocator_full_across_types),
		cmocka_unit_test(test_flow_foreach_visits_every_flow_in_use),
		cmocka_unit_test(test_flow_fmt_type_state_age_sides),
		cmocka_unit_test(test_flow_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
