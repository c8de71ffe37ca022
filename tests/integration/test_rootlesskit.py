# SPDX-License-Identifier: GPL-2.0-or-later
"""test_rootlesskit.py - Debian 13's rootlesskit 2 networks its child with
our pasta.

Theory of operation: rootlesskit 2.0.2 runs as the user `tester` inside
the Debian 13 environment (deb13_env.py: an overlay of the cached root,
in the topology's `host` namespace, our tools first in PATH) with
`--net=pasta --port-driver=implicit`.  It starts the pasta it finds on
PATH; here that is a one-line wrapper in front of the pasta under test
that records every argv it is called with, so the test sees feature
probes as well as the launch (compat.md 8.1).  The child is a shell
script that checks from inside and writes what it saw into a directory
of the test, then serves a file and waits for the test to say "done":

* its interface: tap0 with 10.0.2.100/24, MTU 65520, default route via
  10.0.2.2 (rootlesskit configures them itself: no --config-net);
* outbound: curl of a 4 MiB file from python3 -m http.server in `remote`
  (test_passt_qemu.py's fixture), SHA-256 compared here;
* DNS: busybox nslookup through rootlesskit's --dns-forward address
  10.0.2.3, answered by dnsmasq in `remote` (test_dns.py's fixture; its
  log proves the query arrived), and, without --detach-netns, through
  the resolv.conf rootlesskit binds into the child (nameserver 10.0.2.3)
  with getent;
* the gateway 10.0.2.2 reaches a server on the host's loopback (pasta's
  default --map-host-loopback), and does not with --disable-host-loopback
  (rootlesskit passes --no-map-gw);
* inbound: python3 -m http.server on port 8090 inside; pasta's automatic
  forwarding (-t auto, the "implicit" port driver) makes it answer on
  the host at 127.0.0.1:8090 (splice path) and at 198.51.100.1:8090 from
  `remote` (tap path), with the file's SHA-256.

With --detach-netns the child stays in the host's network namespace and
rootlesskit runs pasta with --userns and --netns paths instead of a PID;
the checks then run through `nsenter --net=$ROOTLESSKIT_STATE_DIR/netns`
(resolv.conf is not replaced in that mode, so only the direct nslookup
is checked).  That variant also passes --disable-host-loopback.

The argv rootlesskit 2.0.2 passes (its --debug log and the wrapper agree):
`pasta --foreground --stderr --ns-ifname=tap0 --mtu=65520 --no-dhcp --no-ra
--address=10.0.2.100 --netmask=24 --gateway=10.0.2.2 --dns-forward=10.0.2.3
[--no-map-gw] --ipv4-only --tcp-ports=auto --udp-ports=auto` then the
child's PID, or `--userns=/proc/P/ns/user --netns=/proc/P/root/STATE/netns`.
It does not probe `pasta --host-lo-to-ns-lo --version` (later rootlesskit
versions do, compat.md 8.1); if the probe shows up, the launch must carry
--host-lo-to-ns-lo, because our pasta answers it with exit status 0 (so
does Debian 13's).  When the child exits, rootlesskit kills pasta: no
pasta is left.

Reference runs: Debian 13's upstream pasta of 2025-05 (PASTA=<root>/usr/
bin/pasta) passes the same checks, but prints nothing for --version on a
pipe (its stdio is not flushed: only the exit status is compared).
Debian 12's 2023 pasta (PASTA=/usr/bin/pasta, older than rootlesskit 2's
documented minimum) refuses --host-lo-to-ns-lo and, with --detach-netns,
forwards no port automatically: that check is skipped for it.
"""

import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess

import pytest

import deb13_env as D
import topo as T
from test_dns import A as DNS_A
from test_dns import NAME as DNS_NAME
from test_dns import dnsmasq  # noqa: F401 (module fixture, reused)
from test_passt_qemu import http_blob  # noqa: F401 (module fixture)

