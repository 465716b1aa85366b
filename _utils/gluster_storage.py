"""Brick backends: a block device made into a mounted, tuned brick filesystem, planned safely.

One backend is described by its mount point and a spec (the pillar's
``gluster:brick_devices:<node>:<mount>``)::

    device: /dev/sdb          # whole disk, partition or any block device
    partition: gpt            # optional: one GPT partition named gluster-brick over the device
    lvm:                      # optional: a PV, a VG and a thick LV, or a thin pool with a thin LV
      vg: vg_bricks
      lv: brick1
      size: 100%FREE          # thick LV size, or the thin LV's virtual size (then required)
      thin_pool: pool1        # optional: makes it thin (what gluster snapshots need)
      pool_size: 100%FREE
      pool_metadata_size: 16G # optional
    filesystem: xfs           # xfs (default, inode size 512) or ext4
    raid: {stripe_unit: 256k, data_disks: 10}   # optional RAID geometry
    mkfs_options: []          # extra mkfs arguments
    mount_options: [noatime, inode64]
    fstab: /etc/fstab
    wipe: false               # true: the device may be wiped when it holds something else
    wipe_brick_data: <UUID>   # with wipe: the one filesystem holding brick data it may destroy

:func:`plan_backend` turns a spec and what was observed on the node into the exact operations
(argv lists and a few file steps) that make the backend, or into problems that refuse it:
a device that carries a partition table, a filesystem or LVM metadata not made for this mount
is refused unless ``wipe`` is true; a device mounted elsewhere is always refused.

``wipe`` never destroys GlusterFS brick data: every filesystem the plan would wipe or format must
have been looked into (the execution module mounts it read-only and lists what
:data:`BRICK_DATA_DEPTH` levels hold: a directory with ``trusted.glusterfs.volume-id`` or a
``.glusterfs`` tree is brick data), and one that holds brick data, or could not be looked into,
is refused unless ``wipe_brick_data`` names its filesystem UUID (blkid's). A ``wipe_brick_data``
that names no filesystem the plan would destroy refuses the plan: the device name points to
another disk now, or that filesystem is gone already. Pure: no I/O.
"""

import posixpath
import re

try:
    from saltext_gluster_utils import gluster_validate as validate
except ImportError:  # pragma: no cover - only when Salt's own utils loader imports this file alone
    validate = None

FILESYSTEMS = ("xfs", "ext4")
PARTITION_TABLES = ("gpt",)
PARTITION_NAME = "gluster-brick"
DEFAULT_MOUNT_OPTIONS = {"xfs": ["noatime", "inode64"], "ext4": ["noatime"]}
FSTAB_PASS = {"xfs": 0, "ext4": 2}
JBOD_ALIGNMENT_KIB = 256  # GlusterFS admin guide: data alignment / thin chunk size without RAID
SELINUX_TYPE = "glusterd_brick_t"
# Brick data is looked for in the filesystem's root and the directories this many levels below
# it (a brick at the root, at /brick, at /bricks/gv0/brick ...).
BRICK_DATA_DEPTH = 3
# mount options that keep a look inside truly read-only: no journal or log replay (that writes
# even under ro), and an XFS clone of a mounted filesystem (same UUID) still mounts
LOOK_MOUNT_OPTIONS = {
    "xfs": ["norecovery", "nouuid"],
    "ext4": ["noload"],
    "ext3": ["noload"],
    "btrfs": ["nologreplay"],
}
UUID_PLACEHOLDER = "<uuid of the new filesystem>"

