# SPDX-License-Identifier: GPL-2.0-or-later
"""test_vu_migrate_tcp.py - a real qemu 10.0 guest keeps its TCP
connections while it migrates from one passt --vhost-user to another.

Theory of operation: as test_vu_migrate_qemu.py (Debian 13's qemu 10.0,
TCG, QMP's migrate from the source qemu on passt A to a target qemu on
passt B started with -incoming, both passt in `host` inside the Deb13
environment), with each passt's passt-repair running as root next to it
on `<socket>.repair`, so that the TCP connections move.  The guest
(vu_guest.py's gt.mig) opens them to mig_peer.py in `remote` and prints
"GT-MIGUP"; one more comes from `remote` through A's -t port to the
guest's echo server.  Once mig_peer has accepted all of them and the
remote's echo client got its first echo, the test migrates, then creates
the stop file: mig_peer sends its first byte on the idle connection, the
guest sees it and a few seconds later ends every connection (the remote
ends 1 and 3: a guest that half-closes while data is on its way loses it
with Debian 13's passt, migration or not).  During the one migration
these are open and moving:

  1 a download the guest reads at 80 KiB/s: the remote's send queue is
    full (ss) when the migration starts
  2 an upload the guest writes at 80 KiB/s
  3 a stream the remote pushes as fast as the path takes it
  4 lines from the guest every 0.2 s to a remote echo server
  5 lines from the remote every 0.2 s through A's -t port to the guest's
    echo server (nc -l -e cat), going on through B after the migration
  6 64 KiB from the guest with its FIN before the migration; the remote
    answers only after it
  7 idle, nothing queued, used both ways only after the migration

Checks: for each, the bytes and SHA-256 of each direction match on both
ends, no end saw an error (a reset), traffic flowed before the migration
started and after it ended (mig_peer's CLOCK_MONOTONIC times); the source
passt exited 0, the target runs, the guest prints its results through
the target, and a new connection through B's own -t port reaches the
guest's other echo server.  Figures printed: migration time, qemu's
downtime, bytes and the longest pause of each connection.

Ends as test_vu_migrate_qemu.py: tested-tested, upstream-tested and
tested-upstream ("upstream": Debian 13's passt and passt-repair); in the
reference run ($PASST in the Debian 13 root) only the first.
"""

import json
import os
import re
import subprocess
import time

import pytest

import deb13_env as D
import guest_image as G
import topo as T
import vu_guest as V
from test_vu_migrate_qemu import ENDS, QMP, passt_pair, qemu
from test_vu_qemu import vu_env  # noqa: F401

MIG_PEER = str(T.HERE / "mig_peer.py")
BASE = 8500              # mig_peer.py: BASE+1 ... BASE+7 in `remote`
L5, L8 = 8511, 8518      # the guest's echo servers
MAX_SECS = 90            # bound of the guest's loops
AFTER = 4                # seconds of traffic through B before the end
GUEST_TMO = 220          # bound of each nc in the guest
LIFE_SECS = 300          # bound on each qemu's life (as qemu()'s)
MIG_SECS = 120           # bound on the migration itself
NEW_BYTES = 256 << 10    # the new connection through B's -t port
UPSTREAM_REPAIR = "/usr/bin/passt-repair"


def repair(env, procs, tmp, name, sock, upstream):
    """passt-repair as root inside @env on @sock's repair socket: Debian
    13's with @upstream, else the one under test."""
    path = sock + ".repair"
    assert T.wait_for(lambda: env.path(path).exists(), 10), \
        "no repair socket " + path
    binary = UPSTREAM_REPAIR if upstream else D.tool("passt-repair")
    with open(tmp / (name + "-repair.log"), "w") as log:
        return env.popen(procs, [binary, path], stdout=log,
                         stderr=subprocess.STDOUT)


def send_q(netns, port, local):
    """Send-Q and Recv-Q of the established sockets in @netns whose
    local (@local) or peer port is @port: [(recv_q, send_q)]."""
    r = T.run(["ip", "netns", "exec", netns, "ss", "-Htn"])
    out = []
    for ln in r.stdout.splitlines():
        f = ln.split()
        if len(f) < 5 or f[0] != "ESTAB":
            continue
        if f[3 if local else 4].endswith(":%d" % port):
            out.append((int(f[1]), int(f[2])))
    return out


