"""A lab of real hosts: Debian bookworm containers booted with ``systemd-nspawn``.

Each host is a booted systemd (PID 1 of its own PID namespace) with its own root (an overlay
over one cached base root), hostname, network namespace and ``/etc/hosts`` naming every host.
What the loopback clusters of ``tests/support/cluster.py`` cannot show runs here: packages
installed by the formula from an apt repository, glusterd started by systemd, nodes known by
name, a reboot, a cut link.

Network: only namespaces the lab makes. One namespace holds a bridge; each host's namespace
has one end of a veth pair (``eth0``) and the bridge the other. Private addresses, no uplink, no
NAT, no default route: nothing leaves the lab, and the host's own interfaces and routes are never
touched.

Built once and cached (``GLUSTER_LAB_CACHE``, default ``/var/cache/saltext-gluster-lab``):

- a wheelhouse of Salt (the version of this checkout's virtualenv), built with pip;
- a base root: ``debootstrap --variant=minbase`` with systemd, python3 and Salt installed from
  the wheelhouse into ``/opt/salt`` with the container's own python, the apt sources emptied
  (no container ever reaches a package mirror);
- a local apt repository: the .debs of glusterfs-server, glusterfs-client and what they need
  beyond the base root (downloaded by the base root's own apt, so exactly what a bookworm host
  would install), with a Packages index and a Release file. Containers see it read-only at
  ``/srv/lab-repo``.

A lab instance lives in ``GLUSTER_LAB_RUN/<name>`` (default ``/var/tmp/saltext-gluster-lab``):
per host an overlay upper directory, a disk directory bind-mounted at ``/srv/gluster`` and the
nspawn log; ``state.json`` records the pids, mounts and namespaces made, so that ``down`` (also
from ``python tests/support/real_hosts.py down NAME``) removes exactly those, by pid and by path.

Needs root, ``systemd-container``, ``debootstrap``, ``dpkg-dev`` and ``iproute2`` (``scripts/setup.sh``).
"""

import contextlib
import fcntl
import gzip
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

CACHE = Path(os.environ.get("GLUSTER_LAB_CACHE", "/var/cache/saltext-gluster-lab"))
RUN = Path(os.environ.get("GLUSTER_LAB_RUN", "/var/tmp/saltext-gluster-lab"))
MIRROR = os.environ.get("GLUSTER_LAB_MIRROR", "http://deb.debian.org/debian")
SUITE = "bookworm"
# what every host has before Salt runs: a minimal Debian with systemd and a python for Salt
BASE_PACKAGES = ["systemd", "systemd-sysv", "dbus", "iproute2", "iputils-ping", "procps", "kmod",
                 "python3", "python3-venv", "ca-certificates"]  # fmt: skip
# what the local repository carries (with everything they pull in beyond the base root)
REPO_PACKAGES = ["glusterfs-server", "glusterfs-client", "attr", "xfsprogs"]
# the local repository also carries every package built from GlusterFS's source again with
# this suffix on its version (same files, a higher version): what an upgrade installs
UPGRADE_SUFFIX = "+lab1"
# bump to rebuild every cached base root
RECIPE = 3
SALT_VERSION = importlib.metadata.version("salt")
REPO_MOUNT = "/srv/lab-repo"
CHECKOUT_MOUNT = "/srv/saltext-gluster"
REPO_ROOT = Path(__file__).resolve().parents[2]
PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
BOOT_TIMEOUT = 180

# systemd-fstab-generator skips fstab's device entries inside a container ("Running in a
# container, ignoring fstab device entry"): on a real host they become mount units before
# local-fs.target, and so before glusterd. This stand-in does the same from the same fstab,
# with mount(8) resolving UUID= itself; it is the one piece of boot the lab does not leave to
# the host's own systemd.
FSTAB_UNIT = """[Unit]
Description=Lab stand-in for systemd-fstab-generator: mount fstab's device entries
DefaultDependencies=no
After=local-fs-pre.target
Before=local-fs.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/mount -a -t xfs,ext4

[Install]
WantedBy=local-fs.target
"""

SALT_UNIT = """[Unit]
Description=The Salt {role}
After=network.target

[Service]
Type=simple
ExecStart=/opt/salt/bin/salt-{role}
KillMode=process
Restart=on-failure
LimitNOFILE=100000

[Install]
WantedBy=multi-user.target
"""


