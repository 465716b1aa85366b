"""Two GlusterFS clusters on this one host that geo-replication works between: a primary on
127.1.10.x and a secondary on 127.1.11.x by default (``configure(top, ..., subnets=...)``, then
``up()`` / ``down()``).

gsyncd, gverify.sh, the peer_* scripts and the gsync-create hook hard-code the paths of a host
with one glusterd, so each node runs in its own mount namespace where, before glusterd is
exec'd, the node's own directories are bound over the default paths:

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

The gluster CLI runs in a node's namespace too (``HostNode.cli``, and ``HostNode.cli_script``
for the execution module): ``system:: execute gsec_create`` writes the keys where the CLI sees
/var/lib/glusterd. Each secondary node runs its own sshd (in its namespace, on ``ssh_port``,
with the sftp subsystem that OpenSSH 9's scp needs). Found by a study of gluster 10.3 here;
needs openssh-server and rsync installed.
"""

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time

import cluster as harness
from cluster import GlusterCluster
from cluster import GlusterNode
from cluster import _wait_for

PRIMVOL, SECVOL = "primvol", "secvol"
TOP = RUN = STATE = None
SSH_PORT, PRIM_SIZE, SEC_SIZE = 2211, 2, 2
SUBNETS = ("127.1.10", "127.1.11")


def configure(top, ssh_port=2211, prim_size=2, sec_size=2, subnets=("127.1.10", "127.1.11")):
    """Where the lab lives (everything under ``top``: ``run/`` the clusters, ``state.json``
    what ``down`` must undo), its shape and its (primary, secondary) subnets."""
    global TOP, RUN, STATE, SSH_PORT, PRIM_SIZE, SEC_SIZE, SUBNETS  # pylint: disable=global-statement
    TOP, RUN, STATE = top, os.path.join(top, "run"), os.path.join(top, "state.json")
    SSH_PORT, PRIM_SIZE, SEC_SIZE, SUBNETS = ssh_port, prim_size, sec_size, tuple(subnets)


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
    """A GlusterNode whose mount namespace looks like a default install (see module doc).
    ``extra_binds`` ((source, target) pairs) are bound after the standard ones."""

    extra_binds = ()

    @property
    def host(self):
        return os.path.join(self.root, "host")

    def ns(self, *argv, check=True):
        return run(["nsenter", "-t", str(self.pid), "-m", "--", *argv], check=check)

    def cli(self, *args, xml=False, check=True, timeout=120):
        """The gluster CLI run inside this node's namespace: `system:: execute gsec_create`
        makes the CLI itself write <glusterd workdir>/geo-replication/common_secret.pem.pub
        with the workdir glusterd reports (/var/lib/glusterd), in the CLI's own namespace."""
        argv = [
            "nsenter",
            "-t",
            str(self.pid),
            "-m",
            "--",
            harness.GLUSTER,
            "--mode=script",
            f"--glusterd-sock={self.socket}",
        ]
        if xml:
            argv.append("--xml")
        argv.extend(args)
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        if check and proc.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr}{proc.stdout}")
        return proc

    def cli_script(self, directory):
        """A gluster binary for the execution module (``gluster:binary``) that runs the CLI in
        this node's namespace."""
        os.makedirs(directory, exist_ok=True)
        script = os.path.join(directory, f"gluster-{self.address}")
        with open(script, "w", encoding="utf-8") as handle:
            handle.write(
                f"#!/bin/sh\nexec nsenter -t {self.pid} -m -- "
                f'{shutil.which(harness.GLUSTER) or harness.GLUSTER} "$@"\n'
            )
        os.chmod(script, 0o755)
        return script

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
        """glusterd started as ``GlusterNode`` does, with the binds of the module docstring
        (made in order, before glusterd starts) and /var/lib/glusterd as its working directory."""
        self.prepare()
        host = self.host
        self.glusterd_workdir = "/var/lib/glusterd"
        self.binds = [
            (self.workdir, "/var/lib/glusterd"), (os.path.join(host, "hosts"), "/etc/hosts"),
            (os.path.join(host, "root"), "/root"), (os.path.join(host, "run"), "/run"),
            (self.rundir, "/run/gluster"), (os.path.join(host, "log"), "/var/log/glusterfs"),
            (os.path.join(host, "misc"), "/var/lib/misc"),
            *self.extra_binds,
        ]  # fmt: skip
        super().start(timeout)

    def restart(self, state, timeout=30):
        """Stop only glusterd (its bricks keep running) and start it again, in a new namespace
        (recorded in ``state`` for ``down``): glusterd reads /etc/glusterfs/glusterd.vol only
        when it starts."""
        self.stop(children=False)
        self.start(timeout)
        state["namespaces"].append(mnt_ns(self.pid))
        save_state(state)


