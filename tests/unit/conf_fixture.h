/* SPDX-License-Identifier: GPL-2.0-or-later */
/* conf_fixture.h - command lines, captured output and address checks shared
 *		    by the configuration tests (test_conf*.c)
 *
 * parse("pasta", "-f", NULL) runs conf_parse() on those words into the
 * static struct conf cf; capture_start()/capture_end() collect what a parse
 * prints on stdout or stderr into out[]; assert_parse_err() expects a
 * failed parse with a given message. Include after cmocka.h.
 */
#ifndef TESTS_CONF_FIXTURE_H
#define TESTS_CONF_FIXTURE_H

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"

#define MAX_ARGS 32
#define OUT_MAX	 16384

/* argv of the last parse: pasta's command points into it */
static char *args[MAX_ARGS + 1];
static char argbuf[MAX_ARGS][256];
static struct conf cf;

/* Output captured by capture_end() */
static char out[OUT_MAX];

/**
 * set_args() - Copy a NULL-terminated array of words into args[]
 * @w:		Program name, then further words, then NULL
 *
 * Return: argc
 */
static inline int set_args(const char *const *w)
{
	int argc = 0;

	while (argc < MAX_ARGS && w[argc]) {
		snprintf(argbuf[argc], sizeof(argbuf[argc]), "%s", w[argc]);
		args[argc] = argbuf[argc];
		argc++;
	}
	args[argc] = NULL;
	return argc;
}

/**
 * parse_words() - Run conf_parse() on a NULL-terminated array of words
 * @w:		Program name, then further words, then NULL
 *
 * Return: what conf_parse() returned
 */
static inline enum conf_result parse_words(const char *const *w)
{
	return conf_parse(&cf, set_args(w), args);
}

/* parse("pasta", "-f", NULL): words as arguments, NULL-terminated */
#define parse(...) parse_words((const char *const[]){__VA_ARGS__})

static int saved_fd = -1;
static FILE *capture_file;

/* Redirect @fd (1 or 2) to a temporary file until capture_end() */
static inline void capture_start(int fd)
{
	fflush(stdout);
	fflush(stderr);
	capture_file = tmpfile();
	assert_non_null(capture_file);
	saved_fd = dup(fd);
	assert_true(saved_fd >= 0);
	assert_true(dup2(fileno(capture_file), fd) >= 0);
}

/* Restore @fd, leave what was written in out[] */
static inline const char *capture_end(int fd)
{
	size_t n;

	fflush(stdout);
	fflush(stderr);
	assert_true(dup2(saved_fd, fd) >= 0);
	close(saved_fd);
	rewind(capture_file);
	n = fread(out, 1, sizeof(out) - 1, capture_file);
	out[n] = '\0';
	fclose(capture_file);
	return out;
}

/* Parse expecting CONF_EXIT_ERR with @msg somewhere on stderr */
#define assert_parse_err(msg, ...)                                             \
	do {                                                                   \
		capture_start(2);                                              \
		assert_int_equal(parse(__VA_ARGS__, NULL), CONF_EXIT_ERR);     \
		capture_end(2);                                                \
		if (!strstr(out, msg))                                         \
			fail_msg("stderr \"%s\" lacks \"%s\"", out, msg);      \
	} while (0)

static inline void assert_in4(struct in_addr a, const char *s)
{
	char buf[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, buf, sizeof(buf));
	assert_string_equal(buf, s);
}

static inline void assert_in6(const struct in6_addr *a, const char *s)
{
	char buf[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, a, buf, sizeof(buf));
	assert_string_equal(buf, s);
}

#endif /* TESTS_CONF_FIXTURE_H */
