# SPDX-License-Identifier: GPL-2.0-or-later
"""test_udp_gso.py - UDP segmentation offload towards the namespace.

pasta gathers the datagrams one recvmmsg() reads from a socket into one tap
frame with UDP segmentation offload (virtio-net GSO_UDP_L4), and the
namespace's kernel splits them back.  Here a sender in `remote` answers a
receiver in pasta's namespace (which speaks first, so the flow exists, as
iperf3 -R does) with 20 bursts of 200 numbered datagrams (sendmmsg(), one
call a burst) whose sizes mix runs of equal sizes, shorter and longer ones,
empty and 1-byte ones, the largest the MTU allows, and pairs that just fit
or just overflow the IP length field.  IPv4 and IPv6, and IPv4 at MTU 1500
(-m 1500) with 1472-byte datagrams and a 4000-byte one mid-burst (over the
MTU: sent as IP fragments, never gathered).

* unpaced: every datagram that arrives is intact (its bytes are a function
  of its number and length), none is duplicated, all arrive in order, few
  are lost, and the tap received clearly fewer frames than datagrams
  (rx_packets in the namespace): the offload was used;
* paused (pasta is stopped while each burst is sent, so it reads each one
  UDP_BATCH datagrams at a time): the same, nothing lost, and the tap got
  exactly the frames model_frames() derives from the gathering rules; a
  packet socket with PACKET_VNET_HDR in the namespace sees as many offload
  frames, carrying as many datagrams, each with gso_type UDP_L4, the UDP
  checksum offset, the pseudo-header sum in the checksum field and a
  gso_size equal to its first datagram's length.  Also inbound, through a
  forwarded port (-u PORT: pasta's listening socket).

The other way (guest -> remote, runs of datagrams sent with UDP_SEGMENT,
and the fallback when the route refuses that) is tested at the end.

Run as a script, this file is one end of the exchange or the packet
sniffer (see main()).
"""

import json
import os
import socket
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from udp_peer import HDR, body  # noqa: E402

HELLO = b"\xffgso-hello"
ACK = b"\xffgso-ack"
GO = b"\xffgso-go"
BUF = 1 << 16


def _sizes_default(v6):
    """Size pattern at the default MTU (65520) of family @v6."""
    top = 65520 - (48 if v6 else 28)    # largest payload the MTU allows
    return ([1400] * 5 + [700] + [1400] * 3 + [1] + [1472] * 6 +
            [1000] * 7 + [1] * 4 + [0] + [8] * 3 + [1472, 1400, 1472] +
            # 65000 + 507: the IPv4 length limit (65507) exactly;
            # 65000 + 1400 past it; 32000 + 32000 + 1400 within it
            [65000, 507, 65000, 1400, 1400, 32000, 32000, 1400] +
            [top, 1] + [200] * 10)


def _sizes_mtu1500():
    """Size pattern at MTU 1500, IPv4: a 4000-byte one in the middle."""
    run = ([1472] * 8 + [1000] + [1472] * 3 + [1] + [1472] * 5 + [700] +
           [1] * 3 + [0] + [100] * 6 + [1472, 1400, 1472])
    out = []
    while len(out) < 100:
        out += run
    out = out[:100]
    out[50] = 4000
    return out


PATTERNS = {"default4": lambda: _sizes_default(False),
            "default6": lambda: _sizes_default(True),
            "mtu1500": _sizes_mtu1500}


def dgram(sizes, seq):
    """Datagram number @seq of pattern @sizes: udp_peer.py's body() when
    it has room for the number, else bytes counting up from @seq."""
    n = sizes[seq % len(sizes)]
    if n >= HDR.size:
        return body(seq, n)
    return bytes((seq + i) & 0xff for i in range(n))


def _short_seq(sizes, data, last, total):
    """Number of a datagram too short to carry it: the first after @last
    with that length and first byte (unique unless 256 in a row are lost)."""
    for seq in range(last + 1, min(total, last + 1 + 256 * len(sizes))):
        if sizes[seq % len(sizes)] == len(data) and \
                dgram(sizes, seq) == data:
            return seq
    return None


