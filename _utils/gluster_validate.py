"""Validation of every name, path and value before it reaches the gluster CLI.

Each ``*_problems`` function returns a list of human-readable problems (empty when the input is
fine), prefixed with ``where`` (the argument or pillar key being checked), so that callers can
report all problems at once. ``raise_if_problems`` turns such a list into one
``SaltInvocationError``. Nothing here runs a command.
"""

import base64
import binascii
import fnmatch
import hashlib
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
NAME_MAX = 255  # the longest file name (one path component) Linux allows
# an IPv6 zone (``fe80::1%eth0``): an interface name, as ``ipaddress`` takes any text there
IPV6_ZONE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$")
OPTION_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# a tuning profile: a gluster group file name (no path) or a pillar-defined one
PROFILE_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
OPTION_KEY_MAX = 256
OPTION_VALUE_MAX = 4096
TRANSPORTS = ("tcp", "rdma", "tcp,rdma")


SECONDS_MAX = 86400  # a day: the longest wait any function or state takes


def seconds(value):
    """``value`` as a number of seconds from 0 to :data:`SECONDS_MAX`, or ``None`` when it is
    not one (not a number, negative, too long, NaN)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number <= SECONDS_MAX else None  # also refuses NaN


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
    if len(host) > HOSTNAME_MAX:
        return [f"{where} {_show(host)} is longer than {HOSTNAME_MAX} characters"]
    literal = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        ipaddress.ip_address(literal)
    except ValueError:
        pass
    else:
        zone = literal.partition("%")[2]
        if "%" in literal and not IPV6_ZONE_RE.fullmatch(zone):
            return [f"{where} {_show(host)}: the IPv6 zone after '%' must be an interface name (e.g. eth0)"]
        return []
    labels = host[:-1].split(".") if host.endswith(".") else host.split(".")
    if not all(HOST_LABEL_RE.fullmatch(label) for label in labels):
        return [
            f"{where} {_show(host)} is not a valid hostname or IP address: use letters, digits, "
            "'-' and '.', no leading '-', no spaces or shell characters"
        ]
    return []


# a minion id a reactor may target (as a one-entry list): a subset of what Salt itself accepts
# (salt.utils.verify.valid_id refuses '/', '\\' and NUL), without Salt's target characters
MINION_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")


def minion_id_problems(name, where="minion id"):
    """A single minion id: letters, digits, ``.``, ``_`` and ``-`` (no glob, list or compound
    characters), at most 255 characters."""
    if not isinstance(name, str) or not MINION_ID_RE.fullmatch(name):
        return [
            f"{where} {_show(name)} must be one minion id "
            "(letters, digits, '.', '_', '-'; no '*', ',', spaces)"
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
    if long_component(path):
        return [f"{where} {_show(path)} has a component longer than {NAME_MAX} characters"]
    if path == "/" or "//" in path or posixpath.normpath(path) != path:
        return [
            f"{where} {_show(path)} is not a normalised directory path (no '//', no trailing '/', not '/')"
        ]
    return []


def long_component(path):
    """The first component of ``path`` longer than a file name may be (``NAME_MAX``), or None."""
    return next((part for part in path.split("/") if len(part) > NAME_MAX), None)


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


# gluster's CLI reads every argv word that starts with '--' as one of its own options, wherever
# the word stands (``--remote-host=H`` sends the command to another glusterd, ``--log-file=F``
# writes where it says): no value of ours may start with it
GLUSTER_OPTION_PREFIX = "--"


def cli_word_problems(text, where):
    """The one rule for free text placed in a gluster argv (option values, snapshot
    descriptions, geo-replication config values): it must not start with ``--``."""
    if isinstance(text, str) and text.startswith(GLUSTER_OPTION_PREFIX):
        return [
            f"{where} {_show(text)} must not start with '--' "
            "(gluster would read it as one of its own options)"
        ]
    return []


def option_value_problems(key, value, where="option"):
    value = option_value(value)
    if not isinstance(value, str):
        return [f"{where} {key} must be a string, number or boolean, got {type(value).__name__}"]
    if value == "":
        return [f"{where} {key} has an empty value; use volume_reset to go back to the default"]
    if len(value) > OPTION_VALUE_MAX:
        return [f"{where} {key} value is {len(value)} characters long; at most {OPTION_VALUE_MAX} allowed"]
    if any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in value):
        return [f"{where} {key} value {_show(value)} contains a newline or control character"]
    if not value.isprintable():
        # zero-width and bidi formatting characters, non-ASCII spaces, line separators: they
        # hide or reorder text (gluster keeps values in line-based files and prints them back)
        return [f"{where} {key} value {_show(value)} contains an invisible or line-separating character"]
    return cli_word_problems(value, f"{where} {key} value")


def options_problems(options, where="options"):
    if not isinstance(options, dict) or not options:
        return [f"{where} must be a non-empty mapping of option name to value"]
    problems = []
    for key, value in options.items():
        found = option_key_problems(key, where)
        # a bad name is reported alone: the value's problems would repeat the name unquoted
        problems += found or option_value_problems(key, value, where)
    return problems


IPV6_WILDCARD_RE = re.compile(r"^[0-9a-f:]*\*[0-9a-f:*]*$")
IPV4_PART_RE = re.compile(r"^(\*|[0-9]{1,3})$")


def auth_address_problems(entry, where="address"):
    """One entry of a volume's ``auth.allow`` / ``auth.reject`` list, as gluster 10 matches it
    against the address a client connects from: an IPv4 or IPv6 address, an IPv4 network
    (``10.0.0.0/24``), an address with ``*`` standing for whole parts (``192.168.1.*``,
    ``10.*``, ``2001:db8::*``, ``*`` alone: everyone) or a hostname (the bricks resolve it)."""
    if not isinstance(entry, str) or not entry:
        return [f"{where} must be a non-empty string, got {_show(entry)}"]
    text = entry
    if len(text) > HOSTNAME_MAX:
        return [f"{where} {_show(entry)} is longer than {HOSTNAME_MAX} characters"]
    if text.startswith("!"):
        return [f"{where} {_show(entry)}: gluster 10 has no negation; list the address under reject instead"]
    if "/" in text:
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            return [f"{where} {_show(entry)} is not an IPv4 network in CIDR form (e.g. 10.0.0.0/24)"]
        if network.version == 6:
            return [f"{where} {_show(entry)}: gluster 10 takes CIDR networks for IPv4 only; use a wildcard "
                    "such as 2001:db8::* for IPv6"]  # fmt: skip
        if str(network) != text:
            return [f"{where} {_show(entry)} has host bits set; the network is {network}"]
        return []
    if text.startswith("[") and text.endswith("]"):
        return [f"{where} {_show(entry)}: write IPv6 addresses without brackets"]
    if "%" in text:
        return [f"{where} {_show(entry)}: an IPv6 scope (%interface) never matches a client address"]
    if "*" in text:
        if ":" in text:
            if IPV6_WILDCARD_RE.fullmatch(text.lower()):
                return []
        else:
            parts = text.split(".")
            whole = all(IPV4_PART_RE.fullmatch(p) and (p == "*" or int(p) <= 255) for p in parts)
            if whole and len(parts) <= 4 and (len(parts) == 4 or parts[-1] == "*"):
                return []
        return [
            f"{where} {_show(entry)}: a wildcard stands for whole parts of an address (192.168.1.*, "
            "10.*, 2001:db8::*, or * for everyone); hostnames cannot have wildcards (gluster "
            "matches the pattern against the client's address)"
        ]
    try:
        ipaddress.ip_address(text)
        return []
    except ValueError:
        pass
    if all(label.isdigit() for label in text.rstrip(".").split(".")):
        return [f"{where} {_show(entry)} is not a valid IPv4 address"]
    return hostname_problems(text, where)


def auth_address(entry):
    """An entry ``auth_address_problems`` accepted, in the form gluster compares: IPv6 addresses
    and patterns in lower case, addresses compressed as the client's is printed (``2001:db8::1``)."""
    text = entry
    try:
        return ipaddress.ip_address(text).compressed
    except ValueError:
        return text.lower() if ":" in text else text


