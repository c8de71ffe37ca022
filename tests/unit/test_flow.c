// SPDX-License-Identifier: GPL-2.0-or-later
/* test_flow.c - unit tests of the flow table: keys, allocation, hash
 * (types, sides and the life cycle: test_flow_life.c)
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "flow/flow.h"

#include "flow_fixture.h"

#define MASK (FLOW_HASH_SIZE - 1)

/* Big: static, not on the stack */
static struct flow_table tbl;
static struct flow_table tbl2;

/* Deterministic xorshift64, so a failure can be replayed */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

/* Find a key of the id family, from *@id on, whose home bucket is @home */
static void key_at_bucket(struct flow_key *k, uint32_t *id, unsigned int home)
{
	uint32_t tries;

	for (tries = 0; tries < 1000000; tries++, (*id)++) {
		key_id(k, *id);
		if (flow_bucket(&tbl, k) == home) {
			(*id)++;
			return;
		}
	}
	fail_msg("no key found for bucket %u", home);
}


static void test_flow_init_empty_lowest_index_first(void **state)
{
	struct flow_key k;
	int i;

	(void)state;
	memset(&tbl, 0xa5, sizeof(tbl));
	flow_init(&tbl, test_sipkey);
	assert_int_equal(flow_count(&tbl), 0);
	check_invariants(&tbl);
	for (i = 0; i < 3; i++) {
		key_id(&k, (uint32_t)i);
		assert_int_equal(flow_lookup(&tbl, &k), -ENOENT);
		assert_int_equal(alloc_key(&tbl, &k), i);
	}
	assert_null(flow_key(&tbl, 3));
	assert_null(flow_key(&tbl, -1));
	assert_null(flow_key(&tbl, FLOW_MAX));
}

static void round_trip(const struct flow_key *k)
{
	const struct flow_key *stored;
	int idx;

	flow_init(&tbl, test_sipkey);
	idx = alloc_key(&tbl, k);
	assert_true(idx >= 0);
	assert_int_equal(flow_lookup(&tbl, k), idx);
	assert_int_equal(flow_count(&tbl), 1);
	stored = flow_key(&tbl, idx);
	assert_non_null(stored);
	assert_memory_equal(stored, k, sizeof(*k));
	check_invariants(&tbl);

	flow_free(&tbl, idx);
	assert_int_equal(flow_lookup(&tbl, k), -ENOENT);
	assert_int_equal(flow_count(&tbl), 0);
	assert_null(flow_key(&tbl, idx));
	check_invariants(&tbl);

	/* And it can come back, once the batch is over */
	flow_batch_end(&tbl);
	check_invariants(&tbl);
	assert_int_equal(alloc_key(&tbl, k), idx);
	assert_int_equal(flow_lookup(&tbl, k), idx);
}

static void test_flow_round_trip_ipv4_mapped(void **state)
{
	struct flow_key k;

	(void)state;
	key_v4(&k, "192.0.2.10", 40000, "203.0.113.5", 80, IPPROTO_TCP);
	assert_true(inany_is_v4(&k.gaddr));
	round_trip(&k);
}

static void test_flow_round_trip_ipv6(void **state)
{
	struct flow_key k;

	(void)state;
	key_v6(&k, "2001:db8::10", 53000, "2001:db8:1::53", 53, IPPROTO_UDP);
	assert_false(inany_is_v4(&k.gaddr));
	round_trip(&k);
}

static void test_flow_alloc_existing_key_is_eexist(void **state)
{
	struct flow_key k, other;
	int idx;

	(void)state;
	flow_init(&tbl, test_sipkey);
	key_v4(&k, "192.0.2.10", 1234, "198.51.100.1", 22, IPPROTO_TCP);
	idx = alloc_key(&tbl, &k);
	assert_int_equal(idx, 0);
	assert_int_equal(alloc_key(&tbl, &k), -EEXIST);
	assert_int_equal(flow_count(&tbl), 1);
	/* The failed attempt consumed no index */
	key_v4(&other, "192.0.2.10", 1235, "198.51.100.1", 22, IPPROTO_TCP);
	assert_int_equal(alloc_key(&tbl, &other), 1);
	assert_int_equal(flow_lookup(&tbl, &k), idx);
	check_invariants(&tbl);
}

