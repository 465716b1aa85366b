"""A brick restart after a ``brick/offline`` event, decided on the brick's own node.

An event says what a minion says: nothing in it is trusted. ``event_target`` turns one into
what the example reactor may act on: the one minion its tag names, when the event's top-level
``id`` names the same minion, and a volume and a brick that pass the module's own name rules;
anything else gives no target, and the reasons.

The targeted minion then decides from gluster's view alone (``refusal``): the volume exists and
is Started (a stopped volume is left alone), the brick is one of its bricks, sits on this node
(by peer UUID, not by the name in the event) and is offline; and the brick was restarted fewer
than ``limit`` times in the last ``window`` seconds, as ``RestartLog`` counts them in a small
JSON file (0600) in the minion's cachedir.
"""

import contextlib
import errno
import fcntl
import json
import os
import re
import time

try:
    from saltext_gluster_utils import gluster_validate as validate
except ImportError:  # pragma: no cover - only when Salt's own utils loader imports this file alone
    validate = None

TAG_RE = re.compile(r"^salt/beacon/(?P<minion>[^/]*)/gluster/brick/offline$")
LIMIT_MAX = 100
WINDOW_MAX = 7 * 24 * 3600
LOCK_TIMEOUT = 180  # seconds a second restart waits for the first one (its gluster call) to end
STATE_FILE = "brick_restarts.json"
KEEP = 7 * 24 * 3600  # stamps older than this are dropped from the file, whatever the window


def _show(value):
    return f"{value!r:.80}"


def event_target(tag, data):
    """``(target, problems)``: ``{"minion", "volume", "brick"}`` and ``[]`` when a reactor may
    send the restart to ``minion`` (as a one-entry list), or ``None`` and why not.

    The minion is the one the tag ``salt/beacon/<minion>/gluster/brick/offline`` names, and the
    event's top-level ``id`` must name it too: for ``event.send`` / ``event.fire_master`` that
    is the sender's id, which the master has verified (a minion sending in another's name is
    refused). The volume and brick come from the beacon's data (or an ``event.send``'s
    ``data``) and must pass ``volume_name_problems`` and ``brick_problems``; an id or name
    inside that data is never used."""
    match = TAG_RE.fullmatch(tag) if isinstance(tag, str) else None
    if match is None:
        return None, [f"tag {_show(tag)} is not salt/beacon/<minion>/gluster/brick/offline"]
    minion = match["minion"]
    problems = validate.minion_id_problems(minion, "the minion in the tag")
    if not isinstance(data, dict):
        return None, problems + [f"the event data must be a mapping, got {_show(data)}"]
    if not problems and data.get("id") != minion:
        problems.append(
            f"the event's id {_show(data.get('id'))} is not {minion!r}, the minion its tag names: "
            "a minion reports its own bricks only"
        )
    facts = data["data"] if isinstance(data.get("data"), dict) else data
    problems += validate.volume_name_problems(facts.get("volume"), "volume")
    problems += validate.brick_problems(facts.get("brick"), "brick")
    if problems:
        return None, problems
    return {"minion": minion, "volume": facts["volume"], "brick": facts["brick"]}, []


def bound_problems(limit, window):
    """``limit`` restarts (0: none) per brick in ``window`` seconds."""
    problems = []
    if isinstance(limit, bool) or not isinstance(limit, int) or not 0 <= limit <= LIMIT_MAX:
        problems.append(f"limit must be a whole number of restarts from 0 to {LIMIT_MAX}, got {_show(limit)}")
    if isinstance(window, bool) or not isinstance(window, int) or not 1 <= window <= WINDOW_MAX:
        problems.append(
            f"window must be a whole number of seconds from 1 to {WINDOW_MAX}, got {_show(window)}"
        )
    return problems


def recent(stamps, now, window):
    """The restarts of ``stamps`` that count against the bound at ``now``: those of the last
    ``window`` seconds, and any in the future (a clock stepped back does not forget them)."""
    return [stamp for stamp in stamps if now - stamp < window]


