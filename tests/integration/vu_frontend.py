# SPDX-License-Identifier: GPL-2.0-or-later
"""vu_frontend.py - a small vhost-user front end (what qemu does), in Python.

Theory of operation: passt --vhost-user is a vhost-user back end (compat.md
4.3, vhost-user.rst).  Its front end (qemu) owns the guest's memory and the
virtqueues in it; over the UNIX socket it sends messages (a 12-byte header:
request, flags, payload size, little-endian; then the payload; descriptors
with SCM_RIGHTS) that tell the back end the features, the memory regions
(one descriptor each) and where the rings are.  This module plays that
part with nothing but the standard library:

* Memory: one memfd is the guest's RAM, mapped here too.  Like qemu's
  layout on x86 it is given to passt as two regions of the same descriptor:
  guest-physical 0 and 4 GiB (the second with an mmap offset), and each
  region has a front-end virtual address ("uva") unrelated to its
  guest-physical one.  Ring addresses travel as uva, descriptor addresses
  as guest-physical ones, as the protocol says; a test can get either
  wrong on purpose.
* Virtqueues: split rings (virtio 1.2, 2.7): a descriptor table (16 bytes
  each: addr, len, flags NEXT/WRITE/INDIRECT, next), the available ring
  (flags, idx, ring[num], used_event) and the used ring (flags, idx,
  ring[num] of (id, len), avail_event), laid out in the memfd.  Queue 0 is
  the guest's receive queue (passt writes frames into buffers posted
  there), queue 1 the transmit queue (passt reads frames the guest put
  there after a kick on the queue's eventfd).
* Frames carry struct virtio_net_hdr_mrg_rxbuf (12 bytes: VERSION_1 makes
  it 12 bytes with or without MRG_RXBUF); with MRG_RXBUF a received frame
  may span several buffers, counted by the header's num_buffers.
* Everything here can also be done wrong: raw messages (any request, size,
  payload and descriptors), descriptors written by hand, indices set by
  hand; that is what test_vu_protocol.py's hostile cases use.

Used by test_vu_protocol.py, and by test_vu_migrate.py for
SET_DEVICE_STATE_FD and CHECK_DEVICE_STATE (a pipe, as qemu migrates);
the frames it sends (DHCP, ARP, ICMP, UDP) are built in
test_vu_protocol.py and guest_bridge.py.
"""

import fcntl
import mmap
import os
import select
import socket
import struct
import time

# Requests (vhost-user.rst "Front-end message types")
GET_FEATURES = 1
SET_FEATURES = 2
SET_OWNER = 3
RESET_OWNER = 4
SET_MEM_TABLE = 5
SET_LOG_BASE = 6
SET_LOG_FD = 7
SET_VRING_NUM = 8
SET_VRING_ADDR = 9
SET_VRING_BASE = 10
GET_VRING_BASE = 11
SET_VRING_KICK = 12
SET_VRING_CALL = 13
SET_VRING_ERR = 14
GET_PROTOCOL_FEATURES = 15
SET_PROTOCOL_FEATURES = 16
GET_QUEUE_NUM = 17
SET_VRING_ENABLE = 18
SEND_RARP = 19
SET_DEVICE_STATE_FD = 42
CHECK_DEVICE_STATE = 43

# SET_DEVICE_STATE_FD payload (vhost-user.rst "Migrating back-end state")
STATE_SAVE = 0             # direction: back end writes its state
STATE_LOAD = 1             # direction: back end reads it
STATE_STOPPED = 0          # phase

HDR = struct.Struct("<III")
VERSION = 0x1
F_REPLY = 0x4
F_NEED_REPLY = 0x8
VRING_NOFD = 1 << 8
VRING_F_LOG = 1            # SET_VRING_ADDR flags: log used ring writes

# Feature bits (virtio 1.2 5.1.3, vhost-user.rst)
F_CSUM = 0
F_GUEST_CSUM = 1
F_GUEST_TSO4 = 7
F_GUEST_TSO6 = 8
F_HOST_TSO4 = 11
F_HOST_TSO6 = 12
F_MRG_RXBUF = 15
F_LOG_ALL = 26
F_INDIRECT_DESC = 28
F_EVENT_IDX = 29
F_PROTOCOL_FEATURES = 30
F_VERSION_1 = 32
F_GUEST_USO4 = 54
F_GUEST_USO6 = 55
F_HOST_USO = 56

PF_MQ = 0
PF_LOG_SHMFD = 1
PF_RARP = 2
PF_REPLY_ACK = 3
PF_DEVICE_STATE = 19

# Descriptor flags
D_NEXT = 1
D_WRITE = 2
D_INDIRECT = 4

