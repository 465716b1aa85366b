#!/usr/bin/env python3
"""Study: a NON-ROOT (mount-broker) geo-replication session with GlusterFS 10.3 between two
loopback clusters on this host, and the proof that files written before ``start`` arrive.

    study_mountbroker.py            full run: lab, mount broker, non-root session, proof, tear down
    study_mountbroker.py up         only the lab with the mount broker (state in STATE), sshd up
    study_mountbroker.py down       tear down from STATE (also after a failed or kept run)

Primary cluster 127.1.13.x, secondary cluster 127.1.14.x, sshd port 2212, all under /tmp/mb-study
(another engineer's lab uses 127.1.1-12 and port 2211 at the same time). Environment:
MB_PUSH_PEM=0 (1: ``create push-pem`` + set_geo_rep_pem_keys.sh; 0: ``create no-verify`` and the
keys written into the user's authorized_keys by this script, as Salt would), MB_VIA=broker
(``gluster-mountbroker setup/add`` edit glusterd.vol) or xlator (glusterd started with
``--xlator-option management.mountbroker-*`` instead), MB_SYNC_FIX=access-mount (session config
secondary-access-mount true; tarssh: sync-method tarssh; none: neither, and the files arrive
empty, as with root sessions, see README), MB_KEEP=1 (no tear down), MB_CAPTURE=1 (the
session's status XML to tests/data/georep/status_mountbroker.xml).

On each secondary node (in its namespace, see tests/support/georep_lab.py) the host's files are
left alone: per-node copies are bound over /etc/passwd, /etc/group, /etc/shadow (the user and
group added), /etc/glusterfs (a directory: gluster-mountbroker rewrites glusterd.vol by
rename(), which a file bind refuses with EBUSY) and /home. The mount-broker root is
/tmp/mountbroker-root: each glusterd has a private /tmp (its node's tmp/ dir), so that path is
per node and its ancestors are root-owned 0755 as glusterd demands (the host's /tmp is 1777).
"""

import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import georep_lab as lab  # noqa: E402
from cluster import _wait_for  # noqa: E402
from georep_lab import PRIMVOL, SECVOL, log, save_state  # noqa: E402

TOP = "/tmp/mb-study"
SSH_PORT = 2212
USER, GROUP, UID, GID = lab.MB_USER, lab.MB_GROUP, lab.MB_UID, lab.MB_GID
MB_ROOT = "/tmp/mountbroker-root"  # inside each secondary node's namespace (private /tmp)
GLUSTER_LIBEXEC = "/usr/lib/x86_64-linux-gnu/glusterfs"
PUSH_PEM = os.environ.get("MB_PUSH_PEM", "0") == "1"
VIA = os.environ.get("MB_VIA", "broker")
SYNC_FIX = os.environ.get("MB_SYNC_FIX", "access-mount")
lab.configure(TOP, SSH_PORT, 2, 2, subnets=("127.1.13", "127.1.14"))
REPORT = os.path.join(TOP, "report.txt")


def note(title, text):
    """Log and keep (in REPORT) something the study found out."""
    log(f"{title}:\n{text.rstrip()}")
    with open(REPORT, "a", encoding="utf-8") as handle:
        handle.write(f"===== {title}\n{text.rstrip()}\n")


def home(node):
    return lab.mb_home(node)


def prepare(role, node):
    """Before a secondary node's glusterd starts: its own passwd/group/shadow with the user,
    its own /etc/glusterfs and /home (``georep_lab.local_users``)."""
    lab.local_users(role, node)
    if role != "sec":
        return
    # gluster-mountbroker setup chgrp's this directory (it does not create it)
    os.makedirs(os.path.join(node.host, "log", "geo-replication-secondaries"), exist_ok=True)
    if PUSH_PEM:
        # gverify.sh (create without no-verify) runs `source /etc/profile && gluster --version`
        # over ssh as the user: Debian's /etc/profile gives non-root users no /usr/sbin, and
        # create fails "gluster command not found on <host> for user geoaccount." (FORCE_BLOCKER:
        # force does not help). On a real host: a /usr/local/bin/gluster symlink, or this.
        etc = os.path.join(node.host, "etc")
        with open("/etc/profile", encoding="utf-8") as handle:
            profile = handle.read()
        with open(os.path.join(etc, "profile"), "w", encoding="utf-8") as handle:
            handle.write(profile + '\nPATH="$PATH:/usr/sbin"; export PATH\n')
        node.extra_binds.append((os.path.join(etc, "profile"), "/etc/profile"))


