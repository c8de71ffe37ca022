// SPDX-License-Identifier: GPL-2.0-or-later
/* options.c - the one table of command-line options, their handlers, and
 *	       the --help and --version texts generated from it
 *
 * Theory of operation: conf_opts[] lists every option upstream passt and
 * pasta know, in --help order. An entry says which modes it belongs to and
 * how much of it this build supports: conf_parse() checks both before it
 * calls the handler, so enabling an option later is a change of its
 * .support field. Simple options share generic handlers that store into the
 * field at .off (a bool, or a string buffer of .size bytes).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "conf/conf.h"
#include "conf/parse.h"

#ifndef VERSION
#define VERSION "unknown"
#endif

/* Column where help texts start in --help */
#define HELP_COL 28

/* Field of struct conf at an offset, for the generic handlers */
#define CONF_FIELD(c, o) ((char *)(c) + (o)->off)

/**
 * opt_true() - Set the bool at .off
 * @c:		Configuration
 * @o:		Option
 * @arg:	Unused
 *
 * Return: 0
 */
static int opt_true(struct conf *c, const struct conf_opt *o, const char *arg)
{
	(void)arg;
	*(bool *)CONF_FIELD(c, o) = true;
	return 0;
}

/**
 * opt_false() - Clear the bool at .off
 * @c:		Configuration
 * @o:		Option
 * @arg:	Unused
 *
 * Return: 0
 */
static int opt_false(struct conf *c, const struct conf_opt *o, const char *arg)
{
	(void)arg;
	*(bool *)CONF_FIELD(c, o) = false;
	return 0;
}

/**
 * opt_nop() - Options fully handled elsewhere (--vhost-user: the mode)
 * @c:		Unused
 * @o:		Unused
 * @arg:	Unused
 *
 * Return: 0
 */
static int opt_nop(struct conf *c, const struct conf_opt *o, const char *arg)
{
	(void)c;
	(void)o;
	(void)arg;
	return 0;
}

/**
 * opt_string() - Copy the argument into the buffer at .off, .size bytes
 * @c:		Configuration
 * @o:		Option
 * @arg:	Argument
 *
 * Return: 0 on success, -EINVAL if empty or too long
 */
static int opt_string(struct conf *c, const struct conf_opt *o, const char *arg)
{
	if (!*arg || conf_copy_str(CONF_FIELD(c, o), o->size, arg)) {
		fprintf(stderr, "Invalid --%s: %s\n", o->name, arg);
		return -EINVAL;
	}
	return 0;
}

/**
 * opt_ifname() - Store an interface name into the buffer at .off
 * @c:		Configuration
 * @o:		Option
 * @arg:	Interface name
 *
 * Return: 0 on success, -EINVAL if not a valid name
 */
static int opt_ifname(struct conf *c, const struct conf_opt *o, const char *arg)
{
	if (conf_parse_ifname(arg, CONF_FIELD(c, o), o->size)) {
		fprintf(stderr, "Invalid interface name: %s\n", arg);
		return -EINVAL;
	}
	return 0;
}

/**
 * opt_log_level() - -d, --trace, -q: last one wins
 * @c:		Configuration
 * @o:		Option
 * @arg:	Unused
 *
 * Return: 0
 */
static int opt_log_level(struct conf *c, const struct conf_opt *o,
			 const char *arg)
{
	(void)arg;
	if (o->short_opt == 'q') {
		c->quiet = true;
		c->debug = c->trace = false;
		return 0;
	}
	c->quiet = false;
	c->debug = true;
	if (!strcmp(o->name, "trace"))
		c->trace = true;
	return 0;
}

/**
 * opt_stderr() - -e, --stderr: deprecated, accepted with a warning
 * @c:		Unused
 * @o:		Unused
 * @arg:	Unused
 *
 * Return: 0
 */
static int opt_stderr(struct conf *c, const struct conf_opt *o, const char *arg)
{
	(void)c;
	(void)o;
	(void)arg;
	fprintf(stderr, "--stderr will be dropped soon\n");
	return 0;
}

/**
 * opt_help() - -h, --help: usage on stdout
 * @c:		Configuration
 * @o:		Unused
 * @arg:	Unused
 *
 * Return: 1, exit with status 0
 */
static int opt_help(struct conf *c, const struct conf_opt *o, const char *arg)
{
	(void)o;
	(void)arg;
	conf_print_usage(c, stdout);
	fflush(stdout);
	return 1;
}

/**
 * opt_version() - --version: version and licence on stdout
 * @c:		Configuration
 * @o:		Unused
 * @arg:	Unused
 *
 * Return: 1, exit with status 0
 */
static int opt_version(struct conf *c, const struct conf_opt *o,
		       const char *arg)
{
	(void)o;
	(void)arg;
	conf_print_version(c, stdout);
	fflush(stdout);
	return 1;
}

/**
 * opt_log_size() - --log-size BYTES, at least CONF_LOG_SIZE_MIN
 * @c:		Configuration
 * @o:		Unused
 * @arg:	Size in bytes
 *
 * Return: 0 on success, -EINVAL otherwise
 */
