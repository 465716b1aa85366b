"""Brick backends of ``_utils/gluster_storage.py``: validation, argv builders, parsers and the planner.

The planner is pure: each test builds what the execution module would have observed and checks the
exact operations (argv lists and file steps) or the refusal. Where it fits, the observation is built
from real ``blkid``, ``wipefs`` and ``/proc/self/mountinfo`` output captured from a loop device
(see ``tests/data/storage/CAPTURE.txt``).
"""

import json
from pathlib import Path

import pytest
import saltext_gluster_utils.gluster_storage as gs

STORAGE_DATA = Path(__file__).resolve().parent.parent / "data" / "storage"
WHERE = "gluster:brick_devices:gfs1:/data/b"
MOUNT = "/data/b"
NEW = gs.UUID_PLACEHOLDER
XFS = ["mkfs.xfs", "-q", "-i", "size=512", "-n", "size=8192"]
EXT4 = ["mkfs.ext4", "-q"]
XFS_OPTIONS = ["noatime", "inode64"]
LV = "/dev/vg_bricks/brick1"
THICK = {"vg": "vg_bricks", "lv": "brick1"}
THIN = {"vg": "vg_bricks", "lv": "brick1", "thin_pool": "pool1", "size": "1T"}
NO_LVM = {"pvs": {}, "vgs": [], "lvs": {}}  # lvm2 installed, nothing defined


def captured(name):
    """One captured file of tests/data/storage."""
    return (STORAGE_DATA / name).read_text(encoding="utf-8")


def wipefs_types(name):
    """The signature types of a captured ``wipefs --no-act --json``, as the execution module keeps them."""
    return [signature["type"] for signature in json.loads(captured(name))["signatures"]]


REAL = gs.parse_blkid_export(captured("gpt_devices.txt"))  # KEY=value, like blkid's export format
DISK, PART = REAL["disk"], REAL["partition"]
PART2 = DISK + "p2"
REAL_MOUNTS = gs.parse_mountinfo(captured("gpt_xfs_partition_mountinfo.txt"))
REAL_MOUNT = REAL_MOUNTS[0]["mountpoint"]
REAL_UUID = gs.parse_blkid_export(captured("gpt_xfs_partition_blkid.txt"))["UUID"]


def block(major_minor, signatures=(), blkid=None, partitions=()):
    return {
        "exists": True,
        "major_minor": major_minor,
        "signatures": list(signatures),
        "blkid": dict(blkid or {}),
        "partitions": list(partitions),
    }


def real_block(major_minor, capture, partitions=(), wipefs=None):
    """A block device from a capture's ``<capture>_blkid.txt`` and ``<capture>_wipefs.json``."""
    return block(
        major_minor,
        wipefs_types(wipefs or f"{capture}_wipefs.json"),
        gs.parse_blkid_export(captured(f"{capture}_blkid.txt")),
        partitions,
    )


def real_gpt_disk(partitions=(PART,)):
    return real_block(REAL["disk_major_minor"], "gpt_disk", partitions)


def real_xfs_partition():
    return real_block(REAL["partition_major_minor"], "gpt_xfs_partition")


def real_blank_brick_partition():
    """The captured gluster-brick partition before mkfs: only its partition entry, no signature."""
    probe = gs.parse_blkid_export(captured("gpt_xfs_partition_blkid.txt"))
    return block(
        REAL["partition_major_minor"], (), {k: v for k, v in probe.items() if k.startswith("PART_ENTRY_")}
    )


def real_data_partition():
    """The captured partition named ``data`` of the two-partition GPT (no signature)."""
    return real_block(REAL["partition_major_minor"], "two_partitions_p1")


def real_ext4_disk():
    return real_block(REAL["disk_major_minor"], "ext4_disk")


def observe(blocks, device="/dev/sdb", mounts=(), fstab=(), mountpoint_exists=False, lvm=None, selinux=None,
            inspected=None):  # fmt: skip
    observed = {
        "device": device,
        "blocks": blocks,
        "mounts": list(mounts),
        "fstab": list(fstab),
        "mountpoint_exists": mountpoint_exists,
        "lvm": lvm,
        "selinux": selinux or {},
    }
    if inspected is not None:
        observed["inspected"] = inspected
    return observed


def looked_clean(blocks):
    """What the read-only look reports for every filesystem among ``blocks``: no brick data."""
    return {
        path: {"brick_data": [], "error": None}
        for path, b in blocks.items()
        if b.get("blkid", {}).get("TYPE")
    }


def make_spec(mount=MOUNT, **raw):
    """A validated, normalised spec (the captured mount point holds a space, which the pillar
    refuses: its spec is validated against /data/b; the planner itself only compares paths)."""
    raw.setdefault("device", "/dev/sdb")
    assert gs.backend_problems(MOUNT if mount == REAL_MOUNT else mount, raw, WHERE) == []
    return gs.normalise(mount, raw)


def mkfs(argv):
    return {"op": "mkfs", "argv": argv}


def directory(mount=MOUNT):
    return {"op": "directory", "path": mount}


def mount_op(fs="xfs", options=XFS_OPTIONS, uuid=NEW, mount=MOUNT):
    return {"op": "mount", "argv": ["mount", "-t", fs, "-o", ",".join(options), f"UUID={uuid}", mount]}


def fstab_op(fs="xfs", options=XFS_OPTIONS, uuid=NEW, mount=MOUNT, file="/etc/fstab"):
    entry = {
        "spec": f"UUID={uuid}",
        "file": mount,
        "vfstype": fs,
        "options": list(options),
        "dump": "0",
        "pass": {"xfs": "0", "ext4": "2"}[fs],
    }
    return {"op": "fstab", "file": file, "entry": entry}


def parted(device):
    argv = [
        "parted",
        "--script",
        "--align",
        "optimal",
        device,
        "mklabel",
        "gpt",
        "mkpart",
        "gluster-brick",
        "0%",
        "100%",
    ]
    return {"op": "partition", "argv": argv}


def wipe(path):
    return {"op": "wipe", "argv": ["wipefs", "--all", path]}


def pvcreate(pv, alignment="256K"):
    return {"op": "pvcreate", "argv": ["pvcreate", "--dataalignment", alignment, pv]}


def vgcreate(pv):
    return {"op": "vgcreate", "argv": ["vgcreate", "vg_bricks", pv]}


def thick_lv(*size):
    return {
        "op": "lvcreate",
        "argv": ["lvcreate", *size, "--name", "brick1", "--wipesignatures", "y", "--yes", "vg_bricks"],
    }


def thin_pool(*middle):
    return {
        "op": "thin-pool",
        "argv": ["lvcreate", "--type", "thin-pool", *middle, "--zero", "n", "--name", "pool1", "vg_bricks"],
    }


THIN_LV = {
    "op": "lvcreate",
    "argv": [
        "lvcreate",
        "--type",
        "thin",
        "--virtualsize",
        "1T",
        "--thinpool",
        "pool1",
        "--name",
        "brick1",
        "vg_bricks",
    ],
}


def new_filesystem_tail(fs="xfs", options=XFS_OPTIONS, fstab="/etc/fstab"):
    """directory, mount and fstab steps after a new filesystem (mount point absent)."""
    return [directory(), mount_op(fs, options), fstab_op(fs, options, file=fstab)]


def refused(plan, message, target):
    assert plan == {"operations": [], "problems": [message], "filesystem_device": target}


# --------------------------------------------------------------------------- the captured data


def test_captured_devices():
    assert (DISK, PART) == ("/dev/loop0", "/dev/loop0p1")
    assert (REAL["disk_major_minor"], REAL["partition_major_minor"]) == ("7:0", "259:0")
    assert REAL_MOUNT == "/var/tmp/unitcap-NruUxL/brick mnt"
    assert REAL_UUID == "42726cd1-fa8d-4059-901c-da9163e1cf18"


@pytest.mark.parametrize(
    "name, types",
    [
        ("gpt_disk_wipefs.json", ["gpt", "gpt", "PMBR"]),  # primary and backup GPT header, protective MBR
        ("gpt_xfs_partition_wipefs.json", ["xfs"]),
        ("two_partitions_p1_wipefs.json", []),
        ("ext4_disk_wipefs.json", ["ext4"]),
    ],
)
def test_captured_wipefs_signatures(name, types):
    assert wipefs_types(name) == types


# --------------------------------------------------------------------------- parsers


def test_parse_blkid_export_real_disk():
    assert gs.parse_blkid_export(captured("gpt_disk_blkid.txt")) == {
        "DEVNAME": "/dev/loop0",
        "PTUUID": "da4f5979-8631-4193-8476-c7035935b861",
        "PTTYPE": "gpt",
    }


def test_parse_blkid_export_real_partition():
    assert gs.parse_blkid_export(captured("gpt_xfs_partition_blkid.txt")) == {
        "DEVNAME": "/dev/loop0p1",
        "UUID": "42726cd1-fa8d-4059-901c-da9163e1cf18",
        "BLOCK_SIZE": "512",
        "TYPE": "xfs",
        "USAGE": "filesystem",
        "PART_ENTRY_SCHEME": "gpt",
        "PART_ENTRY_NAME": "gluster-brick",
        "PART_ENTRY_UUID": "f710cd57-5701-4212-80e0-45a00a82ed18",
        "PART_ENTRY_TYPE": "0fc63daf-8483-4772-8e79-3d69d8477de4",
        "PART_ENTRY_NUMBER": "1",
        "PART_ENTRY_OFFSET": "2048",
        "PART_ENTRY_SIZE": "1044480",
        "PART_ENTRY_DISK": "7:0",
    }


@pytest.mark.parametrize(
    "name, key, value",
    [
        ("ext4_disk_blkid.txt", "TYPE", "ext4"),
        ("ext4_disk_blkid.txt", "LABEL", "brick1"),
        ("ext4_disk_blkid.txt", "UUID", "2232f4a9-2b12-4361-97e3-9eff40f50d07"),
        ("two_partitions_disk_blkid.txt", "PTTYPE", "gpt"),
        ("two_partitions_p1_blkid.txt", "PART_ENTRY_NAME", "data"),
    ],
)
def test_parse_blkid_export_real_values(name, key, value):
    assert gs.parse_blkid_export(captured(name))[key] == value


def test_parse_blkid_export_real_partition_without_filesystem_has_no_type():
    probe = gs.parse_blkid_export(captured("two_partitions_p1_blkid.txt"))
    assert "TYPE" not in probe
    assert "UUID" not in probe


@pytest.mark.parametrize(
    "text, expected",
    [
        (None, {}),
        ("", {}),
        ("no equals sign\n=orphan value\n", {}),
        ("LABEL=a=b\n TYPE = xfs \n", {"LABEL": "a=b", "TYPE": "xfs"}),
    ],
)
def test_parse_blkid_export_edges(text, expected):
    assert gs.parse_blkid_export(text) == expected


def test_parse_mountinfo_real_line_with_escaped_space():
    assert REAL_MOUNTS == [
        {
            "mountpoint": "/var/tmp/unitcap-NruUxL/brick mnt",
            "device": "259:0",
            "fstype": "xfs",
            "source": "/dev/loop0p1",
            "options": ["inode64", "logbsize=32k", "logbufs=8", "noatime", "noquota", "rw"],
        }
    ]


