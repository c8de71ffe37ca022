/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctx.h - the one context of a running passt or pasta, and the event loop */
#ifndef LOOP_CTX_H
#define LOOP_CTX_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "base/counters.h"
#include "conf/conf.h"
#include "ctl/server.h"
#include "flow/flow.h"
#include "follow_state.h"
#include "link/stream.h"
#include "link/repair.h"
#include "link/vhost_user.h"
#include "link/tap.h"
#include "os/epref.h"
#include "os/ns.h"
#include "os/nswatch.h"
#include "os/resolvwatch.h"
#include "os/sandbox.h"
#include "transport/fwd_auto.h"
#include "transport/fwd_live.h"
#include "transport/splice.h"
#include "transport/tcp.h"
#include "transport/tcp_splice.h"
#include "transport/udp_splice.h"
#include "transport/udp.h"

struct exit_file;
struct report_src;

/**
 * struct ctx - State of a running instance
 * @c:		Configuration: complete once start-up is done, read-only
 *		from then on (what the engine learns goes below)
 * @l2s:	What the link learnt of the guest from its frames: its MAC
 *		and the IPv6 addresses it sends from (services/l2.h)
 * @tap:	Tap device (pasta)
 * @stream:	qemu stream socket and its client (passt); with
 *		--vhost-user, the control socket and its client
 * @vu:		passt --vhost-user: the device and its queues
 * @repair:	passt --vhost-user: repair socket and passt-repair
 * @sink:	Frames to the guest: &tap.sink, &stream.sink or &vu.sink
 * @epfd:	epoll descriptor
 * @sigfd:	signalfd for SIGCHLD, SIGTERM, SIGQUIT
 * @nsw:	Watch on the namespace file, nsw.fd -1 if not watching
 * @rw:		Watch on the host's resolv.conf, rw.fd -1 if not watching
 * @l2w:	The configuration's l2 part, writable: the resolvers and
 *		search list handed out follow the host (follow_dns.c)
 * @child:	Command spawned in the namespace, child.pid 0 if none
 * @netns_fd:	Network namespace we serve
 * @userns_fd:	Its user namespace, -1 if not joined
 * @nl_ns:	Netlink socket inside the namespace
 * @flows:	Flow table
 * @nat:	Address translations
 * @tcp:	TCP engine
 * @udp:	UDP and ICMP echo engine
 * @sns:	pasta: spare sockets made inside the namespace, for splicing
 * @tsp:	pasta: spliced TCP connections (loopback fast path)
 * @usp:	pasta: spliced UDP flows (loopback fast path)
 * @fa:		pasta: "auto" forwarding, listeners following bound ports
 * @fl:		Forwarding tables in force and their listeners: they start as
 *		the configuration's, and change through @ctl
 * @ctl:	Control socket (-c), for pesto
 * @follow:	The watch on the host's addresses and routes (follow.c)
 * @gap_in:	Per inbound rule: ports served by one family only, for the
 *		rule display (transport/listen.h)
 * @gap_out:	The same for the outbound rules
 * @idle:	The events being handled came after polling found nothing
 *		for a while (loop.c)
 * @round_tcp:	TCP frames came from the guest in this round of events
 * @linger_until: pasta: the command exited, its connections are still
 *		sending; end the loop at this time (ns) at the latest, 0 if
 *		not lingering (loop.c)
 * @linger_status: pasta: the command's exit status, while lingering
 * @migrated_out: passt: a guest migrated away from us (we were the source
 *		and qemu checked the state we saved): --one-off is over
 * @cnt:	Global counters the loop keeps itself (the rest: the links'
 *		and engines', gathered by loop_counters())
 * @stats_start: --stats: clock_ms() at the first round, 0 before
 * @stats_last:	--stats: clock_ms() of the last print
 * @stats_sum:	--stats: epoll events counted at the last print
 */
struct ctx {
	const struct conf *c;
	struct l2_state l2s;
	struct tap tap;
	struct stream_link stream;
	struct vu_link vu;
	struct repair repair;
	struct frame_sink *sink;
	int epfd;
	int sigfd;
	struct nswatch nsw;
	struct resolvwatch rw;
	struct l2_conf *l2w;
	struct ns_child child;
	int netns_fd;
	int userns_fd;
	int nl_ns;
	struct flow_table flows;
	struct nat nat;
	struct tcp_ctx tcp;
	struct udp_ctx udp;
	struct splice_ns sns;
	struct tcp_splice_ctx tsp;
	struct udp_splice_ctx usp;
	struct fwd_auto fa;
	struct fwd_live fl;
	struct ctl_server ctl;
	struct follow follow;
	struct listen_gap gap_in[FWD_MAX_RULES];
	struct listen_gap gap_out[FWD_MAX_RULES];
	bool idle;
	bool round_tcp;
	uint64_t linger_until;
	int linger_status;
	bool migrated_out;
	struct counters cnt;
	uint64_t stats_start;
	uint64_t stats_last;
	uint64_t stats_sum;
};

int loop_add(struct ctx *x, enum epoll_type type, int fd);
int loop_run(struct ctx *x);
int loop_transports_init(struct ctx *x);
void loop_greet(struct ctx *x);
void follow_dns_init(struct ctx *x, struct l2_conf *l2);
void follow_dns_event(struct ctx *x);
void loop_counters(const struct ctx *x, struct counters *out);
void loop_report_src(const struct ctx *x, struct counters *cnt,
		     struct report_src *s);
void loop_stats_print(FILE *f, const struct counters *cnt, uint64_t uptime);
void loop_stats(struct ctx *x);
int pasta_config_net(struct ctx *x);
int pasta_netcfg_build(const struct conf *c, int nl, struct netcfg *cfg);
void follow_init(struct ctx *x, struct conf *c);
void follow_open(struct ctx *x);
void follow_event(struct ctx *x);
void follow_batch_end(struct ctx *x);
void control_init(struct ctx *x);
int control_listen(struct ctx *x);
void control_exit(void);
void setup_log(const struct conf *c, bool quiet);
void setup_drop_root(const struct conf *c);
void setup_signals_block(bool sigchld);

/**
 * struct setup_ready - What differs between the tools in setup_ready()
 * @sb:		What the sandbox detaches and keeps (@sb.newpid is set there)
 * @profile:	seccomp allowlist of the loop
 * @daemon:	Go to the background (no -f, no command of ours to run)
 * @sigchld:	The loop reads SIGCHLD too
 * @pid_exit:	If not NULL, set up to remove the PID file at exit
 */
struct setup_ready {
	struct sandbox_opts sb;
	enum sandbox_profile profile;
	bool daemon;
	bool sigchld;
	struct exit_file *pid_exit;
};

void setup_ready(struct ctx *x, const struct setup_ready *r);
int pasta_main(int argc, char **argv);
int passt_main(int argc, char **argv);

#endif /* LOOP_CTX_H */
