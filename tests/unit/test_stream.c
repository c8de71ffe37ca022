// SPDX-License-Identifier: GPL-2.0-or-later
/* test_stream.c - qemu stream link: frame reassembly, padding, the sink */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "link/stream.h"

#define MAX_FRAMES   256
#define ETH_TYPE_EXP 0x88b5 /* IEEE 802 local experimental: no responder */

static uint8_t rxbuf[STREAM_RX_BUF];

/**
 * struct got - Frames taken out of a reassembly, copied
 * @n:		Number of frames
 * @len:	Length of each
 * @data:	All of them, back to back
 * @used:	Bytes used in @data
 */
struct got {
	size_t n;
	size_t len[MAX_FRAMES];
	uint8_t data[4 * STREAM_MSG_MAX];
	size_t used;
};

static struct got got;

/**
 * put_frame() - Append a length-prefixed frame with recognisable content
 * @buf:	Stream being built
 * @off:	Offset to write at
 * @len:	Frame length
 * @seed:	Content seed
 *
 * Return: offset after the message
 */
static size_t put_frame(uint8_t *buf, size_t off, size_t len, uint8_t seed)
{
	size_t i;

	buf[off] = (uint8_t)(len >> 24);
	buf[off + 1] = (uint8_t)(len >> 16);
	buf[off + 2] = (uint8_t)(len >> 8);
	buf[off + 3] = (uint8_t)len;
	for (i = 0; i < len; i++)
		buf[off + 4 + i] = (uint8_t)(seed + i * 7);
	if (len >= 14) {
		buf[off + 4 + 12] = ETH_TYPE_EXP >> 8;
		buf[off + 4 + 13] = ETH_TYPE_EXP & 0xff;
	}
	return off + 4 + len;
}

/**
 * feed() - Give bytes to a reassembly and take every complete frame out
 * @rx:		Reassembly
 * @p:		Bytes
 * @n:		How many
 *
 * Return: last result of stream_rx_next(): 0, or -EBADMSG
 */
static int feed(struct stream_rx *rx, const uint8_t *p, size_t n)
{
	struct pview f;
	size_t room;
	uint8_t *dst = stream_rx_space(rx, &room);
	int ret;

	assert_true(room >= n);
	memcpy(dst, p, n);
	stream_rx_fill(rx, n);
	while ((ret = stream_rx_next(rx, &f)) > 0) {
		assert_true(got.n < MAX_FRAMES);
		assert_true(got.used + f.len <= sizeof(got.data));
		memcpy(got.data + got.used, f.p, f.len);
		got.len[got.n++] = f.len;
		got.used += f.len;
	}
	return ret;
}

/**
 * check_got() - The frames taken out are exactly those of a stream
 * @stream:	Length-prefixed frames
 * @len:	Length of @stream
 */
static void check_got(const uint8_t *stream, size_t len)
{
	size_t off = 0, i, used = 0;

	for (i = 0; off < len; i++) {
		size_t flen = (size_t)stream[off] << 24 |
			      (size_t)stream[off + 1] << 16 |
			      (size_t)stream[off + 2] << 8 | stream[off + 3];

		assert_true(i < got.n);
		assert_int_equal(got.len[i], flen);
		assert_memory_equal(got.data + used, stream + off + 4, flen);
		used += flen;
		off += 4 + flen;
	}
	assert_int_equal(got.n, i);
}

static void test_rx_one_frame_exactly(void **state)
{
	static uint8_t s[128];
	struct stream_rx rx;
	struct pview f;
	size_t len = put_frame(s, 0, 60, 1);

	(void)state;
	memset(&got, 0, sizeof(got));
	stream_rx_init(&rx, rxbuf, sizeof(rxbuf));
	assert_int_equal(feed(&rx, s, len), 0);
	check_got(s, len);
	assert_int_equal(stream_rx_next(&rx, &f), 0);
}

