# SPDX-License-Identifier: GPL-2.0-or-later
"""test_stats.py - --stats DELAY, and the per-flow byte counters as --trace
logs them when a flow closes.

* pasta -f --stats 1 --config-net with a command sending a datagram every
  100 ms for 3.5 s: stderr gets blocks of a header ("stats: T s, epoll
  events since start") and one line per epoll type counted, at least 1 s
  apart, every count listed non-zero, the tap's count growing.
* `--stats 1 -f` (the order upstream refuses, compat.md 1.1) exits 1
  saying it can't display statistics unless in foreground; so does
  --stats without -f.
* passt -f --stats 1 with a client sending a frame every 1.2 s: blocks
  at least 1 s apart, each with something new, the client's connection
  and frames counted (stream_listen, stream).
* Counters exact to the byte: a command in pasta's namespace sends 100000
  bytes over TCP to a server in `remote` (through the tap), or on the
  host's loopback (-T, spliced), which answers 54321 bytes and closes;
  with --trace, the flow's closing line says exactly 100000 bytes from the
  initiating side and 54321 back.

Ours only: upstream added --stats in 2025-09, after both reference builds,
and prints another format; the closing line with counters is ours.
"""

import os
import re
import socket
import struct
import time

import pytest

import topo as T

pytestmark = pytest.mark.ours_only("--stats came upstream after the "
                                   "reference builds; the flow counters "
                                   "are ours")

HDR = re.compile(r"stats: (\d+)\.(\d{3}) s, epoll events since start$")
LINE = re.compile(r"stats:   ([a-z_]+|type\d+) (\d+)$")

SENDER = ("import socket,time\n"
          "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
          "for i in range(35):\n"
          " s.sendto(b'x'*100,('198.51.100.2',9))\n"
          " time.sleep(0.1)\n")


@pytest.fixture(scope="module")
def passt():
    p = T.tool_path("passt")
    T.need(os.access(p, os.X_OK), "passt under test not found: " + p)
    return p


def stats_blocks(text):
    """[(seconds, {type: count})] of the --stats blocks in @text."""
    blocks = []
    for line in text.splitlines():
        m = HDR.match(line)
        if m:
            blocks.append((int(m.group(1)) + int(m.group(2)) / 1000, {}))
            continue
        m = LINE.match(line)
        if m:
            assert blocks, "a counter line before any header: %r" % line
            blocks[-1][1][m.group(1)] = int(m.group(2))
        else:
            assert not line.startswith("stats:"), line
    return blocks


def test_pasta_stats_blocks_grow(topo, pasta):
    r = topo.run_as_user_in_host([pasta, "--config-net", "-f", "--stats",
                                  "1"] + T.NO_FWD +
                                 ["--", "/usr/bin/python3", "-c", SENDER],
                                 timeout=30)
    assert r.returncode == 0, r.stderr
    blocks = stats_blocks(r.stderr)
    assert len(blocks) >= 2, r.stderr
    for (t0, _), (t1, _) in zip(blocks, blocks[1:]):
        assert t1 - t0 >= 1.0, r.stderr
    for _, counts in blocks:
        assert counts, r.stderr
        assert all(n > 0 for n in counts.values()), r.stderr
    assert "tap" in blocks[-1][1], r.stderr
    assert blocks[-1][1]["tap"] > blocks[0][1].get("tap", 0), r.stderr
    for a, b in zip(blocks, blocks[1:]):
        for k, n in a[1].items():
            assert b[1].get(k, 0) >= n, r.stderr


@pytest.mark.parametrize("args", [["--stats", "1", "-f"], ["--stats", "1"]],
                         ids=["stats-before-f", "no-f"])
def test_stats_needs_foreground_first(topo, pasta, args):
    r = topo.run_as_user_in_host([pasta, "--config-net"] + args + T.NO_FWD +
                                 ["--", "true"])
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert "Can't display statistics if not running in foreground" in \
        r.stderr, r.stderr


