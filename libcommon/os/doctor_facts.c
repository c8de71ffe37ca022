// SPDX-License-Identifier: GPL-2.0-or-later
/* doctor_facts.c - gather the facts doctor.c judges, from /proc and /dev
 *
 * Theory of operation: each function fills one struct of doctor.h from
 * files: sysctls under /proc/sys, the node /dev/net/tun (stat(), and an
 * open() closed at once, which creates no device), /proc/net/route and
 * ipv6_route, /proc/net/{tcp,udp}{,6} and the /proc/PID/fd links of every
 * process we may look at. They run during start-up only, before the
 * sandbox takes /proc away (and so never need a system call the seccomp
 * lists don't already allow); nothing here is called from the event loop.
 * A file that can't be read leaves its fact "unknown" (-1, empty), never a
 * failure of its own.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doctor.h"
#include "doctor_facts.h"

#define DOCTOR_LINE_MAX 512

/**
 * struct doctor_port_seen - A port's holder, looked up ahead
 * @tcp:	TCP (else UDP)
 * @port:	Port
 * @f:		What was found
 */
struct doctor_port_seen {
	bool tcp;
	unsigned int port;
	struct doctor_port f;
};

static struct doctor_port_seen doctor_seen[DOCTOR_PORT_CACHE];
static int doctor_nseen;

/* Socket tables: [TCP?][IPv6?] */
static const char *const doctor_sock_files[2][2] = {
	{"/proc/net/udp", "/proc/net/udp6"},
	{"/proc/net/tcp", "/proc/net/tcp6"},
};

/**
 * doctor_read() - Read a small text file, NUL-terminated
 * @path:	File
 * @buf:	Buffer
 * @len:	Its size
 *
 * Return: 0 on success, -errno on failure
 */
static int doctor_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	buf[n] = '\0';
	return 0;
}

/**
 * doctor_sysctl() - Value of a numeric sysctl
 * @path:	Its file under /proc/sys
 *
 * Return: the value, -1 if the file is absent or unreadable
 */
long doctor_sysctl(const char *path)
{
	char buf[64];

	char *f[1];
	unsigned long v;

	if (doctor_read(path, buf, sizeof(buf)) ||
	    doctor_fields(buf, f, 1) != 1 || !doctor_num(f[0], 10, &v) ||
	    v > LONG_MAX)
		return -1;
	return (long)v;
}

/**
 * doctor_userns_facts() - Sysctls and AppArmor state for user namespaces
 * @f:		Filled
 * @err:	errno of the failing step, 0 if none
 */
