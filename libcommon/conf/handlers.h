/* SPDX-License-Identifier: GPL-2.0-or-later */
/* handlers.h - the option handlers named by conf_opts[] (internal to conf/)
 *
 * Each one is a conf_handler_t (conf.h), defined in handlers.c.
 */
#ifndef CONF_HANDLERS_H
#define CONF_HANDLERS_H

#include "conf/conf.h"

int opt_true(struct conf *c, const struct conf_opt *o, const char *arg);
int opt_false(struct conf *c, const struct conf_opt *o, const char *arg);
int opt_nop(struct conf *c, const struct conf_opt *o, const char *arg);
int opt_string(struct conf *c, const struct conf_opt *o, const char *arg);
int opt_repair_path(struct conf *c, const struct conf_opt *o,
		    const char *arg);
int opt_ifname(struct conf *c, const struct conf_opt *o, const char *arg);
int opt_log_level(struct conf *c, const struct conf_opt *o, const char *arg);
int opt_stderr(struct conf *c, const struct conf_opt *o, const char *arg);
int opt_log_size(struct conf *c, const struct conf_opt *o, const char *arg);
int opt_runas(struct conf *c, const struct conf_opt *o, const char *arg);
int opt_mtu(struct conf *c, const struct conf_opt *o, const char *arg);
int opt_dhcp_lease(struct conf *c, const struct conf_opt *o,
		   const char *arg);
int opt_address(struct conf *c, const struct conf_opt *o, const char *arg);
int opt_netmask(struct conf *c, const struct conf_opt *o, const char *arg);
int opt_mac(struct conf *c, const struct conf_opt *o, const char *arg);
int opt_ns_mac(struct conf *c, const struct conf_opt *o, const char *arg);
int opt_gateway(struct conf *c, const struct conf_opt *o, const char *arg);
int opt_interface(struct conf *c, const struct conf_opt *o, const char *arg);
int opt_outbound(struct conf *c, const struct conf_opt *o, const char *arg);
int opt_dns_forward(struct conf *c, const struct conf_opt *o, const char *arg);
int opt_dns_host(struct conf *c, const struct conf_opt *o, const char *arg);
int opt_map_host_lo(struct conf *c, const struct conf_opt *o, const char *arg);
int opt_map_guest(struct conf *c, const struct conf_opt *o, const char *arg);
int opt_dns(struct conf *c, const struct conf_opt *o, const char *arg);
int opt_search(struct conf *c, const struct conf_opt *o, const char *arg);
int opt_family_only(struct conf *c, const struct conf_opt *o, const char *arg);
int opt_ports(struct conf *c, const struct conf_opt *o, const char *arg);
int opt_stats(struct conf *c, const struct conf_opt *o, const char *arg);
int opt_fd(struct conf *c, const struct conf_opt *o, const char *arg);
int opt_netns(struct conf *c, const struct conf_opt *o, const char *arg);

#endif /* CONF_HANDLERS_H */
