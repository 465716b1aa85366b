"""A real multi-node GlusterFS cluster on loopback addresses, for tests, the demo and data capture.

Every node is its own ``glusterd`` with its own working directory, socket and bind address
(127.1.1.1, 127.1.1.2, ...), the way GlusterFS's regression suite runs several nodes on one machine.
Teardown stops only what this object started: the glusterd pids it launched, the brick and
daemon processes those glusterds recorded under their own run directories, and the FUSE mounts
made through :meth:`GlusterCluster.mount`.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

GLUSTER = os.environ.get("GLUSTER_BIN", "gluster")
# each glusterd gets its own /tmp (see private_tmp.py); GLUSTER_PRIVATE_TMP=0 turns that off
PRIVATE_TMP = os.environ.get("GLUSTER_PRIVATE_TMP", "1") != "0"
GLUSTERD = os.environ.get("GLUSTERD_BIN", "glusterd")


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_pid(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return int(handle.read().strip() or 0) or None
    except (OSError, ValueError):
        return None


def _wait_for(predicate, timeout, what, interval=0.2):
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


class GlusterNode:
    """One glusterd on its own loopback address."""

    def __init__(self, base_dir, index, subnet="127.1.1"):
        self.base_dir = os.path.abspath(base_dir)
        self.index = index
        self.address = f"{subnet}.{index}"
        self.root = os.path.join(base_dir, f"node{index}")
        self.workdir = os.path.join(self.root, "glusterd")
        self.rundir = os.path.join(self.root, "run")
        self.logdir = os.path.join(self.root, "log")
        self.brickdir = os.path.join(self.root, "bricks")
        self.socket = os.path.join(self.workdir, "gd.sock")
        self.pid_file = os.path.join(self.root, "glusterd.pid")
        self.log_file = os.path.join(self.logdir, "glusterd.log")
        # (source, target) bind mounts made in this glusterd's own mount namespace before it
        # starts (its bricks and daemons inherit them): e.g. its TLS files over /usr/lib/ssl
        self.binds = []
        # the working directory glusterd is told to use (a node made to look like a default
        # install binds its own over /var/lib/glusterd and uses that path)
        self.glusterd_workdir = self.workdir
        # more glusterd arguments (``--xlator-option management.<option>=<value>``, say)
        self.glusterd_args = []

    @property
    def pid(self):
        return _read_pid(self.pid_file)

    def is_running(self):
        pid = self.pid
        return bool(pid) and _pid_alive(pid)

    @property
    def uuid(self):
        """This glusterd's UUID, from its own glusterd.info."""
        with open(os.path.join(self.workdir, "glusterd.info"), encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("UUID="):
                    return line.strip().split("=", 1)[1]
        raise RuntimeError(f"no UUID in {self.workdir}/glusterd.info")

    def minion_config(self):
        """The ``gluster:`` minion config that points the execution module at this node."""
        return {"socket": self.socket}

    def start(self, timeout=30):
        for path in (self.workdir, self.rundir, self.logdir, self.brickdir):
            os.makedirs(path, exist_ok=True)
        argv = [
            GLUSTERD,
            "--xlator-option", f"management.working-directory={self.glusterd_workdir}",
            "--xlator-option", f"management.transport.socket.bind-address={self.address}",
            "--xlator-option", f"management.glusterd-sockfile={self.socket}",
            "--xlator-option", f"management.run-directory={self.rundir}",
            f"--log-file={self.log_file}",
            f"--pid-file={self.pid_file}",
            *self.glusterd_args,
        ]  # fmt: skip
        if PRIVATE_TMP and shutil.which("unshare"):
            helper = os.path.join(os.path.dirname(os.path.abspath(__file__)), "private_tmp.py")
            # slave: mounts made later below the (shared) cluster directory, such as brick
            # filesystems on loop devices, reach this glusterd and its bricks; its own /tmp
            # does not leak back out
            argv = ["unshare", "--mount", "--propagation", "slave", "--", sys.executable, helper,
                    os.path.join(self.root, "tmp"), self.base_dir,
                    *(f"{source}={target}" for source, target in self.binds), "--", *argv]  # fmt: skip
        elif self.binds:
            raise RuntimeError(
                "bind mounts for a glusterd need its own mount namespace (GLUSTER_PRIVATE_TMP=1)"
            )
        # stderr to a file, not a pipe: the daemon glusterd forks may keep a pipe open
        errors = os.path.join(self.root, "start.err")
        with open(errors, "w+", encoding="utf-8") as err:
            proc = subprocess.run(argv, check=False, stdin=subprocess.DEVNULL, stderr=err)
            if proc.returncode != 0:
                err.seek(0)
                raise RuntimeError(
                    f"glusterd on {self.address} did not start (exit {proc.returncode}): {err.read()[-2000:]}"
                    f"\n{argv}\nlast lines of {self.log_file}:\n{_tail(self.log_file)}"
                )
        _wait_for(
            lambda: self.is_running() and self.cli("volume", "list", check=False).returncode == 0,
            timeout,
            f"glusterd on {self.address} to answer on {self.socket}",
        )

    def child_pids(self):
        """Brick, self-heal and other daemons this glusterd started, from its own pid files."""
        pids = []
        for dirpath, _dirs, files in os.walk(self.rundir):
            for name in files:
                if name.endswith(".pid"):
                    pid = _read_pid(os.path.join(dirpath, name))
                    if pid and _pid_alive(pid) and self._is_ours(pid):
                        pids.append(pid)
        return pids

    def _is_ours(self, pid):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                cmdline = handle.read().decode(errors="replace")
        except OSError:
            return False
        return self.rundir in cmdline or self.workdir in cmdline

    def _own_pids(self, children=True):
        """This glusterd's pid (when it is ours) after those of the processes it started."""
        pids = self.child_pids() if children else []
        if self.is_running() and self._is_ours(self.pid):
            pids.append(self.pid)
        return pids

    def stop(self, children=True, timeout=20):
        """Stop this glusterd (and, by default, the processes it started) by pid."""
        terminate(self._own_pids(children), timeout)

    def kill(self, timeout=20):
        """SIGKILL this glusterd and every process it started (bricks, self-heal), by pid: a
        crashed node, not a clean shutdown."""
        pids = self._own_pids()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + timeout
        for pid in pids:
            while _pid_alive(pid) and not _is_zombie(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
        return pids

    def cli(self, *args, xml=False, check=True, timeout=120):
        """Run the bare gluster CLI against this node; returns the CompletedProcess."""
        argv = [GLUSTER, "--mode=script", f"--glusterd-sock={self.socket}"]
        if xml:
            argv.append("--xml")
        argv.extend(args)
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        if check and proc.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr}{proc.stdout}")
        return proc

    def quota_cli(self, directory):
        """A gluster binary (a script in ``directory``) with which ``volume quota ... list``
        works against this node, and a function that undoes what it set up.

        The CLI's quota list assumes one glusterd with the default paths: it reads
        ``quota.conf`` from /var/lib/glusterd, asks the quota daemon only when
        /var/run/gluster/quotad/quotad.pid exists, and reads the limits through the auxiliary
        mount glusterd makes under /var/run/gluster. The harness starts each glusterd in a mount
        namespace of its own: there this binds the node's working directory over
        /var/lib/glusterd and its ``run/quotad`` over /var/run/gluster/quotad, and the script
        runs the CLI in that namespace (``nsenter``). The host sees none of it but an empty
        /var/run/gluster/quotad directory, removed again by the undo function when it made it.
        """
        if not PRIVATE_TMP:
            raise RuntimeError("quota_cli needs glusterd in its own mount namespace (GLUSTER_PRIVATE_TMP=1)")
        quotad_dir = "/var/run/gluster/quotad"
        made = not os.path.isdir(quotad_dir)
        os.makedirs(quotad_dir, exist_ok=True)
        os.makedirs(os.path.join(self.rundir, "quotad"), exist_ok=True)
        enter = ["nsenter", "-t", str(self.pid), "-m", "--"]
        for source, target in (
            (self.workdir, "/var/lib/glusterd"),
            (os.path.join(self.rundir, "quotad"), quotad_dir),
        ):
            subprocess.run([*enter, "mount", "--bind", source, target], check=True, stdin=subprocess.DEVNULL)
        os.makedirs(directory, exist_ok=True)
        script = os.path.join(directory, f"gluster-node{self.index}")
        with open(script, "w", encoding="utf-8") as handle:
            handle.write(
                f'#!/bin/sh\nexec nsenter -t {self.pid} -m -- {shutil.which(GLUSTER) or GLUSTER} "$@"\n'
            )
        os.chmod(script, 0o755)

        def undo():
            if self.is_running():
                for target in (quotad_dir, "/var/lib/glusterd"):
                    subprocess.run([*enter, "umount", target], check=False, stdin=subprocess.DEVNULL)
            if made:
                try:
                    os.rmdir(quotad_dir)
                except OSError:
                    pass

        return script, undo

    def new_brick(self, name):
        path = os.path.join(self.brickdir, name)
        os.makedirs(path, exist_ok=True)
        return f"{self.address}:{path}"

    def brick_pid(self, volume, brick):
        """The pid of ``brick`` (``host:path``) in this node's ``volume status`` (-1: down)."""
        root = ET.fromstring(self.cli("volume", "status", volume, xml=True).stdout)
        for entry in root.iter("node"):
            if f"{entry.findtext('hostname')}:{entry.findtext('path')}" == brick:
                return int(entry.findtext("pid"))
        raise RuntimeError(f"{brick} is not in the status of {volume}")

    def kill_brick(self, volume, brick, timeout=30):
        """SIGKILL ``brick``'s process, as a crash would; returns once glusterd reports it down
        and the process is reaped (a zombie still passes glusterd's pidfile check, and a
        ``start force`` then would skip the brick). Returns the pid killed."""
        pid = self.brick_pid(volume, brick)
        os.kill(pid, signal.SIGKILL)
        _wait_for(lambda: self.brick_pid(volume, brick) <= 0, timeout, f"{brick} down")
        _wait_for(lambda: not os.path.exists(f"/proc/{pid}"), timeout, f"brick process {pid} reaped")
        return pid

    def start_bricks(self, volume, *bricks, timeout=30):
        """``volume start VOLUME force`` and wait until ``bricks`` run again."""
        self.cli("volume", "start", volume, "force")
        _wait_for(
            lambda: all(self.brick_pid(volume, brick) > 0 for brick in bricks),
            timeout,
            f"{', '.join(bricks)} up",
        )


def all_connected(nodes):
    """Every node sees every other one as a connected "Peer in Cluster"."""
    want = len(nodes) - 1
    for node in nodes:
        proc = node.cli("peer", "status", xml=True, check=False)
        if proc.returncode != 0:
            return False
        peers = ET.fromstring(proc.stdout).findall("./peerStatus/peer")
        connected = [p for p in peers if p.findtext("connected") == "1" and p.findtext("state") == "3"]
        if len(connected) < want:
            return False
    return True


def _client_connected(mountpoint, volume, index):
    """Whether the FUSE mount's client of brick ``index`` is connected (its .meta view)."""
    private = os.path.join(mountpoint, ".meta", "graphs", "active", f"{volume}-client-{index}", "private")
    try:
        with open(private, encoding="utf-8") as handle:
            return "\nconnected = 1" in "\n" + handle.read()
    except OSError:
        return False


def _is_zombie(pid):
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


class GlusterCluster:
    """N glusterd nodes on 127.1.1.1..N under ``base_dir``."""

    def __init__(self, base_dir, size=3, subnet="127.1.1"):
        self.base_dir = os.path.abspath(base_dir)
        self.subnet = subnet
        self.nodes = [GlusterNode(self.base_dir, i, subnet) for i in range(1, size + 1)]
        self.mounts = []
        self.shared_mount = False

    def __getitem__(self, index):
        return self.nodes[index]

    def start(self):
        self.share_base_dir()
        for node in self.nodes:
            node.start()
        return self

    def _is_self_bind(self):
        """Whether the cluster directory is bind-mounted onto itself (what share_base_dir made,
        also when another process, such as the demo's ``down``, made it)."""
        with open("/proc/self/mountinfo", encoding="utf-8") as handle:
            return any(f[3] == f[4] == self.base_dir for f in (line.split() for line in handle) if len(f) > 4)

    def share_base_dir(self):
        """Make the cluster directory a shared mount (a bind mount of itself), so that what is
        mounted below it later propagates into each glusterd's private mount namespace. This
        machine's / is a private mount: without it a brick filesystem mounted after glusterd
        started would stay invisible to glusterd and its bricks."""
        if not PRIVATE_TMP or os.path.ismount(self.base_dir):
            return
        os.makedirs(self.base_dir, exist_ok=True)
        subprocess.run(
            ["mount", "--bind", self.base_dir, self.base_dir], check=True, stdin=subprocess.DEVNULL
        )
        subprocess.run(["mount", "--make-shared", self.base_dir], check=True, stdin=subprocess.DEVNULL)
        self.shared_mount = True

    def form_pool(self, timeout=60):
        """Probe every other node from node 1 and wait until all see each other connected."""
        leader = self.nodes[0]
        for node in self.nodes[1:]:
            leader.cli("peer", "probe", node.address)
        _wait_for(self.pool_connected, timeout, "all peers connected")

    def pool_connected(self):
        return all_connected(self.nodes)

    def join(self, node, timeout=60):
        """Probe ``node`` (not one of ``self.nodes``) from node 1 and wait until it and every node
        see each other connected: a volume created earlier may fail staging on it."""
        self.nodes[0].cli("peer", "probe", node.address)
        _wait_for(
            lambda: all_connected([*self.nodes, node]), timeout, f"{node.address} connected to every node"
        )

    def delete_all_volumes(self):
        """Stop and delete every volume (test isolation between modules)."""
        node = self.nodes[0]
        names = node.cli("volume", "list").stdout.split()
        for name in names:
            node.cli("volume", "stop", name, "force", check=False)
            node.cli("volume", "delete", name, check=False)

    def make_split_brain(self, volume, mountpoint, name="victim"):
        """A replica-2 ``volume`` on nodes 1 and 2, mounted at ``mountpoint``, whose file
        ``name`` is in data split-brain, made as it happens in production: written while brick 2
        was down, then again (other content) while brick 1 was down. Client quorum and every
        self-heal are off, so both writes succeed with one brick and nothing reconciles the
        copies in between. Returns the two bricks."""
        n1, n2 = self.nodes[:2]
        bricks = [n1.new_brick(volume), n2.new_brick(volume)]
        n1.cli("volume", "create", volume, "replica", "2", *bricks, "force")
        for option in (
            "quorum-type none",
            "self-heal-daemon off",
            "data-self-heal off",
            "metadata-self-heal off",
            "entry-self-heal off",
        ):
            key, value = option.split()
            n1.cli("volume", "set", volume, f"cluster.{key}", value)
        n1.cli("volume", "start", volume)
        self.mount(volume, mountpoint)
        path = os.path.join(mountpoint, name)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("both copies\n")
        for index, down in ((1, bricks[1]), (0, bricks[0])):
            n1.kill_brick(volume, down)
            _wait_for(
                lambda index=index: not _client_connected(mountpoint, volume, index),
                30,
                f"the mount sees {down} down",
            )
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(f"written while {down} was down\n" + "longer\n" * index)
            n1.start_bricks(volume, down)
            _wait_for(
                lambda index=index: _client_connected(mountpoint, volume, index),
                30,
                f"the mount reconnected to {down}",
            )
        return bricks

    def mount(self, volume, mountpoint, node_index=0, timeout=30):
        os.makedirs(mountpoint, exist_ok=True)
        subprocess.run(
            ["mount", "-t", "glusterfs", f"{self.nodes[node_index].address}:/{volume}", mountpoint],
            check=True,
            stdin=subprocess.DEVNULL,
        )
        self.mounts.append(mountpoint)
        _wait_for(lambda: os.path.ismount(mountpoint), timeout, f"{mountpoint} to be mounted")
        return mountpoint

    def unmount(self, mountpoint):
        if in_mount_table(mountpoint):
            subprocess.run(["umount", mountpoint], check=False, stdin=subprocess.DEVNULL)
            if in_mount_table(mountpoint):
                subprocess.run(["umount", "-l", mountpoint], check=False, stdin=subprocess.DEVNULL)
        if mountpoint in self.mounts:
            self.mounts.remove(mountpoint)

    def stop(self):
        for mountpoint in list(self.mounts):
            self.unmount(mountpoint)
        for node in self.nodes:
            node.stop()
        if self.shared_mount or self._is_self_bind():
            # only our own bind mount of the cluster directory, by path
            subprocess.run(["umount", self.base_dir], check=False, stdin=subprocess.DEVNULL)
            if os.path.ismount(self.base_dir):
                subprocess.run(["umount", "-l", self.base_dir], check=False, stdin=subprocess.DEVNULL)
            self.shared_mount = False


@contextlib.contextmanager
def shared_directory(path):
    """``path`` bind-mounted onto itself as a shared mount while the block runs, then unmounted
    by path. This machine's / is a private mount: a mount namespace made meanwhile (each test
    glusterd's, by another worker) copies a filesystem mounted below ``path`` and keeps it
    mounted after the test unmounts it here, so that mounting the device again read-only fails
    ("Can't mount, would change RO state"). Below a shared mount the unmount reaches the copies."""
    path = os.path.realpath(path)
    subprocess.run(["mount", "--bind", path, path], check=True, stdin=subprocess.DEVNULL, timeout=60)
    try:
        subprocess.run(["mount", "--make-shared", path], check=True, stdin=subprocess.DEVNULL, timeout=60)
        yield path
    finally:
        subprocess.run(["umount", path], check=False, stdin=subprocess.DEVNULL, timeout=60)
        if in_mount_table(path):
            subprocess.run(["umount", "-l", path], check=False, stdin=subprocess.DEVNULL, timeout=60)


def in_mount_table(path):
    """Whether ``path`` is a mount point in this mount namespace, by the kernel's table.

    Not ``os.path.ismount``: a FUSE mount whose client died answers ``lstat`` with ENOTCONN,
    which ``ismount`` takes for "not a mount", so the mount would be left behind."""
    octal = (
        os.path.realpath(path)
        .replace("\\", "\\134")
        .replace(" ", "\\040")
        .replace("\t", "\\011")
        .replace("\n", "\\012")
    )
    with open("/proc/self/mounts", encoding="utf-8") as handle:
        return any(line.split(" ")[1] == octal for line in handle if line.count(" ") >= 2)


def _started(pid):
    """The start time of process ``pid`` (clock ticks since boot), or None when it is gone: with
    it a pid can be told from the same number reused by a newer process (pid_max is 32768 on
    this machine, and a suite run goes round it)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def _same_process(pid, started):
    return started is not None and _started(pid) == started and not _is_zombie(pid)


def terminate(pids, timeout=20):
    """SIGTERM each of ``pids``, wait (``timeout`` seconds in all) until each is gone or a
    zombie, then SIGKILL what is still running: the same processes, by pid and start time, never
    a newer process that got one of those pids meanwhile (CI once saw another test's glusterd
    start end in SIGKILL)."""
    started = {pid: _started(pid) for pid in pids}
    for pid in pids:
        if started[pid] is not None:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + timeout
    for pid in pids:
        while _same_process(pid, started[pid]) and time.monotonic() < deadline:
            time.sleep(0.1)
        if _same_process(pid, started[pid]):
            os.kill(pid, signal.SIGKILL)


def _tail(path, lines=15):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])
    except OSError as exc:
        return f"({exc})"


@contextlib.contextmanager
def temporary_cluster(prefix, size=3, subnet="127.1.1", pool=False, prepare=None):
    """A started cluster in a fresh directory under /tmp (pooled when ``pool``), stopped by pid
    and its directory removed afterwards. ``prepare(cluster)`` runs before the nodes start
    (to give them ``binds``, say)."""
    base = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    cluster = GlusterCluster(base, size=size, subnet=subnet)
    try:
        if prepare is not None:
            prepare(cluster)
        cluster.start()
        if pool:
            cluster.form_pool()
        yield cluster
    finally:
        cluster.stop()
        subprocess.run(["rm", "-rf", "--one-file-system", base], check=False)
