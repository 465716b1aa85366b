"""Parsers: gluster ``--xml`` answers to plain Python data.

Every function takes the ``cliOutput`` element (or the XML text) of one successful gluster call
and returns dicts, lists, booleans and integers. They do no I/O and keep no state, and are tested
on output captured from real gluster 10.3 (``tests/data/``). Malformed input raises
``GlusterParseError`` (a ``ValueError``) naming what was missing, never a bare ``AttributeError``.
"""

import re
import xml.etree.ElementTree as ET

TRANSPORTS = {"0": "tcp", "1": "rdma", "2": "tcp,rdma"}

# ``volume info`` typeStr -> the names users write in pillar
VOLUME_TYPES = {
    "distribute": "distribute",
    "replicate": "replicate",
    "distributed-replicate": "distributed-replicate",
    "disperse": "disperse",
    "distributed-disperse": "distributed-disperse",
}


class GlusterParseError(ValueError):
    """gluster's XML did not have the shape this parser expects."""


def _root(xml):
    if isinstance(xml, ET.Element):
        return xml
    try:
        return ET.fromstring(xml)
    except ET.ParseError as exc:
        raise GlusterParseError(f"not XML: {exc}") from exc


def _find(element, path):
    found = element.find(path)
    if found is None:
        raise GlusterParseError(f"gluster's XML has no <{path}> in <{element.tag}>")
    return found


def _text(element, tag, default=""):
    value = element.findtext(tag)
    return default if value is None else value.strip()


def _int(element, tag, default=None, blanks=("", "N/A")):
    """The number in ``<tag>``; ``default`` when it holds one of ``blanks`` (gluster's ways of
    saying "no value")."""
    value = _text(element, tag)
    if value in blanks:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise GlusterParseError(f"<{tag}> is not a number: {value!r}") from exc


def _bool(element, tag):
    return _text(element, tag) == "1"


def split_brick(spec):
    """``host:/path`` -> (host, path); the host may itself hold colons (IPv6)."""
    host, sep, path = spec.rpartition(":")
    if not sep or not host or not path.startswith("/"):
        raise GlusterParseError(f"brick {spec!r} is not host:/path")
    return host, path


def parse_peer_status(xml):
    """``peer status`` / ``pool list`` -> list of peers.

    Each peer: ``uuid``, ``hostname`` (the name gluster knows it by), ``hostnames`` (all
    names), ``connected`` (bool), ``state`` (int), ``state_str``, ``self`` (bool: the local
    node, present only in ``pool list``).
    """
    peers = []
    for peer in _find(_root(xml), "peerStatus").findall("peer"):
        hostname = _text(peer, "hostname")
        names = [h.text.strip() for h in peer.findall("hostnames/hostname") if h.text]
        is_self = peer.find("stateStr") is None and hostname == "localhost"
        peers.append(
            {
                "uuid": _text(peer, "uuid"),
                "hostname": hostname,
                "hostnames": names or [hostname],
                "connected": _bool(peer, "connected"),
                "state": _int(peer, "state", 3 if is_self else None),
                "state_str": _text(peer, "stateStr", "Local node" if is_self else ""),
                "self": is_self,
            }
        )
    return peers


def parse_volume_list(xml):
    """``volume list`` -> sorted list of volume names."""
    return sorted(v.text.strip() for v in _find(_root(xml), "volList").findall("volume") if v.text)


def _parse_brick(brick):
    spec = (brick.findtext("name") or "").strip()
    if not spec:
        # very old gluster put the spec only in the element's leading text
        spec = (brick.text or "").strip()
    host, path = split_brick(spec)
    return {
        "name": spec,
        "host": host,
        "path": path,
        "host_uuid": _text(brick, "hostUuid") or brick.get("uuid", ""),
        "arbiter": _bool(brick, "isArbiter"),
    }


