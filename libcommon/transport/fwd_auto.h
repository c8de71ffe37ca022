/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fwd_auto.h - pasta's "auto" forwarding: listeners follow the bound ports
 *
 * Theory of operation: a forwarding rule with FWD_AUTO (flow/fwd.h) listens
 * on one of its ports only while the target of that port is bound on the
 * other side (compat.md 5.1). For inbound rules (-t/-u auto) the other side
 * is the namespace, for outbound ones (-T/-U auto) the host. About once a
 * second a timerfd makes us re-read the other side's /proc/net/{tcp,udp}{,6}
 * (flow/portscan.h): TCP ports in LISTEN state, and for UDP both unconnected
 * UDP sockets and TCP listeners, as upstream does (iperf3-style protocols
 * use a TCP control port and the same UDP port). Each auto rule is then
 * compared with the listeners it has open, and ports are opened or closed
 * one by one through the per-port functions of the transports.
 *
 * No loops: the ports pasta itself listens on, on one side (fixed rules and
 * auto listeners alike), are removed from what is scanned on that side for
 * the opposite direction. Inbound is scanned first, so an outbound scan in
 * the same tick already sees the inbound listeners just opened.
 *
 * The /proc/net files of the namespace are opened once, from inside it
 * (ns_call()): they keep showing the sockets of the namespace they were
 * opened in, and are re-read from offset 0 with pread() at each scan. The
 * scan itself runs between two batches of events (fwd_auto_batch_end()),
 * never in the middle of one, so that no event already fetched refers to a
 * socket we closed or to a descriptor number we reused.
 */
#ifndef TRANSPORT_FWD_AUTO_H
#define TRANSPORT_FWD_AUTO_H

#include <stdbool.h>
#include <stdint.h>

#include "flow/fwd.h"
#include "flow/portscan.h"
#include "transport/tcp.h"
#include "transport/tcp_splice.h"
#include "transport/udp_splice.h"
#include "transport/udp.h"

#define FWD_AUTO_SOCKS	   16384 /* auto ports per direction, at most */
#define FWD_AUTO_BUF	   65536 /* bytes per pread() of a /proc/net file */
#define FWD_AUTO_MAX_READS 1024	 /* preads per file and scan, at most */
#define FWD_AUTO_PERIOD_MS 1000

/**
 * enum fwd_auto_dir - Directions of forwarding
 * @FWD_AUTO_IN:	-t/-u: listen on the host, scan the namespace
 * @FWD_AUTO_OUT:	-T/-U: listen in the namespace, scan the host
 * @FWD_AUTO_NDIR:	Number of directions
 */
enum fwd_auto_dir {
	FWD_AUTO_IN,
	FWD_AUTO_OUT,
	FWD_AUTO_NDIR,
};

/**
 * enum fwd_auto_file - The /proc/net files of one side
 * @FWD_AUTO_TCP4:	tcp
 * @FWD_AUTO_TCP6:	tcp6
 * @FWD_AUTO_UDP4:	udp
 * @FWD_AUTO_UDP6:	udp6
 * @FWD_AUTO_NFILES:	Number of files
 */
enum fwd_auto_file {
	FWD_AUTO_TCP4,
	FWD_AUTO_TCP6,
	FWD_AUTO_UDP4,
	FWD_AUTO_UDP6,
	FWD_AUTO_NFILES,
};

/**
 * struct fwd_auto_ops - Per-port listeners of one direction
 * @listen:	Open and register the listeners of @port of rule @rule (an
 *		index in the direction's table) for @proto, one or one per
 *		family (transport/listen.h): 0, or -errno
 * @unlisten:	Unregister and close one listener returned by @listen
 * @arg:	First argument of both
 * @can:	Listeners of [0] TCP, [1] UDP can be opened
 */
struct fwd_auto_ops {
	int (*listen)(void *arg, uint8_t proto, int rule, uint16_t port,
		      struct listen_socks *ls);
	void (*unlisten)(void *arg, uint8_t proto, int fd);
	void *arg;
	bool can[2];
};

/**
 * struct fwd_auto_sock - The open listeners of one auto port
 * @fd:		Their descriptors, -1 where none: one, or one per family
 *		when the dual-stack socket couldn't be bound
 * @port:	Listening port
 * @rule:	Index of its rule
 * @proto:	IPPROTO_TCP or IPPROTO_UDP
 */
struct fwd_auto_sock {
	int32_t fd[LISTEN_NFAM];
	uint16_t port;
	uint8_t rule;
	uint8_t proto;
};

_Static_assert(FWD_MAX_RULES <= UINT8_MAX + 1,
	       "struct fwd_auto_sock holds every rule index");