RK = "/usr/bin/rootlesskit"
WRAPDIR = "/usr/local/libexec/rk-wrap"
CALLS = "/tmp/pasta-calls"
CHILD_PORT = 8090         # served inside, forwarded by pasta's -t auto
LO_PORT = 8473            # a server on the host's loopback only
SERVED_BYTES = 1 << 20
RUN_SECS = 60             # the child's bound on waiting for "done"

# The child: checks from inside, results into $O, then serves until done
CHILD = r"""
O=$1; URL=$2; LOURL=$3; NAME=$4; PORT=$5; SECS=$6
N=
[ -n "$DETACH" ] && N="nsenter --net=$ROOTLESSKIT_STATE_DIR/netns"
$N ip -j addr show > $O/addr.json
$N ip -j route show > $O/route.json
cat /etc/resolv.conf > $O/resolv.conf
$N curl -sS -m 30 -o $O/blob "$URL" 2> $O/curl.err; echo $? > $O/curl.rc
$N curl -sS -m 5 -o $O/lo "$LOURL" 2> $O/lo.err; echo $? > $O/lo.rc
$N busybox nslookup "$NAME" 10.0.2.3 > $O/nslookup 2>&1
echo $? > $O/nslookup.rc
[ -z "$DETACH" ] && getent ahostsv4 "$NAME" > $O/getent 2>&1
$N python3 -m http.server "$PORT" --bind 0.0.0.0 --directory $O/srv \
	> $O/httpd.log 2>&1 &
s=$!
touch $O/ready
i=0
while [ ! -e $O/done ] && [ $i -lt $((SECS * 10)) ]; do
	sleep 0.1; i=$((i + 1))
done
kill $s
"""

WRAPPER = """#!/bin/sh
printf '%%s\\n' "$*" >> %s
exec %s "$@"
"""


@pytest.fixture(scope="module")
def rk_env(topo):
    """The Debian 13 environment with the argv-recording pasta wrapper;
    skipped (failed in CI) without the root or rootlesskit."""
    env = D.start_or_skip(topo, (RK,), ("pasta",))
    try:
        env.write(WRAPDIR + "/pasta", WRAPPER % (CALLS, D.tool("pasta")),
                  mode=0o755)
        yield env
    finally:
        env.stop()


@pytest.fixture(scope="module")
def lo_server(topo):
    """python3 -m http.server on the host namespace's 127.0.0.1:LO_PORT
    serving a short text file; returns its URL as the rootlesskit child
    sees it (through the gateway)."""
    procs = T.Procs()
    d = T.user_tmpdir()
    (d / "lo.txt").write_text("host loopback\n")
    p = procs.popen(["ip", "netns", "exec", topo.host, T.PY, "-m",
                     "http.server", "--bind", "127.0.0.1", "--directory",
                     str(d), str(LO_PORT)])
    ok = T.wait_for(lambda: ":%d " % LO_PORT in T.run(
        ["ip", "netns", "exec", topo.host, "ss", "-Htln"]).stdout, 10)
    if not ok or p.poll() is not None:
        procs.cleanup()
        pytest.fail("loopback http.server did not start")
    yield "http://10.0.2.2:%d/lo.txt" % LO_PORT
    procs.cleanup()
    shutil.rmtree(d, ignore_errors=True)


def launch_argv(stderr):
    """The pasta argv from rootlesskit's --debug line "Executing [pasta
    ...]"."""
    m = re.findall(r'Executing \[(pasta [^]]*)\]', stderr)
    assert m, "no pasta launch in rootlesskit's debug output:\n" + stderr
    return m[-1].split()


def expected_argv(state, child):
    """rootlesskit 2.0.2's pasta argv (its network/pasta driver) for the
    child's PID @child; with --detach-netns (and --disable-host-loopback)
    @state is its --state-dir, else None."""
    argv = ["pasta", "--foreground", "--stderr", "--ns-ifname=tap0",
            "--mtu=65520", "--no-dhcp", "--no-ra", "--address=10.0.2.100",
            "--netmask=24", "--gateway=10.0.2.2", "--dns-forward=10.0.2.3"]
    if state:
        argv.append("--no-map-gw")
    argv += ["--ipv4-only", "--tcp-ports=auto", "--udp-ports=auto"]
    if state:
        argv += ["--userns=/proc/%s/ns/user" % child,
                 "--netns=/proc/%s/root%s/netns" % (child, state)]
    else:
        argv.append(child)
    return argv


