"""``gluster:tls``, ``gluster:volumes:<name>:tls`` and ``gluster:volumes:<name>:geo_replication``:
validated at their pillar paths, and a volume's TLS turned into client.ssl / server.ssl /
auth.ssl-allow (every node's certificate name, the clients that mount the volume, then
``allow``)."""

from pathlib import Path

import pytest
from saltext_gluster_utils import gluster_pillar as gp

CERT = "-----BEGIN CERTIFICATE-----\nMIIBdzCCAR2gAwIBAgIU\n-----END CERTIFICATE-----\n"
KEY = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----\n"


def pillar(tls=None, volume_tls=None, **top):
    raw = {
        "nodes": {"gfs1": "10.0.0.1", "gfs2": "10.0.0.2", "gfs3": "10.0.0.3"},
        "volumes": {
            "gv0": {"replica": 3, "brick_path": "/b/gv0"},
            "gv1": {"replica": 3, "brick_path": "/b/gv1"},
        },
        "clients": {
            "web1": {"mounts": {"/mnt/gv0": {"volume": "gv0"}}},
            "web2": {"mounts": {"/mnt/gv1": {"volume": "gv1"}}},
        },
        **top,
    }
    if tls is not None:
        raw["tls"] = tls
    if volume_tls is not None:
        raw["volumes"]["gv0"]["tls"] = volume_tls
    return raw


def test_volume_tls_becomes_its_options():
    model, problems = gp.build_model(
        pillar({"ca": CERT, "names": {"gfs2": "gfs2.example.com"}}, {"allow": ["backup"]}), "gfs1"
    )
    assert problems == []
    assert model["volumes"]["gv0"]["options"] == {
        "client.ssl": "on", "server.ssl": "on", "auth.ssl-allow": "gfs1,gfs2.example.com,gfs3,web1,backup",
    }  # fmt: skip
    assert model["volumes"]["gv0"]["restart"] is False
    assert model["volumes"]["gv1"]["options"] == {} and model["volumes"]["gv1"]["tls"] is None
    assert model["tls"] == {
        "ca": CERT,
        "certificate": None,
        "key": None,
        "names": {"gfs2": "gfs2.example.com"},
        "management": None,
    }


def test_tls_off_and_restart():
    model, problems = gp.build_model(pillar(volume_tls={"enabled": False, "restart": True}), "gfs1")
    assert problems == []
    assert model["volumes"]["gv0"]["options"] == {"client.ssl": "off", "server.ssl": "off"}
    assert model["volumes"]["gv0"]["restart"] is True
    model, problems = gp.build_model(pillar(volume_tls=True), "gfs1")
    assert problems == [] and model["volumes"]["gv0"]["options"]["auth.ssl-allow"] == "gfs1,gfs2,gfs3,web1"


def test_this_minions_files_and_management():
    model, problems = gp.build_model(
        pillar({"ca": CERT + CERT, "certificate": CERT.strip(), "key": KEY, "management": True}), "web1"
    )
    assert problems == []
    assert model["tls"]["certificate"] == CERT and model["tls"]["management"] is True  # a final newline added


