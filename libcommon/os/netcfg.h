/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netcfg.h - configure an interface over rtnetlink: from options, or like a
 *	      template interface; and describe an interface as text or JSON
 */
#ifndef OS_NETCFG_H
#define OS_NETCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "os/netlink.h"

/* Default routes (one per --gateway) a configuration holds, at most */
#define NETCFG_MAX_GWS 8

/**
 * struct netcfg - What to apply to one interface, in the order of the fields
 * @mtu:	MTU, 0 to leave it
 * @mac:	Hardware address, used if @set_mac
 * @set_mac:	Change the hardware address
 * @up:		Bring the link up
 * @addrs:	Addresses to add
 * @naddrs:	Number of @addrs
 * @routes:	Routes to add (interface index not used)
 * @nroutes:	Number of @routes
 * @gws:	Default routes to add, after @routes
 * @ngws:	Number of @gws
 * @lo_up:	Bring the loopback interface up, last
 */
struct netcfg {
	unsigned int mtu;
	uint8_t mac[6];
	bool set_mac;
	bool up;
	struct nl_addr addrs[NL_MAX_ADDRS];
	int naddrs;
	struct nl_route routes[NL_MAX_ROUTES];
	int nroutes;
	struct nl_route gws[NETCFG_MAX_GWS];
	int ngws;
	bool lo_up;
};

/* What netcfg_from_template() copies in full */
enum netcfg_copy {
	NETCFG_COPY_ADDRS = 1 << 0,  /* else the first address per family */
	NETCFG_COPY_ROUTES = 1 << 1, /* else only default routes */
};

/* Text buffer sizes for netcfg_fmt_*() */
#define NETCFG_ADDR_STRLEN  64
#define NETCFG_ROUTE_STRLEN 128

int netcfg_parse_mtu(const char *s, unsigned int *mtu);
int netcfg_parse_mac(const char *s, uint8_t *mac);
int netcfg_parse_ip(const char *s, int *family, union nl_inaddr *ip);
int netcfg_parse_addr(const char *s, struct nl_addr *a);
int netcfg_parse_route(const char *s, struct nl_route *r);
int netcfg_parse_gateway(const char *s, struct nl_route *r);

int netcfg_add_addr(struct netcfg *c, const struct nl_addr *a);
int netcfg_add_route(struct netcfg *c, const struct nl_route *r);
int netcfg_add_gw(struct netcfg *c, const struct nl_route *r);

void netcfg_fmt_addr(char *buf, size_t len, const struct nl_addr *a);
void netcfg_ll_eui64(const uint8_t *mac, struct in6_addr *a);
void netcfg_fmt_route(char *buf, size_t len, const struct nl_route *r);

int netcfg_from_template(int fd, unsigned int ifindex, unsigned int what,
			 struct netcfg *c);
int netcfg_apply(int fd, unsigned int ifindex, const struct netcfg *c,
		 char *what, size_t what_len);
int netcfg_show(FILE *f, int fd, unsigned int ifindex, bool json);

#endif /* OS_NETCFG_H */
