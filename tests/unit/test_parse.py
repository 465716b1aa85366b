"""Parsers of ``_utils/gluster_xml.py`` against output captured from real gluster 10.3."""

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import saltext_gluster_utils.gluster_xml as gx

DATA = Path(__file__).parent.parent / "data"

NODE1_UUID = "69bcf0b8-64cf-4ff9-aa74-d90210fef933"
NODE2_UUID = "8ac422bc-7a71-4a70-be00-e36e50f48fcd"
NODE3_UUID = "612bb389-bae1-414f-b111-17a96fbf433a"
UUID_OF_HOST = {"127.1.1.1": NODE1_UUID, "127.1.1.2": NODE2_UUID, "127.1.1.3": NODE3_UUID}
BRICK_ROOT = "/tmp/gcap-z4obgcmw"
REP3_ID = "3a9e119d-b86a-4a17-a4e5-e9b54abab6f3"
DIST_ID = "2b73a4c0-50b2-4b9b-a3af-31978ca23c55"
DEFAULT_OPTIONS = {
    "storage.fips-mode-rchecksum": "on",
    "transport.address-family": "inet",
    "nfs.disable": "on",
}
REPLICA_OPTIONS = dict(
    DEFAULT_OPTIONS, **{"cluster.granular-entry-heal": "on", "performance.client-io-threads": "off"}
)


def read(name):
    return (DATA / name).read_text(encoding="utf-8")


def brick(node, name):
    host = f"127.1.1.{node}"
    return f"{host}:{BRICK_ROOT}/node{node}/bricks/{name}"


# --------------------------------------------------------------------------- peers


def test_peer_status_two_connected_peers():
    peers = gx.parse_peer_status(read("peer_status.xml"))
    assert peers == [
        {
            "uuid": NODE2_UUID,
            "hostname": "127.1.1.2",
            "hostnames": ["127.1.1.2"],
            "connected": True,
            "state": 3,
            "state_str": "Peer in Cluster",
            "self": False,
        },
        {
            "uuid": NODE3_UUID,
            "hostname": "127.1.1.3",
            "hostnames": ["127.1.1.3"],
            "connected": True,
            "state": 3,
            "state_str": "Peer in Cluster",
            "self": False,
        },
    ]


def test_peer_status_accepts_an_element_as_well_as_text():
    root = ET.fromstring(read("peer_status.xml"))
    assert gx.parse_peer_status(root) == gx.parse_peer_status(read("peer_status.xml"))


def test_peer_status_seen_from_node2():
    peers = gx.parse_peer_status(read("peer_status_node2.xml"))
    assert [(p["hostname"], p["uuid"]) for p in peers] == [
        ("127.1.1.1", NODE1_UUID),
        ("127.1.1.3", NODE3_UUID),
    ]
    assert all(p["connected"] and not p["self"] for p in peers)


def test_peer_status_disconnected_peer():
    peers = gx.parse_peer_status(read("peer_status_disconnected.xml"))
    assert len(peers) == 1
    (peer,) = peers
    assert peer["uuid"] == NODE2_UUID
    assert peer["hostname"] == "127.1.1.2"
    assert peer["connected"] is False
    # still "Peer in Cluster": the peer is known, only its connection is down
    assert peer["state"] == 3
    assert peer["state_str"] == "Peer in Cluster"
    assert peer["self"] is False


def test_pool_list_includes_self():
    peers = gx.parse_peer_status(read("pool_list.xml"))
    assert len(peers) == 3
    by_uuid = {p["uuid"]: p for p in peers}
    assert set(by_uuid) == {NODE1_UUID, NODE2_UUID, NODE3_UUID}
    me = by_uuid[NODE1_UUID]
    assert me == {
        "uuid": NODE1_UUID,
        "hostname": "localhost",
        "hostnames": ["localhost"],
        "connected": True,
        "state": 3,
        "state_str": "Local node",
        "self": True,
    }
    assert [p["self"] for p in peers] == [False, False, True]
    assert by_uuid[NODE2_UUID]["hostname"] == "127.1.1.2"
    assert by_uuid[NODE3_UUID]["hostname"] == "127.1.1.3"


