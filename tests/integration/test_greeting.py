# SPDX-License-Identifier: GPL-2.0-or-later
"""test_greeting.py - a new guest is asked for its MAC first (compat.md 4.1).

When qemu connects to passt, and when pasta has brought its tap up
(--config-net), they send an ARP request for the guest's IPv4 address (from
our MAC and the gateway's address) and a neighbour solicitation for its IPv6
address (from our link-local address, with our MAC): the guest answers with
its MAC and, as any host that is asked, keeps ours. Checked here:

* pasta --config-net: the command finds our MAC in the namespace's
  neighbour table for the gateway and our link-local address before it has
  sent anything, and a -p capture starts with exactly these two frames;
  --no-ndp, --no-icmp and -4 leave the solicitation out, -6 the request;
  without --config-net the tap is down and nothing is sent;
* passt: a stream client (qemu) receives them as its first two frames, on
  every new connection, and with --fd.
"""

import json
import os
import shutil
import socket
import struct

import pytest

import guest_bridge as G
import topo as T
from guest_bridge import passt  # noqa: F401 (fixture)

OUR_MAC = "9a:55:9a:55:9a:55"
BCAST = "ff:ff:ff:ff:ff:ff"
OUR_LL6 = "fe80::1"
SNM6 = "ff02::1:ff00:1"          # solicited-node group of 2001:db8:1::1
SNM6_MAC = "33:33:ff:00:00:01"
ARP_REQUEST, ICMP6_NS = 1, 135
GREETED = pytest.mark.ours_only("2023 pasta sends nothing first")


def neighbours(topo, pasta, *args):
    """`ip -j neigh` as the command pasta --config-net starts: {dst: entry}"""
    r = topo.run_as_user_in_host([pasta, "--config-net"] + T.NO_FWD +
                                 list(args) +
                                 ["--", "ip", "-j", "neigh", "show"])
    assert r.returncode == 0, r.stderr
    return {n["dst"]: n for n in json.loads(r.stdout or "[]")}


@GREETED
def test_pasta_neighbours_known_before_the_command_speaks(topo, pasta):
    n = neighbours(topo, pasta)
    assert n.get(T.GW4, {}).get("lladdr") == OUR_MAC, n
    assert n.get(OUR_LL6, {}).get("lladdr") == OUR_MAC, n


def tshark_fields(pcap, *fields):
    """One list of @fields per frame of @pcap, in order."""
    T.need(shutil.which("tshark") is not None, "tshark is not installed")
    args = ["tshark", "-n", "-r", str(pcap), "-T", "fields",
            "-E", "separator=|"]
    for f in fields:
        args += ["-e", f]
    r = T.run(args, timeout=30, env=dict(os.environ, HOME=str(pcap.parent)))
    assert r.returncode == 0, r.stderr
    return [ln.split("|") for ln in r.stdout.splitlines()]


FIELDS = ("eth.src", "eth.dst", "arp.opcode", "arp.src.hw_mac",
          "arp.src.proto_ipv4", "arp.dst.proto_ipv4", "ipv6.src",
          "ipv6.dst", "icmpv6.type", "icmpv6.nd.ns.target_address",
          "icmpv6.opt.linkaddr")
ARP = [BCAST, str(ARP_REQUEST), OUR_MAC, T.GW4, T.HOST4] + [""] * 5
NS = [SNM6_MAC, "", "", "", "", OUR_LL6, SNM6, str(ICMP6_NS), T.HOST6,
      OUR_MAC]


def ours(frame, want):
    """@frame (tshark fields) is from our MAC and matches @want."""
    return frame[0] == OUR_MAC and frame[1:] == want


def capture(topo, pasta, tmp, *args):
    pcap = tmp / "greet.pcap"
    r = topo.run_as_user_in_host([pasta, "--config-net", "-p", pcap] +
                                 T.NO_FWD + list(args) + ["--", "true"])
    assert r.returncode == 0, r.stderr
    return tshark_fields(pcap, *FIELDS)


@GREETED
def test_pasta_capture_starts_with_arp_request_and_ns(topo, pasta, tmp):
    frames = capture(topo, pasta, tmp)
    assert len(frames) >= 2, frames
    assert ours(frames[0], ARP), frames[0]
    assert ours(frames[1], NS), frames[1]


