# SPDX-License-Identifier: GPL-2.0-or-later
"""test_follow_family.py - a family off at start for lack of a host route
comes on when the host gets one (doc/follow.md, "A family off at start").

The topology's `host` namespace loses its IPv6 address and default route
before pasta starts, as a laptop on an IPv4-only network: pasta starts
with IPv6 off, as upstream does ("No IPv6 default route: IPv6 disabled"),
and the namespace has no global IPv6. Then the host gets its IPv6 address
and default route back, and:

- pasta --config-net: within 2 s the namespace has the address and the
  default route, a TCP connection over IPv6 to the remote carries 256 KiB
  each way with equal hashes, and so does an inbound one through -t (the
  listener was opened at start);
- pasta without --config-net, kernel SLAAC in the namespace: an
  unsolicited router advertisement gives it an address in the prefix
  within 2 s, and a TCP connection over it works; the same with passt
  and a kernel guest.

With -4, or with --no-follow-host, IPv6 stays off: those run against the
reference builds too (upstream never turns a family on; it doesn't know
--no-follow-host, which is left out there). Coming on is ours only: no
upstream version follows the host.
"""

import pytest

import deb13_env
import topo as T
from test_follow import (host, host_back, host_try, ns_addrs,  # noqa: F401
                         ns_default, ours, stays, follows, log_lines)
from guest_bridge import passt, passt_guest  # noqa: F401 (fixtures)
from test_follow_guest import exchange, slaac

PORT_IN = 17290
PORT_OUT = 17291
N = 256 * 1024


def host_v6_off():
    """The host as on an IPv4-only network: no IPv6 address or default
    route on ext0 (host_back puts them back)."""
    host_try("-6", "route", "del", "default")
    host("-6", "addr", "del", T.HOST6 + "/64", "dev", T.HOST_IF)


def host_v6_on():
    """The host joins a dual-stack network."""
    host("-6", "addr", "add", T.HOST6 + "/64", "dev", T.HOST_IF, "nodad")
    host("-6", "route", "replace", "default", "via", T.GW6, "dev",
         T.HOST_IF)


def start(attach_pasta, tmp, *args, fwd=None):
    log = tmp / "pasta.log"
    att = attach_pasta("-l", log, *args, fwd=fwd)
    return att, log


def outbound(procs, tmp, topo, att, dst):
    """The namespace connects to the remote at @dst: N bytes each way."""
    exchange(procs, tmp, topo.remote, dst, att.netns, dst, PORT_OUT, N)


def inbound(procs, tmp, topo, att, dst):
    """The remote connects to the host's @dst:PORT_IN, forwarded by -t to
    a listener in the namespace: N bytes each way."""
    exchange(procs, tmp, att.netns, "::", topo.remote, dst, PORT_IN, N)


def test_v6_comes_on_config_net(host_back, attach_pasta, procs, tmp,
                                pasta):
    """--config-net: the namespace gets the host's IPv6 address and route
    when the host does; traffic both ways over IPv6 works."""
    ours(pasta)
    host_v6_off()
    att, log = start(attach_pasta, tmp, "--config-net",
                     fwd=T.fwd_args(tcp=[PORT_IN]))
    assert T.wait_for(lambda: ns_addrs(att, 4), 2)
    # the start as before: IPv6 off, the same line, no global address
    assert log_lines(log, "No IPv6 default route: IPv6 disabled")
    assert ns_addrs(att, 6) == [] and ns_default(att, 6) == []

    host_v6_on()
    took = follows(lambda: ns_addrs(att, 6) == [T.HOST6 + "/64"] and
                   ns_default(att, 6) == [T.GW6])
    assert took is not None, (ns_addrs(att, 6), ns_default(att, 6))
    print("IPv6 came on in the namespace in %.3f s" % took)
    assert T.wait_for(lambda: log_lines(
        log, r"Host has IPv6 now: 2001:db8:1::1/64 via 2001:db8:1::fe on "
             r"ext0, IPv6 enabled, namespace updated"), 1)
    assert ns_addrs(att, 4) == [T.HOST4 + "/24"], "IPv4 changed"
    outbound(procs, tmp, host_back, att, T.REMOTE6)
    inbound(procs, tmp, host_back, att, T.HOST6)

    # the host between two networks again: the namespace keeps IPv6
    host("-6", "route", "del", "default")
    assert stays(lambda: ns_addrs(att, 6) == [T.HOST6 + "/64"], 1)


