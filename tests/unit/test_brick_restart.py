"""The example reactor's brick restart (``_utils/gluster_brick_restart.py`` and the reactor SLS):
forged ``brick/offline`` events give no target and render nothing; the decision on the node
from gluster's view, on answers captured from real gluster 10.3 (tests/data/); the restart
log's bound, file mode and refusal of a file it cannot read."""

import json
import os
import stat
from pathlib import Path

import pytest
import saltext_gluster_utils.gluster_brick_restart as gr
import saltext_gluster_utils.gluster_xml as gx
import salt.utils.templates
import salt.utils.yaml
from hostile import variants

from conftest import ROOT

DATA = Path(__file__).parent.parent / "data"
REACTOR = ROOT / "salt" / "gluster" / "reactor" / "brick_offline.sls"
TAG = "salt/beacon/gfs2/gluster/brick/offline"
BRICK = "10.0.0.2:/data/glusterfs/gv0/brick"
# what the beacon sends (salt/beacon/<id>/gluster/brick/offline): its data at the top level
BEACON = {
    "id": "gfs2",
    "volume": "gv0",
    "brick": BRICK,
    "condition": f"brick:gv0:{BRICK}",
    "pid": None,
    "_stamp": "x",
}
# what ``salt-call event.send TAG '{volume: ..., brick: ...}'`` on gfs2 puts on the master's bus
SENT = {
    "id": "gfs2",
    "tag": TAG,
    "cmd": "_minion_event",
    "data": {"volume": "gv0", "brick": BRICK, "_stamp": "x"},
}
INJECTED = "gv0:\n  local.cmd.run:\n    - tgt: '*'\n    - arg: ['touch /tmp/pwned']\nx"


