"""Execution module for brick backends: block devices made into mounted brick filesystems.

A backend is a mount point and the device under it (see ``_utils/gluster_storage.py`` for the
spec and the rules). ``backend_plan`` observes the node (``wipefs``, ``blkid``, the mount
table, fstab, LVM and SELinux where present) and lists the exact commands that would make the
backend; ``backend_apply`` runs them. Nothing is partitioned, wiped or formatted when the
device carries anything not made for that mount point, unless ``wipe=True``; a device mounted
elsewhere is always refused. A filesystem the plan would destroy is first mounted read-only on a
private temporary directory and looked into: one holding GlusterFS brick data is never destroyed
because of ``wipe``, only when ``wipe_brick_data`` names its filesystem UUID. ``brick_facts``
reports each brick's device, filesystem, size, free space and mount options.

Commands run as argv lists through ``cmd.run_all`` with ``python_shell=False``.
"""

import json
import logging
import os
import shutil
import stat
import sys
import tempfile
import time
import types
import uuid as uuidlib

from salt.exceptions import CommandExecutionError
from salt.exceptions import SaltInvocationError

log = logging.getLogger(__name__)

__virtualname__ = "gluster_storage"

UTILS_PACKAGE = "saltext_gluster_utils"
PARTITION_WAIT = 10.0
VOLUME_ID_XATTR = "trusted.glusterfs.volume-id"
LOOK_TIMEOUT = 60  # seconds for each of the read-only mount, the walk through it and its unmount
LOOK_MAX_DIRECTORIES = 20000


def _register_utils_package():
    """Make ``_utils`` importable as ``saltext_gluster_utils`` (as ``_modules/gluster.py`` does:
    a Salt loader module cannot import another)."""
    here = os.path.dirname(os.path.abspath(__file__))
    paths = [os.path.normpath(os.path.join(here, "..", d)) for d in ("_utils", "utils")]
    path = next((p for p in paths if os.path.isfile(os.path.join(p, "gluster_storage.py"))), None)
    if path is None:
        raise ImportError(f"saltext-gluster: no _utils/gluster_storage.py beside {here}")
    package = sys.modules.get(UTILS_PACKAGE)
    if package is None or list(package.__path__) != [path]:
        package = types.ModuleType(UTILS_PACKAGE)
        package.__path__ = [path]
        sys.modules[UTILS_PACKAGE] = package


_register_utils_package()

# pylint: disable=wrong-import-position
from saltext_gluster_utils import gluster_poll as poll  # noqa: E402
from saltext_gluster_utils import gluster_storage as storage  # noqa: E402


def __virtual__():
    return __virtualname__


# seconds a storage tool may take: mkfs.xfs of a large disk takes minutes, a hung one is killed
TOOL_TIMEOUT = 1800


def _run(argv, check=True, timeout=TOOL_TIMEOUT):
    result = __salt__["cmd.run_all"](
        argv, python_shell=False, ignore_retcode=True, output_loglevel="debug", timeout=timeout
    )
    if check and result["retcode"] != 0:
        _raise_failed(argv, result)
    return result


def _raise_failed(argv, result):
    message = (result.get("stderr") or result.get("stdout") or "").strip()
    raise CommandExecutionError(f"{' '.join(argv)} failed (exit {result['retcode']}): {message}")


def _is_block(path):
    try:
        return stat.S_ISBLK(os.stat(path).st_mode)
    except OSError:
        return False


def _partitions(device):
    """Partition device paths of ``device`` from sysfs (works without udev)."""
    name = os.path.basename(device)
    base = f"/sys/class/block/{name}"
    try:
        entries = sorted(os.listdir(base))
    except OSError:
        return []
    return [f"/dev/{entry}" for entry in entries if os.path.isfile(os.path.join(base, entry, "partition"))]


def _block(path):
    """What one block device carries: wipefs signature types and blkid's low-level probe."""
    if not _is_block(path):
        return {"exists": False}
    rdev = os.stat(path).st_rdev
    found = _run(["wipefs", "--no-act", "--json", path], check=False)
    signatures = []
    if found["retcode"] == 0 and found["stdout"].strip():
        try:
            signatures = [sig["type"] for sig in json.loads(found["stdout"]).get("signatures", [])]
            if not all(isinstance(sig, str) for sig in signatures):
                raise TypeError(f"signature types that are not text: {signatures!r}")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CommandExecutionError(f"wipefs printed something unexpected for {path}: {exc}") from exc
    elif found["retcode"] != 0:
        raise CommandExecutionError(f"wipefs could not read {path}: {found.get('stderr', '').strip()}")
    return {
        "exists": True,
        "major_minor": f"{os.major(rdev)}:{os.minor(rdev)}",
        "signatures": signatures,
        "blkid": _probe(path),
        "partitions": _partitions(path),
    }


