"""The ``gluster`` pillar -> the desired cluster model, validated in one pass.

:func:`build_model` reads the whole pillar, reports every problem at once (each with its pillar
path and what is allowed) and, when there is none, returns the model the formula and the states
work from: nodes and their addresses, the leader, every volume with its computed brick list,
clients and their mounts, and what the given minion has to do. Pure: no I/O.
"""

import copy
import re

try:
    from saltext_gluster_utils import gluster_firewall as firewall
    from saltext_gluster_utils import gluster_layout as layout
    from saltext_gluster_utils import gluster_options as option_rules
    from saltext_gluster_utils import gluster_storage as storage
    from saltext_gluster_utils import gluster_validate as validate
except ImportError:  # pragma: no cover - only when Salt's own utils loader imports this file alone
    firewall = layout = option_rules = storage = validate = None

VOLUME_TYPES = (
    "distribute",
    "replicate",
    "arbiter",
    "distributed-replicate",
    "disperse",
    "distributed-disperse",
)
VOLUME_KEYS = {
    "type": "distribute, replicate, arbiter, distributed-replicate, disperse or distributed-disperse",
    "replica": "replica set size (>= 2)",
    "arbiter": "1 for one arbiter per replica-3 set",
    "disperse": "disperse set size (>= 3)",
    "redundancy": "bricks per disperse set that may fail",
    "transport": "tcp (default), rdma or tcp,rdma",
    "brick_path": (
        "brick directory on every node ({n}: brick number when bricks_per_node > 1, {node}: minion id)"
    ),
    "bricks_per_node": "bricks per node for brick_path (default 1)",
    "nodes": "the nodes (minion ids) that carry bricks (default: all)",
    "layout": "simple (default) or chained",
    "bricks": "explicit brick list, node:/path (node = minion id or its address)",
    "force": "allow bricks on the root filesystem / several set members on one host",
    "started": "true (default) or false",
    "options": "mapping of volume option -> value",
    "reset_unmanaged": "reset options set on the volume but not named here",
    "ensure": "present (default) or absent (stops and deletes; brick data stays)",
    "allow_shrink": "allow removing bricks (sets migrated away, or a lower replica): default false",
    "allow_replace": (
        "allow replacing a brick that is online and working (a changed brick path): default false"
    ),
    "rebalance": "after adding sets: full (default), fix-layout or none",
    "rebalance_timeout": "seconds to wait for that rebalance (default 0: start it and go on)",
    "heal_timeout": "seconds to wait for self-heal after a replaced brick or a raised replica (default 0)",
    "migration_timeout": (
        "seconds to wait for a shrink's data migration before the next run resumes it (default 3600)"
    ),
    "auth": (
        "client access: {allow: [...], reject: [...]} of addresses, IPv4 networks, * wildcards or hostnames"
    ),
    "quota": (
        "directory quotas: {enabled, limits: {/dir: {hard: 10GB, soft: 80}}, "
        "object_limits: {/dir: {hard: 1000}}, reset_unmanaged}"
    ),
    "profiles": (
        "tuning profiles applied before options, in order: "
        "gluster group files (virt, metadata-cache, ...) or gluster:profiles names"
    ),
    "snapshots": "snapshot settings of this volume: {hard_limit: 1-256, schedule: {prefix: {keep, hours}}}",
    "tls": (
        "I/O encryption: true, or "
        "{enabled, allow: [certificate CNs beyond the nodes and its clients], restart}"
    ),
    "geo_replication": "sessions to secondary volumes: {host::volume: {ensure, ssh_port, config, force}}",
}
GEOREP_KEYS = {"ensure", "ssh_port", "config", "force"}
GEOREP_ENSURE = ("started", "stopped", "paused", "absent")
QUOTA_KEYS = {"enabled", "limits", "object_limits", "reset_unmanaged"}
QUOTA_OPTIONS = ("features.quota", "features.inode-quota")
TOP_KEYS = {
    # runner settings (see _utils/gluster_cli.py)
    "binary", "socket", "remote_host", "timeout", "lock_retries", "lock_backoff", "glfsheal",
    # cluster
    "nodes", "leader", "peer_timeout", "members_wait", "op_version", "volumes", "clients",
    "detach_removed_nodes", "maintenance", "brick_devices",
    "server", "lookup", "firewall", "profiles", "groups_dir", "georep_dir", "snapshots", "tls",
    "geo_replication_from", "mountbroker", "monitoring", "repo", "version", "address_family",
    "cluster_options", "volume_workers",
}  # fmt: skip
# gluster:volume_workers: how many volumes the leader works on at once (gluster.volumes_converged)
VOLUME_WORKERS_DEFAULT = 3
VOLUME_WORKERS_MAX = 16
# gluster:address_family: inet (IPv4, gluster's default) or inet6 (IPv6 only)
ADDRESS_FAMILIES = ("inet", "inet6")
FAMILY_OPTION = "transport.address-family"
# gluster:repo: the package repository the server and client packages come from
REPO_KEYS = {
    "url": "the repository's URL (http, https or file)",
    "suite": "Debian: the suite (default: the minion's codename, e.g. bookworm); ./ for a flat repository",
    "components": "Debian: the components (default [main]; none for a flat repository)",
    "key_url": "the signing key (http, https, file or salt:// URL): Debian writes it to signed_by",
    "signed_by": "Debian: where the key is kept (default /etc/apt/keyrings/glusterfs.asc)",
    "trusted": "true: an unsigned repository you trust (a local mirror); no key_url then",
    "file": "Debian: the sources file (default /etc/apt/sources.list.d/glusterfs.list)",
}
REPO_URL_RE = re.compile(r"^(https?|file):(//)?/?[A-Za-z0-9._~:/?=&%+@-]{1,1024}$")
KEY_URL_RE = re.compile(r"^(https?|file|salt)://?/?[A-Za-z0-9._~:/?=&%+@-]{1,1024}$")
APT_WORD_RE = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9._/+-]{0,63}|\./)$")
# a Debian or RPM package version: epoch:upstream-revision, ASCII only
PACKAGE_VERSION_RE = re.compile(r"^([0-9]{1,5}:)?[0-9][A-Za-z0-9.+~]{0,63}(-[A-Za-z0-9.+~]{1,32})?$")
# gluster:monitoring: the gluster beacon on every node (gluster.monitoring sls)
MONITORING_KEYS = {
    "interval": "seconds between two looks (default 30)",
    "checks": "what every node watches: bricks (its own), peers (default both)",
    "heal_threshold": "heal/pending when more entries than this wait (default 0)",
}
MONITORING_CHECKS = ("bricks", "peers")
# gluster:mountbroker (a secondary cluster's nodes): non-root geo-replication sessions
MOUNTBROKER_KEYS = {
    "root": (
        "directory the mount broker mounts under for the users "
        "(default /var/mountbroker-root; root-owned, 0711)"
    ),
    "group": "group of the geo-replication users (default geogroup)",
    "users": "user -> secondary volumes that user may mount, e.g. {geoaccount: [gv0-copy]}",
    "manage_users": "create the group and the users (default true)",
}
TLS_KEYS = {
    "ca": "PEM certificate(s) of the CA that signed every node's and client's certificate",
    "certificate": "this minion's PEM certificate (target per minion in the pillar top file)",
    "key": "this minion's PEM private key",
    "names": "minion id -> its certificate's common name (default: the minion id)",
    "management": "true: TLS on glusterd's management connections too (/var/lib/glusterd/secure-access)",
}
VOLUME_TLS_KEYS = {"enabled", "allow", "restart"}
TLS_OPTIONS = ("client.ssl", "server.ssl", "auth.ssl-allow")
# a certificate common name in auth.ssl-allow: gluster splits the list at commas
TLS_NAME_RE = re.compile(r"^[A-Za-z0-9*][A-Za-z0-9._@*-]{0,63}$")
PEM_RE = {
    "certificate": re.compile(r"-----BEGIN CERTIFICATE-----\s[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----"),
    "key": re.compile(
        r"-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----\s[A-Za-z0-9+/=\s]+"
        r"-----END (RSA |EC |ENCRYPTED )?PRIVATE KEY-----"
    ),
}
# gluster:snapshots (cluster-wide) and gluster:volumes:<name>:snapshots (hard_limit only)
SNAPSHOT_KEYS = {
    "hard_limit": "most snapshots per volume, 1-256",
    "soft_limit": "percent of the hard limit at which gluster warns (or auto-deletes), 1-99",
    "auto_delete": "true: delete the oldest snapshot beyond the soft limit",
    "activate_on_create": "true: new snapshots are activated (mountable) at once",
}
MAINTENANCE_DEFAULTS = {
    # one node at a time (gluster.orch.rolling): stop glusterd and the bricks and self-heal
    # daemon it started, optionally upgrade, start glusterd (which starts the bricks again)
    "stop_commands": [
        ["systemctl", "stop", "glusterd"],
        ["pkill", "-x", "glusterfsd"],
        ["pkill", "-f", "--", "--volfile-id shd/"],
    ],
    "start_commands": [["systemctl", "start", "glusterd"]],
    "heal_timeout": 1800,
    "command_timeout": 300,  # seconds each stop/start command may take before it is killed
}
SERVER_KEYS = {"manage_packages", "manage_service", "glusterd_options"}
MOUNT_KEYS = {"volume", "server", "options", "persist", "mounted", "fstab"}
MOUNT_RETRY_INTERVAL = 2  # seconds between mount attempts while the volume is not started yet
MOUNT_OPTION_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:=,-]{0,255}$")
# gluster:volumes:<name>:auth key -> the volume option it becomes
AUTH_OPTIONS = {"allow": "auth.allow", "reject": "auth.reject"}


