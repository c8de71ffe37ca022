# SPDX-License-Identifier: GPL-2.0-or-later
"""pesto against a fake control server (compat.md 5.3, doc/control.md).

The server is played by the test, in Python (ctl_fixture.py, written from
the protocol's description, not from our C): it sends the hello and tables
given, records what pesto sends, and plays the second connection pesto makes
after a change (the tables in force, and maybe an answer to
CTL_REQ_LAST_CHANGE). pesto runs as the unprivileged test user, inside its
seccomp sandbox, in the `host` namespace; the socket is a path in a
directory of the test.

Checked: --help/--version, bad usage, the display of tables in upstream's
format (5.2), the exact bytes of two updates ("-t 8080"; "-A -t 2000 -D -t
3000 -U 5000" from a given table), refusal of bad specs before anything is
sent, refusal of a bad server (truncated tables, bad magic, version 3, count
over the limit, a server that never speaks), a change the server did not
apply (with and without a reason), and our extension's options against a
server that answers and one (upstream's) that closes.
"""

import os
import socket
import struct
import threading
import time

import pytest

import ctl_fixture as F
import topo as T

PESTO = T.tool_path("pesto")


def need_pesto():
    T.need(os.access(PESTO, os.X_OK),
           "pesto under test not found: %s (make, or set PESTO)" % PESTO)


def read_all(conn, timeout=15):
    """Read until EOF (or time-out): the bytes."""
    conn.settimeout(timeout)
    out = b''
    try:
        while True:
            b = conn.recv(65536)
            if not b:
                return out
            out += b
    except (socket.timeout, ConnectionResetError):
        return out


def read_n(conn, n, timeout=15):
    """Read exactly n bytes, or less at EOF."""
    conn.settimeout(timeout)
    out = b''
    while len(out) < n:
        b = conn.recv(n - len(out))
        if not b:
            break
        out += b
    return out


def serve(data):
    """Script: send @data, then read what the client sends until EOF."""
    def run(conn):
        conn.sendall(data)
        return read_all(conn)
    return run


def serve_request(data, answer):
    """Script: send @data, read a 12-byte request, send @answer (or close
    at once if None, as upstream's server does on an unknown pif)."""
    def run(conn):
        conn.sendall(data)
        req = read_n(conn, len(F.request(0)))
        if answer is not None:
            conn.sendall(answer)
        return req
    return run


def silent(conn):
    """Script: say nothing for longer than pesto waits."""
    time.sleep(12)
    return b''


class Fake:
    """A control server answering one scripted connection after another."""

    def __init__(self, tmp, scripts):
        self.path = str(tmp / 'ctl.sock')
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        os.chmod(self.path, 0o777)
        self.sock.listen(4)
        self.sock.settimeout(30)
        self.scripts = list(scripts)
        self.received = []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        for script in self.scripts:
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                return
            with conn:
                try:
                    self.received.append(script(conn))
                except OSError:
                    self.received.append(None)

    def close(self):
        self.thread.join(20)
        self.sock.close()
        os.unlink(self.path)


@pytest.fixture
def tmp():
    d = T.user_tmpdir()
    yield d
    for f in d.iterdir():
        f.unlink()
    d.rmdir()


def pesto(topo, *args, timeout=30):
    need_pesto()
    return topo.run_as_user_in_host([PESTO] + [str(a) for a in args],
                                    timeout=timeout)


def one_error_line(r, *words):
    """Exit 1, one line on stderr holding every word."""
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


def server_bytes(tables):
    return F.hello() + F.tables(tables)


def after_update(start, upd):
    """The tables a server shows once it applied update @upd."""
    new = dict((pif, rules) for pif, rules in upd)
    return [F.Table(t.pif, t.name, t.caps, new.get(t.pif, t.rules))
            for t in start]


