// SPDX-License-Identifier: GPL-2.0-or-later
/* fwd_live.c - the forwarding tables while running, and replacing them
 *
 * Theory of operation: see fwd_live.h. Matching a port of a new rule with
 * a listener open already goes through a per-port index built at each
 * prepare (@head and @chain: our entries, then the port scanner's), so a
 * change costs time in proportion to the ports of the two tables, not
 * their product.
 *
 * Syscalls: those of listen_open() and listen_close(), epoll_ctl
 * (EPOLL_CTL_MOD) for listeners kept under a new rule index, and
 * ns_call()'s for the namespace side.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "os/ns.h"
#include "transport/fwd_live.h"

/* A removed entry, until the arrays are compacted */
#define FWD_LIVE_GONE 0

/**
 * fwd_live_pi() - Index of a protocol in per-protocol arrays
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 *
 * Return: 0 for TCP, 1 for UDP
 */
static unsigned int fwd_live_pi(uint8_t proto)
{
	return proto == IPPROTO_UDP;
}

/**
 * fwd_live_note() - listen_table() opened a port of a static rule: keep it
 * @arg:	struct fwd_live_side
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @rule:	Index of the rule
 * @port:	Port
 * @ls:		Its sockets
 */
static void fwd_live_note(void *arg, uint8_t proto, unsigned int rule,
			  uint16_t port, const struct listen_socks *ls)
{
	struct fwd_live_side *s = arg;

	if (s->nsocks >= FWD_LIVE_SOCKS) {
		if (!s->full)
			log_warn("More than %u listening ports: those beyond "
				 "can't be changed at run time",
				 FWD_LIVE_SOCKS);
		s->full = true;
		return;
	}
	s->socks[s->nsocks++] = (struct fwd_auto_sock){
		{ls->fd[LISTEN_V4], ls->fd[LISTEN_V6]},
		port,
		(uint8_t)rule,
		proto};
}

/**
 * fwd_live_init() - Set up the running tables, before listening starts
 * @fl:		Running tables (static storage: they are large)
 * @cfg:	Tables at start, and how listeners are opened
 *
 * The transports are then given fwd_live_table() as their tables, and the
 * sides' @rec to listen_table().
 */
void fwd_live_init(struct fwd_live *fl, const struct fwd_live_cfg *cfg)
{
	const struct fwd_table *t[FWD_AUTO_NDIR] = {cfg->in, cfg->out};
	struct listen_gap *gap[FWD_AUTO_NDIR] = {cfg->gap_in, cfg->gap_out};
	int d;

	for (d = 0; d < FWD_AUTO_NDIR; d++) {
		struct fwd_live_side *s = &fl->side[d];
		enum listen_side where = d == FWD_AUTO_IN ? LISTEN_HOST
							  : LISTEN_NS;
		bool fb = d == FWD_AUTO_IN && cfg->freebind;

		fwd_table_init(&s->tbl);
		if (t[d])
			s->tbl = *t[d];
		s->nsocks = s->npend = 0;
		s->prepared = s->full = false;
		s->dir = (enum fwd_auto_dir)d;
		s->gap = gap[d];
		s->can[0] = cfg->can[d][0];
		s->can[1] = cfg->can[d][1];
		listen_req_init(&s->q[0], cfg->epfd, IPPROTO_TCP, where,
				cfg->netns_fd, fb);
		listen_req_init(&s->q[1], cfg->epfd, IPPROTO_UDP, where,
				cfg->netns_fd, fb);
		s->rec = (struct listen_rec){fwd_live_note, s};
	}
	fl->fa = NULL;
}

/**
 * fwd_live_attach() - Give the port scanner, once it is set up
 * @fl:		Running tables
 * @fa:		Port scanner: its listeners, and its per-port close functions
 *		(set up by fwd_auto_init() even without "auto" rules)
 */
void fwd_live_attach(struct fwd_live *fl, struct fwd_auto *fa)
{
	fl->fa = fa;
}

/**
 * fwd_live_same() - Tell whether two rules listen the same way
 * @a:		Rule
 * @b:		Rule
 *
 * Return: true for the same protocol, address, device and dual-stack flag
 *	   (ports and targets aside)
 */