@pytest.mark.parametrize(
    "line, expected",
    [
        # optional fields before the separator; per-mount and superblock options merged
        (
            "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 shared:2 - ext3 /dev/root rw,errors=continue",
            {
                "mountpoint": "/mnt2",
                "device": "98:0",
                "fstype": "ext3",
                "source": "/dev/root",
                "options": ["errors=continue", "noatime", "rw"],
            },
        ),
        # tab and backslash escapes, no superblock options
        (
            r"40 1 8:17 / /srv/a\011b\134c rw - xfs /dev/sd\040b1",
            {
                "mountpoint": "/srv/a\tb\\c",
                "device": "8:17",
                "fstype": "xfs",
                "source": "/dev/sd b1",
                "options": ["rw"],
            },
        ),
    ],
)
def test_parse_mountinfo_fields(line, expected):
    assert gs.parse_mountinfo(line) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "36 35 98:0 /mnt1 /mnt2 rw master:1 ext3 /dev/root rw",  # no separator
        "36 35 98:0 /mnt1 - ext3 /dev/root rw",  # too few fields before it
        "36 35 98:0 /mnt1 /mnt2 rw - ext3",  # no source after it
    ],
)
def test_parse_mountinfo_skips_unreadable_lines(text):
    assert gs.parse_mountinfo(text) == []


def test_parse_mountinfo_keeps_order_of_stacked_mounts():
    text = "10 1 8:16 / /data/b rw - xfs /dev/sdb rw\n11 10 0:50 / /data/b rw - tmpfs tmpfs rw\n"
    assert [m["source"] for m in gs.parse_mountinfo(text)] == ["/dev/sdb", "tmpfs"]


def test_parse_fstab():
    text = (
        "# /etc/fstab: static file system information\n"
        "\n"
        "   # indented comment\n"
        "UUID=1234 / ext4 errors=remount-ro 0 1\n"
        "short line\n"
        "/dev/sdc /srv/three xfs\n"
        "/dev/sdd /srv/four ext4 noatime,nodev\n"
        "/dev/sde /srv/five ext4 ro 1\n"
        "LABEL=my\\040disk /srv/with\\040space xfs noatime,inode64 0 0\n"
    )
    assert gs.parse_fstab(text) == [
        {
            "spec": "UUID=1234",
            "file": "/",
            "vfstype": "ext4",
            "options": ["errors=remount-ro"],
            "dump": "0",
            "pass": "1",
        },
        {
            "spec": "/dev/sdc",
            "file": "/srv/three",
            "vfstype": "xfs",
            "options": ["defaults"],
            "dump": "0",
            "pass": "0",
        },
        {
            "spec": "/dev/sdd",
            "file": "/srv/four",
            "vfstype": "ext4",
            "options": ["noatime", "nodev"],
            "dump": "0",
            "pass": "0",
        },
        {
            "spec": "/dev/sde",
            "file": "/srv/five",
            "vfstype": "ext4",
            "options": ["ro"],
            "dump": "1",
            "pass": "0",
        },
        {
            "spec": "LABEL=my disk",
            "file": "/srv/with space",
            "vfstype": "xfs",
            "options": XFS_OPTIONS,
            "dump": "0",
            "pass": "0",
        },
    ]


@pytest.mark.parametrize("text", [None, "", "# only a comment\n\n", "a b\n"])
def test_parse_fstab_nothing(text):
    assert gs.parse_fstab(text) == []


# --------------------------------------------------------------------------- small helpers


@pytest.mark.parametrize(
    "device, first",
    [
        ("/dev/sdb", "/dev/sdb1"),
        ("/dev/vdc", "/dev/vdc1"),
        ("/dev/xvdf", "/dev/xvdf1"),
        ("/dev/nvme0n1", "/dev/nvme0n1p1"),
        ("/dev/loop3", "/dev/loop3p1"),
        ("/dev/mmcblk0", "/dev/mmcblk0p1"),
        ("/dev/md127", "/dev/md127p1"),
    ],
)
def test_partition_path(device, first):
    assert gs.partition_path(device) == first


@pytest.mark.parametrize(
    "text, kib",
    [
        ("256k", 256),
        ("256K", 256),
        ("1m", 1024),
        ("2M", 2048),
        ("1g", 1024 * 1024),
        ("512", 512),
        (512, 512),
        ("0", 0),
        ("1.5m", None),
        ("1t", None),
        (" 4k", None),
        ("k", None),
        ("", None),
        (True, None),
        (None, None),
        (4.0, None),
    ],
)
def test_size_kib(text, kib):
    assert gs.size_kib(text) == kib


@pytest.mark.parametrize(
    "raid, kib",
    [
        (None, 256),
        ({}, 256),
        ({"stripe_unit": "256k", "data_disks": 10}, 2560),
        ({"stripe_unit": "64k", "data_disks": 4}, 256),
        ({"stripe_unit": "1m", "data_disks": 2}, 2048),
        ({"stripe_unit": 128, "data_disks": 3}, 384),
    ],
)
def test_alignment_kib(raid, kib):
    assert gs.alignment_kib(raid) == kib


@pytest.mark.parametrize(
    "lvm, path",
    [(THICK, "/dev/vg_bricks/brick1"), ({"vg": "vg.0", "lv": "b+1_x"}, "/dev/vg.0/b+1_x")],
)
def test_lv_path(lvm, path):
    assert gs.lv_path(lvm) == path


# --------------------------------------------------------------------------- validation


def test_valid_full_spec_has_no_problems():
    spec = {
        "device": "/dev/disk/by-id/wwn-0x5000c500a1b2c3d4",
        "partition": "gpt",
        "lvm": {
            "vg": "vg_bricks",
            "lv": "brick1",
            "size": "1.5T",
            "thin_pool": "pool1",
            "pool_size": "90%FREE",
            "pool_metadata_size": "16G",
        },
        "filesystem": "ext4",
        "raid": {"stripe_unit": "256k", "data_disks": 10},
        "mkfs_options": ["-L", "brick1", "-E", "lazy_itable_init=0", "-O", "metadata_csum"],
        "mount_options": [
            "noatime",
            "x-systemd.device-timeout=30",
            "context=system_u:object_r:glusterd_brick_t:s0",
        ],
        "fstab": "/etc/fstab",
        "wipe": False,
        "selinux": True,
    }
    assert gs.backend_problems(MOUNT, spec, WHERE) == []


@pytest.mark.parametrize(
    "spec",
    [
        {"device": "/dev/sdb"},
        {"device": "/dev/nvme0n1", "partition": False},
        {
            "device": "/dev/mapper/mpath-a_1",
            "filesystem": "xfs",
            "lvm": THICK,
            "raid": {"stripe_unit": 64, "data_disks": 1},
        },
        {
            "device": "/dev/md0",
            "lvm": {"vg": "vg", "lv": "lv", "size": "100%VG"},
            "wipe": True,
            "selinux": False,
        },
        {"device": "/dev/sdb", "lvm": {"vg": "vg", "lv": "lv", "size": "500G", "thin_pool": "tp"}},
        {"device": "/dev/sdb", "wipe": True, "wipe_brick_data": "cabb0d65-fc23-4f5f-a6e6-7022244fa64a"},
        {"device": "/dev/sdb", "wipe": True, "wipe_brick_data": "CABB0D65-FC23-4F5F-A6E6-7022244FA64A"},
        {"device": "/dev/sdb", "wipe": True, "wipe_brick_data": "1A2B-3C4D"},  # vfat
        {"device": "/dev/sdb", "wipe": True, "wipe_brick_data": "0123456789ABCDEF"},  # ntfs
    ],
)
def test_valid_specs(spec):
    assert gs.backend_problems(MOUNT, spec, WHERE) == []


ALLOWED_KEYS = (
    "device, filesystem, fstab, lvm, mkfs_options, mount_options, partition, raid, selinux, wipe, "
    "wipe_brick_data"
)
ALLOWED_LVM_KEYS = "lv, pool_metadata_size, pool_size, size, thin_pool, vg"
BAD_DEVICE = "must be a device path under /dev (letters, digits, . _ : + @ = -)"


