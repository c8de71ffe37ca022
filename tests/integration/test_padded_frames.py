# SPDX-License-Identifier: GPL-2.0-or-later
"""test_padded_frames.py - short frames padded past their IP packet.

Ethernet frames are at least 60 bytes: a NIC model such as e1000 pads a
TCP SYN or ACK, a one-byte UDP datagram or a small echo request with bytes
that belong to no layer, and a link may append bytes after an IPv6 packet.
They must be taken as the packet their IP header announces, neither
dropped nor read with the padding as payload or in the checksum.

Run by pytest, this file starts pasta (--config-net, a user-owned
namespace) or passt (with a bridged guest namespace, guest_bridge.py) and
then runs itself as a script in the guest's namespace
(`ip netns exec NS python3 test_padded_frames.py ...`): with scapy, it
writes padded frames on the tap through an AF_PACKET socket, which hands
them to pasta or passt, and reads what comes back on the tap. In `remote`
a UDP echo server records every payload and a TCP listener answers SYNs:
each padded datagram must arrive there with its exact length, each padded
SYN must get a SYN-ACK, the padded echo request an echo reply carrying
exactly its data.
"""

import json
import os
import socket
import sys
import time

PAD = b"\xee"           # not zeroes: a checksum would not notice those
MIN_FRAME = 60
SPORT = {"udp4": 40001, "syn4": 40002, "udp6": 40003, "syn6": 40004}
ISN = 1000
ECHO_ID, ECHO_DATA = 0x4242, b"ab"


def _frames(smac, dmac, src4, dst4, src6, dst6, tport, uport):
    """List of (name, bytes); needs scapy."""
    from scapy.all import ICMP, IP, IPv6, TCP, UDP, Ether
    e = Ether(src=smac, dst=dmac)

    def padded(p):
        b = bytes(p)
        assert len(b) < MIN_FRAME, len(b)
        return b + PAD * (MIN_FRAME - len(b))

    def trailing(p, n=9):
        return bytes(p) + PAD * n

    return [
        ("udp4", padded(e / IP(src=src4, dst=dst4) /
                        UDP(sport=SPORT["udp4"], dport=uport) / b"x")),
        ("syn4", padded(e / IP(src=src4, dst=dst4) /
                        TCP(sport=SPORT["syn4"], dport=tport, seq=ISN,
                            flags="S", window=1024))),
        ("echo4", padded(e / IP(src=src4, dst=dst4) /
                         ICMP(id=ECHO_ID, seq=1) / ECHO_DATA)),
        ("udp6", trailing(e / IPv6(src=src6, dst=dst6) /
                          UDP(sport=SPORT["udp6"], dport=uport) / b"y")),
        ("syn6", trailing(e / IPv6(src=src6, dst=dst6) /
                          TCP(sport=SPORT["syn6"], dport=tport, seq=ISN,
                              flags="S", window=1024))),
    ]


def script(ifname, dmac, src4, dst4, src6, dst6, tport, uport):
    """Script mode: send the padded frames on @ifname, print what came
    back (JSON)."""
    from scapy.all import ICMP, TCP, UDP, Ether, Raw
    smac = open("/sys/class/net/%s/address" % ifname).read().strip()
    rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                       socket.htons(0x0003))
    rx.bind((ifname, 0))
    rx.settimeout(0.2)
    tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    tx.bind((ifname, 0))
    sizes = {}
    for name, b in _frames(smac, dmac, src4, dst4, src6, dst6,
                           int(tport), int(uport)):
        tx.send(b)
        sizes[name] = len(b)
    got = {}
    end = time.monotonic() + 4
    while time.monotonic() < end and len(got) < 5:
        try:
            b, addr = rx.recvfrom(65535)
        except socket.timeout:
            continue
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        p = Ether(b)
        if TCP in p and p[TCP].sport == int(tport):
            for k in ("syn4", "syn6"):
                if (p[TCP].dport == SPORT[k] and
                        p[TCP].flags == "SA" and p[TCP].ack == ISN + 1):
                    got[k] = True
        elif UDP in p and p[UDP].sport == int(uport):
            for k in ("udp4", "udp6"):
                if p[UDP].dport == SPORT[k]:
                    got[k] = p[Raw].load.hex() if Raw in p else ""
        elif ICMP in p and p[ICMP].type == 0 and p[ICMP].seq == 1:
            # scapy keeps the padding of a reply apart from Raw
            got["echo4"] = p[Raw].load.hex() if Raw in p else ""
    print(json.dumps({"sent": sizes, "got": got}))


