"""The ``gluster`` pillar -> model of ``_utils/gluster_pillar.py``: computed layouts and validation."""

import copy

import pytest
import saltext_gluster_utils.gluster_pillar as gp

NODES = {"gfs1": "127.1.1.1", "gfs2": "127.1.1.2", "gfs3": "127.1.1.3"}

VALID = {
    "nodes": NODES,
    "volumes": {
        "gv0": {"type": "distribute", "brick_path": "/data/glusterfs/gv0/brick"},
        "rep": {
            "type": "replicate",
            "replica": 3,
            "brick_path": "/data/glusterfs/rep/brick",
            "options": {
                "performance.quick-read": False,
                "nfs.disable": True,
                "network.ping-timeout": 10,
                "performance.cache-size": "64MB",
            },
        },
        "arb": {"type": "arbiter", "brick_path": "/data/glusterfs/arb/brick"},
        "ec": {"type": "disperse", "disperse": 3, "redundancy": 1, "brick_path": "/data/glusterfs/ec/brick"},
        "dr": {
            "type": "distributed-replicate",
            "replica": 3,
            "bricks_per_node": 2,
            "brick_path": "/data/glusterfs/dr/brick{n}",
        },
        "dd": {
            "type": "distributed-disperse",
            "disperse": 3,
            "redundancy": 1,
            "bricks_per_node": 2,
            "brick_path": "/data/glusterfs/dd/brick{n}",
        },
        "chain": {
            "type": "distributed-replicate",
            "replica": 2,
            "bricks_per_node": 2,
            "layout": "chained",
            "brick_path": "/data/glusterfs/chain/brick{n}",
        },
        "pair": {"type": "replicate", "replica": 2, "nodes": ["gfs2", "gfs3"], "brick_path": "/data/pair"},
        "ex": {
            "type": "replicate",
            "replica": 3,
            "bricks": ["gfs1:/bricks/ex", "127.1.1.2:/bricks/ex", "gfs3:/bricks/ex"],
            "started": False,
            "reset_unmanaged": True,
        },
        "old": {"ensure": "absent"},
    },
    "clients": {
        "client1": {
            "mounts": {
                "/mnt/gv0": {"volume": "gv0", "options": ["noatime"]},
                "/mnt/pair": {"volume": "pair", "options": "_netdev,ro", "persist": False},
            }
        }
    },
}

EXPECTED_BRICKS = {
    "gv0": [
        "127.1.1.1:/data/glusterfs/gv0/brick",
        "127.1.1.2:/data/glusterfs/gv0/brick",
        "127.1.1.3:/data/glusterfs/gv0/brick",
    ],
    "rep": [
        "127.1.1.1:/data/glusterfs/rep/brick",
        "127.1.1.2:/data/glusterfs/rep/brick",
        "127.1.1.3:/data/glusterfs/rep/brick",
    ],
    "arb": [
        "127.1.1.1:/data/glusterfs/arb/brick",
        "127.1.1.2:/data/glusterfs/arb/brick",
        "127.1.1.3:/data/glusterfs/arb/brick",
    ],
    "ec": [
        "127.1.1.1:/data/glusterfs/ec/brick",
        "127.1.1.2:/data/glusterfs/ec/brick",
        "127.1.1.3:/data/glusterfs/ec/brick",
    ],
    "dr": [
        "127.1.1.1:/data/glusterfs/dr/brick1",
        "127.1.1.2:/data/glusterfs/dr/brick1",
        "127.1.1.3:/data/glusterfs/dr/brick1",
        "127.1.1.1:/data/glusterfs/dr/brick2",
        "127.1.1.2:/data/glusterfs/dr/brick2",
        "127.1.1.3:/data/glusterfs/dr/brick2",
    ],
    "dd": [
        "127.1.1.1:/data/glusterfs/dd/brick1",
        "127.1.1.2:/data/glusterfs/dd/brick1",
        "127.1.1.3:/data/glusterfs/dd/brick1",
        "127.1.1.1:/data/glusterfs/dd/brick2",
        "127.1.1.2:/data/glusterfs/dd/brick2",
        "127.1.1.3:/data/glusterfs/dd/brick2",
    ],
    "chain": [
        "127.1.1.1:/data/glusterfs/chain/brick1",
        "127.1.1.2:/data/glusterfs/chain/brick1",
        "127.1.1.2:/data/glusterfs/chain/brick2",
        "127.1.1.3:/data/glusterfs/chain/brick1",
        "127.1.1.3:/data/glusterfs/chain/brick2",
        "127.1.1.1:/data/glusterfs/chain/brick2",
    ],
    "pair": ["127.1.1.2:/data/pair", "127.1.1.3:/data/pair"],
    "ex": ["127.1.1.1:/bricks/ex", "127.1.1.2:/bricks/ex", "127.1.1.3:/bricks/ex"],
}


def valid():
    return copy.deepcopy(VALID)


@pytest.fixture(name="model")
def _model():
    model, problems = gp.build_model(valid(), "gfs2")
    assert problems == []
    return model


# --------------------------------------------------------------------------- the valid pillar


def test_valid_pillar_has_no_problems():
    for minion_id in ("gfs1", "gfs2", "gfs3", "client1", "elsewhere", None):
        assert gp.build_model(valid(), minion_id)[1] == []


def test_build_model_does_not_change_the_pillar():
    pillar = valid()
    gp.build_model(pillar, "gfs1")
    assert pillar == VALID