def _family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


class _Mmsg:
    """sendmmsg() through ctypes: a burst leaves in one system call, as fast
    as the kernel delivers it (a loop of sendto() would pace it)."""

    def __init__(self, msgs):
        import ctypes as C

        class Iov(C.Structure):
            _fields_ = [("base", C.c_void_p), ("len", C.c_size_t)]

        class Mmsg(C.Structure):
            _fields_ = [("name", C.c_void_p), ("namelen", C.c_uint32),
                        ("iov", C.POINTER(Iov)), ("iovlen", C.c_size_t),
                        ("control", C.c_void_p), ("controllen", C.c_size_t),
                        ("flags", C.c_int), ("pad", C.c_int),
                        ("len", C.c_uint)]

        self.C = C
        self.libc = C.CDLL(None, use_errno=True)
        self.bufs = [C.create_string_buffer(m, len(m)) for m in msgs]
        self.iov = (Iov * len(msgs))()
        self.mm = (Mmsg * len(msgs))()
        for i, m in enumerate(msgs):
            self.iov[i].base = C.addressof(self.bufs[i])
            self.iov[i].len = len(m)
            self.mm[i].iov = C.pointer(self.iov[i])
            self.mm[i].iovlen = 1

    def send(self, fd, first, n):
        """Send messages @first to @first + @n; (sent, errors)."""
        sent = errors = 0
        at, end = first, first + n
        while at < end:
            p = self.C.byref(self.mm, at * self.C.sizeof(self.mm[0]))
            r = self.libc.sendmmsg(fd, p, end - at, 0)
            if r <= 0:
                errors += 1
                at += 1
            else:
                sent += r
                at += r
        return sent, errors


