/* SPDX-License-Identifier: GPL-2.0-or-later */
/* conf.h - the configuration of passt and pasta, as parsed from argv
 *
 * Theory of operation: conf_parse() turns argv into struct conf with no side
 * effects at all (no files opened, no netlink, no logging set-up), driven by
 * one table of options that also produces --help. What depends on the host
 * (template interface, addresses, routes, resolvers) is filled in afterwards
 * by conf_resolve(), which only fills what the user did not give.
 */
#ifndef CONF_CONF_H
#define CONF_CONF_H

#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "base/log.h"
#include "flow/fwd.h"
#include "flow/nat.h"
#include "services/l2.h"

enum conf_mode {
	MODE_PASST,
	MODE_PASTA,
	MODE_VU, /* passt with --vhost-user */
};

#define CONF_MTU_DEFAULT      65520
/* DHCP lease and DHCPv6 lifetimes while following the host, seconds: a
 * guest renews after half of it and so learns a new address (doc/follow.md)
 */
#define CONF_LEASE_DEFAULT 3600
#define CONF_MTU_MAX	      65521 /* 65535 minus the Ethernet header */
#define CONF_LOG_SIZE_DEFAULT (1024UL * 1024)
#define CONF_LOG_SIZE_MIN     40960
#define CONF_MAX_FWD_SPECS    64

/**
 * struct conf_fwd - Raw forwarding specs of one option, parsed by the
 *		     forwarding code (not built yet: only "none" is accepted)
 * @spec:	Spec strings in command-line order
 * @n:		Number of specs
 * @none:	"none" was given
 */
struct conf_fwd {
	const char *spec[CONF_MAX_FWD_SPECS];
	int n;
	bool none;
};

/**
 * struct conf - Everything a passt or pasta run was asked to do
 * (fields named after their long option; *_set: given on the command line)
 */
struct conf {
	enum conf_mode mode;
	const char *argv0;

	/* Logging and process */
	bool debug;
	bool trace;
	bool quiet;
	bool foreground;
	char log_file[PATH_MAX];
	size_t log_size;
	char pcap[PATH_MAX];
	char pid_file[PATH_MAX];
	bool runas_set;
	uid_t uid;
	gid_t gid;

	/* Families and template interfaces */
	bool v4;
	bool v6;
	/* Off at start only because the host had no route or address for it:
	 * comes on when it has (loop/follow.c), never with -4/-6
	 */
	bool v4_later, v6_later;
	char ifname4[IFNAMSIZ]; /* -i or --outbound-if4 */
	char ifname6[IFNAMSIZ]; /* -i or --outbound-if6 */
	char outbound_if4[IFNAMSIZ];
	char outbound_if6[IFNAMSIZ];

	/* What the guest gets: starts as parsed, completed by conf_resolve() */
	struct l2_conf l2;
	bool addr4_set, prefix4_set, gw4_set;
	bool local4; /* no IPv4 default route: link-local "local mode" */
	bool addr6_set, gw6_set;
	bool mac_set;
	bool mtu_set;
	bool dns_set, dns_none;
	bool search_set, search_none;
	uint8_t ns_mac[ETH_ADDR_LEN];
	bool ns_mac_set;

	struct in_addr outbound4;
	struct in6_addr outbound6;
	bool outbound4_set, outbound6_set;
	struct in_addr dns_fwd4, dns_host4;
	struct in6_addr dns_fwd6, dns_host6;
	bool dns_fwd4_set, dns_host4_set, dns_fwd6_set, dns_host6_set;
	bool dns_host4_given, dns_host6_given; /* by --dns-host, not the file */
	struct in_addr map_host_lo4, map_guest4;
	struct in6_addr map_host_lo6, map_guest6;
	bool map_host_lo4_set, map_guest4_set, map_host_lo6_set, map_guest6_set;
	bool map_host_lo_none, map_guest_none;

	bool no_tcp, no_udp, no_icmp;
	bool freebind;
	bool no_follow_host; /* --no-follow-host: doc/follow.md */
	bool no_map_gw;

	struct conf_fwd tcp, udp, tcp_ns, udp_ns;
	struct fwd_table fwd_in;	/* -t and -u rules, by conf_resolve() */
	struct fwd_table fwd_out;	/* -T and -U rules, by conf_resolve() */

	/* passt */
	char sock_path[108]; /* sizeof(sun_path) */
	int fd;		     /* -F, -1 if not given */
	bool one_off;
	char repair_path[108];

	/* pasta */
	char ns_ifname[IFNAMSIZ];
	char netns[PATH_MAX];
	char userns[PATH_MAX];
	bool netns_only;
	bool no_netns_quit;
	bool config_net;
	bool no_copy_routes;
	bool no_copy_addrs;
	bool no_splice;
	bool splice_only;
	bool host_lo_to_ns_lo;
	pid_t target_pid; /* PID argument, 0 if none */
	char **cmd;	  /* COMMAND [ARG...], NULL if none */
	int cmd_argc;

