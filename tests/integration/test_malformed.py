# SPDX-License-Identifier: GPL-2.0-or-later
"""test_malformed.py - malformed ARP, DHCP, NDP and DHCPv6 frames on the tap.

Run by pytest, this file starts pasta attached to a namespace and then runs
itself as a script (`ip netns exec NS python3 test_malformed.py IFNAME`):
the script builds valid requests with scapy, derives truncated and corrupted
variants (each request cut at many lengths, bad IP/UDP/ICMPv6 checksums, bad
option lengths, DHCP options running past the end, NDP hop limit != 255,
zero-length NDP options...) and writes them with an AF_PACKET socket on the
tap, which hands them to pasta.  Afterwards pasta must still be alive, a
real DHCP client must still get its lease, an RA must still come back, and
the debug log may only hold a handful of lines about the garbage.
"""

import os
import struct
import sys

LOG_LINES_MAX = 20     # "a handful", with rate limiting
MAC = "02:00:00:00:00:42"


def _frames(mac):
    """List of (name, bytes) malformed frames; needs scapy."""
    from scapy.all import (ARP, BOOTP, DHCP, ICMPv6ND_NS, ICMPv6ND_RS,
                           ICMPv6NDOptSrcLLAddr, IP, IPv6, UDP, Ether,
                           IPv6ExtHdrHopByHop)
    from scapy.layers.dhcp6 import (DHCP6_Solicit, DHCP6OptClientId,
                                    DHCP6OptElapsedTime, DHCP6OptIA_NA,
                                    DUID_LL)
    ll6 = "fe80::ff:fe00:42"
    chaddr = bytes.fromhex(mac.replace(":", "")) + b"\0" * 10
    bcast = Ether(src=mac, dst="ff:ff:ff:ff:ff:ff")
    dhcp_hdr = IP(src="0.0.0.0", dst="255.255.255.255") / UDP(sport=68,
                                                              dport=67)
    discover = bcast / dhcp_hdr / BOOTP(chaddr=chaddr, xid=0x5a5a) / DHCP(
        options=[("message-type", "discover"), "end"])
    request = bcast / dhcp_hdr / BOOTP(chaddr=chaddr, xid=0x5a5b) / DHCP(
        options=[("message-type", "request"),
                 ("requested_addr", "198.51.100.1"),
                 ("server_id", "198.51.100.254"),
                 ("param_req_list", [1, 3, 6, 26, 119]), "end"])
    arp = bcast / ARP(op=1, hwsrc=mac, psrc="198.51.100.1",
                      pdst="198.51.100.254")
    rs = (Ether(src=mac, dst="33:33:00:00:00:02") /
          IPv6(src=ll6, dst="ff02::2", hlim=255) /
          ICMPv6ND_RS() / ICMPv6NDOptSrcLLAddr(lladdr=mac))
    ns = (Ether(src=mac, dst="33:33:ff:00:00:fe") /
          IPv6(src=ll6, dst="ff02::1:ff00:fe", hlim=255) /
          ICMPv6ND_NS(tgt="2001:db8:1::fe") /
          ICMPv6NDOptSrcLLAddr(lladdr=mac))
    sol = (Ether(src=mac, dst="33:33:00:01:00:02") /
           IPv6(src=ll6, dst="ff02::1:2") / UDP(sport=546, dport=547) /
           DHCP6_Solicit(trid=0x4242) / DHCP6OptElapsedTime() /
           DHCP6OptClientId(duid=DUID_LL(lladdr=mac)) /
           DHCP6OptIA_NA(iaid=1))
    valid = {"dhcp-discover": discover, "dhcp-request": request,
             "arp": arp, "rs": rs, "ns": ns, "dhcpv6-solicit": sol}
    out = []

    # 1. every valid request truncated at many lengths
    cuts = (1, 6, 12, 13, 14, 15, 16, 20, 27, 33, 34, 35, 41, 42, 43, 48,
            53, 54, 55, 57, 61, 62, 63, 70, 78, 90, 100, 150, 240, 241, 278,
            281, 285)
    for name, p in valid.items():
        b = bytes(p)
        for n in sorted(set(c for c in cuts if c < len(b)) |
                        {len(b) - 1, len(b) - 2}):
            out.append(("%s[:%d]" % (name, n), b[:n]))

    # 2. bad checksums
    def with_bad(p, layer, field):
        q = p.copy()
        q[layer].setfieldval(field, 0xdead)
        return bytes(q)
    out.append(("dhcp bad ip csum", with_bad(discover, IP, "chksum")))
    out.append(("dhcp bad udp csum", with_bad(discover, UDP, "chksum")))
    out.append(("rs bad icmp csum", with_bad(rs, ICMPv6ND_RS, "cksum")))
    out.append(("ns bad icmp csum", with_bad(ns, ICMPv6ND_NS, "cksum")))
    out.append(("dhcpv6 bad udp csum", with_bad(sol, UDP, "chksum")))

    # 3. DHCP option trouble (raw BOOTP payload, lengths fixed by scapy)
    def dhcp_raw(opts):
        bootp = bytes(BOOTP(chaddr=chaddr, xid=0x5a5c))
        return bytes(bcast / dhcp_hdr / (bootp + b"\x63\x82\x53\x63" +
                                         opts))
    out += [
        ("dhcp opt past end", dhcp_raw(b"\x35\x01\x01\x37\xff\x01\x03")),
        ("dhcp msgtype len 200", dhcp_raw(b"\x35\xc8\x01")),
        ("dhcp msgtype len 0", dhcp_raw(b"\x35\x00\xff")),
        ("dhcp no end", dhcp_raw(b"\x35\x01\x01")),
        ("dhcp no msgtype", dhcp_raw(b"\xff")),
        ("dhcp bad cookie", bytes(bcast / dhcp_hdr /
                                  (bytes(BOOTP(chaddr=chaddr)) +
                                   b"\xde\xad\xbe\xef\x35\x01\x01\xff"))),
        ("dhcp msgtype 0", dhcp_raw(b"\x35\x01\x00\xff")),
        ("dhcp msgtype 255", dhcp_raw(b"\x35\x01\xff\xff")),
        ("dhcp only pad", dhcp_raw(b"\x00" * 64)),
        ("dhcp req addr len 1", dhcp_raw(b"\x35\x01\x03\x32\x01\xc6\xff")),
        ("dhcp overload", dhcp_raw(b"\x35\x01\x01\x34\x01\x03\xff")),
        ("dhcp 255 opts", dhcp_raw(b"\x35\x01\x01" + b"\x0c\x00" * 255 +
                                   b"\xff")),
    ]
    bad_hlen = discover.copy()
    bad_hlen[BOOTP].hlen = 255
    out.append(("dhcp hlen 255", bytes(bad_hlen)))
    reply = discover.copy()
    reply[BOOTP].op = 2
    out.append(("dhcp op reply", bytes(reply)))

    # 4. IP header trouble around DHCP
    for name, ip in (("ihl 4", IP(src="0.0.0.0", dst="255.255.255.255",
                                  ihl=4)),
                     ("ihl 15", IP(src="0.0.0.0", dst="255.255.255.255",
                                   ihl=15)),
                     ("ip len 65535", IP(src="0.0.0.0",
                                         dst="255.255.255.255", len=65535)),
                     ("ip len 20", IP(src="0.0.0.0", dst="255.255.255.255",
                                      len=20)),
                     ("fragment", IP(src="0.0.0.0", dst="255.255.255.255",
                                     flags="MF")),
                     ("ip version 6", IP(src="0.0.0.0",
                                         dst="255.255.255.255", version=6))):
        out.append(("dhcp " + name, bytes(bcast / ip / UDP(sport=68,
                                                            dport=67) /
                                          bytes(discover[BOOTP]))))
    out.append(("udp len 9", bytes(bcast / dhcp_hdr[IP].copy() /
                                   UDP(sport=68, dport=67, len=9) /
                                   bytes(discover[BOOTP]))))
    out.append(("udp len 4000", bytes(bcast / IP(src="0.0.0.0",
                                                 dst="255.255.255.255") /
                                      UDP(sport=68, dport=67, len=4000) /
                                      bytes(discover[BOOTP]))))

    # 5. ARP trouble
    for name, a in (("hlen 16", ARP(op=1, hwlen=16, hwsrc=mac,
                                    psrc="198.51.100.1",
                                    pdst="198.51.100.254")),
                    ("plen 16", ARP(op=1, plen=16, hwsrc=mac,
                                    psrc="198.51.100.1",
                                    pdst="198.51.100.254")),
                    ("op 7", ARP(op=7, hwsrc=mac, psrc="198.51.100.1",
                                 pdst="198.51.100.254")),
                    ("ptype ipv6", ARP(op=1, ptype=0x86dd, hwsrc=mac,
                                       psrc="198.51.100.1",
                                       pdst="198.51.100.254"))):
        out.append(("arp " + name, bytes(bcast / a)))

    # 6. NDP trouble (RFC 4861 6.1.1, 7.1.1: validity checks)
    for name, p in (("rs", rs), ("ns", ns)):
        q = p.copy()
        q[IPv6].hlim = 64
        out.append((name + " hlim 64", bytes(q)))
        q = p.copy()
        q[2].code = 1
        out.append((name + " code 1", bytes(q)))
        q = p.copy()
        q[ICMPv6NDOptSrcLLAddr].len = 0
        out.append((name + " opt len 0", bytes(q)))
        q = p.copy()
        q[ICMPv6NDOptSrcLLAddr].len = 200
        out.append((name + " opt len 200", bytes(q)))
        q = p.copy()
        q[IPv6].plen = 4000
        out.append((name + " plen 4000", bytes(q)))
    out.append(("rs behind bad hop-by-hop", bytes(
        Ether(src=mac, dst="33:33:00:00:00:02") /
        IPv6(src=ll6, dst="ff02::2", hlim=255) /
        IPv6ExtHdrHopByHop(len=200) / ICMPv6ND_RS())))
    out.append(("ns multicast target", bytes(
        Ether(src=mac, dst="33:33:00:00:00:01") /
        IPv6(src=ll6, dst="ff02::1", hlim=255) / ICMPv6ND_NS(tgt="ff02::1"))))

    # 7. DHCPv6 trouble (RFC 8415 16: discard malformed messages)
    def d6(payload):
        return bytes(Ether(src=mac, dst="33:33:00:01:00:02") /
                     IPv6(src=ll6, dst="ff02::1:2") /
                     UDP(sport=546, dport=547) / payload)
    duid = bytes(DHCP6OptClientId(duid=DUID_LL(lladdr=mac)))
    out += [
        ("dhcpv6 empty", d6(b"")),
        ("dhcpv6 3 bytes", d6(b"\x01\x42\x42")),
        ("dhcpv6 opt past end", d6(b"\x01\x42\x42\x42\x00\x01\xff\xff\x00")),
        ("dhcpv6 clientid len 0", d6(b"\x01\x42\x42\x42\x00\x01\x00\x00")),
        ("dhcpv6 ia_na len 2", d6(b"\x01\x42\x42\x42" + duid +
                                  b"\x00\x03\x00\x02\x00\x01")),
        ("dhcpv6 ia_na inner past end", d6(
            b"\x01\x42\x42\x42" + duid + b"\x00\x03\x00\x10" + b"\0" * 12 +
            b"\x00\x05\xff\xff")),
        ("dhcpv6 msg 0", d6(b"\x00\x42\x42\x42" + duid)),
        ("dhcpv6 msg 255", d6(b"\xff\x42\x42\x42" + duid)),
        ("dhcpv6 no clientid", d6(b"\x01\x42\x42\x42\x00\x08\x00\x02\0\0")),
        ("dhcpv6 request no serverid", d6(b"\x03\x42\x42\x42" + duid)),
    ]
    for n in (1, 4, 8, len(duid) + 3):
        out.append(("dhcpv6 cut %d" % n, d6((b"\x01\x42\x42\x42" +
                                             duid)[:n])))
    big = d6(b"\x01\x42\x42\x42" + duid)
    big = big[:18] + struct.pack(">H", 0xffff) + big[20:]  # IPv6 plen
    out.append(("dhcpv6 ipv6 plen 65535", big))
    return out


