"""The firewall ports a GlusterFS node needs, and the firewalld / ufw commands that open them.

Pure: no I/O. Everything here builds argv lists or parses a tool's text output; the state
``_states/gluster_firewall.py`` runs them.

Ports a node (a server running glusterd and bricks) must accept, from the other nodes and from
every client:

- ``24007/tcp``: glusterd (``transport.socket.listen-port``): peer traffic, the CLI of other
  nodes, clients fetching volfiles and asking for brick ports.
- ``24008/tcp``: glusterd over RDMA (``transport.rdma.listen-port``), needed with
  ``transport: rdma``; opened with 24007 as GlusterFS documents it (one range 24007-24008).
- the brick ports, ``base-port`` .. ``max-port`` of ``glusterd.vol`` (GlusterFS 10 defaults:
  49152 .. 60999): every brick process listens on one port, which glusterd 10 picks at random
  inside that range (so a narrower firewall range works only when glusterd.vol's range is the
  same: ``gluster:firewall:brick_ports`` sets both). When the range has no free port left,
  ``volume start`` fails ("All the ports in the range are exhausted" in glusterd's log).

A requirement is one port range and protocol from one source network (``None``: from
anywhere). Rules that already allow it (the same or a wider port range, the same or a wider
source network) count; nothing is ever removed.
"""

import collections
import ipaddress
import re

GLUSTERD_PORT = 24007
GLUSTERD_RDMA_PORT = 24008
DEFAULT_BASE_PORT = 49152
DEFAULT_MAX_PORT = 60999
TOOLS = ("auto", "firewalld", "ufw")
PROBE_ORDER = ("firewalld", "ufw")
BINARIES = {"firewalld": "firewall-cmd", "ufw": "ufw"}
PROTOCOLS = ("tcp", "udp", "sctp", "dccp")
SETTINGS_KEYS = {
    "manage": "true to open the ports with firewalld or ufw (default false)",
    "tool": "auto (default: firewalld if running, else ufw if active), firewalld or ufw",
    "zone": "firewalld zone (default: firewalld's default zone)",
    "brick_ports": "brick port range LOW-HIGH (default: glusterd.vol base-port..max-port, 49152-60999); "
    "also written to glusterd.vol",
    "sources": "list of networks (CIDR) or addresses allowed to connect (default: any)",
}
ZONE_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_+-]{0,39}$")
PORT_RE = re.compile(r"^([0-9]{1,5})(?:[-:]([0-9]{1,5}))?(?:/([a-z]+))?$")  # ASCII digits only

Requirement = collections.namedtuple("Requirement", "low high protocol source")


# ---- ports -------------------------------------------------------------------------------


def parse_port(value):
    """``24007``, ``"24007/tcp"``, ``"24007-24008/tcp"`` or ``"24007:24008"`` ->
    ``(low, high, protocol)`` (tcp unless given). Raises ``ValueError`` saying what is wrong."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a port: write 24007, 24007/tcp or 49152-60999/tcp")
    match = PORT_RE.fullmatch(value.strip())
    if not match:
        raise ValueError(f"{value!r} is not a port: write 24007, 24007/tcp or 49152-60999/tcp")
    low = int(match.group(1))
    high = int(match.group(2)) if match.group(2) else low
    protocol = match.group(3) or "tcp"
    if protocol not in PROTOCOLS:
        raise ValueError(f"{value!r}: protocol {protocol} is not one of {', '.join(PROTOCOLS)}")
    if not 1 <= low <= high <= 65535:
        raise ValueError(f"{value!r}: ports are 1..65535, the first of a range not above the last")
    return low, high, protocol


def port_text(low, high, protocol="tcp"):
    """``(24007, 24008, "tcp")`` -> ``"24007-24008/tcp"`` (firewalld's own notation)."""
    return f"{low}/{protocol}" if low == high else f"{low}-{high}/{protocol}"


def parse_port_range(value):
    """A brick port range (``"49152-49251"``, ``"49152:49251"``, or one port) -> ``(low, high)``."""
    low, high, protocol = parse_port(value)
    if protocol != "tcp":
        raise ValueError(f"{value!r}: brick ports are tcp")
    return low, high


def _option_port(options, key, default):
    value = options.get(key, default)
    if (
        isinstance(value, str)
        and value.strip().isascii()
        and value.strip().isdigit()
        and len(value.strip()) <= 5
    ):
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 65535:
        raise ValueError(f"{key}: {value!r} is not a port number 1..65535")
    return value


def brick_port_range(glusterd_options=None, brick_ports=None):
    """The brick ports: ``brick_ports`` when given, else glusterd.vol's ``base-port`` ..
    ``max-port`` (from ``glusterd_options``, GlusterFS's defaults 49152 .. 60999)."""
    if brick_ports is not None:
        return parse_port_range(brick_ports)
    options = glusterd_options if isinstance(glusterd_options, dict) else {}
    low = _option_port(options, "base-port", DEFAULT_BASE_PORT)
    high = _option_port(options, "max-port", DEFAULT_MAX_PORT)
    if low > high:
        raise ValueError(f"base-port {low} is above max-port {high}")
    return low, high


def _merged(ranges):
    """Sorted tcp ranges with adjacent or overlapping ones joined."""
    merged = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(high, merged[-1][1]))
        else:
            merged.append((low, high))
    return merged


