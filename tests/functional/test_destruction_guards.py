"""Destruction guards, with data: nothing destructive happens without its explicit pillar flag,
and the data is still there after each refusal.

One started 2 x 3 volume (``guarded``; its second set has a brick on a fourth node that is in the
pool but not in the pillar) holds a dataset written through a FUSE mount. Each guard is tried in
``test=True`` and for real without its flag: shrinking (``allow_shrink``), detaching a peer that
hosts bricks (``detach_others`` / ``gluster:detach_removed_nodes``), deleting a volume (the
formula deletes only ``ensure: absent`` volumes: one merely missing from the pillar is left
alone, shown on the rendered ``gluster.volumes`` and by applying it through ``state.sls``), and
formatting a device that holds data (``wipe``; and a volume's brick filesystem out of fstab, which
not even ``wipe`` formats). After every refusal the volume's bricks, the pool
and the device are unchanged and every file of the dataset reads back with its SHA-256.
"""

import copy
import hashlib
import os
import subprocess
import tempfile

import pytest
from cluster import GlusterNode
from dataset import files_on_brick
from dataset import lost_or_changed
from dataset import write_files
from formula_root import formula_root
from loopdev import LoopDevices
from salt.exceptions import CommandExecutionError
from saltfactories.utils.functional import Loaders

pytestmark = pytest.mark.cluster

VOLUME = "guarded"


@pytest.fixture
def gluster(fresh_gluster):
    return fresh_gluster


@pytest.fixture(scope="module")
def outsider(gluster_cluster):
    """A fourth glusterd (127.1.1.5) in the pool but never in any pillar; stopped afterwards."""
    node = GlusterNode(tempfile.mkdtemp(prefix="outsider-", dir=gluster_cluster.base_dir), 5)
    node.start()
    try:
        gluster_cluster.join(node)
        yield node
    finally:
        gluster_cluster[0].cli("volume", "stop", VOLUME, "force", check=False)
        gluster_cluster[0].cli("volume", "delete", VOLUME, check=False)
        gluster_cluster[0].cli("peer", "detach", node.address, "force", check=False)
        node.stop()


@pytest.fixture(scope="module")
def guarded(gluster_cluster, outsider):
    """The 2 x 3 volume, mounted, with its dataset: {"bricks", "mount", "manifest", "area"}."""
    n1, n2, n3 = gluster_cluster.nodes
    bricks = [n1.new_brick("guard1"), n2.new_brick("guard1"), n3.new_brick("guard1"),
              n1.new_brick("guard2"), n2.new_brick("guard2"), outsider.new_brick("guard2")]  # fmt: skip
    n1.cli("volume", "create", VOLUME, "replica", "3", *bricks, "force")
    n1.cli("volume", "start", VOLUME)
    area = tempfile.mkdtemp(prefix="guards-", dir=gluster_cluster.base_dir)
    mountpoint = gluster_cluster.mount(VOLUME, os.path.join(area, "client"))
    try:
        manifest = write_files(mountpoint, count=60, prefix="guard")
        assert files_on_brick(bricks[5].rpartition(":")[2]), "the outsider's brick holds some of the data"
        yield {"bricks": bricks, "mount": mountpoint, "manifest": manifest, "area": area}
    finally:
        gluster_cluster.unmount(mountpoint)


def _intact(gluster, guarded):
    """The volume has the bricks it was made with, no task, and every file reads back."""
    info = gluster.volume_info(VOLUME)
    assert [b["name"] for b in info["bricks"]] == guarded["bricks"]
    assert (info["replica_count"], info["started"]) == (3, True)
    assert gluster.volume_tasks(VOLUME) == []
    assert lost_or_changed(guarded["mount"], guarded["manifest"]) == []


