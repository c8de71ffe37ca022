// SPDX-License-Identifier: GPL-2.0-or-later
/* test_conf.c - unit tests of conf_parse(): each option's value in struct
 *		 conf, defaults, the rules between options, conf_prescan_fd()
 *
 * The option table as a whole (modes, support, --help, getopt's strings)
 * is tested in test_conf_table.c, conf_resolve() in test_conf_resolve.c.
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

static void test_mode_from_program_name(void **state)
{
	(void)state;
	assert_int_equal(parse("/usr/bin/pasta.avx2", NULL), CONF_OK);
	assert_int_equal(cf.mode, MODE_PASTA);
	assert_int_equal(parse("./passt", NULL), CONF_OK);
	assert_int_equal(cf.mode, MODE_PASST);
	/* "pasta" is looked for first */
	assert_int_equal(parse("passt-pasta", NULL), CONF_OK);
	assert_int_equal(cf.mode, MODE_PASTA);
	/* Only the basename counts */
	assert_parse_err("Cannot determine mode, invoke as \"passt\" or "
			 "\"pasta\"",
			 "/opt/pasta/bin/qemu");
}

static void test_mode_vhost_user_anywhere(void **state)
{
	char *argv[] = {"pasta", "-f", "--vhost-user", NULL};
	enum conf_mode m;

	(void)state;
	assert_int_equal(conf_parse_mode(3, argv, &m), 0);
	assert_int_equal(m, MODE_VU);
	/* Anywhere on the line, whatever the program name */
	assert_int_equal(parse("pasta", "-f", "--vhost-user", NULL), CONF_OK);
	assert_int_equal(cf.mode, MODE_VU);
}

static void test_defaults_passt(void **state)
{
	static const uint8_t mac[] = {0x9a, 0x55, 0x9a, 0x55, 0x9a, 0x55};

	(void)state;
	assert_int_equal(parse("passt", NULL), CONF_OK);
	assert_memory_equal(cf.l2.our_mac, mac, 6);
	assert_int_equal(cf.l2.mtu, 65520);
	assert_int_equal(cf.log_size, 1024 * 1024);
	assert_int_equal(cf.fd, -1);
	assert_true(cf.v4 && cf.v6 && cf.l2.v4 && cf.l2.v6);
	assert_false(cf.l2.no_dhcp_dns);
	assert_false(cf.l2.no_dhcp_search);
	assert_false(cf.quiet || cf.debug || cf.foreground);
	assert_null(cf.cmd);
	assert_int_equal(cf.target_pid, 0);
}

static void test_defaults_pasta_dhcp_dns(void **state)
{
	(void)state;
	assert_int_equal(parse("pasta", NULL), CONF_OK);
	assert_true(cf.l2.no_dhcp_dns);
	assert_true(cf.l2.no_dhcp_search);
	assert_int_equal(parse("pasta", "--dhcp-dns", "--dhcp-search", NULL),
			 CONF_OK);
	assert_false(cf.l2.no_dhcp_dns);
	assert_false(cf.l2.no_dhcp_search);
	assert_int_equal(
		parse("passt", "--no-dhcp-dns", "--no-dhcp-search", NULL),
		CONF_OK);
	assert_true(cf.l2.no_dhcp_dns);
	assert_true(cf.l2.no_dhcp_search);
}

static void test_quiet_debug_last_wins(void **state)
{
	(void)state;
	assert_int_equal(parse("passt", "-q", "-d", NULL), CONF_OK);
	assert_true(cf.debug);
	assert_false(cf.quiet);
	assert_int_equal(parse("passt", "--trace", "-q", NULL), CONF_OK);
	assert_true(cf.quiet);
	assert_false(cf.debug || cf.trace);
	assert_int_equal(parse("passt", "-q", "--trace", NULL), CONF_OK);
	assert_true(cf.trace && cf.debug);
	assert_false(cf.quiet);
	assert_int_equal(parse("passt", "--debug", "--quiet", NULL), CONF_OK);
	assert_true(cf.quiet);
	assert_false(cf.debug);
}