SPEC_KEYS = {
    "device": "the block device (/dev/...)",
    "partition": "gpt: one GPT partition over the device (default: use the device as it is)",
    "lvm": "{vg, lv, size, thin_pool, pool_size, pool_metadata_size}",
    "filesystem": "xfs (default) or ext4",
    "raid": "{stripe_unit: e.g. 256k, data_disks: N}",
    "mkfs_options": "list of extra mkfs arguments",
    "mount_options": "list of mount options (default noatime, plus inode64 for xfs)",
    "fstab": "fstab file (default /etc/fstab)",
    "wipe": "true: wipe a device that holds something else (default false)",
    "wipe_brick_data": (
        "with wipe: the filesystem UUID (blkid) of the one filesystem holding brick data it may destroy"
    ),
    "selinux": "true (default): label the mount glusterd_brick_t where SELinux is enforcing",
}
LVM_KEYS = {"vg", "lv", "size", "thin_pool", "pool_size", "pool_metadata_size"}
RAID_KEYS = {"stripe_unit", "data_disks"}
DEVICE_RE = re.compile(r"^/dev/[A-Za-z0-9][A-Za-z0-9._:+@=-]*(/[A-Za-z0-9][A-Za-z0-9._:+@=-]*)*$")
LVM_NAME_RE = re.compile(r"^[A-Za-z0-9+_][A-Za-z0-9+_.-]{0,126}$")
LVM_SIZE_RE = re.compile(r"^(\d+(\.\d+)?[bBsSkKmMgGtTpPeE]?|\d{1,3}%(FREE|VG|PVS))$")
UNIT_RE = re.compile(r"^(\d{1,9})([kKmMgG]?)$")
# at most 256 characters; no '..' (an argument such as file,name=../x must not point elsewhere)
MKFS_ARG_RE = re.compile(r"^(?!.*\.\.)[A-Za-z0-9_.,=:/+^-]{1,256}$")
# blkid's UUID of a filesystem: 36-character UUIDs (xfs, ext4, btrfs), vfat's XXXX-XXXX, ntfs' hex
FILESYSTEM_UUID_RE = re.compile(r"^[0-9A-Fa-f]{4,32}(-[0-9A-Fa-f]{2,16}){0,4}$")
FILESYSTEM_TYPE_RE = re.compile(r"^[a-z0-9_]{1,32}$")
MOUNT_OPTION_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:=+-]{0,255}$")
DEVICE_MAX = 1024


# ---- validation ---------------------------------------------------------------------------


def _show(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:60] + "...'"


def size_kib(text):
    """``256k`` / ``1m`` / ``1g`` / ``512`` (KiB) -> KiB as an int; ``None`` when unreadable."""
    match = (
        UNIT_RE.fullmatch(str(text)) if isinstance(text, (str, int)) and not isinstance(text, bool) else None
    )
    if not match:
        return None
    number, unit = int(match.group(1)), match.group(2).lower()
    return number * {"": 1, "k": 1, "m": 1024, "g": 1024 * 1024}[unit]


def device_problems(device, where="device"):
    if isinstance(device, str) and (".." in device.split("/") or posixpath.normpath(device) != device):
        return [f"{where} {_show(device)} must be a normalised path without '..'"]
    if not isinstance(device, str) or not DEVICE_RE.fullmatch(device):
        return [f"{where} {_show(device)} must be a device path under /dev (letters, digits, . _ : + @ = -)"]
    if len(device) > DEVICE_MAX or validate.long_component(device):
        return [f"{where} {_show(device)} is too long for a device path ({len(device)} characters)"]
    return []


