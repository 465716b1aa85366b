"""The branches of the pool, volume life-cycle, heal, mount, op-version, cluster option, quota and
snapshot states, against fakes of the execution functions they call.

Every fake is ``create_autospec`` of the real execution function (or Salt's own ``event.send`` /
``schedule.*``), so a call with arguments the real function does not take fails; what the fakes
return is what gluster 10.3 answered (``tests/data``, through the module's own parsers). The
refusals of bad arguments run the real execution function with every gluster command recorded:
none may be run. Waiting states run on a fake clock.
"""

import os
from pathlib import Path
from unittest.mock import MagicMock
from unittest.mock import call
from unittest.mock import create_autospec

import pytest
import salt.modules.event
import salt.modules.schedule
import saltext_gluster_utils.gluster_cli as gcli
import saltext_gluster_utils.gluster_xml as gx
from salt.exceptions import CommandExecutionError

from conftest import FakeClock
from conftest import answer_gluster_with
from conftest import load_loader_module

STATES = load_loader_module("gluster_state_branches_core_states", "gluster.py", folder="_states")
GLUSTER = load_loader_module("gluster_state_branches_core_exec", "gluster.py")

DATA = Path(__file__).parent.parent / "data"
CONFIG = gcli.make_config(minion_config={})


def _data(name):
    return (DATA / name).read_text(encoding="utf-8")


def gluster_error(answer, *args):
    """The error the execution module raises for gluster's captured failure ``answer``."""
    try:
        gcli.check_xml(_data(answer), list(args), CONFIG)
    except CommandExecutionError as exc:
        return exc
    raise AssertionError(f"{answer} is not a failure")


# what gluster 10.3 answered, parsed the way the execution module parses it
POOL = gx.parse_peer_status(_data("pool_list.xml"))  # 127.1.1.2, 127.1.1.3 and this node
PEER2, PEER3, SELF = POOL
DISCONNECTED = gx.parse_peer_status(_data("peer_status_disconnected.xml"))[0]  # 127.1.1.2, down
STARTED = gx.parse_volume_info(_data("volume_info_started.xml"))["rep3"]  # bricks on .1, .2, .3
STOPPED = gx.parse_volume_info(_data("volume_info_stopped.xml"))["rep3"]  # status Created
BRICKS = [brick["name"] for brick in STARTED["bricks"]]
HEALED = gx.summarize_heal(gx.parse_heal_info(_data("heal_summary_healthy.xml")))
NOT_HEALED = gx.summarize_heal(gx.parse_heal_info(_data("heal_summary_brick_down.xml")))
NOT_HEALED_TEXT = (
    "22 entries pending, 0 in split-brain, "
    "bricks not answering: 127.1.8.3:/tmp/gcapl-wmpwnyj5/node3/bricks/r0"
)
CLUSTER_DEFAULTS = {
    key: entry["value"]
    for key, entry in gx.parse_volume_get(_data("cluster_options_get_default.xml")).items()
}
SNAPSHOT_DEFAULTS = gx.parse_snapshot_config(_data("snapshot_config_default.xml"))
LIMITS = {
    entry["path"]: {"hard": entry["hard_limit"], "soft": entry["soft_limit_percent"]}
    for entry in gx.parse_quota_list(_data("quota_list.xml"))
}  # "/": 1 GiB at 80 %, "/data": 10 MiB at 70 %
OBJECT_LIMITS = {
    entry["path"]: {"hard": entry["hard_limit"], "soft": entry["soft_limit_percent"]}
    for entry in gx.parse_quota_list(_data("quota_list_objects.xml"))
}  # "/objs": 5 at 80 %


def brickless_peer(hostname, uuid):
    """A connected "Peer in Cluster" of the shape ``pool list`` gives, hosting no brick of rep3."""
    return dict(PEER2, hostname=hostname, hostnames=[hostname], uuid=uuid)


PEER4 = brickless_peer("127.1.1.4", "0b6f3c1e-2f54-4d2a-9a4e-4f1c0c7e1a04")
PEER5 = brickless_peer("127.1.1.5", "7d1e5a2b-9c3f-4b8e-8f6a-2a9d3b4c5e05")


# the execution functions that change something, with answers of the real ones' shape
WRITES = {
    "gluster.peer_probe": lambda host: {"host": host, "uuid": None, "already_in_pool": False},
    "gluster.peer_detach": lambda host, force=False: {"host": host, "detached": True},
    "gluster.volume_start": lambda name, force=False: {"name": name, "started": True},
    "gluster.volume_stop": lambda name, force=False: {"name": name, "started": False},
    "gluster.volume_delete": lambda name: {"name": name, "deleted": True},
    "gluster.volume_heal": lambda name, full=False: (
        f"Launching heal operation to perform index self heal on volume {name} has been successful"
    ),
    "gluster.op_version_set": lambda version="max": {
        "old": 90000,
        "new": 100000 if str(version) == "max" else int(version),
        "changed": True,
    },
    "gluster.volume_set": lambda name, options=None, **kwargs: {"name": name, "set": {**(options or {})}},
    "gluster.quota_enable": lambda name, enabled=True: {"name": name, "quota": bool(enabled)},
    "gluster.quota_limit": lambda name, path, hard, soft=None, objects=False: {
        "name": name,
        "path": path,
        "hard": str(hard),
        "soft": soft,
    },
    "gluster.quota_remove": lambda name, path, objects=False: {
        "name": name,
        "path": path,
        "removed": "objects" if objects else "usage",
    },
    "gluster.snapshot_config_set": lambda volume=None, **settings: {
        "volume": volume,
        "set": {key: str(value) for key, value in settings.items() if value is not None},
    },
    "schedule.delete": lambda name, **kwargs: {
        "comment": f"Deleted Job {name} from schedule.",
        "result": True,
        "changes": {name: "removed"},
    },
    "event.send": lambda tag, data=None, **kwargs: True,
}
SPECS = {"gluster": GLUSTER, "event": salt.modules.event, "schedule": salt.modules.schedule}


class Minion:
    """The state module's ``__salt__`` / ``__opts__`` / ``__context__``: autospec fakes only,
    every write among them, and the order in which the fakes were called."""

    def __init__(self, monkeypatch):
        self.salt, self.order = {}, []
        self.opts = {"test": False, "id": "gfs1"}
        monkeypatch.setattr(STATES, "__salt__", self.salt, raising=False)
        monkeypatch.setattr(STATES, "__opts__", self.opts, raising=False)
        monkeypatch.setattr(STATES, "__context__", {}, raising=False)
        for name, answer in WRITES.items():
            self.fake(name, side_effect=answer)

    def fake(self, name, return_value=None, side_effect=None):
        """``__salt__[name]``: an autospec of the real function, answering like a ``Mock`` with
        ``return_value`` / ``side_effect`` (a value, an exception, a list of them, a function)."""
        module, _, function = name.partition(".")
        real = getattr(SPECS[module], "list_" if function == "list" else function)
        answer = MagicMock(return_value=return_value, side_effect=side_effect)

        def called(*args, **kwargs):
            self.order.append(name)
            return answer(*args, **kwargs)

        self.salt[name] = create_autospec(real, side_effect=called)
        return self.salt[name]

    def real(self, name):
        """``__salt__[name]``: the real execution function (behind an autospec)."""
        function = getattr(GLUSTER, name.partition(".")[2])
        self.salt[name] = create_autospec(function, side_effect=function)
        return self.salt[name]

    def test_mode(self):
        self.opts["test"] = True

    def writes(self):
        """The calls of every write and event, by name (``{}``: nothing was changed or sent)."""
        return {name: self.salt[name].call_args_list for name in WRITES if self.salt[name].called}

    def events(self):
        return self.salt["event.send"].call_args_list


@pytest.fixture
def minion(monkeypatch):
    return Minion(monkeypatch)


@pytest.fixture
def gluster_commands(monkeypatch):
    """Every gluster command the real execution module runs (answered by a failure)."""
    commands = []

    def run(config, args, *more, **kwargs):
        commands.append(list(args))
        raise CommandExecutionError(f"unexpected gluster command: {args}")

    answer_gluster_with(monkeypatch, GLUSTER, run)
    return commands


@pytest.fixture
def clock(monkeypatch):
    fake = FakeClock(limit=1000)
    monkeypatch.setattr(STATES, "time", fake.time_module())
    return fake


def finder(*peers):
    """``gluster.peer_find`` over ``peers``: the peer one of whose names is ``host``, or None."""

    def peer_find(host, settle=0):
        return next((dict(peer) for peer in peers if host in peer["hostnames"]), None)

    return peer_find


def volumes(**by_name):
    """``gluster.volume_exists`` and ``gluster.volume_info`` answering for ``by_name``."""

    def volume_info(name=None):
        if name is None:
            return {key: dict(value, name=key) for key, value in by_name.items()}
        if name not in by_name:
            raise CommandExecutionError(
                f"Volume {name} does not exist", info={"errno": GLUSTER.NO_SUCH_VOLUME}
            )
        return dict(by_name[name], name=name)

    return (lambda name: name in by_name), volume_info


def with_volumes(minion, **by_name):
    exists, info = volumes(**by_name)
    minion.fake("gluster.volume_exists", side_effect=exists)
    minion.fake("gluster.volume_info", side_effect=info)


# ---- peered ------------------------------------------------------------------------------------


def test_peered_connected_member_needs_nothing(minion):
    find = minion.fake("gluster.peer_find", side_effect=finder(*POOL))
    this_node = minion.fake("gluster.is_this_node", return_value=False)
    wait = minion.fake("gluster.peer_wait", return_value={})
    ret = STATES.peered("127.1.1.2")
    assert ret == {
        "name": "127.1.1.2",
        "result": True,
        "changes": {},
        "comment": f"127.1.1.2 is in the pool and connected (uuid {PEER2['uuid']})",
    }
    assert find.call_args_list == [call("127.1.1.2", settle=120)]
    assert not this_node.called and not wait.called
    assert minion.writes() == {}


