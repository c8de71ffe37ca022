// SPDX-License-Identifier: GPL-2.0-or-later
/* cmdline.c - conf_parse(): argv to struct conf
 *
 * Theory of operation: the mode comes first (--vhost-user anywhere, else the
 * program name), then getopt_long() walks argv with long and short option
 * tables generated from conf_opts[] (options.c). Each option found is checked
 * against the table (right mode? supported in this build?) before its
 * handler stores the value. Once getopt is done, conf_finish() handles the
 * positional arguments and the rules that involve several options.
 * Nothing here exits, opens files or logs through the logger: errors are
 * one line on stderr and CONF_EXIT_ERR, so tests and fuzzers can call
 * conf_parse() at will.
 *
 * This driver sits on top of conf/: it uses the table (options.c), which
 * names the handlers (handlers.c), which use the value parsers (parse.c).
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "conf/conf.h"
#include "conf/parse.h"

/* Values of getopt_long() for options without a short letter: this + index */
#define CONF_VAL_LONG 256
/* Largest table getopt_long() is given */
#define CONF_MAX_OPTS 128

static const uint8_t conf_default_mac[ETH_ADDR_LEN] = {0x9a, 0x55, 0x9a,
						       0x55, 0x9a, 0x55};

/**
 * conf_parse_mode() - Find the mode from --vhost-user or the program name
 * @argc:	Argument count
 * @argv:	Arguments
 * @mode:	Mode, set on success
 *
 * Return: 0 on success, -EINVAL if the name has neither "pasta" nor "passt"
 */
int conf_parse_mode(int argc, char **argv, enum conf_mode *mode)
{
	char name[PATH_MAX];
	const char *base;
	int i;

	for (i = 1; i < argc; i++) {
		if (argv[i] && !strcmp(argv[i], "--vhost-user")) {
			*mode = MODE_VU;
			return 0;
		}
	}
	if (argc < 1 || !argv[0] || conf_copy_str(name, sizeof(name), argv[0]))
		return -EINVAL;
	base = basename(name);
	if (strstr(base, "pasta"))
		*mode = MODE_PASTA;
	else if (strstr(base, "passt"))
		*mode = MODE_PASST;
	else
		return -EINVAL;
	return 0;
}

/**
 * conf_defaults() - Start from the defaults of a mode
 * @c:		Configuration, overwritten
 * @mode:	Mode
 * @argv0:	Program name, kept for messages and --help
 */
static void conf_defaults(struct conf *c, enum conf_mode mode,
			  const char *argv0)
{
	memset(c, 0, sizeof(*c));
	c->mode = mode;
	c->argv0 = argv0;
	c->log_size = CONF_LOG_SIZE_DEFAULT;
	c->fd = -1;
	c->v4 = c->v6 = true;
	memcpy(c->l2.our_mac, conf_default_mac, ETH_ADDR_LEN);
	c->l2.mtu = CONF_MTU_DEFAULT;
	c->l2.prefix6 = 64;
	c->l2.no_dhcp_dns = c->l2.no_dhcp_search = mode == MODE_PASTA;
}

/**
 * conf_opt_val() - Value getopt_long() returns for a table entry
 * @i:		Index in conf_opts[]
 *
 * Return: the short letter, or CONF_VAL_LONG + index of the entry (of the
 *	   entry it is an alias of)
 */
static int conf_opt_val(size_t i)
{
	while (conf_opts[i].alias && i > 0 && !conf_opts[i].short_opt)
		i--;
	if (conf_opts[i].short_opt)
		return conf_opts[i].short_opt;
	return CONF_VAL_LONG + (int)i;
}

/**
 * conf_opt_by_val() - Table entry of a value returned by getopt_long()
 * @val:	Value
 *
 * Return: the entry (never an alias), NULL if none
 */
static const struct conf_opt *conf_opt_by_val(int val)
{
	size_t i;

	if (val >= CONF_VAL_LONG) {
		i = (size_t)(val - CONF_VAL_LONG);
		return i < conf_opts_n ? &conf_opts[i] : NULL;
	}
	for (i = 0; i < conf_opts_n; i++) {
		if (conf_opts[i].short_opt == val && !conf_opts[i].alias)
			return &conf_opts[i];
	}
	return NULL;
}

/**
 * conf_optstring() - Build getopt's short option string from the table
 * @buf:	Destination
 * @size:	Its size
 *
 * Return: 0 on success, -ENOSPC if it doesn't fit
 */
int conf_optstring(char *buf, size_t size)
{
	size_t i, n = 0;

	if (size < 2)
		return -ENOSPC;
	buf[n++] = '+';
	for (i = 0; i < conf_opts_n; i++) {
		const struct conf_opt *o = &conf_opts[i];

		if (!o->short_opt || o->alias)
			continue;
		if (n + 3 > size)
			return -ENOSPC;
		buf[n++] = o->short_opt;
		if (o->metavar)
			buf[n++] = ':';
	}
	buf[n] = '\0';
	return 0;
}