/* A stream of several frames split in two at every byte position */
static void test_rx_split_at_every_byte(void **state)
{
	static uint8_t s[4096];
	struct stream_rx rx;
	size_t len = 0, k;

	(void)state;
	len = put_frame(s, len, 14, 3);
	len = put_frame(s, len, 60, 5);
	len = put_frame(s, len, 1514, 9);
	len = put_frame(s, len, 15, 11);

	for (k = 0; k <= len; k++) {
		memset(&got, 0, sizeof(got));
		stream_rx_init(&rx, rxbuf, sizeof(rxbuf));
		assert_int_equal(feed(&rx, s, k), 0);
		assert_int_equal(feed(&rx, s + k, len - k), 0);
		check_got(s, len);
		assert_int_equal(rx.start, rx.len);
	}
}

/* The same stream one byte per read, and in three pieces */
static void test_rx_byte_by_byte_and_three_pieces(void **state)
{
	static uint8_t s[4096];
	struct stream_rx rx;
	size_t len = 0, i, j;

	(void)state;
	len = put_frame(s, len, 42, 3);
	len = put_frame(s, len, 100, 4);
	len = put_frame(s, len, 14, 5);

	memset(&got, 0, sizeof(got));
	stream_rx_init(&rx, rxbuf, sizeof(rxbuf));
	for (i = 0; i < len; i++)
		assert_int_equal(feed(&rx, s + i, 1), 0);
	check_got(s, len);

	for (i = 0; i <= len; i += 3) {
		for (j = i; j <= len; j += 5) {
			memset(&got, 0, sizeof(got));
			stream_rx_init(&rx, rxbuf, sizeof(rxbuf));
			assert_int_equal(feed(&rx, s, i), 0);
			assert_int_equal(feed(&rx, s + i, j - i), 0);
			assert_int_equal(feed(&rx, s + j, len - j), 0);
			check_got(s, len);
		}
	}
}

static void test_rx_many_frames_in_one_read(void **state)
{
	static uint8_t s[200 * 70];
	struct stream_rx rx;
	size_t len = 0, i;

	(void)state;
	for (i = 0; i < 200; i++)
		len = put_frame(s, len, 14 + i % 50, (uint8_t)i);
	memset(&got, 0, sizeof(got));
	stream_rx_init(&rx, rxbuf, sizeof(rxbuf));
	assert_int_equal(feed(&rx, s, len), 0);
	assert_int_equal(got.n, 200);
	check_got(s, len);
}

/* Largest frame, split across reads, with room left after compaction */
static void test_rx_largest_frame(void **state)
{
	static uint8_t s[2 * STREAM_MSG_MAX];
	struct stream_rx rx;
	size_t len = 0;

	(void)state;
	len = put_frame(s, len, 100, 1);
	len = put_frame(s, len, STREAM_FRAME_MAX, 2);
	memset(&got, 0, sizeof(got));
	stream_rx_init(&rx, rxbuf, STREAM_MSG_MAX); /* smallest allowed */
	assert_int_equal(feed(&rx, s, 4 + 100 + 1000), 0);
	assert_int_equal(got.n, 1);
	assert_int_equal(feed(&rx, s + 1104, len - 1104), 0);
	check_got(s, len);
}

static void test_rx_bad_lengths(void **state)
{
	static const uint32_t bad[] = {0, 1, 13, 65536, 0x7fffffff, 0xffffffff};
	static uint8_t s[256];
	struct stream_rx rx;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&got, 0, sizeof(got));
		stream_rx_init(&rx, rxbuf, sizeof(rxbuf));
		len = put_frame(s, 0, 20, 1);
		s[len] = (uint8_t)(bad[i] >> 24);
		s[len + 1] = (uint8_t)(bad[i] >> 16);
		s[len + 2] = (uint8_t)(bad[i] >> 8);
		s[len + 3] = (uint8_t)bad[i];
		/* the good frame before it is still delivered */
		assert_int_equal(feed(&rx, s, len + 4), -EBADMSG);
		assert_int_equal(got.n, 1);
		assert_int_equal(got.len[0], 20);
	}
	/* the limits themselves are fine */
	memset(&got, 0, sizeof(got));
	stream_rx_init(&rx, rxbuf, sizeof(rxbuf));
	assert_int_equal(feed(&rx, s, put_frame(s, 0, 14, 1)), 0);
	assert_int_equal(got.n, 1);
}

