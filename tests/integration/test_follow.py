# SPDX-License-Identifier: GPL-2.0-or-later
"""test_follow.py - pasta follows the host's addresses and routes.

pasta --config-net runs in the topology's `host` namespace, attached to a
namespace of the test user; the test then changes `host` (ext0's addresses,
its default route, its MTU) as root and checks, with `ip -j` in pasta's
namespace, that the namespace follows within 2 s, that options pinning a
value keep it, that --no-follow-host keeps today's behaviour, and that the
watch costs no wake-up at rest (doc/follow.md).

The `host` namespace is shared by the whole session: the fixture
`host_back` puts it back as topo.py built it, whatever the test did.
"""

import json
import os
import re
import time

import pytest

import deb13_env
import topo as T

# The second uplink a default route moves to
EXT1, REM1 = "ext1", "rem1"
HOST1_4, GW1_4 = "203.0.113.1", "203.0.113.254"
HOST1_6, GW1_6 = "2001:db8:2::1", "2001:db8:2::fe"
NEW4, NEW6 = "198.51.100.7", "2001:db8:1::7"
GW4_ALT = "198.51.100.253"
DEADLINE = 2.0          # seconds the namespace has to follow

_ports = iter(range(17100, 17200))


def ours(path):
    """Skip on the reference builds (Debian 12's, Debian 13's upstream
    2025-05): they copy the host once, at start, and know no
    --no-follow-host; following is where we are deliberately better."""
    if deb13_env.in_root(path) is not None:
        pytest.skip("Debian 13's upstream doesn't follow the host")
    T.skip_on_reference(path, "upstream copies the host once, at start")


def host(*args):
    """`ip -n host ARGS` as root, must succeed."""
    return T.sh(["ip", "-n", _topo.host] + [str(a) for a in args])


def host_try(*args):
    """`ip -n host ARGS` as root, may fail."""
    return T.run(["ip", "-n", _topo.host] + [str(a) for a in args])


def ns_json(netns, *args):
    """`ip -j -n NETNS ARGS` parsed."""
    out = T.sh(["ip", "-j", "-n", netns] + list(args))
    return json.loads(out) if out.strip() else []


def ns_addrs(att, family):
    """[ADDR/PLEN] of global scope on the namespace's interface."""
    fam = "inet" if family == 4 else "inet6"
    j = ns_json(att.netns, "addr", "show", "dev", att.ifname)
    return sorted("%s/%d" % (a, p) for a, p, s in
                  T.addrs(j, att.ifname, fam) or [] if s == "global")


def ns_default(att, family):
    """Gateways of the namespace's default routes of @family."""
    j = ns_json(att.netns, "-%d" % family, "route", "show", "default")
    return sorted(r.get("gateway", "") for r in j)


def ns_mtu(att):
    j = ns_json(att.netns, "link", "show", "dev", att.ifname)
    return j[0]["mtu"]


def follows(pred):
    """Seconds until @pred holds (DEADLINE at most), or None."""
    t0 = time.monotonic()
    if not T.wait_for(pred, DEADLINE, interval=0.02):
        return None
    return time.monotonic() - t0


def stays(pred, secs=DEADLINE):
    """True if @pred holds all along @secs seconds."""
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if not pred():
            return False
        time.sleep(0.05)
    return pred()


@pytest.fixture
def host_back(topo):
    """Put the host namespace back as topo.py built it, after the test."""
    global _topo
    _topo = topo
    # a secondary address becomes primary when the primary goes, as a DHCP
    # client's renumbering does (without this sysctl both would go)
    T.sh(["ip", "netns", "exec", topo.host, "sysctl", "-qw",
          "net.ipv4.conf.%s.promote_secondaries=1" % T.HOST_IF])
    yield topo
    host_try("link", "del", EXT1)
    host_try("link", "set", T.HOST_IF, "mtu", "1500")
    for a in (NEW4 + "/24",):
        host_try("addr", "del", a, "dev", T.HOST_IF)
    host_try("-6", "addr", "del", NEW6 + "/64", "dev", T.HOST_IF)
    host_try("addr", "add", T.HOST4 + "/24", "dev", T.HOST_IF)
    host_try("-6", "addr", "add", T.HOST6 + "/64", "dev", T.HOST_IF,
             "nodad")
    host_try("route", "replace", "default", "via", T.GW4, "dev", T.HOST_IF)
    host_try("-6", "route", "replace", "default", "via", T.GW6, "dev",
             T.HOST_IF)