@pytest.mark.parametrize(
    "changes, suffix, fragment",
    [
        ({"device": "/dev/../etc"}, ":device", "device '/dev/../etc' must be a normalised path without '..'"),
        ({"device": "sdb"}, ":device", f"device 'sdb' {BAD_DEVICE}"),
        ({"device": "/dev/sd b"}, ":device", f"device '/dev/sd b' {BAD_DEVICE}"),
        ({"device": "/dev/sdb;rm"}, ":device", f"device '/dev/sdb;rm' {BAD_DEVICE}"),
        ({"device": "/dev/sdb/"}, ":device", "must be a normalised path without '..'"),
        ({"device": "/dev"}, ":device", BAD_DEVICE),
        ({"device": "/etc/passwd"}, ":device", BAD_DEVICE),
        ({"device": None}, ":device", f"device None {BAD_DEVICE}"),
        ({"device": 5}, ":device", BAD_DEVICE),
        ({"size": "1T"}, ":size", f"unknown key; allowed: {ALLOWED_KEYS}"),
        ({"filesystem": "btrfs"}, ":filesystem", "'btrfs' is not supported; use xfs or ext4"),
        ({"filesystem": None}, ":filesystem", "None is not supported"),
        ({"partition": "msdos"}, ":partition", "'msdos' is not supported; use gpt or leave it out"),
        ({"partition": True}, ":partition", "True is not supported"),
        ({"wipe": "yes"}, ":wipe", "'yes' must be true or false"),
        ({"wipe": 1}, ":wipe", "1 must be true or false"),
        ({"selinux": "off"}, ":selinux", "'off' must be true or false"),
        (
            {"wipe": True, "wipe_brick_data": True},
            ":wipe_brick_data",
            "True must be the filesystem UUID blkid shows",
        ),
        ({"wipe": True, "wipe_brick_data": "/dev/sdb"}, ":wipe_brick_data", "must be the filesystem UUID"),
        ({"wipe": True, "wipe_brick_data": "any"}, ":wipe_brick_data", "must be the filesystem UUID"),
        (
            {"wipe": True, "wipe_brick_data": "cabb0d65-fc23;reboot"},
            ":wipe_brick_data",
            "must be the filesystem UUID",
        ),
        ({"wipe": True, "wipe_brick_data": ""}, ":wipe_brick_data", "must be the filesystem UUID"),
        (
            {"wipe_brick_data": "cabb0d65-fc23-4f5f-a6e6-7022244fa64a"},
            ":wipe_brick_data",
            "only with wipe: true",
        ),
        (
            {"wipe": False, "wipe_brick_data": "cabb0d65-fc23-4f5f-a6e6-7022244fa64a"},
            ":wipe_brick_data",
            "only with wipe: true",
        ),
        ({"fstab": "etc/fstab"}, ":fstab", "fstab 'etc/fstab' must be an absolute path"),
        (
            {"raid": {"stripe_unit": "6k", "data_disks": 4}},
            ":raid:stripe_unit",
            "'6k' must be a size like 64k or 256k (a multiple of 4k)",
        ),
        ({"raid": {"stripe_unit": "256x", "data_disks": 4}}, ":raid:stripe_unit", "(a multiple of 4k)"),
        ({"raid": {"stripe_unit": "0", "data_disks": 4}}, ":raid:stripe_unit", "(a multiple of 4k)"),
        (
            {"raid": {"stripe_unit": "64k", "data_disks": 0}},
            ":raid:data_disks",
            "0 must be the number of data disks (1-256)",
        ),
        ({"raid": {"stripe_unit": "64k", "data_disks": 257}}, ":raid:data_disks", "(1-256)"),
        ({"raid": {"stripe_unit": "64k", "data_disks": True}}, ":raid:data_disks", "(1-256)"),
        ({"raid": {"stripe_unit": "64k", "data_disks": "4"}}, ":raid:data_disks", "(1-256)"),
        ({"raid": {"stripe_unit": "64k"}}, ":raid", "must be {stripe_unit: e.g. 256k, data_disks: N}"),
        ({"raid": {"stripe_unit": "64k", "data_disks": 4, "level": 6}}, ":raid", "must be {stripe_unit"),
        ({"raid": ["64k", 4]}, ":raid", "must be {stripe_unit"),
        ({"lvm": "vg_bricks/brick1"}, ":lvm", "must be a mapping {vg, lv, size, thin_pool, ...}"),
        (
            {"lvm": {"vg": "vg", "lv": "lv", "stripes": 2}},
            ":lvm:stripes",
            f"unknown key; allowed: {ALLOWED_LVM_KEYS}",
        ),
        (
            {"lvm": {"vg": "vg/x", "lv": "lv"}},
            ":lvm:vg",
            "'vg/x' is not a valid LVM name (letters, digits, + _ . -)",
        ),
        ({"lvm": {"vg": "vg", "lv": "-lv"}}, ":lvm:lv", "'-lv' is not a valid LVM name"),
        ({"lvm": {"vg": "..", "lv": "lv"}}, ":lvm:vg", "'..' is not a valid LVM name"),
        ({"lvm": {"vg": "vg", "lv": "a" * 128}}, ":lvm:lv", "is not a valid LVM name"),
        ({"lvm": {"vg": "vg"}}, ":lvm:lv", "None is not a valid LVM name"),
        (
            {"lvm": {"vg": "vg", "lv": "lv", "thin_pool": "po ol", "size": "1T"}},
            ":lvm:thin_pool",
            "'po ol' is not a valid LVM name",
        ),
        (
            {"lvm": {"vg": "vg", "lv": "lv", "size": "lots"}},
            ":lvm:size",
            "'lots' must be a size like 100G or a share like 100%FREE",
        ),
        ({"lvm": {"vg": "vg", "lv": "lv", "size": "100 G"}}, ":lvm:size", "must be a size like 100G"),
        ({"lvm": {"vg": "vg", "lv": "lv", "size": 100}}, ":lvm:size", "100 must be a size like 100G"),
        ({"lvm": {"vg": "vg", "lv": "lv", "size": "1000%FREE"}}, ":lvm:size", "must be a size like 100G"),
        (
            {"lvm": {"vg": "vg", "lv": "lv", "thin_pool": "tp"}},
            ":lvm:size",
            "required with thin_pool (the thin LV's virtual size, e.g. 1T)",
        ),
        (
            {"lvm": {"vg": "vg", "lv": "lv", "thin_pool": "tp", "size": "100%FREE"}},
            ":lvm:size",
            "a thin LV needs a fixed virtual size such as 1T, not a share",
        ),
        (
            {"lvm": {"vg": "vg", "lv": "lv", "thin_pool": "tp", "size": "1T", "pool_size": "big"}},
            ":lvm:pool_size",
            "'big' must be a size",
        ),
        ({"lvm": {"vg": "vg", "lv": "lv", "pool_size": "100%FREE"}}, ":lvm:pool_size", "only with thin_pool"),
        (
            {"lvm": {"vg": "vg", "lv": "lv", "pool_metadata_size": "16G"}},
            ":lvm:pool_metadata_size",
            "only with thin_pool",
        ),
        ({"mkfs_options": "-L brick1"}, ":mkfs_options", "must be a list"),
        ({"mkfs_options": ["-L", "a;b"]}, ":mkfs_options", "mkfs argument 'a;b' is not allowed"),
        ({"mkfs_options": ["$(reboot)"]}, ":mkfs_options", "mkfs argument '$(reboot)' is not allowed"),
        ({"mkfs_options": ["-L", "two words"]}, ":mkfs_options", "mkfs argument 'two words' is not allowed"),
        ({"mkfs_options": ["`id`"]}, ":mkfs_options", "is not allowed"),
        ({"mkfs_options": [5]}, ":mkfs_options", "mkfs argument 5 is not allowed"),
        ({"mount_options": "noatime"}, ":mount_options", "must be a list"),
        ({"mount_options": ["-oremount"]}, ":mount_options", "mount option '-oremount' is not allowed"),
        (
            {"mount_options": ["noatime;reboot"]},
            ":mount_options",
            "mount option 'noatime;reboot' is not allowed",
        ),
        (
            {"mount_options": ["noatime,nodev"]},
            ":mount_options",
            "mount option 'noatime,nodev' is not allowed",
        ),
        ({"mount_options": ["$(id)"]}, ":mount_options", "is not allowed"),
        ({"mount_options": ["a|b"]}, ":mount_options", "is not allowed"),
    ],
)
def test_backend_problem_names_the_pillar_path(changes, suffix, fragment):
    spec = dict({"device": "/dev/sdb"}, **changes)
    problems = gs.backend_problems(MOUNT, spec, WHERE)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{WHERE}{suffix}: "), problems
    assert fragment in problems[0]


def test_backend_problem_lvm_vg_path_is_exact():
    problems = gs.backend_problems(MOUNT, {"device": "/dev/sdb", "lvm": {"vg": "bad vg", "lv": "lv"}}, WHERE)
    assert problems == [
        "gluster:brick_devices:gfs1:/data/b:lvm:vg: 'bad vg' is not a valid LVM name "
        "(letters, digits, + _ . -)"
    ]


@pytest.mark.parametrize(
    "spec, fragment",
    [
        ("/dev/sdb", "must be a mapping with at least device: /dev/..."),
        (None, "must be a mapping with at least device: /dev/..."),
        ({}, f"device None {BAD_DEVICE}"),
    ],
)
def test_backend_spec_not_a_mapping_or_without_device(spec, fragment):
    problems = gs.backend_problems(MOUNT, spec, WHERE)
    assert len(problems) == 1
    assert fragment in problems[0]
    assert problems[0].startswith(WHERE)


@pytest.mark.parametrize(
    "mount, fragment",
    [
        ("data/b", "mount point 'data/b' must be an absolute path"),
        ("/data/../b", "must not contain '.' or '..' components"),
        ("/data/b/", "is not a normalised directory path"),
        ("/", "is not a normalised directory path"),
        ("/data/with space", "holds characters that are not allowed"),
    ],
)
def test_backend_bad_mount_point(mount, fragment):
    problems = gs.backend_problems(mount, {"device": "/dev/sdb"}, WHERE)
    assert len(problems) == 1
    assert problems[0].startswith(f"{WHERE}: mount point ")
    assert fragment in problems[0]


def test_backend_problems_are_all_reported_at_once():
    spec = {"device": "sdb", "filesystem": "zfs", "wipe": "no", "colour": "red", "lvm": {"vg": "vg"}}
    problems = gs.backend_problems(MOUNT, spec, WHERE)
    assert sorted(p.split(": ")[0] for p in problems) == sorted(
        f"{WHERE}{suffix}" for suffix in (":colour", ":device", ":filesystem", ":wipe", ":lvm:lv")
    )


# --------------------------------------------------------------------------- normalise


NORMAL = {
    "mount": MOUNT,
    "device": "/dev/sdb",
    "partition": None,
    "lvm": None,
    "filesystem": "xfs",
    "raid": None,
    "mkfs_options": [],
    "mount_options": ["noatime", "inode64"],
    "fstab": "/etc/fstab",
    "wipe": False,
    "wipe_brick_data": None,
    "selinux": True,
}


@pytest.mark.parametrize(
    "raw, differences",
    [
        ({}, {}),
        ({"partition": False}, {}),
        ({"filesystem": "ext4"}, {"filesystem": "ext4", "mount_options": ["noatime"]}),
        (
            {"partition": "gpt", "wipe": True, "selinux": False},
            {"partition": "gpt", "wipe": True, "selinux": False},
        ),
        ({"lvm": THICK}, {"lvm": {"vg": "vg_bricks", "lv": "brick1", "size": "100%FREE"}}),
        ({"lvm": THIN}, {"lvm": dict(THIN, pool_size="100%FREE")}),
        ({"lvm": dict(THIN, pool_size="2T")}, {"lvm": dict(THIN, pool_size="2T")}),
        (
            {
                "raid": {"stripe_unit": "64k", "data_disks": 4},
                "mkfs_options": ["-K"],
                "mount_options": ["noatime"],
                "fstab": "/srv/fstab",
            },
            {
                "raid": {"stripe_unit": "64k", "data_disks": 4},
                "mkfs_options": ["-K"],
                "mount_options": ["noatime"],
                "fstab": "/srv/fstab",
            },
        ),
    ],
)
def test_normalise_fills_defaults(raw, differences):
    assert make_spec(**raw) == dict(NORMAL, **differences)


def test_normalise_copies_the_lvm_mapping():
    lvm = dict(THICK)
    spec = gs.normalise(MOUNT, {"device": "/dev/sdb", "lvm": lvm})
    assert spec["lvm"]["size"] == "100%FREE"
    assert lvm == THICK  # the pillar's own mapping is left alone


# --------------------------------------------------------------------------- argv builders


@pytest.mark.parametrize(
    "fs, raid, extra, force, argv",
    [
        ("xfs", None, (), False, [*XFS, "/dev/sdb"]),
        (
            "xfs",
            {"stripe_unit": "256k", "data_disks": 10},
            (),
            False,
            [*XFS, "-d", "su=256k,sw=10", "/dev/sdb"],
        ),
        (
            "xfs",
            {"stripe_unit": "1m", "data_disks": 2},
            ["-L", "b1"],
            True,
            [*XFS, "-d", "su=1024k,sw=2", "-f", "-L", "b1", "/dev/sdb"],
        ),
        ("ext4", None, (), False, [*EXT4, "/dev/sdb"]),
        (
            "ext4",
            {"stripe_unit": "64k", "data_disks": 4},
            ["-L", "brick1"],
            True,
            [*EXT4, "-E", "stride=16,stripe_width=64", "-F", "-L", "brick1", "/dev/sdb"],
        ),  # run for real: see CAPTURE.txt
        (
            "ext4",
            {"stripe_unit": "256k", "data_disks": 10},
            (),
            False,
            [*EXT4, "-E", "stride=64,stripe_width=640", "/dev/sdb"],
        ),
    ],
)
def test_mkfs_argv(fs, raid, extra, force, argv):
    assert gs.mkfs_argv(fs, "/dev/sdb", raid, extra, force=force) == argv


