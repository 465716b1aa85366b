"""The firewall ports a node needs, the firewalld / ufw commands, and their parsers.

The parsers read output captured from the real tools (ufw 0.36.2, firewalld 1.3.3, Debian
bookworm) by tests/data/firewall/capture.py; tests/functional/test_firewall_apply.py runs the state
against both tools for real.
"""

import re
from pathlib import Path

import jinja2
import pytest
import yaml
from saltext_gluster_utils import gluster_firewall as fw
from saltext_gluster_utils import gluster_pillar as gp

ROOT = Path(__file__).resolve().parent.parent.parent
DATA = ROOT / "tests" / "data" / "firewall"
R = fw.Requirement


def text(name):
    return (DATA / name).read_text(encoding="utf-8")


def result(name):
    """A captured ``exit N`` + output file -> a cmd.run_all-like result (output as stderr)."""
    first, _sep, rest = text(name).partition("\n")
    return {"retcode": int(first.split()[1]), "stdout": "", "stderr": rest}


def base_pillar():
    return {
        "nodes": {"gfs1": "10.0.0.1", "gfs2": "10.0.0.2", "gfs3": "10.0.0.3"},
        "volumes": {"gv0": {"type": "replicate", "replica": 3, "brick_path": "/data/gv0/brick"}},
    }


# ---- ports -------------------------------------------------------------------------------


def test_default_node_ports_are_glusterd_and_gluster_10_brick_range():
    assert fw.node_ports() == ["24007-24008/tcp", "49152-60999/tcp"]
    assert fw.brick_port_range() == (49152, 60999)


def test_brick_range_from_glusterd_options_or_pillar_range():
    assert fw.node_ports({"base-port": 50000, "max-port": "50099"}) == ["24007-24008/tcp", "50000-50099/tcp"]
    assert fw.node_ports({"base-port": 50000}, brick_ports="49152-49251") == [
        "24007-24008/tcp",
        "49152-49251/tcp",
    ]
    assert fw.node_ports(brick_ports="49152:49152") == ["24007-24008/tcp", "49152/tcp"]
    # glusterd moved to other ports: those are opened instead
    assert fw.node_ports({"transport.socket.listen-port": 24017}) == [
        "24008/tcp",
        "24017/tcp",
        "49152-60999/tcp",
    ]
    # adjacent ranges are one
    assert fw.node_ports(brick_ports="24009-24100") == ["24007-24100/tcp"]
    assert fw.glusterd_port_options("49152-49251") == {"base-port": 49152, "max-port": 49251}


@pytest.mark.parametrize(
    "value, parsed",
    [
        (24007, (24007, 24007, "tcp")),
        ("24007/tcp", (24007, 24007, "tcp")),
        ("24007-24008/tcp", (24007, 24008, "tcp")),
        ("24007:24008", (24007, 24008, "tcp")),
        (" 53/udp ", (53, 53, "udp")),
    ],
)
def test_parse_port(value, parsed):
    assert fw.parse_port(value) == parsed


@pytest.mark.parametrize(
    "value",
    [
        "",
        "http",
        "24008-24007",
        "0",
        "70000",
        "1-2-3",
        "24007/icmp",
        True,
        None,
        "24007/",
        "٤٩١٥٢",
        "0000024007",
    ],
)
def test_parse_port_refuses(value):
    with pytest.raises(ValueError):
        fw.parse_port(value)


def test_sources_are_normalised_like_the_tools_show_them():
    assert fw.normalise_source("10.0.0.5/24") == "10.0.0.0/24"
    assert fw.normalise_source("10.0.0.7/32") == "10.0.0.7"
    assert fw.normalise_source("10.0.0.7") == "10.0.0.7"
    assert fw.normalise_source("2001:db8::1/32") == "2001:db8::/32"
    for bad in ("gfs1", "10.0.0.0/33", "", None, 10):
        with pytest.raises(ValueError):
            fw.normalise_source(bad)


