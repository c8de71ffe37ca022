// SPDX-License-Identifier: GPL-2.0-or-later
/* doctor.c - start-up diagnostics: what a set of facts means, and the fix
 *
 * Theory of operation: the failures users hit most at start-up (no user
 * namespaces, no usable /dev/net/tun, no default route, ICMP echo off, a
 * forwarded port taken) are each explained by one message naming the cause
 * and what to do. The decision is kept apart from the gathering: every
 * function here takes the facts (sysctl values, the mode and owner of a
 * device node, our IDs, the errno of the call that failed, what /proc/net
 * says about a port) as a structure and writes one line, with no system
 * call, so that unit tests cover each case, including those that can't be
 * created on a test machine (AppArmor's restriction of user namespaces,
 * Debian's old unprivileged_userns_clone). doctor_facts.c gathers the
 * facts, only during start-up, before the sandbox; the start-up code calls
 * both where it fails, and --doctor (loop/doctor.c) prints every verdict.
 *
 * An errno alone tells a security module's denial only by contrast: EACCES
 * where the mode bits allow the access, or EACCES from clone(), which the
 * kernel itself returns only for an LSM's refusal (SELinux's
 * user_namespace { create }).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "doctor.h"

#define AUDIT_HINT                                                             \
	"see the audit log (ausearch -m avc -ts recent, or journalctl -k "     \
	"| grep DENIED)"

/**
 * doctor_level_name() - Name of a verdict, as the report prints it
 * @l:		Verdict
 *
 * Return: "OK", "WARN" or "FAIL"
 */
const char *doctor_level_name(enum doctor_level l)
{
	if (l == DOCTOR_FAIL)
		return "FAIL";
	return l == DOCTOR_WARN ? "WARN" : "OK";
}

/**
 * doctor_userns() - Can pasta create the user namespace of its command?
 * @f:		Facts
 * @msg:	Cause and fix, written
 * @len:	Size of @msg
 *
 * Return: verdict
 */
enum doctor_level doctor_userns(const struct doctor_userns *f, char *msg,
				size_t len)
{
	if (!f->max_user_ns) {
		snprintf(msg, len,
			 "user namespaces are disabled: "
			 "user.max_user_namespaces is 0; fix: sysctl -w "
			 "user.max_user_namespaces=10000 (in a container: "
			 "its runtime sets this limit)");
		return DOCTOR_FAIL;
	}
	if (!f->unpriv_clone && !f->privileged) {
		snprintf(msg, len,
			 "unprivileged user namespaces are disabled: "
			 "kernel.unprivileged_userns_clone is 0; fix: sysctl "
			 "-w kernel.unprivileged_userns_clone=1");
		return DOCTOR_FAIL;
	}
	if (f->err == ENOSPC || f->err == EUSERS) {
		snprintf(
			msg, len,
			"no user namespace left (%s): user.max_user_namespaces "
			"is %ld, or the nesting limit (32) is reached; fix: "
			"raise user.max_user_namespaces",
			strerror(f->err), f->max_user_ns);
		return DOCTOR_FAIL;
	}
	if (f->aa_restrict > 0 && !f->privileged) {
		const char *fix = "fix: load an AppArmor profile for pasta "
				  "that allows \"userns,\" (apparmor/ here, "
				  "or your distribution's passt package), or "
				  "sysctl -w "
				  "kernel.apparmor_restrict_unprivileged_userns"
				  "=0";

		if (f->aa_confined == 0 || f->err) {
			snprintf(msg, len,
				 "AppArmor restricts unprivileged user "
				 "namespaces (kernel.apparmor_restrict_"
				 "unprivileged_userns is 1) and pasta runs "
				 "%s; %s",
				 f->aa_confined ? "under a profile without "
						  "\"userns,\""
						: "unconfined",
				 fix);
			return DOCTOR_FAIL;
		}
		snprintf(msg, len,
			 "AppArmor restricts unprivileged user namespaces: "
			 "pasta's profile must allow \"userns,\"; if it "
			 "doesn't, %s",
			 fix);
		return DOCTOR_WARN;
	}
	if (f->err == EACCES) {
		snprintf(msg, len,
			 "a security module denied the user namespace (%s): "
			 "SELinux (user_namespace create) or AppArmor; %s",
			 strerror(f->err), AUDIT_HINT);
		return DOCTOR_FAIL;
	}
	if (f->err == EPERM) {
		snprintf(msg, len,
			 "creating a user namespace is not permitted (%s): a "
			 "seccomp filter (container runtime) or a security "
			 "module forbids it; run pasta outside that "
			 "sandbox, or %s",
			 strerror(f->err), AUDIT_HINT);
		return DOCTOR_FAIL;
	}
	if (f->err) {
		snprintf(msg, len, "user namespace not created: %s",
			 strerror(f->err));
		return DOCTOR_FAIL;
	}
	snprintf(msg, len, "user namespaces available");
	return DOCTOR_OK;
}