def read(name):
    return (DATA / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("data", [BEACON, SENT], ids=["beacon", "event.send"])
def test_an_honest_event_targets_its_sender_alone(data):
    assert gr.event_target(TAG, data) == ({"minion": "gfs2", "volume": "gv0", "brick": BRICK}, [])


def test_an_id_inside_the_data_is_never_the_target():
    data = dict(SENT, id="gfs1", data=dict(SENT["data"], id="gfs2", minion="gfs2", tgt="gfs2"))
    assert gr.event_target("salt/beacon/gfs1/gluster/brick/offline", data)[0]["minion"] == "gfs1"


FORGED = {
    # event.send from gfs1 naming gfs2 in the tag: the master's verified id is gfs1's
    "another minion in the tag": (TAG, dict(SENT, id="gfs1"), "is not 'gfs2'"),
    "'*' as id": ("salt/beacon/*/gluster/brick/offline", dict(BEACON, id="*"), "minion in the tag"),
    "a list of ids": (
        "salt/beacon/gfs1,gfs2/gluster/brick/offline",
        dict(BEACON, id="gfs1,gfs2"),
        "minion in the tag",
    ),
    "a compound target": (
        "salt/beacon/G@os:Debian/gluster/brick/offline",
        dict(BEACON, id="G@os:Debian"),
        "minion in the tag",
    ),
    "no id": (TAG, {k: v for k, v in BEACON.items() if k != "id"}, "is not 'gfs2'"),
    "a longer tag": ("salt/beacon/gfs2/x/gluster/brick/offline", BEACON, "tag"),
    "another tag": ("salt/beacon/gfs2/gluster/brick/online", BEACON, "tag"),
    "injected YAML in the volume": (TAG, dict(BEACON, volume=INJECTED), "volume"),
    "'..' in the volume": (TAG, dict(BEACON, volume="../gv0"), "volume"),
    "'..' in the brick": (TAG, dict(BEACON, brick="10.0.0.2:/data/glusterfs/../../etc"), "path"),
    "no brick": (TAG, {k: v for k, v in BEACON.items() if k != "brick"}, "brick"),
    "a list as data": (TAG, [BEACON], "mapping"),
}


@pytest.mark.parametrize("tag, data, word", list(FORGED.values()), ids=list(FORGED))
def test_a_forged_event_has_no_target(tag, data, word):
    target, problems = gr.event_target(tag, data)
    assert target is None and problems and any(word in p for p in problems), problems
    assert all(p.isprintable() for p in problems), problems  # a log line, not an injected one


@pytest.mark.parametrize("value", list(variants("gfs2").values()))
def test_a_hostile_minion_id_is_refused(value):
    tag = f"salt/beacon/{value}/gluster/brick/offline"
    assert gr.event_target(tag, dict(BEACON, id=value))[0] is None


def render(tag, data):
    """The formula's reactor rendered as the master's reactor does (Jinja, then YAML), with the
    module's ``brick_event_target`` rule behind ``salt['gluster.brick_event_target']``."""

    def brick_event_target(tag, data):
        return gr.event_target(tag, data)[0] or {}

    context = {
        "salt": {"gluster.brick_event_target": brick_event_target},
        "tag": tag,
        "data": data,
        "opts": {"cachedir": "/nonexistent", "file_roots": {"base": []}},
        "saltenv": "base",
        "sls": "",
    }
    text = salt.utils.templates.render_jinja_tmpl(REACTOR.read_text(encoding="utf-8"), context)
    return salt.utils.yaml.safe_load(text) or {}


def test_the_reactor_sends_one_restart_to_the_sender_as_a_list():
    ((state_id, body),) = render(TAG, BEACON).items()
    assert state_id == "gluster brick offline: restart on the reporting node"
    call = body["local.gluster.brick_restart"]
    assert {"tgt": ["gfs2"]} in call and {"tgt_type": "list"} in call, call
    (args,) = [item["args"] for item in call if "args" in item]
    assert args == [{"volume": "gv0"}, {"brick": BRICK}, {"limit": 3}, {"window": 3600}]


@pytest.mark.parametrize("tag, data, _word", list(FORGED.values()), ids=list(FORGED))
def test_the_reactor_renders_nothing_for_a_forged_event(tag, data, _word):
    assert render(tag, data) == {}


# ------------------------------------------------------------------ the decision on the node

INFO = gx.parse_volume_info(read("volume_info_rep3_trouble.xml"))["rep3"]
STATUS = gx.parse_volume_status(read("volume_status_detail_rep3_brick_down.xml"))["rep3"]["bricks"]
NODE = {n: b["host_uuid"] for n, b in enumerate(INFO["bricks"], start=1)}  # node -> its peer UUID
DOWN = INFO["bricks"][2]["name"]  # node 3's brick, offline in that status


def test_the_node_restarts_its_own_offline_brick():
    assert gr.refusal("rep3", DOWN, INFO, STATUS, NODE[3]) is None


@pytest.mark.parametrize(
    "brick, info, own, word",
    [
        (DOWN, None, 3, "does not exist"),
        (DOWN, gx.parse_volume_info(read("volume_info_stopped.xml"))["rep3"], 3, "not started"),
        (DOWN, INFO, 1, "on another node"),  # node 1 asked to start node 3's brick
        (INFO["bricks"][0]["name"], INFO, 1, "is online"),
        (DOWN.replace("/rep3", "/other"), INFO, 3, "has no brick"),
        (DOWN, INFO, None, "on another node"),  # no own UUID known: nothing is ours
    ],
    ids=[
        "no such volume",
        "stopped volume",
        "brick of another node",
        "online brick",
        "unknown brick",
        "no own uuid",
    ],
)
def test_the_node_refuses(brick, info, own, word):
    reason = gr.refusal("rep3", brick, info, STATUS if info and info["started"] else [], NODE.get(own))
    assert reason and word in reason, reason


# ------------------------------------------------------------------ the bound and its file


def test_the_bound_counts_the_window_and_the_future():
    now = 10_000.0
    assert gr.recent([now - 3601, now - 3599, now - 1, now + 500], now, 3600) == [
        now - 3599,
        now - 1,
        now + 500,
    ]
    assert gr.over_bound(BRICK, 2, 3, 3600) is None
    assert "restarted 3 time(s) in the last 3600 s, the limit is 3" in gr.over_bound(BRICK, 3, 3, 3600)
    assert gr.over_bound(BRICK, 0, 0, 3600)  # limit 0: never


@pytest.mark.parametrize(
    "limit, window", [(-1, 60), (True, 60), ("3", 60), (101, 60), (3, 0), (3, 2.5), (3, 10**9)]
)
def test_bad_bounds_are_refused(limit, window):
    assert gr.bound_problems(limit, window)


def test_the_log_file_is_private_and_forgets_only_old_restarts(tmp_path):
    directory = tmp_path / "cache" / "gluster"
    log = gr.RestartLog(str(directory))
    with log.locked():
        assert log.load() == {}
        log.record({"gv0 old": [1.0]}, "gv0 b", 1_000_000.0)
        assert log.record(log.load(), "gv0 b", 1_000_060.0) == [1_000_000.0, 1_000_060.0]
    assert json.loads((directory / gr.STATE_FILE).read_text()) == {"gv0 b": [1_000_000.0, 1_000_060.0]}
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(directory / gr.STATE_FILE).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(str(directory / gr.STATE_FILE) + ".lock").st_mode) == 0o600
    assert sorted(p.name for p in directory.iterdir()) == [gr.STATE_FILE, gr.STATE_FILE + ".lock"]


@pytest.mark.parametrize("text", ["{", "[]", '{"gv0 b": "1"}', '{"gv0 b": [true]}'])
def test_a_log_that_cannot_be_read_refuses(tmp_path, text):
    (tmp_path / gr.STATE_FILE).write_text(text)
    with pytest.raises(ValueError, match="remove it to reset"):
        gr.RestartLog(str(tmp_path)).load()


def test_a_second_restart_waits_for_the_lock_then_gives_up(tmp_path):
    log = gr.RestartLog(str(tmp_path))
    with log.locked():
        with pytest.raises(TimeoutError, match="still holds the lock"):
            with gr.RestartLog(str(tmp_path)).locked(timeout=0.5):
                pass
