"""Hostile values are refused by the validators before anything uses them.

Every field that reaches the gluster CLI, a command line or the filesystem is checked with one
valid base value and with every class of hostile variant of it (``tests/support/hostile.py``):
shell metacharacters, newline / CR / tab / NUL, ``../`` and ``/..``, 300 and 5000 characters,
unicode look-alikes (Cyrillic 'а', fullwidth letters) and invisible characters (zero-width
space, right-to-left override, non-breaking space, line separator). First through the
validator of ``_utils/gluster_validate.py`` / ``_utils/gluster_storage.py`` directly, then
through the whole pillar (``_utils/gluster_pillar.py``), where the problem must name the pillar
path of the bad value and read as a clean single-line string.

Option *values* are free text for gluster (see ``hostile.OPTION_VALUE_ACCEPTED``): there only
control, invisible and separator characters and lengths over 4096 are refused, and the
accepted classes are checked to pass unchanged.
"""

import ast
import copy
from pathlib import Path

import pytest
import saltext_gluster_utils.gluster_pillar as gp
import saltext_gluster_utils.gluster_storage as gs
import saltext_gluster_utils.gluster_validate as gv
from hostile import option_value_rejected
from hostile import printable
from hostile import variants

from conftest import ROOT

DEVICE_WHERE = "gluster:brick_devices:gfs1:/data/glusterfs/gv0"


def _storage(mount="/data/glusterfs/gv0", **spec):
    return gs.backend_problems(mount, dict({"device": "/dev/sdb"}, **spec), DEVICE_WHERE)


# field -> (valid base, kind, validator returning problems, a word every problem must hold)
VALIDATORS = {
    "volume-name": ("gvdata0", "word", gv.volume_name_problems, "volume name"),
    "brick-host": (
        "gfs1.example.com",
        "word",
        lambda v: gv.brick_problems(f"{v}:/data/glusterfs/gv0/brick"),
        "host",
    ),
    "brick-path": ("/data/glusterfs/gv0/brick", "path", lambda v: gv.brick_problems(f"gfs1:{v}"), "path"),
    "peer-host": ("gfs-a.example.com", "word", gv.hostname_problems, "host"),
    "peer-ip": ("10.0.0.2", "word", gv.hostname_problems, "host"),
    "peer-ipv6": ("fe80::1%eth0", "word", gv.hostname_problems, "host"),
    "option-key": ("performance.cache-size", "word", gv.option_key_problems, "option"),
    "storage-device": ("/dev/disk/by-id/ata-disk", "path", gs.device_problems, "device"),
    "storage-mount-point": ("/data/glusterfs/gv0", "path", _storage, "mount point"),
    "storage-lvm-vg": ("vg_bricks", "word", lambda v: _storage(lvm={"vg": v, "lv": "gv0"}), ":lvm:vg"),
    "storage-lvm-lv": ("lv_data", "word", lambda v: _storage(lvm={"vg": "vg_bricks", "lv": v}), ":lvm:lv"),
    "storage-lvm-thin-pool": (
        "pool_a",
        "word",
        lambda v: _storage(lvm={"vg": "vg_bricks", "lv": "gv0", "size": "1T", "thin_pool": v}),
        ":lvm:thin_pool",
    ),
    "storage-mkfs-option": ("agcount=4", "word", lambda v: _storage(mkfs_options=["-d", v]), ":mkfs_options"),
    "storage-mount-option": ("noatime", "word", lambda v: _storage(mount_options=[v]), ":mount_options"),
    "storage-fstab": ("/etc/fstab.d/gluster", "path", lambda v: _storage(fstab=v), ":fstab"),
}


# fields that never reach a gluster argv (mkfs takes its own options): the '--' class is gluster's
NOT_GLUSTER_ARGV = ("storage-mkfs-option", "device-mkfs-option")


def _cases(table):
    for field, (base, kind, *_rest) in table.items():
        for class_id, value in variants(base, kind).items():
            if class_id.startswith("gluster-option-") and field in NOT_GLUSTER_ARGV:
                continue
            yield pytest.param(field, value, id=f"{field}-{class_id}")