def test_selinux_argvs():
    assert gs.selinux_argvs("/data/b") == [
        ["semanage", "fcontext", "--add", "--type", "glusterd_brick_t", "/data/b(/.*)?"],
        ["restorecon", "-R", "/data/b"],
    ]


# --------------------------------------------------------------------------- plans: a blank device


def test_blank_disk_xfs_exact_plan():
    plan = gs.plan_backend(make_spec(), observe({"/dev/sdb": block("8:16")}))
    assert plan == {
        "operations": [
            {"op": "mkfs", "argv": ["mkfs.xfs", "-q", "-i", "size=512", "-n", "size=8192", "/dev/sdb"]},
            {"op": "directory", "path": "/data/b"},
            {
                "op": "mount",
                "argv": [
                    "mount",
                    "-t",
                    "xfs",
                    "-o",
                    "noatime,inode64",
                    "UUID=<uuid of the new filesystem>",
                    "/data/b",
                ],
            },
            {
                "op": "fstab",
                "file": "/etc/fstab",
                "entry": {
                    "spec": "UUID=<uuid of the new filesystem>",
                    "file": "/data/b",
                    "vfstype": "xfs",
                    "options": ["noatime", "inode64"],
                    "dump": "0",
                    "pass": "0",
                },
            },
        ],
        "problems": [],
        "filesystem_device": "/dev/sdb",
    }


@pytest.mark.parametrize(
    "device, raw, layers, mkfs_argv, target, fs, options, fstab",
    [
        pytest.param(
            "/dev/sdb",
            {"filesystem": "ext4"},
            [],
            [*EXT4, "/dev/sdb"],
            "/dev/sdb",
            "ext4",
            ["noatime"],
            "/etc/fstab",
            id="ext4",
        ),
        pytest.param(
            "/dev/sdb",
            {"partition": "gpt"},
            [parted("/dev/sdb")],
            [*XFS, "/dev/sdb1"],
            "/dev/sdb1",
            "xfs",
            XFS_OPTIONS,
            "/etc/fstab",
            id="xfs-gpt",
        ),
        pytest.param(
            "/dev/nvme0n1",
            {"partition": "gpt", "filesystem": "ext4"},
            [parted("/dev/nvme0n1")],
            [*EXT4, "/dev/nvme0n1p1"],
            "/dev/nvme0n1p1",
            "ext4",
            ["noatime"],
            "/etc/fstab",
            id="ext4-gpt-nvme",
        ),
        pytest.param(
            "/dev/sdb",
            {"raid": {"stripe_unit": "256k", "data_disks": 10}},
            [],
            [*XFS, "-d", "su=256k,sw=10", "/dev/sdb"],
            "/dev/sdb",
            "xfs",
            XFS_OPTIONS,
            "/etc/fstab",
            id="xfs-raid",
        ),
        pytest.param(
            "/dev/sdb",
            {"raid": {"stripe_unit": "1m", "data_disks": 2}, "mkfs_options": ["-L", "brick1", "-K"]},
            [],
            [*XFS, "-d", "su=1024k,sw=2", "-L", "brick1", "-K", "/dev/sdb"],
            "/dev/sdb",
            "xfs",
            XFS_OPTIONS,
            "/etc/fstab",
            id="xfs-raid-1m-mkfs-options",
        ),
        pytest.param(
            "/dev/sdb",
            {
                "filesystem": "ext4",
                "raid": {"stripe_unit": "64k", "data_disks": 4},
                "mkfs_options": ["-L", "brick1"],
            },
            [],
            [*EXT4, "-E", "stride=16,stripe_width=64", "-L", "brick1", "/dev/sdb"],
            "/dev/sdb",
            "ext4",
            ["noatime"],
            "/etc/fstab",
            id="ext4-raid-mkfs-options",
        ),
        pytest.param(
            "/dev/sdb",
            {"filesystem": "ext4", "partition": "gpt", "raid": {"stripe_unit": 128, "data_disks": 3}},
            [parted("/dev/sdb")],
            [*EXT4, "-E", "stride=32,stripe_width=96", "/dev/sdb1"],
            "/dev/sdb1",
            "ext4",
            ["noatime"],
            "/etc/fstab",
            id="ext4-gpt-raid-kib-number",
        ),
        pytest.param(
            "/dev/sdb",
            {"mount_options": ["noatime", "nodiratime", "logbsize=256k"], "fstab": "/srv/fstab.test"},
            [],
            [*XFS, "/dev/sdb"],
            "/dev/sdb",
            "xfs",
            ["noatime", "nodiratime", "logbsize=256k"],
            "/srv/fstab.test",
            id="mount-options-fstab",
        ),
        pytest.param(
            "/dev/sdb",
            {"filesystem": "ext4", "mount_options": ["defaults"]},
            [],
            [*EXT4, "/dev/sdb"],
            "/dev/sdb",
            "ext4",
            ["defaults"],
            "/etc/fstab",
            id="ext4-mount-options",
        ),
    ],
)
def test_blank_device_plans(device, raw, layers, mkfs_argv, target, fs, options, fstab):
    plan = gs.plan_backend(make_spec(device=device, **raw), observe({device: block("8:16")}, device=device))
    assert plan["problems"] == []
    assert plan["filesystem_device"] == target
    assert plan["operations"] == [*layers, mkfs(mkfs_argv), *new_filesystem_tail(fs, options, fstab)]


def test_blank_device_with_existing_mount_point_directory():
    plan = gs.plan_backend(make_spec(), observe({"/dev/sdb": block("8:16")}, mountpoint_exists=True))
    assert plan["operations"] == [mkfs([*XFS, "/dev/sdb"]), mount_op(), fstab_op()]


def test_spec_device_is_named_and_observed_device_is_used():
    """A /dev/disk/by-id link is planned on the device it resolves to."""
    link = "/dev/disk/by-id/wwn-0x5000c500a1b2c3d4"
    plan = gs.plan_backend(
        make_spec(device=link, partition="gpt"), observe({"/dev/sdc": block("8:32")}, device="/dev/sdc")
    )
    assert plan["operations"][:2] == [parted("/dev/sdc"), mkfs([*XFS, "/dev/sdc1"])]
    missing = gs.plan_backend(make_spec(device=link), observe({}, device="/dev/sdc"))
    assert missing["problems"] == [f"{link} for {MOUNT}: no such block device on this node"]


# --------------------------------------------------------------------------- plans: LVM


@pytest.mark.parametrize(
    "raw, layers, mkfs_argv",
    [
        pytest.param(
            {"lvm": THICK},
            [pvcreate("/dev/sdb"), vgcreate("/dev/sdb"), thick_lv("-l", "100%FREE")],
            [*XFS, LV],
            id="thick-100%FREE",
        ),
        pytest.param(
            {"lvm": dict(THICK, size="100G")},
            [pvcreate("/dev/sdb"), vgcreate("/dev/sdb"), thick_lv("-L", "100G")],
            [*XFS, LV],
            id="thick-100G",
        ),
        pytest.param(
            {"lvm": dict(THICK, size="50%VG"), "filesystem": "ext4"},
            [pvcreate("/dev/sdb"), vgcreate("/dev/sdb"), thick_lv("-l", "50%VG")],
            [*EXT4, LV],
            id="thick-ext4",
        ),
        pytest.param(
            {"lvm": THICK, "partition": "gpt"},
            [parted("/dev/sdb"), pvcreate("/dev/sdb1"), vgcreate("/dev/sdb1"), thick_lv("-l", "100%FREE")],
            [*XFS, LV],
            id="thick-on-gpt",
        ),
        pytest.param(
            {"lvm": THIN},
            [
                pvcreate("/dev/sdb"),
                vgcreate("/dev/sdb"),
                thin_pool("-l", "100%FREE", "--chunksize", "256K"),
                THIN_LV,
            ],
            [*XFS, LV],
            id="thin-jbod",
        ),
        pytest.param(
            {
                "lvm": dict(THIN, pool_size="500G", pool_metadata_size="16G"),
                "raid": {"stripe_unit": "256k", "data_disks": 10},
            },
            [
                pvcreate("/dev/sdb", "2560K"),
                vgcreate("/dev/sdb"),
                thin_pool("-L", "500G", "--chunksize", "2560K", "--poolmetadatasize", "16G"),
                THIN_LV,
            ],
            [*XFS, "-d", "su=256k,sw=10", LV],
            id="thin-raid-sizes",
        ),
        pytest.param(
            {"lvm": dict(THIN, pool_size="80%VG"), "raid": {"stripe_unit": "64k", "data_disks": 4}},
            [
                pvcreate("/dev/sdb"),
                vgcreate("/dev/sdb"),
                thin_pool("-l", "80%VG", "--chunksize", "256K"),
                THIN_LV,
            ],
            [*XFS, "-d", "su=64k,sw=4", LV],
            id="thin-raid-full-stripe-256k",
        ),
    ],
)
@pytest.mark.parametrize("lvm_state", [NO_LVM, None], ids=["lvm2", "no-lvm2"])
def test_lvm_plans_on_a_blank_device(raw, layers, mkfs_argv, lvm_state):
    """lvm2 absent with a blank device plans the same (the execution module installs nothing)."""
    plan = gs.plan_backend(make_spec(**raw), observe({"/dev/sdb": block("8:16")}, lvm=lvm_state))
    fs = raw.get("filesystem", "xfs")
    assert plan["problems"] == []
    assert plan["filesystem_device"] == LV
    assert plan["operations"] == [
        *layers,
        mkfs(mkfs_argv),
        *new_filesystem_tail(fs, ["noatime"] if fs == "ext4" else XFS_OPTIONS),
    ]


@pytest.mark.parametrize(
    "state, layers",
    [
        pytest.param(
            {"pvs": {"/dev/sdb": "vg_bricks"}, "vgs": ["vg_bricks"], "lvs": {}},
            [thin_pool("-l", "100%FREE", "--chunksize", "256K"), THIN_LV],
            id="pv-and-vg",
        ),
        pytest.param(
            {"pvs": {"/dev/sdb": "vg_bricks"}, "vgs": ["vg_bricks"], "lvs": {"vg_bricks/pool1": {}}},
            [THIN_LV],
            id="pool-too",
        ),
        pytest.param(
            {"pvs": {"/dev/sdb": ""}, "vgs": [], "lvs": {}},
            [vgcreate("/dev/sdb"), thin_pool("-l", "100%FREE", "--chunksize", "256K"), THIN_LV],
            id="orphan-pv",
        ),
        pytest.param(
            {
                "pvs": {"/dev/sdb": "vg_bricks", "/dev/sdc": "vg_bricks"},
                "vgs": ["vg_bricks", "vg_root"],
                "lvs": {"vg_bricks/pool1": {}, "vg_root/root": {}},
            },
            [THIN_LV],
            id="shared-vg",
        ),
    ],
)
def test_lvm_existing_layers_are_skipped(state, layers):
    blocks = {"/dev/sdb": block("8:16", ["LVM2_member"])}
    plan = gs.plan_backend(make_spec(lvm=THIN), observe(blocks, lvm=state))
    assert plan["problems"] == []
    assert plan["operations"] == [*layers, mkfs([*XFS, LV]), *new_filesystem_tail()]