static void test_flow_full_table_enospc_then_free_one(void **state)
{
	struct flow_key k;
	uint32_t i;

	(void)state;
	flow_init(&tbl, test_sipkey);
	for (i = 0; i < FLOW_MAX; i++) {
		key_id(&k, i);
		assert_int_equal(alloc_key(&tbl, &k), (int)i);
	}
	assert_int_equal(flow_count(&tbl), FLOW_MAX);
	assert_int_equal(tbl.free_head, -1);
	check_invariants(&tbl);

	key_id(&k, FLOW_MAX);
	assert_int_equal(alloc_key(&tbl, &k), -ENOSPC);
	/* A key already present is still reported as such when full */
	key_id(&k, 7);
	assert_int_equal(alloc_key(&tbl, &k), -EEXIST);
	assert_int_equal(flow_count(&tbl), FLOW_MAX);

	for (i = 0; i < FLOW_MAX; i++) {
		key_id(&k, i);
		assert_int_equal(flow_lookup(&tbl, &k), (int)i);
	}

	flow_free(&tbl, 4321);
	assert_int_equal(flow_count(&tbl), FLOW_MAX - 1);
	key_id(&k, 4321);
	assert_int_equal(flow_lookup(&tbl, &k), -ENOENT);
	key_id(&k, FLOW_MAX);
	/* Closed, not free: still full until the end of the batch */
	assert_int_equal(alloc_key(&tbl, &k), -ENOSPC);
	check_invariants(&tbl);
	flow_batch_end(&tbl);
	assert_int_equal(alloc_key(&tbl, &k), 4321);
	assert_int_equal(flow_lookup(&tbl, &k), 4321);
	key_id(&k, FLOW_MAX + 1);
	assert_int_equal(alloc_key(&tbl, &k), -ENOSPC);
	check_invariants(&tbl);
}

static void test_flow_keys_differing_in_one_field_are_distinct(void **state)
{
	struct flow_key k[8];
	int idx[8], i, j;

	(void)state;
	flow_init(&tbl, test_sipkey);
	key_v4(&k[0], "192.0.2.10", 1000, "203.0.113.1", 2000, IPPROTO_TCP);
	k[1] = k[0];
	k[1].gaddr.v4mapped.a4.s_addr ^= htonl(1);
	k[2] = k[0];
	k[2].raddr.v4mapped.a4.s_addr ^= htonl(1);
	k[3] = k[0];
	k[3].gport = 1001;
	k[4] = k[0];
	k[4].rport = 2001;
	k[5] = k[0];
	k[5].proto = IPPROTO_UDP;
	/* Guest and remote swapped */
	key_v4(&k[6], "203.0.113.1", 2000, "192.0.2.10", 1000, IPPROTO_TCP);
	/* Same 32 bits as IPv4-compatible IPv6: not the v4-mapped key */
	k[7] = k[0];
	memset(k[7].gaddr.v4mapped.one, 0, 2);

	for (i = 0; i < 8; i++) {
		idx[i] = alloc_key(&tbl, &k[i]);
		assert_int_equal(idx[i], i);
	}
	for (i = 0; i < 8; i++)
		assert_int_equal(flow_lookup(&tbl, &k[i]), idx[i]);
	for (i = 0; i < 8; i++) {
		flow_free(&tbl, idx[i]);
		assert_int_equal(flow_lookup(&tbl, &k[i]), -ENOENT);
		for (j = i + 1; j < 8; j++)
			assert_int_equal(flow_lookup(&tbl, &k[j]), idx[j]);
	}
	assert_int_equal(flow_count(&tbl), 0);
}