def node_ports(glusterd_options=None, brick_ports=None):
    """What a node must accept: ``["24007-24008/tcp", "49152-60999/tcp"]`` for the defaults.

    glusterd's ports follow ``transport.socket.listen-port`` / ``transport.rdma.listen-port``
    when ``glusterd_options`` change them; the brick range is :func:`brick_port_range`.
    """
    options = glusterd_options if isinstance(glusterd_options, dict) else {}
    glusterd = _option_port(options, "transport.socket.listen-port", GLUSTERD_PORT)
    rdma = _option_port(options, "transport.rdma.listen-port", GLUSTERD_RDMA_PORT)
    low, high = brick_port_range(options, brick_ports)
    return [port_text(a, b) for a, b in _merged([(glusterd, glusterd), (rdma, rdma), (low, high)])]


def glusterd_port_options(brick_ports):
    """The glusterd.vol options that make glusterd use exactly ``brick_ports`` for bricks."""
    low, high = parse_port_range(brick_ports)
    return {"base-port": low, "max-port": high}


# ---- sources -----------------------------------------------------------------------------


def normalise_source(value):
    """An address or network -> its canonical text: ``"10.0.0.5/24"`` -> ``"10.0.0.0/24"``,
    ``"10.0.0.7/32"`` -> ``"10.0.0.7"`` (as ufw shows them). Raises ``ValueError``."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{value!r} is not an address or network (CIDR)")
    try:
        network = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        raise ValueError(f"{value!r} is not an address or network (CIDR)") from None
    if network.prefixlen == network.max_prefixlen:
        return str(network.network_address)
    return str(network)


def _network(text):
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def requirements(ports, sources=None):
    """Every (port range, source) pair to allow; ``sources`` empty or None: from anywhere."""
    parsed = [parse_port(port) for port in ports]
    chosen = [normalise_source(source) for source in sources] if sources else [None]
    chosen = list(dict.fromkeys(chosen))
    return [Requirement(low, high, protocol, source) for (low, high, protocol) in parsed for source in chosen]


def requirement_text(requirement):
    text = port_text(requirement.low, requirement.high, requirement.protocol)
    return f"{text} from {requirement.source}" if requirement.source else text


def _source_covers(rule_source, wanted):
    """A rule's source (None: anywhere) allows traffic from ``wanted`` (None: anywhere)."""
    if rule_source is None:
        return True
    if wanted is None:
        return False
    rule_network, wanted_network = _network(rule_source), _network(wanted)
    if rule_network is None or wanted_network is None or rule_network.version != wanted_network.version:
        return False
    return wanted_network.subnet_of(rule_network)


