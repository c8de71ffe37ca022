# SPDX-License-Identifier: GPL-2.0-or-later
"""test_pasta_lifecycle.py - pasta attached to an existing namespace
(compat.md 2.4, 6.1, 6.3, 6.6).

The user creates a user+net namespace (unshare ... sleep) as podman would;
pasta (no -f) must do all set-up, then its parent exits 0, the pid file
names the live daemon, stdout/stderr are released (subprocess.run with
captured output returns), and the tap is already configured at that moment.
The daemon quits by itself when the namespace goes away, and on SIGTERM.
"""

import json
import os
import signal
import time

import pytest

import topo as T


def ns_addrs(target):
    """`ip -j addr` of the namespace held by PID @target (root nsenter)."""
    r = T.run(["nsenter", "-t", str(target), "-n", "ip", "-j", "addr"])
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def assert_configured(target):
    addr = ns_addrs(target)
    glob = [(a, p) for a, p, s in T.addrs(addr, "ext0", "inet") or []]
    assert (T.HOST4, 24) in glob, addr
    glob6 = [(a, p) for a, p, s in T.addrs(addr, "ext0", "inet6") or []
             if s == "global"]
    assert (T.HOST6, 64) in glob6, addr
    assert "UP" in T.link(addr, "ext0")["flags"]


def gone_within(pid, seconds):
    return T.wait_for(lambda: not T.pid_alive(pid), seconds)


def test_parent_exits_0_after_setup_with_pipes_closed(topo, procs, tmp,
                                                      pasta, userns):
    # capture_output + timeout: returns only once every holder of the
    # stdout/stderr pipe (the daemon too) has closed it, as podman needs
    r, pid = topo.start_pasta_attached(procs, pasta, ["--config-net"],
                                       userns, tmp)
    assert r.returncode == 0, r.stderr
    assert r.stdout == ""
    # podman lists addresses right after the parent exited
    assert_configured(userns)
    txt = (tmp / "pasta.pid").read_text()
    assert pid is not None, "pid file must hold '<pid>\\n', got %r" % txt
    assert T.pid_alive(pid)
    assert T.pid_uid(pid) == topo.user.pw_uid
    # the daemon's stdio no longer points at the caller's pipe
    for fd in (0, 1, 2):
        tgt = os.readlink("/proc/%d/fd/%d" % (pid, fd))
        assert not tgt.startswith("pipe:"), (fd, tgt)


def test_netns_and_userns_paths(topo, procs, tmp, pasta, userns):
    r, pid = topo.start_pasta_attached(
        procs, pasta, ["--config-net"],
        ["--netns", "/proc/%d/ns/net" % userns,
         "--userns", "/proc/%d/ns/user" % userns], tmp)
    assert r.returncode == 0, r.stderr
    assert pid and T.pid_alive(pid)
    assert_configured(userns)


def test_sigterm_makes_it_exit(topo, procs, tmp, pasta, userns):
    r, pid = topo.start_pasta_attached(procs, pasta, [], userns, tmp)
    assert r.returncode == 0 and pid, r.stderr
    # podman/libvirt signal a long-running daemon: let it settle into its
    # event loop first, so that the signal is not taken by a default action
    time.sleep(0.5)
    os.kill(pid, signal.SIGTERM)
    assert gone_within(pid, 3), "pasta still running 3 s after SIGTERM"


@pytest.mark.ours_only("Debian's 2023 pasta only watches filesystem-bound "
                       "namespaces, not /proc/PID")
def test_quits_when_target_process_exits(topo, procs, tmp, pasta, userns):
    r, pid = topo.start_pasta_attached(procs, pasta, ["--config-net"],
                                       userns, tmp)
    assert r.returncode == 0 and pid, r.stderr
    os.kill(userns, signal.SIGKILL)
    # podman's bats test allows 5 s
    assert gone_within(pid, 5), "pasta still running 5 s after target died"


def test_quits_when_bound_netns_is_deleted(topo, procs, tmp, pasta, userns):
    # podman's case: the namespace is a bind mount that gets deleted while
    # its holder lives on
    name = topo.attach_netns(userns)
    try:
        r, pid = topo.start_pasta_attached(
            procs, pasta, ["--config-net"],
            ["--netns", "/run/netns/" + name,
             "--userns", "/proc/%d/ns/user" % userns], tmp)
        assert r.returncode == 0 and pid, r.stderr
        assert_configured(userns)
    finally:
        topo.detach_netns(name)
    assert gone_within(pid, 5), "pasta still running 5 s after netns del"
    assert T.pid_alive(userns), "the namespace holder must be unaffected"


def test_no_netns_quit_keeps_running(topo, procs, tmp, pasta, userns):
    name = topo.attach_netns(userns)
    try:
        r, pid = topo.start_pasta_attached(
            procs, pasta, ["--no-netns-quit"],
            ["--netns", "/run/netns/" + name,
             "--userns", "/proc/%d/ns/user" % userns], tmp)
        assert r.returncode == 0 and pid, r.stderr
    finally:
        topo.detach_netns(name)
    assert not gone_within(pid, 1.5), "--no-netns-quit: pasta exited"
