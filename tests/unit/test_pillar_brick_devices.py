"""``gluster:brick_devices`` in ``_utils/gluster_pillar.py``: validation, the normalised backends of
the model and, per minion, the mount point that holds each of its bricks."""

import copy

import pytest
import saltext_gluster_utils.gluster_pillar as gp

ADDRESSES = {"gfs1": "192.0.2.1", "gfs2": "192.0.2.2", "gfs3": "192.0.2.3"}
GV0_MOUNT = "/data/glusterfs/gv0"
GV1_MOUNT = "/data/glusterfs/gv1"

BRICK_DEVICES = {
    "gfs1": {
        GV0_MOUNT: {"device": "/dev/sdb"},
        GV1_MOUNT: {
            "device": "/dev/nvme0n1",
            "partition": "gpt",
            "filesystem": "ext4",
            "lvm": {"vg": "vg_bricks", "lv": "gv1", "thin_pool": "pool", "size": "1T"},
            "raid": {"stripe_unit": "256k", "data_disks": 10},
            "mkfs_options": ["-L", "gv1"],
            "mount_options": ["noatime", "nodiratime"],
            "fstab": "/etc/fstab.gluster",
            "wipe": True,
            "wipe_brick_data": "5E1C0A4B-9D3F-4C2A-8B7E-6F1A2B3C4D5E",
            "selinux": False,
        },
    },
    "gfs2": {GV0_MOUNT: {"device": "/dev/sdb", "lvm": {"vg": "vg0", "lv": "gv0"}}},
}

PILLAR = {
    "nodes": ADDRESSES,
    "volumes": {
        "gv0": {"type": "replicate", "replica": 3, "brick_path": f"{GV0_MOUNT}/brick"},
        "gv1": {"type": "distribute", "bricks": [f"gfs1:{GV1_MOUNT}/brick", "gfs2:/srv/gv1/brick"]},
        "gone": {"ensure": "absent"},
    },
    "brick_devices": BRICK_DEVICES,
}

# what a spec of only ``device`` becomes: XFS with its mount options, /etc/fstab, no wipe, SELinux labels
DEFAULT_BACKEND = dict(partition=None, lvm=None, filesystem="xfs", raid=None, mkfs_options=[])
DEFAULT_BACKEND.update(
    mount_options=["noatime", "inode64"], fstab="/etc/fstab", wipe=False, selinux=True, wipe_brick_data=None
)
GFS1_BACKENDS = {
    GV0_MOUNT: dict(DEFAULT_BACKEND, mount=GV0_MOUNT, device="/dev/sdb"),
    GV1_MOUNT: {
        "mount": GV1_MOUNT,
        "device": "/dev/nvme0n1",
        "partition": "gpt",
        "lvm": {"vg": "vg_bricks", "lv": "gv1", "thin_pool": "pool", "size": "1T", "pool_size": "100%FREE"},
        "filesystem": "ext4",
        "raid": {"stripe_unit": "256k", "data_disks": 10},
        "mkfs_options": ["-L", "gv1"],
        "mount_options": ["noatime", "nodiratime"],
        "fstab": "/etc/fstab.gluster",
        "wipe": True,
        "wipe_brick_data": "5e1c0a4b-9d3f-4c2a-8b7e-6f1a2b3c4d5e",  # blkid prints it in lower case
        "selinux": False,
    },
}
GFS2_BACKENDS = {
    GV0_MOUNT: dict(
        DEFAULT_BACKEND,
        mount=GV0_MOUNT,
        device="/dev/sdb",
        lvm={"vg": "vg0", "lv": "gv0", "size": "100%FREE"},
    ),
}


def brick_pillar(brick_devices=None, volumes=None):
    """The pillar above, with brick_devices and/or volumes replaced."""
    pillar = copy.deepcopy(PILLAR)
    if brick_devices is not None:
        pillar["brick_devices"] = brick_devices
    if volumes is not None:
        pillar["volumes"] = volumes
    return pillar


def model_for(minion_id, pillar=None):
    model, problems = gp.build_model(pillar or brick_pillar(), minion_id)
    assert problems == []
    return model


# --------------------------------------------------------------------------- the valid case


def test_valid_pillar_builds_normalised_backends():
    model = model_for("gfs1")
    assert model["brick_devices"] == {"gfs1": GFS1_BACKENDS, "gfs2": GFS2_BACKENDS}


def test_build_model_leaves_brick_devices_pillar_alone():
    pillar = brick_pillar()
    gp.build_model(pillar, "gfs2")
    assert pillar == PILLAR


