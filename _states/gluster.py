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

import concurrent.futures
import contextvars
import hashlib
import inspect
import json
import logging
import os
import re
import socket
import threading
import time

import salt.utils.process
from salt.exceptions import CommandExecutionError
from salt.exceptions import SaltInvocationError

log = logging.getLogger(__name__)

__virtualname__ = "gluster"

ERRORS = (CommandExecutionError, SaltInvocationError)


def _seconds(value, what="timeout"):
    """``value`` as a number of seconds from 0 to a day (a state argument); refused otherwise."""
    # pylint: disable-next=import-outside-toplevel
    from saltext_gluster_utils import (
        gluster_validate as validate,
    )  # registered by the gluster execution module

    seconds = None if isinstance(value, bool) else validate.seconds(value)
    if seconds is None:
        raise SaltInvocationError(f"{what} must be a number of seconds from 0 to 86400, not {value!r}")
    return seconds


def __virtual__():
    if "gluster.volume_info" in __salt__:
        return __virtualname__
    return (False, "the gluster state module needs the gluster execution module (gluster CLI)")


def _ret(name):
    return {"name": name, "result": True, "changes": {}, "comment": ""}


def _no_event_bus(opts):
    """True when ``event.send`` would have nowhere to put an event and would wait for it.

    Masterless (``salt-call --local``, ``file_client: local``, ``master_type: disable``, decided
    the way ``event.send`` decides) the event goes to this minion's own event bus, which exists
    only while a ``salt-minion`` daemon runs here. Without it Salt tries to connect for a second
    before it gives up, and a first apply that changes 40 states would wait 40 seconds for
    nothing. The bus is looked for the way Salt names it: the pull socket
    ``minion_event_<hash of the id>_pull.ipc`` in ``sock_dir``, or with ``ipc_mode: tcp`` a
    listener on ``tcp_pull_port`` of the loopback address."""
    local = opts.get("local") or opts.get("file_client") == "local" or opts.get("master_type") == "disable"
    if not local or opts.get("use_master_when_local"):
        return False
    if opts.get("ipc_mode") == "tcp":
        host = "::1" if opts.get("ipv6") else "127.0.0.1"
        try:
            with socket.create_connection((host, int(opts.get("tcp_pull_port", 4511))), timeout=0.2):
                return False
        except OSError:
            return True
    minion_id = str(opts.get("hash_id") or opts.get("id") or "")
    digest = getattr(hashlib, opts.get("hash_type") or "sha256", hashlib.sha256)(
        minion_id.encode()
    ).hexdigest()[:10]
    return not os.path.exists(os.path.join(opts.get("sock_dir") or "", f"minion_event_{digest}_pull.ipc"))


def _fire(what, **data):
    """Tell reactors and outside systems about a change just made: the event ``gluster/<what>``
    (``gluster/volume/created``...) with ``data`` and this minion's id, sent to the master's
    event bus through the minion. Never fails the state, and never waits for a bus that is not
    there (``_no_event_bus``: masterless without a minion daemon)."""
    data["minion"] = __opts__.get("id")
    deferred = DEFERRED_EVENTS.get()
    if deferred is not None:  # a volumes_converged worker: the state that claims its return sends it
        deferred.append((what, data))
        return
    if _no_event_bus(__opts__):
        log.debug("gluster/%s: masterless and no minion event bus here: not sent", what)
        return
    try:
        if __salt__["event.send"](f"gluster/{what}", data) is not True:
            log.debug("gluster/%s: no event bus to send it on", what)
    except Exception as exc:  # pylint: disable=broad-except
        log.debug("gluster/%s: event not sent: %s", what, exc)


# the events of a volume state run ahead by a volumes_converged worker, kept until that state
# claims its return (_claim_ahead): each event is sent by the state that reports its change
DEFERRED_EVENTS = contextvars.ContextVar("gluster_deferred_events", default=None)
AHEAD_KEY = "gluster.applied_ahead"  # {claim key: (return, events)} in __context__
AHEAD_LOCK = threading.Lock()


def _ahead_key(function, arguments):
    """The key of a volume state call: its function and every argument, defaults included."""
    return function + json.dumps(arguments, sort_keys=True, default=str)


def _claim_ahead(function, arguments):
    """The return of this very call (same function, same arguments) that a ``volumes_converged``
    worker ran ahead in this run, with its events sent now; ``None`` when there is none (the
    state then does its work itself). Each return is claimed once."""
    if __opts__["test"]:
        return None
    with AHEAD_LOCK:
        found = __context__.get(AHEAD_KEY, {}).pop(_ahead_key(function, arguments), None)
    if found is None:
        return None
    ret, events = found
    for what, data in events:
        _fire(what, **data)
    if ret["changes"] or ret["result"] is False:
        note = "run ahead by gluster.volumes_converged"
        ret["comment"] = f"{ret['comment']} ({note})" if ret.get("comment") else note
    return ret


def _fail(ret, message):
    ret["result"] = False
    ret["comment"] = message
    return ret


def _is_change_pair(value):
    return isinstance(value, dict) and set(value) == {"old", "new"}


class _Progress:
    """What a multi-step state has done so far, recorded step by step as gluster accepts each
    one: a state that fails after some steps reports exactly those steps as its ``changes``
    (and names them in its comment), never ``{}`` for a cluster it did change; one that fails
    before its first step reports none.

    ``done(changes, note)`` merges ``changes`` into what is recorded: a ``{"old", "new"}`` pair
    replaces the one before it (``restarted``: stopped, then stopped and started again), other
    mappings are merged key by key (quota ``limits``), lists are extended (``operations``)."""

    def __init__(self, ret):
        self.ret, self.changes, self.notes = ret, {}, []

    def done(self, changes, note=None):
        for key, value in changes.items():
            before = self.changes.get(key)
            if isinstance(value, list) and isinstance(before, list):
                self.changes[key] = before + value
            elif isinstance(value, dict) and isinstance(before, dict) and not _is_change_pair(value):
                self.changes[key] = {**before, **value}
            else:
                self.changes[key] = value
        if note:
            self.notes.append(note)

    def fail(self, message):
        """The state failed: its ``changes`` are the steps done, its comment says them."""
        self.ret["changes"] = self.changes
        if self.notes:
            message = f"{message} (done before this failure: {'; '.join(self.notes)})"
        return _fail(self.ret, message)


def _volume(name):
    """The volume's info, or ``None`` when it does not exist (a bad name is refused before any
    gluster call)."""
    if not __salt__["gluster.volume_exists"](name):
        return None
    return __salt__["gluster.volume_info"](name)