def send_all(ifname):
    """Script mode: write every malformed frame on @ifname; print a count."""
    import socket
    frames = _frames(MAC)
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
    send_all(sys.argv[1])
    sys.exit(0)


# ---------------------------------------------------------------- tests --
import importlib.util  # noqa: E402
import re  # noqa: E402

import pytest  # noqa: E402

import topo as T  # noqa: E402
from test_dhcp_clients import DHCP_ARGS, udhcpc  # noqa: E402
from test_ndp_clients import rdisc6  # noqa: E402


def throw_garbage(topo, tmp, attach_pasta):
    """Start pasta with a debug log, send every malformed frame; return
    (attachment, log lines written meanwhile, number of frames sent)."""
    T.need(importlib.util.find_spec("scapy") is not None,
           "python3-scapy is not installed")
    log = tmp / "pasta.log"
    att = attach_pasta(*DHCP_ARGS, "-d", "-l", log)
    before = log.read_text(errors="replace").count("\n")
    r = topo.in_ns(att.netns, ["/usr/bin/python3", os.path.abspath(__file__),
                               att.ifname], timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    m = re.search(r"sent (\d+) failed (\d+)", r.stdout)
    assert m and int(m.group(1)) >= 180, r.stdout
    # let it digest
    T.wait_for(lambda: False, 0.5)
    assert T.pid_alive(att.pasta_pid), "pasta died on malformed frames"
    lines = log.read_text(errors="replace").splitlines()[before:]
    return att, lines, int(m.group(1))


def test_garbage_on_tap_is_survived(topo, tmp, attach_pasta):
    att, _, _ = throw_garbage(topo, tmp, attach_pasta)
    # still serving: a real DHCP client and a router solicitation
    assert udhcpc(topo, att)["ip"] == T.HOST4
    fields = rdisc6(topo, att)
    assert ("Prefix", "2001:db8:1::/64") in fields
    assert T.pid_alive(att.pasta_pid)


@pytest.mark.ours_only("Debian's 2023 pasta answers (and logs) frames that "
                       "RFC 4861/8415 say to drop: bad checksum, hop limit")
def test_garbage_on_tap_is_logged_rate_limited(topo, tmp, attach_pasta):
    _, lines, sent = throw_garbage(topo, tmp, attach_pasta)
    assert len(lines) <= LOG_LINES_MAX, \
        "%d log lines for %d frames:\n%s" % (len(lines), sent,
                                             "\n".join(lines[:40]))
