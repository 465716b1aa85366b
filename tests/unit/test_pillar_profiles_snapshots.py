"""Tuning profiles: gluster's own group files (copied from glusterfs-server 10.3's
/var/lib/glusterd/groups into tests/data/groups) parsed, the plan's merge order (profiles in
order, then the volume's options), the shard guard, the pillar's ``profiles`` keys, and the
pillar's snapshot settings (``gluster:snapshots``, ``gluster:volumes:<name>:snapshots``)."""

from pathlib import Path

import pytest
from salt.exceptions import SaltInvocationError
from saltext_gluster_utils import gluster_options as go
from saltext_gluster_utils import gluster_pillar as gp

from conftest import load_loader_module

GROUPS = Path(__file__).parent.parent / "data" / "groups"
GLUSTER = load_loader_module("gluster_profiles_unit", "gluster.py")


@pytest.mark.parametrize(
    "name, count",
    [("virt", 25), ("metadata-cache", 6), ("db-workload", 12), ("gluster-block", 28), ("nl-cache", 5),
     ("samba", 12), ("distributed-virt", 11)],
)  # fmt: skip
def test_gluster_group_files_parse(name, count):
    options, problems = go.parse_group((GROUPS / name).read_text())
    assert problems == [] and len(options) == count
    assert all("." in key and value for key, value in options.items())


def test_group_file_problems_name_the_line():
    options, problems = go.parse_group("# comment\n\na.b=1\nnot an option\na.b=2\nc.d=\n")
    assert options == {"a.b": "1"}
    assert problems == [
        "line 4: 'not an option' is not key=value",
        "line 5: a.b given twice",
        "line 6: 'c.d=' is not key=value",
    ]


@pytest.mark.parametrize(
    "current, to_set, to_reset, refused",
    [
        ({"features.shard": "on"}, {}, ["features.shard"], True),
        ({"features.shard": "enable"}, {"features.shard": "disable"}, [], True),
        ({"features.shard": "on"}, {"features.shard": "on"}, [], False),
        ({"features.shard": "off"}, {}, ["features.shard"], False),
        ({}, {"features.shard": "off"}, [], False),
        ({"features.shard": "on"}, {"features.shard-block-size": "64MB"}, [], False),
    ],
)
def test_sharding_is_never_turned_off(current, to_set, to_reset, refused):
    problems = go.one_way_problems("vm", current, to_set, to_reset)
    assert bool(problems) is refused
    assert all("volume vm: features.shard is on" in p for p in problems)


@pytest.fixture
def volume(monkeypatch):
    """A volume ``vm`` with a few options; gluster:groups_dir at the captured group files."""
    current = {
        "vm": {
            "started": False,
            "options": {
                "performance.quick-read": "on",
                "transport.address-family": "inet",
                "user.extra": "1",
            },
        }
    }
    monkeypatch.setattr(GLUSTER, "_volumes", lambda name=None: current)
    for name, value in (
        ("__context__", {}),
        ("__opts__", {"gluster": {"groups_dir": str(GROUPS)}}),
        ("__pillar__", {}),
    ):
        monkeypatch.setattr(GLUSTER, name, value, raising=False)
    return current["vm"]["options"]


def test_plan_merges_profiles_in_order_then_options(volume):
    mine = {"mine": {"performance.md-cache-timeout": 60, "performance.cache-size": "64MB"}}
    plan = GLUSTER.volume_options_plan(
        "vm", {"network.inode-lru-limit": 1000}, profiles=["metadata-cache", mine]
    )
    assert plan["set"] == {
        "features.cache-invalidation": "on",
        "features.cache-invalidation-timeout": "600",
        "performance.stat-prefetch": "on",
        "performance.cache-invalidation": "on",
        "performance.md-cache-timeout": "60",  # mine, later, wins over metadata-cache's 600
        "network.inode-lru-limit": "1000",  # the volume's own option wins over metadata-cache's 200000
        "performance.cache-size": "64MB",
    }
    assert plan["profiles"]["performance.md-cache-timeout"] == "mine"
    assert plan["profiles"]["features.cache-invalidation"] == "metadata-cache"
    assert "network.inode-lru-limit" not in plan["profiles"]
    assert plan["reset"] == []


def test_plan_with_reset_unmanaged_keeps_profile_options(volume):
    plan = GLUSTER.volume_options_plan("vm", {}, reset_unmanaged=True, profiles=["virt"])
    assert plan["reset"] == ["user.extra"]  # quick-read is in virt (off); address-family is gluster's own
    assert plan["set"]["performance.quick-read"] == "off" and len(plan["set"]) == 25