def make_cluster(name, size, subnet):
    cl = GlusterCluster(os.path.join(RUN, name), size=size, subnet=subnet)
    cl.nodes = [HostNode(cl.base_dir, i, subnet) for i in range(1, size + 1)]
    return cl


def clusters():
    return make_cluster("prim", PRIM_SIZE, SUBNETS[0]), make_cluster("sec", SEC_SIZE, SUBNETS[1])


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


def stop_sshd(node):
    """The node's sshd killed with every process below it (the sessions of connected geo-rep
    workers and the gsyncd they run), as when the secondary host stops answering ssh: the
    primary's workers go Faulty at once (tests/data/study_georep_faulty.py). ``start_sshd``
    brings it back. Returns the pids killed."""
    pidfile = os.path.join(node.host, "sshd.pid")
    with open(pidfile, encoding="utf-8") as handle:
        family = {int(handle.read().strip())}
    os.kill(min(family), signal.SIGSTOP)  # no new session while its family is looked up
    changed = True
    while changed:
        changed = False
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) not in family and _ppid(entry) in family:
                family.add(int(entry))
                changed = True
    for pid in family:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    _wait_for(lambda: all(harness._is_zombie(pid) for pid in family), 10, f"sshd of {node.address} to die")
    os.remove(pidfile)  # SIGKILL leaves it; start_sshd waits for a new one
    return sorted(family)


def restart_sshd(node):
    """The node's sshd again, in the namespace of its current glusterd (after ``restart``): the
    mount broker's mounts are made there, and a gsyncd spawned by an sshd of an earlier
    namespace would not see them."""
    pidfile = os.path.join(node.host, "sshd.pid")
    with open(pidfile, encoding="utf-8") as handle:
        pid = int(handle.read().strip())
    os.kill(pid, signal.SIGTERM)
    _wait_for(lambda: not os.path.exists(f"/proc/{pid}"), 10, f"sshd {pid} to stop")
    if os.path.exists(pidfile):
        os.remove(pidfile)
    return start_sshd(node)


# a mount-broker user and group that exist only in the secondary nodes' namespaces
MB_USER, MB_GROUP, MB_UID, MB_GID = "geoaccount", "geogroup", 1500, 1500


def mb_home(node):
    return os.path.join(node.host, "home", MB_USER)


def local_users(role, node):
    """``up(prepare=...)`` hook: a secondary node gets its own /etc/passwd, /etc/group and
    /etc/shadow with ``MB_USER``/``MB_GROUP`` added, its own /etc/glusterfs (a directory:
    glusterd.vol is replaced by rename(), which a bind of the file refuses with EBUSY) and
    /home, all bound in its namespace; the host's files are left alone."""
    if role != "sec":
        return
    etc = os.path.join(node.host, "etc")
    os.makedirs(etc, exist_ok=True)
    for name, line in (
        ("passwd", f"{MB_USER}:x:{MB_UID}:{MB_GID}::/home/{MB_USER}:/bin/bash"),
        ("group", f"{MB_GROUP}:x:{MB_GID}:{MB_USER}"),
        ("shadow", f"{MB_USER}:*:20000:0:99999:7:::"),
    ):
        with open(f"/etc/{name}", encoding="utf-8") as handle:
            lines = [x for x in handle.read().splitlines() if not x.startswith(f"{line.split(':')[0]}:")]
        with open(os.path.join(etc, name), "w", encoding="utf-8") as handle:
            handle.write("\n".join([*lines, line]) + "\n")
        shutil.copystat(f"/etc/{name}", os.path.join(etc, name))
    os.chown(os.path.join(etc, "shadow"), 0, os.stat("/etc/shadow").st_gid)
    glusterfs = os.path.join(node.host, "etc-glusterfs")
    if not os.path.exists(glusterfs):
        shutil.copytree("/etc/glusterfs", glusterfs)
    for path in (mb_home(node), os.path.join(mb_home(node), ".ssh")):
        os.makedirs(path, exist_ok=True)
        os.chown(path, MB_UID, MB_GID)
        os.chmod(path, 0o700)
    node.extra_binds = [
        (os.path.join(etc, "passwd"), "/etc/passwd"), (os.path.join(etc, "group"), "/etc/group"),
        (os.path.join(etc, "shadow"), "/etc/shadow"), (glusterfs, "/etc/glusterfs"),
        (os.path.join(node.host, "home"), "/home"),
    ]  # fmt: skip