def test_peered_this_node_needs_no_probe(minion):
    minion.fake("gluster.peer_find", return_value=None)
    this_node = minion.fake("gluster.is_this_node", return_value=True)
    wait = minion.fake("gluster.peer_wait", return_value={})
    ret = STATES.peered("127.1.1.1")
    assert ret["result"] is True and ret["changes"] == {}
    assert ret["comment"] == "127.1.1.1 is this node: nothing to probe"
    assert this_node.call_args_list == [call("127.1.1.1")]
    assert not wait.called and minion.writes() == {}


def test_peered_test_mode_predicts_the_probe_and_probes_nothing(minion):
    minion.test_mode()
    minion.fake("gluster.peer_find", side_effect=finder(*POOL))
    minion.fake("gluster.is_this_node", return_value=False)
    wait = minion.fake("gluster.peer_wait", return_value={})
    ret = STATES.peered("127.1.1.4", timeout=60)
    assert ret == {
        "name": "127.1.1.4",
        "result": None,
        "changes": {"probed": "127.1.1.4"},
        "comment": "would probe 127.1.1.4 and wait up to 60s for it to connect",
    }
    assert not wait.called and minion.writes() == {}


def test_peered_test_mode_without_probe_predicts_only_a_wait(minion):
    minion.test_mode()
    minion.fake("gluster.peer_find", side_effect=finder(*POOL))
    minion.fake("gluster.is_this_node", return_value=False)
    wait = minion.fake("gluster.peer_wait", return_value={})
    ret = STATES.peered("127.1.1.4", probe=False)
    assert ret["result"] is None and ret["changes"] == {}
    assert ret["comment"] == (
        "would wait up to 120s for another node's probe to bring 127.1.1.4 into this node's pool "
        "(probe: false)"
    )
    assert not wait.called and minion.writes() == {}


def test_peered_test_mode_predicts_a_wait_for_a_disconnected_peer(minion):
    minion.test_mode()
    minion.fake("gluster.peer_find", side_effect=finder(DISCONNECTED))
    this_node = minion.fake("gluster.is_this_node", return_value=False)
    wait = minion.fake("gluster.peer_wait", return_value={})
    ret = STATES.peered("127.1.1.2", timeout=30)
    assert ret["result"] is None and ret["changes"] == {}
    assert ret["comment"] == "would wait up to 30s for 127.1.1.2 to connect (Peer in Cluster)"
    assert not this_node.called and not wait.called and minion.writes() == {}


def test_peered_probes_a_new_node_waits_for_it_and_fires_the_event(minion):
    minion.fake("gluster.peer_find", side_effect=finder(*POOL))
    minion.fake("gluster.is_this_node", return_value=False)
    wait = minion.fake("gluster.peer_wait", return_value={"127.1.1.4": PEER4["uuid"]})
    ret = STATES.peered("127.1.1.4", timeout=45)
    assert ret == {
        "name": "127.1.1.4",
        "result": True,
        "changes": {"probed": "127.1.1.4"},
        "comment": f"probed 127.1.1.4: in the pool and connected (uuid {PEER4['uuid']})",
    }
    assert minion.writes() == {
        "gluster.peer_probe": [call("127.1.1.4")],
        "event.send": [
            call("gluster/peer/probed", {"host": "127.1.1.4", "uuid": PEER4["uuid"], "minion": "gfs1"})
        ],
    }
    assert wait.call_args_list == [call(["127.1.1.4"], timeout=45)]
    assert minion.order.index("gluster.peer_probe") < minion.order.index("gluster.peer_wait")


def test_peered_probe_answered_already_in_pool_reports_no_change(minion):
    minion.fake("gluster.peer_find", return_value=None)
    minion.fake("gluster.is_this_node", return_value=False)
    minion.fake(
        "gluster.peer_probe",
        return_value={"host": "127.1.1.4", "uuid": PEER4["uuid"], "already_in_pool": True},
    )
    minion.fake("gluster.peer_wait", return_value={"127.1.1.4": PEER4["uuid"]})
    ret = STATES.peered("127.1.1.4")
    assert ret["result"] is True and ret["changes"] == {}
    assert ret["comment"] == f"found 127.1.1.4: in the pool and connected (uuid {PEER4['uuid']})"
    assert minion.events() == []


def test_peered_without_probe_waits_for_another_nodes_probe(minion):
    minion.fake("gluster.peer_find", return_value=None)
    minion.fake("gluster.is_this_node", return_value=False)
    wait = minion.fake("gluster.peer_wait", return_value={"127.1.1.4": PEER4["uuid"]})
    ret = STATES.peered("127.1.1.4", probe=False, timeout=10)
    assert ret["result"] is True and ret["changes"] == {}
    assert ret["comment"] == f"found 127.1.1.4: in the pool and connected (uuid {PEER4['uuid']})"
    assert wait.call_args_list == [call(["127.1.1.4"], timeout=10)]
    assert minion.writes() == {}


def test_peered_waits_for_a_disconnected_peer_without_probing_it(minion):
    minion.fake("gluster.peer_find", side_effect=finder(DISCONNECTED))
    wait = minion.fake("gluster.peer_wait", return_value={"127.1.1.2": PEER2["uuid"]})
    ret = STATES.peered("127.1.1.2")
    assert ret["result"] is True and ret["changes"] == {}
    assert ret["comment"] == f"found 127.1.1.2: in the pool and connected (uuid {PEER2['uuid']})"
    assert wait.call_args_list == [call(["127.1.1.2"], timeout=120)]
    assert minion.writes() == {}


def test_peered_refused_probe_fails_with_glusters_message(minion):
    refused = gluster_error("peer_probe_unreachable.xml", "peer", "probe", "127.1.1.4")
    minion.fake("gluster.peer_find", return_value=None)
    minion.fake("gluster.is_this_node", return_value=False)
    minion.fake("gluster.peer_probe", side_effect=refused)
    wait = minion.fake("gluster.peer_wait", return_value={})
    ret = STATES.peered("127.1.1.4")
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == f"peer 127.1.1.4: {refused}"
    assert "Probe returned with Transport endpoint is not connected" in ret["comment"]
    assert not wait.called and minion.events() == []


def test_peered_wait_failing_after_the_probe_still_reports_the_probe(minion):
    timed_out = CommandExecutionError("peer_wait: still waiting after 45s for 127.1.1.4 (not in the pool)")
    minion.fake("gluster.peer_find", return_value=None)
    minion.fake("gluster.is_this_node", return_value=False)
    minion.fake("gluster.peer_wait", side_effect=timed_out)
    ret = STATES.peered("127.1.1.4", timeout=45)
    assert ret["result"] is False
    assert ret["changes"] == {"probed": "127.1.1.4"}
    assert ret["comment"] == f"peer 127.1.1.4: {timed_out}"
    assert minion.writes() == {"gluster.peer_probe": [call("127.1.1.4")]}
    assert minion.events() == []


def test_peered_refuses_a_bad_host_name_before_asking_gluster(minion, gluster_commands):
    minion.real("gluster.peer_find")
    this_node = minion.fake("gluster.is_this_node", return_value=False)
    ret = STATES.peered("gfs2; reboot")
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"].startswith("peer gfs2; reboot: peer_find: host 'gfs2; reboot' is not a valid")
    assert gluster_commands == [] and not this_node.called and minion.writes() == {}


def test_peered_refuses_a_timeout_that_is_not_seconds_before_asking_gluster(minion, gluster_commands):
    minion.real("gluster.peer_find")
    ret = STATES.peered("127.1.1.4", timeout="soon")
    assert ret["result"] is False and ret["changes"] == {}
    assert "must be a number of seconds from 0 to 86400" in ret["comment"]
    assert gluster_commands == [] and minion.writes() == {}


# ---- pool_members ------------------------------------------------------------------------------

MEMBERS = ["127.1.1.1", "127.1.1.2", "127.1.1.3"]


def pool(minion, *peers, volumes_info=None):
    minion.fake("gluster.peer_find", side_effect=finder(*peers))
    minion.fake("gluster.pool_list", return_value=[dict(peer) for peer in peers])
    return minion.fake("gluster.volume_info", return_value=volumes_info or {"rep3": STARTED})


def test_pool_members_every_peer_listed_needs_nothing(minion):
    info = pool(minion, *POOL)
    ret = STATES.pool_members("pool", MEMBERS, detach_others=True)
    assert ret == {
        "name": "pool",
        "result": True,
        "changes": {},
        "comment": "every peer in the pool is a node of the pillar",
    }
    assert minion.salt["gluster.peer_find"].call_args_list == [call(member) for member in MEMBERS]
    assert not info.called and minion.writes() == {}


def test_pool_members_reports_unlisted_peers_and_leaves_them_without_detach_others(minion):
    info = pool(minion, *POOL, PEER4)
    ret = STATES.pool_members("pool", MEMBERS)
    assert ret["result"] is True and ret["changes"] == {}
    assert ret["comment"] == (
        "peers in the pool but not in the pillar: 127.1.1.4; left alone "
        "(gluster:detach_removed_nodes: true detaches those without bricks)"
    )
    assert not info.called and minion.writes() == {}


def test_pool_members_test_mode_predicts_detaching_the_brickless_peers(minion):
    minion.test_mode()
    pool(minion, *POOL, PEER4, PEER5)
    ret = STATES.pool_members("pool", MEMBERS, detach_others=True)
    assert ret["result"] is None
    assert ret["changes"] == {"detached": ["127.1.1.4", "127.1.1.5"]}
    assert ret["comment"] == "would detach 127.1.1.4, 127.1.1.5"
    assert minion.writes() == {}


