// SPDX-License-Identifier: GPL-2.0-or-later
/* prom.c - pesto: the Prometheus text of a server, read line by line
 *
 * Theory of operation: --flows and --counters ask the server for its
 * Prometheus text (CTL_REQ_PROMETHEUS) rather than its JSON: each sample is
 * one line, "name{label="value",...} value", which a bounded line buffer
 * and one small parser handle without a JSON tokenizer. Lines longer than
 * PROM_LINE_MAX, comments and anything malformed are skipped. The schema
 * (metric and label names) is known in prom_sample_parse() and
 * prom_flow_sample() only: per flow, passt_flow_bytes and passt_flow_packets
 * with label dir="ini_to_tgt" or "tgt_to_ini", passt_flow_age_seconds and
 * passt_flow_idle_seconds, all with labels flow (the index), type, state,
 * ini and tgt. Every other sample is a global counter.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"

#define PROM_SECS_MAX 1e9 /* about 31 years */

/**
 * prom_init() - Start reading a text
 * @p:		Parser
 * @mode:	enum prom_mode
 * @out:	Stream for PROM_COUNTERS output
 */
void prom_init(struct prom_parser *p, enum prom_mode mode, FILE *out)
{
	memset(p, 0, sizeof(*p));
	p->mode = mode;
	p->out = out;
}

/**
 * prom_copy() - Copy a label value, bounded
 * @dst:	Destination
 * @len:	Its size
 * @src:	Value
 */
