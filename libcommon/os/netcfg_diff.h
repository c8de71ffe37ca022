/* SPDX-License-Identifier: GPL-2.0-or-later */
/* netcfg_diff.h - what turns one interface configuration into another */
#ifndef OS_NETCFG_DIFF_H
#define OS_NETCFG_DIFF_H

#include "os/netcfg.h"

/**
 * enum netcfg_act_kind - One step of a change
 * @NETCFG_ACT_ROUTE_DEL:	Remove a route (or a default route)
 * @NETCFG_ACT_ADDR_DEL:	Remove an address
 * @NETCFG_ACT_MTU:		Set the MTU
 * @NETCFG_ACT_ADDR_ADD:	Add an address
 * @NETCFG_ACT_ROUTE_ADD:	Add a route (or a default route)
 */
enum netcfg_act_kind {
	NETCFG_ACT_ROUTE_DEL,
	NETCFG_ACT_ADDR_DEL,
	NETCFG_ACT_MTU,
	NETCFG_ACT_ADDR_ADD,
	NETCFG_ACT_ROUTE_ADD,
};

/**
 * struct netcfg_act - One step
 * @kind:	What it does
 * @addr:	Address, for NETCFG_ACT_ADDR_*
 * @route:	Route, for NETCFG_ACT_ROUTE_*
 * @mtu:	MTU, for NETCFG_ACT_MTU
 */
struct netcfg_act {
	enum netcfg_act_kind kind;
	struct nl_addr addr;
	struct nl_route route;
	unsigned int mtu;
};

/* Steps of a change, at most: every old thing removed, every new one added */
#define NETCFG_DIFF_MAX (2 * (NL_MAX_ADDRS + NL_MAX_ROUTES + NETCFG_MAX_GWS) + 1)

/**
 * struct netcfg_diff - The steps, in the order they are to be taken
 * @act:	Steps
 * @n:		Number of @act
 */
struct netcfg_diff {
	struct netcfg_act act[NETCFG_DIFF_MAX];
	int n;
};

bool netcfg_addr_eq(const struct nl_addr *a, const struct nl_addr *b);
bool netcfg_route_eq(const struct nl_route *a, const struct nl_route *b);
void netcfg_diff(const struct netcfg *old, const struct netcfg *new,
		 struct netcfg_diff *d);
int netcfg_diff_apply(int fd, unsigned int ifindex,
		      const struct netcfg_diff *d, const struct netcfg *new,
		      int *failed);

#endif /* OS_NETCFG_DIFF_H */