static bool fwd_live_same(const struct fwd_rule *a, const struct fwd_rule *b)
{
	return a->proto == b->proto &&
	       (a->flags & FWD_DUAL_STACK) == (b->flags & FWD_DUAL_STACK) &&
	       inany_equals(&a->addr, &b->addr) &&
	       !strncmp(a->ifname, b->ifname, sizeof(a->ifname));
}

/**
 * fwd_live_auto_side() - The port scanner's side of a direction
 * @fl:		Running tables
 * @d:		Direction
 *
 * Return: the side, NULL without a port scanner
 */
static struct fwd_auto_side *fwd_live_auto_side(const struct fwd_live *fl,
						enum fwd_auto_dir d)
{
	return fl->fa ? &fl->fa->side[d] : NULL;
}

/**
 * fwd_live_index() - Index the listeners of a side by port
 * @fl:		Running tables
 * @s:		Side
 */
static void fwd_live_index(struct fwd_live *fl, struct fwd_live_side *s)
{
	const struct fwd_auto_side *as = fwd_live_auto_side(fl, s->dir);
	unsigned int i;

	memset(fl->head, 0xff, sizeof(fl->head));
	for (i = 0; i < s->nsocks; i++) {
		s->keep[i] = FWD_LIVE_NONE;
		fl->chain[i] = fl->head[s->socks[i].port];
		fl->head[s->socks[i].port] = (int32_t)i;
	}
	for (i = 0; as && i < as->nsocks; i++) {
		s->keep_auto[i] = FWD_LIVE_NONE;
		fl->chain[FWD_LIVE_SOCKS + i] = fl->head[as->socks[i].port];
		fl->head[as->socks[i].port] = (int32_t)(FWD_LIVE_SOCKS + i);
	}
}

/**
 * fwd_live_claim() - Keep an open listener for a port of a new rule
 * @fl:		Running tables, indexed by fwd_live_index()
 * @s:		Side
 * @r:		New rule
 * @rule:	Its index in the new table
 * @port:	Port of @r
 *
 * Return: true if a listener was found, and is now kept for @rule
 */
static bool fwd_live_claim(struct fwd_live *fl, struct fwd_live_side *s,
			   const struct fwd_rule *r, unsigned int rule,
			   uint16_t port)
{
	const struct fwd_auto_side *as = fwd_live_auto_side(fl, s->dir);
	int32_t i;

	for (i = fl->head[port]; i >= 0; i = fl->chain[i]) {
		const struct fwd_auto_sock *k;
		uint16_t *keep;

		if (i < FWD_LIVE_SOCKS) {
			k = &s->socks[i];
			keep = &s->keep[i];
		} else {
			k = &as->socks[i - FWD_LIVE_SOCKS];
			keep = &s->keep_auto[i - FWD_LIVE_SOCKS];
		}
		if (*keep != FWD_LIVE_NONE ||
		    !fwd_live_same(&s->tbl.rules[k->rule], r))
			continue;
		*keep = (uint16_t)rule;
		return true;
	}
	return false;
}

/**
 * struct fwd_live_run - Opening the new ports of a side, and the outcome
 * @fl:		Running tables
 * @s:		Side
 * @weak:	Per protocol: best-effort rules met
 * @weak_bound:	Per protocol: their ports served (kept or opened)
 * @weak_failed: Their ports that couldn't be bound
 * @weak_err:	The last error of those, -errno
 * @strict_err:	Error of a port of an explicit rule, which stopped the run
 * @strict_port: That port
 * @strict_proto: Its protocol
 * @err:	Other error that stopped the run (-ENOSPC: too many ports)
 */
struct fwd_live_run {
	struct fwd_live *fl;
	struct fwd_live_side *s;
	unsigned int weak[2];
	unsigned int weak_bound[2];
	unsigned int weak_failed;
	int weak_err;
	int strict_err;
	uint16_t strict_port;
	uint8_t strict_proto;
	int err;
};

/**
 * fwd_live_open_port() - Keep or open one port of a new static rule
 * @run:	Run, updated
 * @r:		Rule
 * @rule:	Its index in the new table
 * @port:	Port
 *
 * Return: 0 to go on, -errno to stop the run
 */
