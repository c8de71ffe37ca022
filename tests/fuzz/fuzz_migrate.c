// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_migrate.c - libFuzzer harness of the migration state stream reader:
 * any bytes through a pipe, as qemu hands them to the target passt. A
 * stream is accepted only if it is one we can read (header, addresses, no
 * connections), what we knew of the guest changes only then, and no
 * descriptor is left open behind it. The same bytes are also read as one
 * TCP connection record (112 bytes) and one socket record (52 bytes): one
 * that is accepted holds only what a target may act on, and writes back
 * to exactly the bytes it was read from.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "link/migrate.h"
#include "transport/migrate_tcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The whole stream fits in a pipe's buffer: no writer thread needed */
#define FUZZ_MIGRATE_MAX 32768

/**
 * fuzz_accepted() - Should a stream be accepted? (independent model)
 * @d:		Bytes
 * @n:		Their number
 *
 * Return: true if the header is readable as version 2 and the count is 0
 */
static bool fuzz_accepted(const uint8_t *d, size_t n)
{
	static const uint8_t magic[8] = { 0xb1, 0xbb, 0x1d, 0x1b,
					  0x0b, 0xb1, 0xd1, 0xb0 };
	uint32_t ver, compat, count;

	if (n < 62 || memcmp(d, magic, 8))
		return false;
	ver = (uint32_t)d[8] << 24 | d[9] << 16 | d[10] << 8 | d[11];
	compat = (uint32_t)d[12] << 24 | d[13] << 16 | d[14] << 8 | d[15];
	count = (uint32_t)d[58] << 24 | d[59] << 16 | d[60] << 8 | d[61];
	return ver >= 2 && compat && compat <= 2 && !count;
}

/**
 * fuzz_records() - Read the bytes as a connection record and a socket record
 * @d:		Bytes
 * @n:		Their number
 */
static void fuzz_records(const uint8_t *d, size_t n)
{
	struct tcp_repair_state st;
	uint8_t out[MIGRATE_TCP_LEN];
	struct migrate_tcp t;
	struct pbuf b;

	if (!migrate_tcp_get(pview_make(d, n), &t)) {
		if (n < MIGRATE_TCP_LEN || t.pif[0] == t.pif[1] ||
		    (t.pif[0] != MIGRATE_PIF_TAP &&
		     t.pif[0] != MIGRATE_PIF_HOST) ||
		    (t.pif[1] != MIGRATE_PIF_TAP &&
		     t.pif[1] != MIGRATE_PIF_HOST) ||
		    t.ws_from_tap > MIGRATE_WS_MAX ||
		    t.ws_to_tap > MIGRATE_WS_MAX)
			abort();
		pbuf_init(&b, out, sizeof(out));
		if (!migrate_tcp_put(&b, &t) || memcmp(out, d, sizeof(out)))
			abort();
	}
	if (!migrate_tcp_ext_get(pview_make(d, n), &st)) {
		/* a skipped one (state 0) has no queues: any sizes */
		if (n < MIGRATE_TCP_EXT_LEN ||
		    (st.state && (st.sndq > MIGRATE_QUEUE_MAX ||
				  st.rcvq > MIGRATE_QUEUE_MAX ||
				  st.notsent > st.sndq ||
				  st.snd_ws > MIGRATE_WS_MAX ||
				  st.rcv_ws > MIGRATE_WS_MAX)))
			abort();
		pbuf_init(&b, out, sizeof(out));
		if (!migrate_tcp_ext_put(&b, &st) ||
		    memcmp(out, d, MIGRATE_TCP_EXT_LEN))
			abort();
	}
}

/**
 * LLVMFuzzerTestOneInput() - Read one stream as the target
 * @data:	Stream
 * @size:	Its length
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct l2_state s, before;
	const struct migrate_ctx m = { NULL, &s, NULL, NULL };
	int fd[2], ret, probe;

	if (size > FUZZ_MIGRATE_MAX)
		return 0;
	log_to_stderr(false);
	signal(SIGPIPE, SIG_IGN);
	fuzz_records(data, size);
	if (pipe(fd))
		abort();
	if (fcntl(fd[1], F_SETPIPE_SZ, 65536) < 0 ||
	    write(fd[1], data, size) != (ssize_t)size)
		abort();
	close(fd[1]);

	memset(&s, 0x5a, sizeof(s));
	before = s;
	ret = migrate_target(fd[0], &m);
	close(fd[0]);

	if (fuzz_accepted(data, size) != !ret)
		abort();
	if (ret && ret != -EINVAL && ret != -ENOTSUP && ret != -EPIPE)
		abort();
	if (ret && memcmp(&s, &before, sizeof(s)))
		abort();
	/* nothing opened behind us: the lowest free descriptor is ours */
	probe = dup(0);
	if (probe != fd[0])
		abort();
	close(probe);
	return 0;
}
