# SPDX-License-Identifier: GPL-2.0-or-later
"""test_tcp_http.py - curl through pasta, both ways.

A 6 MiB random file is served by `python3 -m http.server` (run as root from
a temporary directory, stopped by PID at the end):

* outbound: the server listens in `remote` on [::] (both families);
  `pasta --config-net -- curl URL` runs as the user, for 198.51.100.2 and
  [2001:db8:1::2];
* inbound: the server listens inside pasta's namespace on port 8080, pasta
  forwards it with `-t 8080`, and curl in `remote` fetches it from the host
  namespace's address, 198.51.100.1 and [2001:db8:1::1].

curl must exit 0 with status 200, and the downloaded file must have the
served file's size and SHA-256.
"""

import hashlib
import os
import shutil

import pytest

import topo as T

SIZE = 6 * T.MIB
OUT_PORT = 8081
IN_PORT = 8080
CURL_FMT = "%{http_code} %{size_download}"


@pytest.fixture(scope="module")
def webroot():
    d = T.user_tmpdir()
    data = os.urandom(SIZE)
    (d / "blob.bin").write_bytes(data)
    os.chmod(d / "blob.bin", 0o644)
    yield d, hashlib.sha256(data).hexdigest()
    shutil.rmtree(d, ignore_errors=True)


def need_curl():
    T.need(shutil.which("curl") is not None, "curl is not installed")


def serve(procs, netns, port, root):
    """python3 -m http.server on [::]:@port in @netns (tracked by PID)."""
    p = procs.popen(["ip", "netns", "exec", netns, T.PY, "-m", "http.server",
                     str(port), "--bind", "::", "--directory", str(root)])
    ok = T.wait_for(lambda: _listening(netns, port) or p.poll() is not None,
                    10)
    if not ok or p.poll() is not None:
        p.kill()
        out, err = p.communicate(timeout=5)
        raise RuntimeError("http.server did not start: %r" % err)
    return p


def _listening(netns, port):
    r = T.run(["ip", "netns", "exec", netns, "ss", "-Hltn",
               "sport = :%d" % port])
    return bool(r.stdout.strip())


def url(addr, port):
    host = "[%s]" % addr if ":" in addr else addr
    return "http://%s:%d/blob.bin" % (host, port)


def check_download(r, out, digest):
    assert r.returncode == 0, (r.returncode, r.stderr)
    code, size = r.stdout.split()[-2:]
    assert (code, int(size)) == ("200", SIZE), r.stdout
    data = out.read_bytes()
    assert len(data) == SIZE
    assert hashlib.sha256(data).hexdigest() == digest


@pytest.mark.parametrize("dst", [T.REMOTE4, T.REMOTE6], ids=["v4", "v6"])
def test_curl_from_namespace(topo, procs, tmp, pasta, webroot, dst):
    need_curl()
    root, digest = webroot
    serve(procs, topo.remote, OUT_PORT, root)
    out = tmp / "got.bin"
    r = topo.run_as_user_in_host(
        [pasta, "--config-net"] + T.NO_FWD +
        ["--", "curl", "-sS", "--noproxy", "*", "--max-time", "40",
         "-o", out, "-w", CURL_FMT, url(dst, OUT_PORT)], timeout=60)
    check_download(r, out, digest)


@pytest.mark.parametrize("dst", [T.HOST4, T.HOST6], ids=["v4", "v6"])
def test_curl_into_namespace(topo, procs, tmp, attach_pasta, webroot, dst):
    need_curl()
    root, digest = webroot
    att = attach_pasta("--config-net", fwd=T.fwd_args(tcp=[IN_PORT]))
    T.announce(att.netns)
    serve(procs, att.netns, IN_PORT, root)
    out = tmp / "got.bin"
    r = topo.in_ns(topo.remote, ["curl", "-sS", "--noproxy", "*",
                                 "--max-time", "40", "-o", out,
                                 "-w", CURL_FMT, url(dst, IN_PORT)],
                   timeout=60)
    check_download(r, out, digest)
    assert T.pid_alive(att.pasta_pid)
