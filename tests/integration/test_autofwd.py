# SPDX-License-Identifier: GPL-2.0-or-later
"""test_autofwd.py - pasta's "auto" port forwarding (compat.md 5.1).

pasta runs attached to a user namespace with --config-net, as the test user;
the servers and clients are small Python programs run as root with `ip
netns exec`, on the host side (the `host` namespace, where pasta runs) and
inside pasta's namespace.  Only reachability and data integrity are
checked, never the path (tap or splice):

* a TCP server started inside the namespace after pasta is up is reachable
  on the host's loopback within 2 s, with default options and with -t auto,
  echoes 256 KiB intact, and is refused again within ~2 s after it exits;
* -u auto: the same for a UDP echo server; UDP auto also follows a TCP
  listener (a TCP server on a port makes pasta bind that UDP port); the
  spliced flows of a port go with its socket, so that a peer is answered
  from the new socket when the port comes back;
* "auto" restricted by the grammar: an excluded port (-t auto,~P) and a
  port outside an explicit range (-t A-B,auto) stay unforwarded;
* no loops: pasta's own listener for a namespace port is not mirrored back
  into the namespace by -T auto, and of a port bound (0.0.0.0) on both
  sides before pasta starts, each side keeps reaching its own server:
  inbound, pasta takes only the family the host's server left free ([::],
  as upstream's 2025 pasta does when the dual-stack bind fails), and
  nothing listens for it in the namespace;
* -T auto: a host server started after pasta is up is reachable from the
  namespace's loopback within 2 s.
"""

import itertools
import json
import select
import time

import pytest

import topo as T

_ports = itertools.count(26300)

# One process per side; argv: addr port tag
TCP_SERVER = r"""
import socket, sys, threading
addr, port, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port))
s.listen(16)
print("ready", flush=True)
def serve(c):
    c.settimeout(20)
    try:
        c.sendall(tag + b"\n")
        while True:
            b = c.recv(65536)
            if not b:
                break
            c.sendall(b)
        c.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    c.close()
s.settimeout(60)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"""

# argv: addr port nbytes deadline -- retries until it gets the echo
TCP_CLIENT = r"""
import hashlib, json, os, socket, sys, time
addr, port, n, deadline = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    float(sys.argv[4])
data = os.urandom(n)
t0 = time.monotonic()
res = {"ok": False, "tries": 0}
while time.monotonic() - t0 < deadline:
    res["tries"] += 1
    try:
        c = socket.create_connection((addr, port), timeout=5)
        f = c.makefile("rb")
        tag = f.readline().strip().decode()
        if not tag:
            raise OSError("no tag")
        c.sendall(data)
        c.shutdown(socket.SHUT_WR)
        back = f.read()
        c.close()
        res.update(ok=True, tag=tag, t=time.monotonic() - t0,
                   same=hashlib.sha256(back).hexdigest() ==
                   hashlib.sha256(data).hexdigest(), got=len(back))
        break
    except OSError as e:
        res["last"] = repr(e)
        time.sleep(0.05)
print(json.dumps(res))
"""

# argv: addr port deadline -- until the connection is refused
TCP_REFUSED = r"""
import json, socket, sys, time
addr, port, deadline = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
t0 = time.monotonic()
res = {"refused": False}
while time.monotonic() - t0 < deadline:
    try:
        c = socket.create_connection((addr, port), timeout=2)
        c.close()
    except ConnectionRefusedError:
        res.update(refused=True, t=time.monotonic() - t0)
        break
    except OSError as e:
        res["last"] = repr(e)
    time.sleep(0.05)
print(json.dumps(res))
"""

UDP_SERVER = r"""
import socket, sys
addr, port, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind((addr, port))
print("ready", flush=True)
s.settimeout(60)
while True:
    b, peer = s.recvfrom(65536)
    s.sendto(tag + b":" + b, peer)
"""

# argv: addr port deadline mode -- mode "echo": until an echo comes back,
# "refused": until ECONNREFUSED
UDP_CLIENT = r"""
import json, os, socket, sys, time
addr, port, deadline, mode = sys.argv[1], int(sys.argv[2]), \
    float(sys.argv[3]), sys.argv[4]
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.connect((addr, port))
s.settimeout(0.1)
t0 = time.monotonic()
res = {"ok": False, "refused": False}
while time.monotonic() - t0 < deadline:
    msg = os.urandom(600)
    try:
        s.send(msg)
        b = s.recv(65536)
        tag, _, payload = b.partition(b":")
        if payload == msg:
            res.update(ok=True, tag=tag.decode(), t=time.monotonic() - t0)
            if mode == "echo":
                break
    except ConnectionRefusedError:
        res.update(refused=True, t=time.monotonic() - t0)
        if mode == "refused":
            break
    except OSError as e:
        res["last"] = repr(e)
    time.sleep(0.05)
print(json.dumps(res))
"""