def test_nodes(model):
    assert model["nodes"] == NODES


def test_every_volume_in_model(model):
    assert sorted(model["volumes"]) == sorted(VALID["volumes"])


@pytest.mark.parametrize("name", sorted(EXPECTED_BRICKS))
def test_computed_bricks(model, name):
    assert model["volumes"][name]["bricks"] == EXPECTED_BRICKS[name]
    assert model["volumes"][name]["name"] == name
    assert model["volumes"][name]["ensure"] == "present"


@pytest.mark.parametrize(
    "name, counts",
    [
        ("gv0", (None, None, None, None)),
        ("rep", (3, None, None, None)),
        ("arb", (3, 1, None, None)),  # type arbiter -> replica 3 arbiter 1
        ("ec", (None, None, 3, 1)),
        ("dr", (3, None, None, None)),
        ("dd", (None, None, 3, 1)),
        ("chain", (2, None, None, None)),
        ("pair", (2, None, None, None)),
        ("ex", (3, None, None, None)),
    ],
)
def test_counts(model, name, counts):
    volume = model["volumes"][name]
    assert (volume["replica"], volume["arbiter"], volume["disperse"], volume["redundancy"]) == counts
    assert volume["transport"] == "tcp"
    assert volume["force"] is False


@pytest.mark.parametrize("name, size", [("dr", 3), ("dd", 3), ("chain", 2), ("pair", 2)])
def test_sets_on_distinct_hosts(model, name, size):
    bricks = model["volumes"][name]["bricks"]
    for start in range(0, len(bricks), size):
        hosts = [brick.rpartition(":")[0] for brick in bricks[start : start + size]]
        assert len(set(hosts)) == size


def test_distributed_replicate_two_sets_of_three(model):
    bricks = model["volumes"]["dr"]["bricks"]
    assert len(bricks) == 6
    assert [b.rpartition(":")[0] for b in bricks[:3]] == ["127.1.1.1", "127.1.1.2", "127.1.1.3"]
    assert [b.rpartition(":")[0] for b in bricks[3:]] == ["127.1.1.1", "127.1.1.2", "127.1.1.3"]


def test_explicit_bricks_map_minion_ids_to_addresses(model):
    assert model["volumes"]["ex"]["bricks"] == [
        "127.1.1.1:/bricks/ex",  # gfs1
        "127.1.1.2:/bricks/ex",  # already an address
        "127.1.1.3:/bricks/ex",  # gfs3
    ]


def test_options_become_gluster_strings(model):
    assert model["volumes"]["rep"]["options"] == {
        "performance.quick-read": "off",
        "nfs.disable": "on",
        "network.ping-timeout": "10",
        "performance.cache-size": "64MB",
    }
    assert model["volumes"]["gv0"]["options"] == {}


def test_started_defaults_true(model):
    for name in ("gv0", "rep", "arb", "ec", "dr", "dd", "chain", "pair"):
        assert model["volumes"][name]["started"] is True
    assert model["volumes"]["ex"]["started"] is False


def test_reset_unmanaged_defaults_false(model):
    assert model["volumes"]["rep"]["reset_unmanaged"] is False
    assert model["volumes"]["ex"]["reset_unmanaged"] is True


def test_absent_volume(model):
    assert model["volumes"]["old"] == {"name": "old", "ensure": "absent"}


def test_leader_defaults_to_first_node(model):
    assert model["leader"] == "gfs1"
    assert model["leader_address"] == "127.1.1.1"


def test_leader_from_pillar():
    pillar = valid()
    pillar["leader"] = "gfs3"
    model, problems = gp.build_model(pillar, "gfs3")
    assert problems == []
    assert model["leader"] == "gfs3"
    assert model["leader_address"] == "127.1.1.3"
    assert model["minion"]["is_leader"] is True


def test_cluster_defaults(model):
    assert model["peer_timeout"] == 120
    assert model["op_version"] is None
    assert model["server"] == {"manage_packages": True, "manage_service": True, "glusterd_options": {}}


def test_cluster_settings():
    pillar = valid()
    pillar.update(
        {
            "peer_timeout": 30,
            "op_version": "max",
            "server": {"manage_packages": False, "glusterd_options": {"base-port": 49152}},
            "socket": "/run/glusterd.socket",
            "timeout": 60,
        }
    )
    model, problems = gp.build_model(pillar, "gfs1")
    assert problems == []
    assert model["peer_timeout"] == 30
    assert model["op_version"] == "max"
    assert model["server"] == {
        "manage_packages": False,
        "manage_service": True,
        "glusterd_options": {"base-port": 49152},
    }


def test_volume_workers_default_and_set(model):
    assert model["volume_workers"] == 3
    assert gp.build_model({"nodes": NODES, "volume_workers": 1}, "gfs1")[0]["volume_workers"] == 1
    assert gp.build_model({"nodes": NODES, "volume_workers": 16}, "gfs1")[0]["volume_workers"] == 16


@pytest.mark.parametrize("workers", [0, 17, True, "3", 2.5, None])
def test_volume_workers_refused(workers):
    _model, problems = gp.build_model({"nodes": NODES, "volume_workers": workers}, "gfs1")
    assert [str(p) for p in problems] == [
        f"gluster:volume_workers: {workers!r} must be a whole number from 1 (one volume after another) to 16"
    ]