def test_requirements_are_every_port_from_every_source():
    assert fw.requirements(
        ["24007-24008/tcp", "49152-60999"], ["10.0.0.0/24", "10.0.0.1/24", "2001:db8::/32"]
    ) == [
        R(24007, 24008, "tcp", "10.0.0.0/24"),
        R(24007, 24008, "tcp", "2001:db8::/32"),
        R(49152, 60999, "tcp", "10.0.0.0/24"),
        R(49152, 60999, "tcp", "2001:db8::/32"),
    ]
    assert fw.requirements(["24007"]) == [R(24007, 24007, "tcp", None)]
    assert fw.requirement_text(R(24007, 24008, "tcp", "10.0.0.0/24")) == "24007-24008/tcp from 10.0.0.0/24"


def test_state_argument_problems_are_all_reported():
    assert fw.problems(["24007-24008/tcp"]) == []
    found = fw.problems(
        ["24007-24008/tcp", "x"], ["10.0.0.0/33"], tool="iptables", zone="bad zone!", where="glusterfs"
    )
    assert found == [
        "glusterfs: ports: 'x' is not a port: write 24007, 24007/tcp or 49152-60999/tcp",
        "glusterfs: sources: '10.0.0.0/33' is not an address or network (CIDR)",
        "glusterfs: tool 'iptables' must be one of auto, firewalld, ufw",
        "glusterfs: zone 'bad zone!' is not a firewalld zone name",
    ]
    assert fw.problems([], None, "ufw", "public", where="n") == [
        "n: ports must be a non-empty list such as [24007-24008/tcp, 49152-60999/tcp]",
        "n: zone is for firewalld; ufw has no zones",
    ]


# ---- argv --------------------------------------------------------------------------------


def test_firewalld_argv():
    assert fw.firewalld_state_argv() == ["firewall-cmd", "--state"]
    assert fw.firewalld_list_argv() == ["firewall-cmd", "--list-all"]
    assert fw.firewalld_list_argv("public", permanent=True) == [
        "firewall-cmd",
        "--permanent",
        "--zone=public",
        "--list-all",
    ]
    assert fw.firewalld_reload_argv() == ["firewall-cmd", "--reload"]
    missing = [
        R(24007, 24008, "tcp", None),
        R(49152, 60999, "tcp", None),
        R(24007, 24008, "tcp", "10.0.0.0/24"),
        R(24007, 24007, "tcp", "2001:db8::/32"),
    ]
    # ports and rich rules in separate calls: firewall-cmd refuses them together
    assert fw.firewalld_add_argvs(missing, "public") == [
        {
            "op": "add-ports",
            "argv": [
                "firewall-cmd",
                "--permanent",
                "--zone=public",
                "--add-port=24007-24008/tcp",
                "--add-port=49152-60999/tcp",
            ],
        },
        {
            "op": "add-rich-rules",
            "argv": [
                "firewall-cmd",
                "--permanent",
                "--zone=public",
                (
                    '--add-rich-rule=rule family="ipv4" source address="10.0.0.0/24" '
                    'port port="24007-24008" protocol="tcp" accept'
                ),
                (
                    '--add-rich-rule=rule family="ipv6" source address="2001:db8::/32" '
                    'port port="24007" protocol="tcp" accept'
                ),
            ],
        },
    ]
    assert "not allowed with argument --add-port" in text("firewalld-error-port-and-rich-rule.txt")
    assert fw.firewalld_add_argvs(missing[:1]) == [
        {"op": "add-ports", "argv": ["firewall-cmd", "--permanent", "--add-port=24007-24008/tcp"]}
    ]


def test_ufw_argv():
    assert fw.ufw_status_argv() == ["ufw", "status"]
    assert fw.ufw_allow_argv(R(24007, 24008, "tcp", "10.0.0.0/24"), comment="glusterfs") == [
        "ufw",
        "allow",
        "proto",
        "tcp",
        "from",
        "10.0.0.0/24",
        "to",
        "any",
        "port",
        "24007:24008",
        "comment",
        "glusterfs",
    ]
    assert fw.ufw_allow_argv(R(24007, 24007, "udp", None)) == [
        "ufw", "allow", "proto", "udp", "from", "any", "to", "any", "port", "24007",
    ]  # fmt: skip


# ---- choosing the tool (captured --state / status output) ---------------------------------


