// SPDX-License-Identifier: GPL-2.0-or-later
/* test_portscan.c - unit tests of the /proc/net socket table parser */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow/portscan.h"

/* Captured from a namespace with: TCP listeners on 127.0.0.1:8080,
 * 0.0.0.0:22, [::]:443 (dual-stack), [::1]:631, [::ffff:127.0.0.1]:5000;
 * a connection 127.0.0.1:34588 -> 8080; UDP on 0.0.0.0:53, [::]:5353 and a
 * connected 127.0.0.1:40000 -> 127.0.0.1:53. Trailing blanks are the
 * kernel's.
 */
static const char tcp4[] =
	"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
	"retrnsmt   uid  timeout inode                                      "
	"               \n"
	"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000001 00:00000000 "
	"00000000     0        0 1281644 2 00000000e6284302 100 0 0 10 0    "
	"               \n"
	"   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 "
	"00000000     0        0 1281645 1 000000002f6956cf 100 0 0 10 0    "
	"               \n"
	"   2: 0100007F:1F90 0100007F:871C 01 00000000:00000000 00:00000000 "
	"00000000     0        0 0 1 00000000c194fc35 20 0 0 10 -1          "
	"               \n"
	"   3: 0100007F:871C 0100007F:1F90 01 00000000:00000000 00:00000000 "
	"00000000     0        0 1281650 2 00000000610786fd 20 0 0 10 -1    "
	"               \n";

static const char tcp6[] =
	"  sl  local_address                         remote_address         "
	"               st tx_queue rx_queue tr tm->when retrnsmt   uid  "
	"timeout inode\n"
	"   0: 0000000000000000FFFF00000100007F:1388 "
	"00000000000000000000000000000000:0000 0A 00000000:00000000 "
	"00:00000000 00000000     0        0 1281648 1 000000007a698ef1 100 0 "
	"0 10 0\n"
	"   1: 00000000000000000000000001000000:0277 "
	"00000000000000000000000000000000:0000 0A 00000000:00000000 "
	"00:00000000 00000000     0        0 1281647 1 00000000dedf38ce 100 0 "
	"0 10 0\n"
	"   2: 00000000000000000000000000000000:01BB "
	"00000000000000000000000000000000:0000 0A 00000000:00000000 "
	"00:00000000 00000000     0        0 1281646 1 0000000094c482fd 100 0 "
	"0 10 0\n";

static const char udp4[] =
	"   sl  local_address rem_address   st tx_queue rx_queue tr tm->when "
	"retrnsmt   uid  timeout inode ref pointer drops            \n"
	" 5252: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 "
	"00000000     0        0 1281651 2 0000000061833591 0       \n"
	"12431: 0100007F:9C40 0100007F:0035 01 00000000:00000000 00:00000000 "
	"00000000     0        0 1281653 2 000000006af5e0ff 0       \n";

static const char udp6[] =
	"  sl  local_address                         remote_address         "
	"               st tx_queue rx_queue tr tm->when retrnsmt   uid  "
	"timeout inode ref pointer drops\n"
	"10552: 00000000000000000000000000000000:14E9 "
	"00000000000000000000000000000000:0000 07 00000000:00000000 "
	"00:00000000 00000000     0        0 1281652 2 0000000042e8fc85 0\n";

static struct portmap m;

/**
 * scan() - Parse a string whole into the test map (cleared first)
 * @s:		Text
 * @state:	State looked for
 *
 * Return: matching lines
 */
static size_t scan(const char *s, uint8_t state)
{
	portmap_zero(&m);
	return portscan_text(pview_make(s, strlen(s)), &m, state);
}

static void test_tcp4_listeners_not_connections(void **state)
{
	(void)state;
	assert_int_equal(scan(tcp4, PORTSCAN_TCP_LISTEN), 2);
	assert_true(portmap_test(&m, 8080));   /* loopback only */
	assert_true(portmap_test(&m, 22));     /* wildcard */
	assert_false(portmap_test(&m, 34588)); /* connection's own port */
	assert_int_equal(portmap_count(&m), 2);
}

