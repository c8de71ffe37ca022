// SPDX-License-Identifier: GPL-2.0-or-later
/* main.c - qrap: start a legacy qemu with a socket already connected to passt
 *
 * Theory of operation: qemu older than 7.2 has no "-netdev stream", but it
 * can use an already-connected socket descriptor with "-netdev socket,fd=N",
 * which speaks the same framing as passt (4-byte length, Ethernet frame).
 * qrap connects to passt's UNIX socket (the path in $PASST_SOCKET, or the
 * first of /tmp/passt_1.socket ... /tmp/passt_99.socket that accepts),
 * places the connection on descriptor FDNUM and executes qemu. If the
 * command line already uses the descriptor (an option value with "fd=FDNUM",
 * as "-net socket,fd=5" in upstream's examples), it is passed unchanged;
 * otherwise its network options are dropped and ours appended.
 */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define QRAP_SOCK_MAX 99
#define QRAP_ARGS_MAX 1024

/**
 * usage() - Print usage
 * @f:		Stream
 * @name:	Program name
 */
static void usage(FILE *f, const char *name)
{
	fprintf(f,
		"Usage: %s FDNUM QEMU_CMD [QEMU_ARG]...\n"
		"Connect to passt's UNIX socket ($PASST_SOCKET, or the first\n"
		"/tmp/passt_N.socket accepting connections), put the connection\n"
		"on descriptor FDNUM and run QEMU_CMD with its network options\n"
		"replaced by a virtio-net device on -netdev socket,fd=FDNUM.\n"
		"\n"
		"  -h, --help     show this help and exit\n"
		"      --version  show the version and exit\n",
		name);
}

/**
 * qrap_try() - Try to connect to one socket path
 * @path:	Path
 *
 * Return: connected socket, -1 on failure
 */
static int qrap_try(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int s;

	if (strlen(path) >= sizeof(a.sun_path))
		return -1;
	memcpy(a.sun_path, path, strlen(path) + 1);
	if ((s = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		return -1;
	if (!connect(s, (struct sockaddr *)&a, sizeof(a)))
		return s;
	close(s);
	return -1;
}

/**
 * qrap_connect() - Connect to passt
 *
 * Return: connected socket, -1 if no passt accepted
 */
static int qrap_connect(void)
{
	const char *env = getenv("PASST_SOCKET");
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int i, s;

	if (env && *env)
		return qrap_try(env);
	for (i = 1; i <= QRAP_SOCK_MAX; i++) {
		snprintf(path, sizeof(path), "/tmp/passt_%i.socket", i);
		if ((s = qrap_try(path)) >= 0)
			return s;
	}
	return -1;
}

/**
 * qrap_is_net_opt() - Tell whether a qemu option configures networking
 * @arg:	Option
 *
 * Return: true for -net, -netdev, -nic (the value is dropped as well)
 */
static bool qrap_is_net_opt(const char *arg)
{
	if (*arg == '-' && arg[1] == '-')
		arg++;
	return !strcmp(arg, "-net") || !strcmp(arg, "-netdev") ||
	       !strcmp(arg, "-nic");
}

/**
 * qrap_uses_fd() - Tell whether an argument refers to descriptor @fdnum
 * @arg:	Argument, e.g. "socket,fd=5,id=n0"
 * @fdnum:	Descriptor
 *
 * Return: true if one comma-separated field of @arg is "fd=@fdnum"
 */
static bool qrap_uses_fd(const char *arg, int fdnum)
{
	const char *f = arg;
	char want[16];
	size_t len;

	len = (size_t)snprintf(want, sizeof(want), "fd=%i", fdnum);
	while (f) {
		if (!strncmp(f, want, len) && (f[len] == ',' || !f[len]))
			return true;
		f = strchr(f, ',');
		if (f)
			f++;
	}
	return false;
}

/**
 * main() - Entry point
 * @argc:	Argument count
 * @argv:	Arguments
 *
 * Return: doesn't return on success, 1 on failure
 */
int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	static char *qargv[QRAP_ARGS_MAX];
	static char dev[64], netdev[64];
	int o, fdnum, s, i, n = 0;
	char *end;

	while ((o = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (o) {
		case 'h':
			usage(stdout, argv[0]);
			return EXIT_SUCCESS;
		case 'V':
			printf("qrap %s\n", VERSION);
			return EXIT_SUCCESS;
		default:
			usage(stderr, argv[0]);
			return EXIT_FAILURE;
		}
	}
	if (argc - optind < 2 || argc - optind > QRAP_ARGS_MAX - 8) {
		usage(stderr, argv[0]);
		return EXIT_FAILURE;
	}
	errno = 0;
	fdnum = (int)strtol(argv[optind], &end, 10);
	if (errno || *end || fdnum < 3 || fdnum > 1023) {
		fprintf(stderr, "%s: invalid FDNUM %s\n", argv[0],
			argv[optind]);
		return EXIT_FAILURE;
	}

	qargv[n++] = argv[optind + 1];
	for (i = optind + 2; i < argc && !qrap_uses_fd(argv[i], fdnum); i++)
		;
	if (i < argc) {
		/* the caller wired the descriptor itself: leave it alone */
		for (i = optind + 2; i < argc; i++)
			qargv[n++] = argv[i];
		qargv[n] = NULL;
	} else {
		for (i = optind + 2; i < argc; i++) {
			if (qrap_is_net_opt(argv[i])) {
				i++;
				continue;
			}
			qargv[n++] = argv[i];
		}
		snprintf(dev, sizeof(dev), "virtio-net-pci,netdev=hostnet0");
		snprintf(netdev, sizeof(netdev), "socket,fd=%i,id=hostnet0",
			 fdnum);
		qargv[n++] = "-device";
		qargv[n++] = dev;
		qargv[n++] = "-netdev";
		qargv[n++] = netdev;
		qargv[n] = NULL;
	}

	if ((s = qrap_connect()) < 0) {
		fprintf(stderr, "%s: couldn't connect to passt\n", argv[0]);
		return EXIT_FAILURE;
	}
	if (s != fdnum && (dup2(s, fdnum) < 0 || close(s))) {
		perror("dup2");
		return EXIT_FAILURE;
	}

	execvp(qargv[0], qargv);
	fprintf(stderr, "%s: couldn't run %s: %s\n", argv[0], qargv[0],
		strerror(errno));
	return EXIT_FAILURE;
}