RXQ, TXQ = 0, 1
NET_HDR_LEN = 12
PAGE = 4096
LOG_PAGE = 4096            # one dirty-log bit per 4 KiB of guest memory


def bit(n):
    return 1 << n


class GuestMemory:
    """A memfd as guest RAM: @regions of @size bytes each, region i at
    guest-physical @gpas[i] and front-end address uva_base + i * size,
    backed by the memfd at offset i * size (that is its mmap offset).
    @fd_size is the memfd's real size (default: all regions); a smaller
    one makes a region claim more than the descriptor holds.  The memfd
    is sealed against growing and shrinking unless @seal is false."""

    def __init__(self, size=8 << 20, gpas=(0, 1 << 32),
                 uva_base=0x7f3a40000000, fd_size=None, seal=True):
        self.size = size
        self.gpas = list(gpas)
        self.uva_base = uva_base
        self.total = size * len(self.gpas)
        self.fd = os.memfd_create("vu-guest-ram",
                                  os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
        os.ftruncate(self.fd, self.total if fd_size is None else fd_size)
        if seal:
            # as qemu's memory-backend-memfd (seal=on, its default): the
            # back end may rely on the size staying
            fcntl.fcntl(self.fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK |
                        fcntl.F_SEAL_GROW | fcntl.F_SEAL_SEAL)
        self.map = mmap.mmap(self.fd, min(self.total, fd_size or self.total))
        self.next = [0] * len(self.gpas)   # bump allocator per region

    def regions(self):
        """[(gpa, size, uva, mmap_offset)] as SET_MEM_TABLE carries them."""
        return [(g, self.size, self.uva_base + i * self.size, i * self.size)
                for i, g in enumerate(self.gpas)]

    def alloc(self, n, align=16, region=0):
        """Offset in the memfd of @n fresh zeroed bytes in @region."""
        at = (self.next[region] + align - 1) & ~(align - 1)
        assert at + n <= self.size, "guest memory exhausted"
        self.next[region] = at + n
        off = region * self.size + at
        self.map[off:off + n] = bytes(n)
        return off

    def gpa(self, off):
        i, rel = divmod(off, self.size)
        return self.gpas[i] + rel

    def uva(self, off):
        return self.uva_base + off

    def off_of_gpa(self, gpa):
        for i, g in enumerate(self.gpas):
            if g <= gpa < g + self.size:
                return i * self.size + gpa - g
        raise ValueError("gpa 0x%x outside guest memory" % gpa)

    def read(self, off, n):
        return bytes(self.map[off:off + n])

    def write(self, off, data):
        self.map[off:off + len(data)] = data

    def close(self):
        self.map.close()
        os.close(self.fd)


class Virtqueue:
    """A split virtqueue of @num entries in @mem (region @region).  The
    rings' offsets (desc, avail, used) are set on creation; descriptors are
    handed out from a free list, or written by hand with set_desc()."""

    def __init__(self, mem, index, num=256, region=0):
        self.mem, self.index, self.num = mem, index, num
        self.desc = mem.alloc(16 * num, 16, region)
        self.avail = mem.alloc(6 + 2 * num, 2, region)
        self.used = mem.alloc(6 + 8 * num, PAGE, region)
        self.free = list(range(num))
        self.avail_idx = 0
        self.last_used = 0
        self.chains = {}       # head -> [(off, len, write)]
        self.kick = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
        self.call = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)

    # -- raw access (for the hostile tests) -------------------------------
    def set_desc(self, i, addr, length, flags, nxt=0):
        self.mem.write(self.desc + 16 * i,
                       struct.pack("<QIHH", addr, length, flags, nxt))

    def set_avail(self, slot, head):
        self.mem.write(self.avail + 4 + 2 * (slot % self.num),
                       struct.pack("<H", head))

    def set_avail_idx(self, idx):
        self.avail_idx = idx & 0xffff
        self.mem.write(self.avail + 2, struct.pack("<H", self.avail_idx))

    def used_idx(self):
        return struct.unpack("<H", self.mem.read(self.used + 2, 2))[0]

    def addr_payload(self, flags=0, log_gpa=None):
        """SET_VRING_ADDR payload: ring addresses as front-end addresses,
        the used ring's guest-physical address for the log."""
        return struct.pack("<IIQQQQ", self.index, flags,
                           self.mem.uva(self.desc), self.mem.uva(self.used),
                           self.mem.uva(self.avail),
                           self.mem.gpa(self.used) if log_gpa is None
                           else log_gpa)

    # -- the driver side ----------------------------------------------------
    def post(self, bufs):
        """Make the chain @bufs [(offset, len, device-writable)] available;
        returns its head."""
        assert len(self.free) >= len(bufs), "descriptor table full"
        ids = [self.free.pop(0) for _ in bufs]
        for k, (off, n, w) in enumerate(bufs):
            last = k == len(bufs) - 1
            self.set_desc(ids[k], self.mem.gpa(off), n,
                          (D_WRITE if w else 0) | (0 if last else D_NEXT),
                          0 if last else ids[k + 1])
        self.chains[ids[0]] = (ids, list(bufs))
        self.set_avail(self.avail_idx, ids[0])
        self.set_avail_idx(self.avail_idx + 1)
        return ids[0]

    def notify(self):
        os.eventfd_write(self.kick, 1)

    def reap(self):
        """[(head, written length, chain)] the device used since last time;
        their descriptors go back to the free list."""
        out = []
        now = self.used_idx()
        while self.last_used != now:
            slot = self.last_used % self.num
            head, n = struct.unpack("<II", self.mem.read(
                self.used + 4 + 8 * slot, 8))
            ids, bufs = self.chains.pop(head, ([], []))
            self.free.extend(ids)
            out.append((head, n, bufs))
            self.last_used = (self.last_used + 1) & 0xffff
        return out

    def close(self):
        for fd in (self.kick, self.call):
            try:
                os.close(fd)
            except OSError:
                pass