/**
 * doctor_dac_rw() - Do the mode bits let us read and write a device node?
 * @f:		Facts: owner, group, mode, our IDs
 *
 * Return: true if the owner, group or other bits that apply give rw
 */
bool doctor_dac_rw(const struct doctor_tun *f)
{
	unsigned int rw;

	if (f->me_uid == f->uid)
		rw = (f->mode >> 6) & 6;
	else if (f->in_group)
		rw = (f->mode >> 3) & 6;
	else
		rw = f->mode & 6;
	return rw == 6;
}

/**
 * doctor_tun() - Can we open /dev/net/tun?
 * @f:		Facts
 * @msg:	Cause and fix, written
 * @len:	Size of @msg
 *
 * Return: verdict
 */
enum doctor_level doctor_tun(const struct doctor_tun *f, char *msg, size_t len)
{
	const char *mk = "modprobe tun, or mknod /dev/net/tun c 10 200 && "
			 "chmod 0666 /dev/net/tun; in a container, pass the "
			 "device (--device /dev/net/tun)";

	if (f->stat_err) {
		snprintf(msg, len, "/dev/net/tun is missing (%s); fix: %s",
			 strerror(f->stat_err), mk);
		return DOCTOR_FAIL;
	}
	if (!f->chr) {
		snprintf(msg, len,
			 "/dev/net/tun is not a character device; fix: "
			 "rm /dev/net/tun, then %s",
			 mk);
		return DOCTOR_FAIL;
	}
	if (f->open_err == ENODEV || f->open_err == ENXIO) {
		snprintf(msg, len,
			 "/dev/net/tun has no driver (%s); fix: modprobe tun",
			 strerror(f->open_err));
		return DOCTOR_FAIL;
	}
	if (!doctor_dac_rw(f) && !f->dac_override) {
		snprintf(msg, len,
			 "/dev/net/tun is mode %04o, owner %u:%u: UID %u "
			 "can't open it; fix: chmod 0666 /dev/net/tun (its "
			 "usual mode)",
			 f->mode & 07777, (unsigned int)f->uid,
			 (unsigned int)f->gid, (unsigned int)f->me_uid);
		return DOCTOR_FAIL;
	}
	if (f->open_err == EACCES || f->open_err == EPERM) {
		snprintf(msg, len,
			 "/dev/net/tun: %s although mode %04o allows it: a "
			 "security module (SELinux, AppArmor) or the device "
			 "cgroup refused; %s",
			 strerror(f->open_err), f->mode & 07777, AUDIT_HINT);
		return DOCTOR_FAIL;
	}
	if (f->open_err > 0) {
		snprintf(msg, len, "/dev/net/tun: %s", strerror(f->open_err));
		return DOCTOR_FAIL;
	}
	snprintf(msg, len, "/dev/net/tun usable");
	return DOCTOR_OK;
}

/**
 * doctor_ping() - Do ping sockets work for us (ICMP echo)?
 * @f:		Facts
 * @msg:	Cause and fix, written
 * @len:	Size of @msg
 *
 * Return: verdict: WARN if not (the rest works, echo requests are dropped)
 */