@pytest.mark.parametrize("raw", [{"lvm": THIN}, {"lvm": THICK}, {"lvm": THICK, "partition": "gpt"}])
def test_lvm_existing_blank_lv_is_only_formatted(raw):
    pv = "/dev/sdb1" if raw.get("partition") else "/dev/sdb"
    state = {
        "pvs": {pv: "vg_bricks"},
        "vgs": ["vg_bricks"],
        "lvs": {"vg_bricks/pool1": {}, "vg_bricks/brick1": {}},
    }
    blocks = {"/dev/sdb": block("8:16"), LV: block("253:4")}
    if raw.get("partition"):
        blocks["/dev/sdb"] = block("8:16", ["PMBR", "gpt"], {"PTTYPE": "gpt"}, ["/dev/sdb1"])
        blocks["/dev/sdb1"] = block(
            "8:17", ["LVM2_member"], {"PART_ENTRY_NAME": "gluster-brick", "TYPE": "LVM2_member"}
        )
    plan = gs.plan_backend(make_spec(**raw), observe(blocks, lvm=state))
    assert plan == {
        "operations": [mkfs([*XFS, LV]), *new_filesystem_tail()],
        "problems": [],
        "filesystem_device": LV,
    }


def test_lvm_existing_lv_with_foreign_filesystem_needs_wipe():
    state = {"pvs": {"/dev/sdb": "vg_bricks"}, "vgs": ["vg_bricks"], "lvs": {"vg_bricks/brick1": {}}}
    blocks = {
        "/dev/sdb": block("8:16", ["LVM2_member"]),
        LV: block("253:4", ["ext4"], {"TYPE": "ext4", "UUID": "e1"}),
    }
    refused(
        gs.plan_backend(make_spec(lvm=THICK), observe(blocks, lvm=state)),
        f"/dev/sdb for {MOUNT}: {LV} holds ext4 that was not made for {MOUNT}; refusing to format it "
        "(set wipe: true for this device to re-create it)",
        LV,
    )
    wiped = gs.plan_backend(
        make_spec(lvm=THICK, wipe=True), observe(blocks, lvm=state, inspected=looked_clean(blocks))
    )
    assert wiped["operations"] == [mkfs([*XFS, "-f", LV]), *new_filesystem_tail()]


def test_lvm_device_with_filesystem_becomes_pv_only_with_wipe():
    blocks = {"/dev/sdb": block("8:16", ["xfs"], {"TYPE": "xfs", "UUID": "x1"})}
    refused(
        gs.plan_backend(make_spec(lvm=THICK), observe(blocks, lvm=NO_LVM)),
        f"/dev/sdb for {MOUNT}: /dev/sdb carries xfs; refusing to make it a physical volume "
        "(set wipe: true for this device to wipe it)",
        LV,
    )
    plan = gs.plan_backend(
        make_spec(lvm=THICK, wipe=True), observe(blocks, lvm=NO_LVM, inspected=looked_clean(blocks))
    )
    assert plan["operations"] == [
        wipe("/dev/sdb"),
        pvcreate("/dev/sdb"),
        vgcreate("/dev/sdb"),
        thick_lv("-l", "100%FREE"),
        mkfs([*XFS, "-f", LV]),
        *new_filesystem_tail(),
    ]


@pytest.mark.parametrize("wipe_it", [False, True])
@pytest.mark.parametrize(
    "signatures, state, message",
    [
        pytest.param(
            ["LVM2_member"],
            {"pvs": {"/dev/sdb": "vg_other"}, "vgs": ["vg_other"], "lvs": {}},
            "/dev/sdb is a physical volume of volume group vg_other; remove it from there first",
            id="other-vg",
        ),
        pytest.param(
            [],
            {"pvs": {"/dev/sdc": "vg_bricks"}, "vgs": ["vg_bricks"], "lvs": {}},
            "volume group vg_bricks exists without /dev/sdb; extend it by hand or pick another name",
            id="vg-without-pv",
        ),
        pytest.param(
            ["LVM2_member"],
            None,
            "/dev/sdb carries LVM metadata and the lvm2 tools are not installed to read it",
            id="no-lvm2",
        ),
    ],
)
def test_lvm_refusals(signatures, state, message, wipe_it):
    blocks = {"/dev/sdb": block("8:16", signatures)}
    plan = gs.plan_backend(make_spec(lvm=THIN, wipe=wipe_it), observe(blocks, lvm=state))
    refused(plan, f"/dev/sdb for {MOUNT}: {message}", LV)


def test_lvm_refusal_for_a_pv_of_another_vg_on_the_partition():
    blocks = {
        "/dev/sdb": block("8:16", ["PMBR", "gpt"], {"PTTYPE": "gpt"}, ["/dev/sdb1"]),
        "/dev/sdb1": block("8:17", ["LVM2_member"], {"PART_ENTRY_NAME": "gluster-brick"}),
    }
    state = {"pvs": {"/dev/sdb1": "vg_root"}, "vgs": ["vg_root"], "lvs": {}}
    refused(
        gs.plan_backend(make_spec(lvm=THICK, partition="gpt"), observe(blocks, lvm=state)),
        f"/dev/sdb for {MOUNT}: /dev/sdb1 is a physical volume of volume group vg_root; "
        "remove it from there first",
        LV,
    )


# ---------------------------------------------------------------------- plans: idempotence (real capture)


def real_fstab(spec_field=f"UUID={REAL_UUID}", rest="xfs noatime,inode64 0 0"):
    """fstab text with an entry for the captured mount point (its space escaped as in fstab)."""
    escaped = REAL_MOUNT.replace(" ", "\\040")
    return gs.parse_fstab(f"# bricks\nUUID=0000 / ext4 defaults 0 1\n{spec_field} {escaped} {rest}\n")


REAL_OTHER_FSTAB = gs.parse_fstab("UUID=0000 / ext4 defaults 0 1\n")


@pytest.mark.parametrize(
    "mounts, fstab, exists, expected",
    [
        pytest.param(REAL_MOUNTS, real_fstab(), True, [], id="mounted-and-in-fstab"),
        pytest.param(
            [], real_fstab(), True, [mount_op(uuid=REAL_UUID, mount=REAL_MOUNT)], id="in-fstab-not-mounted"
        ),
        pytest.param(
            [],
            real_fstab(),
            False,
            [directory(REAL_MOUNT), mount_op(uuid=REAL_UUID, mount=REAL_MOUNT)],
            id="in-fstab-no-directory",
        ),
        pytest.param(
            [],
            real_fstab(spec_field=PART),
            True,
            [mount_op(uuid=REAL_UUID, mount=REAL_MOUNT), fstab_op(uuid=REAL_UUID, mount=REAL_MOUNT)],
            id="in-fstab-by-device-path",
        ),
        pytest.param(
            REAL_MOUNTS,
            REAL_OTHER_FSTAB,
            True,
            [fstab_op(uuid=REAL_UUID, mount=REAL_MOUNT)],
            id="mounted-not-in-fstab",
        ),
        pytest.param(
            REAL_MOUNTS,
            real_fstab(rest="xfs defaults 0 0"),
            True,
            [fstab_op(uuid=REAL_UUID, mount=REAL_MOUNT)],
            id="fstab-other-options",
        ),
        pytest.param(
            REAL_MOUNTS,
            real_fstab(rest="xfs inode64,noatime 0 0"),
            True,
            [fstab_op(uuid=REAL_UUID, mount=REAL_MOUNT)],
            id="fstab-options-other-order",
        ),
        pytest.param(
            REAL_MOUNTS,
            real_fstab(rest="xfs noatime,inode64 0 2"),
            True,
            [fstab_op(uuid=REAL_UUID, mount=REAL_MOUNT)],
            id="fstab-other-pass",
        ),
        pytest.param(
            REAL_MOUNTS,
            real_fstab(rest="auto noatime,inode64 0 0"),
            True,
            [fstab_op(uuid=REAL_UUID, mount=REAL_MOUNT)],
            id="fstab-other-type",
        ),
        pytest.param(
            REAL_MOUNTS,
            real_fstab(rest="xfs"),
            True,
            [fstab_op(uuid=REAL_UUID, mount=REAL_MOUNT)],
            id="fstab-three-fields",
        ),
        pytest.param(
            REAL_MOUNTS,
            real_fstab(spec_field="UUID=11111111-2222-3333-4444-555555555555"),
            True,
            [fstab_op(uuid=REAL_UUID, mount=REAL_MOUNT)],
            id="mounted-fstab-old-uuid",
        ),
        pytest.param(
            REAL_MOUNTS, real_fstab(rest="xfs noatime,inode64 1 0"), True, [], id="fstab-dump-ignored"
        ),
    ],
)
@pytest.mark.parametrize("wipe_it", [False, True])
def test_existing_brick_filesystem_is_kept(mounts, fstab, exists, expected, wipe_it):
    """The captured GPT + gluster-brick partition + XFS: never re-created, even with wipe."""
    spec = make_spec(REAL_MOUNT, device=DISK, partition="gpt", wipe=wipe_it)
    blocks = {DISK: real_gpt_disk(), PART: real_xfs_partition()}
    plan = gs.plan_backend(
        spec, observe(blocks, device=DISK, mounts=mounts, fstab=fstab, mountpoint_exists=exists)
    )
    assert plan == {"operations": expected, "problems": [], "filesystem_device": PART}


def test_existing_whole_device_ext4_in_fstab_is_kept():
    """The captured whole-device ext4, named in fstab by its UUID and not mounted: only mounted."""
    uuid = gs.parse_blkid_export(captured("ext4_disk_blkid.txt"))["UUID"]
    fstab = gs.parse_fstab(f"UUID={uuid} /data/b ext4 noatime 0 2\n")
    spec = make_spec(device=DISK, filesystem="ext4")
    plan = gs.plan_backend(
        spec, observe({DISK: real_ext4_disk()}, device=DISK, fstab=fstab, mountpoint_exists=True)
    )
    assert plan == {
        "operations": [mount_op("ext4", ["noatime"], uuid)],
        "problems": [],
        "filesystem_device": DISK,
    }


def test_existing_thin_lv_mounted_and_in_fstab_needs_nothing():
    state = {
        "pvs": {"/dev/sdb": "vg_bricks"},
        "vgs": ["vg_bricks"],
        "lvs": {"vg_bricks/pool1": {}, "vg_bricks/brick1": {}},
    }
    blocks = {
        "/dev/sdb": block("8:16", ["LVM2_member"]),
        LV: block("253:4", ["xfs"], {"TYPE": "xfs", "UUID": "lv-uuid"}),
    }
    mounts = gs.parse_mountinfo(
        "120 27 253:4 / /data/b rw,noatime shared:60 - xfs /dev/mapper/vg_bricks-brick1 rw,inode64"
    )
    fstab = gs.parse_fstab("UUID=lv-uuid /data/b xfs noatime,inode64 0 0\n")
    observed = observe(blocks, mounts=mounts, fstab=fstab, mountpoint_exists=True, lvm=state)
    assert gs.plan_backend(make_spec(lvm=THIN), observed) == {
        "operations": [],
        "problems": [],
        "filesystem_device": LV,
    }


# --------------------------------------------------------------------------- plans: refusals


