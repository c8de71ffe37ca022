/* SPDX-License-Identifier: GPL-2.0-or-later */
/* prom.h - pesto: the Prometheus text of a server, read line by line */
#ifndef PESTO_PROM_H
#define PESTO_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "flow/flow.h"

#define PROM_LINE_MAX 1024
#define PROM_NAME_MAX 128
#define PROM_ADDR_MAX 128

/**
 * enum prom_mode - What is done with the lines
 * @PROM_FLOWS:		Collect the per-flow metrics (passt_flow_*)
 * @PROM_COUNTERS:	Print every other sample
 */
enum prom_mode {
	PROM_FLOWS,
	PROM_COUNTERS,
};

/**
 * struct prom_flow - What the metrics say about one flow
 * @used:	Some metric named it
 * @type:	"tcp", "udp", ...
 * @state:	State name
 * @ini:	Initiating side, "ADDR:PORT>ADDR:PORT"
 * @tgt:	Target side, the same
 * @bytes:	Bytes initiator to target [0], target to initiator [1]
 * @pkts:	Packets, the same
 * @age:	Seconds since it was created
 * @idle:	Seconds since its last packet
 */
struct prom_flow {
	bool used;
	char type[16];
	char state[32];
	char ini[PROM_ADDR_MAX];
	char tgt[PROM_ADDR_MAX];
	uint64_t bytes[2];
	uint64_t pkts[2];
	double age;
	double idle;
};

/**
 * struct prom_sample - One sample line: name{labels} value
 * @name:	Metric name
 * @flow:	Value of label "flow", -1 if absent
 * @dir:	Label "dir": 0 for "ini_to_tgt", 1 for "tgt_to_ini", -1
 * @type:	Label "type", "" if absent
 * @state:	Label "state"
 * @ini:	Label "ini"
 * @tgt:	Label "tgt"
 * @labels:	The labels as written, without braces
 * @value:	Value
 */
struct prom_sample {
	char name[PROM_NAME_MAX];
	long flow;
	int dir;
	char type[16];
	char state[32];
	char ini[PROM_ADDR_MAX];
	char tgt[PROM_ADDR_MAX];
	char labels[PROM_LINE_MAX];
	double value;
};

/**
 * struct prom_parser - Line assembly and what was gathered
 * @mode:	enum prom_mode
 * @out:	Stream for PROM_COUNTERS
 * @line:	Current line
 * @len:	Bytes in it
 * @overlong:	The current line is too long: skipped
 * @flows:	Flows by index
 */
struct prom_parser {
	enum prom_mode mode;
	FILE *out;
	char line[PROM_LINE_MAX];
	size_t len;
	bool overlong;
	struct prom_flow flows[FLOW_MAX];
};

void prom_init(struct prom_parser *p, enum prom_mode mode, FILE *out);
void prom_feed(struct prom_parser *p, const char *data, size_t len);
int prom_sample_parse(const char *line, struct prom_sample *s);
void prom_print_flows(const struct prom_parser *p, FILE *f);

#endif /* PESTO_PROM_H */