def test_pool_members_test_mode_refuses_a_peer_that_hosts_bricks(minion):
    minion.test_mode()
    pool(minion, *POOL)
    ret = STATES.pool_members("pool", ["127.1.1.1", "127.1.1.2"], detach_others=True)
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == "refusing to detach: 127.1.1.3 still hosts bricks of rep3"
    assert minion.writes() == {}


def test_pool_members_test_mode_predicts_the_detach_and_the_refusal_together(minion):
    minion.test_mode()
    pool(minion, *POOL, PEER4)
    ret = STATES.pool_members("pool", ["127.1.1.1", "127.1.1.2"], detach_others=True)
    assert ret["result"] is None
    assert ret["changes"] == {"detached": ["127.1.1.4"]}
    assert ret["comment"] == (
        "would detach 127.1.1.4; refusing to detach: 127.1.1.3 still hosts bricks of rep3"
    )
    assert minion.writes() == {}


def test_pool_members_detaches_the_brickless_peers_and_fires_an_event_each(minion):
    pool(minion, *POOL, PEER4, PEER5)
    ret = STATES.pool_members("pool", MEMBERS, detach_others=True)
    assert ret == {
        "name": "pool",
        "result": True,
        "changes": {"detached": ["127.1.1.4", "127.1.1.5"]},
        "comment": "detached 127.1.1.4, 127.1.1.5",
    }
    assert minion.writes() == {
        "gluster.peer_detach": [call("127.1.1.4"), call("127.1.1.5")],
        "event.send": [
            call("gluster/peer/detached", {"host": "127.1.1.4", "minion": "gfs1"}),
            call("gluster/peer/detached", {"host": "127.1.1.5", "minion": "gfs1"}),
        ],
    }


def test_pool_members_detaches_the_free_peer_then_fails_on_the_one_with_bricks(minion):
    pool(minion, *POOL, PEER4)
    ret = STATES.pool_members("pool", ["127.1.1.1", "127.1.1.2"], detach_others=True)
    assert ret["result"] is False
    assert ret["changes"] == {"detached": ["127.1.1.4"]}
    assert ret["comment"] == (
        "refusing to detach: 127.1.1.3 still hosts bricks of rep3; move or remove those bricks first "
        "(done before this failure: detached 127.1.1.4)"
    )
    assert minion.salt["gluster.peer_detach"].call_args_list == [call("127.1.1.4")]


def test_pool_members_failure_part_way_reports_the_peers_already_detached(minion):
    refused = gluster_error("peer_detach_with_bricks.xml", "peer", "detach", "127.1.1.5")
    pool(minion, *POOL, PEER4, PEER5)
    minion.fake("gluster.peer_detach", side_effect=[{"host": "127.1.1.4", "detached": True}, refused])
    ret = STATES.pool_members("pool", MEMBERS, detach_others=True)
    assert ret["result"] is False
    assert ret["changes"] == {"detached": ["127.1.1.4"]}
    assert ret["comment"] == f"pool: {refused} (done before this failure: detached 127.1.1.4)"
    assert "hosts one or more bricks" in ret["comment"]
    assert minion.events() == [call("gluster/peer/detached", {"host": "127.1.1.4", "minion": "gfs1"})]


def test_pool_members_pool_list_failing_fails_with_no_changes(minion):
    down = CommandExecutionError(
        "gluster pool list: Connection failed. Please check if gluster daemon is operational."
    )
    minion.fake("gluster.peer_find", side_effect=finder(*POOL))
    minion.fake("gluster.pool_list", side_effect=down)
    ret = STATES.pool_members("pool", MEMBERS, detach_others=True)
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == f"pool: {down}"
    assert minion.writes() == {}


def test_pool_members_refuses_a_bad_member_name_before_asking_gluster(minion, gluster_commands):
    minion.real("gluster.peer_find")
    pool_list = minion.fake("gluster.pool_list", return_value=POOL)
    ret = STATES.pool_members("pool", ["gfs2 && rm"], detach_others=True)
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"].startswith("pool: peer_find: host 'gfs2 && rm' is not a valid hostname")
    assert gluster_commands == [] and not pool_list.called and minion.writes() == {}


def test_pool_members_never_detaches_the_member_given_as_a_plain_string(minion):
    gfs4 = brickless_peer("gfs4", PEER4["uuid"])  # a new node: no brick on it yet
    pool(minion, *POOL, gfs4)
    ret = STATES.pool_members("pool", "gfs4", detach_others=True)
    assert call("gfs4") not in minion.salt["gluster.peer_detach"].call_args_list
    assert ret["result"] is False and "members" in ret["comment"]


# ---- volume_started / volume_stopped -----------------------------------------------------------


def test_volume_started_already_started_needs_nothing(minion):
    with_volumes(minion, rep3=STARTED)
    ret = STATES.volume_started("rep3")
    assert ret == {"name": "rep3", "result": True, "changes": {}, "comment": "volume rep3 is already started"}
    assert minion.salt["gluster.volume_info"].call_args_list == [call("rep3")]
    assert minion.writes() == {}


def test_volume_started_test_mode_predicts_the_start_and_starts_nothing(minion):
    minion.test_mode()
    with_volumes(minion, rep3=STOPPED)
    ret = STATES.volume_started("rep3")
    assert ret == {
        "name": "rep3",
        "result": None,
        "changes": {"started": {"old": False, "new": True}},
        "comment": "would start volume rep3",
    }
    assert minion.writes() == {}


def test_volume_started_test_mode_counts_a_volume_still_to_create_as_stopped(minion):
    minion.test_mode()
    with_volumes(minion)
    ret = STATES.volume_started("rep3")
    assert ret["result"] is None
    assert ret["changes"] == {"started": {"old": False, "new": True}}
    assert ret["comment"] == "would start volume rep3 once it is created"
    assert not minion.salt["gluster.volume_info"].called and minion.writes() == {}


def test_volume_started_fails_on_a_volume_that_does_not_exist(minion):
    with_volumes(minion)
    ret = STATES.volume_started("rep3")
    assert ret == {"name": "rep3", "result": False, "changes": {}, "comment": "volume rep3 does not exist"}
    assert minion.writes() == {}


def test_volume_started_starts_a_stopped_volume_and_fires_the_event(minion):
    with_volumes(minion, rep3=STOPPED)
    ret = STATES.volume_started("rep3")
    assert ret == {
        "name": "rep3",
        "result": True,
        "changes": {"started": {"old": False, "new": True}},
        "comment": "started volume rep3",
    }
    assert minion.salt["gluster.volume_start"].call_args_list == [call("rep3", force=False)]
    assert minion.events() == [call("gluster/volume/started", {"volume": "rep3", "minion": "gfs1"})]


def test_volume_started_passes_force_to_the_start(minion):
    with_volumes(minion, rep3=STOPPED)
    ret = STATES.volume_started("rep3", force=True)
    assert ret["result"] is True
    assert minion.salt["gluster.volume_start"].call_args_list == [call("rep3", force=True)]


def test_volume_started_refuses_while_a_brick_filesystem_is_not_mounted(minion, tmp_path):
    with_volumes(minion, rep3=STOPPED)
    mounts = {BRICKS[0]: str(tmp_path)}  # a directory, not a mount point
    ret = STATES.volume_started("rep3", brick_mounts=mounts)
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == (
        f"volume rep3: refusing to start it: brick {BRICKS[0]} needs its filesystem {tmp_path} mounted"
    )
    assert minion.writes() == {}


def test_volume_started_test_mode_predicts_the_start_while_a_brick_filesystem_is_not_mounted(
    minion, tmp_path
):
    minion.test_mode()
    with_volumes(minion, rep3=STOPPED)
    ret = STATES.volume_started("rep3", brick_mounts={BRICKS[0]: str(tmp_path)})
    assert ret["result"] is None
    assert ret["changes"] == {"started": {"old": False, "new": True}}
    assert minion.writes() == {}


def test_volume_started_starts_once_the_brick_filesystems_are_mounted(minion):
    with_volumes(minion, rep3=STOPPED)
    ret = STATES.volume_started("rep3", brick_mounts={BRICKS[0]: "/"})
    assert ret["result"] is True, ret
    assert minion.salt["gluster.volume_start"].call_args_list == [call("rep3", force=False)]


def test_volume_started_start_refused_by_gluster_fails_with_its_message_and_no_changes(minion):
    locked = gluster_error("lock_error.xml", "volume", "start", "rep3")
    with_volumes(minion, rep3=STOPPED)
    minion.fake("gluster.volume_start", side_effect=locked)
    ret = STATES.volume_started("rep3")
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == f"volume rep3: {locked}"
    assert "Another transaction is in progress for rep3" in ret["comment"]
    assert minion.events() == []


def test_volume_started_refuses_a_bad_volume_name_before_asking_gluster(minion, gluster_commands):
    minion.real("gluster.volume_exists")
    info = minion.fake("gluster.volume_info", return_value=STOPPED)
    ret = STATES.volume_started("rep3;ls")
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"].startswith("volume rep3;ls: volume_exists: volume name 'rep3;ls'")
    assert gluster_commands == [] and not info.called and minion.writes() == {}


def test_volume_started_returns_what_volumes_converged_ran_ahead_and_asks_nothing(minion):
    exists = minion.fake("gluster.volume_exists", return_value=True)
    ahead = {"name": "rep3", "result": True, "changes": {"started": {"old": False, "new": True}}}
    ahead["comment"] = "started volume rep3"
    key = STATES._ahead_key("volume_started", {"name": "rep3", "force": False, "brick_mounts": None})
    STATES.__context__[STATES.AHEAD_KEY] = {key: (ahead, [("volume/started", {"volume": "rep3"})])}
    ret = STATES.volume_started("rep3")
    assert ret["changes"] == {"started": {"old": False, "new": True}}
    assert ret["comment"] == "started volume rep3 (run ahead by gluster.volumes_converged)"
    assert not exists.called
    assert minion.events() == [call("gluster/volume/started", {"volume": "rep3", "minion": "gfs1"})]
    assert STATES.__context__[STATES.AHEAD_KEY] == {}  # claimed once