@pytest.mark.parametrize("ends", ENDS)
def test_tcp_across_migration(topo, vu_env, procs, tmp, ends):
    """@ends: source-target, "tested" being the passt under test (ours,
    or upstream's in the reference run), "upstream" Debian 13's."""
    env = vu_env
    port_a, port_b = 8520 + ENDS.index(ends), 8530 + ENDS.index(ends)
    n, src_up, dst_up, (src, src_sock), (dst, dst_sock) = passt_pair(
        topo, env, procs, tmp, ends, "tcpmig",
        ["-t", "%d:%d" % (port_a, L5), "-u", "none"],
        ["-t", "%d:%d" % (port_b, L8), "-u", "none"])
    repair(env, procs, tmp, "src%d" % n, src_sock, src_up)
    repair(env, procs, tmp, "dst%d" % n, dst_sock, dst_up)
    try:
        setup, conns = run_migration(topo, env, procs, tmp, n, src, dst,
                                     src_sock, dst_sock, port_a, port_b,
                                     src_up, dst_up)
    finally:
        for pid in env.pids("qemu-system-x86"):
            env.run(["kill", "-KILL", str(pid)], timeout=10)
    judge(setup, conns, ends, ours_moved(src, dst, src_up, dst_up))


def test_target_fails_source_keeps(topo, vu_env, procs, tmp):
    """The target can't take the connections (no passt-repair there: it
    refuses the state), so qemu's migration fails after the source saved
    its state, and qemu resumes the guest on the source: the source passt
    (without --migrate-exit, which would end it once its own save was
    checked) takes its frozen connections back when qemu starts the device
    again, and all seven come through intact, as if nothing happened but
    a pause. Upstream's source keeps its sockets in repair mode there: the
    connections are lost (not run: the reference passt can't pass it)."""
    if D.is_reference("passt"):
        pytest.skip("reference run: upstream's source can't take its "
                    "connections back")
    env = vu_env
    ends = "tested-tested"
    port_a, port_b = 8523, 8533
    n, src_up, dst_up, (src, src_sock), (dst, dst_sock) = passt_pair(
        topo, env, procs, tmp, ends, "tcpfail",
        ["-t", "%d:%d" % (port_a, L5), "-u", "none"],
        ["-t", "%d:%d" % (port_b, L8), "-u", "none"], src_exit=False)
    repair(env, procs, tmp, "fsrc%d" % n, src_sock, False)
    try:
        setup, conns = run_migration(topo, env, procs, tmp, n, src, dst,
                                     src_sock, dst_sock, port_a, port_b,
                                     False, False, fail=True)
    finally:
        for pid in env.pids("qemu-system-x86"):
            env.run(["kill", "-KILL", str(pid)], timeout=10)
    for line in ("passt-repair is connected here: refused",
                 "Migration: the guest runs here again",
                 "TCP connections back to normal here"):
        if line not in dst.text() + src.text():
            setup.append("no '%s' in the logs" % line)
    judge(setup, conns, "target fails")


def ours_moved(src, dst, src_up, dst_up):
    """Did our end(s) of a migration with Debian 13's passt do their part:
    ours as the source sent every connection, ours as the target rebuilt
    every one it got?  None when both ends are the passt under test."""
    if src_up == dst_up:
        return None
    if not src_up and not re.search(
            r"guest addresses and [1-9][0-9]* TCP connections sent",
            src.text()):
        return False
    m = re.search(r"Migration: ([0-9]+) of ([0-9]+) TCP connections moved "
                  r"here", dst.text())
    return src_up is False or bool(m and m.group(1) == m.group(2))


def judge(setup, conns, ends, ours_ok=None):
    """Fail on @setup (the migration around the connections: passt,
    qemu, the new connection) and @conns (the connections that did not
    come through).  Reference run: Debian 13's passt resets some moved
    connections or loses bytes of them in some migrations (issue 16; in
    10 runs here: all seven intact in 6; all seven reset in 2; in one the
    -t echo reset and 73760 bytes of the half-closed one's answer lost; in
    one the pushed stream short of 3.6 MB and the download, half-closed
    and idle ones reset), where ours must move every byte: reported as a
    skip, as long as everything else held; the same for the runs with
    Debian 13's passt at one end, if ours did its part (@ours_ok, from
    ours_moved())."""
    if setup:
        pytest.fail("%s: %s" % (ends, "; ".join(setup + conns)))
    if conns and D.is_reference("passt"):
        pytest.skip("reference passt differs: Debian 13's passt broke "
                    "connections in this migration: " + "; ".join(conns))
    # With Debian 13's passt at one end, that end breaks connections as it
    # does between two of its own (above): its source exits at once and
    # reads queues a remote still fills, its target doesn't wait for the
    # source's sockets to go. Ours must have done its part all the same.
    if conns and ours_ok:
        pytest.skip("%s: Debian 13's passt broke connections that ours "
                    "moved: %s" % (ends, "; ".join(conns)))
    if conns:
        pytest.fail("%s: %s" % (ends, "; ".join(conns)))