def test_firewalld_state_as_captured():
    assert fw.firewalld_running({"retcode": 0, "stdout": text("firewalld-state-running.txt")}) == (
        True,
        "running",
    )
    assert fw.firewalld_running(result("firewalld-state-not-running.txt")) == (False, "not running")
    assert fw.firewalld_running(result("firewalld-state-no-dbus.txt")) == (
        False,
        "Error: DBUS_ERROR: Failed to connect to socket /run/dbus/system_bus_socket: "
        "No such file or directory",
    )


def test_ufw_state_as_captured():
    assert fw.ufw_active({"retcode": 0, "stdout": text("ufw-status.txt")}) == (True, "Status: active")
    assert fw.ufw_active({"retcode": 0, "stdout": text("ufw-status-inactive.txt")}) == (
        False,
        "Status: inactive",
    )
    assert fw.ufw_active(
        {"retcode": 1, "stdout": "", "stderr": "ERROR: You need to be root to run this script\n"}
    ) == (
        False,
        "ERROR: You need to be root to run this script",
    )


def test_tool_decision():
    running, stopped = (True, "running"), (False, "not running")
    assert fw.tool_decision("auto", {"firewalld": running})["tool"] == "firewalld"
    assert fw.tool_decision("auto", {"firewalld": stopped, "ufw": (True, "Status: active")})["tool"] == "ufw"
    assert fw.tool_decision("auto", {"firewalld": None, "ufw": (True, "Status: active")})["tool"] == "ufw"
    nothing = fw.tool_decision("auto", {"firewalld": stopped, "ufw": (False, "Status: inactive")})
    assert nothing == {
        "tool": None,
        "error": None,
        "comment": "no firewall manager is active (firewalld: not running; ufw: Status: inactive); "
        "nothing was changed",
    }
    assert fw.tool_decision("auto", {"firewalld": None, "ufw": None})["comment"] == (
        "no firewall manager is active (firewall-cmd not installed; ufw not installed); nothing was changed"
    )
    assert fw.tool_decision("ufw", {"ufw": (True, "Status: active")})["tool"] == "ufw"
    assert fw.tool_decision("ufw", {"ufw": (False, "Status: inactive")})["error"] == (
        "tool ufw: ufw is not active (Status: inactive)"
    )
    assert (
        fw.tool_decision("firewalld", {"firewalld": None})["error"]
        == "tool firewalld: firewall-cmd is not installed"
    )
    assert (
        fw.tool_decision("firewalld", {"firewalld": stopped})["error"]
        == "tool firewalld: firewalld is not running (not running)"
    )


# ---- ufw status --------------------------------------------------------------------------


def test_ufw_status_variants_parse_alike():
    plain = fw.parse_ufw_status(text("ufw-status.txt"))
    verbose = fw.parse_ufw_status(text("ufw-status-verbose.txt"))
    numbered = fw.parse_ufw_status(text("ufw-status-numbered.txt"))
    assert plain["active"] and verbose["active"] and numbered["active"]
    assert len(plain["rules"]) == 20
    strip = [{k: v for k, v in rule.items() if k != "direction"} for rule in plain["rules"]]
    assert strip == [{k: v for k, v in rule.items() if k != "direction"} for rule in verbose["rules"]]
    assert verbose["rules"] == numbered["rules"]
    assert {rule["direction"] for rule in plain["rules"]} == {None}
    assert {rule["direction"] for rule in verbose["rules"]} == {"IN"}
    assert fw.parse_ufw_status(text("ufw-status-inactive.txt")) == {"active": False, "rules": []}
    assert fw.parse_ufw_status(text("ufw-status-active-empty.txt")) == {"active": True, "rules": []}


