#!/usr/bin/env python3
"""Real GlusterFS 10.3 geo-replication between two loopback clusters on one host: the proof
that it works here, and the capture of the answers in tests/data/georep/ (GEOREP_CAPTURE=1).

    capture_georep.py            full run: set up, geo-rep session, prove a file arrives, tear down
    capture_georep.py up         only set up clusters/namespaces/sshd (state in STATE)
    capture_georep.py down       tear down from STATE

Needs openssh-server and rsync (apt-get install). Not part of the test suite yet (a run takes
70-120 s, and about half the runs need the session restarted once: "LIVE STALL" in its log).

Primary cluster 127.1.10.x, secondary cluster 127.1.11.x, everything under /tmp/saltext-gluster-georep.
Environment: GEOREP_PRIM_SIZE / GEOREP_SEC_SIZE (2/2), GEOREP_SSH_PORT (2211),
GEOREP_PUSH_PEM=1 (0: create no-verify + keys installed by this script, as Salt would),
GEOREP_SYNC_FIX=access-mount|tarssh|none, GEOREP_CAPTURE=1 (save XML to xml/), GEOREP_KEEP=1.

Each glusterd runs in its own mount namespace (tests/support/cluster.py + private_tmp.py).
Before glusterd is exec'd this script binds, inside that namespace, the node's own directories
over the default paths, so that the node looks like a packaged single-glusterd host. gsyncd,
gverify.sh, peer_* scripts and the gsync-create hook hard-code those paths:

    node workdir  -> /var/lib/glusterd   glusterd runs with working-directory=/var/lib/glusterd:
                                         the push-pem hook scp's the pub file to the SAME
                                         absolute path on the secondary; gsyncd's conf.py
                                         hard-codes /var/lib/glusterd (glusterd.info, template)
    hosts file    -> /etc/hosts          "localhost" = this node's 127.1.x.y (gsyncd mounts
                                         volfile-server=localhost, gluster --remote-host=localhost,
                                         gverify.sh glusterfs -s localhost)
    root home     -> /root               root's ~/.ssh (id key for gverify/hook, authorized_keys
                                         written by add_secret_pub)
    run dir       -> /run                /run/glusterd.socket -> node socket (the hook runs a bare
                                         `gluster` over ssh), /run/sshd, /run/gluster = rundir
    log dir       -> /var/log/glusterfs  gsyncd/gverify logs per node
    misc dir      -> /var/lib/misc       gsyncd changelog working dir
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import cluster as harness  # noqa: E402
from cluster import GlusterCluster, GlusterNode, _wait_for  # noqa: E402

TOP = "/tmp/saltext-gluster-georep"
RUN = os.path.join(TOP, "run")
STATE = os.path.join(TOP, "state.json")
XMLDIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "georep")
SSH_PORT = int(os.environ.get("GEOREP_SSH_PORT", "2211"))
PRIM_SIZE = int(os.environ.get("GEOREP_PRIM_SIZE", "2"))
SEC_SIZE = int(os.environ.get("GEOREP_SEC_SIZE", "2"))
PUSH_PEM = os.environ.get("GEOREP_PUSH_PEM", "1") == "1"
SYNC_FIX = os.environ.get("GEOREP_SYNC_FIX", "access-mount")
CAPTURE = os.environ.get("GEOREP_CAPTURE", "0") == "1"
PRIMVOL, SECVOL = "primvol", "secvol"
LIVE_TIMEOUT = int(os.environ.get("GEOREP_LIVE_TIMEOUT", "60"))
PRIVATE_TMP_PY = os.path.join(os.path.dirname(harness.__file__), "private_tmp.py")

BIND_SCRIPT = r"""
set -e
H="$1"; W="$2"; R="$3"; shift 3
mount --bind "$W" /var/lib/glusterd
mount --bind "$H/hosts" /etc/hosts
mount --bind "$H/root" /root
mount --bind "$H/run" /run
mount --bind "$R" /run/gluster
mount --bind "$H/log" /var/log/glusterfs
mount --bind "$H/misc" /var/lib/misc
exec "$@"
"""


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def run(argv, check=True, **kw):
    proc = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL, **kw)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{argv} failed ({proc.returncode}): {proc.stderr}{proc.stdout}")
    return proc


def mnt_ns(pid):
    try:
        return os.readlink(f"/proc/{pid}/ns/mnt")
    except OSError:
        return None


class HostNode(GlusterNode):
    """A GlusterNode whose mount namespace looks like a default install (see module doc)."""

    @property
    def host(self):
        return os.path.join(self.root, "host")

    def ns(self, *argv, check=True):
        return run(["nsenter", "-t", str(self.pid), "-m", "--", *argv], check=check)

    def cli(self, *args, xml=False, check=True, timeout=120):
        """The gluster CLI run inside this node's namespace: `system:: execute gsec_create`
        makes the CLI itself write <glusterd workdir>/geo-replication/common_secret.pem.pub
        with the workdir glusterd reports (/var/lib/glusterd), in the CLI's own namespace."""
        argv = ["nsenter", "-t", str(self.pid), "-m", "--", harness.GLUSTER, "--mode=script",
                f"--glusterd-sock={self.socket}"]
        if xml:
            argv.append("--xml")
        argv.extend(args)
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        if check and proc.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr}{proc.stdout}")
        return proc

    def prepare(self):
        h = self.host
        for sub in ("root/.ssh", "run/sshd", "run/lock", "run/gluster", "log", "misc"):
            os.makedirs(os.path.join(h, sub), exist_ok=True)
        os.chmod(os.path.join(h, "root"), 0o700)
        os.chmod(os.path.join(h, "root/.ssh"), 0o700)
        os.chmod(os.path.join(h, "run/lock"), 0o1777)
        for name, target in (("shm", "/dev/shm"), ("glusterd.socket", self.socket)):
            link = os.path.join(h, "run", name)
            if not os.path.lexists(link):
                os.symlink(target, link)
        with open("/etc/hosts", encoding="utf-8") as handle:
            others = [line for line in handle if "localhost" not in line.split()]
        with open(os.path.join(h, "hosts"), "w", encoding="utf-8") as handle:
            handle.write(f"{self.address} localhost\n")
            handle.writelines(others)
        # what the package puts into /var/lib/glusterd: hooks (gsync-create push-pem hook!),
        # groups, geo-replication/gsyncd_template.conf
        os.makedirs(self.workdir, exist_ok=True)
        for sub in ("hooks", "groups"):
            dest = os.path.join(self.workdir, sub)
            if not os.path.exists(dest):
                shutil.copytree(f"/var/lib/glusterd/{sub}", dest, symlinks=True)
        os.makedirs(os.path.join(self.workdir, "geo-replication"), exist_ok=True)
        tmpl = os.path.join(self.workdir, "geo-replication", "gsyncd_template.conf")
        if not os.path.exists(tmpl):
            shutil.copy("/var/lib/glusterd/geo-replication/gsyncd_template.conf", tmpl)

    def start(self, timeout=30):
        for path in (self.workdir, self.rundir, self.logdir, self.brickdir):
            os.makedirs(path, exist_ok=True)
        self.prepare()
        argv = [
            "unshare", "--mount", "--propagation", "slave", "--",
            sys.executable, PRIVATE_TMP_PY, os.path.join(self.root, "tmp"), self.base_dir, "--",
            "sh", "-c", BIND_SCRIPT, "bind", self.host, self.workdir, self.rundir,
            harness.GLUSTERD,
            "--xlator-option", "management.working-directory=/var/lib/glusterd",
            "--xlator-option", f"management.transport.socket.bind-address={self.address}",
            "--xlator-option", f"management.glusterd-sockfile={self.socket}",
            "--xlator-option", f"management.run-directory={self.rundir}",
            f"--log-file={self.log_file}",
            f"--pid-file={self.pid_file}",
        ]  # fmt: skip
        subprocess.run(argv, check=True, stdin=subprocess.DEVNULL)
        _wait_for(
            lambda: self.is_running() and self.cli("volume", "list", check=False).returncode == 0,
            timeout,
            f"glusterd on {self.address}",
        )