/* A peer seen as ::ffff:192.0.2.10 on a dual-stack socket is the IPv4 flow */
static void test_flow_v4_mapped_sockaddr_finds_ipv4_flow(void **state)
{
	union sockaddr_inany sa;
	struct flow_key k4, k6, from_sa;
	uint16_t port = 0;
	int i4, i6;

	(void)state;
	flow_init(&tbl, test_sipkey);
	key_v4(&k4, "192.0.2.10", 4000, "203.0.113.9", 443, IPPROTO_TCP);
	key_v6(&k6, "2001:db8::10", 4000, "2001:db8::9", 443, IPPROTO_TCP);
	i4 = alloc_key(&tbl, &k4);
	i6 = alloc_key(&tbl, &k6);
	assert_true(i4 >= 0 && i6 >= 0 && i4 != i6);

	memset(&sa, 0, sizeof(sa));
	sa.sa6.sin6_family = AF_INET6;
	sa.sa6.sin6_port = htons(4000);
	assert_int_equal(
		inet_pton(AF_INET6, "::ffff:192.0.2.10", &sa.sa6.sin6_addr), 1);
	from_sa = k4;
	memset(&from_sa.gaddr, 0, sizeof(from_sa.gaddr));
	assert_int_equal(inany_from_sockaddr(&from_sa.gaddr, &port, &sa), 0);
	assert_int_equal(port, 4000);
	assert_int_equal(flow_lookup(&tbl, &from_sa), i4);

	/* The same 32 bits in a plain IPv6 address are another flow */
	memset(&from_sa.gaddr.v4mapped.one, 0, 2);
	assert_int_equal(flow_lookup(&tbl, &from_sa), -ENOENT);
}

static void test_flow_padding_garbage_ignored(void **state)
{
	struct flow_key k, junk, other_junk;
	const struct flow_key *stored;
	int idx;

	(void)state;
	flow_init(&tbl, test_sipkey);
	key_v6(&k, "2001:db8::1", 5000, "2001:db8::2", 6000, IPPROTO_TCP);
	junk = k;
	memset(junk.pad, 0xde, sizeof(junk.pad));
	other_junk = k;
	other_junk.pad[1] = 0x01;

	idx = alloc_key(&tbl, &junk);
	assert_true(idx >= 0);
	stored = flow_key(&tbl, idx);
	assert_non_null(stored);
	assert_memory_equal(stored, &k, sizeof(k)); /* pad stored as zero */
	assert_int_equal(flow_lookup(&tbl, &k), idx);
	assert_int_equal(flow_lookup(&tbl, &junk), idx);
	assert_int_equal(flow_lookup(&tbl, &other_junk), idx);
	assert_int_equal(alloc_key(&tbl, &other_junk), -EEXIST);
	assert_int_equal(flow_bucket(&tbl, &junk), flow_bucket(&tbl, &k));
	/* Junk in the caller's copy afterwards changes nothing either */
	assert_int_equal(junk.pad[0], 0xde);
	flow_free(&tbl, idx);
	assert_int_equal(flow_lookup(&tbl, &junk), -ENOENT);
}