/* A header split in its middle is not a frame yet, nor an error */
static void test_rx_partial_header(void **state)
{
	static const uint8_t s[] = {0x00, 0x00, 0x00};
	struct stream_rx rx;

	(void)state;
	memset(&got, 0, sizeof(got));
	stream_rx_init(&rx, rxbuf, sizeof(rxbuf));
	assert_int_equal(feed(&rx, s, sizeof(s)), 0);
	assert_int_equal(got.n, 0);
	assert_int_equal(rx.len, 3);
}

static void test_msg_finish_pads_to_60(void **state)
{
	static uint8_t m[4 + 2000];

	(void)state;
	memset(m, 0xaa, sizeof(m));
	assert_int_equal(stream_msg_finish(m, 42), 64);
	assert_int_equal(m[0], 0);
	assert_int_equal(m[1], 0);
	assert_int_equal(m[2], 0);
	assert_int_equal(m[3], 60);
	assert_int_equal(m[4 + 41], 0xaa);
	assert_int_equal(m[4 + 42], 0);
	assert_int_equal(m[4 + 59], 0);
	assert_int_equal(m[4 + 60], 0xaa);

	memset(m, 0xaa, sizeof(m));
	assert_int_equal(stream_msg_finish(m, 60), 64);
	assert_int_equal(m[3], 60);
	assert_int_equal(stream_msg_finish(m, 1514), 4 + 1514);
	assert_int_equal(m[2], 1514 >> 8);
	assert_int_equal(m[3], 1514 & 0xff);
	assert_int_equal(m[4 + 100], 0xaa);
}

/**
 * read_exact() - Read exactly @n bytes from a socket
 * @fd:		Socket
 * @p:		Buffer
 * @n:		Bytes
 */
static void read_exact(int fd, uint8_t *p, size_t n)
{
	size_t got_n = 0;

	while (got_n < n) {
		ssize_t r = recv(fd, p + got_n, n - got_n, 0);

		assert_true(r > 0);
		got_n += (size_t)r;
	}
}

static struct stream_link link_s;

/* The sink writes padded, length-prefixed frames, skips given-back ones */
static void test_sink_writes_padded_frames(void **state)
{
	static uint8_t frame[1514], in[4 + 1514];
	int sv[2], epfd = epoll_create1(0);
	uint8_t *bufs[2];
	size_t cap;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	stream_init(&link_s, epfd);
	assert_false(link_s.sink.offload);
	assert_int_equal(stream_client(&link_s, sv[0]), 0);

	memset(frame, 0x5a, sizeof(frame));
	assert_int_equal(stream_send(&link_s, frame, 42), 0);
	assert_int_equal(link_s.sink.reserve(&link_s.sink, 2, bufs, &cap), 2);
	assert_true(cap >= 1514 && cap <= STREAM_FRAME_MAX);
	memcpy(bufs[0], frame, 1514);
	link_s.sink.commit(&link_s.sink, bufs[0], 1514, NULL);
	link_s.sink.commit(&link_s.sink, bufs[1], 0, NULL);
	assert_int_equal(link_s.sink.flush(&link_s.sink), 0);

	read_exact(sv[1], in, 64);
	assert_int_equal(in[3], 60);
	assert_memory_equal(in + 4, frame, 42);
	assert_int_equal(in[4 + 42], 0);
	assert_int_equal(in[63], 0);
	read_exact(sv[1], in, 4 + 1514);
	assert_int_equal(in[2] << 8 | in[3], 1514);
	assert_memory_equal(in + 4, frame, 1514);
	assert_int_equal(recv(sv[1], in, 1, MSG_DONTWAIT), -1);
	assert_int_equal(link_s.sent, 2);

	stream_close(&link_s);
	assert_int_equal(stream_send(&link_s, frame, 60), 0);
	assert_int_equal(stream_flush(&link_s), -ENOTCONN);
	assert_int_equal(link_s.lost, 1);
	close(sv[1]);
	close(epfd);
}