static void prom_copy(char *dst, size_t len, const char *src)
{
	size_t n = strnlen(src, len - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/**
 * prom_sample_parse() - Parse one sample line
 * @line:	Line, NUL-terminated, without its newline
 * @s:		Sample, set
 *
 * Return: 0, -ENOENT for a comment or blank line, -EINVAL if malformed
 */
int prom_sample_parse(const char *line, struct prom_sample *s)
{
	const char *p = line, *end;
	char key[PROM_NAME_MAX], val[PROM_LINE_MAX];
	size_t n;

	memset(s, 0, sizeof(*s));
	s->flow = -1;
	s->dir = -1;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p || *p == '#')
		return -ENOENT;
	n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789_:");
	if (!n || n >= sizeof(s->name))
		return -EINVAL;
	memcpy(s->name, p, n);
	p += n;
	if (*p == '{') {
		const char *lab = ++p;

		while (*p != '}') {
			size_t k = strspn(p, "abcdefghijklmnopqrstuvwxyz"
					     "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					     "0123456789_");

			if (!k || k >= sizeof(key) || p[k] != '=' ||
			    p[k + 1] != '"')
				return -EINVAL;
			memcpy(key, p, k);
			key[k] = '\0';
			p += k + 2;
			for (n = 0; *p != '"'; p++) {
				if (!*p || n >= sizeof(val) - 1)
					return -EINVAL;
				if (*p == '\\') {
					p++;
					if (!*p)
						return -EINVAL;
					val[n++] = *p == 'n' ? '\n' : *p;
					continue;
				}
				val[n++] = *p;
			}
			val[n] = '\0';
			p++;
			if (!strcmp(key, "flow")) {
				char *e;

				errno = 0;
				s->flow = strtol(val, &e, 10);
				if (errno || *e || e == val || s->flow < 0)
					return -EINVAL;
			} else if (!strcmp(key, "dir")) {
				s->dir = !strcmp(val, "ini_to_tgt")   ? 0
					 : !strcmp(val, "tgt_to_ini") ? 1
								      : -1;
			} else if (!strcmp(key, "type")) {
				prom_copy(s->type, sizeof(s->type), val);
			} else if (!strcmp(key, "state")) {
				prom_copy(s->state, sizeof(s->state), val);
			} else if (!strcmp(key, "ini")) {
				prom_copy(s->ini, sizeof(s->ini), val);
			} else if (!strcmp(key, "tgt")) {
				prom_copy(s->tgt, sizeof(s->tgt), val);
			}
			if (*p == ',')
				p++;
			else if (*p != '}')
				return -EINVAL;
		}
		n = (size_t)(p - lab);
		if (n >= sizeof(s->labels))
			return -EINVAL;
		memcpy(s->labels, lab, n);
		p++;
	}
	if (*p != ' ' && *p != '\t')
		return -EINVAL;
	errno = 0;
	s->value = strtod(p, (char **)&end);
	if (errno || end == p)
		return -EINVAL;
	while (*end == ' ' || *end == '\t')
		end++;
	/* an optional timestamp: digits */
	end += strspn(end, "-0123456789");
	return *end ? -EINVAL : 0;
}

/**
 * prom_secs() - Clamp a number of seconds to what the table shows
 * @v:		Value from the text
 *
 * Return: @v within 0 .. PROM_SECS_MAX, 0 for NaN
 */
static double prom_secs(double v)
{
	if (!(v > 0))
		return 0;
	return v > PROM_SECS_MAX ? PROM_SECS_MAX : v;
}

/**
 * prom_flow_sample() - Record a per-flow sample
 * @p:		Parser
 * @s:		Sample
 */
static void prom_flow_sample(struct prom_parser *p, const struct prom_sample *s)
{
	struct prom_flow *f;
	uint64_t v;

	if (s->flow < 0 || s->flow >= FLOW_MAX)
		return;
	f = &p->flows[s->flow];
	f->used = true;
	if (s->type[0])
		prom_copy(f->type, sizeof(f->type), s->type);
	if (s->state[0])
		prom_copy(f->state, sizeof(f->state), s->state);
	if (s->ini[0])
		prom_copy(f->ini, sizeof(f->ini), s->ini);
	if (s->tgt[0])
		prom_copy(f->tgt, sizeof(f->tgt), s->tgt);
	v = s->value > 0 && s->value < 1.8e19 ? (uint64_t)s->value : 0;
	if (!strcmp(s->name, "passt_flow_bytes") && s->dir >= 0)
		f->bytes[s->dir] = v;
	else if (!strcmp(s->name, "passt_flow_packets") && s->dir >= 0)
		f->pkts[s->dir] = v;
	else if (!strcmp(s->name, "passt_flow_age_seconds"))
		f->age = prom_secs(s->value);
	else if (!strcmp(s->name, "passt_flow_idle_seconds"))
		f->idle = prom_secs(s->value);
}

/**
 * prom_line() - Handle one complete line
 * @p:		Parser
 */
static void prom_line(struct prom_parser *p)
{
	static struct prom_sample s;
	bool per_flow;

	if (prom_sample_parse(p->line, &s))
		return;
	per_flow = !strncmp(s.name, "passt_flow_", strlen("passt_flow_")) &&
		   s.flow >= 0;
	if (p->mode == PROM_FLOWS && per_flow)
		prom_flow_sample(p, &s);
	else if (p->mode == PROM_COUNTERS && !per_flow && p->out)
		fprintf(p->out, "%-40s %-30s %.15g\n", s.name,
			s.labels[0] ? s.labels : "-", s.value);
}

/**
 * prom_feed() - Feed bytes of the text
 * @p:		Parser
 * @data:	Bytes
 * @len:	Their number
 */
void prom_feed(struct prom_parser *p, const char *data, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = data[i];

		if (c == '\n') {
			p->line[p->len] = '\0';
			if (!p->overlong)
				prom_line(p);
			p->len = 0;
			p->overlong = false;
		} else if (p->len < sizeof(p->line) - 1 && c) {
			p->line[p->len++] = c;
		} else {
			p->overlong = true;
		}
	}
}

/**
 * prom_print_flows() - Print the flows as a table, like ss
 * @p:		Parser, after the whole text
 * @f:		Stream
 */
void prom_print_flows(const struct prom_parser *p, FILE *f)
{
	int i;

	fprintf(f, "%-5s %-5s %-14s %-45s %-45s %8s %8s %12s %8s %12s %8s\n",
		"Flow", "Type", "State", "Initiator side", "Target side",
		"Age", "Idle", "Bytes->", "Pkts->", "Bytes<-", "Pkts<-");
	for (i = 0; i < FLOW_MAX; i++) {
		const struct prom_flow *x = &p->flows[i];

		if (!x->used)
			continue;
		fprintf(f,
			"%-5d %-5s %-14s %-45s %-45s %8.1f %8.1f %12" PRIu64
			" %8" PRIu64 " %12" PRIu64 " %8" PRIu64 "\n",
			i, x->type[0] ? x->type : "-",
			x->state[0] ? x->state : "-", x->ini[0] ? x->ini : "-",
			x->tgt[0] ? x->tgt : "-", x->age, x->idle, x->bytes[0],
			x->pkts[0], x->bytes[1], x->pkts[1]);
	}
}
