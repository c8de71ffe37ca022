// SPDX-License-Identifier: GPL-2.0-or-later
/* main.c - pasta-netcfg: show or configure an interface in a namespace
 *
 * Option parsing only: the work is done by os/netcfg.c, os/netlink.c and
 * os/netns.c, which pasta's --config-net uses too. Exit status: 0 on
 * success, 1 on any error, with one line on stderr.
 *
 * Theory of operation: everything is opened first (the netlink socket of
 * the template's namespace for copy, the target namespace, joined, and the
 * netlink socket there), then the process drops every capability but
 * CAP_NET_ADMIN (set, copy) or all of them (show), and installs the
 * SANDBOX_NETCFG seccomp allowlist (doc/sandbox.md): from then on it only
 * talks netlink over those sockets, writes its output and exits. Replies
 * from the kernel are parsed under the filter. stdout gets a static buffer
 * up front so that printf() never allocates one.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "os/netcfg.h"
#include "os/netlink.h"
#include "os/netns.h"
#include "os/sandbox.h"

#define PROG "pasta-netcfg"

/* Long-only options: values above any short option character */
enum netcfg_opt {
	OPT_VERSION = 256,
	OPT_MTU,
	OPT_MAC,
	OPT_ADDR,
	OPT_ROUTE,
	OPT_GATEWAY,
	OPT_UP,
	OPT_LO_UP,
	OPT_NO_COPY_ROUTES,
	OPT_NO_COPY_ADDRS,
};

/**
 * struct netcfg_args - Parsed command line
 * @netns:	Namespace name or path, NULL for the current one
 * @json:	show: print JSON
 * @cmd:	Command: "show", "set" or "copy"
 * @pos:	Positional arguments after the command
 * @npos:	Number of @pos
 * @cfg:	set and copy: what to apply
 * @copy:	copy: NETCFG_COPY_* flags
 */
struct netcfg_args {
	const char *netns;
	bool json;
	const char *cmd;
	const char *pos[2];
	int npos;
	struct netcfg cfg;
	unsigned int copy;
};

static const char usage_text[] =
	"Usage: " PROG " [-n|--netns PATH|NAME] COMMAND ...\n"
	"\n"
	"Commands:\n"
	"  show [IFNAME] [-j|--json]\n"
	"      print link, addresses and main-table routes of IFNAME (or of\n"
	"      every interface)\n"
	"  set IFNAME [--mtu N] [--mac MAC] [--addr ADDR/PLEN]...\n"
	"             [--route DST/PLEN[@GW]]... [--gateway GW]... [--up]\n"
	"             [--lo-up]\n"
	"      configure IFNAME, in this order: MTU and MAC, link up,\n"
	"      addresses, routes, default routes, loopback up\n"
	"  copy TEMPLATE IFNAME [--mtu N] [--no-copy-routes] "
	"[--no-copy-addrs]\n"
	"      give IFNAME (in the namespace of -n) the addresses and routes\n"
	"      of TEMPLATE (in the current namespace), bring it and lo up\n"
	"\n"
	"Options:\n"
	"  -n, --netns PATH|NAME  work in this network namespace; a NAME\n"
	"                         without '/' means /run/netns/NAME\n"
	"  -j, --json             show: print one JSON object\n"
	"  -h, --help             print this help and exit\n"
	"      --version          print the version and exit\n";

/**
 * fail() - Print "pasta-netcfg: MESSAGE" on stderr and exit 1
 * @fmt:	Message format
 */
static void fail(const char *fmt, ...) PRINTF_FMT(1, 2) NORETURN;
static void fail(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	/* clang-analyzer loses track of va_start() across fputs(): false
	 * positive, ap is initialised on the line above
	 */
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_FAILURE);
}

/**
 * fail_nl() - Report a failed step with strerror and extended ACK, exit 1
 * @what:	Step that failed
 * @rc:		-errno
 */
static void NORETURN fail_nl(const char *what, int rc)
{
	const char *ext = nl_ext_ack();

	if (*ext)
		fail("%s: %s (%s)", what, strerror(-rc), ext);
	fail("%s: %s", what, strerror(-rc));
}

/**
 * parse_value() - Apply one option of set or copy that takes a value
 * @a:		Parsed command line
 * @opt:	Option
 * @val:	Its value
 */
