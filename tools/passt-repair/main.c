// SPDX-License-Identifier: GPL-2.0-or-later
/* main.c - passt-repair: switch TCP_REPAIR on sockets passt sends us
 *
 * Theory of operation: live migration of a vhost-user guest moves its TCP
 * connections to the target host, which needs TCP_REPAIR, which needs
 * CAP_NET_ADMIN: passt runs without it, so this helper holds the capability
 * and does nothing else. It connects to passt's repair socket (or polls a
 * directory until a "*.repair" socket appears in it), then answers messages:
 * one signed byte (1: repair on, 0: off, -1: off without window probe) with up
 * to SCM_MAX_FD socket descriptors attached. It sets the option on each,
 * closes them, and echoes the byte. EOF ends it with status 0, any failure
 * with status 1, a wrong number of arguments with 2 (an unknown option with
 * 1, like every tool of the suite).
 *
 * Before anything else, even before the arguments are parsed, it drops every
 * capability but CAP_NET_ADMIN and installs the smallest seccomp allowlist
 * of the suite (os/sandbox.c, doc/sandbox.md): nothing it does afterwards
 * allocates memory, hence getdents64() instead of opendir().
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "os/sandbox.h"

#define REPAIR_MAX_FDS	  253  /* SCM_MAX_FD */
#define REPAIR_WAIT_MS	  100  /* between connection attempts */
#define REPAIR_WAIT_TRIES 600  /* ... for at most one minute */
#define REPAIR_DIRBUF	  4096 /* getdents64() buffer */

#ifndef TCP_REPAIR_OFF_NO_WP
#define TCP_REPAIR_OFF_NO_WP -1
#endif

enum repair_exit {
	REPAIR_EXIT_OK = 0,
	REPAIR_EXIT_ERR = 1,
	REPAIR_EXIT_USAGE = 2,
};

/**
 * usage() - Print usage
 * @f:		Stream
 * @name:	Program name
 */
static void usage(FILE *f, const char *name)
{
	fprintf(f,
		"Usage: %s PATH\n"
		"Connect to passt's repair socket PATH (or wait in directory\n"
		"PATH for a *.repair socket) and set TCP_REPAIR on the "
		"sockets\n"
		"passt sends during a live migration.\n"
		"\n"
		"  -h, --help     show this help and exit\n"
		"      --version  show the version and exit\n",
		name);
}

/**
 * find_repair_socket() - Look for a "*.repair" socket in a directory
 * @dir:	Directory
 * @out:	Path of the socket found
 * @len:	Size of @out
 *
 * Reads the directory with getdents64() into a static buffer: opendir()
 * would allocate memory, which the seccomp filter doesn't allow.
 *
 * Return: true if one was found
 */
static bool find_repair_socket(const char *dir, char *out, size_t len)
{
	static const char suffix[] = ".repair";
	static char buf[REPAIR_DIRBUF] __attribute__((aligned(8)));
	const size_t slen = sizeof(suffix) - 1;
	bool found = false;
	ssize_t n, off;
	int fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return false;
	while (!found && (n = getdents64(fd, buf, sizeof(buf))) > 0) {
		for (off = 0; !found && off < n;) {
			const struct dirent64 *de = (void *)(buf + off);
			size_t nlen = strnlen(de->d_name, NAME_MAX + 1);

			if (de->d_reclen == 0 || off + de->d_reclen > n)
				break;
			off += de->d_reclen;
			if (nlen <= slen || nlen > NAME_MAX ||
			    strcmp(de->d_name + nlen - slen, suffix) != 0)
				continue;
			found = snprintf(out, len, "%s/%s", dir, de->d_name) <
				(int)len;
		}
	}
	close(fd);
	return found;
}

/**
 * repair_connect() - Connect to the repair socket, waiting for it if needed
 * @path:	Socket, or directory where it will appear
 *
 * Return: connected socket, -1 on failure (message printed)
 */