static int opt_log_size(struct conf *c, const struct conf_opt *o,
			const char *arg)
{
	unsigned long v;

	(void)o;
	if (conf_parse_uint(arg, SIZE_MAX, &v) || v < CONF_LOG_SIZE_MIN) {
		fprintf(stderr, "Invalid --log-size: %s (minimum %d)\n", arg,
			CONF_LOG_SIZE_MIN);
		return -EINVAL;
	}
	c->log_size = v;
	return 0;
}

/**
 * opt_runas() - --runas UID[:GID] or LOGIN[:GROUP]
 * @c:		Configuration
 * @o:		Unused
 * @arg:	Value
 *
 * Return: 0 on success, -EINVAL otherwise
 */
static int opt_runas(struct conf *c, const struct conf_opt *o, const char *arg)
{
	(void)o;
	if (conf_parse_runas(arg, &c->uid, &c->gid))
		return -EINVAL;
	c->runas_set = true;
	return 0;
}

/**
 * opt_mtu() - -m, --mtu: 0 (don't advertise) to CONF_MTU_MAX
 * @c:		Configuration
 * @o:		Unused
 * @arg:	MTU
 *
 * Return: 0 on success, -EINVAL otherwise
 */
static int opt_mtu(struct conf *c, const struct conf_opt *o, const char *arg)
{
	unsigned long v;

	(void)o;
	if (conf_parse_uint(arg, CONF_MTU_MAX, &v)) {
		fprintf(stderr, "Invalid MTU: %s (0 to %d)\n", arg,
			CONF_MTU_MAX);
		return -EINVAL;
	}
	c->l2.mtu = (uint16_t)v;
	c->mtu_set = true;
	return 0;
}

/**
 * opt_address_plen() - Split and check the /PLEN part of -a
 * @c:		Configuration
 * @a:		Address already parsed
 * @plen:	Text after '/'
 *
 * Return: 0 on success, -EINVAL otherwise
 */
static int opt_address_plen(struct conf *c, const struct conf_addr *a,
			    const char *plen)
{
	unsigned long max = a->family == AF_INET ? 32 : 128, v;

	if (conf_parse_uint(plen, max, &v) || !v) {
		fprintf(stderr, "Invalid prefix length: %s\n", plen);
		return -EINVAL;
	}
	if (a->family != AF_INET)
		return 0; /* IPv6: parsed, the prefix stays 64 */
	if (c->seen.netmask) {
		fprintf(stderr, "Can't mix -a ADDR/PLEN with -n\n");
		return -EINVAL;
	}
	c->l2.prefix4 = (int)v;
	c->prefix4_set = true;
	c->seen.plen4 = true;
	return 0;
}

/**
 * opt_address() - -a, --address ADDR[/PLEN]: one IPv4, one IPv6
 * @c:		Configuration
 * @o:		Unused
 * @arg:	Address
 *
 * Return: 0 on success, -EINVAL otherwise
 */
static int opt_address(struct conf *c, const struct conf_opt *o,
		       const char *arg)
{
	char buf[INET6_ADDRSTRLEN];
	const char *slash = strchr(arg, '/');
	struct conf_addr a;
	size_t len = slash ? (size_t)(slash - arg) : strlen(arg);

	(void)o;
	if (len >= sizeof(buf))
		goto bad;
	memcpy(buf, arg, len);
	buf[len] = '\0';
	if (conf_parse_addr(buf, &a) || conf_addr_is_special(&a))
		goto bad;
	if (slash && opt_address_plen(c, &a, slash + 1))
		return -EINVAL;
	if (a.family == AF_INET) {
		c->l2.addr4 = a.a4;
		c->addr4_set = true;
	} else {
		c->l2.addr6 = a.a6;
		c->addr6_set = true;
	}
	return 0;
bad:
	fprintf(stderr, "Invalid address: %s\n", arg);
	return -EINVAL;
}

/**
 * opt_netmask() - -n, --netmask: bit count or dotted
 * @c:		Configuration
 * @o:		Unused
 * @arg:	Netmask
 *
 * Return: 0 on success, -EINVAL otherwise
 */
static int opt_netmask(struct conf *c, const struct conf_opt *o,
		       const char *arg)
{
	int prefix = conf_parse_netmask(arg);

	(void)o;
	if (prefix < 0) {
		fprintf(stderr, "Invalid netmask: %s\n", arg);
		return -EINVAL;
	}
	if (c->seen.plen4) {
		fprintf(stderr, "Can't mix -a ADDR/PLEN with -n\n");
		return -EINVAL;
	}
	c->l2.prefix4 = prefix;
	c->prefix4_set = true;
	c->seen.netmask = true;
	return 0;
}

/**
 * opt_mac() - -M, --mac-addr: our MAC address
 * @c:		Configuration
 * @o:		Unused
 * @arg:	MAC address
 *
 * Return: 0 on success, -EINVAL otherwise
 */