@pytest.mark.parametrize(
    "tls, volume_tls, options, path",
    [
        ({"ca": "not a pem"}, None, None, "gluster:tls:ca: must be PEM certificate text"),
        ({"ca": CERT, "certificate": CERT}, None, None, "gluster:tls: certificate and key go together"),
        ({"certificate": CERT, "key": KEY}, None, None, "gluster:tls:ca: required with a certificate"),
        (
            {"ca": CERT, "certificate": CERT, "key": CERT},
            None,
            None,
            "gluster:tls:key: must be a PEM private key",
        ),
        ({"management": "yes"}, None, None, "gluster:tls:management: 'yes' must be true or false"),
        ({"names": {"gfs1": "a,b"}}, None, None, "gluster:tls:names:gfs1: 'a,b' must be a common name"),
        ({"cert": CERT}, None, None, "gluster:tls:cert: unknown key"),
        (
            None,
            {"allow": ["a,b"]},
            None,
            "gluster:volumes:gv0:tls:allow:0: 'a,b' must be a certificate common name",
        ),
        (None, {"allow": "web1"}, None, "gluster:volumes:gv0:tls:allow: must be a list"),
        (
            None,
            {"enabled": False, "allow": ["x"]},
            None,
            "gluster:volumes:gv0:tls:allow: needs enabled: true",
        ),
        (None, {"restart": "yes"}, None, "gluster:volumes:gv0:tls:restart: 'yes' must be true or false"),
        (None, {"ca": CERT}, None, "gluster:volumes:gv0:tls:ca: unknown key"),
        (None, "on", None, "gluster:volumes:gv0:tls: must be true, false or a mapping"),
        (
            None,
            True,
            {"server.ssl": "on"},
            "gluster:volumes:gv0:options:server.ssl: set by gluster:volumes:gv0:tls",
        ),
        (None, True, {"auth.ssl-allow": "x"}, "gluster:volumes:gv0:options:auth.ssl-allow: set by"),
    ],
)
def test_tls_problems_name_their_pillar_path(tls, volume_tls, options, path):
    raw = pillar(tls, volume_tls)
    if options:
        raw["volumes"]["gv0"]["options"] = options
    _model, problems = gp.build_model(raw, "gfs1")
    assert any(problem.startswith(path) for problem in problems), problems


def test_volume_geo_replication_sessions():
    raw = pillar()
    raw["volumes"]["gv0"]["geo_replication"] = {
        "backup1::gv0-copy": {"ssh_port": 2222, "config": {"secondary-access-mount": True}},
        "geoaccount@backup2::gv0-far": {"ensure": "paused", "force": True},
        "backup3::gv0-old": None,
    }
    model, problems = gp.build_model(raw, "gfs1")
    assert problems == []
    assert model["volumes"]["gv0"]["geo_replication"] == {
        "backup1::gv0-copy": {
            "ensure": "started",
            "ssh_port": 2222,
            "config": {"secondary-access-mount": True},
            "force": False,
        },
        "geoaccount@backup2::gv0-far": {"ensure": "paused", "ssh_port": None, "config": {}, "force": True},
        "backup3::gv0-old": {"ensure": "started", "ssh_port": None, "config": {}, "force": False},
    }
    assert model["volumes"]["gv1"]["geo_replication"] == {}


@pytest.mark.parametrize(
    "sessions, started, path",
    [
        (
            {"backup1:gv0": {}},
            True,
            "gluster:volumes:gv0:geo_replication:backup1:gv0: secondary 'backup1:gv0' must be host::volume",
        ),
        ({"bad host::gv0": {}}, True, "gluster:volumes:gv0:geo_replication:bad host::gv0: secondary host"),
        (
            {"b::gv0": {"ensure": "running"}},
            True,
            "gluster:volumes:gv0:geo_replication:b::gv0:ensure: 'running' must be one of",
        ),
        (
            {"b::gv0": {}},
            False,
            "gluster:volumes:gv0:geo_replication:b::gv0:ensure: started needs the volume started",
        ),
        (
            {"b::gv0": {"ssh_port": 70000}},
            True,
            "gluster:volumes:gv0:geo_replication:b::gv0:ssh_port: 70000 must be a port",
        ),
        (
            {"b::gv0": {"config": {"sync jobs": 3}}},
            True,
            "gluster:volumes:gv0:geo_replication:b::gv0:config option 'sync jobs'",
        ),
        (
            {"b::gv0": {"config": {"ssh-command": "ssh; rm -rf /"}}},
            True,
            "gluster:volumes:gv0:geo_replication:b::gv0:config ssh-command value",
        ),
        ({"b::gv0": {"pem": True}}, True, "gluster:volumes:gv0:geo_replication:b::gv0:pem: unknown key"),
        ([], True, "gluster:volumes:gv0:geo_replication: must be a mapping"),
    ],
)
def test_geo_replication_problems_name_their_path(sessions, started, path):
    raw = pillar()
    raw["volumes"]["gv0"].update(geo_replication=sessions, started=started)
    _model, problems = gp.build_model(raw, "gfs1")
    assert any(problem.startswith(path) for problem in problems), problems