def test_ufw_rules_as_captured():
    rules = fw.parse_ufw_status(text("ufw-status.txt"))["rules"]
    base = {
        "action": "ALLOW",
        "direction": None,
        "ports": None,
        "protocol": None,
        "destination": None,
        "interface": None,
        "source": None,
        "source_port": False,
        "v6": False,
        "comment": None,
        "app": False,
    }
    expected = {
        0: {"ports": [(24007, 24008)], "protocol": "tcp", "source": "10.0.0.0/24", "comment": "glusterfs"},
        1: {"ports": [(49152, 60999)], "protocol": "tcp", "comment": "glusterfs"},
        2: {"ports": [(24011, 24011)], "protocol": "tcp", "source": "10.0.0.7"},
        4: {"ports": [(53, 53)]},
        5: {"source": "10.1.0.0/16"},
        6: {"action": "DENY", "ports": [(24009, 24009)], "protocol": "tcp"},
        7: {"ports": [(24012, 24012)], "protocol": "tcp", "interface": "lo"},
        8: {"ports": [(24013, 24013)], "protocol": "tcp", "destination": "10.0.0.1"},
        9: {"ports": [(24014, 24014), (24015, 24015), (24020, 24030)], "protocol": "udp"},
        10: {"ports": [(24016, 24016)], "protocol": "tcp", "source": "10.2.0.0/16", "source_port": True},
        11: {"action": "LIMIT", "ports": [(2222, 2222)], "protocol": "tcp"},
        12: {"ports": [(49152, 60999)], "protocol": "tcp", "v6": True, "comment": "glusterfs"},
        13: {"ports": [(24007, 24008)], "protocol": "tcp", "source": "2001:db8::/32", "v6": True},
        18: {"ports": [(24014, 24014), (24015, 24015), (24020, 24030)], "protocol": "udp", "v6": True},
    }
    for index, fields in expected.items():
        assert rules[index] == {**base, **fields}, index


def test_ufw_coverage_on_captured_rules():
    status = fw.parse_ufw_status(text("ufw-status.txt"))
    covered = [
        R(24007, 24008, "tcp", "10.0.0.0/24"),  # the same rule
        R(24007, 24007, "tcp", "10.0.0.128/25"),  # a narrower port range from a narrower network
        R(49152, 49251, "tcp", None),  # inside a range open to anywhere
        R(49152, 60999, "tcp", "10.9.0.0/16"),  # anywhere covers a network
        R(24011, 24011, "tcp", "10.0.0.7"),
        R(5000, 5000, "udp", "10.1.2.0/24"),  # "Anywhere ALLOW 10.1.0.0/16": every port
        R(53, 53, "tcp", None),  # no protocol: tcp and udp
        R(24020, 24025, "udp", None),  # inside one range of a port list
        R(24007, 24008, "tcp", "2001:db8:1::/48"),
        R(49152, 60999, "tcp", "2001:db8::/32"),  # the (v6) "Anywhere" rule
    ]
    missing = [
        R(24007, 24008, "tcp", None),  # only from 10.0.0.0/24 and 2001:db8::/32
        R(24007, 24008, "tcp", "10.3.0.0/24"),
        R(24007, 24008, "udp", "10.0.0.0/24"),
        R(24009, 24009, "tcp", None),  # DENY
        R(24012, 24012, "tcp", None),  # on lo only
        R(24013, 24013, "tcp", None),  # to one address only
        R(24014, 24020, "udp", None),  # not inside one range of the list
        R(24016, 24016, "tcp", "10.2.0.0/16"),  # from one source port only
        R(2222, 2222, "tcp", None),  # LIMIT
        R(60000, 61000, "tcp", None),  # wider than what is open
    ]
    assert fw.ufw_missing(covered + missing, status) == missing
    plan = fw.ufw_plan(missing[:2], status, comment="glusterfs")
    assert plan == {
        "missing": ["24007-24008/tcp", "24007-24008/tcp from 10.3.0.0/24"],
        "operations": [
            {
                "op": "allow",
                "argv": [
                    "ufw",
                    "allow",
                    "proto",
                    "tcp",
                    "from",
                    "any",
                    "to",
                    "any",
                    "port",
                    "24007:24008",
                    "comment",
                    "glusterfs",
                ],
            },
            {
                "op": "allow",
                "argv": [
                    "ufw",
                    "allow",
                    "proto",
                    "tcp",
                    "from",
                    "10.3.0.0/24",
                    "to",
                    "any",
                    "port",
                    "24007:24008",
                    "comment",
                    "glusterfs",
                ],
            },
        ],
    }
    assert fw.ufw_plan(covered, status) == {"missing": [], "operations": []}


# ---- firewalld --list-all ----------------------------------------------------------------