def fetch(topo, netns, url, out, timeout):
    """curl @url in @netns into @out until it gets a whole answer (pasta
    binds the forwarded port within about a second); return the SHA-256
    of what arrived, or None."""
    def once():
        if out.exists():
            out.unlink()
        r = topo.in_ns(netns, ["curl", "-sS", "-m", "10", "-o", str(out),
                               "-w", "%{http_code}", url], timeout=15)
        return r.returncode == 0 and r.stdout == "200"
    if not T.wait_for(once, timeout, 0.3):
        return None
    return hashlib.sha256(out.read_bytes()).hexdigest()


def run_rootlesskit(env, procs, name, args, urls, detach):
    """Start rootlesskit with @args and the child script; return (Popen,
    output directory inside, its host path, SHA-256 of the served
    file)."""
    out = "/tmp/rk-" + name
    env.sh("rm -rf %s %s && mkdir -p %s/srv && chown -R %d %s && "
           "rm -f %s" % (out, "/tmp/state-" + name, out, D.UID, out, CALLS))
    served = secrets.token_bytes(SERVED_BYTES)
    env.path(out + "/srv/f.bin").write_bytes(served)
    argv = [RK, "--debug", "--net=pasta", "--port-driver=implicit",
            "--state-dir=/tmp/state-" + name] + args + \
        ["sh", "-c", CHILD, "child", out, urls[0], urls[1], DNS_NAME,
         CHILD_PORT, RUN_SECS]
    p = env.popen(procs, argv, user=True, stdout=subprocess.PIPE,
                  stderr=subprocess.PIPE, text=True,
                  env={"PATH": WRAPDIR + ":" + D.PATH,
                       "DETACH": "1" if detach else ""})
    ready = env.path(out + "/ready")
    if not T.wait_for(lambda: ready.exists() or p.poll() is not None, 60,
                      0.1) or not ready.exists():
        if p.poll() is None:
            p.kill()
        o, e = p.communicate(timeout=10)
        pytest.fail("rootlesskit child never got ready (exit %r):\n%s\n%s"
                    % (p.returncode, o[-2000:], e[-4000:]))
    return p, out, env.path(out), hashlib.sha256(served).hexdigest()


def check_inside(res, blob, dns_log, mark, detach, lo_reachable):
    """What the child saw (files in @res)."""
    addrs = json.loads((res / "addr.json").read_text())
    tap = [a for a in addrs if a["ifname"] == "tap0"]
    assert tap, addrs
    v4 = [(i["local"], i["prefixlen"]) for i in tap[0]["addr_info"]
          if i["family"] == "inet"]
    assert v4 == [("10.0.2.100", 24)], tap
    assert tap[0]["mtu"] == 65520, tap
    routes = json.loads((res / "route.json").read_text())
    assert any(r["dst"] == "default" and r.get("gateway") == "10.0.2.2"
               for r in routes), routes
    assert (res / "curl.rc").read_text().strip() == "0", \
        (res / "curl.err").read_text()
    got = hashlib.sha256((res / "blob").read_bytes()).hexdigest()
    assert got == blob[1], "download from remote corrupted"
    lo_rc = (res / "lo.rc").read_text().strip()
    if lo_reachable:
        assert lo_rc == "0", (res / "lo.err").read_text()
        assert (res / "lo").read_text() == "host loopback\n"
    else:
        assert lo_rc != "0", "host loopback reached with --no-map-gw"
    ns = (res / "nslookup").read_text()
    assert (res / "nslookup.rc").read_text().strip() == "0", ns
    assert DNS_A in ns, ns
    assert T.wait_for(lambda: "query[A] %s " % DNS_NAME in
                      dns_log()[mark:], 2), dns_log()[mark:]
    if not detach:
        assert (res / "resolv.conf").read_text().split() == \
            ["nameserver", "10.0.2.3"], (res / "resolv.conf").read_text()
        assert DNS_A in (res / "getent").read_text(), \
            (res / "getent").read_text()