def test_op_version_number():
    model, problems = gp.build_model({"nodes": NODES, "op_version": 100000}, "gfs1")
    assert problems == []
    assert model["op_version"] == 100000


def test_minion_section_for_gfs2(model):
    assert model["minion"] == {
        "id": "gfs2",
        "is_node": True,
        "is_leader": False,
        "is_client": False,
        "address": "127.1.1.2",
        "brick_dirs": [
            "/bricks/ex",
            "/data/glusterfs/arb/brick",
            "/data/glusterfs/chain/brick1",
            "/data/glusterfs/chain/brick2",
            "/data/glusterfs/dd/brick1",
            "/data/glusterfs/dd/brick2",
            "/data/glusterfs/dr/brick1",
            "/data/glusterfs/dr/brick2",
            "/data/glusterfs/ec/brick",
            "/data/glusterfs/gv0/brick",
            "/data/glusterfs/rep/brick",
            "/data/pair",
        ],
        "backends": {},
        "brick_mounts": {},
    }


def test_minion_section_for_leader():
    model, problems = gp.build_model(valid(), "gfs1")
    assert problems == []
    minion = model["minion"]
    assert minion["id"] == "gfs1"
    assert minion["is_node"] is True
    assert minion["is_leader"] is True
    assert minion["is_client"] is False
    assert minion["address"] == "127.1.1.1"
    # gfs1 carries no brick of "pair" (nodes: gfs2, gfs3)
    assert minion["brick_dirs"] == [
        "/bricks/ex",
        "/data/glusterfs/arb/brick",
        "/data/glusterfs/chain/brick1",
        "/data/glusterfs/chain/brick2",
        "/data/glusterfs/dd/brick1",
        "/data/glusterfs/dd/brick2",
        "/data/glusterfs/dr/brick1",
        "/data/glusterfs/dr/brick2",
        "/data/glusterfs/ec/brick",
        "/data/glusterfs/gv0/brick",
        "/data/glusterfs/rep/brick",
    ]


def test_minion_section_for_client():
    model, _problems = gp.build_model(valid(), "client1")
    assert model["minion"] == {
        "id": "client1",
        "is_node": False,
        "is_leader": False,
        "is_client": True,
        "address": None,
        "brick_dirs": [],
        "backends": {},
        "brick_mounts": {},
    }


def test_minion_section_for_unrelated_minion():
    model, _problems = gp.build_model(valid(), "web7")
    assert model["minion"] == {
        "id": "web7",
        "is_node": False,
        "is_leader": False,
        "is_client": False,
        "address": None,
        "brick_dirs": [],
        "backends": {},
        "brick_mounts": {},
    }


def test_client_mount(model):
    mount = model["clients"]["client1"]["mounts"]["/mnt/gv0"]
    assert mount["volume"] == "gv0"
    assert mount["device"] == "127.1.1.1:/gv0"
    assert mount["server"] == "127.1.1.1"
    assert mount["backup_servers"] == ["127.1.1.2", "127.1.1.3"]
    assert mount["options"] == ["_netdev", "noatime", "backup-volfile-servers=127.1.1.2:127.1.1.3"]
    assert mount["options"][0] == "_netdev"
    assert mount["options"][-1] == "backup-volfile-servers=127.1.1.2:127.1.1.3"
    assert mount["persist"] is True
    assert mount["mounted"] is True


def test_client_mount_options_string_and_netdev_once(model):
    mount = model["clients"]["client1"]["mounts"]["/mnt/pair"]
    assert mount["device"] == "127.1.1.2:/pair"
    assert mount["backup_servers"] == ["127.1.1.3"]
    assert mount["options"] == ["_netdev", "ro", "backup-volfile-servers=127.1.1.3"]
    assert mount["persist"] is False


def test_client_mount_server_given():
    pillar = valid()
    pillar["clients"] = {"client1": {"mounts": {"/mnt/gv0": {"volume": "gv0", "server": "127.1.1.2"}}}}
    model, problems = gp.build_model(pillar, "client1")
    assert problems == []
    mount = model["clients"]["client1"]["mounts"]["/mnt/gv0"]
    assert mount["device"] == "127.1.1.2:/gv0"
    assert mount["backup_servers"] == ["127.1.1.1", "127.1.1.3"]
    assert mount["options"] == ["_netdev", "backup-volfile-servers=127.1.1.1:127.1.1.3"]


def test_node_value_forms():
    pillar = {"nodes": {"gfs1": {"address": "10.0.0.1"}, "gfs2": "10.0.0.2", "gfs3.example.com": None}}
    model, problems = gp.build_model(pillar, "gfs1")
    assert problems == []
    assert model["nodes"] == {"gfs1": "10.0.0.1", "gfs2": "10.0.0.2", "gfs3.example.com": "gfs3.example.com"}


def test_no_gluster_pillar_is_valid():
    model, problems = gp.build_model(None, "x")
    assert problems == []
    assert model["volumes"] == {}
    assert model["clients"] == {}
    assert model["nodes"] == {}
    assert model["leader"] is None
    assert model["minion"]["is_node"] is False
    assert model["minion"]["is_leader"] is False


def test_empty_gluster_pillar_is_valid():
    model, problems = gp.build_model({}, "x")
    assert problems == []
    assert model["volumes"] == {}


def test_runner_settings_only_is_valid():
    model, problems = gp.build_model({"binary": "gluster", "timeout": 120, "lock_retries": 5}, "x")
    assert problems == []
    assert model["volumes"] == {}