def auth_address_matches(entry, address):
    """Whether the accepted ``auth`` entry matches ``address`` (a node's IP address or name), as
    far as that can be told without DNS: a hostname entry matches only the same name."""
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return entry.rstrip(".").lower() == address.rstrip(".").lower()
    if "/" in entry:
        network = ipaddress.ip_network(entry)
        return ip.version == network.version and ip in network
    if "*" in entry:
        return fnmatch.fnmatchcase(ip.compressed, entry)
    try:
        return ipaddress.ip_address(entry) == ip
    except ValueError:
        return False


def count_problems(value, name, minimum):
    """A count (replica, arbiter...) given as a whole number of at least ``minimum``, or None."""
    return _count_problem(value, name, minimum)[1]


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
            problems.append(f"{where}: redundancy {redundancy} must be less than half of disperse {disperse}")
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


QUOTA_SIZE_RE = re.compile(r"^([0-9]{1,16})(B|KB|MB|GB|TB|PB)?$")
QUOTA_UNITS = {None: 1, "B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30, "TB": 1 << 40, "PB": 1 << 50}


def quota_path_problems(path, where="quota path"):
    """A directory of the volume, from its root: ``/`` or a normalised absolute path (the
    brick-path character set)."""
    if path == "/":
        return []
    return brick_path_problems(path, where)


GFID_PATH_RE = re.compile(r"gfid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def volume_file_problems(path, where="file path"):
    """A file of a volume: from its root (``/dir/file``, the brick-path character set) or by
    its GFID (``gfid:<uuid>``, as heal info lists a file it cannot name)."""
    if isinstance(path, str) and GFID_PATH_RE.fullmatch(path):
        return []
    return brick_path_problems(path, where)


def quota_size(value):
    """``10GB`` / ``512MB`` / ``1048576`` -> bytes (gluster's units are powers of 1024), or None."""
    match = (
        QUOTA_SIZE_RE.fullmatch(str(value).strip())
        if isinstance(value, (str, int)) and not isinstance(value, bool)
        else None
    )
    if not match:
        return None
    return int(match.group(1)) * QUOTA_UNITS[match.group(2)]


def quota_size_problems(value, where="quota size"):
    size = quota_size(value)
    if size is None:
        return [
            f"{where} {_show(value)} must be a whole number of bytes "
            "with an optional unit B, KB, MB, GB, TB or PB"
        ]
    if size <= 0:
        return [f"{where} must be more than 0"]
    return []


def quota_limit_problems(hard, soft, objects, where=""):
    """One quota limit: ``hard`` (bytes with a unit, or with ``objects`` a count of files and
    directories) and ``soft`` (percent of hard, or None); ``where`` prefixes the messages."""
    prefix = f"{where} " if where else ""
    if objects:
        problems = (
            count_problems(hard, f"{prefix}hard", 1) if hard is not None else [f"{prefix}hard is missing"]
        )
    else:
        problems = quota_size_problems(hard, f"{prefix}hard")
    if soft is not None:
        problems += soft_percent_problems(soft, f"{prefix}soft")
    return problems


def soft_percent_problems(value, where="soft limit"):
    """A soft limit in percent of the hard limit: a whole number 1-99 (``80`` or ``80%``)."""
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    number = text[:-1] if text.endswith("%") else text
    if not re.fullmatch(r"[0-9]{1,2}", number) or int(number) < 1:
        return [f"{where} {_show(value)} must be a percentage from 1 to 99"]
    return []


def soft_percent(value):
    text = str(value).strip()
    return int(text[:-1] if text.endswith("%") else text)


def profile_name_problems(name, where="profile"):
    """A tuning profile's name: a file name in gluster's groups directory (``virt``,
    ``metadata-cache``...) or a ``gluster:profiles`` key: letters, digits, ``.``, ``_``, ``-``,
    no path."""
    if not isinstance(name, str) or not PROFILE_NAME_RE.fullmatch(name) or name in (".", ".."):
        return [
            f"{where} {_show(name)} must be a name of letters, digits, '.', '_' and '-' "
            "(at most 64), such as virt"
        ]
    return []


SNAPSHOT_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
SNAPSHOT_HARD_LIMIT_MAX = 256  # gluster 10.3: "Expected range 1 - 256"


def snapshot_name_problems(name, where="snapshot name"):
    """A snapshot (or clone) name: letters, digits, ``_``, ``.``, ``-``; at most 128."""
    if not isinstance(name, str) or not SNAPSHOT_NAME_RE.fullmatch(name):
        return [
            f"{where} {_show(name)} must be letters, digits, '_', '.' and '-' "
            "(at most 128, not starting with a sign)"
        ]
    return []


def snapshot_description_problems(text, where="snapshot description"):
    """Free text for ``snapshot create ... description``: printable, one line, at most 1024."""
    if not isinstance(text, str) or not text or len(text) > 1024 or not text.isprintable():
        return [f"{where} must be one line of printable text, 1 to 1024 characters"]
    return cli_word_problems(text, where)


GEOREP_USER_RE = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
GEOREP_CONFIG_KEY_RE = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
GEOREP_CONFIG_VALUE_RE = re.compile(r"^[A-Za-z0-9 ._:/=,%@+-]{0,256}$")


def georep_secondary_problems(secondary, where="secondary"):
    """A geo-replication secondary: ``host::volume`` or ``user@host::volume`` (a non-root
    user through gluster's mount broker)."""
    if not isinstance(secondary, str) or secondary.count("::") != 1:
        return [f"{where} {_show(secondary)} must be host::volume or user@host::volume"]
    target, volume = secondary.split("::")
    user, _, host = target.rpartition("@")
    problems = volume_name_problems(volume, f"{where} volume")
    problems += hostname_problems(host, f"{where} host")
    if user and not GEOREP_USER_RE.fullmatch(user):
        problems.append(f"{where} user {_show(user)} must be a system user name")
    return problems


def georep_config_problems(config, where="geo-replication config"):
    """``{key: value}`` for ``geo-replication ... config KEY VALUE``: keys as gluster names
    them (``sync-jobs``, ``ssh-port``...), values one word or a short phrase."""
    if not isinstance(config, dict):
        return [f"{where} must be a mapping of option -> value"]
    problems = []
    for key, value in config.items():
        if not isinstance(key, str) or not GEOREP_CONFIG_KEY_RE.fullmatch(key):
            problems.append(f"{where} option {_show(key)} must be a name such as sync-jobs")
            continue
        text = option_value(value)
        if not isinstance(text, str) or not GEOREP_CONFIG_VALUE_RE.fullmatch(text):
            problems.append(f"{where} {key} value {_show(value)} is not allowed")
        else:
            problems += cli_word_problems(text, f"{where} {key} value")
    return problems


# a line of a primary cluster's common_secret.pem.pub as gluster_module.georep_public_keys reads
# it (whether it may reach an authorized_keys file is georep_authorized_key_problems' call)
GEOREP_KEY_RE = re.compile(
    r'(command="[^"\n]+" )?(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp256) [A-Za-z0-9+/=]+( \S+)?'
)
# The forced commands gluster's peer_gsec_create (run on every primary node by ``system::
# execute gsec_create``) writes before each key of common_secret.pem.pub, and no other option:
# gsyncd's key runs ${libexecdir}/glusterfs/gsyncd, tar's key (tarssh) runs tar. libexecdir:
# Debian and Ubuntu /usr/lib/<multiarch triplet> (glusterfs 10.3 on bookworm:
# /usr/lib/x86_64-linux-gnu), Fedora, RHEL and current openSUSE /usr/libexec, older openSUSE
# /usr/lib, a source build /usr/local/libexec.
GEOREP_GSYNCD_RE = re.compile(
    r"^(/usr/lib/[a-z0-9_]+-linux-gnu[a-z0-9_]*|/usr/lib|/usr/libexec|/usr/local/libexec)/glusterfs/gsyncd$"
)
GEOREP_TAR_COMMAND = "tar ${SSH_ORIGINAL_COMMAND#* }"
# key type -> the fields of its base64 blob after the type name (RFC 4253 6.6, RFC 5656 3.1, RFC 8709)
GEOREP_KEY_FIELDS = {
    "ssh-rsa": 2,
    "ssh-ed25519": 1,
    "ecdsa-sha2-nistp256": 2,
    "ecdsa-sha2-nistp384": 2,
    "ecdsa-sha2-nistp521": 2,
}
GEOREP_KEY_COMMENT_RE = re.compile(r"^[A-Za-z0-9._@+=:-]{1,255}$")
GEOREP_KEY_LINE_MAX = 16384
GEOREP_KEY_SHAPE = (
    'command="<libexecdir>/glusterfs/gsyncd" (or command="tar ${SSH_ORIGINAL_COMMAND#* }") '
    "ssh-rsa AAAA... user@host"
)
# a geo_replication_from source names the primary minions publishing in the Salt mine by id only
# (MINION_ID_RE above, the one rule for a minion id)
GEOREP_SOURCE_KEYS = ("config", "keys", "minion", "tgt_type", "user")
AUTHORIZED_KEYS_RE = re.compile(r"^[A-Za-z0-9._/%-]{1,255}$")


def _blob_fields(blob):
    """The length-prefixed strings of an ssh public key blob, or None when it is not one."""
    fields, offset = [], 0
    while offset < len(blob):
        if offset + 4 > len(blob):
            return None
        size = int.from_bytes(blob[offset : offset + 4], "big")
        offset += 4
        if size > len(blob) - offset:
            return None
        fields.append(blob[offset : offset + size])
        offset += size
    return fields


def _georep_key_parts(line):
    """``(parts, reason)``: an authorized_keys line as gluster writes it split into
    ``{"options", "enc", "key", "comment", "fingerprint"}``, or None and why it is not one."""
    if not isinstance(line, str) or not line:
        return None, "must be one authorized_keys line (text)"
    if len(line) > GEOREP_KEY_LINE_MAX or not line.isascii() or not line.isprintable():
        return None, "holds a line break, a control character or non-ASCII text: exactly one key per line"
    if not line.startswith('command="'):
        if line.split(" ", 1)[0] in GEOREP_KEY_FIELDS:
            return (
                None,
                f"has no forced command: every geo-replication key carries gluster's ({GEOREP_KEY_SHAPE})",
            )
        return None, f"starts with options other than gluster's forced command ({GEOREP_KEY_SHAPE})"
    command, quote, rest = line[len('command="') :].partition('"')
    if not quote or "\\" in command:
        return None, "has an unterminated or escaped command= option"
    if not (GEOREP_GSYNCD_RE.fullmatch(command) or command == GEOREP_TAR_COMMAND):
        return None, (
            f"forces the command {_show(command)}, not gluster's: gsyncd at <libexecdir>/glusterfs/gsyncd "
            f"(/usr/lib/x86_64-linux-gnu, /usr/libexec...) or {GEOREP_TAR_COMMAND!r}"
        )
    if not rest.startswith(" "):
        return None, 'carries options besides gluster\'s forced command (gluster writes command="..." alone)'
    words = rest[1:].split(" ")
    if len(words) not in (2, 3) or not all(words):
        return (
            None,
            "must hold exactly one key: its type, its base64 and at most a one-word comment, single spaces",
        )
    enc, key, comment = words[0], words[1], words[2] if len(words) == 3 else ""
    if enc not in GEOREP_KEY_FIELDS:
        return None, f"key type {_show(enc)} must be one of {', '.join(GEOREP_KEY_FIELDS)}"
    try:
        blob = base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        return None, f"the {enc} key is not well-formed base64"
    fields = _blob_fields(blob)
    if (
        not fields
        or fields[0] != enc.encode()
        or len(fields) != 1 + GEOREP_KEY_FIELDS[enc]
        or not all(fields[1:])
    ):
        return None, f"the base64 is not an {enc} public key"
    if enc == "ssh-ed25519" and len(fields[1]) != 32:
        return None, "the base64 is not an ssh-ed25519 public key (32 bytes)"
    if enc.startswith("ecdsa-") and fields[1] != enc.rsplit("-", 1)[1].encode():
        return None, f"the base64 is not an {enc} public key (curve {fields[1][:16]!r})"
    if comment and not GEOREP_KEY_COMMENT_RE.fullmatch(comment):
        return None, f"comment {_show(comment)} must be one word such as root@gfs1"
    fingerprint = "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return {
        "options": [f'command="{command}"'],
        "enc": enc,
        "key": key,
        "comment": comment,
        "fingerprint": fingerprint,
    }, None


def georep_authorized_key_problems(line, where="key"):
    """Problems with one geo-replication line for an ``authorized_keys`` file, from the pillar
    or from the Salt mine (untrusted: the publishing minion wrote it): exactly the forced
    command gluster writes (gsyncd at its distribution's path, or tar for tarssh) and nothing
    else as options, then one well-formed ssh public key (type, base64 whose blob is a key of
    that type) and at most a one-word comment, all on one line."""
    _parts, reason = _georep_key_parts(line)
    return [f"{where}: {_show(line)} {reason}"] if reason else []


def georep_authorized_key(line):
    """A line ``georep_authorized_key_problems`` accepts as ``{"options": ['command="..."'],
    "enc", "key", "comment", "fingerprint"}`` (the arguments of ``ssh.set_auth_key``, and the
    SHA256 fingerprint ``ssh-keygen -l`` shows)."""
    parts, reason = _georep_key_parts(line)
    if reason:
        raise SaltInvocationError(f"{_show(line)} {reason}")
    return parts


def georep_minions(minion, tgt_type="glob"):
    """The minion ids a ``geo_replication_from`` source names (``georep_minions_problems``
    accepts it): one id, a list, or with ``tgt_type: list`` a comma-separated string."""
    if isinstance(minion, list):
        return list(minion)
    return minion.split(",") if tgt_type == "list" else [minion]


def georep_minions_problems(minion, tgt_type, where):
    """Problems with the primary minions of a ``geo_replication_from`` source: named by
    exact minion id only (the one id Salt verified for each minion). Globs, regular
    expressions, grains, IP ranges, pillar and compound targets are refused: any minion can take
    an id that matches a pattern or set the grain or address matched, and so publish keys for
    root's authorized_keys on the secondary."""
    if tgt_type not in ("glob", "list"):
        return [
            f"{where}:tgt_type: {tgt_type!r} is refused: geo-replication keys are taken from the Salt mine "
            "of minions named by id only (a pattern or data a minion reports about itself lets any minion "
            "publish keys for root); give minion: <id of the primary leader>, or a list of ids"
        ]
    if not (isinstance(minion, str) or (isinstance(minion, list) and minion)):
        return [f"{where}:minion: {_show(minion)} must be the primary leader's minion id, or a list of ids"]
    problems = []
    for index, name in enumerate(georep_minions(minion, tgt_type)):
        here = f"{where}:minion" + (f":{index}" if isinstance(minion, list) else "")
        if isinstance(name, str) and any(char in name for char in "*?[]!"):
            problems.append(
                f"{here}: {name!r} is a glob pattern, which can match more minions than the primary "
                "leader (any minion may take an id that matches it): name the minion id, or a list of ids"
            )
        elif isinstance(name, str) and "," in name:
            problems.append(f"{here}: {name!r} names several minions: give them as a list of ids")
        elif not isinstance(name, str) or not MINION_ID_RE.fullmatch(name):
            problems.append(f"{here}: {_show(name)} must be a minion id (letters, digits, '.', '_', '-')")
    return problems


def georep_source_problems(source, where):
    """Problems with one ``gluster:geo_replication_from`` entry: ``{minion}`` (keys from the
    Salt mine of those minion ids) or ``{keys}`` (literal lines), and ``user`` / ``config``."""
    if not isinstance(source, dict):
        return [f"{where}: must be a mapping with minion (or keys), user, config"]
    problems = []
    for key in source:
        if key not in GEOREP_SOURCE_KEYS:
            problems.append(f"{where}:{key}: unknown key; allowed: {', '.join(GEOREP_SOURCE_KEYS)}")
    if ("minion" in source) == ("keys" in source):
        problems.append(
            f"{where}: give minion (the primary leader publishing its keys in the Salt mine) "
            "or keys, one of them"
        )
    if "minion" in source:
        problems.extend(georep_minions_problems(source["minion"], source.get("tgt_type", "glob"), where))
    elif "tgt_type" in source:
        problems.append(f"{where}:tgt_type: only with minion")
    keys = source.get("keys")
    if "keys" in source:
        if not isinstance(keys, list) or not keys:
            problems.append(f"{where}:keys: must be a list of public key lines")
        else:
            for index, key in enumerate(keys):
                problems.extend(georep_authorized_key_problems(key, f"{where}:keys:{index}"))
    problems.extend(
        georep_authorized_keys_file_problems(source.get("user", "root"), source.get("config"), where)
    )
    return problems


def georep_authorized_keys_file_problems(user, config, where):
    """Problems with whose ``authorized_keys`` the keys of a ``geo_replication_from`` source go
    in: ``user`` (root, or the mount-broker user) and ``config`` (the file, None for the default)."""
    problems = []
    if not isinstance(user, str) or not GEOREP_USER_RE.fullmatch(user):
        problems.append(f"{where}:user: {user!r} must be a user name (root, or the mount-broker user)")
    if config is not None and (
        not isinstance(config, str) or not AUTHORIZED_KEYS_RE.fullmatch(config) or ".." in config.split("/")
    ):
        problems.append(
            f"{where}:config: {config!r} must be an authorized_keys path "
            "(absolute, or relative to the user's home)"
        )
    return problems