def backend_problems(mount, spec, where):
    """Every problem of one backend spec, each prefixed with its pillar path ``where``."""
    problems = []
    problems += [f"{where}: {p}" for p in validate.brick_path_problems(mount, "mount point")]
    if not isinstance(spec, dict):
        return problems + [f"{where}: must be a mapping with at least device: /dev/..."]
    for key in spec:
        if key not in SPEC_KEYS:
            problems.append(f"{where}:{key}: unknown key; allowed: {', '.join(sorted(SPEC_KEYS))}")
    problems += [f"{where}:device: {p}" for p in device_problems(spec.get("device"))]
    partition = spec.get("partition")
    if partition not in (None, False) and partition not in PARTITION_TABLES:
        problems.append(f"{where}:partition: {partition!r} is not supported; use gpt or leave it out")
    filesystem = spec.get("filesystem", "xfs")
    if filesystem not in FILESYSTEMS:
        problems.append(f"{where}:filesystem: {filesystem!r} is not supported; use xfs or ext4")
    for key in ("wipe", "selinux"):
        if key in spec and not isinstance(spec[key], bool):
            problems.append(f"{where}:{key}: {spec[key]!r} must be true or false")
    override = spec.get("wipe_brick_data")
    if override is not None:
        if not isinstance(override, str) or not FILESYSTEM_UUID_RE.fullmatch(override):
            problems.append(
                f"{where}:wipe_brick_data: {_show(override)} must be the filesystem UUID blkid shows "
                "(e.g. 0b6e3a4c-...; blkid --probe --match-tag UUID --output value DEVICE)"
            )
        elif spec.get("wipe") is not True:
            problems.append(
                f"{where}:wipe_brick_data: only with wipe: true (it lets wipe destroy that brick data)"
            )
    problems += [
        f"{where}:fstab: {p}" for p in validate.brick_path_problems(spec.get("fstab", "/etc/fstab"), "fstab")
    ]
    problems += _list_problems(
        spec.get("mkfs_options"),
        MKFS_ARG_RE,
        f"{where}:mkfs_options",
        "mkfs argument",
        "letters, digits and _ . , = : / + ^ -, no '..', at most 256 characters",
    )
    problems += _list_problems(
        spec.get("mount_options"),
        MOUNT_OPTION_RE,
        f"{where}:mount_options",
        "mount option",
        "letters, digits and _ . : = + -, not starting with - or ., at most 256 characters",
    )
    raid = spec.get("raid")
    if raid is not None:
        if not isinstance(raid, dict) or set(raid) != RAID_KEYS:
            problems.append(f"{where}:raid: must be {{stripe_unit: e.g. 256k, data_disks: N}}")
        else:
            unit = size_kib(raid["stripe_unit"])
            if not unit or unit % 4:
                problems.append(
                    f"{where}:raid:stripe_unit: {raid['stripe_unit']!r} must be a size like 64k or 256k "
                    "(a multiple of 4k)"
                )
            disks = raid["data_disks"]
            if not isinstance(disks, int) or isinstance(disks, bool) or not 1 <= disks <= 256:
                problems.append(
                    f"{where}:raid:data_disks: {disks!r} must be the number of data disks (1-256)"
                )
    lvm = spec.get("lvm")
    if lvm is not None:
        problems += _lvm_problems(lvm, f"{where}:lvm")
        raid_ok = (
            isinstance(raid, dict)
            and set(raid) == RAID_KEYS
            and not any(f"{where}:raid" in p for p in problems)
        )
        if isinstance(lvm, dict) and lvm.get("thin_pool") and raid_ok and alignment_kib(raid) % 64:
            problems.append(
                f"{where}:raid: a thin pool's chunk size is the full stripe ({alignment_kib(raid)}K here) "
                "and must be a multiple of 64K"
            )
    return problems


def _list_problems(values, pattern, where, what, allowed):
    if values is None:
        return []
    if not isinstance(values, list):
        return [f"{where}: must be a list"]
    return [
        f"{where}: {what} {_show(value)} is not allowed ({allowed})"
        for value in values
        if not isinstance(value, str) or not pattern.fullmatch(value)
    ]


def _lvm_problems(lvm, where):
    if not isinstance(lvm, dict):
        return [f"{where}: must be a mapping {{vg, lv, size, thin_pool, ...}}"]
    problems = [
        f"{where}:{key}: unknown key; allowed: {', '.join(sorted(LVM_KEYS))}"
        for key in lvm
        if key not in LVM_KEYS
    ]
    for key in ("vg", "lv", "thin_pool"):
        if key in lvm or key in ("vg", "lv"):
            value = lvm.get(key)
            if not isinstance(value, str) or not LVM_NAME_RE.fullmatch(value) or value in (".", ".."):
                problems.append(
                    f"{where}:{key}: {_show(value)} is not a valid LVM name (letters, digits, + _ . -)"
                )
    for key in ("size", "pool_size", "pool_metadata_size"):
        if key in lvm and (not isinstance(lvm[key], str) or not LVM_SIZE_RE.fullmatch(lvm[key])):
            problems.append(
                f"{where}:{key}: {_show(lvm[key])} must be a size like 100G or a share like 100%FREE"
            )
    if "pool_metadata_size" in lvm and "%" in str(lvm["pool_metadata_size"]):
        problems.append(f"{where}:pool_metadata_size: must be a fixed size such as 16G, not a share")
    if "thin_pool" in lvm and lvm.get("thin_pool") == lvm.get("lv"):
        problems.append(f"{where}:thin_pool: must differ from lv ({lvm.get('lv')!r})")
    if "thin_pool" in lvm and "size" not in lvm:
        problems.append(f"{where}:size: required with thin_pool (the thin LV's virtual size, e.g. 1T)")
    if "thin_pool" in lvm and "%" in str(lvm.get("size", "")):
        problems.append(f"{where}:size: a thin LV needs a fixed virtual size such as 1T, not a share")
    for key in ("pool_size", "pool_metadata_size"):
        if key in lvm and "thin_pool" not in lvm:
            problems.append(f"{where}:{key}: only with thin_pool")
    return problems


