/* SPDX-License-Identifier: GPL-2.0-or-later */
/* doctor_facts.h - gather, from /proc and /dev, what doctor.h judges */
#ifndef OS_DOCTOR_FACTS_H
#define OS_DOCTOR_FACTS_H

#include <stdbool.h>
#include <stdint.h>

#include "doctor.h"

/* Ports whose holder is looked up ahead, at most */
#define DOCTOR_PORT_CACHE 8

long doctor_sysctl(const char *path);
void doctor_userns_facts(struct doctor_userns *f, int err);
void doctor_tun_facts(struct doctor_tun *f, bool try_open);
void doctor_ping_facts(struct doctor_ping *f, bool no_icmp);
void doctor_route_facts(struct doctor_route *f);
void doctor_port_facts(bool tcp, unsigned int port, struct doctor_port *f);
void doctor_ports_bound(bool tcp, uint64_t *map);
void doctor_port_prefetch(bool tcp, unsigned int port);

#endif /* OS_DOCTOR_FACTS_H */