def log(message):
    print(f"[lab {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _run(argv, timeout=600, **kwargs):
    kwargs.setdefault("check", True)
    kwargs.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.run(argv, timeout=timeout, **kwargs)  # argv lists only: never a shell


# --------------------------------------------------------------------------- the cached parts


def recipe_key():
    recipe = json.dumps(
        [RECIPE, SUITE, MIRROR, BASE_PACKAGES, REPO_PACKAGES, SALT_VERSION, sys.version_info[:2]]
    )
    return hashlib.sha256(recipe.encode()).hexdigest()[:12]


@contextlib.contextmanager
def _cache_lock():
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def wheelhouse():
    """A directory of wheels from which ``pip install --no-index salt==SALT_VERSION`` works."""
    target = CACHE / f"wheelhouse-salt-{SALT_VERSION}-py{sys.version_info[0]}{sys.version_info[1]}"
    if (target / ".done").exists():
        return target
    started = time.monotonic()
    tmp = Path(f"{target}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    _run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(tmp), f"salt=={SALT_VERSION}"],
        timeout=1200,
    )
    (tmp / ".done").write_text("")
    os.rename(tmp, target)
    log(f"wheelhouse of salt {SALT_VERSION} built in {time.monotonic() - started:.0f} s")
    return target


def base():
    """(base root, local apt repository): built once per recipe, then cached."""
    with _cache_lock():
        wheels = wheelhouse()
        target = CACHE / f"base-{recipe_key()}"
        if (target / ".done").exists():
            return target / "root", target / "repo"
        started = time.monotonic()
        tmp = Path(f"{target}.tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        root, repo = tmp / "root", tmp / "repo"
        _run(
            [
                "debootstrap",
                "--variant=minbase",
                f"--include={','.join(BASE_PACKAGES)}",
                SUITE,
                str(root),
                MIRROR,
            ],
            timeout=1800,
            stdout=subprocess.DEVNULL,
        )
        log(f"debootstrap done in {time.monotonic() - started:.0f} s")
        # inside the new root, on the host's network (the package registry): the repository's
        # .debs as this root's apt resolves them, and Salt from the wheelhouse
        inside = (
            "set -e; apt-get update -q; "
            f"apt-get install -y -q --download-only {' '.join(REPO_PACKAGES)}; "
            "python3 -m venv /opt/salt; "
            f"/opt/salt/bin/pip install -q --no-index --find-links /wheelhouse salt=={SALT_VERSION}"
        )
        _run(
            [
                "systemd-nspawn",
                "-q",
                "-D",
                str(root),
                "--register=no",
                "--keep-unit",
                "--resolv-conf=copy-host",
                f"--bind-ro={wheels}:/wheelhouse",
                "/bin/sh",
                "-c",
                inside,
            ],
            timeout=1800,
            stdout=subprocess.DEVNULL,
        )
        repo.mkdir()
        archives = root / "var/cache/apt/archives"
        for deb in archives.glob("*.deb"):
            shutil.move(str(deb), repo / deb.name)
        raised = raise_versions(repo, tmp / "unpacked")
        log(
            f"{len(raised)} packages of src:glusterfs built again as version {UPGRADE_SUFFIX}: "
            f"{', '.join(raised)}"
        )
        write_repo_index(repo)
        sign_repo(repo, tmp / "gnupg")
        _finish_base_root(root)
        (tmp / ".done").write_text(json.dumps({"seconds": round(time.monotonic() - started, 1)}))
        os.rename(tmp, target)
        # roots of earlier recipes in the lab's own cache, unless a lab still runs on one
        with open("/proc/self/mounts", encoding="utf-8") as handle:
            mounted = handle.read()
        for stale in CACHE.glob("base-*"):
            if stale.name != target.name and stale.is_dir() and f"{stale}/" not in mounted:
                shutil.rmtree(stale, ignore_errors=True)
        log(f"base root and repository ({len(list((target / 'repo').glob('*.deb')))} packages) "
            f"built in {time.monotonic() - started:.0f} s: {target}")  # fmt: skip
        return target / "root", target / "repo"


def _finish_base_root(root):
    """No package sources (the formula's ``gluster:repo`` adds the lab's), Salt on the PATH and
    its units installed (enabled per host), no machine identity (each host gets its own)."""
    (root / "etc/apt/sources.list").write_text("")
    for lists in (root / "var/lib/apt/lists").glob("*"):
        if lists.is_file() and lists.name != "lock":
            lists.unlink()
    for name in ("salt", "salt-call", "salt-key", "salt-run", "salt-master", "salt-minion"):
        link = root / "usr/local/bin" / name
        if not link.is_symlink():
            link.symlink_to(f"/opt/salt/bin/{name}")
    for role in ("master", "minion"):
        (root / f"etc/systemd/system/salt-{role}.service").write_text(SALT_UNIT.format(role=role))
    (root / "etc/salt").mkdir(exist_ok=True)
    (root / "etc/machine-id").write_text("")
    # a container has no consoles to run gettys on, no udev to settle, no clock to set
    for unit in ("getty@tty1.service", "console-getty.service", "systemd-timesyncd.service"):
        with contextlib.suppress(FileNotFoundError):
            (root / "etc/systemd/system" / unit).unlink()
        (root / "etc/systemd/system" / unit).symlink_to("/dev/null")


def raise_versions(repo, scratch, source="glusterfs", suffix=UPGRADE_SUFFIX):
    """Each .deb in ``repo`` built from ``source`` again with ``suffix`` appended to its
    version (and to the exact ``(= VERSION)`` dependencies between them), beside the original:
    the same files under a higher version, for an upgrade to install. Returns the packages."""
    raised = []
    scratch.mkdir(parents=True, exist_ok=True)
    for deb in sorted(repo.glob("*.deb")):
        fields = _run(["dpkg-deb", "--field", str(deb), "Package", "Version", "Source", "Architecture"],
                      capture_output=True, text=True).stdout  # fmt: skip
        info = dict(line.split(": ", 1) for line in fields.splitlines() if ": " in line)
        if info.get("Source", info["Package"]).split()[0] != source:
            continue
        version = info["Version"]
        tree = scratch / info["Package"]
        shutil.rmtree(tree, ignore_errors=True)
        _run(["dpkg-deb", "--raw-extract", str(deb), str(tree)])
        control = tree / "DEBIAN/control"
        text = control.read_text()
        text = re.sub(r"^Version: .*$", f"Version: {version}{suffix}", text, count=1, flags=re.M)
        # the binary's version no longer is the source's: say which source version it came from
        text = re.sub(r"^Source: (\S+)$", rf"Source: \1 ({version})", text, count=1, flags=re.M)
        if not re.search(r"^Source:", text, flags=re.M):
            text = text.replace("\nVersion:", f"\nSource: {source} ({version})\nVersion:", 1)
        text = text.replace(f"(= {version})", f"(= {version}{suffix})")
        control.write_text(text)
        name = f"{info['Package']}_{version.split(':')[-1]}{suffix}_{info['Architecture']}.deb"
        _run(["dpkg-deb", "-Zgzip", "-z1", "--build", str(tree), str(repo / name)],
             stdout=subprocess.DEVNULL)  # fmt: skip
        shutil.rmtree(tree)
        raised.append(info["Package"])
    return raised


def write_repo_index(repo):
    """``Packages``, ``Packages.gz`` and ``Release`` of a flat repository (``deb [trusted=yes]
    file:/srv/lab-repo ./``) holding the .debs in ``repo``."""
    packages = _run(
        ["dpkg-scanpackages", "--multiversion", "."], cwd=repo, capture_output=True, text=True
    ).stdout
    (repo / "Packages").write_text(packages)
    with gzip.open(repo / "Packages.gz", "wt") as handle:
        handle.write(packages)
    lines = [
        "Origin: saltext-gluster lab",
        "Label: saltext-gluster lab",
        "Suite: lab",
        "Codename: lab",
        f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S UTC', time.gmtime())}",
        "Architectures: amd64 all",
    ]
    for field, algorithm in (("MD5Sum", "md5"), ("SHA256", "sha256")):
        lines.append(f"{field}:")
        for name in ("Packages", "Packages.gz"):
            data = (repo / name).read_bytes()
            lines.append(f" {hashlib.new(algorithm, data).hexdigest()} {len(data)} {name}")
    (repo / "Release").write_text("\n".join(lines) + "\n")


SIGNING_KEY = "lab-signing-key.asc"  # in the repository: the public key its InRelease is signed with
OTHER_KEY = "other-key.asc"  # a key that signed nothing: apt must refuse the repository with it


def sign_repo(repo, home):
    """The repository signed as a production one is: ``InRelease`` and ``Release.gpg`` made
    with a key generated here (``SIGNING_KEY``, public half in the repository) and a second
    public key that signed nothing (``OTHER_KEY``). The private halves are removed with
    ``home``: nothing can sign for the repository afterwards."""
    home.mkdir(mode=0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}
    try:
        for uid, name in (
            ("saltext-gluster lab repository", SIGNING_KEY),
            ("saltext-gluster lab other key", OTHER_KEY),
        ):
            _run(
                [
                    "gpg",
                    "--batch",
                    "--quiet",
                    "--passphrase",
                    "",
                    "--quick-generate-key",
                    uid,
                    "ed25519",
                    "sign",
                    "never",
                ],
                env=env,
            )
            exported = _run(
                ["gpg", "--batch", "--armor", "--export", uid], env=env, capture_output=True, text=True
            ).stdout
            (repo / name).write_text(exported)
        signer = ["gpg", "--batch", "--quiet", "--yes", "--local-user", "saltext-gluster lab repository"]
        _run([*signer, "--clearsign", "--output", str(repo / "InRelease"), str(repo / "Release")], env=env)
        _run(
            [
                *signer,
                "--armor",
                "--detach-sign",
                "--output",
                str(repo / "Release.gpg"),
                str(repo / "Release"),
            ],
            env=env,
        )
    finally:
        _run(
            ["gpgconf", "--kill", "gpg-agent"], env=env, check=False, capture_output=True, timeout=30
        )  # this home's agent
        shutil.rmtree(home, ignore_errors=True)


# --------------------------------------------------------------------------- one lab


class Host:
    def __init__(self, lab, name, address, role):
        self.lab = lab
        self.name = name
        self.address = address
        self.role = role  # "master", "node", "client"
        self.dir = lab.dir / name
        self.root = self.dir / "root"
        self.disk = self.dir / "disk"
        self.netns = f"{lab.prefix}-{name}"
        self.process = None  # the systemd-nspawn process this object started
        self.stopping = False  # asked to power off, not yet waited for
        self.pid = None  # the container's systemd, as the host sees it
        self.disk_device = None  # a loop device of its own (Lab(disks=...)), same path inside

    @property
    def fqdn(self):
        return f"{self.name}.{self.lab.domain}"

    # ----------------------------------------------------------------- commands inside

    def run(self, *argv, check=True, timeout=300, input=None, capture=True):  # noqa: A002
        """Run ``argv`` inside the host (all its namespaces), a clean environment."""
        if not self.pid:
            raise RuntimeError(f"{self.name} is not running")
        full = ["nsenter", "-t", str(self.pid), "-a", "--", "env", "-i", f"PATH={PATH}", "LANG=C.UTF-8",
                "HOME=/root", *argv]  # fmt: skip
        done = subprocess.run(
            full,
            check=False,
            timeout=timeout,
            input=input,
            text=True,
            capture_output=capture,
            stdin=None if input is not None else subprocess.DEVNULL,
        )
        if check and done.returncode != 0:
            raise RuntimeError(
                f"{self.name}: {argv} exited {done.returncode}: {done.stdout[-2000:]}{done.stderr[-2000:]}"
            )
        return done

    def out(self, *argv, **kwargs):
        return self.run(*argv, **kwargs).stdout

    # ----------------------------------------------------------------- life cycle

    def prepare(self, base_root, hosts):
        self.dir.mkdir(parents=True, exist_ok=True)
        for sub in ("upper", "work", "root", "disk"):
            (self.dir / sub).mkdir(exist_ok=True)
        if not os.path.ismount(self.root):
            _run(
                [
                    "mount",
                    "-t",
                    "overlay",
                    "overlay",
                    "-o",
                    f"lowerdir={base_root},upperdir={self.dir / 'upper'},workdir={self.dir / 'work'}",
                    str(self.root),
                ]
            )
            self.lab.remember("mounts", str(self.root))
        etc = self.root / "etc"
        (etc / "hostname").write_text(f"{self.name}\n")
        (etc / "hosts").write_text(
            "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n"
            + "".join(f"{h.address} {h.fqdn} {h.name}\n" for h in hosts)
        )
        (etc / "resolv.conf").unlink(missing_ok=True)
        (etc / "resolv.conf").write_text(f"search {self.lab.domain}\n")  # no nameserver: no DNS at all
        if not (etc / "machine-id").read_text().strip():
            (etc / "machine-id").write_text(
                hashlib.md5(f"{self.lab.prefix}/{self.name}/{time.time()}".encode()).hexdigest() + "\n"
            )  # noqa: S324
        # nfs-common (a dependency of glusterfs-server) mounts rpc_pipefs at boot, which a
        # container may not do: the only unit that fails here, and nothing gluster uses
        masked = etc / "systemd/system/run-rpc_pipefs.mount"
        if not masked.is_symlink():
            masked.symlink_to("/dev/null")
        if self.role == "node":
            (etc / "systemd/system/lab-fstab-devices.service").write_text(FSTAB_UNIT)
            local_fs = etc / "systemd/system/local-fs.target.wants"
            local_fs.mkdir(parents=True, exist_ok=True)
            if not (local_fs / "lab-fstab-devices.service").is_symlink():
                (local_fs / "lab-fstab-devices.service").symlink_to(
                    "/etc/systemd/system/lab-fstab-devices.service"
                )
        wants = etc / "systemd/system/multi-user.target.wants"
        wants.mkdir(parents=True, exist_ok=True)
        roles = ["master"] if self.role == "master" else ["minion"]
        for role in roles:
            link = wants / f"salt-{role}.service"
            if not link.is_symlink():
                link.symlink_to(f"/etc/systemd/system/salt-{role}.service")
        if self.role == "master":
            (etc / "salt/master.d").mkdir(parents=True, exist_ok=True)
            (etc / "salt/master.d/lab.conf").write_text(json.dumps(self.lab.master_config(), indent=1) + "\n")
            formula = self.root / "srv/formula"
            formula.mkdir(parents=True, exist_ok=True)
            for name, target in (("_modules", "_modules"), ("_states", "_states"), ("_utils", "_utils"),
                                 ("_grains", "_grains"), ("_beacons", "_beacons"), ("_runners", "_runners"),
                                 ("_output", "_output"), ("gluster", "salt/gluster")):  # fmt: skip
                link = formula / name
                if not link.is_symlink():
                    link.symlink_to(f"{CHECKOUT_MOUNT}/{target}")
            (self.root / "srv/pillar").mkdir(parents=True, exist_ok=True)
            (self.root / "srv/states").mkdir(parents=True, exist_ok=True)
        else:
            (etc / "salt/minion.d").mkdir(parents=True, exist_ok=True)
            (etc / "salt/minion.d/lab.conf").write_text(
                json.dumps({"master": self.lab.hosts["salt"].fqdn, "id": self.name,
                            "acceptance_wait_time": 2, "random_reauth_delay": 0,
                            "log_level_logfile": "info", **({"ipv6": True} if self.lab.ipv6 else {})},
                           indent=1) + "\n")  # fmt: skip

    def boot(self):
        argv = ["systemd-nspawn", "-q", "-D", str(self.root), "--boot", "--register=no", "--keep-unit",
                f"--machine={self.netns}", f"--network-namespace-path=/run/netns/{self.netns}",
                "--console=passive", "--resolv-conf=off", "--timezone=off", "--link-journal=no",
                "--bind=/dev/fuse", f"--bind-ro={self.lab.repo}:{REPO_MOUNT}"]  # fmt: skip
        if not self.disk_device:  # no disk of its own: a directory of the host's for the bricks
            argv.append(f"--bind={self.disk}:/srv/gluster")
        if self.role == "master":
            argv.append(f"--bind-ro={REPO_ROOT}:{CHECKOUT_MOUNT}")
        if self.disk_device:
            argv.append(f"--bind={self.disk_device}")
        argv += [f"--bind-ro={source}:{target}" for source, target in self.lab.extra_ro_binds]
        logfile = open(self.dir / "nspawn.log", "ab")  # noqa: SIM115 (kept by the process)
        self.process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=logfile, stderr=subprocess.STDOUT, start_new_session=True
        )
        logfile.close()
        self.lab.remember("nspawn", {self.name: self.process.pid})
        self.pid = None
        deadline = time.monotonic() + 30
        while self.pid is None:
            self.pid = _container_init(self.process.pid)
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name}: systemd-nspawn exited {self.process.returncode}: {self._log_tail()}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{self.name}: no systemd came up under systemd-nspawn: {self._log_tail()}"
                )
            time.sleep(0.1)
        self.lab.remember("init", {self.name: self.pid})

    def _system_state(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            # right after boot systemctl may not reach systemd yet: it prints nothing then
            done = self.run("systemctl", "is-system-running", "--wait", check=False, timeout=timeout)
            state = done.stdout.strip()
            if state or time.monotonic() > deadline:
                return state, done
            time.sleep(0.5)

    def wait_running(self, timeout=BOOT_TIMEOUT):
        """Until the host's systemd has finished booting; fails on a failed unit, with that
        unit's journal.

        One exception, retried once: ``systemd-remount-fs.service`` failed on one host of one
        CI run (the pool's tests were mounting and unmounting on the machine at the time) and
        on no host of the runs before or after. It is started again once, and the boot counts
        only when it then succeeds and the system is running; the first failure is logged with
        its journal."""
        state, done = self._system_state(timeout)
        failed = []
        if state != "running":
            failed = self.out("systemctl", "--failed", "--no-legend", "--plain", check=False).split()
            failed = [
                word
                for word in failed
                if word.endswith((".service", ".mount", ".socket", ".target", ".timer"))
            ]
        if failed == ["systemd-remount-fs.service"]:
            journal = self.out("journalctl", "-b", "--no-pager", "-u", failed[0], check=False)[-1500:]
            log(f"{self.name}: {failed[0]} failed at boot; starting it again once. Its journal: {journal}")
            self.run("systemctl", "restart", failed[0], check=False, timeout=60)
            state, done = self._system_state(timeout)
        if state != "running":
            units = self.out("systemctl", "--failed", "--no-legend", check=False)
            journal = self.out("journalctl", "-b", "--no-pager", "-n", "40", check=False)[-2500:]
            raise RuntimeError(
                f"{self.name}: systemd is {state!r} (exit {done.returncode}: {done.stderr[-500:]}); "
                f"failed units: {units}; journal: {journal}; nspawn: {self._log_tail()[-1500:]}"
            )
        return state

    def _log_tail(self):
        try:
            return (self.dir / "nspawn.log").read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def reboot(self, timeout=BOOT_TIMEOUT):
        """``systemctl reboot`` inside: systemd stops every unit and the container exits (nspawn's
        133, "reboot requested"); then boot the same root again, as a host would."""
        self.run("systemctl", "reboot", check=False, timeout=30)
        code = self.process.wait(timeout=timeout)
        if code not in (0, 133):
            raise RuntimeError(f"{self.name}: systemd-nspawn exited {code} on reboot: {self._log_tail()}")
        self.boot()
        self.wait_running(timeout)

    def request_stop(self):
        """Ask the host to power off (SIGTERM to nspawn asks systemd to halt); ``stop`` waits."""
        if self.process is not None and self.process.poll() is None and not self.stopping:
            self.process.send_signal(signal.SIGTERM)
            self.stopping = True

    def stop(self, timeout=90):
        """Power the host off (SIGTERM to nspawn asks systemd to halt); SIGKILL its init after ``timeout``."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.request_stop()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill_pid(self.pid)
                _kill_pid(self.process.pid)
                self.process.wait(timeout=30)
        self.process = None
        self.pid = None
        self.stopping = False

    # ----------------------------------------------------------------- the network

    def link(self, up):
        """The host's cable: its veth end on the bridge set up or down."""
        _run(["ip", "-n", self.lab.bridge_ns, "link", "set", f"v-{self.name}", "up" if up else "down"])


def _children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def _container_init(nspawn_pid):
    """The host pid of the container's PID 1 (a descendant of nspawn that is 1 in its own
    PID namespace), or None."""
    todo = _children(nspawn_pid)
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/status", encoding="utf-8") as handle:
                status = dict(line.split(":\t", 1) for line in handle.read().splitlines() if ":\t" in line)
        except OSError:
            continue
        if status.get("NSpid", "").split()[-1:] == ["1"] and len(status["NSpid"].split()) > 1:
            return pid
        todo.extend(_children(pid))
    return None


def _kill_pid(pid):
    if pid:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


class Lab:
    """``Lab("boot", nodes=3)``: hosts ``salt`` (the master), ``gfs1..N``, ``client1``.

    ``subnet`` is three octets of a private /24 that only the lab's namespaces see, or the
    first 48 bits of an IPv6 unique local /64 (``fd31:231:6``): an IPv6-only lab, where the
    hosts' ``eth0`` carry no IPv4 address and ``/etc/hosts`` names them by IPv6 alone."""

    def __init__(self, name, nodes=3, clients=1, subnet="10.231.1", domain="lab.test", disk_mib=0):
        self.name = name
        self.ipv6 = ":" in subnet
        self.disk_mib = disk_mib  # > 0: every node gets a sparse loop device of that size
        self.extra_ro_binds = []  # (host path, container path) for every host
        self.prefix = f"sgl{name}"[:9]  # namespace and veth names stay short (15-character limit)
        self.dir = RUN / name
        self.domain = domain
        self.bridge_ns = f"{self.prefix}-br"
        self.base_root = self.repo = None
        specs = [("salt", "master")] + [(f"gfs{i}", "node") for i in range(1, nodes + 1)]
        specs += [(f"client{i}", "client") for i in range(1, clients + 1)]
        address = (lambda i: f"{subnet}::{10 + i}") if self.ipv6 else (lambda i: f"{subnet}.{10 + i}")
        self.prefix_length = 64 if self.ipv6 else 24
        self.hosts = {name: Host(self, name, address(i), role) for i, (name, role) in enumerate(specs)}

    @property
    def nodes(self):
        return [h for h in self.hosts.values() if h.role == "node"]

    @property
    def clients(self):
        return [h for h in self.hosts.values() if h.role == "client"]

    @property
    def master(self):
        return self.hosts["salt"]

    def master_config(self):
        return {
            "file_roots": {"base": ["/srv/formula", "/srv/states"]},
            "pillar_roots": {"base": ["/srv/pillar"]},
            # the lab's minions are made by the lab and nothing else reaches its network
            "auto_accept": True,
            "worker_threads": 3,
            "log_level_logfile": "info",
            **({"ipv6": True, "interface": "::"} if self.ipv6 else {}),
        }

    # ----------------------------------------------------------------- record of what was made

    def _state(self):
        try:
            return json.loads((self.dir / "state.json").read_text())
        except (OSError, ValueError):
            return {}

    def remember(self, key, value):
        state = self._state()
        if isinstance(value, dict):
            state.setdefault(key, {}).update(value)
        else:
            state.setdefault(key, [])
            if value not in state[key]:
                state[key].append(value)
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "state.json").write_text(json.dumps(state, indent=1))

    # ----------------------------------------------------------------- up and down

    def up(self):
        started = time.monotonic()
        self.base_root, self.repo = base()
        built = time.monotonic() - started
        if self._state():
            self.down()  # what an earlier run left
        self.dir.mkdir(parents=True, exist_ok=True)
        self._network()
        hosts = list(self.hosts.values())
        for host in hosts:
            host.prepare(self.base_root, hosts)
            if self.disk_mib and host.role == "node":
                host.disk_device = self._loop_device(host)
        for host in hosts:
            host.boot()
        for host in hosts:
            host.wait_running()
        self.base_seconds, self.boot_seconds = built, time.monotonic() - started - built
        log(f"lab {self.name}: {len(hosts)} hosts booted in {time.monotonic() - started - built:.1f} s "
            f"(base root ready in {built:.1f} s)")  # fmt: skip
        return self

    def _loop_device(self, host):
        image = host.dir / "disk.img"
        with open(image, "wb") as handle:
            handle.truncate(self.disk_mib * 1024 * 1024)
        device = _run(
            ["losetup", "--find", "--show", str(image)], capture_output=True, text=True
        ).stdout.strip()
        self.remember("loops", [device, str(image)])
        return device

    def _network(self):
        _run(["ip", "netns", "add", self.bridge_ns])
        self.remember("netns", self.bridge_ns)
        _run(["ip", "-n", self.bridge_ns, "link", "add", "br0", "type", "bridge"])
        _run(["ip", "-n", self.bridge_ns, "link", "set", "br0", "up"])
        for host in self.hosts.values():
            _run(["ip", "netns", "add", host.netns])
            self.remember("netns", host.netns)
            _run(["ip", "-n", self.bridge_ns, "link", "add", f"v-{host.name}", "type", "veth",
                  "peer", "name", "eth0", "netns", host.netns])  # fmt: skip
            _run(["ip", "-n", self.bridge_ns, "link", "set", f"v-{host.name}", "master", "br0", "up"])
            # IPv6: no duplicate address detection (the lab made every address), so that each is
            # usable at once rather than "tentative" for a second or two
            _run(
                [
                    "ip",
                    "-n",
                    host.netns,
                    "addr",
                    "add",
                    f"{host.address}/{self.prefix_length}",
                    "dev",
                    "eth0",
                    *(["nodad"] if self.ipv6 else []),
                ]
            )
            _run(["ip", "-n", host.netns, "link", "set", "eth0", "up"])
            _run(["ip", "-n", host.netns, "link", "set", "lo", "up"])

    def down(self):
        """Stop every host this lab (or an earlier run under the same name) started, unmount
        what it mounted and remove its namespaces and directory: by pid and path only."""
        # clients first (a FUSE mount unmounts at once while its servers still answer), then
        # every other host at the same time
        for host in self.clients:
            host.stop()
        for host in self.hosts.values():
            host.request_stop()
        for host in self.hosts.values():
            host.stop()
        state = self._state()
        for pid in state.get("init", {}).values():
            _kill_pid(pid if _is_container_init(pid) else None)
        for pid in state.get("nspawn", {}).values():
            _kill_pid(pid if _is_nspawn(pid) else None)
        time.sleep(0.2 if state else 0)
        for device, image in state.get("loops", []):
            # only a loop device still backed by this lab's own image file
            backing = _run(["losetup", "--noheadings", "--output", "BACK-FILE", device], check=False,
                           capture_output=True, text=True).stdout.strip()  # fmt: skip
            if backing == image:
                _run(["losetup", "--detach", device], check=False)
        for mountpoint in sorted(_mounts_under(self.dir), key=len, reverse=True):
            _run(["umount", mountpoint], check=False)
            if os.path.ismount(mountpoint):
                _run(["umount", "-l", mountpoint], check=False)
        for netns in state.get("netns", []):
            if os.path.exists(f"/run/netns/{netns}"):
                _run(["ip", "netns", "delete", netns], check=False)
        if self.dir.exists() and not _mounts_under(self.dir):
            shutil.rmtree(self.dir)

    def __enter__(self):
        try:
            return self.up()
        except BaseException:
            self.down()
            raise

    def __exit__(self, *exc):
        self.down()

    # ----------------------------------------------------------------- Salt

    def salt(self, target, function, *args, timeout=900, tgt_type="glob"):
        """``salt TARGET FUNCTION ARGS`` on the master: ``{minion: return}`` (JSON)."""
        flags = {"glob": [], "list": ["-L"], "compound": ["-C"], "grain": ["-G"]}[tgt_type]
        done = self.master.run("salt", "--out=json", "--static", "--no-color", f"--timeout={timeout}", *flags,
                               target, function, *args, check=False, timeout=timeout + 60)  # fmt: skip
        if "No minions matched the target" in done.stdout:
            return {}
        try:
            return json.loads(done.stdout)
        except ValueError as exc:
            raise RuntimeError(
                f"salt {target} {function}: exit {done.returncode}: "
                f"{done.stdout[-3000:]}{done.stderr[-3000:]}"
            ) from exc

    def salt_run(self, function, *args, timeout=1800):
        """``salt-run FUNCTION ARGS`` on the master: its return (JSON), and the exit code."""
        done = self.master.run(
            "salt-run",
            "--out=json",
            "--no-color",
            f"--timeout={timeout}",
            function,
            *args,
            check=False,
            timeout=timeout + 60,
        )
        try:
            return json.loads(done.stdout), done.returncode
        except ValueError as exc:
            raise RuntimeError(
                f"salt-run {function}: exit {done.returncode}: {done.stdout[-3000:]}{done.stderr[-3000:]}"
            ) from exc

    def wait_minions(self, timeout=120):
        """Until every minion answers ``test.ping`` (their keys accepted on first contact)."""
        wanted = {h.name for h in self.hosts.values() if h.role != "master"}
        deadline = time.monotonic() + timeout
        answered = set()
        while time.monotonic() < deadline:
            try:
                answered = {m for m, r in self.salt("*", "test.ping", timeout=10).items() if r is True}
            except RuntimeError as exc:  # the master is still starting (its unit is "active" at once)
                if "could not be contacted" not in str(exc):
                    raise
            if wanted <= answered:
                return
            time.sleep(1)
        raise RuntimeError(f"minions not answering after {timeout} s: {sorted(wanted - answered)}")

    def ready_for_the_formula(self, pillar):
        """Every minion answering, the repository's signing key on the master
        (``salt://lab-repo/lab-signing-key.asc``), the formula's top file, ``pillar`` (its text)
        and every minion's modules synced: a lab a test starts its highstates on."""
        self.wait_minions()
        keys = self.master.root / "srv/states" / KEY_SLS_DIR
        keys.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.repo / SIGNING_KEY, keys / SIGNING_KEY)
        self.write_states_top()
        self.write_pillar(pillar)
        synced = self.salt("*", "saltutil.sync_all")
        wanted = sorted(h.name for h in self.hosts.values() if h.role != "master")
        if sorted(synced) != wanted:
            raise AssertionError(f"saltutil.sync_all: {sorted(synced)} answered, not {wanted}: {synced}")
        return self

    def assert_converged(self):
        """One more highstate: nothing failed, nothing changed."""
        again = self.highstate()
        assert failed_states(again) == {}
        assert changed_states(again) == {m: [] for m in again}

    def highstate(self, test=False, timeout=900):
        """``salt '*' state.highstate``: ``{minion: {state id: return}}``; every minion answered."""
        ret = self.salt("*", "state.highstate", *(["test=True"] if test else []), timeout=timeout)
        wanted = sorted(h.name for h in self.hosts.values() if h.role != "master")
        if sorted(ret) != wanted:
            raise AssertionError(f"highstate: {sorted(ret)} answered, not {wanted}: {ret}")
        by_id = {}
        for minion, states in ret.items():
            if not isinstance(states, dict):
                raise AssertionError(f"highstate on {minion}: {states}")
            by_id[minion] = {key.split("_|-")[1]: value for key, value in states.items()}
        return by_id

    def write_pillar(self, text, name="gluster"):
        pillar = self.master.root / "srv/pillar"
        (pillar / "top.sls").write_text(f"base:\n  '*':\n    - {name}\n")
        (pillar / f"{name}.sls").write_text(text)

    def write_states_top(self, text="base:\n  '*':\n    - gluster\n"):
        (self.master.root / "srv/states/top.sls").write_text(text)