@pytest.mark.parametrize(
    "minion_id, backends, brick_mounts",
    [
        (
            "gfs1",
            GFS1_BACKENDS,
            {f"192.0.2.1:{GV0_MOUNT}/brick": GV0_MOUNT, f"192.0.2.1:{GV1_MOUNT}/brick": GV1_MOUNT},
        ),
        # gfs2's brick of gv1 (/srv/gv1/brick) is on no brick device: not listed
        ("gfs2", GFS2_BACKENDS, {f"192.0.2.2:{GV0_MOUNT}/brick": GV0_MOUNT}),
        ("gfs3", {}, {}),  # a node without brick devices
        ("client7", {}, {}),  # not a node
        (None, {}, {}),
    ],
)
def test_minion_backends_and_brick_mounts(minion_id, backends, brick_mounts):
    model = model_for(minion_id)
    assert model["minion"]["backends"] == backends
    assert model["minion"]["brick_mounts"] == brick_mounts
    assert set(model["brick_devices"]) == {"gfs1", "gfs2"}  # every node's backends, whoever asks


def test_gfs2_still_has_its_unbacked_brick():
    model = model_for("gfs2")
    assert model["minion"]["brick_dirs"] == ["/data/glusterfs/gv0/brick", "/srv/gv1/brick"]
    assert "192.0.2.2:/srv/gv1/brick" not in model["minion"]["brick_mounts"]


@pytest.mark.parametrize("raw", [None, {}])
def test_no_brick_devices(raw):
    pillar = brick_pillar()
    if raw is None:
        del pillar["brick_devices"]
    else:
        pillar["brick_devices"] = raw
    model = model_for("gfs1", pillar)
    assert model["brick_devices"] == {}
    assert model["minion"]["backends"] == {}
    assert model["minion"]["brick_mounts"] == {}


def test_node_with_empty_mapping_has_no_backends():
    model = model_for("gfs3", brick_pillar(dict(BRICK_DEVICES, gfs3={})))
    assert model["brick_devices"]["gfs3"] == {}
    assert model["minion"]["backends"] == {}


def test_same_device_on_two_nodes_is_fine():
    """/dev/sdb on gfs1 and on gfs2 are different disks."""
    model = model_for("gfs2")
    assert model["brick_devices"]["gfs1"][GV0_MOUNT]["device"] == "/dev/sdb"
    assert model["brick_devices"]["gfs2"][GV0_MOUNT]["device"] == "/dev/sdb"


def test_brick_mounts_take_the_longest_mount_and_respect_path_boundaries():
    """/data/a is no mount of /data/ab/brick; with nested backends (a problem) the deepest one holds it."""
    volumes = {"gv0": {"bricks": ["gfs1:/data/ab/brick", "gfs1:/data/a/x/brick", "gfs2:/data/a/brick"]}}
    devices = {"gfs1": {"/data/a": {"device": "/dev/sdb"}, "/data/ab": {"device": "/dev/sdc"}}}
    model = model_for("gfs1", brick_pillar(devices, volumes))
    assert model["minion"]["brick_mounts"] == {
        "192.0.2.1:/data/a/x/brick": "/data/a",
        "192.0.2.1:/data/ab/brick": "/data/ab",
    }
    nested = {"gfs1": {"/data/a": {"device": "/dev/sdb"}, "/data/a/x": {"device": "/dev/sdc"}}}
    model, problems = gp.build_model(brick_pillar(nested, volumes), "gfs1")
    assert problems == [
        "gluster:brick_devices:gfs1:/data/a/x: lies inside the mount point /data/a; "
        "brick filesystems must not nest"
    ]
    assert model["minion"]["brick_mounts"]["192.0.2.1:/data/a/x/brick"] == "/data/a/x"


@pytest.mark.parametrize(
    "path, mounts, holder",
    [
        ("/data/a/brick", ["/data/a"], "/data/a"),
        ("/data/a/x/brick", ["/data/a", "/data/a/x"], "/data/a/x"),
        ("/data/a/x/brick", ["/data/a/x", "/data/a"], "/data/a/x"),
        ("/data/ab/brick", ["/data/a"], None),
        ("/data/a", ["/data/a"], None),  # the mount point itself is not below it
        ("/srv/brick", ["/data/a"], None),
        ("/data/a/brick", [], None),
    ],
)
def test_mount_holding(path, mounts, holder):
    assert gp._mount_holding(path, mounts) == holder  # pylint: disable=protected-access


# --------------------------------------------------------------------------- problems


def one_node(mounts):
    return {"gfs1": mounts}


