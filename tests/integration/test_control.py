# SPDX-License-Identifier: GPL-2.0-or-later
"""test_control.py - the control socket (-c/--conf-path, compat.md 5.3):
forwarding changed while traffic runs, atomically, and bad clients.

pasta runs attached to a user namespace with --config-net and `-c PATH`,
as the test user; the tests speak the protocol themselves, byte for byte,
with ctl_fixture.py (written from compat.md 5.3, independently of the C
code), as upstream's pesto would. Servers run inside pasta's namespace
and clients on the host side (or the other way round for -T/-U), as root
with `ip netns exec`.

* a connection through a rule that stays keeps streaming across changes,
  its echo intact, with no pause over 1 s; a connection through a removed
  rule carries on too, while its port refuses new connections;
* a new -t port works within 100 ms of the change returning (end-of-file
  on the control socket is when it is in force);
* an impossible change (a port another process holds, in a strict rule)
  changes nothing: the tables read back are the old ones, the old ports
  still work, the new ones aren't open, and the reason is given by our
  "last change" request and logged;
* the same for -u, -T and -U, and for passt;
* bad clients: garbage, a cut update, a count over the limit, conflicting
  rules, a client that never speaks, 20 clients at once: nothing changes,
  traffic goes on, the next client is served.
"""

import json
import socket
import struct
import time

import pytest

import ctl_fixture as F
import topo as T
from test_autofwd import (TCP_CLIENT, TCP_REFUSED, TCP_SERVER, UDP_CLIENT,
                          UDP_SERVER, client, start_server, stop)

pytestmark = pytest.mark.ours_only("upstream's control socket is newer "
                                   "than the reference builds")

# argv: addr port seconds -- echoes 1 KiB every 10 ms; reports the longest
# gap between two echoes and whether every echo matched
TCP_STREAMER = r"""
import json, os, socket, sys, time
addr, port, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
c = socket.create_connection((addr, port), timeout=5)
f = c.makefile("rb")
tag = f.readline().strip().decode()
t0 = last = time.monotonic()
res = {"tag": tag, "n": 0, "gap": 0.0, "same": True, "error": None}
try:
    while time.monotonic() - t0 < secs:
        msg = os.urandom(1024)
        c.sendall(msg)
        back = f.read(len(msg))
        now = time.monotonic()
        res["gap"] = max(res["gap"], now - last)
        last = now
        res["same"] &= back == msg
        res["n"] += 1
        time.sleep(0.01)
    c.shutdown(socket.SHUT_WR)
    res["eof"] = f.read() == b""
except OSError as e:
    res["error"] = repr(e)
print(json.dumps(res))
"""

PORTS = iter(range(27100, 27900, 10))
SPLICE_RULE_IF = "lo"


def ctl_connect(path, timeout=5):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(str(path))
    return s


def recv_all(s):
    out = b""
    while True:
        b = s.recv(65536)
        if not b:
            return out
        out += b


def recv_greeting(s):
    """Read a server's hello and tables: (tables, bytes past them)."""
    data = b""
    while True:
        try:
            return F.parse_server(data)
        except ValueError:
            pass
        b = s.recv(65536)
        if not b:
            return F.parse_server(data)
        data += b


def ctl_tables(path):
    with ctl_connect(path) as s:
        tbls, rest = recv_greeting(s)
        assert rest == b""
        return tbls


def ctl_update(path, upd):
    """Send an update (list of (pif, [Rule])); seconds until end-of-file,
    which is when the server put it in force or refused it."""
    with ctl_connect(path) as s:
        recv_greeting(s)
        s.sendall(F.update(upd))
        s.shutdown(socket.SHUT_WR)
        t0 = time.monotonic()
        assert recv_all(s) == b"", "the server sends nothing back"
        return time.monotonic() - t0


def ctl_request(path, req):
    """Our extension: (status, text)."""
    with ctl_connect(path) as s:
        recv_greeting(s)
        s.sendall(F.request(req))
        data = recv_all(s)
    assert data[:8] == F.ANS_MAGIC, data[:32]
    status, length = struct.unpack(">II", data[8:16])
    assert len(data) == 16 + length
    return status, data[16:].decode()


