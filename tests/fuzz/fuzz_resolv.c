// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_resolv.c - libFuzzer harness of the resolv.conf parser */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "conf/resolv.h"
#include "flow/nat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/**
 * LLVMFuzzerTestOneInput() - Parse one resolv.conf, apply it, check limits;
 *			      then apply it as a change at run time, over
 *			      what the previous input left

 * @data:	File content
 * @size:	Its length
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct l2_conf run;
	static struct conf c;
	static struct nat n;
	struct resolv_conf r;
	unsigned int chg;
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

	/* following: --dns-forward set, nothing pinned */
	c.dns_fwd4_set = c.dns_fwd6_set = true;
	c.dns_host4_given = c.dns_host6_given = false;
	chg = resolv_follow(&c, &r, &run, &n);
	if (run.dns4_n > L2_MAX_DNS || run.dns6_n > L2_MAX_DNS ||
	    run.search_n != r.search_n || (r.ns4_n && !n.v4.dns_set) ||
	    resolv_follow(&c, &r, &run, &n) != 0 ||
	    chg > (RESOLV_CHG_FWD4 | RESOLV_CHG_FWD6 | RESOLV_CHG_DNS |
		   RESOLV_CHG_SEARCH))
		abort();
	return 0;
}
