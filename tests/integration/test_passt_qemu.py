# SPDX-License-Identifier: GPL-2.0-or-later
"""test_passt_qemu.py - a real qemu guest on passt: DHCP and an HTTP fetch.

Theory of operation: passt (-f -s SOCK, as the test user in `host`) serves
a qemu 7.2 TCG guest: Debian's kernel and a busybox initramfs built once
per session by guest_image.py.  The guest gets its address by DHCP
(udhcpc), then fetches a file of random bytes with busybox wget from
python3 -m http.server in `remote` and prints its size and SHA-256 on the
serial console, then powers off.  The test compares the lease with the
host's address and gateway, and the hash with the file's.

  test_qemu_stream: qemu connects itself, -netdev stream,addr.type=unix;
  test_qemu_qrap:   qrap connects and runs qemu with -netdev socket,fd=5.

Each qemu run is bounded (guest_image.QEMU_TIMEOUT, 120 s) and killed by
PID; a boot takes about 15 s under TCG.  Packages: qemu-system-x86,
busybox-static; the kernel comes from linux-image-amd64 if installed, else
its .deb is fetched with apt-get download (see guest_image.py).
"""

import contextlib
import hashlib
import os
import shutil

import pytest

import guest_image as G
import topo as T

HTTP_PORT = 8471
BLOB = "blob.bin"
BLOB_BYTES = 4 << 20


@pytest.fixture(scope="session")
def guest():
    """(kernel, initramfs) of the test guest, built once per session."""
    T.need(shutil.which(G.QEMU) is not None,
           G.QEMU + " is not installed (qemu-system-x86)")
    try:
        return G.build()
    except G.Unavailable as e:
        T.need(False, "no guest image: %s" % e)


@contextlib.contextmanager
def blob_server(topo, nbytes, port=HTTP_PORT):
    """python3 -m http.server on 198.51.100.2:@port in `remote` serving
    @nbytes random bytes; yields (URL, SHA-256 hex)."""
    d = T.user_tmpdir()
    data = os.urandom(nbytes)
    (d / BLOB).write_bytes(data)
    procs = T.Procs()
    try:
        p = procs.popen(["ip", "netns", "exec", topo.remote, T.PY, "-m",
                         "http.server", "--bind", T.REMOTE4,
                         "--directory", str(d), str(port)])
        ok = T.wait_for(lambda: ":%d " % port in T.run(
            ["ip", "netns", "exec", topo.remote, "ss", "-Htln"]).stdout, 10)
        if not ok or p.poll() is not None:
            p.kill()
            pytest.fail("http.server did not start: %r"
                        % (p.communicate(timeout=5),))
        yield ("http://%s:%d/%s" % (T.REMOTE4, port, BLOB),
               hashlib.sha256(data).hexdigest())
    finally:
        procs.cleanup()
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def http_blob(topo):
    """blob_server() of BLOB_BYTES for this module's tests."""
    with blob_server(topo, BLOB_BYTES) as blob:
        yield blob


def start_passt(topo, procs, tmp):
    """passt -f -s SOCK as the test user in `host`; return (path, Popen)."""
    passt = T.tool_path("passt")
    T.need(os.access(passt, os.X_OK), "passt under test not found: "
           + passt + " (build it with make, or set PASST)")
    sock = tmp / "passt_1.socket"  # the first path qrap probes
    p = topo.popen_as_user_in_host(procs, [passt, "-f", "-s", sock,
                                           "-t", "none", "-u", "none"])
    if not T.wait_for(lambda: sock.is_socket() or p.poll() is not None, 10) \
            or p.poll() is not None:
        if p.poll() is None:
            p.kill()
        out, err = p.communicate(timeout=5)
        pytest.fail("passt did not create %s (exit %r): %s %s"
                    % (sock, p.returncode, out[-1000:], err[-1000:]))
    return sock, p


def check_guest(rc, console, blob, passt_proc):
    """The guest got the host's address by DHCP, fetched @blob intact and
    powered off; passt is still running."""
    url, digest = blob
    tail = console[-3000:]
    r = G.results(console)
    assert rc == 0, "qemu exit %r (killed if None); console:\n%s" % (rc, tail)
    assert "DONE" in r, "guest did not finish; console:\n" + tail
    assert r.get("NIC", {}).get("driver") == "virtio_net", tail
    dhcp = r.get("DHCP")
    assert dhcp, "no DHCP lease (%s); console:\n%s" % (r["ERR"], tail)
    assert dhcp["ip"] == T.HOST4 and dhcp["mask"] == "24", dhcp
    assert dhcp["router"] == T.GW4, dhcp
    f = r.get("FETCH")
    assert f, "no fetch result; console:\n" + tail
    assert int(f["bytes"]) == BLOB_BYTES, (f, r["ERR"])
    assert f["sha256"] == digest, (f, url)
    assert not r["ERR"], r["ERR"]
    assert passt_proc.poll() is None, "passt exited %r" % passt_proc.returncode


def append(blob):
    return "gt.fetch=%s gt.timeout=60" % blob[0]


def test_qemu_stream(topo, procs, tmp, guest, http_blob):
    """qemu -netdev stream,addr.type=unix on passt's socket: DHCP and a
    4 MiB fetch whose SHA-256 matches."""
    sock, pp = start_passt(topo, procs, tmp)
    argv = G.qemu_argv(*guest, append(http_blob), G.stream_net(sock))
    rc, console, secs = G.run_guest(argv, tmp / "console.log")
    print("qemu stream: %.1f s" % secs)
    check_guest(rc, console, http_blob, pp)


def test_qemu_qrap(topo, procs, tmp, guest, http_blob):
    """qrap 5 qemu ...: qrap connects to passt, qemu gets -netdev
    socket,fd=5 and a virtio-net device; same checks.  qrap runs in a
    private mount namespace whose /tmp is the test's directory, so the
    socket is both $PASST_SOCKET and the first default path qrap probes
    (/tmp/passt_1.socket; Debian's 2023 qrap only probes), and no other
    passt on the machine can answer."""
    qrap = T.tool_path("qrap")
    T.need(os.access(qrap, os.X_OK), "qrap under test not found: " + qrap)
    sock, pp = start_passt(topo, procs, tmp)
    # a command name, not a path: Debian's qrap looks it up in $PATH.
    # The network options are the upstream README's; Debian's qrap keeps
    # them, ours replaces them with the same device on -netdev socket,fd=5
    argv = G.qemu_argv(*guest, append(http_blob), qemu=G.QEMU,
                       net=["-net", "socket,fd=5", "-net", "nic,model=virtio"])
    env = dict(os.environ, PASST_SOCKET="/tmp/" + sock.name)
    private = ["unshare", "--mount", "--propagation", "private", "--net",
               "sh", "-c", 'mount --bind "$0" /tmp && exec "$@"', tmp]
    # Files under the real /tmp (a checkout there, as CI's may be: qrap,
    # the guest's kernel and initramfs) are hidden by that bind mount: use
    # copies in the test's directory, which becomes /tmp
    cmd = [str(qrap), "5"] + [str(a) for a in argv]
    for i, a in enumerate(cmd):
        if a.startswith("/tmp/") and os.path.isfile(a):
            name = "%d-%s" % (i, os.path.basename(a))
            shutil.copy2(a, tmp / name)
            cmd[i] = "/tmp/" + name
    rc, console, secs = G.run_guest(private + cmd,
                                    tmp / "console.log", env=env,
                                    isolate=False)
    print("qemu qrap: %.1f s" % secs)
    check_guest(rc, console, http_blob, pp)
