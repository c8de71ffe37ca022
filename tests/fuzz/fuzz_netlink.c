// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_netlink.c - libFuzzer harness for the rtnetlink reply parsers
 *
 * The input is one datagram as read from a NETLINK_ROUTE socket. It is
 * walked with nl_reply_walk() (sequence numbers 0 and 1, as the corpus uses
 * both), every data message goes through the route, address and link
 * parsers, and each parser also gets the raw input as a single message.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "os/netlink.h"

/* Largest datagram the kernel sends us, as in os/netlink.c */
#define FUZZ_MAX 65536

static uint8_t fuzz_buf[FUZZ_MAX] __attribute__((aligned(8)));

/**
 * fuzz_msg() - Run every parser on one message
 * @msg:	Message
 * @len:	Its length
 * @data:	Unused
 *
 * Return: 0, so that the walk goes on
 */
static int fuzz_msg(const void *msg, size_t len, void *data)
{
	struct nl_route r;
	struct nl_addr a;
	struct nl_link l;
	volatile int sink;

	(void)data;
	if (!nl_parse_route(msg, len, &r))
		sink = (int)((unsigned int)r.dst_len + r.has_gw + r.metric +
			     r.mtu);
	if (!nl_parse_addr(msg, len, &a))
		sink = (int)((unsigned int)a.prefix + a.flags);
	if (!nl_parse_link(msg, len, &l))
		sink = (int)(strlen(l.name) + l.mtu);
	(void)sink;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/**
 * LLVMFuzzerTestOneInput() - libFuzzer entry point
 * @data:	Input
 * @size:	Its length
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char ext[64];
	uint32_t seq;

	if (size > FUZZ_MAX)
		return 0;
	memcpy(fuzz_buf, data, size);

	for (seq = 0; seq < 2; seq++)
		nl_reply_walk(fuzz_buf, size, seq, fuzz_msg, NULL, ext,
			      sizeof(ext));
	fuzz_msg(fuzz_buf, size, NULL);
	nl_parse_error(fuzz_buf, size, ext, sizeof(ext));
	nl_parse_error(fuzz_buf, size, ext, 1);
	return 0;
}