def last_change(path):
    status, text = ctl_request(path, F.REQ_LAST_CHANGE)
    assert status == 0
    return text.strip()


def tcp_rule(port, to=None):
    return F.Rule("::", None, "", port, port, port if to is None else to,
                  F.TCP, F.DUAL_STACK)


def udp_rule(port):
    return F.Rule("::", None, "", port, port, port, F.UDP, F.DUAL_STACK)


def out_rule(port, proto=F.TCP):
    return F.Rule("::", None, SPLICE_RULE_IF, port, port, port, proto,
                  F.DUAL_STACK)


def table(tbls, pif):
    return [t for t in tbls if t.pif == pif][0].rules


@pytest.fixture
def ctl_pasta(attach_pasta, tmp):
    """pasta with --config-net and a control socket: (netns, path, log)."""
    def start(fwd):
        path = tmp / "ctl.sock"
        log = tmp / "pasta.log"
        a = attach_pasta("--config-net", "-c", path, "-l", log, fwd=fwd)
        return a.netns, path, log
    return start


def test_greeting(ctl_pasta):
    """The hello and the tables as compat.md 5.3 lays them out."""
    p = next(PORTS)
    ns, path, _ = ctl_pasta(["-t", str(p), "-u", "%d-%d" % (p, p + 1),
                             "-T", str(p + 2), "-U", "none"])
    with ctl_connect(path) as s:
        data = recv_all(s)
    assert data[:20] == bytes.fromhex(F.SERVER_HELLO_HEX)
    tbls, rest = F.parse_server(data)
    assert rest == b""
    assert [(t.pif, t.name, t.caps) for t in tbls] == [
        (F.PIF_HOST, "HOST", F.CAPS_ALL), (F.PIF_SPLICE, "SPLICE",
                                           F.CAPS_ALL)]
    assert table(tbls, F.PIF_HOST) == [
        tcp_rule(p),
        F.Rule("::", None, "", p, p + 1, p, F.UDP, F.DUAL_STACK)]
    assert table(tbls, F.PIF_SPLICE) == [out_rule(p + 2)]
    # exactly what the fixture encoder makes of the same tables
    assert data == F.hello() + F.tables(tbls)


def test_tcp_change_keeps_connections(ctl_pasta, procs, topo):
    """Streams through a kept and a removed rule go on; a new port works
    within 100 ms; a removed one refuses; the tables read back."""
    a, b, c = next(PORTS), next(PORTS), next(PORTS)
    ns, path, log = ctl_pasta(["-t", "%d,%d" % (a, b), "-u", "none",
                               "-T", "none", "-U", "none"])
    srv = [start_server(procs, ns, TCP_SERVER, "::", p, "s%d" % p)
           for p in (a, b, c)]
    host = topo.host
    streams = [procs.popen(["ip", "netns", "exec", host, T.PY, "-c",
                            TCP_STREAMER, "198.51.100.1", str(p), "6"],
                           text=True) for p in (a, b)]
    time.sleep(1)

    # keep a, drop b, add c
    dt = ctl_update(path, [(F.PIF_HOST, [tcp_rule(a), tcp_rule(c)])])
    t_done = time.monotonic()
    r = client(host, TCP_CLIENT, "198.51.100.1", c, 4096, 2.0)
    assert r["ok"] and r["same"] and r["tag"] == "s%d" % c, r
    assert r["tries"] == 1, "the new port failed at first: %s" % r
    assert time.monotonic() - t_done < 2.0
    assert dt < 1.0, "the change took %.3f s" % dt
    assert last_change(path).endswith(" ok")
    assert table(ctl_tables(path), F.PIF_HOST) == [tcp_rule(a), tcp_rule(c)]
    r = client(host, TCP_REFUSED, "198.51.100.1", b, 1.0)
    assert r["refused"], "removed port %d still accepts: %s" % (b, r)
    # the kept rule, now at another index, still accepts at once
    r = client(host, TCP_CLIENT, "198.51.100.1", a, 4096, 2.0)
    assert r["ok"] and r["tries"] == 1 and r["tag"] == "s%d" % a, r

    for p, port in zip(streams, (a, b)):
        out, err = p.communicate(timeout=20)
        res = json.loads(out.strip().splitlines()[-1])
        assert res["error"] is None and res["same"] and res["eof"], \
            (port, res, err)
        assert res["gap"] < 1.0, (port, res)
        assert res["n"] > 100, (port, res)
    for s in srv:
        stop(s)
    assert "forwarding rules replaced" in log.read_text()