def test_firewalld_zone_as_captured():
    zone = fw.parse_firewalld_zone(text("firewalld-permanent-list-all.txt"))
    assert zone["zone"] == "public" and zone["target"] == "default"
    assert zone["services"] == ["dhcpv6-client", "ssh"] and zone["sources"] == []
    assert zone["ports"] == [(24007, 24008, "tcp"), (53, 53, "udp"), (24010, 24010, "tcp")]
    assert len(zone["rich_rules"]) == 7
    first = zone["rich_rules"][0]
    assert (
        first["text"]
        == 'rule family="ipv4" source address="10.0.0.0/24" port port="49152-60999" protocol="tcp" accept'
    )
    assert {k: first[k] for k in ("family", "source", "port", "protocol", "action")} == {
        "family": "ipv4",
        "source": "10.0.0.0/24",
        "port": (49152, 60999),
        "protocol": "tcp",
        "action": "accept",
    }
    by_port = {rule["port"]: rule for rule in zone["rich_rules"]}
    assert by_port[(24013, 24013)]["source_invert"] is True  # "source NOT address"
    assert by_port[(24014, 24014)]["action"] == "drop"
    assert by_port[(24015, 24015)]["limit"] is True and by_port[(24015, 24015)]["action"] == "accept"
    assert by_port[None]["other"] == ["service"]
    fresh = fw.parse_firewalld_zone(text("firewalld-list-all-fresh.txt"))
    assert fresh["ports"] == [] and fresh["rich_rules"] == [] and fresh["zone"] == "public"
    assert fw.parse_firewalld_zone(text("firewalld-trusted-list-all.txt"))["target"] == "ACCEPT"


def test_firewalld_coverage_on_captured_zone():
    zone = fw.parse_firewalld_zone(text("firewalld-permanent-list-all.txt"))
    covered = [
        R(24007, 24008, "tcp", None),
        R(24007, 24007, "tcp", "10.5.0.0/16"),  # a port open to anywhere in the zone
        R(49152, 49251, "tcp", "10.0.0.0/25"),  # rich rule for a wider network and range
        R(24011, 24011, "tcp", "10.0.0.7"),  # address="10.0.0.7/32"
        R(24007, 24008, "tcp", "2001:db8::/48"),
    ]
    missing = [
        R(49152, 60999, "tcp", None),  # only from 10.0.0.0/24
        R(49152, 60999, "tcp", "10.1.0.0/24"),
        R(24013, 24013, "tcp", "10.9.1.0/24"),  # source NOT address="10.9.0.0/16"
        R(24014, 24014, "tcp", "10.8.0.0/16"),  # drop
        R(24015, 24015, "tcp", "10.7.0.0/16"),  # accept with a rate limit
        R(53, 53, "tcp", None),  # 53/udp only
    ]
    assert fw.firewalld_missing(covered + missing, zone) == missing
    trusted = fw.parse_firewalld_zone(text("firewalld-trusted-list-all.txt"))
    assert fw.firewalld_missing(missing, trusted) == []


def test_firewalld_plan_adds_permanently_then_reloads():
    fresh = fw.parse_firewalld_zone(text("firewalld-list-all-fresh.txt"))
    wanted = fw.requirements(["24007-24008/tcp", "49152-60999/tcp"], ["10.0.0.0/24"])
    plan = fw.firewalld_plan(wanted, fresh, fresh, "public")
    assert plan["missing"] == ["24007-24008/tcp from 10.0.0.0/24", "49152-60999/tcp from 10.0.0.0/24"]
    assert [op["op"] for op in plan["operations"]] == ["add-rich-rules", "reload"]
    # the permanent configuration has it, the runtime not yet (captured before --reload)
    permanent = fw.parse_firewalld_zone(text("firewalld-permanent-list-all.txt"))
    runtime = fw.parse_firewalld_zone(text("firewalld-runtime-before-reload.txt"))
    wanted = fw.requirements(["24007-24008/tcp"])
    assert fw.firewalld_plan(wanted, permanent, runtime) == {
        "missing": ["24007-24008/tcp"],
        "operations": [{"op": "reload", "argv": ["firewall-cmd", "--reload"]}],
    }
    runtime = fw.parse_firewalld_zone(text("firewalld-runtime-list-all.txt"))
    assert fw.firewalld_plan(wanted, permanent, runtime) == {"missing": [], "operations": []}