static int opt_mac(struct conf *c, const struct conf_opt *o, const char *arg)
{
	(void)o;
	if (conf_parse_mac(arg, c->l2.our_mac)) {
		fprintf(stderr, "Invalid MAC address: %s\n", arg);
		return -EINVAL;
	}
	c->mac_set = true;
	return 0;
}

/**
 * opt_ns_mac() - --ns-mac-addr: MAC address of pasta's tap
 * @c:		Configuration
 * @o:		Unused
 * @arg:	MAC address
 *
 * Return: 0 on success, -EINVAL otherwise
 */
static int opt_ns_mac(struct conf *c, const struct conf_opt *o, const char *arg)
{
	(void)o;
	if (conf_parse_mac(arg, c->ns_mac)) {
		fprintf(stderr, "Invalid MAC address: %s\n", arg);
		return -EINVAL;
	}
	c->ns_mac_set = true;
	return 0;
}

/**
 * opt_gateway() - -g, --gateway: one IPv4, one IPv6
 * @c:		Configuration
 * @o:		Unused
 * @arg:	Address
 *
 * Return: 0 on success, -EINVAL otherwise
 */
static int opt_gateway(struct conf *c, const struct conf_opt *o,
		       const char *arg)
{
	struct conf_addr a;

	(void)o;
	if (conf_parse_addr(arg, &a) || conf_addr_is_special(&a)) {
		fprintf(stderr, "Invalid gateway address: %s\n", arg);
		return -EINVAL;
	}
	if (a.family == AF_INET) {
		c->l2.gw4 = a.a4;
		c->gw4_set = true;
	} else {
		c->l2.gw6 = a.a6;
		c->gw6_set = true;
	}
	return 0;
}

/**
 * opt_interface() - -i, --interface: template for both families
 * @c:		Configuration
 * @o:		Option
 * @arg:	Interface name
 *
 * Return: 0 on success, -EINVAL otherwise
 */
static int opt_interface(struct conf *c, const struct conf_opt *o,
			 const char *arg)
{
	if (opt_ifname(c, o, arg))
		return -EINVAL;
	memcpy(c->ifname6, c->ifname4, sizeof(c->ifname6));
	return 0;
}

/**
 * opt_addr_pair() - Store an address into its IPv4 or IPv6 field
 * @o:		Option, for messages
 * @arg:	Address
 * @special_ok:	Accept unspecified, loopback and multicast addresses
 * @a4:		IPv4 field
 * @s4:		Set with an IPv4 address
 * @a6:		IPv6 field
 * @s6:		Set with an IPv6 address
 *
 * Return: 0 on success, -EINVAL otherwise
 */
static int opt_addr_pair(const struct conf_opt *o, const char *arg,
			 bool special_ok, struct in_addr *a4, bool *s4,
			 struct in6_addr *a6, bool *s6)
{
	struct conf_addr a;

	if (conf_parse_addr(arg, &a) ||
	    (!special_ok && conf_addr_is_special(&a))) {
		fprintf(stderr, "Invalid --%s address: %s\n", o->name, arg);
		return -EINVAL;
	}
	if (a.family == AF_INET) {
		*a4 = a.a4;
		*s4 = true;
	} else {
		*a6 = a.a6;
		*s6 = true;
	}
	return 0;
}

/**
 * opt_outbound() - -o, --outbound: source address of outbound sockets
 * @c:		Configuration
 * @o:		Option
 * @arg:	Address
 *
 * Return: 0 on success, -EINVAL otherwise
 */
static int opt_outbound(struct conf *c, const struct conf_opt *o,
			const char *arg)
{
	return opt_addr_pair(o, arg, false, &c->outbound4, &c->outbound4_set,
			     &c->outbound6, &c->outbound6_set);
}

/**
 * opt_dns_forward() - --dns-forward: guest-side address of the resolver
 * @c:		Configuration
 * @o:		Option
 * @arg:	Address
 *
 * Return: 0 on success, -EINVAL otherwise
 */
static int opt_dns_forward(struct conf *c, const struct conf_opt *o,
			   const char *arg)
{
	return opt_addr_pair(o, arg, false, &c->dns_fwd4, &c->dns_fwd4_set,
			     &c->dns_fwd6, &c->dns_fwd6_set);
}

/**
 * opt_dns_host() - --dns-host: host resolver --dns-forward goes to
 * @c:		Configuration
 * @o:		Option
 * @arg:	Address
 *
 * Return: 0 on success, -EINVAL otherwise
 */
static int opt_dns_host(struct conf *c, const struct conf_opt *o,
			const char *arg)
{
	return opt_addr_pair(o, arg, true, &c->dns_host4, &c->dns_host4_set,
			     &c->dns_host6, &c->dns_host6_set);
}

/**
 * opt_map_host_lo() - --map-host-loopback ADDR or none
 * @c:		Configuration
 * @o:		Option
 * @arg:	Address or "none"
 *
 * Return: 0 on success, -EINVAL otherwise
 */
static int opt_map_host_lo(struct conf *c, const struct conf_opt *o,
			   const char *arg)
{
	if (!strcmp(arg, "none")) {
		c->map_host_lo_none = true;
		return 0;
	}
	return opt_addr_pair(o, arg, false, &c->map_host_lo4,
			     &c->map_host_lo4_set, &c->map_host_lo6,
			     &c->map_host_lo6_set);
}