def start(attach_pasta, tmp, *args):
    """pasta --config-net with a log file; returns (Attached, log path)."""
    log = tmp / "pasta.log"
    att = attach_pasta("--config-net", "-l", log, *args)
    T.wait_for(lambda: ns_addrs(att, 4), 2)
    return att, log


def replace_v4():
    host("addr", "add", NEW4 + "/24", "dev", T.HOST_IF)
    host("addr", "del", T.HOST4 + "/24", "dev", T.HOST_IF)
    host("route", "replace", "default", "via", T.GW4, "dev", T.HOST_IF)


def replace_v6():
    host("-6", "addr", "add", NEW6 + "/64", "dev", T.HOST_IF, "nodad")
    host("-6", "addr", "del", T.HOST6 + "/64", "dev", T.HOST_IF)


def log_lines(log, pattern):
    text = log.read_text() if log.exists() else ""
    return [ln for ln in text.splitlines() if re.search(pattern, ln)]


# family: (replace, old, new, gateway, the other family's address)
REPLACED = {
    4: (replace_v4, T.HOST4 + "/24", NEW4 + "/24", T.GW4, T.HOST6 + "/64"),
    6: (replace_v6, T.HOST6 + "/64", NEW6 + "/64", T.GW6, T.HOST4 + "/24"),
}


@pytest.mark.parametrize("fam", [4, 6])
def test_address_replaced(host_back, attach_pasta, tmp, pasta, fam):
    ours(pasta)
    replace, old, new, gw, other = REPLACED[fam]
    att, log = start(attach_pasta, tmp)
    assert ns_addrs(att, fam) == [old]
    replace()
    took = follows(lambda: ns_addrs(att, fam) == [new])
    assert took is not None, ("namespace kept", ns_addrs(att, fam))
    print("IPv%d address followed in %.3f s" % (fam, took))
    assert ns_default(att, fam) == [gw], "default route lost on the way"
    assert ns_addrs(att, 10 - fam) == [other], "the other family changed"
    assert T.wait_for(lambda: log_lines(
        log, "Host address changed: %s -> %s, namespace updated"
        % (re.escape(old), re.escape(new))), 1)


@pytest.mark.parametrize("fam", [4, 6])
def test_address_added_keeps_ours(host_back, attach_pasta, tmp, pasta, fam):
    """The host gaining a second address (listed first, for IPv6) doesn't
    move the namespace: its address is still the host's."""
    ours(pasta)
    _, old, new, _, _ = REPLACED[fam]
    att, _ = start(attach_pasta, tmp)
    if fam == 4:
        host("addr", "add", new, "dev", T.HOST_IF)
    else:
        host("-6", "addr", "add", new, "dev", T.HOST_IF, "nodad")
    assert stays(lambda: ns_addrs(att, fam) == [old]), ns_addrs(att, fam)


def add_uplink(topo):
    """A second veth pair host:ext1 <-> remote:rem1, 203.0.113.0/24 and
    2001:db8:2::/64."""
    T.sh(["ip", "link", "add", EXT1, "netns", topo.host, "type", "veth",
          "peer", "name", REM1, "netns", topo.remote])
    T.sh(["ip", "-n", topo.remote, "addr", "add", GW1_4 + "/24", "dev",
          REM1])
    T.sh(["ip", "-n", topo.remote, "addr", "add", GW1_6 + "/64", "dev",
          REM1, "nodad"])
    T.sh(["ip", "-n", topo.remote, "link", "set", REM1, "up"])
    host("addr", "add", HOST1_4 + "/24", "dev", EXT1)
    host("-6", "addr", "add", HOST1_6 + "/64", "dev", EXT1, "nodad")
    host("link", "set", EXT1, "up")