def test_volume_stopped_already_stopped_needs_nothing(minion):
    with_volumes(minion, rep3=STOPPED)
    ret = STATES.volume_stopped("rep3")
    assert ret == {"name": "rep3", "result": True, "changes": {}, "comment": "volume rep3 is already stopped"}
    assert minion.writes() == {}


def test_volume_stopped_test_mode_predicts_the_stop_and_stops_nothing(minion):
    minion.test_mode()
    with_volumes(minion, rep3=STARTED)
    ret = STATES.volume_stopped("rep3")
    assert ret == {
        "name": "rep3",
        "result": None,
        "changes": {"started": {"old": True, "new": False}},
        "comment": "would stop volume rep3",
    }
    assert minion.writes() == {}


def test_volume_stopped_test_mode_finds_a_missing_volume_not_started(minion):
    minion.test_mode()
    with_volumes(minion)
    ret = STATES.volume_stopped("rep3")
    assert ret["result"] is True and ret["changes"] == {}
    assert ret["comment"] == "volume rep3 does not exist, so it is not started"
    assert minion.writes() == {}


def test_volume_stopped_fails_on_a_volume_that_does_not_exist(minion):
    with_volumes(minion)
    ret = STATES.volume_stopped("rep3")
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == "volume rep3 does not exist"
    assert minion.writes() == {}


def test_volume_stopped_stops_a_started_volume_and_fires_the_event(minion):
    with_volumes(minion, rep3=STARTED)
    ret = STATES.volume_stopped("rep3")
    assert ret == {
        "name": "rep3",
        "result": True,
        "changes": {"started": {"old": True, "new": False}},
        "comment": "stopped volume rep3",
    }
    assert minion.salt["gluster.volume_stop"].call_args_list == [call("rep3", force=False)]
    assert not minion.salt["gluster.volume_start"].called
    assert minion.events() == [call("gluster/volume/stopped", {"volume": "rep3", "minion": "gfs1"})]


def test_volume_stopped_passes_force_to_the_stop(minion):
    with_volumes(minion, rep3=STARTED)
    STATES.volume_stopped("rep3", force=True)
    assert minion.salt["gluster.volume_stop"].call_args_list == [call("rep3", force=True)]


def test_volume_stopped_stop_refused_by_gluster_fails_with_its_message_and_no_changes(minion):
    locked = gluster_error("lock_error.xml", "volume", "stop", "rep3")
    with_volumes(minion, rep3=STARTED)
    minion.fake("gluster.volume_stop", side_effect=locked)
    ret = STATES.volume_stopped("rep3")
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == f"volume rep3: {locked}"
    assert minion.events() == []


def test_volume_stopped_refuses_a_bad_volume_name_before_asking_gluster(minion, gluster_commands):
    minion.real("gluster.volume_exists")
    ret = STATES.volume_stopped("")
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"].startswith("volume : volume_exists: volume name must be a non-empty string")
    assert gluster_commands == [] and minion.writes() == {}


# ---- volume_absent -----------------------------------------------------------------------------


def test_volume_absent_missing_volume_needs_nothing(minion):
    with_volumes(minion)
    ret = STATES.volume_absent("rep3")
    assert ret == {"name": "rep3", "result": True, "changes": {}, "comment": "volume rep3 is already absent"}
    assert not minion.salt["gluster.volume_info"].called and minion.writes() == {}


def test_volume_absent_test_mode_predicts_the_stop_and_the_delete(minion):
    minion.test_mode()
    with_volumes(minion, rep3=STARTED)
    ret = STATES.volume_absent("rep3")
    assert ret == {
        "name": "rep3",
        "result": None,
        "changes": {"deleted": "rep3", "stopped": "rep3"},
        "comment": "would stop and delete volume rep3 (brick data stays on disk)",
    }
    assert minion.writes() == {}


def test_volume_absent_test_mode_predicts_only_the_delete_of_a_stopped_volume(minion):
    minion.test_mode()
    with_volumes(minion, rep3=STOPPED)
    ret = STATES.volume_absent("rep3")
    assert ret["result"] is None
    assert ret["changes"] == {"deleted": "rep3"}
    assert ret["comment"] == "would delete volume rep3 (brick data stays on disk)"
    assert minion.writes() == {}


def test_volume_absent_stops_then_deletes_a_started_volume(minion):
    with_volumes(minion, rep3=STARTED)
    ret = STATES.volume_absent("rep3")
    assert ret == {
        "name": "rep3",
        "result": True,
        "changes": {"deleted": "rep3", "stopped": "rep3"},
        "comment": "deleted volume rep3; its brick data is still on disk",
    }
    assert minion.salt["gluster.volume_stop"].call_args_list == [call("rep3")]
    assert minion.salt["gluster.volume_delete"].call_args_list == [call("rep3")]
    writes = [name for name in minion.order if name in WRITES]
    assert writes == ["gluster.volume_stop", "gluster.volume_delete", "event.send"]
    assert minion.events() == [call("gluster/volume/deleted", {"volume": "rep3", "minion": "gfs1"})]


def test_volume_absent_deletes_a_stopped_volume_without_stopping_it(minion):
    with_volumes(minion, rep3=STOPPED)
    ret = STATES.volume_absent("rep3")
    assert ret["result"] is True and ret["changes"] == {"deleted": "rep3"}
    assert not minion.salt["gluster.volume_stop"].called
    assert minion.salt["gluster.volume_delete"].call_args_list == [call("rep3")]


def test_volume_absent_delete_failing_after_the_stop_reports_the_stop(minion):
    refused = gluster_error("volume_delete_started.xml", "volume", "delete", "rep3")
    with_volumes(minion, rep3=STARTED)
    minion.fake("gluster.volume_delete", side_effect=refused)
    ret = STATES.volume_absent("rep3")
    assert ret["result"] is False
    assert ret["changes"] == {"stopped": "rep3"}
    assert ret["comment"] == f"volume rep3: {refused} (done before this failure: stopped volume rep3)"
    assert "Volume needs to be stopped before deletion" in ret["comment"]
    assert minion.events() == []


def test_volume_absent_stop_failing_reports_no_changes_and_deletes_nothing(minion):
    locked = gluster_error("lock_error.xml", "volume", "stop", "rep3")
    with_volumes(minion, rep3=STARTED)
    minion.fake("gluster.volume_stop", side_effect=locked)
    ret = STATES.volume_absent("rep3")
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == f"volume rep3: {locked}"
    assert not minion.salt["gluster.volume_delete"].called


def test_volume_absent_refuses_a_bad_volume_name_before_asking_gluster(minion, gluster_commands):
    minion.real("gluster.volume_exists")
    ret = STATES.volume_absent("../rep3")
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"].startswith("volume ../rep3: volume_exists: volume name '../rep3'")
    assert gluster_commands == [] and minion.writes() == {}


# ---- volume_healed -----------------------------------------------------------------------------


def test_volume_healed_test_mode_reports_a_healed_volume_as_true(minion, clock):
    minion.test_mode()
    summary = minion.fake("gluster.heal_summary", return_value=HEALED)
    ret = STATES.volume_healed("rep3")
    assert ret == {"name": "rep3", "result": True, "changes": {}, "comment": "volume rep3 is healed"}
    assert summary.call_args_list == [call("rep3")]
    assert clock.sleeps == [] and minion.writes() == {}


def test_volume_healed_test_mode_reports_the_counts_and_waits_for_nothing(minion, clock):
    minion.test_mode()
    summary = minion.fake("gluster.heal_summary", return_value=NOT_HEALED)
    ret = STATES.volume_healed("rep3")
    assert ret == {
        "name": "rep3",
        "result": None,
        "changes": {},
        "comment": f"volume rep3 is not healed ({NOT_HEALED_TEXT}); would wait up to 300s",
    }
    assert summary.call_count == 1
    assert clock.sleeps == [] and minion.writes() == {}


def test_volume_healed_healed_volume_is_true_at_once(minion, clock):
    minion.fake("gluster.heal_summary", return_value=HEALED)
    ret = STATES.volume_healed("rep3")
    assert ret == {"name": "rep3", "result": True, "changes": {}, "comment": "volume rep3 is healed"}
    assert clock.sleeps == [] and minion.writes() == {}


def test_volume_healed_waits_with_back_off_until_the_heal_is_done(minion, clock):
    summary = minion.fake("gluster.heal_summary", side_effect=[NOT_HEALED, NOT_HEALED, HEALED])
    ret = STATES.volume_healed("rep3", timeout=60)
    assert ret["result"] is True and ret["changes"] == {}
    assert ret["comment"] == "volume rep3 is healed"
    assert summary.call_count == 3
    assert clock.sleeps == [1.0, 2.0]
    assert minion.writes() == {}


def test_volume_healed_fails_with_the_counts_after_the_timeout(minion, clock):
    minion.fake("gluster.heal_summary", return_value=NOT_HEALED)
    ret = STATES.volume_healed("rep3", timeout=5)
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == f"volume rep3: self-heal not finished after 5s: {NOT_HEALED_TEXT}"
    assert clock.sleeps == [1.0, 2.0, 2.0]  # never past the deadline
    assert minion.writes() == {}


def test_volume_healed_triggers_the_heal_again_after_30_seconds(minion, clock):
    minion.fake("gluster.heal_summary", return_value=NOT_HEALED)
    ret = STATES.volume_healed("rep3", timeout=60)
    assert ret["result"] is False
    assert minion.writes() == {"gluster.volume_heal": [call("rep3")]}  # once, 32 s in
    assert sum(clock.sleeps) == 60


