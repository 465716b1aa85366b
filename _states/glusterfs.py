"""Salt 3007's ``glusterfs`` states, for SLS files written for them.

The same names and arguments as the states Salt 3008 removed, built on this extension's
``glusterfs`` and ``gluster`` execution modules. What the old states got wrong is fixed:

- ``test=True`` predicts exactly: a state that would change something says so (result ``None``
  and the changes it would make) and one that would not returns ``True`` (the old
  ``volume_present`` said "will be started" of a started volume, and the old
  ``add_volume_bricks`` added bricks in test mode);
- real changes are reported (the old ``started`` put them under a misspelled key, so Salt
  never saw one);
- a failure says what gluster said;
- ``stripe`` and ``device_vg`` fail saying GlusterFS removed them.

Each state logs a deprecation warning (once per process) naming its ``gluster.*`` state; the
README's "Upgrading from Salt 3007" section maps every name.
"""

import logging
import socket

import salt.utils.network
from salt.exceptions import CommandExecutionError
from salt.exceptions import SaltInvocationError

log = logging.getLogger(__name__)

__virtualname__ = "glusterfs"

REPLACEMENTS = {
    "peered": "gluster.peered",
    "volume_present": "gluster.volume_present and gluster.volume_started",
    "started": "gluster.volume_started",
    "add_volume_bricks": "gluster.volume_present (the whole brick list)",
    "op_version": "gluster.op_version",
    "max_op_version": "gluster.op_version with name: max",
}
ERRORS = (CommandExecutionError, SaltInvocationError)
_WARNED = set()


def __virtual__():
    if "glusterfs.list_volumes" in __salt__:
        return __virtualname__
    return (False, "glusterfs: the glusterfs module of saltext-gluster is not loaded")


def _deprecated(name):
    if name not in _WARNED:
        _WARNED.add(name)
        log.warning(
            "state glusterfs.%s is Salt 3007's name, kept by saltext-gluster for old SLS files: use %s",
            name,
            REPLACEMENTS[name],
        )


def _ret(name):
    return {"name": name, "changes": {}, "comment": "", "result": True}


def _fail(ret, comment):
    """The state failed: ``changes`` keeps what was recorded as done before the failure (a
    probe, a create or an add whose read-back failed), and is otherwise empty."""
    ret.update(result=False, comment=comment)
    return ret


def _brick_list_problems(bricks):
    """``bricks`` as a list of ``host:/absolute/path`` strings, checked the way the real run
    checks them (so test mode refuses what the run would)."""
    if not isinstance(bricks, (list, tuple)) or not all(isinstance(b, str) for b in bricks):
        return [f"bricks must be a list of host:/path strings, not {bricks!r}"]
    # pylint: disable-next=import-outside-toplevel
    from saltext_gluster_utils import (
        gluster_validate as validate,
    )  # registered by the gluster execution module

    return [problem for brick in bricks for problem in validate.brick_problems(brick)]


def _would(ret, comment, changes):
    ret.update(result=None, comment=comment, changes=changes)
    return ret


def _is_this_host(name):
    """``name`` resolves to an address of one of this machine's interfaces (as glusterd itself
    answers "Probe on localhost not needed"); ``gluster.is_this_node`` knows the node's other
    names (the hosts of its bricks)."""
    own_names = {"localhost", socket.gethostname(), socket.getfqdn()}
    if name in own_names:
        return True
    addresses = salt.utils.network.host_to_ips(name) or []
    own = set(salt.utils.network.ip_addrs(include_loopback=True)) | set(
        salt.utils.network.ip_addrs6(include_loopback=True)
    )
    return bool(own.intersection(addresses))


