// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_l2.c - libFuzzer harness of the dispatcher l2_handle() */

#include <stddef.h>
#include <stdint.h>

#include "l2_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return l2_fuzz_one(l2_handle, data, size);
}