def normalise(mount, spec):
    """The spec with every default filled in (call after :func:`backend_problems` found none)."""
    filesystem = spec.get("filesystem", "xfs")
    lvm = dict(spec["lvm"]) if spec.get("lvm") else None
    if lvm is not None:
        lvm.setdefault("size", "100%FREE")
        if lvm.get("thin_pool"):
            lvm.setdefault("pool_size", "100%FREE")
    return {
        "mount": mount,
        "device": spec["device"],
        "partition": spec.get("partition") or None,
        "lvm": lvm,
        "filesystem": filesystem,
        "raid": dict(spec["raid"]) if spec.get("raid") else None,
        "mkfs_options": list(spec.get("mkfs_options") or []),
        "mount_options": list(spec.get("mount_options") or DEFAULT_MOUNT_OPTIONS[filesystem]),
        "fstab": spec.get("fstab", "/etc/fstab"),
        "wipe": spec.get("wipe", False) is True,
        "wipe_brick_data": spec["wipe_brick_data"].lower() if spec.get("wipe_brick_data") else None,
        "selinux": spec.get("selinux", True) is not False,
    }


# ---- argv builders ------------------------------------------------------------------------


def partition_path(device):
    """The first partition of ``device`` by the kernel's naming rule (``sdb`` -> ``sdb1``,
    ``nvme0n1`` / ``loop0`` -> ``...p1``); ``device`` is the resolved /dev path."""
    return f"{device}p1" if device[-1:].isdigit() else f"{device}1"


def alignment_kib(raid):
    """Full stripe (stripe unit x data disks) in KiB, or 256 KiB without RAID (admin guide)."""
    if not raid:
        return JBOD_ALIGNMENT_KIB
    return size_kib(raid["stripe_unit"]) * raid["data_disks"]


def lv_path(lvm):
    return f"/dev/{lvm['vg']}/{lvm['lv']}"


def _lvm_size_args(size, fixed_flag="-L"):
    return ["-l", size] if "%" in size else [fixed_flag, size]


def partition_argv(device):
    return ["parted", "--script", "--align", "optimal", device, "mklabel", "gpt",
            "mkpart", PARTITION_NAME, "0%", "100%"]  # fmt: skip


def pvcreate_argv(pv, raid):
    return ["pvcreate", "--dataalignment", f"{alignment_kib(raid)}K", pv]


def vgcreate_argv(vg, pv):
    return ["vgcreate", vg, pv]


def thin_pool_argv(lvm, raid):
    argv = ["lvcreate", "--type", "thin-pool", *_lvm_size_args(lvm["pool_size"]),
            "--chunksize", f"{alignment_kib(raid)}K"]  # fmt: skip
    if lvm.get("pool_metadata_size"):
        argv += ["--poolmetadatasize", lvm["pool_metadata_size"]]
    return argv + ["--zero", "n", "--name", lvm["thin_pool"], lvm["vg"]]


def lv_argv(lvm):
    if lvm.get("thin_pool"):
        return ["lvcreate", "--type", "thin", "--virtualsize", lvm["size"], "--thinpool", lvm["thin_pool"],
                "--name", lvm["lv"], lvm["vg"]]  # fmt: skip
    return [
        "lvcreate",
        *_lvm_size_args(lvm["size"]),
        "--name",
        lvm["lv"],
        "--wipesignatures",
        "y",
        "--yes",
        lvm["vg"],
    ]


