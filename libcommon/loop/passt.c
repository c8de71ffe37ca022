// SPDX-License-Identifier: GPL-2.0-or-later
/* passt.c - passt's start-up
 *
 * Theory of operation: passt shares its option table, its configuration and
 * its L2 responders with pasta; what it lacks so far is its link to qemu (the
 * UNIX stream socket and vhost-user). Until that link exists, passt parses
 * and checks its command line, so --help, --version and option errors behave
 * as upstream, and then refuses to start rather than pretend to serve a
 * guest.
 */

#include <stdlib.h>

#include "base/log.h"
#include "ctx.h"

/**
 * passt_main() - Entry point of passt
 * @argc:	Argument count
 * @argv:	Arguments
 *
 * Return: exit status
 */
int passt_main(int argc, char **argv)
{
	static struct conf c;

	log_init("passt");
	switch (conf_parse(&c, argc, argv)) {
	case CONF_EXIT_OK:
		return EXIT_SUCCESS;
	case CONF_EXIT_ERR:
		return EXIT_FAILURE;
	case CONF_OK:
		break;
	}
	log_err("passt: the qemu socket link is not supported yet");
	return EXIT_FAILURE;
}