def _probe(path):
    """blkid's low-level probe of ``path`` as {KEY: value} ({} when it finds nothing: exit 2)."""
    probe = _run(["blkid", "--probe", "--output", "export", path], check=False)
    return storage.parse_blkid_export(probe["stdout"]) if probe["retcode"] == 0 else {}


def _lvm_state():
    """PVs (-> their VG), VGs and LVs from the lvm2 tools, or ``None`` when they are absent."""
    if not shutil.which("pvs"):
        return None

    def report(command, fields):
        out = _run([command, "--reportformat", "json", "--options", fields])["stdout"]
        try:
            rows = next(iter(json.loads(out)["report"]), {}).get(command[:-1], [])  # pvs -> "pv" rows
            if not isinstance(rows, list) or not all(
                isinstance(row, dict) and all(isinstance(row.get(field), str) for field in fields.split(","))
                for row in rows
            ):
                raise ValueError(f"rows without the text fields {fields}")
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise CommandExecutionError(f"{command} printed something unexpected: {exc}") from exc
        return rows

    pvs = {row["pv_name"]: row["vg_name"] for row in report("pvs", "pv_name,vg_name")}
    vgs = [row["vg_name"] for row in report("vgs", "vg_name")]
    lvs = {f"{row['vg_name']}/{row['lv_name']}": row for row in report("lvs", "lv_name,vg_name")}
    return {"pvs": pvs, "vgs": vgs, "lvs": lvs}


def _selinux(mount):
    try:
        with open("/sys/fs/selinux/enforce", encoding="ascii") as handle:
            enforcing = handle.read().strip() == "1"
    except OSError:
        enforcing = False
    labelled = False
    if enforcing and os.path.isdir(mount):
        try:
            labelled = storage.SELINUX_TYPE in os.getxattr(mount, "security.selinux").decode(errors="replace")
        except OSError:
            labelled = False
    return {"enforcing": enforcing, "labelled": labelled}


def _read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except FileNotFoundError:
        return ""


def _spec(mount, device, **kwargs):
    spec = {key: value for key, value in kwargs.items() if not key.startswith("__")}
    spec["device"] = device
    problems = storage.backend_problems(mount, spec, f"brick backend {mount}")
    if problems:
        raise SaltInvocationError("; ".join(problems))
    return storage.normalise(mount, spec)


def _observe(spec):
    device = os.path.realpath(spec["device"])
    paths = [device]
    if spec["partition"]:
        paths.append(storage.partition_path(device))
    if spec["lvm"]:
        paths.append(storage.lv_path(spec["lvm"]))
    blocks = {}
    for path in paths:
        blocks[path] = _block(path)
        for child in blocks[path].get("partitions", []):
            if child not in blocks:
                blocks[child] = _block(child)
    return {
        "device": device,
        "blocks": blocks,
        "mounts": storage.parse_mountinfo(_read("/proc/self/mountinfo")),
        "fstab": storage.parse_fstab(_read(spec["fstab"])),
        "mountpoint_exists": os.path.isdir(spec["mount"]),
        "lvm": _lvm_state() if spec["lvm"] else None,
        "selinux": _selinux(spec["mount"]) if spec["selinux"] else {},
    }


def _shown(directory, root):
    return "/" + os.path.relpath(directory, root) if directory != root else "/"


