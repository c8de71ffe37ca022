/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vhost_user.h - passt's vhost-user link: frames through the guest's rings
 *
 * Theory of operation: vhost_user.c (control socket, device callbacks, the
 * offered features), vu_rx.c (the frame sink: frames to the guest) and
 * vu_tx.c (frames from the guest), on struct vu_link (vu_link.h).
 * doc/vhost-user.md has the whole picture.
 */
#ifndef LINK_VHOST_USER_H
#define LINK_VHOST_USER_H

#include <stdint.h>

#include "link/vu_link.h"
#include "link/vu_rx.h"
#include "link/vu_tx.h"

uint64_t vu_offered_features(void);
void vu_init(struct vu_link *v, int epfd);
void vu_client(struct vu_link *v, int fd);
int vu_ctl_handler(struct vu_link *v);
void vu_disconnect(struct vu_link *v);
void vu_features_apply(struct vu_link *v);

#endif /* LINK_VHOST_USER_H */