def peered(name):
    """
    The host ``name`` is a member of the pool: probed from this node when it is not. With
    ``names`` (Salt's own multi-name form) one state per host. A name that is this host
    needs no probe.

    .. code-block:: yaml

        peer-clusters:
          glusterfs.peered:
            - names:
              - two
              - three
    """
    _deprecated("peered")
    ret = _ret(name)
    try:
        if __salt__["gluster.is_this_node"](name) or _is_this_host(name):  # validates the name first
            ret["comment"] = "Peering with localhost is not needed"
            return ret
        if __salt__["gluster.peer_find"](name) is not None:
            ret["comment"] = f"Host {name} already peered"
            return ret
        if __opts__["test"]:
            return _would(ret, f"Peer {name} will be added.", {"new": name, "old": None})
        before = __salt__["glusterfs.peer_status"]()
        __salt__["glusterfs.peer"](name)
        ret["changes"] = {"old": before, "new": name}  # probed: kept should the read-back fail
        found = __salt__["gluster.peer_find"](name)
        if found is None:
            ret["changes"] = {}  # the probe answered, but the pool has no such peer: nothing to show
            return _fail(ret, f"Host {name} was probed but is not in the list of peers")
        ret["comment"] = f"Host {name} successfully peered (uuid {found['uuid']})"
        ret["changes"] = {"old": before, "new": __salt__["glusterfs.peer_status"]()}
        return ret
    except ERRORS as exc:
        return _fail(ret, f"peer {name}: {exc}")


def _started(name):
    return __salt__["glusterfs.info"]()[name]["status"] == "1"