def refusal(volume, brick, info, status, own_uuid):
    """Why this node must not restart ``brick`` of ``volume`` now, or None when it may.

    ``info``: the volume's ``gluster.volume_info`` (None when there is no such volume);
    ``status``: its bricks in ``gluster.volume_status`` (read only for a started volume);
    ``own_uuid``: this node's peer UUID."""
    if info is None:
        return f"volume {volume} does not exist"
    if not info.get("started"):
        return (
            f"volume {volume} is {info.get('status') or 'not started'}: "
            "a volume that is not started is left alone "
            f"(an operator stopped it); start it yourself when it should run"
        )
    listed = next((b for b in info.get("bricks", []) if b.get("name") == brick), None)
    if listed is None:
        return f"volume {volume} has no brick {brick}"
    if not own_uuid or listed.get("host_uuid") != own_uuid:
        return (
            f"brick {brick} of volume {volume} is on another node (peer {listed.get('host_uuid')}), "
            "not on this one: a node restarts its own bricks only"
        )
    running = next(
        (b for b in status if b.get("peer_uuid") == own_uuid and b.get("path") == listed.get("path")), None
    )
    if running is not None and running.get("online"):
        return f"brick {brick} of volume {volume} is online (pid {running.get('pid')}): nothing to restart"
    return None


def over_bound(brick, count, limit, window):
    """The refusal when ``count`` restarts in the window already reach ``limit``, or None."""
    if count < limit:
        return None
    return (
        f"brick {brick} was restarted {count} time(s) in the last {window} s, "
        f"the limit is {limit}: left offline; "
        "look at its brick log, then start it yourself (gluster volume start VOLUME force)"
    )


class RestartLog:
    """When each brick was restarted: ``{"<volume> <brick>": [unix time, ...]}`` in
    ``<directory>/brick_restarts.json``, 0600 in a 0700 directory, read and written under an
    exclusive lock (``locked``), replaced whole (never half written)."""

    def __init__(self, directory):
        self.directory = directory
        self.path = os.path.join(directory, STATE_FILE)

    @contextlib.contextmanager
    def locked(self, timeout=LOCK_TIMEOUT):
        """Hold the log's lock (``<file>.lock``) for a read-decide-restart-write; waits at most
        ``timeout`` seconds for another restart to finish, then raises ``TimeoutError``."""
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        handle = os.open(self.path + ".lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        try:
            # pylint: disable-next=import-outside-toplevel
            from saltext_gluster_utils import gluster_poll as poll  # a sibling (see the imports above)

            wait = poll.Backoff(
                timeout, first=0.2, cap=0.2, factor=1, floor=0.2, clock=time.monotonic, sleep=time.sleep
            )
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES) or wait.expired:
                        raise TimeoutError(
                            f"{self.path}: another brick restart still holds the lock after {timeout} s"
                        ) from exc
                    wait.pause()
            yield self
        finally:
            os.close(handle)  # closing drops the lock

    def load(self):
        """The log; ``{}`` when there is none. A file that is not such a log raises ``ValueError``
        (restarts are refused until it is removed: a bound that forgets is no bound)."""
        try:
            with open(self.path, encoding="utf-8") as handle:
                entries = json.load(handle)
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(
                f"{self.path} cannot be read ({exc}): remove it to reset the restart counts"
            ) from exc
        valid = isinstance(entries, dict) and all(
            isinstance(stamps, list)
            and all(isinstance(s, (int, float)) and not isinstance(s, bool) for s in stamps)
            for stamps in entries.values()
        )
        if not valid:
            raise ValueError(f"{self.path} is not a brick restart log: remove it to reset the restart counts")
        return entries

    def record(self, entries, key, now):
        """Add a restart of ``key`` at ``now``, drop stamps older than a week, write the file."""
        entries = {k: [s for s in v if now - s < KEEP] for k, v in entries.items()}
        entries[key] = entries.get(key, []) + [now]
        entries = {k: v for k, v in entries.items() if v}
        temporary = f"{self.path}.{os.getpid()}.tmp"
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(entries, out, sort_keys=True)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        return entries[key]
