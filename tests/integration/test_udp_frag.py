# SPDX-License-Identifier: GPL-2.0-or-later
"""test_udp_frag.py - UDP datagrams larger than the MTU, and fragment floods.

pasta runs with `--config-net -m 1500`, so the namespace's kernel sends a
datagram of more than 1472 (IPv4) or 1452 (IPv6) bytes as IP fragments, and
a datagram that large from the remote must reach the namespace as fragments
too, as it would over a veth of that MTU:

* a client in the namespace sends 4000- and 60000-byte numbered datagrams to
  an echo server in remote; every echo comes back intact, and a packet
  socket in the namespace sees pasta's frames from the remote: none larger
  than 1514 bytes, and some of them fragments;
* run as a script inside the namespace, this file writes a flood of broken
  fragments on the tap with scapy (overlaps, offsets past 64 KiB, fragments
  past the last one, 1-byte fragments with MF, thousands of first fragments
  that never complete) and then datagrams that must get through: sent as
  fragments with a duplicate, and in reverse order.  A recorder in remote
  must get exactly those, intact; pasta must stay alive and keep relaying.
"""

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
H4, R4 = "198.51.100.1", "198.51.100.2"
H6, R6 = "2001:db8:1::1", "2001:db8:1::2"
GOOD = {"dup4": 300, "dup6": 301, "rev4": 900001, "rev6": 900002}
ENDLESS = 2000


def _l4(v6, port, payload):
    """UDP header and payload with the right checksum, as bytes."""
    from scapy.all import IP, UDP, IPv6
    l3 = IPv6(src=H6, dst=R6) if v6 else IP(src=H4, dst=R4)
    return bytes(l3 / UDP(sport=41000, dport=port) / payload)[40 if v6
                                                              else 20:]


def _flood(eth, port, body):
    """(name, frames) list: broken fragment sets, then those that must
    get through."""
    from scapy.all import IP, IPv6, IPv6ExtHdrFragment, Raw

    def f4(l4, fid, off, n, mf):
        return bytes(eth / IP(src=H4, dst=R4, id=fid, proto=17,
                              flags="MF" if mf else 0, frag=off // 8) /
                     Raw(l4[off:off + n]))

    def f6(l4, fid, off, n, m):
        return bytes(eth / IPv6(src=H6, dst=R6) /
                     IPv6ExtHdrFragment(nh=17, id=fid, offset=off // 8,
                                        m=int(m)) / Raw(l4[off:off + n]))

    out = []
    for v6, f in ((False, f4), (True, f6)):
        base = 150 if v6 else 100
        for k in range(20):
            seq = base + k
            l4 = _l4(v6, port, body(seq, 2000))
            # overlap: [0, 1000) then [992, end)
            out.append(("overlap", [f(l4, seq, 0, 1000, 1),
                                    f(l4, seq, 992, len(l4) - 992, 0)]))
            # past the last fragment: [1000, 1504) last, then
            # [1504, 2000) with MF, then the start
            out.append(("beyond last", [
                f(l4, seq + 1000, 1000, 504, 0),
                f(l4, seq + 1000, 1504, 496, 1),
                f(l4, seq + 1000, 0, 1000, 1)]))
            # a second last fragment with another length
            out.append(("two lasts", [
                f(l4, seq + 2000, 1000, len(l4) - 1000, 0),
                f(l4, seq + 2000, 1000, 504, 0),
                f(l4, seq + 2000, 0, 1000, 1)]))
            # 1-byte fragments with more to come, then the rest
            out.append(("tiny", [f(l4, seq + 3000, 0, 1, 1),
                                 f(l4, seq + 3000, 8, 1, 1)]))
        big = _l4(v6, port, body(base + 50, 1000)) + bytes(65600)
        # offsets that reach past 65535 octets
        out.append(("past 64k", [f(big, 7000, 65528, 16, 0),
                                 f(big, 7001, 65000, 800, 1),
                                 f(big, 7001, 0, 1000, 1)]))
        # endless first fragments of many ids: they never complete
        l4 = _l4(v6, port, body(base + 60, 3000))
        out.append(("endless", [f(l4, 10000 + i, 0, 1000, 1)
                                for i in range(ENDLESS)]))
    for v6, f in ((False, f4), (True, f6)):
        key = "dup6" if v6 else "dup4"
        l4 = _l4(v6, port, body(GOOD[key], 3000))
        out.append((key, [f(l4, GOOD[key], 0, 1000, 1),
                          f(l4, GOOD[key], 1000, 1000, 1),
                          f(l4, GOOD[key], 1000, 1000, 1),
                          f(l4, GOOD[key], 8, 16, 1),
                          f(l4, GOOD[key], 2000, len(l4) - 2000, 0)]))
        key = "rev6" if v6 else "rev4"
        l4 = _l4(v6, port, body(GOOD[key], 4000))
        frags = [f(l4, GOOD[key] & 0xffff, off, min(1200, len(l4) - off),
                   off + 1200 < len(l4)) for off in range(0, len(l4), 1200)]
        out.append((key, frags[::-1]))
    return out


def send_flood(ifname, port, src, dst):
    """Script mode: write the flood on @ifname, paced so that the tap's
    queue doesn't overflow, then the datagrams that must get through."""
    import socket
    sys.path.insert(0, HERE)
    from scapy.all import Ether
    from udp_peer import body
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    sent = failed = 0
    for name, frames in _flood(Ether(src=src, dst=dst), port, body):
        if name in GOOD:
            time.sleep(0.2)
        for i, b in enumerate(frames):
            if i and not i % 100:
                time.sleep(0.01)
            try:
                s.send(b)
                sent += 1
            except OSError:
                failed += 1
        time.sleep(0.002)
    print("sent %d failed %d" % (sent, failed))


if __name__ == "__main__":
    send_flood(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4])
    sys.exit(0)