def mkfs_argv(filesystem, device, raid=None, extra=(), force=False):
    """XFS: inode size 512, directory blocks 8 KiB, stripe unit/width from the RAID geometry
    (GlusterFS admin guide); ext4: stride and stripe width in 4 KiB blocks."""
    if filesystem == "xfs":
        argv = ["mkfs.xfs", "-q", "-i", "size=512", "-n", "size=8192"]
        if raid:
            argv += ["-d", f"su={size_kib(raid['stripe_unit'])}k,sw={raid['data_disks']}"]
        if force:
            argv.append("-f")
    else:
        argv = ["mkfs.ext4", "-q"]
        if raid:
            stride = size_kib(raid["stripe_unit"]) // 4
            argv += ["-E", f"stride={stride},stripe_width={stride * raid['data_disks']}"]
        if force:
            argv.append("-F")
    return [*argv, *extra, device]


def mount_argv(filesystem, uuid, mount, options):
    return ["mount", "-t", filesystem, "-o", ",".join(options), f"UUID={uuid}", mount]


def look_mount_argv(filesystem, device, point):
    """Mount ``device`` read-only at the private ``point`` to look for brick data: no journal
    replay, no devices, set-uid or executables; ``None`` for a type name that is not plain."""
    if not isinstance(filesystem, str) or not FILESYSTEM_TYPE_RE.fullmatch(filesystem):
        return None
    options = ["ro", "nodev", "nosuid", "noexec", *LOOK_MOUNT_OPTIONS.get(filesystem, [])]
    return ["mount", "-t", filesystem, "-o", ",".join(options), device, point]


def selinux_argvs(mount):
    return [
        ["semanage", "fcontext", "--add", "--type", SELINUX_TYPE, f"{mount}(/.*)?"],
        ["restorecon", "-R", mount],
    ]


# ---- parsers (text of real commands and files) --------------------------------------------


def parse_blkid_export(text):
    """``blkid -p -o export DEVICE`` -> {KEY: value}."""
    found = {}
    for line in (text or "").splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip():
            found[key.strip()] = value.strip()
    return found


def _unescape_mount(field):
    """/proc/self/mountinfo and fstab escape space, tab, newline and backslash as octal."""
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def parse_mountinfo(text):
    """/proc/self/mountinfo -> [{mountpoint, device (major:minor), fstype, source, options}]."""
    mounts = []
    for line in (text or "").splitlines():
        left, sep, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if not sep or len(fields) < 6 or len(tail) < 2:
            continue
        options = set(fields[5].split(","))
        if len(tail) >= 3:
            options |= set(tail[2].split(","))
        mounts.append(
            {
                "mountpoint": _unescape_mount(fields[4]),
                "device": fields[2],
                "fstype": tail[0],
                "source": _unescape_mount(tail[1]),
                "options": sorted(options),
            }
        )
    return mounts


def parse_fstab(text):
    """fstab text -> [{spec, file, vfstype, options, dump, pass}] (comments skipped)."""
    entries = []
    for line in (text or "").splitlines():
        fields = line.split()
        if not fields or fields[0].startswith("#") or len(fields) < 3:
            continue
        fields += ["defaults", "0", "0"][len(fields) - 3 :]
        entries.append(
            {
                "spec": _unescape_mount(fields[0]),
                "file": _unescape_mount(fields[1]),
                "vfstype": fields[2],
                "options": fields[3].split(","),
                "dump": fields[4],
                "pass": fields[5],
            }
        )
    return entries


# ---- the planner --------------------------------------------------------------------------


def _signatures(block):
    """What a block device carries: partition table, filesystem, LVM label... (wipefs types)."""
    return sorted(set(block.get("signatures") or []))


