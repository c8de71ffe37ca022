# SPDX-License-Identifier: GPL-2.0-or-later
"""guest_image.py - a Debian kernel and a busybox initramfs for qemu guests.

Theory of operation: build() returns (kernel, initramfs) paths in a cache
directory (default <repo>/build/guest/).  The kernel is the installed
/boot/vmlinuz-VER whose /lib/modules/VER exists (package linux-image-amd64);
without one, the current linux-image-*-amd64 .deb is fetched with
`apt-get download` and unpacked with `dpkg -x` into the cache (no install).
Debian builds virtio-net and e1000 as modules, so the initramfs carries
virtio_pci, virtio_net, e1000 and what they depend on: the dependency list
comes from modules.dep when there is one, otherwise from the "depends="
entry of each module's .modinfo section.  The archive (cpio "newc",
gzip) is written here in Python: busybox-static and its applet links, a
/dev/console node, the modules in load order and the /init below.  Its
name carries a hash of everything that goes into it, so a changed /init
or kernel builds a new image and an unchanged one is reused.

The guest's /init loads the modules, brings eth0 up, runs udhcpc (the
lease is printed as "GT-DHCP ..."), then does what the kernel command line
asks, printing one "GT-..." line on the serial console for each:

  gt.fetch=URL        busybox wget URL into RAM: "GT-FETCH bytes=N
                      sha256=HEX start=S end=E" (uptime seconds)
  gt.down=URL         wget URL into a pipe: "GT-DOWN bytes=N start end"
  gt.up=ADDR:PORT:N   N bytes of zeros to ADDR PORT with busybox nc, the
                      receiver closes: "GT-UP bytes=N start end"
  gt.ncget=ADDR:PORT  a request line to ADDR PORT with busybox nc, whose
                      stdin then ends: nc half-closes (shutdown SHUT_WR)
                      and reads the answer until the server closes:
                      "GT-NCGET bytes=N sha256=HEX rc=R start=S end=E"
  gt.serve=PORT:N     1 MiB of random bytes, "GT-SERVE port=P bytes=N
                      sha256=HEX", then N connections, one after the
                      other, on TCP PORT with busybox nc -l, each sent the
                      whole file: "GT-SERVED n=N uptime=U"
  gt.timeout=SECS     bound for each of the above (each connection of
                      gt.serve; default 60)

then /gt.sh if an archive added by with_files() carries one (a test's
own steps, reading its own words of the command line), then "GT-DONE"
and poweroff -f.  wget's own -T segfaults in busybox 1.35,
so each step runs under the timeout applet.
"""

import gzip
import hashlib
import io
import os
import re
import shutil
import stat
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / "build" / "guest"
BUSYBOX = "/bin/busybox"
KPKG = "linux-image-amd64"

# Modules the guest loads (their dependencies are added)
ROOT_MODULES = ("virtio_pci", "virtio_net", "e1000")

UDHCPC_SCRIPT = r"""#!/bin/sh
case "$1" in
deconfig)
	ip -4 addr flush dev "$interface"
	ip link set "$interface" up
	;;
bound|renew)
	ip addr add "$ip/${mask:-24}" dev "$interface"
	[ -n "$mtu" ] && ip link set "$interface" mtu "$mtu" 2>/dev/null
	for r in $router; do
		ip route add default via "$r" dev "$interface"
		break
	done
	echo "GT-DHCP ip=$ip mask=$mask router=$router dns=$dns mtu=$mtu" \
		>/dev/console
	;;
esac
"""