def make_cluster(name, size, subnet):
    cl = GlusterCluster(os.path.join(RUN, name), size=size, subnet=subnet)
    cl.nodes = [HostNode(cl.base_dir, i, subnet) for i in range(1, size + 1)]
    return cl


def clusters():
    return make_cluster("prim", PRIM_SIZE, "127.1.10"), make_cluster("sec", SEC_SIZE, "127.1.11")


def ssh_keygen(path):
    if not os.path.exists(path):
        run(["ssh-keygen", "-q", "-N", "", "-t", "ed25519", "-f", path])
    with open(path + ".pub", encoding="utf-8") as handle:
        return handle.read().strip()


def start_sshd(node):
    """sshd inside the node's namespace: it sees the node's /root/.ssh and /var/lib/glusterd and
    spawns the forced-command gsyncd (and rsync/tar) there."""
    hostkey = os.path.join(node.host, "ssh_host_ed25519_key")
    ssh_keygen(hostkey)
    pidfile = os.path.join(node.host, "sshd.pid")
    cfg = os.path.join(node.host, "sshd_config")
    with open(cfg, "w", encoding="utf-8") as handle:
        handle.write(
            f"ListenAddress {node.address}:{SSH_PORT}\n"
            f"HostKey {hostkey}\n"
            f"PidFile {pidfile}\n"
            "PermitRootLogin prohibit-password\n"
            "PasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\n"
            "UsePAM no\n"
            "StrictModes no\n"
            "AuthorizedKeysFile .ssh/authorized_keys\n"
            "LogLevel VERBOSE\n"
            # the push-pem hook scp's the pub file: OpenSSH 9 scp speaks SFTP
            "Subsystem sftp /usr/lib/openssh/sftp-server\n"
        )
    node.ns("/usr/sbin/sshd", "-f", cfg, "-E", os.path.join(node.host, "sshd.log"))
    _wait_for(lambda: os.path.exists(pidfile), 10, "sshd pid file")
    return pidfile