def peered(name, probe=True, timeout=120):
    """
    The node at address ``name`` is a connected member of the trusted pool: probed from this
    node when it is not in the pool yet. A name of this node itself needs no probe.

    .. code-block:: yaml

        pool:
          gluster.peered:
            - names: [gfs1.example.com, gfs2.example.com, gfs3.example.com]

    probe
        ``True`` (the default): probe ``name`` when it is not in the pool yet. Apply such a
        state on one node only: concurrent probes from several nodes can split a pool. With
        ``False`` the state only waits (at most ``timeout`` seconds) for another node's probe
        to bring ``name`` in; the formula's nodes other than the leader do that.
    timeout
        Seconds to wait for the peer to be connected and "Peer in Cluster".
    """
    ret = _ret(name)
    try:
        peer = __salt__["gluster.peer_find"](name, settle=timeout)
        if peer and peer["connected"] and peer["state"] == 3:
            ret["comment"] = f"{name} is in the pool and connected (uuid {peer['uuid']})"
            return ret
        if peer is None and __salt__["gluster.is_this_node"](name):
            ret["comment"] = f"{name} is this node: nothing to probe"
            return ret
        if __opts__["test"]:
            ret["result"] = None
            if peer is None and probe:
                ret["changes"] = {"probed": name}
                ret["comment"] = f"would probe {name} and wait up to {timeout}s for it to connect"
            elif peer is None:
                ret["comment"] = (
                    f"would wait up to {timeout}s for another node's probe to bring {name} "
                    "into this node's pool (probe: false)"
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
        if ret["changes"]:
            _fire("peer/probed", host=name, uuid=ready[name])
        verb = "probed" if ret["changes"] else "found"
        ret["comment"] = f"{verb} {name}: in the pool and connected (uuid {ready[name]})"
        return ret
    except ERRORS as exc:
        return _fail(ret, f"peer {name}: {exc}")


def pool_members(name, members, detach_others=False):
    """
    The trusted pool holds no peer beyond ``members`` (the pillar's node addresses; this node
    among them). A peer not listed is reported; with ``detach_others`` it is detached, but only
    when it hosts no brick: one that still does makes the state fail, naming the volumes that
    use it (move its bricks first, e.g. by replacing them in the pillar). ``name`` is a label.
    """
    ret = _ret(name)
    progress = _Progress(ret)
    if not isinstance(members, (list, tuple)) or not all(isinstance(m, str) for m in members):
        # a string would be read letter by letter: no letter is a peer, and detach_others would
        # then detach the very node it names
        return _fail(ret, f"{name}: members must be a list of node names or addresses, not {members!r}")
    try:
        listed = set()
        for member in members:
            peer = __salt__["gluster.peer_find"](member)
            if peer is not None:
                listed.add(peer["uuid"])
        others = [p for p in __salt__["gluster.pool_list"]() if not p["self"] and p["uuid"] not in listed]
        if not others:
            ret["comment"] = "every peer in the pool is a node of the pillar"
            return ret
        if not detach_others:
            ret["comment"] = (
                f"peers in the pool but not in the pillar: {', '.join(p['hostname'] for p in others)}; "
                "left alone (gluster:detach_removed_nodes: true detaches those without bricks)"
            )
            return ret
        volumes = __salt__["gluster.volume_info"]()
        busy, free = {}, []
        for peer in others:
            using = sorted(
                v
                for v, info in volumes.items()
                if any(b["host_uuid"] == peer["uuid"] for b in info["bricks"])
            )
            if using:
                busy[peer["hostname"]] = using
            else:
                free.append(peer["hostname"])
        if free:
            ret["changes"] = {"detached": free}
        refusal = "; ".join(f"{host} still hosts bricks of {', '.join(vols)}" for host, vols in busy.items())
        if __opts__["test"]:
            ret["result"] = None if free else (False if busy else True)
            ret["comment"] = (f"would detach {', '.join(free)}" if free else "") + (
                f"{'; ' if free else ''}refusing to detach: {refusal}" if busy else ""
            )
            return ret
        for host in free:
            __salt__["gluster.peer_detach"](host)
            progress.done({"detached": [host]}, f"detached {host}")
            _fire("peer/detached", host=host)
        if busy:
            return progress.fail(f"refusing to detach: {refusal}; move or remove those bricks first")
        ret["comment"] = f"detached {', '.join(free)}"
        return ret
    except ERRORS as exc:
        return progress.fail(f"pool: {exc}")


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
    allow_shrink=False,
    allow_replace=False,
    rebalance="full",
    rebalance_timeout=0,
    heal_timeout=0,
    migration_timeout=3600,
    brick_mounts=None,
):
    """
    The volume ``name`` exists with exactly this layout.

    A missing volume is created (not started: use ``volume_started``) once the hosts in
    ``wait_for_peers`` (the other brick hosts; the formula passes them) are connected peers,
    waiting at most ``peer_timeout`` seconds for them.

    An existing volume whose bricks or counts differ is reshaped, never recreated:

    - new sets of bricks are added (``add-brick``), then the volume is rebalanced
      (``rebalance``: ``full``, ``fix-layout`` or ``none``), waiting at most
      ``rebalance_timeout`` seconds (0: start it and go on);
    - a higher ``replica`` adds one brick to each set (``add-brick replica N``; with
      ``arbiter: 1`` the new bricks are arbiters); then a heal;
    - a brick whose host or path changed in a set is replaced (``replace-brick ... commit
      force``, one brick per set and run), then healed from the rest of its set;
    - sets removed from the pillar are drained with ``remove-brick start`` and committed only
      when the migration completed with no failure; a lower ``replica`` drops bricks. Both need
      ``allow_shrink: true``. A migration with failures is stopped (everything stays in
      place) and the state fails naming them; one still running after ``migration_timeout``
      seconds is left running and the next run picks it up.

    Before a replacement or a lower ``replica`` the state looks at what gluster reports now,
    and refuses (in ``test=True`` too) unless every other brick of each set losing one is
    online, and the set has no entry in split-brain and none waiting for self-heal (but for
    the writes an offline leaving brick missed). A brick that is online and working is
    replaced only with ``allow_replace: true``: a changed path alone may be a typo; a failed
    brick (offline) needs no flag.

    After a replacement or a raised replica count the state waits at most ``heal_timeout``
    seconds for self-heal to finish (0: trigger the heal and go on; ``gluster.volume_healed``
    waits separately). ``changes`` lists the exact operations, the same with ``test=True``.

    bricks
        ``host:/path`` list; order decides the replica/disperse sets.
    force
        Passed to ``gluster volume create`` / ``add-brick`` (bricks on the root filesystem, or
        several members of a set on one host).
    brick_mounts
        ``{brick: mount point}`` for this node's bricks that sit on a brick filesystem (the
        formula passes them from ``gluster:brick_devices``): the volume is not created or
        reshaped while one of those filesystems is not mounted.
    """
    ahead = _claim_ahead("volume_present", dict(locals()))
    if ahead is not None:
        return ahead
    ret = _ret(name)
    try:
        differences = __salt__["gluster.volume_layout_differences"](
            name, bricks, replica, arbiter, disperse, redundancy, transport
        )
        if differences == []:
            ret["comment"] = f"volume {name} is present with the wanted layout"
            return ret
        unmounted = _unmounted_bricks(bricks, brick_mounts)
        if unmounted and not __opts__["test"]:
            return _fail(
                ret, f"volume {name}: refusing to {'reshape' if differences else 'create'} it: {unmounted}"
            )
        if unmounted:  # test mode: the formula's backend states before this one would mount them
            log.info(
                "volume %s: test mode: %s (the brick filesystem states of this run mount them first)",
                name,
                unmounted,
            )
        if differences:
            return _reshape(
                ret,
                differences,
                bricks,
                {"replica": replica, "arbiter": arbiter, "disperse": disperse, "redundancy": redundancy},
                {
                    "transport": transport,
                    "force": force,
                    "peer_timeout": peer_timeout,
                    "allow_shrink": allow_shrink,
                    "allow_replace": allow_replace,
                    "rebalance": rebalance,
                    "rebalance_timeout": rebalance_timeout,
                    "heal_timeout": heal_timeout,
                    "migration_timeout": migration_timeout,
                },
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
        created = _when_bricks_ready(
            deadline,
            name,
            "gluster.volume_create",
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
        _fire("volume/created", volume=name, volume_id=created["id"], bricks=summary["bricks"])
        return ret
    except ERRORS as exc:
        ret["changes"] = {}
        return _fail(ret, f"volume {name}: {exc}")


def _unmounted_bricks(bricks, brick_mounts):
    """Which of ``bricks`` sit on a brick filesystem (``brick_mounts``) that is not mounted."""
    missing = [
        f"brick {brick} needs its filesystem {brick_mounts[brick]} mounted"
        for brick in bricks
        if brick in (brick_mounts or {}) and not os.path.ismount(brick_mounts[brick])
    ]
    return "; ".join(missing)


# gluster's staging errors while another node's highstate has not made its brick directory yet,
# and the one that follows on a brick marked by an earlier attempt that failed on such a node
BRICK_NOT_READY = ("Failed to create brick directory", "No such file or directory")
STALE_MARK = "is already part of a volume"
# a pool just formed: the leader sees every peer connected, but one peer, staging the create,
# is not connected to another one yet (gluster 10.3, seen under load: "Staging failed on
# 127.1.15.2. Error: Host 127.1.15.3 not connected")
PEER_NOT_CONNECTED = re.compile(r"Staging failed on \S+\. Error: Host \S+ not connected")
REBALANCE_MODES = ("full", "fix-layout", "none")


def _when_bricks_ready(deadline, name, function, *args, **kwargs):
    """Run ``function``; while other nodes have not made their brick directories yet (their own
    highstate runs concurrently), or a peer has not connected to every other peer yet, retry
    with back-off until ``deadline``."""
    # pylint: disable-next=import-outside-toplevel
    from saltext_gluster_utils import gluster_poll as poll  # registered by the gluster execution module

    wait = poll.Backoff(
        deadline=deadline, first=1.0, cap=5.0, floor=0.1, clock=time.monotonic, sleep=time.sleep
    )
    while True:
        try:
            return __salt__[function](*args, **kwargs)
        except CommandExecutionError as exc:
            text = str(exc)
            peer = PEER_NOT_CONNECTED.search(text)
            bricks = any(marker in text for marker in (*BRICK_NOT_READY, STALE_MARK))
            if not (peer or bricks) or wait.expired:
                raise
            if STALE_MARK in text and "gluster_storage.clear_stale_brick_marks" in __salt__:
                # our own failed attempt marked this node's bricks: only the leader creates,
                # so nothing else is in flight; other nodes clear theirs in gluster_storage.brick_directory
                __salt__["gluster_storage.clear_stale_brick_marks"](_brick_paths(args), min_age=0)
            why = peer.group(0) if peer else "brick directories not ready on every node yet"
            log.info("volume %s: %s; retrying", name, why)
            wait.pause()


def _brick_paths(args):
    """The paths of every ``host:/path`` brick among a call's arguments (strings or lists)."""
    items = [item for arg in args for item in (arg if isinstance(arg, list) else [arg])]
    return [item.rpartition(":")[2] for item in items if isinstance(item, str) and ":/" in item]


def _reshape(ret, differences, bricks, counts, settings):
    """Grow, shrink, replace or re-replicate an existing volume (see ``volume_present``)."""
    name = ret["name"]
    if settings["rebalance"] not in REBALANCE_MODES:
        return _fail(ret, f"volume {name}: rebalance must be one of {', '.join(REBALANCE_MODES)}")
    if any(text.startswith("transport") for text in differences):
        return _fail(ret, f"volume {name}: {'; '.join(differences)}: gluster cannot change the transport")
    plan = __salt__["gluster.volume_reshape_plan"](
        name, bricks, allow_shrink=settings["allow_shrink"], **counts
    )
    if plan["problems"]:
        return _fail(
            ret,
            f"volume {name} differs from the pillar ({'; '.join(differences)}) and cannot be "
            f"reshaped as it stands: {'; '.join(plan['problems'])}",
        )
    operations = list(plan["operations"])
    if not operations:
        # same bricks and sets in another order: gluster does not care, neither do we
        ret["comment"] = f"volume {name} has the wanted sets of bricks (in another order)"
        return ret
    refusals = __salt__["gluster.reshape_refusals"](name, operations, allow_replace=settings["allow_replace"])
    if refusals:
        return _fail(ret, f"volume {name}: refusing to reshape it now: {'; '.join(refusals)}")
    kinds = {op["op"] for op in operations}
    started = __salt__["gluster.volume_info"](name)["started"]
    if not started and any(op["op"] == "remove-brick" and op["migrate"] for op in operations):
        return _fail(
            ret,
            f"volume {name} is stopped: the data of the bricks to remove can only be migrated off them "
            "while it runs; start it, then run again",
        )
    grows = any(op["op"] == "add-brick" and "replica" not in op for op in operations)
    sets = len(bricks) // max(1, int(counts["replica"] or counts["disperse"] or 1))
    # rebalance and self-heal need a started volume; a stopped one gets them when it next runs
    if started and grows and "remove-brick" not in kinds and settings["rebalance"] != "none" and sets > 1:
        operations.append({"op": "rebalance", "mode": settings["rebalance"]})
    if started and (
        "replace-brick" in kinds or any(op["op"] == "add-brick" and "replica" in op for op in operations)
    ):
        operations.append({"op": "heal"})
    ret["changes"] = {"operations": operations}
    resumed = _pending_removal(name, operations)
    if __opts__["test"]:
        ret["result"] = None
        ret["comment"] = f"would reshape volume {name}: " + "; ".join(_say(op) for op in operations)
        if resumed:
            ret["comment"] += (
                f" (a remove-brick task is already {resumed['status_str']}; it would be resumed)"
            )
        return ret
    notes = []
    deadline = time.monotonic() + float(settings["peer_timeout"])
    new_bricks = [spec for op in operations if op["op"] == "add-brick" for spec in op["bricks"]]
    new_bricks += [op["new"] for op in operations if op["op"] == "replace-brick"]
    if new_bricks:
        hosts = sorted({spec.rpartition(":")[0] for spec in new_bricks})
        __salt__["gluster.peer_wait"](hosts, timeout=settings["peer_timeout"])
    done = []
    for op in operations:
        try:
            notes.append(_apply(name, op, deadline, settings, resumed))
        except ERRORS as exc:
            # report what was done before the failure: those changes are real
            ret["changes"] = {"operations": done} if done else {}
            so_far = "; ".join(notes)
            return _fail(ret, f"volume {name}: {so_far + '; then ' if so_far else ''}{exc}")
        done.append(op)
        _fire_operation(name, op, notes[-1])
    ret["comment"] = f"reshaped volume {name}: " + "; ".join(notes)
    return ret


# reshape operation -> the event it fires once done
OPERATION_EVENTS = {"add-brick": "volume/bricks_added", "remove-brick": "volume/bricks_removed",
                    "replace-brick": "volume/brick_replaced", "heal": "volume/heal"}  # fmt: skip


def _fire_operation(name, op, note):
    if op["op"] == "rebalance":
        finished = "started (task" not in note and "still running" not in note
        _fire(
            "volume/rebalance_finished" if finished else "volume/rebalance_started",
            volume=name,
            mode=op["mode"],
            result=note,
        )
        return
    bricks = op.get("bricks") or [b for b in (op.get("old"), op.get("new")) if b]
    _fire(OPERATION_EVENTS[op["op"]], volume=name, bricks=bricks, result=note)


def _say(op):
    if op["op"] == "replace-brick":
        return f"replace {op['old']} by {op['new']}"
    if op["op"] == "add-brick":
        extra = (
            f" (replica {op['replica']}{', arbiter' if op.get('arbiter') else ''})" if "replica" in op else ""
        )
        return f"add {', '.join(op['bricks'])}{extra}"
    if op["op"] == "remove-brick":
        how = "migrating their data away" if op["migrate"] else f"lowering replica to {op['replica']}"
        return f"remove {', '.join(op['bricks'])} ({how})"
    if op["op"] == "rebalance":
        return f"rebalance ({op['mode']})"
    return "heal"


def _pending_removal(name, operations):
    """A remove-brick task for exactly the bricks to remove, started by an earlier run."""
    removal = next((op for op in operations if op["op"] == "remove-brick" and op["migrate"]), None)
    if removal is None:
        return None
    for task in __salt__["gluster.volume_tasks"](name):
        if task["type"].lower() != "remove brick" or task["status"] in (2, 6):
            continue
        if sorted(task["bricks"]) == sorted(removal["bricks"]):
            return task
        raise CommandExecutionError(
            f"a remove-brick of {', '.join(task['bricks'])} ({task['status_str']}) is pending on the "
            "volume; commit or stop it with gluster.volume_remove_brick before changing the bricks again"
        )
    return None


def _apply(name, op, deadline, settings, resumed):
    force = settings["force"]
    if op["op"] == "replace-brick":
        _when_bricks_ready(deadline, name, "gluster.volume_replace_brick", name, op["old"], op["new"],
                           allow_replace=settings["allow_replace"])  # fmt: skip
        return f"replaced {op['old']} by {op['new']}"
    if op["op"] == "add-brick":
        _when_bricks_ready(
            deadline,
            name,
            "gluster.volume_add_brick",
            name,
            op["bricks"],
            replica=op.get("replica"),
            arbiter=op.get("arbiter"),
            force=force,
        )
        return f"added {len(op['bricks'])} brick(s)"
    if op["op"] == "remove-brick" and not op["migrate"]:
        __salt__["gluster.volume_remove_brick"](name, op["bricks"], "force", replica=op["replica"])
        return f"removed {', '.join(op['bricks'])}, replica now {op['replica']}"
    if op["op"] == "remove-brick":
        return _drain_and_remove(name, op["bricks"], settings["migration_timeout"], resumed)
    if op["op"] == "rebalance":
        started = __salt__["gluster.volume_rebalance"](
            name, "start" if op["mode"] == "full" else "fix-layout"
        )
        timeout = float(settings["rebalance_timeout"] or 0)
        if timeout <= 0:
            return f"rebalance ({op['mode']}) started (task {started['task_id']})"
        status = _wait_task(lambda: __salt__["gluster.volume_rebalance"](name, "status"), timeout)
        return f"rebalance ({op['mode']}) {_progress(status)}"
    return _heal_after(name, float(settings["heal_timeout"] or 0))


def _wait_task(read, timeout):
    """Poll a rebalance/remove-brick status with back-off until it stops running or ``timeout``."""
    # pylint: disable-next=import-outside-toplevel
    from saltext_gluster_utils import gluster_poll as poll  # registered by the gluster execution module

    wait = poll.Backoff(timeout, first=0.5, cap=5.0, floor=0.1, clock=time.monotonic, sleep=time.sleep)
    patience = wait.started + max(timeout, 30.0)
    while True:
        try:
            status = read()
        except CommandExecutionError as exc:
            # right after "start" the rebalance process may not answer yet ("Brick ops failed ...
            # 'Rebalance' failed"): keep asking for a while before giving up
            if wait.clock() >= patience:
                raise
            log.info("migration status not available yet (%s); asking again", exc)
            wait.pause(bounded=False)  # patience may run past the deadline
            continue
        if not status["running"] or wait.expired:
            return status
        wait.pause()


def _progress(status):
    aggregate = status["aggregate"] or {}
    text = "still running" if status["running"] else ("failed" if status["failed"] else "completed")
    return (
        f"{text}: {aggregate.get('files', 0)} file(s) moved, {status['failures']} failure(s), "
        f"{aggregate.get('skipped', 0)} skipped"
    )


def _drain_and_remove(name, bricks, timeout, resumed):
    if resumed is None:
        __salt__["gluster.volume_remove_brick"](name, bricks, "start")
    status = _wait_task(
        lambda: __salt__["gluster.volume_remove_brick"](name, bricks, "status"), float(timeout)
    )
    if status["running"]:
        raise CommandExecutionError(
            f"the data of {', '.join(bricks)} is still migrating after {timeout}s ({_progress(status)}); "
            "it goes on in the background and the next run commits it once it completes"
        )
    if status["completed"] and status["failures"] == 0 and not status["failed"]:
        __salt__["gluster.volume_remove_brick"](name, bricks, "commit")
        prefix = "resumed the migration and " if resumed else ""
        return f"{prefix}removed {', '.join(bricks)} after migrating their data ({_progress(status)})"
    __salt__["gluster.volume_remove_brick"](name, bricks, "stop")
    by_node = ", ".join(f"{n['node']}: {n['failures']}" for n in status["nodes"] if n["failures"])
    files = __salt__["gluster.migration_failures"](name)
    raise CommandExecutionError(
        f"the migration off {', '.join(bricks)} did not complete cleanly ({_progress(status)}"
        f"{'; failures on ' + by_node if by_node else ''}), so nothing was removed: the remove-brick was "
        "stopped and every brick is still in the volume. "
        + (f"Files that failed here: {', '.join(files)}. " if files else "")
        + f"See {name}-rebalance.log in gluster's log directory on those nodes, fix the cause, and run again."
    )


def _heal_after(name, timeout):
    try:
        __salt__["gluster.volume_heal"](name)
    except CommandExecutionError as exc:
        # the self-heal daemons may still be connecting to a new brick; they heal on their own
        log.info("volume %s: heal trigger refused (%s); waiting for the self-heal daemons", name, exc)
    if timeout <= 0:
        return "heal triggered"
    summary = _wait_healed(name, timeout)
    if not summary["healed"]:
        raise CommandExecutionError(f"self-heal not finished after {timeout:g}s: {_heal_text(summary)}")
    return "healed"


def _heal_text(summary):
    parts = [f"{summary['entries']} entries pending", f"{summary['split_brain']} in split-brain"]
    if summary["unreachable"]:
        parts.append(f"bricks not answering: {', '.join(summary['unreachable'])}")
    return ", ".join(parts)


def _wait_healed(name, timeout):
    # pylint: disable-next=import-outside-toplevel
    from saltext_gluster_utils import gluster_poll as poll  # registered by the gluster execution module

    wait = poll.Backoff(timeout, first=1.0, cap=5.0, floor=0.1, clock=time.monotonic, sleep=time.sleep)
    triggered = wait.started
    while True:
        try:
            summary = __salt__["gluster.heal_summary"](name)
        except CommandExecutionError:
            # glusterd or the bricks of a node just restarted may not answer yet
            if wait.expired:
                raise
            wait.pause()
            continue
        if summary["healed"] or wait.expired:
            return summary
        if wait.clock() - triggered > 30:
            triggered = wait.clock()
            try:
                __salt__["gluster.volume_heal"](name)
            except CommandExecutionError:
                pass
        wait.pause()


def volume_healed(name, timeout=300):
    """
    Self-heal of the volume ``name`` has finished: every brick answers and none has entries
    left. Waits at most ``timeout`` seconds (re-triggering the heal every 30 s), then fails
    with the counts. It changes nothing, so ``changes`` stays empty; with ``test=True`` it
    reports the current counts. Put it between steps of a rolling maintenance.
    """
    ret = _ret(name)
    try:
        seconds = _seconds(timeout)
        if __opts__["test"]:
            summary = __salt__["gluster.heal_summary"](name)
            if summary["healed"]:
                ret["comment"] = f"volume {name} is healed"
                return ret
            ret["result"] = None
            ret["comment"] = (
                f"volume {name} is not healed ({_heal_text(summary)}); would wait up to {timeout}s"
            )
            return ret
        summary = _wait_healed(name, seconds)
        if not summary["healed"]:
            return _fail(
                ret, f"volume {name}: self-heal not finished after {timeout}s: {_heal_text(summary)}"
            )
        ret["comment"] = f"volume {name} is healed"
        return ret
    except ERRORS as exc:
        return _fail(ret, f"volume {name}: {exc}")


def _set_started(name, started, force=False, brick_mounts=None):
    ret = _ret(name)
    word = "started" if started else "stopped"
    try:
        volume = _volume(name)
        if volume is not None and volume["started"] == started:
            ret["comment"] = f"volume {name} is already {word}"
            return ret
        unmounted = started and _unmounted_bricks(list(brick_mounts or {}), brick_mounts)
        if unmounted and not __opts__["test"]:  # test mode: see volume_present
            return _fail(ret, f"volume {name}: refusing to start it: {unmounted}")
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
        _fire(f"volume/{word}", volume=name)
        ret["comment"] = f"{word} volume {name}"
        return ret
    except ERRORS as exc:
        ret["changes"] = {}
        return _fail(ret, f"volume {name}: {exc}")


def volume_started(name, force=False, brick_mounts=None):
    """The volume ``name`` is started (in test mode a volume that is about to be created counts
    as stopped). Not while a brick filesystem in ``brick_mounts`` (``{brick: mount point}``,
    this node's bricks of this volume) is not mounted."""
    ahead = _claim_ahead("volume_started", dict(locals()))
    if ahead is not None:
        return ahead
    return _set_started(name, True, force, brick_mounts)


def volume_stopped(name, force=False):
    """The volume ``name`` is stopped. Clients lose access: use with care."""
    ahead = _claim_ahead("volume_stopped", dict(locals()))
    if ahead is not None:
        return ahead
    return _set_started(name, False, force)


# volumes_converged: the states of one volume, in the order a worker runs them (a step that
# fails ends that volume's steps, as its later states then fail on their requisite)
CONVERGE_STEPS = ("present", "options", "started", "stopped")
MAX_WORKERS = 16


CONVERGE_STEP_OF = {f"volume_{step}": step for step in CONVERGE_STEPS}


def _step_functions():
    return {
        "present": volume_present,
        "options": volume_options,
        "started": volume_started,
        "stopped": volume_stopped,
    }


def _converge_plan(volumes, workers):
    """``{volume: [(function name, every argument with defaults)]}`` from ``volumes_converged``'s
    arguments; every problem raised at once as ``SaltInvocationError``."""
    problems = []
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= MAX_WORKERS:
        problems.append(f"workers: {workers!r} must be a whole number from 1 to {MAX_WORKERS}")
    if not isinstance(volumes, dict):
        problems.append(f"volumes: must be a mapping of volume -> steps, not {type(volumes).__name__}")
        raise SaltInvocationError("; ".join(problems))
    functions = _step_functions()
    plan = {}
    for volume, steps in volumes.items():
        where = f"volumes:{volume}"
        if not isinstance(steps, dict) or not steps:
            problems.append(f"{where}: must be a mapping of {', '.join(CONVERGE_STEPS)} -> state arguments")
            continue
        unknown = sorted(str(key) for key in steps if key not in CONVERGE_STEPS)
        if unknown:
            allowed = ", ".join(CONVERGE_STEPS)
            problems.append(f"{where}: unknown step(s) {', '.join(unknown)}; allowed: {allowed}")
        if "started" in steps and "stopped" in steps:
            problems.append(f"{where}: started and stopped both given")
        calls = []
        for step in (key for key in CONVERGE_STEPS if key in steps):
            arguments = steps[step] if steps[step] is not None else {}
            if not isinstance(arguments, dict) or arguments.get("name", volume) != volume:
                problems.append(
                    f"{where}:{step}: must be the state's arguments, with name {volume!r} or none"
                )
                continue
            function = functions[step]
            try:
                bound = inspect.signature(function).bind(**{"name": volume, **arguments})
            except TypeError as exc:
                problems.append(f"{where}:{step}: {exc} (gluster.{function.__name__})")
                continue
            bound.apply_defaults()
            calls.append((function.__name__, dict(bound.arguments)))
        plan[str(volume)] = calls
    if problems:
        raise SaltInvocationError("; ".join(problems))
    return plan


def _converge_step(volume, function, arguments):
    """One worker's run of one volume state; its return (and the events it would have sent)
    kept for the state that claims it. Runs in a copy of the caller's context (the loader's
    dunders live there). Returns ``(result, changed, crash)``: crash is the text of an
    unexpected error (a bug, not a state's failure, which is a return), else ``None``."""
    key, events = _ahead_key(function, arguments), []  # the key before the call: nothing it changes counts
    DEFERRED_EVENTS.set(events)
    try:
        ret = _step_functions()[CONVERGE_STEP_OF[function]](**arguments)
    except Exception as exc:  # pylint: disable=broad-except
        log.exception("gluster.volumes_converged: %s(%s) raised", function, volume)
        return False, False, f"{function}: {exc.__class__.__name__}: {exc}"
    finally:
        DEFERRED_EVENTS.set(None)
    with AHEAD_LOCK:
        __context__.setdefault(AHEAD_KEY, {})[key] = (ret, events)
    return ret["result"], bool(ret["changes"]), None


SWITCH_ON = ("on", "enable", "true", "yes", "1")


def _starts_one_at_a_time(volumes):
    """Whether the starts of ``volumes`` must run one after another: with
    ``cluster.brick-multiplex`` on, a brick joins the process of a brick already running, and two
    volumes started at once each start a process of their own (seen here, gluster 10.3). Asked
    (one ``volume get all``) only when two volumes or more are still stopped; an error reading
    it counts as on."""
    stopped = [name for name in volumes if (_volume(name) or {"started": True})["started"] is False]
    if len(stopped) < 2:
        return False
    try:
        option = "cluster.brick-multiplex"
        value = __salt__["gluster.volume_get"]("all", option).get(option, "")
    except ERRORS as exc:
        log.info("gluster.volumes_converged: cluster.brick-multiplex unknown (%s): one start at a time", exc)
        return True
    return str(value).strip().lower() in SWITCH_ON


def _peers_not_ready(plan):
    """``{volume: why}`` for the volumes whose other brick hosts (``wait_for_peers`` of their
    ``volume_present``) are not all connected peers now: left to their own states, which wait
    for them (bounded) behind their peer states' requisites, as without this state."""
    answers, waiting = {}, {}
    for volume, calls in plan.items():
        present = [arguments for function, arguments in calls if function == "volume_present"]
        hosts = present[0].get("wait_for_peers") if present else None
        if not hosts:
            continue
        key = tuple(sorted(hosts))
        if key not in answers:
            try:
                __salt__["gluster.peer_wait"](list(key), timeout=0)
                answers[key] = None
            except ERRORS as exc:
                answers[key] = str(exc)
        if answers[key]:
            waiting[volume] = answers[key]
    return waiting


def volumes_converged(name, volumes=None, workers=3):
    """
    Run the ``volume_present``, ``volume_options`` and ``volume_started`` (or
    ``volume_stopped``) states of several volumes ahead, ``workers`` volumes at a time: every
    creation, then every volume's options, then every start; each of those states, when the state run
    reaches it with the very same arguments, reports the return its worker got (changes,
    comment and the events it sends) instead of doing the work again. Only volumes that do not
    exist yet are run ahead: an existing volume's states check it (and reshape it, or change
    its options) themselves, one after another, so a no-op costs nothing more.

    glusterd takes its cluster lock per volume, so different volumes can be created, set and
    started at the same time (a held lock is waited out as for any call): the formula's first
    apply of 30 volumes took x0.74 of the bare CLI's time here, against x0.97 one after another
    (README, Performance). The states keep their IDs, requisites, changes and events; a state
    whose call differs from the one given here, or a volume whose other brick hosts are not
    connected peers yet (a node down), does its own work as without this state. ``test=True``
    runs nothing ahead: each state predicts its own changes. This state reports no changes of
    its own (the volumes' states do), and fails only on bad arguments or an unexpected error.

    volumes
        ``{volume: {present: {...}, options: {...}, started: {...}}}``: the arguments of each
        state, as its own state passes them (``stopped`` in place of ``started``; any step
        may be left out).
    workers
        How many volumes at once (1 to 16; 3 is best on a 2-core machine, measured: more
        mostly wait on each other's locks).

    .. code-block:: yaml

        gluster-volumes-converged:
          gluster.volumes_converged:
            - workers: 3
            - volumes:
                gv0:
                  present: {bricks: [gfs1:/b/gv0, gfs2:/b/gv0, gfs3:/b/gv0], replica: 3}
                  options: {options: {performance.cache-size: 256MB}}
                  started: {}
    """
    ret = _ret(name)
    try:
        plan = _converge_plan(volumes or {}, workers)
    except SaltInvocationError as exc:
        return _fail(ret, f"{name}: {exc}")
    if __opts__["test"]:
        ret["comment"] = (
            f"test mode: nothing is run ahead; the states of {len(plan)} volume(s) predict their own changes"
        )
        return ret
    with AHEAD_LOCK:
        __context__[AHEAD_KEY] = {}
    try:
        existing = sorted(volume for volume in plan if __salt__["gluster.volume_exists"](volume))
    except ERRORS as exc:
        return _fail(ret, f"{name}: {exc}")
    new = {volume: calls for volume, calls in plan.items() if volume not in existing and calls}
    waiting = _peers_not_ready(new)
    ready = [volume for volume in new if volume not in waiting]
    begun = time.monotonic()
    changed, failed, crashed, parts = set(), set(), {}, []
    if ready:
        # step by step, as the formula orders its states: every creation, then every volume's
        # options, then every start; so the volumes created are read again in one ``volume info``
        size = min(workers, len(ready))
        with concurrent.futures.ThreadPoolExecutor(
            max_workers=size, thread_name_prefix="gluster-volume"
        ) as pool:
            going = list(ready)
            for phase in (("volume_present",), ("volume_options",), ("volume_started", "volume_stopped")):
                calls = {volume: call for volume in going for call in plan[volume] if call[0] in phase}
                starting = [volume for volume, call in calls.items() if call[0] == "volume_started"]
                one_at_a_time = "volume_started" in phase and _starts_one_at_a_time(starting)
                if one_at_a_time:
                    parts.append("started one at a time (cluster.brick-multiplex is on)")
                futures = {}
                for volume, call in calls.items():
                    futures[volume] = pool.submit(
                        contextvars.copy_context().run, _converge_step, volume, *call
                    )
                    if one_at_a_time:
                        futures[volume].result()
                for volume, future in futures.items():
                    result, change, crash = future.result()
                    if change:
                        changed.add(volume)
                    if crash:
                        crashed[volume] = crash
                    elif result is False:
                        failed.add(volume)
                going = [volume for volume in going if volume not in failed and volume not in crashed]
    changed, failed = sorted(changed), sorted(failed)
    seconds = time.monotonic() - begun
    parts.insert(
        0, f"{len(ready)} volume(s) run ahead by {min(workers, len(ready))} worker(s) in {seconds:.1f}s"
    )
    parts.append(
        f"changed: {', '.join(changed)} (their own states report it)" if changed else "nothing changed"
    )
    if existing:
        parts.append(f"{len(existing)} volume(s) exist already: their own states check them")
    if failed:
        parts.append(f"failed: {', '.join(failed)} (their own states say why)")
    if waiting:
        left = "; ".join(f"{volume}: {why}" for volume, why in sorted(waiting.items()))
        parts.append(f"left to their own states (peers not ready): {left}")
    if crashed:
        ret["result"] = False
        errors = "; ".join(f"{volume}: {crash}" for volume, crash in sorted(crashed.items()))
        parts.append(f"unexpected errors (these volumes' states do their own work): {errors}")
    ret["comment"] = "; ".join(parts)
    return ret


def volume_absent(name):
    """
    The volume ``name`` does not exist: stopped if needed, then deleted. The data on its bricks
    stays on disk. The formula renders this state only when the pillar says ``ensure: absent``.
    """
    ret = _ret(name)
    progress = _Progress(ret)
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
            progress.done({"stopped": name}, f"stopped volume {name}")
        __salt__["gluster.volume_delete"](name)
        _fire("volume/deleted", volume=name)
        ret["comment"] = f"deleted volume {name}; its brick data is still on disk"
        return ret
    except ERRORS as exc:
        return progress.fail(f"volume {name}: {exc}")


def _profile_note(plan):
    """`` (from profile virt: a, b)`` for the options a plan sets because of a profile."""
    by_profile = {}
    for key in sorted(plan["set"]):
        if key in plan.get("profiles", {}):
            by_profile.setdefault(plan["profiles"][key], []).append(key)
    if not by_profile:
        return ""
    return (
        " ("
        + "; ".join(f"from profile {profile}: {', '.join(keys)}" for profile, keys in by_profile.items())
        + ")"
    )


def _open_to_everyone(name, plan):
    """A warning when the volume ``name`` will have no ``auth.allow`` (gluster's default ``*``:
    any client that reaches its bricks may mount it), else ``None``."""
    if "auth.allow" in plan["set"]:
        allow = plan["set"]["auth.allow"]
    elif "auth.allow" in plan["reset"]:
        allow = None
    else:
        allow = plan["current"].get("auth.allow")
    if allow not in (None, "", "*"):
        return None
    return (
        f"volume {name} has no auth.allow: any client that reaches its bricks' ports may mount it; "
        f"list the clients' networks in gluster:volumes:{name}:auth:allow"
    )


def _warn(ret, warning):
    """Add ``warning`` to the state's comment and to Salt's ``warnings`` of the return."""
    if warning:
        ret["comment"] = f"{ret['comment']}; warning: {warning}" if ret["comment"] else f"warning: {warning}"
        ret.setdefault("warnings", []).append(warning)
    return ret


def volume_options(name, options=None, reset_unmanaged=False, profiles=None, restart=False):
    """
    The volume ``name`` has these options, all set in one gluster call.

    Values are compared after normalisation, so ``on``/``enable``/``true`` and
    ``64MB``/``67108864`` do not flap. With ``reset_unmanaged``, options set on the volume that
    are not named here (nor in a profile) are reset to gluster's defaults (gluster's own
    creation-time options excepted). ``changes`` has ``{option: {"old": ..., "new": ...}}``;
    ``new`` is ``None`` for a reset option.

    profiles
        Tuning profiles applied before ``options`` (which win over them), in order: names of
        gluster's option group files on this node (``virt``, ``metadata-cache``,
        ``db-workload``...; ``gluster.profiles`` lists them) or ``{name: {option: value}}``.
        Their options are compared and set one by one like ``options``, so ``test=True``
        names each option a profile would change. ``features.shard`` (in ``virt``) is never
        turned off again by this state.
    restart
        Options a started volume's bricks only take up when they restart (``client.ssl``,
        ``server.ssl``: TLS) are refused on a started volume unless this is true; then the
        volume is stopped and started after they are set, which cuts its clients off for
        that time (``changes`` then has ``restarted``). A volume not started yet needs none.
    """
    ahead = _claim_ahead("volume_options", dict(locals()))
    if ahead is not None:
        return ahead
    ret = _ret(name)
    progress = _Progress(ret)
    options = options or {}
    try:
        plan = __salt__["gluster.volume_options_plan"](name, options, reset_unmanaged, profiles=profiles)
        current = plan["current"]
        for key, value in plan["set"].items():
            ret["changes"][key] = {"old": current.get(key), "new": value}
        for key in plan["reset"]:
            ret["changes"][key] = {"old": current[key], "new": None}
        open_warning = _open_to_everyone(name, plan)
        if not ret["changes"]:
            ret["comment"] = f"volume {name} options are as wanted"
            return _warn(ret, open_warning)
        if plan.get("restart") and not restart:
            ret["changes"] = {}
            return _fail(
                ret,
                f"volume {name} is started and {', '.join(plan['restart'])} only take effect when its bricks "
                "restart: set restart: true (gluster:volumes:<name>:tls:restart) to stop and start it, which "
                "cuts its clients off meanwhile, or stop the volume first; nothing was changed",
            )
        if plan.get("restart"):
            ret["changes"]["restarted"] = {"old": "started", "new": "stopped and started again"}
        if __opts__["test"]:
            ret["result"] = None
            parts = []
            if plan["set"]:
                parts.append(f"set {', '.join(sorted(plan['set']))}")
            if plan["reset"]:
                parts.append(f"reset {', '.join(plan['reset'])}")
            if plan.get("restart"):
                parts.append("restart the volume")
            ret["comment"] = f"would {' and '.join(parts)} on volume {name}{_profile_note(plan)}"
            return _warn(ret, open_warning)
        if _volume(name) is None:
            ret["changes"] = {}
            return _fail(ret, f"volume {name} does not exist")
        if plan["set"]:
            __salt__["gluster.volume_set"](name, plan["set"])
            progress.done(
                {key: ret["changes"][key] for key in plan["set"]}, f"set {', '.join(sorted(plan['set']))}"
            )
        for key in plan["reset"]:
            __salt__["gluster.volume_reset"](name, key)
            progress.done({key: ret["changes"][key]}, f"reset {key}")
        if plan.get("restart"):
            __salt__["gluster.volume_stop"](name)
            progress.done({"restarted": {"old": "started", "new": "stopped"}}, f"stopped volume {name}")
            __salt__["gluster.volume_start"](name)
        after = __salt__["gluster.volume_info"](name)["options"]
        for key, change in ret["changes"].items():
            if key != "restarted":
                change["new"] = after.get(key)
        _fire(
            "volume/options_changed",
            volume=name,
            set=sorted(plan["set"]),
            reset=list(plan["reset"]),
            restarted=bool(plan.get("restart")),
        )
        restarted = ", volume restarted" if plan.get("restart") else ""
        ret["comment"] = (
            f"volume {name}: {len(plan['set'])} option(s) set, "
            f"{len(plan['reset'])} reset{restarted}{_profile_note(plan)}"
        )
        return _warn(ret, open_warning)
    except ERRORS as exc:
        return progress.fail(f"volume {name}: {exc}")


def mount_connected(name, timeout=30):
    """
    The GlusterFS mount at ``name`` is connected to every brick of its volume (waits at most
    ``timeout`` seconds): a fresh mount answers a few seconds before all its brick connections
    are up, and a file that hashes to a brick not connected yet fails with EIO. Never changes
    anything; fails naming the bricks still unreachable after ``timeout``.
    """
    ret = _ret(name)
    try:
        # pylint: disable-next=import-outside-toplevel
        from saltext_gluster_utils import gluster_poll as poll  # registered by the gluster execution module

        wait = poll.Backoff(
            _seconds(timeout), first=0.5, cap=0.5, factor=1, floor=0.5, clock=time.monotonic, sleep=time.sleep
        )
        if __opts__["test"] and not os.path.ismount(name):
            ret["result"] = None
            ret["comment"] = f"would wait up to {timeout}s for the mount {name} to reach every brick"
            return ret
        while True:
            clients = __salt__["gluster.mount_connections"](name)
            missing = sorted(c["brick"] for c in clients.values() if not c["connected"])
            if clients and not missing:
                ret["comment"] = f"{name} is connected to all {len(clients)} bricks"
                return ret
            if wait.expired:
                return _fail(
                    ret, f"{name}: not connected to {', '.join(missing) or 'any brick'} after {timeout}s"
                )
            wait.pause()
    except ERRORS as exc:
        return _fail(ret, f"{name}: {exc}")


def op_version(name="max"):
    """The cluster op-version is at least ``name`` (a number, or ``max``); it is never lowered."""
    # pylint: disable-next=import-outside-toplevel
    from saltext_gluster_utils import (
        gluster_validate as validate,
    )  # registered by the gluster execution module

    ret = _ret(str(name))
    try:
        wanted = None  # "max"; a number is checked before gluster is asked (ASCII digits only)
        if str(name).lower() != "max":
            if validate.count_problems(name, "op-version", 1):
                raise ValueError(name)
            wanted = int(name)
        versions = __salt__["gluster.op_version"]()
        target = versions["max"] if wanted is None else wanted
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


def cluster_options(name="cluster options", options=None):
    """
    gluster's cluster-wide options (``volume set all``) have the values in ``options``:
    ``cluster.brick-multiplex``, ``cluster.max-bricks-per-process``,
    ``cluster.enable-shared-storage``, ``cluster.server-quorum-ratio``,
    ``cluster.localtime-logging``, ``cluster.daemon-log-level``,
    ``cluster.brick-graceful-cleanup``, ``glusterd.vol_count_per_thread``. Options not named are
    left as they are; the op-version is ``gluster.op_version``'s. Run it on one node (the
    formula: the leader, before any volume is created or started).

    ``changes``: ``{option: {"old", "new"}}``, one ``volume set all`` per option (gluster takes
    one at a time); a failure after some of them reports those.

    .. code-block:: yaml

        cluster options:
          gluster.cluster_options:
            - options:
                cluster.brick-multiplex: true
                cluster.max-bricks-per-process: 100
    """
    # pylint: disable-next=import-outside-toplevel
    from saltext_gluster_utils import gluster_options as rules  # registered by the gluster execution module

    ret = _ret(name)
    wanted, problems = {}, []
    if not isinstance(options, dict) or not options:
        return _fail(ret, "options must be a mapping of cluster-wide option -> value")
    for key, value in options.items():
        if key not in rules.CLUSTER_OPTIONS:
            problems.append(
                f"{key}: not a cluster-wide option of gluster ({', '.join(rules.CLUSTER_OPTIONS)})"
            )
            continue
        converted, problem = rules.cluster_value(key, value)
        if problem:
            problems.append(f"{key}: {problem}")
        wanted[key] = converted
    if problems:
        return _fail(ret, "cluster options: " + "; ".join(problems))
    progress = _Progress(ret)
    try:
        current = __salt__["gluster.volume_get"]("all")
        plan = rules.cluster_plan(wanted, current)
        changes = {key: {"old": current.get(key), "new": value} for key, value in plan.items()}
        if not plan:
            ret["comment"] = f"cluster options are as wanted ({', '.join(wanted)})"
            return ret
        if __opts__["test"]:
            ret.update(result=None, changes=changes, comment=f"would set cluster options: {', '.join(plan)}")
            return ret
        for key, value in plan.items():
            __salt__["gluster.volume_set"]("all", {key: value})
            progress.done({key: changes[key]}, f"set {key} to {value}")
        ret["changes"] = progress.changes
        ret["comment"] = f"set cluster options: {', '.join(plan)}"
        _fire("cluster/options_changed", set=sorted(plan))
        return ret
    except ERRORS as exc:
        return progress.fail(f"cluster options: {exc}")


def volume_quota(name, enabled=True, limits=None, object_limits=None, reset_unmanaged=False):
    """
    Directory quotas of volume ``name`` (a started volume): enabled or not, and the limits.

    limits
        ``{directory: {"hard": "100GB", "soft": 80}}`` (or ``{directory: "100GB"}``):
        directories from the volume root (``/`` for the whole volume); ``soft`` in percent of
        ``hard`` (not given: gluster's default, and any soft limit already set is accepted).
    object_limits
        The same with ``hard`` a number of files and directories.
    reset_unmanaged
        Remove limits set on the volume but not listed here (otherwise they are reported).
    enabled
        ``False`` disables quotas, which drops every limit on the volume.

    ``changes`` has ``quota`` (``{"old", "new"}``), ``limits`` / ``object_limits``
    (``{directory: {"old": ..., "new": ...}}``, ``new`` None for a removed limit).
    """
    ret = _ret(name)
    progress = _Progress(ret)
    try:
        if enabled:  # the limits are checked before anything reaches gluster
            plan = __salt__["gluster.quota_plan"](name, limits, object_limits, reset_unmanaged)
            is_on = plan["enabled"]
        else:
            if _volume(name) is None:
                return _fail(ret, f"volume {name} does not exist")
            is_on = __salt__["gluster.quota_enabled"](name)
        if not enabled:
            if not is_on:
                ret["comment"] = f"quotas are disabled on volume {name}"
                return ret
            ret["changes"] = {"quota": {"old": True, "new": False}}
            if __opts__["test"]:
                ret["result"] = None
                ret["comment"] = f"would disable quotas on volume {name} (dropping every limit)"
                return ret
            __salt__["gluster.quota_enable"](name, enabled=False)
            ret["comment"] = f"disabled quotas on volume {name}"
            return ret
        if not is_on:
            ret["changes"]["quota"] = {"old": False, "new": True}
        for key in ("limits", "object_limits"):
            current = plan[key]["current"]
            changes = {
                path: {"old": current.get(path), "new": spec} for path, spec in plan[key]["set"].items()
            }
            changes.update({path: {"old": current[path], "new": None} for path in plan[key]["remove"]})
            if changes:
                ret["changes"][key] = changes
        left = plan["limits"]["unmanaged"] + [
            f"{path} (objects)" for path in plan["object_limits"]["unmanaged"]
        ]
        note = (
            f"; limits not in the pillar left alone (reset_unmanaged removes them): {', '.join(left)}"
            if left
            else ""
        )
        if not ret["changes"]:
            ret["comment"] = f"volume {name}: quotas as wanted{note}"
            return ret
        if __opts__["test"]:
            ret["result"] = None
            ret["comment"] = (
                f"would change quotas on volume {name}: {', '.join(sorted(ret['changes']))}{note}"
            )
            return ret
        if not is_on:
            __salt__["gluster.quota_enable"](name)
            progress.done({"quota": ret["changes"]["quota"]}, f"enabled quotas on volume {name}")
        for key, objects in (("limits", False), ("object_limits", True)):
            what = "object limit" if objects else "limit"
            for path, spec in plan[key]["set"].items():
                __salt__["gluster.quota_limit"](name, path, spec["hard"], soft=spec["soft"], objects=objects)
                progress.done({key: {path: ret["changes"][key][path]}}, f"set the {what} of {path}")
            for path in plan[key]["remove"]:
                __salt__["gluster.quota_remove"](name, path, objects=objects)
                progress.done({key: {path: ret["changes"][key][path]}}, f"removed the {what} of {path}")
        ret["comment"] = f"volume {name}: quotas changed ({', '.join(sorted(ret['changes']))}){note}"
        return ret
    except ERRORS as exc:
        return progress.fail(str(exc) if str(exc).startswith(f"volume {name} ") else f"volume {name}: {exc}")


def snapshot_config(name, hard_limit=None, soft_limit=None, auto_delete=None, activate_on_create=None):
    """
    Snapshot settings: ``name`` is ``all`` for the cluster-wide ones (``hard_limit``,
    ``soft_limit`` in percent, ``auto_delete``, ``activate_on_create``) or a volume for its own
    ``hard_limit``. Settings not given are left as they are. ``changes`` has
    ``{setting: {"old", "new"}}``.

    Taking snapshots needs every brick on a thinly provisioned LV; these settings do not.
    """
    ret = _ret(name)
    progress = _Progress(ret)
    volume = None if name == "all" else name
    what = "the cluster" if volume is None else f"volume {volume}"
    try:
        if volume is not None and _volume(volume) is None:
            return _fail(ret, f"volume {volume} does not exist")
        plan = __salt__["gluster.snapshot_config_plan"](
            volume, hard_limit, soft_limit, auto_delete, activate_on_create
        )
        ret["changes"] = {
            key: {"old": plan["current"].get(key), "new": value} for key, value in plan["set"].items()
        }
        if not ret["changes"]:
            ret["comment"] = f"snapshot settings of {what} are as wanted"
            return ret
        if __opts__["test"]:
            ret["result"] = None
            ret["comment"] = f"would change snapshot settings of {what}: {', '.join(sorted(plan['set']))}"
            return ret
        changes = ret["changes"]
        # one setting per call, in gluster.snapshot_config_set's own order: a failure part-way
        # then reports the settings gluster already took
        for key in ("hard_limit", "soft_limit", "auto_delete", "activate_on_create"):
            if key in plan["set"]:
                __salt__["gluster.snapshot_config_set"](volume, **{key: plan["set"][key]})
                progress.done({key: changes[key]}, f"set {key}")
        ret["comment"] = f"changed snapshot settings of {what}: {', '.join(sorted(plan['set']))}"
        return ret
    except ERRORS as exc:
        return progress.fail(f"snapshot settings of {what}: {exc}")


def _minion_daemon_running():
    """Whether this minion's salt-minion daemon runs (its pidfile names a live process): only
    its scheduler can drop a job it holds, and without it, asking over its event bus waits
    seconds per call for nobody."""
    pid = salt.utils.process.get_pidfile(__opts__.get("pidfile") or "")
    return pid > 0 and salt.utils.process.os_is_running(pid)


def snapshot_schedules_absent(name, volumes, keep=None):
    """
    No snapshot schedule of ``volumes`` in this minion's Salt scheduler but the jobs named in
    ``keep``: the formula renders it on every node, so a node that is not the leader (any more)
    stops rotating the cluster's snapshots, and the leader drops the jobs of volumes and prefixes
    with ``ensure: absent``. Only the formula's own jobs are touched (``gluster-snapshot-<volume>-
    <prefix>`` running ``gluster.snapshot_rotate``); ``changes`` has ``{job: "removed"}``.

    The jobs are found in the file the minion persists them in, so a node without any does not
    ask the minion daemon; removing one goes through the running daemon's scheduler (the file
    alone when no daemon runs, as under ``salt-call --local``).
    """
    ret = _ret(name)
    if not isinstance(volumes, (list, tuple)) or not isinstance(keep or [], (list, tuple)):
        # list() of a string is its letters: a volume given alone would match nothing, a job to
        # keep given alone would be removed
        return _fail(ret, f"snapshot schedules: volumes and keep must be lists, not {volumes!r} and {keep!r}")
    try:
        jobs = __salt__["gluster.snapshot_schedule_jobs"](list(volumes), list(keep or []))
    except ERRORS as exc:
        return _fail(ret, f"snapshot schedules: {exc}")
    if not jobs:
        ret["comment"] = "no snapshot schedule to remove"
        return ret
    if __opts__["test"]:
        ret["result"] = None
        ret["changes"] = {job: "removed" for job in jobs}
        ret["comment"] = f"would remove snapshot schedule(s) {', '.join(jobs)}"
        return ret
    daemon = _minion_daemon_running()
    for job in jobs:
        removed = __salt__["schedule.delete"](job, persist=True) if daemon else {"comment": "does not exist"}
        if not removed.get("result") and "does not exist" in str(removed.get("comment")):
            # not in a running daemon's scheduler (or no daemon): the persisted file is all there is
            removed = __salt__["schedule.delete"](job, offline=True)
        if not removed.get("result"):
            return _fail(
                ret, f"snapshot schedule {job}: {removed.get('comment')} (is the salt-minion daemon running?)"
            )
        ret["changes"][job] = "removed"
    left = __salt__["gluster.snapshot_schedule_jobs"](list(volumes), list(keep or []))
    if left:
        return _fail(
            ret, f"snapshot schedule(s) {', '.join(left)} still in {__opts__.get('id')}'s schedule file"
        )
    ret["comment"] = f"removed snapshot schedule(s) {', '.join(jobs)}"
    return ret


GEOREP_ENSURE = ("started", "stopped", "paused", "absent")


def _georep_wanted_config(config, ssh_port):
    wanted = {str(key).replace("_", "-"): value for key, value in (config or {}).items()}
    if ssh_port is not None:
        wanted["ssh-port"] = ssh_port
    return {
        key: ("true" if value else "false") if isinstance(value, bool) else str(value)
        for key, value in wanted.items()
    }


def geo_replication(name, secondary, ensure="started", config=None, ssh_port=None, force=False):
    """
    A geo-replication session from primary volume ``name`` (this cluster) to ``secondary``
    (``host::volume``, or ``user@host::volume`` through gluster's mount broker), in the state
    ``ensure``: ``started``, ``stopped``, ``paused`` or ``absent`` (stopped and deleted: the
    sync state goes, the data of both volumes stays).

    A missing session is created with ``no-verify``: the primary nodes' keys must be on the
    secondary nodes already (README: geo-replication keys through the Salt mine). ``config``
    (``{sync-jobs: 4, secondary-access-mount: true}``) is compared with the session's and the
    differences set; ``ssh_port`` goes to the create and the config (gluster's workers only use
    the configured one). ``force`` passes gluster's ``force`` to create and start.

    ``changes`` has ``session`` (created / deleted), ``config`` (``{option: {"old", "new"}}``)
    and ``state`` (``{"old", "new"}``). For a session still to be created, every ``config``
    option is predicted and set (its current value is not known before).
    """
    ret = _ret(name)
    progress = _Progress(ret)
    try:
        if ensure not in GEOREP_ENSURE:
            return _fail(ret, f"ensure must be one of {', '.join(GEOREP_ENSURE)}, got {ensure!r}")
        wanted = _georep_wanted_config(config, ssh_port)
        session = __salt__["gluster.georep_session"](name, secondary)  # checks the names first
        if _volume(name) is None:
            return _fail(ret, f"primary volume {name} does not exist")
        if ensure == "absent":
            if session is None:
                ret["comment"] = f"no geo-replication session from {name} to {secondary}"
                return ret
            ret["changes"] = {"session": {"old": session["state"], "new": "deleted"}}
            if __opts__["test"]:
                ret["result"] = None
                ret["comment"] = (
                    f"would stop and delete the geo-replication session from {name} to {secondary}"
                )
                return ret
            if session["state"] in ("started", "paused"):
                __salt__["gluster.georep_stop"](name, secondary, force=True)
                progress.done({"session": {"old": session["state"], "new": "stopped"}}, "stopped the session")
            __salt__["gluster.georep_delete"](name, secondary)
            _fire("georep/deleted", volume=name, secondary=secondary)
            ret["comment"] = f"deleted the geo-replication session from {name} to {secondary}"
            return ret
        current = {} if session is None else __salt__["gluster.georep_config"](name, secondary)
        to_set = {key: value for key, value in wanted.items()
                  if session is None or _georep_norm(current.get(key)) != _georep_norm(value)}  # fmt: skip
        state = "created" if session is None else session["state"]
        if session is None:
            ret["changes"]["session"] = {"old": None, "new": "created"}
        if to_set:
            ret["changes"]["config"] = {
                key: {"old": current.get(key), "new": value} for key, value in to_set.items()
            }
        have = "stopped" if state == "created" else state
        if have != ensure:
            ret["changes"]["state"] = {"old": have, "new": ensure}
        faulty = (
            f"; Faulty workers: {', '.join(session['faulty'])}" if session and session.get("faulty") else ""
        )
        if not ret["changes"]:
            ret["comment"] = f"geo-replication from {name} to {secondary} is {ensure} as wanted{faulty}"
            return ret
        if __opts__["test"]:
            ret["result"] = None
            ret["comment"] = (
                f"would change the geo-replication from {name} to {secondary}: "
                f"{', '.join(sorted(ret['changes']))}"
            )
            return ret
        if session is None:
            __salt__["gluster.georep_create"](name, secondary, ssh_port=ssh_port, force=force)
            progress.done({"session": ret["changes"]["session"]}, "created the session")
        if to_set:
            __salt__["gluster.georep_config_set"](name, secondary, to_set)
            progress.done({"config": ret["changes"]["config"]}, f"set {', '.join(sorted(to_set))}")
        if have != ensure:
            if ensure == "stopped":
                __salt__["gluster.georep_stop"](name, secondary, force=True)
            elif have == "paused" and ensure == "started":
                __salt__["gluster.georep_resume"](name, secondary)
            else:
                if have == "stopped":
                    __salt__["gluster.georep_start"](name, secondary, force=force)
                    if ensure == "paused":
                        progress.done({"state": {"old": have, "new": "started"}}, "started the session")
                if ensure == "paused":
                    __salt__["gluster.georep_pause"](name, secondary)
        if session is None:
            _fire("georep/created", volume=name, secondary=secondary)
        if have != ensure:
            _fire(f"georep/{ensure}", volume=name, secondary=secondary)
        ret["comment"] = (
            f"geo-replication from {name} to {secondary}: {', '.join(sorted(ret['changes']))} changed{faulty}"
        )
        return ret
    except ERRORS as exc:
        return progress.fail(f"geo-replication from {name} to {secondary}: {exc}")


def georep_keys(name="geo-replication keys", publish=True):
    """
    This primary cluster's geo-replication keys, made when ``common_secret.pem.pub`` on this
    node does not hold two for every pool member (gsyncd's and tar's; a node added since has
    none): ``gluster.georep_secret_create``, which makes only the missing ones and collects
    them all. With ``publish`` (default), the lines are then sent to the Salt mine as
    ``gluster.georep_public_keys``, where the secondary nodes' ``gluster.georep_keys`` sls
    (pillar ``gluster:geo_replication_from``) picks them up for ``authorized_keys``.

    Each line must carry gluster's forced command (``gluster.georep_authorized_keys`` on the
    secondary refuses it otherwise): a line without is reported and nothing is published.

    ``changes`` has ``keys`` (``{"old": count, "new": count}``); publishing is not a change.
    """
    # pylint: disable-next=import-outside-toplevel
    from saltext_gluster_utils import (
        gluster_validate as validate,
    )  # registered by the gluster execution module

    ret = _ret(name)
    try:
        members = __salt__["gluster.pool_list"]()
        keys = __salt__["gluster.georep_public_keys"]()
        wanted = 2 * len(members)
        if len(keys) < wanted:
            ret["changes"] = {"keys": {"old": len(keys), "new": wanted}}
            if __opts__["test"]:
                ret["result"] = None
                ret["comment"] = (
                    f"would make the geo-replication keys: {len(keys)} of {wanted} "
                    f"(2 per node, {len(members)} nodes)"
                )
                return ret
            __salt__["gluster.georep_secret_create"]()
            keys = __salt__["gluster.georep_public_keys"]()
            ret["changes"]["keys"]["new"] = len(keys)
            if len(keys) < wanted:
                return _fail(
                    ret,
                    f"gsec_create collected {len(keys)} geo-replication keys, {wanted} wanted: "
                    "is every node connected?",
                )
            ret["comment"] = f"made the geo-replication keys: {len(keys)} for {len(members)} nodes"
        else:
            ret["comment"] = f"geo-replication keys present: {len(keys)} for {len(members)} nodes"
        refused = [
            problem
            for index, line in enumerate(keys)
            for problem in validate.georep_authorized_key_problems(
                line, f"common_secret.pem.pub line {index + 1}"
            )
        ]
        if refused:
            return _fail(
                ret,
                f"{ret['comment']}; not published, the secondaries would refuse them: {'; '.join(refused)} "
                "(gsec_create run with 'container' writes keys without gluster's forced command)",
            )
        if publish and not __opts__["test"]:
            if __salt__["mine.send"]("gluster.georep_public_keys") is not True:
                return _fail(ret, f"{ret['comment']}; sending them to the Salt mine failed")
            ret["comment"] += "; published in the Salt mine as gluster.georep_public_keys"
        return ret
    except ERRORS as exc:
        ret["changes"] = {}
        return _fail(ret, f"geo-replication keys: {exc}")


def georep_authorized_keys(name, minions=None, keys=None, user="root", config=None):
    """
    On a secondary cluster's node: a primary cluster's geo-replication keys in ``user``'s
    ``authorized_keys`` (``config``: its path, absolute or relative to the home directory,
    default ``.ssh/authorized_keys``), from the Salt mine of the exact minion ids ``minions``
    (``gluster.georep_public_keys``, published by the primary leader's ``gluster.georep_keys``)
    or the literal lines ``keys``. ``name`` says where the source is written (the
    ``gluster.georep_keys`` sls gives its pillar path ``gluster:geo_replication_from:N``).

    Mine data is what the publishing minion sent, so every line is checked here, where it is
    used: only gluster's forced command (gsyncd at its distribution's path, or tar for tarssh),
    one well-formed key, one line. One line that is not, or an answer from a minion not named,
    refuses the whole source, naming it (minion id and line, or the pillar path); nothing of it
    is written. Keys are added, or updated when the file holds them with other options; lines
    of other keys are left alone.

    ``changes`` has ``added`` and ``updated``: ``comment type SHA256:fingerprint`` of each key.

    .. code-block:: yaml

        gluster:geo_replication_from:0:
          gluster.georep_authorized_keys:
            - minions: [gfs1]
    """
    # pylint: disable-next=import-outside-toplevel
    from saltext_gluster_utils import (
        gluster_validate as validate,
    )  # registered by the gluster execution module

    ret, done = _ret(name), None
    try:
        if (minions is None) == (keys is None):
            return _fail(ret, f"{name}: give minions (the primary leader's minion id) or keys, one of them")
        problems = validate.georep_authorized_keys_file_problems(user, config, name)
        if minions is not None:
            problems += validate.georep_minions_problems(minions, "list", name)
        elif not isinstance(keys, list) or not keys:
            problems.append(f"{name}:keys: must be a list of public key lines")
        if problems:
            return _fail(ret, "; ".join(problems))
        if minions is not None:
            minions, lines = validate.georep_minions(minions, "list"), []
            published = __salt__["mine.get"](list(minions), "gluster.georep_public_keys", tgt_type="list")
            if not isinstance(published, dict):
                problems.append(f"the Salt mine answered {type(published).__name__}, not minion id -> keys")
                published = {}
            for minion_id, value in sorted(published.items()):
                origin = f"the Salt mine of {minion_id} ({name})"
                if minion_id not in minions:
                    problems.append(f"{origin}: the mine answered for a minion {name} does not name")
                elif not isinstance(value, list):
                    problems.append(
                        f"{origin}: gluster.georep_public_keys holds {type(value).__name__}, "
                        "not a list of key lines"
                    )
                else:
                    for index, line in enumerate(value):
                        problems += validate.georep_authorized_key_problems(
                            line, f"{origin}, line {index + 1}"
                        )
                    lines += value
            if not lines and not problems:
                return _fail(
                    ret,
                    f"no geo-replication keys from {', '.join(minions)} in the Salt mine yet ({name}): "
                    "apply gluster.volumes on that primary leader first",
                )
        else:
            lines = keys
            for index, line in enumerate(keys):
                problems += validate.georep_authorized_key_problems(line, f"{name}:keys:{index}")
        if problems:
            return _fail(
                ret,
                f"refused the geo-replication keys of {name}, none of them written to {user}'s "
                "authorized_keys (each line must be exactly what gluster's gsec_create writes): "
                + "; ".join(problems),
            )
        wanted = {}
        for line in lines:
            parts = validate.georep_authorized_key(line)
            parts["label"] = " ".join(filter(None, (parts["comment"], parts["enc"], parts["fingerprint"])))
            wanted.setdefault(parts["key"], parts)
        where = {"config": config} if config else {}
        plan = {}
        for key, parts in wanted.items():
            status = __salt__["ssh.check_key"](
                user, key, parts["enc"], parts["comment"], parts["options"], **where
            )
            if status in ("add", "update"):
                plan[key] = "added" if status == "add" else "updated"
                ret["changes"].setdefault(plan[key], []).append(parts["label"])
        what = f"{len(plan)} of the {len(wanted)} geo-replication keys of {name} in {user}'s authorized_keys"
        if not plan:
            ret["comment"] = (
                f"the {len(wanted)} geo-replication keys of {name} are in {user}'s authorized_keys"
            )
            return ret
        if __opts__["test"]:
            ret["result"] = None
            ret["comment"] = f"would put {what}"
            return ret
        done = {}
        for key, change in plan.items():
            parts = wanted[key]
            written = __salt__["ssh.set_auth_key"](
                user, key, enc=parts["enc"], comment=parts["comment"], options=parts["options"], **where
            )
            if written not in ("new", "replace", "no change"):
                ret["changes"] = done
                return _fail(
                    ret,
                    f"{name}: could not write key {parts['label']} to {user}'s authorized_keys "
                    f"(ssh.set_auth_key: {written}): do the user and their home directory exist?",
                )
            done.setdefault(change, []).append(parts["label"])
        ret["comment"] = f"put {what}"
        return ret
    except ERRORS as exc:
        if done is not None:
            ret["changes"] = done  # the keys written before the failure, not the plan
        return _fail(ret, f"geo-replication keys of {name}: {exc}")


def _georep_norm(value):
    """A geo-replication config value compared loosely: ``True``/``true``/``on`` are one."""
    text = "" if value is None else str(value).strip().lower()
    return {"on": "true", "yes": "true", "off": "false", "no": "false"}.get(text, text)
