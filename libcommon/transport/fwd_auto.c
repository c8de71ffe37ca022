// SPDX-License-Identifier: GPL-2.0-or-later
/* fwd_auto.c - pasta's "auto" forwarding: listeners follow the bound ports
 *
 * Theory of operation: see fwd_auto.h. One scan, for each active direction:
 * read the four /proc/net files of the scanned side into two port maps
 * (TCP listeners; unconnected UDP sockets plus TCP listeners), remove our own
 * ports on that side, then walk the auto rules: a listener that is open but
 * no longer wanted is closed, a port that is wanted and not open is opened.
 * A port that can't be opened (someone else has it) is tried again at the
 * next scan. Memory is fixed: the open listeners of a direction are an
 * array of FWD_AUTO_SOCKS entries, one per port: one socket, or two when
 * the dual-stack socket couldn't be bound and each family was bound on its
 * own (transport/listen.h); both are closed when the port goes away, and a
 * family missing then is not tried again while the port stays.
 *
 * Syscalls: timerfd_create, timerfd_settime, read, open (at start, also
 * inside the namespace through ns_call()), pread, close, and what the
 * transports' per-port functions use (socket, setsockopt, bind, listen,
 * epoll_ctl).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "base/log.h"
#include "os/epref.h"
#include "os/ns.h"
#include "transport/fwd_auto.h"

static const char *const fwd_auto_paths[FWD_AUTO_NFILES] = {
	[FWD_AUTO_TCP4] = "/proc/net/tcp",
	[FWD_AUTO_TCP6] = "/proc/net/tcp6",
	[FWD_AUTO_UDP4] = "/proc/net/udp",
	[FWD_AUTO_UDP6] = "/proc/net/udp6",
};

/**
 * fwd_auto_pi() - Index of a protocol in the per-protocol port maps
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 *
 * Return: 0 for TCP, 1 for UDP
 */
static unsigned int fwd_auto_pi(uint8_t proto)
{
	return proto == IPPROTO_UDP;
}

/**
 * fwd_auto_needed() - Tell whether a table has auto rules
 * @t:		Table, may be NULL
 *
 * Return: true if at least one rule has FWD_AUTO
 */
bool fwd_auto_needed(const struct fwd_table *t)
{
	int r;

	for (r = 0; t && r < t->n; r++) {
		if (t->rules[r].flags & FWD_AUTO)
			return true;
	}
	return false;
}

/**
 * fwd_auto_open_files() - Open the /proc/net files of the current namespace
 * @arg:	Array of FWD_AUTO_NFILES descriptors, filled (-1 on failure)
 *
 * Return: 0 if the TCP files could be opened, -errno otherwise
 */
static int fwd_auto_open_files(void *arg)
{
	int *files = arg, i, rc = 0;

	for (i = 0; i < FWD_AUTO_NFILES; i++) {
		files[i] = open(fwd_auto_paths[i], O_RDONLY | O_CLOEXEC);
		if (files[i] < 0 && i == FWD_AUTO_TCP4)
			rc = -errno;
	}
	return rc;
}

/**
 * fwd_auto_in_listen() - Per-port listeners of the inbound direction
 * @arg:	struct fwd_auto
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @rule:	Rule index in the inbound table
 * @port:	Port
 * @ls:		Set to the listeners
 *
 * Return: 0, or -errno
 */
static int fwd_auto_in_listen(void *arg, uint8_t proto, int rule, uint16_t port,
			      struct listen_socks *ls)
{
	struct fwd_auto *fa = arg;

	if (proto == IPPROTO_TCP)
		return tcp_listen_port(fa->tcp, rule, port, fa->freebind, ls);
	return udp_listen_port(fa->udp, rule, port, fa->freebind, ls);
}

/**
 * fwd_auto_in_unlisten() - Close an inbound listener
 * @arg:	struct fwd_auto
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @fd:		Descriptor
 */
static void fwd_auto_in_unlisten(void *arg, uint8_t proto, int fd)
{
	struct fwd_auto *fa = arg;

	if (proto == IPPROTO_TCP)
		tcp_unlisten_port(fa->tcp, fd);
	else
		udp_unlisten_port(fa->udp, fd);
}

/**
 * fwd_auto_out_listen() - Per-port listeners of the outbound direction
 * @arg:	struct fwd_auto
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @rule:	Rule index in the outbound table
 * @port:	Port
 * @ls:		Set to the listeners
 *
 * Return: 0, or -errno
 */