static void parse_value(struct netcfg_args *a, int opt, const char *val)
{
	struct nl_route r;
	struct nl_addr ad;

	switch (opt) {
	case OPT_MTU:
		if (netcfg_parse_mtu(val, &a->cfg.mtu))
			fail("invalid MTU '%s' (68 to 65535)", val);
		break;
	case OPT_MAC:
		if (netcfg_parse_mac(val, a->cfg.mac))
			fail("invalid unicast MAC address '%s'", val);
		a->cfg.set_mac = true;
		break;
	case OPT_ADDR:
		if (netcfg_parse_addr(val, &ad))
			fail("invalid address '%s' (ADDR[/PLEN])", val);
		if (netcfg_add_addr(&a->cfg, &ad))
			fail("too many addresses");
		break;
	case OPT_ROUTE:
		if (netcfg_parse_route(val, &r))
			fail("invalid route '%s' (DST/PLEN[@GW])", val);
		if (netcfg_add_route(&a->cfg, &r))
			fail("too many routes");
		break;
	case OPT_GATEWAY:
		if (netcfg_parse_gateway(val, &r))
			fail("invalid gateway '%s'", val);
		if (netcfg_add_gw(&a->cfg, &r))
			fail("too many gateways");
		break;
	default:
		break;
	}
}

/**
 * parse_cmd() - Parse the options and positional arguments of a command
 * @a:		Parsed command line, @a->cmd set
 * @argc:	Argument count
 * @argv:	Arguments; optind points after the command
 * @opts:	Options this command accepts
 */
static void parse_cmd(struct netcfg_args *a, int argc, char **argv,
		      const struct option *opts)
{
	size_t rounds = (size_t)argc, n = 0;
	int c, i;

	/* Each round consumes at least one character of the arguments */
	for (i = optind; i < argc; i++)
		rounds += strlen(argv[i]);
	while (n++ < rounds) {
		c = getopt_long(argc, argv, "+hj", opts, NULL);
		if (c == -1) {
			if (optind >= argc)
				break;
			if (a->npos >= (int)ARRAY_SIZE(a->pos))
				fail("unexpected argument '%s'", argv[optind]);
			a->pos[a->npos++] = argv[optind++];
			continue;
		}
		switch (c) {
		case 'h':
			fputs(usage_text, stdout);
			exit(EXIT_SUCCESS);
		case 'j':
			a->json = true;
			break;
		case OPT_UP:
			a->cfg.up = true;
			break;
		case OPT_LO_UP:
			a->cfg.lo_up = true;
			break;
		case OPT_NO_COPY_ROUTES:
			a->copy &= ~(unsigned int)NETCFG_COPY_ROUTES;
			break;
		case OPT_NO_COPY_ADDRS:
			a->copy &= ~(unsigned int)NETCFG_COPY_ADDRS;
			break;
		case '?':
			exit(EXIT_FAILURE);
		default:
			parse_value(a, c, optarg);
		}
	}
}