def test_pool_list_single_node():
    peers = gx.parse_peer_status(read("pool_list_single.xml"))
    assert len(peers) == 1
    assert peers[0]["self"] is True
    assert peers[0]["uuid"] == NODE1_UUID
    assert peers[0]["connected"] is True


# --------------------------------------------------------------------------- volume list


def test_volume_list():
    assert gx.parse_volume_list(read("volume_list.xml")) == [
        "arb",
        "disp",
        "dist",
        "distdisp",
        "distrep",
        "rep3",
    ]


def test_volume_list_is_sorted():
    xml = (
        "<cliOutput><opRet>0</opRet><volList><count>3</count>"
        "<volume>zeta</volume><volume>alpha</volume><volume> mid </volume></volList></cliOutput>"
    )
    assert gx.parse_volume_list(xml) == ["alpha", "mid", "zeta"]


def test_volume_list_empty():
    assert gx.parse_volume_list(read("volume_list_empty.xml")) == []


# --------------------------------------------------------------------------- volume info


@pytest.fixture(scope="module")
def info_all():
    return gx.parse_volume_info(read("volume_info_all.xml"))


def test_volume_info_all_names(info_all):
    assert sorted(info_all) == ["arb", "disp", "dist", "distdisp", "distrep", "rep3"]
    for name, volume in info_all.items():
        assert volume["name"] == name
        assert volume["status"] == "Created"
        assert volume["started"] is False
        assert volume["transport"] == "tcp"
        assert volume["snapshot_count"] == 0
        assert volume["brick_count"] == len(volume["bricks"])


@pytest.mark.parametrize(
    "name, vtype, type_str, counts",
    [
        ("dist", "distribute", "Distribute", (2, 2, 1, 0, 0, 0)),
        ("rep3", "replicate", "Replicate", (3, 1, 3, 0, 0, 0)),
        ("arb", "replicate", "Replicate", (3, 1, 3, 1, 0, 0)),
        ("distrep", "distributed-replicate", "Distributed-Replicate", (4, 2, 2, 0, 0, 0)),
        ("disp", "disperse", "Disperse", (3, 1, 1, 0, 3, 1)),
        ("distdisp", "distributed-disperse", "Distributed-Disperse", (6, 2, 1, 0, 3, 1)),
    ],
)
def test_volume_info_types_and_counts(info_all, name, vtype, type_str, counts):
    volume = info_all[name]
    assert volume["type"] == vtype
    assert volume["type_str"] == type_str
    assert (
        volume["brick_count"],
        volume["distribute_count"],
        volume["replica_count"],
        volume["arbiter_count"],
        volume["disperse_count"],
        volume["redundancy_count"],
    ) == counts


def test_volume_info_ids(info_all):
    assert info_all["rep3"]["id"] == REP3_ID
    assert info_all["dist"]["id"] == DIST_ID
    assert info_all["arb"]["id"] == "3b65070c-af02-4d5a-8f72-f0f3f74dacbd"


def test_volume_info_arbiter_brick(info_all):
    bricks = info_all["arb"]["bricks"]
    assert [b["arbiter"] for b in bricks] == [False, False, True]
    assert bricks[2] == {
        "name": brick(3, "arb2"),
        "host": "127.1.1.3",
        "path": f"{BRICK_ROOT}/node3/bricks/arb2",
        "host_uuid": NODE3_UUID,
        "arbiter": True,
    }
    # no other volume has an arbiter brick
    for name, volume in info_all.items():
        if name != "arb":
            assert not any(b["arbiter"] for b in volume["bricks"]), name


def test_volume_info_brick_split(info_all):
    bricks = info_all["distdisp"]["bricks"]
    assert [b["name"] for b in bricks] == [brick(i % 3 + 1, f"dd{i}") for i in range(6)]
    for b in bricks:
        host, path = b["name"].split(":", 1)
        assert b["host"] == host
        assert b["path"] == path
        assert b["path"].startswith(f"{BRICK_ROOT}/node")
        assert b["host_uuid"] == UUID_OF_HOST[host]
    assert [b["host"] for b in bricks] == ["127.1.1.1", "127.1.1.2", "127.1.1.3"] * 2