# Expected display of F.EXAMPLE_TABLES, upstream's format (compat.md 5.2)
EXAMPLE_TEXT = """\
Inbound forwarding rules (HOST):
    TCP [*]:8080-8081  =>  8080-8081
    TCP [192.0.2.1]:22  =>  198.51.100.5:2222
    UDP [0.0.0.0]%eth0:53  =>  5353
    TCP [*]:30000-30010  =>  30000-30010  (best effort)
    UDP [2001:db8::1]:5000-5001  =>  5000-5001  (auto-scan)
Outbound forwarding rules (SPLICE):
    TCP [*]%lo:5432  =>  5432
    UDP [*]%lo:1-1000  =>  1-1000  (best effort) (auto-scan)
"""


def norm(text):
    return [ln.rstrip() for ln in text.splitlines()]


def test_c_fixture_up_to_date():
    """tests/unit/ctl_fixture_hex.h holds this module's bytes."""
    path = T.REPO / 'tests' / 'unit' / 'ctl_fixture_hex.h'
    assert path.read_text() == F.c_header()


def test_fixture_round_trips():
    data = bytes.fromhex(F.SERVER_EXAMPLE_HEX)
    tables, rest = F.parse_server(data)
    assert tables == F.EXAMPLE_TABLES and rest == b''
    assert len(data) == 20 + 2 * 137 + 7 * 56 + 1
    assert F.parse_update(bytes.fromhex(F.UPDATE_SEQ_HEX)) == F.UPDATE_SEQ
    assert bytes.fromhex(F.UPDATE_T8080_HEX)[:5] == b'\x01\0\0\0\x01'


def test_help_and_version(topo):
    r = pesto(topo, '--help')
    assert r.returncode == 0, r.stderr
    assert 'Usage:' in r.stdout and 'PATH' in r.stdout
    for opt in ('--show', '--add', '--delete', '--clear', '--flows',
                '--json', '--counters', '--prometheus', 'not in upstream'):
        assert opt in r.stdout, opt
    r = pesto(topo, '-h')
    assert r.returncode == 0 and 'Usage:' in r.stdout
    r = pesto(topo, '--version')
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith('pesto '), r.stdout


def test_bad_usage(topo, tmp):
    for args in ([], ['--bogus', 'x'], ['a', 'b'], ['-t']):
        r = pesto(topo, *args)
        assert r.returncode == 1, (args, r.stderr)
        assert r.stderr.strip()
    one_error_line(pesto(topo, str(tmp / 'nothing')), "can't connect")


def test_prints_tables(topo, tmp):
    fake = Fake(tmp, [serve(server_bytes(F.EXAMPLE_TABLES))])
    r = pesto(topo, fake.path)
    fake.close()
    assert r.returncode == 0, r.stderr
    assert norm(r.stdout) == norm(EXAMPLE_TEXT)
    assert fake.received == [b'']


def test_update_t8080_bytes(topo, tmp):
    start = F.EXAMPLE_TABLES
    fake = Fake(tmp, [serve(server_bytes(start)),
                      serve(server_bytes(after_update(start,
                                                      F.UPDATE_T8080)))])
    r = pesto(topo, '-t', '8080', fake.path)
    fake.close()
    assert r.returncode == 0, r.stderr
    assert fake.received[0] == bytes.fromhex(F.UPDATE_T8080_HEX)
    assert fake.received[1] == b''
    assert r.stdout == ''


def test_update_sequence_bytes(topo, tmp):
    start = F.START_SEQ_TABLES
    after = after_update(start, F.UPDATE_SEQ)
    fake = Fake(tmp, [serve(server_bytes(start)),
                      serve(server_bytes(after))])
    r = pesto(topo, '-s', '-A', '-t', '2000', '-D', '-t', '3000',
              '-U', '5000', fake.path)
    fake.close()
    assert r.returncode == 0, r.stderr
    assert fake.received[0] == bytes.fromhex(F.UPDATE_SEQ_HEX)
    # -s: before and after
    out = norm(r.stdout)
    assert out.count('Inbound forwarding rules (HOST):') == 2, r.stdout
    assert '    TCP [*]:3000  =>  3000' in out[:4]
    assert '    TCP [*]:2000  =>  2000' in out[4:]


