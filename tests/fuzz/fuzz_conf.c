// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_conf.c - libFuzzer harness of conf_parse(): input split into argv
 *
 * The first byte picks the program name, the rest is split at NUL bytes
 * into argument words. conf_parse() must return one of its three results,
 * never exit or abort, and leave the configuration within its limits.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"

#define FUZZ_MAX_ARGS  32
#define FUZZ_MAX_INPUT 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/**
 * LLVMFuzzerInitialize() - Send stdout and stderr streams to /dev/null
 * @argc:	Unused
 * @argv:	Unused
 *
 * Sanitizer reports are written to file descriptor 2 directly and stay
 * visible; only the parser's (and glibc getopt's) messages are silenced.
 *
 * Return: 0
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE *null = fopen("/dev/null", "w");

	(void)argc;
	(void)argv;
	if (null) {
		stdout = null;
		stderr = null;
	}
	return 0;
}

/**
 * fuzz_check() - Invariants of a parsed configuration
 * @c:		Configuration
 * @argc:	Argument count given
 * @argv:	Arguments given
 */
static void fuzz_check(const struct conf *c, int argc, char **argv)
{
	if (c->l2.dns4_n > L2_MAX_DNS || c->l2.dns6_n > L2_MAX_DNS ||
	    c->l2.search_n > L2_MAX_SEARCH || c->l2.mtu > CONF_MTU_MAX ||
	    c->log_size < CONF_LOG_SIZE_MIN)
		abort();
	if (c->l2.prefix4 < 0 || c->l2.prefix4 > 32 || (!c->v4 && !c->v6))
		abort();
	if (c->cmd && (c->cmd < argv || c->cmd + c->cmd_argc != argv + argc))
		abort();
	if (c->mode != MODE_PASTA && (c->cmd || c->target_pid))
		abort();
}

/**
 * LLVMFuzzerTestOneInput() - Parse one command line
 * @data:	First byte: program name; then NUL-separated words
 * @size:	Input length
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"passt", "pasta", "/usr/bin/pasta",
					    "qemu"};
	static char buf[FUZZ_MAX_INPUT + 1];
	char *argv[FUZZ_MAX_ARGS + 2];
	enum conf_result r;
	struct conf c;
	int argc = 1;
	size_t i, start;

	if (!size || size > FUZZ_MAX_INPUT)
		return 0;
	argv[0] = (char *)names[data[0] % 4];
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	for (start = 0, i = 0; i < size && argc <= FUZZ_MAX_ARGS; i++) {
		if (buf[i])
			continue;
		if (i == size - 1 && i == start)
			break;
		argv[argc++] = buf + start;
		start = i + 1;
	}
	argv[argc] = NULL;

	r = conf_parse(&c, argc, argv);
	if (r != CONF_OK && r != CONF_EXIT_OK && r != CONF_EXIT_ERR)
		abort();
	if (r == CONF_OK)
		fuzz_check(&c, argc, argv);
	return 0;
}