def test_volume_info_options(info_all):
    assert info_all["rep3"]["options"] == REPLICA_OPTIONS
    assert info_all["arb"]["options"] == REPLICA_OPTIONS
    assert info_all["distrep"]["options"] == REPLICA_OPTIONS
    assert info_all["dist"]["options"] == DEFAULT_OPTIONS
    assert info_all["disp"]["options"] == DEFAULT_OPTIONS
    assert info_all["distdisp"]["options"] == DEFAULT_OPTIONS


def test_volume_info_started():
    volumes = gx.parse_volume_info(read("volume_info_started.xml"))
    assert list(volumes) == ["rep3"]
    rep3 = volumes["rep3"]
    assert rep3["started"] is True
    assert rep3["status"] == "Started"
    assert rep3["id"] == REP3_ID
    assert rep3["type"] == "replicate"
    assert [b["name"] for b in rep3["bricks"]] == [brick(1, "rep0"), brick(2, "rep1"), brick(3, "rep2")]


def test_volume_info_with_set_options():
    rep3 = gx.parse_volume_info(read("volume_info_options.xml"))["rep3"]
    assert rep3["options"] == dict(
        REPLICA_OPTIONS, **{"features.read-only": "off", "performance.cache-size": "64MB"}
    )
    assert len(rep3["options"]) == 7


def test_volume_info_empty():
    assert gx.parse_volume_info(read("volume_info_empty.xml")) == {}


def test_volume_info_brick_spec_from_leading_text_only():
    """Very old gluster: no <name> child, the spec is the element text."""
    xml = (
        "<cliOutput><volInfo><volumes><volume><name>v</name><status>1</status>"
        "<typeStr>Distribute</typeStr><transport>1</transport><bricks>"
        '<brick uuid="u-1">h1:/b/1</brick></bricks></volume></volumes></volInfo></cliOutput>'
    )
    volume = gx.parse_volume_info(xml)["v"]
    assert volume["started"] is True
    assert volume["transport"] == "rdma"
    assert volume["bricks"] == [
        {"name": "h1:/b/1", "host": "h1", "path": "/b/1", "host_uuid": "u-1", "arbiter": False}
    ]


# --------------------------------------------------------------------------- volume status


def test_volume_status_one_volume():
    status = gx.parse_volume_status(read("volume_status_rep3.xml"))
    assert list(status) == ["rep3"]
    bricks = status["rep3"]["bricks"]
    daemons = status["rep3"]["daemons"]
    assert [b["name"] for b in bricks] == [brick(1, "rep0"), brick(2, "rep1"), brick(3, "rep2")]
    assert [(b["port"], b["pid"]) for b in bricks] == [(57413, 3851), (55929, 3879), (60837, 3882)]
    assert bricks[0] == {
        "name": brick(1, "rep0"),
        "host": "127.1.1.1",
        "path": f"{BRICK_ROOT}/node1/bricks/rep0",
        "peer_uuid": NODE1_UUID,
        "online": True,
        "port": 57413,
        "pid": 3851,
    }
    for b in bricks:
        assert b["online"] is True
        assert isinstance(b["port"], int) and isinstance(b["pid"], int)
        assert b["peer_uuid"] == UUID_OF_HOST[b["host"]]

    assert len(daemons) == 3
    assert {d["name"] for d in daemons} == {"Self-heal Daemon"}
    assert [d["host"] for d in daemons] == ["localhost", "127.1.1.2", "127.1.1.3"]
    assert [d["peer_uuid"] for d in daemons] == [NODE1_UUID, NODE2_UUID, NODE3_UUID]
    assert daemons[0] == {
        "name": "Self-heal Daemon",
        "host": "localhost",
        "peer_uuid": NODE1_UUID,
        "online": True,
        "port": None,  # N/A
        "pid": 3868,
    }
    assert all("path" not in d for d in daemons)