def start_remote(topo, procs, tmp, n):
    """mig_peer.py serve in `remote`: (Popen, stop file, state file)."""
    stop = tmp / ("stop-%d" % n)
    state = tmp / ("state-%d" % n)
    ready = tmp / ("ready-%d" % n)
    p = procs.popen(["ip", "netns", "exec", topo.remote, T.PY, MIG_PEER,
                     "serve", T.REMOTE4, str(BASE), "--stop", str(stop),
                     "--state", str(state), "--ready", str(ready),
                     "--deadline", str(LIFE_SECS), "--timeout", "60",
                     "--after", str(AFTER)],
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    text=True)
    assert T.wait_for(ready.exists, 10), "mig_peer.py did not listen"
    return p, stop, state


def accepted(state):
    """The behaviours mig_peer.py accepted a connection for so far."""
    try:
        return json.loads(state.read_text())
    except (OSError, ValueError):
        return []


def run_migration(topo, env, procs, tmp, n, src, dst, src_sock, dst_sock,
                  port_a, port_b, src_up, dst_up, fail=False):
    """Boot on @src, open the connections, migrate to @dst, end them;
    return the notes of what failed: (around them, the connections).
    @fail: the migration must fail, and the guest go on on the source."""
    plain = dst_up and not src_up     # see test_vu_migrate_qemu.py
    server, stop, state = start_remote(topo, procs, tmp, n)
    words = V.cmdline(timeout=GUEST_TMO, mig=(
        T.REMOTE4, BASE, L5, L8, MAX_SECS, AFTER))
    a, a_qmp = qemu(env, procs, tmp, "tcpsrc%d" % n, src_sock, (), plain,
                    words)
    mport = 45000 + os.getpid() % 1000 * 3 + n
    b, b_qmp = qemu(env, procs, tmp, "tcpdst%d" % n, dst_sock,
                    ["-incoming", "tcp:127.0.0.1:%d" % mport], plain, words)
    res = a.wait("MIGLISTEN", 240)
    assert "MIGLISTEN" in res, "guest never listened:\n" + \
        a.console()[-3000:]
    ready5 = tmp / ("ready5-%d" % n)
    client = procs.popen(["ip", "netns", "exec", topo.remote, T.PY,
                          MIG_PEER, "echo-client", T.HOST4, str(port_a),
                          "--stop", str(stop), "--ready", str(ready5),
                          "--after", str(AFTER), "--deadline",
                          str(LIFE_SECS), "--timeout", "60"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    modes = ("down", "up", "push", "echo", "half", "idle")
    up = T.wait_for(lambda: ready5.exists() and all(
        m in accepted(state) for m in modes) and "MIGUP" in G.results(
        a.console()), 60)
    assert up, "connections not up: accepted %s, echo client %s; " \
        "console:\n%s" % (accepted(state), ready5.exists(),
                          a.console()[-3000:])

    qa = QMP(env.path(a_qmp))
    qb = QMP(env.path(b_qmp))
    if fail:
        # the target's refusal reaches the source only over the return
        # path (libvirt and KubeVirt turn it on): without it, the source
        # has "completed" before the target loads the device state
        for q in (qa, qb):
            q.cmd("migrate-set-capabilities", capabilities=[
                {"capability": "return-path", "state": True}])
    queues = {"down": send_q(topo.remote, BASE + 1, True),
              "push": send_q(topo.remote, BASE + 3, True),
              "passt-down": send_q(topo.host, BASE + 1, False)}
    t0 = time.monotonic()
    qa.cmd("migrate", uri="tcp:127.0.0.1:%d" % mport)
    info = {}
    while time.monotonic() - t0 < MIG_SECS:
        info = qa.cmd("query-migrate")
        if info.get("status") in ("completed", "failed", "cancelled"):
            break
        time.sleep(0.1)
    t1 = time.monotonic()
    stop.touch()
    status = info.get("status")
    print("\nmigration: %s in %.1f s (qemu: total %s ms, downtime %s ms); "
          "queues at the start (recv-q, send-q): remote's download %s, "
          "push %s, passt's download socket %s"
          % (status, t1 - t0, info.get("total-time"),
             info.get("downtime"), queues["down"], queues["push"],
             queues["passt-down"]))
    want = "failed" if fail else "completed"
    assert status == want, "migration %s; source passt: %s; target " \
        "passt: %s" % (status, src.text()[-1500:], dst.text()[-1500:])
    if fail:
        return run_failed(qa, qb, a, src, dst, server, client, t0, t1,
                          queues)

    notes = []
    # the guest runs on the target (and powers off when it is done).
    # Without the return path the source has "completed" once it sent
    # everything: the target may still be loading the device state
    # (rebuilding the connections), so give it time to start.
    for q, want, what in ((qb, "running", "target"),
                          (qa, "postmigrate", "source")):
        st = None

        def status_is(q=q, want=want):
            nonlocal st
            try:
                st = q.cmd("query-status").get("status")
            except (OSError, EOFError) as e:
                st = "gone (%s)" % e
            return st == want
        if not T.wait_for(status_is, 20):
            notes.append("%s qemu %s, not %s; target passt: %s" % (
                what, st, want, dst.text()[-800:]))
    # a new connection through B's own -t port, to the guest on B
    r = T.run(["ip", "netns", "exec", topo.remote] + T.peer_argv(
        "connect", T.HOST4, port_b, send=NEW_BYTES, timeout=30,
        deadline=60), timeout=70)
    new = T.peer_json(r.stdout) if r.stdout.strip() else {"error": r.stderr}
    if new.get("error") or new.get("recv") != NEW_BYTES or \
            new.get("recv_sha") != new.get("sent_sha"):
        notes.append("new connection through B's -t port: %s" % new)

    done = b.wait("MIGDONE", 150)
    srv = T.peer_result(server, 60)
    cli = T.peer_result(client, 60)
    res = G.results(a.console() + "\n" + b.console())
    console = b.console()[-3000:]

    # the source passt: done, and gone; the guest runs on the target
    rc = src.wait(15)
    if rc != 0:
        notes.append("source passt: exit %s: %s" % (rc, src.text()[-800:]))
    if not dst.alive():
        notes.append("target passt gone: " + dst.text()[-800:])
    try:
        qa.cmd("quit")
    except (OSError, EOFError):
        pass
    qa.close()
    qb.close()

    conns = check_all(srv, cli, res, t0, t1, queues)
    if "MIGDONE" not in done:
        conns.append("the guest did not finish on the target; console: "
                     + console)
    print(figures(srv, cli))
    if notes or conns:
        print("source passt:\n" + src.text()[-2000:])
        print("target passt:\n" + dst.text()[-2000:])
    return notes, conns


def run_failed(qa, qb, a, src, dst, server, client, t0, t1, queues):
    """The migration failed: the guest goes on on the source; the notes
    of what failed, as run_migration()."""
    notes = []
    ok = T.wait_for(lambda: qa.cmd("query-status").get("status") ==
                    "running", 30)
    if not ok:
        notes.append("source qemu %s, not running again" %
                     qa.cmd("query-status").get("status"))
    done = a.wait("MIGDONE", 150)
    srv = T.peer_result(server, 60)
    cli = T.peer_result(client, 60)
    res = G.results(a.console())
    if not src.alive():
        notes.append("source passt gone: " + src.text()[-800:])
    if not dst.alive():
        notes.append("target passt gone: " + dst.text()[-800:])
    for q in (qa, qb):
        try:
            q.cmd("quit")
        except (OSError, EOFError, RuntimeError):
            pass
        q.close()
    conns = check_all(srv, cli, res, t0, t1, queues)
    if "MIGDONE" not in done:
        conns.append("the guest did not finish on the source; console: "
                     + a.console()[-3000:])
    print(figures(srv, cli))
    if notes or conns:
        print("source passt:\n" + src.text()[-2000:])
        print("target passt:\n" + dst.text()[-2000:])
    return notes, conns


def span(r, t0, t1, what):
    """A note unless @r moved data both before @t0 and after @t1."""
    if r.get("first") is None or r["first"] >= t0 or r["last"] <= t1:
        return ["%s: no traffic on both sides of the migration (first %s, "
                "last %s, migration %.1f-%.1f)" % (
                    what, r.get("first"), r.get("last"), t0, t1)]
    return []


def same(what, n1, h1, n2, h2):
    """A note unless the counts and hashes agree."""
    if str(n1) != str(n2) or h1 != h2:
        return ["%s: %s bytes (%s) vs %s bytes (%s)" % (
            what, n1, (h1 or "")[:12], n2, (h2 or "")[:12])]
    return []


def check_all(srv, cli, res, t0, t1, queues):
    """Notes for every connection that did not come through intact."""
    notes = []
    g = {k: res.get(k, {}) for k in ("M1", "M2", "M3", "M4S", "M4R", "M6",
                                      "OUT6", "ANS2", "GOT7")}
    for mode, r in sorted(srv.items()):
        if r.get("error"):
            notes.append("%s: remote saw %s" % (mode, r["error"]))
    if cli.get("error"):
        notes.append("-t echo: remote client saw %s" % cli["error"])

    d = srv.get("down", {})
    notes += same("1 download (remote sent, guest got)", d.get("sent"),
                  d.get("sent_sha"), g["M1"].get("bytes"),
                  g["M1"].get("sha256"))
    if not d.get("first") or d["first"] >= t0 or not d.get("eof") or \
            d["eof"] <= t1:
        notes.append("1 download: not open across the migration")
    if not any(q[1] > 0 for q in queues["down"]):
        notes.append("1 download: the remote's send queue was empty when "
                     "the migration started: %s" % queues["down"])

    u = srv.get("up", {})
    notes += same("2 upload (guest sent, remote got)", g["M2"].get("bytes"),
                  g["M2"].get("sha256"), u.get("recv"), u.get("recv_sha"))
    notes += same("2 upload (remote's answer to the guest)",
                  g["ANS2"].get("bytes"), g["ANS2"].get("sha256"),
                  u.get("recv"), u.get("recv_sha"))
    if not u.get("first") or u["first"] >= t0 or not u.get("eof") or \
            u["eof"] <= t1:
        notes.append("2 upload: not active across the migration")

    p = srv.get("push", {})
    notes += same("3 pushed stream (remote sent, guest got)", p.get("sent"),
                  p.get("sent_sha"), g["M3"].get("bytes"),
                  g["M3"].get("sha256"))
    notes += span(p, t0, t1, "3 pushed stream")
    for m, r in (("1 download", d), ("3 pushed stream", p)):
        if r.get("early_eof"):
            notes.append("%s: the guest closed before the remote" % m)

    e = srv.get("echo", {})
    notes += same("4 guest's echo (guest sent, guest got back)",
                  g["M4S"].get("bytes"), g["M4S"].get("sha256"),
                  g["M4R"].get("bytes"), g["M4R"].get("sha256"))
    notes += same("4 guest's echo (guest sent, remote got)",
                  g["M4S"].get("bytes"), g["M4S"].get("sha256"),
                  e.get("recv"), e.get("recv_sha"))
    notes += span(e, t0, t1, "4 guest's echo")

    notes += same("5 -t echo (remote sent, remote got back)",
                  cli.get("sent"), cli.get("sent_sha"), cli.get("recv"),
                  cli.get("recv_sha"))
    notes += span(cli, t0, t1, "5 -t echo")

    h = srv.get("half", {})
    notes += same("6 half-closed (guest sent, remote got)", 65536,
                  g["OUT6"].get("sha256"), h.get("recv"), h.get("recv_sha"))
    notes += same("6 half-closed (remote's answer, guest got)",
                  h.get("sent"), h.get("sent_sha"), g["M6"].get("bytes"),
                  g["M6"].get("sha256"))
    if not h.get("eof") or h["eof"] >= t0 or not h.get("last") or \
            h["last"] <= t1:
        notes.append("6 half-closed: the guest's FIN not before the "
                     "migration or no answer after it")

    i = srv.get("idle", {})
    if i.get("early") or not i.get("first") or i["first"] <= t1:
        notes.append("7 idle: traffic before the migration ended: %s" % i)
    if i.get("text") != "ack-after-migration" or \
            g["GOT7"].get("line") != "after-migration":
        notes.append("7 idle: remote got %r, guest got %r" % (
            i.get("text"), g["GOT7"].get("line")))
    return notes


def figures(srv, cli):
    """A line per connection: bytes each way, longest pause."""
    out = []
    for name, r in [("1 download", srv.get("down")), ("2 upload",
                    srv.get("up")), ("3 push", srv.get("push")),
                    ("4 guest echo", srv.get("echo")), ("5 -t echo", cli),
                    ("6 half-closed", srv.get("half")),
                    ("7 idle", srv.get("idle"))]:
        r = r or {}
        out.append("  %-14s remote sent %9s, got %9s, longest pause %.2f s"
                   "%s" % (name, r.get("sent"), r.get("recv"),
                           r.get("gap") or 0,
                           ", error " + r["error"] if r.get("error")
                           else ""))
    return "connections:\n" + "\n".join(out)
