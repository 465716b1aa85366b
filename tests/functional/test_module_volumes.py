"""Volume functions against the real 3-node cluster, verified through ``volume info``/``get``."""

import os

import pytest
from salt.exceptions import CommandExecutionError
from salt.exceptions import SaltInvocationError

pytestmark = pytest.mark.cluster


def _bricks(cluster, prefix, count):
    return [cluster[i % 3].new_brick(f"{prefix}{i}") for i in range(count)]


LAYOUTS = [
    # id, kwargs, expected type, expected counts
    ("distribute", 2, {}, "distribute", {"distribute_count": 2, "replica_count": 1}),
    ("replicate", 3, {"replica": 3}, "replicate", {"replica_count": 3, "distribute_count": 1}),
    (
        "distributed-replicate",
        6,
        {"replica": 3},
        "distributed-replicate",
        {"replica_count": 3, "distribute_count": 2},
    ),
    (
        "arbiter",
        3,
        {"replica": 3, "arbiter": 1},
        "replicate",
        {"replica_count": 3, "arbiter_count": 1},
    ),
    (
        "disperse",
        3,
        {"disperse": 3, "redundancy": 1},
        "disperse",
        {"disperse_count": 3, "redundancy_count": 1},
    ),
    (
        "distributed-disperse",
        6,
        {"disperse": 3, "redundancy": 1},
        "distributed-disperse",
        {"disperse_count": 3, "redundancy_count": 1, "distribute_count": 2},
    ),
]


@pytest.mark.parametrize("label,count,kwargs,vtype,counts", LAYOUTS, ids=[layout[0] for layout in LAYOUTS])
def test_volume_create_each_type(gluster, clean_volumes, label, count, kwargs, vtype, counts):
    cluster = clean_volumes
    name = label.replace("-", "_")
    bricks = _bricks(cluster, name, count)
    created = gluster.volume_create(name, bricks, force=True, **kwargs)
    assert created["name"] == name
    assert len(created["id"]) == 36 and created["started"] is False

    info = gluster.volume_info(name)
    assert info["type"] == vtype
    assert info["status"] == "Created" and info["started"] is False
    assert info["brick_count"] == count
    assert info["transport"] == "tcp"
    for key, value in counts.items():
        assert info[key] == value, key
    assert [b["name"] for b in info["bricks"]] == bricks
    uuids = {node.address: node.uuid for node in cluster.nodes}
    assert [b["host_uuid"] for b in info["bricks"]] == [uuids[b["host"]] for b in info["bricks"]]
    arbiters = [b["arbiter"] for b in info["bricks"]]
    if kwargs.get("arbiter"):
        assert arbiters == [False, False, True]
    else:
        assert not any(arbiters)
    # the volume is also seen by the other nodes of the pool
    assert name in cluster[2].cli("volume", "list").stdout.split()


def test_start_status_stop_delete(gluster, clean_volumes):
    cluster = clean_volumes
    bricks = _bricks(cluster, "life", 3)
    gluster.volume_create("life", bricks, replica=3, force=True)
    assert gluster.volume_start("life") == {"name": "life", "started": True}
    assert gluster.volume_info("life")["started"] is True

    status = gluster.volume_status("life")
    assert [b["name"] for b in status["bricks"]] == bricks
    for brick in status["bricks"]:
        assert brick["online"] is True
        assert isinstance(brick["pid"], int) and brick["pid"] > 0
        assert isinstance(brick["port"], int) and brick["port"] > 0
    assert status["daemons"], "the self-heal daemons are reported apart from the bricks"
    assert {d["name"] for d in status["daemons"]} == {"Self-heal Daemon"}
    assert all(d["online"] for d in status["daemons"])
    assert "life" in gluster.volume_status()

    detail = gluster.volume_status("life", detail=True)
    assert all(b["size_total"] > 0 and b["filesystem"] for b in detail["bricks"])

    # starting a started volume is gluster's error, reported as such; force restarts bricks
    with pytest.raises(CommandExecutionError, match="already started"):
        gluster.volume_start("life")
    assert gluster.volume_start("life", force=True)["started"] is True

    # gluster refuses to delete a started volume
    with pytest.raises(CommandExecutionError, match="needs to be stopped"):
        gluster.volume_delete("life")
    assert gluster.volume_stop("life") == {"name": "life", "started": False}
    assert gluster.volume_info("life")["status"] == "Stopped"
    with pytest.raises(CommandExecutionError, match="is not started"):
        gluster.volume_status("life")
    assert gluster.volume_delete("life")["deleted"] is True
    assert "life" not in gluster.volume_list()
    assert gluster.volume_exists("life") is False
    assert cluster[0].cli("volume", "list").stdout.split() == []
    # brick data stays on disk
    for spec in bricks:
        assert os.path.isdir(spec.split(":", 1)[1] + "/.glusterfs")