static void test_tcp6_mapped_loopback_wildcard(void **state)
{
	(void)state;
	assert_int_equal(scan(tcp6, PORTSCAN_TCP_LISTEN), 3);
	assert_true(portmap_test(&m, 5000)); /* ::ffff:127.0.0.1 */
	assert_true(portmap_test(&m, 631));  /* ::1 */
	assert_true(portmap_test(&m, 443));  /* :: */
	assert_int_equal(portmap_count(&m), 3);
}

static void test_udp_unconnected_only(void **state)
{
	(void)state;
	assert_int_equal(scan(udp4, PORTSCAN_UDP_UNCONNECTED), 1);
	assert_true(portmap_test(&m, 53));
	assert_false(portmap_test(&m, 40000)); /* connected */
	assert_int_equal(scan(udp6, PORTSCAN_UDP_UNCONNECTED), 1);
	assert_true(portmap_test(&m, 5353));
	assert_int_equal(portmap_count(&m), 1);
}

static void test_state_filter(void **state)
{
	(void)state;
	/* a TCP file scanned for "unconnected UDP" finds nothing */
	assert_int_equal(scan(tcp4, PORTSCAN_UDP_UNCONNECTED), 0);
	assert_int_equal(portmap_count(&m), 0);
	/* established: the connection's two ends */
	assert_int_equal(scan(tcp4, PORTSCAN_ESTABLISHED), 2);
	assert_true(portmap_test(&m, 34588));
	assert_true(portmap_test(&m, 8080));
}

