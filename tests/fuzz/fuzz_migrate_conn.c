// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_migrate_conn.c - libFuzzer harness of the target's TCP stages of the
 * migration stream (link/migrate_conn.c): any bytes after the count, read
 * through a pipe into a real TCP engine, records checked, flows and sockets
 * created, queues streamed.
 *
 * The input: a u32 (big-endian) count, then the records as the source
 * would write them. passt-repair is a socket whose other end holds enough
 * echoes of "repair on" queued in advance: the sockets it is handed are
 * never put in repair mode, so every rebuild stops at its first repair
 * option (EPERM) and nothing is ever bound or connected: no packet leaves.
 * Whatever the bytes, the target must end with no flow left and no
 * descriptor open behind it, and fail only with the errors it documents.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "link/migrate_conn.h"
#include "transport/tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX 32768		/* fits in the pipe: no writer thread */
#define FUZZ_ECHOES 64		/* "repair on" batches answered, at most */

static struct flow_table flows;
static struct tcp_ctx tcp;
static struct l2_conf l2;
static struct l2_state l2s;
static struct nat nat;

/**
 * fuzz_reserve() - Sink without room: frames to the guest are dropped
 * @s:		Sink
 * @n:		Buffers wanted
 * @bufs:	Unused
 * @cap:	Unused
 *
 * Return: 0
 */
static unsigned int fuzz_reserve(struct frame_sink *s, unsigned int n,
				 uint8_t **bufs, size_t *cap)
{
	(void)s;
	(void)n;
	(void)bufs;
	(void)cap;
	return 0;
}

/**
 * fuzz_commit() - Never called: nothing is reserved
 * @s:		Sink
 * @buf:	Buffer
 * @len:	Length
 * @o:		Offload
 */
static void fuzz_commit(struct frame_sink *s, uint8_t *buf, size_t len,
			const struct frame_offload *o)
{
	(void)s;
	(void)buf;
	(void)len;
	(void)o;
	abort();
}

/**
 * fuzz_flush() - Nothing to flush
 * @s:		Sink
 *
 * Return: 0
 */
static int fuzz_flush(struct frame_sink *s)
{
	(void)s;
	return 0;
}

static struct frame_sink sink = { fuzz_reserve, fuzz_commit, fuzz_flush,
				  false, false, NULL };

/**
 * fuzz_init() - The engine, once
 */
static void fuzz_init(void)
{
	static const uint8_t key[16] = { 1 };
	static bool done;
	int epfd;

	if (done)
		return;
	done = true;
	log_to_stderr(false);
	signal(SIGPIPE, SIG_IGN);
	flow_init(&flows, key);
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    tcp_init(&tcp, &flows, &sink, &l2, &l2s, epfd, 65520, &nat))
		abort();
}

/**
 * LLVMFuzzerTestOneInput() - Read the TCP stages of one stream as the target
 * @data:	Count and records
 * @size:	Their length
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t echoes[FUZZ_ECHOES];
	int fd[2], sv[2], ret, probe, lowest;
	struct repair r;
	uint32_t count;

	if (size < 4 || size > FUZZ_MAX)
		return 0;
	fuzz_init();
	count = (uint32_t)data[0] << 24 | data[1] << 16 | data[2] << 8 | data[3];
	if (pipe(fd) || fcntl(fd[1], F_SETPIPE_SZ, 65536) < 0 ||
	    write(fd[1], data + 4, size - 4) != (ssize_t)(size - 4))
		abort();
	close(fd[1]);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		abort();
	memset(echoes, REPAIR_ON, sizeof(echoes));
	if (write(sv[1], echoes, sizeof(echoes)) != sizeof(echoes))
		abort();
	repair_init(&r, tcp.epfd);
	r.fd = sv[0];

	ret = migrate_conn_recv(fd[0], &tcp, &r, count);
	flow_batch_end(&flows);

	if (ret && ret != -EINVAL && ret != -EPIPE && ret != -E2BIG &&
	    ret != -EPROTO && ret != -ECONNRESET)
		abort();
	if (flow_count(&flows) || tcp.nconn)
		abort();
	close(fd[0]);
	if (r.fd >= 0)
		close(r.fd);
	close(sv[1]);
	/* nothing opened behind us: the lowest free descriptor is ours */
	lowest = MIN(MIN(fd[0], fd[1]), MIN(sv[0], sv[1]));
	probe = dup(0);
	if (probe != lowest)
		abort();
	close(probe);
	return 0;
}
