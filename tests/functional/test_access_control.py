"""Access control for real: ``gluster:volumes:<name>:auth`` -> ``auth.allow`` / ``auth.reject``
through the model and the ``volume_options`` state, checked against a FUSE client.

What a client on this machine looks like to the bricks (seen here with ``ss -tnp`` and the
bricks' own logs): ``mount -t glusterfs 127.1.1.1:/vol`` connects to glusterd and to every brick
from **127.0.0.1** (the kernel's source address for loopback), and because 127.0.0.1 is one of
the server's own addresses, glusterd hands it the *trusted* volfile, which logs in to the bricks
with the volume's internal username and password. Such a client passes whatever ``auth.allow``
says (``test_a_mount_on_a_node_passes_any_allow_list``), as glusterd's own self-heal daemons do.

A client on another host gets the plain volfile (no credentials), and ``auth.allow`` /
``auth.reject`` decide. That client is made here from the same volfile glusterd serves to
remote hosts (``vols/<vol>/<vol>.tcp-fuse.vol`` of node 1), mounted with ``mount -t glusterfs
<volfile> <dir>`` and bound to its own address (``transport.socket.source-addr``, CLIENT below),
so that the bricks see it connect from an address no gluster process uses.
"""

import errno
import os
import subprocess
import tempfile
import time

import pytest
from dataset import lost_or_changed
from dataset import write_files

pytestmark = pytest.mark.cluster

VOLUME = "acl"
CLIENT = "127.1.1.200"  # the external client's address (no node, no gluster daemon uses it)
OTHER = "127.1.1.201"  # an address nobody connects from


@pytest.fixture
def gluster(fresh_gluster):
    return fresh_gluster


@pytest.fixture(scope="module")
def volume(gluster_cluster):
    """A started replica-3 volume, its brick logs, and a directory for mounts and logs."""
    area = tempfile.mkdtemp(prefix="acl-", dir=gluster_cluster.base_dir)
    bricks = [node.new_brick(VOLUME) for node in gluster_cluster.nodes]
    gluster_cluster[0].cli("volume", "create", VOLUME, "replica", "3", *bricks, "force")
    gluster_cluster[0].cli("volume", "start", VOLUME)
    made = []
    try:
        yield {"bricks": bricks, "area": area, "mounts": made}
    finally:
        for mountpoint in made:
            _unmount(mountpoint)
            gluster_cluster.unmount(mountpoint)  # and off the harness's list
        gluster_cluster[0].cli("volume", "stop", VOLUME, "force", check=False)
        gluster_cluster[0].cli("volume", "delete", VOLUME, check=False)