static int fwd_live_open_port(struct fwd_live_run *run,
			      const struct fwd_rule *r, unsigned int rule,
			      uint16_t port)
{
	struct fwd_live_side *s = run->s;
	unsigned int pi = fwd_live_pi(r->proto);
	bool weak = r->flags & FWD_BEST_EFFORT;
	struct listen_socks ls;
	int rc;

	if (fwd_live_claim(run->fl, s, r, rule, port)) {
		run->weak_bound[pi] += weak;
		return 0;
	}
	/* room for these, and for the port scanner's we may take over */
	if (s->nsocks + s->npend + FWD_AUTO_SOCKS >= FWD_LIVE_SOCKS)
		return run->err = -ENOSPC;
	rc = listen_open(&s->q[pi], r, rule, port, &ls);
	if (!rc) {
		listen_gap_note(s->gap ? &s->gap_next[rule] : NULL,
				s->dir == FWD_AUTO_IN ? "host" : "namespace",
				r, port, &ls);
		s->socks[s->nsocks + s->npend++] = (struct fwd_auto_sock){
			{ls.fd[LISTEN_V4], ls.fd[LISTEN_V6]},
			port,
			(uint8_t)rule,
			r->proto};
		run->weak_bound[pi] += weak;
		return 0;
	}
	if (!weak) {
		run->strict_err = rc;
		run->strict_port = port;
		run->strict_proto = r->proto;
		return rc;
	}
	run->weak_failed++;
	run->weak_err = rc;
	return 0;
}

/**
 * fwd_live_open_all() - Keep or open every port of the new static rules
 * @arg:	struct fwd_live_run
 *
 * Runs inside the namespace for the outbound side.
 *
 * Return: 0 (the outcome is in @arg)
 */
static int fwd_live_open_all(void *arg)
{
	struct fwd_live_run *run = arg;
	const struct fwd_table *t = &run->s->next;
	int r;

	for (r = 0; r < t->n; r++) {
		const struct fwd_rule *rule = &t->rules[r];
		unsigned int p;

		if ((rule->flags & FWD_AUTO) ||
		    !run->s->can[fwd_live_pi(rule->proto)])
			continue;
		run->weak[fwd_live_pi(rule->proto)] +=
			!!(rule->flags & FWD_BEST_EFFORT);
		for (p = rule->first; p <= rule->last; p++) {
			if (fwd_live_open_port(run, rule, (unsigned int)r,
					       (uint16_t)p))
				return 0;
		}
	}
	return 0;
}

/**
 * fwd_live_close_pending() - Close what a prepare opened
 * @s:		Side
 */
static void fwd_live_close_pending(struct fwd_live_side *s)
{
	unsigned int i;
	int f;

	for (i = s->nsocks; i < s->nsocks + s->npend; i++) {
		struct fwd_auto_sock *k = &s->socks[i];

		for (f = 0; f < LISTEN_NFAM; f++) {
			if (k->fd[f] >= 0)
				listen_close(s->q[0].epfd, k->fd[f]);
		}
	}
	s->npend = 0;
	s->prepared = false;
}

/**
 * fwd_live_verdict() - What a run means, as at start (compat.md 5.1)
 * @run:	The run, done
 * @err:	Set to a one-line message on failure
 * @errlen:	Size of @err
 *
 * Return: 0, or -errno if the change must fail
 */
static int fwd_live_verdict(const struct fwd_live_run *run, char *err,
			    size_t errlen)
{
	const char *where = run->s->dir == FWD_AUTO_IN ? "host" : "namespace";
	unsigned int pi;

	if (run->err) {
		snprintf(err, errlen, "More than %u %s listening ports",
			 (unsigned int)(FWD_LIVE_SOCKS - FWD_AUTO_SOCKS), where);
		return run->err;
	}
	if (run->strict_err) {
		snprintf(err, errlen, "Listen failed for %s %s port %u: %s",
			 where, run->strict_proto == IPPROTO_TCP ? "TCP" : "UDP",
			 run->strict_port, strerror(-run->strict_err));
		return run->strict_err;
	}
	for (pi = 0; pi < 2; pi++) {
		if (!run->weak[pi] || run->weak_bound[pi])
			continue;
		snprintf(err, errlen,
			 "Couldn't bind any forwarded %s port%s: %s",
			 pi ? "UDP" : "TCP",
			 run->s->dir == FWD_AUTO_IN ? "" : " in the namespace",
			 strerror(-run->weak_err));
		return run->weak_err ? run->weak_err : -EADDRINUSE;
	}
	if (run->weak_failed)
		log_warn("%u forwarded ports couldn't be bound (%s), last: %s",
			 run->weak_failed, where, strerror(-run->weak_err));
	return 0;
}