/**
 * opt_map_guest() - --map-guest-addr ADDR or none
 * @c:		Configuration
 * @o:		Option
 * @arg:	Address or "none"
 *
 * Return: 0 on success, -EINVAL otherwise
 */
static int opt_map_guest(struct conf *c, const struct conf_opt *o,
			 const char *arg)
{
	if (!strcmp(arg, "none")) {
		c->map_guest_none = true;
		return 0;
	}
	return opt_addr_pair(o, arg, false, &c->map_guest4, &c->map_guest4_set,
			     &c->map_guest6, &c->map_guest6_set);
}

/**
 * opt_dns() - -D, --dns ADDR or none: cumulative
 * @c:		Configuration
 * @o:		Unused
 * @arg:	Address or "none"
 *
 * Return: 0 on success, -EINVAL otherwise
 */
static int opt_dns(struct conf *c, const struct conf_opt *o, const char *arg)
{
	struct l2_conf *l2 = &c->l2;
	struct conf_addr a;

	(void)o;
	c->dns_set = true;
	if (!strcmp(arg, "none")) {
		c->dns_none = true;
		l2->dns4_n = l2->dns6_n = 0;
		return 0;
	}
	if (c->dns_none || conf_parse_addr(arg, &a))
		goto bad;
	if (a.family == AF_INET && l2->dns4_n < L2_MAX_DNS)
		l2->dns4[l2->dns4_n++] = a.a4;
	else if (a.family == AF_INET6 && l2->dns6_n < L2_MAX_DNS)
		l2->dns6[l2->dns6_n++] = a.a6;
	else
		goto bad;
	return 0;
bad:
	fprintf(stderr, "Cannot use DNS address %s\n", arg);
	return -EINVAL;
}

/**
 * opt_search_one() - Add one domain to the search list
 * @c:		Configuration
 * @dom:	Domain
 * @len:	Its length
 *
 * Return: 0 on success, -EINVAL if too long, malformed, or one too many
 */
static int opt_search_one(struct conf *c, const char *dom, size_t len)
{
	struct l2_conf *l2 = &c->l2;
	size_t i;

	if (len > L2_DOMAIN_MAX || l2->search_n >= L2_MAX_SEARCH ||
	    dom[0] == '.' || strstr(dom, ".."))
		goto bad;
	for (i = 0; i < len; i++) {
		if ((unsigned char)dom[i] <= ' ' || dom[i] == 0x7f)
			goto bad;
	}
	memcpy(l2->search[l2->search_n], dom, len);
	l2->search[l2->search_n++][len] = '\0';
	return 0;
bad:
	fprintf(stderr, "Cannot use DNS search domain %.*s\n", (int)len, dom);
	return -EINVAL;
}

/**
 * opt_search() - -S, --search "DOMAIN..." or none: cumulative
 * @c:		Configuration
 * @o:		Unused
 * @arg:	Space-separated domains, or "none"
 *
 * Return: 0 on success, -EINVAL otherwise
 */
static int opt_search(struct conf *c, const struct conf_opt *o, const char *arg)
{
	const char *p = arg;

	(void)o;
	c->search_set = true;
	if (!strcmp(arg, "none")) {
		c->search_none = true;
		c->l2.search_n = 0;
		return 0;
	}
	if (c->search_none) {
		fprintf(stderr, "Cannot use DNS search domain %s\n", arg);
		return -EINVAL;
	}
	while (*p) {
		size_t len;

		p += strspn(p, " \t");
		len = strcspn(p, " \t");
		if (len && opt_search_one(c, p, len))
			return -EINVAL;
		p += len;
	}
	return 0;
}

/**
 * opt_family_only() - -4, -6: switch the other family off
 * @c:		Configuration
 * @o:		Option
 * @arg:	Unused
 *
 * Return: 0
 */
static int opt_family_only(struct conf *c, const struct conf_opt *o,
			   const char *arg)
{
	(void)arg;
	if (o->short_opt == '4') {
		c->seen.opt4 = true;
		c->v6 = false;
	} else {
		c->seen.opt6 = true;
		c->v4 = false;
	}
	return 0;
}

/**
 * opt_ports() - -t, -u, -T, -U: forwarding specs, cumulative
 * @c:		Configuration
 * @o:		Option, .off points to its struct conf_fwd
 * @arg:	Spec
 *
 * Return: 0 on success, -EINVAL otherwise
 */
static int opt_ports(struct conf *c, const struct conf_opt *o, const char *arg)
{
	struct conf_fwd *fwd = (struct conf_fwd *)CONF_FIELD(c, o);

	if (!strcmp(arg, "none")) {
		if (fwd->none || fwd->n) {
			fprintf(stderr,
				"-%c none conflicts with previous "
				"options\n",
				o->short_opt);
			return -EINVAL;
		}
		fwd->none = true;
		return 0;
	}
	if (fwd->none || fwd->n >= CONF_MAX_FWD_SPECS) {
		fprintf(stderr, "-%c %s conflicts with previous options\n",
			o->short_opt, arg);
		return -EINVAL;
	}
	fwd->spec[fwd->n++] = arg;
	return 0;
}