def test_plan_names_the_options_a_started_volume_must_restart_for(volume, monkeypatch):
    tls = {"client.ssl": "on", "server.ssl": "on", "auth.ssl-allow": "gfs1,web1"}
    assert GLUSTER.volume_options_plan("vm", tls)["restart"] == []  # not started: nothing to restart
    monkeypatch.setattr(
        GLUSTER, "_volumes", lambda name=None: {"vm": {"started": True, "options": dict(tls)}}
    )
    assert GLUSTER.volume_options_plan("vm", tls)["restart"] == []  # as wanted
    assert (
        GLUSTER.volume_options_plan("vm", dict(tls, **{"auth.ssl-allow": "gfs1"}))["restart"] == []
    )  # dynamic
    assert GLUSTER.volume_options_plan("vm", dict(tls, **{"server.ssl": "off"}))["restart"] == ["server.ssl"]
    plan = GLUSTER.volume_options_plan("vm", {"auth.ssl-allow": "gfs1,web1"}, reset_unmanaged=True)
    assert plan["reset"] == ["client.ssl", "server.ssl"] and plan["restart"] == ["client.ssl", "server.ssl"]


def test_plan_refuses_to_turn_sharding_off(volume):
    volume["features.shard"] = "on"
    with pytest.raises(SaltInvocationError, match="features.shard is on"):
        GLUSTER.volume_options_plan("vm", {}, reset_unmanaged=True, profiles=["metadata-cache"])
    assert GLUSTER.volume_options_plan("vm", {}, reset_unmanaged=True, profiles=["virt"])["reset"] == [
        "user.extra"
    ]


@pytest.mark.parametrize(
    "profiles, message",
    [
        (["nosuch"], r"'nosuch' is neither in the pillar .* \(there: db-workload, distributed-virt"),
        (["../virt"], "profile 1 '../virt' must be a name"),
        ([".."], "profile 1 '..' must be a name"),
        ("virt", "profiles must be a list"),
        ([{"mine": {"bad key!": 1}}], "profile 1 \\(mine\\) option name 'bad key!'"),
        ([{"mine": {}}], "profile 1 \\(mine\\) option must be a non-empty mapping"),
    ],
)
def test_plan_refuses_bad_profiles(volume, profiles, message):
    with pytest.raises(SaltInvocationError, match=message):
        GLUSTER.volume_options_plan("vm", {}, profiles=profiles)


def test_a_broken_group_file_is_an_error_naming_it(volume, tmp_path):
    (tmp_path / "broken").write_text("performance.cache-size=64MB\njunk\n")
    (tmp_path / "virt").write_text((GROUPS / "virt").read_text())
    GLUSTER.__opts__["gluster"]["groups_dir"] = str(tmp_path)
    with pytest.raises(SaltInvocationError, match=r"'broken' \(.*/broken\): line 2: 'junk' is not key=value"):
        GLUSTER.volume_options_plan("vm", {}, profiles=["broken"])
    assert list(GLUSTER.profiles()) == ["virt"]  # the broken file is left out of the list


def pillar(**volume):
    return {
        "nodes": {"gfs1": "10.0.0.1", "gfs2": "10.0.0.2"},
        "profiles": {"archive": {"performance.cache-size": "256MB", "performance.io-cache": True}},
        "volumes": {"vm": {"replica": 2, "brick_path": "/b/vm", **volume}},
    }


def test_pillar_profiles_resolve_to_the_state_list():
    model, problems = gp.build_model(pillar(profiles=["virt", "archive"]), "gfs1")
    assert problems == []
    assert model["volumes"]["vm"]["profiles"] == [
        "virt",
        {"archive": {"performance.cache-size": "256MB", "performance.io-cache": "on"}},
    ]
    model, problems = gp.build_model(pillar(), "gfs1")
    assert problems == [] and model["volumes"]["vm"]["profiles"] == []


@pytest.mark.parametrize(
    "top, volume, path",
    [
        ({}, {"profiles": "virt"}, "gluster:volumes:vm:profiles: must be a list"),
        ({}, {"profiles": ["virt", "virt"]}, "gluster:volumes:vm:profiles:1: virt is listed twice"),
        ({}, {"profiles": ["a/b"]}, "gluster:volumes:vm:profiles:0: profile 'a/b' must be a name"),
        ({"profiles": ["x"]}, {}, "gluster:profiles: must be a mapping"),
        ({"profiles": {"x y": {"a.b": 1}}}, {}, "gluster:profiles:x y: profile name 'x y'"),
        ({"profiles": {"x": {}}}, {}, "gluster:profiles:x: must be a non-empty mapping"),
        (
            {"profiles": {"x": {"features.quota": "on"}}},
            {},
            "gluster:profiles:x:features.quota: quotas are set by",
        ),
        (
            {"groups_dir": "relative/dir"},
            {},
            "gluster:groups_dir: 'relative/dir' must be an absolute directory",
        ),
    ],
)
def test_pillar_profile_problems_name_their_path(top, volume, path):
    raw = pillar(**volume)
    raw.update(top)
    _model, problems = gp.build_model(raw, "gfs1")
    assert any(problem.startswith(path) for problem in problems), problems