def test_volume_healed_a_refused_trigger_does_not_end_the_wait(minion, clock):
    refused = gluster_error("volume_heal_brick_down.xml", "volume", "heal", "rep3")
    minion.fake("gluster.heal_summary", side_effect=[NOT_HEALED] * 9 + [HEALED])
    heal = minion.fake("gluster.volume_heal", side_effect=refused)
    ret = STATES.volume_healed("rep3", timeout=60)
    assert ret["result"] is True and ret["comment"] == "volume rep3 is healed"
    assert heal.call_args_list == [call("rep3")]


def test_volume_healed_keeps_asking_while_gluster_does_not_answer(minion, clock):
    down = CommandExecutionError("gluster volume heal rep3 info summary: Connection failed")
    minion.fake("gluster.heal_summary", side_effect=[down, down, HEALED])
    ret = STATES.volume_healed("rep3", timeout=60)
    assert ret["result"] is True and ret["comment"] == "volume rep3 is healed"
    assert clock.sleeps == [1.0, 2.0]


def test_volume_healed_fails_with_glusters_message_when_it_never_answers(minion, clock):
    down = CommandExecutionError("gluster volume heal rep3 info summary: Connection failed")
    minion.fake("gluster.heal_summary", side_effect=down)
    ret = STATES.volume_healed("rep3", timeout=3)
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == f"volume rep3: {down}"
    assert clock.sleeps == [1.0, 2.0]


def test_volume_healed_refuses_a_bad_volume_name_before_asking_gluster(minion, clock, gluster_commands):
    minion.real("gluster.heal_summary")
    ret = STATES.volume_healed("rep3 info")
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"].startswith("volume rep3 info: heal info of 'rep3 info': volume name 'rep3 info'")
    assert gluster_commands == [] and clock.sleeps == [] and minion.writes() == {}


def test_volume_healed_refuses_a_timeout_that_is_not_a_number(minion, clock):
    summary = minion.fake("gluster.heal_summary", return_value=NOT_HEALED)
    ret = STATES.volume_healed("rep3", timeout="soon")
    assert ret["result"] is False and "timeout" in ret["comment"]
    assert not summary.called and minion.writes() == {}


# ---- mount_connected ---------------------------------------------------------------------------


def clients(*connected):
    """``gluster.mount_connections`` of a mount of rep3, brick ``i`` connected or not."""
    return {
        f"rep3-client-{index}": {"brick": brick, "connected": up}
        for index, (brick, up) in enumerate(zip(BRICKS, connected, strict=True))
    }


def test_mount_connected_test_mode_before_the_mount_predicts_a_wait(minion, clock, tmp_path):
    minion.test_mode()
    connections = minion.fake("gluster.mount_connections", return_value=clients(True, True, True))
    ret = STATES.mount_connected(str(tmp_path))
    assert ret == {
        "name": str(tmp_path),
        "result": None,
        "changes": {},
        "comment": f"would wait up to 30s for the mount {tmp_path} to reach every brick",
    }
    assert not connections.called and clock.sleeps == []


def test_mount_connected_test_mode_on_a_mount_looks_at_its_connections(minion, clock):
    assert os.path.ismount("/proc")
    minion.test_mode()
    connections = minion.fake("gluster.mount_connections", return_value=clients(True, True, True))
    ret = STATES.mount_connected("/proc")
    assert ret["result"] is True and ret["changes"] == {}
    assert ret["comment"] == "/proc is connected to all 3 bricks"
    assert connections.call_args_list == [call("/proc")]


def test_mount_connected_connected_mount_is_true_at_once(minion, clock):
    minion.fake("gluster.mount_connections", return_value=clients(True, True, True))
    ret = STATES.mount_connected("/mnt/rep3")
    assert ret == {
        "name": "/mnt/rep3",
        "result": True,
        "changes": {},
        "comment": "/mnt/rep3 is connected to all 3 bricks",
    }
    assert clock.sleeps == [] and minion.writes() == {}


def test_mount_connected_waits_for_a_brick_connecting_late(minion, clock):
    connections = minion.fake(
        "gluster.mount_connections", side_effect=[clients(True, False, True), clients(True, True, True)]
    )
    ret = STATES.mount_connected("/mnt/rep3")
    assert ret["result"] is True
    assert connections.call_count == 2 and clock.sleeps == [0.5]


def test_mount_connected_fails_naming_the_bricks_still_unreachable(minion, clock):
    minion.fake("gluster.mount_connections", return_value=clients(True, False, False))
    ret = STATES.mount_connected("/mnt/rep3", timeout=2)
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == f"/mnt/rep3: not connected to {BRICKS[1]}, {BRICKS[2]} after 2s"
    assert clock.sleeps == [0.5] * 4


def test_mount_connected_fails_when_the_mount_knows_no_brick(minion, clock):
    minion.fake("gluster.mount_connections", return_value={})
    ret = STATES.mount_connected("/mnt/rep3", timeout=1)
    assert ret["result"] is False
    assert ret["comment"] == "/mnt/rep3: not connected to any brick after 1s"


def test_mount_connected_not_a_glusterfs_mount_fails_with_the_message(minion, clock):
    problem = CommandExecutionError("/mnt/rep3 is not a GlusterFS mount")
    minion.fake("gluster.mount_connections", side_effect=problem)
    ret = STATES.mount_connected("/mnt/rep3")
    assert ret == {
        "name": "/mnt/rep3",
        "result": False,
        "changes": {},
        "comment": "/mnt/rep3: /mnt/rep3 is not a GlusterFS mount",
    }
    assert clock.sleeps == []


def test_mount_connected_refuses_a_relative_mount_point(minion, clock):
    minion.real("gluster.mount_connections")
    ret = STATES.mount_connected("mnt/rep3")
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"].startswith(
        "mnt/rep3: mount_connections: mount point 'mnt/rep3' must be an absolute path"
    )
    assert clock.sleeps == []


def test_mount_connected_refuses_a_timeout_that_is_not_a_number(minion, clock):
    connections = minion.fake("gluster.mount_connections", return_value=clients(True, True, True))
    ret = STATES.mount_connected("/mnt/rep3", timeout="soon")
    assert ret["result"] is False and "timeout" in ret["comment"]
    assert not connections.called


# ---- op_version --------------------------------------------------------------------------------


def test_op_version_at_the_maximum_needs_nothing(minion):
    read = minion.fake("gluster.op_version", return_value={"current": 100000, "max": 100000})
    ret = STATES.op_version()
    assert ret == {"name": "max", "result": True, "changes": {}, "comment": "cluster op-version is 100000"}
    assert read.call_args_list == [call()]
    assert minion.writes() == {}


def test_op_version_is_never_lowered(minion):
    minion.fake("gluster.op_version", return_value={"current": 100000, "max": 100000})
    ret = STATES.op_version(90000)
    assert ret["result"] is True and ret["changes"] == {}
    assert ret["comment"] == "cluster op-version is 100000"
    assert minion.writes() == {}


def test_op_version_test_mode_predicts_the_raise_and_raises_nothing(minion):
    minion.test_mode()
    minion.fake("gluster.op_version", return_value={"current": 90000, "max": 100000})
    ret = STATES.op_version("max")
    assert ret == {
        "name": "max",
        "result": None,
        "changes": {"op_version": {"old": 90000, "new": 100000}},
        "comment": "would raise the cluster op-version from 90000 to 100000",
    }
    assert minion.writes() == {}


def test_op_version_raises_to_the_maximum(minion):
    minion.fake("gluster.op_version", return_value={"current": 90000, "max": 100000})
    ret = STATES.op_version("max")
    assert ret == {
        "name": "max",
        "result": True,
        "changes": {"op_version": {"old": 90000, "new": 100000}},
        "comment": "raised the cluster op-version to 100000",
    }
    assert minion.writes() == {"gluster.op_version_set": [call(100000)]}


def test_op_version_raises_to_the_number_wanted_and_reports_glusters_new_version(minion):
    minion.fake("gluster.op_version", return_value={"current": 90000, "max": 100000})
    minion.fake("gluster.op_version_set", return_value={"old": 90000, "new": 95000, "changed": True})
    ret = STATES.op_version("95000")
    assert ret["result"] is True
    assert ret["changes"] == {"op_version": {"old": 90000, "new": 95000}}
    assert ret["comment"] == "raised the cluster op-version to 95000"
    assert minion.writes() == {"gluster.op_version_set": [call(95000)]}


def test_op_version_reports_the_version_gluster_reads_back_after_the_raise(minion):
    minion.fake("gluster.op_version", return_value={"current": 90000, "max": 100000})
    minion.fake("gluster.op_version_set", return_value={"old": 90000, "new": 99000, "changed": True})
    ret = STATES.op_version()
    assert ret["result"] is True
    assert ret["changes"] == {"op_version": {"old": 90000, "new": 99000}}
    assert ret["comment"] == "raised the cluster op-version to 99000"
    assert minion.writes() == {"gluster.op_version_set": [call(100000)]}


def test_op_version_refuses_a_version_that_is_no_number_before_asking_gluster(minion):
    read = minion.fake("gluster.op_version", return_value={"current": 90000, "max": 100000})
    ret = STATES.op_version("ten")
    assert ret == {
        "name": "ten",
        "result": False,
        "changes": {},
        "comment": "op-version must be a number or 'max', got 'ten'",
    }
    assert not read.called and minion.writes() == {}


def test_op_version_raise_refused_by_gluster_fails_with_its_message_and_no_changes(minion):
    locked = gluster_error("lock_error.xml", "volume", "set", "all", "cluster.op-version", "100000")
    minion.fake("gluster.op_version", return_value={"current": 90000, "max": 100000})
    minion.fake("gluster.op_version_set", side_effect=locked)
    ret = STATES.op_version()
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == f"op-version: {locked}"