BAD = [
    pytest.param(
        "not a mapping",
        "gluster:brick_devices",
        "must be a mapping of node (minion id) -> mount point -> device spec",
        id="not-mapping",
    ),
    pytest.param(["gfs1"], "gluster:brick_devices", "must be a mapping of node", id="list"),
    pytest.param(
        {"gfs9": {"/data/b": {"device": "/dev/sdb"}}},
        "gluster:brick_devices:gfs9",
        "'gfs9' is not a node in gluster:nodes",
        id="unknown-node",
    ),
    pytest.param(
        {"192.0.2.1": {"/data/b": {"device": "/dev/sdb"}}},
        "gluster:brick_devices:192.0.2.1",
        "'192.0.2.1' is not a node in gluster:nodes",
        id="address-instead-of-minion-id",
    ),
    pytest.param(
        {"gfs1": ["/dev/sdb"]},
        "gluster:brick_devices:gfs1",
        "must be a mapping of mount point -> {device: /dev/..., ...}",
        id="node-not-mapping",
    ),
    pytest.param(
        {"gfs1": None}, "gluster:brick_devices:gfs1", "must be a mapping of mount point", id="node-none"
    ),
    pytest.param(
        one_node({"/data/b": "/dev/sdb"}),
        "gluster:brick_devices:gfs1:/data/b",
        "must be a mapping with at least device: /dev/...",
        id="spec-not-mapping",
    ),
    pytest.param(
        one_node({"data/b": {"device": "/dev/sdb"}}),
        "gluster:brick_devices:gfs1:data/b",
        "mount point 'data/b' must be an absolute path",
        id="relative-mount-point",
    ),
    pytest.param(
        one_node({"/data/b": {"device": "sdb"}}),
        "gluster:brick_devices:gfs1:/data/b:device",
        "device 'sdb' must be a device path under /dev",
        id="bad-device",
    ),
    pytest.param(
        one_node({"/data/b": {"device": "/dev/sdb", "lvm": {"vg": "vg/0", "lv": "b"}}}),
        "gluster:brick_devices:gfs1:/data/b:lvm:vg",
        "'vg/0' is not a valid LVM name",
        id="bad-vg",
    ),
    pytest.param(
        one_node({"/data/b": {"device": "/dev/sdb", "filesystem": "zfs"}}),
        "gluster:brick_devices:gfs1:/data/b:filesystem",
        "'zfs' is not supported",
        id="bad-filesystem",
    ),
    pytest.param(
        one_node({"/data/a": {"device": "/dev/sdb"}, "/data/b": {"device": "/dev/sdb", "partition": "gpt"}}),
        "gluster:brick_devices:gfs1:/data/b:device",
        "/dev/sdb is already used for /data/a",
        id="same-device-twice",
    ),
    pytest.param(
        one_node({"/data/a": {"device": "/dev/sdb"}, "/data/a/inner": {"device": "/dev/sdc"}}),
        "gluster:brick_devices:gfs1:/data/a/inner",
        "lies inside the mount point /data/a; brick filesystems must not nest",
        id="nested",
    ),
    pytest.param(
        one_node({f"{GV0_MOUNT}/brick": {"device": "/dev/sdb"}}),
        "gluster:volumes:gv0",
        f"brick 192.0.2.1:{GV0_MOUNT}/brick is the mount point of a brick device; use a sub-directory "
        f"(e.g. {GV0_MOUNT}/brick/brick) so an unmounted disk never fills the filesystem below",
        id="brick-is-mount-point",
    ),
    pytest.param(
        {"gfs2": {"/srv/gv1/brick": {"device": "/dev/sdc"}}},
        "gluster:volumes:gv1",
        "brick 192.0.2.2:/srv/gv1/brick is the mount point of a brick device",
        id="explicit-brick-is-mount-point",
    ),
]


@pytest.mark.parametrize("brick_devices, path, message", BAD)
def test_bad_brick_devices(brick_devices, path, message):
    _model, problems = gp.build_model(brick_pillar(brick_devices), "gfs1")
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}: "), problems
    assert message in problems[0]


def test_bad_backend_is_left_out_and_the_good_one_kept():
    devices = one_node({"/data/a": {"device": "/dev/sdb"}, "/data/b": {"device": "/dev/sd b"}})
    model, problems = gp.build_model(brick_pillar(devices), "gfs1")
    assert len(problems) == 1
    assert problems[0].startswith("gluster:brick_devices:gfs1:/data/b:device: ")
    assert list(model["brick_devices"]["gfs1"]) == ["/data/a"]


def test_brick_at_mount_point_of_another_node_is_fine():
    """gfs2's device at gfs1's brick directory: the brick on gfs1 is not on it."""
    devices = {"gfs2": {f"{GV1_MOUNT}/brick": {"device": "/dev/sdc"}}}
    model = model_for("gfs1", brick_pillar(devices))
    assert model["minion"]["brick_mounts"] == {}
    assert list(model["brick_devices"]["gfs2"]) == [f"{GV1_MOUNT}/brick"]


def test_every_brick_devices_problem_at_once():
    devices = {
        "gfs1": {
            "/data/a": {"device": "/dev/sdb"},
            "/data/a/inner": {"device": "/dev/sdb"},
            "/data/c": {"wipe": "y"},
        },
        "gfs4": {},
    }
    _model, problems = gp.build_model(brick_pillar(devices), "gfs1")
    assert sorted(p.split(": ")[0] for p in problems) == [
        "gluster:brick_devices:gfs1:/data/a/inner:device",
        "gluster:brick_devices:gfs1:/data/c:device",
        "gluster:brick_devices:gfs1:/data/c:wipe",
        "gluster:brick_devices:gfs4",
    ]


def test_brick_devices_is_a_known_top_level_key():
    _model, problems = gp.build_model(brick_pillar(), "gfs1")
    assert problems == []
    assert "brick_devices" in gp.TOP_KEYS
