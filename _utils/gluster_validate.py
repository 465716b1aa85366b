"""Validation of every name, path and value before it reaches the gluster CLI.

Each ``*_problems`` function returns a list of human-readable problems (empty when the input is
fine), prefixed with ``where`` (the argument or pillar key being checked), so that callers can
report all problems at once. ``raise_if_problems`` turns such a list into one
``SaltInvocationError``. Nothing here runs a command.
"""

import ipaddress
import posixpath
import re

from salt.exceptions import SaltInvocationError

VOLUME_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
VOLUME_NAME_MAX = 128
RESERVED_VOLUME_NAMES = {"all", "help", "info", "list", "status"}
HOST_LABEL_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
HOSTNAME_MAX = 253
BRICK_PATH_RE = re.compile(r"^/[A-Za-z0-9._@+=,/-]*$")
BRICK_PATH_MAX = 4000
OPTION_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
OPTION_KEY_MAX = 256
OPTION_VALUE_MAX = 4096
TRANSPORTS = ("tcp", "rdma", "tcp,rdma")


def _show(value, limit=60):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "...'"


def raise_if_problems(problems, what="invalid input"):
    """Raise one ``SaltInvocationError`` listing every problem, or return quietly."""
    if problems:
        raise SaltInvocationError(f"{what}: " + "; ".join(problems))


def volume_name_problems(name, where="volume name"):
    """A volume name: letters, digits, ``-`` and ``_``, starting with a letter or digit."""
    if not isinstance(name, str) or not name:
        return [f"{where} must be a non-empty string, got {_show(name)}"]
    if len(name) > VOLUME_NAME_MAX:
        return [f"{where} {_show(name)} is {len(name)} characters long; at most {VOLUME_NAME_MAX} allowed"]
    if not VOLUME_NAME_RE.fullmatch(name):
        return [
            f"{where} {_show(name)} is not allowed: use letters, digits, '-' and '_', "
            "starting with a letter or digit (no spaces, dots, slashes or shell characters)"
        ]
    if name.lower() in RESERVED_VOLUME_NAMES:
        return [f"{where} {_show(name)} is reserved by the gluster CLI; choose another name"]
    return []


def hostname_problems(host, where="host"):
    """A peer address: a DNS name (RFC 1123 labels) or an IPv4/IPv6 address."""
    if not isinstance(host, str) or not host:
        return [f"{where} must be a non-empty hostname or IP address, got {_show(host)}"]
    literal = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        ipaddress.ip_address(literal)
        return []
    except ValueError:
        pass
    if len(host) > HOSTNAME_MAX:
        return [f"{where} {_show(host)} is longer than {HOSTNAME_MAX} characters"]
    labels = host[:-1].split(".") if host.endswith(".") else host.split(".")
    if not all(HOST_LABEL_RE.fullmatch(label) for label in labels):
        return [
            f"{where} {_show(host)} is not a valid hostname or IP address: use letters, digits, "
            "'-' and '.', no leading '-', no spaces or shell characters"
        ]
    return []


def brick_path_problems(path, where="brick path"):
    """An absolute, normalised path with no ``..``, whitespace or shell characters."""
    if not isinstance(path, str) or not path.startswith("/"):
        return [f"{where} {_show(path)} must be an absolute path starting with '/'"]
    if len(path) > BRICK_PATH_MAX:
        return [f"{where} is {len(path)} characters long; at most {BRICK_PATH_MAX} allowed"]
    if not BRICK_PATH_RE.fullmatch(path):
        return [
            f"{where} {_show(path)} holds characters that are not allowed: use letters, digits "
            "and . _ - + = , @ /"
        ]
    parts = path.split("/")
    if ".." in parts or "." in parts:
        return [f"{where} {_show(path)} must not contain '.' or '..' components"]
    if path == "/" or "//" in path or posixpath.normpath(path) != path:
        return [f"{where} {_show(path)} is not a normalised directory path (no '//', no trailing '/', not '/')"]
    return []


def brick_problems(spec, where="brick"):
    """A brick spec ``host:/absolute/path``."""
    if not isinstance(spec, str) or ":" not in spec:
        return [f"{where} {_show(spec)} must be written host:/absolute/path"]
    host, _sep, path = spec.rpartition(":")
    return hostname_problems(host, f"{where} {_show(spec)} host") + brick_path_problems(
        path, f"{where} {_show(spec)} path"
    )