def test_op_version_read_failing_fails_with_the_message(minion):
    down = CommandExecutionError("gluster volume get all all: Connection failed")
    minion.fake("gluster.op_version", side_effect=down)
    ret = STATES.op_version()
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == f"op-version: {down}"
    assert minion.writes() == {}


# ---- cluster_options ---------------------------------------------------------------------------


@pytest.mark.parametrize("options", [None, {}, ["cluster.brick-multiplex"], "cluster.brick-multiplex: on"])
def test_cluster_options_refuses_options_that_are_no_mapping(minion, options):
    read = minion.fake("gluster.volume_get", return_value=CLUSTER_DEFAULTS)
    ret = STATES.cluster_options(options=options)
    assert ret == {
        "name": "cluster options",
        "result": False,
        "changes": {},
        "comment": "options must be a mapping of cluster-wide option -> value",
    }
    assert not read.called and minion.writes() == {}


def test_cluster_options_refuses_an_option_that_is_not_cluster_wide(minion):
    read = minion.fake("gluster.volume_get", return_value=CLUSTER_DEFAULTS)
    ret = STATES.cluster_options(options={"performance.cache-size": "256MB"})
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"].startswith(
        "cluster options: performance.cache-size: not a cluster-wide option of gluster "
        "(cluster.brick-multiplex, "
    )
    assert not read.called and minion.writes() == {}


def test_cluster_options_refuses_every_bad_value_at_once(minion):
    read = minion.fake("gluster.volume_get", return_value=CLUSTER_DEFAULTS)
    ret = STATES.cluster_options(
        options={"cluster.brick-multiplex": "maybe", "cluster.server-quorum-ratio": 120}
    )
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == (
        "cluster options: cluster.brick-multiplex: 'maybe' must be true or false (enable / disable); "
        "cluster.server-quorum-ratio: 120 must be a percentage from 0 to 100"
    )
    assert not read.called and minion.writes() == {}


def test_cluster_options_as_wanted_need_nothing(minion):
    read = minion.fake("gluster.volume_get", return_value=CLUSTER_DEFAULTS)
    ret = STATES.cluster_options(
        options={"cluster.brick-multiplex": False, "cluster.server-quorum-ratio": "51%"}
    )
    assert ret["result"] is True and ret["changes"] == {}
    assert ret["comment"] == (
        "cluster options are as wanted (cluster.brick-multiplex, cluster.server-quorum-ratio)"
    )
    assert read.call_args_list == [call("all")]
    assert minion.writes() == {}


WANTED_CLUSTER = {
    "cluster.brick-multiplex": True,
    "cluster.daemon-log-level": "info",  # already INFO
    "cluster.max-bricks-per-process": 100,
}
CLUSTER_CHANGES = {
    "cluster.brick-multiplex": {"old": "disable", "new": "enable"},
    "cluster.max-bricks-per-process": {"old": "250", "new": "100"},
}


def test_cluster_options_test_mode_predicts_the_options_that_differ_and_sets_nothing(minion):
    minion.test_mode()
    minion.fake("gluster.volume_get", return_value=CLUSTER_DEFAULTS)
    ret = STATES.cluster_options(options=WANTED_CLUSTER)
    assert ret == {
        "name": "cluster options",
        "result": None,
        "changes": CLUSTER_CHANGES,
        "comment": "would set cluster options: cluster.brick-multiplex, cluster.max-bricks-per-process",
    }
    assert minion.writes() == {}


def test_cluster_options_sets_each_option_that_differs_alone_and_fires_the_event(minion):
    minion.fake("gluster.volume_get", return_value=CLUSTER_DEFAULTS)
    ret = STATES.cluster_options(options=WANTED_CLUSTER)
    assert ret == {
        "name": "cluster options",
        "result": True,
        "changes": CLUSTER_CHANGES,
        "comment": "set cluster options: cluster.brick-multiplex, cluster.max-bricks-per-process",
    }
    assert minion.salt["gluster.volume_set"].call_args_list == [
        call("all", {"cluster.brick-multiplex": "enable"}),
        call("all", {"cluster.max-bricks-per-process": "100"}),
    ]
    assert minion.events() == [
        call(
            "gluster/cluster/options_changed",
            {"set": ["cluster.brick-multiplex", "cluster.max-bricks-per-process"], "minion": "gfs1"},
        )
    ]


def test_cluster_options_failure_part_way_reports_the_options_already_set(minion):
    refused = gluster_error("lock_error.xml", "volume", "set", "all", "cluster.max-bricks-per-process", "100")
    minion.fake("gluster.volume_get", return_value=CLUSTER_DEFAULTS)
    minion.fake("gluster.volume_set", side_effect=[{"name": "all", "set": {}}, refused])
    ret = STATES.cluster_options(options=WANTED_CLUSTER)
    assert ret["result"] is False
    assert ret["changes"] == {"cluster.brick-multiplex": {"old": "disable", "new": "enable"}}
    assert ret["comment"] == (
        f"cluster options: {refused} (done before this failure: set cluster.brick-multiplex to enable)"
    )
    assert minion.events() == []


def test_cluster_options_read_failing_fails_with_no_changes(minion):
    down = CommandExecutionError("gluster volume get all all: Connection failed")
    minion.fake("gluster.volume_get", side_effect=down)
    ret = STATES.cluster_options(options=WANTED_CLUSTER)
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == f"cluster options: {down}"
    assert minion.writes() == {}


# ---- volume_quota ------------------------------------------------------------------------------


def quota_plan(enabled, limits=None, object_limits=None):
    """A ``gluster.quota_plan`` answer: each kind ``{"set", "remove", "unmanaged", "current"}``."""
    empty = {"set": {}, "remove": [], "unmanaged": [], "current": {}}
    return {
        "enabled": enabled,
        "limits": {**empty, **(limits or {})},
        "object_limits": {**empty, **(object_limits or {})},
    }


ROOT_LIMIT = {"hard": 1073741824, "soft": 80}


def test_volume_quota_disabling_quotas_of_a_missing_volume_is_refused(minion):
    with_volumes(minion)
    enabled = minion.fake("gluster.quota_enabled", return_value=True)
    ret = STATES.volume_quota("rep3", enabled=False)
    assert ret == {"name": "rep3", "result": False, "changes": {}, "comment": "volume rep3 does not exist"}
    assert not enabled.called and minion.writes() == {}


def test_volume_quota_disabled_quotas_need_nothing(minion):
    with_volumes(minion, rep3=STARTED)
    minion.fake("gluster.quota_enabled", return_value=False)
    ret = STATES.volume_quota("rep3", enabled=False)
    assert ret["result"] is True and ret["changes"] == {}
    assert ret["comment"] == "quotas are disabled on volume rep3"
    assert minion.writes() == {}


def test_volume_quota_test_mode_predicts_disabling_and_disables_nothing(minion):
    minion.test_mode()
    with_volumes(minion, rep3=STARTED)
    minion.fake("gluster.quota_enabled", return_value=True)
    ret = STATES.volume_quota("rep3", enabled=False)
    assert ret == {
        "name": "rep3",
        "result": None,
        "changes": {"quota": {"old": True, "new": False}},
        "comment": "would disable quotas on volume rep3 (dropping every limit)",
    }
    assert minion.writes() == {}


def test_volume_quota_disables_quotas(minion):
    with_volumes(minion, rep3=STARTED)
    minion.fake("gluster.quota_enabled", return_value=True)
    plan = minion.fake("gluster.quota_plan", return_value=quota_plan(True))
    ret = STATES.volume_quota("rep3", enabled=False)
    assert ret == {
        "name": "rep3",
        "result": True,
        "changes": {"quota": {"old": True, "new": False}},
        "comment": "disabled quotas on volume rep3",
    }
    assert minion.writes() == {"gluster.quota_enable": [call("rep3", enabled=False)]}
    assert not plan.called


def test_volume_quota_disable_refused_by_gluster_fails_with_no_changes(minion):
    locked = gluster_error("lock_error.xml", "volume", "quota", "rep3", "disable")
    with_volumes(minion, rep3=STARTED)
    minion.fake("gluster.quota_enabled", return_value=True)
    minion.fake("gluster.quota_enable", side_effect=locked)
    ret = STATES.volume_quota("rep3", enabled=False)
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == f"volume rep3: {locked}"


def test_volume_quota_limits_as_wanted_need_nothing(minion):
    plan = minion.fake(
        "gluster.quota_plan", return_value=quota_plan(True, limits={"current": {"/": ROOT_LIMIT}})
    )
    ret = STATES.volume_quota("rep3", limits={"/": {"hard": "1GB", "soft": 80}})
    assert ret == {"name": "rep3", "result": True, "changes": {}, "comment": "volume rep3: quotas as wanted"}
    assert plan.call_args_list == [call("rep3", {"/": {"hard": "1GB", "soft": 80}}, None, False)]
    assert minion.writes() == {}


def test_volume_quota_names_the_limits_it_leaves_alone(minion):
    minion.fake(
        "gluster.quota_plan",
        return_value=quota_plan(
            True,
            limits={"unmanaged": ["/data"], "current": LIMITS},
            object_limits={"unmanaged": ["/objs"], "current": OBJECT_LIMITS},
        ),
    )
    ret = STATES.volume_quota("rep3", limits={"/": "1GB"})
    assert ret["result"] is True and ret["changes"] == {}
    assert ret["comment"] == (
        "volume rep3: quotas as wanted; limits not in the pillar left alone "
        "(reset_unmanaged removes them): /data, /objs (objects)"
    )
    assert minion.writes() == {}