def two_partition_blocks(first):
    p2_probe = dict(
        gs.parse_blkid_export(captured("two_partitions_p1_blkid.txt")),
        PART_ENTRY_NAME="other",
        PART_ENTRY_NUMBER="2",
    )
    return {
        DISK: real_block(
            REAL["disk_major_minor"], "two_partitions_disk", [PART, PART2], wipefs="gpt_disk_wipefs.json"
        ),
        PART: first,
        PART2: block("259:1", [], p2_probe),
    }


def stale_partition_blocks():
    """A disk without any signature whose old partition the kernel still lists."""
    return {
        DISK: block(REAL["disk_major_minor"], partitions=[PART]),
        PART: block(REAL["partition_major_minor"]),
    }


def one_data_partition_blocks():
    return {
        DISK: real_block(
            REAL["disk_major_minor"], "two_partitions_disk", [PART], wipefs="gpt_disk_wipefs.json"
        ),
        PART: real_data_partition(),
    }


@pytest.mark.parametrize(
    "raw, blocks, message",
    [
        pytest.param(
            {},
            {DISK: real_ext4_disk()},
            f"{DISK} holds ext4 that was not made for {MOUNT}; refusing to format it "
            "(set wipe: true for this device to re-create it)",
            id="foreign-ext4",
        ),
        pytest.param(
            {"filesystem": "ext4"},
            {DISK: real_ext4_disk()},
            f"{DISK} holds ext4 that was not made for {MOUNT}; refusing to format it "
            "(set wipe: true for this device to re-create it)",
            id="same-type-not-ours",
        ),
        pytest.param(
            {},
            {DISK: real_gpt_disk(())},
            f"{DISK} holds PMBR, gpt that was not made for {MOUNT}; refusing to format it "
            "(set wipe: true for this device to re-create it)",
            id="partition-table-under-whole-device",
        ),
        pytest.param(
            {"partition": "gpt"},
            two_partition_blocks(real_data_partition()),
            f"{DISK} carries PMBR, gpt, partition {PART}, partition {PART2}; refusing to partition it "
            "(set wipe: true for this device to wipe it)",
            id="two-partitions",
        ),
        pytest.param(
            {"partition": "gpt"},
            two_partition_blocks(real_blank_brick_partition()),
            f"{DISK} carries PMBR, gpt, partition {PART}, partition {PART2}; refusing to partition it "
            "(set wipe: true for this device to wipe it)",
            id="two-partitions-first-named-gluster-brick",
        ),
        pytest.param(
            {"partition": "gpt"},
            one_data_partition_blocks(),
            f"{DISK} carries PMBR, gpt, partition {PART}; refusing to partition it "
            "(set wipe: true for this device to wipe it)",
            id="one-partition-other-name",
        ),
        pytest.param(
            {"partition": "gpt"},
            {DISK: real_ext4_disk()},
            f"{DISK} carries ext4; refusing to partition it (set wipe: true for this device to wipe it)",
            id="filesystem-where-partition-wanted",
        ),
        # the kernel keeps listing old partitions after the table is overwritten (seen on the capture's
        # loop device after mkfs.ext4 on the whole disk): they alone refuse re-partitioning
        pytest.param(
            {"partition": "gpt"},
            stale_partition_blocks(),
            f"{DISK} carries partition {PART}; refusing to partition it "
            "(set wipe: true for this device to wipe it)",
            id="stale-kernel-partition",
        ),
        pytest.param(
            {"partition": "gpt"},
            {DISK: real_gpt_disk(), PART: real_xfs_partition()},
            f"{PART} holds xfs that was not made for {MOUNT}; refusing to format it "
            "(set wipe: true for this device to re-create it)",
            id="adopted-gpt-foreign-xfs",
        ),
    ],
)
def test_foreign_content_is_refused_without_wipe(raw, blocks, message):
    spec = make_spec(device=DISK, **raw)
    plan = gs.plan_backend(spec, observe(blocks, device=DISK))
    target = PART if raw.get("partition") else DISK
    refused(plan, f"{DISK} for {MOUNT}: {message}", target)
    assert "wipe: true" in message


def test_foreign_filesystem_message_names_type():
    plan = gs.plan_backend(make_spec(device=DISK), observe({DISK: real_ext4_disk()}, device=DISK))
    (problem,) = plan["problems"]
    assert "ext4" in problem
    assert "wipe: true" in problem


@pytest.mark.parametrize(
    "raw, blocks, operations",
    [
        pytest.param({}, {DISK: real_ext4_disk()}, [mkfs([*XFS, "-f", DISK])], id="xfs-over-ext4"),
        pytest.param(
            {"filesystem": "ext4"},
            {DISK: block("7:0", ["xfs"], {"TYPE": "xfs", "UUID": "x"})},
            [mkfs([*EXT4, "-F", DISK])],
            id="ext4-over-xfs",
        ),
        pytest.param(
            {
                "filesystem": "ext4",
                "raid": {"stripe_unit": "64k", "data_disks": 4},
                "mkfs_options": ["-L", "brick1"],
            },
            {DISK: real_ext4_disk()},
            [mkfs(["mkfs.ext4", "-q", "-E", "stride=16,stripe_width=64", "-F", "-L", "brick1", DISK])],
            id="ext4-raid-forced",
        ),
        pytest.param(
            {"partition": "gpt"},
            two_partition_blocks(real_xfs_partition()),
            [wipe(PART), wipe(DISK), parted(DISK), mkfs([*XFS, "-f", PART])],
            id="two-partitions-first-xfs",
        ),
        pytest.param(
            {"partition": "gpt"},
            one_data_partition_blocks(),
            [wipe(DISK), parted(DISK), mkfs([*XFS, "-f", PART])],
            id="partition-without-signature",
        ),
        pytest.param(
            {"partition": "gpt"},
            {DISK: real_ext4_disk()},
            [wipe(DISK), parted(DISK), mkfs([*XFS, "-f", PART])],
            id="filesystem-then-partition",
        ),
        pytest.param(
            {"partition": "gpt"},
            stale_partition_blocks(),
            [parted(DISK), mkfs([*XFS, "-f", PART])],
            id="stale-kernel-partition",
        ),
        pytest.param(
            {"partition": "gpt", "lvm": THICK},
            two_partition_blocks(real_xfs_partition()),
            [
                wipe(PART),
                wipe(DISK),
                parted(DISK),
                pvcreate(PART),
                vgcreate(PART),
                thick_lv("-l", "100%FREE"),
                mkfs([*XFS, "-f", LV]),
            ],
            id="two-partitions-then-lvm",
        ),
        pytest.param(
            {"partition": "gpt"},
            {DISK: real_gpt_disk(), PART: real_xfs_partition()},
            [mkfs([*XFS, "-f", PART])],
            id="adopted-gpt-foreign-xfs",
        ),
    ],
)
def test_wipe_plans(raw, blocks, operations):
    """Filesystems looked into (read-only) and found without brick data: wipe re-creates them."""
    spec = make_spec(device=DISK, wipe=True, **raw)
    lvm = NO_LVM if raw.get("lvm") else None
    plan = gs.plan_backend(spec, observe(blocks, device=DISK, lvm=lvm, inspected=looked_clean(blocks)))
    fs = raw.get("filesystem", "xfs")
    assert plan["problems"] == []
    assert plan["operations"] == [
        *operations,
        *new_filesystem_tail(fs, ["noatime"] if fs == "ext4" else XFS_OPTIONS),
    ]
    # not looked into: nothing is destroyed, and the plan names the filesystems to look into
    unseen = gs.plan_backend(spec, observe(blocks, device=DISK, lvm=lvm), WHERE)
    if not looked_clean(blocks):  # only partition tables go: nothing to look into
        assert unseen == plan
        return
    assert unseen["operations"] == [] and unseen["inspect"] == sorted(
        looked_clean(blocks), key=list(blocks).index
    )
    assert len(unseen["problems"]) == len(unseen["inspect"])
    for path, problem in zip(unseen["inspect"], unseen["problems"], strict=True):
        assert problem.startswith(f"{DISK} for {MOUNT}: {path} holds the ") and problem.endswith(
            "that was not looked into for brick data; refusing to destroy it"
        ), problem


OTHER_MOUNT = gs.parse_mountinfo("130 27 8:16 / /srv/other rw,relatime - xfs /dev/sdb rw")


@pytest.mark.parametrize("wipe_it", [False, True])
@pytest.mark.parametrize(
    "raw, device, blocks, mounts, message, target",
    [
        pytest.param(
            {},
            "/dev/sdb",
            {"/dev/sdb": block("8:16", ["xfs"], {"TYPE": "xfs"})},
            OTHER_MOUNT,
            "/dev/sdb is mounted at /srv/other; refusing to touch a mounted device",
            "/dev/sdb",
            id="device-elsewhere",
        ),
        pytest.param(
            {"partition": "gpt"},
            DISK,
            {DISK: real_gpt_disk(), PART: real_xfs_partition()},
            REAL_MOUNTS,
            f"{PART} is mounted at {REAL_MOUNT}; refusing to touch a mounted device",
            PART,
            id="partition-elsewhere",
        ),
        pytest.param(
            {},
            DISK,
            {DISK: real_gpt_disk(), PART: real_xfs_partition()},
            REAL_MOUNTS,
            f"{PART} is mounted at {REAL_MOUNT}; refusing to touch a mounted device",
            DISK,
            id="partition-elsewhere-whole-device-wanted",
        ),
        pytest.param(
            {"partition": "gpt"},
            DISK,
            two_partition_blocks(real_xfs_partition()),
            gs.parse_mountinfo("131 27 259:1 / /srv/p2 rw - ext4 /dev/loop0p2 rw"),
            f"{PART2} is mounted at /srv/p2; refusing to touch a mounted device",
            PART,
            id="second-partition-elsewhere",
        ),
        pytest.param(
            {"lvm": THICK},
            "/dev/sdb",
            {"/dev/sdb": block("8:16", ["LVM2_member"]), LV: block("253:4", ["xfs"])},
            gs.parse_mountinfo("132 27 253:4 / /srv/lv rw - xfs /dev/mapper/vg_bricks-brick1 rw"),
            f"{LV} is mounted at /srv/lv; refusing to touch a mounted device",
            LV,
            id="lv-elsewhere",
        ),
        pytest.param(
            {},
            "/dev/sdb",
            {"/dev/sdb": block("8:16")},
            gs.parse_mountinfo("133 27 8:32 / /data/b rw - xfs /dev/sdc rw"),
            f"{MOUNT} already has /dev/sdc (xfs) mounted on it",
            "/dev/sdb",
            id="other-device-on-mount-point",
        ),
        pytest.param(
            {},
            "/dev/sdb",
            {"/dev/sdb": block("8:16")},
            gs.parse_mountinfo("134 27 0:61 / /data/b rw - tmpfs tmpfs rw,size=1024k"),
            f"{MOUNT} already has tmpfs (tmpfs) mounted on it",
            "/dev/sdb",
            id="tmpfs-on-mount-point",
        ),
        pytest.param(
            {"lvm": THICK},
            "/dev/sdb",
            {"/dev/sdb": block("8:16")},
            gs.parse_mountinfo("135 27 8:32 / /data/b rw - xfs /dev/sdc rw"),
            f"{MOUNT} already has /dev/sdc (xfs) mounted on it",
            LV,
            id="mount-point-taken-lv-not-made-yet",
        ),
        pytest.param(
            {},
            "/dev/sdb",
            {"/dev/sdb": block("8:16", ["xfs"], {"TYPE": "xfs"})},
            gs.parse_mountinfo(
                "10 1 8:16 / /data/b rw - xfs /dev/sdb rw\n11 10 0:50 / /data/b rw - tmpfs tmpfs rw"
            ),
            f"{MOUNT} already has tmpfs (tmpfs) mounted on it",
            "/dev/sdb",
            id="ours-covered-by-tmpfs",
        ),
    ],
)
def test_mounts_are_refused_even_with_wipe(raw, device, blocks, mounts, message, target, wipe_it):
    spec = make_spec(device=device, wipe=wipe_it, **raw)
    plan = gs.plan_backend(
        spec, observe(blocks, device=device, mounts=mounts, lvm=NO_LVM if raw.get("lvm") else None)
    )
    refused(plan, f"{device} for {MOUNT}: {message}", target)