KEY_SLS_DIR = "lab-repo"  # where ready_for_the_formula puts the signing key in the master's file_roots


def formula_pillar(lab, volume="gv0", version="10.3-5", volume_spec=None, signed=True, **gluster):
    """The ``gluster`` pillar (JSON, which YAML reads) of a lab: packages from the lab's
    repository at ``version`` (``signed``: checked against its signing key, given as
    ``key_url: salt://...`` the way a site hands out a vendor's key; else ``trusted``), every
    node's loop device an XFS brick filesystem at
    ``/srv/gluster``, one replica-3 ``volume`` (brick ``/srv/gluster/VOLUME/brick``, more of its
    definition in ``volume_spec``) mounted at ``/mnt/VOLUME`` on every client; ``gluster`` adds
    top-level keys."""
    spec = {
        "type": "replicate",
        "replica": 3,
        "brick_path": f"/srv/gluster/{volume}/brick",
        **(volume_spec or {}),
    }
    data = {
        "repo": {
            "url": f"file:{REPO_MOUNT}",
            "suite": "./",
            **({"key_url": f"salt://{KEY_SLS_DIR}/{SIGNING_KEY}"} if signed else {"trusted": True}),
        },  # fmt: skip
        "version": version,
        "nodes": {node.name: node.fqdn for node in lab.nodes},
        "brick_devices": {
            node.name: {"/srv/gluster": {"device": node.disk_device, "filesystem": "xfs"}}
            for node in lab.nodes
        },  # fmt: skip
        "volumes": {volume: spec},
        "clients": {
            client.name: {"mounts": {f"/mnt/{volume}": {"volume": volume, "persist": True}}}
            for client in lab.clients
        },
        **gluster,
    }
    return json.dumps({"gluster": data}, indent=1) + "\n"


