# SPDX-License-Identifier: GPL-2.0-or-later
"""test_listen_fallback.py - a forwarded port whose dual-stack bind fails
is served by the family that can be bound (issue 13, item 1).

podman runs `pasta ... -t 9000-9000:80-80`: a dual-stack rule, one socket
on [::] with IPV6_V6ONLY off.  When another program holds 0.0.0.0:9000
(or [::]:9000 with IPV6_V6ONLY), that bind fails; upstream's 2025 pasta
(Debian 13's) then binds 0.0.0.0 and [::] on their own and serves the port
over whichever it got.  Only when neither family binds is a strict rule
fatal (exit 1), and a best-effort rule fatal only if none of its ports
binds at all (compat.md 5.1).

A holder (tag_peer.py, as root in `host`) takes one family of the port;
pasta runs as the test user, attached to a user namespace with
--config-net, and a tag server inside the namespace answers.  `remote`
asks both of the host's addresses: the free family reaches the namespace
(with the remote's own address as peer, data both ways), the held one the
holder.  Checked for:

* -t and -u, with 0.0.0.0 held (IPv6 served) and [::] held (IPv4 served);
* both held: exit 1 (strict), and for a best-effort range (exclusions
  only): start while one port binds, exit 1 when none does;
* -t auto: the port the namespace listens on, with 0.0.0.0 held, and
  closed again (both sockets) when the namespace stops listening;
* -T and -U: the same inside the namespace, the host reached over ::1;
* ours: a warning naming the port and the family, and the note in the
  rule display (compat.md 5.2) " (IPv4 not bound: Address already in
  use)".
"""

import itertools

import pytest

import topo as T

_ports = itertools.count(28100)
EADDRINUSE = "Address already in use"
HELD = {"v4": ("0.0.0.0", T.HOST6, T.HOST4, T.REMOTE6, "IPv4", "IPv6"),
        "v6": ("::", T.HOST4, T.HOST6, T.REMOTE4, "IPv6", "IPv4")}


def fwd(proto, spec, ns_spec="none"):
    """-t/-u @spec for @proto (the other none), -T/-U @ns_spec likewise."""
    tcp = proto == "tcp"
    return ["-t", spec if tcp else "none", "-u", "none" if tcp else spec,
            "-T", ns_spec if tcp else "none", "-U", "none" if tcp else ns_spec]


def pasta_listens(netns, port, pid):
    """True if @pid has a TCP listener on @port in @netns."""
    out = T.run(["ip", "netns", "exec", netns, "ss", "-Hnltp",
                 "sport = :%d" % port]).stdout
    return "pid=%d," % pid in out


def start(topo, procs, tmp, pasta, fwd_args, target=None):
    """pasta --config-net attached to a fresh user namespace (or @target);
    returns (CompletedProcess, pasta PID, target)."""
    if target is None:
        target = topo.start_user_netns(procs)
    r, pid = topo.start_pasta_attached(procs, pasta, ["--config-net"],
                                       target, tmp, fwd=fwd_args)
    return r, pid, target


def one_family_held(topo, procs, tmp, pasta, proto, held):
    """Hold @held of a port, forward it, check both families; return the
    start-up result and the port."""
    port = next(_ports)
    hold_addr, free, taken, remote, _, _ = HELD[held]
    T.serve_tag(procs, topo.host, hold_addr, port, "holder", tmp, proto)
    r, pid, target = start(topo, procs, tmp, pasta,
                           fwd(proto, str(port)))
    assert r.returncode == 0 and pid, r.stderr
    name = topo.attach_netns(target)
    try:
        T.serve_tag(procs, name, "::", port, "ns", tmp, proto, v6only=0)
        res = T.ask_tag(topo.remote, free, port, proto, bind=remote)
        assert res.get("tag") == "ns" and res["echo"], res
        assert res["peer"] == remote, res
        res = T.ask_tag(topo.remote, taken, port, proto)
        assert res.get("tag") == "holder", res
    finally:
        topo.detach_netns(name)
    return r, port


@pytest.mark.parametrize("held", ["v4", "v6"])
@pytest.mark.parametrize("proto", ["tcp", "udp"])
def test_other_family_served(topo, procs, tmp, pasta, proto, held):
    one_family_held(topo, procs, tmp, pasta, proto, held)


@pytest.mark.ours_only("Debian 12's pasta says nothing of a family it "
                       "couldn't bind; we warn and note it in the display")
@pytest.mark.parametrize("held", ["v4", "v6"])
@pytest.mark.parametrize("proto", ["tcp", "udp"])
def test_missing_family_reported(topo, procs, tmp, pasta, proto, held):
    r, port = one_family_held(topo, procs, tmp, pasta, proto, held)
    _, _, _, _, fam, other = HELD[held]
    assert ("host %s port %d: %s not bound (%s), %s only"
            % (proto.upper(), port, fam, EADDRINUSE, other)) in r.stderr, \
        r.stderr
    assert ("    %s [*]:%d  =>  %d  (%s not bound: %s)"
            % (proto.upper(), port, port, fam, EADDRINUSE)) in \
        r.stderr.splitlines(), r.stderr


@pytest.mark.parametrize("proto", ["tcp", "udp"])
def test_both_held_is_fatal(topo, procs, tmp, pasta, proto):
    port = next(_ports)
    T.serve_tag(procs, topo.host, "0.0.0.0", port, "holder4", tmp, proto)
    T.serve_tag(procs, topo.host, "::", port, "holder6", tmp, proto)
    r, pid, _ = start(topo, procs, tmp, pasta, fwd(proto, str(port)))
    assert r.returncode == 1 and not pid, r.stderr
    if not T.is_reference(pasta):  # upstream's wording differs
        assert ("Listen failed for host %s port %d: %s"
                % (proto.upper(), port, EADDRINUSE)) in r.stderr, r.stderr


