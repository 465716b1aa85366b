"""Where volume options are diffed: normalise values, compare desired with current.

Pure functions, no I/O. Values are compared after normalisation so that equivalent spellings do
not flap between runs: ``on``/``enable``/``true``/``yes`` are one value (and so are their
opposites), and sizes compare in bytes (``64MB`` == ``65536KB`` == ``67108864``; gluster's size
units are binary).
"""

import re
from fractions import Fraction

TRUE_WORDS = {"on", "enable", "enabled", "true", "yes"}
FALSE_WORDS = {"off", "disable", "disabled", "false", "no"}
SIZE_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*([kmgtp]?)(b?)$", re.IGNORECASE)
UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4, "p": 1024**5}

# Options gluster 10 sets by itself on every new volume. ``reset_unmanaged`` leaves them alone
# unless the pillar names them, since resetting them would change the volume's defaults.
CREATION_DEFAULTS = frozenset(
    {
        "transport.address-family",
        "nfs.disable",
        "storage.fips-mode-rchecksum",
        "cluster.granular-entry-heal",
        "performance.client-io-threads",
    }
)


# gluster's cluster-wide options (``volume set all``) as gluster 10.3 lists them in
# ``volume get all all`` (tests/data/cluster_options_get_default.xml), without the op-version
# pair (``gluster.op_version`` raises it; max-op-version is read-only): the values of
# ``gluster:cluster_options``. Each kind is validated the way gluster takes it.
CLUSTER_OPTIONS = {
    "cluster.brick-multiplex": "switch",
    "cluster.max-bricks-per-process": "count",
    "cluster.enable-shared-storage": "switch",
    "cluster.server-quorum-ratio": "percent",
    "cluster.localtime-logging": "switch",
    "cluster.daemon-log-level": "log-level",
    "cluster.brick-graceful-cleanup": "switch",
    "glusterd.vol_count_per_thread": "count",
}
CLUSTER_OP_VERSION = ("cluster.op-version", "cluster.max-op-version")
DAEMON_LOG_LEVELS = ("INFO", "WARNING", "ERROR", "CRITICAL", "NONE", "DEBUG", "TRACE")

# Cluster-wide settings gluster 10.3 lists among every volume's options once set: the snapshot
# settings (``snapshot config auto-delete`` / ``activate-on-create``) and the options set with
# ``volume set all`` (cluster_options_volume_info_after.xml: server-quorum-ratio,
# max-bricks-per-process, brick-multiplex). They belong to ``gluster.snapshot_config`` and
# ``gluster.cluster_options``; ``reset_unmanaged`` of one volume leaves them alone.
CLUSTER_WIDE_SHOWN = frozenset(
    {"auto-delete", "snap-activate-on-create", *CLUSTER_OPTIONS, *CLUSTER_OP_VERSION}
)


def normalise(value):
    """One canonical string for equivalent option values."""
    text = str(value).strip()
    lower = text.lower()
    if lower in TRUE_WORDS:
        return "on"
    if lower in FALSE_WORDS:
        return "off"
    match = SIZE_RE.match(text)
    if match and (match.group(2) or match.group(3) or "." not in match.group(1)):
        number = Fraction(match.group(1)) * UNITS[match.group(2).lower()]
        if number.denominator == 1:
            return str(number.numerator)
    return text


def same(desired, current):
    return current is not None and normalise(desired) == normalise(current)


def diff(desired, current, reset_unmanaged=False):
    """What turns ``current`` (the options set on a volume) into ``desired``.

    Returns ``(to_set, to_reset)``: a dict of options whose value differs (desired spelling
    kept) and a sorted list of options set on the volume that the pillar does not name (only
    with ``reset_unmanaged``; gluster's creation defaults and the cluster-wide snapshot settings
    it lists with every volume are never in it).
    """
    to_set = {key: value for key, value in desired.items() if not same(value, current.get(key))}
    to_reset = []
    if reset_unmanaged:
        to_reset = sorted(
            key for key in current
            if key not in desired and key not in CREATION_DEFAULTS and key not in CLUSTER_WIDE_SHOWN
        )  # fmt: skip
    return to_set, to_reset