def _brick_data_below(root):
    """Brick data in the filesystem mounted at ``root``: ``{"brick_data": [...], "error": ...}``.
    Each directory down to ``BRICK_DATA_DEPTH`` levels is a brick when it carries the volume-id
    xattr or a ``.glusterfs`` directory (nothing below a brick is walked: that is its data).
    Bounded by ``LOOK_MAX_DIRECTORIES`` and ``LOOK_TIMEOUT``: a walk cut short finds an error,
    never "nothing"."""
    deadline = time.monotonic() + LOOK_TIMEOUT
    found, seen, level = [], 0, [root]
    for depth in range(storage.BRICK_DATA_DEPTH + 1):
        below = []
        for directory in level:
            seen += 1
            if seen > LOOK_MAX_DIRECTORIES or time.monotonic() > deadline:
                bound = f"more than {LOOK_MAX_DIRECTORIES} directories" if seen > LOOK_MAX_DIRECTORIES else (
                    f"longer than {LOOK_TIMEOUT} s")  # fmt: skip
                return {
                    "brick_data": found,
                    "error": f"the top {storage.BRICK_DATA_DEPTH} levels hold {bound}",
                }
            mark = _volume_mark(directory)
            try:
                tree = stat.S_ISDIR(os.lstat(os.path.join(directory, ".glusterfs")).st_mode)
            except OSError:
                tree = False
            if mark or tree:
                found.append({"path": _shown(directory, root), "volume_id": mark, "glusterfs": tree})
                continue
            if depth == storage.BRICK_DATA_DEPTH:
                continue
            try:
                with os.scandir(directory) as entries:
                    below += sorted(entry.path for entry in entries if entry.is_dir(follow_symlinks=False))
            except OSError as exc:
                return {
                    "brick_data": found,
                    "error": f"cannot list {_shown(directory, root)}: {exc.strerror}",
                }
        level = below
    return {"brick_data": found, "error": None}


def _look_inside(path, filesystem):
    """Mount ``path`` read-only on a private temporary directory, look for brick data, unmount it
    by that path, always. ``{"brick_data": [...], "error": text or None}``."""
    point = tempfile.mkdtemp(prefix="gluster-storage-look-")  # mode 0700: private
    unmounted = True
    try:
        argv = storage.look_mount_argv(filesystem, path, point)
        if argv is None:
            return {
                "brick_data": [],
                "error": f"blkid names its type {filesystem!r}, which cannot be mounted",
            }
        mounted = _run(argv, check=False, timeout=LOOK_TIMEOUT)
        if mounted["retcode"] != 0:
            message = (mounted.get("stderr") or mounted.get("stdout") or "").strip()
            return {"brick_data": [], "error": f"a read-only mount failed: {message}"}
        unmounted = False
        try:
            return _brick_data_below(point)
        finally:
            for umount in (["umount", point], ["umount", "--lazy", point]):
                if _run(umount, check=False, timeout=LOOK_TIMEOUT)["retcode"] == 0:
                    unmounted = True
                    break
            if not unmounted:
                raise CommandExecutionError(f"{path} stays mounted read-only at {point}: unmount it by hand")
    finally:
        if unmounted:
            try:
                os.rmdir(point)
            except OSError as exc:
                log.warning("could not remove the look's temporary mount point %s: %s", point, exc)


def _planned(spec):
    """``(observed, plan)``: the node observed, planned, and planned again after looking into the
    filesystems the first plan would destroy."""
    observed = _observe(spec)
    pillar_key = f"gluster:brick_devices:{__opts__.get('id')}:{spec['mount']}"
    plan = storage.plan_backend(spec, observed, pillar_key)
    if plan.get("inspect"):
        observed["inspected"] = {
            path: _look_inside(path, observed["blocks"][path]["blkid"]["TYPE"]) for path in plan["inspect"]
        }
        plan = storage.plan_backend(spec, observed, pillar_key)
    return observed, plan


def backend_plan(mount, device, **kwargs):
    """
    What making ``device`` the filesystem mounted at ``mount`` needs on this node.

    Keyword arguments are the pillar's backend keys: ``partition`` (gpt), ``lvm``,
    ``filesystem`` (xfs, ext4), ``raid``, ``mkfs_options``, ``mount_options``, ``fstab``,
    ``wipe``, ``wipe_brick_data``, ``selinux``. Returns ``{"operations": [...],
    "problems": [...], "filesystem_device": path}``: each operation is an argv list to run
    (``op``: partition, wipe, pvcreate, vgcreate, thin-pool, lvcreate, mkfs, mount, selinux)
    or a file step (``directory``, ``fstab``). Problems are the reasons it is refused (e.g. the device
    carries a filesystem and ``wipe`` is not set, or a filesystem to destroy holds brick data
    and ``wipe_brick_data`` does not name its UUID). Nothing is changed: a filesystem the plan
    would destroy is looked into through a read-only mount on a private temporary directory.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster_storage.backend_plan /data/glusterfs/gv0 /dev/sdb partition=gpt
    """
    spec = _spec(mount, device, **kwargs)
    return _planned(spec)[1]