def test_best_effort_range(topo, procs, tmp, pasta):
    """compat.md 5.1: a spec of exclusions only is best effort over what
    is left: P (both families held) and P+1 (0.0.0.0 held)."""
    port = next(_ports)
    next(_ports)
    spec = "~1-%d,~%d-65535" % (port - 1, port + 2)
    T.serve_tag(procs, topo.host, "0.0.0.0", port, "holder4", tmp)
    T.serve_tag(procs, topo.host, "::", port, "holder6", tmp)
    T.serve_tag(procs, topo.host, "0.0.0.0", port + 1, "holder4", tmp)
    r, pid, target = start(topo, procs, tmp, pasta, fwd("tcp", spec))
    assert r.returncode == 0 and pid, r.stderr
    name = topo.attach_netns(target)
    try:
        T.serve_tag(procs, name, "::", port + 1, "ns", tmp, v6only=0)
        res = T.ask_tag(topo.remote, T.HOST6, port + 1, "tcp")
        assert res.get("tag") == "ns" and res["echo"], res
    finally:
        topo.detach_netns(name)
    if not T.is_reference(pasta):
        assert "1 forwarded TCP ports couldn't be bound" in r.stderr, \
            r.stderr
        assert "TCP [*]:%d-%d  =>  %d-%d  (best effort) (IPv4 not bound " \
               "on 1 port: %s)" % (port, port + 1, port, port + 1,
                                   EADDRINUSE) in r.stderr, r.stderr


@pytest.mark.ours_only("Debian 12's pasta starts with no port of a "
                       "best-effort range bound; compat.md 5.1 is newer")
def test_best_effort_nothing_bound_is_fatal(topo, procs, tmp, pasta):
    port = next(_ports)
    spec = "~1-%d,~%d-65535" % (port - 1, port + 1)
    T.serve_tag(procs, topo.host, "0.0.0.0", port, "holder4", tmp)
    T.serve_tag(procs, topo.host, "::", port, "holder6", tmp)
    r, pid, _ = start(topo, procs, tmp, pasta, fwd("tcp", spec))
    assert r.returncode == 1 and not pid, r.stderr
    if not T.is_reference(pasta):
        assert "Couldn't bind any forwarded TCP port: " + EADDRINUSE in \
            r.stderr, r.stderr


@pytest.mark.ours_only("Debian 12's pasta skips an auto port whose "
                       "dual-stack bind fails")
def test_auto_port_served_over_v6(topo, procs, tmp, pasta):
    """-t auto: a port the namespace listens on before pasta starts is
    forwarded at the first scan, over IPv6 when 0.0.0.0 is held."""
    port = next(_ports)
    T.serve_tag(procs, topo.host, "0.0.0.0", port, "holder", tmp)
    target = topo.start_user_netns(procs)
    name = topo.attach_netns(target)
    try:
        srv = T.serve_tag(procs, name, "::", port, "ns", tmp, v6only=0)
        r, pid, _ = start(topo, procs, tmp, pasta, fwd("tcp", "auto"),
                          target)
        assert r.returncode == 0 and pid, r.stderr
        res = T.ask_tag(topo.remote, T.HOST6, port, "tcp")
        assert res.get("tag") == "ns" and res["echo"], res
        res = T.ask_tag(topo.remote, T.HOST4, port, "tcp")
        assert res.get("tag") == "holder", res
        assert ("host TCP port %d: IPv4 not bound (%s), IPv6 only"
                % (port, EADDRINUSE)) in r.stderr, r.stderr
        assert "(auto-scan) (IPv4 not bound on 1 port: %s)" % EADDRINUSE \
            in r.stderr, r.stderr
        # the server goes: so does our listener (Debian 13's pasta keeps
        # the [::] socket of its fallback listening for ever)
        assert pasta_listens(topo.host, port, pid)
        srv.kill()
        srv.communicate(timeout=5)
        assert T.wait_for(lambda: not pasta_listens(topo.host, port, pid),
                          3), "pasta still listens on %d" % port
    finally:
        topo.detach_netns(name)


@pytest.mark.parametrize("proto", ["tcp", "udp"])
def test_namespace_side_v4_held(topo, procs, tmp, pasta, proto):
    """-T/-U: 0.0.0.0 of the port held inside the namespace; the
    namespace still reaches the host over ::1, and its own holder over
    127.0.0.1."""
    port = next(_ports)
    T.serve_tag(procs, topo.host, "::1", port, "host-lo", tmp, proto)
    target = topo.start_user_netns(procs)
    name = topo.attach_netns(target)
    try:
        T.serve_tag(procs, name, "0.0.0.0", port, "ns-holder", tmp, proto)
        r, pid, _ = start(topo, procs, tmp, pasta,
                          fwd(proto, "none", str(port)), target)
        assert r.returncode == 0 and pid, r.stderr
        res = T.ask_tag(name, "::1", port, proto)
        assert res.get("tag") == "host-lo" and res["echo"], res
        res = T.ask_tag(name, "127.0.0.1", port, proto)
        assert res.get("tag") == "ns-holder", res
        if not T.is_reference(pasta):
            assert ("namespace %s port %d: IPv4 not bound (%s), IPv6 only"
                    % (proto.upper(), port, EADDRINUSE)) in r.stderr, \
                r.stderr
            assert ("    %s [*]%%lo:%d  =>  %d  (IPv4 not bound: %s)"
                    % (proto.upper(), port, port, EADDRINUSE)) in \
                r.stderr.splitlines(), r.stderr
    finally:
        topo.detach_netns(name)