def test_clear_and_replace(topo, tmp):
    start = F.START_SEQ_TABLES
    upd = [(F.PIF_HOST, [F.Rule('::', None, '', 81, 81, 81, F.UDP,
                                F.DUAL_STACK)]),
           (F.PIF_SPLICE, [])]
    fake = Fake(tmp, [serve(server_bytes(start)),
                      serve(server_bytes(after_update(start, upd)))])
    r = pesto(topo, '-u', '81', '-C', 'splice', fake.path)
    fake.close()
    assert r.returncode == 0, r.stderr
    assert F.parse_update(fake.received[0]) == upd


@pytest.mark.parametrize('args,words', [
    (['-t', '70000'], ['-t']),
    (['-t', '0'], ['-t']),
    (['-t', '80-70'], ['-t']),
    (['-D', '-t', '9999'], ['no such rule']),
    (['-C', 'TAP'], ['TAP']),
    (['-A', '-t', '3000'], ['conflict']),    # TCP 3000 is there
])
def test_bad_spec_sends_nothing(topo, tmp, args, words):
    fake = Fake(tmp, [serve(server_bytes(F.START_SEQ_TABLES))])
    r = pesto(topo, *args, fake.path)
    fake.close()
    one_error_line(r, *words)
    assert fake.received == [b'']


def test_no_splice_table(topo, tmp):
    passt_tables = [F.Table(F.PIF_HOST, 'HOST', F.CAP_IPV4 | F.CAP_IPV6 |
                            F.CAP_TCP | F.CAP_UDP | F.CAP_IFNAME, [])]
    fake = Fake(tmp, [serve(server_bytes(passt_tables))])
    one_error_line(pesto(topo, '-T', '5000', fake.path), 'SPLICE')
    fake.close()
    fake = Fake(tmp, [serve(server_bytes(passt_tables))])
    one_error_line(pesto(topo, '-t', 'auto', fake.path))
    fake.close()


def bad_servers():
    good = server_bytes(F.EXAMPLE_TABLES)
    many = F.hello() + struct.pack('>B', 1) + b'HOST'.ljust(128, b'\0') + \
        struct.pack('>II', F.CAPS_ALL, 256)
    return {
        'truncated': (good[:200], 'closed'),
        'magic': (b'basil:x\0' + good[8:], 'magic'),
        'version3': (F.hello(version=3) + F.tables(F.EXAMPLE_TABLES),
                     'version 3'),
        'count': (many, '256'),
        'nul_name': (F.hello() + b'\x01' + b'H' * 128 + bytes(8) + b'\0',
                     'name'),
    }


@pytest.mark.parametrize('case', sorted(bad_servers()))
def test_bad_server(topo, tmp, case):
    data, word = bad_servers()[case]

    def script(conn):
        conn.sendall(data)
        if case == 'truncated':
            conn.shutdown(socket.SHUT_WR)
        return read_all(conn)
    fake = Fake(tmp, [script])
    r = pesto(topo, '-t', '8080', fake.path)
    fake.close()
    one_error_line(r, word)
    assert fake.received == [b'']


def test_silent_server_times_out(topo, tmp):
    fake = Fake(tmp, [silent])
    t0 = time.monotonic()
    r = pesto(topo, fake.path)
    took = time.monotonic() - t0
    one_error_line(r, '10 s')
    assert 9 < took < 14, took
    fake.close()


def test_change_not_applied_no_reason(topo, tmp):
    """The server keeps its tables and closes on our request (upstream)."""
    start = server_bytes(F.EXAMPLE_TABLES)
    fake = Fake(tmp, [serve(start), serve_request(start, None)])
    r = pesto(topo, '-t', '8080', fake.path)
    fake.close()
    one_error_line(r, 'server gave no reason')
    assert fake.received[0] == bytes.fromhex(F.UPDATE_T8080_HEX)
    assert fake.received[1] == F.request(F.REQ_LAST_CHANGE)


def test_server_closing_mid_update(topo, tmp):
    """A server that refuses at the first byte and closes without reading
    the rest: pesto goes on, and the tables in force tell, as always."""
    caps = F.CAP_IPV4 | F.CAP_IPV6 | F.CAP_TCP | F.CAP_UDP
    start = server_bytes([F.Table(F.PIF_HOST, 'HOST', caps, [])])

    def refuse(conn):
        conn.sendall(start)
        b = read_n(conn, 1)
        return b
    fake = Fake(tmp, [refuse, serve_request(start, None)])
    r = pesto(topo, '-t', '1-255', fake.path)
    fake.close()
    one_error_line(r, 'server gave no reason')
    assert fake.received[0] == b'\x01'