# ---------------------------------------------------------------- tests --
import importlib.util  # noqa: E402
import itertools  # noqa: E402
import re  # noqa: E402

import pytest  # noqa: E402

import topo as T  # noqa: E402
from udp_peer import HDR, body  # noqa: E402

_ports = itertools.count(25600)
MTU = 1500

SNIFFER = r"""
import json, signal, socket, struct, sys, time
src, secs = sys.argv[1], float(sys.argv[3])
stop = []
signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
# a burst of echoes (3 x 41 fragments) overflows the default 208 KiB
s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE (root)
s.bind((sys.argv[2], 0))
s.settimeout(0.2)
fam = socket.AF_INET6 if ":" in src else socket.AF_INET
want = socket.inet_pton(fam, src)
print("ready", flush=True)
res = dict(frames=0, frags=0, max_len=0)
end = time.time() + secs
while time.time() < end and not stop:
    try:
        d, a = s.recvfrom(70000)
    except socket.timeout:
        continue
    if a[2] == socket.PACKET_OUTGOING or len(d) < 54:
        continue
    et = struct.unpack_from("!H", d, 12)[0]
    if et == 0x0800 and d[26:30] == want:
        frag = struct.unpack_from("!H", d, 20)[0] & 0x3fff
    elif et == 0x86dd and d[22:38] == want:
        frag = d[20] == 44
    else:
        continue
    res["frames"] += 1
    res["frags"] += bool(frag)
    res["max_len"] = max(res["max_len"], len(d))
print(json.dumps(res), flush=True)
"""


def _sniff(procs, netns, src, ifname):
    p = procs.popen(["ip", "netns", "exec", netns, T.PY, "-c", SNIFFER,
                     src, ifname, "60"], stdout=T.subprocess.PIPE,
                    text=True)
    assert p.stdout.readline().strip() == "ready"
    return p


def _sniff_result(p):
    p.terminate()
    out = p.communicate(timeout=10)[0].splitlines()
    assert out, "sniffer gave no result"
    return T.json.loads(out[-1])


@pytest.mark.ours_only("the 2023 pasta neither reassembles the guest's "
                       "fragments nor fragments what it sends to it")
@pytest.mark.parametrize("size", [4000, 60000])
@pytest.mark.parametrize("dst,src", [(T.REMOTE4, T.HOST4),
                                     (T.REMOTE6, T.HOST6)],
                         ids=["v4", "v6"])