def test_volume_quota_test_mode_predicts_enabling_and_the_limit_and_writes_nothing(minion):
    minion.test_mode()
    minion.fake("gluster.quota_plan", return_value=quota_plan(False, limits={"set": {"/": ROOT_LIMIT}}))
    ret = STATES.volume_quota("rep3", limits={"/": {"hard": "1GB", "soft": 80}})
    assert ret == {
        "name": "rep3",
        "result": None,
        "changes": {
            "quota": {"old": False, "new": True},
            "limits": {"/": {"old": None, "new": ROOT_LIMIT}},
        },
        "comment": "would change quotas on volume rep3: limits, quota",
    }
    assert minion.writes() == {}


def test_volume_quota_test_mode_predicts_removing_unmanaged_limits(minion):
    minion.test_mode()
    minion.fake(
        "gluster.quota_plan",
        return_value=quota_plan(True, limits={"remove": ["/data"], "current": LIMITS}),
    )
    ret = STATES.volume_quota("rep3", limits={"/": {"hard": "1GB", "soft": 80}}, reset_unmanaged=True)
    assert ret["result"] is None
    assert ret["changes"] == {"limits": {"/data": {"old": LIMITS["/data"], "new": None}}}
    assert ret["comment"] == "would change quotas on volume rep3: limits"
    assert minion.writes() == {}


def test_volume_quota_enables_quotas_before_setting_the_limit(minion):
    minion.fake("gluster.quota_plan", return_value=quota_plan(False, limits={"set": {"/": ROOT_LIMIT}}))
    ret = STATES.volume_quota("rep3", limits={"/": {"hard": "1GB", "soft": 80}})
    assert ret == {
        "name": "rep3",
        "result": True,
        "changes": {
            "quota": {"old": False, "new": True},
            "limits": {"/": {"old": None, "new": ROOT_LIMIT}},
        },
        "comment": "volume rep3: quotas changed (limits, quota)",
    }
    assert minion.writes() == {
        "gluster.quota_enable": [call("rep3")],
        "gluster.quota_limit": [call("rep3", "/", 1073741824, soft=80, objects=False)],
    }
    assert [name for name in minion.order if name in WRITES] == [
        "gluster.quota_enable",
        "gluster.quota_limit",
    ]


def test_volume_quota_changes_limits_object_limits_and_removes_unmanaged_ones(minion):
    data = {"hard": 20971520, "soft": None}
    objs = {"hard": 1000, "soft": 90}
    minion.fake(
        "gluster.quota_plan",
        return_value=quota_plan(
            True,
            limits={"set": {"/data": data}, "remove": ["/"], "current": LIMITS},
            object_limits={"set": {"/objs": objs}, "current": OBJECT_LIMITS},
        ),
    )
    ret = STATES.volume_quota(
        "rep3",
        limits={"/data": "20MB"},
        object_limits={"/objs": {"hard": 1000, "soft": 90}},
        reset_unmanaged=True,
    )
    assert ret["result"] is True
    assert ret["changes"] == {
        "limits": {
            "/data": {"old": LIMITS["/data"], "new": data},
            "/": {"old": LIMITS["/"], "new": None},
        },
        "object_limits": {"/objs": {"old": OBJECT_LIMITS["/objs"], "new": objs}},
    }
    assert ret["comment"] == "volume rep3: quotas changed (limits, object_limits)"
    assert minion.writes() == {
        "gluster.quota_limit": [
            call("rep3", "/data", 20971520, soft=None, objects=False),
            call("rep3", "/objs", 1000, soft=90, objects=True),
        ],
        "gluster.quota_remove": [call("rep3", "/", objects=False)],
    }


def test_volume_quota_failure_part_way_reports_the_steps_done(minion):
    other = {"hard": 10485760, "soft": None}
    refused = gluster_error("lock_error.xml", "volume", "quota", "rep3", "limit-usage", "/b", "10485760")
    minion.fake(
        "gluster.quota_plan",
        return_value=quota_plan(False, limits={"set": {"/a": ROOT_LIMIT, "/b": other}}),
    )
    minion.fake("gluster.quota_limit", side_effect=[{"name": "rep3"}, refused])
    ret = STATES.volume_quota("rep3", limits={"/a": "1GB", "/b": "10MB"})
    assert ret["result"] is False
    assert ret["changes"] == {
        "quota": {"old": False, "new": True},
        "limits": {"/a": {"old": None, "new": ROOT_LIMIT}},
    }
    assert ret["comment"] == (
        f"volume rep3: {refused} (done before this failure: enabled quotas on volume rep3; "
        "set the limit of /a)"
    )


def test_volume_quota_enable_failing_reports_no_changes(minion):
    locked = gluster_error("lock_error.xml", "volume", "quota", "rep3", "enable")
    minion.fake("gluster.quota_plan", return_value=quota_plan(False, limits={"set": {"/": ROOT_LIMIT}}))
    minion.fake("gluster.quota_enable", side_effect=locked)
    ret = STATES.volume_quota("rep3", limits={"/": "1GB"})
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == f"volume rep3: {locked}"
    assert not minion.salt["gluster.quota_limit"].called


def test_volume_quota_on_a_stopped_volume_fails_with_the_message_as_it_is(minion):
    stopped = CommandExecutionError("volume rep3 is not started: quotas need a started volume")
    minion.fake("gluster.quota_plan", side_effect=stopped)
    ret = STATES.volume_quota("rep3", limits={"/": "1GB"})
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == "volume rep3 is not started: quotas need a started volume"
    assert minion.writes() == {}


def test_volume_quota_refuses_bad_limits_before_asking_gluster(minion, gluster_commands):
    minion.real("gluster.quota_plan")
    ret = STATES.volume_quota("rep3", limits={"projects": "lots"})
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"].startswith("volume rep3: cannot plan quotas of volume 'rep3': ")
    assert "'projects' must be an absolute path" in ret["comment"]
    assert "lots" in ret["comment"]
    assert gluster_commands == [] and minion.writes() == {}


# ---- snapshot_config ---------------------------------------------------------------------------

CLUSTER_SNAPSHOTS = {
    "hard_limit": 256,
    "soft_limit": 90,
    "auto_delete": False,
    "activate_on_create": False,
}  # snapshot_config_default.xml, as snapshot_config_plan names them


def test_snapshot_config_of_a_missing_volume_is_refused(minion):
    with_volumes(minion)
    plan = minion.fake("gluster.snapshot_config_plan", return_value={"current": {}, "set": {}})
    ret = STATES.snapshot_config("rep3", hard_limit=10)
    assert ret == {"name": "rep3", "result": False, "changes": {}, "comment": "volume rep3 does not exist"}
    assert not plan.called and minion.writes() == {}


def test_snapshot_config_as_wanted_needs_nothing(minion):
    plan = minion.fake("gluster.snapshot_config_plan", return_value={"current": CLUSTER_SNAPSHOTS, "set": {}})
    exists = minion.fake("gluster.volume_exists", return_value=True)
    ret = STATES.snapshot_config("all", hard_limit=256, auto_delete=False)
    assert ret == {
        "name": "all",
        "result": True,
        "changes": {},
        "comment": "snapshot settings of the cluster are as wanted",
    }
    assert plan.call_args_list == [call(None, 256, None, False, None)]
    assert not exists.called and minion.writes() == {}


def test_snapshot_config_test_mode_predicts_the_settings_and_sets_nothing(minion):
    minion.test_mode()
    minion.fake(
        "gluster.snapshot_config_plan",
        return_value={"current": CLUSTER_SNAPSHOTS, "set": {"hard_limit": 100, "auto_delete": True}},
    )
    ret = STATES.snapshot_config("all", hard_limit=100, auto_delete=True, activate_on_create=False)
    assert ret == {
        "name": "all",
        "result": None,
        "changes": {"hard_limit": {"old": 256, "new": 100}, "auto_delete": {"old": False, "new": True}},
        "comment": "would change snapshot settings of the cluster: auto_delete, hard_limit",
    }
    assert minion.writes() == {}


def test_snapshot_config_sets_the_cluster_settings(minion):
    minion.fake(
        "gluster.snapshot_config_plan",
        return_value={"current": CLUSTER_SNAPSHOTS, "set": {"hard_limit": 100, "auto_delete": True}},
    )
    ret = STATES.snapshot_config("all", hard_limit=100, auto_delete=True)
    assert ret == {
        "name": "all",
        "result": True,
        "changes": {"hard_limit": {"old": 256, "new": 100}, "auto_delete": {"old": False, "new": True}},
        "comment": "changed snapshot settings of the cluster: auto_delete, hard_limit",
    }
    # one setting per call, so that a failure part-way reports what gluster took
    assert minion.writes() == {
        "gluster.snapshot_config_set": [call(None, hard_limit=100), call(None, auto_delete=True)]
    }


def test_snapshot_config_sets_a_volumes_hard_limit(minion):
    with_volumes(minion, sv=STARTED)
    plan = minion.fake(
        "gluster.snapshot_config_plan",
        return_value={
            "current": {"hard_limit": SNAPSHOT_DEFAULTS["volumes"]["sv"]["hard_limit"]},
            "set": {"hard_limit": 10},
        },
    )
    ret = STATES.snapshot_config("sv", hard_limit=10)
    assert ret == {
        "name": "sv",
        "result": True,
        "changes": {"hard_limit": {"old": 256, "new": 10}},
        "comment": "changed snapshot settings of volume sv: hard_limit",
    }
    assert plan.call_args_list == [call("sv", 10, None, None, None)]
    assert minion.writes() == {"gluster.snapshot_config_set": [call("sv", hard_limit=10)]}


def test_snapshot_config_set_refused_by_gluster_fails_with_its_message_and_no_changes(minion):
    refused = gluster_error(
        "snapshot_config_out_of_range.xml", "snapshot", "config", "snap-max-hard-limit", "300"
    )
    minion.fake(
        "gluster.snapshot_config_plan",
        return_value={"current": CLUSTER_SNAPSHOTS, "set": {"hard_limit": 200}},
    )
    minion.fake("gluster.snapshot_config_set", side_effect=refused)
    ret = STATES.snapshot_config("all", hard_limit=200)
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == f"snapshot settings of the cluster: {refused}"
    assert "Expected range 1 - 256" in ret["comment"]


