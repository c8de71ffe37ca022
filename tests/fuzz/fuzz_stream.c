// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_stream.c - libFuzzer harness of the qemu stream reassembly
 *
 * The first input byte picks how the rest is cut into reads; the frames
 * taken out must have a valid length, lie inside the buffer, and be the same
 * (count, lengths, sum of bytes) as when the whole input comes in one read.
 */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "link/stream.h"

#define FUZZ_BUF (2 * STREAM_MSG_MAX)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/**
 * struct digest - What a run took out of the stream
 * @frames:	Frames
 * @bytes:	Their total length
 * @sum:	Sum of all their bytes, position-weighted
 * @bad:	The run ended on a bad length
 */
struct digest {
	size_t frames;
	size_t bytes;
	uint64_t sum;
	int bad;
};

/**
 * run() - Feed @data to a reassembly in reads of a pattern of sizes
 * @data:	Stream bytes
 * @size:	How many
 * @step:	Read size pattern seed, 0: everything in one read
 * @d:		Filled
 */
static void run(const uint8_t *data, size_t size, unsigned int step,
		struct digest *d)
{
	static uint8_t buf[FUZZ_BUF];
	struct stream_rx rx;
	size_t off = 0, i, n = 0;

	memset(d, 0, sizeof(*d));
	stream_rx_init(&rx, buf, sizeof(buf));
	while (off < size && !d->bad) {
		struct pview f;
		size_t room, chunk = step ? 1 + (n++ * step) % 97 : size;
		uint8_t *dst = stream_rx_space(&rx, &room);
		int ret;

		chunk = chunk < size - off ? chunk : size - off;
		chunk = chunk < room ? chunk : room;
		if (!chunk)
			abort(); /* a frame always fits after compaction */
		memcpy(dst, data + off, chunk);
		stream_rx_fill(&rx, chunk);
		off += chunk;
		while ((ret = stream_rx_next(&rx, &f)) > 0) {
			if (f.len < STREAM_FRAME_MIN ||
			    f.len > STREAM_FRAME_MAX || f.p < buf ||
			    f.p + f.len > buf + sizeof(buf))
				abort();
			d->frames++;
			d->bytes += f.len;
			for (i = 0; i < f.len; i++)
				d->sum += (uint64_t)f.p[i] * (i + 1);
		}
		if (ret == -EBADMSG)
			d->bad = 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct digest whole, cut;

	if (size < 1)
		return 0;
	run(data + 1, size - 1, 0, &whole);
	run(data + 1, size - 1, data[0] | 1U, &cut);
	if (whole.frames != cut.frames || whole.bytes != cut.bytes ||
	    whole.sum != cut.sum || whole.bad != cut.bad)
		abort();
	return 0;
}
