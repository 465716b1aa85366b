"""``wipe: true`` never destroys GlusterFS brick data, on real loop devices.

Each disk holds what a reinstalled node's brick disk holds once its fstab is gone: a filesystem
of the wanted type, unmounted and in no fstab, with a brick directory carrying gluster's
``trusted.glusterfs.volume-id`` (set with setfattr) and a ``.glusterfs`` tree, and files whose
SHA-256 is kept. ``backend_present`` with ``wipe: true`` refuses it in ``test=True`` and for real,
with the same comment; only ``wipe_brick_data`` naming that filesystem's UUID formats it, once;
the same override on another disk holding brick data is refused, naming both UUIDs. After every
refusal the filesystem has its UUID, its volume mark and every file; the read-only look leaves
no mount behind.
"""

import copy
import os
import subprocess
import tempfile

import pytest
from cluster import shared_directory
from dataset import lost_or_changed
from dataset import write_files
from formula_root import formula_root
from loopdev import LoopDevices
from loopdev import mounts_of
from saltfactories.utils.functional import Loaders

pytestmark = pytest.mark.cluster

VOLUME_IDS = {
    "first": "5e1c0a4b-9d3f-4c2a-8b7e-6f1a2b3c4d5e",
    "second": "0f9e8d7c-6b5a-4938-a7b6-c5d4e3f2a1b0",
}


