# SPDX-License-Identifier: GPL-2.0-or-later
"""test_flow_view.py - the flow view of the control socket (our extension,
doc/control.md): every flow with its byte counts, exact, and what listing
them costs the data path.

pasta runs attached to a user namespace with --config-net and a control
socket, as the test user. Inside its namespace a client (root) opens 1,000
TCP connections to a server in `remote`, each sending its own number of
bytes and getting its own number back, and 100 UDP flows each sending its
own number of datagrams, echoed; it keeps them all open and says what it
sent and received on each. The JSON of the flow view (our pesto --json)
must list exactly those 1,100 flows, each with exactly those byte counts
both ways, and datagram counts for UDP.

Then a connection streams 1 KiB echoes every 10 ms while the flows are
listed 100 times in a row: the longest gap between two echoes, against the
same stream with nobody listing, is the pause the listing costs.
"""

import json
import subprocess
import time

import pytest

import topo as T
from test_autofwd import stop
from test_control import TCP_STREAMER, ctl_request
import ctl_fixture as F

pytestmark = pytest.mark.ours_only("the flow view is ours")

NTCP, NUDP = 1000, 100
TCP_PORT, UDP_PORT, ECHO_PORT = 28100, 28101, 28102

# In remote: TCP frames "len(4) payload" answered with (len * 7) % 9001 + 1
# bytes; UDP datagrams echoed; argv: addr tcp_port udp_port
SERVER = r"""
import resource, selectors, socket, struct, sys, threading
resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
addr, tport, uport = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind((addr, uport))
def udp():
    while True:
        b, peer = u.recvfrom(65536)
        u.sendto(b, peer)
threading.Thread(target=udp, daemon=True).start()
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((addr, tport))
ls.listen(1024)
ls.setblocking(False)
sel = selectors.DefaultSelector()
sel.register(ls, selectors.EVENT_READ)
buf = {}
print("ready", flush=True)
while True:
    for key, _ in sel.select():
        s = key.fileobj
        if s is ls:
            c, _ = ls.accept()
            c.setblocking(False)
            buf[c] = b""
            sel.register(c, selectors.EVENT_READ)
            continue
        try:
            b = s.recv(65536)
        except OSError:
            b = b""
        if not b:
            sel.unregister(s)
            s.close()
            buf.pop(s, None)
            continue
        buf[s] += b
        if len(buf[s]) >= 4:
            n = struct.unpack(">I", buf[s][:4])[0]
            if len(buf[s]) == 4 + n:
                s.setblocking(True)
                s.sendall(b"r" * ((n * 7) % 9001 + 1))
                s.setblocking(False)
"""

# In pasta's namespace; argv: addr tcp_port udp_port ntcp nudp
CLIENT = r"""
import json, resource, socket, struct, sys
resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
addr, tport, uport, ntcp, nudp = sys.argv[1], int(sys.argv[2]), \
    int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
keep, tcp, udp = [], [], []
for i in range(ntcp):
    c = socket.create_connection((addr, tport), timeout=10)
    n = (i * 37) % 5000 + 1
    c.sendall(struct.pack(">I", n) + b"s" * n)
    want, got = (n * 7) % 9001 + 1, 0
    while got < want:
        b = c.recv(want - got)
        if not b:
            raise SystemExit("connection %d closed" % i)
        got += len(b)
    tcp.append({"port": c.getsockname()[1], "sent": 4 + n, "recv": got})
    keep.append(c)
for j in range(nudp):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    s.connect((addr, uport))
    k, size = j % 5 + 1, (j * 13) % 1200 + 1
    for _ in range(k):
        s.send(b"u" * size)
        assert len(s.recv(65536)) == size
    udp.append({"port": s.getsockname()[1], "sent": k * size,
                "recv": k * size, "pkts": k})
    keep.append(s)
print(json.dumps({"tcp": tcp, "udp": udp}), flush=True)
sys.stdin.readline()
"""


def flows_json(path):
    status, text = ctl_request(path, F.REQ_FLOWS_JSON)
    assert status == 0, status
    return json.loads(text)