enum doctor_level doctor_ping(const struct doctor_ping *f, char *msg,
			      size_t len)
{
	int i;

	if (f->no_icmp) {
		snprintf(msg, len, "ICMP echo disabled by --no-icmp");
		return DOCTOR_OK;
	}
	if (f->lo < 0) {
		snprintf(msg, len, "net.ipv4.ping_group_range unreadable");
		return DOCTOR_WARN;
	}
	for (i = 0; i < f->ngids; i++) {
		if ((long)f->gids[i] >= f->lo && (long)f->gids[i] <= f->hi) {
			snprintf(msg, len,
				 "ping sockets allowed for GID %u "
				 "(net.ipv4.ping_group_range %ld %ld)",
				 (unsigned int)f->gids[i], f->lo, f->hi);
			return DOCTOR_OK;
		}
	}
	snprintf(msg, len,
		 "ICMP echo off: net.ipv4.ping_group_range is \"%ld %ld\", "
		 "which doesn't cover GID %u; fix: sysctl -w "
		 "net.ipv4.ping_group_range=\"0 2147483647\" (or --no-icmp)",
		 f->lo, f->hi, f->ngids ? (unsigned int)f->gids[0] : 0U);
	return DOCTOR_WARN;
}

/**
 * doctor_route() - Is there an interface with a default route?
 * @f:		Facts
 * @msg:	Cause and fix, written
 * @len:	Size of @msg
 *
 * Return: verdict: WARN without any (local mode), or with several
 */
enum doctor_level doctor_route(const struct doctor_route *f, char *msg,
			       size_t len)
{
	char ifs[DOCTOR_MAX_IFS * (IFNAMSIZ + 1) + 1] = "";
	size_t off = 0;
	int i;

	for (i = 0; i < f->nifs && i < DOCTOR_MAX_IFS; i++) {
		off += (size_t)snprintf(ifs + off, sizeof(ifs) - off, "%s%.15s",
					i ? " " : "", f->ifs[i]);
	}
	if (!*f->def4 && !*f->def6) {
		if (f->nifs) {
			snprintf(msg, len,
				 "no default route: the guest gets link-local "
				 "addresses only (local mode), and no IPv6; "
				 "interfaces with routes: %s; fix: add a "
				 "default route on one (ip route add default "
				 "via GATEWAY dev IF), or give -a ADDRESS -g "
				 "GATEWAY with --outbound-if4 IF",
				 ifs);
		} else {
			snprintf(msg, len,
				 "no default route and no interface with a "
				 "route: the guest can reach nothing beyond "
				 "this host; fix: bring an interface up "
				 "with an address and a default route");
		}
		return DOCTOR_WARN;
	}
	if (f->ndef4 > 1 || f->ndef6 > 1) {
		snprintf(msg, len,
			 "several default routes: using %s (IPv4), %s (IPv6); "
			 "to use another interface: --outbound-if4 IF, "
			 "--outbound-if6 IF (or -i IF)",
			 *f->def4 ? f->def4 : "none",
			 *f->def6 ? f->def6 : "none");
		return DOCTOR_WARN;
	}
	snprintf(msg, len, "default route via %s (IPv4), %s (IPv6)",
		 *f->def4 ? f->def4 : "none", *f->def6 ? f->def6 : "none");
	return *f->def4 ? DOCTOR_OK : DOCTOR_WARN;
}

/**
 * doctor_port() - Who holds a port we couldn't bind, as a message suffix
 * @err:	errno of the failed bind() (positive)
 * @f:		Facts from /proc, NULL if not looked up
 * @msg:	Written: " (held by COMM, PID N)" or " (held by UID N)", or
 *		empty if nothing is known
 * @len:	Size of @msg
 *
 * Return: number of characters written, as snprintf()
 */
int doctor_port(int err, const struct doctor_port *f, char *msg, size_t len)
{
	if (len)
		*msg = '\0';
	if (err != EADDRINUSE || !f || !f->found)
		return 0;
	if (f->pid)
		return snprintf(msg, len, " (held by %s, PID %d)", f->comm,
				(int)f->pid);
	return snprintf(msg, len, " (held by a process of UID %u)",
			(unsigned int)f->uid);
}

/**
 * doctor_fields() - Split a line into whitespace-separated fields, in place
 * @line:	Line, NUL-terminated, modified
 * @f:		Set to the start of each field
 * @max:	Size of @f
 *
 * Return: number of fields (at most @max)
 */