static int repair_connect(const char *path)
{
	const struct timespec pause = {0, REPAIR_WAIT_MS * 1000000L};
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	char sock[PATH_MAX];
	struct stat st;
	int fd, i;

	for (i = 0; i < REPAIR_WAIT_TRIES; i++) {
		bool dir = !stat(path, &st) && S_ISDIR(st.st_mode);

		if (dir && !find_repair_socket(path, sock, sizeof(sock))) {
			nanosleep(&pause, NULL);
			continue;
		}
		if (!dir && snprintf(sock, sizeof(sock), "%s", path) < 0)
			return -1;
		if (strlen(sock) >= sizeof(a.sun_path)) {
			fprintf(stderr, "Socket path too long: %s\n", sock);
			return -1;
		}
		memcpy(a.sun_path, sock, strlen(sock) + 1);

		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			break;
		if (!connect(fd, (struct sockaddr *)&a, sizeof(a)))
			return fd;
		close(fd);
		if (!dir && errno != ECONNREFUSED)
			break;
		nanosleep(&pause, NULL);
	}
	fprintf(stderr, "Couldn't connect to %s: %s\n", path, strerror(errno));
	return -1;
}

/**
 * repair_one() - Receive one command with its sockets, apply it, answer
 * @s:		Connection to passt
 *
 * Return: 1 on success, 0 on EOF, -1 on failure (message printed)
 */
static int repair_one(int s)
{
	char ctl[CMSG_SPACE(sizeof(int) * REPAIR_MAX_FDS)];
	struct msghdr mh = {.msg_control = ctl, .msg_controllen = sizeof(ctl)};
	const struct cmsghdr *cm;
	int8_t cmd;
	struct iovec iov = {&cmd, sizeof(cmd)};
	int fds[REPAIR_MAX_FDS], n = 0, i, v, ret = 1;
	ssize_t r;

	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	r = recvmsg(s, &mh, MSG_CMSG_CLOEXEC);
	if (r == 0 || (r < 0 && errno == ECONNRESET))
		return 0;
	if (r < 0) {
		fprintf(stderr, "recvmsg: %s\n", strerror(errno));
		return -1;
	}

	cm = CMSG_FIRSTHDR(&mh);
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
		n = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		if (n > REPAIR_MAX_FDS)
			n = REPAIR_MAX_FDS;
		memcpy(fds, CMSG_DATA(cm), sizeof(int) * (size_t)n);
	}

	if (cmd != TCP_REPAIR_ON && cmd != TCP_REPAIR_OFF &&
	    cmd != TCP_REPAIR_OFF_NO_WP) {
		fprintf(stderr, "Unknown command %d\n", cmd);
		ret = -1;
	}
	for (i = 0; i < n; i++) {
		v = (int)cmd; /* signed on purpose: -1 is a command */
		if (ret > 0 &&
		    setsockopt(fds[i], SOL_TCP, TCP_REPAIR, &v, sizeof(v))) {
			fprintf(stderr, "Setting TCP_REPAIR to %d: %s\n", v,
				strerror(errno));
			ret = -1;
		}
		close(fds[i]);
	}
	if (ret > 0 && send(s, &cmd, sizeof(cmd), MSG_NOSIGNAL) != 1) {
		fprintf(stderr, "send: %s\n", strerror(errno));
		ret = -1;
	}
	return ret;
}

/**
 * main() - Entry point
 * @argc:	Argument count
 * @argv:	Arguments
 *
 * Return: 0 when passt closes the connection, 1 on failure, 2 on bad usage
 */
int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{0},
	};
	int o, s, r;

	/* Sandbox first, arguments after: an unbuffered stdout allocates no
	 * buffer for --help and --version
	 */
	setvbuf(stdout, NULL, _IONBF, 0);
	if (sandbox_drop_caps(false, false, true) ||
	    sandbox_seccomp(SANDBOX_PASST_REPAIR)) {
		fprintf(stderr, "Failed to sandbox process, exiting\n");
		return REPAIR_EXIT_ERR;
	}

	while ((o = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (o) {
		case 'h':
			usage(stdout, argv[0]);
			return REPAIR_EXIT_OK;
		case 'V':
			printf("passt-repair %s\n", VERSION);
			return REPAIR_EXIT_OK;
		default:
			/* getopt printed its message: exit 1 like every tool */
			usage(stderr, argv[0]);
			return REPAIR_EXIT_ERR;
		}
	}
	if (optind != argc - 1) {
		usage(stderr, argv[0]);
		return REPAIR_EXIT_USAGE;
	}

	if ((s = repair_connect(argv[optind])) < 0)
		return REPAIR_EXIT_ERR;
	while ((r = repair_one(s)) > 0)
		;
	close(s);
	return r < 0 ? REPAIR_EXIT_ERR : REPAIR_EXIT_OK;
}