SETTLE = 2.5    # seconds: two scans and then some


def start_server(procs, netns, code, addr, port, tag):
    """Start a server as root in @netns; wait (5 s) until it is bound."""
    p = procs.popen(["ip", "netns", "exec", netns, T.PY, "-c", code,
                     addr, str(port), tag], text=True)
    ready, _, _ = select.select([p.stdout], [], [], 5)
    line = p.stdout.readline() if ready else ""
    if line.strip() != "ready":
        p.kill()
        out, err = p.communicate(timeout=5)
        raise RuntimeError("server on %s:%d did not start: %s"
                           % (addr, port, err))
    return p


def stop(p):
    """Stop a server and reap it."""
    p.terminate()
    try:
        p.communicate(timeout=5)
    except Exception:
        p.kill()
        p.communicate(timeout=5)


def client(netns, code, *args, timeout=30):
    """Run a client as root in @netns; its JSON result."""
    r = T.run(["ip", "netns", "exec", netns, T.PY, "-c", code] +
              [str(a) for a in args], timeout=timeout)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def tcp_echo(netns, addr, port, deadline=3.0, nbytes=256 * 1024):
    return client(netns, TCP_CLIENT, addr, port, nbytes, deadline)


def listeners(netns, proto, port):
    """Sockets bound to @port in @netns ("t" or "u"), lines of ss -p."""
    r = T.run(["ip", "netns", "exec", netns, "ss", "-Hn%slp" % proto,
               "( sport = :%d )" % port])
    return [ln for ln in r.stdout.splitlines() if ln.strip()]


def pasta_fwd(*specs):
    """Forwarding options: the given ones, "none" for the rest of the four."""
    opts = dict(zip(specs[::2], specs[1::2]))
    out = []
    for o in ("-t", "-u", "-T", "-U"):
        out += [o, opts.get(o, "none")]
    return out


@pytest.mark.ours_only("the 2023 pasta's auto scan differs in timing")
@pytest.mark.parametrize("fwd", [[], pasta_fwd("-t", "auto")],
                         ids=["default", "-t auto"])
def test_tcp_server_in_namespace_follows(topo, procs, attach_pasta, fwd):
    port = next(_ports)
    a = attach_pasta("--config-net", fwd=fwd)
    r = client(topo.host, TCP_REFUSED, "127.0.0.1", port, 1)
    assert r["refused"], "port %d answered before any server: %r" % (port, r)

    # dual-stack server (tcp6 table): reachable through both families
    srv = start_server(procs, a.netns, TCP_SERVER, "::", port, "ns")
    r = tcp_echo(topo.host, "127.0.0.1", port)
    assert r["ok"], r
    assert r["t"] < 2.0, "forwarded only after %.2f s" % r["t"]
    assert r["tag"] == "ns"
    assert r["same"] and r["got"] == 256 * 1024, r
    r = tcp_echo(topo.host, "::1", port, deadline=1)
    assert r["ok"] and r["same"], r

    stop(srv)
    r = client(topo.host, TCP_REFUSED, "127.0.0.1", port, 4)
    assert r["refused"], r
    assert r["t"] < 2.5, "still forwarded %.2f s after exit" % r["t"]
    assert T.pid_alive(a.pasta_pid)


@pytest.mark.ours_only("the 2023 pasta's auto scan differs in timing")
def test_server_bound_before_start_is_forwarded_at_once(topo, procs, userns,
                                                        tmp, pasta):
    # bound before pasta starts: forwarded by the time pasta is ready
    port = next(_ports)
    name = topo.attach_netns(userns)
    try:
        srv = start_server(procs, name, TCP_SERVER, "0.0.0.0", port, "early")
        r, pid = topo.start_pasta_attached(procs, pasta, ["--config-net"],
                                           userns, tmp,
                                           fwd=pasta_fwd("-t", "auto"))
        assert r.returncode == 0 and pid, r.stderr
        assert listeners(topo.host, "t", port), "no listener at readiness"
        r = tcp_echo(topo.host, "127.0.0.1", port, deadline=2)
        assert r["ok"] and r["tag"] == "early" and r["same"], r
        stop(srv)
    finally:
        topo.detach_netns(name)