def test_volume_status_all():
    status = gx.parse_volume_status(read("volume_status_all.xml"))
    # only the started volumes answer
    assert sorted(status) == ["arb", "disp", "rep3"]
    for name, volume in status.items():
        assert len(volume["bricks"]) == 3, name
        assert len(volume["daemons"]) == 3, name
        assert all(b["path"].startswith("/") for b in volume["bricks"])
        assert all(d["name"] == "Self-heal Daemon" for d in volume["daemons"])
        assert all(b["online"] and b["port"] > 0 and b["pid"] > 0 for b in volume["bricks"])
    assert [b["name"] for b in status["arb"]["bricks"]] == [
        brick(1, "arb0"),
        brick(2, "arb1"),
        brick(3, "arb2"),
    ]
    assert status["arb"]["bricks"][0]["port"] == 58573
    assert status["arb"]["bricks"][0]["pid"] == 3959
    assert [d["host"] for d in status["rep3"]["daemons"]] == ["localhost", "127.1.1.3", "127.1.1.2"]


def test_volume_status_detail():
    status = gx.parse_volume_status(read("volume_status_detail_rep3.xml"))
    assert list(status) == ["rep3"]
    assert status["rep3"]["daemons"] == []
    bricks = status["rep3"]["bricks"]
    assert len(bricks) == 3
    assert bricks[0] == {
        "name": brick(1, "rep0"),
        "host": "127.1.1.1",
        "path": f"{BRICK_ROOT}/node1/bricks/rep0",
        "peer_uuid": NODE1_UUID,
        "online": True,
        "port": 57413,
        "pid": 3851,
        "size_total": 270553174016,
        "size_free": 247032004608,
        "inodes_total": 16777216,
        "inodes_free": 16354275,
        "block_size": 4096,
        "device": "/dev/vda",
        "filesystem": "ext4",
        "mount_options": "rw,relatime,discard,resv_strict,resuid=65534,resgid=65534",
    }
    for b in bricks:
        for key in ("size_total", "size_free", "inodes_total", "inodes_free", "block_size"):
            assert isinstance(b[key], int), key
        assert b["size_free"] <= b["size_total"]


def test_volume_status_offline_brick_and_other_daemons():
    xml = (
        "<cliOutput><volStatus><volumes><volume><volName>v</volName>"
        "<node><hostname>h1</hostname><path>/b/1</path><peerid>p1</peerid><status>0</status>"
        "<port>N/A</port><ports><tcp>N/A</tcp><rdma>N/A</rdma></ports><pid>-1</pid></node>"
        "<node><hostname>NFS Server</hostname><path>h1</path><peerid>p1</peerid><status>1</status>"
        "<port>2049</port><pid>77</pid></node>"
        "</volume></volumes></volStatus></cliOutput>"
    )
    volume = gx.parse_volume_status(xml)["v"]
    assert volume["bricks"] == [
        {"name": "h1:/b/1", "host": "h1", "path": "/b/1", "peer_uuid": "p1", "online": False,
         "port": None, "pid": None}
    ]  # fmt: skip
    assert volume["daemons"] == [
        {"name": "NFS Server", "host": "h1", "peer_uuid": "p1", "online": True, "port": 2049, "pid": 77}
    ]


# --------------------------------------------------------------------------- volume get / op-version


def test_volume_get_all():
    text = read("volume_get_all.xml")
    options = gx.parse_volume_get(text)
    root = ET.fromstring(text)
    count = int(root.findtext("volGetopts/count"))
    names = [opt.findtext("Option") for opt in root.findall("volGetopts/Opt")]
    assert count == 342 == len(names)
    # gluster 10.3 lists six options twice (they belong to two translators); the parser keys
    # by option name, so there is one entry per distinct name
    assert sorted({n for n in names if names.count(n) > 1}) == [
        "cluster.heal-timeout",
        "features.ctime",
        "geo-replication.ignore-pid-check",
        "geo-replication.indexing",
        "network.tcp-window-size",
        "performance.cache-size",
    ]
    assert len(options) == len(set(names)) == 336
    assert set(options) == set(names)

    assert options["cluster.lookup-unhashed"] == {"value": "on", "default": True}
    assert options["cluster.min-free-disk"] == {"value": "10%", "default": True}
    assert options["cluster.lock-migration"] == {"value": "off", "default": False}
    assert options["performance.cache-size"] == {"value": "64MB", "default": False}
    assert options["nfs.disable"] == {"value": "on", "default": False}
    assert options["cluster.subvols-per-directory"] == {"value": "(null)", "default": True}
    assert options["cluster.heal-timeout"] == {"value": "600", "default": True}
    # the marker is always removed
    assert not any("(DEFAULT)" in o["value"] for o in options.values())
    assert sum(o["default"] for o in options.values()) > 200
    assert sum(not o["default"] for o in options.values()) > 50