def send(addr, port, pattern, bursts, per, gap, to=None):
    """Remote end: wait for the receiver's hello on @addr @port (or, given
    @to, send from @addr to @to @port at once), then send @bursts of @per
    numbered datagrams, unpaced within a burst, @gap seconds apart; with
    @gap < 0, each burst when a line comes on stdin ("sent" once out)."""
    sizes = PATTERNS[pattern]()
    s = socket.socket(_family(addr), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    s.bind((addr, 0 if to else port))
    s.settimeout(10)
    print("ready", flush=True)
    peer = (to, port) if to else None
    end = time.monotonic() + (0 if to else 20)
    while time.monotonic() < end:
        try:
            data, sa = s.recvfrom(BUF)
        except socket.timeout:
            continue
        if data == HELLO:
            peer = sa
            s.sendto(ACK, sa)
        elif data == GO and sa == peer:
            break
    else:
        if not to:
            return {"error": "no go from the receiver", "peer": str(peer)}
    s.connect(peer)
    mm = _Mmsg([dgram(sizes, i) for i in range(bursts * per)])
    sent = errors = 0
    if gap < 0:
        print("go", flush=True)
    for b in range(bursts):
        if gap < 0 and not sys.stdin.readline():
            break
        ok, bad = mm.send(s.fileno(), b * per, per)
        sent, errors = sent + ok, errors + bad
        if gap < 0:
            print("sent", flush=True)
        else:
            time.sleep(gap)
    return {"sent": sent, "send_errors": errors, "peer": str(peer[0])}


def _rx_packets(ifname):
    with open("/sys/class/net/%s/statistics/rx_packets" % ifname) as f:
        return int(f.read())


class Check:
    """Numbered datagrams of one pattern: intact, once, in order."""

    def __init__(self, sizes, total):
        self.sizes, self.total = sizes, total
        self.last = -1
        self.seen = set()
        self.got = self.dups = self.late = self.corrupt = 0
        self.first_bad = None
        self.big = 0

    def bad(self, why, data):
        self.corrupt += 1
        if self.first_bad is None:
            self.first_bad = "%s: %d bytes %s" % (why, len(data),
                                                  data[:16].hex())

    def add(self, data):
        self.got += 1
        if len(data) >= HDR.size:
            seq = HDR.unpack_from(data)[0]
            if seq >= self.total or data != dgram(self.sizes, seq):
                self.bad("content", data)
                return
        else:
            seq = _short_seq(self.sizes, data, self.last, self.total)
            if seq is None:
                self.bad("short", data)
                return
        if seq in self.seen:
            self.dups += 1
            return
        self.seen.add(seq)
        self.big += len(data) > 1472
        if seq < self.last:
            self.late += 1
        self.last = max(self.last, seq)


def recv(addr, port, ifname, pattern, total, deadline, listen=False):
    """Namespace end: say hello to @addr @port (@listen: bind port @port
    instead, dual-stack, and say "ready"), then receive and check up to
    @total datagrams, counting the tap's frames meanwhile."""
    sizes = PATTERNS[pattern]()
    s = socket.socket(socket.AF_INET6 if listen else _family(addr),
                      socket.SOCK_DGRAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)    # SO_RCVBUFFORCE
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.settimeout(1)
    if listen:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind(("::", port))
        rx0 = _rx_packets(ifname)
        print("ready", flush=True)
    for _ in range(0 if listen else 5):
        s.sendto(HELLO, (addr, port))
        try:
            if s.recvfrom(BUF)[0] == ACK:
                break
        except socket.timeout:
            continue
    else:
        if not listen:
            return {"error": "no answer to hello"}
    if not listen:
        rx0 = _rx_packets(ifname)
        s.sendto(GO, (addr, port))
    c = Check(sizes, total)
    s.settimeout(0.2)
    end = time.monotonic() + deadline
    idle_since = time.monotonic()
    while c.got < total and time.monotonic() < end and \
            time.monotonic() - idle_since < 2:
        try:
            data, sa = s.recvfrom(BUF)
        except socket.timeout:
            continue
        idle_since = time.monotonic()
        if data != ACK:
            c.add(data)
    frames = _rx_packets(ifname) - rx0
    return {"total": total, "received": c.got, "distinct": len(c.seen),
            "dups": c.dups, "late": c.late, "corrupt": c.corrupt,
            "first_bad": c.first_bad, "big": c.big, "frames": frames,
            "rcvbuf": s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)}


def _fold(v):
    while v > 0xffff:
        v = (v & 0xffff) + (v >> 16)
    return v