void doctor_userns_facts(struct doctor_userns *f, int err)
{
	char label[256];

	f->unpriv_clone =
		doctor_sysctl("/proc/sys/kernel/unprivileged_userns_clone");
	f->max_user_ns = doctor_sysctl("/proc/sys/user/max_user_namespaces");
	f->aa_restrict = doctor_sysctl(
		"/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
	f->aa_confined = -1;
	if (!doctor_read("/proc/self/attr/apparmor/current", label,
			 sizeof(label)) ||
	    !doctor_read("/proc/self/attr/current", label, sizeof(label)))
		f->aa_confined = strncmp(label, "unconfined", 10) != 0;
	f->privileged = !geteuid();
	f->err = err;
}

/**
 * doctor_tun_facts() - stat() and maybe try open() /dev/net/tun
 * @f:		Filled
 * @try_open:	Also open it (and close it at once)
 */
void doctor_tun_facts(struct doctor_tun *f, bool try_open)
{
	gid_t gids[DOCTOR_MAX_GIDS];
	struct stat st;
	int n, i, fd;

	memset(f, 0, sizeof(*f));
	f->me_uid = geteuid();
	f->open_err = -1;
	if (stat("/dev/net/tun", &st)) {
		f->stat_err = errno;
		return;
	}
	f->chr = S_ISCHR(st.st_mode);
	f->mode = st.st_mode & 07777;
	f->uid = st.st_uid;
	f->gid = st.st_gid;
	f->in_group = getegid() == st.st_gid;
	/* Root of a user namespace overrides modes of files whose owner is
	 * mapped in it: not of root's files, which show as the overflow UID
	 */
	f->dac_override = !f->me_uid &&
			  (long)st.st_uid !=
				  doctor_sysctl("/proc/sys/kernel/overflowuid");
	n = getgroups(DOCTOR_MAX_GIDS, gids);
	for (i = 0; i < n; i++)
		f->in_group |= gids[i] == st.st_gid;
	if (!f->chr || !try_open)
		return;
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	f->open_err = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
}

/**
 * doctor_ping_facts() - net.ipv4.ping_group_range and our groups
 * @f:		Filled
 * @no_icmp:	--no-icmp was given
 */
void doctor_ping_facts(struct doctor_ping *f, bool no_icmp)
{
	unsigned long lo, hi;
	char buf[64], *r[2];
	int n;

	memset(f, 0, sizeof(*f));
	f->no_icmp = no_icmp;
	f->lo = -1;
	if (!doctor_read("/proc/sys/net/ipv4/ping_group_range", buf,
			 sizeof(buf)) &&
	    doctor_fields(buf, r, 2) == 2 && doctor_num(r[0], 10, &lo) &&
	    doctor_num(r[1], 10, &hi) && lo <= LONG_MAX && hi <= LONG_MAX) {
		f->lo = (long)lo;
		f->hi = (long)hi;
	}
	f->gids[0] = getegid();
	n = getgroups(DOCTOR_MAX_GIDS - 1, f->gids + 1);
	f->ngids = 1 + (n > 0 ? n : 0);
}

/**
 * doctor_route_if() - Note an interface with a route, once
 * @f:		Facts
 * @name:	Interface
 */
static void doctor_route_if(struct doctor_route *f, const char *name)
{
	int i;

	if (!strcmp(name, "lo"))
		return;
	for (i = 0; i < f->nifs; i++) {
		if (!strcmp(f->ifs[i], name))
			return;
	}
	if (f->nifs < DOCTOR_MAX_IFS)
		snprintf(f->ifs[f->nifs++], IFNAMSIZ, "%.15s", name);
}

/**
 * doctor_route_facts() - Default routes, from /proc/net/route, ipv6_route
 * @f:		Filled
 */
void doctor_route_facts(struct doctor_route *f)
{
	char line[DOCTOR_LINE_MAX], name[IFNAMSIZ];
	bool def, link;
	FILE *fp;

	memset(f, 0, sizeof(*f));
	if ((fp = fopen("/proc/net/route", "re"))) {
		while (fgets(line, sizeof(line), fp)) {
			if (!doctor_route4_line(line, name, &def) ||
			    !strcmp(name, "lo"))
				continue;
			if (def && !f->ndef4++)
				memcpy(f->def4, name, IFNAMSIZ);
			doctor_route_if(f, name);
		}
		fclose(fp);
	}
	if ((fp = fopen("/proc/net/ipv6_route", "re"))) {
		while (fgets(line, sizeof(line), fp)) {
			if (!doctor_route6_line(line, name, &def, &link))
				continue;
			if (def && !f->ndef6++)
				memcpy(f->def6, name, IFNAMSIZ);
			if (!link)
				doctor_route_if(f, name);
		}
		fclose(fp);
	}
}

/**
 * doctor_port_inode() - Find the socket bound to a port in /proc/net
 * @tcp:	TCP (else UDP)
 * @port:	Port
 * @f:		Owner filled in if found
 *
 * Return: socket inode, 0 if none
 */
static unsigned long doctor_port_inode(bool tcp, unsigned int port,
				       struct doctor_port *f)
{
	char line[DOCTOR_LINE_MAX];
	unsigned int p, state, uid;
	unsigned long inode;
	int i;

	for (i = 0; i < 2; i++) {
		FILE *fp = fopen(doctor_sock_files[tcp][i], "re");

		if (!fp)
			continue;
		while (fgets(line, sizeof(line), fp)) {
			if (!doctor_sock_line(line, &p, &state, &uid, &inode) ||
			    p != port || (tcp && state != 0x0a) || !inode)
				continue;
			fclose(fp);
			f->found = true;
			f->uid = uid;
			return inode;
		}
		fclose(fp);
	}
	return 0;
}

/**
 * doctor_pid_has() - Does a process hold a socket inode?
 * @pid:	Process, as its /proc directory name
 * @want:	"socket:[INODE]"
 *
 * Return: true if one of its descriptors is that socket
 */
static bool doctor_pid_has(const char *pid, const char *want)
{
	char path[64], link[64];
	struct dirent *d;
	bool found = false;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%.20s/fd", pid);
	if (!(dir = opendir(path)))
		return false;
	while (!found && (d = readdir(dir))) {
		char fd[sizeof(path) + 64];
		ssize_t n;

		if (*d->d_name == '.')
			continue;
		snprintf(fd, sizeof(fd), "%s/%.32s", path, d->d_name);
		n = readlink(fd, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		found = !strcmp(link, want);
	}
	closedir(dir);
	return found;
}

/**
 * doctor_port_lookup() - Who holds a TCP or UDP port in our namespace?
 * @tcp:	TCP (else UDP)
 * @port:	Port
 * @f:		Filled: found, owner, and PID and command if we may see them
 */
static void doctor_port_lookup(bool tcp, unsigned int port,
			       struct doctor_port *f)
{
	char want[48], path[80];
	unsigned long inode;
	struct dirent *d;
	DIR *proc;

	memset(f, 0, sizeof(*f));
	if (!(inode = doctor_port_inode(tcp, port, f)))
		return;
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	if (!(proc = opendir("/proc")))
		return;
	while ((d = readdir(proc))) {
		char *end;
		long pid = strtol(d->d_name, &end, 10);

		if (*end || pid <= 0 || !doctor_pid_has(d->d_name, want))
			continue;
		f->pid = (pid_t)pid;
		snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
		if (doctor_read(path, f->comm, sizeof(f->comm)))
			strcpy(f->comm, "?");
		f->comm[strcspn(f->comm, "\n")] = '\0';
		break;
	}
	closedir(proc);
}

/**
 * doctor_ports_bound() - Ports bound in our namespace, as a bitmap
 * @tcp:	TCP listeners (else UDP sockets, any state)
 * @map:	65536 bits, filled
 */
void doctor_ports_bound(bool tcp, uint64_t *map)
{
	char line[DOCTOR_LINE_MAX];
	unsigned int p, state, uid;
	unsigned long inode;
	int i;

	memset(map, 0, 65536 / 8);
	for (i = 0; i < 2; i++) {
		FILE *fp = fopen(doctor_sock_files[tcp][i], "re");

		if (!fp)
			continue;
		while (fgets(line, sizeof(line), fp)) {
			if (doctor_sock_line(line, &p, &state, &uid, &inode) &&
			    (!tcp || state == 0x0a))
				map[p / 64] |= 1ULL << (p % 64);
		}
		fclose(fp);
	}
}

/**
 * doctor_port_prefetch() - Look up a port's holder now, for later
 * @tcp:	TCP (else UDP)
 * @port:	Port
 *
 * Once pasta has joined the user namespace of its command, the kernel
 * hides other processes' descriptors from it (no CAP_SYS_PTRACE where they
 * live), and /proc/net shows their owner as mapped there: the lookup has
 * to happen before. At most DOCTOR_PORT_CACHE ports are kept.
 */
void doctor_port_prefetch(bool tcp, unsigned int port)
{
	struct doctor_port_seen *s;

	if (doctor_nseen >= DOCTOR_PORT_CACHE)
		return;
	s = &doctor_seen[doctor_nseen++];
	s->tcp = tcp;
	s->port = port;
	doctor_port_lookup(tcp, port, &s->f);
}

/**
 * doctor_port_facts() - Who holds a TCP or UDP port in our namespace?
 * @tcp:	TCP (else UDP)
 * @port:	Port
 * @f:		Filled: found, owner, and PID and command if we may see them
 *
 * A port looked up ahead (doctor_port_prefetch()) isn't looked up again.
 */
void doctor_port_facts(bool tcp, unsigned int port, struct doctor_port *f)
{
	int i;

	for (i = 0; i < doctor_nseen; i++) {
		if (doctor_seen[i].tcp == tcp && doctor_seen[i].port == port &&
		    doctor_seen[i].f.found) {
			*f = doctor_seen[i].f;
			return;
		}
	}
	doctor_port_lookup(tcp, port, f);
}