def test_tcp_new_port_within_100ms(ctl_pasta, procs, topo):
    """A connection attempted right after the change returns succeeds."""
    a = next(PORTS)
    ns, path, _ = ctl_pasta(["-t", "none", "-u", "none", "-T", "none",
                             "-U", "none"])
    srv = start_server(procs, ns, TCP_SERVER, "::", a, "new")
    code = r"""
import json, socket, struct, sys, time
sys.path.insert(0, sys.argv[3])
import ctl_fixture as F
path, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(path)
data = b""
while True:
    try:
        F.parse_server(data); break
    except ValueError:
        data += s.recv(65536)
s.sendall(F.update([(F.PIF_HOST, [F.Rule("::", None, "", port, port, port,
                                         F.TCP, F.DUAL_STACK)])]))
s.shutdown(socket.SHUT_WR)
assert s.recv(1) == b""
t0 = time.monotonic()
c = socket.create_connection(("198.51.100.1", port), timeout=2)
tag = c.makefile("rb").readline().strip().decode()
print(json.dumps({"t": time.monotonic() - t0, "tag": tag}))
"""
    r = T.run(["ip", "netns", "exec", topo.host, T.PY, "-c", code,
               str(path), str(a), str(T.HERE)], timeout=20)
    assert r.returncode == 0, r.stderr
    res = json.loads(r.stdout)
    assert res["tag"] == "new" and res["t"] < 0.1, res
    stop(srv)


def test_tcp_impossible_change(ctl_pasta, procs, topo):
    """A strict rule on a port someone holds: nothing changes, and why."""
    a, busy = next(PORTS), next(PORTS)
    ns, path, log = ctl_pasta(["-t", str(a), "-u", "none", "-T", "none",
                               "-U", "none"])
    srv = start_server(procs, ns, TCP_SERVER, "::", a, "old")
    # on [::], dual-stack: neither family is left for pasta
    holder = start_server(procs, topo.host, TCP_SERVER, "::", busy,
                          "holder")
    before = ctl_tables(path)
    ctl_update(path, [(F.PIF_HOST, [tcp_rule(busy)])])
    assert ctl_tables(path) == before
    why = last_change(path)
    assert "error: Listen failed for host TCP port %d" % busy in why, why
    assert "Address already in use" in why, why
    r = client(topo.host, TCP_CLIENT, "198.51.100.1", a, 4096, 2.0)
    assert r["ok"] and r["same"] and r["tag"] == "old", r
    assert "change refused" in log.read_text()
    # the holder still has its port, untouched
    r = client(topo.host, TCP_CLIENT, "127.0.0.1", busy, 4096, 2.0)
    assert r["ok"] and r["tag"] == "holder", r
    stop(srv)
    stop(holder)


def test_udp_change(ctl_pasta, procs, topo):
    """-u: a port added works, a removed one refuses, a busy one fails
    the change."""
    a, b, busy = next(PORTS), next(PORTS), next(PORTS)
    ns, path, _ = ctl_pasta(["-t", "none", "-u", str(a), "-T", "none",
                             "-U", "none"])
    srv = [start_server(procs, ns, UDP_SERVER, "::", p, "u%d" % p)
           for p in (a, b)]
    r = client(topo.host, UDP_CLIENT, "198.51.100.1", a, 3.0, "echo")
    assert r["ok"] and r["tag"] == "u%d" % a, r
    ctl_update(path, [(F.PIF_HOST, [udp_rule(b)])])
    assert last_change(path).endswith(" ok")
    r = client(topo.host, UDP_CLIENT, "198.51.100.1", b, 3.0, "echo")
    assert r["ok"] and r["tag"] == "u%d" % b, r
    r = client(topo.host, UDP_CLIENT, "198.51.100.1", a, 2.0, "refused")
    assert r["refused"], r

    holder = start_server(procs, topo.host, UDP_SERVER, "::", busy, "hold")
    before = ctl_tables(path)
    ctl_update(path, [(F.PIF_HOST, [udp_rule(b), udp_rule(busy)])])
    assert ctl_tables(path) == before
    assert "Listen failed for host UDP port %d" % busy in last_change(path)
    stop(holder)
    r = client(topo.host, UDP_CLIENT, "198.51.100.1", b, 3.0, "echo")
    assert r["ok"], r
    for s in srv:
        stop(s)


