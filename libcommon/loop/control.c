// SPDX-License-Identifier: GPL-2.0-or-later
/* control.c - what the control socket (ctl/server.h) asks of a running
 *	       passt or pasta: its tables, a change of them, reports
 *
 * Theory of operation: the tables pesto sees are the running ones
 * (transport/fwd_live.h): HOST, the inbound rules (-t, -u), and for pasta
 * SPLICE, the outbound ones (-T, -U), with upstream's capability bits
 * (compat.md 5.3): the IP versions and protocols enabled, "auto" in pasta
 * only, device binding always (we need Linux 5.7 or later anyway). A
 * change prepares every table it replaces before putting any in force, so
 * that it happens entirely or not at all.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "ctx.h"
#include "os/daemon.h"

/* Removed when we exit, as the other sockets of ours */
static struct exit_file control_exit_sock = { .dirfd = -1 };

/**
 * control_caps() - Capability bits of our tables
 * @c:		Configuration
 *
 * Return: enum ctl_cap bits
 */
static uint32_t control_caps(const struct conf *c)
{
	uint32_t caps = CTL_CAP_IFNAME;

	if (c->v4)
		caps |= CTL_CAP_IPV4;
	if (c->v6)
		caps |= CTL_CAP_IPV6;
	if (!c->no_tcp)
		caps |= CTL_CAP_TCP;
	if (!c->no_udp)
		caps |= CTL_CAP_UDP;
	if (c->mode == MODE_PASTA)
		caps |= CTL_CAP_SCAN;
	return caps;
}

/**
 * control_table() - Describe one table for the control socket
 * @tbl:	Set up
 * @pif:	enum ctl_pif
 * @name:	"HOST" or "SPLICE"
 * @caps:	enum ctl_cap bits
 * @t:		Rules in force
 */
static void control_table(struct ctl_table *tbl, uint8_t pif,
			  const char *name, uint32_t caps,
			  const struct fwd_table *t)
{
	memset(tbl->name, 0, sizeof(tbl->name));
	snprintf(tbl->name, sizeof(tbl->name), "%s", name);
	tbl->pif = pif;
	tbl->caps = caps;
	tbl->t = *t;
}

/**
 * control_tables() - The tables in force (struct ctl_ops)
 * @arg:	Context
 * @tbl:	Filled
 * @max:	Room in @tbl
 *
 * Return: number of tables
 */
static int control_tables(void *arg, struct ctl_table *tbl, int max)
{
	const struct ctx *x = arg;
	uint32_t caps = control_caps(x->c);
	int n = 0;

	if (n < max)
		control_table(&tbl[n++], CTL_PIF_HOST, "HOST", caps,
			      fwd_live_table(&x->fl, FWD_AUTO_IN));
	if (x->c->mode == MODE_PASTA && n < max)
		control_table(&tbl[n++], CTL_PIF_SPLICE, "SPLICE", caps,
			      fwd_live_table(&x->fl, FWD_AUTO_OUT));
	return n;
}

/**
 * control_apply() - Put new tables in force, all or none (struct ctl_ops)
 * @arg:	Context
 * @tbl:	Tables, as control_tables() gave them, with the new rules
 * @present:	Per table: replaced
 * @n:		Number of tables
 * @err:	Set to a one-line reason on failure
 * @errlen:	Size of @err
 *
 * Return: 0, or -errno
 */
static int control_apply(void *arg, const struct ctl_table *tbl,
			 const bool *present, int n, char *err, size_t errlen)
{
	struct ctx *x = arg;
	int i, rc = 0;

	for (i = 0; i < n && !rc; i++) {
		enum fwd_auto_dir d = tbl[i].pif == CTL_PIF_HOST
					      ? FWD_AUTO_IN
					      : FWD_AUTO_OUT;

		if (present[i])
			rc = fwd_live_prepare(&x->fl, d, &tbl[i].t, err,
					      errlen);
	}
	if (rc) {
		fwd_live_abort(&x->fl);
		return rc;
	}
	fwd_live_commit(&x->fl);
	for (i = 0; i < n; i++) {
		if (!present[i])
			continue;
		if (tbl[i].pif == CTL_PIF_HOST)
			conf_print_rules(fwd_live_table(&x->fl, FWD_AUTO_IN),
					 x->gap_in,
					 "Inbound forwarding rules (HOST):");
		else
			conf_print_rules(fwd_live_table(&x->fl, FWD_AUTO_OUT),
					 x->gap_out,
					 "Outbound forwarding rules (SPLICE):");
	}
	return 0;
}

/**
 * control_report() - Answer a report request (struct ctl_ops)
 * @arg:	Context
 * @req:	enum ctl_req
 * @buf:	Answer written here
 * @len:	Room in @buf
 *
 * Return: length of the answer, 0 if @req is unknown, SIZE_MAX if it
 *	   doesn't fit
 */
static size_t control_report(void *arg, uint32_t req, char *buf, size_t len)
{
	(void)arg;
	(void)req;
	(void)buf;
	(void)len;
	return 0;
}

/**
 * control_init() - Set up the running tables and the control server,
 *		    before any listener is opened
 * @x:		Context: configuration, epoll and namespace set
 */
void control_init(struct ctx *x)
{
	const struct conf *c = x->c;
	const struct ctl_ops ops = {
		control_tables, control_apply, control_report, x,
	};
	bool pasta = c->mode == MODE_PASTA;
	struct fwd_live_cfg cfg = {
		.in = &c->fwd_in,
		.out = pasta ? &c->fwd_out : NULL,
		.epfd = x->epfd,
		.netns_fd = pasta ? x->netns_fd : -1,
		.freebind = c->freebind,
		.can = {
			[FWD_AUTO_IN] = {!c->no_tcp, !c->no_udp},
			[FWD_AUTO_OUT] = {pasta && !c->no_tcp,
					  pasta && !c->no_udp},
		},
		.gap_in = x->gap_in,
		.gap_out = x->gap_out,
	};

	fwd_live_init(&x->fl, &cfg);
	ctl_init(&x->ctl, x->epfd, &ops);
}

/**
 * control_listen() - Open the control socket, if -c asks for it
 * @x:		Context, with control_init() done
 *
 * Return: 0, or -errno (logged)
 */
int control_listen(struct ctx *x)
{
	const char *path = x->c->conf_path;
	int rc;

	if (!*path)
		return 0;
	if ((rc = ctl_listen(&x->ctl, path))) {
		log_err("Couldn't listen on control socket %s: %s", path,
			rc == -EADDRINUSE ? "in use" : strerror(-rc));
		return rc;
	}
	if ((rc = exit_file_open(&control_exit_sock, path)))
		log_warn("Couldn't open the directory of %s: %s", path,
			 strerror(-rc));
	log_info("Control socket for pesto at %s", path);
	return 0;
}

/**
 * control_exit() - Remove the control socket, at exit
 */
void control_exit(void)
{
	exit_file_remove(&control_exit_sock);
}
