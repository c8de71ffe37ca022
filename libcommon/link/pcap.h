/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pcap.h - capture of the frames exchanged with the guest, pcap format */
#ifndef LINK_PCAP_H
#define LINK_PCAP_H

#include <stdbool.h>
#include <stddef.h>

int pcap_open(const char *path);
void pcap_frame(const void *frame, size_t len);
bool pcap_enabled(void);
void pcap_close(void);

#endif /* LINK_PCAP_H */
