# SPDX-License-Identifier: GPL-2.0-or-later
"""qrap: connects to passt's socket and runs qemu on that descriptor.

A stand-in "qemu" (a shell script) records its arguments and proves that the
descriptor it was given is the connection the test's "passt" accepted, by
writing a frame-sized message through it.
"""

import os
import socket
import subprocess
import tempfile

import pytest

import topo as T

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("QRAP", os.path.join(ROOT, "qrap"))

# Debian's 2023 qrap probes /tmp/passt_N.socket only (no PASST_SOCKET) and
# words its errors otherwise: these tests are about ours
pytestmark = pytest.mark.skipif(T.is_reference(BIN),
                                reason="reference qrap differs: the 2023 "
                                "qrap has no PASST_SOCKET")

FAKE_QEMU = """#!/bin/sh
printf '%s\\n' "$@" > "$ARGS_OUT"
printf 'hello-from-fd' >&5
"""


@pytest.fixture
def passt_socket():
    d = tempfile.mkdtemp(prefix="qrap-")
    path = os.path.join(d, "passt.socket")
    lst = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lst.bind(path)
    lst.listen(1)
    lst.settimeout(10)
    yield d, path, lst
    lst.close()
    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))
    os.rmdir(d)


def test_qrap_runs_qemu_on_connected_fd(passt_socket):
    d, path, lst = passt_socket
    qemu = os.path.join(d, "fake-qemu")
    with open(qemu, "w") as f:
        f.write(FAKE_QEMU)
    os.chmod(qemu, 0o755)
    args_out = os.path.join(d, "args")
    env = dict(os.environ, PASST_SOCKET=path, ARGS_OUT=args_out)

    proc = subprocess.Popen([BIN, "5", qemu, "-m", "256", "-netdev",
                             "user,id=old", "-nic", "none", "-nographic"],
                            env=env)
    conn, _ = lst.accept()
    conn.settimeout(10)
    assert conn.recv(64) == b"hello-from-fd"
    assert proc.wait(timeout=10) == 0

    with open(args_out) as f:
        args = f.read().split("\n")[:-1]
    assert args == ["-m", "256", "-nographic", "-device",
                    "virtio-net-pci,netdev=hostnet0", "-netdev",
                    "socket,fd=5,id=hostnet0"]


@pytest.mark.parametrize("given,unchanged", [
    (["-net", "socket,fd=5", "-net", "nic,model=e1000"], True),
    (["-netdev", "socket,id=n,fd=5", "-device", "e1000,netdev=n"], True),
    (["-netdev", "socket,fd=50,id=n"], False),     # another descriptor
])
def test_qrap_leaves_a_command_line_using_fdnum(passt_socket, given,
                                                unchanged):
    if os.path.realpath(BIN) != os.path.join(ROOT, "qrap"):
        pytest.skip("Debian's qrap never edits the command line")
    d, path, lst = passt_socket
    qemu = os.path.join(d, "fake-qemu")
    with open(qemu, "w") as f:
        f.write(FAKE_QEMU)
    os.chmod(qemu, 0o755)
    args_out = os.path.join(d, "args")
    env = dict(os.environ, PASST_SOCKET=path, ARGS_OUT=args_out)
    proc = subprocess.Popen([BIN, "5", qemu, "-m", "256"] + given, env=env)
    conn, _ = lst.accept()
    conn.settimeout(10)
    assert conn.recv(64) == b"hello-from-fd"
    assert proc.wait(timeout=10) == 0
    with open(args_out) as f:
        args = f.read().split("\n")[:-1]
    if unchanged:
        assert args == ["-m", "256"] + given
    else:
        assert args == ["-m", "256", "-device",
                        "virtio-net-pci,netdev=hostnet0", "-netdev",
                        "socket,fd=5,id=hostnet0"]


def test_qrap_without_passt_fails(passt_socket):
    d, _, _ = passt_socket
    env = dict(os.environ, PASST_SOCKET=os.path.join(d, "none.socket"))
    r = subprocess.run([BIN, "5", "/bin/true"], env=env,
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 1
    assert "couldn't connect to passt" in r.stderr


@pytest.mark.parametrize("fdnum", ["2", "abc", "5x", "4096"])
def test_qrap_rejects_bad_fdnum(fdnum):
    r = subprocess.run([BIN, fdnum, "/bin/true"], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 1
    assert "invalid FDNUM" in r.stderr