class Reply:
    """One message from the back end."""

    def __init__(self, raw):
        self.raw = raw
        self.req, self.flags, self.size = HDR.unpack_from(raw)
        self.payload = raw[HDR.size:]

    @property
    def u64(self):
        return struct.unpack("<Q", self.payload)[0]

    def __repr__(self):
        return "Reply(req=%d flags=0x%x size=%d payload=%s)" % (
            self.req, self.flags, self.size, self.payload.hex())


def connect(path, timeout=5):
    """A stream socket connected to @path, retried until @timeout while the
    back end has bound but not yet listens (or its backlog is full)."""
    import guest_bridge as GB
    end = time.monotonic() + timeout
    while True:
        try:
            return GB.connect_unix(str(path), timeout)
        except (ConnectionRefusedError, socket.timeout):
            if time.monotonic() >= end:
                raise
            time.sleep(0.05)


class Frontend:
    """A connection to a vhost-user back end at @path, and a guest."""

    def __init__(self, path, timeout=5, mem=None, num=256):
        self.s = connect(path, timeout)
        self.s.settimeout(timeout)
        self.timeout = timeout
        self.mem = mem or GuestMemory()
        self.num = num
        self.vq = []
        self.features = 0
        self.log = None
        self.rx_bufs = 0
        self.gone = False

    # -- messages -------------------------------------------------------------
    def send(self, req, payload=b"", fds=(), flags=VERSION, size=None):
        """Send one message (raw: @size overrides the header's size)."""
        hdr = HDR.pack(req, flags, len(payload) if size is None else size)
        try:
            if fds:
                socket.send_fds(self.s, [hdr + payload], list(fds))
            else:
                self.s.sendall(hdr + payload)
        except (BrokenPipeError, ConnectionResetError):
            # the back end closed the connection (as it may on hostile
            # input): what follows is only sent into the void
            self.gone = True

    def recv(self, timeout=None):
        """The next message (header and payload) from the back end."""
        self.s.settimeout(timeout or self.timeout)
        raw = self._recvn(HDR.size)
        size = HDR.unpack(raw)[2]
        assert size <= 4096, "reply claims a %d-byte payload" % size
        return Reply(raw + self._recvn(size))

    def _recvn(self, n):
        buf = b""
        while len(buf) < n:
            d = self.s.recv(n - len(buf))
            if not d:
                raise EOFError("back end closed the connection")
            buf += d
        return buf

    def call(self, req, payload=b"", fds=(), flags=VERSION):
        self.send(req, payload, fds, flags)
        return self.recv()

    def u64(self, req, value, fds=(), flags=VERSION):
        self.send(req, struct.pack("<Q", value), fds, flags)

    def state(self, req, index, num, flags=VERSION):
        self.send(req, struct.pack("<II", index, num), flags=flags)

    def mem_table_payload(self, regions=None):
        regions = self.mem.regions() if regions is None else regions
        p = struct.pack("<II", len(regions), 0)
        for r in regions:
            p += struct.pack("<QQQQ", *r)
        return p

    def set_mem_table(self, regions=None, fds=None):
        regions = self.mem.regions() if regions is None else regions
        self.send(SET_MEM_TABLE, self.mem_table_payload(regions),
                  [self.mem.fd] * len(regions) if fds is None else fds)

    # -- qemu's start-up sequence ----------------------------------------
    def negotiate(self, want=None, pfeatures=None):
        """GET_FEATURES, GET/SET_PROTOCOL_FEATURES, GET_QUEUE_NUM,
        SET_OWNER, SET_FEATURES: acks @want & offered (default:
        VERSION_1, MRG_RXBUF, PROTOCOL_FEATURES, GUEST_CSUM, LOG_ALL);
        returns (offered, protocol features offered)."""
        offered = self.call(GET_FEATURES).u64
        if want is None:
            want = (bit(F_VERSION_1) | bit(F_MRG_RXBUF) |
                    bit(F_PROTOCOL_FEATURES) | bit(F_GUEST_CSUM) |
                    bit(F_LOG_ALL))
        poff = 0
        if offered & bit(F_PROTOCOL_FEATURES):
            poff = self.call(GET_PROTOCOL_FEATURES).u64
            pf = (bit(PF_LOG_SHMFD) | bit(PF_REPLY_ACK) | bit(PF_RARP)
                  if pfeatures is None else pfeatures)
            self.u64(SET_PROTOCOL_FEATURES, pf & poff)
            self.call(GET_QUEUE_NUM)
        self.send(SET_OWNER)
        self.features = want & offered
        self.u64(SET_FEATURES, self.features)
        return offered, poff

    def setup_queues(self, log=False, num=None, addr=None):
        """SET_MEM_TABLE, then for both queues SET_VRING_NUM, _BASE, _ADDR,
        _KICK, _CALL, and SET_VRING_ENABLE (qemu's order).  A test can
        announce another ring size (@num) or other SET_VRING_ADDR payloads
        (@addr(queue)) than those of the rings built here."""
        self.set_mem_table()
        self.vq = [Virtqueue(self.mem, RXQ, self.num),
                   Virtqueue(self.mem, TXQ, self.num)]
        for q in self.vq:
            self.state(SET_VRING_NUM, q.index, q.num if num is None else num)
            self.state(SET_VRING_BASE, q.index, 0)
            self.send(SET_VRING_ADDR, addr(q) if addr else
                      q.addr_payload(VRING_F_LOG if log else 0))
            self.u64(SET_VRING_KICK, q.index, [q.kick])
            self.u64(SET_VRING_CALL, q.index, [q.call])
        for q in self.vq:
            self.state(SET_VRING_ENABLE, q.index, 1)
        # the queues' descriptors are polled beside the control socket:
        # a kick could be seen before the rest of these messages
        return self.sync()

    def start(self, want=None, rx=32, rx_size=2048, log=False):
        """The whole start-up, then @rx receive buffers of @rx_size bytes
        (in the second region, above 4 GiB) posted and kicked."""
        self.negotiate(want)
        self.setup_queues(log)
        self.post_rx(rx, rx_size)
        self.sync()

    def sync(self):
        """Round trip (GET_QUEUE_NUM) so that every message sent before
        was handled; False if the back end doesn't answer."""
        self.send(GET_QUEUE_NUM)
        try:
            r = self.recv()
        except (socket.timeout, EOFError, OSError):
            return False
        return r.req == GET_QUEUE_NUM

    def post_rx(self, n, size=2048):
        region = 1 if len(self.mem.gpas) > 1 else 0
        for _ in range(n):
            off = self.mem.alloc(size, 64, region)
            self.vq[RXQ].post([(off, size, True)])
        self.rx_bufs += n
        self.vq[RXQ].notify()

    # -- frames -------------------------------------------------------------
    def send_frame(self, frame, split=False, hdr=None):
        """Put @frame (after a zero virtio-net header, or @hdr) on the
        transmit queue, as one descriptor or (@split) two, and kick."""
        hdr = bytes(NET_HDR_LEN) if hdr is None else hdr
        q = self.vq[TXQ]
        self.reap_tx()
        if split:
            a = self.mem.alloc(len(hdr), 16)
            b = self.mem.alloc(len(frame), 16)
            self.mem.write(a, hdr)
            self.mem.write(b, frame)
            q.post([(a, len(hdr), False), (b, len(frame), False)])
        else:
            a = self.mem.alloc(len(hdr) + len(frame), 16)
            self.mem.write(a, hdr + frame)
            q.post([(a, len(hdr) + len(frame), False)])
        q.notify()

    def reap_tx(self):
        return self.vq[TXQ].reap()

    def tx_done(self, timeout=5):
        """Wait until the device used every transmit chain."""
        q = self.vq[TXQ]
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            q.reap()
            if not q.chains:
                return True
            time.sleep(0.01)
        return False

    def recv_frames(self, timeout=5, want=None):
        """Frames passt wrote to the receive queue, as (virtio-net header,
        frame, buffers used) until @want(frame) is true for one of them
        (returned last) or @timeout; used buffers are posted again."""
        q = self.vq[RXQ]
        out = []
        pending = []
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            got = q.reap()
            for head, n, bufs in got:
                off, size, _ = bufs[0]
                assert n <= size, "used length %d > buffer %d" % (n, size)
                pending.append(self.mem.read(off, n))
                # repost the same buffer
                q.post(bufs)
            q.notify()
            while pending:
                hdr = pending[0][:NET_HDR_LEN]
                nbuf = struct.unpack_from("<H", hdr, 10)[0]
                if not self.features & bit(F_MRG_RXBUF):
                    nbuf = 1
                nbuf = max(nbuf, 1)   # 0 is the caller's to report
                if len(pending) < nbuf:
                    break
                data = b"".join(pending[:nbuf])
                del pending[:nbuf]
                fr = (data[:NET_HDR_LEN], data[NET_HDR_LEN:], nbuf)
                out.append(fr)
                if want is not None and want(fr[1]):
                    return out
            if not got:
                self._wait_call(min(0.05, max(0, end - time.monotonic())))
        return out

    def _wait_call(self, t):
        q = self.vq[RXQ]
        r, _, _ = select.select([q.call], [], [], t)
        if r:
            try:
                os.eventfd_read(q.call)
            except BlockingIOError:
                pass

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass
        for q in self.vq:
            q.close()
        self.vq = []

    # -- device state (migration) ---------------------------------------------
    def state_fd(self, direction, phase=STATE_STOPPED):
        """SET_DEVICE_STATE_FD with one end of a new pipe (the write end
        to save, the read end to load), as qemu does; returns (reply,
        our end of the pipe)."""
        r, w = os.pipe()
        theirs, ours = (w, r) if direction == STATE_SAVE else (r, w)
        try:
            self.send(SET_DEVICE_STATE_FD,
                      struct.pack("<II", direction, phase), [theirs])
        finally:
            os.close(theirs)
        return self.recv(), ours

    def check_state(self):
        """CHECK_DEVICE_STATE: the u64 the back end replies."""
        return self.call(CHECK_DEVICE_STATE).u64

    def save_state(self, timeout=10):
        """A whole save, as qemu's source does: (SET_DEVICE_STATE_FD
        reply, the bytes read until end of file, CHECK_DEVICE_STATE)."""
        rep, fd = self.state_fd(STATE_SAVE)
        data = b""
        end = time.monotonic() + timeout
        try:
            while time.monotonic() < end:
                r, _, _ = select.select([fd], [], [], 0.2)
                if not r:
                    continue
                d = os.read(fd, 65536)
                if not d:
                    break
                data += d
            else:
                raise TimeoutError("no end of file on the state pipe")
        finally:
            os.close(fd)
        return rep.u64, data, self.check_state()

    def load_state(self, data):
        """A whole load, as qemu's target does: (SET_DEVICE_STATE_FD
        reply, CHECK_DEVICE_STATE)."""
        rep, fd = self.state_fd(STATE_LOAD)
        try:
            os.write(fd, data)
        except BrokenPipeError:
            pass        # the back end stopped reading: CHECK tells why
        finally:
            os.close(fd)
        return rep.u64, self.check_state()

    def stop_queues(self):
        """GET_VRING_BASE on both queues, as qemu stops the device
        before it saves its state; returns the replies."""
        out = []
        for q in (RXQ, TXQ):
            self.state(GET_VRING_BASE, q, 0)
            out.append(self.recv())
        return out

    # -- dirty log ------------------------------------------------------------
    def set_log_base(self, flags=VERSION):
        """SET_LOG_BASE with a fresh memfd covering every region (one bit
        per 4 KiB page of guest-physical memory); returns the reply."""
        top = max(g + self.mem.size for g in self.mem.gpas)
        size = (top // LOG_PAGE + 7) // 8
        size = (size + PAGE - 1) & ~(PAGE - 1)
        fd = os.memfd_create("vu-dirty-log", os.MFD_CLOEXEC)
        os.ftruncate(fd, size)
        self.log = (fd, mmap.mmap(fd, size), size)
        self.send(SET_LOG_BASE, struct.pack("<QQ", size, 0), [fd], flags)
        return self.recv()

    def log_bit(self, gpa):
        _, m, _ = self.log
        page = gpa // LOG_PAGE
        return bool(m[page // 8] & (1 << (page % 8)))

    def log_clear(self):
        _, m, size = self.log
        m[0:size] = bytes(size)
