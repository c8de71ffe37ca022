# SPDX-License-Identifier: GPL-2.0-or-later
"""podman_pasta.py - busybox rootfs and podman-like pasta launcher for
test_podman.py.

Theory of operation: Debian's podman 4.3.1 has no --network=pasta, so
test_podman.py runs the container with --network none and starts pasta
itself, the way podman 5 does (shared/docs/compat.md section 2.4):

* `build_rootfs(dir)` makes a minimal root for `podman run --rootfs`: the
  static busybox, links for the applets the tests use, and a document root
  /www for busybox httpd.
* `launch` (command line, run as a separate process) is podman's
  exec.Command(...).CombinedOutput(): stdout and stderr share one pipe,
  stdin is /dev/null, and the caller waits until every holder closed the
  pipe, then for the exit status.  It records that result in --result.  It
  has made itself a child subreaper first, so the daemon pasta leaves
  behind becomes its child: it then waits for the daemon (bounded by
  --wait) and records the daemon's exit status in --exit.  Both files are
  written whole (rename), as JSON.
"""

import argparse
import ctypes
import json
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36
APPLETS = ("sh", "ip", "wget", "cat", "sleep", "nslookup", "httpd", "echo",
           "ls")


def find_busybox():
    """Path of a static busybox (busybox-static), or None."""
    for p in ("/bin/busybox", "/usr/bin/busybox"):
        if os.access(p, os.X_OK):
            return p
    return shutil.which("busybox")


def build_rootfs(root, index_text, owner=None):
    """Create the container root @root with busybox and /www/index.html
    holding @index_text.  @owner (uid, gid): the user that is root in the
    container, who then owns the whole tree as with rootless storage (runc
    creates mount points such as /etc/hosts as the container's root)."""
    root = Path(root)
    for d in ("bin", "proc", "sys", "dev", "etc", "tmp", "www"):
        (root / d).mkdir(parents=True, exist_ok=True)
    os.chmod(root / "tmp", 0o1777)
    shutil.copy(find_busybox(), root / "bin" / "busybox")
    os.chmod(root / "bin" / "busybox", 0o755)
    for a in APPLETS:
        os.symlink("busybox", root / "bin" / a)
    (root / "www" / "index.html").write_text(index_text)
    os.chmod(root / "www" / "index.html", 0o644)
    if owner is not None:
        for d, dirs, files in os.walk(root):
            for n in [d] + [os.path.join(d, x) for x in dirs + files]:
                os.lchown(n, owner[0], owner[1])
    return root


def _write_json(path, obj):
    tmp = Path(str(path) + ".part")
    tmp.write_text(json.dumps(obj))
    os.rename(tmp, path)


def _children(ppid):
    """PIDs whose parent is @ppid (from /proc/PID/stat)."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            st = Path("/proc/%s/stat" % d).read_text()
        except OSError:
            continue
        if int(st[st.rindex(")") + 2:].split()[1]) == ppid:
            out.append(int(d))
    return out


def _combined_output(argv, timeout):
    """Run @argv with stdout and stderr on one pipe; read it to EOF (all
    holders closed it) within @timeout seconds; return (exit code or None,
    output, pipe closed, seconds)."""
    t0 = time.monotonic()
    rfd, wfd = os.pipe()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=wfd,
                         stderr=wfd)
    os.close(wfd)
    out, closed = b"", False
    while True:
        left = t0 + timeout - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([rfd], [], [], left)
        if not r:
            continue
        data = os.read(rfd, 65536)
        if not data:
            closed = True
            break
        out += data
    os.close(rfd)
    try:
        rc = p.wait(timeout=max(0.1, t0 + timeout - time.monotonic()))
    except subprocess.TimeoutExpired:
        rc = None
    return rc, out.decode(errors="replace"), closed, time.monotonic() - t0


def _wait_daemons(pids, wait):
    """Reap @pids (our children through the subreaper) within @wait
    seconds; return {pid: [exit code or -signal or None, monotonic time]}."""
    res = {pid: [None, None] for pid in pids}
    end = time.monotonic() + wait
    while time.monotonic() < end and any(v[0] is None for v in res.values()):
        for pid, v in res.items():
            if v[0] is not None:
                continue
            try:
                got, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                v[0], v[1] = "not a child", time.monotonic()
                continue
            if got == pid:
                v[0] = (os.WEXITSTATUS(status) if os.WIFEXITED(status)
                        else -os.WTERMSIG(status))
                v[1] = time.monotonic()
        time.sleep(0.02)
    return res


def launch(args):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0):
        sys.exit("prctl(PR_SET_CHILD_SUBREAPER) failed")
    rc, out, closed, secs = _combined_output(args.argv, args.timeout)
    daemons = _children(os.getpid()) if rc is not None else []
    _write_json(args.result, {"rc": rc, "output": out, "pipe_closed": closed,
                              "secs": secs, "daemons": daemons})
    res = _wait_daemons(daemons, args.wait)
    _write_json(args.exit, {str(k): v for k, v in res.items()})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    lp = sub.add_parser("launch", help="run ARGV like podman runs pasta")
    lp.add_argument("--result", required=True)
    lp.add_argument("--exit", required=True)
    lp.add_argument("--timeout", type=float, default=20)
    lp.add_argument("--wait", type=float, default=300)
    lp.add_argument("argv", nargs=argparse.REMAINDER)
    rp = sub.add_parser("rootfs", help="build a busybox rootfs in DIR")
    rp.add_argument("dir")
    args = ap.parse_args()
    if args.cmd == "launch":
        if args.argv and args.argv[0] == "--":
            args.argv = args.argv[1:]
        launch(args)
    else:
        build_rootfs(args.dir, "hello from the container\n")


if __name__ == "__main__":
    main()