static void test_paths(void **state)
{
	(void)state;
	assert_int_equal(parse("passt", "-l", "/tmp/log", "--pcap=/tmp/p.pcap",
			       "-P", "/run/x.pid", "-f", NULL),
			 CONF_OK);
	assert_string_equal(cf.log_file, "/tmp/log");
	assert_string_equal(cf.pcap, "/tmp/p.pcap");
	assert_string_equal(cf.pid_file, "/run/x.pid");
	assert_true(cf.foreground);
	assert_parse_err("Invalid --pid", "passt", "-P", "");
}

static void test_log_size(void **state)
{
	(void)state;
	assert_int_equal(parse("passt", "--log-size", "40960", NULL), CONF_OK);
	assert_int_equal(cf.log_size, 40960);
	assert_parse_err("Invalid --log-size", "passt", "--log-size", "40959");
	assert_parse_err("Invalid --log-size", "passt", "--log-size", "1M");
	assert_parse_err("Invalid --log-size", "passt", "--log-size",
			 "99999999999999999999999");
}

static void test_runas(void **state)
{
	(void)state;
	assert_int_equal(parse("passt", "--runas", "1000", NULL), CONF_OK);
	assert_true(cf.runas_set);
	assert_int_equal(cf.uid, 1000);
	assert_int_equal(cf.gid, 1000);
	assert_int_equal(parse("passt", "--runas", "1000:100", NULL), CONF_OK);
	assert_int_equal(cf.uid, 1000);
	assert_int_equal(cf.gid, 100);
	assert_int_equal(parse("passt", "--runas=root:root", NULL), CONF_OK);
	assert_int_equal(cf.uid, 0);
	assert_int_equal(cf.gid, 0);
	assert_int_equal(parse("passt", "--runas", "nobody", NULL), CONF_OK);
	assert_int_not_equal(cf.uid, 0);
	assert_parse_err("Invalid user 'no-such-user-x'", "passt", "--runas",
			 "no-such-user-x");
	assert_parse_err("Invalid group 'no-such-group-x'", "passt", "--runas",
			 "0:no-such-group-x");
	assert_parse_err("Invalid user ''", "passt", "--runas", ":0");
}

static void test_mtu(void **state)
{
	(void)state;
	assert_int_equal(parse("passt", "-m", "1500", NULL), CONF_OK);
	assert_int_equal(cf.l2.mtu, 1500);
	assert_true(cf.mtu_set);
	assert_int_equal(parse("passt", "--mtu=0", NULL), CONF_OK);
	assert_int_equal(cf.l2.mtu, 0);
	assert_int_equal(parse("passt", "-m65521", NULL), CONF_OK);
	assert_int_equal(cf.l2.mtu, 65521);
	assert_parse_err("Invalid MTU", "passt", "-m", "65522");
	assert_parse_err("Invalid MTU", "passt", "-m", "-1");
	assert_parse_err("Invalid MTU", "passt", "-m", "15OO");
	assert_parse_err("Invalid MTU", "passt", "-m", " 1500");
}

/* --dhcp-lease: seconds or "infinite"; default 3600 while following the
 * host, infinite (upstream's) with --no-follow-host, in both tools
 */
static void test_dhcp_lease(void **state)
{
	(void)state;
	assert_int_equal(parse("passt", NULL), CONF_OK);
	assert_int_equal(cf.l2.lease, 3600);
	assert_int_equal(parse("pasta", NULL), CONF_OK);
	assert_int_equal(cf.l2.lease, 3600);
	assert_int_equal(parse("passt", "--no-follow-host", NULL), CONF_OK);
	assert_int_equal(cf.l2.lease, L2_LEASE_INFINITE);
	assert_int_equal(parse("pasta", "--dhcp-lease", "10", NULL), CONF_OK);
	assert_int_equal(cf.l2.lease, 10);
	assert_int_equal(parse("passt", "--dhcp-lease=infinite", NULL),
			 CONF_OK);
	assert_int_equal(cf.l2.lease, L2_LEASE_INFINITE);
	assert_int_equal(parse("passt", "--no-follow-host", "--dhcp-lease",
			       "60", NULL), CONF_OK);
	assert_int_equal(cf.l2.lease, 60);
	assert_int_equal(parse("passt", "--dhcp-lease", "4294967294", NULL),
			 CONF_OK);
	assert_int_equal(cf.l2.lease, 4294967294U);
	assert_parse_err("Invalid lease time", "passt", "--dhcp-lease", "0");
	assert_parse_err("Invalid lease time", "passt", "--dhcp-lease",
			 "4294967295");
	assert_parse_err("Invalid lease time", "pasta", "--dhcp-lease", "-1");
	assert_parse_err("Invalid lease time", "pasta", "--dhcp-lease",
			 "forever");
}