static size_t l3_frames, l3_last_len;
static unsigned int l3_flags;

/**
 * l3_count() - link_l3_fn counting what reaches the transports
 * @arg:	Unused
 * @frame:	Frame
 * @flags:	LINK_F_* bits, or-ed into l3_flags
 */
static void l3_count(void *arg, struct pview frame, unsigned int flags)
{
	(void)arg;
	l3_frames++;
	l3_last_len = frame.len;
	l3_flags |= flags;
}

/* Frames split across writes reach l3; a bad length, then EOF, end it */
static void test_handler_reassembles_and_resets(void **state)
{
	static struct l2_conf l2;
	static struct l2_state st;
	static uint8_t s[4096];
	struct link_input in = {&l2, &st, l3_count, NULL, stream_send, &link_s};
	int sv[2], epfd = epoll_create1(0);
	size_t len;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	stream_init(&link_s, epfd);
	assert_int_equal(stream_client(&link_s, sv[0]), 0);
	l3_frames = 0;

	len = put_frame(s, 0, 100, 1);
	len = put_frame(s, len, 200, 2);
	assert_int_equal(write(sv[1], s, 150), 150);
	assert_int_equal(stream_handler(&link_s, &in, EPOLLIN), 0);
	assert_int_equal(l3_frames, 1);
	assert_int_equal(l3_last_len, 100);
	assert_int_equal(write(sv[1], s + 150, len - 150), (ssize_t)len - 150);
	assert_int_equal(stream_handler(&link_s, &in, EPOLLIN), 0);
	assert_int_equal(l3_frames, 2);
	assert_int_equal(l3_last_len, 200);
	assert_int_equal(link_s.n.frames_in, 2);
	assert_int_equal(l3_flags, 0); /* qemu checksums: no offload flag */

	/* length 13: reset */
	len = put_frame(s, 0, 13, 1);
	assert_int_equal(write(sv[1], s, len), (ssize_t)len);
	assert_int_equal(stream_handler(&link_s, &in, EPOLLIN), -EBADMSG);
	stream_close(&link_s);
	assert_int_equal(link_s.fd, -1);
	assert_int_equal(link_s.rx.len, 0);
	close(sv[1]);

	/* a new client starts from a clean buffer; EOF ends it */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(stream_client(&link_s, sv[0]), 0);
	len = put_frame(s, 0, 60, 3);
	assert_int_equal(write(sv[1], s, len), (ssize_t)len);
	close(sv[1]);
	/* the frame before the end is handled, and the same call reports
	 * the end: a client reconnecting at once must not find us busy
	 */
	assert_int_equal(stream_handler(&link_s, &in, EPOLLIN | EPOLLRDHUP),
			 -ECONNRESET);
	assert_int_equal(l3_frames, 3);
	stream_close(&link_s);
	close(epfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rx_one_frame_exactly),
		cmocka_unit_test(test_rx_split_at_every_byte),
		cmocka_unit_test(test_rx_byte_by_byte_and_three_pieces),
		cmocka_unit_test(test_rx_many_frames_in_one_read),
		cmocka_unit_test(test_rx_largest_frame),
		cmocka_unit_test(test_rx_bad_lengths),
		cmocka_unit_test(test_rx_partial_header),
		cmocka_unit_test(test_msg_finish_pads_to_60),
		cmocka_unit_test(test_sink_writes_padded_frames),
		cmocka_unit_test(test_handler_reassembles_and_resets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
