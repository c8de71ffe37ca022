/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dname.h - domain names in DNS wire format (RFC 1035 3.1) for DHCP and RA */
#ifndef SERVICES_DNAME_H
#define SERVICES_DNAME_H

#include <stddef.h>
#include <stdint.h>

#include "services/l2.h"

/* RFC 1035 2.3.4: size limits */
enum dname_limit {
	DNAME_LABEL_MAX = 63,
	DNAME_WIRE_MAX = 255,
};

int dname_encode(const char *name, size_t maxlen, uint8_t *out, size_t cap);
size_t dname_list_encode(const char (*names)[L2_DOMAIN_MAX + 1], int n,
			 uint8_t *out, size_t cap);

#endif /* SERVICES_DNAME_H */