static void test_flow_double_free_and_bad_index_harmless(void **state)
{
	struct flow_key a, b, c;
	int ia, ib, ic;

	(void)state;
	flow_init(&tbl, test_sipkey);
	key_id(&a, 1);
	key_id(&b, 2);
	key_id(&c, 3);
	ia = alloc_key(&tbl, &a);
	ib = alloc_key(&tbl, &b);
	assert_true(ia >= 0 && ib >= 0);

	flow_free(&tbl, ia);
	flow_free(&tbl, ia);
	flow_free(&tbl, -1);
	flow_free(&tbl, -ENOENT);
	flow_free(&tbl, FLOW_MAX);
	flow_free(&tbl, FLOW_MAX - 1); /* never allocated */
	assert_int_equal(flow_count(&tbl), 1);
	assert_int_equal(flow_lookup(&tbl, &b), ib);
	check_invariants(&tbl);
	flow_batch_end(&tbl);
	flow_free(&tbl, ia);
	flow_batch_end(&tbl);
	assert_int_equal(flow_count(&tbl), 1);
	check_invariants(&tbl);

	/* Had the index gone on the free list twice, both would get it */
	ia = alloc_key(&tbl, &a);
	ic = alloc_key(&tbl, &c);
	assert_true(ia >= 0 && ic >= 0);
	assert_int_not_equal(ia, ic);
	assert_int_not_equal(ia, ib);
	assert_int_not_equal(ic, ib);
	assert_int_equal(flow_count(&tbl), 3);
	check_invariants(&tbl);
}

static void test_flow_count_follows_life_cycle(void **state)
{
	struct flow_key k;
	uint32_t i;

	(void)state;
	flow_init(&tbl, test_sipkey);
	for (i = 0; i < 100; i++) {
		key_id(&k, i);
		assert_true(alloc_key(&tbl, &k) >= 0);
		assert_int_equal(flow_count(&tbl), i + 1);
	}
	key_id(&k, 50);
	assert_int_equal(alloc_key(&tbl, &k), -EEXIST);
	assert_int_equal(flow_count(&tbl), 100);
	for (i = 0; i < 100; i += 2)
		flow_free(&tbl, (int)i);
	assert_int_equal(flow_count(&tbl), 50);
	flow_free(&tbl, 0);
	assert_int_equal(flow_count(&tbl), 50);
}

static void test_flow_freed_index_reused_first(void **state)
{
	struct flow_key k;
	uint32_t i;

	(void)state;
	flow_init(&tbl, test_sipkey);
	for (i = 0; i < 10; i++) {
		key_id(&k, i);
		assert_int_equal(alloc_key(&tbl, &k), (int)i);
	}
	flow_free(&tbl, 3);
	flow_free(&tbl, 7);
	flow_batch_end(&tbl);
	key_id(&k, 100);
	assert_int_equal(alloc_key(&tbl, &k), 7);
	key_id(&k, 101);
	assert_int_equal(alloc_key(&tbl, &k), 3);
	key_id(&k, 102);
	assert_int_equal(alloc_key(&tbl, &k), 10);
}

/* Collisions built with the test's known key: a cluster that wraps around
 * the end of the bucket array, entries of three home buckets interleaved
 */
static void test_flow_backward_shift_exact_layout(void **state)
{
	const unsigned int h = FLOW_HASH_SIZE - 2;
	struct flow_key x, y, z, w;
	uint32_t id = 0;
	int ix, iy, iz, iw;

	(void)state;
	flow_init(&tbl, test_sipkey);
	key_at_bucket(&x, &id, h);
	key_at_bucket(&y, &id, h);
	key_at_bucket(&z, &id, h + 1);
	key_at_bucket(&w, &id, 0);

	ix = alloc_key(&tbl, &x); /* at h */
	iy = alloc_key(&tbl, &y); /* at h + 1 */
	iz = alloc_key(&tbl, &z); /* home h + 1, at 0 */
	iw = alloc_key(&tbl, &w); /* home 0, at 1 */
	assert_int_equal(tbl.hash[h], ix + 1);
	assert_int_equal(tbl.hash[h + 1], iy + 1);
	assert_int_equal(tbl.hash[0], iz + 1);
	assert_int_equal(tbl.hash[1], iw + 1);
	assert_int_equal(tbl.hash[2], 0);

	/* y moves to h, z to its home h + 1, w to its home 0 */
	flow_free(&tbl, ix);
	assert_int_equal(tbl.hash[h], iy + 1);
	assert_int_equal(tbl.hash[h + 1], iz + 1);
	assert_int_equal(tbl.hash[0], iw + 1);
	assert_int_equal(tbl.hash[1], 0);
	check_invariants(&tbl);

	/* z and w are home: the hole at h stays, nothing moves before home */
	flow_free(&tbl, iy);
	assert_int_equal(tbl.hash[h], 0);
	assert_int_equal(tbl.hash[h + 1], iz + 1);
	assert_int_equal(tbl.hash[0], iw + 1);
	assert_int_equal(flow_lookup(&tbl, &z), iz);
	assert_int_equal(flow_lookup(&tbl, &w), iw);
	check_invariants(&tbl);
}

