"""``gluster:volumes:<name>:auth`` -> the volume options ``auth.allow`` / ``auth.reject``: every
entry checked with its pillar path, conflicts with ``options`` and reject lists that would shut
gluster's own daemons out refused."""

from pathlib import Path

import pytest
import saltext_gluster_utils.gluster_pillar as gp
import yaml
from hostile import variants
import saltext_gluster_utils.gluster_validate as gv

NODES = {"gfs1": "10.0.0.1", "gfs2": "10.0.0.2", "gfs3": "10.0.0.3"}


def pillar(auth=None, options=None, nodes=None):
    volume = {"type": "replicate", "replica": 3, "brick_path": "/data/glusterfs/gv0/brick"}
    if auth is not None:
        volume["auth"] = auth
    if options is not None:
        volume["options"] = options
    return {"nodes": nodes or NODES, "volumes": {"gv0": volume}}


def build(**kwargs):
    return gp.build_model(pillar(**kwargs), "gfs1")


def test_auth_becomes_the_comma_joined_options():
    model, problems = build(
        auth={
            "allow": ["192.168.10.*", "10.1.0.0/16", "2001:DB8:0::10", "web1.example.com", "172.16.*"],
            "reject": ["10.1.2.3"],
        },
        options={"network.ping-timeout": 10},
    )
    assert problems == []
    volume = model["volumes"]["gv0"]
    assert volume["options"] == {
        "network.ping-timeout": "10",
        "auth.allow": "192.168.10.*,10.1.0.0/16,2001:db8::10,web1.example.com,172.16.*",
        "auth.reject": "10.1.2.3",
    }
    assert volume["auth"] == {
        "allow": ["192.168.10.*", "10.1.0.0/16", "2001:db8::10", "web1.example.com", "172.16.*"],
        "reject": ["10.1.2.3"],
    }


def test_a_comma_separated_string_and_duplicates():
    model, problems = build(auth={"allow": "10.9.0.1, 10.9.0.2,10.9.0.1"})
    assert problems == []
    assert model["volumes"]["gv0"]["options"] == {"auth.allow": "10.9.0.1,10.9.0.2"}
    assert model["volumes"]["gv0"]["auth"] == {"allow": ["10.9.0.1", "10.9.0.2"]}


def test_no_auth_no_options():
    model, problems = build()
    assert problems == []
    assert model["volumes"]["gv0"]["options"] == {} and model["volumes"]["gv0"]["auth"] == {}


@pytest.mark.parametrize(
    "entry",
    ["10.0.0.9", "2001:db8::1", "::1", "192.168.1.*", "192.168.*.*", "10.*", "*", "2001:db8::*",
     "10.0.0.0/8", "192.168.4.0/22", "gfs-client", "web1.example.com", "web1.example.com."],
)  # fmt: skip
def test_accepted_entries(entry):
    assert gv.auth_address_problems(entry) == []


@pytest.mark.parametrize(
    "entry, phrase",
    [
        ("300.1.1.1", "not a valid IPv4 address"),
        ("10.0.0", "not a valid IPv4 address"),
        ("10.0.0.1/8", "host bits set; the network is 10.0.0.0/8"),
        ("10.0.0.0/33", "not an IPv4 network in CIDR form"),
        ("2001:db8::/32", "CIDR networks for IPv4 only"),
        ("[::1]", "without brackets"),
        ("!10.0.0.1", "no negation"),
        ("10.0.*.1*", "whole parts"),
        ("10.0", "not a valid IPv4 address"),
        ("10.*.1", "whole parts"),
        ("*.example.com", "hostnames cannot have wildcards"),
        ("bad host", "not a valid hostname or IP address"),
        ("a_b", "not a valid hostname or IP address"),
        ("10.0.0.1;reboot", "not a valid hostname or IP address"),
        ("fe80::1%eth0", "IPv6 scope"),
        ("\uff11\uff10.*", "whole parts"),
        ("1" * 5000 + ".*", "longer than 253"),
        ("10.0.0.1 ", "not a valid hostname or IP address"),
        ("", "non-empty string"),
        (10, "non-empty string"),
        (None, "non-empty string"),
    ],
)
def test_refused_entries(entry, phrase):
    found = gv.auth_address_problems(entry)
    assert len(found) == 1 and phrase in found[0], found