INIT = r"""#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
t() { cut -d' ' -f1 /proc/uptime; }
echo "GT-INIT uptime=$(t)"
for m in $(cat /mod/order); do
	insmod /mod/$m.ko || echo "GT-ERR insmod $m"
done
i=0
while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
ip link set lo up
ip link set eth0 up
drv=$(basename "$(readlink /sys/class/net/eth0/device/driver)")
echo "GT-NIC driver=$drv uptime=$(t)"
FETCH=; DOWN=; UP=; NCGET=; SERVE=; TMO=60
for w in $(cat /proc/cmdline); do
	case "$w" in
	gt.fetch=*) FETCH=${w#gt.fetch=} ;;
	gt.down=*) DOWN=${w#gt.down=} ;;
	gt.up=*) UP=${w#gt.up=} ;;
	gt.ncget=*) NCGET=${w#gt.ncget=} ;;
	gt.serve=*) SERVE=${w#gt.serve=} ;;
	gt.timeout=*) TMO=${w#gt.timeout=} ;;
	esac
done
if udhcpc -i eth0 -s /udhcpc.script -n -q -t 5 -T 2 >/dev/null 2>&1; then
	echo "GT-DHCP-DONE uptime=$(t)"
else
	echo "GT-ERR dhcp"
fi
if [ -n "$FETCH" ]; then
	s=$(t)
	timeout $TMO wget -q -O /tmp/fetch "$FETCH" || echo "GT-ERR fetch rc=$?"
	e=$(t)
	n=$(wc -c < /tmp/fetch 2>/dev/null)
	h=$(sha256sum /tmp/fetch 2>/dev/null)
	echo "GT-FETCH bytes=${n:-0} sha256=${h%% *} start=$s end=$e"
	rm -f /tmp/fetch
fi
if [ -n "$DOWN" ]; then
	s=$(t)
	n=$(timeout $TMO wget -q -O - "$DOWN" | wc -c)
	echo "GT-DOWN bytes=$n start=$s end=$(t)"
fi
if [ -n "$UP" ]; then
	a=${UP%%:*}; r=${UP#*:}; p=${r%%:*}; n=${r#*:}
	s=$(t)
	head -c "$n" /dev/zero | timeout $TMO nc "$a" "$p" >/dev/null
	echo "GT-UP bytes=$n rc=$? start=$s end=$(t)"
fi
if [ -n "$NCGET" ]; then
	s=$(t)
	printf 'GET /\r\n\r\n' | timeout $TMO nc "${NCGET%:*}" "${NCGET##*:}" \
		>/tmp/ncget
	rc=$?
	e=$(t)
	n=$(wc -c < /tmp/ncget)
	h=$(sha256sum /tmp/ncget)
	echo "GT-NCGET bytes=$n sha256=${h%% *} rc=$rc start=$s end=$e"
	rm -f /tmp/ncget
fi
if [ -n "$SERVE" ]; then
	p=${SERVE%%:*}; k=${SERVE#*:}
	head -c 1048576 /dev/urandom > /tmp/serve
	h=$(sha256sum /tmp/serve)
	echo "GT-SERVE port=$p bytes=$(wc -c < /tmp/serve) sha256=${h%% *}"
	i=0
	while [ "$i" -lt "$k" ]; do
		timeout $TMO nc -l -p "$p" < /tmp/serve >/dev/null ||
			echo "GT-ERR serve rc=$?"
		i=$((i + 1))
	done
	echo "GT-SERVED n=$i uptime=$(t)"
fi
if [ -x /gt.sh ]; then
	/gt.sh
fi
echo "GT-DONE uptime=$(t)"
poweroff -f
"""


class Unavailable(Exception):
    """No kernel, busybox or download: the caller skips (or fails in CI)."""


# -- kernel and modules ------------------------------------------------------
def _installed_kernel():
    """(vmlinuz, modules dir) of an installed Debian kernel, or None."""
    for vml in sorted(Path("/boot").glob("vmlinuz-*"), reverse=True):
        ver = vml.name[len("vmlinuz-"):]
        mods = Path("/lib/modules") / ver
        if (mods / "kernel").is_dir() and os.access(vml, os.R_OK):
            return vml, mods
    return None


