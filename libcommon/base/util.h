/* SPDX-License-Identifier: GPL-2.0-or-later */
/* util.h - small helpers shared by every layer: sizes, min/max, attributes */
#ifndef BASE_UTIL_H
#define BASE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define PRINTF_FMT(a, b) __attribute__((format(printf, a, b)))
#define NORETURN __attribute__((noreturn))
#define UNUSED __attribute__((unused))

#define ETH_ADDR_LEN 6

/**
 * mac_is_zero() - Check whether a MAC address is all zeroes
 * @mac:	Address, 6 bytes
 *
 * Return: true if every byte is zero
 */
static inline bool mac_is_zero(const uint8_t *mac)
{
	return !(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]);
}

/**
 * mac_is_bcast() - Check whether a MAC address is the broadcast address
 * @mac:	Address, 6 bytes
 *
 * Return: true if every byte is 0xff
 */
static inline bool mac_is_bcast(const uint8_t *mac)
{
	return (mac[0] & mac[1] & mac[2] & mac[3] & mac[4] & mac[5]) == 0xff;
}

/**
 * hex_val() - Value of a hexadecimal digit
 * @c:		Character
 *
 * Return: 0 to 15, -1 if @c is not a hexadecimal digit (of either case)
 */
static inline int hex_val(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif /* BASE_UTIL_H */