@pytest.mark.ours_only("the 2023 pasta's auto scan differs in timing")
def test_udp_server_in_namespace_follows(topo, procs, attach_pasta):
    port = next(_ports)
    a = attach_pasta("--config-net", fwd=pasta_fwd("-u", "auto"))
    srv = start_server(procs, a.netns, UDP_SERVER, "0.0.0.0", port, "ns")
    r = client(topo.host, UDP_CLIENT, "127.0.0.1", port, 3, "echo")
    assert r["ok"] and r["tag"] == "ns", r
    assert r["t"] < 2.0, "forwarded only after %.2f s" % r["t"]

    stop(srv)
    r = client(topo.host, UDP_CLIENT, "127.0.0.1", port, 4, "refused")
    assert r["refused"], r
    assert r["t"] < 2.5, "still forwarded %.2f s after exit" % r["t"]


def pasta_has(netns, proto, port):
    """True if pasta has a socket on @port ("t" or "u") in @netns."""
    return any("pasta" in x for x in listeners(netns, proto, port))


@pytest.mark.ours_only("the 2023 pasta's auto scan differs in timing")
def test_udp_flows_go_with_their_listener(topo, procs, tmp, attach_pasta):
    """A spliced flow of a -u auto port is forgotten with the port's
    socket: when the port comes back, a peer from the same address and
    port is answered from the new socket (not from whichever socket took
    the old one's descriptor number: here, another port's)."""
    port, other = next(_ports), next(_ports)
    sport = 40000 + port % 1000
    a = attach_pasta("--config-net", fwd=pasta_fwd("-u", "auto"))
    srv = T.serve_tag(procs, a.netns, "0.0.0.0", port, "one", tmp, "udp")
    res = T.ask_tag(topo.host, "127.0.0.1", port, "udp", tries=15,
                    sport=sport)
    assert res.get("tag") == "one", res
    stop(srv)
    assert T.wait_for(lambda: not pasta_has(topo.host, "u", port), 3)
    T.serve_tag(procs, a.netns, "0.0.0.0", other, "other", tmp, "udp")
    assert T.wait_for(lambda: pasta_has(topo.host, "u", other), 3)
    T.serve_tag(procs, a.netns, "0.0.0.0", port, "two", tmp, "udp")
    assert T.wait_for(lambda: pasta_has(topo.host, "u", port), 3)
    res = T.ask_tag(topo.host, "127.0.0.1", port, "udp", tries=5,
                    sport=sport)
    assert res.get("tag") == "two" and res["echo"], res


@pytest.mark.ours_only("the 2023 pasta's auto scan differs in timing")
def test_udp_auto_follows_tcp_listener(topo, procs, attach_pasta):
    port = next(_ports)
    a = attach_pasta("--config-net", fwd=pasta_fwd("-u", "auto"))
    assert not listeners(topo.host, "u", port)
    srv = start_server(procs, a.netns, TCP_SERVER, "0.0.0.0", port, "ns")
    ok = T.wait_for(lambda: listeners(topo.host, "u", port), 2.5)
    assert ok, "UDP port %d not bound on the host" % port
    assert "pasta" in ok[0], ok
    # -t none: no TCP forwarding for it
    assert not listeners(topo.host, "t", port)
    stop(srv)
    assert T.wait_for(lambda: not listeners(topo.host, "u", port), 2.5)


@pytest.mark.ours_only("the 2023 pasta's auto scan differs in timing")
@pytest.mark.parametrize("kind", ["excluded", "outside-range"])
def test_auto_restricted_by_spec(topo, procs, attach_pasta, kind):
    yes, no = next(_ports), next(_ports)
    if kind == "excluded":
        spec = "auto,~%d" % no
    else:
        spec = "%d-%d,auto" % (yes - 5, yes + 0)
    a = attach_pasta("--config-net", fwd=pasta_fwd("-t", spec))
    start_server(procs, a.netns, TCP_SERVER, "0.0.0.0", no, "no")
    start_server(procs, a.netns, TCP_SERVER, "0.0.0.0", yes, "yes")
    r = tcp_echo(topo.host, "127.0.0.1", yes)
    assert r["ok"] and r["tag"] == "yes" and r["same"], r
    time.sleep(1.2)     # one more scan, for good measure
    r = client(topo.host, TCP_REFUSED, "127.0.0.1", no, 1)
    assert r["refused"], "port %d forwarded despite %s: %r" % (no, spec, r)
    assert not listeners(topo.host, "t", no)