def test_volume_get_default_marker_alone():
    xml = (
        "<cliOutput><volGetopts><count>2</count>"
        "<Opt><Option>a.b</Option><Value>(DEFAULT)</Value></Opt>"
        "<Opt><Option>c.d</Option><Value>x (DEFAULT)</Value></Opt>"
        "</volGetopts></cliOutput>"
    )
    assert gx.parse_volume_get(xml) == {
        "a.b": {"value": "", "default": True},
        "c.d": {"value": "x", "default": True},
    }


def test_volume_get_one():
    assert gx.parse_volume_get(read("volume_get_one.xml")) == {
        "performance.cache-size": {"value": "64MB", "default": False}
    }


def test_op_version():
    assert gx.parse_op_version(read("op_version.xml")) == {"current": 100000}


def test_max_op_version():
    assert gx.parse_op_version(read("max_op_version.xml")) == {"max": 100000}


def test_op_version_both():
    xml = (
        "<cliOutput><volGetopts><count>2</count>"
        "<Opt><Option>cluster.op-version</Option><Value>90000</Value></Opt>"
        "<Opt><Option>cluster.max-op-version</Option><Value>100000</Value></Opt>"
        "</volGetopts></cliOutput>"
    )
    assert gx.parse_op_version(xml) == {"current": 90000, "max": 100000}


def test_op_version_missing_raises():
    # a per-volume "volume get rep3 all" has neither key
    with pytest.raises(gx.GlusterParseError, match="neither cluster.op-version"):
        gx.parse_op_version(read("volume_get_all.xml"))


def test_op_version_not_a_number_raises():
    xml = (
        "<cliOutput><volGetopts><Opt><Option>cluster.op-version</Option><Value>abc</Value></Opt>"
        "</volGetopts></cliOutput>"
    )
    with pytest.raises(gx.GlusterParseError, match="cluster.op-version is not a number"):
        gx.parse_op_version(xml)


# --------------------------------------------------------------------------- create/start/stop


@pytest.mark.parametrize(
    "filename, expected",
    [
        ("volume_create.xml", {"name": "dist", "id": DIST_ID}),
        ("volume_create_replica.xml", {"name": "rep3", "id": REP3_ID}),
        ("volume_start.xml", {"name": "rep3", "id": REP3_ID}),
        ("volume_stop.xml", {"name": "rep3", "id": REP3_ID}),
        ("volume_delete.xml", {"name": "rep3", "id": REP3_ID}),
    ],
)
def test_volume_created(filename, expected):
    assert gx.parse_volume_created(read(filename)) == expected


def test_volume_created_on_other_answer_is_empty():
    assert gx.parse_volume_created(read("volume_set.xml")) == {}


# --------------------------------------------------------------------------- output / errno


def test_output_text_and_errno():
    assert gx.parse_output_text(read("peer_probe.xml")) == "success"
    assert gx.parse_op_errno(read("peer_probe.xml")) == 0
    assert gx.parse_output_text(read("peer_probe_already.xml")) == (
        "Host 127.1.1.2 port 24007 already in peer list"
    )
    assert gx.parse_op_errno(read("peer_probe_already.xml")) == 2
    assert gx.parse_output_text(read("peer_status.xml")) == ""


# --------------------------------------------------------------------------- version


def test_parse_version_file():
    assert gx.parse_version(read("version.txt")) == {"version": "10.3", "major": 10, "minor": 3}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("glusterfs 9.6\n", {"version": "9.6", "major": 9, "minor": 6}),
        ("glusterfs 11\n", {"version": "11", "major": 11, "minor": 0}),
        ("glusterfs 12dev\nRepository revision: x", {"version": "12dev", "major": 12, "minor": 0}),
    ],
)
def test_parse_version_variants(text, expected):
    assert gx.parse_version(text) == expected