def node_view(node):
    """``(source, target)`` binds that show a process the node's files at their default paths,
    as its glusterd sees them (for ``salt-call`` run as if on that node)."""
    host = node.host
    return [(node.workdir, "/var/lib/glusterd"), (os.path.join(host, "log"), "/var/log/glusterfs"),
            (os.path.join(host, "run"), "/run"), *node.extra_binds]  # fmt: skip


def log_tails(prim, sec, lines=15):
    """The ends of the logs that say why a session does not sync (for a failing test's message):
    each secondary node's sshd and gsyncd logs, each primary node's gsyncd log."""
    wanted = [os.path.join(n.host, "sshd.log") for n in sec.nodes]
    for cl, sub in ((sec, "geo-replication-secondaries"), (prim, "geo-replication")):
        for node in cl.nodes:
            for dirpath, _dirs, files in os.walk(os.path.join(node.host, "log", sub)):
                wanted += [os.path.join(dirpath, f) for f in files if f.endswith(".log")]
    text = []
    for path in wanted:
        if os.path.exists(path):
            with open(path, encoding="utf-8", errors="replace") as handle:
                text.append(f"== {path}\n" + "".join(handle.readlines()[-lines:]))
    return "\n".join(text)


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


def up(prepare=None, sshd=True):
    """Both clusters with their volumes, and (``sshd``) an sshd on every secondary node.
    ``prepare(role, node)`` (role "prim"/"sec") runs before each node's glusterd starts (to
    set its ``extra_binds``, say)."""
    if os.path.exists(STATE):
        raise SystemExit(f"{STATE} exists: run 'down' first")
    os.makedirs(RUN, exist_ok=True)
    prim, sec = clusters()
    state = {"mounts": [], "sshd_pidfiles": [], "namespaces": [], "bases": [prim.base_dir, sec.base_dir]}
    save_state(state)
    for cl in (prim, sec):
        cl.share_base_dir()
        for node in cl.nodes:
            if prepare is not None:
                prepare("prim" if cl is prim else "sec", node)
            node.start()
            state["namespaces"].append(mnt_ns(node.pid))
            save_state(state)
        if len(cl.nodes) > 1:
            cl.form_pool()
    for cl, vol in ((prim, PRIMVOL), (sec, SECVOL)):
        cl[0].cli("volume", "create", vol, *[n.new_brick("b1") for n in cl.nodes], "force")
        cl[0].cli("volume", "start", vol)
    for node in sec.nodes if sshd else ():
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
        if harness.in_mount_table(mp):
            run(["umount", mp], check=False)
            if harness.in_mount_table(mp):
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


@contextlib.contextmanager
def running(top, ssh_port=2211, prepare=None, subnets=SUBNETS):
    """The lab up under ``top`` for a test module: ``(primary, secondary, state)``; down
    afterwards, also when the set-up fails half way. ``prepare``: as for ``up``; ``subnets``:
    as for ``configure`` (two modules that may run at once need two pairs)."""
    for tool in ("/usr/sbin/sshd", "/usr/lib/openssh/sftp-server", shutil.which("rsync") or "/usr/bin/rsync"):
        assert os.path.exists(tool), f"{tool} missing: scripts/setup.sh installs openssh-server and rsync"
    configure(top, ssh_port, subnets=subnets)
    try:
        yield up(prepare=prepare)
    finally:
        down()


def mount_both(prim, sec, state, directory):
    """The primary volume mounted at ``directory``/prim and the secondary at ``directory``/sec,
    recorded in ``state`` for ``down``; returns the two mount points."""
    prim_mnt, sec_mnt = os.path.join(directory, "prim"), os.path.join(directory, "sec")
    state["mounts"] += [prim_mnt, sec_mnt]
    save_state(state)
    prim.mount(PRIMVOL, prim_mnt)
    sec.mount(SECVOL, sec_mnt)
    return prim_mnt, sec_mnt


def minion_config(node, bindir):
    """The ``gluster:`` minion config of a primary node's minion: its socket, the CLI run in
    its namespace (a script in ``bindir``) and its geo-replication directory."""
    return {"socket": node.socket, "binary": node.cli_script(bindir),
            "georep_dir": os.path.join(node.workdir, "geo-replication")}  # fmt: skip
