"""Salt 3007's ``glusterfs`` execution module, for SLS files and Jinja written for it.

Salt 3008 removed its built-in ``glusterfs`` modules. This one keeps their names, arguments and
return shapes, built on this extension's ``gluster`` module: the same runner (argv lists, gluster's
XML checked), the same validation and the same run cache. Where the old module went wrong this one
does not:

- a failure raises ``CommandExecutionError`` with gluster's own words, where the old module
  logged them and returned ``False`` or ``None``;
- ``get_version`` works (the old one joined integers and raised ``TypeError``);
- ``stripe`` and ``device_vg`` are refused with the reason: GlusterFS 6 removed striped volumes
  and the block-device backend, and this extension supports GlusterFS 10 and later.

Each function logs a deprecation warning (once per process) naming its ``gluster.*``
equivalent; the README's "Upgrading from Salt 3007" section maps every name.
"""

import logging
from xml.etree import ElementTree

from salt.exceptions import CommandExecutionError
from salt.exceptions import SaltInvocationError

log = logging.getLogger(__name__)

__virtualname__ = "glusterfs"

# old name -> the gluster.* function (or state) to use instead
REPLACEMENTS = {
    "peer_status": "gluster.peer_status",
    "peer": "gluster.peer_probe",
    "create_volume": "gluster.volume_create",
    "list_volumes": "gluster.volume_list",
    "status": "gluster.volume_status",
    "info": "gluster.volume_info",
    "start_volume": "gluster.volume_start",
    "stop_volume": "gluster.volume_stop",
    "delete_volume": "gluster.volume_delete",
    "add_volume_bricks": "gluster.volume_add_brick",
    "enable_quota_volume": "gluster.quota_enable",
    "disable_quota_volume": "gluster.quota_enable enabled=False",
    "set_quota_volume": "gluster.quota_limit",
    "unset_quota_volume": "gluster.quota_remove",
    "list_quota_volume": "gluster.quota_list",
    "get_op_version": "gluster.op_version",
    "get_max_op_version": "gluster.op_version",
    "set_op_version": "gluster.op_version_set",
    "get_version": "gluster.version",
}
_WARNED = set()
# gluster's names for the daemons ``volume status`` lists beside the bricks
_NFS = "NFS Server"
_HEALER = "Self-heal Daemon"


def __virtual__():
    if "gluster.read_xml" in __salt__:
        return __virtualname__
    return (False, "glusterfs: the gluster module of saltext-gluster is not loaded")


def _deprecated(name):
    if name not in _WARNED:
        _WARNED.add(name)
        log.warning(
            "glusterfs.%s is Salt 3007's name, kept by saltext-gluster for old SLS files: use %s",
            name,
            REPLACEMENTS[name],
        )


def _xml(*args):
    return ElementTree.fromstring(__salt__["gluster.read_xml"](*args))


def etree_to_dict(element):
    """An element as the old module gave it: its children by tag (the last of a repeated tag
    wins), nested; an element without children is its text."""
    children = {child.tag: etree_to_dict(child) for child in element}
    return children or element.text


def _listed(value, what):
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(item, str) for item in value):
        return list(value)
    raise SaltInvocationError(f"{what} must be a brick or a list of bricks (host:/path), got {value!r}")


# ---------------------------------------------------------------------- conversions (pure)


def peers_from_xml(root):
    """``peer status`` -> ``{uuid: {"hostnames": [...], "connected": "1", "state": "3",
    "stateStr": ...}}``: every field of gluster's ``<peer>`` but the uuid, by gluster's tag, as
    text; every name the peer is known by in ``hostnames``, the first one first."""
    peers = {}
    for peer in root.iter("peer"):
        uuid = peer.findtext("uuid")
        entry = peers[uuid] = {"hostnames": []}
        for item in peer:
            if item.tag == "hostname":
                names = [item.text]
            elif item.tag == "hostnames":
                names = [child.text for child in item]
            elif item.tag != "uuid":
                entry[item.tag] = item.text
                continue
            else:
                continue
            entry["hostnames"] += [n for n in names if n not in entry["hostnames"]]
    return peers


def volumes_from_xml(root):
    """``volume list`` -> the names, in gluster's order."""
    return [volume.text for volume in root.iter("volume")]


