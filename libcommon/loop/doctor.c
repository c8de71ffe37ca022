// SPDX-License-Identifier: GPL-2.0-or-later
/* doctor.c - --doctor: the start-up checks as a report, and the hints
 *	      start-up adds to its failures
 *
 * Theory of operation: os/doctor.c decides, os/doctor_facts.c gathers;
 * this file puts them where the user sees them. doctor_report() is the
 * whole of a run with --doctor: after the options are parsed and the host
 * defaults resolved (netlink queries, no socket bound), it gathers every
 * fact, prints one line per check on stdout, "LEVEL  check: cause; fix",
 * and returns the exit status: 1 if a check is FAIL, else 0. It creates no
 * namespace, no tap device and binds no socket: /dev/net/tun is opened
 * and closed, which creates nothing. The doctor_hint_*() functions run
 * where start-up fails, before the sandbox, and log the verdict's line
 * after the failure's own (kept as it was: clients match on it).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "conf/conf.h"
#include "doctor.h"
#include "os/doctor.h"
#include "os/doctor_facts.h"

/* Taken ports named per protocol in the report */
#define DOCTOR_PORTS_SHOWN 4

/* Effective UID at start-up, before joining a user namespace; -1: unknown */
static long doctor_euid = -1;
/* /dev/net/tun as we saw it then (pasta): inside the namespace we join, its
 * owner shows as the overflow UID, and we as root
 */
static struct doctor_tun doctor_tun0;
static bool doctor_tun0_set;

/**
 * doctor_line() - Print one check of the report
 * @l:		Verdict
 * @what:	Check
 * @msg:	Cause and fix
 * @worst:	Worst verdict so far, updated
 */
static void doctor_line(enum doctor_level l, const char *what, const char *msg,
			enum doctor_level *worst)
{
	printf("%-5s %s: %s\n", doctor_level_name(l), what, msg);
	if (l > *worst)
		*worst = l;
}

/**
 * doctor_held() - Ports of static inbound rules that something holds
 * @c:		Configuration, resolved
 * @tcp:	TCP (else UDP)
 * @ports:	Filled with up to @max of them
 * @max:	Size of @ports
 * @rules:	Set to the number of static rules of the protocol
 *
 * Return: number of ports in @ports
 */
static int doctor_held(const struct conf *c, bool tcp, unsigned int *ports,
		       int max, int *rules)
{
	static uint64_t map[65536 / 64];
	int r, n = 0;
	unsigned int p;

	*rules = 0;
	for (r = 0; r < c->fwd_in.n; r++) {
		const struct fwd_rule *rule = &c->fwd_in.rules[r];

		if (rule->proto != (tcp ? IPPROTO_TCP : IPPROTO_UDP) ||
		    (rule->flags & FWD_AUTO))
			continue;
		if (!(*rules)++)
			doctor_ports_bound(tcp, map);
		for (p = rule->first; p <= rule->last && n < max; p++) {
			if (map[p / 64] & (1ULL << (p % 64)))
				ports[n++] = p;
		}
	}
	return n;
}

/**
 * doctor_ports() - Report the ports of static inbound rules already taken
 * @c:		Configuration, resolved
 * @tcp:	TCP (else UDP)
 * @worst:	Worst verdict so far, updated
 */
static void doctor_ports(const struct conf *c, bool tcp,
			 enum doctor_level *worst)
{
	char msg[DOCTOR_MSG_LEN * 2], held[DOCTOR_MSG_LEN];
	const char *proto = tcp ? "TCP" : "UDP";
	unsigned int ports[DOCTOR_PORTS_SHOWN];
	int i, n, rules;

	n = doctor_held(c, tcp, ports, DOCTOR_PORTS_SHOWN, &rules);
	for (i = 0; i < n; i++) {
		struct doctor_port f;

		doctor_port_facts(tcp, ports[i], &f);
		doctor_port(EADDRINUSE, &f, held, sizeof(held));
		snprintf(msg, sizeof(msg),
			 "host %s port %u is in use%s; fix: stop that "
			 "process, or forward another port (-%c OTHER:%u)",
			 proto, ports[i], held, tcp ? 't' : 'u', ports[i]);
		doctor_line(DOCTOR_FAIL, "ports", msg, worst);
	}
	if (rules && !n) {
		snprintf(msg, sizeof(msg), "forwarded %s ports are free",
			 proto);
		doctor_line(DOCTOR_OK, "ports", msg, worst);
	}
}

/**
 * doctor_report() - --doctor: run every check, print the report
 * @c:		Configuration, parsed
 *
 * Return: exit status: 1 if a check failed, 0 otherwise
 */
