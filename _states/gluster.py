"""State module for GlusterFS: the trusted pool, volumes and their options, declaratively.

Every state builds its ``changes`` before acting. With ``test=True`` it returns result ``None``
with exactly those predicted changes and a "would ..." comment, and touches nothing; a real run
then makes those changes and reports them; a second run reports none. gluster's own error text
reaches the comment when a step fails.

.. code-block:: yaml

    gfs2 in pool:
      gluster.peered:
        - name: 10.0.0.2
        - probe: true          # only on the leader: one node probes, the others wait

    gv0:
      gluster.volume_present:
        - bricks: [10.0.0.1:/data/gv0/brick, 10.0.0.2:/data/gv0/brick, 10.0.0.3:/data/gv0/brick]
        - replica: 3
      gluster.volume_options:
        - options: {performance.cache-size: 256MB}
      gluster.volume_started: []
"""

import logging
import time

from salt.exceptions import CommandExecutionError
from salt.exceptions import SaltInvocationError

log = logging.getLogger(__name__)

__virtualname__ = "gluster"

ERRORS = (CommandExecutionError, SaltInvocationError)


def __virtual__():
    if "gluster.volume_info" in __salt__:
        return __virtualname__
    return (False, "the gluster state module needs the gluster execution module (gluster CLI)")


def _ret(name):
    return {"name": name, "result": True, "changes": {}, "comment": ""}


def _fail(ret, message):
    ret["result"] = False
    ret["comment"] = message
    return ret


def _volume(name):
    """The volume's info, or ``None`` when it does not exist."""
    return __salt__["gluster.volume_info"]().get(name)


def peered(name, probe=False, timeout=120):
    """
    The node at address ``name`` is a connected member of the trusted pool.

    probe
        ``True`` on the leader only: probe ``name`` when it is not in the pool yet. Other
        nodes leave ``probe`` off and wait (at most ``timeout`` seconds) for the leader's probe
        to reach them: concurrent probes from several nodes can split a pool.
    timeout
        Seconds to wait for the peer to be connected and "Peer in Cluster".
    """
    ret = _ret(name)
    try:
        peer = __salt__["gluster.peer_find"](name)
        if peer and peer["connected"] and peer["state"] == 3:
            ret["comment"] = f"{name} is in the pool and connected (uuid {peer['uuid']})"
            return ret
        if __opts__["test"]:
            ret["result"] = None
            if peer is None and probe:
                ret["changes"] = {"probed": name}
                ret["comment"] = f"would probe {name} and wait up to {timeout}s for it to connect"
            elif peer is None:
                ret["comment"] = (
                    f"would wait up to {timeout}s for {name} (the leader) to add this node to the pool"
                )
            else:
                ret["comment"] = f"would wait up to {timeout}s for {name} to connect ({peer['state_str']})"
            return ret
        if peer is None and probe:
            probed = __salt__["gluster.peer_probe"](name)
            ret["changes"] = {"probed": name}
            if probed["already_in_pool"]:
                ret["changes"] = {}
        ready = __salt__["gluster.peer_wait"]([name], timeout=timeout)
        verb = "probed" if ret["changes"] else "found"
        ret["comment"] = f"{verb} {name}: in the pool and connected (uuid {ready[name]})"
        return ret
    except ERRORS as exc:
        return _fail(ret, f"peer {name}: {exc}")


def _layout_summary(bricks, replica, arbiter, disperse, redundancy, transport):
    summary = {"bricks": list(bricks), "transport": transport or "tcp"}
    for key, value in (
        ("replica", replica),
        ("arbiter", arbiter),
        ("disperse", disperse),
        ("redundancy", redundancy),
    ):
        if value:
            summary[key] = int(value)
    return summary