static void test_flow_backward_shift_any_delete_order(void **state)
{
	static const unsigned int homes[] = {0, 0, 1, 0, 2, 1, 0, 3, 1, 0};
	const unsigned int base = FLOW_HASH_SIZE - 3, n = 10;
	struct flow_key k[10];
	int idx[10], order[10];
	unsigned int round, i, j, b;
	uint32_t id = 0;

	(void)state;
	flow_init(&tbl, test_sipkey);
	for (i = 0; i < n; i++)
		key_at_bucket(&k[i], &id, (base + homes[i]) & MASK);

	for (round = 0; round < 40; round++) {
		flow_init(&tbl, test_sipkey);
		for (i = 0; i < n; i++) {
			idx[i] = alloc_key(&tbl, &k[i]);
			assert_true(idx[i] >= 0);
			order[i] = (int)i;
		}
		for (i = n - 1; i > 0; i--) { /* Fisher-Yates */
			int tmp = order[i];

			j = rnd(i + 1);
			order[i] = order[j];
			order[j] = tmp;
		}
		for (i = 0; i < n; i++) {
			flow_free(&tbl, idx[order[i]]);
			assert_int_equal(flow_lookup(&tbl, &k[order[i]]),
					 -ENOENT);
			for (j = i + 1; j < n; j++)
				assert_int_equal(
					flow_lookup(&tbl, &k[order[j]]),
					idx[order[j]]);
			check_invariants(&tbl);
		}
		for (b = 0; b < FLOW_HASH_SIZE; b++)
			assert_int_equal(tbl.hash[b], 0);
	}
}

/* Occupied buckets of linear probing depend only on the keys present, not
 * on the order of insertion: after churn, with no tombstones, the table
 * must look exactly like one built from scratch with the live keys
 */
static void assert_same_occupancy_as_fresh(const int *model, uint32_t nkeys)
{
	struct flow_key k;
	unsigned int b;
	uint32_t id;

	flow_init(&tbl2, test_sipkey);
	for (id = 0; id < nkeys; id++) {
		if (model[id] < 0)
			continue;
		key_id(&k, id);
		assert_true(alloc_key(&tbl2, &k) >= 0);
	}
	for (b = 0; b < FLOW_HASH_SIZE; b++)
		assert_int_equal(!tbl.hash[b], !tbl2.hash[b]);
}

#define NKEYS 10000

#define OWNER_FREE (-1)
#define OWNER_CLOSED (-2)	/* closed in this batch: must not come back */

/* A batch ends now and then: closed indices may be reused from then on */
static void churn_batch_end(int *owner)
{
	int i;

	flow_batch_end(&tbl);
	for (i = 0; i < FLOW_MAX; i++)
		if (owner[i] == OWNER_CLOSED)
			owner[i] = OWNER_FREE;
}