int doctor_report(struct conf *c)
{
	enum doctor_level worst = DOCTOR_OK;
	char msg[DOCTOR_MSG_LEN];
	const char *name = c->mode == MODE_PASTA ? "pasta" : "passt";

	printf("%s --doctor: checks for UID %u, GID %u\n", name,
	       (unsigned int)geteuid(), (unsigned int)getegid());
	if (c->mode == MODE_PASTA && !c->netns_only && !*c->netns &&
	    !c->target_pid) {
		struct doctor_userns u;

		doctor_userns_facts(&u, 0);
		doctor_line(doctor_userns(&u, msg, sizeof(msg)),
			    "user namespace", msg, &worst);
	}
	if (c->mode == MODE_PASTA && !c->splice_only) {
		struct doctor_tun t;

		doctor_tun_facts(&t, true);
		doctor_line(doctor_tun(&t, msg, sizeof(msg)), "tun", msg,
			    &worst);
	}
	{
		struct doctor_route rt;

		doctor_route_facts(&rt);
		doctor_line(doctor_route(&rt, msg, sizeof(msg)), "routes", msg,
			    &worst);
	}
	{
		struct doctor_ping pg;

		doctor_ping_facts(&pg, c->no_icmp);
		doctor_line(doctor_ping(&pg, msg, sizeof(msg)), "ICMP", msg,
			    &worst);
	}
	if (conf_resolve(c)) {
		doctor_line(DOCTOR_FAIL, "options",
			    "the configuration can't be completed: see the "
			    "error above",
			    &worst);
	} else {
		if (!c->no_tcp)
			doctor_ports(c, true, &worst);
		if (!c->no_udp)
			doctor_ports(c, false, &worst);
	}
	printf("Result: %s\n", doctor_level_name(worst));
	fflush(stdout);
	return worst == DOCTOR_FAIL;
}

/**
 * doctor_hint_userns_if() - Log the cause and the fix of a failure to create
 *			     or use the command's user namespace
 * @err:	errno of the failure
 * @explained:	Only if the sysctls alone explain it (not the errno)
 *
 * Return: true if a hint was logged
 */
static bool doctor_hint_userns_if(int err, bool explained)
{
	char msg[DOCTOR_MSG_LEN];
	struct doctor_userns u;

	doctor_userns_facts(&u, 0);
	/* In the namespace we joined, we are root: what counts is before */
	if (doctor_euid >= 0)
		u.privileged = !doctor_euid;
	if (explained && doctor_userns(&u, msg, sizeof(msg)) == DOCTOR_OK)
		return false;
	u.err = err;
	if (doctor_userns(&u, msg, sizeof(msg)) == DOCTOR_OK)
		return false;
	log_err("%s", msg);
	return true;
}

/**
 * doctor_hint_userns() - After a failure to create the command's user
 *			  namespace: log the cause and the fix
 * @err:	errno of the failure
 */
void doctor_hint_userns(int err)
{
	doctor_hint_userns_if(err, false);
}

/**
 * doctor_hint_ns() - After a failure in the namespace: log the cause of a
 *		      tap device that can't be made, or of a user namespace
 *		      that grants nothing
 * @tap:	The tap device was being created
 * @spawned:	The user namespace is ours (we spawned the command)
 * @err:	errno of the failure
 *
 * A user namespace that AppArmor restricts comes first: there, every step
 * fails with EPERM, the tap device's included.
 */
void doctor_hint_ns(bool tap, bool spawned, int err)
{
	bool denied = err == EPERM || err == EACCES;
	char msg[DOCTOR_MSG_LEN];
	struct doctor_tun t;

	if (spawned && denied && doctor_hint_userns_if(err, true))
		return;
	if (!tap) {
		if (spawned && denied)
			doctor_hint_userns_if(err, false);
		return;
	}
	if (doctor_tun0_set)
		t = doctor_tun0;
	else
		doctor_tun_facts(&t, true);
	if (denied || err == ENOENT || err == ENODEV || err == ENXIO)
		t.open_err = err;
	if (doctor_tun(&t, msg, sizeof(msg)) != DOCTOR_OK)
		log_err("%s", msg);
}

/**
 * doctor_startup() - Hints at start-up that doesn't fail (ICMP echo off,
 *		      no default route in either family), and the facts later
 *		      hints need, taken before joining a namespace
 * @c:		Configuration, resolved
 */
void doctor_startup(const struct conf *c)
{
	char msg[DOCTOR_MSG_LEN];
	struct doctor_route rt;
	struct doctor_ping pg;
	int i;

	doctor_euid = geteuid();
	if (c->mode == MODE_PASTA && !c->splice_only) {
		doctor_tun_facts(&doctor_tun0, false);
		doctor_tun0_set = true;
	}
	doctor_ping_facts(&pg, c->no_icmp || c->splice_only);
	if (doctor_ping(&pg, msg, sizeof(msg)) != DOCTOR_OK)
		log_info("%s", msg);
	doctor_route_facts(&rt);
	if (!*rt.def4 && !*rt.def6 &&
	    doctor_route(&rt, msg, sizeof(msg)) != DOCTOR_OK)
		log_info("%s", msg);

	/* A port taken now makes listening fail later, when pasta may be in
	 * a user namespace that can't look at other processes' descriptors:
	 * find the holders now
	 */
	for (i = 0; i < 2; i++) {
		unsigned int ports[DOCTOR_PORT_CACHE];
		int n, rules, j;

		if (i ? c->no_udp : c->no_tcp)
			continue;
		n = doctor_held(c, !i, ports, DOCTOR_PORT_CACHE, &rules);
		for (j = 0; j < n; j++)
			doctor_port_prefetch(!i, ports[j]);
	}
}