def _downloaded_kernel(cache):
    """(vmlinuz, modules dir) from the linux-image .deb, unpacked into
    @cache/kernel (downloaded once)."""
    kx = cache / "kernel"
    found = list(kx.glob("boot/vmlinuz-*"))
    if not found:
        if not (shutil.which("apt-get") and shutil.which("dpkg")):
            raise Unavailable("no kernel in /boot and no apt-get to fetch "
                              + KPKG)
        r = subprocess.run(["apt-cache", "depends", KPKG], text=True,
                           capture_output=True, timeout=60)
        m = re.search(r"Depends: (linux-image-\S+)", r.stdout)
        if not m:
            raise Unavailable("apt-cache knows no " + KPKG)
        dl = Path(tempfile.mkdtemp(prefix="dl-", dir=cache))
        tmp = Path(tempfile.mkdtemp(prefix="kx-", dir=cache))
        try:
            r = subprocess.run(["apt-get", "download", m.group(1)],
                               cwd=dl, text=True, capture_output=True,
                               timeout=600)
            debs = list(dl.glob("*.deb"))
            if r.returncode != 0 or not debs:
                raise Unavailable("apt-get download %s failed: %s"
                                  % (m.group(1), r.stderr[-500:]))
            subprocess.run(["dpkg", "-x", str(debs[0]), str(tmp)],
                           check=True, timeout=300)
            _prune(tmp)
            shutil.rmtree(kx, ignore_errors=True)
            tmp.rename(kx)
        finally:
            shutil.rmtree(dl, ignore_errors=True)
            shutil.rmtree(tmp, ignore_errors=True)
        found = list(kx.glob("boot/vmlinuz-*"))
    ver = found[0].name[len("vmlinuz-"):]
    return found[0], kx / "lib" / "modules" / ver


def _prune(root):
    """Keep only the kernel and the guest's modules of the unpacked .deb
    at @root (it holds about 400 MB)."""
    shutil.rmtree(root / "usr", ignore_errors=True)
    for moddir in (root / "lib" / "modules").iterdir():
        graph = module_graph(moddir)
        keep = {graph[n][0] for n in load_order(graph)}
        for ko in list((moddir / "kernel").rglob("*.ko")):
            if ko not in keep:
                ko.unlink()


def find_kernel(cache=CACHE):
    """(vmlinuz, modules dir): $GUEST_KERNEL_SOURCE=download forces the
    .deb even when a kernel is installed."""
    if os.environ.get("GUEST_KERNEL_SOURCE") != "download":
        k = _installed_kernel()
        if k:
            return k
    cache.mkdir(parents=True, exist_ok=True)
    return _downloaded_kernel(cache)


def _modname(path):
    """Module name of a .ko path: basename, '-' read as '_'."""
    return path.name[:-len(".ko")].replace("-", "_")


def _ko_depends(path):
    """Names in the depends= entry of a module's .modinfo strings."""
    data = path.read_bytes()
    m = re.search(rb"(?:^|\0)depends=([^\0]*)\0", data)
    if not m or not m.group(1):
        return []
    return [d.decode().replace("-", "_") for d in m.group(1).split(b",")]


def module_graph(moddir):
    """{name: (path, [dependency names])} for the modules of @moddir."""
    paths = {_modname(p): p for p in (moddir / "kernel").rglob("*.ko")}
    dep_file = moddir / "modules.dep"
    deps = {}
    if dep_file.exists():
        for line in dep_file.read_text().splitlines():
            mod, _, rest = line.partition(":")
            name = _modname(Path(mod))
            deps[name] = [_modname(Path(d)) for d in rest.split()]
    graph = {}
    for name, p in paths.items():
        graph[name] = (p, deps[name] if name in deps else None)
    return graph


def load_order(graph, roots=ROOT_MODULES):
    """Module names to insmod, each after its dependencies."""
    order, seen = [], set()

    def visit(name, depth):
        if name in seen:
            return
        if name not in graph:
            raise Unavailable("kernel module %s not found" % name)
        if depth > 32:
            raise Unavailable("module dependency loop at " + name)
        path, deps = graph[name]
        if deps is None:
            deps = _ko_depends(path)
        for d in deps:
            visit(d, depth + 1)
        seen.add(name)
        order.append(name)

    for r in roots:
        visit(r, 0)
    return order