def test_parse_version_release_candidate():
    assert gx.parse_version("glusterfs 11.1rc0\n") == {"version": "11.1rc0", "major": 11, "minor": 1}


@pytest.mark.parametrize("text", ["", "   \n", "gluster 10.3", "glusterfs", "Connection failed."])
def test_parse_version_garbage(text):
    with pytest.raises(gx.GlusterParseError, match="unexpected 'gluster --version' output"):
        gx.parse_version(text)


# --------------------------------------------------------------------------- split_brick


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("gfs1:/bricks/b1", ("gfs1", "/bricks/b1")),
        ("127.1.1.1:/tmp/b", ("127.1.1.1", "/tmp/b")),
        ("gfs1.example.com:/a/b/c", ("gfs1.example.com", "/a/b/c")),
        # the split is at the last ':' so IPv6 hosts keep their colons
        ("[::1]:/b", ("[::1]", "/b")),
        ("fe80::1:/b", ("fe80::1", "/b")),
        ("::1:/b", ("::1", "/b")),
    ],
)
def test_split_brick(spec, expected):
    assert gx.split_brick(spec) == expected


@pytest.mark.parametrize("spec", ["", "gfs1", "/no/host", ":/b", "gfs1:relative", "gfs1:", "h:/a:b"])
def test_split_brick_bad(spec):
    with pytest.raises(gx.GlusterParseError, match="is not host:/path"):
        gx.split_brick(spec)


# --------------------------------------------------------------------------- garbage in


def test_parse_error_is_a_value_error():
    assert issubclass(gx.GlusterParseError, ValueError)


PARSERS = [
    gx.parse_peer_status,
    gx.parse_volume_list,
    gx.parse_volume_info,
    gx.parse_volume_status,
    gx.parse_volume_get,
    gx.parse_op_version,
    gx.parse_volume_created,
    gx.parse_output_text,
    gx.parse_op_errno,
]


@pytest.mark.parametrize("parser", PARSERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Connection failed. Please check if gluster daemon is operational.",
        # a real answer cut off half-way
        "TRUNCATED",
    ],
)
def test_not_xml_raises(parser, text):
    if text == "TRUNCATED":
        full = read("volume_info_all.xml")
        text = full[: len(full) // 2]
    with pytest.raises(gx.GlusterParseError, match="not XML"):
        parser(text)


@pytest.mark.parametrize(
    "parser, element",
    [
        (gx.parse_peer_status, "peerStatus"),
        (gx.parse_volume_list, "volList"),
        (gx.parse_volume_info, "volInfo"),
        (gx.parse_volume_status, "volStatus"),
        (gx.parse_volume_get, "volGetopts"),
        (gx.parse_op_version, "volGetopts"),
    ],
    ids=lambda v: getattr(v, "__name__", v),
)
@pytest.mark.parametrize("filename", ["volume_set.xml", "lock_error.xml"])
def test_missing_element_raises(parser, element, filename):
    with pytest.raises(gx.GlusterParseError, match=re.escape(f"no <{element}> in <cliOutput>")):
        parser(read(filename))


def test_wrong_answer_for_parser_raises():
    with pytest.raises(gx.GlusterParseError, match="no <volList>"):
        gx.parse_volume_list(read("peer_status.xml"))
    with pytest.raises(gx.GlusterParseError, match="no <peerStatus>"):
        gx.parse_peer_status(read("volume_list.xml"))


def test_non_numeric_field_raises_parse_error():
    xml = read("peer_status.xml").replace("<state>3</state>", "<state>three</state>", 1)
    with pytest.raises(gx.GlusterParseError, match="<state> is not a number: 'three'"):
        gx.parse_peer_status(xml)


def test_brick_without_spec_raises_parse_error():
    xml = (
        "<cliOutput><volInfo><volumes><volume><name>v</name><bricks><brick/></bricks>"
        "</volume></volumes></volInfo></cliOutput>"
    )
    with pytest.raises(gx.GlusterParseError, match="is not host:/path"):
        gx.parse_volume_info(xml)
