// SPDX-License-Identifier: GPL-2.0-or-later
/* no_ipv6.c - LD_PRELOAD shim: a kernel without IPv6, as seen by socket()
 *
 * Booted with ipv6.disable=1, the kernel refuses IPv6 sockets with
 * EAFNOSUPPORT. The integration tests can't reboot the machine, so
 * test_no_ipv6.py preloads this into pasta and passt (dynamically linked,
 * and calling socket() through the C library): socket(AF_INET6, ...) fails
 * as it would there, everything else goes to the real socket().
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <sys/socket.h>

/**
 * socket() - Refuse AF_INET6, pass anything else on
 * @domain:	Address family
 * @type:	Socket type and flags
 * @protocol:	Protocol
 *
 * Return: a descriptor, or -1 with errno set
 */
int socket(int domain, int type, int protocol)
{
	static int (*real)(int, int, int);

	if (domain == AF_INET6) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (!real)
		real = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	return real(domain, type, protocol);
}