def info_from_xml(root):
    """``volume info`` -> ``{name: volume}``: gluster's fields by tag, as text; ``bricks`` as
    ``{"brick1": {"path": "host:/dir", "name": ..., "hostUuid": ..., "isArbiter": ...,
    "uuid": ...}, ...}`` (``path`` is the whole ``host:/dir``, as the old module had it);
    ``options`` as ``{name: value}``."""
    volumes = {}
    for volume in root.iter("volume"):
        name = volume.findtext("name")
        entry = volumes[name] = etree_to_dict(volume)
        bricks = {}
        for index, brick in enumerate(volume.iter("brick"), start=1):
            spec = brick.findtext("name") or (brick.text or "").strip()
            fields = {"path": spec}
            fields.update({child.tag: child.text for child in brick if child.tag != "name"})
            fields.update(brick.attrib)
            bricks[f"brick{index}"] = fields
        entry["bricks"] = bricks
        entry["options"] = {
            option.findtext("name"): option.findtext("value") for option in volume.iter("option")
        }
    return volumes


def status_from_xml(root):
    """``volume status VOLUME`` -> ``{"bricks": {"host:/path": node}, "nfs": {host: node},
    "healers": {host: node}}``: each node gluster's fields by tag, as text, plus ``online``
    (bool) and ``host``. A daemon is filed under the host name of its node's bricks (its peer
    id where the node holds no brick of the volume)."""
    nodes = list(root.iter("node"))
    hosts = {}
    for node in nodes:
        if node.findtext("hostname") not in (_NFS, _HEALER):
            hosts.setdefault(node.findtext("peerid"), node.findtext("hostname"))
    ret = {"bricks": {}, "nfs": {}, "healers": {}}
    for node in nodes:
        entry = etree_to_dict(node)
        entry["online"] = entry.get("status") == "1"
        entry["host"] = entry.get("hostname")
        hostname = node.findtext("hostname")
        if hostname == _NFS:
            ret["nfs"][hosts.get(node.findtext("peerid"), node.findtext("peerid"))] = entry
        elif hostname == _HEALER:
            ret["healers"][hosts.get(node.findtext("peerid"), node.findtext("peerid"))] = entry
        else:
            ret["bricks"][f"{hostname}:{node.findtext('path')}"] = entry
    return ret


def quota_from_xml(root):
    """``volume quota VOLUME list`` -> ``{path: limit}``, each gluster's fields by tag, as text."""
    return {limit.findtext("path"): etree_to_dict(limit) for limit in root.iter("limit")}


def option_from_xml(root):
    """``volume get VOLUME OPTION`` -> the option's value, as text."""
    values = [opt.findtext("Value") for opt in root.iter("Opt")]
    if not values or values[-1] is None:
        raise CommandExecutionError("gluster's answer to volume get holds no value")
    return values[-1]


# ---------------------------------------------------------------------- the functions


def peer_status():
    """
    The other nodes of the pool: ``{uuid: {"hostnames": [...], "connected": "1", "state":
    "3", "stateStr": "Peer in Cluster"}}``. Deprecated: ``gluster.peer_status``.

    CLI Example:

    .. code-block:: bash

        salt '*' glusterfs.peer_status
    """
    _deprecated("peer_status")
    return peers_from_xml(_xml("peer", "status"))


def peer(name):
    """
    Probe ``name`` into the pool; ``True`` (already a member included). Deprecated:
    ``gluster.peer_probe``.

    CLI Example:

    .. code-block:: bash

        salt 'one.gluster.*' glusterfs.peer two
    """
    _deprecated("peer")
    __salt__["gluster.peer_probe"](name)
    return True


