// SPDX-License-Identifier: GPL-2.0-or-later
/* main.c - passt-repair: switch TCP_REPAIR on sockets passt sends us
 *
 * Theory of operation: live migration of a vhost-user guest moves its TCP
 * connections to the target host, which needs TCP_REPAIR, which needs
 * CAP_NET_ADMIN: passt runs without it, so this helper holds the capability
 * and does nothing else. It connects to passt's repair socket, then answers
 * messages: one signed byte (1: repair on, 0: off, -1: off without window
 * probe) with up to SCM_MAX_FD socket descriptors attached. It sets the
 * option on each, closes them, and echoes the byte. With repair mode on, a
 * socket also gets a filter that drops what its peer sends, until repair
 * mode goes off (repair_freeze()): a dump of its state then holds still. EOF ends it with status
 * 0, any failure with status 1, a wrong number of arguments with 2 (an
 * unknown option with 1, like every tool of the suite).
 *
 * PATH is the socket itself, or a directory where passt will create it
 * (KubeVirt starts us on both hosts of a migration, before or after passt,
 * and gives up on us after 60 s). Waiting is bounded by one minute too:
 * - a socket path is retried every 100 ms while it refuses connections;
 * - a directory is watched with inotify (creations and renames into it)
 *   before it is listed once, so that a socket appearing between the two
 *   is seen either way; then we sleep in poll() on the inotify descriptor,
 *   without periodic wake-ups, until a "*.repair" entry appears. Its file
 *   exists as soon as passt binds it, before passt listens: connect() is
 *   refused for a moment, and retried with a back-off from 1 to 100 ms, in
 *   which a newer "*.repair" entry replaces the one that refuses. One that
 *   vanishes (ENOENT) sends us back to listing and waiting.
 *
 * Before anything else, even before the arguments are parsed, it drops every
 * capability but CAP_NET_ADMIN, CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH (run
 * as root, as KubeVirt does, it must reach a socket in passt's user's
 * directory, which root without them can't) and installs the smallest seccomp allowlist
 * of the suite (os/sandbox.c, doc/sandbox.md): nothing it does afterwards
 * allocates memory, hence getdents64() instead of opendir(), static buffers
 * for directory entries and inotify events, and poll() for every wait.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/filter.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/view.h"
#include "os/inotify_ev.h"
#include "os/sandbox.h"

#define REPAIR_MAX_FDS	   253	 /* SCM_MAX_FD */
#define REPAIR_TIMEOUT_MS  60000 /* waiting for passt, in all */
#define REPAIR_NAP_MS	   100	 /* socket path: between attempts */
#define REPAIR_BACKOFF_MIN 1	 /* directory: first back-off, ms */
#define REPAIR_BACKOFF_MAX 100	 /* ... doubling up to this */
#define REPAIR_BUF	   4096	 /* getdents64(), inotify read() */
#define REPAIR_WATCH	   (IN_CREATE | IN_MOVED_TO)

#ifndef TCP_REPAIR_OFF_NO_WP
#define TCP_REPAIR_OFF_NO_WP -1
#endif

enum repair_exit {
	REPAIR_EXIT_OK = 0,
	REPAIR_EXIT_ERR = 1,
	REPAIR_EXIT_USAGE = 2,
};

/**
 * struct repair_dir - Waiting for a socket in a directory
 * @dir:	Directory, as given
 * @ifd:	inotify descriptor watching it
 * @deadline:	CLOCK_MONOTONIC time to give up at, ms
 * @name:	Entry to connect to, empty while there is none
 */
struct repair_dir {
	const char *dir;
	int ifd;
	int64_t deadline;
	char name[NAME_MAX + 1];
};

/* Shared by getdents64() and inotify read(): one is done before the other */
static char repair_buf[REPAIR_BUF] __attribute__((aligned(8)));

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
 * now_ms() - Monotonic time
 *
 * Return: CLOCK_MONOTONIC in milliseconds
 */
