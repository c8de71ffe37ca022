// SPDX-License-Identifier: GPL-2.0-or-later
/* test_pesto_prom.c - unit tests of pesto's Prometheus text reader
 *
 * tools/pesto/prom.c is compiled in here: pesto's --flows and --counters
 * depend on it reading the metric names and labels of doc/control.md.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../tools/pesto/prom.c"

static struct prom_parser p;
static struct prom_sample s;

#define FLOW3 "flow=\"3\",type=\"tcp\",state=\"ESTABLISHED\","
#define SIDES "ini=\"192.0.2.2:40000>198.51.100.1:80\"," \
	      "tgt=\"198.51.100.1:50000>203.0.113.5:80\""

static const char text[] =
	"# HELP passt_frames_total Frames\n"
	"# TYPE passt_frames_total counter\n"
	"passt_frames_total{link=\"tap\",dir=\"in\"} 1234\n"
	"passt_flow_table_used 2\n"
	"passt_flow_bytes{" FLOW3 "dir=\"ini_to_tgt\"," SIDES "} 4096\n"
	"passt_flow_bytes{" FLOW3 "dir=\"tgt_to_ini\"," SIDES "} 65536\n"
	"passt_flow_packets{" FLOW3 "dir=\"ini_to_tgt\"," SIDES "} 7\n"
	"passt_flow_packets{" FLOW3 "dir=\"tgt_to_ini\"," SIDES "} 9\n"
	"passt_flow_age_seconds{" FLOW3 SIDES "} 12.5\n"
	"passt_flow_idle_seconds{" FLOW3 SIDES "} 0.25\n"
	"passt_flow_bytes{flow=\"8191\",type=\"udp\",dir=\"ini_to_tgt\"} 1\n"
	"passt_flow_bytes{flow=\"8192\",type=\"udp\",dir=\"ini_to_tgt\"} 1\n";

static void test_sample_parse(void **state)
{
	(void)state;
	assert_int_equal(prom_sample_parse("passt_x 5", &s), 0);
	assert_string_equal(s.name, "passt_x");
	assert_true(s.value == 5);
	assert_int_equal(s.flow, -1);
	assert_int_equal(prom_sample_parse("a{flow=\"12\",dir=\"tgt_to_ini\","
					   "state=\"x\\\"y\\\\\"} 1.5 1700000",
					   &s),
			 0);
	assert_int_equal(s.flow, 12);
	assert_int_equal(s.dir, 1);
	assert_string_equal(s.state, "x\"y\\");
	assert_true(s.value == 1.5);
	assert_int_equal(prom_sample_parse("# HELP a b", &s), -ENOENT);
	assert_int_equal(prom_sample_parse("   ", &s), -ENOENT);
	assert_int_equal(prom_sample_parse("a", &s), -EINVAL);
	assert_int_equal(prom_sample_parse("a{b=\"c} 1", &s), -EINVAL);
	assert_int_equal(prom_sample_parse("a{b=c} 1", &s), -EINVAL);
	assert_int_equal(prom_sample_parse("a{b=\"c\"", &s), -EINVAL);
	assert_int_equal(prom_sample_parse("a{flow=\"-1\"} 1", &s), -EINVAL);
	assert_int_equal(prom_sample_parse("a{flow=\"1x\"} 1", &s), -EINVAL);
	assert_int_equal(prom_sample_parse("a 1 2 3", &s), -EINVAL);
	assert_int_equal(prom_sample_parse("a x", &s), -EINVAL);
	assert_int_equal(prom_sample_parse("a{b=\"\\", &s), -EINVAL);
}

static void test_flows_in_pieces(void **state)
{
	size_t i, n = strlen(text);
	const struct prom_flow *f;

	(void)state;
	prom_init(&p, PROM_FLOWS, NULL);
	for (i = 0; i < n; i += 7)
		prom_feed(&p, text + i, n - i < 7 ? n - i : 7);
	f = &p.flows[3];
	assert_true(f->used);
	assert_string_equal(f->type, "tcp");
	assert_string_equal(f->state, "ESTABLISHED");
	assert_string_equal(f->ini, "192.0.2.2:40000>198.51.100.1:80");
	assert_string_equal(f->tgt, "198.51.100.1:50000>203.0.113.5:80");
	assert_int_equal(f->bytes[0], 4096);
	assert_int_equal(f->bytes[1], 65536);
	assert_int_equal(f->pkts[0], 7);
	assert_int_equal(f->pkts[1], 9);
	assert_true(f->age == 12.5 && f->idle == 0.25);
	assert_true(p.flows[8191].used);
	for (i = 0; i < FLOW_MAX; i++)
		assert_true(i == 3 || i == 8191 || !p.flows[i].used);
}

/**
 * feed() - Feed a string, without its NUL
 * @str:	Text
 */
static void feed(const char *str)
{
	prom_feed(&p, str, strlen(str));
}

static void test_overlong_line_skipped(void **state)
{
	static char big[PROM_LINE_MAX * 2];

	(void)state;
	prom_init(&p, PROM_FLOWS, NULL);
	memset(big, 'a', sizeof(big));
	memcpy(big, "passt_flow_bytes{flow=\"5\",dir=\"ini_to_tgt\",x=\"", 46);
	prom_feed(&p, big, sizeof(big));
	feed("\"} 1\npasst_flow_packets{flow=\"6\"");
	feed(",dir=\"ini_to_tgt\"} 2\n");
	/* a NUL byte spoils its line only */
	feed("passt_flow_packets{flow=\"7\",dir=\"ini_to_tgt\"} 3");
	prom_feed(&p, "", 1);
	feed("\npasst_flow_packets{flow=\"8\",dir=\"ini_to_tgt\"} 4\n");
	assert_false(p.flows[5].used);
	assert_true(p.flows[6].used);
	assert_int_equal(p.flows[6].pkts[0], 2);
	assert_false(p.flows[7].used);
	assert_int_equal(p.flows[8].pkts[0], 4);
}

static void test_counters_and_table(void **state)
{
	char out[8192] = "";
	FILE *f = fmemopen(out, sizeof(out) - 1, "w");

	(void)state;
	assert_non_null(f);
	prom_init(&p, PROM_COUNTERS, f);
	prom_feed(&p, text, strlen(text));
	fclose(f);
	assert_non_null(strstr(out, "passt_frames_total"));
	assert_non_null(strstr(out, "1234"));
	assert_non_null(strstr(out, "passt_flow_table_used"));
	assert_null(strstr(out, "passt_flow_bytes"));

	memset(out, 0, sizeof(out));
	f = fmemopen(out, sizeof(out) - 1, "w");
	prom_init(&p, PROM_FLOWS, NULL);
	prom_feed(&p, text, strlen(text));
	prom_print_flows(&p, f);
	fclose(f);
	assert_non_null(strstr(out, "\n3     tcp   ESTABLISHED"));
	assert_non_null(strstr(out, "65536"));
	assert_non_null(strstr(out, "\n8191  udp"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample_parse),
		cmocka_unit_test(test_flows_in_pieces),
		cmocka_unit_test(test_overlong_line_skipped),
		cmocka_unit_test(test_counters_and_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
