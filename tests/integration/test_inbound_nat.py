# SPDX-License-Identifier: GPL-2.0-or-later
"""test_inbound_nat.py - how a peer on the host looks to the guest
(issue 13, item 2; flow/nat.c nat_inbound()).

podman runs pasta with --no-map-gw --map-guest-addr 169.254.1.2 (compat.md
2.3).  A connection to a published port from the host's own address must
reach the container from an address that means "the host" there, so that
answers and new connections to it reach the host: 169.254.1.2 for IPv4,
and for IPv6 (no --map-guest-addr of that family) our own link-local
address, the one our router advertisements come from.  Upstream's rules
(2025-2026, checked on Debian 13's pasta): 127.0.0.1/::1 show as
--map-host-loopback if set, the guest's own address as --map-guest-addr
if set, any other address the guest couldn't answer as it is as our
tap-side address (the gateway, our link-local address), the rest as they
are; a link-local source goes to the guest's link-local address.

pasta runs attached to a user namespace with --config-net (the namespace
has the host's addresses); tag_peer.py answers inside it and reports the
peer and the local address it saw; clients run as root in `host`, bound
to the host's own addresses.  Checked:

* podman's options: from the host's IPv4 address the namespace sees
  169.254.1.2, from its IPv6 address our link-local address (reaching the
  namespace's link-local address), TCP and UDP, data both ways; a new
  connection or datagram from the namespace to 169.254.1.2 reaches the
  host's own address;
* rootlesskit's (--no-map-gw) and the defaults (libvirt, qemu): the
  gateway and our link-local address;
* --no-splice: 127.0.0.1 and ::1 show as the gateway (no host-loopback
  address with --no-map-gw) and our link-local address; with splicing
  (the default) they come from the namespace's own address, unchanged;
* passt (guest_bridge.py's kernel guest) with podman's options: the same
  addresses, our link-local address being the guest's IPv6 router.
"""

import itertools
import re
import socket

import pytest

import guest_bridge as G
import topo as T
from guest_bridge import passt, passt_guest  # noqa: F401,F811 (fixtures)

_ports = itertools.count(28500)
PODMAN = ["--no-map-gw", "--map-guest-addr", "169.254.1.2"]
ROOTLESSKIT = ["--no-map-gw"]
HOST = {"v4": T.HOST4, "v6": T.HOST6}
LO = {"v4": "127.0.0.1", "v6": "::1"}

# From the namespace's link-local address, once it is usable: what pasta
# learns the guest's link-local address from (its kernel does the same
# with router solicitations and MLD reports, a second or so later)
HELLO_LL = r"""
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.sendto(b"hello", ("ff02::1%" + sys.argv[1], 9))
"""


def fwd(proto, port):
    return T.fwd_args(tcp=[port]) if proto == "tcp" else \
        T.fwd_args(udp=[port])


def our_ll(stderr):
    """pasta's link-local address, from its start-up summary."""
    m = re.search(r"^\s+our link-local: (\S+)$", stderr, re.M)
    assert m, stderr
    return m.group(1)


def attach(topo, attach_pasta, opts, fwd_args):
    """pasta --config-net @opts, its namespace's link-local address usable
    and known to pasta; returns (Attached, pasta's link-local address)."""
    att = attach_pasta("--config-net", *opts, fwd=fwd_args)
    assert T.wait_for(lambda: T.ll_ready(topo, att.netns, att.ifname), 5,
                      0.1), "no link-local address in the namespace"
    topo.in_ns(att.netns, [T.PY, "-c", HELLO_LL, att.ifname])
    return att, our_ll(att.result.stderr)


def seen_from(topo, procs, tmp, att, proto, port, addr, bind=None):
    """Ask the namespace's tag server on @port from `host` (@addr, from
    @bind): the answer, checked for data both ways."""
    T.serve_tag(procs, att.netns, "::", port, "ns", tmp, proto, v6only=0)
    res = T.ask_tag(topo.host, addr, port, proto, bind=bind)
    assert res.get("tag") == "ns" and res["echo"], res
    return res


def is_ll(addr):
    return socket.inet_pton(socket.AF_INET6, addr)[:2] == b"\xfe\x80"


@pytest.mark.ours_only("--map-guest-addr and our link-local address as "
                       "the host are newer than Debian 12's pasta")