static const struct option show_opts[] = {
	{"json", no_argument, NULL, 'j'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static const struct option set_opts[] = {
	{"mtu", required_argument, NULL, OPT_MTU},
	{"mac", required_argument, NULL, OPT_MAC},
	{"addr", required_argument, NULL, OPT_ADDR},
	{"route", required_argument, NULL, OPT_ROUTE},
	{"gateway", required_argument, NULL, OPT_GATEWAY},
	{"up", no_argument, NULL, OPT_UP},
	{"lo-up", no_argument, NULL, OPT_LO_UP},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static const struct option copy_opts[] = {
	{"mtu", required_argument, NULL, OPT_MTU},
	{"no-copy-routes", no_argument, NULL, OPT_NO_COPY_ROUTES},
	{"no-copy-addrs", no_argument, NULL, OPT_NO_COPY_ADDRS},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static const struct option global_opts[] = {
	{"netns", required_argument, NULL, 'n'},
	{"json", no_argument, NULL, 'j'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, OPT_VERSION},
	{NULL, 0, NULL, 0},
};

/**
 * parse_args() - Parse the whole command line
 * @a:		Parsed command line
 * @argc:	Argument count
 * @argv:	Arguments
 */
static void parse_args(struct netcfg_args *a, int argc, char **argv)
{
	const struct option *opts;
	int c, need;

	while ((c = getopt_long(argc, argv, "+n:jh", global_opts, NULL)) !=
	       -1) {
		switch (c) {
		case 'n':
			a->netns = optarg;
			break;
		case 'j':
			a->json = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(EXIT_SUCCESS);
		case OPT_VERSION:
			printf(PROG " %s\n", VERSION);
			exit(EXIT_SUCCESS);
		default:
			exit(EXIT_FAILURE);
		}
	}
	if (optind >= argc) {
		fputs(usage_text, stderr);
		exit(EXIT_FAILURE);
	}

	a->cmd = argv[optind++];
	if (!strcmp(a->cmd, "show")) {
		opts = show_opts;
		need = 0;
	} else if (!strcmp(a->cmd, "set")) {
		opts = set_opts;
		need = 1;
	} else if (!strcmp(a->cmd, "copy")) {
		opts = copy_opts;
		need = 2;
		a->copy = NETCFG_COPY_ADDRS | NETCFG_COPY_ROUTES;
	} else {
		fail("unknown command '%s' (show, set, copy)", a->cmd);
	}
	parse_cmd(a, argc, argv, opts);
	if (a->npos < need || (!need && a->npos > 1) ||
	    (need && a->npos > need))
		fail("%s: wrong number of arguments, see --help", a->cmd);
}

/**
 * enter_netns() - Join the namespace given with -n, if any
 * @netns:	Name or path, NULL to stay
 */
static void enter_netns(const char *netns)
{
	int fd, rc;

	if (!netns)
		return;
	fd = netns_open(netns);
	if (fd < 0)
		fail("opening netns %s: %s", netns, strerror(-fd));
	rc = netns_enter(fd);
	close(fd);
	if (rc)
		fail("entering netns %s: %s", netns, strerror(-rc));
}

/**
 * open_nl() - Open a netlink socket in the current namespace, or exit
 *
 * Return: socket
 */
static int open_nl(void)
{
	int fd = nl_open();

	if (fd < 0)
		fail("netlink socket: %s", strerror(-fd));
	return fd;
}

/**
 * lookup() - Get the index of a link, or exit
 * @fd:		Netlink socket
 * @name:	Link name
 *
 * Return: interface index
 */
static unsigned int lookup(int fd, const char *name)
{
	unsigned int ifindex = 0;
	int rc = nl_link_index(fd, name, &ifindex);

	if (rc)
		fail("%s: %s", name, strerror(-rc));
	return ifindex;
}

/**
 * apply() - Apply a configuration to a named link, or exit
 * @fd:		Netlink socket
 * @name:	Link name
 * @cfg:	Configuration
 */
static void apply(int fd, const char *name, const struct netcfg *cfg)
{
	char what[NETCFG_ROUTE_STRLEN + 32] = "configuring";
	char msg[sizeof(what) + 32];
	int rc;

	rc = netcfg_apply(fd, lookup(fd, name), cfg, what, sizeof(what));
	if (rc) {
		snprintf(msg, sizeof(msg), "%s: %s", name, what);
		fail_nl(msg, rc);
	}
}

/**
 * sandbox() - Drop what the rest of the run doesn't need, or exit
 * @a:		Parsed command line
 *
 * show only reads: no capability at all. set and copy keep CAP_NET_ADMIN,
 * which the kernel checks at each change against the user namespace owning
 * the target network namespace.
 */
static void sandbox(const struct netcfg_args *a)
{
	bool change = strcmp(a->cmd, "show") != 0;
	int rc;

	if ((rc = sandbox_drop_caps(false, false, change, false)))
		fail("dropping capabilities: %s", strerror(-rc));
	/* Logs its own failure through base/log.h; say it here too */
	if ((rc = sandbox_seccomp(SANDBOX_NETCFG)))
		fail("installing the seccomp filter: %s", strerror(-rc));
}

/**
 * main() - Entry point
 * @argc:	Argument count
 * @argv:	Arguments
 *
 * Return: 0 on success; errors exit with status 1
 */
int main(int argc, char **argv)
{
	static char outbuf[BUFSIZ];
	static struct netcfg_args a;
	unsigned int ifindex = 0;
	int fd, tfd = -1, rc;

	/* A static buffer: stdio never allocates one once sandboxed */
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	parse_args(&a, argc, argv);

	/* Open everything: the template is read in the current namespace */
	if (!strcmp(a.cmd, "copy"))
		tfd = open_nl();
	enter_netns(a.netns);
	fd = open_nl();
	sandbox(&a);

	if (tfd >= 0) {
		rc = netcfg_from_template(tfd, lookup(tfd, a.pos[0]), a.copy,
					  &a.cfg);
		if (rc)
			fail_nl(a.pos[0], rc);
		close(tfd);
		a.cfg.up = a.cfg.lo_up = true;
	}

	if (!strcmp(a.cmd, "show")) {
		if (a.npos)
			ifindex = lookup(fd, a.pos[0]);
		rc = netcfg_show(stdout, fd, ifindex, a.json);
		if (rc)
			fail_nl("show", rc);
	} else {
		apply(fd, a.pos[a.npos - 1], &a.cfg);
	}
	close(fd);
	if (fflush(stdout))
		fail("writing output: %s", strerror(errno));
	return EXIT_SUCCESS;
}
