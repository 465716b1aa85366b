"""The cluster's health as conditions and the events between two looks (``gluster_health``),
and one volume's layout, availability and capacity (``gluster_status_view``), on answers
captured from real gluster 10.3 (tests/data/)."""

from pathlib import Path

import pytest
import saltext_gluster_utils.gluster_health as gh
import saltext_gluster_utils.gluster_status_view as gv
import saltext_gluster_utils.gluster_xml as gx

from conftest import load_loader_module

RUNNER = load_loader_module("gluster_runner_under_test", "gluster.py", folder="_runners")

DATA = Path(__file__).parent.parent / "data"
ROOT = "/tmp/gcap-z4obgcmw"


def read(name):
    return (DATA / name).read_text(encoding="utf-8")


VOLUMES = gx.parse_volume_info(read("volume_info_all.xml"))


def brick(node, name):
    return f"127.1.1.{node}:{ROOT}/node{node}/bricks/{name}"


@pytest.mark.parametrize(
    "volume, sets, cannot_lose",
    [
        ("rep3", [["rep0", "rep1", "rep2"]], []),
        ("arb", [["arb0", "arb1", "arb2"]], []),
        ("disp", [["disp0", "disp1", "disp2"]], []),
        ("dist", [["dist0"], ["dist1"]], ["127.1.1.1", "127.1.1.2"]),
        ("distdisp", [["dd0", "dd1", "dd2"], ["dd3", "dd4", "dd5"]], []),
    ],
)
def test_sets_and_the_hosts_a_volume_cannot_lose(volume, sets, cannot_lose):
    view = gv.volume_view(VOLUMES[volume])
    assert [[b["brick"].rsplit("/", 1)[1] for b in s["bricks"]] for s in view["sets"]] == sets
    assert view["cannot_lose"] == cannot_lose
    assert view["state"] == "stopped" and view["bricks_online"] == 0


def test_a_replica_two_set_needs_its_first_brick_when_half_is_down():
    volume = {"replica_count": 2, "bricks": [{"name": "a:/b", "host": "a"}, {"name": "b:/b", "host": "b"}]}
    assert gv.set_available(volume, volume["bricks"], {"a:/b": True, "b:/b": False})
    assert not gv.set_available(volume, volume["bricks"], {"a:/b": False, "b:/b": True})
    assert gv.volume_view(volume)["cannot_lose"] == ["a"]


def test_an_arbiter_alone_with_one_more_brick_needs_a_data_brick():
    arb = VOLUMES["arb"]
    names = [b["name"] for b in arb["bricks"]]
    assert arb["bricks"][2]["arbiter"] is True
    assert gv.set_available(arb, arb["bricks"], {names[0]: True, names[2]: True})
    assert not gv.set_available(arb, arb["bricks"], {names[2]: True})


def test_a_disperse_set_needs_all_but_redundancy():
    disp = VOLUMES["disp"]
    names = [b["name"] for b in disp["bricks"]]
    assert gv.set_available(disp, disp["bricks"], {names[0]: True, names[1]: True})
    assert not gv.set_available(disp, disp["bricks"], {names[0]: True})


def test_a_started_healthy_volume_with_its_capacity():
    volume = gx.parse_volume_info(read("volume_info_started.xml"))["rep3"]
    status = gx.parse_volume_status(read("volume_status_detail_rep3.xml"))["rep3"]
    view = gv.volume_view(volume, status, {"entries": 0, "split_brain": 0, "unreachable": []})
    assert view["state"] == "ok" and view["bricks_online"] == view["bricks"] == 3
    assert view["sets"][0]["available"] is True and all(b["pid"] for b in view["sets"][0]["bricks"])
    smallest = min(b["size_total"] for b in status["bricks"])
    assert view["size_total"] == smallest  # one replica set: one brick's worth
    assert view["heal"] == {"pending": 0, "split_brain": 0, "unreachable": []}


# captured by tests/data/capture_trouble.py: rep3 with node 3's brick killed and 20 files
# written, and a file in data split-brain on the replica-2 volume sb
TROUBLE = "/tmp/gcapt-yr6uzk93"
REP3 = gx.parse_volume_info(read("volume_info_rep3_trouble.xml"))["rep3"]
REP3_DOWN = gx.parse_volume_status(read("volume_status_detail_rep3_brick_down.xml"))["rep3"]
REP3_HEAL = gx.summarize_heal(gx.parse_heal_info(read("heal_summary_rep3_brick_down.xml")))
SB_HEAL = gx.summarize_heal(gx.parse_heal_info(read("heal_summary_split_brain_file.xml")))