# family: (the uplink's address and gateway, ext0's, the `ip` option)
MOVED = {
    4: (HOST1_4 + "/24", GW1_4, T.HOST4 + "/24", T.GW4, "-4"),
    6: (HOST1_6 + "/64", GW1_6, T.HOST6 + "/64", T.GW6, "-6"),
}


@pytest.mark.parametrize("fam", [4, 6])
def test_default_route_moved(host_back, attach_pasta, tmp, pasta, fam):
    """The default route of a family moves to another interface: the
    namespace takes that interface's address and gateway, the other family
    stays; and back."""
    ours(pasta)
    new_addr, new_gw, old_addr, old_gw, f = MOVED[fam]
    _, _, other_addr, other_gw, _ = MOVED[10 - fam]
    att, log = start(attach_pasta, tmp)
    add_uplink(host_back)
    host(f, "route", "replace", "default", "via", new_gw, "dev", EXT1)
    took = follows(lambda: ns_default(att, fam) == [new_gw] and
                   ns_addrs(att, fam) == [new_addr])
    assert took is not None, (ns_default(att, fam), ns_addrs(att, fam))
    print("IPv%d default route followed to another interface in %.3f s"
          % (fam, took))
    assert T.wait_for(lambda: log_lines(
        log, r"Host IPv%d default route moved: ext0 -> ext1" % fam), 1)
    assert ns_default(att, 10 - fam) == [other_gw]
    assert ns_addrs(att, 10 - fam) == [other_addr]
    # and back
    host(f, "route", "replace", "default", "via", old_gw, "dev", T.HOST_IF)
    assert follows(lambda: ns_default(att, fam) == [old_gw] and
                   ns_addrs(att, fam) == [old_addr]) is not None, \
        (ns_default(att, fam), ns_addrs(att, fam))


def test_gateway_changed(host_back, attach_pasta, tmp, pasta):
    ours(pasta)
    att, log = start(attach_pasta, tmp)
    host("route", "replace", "default", "via", GW4_ALT, "dev", T.HOST_IF)
    assert follows(lambda: ns_default(att, 4) == [GW4_ALT]) is not None, \
        ns_default(att, 4)


def test_pinned_address(host_back, attach_pasta, tmp, pasta):
    """-a: the namespace keeps the given address, the gateway follows."""
    ours(pasta)
    att, log = start(attach_pasta, tmp, "-a", "198.51.100.50/24")
    assert ns_addrs(att, 4) == ["198.51.100.50/24"]
    replace_v4()
    host("route", "replace", "default", "via", GW4_ALT, "dev", T.HOST_IF)
    assert follows(lambda: ns_default(att, 4) == [GW4_ALT]) is not None
    assert stays(lambda: ns_addrs(att, 4) == ["198.51.100.50/24"], 1)


def test_pinned_gateway(host_back, attach_pasta, tmp, pasta):
    """-g: the default route stays via the given gateway, the address
    follows."""
    ours(pasta)
    att, log = start(attach_pasta, tmp, "-g", T.GW4)
    host("route", "replace", "default", "via", GW4_ALT, "dev", T.HOST_IF)
    replace_v4()
    host("route", "replace", "default", "via", GW4_ALT, "dev", T.HOST_IF)
    assert follows(lambda: ns_addrs(att, 4) == [NEW4 + "/24"]) is not None
    assert stays(lambda: ns_default(att, 4) == [T.GW4], 1)


def test_pinned_mtu(host_back, attach_pasta, tmp, pasta):
    """-m: the namespace keeps the given MTU through a change."""
    ours(pasta)
    att, log = start(attach_pasta, tmp, "-m", "1400")
    assert ns_mtu(att) == 1400
    host("link", "set", T.HOST_IF, "mtu", "1300")
    replace_v4()
    assert follows(lambda: ns_addrs(att, 4) == [NEW4 + "/24"]) is not None
    assert ns_mtu(att) == 1400


