# SPDX-License-Identifier: GPL-2.0-or-later
"""test_tcp_mtu.py - pasta's TCP segments towards the namespace respect its MSS.

A tap device accepts frames larger than its MTU, so an integrity check alone
would not notice a pasta that ignores the MSS the namespace announced. Our
pasta sends up to 64 KiB per frame with segmentation offload metadata
(virtio-net GSO, segment size = the MSS), as a virtio NIC with receive
offloads would: the namespace's kernel must see segments of at most the MSS.
With `--config-net -m 1500`, 16 MiB go remote -> namespace, on an outbound
and an inbound (`-t PORT`) connection, while a packet socket with
PACKET_VNET_HDR in the namespace sees every frame with its offload metadata:
a frame whose TCP payload exceeds the MSS must be marked for segmentation
with a segment size of at most the MSS, 1460 bytes for IPv4, 1440 for IPv6
(RFC 9293 3.7.1: MTU - IP and TCP headers). A wrong segment size would make
the namespace's kernel forward oversized packets, as a container acting as
a router (podman's rootless network namespace) does.
"""

import itertools

import pytest

import topo as T

_ports = itertools.count(25000)
NBYTES = 16 * T.MIB
MSS = {"v4": 1500 - 20 - 20, "v6": 1500 - 40 - 20}
FAMS = {"v4": (T.REMOTE4, T.HOST4), "v6": (T.REMOTE6, T.HOST6)}


SNIFFER = r"""
import json, signal, socket, struct, sys, time
port, secs = int(sys.argv[1]), float(sys.argv[2])
stop = []
signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
# bursts of frames overflow the default 208 KiB: counts would be short
s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE (root)
s.setsockopt(263, 15, 1)                      # SOL_PACKET, PACKET_VNET_HDR
s.bind((sys.argv[3], 0))
s.settimeout(0.5)
print("ready", flush=True)
res = dict(frames=0, gso=0, max_plain=0, max_gso_size=0, bad=0)
end = time.time() + secs
while time.time() < end and not stop:
    try:
        d = s.recv(70000)
    except socket.timeout:
        continue
    flags, gso_type, hdr_len, gso_size = struct.unpack_from("=BBHH", d)
    f = d[10:]
    et = struct.unpack_from("!H", f, 12)[0]
    if et == 0x0800 and f[23] == 6:
        l4, plen = 14 + (f[14] & 15) * 4, struct.unpack_from("!H", f, 16)[0]
        pay = plen - (l4 - 14) - (f[l4 + 12] >> 4) * 4
    elif et == 0x86dd and f[20] == 6:
        l4 = 54
        pay = struct.unpack_from("!H", f, 18)[0] - (f[l4 + 12] >> 4) * 4
    else:
        continue
    sp, dp = struct.unpack_from("!HH", f, l4)
    if port not in (sp, dp) or pay <= 0:
        continue
    res["frames"] += 1
    if gso_type:
        res["gso"] += 1
        res["max_gso_size"] = max(res["max_gso_size"], gso_size)
    else:
        res["max_plain"] = max(res["max_plain"], pay)
print(json.dumps(res), flush=True)
"""


def sniffed_transfer(topo, procs, tmp, att, port, fam, way):
    """NBYTES remote -> namespace on one connection (@way: "outbound" from
    the namespace, or "inbound" through -t @port) while the sniffer watches
    the namespace's interface; return what it saw."""
    sniff = procs.popen(["ip", "netns", "exec", att.netns, T.PY, "-c",
                         SNIFFER, str(port), "20", T.HOST_IF],
                        stdout=T.subprocess.PIPE, text=True)
    assert sniff.stdout.readline().strip() == "ready"
    if way == "outbound":
        srv = T.start_peer(procs, topo.remote, "listen", "::", port, tmp,
                           send=NBYTES, deadline=60)
        cli = T.start_peer(procs, att.netns, "connect", FAMS[fam][0], port,
                           order="recv-first", deadline=60)
        ns = T.peer_result(cli, 70)
        T.peer_result(srv, 15)
    else:
        srv = T.start_peer(procs, att.netns, "listen", "::", port, tmp,
                           order="recv-first", deadline=60)
        cli = T.start_peer(procs, topo.remote, "connect", FAMS[fam][1],
                           port, send=NBYTES, deadline=60)
        T.peer_result(cli, 70)
        ns = T.peer_result(srv, 60)
    assert ns["error"] is None and ns["recv"] == NBYTES, ns
    sniff.terminate()
    out = sniff.communicate(timeout=10)[0].splitlines()
    assert out, "sniffer gave no result"
    res = T.json.loads(out[-1])
    assert res["frames"] > 0, res
    return res


@pytest.mark.parametrize("way", ["outbound", "inbound"])
@pytest.mark.parametrize("fam", FAMS)
def test_segments_fit_mtu_1500(topo, procs, tmp, attach_pasta, fam, way):
    port = next(_ports)
    att = attach_pasta("--config-net", "-m", "1500",
                       fwd=T.fwd_args(tcp=[port]))
    T.announce(att.netns)
    res = sniffed_transfer(topo, procs, tmp, att, port, fam, way)
    assert res["max_plain"] <= MSS[fam], res
    assert res["max_gso_size"] <= MSS[fam], res


@pytest.mark.ours_only("the 2023 pasta takes the namespace's MSS as it is")
@pytest.mark.parametrize("fam", FAMS)
def test_segments_fit_our_mtu_not_a_larger_one(topo, procs, tmp,
                                               attach_pasta, fam):
    """The namespace's MTU raised to 1520 behind pasta's back (-m 1500):
    its SYN announces an MSS of 1480 (IPv4) or 1460 (IPv6), and pasta
    still sends segments that fit its own MTU, 1460 or 1440 bytes (MTU -
    40 or 60: the clamp once took 40 for IPv6 too)."""
    port = next(_ports)
    att = attach_pasta("--config-net", "-m", "1500")
    T.announce(att.netns)
    # no router advertisement may put the IPv6 MTU back to 1500
    T.sh(["ip", "netns", "exec", att.netns, "sysctl", "-qw",
          "net.ipv6.conf.%s.accept_ra_mtu=0" % T.HOST_IF])
    T.sh(["ip", "-n", att.netns, "link", "set", T.HOST_IF, "mtu", "1520"])
    T.sh(["ip", "netns", "exec", att.netns, "sysctl", "-qw",
          "net.ipv6.conf.%s.mtu=1520" % T.HOST_IF])
    res = sniffed_transfer(topo, procs, tmp, att, port, fam, "outbound")
    assert res["max_plain"] <= MSS[fam], res
    assert res["max_gso_size"] <= MSS[fam], res
