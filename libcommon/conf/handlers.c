// SPDX-License-Identifier: GPL-2.0-or-later
/* handlers.c - what each command-line option does to struct conf
 *
 * Theory of operation: a handler gets the configuration, its own entry of
 * conf_opts[] (options.c) and the argument. It checks the argument with the
 * value parsers (parse.c), stores the value, and notes what was given
 * (the *_set flags, c->seen) for the rules conf_finish() (cmdline.c)
 * applies once every option is read. A bad value is one line on stderr and
 * -EINVAL; a handler never exits. The generic handlers (opt_true,
 * opt_false, opt_string, opt_ifname) store into the field at the entry's
 * .off, so most options need no code of their own. --help and --version
 * are the two handlers that print the table: they live beside it, in
 * options.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "base/mac.h"
#include "base/util.h"
#include "conf/conf.h"
#include "conf/handlers.h"
#include "conf/parse.h"

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
int opt_true(struct conf *c, const struct conf_opt *o, const char *arg)
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
int opt_false(struct conf *c, const struct conf_opt *o, const char *arg)
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
int opt_nop(struct conf *c, const struct conf_opt *o, const char *arg)
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
int opt_string(struct conf *c, const struct conf_opt *o, const char *arg)
{
	if (!*arg || conf_copy_str(CONF_FIELD(c, o), o->size, arg)) {
		fprintf(stderr, "Invalid --%s: %s\n", o->name, arg);
		return -EINVAL;
	}
	return 0;
}

/**
 * opt_repair_path() - --repair-path: a path in vhost-user mode, or "none"
 * @c:		Configuration
 * @o:		Option
 * @arg:	Path, or "none" (no repair socket)
 *
 * Return: 0 on success, -EINVAL for a path outside vhost-user mode
 */
int opt_repair_path(struct conf *c, const struct conf_opt *o, const char *arg)
{
	if (c->mode != MODE_VU && strcmp(arg, "none") != 0) {
		fprintf(stderr, "--repair-path is for vhost-user mode only\n");
		return -EINVAL;
	}
	return opt_string(c, o, arg);
}

/**
 * opt_ifname() - Store an interface name into the buffer at .off
 * @c:		Configuration
 * @o:		Option
 * @arg:	Interface name
 *
 * Return: 0 on success, -EINVAL if not a valid name
 */
int opt_ifname(struct conf *c, const struct conf_opt *o, const char *arg)
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
int opt_log_level(struct conf *c, const struct conf_opt *o, const char *arg)
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
int opt_stderr(struct conf *c, const struct conf_opt *o, const char *arg)
{
	(void)c;
	(void)o;
	(void)arg;
	fprintf(stderr, "--stderr will be dropped soon\n");
	return 0;
}

/**
 * opt_log_size() - --log-size BYTES, at least CONF_LOG_SIZE_MIN
 * @c:		Configuration
 * @o:		Unused
 * @arg:	Size in bytes
 *
 * Return: 0 on success, -EINVAL otherwise
 */
int opt_log_size(struct conf *c, const struct conf_opt *o, const char *arg)
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
int opt_runas(struct conf *c, const struct conf_opt *o, const char *arg)
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
int opt_mtu(struct conf *c, const struct conf_opt *o, const char *arg)
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
 * opt_dhcp_lease() - --dhcp-lease: DHCP lease time and DHCPv6 lifetimes
 * @c:		Configuration
 * @o:		Unused
 * @arg:	Seconds, 1 to 2^32 - 2, or "infinite"
 *
 * Return: 0 on success, -EINVAL otherwise
 */
int opt_dhcp_lease(struct conf *c, const struct conf_opt *o, const char *arg)
{
	unsigned long v;

	(void)o;
	if (!strcmp(arg, "infinite")) {
		c->l2.lease = L2_LEASE_INFINITE;
		return 0;
	}
	if (conf_parse_uint(arg, L2_LEASE_INFINITE - 1, &v) || !v) {
		fprintf(stderr, "Invalid lease time: %s (1 to %u seconds, or "
			"infinite)\n", arg, L2_LEASE_INFINITE - 1);
		return -EINVAL;
	}
	c->l2.lease = (uint32_t)v;
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
int opt_address(struct conf *c, const struct conf_opt *o, const char *arg)
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
int opt_netmask(struct conf *c, const struct conf_opt *o, const char *arg)
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
 * @arg:	MAC address: any, as upstream (libvirt passes the guest's own)
 *
 * Return: 0 on success, -EINVAL otherwise
 */
int opt_mac(struct conf *c, const struct conf_opt *o, const char *arg)
{
	(void)o;
	if (mac_parse(arg, c->l2.our_mac)) {
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
 * @arg:	MAC address: unicast, which a device can have; all zeroes
 *		leaves the kernel's, as upstream
 *
 * Return: 0 on success, -EINVAL otherwise
 */
int opt_ns_mac(struct conf *c, const struct conf_opt *o, const char *arg)
{
	uint8_t m[ETH_ADDR_LEN];

	(void)o;
	if (mac_parse(arg, m) || (!mac_is_zero(m) && !mac_is_unicast(m))) {
		fprintf(stderr, "Invalid MAC address: %s\n", arg);
		return -EINVAL;
	}
	memcpy(c->ns_mac, m, sizeof(m));
	c->ns_mac_set = !mac_is_zero(m);
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
int opt_gateway(struct conf *c, const struct conf_opt *o, const char *arg)
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
int opt_interface(struct conf *c, const struct conf_opt *o, const char *arg)
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
int opt_outbound(struct conf *c, const struct conf_opt *o, const char *arg)
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
int opt_dns_forward(struct conf *c, const struct conf_opt *o, const char *arg)
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
int opt_dns_host(struct conf *c, const struct conf_opt *o, const char *arg)
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
int opt_map_host_lo(struct conf *c, const struct conf_opt *o, const char *arg)
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
int opt_map_guest(struct conf *c, const struct conf_opt *o, const char *arg)
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
int opt_dns(struct conf *c, const struct conf_opt *o, const char *arg)
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
int opt_search(struct conf *c, const struct conf_opt *o, const char *arg)
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
int opt_family_only(struct conf *c, const struct conf_opt *o, const char *arg)
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
int opt_ports(struct conf *c, const struct conf_opt *o, const char *arg)
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
int opt_stats(struct conf *c, const struct conf_opt *o, const char *arg)
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
int opt_fd(struct conf *c, const struct conf_opt *o, const char *arg)
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
int opt_netns(struct conf *c, const struct conf_opt *o, const char *arg)
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
