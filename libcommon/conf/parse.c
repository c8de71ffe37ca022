// SPDX-License-Identifier: GPL-2.0-or-later
/* parse.c - parsers of option values: numbers, addresses, netmasks,
 *	     interface names, MAC addresses, --runas
 *
 * Theory of operation: each parser takes one argument string and returns
 * 0 with its result filled in, or -errno. They know nothing of the option
 * table, so the option handlers (handlers.c), the command line driver
 * (cmdline.c) and the resolv.conf reader (resolv.c) all use them and word
 * their own messages; only conf_parse_runas(), which looks names up, says
 * itself which part was wrong.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "conf/conf.h"
#include "conf/parse.h"

/* Classful IPv4 address ranges (RFC 791 section 3.2, RFC 1166) */
#define CLASS_A_MAX 127U
#define CLASS_B_MAX 191U
#define CLASS_C_MAX 223U
/* Buffer for --runas values and getpwnam_r() records */
#define RUNAS_MAX  256
#define PWBUF_SIZE 4096

/**
 * conf_parse_uint() - Parse a plain decimal number
 * @s:		String: digits only, no sign, no spaces
 * @max:	Largest value accepted
 * @out:	Value, set on success
 *
 * Return: 0 on success, -EINVAL if @s isn't a number, -ERANGE if over @max
 */
int conf_parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	const char *p;

	if (!*s)
		return -EINVAL;
	for (p = s; *p; p++) {
		unsigned int d;

		if (*p < '0' || *p > '9')
			return -EINVAL;
		d = (unsigned int)(*p - '0');
		if (v > (max - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/**
 * conf_parse_addr() - Parse an IPv4 or IPv6 address
 * @s:		String
 * @a:		Address and family, set on success
 *
 * Return: 0 on success, -EINVAL if @s is neither
 */
int conf_parse_addr(const char *s, struct conf_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->a4) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a->a6) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

/**
 * conf_addr_is_special() - Check for addresses a guest can't be given
 * @a:		Address
 *
 * Return: true for unspecified, loopback and multicast addresses
 */
bool conf_addr_is_special(const struct conf_addr *a)
{
	if (a->family == AF_INET) {
		uint32_t h = ntohl(a->a4.s_addr);

		return h == INADDR_ANY || conf_in4_is_loopback(h) ||
		       IN_MULTICAST(h);
	}
	return IN6_IS_ADDR_UNSPECIFIED(&a->a6) ||
	       IN6_IS_ADDR_LOOPBACK(&a->a6) || IN6_IS_ADDR_MULTICAST(&a->a6);
}

/**
 * conf_parse_ifname() - Check and copy an interface name
 * @s:		Name: 1 to IFNAMSIZ - 1 characters, no '/' or whitespace,
 *		not "." or ".." (the kernel's dev_valid_name())
 * @out:	Destination
 * @size:	Its size
 *
 * Return: 0 on success, -EINVAL if the name is not valid
 */
int conf_parse_ifname(const char *s, char *out, size_t size)
{
	size_t len = strnlen(s, IFNAMSIZ);
	size_t i;

	if (!len || len >= IFNAMSIZ || len >= size || !strcmp(s, ".") ||
	    !strcmp(s, ".."))
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] == '/' || isspace((unsigned char)s[i]))
			return -EINVAL;
	}
	memcpy(out, s, len + 1);
	return 0;
}

/**
 * conf_copy_str() - Copy a string into a fixed-size field
 * @dst:	Destination
 * @size:	Its size, including the terminator
 * @s:		Source
 *
 * Return: 0 on success, -ENAMETOOLONG (nothing copied) if it doesn't fit
 */
int conf_copy_str(char *dst, size_t size, const char *s)
{
	size_t len = strnlen(s, size);

	if (len >= size)
		return -ENAMETOOLONG;
	memcpy(dst, s, len + 1);
	return 0;
}

/**
 * conf_prefix_to_mask() - IPv4 netmask of a prefix length
 * @prefix:	Prefix length, 0 to 32 (clamped)
 *
 * Return: netmask, network order
 */
struct in_addr conf_prefix_to_mask(int prefix)
{
	struct in_addr m;

	if (prefix <= 0)
		m.s_addr = 0;
	else if (prefix >= 32)
		m.s_addr = htonl(UINT32_MAX);
	else
		m.s_addr = htonl(UINT32_MAX << (32 - prefix));
	return m;
}