def test_large_datagrams_round_trip_at_mtu_1500(topo, procs, tmp,
                                                attach_pasta, dst, src,
                                                size):
    att = attach_pasta("--config-net", "-m", str(MTU))
    link = T.link(topo.ip_json(att.netns, ["link", "show", att.ifname]),
                  att.ifname)
    assert link["mtu"] == MTU, link
    port = next(_ports)
    srv = T.start_udp_peer(procs, topo.remote, "echo", dst, port, tmp)
    sniff = _sniff(procs, att.netns, dst, att.ifname)
    p = T.start_udp_peer(procs, att.netns, "query", dst, port, count=3,
                         size=size, retries=1, wait=3)
    c = T.peer_result(p, 30)
    s = T.stop_udp_peer(srv)
    frames = _sniff_result(sniff)
    # the namespace's fragments were put together: remote got each whole
    assert s["corrupt"] == 0 and s["distinct"] == 3, s
    assert s["sample"][0].startswith(src + " "), s
    # and the echoes came back whole, from the right place
    assert c["answers"] == 3, c
    assert c["sources"] == {"%s %d" % (dst, port): 3}, c
    # as fragments that fit the MTU
    assert frames["frames"] >= 3 * (size // MTU + 1), frames
    assert frames["frags"] == frames["frames"], frames
    assert frames["max_len"] <= 14 + MTU, frames
    assert T.pid_alive(att.pasta_pid)


@pytest.mark.ours_only("the 2023 pasta neither reassembles the guest's "
                       "fragments nor fragments what it sends to it")
@pytest.mark.parametrize("dst", [T.REMOTE4, T.REMOTE6], ids=["v4", "v6"])
def test_large_ping_round_trip_at_mtu_1500(topo, attach_pasta, dst):
    # the request leaves the namespace as fragments, the reply (as large)
    # must come back as fragments of at most the MTU
    att = attach_pasta("--config-net", "-m", str(MTU))
    rc, tx, rx, out = T.ping(topo, att.netns, dst, count=3,
                             args=["-s", "4000"])
    assert rx == 3, out
    assert "4008 bytes from" in out, out
    assert T.pid_alive(att.pasta_pid)


@pytest.mark.ours_only("the 2023 pasta neither reassembles the guest's "
                       "fragments nor fragments what it sends to it")
def test_fragment_flood_is_survived(topo, procs, tmp, attach_pasta):
    T.need(importlib.util.find_spec("scapy") is not None,
           "python3-scapy is not installed")
    att = attach_pasta("--config-net", "-m", str(MTU))
    assert T.announce(att.netns), "the namespace did not resolve pasta"
    mac = T.gw_mac(att.netns)
    own = T.link(topo.ip_json(att.netns, ["link", "show", att.ifname]),
                 att.ifname)["address"]
    port = next(_ports)
    rec = T.start_udp_peer(procs, topo.remote, "echo", "::", port, tmp,
                           record=True, no_echo=True)
    r = topo.in_ns(att.netns, [T.PY, os.path.abspath(__file__), att.ifname,
                               port, own, mac], timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    m = re.search(r"sent (\d+) failed (\d+)", r.stdout)
    assert m and int(m.group(1)) > 2 * ENDLESS and m.group(2) == "0", \
        r.stdout
    T.wait_for(lambda: False, 0.5)
    assert T.pid_alive(att.pasta_pid), "pasta died on the fragment flood"
    got = [bytes.fromhex(h) for h in T.stop_udp_peer(rec)["payloads"]]
    seqs = sorted(HDR.unpack_from(b)[0] for b in got if len(b) >= HDR.size)
    # exactly the datagrams that were whole, once each, intact
    assert seqs == sorted(GOOD.values()), seqs
    for b in got:
        assert b == body(HDR.unpack_from(b)[0], len(b)), b[:16].hex()
    assert sorted(len(b) for b in got) == [3000, 3000, 4000, 4000]
    # still relaying, large datagrams included
    for dst in (T.REMOTE4, T.REMOTE6):
        srv = T.start_udp_peer(procs, topo.remote, "echo", dst, port + 1,
                               tmp)
        c = T.peer_result(T.start_udp_peer(procs, att.netns, "query", dst,
                                           port + 1, count=2, size=5000,
                                           wait=3), 20)
        T.stop_udp_peer(srv)
        assert c["answers"] == 2, (dst, c)
    assert T.pid_alive(att.pasta_pid)