def test_a_brick_down_with_files_written_is_degraded_and_named():
    down = f"127.1.9.3:{TROUBLE}/node3/bricks/rep3"
    view = gv.volume_view(REP3, REP3_DOWN, REP3_HEAL)
    assert view["state"] == "degraded" and (view["bricks_online"], view["bricks"]) == (2, 3)
    assert view["sets"][0]["available"] is True and view["cannot_lose"] == []
    assert [(b["brick"], b["online"]) for b in view["sets"][0]["bricks"]] == [
        (f"127.1.9.{n}:{TROUBLE}/node{n}/bricks/rep3", n != 3) for n in (1, 2, 3)
    ]
    # the 20 files and the root directory wait on each of the two bricks that took the writes
    assert view["heal"] == {"pending": 42, "split_brain": 0, "unreachable": [down]}
    up = [b for b in REP3_DOWN["bricks"] if b["online"]]
    assert view["size_total"] == min(b["size_total"] for b in up) and view["size_free"] == min(
        b["size_free"] for b in up
    )
    found = gh.heal_conditions("rep3", REP3_HEAL, threshold=0)
    assert (
        found["heal:rep3"]["problem"],
        found["heal:rep3"]["pending"],
        found["heal:rep3"]["unreachable"],
    ) == (True, 42, [down])
    assert found["split_brain:rep3"]["problem"] is False
    assert gh.heal_conditions("rep3", REP3_HEAL, threshold=50)["heal:rep3"]["problem"] is False
    assert REP3_HEAL["healed"] is False


def test_a_set_with_one_brick_of_three_left_is_unavailable():
    one_left = {"bricks": [dict(b, online=b is REP3_DOWN["bricks"][0]) for b in REP3_DOWN["bricks"]]}
    view = gv.volume_view(REP3, one_left)
    assert view["state"] == "unavailable" and view["bricks_online"] == 1
    assert view["size_total"] == REP3_DOWN["bricks"][0]["size_total"]


def test_a_file_in_split_brain_is_found_and_named():
    assert (SB_HEAL["split_brain"], SB_HEAL["pending"], SB_HEAL["unreachable"]) == (
        2,
        0,
        [],
    )  # one file, both copies
    found = gh.heal_conditions("sb", SB_HEAL, threshold=0)
    assert found["split_brain:sb"]["problem"] is True and found["split_brain:sb"]["entries"] == 2
    assert found["heal:sb"]["problem"] is False
    assert [e["tag"] for e in gh.events(None, found)] == ["split_brain/found"]
    healed = gh.heal_conditions("sb", {"entries": 0, "split_brain": 0}, threshold=0)
    assert [e["tag"] for e in gh.events(found, healed)] == ["split_brain/resolved"]
    # a brick of the pair unreachable: gluster cannot tell a split-brain then; the last known
    # answer stands, and no event is made of it
    blind = gh.heal_conditions("sb", {"entries": 1, "split_brain": 0, "unreachable": ["h:/b2"]}, threshold=0)
    assert blind["split_brain:sb"]["unknown"] is True
    kept = gh.carry_unknown(found, blind)
    assert kept["split_brain:sb"] is found["split_brain:sb"] and kept["heal:sb"]["pending"] == 1
    assert [e["tag"] for e in gh.events(found, kept)] == ["heal/pending"]
    assert "split_brain:sb" not in gh.carry_unknown(None, blind)
    files = [b["files"] for b in gx.parse_heal_info(read("heal_info_split_brain_file.xml"))]
    assert files == [["<gfid:0f021a83-2e35-4f19-ab60-8aa07fc3f8ee>"], ["/victim"]]


def test_bricks_of_this_node_only_and_peers():
    status = gx.parse_volume_status(read("volume_status_all.xml"))
    own = status["rep3"]["bricks"][0]["peer_uuid"]
    mine = gh.brick_conditions(status, own)
    assert sorted(mine) == [
        f"brick:{v}:127.1.1.1:{ROOT}/node1/bricks/{b}"
        for v, b in (("arb", "arb0"), ("disp", "disp0"), ("rep3", "rep0"))
    ]
    assert not any(c["problem"] for c in mine.values())
    peers = gx.parse_peer_status(read("peer_status_disconnected.xml"))
    conditions = gh.peer_conditions(peers)
    assert [(c["hostname"], c["problem"]) for c in conditions.values()] == [("127.1.1.2", True)]
    assert [e["tag"] for e in gh.events(None, conditions)] == ["peer/disconnected"]


def _brick(online):
    return {"brick:v:h:/b": {"kind": "brick", "problem": not online, "volume": "v", "brick": "h:/b"}}


def test_events_fire_once_per_change():
    assert gh.events(None, _brick(True)) == []  # first look, healthy: nothing
    down = gh.events(_brick(True), _brick(False))
    assert [e["tag"] for e in down] == ["brick/offline"] and down[0]["condition"] == "brick:v:h:/b"
    assert gh.events(_brick(False), _brick(False)) == []  # still down: no repeat
    assert [e["tag"] for e in gh.events(_brick(False), _brick(True))] == ["brick/online"]
    assert [e["tag"] for e in gh.events(None, _brick(False))] == ["brick/offline"]  # after a restart: once
    assert gh.events(_brick(False), {}) == []  # gone (volume deleted): not "online"