static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/**
 * left_ms() - Time left until a deadline
 * @deadline:	CLOCK_MONOTONIC time, ms
 *
 * Return: milliseconds left, 0 if the deadline passed
 */
static int left_ms(int64_t deadline)
{
	int64_t left = deadline - now_ms();

	if (left <= 0)
		return 0;
	return left > INT_MAX ? INT_MAX : (int)left;
}

/**
 * nap() - Sleep, with the one waiting call of our allowlist
 * @ms:		Milliseconds
 */
static void nap(int ms)
{
	poll(NULL, 0, ms);
}

/**
 * repair_name_len() - Length of a name if it ends in ".repair"
 * @name:	Name, not necessarily terminated
 * @max:	Bytes of @name we may read
 *
 * Return: length of @name if it is terminated within @max, fits NAME_MAX
 *	   and has the suffix, else 0
 */
static size_t repair_name_len(const char *name, size_t max)
{
	static const char suffix[] = ".repair";
	const size_t slen = sizeof(suffix) - 1;
	size_t len = strnlen(name, max);

	if (len < max && len > slen && len <= NAME_MAX &&
	    !memcmp(name + len - slen, suffix, slen))
		return len;
	return 0;
}

/**
 * repair_take() - Remember a name to connect to, if it ends in ".repair"
 * @w:		Directory wait
 * @name:	Name, not necessarily terminated
 * @max:	Bytes of @name we may read
 *
 * Return: true if @name was taken
 */
static bool repair_take(struct repair_dir *w, const char *name, size_t max)
{
	size_t len = repair_name_len(name, max);

	if (!len)
		return false;
	memcpy(w->name, name, len + 1);
	return true;
}

/**
 * repair_sun() - Build the address of the socket
 * @a:		Address to fill
 * @dir:	Directory, NULL if @name is the whole path
 * @name:	Entry in @dir, or the path
 *
 * Return: 0 on success, -1 if the path doesn't fit (message printed)
 */
static int repair_sun(struct sockaddr_un *a, const char *dir, const char *name)
{
	int n;

	a->sun_family = AF_UNIX;
	if (dir)
		n = snprintf(a->sun_path, sizeof(a->sun_path), "%s/%s", dir,
			     name);
	else
		n = snprintf(a->sun_path, sizeof(a->sun_path), "%s", name);
	if (n < 0 || (size_t)n >= sizeof(a->sun_path)) {
		fprintf(stderr, "Socket path too long: %s%s%s\n",
			dir ? dir : "", dir ? "/" : "", name);
		return -1;
	}
	return 0;
}

/**
 * repair_try() - One connection attempt
 * @a:		Address
 *
 * Return: connected socket, or -errno
 */
static int repair_try(const struct sockaddr_un *a)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), err;

	if (fd < 0)
		return -errno;
	if (!connect(fd, (const struct sockaddr *)a, sizeof(*a)))
		return fd;
	err = errno;
	close(fd);
	return -err;
}

/**
 * repair_connect_path() - Connect to a socket path, retrying while refused
 * @path:	Socket
 * @deadline:	CLOCK_MONOTONIC time to give up at, ms
 *
 * Return: connected socket, -1 on failure (message printed)
 */
static int repair_connect_path(const char *path, int64_t deadline)
{
	struct sockaddr_un a;
	int s;

	if (repair_sun(&a, NULL, path))
		return -1;
	while ((s = repair_try(&a)) == -ECONNREFUSED && left_ms(deadline))
		nap(REPAIR_NAP_MS);
	if (s >= 0)
		return s;
	fprintf(stderr, "Couldn't connect to %s: %s\n", path, strerror(-s));
	return -1;
}

/**
 * repair_scan() - List the directory once, for a "*.repair" entry
 * @w:		Directory wait: @name set to the first entry found
 *
 * Reads the directory with getdents64() into a static buffer: opendir()
 * would allocate memory, which the seccomp filter doesn't allow.
 *
 * Return: true if one was found
 */
