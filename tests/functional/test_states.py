"""Every gluster state in test mode and for real against the local cluster: test=True predicts
exactly the changes the real run then makes, touches nothing, and a second run changes nothing."""

import os
import subprocess

import pytest
from cluster import GlusterNode

pytestmark = pytest.mark.cluster


@pytest.fixture
def gluster(fresh_gluster):
    return fresh_gluster


def _bricks(cluster, prefix, count=3):
    return [cluster[i % 3].new_brick(f"{prefix}{i}") for i in range(count)]


def test_peered_probe_test_then_real_then_idempotent(states, gluster, spare_node):
    predicted = states.peered(name=spare_node.address, probe=True, timeout=30, test=True)
    assert predicted.result is None
    assert predicted.changes == {"probed": spare_node.address}
    assert "would probe" in predicted.comment
    assert gluster.peer_find(spare_node.address) is None, "test=True probed nothing"

    applied = states.peered(name=spare_node.address, probe=True, timeout=30)
    assert applied.result is True, applied.comment
    assert applied.changes == predicted.changes
    assert spare_node.uuid in applied.comment
    assert gluster.peer_find(spare_node.address)["uuid"] == spare_node.uuid

    again = states.peered(name=spare_node.address, probe=True, timeout=30)
    assert again.result is True and again.changes == {}


def test_peered_without_probe_waits_bounded_then_names_the_peer(states, gluster_cluster):
    absent = GlusterNode(gluster_cluster.base_dir, 7).address
    ret = states.peered(name=absent, probe=False, timeout=2)
    assert ret.result is False
    assert absent in ret.comment and "not in the pool" in ret.comment
    assert ret.changes == {}
    existing = states.peered(name=gluster_cluster[1].address, probe=False, timeout=2)
    assert existing.result is True and existing.changes == {}


def test_volume_present_predicts_creates_and_is_idempotent(states, gluster, clean_volumes):
    cluster = clean_volumes
    bricks = _bricks(cluster, "present")
    kwargs = {
        "bricks": bricks,
        "replica": 3,
        "force": True,
        "wait_for_peers": [n.address for n in cluster.nodes[1:]],
    }
    predicted = states.volume_present(name="present", test=True, **kwargs)
    assert predicted.result is None
    assert predicted.changes == {"created": {"bricks": bricks, "transport": "tcp", "replica": 3}}
    assert gluster.volume_exists("present") is False

    applied = states.volume_present(name="present", **kwargs)
    assert applied.result is True, applied.comment
    assert applied.changes == predicted.changes
    info = gluster.volume_info("present")
    assert [b["name"] for b in info["bricks"]] == bricks and info["replica_count"] == 3

    assert states.volume_present(name="present", **kwargs).changes == {}
    assert states.volume_present(name="present", test=True, **kwargs).result is True


def test_volume_present_refuses_what_gluster_cannot_do_or_the_pillar_does_not_allow(
    states, gluster, clean_volumes
):
    cluster = clean_volumes
    bricks = _bricks(cluster, "fixed")
    gluster.volume_create("fixed", bricks, replica=3, force=True)
    refusals = [
        ({"bricks": bricks[:2], "replica": 2},
         ["replica count is 3, the pillar says 2", "allow_shrink: true"]),
        ({"bricks": bricks, "disperse": 3, "redundancy": 1}, ["cannot change a volume between replicate"]),
        ({"bricks": bricks, "replica": 3, "transport": "rdma"}, ["gluster cannot change the transport"]),
        ({"bricks": bricks[1:] + bricks[:1] + _bricks(cluster, "more"), "replica": 3, "allow_shrink": True},
         []),  # same set in another order plus a new one: allowed (checked below)
    ]  # fmt: skip
    for kwargs, phrases in refusals[:3]:
        for test in (True, False):
            ret = states.volume_present(name="fixed", force=True, test=test, **kwargs)
            assert ret.result is False, (kwargs, ret.comment)
            assert ret.changes == {}
            for phrase in phrases:
                assert phrase in ret.comment, (kwargs, ret.comment)
    assert [b["name"] for b in gluster.volume_info("fixed")["bricks"]] == bricks, (
        "nothing changed or recreated"
    )
    # a stopped volume grows, but is neither rebalanced nor healed (both need it started)
    kwargs = refusals[3][0]
    grown = states.volume_present(name="fixed", force=True, **kwargs)
    assert grown.result is True, grown.comment
    assert grown.changes == {"operations": [{"op": "add-brick", "bricks": kwargs["bricks"][3:]}]}
    assert states.volume_present(name="fixed", force=True, **kwargs).changes == {}


