// SPDX-License-Identifier: GPL-2.0-or-later
/* test_log.c - log file size cap, levels and rate limiting */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/log.h"

static char path[] = "/tmp/test_log_XXXXXX";

static int setup(void **state)
{
	int fd = mkstemp(path);

	(void)state;
	if (fd < 0)
		return -1;
	close(fd);
	log_init("test");
	log_to_stderr(false);
	log_set_level(LOG_LVL_INFO);
	return log_open_file(path, 4096);
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

/**
 * count_lines() - Count lines of the log file containing a string
 * @needle:	String
 * @size:	Set to the file size
 *
 * Return: number of matching lines
 */
static int count_lines(const char *needle, size_t *size)
{
	char line[1200];
	struct stat st;
	int n = 0;
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		n += !!strstr(line, needle);
	fclose(f);
	assert_int_equal(stat(path, &st), 0);
	*size = (size_t)st.st_size;
	return n;
}

static void test_log_levels_filter(void **state)
{
	size_t size;

	(void)state;
	log_info("visible-info");
	log_debug("hidden-debug");
	log_warn("visible-warn");
	assert_int_equal(count_lines("visible-", &size), 2);
	assert_int_equal(count_lines("hidden-", &size), 0);
}

static void test_log_file_capped(void **state)
{
	size_t size;
	int i;

	(void)state;
	for (i = 0; i < 1000; i++)
		log_err("line %04d with some padding to fill the file", i);
	count_lines("line", &size);
	assert_true(size <= 4096);
	/* the newest line survives, the oldest is gone */
	assert_int_equal(count_lines("line 0999", &size), 1);
	assert_int_equal(count_lines("line 0000", &size), 0);
}

static void test_log_rate_limited(void **state)
{
	struct ratelimit rl = { 0 };
	size_t size;
	int i;

	(void)state;
	for (i = 0; i < 50; i++)
		log_rl(&rl, LOG_LVL_WARN, "limited-message %d", i);
	assert_int_equal(count_lines("limited-message", &size),
			 LOG_RL_BURST);
	assert_int_equal((int)rl.dropped, 50 - LOG_RL_BURST);
}

/* syslog() calls seen, in the forked children of the journal tests: glibc's
 * syslog() (and its fortified entry point) are replaced by these counters
 */
static int syslog_calls;

void syslog(int prio, const char *fmt, ...);
void syslog(int prio, const char *fmt, ...)
{
	(void)prio;
	(void)fmt;
	syslog_calls++;
}

void __syslog_chk(int prio, int flag, const char *fmt, ...);
void __syslog_chk(int prio, int flag, const char *fmt, ...)
{
	(void)prio;
	(void)flag;
	(void)fmt;
	syslog_calls++;
}

/**
 * struct jform - JOURNAL_STREAM as PRE DEVICE SEP INODE POST
 * @pre:	Before the device number
 * @sep:	Between the numbers
 * @post:	After the inode number
 */
struct jform {
	const char *pre;
	const char *sep;
	const char *post;
};

static const struct jform jform_ok = {"", ":", ""};

/**
 * journal_child() - In a child: stderr on a file, JOURNAL_STREAM matching
 *		     it (or not), syslog on, two lines, stderr off, one more
 * @out:	File that becomes stderr
 * @f:		How JOURNAL_STREAM frames @out's device and inode
 * @add:	Number added to the inode
 *
 * Exits with the number of syslog() calls
 */
static void journal_child(const char *out, const struct jform *f,
			  unsigned add)
{
	char env[64];
	struct stat st;
	int fd = open(out, O_WRONLY | O_TRUNC);

	if (fd < 0 || dup2(fd, STDERR_FILENO) < 0 || fstat(fd, &st))
		_exit(100);
	snprintf(env, sizeof(env), "%s%llu%s%llu%s", f->pre,
		 (unsigned long long)st.st_dev, f->sep,
		 (unsigned long long)st.st_ino + add, f->post);
	setenv("JOURNAL_STREAM", env, 1);
	log_init("test");
	log_set_level(LOG_LVL_INFO);
	log_to_syslog(true);
	log_warn("first");
	log_info("second");
	log_to_stderr(false);
	log_err("third");
	_exit(syslog_calls);
}

/**
 * run_journal() - Run journal_child() and collect what it wrote
 * @f:		As for journal_child()
 * @add:	As for journal_child()
 * @text:	Filled with what reached stderr
 * @size:	Its size
 *
 * Return: syslog() calls the child made
 */
static int run_journal(const struct jform *f, unsigned add, char *text,
		       size_t size)
{
	char out[] = "/tmp/test_log_journal_XXXXXX";
	int fd = mkstemp(out), status;
	ssize_t n;
	pid_t pid;

	assert_true(fd >= 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid)
		journal_child(out, f, add);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	n = pread(fd, text, size - 1, 0);
	text[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(out);
	return WEXITSTATUS(status);
}

/* stderr is the journal: each line once, there, with its priority; syslog
 * only takes over once stderr is switched off
 */
static void test_log_journal_once(void **state)
{
	char text[256];

	(void)state;
	assert_int_equal(run_journal(&jform_ok, 0, text, sizeof(text)), 1);
	assert_string_equal(text, "<4>first\n<6>second\n");
}

/* JOURNAL_STREAM of some other stream (inherited): both sinks, no prefix */
static void test_log_journal_other_stream(void **state)
{
	char text[256];

	(void)state;
	assert_int_equal(run_journal(&jform_ok, 1, text, sizeof(text)), 3);
	assert_string_equal(text, "first\nsecond\n");
}

/* A malformed JOURNAL_STREAM, even with the right numbers in it: ignored */
static void test_log_journal_malformed(void **state)
{
	static const struct jform bad[] = {
		{"", ":", "x"}, {"", ":", ":"}, {"", ";", ""}, {" ", ":", ""},
		{"", ":-", ""}, {"x", ":", ""}, {"", "::", ""},
	};
	char text[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(run_journal(&bad[i], 0, text, sizeof(text)),
				 3);
		assert_string_equal(text, "first\nsecond\n");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_levels_filter),
		cmocka_unit_test(test_log_file_capped),
		cmocka_unit_test(test_log_rate_limited),
	};
	/* First: the children start from the default state, stderr only,
	 * which the log file of the other group's setup() would change
	 */
	const struct CMUnitTest journal_tests[] = {
		cmocka_unit_test(test_log_journal_once),
		cmocka_unit_test(test_log_journal_other_stream),
		cmocka_unit_test(test_log_journal_malformed),
	};

	return cmocka_run_group_tests(journal_tests, NULL, NULL) |
	       cmocka_run_group_tests(tests, setup, teardown);
}