def test_pillar_snapshot_settings():
    raw = pillar(snapshots={"hard_limit": 50})
    raw["snapshots"] = {"hard_limit": 100, "soft_limit": 80, "auto_delete": True, "activate_on_create": False}
    model, problems = gp.build_model(raw, "gfs1")
    assert problems == []
    assert model["snapshots"] == raw["snapshots"] and model["volumes"]["vm"]["snapshots"] == {
        "hard_limit": 50
    }
    model, problems = gp.build_model(pillar(), "gfs1")
    assert problems == [] and model["snapshots"] is None and model["volumes"]["vm"]["snapshots"] is None


@pytest.mark.parametrize(
    "top, volume, path",
    [
        (
            {"snapshots": {"hard_limit": 300}},
            {},
            "gluster:snapshots:hard_limit: 300 must be a whole number from 1 to 256",
        ),
        ({"snapshots": {"soft_limit": 100}}, {}, "gluster:snapshots:soft_limit: 100 must be a percentage"),
        (
            {"snapshots": {"auto_delete": "yes"}},
            {},
            "gluster:snapshots:auto_delete: 'yes' must be true or false",
        ),
        ({"snapshots": {"hard_limt": 5}}, {}, "gluster:snapshots:hard_limt: unknown key"),
        ({"snapshots": []}, {}, "gluster:snapshots: must be a mapping"),
        (
            {},
            {"snapshots": {"soft_limit": 80}},
            "gluster:volumes:vm:snapshots:soft_limit: unknown key; allowed: hard_limit",
        ),
        (
            {},
            {"snapshots": {"hard_limit": True}},
            "gluster:volumes:vm:snapshots:hard_limit: True must be a whole number",
        ),
    ],
)
def test_pillar_snapshot_problems_name_their_path(top, volume, path):
    raw = pillar(**volume)
    raw.update(top)
    _model, problems = gp.build_model(raw, "gfs1")
    assert any(problem.startswith(path) for problem in problems), problems


def test_pillar_snapshot_schedule():
    schedule = {
        "hourly": {"keep": 24, "hours": 1},
        "daily": {"keep": 7, "days": 1},
        "old": {"ensure": "absent"},
    }
    model, problems = gp.build_model(pillar(snapshots={"hard_limit": 50, "schedule": schedule}), "gfs1")
    assert problems == []
    assert model["volumes"]["vm"]["snapshots"] == {"hard_limit": 50}
    assert model["volumes"]["vm"]["snapshot_schedule"] == {
        "hourly": {"keep": 24, "interval": ("hours", 1), "ensure": "present"},
        "daily": {"keep": 7, "interval": ("days", 1), "ensure": "present"},
        "old": {"keep": None, "interval": None, "ensure": "absent"},
    }
    model, problems = gp.build_model(
        pillar(snapshots={"schedule": {"m": {"keep": 1, "minutes": 30}}}), "gfs1"
    )
    assert problems == [] and model["volumes"]["vm"]["snapshots"] is None
    assert model["volumes"]["vm"]["snapshot_schedule"] == {
        "m": {"keep": 1, "interval": ("minutes", 30), "ensure": "present"}
    }


@pytest.mark.parametrize(
    "schedule, path",
    [
        ([], "gluster:volumes:vm:snapshots:schedule: must be a mapping of snapshot name prefix"),
        (
            {"bad prefix": {"keep": 1, "hours": 1}},
            "gluster:volumes:vm:snapshots:schedule:bad prefix: prefix 'bad prefix'",
        ),
        (
            {"h": {"hours": 1}},
            "gluster:volumes:vm:snapshots:schedule:h:keep: None must be the number of snapshots to keep",
        ),
        ({"h": {"keep": 0, "hours": 1}}, "gluster:volumes:vm:snapshots:schedule:h:keep: 0 must be"),
        (
            {"h": {"keep": 2}},
            "gluster:volumes:vm:snapshots:schedule:h: give one interval of seconds, minutes, hours, days",
        ),
        (
            {"h": {"keep": 2, "hours": 1, "days": 1}},
            "gluster:volumes:vm:snapshots:schedule:h: give one interval",
        ),
        (
            {"h": {"keep": 2, "hours": "1h"}},
            "gluster:volumes:vm:snapshots:schedule:h:hours: '1h' must be a whole number",
        ),
        (
            {"h": {"keep": 2, "hours": 1, "cron": "0 * * * *"}},
            "gluster:volumes:vm:snapshots:schedule:h:cron: unknown key",
        ),
        (
            {"h": {"ensure": "gone"}},
            "gluster:volumes:vm:snapshots:schedule:h:ensure: 'gone' must be present or absent",
        ),
        ({"h": "hourly"}, "gluster:volumes:vm:snapshots:schedule:h: must be a mapping with keep"),
    ],
)
def test_pillar_snapshot_schedule_problems_name_their_path(schedule, path):
    _model, problems = gp.build_model(pillar(snapshots={"schedule": schedule}), "gfs1")
    assert any(problem.startswith(path) for problem in problems), problems