def test_shrinking_is_refused_without_allow_shrink(states, gluster, guarded):
    bricks = guarded["bricks"]
    attempts = [
        # one set fewer: remove-brick of the second set (its data migrated first)
        ({"bricks": bricks[:3], "replica": 3}, [f"volume {VOLUME}", "allow_shrink: true", bricks[3]]),
        # a lower replica: one brick of each set removed, no migration
        ({"bricks": [bricks[0], bricks[1], bricks[3], bricks[4]], "replica": 2},
         [f"volume {VOLUME}", "replica count is 3, the pillar says 2", "allow_shrink: true"]),
    ]  # fmt: skip
    for kwargs, phrases in attempts:
        for test in (True, False):
            refused = states.volume_present(name=VOLUME, force=True, test=test, **kwargs)
            assert refused.result is False, (kwargs, test, refused.comment)
            assert refused.changes == {}
            for phrase in phrases:
                assert phrase in refused.comment, (phrase, refused.comment)
            _intact(gluster, guarded)


def test_a_peer_with_bricks_is_not_detached(states, gluster, gluster_cluster, outsider, guarded):
    members = [node.address for node in gluster_cluster.nodes]
    for test in (True, False):
        # without the flag: reported, left alone
        kept = states.pool_members(name="pool", members=members, test=test)
        assert kept.result is True and kept.changes == {}, kept.comment
        assert f"{outsider.address}; left alone" in kept.comment
        assert "gluster:detach_removed_nodes: true" in kept.comment
        # with the flag: refused while it hosts bricks, naming the volume
        refused = states.pool_members(name="pool", members=members, detach_others=True, test=test)
        assert refused.result is False and refused.changes == {}, refused.comment
        assert f"refusing to detach: {outsider.address} still hosts bricks of {VOLUME}" in refused.comment
    for force in (False, True):
        with pytest.raises(
            CommandExecutionError, match=f"hosts bricks of volume\\(s\\) {VOLUME}; move or remove"
        ):
            gluster.peer_detach(outsider.address, force=force)
    assert gluster.peer_find(outsider.address)["uuid"] == outsider.uuid
    assert len(gluster.pool_list()) == 4
    _intact(gluster, guarded)


@pytest.fixture(scope="module")
def formula(minion_opts, gluster_cluster, guarded):
    """Salt's loaders with the formula on their file_roots: ``state.sls`` / ``state.show_sls``
    with a pillar given per call, run as the leader (node 1)."""
    opts = copy.deepcopy(minion_opts)
    opts["file_roots"] = {"base": [formula_root(os.path.join(guarded["area"], "formula"))]}
    loaders = Loaders(opts, loaded_base_name=f"{__name__}.formula")
    yield loaders
    loaders.reset_state()


def _pillar(minion_opts, gluster_cluster, area):
    """Nodes 1-3 (this minion is node 1, the leader); ``fresh`` to create, ``old`` to delete;
    ``guarded`` (and the outsider) not in it."""
    nodes = {minion_opts["id"]: gluster_cluster[0].address}
    nodes.update({f"gfs{node.index}": node.address for node in gluster_cluster.nodes[1:]})
    return {
        "gluster": {
            "nodes": nodes,
            "peer_timeout": 30,
            "server": {"manage_packages": False, "manage_service": False},
            "volumes": {
                "fresh": {
                    "type": "replicate",
                    "replica": 3,
                    "brick_path": f"{area}/bricks/{{node}}/fresh",
                    "force": True,
                },
                "old": {"ensure": "absent"},
            },
        }
    }


def _by_id(result):
    assert isinstance(result, dict), result  # a list holds render errors
    return {key.split("_|-")[1]: value for key, value in result.items()}