def test_host_mtu_not_copied(host_back, attach_pasta, tmp, pasta):
    """The namespace's MTU never came from the host (65520 by default, as
    upstream's): a host MTU change leaves it alone (doc/follow.md)."""
    ours(pasta)
    att, log = start(attach_pasta, tmp)
    assert ns_mtu(att) == T.MTU_DEFAULT
    host("link", "set", T.HOST_IF, "mtu", "1280")
    replace_v4()        # something the namespace does follow, meanwhile
    assert follows(lambda: ns_addrs(att, 4) == [NEW4 + "/24"]) is not None
    assert ns_mtu(att) == T.MTU_DEFAULT


def ns_route_mtu(att, family=4):
    """MTU metric of the namespace's default route (None without one)."""
    j = ns_json(att.netns, "-%d" % family, "route", "show", "default")
    for r in j:
        for m in r.get("metrics", []):
            if isinstance(m, dict) and "mtu" in m:
                return m["mtu"]
    return None


def test_route_mtu_copied_at_start(host_back, attach_pasta, tmp, pasta):
    """A route MTU of the host (`ip route ... mtu N`, RTA_METRICS) is copied
    with its route at start, as upstream copies routes as they are."""
    # Debian 13's upstream copies the route messages as they are, metrics
    # included (checked in its root: test_route_mtu_copied_at_start_deb13);
    # Debian 12's sets a default route via the gateway, without metrics
    if deb13_env.in_root(pasta) is not None:
        pytest.skip("Debian 13's upstream needs its root to run")
    T.skip_on_reference(pasta, "Debian 12's pasta copies no route metrics")
    host("route", "replace", "default", "via", T.GW4, "dev", T.HOST_IF,
         "mtu", "1400")
    att, _ = start(attach_pasta, tmp)
    assert T.wait_for(lambda: ns_route_mtu(att) == 1400, 2), \
        ns_json(att.netns, "-4", "route", "show", "default")
    assert ns_mtu(att) == T.MTU_DEFAULT


def test_route_mtu_copied_at_start_deb13(host_back):
    """The same inside Debian 13's root, where its upstream pasta can run
    too (PASTA=<root>/usr/bin/pasta): it copies routes as they are,
    metrics included, and so do we."""
    T.skip_on_reference(T.tool_path("pasta"), "Debian 12's pasta copies no "
                        "route metrics")
    env = deb13_env.start_or_skip(host_back, clients=["/usr/bin/ip"],
                                  tools=["pasta"])
    try:
        host("route", "replace", "default", "via", T.GW4, "dev",
             T.HOST_IF, "mtu", "1400")
        r = env.run([deb13_env.tool("pasta"), "--config-net", "-4", "--",
                     "ip", "-j", "-4", "route", "show", "default"],
                    user=True, timeout=30)
    finally:
        env.stop()
    assert r.returncode == 0, (r.stdout, r.stderr)
    routes = json.loads(r.stdout)
    mtus = [m["mtu"] for rt in routes for m in rt.get("metrics", [])
            if isinstance(m, dict) and "mtu" in m]
    assert mtus == [1400], routes


def test_route_mtu_followed(host_back, attach_pasta, tmp, pasta):
    """The host's default route gets an MTU, loses it: the namespace's
    copied default route follows; the link MTU stays."""
    ours(pasta)
    att, log = start(attach_pasta, tmp)
    assert ns_route_mtu(att) is None
    host("route", "change", "default", "via", T.GW4, "dev", T.HOST_IF,
         "mtu", "1400")
    took = follows(lambda: ns_route_mtu(att) == 1400)
    assert took is not None, ns_json(att.netns, "-4", "route", "show",
                                     "default")
    print("route MTU followed in %.3f s" % took)
    assert ns_default(att, 4) == [T.GW4]
    assert ns_mtu(att) == T.MTU_DEFAULT
    host("route", "change", "default", "via", T.GW4, "dev", T.HOST_IF)
    assert follows(lambda: ns_route_mtu(att) is None) is not None
    assert ns_default(att, 4) == [T.GW4]