def _parse_volume(volume):
    status = _int(volume, "status", 0)
    type_str = _text(volume, "typeStr")
    options = {}
    for option in volume.findall("options/option"):
        options[_text(option, "name")] = _text(option, "value")
    return {
        "name": _text(volume, "name"),
        "id": _text(volume, "id"),
        "status": _text(volume, "statusStr"),
        "started": status == 1,
        "type": VOLUME_TYPES.get(type_str.lower(), type_str.lower()),
        "type_str": type_str,
        "brick_count": _int(volume, "brickCount", 0),
        "distribute_count": _int(volume, "distCount", 1),
        "replica_count": _int(volume, "replicaCount", 1),
        "arbiter_count": _int(volume, "arbiterCount", 0),
        "disperse_count": _int(volume, "disperseCount", 0),
        "redundancy_count": _int(volume, "redundancyCount", 0),
        "transport": TRANSPORTS.get(_text(volume, "transport"), _text(volume, "transport")),
        "snapshot_count": _int(volume, "snapshotCount", 0),
        "bricks": [_parse_brick(b) for b in volume.findall("bricks/brick")],
        "options": options,
    }


def parse_volume_info(xml):
    """``volume info [NAME]`` -> ``{name: volume}``.

    A volume: ``name``, ``id``, ``status`` (Created/Started/Stopped), ``started`` (bool),
    ``type`` (distribute, replicate, distributed-replicate, disperse, distributed-disperse),
    counts (``brick_count``, ``distribute_count``, ``replica_count``, ``arbiter_count``,
    ``disperse_count``, ``redundancy_count``), ``transport``, ``bricks`` (each ``name``,
    ``host``, ``path``, ``host_uuid``, ``arbiter``) and ``options`` (the reconfigured ones).
    """
    volumes = {}
    info = _find(_root(xml), "volInfo")
    for volume in info.findall("volumes/volume"):
        parsed = _parse_volume(volume)
        volumes[parsed["name"]] = parsed
    return volumes


DAEMON_NAMES = (
    "Self-heal Daemon",
    "NFS Server",
    "Quota Daemon",
    "Bitrot Daemon",
    "Scrubber Daemon",
    "Snapshot Daemon",
    "Tier Daemon",
    "Gluster Block",
)


def _parse_status_node(node):
    entry = {
        "host": _text(node, "hostname"),
        "path": _text(node, "path"),
        "peer_uuid": _text(node, "peerid"),
        "online": _bool(node, "status"),
        "port": _int(node, "ports/tcp", None) if node.find("ports") is not None else None,
        "pid": _int(node, "pid", None),
    }
    if entry["port"] is None:
        entry["port"] = _int(node, "port", None)
    if entry["pid"] is not None and entry["pid"] <= 0:
        entry["pid"] = None
    for tag, key in (
        ("sizeTotal", "size_total"),
        ("sizeFree", "size_free"),
        ("inodesTotal", "inodes_total"),
        ("inodesFree", "inodes_free"),
        ("blockSize", "block_size"),
    ):
        if node.find(tag) is not None:
            entry[key] = _int(node, tag, None)
    for tag, key in (("device", "device"), ("fsName", "filesystem"), ("mntOptions", "mount_options")):
        if node.find(tag) is not None:
            entry[key] = _text(node, tag)
    return entry


def parse_volume_status(xml):
    """``volume status [NAME|all] [detail]`` -> ``{name: {"bricks": [...], "daemons": [...]}}``.

    Bricks (``host``, ``path``, ``peer_uuid``, ``online``, ``port``, ``pid``, plus size, inode
    and mount facts with ``detail``) are kept apart from the volume's daemons (self-heal, NFS,
    quota, ...: ``name``, ``host``, ``peer_uuid``, ``online``, ``port``, ``pid``).
    """
    volumes = {}
    status = _find(_root(xml), "volStatus")
    for volume in status.findall("volumes/volume"):
        bricks, daemons = [], []
        for node in volume.findall("node"):
            entry = _parse_status_node(node)
            if entry["host"] in DAEMON_NAMES or not entry["path"].startswith("/"):
                host = entry.pop("path")
                entry["name"] = entry.pop("host")
                entry["host"] = host
                daemons.append(entry)
            else:
                entry["name"] = f"{entry['host']}:{entry['path']}"
                bricks.append(entry)
        volumes[_text(volume, "volName")] = {"bricks": bricks, "daemons": daemons}
    return volumes