def test_captured_partition_on_another_mount_point_blocks_the_wanted_one():
    """Planning a blank /dev/sdb at the captured mount point, where loop0p1 is mounted."""
    plan = gs.plan_backend(make_spec(REAL_MOUNT), observe({"/dev/sdb": block("8:16")}, mounts=REAL_MOUNTS))
    refused(
        plan, f"/dev/sdb for {REAL_MOUNT}: {REAL_MOUNT} already has {PART} (xfs) mounted on it", "/dev/sdb"
    )


def test_device_mounted_elsewhere_and_mount_point_taken_reports_both():
    mounts = gs.parse_mountinfo(
        "130 27 8:16 / /srv/other rw - xfs /dev/sdb rw\n131 27 8:32 / /data/b rw - xfs /dev/sdc rw"
    )
    plan = gs.plan_backend(make_spec(), observe({"/dev/sdb": block("8:16")}, mounts=mounts))
    assert plan["operations"] == []
    assert plan["problems"] == [
        f"/dev/sdb for {MOUNT}: /dev/sdb is mounted at /srv/other; refusing to touch a mounted device",
        f"/dev/sdb for {MOUNT}: {MOUNT} already has /dev/sdc (xfs) mounted on it",
    ]


@pytest.mark.parametrize("blocks", [{}, {"/dev/sdb": {"exists": False}}, {"/dev/sdb": {}}])
@pytest.mark.parametrize("raw", [{}, {"partition": "gpt", "lvm": THIN, "wipe": True}])
def test_missing_device(blocks, raw):
    plan = gs.plan_backend(make_spec(**raw), observe(blocks, lvm=NO_LVM))
    assert plan == {
        "operations": [],
        "problems": [f"/dev/sdb for {MOUNT}: no such block device on this node"],
        "filesystem_device": None,
    }


# --------------------------------------------------------------------------- plans: an existing GPT


@pytest.mark.parametrize(
    "raw, operations, target",
    [
        pytest.param({}, [mkfs([*XFS, PART])], PART, id="xfs"),
        pytest.param({"filesystem": "ext4"}, [mkfs([*EXT4, PART])], PART, id="ext4"),
        pytest.param(
            {"lvm": THICK},
            [pvcreate(PART), vgcreate(PART), thick_lv("-l", "100%FREE"), mkfs([*XFS, LV])],
            LV,
            id="lvm",
        ),
    ],
)
def test_existing_gluster_brick_partition_is_adopted(raw, operations, target):
    """The captured GPT with its single gluster-brick partition, before any filesystem: no parted."""
    blocks = {DISK: real_gpt_disk(), PART: real_blank_brick_partition()}
    plan = gs.plan_backend(
        make_spec(device=DISK, partition="gpt", **raw), observe(blocks, device=DISK, lvm=NO_LVM)
    )
    fs = raw.get("filesystem", "xfs")
    assert plan["problems"] == []
    assert plan["filesystem_device"] == target
    assert plan["operations"] == [
        *operations,
        *new_filesystem_tail(fs, ["noatime"] if fs == "ext4" else XFS_OPTIONS),
    ]
    assert all(op["op"] not in ("partition", "wipe") for op in plan["operations"])


def test_existing_gpt_with_other_partition_table_type_is_not_adopted():
    blocks = {DISK: real_gpt_disk(), PART: real_blank_brick_partition()}
    blocks[DISK]["blkid"]["PTTYPE"] = "dos"
    plan = gs.plan_backend(make_spec(device=DISK, partition="gpt"), observe(blocks, device=DISK))
    assert plan["operations"] == []
    assert plan["problems"] == [
        f"{DISK} for {MOUNT}: {DISK} carries PMBR, gpt, partition {PART}; refusing to partition it "
        "(set wipe: true for this device to wipe it)"
    ]


# --------------------------------------------------------------------------- plans: SELinux


ENFORCING = {"enforcing": True, "labelled": False}


@pytest.mark.parametrize(
    "selinux, wanted, labelled_ops",
    [
        pytest.param(ENFORCING, True, True, id="enforcing-unlabelled"),
        pytest.param({"enforcing": True, "labelled": True}, True, False, id="labelled"),
        pytest.param({"enforcing": False, "labelled": False}, True, False, id="permissive"),
        pytest.param({}, True, False, id="no-selinux"),
        pytest.param(ENFORCING, False, False, id="selinux-false-in-spec"),
    ],
)
def test_selinux_on_an_existing_brick(selinux, wanted, labelled_ops):
    spec = make_spec(REAL_MOUNT, device=DISK, partition="gpt", selinux=wanted)
    blocks = {DISK: real_gpt_disk(), PART: real_xfs_partition()}
    observed = observe(
        blocks, device=DISK, mounts=REAL_MOUNTS, fstab=real_fstab(), mountpoint_exists=True, selinux=selinux
    )
    expected = [
        {
            "op": "selinux",
            "argv": ["semanage", "fcontext", "--add", "--type", "glusterd_brick_t", f"{REAL_MOUNT}(/.*)?"],
        },
        {"op": "selinux", "argv": ["restorecon", "-R", REAL_MOUNT]},
    ]
    assert gs.plan_backend(spec, observed)["operations"] == (expected if labelled_ops else [])


def test_selinux_steps_come_after_mount_and_fstab():
    plan = gs.plan_backend(make_spec(), observe({"/dev/sdb": block("8:16")}, selinux=ENFORCING))
    assert [op["op"] for op in plan["operations"]] == [
        "mkfs",
        "directory",
        "mount",
        "fstab",
        "selinux",
        "selinux",
    ]
    assert plan["operations"][-1] == {"op": "selinux", "argv": ["restorecon", "-R", MOUNT]}


# ----------------------------------------------------- regressions found while writing these tests


@pytest.mark.parametrize("wipe_it", [False, True])
def test_wrong_filesystem_mounted_at_the_mount_point_is_never_formatted(wipe_it):
    """/dev/sdb holds ext4 mounted at the mount point, xfs is wanted: refused even with wipe
    (mkfs -f on a mounted device must never be planned)."""
    blocks = {"/dev/sdb": block("8:16", ["ext4"], {"TYPE": "ext4", "UUID": "u-1"})}
    mounts = gs.parse_mountinfo(f"90 1 8:16 / {MOUNT} rw - ext4 /dev/sdb rw\n")
    plan = gs.plan_backend(make_spec(wipe=wipe_it), observe(blocks, mounts=mounts, mountpoint_exists=True))
    refused(
        plan,
        f"/dev/sdb for {MOUNT}: /dev/sdb is mounted at {MOUNT} with ext4, not the wanted xfs; "
        "refusing to touch a mounted device (unmount it first)",
        "/dev/sdb",
    )


@pytest.mark.parametrize("owner", [None, ""], ids=["not-a-pv", "pv-without-vg"])
def test_existing_vg_without_this_pv_is_refused(owner):
    """The VG exists on another PV: an LV there would use the other disk's space."""
    pvs = {"/dev/sdc": "vg_bricks"} | ({} if owner is None else {"/dev/sdb": owner})
    state = {"pvs": pvs, "vgs": ["vg_bricks"], "lvs": {}}
    blocks = {"/dev/sdb": block("8:16", [] if owner is None else ["LVM2_member"])}
    plan = gs.plan_backend(make_spec(lvm=THICK), observe(blocks, lvm=state))
    refused(
        plan,
        f"/dev/sdb for {MOUNT}: volume group vg_bricks exists without /dev/sdb; "
        "extend it by hand or pick another name",
        LV,
    )


@pytest.mark.parametrize(
    "changes, suffix, fragment",
    [
        ({"lvm": {**THIN}, "raid": {"stripe_unit": "32k", "data_disks": 3}}, ":raid",
         "a thin pool's chunk size is the full stripe (96K here) and must be a multiple of 64K"),
        ({"lvm": {**THIN, "pool_metadata_size": "1%FREE"}}, ":lvm:pool_metadata_size",
         "must be a fixed size such as 16G, not a share"),
        ({"lvm": {**THIN, "thin_pool": "brick1"}}, ":lvm:thin_pool", "must differ from lv ('brick1')"),
    ],
)  # fmt: skip
def test_lvm_values_lvcreate_would_reject(changes, suffix, fragment):
    problems = gs.backend_problems(MOUNT, {"device": "/dev/sdb", **changes}, WHERE)
    assert f"{WHERE}{suffix}: {fragment}" in problems, problems


def test_thin_pool_with_a_64k_multiple_stripe_is_fine():
    raid = {"stripe_unit": "64k", "data_disks": 3}
    assert gs.backend_problems(MOUNT, {"device": "/dev/sdb", "lvm": THIN, "raid": raid}, WHERE) == []


def test_mkfs_options_may_remove_an_ext4_feature():
    spec = {"device": "/dev/sdb", "filesystem": "ext4", "mkfs_options": ["-O", "^has_journal"]}
    assert gs.backend_problems(MOUNT, spec, WHERE) == []


# --------------------------------------------------------------------------- plans: brick data is never wiped
# The captured whole-device XFS holding a brick (tests/data/storage/CAPTURE.txt, 4): what a
# reinstalled node's brick disk looks like once fstab is gone: unmounted, in no fstab.

BRICK_UUID = gs.parse_blkid_export(captured("xfs_brick_data_disk_blkid.txt"))["UUID"]
VOLUME_ID = "5e1c0a4b-9d3f-4c2a-8b7e-6f1a2b3c4d5e"  # the xattr set on the capture's /brick
BRICK_FOUND = [{"path": "/brick", "volume_id": VOLUME_ID, "glusterfs": True}]
OTHER_UUID = "2232f4a9-2b12-4361-97e3-9eff40f50d07"  # another disk's filesystem
KEY = f"{WHERE}:wipe_brick_data"


def real_brick_data_disk():
    return real_block(REAL["disk_major_minor"], "xfs_brick_data_disk")


