#!/usr/bin/env python3
"""Real GlusterFS 10.3 geo-replication between two loopback clusters on one host: the proof
that it works here, and the capture of the answers in tests/data/georep/ (GEOREP_CAPTURE=1).

    capture_georep.py            full run: set up, geo-rep session, prove a file arrives, tear down
    capture_georep.py up         only set up clusters/namespaces/sshd (state in STATE)
    capture_georep.py down       tear down from STATE

Needs openssh-server and rsync (apt-get install). tests/functional/test_georep.py runs the
same lab in the suite; this script also writes while the session is active (in about half the
runs one worker then needs a session restart: "LIVE STALL" in its log).

Primary cluster 127.1.10.x, secondary cluster 127.1.11.x, everything under /tmp/saltext-gluster-georep.
Environment: GEOREP_PRIM_SIZE / GEOREP_SEC_SIZE (2/2), GEOREP_SSH_PORT (2211),
GEOREP_PUSH_PEM=1 (0: create no-verify + keys installed by this script, as Salt would),
GEOREP_SYNC_FIX=access-mount|tarssh|none, GEOREP_CAPTURE=1 (save XML to xml/), GEOREP_KEEP=1.

The two clusters, each node's namespace made to look like a default install, and the sshd on
each secondary node: tests/support/georep_lab.py (its docstring says why each bind is needed).
"""

import os
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import georep_lab as lab  # noqa: E402
from cluster import _wait_for  # noqa: E402
from georep_lab import PRIMVOL, SECVOL, authorize, authorized_keys, down, log, save_state, up  # noqa: E402

TOP = "/tmp/saltext-gluster-georep"
XMLDIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "georep")
SSH_PORT = int(os.environ.get("GEOREP_SSH_PORT", "2211"))
PUSH_PEM = os.environ.get("GEOREP_PUSH_PEM", "1") == "1"
SYNC_FIX = os.environ.get("GEOREP_SYNC_FIX", "access-mount")
CAPTURE = os.environ.get("GEOREP_CAPTURE", "0") == "1"
LIVE_TIMEOUT = int(os.environ.get("GEOREP_LIVE_TIMEOUT", "60"))
lab.configure(
    TOP, SSH_PORT, int(os.environ.get("GEOREP_PRIM_SIZE", "2")), int(os.environ.get("GEOREP_SEC_SIZE", "2"))
)


def save(name, proc):
    if CAPTURE:
        os.makedirs(XMLDIR, exist_ok=True)
        with open(os.path.join(XMLDIR, name + ".xml"), "w", encoding="utf-8") as handle:
            handle.write(proc.stdout)
        if proc.returncode != 0 or proc.stderr or name.startswith("error_"):
            with open(os.path.join(XMLDIR, name + ".rc-stderr.txt"), "w", encoding="utf-8") as handle:
                handle.write(f"rc={proc.returncode}\nstderr={proc.stderr}")


def georep(node, *args, check=True, name=None):
    proc = node.cli("volume", "geo-replication", *args, xml=True, check=False)
    if name:
        save(name, proc)
    if check:
        ok = proc.returncode == 0 and ET.fromstring(proc.stdout).findtext("opRet") == "0"
        if not ok:
            raise RuntimeError(
                f"geo-replication {args} failed: rc={proc.returncode} {proc.stdout}{proc.stderr}"
            )
    return proc


def pairs(node, session):
    root = ET.fromstring(georep(node, PRIMVOL, session, "status").stdout)
    return [{child.tag: child.text for child in pair} for pair in root.iter("pair")]


def wait_status(node, session, want, timeout=120):
    seen = []

    def ok():
        rows = pairs(node, session)
        view = sorted((r.get("primary_node"), r.get("status"), r.get("crawl_status")) for r in rows)
        if not seen or seen[-1] != view:
            seen.append(view)
            log(f"  status: {view}")
        return bool(rows) and want(rows)

    _wait_for(ok, timeout, f"geo-rep status on {session}", interval=1)


