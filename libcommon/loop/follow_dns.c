// SPDX-License-Identifier: GPL-2.0-or-later
/* follow_dns.c - the host's resolv.conf, followed while we run
 *
 * Theory of operation: at start, conf_resolve() read /etc/resolv.conf once.
 * Unless the user pinned everything it gave (-D, -S, --dns-host, or
 * nothing handed out and no --dns-forward) or turned following off
 * (--no-follow-host), follow_dns_init() sets up a watch on the file before
 * the sandbox (os/resolvwatch.c), registered with epoll: nothing is
 * polled, no wake-up at rest. When the watch reports a change, the file is
 * read again into a static bounded buffer, parsed by resolv_parse() and
 * applied by resolv_follow():
 *
 * - --dns-forward: the translation table's resolver is replaced at once,
 *   so the next flow to the --dns-forward address (a stub resolver's next
 *   query, from a new source port) goes to the new first resolver. A UDP
 *   flow that exists already keeps its socket, connected to the old one,
 *   until it expires, as any flow keeps its translation;
 * - the resolvers and search list handed out: the l2 configuration that
 *   DHCP, DHCPv6 and NDP answer from is changed in place (single-threaded:
 *   it is read only while building an answer), so the guest gets the new
 *   lists with its next DHCP renewal or lease, DHCPv6 reply, or the router
 *   advertisement it next solicits.
 */

#include <errno.h>
#include <string.h>

#include "base/log.h"
#include "conf/resolv.h"
#include "loop/ctx.h"

/**
 * follow_dns_wanted() - Tell whether anything DNS can follow the host
 * @c:		Configuration
 *
 * Return: false if following is off or everything is pinned
 */
static bool follow_dns_wanted(const struct conf *c)
{
	bool fwd = (c->dns_fwd4_set && !c->dns_host4_given) ||
		   (c->dns_fwd6_set && !c->dns_host6_given);
	bool lists = (!c->dns_set && !c->dns_none && !c->l2.no_dhcp_dns) ||
		     (!c->search_set && !c->search_none &&
		      !c->l2.no_dhcp_search);

	return !c->no_follow_host && (fwd || lists);
}

/**
 * follow_dns_init() - Watch resolv.conf, before the sandbox
 * @x:		Context, with epoll and the translations set up
 * @l2:		The configuration's l2 part, which changes follow
 *
 * A watch that can't be set up is not fatal: we go on with what we read at
 * start, as before, and say so.
 */
void follow_dns_init(struct ctx *x, struct l2_conf *l2)
{
	int ret;

	x->l2w = l2;
	x->rw.fd = -1;
	if (!follow_dns_wanted(x->c))
		return;
	ret = resolvwatch_init(&x->rw, RESOLV_CONF_PATH);
	if (!ret && (ret = epref_ctl(x->epfd, EPOLL_CTL_ADD, EPOLL_TYPE_RESOLV,
				     0, x->rw.fd, EPOLLIN)))
		x->rw.fd = -1;
	if (ret)
		log_warn("Couldn't watch %s, resolver changes won't be "
			 "followed: %s",
			 RESOLV_CONF_PATH, strerror(-ret));
}

/**
 * follow_dns_log() - Say what changed
 * @x:		Context
 * @chg:	RESOLV_CHG_* bits
 */
static void follow_dns_log(const struct ctx *x, unsigned int chg)
{
	char a[INET6_ADDRSTRLEN];

	if (chg & RESOLV_CHG_FWD4)
		log_info("DNS: --dns-forward now goes to %s",
			 inany_ntop(&x->nat.v4.dns_host, a, sizeof(a)));
	if (chg & RESOLV_CHG_FWD6)
		log_info("DNS: --dns-forward now goes to %s",
			 inany_ntop(&x->nat.v6.dns_host, a, sizeof(a)));
	if (chg & (RESOLV_CHG_DNS | RESOLV_CHG_SEARCH))
		log_info("DNS: resolvers or search list changed, handed out "
			 "from the next DHCP, DHCPv6 or RA reply");
}

/**
 * follow_dns_event() - The watch woke us up: apply a changed resolv.conf
 * @x:		Context
 */
void follow_dns_event(struct ctx *x)
{
	static uint8_t buf[RESOLV_CONF_MAX];
	static struct resolv_conf r;
	ssize_t n;

	if (!resolvwatch_changed(&x->rw))
		return;
	n = resolvwatch_read(&x->rw, buf, sizeof(buf));
	if (n == -EXDEV) {
		if (!x->rw.warned)
			log_warn("%s now points out of the directories "
				 "watched since start: not followed",
				 RESOLV_CONF_PATH);
		x->rw.warned = true;
		return;
	}
	if (n < 0) {
		log_debug("Can't read %s: %s", RESOLV_CONF_PATH,
			  strerror((int)-n));
		return;
	}
	x->rw.warned = false;
	resolv_parse(pview_make(buf, (size_t)n), &r);
	follow_dns_log(x, resolv_follow(x->c, &r, x->l2w, &x->nat));
}