def _is_bool(value):
    return isinstance(value, bool)


def _int_at_least(value, minimum):
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _printable(text):
    """``text`` with each non-printable character (newline, NUL, zero-width, bidi...) escaped."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


class _Problems(list):
    def add(self, path, message):
        self.append(f"{path}: {message}")


def _nodes(pillar, problems):
    raw = pillar.get("nodes")
    nodes = {}
    if raw is None:
        if pillar.get("volumes"):
            problems.add("gluster:nodes", "required when volumes are defined: minion id -> address")
        return nodes
    if not isinstance(raw, dict) or not raw:
        problems.add("gluster:nodes", "must be a mapping of minion id -> address the cluster uses")
        return nodes
    seen = {}
    for minion_id, value in raw.items():
        path = f"gluster:nodes:{minion_id}"
        address = value.get("address") if isinstance(value, dict) else value
        if address is None:
            address = minion_id
        found = validate.hostname_problems(address, "address")
        if found:
            problems.add(path, "; ".join(found))
            continue
        if address in seen:
            problems.add(path, f"address {address} is already used by node {seen[address]}")
            continue
        seen[address] = minion_id
        nodes[str(minion_id)] = address
    return nodes


def _volume_type(name, spec, problems, brick_count):
    """Check the counts against the type (given or inferred); returns the normalised counts."""
    path = f"gluster:volumes:{name}"
    before = len(problems)
    vtype = spec.get("type")
    replica, arbiter = spec.get("replica"), spec.get("arbiter")
    disperse, redundancy = spec.get("disperse"), spec.get("redundancy")
    if vtype == "arbiter":
        replica = 3 if replica is None else replica
        arbiter = 1 if arbiter is None else arbiter
    if vtype is not None and (not isinstance(vtype, str) or vtype not in VOLUME_TYPES):
        problems.add(f"{path}:type", f"{vtype!r} is not a volume type; use one of {', '.join(VOLUME_TYPES)}")
        return replica, arbiter, disperse, redundancy
    if vtype in ("replicate", "distributed-replicate", "arbiter"):
        if not _int_at_least(replica, 2):
            problems.add(f"{path}:replica", f"{replica!r} is not allowed for type {vtype} (needs >= 2)")
        if disperse is not None:
            problems.add(f"{path}:disperse", f"not allowed for type {vtype}")
    if vtype == "arbiter" and (replica != 3 or arbiter != 1):
        problems.add(path, "type arbiter means replica: 3 with arbiter: 1")
    if vtype in ("disperse", "distributed-disperse"):
        if not _int_at_least(disperse, 3):
            problems.add(f"{path}:disperse", f"{disperse!r} is not allowed for type {vtype} (needs >= 3)")
        if replica is not None:
            problems.add(f"{path}:replica", f"not allowed for type {vtype}")
    if vtype == "distribute":
        for key in ("replica", "arbiter", "disperse", "redundancy"):
            if spec.get(key) is not None:
                problems.add(f"{path}:{key}", "not allowed for type distribute")
    if len(problems) > before:
        return replica, arbiter, disperse, redundancy
    set_size = replica if _int_at_least(replica, 2) else disperse if _int_at_least(disperse, 3) else 1
    if vtype in ("replicate", "disperse", "arbiter") and brick_count and brick_count != set_size:
        problems.add(
            path,
            f"type {vtype} has exactly one set of {set_size} bricks, but {brick_count} bricks are "
            f"laid out; use type distributed-{'disperse' if vtype == 'disperse' else 'replicate'}",
        )
    if vtype in ("distributed-replicate", "distributed-disperse") and brick_count and brick_count <= set_size:
        problems.add(path, f"type {vtype} needs more than one set of {set_size} bricks, got {brick_count}")
    return replica, arbiter, disperse, redundancy


def _bricks(name, spec, nodes, problems):
    path = f"gluster:volumes:{name}"
    explicit, brick_path = spec.get("bricks"), spec.get("brick_path")
    if (explicit is None) == (brick_path is None):
        problems.add(path, "set exactly one of brick_path (automatic layout) or bricks (explicit list)")
        return []
    if explicit is not None:
        if not isinstance(explicit, list) or not explicit:
            problems.add(f"{path}:bricks", "must be a non-empty list of node:/path")
            return []
        bricks = []
        for index, entry in enumerate(explicit):
            if not isinstance(entry, str) or ":" not in entry:
                problems.add(f"{path}:bricks:{index}", f"{entry!r} must be written node:/path")
                continue
            host, _sep, brick_dir = entry.rpartition(":")
            address = nodes.get(host, host)
            if address not in nodes.values():
                problems.add(
                    f"{path}:bricks:{index}",
                    f"host {host!r} is not in gluster:nodes (by minion id or address)",
                )
                continue
            found = validate.brick_path_problems(brick_dir, "path")
            if found:
                problems.add(f"{path}:bricks:{index}", "; ".join(found))
                continue
            bricks.append(f"{address}:{brick_dir}")
        return bricks
    per_node = spec.get("bricks_per_node", 1)
    if not _int_at_least(per_node, 1):
        problems.add(f"{path}:bricks_per_node", f"{per_node!r} must be a whole number >= 1")
        return []
    if not isinstance(brick_path, str):
        problems.add(f"{path}:brick_path", f"{brick_path!r} must be an absolute path")
        return []
    if per_node > 1 and "{n}" not in brick_path:
        problems.add(
            f"{path}:brick_path",
            f"with bricks_per_node: {per_node} it must hold {{n}} (numbered 1..{per_node}), "
            "e.g. /data/glusterfs/gv0/brick{n}",
        )
        return []
    found = validate.brick_path_problems(brick_path.replace("{n}", "1").replace("{node}", "node"), "path")
    if found:
        problems.add(f"{path}:brick_path", "; ".join(found))
        return []
    members = spec.get("nodes", list(nodes))
    if not isinstance(members, list) or not members:
        problems.add(f"{path}:nodes", "must be a non-empty list of minion ids from gluster:nodes")
        return []
    unknown = [m for m in members if not isinstance(m, str) or m not in nodes]
    if unknown:
        problems.add(f"{path}:nodes", f"{', '.join(map(str, unknown))} not in gluster:nodes")
        return []
    chosen = spec.get("layout", "simple")
    if chosen not in layout.LAYOUTS:
        problems.add(f"{path}:layout", f"{chosen!r} is not a layout; use one of {', '.join(layout.LAYOUTS)}")
        return []
    replica, disperse = spec.get("replica"), spec.get("disperse")
    if spec.get("type") == "arbiter" and replica is None:
        replica = 3
    set_size = replica if _int_at_least(replica, 2) else disperse if _int_at_least(disperse, 3) else 1
    if set_size > len(members):
        problems.add(
            path,
            f"sets of {set_size} bricks need at least {set_size} nodes to span distinct hosts, "
            f"but {len(members)} node(s) carry bricks",
        )
        return []
    try:
        return layout.automatic_bricks(
            [nodes[m] for m in members], brick_path, per_node, set_size, chosen, names=members
        )
    except ValueError as exc:
        problems.add(f"{path}:layout", str(exc))
        return []


def _auth(path, raw, nodes, options, problems):
    """``gluster:volumes:<name>:auth`` -> ``{"allow": [...], "reject": [...]}`` (the keys given).

    Every entry is checked (see ``validate.auth_address_problems``). Refused as well: the same
    option also in the volume's ``options``, and a ``reject`` entry that matches a node's address:
    gluster's self-heal daemons, rebalance and the nodes' own mounts connect from those and
    would be shut out (``allow`` cannot do that: they log in with the volume's credentials).
    """
    where = f"{path}:auth"
    if not isinstance(raw, dict) or not raw:
        problems.add(where, "must be a mapping with allow and/or reject: lists of client addresses")
        return {}
    auth = {}
    for key, value in raw.items():
        if key not in AUTH_OPTIONS:
            problems.add(f"{where}:{key}", f"unknown key; allowed: {', '.join(AUTH_OPTIONS)}")
            continue
        entries = [e.strip(" ") for e in value.split(",")] if isinstance(value, str) else value
        if not isinstance(entries, list) or not entries:
            problems.add(
                f"{where}:{key}", "must be a non-empty list of addresses, networks, wildcards or hostnames"
            )
            continue
        before = len(problems)
        for index, entry in enumerate(entries):
            found = validate.auth_address_problems(entry, "entry")
            if found:
                problems.add(f"{where}:{key}:{index}", "; ".join(found))
        if len(problems) == before:
            auth[key] = list(dict.fromkeys(validate.auth_address(entry) for entry in entries))
    for option in sorted(AUTH_OPTIONS.values()):
        if isinstance(options, dict) and any(str(k).lower() == option for k in options):
            problems.add(
                f"{path}:options:{option}", f"also set by {where}; name the addresses in {where} only"
            )
    for entry in auth.get("reject", []):
        hits = [f"{m} ({a})" for m, a in nodes.items() if validate.auth_address_matches(entry, a)]
        if hits:
            problems.add(
                f"{where}:reject",
                f"{entry} matches node {', '.join(hits)}: gluster's own self-heal daemon, rebalance "
                "and mounts on the nodes connect from the nodes' addresses and would be shut out",
            )
    return auth


def _quota_limits(where, raw, objects, problems):
    """``limits`` / ``object_limits``: ``{/dir: {hard, soft}}`` or ``{/dir: hard}``."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.add(where, "must be a mapping of directory (from the volume root) -> {hard: ..., soft: ...}")
        return {}
    limits = {}
    for directory, spec in raw.items():
        at = f"{where}:{directory}"
        found = validate.quota_path_problems(directory, "directory")
        if found:
            problems.add(at, "; ".join(found))
            continue
        spec = spec if isinstance(spec, dict) else {"hard": spec}
        unknown = sorted(set(spec) - {"hard", "soft"})
        if unknown:
            problems.add(f"{at}:{unknown[0]}", "unknown key; allowed: hard, soft")
            continue
        hard, soft = spec.get("hard"), spec.get("soft")
        found = validate.quota_limit_problems(hard, soft, objects)
        if found:
            problems.add(at, "; ".join(found))
            continue
        limits[directory] = {
            "hard": int(hard) if objects else str(hard).strip(),
            "soft": None if soft is None else validate.soft_percent(soft),
        }
    return limits


def _quota(path, raw, options, problems):
    """``gluster:volumes:<name>:quota`` -> ``{"enabled", "limits", "object_limits",
    "reset_unmanaged"}``; the quota switches themselves are not volume ``options``."""
    where = f"{path}:quota"
    if not isinstance(raw, dict):
        problems.add(where, "must be a mapping: enabled, limits, object_limits, reset_unmanaged")
        return None
    _unknown_keys(raw, sorted(QUOTA_KEYS), where, problems)
    for key in ("enabled", "reset_unmanaged"):
        if key in raw and not _is_bool(raw[key]):
            problems.add(f"{where}:{key}", f"{raw[key]!r} must be true or false")
    for option in QUOTA_OPTIONS:
        if isinstance(options, dict) and any(str(k).lower() == option for k in options):
            problems.add(f"{path}:options:{option}", f"set by {where}:enabled (gluster volume quota enable)")
    quota = {
        "enabled": raw.get("enabled", True) is not False,
        "limits": _quota_limits(f"{where}:limits", raw.get("limits"), False, problems),
        "object_limits": _quota_limits(f"{where}:object_limits", raw.get("object_limits"), True, problems),
        "reset_unmanaged": raw.get("reset_unmanaged", False) is True,
    }
    if not quota["enabled"] and (quota["limits"] or quota["object_limits"]):
        problems.add(where, "limits need enabled: true (disabling quota drops every limit)")
    return quota


def _profiles(raw, problems):
    """``gluster:profiles``: user-defined tuning profiles, ``{name: {option: value}}``."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.add("gluster:profiles", "must be a mapping of profile name -> {option: value}")
        return {}
    defined = {}
    for name, options in raw.items():
        where = f"gluster:profiles:{name}"
        found = validate.profile_name_problems(name, "profile name")
        if found:
            problems.add(where, "; ".join(found))
            continue
        if not isinstance(options, dict) or not options:
            problems.add(where, "must be a non-empty mapping of volume option -> value")
            continue
        found = validate.options_problems(options, where=where)
        for option in QUOTA_OPTIONS:
            if any(str(k).lower() == option for k in options):
                found.append(
                    f"{where}:{option}: quotas are set by gluster:volumes:<name>:quota, not a profile"
                )
        if found:
            problems.extend(found)
            continue
        defined[name] = {key: validate.option_value(value) for key, value in options.items()}
    return defined


def _volume_profiles(path, raw, defined, problems):
    """``gluster:volumes:<name>:profiles`` -> the state's ``profiles`` list: a pillar-defined
    profile as ``{name: options}`` (it wins over a gluster group file of the same name), any
    other name as is (a gluster group file, read on the leader when the state runs)."""
    where = f"{path}:profiles"
    if not isinstance(raw, list):
        problems.add(
            where, "must be a list of profile names (virt, metadata-cache, ... or gluster:profiles keys)"
        )
        return []
    resolved = []
    for index, name in enumerate(raw):
        found = validate.profile_name_problems(name, "profile")
        if found:
            problems.add(f"{where}:{index}", "; ".join(found))
        elif name in raw[:index]:
            problems.add(f"{where}:{index}", f"{name} is listed twice")
        else:
            resolved.append({name: dict(defined[name])} if name in defined else name)
    return resolved


def _snapshots(where, raw, allowed, problems):
    """``gluster:snapshots`` or a volume's ``snapshots`` -> the ``gluster.snapshot_config``
    state's arguments (only the settings given), or None."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or not raw:
        problems.add(where, f"must be a mapping with {', '.join(allowed)}")
        return None
    settings = {}
    for key, value in raw.items():
        if key not in allowed:
            problems.add(f"{where}:{key}", f"unknown key; allowed: {', '.join(allowed)}")
        elif key == "hard_limit" and not (_int_at_least(value, 1) and value <= 256):
            problems.add(f"{where}:{key}", f"{value!r} must be a whole number from 1 to 256")
        elif key == "soft_limit" and not (_int_at_least(value, 1) and value <= 99):
            problems.add(f"{where}:{key}", f"{value!r} must be a percentage from 1 to 99")
        elif key in ("auto_delete", "activate_on_create") and not _is_bool(value):
            problems.add(f"{where}:{key}", f"{value!r} must be true or false")
        else:
            settings[key] = value
    return settings or None


SNAPSHOT_INTERVALS = ("seconds", "minutes", "hours", "days")


def _snapshot_schedule(where, raw, problems):
    """A volume's ``snapshots:schedule`` -> ``{prefix: {"keep", "interval": (unit, count),
    "ensure"}}``: Salt scheduler jobs (on the leader) running ``gluster.snapshot_rotate``."""
    if not isinstance(raw, dict) or not raw:
        problems.add(
            where,
            "must be a mapping of snapshot name prefix -> {keep, hours (or seconds, minutes, days), ensure}",
        )
        return {}
    jobs = {}
    for prefix, spec in raw.items():
        here = f"{where}:{prefix}"
        found = validate.snapshot_name_problems(prefix, "prefix")
        if found:
            problems.add(here, "; ".join(found))
            continue
        if not isinstance(spec, dict):
            problems.add(here, "must be a mapping with keep and one of seconds, minutes, hours, days")
            continue
        for key in spec:
            if key not in ("keep", "ensure", *SNAPSHOT_INTERVALS):
                problems.add(
                    f"{here}:{key}", f"unknown key; allowed: ensure, keep, {', '.join(SNAPSHOT_INTERVALS)}"
                )
        ensure = spec.get("ensure", "present")
        if ensure not in ("present", "absent"):
            problems.add(f"{here}:ensure", f"{ensure!r} must be present or absent")
        keep = spec.get("keep")
        if ensure == "present" and not _int_at_least(keep, 1):
            problems.add(f"{here}:keep", f"{keep!r} must be the number of snapshots to keep (at least 1)")
        given = [unit for unit in SNAPSHOT_INTERVALS if unit in spec]
        if ensure == "present" and len(given) != 1:
            problems.add(here, f"give one interval of {', '.join(SNAPSHOT_INTERVALS)}")
        for unit in given:
            if not _int_at_least(spec[unit], 1):
                problems.add(f"{here}:{unit}", f"{spec[unit]!r} must be a whole number of at least 1")
        interval = (given[0], spec[given[0]]) if given else None
        jobs[str(prefix)] = {"keep": keep, "interval": interval, "ensure": ensure}
    return jobs


def _unknown_keys(mapping, allowed, where, problems):
    """A problem at ``<where>:<key>`` for each key of ``mapping`` not in ``allowed`` (listed in
    the message in the order given)."""
    for key in mapping:
        if key not in allowed:
            problems.add(f"{where}:{key}", f"unknown key; allowed: {', '.join(allowed)}")


# where the model holds secrets (model keys, and the pillar path they came from)
SECRETS = ((("tls", "key"), "gluster:tls:key"),)
REDACTED = "<secret from {where}: not shown>"


def redacted(model):
    """A copy of ``model`` with every secret (``SECRETS``) replaced by a marker naming its pillar
    key: what a return may show (the job cache of the master keeps every return)."""
    shown = copy.deepcopy(model)
    for (section, key), where in SECRETS:
        if isinstance(shown.get(section), dict) and shown[section].get(key):
            shown[section][key] = REDACTED.format(where=where)
    return shown


def _tls(raw, nodes, problems):
    """``gluster:tls`` -> ``{"ca", "certificate", "key", "names", "management"}`` or None."""
    if raw is None:
        return None
    where = "gluster:tls"
    if not isinstance(raw, dict):
        problems.add(where, f"must be a mapping with {', '.join(TLS_KEYS)}")
        return None
    _unknown_keys(raw, TLS_KEYS, where, problems)
    tls = {"ca": None, "certificate": None, "key": None, "names": {}, "management": None}
    for key, kind in (("ca", "certificate"), ("certificate", "certificate"), ("key", "key")):
        value = raw.get(key)
        if value is None:
            continue
        if not isinstance(value, str) or not PEM_RE[kind].search(value):
            what = (
                "a PEM private key (-----BEGIN PRIVATE KEY-----...)"
                if kind == "key"
                else "PEM certificate text (-----BEGIN CERTIFICATE-----...)"
            )
            problems.add(f"{where}:{key}", f"must be {what}")
        else:
            tls[key] = value if value.endswith("\n") else value + "\n"
    if (raw.get("certificate") is None) != (raw.get("key") is None):
        problems.add(where, "certificate and key go together (this minion's own pair)")
    if raw.get("certificate") is not None and raw.get("ca") is None:
        problems.add(f"{where}:ca", "required with a certificate: the CA every peer checks it against")
    names = raw.get("names") or {}
    if not isinstance(names, dict):
        problems.add(f"{where}:names", "must be a mapping of minion id -> certificate common name")
        names = {}
    for minion, name in names.items():
        if not isinstance(name, str) or not TLS_NAME_RE.fullmatch(name) or "*" in name:
            problems.add(
                f"{where}:names:{minion}",
                f"{name!r} must be a common name of letters, digits, '.', '_', '@', '-'",
            )
        else:
            tls["names"][str(minion)] = name
    if "management" in raw:
        if not _is_bool(raw["management"]):
            problems.add(f"{where}:management", f"{raw['management']!r} must be true or false")
        else:
            tls["management"] = raw["management"]
    return tls


def _volume_tls(path, raw, options, problems):
    """``gluster:volumes:<name>:tls`` -> ``{"enabled", "allow", "restart"}`` or None."""
    where = f"{path}:tls"
    if _is_bool(raw):
        raw = {"enabled": raw}
    if not isinstance(raw, dict):
        problems.add(where, "must be true, false or a mapping with enabled, allow, restart")
        return None
    _unknown_keys(raw, sorted(VOLUME_TLS_KEYS), where, problems)
    for key in ("enabled", "restart"):
        if key in raw and not _is_bool(raw[key]):
            problems.add(f"{where}:{key}", f"{raw[key]!r} must be true or false")
    allow = raw.get("allow", [])
    if not isinstance(allow, list):
        problems.add(f"{where}:allow", "must be a list of certificate common names")
        allow = []
    for index, name in enumerate(allow):
        if not isinstance(name, str) or not TLS_NAME_RE.fullmatch(name):
            problems.add(
                f"{where}:allow:{index}",
                f"{name!r} must be a certificate common name "
                "(letters, digits, '.', '_', '@', '-', or * as a wildcard)",
            )
    for option in TLS_OPTIONS:
        if isinstance(options, dict) and any(str(k).lower() == option for k in options):
            problems.add(f"{path}:options:{option}", f"set by {where}")
    enabled = raw.get("enabled", True) is not False
    if not enabled and allow:
        problems.add(f"{where}:allow", "needs enabled: true")
    return {
        "enabled": enabled,
        "allow": [a for a in allow if isinstance(a, str)],
        "restart": raw.get("restart", False) is True,
    }


def _tls_options(volumes, clients, nodes, tls):
    """A volume's ``tls`` as options: ``client.ssl``/``server.ssl`` on (or off), and
    ``auth.ssl-allow``: the common names of every node (their self-heal daemons and mounts log
    in with the node's certificate), of the clients that mount the volume, then ``allow``."""
    names = (tls or {}).get("names", {})
    for name, volume in volumes.items():
        spec = volume.get("tls")
        if not spec:
            continue
        volume["options"]["client.ssl"] = "on" if spec["enabled"] else "off"
        volume["options"]["server.ssl"] = "on" if spec["enabled"] else "off"
        if spec["enabled"]:
            mounting = [
                minion
                for minion, client in sorted(clients.items())
                if any(m.get("volume") == name for m in client.get("mounts", {}).values())
            ]
            allowed = [names.get(minion, minion) for minion in sorted(nodes)] + [
                names.get(m, m) for m in mounting
            ]
            volume["options"]["auth.ssl-allow"] = ",".join(dict.fromkeys(allowed + spec["allow"]))


def _cluster_options(raw, problems):
    """``gluster:cluster_options`` -> ``{option: value as gluster takes it}``: gluster's
    cluster-wide options (``volume set all``), set once by the leader before any volume is
    created or started (so that ``cluster.brick-multiplex`` decides how the bricks start)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.add("gluster:cluster_options", "must be a mapping of cluster-wide option -> value")
        return {}
    wanted = {}
    for key, value in raw.items():
        where = f"gluster:cluster_options:{key}"
        if key in option_rules.CLUSTER_OP_VERSION:
            problems.add(
                where, "the op-version is gluster:op_version (and cluster.max-op-version is read-only)"
            )
        elif key not in option_rules.CLUSTER_OPTIONS:
            problems.add(
                where,
                f"not a cluster-wide option of gluster; these are: {', '.join(option_rules.CLUSTER_OPTIONS)}",
            )
        elif isinstance(value, (dict, list)) or value is None:
            problems.add(where, f"{validate._show(value)} must be a single value")
        else:
            converted, problem = option_rules.cluster_value(key, value)
            if problem:
                problems.add(where, problem)
            else:
                wanted[key] = converted
    return wanted


def _address_family(raw, glusterd_options, volumes, clients, problems):
    """``gluster:address_family``: ``inet`` (gluster's default: nothing is added) or ``inet6``:
    ``transport.address-family inet6`` in glusterd.vol and on every volume, and every mount's
    client told the same (``xlator-option=transport.address-family=inet6``: its first connection,
    the one that fetches the volfile, does not read it from the volume). One key, so that no
    daemon is left looking for IPv4 addresses that the hosts do not have."""
    if raw is None:
        return "inet"
    if raw not in ADDRESS_FAMILIES:
        problems.add("gluster:address_family", f"{raw!r} must be inet or inet6")
        return "inet"
    if raw == "inet":
        return raw
    owners = [("gluster:server:glusterd_options", glusterd_options)]
    owners += [(f"gluster:volumes:{name}:options", volume["options"]) for name, volume in volumes.items()
               if volume.get("ensure") == "present"]  # fmt: skip
    for where, options in owners:
        for key in options:
            if str(key).lower() == FAMILY_OPTION:
                problems.add(f"{where}:{key}", "set by gluster:address_family")
    for volume in volumes.values():
        if volume.get("ensure") == "present":
            volume["options"][FAMILY_OPTION] = raw
    for client in clients.values():
        for mount in client["mounts"].values():
            mount["options"].append(f"xlator-option={FAMILY_OPTION}={raw}")
    return raw


def _georep(path, raw, started, problems):
    """``gluster:volumes:<name>:geo_replication`` -> ``{secondary: {"ensure", "ssh_port",
    "config", "force"}}`` (the ``gluster.geo_replication`` state's arguments)."""
    where = f"{path}:geo_replication"
    if not isinstance(raw, dict) or not raw:
        problems.add(
            where, "must be a mapping of secondary (host::volume) -> {ensure, ssh_port, config, force}"
        )
        return {}
    sessions = {}
    for secondary, spec in raw.items():
        here = f"{where}:{secondary}"
        found = validate.georep_secondary_problems(secondary, "secondary")
        if found:
            problems.add(here, "; ".join(found))
            continue
        spec = {} if spec is None else spec
        if not isinstance(spec, dict):
            problems.add(here, "must be a mapping with ensure, ssh_port, config, force")
            continue
        for key in spec:
            if key not in GEOREP_KEYS:
                problems.add(f"{here}:{key}", f"unknown key; allowed: {', '.join(sorted(GEOREP_KEYS))}")
        ensure = spec.get("ensure", "started")
        if ensure not in GEOREP_ENSURE:
            problems.add(f"{here}:ensure", f"{ensure!r} must be one of {', '.join(GEOREP_ENSURE)}")
        elif ensure in ("started", "paused") and not started:
            problems.add(f"{here}:ensure", f"{ensure} needs the volume started (started: false here)")
        port = spec.get("ssh_port")
        if port is not None and not (_int_at_least(port, 1) and port <= 65535):
            problems.add(f"{here}:ssh_port", f"{port!r} must be a port number")
        config = spec.get("config") or {}
        for problem in validate.georep_config_problems(config, f"{here}:config"):
            problems.append(problem)
        if "force" in spec and not _is_bool(spec["force"]):
            problems.add(f"{here}:force", f"{spec['force']!r} must be true or false")
        sessions[secondary] = {
            "ensure": ensure,
            "ssh_port": port,
            "config": dict(config),
            "force": spec.get("force") is True,
        }
    return sessions


def _georep_from(raw, problems):
    """``gluster:geo_replication_from`` (on a secondary cluster's nodes) -> ``[{"minions",
    "keys", "user", "config"}]``: whose geo-replication keys go in which ``authorized_keys``
    (the ``gluster.georep_keys`` sls): the Salt mine of ``minions`` (exact minion ids), or the
    literal ``keys``, each line with gluster's forced command."""
    if raw is None:
        return []
    where = "gluster:geo_replication_from"
    if not isinstance(raw, list):
        problems.add(
            where, "must be a list of {minion: <primary leader's minion id>, user: root} (or {keys: [...]})"
        )
        return []
    sources = []
    for index, source in enumerate(raw):
        found = validate.georep_source_problems(source, f"{where}:{index}")
        problems.extend(found)
        if not found:
            minions = (
                validate.georep_minions(source["minion"], source.get("tgt_type", "glob"))
                if "minion" in source
                else []
            )
            sources.append({"minions": minions, "keys": list(source.get("keys") or []),
                            "user": source.get("user", "root"), "config": source.get("config")})  # fmt: skip
    return sources


def _mountbroker(raw, problems):
    """``gluster:mountbroker`` -> ``{"root", "group", "users": {user: [volume]}, "manage_users",
    "glusterd_options"}`` or None. The options are what ``gluster-mountbroker setup/add`` would
    write into glusterd.vol."""
    if raw is None:
        return None
    where = "gluster:mountbroker"
    if not isinstance(raw, dict):
        problems.add(where, f"must be a mapping with {', '.join(MOUNTBROKER_KEYS)}")
        return None
    _unknown_keys(raw, MOUNTBROKER_KEYS, where, problems)
    root = raw.get("root", "/var/mountbroker-root")
    if not isinstance(root, str) or validate.brick_path_problems(root) or root == "/":
        problems.add(f"{where}:root", f"{root!r} must be an absolute directory path")
    group = raw.get("group", "geogroup")
    if not isinstance(group, str) or not validate.GEOREP_USER_RE.fullmatch(group):
        problems.add(f"{where}:group", f"{group!r} must be a group name")
    users = raw.get("users")
    if not isinstance(users, dict) or not users:
        problems.add(f"{where}:users", "must be a mapping of user -> [secondary volumes it may mount]")
        users = {}
    allowed = {}
    for user, volumes in users.items():
        here = f"{where}:users:{user}"
        if not isinstance(user, str) or not validate.GEOREP_USER_RE.fullmatch(user) or user == "root":
            problems.add(here, "must be a system user name other than root")
            continue
        volumes = [volumes] if isinstance(volumes, str) else volumes
        if not isinstance(volumes, list) or not volumes:
            problems.add(here, "must be a list of volume names")
            continue
        for volume in volumes:
            found = validate.volume_name_problems(volume, "volume")
            if found:
                problems.add(here, "; ".join(found))
        allowed[user] = [str(v) for v in volumes]
    if "manage_users" in raw and not _is_bool(raw["manage_users"]):
        problems.add(f"{where}:manage_users", f"{raw['manage_users']!r} must be true or false")
    options = {"mountbroker-root": root, "geo-replication-log-group": group}
    options.update(
        {f"mountbroker-geo-replication.{user}": ",".join(volumes) for user, volumes in allowed.items()}
    )
    return {
        "root": root,
        "group": group,
        "users": allowed,
        "manage_users": raw.get("manage_users", True) is not False,
        "glusterd_options": options,
    }


def _repo(raw, problems):
    """``gluster:repo`` -> ``{"url", "suite", "components", "key_url", "signed_by", "trusted",
    "file"}`` or None (the distribution's own repositories)."""
    if raw is None:
        return None
    where = "gluster:repo"
    if not isinstance(raw, dict):
        problems.add(where, f"must be a mapping with {', '.join(REPO_KEYS)}")
        return None
    _unknown_keys(raw, sorted(REPO_KEYS), where, problems)
    url = raw.get("url")
    if not isinstance(url, str) or not REPO_URL_RE.fullmatch(url) or "/../" in url + "/":
        problems.add(f"{where}:url", f"{validate._show(url)} must be an http, https or file URL")
    suite = raw.get("suite")
    if suite is not None and (
        not isinstance(suite, str) or not APT_WORD_RE.fullmatch(suite) or ".." in suite
    ):
        problems.add(
            f"{where}:suite", f"{validate._show(suite)} must be a suite name (bookworm, stable) or ./"
        )
    flat = suite == "./"
    components = raw.get("components", [] if flat else ["main"])
    if not isinstance(components, list) or not all(
        isinstance(c, str) and APT_WORD_RE.fullmatch(c) and ".." not in c and "/" not in c for c in components
    ):
        problems.add(
            f"{where}:components", f"{validate._show(components)} must be a list of component names (main)"
        )
        components = []
    elif flat and components:
        problems.add(f"{where}:components", "a flat repository (suite ./) has no components")
    elif not flat and not components:
        problems.add(f"{where}:components", "name at least one component (main), or use suite ./")
    trusted = raw.get("trusted", False)
    if not _is_bool(trusted):
        problems.add(f"{where}:trusted", f"{trusted!r} must be true or false")
    key_url = raw.get("key_url")
    if key_url is not None and (
        not isinstance(key_url, str) or not KEY_URL_RE.fullmatch(key_url) or "/../" in key_url
    ):
        problems.add(
            f"{where}:key_url", f"{validate._show(key_url)} must be an http, https, file or salt:// URL"
        )
    if key_url is not None and trusted is True:
        problems.add(
            where, "trusted: true and key_url exclude each other (a signed repository needs no trust)"
        )
    files = {}
    for key, default, directory in (
        ("signed_by", "/etc/apt/keyrings/glusterfs.asc", "/etc/apt/keyrings/"),
        ("file", "/etc/apt/sources.list.d/glusterfs.list", "/etc/apt/sources.list.d/"),
    ):
        value = raw.get(key, default)
        if (
            not isinstance(value, str)
            or not value.startswith(directory)
            or validate.brick_path_problems(value)
            or "/" in value[len(directory) :]
        ):
            problems.add(f"{where}:{key}", f"{validate._show(value)} must be a file directly in {directory}")
        files[key] = value
    if isinstance(files["file"], str) and not files["file"].endswith(".list"):
        problems.add(
            f"{where}:file",
            f"{validate._show(files['file'])} must end in .list (apt reads no other name there)",
        )
    return {
        "url": url,
        "suite": suite,
        "components": components,
        "key_url": key_url,
        "trusted": trusted is True,
        "signed_by": files["signed_by"],
        "file": files["file"],
    }


def _package_version(raw, problems):
    """``gluster:version`` -> the version string every GlusterFS package is pinned to, or None."""
    if raw is None:
        return None
    if (
        isinstance(raw, bool)
        or not isinstance(raw, (str, int, float))
        or not PACKAGE_VERSION_RE.fullmatch(str(raw))
    ):
        problems.add(
            "gluster:version",
            f"{validate._show(raw)} must be a package version as the repository has it (10.3-5, 11.1-1)",
        )
        return None
    if not isinstance(raw, str):
        problems.add(
            "gluster:version",
            f"{raw!r} must be quoted: YAML read it as a number, and 10.10 would become 10.1",
        )
        return None
    return raw


def _monitoring(raw, problems):
    """``gluster:monitoring`` -> ``{"interval", "checks", "heal_threshold"}`` or None (no
    beacon). The leader's beacon also watches the cluster: heal, split-brain, quota, georep."""
    if raw is None:
        return None
    where = "gluster:monitoring"
    if raw is True:
        raw = {}
    if not isinstance(raw, dict):
        problems.add(where, f"must be true or a mapping with {', '.join(MONITORING_KEYS)}")
        return None
    _unknown_keys(raw, MONITORING_KEYS, where, problems)
    interval = raw.get("interval", 30)
    if not _int_at_least(interval, 5):
        problems.add(f"{where}:interval", f"{interval!r} must be a whole number of seconds >= 5")
    checks = raw.get("checks", list(MONITORING_CHECKS))
    if not isinstance(checks, list) or not checks or not set(checks) <= set(MONITORING_CHECKS):
        problems.add(f"{where}:checks", f"{checks!r} must be a list of {', '.join(MONITORING_CHECKS)}")
    threshold = raw.get("heal_threshold", 0)
    if not _int_at_least(threshold, 0):
        problems.add(f"{where}:heal_threshold", f"{threshold!r} must be a whole number >= 0")
    return {"interval": interval, "checks": checks, "heal_threshold": threshold}


def _volume(name, spec, nodes, problems, defined_profiles=None):
    path = f"gluster:volumes:{name}"
    found = validate.volume_name_problems(name, "volume name")
    if found:
        problems.add(path, "; ".join(found))
        return None
    if not isinstance(spec, dict):
        problems.add(path, "must be a mapping (type, replica, brick_path or bricks, options, ...)")
        return None
    _unknown_keys(spec, sorted(VOLUME_KEYS), path, problems)
    ensure = spec.get("ensure", "present")
    if ensure not in ("present", "absent"):
        problems.add(f"{path}:ensure", f"{ensure!r} must be present or absent")
        return None
    for key in ("force", "started", "reset_unmanaged", "allow_shrink", "allow_replace"):
        if key in spec and not _is_bool(spec[key]):
            problems.add(f"{path}:{key}", f"{spec[key]!r} must be true or false")
    if ensure == "absent":
        return {"name": name, "ensure": "absent"}
    spec = dict(spec)
    for key in ("replica", "arbiter", "disperse", "redundancy", "bricks_per_node"):
        text = spec[key].strip() if isinstance(spec.get(key), str) else ""
        if text.isascii() and text.isdigit() and len(text) <= 9:
            spec[key] = int(text)  # a quoted number in YAML (ASCII digits only: int() takes "３")
    bricks = _bricks(name, spec, nodes, problems)
    before = len(problems)
    replica, arbiter, disperse, redundancy = _volume_type(name, spec, problems, len(bricks))
    transport = spec.get("transport", "tcp")
    force = spec.get("force", False) is True
    if bricks and len(problems) == before:
        for found in validate.layout_problems(
            bricks, replica, arbiter, disperse, redundancy, transport, where=path
        ):
            problems.append(found)
        set_size = replica or disperse or 1
        if not force and isinstance(set_size, int):
            for number, host in layout.sets_on_one_host(bricks, set_size):
                problems.add(
                    f"{path}:bricks",
                    f"set {number} has more than one brick on {host}: losing that host loses the "
                    "set's redundancy; spread the set over distinct nodes or set force: true",
                )
    rebalance = spec.get("rebalance", "full")
    if rebalance not in ("full", "fix-layout", "none"):
        problems.add(f"{path}:rebalance", f"{rebalance!r} must be full, fix-layout or none")
    timeouts = {"rebalance_timeout": 0, "heal_timeout": 0, "migration_timeout": 3600}
    for key, default in timeouts.items():
        value = spec.get(key, default)
        if not _int_at_least(value, 0 if default == 0 else 1):
            problems.add(f"{path}:{key}", f"{value!r} must be a whole number of seconds")
        timeouts[key] = value
    options = spec.get("options") or {}
    if options:
        problems.extend(validate.options_problems(options, where=f"{path}:options"))
    for key in options if isinstance(options, dict) else ():
        if key in option_rules.CLUSTER_OPTIONS or key in option_rules.CLUSTER_OP_VERSION:
            problems.add(
                f"{path}:options:{key}",
                "a cluster-wide option: set it in gluster:cluster_options"
                + (" (the op-version: gluster:op_version)" if key in option_rules.CLUSTER_OP_VERSION else ""),
            )
    auth = _auth(path, spec["auth"], nodes, options, problems) if "auth" in spec else {}
    quota = _quota(path, spec["quota"], options, problems) if "quota" in spec else None
    profiles = (
        _volume_profiles(path, spec["profiles"], defined_profiles or {}, problems)
        if "profiles" in spec
        else []
    )
    raw_snapshots = spec.get("snapshots")
    schedule = {}
    if isinstance(raw_snapshots, dict) and "schedule" in raw_snapshots:
        raw_snapshots = dict(raw_snapshots)
        schedule = _snapshot_schedule(f"{path}:snapshots:schedule", raw_snapshots.pop("schedule"), problems)
        raw_snapshots = raw_snapshots or None
    snapshots = _snapshots(f"{path}:snapshots", raw_snapshots, ["hard_limit", "schedule"], problems)
    tls = _volume_tls(path, spec["tls"], options, problems) if "tls" in spec else None
    georep = (
        _georep(path, spec["geo_replication"], spec.get("started", True) is not False, problems)
        if "geo_replication" in spec
        else {}
    )
    if quota and spec.get("started", True) is False:
        problems.add(f"{path}:quota", "quotas need a started volume (started: false here)")
    return {
        "name": name,
        "ensure": "present",
        "bricks": bricks,
        "replica": replica,
        "arbiter": arbiter,
        "disperse": disperse,
        "redundancy": redundancy,
        "transport": transport,
        "force": force,
        "started": spec.get("started", True) is not False,
        "options": {
            **(
                {k: validate.option_value(v) for k, v in options.items()} if isinstance(options, dict) else {}
            ),
            **{AUTH_OPTIONS[key]: ",".join(entries) for key, entries in auth.items()},
        },
        "auth": auth,
        "quota": quota,
        "profiles": profiles,
        "snapshots": snapshots,
        "snapshot_schedule": schedule,
        "tls": tls,
        "geo_replication": georep,
        # options the bricks take up only when restarted (TLS) may restart a started volume
        "restart": bool(tls and tls["restart"]),
        "reset_unmanaged": spec.get("reset_unmanaged", False) is True,
        "allow_shrink": spec.get("allow_shrink", False) is True,
        "allow_replace": spec.get("allow_replace", False) is True,
        "rebalance": rebalance,
        **timeouts,
    }


def _clients(pillar, nodes, volumes, problems, wait):
    raw = pillar.get("clients") or {}
    clients = {}
    if not isinstance(raw, dict):
        problems.add("gluster:clients", "must be a mapping of minion id -> {mounts: {...}}")
        return clients
    for minion_id, spec in raw.items():
        path = f"gluster:clients:{minion_id}"
        mounts = spec.get("mounts") if isinstance(spec, dict) else None
        if not isinstance(mounts, dict) or not mounts:
            problems.add(f"{path}:mounts", "must be a mapping of mount point -> {volume: ...}")
            continue
        result = {}
        for mountpoint, mount in mounts.items():
            mpath = f"{path}:mounts:{mountpoint}"
            found = validate.brick_path_problems(mountpoint, "mount point")
            if found:
                problems.add(mpath, "; ".join(found))
                continue
            if not isinstance(mount, dict):
                problems.add(mpath, "must be a mapping with at least volume")
                continue
            for key in mount:
                if key not in MOUNT_KEYS:
                    problems.add(f"{mpath}:{key}", f"unknown key; allowed: {', '.join(sorted(MOUNT_KEYS))}")
            volume = mount.get("volume")
            if not isinstance(volume, str) or volume not in volumes or volumes[volume]["ensure"] != "present":
                problems.add(f"{mpath}:volume", f"{volume!r} is not a volume present in gluster:volumes")
                continue
            options = mount.get("options", [])
            if isinstance(options, str):
                options = [o for o in options.split(",") if o]
            if not isinstance(options, list):
                problems.add(f"{mpath}:options", f"{options!r} must be a list of mount options")
                continue
            bad = [o for o in options if not isinstance(o, str) or not MOUNT_OPTION_RE.fullmatch(o)]
            if bad:
                problems.add(
                    f"{mpath}:options", f"{bad!r}: mount options are words like noatime or key=value"
                )
                continue
            hosts = list(dict.fromkeys(b.rpartition(":")[0] for b in volumes[volume]["bricks"]))
            server = mount.get("server", hosts[0] if hosts else None)
            server = nodes.get(server, server) if isinstance(server, str) else server
            found = validate.hostname_problems(server, "server")
            if found:
                problems.add(f"{mpath}:server", "; ".join(found))
                continue
            backups = [h for h in hosts if h != server]
            all_options = ["_netdev"] + [o for o in options if o != "_netdev"]
            if backups:
                all_options.append("backup-volfile-servers=" + ":".join(backups))
            for key in ("persist", "mounted"):
                if key in mount and not _is_bool(mount[key]):
                    problems.add(f"{mpath}:{key}", f"{mount[key]!r} must be true or false")
            fstab = mount.get("fstab", "/etc/fstab")
            found = validate.brick_path_problems(fstab, "fstab")
            if found:
                problems.add(f"{mpath}:fstab", "; ".join(found))
            result[mountpoint] = {
                "volume": volume,
                "device": f"{server}:/{volume}",
                "server": server,
                "backup_servers": backups,
                "options": all_options,
                "persist": mount.get("persist", True) is not False,
                "mounted": mount.get("mounted", True) is not False,
                "fstab": fstab,
                # a volume not started yet is retried (concurrent highstate), bounded by peer_timeout
                "retry_interval": MOUNT_RETRY_INTERVAL,
                "retry_attempts": wait // MOUNT_RETRY_INTERVAL + 1,
            }
        clients[str(minion_id)] = {"mounts": result}
    return clients


def _maintenance(raw, problems):
    """``gluster:maintenance``: the commands a rolling restart/upgrade runs on each node."""
    merged = {
        key: list(value) if isinstance(value, list) else value for key, value in MAINTENANCE_DEFAULTS.items()
    }
    if raw is None:
        return merged
    if not isinstance(raw, dict):
        problems.add(
            "gluster:maintenance",
            "must be a mapping (stop_commands, start_commands, heal_timeout, command_timeout)",
        )
        return merged
    for key, value in raw.items():
        path = f"gluster:maintenance:{key}"
        if key not in MAINTENANCE_DEFAULTS:
            problems.add(path, f"unknown key; allowed: {', '.join(sorted(MAINTENANCE_DEFAULTS))}")
        elif key in ("heal_timeout", "command_timeout"):
            if not _int_at_least(value, 1):
                problems.add(path, f"{value!r} must be a whole number of seconds >= 1")
            else:
                merged[key] = value
        elif not isinstance(value, list) or not all(
            isinstance(argv, list)
            and argv
            and all(isinstance(arg, str) and arg and "\0" not in arg for arg in argv)
            for argv in value
        ):
            problems.add(path, "must be a list of commands, each an argv list of strings (no shell)")
        else:
            merged[key] = value
    return merged


def _mount_holding(path, mounts):
    """The deepest of ``mounts`` that ``path`` lies strictly below, or None."""
    above = [m for m in mounts if path.startswith(m + "/")]
    return max(above, key=len) if above else None


def _brick_devices(raw, nodes, volumes, problems):
    """gluster:brick_devices: node -> mount point -> backend spec (see _utils/gluster_storage.py)."""
    result = {}
    if raw is None:
        return result
    if not isinstance(raw, dict):
        problems.add(
            "gluster:brick_devices", "must be a mapping of node (minion id) -> mount point -> device spec"
        )
        return result
    for minion_id, mounts in raw.items():
        path = f"gluster:brick_devices:{minion_id}"
        if str(minion_id) not in nodes:
            problems.add(path, f"{minion_id!r} is not a node in gluster:nodes")
            continue
        if not isinstance(mounts, dict):
            problems.add(path, "must be a mapping of mount point -> {device: /dev/..., ...}")
            continue
        backends, devices = {}, {}
        for mount, spec in mounts.items():
            where = f"{path}:{mount}"
            found = storage.backend_problems(mount, spec, where)
            if found:
                problems.extend(found)
                continue
            backend = storage.normalise(mount, spec)
            if backend["device"] in devices:
                problems.add(
                    f"{where}:device", f"{backend['device']} is already used for {devices[backend['device']]}"
                )
                continue
            devices[backend["device"]] = mount
            backends[mount] = backend
        for mount in backends:
            outer = _mount_holding(mount, backends)
            if outer:
                problems.add(
                    f"{path}:{mount}", f"lies inside the mount point {outer}; brick filesystems must not nest"
                )
        address = nodes[str(minion_id)]
        for name, volume in volumes.items():
            for brick in volume.get("bricks", []):
                host, _sep, brick_dir = brick.rpartition(":")
                if host == address and brick_dir in backends:
                    problems.add(
                        f"gluster:volumes:{name}",
                        f"brick {brick} is the mount point of a brick device; use a sub-directory "
                        f"(e.g. {brick_dir}/brick) so an unmounted disk never fills the filesystem below",
                    )
        result[str(minion_id)] = backends
    return result


def _firewall(raw, server, nodes, volumes, problems):
    """``gluster:firewall`` -> the ports every node opens (see ``_utils/gluster_firewall.py``);
    a brick port range smaller than a node's brick count is refused."""
    per_host = {}
    for volume in volumes.values():
        for brick in volume.get("bricks", []):
            host = brick.rpartition(":")[0]
            per_host[host] = per_host.get(host, 0) + 1
    named = {address: f"node {minion} ({address})" for minion, address in nodes.items()}
    settings, found = firewall.pillar_settings(
        raw,
        server.get("glusterd_options"),
        {named.get(host, host): count for host, count in per_host.items()},
    )
    problems.extend(found)
    return settings


def build_model(pillar, minion_id=None):
    """``(model, problems)`` for the ``gluster`` pillar as seen by ``minion_id``.

    ``problems`` lists every problem found (pillar path first); the model is only meaningful
    when it is empty.
    """
    problems = _Problems()
    if pillar is None:
        pillar = {}
    if not isinstance(pillar, dict):
        problems.add("gluster", "must be a mapping")
        return {}, problems
    _unknown_keys(pillar, sorted(TOP_KEYS), "gluster", problems)
    nodes = _nodes(pillar, problems)
    raw_nodes = pillar.get("nodes") if isinstance(pillar.get("nodes"), dict) else {}
    leader = pillar.get("leader", next(iter(raw_nodes), None))
    if (raw_nodes or "leader" in pillar) and (not isinstance(leader, str) or leader not in raw_nodes):
        problems.add("gluster:leader", f"{leader!r} is not a minion id in gluster:nodes")
    peer_timeout = pillar.get("peer_timeout", 120)
    if not _int_at_least(peer_timeout, 1):
        problems.add("gluster:peer_timeout", f"{peer_timeout!r} must be a whole number of seconds >= 1")
    volume_workers = pillar.get("volume_workers", VOLUME_WORKERS_DEFAULT)
    if not _int_at_least(volume_workers, 1) or volume_workers > VOLUME_WORKERS_MAX:
        problems.add(
            "gluster:volume_workers",
            f"{volume_workers!r} must be a whole number from 1 (one volume after another) "
            f"to {VOLUME_WORKERS_MAX}",
        )
        volume_workers = 1
    op_version = pillar.get("op_version")
    if op_version is not None and op_version != "max" and not _int_at_least(op_version, 1):
        problems.add("gluster:op_version", f"{op_version!r} must be max or a number")
    server = pillar.get("server") or {}
    if not isinstance(server, dict):
        problems.add("gluster:server", "must be a mapping")
        server = {}
    for key, value in server.items():
        if key not in SERVER_KEYS:
            problems.add(f"gluster:server:{key}", f"unknown key; allowed: {', '.join(sorted(SERVER_KEYS))}")
        elif key == "glusterd_options":
            if value and not isinstance(value, dict):
                problems.add(f"gluster:server:{key}", "must be a mapping of glusterd.vol option -> value")
            elif value:  # each becomes a line "option KEY VALUE" of glusterd.vol
                problems.extend(validate.options_problems(value, where=f"gluster:server:{key}"))
        elif not _is_bool(value):
            problems.add(f"gluster:server:{key}", f"{value!r} must be true or false")
    volumes = {}
    raw_volumes = pillar.get("volumes") or {}
    if not isinstance(raw_volumes, dict):
        problems.add("gluster:volumes", "must be a mapping of volume name -> definition")
        raw_volumes = {}
    defined_profiles = _profiles(pillar.get("profiles"), problems)
    groups_dir = pillar.get("groups_dir")
    if groups_dir is not None and (
        not isinstance(groups_dir, str) or validate.brick_path_problems(groups_dir)
    ):
        problems.add(
            "gluster:groups_dir",
            f"{groups_dir!r} must be an absolute directory path (gluster's option group files)",
        )
    for name, spec in raw_volumes.items():
        volume = _volume(str(name), spec, nodes, problems, defined_profiles)
        if volume is not None:
            volumes[str(name)] = volume
    members_wait = pillar.get("members_wait", True)
    for key in ("members_wait", "detach_removed_nodes"):
        if key in pillar and not _is_bool(pillar[key]):
            problems.add(f"gluster:{key}", f"{pillar[key]!r} must be true or false")
    maintenance = _maintenance(pillar.get("maintenance"), problems)
    clients = _clients(
        pillar, nodes, volumes, problems, peer_timeout if _int_at_least(peer_timeout, 1) else 120
    )
    brick_devices = _brick_devices(pillar.get("brick_devices"), nodes, volumes, problems)
    tls = _tls(pillar.get("tls"), nodes, problems)
    _tls_options(volumes, clients, nodes, tls)
    firewall_settings = _firewall(pillar.get("firewall"), server, nodes, volumes, problems)
    glusterd_options = (
        server.get("glusterd_options") if isinstance(server.get("glusterd_options"), dict) else {}
    )
    address_family = _address_family(
        pillar.get("address_family"), glusterd_options, volumes, clients, problems
    )
    mountbroker = _mountbroker(pillar.get("mountbroker"), problems)
    for option in (mountbroker or {}).get("glusterd_options", {}):
        if option in glusterd_options:
            problems.add(f"gluster:server:glusterd_options:{option}", "set by gluster:mountbroker")
    address = nodes.get(minion_id)
    brick_dirs = sorted(
        {
            brick.rpartition(":")[2]
            for volume in volumes.values()
            for brick in volume.get("bricks", [])
            if address and brick.rpartition(":")[0] == address
        }
    )
    backends = brick_devices.get(minion_id, {})
    holding = {directory: _mount_holding(directory, backends) for directory in brick_dirs}
    model = {
        "nodes": nodes,
        "leader": leader,
        "leader_address": nodes.get(leader) if isinstance(leader, str) else None,
        "peer_timeout": peer_timeout,
        "volume_workers": volume_workers,
        "members_wait": members_wait is not False,
        "detach_removed_nodes": pillar.get("detach_removed_nodes", False) is True,
        "maintenance": maintenance,
        "op_version": op_version,
        "cluster_options": _cluster_options(pillar.get("cluster_options"), problems),
        "snapshots": _snapshots("gluster:snapshots", pillar.get("snapshots"), list(SNAPSHOT_KEYS), problems),
        "tls": tls,
        "georep_from": _georep_from(pillar.get("geo_replication_from"), problems),
        "repo": _repo(pillar.get("repo"), problems),
        "version": _package_version(pillar.get("version"), problems),
        "address_family": address_family,
        "server": {
            "manage_packages": server.get("manage_packages", True) is not False,
            "manage_service": server.get("manage_service", True) is not False,
            # gluster:firewall:brick_ports also sets glusterd.vol's base-port / max-port
            "glusterd_options": {
                **glusterd_options,
                **firewall_settings.pop("glusterd_options"),
                **(mountbroker or {}).get("glusterd_options", {}),
                **({FAMILY_OPTION: address_family} if address_family != "inet" else {}),
            },
        },
        "mountbroker": mountbroker,
        "monitoring": _monitoring(pillar.get("monitoring"), problems),
        "volumes": volumes,
        "clients": clients,
        "brick_devices": brick_devices,
        "firewall": firewall_settings,
        "minion": {
            "id": minion_id,
            "is_node": address is not None,
            "is_leader": minion_id is not None and minion_id == leader and minion_id in nodes,
            "is_client": minion_id in clients,
            "address": address,
            "brick_dirs": brick_dirs,
            # this node's brick filesystems (mount point -> backend spec), and for each of its
            # bricks (address:/path) on one of them, that mount point
            "backends": backends,
            "brick_mounts": {f"{address}:{d}": mount for d, mount in holding.items() if mount},
        },
    }
    # pillar paths hold the user's own keys: a newline or bidi control in one must not forge a line
    return model, [_printable(problem) for problem in problems]