def plan_backend(spec, observed, pillar_key=None):
    """``{"operations": [...], "problems": [...], "filesystem_device": path}`` for one backend.

    ``spec`` is :func:`normalise`'s output; ``observed`` is what the execution module read::

        {"device": "/dev/loop0" (resolved),
         "blocks": {path: {"exists", "major_minor", "signatures": [...], "blkid": {...},
                           "partitions": [paths]}},
         "mounts": parse_mountinfo(...), "fstab": parse_fstab(...),
         "mountpoint_exists": bool,
         "lvm": None (no lvm2 tools) or {"pvs": {pv: vg}, "vgs": [...], "lvs": {"vg/lv": {...}}},
         "selinux": {"enforcing": bool, "labelled": bool},
         "inspected": {path: {"brick_data": [{"path", "volume_id", "glusterfs"}], "error": text or None}}}

    ``inspected`` holds what the read-only look found inside each filesystem the plan would
    destroy. A filesystem missing from it is not destroyed: the plan is refused, with
    ``"inspect": [paths]`` added, the filesystems to look into before planning again.
    ``pillar_key`` (``gluster:brick_devices:<node>:<mount>``) is named in the refusals.

    An operation is ``{"op": name, "argv": [...]}`` or, for the file steps,
    ``{"op": "directory", "path": ...}`` / ``{"op": "fstab", "file": ..., "entry": ...}``.
    """
    mount, wipe, fs = spec["mount"], spec["wipe"], spec["filesystem"]
    device = observed["device"]
    blocks = observed["blocks"]
    whole = blocks.get(device) or {}
    ops, problems = [], []
    where = f"{spec['device']} for {mount}"

    if not whole.get("exists"):
        return {
            "operations": [],
            "problems": [f"{where}: no such block device on this node"],
            "filesystem_device": None,
        }

    # Mounts: the wanted filesystem may be mounted at the mount point; nothing of this device
    # may be mounted anywhere else, and nothing else may sit on the mount point.
    family = {device, *whole.get("partitions", [])}
    target = device
    if spec["partition"]:
        target = partition_path(device)
    if spec["lvm"]:
        target = lv_path(spec["lvm"])
    family.add(target)
    numbers = {blocks[p]["major_minor"]: p for p in family if blocks.get(p, {}).get("major_minor")}
    at_mount = [m for m in observed["mounts"] if m["mountpoint"] == mount]
    for entry in observed["mounts"]:
        path = numbers.get(entry["device"])
        if path and entry["mountpoint"] != mount:
            problems.append(
                f"{where}: {path} is mounted at {entry['mountpoint']}; refusing to touch a mounted device"
            )
    target_block = blocks.get(target) or {}
    if at_mount and at_mount[-1]["device"] != target_block.get("major_minor"):
        problems.append(
            f"{where}: {mount} already has {at_mount[-1]['source']} ({at_mount[-1]['fstype']}) mounted on it"
        )
    if problems:
        return {"operations": [], "problems": problems, "filesystem_device": target}
    mounted = bool(at_mount)

    uuid = (target_block.get("blkid") or {}).get("UUID")
    fstab_entry = next((e for e in observed["fstab"] if e["file"] == mount), None)
    ours = (
        target_block.get("exists")
        and (target_block.get("blkid") or {}).get("TYPE") == fs
        and (
            mounted or (fstab_entry is not None and uuid and fstab_entry["spec"] in (f"UUID={uuid}", target))
        )
    )

    if mounted and not ours:
        fstype = at_mount[-1]["fstype"]
        return {
            "operations": [],
            "problems": [f"{where}: {target} is mounted at {mount} with {fstype}, not the wanted {fs}; "
                         "refusing to touch a mounted device (unmount it first)"],
            "filesystem_device": target,
        }  # fmt: skip
    fresh_target = False  # the filesystem device is created by this plan
    doomed = []  # existing devices whose content the plan destroys
    if not ours:
        fresh_target = _plan_layers(spec, observed, device, target, ops, problems, where, doomed)
        if problems:
            return {"operations": [], "problems": problems, "filesystem_device": target}
        # A new LV is blank; a new partition at the offsets of an old one shows its old content
        # again (only possible with wipe, which formats with force).
        fresh_lv = fresh_target and spec["lvm"]
        target_signatures = [] if fresh_lv or not target_block.get("exists") else _signatures(target_block)
        if target_signatures and not wipe:
            problems.append(
                f"{where}: {target} holds {', '.join(target_signatures)} that was not made for {mount}; "
                "refusing to format it (set wipe: true for this device to re-create it)"
            )
            return {"operations": [], "problems": problems, "filesystem_device": target}
        if target_signatures:
            doomed.append(target)
        ops.append(
            {"op": "mkfs", "argv": mkfs_argv(fs, target, spec["raid"], spec["mkfs_options"], force=wipe)}
        )
        uuid = None
        problems, unseen = _brick_data_problems(spec, observed, doomed, where, pillar_key)
        if problems:
            refusal = {"operations": [], "problems": problems, "filesystem_device": target}
            return dict(refusal, inspect=unseen) if unseen else refusal

    if not observed.get("mountpoint_exists"):
        ops.append({"op": "directory", "path": mount})
    shown_uuid = uuid or UUID_PLACEHOLDER
    if not mounted:
        ops.append({"op": "mount", "argv": mount_argv(fs, shown_uuid, mount, spec["mount_options"])})
    entry = {
        "spec": f"UUID={shown_uuid}",
        "file": mount,
        "vfstype": fs,
        "options": spec["mount_options"],
        "dump": "0",
        "pass": str(FSTAB_PASS[fs]),
    }
    if fstab_entry is None or any(fstab_entry[k] != entry[k] for k in ("spec", "vfstype", "options", "pass")):
        ops.append({"op": "fstab", "file": spec["fstab"], "entry": entry})
    selinux = observed.get("selinux") or {}
    if spec["selinux"] and selinux.get("enforcing") and not selinux.get("labelled"):
        ops += [{"op": "selinux", "argv": argv} for argv in selinux_argvs(mount)]
    return {"operations": ops, "problems": [], "filesystem_device": target}


