/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fwd.h - port forwarding rules: the -t/-u/-T/-U spec parser and rule table
 *
 * Theory of operation: each occurrence of -t, -u, -T or -U is one spec string
 * (compat.md 5.1). fwd_spec_parse() turns it into rules appended to a table:
 * one rule per maximal run of listening ports left after exclusions, each
 * with a listening address (or the dual-stack wildcard), an optional device,
 * the port the first listening port maps to, and an optional target address.
 * The parser is pure: it opens nothing and reads nothing but its arguments
 * (the ephemeral port range is read beforehand by fwd_ephemeral_range()), so
 * the same code serves the command line, the unit tests and the fuzzer. The
 * sockets for the rules are opened elsewhere (transport/listen.h).
 *
 * Decisions where upstream's text leaves room, all checked by tests:
 * - "none" fails if the table already holds rules of that protocol; rules
 *   given after "none" are accepted (only earlier rules conflict).
 * - Empty specs, empty chunks ("22,,23") and a trailing comma are rejected.
 * - "all" adds nothing when the spec has an explicit inclusion; "all:TADDR"
 *   together with an inclusion is rejected, as its target could not apply.
 * - Conflicts ignore the device: two rules on the same address and ports
 *   conflict even when bound to different interfaces.
 * - A failed parse leaves the table as it was.
 * - The text before the first "/" is LISTEN unless it holds a "," or is
 *   PORT:TADDR ("22:192.0.2.1/80"); an unbracketed IPv6 target can look
 *   like a listening address ("22:2001:db8::5/80" is address 22:2001:db8::5,
 *   port 80), so such targets are written in brackets: "22:[2001:db8::5]/80".
 * - A target address may not be unspecified (0.0.0.0, ::): on pesto's wire
 *   all-zero means "default target".
 */
#ifndef FLOW_FWD_H
#define FLOW_FWD_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/inany.h"

#define FWD_MAX_RULES 255

#define FWD_EPHEMERAL_PATH "/proc/sys/net/ipv4/ip_local_port_range"

/* Fallback ephemeral range (RFC 6335 8.1.2) if the sysctl can't be read */
#define FWD_EPHEMERAL_FIRST 49152
#define FWD_EPHEMERAL_LAST  65535

/* Size of a buffer for fwd_rule_fmt(), and a good size for error messages */
#define FWD_RULE_STRLEN 192
#define FWD_ERR_LEN	512

/**
 * enum fwd_flag - Rule flags, bit values as in pesto's wire format (5.3)
 * @FWD_DUAL_STACK:	Wildcard rule listening on :: for both IP versions
 * @FWD_BEST_EFFORT:	Bind failures are warnings (no explicit inclusion)
 * @FWD_AUTO:		Only forward while the target port is listening
 */
enum fwd_flag {
	FWD_DUAL_STACK = 1 << 0,
	FWD_BEST_EFFORT = 1 << 1,
	FWD_AUTO = 1 << 2,
};

/**
 * struct fwd_rule - One forwarding rule: a run of listening ports
 * @addr:	Listening address (IPv4 as v4-mapped); :: for FWD_DUAL_STACK
 * @ifname:	Device to bind to, "" for none
 * @first:	First listening port
 * @last:	Last listening port, @first <= @last
 * @to:		Target port of @first; @to + (@last - @first) <= 65535
 * @taddr:	Target address, if @taddr_set (same family as @addr)
 * @taddr_set:	A target address was given
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @flags:	enum fwd_flag bits
 */
struct fwd_rule {
	union inany_addr addr;
	char ifname[IFNAMSIZ];
	uint16_t first;
	uint16_t last;
	uint16_t to;
	union inany_addr taddr;
	bool taddr_set;
	uint8_t proto;
	uint8_t flags;
};

/**
 * struct fwd_table - Rules of one direction (inbound, or outbound)
 * @rules:	Rules, in the order they were given
 * @n:		Number of rules
 * @none_tcp:	"none" was given for TCP
 * @none_udp:	"none" was given for UDP
 */
struct fwd_table {
	struct fwd_rule rules[FWD_MAX_RULES];
	int n;
	bool none_tcp;
	bool none_udp;
};

/**
 * struct fwd_parse_ctx - What a spec is parsed against
 * @optname:		Option for messages: "-t", "-u", "-T" or "-U"
 * @proto:		IPPROTO_TCP or IPPROTO_UDP
 * @v4:			IPv4 is enabled
 * @v6:			IPv6 is enabled
 * @pasta:		pasta mode ("auto" allowed), else passt mode
 * @outbound:		-T/-U: no listening address or device; rules listen
 *			on device "lo" (or 127.0.0.1 and ::1, see below)
 * @no_bindtodevice:	SO_BINDTODEVICE is unusable (kernel < 5.7): device
 *			bindings are refused, -T/-U use loopback addresses
 * @eph_first:		First port of the host's ephemeral range
 * @eph_last:		Last port of the host's ephemeral range
 */
struct fwd_parse_ctx {
	const char *optname;
	uint8_t proto;
	bool v4;
	bool v6;
	bool pasta;
	bool outbound;
	bool no_bindtodevice;
	uint16_t eph_first;
	uint16_t eph_last;
};

/**
 * fwd_rule_target() - Target port of a listening port of a rule
 * @r:		Rule
 * @port:	Listening port, within @r->first..@r->last
 *
 * Return: the port @port is forwarded to
 */
static inline uint16_t fwd_rule_target(const struct fwd_rule *r, uint16_t port)
{
	return (uint16_t)(r->to + (port - r->first));
}

void fwd_table_init(struct fwd_table *t);
int fwd_spec_parse(struct fwd_table *t, const struct fwd_parse_ctx *ctx,
		   const char *spec, char *err, size_t errlen);
bool fwd_table_none(const struct fwd_table *t, uint8_t proto);
int fwd_ephemeral_range(const char *path, uint16_t *first, uint16_t *last);
void fwd_rule_fmt(const struct fwd_rule *r, char *buf, size_t len);
bool fwd_rules_conflict(const struct fwd_rule *a, const struct fwd_rule *b);
const struct fwd_rule *fwd_lookup(const struct fwd_table *t, uint8_t proto,
				  const union inany_addr *addr, uint16_t port);

#endif /* FLOW_FWD_H */