/**
 * conf_longopts() - Build getopt_long()'s long option table
 * @lo:		Destination, CONF_MAX_OPTS + 1 entries
 */
static void conf_longopts(struct option *lo)
{
	size_t i;

	for (i = 0; i < conf_opts_n && i < CONF_MAX_OPTS; i++) {
		lo[i].name = conf_opts[i].name;
		lo[i].has_arg =
			conf_opts[i].metavar ? required_argument : no_argument;
		lo[i].flag = NULL;
		lo[i].val = conf_opt_val(i);
	}
	memset(&lo[i], 0, sizeof(lo[i]));
}

/**
 * conf_mode_only() - Name of the modes an option is restricted to
 * @o:		Option
 *
 * Return: "pasta", "passt" or "vhost-user"
 */
static const char *conf_mode_only(const struct conf_opt *o)
{
	if (o->modes == CONF_M_VU)
		return "vhost-user";
	if (o->modes & CONF_M_PASST)
		return "passt";
	return "pasta";
}

/**
 * conf_apply() - Check an option against the table, then run its handler
 * @c:		Configuration
 * @o:		Option
 * @arg:	Argument, NULL if none
 *
 * Return: CONF_OK, CONF_EXIT_OK (--help, --version) or CONF_EXIT_ERR
 */
static enum conf_result conf_apply(struct conf *c, const struct conf_opt *o,
				   const char *arg)
{
	int rc;

	if (!(o->modes & (1U << c->mode))) {
		fprintf(stderr, "--%s is for %s mode only\n", o->name,
			conf_mode_only(o));
		return CONF_EXIT_ERR;
	}
	if (o->support == CONF_SUP_NO) {
		fprintf(stderr, "--%s: not supported yet\n", o->name);
		return CONF_EXIT_ERR;
	}
	if (o->support == CONF_SUP_NONE_ONLY && arg &&
	    strcmp(arg, "none") != 0) {
		if (o->short_opt)
			fprintf(stderr, "-%c %s: ", o->short_opt, arg);
		else
			fprintf(stderr, "--%s %s: ", o->name, arg);
		fprintf(stderr, "%s\n", o->nyi ? o->nyi : "not supported yet");
		return CONF_EXIT_ERR;
	}
	rc = o->handler(c, o, arg);
	if (rc < 0)
		return CONF_EXIT_ERR;
	return rc > 0 ? CONF_EXIT_OK : CONF_OK;
}

/**
 * conf_positional() - Handle what is left after the options
 * @c:		Configuration
 * @argc:	Number of remaining arguments
 * @argv:	Remaining arguments
 *
 * Return: 0 on success, -EINVAL (message on stderr) otherwise
 */
static int conf_positional(struct conf *c, int argc, char **argv)
{
	unsigned long pid;

	if (argc <= 0)
		return 0;
	if (c->mode != MODE_PASTA) {
		fprintf(stderr, "Extra non-option argument: %s\n", argv[0]);
		return -EINVAL;
	}
	if (*c->netns) {
		fprintf(stderr, "Both --netns and PID or command given\n");
		return -EINVAL;
	}
	if (argc == 1 && argv[0][0] &&
	    strspn(argv[0], "0123456789") == strlen(argv[0])) {
		if (conf_parse_uint(argv[0], INT_MAX, &pid) || !pid) {
			fprintf(stderr, "Invalid PID: %s\n", argv[0]);
			return -EINVAL;
		}
		c->target_pid = (pid_t)pid;
		return 0;
	}
	c->cmd = argv;
	c->cmd_argc = argc;
	return 0;
}

/**
 * conf_check_pasta() - Rules between pasta's namespace options
 * @c:		Configuration
 *
 * Return: 0 on success, -EINVAL (message on stderr) otherwise
 */
static int conf_check_pasta(struct conf *c)
{
	if (*c->userns && !*c->netns && !c->target_pid) {
		fprintf(stderr, "--userns requires --netns or PID\n");
		return -EINVAL;
	}
	if (*c->netns && !*c->userns)
		c->netns_only = true;
	if ((c->no_copy_routes || c->no_copy_addrs) && !c->config_net) {
		fprintf(stderr, "--no-copy-routes and --no-copy-addrs "
				"need --config-net\n");
		return -EINVAL;
	}
	if (c->host_lo_to_ns_lo && c->no_splice) {
		fprintf(stderr, "--host-lo-to-ns-lo is incompatible with "
				"--no-splice\n");
		return -EINVAL;
	}
	if (c->splice_only && c->no_splice) {
		fprintf(stderr, "--splice-only is incompatible with "
				"--no-splice\n");
		return -EINVAL;
	}
	/* compat.md 1.2: --splice-only forces --host-lo-to-ns-lo, and with
	 * no tap there's no ICMP echo or DNS to offer
	 */
	if (c->splice_only) {
		c->host_lo_to_ns_lo = true;
		c->no_icmp = true;
		c->dns_none = true;
	}
	return 0;
}