@pytest.mark.ours_only("the 2023 pasta's auto scan differs in timing")
def test_own_listener_not_mirrored_back(topo, procs, attach_pasta):
    # default options: -t auto and -T auto together
    port = next(_ports)
    a = attach_pasta("--config-net", fwd=[])
    start_server(procs, a.netns, TCP_SERVER, "0.0.0.0", port, "ns")
    r = tcp_echo(topo.host, "127.0.0.1", port)
    assert r["ok"] and r["tag"] == "ns", r
    time.sleep(SETTLE)
    host = listeners(topo.host, "t", port)
    ns = listeners(a.netns, "t", port)
    assert len(host) == 1 and "pasta" in host[0], host
    assert len(ns) == 1 and "pasta" not in ns[0], ns
    r = tcp_echo(a.netns, "127.0.0.1", port, deadline=1)
    assert r["ok"] and r["tag"] == "ns", r


@pytest.mark.ours_only("the 2023 pasta's auto scan differs in timing")
def test_same_port_on_both_sides_no_loop(topo, procs, userns, tmp, pasta):
    port = next(_ports)
    name = topo.attach_netns(userns)
    try:
        start_server(procs, topo.host, TCP_SERVER, "0.0.0.0", port, "host")
        start_server(procs, name, TCP_SERVER, "0.0.0.0", port, "ns")
        r, pid = topo.start_pasta_attached(procs, pasta, ["--config-net"],
                                           userns, tmp, fwd=[])
        assert r.returncode == 0 and pid, r.stderr
        fds = T.proc_fd_count(pid)
        time.sleep(SETTLE)
        r = tcp_echo(topo.host, "127.0.0.1", port, deadline=1)
        assert r["ok"] and r["tag"] == "host", r
        r = tcp_echo(name, "127.0.0.1", port, deadline=1)
        assert r["ok"] and r["tag"] == "ns", r
        mine = [x.split()[3] for x in listeners(topo.host, "t", port)
                if "pasta" in x]
        assert mine == ["[::]:%d" % port], mine
        assert not any("pasta" in x for x in listeners(name, "t", port))
        assert T.pid_alive(pid)
        # retrying the bind every scan must not leak descriptors
        assert T.proc_fd_count(pid) <= fds + 2, (fds, T.proc_fd_count(pid))
    finally:
        topo.detach_netns(name)


@pytest.mark.ours_only("the 2023 pasta's auto scan differs in timing")
@pytest.mark.parametrize("fwd", [[], pasta_fwd("-T", "auto")],
                         ids=["default", "-T auto"])
def test_host_server_reached_from_namespace(topo, procs, attach_pasta, fwd):
    port = next(_ports)
    a = attach_pasta("--config-net", fwd=fwd)
    r = client(a.netns, TCP_REFUSED, "127.0.0.1", port, 1)
    assert r["refused"], r

    srv = start_server(procs, topo.host, TCP_SERVER, "127.0.0.1", port,
                       "host")
    r = tcp_echo(a.netns, "127.0.0.1", port)
    assert r["ok"], r
    assert r["t"] < 2.0, "forwarded only after %.2f s" % r["t"]
    assert r["tag"] == "host" and r["same"], r

    stop(srv)
    r = client(a.netns, TCP_REFUSED, "127.0.0.1", port, 4)
    assert r["refused"], r
    assert r["t"] < 2.5, "still forwarded %.2f s after exit" % r["t"]


@pytest.mark.ours_only("the 2023 pasta's auto scan differs in timing")
@pytest.mark.parametrize("fwd", [[], pasta_fwd("-U", "auto")],
                         ids=["default", "-U auto"])
def test_host_udp_server_reached_from_namespace(topo, procs, attach_pasta,
                                                fwd):
    port = next(_ports)
    a = attach_pasta("--config-net", fwd=fwd)
    srv = start_server(procs, topo.host, UDP_SERVER, "127.0.0.1", port,
                       "host")
    r = client(a.netns, UDP_CLIENT, "127.0.0.1", port, 3, "echo")
    assert r["ok"] and r["tag"] == "host", r
    assert r["t"] < 2.0, "forwarded only after %.2f s" % r["t"]
    ns = listeners(a.netns, "u", port)
    assert len(ns) == 1 and "pasta" in ns[0], ns

    stop(srv)
    assert T.wait_for(lambda: not listeners(a.netns, "u", port), 2.5), \
        "pasta still bound to UDP port %d in the namespace" % port