static void test_line_results(void **state)
{
	static const struct {
		const char *line;
		int rc;
		uint8_t st;
		uint16_t port;
	} c[] = {
		{"   0: 0100007F:1F90 00000000:0000 0A", 0, 0x0a, 8080},
		{"0: 0100007f:abcd 00000000:0000 07 x", 0, 0x07, 0xabcd},
		{"\t12:\t00000000:FFFF\t00000000:0000\t0a", 0, 0x0a, 65535},
		{"  sl  local_address rem_address   st", -ENOENT, 0, 0},
		{"", -ENOENT, 0, 0},
		{"     ", -ENOENT, 0, 0},
		{"\r", -ENOENT, 0, 0},
		{"  1 0100007F:1F90 00000000:0000 0A", -EINVAL, 0, 0},
		{": 0100007F:1F90 00000000:0000 0A", -EINVAL, 0, 0},
		{"x1: 0100007F:1F90 00000000:0000 0A", -EINVAL, 0, 0},
		{"1:0100007F:1F90 00000000:0000 0A", -EINVAL, 0, 0},
		{"1: 0100007:1F90 00000000:0000 0A", -EINVAL, 0, 0},
		{"1: 0100007F0:1F90 00000000:0000 0A", -EINVAL, 0, 0},
		{"1: 0100007F:1F9 00000000:0000 0A", -EINVAL, 0, 0},
		{"1: 0100007F:1F900 00000000:0000 0A", -EINVAL, 0, 0},
		{"1: 0100007F 1F90 00000000:0000 0A", -EINVAL, 0, 0},
		{"1: 0100007F:1F90 00000000:0000", -EINVAL, 0, 0},
		{"1: 0100007F:1F90 00000000:0000 A", -EINVAL, 0, 0},
		{"1: 0100007F:1F90 00000000:0000 0AB", -EINVAL, 0, 0},
		{"1: 0100007F:1F90 00000000:0000 0A:", -EINVAL, 0, 0},
		{"1: 0100007F:1F90 0000000:0000 0A", -EINVAL, 0, 0},
		{"1: 0100007G:1F90 00000000:0000 0A", -EINVAL, 0, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		uint8_t st = 0xff;
		uint16_t port = 1;
		int rc = portscan_line(pview_make(c[i].line, strlen(c[i].line)),
				       &st, &port);

		if (rc != c[i].rc)
			fail_msg("line %zu \"%s\": %d, expected %d", i,
				 c[i].line, rc, c[i].rc);
		if (!rc && (st != c[i].st || port != c[i].port))
			fail_msg("line %zu: state %x port %u", i, st, port);
	}
}

static void test_malformed_lines_skipped_counted(void **state)
{
	static const char text[] =
		"  sl  local_address rem_address   st\n"
		"   0: 0100007F:0050 00000000:0000 0A\n"
		"garbage\n"
		"   1: 0100007F:00 00000000:0000 0A\n"
		"\n"
		"   2: 00000000:0051 00000000:0000 0A\n"
		"   3: 00000000:0000 00000000:0000 0A\n" /* port 0: ignored */
		"   4: 00000000:0052 00000000:0000 0A";	 /* no final newline */
	struct portscan ps;

	(void)state;
	portmap_zero(&m);
	portscan_begin(&ps, &m, PORTSCAN_TCP_LISTEN);
	portscan_feed(&ps, pview_make(text, strlen(text)));
	portscan_end(&ps);
	assert_int_equal(ps.lines, 8);
	assert_int_equal(ps.malformed, 2);
	assert_int_equal(ps.matches, 3);
	assert_true(portmap_test(&m, 80));
	assert_true(portmap_test(&m, 81));
	assert_true(portmap_test(&m, 82));
	assert_false(portmap_test(&m, 0));
	assert_int_equal(portmap_count(&m), 3);
}

static void test_pieces_of_every_size(void **state)
{
	static struct portmap whole;
	size_t step, off, len = strlen(tcp6);
	struct portscan ps;

	(void)state;
	portmap_zero(&whole);
	portscan_text(pview_make(tcp6, len), &whole, PORTSCAN_TCP_LISTEN);
	for (step = 1; step <= len; step++) {
		portmap_zero(&m);
		portscan_begin(&ps, &m, PORTSCAN_TCP_LISTEN);
		for (off = 0; off < len; off += step)
			portscan_feed(&ps,
				      pview_make(tcp6 + off,
						 step < len - off ? step
								  : len - off));
		portscan_end(&ps);
		assert_int_equal(ps.matches, 3);
		assert_int_equal(ps.malformed, 0);
		assert_memory_equal(&m, &whole, sizeof(m));
	}
}

static void test_overlong_line_skipped(void **state)
{
	static char text[4 * PORTSCAN_LINE_MAX];
	const char *good = "1: 0100007F:0016 00000000:0000 0A\n";
	struct portscan ps;
	size_t n, half;

	(void)state;
	/* a valid start, then blanks well past the limit */
	n = (size_t)snprintf(text, sizeof(text), "%s",
			     "0: 0100007F:0050 00000000:0000 0A");
	memset(text + n, ' ', (size_t)2 * PORTSCAN_LINE_MAX);
	n += (size_t)2 * PORTSCAN_LINE_MAX;
	text[n++] = '\n';
	memcpy(text + n, good, strlen(good) + 1);
	n += strlen(good);

	/* whole, and split in the middle of the long line */
	assert_int_equal(scan(text, PORTSCAN_TCP_LISTEN), 1);
	assert_false(portmap_test(&m, 80));
	assert_true(portmap_test(&m, 22));
	for (half = 1; half < n; half += 97) {
		portmap_zero(&m);
		portscan_begin(&ps, &m, PORTSCAN_TCP_LISTEN);
		portscan_feed(&ps, pview_make(text, half));
		portscan_feed(&ps, pview_make(text + half, n - half));
		portscan_end(&ps);
		assert_int_equal(ps.malformed, 1);
		assert_int_equal(ps.lines, 2);
		assert_false(portmap_test(&m, 80));
		assert_true(portmap_test(&m, 22));
	}
}

static void test_line_just_below_limit_parsed(void **state)
{
	static char text[2 * PORTSCAN_LINE_MAX];
	struct portscan ps;
	size_t n, half;

	(void)state;
	n = (size_t)snprintf(text, sizeof(text), "%s",
			     "0: 0100007F:0050 00000000:0000 0A");
	memset(text + n, ' ', PORTSCAN_LINE_MAX - 1 - n);
	n = PORTSCAN_LINE_MAX - 1;
	text[n++] = '\n';
	for (half = 1; half < n; half += 50) {
		portmap_zero(&m);
		portscan_begin(&ps, &m, PORTSCAN_TCP_LISTEN);
		portscan_feed(&ps, pview_make(text, half));
		portscan_feed(&ps, pview_make(text + half, n - half));
		portscan_end(&ps);
		assert_int_equal(ps.matches, 1);
		assert_true(portmap_test(&m, 80));
	}
}

static void test_huge_file(void **state)
{
	const size_t nlines = 70000;
	size_t i, len = 0, cap = nlines * 160 + 256;
	char *text = malloc(cap);
	struct portscan ps;
	size_t off;

	(void)state;
	assert_non_null(text);
	len += (size_t)snprintf(text, cap,
				"  sl  local_address rem_address"
				"   st\n");
	/* every port once in LISTEN (0 skipped), plus connections */
	for (i = 0; i < nlines; i++) {
		unsigned int port = (unsigned int)(i % 65536);
		const char *st = i < 65536 ? "0A" : "01";

		len += (size_t)snprintf(text + len, cap - len,
					"%5zu: 0100007F:%04X 00000000:0000 %s "
					"00000000:00000000 00:00000000 "
					"00000000     0        0 %zu 1\n",
					i, port, st, 100000 + i);
		assert_true(len < cap);
	}
	portmap_zero(&m);
	portscan_begin(&ps, &m, PORTSCAN_TCP_LISTEN);
	for (off = 0; off < len; off += 65536)
		portscan_feed(&ps, pview_make(text + off, len - off < 65536
								  ? len - off
								  : 65536));
	portscan_end(&ps);
	assert_int_equal(ps.lines, nlines + 1);
	assert_int_equal(ps.malformed, 0);
	assert_int_equal(ps.matches, 65535);
	assert_int_equal(portmap_count(&m), 65535);
	assert_false(portmap_test(&m, 0));
	assert_true(portmap_test(&m, 65535));
	free(text);
}

static void test_portmap_ops(void **state)
{
	static struct portmap a, b;

	(void)state;
	portmap_zero(&a);
	portmap_zero(&b);
	portmap_set_range(&a, 60, 70);
	portmap_set_range(&a, 65530, 65535);
	assert_int_equal(portmap_count(&a), 17);
	portmap_set_range(&b, 63, 64);
	portmap_set(&b, 65535);
	portmap_andnot(&a, &b);
	assert_int_equal(portmap_count(&a), 14);
	assert_false(portmap_test(&a, 63));
	assert_false(portmap_test(&a, 64));
	assert_true(portmap_test(&a, 65));
	assert_false(portmap_test(&a, 65535));
	portmap_or(&a, &b);
	assert_int_equal(portmap_count(&a), 17);
	portmap_clear(&a, 60);
	assert_false(portmap_test(&a, 60));
	portmap_set_range(&a, 10, 9); /* empty */
	assert_int_equal(portmap_count(&a), 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(x) cmocka_unit_test(x)
		T(test_tcp4_listeners_not_connections),
		T(test_tcp6_mapped_loopback_wildcard),
		T(test_udp_unconnected_only),
		T(test_state_filter),
		T(test_line_results),
		T(test_malformed_lines_skipped_counted),
		T(test_pieces_of_every_size),
		T(test_overlong_line_skipped),
		T(test_line_just_below_limit_parsed),
		T(test_huge_file),
		T(test_portmap_ops),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
