"""Hostile input reaches neither gluster nor the filesystem.

The execution and state modules are loaded through Salt's own loader (as ``conftest.py`` does),
but with a minion config of their own: ``gluster:binary`` is a wrapper script that appends its
argv to a log and exits 1, and the storage tools (wipefs, blkid, parted, mkfs, mount, LVM...)
are wrappers of the same kind found first on ``PATH``. No glusterd is needed or started (the
``gluster_cluster`` fixture is not used).

The states and execution functions are then called with hostile values (``tests/support/
hostile.py``): names and hosts with shell metacharacters, control characters, traversals,
absurd lengths and unicode look-alikes; brick directories, mount points and devices inside a
temporary tree ``T`` such as ``T/bricks/../outside``, ``T/bricks/x;touch T/pwned`` or names
with ``$(touch T/pwned2)``. Every call must fail (a state with result False, a function with
``SaltInvocationError`` / ``CommandExecutionError``) with a message naming the bad value's
field; the wrapper log must stay empty (no gluster or storage tool was started at all); and a
snapshot of ``T`` (every path with its type, size and mtime) must be identical before and after,
so nothing was created or touched, inside the brick roots or outside them. The tests run with
``T`` as the working directory, so a relative ``touch pwned`` would land there too.
"""

import os
import stat

import pytest
from hostile import option_value_rejected
from hostile import variants
from salt.exceptions import CommandExecutionError
from salt.exceptions import SaltInvocationError
from saltfactories.utils.functional import Loaders

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOLS = (
    "gluster", "glfsheal", "wipefs", "blkid", "parted", "partprobe", "pvcreate", "vgcreate", "lvcreate",
    "pvs", "vgs", "lvs", "mkfs.xfs", "mkfs.ext4", "mount", "umount", "semanage", "restorecon", "udevadm",
)  # fmt: skip
ERRORS = (SaltInvocationError, CommandExecutionError)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    """``{base, bin, log, tree}``: wrapper tools logging to ``log``; the tree ``T`` with brick
    roots, a mount point and a file that must stay as they are."""
    base = tmp_path_factory.mktemp("hostile")
    bindir, log, tree = base / "bin", base / "calls.log", base / "T"
    bindir.mkdir()
    for tool in TOOLS:
        script = bindir / tool
        script.write_text(
            f'#!/bin/sh\nprintf "%s " "$0" "$@" >> "{log}"\necho >> "{log}"\nexit 1\n', encoding="utf-8"
        )
        script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    for directory in ("bricks/gv0", "bricks/gv1", "mnt/gv0", "outside"):
        (tree / directory).mkdir(parents=True)
    (tree / "outside" / "keep.txt").write_text("data outside the brick roots\n", encoding="utf-8")
    (tree / "fstab").write_text("# fstab of the sandbox\n", encoding="utf-8")
    return {"base": base, "bin": bindir, "log": log, "tree": tree}


@pytest.fixture(scope="module")
def hostile_opts(salt_factories, sandbox):
    overrides = {
        "file_client": "local",
        "module_dirs": [os.path.join(REPO, "_modules")],
        "states_dirs": [os.path.join(REPO, "_states")],
        "utils_dirs": [os.path.join(REPO, "_utils")],
        "gluster": {
            "binary": str(sandbox["bin"] / "gluster"),
            "socket": str(sandbox["base"] / "no-glusterd.socket"),
            "glfsheal": str(sandbox["bin"] / "glfsheal"),
            "lock_retries": 0,
            "timeout": 10,
        },
    }
    return salt_factories.salt_minion_daemon("hostile-input", overrides=overrides).config.copy()


@pytest.fixture(scope="module")
def loaders(hostile_opts):
    """Overrides conftest's ``loaders`` (and so its autouse reset): no test cluster behind it."""
    return Loaders(hostile_opts, loaded_base_name=f"{__name__}.loaded")


@pytest.fixture(autouse=True)
def reset_loaders_state():
    """Overrides conftest's per-test reset: every call here is refused before it uses any state,
    and a reset makes the next state call load everything again (half a second each)."""
    yield