def _wait_for_block(path, timeout=PARTITION_WAIT):
    wait = poll.Backoff(
        timeout, first=0.2, cap=0.2, factor=1, floor=0.2, clock=time.monotonic, sleep=time.sleep
    )
    while not _is_block(path):
        if wait.expired:
            raise CommandExecutionError(
                f"partition {path} did not appear within {timeout:.0f} s after parted"
            )
        wait.pause()


def _apply(operation, spec, uuid):
    op = operation["op"]
    if op == "directory":
        os.makedirs(operation["path"], exist_ok=True)
    elif op == "fstab":
        entry = dict(operation["entry"], spec=f"UUID={uuid}")
        if not os.path.exists(operation["file"]):
            os.makedirs(os.path.dirname(operation["file"]), exist_ok=True)
            with open(operation["file"], "a", encoding="utf-8"):
                pass
        __salt__["mount.set_fstab"](
            entry["file"], entry["spec"], entry["vfstype"], opts=",".join(entry["options"]),
            dump=int(entry["dump"]), pass_num=int(entry["pass"]), config=operation["file"], match_on="name",
        )  # fmt: skip
        operation = dict(operation, entry=entry)
    else:
        argv = [
            f"UUID={uuid}" if arg == f"UUID={storage.UUID_PLACEHOLDER}" else arg for arg in operation["argv"]
        ]
        result = _run(argv, check=op != "selinux")
        if op == "selinux" and result["retcode"] != 0:
            # a run stopped between semanage and restorecon left the rule: --add fails with
            # "already defined", --modify sets the same rule
            if "--add" not in argv or "already defined" not in result.get("stderr", ""):
                _raise_failed(argv, result)
            argv = [("--modify" if arg == "--add" else arg) for arg in argv]
            _run(argv)
        operation = dict(operation, argv=argv)
        if op == "partition":
            _wait_for_block(storage.partition_path(os.path.realpath(spec["device"])))
    return operation


def backend_apply(mount, device, **kwargs):
    """
    Make ``device`` the brick filesystem mounted at ``mount`` (see ``backend_plan``): runs the
    planned commands in order and returns ``{"operations": [...done...],
    "filesystem_device": path, "uuid": ...}``. Refuses, changing nothing, when the plan has
    problems. A failing step raises with the steps already done in the message.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster_storage.backend_apply /data/glusterfs/gv0 /dev/sdb partition=gpt
    """
    spec = _spec(mount, device, **kwargs)
    observed, plan = _planned(spec)  # afresh, right before anything is changed
    if plan["problems"]:
        raise CommandExecutionError("; ".join(plan["problems"]))
    target = plan["filesystem_device"]
    uuid = (observed["blocks"].get(target, {}).get("blkid") or {}).get("UUID")
    done = []
    for operation in plan["operations"]:
        try:
            done.append(_apply(operation, spec, uuid))
        except (CommandExecutionError, OSError) as exc:
            steps = ", ".join(item["op"] for item in done) or "nothing"
            raise CommandExecutionError(
                f"{mount}: {operation['op']} failed after {steps} was done: {exc}",
                info={"operations": done},  # the state reports these steps as its changes
            ) from exc
        if operation["op"] == "mkfs":
            uuid = _probe(target).get("UUID")
            if not uuid:
                raise CommandExecutionError(f"{mount}: no filesystem UUID on {target} after mkfs")
    return {"operations": done, "filesystem_device": target, "uuid": uuid}


def brick_directory_check(path, mount=None):
    """
    Whether the brick directory ``path`` may be made here: ``{"exists": bool, "problems": [...]}``.
    With ``mount`` (its filesystem's mount point) the path must lie below it and that
    filesystem must be mounted, so that a missing disk never lets a brick grow on the
    filesystem underneath.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster_storage.brick_directory_check /data/glusterfs/gv0/brick /data/glusterfs/gv0
    """
    problems = storage.validate.brick_path_problems(path, "brick path")
    if mount is not None:
        problems += storage.validate.brick_path_problems(mount, "mount point")
    if problems:
        return {"exists": False, "mounted": None, "problems": problems}
    mounted = None if mount is None else os.path.ismount(mount)
    if mount is not None and not path.startswith(mount + "/"):
        problems.append(f"brick {path} must be a sub-directory of its filesystem's mount point {mount}")
    elif mounted is False:
        problems.append(
            f"brick {path}: its filesystem {mount} is not mounted; refusing to use the filesystem "
            "below it (mount the device, or fix gluster:brick_devices)"
        )
    return {"exists": os.path.isdir(path), "mounted": mounted, "problems": problems}