def test_force_accepts_set_members_on_one_host():
    bricks = ["gfs1:/a", "gfs1:/b", "gfs2:/a", "gfs3:/a"]
    spec = {"type": "distributed-replicate", "replica": 2, "bricks": bricks}
    model, problems = gp.build_model({"nodes": NODES, "volumes": {"gv0": dict(spec)}}, "gfs1")
    assert problems == [
        "gluster:volumes:gv0:bricks: set 1 has more than one brick on 127.1.1.1: losing that host loses "
        "the set's redundancy; spread the set over distinct nodes or set force: true"
    ]
    model, problems = gp.build_model({"nodes": NODES, "volumes": {"gv0": dict(spec, force=True)}}, "gfs1")
    assert problems == []
    assert model["volumes"]["gv0"]["force"] is True
    assert model["volumes"]["gv0"]["bricks"] == [
        "127.1.1.1:/a",
        "127.1.1.1:/b",
        "127.1.1.2:/a",
        "127.1.1.3:/a",
    ]
    assert model["minion"]["brick_dirs"] == ["/a", "/b"]


def test_day2_defaults(model):
    volume = model["volumes"]["rep"]
    assert (volume["allow_shrink"], volume["allow_replace"], volume["rebalance"]) == (False, False, "full")
    assert (volume["rebalance_timeout"], volume["heal_timeout"], volume["migration_timeout"]) == (0, 0, 3600)
    assert model["detach_removed_nodes"] is False
    assert model["maintenance"] == gp.MAINTENANCE_DEFAULTS
    assert model["maintenance"]["stop_commands"] is not gp.MAINTENANCE_DEFAULTS["stop_commands"]


def test_day2_settings():
    spec = {"brick_path": "/d", "allow_shrink": True, "allow_replace": True, "rebalance": "fix-layout",
            "rebalance_timeout": 60, "heal_timeout": 120, "migration_timeout": 30}  # fmt: skip
    maintenance = {"stop_commands": [["/usr/local/bin/stop-gluster", "--now"]], "heal_timeout": 600}
    pillar = {
        "nodes": NODES,
        "volumes": {"gv0": spec},
        "detach_removed_nodes": True,
        "maintenance": maintenance,
    }
    model, problems = gp.build_model(pillar, "gfs1")
    assert problems == []
    volume = model["volumes"]["gv0"]
    assert (volume["allow_shrink"], volume["rebalance"], volume["rebalance_timeout"]) == (
        True,
        "fix-layout",
        60,
    )
    assert volume["allow_replace"] is True
    assert (volume["heal_timeout"], volume["migration_timeout"]) == (120, 30)
    assert model["detach_removed_nodes"] is True
    assert model["maintenance"]["stop_commands"] == [["/usr/local/bin/stop-gluster", "--now"]]
    assert model["maintenance"]["start_commands"] == gp.MAINTENANCE_DEFAULTS["start_commands"]
    assert model["maintenance"]["heal_timeout"] == 600


# --------------------------------------------------------------------------- bad pillars


def _with_volume(**spec):
    return {"nodes": dict(NODES), "volumes": {"gv0": spec}}


def _with_mount(mountpoint="/mnt/gv0", volumes=None, **mount):
    return {
        "nodes": dict(NODES),
        "volumes": volumes if volumes is not None else {"gv0": {"brick_path": "/data/gv0"}},
        "clients": {"client1": {"mounts": {mountpoint: mount}}},
    }


FOUR_NODES = {"gfs1": "127.1.1.1", "gfs2": "127.1.1.2", "gfs3": "127.1.1.3", "gfs4": "127.1.1.4"}