def cluster_value(key, value):
    """The pillar's value of cluster-wide option ``key`` as gluster takes it: ``enable`` /
    ``disable`` for a switch (gluster's own words for every one of them; shared storage takes
    no other), a percentage with its ``%``, a log level in capitals; ``(value, problem)``."""
    kind = CLUSTER_OPTIONS[key]
    text = str(value).strip()
    if kind == "switch":
        word = normalise(text) if not isinstance(value, bool) else ("on" if value else "off")
        if word not in ("on", "off"):
            return None, f"{value!r} must be true or false (enable / disable)"
        return ("enable" if word == "on" else "disable"), None
    if kind == "count":
        if (
            isinstance(value, bool)
            or not text.isascii()
            or not text.isdigit()
            or (key.startswith("glusterd.") and int(text) < 1)
        ):
            return None, f"{value!r} must be a whole number" + (
                " >= 1" if key.startswith("glusterd.") else " (0: no limit)"
            )
        return str(int(text)), None
    if kind == "percent":
        number = text[:-1] if text.endswith("%") else text
        if (
            isinstance(value, bool)
            or not number.isascii()
            or not number.isdigit()
            or not 0 <= int(number) <= 100
        ):
            return None, f"{value!r} must be a percentage from 0 to 100"
        return f"{int(number)}%", None
    if text.upper() not in DAEMON_LOG_LEVELS:
        return None, f"{value!r} must be one of {', '.join(DAEMON_LOG_LEVELS)}"
    return text.upper(), None


def cluster_same(key, wanted, current):
    """Whether cluster-wide option ``key`` already has the ``wanted`` value (``cluster_value``'s
    spelling) given gluster's ``current`` one: ``51`` (the default's spelling) is ``51%``."""
    if current is None:
        return False
    if CLUSTER_OPTIONS.get(key) == "percent":
        return str(current).strip().rstrip("%") == str(wanted).rstrip("%")
    if CLUSTER_OPTIONS.get(key) == "log-level":
        return str(current).strip().upper() == str(wanted).upper()
    return same(wanted, current)


def cluster_plan(wanted, current):
    """``{option: value}`` of the cluster-wide options in ``wanted`` (validated values) whose
    ``current`` value (``volume get all all``) differs, in the pillar's order."""
    return {key: value for key, value in wanted.items() if not cluster_same(key, value, current.get(key))}


# Options whose change on a volume holding data is not a tuning matter: turning sharding off
# leaves every file written in shards readable only in pieces. A plan never turns them off.
ONE_WAY = {
    "features.shard": "files written while sharding was on would be readable only as their first shard"
}


def one_way_problems(name, current, to_set, to_reset):
    """Changes of ``ONE_WAY`` options from on to off (set off, or reset to gluster's default
    off) on volume ``name``: refused, with why."""
    problems = []
    for key, why in ONE_WAY.items():
        if normalise(current.get(key, "off")) != "on":
            continue
        if key in to_reset or (key in to_set and normalise(to_set[key]) != "on"):
            problems.append(
                f"volume {name}: {key} is on and the plan would turn it off: {why}; "
                f"keep {key}: on (in the options or a profile), or turn it off by hand "
                f"(gluster.volume_set {name} {key}=off) if that is really meant"
            )
    return problems


def parse_group(text):
    """A gluster option group file (``/var/lib/glusterd/groups/virt``: one ``key=value`` per
    line; blank lines and ``#`` comments skipped) -> ``(options, problems)``, problems naming
    the line. Keys are returned as written; the caller validates them."""
    options, problems = {}, []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            problems.append(f"line {number}: {raw.strip()[:80]!r} is not key=value")
        elif key in options:
            problems.append(f"line {number}: {key} given twice")
        else:
            options[key] = value
    return options, problems


# Options the bricks of a started volume only take up when they restart: set on a running volume
# they show in ``volume info`` but the bricks keep listening as before (gluster 10.3: with
# server.ssl turned on, a plain client still mounted and a TLS client failed until the volume
# was stopped and started).
RESTART_OPTIONS = frozenset({"client.ssl", "server.ssl"})


def restart_needed(to_set, to_reset):
    """The options of a plan that need the volume's bricks restarted, sorted."""
    return sorted(RESTART_OPTIONS & (set(to_set) | set(to_reset)))