def snapshot(root):
    """Every path below ``root`` (and ``root``) -> (type, size, mtime)."""
    found = {}
    for directory, dirnames, filenames in os.walk(root):
        for name in [".", *dirnames, *filenames]:
            path = os.path.normpath(os.path.join(directory, name))
            info = os.lstat(path)
            found[path] = (stat.S_IFMT(info.st_mode), info.st_size, info.st_mtime_ns)
    return found


@pytest.fixture
def guarded(sandbox, monkeypatch):
    """Runs a test with the wrapper tools first on PATH and ``T`` as working directory, then
    checks that no tool was started and ``T`` is exactly as before."""
    monkeypatch.setenv("PATH", f"{sandbox['bin']}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.chdir(sandbox["tree"])
    before = snapshot(sandbox["tree"])
    yield sandbox
    calls = sandbox["log"].read_text(encoding="utf-8") if sandbox["log"].exists() else ""
    sandbox["log"].write_text("", encoding="utf-8")
    assert calls == "", f"hostile input started a process:\n{calls}"
    assert snapshot(sandbox["tree"]) == before, "something in T was created, removed or touched"


def test_the_guard_sees_a_started_tool_and_a_touched_file(sandbox, loaders, monkeypatch):
    """The checks can fail: a valid call does reach the wrapper, and a touch changes T."""
    monkeypatch.setenv("PATH", f"{sandbox['bin']}{os.pathsep}{os.environ.get('PATH', '')}")
    before = snapshot(sandbox["tree"])
    with pytest.raises(CommandExecutionError, match="failed"):
        loaders.modules.gluster.volume_delete("gv0")
    assert "volume delete gv0" in sandbox["log"].read_text(encoding="utf-8")
    sandbox["log"].write_text("", encoding="utf-8")
    marker = sandbox["tree"] / "outside" / "marker"
    marker.write_text("x", encoding="utf-8")
    assert snapshot(sandbox["tree"]) != before
    marker.unlink()
    os.utime(sandbox["tree"] / "outside", ns=(before[str(sandbox["tree"] / "outside")][2],) * 2)
    assert snapshot(sandbox["tree"]) == before


# --------------------------------------------------------------------------- the hostile values


def _tree():
    # the tree's path is only known at run time; the cases hold "T" and get it filled in
    return "T"


def _names():
    found = dict(variants("gv0"))
    found["touch-pwned2"] = "gv0$(touch T/pwned2)"
    found["semicolon-touch"] = "gv0;touch T/pwned"
    return found


def _hosts():
    found = dict(variants("127.0.0.2"))
    found["touch-pwned"] = "127.0.0.2;touch T/pwned"
    found["command-substitution"] = "$(touch T/pwned2)"
    found["ipv6-zone-injection"] = "fe80::1%eth0;touch${IFS}pwned"  # no space: ipaddress took it
    return found


def _brick_dirs():
    found = dict(variants("T/bricks/gv0", "path"))
    found["dotdot-outside"] = "T/bricks/../outside"
    found["semicolon-touch"] = "T/bricks/x;touch T/pwned"
    found["touch-pwned2"] = "T/bricks/$(touch T/pwned2)"
    found["relative"] = "bricks/gv0"
    return found


NAMES, HOSTS, BRICK_DIRS = _names(), _hosts(), _brick_dirs()
OPTION_KEYS = variants("performance.cache-size")
OPTION_VALUES = {k: v for k, v in variants("64MB").items() if option_value_rejected(k)}
DEVICES = dict(
    variants("/dev/loop7", "path"), **{"dotdot": "/dev/../etc/passwd", "touch": "/dev/loop7;touch T/pwned"}
)
MOUNTS = dict(
    variants("T/mnt/gv0", "path"), **{"dotdot-outside": "T/mnt/../outside", "touch": "T/mnt/x;touch T/pwned"}
)
WORDS = variants("vg_bricks")
# mkfs arguments never reach a gluster argv: the '--' class is gluster's own trouble
MKFS_WORDS = {k: v for k, v in WORDS.items() if not k.startswith("gluster-option-")}
MOUNT_OPTIONS = variants("noatime")


def fill(value, tree):
    """Put the sandbox's real path where a case says ``T``."""
    if isinstance(value, str):
        return value.replace("T/", f"{tree}/") if value.startswith("T/") or "touch T/" in value else value
    if isinstance(value, list):
        return [fill(v, tree) for v in value]
    if isinstance(value, dict):
        return {fill(k, tree): fill(v, tree) for k, v in value.items()}
    return value


def good_bricks(tree):
    return [f"127.0.0.{i}:{tree}/bricks/gv0" for i in (1, 2, 3)]


# each case: (id, where ("state" or "module"), module, function, kwargs, a word the message must hold)
CASES = []


# a state goes through state.single (a third of a second per call): states get a representative
# class of each kind and the sandbox-specific values; execution functions get every class
STATE_CLASSES = {
    "shell-semicolon", "shell-command-substitution", "control-newline-trailing", "control-nul",
    "traversal-dotdot-slash", "unicode-right-to-left-override", "unicode-cyrillic-a", "long-5000",
}  # fmt: skip
GENERIC = ("shell-", "control-", "unicode-", "traversal-", "long-")
GLUSTERFS_CLASSES = {
    "shell-command-substitution",
    "control-newline-trailing",
    "traversal-dotdot-slash",
    "unicode-cyrillic-a",
    "long-5000",
    "gluster-option-remote-host",
}


def case(kind, module, function, field, values, build):
    for class_id, value in values.items():
        if kind == "state" and class_id.startswith(GENERIC) and class_id not in STATE_CLASSES:
            continue
        # the glusterfs names hand every value to the gluster functions' own checks, which get
        # every class: they get one of each kind, and the sandbox's own values
        if module == "glusterfs" and (
            class_id.startswith(("gluster-option-", *GENERIC)) and class_id not in GLUSTERFS_CLASSES
        ):
            continue
        CASES.append(
            pytest.param(
                kind, module, function, build(value), field, id=f"{module}.{function}-{field}-{class_id}"
            )
        )


# ---- the gluster states
case("state", "gluster", "volume_present", "volume name", NAMES, lambda v: {"name": v, "bricks": "GOOD"})
case(
    "state",
    "gluster",
    "volume_present",
    "brick",
    BRICK_DIRS,
    lambda v: {"name": "gv0", "bricks": ["127.0.0.1:" + v]},
)
case(
    "state",
    "gluster",
    "volume_present",
    "host",
    HOSTS,
    lambda v: {"name": "gv0", "bricks": [f"{v}:T/bricks/gv0"]},
)
case(
    "state",
    "gluster",
    "volume_present",
    "replica",
    {"touch": "3;touch T/pwned", "word": "three", "newline": "3\n4"},
    lambda v: {"name": "gv0", "bricks": "GOOD", "replica": v},
)
case(
    "state",
    "gluster",
    "volume_options",
    "volume name",
    NAMES,
    lambda v: {"name": v, "options": {"nfs.disable": "on"}},
)
case(
    "state",
    "gluster",
    "volume_options",
    "option",
    OPTION_KEYS,
    lambda v: {"name": "gv0", "options": {v: "on"}},
)
case(
    "state",
    "gluster",
    "volume_options",
    "option",
    OPTION_VALUES,
    lambda v: {"name": "gv0", "options": {"performance.cache-size": v}},
)
case("state", "gluster", "volume_started", "volume name", NAMES, lambda v: {"name": v})
case("state", "gluster", "volume_stopped", "volume name", NAMES, lambda v: {"name": v})
case("state", "gluster", "volume_absent", "volume name", NAMES, lambda v: {"name": v})
case("state", "gluster", "peered", "host", HOSTS, lambda v: {"name": v, "probe": True, "timeout": 1})
case(
    "state",
    "gluster",
    "pool_members",
    "host",
    HOSTS,
    lambda v: {"name": "pool", "members": [v], "detach_others": True},
)
case(
    "state",
    "gluster",
    "op_version",
    "op-version",
    {"touch": "max;touch T/pwned", "subst": "$(touch T/pwned2)"},
    lambda v: {"name": v},
)
case("state", "gluster", "volume_healed", "volume name", NAMES, lambda v: {"name": v, "timeout": 1})

# ---- the gluster_storage states
case(
    "state",
    "gluster_storage",
    "backend_present",
    "mount point",
    MOUNTS,
    lambda v: {"name": v, "device": "/dev/loop7"},
)
case(
    "state",
    "gluster_storage",
    "backend_present",
    "device",
    DEVICES,
    lambda v: {"name": "T/mnt/gv0", "device": v},
)
case(
    "state",
    "gluster_storage",
    "backend_present",
    "lvm:vg",
    WORDS,
    lambda v: {"name": "T/mnt/gv0", "device": "/dev/loop7", "lvm": {"vg": v, "lv": "gv0"}},
)
case(
    "state",
    "gluster_storage",
    "backend_present",
    "lvm:lv",
    WORDS,
    lambda v: {"name": "T/mnt/gv0", "device": "/dev/loop7", "lvm": {"vg": "vg0", "lv": v}},
)
case(
    "state",
    "gluster_storage",
    "backend_present",
    "mkfs argument",
    MKFS_WORDS,
    lambda v: {"name": "T/mnt/gv0", "device": "/dev/loop7", "mkfs_options": ["-L", v]},
)
case(
    "state",
    "gluster_storage",
    "backend_present",
    "mount option",
    MOUNT_OPTIONS,
    lambda v: {"name": "T/mnt/gv0", "device": "/dev/loop7", "mount_options": [v]},
)
case(
    "state",
    "gluster_storage",
    "backend_present",
    "fstab",
    BRICK_DIRS,
    lambda v: {"name": "T/mnt/gv0", "device": "/dev/loop7", "fstab": v},
)
case("state", "gluster_storage", "brick_directory", "brick path", BRICK_DIRS, lambda v: {"name": v})
case(
    "state",
    "gluster_storage",
    "brick_directory",
    "mount point",
    MOUNTS,
    lambda v: {"name": "T/mnt/gv0/brick", "mount": v},
)

# ---- execution functions
case("module", "gluster", "volume_create", "volume name", NAMES, lambda v: {"name": v, "bricks": "GOOD"})
case(
    "module",
    "gluster",
    "volume_create",
    "brick",
    BRICK_DIRS,
    lambda v: {"name": "gv0", "bricks": ["127.0.0.1:" + v]},
)
case(
    "module",
    "gluster",
    "volume_create",
    "host",
    HOSTS,
    lambda v: {"name": "gv0", "bricks": [f"{v}:T/bricks/gv0"]},
)
case(
    "module",
    "gluster",
    "volume_set",
    "volume name",
    NAMES,
    lambda v: {"name": v, "options": {"nfs.disable": "on"}},
)
case(
    "module", "gluster", "volume_set", "option", OPTION_KEYS, lambda v: {"name": "gv0", "options": {v: "on"}}
)
case(
    "module",
    "gluster",
    "volume_set",
    "option",
    OPTION_VALUES,
    lambda v: {"name": "gv0", "options": {"performance.cache-size": v}},
)
case("module", "gluster", "volume_reset", "option", OPTION_KEYS, lambda v: {"name": "gv0", "option": v})
case("module", "gluster", "volume_get", "option", OPTION_KEYS, lambda v: {"name": "gv0", "option": v})
case("module", "gluster", "peer_probe", "host", HOSTS, lambda v: {"host": v})
case("module", "gluster", "peer_detach", "host", HOSTS, lambda v: {"host": v})
case("module", "gluster", "peer_find", "host", HOSTS, lambda v: {"host": v})
case("module", "gluster", "peer_wait", "host", HOSTS, lambda v: {"hosts": [v], "timeout": 1})
for _function in (
    "volume_start",
    "volume_stop",
    "volume_delete",
    "volume_info",
    "volume_exists",
    "volume_status",
    "volume_tasks",
    "volume_heal",
    "heal_info",
    "heal_summary",
    "volume_rebalance",
    "migration_failures",
):
    case("module", "gluster", _function, "volume name", NAMES, lambda v: {"name": v})
case(
    "module",
    "gluster",
    "volume_add_brick",
    "brick",
    BRICK_DIRS,
    lambda v: {"name": "gv0", "bricks": ["127.0.0.1:" + v]},
)
case(
    "module",
    "gluster",
    "volume_add_brick",
    "replica",
    {"touch": "3;touch T/pwned"},
    lambda v: {"name": "gv0", "bricks": "GOOD", "replica": v},
)
case(
    "module",
    "gluster",
    "volume_remove_brick",
    "brick",
    BRICK_DIRS,
    lambda v: {"name": "gv0", "bricks": ["127.0.0.1:" + v]},
)
case(
    "module",
    "gluster",
    "volume_remove_brick",
    "action",
    {"touch": "start;touch T/pwned"},
    lambda v: {"name": "gv0", "bricks": "GOOD", "action": v},
)
case(
    "module",
    "gluster",
    "volume_replace_brick",
    "brick",
    BRICK_DIRS,
    lambda v: {"name": "gv0", "old": "127.0.0.1:T/bricks/gv0", "new": "127.0.0.1:" + v},
)
case(
    "module",
    "gluster",
    "volume_reset_brick",
    "brick",
    HOSTS,
    lambda v: {"name": "gv0", "brick": f"{v}:T/bricks/gv0"},
)
case(
    "module",
    "gluster",
    "volume_layout_differences",
    "brick",
    BRICK_DIRS,
    lambda v: {"name": "gv0", "bricks": ["127.0.0.1:" + v]},
)
case(
    "module",
    "gluster",
    "volume_reshape_plan",
    "brick",
    BRICK_DIRS,
    lambda v: {"name": "gv0", "bricks": ["127.0.0.1:" + v]},
)
case(
    "module",
    "gluster",
    "volume_options_plan",
    "option",
    OPTION_KEYS,
    lambda v: {"name": "gv0", "options": {v: "on"}},
)
case(
    "module",
    "gluster",
    "op_version_set",
    "op-version",
    {"touch": "max;touch T/pwned"},
    lambda v: {"version": v},
)
# issue 8: quotas, tuning profiles, snapshots
QUOTA_PATHS = dict(
    variants("/projects/a", "path"),
    **{"dotdot": "/projects/../etc", "touch": "/a;touch T/pwned", "relative": "projects/a"},
)
case(
    "module",
    "gluster",
    "quota_limit",
    "quota path",
    QUOTA_PATHS,
    lambda v: {"name": "gv0", "path": v, "hard": "1GB"},
)
case("module", "gluster", "quota_remove", "quota path", QUOTA_PATHS, lambda v: {"name": "gv0", "path": v})
case("module", "gluster", "quota_list", "path 1", QUOTA_PATHS, lambda v: {"name": "gv0", "paths": [v]})
case(
    "module",
    "gluster",
    "quota_plan",
    "quota limits directory",
    QUOTA_PATHS,
    lambda v: {"name": "gv0", "limits": {v: "1GB"}},
)
case(
    "module",
    "gluster",
    "quota_limit",
    "hard limit",
    {"touch": "1GB;touch T/pwned", "subst": "$(touch T/pwned2)"},
    lambda v: {"name": "gv0", "path": "/a", "hard": v},
)
case(
    "state",
    "gluster",
    "volume_quota",
    "quota limits directory",
    QUOTA_PATHS,
    lambda v: {"name": "gv0", "limits": {v: "1GB"}},
)
for _function in ("quota_enable", "quota_enabled"):
    case("module", "gluster", _function, "volume name", NAMES, lambda v: {"name": v})
case("module", "gluster", "snapshot_count", "volume name", NAMES, lambda v: {"volume": v})
case("module", "gluster", "profile_options", "profile", NAMES, lambda v: {"name": v})
case(
    "module",
    "gluster",
    "volume_options_plan",
    "profile 1",
    NAMES,
    lambda v: {"name": "gv0", "options": {}, "profiles": [v]},
)
case("state", "gluster", "volume_options", "profile 1", NAMES, lambda v: {"name": "gv0", "profiles": [v]})
case("module", "gluster", "snapshot_create", "snapshot name", NAMES, lambda v: {"name": v, "volume": "gv0"})
case("module", "gluster", "snapshot_create", "volume name", NAMES, lambda v: {"name": "s1", "volume": v})
case(
    "module",
    "gluster",
    "snapshot_create",
    "snapshot description",
    {
        k: v
        for k, v in variants("before upgrade").items()
        if k.startswith(("control-", "gluster-option-")) or k == "long-5000"
    },
    lambda v: {"name": "s1", "volume": "gv0", "description": v},
)
for _function in ("snapshot_delete", "snapshot_activate", "snapshot_deactivate", "snapshot_restore"):
    case("module", "gluster", _function, "snapshot name", NAMES, lambda v: {"name": v})
case("module", "gluster", "snapshot_clone", "clone name", NAMES, lambda v: {"clone": v, "snapshot": "s1"})
case(
    "module",
    "gluster",
    "snapshot_rotate",
    "prefix",
    NAMES,
    lambda v: {"volume": "gv0", "prefix": v, "keep": 3},
)
case(
    "module",
    "gluster",
    "snapshot_config_set",
    "hard_limit",
    {"touch": "10;touch T/pwned"},
    lambda v: {"volume": "gv0", "hard_limit": v},
)
case("state", "gluster", "snapshot_config", "volume name", NAMES, lambda v: {"name": v, "hard_limit": 10})
GLUSTER_OPTION_WORDS = {k: v for k, v in variants("DEBUG").items() if k.startswith("gluster-option-")}
case("module", "gluster", "georep_config_set", "log-level value", GLUSTER_OPTION_WORDS,
     lambda v: {"volume": "gv0", "secondary": "127.0.0.9::gv1", "options": {"log-level": v}})  # fmt: skip
case("module", "gluster", "mount_connections", "mount point", BRICK_DIRS, lambda v: {"mountpoint": v})
case("module", "gluster", "health", "checks", NAMES, lambda v: {"checks": [v]})
case(
    "module",
    "gluster",
    "health",
    "heal_threshold",
    {"touch": "0;touch T/pwned", "negative": -1},
    lambda v: {"heal_threshold": v},
)
FILE_PATHS = dict(
    QUOTA_PATHS,
    **{"gfid-touch": "gfid:0a1b2c3d-0000-4000-8000-00000000abcd;touch T/pwned", "gfid-short": "gfid:0a1b"},
)
case("module", "gluster", "split_brain_resolve", "volume name", NAMES, lambda v: {"name": v, "path": "/f"})
case(
    "module", "gluster", "split_brain_resolve", "file path", FILE_PATHS, lambda v: {"name": "gv0", "path": v}
)
case(
    "module",
    "gluster",
    "split_brain_resolve",
    "source_brick",
    BRICK_DIRS,
    lambda v: {"name": "gv0", "policy": "source-brick", "source_brick": "127.0.0.1:" + v},
)
case(
    "module",
    "gluster",
    "split_brain_resolve",
    "policy",
    {"touch": "bigger-file;touch T/pwned", "none": None},
    lambda v: {"name": "gv0", "path": "/f", "policy": v},
)
case(
    "module",
    "gluster_storage",
    "backend_plan",
    "device",
    DEVICES,
    lambda v: {"mount": "T/mnt/gv0", "device": v},
)
case(
    "module",
    "gluster_storage",
    "backend_apply",
    "mount point",
    MOUNTS,
    lambda v: {"mount": v, "device": "/dev/loop7"},
)
case(
    "module",
    "gluster_storage",
    "backend_apply",
    "mkfs argument",
    MKFS_WORDS,
    lambda v: {"mount": "T/mnt/gv0", "device": "/dev/loop7", "mkfs_options": [v]},
)
case("module", "gluster_storage", "stale_brick_marks", "brick path", BRICK_DIRS, lambda v: {"paths": [v]})
case(
    "module",
    "gluster_storage",
    "clear_stale_brick_marks",
    "brick path",
    BRICK_DIRS,
    lambda v: {"paths": [v], "min_age": 0},
)
case("module", "gluster_storage", "brick_facts", "brick path", BRICK_DIRS, lambda v: {"paths": [v]})

# issue 23: Salt 3007's glusterfs names, over the same validation
case("state", "glusterfs", "volume_present", "volume name", NAMES, lambda v: {"name": v, "bricks": "GOOD"})
case(
    "state",
    "glusterfs",
    "volume_present",
    "brick",
    BRICK_DIRS,
    lambda v: {"name": "gv0", "bricks": ["127.0.0.1:" + v]},
)
case(
    "state",
    "glusterfs",
    "volume_present",
    "host",
    HOSTS,
    lambda v: {"name": "gv0", "bricks": [f"{v}:T/bricks/gv0"]},
)
case("state", "glusterfs", "peered", "host", HOSTS, lambda v: {"name": v})
for _function in ("started", "add_volume_bricks", "max_op_version"):
    case(
        "state",
        "glusterfs",
        _function,
        "volume name",
        NAMES,
        lambda v, f=_function: {"name": v, **({"bricks": "GOOD"} if f == "add_volume_bricks" else {})},
    )
case("state", "glusterfs", "op_version", "volume name", NAMES, lambda v: {"name": v, "version": 100000})
case("module", "glusterfs", "peer", "host", HOSTS, lambda v: {"name": v})
case("module", "glusterfs", "create_volume", "volume name", NAMES, lambda v: {"name": v, "bricks": "GOOD"})
case(
    "module",
    "glusterfs",
    "create_volume",
    "brick",
    BRICK_DIRS,
    lambda v: {"name": "gv0", "bricks": ["127.0.0.1:" + v]},
)
case(
    "module",
    "glusterfs",
    "create_volume",
    "host",
    HOSTS,
    lambda v: {"name": "gv0", "bricks": [f"{v}:T/bricks/gv0"]},
)
for _function in (
    "status",
    "info",
    "start_volume",
    "stop_volume",
    "enable_quota_volume",
    "disable_quota_volume",
    "list_quota_volume",
    "get_op_version",
):
    case("module", "glusterfs", _function, "volume name", NAMES, lambda v: {"name": v})
case("module", "glusterfs", "delete_volume", "volume name", NAMES, lambda v: {"target": v})
case(
    "module", "glusterfs", "add_volume_bricks", "volume name", NAMES, lambda v: {"name": v, "bricks": "GOOD"}
)
case(
    "module",
    "glusterfs",
    "set_quota_volume",
    "volume name",
    NAMES,
    lambda v: {"name": v, "path": "/a", "size": "1GB", "enable_quota": True},
)
case(
    "module",
    "glusterfs",
    "set_quota_volume",
    "quota path",
    QUOTA_PATHS,
    lambda v: {"name": "gv0", "path": v, "size": "1GB"},
)
case(
    "module",
    "glusterfs",
    "unset_quota_volume",
    "quota path",
    QUOTA_PATHS,
    lambda v: {"name": "gv0", "path": v},
)


@pytest.mark.parametrize("kind, module, function, kwargs, field", CASES)
def test_hostile_value_is_refused_before_use(guarded, loaders, kind, module, function, kwargs, field):
    tree = str(guarded["tree"])
    kwargs = fill(kwargs, tree)
    if kwargs.get("bricks") == "GOOD":
        kwargs["bricks"] = good_bricks(tree)
    if kind == "state":
        ret = getattr(getattr(loaders.states, module), function)(**kwargs)
        assert ret.result is False, (ret.result, ret.comment)
        assert ret.changes == {}
        message = str(ret.comment)
    else:
        call = getattr(getattr(loaders.modules, module), function)
        if module == "gluster_storage" and function == "brick_directory_check":
            result = call(**kwargs)
            assert result["problems"]
            message = "; ".join(result["problems"])
        else:
            with pytest.raises(ERRORS) as excinfo:
                call(**kwargs)
            message = str(excinfo.value)
    assert field in message, message


@pytest.mark.parametrize("path", list(BRICK_DIRS.values()), ids=list(BRICK_DIRS))
def test_brick_directory_check_reports_hostile_paths(guarded, loaders, path):
    result = loaders.modules.gluster_storage.brick_directory_check(fill(path, str(guarded["tree"])))
    assert result["exists"] is False
    assert result["problems"] and "brick path" in result["problems"][0]