BAD = [
    # (id, pillar, exact start of the problem, key phrase)
    (
        "allow-shrink-string",
        _with_volume(brick_path="/d", allow_shrink="yes"),
        "gluster:volumes:gv0:allow_shrink: ",
        "'yes' must be true or false",
    ),
    (
        "rebalance-unknown",
        _with_volume(brick_path="/d", rebalance="always"),
        "gluster:volumes:gv0:rebalance: ",
        "'always' must be full, fix-layout or none",
    ),
    (
        "rebalance-timeout-negative",
        _with_volume(brick_path="/d", rebalance_timeout=-1),
        "gluster:volumes:gv0:rebalance_timeout: ",
        "-1 must be a whole number of seconds",
    ),
    (
        "heal-timeout-string",
        _with_volume(brick_path="/d", heal_timeout="1h"),
        "gluster:volumes:gv0:heal_timeout: ",
        "'1h' must be a whole number of seconds",
    ),
    (
        "migration-timeout-zero",
        _with_volume(brick_path="/d", migration_timeout=0),
        "gluster:volumes:gv0:migration_timeout: ",
        "0 must be a whole number of seconds",
    ),
    (
        "detach-removed-nodes-string",
        {"nodes": NODES, "detach_removed_nodes": "no"},
        "gluster:detach_removed_nodes: ",
        "'no' must be true or false",
    ),
    (
        "maintenance-not-mapping",
        {"nodes": NODES, "maintenance": ["reboot"]},
        "gluster:maintenance: ",
        "must be a mapping",
    ),
    (
        "maintenance-command-string",
        {"nodes": NODES, "maintenance": {"stop_commands": ["systemctl stop glusterd"]}},
        "gluster:maintenance:stop_commands: ",
        "each an argv list of strings (no shell)",
    ),
    (
        "maintenance-command-empty",
        {"nodes": NODES, "maintenance": {"start_commands": [[]]}},
        "gluster:maintenance:start_commands: ",
        "each an argv list of strings",
    ),
    (
        "maintenance-key-typo",
        {"nodes": NODES, "maintenance": {"stop_command": [["x"]]}},
        "gluster:maintenance:stop_command: ",
        "unknown key; allowed:",
    ),
    (
        "maintenance-heal-timeout",
        {"nodes": NODES, "maintenance": {"heal_timeout": 0}},
        "gluster:maintenance:heal_timeout: ",
        "0 must be a whole number of seconds >= 1",
    ),
    ("pillar-not-mapping", ["nodes"], "gluster: ", "must be a mapping"),
    (
        "unknown-top-level-key",
        {"nodes": NODES, "colour": "blue"},
        "gluster:colour: ",
        "unknown key; allowed:",
    ),
    (
        "nodes-not-mapping",
        {"nodes": ["gfs1", "gfs2"]},
        "gluster:nodes: ",
        "must be a mapping of minion id -> address",
    ),
    ("nodes-empty", {"nodes": {}}, "gluster:nodes: ", "must be a mapping of minion id -> address"),
    (
        "node-address-invalid",
        {"nodes": {"gfs1": "bad host", "gfs2": "127.1.1.2"}},
        "gluster:nodes:gfs1: ",
        "address 'bad host' is not a valid hostname or IP address",
    ),
    (
        "node-address-shell",
        {"nodes": {"gfs1": "x;reboot"}},
        "gluster:nodes:gfs1: ",
        "is not a valid hostname or IP address",
    ),
    (
        "node-address-duplicate",
        {"nodes": {"gfs1": "127.1.1.1", "gfs2": "127.1.1.1"}},
        "gluster:nodes:gfs2: ",
        "address 127.1.1.1 is already used by node gfs1",
    ),
    (
        "leader-not-in-nodes",
        {"nodes": NODES, "leader": "gfs9"},
        "gluster:leader: ",
        "'gfs9' is not a minion id in gluster:nodes",
    ),
    (
        "volumes-without-nodes",
        {"volumes": {"gv0": {"brick_path": "/data/gv0"}}},
        "gluster:nodes: ",
        "required when volumes are defined",
    ),
    ("volumes-not-mapping", {"nodes": NODES, "volumes": ["gv0"]}, "gluster:volumes: ", "must be a mapping"),
    (
        "volume-name-dot",
        {"nodes": NODES, "volumes": {"gv.0": {"brick_path": "/data/gv0"}}},
        "gluster:volumes:gv.0: ",
        "volume name 'gv.0' is not allowed",
    ),
    (
        "volume-name-reserved",
        {"nodes": NODES, "volumes": {"all": {"brick_path": "/data/gv0"}}},
        "gluster:volumes:all: ",
        "is reserved by the gluster CLI",
    ),
    (
        "volume-not-mapping",
        {"nodes": NODES, "volumes": {"gv0": ["gfs1:/data/gv0"]}},
        "gluster:volumes:gv0: ",
        "must be a mapping",
    ),
    (
        "volume-key-typo",
        _with_volume(type="replicate", replcia=3, brick_path="/data/gv0"),
        "gluster:volumes:gv0:replcia: ",
        "unknown key; allowed:",
    ),
    (
        "type-not-a-volume-type",
        _with_volume(type="mirror", brick_path="/data/gv0"),
        "gluster:volumes:gv0:type: ",
        "'mirror' is not a volume type",
    ),
    (
        "replicate-replica-1",
        _with_volume(type="replicate", replica=1, brick_path="/data/gv0"),
        "gluster:volumes:gv0:replica: ",
        "1 is not allowed for type replicate (needs >= 2)",
    ),
    (
        "disperse-2",
        _with_volume(type="disperse", disperse=2, brick_path="/data/gv0"),
        "gluster:volumes:gv0:disperse: ",
        "2 is not allowed for type disperse (needs >= 3)",
    ),
    (
        "distribute-with-replica",
        _with_volume(type="distribute", replica=3, brick_path="/data/gv0"),
        "gluster:volumes:gv0:replica: ",
        "not allowed for type distribute",
    ),
    (
        "replicate-with-disperse",
        _with_volume(type="replicate", replica=3, disperse=3, brick_path="/data/gv0"),
        "gluster:volumes:gv0:disperse: ",
        "not allowed for type replicate",
    ),
    (
        "disperse-with-replica",
        _with_volume(type="disperse", disperse=3, replica=3, brick_path="/data/gv0"),
        "gluster:volumes:gv0:replica: ",
        "not allowed for type disperse",
    ),
    (
        "arbiter-with-replica-2",
        _with_volume(type="arbiter", replica=2, brick_path="/data/gv0"),
        "gluster:volumes:gv0: ",
        "type arbiter means replica: 3 with arbiter: 1",
    ),
    (
        "replicate-with-6-bricks",
        _with_volume(type="replicate", replica=3, bricks_per_node=2, brick_path="/data/gv0/brick{n}"),
        "gluster:volumes:gv0: ",
        "type replicate has exactly one set of 3 bricks, but 6 bricks are laid out; "
        "use type distributed-replicate",
    ),
    (
        "disperse-with-6-bricks",
        _with_volume(type="disperse", disperse=3, bricks_per_node=2, brick_path="/data/gv0/brick{n}"),
        "gluster:volumes:gv0: ",
        "use type distributed-disperse",
    ),
    (
        "distributed-replicate-one-set",
        _with_volume(type="distributed-replicate", replica=3, brick_path="/data/gv0"),
        "gluster:volumes:gv0: ",
        "type distributed-replicate needs more than one set of 3 bricks, got 3",
    ),
    (
        "redundancy-too-high",
        _with_volume(type="disperse", disperse=3, redundancy=2, brick_path="/data/gv0"),
        "gluster:volumes:gv0: ",
        "redundancy 2 must be less than half of disperse 3",
    ),
    (
        "transport-udp",
        _with_volume(brick_path="/data/gv0", transport="udp"),
        "gluster:volumes:gv0: ",
        "transport 'udp' must be one of tcp, rdma, tcp,rdma",
    ),
    (
        "brick-path-and-bricks",
        _with_volume(brick_path="/data/gv0", bricks=["gfs1:/data/gv0"]),
        "gluster:volumes:gv0: ",
        "set exactly one of brick_path (automatic layout) or bricks (explicit list)",
    ),
    (
        "neither-brick-path-nor-bricks",
        _with_volume(type="distribute"),
        "gluster:volumes:gv0: ",
        "set exactly one of brick_path (automatic layout) or bricks (explicit list)",
    ),
    (
        "brick-path-relative",
        _with_volume(brick_path="data/gv0"),
        "gluster:volumes:gv0:brick_path: ",
        "'data/gv0' must be an absolute path",
    ),
    (
        "brick-path-dotdot",
        _with_volume(brick_path="/data/../etc"),
        "gluster:volumes:gv0:brick_path: ",
        "must not contain '.' or '..' components",
    ),
    (
        "brick-path-root",
        _with_volume(brick_path="/"),
        "gluster:volumes:gv0:brick_path: ",
        "is not a normalised directory path",
    ),
    (
        "bricks-per-node-without-n",
        _with_volume(brick_path="/data/gv0", bricks_per_node=2),
        "gluster:volumes:gv0:brick_path: ",
        "with bricks_per_node: 2 it must hold {n}",
    ),
    (
        "bricks-per-node-zero",
        _with_volume(brick_path="/data/gv0", bricks_per_node=0),
        "gluster:volumes:gv0:bricks_per_node: ",
        "0 must be a whole number >= 1",
    ),
    (
        "layout-zigzag",
        _with_volume(type="replicate", replica=3, brick_path="/data/gv0", layout="zigzag"),
        "gluster:volumes:gv0:layout: ",
        "'zigzag' is not a layout; use one of simple, chained",
    ),
    (
        "chained-impossible",
        {
            "nodes": FOUR_NODES,
            "volumes": {
                "gv0": {
                    "type": "distributed-replicate",
                    "replica": 2,
                    "brick_path": "/data/gv0",
                    "layout": "chained",
                }
            },
        },
        "gluster:volumes:gv0:layout: ",
        "the chained layout cannot place 2 sets of 2 on 4 nodes",
    ),
    (
        "volume-nodes-unknown",
        _with_volume(brick_path="/data/gv0", nodes=["gfs1", "gfs9"]),
        "gluster:volumes:gv0:nodes: ",
        "gfs9 not in gluster:nodes",
    ),
    (
        "volume-nodes-empty",
        _with_volume(brick_path="/data/gv0", nodes=[]),
        "gluster:volumes:gv0:nodes: ",
        "must be a non-empty list of minion ids",
    ),
    (
        "replica-3-on-2-nodes",
        _with_volume(type="replicate", replica=3, brick_path="/data/gv0", nodes=["gfs1", "gfs2"]),
        "gluster:volumes:gv0: ",
        "sets of 3 bricks need at least 3 nodes to span distinct hosts, but 2 node(s) carry bricks",
    ),
    (
        "arbiter-on-2-nodes",
        _with_volume(type="arbiter", brick_path="/data/gv0", nodes=["gfs1", "gfs2"]),
        "gluster:volumes:gv0: ",
        "sets of 3 bricks need at least 3 nodes",
    ),
    (
        "explicit-set-on-one-host",
        _with_volume(
            type="distributed-replicate", replica=2, bricks=["gfs1:/a", "gfs1:/b", "gfs2:/a", "gfs3:/a"]
        ),
        "gluster:volumes:gv0:bricks: ",
        "set 1 has more than one brick on 127.1.1.1",
    ),
    (
        "explicit-brick-host-not-in-nodes",
        _with_volume(bricks=["gfs1:/data/gv0", "gfs9:/data/gv0"]),
        "gluster:volumes:gv0:bricks:1: ",
        "host 'gfs9' is not in gluster:nodes",
    ),
    (
        "explicit-brick-address-not-in-nodes",
        _with_volume(bricks=["10.9.9.9:/data/gv0"]),
        "gluster:volumes:gv0:bricks:0: ",
        "host '10.9.9.9' is not in gluster:nodes",
    ),
    (
        "explicit-brick-without-colon",
        _with_volume(bricks=["gfs1/data/gv0"]),
        "gluster:volumes:gv0:bricks:0: ",
        "must be written node:/path",
    ),
    (
        "explicit-brick-relative-path",
        _with_volume(bricks=["gfs1:data/gv0"]),
        "gluster:volumes:gv0:bricks:0: ",
        "must be an absolute path",
    ),
    (
        "explicit-bricks-empty",
        _with_volume(bricks=[]),
        "gluster:volumes:gv0:bricks: ",
        "must be a non-empty list of node:/path",
    ),
    (
        "explicit-brick-twice-by-id-and-address",
        _with_volume(bricks=["gfs1:/data/gv0", "127.1.1.1:/data/gv0"]),
        "gluster:volumes:gv0: ",
        "bricks listed twice: 127.1.1.1:/data/gv0",
    ),
    (
        "option-value-newline",
        _with_volume(brick_path="/data/gv0", options={"performance.cache-size": "64MB\nx"}),
        "gluster:volumes:gv0:options performance.cache-size ",
        "contains a newline or control character",
    ),
    (
        "option-key-semicolon",
        _with_volume(brick_path="/data/gv0", options={"a;b": "on"}),
        "gluster:volumes:gv0:options name 'a;b' ",
        "is not allowed",
    ),
    (
        "options-not-mapping",
        _with_volume(brick_path="/data/gv0", options=["performance.cache-size"]),
        "gluster:volumes:gv0:options ",
        "must be a non-empty mapping",
    ),
    (
        "started-not-bool",
        _with_volume(brick_path="/data/gv0", started="yes"),
        "gluster:volumes:gv0:started: ",
        "'yes' must be true or false",
    ),
    (
        "force-not-bool",
        _with_volume(brick_path="/data/gv0", force="true"),
        "gluster:volumes:gv0:force: ",
        "'true' must be true or false",
    ),
    (
        "ensure-gone",
        _with_volume(brick_path="/data/gv0", ensure="gone"),
        "gluster:volumes:gv0:ensure: ",
        "'gone' must be present or absent",
    ),
    (
        "clients-not-mapping",
        {"nodes": NODES, "clients": ["client1"]},
        "gluster:clients: ",
        "must be a mapping",
    ),
    (
        "client-without-mounts",
        {"nodes": NODES, "clients": {"client1": {}}},
        "gluster:clients:client1:mounts: ",
        "must be a mapping of mount point",
    ),
    (
        "mount-volume-not-defined",
        _with_mount("/mnt/gv9", volume="gv9"),
        "gluster:clients:client1:mounts:/mnt/gv9:volume: ",
        "'gv9' is not a volume present in gluster:volumes",
    ),
    (
        "mount-volume-absent",
        _with_mount(volumes={"gv0": {"ensure": "absent"}}, volume="gv0"),
        "gluster:clients:client1:mounts:/mnt/gv0:volume: ",
        "'gv0' is not a volume present in gluster:volumes",
    ),
    (
        "mount-point-relative",
        _with_mount("mnt/gv0", volume="gv0"),
        "gluster:clients:client1:mounts:mnt/gv0: ",
        "mount point 'mnt/gv0' must be an absolute path",
    ),
    (
        "mount-option-space",
        _with_mount(volume="gv0", options=["no atime"]),
        "gluster:clients:client1:mounts:/mnt/gv0:options: ",
        "mount options are words like noatime or key=value",
    ),
    (
        "mount-option-string-space",
        _with_mount(volume="gv0", options="noatime, ro"),
        "gluster:clients:client1:mounts:/mnt/gv0:options: ",
        "[' ro']: mount options are words",
    ),
    (
        "mount-unknown-key",
        _with_mount(volume="gv0", automount=True),
        "gluster:clients:client1:mounts:/mnt/gv0:automount: ",
        "unknown key; allowed:",
    ),
    (
        "mount-persist-not-bool",
        _with_mount(volume="gv0", persist="yes"),
        "gluster:clients:client1:mounts:/mnt/gv0:persist: ",
        "'yes' must be true or false",
    ),
    (
        "mount-server-invalid",
        _with_mount(volume="gv0", server="bad host"),
        "gluster:clients:client1:mounts:/mnt/gv0:server: ",
        "is not a valid hostname or IP address",
    ),
    (
        "peer-timeout-0",
        {"nodes": NODES, "peer_timeout": 0},
        "gluster:peer_timeout: ",
        "0 must be a whole number of seconds >= 1",
    ),
    (
        "peer-timeout-bool",
        {"nodes": NODES, "peer_timeout": True},
        "gluster:peer_timeout: ",
        "must be a whole number of seconds >= 1",
    ),
    (
        "op-version-newest",
        {"nodes": NODES, "op_version": "newest"},
        "gluster:op_version: ",
        "'newest' must be max or a number",
    ),
    (
        "server-unknown-key",
        {"nodes": NODES, "server": {"manage_repo": True}},
        "gluster:server:manage_repo: ",
        "unknown key; allowed: glusterd_options, manage_packages, manage_service",
    ),
    (
        "server-flag-not-bool",
        {"nodes": NODES, "server": {"manage_service": "no"}},
        "gluster:server:manage_service: ",
        "'no' must be true or false",
    ),
]


