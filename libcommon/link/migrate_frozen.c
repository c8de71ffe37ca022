// SPDX-License-Identifier: GPL-2.0-or-later
/* migrate_frozen.c - the source's connections after its state was written:
 *		      released, or taken back
 *
 * Theory of operation: the source of a migration leaves the connections it
 * sent frozen (their sockets drop what the peers send) and in repair mode
 * (closing them sends nothing). Whether the guest now runs elsewhere is
 * known only later, from qemu (loop/passt.c, loop/loop.c):
 *
 * - it disconnects, or --migrate-no-linger once it checked the state:
 *   the guest moved, migrate_frozen_release() closes them, silently;
 * - it starts the device again here (the target failed, qemu resumes the
 *   guest on the source), or the save itself failed:
 *   migrate_frozen_rollback() switches repair mode off through
 *   passt-repair, takes the filters off and takes them back, and the guest's connections go on as if nothing
 *   happened (it saw a pause). Those whose repair mode can't be switched
 *   off any more (the helper left) are reset.
 *
 * --migrate-exit ends passt once qemu checked the state: the process exit
 * closes them, silently as well. Until one of these, they stay (upstream's
 * "linger"): a peer that sends meanwhile finds a socket that drops its
 * segments, not an RST, and sends them again to the target.
 */

#include "base/log.h"
#include "link/migrate_frozen.h"
#include "transport/tcp_migrate.h"

/**
 * migrate_frozen_rollback() - Source: the migration failed, the guest stays:
 *			     frozen connections go back to normal
 * @t:		TCP context
 * @r:		Repair helper, if still there
 *
 * Sockets whose repair mode can't be switched off any more (no helper) are
 * reset: they can't send.
 */
void migrate_frozen_rollback(struct tcp_ctx *t, struct repair *r)
{
	static uint32_t idx[FLOW_MAX];
	unsigned int n = tcp_mig_list(t, true, idx, FLOW_MAX), i;
	int ret = 0;

	if (!n)
		return;
	for (i = 0; i < n && !ret; i++) {
		int s = t->conn[idx[i]].sock;

		if (tcp_repair_is_on(s))
			ret = repair_add(r, s, REPAIR_OFF);
	}
	if (!ret)
		ret = repair_flush(r);
	for (i = 0; i < n; i++) {
		if (tcp_repair_is_on(t->conn[idx[i]].sock))
			tcp_mig_drop(t, idx[i], true);
		else
			tcp_mig_thaw(t, idx[i]);
	}
	log_info("Migration: %u TCP connections back to normal here%s", n,
		 ret ? " (some reset: passt-repair is gone)" : "");
}

/**
 * migrate_frozen_release() - Source: the guest moved: forget the frozen
 *			    connections (closed in repair mode: silently)
 * @t:		TCP context
 */
void migrate_frozen_release(struct tcp_ctx *t)
{
	static uint32_t idx[FLOW_MAX];
	unsigned int n = tcp_mig_list(t, true, idx, FLOW_MAX), i;

	for (i = 0; i < n; i++)
		tcp_mig_drop(t, idx[i], false);
	if (n)
		log_info("Migration: %u TCP connections moved, closed here", n);
}

/**
 * migrate_frozen_count() - Connections frozen by a migration
 * @t:		TCP context
 *
 * Return: their number
 */
unsigned int migrate_frozen_count(const struct tcp_ctx *t)
{
	static uint32_t idx[FLOW_MAX];

	return tcp_mig_list(t, true, idx, FLOW_MAX);
}
