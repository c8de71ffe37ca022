// SPDX-License-Identifier: GPL-2.0-or-later
/* report.c - the flows and the global counters as JSON and as Prometheus
 *	      text, for the control socket
 *
 * Theory of operation
 *
 * The control socket answers a request for the flow view (doc/control.md)
 * with one of two texts made here from a snapshot (struct report_src): the
 * flow table, the global counters gathered by the loop, and the time. Both
 * functions are pure: they read the snapshot and write into the caller's
 * buffer, nothing else, so unit tests pin their output byte for byte.
 *
 * JSON (RFC 8259): one object, {"counters": {...}, "flows": [...]}. Every
 * string we write is ours (names from fixed tables, addresses from
 * inet_ntop(), state names from the engines) but goes through one escaping
 * function anyway, so a future name with a quote cannot break the syntax.
 * Numbers are unsigned integers in decimal; no trailing commas.
 *
 * Prometheus text exposition format 0.0.4: per metric family one "# HELP"
 * and one "# TYPE" line, then its samples, all together (the format wants
 * a family's samples contiguous, so the flows are walked once per family).
 * Label values are escaped as the format says (backslash, double quote,
 * line feed); an IPv6 address in a label is written in brackets, as in a
 * URL, so that "ADDR:PORT" stays readable.
 *
 * Room: both return 0, with nothing promised about the buffer's contents,
 * if the text and its terminating NUL don't fit. A report of FLOW_MAX flows
 * with IPv6 addresses everywhere takes about 11 MiB in Prometheus format
 * and 4 MiB in JSON: REPORT_BUF_MAX is enough for either.
 */

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "ctl/report.h"
#include "os/epref.h"

/**
 * struct rbuf - Text being written into a caller's buffer
 * @p:		Buffer
 * @len:	Its size
 * @used:	Bytes written, without the terminating NUL
 * @full:	Something didn't fit: the report fails
 */
struct rbuf {
	char *p;
	size_t len;
	size_t used;
	bool full;
};

/**
 * rb_printf() - Append formatted text
 * @b:		Buffer
 * @fmt:	printf() format
 */
__attribute__((format(printf, 2, 3)))
static void rb_printf(struct rbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->full)
		return;
	va_start(ap, fmt);
	/* clang-analyzer 14's false positive, as in log.c: va_start() above */
	// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
	n = vsnprintf(b->p + b->used, b->len - b->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->len - b->used) {
		b->full = true;
		return;
	}
	b->used += (size_t)n;
}

/**
 * rb_putc() - Append one character
 * @b:		Buffer
 * @c:		Character
 */
static void rb_putc(struct rbuf *b, char c)
{
	if (b->full || b->len - b->used < 2) {
		b->full = true;
		return;
	}
	b->p[b->used++] = c;
	b->p[b->used] = '\0';
}

/**
 * rb_json_str() - Append a JSON string, quoted and escaped (RFC 8259 7)
 * @b:		Buffer
 * @s:		String
 */
static void rb_json_str(struct rbuf *b, const char *s)
{
	rb_putc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			rb_putc(b, '\\');
			rb_putc(b, (char)c);
		} else if (c < 0x20) {
			rb_printf(b, "\\u%04x", c);
		} else {
			rb_putc(b, (char)c);
		}
	}
	rb_putc(b, '"');
}

/**
 * rb_label() - Append a Prometheus label, its value escaped (0.0.4 format)
 * @b:		Buffer
 * @sep:	Written first: "" for the first label, "," for the others
 * @name:	Label name
 * @val:	Value
 */
static void rb_label(struct rbuf *b, const char *sep, const char *name,
		     const char *val)
{
	rb_printf(b, "%s%s=\"", sep, name);
	for (; *val; val++) {
		if (*val == '\\' || *val == '"') {
			rb_putc(b, '\\');
			rb_putc(b, *val);
		} else if (*val == '\n') {
			rb_putc(b, '\\');
			rb_putc(b, 'n');
		} else {
			rb_putc(b, *val);
		}
	}
	rb_putc(b, '"');
}

/**
 * rb_done() - End of a report
 * @b:		Buffer
 *
 * Return: length of the text, 0 if it didn't fit
 */
static size_t rb_done(const struct rbuf *b)
{
	return b->full ? 0 : b->used;
}