DEFAULT_SUFFIX = " (DEFAULT)"


def parse_volume_get(xml):
    """``volume get NAME|all OPTION|all`` -> ``{option: {"value": str, "default": bool}}``.

    gluster marks values still at their default with ``(DEFAULT)``; the marker is removed from
    the value and reported as ``default``.
    """
    options = {}
    for opt in _find(_root(xml), "volGetopts").findall("Opt"):
        name = _text(opt, "Option")
        value = _text(opt, "Value")
        default = value.endswith(DEFAULT_SUFFIX) or value == "(DEFAULT)"
        if default:
            value = value[: -len(DEFAULT_SUFFIX)] if value.endswith(DEFAULT_SUFFIX) else ""
        options[name] = {"value": value, "default": default}
    return options


def parse_op_version(xml):
    """``volume get all all`` (or one op-version key) -> ``{"current": int, "max": int|None}``."""
    options = parse_volume_get(xml)
    result = {}
    for key, name in (("current", "cluster.op-version"), ("max", "cluster.max-op-version")):
        if name in options:
            try:
                result[key] = int(options[name]["value"])
            except ValueError as exc:
                raise GlusterParseError(f"{name} is not a number: {options[name]['value']!r}") from exc
    if "current" not in result and "max" not in result:
        raise GlusterParseError(
            "gluster's answer holds neither cluster.op-version nor cluster.max-op-version"
        )
    return result


def parse_volume_created(xml):
    """``volume create|start|stop`` -> ``{"name": str, "id": str}`` of the volume acted on."""
    root = _root(xml)
    for tag in ("volCreate", "volStart", "volStop", "volDelete"):
        volume = root.find(f"{tag}/volume")
        if volume is not None:
            return {"name": _text(volume, "name"), "id": _text(volume, "id")}
    return {}


def parse_output_text(xml):
    """The free-text ``<output>`` of answers such as ``peer probe`` (``""`` when absent)."""
    return _text(_root(xml), "output")


def parse_op_errno(xml):
    """``opErrno`` of a successful answer (``peer probe`` says 2 for "already in peer list")."""
    return _int(_root(xml), "opErrno", 0)


