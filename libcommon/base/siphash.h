/* SPDX-License-Identifier: GPL-2.0-or-later */
/* siphash.h - SipHash-2-4, a keyed hash for tables indexed by guest input
 *
 * Theory of operation: SipHash (Aumasson and Bernstein, "SipHash: a fast
 * short-input PRF", 2012) maps a 128-bit secret key and a message of any
 * length to 64 bits. Without the key, nobody can predict which bucket a
 * message lands in, so a guest that chooses addresses and ports cannot build
 * a chain of colliding flows. The key is two 64-bit words, read little-endian
 * from 16 bytes as the paper specifies.
 */
#ifndef BASE_SIPHASH_H
#define BASE_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define SIPHASH_KEY_LEN 16 /* bytes */

/**
 * siphash24_key() - Turn 16 key bytes into the two words SipHash uses
 * @key:	Key words, set: @key[0] = bytes 0..7, @key[1] = bytes 8..15,
 *		each read little-endian
 * @bytes:	Key, SIPHASH_KEY_LEN bytes
 */
void siphash24_key(uint64_t key[2], const uint8_t bytes[SIPHASH_KEY_LEN]);

/**
 * siphash24() - SipHash-2-4 of a byte string
 * @key:	Key words, from siphash24_key()
 * @data:	Message, may be NULL if @len is 0
 * @len:	Length of the message, bytes
 *
 * Return: the 64-bit hash; the paper's output bytes are its little-endian
 * encoding
 */
uint64_t siphash24(const uint64_t key[2], const void *data, size_t len);

#endif /* BASE_SIPHASH_H */