def test_every_problem_with_its_pillar_path_at_once():
    _model, problems = build(
        auth={"allow": ["10.0.9.1", "300.1.1.1", "*.example.com"], "reject": [], "deny": ["10.0.9.2"]},
        options={"auth.allow": "10.0.9.1", "Auth.Reject": "10.0.9.2"},
    )
    assert len(problems) == 6, problems
    text = "\n".join(problems)
    assert "gluster:volumes:gv0:auth:allow:1: entry '300.1.1.1' is not a valid IPv4 address" in text
    assert "gluster:volumes:gv0:auth:allow:2: entry '*.example.com'" in text
    assert "gluster:volumes:gv0:auth:reject: must be a non-empty list" in text
    assert "gluster:volumes:gv0:auth:deny: unknown key; allowed: allow, reject" in text
    assert "gluster:volumes:gv0:options:auth.allow: also set by gluster:volumes:gv0:auth" in text
    assert "gluster:volumes:gv0:options:auth.reject: also set by gluster:volumes:gv0:auth" in text


def test_auth_options_alone_stay_allowed():
    """Without an ``auth`` key, auth.allow in ``options`` is an option like any other."""
    model, problems = build(options={"auth.allow": "10.0.9.*"})
    assert problems == []
    assert model["volumes"]["gv0"]["options"] == {"auth.allow": "10.0.9.*"}


@pytest.mark.parametrize("entry", ["10.0.0.2", "10.0.0.*", "10.0.0.0/24", "10.*", "*"])
def test_reject_matching_a_node_is_refused(entry):
    _model, problems = build(auth={"reject": ["192.168.7.7", entry]})
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"gluster:volumes:gv0:auth:reject: {entry} matches node ")
    assert "gfs2 (10.0.0.2)" in problems[0] and "self-heal daemon" in problems[0]


def test_reject_by_name_matches_a_node_named_so():
    nodes = {"gfs1": "gfs1.example.com", "gfs2": "gfs2.example.com"}
    volume_pillar = pillar(auth={"reject": ["GFS2.example.com"]}, nodes=nodes)
    volume_pillar["volumes"]["gv0"]["replica"] = 2
    _model, problems = gp.build_model(volume_pillar, "gfs1")
    assert len(problems) == 1 and "gfs2 (gfs2.example.com)" in problems[0], problems


def test_allow_may_leave_the_nodes_out():
    """gluster's daemons log in with the volume's credentials: an allow list need not name the nodes."""
    model, problems = build(auth={"allow": ["192.168.50.10"], "reject": ["192.168.50.66", "10.0.1.0/24"]})
    assert problems == []
    assert model["volumes"]["gv0"]["options"]["auth.reject"] == "192.168.50.66,10.0.1.0/24"


@pytest.mark.parametrize("raw", [[], ["10.0.0.9"], "10.0.0.9", {}, None])
def test_auth_must_be_a_mapping(raw):
    volume_pillar = pillar()
    volume_pillar["volumes"]["gv0"]["auth"] = raw  # None: an empty "auth:" in YAML
    _model, problems = gp.build_model(volume_pillar, "gfs1")
    assert problems == [
        "gluster:volumes:gv0:auth: must be a mapping with allow and/or reject: lists of client addresses"
    ]


def test_absent_volume_ignores_auth():
    volume_pillar = {
        "nodes": NODES,
        "volumes": {"old": {"ensure": "absent", "auth": {"allow": ["10.9.9.9"]}}},
    }
    model, problems = gp.build_model(volume_pillar, "gfs1")
    assert problems == [] and model["volumes"]["old"] == {"name": "old", "ensure": "absent"}


def test_pillar_example_auth_becomes_options():
    example = Path(__file__).resolve().parent.parent.parent / "pillar.example"
    model, problems = gp.build_model(yaml.safe_load(example.read_text(encoding="utf-8"))["gluster"], "gfs1")
    assert problems == []
    options = model["volumes"]["gv0"]["options"]
    assert options["auth.allow"] == "10.0.0.0/24,192.168.10.*" and options["auth.reject"] == "10.0.0.66"


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(v, id=f"{base}-{k}")
        for base in ("10.0.0.1", "192.168.1.*", "web1.example.com", "10.0.0.0/8")
        for k, v in variants(base).items()
    ],
)
def test_hostile_entries_are_refused_in_one_clean_line(value):
    found = gv.auth_address_problems(value)
    assert len(found) == 1 and found[0].isprintable(), found
    _model, problems = build(auth={"allow": [value]})
    assert len(problems) == 1 and problems[0].startswith("gluster:volumes:gv0:auth:allow:0: "), problems