int doctor_fields(char *line, char **f, int max)
{
	int n = 0;

	while (n < max) {
		line += strspn(line, " \t\n");
		if (!*line)
			break;
		f[n++] = line;
		line += strcspn(line, " \t\n");
		if (*line)
			*line++ = '\0';
	}
	return n;
}

/**
 * doctor_num() - A whole field as a number
 * @s:		Field
 * @base:	10 or 16
 * @v:		Value, set on success
 *
 * Return: true if @s is a number of that base and nothing else
 */
bool doctor_num(const char *s, int base, unsigned long *v)
{
	char *end;

	if (!*s || *s == '-')
		return false;
	errno = 0;
	*v = strtoul(s, &end, base);
	return !errno && !*end;
}

/**
 * doctor_sock_line() - Port, state, owner and inode of a /proc/net socket line
 * @line:	One line of /proc/net/{tcp,udp}{,6}, NUL-terminated
 * @port:	Local port, set on success
 * @state:	State (0x0a: TCP_LISTEN), set on success
 * @uid:	Owner, set on success
 * @inode:	Socket inode, set on success
 *
 * Fields: "sl:" local remote state tx:rx tr:when retrnsmt uid timeout inode
 *
 * Return: true if @line describes a socket (false for the header)
 */
bool doctor_sock_line(const char *line, unsigned int *port, unsigned int *state,
		      unsigned int *uid, unsigned long *inode)
{
	char buf[512], *f[10], *colon;
	unsigned long p, st, u;

	snprintf(buf, sizeof(buf), "%s", line);
	if (doctor_fields(buf, f, 10) != 10 || f[0][strlen(f[0]) - 1] != ':' ||
	    !(colon = strrchr(f[1], ':')) || !doctor_num(colon + 1, 16, &p) ||
	    p > 65535 || !doctor_num(f[3], 16, &st) ||
	    !doctor_num(f[7], 10, &u) || !doctor_num(f[9], 10, inode))
		return false;
	*port = (unsigned int)p;
	*state = (unsigned int)st;
	*uid = (unsigned int)u;
	return true;
}

/**
 * doctor_route4_line() - One line of /proc/net/route
 * @line:	Line, NUL-terminated
 * @ifname:	Interface, set on success (IFNAMSIZ bytes)
 * @def:	Set if it is an IPv4 default route
 *
 * Fields: Iface Destination Gateway Flags RefCnt Use Metric Mask ...
 *
 * Return: true for a route that is up (false for the header)
 */
bool doctor_route4_line(const char *line, char *ifname, bool *def)
{
	unsigned long dst, flags, mask;
	char buf[512], *f[8];

	snprintf(buf, sizeof(buf), "%s", line);
	if (doctor_fields(buf, f, 8) != 8 || !doctor_num(f[1], 16, &dst) ||
	    !doctor_num(f[3], 16, &flags) || !doctor_num(f[7], 16, &mask) ||
	    !(flags & 1))
		return false;
	snprintf(ifname, IFNAMSIZ, "%.15s", f[0]);
	*def = !dst && !mask;
	return true;
}

/**
 * doctor_route6_line() - One line of /proc/net/ipv6_route
 * @line:	Line, NUL-terminated
 * @ifname:	Interface, set on success (IFNAMSIZ bytes)
 * @def:	Set if it is an IPv6 default route
 * @link:	Set if the destination is link-local or multicast (present on
 *		every link that is up)
 *
 * Fields: dst plen src plen nexthop metric refcnt use flags device
 *
 * Return: true for a route that is up, not through loopback
 */
bool doctor_route6_line(const char *line, char *ifname, bool *def, bool *link)
{
	unsigned long plen, flags;
	char buf[512], *f[10];

	snprintf(buf, sizeof(buf), "%s", line);
	if (doctor_fields(buf, f, 10) != 10 || strlen(f[0]) != 32 ||
	    !doctor_num(f[1], 16, &plen) || !doctor_num(f[8], 16, &flags) ||
	    !(flags & 1) || !strcmp(f[9], "lo"))
		return false;
	snprintf(ifname, IFNAMSIZ, "%.15s", f[9]);
	*def = !plen && strspn(f[0], "0") == 32;
	*link = !strncmp(f[0], "fe80", 4) || !strncmp(f[0], "ff", 2);
	return true;
}
