/* SPDX-License-Identifier: GPL-2.0-or-later */
/* view.h - bounded read-only views of untrusted bytes, and bounded writers
 *
 * Theory of operation: every byte that comes from a guest, a namespace or the
 * kernel's netlink socket is read through a struct pview. A view is a pointer
 * and a length; the accessors return NULL (or false) whenever the requested
 * range does not fit, so a parser never computes a pointer past the end of
 * what it was given. Reply frames are built through a struct pbuf, which does
 * the same bookkeeping for writing.
 */
#ifndef BASE_VIEW_H
#define BASE_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/**
 * struct pview - Read-only view of a byte range
 * @p:		First byte, NULL for an empty view
 * @len:	Number of bytes
 */
struct pview {
	const uint8_t *p;
	size_t len;
};

/**
 * pview_make() - Build a view over a buffer
 * @p:		Buffer
 * @len:	Its length
 *
 * Return: the view
 */
static inline struct pview pview_make(const void *p, size_t len)
{
	struct pview v = { .p = p, .len = p ? len : 0 };

	return v;
}

/**
 * pview_get() - Get a pointer to a range inside a view
 * @v:		View
 * @off:	Offset of the range
 * @len:	Length of the range
 *
 * Return: pointer to the range, NULL if it does not fit entirely in @v
 */
static inline const void *pview_get(struct pview v, size_t off, size_t len)
{
	if (!v.p || off > v.len || len > v.len - off)
		return NULL;
	return v.p + off;
}

/**
 * pview_tail() - View of everything from an offset on
 * @v:		View
 * @off:	Offset
 *
 * Return: the tail, an empty view if @off is beyond the end
 */
static inline struct pview pview_tail(struct pview v, size_t off)
{
	if (!v.p || off > v.len)
		return pview_make(NULL, 0);
	return pview_make(v.p + off, v.len - off);
}

/**
 * pview_sub() - View of a range inside a view
 * @v:		View
 * @off:	Offset
 * @len:	Length
 *
 * Return: the range, an empty view (p == NULL) if it does not fit
 */
static inline struct pview pview_sub(struct pview v, size_t off, size_t len)
{
	const void *p = pview_get(v, off, len);

	return p ? pview_make(p, len) : pview_make(NULL, 0);
}

/**
 * pview_u8() - Read one byte
 * @v:		View
 * @off:	Offset
 * @out:	Where to store the byte
 *
 * Return: true on success, false if @off is out of range
 */
static inline bool pview_u8(struct pview v, size_t off, uint8_t *out)
{
	const uint8_t *b = pview_get(v, off, 1);

	if (!b)
		return false;
	*out = *b;
	return true;
}

/**
 * pview_be16() - Read a big-endian 16-bit value
 * @v:		View
 * @off:	Offset
 * @out:	Where to store the value, host order
 *
 * Return: true on success, false if out of range
 */
static inline bool pview_be16(struct pview v, size_t off, uint16_t *out)
{
	const uint8_t *b = pview_get(v, off, 2);

	if (!b)
		return false;
	*out = (uint16_t)(b[0] << 8 | b[1]);
	return true;
}

/**
 * pview_be32() - Read a big-endian 32-bit value
 * @v:		View
 * @off:	Offset
 * @out:	Where to store the value, host order
 *
 * Return: true on success, false if out of range
 */
static inline bool pview_be32(struct pview v, size_t off, uint32_t *out)
{
	const uint8_t *b = pview_get(v, off, 4);

	if (!b)
		return false;
	*out = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
	return true;
}

/**
 * pview_copy() - Copy a range out of a view
 * @v:		View
 * @off:	Offset
 * @dst:	Destination
 * @len:	Bytes to copy
 *
 * Return: true on success, false (nothing copied) if out of range
 */
static inline bool pview_copy(struct pview v, size_t off, void *dst,
			      size_t len)
{
	const void *src = pview_get(v, off, len);

	if (!src)
		return false;
	memcpy(dst, src, len);
	return true;
}

/**
 * struct pbuf - Bounded writer into a caller-owned buffer
 * @p:		Buffer
 * @len:	Bytes written so far
 * @cap:	Buffer size
 * @overflow:	Set once a write did not fit: the content is then unusable
 */
struct pbuf {
	uint8_t *p;
	size_t len;
	size_t cap;
	bool overflow;
};

/**
 * pbuf_init() - Start writing into a buffer
 * @b:		Writer to initialise
 * @p:		Buffer
 * @cap:	Buffer size
 */
static inline void pbuf_init(struct pbuf *b, void *p, size_t cap)
{
	b->p = p;
	b->len = 0;
	b->cap = cap;
	b->overflow = false;
}

/**
 * pbuf_reserve() - Reserve room for @len bytes, zeroed
 * @b:		Writer
 * @len:	Bytes to reserve
 *
 * Return: pointer to the reserved bytes, NULL (and @b->overflow set) if they
 *	   don't fit
 */
static inline void *pbuf_reserve(struct pbuf *b, size_t len)
{
	void *r;

	if (b->overflow || len > b->cap - b->len) {
		b->overflow = true;
		return NULL;
	}
	r = b->p + b->len;
	memset(r, 0, len);
	b->len += len;
	return r;
}

/**
 * pbuf_put() - Append bytes
 * @b:		Writer
 * @data:	Bytes to append
 * @len:	Their length
 *
 * Return: true on success, false (and @b->overflow set) if they don't fit
 */
static inline bool pbuf_put(struct pbuf *b, const void *data, size_t len)
{
	void *dst = pbuf_reserve(b, len);

	if (!dst)
		return false;
	if (len)
		memcpy(dst, data, len);
	return true;
}

/**
 * pbuf_u8() - Append one byte
 * @b:		Writer
 * @v:		Byte
 *
 * Return: true on success
 */
static inline bool pbuf_u8(struct pbuf *b, uint8_t v)
{
	return pbuf_put(b, &v, 1);
}

/**
 * pbuf_be16() - Append a 16-bit value in network order
 * @b:		Writer
 * @v:		Value, host order
 *
 * Return: true on success
 */
static inline bool pbuf_be16(struct pbuf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	return pbuf_put(b, x, 2);
}

/**
 * pbuf_be32() - Append a 32-bit value in network order
 * @b:		Writer
 * @v:		Value, host order
 *
 * Return: true on success
 */
static inline bool pbuf_be32(struct pbuf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 8), (uint8_t)v };

	return pbuf_put(b, x, 4);
}

#endif /* BASE_VIEW_H */
