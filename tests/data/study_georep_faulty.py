#!/usr/bin/env python3
"""Study: what makes the workers of a running geo-replication session go ``Faulty`` (GlusterFS
10.3, the lab of tests/support/georep_lab.py), how fast, and how fast they recover once the
cause is undone. The real trouble the ``georep`` health check (``gluster.health``, the beacon's
``georep/faulty``) is shown against in tests/functional/test_georep.py.

    study_georep_faulty.py            full run: lab, session Active, each trouble in turn, tear down
    study_georep_faulty.py up|down    only the lab (state in STATE) / tear it down

Troubles (GEOREP_FAULTS, comma separated, in that order; default all):

    secvol-stop    ``volume stop secvol force`` on the secondary, a file written on the primary;
                   undone by ``volume start secvol``
    sshd-kill      every secondary node's sshd and the sessions it spawned killed (the workers'
                   ssh connections die with them); undone by starting sshd again
    secvol-nowrite ``volume stop secvol force`` with nothing written on the primary (does an idle
                   worker notice?); undone as secvol-stop
    secvol-dir     as secvol-stop, the file written in a new directory
    secvol-paused  as secvol-stop, after the session was paused and resumed (where
                   tests/functional/test_georep.py checks health)

For each: the pairs' status second by second (changes logged), the time to the first Faulty and,
after undoing, to every pair Active/Passive again. GEOREP_CAPTURE=1 saves the status XML seen
while Faulty (first trouble that gives one) as tests/data/georep/status_faulty.xml.

Primary 127.1.10.x, secondary 127.1.11.x, sshd port 2211, everything under /tmp/study-georep-faulty.

Found (gluster 10.3, 2-brick distribute volumes, 3 runs): the pairs' status becomes ``Faulty``
(never Created/Stopped; crawl status, counters and last synced N/A). sshd-kill: both workers
Faulty 1.2-1.4 s after; secvol-stop and secvol-dir: 5.3-9.7 s; secvol-nowrite: 56 s (an idle
worker notices only then); secvol-paused: 50 s (after a pause/resume the write is not picked
up sooner). While the trouble lasts the monitor restarts each worker every ~10 s: a pair shows
``Initializing...`` for ~2 s, then ``Faulty`` again (not in every run). Undone: Initializing...
after 3-8 s, every pair Active after 9.5-14 s, Changelog Crawl after 12-26 s (History Crawl
before it).
"""

import os
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import georep_lab as lab  # noqa: E402
from cluster import _wait_for  # noqa: E402
from georep_lab import PRIMVOL, SECVOL, log, save_state  # noqa: E402

TOP = "/tmp/study-georep-faulty"
SSH_PORT = 2211
XMLDIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "georep")
CAPTURE = os.environ.get("GEOREP_CAPTURE", "0") == "1"
FAULTS = os.environ.get("GEOREP_FAULTS", "secvol-stop,sshd-kill,secvol-nowrite").split(",")
lab.configure(TOP, SSH_PORT)


def georep(node, *args, check=True):
    proc = node.cli("volume", "geo-replication", *args, xml=True, check=False)
    if check and (proc.returncode != 0 or ET.fromstring(proc.stdout).findtext("opRet") != "0"):
        raise RuntimeError(f"geo-replication {args} failed: rc={proc.returncode} {proc.stdout}{proc.stderr}")
    return proc


def status(node, session):
    proc = georep(node, PRIMVOL, session, "status", check=False)
    try:
        rows = [{c.tag: c.text for c in pair} for pair in ET.fromstring(proc.stdout).iter("pair")]
    except ET.ParseError:
        rows = []
    return proc, sorted((r.get("primary_node"), r.get("status"), r.get("crawl_status")) for r in rows)


class Watch:
    """The status polled until ``want(view)``; every change logged with its time since ``t0``."""

    def __init__(self, node, session):
        self.node, self.session, self.last, self.faulty_xml = node, session, None, None

    def until(self, want, timeout, t0, what):
        def ok():
            proc, view = status(self.node, self.session)
            if view != self.last:
                self.last = view
                log(f"  +{time.monotonic() - t0:5.1f}s {view}")
            if any(s == "Faulty" for _n, s, _c in view) and self.faulty_xml is None:
                self.faulty_xml = proc.stdout
            return bool(view) and want(view)

        _wait_for(ok, timeout, what, interval=1)
        return time.monotonic() - t0


def faulty(view):
    return any(s == "Faulty" for _n, s, _c in view)


def synced(view):
    return all(s in ("Active", "Passive") for _n, s, _c in view) and any(
        c == "Changelog Crawl" for _n, _s, c in view
    )


