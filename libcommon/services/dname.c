// SPDX-License-Identifier: GPL-2.0-or-later
/* dname.c - domain names in DNS wire format (RFC 1035 3.1) for DHCP and RA
 *
 * One encoder for every option that carries names: DHCP 119 (RFC 3397) and
 * 81 (RFC 4702), the RA DNSSL option (RFC 8106 5.2), DHCPv6 24 (RFC 8415
 * 10) and 39 (RFC 4704). Names come from the configuration in presentation
 * form ("example.test" or "example.test."); each label becomes a length byte
 * and the label, and the name ends with the root label. No compression, no
 * escapes: a name with an empty label, a label over 63 bytes, or an encoding
 * over 255 bytes is refused, and callers skip it.
 */

#include <errno.h>
#include <string.h>

#include "services/dname.h"

/**
 * dname_encode() - Encode a domain name in DNS wire format
 * @name:	Name in presentation form, NUL-terminated or @maxlen long
 * @maxlen:	Size of the array holding @name
 * @out:	Output buffer
 * @cap:	Its size
 *
 * Return: length of the encoding, -EINVAL if @name is empty, the root alone
 *	   or not a valid name, -ENOSPC if it doesn't fit in @cap
 */
int dname_encode(const char *name, size_t maxlen, uint8_t *out, size_t cap)
{
	size_t len = strnlen(name, maxlen), pos = 0, start = 0, i;

	/* One trailing dot makes the name explicitly absolute: same encoding */
	if (len && name[len - 1] == '.')
		len--;
	if (!len || len + 2 > DNAME_WIRE_MAX)
		return -EINVAL;
	if (len + 2 > cap)
		return -ENOSPC;

	for (i = 0; i <= len; i++) {
		size_t label;

		if (i < len && name[i] != '.')
			continue;
		label = i - start;
		if (!label || label > DNAME_LABEL_MAX)
			return -EINVAL;
		out[pos++] = (uint8_t)label;
		memcpy(out + pos, name + start, label);
		pos += label;
		start = i + 1;
	}
	out[pos++] = 0;
	return (int)pos;
}

/**
 * dname_list_encode() - Encode a list of names back to back, as many as fit
 * @names:	Names in presentation form (struct l2_conf's search list)
 * @n:		Entries used in @names, clamped to 0..L2_MAX_SEARCH
 * @out:	Output buffer
 * @cap:	Its size
 *
 * Invalid names, and names that don't fit in what is left of @out, are
 * skipped: a shorter list is better than none.
 *
 * Return: bytes written to @out
 */
size_t dname_list_encode(const char (*names)[L2_DOMAIN_MAX + 1], int n,
			 uint8_t *out, size_t cap)
{
	size_t pos = 0;
	int i, len;

	for (i = 0; i < MIN(n, L2_MAX_SEARCH); i++) {
		len = dname_encode(names[i], L2_DOMAIN_MAX + 1, out + pos,
				   cap - pos);
		if (len > 0)
			pos += (size_t)len;
	}
	return pos;
}