def test_change_refused_with_reason(topo, tmp):
    start = server_bytes(F.EXAMPLE_TABLES)
    why = '7 error: Listen failed for HOST TCP port 8080: Address in use\n'
    fake = Fake(tmp, [serve(start),
                      serve_request(start, F.answer(0, why))])
    r = pesto(topo, '-t', '8080', fake.path)
    fake.close()
    one_error_line(r, 'refused', why.strip())


PROM = """\
# HELP passt_frames_total Frames
# TYPE passt_frames_total counter
passt_frames_total{link="tap",dir="in"} 1234
passt_flow_table_used 2
passt_flow_bytes{flow="3",type="tcp",state="ESTABLISHED",dir="ini_to_tgt",\
ini="192.0.2.2:40000>198.51.100.1:80",tgt="198.51.100.1:50000>203.0.113.5:80"} 4096
passt_flow_bytes{flow="3",type="tcp",state="ESTABLISHED",dir="tgt_to_ini",\
ini="192.0.2.2:40000>198.51.100.1:80",tgt="198.51.100.1:50000>203.0.113.5:80"} 65536
passt_flow_packets{flow="3",type="tcp",state="ESTABLISHED",dir="ini_to_tgt",\
ini="192.0.2.2:40000>198.51.100.1:80",tgt="198.51.100.1:50000>203.0.113.5:80"} 7
passt_flow_age_seconds{flow="3",type="tcp",state="ESTABLISHED",\
ini="192.0.2.2:40000>198.51.100.1:80",tgt="198.51.100.1:50000>203.0.113.5:80"} 12.5
"""


def test_flows_and_counters(topo, tmp):
    tables = server_bytes(F.EXAMPLE_TABLES)
    ans = F.answer(0, PROM)
    fake = Fake(tmp, [serve_request(tables, ans)])
    r = pesto(topo, '--flows', fake.path)
    fake.close()
    assert r.returncode == 0, r.stderr
    assert fake.received == [F.request(F.REQ_PROMETHEUS)]
    row = [ln for ln in r.stdout.splitlines() if ln.startswith('3 ')]
    assert len(row) == 1, r.stdout
    f = row[0].split()
    assert f[1:5] == ['tcp', 'ESTABLISHED',
                      '192.0.2.2:40000>198.51.100.1:80',
                      '198.51.100.1:50000>203.0.113.5:80'], f
    assert f[5] == '12.5' and f[7:] == ['4096', '7', '65536', '0'], f

    fake = Fake(tmp, [serve_request(tables, ans)])
    r = pesto(topo, '--counters', fake.path)
    fake.close()
    assert r.returncode == 0, r.stderr
    assert 'passt_frames_total' in r.stdout and '1234' in r.stdout
    assert 'passt_flow_table_used' in r.stdout
    assert 'passt_flow_bytes' not in r.stdout

    fake = Fake(tmp, [serve_request(tables, ans)])
    r = pesto(topo, '--prometheus', fake.path)
    fake.close()
    assert r.returncode == 0 and r.stdout == PROM

    js = '{"counters": {}, "flows": []}\n'
    fake = Fake(tmp, [serve_request(tables, F.answer(0, js))])
    r = pesto(topo, '--json', fake.path)
    fake.close()
    assert r.returncode == 0 and r.stdout == js
    assert fake.received == [F.request(F.REQ_FLOWS_JSON)]


def test_request_to_upstream_server(topo, tmp):
    tables = server_bytes(F.EXAMPLE_TABLES)
    fake = Fake(tmp, [serve_request(tables, None)])
    one_error_line(pesto(topo, '--json', fake.path), "doesn't support")
    fake.close()
    fake = Fake(tmp, [serve_request(tables, b'basil:a\0' +
                                    struct.pack('>II', 0, 65 << 20))])
    one_error_line(pesto(topo, '--json', fake.path), 'length')
    fake.close()
