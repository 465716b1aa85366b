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


# Cluster-wide settings gluster 10.3 lists among every volume's options once set
# (``snapshot config auto-delete`` / ``activate-on-create``: seen in ``volume info``). They
# belong to ``gluster.snapshot_config``; ``reset_unmanaged`` of one volume leaves them alone.
CLUSTER_WIDE_SHOWN = frozenset({"auto-delete", "snap-activate-on-create"})


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


# Options whose change on a volume holding data is not a tuning matter: turning sharding off
# leaves every file written in shards readable only in pieces. A plan never turns them off.
ONE_WAY = {"features.shard": "files written while sharding was on would be readable only as their first shard"}


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