def test_a_quota_going_from_soft_to_hard_is_announced_again():
    soft = {"path": "/a", "soft_exceeded": True, "hard_exceeded": False, "used": 9, "hard_limit": 10}
    hard = dict(soft, hard_exceeded=True, used=10)
    before, after = gh.quota_conditions("v", [soft]), gh.quota_conditions("v", [hard])
    assert before["quota:v:/a"]["exceeded"] == "soft"
    assert [(e["tag"], e["exceeded"]) for e in gh.events(before, after)] == [("quota/exceeded", "hard")]
    within = gh.quota_conditions("v", [dict(soft, soft_exceeded=False)])
    assert [e["tag"] for e in gh.events(after, within)] == ["quota/within"]


def test_the_runner_merges_every_minions_view_of_the_pool():
    pool = gx.parse_peer_status(read("pool_list.xml"))
    own = next(p["uuid"] for p in pool if p["self"])
    nodes = RUNNER._nodes({"gfs1": pool})
    assert len(nodes) == len(pool)
    mine = next(n for n in nodes if n["uuid"] == own)
    assert mine["minion"] == "gfs1" and mine["seen_by"] == {"gfs1": True} and mine["connected"] is True
    others = [n for n in nodes if n["uuid"] != own]
    assert all(n["minion"] is None and n["connected"] is False for n in others)  # no minion answered for them


OUTPUT = load_loader_module("gluster_status_output_under_test", "gluster_status.py", folder="_output")


def test_the_outputter_prints_nodes_volumes_sets_and_problems():
    volume = gx.parse_volume_info(read("volume_info_started.xml"))["rep3"]
    status = gx.parse_volume_status(read("volume_status_detail_rep3.xml"))["rep3"]
    down = {"bricks": [dict(b, online=b is not status["bricks"][1]) for b in status["bricks"]]}
    view = gv.volume_view(volume, down, {"entries": 11, "split_brain": 0})
    data = {
        "healthy": False,
        "reported_by": "gfs1",
        "problems": ["volume rep3: degraded (2/3 bricks online)"],
        "nodes": [{"hostname": "127.1.1.1", "minion": "gfs1", "connected": True, "seen_by": {"gfs1": True}}],
        "volumes": {"rep3": view},
    }
    text = OUTPUT.output(data)
    lines = text.splitlines()
    assert lines[0] == "GlusterFS cluster: DEGRADED (reported by gfs1)"
    row = next(line for line in lines if line.startswith("rep3 "))
    assert row.split()[:6] == ["rep3", "replicate", "degraded", "2/3", "11", "0"]
    assert f"{brick(2, 'rep1')} [DOWN]" in text and "rep3: set 1 available:" in text
    assert lines[-1] == "- volume rep3: degraded (2/3 bricks online)"
    assert OUTPUT.output("Minion did not return") == "Minion did not return"


BEACON = load_loader_module("gluster_beacon_under_test", "gluster.py", folder="_beacons")


@pytest.mark.parametrize(
    "config, ok",
    [
        ([{"interval": 30}], True),
        ([{"interval": 30}, {"checks": ["bricks", "heal"]}, {"cluster": True}, {"heal_threshold": 10}], True),
        ({"interval": 30}, False),
        ([{"checks": ["disks"]}], False),
        ([{"heal_threshold": -1}], False),
        ([{"cluster": "yes"}], False),
        ([{"every": 3}], False),
    ],
)
def test_beacon_configuration_is_checked(config, ok):
    assert BEACON.validate(config)[0] is ok


def test_the_beacon_keeps_the_last_look_and_returns_its_events():
    calls = []

    def health(checks, heal_threshold, previous, timeout):
        calls.append((checks, heal_threshold, previous, timeout))
        return {
            "conditions": {"n": len(calls)},
            "events": [{"tag": "brick/offline"}] if len(calls) == 2 else [],
        }

    BEACON.__salt__ = {"gluster.health": health}
    BEACON.__context__ = {}
    assert BEACON.beacon([{"interval": 5}, {"cluster": True}]) == []
    assert BEACON.beacon([{"interval": 5}, {"cluster": True}]) == [{"tag": "brick/offline"}]
    assert calls[0] == (
        ["bricks", "peers", "heal", "split_brain", "quota", "georep"],
        0,
        None,
        BEACON.DEFAULT_TIMEOUT,
    )
    assert calls[1][2] == {"n": 1}
    BEACON.beacon([{"interval": 5}, {"timeout": 3}])
    assert calls[2][3] == 3  # its own short bound: it runs in the minion's main loop


@pytest.mark.parametrize("timeout", [0, -1, True, "10", 301])
def test_the_beacon_refuses_a_bad_timeout(timeout):
    ok, message = BEACON.validate([{"interval": 5}, {"timeout": timeout}])
    assert not ok and "timeout must be a number of seconds" in message