def problems(ports, sources=None, tool="auto", zone=None, where="gluster_firewall"):
    """Every problem with the state's arguments, each starting with ``where``."""
    found = []
    if not isinstance(ports, list) or not ports:
        found.append(f"{where}: ports must be a non-empty list such as [24007-24008/tcp, 49152-60999/tcp]")
    else:
        for port in ports:
            try:
                parse_port(port)
            except ValueError as exc:
                found.append(f"{where}: ports: {exc}")
    if sources is not None:
        if not isinstance(sources, list):
            found.append(f"{where}: sources must be a list of networks (CIDR) or addresses")
        else:
            for source in sources:
                try:
                    normalise_source(source)
                except ValueError as exc:
                    found.append(f"{where}: sources: {exc}")
    if tool not in TOOLS:
        found.append(f"{where}: tool {tool!r} must be one of {', '.join(TOOLS)}")
    if zone is not None and (not isinstance(zone, str) or not ZONE_RE.fullmatch(zone)):
        found.append(f"{where}: zone {zone!r} is not a firewalld zone name")
    if zone is not None and tool == "ufw":
        found.append(f"{where}: zone is for firewalld; ufw has no zones")
    return found


# ---- choosing the tool -------------------------------------------------------------------


def firewalld_state_argv():
    return ["firewall-cmd", "--state"]


def firewalld_running(result):
    """``firewall-cmd --state`` -> ``(running, detail)``: rc 0 and ``running``; otherwise its
    own words (``not running``, or ``Error: DBUS_ERROR: ...`` where there is no system bus)."""
    out = (result.get("stdout") or "").strip()
    detail = out or (result.get("stderr") or "").strip() or f"exit {result.get('retcode')}"
    return result.get("retcode") == 0 and out == "running", detail


def ufw_status_argv():
    return ["ufw", "status"]


def ufw_active(result):
    """``ufw status`` -> ``(active, detail)``: ``Status: active`` or ``Status: inactive``, or
    ufw's error."""
    out = (result.get("stdout") or "").strip()
    if result.get("retcode") != 0 or not out.startswith("Status:"):
        return False, (result.get("stderr") or out or f"exit {result.get('retcode')}").strip()
    first = out.splitlines()[0].strip()
    return first == "Status: active", first


def tool_decision(requested, probes):
    """Which tool to use.

    ``probes``: tool -> ``None`` (its command is not installed) or ``(active, detail)``, for the
    tools probed so far, in :data:`PROBE_ORDER`. Returns ``{"tool": name or None, "error":
    message or None, "comment": why}``; no tool and no error means: leave the host alone.
    """
    if requested != "auto":
        probe = probes.get(requested)
        if probe is None:
            return {
                "tool": None,
                "error": f"tool {requested}: {BINARIES[requested]} is not installed",
                "comment": "",
            }
        if not probe[0]:
            verb = "running" if requested == "firewalld" else "active"
            return {
                "tool": None,
                "error": f"tool {requested}: {requested} is not {verb} ({probe[1]})",
                "comment": "",
            }
        return {"tool": requested, "error": None, "comment": ""}
    reasons = []
    for tool in PROBE_ORDER:
        if tool not in probes:
            continue
        probe = probes[tool]
        if probe is None:
            reasons.append(f"{BINARIES[tool]} not installed")
        elif probe[0]:
            return {"tool": tool, "error": None, "comment": ""}
        else:
            reasons.append(f"{tool}: {probe[1]}")
    return {
        "tool": None,
        "error": None,
        "comment": f"no firewall manager is active ({'; '.join(reasons)}); nothing was changed",
    }


# ---- firewalld ---------------------------------------------------------------------------


def _zone_args(zone):
    return [f"--zone={zone}"] if zone else []


def firewalld_list_argv(zone=None, permanent=False):
    """One call for everything a zone allows (ports and rich rules)."""
    return ["firewall-cmd", *(["--permanent"] if permanent else []), *_zone_args(zone), "--list-all"]


def firewalld_reload_argv():
    return ["firewall-cmd", "--reload"]


def rich_rule(requirement):
    """A firewalld rich rule that accepts ``requirement`` (which has a source)."""
    family = "ipv6" if _network(requirement.source).version == 6 else "ipv4"
    ports = (
        str(requirement.low)
        if requirement.low == requirement.high
        else f"{requirement.low}-{requirement.high}"
    )
    return (
        f'rule family="{family}" source address="{requirement.source}" '
        f'port port="{ports}" protocol="{requirement.protocol}" accept'
    )


