/* SPDX-License-Identifier: GPL-2.0-or-later */
/* parse.h - value parsers of the option handlers (internal to conf/) */
#ifndef CONF_PARSE_H
#define CONF_PARSE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/**
 * struct conf_addr - An IPv4 or IPv6 address given on the command line
 * @family:	AF_INET or AF_INET6
 * @a4:		IPv4 address, with AF_INET
 * @a6:		IPv6 address, with AF_INET6
 */
struct conf_addr {
	int family;
	struct in_addr a4;
	struct in6_addr a6;
};

/**
 * conf_in4_is_loopback() - Check for 127.0.0.0/8
 * @h:		IPv4 address, host order
 *
 * Return: true if loopback
 */
static inline bool conf_in4_is_loopback(uint32_t h)
{
	return h >> 24 == IN_LOOPBACKNET;
}

int conf_parse_uint(const char *s, unsigned long max, unsigned long *out);
int conf_parse_addr(const char *s, struct conf_addr *a);
bool conf_addr_is_special(const struct conf_addr *a);
int conf_parse_ifname(const char *s, char *out, size_t size);
int conf_copy_str(char *dst, size_t size, const char *s);
int conf_parse_runas(const char *s, uid_t *uid, gid_t *gid);

#endif /* CONF_PARSE_H */