def _plan_layers(spec, observed, device, target, ops, problems, where, doomed):
    """Partition and LVM steps below the filesystem; returns whether the filesystem device is
    created by this plan. Appends refusals to ``problems``, the devices it wipes to ``doomed``."""
    blocks, wipe = observed["blocks"], spec["wipe"]
    whole = blocks[device]
    fresh = False
    pv = device
    if spec["partition"]:
        pv = partition_path(device)
        part = blocks.get(pv) or {}
        ours = (
            (whole.get("blkid") or {}).get("PTTYPE") == "gpt"
            and whole.get("partitions") == [pv]
            and (part.get("blkid") or {}).get("PART_ENTRY_NAME") == PARTITION_NAME
        )
        if not ours:
            carried = _signatures(whole)
            children = whole.get("partitions") or []
            if (carried or children) and not wipe:
                what = ", ".join(carried + [f"partition {c}" for c in children])
                problems.append(
                    f"{where}: {device} carries {what}; refusing to partition it "
                    "(set wipe: true for this device to wipe it)"
                )
                return False
            for child in children:
                if _signatures(blocks.get(child) or {}):
                    ops.append({"op": "wipe", "argv": ["wipefs", "--all", child]})
                    doomed.append(child)
            if carried:
                ops.append({"op": "wipe", "argv": ["wipefs", "--all", device]})
                doomed.append(device)
            ops.append({"op": "partition", "argv": partition_argv(device)})
            fresh = True
    lvm = spec["lvm"]
    if not lvm:
        return fresh
    state = observed.get("lvm")
    pv_block = {} if fresh else blocks.get(pv) or {}
    pv_signatures = _signatures(pv_block)
    if state is None and "LVM2_member" in pv_signatures:
        problems.append(f"{where}: {pv} carries LVM metadata and the lvm2 tools are not installed to read it")
        return False
    state = state or {"pvs": {}, "vgs": [], "lvs": {}}
    owner = state["pvs"].get(pv)
    if owner is not None and owner not in ("", lvm["vg"]):
        problems.append(
            f"{where}: {pv} is a physical volume of volume group {owner}; remove it from there first"
        )
        return False
    if owner is None:
        if pv_signatures and not wipe:
            problems.append(
                f"{where}: {pv} carries {', '.join(pv_signatures)}; refusing to make it a physical volume "
                "(set wipe: true for this device to wipe it)"
            )
            return False
        if pv_signatures:
            ops.append({"op": "wipe", "argv": ["wipefs", "--all", pv]})
            doomed.append(pv)
        ops.append({"op": "pvcreate", "argv": pvcreate_argv(pv, spec["raid"])})
    if lvm["vg"] not in state["vgs"]:
        ops.append({"op": "vgcreate", "argv": vgcreate_argv(lvm["vg"], pv)})
    elif owner != lvm["vg"]:
        problems.append(
            f"{where}: volume group {lvm['vg']} exists without {pv}; extend it by hand or pick another name"
        )
        return False
    if lvm.get("thin_pool") and f"{lvm['vg']}/{lvm['thin_pool']}" not in state["lvs"]:
        ops.append({"op": "thin-pool", "argv": thin_pool_argv(lvm, spec["raid"])})
    if f"{lvm['vg']}/{lvm['lv']}" not in state["lvs"]:
        ops.append({"op": "lvcreate", "argv": lv_argv(lvm)})
        return True
    return fresh