def _clean(problem):
    """A problem is one readable line: a string without control or invisible characters."""
    return isinstance(problem, str) and problem.isprintable() and problem.strip() == problem


@pytest.mark.parametrize("field", list(VALIDATORS))
def test_base_values_are_valid(field):
    base, _kind, check, _word = VALIDATORS[field]
    assert check(base) == []


@pytest.mark.parametrize("field, value", list(_cases(VALIDATORS)))
def test_validator_refuses_hostile_value(field, value):
    _base, _kind, check, word = VALIDATORS[field]
    problems = check(value)
    assert problems, f"{field}: {value!r} was accepted"
    assert all(_clean(p) for p in problems), problems
    assert any(word in p for p in problems), problems


# --------------------------------------------------------------------------- option values

OPTION_VALUE_CASES = [
    pytest.param(value, option_value_rejected(class_id), id=class_id)
    for base in ("64MB",)
    for class_id, value in variants(base).items()
]


@pytest.mark.parametrize("value, rejected", OPTION_VALUE_CASES)
def test_option_values(value, rejected):
    problems = gv.option_value_problems("performance.cache-size", value)
    if rejected:
        assert problems, f"{value!r} was accepted"
        assert all(_clean(p) for p in problems), problems
        assert "performance.cache-size" in problems[0]
    else:
        assert problems == []
        assert gv.option_value(value) == value  # passed on unchanged, as one argv element


def test_option_values_gluster_needs_are_accepted():
    for value in ("192.168.*", "/dir(10.0.0.0/24|host2)", "HIGH:!SSLv2", "user.*,security.*", "5%"):
        assert gv.option_value_problems("auth.allow", value) == []


# --------------------------------------------------------------------------- through the pillar

NODES = {"gfs1": "10.0.0.1", "gfs2": "10.0.0.2", "gfs3": "10.0.0.3"}


def _pillar():
    return {
        "nodes": dict(NODES),
        "volumes": {
            "gv0": {
                "type": "replicate",
                "replica": 3,
                "brick_path": "/data/glusterfs/gv0/brick",
                "options": {"performance.cache-size": "64MB"},
            },
            "ex": {"bricks": ["gfs1:/data/ex", "gfs2:/data/ex"]},
        },
        "server": {"glusterd_options": {"base-port": 49152}},
        "clients": {
            "client1": {"mounts": {"/mnt/gv0": {"volume": "gv0", "options": ["noatime"], "server": "gfs2"}}}
        },
        "brick_devices": {
            "gfs1": {
                "/data/glusterfs/gv0": {
                    "device": "/dev/sdb",
                    "lvm": {"vg": "vg_bricks", "lv": "gv0"},
                    "mkfs_options": ["-K"],
                    "mount_options": ["noatime"],
                }
            }
        },
    }


def _set_volume_name(p, v):
    p["volumes"] = {v: p["volumes"]["gv0"]}
    p.pop("clients")
    return f"gluster:volumes:{v}"


def _set(path, value_path):
    """A setter putting the hostile value at ``path`` (keys below ``gluster``)."""

    def setter(p, v):
        target = p
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = v
        return value_path

    return setter


def _set_key(path, old, pillar_path):
    """A setter renaming the key ``old`` of the mapping at ``path`` to the hostile value."""

    def setter(p, v):
        target = p
        for key in path:
            target = target[key]
        target[v] = target.pop(old)
        return pillar_path(v)

    return setter


MOUNT = "gluster:clients:client1:mounts:/mnt/gv0"
BACKEND = "gluster:brick_devices:gfs1:/data/glusterfs/gv0"
BACKEND_PATH = ("brick_devices", "gfs1", "/data/glusterfs/gv0")

