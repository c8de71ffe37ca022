# SPDX-License-Identifier: GPL-2.0-or-later
"""test_pasta_logging.py - -l/--log-size, -d, --trace, -q and -M as seen from
outside: the log file's header and cap, what reaches stderr (the summary
and the forwarding rules), and the MAC address the namespace's kernel
learns for the gateway.
"""

import os
import re

import pytest

import topo as T


def start_attached(topo, procs, pasta, tmp, *args):
    target = topo.start_user_netns(procs)
    r, pid = topo.start_pasta_attached(procs, pasta, list(args), target, tmp)
    assert r.returncode == 0 and pid, r.stderr
    return r, pid, target


@pytest.mark.ours_only("header format of current upstream")
def test_log_file_header_and_debug_lines(topo, procs, tmp, pasta):
    log = os.path.join(tmp, "pasta.log")
    r, pid, _ = start_attached(topo, procs, pasta, tmp, "--config-net",
                               "-d", "-l", log)
    first = open(log).readline()
    assert re.fullmatch(r"pasta \S+: \S*pasta \(\d+\)\n", first), first
    text = open(log).read()
    assert "Template interface: ext0" in text
    # -l: log only to the file once it is open
    assert "Template interface" not in r.stderr


@pytest.mark.ours_only("--log-size cap of current upstream")
def test_log_size_caps_file(topo, procs, tmp, pasta):
    """--trace logs every frame nobody answers; the file stays capped."""
    log = os.path.join(tmp, "pasta.log")
    _, pid, target = start_attached(topo, procs, pasta, tmp, "--trace",
                                    "-l", log, "--log-size", "40960")
    name = topo.attach_netns(target)
    try:
        # 3000 packets of a protocol nothing translates (253, RFC 3692)
        script = ("import socket,time\n"
                  "s=socket.socket(socket.AF_INET,socket.SOCK_RAW,253)\n"
                  "for i in range(3000):\n"
                  " s.sendto(b'x'*64,('198.51.100.2',0))\n")
        T.sh(["ip", "-n", name, "link", "set", "ext0", "up"])
        T.sh(["ip", "-n", name, "addr", "add", "198.51.100.1/24",
              "dev", "ext0"])
        T.sh(["ip", "-n", name, "neigh", "add", "198.51.100.2",
              "lladdr", "9a:55:9a:55:9a:55", "dev", "ext0"])
        r = topo.in_ns(name, ["/usr/bin/python3", "-c", script], timeout=30)
        assert r.returncode == 0, r.stderr
        assert T.wait_for(lambda: os.path.getsize(log) > 20000, 10)
        assert os.path.getsize(log) <= 40960
        assert "No translation for" in open(log).read()
        assert T.pid_alive(pid)
    finally:
        topo.detach_netns(name)


@pytest.mark.parametrize("quiet", [False, True], ids=["default", "-q"])
def test_quiet_suppresses_info_summary(topo, procs, tmp, pasta, quiet):
    args = ["--config-net"] + (["-q"] if quiet else [])
    r, _, _ = start_attached(topo, procs, pasta, tmp, *args)
    if quiet:
        assert r.stderr == ""
    else:
        assert "Template interface" in r.stderr


@pytest.mark.ours_only("rule display of upstream since v0.60")
@pytest.mark.parametrize("quiet", [False, True], ids=["default", "-q"])
def test_forwarding_rules_listed(topo, procs, tmp, pasta, quiet):
    """compat.md 5.2: both tables, one rule a line, under their headers;
    nothing with -q."""
    fwd = ["-t", "18080-18081:80-81", "-t", "127.0.0.1/12222", "-u",
           "none", "-T", "15353", "-U", "none"]
    target = topo.start_user_netns(procs)
    r, pid = topo.start_pasta_attached(procs, pasta,
                                       ["-q"] if quiet else [], target, tmp,
                                       fwd=fwd)
    assert r.returncode == 0 and pid, r.stderr
    if quiet:
        assert r.stderr == ""
        return
    lines = r.stderr.splitlines()
    i = lines.index("Inbound forwarding rules (HOST):")
    assert lines[i + 1:i + 5] == [
        "    TCP [*]:18080-18081  =>  80-81 ",
        "    TCP [127.0.0.1]:12222  =>  12222 ",
        "Outbound forwarding rules (SPLICE):",
        "    TCP [*]%lo:15353  =>  15353 "], lines[i:]


def test_our_mac_answers_arp(topo, procs, tmp, pasta):
    """-M sets the MAC our ARP replies carry: the namespace's kernel
    resolves the gateway to it."""
    _, _, target = start_attached(topo, procs, pasta, tmp, "--config-net",
                                  "-M", "02:11:22:33:44:55")
    name = topo.attach_netns(target)
    try:
        r = topo.in_ns(name, ["busybox", "arping", "-c", "1", "-w", "3",
                              "-I", "ext0", T.GW4], timeout=10)
        assert "[02:11:22:33:44:55]" in r.stdout.lower(), r.stdout
    finally:
        topo.detach_netns(name)