def trouble(name, prim, sec, session, mnt, watch, n):
    """Cause ``name``, wait for Faulty, undo, wait for recovery: (to Faulty, to recovered) in s."""
    log(f"== {name}")
    if name == "secvol-paused":
        georep(prim[0], PRIMVOL, session, "pause")
        georep(prim[0], PRIMVOL, session, "resume")
        t_resumed = time.monotonic()
        watch.until(synced, 120, t_resumed, "Active after resume")
    t0 = time.monotonic()
    if name.startswith("secvol-"):
        sec[0].cli("volume", "stop", SECVOL, "force")
    elif name == "sshd-kill":
        for node in sec.nodes:
            killed = lab.stop_sshd(node)
            log(f"  killed sshd and the {len(killed) - 1} processes below it on {node.address}")
    if name != "secvol-nowrite":
        folder = os.path.join(mnt, f"trouble-dir{n}") if name == "secvol-dir" else mnt
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, f"trouble-{n}.txt"), "w", encoding="utf-8") as handle:
            handle.write(f"written while {name}\n")
    try:
        to_faulty = watch.until(faulty, 120, t0, f"Faulty after {name}")
        log(f"  Faulty {to_faulty:.1f}s after {name}")
    except TimeoutError:
        to_faulty = None
        log(f"  NO Faulty within 120s of {name}")
    if CAPTURE and watch.faulty_xml and not os.path.exists(os.path.join(XMLDIR, "status_faulty.xml")):
        with open(os.path.join(XMLDIR, "status_faulty.xml"), "w", encoding="utf-8") as handle:
            handle.write(watch.faulty_xml)
        log("  saved tests/data/georep/status_faulty.xml")
    # how it looks a while later, still in trouble: Faulty throughout or Faulty/Initializing...
    if to_faulty is not None:
        end = time.monotonic() + 25
        watch.until(lambda _view: time.monotonic() > end, 40, t0, "the trouble to go on")
    t1 = time.monotonic()
    if name.startswith("secvol-"):
        sec[0].cli("volume", "start", SECVOL)
    elif name == "sshd-kill":
        for node in sec.nodes:
            lab.start_sshd(node)
    log(f"  undone ({name})")
    to_ok = watch.until(synced, 240, t1, f"recovery after {name}")
    log(f"  recovered (all Active/Passive, Changelog Crawl) {to_ok:.1f}s after undoing {name}")
    return to_faulty, to_ok


def full():
    t0 = time.monotonic()
    prim, sec, state = lab.up()
    p1, s1 = prim[0], sec[0]
    session = f"{s1.address}::{SECVOL}"
    p1.cli("system::", "execute", "gsec_create")
    georep(p1, PRIMVOL, session, "create", "ssh-port", str(SSH_PORT), "push-pem")
    georep(p1, PRIMVOL, session, "config", "ssh-port", str(SSH_PORT))
    georep(p1, PRIMVOL, session, "config", "secondary-access-mount", "true")
    mnt = os.path.join(TOP, "mnt", "prim")
    state["mounts"].append(mnt)
    save_state(state)
    prim.mount(PRIMVOL, mnt)
    for i in range(4):
        with open(os.path.join(mnt, f"before{i}.txt"), "w", encoding="utf-8") as handle:
            handle.write(f"before {i}\n")
    georep(p1, PRIMVOL, session, "start")
    watch = Watch(p1, session)
    t_start = time.monotonic()
    watch.until(synced, 180, t_start, "session Active")
    log(
        f"session Active/Changelog Crawl {time.monotonic() - t_start:.1f}s after start "
        f"({time.monotonic() - t0:.1f}s total)"
    )
    results = [(name, *trouble(name, prim, sec, session, mnt, watch, n)) for n, name in enumerate(FAULTS)]
    for name, to_faulty, to_ok in results:
        shown = "never" if to_faulty is None else f"{to_faulty:.1f}s"
        log(f"RESULT {name}: Faulty after {shown}, recovered {to_ok:.1f}s after undoing")


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else "full"
    if cmd == "up":
        lab.up()
        return 0
    if cmd == "down":
        lab.down()
        return 0
    t0, rc = time.monotonic(), 1
    try:
        full()
        rc = 0
    except Exception as exc:  # noqa: BLE001
        log(f"FAILED: {exc!r}")
    finally:
        if os.environ.get("GEOREP_KEEP") != "1":
            lab.down()
    log(f"runtime {time.monotonic() - t0:.1f}s rc={rc}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