def test_rich_rule_round_trip():
    for requirement in (R(24007, 24008, "tcp", "10.0.0.0/24"), R(49152, 49152, "udp", "2001:db8::/32")):
        parsed = fw.parse_rich_rule(fw.rich_rule(requirement))
        zone = {"target": "default", "ports": [], "rich_rules": [parsed]}
        assert fw.firewalld_missing([requirement], zone) == []
    # a family-only rule without a source is not "from anywhere"
    ipv4_only = fw.parse_rich_rule('rule family="ipv4" port port="24007" protocol="tcp" accept')
    zone = {"target": "default", "ports": [], "rich_rules": [ipv4_only]}
    assert fw.firewalld_missing([R(24007, 24007, "tcp", None)], zone) == [R(24007, 24007, "tcp", None)]
    assert fw.firewalld_missing([R(24007, 24007, "tcp", "10.0.0.1")], zone) == []
    assert fw.firewalld_missing([R(24007, 24007, "tcp", "2001:db8::1")], zone) == [
        R(24007, 24007, "tcp", "2001:db8::1")
    ]


# ---- pillar ------------------------------------------------------------------------------


def test_pillar_defaults_open_nothing():
    model, problems = gp.build_model(base_pillar(), "gfs1")
    assert problems == []
    assert model["firewall"] == {
        "manage": False, "tool": "auto", "zone": None, "sources": [], "brick_ports": "49152-60999",
        "ports": ["24007-24008/tcp", "49152-60999/tcp"],
    }  # fmt: skip
    assert model["server"]["glusterd_options"] == {}


def test_pillar_brick_ports_also_set_glusterd_vol():
    pillar = base_pillar()
    pillar["firewall"] = {
        "manage": True,
        "tool": "firewalld",
        "zone": "internal",
        "brick_ports": "49152-49251",
        "sources": ["10.0.0.9/24", "10.0.0.0/24", "192.0.2.7/32"],
    }
    pillar["server"] = {"glusterd_options": {"event-threads": 2}}
    model, problems = gp.build_model(pillar, "gfs1")
    assert problems == []
    assert model["firewall"] == {
        "manage": True, "tool": "firewalld", "zone": "internal", "sources": ["10.0.0.0/24", "192.0.2.7"],
        "brick_ports": "49152-49251", "ports": ["24007-24008/tcp", "49152-49251/tcp"],
    }  # fmt: skip
    assert model["server"]["glusterd_options"] == {"event-threads": 2, "base-port": 49152, "max-port": 49251}


def test_glusterd_vol_and_firewall_agree():
    """The rendered glusterd.vol has the brick range the firewall opens; without brick_ports,
    the template's max-port and gluster's base-port default are the firewall's defaults."""
    template = jinja2.Environment(extensions=["jinja2.ext.do"]).from_string(
        (ROOT / "salt" / "gluster" / "files" / "default" / "glusterd.vol.jinja").read_text(encoding="utf-8")
    )

    def rendered_range(model):
        lines = template.render(
            working_directory="/var/lib/glusterd", options=model["server"]["glusterd_options"]
        )
        found = dict(re.findall(r"option (base-port|max-port) (\d+)", lines))
        return int(found.get("base-port", fw.DEFAULT_BASE_PORT)), int(found["max-port"])

    pillar = base_pillar()
    model, _ = gp.build_model(pillar, "gfs1")
    assert rendered_range(model) == (fw.DEFAULT_BASE_PORT, fw.DEFAULT_MAX_PORT) == (49152, 60999)
    assert model["firewall"]["brick_ports"] == "49152-60999"
    pillar["firewall"] = {"brick_ports": "50000-50010"}
    model, _ = gp.build_model(pillar, "gfs1")
    assert rendered_range(model) == (50000, 50010)
    assert model["firewall"]["ports"][-1] == "50000-50010/tcp"
    pillar["firewall"] = {"manage": True}
    pillar["server"] = {"glusterd_options": {"base-port": 51000, "max-port": 51099}}
    model, _ = gp.build_model(pillar, "gfs1")
    assert rendered_range(model) == (51000, 51099)
    assert model["firewall"]["ports"] == ["24007-24008/tcp", "51000-51099/tcp"]