def firewalld_add_argvs(missing, zone=None):
    """The ``firewall-cmd --permanent`` calls adding every missing requirement: one with a
    ``--add-port`` for each one from anywhere, one with a ``--add-rich-rule`` for each one from a
    source network (firewall-cmd refuses both options in one call: "argument --add-rich-rule:
    not allowed with argument --add-port")."""
    base = ["firewall-cmd", "--permanent", *_zone_args(zone)]
    ports = [f"--add-port={port_text(r.low, r.high, r.protocol)}" for r in missing if r.source is None]
    rules = [f"--add-rich-rule={rich_rule(r)}" for r in missing if r.source is not None]
    return [
        {"op": op, "argv": base + args}
        for op, args in (("add-ports", ports), ("add-rich-rules", rules))
        if args
    ]


RICH_TOKEN_RE = re.compile(r'([A-Za-z][\w-]*)(?:=(?:"([^"]*)"|(\S*)))?')
RICH_ELEMENTS_KEPT = ("rule", "source", "port", "log", "audit", "nflog")


def parse_rich_rule(text):
    """A firewalld rich rule -> ``{"family", "source", "source_invert", "source_other",
    "destination", "port", "protocol", "action", "limit", "other"}``.

    ``port`` is ``(low, high)`` or None; ``other`` lists elements this module does not judge
    (service, icmp-block, forward-port ...), which make the rule not count as an open port.
    """
    rule = {
        "family": None, "source": None, "source_invert": False, "source_other": False,
        "destination": False, "port": None, "protocol": None, "action": None, "limit": False,
        "other": [],
    }  # fmt: skip
    element = None
    for match in RICH_TOKEN_RE.finditer(text or ""):
        name = match.group(1)
        if match.group(2) is None and match.group(3) is None:  # an element, or NOT after one
            if name.lower() == "not":
                rule["source_invert"] = rule["source_invert"] or element == "source"
                continue
            element = name
            if element == "destination":
                rule["destination"] = True
            elif element in ("accept", "reject", "drop", "mark"):
                rule["action"] = element
            elif element == "limit":
                rule["limit"] = True
            elif element not in RICH_ELEMENTS_KEPT:
                rule["other"].append(element)
            continue
        value = match.group(2) if match.group(2) is not None else match.group(3)
        if element == "rule" and name == "family":
            rule["family"] = value
        elif element == "source":
            if name == "address":
                rule["source"] = value
            else:
                rule["source_other"] = True  # ipset or mac: not judged here
        elif element == "port" and name == "port":
            low, _sep, high = value.partition("-")
            if low.isdigit() and (high or low).isdigit():
                rule["port"] = (int(low), int(high or low))
        elif element == "port" and name == "protocol":
            rule["protocol"] = value
    return rule


def parse_firewalld_zone(text):
    """``firewall-cmd [--permanent] [--zone=Z] --list-all`` -> ``{"zone", "target", "ports",
    "rich_rules", "services", "sources"}`` (``ports``: ``(low, high, protocol)`` tuples,
    ``rich_rules``: :func:`parse_rich_rule` dicts, each with its ``text``)."""
    info = {"zone": None, "target": None, "ports": [], "rich_rules": [], "services": [], "sources": []}
    in_rich = False
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        if info["zone"] is None and not line[0].isspace():
            info["zone"] = line.split()[0]
            continue
        if in_rich and line.startswith("\t"):
            rule = parse_rich_rule(line.strip())
            rule["text"] = line.strip()
            info["rich_rules"].append(rule)
            continue
        key, _sep, value = line.strip().partition(":")
        in_rich = key == "rich rules"
        if key == "target":
            info["target"] = value.strip()
        elif key == "ports":
            for entry in value.split():
                try:
                    info["ports"].append(parse_port(entry))
                except ValueError:
                    continue
        elif key in ("services", "sources"):
            info[key] = value.split()
    return info