def _filesystem_probe(block):
    """blkid's probe of ``block`` when it holds a filesystem, else None: a ``TYPE`` whose
    ``USAGE`` is ``filesystem`` or missing (only raid, crypto and other are something else)."""
    probe = block.get("blkid") or {}
    return probe if probe.get("TYPE") and probe.get("USAGE", "filesystem") == "filesystem" else None


def _found_text(found):
    """``trusted.glusterfs.volume-id 5e1c... and .glusterfs at /brick; ...`` (at most three)."""
    shown = []
    for item in found[:3]:
        what = [f"trusted.glusterfs.volume-id {item['volume_id']}"] if item.get("volume_id") else []
        what += [".glusterfs"] if item.get("glusterfs") else []
        shown.append(f"{' and '.join(what)} at {item['path']}")
    more = f" and {len(found) - 3} more" if len(found) > 3 else ""
    return "; ".join(shown) + more


def _brick_data_problems(spec, observed, doomed, where, pillar_key):
    """``(problems, unseen)``: the refusals for the filesystems among ``doomed`` that hold brick
    data, could not be looked into, or were not looked into yet (``unseen``), unless
    ``wipe_brick_data`` names that filesystem's UUID; and the refusal of a ``wipe_brick_data``
    that names none of them."""
    key = f"{pillar_key}:wipe_brick_data" if pillar_key else "wipe_brick_data"
    override = spec.get("wipe_brick_data")
    inspected = observed.get("inspected") or {}
    problems, unseen, held, released = [], [], [], False
    for path in dict.fromkeys(doomed):
        block = observed["blocks"].get(path) or {}
        probe = _filesystem_probe(block)
        if probe is None:
            held.append(f"{', '.join(_signatures(block))} on {path}")
            continue
        fs_uuid, fs_type = probe.get("UUID", ""), probe["TYPE"]
        held.append(f"{fs_type} UUID {fs_uuid or '(none)'} on {path}")
        if override is not None and fs_uuid.lower() == override:
            released = True
            continue
        look = inspected.get(path)
        what = f"{where}: {path} holds the {fs_type} filesystem UUID={fs_uuid or '(none)'}"
        if look is None:
            unseen.append(path)
            problems.append(f"{what} that was not looked into for brick data; refusing to destroy it")
        elif look.get("brick_data"):
            keep = (
                f"if it is the brick filesystem of {spec['mount']}, record it in {spec['fstab']} "
                f"(UUID={fs_uuid} {spec['mount']} {fs_type} ...) or mount it there, and the next run keeps it"
                if fs_type == spec["filesystem"] and fs_uuid
                else "if it is a brick filesystem, mount it where its volume expects it"
            )
            problems.append(
                f"{what} with GlusterFS brick data ({_found_text(look['brick_data'])}); wipe: true never "
                f"formats or wipes brick data: {keep}; to destroy it, set {key}: {fs_uuid or '<its UUID>'} "
                "(that filesystem only, once: the new filesystem gets another UUID)"
            )
        elif look.get("error"):
            problems.append(
                f"{what} that could not be looked into for brick data ({look['error']}); wipe: true does "
                f"not destroy what it cannot see: check it by hand, and if it may go, set {key}: "
                f"{fs_uuid or '<its UUID>'}"
            )
    if override is not None and doomed and not released:
        problems.append(
            f"{where}: {key} names the filesystem UUID {override}, but the plan would destroy "
            f"{'; '.join(held)}; "
            "refusing to destroy anything: the device name may point to another disk now (name it by "
            "/dev/disk/by-id/...), or that filesystem was re-created already (remove wipe_brick_data)"
        )
    return problems, unseen
