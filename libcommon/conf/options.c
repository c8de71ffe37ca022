// SPDX-License-Identifier: GPL-2.0-or-later
/* options.c - the one table of command-line options, and the --help and
 *	       --version texts generated from it
 *
 * Theory of operation: conf_opts[] lists every option upstream passt and
 * pasta know, in --help order. An entry says which modes it belongs to and
 * how much of it this build supports: conf_parse() checks both before it
 * calls the handler, so enabling an option later is a change of its
 * .support field. Simple options share generic handlers (handlers.c) that
 * store into the field at .off (a bool, or a string buffer of .size bytes).
 *
 * The handlers of --help and --version are here, not in handlers.c: the
 * table names them and they print the table, so they belong with it, and so
 * does the one of --print-capabilities, the other option that only prints.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "conf/conf.h"
#include "conf/handlers.h"

#ifndef VERSION
#define VERSION "unknown"
#endif

/* Column where help texts start in --help */
#define HELP_COL 28

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
 * opt_print_caps() - --print-capabilities: what the vhost-user backend
 *		      convention asks, on stderr
 * @c:		Unused
 * @o:		Unused
 * @arg:	Unused
 *
 * The convention (vhost-user.rst, "Backend program conventions") wants a
 * JSON object naming the device type. Upstream prints it line by line
 * through its logger, which writes to stderr at that point whatever the
 * other options say (-q, -l), in every mode: so do we, and it takes effect
 * where it stands, as upstream's does (an option after it is not looked at).
 *
 * Return: 1, exit with status 0
 */
static int opt_print_caps(struct conf *c, const struct conf_opt *o,
			  const char *arg)
{
	(void)c;
	(void)o;
	(void)arg;
	fputs("{\n  \"type\": \"net\"\n}\n", stderr);
	fflush(stderr);
	return 1;
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
	{"stats", 0, "DELAY", CONF_M_ALL, CONF_SUP_YES, false, opt_stats,
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
	{"conf-path", 'c', "PATH", CONF_M_ALL, CONF_SUP_YES, false, opt_string,
	 S(conf_path), .help = "UNIX socket for runtime configuration"},
	{"help", 'h', NULL, CONF_M_ALL, CONF_SUP_YES, false, opt_help,
	 .help = "Show this help and exit"},
	{"version", 0, NULL, CONF_M_ALL, CONF_SUP_YES, false, opt_version,
	 .help = "Show the version and exit"},
	/* Ours, not upstream's: no upstream option starts with "do" */
	{"doctor", 0, NULL, CONF_M_ALL, CONF_SUP_YES, false, opt_true,
	 F(doctor),
	 .help = "Check what start-up needs, print a report, exit:\n"
		 "status 1 if a check fails, starting nothing"},
	{"socket", 's', "PATH", CONF_M_PASST_ANY, CONF_SUP_YES, false,
	 opt_string, S(sock_path),
	 .help = "UNIX domain socket qemu connects to\n"
		 "default: first free /tmp/passt_N.socket"},
	{"socket-path", 's', "PATH", CONF_M_PASST_ANY, CONF_SUP_YES, true,
	 opt_string, S(sock_path), .help = "Same as --socket"},
	{"vhost-user", 0, NULL, CONF_M_PASST_ANY, CONF_SUP_YES, false, opt_nop,
	 .help = "Speak vhost-user on the socket"},
	{"print-capabilities", 0, NULL, CONF_M_ALL, CONF_SUP_YES, false,
	 opt_print_caps,
	 .help = "Print vhost-user back-end capabilities and exit"},
	{"repair-path", 0, "PATH", CONF_M_PASST_ANY, CONF_SUP_YES,
	 false, opt_repair_path, S(repair_path),
	 .help = "UNIX socket for passt-repair, or \"none\""},
	{"migrate-exit", 0, NULL, CONF_M_VU, CONF_SUP_YES, false, opt_true,
	 F(migrate_exit), .help = "Deprecated: exit after a migration"},
	{"migrate-no-linger", 0, NULL, CONF_M_VU, CONF_SUP_YES, false,
	 opt_true,
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
	{"no-follow-host", 0, NULL, CONF_M_ALL, CONF_SUP_YES, false, opt_true,
	 F(no_follow_host),
	 .help = "Don't follow host address, route and\n"
		 "resolver changes"},
	{"dhcp-lease", 0, "SECONDS", CONF_M_ALL, CONF_SUP_YES, false,
	 opt_dhcp_lease,
	 .help = "DHCP lease and DHCPv6 lifetimes, or\n"
		 "\"infinite\". Default: 3600, infinite\n"
		 "with --no-follow-host"},
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