static int fwd_auto_out_listen(void *arg, uint8_t proto, int rule,
			       uint16_t port, struct listen_socks *ls)
{
	struct fwd_auto *fa = arg;

	if (rule < 0)
		return -EINVAL;
	if (proto == IPPROTO_TCP && fa->tsp)
		return tcp_splice_listen_ns(fa->tsp, (unsigned int)rule, port,
					    ls);
	if (proto == IPPROTO_UDP && fa->usp)
		return udp_splice_listen_ns(fa->usp, (unsigned int)rule, port,
					    ls);
	return -EOPNOTSUPP;
}

/**
 * fwd_auto_out_unlisten() - Close an outbound listener
 * @arg:	struct fwd_auto
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 * @fd:		Descriptor
 */
static void fwd_auto_out_unlisten(void *arg, uint8_t proto, int fd)
{
	struct fwd_auto *fa = arg;

	if (proto == IPPROTO_TCP)
		tcp_splice_unlisten(fa->tsp, fd);
	else
		udp_splice_unlisten(fa->usp, fd);
}

/**
 * fwd_auto_fixed() - Ports of the non-auto rules of a table
 * @s:		Side, with @s->tbl set
 */
static void fwd_auto_fixed(struct fwd_auto_side *s)
{
	int r;

	portmap_zero(&s->fixed[0]);
	portmap_zero(&s->fixed[1]);
	for (r = 0; s->tbl && r < s->tbl->n; r++) {
		const struct fwd_rule *rule = &s->tbl->rules[r];

		if (!(rule->flags & FWD_AUTO))
			portmap_set_range(&s->fixed[fwd_auto_pi(rule->proto)],
					  rule->first, rule->last);
	}
	s->mine[0] = s->fixed[0];
	s->mine[1] = s->fixed[1];
}

/**
 * fwd_auto_arm() - Arm the rescan timer while a direction is active, else
 *		    disarm it: no wake-ups without "auto" rules
 * @fa:		State, with its timer
 *
 * Return: 0, or -errno
 */
static int fwd_auto_arm(struct fwd_auto *fa)
{
	struct itimerspec it = { 0 };
	bool on = fa->side[FWD_AUTO_IN].active || fa->side[FWD_AUTO_OUT].active;

	if (fa->timer_fd < 0 || on == fa->armed)
		return 0;
	if (on) {
		it.it_interval.tv_sec = FWD_AUTO_PERIOD_MS / 1000;
		it.it_interval.tv_nsec = (FWD_AUTO_PERIOD_MS % 1000) * 1000000L;
		it.it_value = it.it_interval;
	}
	if (timerfd_settime(fa->timer_fd, 0, &it, NULL))
		return -errno;
	fa->armed = on;
	return 0;
}

/**
 * fwd_auto_timer_start() - Create the rescan timer, armed if needed
 * @fa:		State
 * @epfd:	epoll descriptor
 *
 * Return: 0, or -errno
 */
static int fwd_auto_timer_start(struct fwd_auto *fa, int epfd)
{
	int rc;

	fa->timer_fd =
		timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fa->timer_fd < 0)
		return -errno;
	if ((rc = fwd_auto_arm(fa)))
		goto close_timer;
	rc = epref_ctl(epfd, EPOLL_CTL_ADD, EPOLL_TYPE_SCAN_TIMER, 0,
		       fa->timer_fd, EPOLLIN);
	if (!rc)
		return 0;
close_timer:
	close(fa->timer_fd);
	fa->timer_fd = -1;
	return rc;
}

/**
 * fwd_auto_side_init() - Set up one direction
 * @s:		Side, zeroed
 * @tbl:	Its rules, NULL if none
 * @ops:	Its per-port listeners
 * @gap:	Per rule of @tbl: ports served by one family only, or NULL
 * @what:	"Inbound" or "Outbound", for messages
 */
static void fwd_auto_side_init(struct fwd_auto_side *s,
			       const struct fwd_table *tbl,
			       const struct fwd_auto_ops *ops,
			       struct listen_gap *gap, const char *what)
{
	bool idle[2] = {false, false};
	unsigned int pi;
	int i, r;

	s->tbl = tbl;
	s->gap = gap;
	s->what = *what == 'I' ? "host" : "namespace";
	for (i = 0; i < FWD_AUTO_NFILES; i++)
		s->files[i] = -1;
	s->ops = *ops;
	fwd_auto_fixed(s);
	for (r = 0; tbl && r < tbl->n; r++) {
		if (!(tbl->rules[r].flags & FWD_AUTO))
			continue;
		pi = fwd_auto_pi(tbl->rules[r].proto);
		s->active |= s->ops.can[pi];
		idle[pi] |= !s->ops.can[pi];
	}
	for (pi = 0; pi < 2; pi++) {
		if (idle[pi])
			log_debug("%s 'auto' %s forwarding is not available "
				  "yet: ignored",
				  what, pi ? "UDP" : "TCP");
	}
}