@pytest.mark.parametrize("pin", [None, "1400"], ids=["default", "pinned"])
def test_host_mtu_lowered_stream(host_back, attach_pasta, tmp, procs, pasta,
                                 pin):
    """The host's link MTU drops (both ends of the link) during a stream:
    the namespace keeps its link MTU (65520, or -m) and the stream its
    bytes."""
    ours(pasta)
    att, _ = start(attach_pasta, tmp, *(["-m", pin] if pin else []))
    want = int(pin) if pin else T.MTU_DEFAULT
    assert ns_mtu(att) == want
    port = next(_ports)
    nbytes = 32 * T.MIB
    srv = T.start_peer(procs, host_back.remote, "listen", T.REMOTE4, port,
                       tmp, send=nbytes, seed=2, deadline=60, pause_read=1)
    cli = procs.popen(["ip", "netns", "exec", att.netns] +
                      T.peer_argv("connect", T.REMOTE4, port, send=nbytes,
                                  seed=1, deadline=60))
    try:
        time.sleep(0.3)
        T.sh(["ip", "-n", host_back.remote, "link", "set", T.REMOTE_IF,
              "mtu", "1280"])
        host("link", "set", T.HOST_IF, "mtu", "1280")
        ns = T.peer_result(cli, 60)
        rem = T.peer_result(srv, 15)
    finally:
        T.run(["ip", "-n", host_back.remote, "link", "set", T.REMOTE_IF,
               "mtu", "1500"])
    assert ns["sent"] == nbytes and rem["recv"] == nbytes, (ns, rem)
    assert rem["recv_sha"] == ns["sent_sha"]
    assert ns["recv_sha"] == rem["sent_sha"]
    assert stays(lambda: ns_mtu(att) == want, 0.5)


def netlink_groups(pid):
    """Multicast groups of @pid's netlink sockets (of the host namespace)."""
    inodes = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            m = re.fullmatch(r"socket:\[(\d+)\]",
                             os.readlink("/proc/%d/fd/%s" % (pid, fd)))
        except OSError:
            continue
        if m:
            inodes.add(m.group(1))
    out = T.sh(["ip", "netns", "exec", _topo.host, "cat",
                "/proc/net/netlink"])
    groups = []
    for line in out.splitlines()[1:]:
        f = line.split()
        if len(f) >= 10 and f[-1] in inodes and f[1] == "0":
            groups.append(int(f[3], 16))
    return groups


def test_no_follow_host(host_back, attach_pasta, tmp, pasta):
    """--no-follow-host: no watch at all, the namespace keeps the start's
    picture."""
    ours(pasta)
    att, log = start(attach_pasta, tmp, "--no-follow-host")
    assert not [g for g in netlink_groups(att.pasta_pid) if g], \
        "a netlink socket subscribed to notifications"
    replace_v4()
    assert stays(lambda: ns_addrs(att, 4) == [T.HOST4 + "/24"])
    assert not log_lines(log, "Host ")


def test_watch_subscribed(host_back, attach_pasta, tmp, pasta):
    ours(pasta)
    att, log = start(attach_pasta, tmp)
    want = 0x1 | 0x10 | 0x40 | 0x100 | 0x400   # RTMGRP_LINK .. IPV6_ROUTE
    assert want in netlink_groups(att.pasta_pid)


def switches(pid):
    return (T.proc_status(pid, "voluntary_ctxt_switches") +
            T.proc_status(pid, "nonvoluntary_ctxt_switches"))


def rest_switches(pid, secs=3.0):
    time.sleep(0.5)
    a = switches(pid)
    time.sleep(secs)
    return switches(pid) - a