if __name__ == "__main__":
    script(*sys.argv[1:])
    sys.exit(0)


# ---------------------------------------------------------------- tests --
import importlib.util  # noqa: E402

import pytest  # noqa: E402

import guest_bridge as G  # noqa: E402
import topo as T  # noqa: E402
from guest_bridge import passt, passt_guest  # noqa: E402,F401 (fixtures)

TPORT, UPORT = 18080, 15353


@pytest.fixture
def remote_servers(topo, procs, tmp):
    """TCP listener (dual-stack) and UDP echo servers recording payloads in
    `remote`, on REMOTE4 and REMOTE6; yields the echo servers' Popens."""
    T.need(importlib.util.find_spec("scapy") is not None,
           "python3-scapy is not installed")
    code = ("import socket,time\n"
            "s=socket.socket(socket.AF_INET6)\n"
            "s.setsockopt(socket.IPPROTO_IPV6,socket.IPV6_V6ONLY,0)\n"
            "s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
            "s.bind(('::',%d));s.listen(16);print('ready',flush=True)\n"
            "time.sleep(60)\n" % TPORT)
    lp = procs.popen(["ip", "netns", "exec", topo.remote, T.PY, "-c",
                      code])
    assert lp.stdout.readline().strip() == b"ready"
    yield [T.start_udp_peer(procs, topo.remote, "echo", a, UPORT, tmp,
                            record=True, deadline=60)
           for a in (T.REMOTE4, T.REMOTE6)]


def run_script(topo, netns, ifname, src4, src6):
    dmac = T.gw_mac(netns)
    assert dmac, "the guest did not resolve the gateway"
    r = topo.in_ns(netns, [T.PY, os.path.abspath(__file__), ifname, dmac,
                           src4, T.REMOTE4, src6, T.REMOTE6, TPORT, UPORT],
                   timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def check(res, up):
    sent, got = res["sent"], res["got"]
    assert sent["udp4"] == sent["syn4"] == sent["echo4"] == MIN_FRAME
    assert got.get("syn4"), ("no SYN-ACK to a padded SYN", res)
    assert got.get("syn6"), ("no SYN-ACK to an IPv6 SYN with trailing "
                             "bytes", res)
    assert got.get("echo4") == ECHO_DATA.hex(), ("echo reply", res)
    # the echo server saw each datagram with its exact length
    payloads = [T.stop_udp_peer(p)["payloads"] for p in up]
    assert payloads == [[b"x".hex()], [b"y".hex()]], payloads
    assert got.get("udp4") == b"x".hex(), res
    assert got.get("udp6") == b"y".hex(), res


@pytest.mark.ours_only("2023 pasta drops frames longer than their IP packet")
def test_pasta_takes_padded_frames(topo, procs, tmp, attach_pasta,
                                   remote_servers):
    att = attach_pasta("--config-net")
    assert T.announce(att.netns), "no neighbours resolved"
    check(run_script(topo, att.netns, att.ifname, T.HOST4, T.HOST6),
          remote_servers)
    assert T.pid_alive(att.pasta_pid)


def test_passt_takes_padded_frames(topo, procs, tmp, passt,  # noqa: F811
                                   passt_guest, remote_servers):
    T.skip_on_reference(passt, "2023 passt drops frames longer than "
                        "their IP packet")
    g = passt_guest()
    check(run_script(topo, g.netns, g.ifname, T.HOST4, g.addr6),
          remote_servers)
    assert g.passt.poll() is None