def test_passt_stats_blocks(topo, procs, tmp, passt):
    """Blocks at least a second apart, each with something new; a client
    sending three frames shows up as stream events."""
    sock = os.path.join(tmp, "passt.sock")
    p = topo.popen_as_user_in_host(procs, [passt, "-f", "--stats", "1",
                                           "-s", sock, "-t", "none", "-u",
                                           "none"],
                                   stderr=T.subprocess.PIPE,
                                   stdout=T.subprocess.DEVNULL)
    assert T.wait_for(lambda: os.path.exists(sock), 5)
    time.sleep(2.5)
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(sock)
    frame = b"\xff" * 6 + b"\x02" * 6 + b"\x88\xb5" + b"\x00" * 46
    for _ in range(3):
        c.sendall(struct.pack("!I", len(frame)) + frame)
        time.sleep(1.2)
    c.close()
    time.sleep(0.3)
    p.terminate()
    _, err = p.communicate(timeout=10)
    err = err.decode(errors="replace")
    blocks = stats_blocks(err)
    assert len(blocks) >= 2, err
    for (t0, c0), (t1, c1) in zip(blocks, blocks[1:]):
        assert t1 - t0 >= 1.0, err
        assert sum(c1.values()) > sum(c0.values()), err
    assert blocks[-1][1].get("stream", 0) >= 3, err
    assert blocks[-1][1].get("stream_listen", 0) >= 1, err


SERVER = ("import socket\n"
          "l=socket.socket(socket.AF_INET,socket.SOCK_STREAM)\n"
          "l.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
          "l.bind(('%s',%d)); l.listen(1); l.settimeout(20)\n"
          "c,_=l.accept(); c.settimeout(20); n=0\n"
          "while True:\n"
          " b=c.recv(65536)\n"
          " if not b: break\n"
          " n+=len(b)\n"
          "c.sendall(b'y'*54321); c.close(); print(n)\n")

CLIENT = ("import socket,time\n"
          "s=socket.create_connection(('%s',%d),timeout=20)\n"
          "s.sendall(b'x'*100000); s.shutdown(socket.SHUT_WR); n=0\n"
          "while True:\n"
          " b=s.recv(65536)\n"
          " if not b: break\n"
          " n+=len(b)\n"
          "s.close(); print(n); time.sleep(1)\n")


@pytest.mark.parametrize("path", ["tap", "splice"])
def test_trace_flow_bytes_exact(topo, procs, tmp, pasta, path):
    """tap: to `remote` through the tap; splice: -T to the host's loopback
    (TCP_SPLICE: "packets" are splice moves there)."""
    port = 18765
    log = os.path.join(tmp, "pasta.log")
    ns, addr = ((topo.remote, "198.51.100.2") if path == "tap" else
                (topo.host, "127.0.0.1"))
    fwd = T.NO_FWD if path == "tap" else ["-t", "none", "-u", "none",
                                          "-T", str(port), "-U", "none"]
    srv = procs.popen(["ip", "netns", "exec", ns,
                       "/usr/bin/python3", "-c", SERVER % (addr, port)],
                      stdout=T.subprocess.PIPE,
                      stderr=T.subprocess.PIPE)
    assert T.wait_for(lambda: ":%X " % port in
                      T.run(["ip", "netns", "exec", ns, "cat",
                             "/proc/net/tcp"]).stdout.upper(), 5)
    r = topo.run_as_user_in_host([pasta, "--config-net", "-f", "--trace",
                                  "-l", log] + fwd +
                                 ["--", "/usr/bin/python3", "-c",
                                  CLIENT % (addr, port)], timeout=40)
    out, err = srv.communicate(timeout=20)
    assert r.returncode == 0, r.stderr
    assert out.decode().strip() == "100000", err
    assert r.stdout.strip() == "54321", r.stdout
    text = open(log).read()
    kind = "TCP" if path == "tap" else "TCP-splice"
    opened = re.findall(r"Flow (\d+) %s ACTIVE" % kind, text)
    assert len(opened) == 1, text
    m = re.findall(r"Flow %s carried (\d+) bytes in (\d+) packets "
                   r"ini->tgt, (\d+) bytes in (\d+) packets tgt->ini" %
                   opened[0], text)
    assert len(m) == 1, text
    up, up_pk, down, down_pk = (int(v) for v in m[0])
    assert (up, down) == (100000, 54321), m
    assert 1 <= up_pk <= 100000 and 1 <= down_pk <= 54321, m