def test_flow_view_exact(attach_pasta, procs, topo, tmp):
    path = tmp / "ctl.sock"
    a = attach_pasta("--config-net", "-c", path)
    srv = procs.popen(["ip", "netns", "exec", topo.remote, T.PY, "-c",
                       SERVER, T.REMOTE4, str(TCP_PORT), str(UDP_PORT)],
                      text=True)
    assert srv.stdout.readline().strip() == "ready"
    cli = procs.popen(["ip", "netns", "exec", a.netns, T.PY, "-c", CLIENT,
                       T.REMOTE4, str(TCP_PORT), str(UDP_PORT), str(NTCP),
                       str(NUDP)], text=True, stdin=-1)
    line = cli.stdout.readline()
    assert line, "client failed: %s" % cli.stderr.read()
    sent = json.loads(line)

    view = flows_json(path)
    flows = view["flows"]
    tcp = {f["ini"]["peer_port"]: f for f in flows if f["type"] == "tcp"}
    udp = {f["ini"]["peer_port"]: f for f in flows if f["type"] == "udp"}
    assert len(flows) == NTCP + NUDP, [f["type"] for f in flows][:20]
    assert sorted(tcp) == sorted(c["port"] for c in sent["tcp"])
    assert sorted(udp) == sorted(c["port"] for c in sent["udp"])
    for c in sent["tcp"]:
        f = tcp[c["port"]]
        assert f["ini"]["pif"] == "tap" and f["tgt"]["pif"] == "host", f
        assert f["tgt"]["peer"] == T.REMOTE4, f
        assert f["tgt"]["peer_port"] == TCP_PORT, f
        assert f["ini_to_tgt"]["bytes"] == c["sent"], (c, f)
        assert f["tgt_to_ini"]["bytes"] == c["recv"], (c, f)
        assert f["ini_to_tgt"]["packets"] >= 1, f
    for c in sent["udp"]:
        f = udp[c["port"]]
        assert f["ini_to_tgt"]["bytes"] == c["sent"], (c, f)
        assert f["tgt_to_ini"]["bytes"] == c["recv"], (c, f)
        assert f["ini_to_tgt"]["packets"] == c["pkts"], (c, f)
        assert f["tgt_to_ini"]["packets"] == c["pkts"], (c, f)
    cnt = view["counters"]
    assert cnt["flows"]["tcp"] == NTCP and cnt["flows"]["udp"] == NUDP, cnt

    # Prometheus: the same flows, one line per flow and direction
    status, prom = ctl_request(path, F.REQ_PROMETHEUS)
    assert status == 0
    lines = [ln for ln in prom.splitlines()
             if ln.startswith("passt_flow_bytes{")]
    assert len(lines) == 2 * (NTCP + NUDP)
    # ... as Prometheus' own Python client reads it
    parser = pytest.importorskip("prometheus_client.parser")
    got = {}
    for fam in parser.text_string_to_metric_families(prom):
        for smp in fam.samples:
            # the parser gives counters their conventional _total
            if (fam.name == "passt_flow_bytes" and
                    smp.labels["type"] == "tcp"):
                port = int(smp.labels["ini"].rsplit(":", 1)[1])
                got[(port, smp.labels["dir"])] = smp.value
    for c in sent["tcp"]:
        assert got[(c["port"], "ini_to_tgt")] == c["sent"], c
        assert got[(c["port"], "tgt_to_ini")] == c["recv"], c

    # our pesto shows the same, as the test user
    pesto = T.tool_path("pesto")
    r = topo.run_as_user_in_host([pesto, "--json", path], timeout=30)
    assert r.returncode == 0, r.stderr
    assert len(json.loads(r.stdout)["flows"]) == NTCP + NUDP
    r = topo.run_as_user_in_host([pesto, "--flows", path], timeout=30)
    assert r.returncode == 0, r.stderr
    c = sent["tcp"][-1]
    row = [ln for ln in r.stdout.splitlines()
           if ":%d " % c["port"] in ln + " " and "tcp" in ln]
    assert len(row) == 1, r.stdout[:2000]
    assert str(c["sent"]) in row[0] and str(c["recv"]) in row[0], row
    r = topo.run_as_user_in_host([pesto, "--counters", path], timeout=30)
    assert r.returncode == 0, r.stderr
    assert "tcp" in r.stdout and str(NTCP) in r.stdout, r.stdout

    cli.stdin.write("\n")
    cli.stdin.flush()
    cli.wait(timeout=30)
    stop(srv)


def stream_gap(netns, port, lister=None, n=100):
    """Run TCP_STREAMER for 6 s; with @lister, list the flows @n times
    meanwhile. (longest gap in s, listing time in s per request)"""
    p = subprocess.Popen(["ip", "netns", "exec", netns, T.PY, "-c",
                          TCP_STREAMER, T.HOST4, str(port), "6"],
                         stdout=subprocess.PIPE, text=True)
    time.sleep(1)
    per = None
    if lister:
        t0 = time.monotonic()
        for _ in range(n):
            lister()
        per = (time.monotonic() - t0) / n
    out, _ = p.communicate(timeout=30)
    res = json.loads(out.strip().splitlines()[-1])
    assert res["error"] is None and res["same"], res
    return res["gap"], per


def test_flow_view_pause(attach_pasta, procs, topo, tmp):
    """Listing 1,100 flows 100 times: the longest gap in a stream."""
    from test_autofwd import TCP_SERVER, start_server
    path = tmp / "ctl.sock"
    a = attach_pasta("--config-net", "-c", path,
                     fwd=["-t", str(ECHO_PORT), "-u", "none", "-T", "none",
                          "-U", "none"])
    srv = procs.popen(["ip", "netns", "exec", topo.remote, T.PY, "-c",
                       SERVER, T.REMOTE4, str(TCP_PORT), str(UDP_PORT)],
                      text=True)
    assert srv.stdout.readline().strip() == "ready"
    echo = start_server(procs, a.netns, TCP_SERVER, "::", ECHO_PORT, "e")
    cli = procs.popen(["ip", "netns", "exec", a.netns, T.PY, "-c", CLIENT,
                       T.REMOTE4, str(TCP_PORT), str(UDP_PORT), str(NTCP),
                       str(NUDP)], text=True, stdin=-1)
    assert cli.stdout.readline()

    base, _ = stream_gap(topo.host, ECHO_PORT)
    sizes = []

    def lister():
        sizes.append(len(flows_json(path)["flows"]))

    gap, per = stream_gap(topo.host, ECHO_PORT, lister)
    assert len(sizes) == 100 and min(sizes) >= NTCP + NUDP, sizes[:5]
    print("flow view: longest stream gap %.1f ms listing 1,100 flows 100 "
          "times (%.1f ms per listing), %.1f ms without" %
          (gap * 1000, per * 1000, base * 1000))
    assert gap < 0.25, (gap, base, per)

    cli.stdin.write("\n")
    cli.stdin.flush()
    cli.wait(timeout=30)
    stop(srv)
    stop(echo)