def test_a_volume_missing_from_the_pillar_is_left_alone(
    formula, minion_opts, gluster, gluster_cluster, guarded
):
    area = guarded["area"]
    gluster_cluster[0].cli("volume", "create", "old", gluster_cluster[0].new_brick("guard-old"), "force")
    pillar = _pillar(minion_opts, gluster_cluster, area)
    for other in ("gfs2", "gfs3"):  # what gluster.bricks on those nodes makes
        os.makedirs(f"{area}/bricks/{other}/fresh")
    try:
        # the model: guarded is not in it; only ensure: absent renders a volume_absent state
        rendered = formula.modules.state.show_sls("gluster.volumes", pillar=pillar)
        assert isinstance(rendered, dict), rendered  # a list holds render errors
        absent = {sid: data for sid, data in rendered.items() if "volume_absent" in str(data)}
        assert list(absent) == ["gluster-volume-old-absent"], absent
        assert not [sid for sid in rendered if VOLUME in sid], "nothing renders for the unlisted volume"
        assert VOLUME not in str(rendered)

        # test=True, then the real run: old deleted, fresh created, guarded (and the outsider) kept
        predicted = _by_id(formula.modules.state.sls("gluster.volumes", pillar=pillar, test=True).raw)
        assert predicted["gluster-volume-old-absent"]["result"] is None
        assert predicted["gluster-volume-old-absent"]["changes"] == {"deleted": "old"}
        applied = _by_id(formula.modules.state.sls("gluster.volumes", pillar=pillar).raw)
        failed = {sid: r["comment"] for sid, r in applied.items() if r["result"] is not True}
        assert not failed, failed
        assert applied["gluster-volume-old-absent"]["changes"] == {"deleted": "old"}
        assert applied["gluster-volume-fresh"]["changes"]["created"]
        assert "left alone" in applied["gluster-pool-members"]["comment"]
        assert sorted(gluster.volume_list()) == ["fresh", VOLUME]
        _intact(gluster, guarded)

        again = _by_id(formula.modules.state.sls("gluster.volumes", pillar=pillar).raw)
        assert {sid: r["changes"] for sid, r in again.items() if r["changes"]} == {}
        _intact(gluster, guarded)
    finally:
        for name in ("fresh", "old"):
            gluster_cluster[0].cli("volume", "stop", name, "force", check=False)
            gluster_cluster[0].cli("volume", "delete", name, check=False)