static void test_address(void **state)
{
	(void)state;
	assert_int_equal(parse("passt", "-a", "192.0.2.5/25", "-a",
			       "2001:db8::5/96", NULL),
			 CONF_OK);
	assert_true(cf.addr4_set && cf.addr6_set && cf.prefix4_set);
	assert_in4(cf.l2.addr4, "192.0.2.5");
	assert_int_equal(cf.l2.prefix4, 25);
	assert_in6(&cf.l2.addr6, "2001:db8::5");
	assert_int_equal(cf.l2.prefix6, 64);
	/* Last one wins, per family */
	assert_int_equal(parse("passt", "-a", "192.0.2.5", "--address",
			       "198.51.100.7", NULL),
			 CONF_OK);
	assert_in4(cf.l2.addr4, "198.51.100.7");
	assert_false(cf.addr6_set);
}

static void test_address_rejects_special(void **state)
{
	(void)state;
	assert_parse_err("Invalid address: 127.0.0.1", "passt", "-a",
			 "127.0.0.1");
	assert_parse_err("Invalid address", "passt", "-a", "224.0.0.5");
	assert_parse_err("Invalid address", "passt", "-a", "0.0.0.0");
	assert_parse_err("Invalid address", "passt", "-a", "::1");
	assert_parse_err("Invalid address", "passt", "-a", "ff02::1");
	assert_parse_err("Invalid address", "passt", "-a", "::");
	assert_parse_err("Invalid address", "passt", "-a", "192.0.2");
	assert_parse_err("Invalid prefix length", "passt", "-a",
			 "192.0.2.1/33");
	assert_parse_err("Invalid prefix length", "passt", "-a", "192.0.2.1/");
	assert_parse_err("Invalid prefix length", "passt", "-a",
			 "2001:db8::1/129");
}

static void test_address_classful_prefix(void **state)
{
	(void)state;
	assert_int_equal(parse("passt", "-a", "10.1.2.3", NULL), CONF_OK);
	assert_int_equal(cf.l2.prefix4, 8);
	assert_false(cf.prefix4_set);
	assert_int_equal(parse("passt", "-a", "172.16.0.1", NULL), CONF_OK);
	assert_int_equal(cf.l2.prefix4, 16);
	assert_int_equal(parse("passt", "-a", "192.0.2.1", NULL), CONF_OK);
	assert_int_equal(cf.l2.prefix4, 24);
	assert_int_equal(parse("passt", "-a", "10.1.2.3", "-n", "20", NULL),
			 CONF_OK);
	assert_int_equal(cf.l2.prefix4, 20);
}

static void test_netmask_forms(void **state)
{
	(void)state;
	assert_int_equal(parse("passt", "-n", "24", NULL), CONF_OK);
	assert_int_equal(cf.l2.prefix4, 24);
	assert_true(cf.prefix4_set);
	assert_int_equal(parse("passt", "--netmask=255.255.255.0", NULL),
			 CONF_OK);
	assert_int_equal(cf.l2.prefix4, 24);
	assert_int_equal(parse("passt", "-n", "255.255.240.0", NULL), CONF_OK);
	assert_int_equal(cf.l2.prefix4, 20);
	assert_int_equal(parse("passt", "-n", "0", NULL), CONF_OK);
	assert_int_equal(cf.l2.prefix4, 0);
	assert_parse_err("Invalid netmask", "passt", "-n", "255.0.255.0");
	assert_parse_err("Invalid netmask", "passt", "-n", "33");
	assert_parse_err("Invalid netmask", "passt", "-n", "/24");
}