# a line gsec_create wrote here (tests/data/capture_gsec.py)
KEY_LINE = (
    (Path(__file__).parent.parent / "data" / "georep" / "common_secret.pem.pub").read_text().splitlines()[0]
)


def test_geo_replication_from_sources():
    raw = pillar(
        geo_replication_from=[
            {"minion": "gfs1"},
            {"keys": [KEY_LINE], "user": "geoaccount", "config": "/srv/keys"},
            {"minion": ["gfs1", "gfs2"], "tgt_type": "list"},
        ]
    )
    model, problems = gp.build_model(raw, "gfs1")
    assert problems == []
    assert model["georep_from"] == [
        {"minions": ["gfs1"], "keys": [], "user": "root", "config": None},
        {"minions": [], "keys": [KEY_LINE], "user": "geoaccount", "config": "/srv/keys"},
        {"minions": ["gfs1", "gfs2"], "keys": [], "user": "root", "config": None},
    ]
    assert gp.build_model(pillar(), "gfs1")[0]["georep_from"] == []


@pytest.mark.parametrize(
    "sources, path",
    [
        ({"minion": "gfs1"}, "gluster:geo_replication_from: must be a list"),
        ([{}], "gluster:geo_replication_from:0: give minion"),
        ([{"minion": "gfs1", "keys": [KEY_LINE]}], "gluster:geo_replication_from:0: give minion"),
        ([{"minion": "gfs1\nx"}], "gluster:geo_replication_from:0:minion: 'gfs1\\nx' must be a minion id"),
        (
            [{"minion": "gfs1", "tgt_type": "nodegroup"}],
            "gluster:geo_replication_from:0:tgt_type: 'nodegroup' is refused",
        ),
        (
            [{"keys": ["ssh-rsa AAAA; rm -rf /"]}],
            "gluster:geo_replication_from:0:keys:0: 'ssh-rsa AAAA; rm -rf /' has no forced command",
        ),
        ([{"keys": []}], "gluster:geo_replication_from:0:keys: must be a list of public key lines"),
        (
            [{"minion": "gfs1", "user": "Geo Account"}],
            "gluster:geo_replication_from:0:user: 'Geo Account' must be a user name",
        ),
        (
            [{"minion": "gfs1", "config": "../../etc/passwd"}],
            "gluster:geo_replication_from:0:config: '../../etc/passwd' must be an authorized_keys path",
        ),
        ([{"minion": "gfs1", "home": "/root"}], "gluster:geo_replication_from:0:home: unknown key"),
    ],
)
def test_geo_replication_from_problems_name_their_path(sources, path):
    _model, problems = gp.build_model(pillar(geo_replication_from=sources), "gfs1")
    assert any(problem.startswith(path) for problem in problems), problems


def test_mountbroker_becomes_glusterd_options():
    raw = pillar(mountbroker={"users": {"geoaccount": ["gv0-copy", "gv1-copy"], "geo2": "gv2-copy"}})
    model, problems = gp.build_model(raw, "gfs1")
    assert problems == []
    assert model["mountbroker"] == {
        "root": "/var/mountbroker-root",
        "group": "geogroup",
        "manage_users": True,
        "users": {"geoaccount": ["gv0-copy", "gv1-copy"], "geo2": ["gv2-copy"]},
        "glusterd_options": {
            "mountbroker-root": "/var/mountbroker-root",
            "geo-replication-log-group": "geogroup",
            "mountbroker-geo-replication.geoaccount": "gv0-copy,gv1-copy",
            "mountbroker-geo-replication.geo2": "gv2-copy",
        },
    }
    assert model["server"]["glusterd_options"] == model["mountbroker"]["glusterd_options"]
    assert gp.build_model(pillar(), "gfs1")[0]["mountbroker"] is None