def xlator_options(node):
    """MB_VIA=xlator: the mount-broker options on glusterd's command line, glusterd.vol untouched."""
    del node
    return ["--xlator-option", f"management.mountbroker-root={MB_ROOT}",
            "--xlator-option", f"management.mountbroker-geo-replication.{USER}={SECVOL}",
            "--xlator-option", f"management.geo-replication-log-group={GROUP}"]  # fmt: skip


def georep(node, *args, check=True):
    proc = node.cli("volume", "geo-replication", *args, xml=True, check=False)
    if check and not (proc.returncode == 0 and ET.fromstring(proc.stdout).findtext("opRet") == "0"):
        raise RuntimeError(f"geo-replication {args} failed: rc={proc.returncode} {proc.stdout}{proc.stderr}")
    return proc


def as_user(node, *argv, check=False):
    """A command in the node's namespace as the unprivileged user (what its gsyncd does)."""
    return lab.run(["nsenter", "-t", str(node.pid), "-m", "-S", str(UID), "-G", str(GID), "--",
                    "env", f"HOME=/home/{USER}", f"USER={USER}", *argv], check=check)  # fmt: skip


def broker_probe(node, label):
    """`gluster system:: mount` as the user, as gsyncd's MountbrokerMounter calls it; unmounts
    again on success. Returns (ok, output)."""
    logfile = "/var/log/glusterfs/geo-replication-secondaries/mbr/probe.log"
    proc = as_user(node, "gluster", "--remote-host=localhost", "system::", "mount", USER,
                   f"user-map-root={USER}", "aux-gfid-mount", "acl", "log-level=INFO",
                   f"log-file={logfile}", "volfile-server=localhost", f"volfile-id={SECVOL}",
                   "client-pid=-1")  # fmt: skip
    out = f"rc={proc.returncode} stdout={proc.stdout.strip()!r} stderr={proc.stderr.strip()!r}"
    mnt = proc.stdout.strip().splitlines()[0] if proc.stdout.strip() else ""
    ok = proc.returncode == 0 and mnt.startswith("/")
    if ok:
        listing = as_user(node, "ls", "-a", mnt)
        out += f"\n  as {USER}: ls {mnt} -> rc={listing.returncode} {listing.stdout.split()}"
        umount = as_user(node, "gluster", "--remote-host=localhost", "system::", "umount", mnt, "lazy")
        out += (
            f"\n  system:: umount -> rc={umount.returncode} "
            f"{umount.stdout.strip()!r}{umount.stderr.strip()!r}"
        )
    note(f"mount-broker probe on {node.address} ({label})", out)
    return ok


def setup_broker(sec, state):
    s1 = sec[0]
    note(
        "glusterd.vol before (secondary node 1)",
        open(os.path.join(s1.host, "etc-glusterfs", "glusterd.vol"), encoding="utf-8").read(),
    )
    if VIA == "broker":
        for argv in (
            ["gluster-mountbroker", "setup", MB_ROOT, GROUP],
            ["gluster-mountbroker", "add", SECVOL, USER],
            ["gluster-mountbroker", "status"],
        ):
            proc = s1.ns(*argv, check=False)
            note(f"{' '.join(argv)} on {s1.address} (rc={proc.returncode})", proc.stdout + proc.stderr)
        for node in sec.nodes:
            note(
                f"glusterd.vol after gluster-mountbroker on {node.address}",
                open(os.path.join(node.host, "etc-glusterfs", "glusterd.vol"), encoding="utf-8").read(),
            )
            ls = node.ns(
                "ls",
                "-ld",
                MB_ROOT,
                "/var/lib/glusterd/geo-replication",
                "/var/log/glusterfs/geo-replication-secondaries",
                "/var/log/glusterfs/cli.log",
                check=False,
            )
            note(f"what gluster-mountbroker setup changed on {node.address}", ls.stdout + ls.stderr)
        probe_before = broker_probe(s1, "after gluster-mountbroker, before the glusterd restart")
        for node in sec.nodes:
            node.restart(state)
        note(
            "glusterd restart",
            f"restarted glusterd on {[n.address for n in sec.nodes]}; "
            f"mount broker usable before the restart: {probe_before}",
        )
    else:
        for node in sec.nodes:
            node.ns("mkdir", "-p", MB_ROOT)
            node.ns("chmod", "0711", MB_ROOT)
            node.ns(
                "chgrp",
                "-R",
                GROUP,
                "/var/lib/glusterd/geo-replication",
                "/var/log/glusterfs/geo-replication-secondaries",
            )
            node.ns(
                "chmod",
                "770",
                "/var/lib/glusterd/geo-replication",
                "/var/log/glusterfs/geo-replication-secondaries",
            )
            node.stop(children=False)
            node.glusterd_args = xlator_options(node)
            node.start()
            state["namespaces"].append(lab.mnt_ns(node.pid))
            save_state(state)
        proc = s1.ns("gluster-mountbroker", "status", check=False)
        note(
            "gluster-mountbroker status with MB_VIA=xlator (reads glusterd.vol only)",
            proc.stdout + proc.stderr,
        )
    _wait_for(sec.pool_connected, 60, "secondary peers connected again after the glusterd restarts")
    # the machine-readable form: gluster-mountbroker status has no --xml/--json, but what it
    # runs on every peer answers one JSON line per node (the table is made from these)
    for argv in (
        ["gluster", "system::", "execute", "mountbroker.py", "node-status"],
        ["gluster", "system::", "execute", "mountbroker", "-j", "info"],
    ):
        proc = s1.ns(*argv, check=False)
        note(f"{' '.join(argv)} on {s1.address} (rc={proc.returncode})", proc.stdout + proc.stderr)
    for node in sec.nodes:
        if not broker_probe(node, "glusterd running with the mount-broker options"):
            raise RuntimeError(f"mount broker refuses {USER} on {node.address}: see {REPORT}")