def failed_states(run):
    """``{"minion/state id": comment}`` of every state of a highstate (``Lab.highstate``) that failed."""
    return {
        f"{m}/{i}": s["comment"][:500]
        for m, states in run.items()
        for i, s in states.items()
        if s["result"] is False
    }


def changed_states(run):
    """``{minion: [state ids that changed something]}`` of a highstate (``Lab.highstate``)."""
    return {m: sorted(i for i, s in states.items() if s["changes"]) for m, states in run.items()}


def _proc_comm(pid):
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError:
        return None


def _is_nspawn(pid):
    return _proc_comm(pid) == "systemd-nspawn"


def _is_container_init(pid):
    return _proc_comm(pid) == "systemd"


def _mounts_under(directory):
    prefix = str(directory).rstrip("/") + "/"
    found = []
    with open("/proc/self/mountinfo", encoding="utf-8") as handle:
        for line in handle:
            mountpoint = line.split()[4].encode().decode("unicode_escape")
            if mountpoint.startswith(prefix):
                found.append(mountpoint)
    return found


def main(argv):
    if not argv or argv[0] not in ("build", "up", "down"):
        print("usage: real_hosts.py build | up NAME | down NAME", file=sys.stderr)
        return 2
    if argv[0] == "build":
        print(base())
        return 0
    lab = Lab(argv[1] if len(argv) > 1 else "manual")
    if argv[0] == "up":
        lab.up()
        lab.wait_minions()
        for host in lab.hosts.values():
            print(f"{host.name} {host.address} pid {host.pid}: nsenter -t {host.pid} -a")
        return 0
    lab.down()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