def create_volume(
    name,
    bricks,
    stripe=False,
    replica=False,
    device_vg=False,
    transport="tcp",
    start=False,
    force=False,
    arbiter=False,
):
    """
    Create the volume ``name`` from ``bricks`` (``host:/path``, one or a list); ``replica`` a
    count, ``arbiter=True`` with ``replica=3`` for an arbiter volume, ``start`` to start it
    too. ``True`` when done. ``stripe`` and ``device_vg`` are refused: GlusterFS 6 removed
    striped volumes and the block-device backend. Deprecated: ``gluster.volume_create``.

    CLI Example:

    .. code-block:: bash

        salt gluster1 glusterfs.create_volume vol2 \\
            '["gluster1:/export/vol2/brick", "gluster2:/export/vol2/brick"]' replica=2 start=True
    """
    _deprecated("create_volume")
    if stripe:
        raise SaltInvocationError(
            f"volume {name}: stripe={stripe!r} asks for a striped volume, which GlusterFS removed in "
            "version 6; use a distributed volume, or features.shard for large files"
        )
    if device_vg:
        raise SaltInvocationError(
            f"volume {name}: device_vg asks for the block-device backend, "
            "which GlusterFS removed in version 6"
        )
    if arbiter and replica != 3:
        raise SaltInvocationError(
            f"volume {name}: arbiter is only valid with replica 3, got replica={replica!r}"
        )
    __salt__["gluster.volume_create"](
        name,
        _listed(bricks, "bricks"),
        replica=replica or None,
        arbiter=1 if arbiter else None,
        transport=transport,
        force=bool(force),
        start=bool(start),
    )
    return True


def list_volumes():
    """
    The names of every volume. Deprecated: ``gluster.volume_list``.

    CLI Example:

    .. code-block:: bash

        salt '*' glusterfs.list_volumes
    """
    _deprecated("list_volumes")
    return volumes_from_xml(_xml("volume", "list"))


def status(name):
    """
    The processes of the started volume ``name``: ``{"bricks": {"host:/path": {...,
    "online": bool}}, "nfs": {...}, "healers": {host: {...}}}``. Deprecated:
    ``gluster.volume_status``.

    CLI Example:

    .. code-block:: bash

        salt '*' glusterfs.status myvolume
    """
    _deprecated("status")
    return status_from_xml(_xml("volume", "status", name))


def info(name=None):
    """
    ``{name: volume}`` of every volume (or of ``name``), gluster's fields as gluster names
    them: ``status`` is ``"1"`` for a started volume. Deprecated: ``gluster.volume_info``.

    CLI Example:

    .. code-block:: bash

        salt '*' glusterfs.info
    """
    _deprecated("info")
    return info_from_xml(_xml("volume", "info", *([name] if name is not None else [])))


def _one(name):
    """The volume ``name`` (its name checked before gluster runs; gluster's words when it does
    not exist)."""
    volumes = info_from_xml(_xml("volume", "info", name))
    if name not in volumes:
        raise CommandExecutionError(f"volume {name} does not exist")
    return volumes[name]


def start_volume(name, force=False):
    """
    Start the volume ``name`` (``force``: also when started, which restarts its dead
    bricks); ``True``. Deprecated: ``gluster.volume_start``.

    CLI Example:

    .. code-block:: bash

        salt '*' glusterfs.start_volume mycluster
    """
    _deprecated("start_volume")
    if _one(name)["status"] == "1" and not force:
        return True
    __salt__["gluster.volume_start"](name, force=bool(force))
    return True


def stop_volume(name, force=False):
    """
    Stop the volume ``name``; ``True`` (already stopped included). Deprecated:
    ``gluster.volume_stop``.

    CLI Example:

    .. code-block:: bash

        salt '*' glusterfs.stop_volume mycluster
    """
    _deprecated("stop_volume")
    if _one(name)["status"] != "1":
        return True
    __salt__["gluster.volume_stop"](name, force=bool(force))
    return True


def delete_volume(target, stop=True):
    """
    Delete the volume ``target``, stopping it first when started and ``stop`` (the data on
    its bricks stays); ``True``. Deprecated: ``gluster.volume_delete``.

    CLI Example:

    .. code-block:: bash

        salt '*' glusterfs.delete_volume <volume>
    """
    _deprecated("delete_volume")
    if _one(target)["status"] == "1":
        if not stop:
            raise CommandExecutionError(f"volume {target} is started: stop it first, or pass stop=True")
        __salt__["gluster.volume_stop"](target, force=True)
    __salt__["gluster.volume_delete"](target)
    return True


def add_volume_bricks(name, bricks, force=False):
    """
    Add the ``bricks`` not yet in the volume ``name``; ``True``. Deprecated:
    ``gluster.volume_add_brick``. ``force`` (not in Salt 3007) is gluster's ``force``, e.g. for
    bricks on the root partition.

    CLI Example:

    .. code-block:: bash

        salt '*' glusterfs.add_volume_bricks <volume> <bricks>
    """
    _deprecated("add_volume_bricks")
    current = [brick["path"] for brick in _one(name)["bricks"].values()]
    new = [brick for brick in _listed(bricks, "bricks") if brick not in current]
    if new:
        __salt__["gluster.volume_add_brick"](name, new, force=force)
    return True