def brick_data_refusal(path=DISK, fs="xfs", uuid=BRICK_UUID, found="trusted.glusterfs.volume-id "
                       f"{VOLUME_ID} and .glusterfs at /brick", keep=None):  # fmt: skip
    keep = keep or (
        f"if it is the brick filesystem of {MOUNT}, record it in /etc/fstab (UUID={uuid} {MOUNT} {fs} ...) "
        "or mount it there, and the next run keeps it"
    )
    return (
        f"{DISK} for {MOUNT}: {path} holds the {fs} filesystem UUID={uuid} "
        f"with GlusterFS brick data ({found}); "
        f"wipe: true never formats or wipes brick data: {keep}; to destroy it, set {KEY}: {uuid} "
        "(that filesystem only, once: the new filesystem gets another UUID)"
    )


def test_captured_brick_data_disk():
    probe = gs.parse_blkid_export(captured("xfs_brick_data_disk_blkid.txt"))
    assert (probe["TYPE"], probe["USAGE"]) == ("xfs", "filesystem")
    assert wipefs_types("xfs_brick_data_disk_wipefs.json") == ["xfs"]


@pytest.mark.parametrize("raw", [{}, {"filesystem": "ext4"}, {"partition": "gpt"}, {"lvm": THICK}])
def test_a_filesystem_holding_brick_data_is_never_destroyed_by_wipe(raw):
    """Whatever the spec makes of the device (re-format, another type, a partition, a PV): refused."""
    blocks = {DISK: real_brick_data_disk()}
    lvm = NO_LVM if raw.get("lvm") else None
    spec = make_spec(device=DISK, wipe=True, **raw)
    first = gs.plan_backend(spec, observe(blocks, device=DISK, lvm=lvm), WHERE)
    assert first["operations"] == [] and first["inspect"] == [DISK]
    looked = {DISK: {"brick_data": BRICK_FOUND, "error": None}}
    plan = gs.plan_backend(spec, observe(blocks, device=DISK, lvm=lvm, inspected=looked), WHERE)
    keep = (
        None
        if raw.get("filesystem", "xfs") == "xfs"
        else "if it is a brick filesystem, mount it where its volume expects it"
    )
    assert plan == {
        "operations": [],
        "problems": [brick_data_refusal(keep=keep)],
        "filesystem_device": gs.partition_path(DISK)
        if raw.get("partition")
        else LV
        if raw.get("lvm")
        else DISK,
    }


@pytest.mark.parametrize(
    "found, shown",
    [
        (
            [{"path": "/", "volume_id": VOLUME_ID, "glusterfs": False}],
            f"trusted.glusterfs.volume-id {VOLUME_ID} at /",
        ),
        (
            [{"path": "/bricks/gv0/brick", "volume_id": None, "glusterfs": True}],
            ".glusterfs at /bricks/gv0/brick",
        ),
        (
            [{"path": f"/b{i}", "volume_id": None, "glusterfs": True} for i in range(5)],
            ".glusterfs at /b0; .glusterfs at /b1; .glusterfs at /b2 and 2 more",
        ),
    ],
)
def test_brick_data_refusal_names_what_was_found(found, shown):
    blocks = {DISK: real_brick_data_disk()}
    looked = {DISK: {"brick_data": found, "error": "the top 3 levels hold more than 20000 directories"}}
    plan = gs.plan_backend(
        make_spec(device=DISK, wipe=True), observe(blocks, device=DISK, inspected=looked), WHERE
    )
    assert plan["problems"] == [brick_data_refusal(found=shown)]


def test_a_filesystem_that_could_not_be_looked_into_is_not_destroyed():
    blocks = {DISK: real_ext4_disk()}
    uuid = blocks[DISK]["blkid"]["UUID"]
    looked = {DISK: {"brick_data": [], "error": "a read-only mount failed: wrong fs type"}}
    plan = gs.plan_backend(
        make_spec(device=DISK, wipe=True), observe(blocks, device=DISK, inspected=looked), WHERE
    )
    refused(
        plan,
        f"{DISK} for {MOUNT}: {DISK} holds the ext4 filesystem UUID={uuid} "
        "that could not be looked into for brick "
        "data (a read-only mount failed: wrong fs type); "
        "wipe: true does not destroy what it cannot see: check it "
        f"by hand, and if it may go, set {KEY}: {uuid}",
        DISK,
    )


@pytest.mark.parametrize("named", [BRICK_UUID, BRICK_UUID.upper()])
def test_the_override_naming_the_filesystem_uuid_formats_it(named):
    """No look is needed for the one filesystem the override names; the pillar's case does not matter."""
    blocks = {DISK: real_brick_data_disk()}
    spec = make_spec(device=DISK, wipe=True, wipe_brick_data=named)
    plan = gs.plan_backend(spec, observe(blocks, device=DISK), WHERE)
    assert plan == {
        "operations": [mkfs([*XFS, "-f", DISK]), *new_filesystem_tail()],
        "problems": [],
        "filesystem_device": DISK,
    }


def test_the_override_releases_one_filesystem_only():
    """Two partitions with brick data, the override names the first: the second still refuses."""
    first = block(
        REAL["partition_major_minor"], ["xfs"], {"TYPE": "xfs", "USAGE": "filesystem", "UUID": BRICK_UUID}
    )
    second = block("259:1", ["ext4"], {"TYPE": "ext4", "USAGE": "filesystem", "UUID": OTHER_UUID})
    blocks = two_partition_blocks(first)
    blocks[PART2] = second
    spec = make_spec(device=DISK, partition="gpt", wipe=True, wipe_brick_data=BRICK_UUID)
    unseen = gs.plan_backend(spec, observe(blocks, device=DISK), WHERE)
    assert unseen["inspect"] == [PART2], "the named filesystem is not looked into; the other one is"
    looked = {PART2: {"brick_data": [{"path": "/", "volume_id": None, "glusterfs": True}], "error": None}}
    plan = gs.plan_backend(spec, observe(blocks, device=DISK, inspected=looked), WHERE)
    refused(
        plan,
        brick_data_refusal(PART2, "ext4", OTHER_UUID, ".glusterfs at /",
                           "if it is a brick filesystem, mount it where its volume expects it"),
        PART,
    )  # fmt: skip
    clean = gs.plan_backend(
        spec, observe(blocks, device=DISK, inspected=looked_clean({PART2: second})), WHERE
    )
    assert clean["problems"] == []
    assert clean["operations"][:4] == [wipe(PART), wipe(PART2), wipe(DISK), parted(DISK)]


def mismatch(held):
    return (
        f"{DISK} for {MOUNT}: {KEY} names the filesystem UUID {OTHER_UUID}, "
        f"but the plan would destroy {held}; "
        "refusing to destroy anything: the device name may point to another disk now (name it by "
        "/dev/disk/by-id/...), or that filesystem was re-created already (remove wipe_brick_data)"
    )


def test_an_override_naming_another_filesystem_is_refused_naming_both():
    """The override written for one disk, the device name now on another disk holding brick data."""
    blocks = {DISK: real_brick_data_disk()}
    spec = make_spec(device=DISK, wipe=True, wipe_brick_data=OTHER_UUID)
    looked = {DISK: {"brick_data": BRICK_FOUND, "error": None}}
    plan = gs.plan_backend(spec, observe(blocks, device=DISK, inspected=looked), WHERE)
    refused_both = [brick_data_refusal(), mismatch(f"xfs UUID {BRICK_UUID} on {DISK}")]
    assert plan == {"operations": [], "problems": refused_both, "filesystem_device": DISK}
    assert OTHER_UUID in plan["problems"][1] and BRICK_UUID in plan["problems"][1]
    # even a filesystem without brick data, or a bare partition table, is not what it names
    clean = gs.plan_backend(spec, observe(blocks, device=DISK, inspected=looked_clean(blocks)), WHERE)
    refused(clean, mismatch(f"xfs UUID {BRICK_UUID} on {DISK}"), DISK)
    table = gs.plan_backend(spec, observe({DISK: real_gpt_disk(())}, device=DISK), WHERE)
    refused(table, mismatch(f"PMBR, gpt on {DISK}"), DISK)


def test_the_override_is_inert_once_the_filesystem_is_this_backends_own():
    """After the format the filesystem has another UUID and is in fstab: kept, the override matches
    nothing."""
    fstab = gs.parse_fstab(f"UUID={BRICK_UUID} {MOUNT} xfs noatime,inode64 0 0\n")
    spec = make_spec(device=DISK, wipe=True, wipe_brick_data=OTHER_UUID)
    plan = gs.plan_backend(
        spec, observe({DISK: real_brick_data_disk()}, device=DISK, fstab=fstab, mountpoint_exists=True), WHERE
    )
    assert plan == {"operations": [mount_op(uuid=BRICK_UUID)], "problems": [], "filesystem_device": DISK}


def test_a_blank_device_with_an_override_is_formatted():
    """Nothing to destroy: the override has nothing to refuse (the disk it named is elsewhere)."""
    spec = make_spec(device=DISK, wipe=True, wipe_brick_data=OTHER_UUID)
    plan = gs.plan_backend(spec, observe({DISK: block(REAL["disk_major_minor"])}, device=DISK), WHERE)
    assert plan["problems"] == [] and plan["operations"][0] == mkfs([*XFS, "-f", DISK])


def test_without_wipe_brick_data_is_refused_as_any_content_without_a_look():
    plan = gs.plan_backend(
        make_spec(device=DISK), observe({DISK: real_brick_data_disk()}, device=DISK), WHERE
    )
    refused(
        plan,
        f"{DISK} for {MOUNT}: {DISK} holds xfs that was not made for {MOUNT}; refusing to format it "
        "(set wipe: true for this device to re-create it)",
        DISK,
    )


@pytest.mark.parametrize(
    "probe, looked_into",
    [
        ({"TYPE": "xfs", "USAGE": "filesystem"}, True),
        ({"TYPE": "xfs"}, True),  # no USAGE: taken for a filesystem
        ({"TYPE": "LVM2_member", "USAGE": "raid"}, False),
        ({"TYPE": "crypto_LUKS", "USAGE": "crypto"}, False),
        ({"TYPE": "swap", "USAGE": "other"}, False),
        ({"PTTYPE": "gpt"}, False),
    ],
)
def test_which_signatures_are_looked_into(probe, looked_into):
    blocks = {DISK: block(REAL["disk_major_minor"], ["sig"], dict(probe, UUID=BRICK_UUID))}
    plan = gs.plan_backend(make_spec(device=DISK, wipe=True), observe(blocks, device=DISK), WHERE)
    assert plan.get("inspect", []) == ([DISK] if looked_into else [])


@pytest.mark.parametrize(
    "fs, argv",
    [
        ("xfs", ["mount", "-t", "xfs", "-o", "ro,nodev,nosuid,noexec,norecovery,nouuid", DISK, "/tmp/look"]),
        ("ext4", ["mount", "-t", "ext4", "-o", "ro,nodev,nosuid,noexec,noload", DISK, "/tmp/look"]),
        ("btrfs", ["mount", "-t", "btrfs", "-o", "ro,nodev,nosuid,noexec,nologreplay", DISK, "/tmp/look"]),
        ("vfat", ["mount", "-t", "vfat", "-o", "ro,nodev,nosuid,noexec", DISK, "/tmp/look"]),
        ("xfs,rw", None),
        ("-o", None),
        ("", None),
        (None, None),
    ],
)
def test_look_mount_argv(fs, argv):
    assert gs.look_mount_argv(fs, DISK, "/tmp/look") == argv