/**
 * opt_stats() - --stats DELAY, needs -f given before it
 * @c:		Configuration
 * @o:		Unused
 * @arg:	Seconds
 *
 * Return: 0 on success, -EINVAL otherwise
 */
static int opt_stats(struct conf *c, const struct conf_opt *o, const char *arg)
{
	unsigned long v;

	(void)o;
	if (!c->foreground) {
		fprintf(stderr, "Can't display statistics if not running in "
				"foreground\n");
		return -EINVAL;
	}
	if (conf_parse_uint(arg, UINT_MAX, &v) || !v) {
		fprintf(stderr, "Invalid --stats delay: %s\n", arg);
		return -EINVAL;
	}
	c->stats_delay = (unsigned int)v;
	return 0;
}

/**
 * opt_fd() - -F, --fd: pre-opened connected socket
 * @c:		Configuration
 * @o:		Unused
 * @arg:	File descriptor number
 *
 * Return: 0 on success, -EINVAL otherwise
 */
static int opt_fd(struct conf *c, const struct conf_opt *o, const char *arg)
{
	unsigned long v;

	(void)o;
	if (c->mode == MODE_PASTA) {
		/* pasta would take it as a tap descriptor: not built yet */
		fprintf(stderr, "--fd: not supported yet in pasta mode\n");
		return -EINVAL;
	}
	if (conf_parse_uint(arg, INT_MAX, &v)) {
		fprintf(stderr, "Invalid --fd: %s\n", arg);
		return -EINVAL;
	}
	c->fd = (int)v;
	c->one_off = true;
	return 0;
}

/**
 * opt_netns() - --netns PATH or NAME (/run/netns/NAME)
 * @c:		Configuration
 * @o:		Option
 * @arg:	Path or name
 *
 * Return: 0 on success, -EINVAL otherwise
 */
static int opt_netns(struct conf *c, const struct conf_opt *o, const char *arg)
{
	int n;

	if (strchr(arg, '/'))
		return opt_string(c, o, arg);
	if (!*arg || !strcmp(arg, ".") || !strcmp(arg, ".."))
		goto bad;
	n = snprintf(c->netns, sizeof(c->netns), "/run/netns/%s", arg);
	if (n > 0 && (size_t)n < sizeof(c->netns))
		return 0;
bad:
	fprintf(stderr, "Invalid --netns: %s\n", arg);
	return -EINVAL;
}

#define F(field) .off = offsetof(struct conf, field)
#define S(field) F(field), .size = sizeof(((struct conf *)0)->field)

#define PORTS_NYI "port forwarding is not supported yet"

