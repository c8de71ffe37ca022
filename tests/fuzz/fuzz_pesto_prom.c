// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_pesto_prom.c - libFuzzer harness of pesto's Prometheus text reader
 *
 * Input: one byte choosing the mode (flows or counters) and the size of the
 * pieces the text is fed in, then the text a server answers to
 * CTL_REQ_PROMETHEUS. Every flow gathered must hold NUL-terminated strings
 * and the printed table must fit; every line is also parsed on its own.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/pesto/prom.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/**
 * LLVMFuzzerTestOneInput() - Feed one text
 * @data:	Mode byte, then the text
 * @size:	Length of @data
 *
 * Return: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct prom_parser p;
	static struct prom_sample s;
	static FILE *null;
	size_t off, piece;
	int i;

	if (!size)
		return 0;
	if (!null && !(null = fopen("/dev/null", "w")))
		abort();
	prom_init(&p, (data[0] & 1) ? PROM_COUNTERS : PROM_FLOWS, null);
	piece = (size_t)(data[0] >> 1) + 1;
	for (off = 1; off < size; off += piece)
		prom_feed(&p, (const char *)data + off,
			  size - off < piece ? size - off : piece);
	prom_feed(&p, "\n", 1);
	for (i = 0; i < FLOW_MAX; i++) {
		const struct prom_flow *f = &p.flows[i];

		if (!f->used)
			continue;
		if (!memchr(f->type, 0, sizeof(f->type)) ||
		    !memchr(f->state, 0, sizeof(f->state)) ||
		    !memchr(f->ini, 0, sizeof(f->ini)) ||
		    !memchr(f->tgt, 0, sizeof(f->tgt)))
			abort();
	}
	if (data[0] & 1)
		return 0;
	prom_print_flows(&p, null);
	if (size - 1 < PROM_LINE_MAX) {
		char line[PROM_LINE_MAX];

		memcpy(line, data + 1, size - 1);
		line[size - 1] = '\0';
		if (!prom_sample_parse(line, &s) &&
		    (!s.name[0] || s.flow < -1 || s.dir < -1 || s.dir > 1))
			abort();
	}
	return 0;
}