/**
 * struct fwd_auto_side - State of one direction
 * @tbl:	Rules, NULL if none
 * @ops:	Per-port listeners
 * @files:	/proc/net files of the side we scan, -1 if not open
 * @active:	Has auto rules and listeners to open: is scanned
 * @bound:	Ports found bound on the scanned side, minus our own on that
 *		side: [0] for TCP rules, [1] for UDP rules
 * @fixed:	Ports of the non-auto rules, where we listen ([0] TCP, [1] UDP)
 * @mine:	@fixed plus the ports of the open auto listeners
 * @socks:	Open auto listeners, one entry per port
 * @nsocks:	Entries in @socks
 * @full:	@socks is full: logged once
 * @gap:	Per rule of @tbl: ports served by one family only, NULL
 * @what:	"host" or "namespace": where the listeners are, for messages
 */
struct fwd_auto_side {
	const struct fwd_table *tbl;
	struct fwd_auto_ops ops;
	int files[FWD_AUTO_NFILES];
	bool active;
	struct portmap bound[2];
	struct portmap fixed[2];
	struct portmap mine[2];
	struct fwd_auto_sock socks[FWD_AUTO_SOCKS];
	unsigned int nsocks;
	bool full;
	struct listen_gap *gap;
	const char *what;
};

/**
 * struct fwd_auto - State of "auto" forwarding
 * @side:	The two directions
 * @tcp:	TCP engine: inbound TCP listeners
 * @udp:	UDP engine: inbound UDP sockets
 * @tsp:	Spliced TCP: outbound TCP listeners, NULL if none
 * @usp:	Spliced UDP: outbound UDP sockets, NULL if none
 * @freebind:	--freebind: set on inbound listeners
 * @timer_fd:	timerfd of the rescans, -1 if not running
 * @armed:	@timer_fd is armed (some direction is active)
 * @due:	The timer fired: scan at the end of the batch
 * @scans:	Scans done, for tests and statistics
 * @rl:		Rate limit of messages about listeners that fail
 * @ps:		Parser state, reused by every file
 * @have:	Scratch: ports of one rule already open
 * @buf:	Read buffer
 */
struct fwd_auto {
	struct fwd_auto_side side[FWD_AUTO_NDIR];
	struct tcp_ctx *tcp;
	struct udp_ctx *udp;
	struct tcp_splice_ctx *tsp;
	struct udp_splice_ctx *usp;
	bool freebind;
	int timer_fd;
	bool armed;
	bool due;
	uint64_t scans;
	struct ratelimit rl;
	struct portscan ps;
	struct portmap have;
	uint8_t buf[FWD_AUTO_BUF];
};

/**
 * struct fwd_auto_cfg - What fwd_auto_init() sets up
 * @in:		Inbound rules (-t/-u), as given to tcp_listen()/udp_listen()
 * @out:	Outbound rules (-T/-U), NULL if none
 * @tcp:	TCP engine, for inbound listeners
 * @udp:	UDP engine, for inbound sockets
 * @tsp:	Spliced TCP, for outbound listeners; NULL if there is none:
 *		outbound TCP auto rules (-T auto) then stay idle. Either way,
 *		the ports of @out are kept out of the inbound scan.
 * @usp:	Spliced UDP, for outbound sockets (-U auto); NULL: idle
 * @netns_fd:	Namespace whose /proc/net files are scanned for @in
 * @epfd:	epoll descriptor the timer is added to
 * @freebind:	--freebind
 * @gap_in:	Per rule of @in: ports served by one family only (counted),
 *		NULL if not wanted
 * @gap_out:	The same for @out
 * @runtime:	Tables may change at run time (-c): open the /proc/net files
 *		and the timer even without "auto" rules (it stays disarmed
 *		while none is there)
 */
struct fwd_auto_cfg {
	const struct fwd_table *in;
	const struct fwd_table *out;
	struct tcp_ctx *tcp;
	struct udp_ctx *udp;
	struct tcp_splice_ctx *tsp;
	struct udp_splice_ctx *usp;
	int netns_fd;
	int epfd;
	bool freebind;
	struct listen_gap *gap_in;
	struct listen_gap *gap_out;
	bool runtime;
};

bool fwd_auto_needed(const struct fwd_table *t);
int fwd_auto_init(struct fwd_auto *fa, const struct fwd_auto_cfg *cfg);
void fwd_auto_scan(struct fwd_auto *fa);
void fwd_auto_timer(struct fwd_auto *fa);
void fwd_auto_batch_end(struct fwd_auto *fa);
void fwd_auto_retable(struct fwd_auto *fa, enum fwd_auto_dir d);
size_t fwd_auto_count(const struct fwd_auto *fa, enum fwd_auto_dir dir,
		      uint8_t proto);

#endif /* TRANSPORT_FWD_AUTO_H */
