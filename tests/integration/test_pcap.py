# SPDX-License-Identifier: GPL-2.0-or-later
"""test_pcap.py - pasta's -p capture file is readable by tshark and holds
the DHCP exchange and the RS/RA seen on the tap.
"""

import json
import os
import shutil
import struct

import topo as T
from test_dhcp_clients import DHCP_ARGS, udhcpc
from test_ndp_clients import rdisc6

PCAP_MAGIC = (0xa1b2c3d4, 0xa1b23c4d)   # microsecond, nanosecond
LINKTYPE_ETHERNET = 1


def tshark(pcap, *args):
    T.need(shutil.which("tshark") is not None, "tshark is not installed")
    r = T.run(["tshark", "-n", "-r", str(pcap)] + list(args), timeout=30,
              env=dict(os.environ, HOME=str(pcap.parent)))
    assert r.returncode == 0, r.stderr
    for bad in ("cut short", "damaged", "corrupt", "isn't a capture file"):
        assert bad not in r.stderr, r.stderr
    return r.stdout


def test_pcap_has_dhcp_and_ra_exchange(topo, tmp, attach_pasta):
    pcap = tmp / "cap.pcap"
    att = attach_pasta(*DHCP_ARGS, "-p", pcap)
    lease = udhcpc(topo, att)
    assert lease["ip"] == T.HOST4
    rdisc6(topo, att)
    # read while pasta runs: frames are written as they pass (as upstream,
    # so that a capture can be followed live)
    assert T.pid_alive(att.pasta_pid)

    hdr = pcap.read_bytes()[:24]
    assert len(hdr) == 24, "pcap global header missing"
    magic, = struct.unpack("<I", hdr[:4])
    assert magic in PCAP_MAGIC, hex(magic)
    assert struct.unpack("<I", hdr[20:24])[0] == LINKTYPE_ETHERNET

    types = tshark(pcap, "-Y", "dhcp", "-T", "fields",
                   "-e", "dhcp.option.dhcp").split()
    # Discover, Offer, Request, ACK in this order
    assert types == ["1", "2", "3", "5"], types

    icmp6 = tshark(pcap, "-Y", "icmpv6.type == 133 || icmpv6.type == 134",
                   "-T", "fields", "-e", "icmpv6.type").split()
    assert "133" in icmp6 and "134" in icmp6, icmp6
    assert icmp6.index("133") < icmp6.index("134")

    pkts = json.loads(tshark(pcap, "-T", "json"))
    assert len(pkts) >= 6
    for p in pkts:
        assert "eth" in p["_source"]["layers"], p