/**
 * rb_init() - Start a report
 * @b:		Buffer state, set
 * @buf:	Caller's buffer
 * @len:	Its size
 */
static void rb_init(struct rbuf *b, char *buf, size_t len)
{
	b->p = buf;
	b->len = len;
	b->used = 0;
	b->full = !len;
	if (len)
		buf[0] = '\0';
}

/**
 * report_flow_type_str() - Name of a flow type in reports
 * @type:	enum flow_type
 *
 * Return: "tcp", "tcp_splice", "udp", "udp_splice", "ping4", "ping6";
 *	   "none" for FLOW_TYPE_NONE or an unknown value
 */
const char *report_flow_type_str(unsigned int type)
{
	static const char *const name[FLOW_NUM_TYPES] = {
		[FLOW_TYPE_NONE] = "none",	[FLOW_TCP] = "tcp",
		[FLOW_TCP_SPLICE] = "tcp_splice", [FLOW_UDP] = "udp",
		[FLOW_UDP_SPLICE] = "udp_splice", [FLOW_PING4] = "ping4",
		[FLOW_PING6] = "ping6",
	};

	return type < FLOW_NUM_TYPES ? name[type] : "none";
}

static const char *const report_link_str[CNT_LINKS] = {
	[CNT_LINK_TAP] = "tap",
	[CNT_LINK_STREAM] = "stream",
	[CNT_LINK_VU] = "vhost_user",
};

static const char *const report_drop_str[CNT_DROPS] = {
	[CNT_DROP_MALFORMED] = "malformed",
	[CNT_DROP_CHECKSUM] = "checksum",
	[CNT_DROP_NO_FLOW] = "no_flow",
	[CNT_DROP_NO_ROOM] = "no_room",
	[CNT_DROP_UNSUPPORTED] = "unsupported",
	[CNT_DROP_DISABLED] = "disabled",
};

static const char *const report_l2_str[CNT_L2S] = {
	[CNT_L2_ARP] = "arp",
	[CNT_L2_DHCP] = "dhcp",
	[CNT_L2_DHCPV6] = "dhcpv6",
	[CNT_L2_NDP_RA] = "ndp_ra",
	[CNT_L2_NDP_NA] = "ndp_na",
};

/**
 * report_listed() - Tell whether a report lists a flow
 * @e:		Entry, NULL if free
 *
 * Return: true for a flow NEW or ACTIVE
 */
static bool report_listed(const struct flow_entry *e)
{
	return e && (e->state == FLOW_STATE_NEW ||
		     e->state == FLOW_STATE_ACTIVE);
}

/**
 * report_state() - Name of a flow's state
 * @s:		Source
 * @idx:	Flow index
 * @e:		Its entry
 *
 * Return: the engine's name, if it has one, else "new" or "active"
 */
static const char *report_state(const struct report_src *s, int idx,
				const struct flow_entry *e)
{
	const char *n = s->state ? s->state(s->state_arg, idx, e) : NULL;

	if (n)
		return n;
	return e->state == FLOW_STATE_NEW ? "new" : "active";
}

/**
 * report_ms() - Milliseconds from a time to the report's
 * @s:		Source
 * @t:		Time, clock_ms()
 *
 * Return: @s->now - @t, 0 if @t is later
 */
static uint64_t report_ms(const struct report_src *s, uint64_t t)
{
	return s->now > t ? s->now - t : 0;
}

/**
 * report_json_counters() - The "counters" object
 * @b:		Buffer
 * @s:		Source
 */