def authorized_keys(node):
    return os.path.join(node.host, "root", ".ssh", "authorized_keys")


def authorize(node, lines):
    path = authorized_keys(node)
    existing = open(path, encoding="utf-8").read().splitlines() if os.path.exists(path) else []
    with open(path, "a", encoding="utf-8") as handle:
        for line in lines:
            if line and line not in existing:
                handle.write(line + "\n")
    os.chmod(path, 0o600)


def save_state(state):
    with open(STATE, "w", encoding="utf-8") as handle:
        json.dump(state, handle, indent=1)


def up():
    if os.path.exists(STATE):
        raise SystemExit(f"{STATE} exists: run 'down' first")
    os.makedirs(RUN, exist_ok=True)
    prim, sec = clusters()
    state = {"mounts": [], "sshd_pidfiles": [], "namespaces": [], "bases": [prim.base_dir, sec.base_dir]}
    save_state(state)
    for cl in (prim, sec):
        cl.share_base_dir()
        for node in cl.nodes:
            node.start()
            state["namespaces"].append(mnt_ns(node.pid))
            save_state(state)
        if len(cl.nodes) > 1:
            cl.form_pool()
    for cl, vol in ((prim, PRIMVOL), (sec, SECVOL)):
        cl[0].cli("volume", "create", vol, *[n.new_brick("b1") for n in cl.nodes], "force")
        cl[0].cli("volume", "start", vol)
    for node in sec.nodes:
        state["sshd_pidfiles"].append(start_sshd(node))
        save_state(state)
    # prerequisite of gverify.sh and of the push-pem hook: passwordless root ssh from the
    # primary node that runs `create` to the secondary host given in the session (plain `ssh`,
    # default identity). In the product this is what Salt distributes.
    pubs = []
    for node in prim.nodes:
        ssh_dir = os.path.join(node.host, "root", ".ssh")
        pubs.append(ssh_keygen(os.path.join(ssh_dir, "id_ed25519")))
        with open(os.path.join(ssh_dir, "config"), "w", encoding="utf-8") as handle:
            handle.write("StrictHostKeyChecking no\nUserKnownHostsFile /dev/null\nLogLevel ERROR\n")
    for node in sec.nodes:
        authorize(node, pubs)
    return prim, sec, state