/**
 * conf_finish() - Positional arguments, and rules involving several options
 * @c:		Configuration
 * @argc:	Number of remaining arguments
 * @argv:	Remaining arguments
 *
 * Return: CONF_OK or CONF_EXIT_ERR
 */
static enum conf_result conf_finish(struct conf *c, int argc, char **argv)
{
	if (c->seen.opt4 && c->seen.opt6) {
		fprintf(stderr, "Options ipv4-only and ipv6-only are mutually "
				"exclusive\n");
		return CONF_EXIT_ERR;
	}
	if (conf_positional(c, argc, argv) || conf_check_pasta(c))
		return CONF_EXIT_ERR;

	if (c->addr4_set && !c->prefix4_set)
		c->l2.prefix4 = conf_prefix_classful(c->l2.addr4);
	if (c->config_net)
		c->l2.no_ra = true;
	if (c->no_icmp)
		c->l2.no_ndp = true;
	if (c->map_host_lo_none)
		c->no_map_gw = true;
	/* a finite lease only serves following the host: without it,
	 * today's (and upstream's) lease that never ends
	 */
	if (!c->l2.lease)
		c->l2.lease = c->no_follow_host ? L2_LEASE_INFINITE
						: CONF_LEASE_DEFAULT;
	c->l2.v4 = c->v4;
	c->l2.v6 = c->v6;
	return CONF_OK;
}

/**
 * conf_parse() - Parse the command line into a configuration
 * @c:		Configuration, overwritten (defaults first)
 * @argc:	Argument count
 * @argv:	Arguments: not modified; pasta's command keeps pointing here
 *
 * Resets getopt's state, so it can be called any number of times. Never
 * exits: errors are printed to stderr (glibc's own wording for unknown
 * options and missing arguments, followed by the usage text).
 *
 * Return: CONF_OK, CONF_EXIT_OK after --help or --version, CONF_EXIT_ERR
 */
enum conf_result conf_parse(struct conf *c, int argc, char **argv)
{
	struct option longopts[CONF_MAX_OPTS + 1];
	char optstring[CONF_MAX_OPTS * 2];
	enum conf_mode mode;

	if (conf_parse_mode(argc, argv, &mode)) {
		memset(c, 0, sizeof(*c));
		fprintf(stderr, "Cannot determine mode, invoke as \"passt\" or "
				"\"pasta\"\n");
		return CONF_EXIT_ERR;
	}
	conf_defaults(c, mode, argv[0]);
	if (conf_optstring(optstring, sizeof(optstring)))
		return CONF_EXIT_ERR;
	conf_longopts(longopts);

	optind = 0;
	opterr = 1;
	for (;;) {
		int val = getopt_long(argc, argv, optstring, longopts, NULL);
		const struct conf_opt *o;
		enum conf_result r;

		if (val == -1)
			break;
		o = conf_opt_by_val(val);
		if (!o) {
			conf_print_usage(c, stderr);
			return CONF_EXIT_ERR;
		}
		r = conf_apply(c, o, optarg);
		if (r != CONF_OK)
			return r;
	}
	return conf_finish(c, argc - optind, argv + optind);
}

/**
 * conf_prescan_fd() - Find the --fd (-F) argument before anything else
 * @argc:	Argument count
 * @argv:	Arguments, not modified
 *
 * Start-up closes inherited descriptors before the options are parsed
 * (os/fds.c), so the one given with --fd must be known first. getopt_long()
 * runs over the same table as conf_parse(), silently: a mistake is reported
 * by conf_parse() later. The last --fd wins, as it does there.
 *
 * Return: the descriptor number, -1 if there is none or it isn't a number
 */
int conf_prescan_fd(int argc, char **argv)
{
	struct option longopts[CONF_MAX_OPTS + 1];
	char optstring[CONF_MAX_OPTS * 2];
	unsigned long v;
	int fd = -1, val;

	if (conf_optstring(optstring, sizeof(optstring)))
		return -1;
	conf_longopts(longopts);

	optind = 0;
	opterr = 0;
	while ((val = getopt_long(argc, argv, optstring, longopts, NULL)) != -1)
		if (val == 'F')
			fd = conf_parse_uint(optarg, INT_MAX, &v) ? -1 : (int)v;
	optind = 0;
	opterr = 1;
	return fd;
}