/**
 * conf_mask_to_prefix() - Prefix length of an IPv4 netmask
 * @mask:	Netmask, network order
 *
 * Return: prefix length, -EINVAL if the mask has holes (255.0.255.0)
 */
int conf_mask_to_prefix(struct in_addr mask)
{
	uint32_t h = ntohl(mask.s_addr);
	int prefix = __builtin_popcount(h);

	if (conf_prefix_to_mask(prefix).s_addr != mask.s_addr)
		return -EINVAL;
	return prefix;
}

/**
 * conf_parse_netmask() - Parse an IPv4 netmask, bit count or dotted
 * @s:		"24" or "255.255.255.0"
 *
 * Return: prefix length, 0 to 32, or -EINVAL
 */
int conf_parse_netmask(const char *s)
{
	struct in_addr m;
	unsigned long v;

	if (!conf_parse_uint(s, 32, &v))
		return (int)v;
	if (inet_pton(AF_INET, s, &m) != 1)
		return -EINVAL;
	return conf_mask_to_prefix(m);
}

/**
 * conf_prefix_classful() - Default prefix length of an address by its class
 * @a:		IPv4 address, network order
 *
 * Return: 8 for class A, 16 for class B, 24 for class C and anything above
 */
int conf_prefix_classful(struct in_addr a)
{
	uint32_t first = ntohl(a.s_addr) >> 24;

	if (first <= CLASS_A_MAX)
		return 8;
	if (first <= CLASS_B_MAX)
		return 16;
	return 24;
}

/**
 * conf_lookup_user() - Resolve the user part of --runas
 * @s:		Numeric UID or login name
 * @uid:	UID, set on success
 * @gid:	GID: the UID itself if numeric, else the user's primary group
 *
 * Return: 0 on success, -EINVAL if unknown
 */
static int conf_lookup_user(const char *s, uid_t *uid, gid_t *gid)
{
	struct passwd pw, *res = NULL;
	char buf[PWBUF_SIZE];
	unsigned long v;

	if (!conf_parse_uint(s, (uid_t)-2, &v)) {
		*uid = (uid_t)v;
		*gid = (gid_t)v;
		return 0;
	}
	if (!*s || getpwnam_r(s, &pw, buf, sizeof(buf), &res) || !res)
		return -EINVAL;
	*uid = res->pw_uid;
	*gid = res->pw_gid;
	return 0;
}

/**
 * conf_lookup_group() - Resolve the group part of --runas
 * @s:		Numeric GID or group name
 * @gid:	GID, set on success
 *
 * Return: 0 on success, -EINVAL if unknown
 */
static int conf_lookup_group(const char *s, gid_t *gid)
{
	struct group gr, *res = NULL;
	char buf[PWBUF_SIZE];
	unsigned long v;

	if (!conf_parse_uint(s, (gid_t)-2, &v)) {
		*gid = (gid_t)v;
		return 0;
	}
	if (!*s || getgrnam_r(s, &gr, buf, sizeof(buf), &res) || !res)
		return -EINVAL;
	*gid = res->gr_gid;
	return 0;
}

/**
 * conf_parse_runas() - Parse UID, UID:GID, LOGIN or LOGIN:GROUP
 * @s:		Value of --runas
 * @uid:	UID, set on success
 * @gid:	GID, set on success
 *
 * Return: 0 on success, -EINVAL (message on stderr) otherwise
 */
int conf_parse_runas(const char *s, uid_t *uid, gid_t *gid)
{
	char user[RUNAS_MAX];
	char *group;
	uid_t u;
	gid_t g;

	if (conf_copy_str(user, sizeof(user), s)) {
		fprintf(stderr, "Invalid --runas value\n");
		return -EINVAL;
	}
	group = strchr(user, ':');
	if (group)
		*group++ = '\0';
	if (conf_lookup_user(user, &u, &g)) {
		fprintf(stderr, "Invalid user '%s'\n", user);
		return -EINVAL;
	}
	if (group && conf_lookup_group(group, &g)) {
		fprintf(stderr, "Invalid group '%s'\n", group);
		return -EINVAL;
	}
	*uid = u;
	*gid = g;
	return 0;
}
