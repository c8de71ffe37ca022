/* SPDX-License-Identifier: GPL-2.0-or-later */
/* doctor.h - start-up diagnostics: facts in, one verdict with its fix out */
#ifndef OS_DOCTOR_H
#define OS_DOCTOR_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Length of one diagnostic: cause and fix */
#define DOCTOR_MSG_LEN 384
/* Supplementary groups looked at for ping_group_range */
#define DOCTOR_MAX_GIDS 32
/* Interfaces named as candidates for --outbound-if4/6 */
#define DOCTOR_MAX_IFS 8

/**
 * enum doctor_level - Verdict of one check, in order of gravity
 * @DOCTOR_OK:		Nothing in the way
 * @DOCTOR_WARN:	Starts, with something off (ICMP, IPv6, ...)
 * @DOCTOR_FAIL:	Start-up fails
 */
enum doctor_level {
	DOCTOR_OK,
	DOCTOR_WARN,
	DOCTOR_FAIL,
};

/**
 * struct doctor_userns - What decides whether pasta may make a user namespace
 * @unpriv_clone:	kernel.unprivileged_userns_clone, -1 if absent
 * @max_user_ns:	user.max_user_namespaces, -1 if absent
 * @aa_restrict:	kernel.apparmor_restrict_unprivileged_userns, -1 if
 *			absent
 * @aa_confined:	1 if an AppArmor profile confines us, 0 if unconfined,
 *			-1 if unknown (no AppArmor)
 * @privileged:		CAP_SYS_ADMIN in our user namespace (root)
 * @err:		errno of the failed clone() or later step, 0 if none
 */
struct doctor_userns {
	long unpriv_clone;
	long max_user_ns;
	long aa_restrict;
	int aa_confined;
	bool privileged;
	int err;
};

/**
 * struct doctor_tun - /dev/net/tun as stat() and open() saw it
 * @stat_err:	errno of stat(), 0 if it worked
 * @chr:	It is a character device
 * @mode:	Permission bits
 * @uid:	Owner
 * @gid:	Group
 * @me_uid:	Our effective UID
 * @in_group:	@gid is our effective or a supplementary group
 * @dac_override: The mode bits don't apply to us (root, owner mapped in
 *		our user namespace)
 * @open_err:	errno of open(O_RDWR), 0 if it worked, -1 if not tried
 */
struct doctor_tun {
	int stat_err;
	bool chr;
	unsigned int mode;
	uid_t uid;
	gid_t gid;
	uid_t me_uid;
	bool in_group;
	bool dac_override;
	int open_err;
};

/**
 * struct doctor_ping - net.ipv4.ping_group_range and our groups
 * @lo:		First GID of the range, -1 if unknown
 * @hi:		Last GID of the range
 * @gids:	Our effective group first, then the supplementary ones
 * @ngids:	Entries of @gids
 * @no_icmp:	--no-icmp given: nothing to check
 */
struct doctor_ping {
	long lo;
	long hi;
	gid_t gids[DOCTOR_MAX_GIDS];
	int ngids;
	bool no_icmp;
};

/**
 * struct doctor_route - Default routes and interfaces of the host
 * @def4:	Interface of the first IPv4 default route, empty if none
 * @def6:	Same for IPv6
 * @ndef4:	IPv4 default routes (on distinct interfaces or not)
 * @ndef6:	IPv6 default routes
 * @ifs:	Other interfaces that are up with a route (not loopback)
 * @nifs:	Entries of @ifs
 */
struct doctor_route {
	char def4[IFNAMSIZ];
	char def6[IFNAMSIZ];
	int ndef4;
	int ndef6;
	char ifs[DOCTOR_MAX_IFS][IFNAMSIZ];
	int nifs;
};

/**
 * struct doctor_port - Who holds a port we couldn't bind
 * @found:	A socket bound to the port was found in /proc/net
 * @uid:	Its owner
 * @pid:	Process holding it, 0 if not found (another user's)
 * @comm:	Its command name
 */
struct doctor_port {
	bool found;
	uid_t uid;
	pid_t pid;
	char comm[16];
};

enum doctor_level doctor_userns(const struct doctor_userns *f, char *msg,
				size_t len);
enum doctor_level doctor_tun(const struct doctor_tun *f, char *msg, size_t len);
enum doctor_level doctor_ping(const struct doctor_ping *f, char *msg,
			      size_t len);
enum doctor_level doctor_route(const struct doctor_route *f, char *msg,
			       size_t len);
int doctor_port(int err, const struct doctor_port *f, char *msg, size_t len);
bool doctor_dac_rw(const struct doctor_tun *f);
const char *doctor_level_name(enum doctor_level l);
int doctor_fields(char *line, char **f, int max);
bool doctor_num(const char *s, int base, unsigned long *v);
bool doctor_route4_line(const char *line, char *ifname, bool *def);
bool doctor_route6_line(const char *line, char *ifname, bool *def, bool *link);
bool doctor_sock_line(const char *line, unsigned int *port, unsigned int *state,
		      unsigned int *uid, unsigned long *inode);

#endif /* OS_DOCTOR_H */
