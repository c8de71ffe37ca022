# SPDX-License-Identifier: GPL-2.0-or-later
"""test_listen_policy.py - compat.md 5.1's rule for ports that can't be
bound at start, the same for -u, -T and -U as for -t (issue 14).

A port given explicitly that can't be bound stops pasta (exit 1, "Listen
failed for SIDE PROTO port P: REASON"); ports of a best-effort spec (no
inclusion: only exclusions, or "all") that can't be bound are one
warning, and stop pasta only if none of them could be bound at all.
Until this issue, -u ignored its best-effort failures silently and -T/-U
only warned, whatever failed.  Upstream's 2026 code applies one rule to
all four (fwd_sync_one()); Debian 12's and 13's pasta don't look at -T/-U
ports at start at all, and say nothing of a -u port of a best-effort
spec they couldn't bind.

A holder (tag_peer.py, as root) takes both families of a port, in `host`
for -u, inside the namespace for -T/-U; pasta runs as the test user,
attached to a user namespace.  Where pasta starts, the port of the spec
that was free is checked to forward data both ways.
"""

import itertools

import pytest

import topo as T

_ports = itertools.count(28400)
EADDRINUSE = "Address already in use"
NS_DIFFERS = ("Debian 12's and 13's pasta don't check -T/-U ports at "
              "start; upstream's 2026 code does, as we do")


def fwd(opt, spec):
    """@opt ("-u", "-T" or "-U") given @spec, the other three none."""
    args = dict.fromkeys(("-t", "-u", "-T", "-U"), "none")
    args[opt] = spec
    return [x for kv in args.items() for x in kv]


def best_effort(port, n):
    """A spec of exclusions only, leaving ports @port..@port+@n-1."""
    return "~1-%d,~%d-65535" % (port - 1, port + n)


def start(topo, procs, tmp, pasta, opt, spec, held):
    """Hold @held (both families) on the side @opt listens on, start pasta
    with @spec for @opt; return (CompletedProcess, PID, namespace name):
    the namespace stays attached, the caller detaches it."""
    proto = "tcp" if opt in ("-t", "-T") else "udp"
    target = topo.start_user_netns(procs)
    name = topo.attach_netns(target)
    side = name if opt in ("-T", "-U") else topo.host
    try:
        T.serve_tag(procs, side, "::", held, "holder", tmp, proto,
                    v6only=0)
        r, pid = topo.start_pasta_attached(procs, pasta, ["--config-net"],
                                           target, tmp, fwd=fwd(opt, spec))
    except Exception:
        topo.detach_netns(name)
        raise
    return r, pid, name


def check_forwarded(topo, procs, tmp, opt, name, port):
    """Data goes both ways through @port of @opt."""
    proto = "udp" if opt in ("-u", "-U") else "tcp"
    if opt == "-u":
        T.serve_tag(procs, name, "::", port, "ns", tmp, proto, v6only=0)
        res = T.ask_tag(topo.remote, T.HOST4, port, proto)
        assert res.get("tag") == "ns" and res["echo"], res
    else:
        T.serve_tag(procs, topo.host, "::1", port, "host-lo", tmp, proto)
        res = T.ask_tag(name, "::1", port, proto)
        assert res.get("tag") == "host-lo" and res["echo"], res


def where(opt):
    """How our messages name the side of @opt."""
    return " in the namespace" if opt in ("-T", "-U") else ""


def side(opt):
    return "namespace" if opt in ("-T", "-U") else "host"


def proto_name(opt):
    return "TCP" if opt in ("-t", "-T") else "UDP"


def test_udp_port_taken_is_fatal(topo, procs, tmp, pasta):
    """-u P with P taken: exit 1, with a message naming the port."""
    port = next(_ports)
    r, pid, name = start(topo, procs, tmp, pasta, "-u", str(port), port)
    topo.detach_netns(name)
    assert r.returncode == 1 and not pid, r.stderr
    if not T.is_reference(pasta):  # upstream's wording differs
        assert ("Listen failed for host UDP port %d: %s"
                % (port, EADDRINUSE)) in r.stderr, r.stderr


@pytest.mark.ours_only(NS_DIFFERS)
@pytest.mark.parametrize("opt", ["-T", "-U"])
def test_namespace_port_taken_is_fatal(topo, procs, tmp, pasta, opt):
    """-T/-U P with P taken in the namespace: exit 1, naming the port."""
    port = next(_ports)
    r, pid, name = start(topo, procs, tmp, pasta, opt, str(port), port)
    topo.detach_netns(name)
    assert r.returncode == 1 and not pid, r.stderr
    assert ("Listen failed for namespace %s port %d: %s"
            % (proto_name(opt), port, EADDRINUSE)) in r.stderr, r.stderr


@pytest.mark.parametrize("opt", ["-u", "-T", "-U"])
def test_best_effort_port_taken_warns(topo, procs, tmp, pasta, opt):
    """A best-effort spec over P and P+1, P taken: pasta starts, warns
    (ours: Debian's pasta says nothing), and P+1 is forwarded."""
    port = next(_ports)
    next(_ports)
    r, pid, name = start(topo, procs, tmp, pasta, opt,
                         best_effort(port, 2), port)
    try:
        assert r.returncode == 0 and pid, r.stderr
        check_forwarded(topo, procs, tmp, opt, name, port + 1)
    finally:
        topo.detach_netns(name)
    if not T.is_reference(pasta):
        assert ("1 forwarded %s ports couldn't be bound%s (last: %s)"
                % (proto_name(opt), where(opt), EADDRINUSE)) in r.stderr, \
            r.stderr
        assert "Listen failed" not in r.stderr, r.stderr


@pytest.mark.ours_only("Debian 12's pasta starts with no port of a "
                       "best-effort spec bound, and doesn't check -T/-U")
@pytest.mark.parametrize("opt", ["-u", "-T", "-U"])
def test_best_effort_nothing_bound_is_fatal(topo, procs, tmp, pasta, opt):
    """A best-effort spec whose one port is taken: exit 1."""
    port = next(_ports)
    r, pid, name = start(topo, procs, tmp, pasta, opt,
                         best_effort(port, 1), port)
    topo.detach_netns(name)
    assert r.returncode == 1 and not pid, r.stderr
    assert ("Couldn't bind any forwarded %s port%s: %s"
            % (proto_name(opt), where(opt), EADDRINUSE)) in r.stderr, \
        r.stderr