static bool repair_scan(struct repair_dir *w)
{
	const size_t noff = offsetof(struct dirent64, d_name);
	ssize_t n, off;
	int fd;

	w->name[0] = '\0';
	if ((fd = open(w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return false;
	while (!w->name[0] &&
	       (n = getdents64(fd, repair_buf, sizeof(repair_buf))) > 0) {
		for (off = 0; !w->name[0] && off < n;) {
			const struct dirent64 *de = (void *)(repair_buf + off);

			if (de->d_reclen <= noff || off + de->d_reclen > n)
				break;
			off += de->d_reclen;
			if (de->d_type != DT_DIR)
				repair_take(w, de->d_name, de->d_reclen - noff);
		}
	}
	close(fd);
	return w->name[0];
}

/**
 * repair_events() - Look through inotify events for a "*.repair" entry
 * @w:		Directory wait: @name set to the last entry found
 * @v:		What read() returned
 *
 * Return: 1 if one was found, 0 if not, -1 if the watch is gone (message
 *	   printed)
 */
static int repair_events(struct repair_dir *w, struct pview v)
{
	struct inotify_ev ev;
	size_t off = 0;
	int found = 0;

	while (inotify_ev_next(v, &off, &ev)) {
		if (ev.mask & IN_Q_OVERFLOW) {
			found |= repair_scan(w);
		} else if (ev.mask & IN_IGNORED) {
			fprintf(stderr, "%s went away\n", w->dir);
			return -1;
		} else if (!(ev.mask & IN_ISDIR) && ev.name &&
			   repair_take(w, ev.name, NAME_MAX + 1)) {
			found = 1;
		}
	}
	return found;
}

/**
 * repair_wait() - Sleep until a "*.repair" entry appears, or for a while
 * @w:		Directory wait: @name set to the entry
 * @ms:		Longest wait, ms, bounded by @w->deadline
 *
 * Return: 1 if one appeared, 0 if none did in time, -1 on failure (message
 *	   printed)
 */
static int repair_wait(struct repair_dir *w, int ms)
{
	struct pollfd pfd = {.fd = w->ifd, .events = POLLIN};
	int64_t until = now_ms() + ms;
	ssize_t n;
	int r = 0;

	if (until > w->deadline)
		until = w->deadline;
	while (!r && (ms = left_ms(until)) > 0) {
		int ready = poll(&pfd, 1, ms);

		if (ready < 0 && errno != EINTR) {
			fprintf(stderr, "poll: %s\n", strerror(errno));
			return -1;
		}
		if (ready <= 0)
			continue;
		n = read(w->ifd, repair_buf, sizeof(repair_buf));
		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "inotify: %s\n", strerror(errno));
			return -1;
		}
		if (n > 0)
			r = repair_events(w, pview_make(repair_buf, (size_t)n));
	}
	return r;
}

/**
 * repair_watch() - Start watching a directory for new entries
 * @w:		Directory wait: @ifd set
 *
 * Return: 0 on success, -1 on failure (message printed)
 */
static int repair_watch(struct repair_dir *w)
{
	w->ifd = inotify_init1(IN_CLOEXEC);
	if (w->ifd < 0) {
		fprintf(stderr, "inotify_init1: %s\n", strerror(errno));
		return -1;
	}
	if (inotify_add_watch(w->ifd, w->dir, REPAIR_WATCH) < 0) {
		fprintf(stderr, "Can't watch %s: %s\n", w->dir,
			strerror(errno));
		close(w->ifd);
		return -1;
	}
	return 0;
}

/**
 * repair_dir_step() - Connect to the entry found, or wait for one
 * @w:		Directory wait
 * @backoff:	Back-off after a refused attempt, ms, doubled here
 *
 * Return: connected socket, -EAGAIN to be called again, -1 on failure
 *	   (message printed)
 */
static int repair_dir_step(struct repair_dir *w, int *backoff)
{
	struct sockaddr_un a;
	int s, r;

	if (!w->name[0]) {
		if ((r = repair_wait(w, left_ms(w->deadline))) > 0)
			return -EAGAIN;
		if (!r)
			fprintf(stderr, "No *.repair socket appeared in %s\n",
				w->dir);
		return -1;
	}
	if (repair_sun(&a, w->dir, w->name))
		return -1;
	if ((s = repair_try(&a)) >= 0)
		return s;
	if (s == -ENOENT && !repair_scan(w))
		return -EAGAIN; /* gone: wait for the next one */
	if ((s != -ENOENT && s != -ECONNREFUSED) || !left_ms(w->deadline)) {
		fprintf(stderr, "Couldn't connect to %s: %s\n", a.sun_path,
			strerror(-s));
		return -1;
	}
	if (repair_wait(w, *backoff) < 0)
		return -1;
	*backoff *= 2;
	if (*backoff > REPAIR_BACKOFF_MAX)
		*backoff = REPAIR_BACKOFF_MAX;
	return -EAGAIN;
}

/**
 * repair_connect_dir() - Wait for a "*.repair" socket in a directory
 * @dir:	Directory
 * @deadline:	CLOCK_MONOTONIC time to give up at, ms
 *
 * Return: connected socket, -1 on failure (message printed)
 */
static int repair_connect_dir(const char *dir, int64_t deadline)
{
	struct repair_dir w = {.dir = dir, .deadline = deadline};
	int backoff = REPAIR_BACKOFF_MIN, s;

	/* Watch first, list then: an entry made in between is in either */
	if (repair_watch(&w))
		return -1;
	repair_scan(&w);
	while ((s = repair_dir_step(&w, &backoff)) == -EAGAIN)
		;
	close(w.ifd);
	return s < 0 ? -1 : s;
}

/**
 * repair_connect() - Connect to the repair socket, waiting for it if needed
 * @path:	Socket, or directory where it will appear
 *
 * Return: connected socket, -1 on failure (message printed)
 */
static int repair_connect(const char *path)
{
	int64_t deadline = now_ms() + REPAIR_TIMEOUT_MS;
	struct stat st;

	if (!stat(path, &st) && S_ISDIR(st.st_mode))
		return repair_connect_dir(path, deadline);
	return repair_connect_path(path, deadline);
}

/**
 * repair_freeze() - Have a socket in repair mode drop what its peer sends
 * @s:		TCP socket, repair mode just switched on
 *
 * A socket in repair mode still takes and acknowledges data: what comes
 * while passt reads its state would be acknowledged, then lost. A socket
 * filter that drops every segment stops that; some kernels let only
 * CAP_NET_ADMIN attach one, which passt doesn't have and we do. Best
 * effort: passt's own dump copes without it.
 */
static void repair_freeze(int s)
{
	static struct sock_filter drop[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
	const struct sock_fprog prog = { 1, drop };

	setsockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

/**
 * repair_thaw() - Take the filter of repair_freeze() off, if there is one
 * @s:		TCP socket, repair mode about to be switched off
 */
static void repair_thaw(int s)
{
	int zero = 0;

	setsockopt(s, SOL_SOCKET, SO_DETACH_FILTER, &zero, sizeof(zero));
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
		if (ret > 0 && cmd != TCP_REPAIR_ON)
			repair_thaw(fds[i]);
		if (ret > 0 &&
		    setsockopt(fds[i], SOL_TCP, TCP_REPAIR, &v, sizeof(v))) {
			fprintf(stderr, "Setting TCP_REPAIR to %d: %s\n", v,
				strerror(errno));
			ret = -1;
		}
		if (ret > 0 && cmd == TCP_REPAIR_ON)
			repair_freeze(fds[i]);
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
	if (sandbox_drop_caps(false, false, true, true) ||
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