/**
 * fwd_auto_init() - Set up auto forwarding, scan once, start the timer
 * @fa:		State (static storage: it is large)
 * @cfg:	Rules, transports and namespace
 *
 * Does nothing, successfully, if no rule of either direction is "auto".
 * The first scan is done here, so that ports already bound when pasta
 * starts are forwarded before it reports readiness.
 *
 * Return: 0 on success, -errno on failure (logged)
 */
int fwd_auto_init(struct fwd_auto *fa, const struct fwd_auto_cfg *cfg)
{
	const struct fwd_auto_ops in_ops = {
		fwd_auto_in_listen,
		fwd_auto_in_unlisten,
		fa,
		{cfg->tcp != NULL, cfg->udp != NULL},
	};
	const struct fwd_auto_ops out_ops = {
		fwd_auto_out_listen,
		fwd_auto_out_unlisten,
		fa,
		{cfg->tsp != NULL, cfg->usp != NULL},
	};
	struct fwd_auto_side *in = &fa->side[FWD_AUTO_IN];
	struct fwd_auto_side *out = &fa->side[FWD_AUTO_OUT];
	int rc;

	memset(fa, 0, sizeof(*fa));
	fa->timer_fd = -1;
	fa->tcp = cfg->tcp;
	fa->udp = cfg->udp;
	fa->tsp = cfg->tsp;
	fa->usp = cfg->usp;
	fa->freebind = cfg->freebind;
	fwd_auto_side_init(in, cfg->in, &in_ops, cfg->gap_in, "Inbound");
	fwd_auto_side_init(out, cfg->out, &out_ops, cfg->gap_out, "Outbound");
	if (!in->active && !out->active && !cfg->runtime)
		return 0;

	if ((in->active || cfg->runtime) &&
	    (rc = ns_call(cfg->netns_fd, fwd_auto_open_files, in->files))) {
		log_err("Couldn't open /proc/net files of the namespace: %s",
			strerror(-rc));
		return rc;
	}
	if ((out->active || cfg->runtime) &&
	    (rc = fwd_auto_open_files(out->files))) {
		log_err("Couldn't open /proc/net files: %s", strerror(-rc));
		return rc;
	}
	fwd_auto_scan(fa);
	if ((rc = fwd_auto_timer_start(fa, cfg->epfd)))
		log_err("Couldn't start the port scan timer: %s",
			strerror(-rc));
	return rc;
}

/**
 * fwd_auto_read() - Read one /proc/net file into a port map
 * @fa:		State: parser and buffer
 * @fd:		File, -1 to skip
 * @map:	Ports in @state are set here
 * @state:	enum portscan_state
 *
 * Return: 0, or -errno if the file couldn't be read
 */
