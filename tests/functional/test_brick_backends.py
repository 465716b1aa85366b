"""Brick backends for real: loop devices partitioned, formatted, mounted by UUID, put in fstab
and used as the bricks of a replica-3 volume that a FUSE client writes to; a device holding
someone else's filesystem is refused and keeps its file; the LVM thin-pool path (which cannot
run here: no device-mapper) is checked by its exact test=True plan on a real blank device."""

import os
import subprocess
import tempfile

import pytest
from dataset import files_on_brick
from dataset import lost_or_changed
from dataset import write_files
from loopdev import LoopDevices

pytestmark = pytest.mark.cluster

VOLUME = "backed"
PLACEHOLDER = "UUID=<uuid of the new filesystem>"


@pytest.fixture(scope="module")
def loops(gluster_cluster):
    devices = LoopDevices(tempfile.mkdtemp(prefix="loops-", dir="/var/tmp"))
    yield devices
    gluster_cluster[0].cli("volume", "stop", VOLUME, "force", check=False)
    gluster_cluster[0].cli("volume", "delete", VOLUME, check=False)
    devices.detach_all()
    subprocess.run(["rm", "-rf", "--one-file-system", devices.directory], check=False)


@pytest.fixture(scope="module")
def area(gluster_cluster):
    """Mount points live below the cluster directory, which the harness shares into every
    glusterd's mount namespace; one fstab file for the test. Client mounts made here are
    unmounted afterwards whatever the outcome."""
    base = tempfile.mkdtemp(prefix="backends-", dir=gluster_cluster.base_dir)
    fstab = os.path.join(base, "fstab")
    with open(fstab, "w", encoding="utf-8") as handle:
        handle.write("# test fstab\n")
    yield {"base": base, "fstab": fstab}
    for name in ("client", "client2"):
        gluster_cluster.unmount(os.path.join(base, name))