def enable_quota_volume(name):
    """
    Enable quotas on the volume ``name``; ``True``. Deprecated: ``gluster.quota_enable``.

    CLI Example:

    .. code-block:: bash

        salt '*' glusterfs.enable_quota_volume <volume>
    """
    _deprecated("enable_quota_volume")
    __salt__["gluster.quota_enable"](name)
    return True


def disable_quota_volume(name):
    """
    Disable quotas on the volume ``name`` (gluster drops every limit); ``True``. Deprecated:
    ``gluster.quota_enable enabled=False``.

    CLI Example:

    .. code-block:: bash

        salt '*' glusterfs.disable_quota_volume <volume>
    """
    _deprecated("disable_quota_volume")
    __salt__["gluster.quota_enable"](name, enabled=False)
    return True


def set_quota_volume(name, path, size, enable_quota=False):
    """
    Limit directory ``path`` of the volume ``name`` to ``size`` (``10GB``), enabling quotas
    first with ``enable_quota``; ``True``. Deprecated: ``gluster.quota_limit``.

    CLI Example:

    .. code-block:: bash

        salt '*' glusterfs.set_quota_volume <volume> <path> <size> enable_quota=True
    """
    _deprecated("set_quota_volume")
    if enable_quota and not __salt__["gluster.quota_enabled"](name):
        __salt__["gluster.quota_enable"](name)
    __salt__["gluster.quota_limit"](name, path, size)
    return True


def unset_quota_volume(name, path):
    """
    Remove the limit of directory ``path`` of the volume ``name``; ``True``. Deprecated:
    ``gluster.quota_remove``.

    CLI Example:

    .. code-block:: bash

        salt '*' glusterfs.unset_quota_volume <volume> <path>
    """
    _deprecated("unset_quota_volume")
    __salt__["gluster.quota_remove"](name, path)
    return True


def list_quota_volume(name):
    """
    The limits of the volume ``name``: ``{path: {"hard_limit": ..., "used_space": ...}}``,
    gluster's fields by tag, as text; ``{}`` when no limit is set (the old module returned
    ``False``). Deprecated: ``gluster.quota_list``.

    CLI Example:

    .. code-block:: bash

        salt '*' glusterfs.list_quota_volume <volume>
    """
    _deprecated("list_quota_volume")
    if not __salt__["gluster.quota_list"](name):  # no limit set: gluster answers with an error
        return {}
    return quota_from_xml(_xml("volume", "quota", name, "list"))  # the same read, from the run cache


def get_op_version(name):
    """
    The cluster's op-version as seen through the volume ``name``, as text (``"100000"``).
    Deprecated: ``gluster.op_version``.

    CLI Example:

    .. code-block:: bash

        salt '*' glusterfs.get_op_version <volume>
    """
    _deprecated("get_op_version")
    return option_from_xml(_xml("volume", "get", name, "cluster.op-version"))


def get_max_op_version():
    """
    The highest op-version every node of the pool supports, as text. Deprecated:
    ``gluster.op_version``.

    CLI Example:

    .. code-block:: bash

        salt '*' glusterfs.get_max_op_version
    """
    _deprecated("get_max_op_version")
    return option_from_xml(_xml("volume", "get", "all", "cluster.max-op-version"))


def set_op_version(version):
    """
    Set the cluster's op-version to ``version``; gluster's message. Deprecated:
    ``gluster.op_version_set``.

    CLI Example:

    .. code-block:: bash

        salt '*' glusterfs.set_op_version 100000
    """
    _deprecated("set_op_version")
    done = __salt__["gluster.op_version_set"](version)
    if not done["changed"]:
        return f"cluster.op-version is already {done['new']}"
    return f"cluster.op-version set from {done['old']} to {done['new']}"


def get_version():
    """
    The installed GlusterFS version (``"10.3"``). Deprecated: ``gluster.version``.

    CLI Example:

    .. code-block:: bash

        salt '*' glusterfs.get_version
    """
    _deprecated("get_version")
    return __salt__["gluster.version"]()["version"]
