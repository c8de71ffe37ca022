// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_ctl_client.c - libFuzzer harness of the control protocol, client side
 *
 * Input: what a server sends: the hello and the tables, then (after what
 * they take) the header of an answer to a request of our extension. Parsed
 * tables must hold only valid rules within their limits, and encode back to
 * the bytes they came from when the server used the canonical encoding.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/**
 * LLVMFuzzerTestOneInput() - Parse one server's bytes
 * @data:	Bytes from the server
 * @size:	Length of @data
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctl_table tbl[CTL_MAX_TABLES];
	static uint8_t enc[CTL_SERVER_MAX];
	struct pview v = pview_make(data, size);
	uint32_t status, length;
	char err[FWD_ERR_LEN];
	size_t used, len;
	int rc, n = -1, i, j;

	err[0] = '\0';
	rc = ctl_server_parse(&v, tbl, CTL_MAX_TABLES, &n, err, sizeof(err));
	if (rc) {
		if ((rc != -EINVAL && rc != -EAGAIN && rc != -E2BIG) ||
		    !err[0] || memchr(err, '\n', strlen(err)) ||
		    v.len != size)
			abort();
	} else {
		if (n < 0 || n > CTL_MAX_TABLES || v.len > size)
			abort();
		used = size - v.len;
		for (i = 0; i < n; i++) {
			if (tbl[i].pif != CTL_PIF_HOST &&
			    tbl[i].pif != CTL_PIF_SPLICE)
				abort();
			if (!tbl[i].name[0] ||
			    tbl[i].name[CTL_PIF_NAME_SIZE - 1])
				abort();
			for (j = 0; j < tbl[i].t.n; j++) {
				const struct fwd_rule *r = &tbl[i].t.rules[j];
				char buf[FWD_RULE_STRLEN];

				if (!r->first || r->first > r->last)
					abort();
				fwd_rule_fmt(r, buf, sizeof(buf));
			}
		}
		len = ctl_hello_put(enc, sizeof(enc));
		len += ctl_tables_put(enc + len, sizeof(enc) - len, tbl, n);
		if (len != used)
			abort();
	}

	/* the rest, or everything after a failure, as an answer header */
	rc = ctl_ans_hdr_parse(&v, &status, &length);
	if (rc == 0 && (status > 4095 || length > CTL_ANS_MAX))
		abort();
	if (rc && rc != -EINVAL && rc != -EAGAIN && rc != -E2BIG)
		abort();
	return 0;
}