def _blkid(device, key):
    return subprocess.run(
        ["blkid", "--probe", "--match-tag", key, "--output", "value", device],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()


def _ops(changes):
    return [op["op"] for op in changes.get("operations", [])]


def _with_uuid(value, uuid):
    """A test=True plan with the new filesystem's UUID filled in, as the real run reports it."""
    if isinstance(value, list):
        return [_with_uuid(item, uuid) for item in value]
    if isinstance(value, dict):
        return {key: _with_uuid(item, uuid) for key, item in value.items()}
    return value.replace("<uuid of the new filesystem>", uuid) if isinstance(value, str) else value


def test_loop_devices_become_the_bricks_of_a_replica_3_volume(states, loaders, gluster_cluster, loops, area):
    storage = loaders.states.gluster_storage
    facts = loaders.modules.gluster_storage
    nodes = gluster_cluster.nodes
    # node 1: GPT + XFS, node 2: XFS on the whole device, node 3: GPT + ext4
    specs = [
        {"partition": "gpt", "filesystem": "xfs"},
        {"filesystem": "xfs"},
        {"partition": "gpt", "filesystem": "ext4"},
    ]
    backends = []
    for index, spec in enumerate(specs, start=1):
        device = loops.attach(f"node{index}")
        mount = os.path.join(area["base"], f"node{index}")
        backends.append({"mount": mount, "device": device, "fstab": area["fstab"], **spec})

    for backend in backends:
        kwargs = dict(backend)
        mount, device = kwargs.pop("mount"), kwargs.pop("device")
        predicted = storage.backend_present(name=mount, device=device, test=True, **kwargs)
        assert predicted.result is None, predicted.comment
        assert not os.path.exists(mount), "test=True made nothing"
        applied = storage.backend_present(name=mount, device=device, **kwargs)
        assert applied.result is True, applied.comment
        target = f"{device}p1" if backend.get("partition") else device
        uuid = _blkid(target, "UUID")
        assert uuid and _blkid(target, "TYPE") == backend["filesystem"]
        assert applied.changes["operations"] == _with_uuid(predicted.changes["operations"], uuid)
        expected = (["partition"] if backend.get("partition") else []) + [
            "mkfs",
            "directory",
            "mount",
            "fstab",
        ]
        assert _ops(applied.changes) == expected
        mkfs = next(op["argv"] for op in applied.changes["operations"] if op["op"] == "mkfs")
        if backend["filesystem"] == "xfs":
            assert mkfs == ["mkfs.xfs", "-q", "-i", "size=512", "-n", "size=8192", target]
        else:
            assert mkfs == ["mkfs.ext4", "-q", target]
        assert os.path.ismount(mount)
        backend["uuid"], backend["target"] = uuid, target

    with open(area["fstab"], encoding="utf-8") as handle:
        lines = [line.split() for line in handle if line.strip() and not line.startswith("#")]
    assert sorted(lines) == sorted(
        [
            [
                f"UUID={b['uuid']}",
                b["mount"],
                b["filesystem"],
                "noatime,inode64" if b["filesystem"] == "xfs" else "noatime",
                "0",
                "0" if b["filesystem"] == "xfs" else "2",
            ]
            for b in backends
        ]
    )

    bricks, brick_mounts = [], {}
    for node, backend in zip(nodes, backends, strict=True):
        brick_dir = os.path.join(backend["mount"], "brick")
        made = storage.brick_directory(name=brick_dir, mount=backend["mount"])
        assert made.result is True and made.changes == {"created": brick_dir}, made.comment
        bricks.append(f"{node.address}:{brick_dir}")
        brick_mounts[f"{node.address}:{brick_dir}"] = backend["mount"]
    mine = {bricks[0]: brick_mounts[bricks[0]]}  # node 1's brick: the module talks to node 1

    # on real filesystems of their own: no force needed (gluster refuses root-filesystem bricks)
    created = states.volume_present(name=VOLUME, bricks=bricks, replica=3, brick_mounts=mine)
    assert created.result is True, created.comment
    started = states.volume_started(name=VOLUME, brick_mounts=mine)
    assert started.result is True, started.comment

    client = gluster_cluster.mount(VOLUME, os.path.join(area["base"], "client"))
    manifest = write_files(client, count=40, prefix="backed")
    assert lost_or_changed(client, manifest) == []
    for backend in backends:
        on_brick = files_on_brick(os.path.join(backend["mount"], "brick"))
        assert sorted(on_brick) == sorted(manifest), f"replica 3: every file on {backend['target']}"

    # without paths: this node's (node 1's) bricks of every volume; with paths: those
    first_brick = os.path.join(backends[0]["mount"], "brick")
    own = facts.brick_facts()
    assert list(own) == [first_brick] and own[first_brick]["volume"] == VOLUME
    reported = facts.brick_facts([os.path.join(b["mount"], "brick") for b in backends])
    assert "volume" not in reported[first_brick]
    assert reported[first_brick]["device"] == own[first_brick]["device"] == backends[0]["target"]
    for backend in backends:
        fact = reported[os.path.join(backend["mount"], "brick")]
        assert fact["exists"] is True
        assert fact["device"] == backend["target"] and fact["filesystem"] == backend["filesystem"]
        assert fact["mountpoint"] == backend["mount"]
        assert "noatime" in fact["mount_options"]
        assert ("inode64" in fact["mount_options"]) == (backend["filesystem"] == "xfs")
        assert 400 * 2**20 < fact["size_bytes"] <= 512 * 2**20
        assert 0 < fact["used_bytes"] < fact["size_bytes"] and 0 < fact["free_bytes"] < fact["size_bytes"]

    # a second run changes nothing, and test=True predicts nothing
    for backend in backends:
        kwargs = dict(backend)
        mount, device = kwargs.pop("mount"), kwargs.pop("device")
        for key in ("uuid", "target"):
            kwargs.pop(key)
        for test in (True, False):
            again = storage.backend_present(name=mount, device=device, test=test, **kwargs)
            assert again.result is True and again.changes == {}, again.comment
    assert states.volume_present(name=VOLUME, bricks=bricks, replica=3, brick_mounts=mine).changes == {}

    # node 1's disk goes missing: the volume is not started on it, and no brick grows on the
    # filesystem below the mount point
    gluster_cluster.unmount(client)
    assert states.volume_stopped(name=VOLUME).result is True
    first = backends[0]
    subprocess.run(["umount", first["mount"]], check=True)
    refused = states.volume_started(name=VOLUME, brick_mounts=mine)
    assert refused.result is False and refused.changes == {}
    assert f"brick {bricks[0]} needs its filesystem {first['mount']} mounted" in refused.comment
    assert gluster_cluster[0].cli("volume", "info", VOLUME).stdout.count("Status: Stopped") == 1
    kept_out = storage.brick_directory(name=os.path.join(first["mount"], "brick"), mount=first["mount"])
    assert kept_out.result is False and "is not mounted" in kept_out.comment
    assert os.listdir(first["mount"]) == [], "nothing was made on the root filesystem"

    # the next run mounts it again from what it recorded (UUID, fstab): one step only
    remounted = storage.backend_present(
        name=first["mount"], device=first["device"], partition="gpt", filesystem="xfs", fstab=area["fstab"]
    )
    assert remounted.result is True, remounted.comment
    assert remounted.changes["operations"] == [
        {
            "op": "mount",
            "argv": ["mount", "-t", "xfs", "-o", "noatime,inode64", f"UUID={first['uuid']}", first["mount"]],
        }
    ]
    assert states.volume_started(name=VOLUME, brick_mounts=mine).result is True
    client = gluster_cluster.mount(VOLUME, os.path.join(area["base"], "client2"))
    assert lost_or_changed(client, manifest) == []
    gluster_cluster.unmount(client)


def test_a_device_holding_a_filesystem_is_refused_without_wipe(loaders, loops, area, tmp_path):
    storage = loaders.states.gluster_storage
    device = loops.attach("foreign")
    subprocess.run(["mkfs.ext4", "-q", "-L", "precious", device], check=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    subprocess.run(["mount", device, str(elsewhere)], check=True)
    (elsewhere / "keep.txt").write_text("do not lose me\n")
    subprocess.run(["umount", str(elsewhere)], check=True)
    mount = os.path.join(area["base"], "foreign")

    for test in (True, False):
        for spec in ({"filesystem": "xfs"}, {"partition": "gpt"}, {"filesystem": "ext4"}):
            refused = storage.backend_present(
                name=mount, device=device, fstab=area["fstab"], test=test, **spec
            )
            assert refused.result is False and refused.changes == {}, (spec, refused.comment)
            assert "ext4" in refused.comment and "wipe: true" in refused.comment, refused.comment
    assert not os.path.exists(mount)
    assert _blkid(device, "LABEL") == "precious"

    # mounted anywhere else: refused even with wipe
    subprocess.run(["mount", device, str(elsewhere)], check=True)
    try:
        busy = storage.backend_present(name=mount, device=device, fstab=area["fstab"], wipe=True)
        assert busy.result is False and f"{device} is mounted at {elsewhere}" in busy.comment, busy.comment
        assert (elsewhere / "keep.txt").read_text() == "do not lose me\n", "the file is still there"
    finally:
        subprocess.run(["umount", str(elsewhere)], check=True)

    # wipe: true is the explicit way to re-use the device
    wiped = storage.backend_present(name=mount, device=device, fstab=area["fstab"], wipe=True)
    assert wiped.result is True, wiped.comment
    assert _ops(wiped.changes) == ["mkfs", "directory", "mount", "fstab"]
    assert wiped.changes["operations"][0]["argv"][-2:] == ["-f", device]
    assert _blkid(device, "TYPE") == "xfs" and os.listdir(mount) == []
    subprocess.run(["umount", mount], check=True)


def test_lvm_thin_pool_plan_is_exact(loaders, loops, area):
    """device-mapper is missing here, so the LVM path is shown, not run: the exact plan on a real
    blank loop device, from the state's test=True and from the execution module."""
    storage = loaders.states.gluster_storage
    device = loops.attach("lvm")
    mount = os.path.join(area["base"], "thin")
    lvm = {"vg": "vg_bricks", "lv": "brick1", "size": "1T", "thin_pool": "pool1", "pool_metadata_size": "16G"}
    raid = {"stripe_unit": "128k", "data_disks": 10}
    predicted = storage.backend_present(
        name=mount, device=device, partition="gpt", lvm=lvm, raid=raid, fstab=area["fstab"], test=True
    )
    assert predicted.result is None, predicted.comment
    part = f"{device}p1"
    assert predicted.changes["operations"] == [
        {"op": "partition", "argv": ["parted", "--script", "--align", "optimal", device, "mklabel", "gpt",
                                     "mkpart", "gluster-brick", "0%", "100%"]},
        {"op": "pvcreate", "argv": ["pvcreate", "--dataalignment", "1280K", part]},
        {"op": "vgcreate", "argv": ["vgcreate", "vg_bricks", part]},
        {"op": "thin-pool", "argv": ["lvcreate", "--type", "thin-pool", "-l", "100%FREE",
                                     "--chunksize", "1280K", "--poolmetadatasize", "16G", "--zero", "n",
                                     "--name", "pool1", "vg_bricks"]},
        {"op": "lvcreate", "argv": ["lvcreate", "--type", "thin", "--virtualsize", "1T",
                                    "--thinpool", "pool1", "--name", "brick1", "vg_bricks"]},
        {"op": "mkfs", "argv": ["mkfs.xfs", "-q", "-i", "size=512", "-n", "size=8192", "-d", "su=128k,sw=10",
                                "/dev/vg_bricks/brick1"]},
        {"op": "directory", "path": mount},
        {"op": "mount", "argv": ["mount", "-t", "xfs", "-o", "noatime,inode64", PLACEHOLDER, mount]},
        {"op": "fstab", "file": area["fstab"],
         "entry": {"spec": PLACEHOLDER, "file": mount, "vfstype": "xfs", "options": ["noatime", "inode64"],
                   "dump": "0", "pass": "0"}},
    ]  # fmt: skip
    plan = loaders.modules.gluster_storage.backend_plan(
        mount, device, partition="gpt", lvm=lvm, raid=raid, fstab=area["fstab"]
    )
    assert plan["operations"] == predicted.changes["operations"] and plan["problems"] == []
    assert plan["filesystem_device"] == "/dev/vg_bricks/brick1"
    assert _blkid(device, "PTTYPE") == "" and not os.path.exists(mount), "test=True changed nothing"


def test_stale_volume_marks_are_cleared_only_on_directories_without_files(
    loaders, gluster, gluster_cluster, area
):
    """``volume create`` marks the bricks that pass staging and leaves the mark when another
    node fails staging; such a mark (a volume that does not exist, no file below) is cleared."""
    storage = loaders.modules.gluster_storage
    existing = gluster.volume_create("marked", [gluster_cluster[0].new_brick("marked")], force=True)
    try:
        paths = {}
        for name, volume_id, with_file in (
            ("stale", os.urandom(16), False),
            ("data", os.urandom(16), True),
            ("live", bytes.fromhex(existing["id"].replace("-", "")), False),
        ):
            path = os.path.join(area["base"], f"mark-{name}")
            os.makedirs(os.path.join(path, ".glusterfs", "indices"))
            os.setxattr(path, "trusted.glusterfs.volume-id", volume_id)
            if with_file:
                with open(os.path.join(path, "file.txt"), "w", encoding="utf-8") as handle:
                    handle.write("data\n")
            paths[name] = path
        everything = list(paths.values())
        assert storage.stale_brick_marks(everything, min_age=3600) == {}, (
            "a fresh mark may be a create in flight"
        )
        stale = storage.stale_brick_marks(everything, min_age=0)
        assert list(stale) == [paths["stale"]]
        kept = loaders.states.gluster_storage.brick_directory(name=paths["stale"])
        assert kept.result is True and kept.changes == {}, (
            "the state waits a minute before calling a mark stale"
        )
        assert storage.clear_stale_brick_marks(everything, min_age=0) == stale
        assert "trusted.glusterfs.volume-id" not in os.listxattr(paths["stale"])
        for name in ("data", "live"):
            assert "trusted.glusterfs.volume-id" in os.listxattr(paths[name]), name
    finally:
        gluster.volume_delete("marked")