def _rich_rule_covers(rule, requirement):
    if rule["action"] != "accept" or rule["limit"] or rule["other"] or rule["destination"]:
        return False
    if rule["source_invert"] or rule["source_other"] or rule["port"] is None:
        return False
    if rule["protocol"] != requirement.protocol:
        return False
    low, high = rule["port"]
    if not low <= requirement.low <= requirement.high <= high:
        return False
    wanted = _network(requirement.source) if requirement.source else None
    if rule["family"] and (wanted is None or rule["family"] != f"ipv{wanted.version}"):
        return False  # one address family only: not "from anywhere", nor the other family
    return _source_covers(rule["source"], requirement.source)


def firewalld_missing(wanted, zone_info):
    """The requirements a zone does not allow yet (its ports and rich rules; a zone whose
    target is ACCEPT, like ``trusted``, allows everything)."""
    if (zone_info.get("target") or "").upper() == "ACCEPT":
        return []
    missing = []
    for requirement in wanted:
        by_port = any(
            protocol == requirement.protocol and low <= requirement.low <= requirement.high <= high
            for low, high, protocol in zone_info.get("ports", [])
        )
        if by_port or any(_rich_rule_covers(rule, requirement) for rule in zone_info.get("rich_rules", [])):
            continue
        missing.append(requirement)
    return missing


def firewalld_plan(wanted, permanent, runtime, zone=None):
    """``{"missing": [requirement text], "operations": [{"op", "argv"}]}``: what the permanent
    configuration lacks is added there (ports in one call, rich rules in another), then
    firewalld reloads it (also when only the runtime lacks something: the permanent
    configuration already has it)."""
    missing_permanent = firewalld_missing(wanted, permanent)
    missing_runtime = firewalld_missing(wanted, runtime)
    operations = firewalld_add_argvs(missing_permanent, zone)
    if missing_permanent or missing_runtime:
        operations.append({"op": "reload", "argv": firewalld_reload_argv()})
    missing = [r for r in wanted if r in missing_permanent or r in missing_runtime]
    return {"missing": [requirement_text(r) for r in missing], "operations": operations}


# ---- ufw ---------------------------------------------------------------------------------

UFW_LINE_RE = re.compile(
    r"^(?:\[\s*\d+\]\s+)?(?P<to>.+?)\s+(?P<action>ALLOW|DENY|REJECT|LIMIT)(?:\s(?P<direction>IN|OUT|FWD))?"
    r"\s+(?P<source>.+?)(?:\s+#\s?(?P<comment>.*?))?\s*$"
)
UFW_PORTS_RE = re.compile(r"^(?P<ports>\d+(?::\d+)?(?:,\d+(?::\d+)?)*)(?:/(?P<protocol>[a-z]+))?$")


def _ufw_ports(text):
    """``"24014,24015,24020:24030/udp"`` -> ``([(24014, 24014), ...], "udp")``, or None."""
    match = UFW_PORTS_RE.fullmatch(text)
    if not match:
        return None
    ranges = []
    for part in match.group("ports").split(","):
        low, _sep, high = part.partition(":")
        ranges.append((int(low), int(high or low)))
    return ranges, match.group("protocol")


def parse_ufw_rule(line):
    """One rule line of ``ufw status`` (plain, ``verbose`` or ``numbered``) -> ``{"action",
    "direction", "ports", "protocol", "destination", "interface", "source", "source_port",
    "v6", "comment", "app"}`` or None for a line that is not a rule.

    ``ports`` None: every port; ``protocol`` None: any; ``destination`` / ``source`` None:
    anywhere; ``app``: an application profile (ufw app), which this module does not look into.
    """
    match = UFW_LINE_RE.match(line.rstrip())
    if not match:
        return None
    to, source = match.group("to").strip(), match.group("source").strip()
    rule = {
        "action": match.group("action"), "direction": match.group("direction"), "ports": None,
        "protocol": None, "destination": None, "interface": None, "source": None,
        "source_port": False, "v6": False, "comment": match.group("comment"), "app": False,
    }  # fmt: skip
    interface = re.search(r"\s+on\s+(\S+)$", to)
    if interface:
        rule["interface"] = interface.group(1)
        to = to[: interface.start()]
    if to.endswith(" (v6)"):
        rule["v6"] = True
        to = to[: -len(" (v6)")]
    words = to.split()
    if words and _network(words[0]) is not None:
        rule["destination"] = words.pop(0)
    if words == ["Anywhere"] or (not words and rule["destination"]):
        pass
    elif len(words) == 1 and _ufw_ports(words[0]):
        rule["ports"], rule["protocol"] = _ufw_ports(words[0])
    else:
        rule["app"] = True
    if source.endswith(" (v6)"):
        rule["v6"] = True
        source = source[: -len(" (v6)")]
    words = source.split()
    if words and words[0] == "Anywhere":
        words.pop(0)
    elif words and _network(words[0]) is not None:
        rule["source"] = words.pop(0)
        rule["v6"] = rule["v6"] or _network(rule["source"]).version == 6
    else:
        rule["app"] = True
        words = []
    if words:
        rule["source_port"] = True  # from a port, or an app profile on the source side
    return rule


