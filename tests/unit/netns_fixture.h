/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netns_fixture.h - unit tests that open real sockets: a user and network
 * namespace of their own, with only its loopback up, so nothing reaches the
 * real host. Tests call netns_need() first: they skip where unprivileged
 * user namespaces are off, or the process is in a chroot (a package build).
 * Call it from the test, never from a setup: cmocka 1.1.7 (Debian 13)
 * reports a skip in a setup as an error.
 */
#ifndef TESTS_NETNS_FIXTURE_H
#define TESTS_NETNS_FIXTURE_H

#include <sched.h>
#include <stdbool.h>
#include <unistd.h>

#include "os/netlink.h"

static bool netns_have;

/**
 * netns_setup() - cmocka group setup: enter the namespaces, bring "lo" up
 * @state:	Unused
 *
 * Return: 0, or -1 if "lo" couldn't be brought up
 */
static int netns_setup(void **state)
{
	unsigned int lo;
	int fd, rc;

	(void)state;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
		return 0; /* every test skips */
	fd = nl_open();
	if (fd < 0)
		return -1;
	rc = nl_link_index(fd, "lo", &lo);
	if (!rc)
		rc = nl_link_set(fd, lo, 0, NULL, true);
	close(fd);
	if (rc)
		return -1;
	netns_have = true;
	return 0;
}

/**
 * netns_need() - Skip the test without the namespaces
 */
static inline void netns_need(void)
{
	if (!netns_have)
		skip();
}

#endif /* TESTS_NETNS_FIXTURE_H */