# -- cpio newc ---------------------------------------------------------------
class Cpio:
    """Writer of a cpio "newc" archive (what the kernel unpacks)."""

    def __init__(self):
        self.buf = io.BytesIO()
        self.ino = 1

    def _entry(self, name, mode, data=b"", rdev=(0, 0)):
        nameb = name.encode() + b"\0"
        fields = (self.ino, mode, 0, 0, 1, 0, len(data), 0, 0,
                  rdev[0], rdev[1], len(nameb), 0)
        self.ino += 1
        hdr = b"070701" + b"".join(b"%08X" % f for f in fields)
        self.buf.write(hdr + nameb)
        self.buf.write(b"\0" * (-(len(hdr) + len(nameb)) % 4))
        self.buf.write(data)
        self.buf.write(b"\0" * (-len(data) % 4))

    def dir(self, name):
        self._entry(name, stat.S_IFDIR | 0o755)

    def file(self, name, data, mode=0o644):
        self._entry(name, stat.S_IFREG | mode, data)

    def symlink(self, name, target):
        self._entry(name, stat.S_IFLNK | 0o777, target.encode())

    def chardev(self, name, major, minor):
        self._entry(name, stat.S_IFCHR | 0o600, rdev=(major, minor))

    def finish(self):
        self._entry("TRAILER!!!", 0)
        return self.buf.getvalue()


def _applets():
    r = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True,
                       timeout=10)
    return [a for a in r.stdout.split() if a and a != "busybox"]


def initramfs_bytes(mods):
    """The gzip-compressed initramfs carrying @mods [(name, path)]."""
    c = Cpio()
    for d in ("bin", "dev", "proc", "sys", "tmp", "mod"):
        c.dir(d)
    c.chardev("dev/console", 5, 1)
    c.chardev("dev/null", 1, 3)
    c.file("bin/busybox", Path(BUSYBOX).read_bytes(), 0o755)
    for a in _applets():
        c.symlink("bin/" + a, "busybox")
    c.symlink("sbin", "bin")
    for name, path in mods:
        c.file("mod/%s.ko" % name, path.read_bytes())
    c.file("mod/order", ("\n".join(n for n, _ in mods) + "\n").encode())
    c.file("udhcpc.script", UDHCPC_SCRIPT.encode(), 0o755)
    c.file("init", INIT.encode(), 0o755)
    return gzip.compress(c.finish(), compresslevel=1, mtime=0)


def build(cache=CACHE):
    """Build (or reuse) the guest: return (kernel path, initramfs path).

    Raises Unavailable when busybox or a kernel cannot be had."""
    if not os.access(BUSYBOX, os.X_OK):
        raise Unavailable("busybox-static is not installed (" + BUSYBOX
                          + ")")
    vmlinuz, moddir = find_kernel(cache)
    cache.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha256()
    for part in (INIT, UDHCPC_SCRIPT, str(vmlinuz),
                 str(os.stat(vmlinuz).st_mtime_ns),
                 str(os.stat(BUSYBOX).st_mtime_ns)):
        key.update(part.encode() + b"\0")
    tag = key.hexdigest()[:16]
    kernel = cache / ("vmlinuz-" + tag)
    initrd = cache / ("initramfs-%s.cpio.gz" % tag)
    if kernel.exists() and initrd.exists():
        return kernel, initrd
    graph = module_graph(moddir)
    mods = [(n, graph[n][0]) for n in load_order(graph)]
    _write_new(initrd, initramfs_bytes(mods))
    _write_new(kernel, vmlinuz.read_bytes())
    return kernel, initrd


def _write_new(dst, data):
    """Write @data to @dst (mode 0644) through a temporary file beside
    it, so that no reader ever sees a partial file."""
    fd, tmp = tempfile.mkstemp(dir=Path(dst).parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, dst)


