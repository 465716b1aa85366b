"""
Grains of a GlusterFS node or client, under the one grain ``gluster``.

Cheap by design: a grains refresh reads glusterd's own store (``glusterd.info`` and the brick
files under ``vols/``), ``/proc/mounts`` and connects once to glusterd's local socket; ``gluster
--version`` (which talks to nobody) runs once per installed binary, its answer kept in the
minion's cachedir. No call reaches another node.

.. code-block:: yaml

    gluster:
      version: '10.3'                 # None: no gluster CLI installed
      glusterd_running: true          # glusterd answers a connect on its socket
      uuid: 6a1e0332-...              # this node's peer UUID (None: not a server)
      op_version: 100000
      volumes: [gv0]                  # volumes in this node's glusterd store
      bricks:                         # bricks of this node (by UUID)
        - {volume: gv0, path: /data/glusterfs/gv0/brick, port: 49152}
      mounts:                         # FUSE mounts of gluster volumes on this minion
        - {server: gfs1, volume: gv0, mountpoint: /mnt/gv0}

Settings come from the minion's ``gluster`` config, as for the execution module: ``socket``
(default ``/var/run/glusterd.socket``), ``binary`` (``gluster``) and ``working_directory``
(``/var/lib/glusterd``).
"""

import logging
import os
import re
import shutil
import socket
import subprocess

log = logging.getLogger(__name__)

__virtualname__ = "gluster"

DEFAULTS = {
    "socket": "/var/run/glusterd.socket",
    "binary": "gluster",
    "working_directory": "/var/lib/glusterd",
}
VERSION_RE = re.compile(r"^glusterfs (\d+(?:\.\d+)*)", re.MULTILINE)


def __virtual__():
    return __virtualname__


# every public function of a grains module is called as a grain: the helpers are private


def _settings():
    config = (__opts__.get("gluster") or {}) if isinstance(__opts__, dict) else {}
    return {key: config.get(key) or default for key, default in DEFAULTS.items()}


def _parse_key_values(text):
    """``key=value`` lines (glusterd.info, a brick file, a volume's info) -> dict."""
    values = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            values[key.strip()] = value.strip()
    return values


def _parse_mounts(text):
    """``/proc/mounts`` -> the gluster FUSE mounts: ``[{"server", "volume", "mountpoint"}]``.

    The execution module reads mounts with ``gluster_storage.parse_mountinfo``; the grains do
    not import ``_utils``: they must load where only the grains were synced
    (``saltutil.sync_grains``). The kernel escapes space, tab, newline and backslash in a path
    as octal (``\\040``), undone here the same way."""
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[2] == "fuse.glusterfs" and ":" in fields[0]:
            server, _, volume = fields[0].rpartition(":")
            mountpoint = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[1])
            mounts.append({"server": server, "volume": volume.lstrip("/"), "mountpoint": mountpoint})
    return mounts


def _read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def _store_facts(workdir):
    """``{"uuid", "op_version", "volumes", "bricks"}`` from glusterd's store in ``workdir``:
    the bricks are those whose ``uuid`` is this node's."""
    info = _parse_key_values(_read(os.path.join(workdir, "glusterd.info")) or "")
    uuid = info.get("UUID")
    op_version = info.get("operating-version")
    facts = {"uuid": uuid, "op_version": int(op_version) if op_version and op_version.isdigit() else None,
             "volumes": [], "bricks": []}  # fmt: skip
    vols = os.path.join(workdir, "vols")
    try:
        volumes = sorted(
            name for name in os.listdir(vols) if os.path.isfile(os.path.join(vols, name, "info"))
        )
    except OSError:
        return facts
    facts["volumes"] = volumes
    for volume in volumes:
        bricks_dir = os.path.join(vols, volume, "bricks")
        try:
            names = sorted(os.listdir(bricks_dir))
        except OSError:
            continue
        for name in names:
            brick = _parse_key_values(_read(os.path.join(bricks_dir, name)) or "")
            if uuid and brick.get("uuid") == uuid and brick.get("path"):
                port = brick.get("listen-port", "")
                facts["bricks"].append(
                    {
                        "volume": volume,
                        "path": brick["path"],
                        "port": int(port) if port.isdigit() and int(port) > 0 else None,
                    }
                )
    return facts


def _glusterd_running(path):
    if not os.path.exists(path):
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(2)
        try:
            sock.connect(path)
        except OSError:
            return False
    return True


def _version(binary):
    """``gluster --version``'s version, run once per installed binary: the answer is kept in the
    minion's cachedir keyed by the binary's path, size and mtime (an upgrade changes them), so a
    grains load (every ``salt-call``) spawns no process."""
    found = shutil.which(binary)
    if not found:
        return None
    try:
        stat = os.stat(found)
    except OSError:
        return None
    key = f"{os.path.realpath(found)} {stat.st_size} {stat.st_mtime_ns}"
    cachedir = __opts__.get("cachedir") if isinstance(__opts__, dict) else None
    cache = os.path.join(cachedir, "gluster_version") if cachedir else None
    cached = (_read(cache) or "").split("\n") if cache else []
    if len(cached) >= 2 and cached[0] == key and cached[1]:
        return cached[1]
    try:
        proc = subprocess.run(
            [found, "--version"],
            capture_output=True,
            text=True,
            timeout=10,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log.debug("gluster grains: %s --version: %s", found, exc)
        return None
    match = VERSION_RE.search(proc.stdout)
    if match and cache:
        try:
            os.makedirs(cachedir, exist_ok=True)
            with open(cache, "w", encoding="utf-8") as handle:
                handle.write(f"{key}\n{match.group(1)}\n")
        except OSError as exc:
            log.debug("gluster grains: cannot keep the version in %s: %s", cache, exc)
    return match.group(1) if match else None


def gluster():
    """The ``gluster`` grain (see the module docstring)."""
    settings = _settings()
    grain = {
        "version": _version(settings["binary"]),
        "glusterd_running": _glusterd_running(settings["socket"]),
    }
    grain.update(_store_facts(settings["working_directory"]))
    grain["mounts"] = _parse_mounts(_read("/proc/mounts") or "")
    return {"gluster": grain}
