// SPDX-License-Identifier: GPL-2.0-or-later
/* rr.c - request/response latency client and echo server for bench/run */

/*
 * Theory of operation: netperf's TCP_RR and UDP_RR, reduced to what the
 * bench needs.  `rr server PORT SECONDS` binds PORT on every IPv4 address
 * for TCP and UDP and echoes whatever arrives, back to its sender, until
 * SIGTERM or SECONDS pass.  `rr tcp|udp ADDR PORT COUNT SECONDS SIZE` sends
 * a SIZE-byte request, waits for the whole SIZE-byte answer, and repeats,
 * on one connection (TCP_NODELAY on both ends) or one connected UDP socket,
 * until COUNT round trips were timed or SECONDS passed.  The first
 * RR_WARMUP round trips are not timed.  A UDP request unanswered within
 * RR_UDP_WAIT_MS counts as lost and the next one goes out; answers carry
 * the request's sequence number, so a late answer is never timed as the
 * answer of a later request.  The client prints one JSON line: count, lost,
 * mean, min, p50, p99 and max microseconds per round trip.
 *
 * Written in C to keep an interpreter out of the timed path: the round
 * trips measured are 30-100 us, and every microsecond the client adds
 * shrinks the ratios the bench reports.  bench/run builds it with the
 * system compiler; it is not part of pasta.
 */

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
	RR_MAX_COUNT = 1000000, /* timed round trips kept */
	RR_MAX_SIZE = 1024,	/* request and answer bytes */
	RR_MIN_SIZE = 4,	/* room for the sequence number */
	RR_WARMUP = 200,	/* untimed round trips first */
	RR_UDP_WAIT_MS = 500,	/* a UDP answer later than this is lost */
	RR_MAX_LOST = 100,	/* give up after this many losses */
	RR_IO_TIMEOUT_S = 2,	/* any TCP send or receive */
	RR_MAX_CONNS = 16,	/* server: TCP connections at once */
	RR_BACKLOG = 16,
};

static uint32_t rtt_ns[RR_MAX_COUNT];
static volatile sig_atomic_t rr_stop;

static void rr_on_signal(int sig)
{
	(void)sig;
	rr_stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int set_timeouts(int fd)
{
	struct timeval tv = {.tv_sec = RR_IO_TIMEOUT_S};

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		return -errno;
	return 0;
}

static int nodelay(int fd)
{
	int one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)))
		return -errno;
	return 0;
}

/* Server ------------------------------------------------------------------ */

static int server_socket(int type, uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_ANY)};
	int one = 1;
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    (type == SOCK_STREAM && listen(fd, RR_BACKLOG))) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

static void server_udp(int fd)
{
	char buf[RR_MAX_SIZE];
	struct sockaddr_storage from;
	socklen_t len = sizeof(from);
	ssize_t n;

	n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
		     (struct sockaddr *)&from, &len);
	if (n >= 0)
		sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, len);
}

/* Echo what one TCP connection sent; false once it is closed or broken */
static bool server_tcp(int fd)
{
	char buf[RR_MAX_SIZE];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	return n > 0 && send(fd, buf, (size_t)n, MSG_NOSIGNAL) == n;
}

static void server_accept(struct pollfd *p, nfds_t *n)
{
	int fd = accept4(p[0].fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (*n >= RR_MAX_CONNS + 2 || nodelay(fd) || set_timeouts(fd)) {
		close(fd);
		return;
	}
	p[*n].fd = fd;
	p[*n].events = POLLIN;
	(*n)++;
}

static int server(uint16_t port, double secs)
{
	struct pollfd p[RR_MAX_CONNS + 2] = {{0}};
	uint64_t end = now_ns() + (uint64_t)(secs * 1e9);
	nfds_t n = 2, i;

	p[0].fd = server_socket(SOCK_STREAM, port);
	p[1].fd = server_socket(SOCK_DGRAM, port);
	if (p[0].fd < 0 || p[1].fd < 0) {
		fprintf(stderr, "rr: cannot bind port %u\n", port);
		return 1;
	}
	p[0].events = p[1].events = POLLIN;
	while (!rr_stop && now_ns() < end) {
		if (poll(p, n, 100) <= 0)
			continue;
		if (p[1].revents)
			server_udp(p[1].fd);
		for (i = 2; i < n; i++) {
			if (!p[i].revents || server_tcp(p[i].fd))
				continue;
			close(p[i].fd);
			p[i--] = p[--n];
		}
		if (p[0].revents)
			server_accept(p, &n);
	}
	return 0;
}

/* Client ------------------------------------------------------------------ */

struct rr_run {
	int fd;
	int udp;
	size_t size;
	unsigned long count; /* timed round trips wanted */
	uint64_t end;	     /* deadline, CLOCK_MONOTONIC ns */
	unsigned long done;  /* timed round trips stored in rtt_ns */
	unsigned long lost;  /* UDP requests never answered in time */
	const char *error;
};

/* Receive exactly @len bytes on the TCP connection; 0 or -errno. */
static int recv_all(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, buf + got, len - got, 0);

		if (n == 0)
			return -ECONNRESET;
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			got += (size_t)n;
	}
	return 0;
}