def _run(*argv):
    """``argv``, failing with what it said and the kernel's last lines (a refused mount says
    why only there)."""
    done = subprocess.run(list(argv), check=False, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        kernel = subprocess.run(
            ["dmesg"], check=False, capture_output=True, text=True, timeout=30
        ).stdout.splitlines()[-8:]
        raise AssertionError(f"{argv} exited {done.returncode}: {done.stdout}{done.stderr}; dmesg: {kernel}")
    return done


def _blkid(device, key):
    return subprocess.run(
        ["blkid", "--probe", "--match-tag", key, "--output", "value", device],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()


def _look_mounts():
    """Mounts the execution module's read-only look made and left (none, ever)."""
    with open("/proc/self/mountinfo", encoding="utf-8") as handle:
        return [line for line in handle if "gluster-storage-look-" in line]


@pytest.fixture
def disks(tmp_path):
    devices = LoopDevices(tempfile.mkdtemp(prefix="wipe-loops-", dir="/var/tmp"))
    yield devices
    devices.detach_all()
    subprocess.run(["rm", "-rf", "--one-file-system", devices.directory], check=False)


@pytest.fixture
def area(tmp_path):
    """The test's directory, a shared mount (``shared_directory``): its filesystems mounted and
    unmounted again are then unmounted in every mount namespace that copied them meanwhile."""
    with shared_directory(tmp_path):
        fstab = tmp_path / "fstab"
        fstab.write_text("# the node's fstab after a reinstall: no brick entry\n")
        yield {"base": tmp_path, "fstab": str(fstab)}


def _brick_disk(disks, area, name, filesystem, brick="brick"):
    """A loop device with ``filesystem`` holding a brick at ``/<brick>`` (volume mark, .glusterfs,
    files), unmounted: ``{"device", "uuid", "manifest", "brick"}``."""
    device = disks.attach(name)
    _run(*(["mkfs.xfs", "-q"] if filesystem == "xfs" else ["mkfs.ext4", "-q", "-F"]), device)
    look = area["base"] / f"fill-{name}"
    look.mkdir()
    _run("mount", device, str(look))
    try:
        brick_dir = look / brick
        (brick_dir / ".glusterfs" / "indices").mkdir(parents=True)
        _run("setfattr", "-n", "trusted.glusterfs.volume-id", "-v", "0x" + VOLUME_IDS[name].replace("-", ""),
             str(brick_dir))  # fmt: skip
        manifest = write_files(str(brick_dir), count=12, prefix=name)
    finally:
        _run("umount", str(look))
    return {"device": device, "uuid": _blkid(device, "UUID"), "manifest": manifest, "brick": brick}


def _intact(disk, area, filesystem):
    """Same filesystem (type, UUID), its volume mark and every file, read through a read-only mount."""
    assert (_blkid(disk["device"], "TYPE"), _blkid(disk["device"], "UUID")) == (filesystem, disk["uuid"])
    check = area["base"] / "check"
    check.mkdir(exist_ok=True)
    _run("mount", "-o", "ro", disk["device"], str(check))
    try:
        brick_dir = check / disk["brick"]
        assert os.path.isdir(brick_dir / ".glusterfs")
        assert "trusted.glusterfs.volume-id" in os.listxattr(brick_dir)
        assert lost_or_changed(str(brick_dir), disk["manifest"]) == []
    finally:
        _run("umount", str(check))
    assert mounts_of(disk["device"]) == [] and _look_mounts() == []


def _refused_alike(storage, name, device, **kwargs):
    """The comment of a refusal, the same in test=True and for real, with no change."""
    comments = []
    for test in (True, False):
        refused = storage.backend_present(name=name, device=device, test=test, **kwargs)
        assert refused.result is False and refused.changes == {}, (test, refused.comment)
        comments.append(refused.comment)
    assert comments[0] == comments[1], "test=True shows exactly the refusal of the real run"
    return comments[0]


def test_wipe_refuses_a_filesystem_holding_brick_data(loaders, minion_opts, disks, area):
    storage = loaders.states.gluster_storage
    disk = _brick_disk(disks, area, "first", "xfs")
    mount = str(area["base"] / "gv0")
    key = f"gluster:brick_devices:{minion_opts['id']}:{mount}:wipe_brick_data"
    comments = {}
    for spec in ({"filesystem": "xfs"}, {"filesystem": "ext4"}, {"partition": "gpt"}):
        comment = comments[str(spec)] = _refused_alike(
            storage, mount, disk["device"], fstab=area["fstab"], wipe=True, **spec
        )
        for phrase in (
            f"{disk['device']} holds the xfs filesystem UUID={disk['uuid']} with GlusterFS brick data",
            f"trusted.glusterfs.volume-id {VOLUME_IDS['first']} and .glusterfs at /brick",
            "wipe: true never formats or wipes brick data",
            f"set {key}: {disk['uuid']}",
        ):
            assert phrase in comment, (spec, phrase, comment)
        if spec == {"filesystem": "xfs"}:  # the wanted type: how to keep it is said too
            assert f"record it in {area['fstab']} (UUID={disk['uuid']} {mount} xfs ...)" in comment, comment
        _intact(disk, area, "xfs")
    assert not os.path.exists(mount), "nothing was made"
    # the execution module's plan says the same, without a state
    plan = loaders.modules.gluster_storage.backend_plan(mount, disk["device"], fstab=area["fstab"], wipe=True)
    assert plan["operations"] == [] and "; ".join(plan["problems"]) == comments[str({"filesystem": "xfs"})]
    _intact(disk, area, "xfs")


def test_the_uuid_bound_override_formats_once(loaders, minion_opts, disks, area):
    storage = loaders.states.gluster_storage
    disk = _brick_disk(disks, area, "first", "xfs")
    mount = str(area["base"] / "gv0")
    spec = {"fstab": area["fstab"], "wipe": True, "wipe_brick_data": disk["uuid"].upper()}  # any case

    predicted = storage.backend_present(name=mount, device=disk["device"], test=True, **spec)
    assert predicted.result is None, predicted.comment
    assert [op["op"] for op in predicted.changes["operations"]] == ["mkfs", "directory", "mount", "fstab"]
    assert predicted.changes["operations"][0]["argv"][-2:] == ["-f", disk["device"]]
    _intact(disk, area, "xfs")  # test=True changed nothing

    formatted = storage.backend_present(name=mount, device=disk["device"], **spec)
    assert formatted.result is True, formatted.comment
    new_uuid = _blkid(disk["device"], "UUID")
    assert new_uuid and new_uuid != disk["uuid"] and _blkid(disk["device"], "TYPE") == "xfs"
    assert os.listdir(mount) == [], "the brick data is gone: what the override asked for"
    again = storage.backend_present(name=mount, device=disk["device"], **spec)
    assert again.result is True and again.changes == {}, again.comment

    # it becomes a brick, and its fstab is lost once more: the override left in the pillar names
    # the old UUID and can never fire again
    os.makedirs(os.path.join(mount, "brick", ".glusterfs"))
    manifest = write_files(os.path.join(mount, "brick"), count=6, prefix="later")
    _run("umount", mount)
    with open(area["fstab"], "w", encoding="utf-8") as handle:
        handle.write("# lost again\n")
    comment = _refused_alike(storage, mount, disk["device"], **spec)
    assert (
        f"names the filesystem UUID {disk['uuid']}, but the plan would destroy xfs UUID {new_uuid}" in comment
    )
    assert f"{disk['device']} holds the xfs filesystem UUID={new_uuid} with GlusterFS brick data" in comment
    assert ".glusterfs at /brick" in comment
    later = {"device": disk["device"], "uuid": new_uuid, "manifest": manifest, "brick": "brick"}
    check = area["base"] / "check"
    check.mkdir(exist_ok=True)
    _run("mount", "-o", "ro", disk["device"], str(check))
    try:
        assert lost_or_changed(str(check / "brick"), later["manifest"]) == []
    finally:
        _run("umount", str(check))
    assert _blkid(disk["device"], "UUID") == new_uuid and _look_mounts() == []


def test_the_override_on_another_disk_holding_brick_data_is_refused(loaders, minion_opts, disks, area):
    storage = loaders.states.gluster_storage
    first = _brick_disk(disks, area, "first", "xfs")
    # the device name the pillar gives now points to another disk: ext4, its brick deeper down
    second = _brick_disk(disks, area, "second", "ext4", brick="bricks/gv1/brick")
    mount = str(area["base"] / "gv0")
    for filesystem in ("ext4", "xfs"):
        comment = _refused_alike(
            storage, mount, second["device"], fstab=area["fstab"], filesystem=filesystem, wipe=True,
            wipe_brick_data=first["uuid"],
        )  # fmt: skip
        assert (
            f"names the filesystem UUID {first['uuid']}, but the plan would destroy "
            f"ext4 UUID {second['uuid']}" in comment
        ), comment
        assert (
            f"trusted.glusterfs.volume-id {VOLUME_IDS['second']} and .glusterfs at /bricks/gv1/brick"
            in comment
        )
        _intact(second, area, "ext4")
    _intact(first, area, "xfs")


@pytest.fixture
def formula(minion_opts, tmp_path):
    """Salt's loaders with the formula on their file_roots, for ``state.sls gluster.bricks``."""
    opts = copy.deepcopy(minion_opts)
    opts["file_roots"] = {"base": [formula_root(str(tmp_path / "formula"))]}
    loaders = Loaders(opts, loaded_base_name=f"{__name__}.formula")
    yield loaders
    loaders.reset_state()


def _bricks(formula, pillar, test=False):
    result = formula.modules.state.sls("gluster.bricks", pillar=pillar, test=test).raw
    assert isinstance(result, dict), result  # a list holds render errors
    (state,) = [r for key, r in result.items() if key.startswith("gluster_storage_|-gluster-brick-device-")]
    return state


def test_the_formula_refuses_and_names_the_pillar_key(formula, minion_opts, gluster_cluster, disks, area):
    """The pillar -> gluster.bricks: the refusal names the real pillar key; the override given
    there formats the disk once."""
    disk = _brick_disk(disks, area, "first", "xfs")
    mount = str(area["base"] / "gv0")
    backend = {"device": disk["device"], "fstab": area["fstab"], "wipe": True}
    pillar = {
        "gluster": {
            "nodes": {minion_opts["id"]: gluster_cluster[0].address},
            "server": {"manage_packages": False, "manage_service": False},
            "brick_devices": {minion_opts["id"]: {mount: backend}},
        }
    }
    key = f"gluster:brick_devices:{minion_opts['id']}:{mount}:wipe_brick_data"
    comments = []
    for test in (True, False):
        refused = _bricks(formula, pillar, test=test)
        assert refused["result"] is False and refused["changes"] == {}, refused["comment"]
        assert f"set {key}: {disk['uuid']}" in refused["comment"], refused["comment"]
        comments.append(refused["comment"])
    assert comments[0] == comments[1]
    _intact(disk, area, "xfs")

    backend["wipe_brick_data"] = disk["uuid"]
    formatted = _bricks(formula, pillar)
    assert formatted["result"] is True, formatted["comment"]
    assert [op["op"] for op in formatted["changes"]["operations"]] == ["mkfs", "directory", "mount", "fstab"]
    assert _blkid(disk["device"], "UUID") not in ("", disk["uuid"])
    again = _bricks(formula, pillar)
    assert again["result"] is True and again["changes"] == {}, again["comment"]
    _run("umount", mount)