def _sha256(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def _blkid(device, key):
    return subprocess.run(
        ["blkid", "--probe", "--match-tag", key, "--output", "value", device],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()


@pytest.fixture
def loops(gluster_cluster):
    devices = LoopDevices(tempfile.mkdtemp(prefix="guard-loops-", dir="/var/tmp"))
    yield devices
    gluster_cluster[0].cli("volume", "stop", "onloop", "force", check=False)
    gluster_cluster[0].cli("volume", "delete", "onloop", check=False)
    devices.detach_all()
    subprocess.run(["rm", "-rf", "--one-file-system", devices.directory], check=False)


def test_formatting_a_device_with_data_is_refused_without_wipe(loaders, gluster, gluster_cluster, loops):
    storage = loaders.states.gluster_storage
    area = tempfile.mkdtemp(prefix="guard-disk-", dir=gluster_cluster.base_dir)
    fstab = os.path.join(area, "fstab")
    with open(fstab, "w", encoding="utf-8") as handle:
        handle.write("# test fstab\n")

    # a disk that holds someone else's ext4 with a file
    foreign = loops.attach("foreign")
    subprocess.run(["mkfs.ext4", "-q", "-L", "precious", foreign], check=True)
    look = os.path.join(area, "look")
    os.makedirs(look)
    subprocess.run(["mount", foreign, look], check=True)
    with open(os.path.join(look, "keep.bin"), "wb") as handle:
        handle.write(os.urandom(300_000))
    digest = _sha256(os.path.join(look, "keep.bin"))
    subprocess.run(["umount", look], check=True)
    elsewhere = os.path.join(area, "foreign")
    for test in (True, False):
        for spec in ({"filesystem": "xfs"}, {"filesystem": "ext4"}, {"partition": "gpt"}):
            refused = storage.backend_present(name=elsewhere, device=foreign, fstab=fstab, test=test, **spec)
            assert refused.result is False and refused.changes == {}, (spec, refused.comment)
            assert foreign in refused.comment and "ext4" in refused.comment, refused.comment
            assert "set wipe: true for this device" in refused.comment, refused.comment
    assert not os.path.exists(elsewhere)
    subprocess.run(["mount", "-o", "ro", foreign, look], check=True)
    try:
        assert _sha256(os.path.join(look, "keep.bin")) == digest
    finally:
        subprocess.run(["umount", look], check=True)
    assert _blkid(foreign, "LABEL") == "precious"

    # a brick filesystem of a volume, with data written through a FUSE mount
    device = loops.attach("brick")
    mount = os.path.join(area, "disk")
    made = storage.backend_present(name=mount, device=device, filesystem="xfs", fstab=fstab)
    assert made.result is True, made.comment
    uuid = _blkid(device, "UUID")
    brick = f"{gluster_cluster[0].address}:{mount}/brick"
    assert loaders.states.gluster_storage.brick_directory(name=f"{mount}/brick", mount=mount).result is True
    gluster.volume_create("onloop", [brick], start=True)
    client = gluster_cluster.mount("onloop", os.path.join(area, "client"))
    try:
        manifest = write_files(client, count=30, prefix="disk")
        # mounted and in use: never touched, even with wipe
        for test in (True, False):
            for spec in (
                {"filesystem": "ext4"},
                {"filesystem": "ext4", "wipe": True},
                {"partition": "gpt", "wipe": True},
            ):
                refused = storage.backend_present(name=mount, device=device, fstab=fstab, test=test, **spec)
                assert refused.result is False and refused.changes == {}, (spec, refused.comment)
                assert device in refused.comment and "mounted" in refused.comment, refused.comment
        assert lost_or_changed(client, manifest) == []
    finally:
        gluster_cluster.unmount(client)
    # the disk not mounted (a reboot without fstab): a changed spec is refused without wipe
    assert gluster.volume_stop("onloop")
    subprocess.run(["umount", mount], check=True)
    for test in (True, False):
        for spec, phrase in (
            (
                {"filesystem": "ext4"},
                f"{device} holds xfs that was not made for {mount}; refusing to format it",
            ),
            ({"filesystem": "xfs", "partition": "gpt"}, f"{device} carries xfs; refusing to partition it"),
        ):
            refused = storage.backend_present(name=mount, device=device, fstab=fstab, test=test, **spec)
            assert refused.result is False and refused.changes == {}, (spec, refused.comment)
            assert phrase in refused.comment and "set wipe: true for this device" in refused.comment, (
                refused.comment
            )
    assert (_blkid(device, "TYPE"), _blkid(device, "UUID")) == ("xfs", uuid)
    # the node reinstalled, its fstab lost: even wipe: true leaves the brick gluster made alone
    lost = os.path.join(area, "fstab.reinstalled")
    with open(lost, "w", encoding="utf-8") as handle:
        handle.write("# a fresh install's fstab\n")
    volume_id = gluster.volume_info("onloop")["id"]
    for test in (True, False):
        for spec in ({"filesystem": "xfs"}, {"filesystem": "ext4"}, {"partition": "gpt"}):
            refused = storage.backend_present(
                name=mount, device=device, fstab=lost, wipe=True, test=test, **spec
            )
            assert refused.result is False and refused.changes == {}, (spec, refused.comment)
            assert f"trusted.glusterfs.volume-id {volume_id} and .glusterfs at /brick" in refused.comment
            assert "wipe: true never formats or wipes brick data" in refused.comment, refused.comment
    assert (_blkid(device, "TYPE"), _blkid(device, "UUID")) == ("xfs", uuid)

    # the pillar as it was: mounted again (nothing else), and every file is there
    remounted = storage.backend_present(name=mount, device=device, filesystem="xfs", fstab=fstab)
    assert remounted.result is True, remounted.comment
    assert [op["op"] for op in remounted.changes["operations"]] == ["mount"]
    assert gluster.volume_start("onloop")
    client = gluster_cluster.mount("onloop", os.path.join(area, "client2"))
    try:
        assert lost_or_changed(client, manifest) == []
    finally:
        gluster_cluster.unmount(client)