@pytest.mark.parametrize("detach", [False, True],
                         ids=["child-pid", "detach-netns"])
def test_rootlesskit_pasta(topo, rk_env, procs, tmp, http_blob,  # noqa: F811
                           lo_server, dnsmasq, detach):  # noqa: F811
    name = "detach" if detach else "pid"
    args = ["--detach-netns", "--disable-host-loopback"] if detach else []
    mark = len(dnsmasq())
    p, out, res, served = run_rootlesskit(rk_env, procs, name, args,
                                          (http_blob[0], lo_server), detach)
    # Deliberately better: Debian 12's 2023 pasta, given the namespace as
    # --netns PATH --userns PATH, never binds the ports the namespace
    # listens on (-t auto); with a PID it does
    no_auto = detach and D.reference("pasta") == "Debian 12"
    try:
        check_inside(res, http_blob, dnsmasq, mark, detach,
                     lo_reachable=not detach)
        url = "http://%s:%d/f.bin"
        if not no_auto:
            got = fetch(topo, topo.host, url % ("127.0.0.1", CHILD_PORT),
                        tmp / "lo.bin", 15)
            assert got == served, "host 127.0.0.1:%d -> child" % CHILD_PORT
            got = fetch(topo, topo.remote, url % (T.HOST4, CHILD_PORT),
                        tmp / "remote.bin", 15)
            assert got == served, "remote -> %s:%d -> child" % (T.HOST4,
                                                                CHILD_PORT)
    finally:
        rk_env.path(out + "/done").touch()
        try:
            o, e = p.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            o, e = p.communicate(timeout=10)
    assert p.returncode == 0, "rootlesskit exit %r:\n%s" % (p.returncode,
                                                           e[-4000:])
    # the argv, from rootlesskit's log and from the wrapper
    argv = launch_argv(e)
    child = argv[-1] if not detach else \
        re.search(r"--userns=/proc/(\d+)/", " ".join(argv)).group(1)
    state = "/tmp/state-" + name if detach else None
    assert argv == expected_argv(state, child), argv
    calls = [c.split() for c in
             rk_env.path(CALLS).read_text().splitlines()]
    print("rootlesskit ran pasta as: %s" % calls)
    launches = [c for c in calls if "--version" not in c]
    probes = [c for c in calls if "--version" in c]
    assert launches == [argv[1:]], calls
    if any("--host-lo-to-ns-lo" in c for c in probes):
        assert "--host-lo-to-ns-lo" in argv, (probes, argv)
    # rootlesskit kills pasta when the child is gone
    assert T.wait_for(lambda: not rk_env.pids("pasta"), 5), \
        "pasta still running: %s" % rk_env.pids("pasta")
    if no_auto:
        pytest.skip("reference pasta differs: Debian 12's pasta forwards "
                    "no port automatically into a --netns PATH namespace")


def test_host_lo_to_ns_lo_probe(rk_env):
    """Newer rootlesskit probes `pasta --host-lo-to-ns-lo --version`
    (compat.md 8.1) and passes the option when it exits 0: both ours and
    Debian 13's pasta know the option."""
    r = rk_env.run([D.tool("pasta"), "--host-lo-to-ns-lo", "--version"],
                   user=True, timeout=10)
    if D.reference("pasta") == "Debian 12":
        # predates the option (and rootlesskit 2's minimum, 2023_06_25)
        assert r.returncode == 1, r.stderr
        return
    assert r.returncode == 0, r.stderr
    if D.is_reference("pasta"):
        # Deliberately better: Debian 13's pasta exits without flushing
        # stdio, so its --version text is lost unless stdout is a
        # terminal (here it is a pipe).  rootlesskit only looks at the
        # exit status.
        print("reference pasta --version printed %r" % r.stdout)
        return
    assert r.stdout.startswith("pasta "), r.stdout