@pytest.mark.parametrize("proto", ["tcp", "udp"])
@pytest.mark.parametrize("fam", ["v4", "v6"])
def test_podman_host_address_seen_as_host(topo, procs, tmp, attach_pasta,
                                          proto, fam):
    port = next(_ports)
    att, ll = attach(topo, attach_pasta, PODMAN, fwd(proto, port))
    res = seen_from(topo, procs, tmp, att, proto, port, HOST[fam],
                    bind=HOST[fam])
    if fam == "v4":
        assert res["peer"] == "169.254.1.2", res
    else:
        assert res["peer"] == ll, (res, ll)
        # upstream's choice: a link-local peer meets a link-local address
        assert is_ll(res["local"]), res


@pytest.mark.ours_only("--map-guest-addr is newer than Debian 12's pasta")
@pytest.mark.parametrize("proto", ["tcp", "udp"])
def test_podman_new_flow_to_mapped_address_reaches_host(topo, procs, tmp,
                                                        attach_pasta, proto):
    port = next(_ports)
    T.serve_tag(procs, topo.host, T.HOST4, port, "host", tmp, proto)
    att, _ = attach(topo, attach_pasta, PODMAN, T.fwd_args())
    res = T.ask_tag(att.netns, "169.254.1.2", port, proto)
    assert res.get("tag") == "host" and res["echo"], res
    assert res["local"] == T.HOST4, res


@pytest.mark.parametrize("opts", [ROOTLESSKIT, []],
                         ids=["rootlesskit", "defaults"])
@pytest.mark.parametrize("fam", ["v4", "v6"])
def test_host_address_seen_as_ours(topo, procs, tmp, attach_pasta, opts,
                                   fam):
    port = next(_ports)
    att, ll = attach(topo, attach_pasta, opts, fwd("tcp", port))
    res = seen_from(topo, procs, tmp, att, "tcp", port, HOST[fam],
                    bind=HOST[fam])
    assert res["peer"] == {"v4": T.GW4, "v6": ll}[fam], (res, ll)


@pytest.mark.ours_only("our link-local address as the host's IPv6 is newer "
                       "than Debian 12's pasta")
@pytest.mark.parametrize("proto", ["tcp", "udp"])
@pytest.mark.parametrize("fam", ["v4", "v6"])
def test_no_splice_loopback_podman(topo, procs, tmp, attach_pasta, proto,
                                   fam):
    port = next(_ports)
    att, ll = attach(topo, attach_pasta, PODMAN + ["--no-splice"],
                     fwd(proto, port))
    res = seen_from(topo, procs, tmp, att, proto, port, LO[fam])
    assert res["peer"] == {"v4": T.GW4, "v6": ll}[fam], (res, ll)


@pytest.mark.ours_only("Debian 12's pasta splices to the namespace's "
                       "loopback address (test_splice.py)")
@pytest.mark.parametrize("opts", [PODMAN, ROOTLESSKIT],
                         ids=["podman", "rootlesskit"])
@pytest.mark.parametrize("proto", ["tcp", "udp"])
@pytest.mark.parametrize("fam", ["v4", "v6"])
def test_spliced_loopback_unaffected(topo, procs, tmp, attach_pasta, opts,
                                     proto, fam):
    """Splicing (the default) bypasses the translation: the namespace
    sees its own address."""
    port = next(_ports)
    att, _ = attach(topo, attach_pasta, opts, fwd(proto, port))
    res = seen_from(topo, procs, tmp, att, proto, port, LO[fam])
    assert res["peer"] == HOST[fam], res


def guest_router6(topo, g):
    """The guest's IPv6 default router: the source of passt's RA."""
    out = topo.in_ns(g.netns, ["ip", "-6", "route", "show",
                               "default"]).stdout
    m = re.search(r"default via (\S+)", out)
    assert m, out
    return m.group(1)


@pytest.mark.ours_only("--map-guest-addr is newer than Debian 12's passt")
@pytest.mark.parametrize("proto", ["tcp", "udp"])
@pytest.mark.parametrize("fam", ["v4", "v6"])
def test_passt_podman_options(topo, procs, tmp, passt_guest, proto, fam):
    port = next(_ports)
    g = passt_guest(*PODMAN, fwd=G.passt_fwd(tcp=[port]) if proto == "tcp"
                    else G.passt_fwd(udp=[port]))
    T.serve_tag(procs, g.netns, "::", port, "guest", tmp, proto, v6only=0)
    res = T.ask_tag(topo.host, HOST[fam], port, proto, bind=HOST[fam])
    assert res.get("tag") == "guest" and res["echo"], res
    if fam == "v4":
        assert res["peer"] == "169.254.1.2", res
    else:
        assert res["peer"] == guest_router6(topo, g), res
        assert is_ll(res["local"]), res
