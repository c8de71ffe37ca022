// SPDX-License-Identifier: GPL-2.0-or-later
/* guest_bridge.c - passt's stream socket <-> a tap device: a kernel guest
 *
 * Theory of operation: the integration tests need a "guest" made of a real
 * Linux network stack.  This program connects to passt's UNIX stream socket
 * (compat.md 4.1: every frame is a 4-byte big-endian length and a raw
 * Ethernet frame, both ways), creates a tap device (IFF_TAP | IFF_NO_PI, no
 * virtio-net header) in the network namespace it runs in, sets its MTU,
 * brings it up, and then moves frames between the two with poll().  The
 * kernel of that namespace is then the guest: DHCP clients, SLAAC, ping,
 * TCP and UDP all run there unmodified.
 *
 * Socket to tap: a large buffer is filled with as many bytes as one recv()
 * gives, then every complete frame in it is written to the tap; a partial
 * frame stays at the start of the buffer for the next read.  Tap to socket:
 * up to BURST frames are read straight behind a 4-byte length slot into the
 * output buffer, then sent with one send(); the tap is not read while the
 * buffer cannot take another maximum-size frame (back-pressure).
 *
 * A length below ETH_HLEN or above MAX_FRAME from passt is a protocol
 * violation: it is reported and the bridge exits with status 2.  End of
 * file on the socket ends the bridge with status 0.  Counters go to stderr
 * at exit.  An alarm (--max-secs, default 1200) bounds the lifetime.
 *
 * Usage: guest_bridge SOCKET IFNAME [--mtu N] [--max-secs S]
 * Prints "ready" on stdout once the tap is up and the socket connected.
 */

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

enum {
	LEN_SIZE = 4,	     /* length prefix, compat.md 4.1 */
	ETH_HDR = 14,	     /* smallest acceptable frame */
	MAX_FRAME = 65535,   /* largest frame the length may announce */
	BUF_SIZE = 8 << 20,  /* each direction */
	BURST = 64,	     /* tap reads per poll round */
	SOCK_BUF = 4 << 20,  /* SO_SNDBUF / SO_RCVBUF request */
	TAP_QLEN = 10000,    /* tx queue of the tap, in frames */
	CONNECT_TRIES = 200, /* 50 ms apart: 10 s */
};

static volatile sig_atomic_t stop;