def user_authorize(node, lines):
    path = os.path.join(home(node), ".ssh", "authorized_keys")
    existing = open(path, encoding="utf-8").read().splitlines() if os.path.exists(path) else []
    with open(path, "a", encoding="utf-8") as handle:
        handle.writelines(line + "\n" for line in lines if line and line not in existing)
    os.chown(path, UID, GID)
    os.chmod(path, 0o600)
    return path


def wait_status(node, session, timeout=180):
    seen = []

    def ok():
        text = georep(node, PRIMVOL, session, "status").stdout
        if os.environ.get("MB_CAPTURE") == "1":
            with open(
                os.path.join(os.path.dirname(os.path.abspath(__file__)), "georep", "status_mountbroker.xml"),
                "w",
                encoding="utf-8",
            ) as handle:
                handle.write(text)
        root = ET.fromstring(text)
        rows = [{c.tag: c.text for c in pair} for pair in root.iter("pair")]
        view = sorted(
            (r.get("primary_node"), r.get("secondary_user"), r.get("status"), r.get("crawl_status"))
            for r in rows
        )
        if not seen or seen[-1] != view:
            seen.append(view)
            log(f"  status: {view}")
        if any(r["status"] == "Faulty" for r in rows) and len(seen) > 6:
            raise RuntimeError(f"session Faulty: {view}")
        return (
            bool(rows)
            and all(r["status"] in ("Active", "Passive") for r in rows)
            and all(r["crawl_status"] == "Changelog Crawl" for r in rows if r["status"] == "Active")
        )

    _wait_for(ok, timeout, f"geo-rep status on {session}", interval=1)


def diagnose(prim, sec):
    """On failure: the tails of the logs that say why."""
    for node in sec.nodes:
        for rel in ("sshd.log",):
            path = os.path.join(node.host, rel)
            if os.path.exists(path):
                note(
                    f"tail {path}", "".join(open(path, encoding="utf-8", errors="replace").readlines()[-15:])
                )
        logdir = os.path.join(node.host, "log", "geo-replication-secondaries")
        for dirpath, _dirs, files in os.walk(logdir):
            for name in files:
                path = os.path.join(dirpath, name)
                note(
                    f"tail {path}", "".join(open(path, encoding="utf-8", errors="replace").readlines()[-12:])
                )
        note(
            f"tail glusterd.log {node.address}",
            "".join(open(node.log_file, encoding="utf-8", errors="replace").readlines()[-12:]),
        )
    for node in prim.nodes:
        logdir = os.path.join(node.host, "log", "geo-replication")
        for dirpath, _dirs, files in os.walk(logdir):
            for name in files:
                if name.endswith(".log") and "gsyncd" in name:
                    path = os.path.join(dirpath, name)
                    note(
                        f"tail {path}",
                        "".join(open(path, encoding="utf-8", errors="replace").readlines()[-20:]),
                    )


