/* SPDX-License-Identifier: GPL-2.0-or-later */
/* wire.h - codec of the control protocol (pesto and -c/--conf-path)
 *
 * See wire.c for the protocol and doc/control.md for the byte layout.
 */
#ifndef CTL_WIRE_H
#define CTL_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/view.h"
#include "flow/fwd.h"

#define CTL_MAGIC	  "basil:s" /* 8 bytes with its NUL */
#define CTL_REQ_MAGIC	  "basil:q" /* our extension: a request */
#define CTL_ANS_MAGIC	  "basil:a" /* our extension: its answer */
#define CTL_MAGIC_LEN	  8
#define CTL_VERSION	  2
#define CTL_PIF_NAME_SIZE 128
#define CTL_IFNAMSIZ	  16
#define CTL_HELLO_LEN	  20
#define CTL_RULE_LEN	  56
#define CTL_TABLE_HDR_LEN 137 /* pif + name + caps + count */
#define CTL_UPD_HDR_LEN	  5   /* pif + count */
#define CTL_REQ_LEN	  12  /* magic + request */
#define CTL_ANS_HDR_LEN	  16  /* magic + status + length */
#define CTL_ANS_MAX	  (64U << 20)
#define CTL_MAX_TABLES	  2

/* Largest hello + tables + terminator a server sends, and update */
#define CTL_SERVER_MAX                                                         \
	(CTL_HELLO_LEN +                                                       \
	 CTL_MAX_TABLES * (CTL_TABLE_HDR_LEN + FWD_MAX_RULES * CTL_RULE_LEN) + \
	 1)
#define CTL_UPDATE_MAX                                                         \
	(CTL_MAX_TABLES * (CTL_UPD_HDR_LEN + FWD_MAX_RULES * CTL_RULE_LEN) + 1)

/**
 * enum ctl_pif - Interface numbers on the wire (upstream's enum pif_type)
 * @CTL_PIF_END:	Terminates the list of tables
 * @CTL_PIF_HOST:	Inbound table (-t/-u), name "HOST"
 * @CTL_PIF_TAP:	The guest side: has no table
 * @CTL_PIF_SPLICE:	Outbound table (-T/-U, pasta), name "SPLICE"
 */
enum ctl_pif {
	CTL_PIF_END = 0,
	CTL_PIF_HOST = 1,
	CTL_PIF_TAP = 2,
	CTL_PIF_SPLICE = 3,
};

/**
 * enum ctl_cap - Capability bits of a table: what its rules may use
 * @CTL_CAP_IPV4:	IPv4 addresses
 * @CTL_CAP_IPV6:	IPv6 addresses
 * @CTL_CAP_TCP:	TCP rules
 * @CTL_CAP_UDP:	UDP rules
 * @CTL_CAP_SCAN:	FWD_AUTO rules ("auto", pasta only)
 * @CTL_CAP_IFNAME:	Device binding works (a rule may carry an ifname)
 */
enum ctl_cap {
	CTL_CAP_IPV4 = 1 << 0,
	CTL_CAP_IPV6 = 1 << 1,
	CTL_CAP_TCP = 1 << 2,
	CTL_CAP_UDP = 1 << 3,
	CTL_CAP_SCAN = 1 << 4,
	CTL_CAP_IFNAME = 1 << 5,
};

/**
 * enum ctl_req - Requests of our extension ("basil:q")
 * @CTL_REQ_FLOWS_JSON:		JSON: {"counters": {...}, "flows": [...]}
 * @CTL_REQ_PROMETHEUS:		Prometheus text exposition format 0.0.4
 * @CTL_REQ_LAST_CHANGE:	"<seq> ok" or "<seq> error: ..." about the
 *				last change request the server handled
 * @CTL_REQ_MAX:		Highest request number known
 */
enum ctl_req {
	CTL_REQ_FLOWS_JSON = 1,
	CTL_REQ_PROMETHEUS = 2,
	CTL_REQ_LAST_CHANGE = 3,
	CTL_REQ_MAX = CTL_REQ_LAST_CHANGE,
};

/**
 * struct ctl_table - One forwarding table as the protocol sees it
 * @pif:	enum ctl_pif
 * @name:	Name, NUL-terminated: "HOST" or "SPLICE"
 * @caps:	enum ctl_cap bits
 * @t:		Rules
 */
struct ctl_table {
	uint8_t pif;
	char name[CTL_PIF_NAME_SIZE];
	uint32_t caps;
	struct fwd_table t;
};

/* Server side */
size_t ctl_hello_put(uint8_t *buf, size_t len);
size_t ctl_tables_put(uint8_t *buf, size_t len, const struct ctl_table *tbl,
		      int n);
int ctl_update_parse(struct pview *v, const struct ctl_table *cur, int n,
		     struct ctl_table *out, bool *present, char *err,
		     size_t errlen);
int ctl_req_parse(struct pview *v, uint32_t *req);
size_t ctl_ans_hdr_put(uint8_t *buf, size_t len, uint32_t status,
		       uint32_t length);

/* Client side */
int ctl_server_parse(struct pview *v, struct ctl_table *tbl, int max, int *n,
		     char *err, size_t errlen);
size_t ctl_update_put(uint8_t *buf, size_t len, const struct ctl_table *tbl,
		      int n);
size_t ctl_req_put(uint8_t *buf, size_t len, uint32_t req);
int ctl_ans_hdr_parse(struct pview *v, uint32_t *status, uint32_t *length);

/* Both */
void ctl_rule_put(const struct fwd_rule *r, uint8_t out[CTL_RULE_LEN]);
int ctl_rule_get(struct pview *v, uint32_t caps, struct fwd_rule *r,
		 char *err, size_t errlen);
bool ctl_rule_equal(const struct fwd_rule *a, const struct fwd_rule *b);
bool ctl_tables_equal(const struct ctl_table *a, int na,
		      const struct ctl_table *b, int nb);
const char *ctl_pif_name(uint8_t pif);

#endif /* CTL_WIRE_H */
