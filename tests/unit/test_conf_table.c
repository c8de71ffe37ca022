// SPDX-License-Identifier: GPL-2.0-or-later
/* test_conf_table.c - unit tests of the option table: which options each
 *		       mode and this build accept, getopt's view of it (long
 *		       forms, prefixes, upstream's optstring), --help and
 *		       --version generated from it, and its own consistency
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conf/conf.h"
#include "conf_fixture.h"

/* Options this build recognises and rejects, with their message */
static void test_not_supported_options(void **state)
{
	static const char *const cases[][3] = {
		{"--stats", "1", "--stats"},
		{"--chroot-fallback", NULL, "--chroot-fallback"},
	};
	char msg[64];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(msg, sizeof(msg), "%s: not supported yet",
			 cases[i][2]);
		assert_parse_err(msg, "passt", cases[i][0], cases[i][1]);
	}
	/* A repair socket in vhost-user mode; "none" anywhere (issue 16) */
	assert_int_equal(parse("passt", "--repair-path", "none", NULL), CONF_OK);
	assert_parse_err("--repair-path is for vhost-user mode only",
			 "passt", "--repair-path", "/tmp/r");
	assert_int_equal(parse("passt", "--vhost-user", "--repair-path",
			       "/tmp/r", NULL), CONF_OK);
	assert_int_equal(parse("pasta", "-c", "/tmp/c", NULL), CONF_OK);
	assert_int_equal(parse("passt", "--conf-path", "/tmp/c", NULL),
			 CONF_OK);
	assert_int_equal(parse("pasta", "--host-lo-to-ns-lo", NULL), CONF_OK);
	assert_int_equal(parse("pasta", "--splice-only", NULL), CONF_OK);
	assert_parse_err("--fd: not supported yet in pasta mode", "pasta",
			 "-F", "3");
}

static void test_wrong_mode(void **state)
{
	(void)state;
	assert_parse_err("--one-off is for passt mode only", "pasta", "-1");
	assert_parse_err("--socket is for passt mode only", "pasta", "-s",
			 "/tmp/x");
	assert_parse_err("--netns is for pasta mode only", "passt", "--netns",
			 "x");
	assert_parse_err("--tcp-ns is for pasta mode only", "passt", "-T",
			 "none");
	assert_parse_err("--ns-ifname is for pasta mode only", "passt", "-I",
			 "x");
	assert_parse_err("--dhcp-dns is for pasta mode only", "passt",
			 "--dhcp-dns");
	assert_parse_err("--no-dhcp-search is for passt mode only", "pasta",
			 "--no-dhcp-search");
	assert_parse_err("--migrate-exit is for vhost-user mode only", "passt",
			 "--migrate-exit");
}

static void test_long_forms_and_prefixes(void **state)
{
	(void)state;
	assert_int_equal(parse("passt", "--mt", "1400", "--addr=192.0.2.9",
			       "--gatew", "192.0.2.1", NULL),
			 CONF_OK);
	assert_int_equal(cf.l2.mtu, 1400);
	assert_in4(cf.l2.addr4, "192.0.2.9");
	assert_in4(cf.l2.gw4, "192.0.2.1");
	/* --dns is an exact match, not an ambiguous prefix */
	assert_int_equal(parse("passt", "--dns=192.0.2.53", NULL), CONF_OK);
	assert_int_equal(cf.l2.dns4_n, 1);
	/* --sock is both --socket and its alias: not ambiguous */
	assert_int_equal(parse("passt", "--sock", "/tmp/x", NULL), CONF_OK);
	assert_string_equal(cf.sock_path, "/tmp/x");
	assert_parse_err("is ambiguous", "passt", "--no-d");
	/* Short options grouped, argument attached */
	assert_int_equal(parse("passt", "-dfm1280", NULL), CONF_OK);
	assert_true(cf.debug && cf.foreground);
	assert_int_equal(cf.l2.mtu, 1280);
}

static void test_unknown_option(void **state)
{
	(void)state;
	assert_parse_err("unrecognized option '--foo'", "passt", "--foo");
	assert_true(strstr(out, "Usage: passt") != NULL);
	assert_parse_err("invalid option -- 'x'", "passt", "-x");
	assert_parse_err("requires an argument", "passt", "-m");
	assert_true(strstr(out, "Usage: passt") != NULL);
	assert_parse_err("requires an argument", "pasta", "--netns");
}

static void test_help(void **state)
{
	(void)state;
	capture_start(1);
	assert_int_equal(parse("pasta", "-d", "--help", "--bogus", NULL),
			 CONF_EXIT_OK);
	capture_end(1);
	assert_true(strstr(out, "Usage: pasta [OPTION]...") != NULL);
	assert_true(strstr(out, "--netns PATH|NAME") != NULL);
	assert_true(strstr(out, "-m, --mtu MTU") != NULL);
	assert_null(strstr(out, "--one-off"));
	assert_true(strstr(out, "not supported in this build") != NULL);

	capture_start(1);
	assert_int_equal(parse("passt", "-h", NULL), CONF_EXIT_OK);
	capture_end(1);
	assert_true(strstr(out, "Usage: passt [OPTION]...") != NULL);
	assert_true(strstr(out, "--one-off") != NULL);
	assert_null(strstr(out, "--netns"));
	assert_null(strstr(out, "--socket-path"));
}

