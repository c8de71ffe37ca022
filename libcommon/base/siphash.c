// SPDX-License-Identifier: GPL-2.0-or-later
/* siphash.c - SipHash-2-4: two rounds per message word, four to finish
 *
 * Theory of operation: the state is four 64-bit words initialised from the
 * key and four constants (the ASCII of "somepseudorandomlygeneratedbytes").
 * The message is consumed in 64-bit little-endian words; the last word holds
 * the remaining 0 to 7 bytes and, in its top byte, the message length modulo
 * 256 (paper, section 2, "Compression"). Each word is XORed into v3, mixed
 * with two SipRounds, then XORed into v0. Finalisation XORs 0xff into v2 and
 * runs four SipRounds; the hash is the XOR of the four words.
 */

#include <string.h>

#include "base/siphash.h"

/* Initialisation constants, paper section 2 ("Initialization") */
#define SIP_C0 0x736f6d6570736575ULL /* "somepseu" */
#define SIP_C1 0x646f72616e646f6dULL /* "dorandom" */
#define SIP_C2 0x6c7967656e657261ULL /* "lygenera" */
#define SIP_C3 0x7465646279746573ULL /* "tedbytes" */

enum {
	SIP_C_ROUNDS = 2, /* SipRounds per message word */
	SIP_D_ROUNDS = 4, /* SipRounds in finalisation */
	SIP_FINAL_XOR = 0xff,
	SIP_WORD = 8,	    /* bytes per message word */
	SIP_LEN_SHIFT = 56, /* length byte goes to the top of the last word */
};

/**
 * struct sip_state - Internal state of SipHash
 * @v:	The four state words v0..v3
 */
struct sip_state {
	uint64_t v[4];
};

/**
 * rotl64() - Rotate left
 * @x:	Value
 * @b:	Bits, 1 to 63
 *
 * Return: @x rotated left by @b bits
 */
static inline uint64_t rotl64(uint64_t x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

/**
 * load_le64() - Read a little-endian 64-bit word from any alignment
 * @p:	Eight bytes
 *
 * Return: the word
 */
static inline uint64_t load_le64(const uint8_t *p)
{
	uint64_t w = 0;
	int i;

	for (i = SIP_WORD - 1; i >= 0; i--)
		w = (w << 8) | p[i];
	return w;
}

/**
 * sip_round() - One SipRound, paper section 2, figure 2.1
 * @s:	State, updated
 */
static inline void sip_round(struct sip_state *s)
{
	s->v[0] += s->v[1];
	s->v[1] = rotl64(s->v[1], 13) ^ s->v[0];
	s->v[0] = rotl64(s->v[0], 32);
	s->v[2] += s->v[3];
	s->v[3] = rotl64(s->v[3], 16) ^ s->v[2];
	s->v[0] += s->v[3];
	s->v[3] = rotl64(s->v[3], 21) ^ s->v[0];
	s->v[2] += s->v[1];
	s->v[1] = rotl64(s->v[1], 17) ^ s->v[2];
	s->v[2] = rotl64(s->v[2], 32);
}

/**
 * sip_compress() - Absorb one message word
 * @s:	State, updated
 * @m:	Word
 */
static inline void sip_compress(struct sip_state *s, uint64_t m)
{
	int i;

	s->v[3] ^= m;
	for (i = 0; i < SIP_C_ROUNDS; i++)
		sip_round(s);
	s->v[0] ^= m;
}

/**
 * siphash24_key() - Turn 16 key bytes into the two words SipHash uses
 * @key:	Key words, set
 * @bytes:	Key, SIPHASH_KEY_LEN bytes
 */
void siphash24_key(uint64_t key[2], const uint8_t bytes[SIPHASH_KEY_LEN])
{
	key[0] = load_le64(bytes);
	key[1] = load_le64(bytes + SIP_WORD);
}

/**
 * siphash24() - SipHash-2-4 of a byte string
 * @key:	Key words, from siphash24_key()
 * @data:	Message, may be NULL if @len is 0
 * @len:	Length of the message, bytes
 *
 * Return: the 64-bit hash
 */
uint64_t siphash24(const uint64_t key[2], const void *data, size_t len)
{
	struct sip_state s = {{key[0] ^ SIP_C0, key[1] ^ SIP_C1,
			       key[0] ^ SIP_C2, key[1] ^ SIP_C3}};
	const uint8_t *p = data;
	size_t words = len / SIP_WORD, tail = len % SIP_WORD, i;
	uint8_t last[SIP_WORD] = {0};
	int r;

	for (i = 0; i < words; i++)
		sip_compress(&s, load_le64(p + i * SIP_WORD));

	if (tail)
		memcpy(last, p + words * SIP_WORD, tail);
	sip_compress(&s, load_le64(last) | ((uint64_t)len << SIP_LEN_SHIFT));

	s.v[2] ^= SIP_FINAL_XOR;
	for (r = 0; r < SIP_D_ROUNDS; r++)
		sip_round(&s);

	return s.v[0] ^ s.v[1] ^ s.v[2] ^ s.v[3];
}