static void report_json_counters(struct rbuf *b, const struct report_src *s)
{
	const struct counters *c = s->cnt;
	const struct flow_table *t = s->flows;
	unsigned int i, first = 1;

	rb_printf(b, "{\"frames\":{");
	for (i = 0; i < CNT_LINKS; i++) {
		rb_printf(b, "%s", i ? "," : "");
		rb_json_str(b, report_link_str[i]);
		rb_printf(b, ":{\"in\":%" PRIu64 ",\"out\":%" PRIu64 "}",
			  c->frames[i][CNT_IN], c->frames[i][CNT_OUT]);
	}
	rb_printf(b, "},\"drops\":{");
	for (i = 0; i < CNT_DROPS; i++) {
		rb_printf(b, "%s", i ? "," : "");
		rb_json_str(b, report_drop_str[i]);
		rb_printf(b, ":%" PRIu64, c->drops[i]);
	}
	rb_printf(b, "},\"flows\":{");
	for (i = FLOW_TYPE_NONE + 1; i < FLOW_NUM_TYPES; i++) {
		rb_printf(b, "%s", i > FLOW_TYPE_NONE + 1 ? "," : "");
		rb_json_str(b, report_flow_type_str(i));
		rb_printf(b, ":%u", t->by_type[i]);
	}
	rb_printf(b, "},\"flows_total\":%u,\"flows_peak\":%u,"
		     "\"flows_max\":%u,\"flow_alloc_failures\":%" PRIu64,
		  t->count, t->peak, FLOW_MAX, t->alloc_fail);
	rb_printf(b, ",\"l2_answers\":{");
	for (i = 0; i < CNT_L2S; i++) {
		rb_printf(b, "%s", i ? "," : "");
		rb_json_str(b, report_l2_str[i]);
		rb_printf(b, ":%" PRIu64, c->l2[i]);
	}
	rb_printf(b, "},\"epoll_events\":{");
	for (i = 0; i < CNT_EPOLL_TYPES; i++) {
		const char *name = epref_type_str(i);

		if (!name)
			continue;
		rb_printf(b, "%s", first ? "" : ",");
		rb_json_str(b, name);
		rb_printf(b, ":%" PRIu64, c->epoll[i]);
		first = 0;
	}
	rb_printf(b, "}}");
}

/**
 * report_json_side() - A side of a flow as a JSON object
 * @b:		Buffer
 * @sd:		Side
 */
static void report_json_side(struct rbuf *b, const struct flow_side *sd)
{
	char a[INET6_ADDRSTRLEN];

	rb_printf(b, "{\"pif\":");
	rb_json_str(b, flow_if_str((enum flow_if)sd->pif));
	rb_printf(b, ",\"peer\":");
	rb_json_str(b, inany_ntop(&sd->peer, a, sizeof(a)));
	rb_printf(b, ",\"peer_port\":%u,\"ours\":", sd->peer_port);
	rb_json_str(b, inany_ntop(&sd->ours, a, sizeof(a)));
	rb_printf(b, ",\"our_port\":%u}", sd->our_port);
}

/**
 * report_json_flow() - One flow as a JSON object
 * @b:		Buffer
 * @s:		Source
 * @idx:	Flow index
 * @e:		Its entry
 */
static void report_json_flow(struct rbuf *b, const struct report_src *s,
			     int idx, const struct flow_entry *e)
{
	static const char *const dir[2] = { "ini_to_tgt", "tgt_to_ini" };
	unsigned int d;

	rb_printf(b, "{\"index\":%d,\"type\":", idx);
	rb_json_str(b, report_flow_type_str(e->type));
	rb_printf(b, ",\"state\":");
	rb_json_str(b, report_state(s, idx, e));
	rb_printf(b, ",\"ini\":");
	report_json_side(b, &e->side[FLOW_INI]);
	rb_printf(b, ",\"tgt\":");
	report_json_side(b, &e->side[FLOW_TGT]);
	rb_printf(b, ",\"age_ms\":%" PRIu64 ",\"idle_ms\":%" PRIu64,
		  report_ms(s, e->created), report_ms(s, e->last));
	for (d = 0; d < 2; d++) {
		rb_printf(b, ",\"%s\":{\"bytes\":%" PRIu64
			     ",\"packets\":%" PRIu64 "}",
			  dir[d], e->cnt[d].bytes, e->cnt[d].packets);
	}
	rb_putc(b, '}');
}

/**
 * report_json() - The flows and the global counters as one JSON object
 * @s:		Source
 * @buf:	Buffer
 * @len:	Its size
 *
 * {"counters": {...}, "flows": [{...}, ...]}, on one line, flows by index
 * (doc/control.md has the schema).
 *
 * Return: length of the text (NUL-terminated in @buf), 0 if it doesn't fit
 */