def test_set_many_options_in_one_call_then_reset(gluster, clean_volumes):
    cluster = clean_volumes
    gluster.volume_create("opts", _bricks(cluster, "opts", 3), replica=3, force=True)
    before = gluster.call_stats()["calls"]
    result = gluster.volume_set(
        "opts",
        {"performance.cache-size": "64MB", "features.read-only": False, "network.ping-timeout": 20},
    )
    assert gluster.call_stats()["calls"] == before + 1, "all options go in one gluster call"
    assert result["set"] == {
        "performance.cache-size": "64MB",
        "features.read-only": "off",
        "network.ping-timeout": "20",
    }
    effective = gluster.volume_get("opts")
    assert effective["performance.cache-size"] == "64MB"
    assert effective["network.ping-timeout"] == "20"
    changed = gluster.volume_get("opts", include_defaults=False)
    assert {"performance.cache-size", "network.ping-timeout", "features.read-only"} <= set(changed)
    assert gluster.volume_info("opts")["options"]["performance.cache-size"] == "64MB"
    # another node sees the same effective value
    assert "64MB" in cluster[1].cli("volume", "get", "opts", "performance.cache-size").stdout

    assert gluster.volume_reset("opts", "performance.cache-size")["reset"] == "performance.cache-size"
    assert gluster.volume_get("opts", "performance.cache-size") == {"performance.cache-size": "32MB"}
    assert gluster.volume_get("opts")["network.ping-timeout"] == "20"
    assert gluster.volume_reset("opts")["reset"] == "all"
    assert "network.ping-timeout" not in gluster.volume_get("opts", include_defaults=False)
    assert "network.ping-timeout" not in gluster.volume_info("opts")["options"]


def test_reads_are_cached_and_writes_invalidate(gluster, clean_volumes):
    cluster = clean_volumes
    gluster.volume_create("cache", _bricks(cluster, "cache", 3), replica=3, force=True)
    gluster.volume_info()
    calls = gluster.call_stats()["calls"]
    for _ in range(3):
        gluster.volume_info("cache")
        gluster.volume_exists("cache")
    assert gluster.call_stats()["calls"] == calls, "repeated reads are served from __context__"

    gluster.volume_set("cache", {"performance.io-thread-count": 24})
    assert gluster.volume_info("cache")["options"]["performance.io-thread-count"] == "24"
    gluster.volume_start("cache")
    assert gluster.volume_info("cache")["started"] is True

    # a change made behind the module's back is seen after clear_cache
    cluster[1].cli("volume", "set", "cache", "performance.io-thread-count", "30")
    assert gluster.volume_info("cache")["options"]["performance.io-thread-count"] == "24"
    gluster.clear_cache()
    assert gluster.volume_info("cache")["options"]["performance.io-thread-count"] == "30"


def test_unknown_volume_is_gluster_error(gluster):
    with pytest.raises(CommandExecutionError, match="Volume nosuchvol does not exist"):
        gluster.volume_start("nosuchvol")
    with pytest.raises(CommandExecutionError, match="Volume nosuchvol does not exist"):
        gluster.volume_info("nosuchvol")
    with pytest.raises(CommandExecutionError) as err:
        gluster.volume_get("nosuchvol")
    assert "nosuchvol" in str(err.value)


def test_unknown_option_keeps_glusters_suggestion(gluster, clean_volumes):
    cluster = clean_volumes
    gluster.volume_create("typo", _bricks(cluster, "typo", 3), replica=3, force=True)
    with pytest.raises(CommandExecutionError) as err:
        gluster.volume_set("typo", {"performance.cahce-size": "1MB"})
    message = str(err.value)
    assert "performance.cahce-size does not exist" in message
    assert "Did you mean performance.cache-size?" in message
    assert err.value.info["errno"] == 30800
    assert "gluster volume set typo performance.cahce-size 1MB" in message


@pytest.mark.parametrize(
    "name,bricks,kwargs,expected",
    [
        ("bad name", ["127.1.1.1:/b/x"], {}, "volume name 'bad name' is not allowed"),
        ("x;rm", ["127.1.1.1:/b/x"], {}, "volume name 'x;rm' is not allowed"),
        ("-x", ["127.1.1.1:/b/x"], {}, "volume name '-x' is not allowed"),
        ("ok", ["127.1.1.1:relative"], {}, "must be an absolute path"),
        ("ok", ["127.1.1.1:/b/../etc"], {}, "must not contain '.' or '..'"),
        ("ok", ["127.1.1.1:/b/$(id)"], {}, "characters that are not allowed"),
        ("ok", ["127.1.1.1:/b/1", "127.1.1.2:/b/1"], {"replica": 3}, "replica sets of 3"),
    ],
)
def test_bad_input_rejected_before_gluster(gluster, name, bricks, kwargs, expected):
    calls = gluster.call_stats()["calls"]
    with pytest.raises(
        SaltInvocationError, match=expected.replace("(", r"\(").replace(")", r"\)").replace("$", r"\$")
    ):
        gluster.volume_create(name, bricks, force=True, **kwargs)
    assert gluster.call_stats()["calls"] == calls, "nothing reached gluster"


def test_bad_option_input_rejected_before_gluster(gluster):
    calls = gluster.call_stats()["calls"]
    with pytest.raises(SaltInvocationError, match="newline or control character"):
        gluster.volume_set("anyvol", {"performance.cache-size": "1MB\nx"})
    with pytest.raises(SaltInvocationError, match="is not allowed"):
        gluster.volume_set("anyvol", {"perf;ormance": "1"})
    with pytest.raises(SaltInvocationError, match="not a valid hostname"):
        gluster.peer_probe("host; rm -rf /")
    assert gluster.call_stats()["calls"] == calls
