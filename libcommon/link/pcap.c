// SPDX-License-Identifier: GPL-2.0-or-later
/* pcap.c - capture of the frames exchanged with the guest, pcap format
 *
 * Theory of operation: with -p FILE, every frame read from or written to the
 * guest link is appended to FILE in the classic libpcap format (the "tcpdump"
 * format: a 24-byte global header, then a 16-byte record header per frame,
 * link type Ethernet, microsecond timestamps). The file is opened at start-up,
 * before any sandboxing; a failed write disables the capture instead of
 * disturbing the data path.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "pcap.h"

#define PCAP_MAGIC 0xa1b2c3d4U	/* microsecond timestamps, host byte order */
#define PCAP_VERSION_MAJOR 2
#define PCAP_VERSION_MINOR 4
#define PCAP_SNAPLEN (65535 + 14)
#define PCAP_LINKTYPE_ETHERNET 1

/**
 * struct pcap_hdr - pcap global header
 * @magic:	PCAP_MAGIC
 * @major:	Format major version
 * @minor:	Format minor version
 * @thiszone:	GMT offset, always 0
 * @sigfigs:	Timestamp accuracy, always 0
 * @snaplen:	Largest frame captured
 * @linktype:	Link type of the frames
 */
struct pcap_hdr {
	uint32_t magic;
	uint16_t major;
	uint16_t minor;
	int32_t thiszone;
	uint32_t sigfigs;
	uint32_t snaplen;
	uint32_t linktype;
};

/**
 * struct pcap_rec - pcap record header
 * @sec:	Timestamp, seconds
 * @usec:	Timestamp, microseconds
 * @caplen:	Bytes captured
 * @len:	Length of the frame
 */
struct pcap_rec {
	uint32_t sec;
	uint32_t usec;
	uint32_t caplen;
	uint32_t len;
};

static int pcap_fd = -1;

/**
 * pcap_open() - Create the capture file and write its header
 * @path:	File path
 *
 * Return: 0 on success, -errno on failure
 */
int pcap_open(const char *path)
{
	struct pcap_hdr h = {
		.magic = PCAP_MAGIC,
		.major = PCAP_VERSION_MAJOR,
		.minor = PCAP_VERSION_MINOR,
		.snaplen = PCAP_SNAPLEN,
		.linktype = PCAP_LINKTYPE_ETHERNET,
	};
	ssize_t n;
	int fd;

	fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if ((n = write(fd, &h, sizeof(h))) != sizeof(h)) {
		/* a short write sets no errno: don't report an old one */
		int ret = n < 0 ? -errno : -EIO;

		close(fd);
		return ret;
	}
	pcap_fd = fd;
	return 0;
}

/**
 * pcap_enabled() - Tell whether frames are being captured
 *
 * Return: true if pcap_frame() writes them: a caller whose frame is in
 *	   pieces gathers it only then
 */
bool pcap_enabled(void)
{
	return pcap_fd >= 0;
}

/**
 * pcap_frame() - Append one frame, if capturing
 * @frame:	Ethernet frame
 * @len:	Its length
 */
void pcap_frame(const void *frame, size_t len)
{
	struct pcap_rec r;
	struct timespec now;
	struct iovec iov[2];
	ssize_t want;

	if (pcap_fd < 0)
		return;

	clock_gettime(CLOCK_REALTIME, &now);
	r.sec = (uint32_t)now.tv_sec;
	r.usec = (uint32_t)(now.tv_nsec / 1000);
	r.len = (uint32_t)len;
	r.caplen = (uint32_t)(len > PCAP_SNAPLEN ? PCAP_SNAPLEN : len);

	iov[0].iov_base = &r;
	iov[0].iov_len = sizeof(r);
	iov[1].iov_base = (void *)frame;
	iov[1].iov_len = r.caplen;
	want = (ssize_t)(sizeof(r) + r.caplen);
	if (writev(pcap_fd, iov, 2) != want) {
		log_warn("Capture write failed, capture stopped: %s",
			 strerror(errno));
		pcap_close();
	}
}

/**
 * pcap_close() - Stop capturing
 */
void pcap_close(void)
{
	if (pcap_fd >= 0)
		close(pcap_fd);
	pcap_fd = -1;
}
