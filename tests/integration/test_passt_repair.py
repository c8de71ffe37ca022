# SPDX-License-Identifier: GPL-2.0-or-later
"""passt-repair: the TCP_REPAIR helper protocol of compat.md section 4.4.

passt-repair needs CAP_NET_ADMIN, so unlike the other tools it runs as root
here (as KubeVirt runs it). The "passt" side is played by the test: it listens
on a UNIX socket, sends a command byte with TCP sockets attached, and checks
the echo and the socket option. TCP sockets are on loopback only.
"""

import os
import socket
import subprocess
import tempfile
import threading

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("PASST_REPAIR", os.path.join(ROOT, "passt-repair"))
TCP_REPAIR = 19


def tcp_pair():
    """A connected pair of TCP sockets on 127.0.0.1."""
    lst = socket.socket()
    lst.bind(("127.0.0.1", 0))
    lst.listen(1)
    cli = socket.create_connection(lst.getsockname())
    srv, _ = lst.accept()
    lst.close()
    return cli, srv


def repair_state(sock):
    return sock.getsockopt(socket.IPPROTO_TCP, TCP_REPAIR)


@pytest.fixture
def server():
    if os.geteuid() != 0:
        pytest.skip("passt-repair needs CAP_NET_ADMIN: run as root")
    d = tempfile.mkdtemp(prefix="repair-")
    path = os.path.join(d, "vm.socket.repair")
    lst = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lst.bind(path)
    lst.listen(1)
    lst.settimeout(10)
    yield d, path, lst
    lst.close()
    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))
    os.rmdir(d)


def run_helper(arg):
    return subprocess.Popen([BIN, arg], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("use_dir", [False, True], ids=["socket", "directory"])
def test_repair_on_then_off_then_eof_exits_0(server, use_dir):
    d, path, lst = server
    proc = run_helper(d if use_dir else path)
    try:
        conn, _ = lst.accept()
        conn.settimeout(10)
        cli, srv = tcp_pair()
        assert repair_state(cli) == 0

        socket.send_fds(conn, [b"\x01"], [cli.fileno(), srv.fileno()])
        assert conn.recv(1) == b"\x01"
        assert repair_state(cli) == 1
        assert repair_state(srv) == 1

        socket.send_fds(conn, [b"\x00"], [cli.fileno()])
        assert conn.recv(1) == b"\x00"
        assert repair_state(cli) == 0
        assert repair_state(srv) == 1

        conn.close()
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_unknown_command_exits_1(server):
    _, path, lst = server
    proc = run_helper(path)
    try:
        conn, _ = lst.accept()
        cli, srv = tcp_pair()
        socket.send_fds(conn, [b"\x05"], [cli.fileno()])
        assert proc.wait(timeout=10) == 1
        assert "Unknown command" in proc.stderr.read()
        assert repair_state(cli) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_setsockopt_failure_exits_1(server):
    """A UDP socket can't be put in repair mode: reported, status 1."""
    _, path, lst = server
    proc = run_helper(path)
    try:
        conn, _ = lst.accept()
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        socket.send_fds(conn, [b"\x01"], [udp.fileno()])
        assert proc.wait(timeout=10) == 1
        assert "TCP_REPAIR" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_usage_errors():
    r = subprocess.run([BIN], capture_output=True, text=True, timeout=10)
    assert r.returncode == 2
    r = subprocess.run([BIN, "a", "b"], capture_output=True, text=True,
                       timeout=10)
    assert r.returncode == 2


def test_missing_socket_fails_fast():
    r = subprocess.run([BIN, "/nonexistent/dir/x.repair"],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 1
    assert "Couldn't connect" in r.stderr