def full():
    t0 = time.monotonic()
    prim, sec, state = up()
    log(f"clusters, volumes, sshd up ({time.monotonic() - t0:.1f}s)")
    p1, s1 = prim[0], sec[0]
    session = f"{s1.address}::{SECVOL}"

    save("gsec_create", p1.cli("system::", "execute", "gsec_create", xml=True, check=False))
    pem = os.path.join(p1.workdir, "geo-replication", "common_secret.pem.pub")
    assert os.path.exists(pem), "gsec_create made no common_secret.pem.pub"

    save("error_status_all_no_sessions", p1.cli("volume", "geo-replication", "status", xml=True, check=False))
    georep(p1, PRIMVOL, session, "status", check=False, name="error_status_no_session")
    georep(p1, PRIMVOL, session, "start", check=False, name="error_start_no_session")
    georep(
        p1,
        PRIMVOL,
        f"{s1.address}::nosuchvol",
        "create",
        "ssh-port",
        str(SSH_PORT),
        "push-pem",
        check=False,
        name="error_create_no_such_secondary_volume",
    )

    create = ["create", "ssh-port", str(SSH_PORT), "push-pem" if PUSH_PEM else "no-verify"]
    georep(p1, PRIMVOL, session, *create, name="create")
    if PUSH_PEM:
        # the hook ran on p1: scp to s1 + `gluster system:: copy file` + `execute add_secret_pub`
        # on every secondary node + `volume set secvol features.read-only on`
        want = set(open(pem, encoding="utf-8").read().splitlines())
        for node in sec.nodes:
            have = set(open(authorized_keys(node), encoding="utf-8").read().splitlines())
            assert want <= have, f"push-pem did not authorize the primary keys on {node.address}"
        log("push-pem installed the common secret keys on every secondary node")
    else:
        for node in sec.nodes:  # what Salt would do
            authorize(node, open(pem, encoding="utf-8").read().splitlines())
    conf = os.path.join(p1.workdir, "geo-replication", f"{PRIMVOL}_{s1.address}_{SECVOL}", "gsyncd.conf")
    log(f"gsyncd.conf after create: {open(conf, encoding='utf-8').read().strip()!r}")
    log(f"session created ({time.monotonic() - t0:.1f}s)")

    # create ... ssh-port N does not persist ssh-port for gsyncd here: set it explicitly
    georep(p1, PRIMVOL, session, "config", "ssh-port", str(SSH_PORT), name="config_set")
    if SYNC_FIX == "access-mount":
        georep(p1, PRIMVOL, session, "config", "secondary-access-mount", "true")
    elif SYNC_FIX == "tarssh":
        georep(p1, PRIMVOL, session, "config", "sync-method", "tarssh")
    georep(p1, PRIMVOL, session, "config", "ssh-port", name="config_get_one")
    georep(p1, PRIMVOL, session, "config", name="config_get_all")
    georep(p1, PRIMVOL, session, "config", "no-such-option", "1", check=False, name="error_config_bad_option")
    georep(p1, PRIMVOL, session, "status", name="status_created")

    pm, sm = os.path.join(TOP, "mnt", "prim"), os.path.join(TOP, "mnt", "sec")
    state["mounts"] += [pm, sm]
    save_state(state)
    prim.mount(PRIMVOL, pm)
    sec.mount(SECVOL, sm)

    def write(prefix, count):
        payloads = {f"{prefix}{i}.txt": f"geo-rep {prefix} {i} {time.time()}\n" for i in range(count)}
        for name, data in payloads.items():
            with open(os.path.join(pm, name), "w", encoding="utf-8") as handle:
                handle.write(data)
        os.makedirs(os.path.join(pm, prefix + "dir"), exist_ok=True)
        return payloads

    def arrived(payloads, prefix):
        for name, data in payloads.items():
            try:
                with open(os.path.join(sm, name), encoding="utf-8") as handle:
                    if handle.read() != data:
                        return False
            except OSError:
                return False
        return os.path.isdir(os.path.join(sm, prefix + "dir"))

    # 1. files written before start: synced by the first (xsync/hybrid) crawl
    before = write("before", 4)
    georep(p1, PRIMVOL, session, "start", name="start")
    georep(p1, PRIMVOL, session, "status", name="status_just_started")
    georep(p1, PRIMVOL, session, "status", "detail", name="status_detail_just_started")
    wait_status(
        p1,
        session,
        lambda rows: (
            all(r["status"] in ("Active", "Passive") for r in rows)
            and all(r["crawl_status"] == "Changelog Crawl" for r in rows if r["status"] == "Active")
        ),
    )
    log(f"session Active, Changelog Crawl ({time.monotonic() - t0:.1f}s)")
    t_wait = time.monotonic()
    _wait_for(lambda: arrived(before, "before"), 120, "pre-start files on the secondary", interval=1)
    log(f"pre-start files arrived with their content ({time.monotonic() - t_wait:.1f}s after Active)")

    # 2. files written while the session is Active: synced from the live changelog
    live = write("live", 4)
    t_write = time.monotonic()
    try:
        _wait_for(lambda: arrived(live, "live"), LIVE_TIMEOUT, "live files on the secondary", interval=1)
        log(f"live files arrived with their content after {time.monotonic() - t_write:.1f}s")
        state["live_stall"] = False
    except TimeoutError:
        missing = [n for n in live if not os.path.exists(os.path.join(sm, n))]
        where = sorted(
            {
                node.address
                for node in prim.nodes
                for n in missing
                if os.path.exists(os.path.join(node.brickdir, "b1", n))
            }
        )
        log(
            f"LIVE STALL: {missing} (on bricks of {where}) not synced after {LIVE_TIMEOUT}s;"
            " restarting the session (stop/start): the history crawl catches up"
        )
        state["live_stall"] = where
        georep(p1, PRIMVOL, session, "stop")
        georep(p1, PRIMVOL, session, "start")
        _wait_for(lambda: arrived(live, "live"), 120, "live files after restart", interval=1)
        log(f"live files arrived after the restart ({time.monotonic() - t_write:.1f}s after writing)")
    save_state(state)
    georep(p1, PRIMVOL, session, "status", name="status_active")
    georep(p1, PRIMVOL, session, "status", "detail", name="status_detail_active")
    save("status_all_sessions", p1.cli("volume", "geo-replication", "status", xml=True, check=False))
    save(
        "status_volume_sessions",
        p1.cli("volume", "geo-replication", PRIMVOL, "status", xml=True, check=False),
    )
    save("secondary_volume_info", s1.cli("volume", "info", SECVOL, xml=True, check=False))
    if len(prim.nodes) > 1:
        georep(prim[1], PRIMVOL, session, "status", name="status_active_from_primary_node2")
    save(
        "error_status_from_secondary_node",
        s1.cli("volume", "geo-replication", "status", xml=True, check=False),
    )
    georep(p1, PRIMVOL, session, "pause", name="pause")
    georep(p1, PRIMVOL, session, "status", name="status_paused")
    georep(p1, PRIMVOL, session, "pause", check=False, name="error_pause_paused")
    georep(p1, PRIMVOL, session, "resume", name="resume")
    georep(p1, PRIMVOL, session, "delete", check=False, name="error_delete_running")
    georep(p1, PRIMVOL, session, "stop", name="stop")
    georep(p1, PRIMVOL, session, "status", name="status_stopped")
    georep(p1, PRIMVOL, session, "stop", check=False, name="error_stop_stopped")
    georep(p1, PRIMVOL, session, "delete", name="delete")
    georep(p1, PRIMVOL, session, "status", check=False, name="error_status_after_delete")
    log(f"pause/resume/stop/delete ok ({time.monotonic() - t0:.1f}s)")
    return state.get("live_stall")


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else "full"
    if cmd == "up":
        up()
        return 0
    if cmd == "down":
        down()
        return 0
    t0 = time.monotonic()
    rc = 1
    try:
        stall = full()
        log(f"OK; live-changelog stall needing a restart: {stall or 'none'}")
        rc = 0
    except Exception as exc:  # noqa: BLE001
        log(f"FAILED: {exc!r}")
    finally:
        if os.environ.get("GEOREP_KEEP") != "1":
            down()
    log(f"runtime {time.monotonic() - t0:.1f}s rc={rc}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