def volume_present(
    name,
    bricks,
    replica=None,
    arbiter=None,
    disperse=None,
    redundancy=None,
    transport="tcp",
    force=False,
    wait_for_peers=None,
    peer_timeout=120,
):
    """
    The volume ``name`` exists with exactly this layout.

    A missing volume is created (not started: use ``volume_started``) once the hosts in
    ``wait_for_peers`` (the other brick hosts; the formula passes them) are connected peers,
    waiting at most ``peer_timeout`` seconds for them. An existing volume whose layout
    differs (bricks, counts, transport) makes the state fail with the differences spelled out;
    it is never recreated, and growing or shrinking is not done here.

    bricks
        ``host:/path`` list; order decides the replica/disperse sets.
    force
        Passed to ``gluster volume create`` (bricks on the root filesystem, or several members
        of a set on one host).
    """
    ret = _ret(name)
    try:
        differences = __salt__["gluster.volume_layout_differences"](
            name, bricks, replica, arbiter, disperse, redundancy, transport
        )
        if differences == []:
            ret["comment"] = f"volume {name} is present with the wanted layout"
            return ret
        if differences:
            return _fail(
                ret,
                f"volume {name} exists with another layout than the pillar's: "
                + "; ".join(differences)
                + ". volume_present does not recreate, grow or shrink a volume.",
            )
        summary = _layout_summary(bricks, replica, arbiter, disperse, redundancy, transport)
        ret["changes"] = {"created": summary}
        if __opts__["test"]:
            ret["result"] = None
            ret["comment"] = f"would create volume {name} ({len(summary['bricks'])} bricks)"
            return ret
        deadline = time.monotonic() + float(peer_timeout)
        if wait_for_peers:
            __salt__["gluster.peer_wait"](wait_for_peers, timeout=peer_timeout)
        created = _create_when_bricks_ready(
            deadline,
            name,
            summary["bricks"],
            replica=replica,
            arbiter=arbiter,
            disperse=disperse,
            redundancy=redundancy,
            transport=transport,
            force=force,
        )
        ret["comment"] = f"created volume {name} (id {created['id']})"
        return ret
    except ERRORS as exc:
        ret["changes"] = {}
        return _fail(ret, f"volume {name}: {exc}")


# gluster's staging errors while another node's highstate has not made its brick directory yet
BRICK_NOT_READY = ("Failed to create brick directory", "No such file or directory")


def _create_when_bricks_ready(deadline, name, bricks, **kwargs):
    """Create the volume; while other nodes have not made their brick directories yet (their own
    highstate runs concurrently), retry with back-off until ``deadline``."""
    delay = 1.0
    while True:
        try:
            return __salt__["gluster.volume_create"](name, bricks, **kwargs)
        except CommandExecutionError as exc:
            if not any(marker in str(exc) for marker in BRICK_NOT_READY) or time.monotonic() >= deadline:
                raise
            log.info("volume %s: brick directories not ready on every node yet; retrying", name)
            time.sleep(min(delay, max(0.1, deadline - time.monotonic())))
            delay = min(delay * 2, 5.0)


def _set_started(name, started, force=False):
    ret = _ret(name)
    word = "started" if started else "stopped"
    try:
        volume = _volume(name)
        if volume is not None and volume["started"] == started:
            ret["comment"] = f"volume {name} is already {word}"
            return ret
        if volume is None and not __opts__["test"]:
            return _fail(ret, f"volume {name} does not exist")
        if volume is None and not started:
            ret["comment"] = f"volume {name} does not exist, so it is not started"
            return ret
        ret["changes"] = {"started": {"old": False if volume is None else volume["started"], "new": started}}
        if __opts__["test"]:
            ret["result"] = None
            ret["comment"] = f"would {'start' if started else 'stop'} volume {name}"
            if volume is None:
                ret["comment"] += " once it is created"
            return ret
        if started:
            __salt__["gluster.volume_start"](name, force=force)
        else:
            __salt__["gluster.volume_stop"](name, force=force)
        ret["comment"] = f"{word} volume {name}"
        return ret
    except ERRORS as exc:
        ret["changes"] = {}
        return _fail(ret, f"volume {name}: {exc}")


def volume_started(name, force=False):
    """The volume ``name`` is started (in test mode a volume that is about to be created counts
    as stopped)."""
    return _set_started(name, True, force)


def volume_stopped(name, force=False):
    """The volume ``name`` is stopped. Clients lose access: use with care."""
    return _set_started(name, False, force)