def volume_present(
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
    The volume ``name`` exists (created from ``bricks`` with ``replica``, ``arbiter``,
    ``transport`` and ``force`` when it does not) and, with ``start``, is started. An existing
    volume is not reshaped: where its bricks or counts differ from these, the comment says so.

    .. code-block:: yaml

        Replicated Volume:
          glusterfs.volume_present:
            - name: volume2
            - bricks:
              - host1:/srv/gluster/drive2
              - host2:/srv/gluster/drive3
            - replica: 2
            - start: True
    """
    _deprecated("volume_present")
    ret = _ret(name)
    if stripe:
        return _fail(
            ret,
            f"volume {name}: stripe={stripe!r}: GlusterFS removed striped volumes in version 6; "
            "use a distributed volume, or features.shard for large files",
        )
    if device_vg:
        return _fail(
            ret, f"volume {name}: device_vg: GlusterFS removed the block-device backend in version 6"
        )
    if arbiter and replica != 3:
        return _fail(ret, f"volume {name}: arbiter is only valid with replica 3, got replica={replica!r}")
    bricks = [bricks] if isinstance(bricks, str) else bricks
    try:
        # validates the name, bricks and counts before any gluster call; None: no such volume
        differences = __salt__["gluster.volume_layout_differences"](
            name, bricks, replica=replica or None, arbiter=1 if arbiter else None, transport=transport
        )
        if differences is None:
            volumes = __salt__["glusterfs.list_volumes"]()
            what = "created and started" if start else "created"
            if __opts__["test"]:
                return _would(
                    ret, f"Volume {name} will be {what}", {"new": sorted([*volumes, name]), "old": volumes}
                )
            __salt__["glusterfs.create_volume"](
                name, bricks, False, replica, False, transport, start, force, arbiter
            )
            ret["changes"] = {"new": sorted([*volumes, name]), "old": volumes}  # kept on a failed read
            ret["changes"] = {"new": __salt__["glusterfs.list_volumes"](), "old": volumes}
            ret["comment"] = f"Volume {name} is {what}"
            return ret
        ret["comment"] = f"Volume {name} already exists"
        if differences:
            ret["comment"] += (
                f" (its layout differs from this state's and is left as it is: {'; '.join(differences)}; "
                "gluster.volume_present reshapes a volume)"
            )
        if not start or _started(name):
            ret["comment"] += " and is started" if start else ""
            return ret
        if __opts__["test"]:
            return _would(ret, ret["comment"] + " and will be started", {"new": "started", "old": "stopped"})
        __salt__["glusterfs.start_volume"](name)
        ret["comment"] += " and is now started"
        ret["changes"] = {"new": "started", "old": "stopped"}
        return ret
    except ERRORS as exc:
        return _fail(ret, f"volume {name}: {exc}")


def started(name):
    """
    The volume ``name`` is started.

    .. code-block:: yaml

        mycluster:
          glusterfs.started: []
    """
    _deprecated("started")
    ret = _ret(name)
    try:
        if not __salt__["gluster.volume_exists"](name):  # validates the name first
            return _fail(ret, f"Volume {name} does not exist")
        if _started(name):
            ret["comment"] = f"Volume {name} is already started"
            return ret
        if __opts__["test"]:
            return _would(ret, f"Volume {name} will be started", {"new": "started", "old": "stopped"})
        __salt__["glusterfs.start_volume"](name)
        ret["comment"] = f"Volume {name} is started"
        ret["changes"] = {"new": "started", "old": "stopped"}
        return ret
    except ERRORS as exc:
        return _fail(ret, f"volume {name}: {exc}")


def add_volume_bricks(name, bricks, force=False):
    """
    The started volume ``name`` holds ``bricks``: the ones it does not are added (no
    rebalance). ``force`` (not in Salt 3007) is gluster's ``force``, e.g. for bricks on the root
    partition.

    .. code-block:: yaml

        myvolume:
          glusterfs.add_volume_bricks:
            - bricks:
                - host1:/srv/gluster/drive1
                - host2:/srv/gluster/drive2
    """
    _deprecated("add_volume_bricks")
    ret = _ret(name)
    bricks = [bricks] if isinstance(bricks, str) else bricks
    try:
        if not isinstance(bricks, (list, tuple)):
            return _fail(ret, f"volume {name}: {_brick_list_problems(bricks)[0]}")
        if not __salt__["gluster.volume_exists"](name):  # validates the name first
            return _fail(ret, f"Volume {name} does not exist")
        volumes = __salt__["glusterfs.info"](name)
        if volumes[name]["status"] != "1":
            return _fail(ret, f"Volume {name} is not started")
        current = [brick["path"] for brick in volumes[name]["bricks"].values()]
        new = [brick for brick in bricks if brick not in current]
        if not new:
            ret["comment"] = f"Bricks already added in volume {name}"
            return ret
        if __opts__["test"]:
            # the real run's refusals (glusterfs.add_volume_bricks checks them), predicted
            problems = _brick_list_problems(new)
            if problems:
                return _fail(ret, f"volume {name}: {'; '.join(problems)}")
            return _would(
                ret,
                f"Bricks {', '.join(new)} will be added to volume {name}",
                {"new": current + new, "old": current},
            )
        __salt__["glusterfs.add_volume_bricks"](name, new, force=force)
        ret["changes"] = {"new": current + new, "old": current}  # kept should the read-back fail
        after = [brick["path"] for brick in __salt__["glusterfs.info"](name)[name]["bricks"].values()]
        ret["comment"] = f"Bricks successfully added to volume {name}"
        ret["changes"] = {"new": after, "old": current}
        return ret
    except ERRORS as exc:
        return _fail(ret, f"volume {name}: {exc}")


def _set_op_version(ret, name, current, target, what):
    if current == target:
        ret["comment"] = f"Glusterfs cluster.op-version for {name} already set to {target}{what}"
        return ret
    if __opts__["test"]:
        return _would(ret, f"An attempt would be made to set the cluster.op-version for {name} to {target}.",
                      {"old": current, "new": target})  # fmt: skip
    ret["comment"] = __salt__["glusterfs.set_op_version"](target)
    ret["changes"] = {"old": current, "new": target}
    return ret


def op_version(name, version):
    """
    The cluster's op-version (read through the volume ``name``) is ``version``. gluster cannot
    lower it: a lower ``version`` fails saying so.

    .. code-block:: yaml

        myvolume:
          glusterfs.op_version:
            - name: volume1
            - version: 30707
    """
    _deprecated("op_version")
    ret = _ret(name)
    try:
        try:
            target = int(version)
        except (TypeError, ValueError):
            return _fail(ret, f"op-version must be a number, got {version!r}")
        current = int(__salt__["glusterfs.get_op_version"](name))
        if target < current:
            return _fail(ret, f"cluster.op-version is {current}; gluster cannot lower it to {target}")
        return _set_op_version(ret, name, current, target, "")
    except ERRORS as exc:
        return _fail(ret, f"op-version via volume {name}: {exc}")


def max_op_version(name):
    """
    The cluster's op-version (read through the volume ``name``) is the highest every node
    supports (``cluster.max-op-version``).

    .. code-block:: yaml

        myvolume:
          glusterfs.max_op_version:
            - name: volume1
    """
    _deprecated("max_op_version")
    ret = _ret(name)
    try:
        current = int(__salt__["glusterfs.get_op_version"](name))
        target = int(__salt__["glusterfs.get_max_op_version"]())
        return _set_op_version(ret, name, current, target, " (the cluster.max-op-version)")
    except ERRORS as exc:
        return _fail(ret, f"op-version via volume {name}: {exc}")