def test_pillar_problems_are_reported_at_once_with_paths():
    pillar = base_pillar()
    pillar["volumes"]["gv1"] = {"type": "distributed-replicate", "replica": 3, "bricks_per_node": 2,
                                "brick_path": "/data/gv1/brick{n}"}  # fmt: skip
    pillar["firewall"] = {
        "manage": "yes",
        "tool": "iptables",
        "zone": "bad zone",
        "brick_ports": "49152-49153",
        "sources": ["10.0.0.0/24", "gfs1"],
        "port": 1,
    }
    pillar["server"] = {"glusterd_options": {"max-port": 60999}}
    _model, problems = gp.build_model(pillar, "gfs1")
    firewall = [p for p in problems if "firewall" in p]
    assert firewall == [
        "gluster:firewall:port: unknown key; allowed: brick_ports, manage, sources, tool, zone",
        "gluster:firewall:manage: 'yes' must be true or false",
        "gluster:firewall:tool: 'iptables' must be one of auto, firewalld, ufw",
        "gluster:firewall:zone: 'bad zone' is not a firewalld zone name",
        "gluster:firewall:sources:1: 'gfs1' is not an address or network (CIDR)",
        "gluster:firewall:brick_ports: 49152-49153 differs from gluster:server:glusterd_options max-port "
        "(49152-60999); set the range in one place",
        "gluster:firewall:brick_ports: 49152-49153 has 2 port(s), but node gfs1 (10.0.0.1) carries 3 bricks "
        "(one port per brick process; volume start fails when the range is exhausted)",
        "gluster:firewall:brick_ports: 49152-49153 has 2 port(s), but node gfs2 (10.0.0.2) carries 3 bricks "
        "(one port per brick process; volume start fails when the range is exhausted)",
        "gluster:firewall:brick_ports: 49152-49153 has 2 port(s), but node gfs3 (10.0.0.3) carries 3 bricks "
        "(one port per brick process; volume start fails when the range is exhausted)",
    ]


def test_pillar_refuses_bad_ranges():
    for value, message in (
        ("60999-49152", "'60999-49152': ports are 1..65535, the first of a range not above the last"),
        ("49152-49251/udp", "'49152-49251/udp': brick ports are tcp"),
        ("24000-24100", "24000-24100 includes glusterd's own port 24007"),
    ):
        pillar = base_pillar()
        pillar["firewall"] = {"brick_ports": value}
        _model, problems = gp.build_model(pillar, "gfs1")
        assert len(problems) == 1 and message in problems[0], problems
        assert problems[0].startswith("gluster:firewall:brick_ports: ")
    pillar = base_pillar()
    pillar["firewall"] = {"tool": "ufw", "zone": "public", "sources": "10.0.0.0/24"}
    _model, problems = gp.build_model(pillar, "gfs1")
    assert problems == [
        "gluster:firewall:zone: zones are for firewalld; ufw has none (tool: ufw)",
        "gluster:firewall:sources: must be a list of networks (CIDR) or addresses, e.g. [10.0.0.0/24]",
    ]
    # glusterd.vol's own range is judged only when the firewall uses it
    pillar = base_pillar()
    pillar["server"] = {"glusterd_options": {"base-port": 1}}
    assert gp.build_model(pillar, "gfs1")[1] == []
    pillar["firewall"] = {"manage": True}
    assert gp.build_model(pillar, "gfs1")[1] == [
        "gluster:firewall:brick_ports: 1-60999 includes glusterd's own port 24007"
    ]


def test_commented_firewall_example_is_valid():
    """pillar.example's commented ``# firewall:`` block, uncommented, validates."""
    example = (ROOT / "pillar.example").read_text(encoding="utf-8")
    block = example.split("  # firewall:\n", 1)[1].split("\n\n", 1)[0]
    lines = ["firewall:"] + [re.sub(r"^  # ?", "", line) for line in block.splitlines()]
    extra = yaml.safe_load("\n".join(lines))
    pillar = yaml.safe_load(example)["gluster"]
    pillar.update(extra)
    model, problems = gp.build_model(pillar, "gfs1")
    assert problems == []
    assert model["firewall"]["manage"] is True
    assert model["firewall"]["ports"] == ["24007-24008/tcp", "49152-49251/tcp"]
    assert model["firewall"]["sources"] == ["127.1.1.0/24"]
    assert model["server"]["glusterd_options"] == {"base-port": 49152, "max-port": 49251}