/* Every option, in --help order */
const struct conf_opt conf_opts[] = {
	{"debug", 'd', NULL, CONF_M_ALL, CONF_SUP_YES, false, opt_log_level,
	 .help = "Be verbose"},
	{"trace", 0, NULL, CONF_M_ALL, CONF_SUP_YES, false, opt_log_level,
	 .help = "Be extra verbose, implies --debug"},
	{"stats", 0, "DELAY", CONF_M_ALL, CONF_SUP_NO, false, opt_stats,
	 .help = "Print event counters every DELAY seconds\n"
		 "needs --foreground given before it"},
	{"quiet", 'q', NULL, CONF_M_ALL, CONF_SUP_YES, false, opt_log_level,
	 .help = "Log only warnings and errors"},
	{"foreground", 'f', NULL, CONF_M_ALL, CONF_SUP_YES, false, opt_true,
	 F(foreground), .help = "Stay in foreground, don't daemonise"},
	{"stderr", 'e', NULL, CONF_M_ALL, CONF_SUP_YES, false, opt_stderr,
	 .help = "Deprecated, does nothing"},
	{"log-file", 'l', "PATH", CONF_M_ALL, CONF_SUP_YES, false, opt_string,
	 S(log_file), .help = "Log (only) to this file"},
	{"log-size", 0, "BYTES", CONF_M_ALL, CONF_SUP_YES, false, opt_log_size,
	 .help = "Maximum size of the log file\n"
		 "default: 1 MiB, minimum: 40960"},
	{"runas", 0, "UID|UID:GID", CONF_M_ALL, CONF_SUP_YES, false, opt_runas,
	 .help = "Run as this user and group: numbers, or login\n"
		 "and group names\n"
		 "default: \"nobody\" when started as root"},
	{"conf-path", 'c', "PATH", CONF_M_ALL, CONF_SUP_NO, false, opt_string,
	 S(conf_path), .help = "UNIX socket for runtime configuration"},
	{"help", 'h', NULL, CONF_M_ALL, CONF_SUP_YES, false, opt_help,
	 .help = "Show this help and exit"},
	{"version", 0, NULL, CONF_M_ALL, CONF_SUP_YES, false, opt_version,
	 .help = "Show the version and exit"},
	{"socket", 's', "PATH", CONF_M_PASST_ANY, CONF_SUP_YES, false,
	 opt_string, S(sock_path),
	 .help = "UNIX domain socket qemu connects to\n"
		 "default: first free /tmp/passt_N.socket"},
	{"socket-path", 's', "PATH", CONF_M_PASST_ANY, CONF_SUP_YES, true,
	 opt_string, S(sock_path), .help = "Same as --socket"},
	{"vhost-user", 0, NULL, CONF_M_PASST_ANY, CONF_SUP_NO, false, opt_nop,
	 .help = "Speak vhost-user on the socket"},
	{"print-capabilities", 0, NULL, CONF_M_PASST_ANY, CONF_SUP_NO, false,
	 opt_true, F(print_caps),
	 .help = "Print vhost-user back-end capabilities and exit"},
	{"repair-path", 0, "PATH", CONF_M_PASST_ANY, CONF_SUP_NO, false,
	 opt_string, S(repair_path),
	 .help = "UNIX socket for passt-repair, or \"none\""},
	{"migrate-exit", 0, NULL, CONF_M_VU, CONF_SUP_NO, false, opt_true,
	 F(migrate_exit), .help = "Deprecated: exit after a migration"},
	{"migrate-no-linger", 0, NULL, CONF_M_VU, CONF_SUP_NO, false, opt_true,
	 F(migrate_no_linger),
	 .help = "Deprecated: close migrated sockets at once"},
	{"fd", 'F', "FD", CONF_M_ALL, CONF_SUP_YES, false, opt_fd,
	 .help = "Use FD as an already connected socket"},
	{"one-off", '1', NULL, CONF_M_PASST_ANY, CONF_SUP_YES, false, opt_true,
	 F(one_off), .help = "Quit when the client disconnects"},
	{"ns-ifname", 'I', "NAME", CONF_M_PASTA, CONF_SUP_YES, false,
	 opt_ifname, S(ns_ifname),
	 .help = "Name of the tap interface in the namespace\n"
		 "default: name of the template interface"},
	{"pcap", 'p', "FILE", CONF_M_ALL, CONF_SUP_YES, false, opt_string,
	 S(pcap), .help = "Capture frames to a pcap file"},
	{"pid", 'P', "FILE", CONF_M_ALL, CONF_SUP_YES, false, opt_string,
	 S(pid_file), .help = "Write our PID to FILE once ready"},
	{"mtu", 'm', "MTU", CONF_M_ALL, CONF_SUP_YES, false, opt_mtu,
	 .help = "MTU to advertise through DHCP and NDP, 0: none\n"
		 "default: 65520, maximum: 65521"},
	{"address", 'a', "ADDR", CONF_M_ALL, CONF_SUP_YES, false, opt_address,
	 .help = "Address to assign, ADDR[/PLEN], one IPv4, one IPv6\n"
		 "default: address of the template interface"},
	{"netmask", 'n', "MASK", CONF_M_ALL, CONF_SUP_YES, false, opt_netmask,
	 .help = "IPv4 netmask: dotted or bit count\n"
		 "default: from the template interface"},
	{"mac-addr", 'M', "ADDR", CONF_M_ALL, CONF_SUP_YES, false, opt_mac,
	 .help = "Our MAC address, as seen by the guest\n"
		 "default: 9a:55:9a:55:9a:55"},
	{"gateway", 'g', "ADDR", CONF_M_ALL, CONF_SUP_YES, false, opt_gateway,
	 .help = "Gateway to advertise, one IPv4, one IPv6\n"
		 "default: gateway of the host"},
	{"interface", 'i', "NAME", CONF_M_ALL, CONF_SUP_YES, false,
	 opt_interface, S(ifname4),
	 .help = "Template interface for addresses and routes\n"
		 "default: interface of the default route"},
	{"outbound", 'o', "ADDR", CONF_M_ALL, CONF_SUP_YES, false, opt_outbound,
	 .help = "Source address of outbound connections"},
	{"outbound-if4", 0, "NAME", CONF_M_ALL, CONF_SUP_YES, false, opt_ifname,
	 S(outbound_if4),
	 .help = "Template interface for IPv4 (and outbound interface)"},
	{"outbound-if6", 0, "NAME", CONF_M_ALL, CONF_SUP_YES, false, opt_ifname,
	 S(outbound_if6),
	 .help = "Template interface for IPv6 (and outbound interface)"},
	{"dns", 'D', "ADDR", CONF_M_ALL, CONF_SUP_YES, false, opt_dns,
	 .help = "Resolver to advertise, repeatable; \"none\": none\n"
		 "default: nameservers of /etc/resolv.conf"},
	{"dns-forward", 0, "ADDR", CONF_M_ALL, CONF_SUP_YES, false,
	 opt_dns_forward,
	 .help = "Guest-side address forwarded to the "
		 "host resolver"},
	{"dns-host", 0, "ADDR", CONF_M_ALL, CONF_SUP_YES, false, opt_dns_host,
	 .help = "Host resolver --dns-forward goes to"},
	{"search", 'S', "LIST", CONF_M_ALL, CONF_SUP_YES, false, opt_search,
	 .help = "Search domains, space-separated; \"none\": none\n"
		 "default: search list of /etc/resolv.conf"},
	{"hostname", 'H', "NAME", CONF_M_ALL, CONF_SUP_YES, false, opt_string,
	 S(l2.hostname), .help = "Hostname for DHCP option 12"},
	{"fqdn", 0, "NAME", CONF_M_ALL, CONF_SUP_YES, false, opt_string,
	 S(l2.fqdn), .help = "FQDN for DHCP option 81 and DHCPv6 option 39"},
	{"no-dhcp-dns", 0, NULL, CONF_M_PASST_ANY, CONF_SUP_YES, false,
	 opt_true, F(l2.no_dhcp_dns),
	 .help = "Leave resolvers out of DHCP, NDP and DHCPv6"},
	{"dhcp-dns", 0, NULL, CONF_M_PASTA, CONF_SUP_YES, false, opt_false,
	 F(l2.no_dhcp_dns), .help = "Send resolvers in DHCP, NDP and DHCPv6"},
	{"no-dhcp-search", 0, NULL, CONF_M_PASST_ANY, CONF_SUP_YES, false,
	 opt_true, F(l2.no_dhcp_search),
	 .help = "Leave the search list out of DHCP, NDP and DHCPv6"},
	{"dhcp-search", 0, NULL, CONF_M_PASTA, CONF_SUP_YES, false, opt_false,
	 F(l2.no_dhcp_search),
	 .help = "Send the search list in DHCP, NDP and DHCPv6"},
	{"no-tcp", 0, NULL, CONF_M_ALL, CONF_SUP_YES, false, opt_true,
	 F(no_tcp), .help = "Disable TCP"},
	{"no-udp", 0, NULL, CONF_M_ALL, CONF_SUP_YES, false, opt_true,
	 F(no_udp), .help = "Disable UDP"},
	{"no-icmp", 0, NULL, CONF_M_ALL, CONF_SUP_YES, false, opt_true,
	 F(no_icmp), .help = "Disable ICMP echo, implies --no-ndp"},
	{"no-dhcp", 0, NULL, CONF_M_ALL, CONF_SUP_YES, false, opt_true,
	 F(l2.no_dhcp), .help = "Disable the DHCP server"},
	{"no-ndp", 0, NULL, CONF_M_ALL, CONF_SUP_YES, false, opt_true,
	 F(l2.no_ndp), .help = "Disable NDP answers and announcements"},
	{"no-dhcpv6", 0, NULL, CONF_M_ALL, CONF_SUP_YES, false, opt_true,
	 F(l2.no_dhcpv6), .help = "Disable the DHCPv6 server"},
	{"no-ra", 0, NULL, CONF_M_ALL, CONF_SUP_YES, false, opt_true,
	 F(l2.no_ra), .help = "Disable router advertisements"},
	{"freebind", 0, NULL, CONF_M_ALL, CONF_SUP_YES, false, opt_true,
	 F(freebind), .help = "Bind forwarded ports to any address"},
	{"map-host-loopback", 0, "ADDR", CONF_M_ALL, CONF_SUP_YES, false,
	 opt_map_host_lo,
	 .help = "Guest address that means host loopback; \"none\""},
	{"no-map-gw", 0, NULL, CONF_M_ALL, CONF_SUP_YES, false, opt_true,
	 F(no_map_gw), .help = "Don't map the gateway to host loopback"},
	{"map-guest-addr", 0, "ADDR", CONF_M_ALL, CONF_SUP_YES, false,
	 opt_map_guest,
	 .help = "Guest address that means the guest's host address"},
	{"chroot-fallback", 0, NULL, CONF_M_ALL, CONF_SUP_NO, false, opt_true,
	 F(chroot_fallback), .help = "Use chroot() if pivot_root() fails"},
	{"ipv4-only", '4', NULL, CONF_M_ALL, CONF_SUP_YES, false,
	 opt_family_only, .help = "Enable IPv4 only"},
	{"ipv6-only", '6', NULL, CONF_M_ALL, CONF_SUP_YES, false,
	 opt_family_only, .help = "Enable IPv6 only"},
	{"tcp-ports", 't', "SPEC", CONF_M_ALL, CONF_SUP_YES, false,
	 opt_ports, PORTS_NYI, F(tcp), .help = "TCP ports to forward inbound"},
	{"udp-ports", 'u', "SPEC", CONF_M_ALL, CONF_SUP_YES, false,
	 opt_ports, PORTS_NYI, F(udp), .help = "UDP ports to forward inbound"},
	{"tcp-ns", 'T', "SPEC", CONF_M_PASTA, CONF_SUP_YES, false,
	 opt_ports, PORTS_NYI, F(tcp_ns),
	 .help = "TCP ports to forward from the namespace"},
	{"udp-ns", 'U', "SPEC", CONF_M_PASTA, CONF_SUP_YES, false,
	 opt_ports, PORTS_NYI, F(udp_ns),
	 .help = "UDP ports to forward from the namespace"},
	{"host-lo-to-ns-lo", 0, NULL, CONF_M_PASTA, CONF_SUP_YES, false,
	 opt_true, F(host_lo_to_ns_lo),
	 .help = "Forward host loopback to namespace loopback"},
	{"userns", 0, "PATH", CONF_M_PASTA, CONF_SUP_YES, false, opt_string,
	 S(userns), .help = "User namespace to join"},
	{"netns", 0, "PATH|NAME", CONF_M_PASTA, CONF_SUP_YES, false, opt_netns,
	 S(netns), .help = "Network namespace to join"},
	{"netns-only", 0, NULL, CONF_M_PASTA, CONF_SUP_YES, false, opt_true,
	 F(netns_only), .help = "Don't join or create a user namespace"},
	{"no-netns-quit", 0, NULL, CONF_M_PASTA, CONF_SUP_YES, false, opt_true,
	 F(no_netns_quit), .help = "Don't quit when the namespace goes away"},
	{"config-net", 0, NULL, CONF_M_PASTA, CONF_SUP_YES, false, opt_true,
	 F(config_net), .help = "Configure the tap interface, implies --no-ra"},
	{"no-copy-routes", 0, NULL, CONF_M_PASTA, CONF_SUP_YES, false, opt_true,
	 F(no_copy_routes), .help = "Deprecated: set only the default route"},
	{"no-copy-addrs", 0, NULL, CONF_M_PASTA, CONF_SUP_YES, false, opt_true,
	 F(no_copy_addrs), .help = "Deprecated: set only one address"},
	{"ns-mac-addr", 0, "ADDR", CONF_M_PASTA, CONF_SUP_YES, false,
	 opt_ns_mac, .help = "MAC address of the namespace interface"},
	{"no-splice", 0, NULL, CONF_M_PASTA, CONF_SUP_YES, false, opt_true,
	 F(no_splice), .help = "Disable the local socket-to-socket path"},
	{"splice-only", 0, NULL, CONF_M_PASTA, CONF_SUP_YES, false, opt_true,
	 F(splice_only), .help = "No tap interface, only local forwarding"},
};

