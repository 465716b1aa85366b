"""Salt 3007's ``glusterfs`` module names, on gluster's XML captured here (tests/data): the
return shapes of the old module (gluster's fields by gluster's tags, as text), the arguments
GlusterFS 10 no longer has refused with the reason, and ``gluster.read_xml`` answering reads only."""

from pathlib import Path
from xml.etree import ElementTree

import pytest
from conftest import answer_gluster_with
from conftest import load_loader_module
from salt.exceptions import SaltInvocationError

DATA = Path(__file__).resolve().parent.parent / "data"
glusterfs = load_loader_module("glusterfs_dropin", "glusterfs.py")
glusterfs_states = load_loader_module("glusterfs_dropin_states", "glusterfs.py", folder="_states")
gluster = load_loader_module("gluster_for_dropin", "gluster.py")


def _root(name):
    return ElementTree.parse(DATA / name).getroot()


def test_peer_status_keeps_the_old_shape():
    peers = glusterfs.peers_from_xml(_root("peer_status.xml"))
    assert peers == {
        "8ac422bc-7a71-4a70-be00-e36e50f48fcd": {
            "hostnames": ["127.1.1.2"],
            "connected": "1",
            "state": "3",
            "stateStr": "Peer in Cluster",
        },
        "612bb389-bae1-414f-b111-17a96fbf433a": {
            "hostnames": ["127.1.1.3"],
            "connected": "1",
            "state": "3",
            "stateStr": "Peer in Cluster",
        },
    }


def test_volume_info_keeps_the_old_shape():
    ((name, volume),) = glusterfs.info_from_xml(_root("volume_info_started.xml")).items()
    assert name == "rep3" and volume["status"] == "1" and volume["statusStr"] == "Started"
    assert volume["replicaCount"] == "3" and volume["typeStr"] == "Replicate"
    assert sorted(volume["bricks"]) == ["brick1", "brick2", "brick3"]
    first = volume["bricks"]["brick1"]
    assert first == {
        "path": "127.1.1.1:/tmp/gcap-z4obgcmw/node1/bricks/rep0",
        "hostUuid": "69bcf0b8-64cf-4ff9-aa74-d90210fef933",
        "isArbiter": "0",
        "uuid": "69bcf0b8-64cf-4ff9-aa74-d90210fef933",
    }
    assert volume["options"]["nfs.disable"] == "on"


def test_volume_status_files_bricks_and_healers_by_host():
    status = glusterfs.status_from_xml(_root("volume_status_rep3.xml"))
    assert sorted(status) == ["bricks", "healers", "nfs"]
    brick = status["bricks"]["127.1.1.1:/tmp/gcap-z4obgcmw/node1/bricks/rep0"]
    assert brick["online"] is True and brick["host"] == "127.1.1.1" and brick["port"] == "57413"
    assert brick["ports"] == {"tcp": "57413", "rdma": "N/A"}
    assert sorted(status["healers"]) == ["127.1.1.1", "127.1.1.2", "127.1.1.3"]
    assert status["healers"]["127.1.1.1"]["pid"] == "3868"


def test_volume_list_quota_list_and_op_versions():
    assert glusterfs.volumes_from_xml(_root("volume_list.xml")) == [
        v.text for v in _root("volume_list.xml").iter("volume")
    ]
    limits = glusterfs.quota_from_xml(_root("quota_list.xml"))
    assert sorted(limits) == ["/", "/data"]
    assert limits["/data"]["hard_limit"] == "10485760" and limits["/data"]["sl_exceeded"] == "Yes"
    assert glusterfs.option_from_xml(_root("op_version.xml")) == "100000"
    assert glusterfs.option_from_xml(_root("max_op_version.xml")) == "100000"


@pytest.mark.parametrize("argument", [{"stripe": 2}, {"device_vg": True}, {"arbiter": True, "replica": 2}])
def test_what_glusterfs_10_cannot_do_is_refused_before_gluster_runs(monkeypatch, argument):
    calls = []
    monkeypatch.setattr(
        glusterfs, "__salt__", {"gluster.volume_create": lambda *a, **k: calls.append(a)}, raising=False
    )
    with pytest.raises(SaltInvocationError) as raised:
        glusterfs.create_volume("v1", ["h1:/b/1", "h2:/b/1"], **argument)
    assert "v1" in str(raised.value) and calls == []
    monkeypatch.setattr(glusterfs_states, "__salt__", {}, raising=False)
    monkeypatch.setattr(glusterfs_states, "__opts__", {"test": False}, raising=False)
    ret = glusterfs_states.volume_present("v1", ["h1:/b/1", "h2:/b/1"], **argument)
    assert ret["result"] is False and ret["changes"] == {}
    assert ("version 6" in ret["comment"]) or ("replica 3" in ret["comment"]), ret["comment"]


@pytest.mark.parametrize(
    "args",
    [
        ("volume", "set", "v1", "a.b", "c"),
        ("volume", "info", "v1;rm"),
        ("peer", "probe", "h2"),
        ("volume", "get", "v1", "a b"),
        ("volume", "status", "--xml"),
        ("volume", "quota", "v1", "enable"),
        (),
    ],
)
def test_read_xml_answers_reads_only(monkeypatch, args):
    calls = []
    answer_gluster_with(monkeypatch, gluster, lambda config, argv, *a, **k: calls.append(argv))
    with pytest.raises(SaltInvocationError):
        gluster.read_xml(*args)
    assert calls == []


def test_read_xml_returns_gluster_own_document(monkeypatch):
    answer_gluster_with(monkeypatch, gluster, lambda config, argv, *a, **k: _root("volume_info_started.xml"))
    text = gluster.read_xml("volume", "info", "rep3")
    assert glusterfs.info_from_xml(ElementTree.fromstring(text))["rep3"]["status"] == "1"


def test_is_this_node_asks_the_pool_and_the_interfaces_only(monkeypatch):
    """A peer's name is not this node; ``localhost``, this host's names and a name resolving to
    an interface address are; an unknown name is not. One ``pool list``, no volume read."""
    calls = []
    answer_gluster_with(
        monkeypatch, gluster, lambda config, argv, *a, **k: calls.append(argv) or _root("pool_list.xml")
    )
    monkeypatch.setattr(
        gluster, "__grains__", {"ipv4": ["127.0.0.1", "10.20.0.7"], "ipv6": ["::1"]}, raising=False
    )
    resolved = {
        "gfs1.example.com": {"10.20.0.7"},
        "gfs9.example.com": {"10.20.0.9"},
        "127.1.1.3": {"127.1.1.3"},
    }
    monkeypatch.setattr(gluster, "_addresses", lambda host: resolved.get(host, set()))
    assert gluster.is_this_node("127.1.1.3") is False  # a peer's name
    assert gluster.is_this_node("localhost") is True
    assert gluster.is_this_node(gluster.socket.gethostname()) is True
    assert gluster.is_this_node("gfs1.example.com") is True  # resolves to an interface address
    assert gluster.is_this_node("gfs9.example.com") is False  # a node not probed yet
    assert [tuple(argv[-2:]) for argv in calls] == [("pool", "list")]
    with pytest.raises(SaltInvocationError):
        gluster.is_this_node("bad;host")