static void test_address_plen_with_netmask(void **state)
{
	(void)state;
	assert_parse_err("Can't mix -a ADDR/PLEN with -n", "passt", "-a",
			 "192.0.2.1/24", "-n", "24");
	assert_parse_err("Can't mix -a ADDR/PLEN with -n", "passt", "-n",
			 "255.255.255.0", "-a", "192.0.2.1/24");
	/* An IPv6 prefix length doesn't conflict with an IPv4 netmask */
	assert_int_equal(
		parse("passt", "-n", "24", "-a", "2001:db8::1/64", NULL),
		CONF_OK);
}

static void test_prefix_helpers(void **state)
{
	struct in_addr a;

	(void)state;
	assert_in4(conf_prefix_to_mask(24), "255.255.255.0");
	assert_in4(conf_prefix_to_mask(0), "0.0.0.0");
	assert_in4(conf_prefix_to_mask(32), "255.255.255.255");
	assert_in4(conf_prefix_to_mask(1), "128.0.0.0");
	inet_pton(AF_INET, "255.255.255.252", &a);
	assert_int_equal(conf_mask_to_prefix(a), 30);
	inet_pton(AF_INET, "255.255.0.255", &a);
	assert_int_equal(conf_mask_to_prefix(a), -EINVAL);
	inet_pton(AF_INET, "127.255.0.1", &a);
	assert_int_equal(conf_prefix_classful(a), 8);
	inet_pton(AF_INET, "128.0.0.1", &a);
	assert_int_equal(conf_prefix_classful(a), 16);
	inet_pton(AF_INET, "223.1.1.1", &a);
	assert_int_equal(conf_prefix_classful(a), 24);
	assert_int_equal(conf_parse_netmask("255.255.255.255"), 32);
	assert_int_equal(conf_parse_netmask(""), -EINVAL);
}

static void test_mac(void **state)
{
	static const uint8_t m[] = {0x02, 0xab, 0xcd, 0xef, 0x01, 0x23};

	(void)state;
	assert_int_equal(parse("passt", "-M", "02:AB:cd:ef:01:23", NULL),
			 CONF_OK);
	assert_memory_equal(cf.l2.our_mac, m, 6);
	assert_true(cf.mac_set);
	assert_parse_err("Invalid MAC address", "passt", "-M",
			 "02:ab:cd:ef:01");
	assert_parse_err("Invalid MAC address", "passt", "-M",
			 "02:ab:cd:ef:01:23:45");
	assert_parse_err("Invalid MAC address", "passt", "-M",
			 "2:ab:cd:ef:01:23");
	assert_parse_err("Invalid MAC address", "passt", "-M",
			 "02-ab-cd-ef-01-23");
	assert_parse_err("Invalid MAC address", "passt", "-M",
			 "02:ab:cd:ef:01:2g");
	assert_parse_err("Invalid MAC address", "passt", "-M",
			 "02:ab:cd:ef:01:23 ");
	assert_parse_err("Invalid MAC address", "passt", "-M", "");
}

static void test_ns_mac_and_ifname(void **state)
{
	(void)state;
	assert_int_equal(parse("pasta", "--ns-mac-addr", "02:00:00:00:00:01",
			       "-I", "eth7", NULL),
			 CONF_OK);
	assert_true(cf.ns_mac_set);
	assert_int_equal(cf.ns_mac[5], 1);
	assert_string_equal(cf.ns_ifname, "eth7");
	assert_parse_err("Invalid interface name", "pasta", "-I",
			 "a-name-that-is-too-long");
	assert_parse_err("Invalid interface name", "pasta", "-I", "a/b");
	assert_parse_err("Invalid interface name", "pasta", "-I", "..");
}

