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
    with ``reset_unmanaged``; gluster's creation defaults are never in it).
    """
    to_set = {key: value for key, value in desired.items() if not same(value, current.get(key))}
    to_reset = []
    if reset_unmanaged:
        to_reset = sorted(key for key in current if key not in desired and key not in CREATION_DEFAULTS)
    return to_set, to_reset
