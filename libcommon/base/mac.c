// SPDX-License-Identifier: GPL-2.0-or-later
/* mac.c - Ethernet addresses in text form (see mac.h) */

#include <errno.h>
#include <string.h>

#include "base/mac.h"

/**
 * mac_parse() - Parse a MAC address, strictly xx:xx:xx:xx:xx:xx
 * @s:		Six pairs of hexadecimal digits (either case) separated by
 *		':', and nothing else
 * @mac:	Address, ETH_ADDR_LEN bytes, set on success only
 *
 * Any address is accepted, group and all-zero ones too: see mac.h for who
 * refuses which.
 *
 * Return: 0 on success, -EINVAL if @s is malformed
 */
int mac_parse(const char *s, uint8_t *mac)
{
	uint8_t m[ETH_ADDR_LEN];
	size_t i;

	if (strnlen(s, MAC_STR_LEN + 1) != MAC_STR_LEN)
		return -EINVAL;
	for (i = 0; i < ETH_ADDR_LEN; i++) {
		int hi = hex_val(s[3 * i]), lo = hex_val(s[3 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		if (i < ETH_ADDR_LEN - 1 && s[3 * i + 2] != ':')
			return -EINVAL;
		m[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, m, ETH_ADDR_LEN);
	return 0;
}