static void test_gateway(void **state)
{
	(void)state;
	assert_int_equal(
		parse("passt", "-g", "192.0.2.1", "--gateway", "fe80::1", NULL),
		CONF_OK);
	assert_true(cf.gw4_set && cf.gw6_set);
	assert_in4(cf.l2.gw4, "192.0.2.1");
	assert_in6(&cf.l2.gw6, "fe80::1");
	assert_parse_err("Invalid gateway address", "passt", "-g", "nope");
	assert_parse_err("Invalid gateway address", "passt", "-g", "0.0.0.0");
}

static void test_interfaces(void **state)
{
	(void)state;
	assert_int_equal(parse("passt", "-i", "eth0", NULL), CONF_OK);
	assert_string_equal(cf.ifname4, "eth0");
	assert_string_equal(cf.ifname6, "eth0");
	assert_int_equal(parse("passt", "--outbound-if4", "wlan0",
			       "--outbound-if6=wg0", NULL),
			 CONF_OK);
	assert_string_equal(cf.outbound_if4, "wlan0");
	assert_string_equal(cf.outbound_if6, "wg0");
	assert_string_equal(cf.ifname4, "");
	assert_parse_err("Invalid interface name", "passt", "-i",
			 "0123456789abcdef");
	assert_parse_err("Invalid interface name", "passt", "-i", "");
}

static void test_dns(void **state)
{
	(void)state;
	assert_int_equal(parse("passt", "-D", "192.0.2.53", "-D",
			       "2001:db8::53", "--dns", "198.51.100.53", NULL),
			 CONF_OK);
	assert_true(cf.dns_set);
	assert_false(cf.dns_none);
	assert_int_equal(cf.l2.dns4_n, 2);
	assert_int_equal(cf.l2.dns6_n, 1);
	assert_in4(cf.l2.dns4[1], "198.51.100.53");
	assert_in6(&cf.l2.dns6[0], "2001:db8::53");

	assert_int_equal(parse("passt", "-D", "192.0.2.53", "-D", "none", NULL),
			 CONF_OK);
	assert_true(cf.dns_none);
	assert_int_equal(cf.l2.dns4_n, 0);

	assert_parse_err("Cannot use DNS address 192.0.2.4", "passt", "-D",
			 "192.0.2.1", "-D", "192.0.2.2", "-D", "192.0.2.3",
			 "-D", "192.0.2.4");
	assert_parse_err("Cannot use DNS address foo", "passt", "-D", "foo");
	assert_parse_err("Cannot use DNS address 192.0.2.1", "passt", "-D",
			 "none", "-D", "192.0.2.1");
}

static void test_search(void **state)
{
	(void)state;
	assert_int_equal(parse("passt", "-S", "example.com  example.org",
			       "--search", "\texample.net", NULL),
			 CONF_OK);
	assert_true(cf.search_set);
	assert_int_equal(cf.l2.search_n, 3);
	assert_string_equal(cf.l2.search[0], "example.com");
	assert_string_equal(cf.l2.search[1], "example.org");
	assert_string_equal(cf.l2.search[2], "example.net");
	assert_int_equal(parse("passt", "-S", "a.example", "-S", "none", NULL),
			 CONF_OK);
	assert_true(cf.search_none);
	assert_int_equal(cf.l2.search_n, 0);
	assert_parse_err("Cannot use DNS search domain g", "passt", "-S",
			 "a b c d e f g");
	assert_parse_err("Cannot use DNS search domain a..b", "passt", "-S",
			 "a..b");
}