@pytest.mark.parametrize("pillar, prefix, phrase", [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_bad_pillar(pillar, prefix, phrase):
    _model, problems = gp.build_model(copy.deepcopy(pillar), "gfs1")
    assert any(problem.startswith(prefix) and phrase in problem for problem in problems), problems
    assert all(problem.startswith("gluster") for problem in problems), problems


def test_bad_pillar_ids_distinct():
    ids = [case[0] for case in BAD]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 20


def test_replicate_replica_1_exact_message():
    _model, problems = gp.build_model(
        _with_volume(type="replicate", replica=1, brick_path="/data/gv0"), "gfs1"
    )
    assert "gluster:volumes:gv0:replica: 1 is not allowed for type replicate (needs >= 2)" in problems


def test_replicate_with_6_bricks_exact_message():
    pillar = _with_volume(type="replicate", replica=3, bricks_per_node=2, brick_path="/data/gv0/brick{n}")
    _model, problems = gp.build_model(pillar, "gfs1")
    assert problems == [
        "gluster:volumes:gv0: type replicate has exactly one set of 3 bricks, but 6 bricks are laid out; "
        "use type distributed-replicate"
    ]


def test_unknown_top_level_key_lists_allowed_keys():
    _model, problems = gp.build_model({"nodes": NODES, "colour": "blue"}, "gfs1")
    assert len(problems) == 1
    assert problems[0].startswith(
        "gluster:colour: unknown key; allowed: address_family, binary, brick_devices, clients, "
    )
    for key in ("nodes", "leader", "volumes", "peer_timeout", "op_version", "server"):
        assert key in problems[0]


def test_volume_key_typo_is_reported_even_for_absent_volume():
    _model, problems = gp.build_model(_with_volume(ensure="absent", replcia=3), "gfs1")
    assert len(problems) == 1
    assert problems[0].startswith("gluster:volumes:gv0:replcia: unknown key; allowed: ")


def test_all_problems_reported_at_once():
    pillar = {
        "nodes": {"gfs1": "127.1.1.1", "gfs2": "bad host", "gfs3": "127.1.1.3"},
        "leader": "gfs9",
        "peer_timeout": 0,
        "op_version": "newest",
        "colour": "blue",
        "volumes": {
            "gv0": {"type": "mirror", "brick_path": "/data/gv0"},
            "gv1": {"brick_path": "/data/gv1", "started": "yes"},
            "gv2": {"brick_path": "/data/gv2", "ensure": "gone"},
            "gv.3": {"brick_path": "/data/gv3"},
        },
        "clients": {"client1": {"mounts": {"mnt/gv1": {"volume": "gv1"}, "/mnt/gv9": {"volume": "gv9"}}}},
    }
    _model, problems = gp.build_model(pillar, "gfs1")
    expected_prefixes = [
        "gluster:colour: ",
        "gluster:nodes:gfs2: ",
        "gluster:leader: ",
        "gluster:peer_timeout: ",
        "gluster:op_version: ",
        "gluster:volumes:gv0:type: ",
        "gluster:volumes:gv1:started: ",
        "gluster:volumes:gv2:ensure: ",
        "gluster:volumes:gv.3: ",
        "gluster:clients:client1:mounts:mnt/gv1: ",
        "gluster:clients:client1:mounts:/mnt/gv9:volume: ",
    ]
    assert len(problems) >= 5
    for prefix in expected_prefixes:
        assert sum(problem.startswith(prefix) for problem in problems) == 1, (prefix, problems)
    assert len(problems) == len(expected_prefixes), problems


def test_problems_are_plain_list_of_strings():
    _model, problems = gp.build_model({"nodes": NODES, "colour": 1}, "gfs1")
    assert type(problems) is list  # pylint: disable=unidiomatic-typecheck
    assert all(isinstance(problem, str) for problem in problems)


# ------------------------------------------------------------------ regressions of bugs found by these tests


def test_quoted_replica_does_not_bypass_distinct_host_check():
    pillar = _with_volume(
        replica="3", bricks_per_node=3, brick_path="/data/gv0/brick{n}", nodes=["gfs1", "gfs2"]
    )
    _model, problems = gp.build_model(pillar, "gfs1")
    assert problems != []


def test_invalid_replica_gives_no_distributed_replicate_advice():
    _model, problems = gp.build_model(
        _with_volume(type="replicate", replica=1, brick_path="/data/gv0"), "gfs1"
    )
    assert not any("use type distributed-replicate" in problem for problem in problems), problems


def test_mount_server_minion_id_not_its_own_backup():
    _model, problems = gp.build_model(_with_mount(volume="gv0", server="gfs2"), "client1")
    assert problems == []
    mount = _model["clients"]["client1"]["mounts"]["/mnt/gv0"]
    assert mount["backup_servers"] == ["127.1.1.1", "127.1.1.3"]


CRASHES = [
    ("leader-list", {"nodes": NODES, "leader": ["gfs1"]}, "gluster:leader: "),
    ("mount-volume-list", _with_mount(volume=["gv0"]), "gluster:clients:client1:mounts:/mnt/gv0:volume: "),
    (
        "mount-options-int",
        _with_mount(volume="gv0", options=5),
        "gluster:clients:client1:mounts:/mnt/gv0:options: ",
    ),
    (
        "volume-nodes-nested-list",
        _with_volume(brick_path="/data/gv0", nodes=[["gfs1"]]),
        "gluster:volumes:gv0:nodes: ",
    ),
]


@pytest.mark.parametrize("pillar, prefix", [case[1:] for case in CRASHES], ids=[case[0] for case in CRASHES])
def test_wrongly_typed_values_are_problems_not_crashes(pillar, prefix):
    _model, problems = gp.build_model(copy.deepcopy(pillar), "gfs1")
    assert any(problem.startswith(prefix) for problem in problems), problems