def option_key_problems(key, where="option"):
    if not isinstance(key, str) or not key:
        return [f"{where} name must be a non-empty string, got {_show(key)}"]
    if len(key) > OPTION_KEY_MAX or not OPTION_KEY_RE.fullmatch(key):
        return [
            f"{where} name {_show(key)} is not allowed: use letters, digits, '.', '-' and '_' "
            "(for example performance.cache-size)"
        ]
    return []


def option_value(value):
    """Pillar value -> the string gluster takes: booleans as on/off, numbers as digits."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, (int, float)):
        return str(value)
    return value


def option_value_problems(key, value, where="option"):
    value = option_value(value)
    if not isinstance(value, str):
        return [f"{where} {key} must be a string, number or boolean, got {type(value).__name__}"]
    if value == "":
        return [f"{where} {key} has an empty value; use volume_reset to go back to the default"]
    if len(value) > OPTION_VALUE_MAX:
        return [f"{where} {key} value is {len(value)} characters long; at most {OPTION_VALUE_MAX} allowed"]
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return [f"{where} {key} value {_show(value)} contains a newline or control character"]
    if value.startswith("--"):
        return [f"{where} {key} value {_show(value)} must not start with '--'"]
    return []


def options_problems(options, where="options"):
    if not isinstance(options, dict) or not options:
        return [f"{where} must be a non-empty mapping of option name to value"]
    problems = []
    for key, value in options.items():
        problems += option_key_problems(key, where)
        problems += option_value_problems(key, value, where)
    return problems


def _count_problem(value, name, minimum):
    if value is None:
        return None, []
    if isinstance(value, bool):
        return None, [f"{name} must be a whole number, got {_show(value)}"]
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None, [f"{name} must be a whole number, got {_show(value)}"]
    if number < minimum or str(number) != str(value).strip():
        return None, [f"{name} must be a whole number of at least {minimum}, got {_show(value)}"]
    return number, []


def layout_problems(
    bricks, replica=None, arbiter=None, disperse=None, redundancy=None, transport="tcp", where="volume"
):
    """Check a volume layout the way ``gluster volume create`` would, before calling it.

    Brick specs are valid and distinct; replica (>= 2) and disperse (>= 3) exclude each other;
    arbiter is 1 and only with replica 3; redundancy is below half of the disperse count; the
    brick count is a multiple of the replica or disperse count.
    """
    problems = []
    if not isinstance(bricks, (list, tuple)) or not bricks:
        return [f"{where}: bricks must be a non-empty list of host:/path entries"]
    for index, spec in enumerate(bricks):
        problems += brick_problems(spec, f"{where} brick {index + 1}")
    duplicates = sorted({spec for spec in bricks if list(bricks).count(spec) > 1}, key=str)
    if duplicates:
        problems.append(f"{where}: bricks listed twice: {', '.join(map(str, duplicates))}")
    replica, found = _count_problem(replica, f"{where}: replica", 2)
    problems += found
    arbiter, found = _count_problem(arbiter, f"{where}: arbiter", 1)
    problems += found
    disperse, found = _count_problem(disperse, f"{where}: disperse", 3)
    problems += found
    redundancy, found = _count_problem(redundancy, f"{where}: redundancy", 1)
    problems += found
    if transport not in TRANSPORTS:
        problems.append(f"{where}: transport {_show(transport)} must be one of {', '.join(TRANSPORTS)}")
    count = len(bricks)
    if replica and disperse:
        problems.append(f"{where}: replica and disperse cannot both be set; choose one volume type")
    if arbiter is not None:
        if arbiter != 1:
            problems.append(f"{where}: arbiter must be 1 (one arbiter brick per replica set)")
        if replica != 3:
            problems.append(f"{where}: arbiter needs replica 3 (two data bricks and one arbiter per set)")
    if redundancy is not None and not disperse:
        problems.append(f"{where}: redundancy is only valid with disperse")
    if disperse:
        if redundancy is not None and not 2 * redundancy < disperse:
            problems.append(
                f"{where}: redundancy {redundancy} must be less than half of disperse {disperse}"
            )
        if count % disperse:
            problems.append(
                f"{where}: {count} bricks cannot be split into disperse sets of {disperse}; "
                f"use a multiple of {disperse} bricks"
            )
    if replica and count % replica:
        problems.append(
            f"{where}: {count} bricks cannot be split into replica sets of {replica}; "
            f"use a multiple of {replica} bricks"
        )
    return problems