def bring_up():
    os.makedirs(TOP, exist_ok=True)
    if os.path.exists(REPORT):
        os.remove(REPORT)
    for name in ("passwd", "group"):
        if subprocess.run(["getent", name, str(UID)], capture_output=True, check=False).returncode == 0:
            raise SystemExit(f"uid/gid {UID} is taken on this host: pick another")
    prim, sec, state = lab.up(prepare=prepare, sshd=False)
    setup_broker(sec, state)
    # sshd after the restart: it must run in the namespace of the glusterd that makes the
    # mount-broker mounts (a mount made in a later namespace is invisible in an earlier one)
    for node in sec.nodes:
        state["sshd_pidfiles"].append(lab.start_sshd(node))
        save_state(state)
    return prim, sec, state


def full():
    t0 = time.monotonic()
    prim, sec, state = bring_up()
    log(f"lab + mount broker up ({time.monotonic() - t0:.1f}s)")
    p1, s1 = prim[0], sec[0]
    session = f"{USER}@{s1.address}::{SECVOL}"
    try:
        return prove(prim, sec, state, p1, s1, session, t0)
    except Exception:
        diagnose(prim, sec)
        raise


def prove(prim, sec, state, p1, s1, session, t0):
    p1.cli("system::", "execute", "gsec_create")
    pem = os.path.join(p1.workdir, "geo-replication", "common_secret.pem.pub")
    keys = open(pem, encoding="utf-8").read().splitlines()
    note(
        "common_secret.pem.pub (the authorized_keys lines, key material elided)",
        "\n".join(line[: line.index("ssh-") + 12] + " ... " + line.split()[-1] for line in keys),
    )
    if PUSH_PEM:
        # the hook and gverify ssh as the user with root's default identity: authorize it first
        for node in sec.nodes:
            user_authorize(
                node,
                [
                    open(os.path.join(n.host, "root", ".ssh", "id_ed25519.pub"), encoding="utf-8")
                    .read()
                    .strip()
                    for n in prim.nodes
                ],
            )
        proc = georep(p1, PRIMVOL, session, "create", "ssh-port", str(SSH_PORT), "push-pem", check=False)
        note("create push-pem", proc.stdout + proc.stderr)
        if ET.fromstring(proc.stdout).findtext("opRet") != "0":
            raise RuntimeError(f"create push-pem failed: {ET.fromstring(proc.stdout).findtext('opErrstr')}")
        listing = s1.ns("ls", "-l", f"/home/{USER}", check=False)
        note(f"{USER}'s home on {s1.address} after the push-pem hook", listing.stdout)
        proc = s1.ns(f"{GLUSTER_LIBEXEC}/set_geo_rep_pem_keys.sh", USER, PRIMVOL, SECVOL, check=False)
        note(
            f"set_geo_rep_pem_keys.sh {USER} {PRIMVOL} {SECVOL} on {s1.address} (rc={proc.returncode})",
            proc.stdout + proc.stderr,
        )
        if proc.returncode != 0:
            raise RuntimeError("set_geo_rep_pem_keys.sh failed")
    else:
        georep(p1, PRIMVOL, session, "create", "ssh-port", str(SSH_PORT), "no-verify")
        for node in sec.nodes:  # what Salt would do
            user_authorize(node, keys)
        # push-pem would also set the secondary volume read-only (set_geo_rep_pem_keys.sh does)
        s1.cli("volume", "set", SECVOL, "features.read-only", "on")
    for node in sec.nodes:
        path = os.path.join(home(node), ".ssh", "authorized_keys")
        st = os.stat(path)
        note(
            f"authorized_keys of {USER} on {node.address} (uid {st.st_uid}, mode {oct(st.st_mode & 0o777)})",
            "\n".join(
                line[: line.find("ssh-") + 12] + " ..."
                for line in open(path, encoding="utf-8").read().splitlines()
            ),
        )
    georep(p1, PRIMVOL, session, "config", "ssh-port", str(SSH_PORT))
    if SYNC_FIX == "access-mount":
        georep(p1, PRIMVOL, session, "config", "secondary-access-mount", "true")
    elif SYNC_FIX == "tarssh":
        georep(p1, PRIMVOL, session, "config", "sync-method", "tarssh")
    config = ET.fromstring(georep(p1, PRIMVOL, session, "config").stdout).find("geoRep/config")
    picked = {
        c.tag: c.text
        for c in config
        if any(w in c.tag for w in ("ssh", "access_mount", "sync_method", "user", "mountbroker", "gsyncd"))
    }
    note("session config (selected)", json.dumps(picked, indent=1))
    log(f"session created ({time.monotonic() - t0:.1f}s)")

    pm, sm = os.path.join(TOP, "mnt", "prim"), os.path.join(TOP, "mnt", "sec")
    state["mounts"] += [pm, sm]
    save_state(state)
    prim.mount(PRIMVOL, pm)
    sec.mount(SECVOL, sm)
    payloads = {f"before{i}.txt": f"non-root geo-rep {i} {time.time()}\n" for i in range(4)}
    for name, data in payloads.items():
        with open(os.path.join(pm, name), "w", encoding="utf-8") as handle:
            handle.write(data)
    os.makedirs(os.path.join(pm, "beforedir"), exist_ok=True)

    def arrived():
        for name, data in payloads.items():
            try:
                with open(os.path.join(sm, name), encoding="utf-8") as handle:
                    if handle.read() != data:
                        return False
            except OSError:
                return False
        return os.path.isdir(os.path.join(sm, "beforedir"))

    georep(p1, PRIMVOL, session, "start")
    wait_status(p1, session)
    log(f"session Active, Changelog Crawl ({time.monotonic() - t0:.1f}s)")
    t_wait = time.monotonic()
    _wait_for(arrived, 120, "pre-start files on the secondary", interval=1)
    log(f"pre-start files arrived with their content ({time.monotonic() - t_wait:.1f}s after Active)")
    status = georep(p1, PRIMVOL, session, "status").stdout
    rows = [{c.tag: c.text for c in pair} for pair in ET.fromstring(status).iter("pair")]
    note(
        "status (pairs)",
        "\n".join(
            json.dumps(
                {
                    k: r.get(k)
                    for k in (
                        "primary_node",
                        "secondary_user",
                        "secondary",
                        "secondary_node",
                        "status",
                        "crawl_status",
                    )
                }
            )
            for r in rows
        ),
    )
    for node in sec.nodes:
        ps = lab.run(
            [
                "ps",
                "-o",
                "user:12,pid,args",
                "--no-headers",
                "-p",
                ",".join(str(p) for p in lab.owned_processes([lab.mnt_ns(node.pid)])) or "1",
            ],
            check=False,
        )
        note(
            f"processes in {node.address}'s namespace (gsyncd as {USER}, the broker's glusterfs mount)",
            "\n".join(
                line[:230]
                for line in ps.stdout.splitlines()
                if "gsyncd" in line or "mb_hive" in line or "glusterfs" in line and "mountbroker" in line
            ),
        )
        mounts = node.ns("sh", "-c", f"grep -F {MB_ROOT} /proc/self/mountinfo || true", check=False)
        note(f"mount-broker mounts on {node.address}", mounts.stdout)
    georep(p1, PRIMVOL, session, "stop")
    georep(p1, PRIMVOL, session, "delete")
    log(f"stop/delete ok ({time.monotonic() - t0:.1f}s)")