def parse_ufw_status(text):
    """``ufw status`` -> ``{"active": bool, "rules": [parse_ufw_rule dicts]}``."""
    lines = (text or "").splitlines()
    active = bool(lines) and lines[0].strip() == "Status: active"
    rules, in_table = [], False
    for line in lines:
        if not in_table:
            in_table = line.strip().startswith("--")
            continue
        if line.strip():
            rule = parse_ufw_rule(line)
            if rule is not None:
                rules.append(rule)
    return {"active": active, "rules": rules}


def _ufw_rule_covers(rule, requirement):
    if rule["action"] != "ALLOW" or rule["direction"] not in (None, "IN"):
        return False
    if rule["app"] or rule["interface"] or rule["destination"] or rule["source_port"]:
        return False
    if rule["protocol"] not in (None, requirement.protocol):
        return False
    if rule["ports"] is not None and not any(
        low <= requirement.low <= requirement.high <= high for low, high in rule["ports"]
    ):
        return False
    if rule["source"] is None:
        # "Anywhere" rules come in pairs (IPv4, and "(v6)" when ufw has IPv6 on): the IPv4 one
        # answers for requirements from anywhere and from IPv4 networks
        wanted = _network(requirement.source) if requirement.source else None
        return rule["v6"] == (wanted is not None and wanted.version == 6)
    return _source_covers(rule["source"], requirement.source)


def ufw_missing(wanted, status):
    return [r for r in wanted if not any(_ufw_rule_covers(rule, r) for rule in status.get("rules", []))]


def ufw_allow_argv(requirement, comment=None):
    """``ufw allow proto tcp from SRC|any to any port LOW:HIGH [comment TEXT]``."""
    port = (
        str(requirement.low)
        if requirement.low == requirement.high
        else f"{requirement.low}:{requirement.high}"
    )
    argv = [
        "ufw",
        "allow",
        "proto",
        requirement.protocol,
        "from",
        requirement.source or "any",
        "to",
        "any",
        "port",
        port,
    ]
    if comment:
        argv += ["comment", comment]
    return argv


def ufw_plan(wanted, status, comment=None):
    """``{"missing": [requirement text], "operations": [{"op": "allow", "argv"}]}``: one
    ``ufw allow`` per missing requirement (ufw applies each at once; no reload)."""
    missing = ufw_missing(wanted, status)
    return {
        "missing": [requirement_text(r) for r in missing],
        "operations": [{"op": "allow", "argv": ufw_allow_argv(r, comment)} for r in missing],
    }


# ---- pillar ------------------------------------------------------------------------------