@pytest.mark.parametrize("proto", ["tcp", "udp"])
def test_outbound_change(ctl_pasta, procs, topo, proto):
    """-T/-U: the namespace reaches a host port once its rule is added,
    and not after it is removed; a busy namespace port fails the change."""
    a, busy = next(PORTS), next(PORTS)
    ns, path, _ = ctl_pasta(["-t", "none", "-u", "none", "-T", "none",
                             "-U", "none"])
    pr = F.TCP if proto == "tcp" else F.UDP
    code = TCP_SERVER if proto == "tcp" else UDP_SERVER
    srv = start_server(procs, topo.host, code, "127.0.0.1", a, "h")
    ctl_update(path, [(F.PIF_SPLICE, [out_rule(a, pr)])])
    assert last_change(path).endswith(" ok")
    assert table(ctl_tables(path), F.PIF_SPLICE) == [out_rule(a, pr)]
    if proto == "tcp":
        r = client(ns, TCP_CLIENT, "127.0.0.1", a, 65536, 2.0)
        assert r["ok"] and r["same"] and r["tag"] == "h", r
    else:
        r = client(ns, UDP_CLIENT, "127.0.0.1", a, 3.0, "echo")
        assert r["ok"] and r["tag"] == "h", r

    holder = start_server(procs, ns, code, "::", busy, "ns")
    before = ctl_tables(path)
    ctl_update(path, [(F.PIF_SPLICE, [out_rule(a, pr), out_rule(busy, pr)])])
    assert ctl_tables(path) == before
    assert ("Listen failed for namespace %s port %d"
            % (proto.upper(), busy)) in last_change(path)

    ctl_update(path, [(F.PIF_SPLICE, [])])
    assert table(ctl_tables(path), F.PIF_SPLICE) == []
    if proto == "tcp":
        r = client(ns, TCP_REFUSED, "127.0.0.1", a, 2.0)
        assert r["refused"], r
    else:
        r = client(ns, UDP_CLIENT, "127.0.0.1", a, 2.0, "refused")
        assert r["refused"], r
    stop(srv)
    stop(holder)


def listening(netns, port, proto="tcp"):
    """Ports bound in @netns on @port: local addresses, from ss."""
    flag = "-Hltn" if proto == "tcp" else "-Hlun"
    r = T.run(["ip", "netns", "exec", netns, "ss", flag,
               "sport = :%d" % port])
    return [ln.split()[3] for ln in r.stdout.splitlines() if ln.strip()]


@pytest.fixture
def ctl_passt(topo, procs, tmp):
    """passt in the foreground with a control socket: (path, popen)."""
    passt = T.tool_path("passt")

    def start(*args):
        sock, path = tmp / "passt.socket", tmp / "ctl.sock"
        p = topo.popen_as_user_in_host(procs, [passt, "-f", "-s", sock,
                                               "-c", path] + list(args))
        assert T.wait_for(lambda: path.exists(), 5), "no control socket"
        return path, p
    return start