@pytest.mark.parametrize(
    "mountbroker, server, path",
    [
        ([], None, "gluster:mountbroker: must be a mapping"),
        ({}, None, "gluster:mountbroker:users: must be a mapping of user"),
        (
            {"users": {"root": ["gv0"]}},
            None,
            "gluster:mountbroker:users:root: must be a system user name other than root",
        ),
        ({"users": {"geo": []}}, None, "gluster:mountbroker:users:geo: must be a list of volume names"),
        ({"users": {"geo": ["bad vol"]}}, None, "gluster:mountbroker:users:geo: volume 'bad vol'"),
        (
            {"users": {"geo": ["v"]}, "root": "relative/dir"},
            None,
            "gluster:mountbroker:root: 'relative/dir' must be an absolute",
        ),
        ({"users": {"geo": ["v"]}, "root": "/"}, None, "gluster:mountbroker:root: '/' must be an absolute"),
        (
            {"users": {"geo": ["v"]}, "group": "geo group"},
            None,
            "gluster:mountbroker:group: 'geo group' must be a group name",
        ),
        (
            {"users": {"geo": ["v"]}, "manage_users": "yes"},
            None,
            "gluster:mountbroker:manage_users: 'yes' must be true or false",
        ),
        ({"users": {"geo": ["v"]}, "uid": 1500}, None, "gluster:mountbroker:uid: unknown key"),
        (
            {"users": {"geo": ["v"]}},
            {"glusterd_options": {"mountbroker-root": "/x"}},
            "gluster:server:glusterd_options:mountbroker-root: set by gluster:mountbroker",
        ),
    ],
)
def test_mountbroker_problems_name_their_path(mountbroker, server, path):
    top = {"mountbroker": mountbroker, **({"server": server} if server else {})}
    _model, problems = gp.build_model(pillar(**top), "gfs1")
    assert any(problem.startswith(path) for problem in problems), problems


def test_monitoring_settings():
    model, problems = gp.build_model(pillar(monitoring={"interval": 10, "heal_threshold": 100}), "gfs1")
    assert problems == [] and model["monitoring"] == {
        "interval": 10,
        "checks": ["bricks", "peers"],
        "heal_threshold": 100,
    }
    assert gp.build_model(pillar(monitoring=True), "gfs1")[0]["monitoring"] == {
        "interval": 30,
        "checks": ["bricks", "peers"],
        "heal_threshold": 0,
    }
    assert gp.build_model(pillar(), "gfs1")[0]["monitoring"] is None


@pytest.mark.parametrize(
    "monitoring, path",
    [
        ("yes", "gluster:monitoring: must be true or a mapping"),
        ({"interval": 1}, "gluster:monitoring:interval: 1 must be a whole number of seconds >= 5"),
        ({"checks": ["heal"]}, "gluster:monitoring:checks: ['heal'] must be a list of bricks, peers"),
        ({"heal_threshold": -1}, "gluster:monitoring:heal_threshold: -1 must be a whole number >= 0"),
        ({"every": 5}, "gluster:monitoring:every: unknown key"),
    ],
)
def test_monitoring_problems_name_their_path(monitoring, path):
    _model, problems = gp.build_model(pillar(monitoring=monitoring), "gfs1")
    assert any(problem.startswith(path) for problem in problems), problems


def test_the_model_shown_has_no_private_key():
    key = "-----BEGIN PRIVATE KEY-----\n" + "A" * 64 + "\n-----END PRIVATE KEY-----\n"
    model = {"tls": {"ca": "CA", "certificate": "CERT", "key": key}, "volumes": {}}
    shown = gp.redacted(model)
    assert shown["tls"] == {
        "ca": "CA",
        "certificate": "CERT",
        "key": "<secret from gluster:tls:key: not shown>",
    }
    assert model["tls"]["key"] == key  # the model itself is left as it was
    assert gp.redacted({"tls": None}) == {"tls": None}
    assert gp.redacted({"tls": {"key": None}}) == {"tls": {"key": None}}