def _ppid(pid):
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def owned_processes(namespaces):
    """Processes in one of our mount namespaces or descending from one. gsyncd workers run in a
    namespace of their own (`unshare -m --propagation private`) and their aux glusterfs mounts
    are re-parented to init, so ownership is a fixpoint over (parent, namespace)."""
    known, owned = set(namespaces), set()
    procs = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            procs[int(entry)] = (_ppid(entry), mnt_ns(entry))
    changed = True
    while changed:
        changed = False
        for pid, (ppid, nsid) in procs.items():
            if pid not in owned and ((nsid and nsid in known) or ppid in owned):
                owned.add(pid)
                if nsid:
                    known.add(nsid)
                changed = True
    return sorted(owned)


def down():
    if not os.path.exists(STATE):
        log("no state file; nothing to do")
        return
    with open(STATE, encoding="utf-8") as handle:
        state = json.load(handle)
    prim, sec = clusters()
    for mp in state["mounts"]:
        if os.path.ismount(mp):
            run(["umount", mp], check=False)
            if os.path.ismount(mp):
                run(["umount", "-l", mp], check=False)
    namespaces = set(filter(None, state["namespaces"]))
    glusterd_pids = {n.pid for cl in (prim, sec) for n in cl.nodes}
    # gsyncd monitors/workers, their aux mounts, sshd and its sessions: everything of ours
    # except glusterd and bricks, which cluster.stop() stops by pid
    for sig in (signal.SIGTERM, signal.SIGKILL):
        victims = [p for p in owned_processes(namespaces) if p not in glusterd_pids]
        for cl in (prim, sec):
            for node in cl.nodes:
                victims = [p for p in victims if p not in node.child_pids()]
        for pid in victims:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        if victims:
            time.sleep(1)
    for cl in (sec, prim):
        cl.stop()
    left = owned_processes(namespaces)
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for base in state["bases"]:
        if os.path.ismount(base):
            run(["umount", "-l", base], check=False)
    run(["rm", "-rf", "--one-file-system", RUN, os.path.join(TOP, "mnt")], check=False)
    os.remove(STATE)
    log(f"down ({len(left)} stragglers SIGKILLed)")


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
            raise RuntimeError(f"geo-replication {args} failed: rc={proc.returncode} {proc.stdout}{proc.stderr}")
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
    georep(p1, PRIMVOL, f"{s1.address}::nosuchvol", "create", "ssh-port", str(SSH_PORT), "push-pem",
           check=False, name="error_create_no_such_secondary_volume")

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
    wait_status(p1, session, lambda rows: all(r["status"] in ("Active", "Passive") for r in rows)
                and all(r["crawl_status"] == "Changelog Crawl" for r in rows if r["status"] == "Active"))
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
        where = sorted({node.address for node in prim.nodes for n in missing
                        if os.path.exists(os.path.join(node.brickdir, "b1", n))})
        log(f"LIVE STALL: {missing} (on bricks of {where}) not synced after {LIVE_TIMEOUT}s;"
            " restarting the session (stop/start): the history crawl catches up")
        state["live_stall"] = where
        georep(p1, PRIMVOL, session, "stop")
        georep(p1, PRIMVOL, session, "start")
        _wait_for(lambda: arrived(live, "live"), 120, "live files after restart", interval=1)
        log(f"live files arrived after the restart ({time.monotonic() - t_write:.1f}s after writing)")
    save_state(state)
    georep(p1, PRIMVOL, session, "status", name="status_active")
    georep(p1, PRIMVOL, session, "status", "detail", name="status_detail_active")
    save("status_all_sessions", p1.cli("volume", "geo-replication", "status", xml=True, check=False))
    save("status_volume_sessions", p1.cli("volume", "geo-replication", PRIMVOL, "status", xml=True, check=False))
    save("secondary_volume_info", s1.cli("volume", "info", SECVOL, xml=True, check=False))
    if len(prim.nodes) > 1:
        georep(prim[1], PRIMVOL, session, "status", name="status_active_from_primary_node2")
    save("error_status_from_secondary_node", s1.cli("volume", "geo-replication", "status", xml=True, check=False))
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
