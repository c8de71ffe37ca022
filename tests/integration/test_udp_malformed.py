# SPDX-License-Identifier: GPL-2.0-or-later
"""test_udp_malformed.py - malformed UDP, ICMP and ICMPv6 frames on the tap.

Run by pytest, this file starts pasta attached to a namespace and then runs
itself as a script (`ip netns exec NS python3 test_udp_malformed.py ...`):
the script builds valid UDP datagrams (numbered payloads, see udp_peer.py)
and echo requests with scapy, derives broken variants (cut at many lengths,
UDP and IP length fields that disagree with the frame, bad header lengths,
fragments, bad checksums, IPv6 extension header trouble, impossible source
and destination addresses, ICMP headers shorter than 8 bytes, echo replies
and errors sent by the guest...) and writes them with an AF_PACKET socket on
the tap, which hands them to pasta.  A valid datagram written the same way
at the end proves the frames did reach pasta.

Afterwards pasta must be alive; everything that reached the recorder in
remote must be bytes the namespace sent (a prefix of the payload it put in
the frame: nothing read past the end of a frame, no stale buffer), and a
following UDP exchange and ping (IPv4 and IPv6) must work.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
H4, R4 = "198.51.100.1", "198.51.100.2"
H6, R6 = "2001:db8:1::1", "2001:db8:1::2"
CONTROL4, CONTROL6 = 900001, 900002
SIZE = 300


def _udp_frames(eth, port, body):
    """(name, bytes) list of broken UDP/IPv4 and UDP/IPv6 frames."""
    from scapy.all import (IP, UDP, IPv6, IPv6ExtHdrDestOpt,
                           IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                           IPv6ExtHdrRouting)
    out, seq = [], [0]

    def p():
        seq[0] += 1
        return body(seq[0], SIZE)

    def u4(ip=None, udp=None, **kw):
        return bytes(eth / (ip or IP(src=H4, dst=R4, **kw)) /
                     (udp or UDP(sport=40000, dport=port)) / p())

    def u6(ip=None, udp=None, ext=None):
        l3 = ip or IPv6(src=H6, dst=R6)
        if ext is not None:
            l3 = l3 / ext
        return bytes(eth / l3 / (udp or UDP(sport=40000, dport=port)) / p())

    full4, full6 = u4(), u6()
    for n in (14, 15, 20, 33, 34, 35, 38, 41, 42, 43, 50, 100,
              len(full4) - 1):
        out.append(("udp4[:%d]" % n, full4[:n]))
    for n in (14, 20, 40, 53, 54, 55, 58, 61, 62, 63, 100, len(full6) - 1):
        out.append(("udp6[:%d]" % n, full6[:n]))
    for ulen in (0, 1, 7, 9, SIZE + 9, 4000, 65535):
        out.append(("udp4 len %d" % ulen,
                    u4(udp=UDP(sport=40000, dport=port, len=ulen))))
        out.append(("udp6 len %d" % ulen,
                    u6(udp=UDP(sport=40000, dport=port, len=ulen))))
    for iplen in (0, 19, 20, 27, 28, 29, SIZE + 27, SIZE + 29, 65535):
        out.append(("ip len %d" % iplen, u4(len=iplen)))
    for plen in (0, 7, 8, 9, SIZE + 7, SIZE + 9, 65535):
        out.append(("ipv6 plen %d" % plen,
                    u6(ip=IPv6(src=H6, dst=R6, plen=plen))))
    for ihl in (0, 4, 15):
        out.append(("ihl %d" % ihl, u4(ihl=ihl)))
    out += [
        ("ip version 6", u4(version=6)),
        ("ip version 5", u4(version=5)),
        ("fragment MF", u4(flags="MF")),
        ("fragment offset", u4(frag=100)),
        ("ttl 0", u4(ttl=0)),
        ("bad ip csum", u4(chksum=0xdead)),
        ("bad udp csum", u4(udp=UDP(sport=40000, dport=port,
                                    chksum=0xdead))),
        ("udp6 csum 0", u6(udp=UDP(sport=40000, dport=port, chksum=0))),
        ("udp6 bad csum", u6(udp=UDP(sport=40000, dport=port,
                                     chksum=0xdead))),
        ("sport 0", u4(udp=UDP(sport=0, dport=port))),
        ("dport 0", u4(udp=UDP(sport=40000, dport=0))),
        ("udp6 dport 0", u6(udp=UDP(sport=40000, dport=0))),
        ("hop-by-hop len 200", u6(ext=IPv6ExtHdrHopByHop(len=200))),
        ("v6 fragment header", u6(ext=IPv6ExtHdrFragment(m=1, id=7))),
        ("v6 routing type 0", u6(ext=IPv6ExtHdrRouting(
            type=0, addresses=[R6]))),
        ("v6 hop limit 0", u6(ip=IPv6(src=H6, dst=R6, hlim=0))),
        ("v6 next header 59", bytes(eth / IPv6(src=H6, dst=R6, nh=59) /
                                    p())),
    ]
    chain = IPv6ExtHdrDestOpt()
    for _ in range(40):
        chain = chain / IPv6ExtHdrDestOpt()
    out.append(("v6 40 dest opts", u6(ext=chain)))
    for src, dst in (("0.0.0.0", R4), ("127.0.0.1", R4), ("224.0.0.1", R4),
                     ("255.255.255.255", R4), (R4, R4), (H4, "127.0.0.1"),
                     (H4, "0.0.0.0"), (H4, H4)):
        out.append(("udp4 %s > %s" % (src, dst),
                    u4(ip=IP(src=src, dst=dst))))
    for src, dst in (("::", R6), ("::1", R6), ("ff02::1", R6), (R6, R6),
                     (H6, "::1"), (H6, "::"), ("::ffff:198.51.100.1", R6),
                     (H6, "::ffff:198.51.100.2")):
        out.append(("udp6 %s > %s" % (src, dst),
                    u6(ip=IPv6(src=src, dst=dst))))
    return out


def _icmp_frames(eth):
    """(name, bytes) list of broken ICMP and ICMPv6 frames."""
    from scapy.all import (ICMP, IP, UDP, ICMPv6DestUnreach,
                           ICMPv6EchoReply, ICMPv6EchoRequest, IPv6,
                           IPv6ExtHdrFragment)
    out = []
    data = b"pasta-malformed-" * 4

    def e4(icmp=None, ip=None, **kw):
        return bytes(eth / (ip or IP(src=H4, dst=R4, **kw)) /
                     (icmp or ICMP(type=8, id=0x4242, seq=1)) / data)

    def e6(icmp=None, ip=None):
        return bytes(eth / (ip or IPv6(src=H6, dst=R6)) /
                     (icmp or ICMPv6EchoRequest(id=0x4242, seq=1)) / data)

    full4, full6 = e4(), e6()
    for n in (34, 35, 36, 38, 41, len(full4) - 1):
        out.append(("icmp4[:%d]" % n, full4[:n]))
    for n in (54, 55, 56, 58, 61, len(full6) - 1):
        out.append(("icmp6[:%d]" % n, full6[:n]))
    for iplen in (21, 27, 28, 65535):
        out.append(("icmp ip len %d" % iplen, e4(len=iplen)))
    for plen in (1, 7, 8, 65535):
        out.append(("icmp6 plen %d" % plen,
                    e6(ip=IPv6(src=H6, dst=R6, plen=plen))))
    out += [
        ("icmp bad csum", e4(ICMP(type=8, id=1, seq=1, chksum=0xdead))),
        ("icmp echo code 5", e4(ICMP(type=8, code=5, id=2, seq=1))),
        ("icmp echo reply", e4(ICMP(type=0, id=3, seq=1))),
        ("icmp timestamp", e4(ICMP(type=13, id=4, seq=1))),
        ("icmp type 255", e4(ICMP(type=255))),
        ("icmp unreach", bytes(eth / IP(src=H4, dst=R4) /
                               ICMP(type=3, code=3) /
                               IP(src=R4, dst=H4) / UDP(sport=53,
                                                        dport=40000))),
        ("icmp unreach short", bytes(eth / IP(src=H4, dst=R4) /
                                     ICMP(type=3, code=3) / b"\x45\0")),
        ("icmp fragment", e4(ICMP(type=8, id=5, seq=1), flags="MF")),
        ("icmp to broadcast", e4(ip=IP(src=H4, dst="198.51.100.255"))),
        ("icmp to 255.255.255.255", e4(ip=IP(src=H4,
                                             dst="255.255.255.255"))),
        ("icmp to multicast", e4(ip=IP(src=H4, dst="224.0.0.1"))),
        ("icmp to loopback", e4(ip=IP(src=H4, dst="127.0.0.1"))),
        ("icmp from 0.0.0.0", e4(ip=IP(src="0.0.0.0", dst=R4))),
        ("icmp6 bad csum", e6(ICMPv6EchoRequest(id=1, seq=1,
                                                cksum=0xdead))),
        ("icmp6 echo code 5", e6(ICMPv6EchoRequest(code=5, id=2, seq=1))),
        ("icmp6 echo reply", e6(ICMPv6EchoReply(id=3, seq=1))),
        ("icmp6 unreach", bytes(eth / IPv6(src=H6, dst=R6) /
                                ICMPv6DestUnreach() /
                                IPv6(src=R6, dst=H6) / UDP())),
        ("icmp6 fragment", bytes(eth / IPv6(src=H6, dst=R6) /
                                 IPv6ExtHdrFragment(m=1, id=9) /
                                 ICMPv6EchoRequest(id=6, seq=1) / data)),
        ("icmp6 to ff02::1", e6(ip=IPv6(src=H6, dst="ff02::1"))),
        ("icmp6 to ::1", e6(ip=IPv6(src=H6, dst="::1"))),
        ("icmp6 from ::", e6(ip=IPv6(src="::", dst=R6))),
    ]
    return out


def send_all(ifname, port, src, dst):
    """Script mode: write every frame on @ifname, then the two control
    datagrams; print the counts."""
    import socket
    sys.path.insert(0, HERE)
    from scapy.all import IP, UDP, Ether, IPv6
    from udp_peer import body
    eth = Ether(src=src, dst=dst)
    frames = _udp_frames(eth, port, body) + _icmp_frames(eth)
    frames.append(("control4", bytes(eth / IP(src=H4, dst=R4) /
                                     UDP(sport=40001, dport=port) /
                                     body(CONTROL4, SIZE))))
    frames.append(("control6", bytes(eth / IPv6(src=H6, dst=R6) /
                                     UDP(sport=40001, dport=port) /
                                     body(CONTROL6, SIZE))))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    sent = failed = 0
    for _name, b in frames:
        try:
            s.send(b)
            sent += 1
        except OSError:
            failed += 1          # e.g. shorter than the Ethernet header
    print("sent %d failed %d" % (sent, failed))


if __name__ == "__main__":
    send_all(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4])
    sys.exit(0)


# ---------------------------------------------------------------- tests --
import importlib.util  # noqa: E402
import re  # noqa: E402

import topo as T  # noqa: E402
from udp_peer import HDR, body  # noqa: E402


def sent_by_us(payload):
    """True if @payload is a prefix of a numbered payload of SIZE bytes
    (the only UDP payloads the script puts in frames)."""
    if len(payload) > SIZE:
        return False
    if len(payload) < HDR.size:
        return any(body(s, SIZE).startswith(payload)
                   for s in range(0, 400))
    seq = HDR.unpack_from(payload)[0]
    return body(seq, SIZE).startswith(payload)


def test_malformed_udp_and_icmp_are_dropped_harmlessly(topo, procs, tmp,
                                                       attach_pasta):
    T.need(importlib.util.find_spec("scapy") is not None,
           "python3-scapy is not installed")
    att = attach_pasta("--config-net")
    assert T.announce(att.netns), "the namespace did not resolve pasta"
    mac = T.gw_mac(att.netns)
    own = T.link(topo.ip_json(att.netns, ["link", "show", att.ifname]),
                 att.ifname)["address"]
    port = 25400
    rec = T.start_udp_peer(procs, topo.remote, "echo", "::", port, tmp,
                           record=True, no_echo=True)
    r = topo.in_ns(att.netns, [T.PY, os.path.abspath(__file__), att.ifname,
                               port, own, mac], timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    m = re.search(r"sent (\d+) failed (\d+)", r.stdout)
    assert m and int(m.group(1)) >= 130, r.stdout
    T.wait_for(lambda: False, 0.5)
    assert T.pid_alive(att.pasta_pid), "pasta died on malformed frames"
    got = [bytes.fromhex(h) for h in T.stop_udp_peer(rec)["payloads"]]
    # the valid datagrams written the same way went through
    seqs = [HDR.unpack_from(b)[0] for b in got if len(b) >= HDR.size]
    assert CONTROL4 in seqs and CONTROL6 in seqs, \
        "control datagrams lost: the frames did not reach pasta (%d got)" % (
            len(got))
    bad = [b[:16].hex() + ("... %d bytes" % len(b)) for b in got
           if not sent_by_us(b)]
    assert not bad, "pasta relayed bytes the namespace never sent: %s" % bad
    # still relaying: UDP both families, ping both families
    for dst in (T.REMOTE4, T.REMOTE6):
        srv = T.start_udp_peer(procs, topo.remote, "echo", dst, port + 1,
                               tmp)
        c = T.peer_result(T.start_udp_peer(procs, att.netns, "query", dst,
                                           port + 1, count=3, wait=2), 20)
        T.stop_udp_peer(srv)
        assert c["answers"] == 3, (dst, c)
        rc, tx, rx, out = T.ping(topo, att.netns, dst, count=2)
        assert rx == 2, out
    assert T.pid_alive(att.pasta_pid)