def parse_version(text):
    """``gluster --version`` text -> ``{"version": "10.3", "major": 10, "minor": 3}``."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    parts = first.split()
    if len(parts) < 2 or parts[0] != "glusterfs":
        raise GlusterParseError(f"unexpected 'gluster --version' output: {first!r}")
    version = parts[1]
    numbers = []
    for piece in version.split("."):
        digits = re.match(r"\d*", piece).group()
        numbers.append(int(digits) if digits else 0)
    numbers += [0, 0]
    return {"version": version, "major": numbers[0], "minor": numbers[1]}


# ---- day-2: rebalance, remove-brick, volume tasks, heal -------------------------------------

# gluster's gf_defrag_status_t, shared by rebalance and remove-brick
TASK_STATES = {
    0: "not started",
    1: "in progress",
    2: "stopped",
    3: "completed",
    4: "failed",
    5: "fix-layout in progress",
    6: "fix-layout stopped",
    7: "fix-layout completed",
    8: "fix-layout failed",
}
TASK_RUNNING = (1, 5)


def _float(element, tag):
    value = _text(element, tag)
    if value in ("", "N/A"):
        return 0.0
    try:
        return float(value)
    except ValueError as exc:
        raise GlusterParseError(f"<{tag}> is not a number: {value!r}") from exc


def _task_counts(element):
    status = _int(element, "status", 0)
    return {
        "files": _int(element, "files", 0),
        "size": _int(element, "size", 0),
        "lookups": _int(element, "lookups", 0),
        "failures": _int(element, "failures", 0),
        "skipped": _int(element, "skipped", 0),
        "status": status,
        "status_str": _text(element, "statusStr") or TASK_STATES.get(status, str(status)),
        "runtime": _float(element, "runtime"),
    }


def parse_migration_status(xml):
    """``volume rebalance NAME status`` / ``volume remove-brick NAME BRICKS status`` (and
    ``stop``) -> one task's progress.

    ``{"task_id", "nodes": [{"node", "uuid", files, size, lookups, failures, skipped, status,
    status_str, runtime}], "aggregate": {...}, "running": bool, "completed": bool,
    "failed": bool, "failures": int}``. ``completed`` means every node finished (migration or
    fix-layout) with or without failures; ``failed`` that one stopped with an error; look at
    ``failures`` before trusting a completed migration.
    """
    root = _root(xml)
    task = root.find("volRebalance")
    if task is None:
        task = _find(root, "volRemoveBrick")
    nodes = []
    for node in task.findall("node"):
        entry = {"node": _text(node, "nodeName"), "uuid": _text(node, "id")}
        entry.update(_task_counts(node))
        nodes.append(entry)
    aggregate_element = task.find("aggregate")
    if aggregate_element is None and not nodes:
        raise GlusterParseError(f"<{task.tag}> has neither <node> nor <aggregate>")
    aggregate = _task_counts(aggregate_element) if aggregate_element is not None else None
    statuses = [node["status"] for node in nodes] or [aggregate["status"]]
    failures = sum(node["failures"] for node in nodes) if nodes else aggregate["failures"]
    return {
        "task_id": _text(task, "task-id"),
        "nodes": nodes,
        "aggregate": aggregate,
        "running": any(status in TASK_RUNNING for status in statuses),
        "completed": all(status in (3, 7) for status in statuses),
        "failed": any(status in (4, 8) for status in statuses),
        "stopped": any(status in (2, 6) for status in statuses),
        "failures": failures,
    }


def parse_task_id(xml):
    """The ``task-id`` of ``rebalance start`` / ``remove-brick start`` (``""`` when absent)."""
    root = _root(xml)
    for tag in ("volRebalance", "volRemoveBrick"):
        element = root.find(tag)
        if element is not None:
            return _text(element, "task-id")
    return ""


def parse_volume_tasks(xml):
    """``volume status NAME tasks`` -> ``{volume: [task]}``; a task: ``type`` ("Rebalance",
    "Remove brick", ...), ``id``, ``status`` (int), ``status_str``, ``bricks`` (remove-brick's
    bricks, else ``[]``)."""
    volumes = {}
    for volume in _find(_root(xml), "volStatus").findall("volumes/volume"):
        tasks = []
        for task in volume.findall("tasks/task"):
            tasks.append(
                {
                    "type": _text(task, "type"),
                    "id": _text(task, "id"),
                    "status": _int(task, "status", 0),
                    "status_str": _text(task, "statusStr"),
                    "bricks": [b.text.strip() for b in task.findall("params/brick") if b.text],
                }
            )
        volumes[_text(volume, "volName")] = tasks
    return volumes


# glfsheal writes "-" for a count it could not get
HEAL_BLANKS = ("", "-")


def parse_heal_info(xml):
    """``volume heal NAME info [summary|split-brain]`` (glfsheal's XML) -> list of bricks.

    A brick: ``name``, ``host``, ``path``, ``host_uuid`` (``None`` when unreachable),
    ``connected`` (bool), ``status`` (gluster's text, "Connected" or why not), ``entries``
    (``None`` when unknown). ``info`` adds ``files`` (the paths or gfids listed); ``summary``
    adds ``pending``, ``split_brain`` and ``possibly_healing``.
    """
    bricks = []
    for brick in _find(_root(xml), "healInfo/bricks").findall("brick"):
        host, path = split_brick(_text(brick, "name"))
        status = _text(brick, "status")
        # glfsheal 10.3 glues its next element name onto a failed brick's status text
        status = re.sub(r"totalNumberOfEntries\d*$", "", status).strip()
        uuid = brick.get("hostUuid")
        entry = {
            "name": f"{host}:{path}",
            "host": host,
            "path": path,
            "host_uuid": uuid if uuid and uuid != "-" else None,
            "connected": status == "Connected",
            "status": status,
        }
        if brick.find("totalNumberOfEntries") is not None:
            entry["entries"] = _int(brick, "totalNumberOfEntries", None, HEAL_BLANKS)
            entry["pending"] = _int(brick, "numberOfEntriesInHealPending", None, HEAL_BLANKS)
            entry["split_brain"] = _int(brick, "numberOfEntriesInSplitBrain", None, HEAL_BLANKS)
            entry["possibly_healing"] = _int(brick, "numberOfEntriesPossiblyHealing", None, HEAL_BLANKS)
        else:
            entry["entries"] = _int(brick, "numberOfEntries", None, HEAL_BLANKS)
            files = brick.findall("file")
            if files:
                entry["files"] = [(f.text or "").strip() or f"<gfid:{f.get('gfid')}>" for f in files]
        bricks.append(entry)
    return bricks


def summarize_heal(bricks):
    """:func:`parse_heal_info` of a summary -> the volume's totals: ``{"bricks", "pending",
    "split_brain", "possibly_healing", "entries", "unreachable": [brick, ...], "healed"}``.
    Counts are gluster's, summed over bricks: a file in split-brain on both copies of a
    replica-2 set counts 2. ``healed``: every brick answered and none has an entry left."""
    summary = {"bricks": bricks, "unreachable": [b["name"] for b in bricks if not b["connected"]]}
    for key in ("pending", "split_brain", "possibly_healing", "entries"):
        summary[key] = sum(b.get(key) or 0 for b in bricks)
    summary["healed"] = not summary["unreachable"] and summary["entries"] == 0
    return summary


def _yes(element, tag, true="Yes", false="No"):
    """``<tag>`` holding one of two words (``Yes``/``No``, ``enable``/``disable``) as a bool."""
    value = _text(element, tag)
    if value not in (true, false):
        raise GlusterParseError(f"<{tag}> is neither {true} nor {false}: {value!r}")
    return value == true


def _percent(element, tag):
    value = _text(element, tag)
    if not re.fullmatch(r"\d{1,3}%", value):
        raise GlusterParseError(f"<{tag}> is not a percentage: {value!r}")
    return int(value[:-1])


def parse_quota_list(xml):
    """``volume quota VOL list [PATH...]`` or ``list-objects`` -> list of limits, in gluster's
    order. Usage limits: ``path``, ``hard_limit`` (bytes), ``soft_limit_percent``,
    ``soft_limit`` (bytes), ``used``, ``available``, ``soft_exceeded``, ``hard_exceeded``.
    Object limits: ``path``, ``hard_limit`` (objects), ``soft_limit_percent``, ``soft_limit``,
    ``files``, ``dirs``, ``available``, ``soft_exceeded``, ``hard_exceeded``."""
    root = _root(xml)
    quota = _find(root, "volQuota")
    limits = []
    for limit in quota.findall("limit"):
        path = _text(limit, "path")
        if not path.startswith("/"):
            raise GlusterParseError(f"quota limit path is not absolute: {path!r}")
        entry = {
            "path": path,
            "hard_limit": _int(limit, "hard_limit"),
            "soft_limit_percent": _percent(limit, "soft_limit_percent"),
            "soft_limit": _int(limit, "soft_limit_value"),
        }
        if limit.find("file_count") is not None:
            entry.update(
                files=_int(limit, "file_count"),
                dirs=_int(limit, "dir_count"),
                available=_int(limit, "available"),
            )
        else:
            entry.update(used=_int(limit, "used_space"), available=_int(limit, "avail_space"))
        entry.update(soft_exceeded=_yes(limit, "sl_exceeded"), hard_exceeded=_yes(limit, "hl_exceeded"))
        if entry["hard_limit"] is None:
            raise GlusterParseError(f"quota limit on {path} has no hard limit")
        limits.append(entry)
    return limits


def parse_snapshot_config(xml):
    """``snapshot config [VOL]`` -> ``{"system": {"hard_limit", "soft_limit_percent",
    "auto_delete", "activate_on_create"}, "volumes": {name: {"hard_limit",
    "effective_hard_limit", "soft_limit"}}}`` (a volume's ``soft_limit`` is a count of
    snapshots: the system percent of its effective hard limit)."""
    config = _find(_root(xml), "snapConfig")
    system = _find(config, "systemConfig")
    volumes = {}
    for volume in config.findall("volumeConfig/volume"):
        volumes[_text(volume, "name")] = {
            "hard_limit": _int(volume, "hardLimit"),
            "effective_hard_limit": _int(volume, "effectiveHardLimit"),
            "soft_limit": _int(volume, "softLimit"),
        }
    found = {
        "hard_limit": _int(system, "hardLimit"),
        "soft_limit_percent": _percent(system, "softLimit"),
        "auto_delete": _yes(system, "autoDelete", "enable", "disable"),
        "activate_on_create": _yes(system, "activateOnCreate", "enable", "disable"),
    }
    if found["hard_limit"] is None:
        raise GlusterParseError("snapshot config has no system hard limit")
    return {"system": found, "volumes": volumes}


def parse_snapshot_list(xml):
    """``snapshot list [VOL]`` -> snapshot names, in gluster's order. ``<count>`` must match
    the names given (gluster 10.3 writes one ``<snapshot>`` element per name)."""
    snaps = _find(_root(xml), "snapList")
    count = _int(snaps, "count")
    names = [(element.text or "").strip() for element in snaps.findall("snapshot")]
    if count is None or count != len(names) or not all(names):
        raise GlusterParseError(f"snapshot list: count {count} but names {names}")
    return names


def parse_snapshot_volume_info(xml):
    """``snapshot info volume VOL`` -> ``{"volume", "count", "remaining"}``: how many
    snapshots the volume has and how many more its hard limit allows."""
    origin = _find(_find(_root(xml), "snapInfo"), "originVolume")
    info = {
        "volume": _text(origin, "name"),
        "count": _int(origin, "snapCount"),
        "remaining": _int(origin, "snapRemaining"),
    }
    if info["count"] is None or info["remaining"] is None:
        raise GlusterParseError("snapshot info: no snapCount / snapRemaining")
    return info


# gluster's createTime: glusterd's gf_time() when the create was staged, written with
# gf_timefmt_FT ("%Y-%m-%d %H:%M:%S", UTC unless glusterd runs with --localtime-logging)
SNAPSHOT_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")


def parse_snapshot_info(xml):
    """``snapshot info [volume VOL]`` -> one ``{"name", "uuid", "description", "created"}``
    per ``<snapInfo><snapshots><snapshot>``, in gluster's order; ``created`` is gluster's
    ``<createTime>`` text (``YYYY-MM-DD HH:MM:SS``, which sorts as it reads). ``<count>`` must
    match the snapshots given, and every one must carry a name and a creation time of that form.

    Written to gluster 10.3's ``cli_xml_snapshot_info_per_snap`` (cli/src/cli-xml-output.c):
    this machine cannot take a snapshot (no thin LV), so only the empty answer is captured."""
    info = _find(_root(xml), "snapInfo")
    count = _int(info, "count")
    snapshots = []
    for element in _find(info, "snapshots").findall("snapshot"):
        entry = {
            "name": _text(element, "name"),
            "uuid": _text(element, "uuid"),
            "description": _text(element, "description"),
            "created": _text(element, "createTime"),
        }
        if not entry["name"] or not SNAPSHOT_TIME.fullmatch(entry["created"]):
            raise GlusterParseError(
                f"snapshot info: snapshot {entry['name']!r} has no creation time (got {entry['created']!r})"
            )
        snapshots.append(entry)
    if count is None or count != len(snapshots):
        raise GlusterParseError(f"snapshot info: count {count} but {len(snapshots)} snapshots")
    return snapshots


GEOREP_COUNTERS = ("entry", "data", "meta", "failures")


def _na(element, tag):
    """Text of ``<tag>``, None for gluster's "N/A" and for an empty element."""
    value = _text(element, tag)
    return None if value in ("", "N/A") else value


def parse_georep_status(xml):
    """``volume geo-replication [PRIMARY [SECONDARY]] status [detail]`` -> one entry per
    session: ``{"volume", "secondary" (host::volume), "secondary_user", "pairs": [...]}``, a
    pair per primary brick: ``primary_node``, ``primary_node_uuid``, ``primary_brick``,
    ``secondary_node`` (None while gluster does not name it), ``status`` (Created,
    Initializing..., Active, Passive, Faulty, Paused, Stopped), ``crawl_status`` (None, Hybrid
    Crawl, History Crawl, Changelog Crawl), ``last_synced`` (None or ``YYYY-mm-dd HH:MM:SS``),
    ``entry``/``data``/``meta``/``failures`` (counts; None before the first crawl) and
    ``checkpoint_completed`` (None, Yes, No)."""
    sessions = []
    for volume in _find(_root(xml), "geoRep").findall("volume"):
        name = _text(volume, "name")
        for session in volume.findall("sessions/session"):
            pairs = []
            for pair in session.findall("pair"):
                entry = {
                    "primary_node": _text(pair, "primary_node"),
                    "primary_node_uuid": _text(pair, "primary_node_uuid"),
                    "primary_brick": _text(pair, "primary_brick"),
                    "secondary_node": _na(pair, "secondary_node"),
                    "status": _text(pair, "status"),
                    "crawl_status": _na(pair, "crawl_status"),
                    "last_synced": _na(pair, "last_synced"),
                    "checkpoint_completed": _na(pair, "checkpoint_completed"),
                }
                for counter in GEOREP_COUNTERS:
                    entry[counter] = _int(pair, counter)
                if not entry["status"] or not entry["primary_brick"].startswith("/"):
                    raise GlusterParseError(f"geo-replication pair without status or brick: {entry}")
                pairs.append(entry)
            if not pairs:
                raise GlusterParseError(f"geo-replication session of {name} without pairs")
            secondaries = {_text(p, "secondary") for p in session.findall("pair")}
            users = {_text(p, "secondary_user") for p in session.findall("pair")}
            if len(secondaries) != 1 or len(users) != 1:
                raise GlusterParseError(
                    f"geo-replication session of {name} names several secondaries: {sorted(secondaries)}"
                )
            # a root session names its secondary host::volume, a mount-broker one user@host::volume;
            # the status of all sessions (or of a volume's) writes ssh://[user@]host::volume
            secondary = secondaries.pop().removeprefix("ssh://").rpartition("@")[2]
            sessions.append(
                {"volume": name, "secondary": secondary, "secondary_user": users.pop(), "pairs": pairs}
            )
    return sessions


def parse_georep_config(xml):
    """``volume geo-replication PRIMARY SECONDARY config [KEY]`` -> ``{key: value}`` with the
    keys as ``config`` sets them (dashes: ``ssh-port``; gluster answers a full listing with
    underscores), values as text (``""`` for an unset one)."""
    config = _find(_find(_root(xml), "geoRep"), "config")
    return {child.tag.replace("_", "-"): (child.text or "").strip() for child in config}