def _volume_mark(path):
    try:
        raw = os.getxattr(path, VOLUME_ID_XATTR)
    except OSError:
        return None
    return str(uuidlib.UUID(bytes=raw)) if len(raw) == 16 else raw.hex()


def _holds_no_file(path):
    """Nothing but (empty) directories below ``path``: what staging leaves (``.glusterfs``)."""
    for _dirpath, _dirnames, filenames in os.walk(path):
        if filenames:
            return False
    return True


def stale_brick_marks(paths, min_age=60):
    """
    Which of ``paths`` carry a stale volume mark: gluster's ``trusted.glusterfs.volume-id``
    for a volume that does not exist, on an empty directory, set at least ``min_age`` seconds
    ago (nothing but empty directories such as ``.glusterfs`` below it: no data). ``volume
    create`` sets that mark on the bricks that pass staging and leaves it there
    when staging fails on another node (a disk not mounted there yet), after which every
    create says "... is already part of a volume". Returns ``{path: volume id}``.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster_storage.stale_brick_marks '["/data/glusterfs/gv0/brick"]'
    """
    candidates = {}
    for path in paths:
        storage.validate.raise_if_problems(storage.validate.brick_path_problems(path, "brick path"))
        mark = _volume_mark(path) if os.path.isdir(path) else None
        if mark and _holds_no_file(path) and time.time() - os.stat(path).st_ctime >= min_age:
            candidates[path] = mark
    if candidates:
        known = {volume["id"] for volume in __salt__["gluster.volume_info"]().values()}
        candidates = {path: mark for path, mark in candidates.items() if mark not in known}
    return candidates


def clear_stale_brick_marks(paths, min_age=60):
    """
    Remove the stale volume marks ``stale_brick_marks`` finds (directories holding no file, so no
    data is touched); returns ``{path: volume id}`` of those cleared.

    CLI Example:

    .. code-block:: bash

        salt gfs1 gluster_storage.clear_stale_brick_marks '["/data/glusterfs/gv0/brick"]' min_age=0
    """
    stale = stale_brick_marks(paths, min_age)
    for path, mark in stale.items():
        log.warning("brick %s: removing the volume mark %s of a volume that was never created", path, mark)
        os.removexattr(path, VOLUME_ID_XATTR)
    return stale


def _mount_of(path, mounts):
    """The mount table entry holding ``path`` (the longest mount point above it)."""
    best = None
    for entry in mounts:
        point = entry["mountpoint"]
        if path == point or path.startswith(point.rstrip("/") + "/"):
            if best is None or len(point) >= len(best["mountpoint"]):
                best = entry
    return best


def brick_facts(paths=None):
    """
    For each brick directory of this node: the device and filesystem under it, size, free and
    used bytes, mount point and mount options, and whether the directory exists.

    ``paths`` defaults to this node's bricks of every volume (``gluster.volume_info``, matched
    by this node's UUID); each is then reported with its ``volume``.

    CLI Example:

    .. code-block:: bash

        salt 'gfs*' gluster_storage.brick_facts
        salt gfs1 gluster_storage.brick_facts '["/data/glusterfs/gv0/brick"]'
    """
    volumes = {}
    if paths is None:
        own = next((peer["uuid"] for peer in __salt__["gluster.pool_list"]() if peer["self"]), None)
        paths = []
        for name, volume in sorted(__salt__["gluster.volume_info"]().items()):
            for brick in volume["bricks"]:
                if brick["host_uuid"] == own:
                    paths.append(brick["path"])
                    volumes[brick["path"]] = name
    mounts = storage.parse_mountinfo(_read("/proc/self/mountinfo"))
    facts = {}
    for path in paths:
        problems = storage.validate.brick_path_problems(path, "brick path")
        if problems:
            raise SaltInvocationError("; ".join(problems))
        exists = os.path.isdir(path)
        real = os.path.realpath(path) if exists else path
        entry = _mount_of(real, mounts) or {}
        fact = {
            "exists": exists,
            "mountpoint": entry.get("mountpoint"),
            "device": entry.get("source"),
            "filesystem": entry.get("fstype"),
            "mount_options": entry.get("options", []),
        }
        if path in volumes:
            fact["volume"] = volumes[path]
        if exists:
            usage = os.statvfs(real)
            fact.update(
                size_bytes=usage.f_blocks * usage.f_frsize,
                free_bytes=usage.f_bavail * usage.f_frsize,
                used_bytes=(usage.f_blocks - usage.f_bfree) * usage.f_frsize,
            )
        facts[path] = fact
    return facts
