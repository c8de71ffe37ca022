// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_resolv.c - libFuzzer harness of the resolv.conf parser */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "conf/resolv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/**
 * LLVMFuzzerTestOneInput() - Parse one resolv.conf, apply it, check limits
 * @data:	File content
 * @size:	Its length
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conf c;
	struct resolv_conf r;
	int i;

	resolv_parse(pview_make(data, size), &r);
	if (r.ns4_n > RESOLV_MAX_NS || r.ns6_n > RESOLV_MAX_NS ||
	    r.search_n > L2_MAX_SEARCH || r.ns_dropped < 0)
		abort();
	for (i = 0; i < r.search_n; i++) {
		size_t len = strnlen(r.search[i], sizeof(r.search[i]));

		if (!len || len > L2_DOMAIN_MAX || strpbrk(r.search[i], " \t"))
			abort();
	}
	memset(&c, 0, sizeof(c));
	if (conf_dns_apply(&c, &r) > r.ns4_n + r.ns6_n)
		abort();
	if (c.l2.dns4_n > L2_MAX_DNS || c.l2.dns6_n > L2_MAX_DNS ||
	    c.l2.search_n != r.search_n)
		abort();
	return 0;
}