static void test_hostname_fqdn(void **state)
{
	char longname[80];

	(void)state;
	assert_int_equal(parse("passt", "-H", "guest", "--fqdn",
			       "guest.example.com", NULL),
			 CONF_OK);
	assert_string_equal(cf.l2.hostname, "guest");
	assert_string_equal(cf.l2.fqdn, "guest.example.com");
	memset(longname, 'h', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_parse_err("Invalid --hostname", "passt", "-H", longname);
}

static void test_disabling_switches(void **state)
{
	(void)state;
	assert_int_equal(parse("passt", "--no-tcp", "--no-udp", "--no-dhcp",
			       "--no-dhcpv6", "--no-ra", "--no-map-gw", NULL),
			 CONF_OK);
	assert_true(cf.no_tcp && cf.no_udp && cf.l2.no_dhcp);
	assert_true(cf.l2.no_dhcpv6 && cf.l2.no_ra && cf.no_map_gw);
	assert_false(cf.no_icmp || cf.l2.no_ndp);

	assert_int_equal(parse("passt", "--no-icmp", NULL), CONF_OK);
	assert_true(cf.no_icmp);
	assert_true(cf.l2.no_ndp);
	assert_int_equal(parse("passt", "--no-ndp", NULL), CONF_OK);
	assert_true(cf.l2.no_ndp);

	assert_int_equal(parse("pasta", "--config-net", "--no-splice", NULL),
			 CONF_OK);
	assert_true(cf.config_net && cf.l2.no_ra && cf.no_splice);
}

static void test_map_none(void **state)
{
	(void)state;
	assert_int_equal(parse("passt", "--map-host-loopback", "none",
			       "--map-guest-addr=none", NULL),
			 CONF_OK);
	assert_true(cf.map_host_lo_none && cf.map_guest_none);
	assert_true(cf.no_map_gw);
	assert_int_equal(parse("pasta", "--map-host-loopback", "192.0.2.2",
			       "--map-guest-addr", "169.254.1.2", NULL),
			 CONF_OK);
	assert_true(cf.map_host_lo4_set && cf.map_guest4_set);
	assert_in4(cf.map_host_lo4, "192.0.2.2");
	assert_in4(cf.map_guest4, "169.254.1.2");
}

static void test_family_only(void **state)
{
	(void)state;
	assert_int_equal(parse("passt", "-4", NULL), CONF_OK);
	assert_true(cf.v4 && cf.l2.v4);
	assert_false(cf.v6 || cf.l2.v6);
	assert_int_equal(parse("passt", "--ipv6-only", NULL), CONF_OK);
	assert_false(cf.v4 || cf.l2.v4);
	assert_true(cf.v6);
	assert_parse_err("mutually exclusive", "passt", "-4", "-6");
}

static void test_ports_none(void **state)
{
	(void)state;
	assert_int_equal(parse("pasta", "-t", "none", "-u", "none", "-T",
			       "none", "--udp-ns=none", NULL),
			 CONF_OK);
	assert_true(cf.tcp.none && cf.udp.none && cf.tcp_ns.none);
	assert_true(cf.udp_ns.none);
	assert_int_equal(cf.tcp.n, 0);
	assert_parse_err("-t none conflicts with previous options", "pasta",
			 "-t", "none", "-t", "none");
	assert_parse_err("-U none conflicts with previous options", "pasta",
			 "-U", "none", "-U", "none");
}

static void test_ports_spec_not_supported(void **state)
{
	(void)state;
	/* -t specs are kept as given, parsed by conf_resolve() */
	assert_int_equal(parse("passt", "-t", "80", "-t", "8000-8010:9000",
			       NULL),
			 CONF_OK);
	assert_int_equal(cf.tcp.n, 2);
	assert_string_equal(cf.tcp.spec[1], "8000-8010:9000");
	assert_int_equal(parse("pasta", "--udp-ports", "53,5353", NULL),
			 CONF_OK);
	assert_int_equal(cf.udp.n, 1);
	/* -T and -U too: parsed into outbound rules by conf_resolve() */
	assert_int_equal(parse("pasta", "-T", "all", "-U", "53", NULL),
			 CONF_OK);
	assert_int_equal(cf.tcp_ns.n, 1);
	assert_string_equal(cf.udp_ns.spec[0], "53");
}

static void test_stderr_option_warns(void **state)
{
	(void)state;
	capture_start(2);
	assert_int_equal(parse("pasta", "--stderr", "-e", NULL), CONF_OK);
	capture_end(2);
	assert_true(strstr(out, "--stderr will be dropped soon") != NULL);
}

static void test_pasta_positional(void **state)
{
	(void)state;
	assert_int_equal(parse("pasta", "-f", "1234", NULL), CONF_OK);
	assert_int_equal(cf.target_pid, 1234);
	assert_null(cf.cmd);

	assert_int_equal(parse("pasta", "12a", NULL), CONF_OK);
	assert_int_equal(cf.target_pid, 0);
	assert_int_equal(cf.cmd_argc, 1);

	/* Options after the command belong to the command */
	assert_int_equal(parse("pasta", "-q", "sh", "-c", "-d", NULL), CONF_OK);
	assert_int_equal(cf.cmd_argc, 3);
	assert_ptr_equal(cf.cmd, &args[2]);
	assert_string_equal(cf.cmd[0], "sh");
	assert_string_equal(cf.cmd[2], "-d");
	assert_false(cf.debug);

	/* "--" ends the options; two numbers are a command */
	assert_int_equal(parse("pasta", "--", "-x", NULL), CONF_OK);
	assert_string_equal(cf.cmd[0], "-x");
	assert_int_equal(parse("pasta", "1", "2", NULL), CONF_OK);
	assert_int_equal(cf.cmd_argc, 2);

	assert_parse_err("Invalid PID", "pasta", "99999999999");
	assert_parse_err("Invalid PID", "pasta", "0");
	assert_parse_err("Extra non-option argument: foo", "passt", "foo");
}

static void test_netns(void **state)
{
	(void)state;
	assert_int_equal(parse("pasta", "--netns", "ctr1", NULL), CONF_OK);
	assert_string_equal(cf.netns, "/run/netns/ctr1");
	assert_true(cf.netns_only);
	assert_int_equal(parse("pasta", "--netns=/proc/1/ns/net", "--userns",
			       "/proc/1/ns/user", NULL),
			 CONF_OK);
	assert_string_equal(cf.netns, "/proc/1/ns/net");
	assert_string_equal(cf.userns, "/proc/1/ns/user");
	assert_false(cf.netns_only);
	assert_int_equal(
		parse("pasta", "--userns", "/proc/1/ns/user", "42", NULL),
		CONF_OK);
	assert_int_equal(cf.target_pid, 42);
	assert_int_equal(
		parse("pasta", "--netns-only", "--no-netns-quit", "42", NULL),
		CONF_OK);
	assert_true(cf.netns_only && cf.no_netns_quit);

	assert_parse_err("Both --netns and PID or command given", "pasta",
			 "--netns", "x", "42");
	assert_parse_err("Both --netns and PID or command given", "pasta",
			 "--netns", "x", "sh");
	assert_parse_err("--userns requires --netns or PID", "pasta",
			 "--userns", "/proc/1/ns/user");
	assert_parse_err("Invalid --netns", "pasta", "--netns", "..");
}

static void test_copy_options_need_config_net(void **state)
{
	(void)state;
	assert_int_equal(parse("pasta", "--config-net", "--no-copy-routes",
			       "--no-copy-addrs", NULL),
			 CONF_OK);
	assert_true(cf.no_copy_routes && cf.no_copy_addrs);
	assert_parse_err("need --config-net", "pasta", "--no-copy-routes");
}

static void test_stats_needs_foreground_first(void **state)
{
	const struct conf_opt *o = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < conf_opts_n; i++) {
		if (!strcmp(conf_opts[i].name, "stats"))
			o = &conf_opts[i];
	}
	assert_non_null(o);
	if (!o)
		return;
	assert_int_equal(parse("passt", NULL), CONF_OK);
	capture_start(2);
	assert_int_equal(o->handler(&cf, o, "2"), -EINVAL);
	capture_end(2);
	assert_true(strstr(out, "not running in foreground") != NULL);
	assert_int_equal(parse("passt", "-f", NULL), CONF_OK);
	assert_int_equal(o->handler(&cf, o, "2"), 0);
	assert_int_equal(cf.stats_delay, 2);
}