const size_t conf_opts_n = ARRAY_SIZE(conf_opts);

/**
 * conf_usage_opt() - Print the --help lines of one option
 * @o:		Option
 * @f:		Stream
 */
static void conf_usage_opt(const struct conf_opt *o, FILE *f)
{
	const char *h = o->help;
	int n;

	if (o->short_opt)
		n = fprintf(f, "  -%c, --%s", o->short_opt, o->name);
	else
		n = fprintf(f, "      --%s", o->name);
	if (o->metavar)
		n += fprintf(f, " %s", o->metavar);
	if (n >= HELP_COL) {
		fputc('\n', f);
		n = 0;
	}
	while (*h) {
		size_t len = strcspn(h, "\n");

		fprintf(f, "%*s%.*s\n", HELP_COL - n, "", (int)len, h);
		n = 0;
		h += len;
		if (*h)
			h++;
	}
	if (o->support == CONF_SUP_NO)
		fprintf(f, "%*snot supported in this build\n", HELP_COL, "");
	else if (o->support == CONF_SUP_NONE_ONLY)
		fprintf(f, "%*sonly \"none\" is supported in this build\n",
			HELP_COL, "");
}

/**
 * conf_print_usage() - Print --help, generated from the option table
 * @c:		Configuration: mode and program name
 * @f:		Stream: stdout for --help, stderr after a usage error
 */