/**
 * fwd_live_prepare() - Open what a new table of a direction needs
 * @fl:		Running tables
 * @d:		Direction
 * @t:		New table, checked already (ctl/wire.c): valid rules that
 *		don't conflict with each other
 * @err:	Set to a one-line message on failure
 * @errlen:	Size of @err
 *
 * Nothing in force changes: fwd_live_commit() or fwd_live_abort() follow,
 * after every direction of the change was prepared.
 *
 * Return: 0, or -errno (what was opened is closed again)
 */
int fwd_live_prepare(struct fwd_live *fl, enum fwd_auto_dir d,
		     const struct fwd_table *t, char *err, size_t errlen)
{
	struct fwd_live_side *s = &fl->side[d];
	struct fwd_live_run run = {.fl = fl, .s = s};
	int rc;

	if (s->prepared)
		return -EBUSY;
	s->next = *t;
	s->npend = 0;
	memset(s->gap_next, 0, sizeof(s->gap_next));
	fwd_live_index(fl, s);
	if (s->q[0].side != LISTEN_NS)
		rc = fwd_live_open_all(&run);
	else
		rc = ns_call(s->q[0].netns_fd, fwd_live_open_all, &run);
	if (rc) {
		snprintf(err, errlen, "Couldn't enter the namespace: %s",
			 strerror(-rc));
	} else {
		rc = fwd_live_verdict(&run, err, errlen);
	}
	s->prepared = true;
	if (rc)
		fwd_live_close_pending(s);
	return rc;
}

/**
 * fwd_live_auto_rule() - The new "auto" rule that covers a listener
 * @t:		New table
 * @k:		Listener, with its rule in @old
 * @old:	Table it was opened for
 *
 * Return: index of the rule in @t, -1 if none
 */
static int fwd_live_auto_rule(const struct fwd_table *t,
			      const struct fwd_auto_sock *k,
			      const struct fwd_table *old)
{
	int r;

	for (r = 0; r < t->n; r++) {
		const struct fwd_rule *n = &t->rules[r];

		if ((n->flags & FWD_AUTO) && k->port >= n->first &&
		    k->port <= n->last &&
		    fwd_live_same(n, &old->rules[k->rule]))
			return r;
	}
	return -1;
}

/**
 * fwd_live_reref() - Move a listener's epoll reference to a new rule index
 * @s:		Side
 * @k:		Listener
 * @rule:	New index
 */
static void fwd_live_reref(const struct fwd_live_side *s,
			   struct fwd_auto_sock *k, unsigned int rule)
{
	int f, rc;

	for (f = 0; f < LISTEN_NFAM; f++) {
		if (k->fd[f] < 0)
			continue;
		rc = listen_reref(&s->q[fwd_live_pi(k->proto)], k->fd[f], rule,
				  k->port);
		if (rc)
			log_warn("Couldn't move listener of port %u: %s",
				 k->port, strerror(-rc));
	}
	k->rule = (uint8_t)rule;
}

/**
 * fwd_live_drop() - Close a listener no rule wants, or give it to the port
 *		     scanner if a new "auto" rule covers it
 * @fl:		Running tables
 * @s:		Side, with @next prepared
 * @k:		Listener (marked gone on return)
 */
static void fwd_live_drop(struct fwd_live *fl, struct fwd_live_side *s,
			  struct fwd_auto_sock *k)
{
	struct fwd_auto_side *as = fwd_live_auto_side(fl, s->dir);
	int a = fwd_live_auto_rule(&s->next, k, &s->tbl), f;

	if (a >= 0 && as && as->nsocks < FWD_AUTO_SOCKS) {
		fwd_live_reref(s, k, (unsigned int)a);
		as->socks[as->nsocks++] = *k;
	} else {
		for (f = 0; f < LISTEN_NFAM; f++) {
			if (k->fd[f] < 0)
				continue;
			if (as && as->ops.unlisten)
				as->ops.unlisten(as->ops.arg, k->proto,
						 k->fd[f]);
			else
				listen_close(s->q[0].epfd, k->fd[f]);
		}
	}
	k->proto = FWD_LIVE_GONE;
}