	/* Recognised, not supported yet: parsed for when they are */
	unsigned int stats_delay; /* --stats, 0 if not given */
	char conf_path[108];	  /* -c, --conf-path */
	bool migrate_exit;
	bool migrate_no_linger;
	bool chroot_fallback;

	bool doctor;	/* --doctor: only check, report, exit */

	/* Parser state: what was seen so far on the command line */
	struct {
		bool opt4, opt6;	    /* -4, -6 */
		bool plen4;		    /* -a had an IPv4 /PLEN */
		bool netmask;		    /* -n */
		bool dhcp_dns, dhcp_search; /* --[no-]dhcp-dns/search */
	} seen;
};

/**
 * enum conf_result - Outcome of conf_parse()
 * @CONF_OK:		Parsed, go on
 * @CONF_EXIT_OK:	--help or --version printed: exit 0
 * @CONF_EXIT_ERR:	Error printed to stderr: exit 1
 */
enum conf_result {
	CONF_OK,
	CONF_EXIT_OK,
	CONF_EXIT_ERR,
};

/* Mode bits of an option: bit MODE_x set if the option is valid in mode x */
#define CONF_M_PASST	 (1U << MODE_PASST)
#define CONF_M_PASTA	 (1U << MODE_PASTA)
#define CONF_M_VU	 (1U << MODE_VU)
#define CONF_M_PASST_ANY (CONF_M_PASST | CONF_M_VU)
#define CONF_M_ALL	 (CONF_M_PASST | CONF_M_PASTA | CONF_M_VU)

/**
 * enum conf_support - How much of an option this build implements
 * @CONF_SUP_YES:	Fully
 * @CONF_SUP_NO:	Recognised, rejected with "<option>: not supported yet"
 * @CONF_SUP_NONE_ONLY:	Only the value "none" is accepted
 */
enum conf_support {
	CONF_SUP_YES,
	CONF_SUP_NO,
	CONF_SUP_NONE_ONLY,
};

struct conf_opt;

/**
 * typedef conf_handler_t - Apply one option to the configuration
 * @c:		Configuration
 * @o:		Table entry of the option
 * @arg:	Argument, NULL for options without one
 *
 * Return: 0 on success, 1 if the program should now exit with status 0
 *	   (--help, --version), -EINVAL (message already on stderr) on failure
 */
typedef int (*conf_handler_t)(struct conf *c, const struct conf_opt *o,
			      const char *arg);

/**
 * struct conf_opt - One command-line option: the single source of getopt's
 *		     tables, of --help and of the man page check
 * @name:	Long name, without the leading "--"
 * @short_opt:	Short letter, 0 if none
 * @metavar:	Name of the argument in --help, NULL: takes no argument
 * @modes:	CONF_M_* bits of the modes the option belongs to
 * @support:	How much of it this build implements
 * @alias:	Alternative spelling of the previous entry (same short letter,
 *		same handler), left out of --help
 * @handler:	What it does
 * @nyi:	With CONF_SUP_NONE_ONLY, what the rejection of any other value
 *		says after "-x VALUE: " (NULL: "not supported yet")
 * @off:	Offset of the field in struct conf, for generic handlers
 * @size:	Size of that field (string buffers)
 * @help:	Help text: lines separated by '\n'
 */
struct conf_opt {
	const char *name;
	char short_opt;
	const char *metavar;
	unsigned int modes;
	enum conf_support support;
	bool alias;
	conf_handler_t handler;
	const char *nyi;
	size_t off;
	size_t size;
	const char *help;
};

extern const struct conf_opt conf_opts[];
extern const size_t conf_opts_n;

/* Optstring of upstream, which the table must reproduce */
#define CONF_OPTSTRING "+dqfel:hs:c:F:I:p:P:m:a:n:M:g:i:o:D:S:H:461t:u:T:U:"

enum conf_result conf_parse(struct conf *c, int argc, char **argv);
int conf_prescan_fd(int argc, char **argv);
void conf_print_usage(const struct conf *c, FILE *f);
void conf_print_version(const struct conf *c, FILE *f);
int conf_resolve(struct conf *c);
int conf_resolve_addrs(struct conf *c, int fd, enum log_level lvl);
int conf_v6_check(struct conf *c, int err);
void conf_later(struct conf *c, bool want4, bool want6);
void conf_nat(const struct conf *c, struct nat *n);
int conf_resolv_file(struct conf *c, const char *path);
void conf_print(const struct conf *c);
struct listen_gap;
void conf_print_rules(const struct fwd_table *t, const struct listen_gap *gap,
		      const char *head);
void conf_print_fwd(const struct conf *c, const struct listen_gap *gap_in,
		    const struct listen_gap *gap_out);

int conf_optstring(char *buf, size_t size);
int conf_parse_mode(int argc, char **argv, enum conf_mode *mode);
int conf_parse_netmask(const char *s);
int conf_prefix_classful(struct in_addr a);
struct in_addr conf_prefix_to_mask(int prefix);
int conf_mask_to_prefix(struct in_addr mask);

#endif /* CONF_CONF_H */