# field -> (valid base, kind, setter(pillar, value) -> the pillar path the problem must name)
PILLAR_FIELDS = {
    "volume-name": ("gvdata0", "word", _set_volume_name),
    "node-address": ("gfs-a.example.com", "word", _set(("nodes", "gfs1"), "gluster:nodes:gfs1")),
    "brick-path": (
        "/data/glusterfs/gv0/brick",
        "path",
        _set(("volumes", "gv0", "brick_path"), "gluster:volumes:gv0:brick_path"),
    ),
    "explicit-brick-host": (
        "gfs2",
        "word",
        lambda p, v: _set(("volumes", "ex", "bricks"), "gluster:volumes:ex:bricks:1")(
            p, ["gfs1:/data/ex", f"{v}:/data/ex"]
        ),
    ),
    "explicit-brick-path": (
        "/data/ex",
        "path",
        lambda p, v: _set(("volumes", "ex", "bricks"), "gluster:volumes:ex:bricks:0")(
            p, [f"gfs1:{v}", "gfs2:/data/ex"]
        ),
    ),
    "option-key": (
        "performance.cache-size",
        "word",
        _set_key(
            ("volumes", "gv0", "options"), "performance.cache-size", lambda v: "gluster:volumes:gv0:options"
        ),
    ),
    "glusterd-option-key": (
        "base-port",
        "word",
        _set_key(("server", "glusterd_options"), "base-port", lambda v: "gluster:server:glusterd_options"),
    ),
    "client-mount-point": (
        "/mnt/gv0",
        "path",
        _set_key(
            ("clients", "client1", "mounts"), "/mnt/gv0", lambda v: f"gluster:clients:client1:mounts:{v}"
        ),
    ),
    "client-mount-option": (
        "noatime",
        "word",
        lambda p, v: _set(("clients", "client1", "mounts", "/mnt/gv0", "options"), f"{MOUNT}:options")(
            p, [v]
        ),
    ),
    "client-server": (
        "gfs-a.example.com",
        "word",
        _set(("clients", "client1", "mounts", "/mnt/gv0", "server"), f"{MOUNT}:server"),
    ),
    "client-fstab": (
        "/etc/fstab",
        "path",
        _set(("clients", "client1", "mounts", "/mnt/gv0", "fstab"), f"{MOUNT}:fstab"),
    ),
    "device": ("/dev/sdb", "path", _set((*BACKEND_PATH, "device"), f"{BACKEND}:device")),
    "device-mount-point": (
        "/data/glusterfs/gv0",
        "path",
        _set_key(BACKEND_PATH[:2], "/data/glusterfs/gv0", lambda v: f"gluster:brick_devices:gfs1:{v}"),
    ),
    "device-lvm-vg": ("vg_bricks", "word", _set((*BACKEND_PATH, "lvm", "vg"), f"{BACKEND}:lvm:vg")),
    "device-lvm-lv": ("gv0", "word", _set((*BACKEND_PATH, "lvm", "lv"), f"{BACKEND}:lvm:lv")),
    "device-mkfs-option": (
        "-K",
        "word",
        lambda p, v: _set((*BACKEND_PATH, "mkfs_options"), f"{BACKEND}:mkfs_options")(p, ["-d", v]),
    ),
    "device-mount-option": (
        "noatime",
        "word",
        lambda p, v: _set((*BACKEND_PATH, "mount_options"), f"{BACKEND}:mount_options")(p, [v]),
    ),
    "device-fstab": ("/etc/fstab", "path", _set((*BACKEND_PATH, "fstab"), f"{BACKEND}:fstab")),
}

# the value classes a pillar option value must refuse
PILLAR_OPTION_VALUES = {
    class_id: value for class_id, value in variants("64MB").items() if option_value_rejected(class_id)
}


def _names(problem, path):
    shown = printable(path)
    return problem.startswith(shown + ":") or problem.startswith(shown + " ")


def test_pillar_base_is_valid():
    model, problems = gp.build_model(_pillar(), "gfs1")
    assert problems == []
    assert model["volumes"]["gv0"]["bricks"] == [f"{a}:/data/glusterfs/gv0/brick" for a in NODES.values()]


@pytest.mark.parametrize("field", list(PILLAR_FIELDS))
def test_pillar_setters_keep_the_base_valid(field):
    base, _kind, setter = PILLAR_FIELDS[field]
    pillar = _pillar()
    setter(pillar, base)
    assert gp.build_model(pillar, "gfs1")[1] == []