def test_volume_options_predict_apply_normalise_reset(states, gluster, clean_volumes):
    cluster = clean_volumes
    gluster.volume_create("tuned", _bricks(cluster, "tuned"), replica=3, force=True)
    wanted = {"performance.cache-size": "64MB", "network.ping-timeout": 10, "performance.quick-read": False}
    predicted = states.volume_options(name="tuned", options=wanted, test=True)
    assert predicted.result is None
    assert predicted.changes == {
        "performance.cache-size": {"old": None, "new": "64MB"},
        "network.ping-timeout": {"old": None, "new": "10"},
        "performance.quick-read": {"old": None, "new": "off"},
    }
    assert "performance.cache-size" not in gluster.volume_info("tuned")["options"]

    applied = states.volume_options(name="tuned", options=wanted)
    assert applied.result is True, applied.comment
    assert applied.changes == predicted.changes
    assert gluster.volume_get("tuned", "performance.cache-size") == {"performance.cache-size": "64MB"}

    assert states.volume_options(name="tuned", options=wanted).changes == {}
    # equivalent spellings do not flap
    same = {
        "performance.cache-size": "67108864",
        "network.ping-timeout": "10",
        "performance.quick-read": "disable",
    }
    assert states.volume_options(name="tuned", options=same).changes == {}

    # an option set behind Salt's back is reset only with reset_unmanaged
    cluster[1].cli("volume", "set", "tuned", "performance.io-thread-count", "24")
    assert states.volume_options(name="tuned", options=wanted).changes == {}
    predicted = states.volume_options(name="tuned", options=wanted, reset_unmanaged=True, test=True)
    assert predicted.changes == {"performance.io-thread-count": {"old": "24", "new": None}}
    applied = states.volume_options(name="tuned", options=wanted, reset_unmanaged=True)
    assert applied.changes == predicted.changes
    left = gluster.volume_info("tuned")["options"]
    assert "performance.io-thread-count" not in left
    assert left["nfs.disable"] == "on", "gluster's creation defaults are not reset"


def test_volume_started_stopped(states, gluster, clean_volumes):
    cluster = clean_volumes
    gluster.volume_create("onoff", _bricks(cluster, "onoff"), replica=3, force=True)
    predicted = states.volume_started(name="onoff", test=True)
    assert predicted.result is None and predicted.changes == {"started": {"old": False, "new": True}}
    assert gluster.volume_info("onoff")["started"] is False
    applied = states.volume_started(name="onoff")
    assert applied.result is True and applied.changes == predicted.changes
    assert gluster.volume_info("onoff")["started"] is True
    assert states.volume_started(name="onoff").changes == {}

    predicted = states.volume_stopped(name="onoff", test=True)
    assert predicted.changes == {"started": {"old": True, "new": False}}
    applied = states.volume_stopped(name="onoff")
    assert applied.result is True and applied.changes == predicted.changes
    assert gluster.volume_info("onoff")["started"] is False
    assert states.volume_stopped(name="onoff").changes == {}

    missing = states.volume_started(name="neverthere")
    assert missing.result is False and "does not exist" in missing.comment


def test_volume_absent_keeps_brick_data(states, gluster, clean_volumes):
    cluster = clean_volumes
    bricks = _bricks(cluster, "gone")
    gluster.volume_create("gone", bricks, replica=3, force=True, start=True)
    predicted = states.volume_absent(name="gone", test=True)
    assert predicted.result is None
    assert predicted.changes == {"deleted": "gone", "stopped": "gone"}
    assert gluster.volume_exists("gone")

    applied = states.volume_absent(name="gone")
    assert applied.result is True and applied.changes == predicted.changes
    assert gluster.volume_exists("gone") is False
    for spec in bricks:
        assert os.path.isdir(os.path.join(spec.split(":", 1)[1], ".glusterfs"))
    assert states.volume_absent(name="gone").changes == {}


def test_op_version(states, gluster):
    versions = gluster.op_version()
    ret = states.op_version(name="max")
    if versions["current"] == versions["max"]:
        assert ret.result is True and ret.changes == {}
    assert states.op_version(name=str(versions["current"] - 1)).changes == {}, "never lowered"
    bad = states.op_version(name="newest")
    assert bad.result is False and "number or 'max'" in bad.comment


def test_volume_options_restart_that_fails_to_start_reports_what_it_did(states, gluster, clean_volumes):
    """TLS options set and the volume stopped for the restart, then its start fails (a brick
    directory lost its volume-id mark, as a reformatted disk does): the state fails reporting
    the options it set and the stop, not ``{}``, and the volume is indeed stopped with them."""
    cluster = clean_volumes
    bricks = _bricks(cluster, "restartfail")
    cluster[0].cli("volume", "create", "restartfail", "replica", "3", *bricks, "force")
    cluster[0].cli("volume", "start", "restartfail")
    volume_id = gluster.volume_info("restartfail")["id"]
    path = bricks[1].rpartition(":")[2]
    subprocess.run(["setfattr", "-x", "trusted.glusterfs.volume-id", path], check=True)
    try:
        tls = {"client.ssl": "on", "server.ssl": "on"}
        failed = states.volume_options(name="restartfail", options=tls, restart=True)
        assert failed.result is False
        assert failed.changes == {
            "client.ssl": {"old": None, "new": "on"},
            "server.ssl": {"old": None, "new": "on"},
            "restarted": {"old": "started", "new": "stopped"},
        }, failed.changes
        assert "volume-id" in failed.comment, failed.comment
        assert (
            "(done before this failure: set client.ssl, server.ssl; stopped volume restartfail)"
            in failed.comment
        )
        gluster.clear_cache()
        info = gluster.volume_info("restartfail")
        assert info["started"] is False
        assert {key: info["options"].get(key) for key in tls} == tls
    finally:
        subprocess.run(
            ["setfattr", "-n", "trusted.glusterfs.volume-id", "-v", "0x" + volume_id.replace("-", ""), path],
            check=True,
        )
