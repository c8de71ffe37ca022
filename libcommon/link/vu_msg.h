/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vu_msg.h - vhost-user: messages of the frontend, read and checked
 *
 * Theory of operation: a message is a 12-byte header (request, flags, payload
 * size; host byte order), its payload, and up to VU_MSG_FDS_MAX descriptors
 * passed with SCM_RIGHTS along with the header. vu_msg_recv() reads exactly
 * one message from the control socket, never more than the header says and
 * never a payload larger than struct vu_msg holds; vu_msg_check() then says,
 * from the request alone, whether the payload size and the number of
 * descriptors are the ones the protocol gives it, so the handler of a request
 * (vu_dev.c) only ever sees a well-formed payload. Descriptors that came with
 * a message nobody takes are closed by vu_msg_close_fds().
 */
#ifndef LINK_VU_MSG_H
#define LINK_VU_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "link/vu_mem.h"

#define VU_MSG_HDR_LEN 12
#define VU_MSG_FDS_MAX 8	 /* descriptors with one message */
#define VU_MSG_VERSION 0x1	 /* flags: protocol version, bits 0-1 */
#define VU_MSG_F_REPLY (1U << 2) /* flags: this is a reply */
#define VU_MSG_F_NEED_REPLY (1U << 3) /* flags: REPLY_ACK asked for */
#define VU_VRING_NOFD (1U << 8)	 /* u64 of SET_VRING_KICK/CALL/ERR: no fd */
#define VU_VRING_IDX_MASK 0xff	 /* ... and the queue index */

/* Requests from the frontend (vhost-user.rst, "Front-end message types") */
enum vu_req {
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_RESET_OWNER = 4,
	VU_SET_MEM_TABLE = 5,
	VU_SET_LOG_BASE = 6,
	VU_SET_LOG_FD = 7,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_GET_VRING_BASE = 11,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_SET_VRING_ERR = 14,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM = 17,
	VU_SET_VRING_ENABLE = 18,
	VU_SEND_RARP = 19,
	VU_SET_DEVICE_STATE_FD = 42,
	VU_CHECK_DEVICE_STATE = 43,
	VU_REQ_MAX = 44,
};

/**
 * struct vu_vring_state - Payload of SET_VRING_NUM, _BASE, _ENABLE, GET_..
 * @index:	Queue
 * @num:	Value
 */
struct vu_vring_state {
	uint32_t index;
	uint32_t num;
};

/**
 * struct vu_vring_addr - Payload of SET_VRING_ADDR
 * @index:	Queue
 * @flags:	VHOST_VRING_F_LOG: log writes to the used ring
 * @desc:	Descriptor table, frontend's virtual address
 * @used:	Used ring, frontend's virtual address
 * @avail:	Available ring, frontend's virtual address
 * @log:	Used ring, guest-physical address (for the log)
 */
struct vu_vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc;
	uint64_t used;
	uint64_t avail;
	uint64_t log;
};

/**
 * struct vu_mem_table - Payload of SET_MEM_TABLE
 * @nregions:	Regions that follow, one descriptor each
 * @padding:	Zero
 * @r:		Regions
 */
struct vu_mem_table {
	uint32_t nregions;
	uint32_t padding;
	struct vu_mem_desc r[VU_MEM_REGIONS_MAX];
};

/**
 * struct vu_log_area - Payload of SET_LOG_BASE
 * @size:	Bytes of the bitmap
 * @offset:	Its offset in the descriptor
 */
struct vu_log_area {
	uint64_t size;
	uint64_t offset;
};

/**
 * struct vu_state_fd - Payload of SET_DEVICE_STATE_FD
 * @direction:	0: save (we write the state), 1: load (we read it)
 * @phase:	0: stopped, the only phase there is
 */
struct vu_state_fd {
	uint32_t direction;
	uint32_t phase;
};

/**
 * struct vu_msg - One message, as read
 * @req:	enum vu_req
 * @flags:	VU_MSG_* flags
 * @size:	Payload bytes
 * @u:		Payload (@u64 for the requests that carry one number)
 * @fds:	Descriptors that came with it, -1 after they are taken
 * @nfds:	How many
 */
struct vu_msg {
	uint32_t req;
	uint32_t flags;
	uint32_t size;
	union {
		uint64_t u64;
		struct vu_vring_state state;
		struct vu_vring_addr addr;
		struct vu_mem_table mem;
		struct vu_log_area log;
		struct vu_state_fd dstate;
		uint8_t raw[sizeof(struct vu_mem_table)];
	} u;
	int fds[VU_MSG_FDS_MAX];
	unsigned int nfds;
};

int vu_msg_recv(int fd, struct vu_msg *m);
int vu_msg_parse(const uint8_t *buf, size_t len, struct vu_msg *m);
int vu_msg_check(const struct vu_msg *m);
int vu_msg_reply(int fd, const struct vu_msg *m, const void *payload,
		 uint32_t size);
void vu_msg_close_fds(struct vu_msg *m);
const char *vu_req_str(uint32_t req);

#endif /* LINK_VU_MSG_H */