def volume_absent(name):
    """
    The volume ``name`` does not exist: stopped if needed, then deleted. The data on its bricks
    stays on disk. The formula renders this state only when the pillar says ``ensure: absent``.
    """
    ret = _ret(name)
    try:
        volume = _volume(name)
        if volume is None:
            ret["comment"] = f"volume {name} is already absent"
            return ret
        ret["changes"] = {"deleted": name}
        if volume["started"]:
            ret["changes"]["stopped"] = name
        if __opts__["test"]:
            ret["result"] = None
            stop = "stop and " if volume["started"] else ""
            ret["comment"] = f"would {stop}delete volume {name} (brick data stays on disk)"
            return ret
        if volume["started"]:
            __salt__["gluster.volume_stop"](name)
        __salt__["gluster.volume_delete"](name)
        ret["comment"] = f"deleted volume {name}; its brick data is still on disk"
        return ret
    except ERRORS as exc:
        ret["changes"] = {}
        return _fail(ret, f"volume {name}: {exc}")


def volume_options(name, options=None, reset_unmanaged=False):
    """
    The volume ``name`` has these options, all set in one gluster call.

    Values are compared after normalisation, so ``on``/``enable``/``true`` and
    ``64MB``/``67108864`` do not flap. With ``reset_unmanaged``, options set on the volume that
    are not named here are reset to gluster's defaults (gluster's own creation-time options
    excepted). ``changes`` has ``{option: {"old": ..., "new": ...}}``; ``new`` is ``None`` for
    a reset option.
    """
    ret = _ret(name)
    options = options or {}
    try:
        plan = __salt__["gluster.volume_options_plan"](name, options, reset_unmanaged)
        current = plan["current"]
        for key, value in plan["set"].items():
            ret["changes"][key] = {"old": current.get(key), "new": value}
        for key in plan["reset"]:
            ret["changes"][key] = {"old": current[key], "new": None}
        if not ret["changes"]:
            ret["comment"] = f"volume {name} options are as wanted"
            return ret
        if __opts__["test"]:
            ret["result"] = None
            parts = []
            if plan["set"]:
                parts.append(f"set {', '.join(sorted(plan['set']))}")
            if plan["reset"]:
                parts.append(f"reset {', '.join(plan['reset'])}")
            ret["comment"] = f"would {' and '.join(parts)} on volume {name}"
            return ret
        if _volume(name) is None:
            ret["changes"] = {}
            return _fail(ret, f"volume {name} does not exist")
        if plan["set"]:
            __salt__["gluster.volume_set"](name, plan["set"])
        for key in plan["reset"]:
            __salt__["gluster.volume_reset"](name, key)
        after = __salt__["gluster.volume_info"](name)["options"]
        for key, change in ret["changes"].items():
            change["new"] = after.get(key)
        ret["comment"] = f"volume {name}: {len(plan['set'])} option(s) set, {len(plan['reset'])} reset"
        return ret
    except ERRORS as exc:
        ret["changes"] = {}
        return _fail(ret, f"volume {name}: {exc}")


def op_version(name="max"):
    """The cluster op-version is at least ``name`` (a number, or ``max``); it is never lowered."""
    ret = _ret(str(name))
    try:
        versions = __salt__["gluster.op_version"]()
        target = versions["max"] if str(name).lower() == "max" else int(name)
        if versions["current"] >= target:
            ret["comment"] = f"cluster op-version is {versions['current']}"
            return ret
        ret["changes"] = {"op_version": {"old": versions["current"], "new": target}}
        if __opts__["test"]:
            ret["result"] = None
            ret["comment"] = f"would raise the cluster op-version from {versions['current']} to {target}"
            return ret
        result = __salt__["gluster.op_version_set"](target)
        ret["changes"]["op_version"]["new"] = result["new"]
        ret["comment"] = f"raised the cluster op-version to {result['new']}"
        return ret
    except (ValueError, TypeError):
        return _fail(ret, f"op-version must be a number or 'max', got {name!r}")
    except ERRORS as exc:
        ret["changes"] = {}
        return _fail(ret, f"op-version: {exc}")