@pytest.mark.parametrize("field, value", list(_cases(PILLAR_FIELDS)))
def test_pillar_refuses_hostile_value_at_its_path(field, value):
    _base, _kind, setter = PILLAR_FIELDS[field]
    pillar = _pillar()
    path = setter(pillar, value)
    _model, problems = gp.build_model(copy.deepcopy(pillar), "gfs1")
    assert problems, f"{field}: {value!r} was accepted"
    assert all(_clean(p) for p in problems), problems
    assert any(_names(p, path) for p in problems), (path, problems)


@pytest.mark.parametrize("value", list(PILLAR_OPTION_VALUES.values()), ids=list(PILLAR_OPTION_VALUES))
@pytest.mark.parametrize("where", ["volume", "glusterd"])
def test_pillar_refuses_hostile_option_value(where, value):
    pillar = _pillar()
    if where == "volume":
        pillar["volumes"]["gv0"]["options"]["performance.cache-size"] = value
        path = "gluster:volumes:gv0:options"
    else:
        pillar["server"]["glusterd_options"]["base-port"] = value
        path = "gluster:server:glusterd_options"
    _model, problems = gp.build_model(pillar, "gfs1")
    assert problems and all(_clean(p) for p in problems), problems
    assert any(_names(p, path) for p in problems), (path, problems)


@pytest.mark.parametrize("key", ["replica", "bricks_per_node"])
@pytest.mark.parametrize("value", ["\u00b2", "\uff13", "3" * 5000, " 3;"])
def test_pillar_quoted_counts_only_ascii_digits(key, value):
    """A quoted count is read as a number only when it is plain ASCII digits: a superscript
    two or a 5000-digit string used to crash int(), a fullwidth three passed as 3."""
    pillar = _pillar()
    pillar["volumes"]["gv0"][key] = value
    _model, problems = gp.build_model(pillar, "gfs1")
    assert any(
        _names(p, f"gluster:volumes:gv0:{key}") or _names(p, "gluster:volumes:gv0") for p in problems
    ), problems
    assert all(_clean(p) for p in problems)


def test_raid_stripe_unit_with_5000_digits_is_a_problem_not_a_crash():
    problems = _storage(raid={"stripe_unit": "1" * 5000 + "k", "data_disks": 2})
    assert any(p.startswith(f"{DEVICE_WHERE}:raid:stripe_unit: ") for p in problems), problems


# --------------------------------------------------------------------------- no shell anywhere

SHELL_FUNCTIONS = {
    ("os", "system"), ("os", "popen"), ("subprocess", "getoutput"), ("subprocess", "getstatusoutput"),
    ("asyncio", "create_subprocess_shell"), ("pty", "spawn"),
}  # fmt: skip


def _dotted(node):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    return tuple(reversed(parts))


def _salt_function(node):
    """``"cmd.run_all"`` for ``__salt__["cmd.run_all"]``, else None."""
    if isinstance(node, ast.Subscript) and _dotted(node.value) == ("__salt__",):
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            return key.value
    return None


def shell_uses(source, filename="<source>"):
    """Every place ``source`` could hand a command line to a shell: ``shell=``/``python_shell=``
    anything but a literal False, os.system, os.popen and friends, Salt's ``cmd.shell`` /
    ``cmd.script``, and ``cmd.run*`` without an explicit ``python_shell=False``."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call):
            continue
        where = f"{filename}:{node.lineno}"
        for keyword in node.keywords:
            if keyword.arg in ("shell", "python_shell"):
                if not (isinstance(keyword.value, ast.Constant) and keyword.value.value is False):
                    found.append(f"{where}: {keyword.arg}={ast.unparse(keyword.value)}")
        name = _dotted(node.func)
        if name[-2:] in SHELL_FUNCTIONS:
            found.append(f"{where}: {'.'.join(name)}()")
        salt_function = _salt_function(node.func)
        if salt_function in ("cmd.shell", "cmd.script", "cmd.exec_code", "cmd.powershell"):
            found.append(f"{where}: __salt__[{salt_function!r}]")
        elif salt_function and salt_function.startswith("cmd."):
            explicit = [k for k in node.keywords if k.arg == "python_shell"]
            if not explicit:
                found.append(f"{where}: __salt__[{salt_function!r}] without python_shell=False")
    return found


PRODUCT_SOURCES = sorted(
    path for folder in ("_modules", "_states", "_utils") for path in (Path(ROOT) / folder).glob("*.py")
)


def test_the_shell_checker_finds_every_pattern():
    bad = """