@GREETED
@pytest.mark.parametrize("args,arp,ns", [
    (("--no-ndp",), True, False),
    (("--no-icmp",), True, False),
    (("-4",), True, False),
    (("-6",), False, True)])
def test_pasta_greeting_follows_families_and_ndp(topo, pasta, tmp, args,
                                                 arp, ns):
    frames = capture(topo, pasta, tmp, *args)
    assert any(ours(f, ARP) for f in frames) == arp, frames
    assert any(ours(f, NS) for f in frames) == ns, frames
    assert ours(frames[0], ARP if arp else NS), frames


def test_pasta_without_config_net_sends_nothing_first(topo, tmp,
                                                      attach_pasta):
    pcap = tmp / "down.pcap"
    attach_pasta("-p", pcap)    # the fixture brings the tap up: the
    # namespace speaks first (router solicitation, MLD reports)
    assert T.wait_for(lambda: len(tshark_fields(pcap, *FIELDS)) >= 2, 10)
    frames = tshark_fields(pcap, *FIELDS)
    assert frames[0][0] != OUR_MAC, frames
    assert not any(ours(f, ARP) or ours(f, NS) for f in frames), frames


# -- passt ---------------------------------------------------------------------
def parse_greeting(f):
    """"arp" or "ns" for the frames of the greeting, else None; checks
    them byte by byte."""
    mac = G.mac_bytes(OUR_MAC)
    assert len(f) >= 60, "unpadded frame of %d bytes" % len(f)
    etype = struct.unpack_from("!H", f, 12)[0]
    if etype == 0x0806 and f[6:12] == mac:
        assert f[0:6] == b"\xff" * 6
        assert f[14:22] == bytes.fromhex("0001080006040001")
        assert f[22:28] == mac
        assert socket.inet_ntoa(f[28:32]) == T.GW4
        assert f[32:38] == b"\0" * 6
        assert socket.inet_ntoa(f[38:42]) == T.HOST4
        return "arp"
    if etype == 0x86dd and f[20] == 58 and f[54] == ICMP6_NS:
        assert f[0:6] == G.mac_bytes(SNM6_MAC) and f[6:12] == mac
        assert socket.inet_ntop(socket.AF_INET6, f[22:38]) == OUR_LL6
        assert socket.inet_ntop(socket.AF_INET6, f[38:54]) == SNM6
        assert f[21] == 255
        assert socket.inet_ntop(socket.AF_INET6, f[62:78]) == T.HOST6
        assert f[78:80] == b"\x01\x01" and f[80:86] == mac
        return "ns"
    return None


def first_two(c):
    return [parse_greeting(c.recv_frame()) for _ in range(2)]


@pytest.fixture
def passt_ours(passt):  # noqa: F811
    T.skip_on_reference(passt, "2023 passt sends nothing first")
    return passt


def test_passt_client_gets_arp_request_and_ns_first(topo, procs, tmp,
                                                    passt_ours):
    sock = str(tmp / "passt.socket")
    p = G.start_passt(topo, procs, passt_ours, sock)
    for _ in range(2):     # each new client
        c = G.StreamClient(sock)
        assert first_two(c) == ["arp", "ns"]
        c.close()
    c = G.StreamClient(sock)
    assert first_two(c) == ["arp", "ns"]
    assert c.dhcp_offer()["yiaddr"] == T.HOST4
    c.close()
    assert p.poll() is None


def test_passt_no_ndp_sends_arp_request_only(topo, procs, tmp, passt_ours):
    sock = str(tmp / "passt.socket")
    G.start_passt(topo, procs, passt_ours, sock, ["--no-ndp"])
    c = G.StreamClient(sock)
    assert parse_greeting(c.recv_frame()) == "arp"
    with pytest.raises(socket.timeout):
        c.recv_frame(timeout=1)
    c.close()


def test_passt_fd_client_greeted(topo, procs, tmp, passt_ours):
    ours_end, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    p = topo.popen_as_user_in_host(
        procs, [passt_ours, "-f", "-q", "--fd", theirs.fileno()] +
        G.passt_fwd(), pass_fds=(theirs.fileno(),))
    theirs.close()
    c = G.StreamClient(sock=ours_end)
    assert first_two(c) == ["arp", "ns"]
    c.close()
    p.wait(timeout=10)
    assert p.returncode == 0