struct bridge {
	int sock, tap;
	uint8_t *in; /* socket -> tap */
	size_t in_len;
	uint8_t *out; /* tap -> socket */
	size_t out_off, out_len;
	unsigned long long frames_in, frames_out, short_in, tap_drops;
};

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int connect_unix(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	struct timespec pause = {0, 50L * 1000 * 1000};
	int s, i, v = SOCK_BUF;

	if (strlen(path) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	memcpy(a.sun_path, path, strlen(path) + 1);
	for (i = 0; i < CONNECT_TRIES && !stop; i++) {
		s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			return -errno;
		if (!connect(s, (struct sockaddr *)&a, sizeof(a))) {
			setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
			setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
			return s;
		}
		close(s);
		nanosleep(&pause, NULL);
	}
	return -ETIMEDOUT;
}

static int open_tap(const char *name, int mtu)
{
	struct ifreq ifr = {0};
	int fd, s, rc = 0;

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		goto fail;
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		goto fail;
	ifr.ifr_mtu = mtu;
	if (ioctl(s, SIOCSIFMTU, &ifr) < 0)
		rc = -errno;
	/* a deep queue towards the bridge rides out scheduling delays */
	ifr.ifr_qlen = TAP_QLEN;
	if (!rc && ioctl(s, SIOCSIFTXQLEN, &ifr) < 0)
		rc = -errno;
	ifr.ifr_flags = IFF_UP;
	if (!rc && ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		rc = -errno;
	close(s);
	if (!rc)
		return fd;
	close(fd);
	return rc;
fail:
	rc = -errno;
	close(fd);
	return rc;
}

static uint32_t get_len(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put_len(uint8_t *p, uint32_t n)
{
	p[0] = n >> 24;
	p[1] = n >> 16;
	p[2] = n >> 8;
	p[3] = n;
}

/* Write the complete frames in b->in to the tap; keep the partial tail */
static int flush_in(struct bridge *b)
{
	size_t off = 0;

	while (b->in_len - off >= LEN_SIZE) {
		uint32_t n = get_len(b->in + off);

		if (n < ETH_HDR || n > MAX_FRAME) {
			fprintf(stderr,
				"guest_bridge: bad frame length %u "
				"from passt after %llu frames\n",
				n, b->frames_in);
			return -EPROTO;
		}
		if (b->in_len - off < LEN_SIZE + n)
			break;
		if (n < 60)
			b->short_in++;
		/* a full tap queue drops, like a NIC would */
		if (write(b->tap, b->in + off + LEN_SIZE, n) < 0)
			b->tap_drops++;
		b->frames_in++;
		off += LEN_SIZE + n;
	}
	memmove(b->in, b->in + off, b->in_len - off);
	b->in_len -= off;
	return 0;
}

/* One socket read; 1 on end of file, negative on error */
static int sock_to_tap(struct bridge *b)
{
	ssize_t n = recv(b->sock, b->in + b->in_len, BUF_SIZE - b->in_len,
			 MSG_DONTWAIT);

	if (n == 0)
		return 1;
	if (n < 0)
		return (errno == EAGAIN || errno == EINTR) ? 0 : -errno;
	b->in_len += n;
	return flush_in(b);
}

static int send_out(struct bridge *b)
{
	ssize_t n;

	while (b->out_len > b->out_off) {
		n = send(b->sock, b->out + b->out_off, b->out_len - b->out_off,
			 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0)
			return (errno == EAGAIN || errno == EINTR) ? 0 : -errno;
		b->out_off += n;
	}
	b->out_off = b->out_len = 0;
	return 0;
}

static bool out_room(const struct bridge *b)
{
	return BUF_SIZE - b->out_len >= LEN_SIZE + MAX_FRAME;
}

static int tap_to_sock(struct bridge *b)
{
	ssize_t n;
	int i;

	if (b->out_off && b->out_off == b->out_len)
		b->out_off = b->out_len = 0;
	for (i = 0; i < BURST && out_room(b); i++) {
		n = read(b->tap, b->out + b->out_len + LEN_SIZE, MAX_FRAME);
		if (n < 0)
			break;
		put_len(b->out + b->out_len, n);
		b->out_len += LEN_SIZE + n;
		b->frames_out++;
	}
	return send_out(b);
}

static int loop(struct bridge *b)
{
	struct pollfd p[2];
	int rc = 0;

	while (!stop && !rc) {
		p[0] = (struct pollfd){.fd = b->sock, .events = POLLIN};
		p[1] = (struct pollfd){.fd = b->tap};
		if (b->out_len > b->out_off)
			p[0].events |= POLLOUT;
		if (out_room(b))
			p[1].events |= POLLIN;
		if (poll(p, 2, 1000) < 0) {
			rc = errno == EINTR ? 0 : -errno;
			continue;
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
			rc = sock_to_tap(b);
		if (!rc && (p[0].revents & POLLOUT))
			rc = send_out(b);
		if (!rc && (p[1].revents & POLLIN))
			rc = tap_to_sock(b);
	}
	return rc;
}

static int usage(void)
{
	fprintf(stderr, "usage: guest_bridge SOCKET IFNAME [--mtu N] "
			"[--max-secs S]\n");
	return 1;
}

int main(int argc, char **argv)
{
	static struct bridge b;
	int mtu = 65520, secs = 1200, i, rc;

	if (argc < 3)
		return usage();
	for (i = 3; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--mtu"))
			mtu = (int)strtol(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--max-secs"))
			secs = (int)strtol(argv[i + 1], NULL, 10);
		else
			return usage();
	}
	if (i != argc || mtu < 68 || mtu > MAX_FRAME - ETH_HDR || secs < 1)
		return usage();
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGALRM, on_signal);
	alarm(secs);

	b.in = malloc(BUF_SIZE);
	b.out = malloc(BUF_SIZE);
	if (!b.in || !b.out)
		return 1;
	b.tap = open_tap(argv[2], mtu);
	if (b.tap < 0) {
		fprintf(stderr, "guest_bridge: tap %s: %s\n", argv[2],
			strerror(-b.tap));
		return 1;
	}
	b.sock = connect_unix(argv[1]);
	if (b.sock < 0) {
		fprintf(stderr, "guest_bridge: connect %s: %s\n", argv[1],
			strerror(-b.sock));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);

	rc = loop(&b);
	fprintf(stderr,
		"guest_bridge: %s; frames in %llu (short %llu, "
		"tap drops %llu) out %llu\n",
		rc > 0	 ? "end of file"
		: rc < 0 ? strerror(-rc)
			 : "stopped",
		b.frames_in, b.short_in, b.tap_drops, b.frames_out);
	return rc < 0 ? 2 : 0;
}