void conf_print_usage(const struct conf *c, FILE *f)
{
	const char *name = c->argv0 ? c->argv0 : "passt";
	size_t i;

	if (c->mode == MODE_PASTA) {
		fprintf(f,
			"Usage: %s [OPTION]... [COMMAND] [ARGS]...\n"
			"       %s [OPTION]... PID\n"
			"       %s [OPTION]... --netns [PATH|NAME]\n\n"
			"Without PID or --netns, run COMMAND, or a shell, "
			"in new network and user\n"
			"namespaces connected to the host through pasta.\n\n",
			name, name, name);
	} else {
		fprintf(f, "Usage: %s [OPTION]...\n\n", name);
	}
	for (i = 0; i < conf_opts_n; i++) {
		const struct conf_opt *o = &conf_opts[i];

		if (!o->alias && (o->modes & (1U << c->mode)))
			conf_usage_opt(o, f);
	}
}

/**
 * conf_print_version() - Print --version: name, version, licence
 * @c:		Configuration: mode
 * @f:		Stream
 */
void conf_print_version(const struct conf *c, FILE *f)
{
	fprintf(f,
		"%s " VERSION "\n"
		"A re-implementation of passt and pasta: user-mode "
		"networking\n"
		"for virtual machines and network namespaces.\n"
		"License GPLv2+: GNU GPL version 2 or later "
		"<https://gnu.org/licenses/gpl-2.0.html>.\n"
		"This is free software: you are free to change and "
		"redistribute it.\n"
		"There is NO WARRANTY, to the extent permitted by law.\n\n",
		c->mode == MODE_PASTA ? "pasta" : "passt");
}
