# SPDX-License-Identifier: GPL-2.0-or-later
"""test_no_ipv6.py - a kernel without IPv6: IPv6 off with one line, the rest
works.

A kernel booted with ipv6.disable=1 refuses socket(AF_INET6, ...) with
EAFNOSUPPORT. The tests can't reboot the machine: no_ipv6.c, built here
and preloaded (LD_PRELOAD) into pasta and passt, makes socket() fail that
way for AF_INET6 only (our binaries are dynamically linked and create
sockets through the C library). pasta --config-net -t 8080 must then start
(exit 0), print exactly one line about IPv6, give the namespace no IPv6
address or route of ours, and forward port 8080 over IPv4; passt must
serve a DHCP lease and ask the guest for its MAC with ARP only.
"""

import json
import shutil
import subprocess

import pytest

import guest_bridge as G
import topo as T
from guest_bridge import passt  # noqa: F401 (fixture)

SRC = T.HERE / "no_ipv6.c"
PORT = 8080
OURS = pytest.mark.ours_only("2023 pasta logs an error for each IPv6 "
                                "socket it fails to make")


@pytest.fixture
def shim(tmp):
    """no_ipv6.so, built into the test's directory (readable by the user)"""
    cc = shutil.which("cc") or shutil.which("gcc")
    T.need(cc is not None, "no C compiler to build the LD_PRELOAD shim")
    so = tmp / "no_ipv6.so"
    r = T.run([cc, "-shared", "-fPIC", "-O2", "-o", str(so), str(SRC),
               "-ldl"], timeout=60)
    assert r.returncode == 0, r.stderr
    so.chmod(0o755)
    return so


def ipv6_lines(text):
    return [ln for ln in text.splitlines() if "IPv6" in ln]


@OURS
def test_pasta_without_ipv6_kernel(topo, procs, tmp, pasta, shim):
    target = topo.start_user_netns(procs)
    pidfile = tmp / "pasta.pid"
    r = topo.run_as_user_in_host(
        ["env", "LD_PRELOAD=%s" % shim, pasta, "--config-net",
         "-t", str(PORT), "-u", "none", "-T", "none", "-U", "none",
         "-P", pidfile, target])
    assert r.returncode == 0, r.stderr
    procs.add(int(pidfile.read_text()))
    lines = ipv6_lines(r.stderr)
    assert len(lines) == 1 and "not available" in lines[0], r.stderr
    ns = topo.attach_netns(target)
    try:
        addrs = T.addrs(topo.ip_json(ns, ["addr", "show"]), T.HOST_IF,
                        "inet6")
        assert [a for a in addrs if a[2] != "link"] == [], addrs
        assert topo.ip_json(ns, ["-6", "route", "show", "default"]) == []
        assert T.addrs(topo.ip_json(ns, ["addr", "show"]), T.HOST_IF,
                       "inet") == [(T.HOST4, 24, "global")]
        # -t 8080 over IPv4: the listener is 0.0.0.0, not [::]
        srv = procs.popen(["ip", "netns", "exec", ns, T.PY, "-c",
                           "import socket\n"
                           "s=socket.create_server(('0.0.0.0',%d))\n"
                           "print('ready',flush=True)\n"
                           "c,_=s.accept();c.sendall(b'hi');c.close()"
                           % PORT])
        assert srv.stdout.readline().strip() == b"ready"
        c = topo.in_ns(topo.host, [T.PY, "-c",
                                   "import socket\n"
                                   "c=socket.create_connection(("
                                   "'127.0.0.1',%d),timeout=5)\n"
                                   "print(c.recv(9).decode())" % PORT])
        assert c.stdout.strip() == "hi", c.stderr
        ss = T.run(["ip", "netns", "exec", topo.host, "ss", "-Htln",
                    "sport", "= :%d" % PORT]).stdout
        assert "0.0.0.0:%d" % PORT in ss and "[::]" not in ss, ss
    finally:
        topo.detach_netns(ns)


@OURS
def test_pasta_without_ipv6_kernel_and_ipv6_only_fails(topo, pasta, shim):
    r = topo.run_as_user_in_host(
        ["env", "LD_PRELOAD=%s" % shim, pasta, "--config-net", "-6"] +
        T.NO_FWD + ["--", "true"])
    assert r.returncode == 1, r.stderr
    assert len(ipv6_lines(r.stderr)) == 1, r.stderr


def test_passt_without_ipv6_kernel(topo, procs, tmp, passt, shim):  # noqa
    T.skip_on_reference(passt, "2023 passt logs an error for each IPv6 "
                        "socket it fails to make")
    sock = str(tmp / "passt.socket")
    p = topo.popen_as_user_in_host(
        procs, ["env", "LD_PRELOAD=%s" % shim, passt, "-f", "-s", sock] +
        G.passt_fwd(tcp=[PORT]))
    assert T.wait_for(lambda: G.is_socket(sock) or p.poll() is not None, 10)
    assert p.poll() is None, p.communicate(timeout=5)
    c = G.StreamClient(sock)
    first = c.recv_frame()
    assert first[12:14] == b"\x08\x06", first      # ARP request only
    assert c.dhcp_offer()["yiaddr"] == T.HOST4
    c.close()
    p.terminate()
    _, err = p.communicate(timeout=10)
    lines = ipv6_lines(err.decode())
    assert len(lines) == 1 and "not available" in lines[0], err