def _words(b):
    if len(b) % 2:
        b += b"\0"
    return sum(struct.unpack("!%dH" % (len(b) // 2), b))


class _Frames:
    """What the namespace's kernel got on the tap from one source: every
    frame, the offload ones (virtio-net header, PACKET_VNET_HDR) checked."""

    def __init__(self, src, sizes):
        self.fam = _family(src)
        self.src = socket.inet_pton(self.fam, src)
        self.sizes = sizes
        self.r = {"frames": 0, "gso": 0, "segs": 0, "bad": 0,
                  "first_bad": None}

    def bad(self, why):
        self.r["bad"] += 1
        if self.r["first_bad"] is None:
            self.r["first_bad"] = why

    def add(self, vh, d):
        v6 = self.fam == socket.AF_INET6
        l4 = 14 + (40 if v6 else 20)
        et = struct.unpack_from("!H", d, 12)[0]
        if et != (0x86dd if v6 else 0x0800) or len(d) < l4 + 8:
            return
        if d[(22 if v6 else 26):(38 if v6 else 30)] != self.src or \
                d[(20 if v6 else 23)] != 17:
            return
        self.r["frames"] += 1
        flags, gtype, hlen, gsize, cstart, coff = struct.unpack_from(
            "<BBHHHH", vh)
        if not gtype:
            return
        self.r["gso"] += 1
        ulen = struct.unpack_from("!H", d, l4 + 4)[0]
        pay = ulen - 8
        # frames shorter than 60 bytes are padded (IEEE 802.3 minimum)
        if (flags, gtype, cstart, coff) != (1, 5, l4, 6) or \
                ulen != len(d) - l4 and (len(d) != 60 or ulen > 60 - l4) \
                or not 0 < gsize < pay:
            self.bad("header %r, udp length %d of %d" %
                     ((flags, gtype, hlen, gsize, cstart, coff), ulen,
                      len(d) - l4))
            return
        self.r["segs"] += -(-pay // gsize)
        # the checksum field holds the pseudo-header sum (RFC 768, RFC 8200
        # section 8.1), over the whole length: the kernel adjusts it per
        # segment
        pseudo = _words(d[l4 - (32 if v6 else 8):l4]) + 17 + ulen
        seed = struct.unpack_from("!H", d, l4 + 6)[0]
        if _fold(pseudo) % 0xffff != seed % 0xffff:
            self.bad("checksum field %04x, pseudo-header sum %04x" %
                     (seed, _fold(pseudo)))
        # every segment but the last is a whole datagram of gso_size bytes
        if gsize >= HDR.size:
            seq = HDR.unpack_from(d, l4 + 8)[0]
            if self.sizes[seq % len(self.sizes)] != gsize:
                self.bad("gso_size %d, first datagram %d is %d bytes" %
                         (gsize, seq, self.sizes[seq % len(self.sizes)]))


def sniff(ifname, src, pattern, secs):
    """Namespace end: count and check the frames from @src on @ifname, until
    SIGTERM or @secs seconds."""
    import signal
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
    s.setsockopt(263, 15, 1)                    # SOL_PACKET, PACKET_VNET_HDR
    s.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)   # SO_RCVBUFFORCE
    s.bind((ifname, 0))
    s.settimeout(0.1)
    f = _Frames(src, PATTERNS[pattern]())
    print("ready", flush=True)
    end = time.monotonic() + secs
    while time.monotonic() < end:
        try:
            d, a = s.recvfrom(70000)
        except socket.timeout:
            if stop:
                break
            continue
        if a[2] != socket.PACKET_OUTGOING and len(d) > 10:
            f.add(d[:10], d[10:])
    return f.r


def main(argv):
    try:
        import ctypes
        ctypes.CDLL(None).prctl(1, 9, 0, 0, 0)  # PR_SET_PDEATHSIG, SIGKILL
    except OSError:
        pass
    if argv[0] == "send":
        r = send(argv[1], int(argv[2]), argv[3], int(argv[4]), int(argv[5]),
                 float(argv[6]), *argv[7:8])
    elif argv[0] == "sniff":
        r = sniff(argv[1], argv[2], argv[3], float(argv[4]))
    else:
        r = recv(argv[1], int(argv[2]), argv[3], argv[4], int(argv[5]),
                 float(argv[6]), argv[7:8] == ["listen"])
    print(json.dumps(r), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


# ---------------------------------------------------------------- tests --
import itertools  # noqa: E402
import select  # noqa: E402
import signal  # noqa: E402

import pytest  # noqa: E402

import topo as T  # noqa: E402

_ports = itertools.count(25700)

BURSTS = 20
PER_BURST = 200
GAP = 0.02                  # seconds between unpaced bursts
SETTLE = 0.05               # seconds a paused burst gets to reach pasta
LOSS_PCT = 1.0
FRAME_RATIO = 0.7           # tap frames per datagram received, at most
BATCH = 32                  # datagrams pasta reads per recvmmsg() (UDP_BATCH)
SEGS = 64                   # UDP_GSO_SEGS
FRAME_MAX = 65600           # pasta's tap buffer (TAP_FRAME_MAX)


def model_frames(sizes, first, n, mtu, v6):
    """(frames, offload frames, datagrams in those) that pasta writes to the
    tap for datagrams @first .. @first + @n - 1 of @sizes, read BATCH at a
    time, by the rules of udp_gso.c and udp.c: a frame gathers datagrams of
    the first one's length, the last may be shorter; one over the MTU goes
    out as fragments, and whatever follows it in the same read one a frame."""
    l3 = 40 if v6 else 20
    hdrs = 14 + l3 + 8
    l4_max = 65535 - 8 - (0 if v6 else 20)
    # RFC 791 / RFC 8200 section 4.5: fragment data in multiples of 8
    step = (mtu - l3 - (8 if v6 else 0)) // 8 * 8
    out = [0, 0, 0]

    def close(g):
        if g:
            out[0] += 1
            out[1] += g[2] > 1
            out[2] += g[2] if g[2] > 1 else 0

    for b in range(first, first + n, BATCH):
        g = None        # [seg, bytes, cnt, closed]
        frag = False
        for seq in range(b, min(b + BATCH, first + n)):
            ln = sizes[seq % len(sizes)]
            if g and not g[3] and ln and ln <= g[0] and g[2] < SEGS and \
                    g[1] + ln <= l4_max and hdrs + g[1] + ln <= FRAME_MAX:
                g = [g[0], g[1] + ln, g[2] + 1, ln < g[0]]
                continue
            close(g)
            g = None
            if not frag and ln + l3 + 8 <= mtu:
                g = [ln, ln, 1, not ln]
            elif ln + l3 + 8 > mtu:
                frag = True
                out[0] += -(-(ln + 8) // step)
            else:
                out[0] += 1
        close(g)
    return tuple(out)


def _run_pair(att, snd, rcv, paused_bursts):
    """Run sender @snd and receiver @rcv to the end; with @paused_bursts,
    pasta is stopped while each of that many bursts is sent. Returns the
    receiver's and the sender's JSON results."""
    if paused_bursts:
        line = _line(snd, 15)
        assert line == "go", (line, snd.poll())
        for _ in range(paused_bursts):
            os.kill(att.pasta_pid, signal.SIGSTOP)
            try:
                snd.stdin.write(b"burst\n")
                line = _line(snd, 10)
                time.sleep(SETTLE)
            finally:
                os.kill(att.pasta_pid, signal.SIGCONT)
            assert line == "sent", (line, snd.poll())
            time.sleep(SETTLE)
    out, err = rcv.communicate(timeout=40)
    assert rcv.returncode == 0, out[-2000:] + err[-2000:]
    got = T.peer_json(out)
    out, err = snd.communicate(timeout=20)
    assert snd.returncode == 0, err[-2000:]
    return got, T.peer_json(out)


def _line(p, timeout):
    """Next stdout line of Popen @p (unbuffered) within @timeout seconds."""
    end = time.monotonic() + timeout
    out = b""
    while not out.endswith(b"\n") and time.monotonic() < end:
        r, _, _ = select.select([p.stdout], [], [], end - time.monotonic())
        c = p.stdout.read(1) if r else b""
        if not c:
            break
        out += c
    return out.decode(errors="replace").strip()


def _exchange(topo, procs, att, dst, pattern, paused=False, port=None,
              host=None):
    """Run sender (remote, bound to @dst) and receiver (@att's namespace);
    return the receiver's and the sender's results.  @paused: pasta is
    stopped (SIGSTOP) while each burst is sent, so that it reads every
    burst BATCH datagrams at a time.  @host: inbound, the sender sends to
    @host @port, forwarded by pasta to the receiver's port @port."""
    port = port or next(_ports)
    total = BURSTS * PER_BURST
    me = os.path.abspath(__file__)
    rcv_argv = ["ip", "netns", "exec", att.netns, T.PY, me, "recv", dst,
                str(port), att.ifname, pattern, str(total), "25"]
    if host:
        rcv = procs.popen(rcv_argv + ["listen"], bufsize=0)
        line = _line(rcv, 10)
        assert line == "ready", (line, rcv.poll())
    # unbuffered: lines are read one by one, then communicate() takes over
    snd = procs.popen(["ip", "netns", "exec", topo.remote, T.PY, me, "send",
                       dst, str(port), pattern, str(BURSTS), str(PER_BURST),
                       str(-1 if paused else GAP)] + ([host] if host else []),
                      bufsize=0, stdin=T.subprocess.PIPE)
    line = _line(snd, 10)
    assert line == "ready", (line, snd.poll())
    if not host:
        rcv = procs.popen(rcv_argv)
    got, sent = _run_pair(att, snd, rcv, BURSTS if paused else 0)
    print("udp gso %s%s%s: %s / %s" % (pattern, " paused" if paused else "",
                                       " inbound" if host else "", got,
                                       sent))
    return got, sent


def _check(got, sent, total):
    assert "error" not in got and "error" not in sent, (got, sent)
    assert sent["sent"] == total and sent["send_errors"] == 0, sent
    assert got["corrupt"] == 0, got
    assert got["dups"] == 0, got
    assert got["late"] == 0, got
    assert got["distinct"] >= total * (1 - LOSS_PCT / 100), got


def _big(sizes, total):
    return sum(1 for i in range(total) if sizes[i % len(sizes)] > 1472)


CASES = [pytest.param(T.REMOTE4, "default4", None, id="v4"),
         pytest.param(T.REMOTE6, "default6", None, id="v6"),
         pytest.param(T.REMOTE4, "mtu1500", 1500, id="v4-mtu1500")]


def _start(topo, attach_pasta, mtu, fwd=None):
    att = attach_pasta("--config-net", *(["-m", str(mtu)] if mtu else []),
                       fwd=fwd)
    link = T.link(topo.ip_json(att.netns, ["link", "show", att.ifname]),
                  att.ifname)
    assert link["mtu"] == (mtu or T.MTU_DEFAULT), link
    return att


@pytest.mark.ours_only("UDP segmentation offload towards the tap")
@pytest.mark.parametrize("dst,pattern,mtu", CASES)
def test_unpaced_bursts_gathered_intact_in_order(topo, procs, attach_pasta,
                                                 dst, pattern, mtu):
    att = _start(topo, attach_pasta, mtu)
    got, sent = _exchange(topo, procs, att, dst, pattern)
    total = BURSTS * PER_BURST
    _check(got, sent, total)
    # the large ones (up to the MTU's largest, or fragmented) made it too
    big = _big(PATTERNS[pattern](), total)
    assert got["big"] >= big * (1 - LOSS_PCT / 100) - 1, (got, big)
    # the offload was used: clearly fewer frames than datagrams
    assert got["frames"] < got["received"] * FRAME_RATIO, got
    assert T.pid_alive(att.pasta_pid)


PAUSED = CASES + [
    pytest.param(T.REMOTE4, "default4", None, id="v4-inbound"),
    pytest.param(T.REMOTE6, "default6", None, id="v6-inbound")]


@pytest.mark.ours_only("UDP segmentation offload towards the tap")
@pytest.mark.parametrize("dst,pattern,mtu", PAUSED)
def test_paused_bursts_frames_follow_the_rules(request, topo, procs,
                                               attach_pasta, dst, pattern,
                                               mtu):
    # inbound: through a forwarded port (pasta's listening socket, by
    # default a dual-stack wildcard), else through a flow's own socket
    inbound = request.node.callspec.id.endswith("inbound")
    port = next(_ports)
    att = _start(topo, attach_pasta, mtu,
                 T.fwd_args(udp=[port]) if inbound else None)
    sn = procs.popen(["ip", "netns", "exec", att.netns, T.PY,
                      os.path.abspath(__file__), "sniff", att.ifname, dst,
                      pattern, "60"], bufsize=0)
    line = _line(sn, 10)
    assert line == "ready", (line, sn.poll())
    got, sent = _exchange(topo, procs, att, dst, pattern, paused=True,
                          port=port, host=(T.HOST6 if ":" in dst else
                                           T.HOST4) if inbound else None)
    sn.terminate()
    out, err = sn.communicate(timeout=20)
    assert sn.returncode == 0, err[-2000:]
    seen = T.peer_json(out)
    print("udp gso %s frames on the tap: %s" % (pattern, seen))
    total = BURSTS * PER_BURST
    _check(got, sent, total)
    assert got["distinct"] == total, got
    sizes = PATTERNS[pattern]()
    want = [model_frames(sizes, b * PER_BURST, PER_BURST,
                         mtu or T.MTU_DEFAULT, ":" in dst)
            for b in range(BURSTS)]
    frames, gso, segs = (sum(w[k] for w in want) for k in range(3))
    # every burst read BATCH at a time: exactly the frames the rules make
    # (a couple more allowed for the namespace's own neighbour traffic)
    assert frames <= got["frames"] <= frames + 2, (got["frames"], frames,
                                                   got)
    # the offload frames: as many, with the right virtio-net header,
    # checksum field and segment size
    assert seen["bad"] == 0, seen
    assert seen["gso"] == gso and seen["segs"] == segs, (seen, gso, segs)
    # (and the receiver's handshake answer, if any, once or twice)
    assert frames <= seen["frames"] <= frames + 2, (seen, frames)
    assert T.pid_alive(att.pasta_pid)


# ------------------------------------------------ guest -> remote direction --
# The other way, pasta sends a run of the guest's datagrams of one flow to its
# host socket with one sendmsg() carrying UDP_SEGMENT (udp_gso_count(): up to
# 64 datagrams of the first one's length, the last may be shorter, none longer
# than 1452 bytes).  A sender in pasta's namespace sends numbered bursts (one
# sendmmsg() each) to a receiver in `remote`; the remote veth (REMOTE_IF)
# counts one received packet per skb, and the host's kernel hands a gathered
# send to the veth as one offload skb (veth takes NETIF_F_GSO_UDP_L4), so
# rem0's rx_packets grows by clearly fewer packets than datagrams arrive.
# Then the fallback: with the host <-> remote path at MTU 1280, a gathered
# send of 1400-byte (IPv4) or 1300-byte (IPv6) segments is refused (EINVAL:
# the segment size is over the route's MTU); pasta sends the datagrams one by
# one instead (the kernel fragments them) and stays so for the flow.

def _sizes_out():
    """Guest -> remote: runs of 1400 with shorter ones, 1-byte ones, runs of
    1452 (the largest gathered) and 1453 (one more: sent alone), and a
    4000-byte one mid-burst (IP fragments on the 1500-byte veth)."""
    run = ([1400] * 12 + [700] + [1400] * 4 + [1] + [1452] * 9 +
           [1453] * 3 + [1000] * 6 + [1] * 3 + [1452, 1400, 1452] +
           [300] * 8)
    out = (run * 4)[:PER_OUT]
    out[PER_OUT // 2] = 4000
    return out


PER_OUT = 200               # datagrams a burst (the size pattern's period)
BURSTS_OUT = 10
BURSTS_FB = 6
OUT_RATIO = 0.5             # remote packets per datagram received, at most
FB_MTU = 1280               # host <-> remote MTU for the fallback
PATTERNS.update({"out": _sizes_out,
                 "fb4": lambda: [1400],
                 "fb6": lambda: [1300]})

# The peers' entry: the module imported (as a script, the patterns above
# would not be registered), then main()
_ENTRY = ("import sys; sys.path.insert(0, %r); import test_udp_gso as m; "
          "sys.exit(m.main(sys.argv[1:]))" % HERE)


def _exchange_out(topo, procs, att, dst, pattern, bursts, paused=False):
    """Receiver in `remote` (bound to a fresh port, counting REMOTE_IF's
    rx_packets), sender in @att's namespace sending @bursts of PER_OUT to
    @dst; @paused: pasta stopped while each burst is sent, so that it
    reads every burst from a full tap queue."""
    port = next(_ports)
    total = bursts * PER_OUT
    # neighbours resolved first (the namespace's gateway, through pasta the
    # host's remote): while the kernel resolves one it queues the first
    # datagrams (a bounded queue: it drops the oldest), and what is sent
    # while that queue is flushed can overtake them
    rc, _, rx, out = T.ping(topo, att.netns, dst, count=1)
    assert rc == 0 and rx == 1, out
    rcv = procs.popen(["ip", "netns", "exec", topo.remote, T.PY, "-c",
                       _ENTRY, "recv", dst, str(port), T.REMOTE_IF, pattern,
                       str(total), "20", "listen"], bufsize=0)
    line = _line(rcv, 10)
    assert line == "ready", (line, rcv.poll())
    snd = procs.popen(["ip", "netns", "exec", att.netns, T.PY, "-c", _ENTRY,
                       "send", "::" if ":" in dst else "0.0.0.0", str(port),
                       pattern, str(bursts), str(PER_OUT),
                       str(-1 if paused else GAP), dst],
                      bufsize=0, stdin=T.subprocess.PIPE)
    line = _line(snd, 10)
    assert line == "ready", (line, snd.poll())
    got, sent = _run_pair(att, snd, rcv, bursts if paused else 0)
    print("udp gso out %s %s%s: %s / %s" % (
        dst, pattern, " paused" if paused else "", got, sent))
    return got, sent


OUT_CASES = [pytest.param(T.REMOTE4, id="v4"),
             pytest.param(T.REMOTE6, id="v6")]


@pytest.mark.ours_only("UDP segmentation offload towards host sockets")
@pytest.mark.parametrize("dst", OUT_CASES)
def test_out_bursts_gathered_intact_in_order(topo, procs, attach_pasta, dst):
    att = _start(topo, attach_pasta, None)
    got, sent = _exchange_out(topo, procs, att, dst, "out", BURSTS_OUT)
    total = BURSTS_OUT * PER_OUT
    _check(got, sent, total)
    # the 4000-byte ones (fragmented on the way) and the 1453-byte ones
    # (never gathered) made it
    sizes = PATTERNS["out"]()
    big = _big(sizes, total)
    assert got["big"] >= big * (1 - LOSS_PCT / 100) - 1, (got, big)
    # gathered: clearly fewer packets reached the remote than datagrams
    # (one by one, every datagram is a packet, the 4000-byte ones three)
    ratio = got["frames"] / max(1, got["received"])
    print("udp gso out %s: %d packets for %d datagrams (%.3f)" % (
        dst, got["frames"], got["received"], ratio))
    assert got["frames"] < got["received"] * OUT_RATIO, got
    assert T.pid_alive(att.pasta_pid)


def _set_path_mtu(topo, mtu):
    """MTU of both ends of the host <-> remote veth; the old one."""
    old = T.link(topo.ip_json(topo.host, ["link", "show", T.HOST_IF]),
                 T.HOST_IF)["mtu"]
    T.sh(["ip", "-n", topo.host, "link", "set", T.HOST_IF, "mtu", str(mtu)])
    T.sh(["ip", "-n", topo.remote, "link", "set", T.REMOTE_IF, "mtu",
          str(mtu)])
    return old


FB_CASES = [pytest.param(T.REMOTE4, "fb4", id="v4-1400"),
            pytest.param(T.REMOTE6, "fb6", id="v6-1300")]


@pytest.mark.ours_only("UDP segmentation offload towards host sockets")
@pytest.mark.parametrize("dst,pattern", FB_CASES)
def test_out_refused_offload_falls_back(topo, procs, attach_pasta, dst,
                                        pattern):
    att = _start(topo, attach_pasta, None)
    old = _set_path_mtu(topo, FB_MTU)
    try:
        # paused: the first read of the tap finds a whole burst, so the
        # first send is a gathered one, and the route refuses it
        got, sent = _exchange_out(topo, procs, att, dst, pattern,
                                  BURSTS_FB, paused=True)
    finally:
        _set_path_mtu(topo, old)
    total = BURSTS_FB * PER_OUT
    _check(got, sent, total)
    # every one, the first burst's too
    assert got["distinct"] == total, got
    # and fragmented on the way: the path really was 1280 bytes
    assert got["frames"] >= 2 * got["received"], got
    assert T.pid_alive(att.pasta_pid)
