// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_pktinfo.c - libFuzzer harness of pktinfo_dst(): any control buffer,
 * any length, as recvmmsg() might leave it
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "transport/pktinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	union inany_addr dst;
	struct msghdr mh = { 0 };
	struct cmsghdr *buf;

	/* an exact-size heap copy: ASan sees any read past the end */
	buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	mh.msg_control = buf;
	mh.msg_controllen = size;
	if (pktinfo_dst(&mh, &dst) && size < CMSG_LEN(sizeof(struct in_pktinfo)))
		abort();	/* found a message that can't fit */
	free(buf);
	return 0;
}