def with_files(initrd, files, cache=CACHE):
    """The initramfs @initrd with @files {path: (bytes, mode)} added: a
    second cpio archive appended to it (the kernel unpacks concatenated
    archives in order, later entries replacing earlier ones).  Cached
    under a name hashing both; returns its path."""
    key = hashlib.sha256(Path(initrd).name.encode())
    for name in sorted(files):
        data, mode = files[name]
        key.update(b"%s\0%o\0" % (name.encode(), mode))
        key.update(hashlib.sha256(data).digest())
    out = Path(cache) / ("initramfs-plus-%s.cpio.gz" % key.hexdigest()[:16])
    if out.exists():
        return out
    c = Cpio()
    for name in sorted(files):
        data, mode = files[name]
        c.file(name, data, mode)
    extra = gzip.compress(c.finish(), compresslevel=1, mtime=0)
    _write_new(out, Path(initrd).read_bytes() + extra)
    return out


# -- running a guest ---------------------------------------------------------
QEMU = "qemu-system-x86_64"
QEMU_TIMEOUT = 120


def qemu_argv(kernel, initrd, append, net=(), qemu=None):
    """argv of a TCG guest on the serial console (stdout), 256 MiB, no
    reboot: poweroff or panic ends qemu.  @net: network options; with
    -nodefaults there is no default NIC (qemu's own "user" network)."""
    return [qemu or shutil.which(QEMU) or QEMU, "-accel", "tcg",
            "-cpu", "max", "-M", "pc", "-m", "256", "-smp", "1",
            "-nodefaults", "-nographic", "-serial", "stdio", "-no-reboot",
            "-kernel", str(kernel), "-initrd", str(initrd),
            "-append", "console=ttyS0 panic=-1 quiet loglevel=3 " + append
            ] + list(net)


def stream_net(sock, nic="virtio-net-pci"):
    """qemu options: @nic on -netdev stream to the UNIX socket @sock."""
    return ["-device", nic + ",netdev=s",
            "-netdev", "stream,id=s,server=off,addr.type=unix,addr.path="
            + str(sock)]


def run_guest(argv, log, timeout=QEMU_TIMEOUT, env=None, isolate=True):
    """Run qemu (or qrap) @argv with the console in file @log; kill it by
    PID after @timeout seconds.  Return (exit code or None if killed,
    console text, seconds).  @isolate: run it in a new, empty network
    namespace (a UNIX socket path still reaches passt), so that nothing
    the guest sends can reach the machine's own network."""
    if isolate:
        argv = ["unshare", "--net"] + list(argv)
    t0 = time.monotonic()
    with open(log, "wb") as out:
        p = subprocess.Popen([str(a) for a in argv], stdin=subprocess.DEVNULL,
                             stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=10)
            rc = None
    text = Path(log).read_bytes().decode(errors="replace")
    return rc, text, time.monotonic() - t0


def wait_console(path, key, timeout, alive=None):
    """Poll the console file @path until a "GT-@key" line (or "GT-DONE")
    is on it, @timeout seconds pass or @alive() turns false; return
    results() of the console so far."""
    def seen():
        try:
            text = Path(path).read_bytes().decode(errors="replace")
        except OSError:
            text = ""
        r = results(text)
        if key in r or "DONE" in r or (alive is not None and not alive()):
            return r
        return None
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        r = seen()
        if r is not None:
            return r
        time.sleep(0.2)
    try:
        return results(Path(path).read_bytes().decode(errors="replace"))
    except OSError:
        return results("")


def results(console):
    """{"DHCP": {"ip": ..., ...}, "FETCH": {...}, ...}: the last "GT-KEY
    k=v ..." line of each KEY on @console ("GT-ERR" lines are listed
    under "ERR" as strings)."""
    out = {"ERR": []}
    for line in console.splitlines():
        m = re.search(r"GT-([A-Z0-9-]+)(.*)", line)
        if not m:
            continue
        if m.group(1) == "ERR":
            out["ERR"].append(m.group(2).strip())
            continue
        out[m.group(1)] = dict(kv.split("=", 1) for kv in m.group(2).split()
                               if "=" in kv)
    return out


if __name__ == "__main__":
    k, i = build()
    print(k)
    print(i)
