/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mac.h - Ethernet addresses in text form: the one parser
 *
 * Theory of operation: every MAC address given on a command line (passt's
 * and pasta's -M and --ns-mac-addr, pasta-netcfg's --mac) is read by
 * mac_parse(), which checks the syntax only: six pairs of hexadecimal
 * digits separated by colons, nothing before or after. What kind of address
 * is acceptable depends on its use, and is for the caller to decide with
 * mac_is_unicast() and mac_is_zero():
 * - our own address towards the guest (-M): anything, as upstream accepts
 *   (libvirt passes the guest's own MAC there);
 * - the address of an interface (--ns-mac-addr, pasta-netcfg --mac): a
 *   unicast one, the only kind the kernel gives a device; for pasta's
 *   --ns-mac-addr, all zeroes means "leave the kernel's", as upstream's.
 */
#ifndef BASE_MAC_H
#define BASE_MAC_H

#include <stdbool.h>
#include <stdint.h>

#include "base/util.h"

/**
 * mac_is_unicast() - Tell whether an address may be an interface's own
 * @mac:	Address, ETH_ADDR_LEN bytes
 *
 * IEEE 802-2014, 8.2.2: the first bit on the wire, the least significant
 * of the first byte, marks a group (multicast or broadcast) address.
 *
 * Return: true if the group bit is clear and the address isn't all zeroes
 */
static inline bool mac_is_unicast(const uint8_t *mac)
{
	return !(mac[0] & 1) && !mac_is_zero(mac);
}

/* Length of "xx:xx:xx:xx:xx:xx" */
#define MAC_STR_LEN ((size_t)3 * ETH_ADDR_LEN - 1)

int mac_parse(const char *s, uint8_t *mac);

#endif /* BASE_MAC_H */