def test_snapshot_config_refuses_cluster_settings_on_a_volume_before_asking_gluster(minion, gluster_commands):
    with_volumes(minion, sv=STARTED)
    minion.real("gluster.snapshot_config_plan")
    ret = STATES.snapshot_config("sv", hard_limit=10, soft_limit=80)
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == (
        "snapshot settings of volume sv: cannot plan snapshot settings: volume sv: soft_limit, "
        "auto_delete and activate_on_create are cluster-wide (no volume)"
    )
    assert gluster_commands == [] and minion.writes() == {}


def test_snapshot_config_refuses_a_hard_limit_above_glusters_before_asking_it(minion, gluster_commands):
    minion.real("gluster.snapshot_config_plan")
    ret = STATES.snapshot_config("all", hard_limit=300)
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == (
        "snapshot settings of the cluster: cannot plan snapshot settings: "
        "snapshot config hard_limit 300 is above gluster's 256"
    )
    assert gluster_commands == [] and minion.writes() == {}


def test_snapshot_config_failure_part_way_reports_the_settings_already_changed(minion, monkeypatch):
    commands = []

    def run(config, args, xml=True, counter=None, read_only=False):
        args = list(args)
        commands.append(args)
        if args == ["snapshot", "config"]:
            return gcli.check_xml(_data("snapshot_config_default.xml"), args, CONFIG)
        if args[2] == "snap-max-hard-limit":
            return gcli.check_xml(_data("snapshot_config_set_hard_limit.xml"), args, CONFIG)
        return gcli.check_xml(_data("lock_error.xml"), args, CONFIG)  # auto-delete: refused

    answer_gluster_with(monkeypatch, GLUSTER, run)
    minion.real("gluster.snapshot_config_plan")
    minion.real("gluster.snapshot_config_set")
    ret = STATES.snapshot_config("all", hard_limit=100, auto_delete=True)
    assert ["snapshot", "config", "snap-max-hard-limit", "100"] in commands  # gluster took it
    assert ret["result"] is False
    assert ret["changes"] == {"hard_limit": {"old": 256, "new": 100}}


# ---- snapshot_schedules_absent -----------------------------------------------------------------

DAILY = "gluster-snapshot-rep3-daily"
HOURLY = "gluster-snapshot-rep3-hourly"
SAVED_SCHEDULE = {
    DAILY: {"function": "gluster.snapshot_rotate", "args": ["rep3", "daily", 7], "hours": 24},
    HOURLY: {"function": "gluster.snapshot_rotate", "args": ["rep3", "hourly", 24], "hours": 1},
    "highstate": {"function": "state.highstate", "minutes": 30},
}


@pytest.fixture
def no_daemon(minion, tmp_path):
    minion.opts["pidfile"] = str(tmp_path / "salt-minion.pid")  # no such file: no daemon


@pytest.fixture
def daemon(minion, tmp_path):
    pidfile = tmp_path / "salt-minion.pid"
    pidfile.write_text(f"{os.getpid()}\n", encoding="utf-8")  # a live process
    minion.opts["pidfile"] = str(pidfile)


def test_snapshot_schedules_absent_without_jobs_needs_nothing(minion, no_daemon):
    jobs = minion.fake("gluster.snapshot_schedule_jobs", return_value=[])
    ret = STATES.snapshot_schedules_absent("schedules", ["rep3"])
    assert ret == {
        "name": "schedules",
        "result": True,
        "changes": {},
        "comment": "no snapshot schedule to remove",
    }
    assert jobs.call_args_list == [call(["rep3"], [])]
    assert minion.writes() == {}


def test_snapshot_schedules_absent_test_mode_predicts_the_removals_and_removes_nothing(minion, daemon):
    minion.test_mode()
    minion.fake("gluster.snapshot_schedule_jobs", return_value=[DAILY, HOURLY])
    ret = STATES.snapshot_schedules_absent("schedules", ["rep3"])
    assert ret == {
        "name": "schedules",
        "result": None,
        "changes": {DAILY: "removed", HOURLY: "removed"},
        "comment": f"would remove snapshot schedule(s) {DAILY}, {HOURLY}",
    }
    assert minion.writes() == {}


def test_snapshot_schedules_absent_without_a_daemon_removes_the_jobs_from_the_file(minion, no_daemon):
    jobs = minion.fake("gluster.snapshot_schedule_jobs", side_effect=[[DAILY, HOURLY], []])
    ret = STATES.snapshot_schedules_absent("schedules", ("rep3",), keep=("gluster-snapshot-rep3-weekly",))
    assert ret == {
        "name": "schedules",
        "result": True,
        "changes": {DAILY: "removed", HOURLY: "removed"},
        "comment": f"removed snapshot schedule(s) {DAILY}, {HOURLY}",
    }
    assert minion.writes() == {"schedule.delete": [call(DAILY, offline=True), call(HOURLY, offline=True)]}
    assert jobs.call_args_list == [call(["rep3"], ["gluster-snapshot-rep3-weekly"])] * 2


def test_snapshot_schedules_absent_removes_the_jobs_through_the_running_daemon(minion, daemon):
    minion.fake("gluster.snapshot_schedule_jobs", side_effect=[[DAILY], []])
    ret = STATES.snapshot_schedules_absent("schedules", ["rep3"])
    assert ret["result"] is True and ret["changes"] == {DAILY: "removed"}
    assert minion.writes() == {"schedule.delete": [call(DAILY, persist=True)]}


def test_snapshot_schedules_absent_falls_back_to_the_file_for_a_job_the_daemon_does_not_hold(minion, daemon):
    minion.fake("gluster.snapshot_schedule_jobs", side_effect=[[DAILY], []])
    minion.fake(
        "schedule.delete",
        side_effect=[
            {"comment": f"Job {DAILY} does not exist.", "result": False, "changes": {}},
            {"comment": f"Deleted Job {DAILY} from schedule.", "result": True, "changes": {DAILY: "removed"}},
        ],
    )
    ret = STATES.snapshot_schedules_absent("schedules", ["rep3"])
    assert ret["result"] is True and ret["changes"] == {DAILY: "removed"}
    assert minion.writes() == {"schedule.delete": [call(DAILY, persist=True), call(DAILY, offline=True)]}


def test_snapshot_schedules_absent_failure_part_way_reports_the_jobs_removed(minion, daemon):
    jobs = minion.fake("gluster.snapshot_schedule_jobs", return_value=[DAILY, HOURLY])
    minion.fake(
        "schedule.delete",
        side_effect=[
            {"comment": f"Deleted Job {DAILY} from schedule.", "result": True, "changes": {}},
            {"comment": f"Failed to delete job {HOURLY} from schedule.", "result": False, "changes": {}},
        ],
    )
    ret = STATES.snapshot_schedules_absent("schedules", ["rep3"])
    assert ret["result"] is False
    assert ret["changes"] == {DAILY: "removed"}
    assert ret["comment"] == (
        f"snapshot schedule {HOURLY}: Failed to delete job {HOURLY} from schedule. "
        "(is the salt-minion daemon running?)"
    )
    assert jobs.call_count == 1


def test_snapshot_schedules_absent_fails_when_a_job_is_still_in_the_file(minion, no_daemon):
    minion.fake("gluster.snapshot_schedule_jobs", side_effect=[[DAILY, HOURLY], [HOURLY]])
    ret = STATES.snapshot_schedules_absent("schedules", ["rep3"])
    assert ret["result"] is False
    assert ret["comment"] == f"snapshot schedule(s) {HOURLY} still in gfs1's schedule file"


def test_snapshot_schedules_absent_read_failing_fails_with_the_message(minion, no_daemon):
    unreadable = CommandExecutionError("schedule.list: cannot read /etc/salt/minion.d/_schedule.conf")
    minion.fake("gluster.snapshot_schedule_jobs", side_effect=unreadable)
    ret = STATES.snapshot_schedules_absent("schedules", ["rep3"])
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == f"snapshot schedules: {unreadable}"
    assert minion.writes() == {}


@pytest.fixture
def saved_schedule(monkeypatch):
    """The real ``gluster.snapshot_schedule_jobs`` reading ``SAVED_SCHEDULE`` as the file."""
    listing = create_autospec(salt.modules.schedule.list_, return_value=SAVED_SCHEDULE)
    monkeypatch.setattr(GLUSTER, "__salt__", {"schedule.list": listing}, raising=False)
    return listing


def test_snapshot_schedules_absent_refuses_a_bad_volume_name_before_reading_the_schedule(
    minion, no_daemon, saved_schedule
):
    minion.real("gluster.snapshot_schedule_jobs")
    ret = STATES.snapshot_schedules_absent("schedules", ["rep3", "rep 4"])
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"].startswith("snapshot schedules: snapshot_schedule_jobs: volume name 'rep 4'")
    assert not saved_schedule.called and minion.writes() == {}


def test_snapshot_schedules_absent_refuses_volumes_given_as_a_string(minion, no_daemon, saved_schedule):
    minion.real("gluster.snapshot_schedule_jobs")
    ret = STATES.snapshot_schedules_absent("schedules", "rep3")
    assert ret["result"] is False and "volumes" in ret["comment"]
    assert minion.writes() == {}


def test_snapshot_schedules_absent_never_removes_the_job_kept_as_a_string(minion, no_daemon, saved_schedule):
    minion.real("gluster.snapshot_schedule_jobs")
    STATES.snapshot_schedules_absent("schedules", ["rep3"], keep=DAILY)
    assert call(DAILY, offline=True) not in minion.salt["schedule.delete"].call_args_list