def pillar_settings(raw, glusterd_options=None, bricks_per_host=None, where="gluster:firewall"):
    """``gluster:firewall`` -> ``(settings, problems)``.

    ``settings``: ``manage``, ``tool``, ``zone``, ``sources`` (normalised), ``brick_ports``
    (``"LOW-HIGH"``, from the pillar or glusterd.vol's range), ``ports`` (what
    ``gluster_firewall.ports_open`` gets) and ``glusterd_options`` (``base-port`` /
    ``max-port`` to write into glusterd.vol when ``brick_ports`` is given, else empty).
    ``bricks_per_host``: address -> bricks it carries; a range too small for them is a problem.
    """
    found = []
    raw = {} if raw is None else raw
    options = glusterd_options if isinstance(glusterd_options, dict) else {}
    settings = {
        "manage": False, "tool": "auto", "zone": None, "sources": [], "brick_ports": None,
        "ports": [], "glusterd_options": {},
    }  # fmt: skip
    if not isinstance(raw, dict):
        return settings, [f"{where}: must be a mapping ({', '.join(SETTINGS_KEYS)})"]
    for key in raw:
        if key not in SETTINGS_KEYS:
            found.append(f"{where}:{key}: unknown key; allowed: {', '.join(sorted(SETTINGS_KEYS))}")
    manage = raw.get("manage", False)
    if not isinstance(manage, bool):
        found.append(f"{where}:manage: {manage!r} must be true or false")
    settings["manage"] = manage is True
    tool = raw.get("tool", "auto")
    if tool not in TOOLS:
        found.append(f"{where}:tool: {tool!r} must be one of {', '.join(TOOLS)}")
    else:
        settings["tool"] = tool
    zone = raw.get("zone")
    if zone is not None:
        if not isinstance(zone, str) or not ZONE_RE.fullmatch(zone):
            found.append(f"{where}:zone: {zone!r} is not a firewalld zone name")
        elif tool == "ufw":
            found.append(f"{where}:zone: zones are for firewalld; ufw has none (tool: ufw)")
        else:
            settings["zone"] = zone
    sources = raw.get("sources")
    if sources is not None:
        if not isinstance(sources, list):
            found.append(
                f"{where}:sources: must be a list of networks (CIDR) or addresses, e.g. [10.0.0.0/24]"
            )
        else:
            for index, source in enumerate(sources):
                try:
                    settings["sources"].append(normalise_source(source))
                except ValueError as exc:
                    found.append(f"{where}:sources:{index}: {exc}")
            settings["sources"] = list(dict.fromkeys(settings["sources"]))
    brick_ports = raw.get("brick_ports")
    # the range's own checks count only where the range matters here: the ports are opened
    # (manage), or brick_ports writes it into glusterd.vol
    checks = []
    try:
        low, high = brick_port_range(options)
    except ValueError as exc:
        checks.append(f"gluster:server:glusterd_options: {exc}")
        low, high = DEFAULT_BASE_PORT, DEFAULT_MAX_PORT
    if brick_ports is not None:
        try:
            wanted_low, wanted_high = parse_port_range(brick_ports)
        except ValueError as exc:
            found.append(f"{where}:brick_ports: {exc}; write LOW-HIGH, e.g. 49152-49251")
        else:
            given = [key for key in ("base-port", "max-port") if key in options]
            if given and (low, high) != (wanted_low, wanted_high):
                found.append(
                    f"{where}:brick_ports: {wanted_low}-{wanted_high} differs from "
                    f"gluster:server:glusterd_options {' / '.join(given)} ({low}-{high}); "
                    "set the range in one place"
                )
            low, high = wanted_low, wanted_high
            settings["glusterd_options"] = {"base-port": low, "max-port": high}
    try:
        settings["ports"] = node_ports({**options, "base-port": low, "max-port": high})
    except ValueError as exc:
        checks.append(f"gluster:server:glusterd_options: {exc}")
    settings["brick_ports"] = f"{low}-{high}"
    mgmt = set()
    for key, default in (
        ("transport.socket.listen-port", GLUSTERD_PORT),
        ("transport.rdma.listen-port", GLUSTERD_RDMA_PORT),
    ):
        try:
            mgmt.add(_option_port(options, key, default))
        except ValueError:
            pass  # reported above
    clash = sorted(port for port in mgmt if low <= port <= high)
    if clash:
        checks.append(f"{where}:brick_ports: {low}-{high} includes glusterd's own port {clash[0]}")
    size = high - low + 1
    for host, count in sorted((bricks_per_host or {}).items()):
        if count > size:
            checks.append(
                f"{where}:brick_ports: {low}-{high} has {size} port(s), but {host} carries {count} bricks "
                "(one port per brick process; volume start fails when the range is exhausted)"
            )
    if settings["manage"] or brick_ports is not None:
        found.extend(checks)
    return settings, found