def test_passt(ctl_passt, topo):
    """passt: one table (HOST), no "auto"; -t and -u follow changes; the
    exact bytes of upstream's pesto for "-t 8080" are understood."""
    a, b = next(PORTS), next(PORTS)
    path, p = ctl_passt("-t", str(a), "-u", "none")
    tbls = ctl_tables(path)
    caps = F.CAPS_ALL & ~F.CAP_SCAN
    assert tbls == [F.Table(F.PIF_HOST, "HOST", caps, [tcp_rule(a)])]
    assert listening(topo.host, a) == ["*:%d" % a]

    ctl_update(path, [(F.PIF_HOST, [tcp_rule(b), udp_rule(b)])])
    assert last_change(path).endswith(" ok")
    assert listening(topo.host, a) == []
    assert listening(topo.host, b) == ["*:%d" % b]
    assert listening(topo.host, b, "udp") == ["*:%d" % b]

    # "auto" is pasta's: refused, nothing changes
    auto = F.Rule("::", None, "", 1, 1000, 1, F.TCP,
                  F.DUAL_STACK | F.BEST_EFFORT | F.AUTO)
    ctl_update(path, [(F.PIF_HOST, [auto])])
    assert "error:" in last_change(path)
    assert listening(topo.host, b) == ["*:%d" % b]

    # upstream pesto's bytes for "pesto -t 8080 PATH", replayed
    with ctl_connect(path) as s:
        recv_greeting(s)
        s.sendall(bytes.fromhex(F.UPDATE_T8080_HEX))
        s.shutdown(socket.SHUT_WR)
        assert recv_all(s) == b""
    assert table(ctl_tables(path), F.PIF_HOST) == [tcp_rule(8080)]
    assert listening(topo.host, 8080) == ["*:8080"]
    assert listening(topo.host, b) == []
    assert p.poll() is None


def bad_client(path, data, shut=True):
    """A client that reads the greeting, sends @data, and maybe shuts
    down; returns what it read after that."""
    with ctl_connect(path, timeout=10) as s:
        recv_greeting(s)
        s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
        return recv_all(s)


def test_bad_clients(ctl_pasta, procs, topo):
    """Garbage, cut and oversized updates, conflicting rules, a silent
    client, 20 clients at once: nothing changes, traffic flows with no
    pause over 1 s, the next client is served, the log says why."""
    a = next(PORTS)
    ns, path, log = ctl_pasta(["-t", str(a), "-u", "none", "-T", "none",
                               "-U", "none"])
    srv = start_server(procs, ns, TCP_SERVER, "::", a, "s")
    stream = procs.popen(["ip", "netns", "exec", topo.host, T.PY, "-c",
                          TCP_STREAMER, "198.51.100.1", str(a), "14"],
                         text=True)
    before = ctl_tables(path)
    good = F.update([(F.PIF_HOST, [tcp_rule(a)])])
    cases = {
        "garbage": b"\x07" * 100,
        "cut": good[:-1],
        "cut rule": good[:30],
        "count over the limit": struct.pack(">BI", F.PIF_HOST, 256) +
                                F.rule(tcp_rule(a)) * 256 + b"\0",
        "tap has no table": F.update([(F.PIF_TAP, [])]),
        "twice": F.update([(F.PIF_HOST, []), (F.PIF_HOST, [])]),
        "after the end": good + b"x",
        "conflict": F.update([(F.PIF_HOST, [tcp_rule(a), tcp_rule(a, 1)])]),
        "port 0": F.update([(F.PIF_HOST, [tcp_rule(0)])]),
        "bad request": F.REQ_MAGIC + b"\0\0",
    }
    # a client that never speaks is dropped after 5 s; meanwhile the
    # clients behind it wait, and are served after
    silent = ctl_connect(path)
    t0 = time.monotonic()
    crowd = [ctl_connect(path, timeout=15) for _ in range(20)]
    assert silent.recv(20) == bytes.fromhex(F.SERVER_HELLO_HEX)
    silent.settimeout(10)
    recv_all(silent)
    assert 4.0 < time.monotonic() - t0 < 8.0
    for s in crowd:
        tbls, _ = recv_greeting(s)
        assert tbls == before
        s.close()
    silent.close()

    for what, data in cases.items():
        assert bad_client(path, data) == b"", what
        assert ctl_tables(path) == before, what

    # an unknown request is answered, with EOPNOTSUPP
    status, _ = ctl_request(path, 99)
    assert status == 95

    out, err = stream.communicate(timeout=30)
    res = json.loads(out.strip().splitlines()[-1])
    assert res["error"] is None and res["same"] and res["eof"], (res, err)
    assert res["gap"] < 1.0, res
    text = log.read_text()
    assert "still connected after 5000 ms" in text, text
    # one line each, rate-limited: 5 in 10 s
    assert 1 <= text.count("change refused") <= 4, text
    stop(srv)


