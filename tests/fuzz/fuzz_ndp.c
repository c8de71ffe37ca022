// SPDX-License-Identifier: GPL-2.0-or-later
/* fuzz_ndp.c - libFuzzer harness of ndp_handle(): any frame, any buffer size */

#include <stddef.h>
#include <stdint.h>

#include "l2_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return l2_fuzz_one(ndp_handle, data, size);
}