static int fwd_auto_read(struct fwd_auto *fa, int fd, struct portmap *map,
			 uint8_t state)
{
	off_t off = 0;
	unsigned int i;
	ssize_t n;

	if (fd < 0)
		return 0;
	portscan_begin(&fa->ps, map, state);
	for (i = 0; i < FWD_AUTO_MAX_READS; i++) {
		n = pread(fd, fa->buf, sizeof(fa->buf), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			break;
		portscan_feed(&fa->ps, pview_make(fa->buf, (size_t)n));
		off += n;
	}
	portscan_end(&fa->ps);
	return 0;
}

/**
 * fwd_auto_bound() - Scan the other side of a direction
 * @fa:		State
 * @s:		Direction
 * @other:	Opposite direction: its ports are on the side we scan
 *
 * Return: 0, or -errno if a file couldn't be read (maps unusable)
 */
static int fwd_auto_bound(struct fwd_auto *fa, struct fwd_auto_side *s,
			  const struct fwd_auto_side *other)
{
	struct portmap *tcp = &s->bound[0], *udp = &s->bound[1];
	const int *f = s->files;
	int rc;

	portmap_zero(tcp);
	portmap_zero(udp);
	if ((rc = fwd_auto_read(fa, f[FWD_AUTO_TCP4], tcp,
				PORTSCAN_TCP_LISTEN)) ||
	    (rc = fwd_auto_read(fa, f[FWD_AUTO_TCP6], tcp,
				PORTSCAN_TCP_LISTEN)) ||
	    (rc = fwd_auto_read(fa, f[FWD_AUTO_UDP4], udp,
				PORTSCAN_UDP_UNCONNECTED)) ||
	    (rc = fwd_auto_read(fa, f[FWD_AUTO_UDP6], udp,
				PORTSCAN_UDP_UNCONNECTED)))
		return rc;

	/* compat.md 5.1: UDP auto rules also follow TCP listeners */
	portmap_or(udp, tcp);

	/* No loops: never forward to a port we listen on ourselves */
	portmap_andnot(tcp, &other->mine[0]);
	portmap_andnot(udp, &other->mine[0]);
	portmap_andnot(udp, &other->mine[1]);
	return 0;
}

/**
 * fwd_auto_wanted() - Tell whether a port of an auto rule should listen
 * @s:		Direction, scanned
 * @r:		Rule
 * @port:	Listening port of @r
 *
 * Return: true if the target of @port is bound on the other side
 */
static bool fwd_auto_wanted(const struct fwd_auto_side *s,
			    const struct fwd_rule *r, uint16_t port)
{
	return portmap_test(&s->bound[fwd_auto_pi(r->proto)],
			    fwd_rule_target(r, port));
}

/**
 * fwd_auto_unlisten() - Close the listeners of one auto port
 * @s:		Direction
 * @k:		Its entry
 */
static void fwd_auto_unlisten(const struct fwd_auto_side *s,
			      const struct fwd_auto_sock *k)
{
	int f;

	for (f = 0; f < LISTEN_NFAM; f++) {
		if (k->fd[f] >= 0)
			s->ops.unlisten(s->ops.arg, k->proto, k->fd[f]);
	}
}

/**
 * fwd_auto_close_stale() - Close the listeners of a rule that aren't wanted
 * @s:		Direction, scanned
 * @rule:	Rule index
 * @have:	Ports of the rule still open, filled
 */
static void fwd_auto_close_stale(struct fwd_auto_side *s, int rule,
				 struct portmap *have)
{
	const struct fwd_rule *r = &s->tbl->rules[rule];
	unsigned int i;

	portmap_zero(have);
	for (i = s->nsocks; i-- > 0;) {
		struct fwd_auto_sock *k = &s->socks[i];

		if (k->rule != rule)
			continue;
		if (fwd_auto_wanted(s, r, k->port)) {
			portmap_set(have, k->port);
			continue;
		}
		log_debug("auto: %s port %u no longer forwarded",
			  r->proto == IPPROTO_TCP ? "TCP" : "UDP", k->port);
		fwd_auto_unlisten(s, k);
		*k = s->socks[--s->nsocks];
	}
}

/**
 * fwd_auto_open_new() - Open the listeners a rule wants and doesn't have
 * @fa:		State, for the rate limit
 * @s:		Direction, scanned
 * @rule:	Rule index
 * @have:	Ports of the rule already open
 */
static void fwd_auto_open_new(struct fwd_auto *fa, struct fwd_auto_side *s,
			      int rule, const struct portmap *have)
{
	const struct fwd_rule *r = &s->tbl->rules[rule];
	struct listen_socks ls;
	unsigned int p;
	int ret;

	for (p = r->first; p <= r->last; p++) {
		if (portmap_test(have, (uint16_t)p) ||
		    !fwd_auto_wanted(s, r, (uint16_t)p))
			continue;
		if (s->nsocks >= FWD_AUTO_SOCKS) {
			if (!s->full)
				log_warn("auto: more than %u ports to forward, "
					 "ignoring the rest",
					 FWD_AUTO_SOCKS);
			s->full = true;
			return;
		}
		ret = s->ops.listen(s->ops.arg, r->proto, rule, (uint16_t)p,
				    &ls);
		if (ret) {
			log_rl(&fa->rl, LOG_LVL_DEBUG,
			       "auto: can't listen on %s port %u: %s",
			       r->proto == IPPROTO_TCP ? "TCP" : "UDP", p,
			       strerror(-ret));
			continue;
		}
		log_debug("auto: forwarding %s port %u",
			  r->proto == IPPROTO_TCP ? "TCP" : "UDP", p);
		listen_gap_note(s->gap ? &s->gap[rule] : NULL, s->what, r,
				(uint16_t)p, &ls);
		s->socks[s->nsocks++] = (struct fwd_auto_sock){
			{ls.fd[LISTEN_V4], ls.fd[LISTEN_V6]},
			(uint16_t)p,
			(uint8_t)rule,
			r->proto};
	}
}

/**
 * fwd_auto_apply() - Bring the listeners of a direction in line with a scan
 * @fa:		State
 * @s:		Direction, scanned
 */
static void fwd_auto_apply(struct fwd_auto *fa, struct fwd_auto_side *s)
{
	unsigned int i;
	int r;

	for (r = 0; r < s->tbl->n; r++) {
		const struct fwd_rule *rule = &s->tbl->rules[r];

		if (!(rule->flags & FWD_AUTO) ||
		    !s->ops.can[fwd_auto_pi(rule->proto)])
			continue;
		fwd_auto_close_stale(s, r, &fa->have);
		fwd_auto_open_new(fa, s, r, &fa->have);
	}

	s->mine[0] = s->fixed[0];
	s->mine[1] = s->fixed[1];
	for (i = 0; i < s->nsocks; i++)
		portmap_set(&s->mine[fwd_auto_pi(s->socks[i].proto)],
			    s->socks[i].port);
}

/**
 * fwd_auto_scan() - Rescan both directions and update their listeners
 * @fa:		State
 */
void fwd_auto_scan(struct fwd_auto *fa)
{
	int d, rc;

	for (d = 0; d < FWD_AUTO_NDIR; d++) {
		struct fwd_auto_side *s = &fa->side[d];
		const struct fwd_auto_side *other = &fa->side[!d];

		if (!s->active)
			continue;
		if ((rc = fwd_auto_bound(fa, s, other))) {
			log_rl(&fa->rl, LOG_LVL_DEBUG,
			       "auto: couldn't read bound ports (%s): kept as is",
			       strerror(-rc));
			continue;
		}
		fwd_auto_apply(fa, s);
	}
	fa->scans++;
}

/**
 * fwd_auto_timer() - The rescan timer fired: scan at the end of the batch
 * @fa:		State
 */
void fwd_auto_timer(struct fwd_auto *fa)
{
	uint64_t expired;

	if (read(fa->timer_fd, &expired, sizeof(expired)) > 0)
		fa->due = true;
}

/**
 * fwd_auto_batch_end() - After a batch of events: rescan if it's time
 * @fa:		State
 */
void fwd_auto_batch_end(struct fwd_auto *fa)
{
	if (!fa->due)
		return;
	fa->due = false;
	fwd_auto_scan(fa);
}

/**
 * fwd_auto_retable() - The table of a direction was replaced (fwd_live.c):
 *			follow it
 * @fa:		State
 * @d:		Direction
 *
 * The listeners were already matched with the new rules, or closed, by
 * the caller; here the direction's fixed ports, whether it is scanned, and
 * the timer follow the new rules, and a scan is due at once so that new
 * "auto" rules take effect in this batch.
 */
void fwd_auto_retable(struct fwd_auto *fa, enum fwd_auto_dir d)
{
	struct fwd_auto_side *s = &fa->side[d];
	unsigned int i;
	int r, rc;

	s->active = false;
	for (r = 0; s->tbl && r < s->tbl->n; r++) {
		const struct fwd_rule *rule = &s->tbl->rules[r];

		if (rule->flags & FWD_AUTO)
			s->active |= s->ops.can[fwd_auto_pi(rule->proto)];
	}
	if (s->active && s->files[FWD_AUTO_TCP4] < 0) {
		log_warn("%s 'auto' forwarding can't start at run time: it "
			 "needs --conf-path at start",
			 d == FWD_AUTO_IN ? "Inbound" : "Outbound");
		s->active = false;
	}
	fwd_auto_fixed(s);
	for (i = 0; i < s->nsocks; i++)
		portmap_set(&s->mine[fwd_auto_pi(s->socks[i].proto)],
			    s->socks[i].port);
	s->full = false;
	if ((rc = fwd_auto_arm(fa)))
		log_warn("Couldn't set the port scan timer: %s", strerror(-rc));
	fa->due |= s->active;
}

/**
 * fwd_auto_count() - Number of auto ports open
 * @fa:		State
 * @dir:	Direction
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 *
 * Return: ports of @proto with listeners open for the auto rules of @dir
 */
size_t fwd_auto_count(const struct fwd_auto *fa, enum fwd_auto_dir dir,
		      uint8_t proto)
{
	const struct fwd_auto_side *s = &fa->side[dir];
	size_t n = 0;
	unsigned int i;

	for (i = 0; i < s->nsocks; i++)
		n += s->socks[i].proto == proto;
	return n;
}