static void test_version(void **state)
{
	size_t n;

	(void)state;
	capture_start(1);
	assert_int_equal(
		parse("pasta", "--no-tcp", "--version", "--bogus", NULL),
		CONF_EXIT_OK);
	capture_end(1);
	/* "pasta VERSION" (libcommon may be built with another VERSION) */
	assert_memory_equal(out, "pasta ", 6);
	n = strcspn(out + 6, " \n");
	assert_true(n > 0 && out[6 + n] == '\n');
	n = strlen(out);
	assert_true(n > 2 && out[n - 1] == '\n' && out[n - 2] == '\n');
	assert_true(strstr(out, "GPL") != NULL);

	capture_start(1);
	assert_int_equal(parse("passt", "--version", NULL), CONF_EXIT_OK);
	capture_end(1);
	assert_memory_equal(out, "passt ", 6);

	/* rootlesskit's feature probe: the option is known, so --version
	 * answers (exit 0); without it, rootlesskit disables the feature
	 */
	capture_start(1);
	assert_int_equal(
		parse("pasta", "--host-lo-to-ns-lo", "--version", NULL),
		CONF_EXIT_OK);
	capture_end(1);
	assert_memory_equal(out, "pasta ", 6);
}

/* --print-capabilities: three lines on stderr, exit 0, in every mode, as
 * upstream's logger prints them; whatever follows is not looked at
 */
static void test_print_capabilities(void **state)
{
	static const char caps[] = "{\n  \"type\": \"net\"\n}\n";

	(void)state;
	capture_start(2);
	assert_int_equal(parse("passt", "--print-capabilities", NULL),
			 CONF_EXIT_OK);
	capture_end(2);
	assert_string_equal(out, caps);

	capture_start(2);
	assert_int_equal(parse("pasta", "--print-capabilities", NULL),
			 CONF_EXIT_OK);
	capture_end(2);
	assert_string_equal(out, caps);

	/* In vhost-user mode (--vhost-user anywhere), after -q */
	capture_start(2);
	assert_int_equal(parse("passt", "-q", "--print-capabilities",
			       "--vhost-user", "--bogus", NULL),
			 CONF_EXIT_OK);
	capture_end(2);
	assert_int_equal(cf.mode, MODE_VU);
	assert_string_equal(out, caps);

	/* Nothing on stdout */
	capture_start(1);
	assert_int_equal(parse("passt", "--print-capabilities", NULL),
			 CONF_EXIT_OK);
	capture_end(1);
	assert_string_equal(out, "");

	/* The first of --help and --print-capabilities wins */
	capture_start(2);
	assert_int_equal(parse("passt", "--help", "--print-capabilities", NULL),
			 CONF_EXIT_OK);
	capture_end(2);
	assert_string_equal(out, "");
	assert_parse_err("doesn't allow an argument", "passt",
			 "--print-capabilities=x");
}

static void test_table_matches_upstream_optstring(void **state)
{
	char s[256];
	const char *p;

	(void)state;
	assert_int_equal(conf_optstring(s, sizeof(s)), 0);
	assert_int_equal(strlen(s), strlen(CONF_OPTSTRING));
	assert_int_equal(s[0], '+');
	/* Same letters, each with the same argument flag */
	for (p = CONF_OPTSTRING + 1; *p; p++) {
		const char *q;

		if (*p == ':')
			continue;
		q = strchr(s + 1, *p);
		assert_non_null(q);
		assert_int_equal(q[1] == ':', p[1] == ':');
	}
	assert_int_equal(conf_optstring(s, 8), -ENOSPC);
}

static void test_table_is_consistent(void **state)
{
	size_t i, j;

	(void)state;
	assert_true(conf_opts_n > 60);
	for (i = 0; i < conf_opts_n; i++) {
		const struct conf_opt *o = &conf_opts[i];

		assert_non_null(o->handler);
		assert_non_null(o->help);
		assert_true(o->modes && !(o->modes & ~CONF_M_ALL));
		/* "none"-only options take an argument */
		if (o->support == CONF_SUP_NONE_ONLY)
			assert_non_null(o->metavar);
		for (j = 0; j < i; j++) {
			assert_string_not_equal(o->name, conf_opts[j].name);
			if (o->short_opt && !o->alias)
				assert_int_not_equal(o->short_opt,
						     conf_opts[j].short_opt);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_supported_options),
		cmocka_unit_test(test_wrong_mode),
		cmocka_unit_test(test_long_forms_and_prefixes),
		cmocka_unit_test(test_unknown_option),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_print_capabilities),
		cmocka_unit_test(test_table_matches_upstream_optstring),
		cmocka_unit_test(test_table_is_consistent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