def pesto(topo, *args, timeout=20):
    """Our pesto, as the test user."""
    return topo.run_as_user_in_host([T.tool_path("pesto")] +
                                    [str(a) for a in args], timeout=timeout)


def test_pesto(ctl_pasta, procs, topo):
    """Our pesto against our pasta: show, replace, add/delete, clear, and
    a refusal explained, each taking effect before pesto returns."""
    a, b, c, busy = next(PORTS), next(PORTS), next(PORTS), next(PORTS)
    ns, path, _ = ctl_pasta(["-t", str(a), "-u", "none", "-T", str(c),
                             "-U", "none"])
    srv = [start_server(procs, ns, TCP_SERVER, "::", p, "s%d" % p)
           for p in (a, b)]
    r = pesto(topo, path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == ("Inbound forwarding rules (HOST):\n"
                        "    TCP [*]:%d  =>  %d \n"
                        "Outbound forwarding rules (SPLICE):\n"
                        "    TCP [*]%%lo:%d  =>  %d \n" % (a, a, c, c)), \
        r.stdout

    r = pesto(topo, "-t", "%d,%d" % (a, b), path)
    assert r.returncode == 0, r.stderr
    res = client(topo.host, TCP_CLIENT, "198.51.100.1", b, 4096, 2.0)
    assert res["ok"] and res["tries"] == 1 and res["tag"] == "s%d" % b, res

    r = pesto(topo, "-A", "-t", str(c), "-D", "-t", str(a), path)
    assert r.returncode == 0, r.stderr
    assert table(ctl_tables(path), F.PIF_HOST) == [tcp_rule(b), tcp_rule(c)]
    res = client(topo.host, TCP_REFUSED, "198.51.100.1", a, 1.0)
    assert res["refused"], res

    r = pesto(topo, "-C", "SPLICE", path)
    assert r.returncode == 0, r.stderr
    assert table(ctl_tables(path), F.PIF_SPLICE) == []

    holder = start_server(procs, topo.host, TCP_SERVER, "::", busy, "h")
    r = pesto(topo, "-A", "-t", str(busy), path)
    assert r.returncode == 1
    assert ("Listen failed for host TCP port %d: Address already in use"
            % busy) in r.stderr, r.stderr
    assert table(ctl_tables(path), F.PIF_HOST) == [tcp_rule(b), tcp_rule(c)]
    for s in srv + [holder]:
        stop(s)


def test_auto_port_taken_over(ctl_pasta, procs, topo):
    """A port forwarded by "-t auto" becomes a fixed rule and back without
    a gap: its listener is handed over, its connection goes on."""
    a = next(PORTS)
    ns, path, _ = ctl_pasta(["-t", "auto", "-u", "none", "-T", "none",
                             "-U", "none"])
    srv = start_server(procs, ns, TCP_SERVER, "::", a, "auto")
    res = client(topo.host, TCP_CLIENT, "198.51.100.1", a, 4096, 5.0)
    assert res["ok"] and res["tag"] == "auto", res
    stream = procs.popen(["ip", "netns", "exec", topo.host, T.PY, "-c",
                          TCP_STREAMER, "198.51.100.1", str(a), "4"],
                         text=True)
    time.sleep(0.5)
    r = pesto(topo, "-t", str(a), path)
    assert r.returncode == 0, r.stderr
    res = client(topo.host, TCP_CLIENT, "198.51.100.1", a, 4096, 2.0)
    assert res["ok"] and res["tries"] == 1, res
    auto = [x for x in ctl_tables(path)[0].rules]
    r = pesto(topo, "-t", "auto", path)
    assert r.returncode == 0, r.stderr
    res = client(topo.host, TCP_CLIENT, "198.51.100.1", a, 4096, 2.0)
    assert res["ok"] and res["tries"] == 1, res
    assert auto == [tcp_rule(a)]
    out, err = stream.communicate(timeout=20)
    res = json.loads(out.strip().splitlines()[-1])
    assert res["error"] is None and res["same"] and res["eof"], (res, err)
    assert res["gap"] < 1.0, res
    stop(srv)