static int rr_tcp_once(struct rr_run *r, char *req, char *ans)
{
	if (send(r->fd, req, r->size, MSG_NOSIGNAL) != (ssize_t)r->size)
		return -errno;
	return recv_all(r->fd, ans, r->size);
}

/* One UDP round trip: 0, -ETIMEDOUT if unanswered, or another -errno. */
static int rr_udp_once(struct rr_run *r, char *req, char *ans)
{
	uint64_t give_up = now_ns() + RR_UDP_WAIT_MS * 1000000ULL;
	struct pollfd p = {.fd = r->fd, .events = POLLIN};
	ssize_t n;

	if (send(r->fd, req, r->size, 0) != (ssize_t)r->size)
		return -errno;
	for (;;) {
		uint64_t t = now_ns();

		if (t >= give_up)
			return -ETIMEDOUT;
		if (poll(&p, 1, (int)((give_up - t) / 1000000) + 1) <= 0)
			continue;
		n = recv(r->fd, ans, r->size, MSG_DONTWAIT);
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		/* a late answer to an earlier request is dropped */
		if (n == (ssize_t)r->size && !memcmp(ans, req, RR_MIN_SIZE))
			return 0;
	}
}

static void rr_loop(struct rr_run *r)
{
	char req[RR_MAX_SIZE] = {0}, ans[RR_MAX_SIZE];
	uint32_t seq;

	for (seq = 0; r->done < r->count && now_ns() < r->end; seq++) {
		uint64_t t0;
		int ret;

		memcpy(req, &seq, sizeof(seq));
		t0 = now_ns();
		ret = r->udp ? rr_udp_once(r, req, ans)
			     : rr_tcp_once(r, req, ans);
		if (ret == -ETIMEDOUT && r->udp && ++r->lost < RR_MAX_LOST)
			continue;
		if (ret) {
			r->error = ret == -ETIMEDOUT ? "too many lost"
						     : strerror(-ret);
			return;
		}
		if (seq >= RR_WARMUP)
			rtt_ns[r->done++] = (uint32_t)(now_ns() - t0);
	}
}

static int rr_connect(struct rr_run *r, const char *addr, const char *port)
{
	struct addrinfo hints = {.ai_family = AF_INET,
				 .ai_socktype =
					 r->udp ? SOCK_DGRAM : SOCK_STREAM};
	struct addrinfo *ai;
	int ret;

	ret = getaddrinfo(addr, port, &hints, &ai);
	if (ret)
		return -EINVAL;
	r->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
	if (r->fd < 0 || set_timeouts(r->fd) || (!r->udp && nodelay(r->fd)) ||
	    connect(r->fd, ai->ai_addr, ai->ai_addrlen))
		ret = -errno;
	freeaddrinfo(ai);
	return ret;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static double us_at(const struct rr_run *r, double q)
{
	return rtt_ns[(size_t)(q * (double)(r->done - 1))] / 1000.0;
}

static void rr_report(const struct rr_run *r)
{
	double sum = 0;
	unsigned long i;

	printf("{\"proto\": \"%s\", \"size\": %zu, \"count\": %lu, "
	       "\"lost\": %lu, \"error\": ",
	       r->udp ? "udp" : "tcp", r->size, r->done, r->lost);
	if (r->error)
		printf("\"%s\"", r->error);
	else
		printf("null");
	if (!r->done) {
		printf("}\n");
		return;
	}
	qsort(rtt_ns, r->done, sizeof(rtt_ns[0]), cmp_u32);
	for (i = 0; i < r->done; i++)
		sum += rtt_ns[i];
	printf(", \"mean_us\": %.2f, \"min_us\": %.2f, \"p50_us\": %.2f, "
	       "\"p99_us\": %.2f, \"max_us\": %.2f}\n",
	       sum / (double)r->done / 1000.0, us_at(r, 0), us_at(r, 0.5),
	       us_at(r, 0.99), us_at(r, 1));
}

static int client(char **argv)
{
	struct rr_run r = {.udp = !strcmp(argv[0], "udp")};
	int ret;

	r.count = strtoul(argv[3], NULL, 10);
	r.size = strtoul(argv[5], NULL, 10);
	r.end = now_ns() + (uint64_t)(strtod(argv[4], NULL) * 1e9);
	if (r.count > RR_MAX_COUNT)
		r.count = RR_MAX_COUNT;
	if (r.size < RR_MIN_SIZE || r.size > RR_MAX_SIZE) {
		fprintf(stderr, "rr: SIZE must be %d to %d\n", RR_MIN_SIZE,
			RR_MAX_SIZE);
		return 2;
	}
	ret = rr_connect(&r, argv[1], argv[2]);
	if (ret)
		r.error = strerror(-ret);
	else
		rr_loop(&r);
	if (!r.done && !r.error)
		r.error = "no round trip timed";
	rr_report(&r);
	return r.error ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = rr_on_signal};

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (argc == 4 && !strcmp(argv[1], "server"))
		return server((uint16_t)strtoul(argv[2], NULL, 10),
			      strtod(argv[3], NULL));
	if (argc == 7 && (!strcmp(argv[1], "tcp") || !strcmp(argv[1], "udp")))
		return client(argv + 1);
	fprintf(stderr, "usage: rr server PORT SECONDS\n"
			"       rr tcp|udp ADDR PORT COUNT SECONDS SIZE\n");
	return 2;
}