def leftovers():
    """After ``down``: any process, mount or namespace of ours still there (1 if so)."""
    procs, mine, pid = [], set(), os.getpid()
    while pid and pid not in mine:  # this script and whoever started it (a shell naming TOP)
        mine.add(pid)
        pid = lab._ppid(pid)  # pylint: disable=protected-access
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                cmd = handle.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if int(pid) not in mine and (TOP in cmd or f":{SSH_PORT}" in cmd):
            procs.append(f"{pid} {cmd[:150]}")
    with open("/proc/self/mountinfo", encoding="utf-8") as handle:
        mounts = [line.split()[4] for line in handle if TOP in line.split()[4]]
    ns = lab.run(["lsns", "-t", "mnt", "-n", "-o", "NS,PID,COMMAND"], check=False).stdout
    ours = [line for line in ns.splitlines() if any(w in line for w in (TOP, "127.1.13.", "127.1.14."))]
    left = procs + mounts + ours
    log(
        f"after down: processes {procs or 'none'}, mounts {mounts or 'none'}"
        f"{', namespaces ' + str(ours) if ours else ''}"
    )
    return 1 if left else 0


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else "full"
    if cmd == "up":
        try:
            bring_up()
        except Exception as exc:  # noqa: BLE001
            log(f"FAILED: {exc!r}; state kept in {lab.STATE}: run 'down'")
            return 1
        return 0
    if cmd == "down":
        lab.down()
        return leftovers()
    t0 = time.monotonic()
    rc = 1
    try:
        full()
        log("OK: non-root (mount-broker) session synced the files written before start")
        rc = 0
    except Exception as exc:  # noqa: BLE001
        log(f"FAILED: {exc!r}")
    finally:
        if os.environ.get("MB_KEEP") != "1":
            lab.down()
            left = leftovers()
            rc = rc or left
    log(f"runtime {time.monotonic() - t0:.1f}s rc={rc}; findings in {REPORT}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