/**
 * fwd_live_compact() - Remove gone entries from an array of listeners
 * @k:		Array
 * @n:		Its entries, updated
 */
static void fwd_live_compact(struct fwd_auto_sock *k, unsigned int *n)
{
	unsigned int i, j = 0;

	for (i = 0; i < *n; i++) {
		if (k[i].proto != FWD_LIVE_GONE)
			k[j++] = k[i];
	}
	*n = j;
}

/**
 * fwd_live_commit_side() - Put a prepared table in force
 * @fl:		Running tables
 * @s:		Side, prepared
 */
static void fwd_live_commit_side(struct fwd_live *fl, struct fwd_live_side *s)
{
	struct fwd_auto_side *as = fwd_live_auto_side(fl, s->dir);
	unsigned int i, nauto = as ? as->nsocks : 0, r, o;

	/* our listeners: kept under their new index, or dropped */
	for (i = 0; i < s->nsocks; i++) {
		if (s->keep[i] == FWD_LIVE_NONE)
			fwd_live_drop(fl, s, &s->socks[i]);
		else if (s->keep[i] != s->socks[i].rule)
			fwd_live_reref(s, &s->socks[i], s->keep[i]);
	}
	s->nsocks += s->npend;
	s->npend = 0;

	/* the port scanner's, from before: ours now, still its, or gone */
	for (i = 0; i < nauto; i++) {
		struct fwd_auto_sock *k = &as->socks[i];
		int a;

		if (s->keep_auto[i] != FWD_LIVE_NONE) {
			fwd_live_reref(s, k, s->keep_auto[i]);
			s->socks[s->nsocks++] = *k;
			k->proto = FWD_LIVE_GONE;
		} else if ((a = fwd_live_auto_rule(&s->next, k, &s->tbl)) >= 0) {
			fwd_live_reref(s, k, (unsigned int)a);
		} else {
			fwd_live_drop(fl, s, k);
		}
	}
	fwd_live_compact(s->socks, &s->nsocks);
	if (as)
		fwd_live_compact(as->socks, &as->nsocks);

	/* rules the same as before keep what they knew of missing families */
	for (r = 0; s->gap && r < (unsigned int)s->next.n; r++) {
		for (o = 0; o < (unsigned int)s->tbl.n; o++) {
			const struct fwd_rule *a = &s->next.rules[r];
			const struct fwd_rule *b = &s->tbl.rules[o];

			if (!fwd_live_same(a, b) || a->first != b->first ||
			    a->last != b->last || a->flags != b->flags)
				continue;
			s->gap_next[r].n[0] += s->gap[o].n[0];
			s->gap_next[r].n[1] += s->gap[o].n[1];
			if (!s->gap_next[r].err[0])
				s->gap_next[r].err[0] = s->gap[o].err[0];
			if (!s->gap_next[r].err[1])
				s->gap_next[r].err[1] = s->gap[o].err[1];
			break;
		}
	}
	if (s->gap)
		memcpy(s->gap, s->gap_next, sizeof(s->gap_next));
	s->tbl = s->next;
	s->prepared = false;
	if (fl->fa)
		fwd_auto_retable(fl->fa, s->dir);
}

/**
 * fwd_live_commit() - Put every prepared table in force
 * @fl:		Running tables
 */
void fwd_live_commit(struct fwd_live *fl)
{
	int d;

	for (d = 0; d < FWD_AUTO_NDIR; d++) {
		if (fl->side[d].prepared)
			fwd_live_commit_side(fl, &fl->side[d]);
	}
}

/**
 * fwd_live_abort() - Drop every prepared table: close what they opened
 * @fl:		Running tables
 */
void fwd_live_abort(struct fwd_live *fl)
{
	int d;

	for (d = 0; d < FWD_AUTO_NDIR; d++) {
		if (fl->side[d].prepared)
			fwd_live_close_pending(&fl->side[d]);
	}
}

/**
 * fwd_live_count() - Listening ports of static rules in force
 * @fl:		Running tables
 * @d:		Direction
 *
 * Return: ports tracked (each with one socket, or one per family)
 */
unsigned int fwd_live_count(const struct fwd_live *fl, enum fwd_auto_dir d)
{
	return fl->side[d].nsocks;
}