def _unmount(mountpoint):
    """Unmount by path, whatever state the client is in."""
    if _mounted(mountpoint):
        if subprocess.run(["umount", mountpoint], check=False, capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", mountpoint], check=False, capture_output=True)


def _mounted(mountpoint):
    """In this namespace's mount table (``os.path.ismount`` says no for a client that lost its bricks)."""
    with open("/proc/self/mountinfo", encoding="utf-8") as handle:
        return any(line.split()[4] == mountpoint for line in handle)


class BrickLogs:
    """What the volume's brick processes logged from now on."""

    def __init__(self, bricks):
        self.paths = [
            os.path.join(
                "/var/log/glusterfs/bricks", brick.rpartition(":")[2].strip("/").replace("/", "-") + ".log"
            )
            for brick in bricks
        ]
        self.offsets = {path: os.path.getsize(path) for path in self.paths}

    def _new_text(self, path):
        with open(path, encoding="utf-8", errors="replace") as handle:
            handle.seek(self.offsets[path])
            return handle.read()

    def new_lines(self):
        return [line for path in self.paths for line in self._new_text(path).splitlines()]

    def wait_for(self, text, timeout=20):
        """Until every brick logged ``text``. ``volume set`` returns before the bricks have
        fetched their new volfile (some 10-20 ms later here); a brick applies new auth lists by
        checking every connected client against them (its self-heal daemon clients at least),
        which it logs: ``allowed = "ADDRESS", received addr = "127.0.0.1"``."""
        deadline = time.monotonic() + timeout
        while not all(text in self._new_text(path) for path in self.paths):
            assert time.monotonic() < deadline, f"the bricks did not log {text!r} within {timeout}s"
            time.sleep(0.05)


def _model_options(gluster_cluster, bricks, auth):
    """The volume options the formula's ``volume_options`` state gets for this pillar."""
    from saltext_gluster_utils import gluster_pillar  # noqa: PLC0415 - registered by the loader

    pillar = {
        "nodes": {f"gfs{node.index}": node.address for node in gluster_cluster.nodes},
        "volumes": {
            VOLUME: {"type": "replicate", "replica": 3, "bricks": bricks, "force": True, "auth": auth}
        },
    }
    model, problems = gluster_pillar.build_model(pillar, "gfs1")
    assert problems == []
    return model["volumes"][VOLUME]["options"]


def _apply(states, bricks, options, expected, applied_when):
    """test=True predicts ``expected`` (option -> new value), the real run makes it, a second
    run changes nothing; returns once every brick logged ``applied_when``."""
    logs = BrickLogs(bricks)
    predicted = states.volume_options(name=VOLUME, options=options, test=True)
    assert predicted.result is None, predicted.comment
    assert {key: change["new"] for key, change in predicted.changes.items()} == expected
    applied = states.volume_options(name=VOLUME, options=options)
    assert applied.result is True, applied.comment
    assert applied.changes == predicted.changes
    again = states.volume_options(name=VOLUME, options=options)
    assert again.result is True and again.changes == {}, again.changes
    logs.wait_for(applied_when)


def _external_volfile(gluster_cluster, area):
    """The volfile glusterd serves to clients on other hosts, bound to CLIENT."""
    source = os.path.join(gluster_cluster[0].workdir, "vols", VOLUME, f"{VOLUME}.tcp-fuse.vol")
    with open(source, encoding="utf-8") as handle:
        text = handle.read()
    assert "option password" not in text, "the plain volfile carries no credentials"
    marker = "    type protocol/client\n"
    assert text.count(marker) == 3
    text = text.replace(marker, f"{marker}    option transport.socket.source-addr {CLIENT}\n")
    path = os.path.join(area, "external.vol")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def _mount_external(volfile, volume, name):
    """``mount -t glusterfs <volfile> <dir>``; returns (CompletedProcess, mountpoint, client log)."""
    mountpoint = os.path.join(volume["area"], name)
    log = os.path.join(volume["area"], f"{name}.log")
    os.makedirs(mountpoint, exist_ok=True)
    proc = subprocess.run(
        ["mount", "-t", "glusterfs", "-o", f"log-file={log}", volfile, mountpoint],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    volume["mounts"].append(mountpoint)  # unmounted afterwards if still mounted
    return proc, mountpoint, log


def _read(path):
    with open(path, encoding="utf-8", errors="replace") as handle:
        return handle.read()


def _refused(proc, mountpoint, log):
    """gluster's refusal as a client sees it. The bricks answer the client's SETVOLUME (its
    login) with "Authentication failed" (EACCES); the client logs it, shuts down and unmounts
    itself, before or just after ``mount`` returns. ``mount -t glusterfs`` then exits 1 ("Mount
    failed. Check the log file ... for more details.") or, about as often, 0: mount.glusterfs
    only checks that ``stat`` of the mount point succeeds, which it does on the bare directory
    once the client is gone. Nothing stays mounted either way."""
    assert proc.returncode in (0, 1), (proc.returncode, proc.stdout, proc.stderr)
    if proc.returncode == 1:
        assert f"Mount failed. Check the log file {log} for more details." in proc.stderr
    deadline = time.monotonic() + 15
    while _mounted(mountpoint):
        assert time.monotonic() < deadline, "the refused client did not unmount itself"
        time.sleep(0.05)
    assert os.stat(mountpoint).st_dev == os.stat(os.path.dirname(mountpoint)).st_dev, "a bare directory"
    text = _read(log)
    assert (
        "SETVOLUME on remote-host failed "
        "[{remote-error=Authentication failed}, {errno=13}, {error=Permission denied}]" in text
    )
    assert "Server authentication failed. Shutting down." in text


def _internal_clients_work(gluster, gluster_cluster):
    """glusterd's own clients are not shut out: the self-heal daemon runs on every node and
    every brick answers glfsheal (which logs in like it)."""
    daemons = [d for d in gluster.volume_status(VOLUME)["daemons"] if "Self-heal" in d["name"]]
    assert len(daemons) == 3 and all(d["online"] for d in daemons), daemons
    heal = gluster.heal_info(VOLUME)
    assert [b["connected"] for b in heal] == [True, True, True] and all(b["entries"] == 0 for b in heal), heal


def test_allow_then_reject_an_external_client(states, gluster, gluster_cluster, volume):
    bricks = volume["bricks"]
    volfile = _external_volfile(gluster_cluster, volume["area"])

    # allow names only an address the client does not connect from: refused
    only_other = _model_options(gluster_cluster, bricks, {"allow": [OTHER]})
    assert only_other == {"auth.allow": OTHER}
    _apply(states, bricks, only_other, {"auth.allow": OTHER}, f'allowed = "{OTHER}"')
    logs = BrickLogs(bricks)
    proc, mountpoint, log = _mount_external(volfile, volume, "refused")
    _refused(proc, mountpoint, log)
    seen = logs.new_lines()
    assert sum(f'allowed = "{OTHER}", received addr = "{CLIENT}"' in line for line in seen) >= 1, seen
    assert any("Cannot authenticate client" in line and "Permission denied" in line for line in seen)

    # the client's address added through the pillar: it mounts, writes and reads back
    with_client = _model_options(gluster_cluster, bricks, {"allow": [OTHER, CLIENT]})
    _apply(states, bricks, with_client, {"auth.allow": f"{OTHER},{CLIENT}"}, f'allowed = "{CLIENT}"')
    assert gluster.volume_info(VOLUME)["options"]["auth.allow"] == f"{OTHER},{CLIENT}"
    logs = BrickLogs(bricks)
    proc, mountpoint, log = _mount_external(volfile, volume, "allowed")
    assert proc.returncode == 0, proc.stderr
    manifest = write_files(mountpoint, count=12, prefix="acl")
    assert lost_or_changed(mountpoint, manifest) == []
    accepted = [line for line in logs.new_lines() if f'received addr = "{CLIENT}"' in line]
    assert len(accepted) >= 3, "every brick saw the client connect from its own address"

    # reject names the client: the mounted client is cut off at once (ENOTCONN), then gives up
    # and unmounts itself at its next login; a new mount is refused
    rejected = _model_options(gluster_cluster, bricks, {"allow": [OTHER, CLIENT], "reject": [CLIENT]})
    logs = BrickLogs(bricks)
    _apply(states, bricks, rejected, {"auth.reject": CLIENT}, f'rejected = "{CLIENT}"')
    errors, deadline = [], time.monotonic() + 30
    probe = os.path.join(mountpoint, next(iter(manifest)))
    while _mounted(mountpoint) and time.monotonic() < deadline:
        try:
            os.stat(probe)
            errors.append(0)
        except OSError as exc:
            errors.append(exc.errno)
        time.sleep(0.1)
    assert not _mounted(mountpoint), "the cut-off client unmounted itself"
    assert errno.ENOTCONN in errors and set(errors) <= {0, errno.ENOTCONN}, errors
    assert "Server authentication failed. Shutting down." in _read(log)
    cut = [
        line for line in logs.new_lines() if "unauthorized client, hence terminating the connection" in line
    ]
    assert len(cut) == 3 and all(f"peerinfo-identifier={CLIENT}:" in line for line in cut), cut
    proc, again, log = _mount_external(volfile, volume, "rejected")
    _refused(proc, again, log)

    # reject wins over allow, and only the client was shut out
    _internal_clients_work(gluster, gluster_cluster)
    trusted = gluster_cluster.mount(VOLUME, os.path.join(volume["area"], "node-mount"))
    volume["mounts"].append(trusted)
    assert lost_or_changed(trusted, manifest) == [], "the data is intact, read from a node's mount"


def test_a_mount_on_a_node_passes_any_allow_list(states, gluster, gluster_cluster, volume):
    """A mount on a gluster node connects from 127.0.0.1, gets the trusted volfile and logs in
    with the volume's credentials: ``auth.allow`` does not stop it (only ``auth.reject`` would,
    which is why the pillar refuses reject entries matching a node)."""
    options = _model_options(gluster_cluster, volume["bricks"], {"allow": [OTHER]})
    logs = BrickLogs(volume["bricks"])
    assert states.volume_options(name=VOLUME, options=options).result is True
    gluster.volume_reset(VOLUME, "auth.reject")
    logs.wait_for(f'allowed = "{OTHER}"')
    assert gluster.volume_info(VOLUME)["options"].get("auth.allow") == OTHER
    logs = BrickLogs(volume["bricks"])
    mountpoint = gluster_cluster.mount(VOLUME, os.path.join(volume["area"], "trusted"))
    volume["mounts"].append(mountpoint)
    manifest = write_files(mountpoint, count=5, prefix="trusted")
    assert lost_or_changed(mountpoint, manifest) == []
    seen = logs.new_lines()
    assert any(f'allowed = "{OTHER}", received addr = "127.0.0.1"' in line for line in seen), seen
    assert any("auth/login: allowed user names" in line for line in seen)
    _internal_clients_work(gluster, gluster_cluster)


def test_a_volume_without_allow_is_open_and_says_so(states, gluster, gluster_cluster, volume):
    """Open by default, but not silently: while the volume has no auth.allow, every
    volume_options result (test=True, a change, no change) warns, naming the pillar key; an
    external client indeed mounts it. With an allow list the warning is gone."""
    for option in ("auth.allow", "auth.reject"):  # the volume is the module's: earlier tests set them
        gluster_cluster[0].cli("volume", "reset", VOLUME, option)
    warning = f"volume {VOLUME} has no auth.allow: any client that reaches its bricks' ports may mount it"
    pillar_key = f"gluster:volumes:{VOLUME}:auth:allow"
    options = {"performance.quick-read": "off"}
    for result in (
        states.volume_options(name=VOLUME, options=options, test=True),
        states.volume_options(name=VOLUME, options=options),
        states.volume_options(name=VOLUME, options=options),
    ):
        assert result.result is not False, result.comment
        assert warning in result.comment and pillar_key in result.comment, result.comment
        assert any(warning in w for w in result.full_return.get("warnings", [])), result.full_return
    assert "auth.allow" not in gluster.volume_info(VOLUME)["options"]
    proc, mountpoint, _log = _mount_external(
        _external_volfile(gluster_cluster, volume["area"]), volume, "open"
    )
    assert proc.returncode == 0 and _mounted(mountpoint), proc.stderr
    assert lost_or_changed(mountpoint, write_files(mountpoint, count=3, prefix="open")) == []

    closed = dict(options, **_model_options(gluster_cluster, volume["bricks"], {"allow": [OTHER]}))
    for result in (
        states.volume_options(name=VOLUME, options=closed, test=True),
        states.volume_options(name=VOLUME, options=closed),
    ):
        assert result.result is not False and "auth.allow" in result.changes, result.comment
        assert "warning" not in result.comment and not result.full_return.get("warnings"), result.full_return