import os, subprocess
subprocess.run(cmd, shell=True)
subprocess.Popen(cmd, shell=flag)
__salt__["cmd.run_all"](cmd, python_shell=True)
__salt__["cmd.run"](cmd)
__salt__["cmd.shell"]("ls")
os.system("ls")
os.popen("ls")
subprocess.getoutput("ls")
"""
    assert len(shell_uses(bad)) == 8
    good = 'subprocess.run(["ls"], shell=False)\n__salt__["cmd.run_all"](["ls"], python_shell=False)\n'
    assert shell_uses(good) == []


def test_no_product_module_uses_a_shell():
    assert len(PRODUCT_SOURCES) >= 10, PRODUCT_SOURCES
    found = []
    for path in PRODUCT_SOURCES:
        found += shell_uses(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert found == []


# ------------------------------------------------------------------ every external call bounded
UNBOUNDED_PRODUCT_SOURCES = sorted(
    path
    for folder in ("_modules", "_states", "_utils", "_beacons", "_grains", "_runners")
    for path in (Path(ROOT) / folder).glob("*.py")
)


def unbounded_calls(source, filename="<source>"):
    """Every external call in ``source`` that may wait for ever: ``subprocess.run/Popen/
    check_output/call`` and ``__salt__["cmd.run*"]`` without a ``timeout=`` keyword, and
    ``socket.getaddrinfo`` / ``gethostbyname`` outside ``gluster_cli.bounded``."""
    found = []
    tree = ast.parse(source, filename)
    bounded_lambdas = {
        id(arg)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and _dotted(node.func)[-1:] == ("bounded",)
        for arg in node.args[:1]
    }
    inside_bounded = {id(n) for node in ast.walk(tree) if id(node) in bounded_lambdas for n in ast.walk(node)}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        where = f"{filename}:{node.lineno}"
        name = _dotted(node.func)
        timeout = any(k.arg == "timeout" for k in node.keywords)
        salt_function = _salt_function(node.func)
        if (
            name[-2:] in (("subprocess", f) for f in ("run", "Popen", "check_output", "check_call", "call"))
            or (salt_function or "").startswith("cmd.run")
        ) and not timeout:
            found.append(f"{where}: {'.'.join(name) or salt_function} without timeout=")
        if (
            name[-1:] in (("getaddrinfo",), ("gethostbyname",), ("gethostbyname_ex",))
            and id(node) not in inside_bounded
        ):
            found.append(f"{where}: {'.'.join(name)} outside gluster_cli.bounded")
    return found


def test_the_bound_checker_finds_every_pattern():
    bad = """
import subprocess, socket
subprocess.run(["ls"])
subprocess.Popen(["ls"])
__salt__["cmd.run_all"](["ls"], python_shell=False)
socket.getaddrinfo(host, None)
"""
    assert len(unbounded_calls(bad)) == 4
    good = """
subprocess.run(["ls"], timeout=5)
__salt__["cmd.run_all"](["ls"], python_shell=False, timeout=5)
cli.bounded(lambda: socket.getaddrinfo(host, None), 10, "resolving")
"""
    assert unbounded_calls(good) == []


def test_every_external_call_of_the_product_has_a_bound():
    """Storage and firewall tools, maintenance commands, name resolution: nothing waits for
    ever (issue 19: a hung tool must not hang a state run, nor the beacon in the minion's loop)."""
    found = []
    for path in UNBOUNDED_PRODUCT_SOURCES:
        found += unbounded_calls(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert found == []