static void test_parse_is_repeatable(void **state)
{
	(void)state;
	assert_int_equal(parse("passt", "-m", "1500", "-d", NULL), CONF_OK);
	assert_int_equal(parse("passt", "-q", NULL), CONF_OK);
	assert_int_equal(cf.l2.mtu, 65520);
	assert_false(cf.debug);
	assert_int_equal(parse("passt", "-m", "1500", "-d", NULL), CONF_OK);
	assert_int_equal(cf.l2.mtu, 1500);
}

/**
 * prescan_words() - Run conf_prescan_fd() on a NULL-terminated array
 * @w:		Program name, then further words, then NULL
 *
 * Return: what conf_prescan_fd() returned
 */
static int prescan_words(const char *const *w)
{
	return conf_prescan_fd(set_args(w), args);
}

#define prescan(...) prescan_words((const char *const[]){__VA_ARGS__})

static void test_prescan_fd(void **state)
{
	(void)state;
	capture_start(2);
	assert_int_equal(prescan("passt", NULL), -1);
	assert_int_equal(prescan("passt", "--fd", "5", NULL), 5);
	assert_int_equal(prescan("passt", "--fd=9", NULL), 9);
	assert_int_equal(prescan("passt", "-F7", NULL), 7);
	assert_int_equal(prescan("passt", "-fF", "4", "-q", NULL), 4);
	assert_int_equal(prescan("passt", "--fd", "3", "--fd", "6", NULL), 6);
	/* an option's argument, not an option */
	assert_int_equal(prescan("passt", "-l", "--fd", NULL), -1);
	assert_int_equal(prescan("passt", "--fd", "x3", NULL), -1);
	/* unknown options before it don't stop the scan */
	assert_int_equal(prescan("passt", "--bogus", "--fd", "8", NULL), 8);
	/* pasta's command is not parsed */
	assert_int_equal(prescan("pasta", "--", "cmd", "--fd", "5", NULL),
			 -1);
	assert_int_equal(prescan("pasta", "cmd", "-F", "5", NULL), -1);
	capture_end(2);
	assert_string_equal(out, "");
	/* ... and conf_parse() after it starts from the first word again */
	assert_int_equal(parse("passt", "-F", "5", NULL), CONF_OK);
	assert_int_equal(cf.fd, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_from_program_name),
		cmocka_unit_test(test_prescan_fd),
		cmocka_unit_test(test_mode_vhost_user_anywhere),
		cmocka_unit_test(test_defaults_passt),
		cmocka_unit_test(test_defaults_pasta_dhcp_dns),
		cmocka_unit_test(test_quiet_debug_last_wins),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_log_size),
		cmocka_unit_test(test_runas),
		cmocka_unit_test(test_mtu),
		cmocka_unit_test(test_dhcp_lease),
		cmocka_unit_test(test_address),
		cmocka_unit_test(test_address_rejects_special),
		cmocka_unit_test(test_address_classful_prefix),
		cmocka_unit_test(test_netmask_forms),
		cmocka_unit_test(test_address_plen_with_netmask),
		cmocka_unit_test(test_prefix_helpers),
		cmocka_unit_test(test_mac),
		cmocka_unit_test(test_ns_mac_and_ifname),
		cmocka_unit_test(test_gateway),
		cmocka_unit_test(test_interfaces),
		cmocka_unit_test(test_dns),
		cmocka_unit_test(test_search),
		cmocka_unit_test(test_hostname_fqdn),
		cmocka_unit_test(test_disabling_switches),
		cmocka_unit_test(test_map_none),
		cmocka_unit_test(test_family_only),
		cmocka_unit_test(test_ports_none),
		cmocka_unit_test(test_ports_spec_not_supported),
		cmocka_unit_test(test_stderr_option_warns),
		cmocka_unit_test(test_pasta_positional),
		cmocka_unit_test(test_netns),
		cmocka_unit_test(test_copy_options_need_config_net),
		cmocka_unit_test(test_stats_needs_foreground_first),
		cmocka_unit_test(test_parse_is_repeatable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