def slaac_comes_on(topo, procs, tmp, g, what):
    """@g, a guest whose tap is up (pasta's namespace, passt's bridged
    one), gets no prefix while the host has no IPv6, then a SLAAC address
    and a default route within 2 s of the host getting it; a TCP
    connection over IPv6 to the remote works."""
    assert T.wait_for(lambda: T.ll_ready(topo, g.netns, g.ifname), 5,
                      0.1), "link-local address still tentative"
    # its router solicitations go unanswered, as before
    assert stays(lambda: slaac(g, T.PREFIX6) is None, 1)
    host_v6_on()
    took = follows(lambda: slaac(g, T.PREFIX6) is not None)
    assert took is not None, T.sh(["ip", "-n", g.netns, "addr"])
    print("%s: SLAAC address after IPv6 came on: %.3f s" % (what, took))
    assert T.wait_for(lambda: ns_default(g, 6), 2)
    outbound(procs, tmp, topo, g, T.REMOTE6)


def test_v6_comes_on_slaac(host_back, attach_pasta, procs, tmp, pasta):
    """Without --config-net: the kernel's SLAAC in the namespace gets the
    prefix from the router advertisement sent when IPv6 comes on."""
    ours(pasta)
    host_v6_off()
    att, log = start(attach_pasta, tmp)
    slaac_comes_on(host_back, procs, tmp, att, "pasta")
    assert "Router advertisement sent" in log.read_text()


def test_v6_comes_on_passt(host_back, passt_guest, procs, tmp):
    """passt, a kernel guest: the same router advertisement, through
    qemu's socket (guest_bridge.py)."""
    ours(T.tool_path("passt"))
    host_v6_off()
    g = passt_guest(configure=False)
    slaac_comes_on(host_back, procs, tmp, g, "passt")


def test_v4_comes_on_config_net(host_back, attach_pasta, procs, tmp,
                                pasta):
    """IPv4 off at start because the interface of the default route has no
    IPv4 address ("No IPv4 address on ext0: IPv4 disabled"): it comes on
    with the address."""
    ours(pasta)
    host("addr", "del", T.HOST4 + "/24", "dev", T.HOST_IF)
    host("route", "replace", "198.51.100.0/24", "dev", T.HOST_IF)
    host("route", "replace", "default", "via", T.GW4, "dev", T.HOST_IF)
    att, log = start(attach_pasta, tmp, "--config-net")
    assert T.wait_for(lambda: ns_addrs(att, 6), 2)
    assert log_lines(log, "No IPv4 address on ext0: IPv4 disabled")
    assert ns_addrs(att, 4) == [] and ns_default(att, 4) == []

    host("addr", "add", T.HOST4 + "/24", "dev", T.HOST_IF)
    took = follows(lambda: ns_addrs(att, 4) == [T.HOST4 + "/24"] and
                   ns_default(att, 4) == [T.GW4])
    assert took is not None, (ns_addrs(att, 4), ns_default(att, 4))
    print("IPv4 came on in the namespace in %.3f s" % took)
    assert log_lines(log, "Host has IPv4 now")
    outbound(procs, tmp, host_back, att, T.REMOTE4)


@pytest.mark.parametrize("opt", ["-4", "--no-follow-host"])
def test_v6_stays_off(host_back, attach_pasta, tmp, pasta, opt):
    """-4 turned IPv6 off; --no-follow-host copies the host once: either
    way IPv6 stays off when the host gets it (upstream: the same)."""
    if deb13_env.in_root(pasta) is not None:
        pytest.skip("Debian 13's pasta runs in its root only (deb13_env), "
                    "which attach_pasta doesn't use")
    args = ["--config-net"]
    if opt == "-4" or not T.is_reference(pasta):
        args.append(opt)
    host_v6_off()
    att, log = start(attach_pasta, tmp, *args)
    assert T.wait_for(lambda: ns_addrs(att, 4), 2)
    host_v6_on()
    assert stays(lambda: ns_addrs(att, 6) == [] and
                 ns_default(att, 6) == [], 2), ns_addrs(att, 6)