def test_no_wakeups_at_rest(host_back, attach_pasta, tmp, pasta):
    """With nothing changing, following costs no wake-up."""
    ours(pasta)
    on, _ = start(attach_pasta, tmp)
    off = attach_pasta("--config-net", "--no-follow-host")
    n_on, n_off = rest_switches(on.pasta_pid), rest_switches(off.pasta_pid)
    print("context switches in 3 s at rest: following %d, not %d"
          % (n_on, n_off))
    assert n_on <= n_off + 1, (n_on, n_off)


def test_tcp_through_staying_address(host_back, attach_pasta, tmp, procs,
                                     pasta):
    """A connection over IPv6 streams on, hashes equal, while the IPv4
    address is replaced under it."""
    ours(pasta)
    att, log = start(attach_pasta, tmp)
    port = next(_ports)
    nbytes = 32 * T.MIB
    srv = T.start_peer(procs, host_back.remote, "listen", "::", port, tmp,
                       send=nbytes, seed=2, deadline=60, pause_read=2)
    cli = procs.popen(["ip", "netns", "exec", att.netns] +
                      T.peer_argv("connect", T.REMOTE6, port, send=nbytes,
                                  seed=1, deadline=60))
    time.sleep(0.5)
    replace_v4()
    assert follows(lambda: ns_addrs(att, 4) == [NEW4 + "/24"]) is not None
    ns = T.peer_result(cli, 60)
    rem = T.peer_result(srv, 15)
    assert ns["sent"] == nbytes and rem["recv"] == nbytes, (ns, rem)
    assert rem["recv_sha"] == ns["sent_sha"]
    assert ns["recv_sha"] == rem["sent_sha"]


@pytest.mark.parametrize("tool", ["passt", "pasta"])
def test_logged_without_config_net(host_back, attach_pasta, tmp, procs,
                                   tool):
    """passt, and pasta without --config-net: the change is seen and
    logged as passed on to the guest (test_follow_guest.py checks that it
    is, with real clients; doc/follow.md)."""
    path = T.tool_path(tool)
    T.need(os.access(path, os.X_OK), tool + " not built")
    ours(path)
    log = tmp / ("%s.log" % tool)
    if tool == "passt":
        sock = tmp / "passt.socket"
        topo_ = host_back
        topo_.popen_as_user_in_host(procs, [path, "-f", "-s", sock, "-l",
                                            log] + T.NO_FWD[:4])
        assert T.wait_for(sock.exists, 5), "passt didn't start"
    else:
        attach_pasta("-l", log)
    assert T.wait_for(lambda: log_lines(log, "passt|pasta"), 5)
    replace_v4()
    assert T.wait_for(lambda: log_lines(
        log, r"Host address changed: 198\.51\.100\.1/24 -> "
             r"198\.51\.100\.7/24, passed on to the guest at its next "
             r"DHCP renewal"), DEADLINE)


@pytest.mark.parametrize("via", ["loopback", "remote"])
def test_inbound_after_change(host_back, attach_pasta, tmp, procs, pasta,
                              via):
    """-t forwarding reaches the namespace at its new address after the
    change: from the host's loopback (spliced into the namespace, to its
    own address) and from remote (through the tap, to the guest's)."""
    ours(pasta)
    port = next(_ports)
    log = tmp / "pasta.log"
    att = attach_pasta("--config-net", "-l", log,
                       fwd=T.fwd_args(tcp=[port]))
    replace_v4()
    assert follows(lambda: ns_addrs(att, 4) == [NEW4 + "/24"]) is not None
    nbytes = 1 * T.MIB
    srv = T.start_peer(procs, att.netns, "listen", "0.0.0.0", port, tmp,
                       send=nbytes, seed=2, deadline=30)
    where, dst = ((host_back.host, "127.0.0.1") if via == "loopback"
                  else (host_back.remote, NEW4))
    cli = procs.popen(["ip", "netns", "exec", where] +
                      T.peer_argv("connect", dst, port, send=nbytes, seed=1,
                                  deadline=30))
    ns = T.peer_result(srv, 30)
    peer = T.peer_result(cli, 30)
    assert ns["recv"] == nbytes and peer["recv"] == nbytes, (ns, peer)
    assert ns["recv_sha"] == peer["sent_sha"]