size_t report_json(const struct report_src *s, char *buf, size_t len)
{
	bool first = true;
	struct rbuf b;
	int idx;

	rb_init(&b, buf, len);
	rb_printf(&b, "{\"counters\":");
	report_json_counters(&b, s);
	rb_printf(&b, ",\"flows\":[");
	for (idx = 0; idx < FLOW_MAX && !b.full; idx++) {
		const struct flow_entry *e = flow_get(s->flows, idx);

		if (!report_listed(e))
			continue;
		if (!first)
			rb_putc(&b, ',');
		report_json_flow(&b, s, idx, e);
		first = false;
	}
	rb_printf(&b, "]}\n");
	return rb_done(&b);
}

/**
 * report_prom_family() - "# HELP" and "# TYPE" lines of a metric family
 * @b:		Buffer
 * @name:	Metric name
 * @type:	"counter" or "gauge"
 * @help:	Help text (no backslash, no line feed)
 */
static void report_prom_family(struct rbuf *b, const char *name,
			       const char *type, const char *help)
{
	rb_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/**
 * report_prom_peer() - "ADDR:PORT" of a side's peer, IPv6 in brackets
 * @sd:		Side
 * @buf:	Buffer
 * @len:	Its size
 *
 * Return: @buf
 */
static const char *report_prom_peer(const struct flow_side *sd, char *buf,
				    size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inany_ntop(&sd->peer, a, sizeof(a));
	if (inany_is_v4(&sd->peer))
		snprintf(buf, len, "%s:%u", a, sd->peer_port);
	else
		snprintf(buf, len, "[%s]:%u", a, sd->peer_port);
	return buf;
}

/**
 * report_prom_labels() - The labels of a flow's samples, without braces
 * @b:		Buffer
 * @s:		Source
 * @idx:	Flow index
 * @e:		Its entry
 * @dir:	Direction label value, NULL for none
 */
static void report_prom_labels(struct rbuf *b, const struct report_src *s,
			       int idx, const struct flow_entry *e,
			       const char *dir)
{
	char p[INET6_ADDRSTRLEN + sizeof("[]:65535")], n[12];

	snprintf(n, sizeof(n), "%d", idx);
	rb_label(b, "", "flow", n);
	rb_label(b, ",", "type", report_flow_type_str(e->type));
	rb_label(b, ",", "state", report_state(s, idx, e));
	if (dir)
		rb_label(b, ",", "dir", dir);
	rb_label(b, ",", "ini",
		 report_prom_peer(&e->side[FLOW_INI], p, sizeof(p)));
	rb_label(b, ",", "tgt",
		 report_prom_peer(&e->side[FLOW_TGT], p, sizeof(p)));
}

enum report_flow_metric {
	REPORT_BYTES,
	REPORT_PACKETS,
	REPORT_AGE,
	REPORT_IDLE,
	REPORT_FLOW_METRICS,
};

/**
 * report_prom_flows() - One metric family over every flow listed
 * @b:		Buffer
 * @s:		Source
 * @m:		Which metric
 */
static void report_prom_flows(struct rbuf *b, const struct report_src *s,
			      enum report_flow_metric m)
{
	static const struct {
		const char *name, *type, *help;
	} fam[REPORT_FLOW_METRICS] = {
		[REPORT_BYTES] = { "passt_flow_bytes", "counter",
				   "Payload bytes a flow carried one way" },
		[REPORT_PACKETS] = { "passt_flow_packets", "counter",
				     "Frames (tap), datagrams (UDP splice) or "
				     "splice moves (TCP splice) one way" },
		[REPORT_AGE] = { "passt_flow_age_seconds", "gauge",
				 "Time since the flow was made" },
		[REPORT_IDLE] = { "passt_flow_idle_seconds", "gauge",
				  "Time since the flow last carried data" },
	};
	static const char *const dir[2] = { "ini_to_tgt", "tgt_to_ini" };
	int idx;

	report_prom_family(b, fam[m].name, fam[m].type, fam[m].help);
	for (idx = 0; idx < FLOW_MAX && !b->full; idx++) {
		const struct flow_entry *e = flow_get(s->flows, idx);
		unsigned int d;
		uint64_t ms;

		if (!report_listed(e))
			continue;
		if (m == REPORT_AGE || m == REPORT_IDLE) {
			ms = report_ms(s, m == REPORT_AGE ? e->created :
							    e->last);
			rb_printf(b, "%s{", fam[m].name);
			report_prom_labels(b, s, idx, e, NULL);
			rb_printf(b, "} %" PRIu64 ".%03" PRIu64 "\n",
				  ms / 1000, ms % 1000);
			continue;
		}
		for (d = 0; d < 2; d++) {
			rb_printf(b, "%s{", fam[m].name);
			report_prom_labels(b, s, idx, e, dir[d]);
			rb_printf(b, "} %" PRIu64 "\n",
				  m == REPORT_BYTES ? e->cnt[d].bytes :
						      e->cnt[d].packets);
		}
	}
}

/**
 * report_prom_counters() - The global counters as metric families
 * @b:		Buffer
 * @s:		Source
 */
static void report_prom_counters(struct rbuf *b, const struct report_src *s)
{
	static const char *const dirs[2] = { [CNT_IN] = "in",
					     [CNT_OUT] = "out" };
	const struct counters *c = s->cnt;
	const struct flow_table *t = s->flows;
	unsigned int i, d;

	report_prom_family(b, "passt_frames_total", "counter",
			   "Frames from (in) and to (out) the guest, by link");
	for (i = 0; i < CNT_LINKS; i++) {
		for (d = 0; d < 2; d++) {
			rb_printf(b, "passt_frames_total{");
			rb_label(b, "", "link", report_link_str[i]);
			rb_label(b, ",", "dir", dirs[d]);
			rb_printf(b, "} %" PRIu64 "\n", c->frames[i][d]);
		}
	}
	report_prom_family(b, "passt_drops_total", "counter",
			   "Frames dropped, by reason");
	for (i = 0; i < CNT_DROPS; i++) {
		rb_printf(b, "passt_drops_total{");
		rb_label(b, "", "reason", report_drop_str[i]);
		rb_printf(b, "} %" PRIu64 "\n", c->drops[i]);
	}
	report_prom_family(b, "passt_flows", "gauge", "Flows open, by type");
	for (i = FLOW_TYPE_NONE + 1; i < FLOW_NUM_TYPES; i++) {
		rb_printf(b, "passt_flows{");
		rb_label(b, "", "type", report_flow_type_str(i));
		rb_printf(b, "} %u\n", t->by_type[i]);
	}
	report_prom_family(b, "passt_flows_peak", "gauge",
			   "Most flows open at once since start");
	rb_printf(b, "passt_flows_peak %u\n", t->peak);
	report_prom_family(b, "passt_flows_max", "gauge",
			   "Size of the flow table");
	rb_printf(b, "passt_flows_max %u\n", FLOW_MAX);
	report_prom_family(b, "passt_flow_alloc_failures_total", "counter",
			   "New flows refused: the flow table was full");
	rb_printf(b, "passt_flow_alloc_failures_total %" PRIu64 "\n",
		  t->alloc_fail);
	report_prom_family(b, "passt_l2_answers_total", "counter",
			   "Answers of the ARP, DHCP, DHCPv6 and NDP "
			   "responders");
	for (i = 0; i < CNT_L2S; i++) {
		rb_printf(b, "passt_l2_answers_total{");
		rb_label(b, "", "service", report_l2_str[i]);
		rb_printf(b, "} %" PRIu64 "\n", c->l2[i]);
	}
	report_prom_family(b, "passt_epoll_events_total", "counter",
			   "Events handled, by type");
	for (i = 0; i < CNT_EPOLL_TYPES; i++) {
		const char *name = epref_type_str(i);

		if (!name)
			continue;
		rb_printf(b, "passt_epoll_events_total{");
		rb_label(b, "", "type", name);
		rb_printf(b, "} %" PRIu64 "\n", c->epoll[i]);
	}
}

/**
 * report_prom() - The flows and the global counters in the Prometheus text
 *		   exposition format, version 0.0.4
 * @s:		Source
 * @buf:	Buffer
 * @len:	Its size
 *
 * Global counters first, then the flow families (doc/control.md).
 *
 * Return: length of the text (NUL-terminated in @buf), 0 if it doesn't fit
 */
size_t report_prom(const struct report_src *s, char *buf, size_t len)
{
	struct rbuf b;
	unsigned int m;

	rb_init(&b, buf, len);
	report_prom_counters(&b, s);
	for (m = 0; m < REPORT_FLOW_METRICS; m++)
		report_prom_flows(&b, s, (enum report_flow_metric)m);
	return rb_done(&b);
}
