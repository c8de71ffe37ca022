// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_ctl_server.c - libFuzzer harness of the control protocol, server side
 *
 * Input: what a client sends after reading the hello and the tables. It is
 * parsed as the server does: as a request of our extension first, and if it
 * is none, as an update against fixed current tables (HOST and SPLICE with
 * every capability, or fewer when the first byte is odd). An accepted
 * update must give tables that encode back to the same rules, hold no
 * conflicting rules, and leave the tables it doesn't carry unchanged.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/**
 * fuzz_cur() - Fixed current tables
 * @cur:	Two tables, set
 * @few:	Fewer capabilities: IPv4, TCP, no scan, no device binding
 */
static void fuzz_cur(struct ctl_table *cur, bool few)
{
	memset(cur, 0, 2 * sizeof(*cur));
	cur[0].pif = CTL_PIF_HOST;
	strcpy(cur[0].name, "HOST");
	cur[1].pif = CTL_PIF_SPLICE;
	strcpy(cur[1].name, "SPLICE");
	cur[0].caps = cur[1].caps =
		few ? CTL_CAP_IPV4 | CTL_CAP_TCP : 0x3f;
	cur[0].t.n = 1;
	cur[0].t.rules[0].first = cur[0].t.rules[0].last = 80;
	cur[0].t.rules[0].to = 80;
	cur[0].t.rules[0].proto = IPPROTO_TCP;
	cur[0].t.rules[0].flags = FWD_DUAL_STACK;
}

/**
 * LLVMFuzzerTestOneInput() - Parse one client message
 * @data:	Bytes from the client
 * @size:	Length of @data
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctl_table cur[2], out[2], back[2];
	static uint8_t enc[CTL_UPDATE_MAX];
	struct pview v = pview_make(data, size);
	char err[FWD_ERR_LEN];
	bool present[2];
	uint32_t req;
	int rc, i, j;
	size_t len;

	rc = ctl_req_parse(&v, &req);
	if (rc == 0 || rc == -EOPNOTSUPP) {
		if (size < CTL_REQ_LEN || v.len != size - CTL_REQ_LEN)
			abort();
		if (rc == 0 && (req < 1 || req > CTL_REQ_MAX))
			abort();
		return 0;
	}
	if (rc != -EINVAL && rc != -EAGAIN)
		abort();

	fuzz_cur(cur, size && (data[size - 1] & 1));
	v = pview_make(data, size);
	err[0] = '\0';
	rc = ctl_update_parse(&v, cur, 2, out, present, err, sizeof(err));
	if (rc) {
		if ((rc != -EINVAL && rc != -EAGAIN && rc != -E2BIG) ||
		    !err[0] || memchr(err, '\n', strlen(err)) ||
		    v.len != size)
			abort();
		return 0;
	}
	if (v.len)
		abort();
	for (i = 0; i < 2; i++) {
		if (!present[i] && !ctl_tables_equal(&out[i], 1, &cur[i], 1))
			abort();
		if (out[i].t.n < 0 || out[i].t.n > FWD_MAX_RULES)
			abort();
		for (j = 0; j < out[i].t.n; j++) {
			const struct fwd_rule *r = &out[i].t.rules[j];
			int k;

			if (!r->first || r->first > r->last || !r->to ||
			    r->ifname[sizeof(r->ifname) - 1])
				abort();
			for (k = 0; k < j; k++)
				if (fwd_rules_conflict(r, &out[i].t.rules[k]))
					abort();
		}
	}
	/* re-encoding the tables it carried gives back the input */
	for (i = j = 0; i < 2; i++)
		if (present[i])
			back[j++] = out[i];
	len = ctl_update_put(enc, sizeof(enc), back, j);
	if (!len)
		abort();
	if (len == size && memcmp(enc, data, size)) {
		/* same length: only table order may differ */
		if (j != 2)
			abort();
	} else if (len != size) {
		abort();
	}
	return 0;
}