static void churn_step(int *model, int *owner, unsigned int alloc_pct)
{
	uint32_t id = rnd(NKEYS);
	struct flow_key k;
	unsigned int before;
	int ret;

	if (!rnd(64)) {
		churn_batch_end(owner);
		return;
	}
	key_id(&k, id);
	if (rnd(100) < alloc_pct) {
		before = flow_count(&tbl) + flow_closed(&tbl);
		ret = alloc_key(&tbl, &k);
		if (model[id] >= 0) {
			assert_int_equal(ret, -EEXIST);
		} else if (before == FLOW_MAX) {
			assert_int_equal(ret, -ENOSPC);
		} else {
			assert_true(ret >= 0 && ret < FLOW_MAX);
			assert_int_equal(owner[ret], OWNER_FREE);
			model[id] = ret;
			owner[ret] = (int)id;
		}
		return;
	}
	assert_int_equal(flow_lookup(&tbl, &k),
			 model[id] >= 0 ? model[id] : -ENOENT);
	if (model[id] >= 0 && rnd(2)) {
		flow_free(&tbl, model[id]);
		owner[model[id]] = OWNER_CLOSED;
		model[id] = -1;
	}
}

static void test_flow_random_churn_matches_model(void **state)
{
	/* Fill, drain, then balanced: hits -ENOSPC and an empty table */
	static const unsigned int phase_pct[] = {85, 10, 50, 90, 20, 50};
	static int model[NKEYS], owner[FLOW_MAX];
	unsigned int p, step, live, enospc_seen = 0;
	struct flow_key k;
	uint32_t id;

	(void)state;
	memset(model, 0xff, sizeof(model));
	memset(owner, 0xff, sizeof(owner));
	flow_init(&tbl, test_sipkey);

	for (p = 0; p < sizeof(phase_pct) / sizeof(phase_pct[0]); p++) {
		for (step = 0; step < 30000; step++) {
			churn_step(model, owner, phase_pct[p]);
			enospc_seen += flow_count(&tbl) + flow_closed(&tbl) ==
				       FLOW_MAX;
		}
		check_invariants(&tbl);
		for (id = 0, live = 0; id < NKEYS; id++) {
			key_id(&k, id);
			assert_int_equal(flow_lookup(&tbl, &k),
					 model[id] >= 0 ? model[id] : -ENOENT);
			live += model[id] >= 0;
		}
		assert_int_equal(flow_count(&tbl), live);
		assert_same_occupancy_as_fresh(model, NKEYS);
	}
	assert_true(enospc_seen > 0);
}

static void test_flow_hash_depends_on_secret_key(void **state)
{
	uint8_t other_key[16];
	unsigned int differ = 0;
	struct flow_key k;
	uint32_t id;

	(void)state;
	memcpy(other_key, test_sipkey, sizeof(other_key));
	other_key[15] ^= 0x80;
	flow_init(&tbl, test_sipkey);
	flow_init(&tbl2, other_key);
	for (id = 0; id < 256; id++) {
		key_id(&k, id);
		differ += flow_bucket(&tbl, &k) != flow_bucket(&tbl2, &k);
	}
	/* Chance of a bucket matching by accident: 1 in FLOW_HASH_SIZE */
	assert_true(differ >= 250);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow_init_empty_lowest_index_first),
		cmocka_unit_test(test_flow_round_trip_ipv4_mapped),
		cmocka_unit_test(test_flow_round_trip_ipv6),
		cmocka_unit_test(test_flow_alloc_existing_key_is_eexist),
		cmocka_unit_test(test_flow_full_table_enospc_then_free_one),
		cmocka_unit_test(
			test_flow_keys_differing_in_one_field_are_distinct),
		cmocka_unit_test(test_flow_v4_mapped_sockaddr_finds_ipv4_flow),
		cmocka_unit_test(test_flow_padding_garbage_ignored),
		cmocka_unit_test(test_flow_double_free_and_bad_index_harmless),
		cmocka_unit_test(test_flow_count_follows_life_cycle),
		cmocka_unit_test(test_flow_freed_index_reused_first),
		cmocka_unit_test(test_flow_backward_shift_exact_layout),
		cmocka_unit_test(test_flow_backward_shift_any_delete_order),
		cmocka_unit_test(test_flow_random_churn_matches_model),
		cmocka_unit_test(test_flow_hash_depends_on_secret_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
