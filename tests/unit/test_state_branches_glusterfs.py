"""The branches of Salt 3007's ``glusterfs`` states as this extension keeps them
(``_states/glusterfs.py``): ``peered``, ``volume_present``, ``started``, ``add_volume_bricks``,
``op_version`` and ``max_op_version``, each against fakes of the execution functions it calls.

Every fake is ``create_autospec`` of the real execution function (``_modules/glusterfs.py`` and
``_modules/gluster.py``), so a call with arguments the real function does not take fails the
test. What the fakes answer is what gluster 10.3 answered (``tests/data``), parsed the way the
real functions parse it: the drop-in's own parsers for the ``glusterfs.*`` answers (Salt 3007's
shapes: gluster's fields by tag, as text), ``_utils/gluster_xml.py`` for the ``gluster.*`` ones.
gluster's errors are built by ``gluster_cli`` from captured failures. The refusals of bad
arguments run the real execution functions down to the gluster runner, which records every
command: no write may run (and, where the refusal comes first, no read either). The host's own
names and addresses are faked (no DNS), and so is the execution module's clock.

What ``tests/unit/test_glusterfs_dropin_shapes.py`` covers (the parsers, the refusal of
``stripe`` / ``device_vg`` / an arbiter without replica 3 with an empty ``__salt__``) is not
repeated here.
"""

import copy
import logging
from pathlib import Path
from types import SimpleNamespace
from unittest.mock import MagicMock
from unittest.mock import call
from unittest.mock import create_autospec
from xml.etree import ElementTree

import pytest
import salt.utils.network
import saltext_gluster_utils.gluster_cli as gcli
import saltext_gluster_utils.gluster_xml as gx
from salt.exceptions import CommandExecutionError

from conftest import FakeClock
from conftest import answer_gluster_with
from conftest import load_loader_module

STATES = load_loader_module("glusterfs_state_branches_states", "glusterfs.py", folder="_states")
GLUSTERFS = load_loader_module("glusterfs_state_branches_glusterfs_exec", "glusterfs.py")
GLUSTER = load_loader_module("glusterfs_state_branches_gluster_exec", "gluster.py")

DATA = Path(__file__).resolve().parent.parent / "data"
CONFIG = gcli.make_config(minion_config={})


def _data(name):
    return (DATA / name).read_text(encoding="utf-8")


def _root(name):
    return ElementTree.fromstring(_data(name))


def gluster_error(answer, *args):
    """The error the execution module raises for gluster's captured failure ``answer``."""
    with pytest.raises(CommandExecutionError) as caught:
        gcli.check_xml(_data(answer), list(args), CONFIG)
    return caught.value


def no_glusterd(*args):
    """The error the runner raises for ``args`` when no glusterd answers (the captured CLI
    output of tests/data/no_glusterd.txt)."""
    fields = dict(line.split("=", 1) for line in _data("no_glusterd.txt").splitlines() if "=" in line)
    proc = SimpleNamespace(stdout=fields["stdout"], stderr=fields["stderr"], returncode=1)
    with pytest.raises(CommandExecutionError) as caught:
        gcli._check_plain(proc, list(args), CONFIG)
    return caught.value


# ---- what gluster 10.3 answered, in the shapes the real functions return -----------------

# gluster.peer_find answers a member of ``pool list`` (gluster_xml's shape) or None
POOL = gx.parse_peer_status(_data("pool_list.xml"))
PEER2, PEER3, SELF = POOL  # 127.1.1.2, 127.1.1.3, this node
# glusterfs.peer_status: {uuid: {"hostnames": [...], "connected": "1", ...}} of 127.1.1.2 and .3
PEERS_AFTER = GLUSTERFS.peers_from_xml(_root("peer_status.xml"))
PEERS_BEFORE = {uuid: peer for uuid, peer in PEERS_AFTER.items() if uuid != PEER3["uuid"]}
# glusterfs.list_volumes: gluster lists the names sorted (created dist, rep3, distrep, arb, ...)
VOLUME_NAMES = GLUSTERFS.volumes_from_xml(_root("volume_list.xml"))
# glusterfs.info: {name: {..., "status": "1" | "0", "bricks": {"brick1": {"path": ...}}}}
STARTED = GLUSTERFS.info_from_xml(_root("volume_info_started.xml"))  # rep3, started
STOPPED = GLUSTERFS.info_from_xml(_root("volume_info_stopped.xml"))  # rep3, created, not started
ALL_STOPPED = GLUSTERFS.info_from_xml(_root("volume_info_all.xml"))  # arb, disp, dist, ...
REP3_BRICKS = [brick["path"] for brick in STARTED["rep3"]["bricks"].values()]
DIST_BRICKS = [brick["path"] for brick in ALL_STOPPED["dist"]["bricks"].values()]
ARB_BRICKS = [brick["path"] for brick in ALL_STOPPED["arb"]["bricks"].values()]
# a second replica set for rep3, on the same three nodes
NEW_BRICKS = [f"127.1.1.{n}:/tmp/gcap-z4obgcmw/node{n}/bricks/rep{n + 2}" for n in (1, 2, 3)]


def _grown(info, bricks):
    """``info`` (glusterfs.info's answer) with ``bricks`` appended, as gluster lists them after
    the add-brick: each new brick on the host of the brick three places before it."""
    info = copy.deepcopy(info)
    ((name, volume),) = info.items()
    listed = volume["bricks"]
    for spec in bricks:
        template = listed[f"brick{len(listed) - 2}"]
        listed[f"brick{len(listed) + 1}"] = dict(template, path=spec)
    volume["brickCount"] = str(len(listed))
    return info


GROWN = _grown(STARTED, NEW_BRICKS)
OP_VERSION = GLUSTERFS.option_from_xml(_root("op_version.xml"))  # "100000"
MAX_OP_VERSION = GLUSTERFS.option_from_xml(_root("max_op_version.xml"))  # "100000"
OLD_OP_VERSION = "90000"  # an older cluster's op-version (none was captured)


# ---- fakes -----------------------------------------------------------------------------------

SPECS = {"glusterfs": GLUSTERFS, "gluster": GLUSTER}
# the execution functions that change something, with answers of the real ones' shape
WRITES = {
    "glusterfs.peer": True,
    "glusterfs.create_volume": True,
    "glusterfs.start_volume": True,
    "glusterfs.stop_volume": True,
    "glusterfs.delete_volume": True,
    "glusterfs.add_volume_bricks": True,
    "glusterfs.set_op_version": "cluster.op-version set from 90000 to 100000",
}


class Minion:
    """The state module's ``__salt__`` / ``__opts__``: autospec fakes only, every write among
    them, and the order in which they were called."""

    def __init__(self, monkeypatch):
        self.salt, self.order = {}, []
        self.opts = {"test": False, "id": "gfs1"}
        monkeypatch.setattr(STATES, "__salt__", self.salt, raising=False)
        monkeypatch.setattr(STATES, "__opts__", self.opts, raising=False)
        monkeypatch.setattr(STATES, "__context__", {}, raising=False)
        for name, answer in WRITES.items():
            self.fake(name, return_value=answer)

    def _install(self, name, function):
        def called(*args, **kwargs):
            self.order.append(name)
            return function(*args, **kwargs)

        module, _sep, attribute = name.partition(".")
        self.salt[name] = create_autospec(getattr(SPECS[module], attribute), side_effect=called)
        return self.salt[name]

    def fake(self, name, return_value=None, side_effect=None):
        """``__salt__[name]``: an autospec of the real function, answering like a ``Mock`` with
        ``return_value`` / ``side_effect`` (a value, an exception, a list of them in turn), a
        fresh copy each time."""
        answer = MagicMock(return_value=return_value, side_effect=side_effect)
        return self._install(name, lambda *args, **kwargs: copy.deepcopy(answer(*args, **kwargs)))

    def real(self, name):
        """``__salt__[name]``: the real execution function (behind an autospec)."""
        module, _sep, attribute = name.partition(".")
        return self._install(name, getattr(SPECS[module], attribute))

    def test_mode(self):
        self.opts["test"] = True

    def writes(self):
        """The calls of every write, by name (``{}``: nothing was changed)."""
        return {name: self.salt[name].call_args_list for name in WRITES if self.salt[name].called}


@pytest.fixture
def minion(monkeypatch):
    return Minion(monkeypatch)


def volumes(minion, info):
    """``gluster.volume_exists`` and ``glusterfs.info`` answering for the volumes of ``info``."""
    minion.fake("gluster.volume_exists", side_effect=lambda name: name in info)
    return minion.fake("glusterfs.info", side_effect=lambda name=None: copy.deepcopy(info))


class Network:
    """This host as the state module sees it: gfs1 / gfs1.example.com, 127.0.0.1 and
    10.20.0.7, ::1 and 2001:db8::7; names resolve through ``resolves`` only (no DNS)."""

    V4, V6 = ["10.20.0.7"], ["2001:db8::7"]

    def __init__(self, monkeypatch):
        self.resolves = {f"127.1.1.{n}": [f"127.1.1.{n}"] for n in range(1, 6)}
        network = salt.utils.network
        self.host_to_ips = create_autospec(network.host_to_ips, side_effect=self.resolves.get)
        self.ip_addrs = create_autospec(network.ip_addrs, side_effect=self._own(["127.0.0.1"], self.V4))
        self.ip_addrs6 = create_autospec(network.ip_addrs6, side_effect=self._own(["::1"], self.V6))
        fake_network = SimpleNamespace(
            host_to_ips=self.host_to_ips, ip_addrs=self.ip_addrs, ip_addrs6=self.ip_addrs6
        )
        monkeypatch.setattr(STATES, "salt", SimpleNamespace(utils=SimpleNamespace(network=fake_network)))
        monkeypatch.setattr(
            STATES, "socket", SimpleNamespace(gethostname=lambda: "gfs1", getfqdn=lambda: "gfs1.example.com")
        )

    @staticmethod
    def _own(loopback, addresses):
        def ip_addrs(interface=None, include_loopback=False, interface_data=None):
            return (loopback if include_loopback else []) + addresses

        return ip_addrs


@pytest.fixture(autouse=True)
def network(monkeypatch):
    return Network(monkeypatch)


# the reads the real execution functions may make below a refusal, answered from tests/data
# (``volume get VOLUME OPTION`` answers in the form of ``volume get all OPTION``)
READS = {
    ("pool", "list"): "pool_list.xml",
    ("volume", "info"): "volume_info_started.xml",
    ("volume", "info", "rep3"): "volume_info_started.xml",
    ("volume", "get", "rep3", "cluster.op-version"): "op_version.xml",
    ("volume", "get", "all", "cluster.max-op-version"): "max_op_version.xml",
}


class Gluster:
    """The gluster CLI below the real execution modules: every command recorded as
    ``(args, read_only)``; the reads in ``READS`` answered, anything else a failure."""

    def __init__(self):
        self.commands = []
        self.clock = FakeClock(limit=100)  # the gluster execution module's time

    def run(self, config, args, xml=True, counter=None, read_only=False):
        self.commands.append((tuple(args), read_only))
        if read_only and tuple(args) in READS:
            return gcli.check_xml(_data(READS[tuple(args)]), list(args), config)
        raise CommandExecutionError(f"unexpected gluster command: {list(args)}")

    def writes(self):
        return [args for args, read_only in self.commands if not read_only]

    def reads(self):
        return [args for args, read_only in self.commands if read_only]


@pytest.fixture
def gluster(monkeypatch):
    """The real ``gluster`` execution module over a recording gluster CLI, and the real
    ``glusterfs`` one over it (each call to it through an autospec)."""
    fake = Gluster()
    answer_gluster_with(monkeypatch, GLUSTER, fake.run)
    monkeypatch.setattr(GLUSTER, "__grains__", {"ipv4": ["127.0.0.1"], "ipv6": ["::1"]}, raising=False)
    monkeypatch.setattr(
        GLUSTER, "time", SimpleNamespace(monotonic=fake.clock.monotonic, sleep=fake.clock.sleep)
    )
    monkeypatch.setattr(GLUSTER, "_addresses", lambda host: set())  # no DNS
    below = {
        f"gluster.{name}": create_autospec(getattr(GLUSTER, name), side_effect=getattr(GLUSTER, name))
        for name in ("read_xml", "volume_add_brick")
    }
    monkeypatch.setattr(GLUSTERFS, "__salt__", below, raising=False)
    return fake


# ---- the module: loading, deprecation warnings ------------------------------------------------


def test_virtual_loads_only_beside_the_glusterfs_execution_module(monkeypatch):
    monkeypatch.setattr(STATES, "__salt__", {"glusterfs.list_volumes": GLUSTERFS.list_volumes}, raising=False)
    assert STATES.__virtual__() == "glusterfs"
    monkeypatch.setattr(STATES, "__salt__", {"gluster.volume_list": GLUSTER.volume_list}, raising=False)
    assert STATES.__virtual__() == (False, "glusterfs: the glusterfs module of saltext-gluster is not loaded")


def _each_state_once(minion):
    """Every state of the module, each finding nothing to do."""
    minion.fake("gluster.is_this_node", return_value=True)
    minion.fake("gluster.volume_layout_differences", return_value=[])
    volumes(minion, STARTED)
    minion.fake("glusterfs.get_op_version", return_value=OP_VERSION)
    minion.fake("glusterfs.get_max_op_version", return_value=MAX_OP_VERSION)
    return [
        STATES.peered("127.1.1.1"),
        STATES.volume_present("rep3", REP3_BRICKS),
        STATES.started("rep3"),
        STATES.add_volume_bricks("rep3", REP3_BRICKS),
        STATES.op_version("rep3", 100000),
        STATES.max_op_version("rep3"),
    ]


def test_each_state_warns_once_per_process_naming_its_gluster_state(minion, monkeypatch, caplog):
    monkeypatch.setattr(STATES, "_WARNED", set())
    caplog.set_level(logging.WARNING, logger=STATES.__name__)
    first = _each_state_once(minion)
    again = _each_state_once(minion)
    assert [ret["result"] for ret in first + again] == [True] * 12
    warned = [record.getMessage() for record in caplog.records if record.name == STATES.__name__]
    kept = "is Salt 3007's name, kept by saltext-gluster for old SLS files: use"
    assert warned == [
        f"state glusterfs.peered {kept} gluster.peered",
        f"state glusterfs.volume_present {kept} gluster.volume_present and gluster.volume_started",
        f"state glusterfs.started {kept} gluster.volume_started",
        f"state glusterfs.add_volume_bricks {kept} gluster.volume_present (the whole brick list)",
        f"state glusterfs.op_version {kept} gluster.op_version",
        f"state glusterfs.max_op_version {kept} gluster.op_version with name: max",
    ]
    assert minion.writes() == {}


# ---- peered ------------------------------------------------------------------------------------


def test_peered_this_node_needs_no_probe(minion, network):
    this_node = minion.fake("gluster.is_this_node", return_value=True)
    find = minion.fake("gluster.peer_find", return_value=None)
    ret = STATES.peered("127.1.1.1")
    assert ret == {
        "name": "127.1.1.1",
        "result": True,
        "changes": {},
        "comment": "Peering with localhost is not needed",
    }
    assert this_node.call_args_list == [call("127.1.1.1")]
    assert not find.called and not network.host_to_ips.called
    assert minion.writes() == {}


@pytest.mark.parametrize("name", ["localhost", "gfs1", "gfs1.example.com"])
def test_peered_a_name_of_this_host_needs_no_probe_nor_lookup(minion, network, name):
    minion.fake("gluster.is_this_node", return_value=False)
    find = minion.fake("gluster.peer_find", return_value=None)
    ret = STATES.peered(name)
    assert ret == {
        "name": name,
        "result": True,
        "changes": {},
        "comment": "Peering with localhost is not needed",
    }
    assert not network.host_to_ips.called and not find.called
    assert minion.writes() == {}


@pytest.mark.parametrize(
    "addresses", [["10.20.0.7"], ["2001:db8::7"], ["127.0.0.1"], ["::1"], ["192.0.2.9", "10.20.0.7"]]
)
def test_peered_a_name_resolving_to_an_address_of_this_host_needs_no_probe(minion, network, addresses):
    """Loopback addresses count too (``include_loopback``), v4 and v6, any of the name's."""
    network.resolves["gfs1-storage"] = addresses
    minion.fake("gluster.is_this_node", return_value=False)
    find = minion.fake("gluster.peer_find", return_value=None)
    ret = STATES.peered("gfs1-storage")
    assert ret["result"] is True and ret["changes"] == {}
    assert ret["comment"] == "Peering with localhost is not needed"
    assert network.host_to_ips.call_args_list == [call("gfs1-storage")]
    assert not find.called and minion.writes() == {}


@pytest.mark.parametrize("test", [False, True])
def test_peered_a_member_of_the_pool_needs_nothing(minion, test):
    if test:
        minion.test_mode()
    minion.fake("gluster.is_this_node", return_value=False)
    find = minion.fake("gluster.peer_find", return_value=PEER2)
    status = minion.fake("glusterfs.peer_status", return_value=PEERS_AFTER)
    ret = STATES.peered("127.1.1.2")
    assert ret == {
        "name": "127.1.1.2",
        "result": True,
        "changes": {},
        "comment": "Host 127.1.1.2 already peered",
    }
    assert find.call_args_list == [call("127.1.1.2")]
    assert not status.called and minion.writes() == {}


@pytest.mark.parametrize("resolves", [True, False])
def test_peered_test_mode_predicts_the_probe_and_probes_nothing(minion, network, resolves):
    """A name that does not resolve (``host_to_ips`` answers None) is no name of this host."""
    minion.test_mode()
    if not resolves:
        del network.resolves["127.1.1.3"]
    minion.fake("gluster.is_this_node", return_value=False)
    minion.fake("gluster.peer_find", return_value=None)
    status = minion.fake("glusterfs.peer_status", return_value=PEERS_BEFORE)
    ret = STATES.peered("127.1.1.3")
    assert ret == {
        "name": "127.1.1.3",
        "result": None,
        "changes": {"new": "127.1.1.3", "old": None},
        "comment": "Peer 127.1.1.3 will be added.",
    }
    assert network.host_to_ips.call_args_list == [call("127.1.1.3")]
    assert not status.called and minion.writes() == {}


def test_peered_probes_and_reports_the_peers_before_and_after(minion):
    minion.fake("gluster.is_this_node", return_value=False)
    find = minion.fake("gluster.peer_find", side_effect=[None, PEER3])
    minion.fake("glusterfs.peer_status", side_effect=[PEERS_BEFORE, PEERS_AFTER])
    ret = STATES.peered("127.1.1.3")
    assert ret == {
        "name": "127.1.1.3",
        "result": True,
        "changes": {"old": PEERS_BEFORE, "new": PEERS_AFTER},
        "comment": f"Host 127.1.1.3 successfully peered (uuid {PEER3['uuid']})",
    }
    assert sorted(ret["changes"]["new"]) == sorted([PEER2["uuid"], PEER3["uuid"]])
    assert minion.writes() == {"glusterfs.peer": [call("127.1.1.3")]}
    assert find.call_args_list == [call("127.1.1.3"), call("127.1.1.3")]
    assert minion.order == [
        "gluster.is_this_node",
        "gluster.peer_find",
        "glusterfs.peer_status",
        "glusterfs.peer",
        "gluster.peer_find",
        "glusterfs.peer_status",
    ]


def test_peered_probe_leaving_the_host_out_of_the_pool_fails(minion):
    minion.fake("gluster.is_this_node", return_value=False)
    minion.fake("gluster.peer_find", return_value=None)
    status = minion.fake("glusterfs.peer_status", return_value=PEERS_BEFORE)
    ret = STATES.peered("127.1.1.4")
    assert ret == {
        "name": "127.1.1.4",
        "result": False,
        "changes": {},
        "comment": "Host 127.1.1.4 was probed but is not in the list of peers",
    }
    assert minion.writes() == {"glusterfs.peer": [call("127.1.1.4")]}
    assert status.call_count == 1


def test_peered_probe_refused_by_gluster_fails_with_its_message(minion):
    refused = gluster_error("peer_probe_unreachable.xml", "peer", "probe", "127.1.1.4")
    minion.fake("gluster.is_this_node", return_value=False)
    find = minion.fake("gluster.peer_find", return_value=None)
    minion.fake("glusterfs.peer_status", return_value=PEERS_BEFORE)
    minion.fake("glusterfs.peer", side_effect=refused)
    ret = STATES.peered("127.1.1.4")
    assert ret == {
        "name": "127.1.1.4",
        "result": False,
        "changes": {},
        "comment": f"peer 127.1.1.4: {refused}",
    }
    assert "Probe returned with Transport endpoint is not connected" in ret["comment"]
    assert find.call_count == 1


def test_peered_without_glusterd_fails_with_the_message_and_probes_nothing(minion):
    down = no_glusterd("pool", "list")
    minion.fake("gluster.is_this_node", side_effect=down)
    ret = STATES.peered("127.1.1.4")
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == f"peer 127.1.1.4: {down}"
    assert "is glusterd running there?" in ret["comment"]
    assert minion.writes() == {}


@pytest.mark.parametrize(
    "name, problem",
    [
        ("gfs2; reboot", "host 'gfs2; reboot' is not a valid hostname or IP address"),
        ("-gfs2", "host '-gfs2' is not a valid hostname or IP address"),
        ("", "host must be a non-empty hostname or IP address, got ''"),
        (None, "host must be a non-empty hostname or IP address, got None"),
    ],
)
def test_peered_refuses_a_bad_host_name_before_asking_gluster_or_the_resolver(
    minion, network, gluster, name, problem
):
    minion.real("gluster.is_this_node")
    find = minion.fake("gluster.peer_find", return_value=None)
    ret = STATES.peered(name)
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"].startswith(f"peer {name}: is_this_node: {problem}"), ret["comment"]
    assert gluster.commands == [] and not network.host_to_ips.called
    assert not find.called and minion.writes() == {}


# ---- volume_present ----------------------------------------------------------------------------

DIST_BEFORE = [name for name in VOLUME_NAMES if name != "dist"]


@pytest.mark.parametrize("start, what", [(False, "created"), (True, "created and started")])
def test_volume_present_test_mode_predicts_the_volume_list_and_creates_nothing(minion, start, what):
    minion.test_mode()
    layout = minion.fake("gluster.volume_layout_differences", return_value=None)
    listed = minion.fake("glusterfs.list_volumes", return_value=DIST_BEFORE)
    ret = STATES.volume_present("dist", DIST_BRICKS, start=start)
    assert ret == {
        "name": "dist",
        "result": None,
        # gluster's own list once dist is created (sorted by name: dist between disp and distdisp)
        "changes": {"new": VOLUME_NAMES, "old": DIST_BEFORE},
        "comment": f"Volume dist will be {what}",
    }
    assert ret["changes"]["new"] == ["arb", "disp", "dist", "distdisp", "distrep", "rep3"]
    assert layout.call_args_list == [call("dist", DIST_BRICKS, replica=None, arbiter=None, transport="tcp")]
    assert listed.call_count == 1 and minion.writes() == {}


def test_volume_present_creates_the_volume_and_reports_the_volume_lists(minion):
    layout = minion.fake("gluster.volume_layout_differences", return_value=None)
    minion.fake("glusterfs.list_volumes", side_effect=[DIST_BEFORE, VOLUME_NAMES])
    info = minion.fake("glusterfs.info", return_value=STOPPED)
    ret = STATES.volume_present("dist", DIST_BRICKS)
    assert ret == {
        "name": "dist",
        "result": True,
        "changes": {"new": VOLUME_NAMES, "old": DIST_BEFORE},
        "comment": "Volume dist is created",
    }
    # name, bricks, stripe, replica, device_vg, transport, start, force, arbiter
    assert minion.writes() == {
        "glusterfs.create_volume": [
            call("dist", DIST_BRICKS, False, False, False, "tcp", False, False, False)
        ]
    }
    assert layout.call_args_list == [call("dist", DIST_BRICKS, replica=None, arbiter=None, transport="tcp")]
    assert not info.called
    assert minion.order == [
        "gluster.volume_layout_differences",
        "glusterfs.list_volumes",
        "glusterfs.create_volume",
        "glusterfs.list_volumes",
    ]


def test_volume_present_creates_and_starts_an_arbiter_volume_with_force(minion):
    before = [name for name in VOLUME_NAMES if name != "arb"]
    layout = minion.fake("gluster.volume_layout_differences", return_value=None)
    minion.fake("glusterfs.list_volumes", side_effect=[before, VOLUME_NAMES])
    ret = STATES.volume_present("arb", ARB_BRICKS, replica=3, arbiter=True, start=True, force=True)
    assert ret == {
        "name": "arb",
        "result": True,
        "changes": {"new": VOLUME_NAMES, "old": before},
        "comment": "Volume arb is created and started",
    }
    assert layout.call_args_list == [call("arb", ARB_BRICKS, replica=3, arbiter=1, transport="tcp")]
    assert minion.writes() == {
        "glusterfs.create_volume": [call("arb", ARB_BRICKS, False, 3, False, "tcp", True, True, True)]
    }


def test_volume_present_takes_one_brick_given_as_a_string_and_the_transport(minion):
    brick = DIST_BRICKS[0]
    layout = minion.fake("gluster.volume_layout_differences", return_value=None)
    minion.fake("glusterfs.list_volumes", side_effect=[DIST_BEFORE, VOLUME_NAMES])
    ret = STATES.volume_present("dist", brick, transport="tcp,rdma")
    assert ret["result"] is True and ret["comment"] == "Volume dist is created"
    assert layout.call_args_list == [call("dist", [brick], replica=None, arbiter=None, transport="tcp,rdma")]
    assert minion.writes() == {
        "glusterfs.create_volume": [
            call("dist", [brick], False, False, False, "tcp,rdma", False, False, False)
        ]
    }


@pytest.mark.parametrize("test", [False, True])
def test_volume_present_existing_volume_needs_nothing_and_is_not_read_again(minion, test):
    if test:
        minion.test_mode()
    minion.fake("gluster.volume_layout_differences", return_value=[])
    listed = minion.fake("glusterfs.list_volumes", return_value=VOLUME_NAMES)
    info = minion.fake("glusterfs.info", return_value=STOPPED)
    ret = STATES.volume_present("rep3", REP3_BRICKS, replica=3)
    assert ret == {"name": "rep3", "result": True, "changes": {}, "comment": "Volume rep3 already exists"}
    assert not listed.called and not info.called and minion.writes() == {}


@pytest.mark.parametrize("test", [False, True])
def test_volume_present_existing_started_volume_needs_nothing(minion, test):
    """Salt 3007 said "will be started" of a started volume in test mode; this one does not."""
    if test:
        minion.test_mode()
    minion.fake("gluster.volume_layout_differences", return_value=[])
    info = minion.fake("glusterfs.info", return_value=STARTED)
    ret = STATES.volume_present("rep3", REP3_BRICKS, replica=3, start=True)
    assert ret == {
        "name": "rep3",
        "result": True,
        "changes": {},
        "comment": "Volume rep3 already exists and is started",
    }
    assert info.call_args_list == [call()]
    assert minion.writes() == {}


def test_volume_present_test_mode_predicts_starting_a_stopped_volume(minion):
    minion.test_mode()
    minion.fake("gluster.volume_layout_differences", return_value=[])
    minion.fake("glusterfs.info", return_value=STOPPED)
    ret = STATES.volume_present("rep3", REP3_BRICKS, replica=3, start=True)
    assert ret == {
        "name": "rep3",
        "result": None,
        "changes": {"new": "started", "old": "stopped"},
        "comment": "Volume rep3 already exists and will be started",
    }
    assert minion.writes() == {}


def test_volume_present_starts_a_stopped_volume(minion):
    minion.fake("gluster.volume_layout_differences", return_value=[])
    minion.fake("glusterfs.info", return_value=STOPPED)
    ret = STATES.volume_present("rep3", REP3_BRICKS, replica=3, start=True)
    assert ret == {
        "name": "rep3",
        "result": True,
        "changes": {"new": "started", "old": "stopped"},
        "comment": "Volume rep3 already exists and is now started",
    }
    assert minion.writes() == {"glusterfs.start_volume": [call("rep3")]}


LAYOUT_DIFFERS = [
    "replica count is 3, the pillar says 2",
    f"bricks in the volume but not in the pillar: {REP3_BRICKS[2]}",
]
DIFFERS_NOTE = (
    "Volume rep3 already exists (its layout differs from this state's and is left as it is: "
    f"replica count is 3, the pillar says 2; bricks in the volume but not in the pillar: {REP3_BRICKS[2]}; "
    "gluster.volume_present reshapes a volume)"
)


def test_volume_present_names_a_differing_layout_and_leaves_it(minion):
    layout = minion.fake("gluster.volume_layout_differences", return_value=LAYOUT_DIFFERS)
    ret = STATES.volume_present("rep3", REP3_BRICKS[:2], replica=2)
    assert ret == {"name": "rep3", "result": True, "changes": {}, "comment": DIFFERS_NOTE}
    assert layout.call_args_list == [call("rep3", REP3_BRICKS[:2], replica=2, arbiter=None, transport="tcp")]
    assert minion.writes() == {}


@pytest.mark.parametrize(
    "info, test, result, changes, end",
    [
        (STARTED, False, True, {}, " and is started"),
        (STOPPED, True, None, {"new": "started", "old": "stopped"}, " and will be started"),
        (STOPPED, False, True, {"new": "started", "old": "stopped"}, " and is now started"),
    ],
)
def test_volume_present_with_a_differing_layout_still_starts_the_volume(
    minion, info, test, result, changes, end
):
    if test:
        minion.test_mode()
    minion.fake("gluster.volume_layout_differences", return_value=LAYOUT_DIFFERS)
    minion.fake("glusterfs.info", return_value=info)
    ret = STATES.volume_present("rep3", REP3_BRICKS[:2], replica=2, start=True)
    assert ret == {"name": "rep3", "result": result, "changes": changes, "comment": DIFFERS_NOTE + end}
    started = changes and not test
    assert minion.writes() == ({"glusterfs.start_volume": [call("rep3")]} if started else {})


@pytest.mark.parametrize("test", [False, True])
@pytest.mark.parametrize(
    "argument, comment",
    [
        (
            {"stripe": 2},
            "volume v1: stripe=2: GlusterFS removed striped volumes in version 6; "
            "use a distributed volume, or features.shard for large files",
        ),
        (
            {"device_vg": True},
            "volume v1: device_vg: GlusterFS removed the block-device backend in version 6",
        ),
        ({"arbiter": True}, "volume v1: arbiter is only valid with replica 3, got replica=False"),
        ({"arbiter": True, "replica": 2}, "volume v1: arbiter is only valid with replica 3, got replica=2"),
    ],
)
def test_volume_present_refuses_what_glusterfs_10_cannot_do_in_its_words(minion, argument, comment, test):
    if test:
        minion.test_mode()
    layout = minion.fake("gluster.volume_layout_differences", return_value=None)
    listed = minion.fake("glusterfs.list_volumes", return_value=VOLUME_NAMES)
    ret = STATES.volume_present("v1", ["127.1.1.1:/b/1", "127.1.1.2:/b/1", "127.1.1.3:/b/1"], **argument)
    assert ret == {"name": "v1", "result": False, "changes": {}, "comment": comment}
    assert not layout.called and not listed.called and minion.order == []


@pytest.mark.parametrize(
    "name, bricks, kwargs, problem",
    [
        (
            "my vol",
            REP3_BRICKS,
            {},
            "volume name 'my vol' is not allowed: use letters, digits, '-' and '_'",
        ),
        (
            "v1",
            ["127.1.1.1:/b/1", "127.1.1.2:/b/1"],
            {"replica": 3},
            "volume v1: 2 bricks cannot be split into replica sets of 3; use a multiple of 3 bricks",
        ),
        (
            "v1",
            "127.1.1.1:b/1",
            {},
            "volume v1 brick 1 '127.1.1.1:b/1' path 'b/1' must be an absolute path starting with '/'",
        ),
        ("v1", ["127.1.1.1:/b/1", "127.1.1.1:/b/1"], {}, "volume v1: bricks listed twice: 127.1.1.1:/b/1"),
        ("v1", [], {}, "volume v1: bricks must be a non-empty list of host:/path entries"),
        ("v1", None, {}, "volume v1: bricks must be a non-empty list of host:/path entries"),
        ("v1", ["127.1.1.1:/b/1"], {"transport": "udp"}, "volume v1: transport 'udp' must be one of tcp"),
    ],
)
@pytest.mark.parametrize("test", [False, True])
def test_volume_present_refuses_bad_arguments_before_asking_gluster(
    minion, gluster, name, bricks, kwargs, problem, test
):
    if test:
        minion.test_mode()
    minion.real("gluster.volume_layout_differences")
    listed = minion.fake("glusterfs.list_volumes", return_value=VOLUME_NAMES)
    ret = STATES.volume_present(name, bricks, start=True, **kwargs)
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"].startswith(f"volume {name}: volume_layout_differences: {problem}"), ret["comment"]
    assert gluster.commands == [] and not listed.called and minion.writes() == {}


def test_volume_present_refuses_bricks_given_as_a_number(minion, gluster):
    minion.real("gluster.volume_layout_differences")
    minion.fake("glusterfs.list_volumes", return_value=VOLUME_NAMES)
    ret = STATES.volume_present("v1", 3, replica=3)
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"].startswith("volume v1: ") and "bricks" in ret["comment"], ret["comment"]
    assert gluster.commands == [] and minion.writes() == {}


def test_volume_present_create_refused_by_gluster_fails_with_its_message(minion):
    refused = gluster_error("volume_create_exists.xml", "volume", "create", "dist", *DIST_BRICKS, "force")
    minion.fake("gluster.volume_layout_differences", return_value=None)
    listed = minion.fake("glusterfs.list_volumes", return_value=DIST_BEFORE)
    minion.fake("glusterfs.create_volume", side_effect=refused)
    ret = STATES.volume_present("dist", DIST_BRICKS, force=True)
    assert ret == {"name": "dist", "result": False, "changes": {}, "comment": f"volume dist: {refused}"}
    assert "Volume dist already exists" in ret["comment"]
    assert listed.call_count == 1


def test_volume_present_start_refused_by_gluster_fails_with_its_message(minion):
    locked = gluster_error("lock_error.xml", "volume", "start", "rep3")
    minion.fake("gluster.volume_layout_differences", return_value=[])
    minion.fake("glusterfs.info", return_value=STOPPED)
    minion.fake("glusterfs.start_volume", side_effect=locked)
    ret = STATES.volume_present("rep3", REP3_BRICKS, replica=3, start=True)
    assert ret == {"name": "rep3", "result": False, "changes": {}, "comment": f"volume rep3: {locked}"}
    assert "Another transaction is in progress for rep3" in ret["comment"]


def test_volume_present_without_glusterd_fails_with_the_message(minion):
    down = no_glusterd("volume", "info", "rep3")
    minion.fake("gluster.volume_layout_differences", side_effect=down)
    ret = STATES.volume_present("rep3", REP3_BRICKS, replica=3, start=True)
    assert ret == {"name": "rep3", "result": False, "changes": {}, "comment": f"volume rep3: {down}"}
    assert "Connection failed" in ret["comment"] and minion.writes() == {}


# ---- started -----------------------------------------------------------------------------------


@pytest.mark.parametrize("test", [False, True])
def test_started_fails_on_a_volume_that_does_not_exist(minion, test):
    if test:
        minion.test_mode()
    exists = minion.fake("gluster.volume_exists", return_value=False)
    info = minion.fake("glusterfs.info", return_value=STARTED)
    ret = STATES.started("gone")
    assert ret == {"name": "gone", "result": False, "changes": {}, "comment": "Volume gone does not exist"}
    assert exists.call_args_list == [call("gone")]
    assert not info.called and minion.writes() == {}


@pytest.mark.parametrize("test", [False, True])
def test_started_already_started_needs_nothing(minion, test):
    if test:
        minion.test_mode()
    info = volumes(minion, STARTED)
    ret = STATES.started("rep3")
    assert ret == {"name": "rep3", "result": True, "changes": {}, "comment": "Volume rep3 is already started"}
    assert info.call_args_list == [call()]
    assert minion.writes() == {}


def test_started_test_mode_predicts_the_start_and_starts_nothing(minion):
    minion.test_mode()
    volumes(minion, STOPPED)
    ret = STATES.started("rep3")
    assert ret == {
        "name": "rep3",
        "result": None,
        "changes": {"new": "started", "old": "stopped"},
        "comment": "Volume rep3 will be started",
    }
    assert minion.writes() == {}


def test_started_starts_the_volume_and_reports_it_under_changes(minion):
    """Salt 3007 put this under a misspelled ``change`` key, so Salt never saw it."""
    volumes(minion, STOPPED)
    ret = STATES.started("rep3")
    assert ret == {
        "name": "rep3",
        "result": True,
        "changes": {"new": "started", "old": "stopped"},
        "comment": "Volume rep3 is started",
    }
    assert minion.writes() == {"glusterfs.start_volume": [call("rep3")]}


@pytest.mark.parametrize(
    "answer, says",
    [("volume_start_already.xml", "Volume rep3 already started"), ("lock_error.xml", "Another")],
)
def test_started_start_refused_by_gluster_fails_with_its_message(minion, answer, says):
    refused = gluster_error(answer, "volume", "start", "rep3")
    volumes(minion, STOPPED)
    minion.fake("glusterfs.start_volume", side_effect=refused)
    ret = STATES.started("rep3")
    assert ret == {"name": "rep3", "result": False, "changes": {}, "comment": f"volume rep3: {refused}"}
    assert says in ret["comment"]


def test_started_without_glusterd_fails_with_the_message(minion):
    down = no_glusterd("volume", "info")
    minion.fake("gluster.volume_exists", side_effect=down)
    ret = STATES.started("rep3")
    assert ret == {"name": "rep3", "result": False, "changes": {}, "comment": f"volume rep3: {down}"}
    assert minion.writes() == {}


@pytest.mark.parametrize("test", [False, True])
@pytest.mark.parametrize(
    "name, problem",
    [
        ("my vol", "volume name 'my vol' is not allowed"),
        ("rep3;reboot", "volume name 'rep3;reboot' is not allowed"),
        ("", "volume name must be a non-empty string, got ''"),
    ],
)
def test_started_refuses_a_bad_volume_name_before_asking_gluster(minion, gluster, name, problem, test):
    if test:
        minion.test_mode()
    minion.real("gluster.volume_exists")
    info = minion.fake("glusterfs.info", return_value=STOPPED)
    ret = STATES.started(name)
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"].startswith(f"volume {name}: volume_exists: {problem}"), ret["comment"]
    assert gluster.commands == [] and not info.called and minion.writes() == {}


# ---- add_volume_bricks -------------------------------------------------------------------------


@pytest.mark.parametrize("test", [False, True])
def test_add_volume_bricks_fails_on_a_volume_that_does_not_exist(minion, test):
    if test:
        minion.test_mode()
    minion.fake("gluster.volume_exists", return_value=False)
    info = minion.fake("glusterfs.info", return_value=STARTED)
    ret = STATES.add_volume_bricks("gone", NEW_BRICKS)
    assert ret == {"name": "gone", "result": False, "changes": {}, "comment": "Volume gone does not exist"}
    assert not info.called and minion.writes() == {}


@pytest.mark.parametrize("test", [False, True])
def test_add_volume_bricks_fails_on_a_stopped_volume(minion, test):
    if test:
        minion.test_mode()
    info = volumes(minion, STOPPED)
    ret = STATES.add_volume_bricks("rep3", NEW_BRICKS)
    assert ret == {"name": "rep3", "result": False, "changes": {}, "comment": "Volume rep3 is not started"}
    assert info.call_args_list == [call("rep3")]
    assert minion.writes() == {}


@pytest.mark.parametrize("test", [False, True])
@pytest.mark.parametrize("bricks", [REP3_BRICKS, REP3_BRICKS[::-1], REP3_BRICKS[1:], REP3_BRICKS[0]])
def test_add_volume_bricks_already_in_the_volume_need_nothing(minion, bricks, test):
    if test:
        minion.test_mode()
    volumes(minion, STARTED)
    ret = STATES.add_volume_bricks("rep3", bricks)
    assert ret == {
        "name": "rep3",
        "result": True,
        "changes": {},
        "comment": "Bricks already added in volume rep3",
    }
    assert minion.writes() == {}


def test_add_volume_bricks_test_mode_predicts_the_new_bricks_only(minion):
    minion.test_mode()
    volumes(minion, STARTED)
    ret = STATES.add_volume_bricks("rep3", [REP3_BRICKS[0], *NEW_BRICKS])
    assert ret == {
        "name": "rep3",
        "result": None,
        "changes": {"new": REP3_BRICKS + NEW_BRICKS, "old": REP3_BRICKS},
        "comment": f"Bricks {', '.join(NEW_BRICKS)} will be added to volume rep3",
    }
    assert minion.writes() == {}


def test_add_volume_bricks_adds_the_new_bricks_and_reports_glusters_brick_list(minion):
    info = minion.fake("glusterfs.info", side_effect=[STARTED, GROWN])
    minion.fake("gluster.volume_exists", return_value=True)
    ret = STATES.add_volume_bricks("rep3", [*REP3_BRICKS, *NEW_BRICKS])
    assert ret == {
        "name": "rep3",
        "result": True,
        "changes": {"new": REP3_BRICKS + NEW_BRICKS, "old": REP3_BRICKS},
        "comment": "Bricks successfully added to volume rep3",
    }
    assert minion.writes() == {"glusterfs.add_volume_bricks": [call("rep3", NEW_BRICKS, force=False)]}
    assert info.call_args_list == [call("rep3"), call("rep3")]
    assert minion.order == [
        "gluster.volume_exists",
        "glusterfs.info",
        "glusterfs.add_volume_bricks",
        "glusterfs.info",
    ]


def test_add_volume_bricks_reports_the_brick_list_gluster_answers_after_the_add(minion):
    """``new`` is what gluster lists afterwards, not the bricks asked for."""
    listed = _grown(STARTED, [NEW_BRICKS[2], NEW_BRICKS[0], NEW_BRICKS[1]])
    volumes(minion, STARTED)
    minion.fake("glusterfs.info", side_effect=[STARTED, listed])
    ret = STATES.add_volume_bricks("rep3", NEW_BRICKS, force=True)
    assert ret["result"] is True
    assert ret["changes"] == {
        "new": REP3_BRICKS + [NEW_BRICKS[2], NEW_BRICKS[0], NEW_BRICKS[1]],
        "old": REP3_BRICKS,
    }
    assert minion.writes() == {"glusterfs.add_volume_bricks": [call("rep3", NEW_BRICKS, force=True)]}


def test_add_volume_bricks_refused_by_gluster_fails_with_its_message(minion):
    """One brick given as a string is one brick; gluster wants a whole replica set."""
    refused = gluster_error(
        "add_brick_wrong_count.xml", "volume", "add-brick", "rep3", NEW_BRICKS[0], "force"
    )
    info = volumes(minion, STARTED)
    minion.fake("glusterfs.add_volume_bricks", side_effect=refused)
    ret = STATES.add_volume_bricks("rep3", NEW_BRICKS[0], force=True)
    assert ret == {"name": "rep3", "result": False, "changes": {}, "comment": f"volume rep3: {refused}"}
    assert "Incorrect number of bricks supplied 1 with count 3" in ret["comment"]
    assert minion.salt["glusterfs.add_volume_bricks"].call_args_list == [
        call("rep3", [NEW_BRICKS[0]], force=True)
    ]
    assert info.call_count == 1


def test_add_volume_bricks_without_glusterd_fails_with_the_message(minion):
    down = no_glusterd("volume", "info", "rep3")
    minion.fake("gluster.volume_exists", return_value=True)
    minion.fake("glusterfs.info", side_effect=down)
    ret = STATES.add_volume_bricks("rep3", NEW_BRICKS)
    assert ret == {"name": "rep3", "result": False, "changes": {}, "comment": f"volume rep3: {down}"}
    assert minion.writes() == {}


@pytest.mark.parametrize("test", [False, True])
def test_add_volume_bricks_refuses_a_bad_volume_name_before_asking_gluster(minion, gluster, test):
    if test:
        minion.test_mode()
    minion.real("gluster.volume_exists")
    info = minion.fake("glusterfs.info", return_value=STARTED)
    ret = STATES.add_volume_bricks("rep3 force", NEW_BRICKS)
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"].startswith(
        "volume rep3 force: volume_exists: volume name 'rep3 force' is not allowed"
    ), ret["comment"]
    assert gluster.commands == [] and not info.called and minion.writes() == {}


@pytest.mark.parametrize(
    "bricks, problem",
    [
        (
            ["127.1.1.4:b/1"],
            "cannot add bricks on volume 'rep3': brick 1 '127.1.1.4:b/1' path 'b/1' must be an absolute",
        ),
        (
            ["127.1.1.4:/b/1", "gfs 5:/b/1"],
            "cannot add bricks on volume 'rep3': brick 2 'gfs 5:/b/1' host 'gfs 5' is not a valid hostname",
        ),
        ([1, 2], "bricks must be a brick or a list of bricks (host:/path), got [1, 2]"),
    ],
)
def test_add_volume_bricks_bad_bricks_are_refused_before_any_gluster_write(minion, gluster, bricks, problem):
    """The real ``glusterfs`` and ``gluster`` functions down to the CLI: the volume is read,
    nothing is written."""
    minion.real("gluster.volume_exists")
    minion.real("glusterfs.info")
    minion.real("glusterfs.add_volume_bricks")
    ret = STATES.add_volume_bricks("rep3", bricks)
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"].startswith(f"volume rep3: {problem}"), ret["comment"]
    assert gluster.writes() == [] and gluster.reads() == [("volume", "info"), ("volume", "info", "rep3")]
    assert gluster.clock.sleeps == []


def test_add_volume_bricks_test_mode_refuses_a_malformed_brick(minion):
    minion.test_mode()
    volumes(minion, STARTED)
    ret = STATES.add_volume_bricks("rep3", ["127.1.1.4:b/1"])
    assert ret["result"] is False and ret["changes"] == {}
    assert "127.1.1.4:b/1" in ret["comment"] and "absolute" in ret["comment"], ret["comment"]
    assert minion.writes() == {}


@pytest.mark.parametrize("bricks, test", [(None, False), (None, True), (3, False), ([1, 2], True)])
def test_add_volume_bricks_refuses_bricks_that_are_no_list_of_strings(minion, bricks, test):
    if test:
        minion.test_mode()
    volumes(minion, STARTED)
    ret = STATES.add_volume_bricks("rep3", bricks)
    assert ret["result"] is False and ret["changes"] == {}
    assert "bricks" in ret["comment"], ret["comment"]
    assert minion.writes() == {}


# ---- op_version --------------------------------------------------------------------------------


@pytest.mark.parametrize("test", [False, True])
@pytest.mark.parametrize("version", [100000, "100000"])
def test_op_version_already_set_needs_nothing(minion, version, test):
    """A version given as text (``version: '100000'``) is the same version (Salt 3007 compared
    the text with the number and set it again)."""
    if test:
        minion.test_mode()
    read = minion.fake("glusterfs.get_op_version", return_value=OP_VERSION)
    ret = STATES.op_version("rep3", version)
    assert ret == {
        "name": "rep3",
        "result": True,
        "changes": {},
        "comment": "Glusterfs cluster.op-version for rep3 already set to 100000",
    }
    assert read.call_args_list == [call("rep3")]
    assert minion.writes() == {}


@pytest.mark.parametrize("test", [False, True])
def test_op_version_refuses_to_lower_the_version(minion, test):
    if test:
        minion.test_mode()
    minion.fake("glusterfs.get_op_version", return_value=OP_VERSION)
    ret = STATES.op_version("rep3", 90000)
    assert ret == {
        "name": "rep3",
        "result": False,
        "changes": {},
        "comment": "cluster.op-version is 100000; gluster cannot lower it to 90000",
    }
    assert minion.writes() == {}


def test_op_version_test_mode_predicts_the_raise_and_sets_nothing(minion):
    minion.test_mode()
    minion.fake("glusterfs.get_op_version", return_value=OLD_OP_VERSION)
    ret = STATES.op_version("rep3", "100000")
    assert ret == {
        "name": "rep3",
        "result": None,
        "changes": {"old": 90000, "new": 100000},
        "comment": "An attempt would be made to set the cluster.op-version for rep3 to 100000.",
    }
    assert minion.writes() == {}


def test_op_version_raises_the_version_and_reports_glusters_message(minion):
    minion.fake("glusterfs.get_op_version", return_value=OLD_OP_VERSION)
    ret = STATES.op_version("rep3", "100000")
    assert ret == {
        "name": "rep3",
        "result": True,
        "changes": {"old": 90000, "new": 100000},
        "comment": "cluster.op-version set from 90000 to 100000",
    }
    assert minion.writes() == {"glusterfs.set_op_version": [call(100000)]}


@pytest.mark.parametrize("version", ["ten", "", None, "100000.5", [100000]])
def test_op_version_refuses_a_version_that_is_no_number_before_asking_gluster(minion, version):
    read = minion.fake("glusterfs.get_op_version", return_value=OP_VERSION)
    ret = STATES.op_version("rep3", version)
    assert ret == {
        "name": "rep3",
        "result": False,
        "changes": {},
        "comment": f"op-version must be a number, got {version!r}",
    }
    assert not read.called and minion.order == []


@pytest.mark.parametrize(
    "refused",
    [
        gluster_error("op_version_set_same.xml", "volume", "set", "all", "cluster.op-version", "100000"),
        gluster_error("lock_error.xml", "volume", "set", "all", "cluster.op-version", "100000"),
    ],
)
def test_op_version_set_refused_by_gluster_fails_with_its_message(minion, refused):
    minion.fake("glusterfs.get_op_version", return_value=OLD_OP_VERSION)
    minion.fake("glusterfs.set_op_version", side_effect=refused)
    ret = STATES.op_version("rep3", 100000)
    assert ret == {
        "name": "rep3",
        "result": False,
        "changes": {},
        "comment": f"op-version via volume rep3: {refused}",
    }
    assert refused.info["opErrstr"] in ret["comment"]


def test_op_version_read_failing_fails_with_the_message(minion):
    down = no_glusterd("volume", "get", "rep3", "cluster.op-version")
    minion.fake("glusterfs.get_op_version", side_effect=down)
    ret = STATES.op_version("rep3", 100000)
    assert ret == {
        "name": "rep3",
        "result": False,
        "changes": {},
        "comment": f"op-version via volume rep3: {down}",
    }
    assert minion.writes() == {}


def test_op_version_reads_through_the_real_modules_and_sets_nothing_when_equal(minion, gluster):
    minion.real("glusterfs.get_op_version")
    ret = STATES.op_version("rep3", 100000)
    assert ret["result"] is True
    assert ret["comment"] == "Glusterfs cluster.op-version for rep3 already set to 100000"
    assert gluster.commands == [(("volume", "get", "rep3", "cluster.op-version"), True)]


@pytest.mark.parametrize("state", ["op_version", "max_op_version"])
def test_op_version_states_refuse_a_bad_volume_name_before_asking_gluster(minion, gluster, state):
    minion.real("glusterfs.get_op_version")
    maximum = minion.fake("glusterfs.get_max_op_version", return_value=MAX_OP_VERSION)
    args = ("rep3;reboot", 100000) if state == "op_version" else ("rep3;reboot",)
    ret = getattr(STATES, state)(*args)
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"].startswith(
        "op-version via volume rep3;reboot: read_xml: volume name 'rep3;reboot' is not allowed"
    ), ret["comment"]
    assert gluster.commands == [] and not maximum.called and minion.writes() == {}


# ---- max_op_version ----------------------------------------------------------------------------


@pytest.mark.parametrize("test", [False, True])
def test_max_op_version_at_the_maximum_needs_nothing(minion, test):
    if test:
        minion.test_mode()
    read = minion.fake("glusterfs.get_op_version", return_value=OP_VERSION)
    maximum = minion.fake("glusterfs.get_max_op_version", return_value=MAX_OP_VERSION)
    ret = STATES.max_op_version("rep3")
    assert ret == {
        "name": "rep3",
        "result": True,
        "changes": {},
        "comment": "Glusterfs cluster.op-version for rep3 already set to 100000 (the cluster.max-op-version)",
    }
    assert read.call_args_list == [call("rep3")] and maximum.call_args_list == [call()]
    assert minion.writes() == {}


def test_max_op_version_test_mode_predicts_the_raise_and_sets_nothing(minion):
    minion.test_mode()
    minion.fake("glusterfs.get_op_version", return_value=OLD_OP_VERSION)
    minion.fake("glusterfs.get_max_op_version", return_value=MAX_OP_VERSION)
    ret = STATES.max_op_version("rep3")
    assert ret == {
        "name": "rep3",
        "result": None,
        "changes": {"old": 90000, "new": 100000},
        "comment": "An attempt would be made to set the cluster.op-version for rep3 to 100000.",
    }
    assert minion.writes() == {}


def test_max_op_version_raises_the_version_to_the_maximum(minion):
    minion.fake("glusterfs.get_op_version", return_value=OLD_OP_VERSION)
    minion.fake("glusterfs.get_max_op_version", return_value="95000")
    minion.fake("glusterfs.set_op_version", return_value="cluster.op-version set from 90000 to 95000")
    ret = STATES.max_op_version("rep3")
    assert ret == {
        "name": "rep3",
        "result": True,
        "changes": {"old": 90000, "new": 95000},
        "comment": "cluster.op-version set from 90000 to 95000",
    }
    assert minion.writes() == {"glusterfs.set_op_version": [call(95000)]}


def test_max_op_version_reads_through_the_real_modules(minion, gluster):
    minion.real("glusterfs.get_op_version")
    minion.real("glusterfs.get_max_op_version")
    ret = STATES.max_op_version("rep3")
    assert ret["result"] is True and ret["changes"] == {}
    assert gluster.reads() == [
        ("volume", "get", "rep3", "cluster.op-version"),
        ("volume", "get", "all", "cluster.max-op-version"),
    ]
    assert gluster.writes() == []


def test_max_op_version_read_failing_fails_with_the_message_and_sets_nothing(minion):
    down = no_glusterd("volume", "get", "all", "cluster.max-op-version")
    minion.fake("glusterfs.get_op_version", return_value=OLD_OP_VERSION)
    minion.fake("glusterfs.get_max_op_version", side_effect=down)
    ret = STATES.max_op_version("rep3")
    assert ret == {
        "name": "rep3",
        "result": False,
        "changes": {},
        "comment": f"op-version via volume rep3: {down}",
    }
    assert minion.writes() == {}


def test_max_op_version_set_refused_by_gluster_fails_with_its_message(minion):
    locked = gluster_error("lock_error.xml", "volume", "set", "all", "cluster.op-version", "100000")
    minion.fake("glusterfs.get_op_version", return_value=OLD_OP_VERSION)
    minion.fake("glusterfs.get_max_op_version", return_value=MAX_OP_VERSION)
    minion.fake("glusterfs.set_op_version", side_effect=locked)
    ret = STATES.max_op_version("rep3")
    assert ret == {
        "name": "rep3",
        "result": False,
        "changes": {},
        "comment": f"op-version via volume rep3: {locked}",
    }
    assert "Another transaction is in progress" in ret["comment"]


# ---- a failure after the change ----------------------------------------------------------------

CHANGE_LOST = (
    "a gluster failure after the change was made (the read that reports it) returns changes {}: "
    "_fail() empties the changes, so Salt never learns of the probe / volume / bricks"
)


def test_peered_failure_after_the_probe_still_reports_the_probe(minion):
    down = no_glusterd("pool", "list")
    minion.fake("gluster.is_this_node", return_value=False)
    minion.fake("gluster.peer_find", side_effect=[None, down])
    minion.fake("glusterfs.peer_status", return_value=PEERS_BEFORE)
    ret = STATES.peered("127.1.1.3")
    assert minion.writes() == {"glusterfs.peer": [call("127.1.1.3")]}
    assert ret["result"] is False and ret["comment"] == f"peer 127.1.1.3: {down}"
    assert ret["changes"] != {}


def test_volume_present_failure_after_the_create_still_reports_the_volume(minion):
    down = no_glusterd("volume", "list")
    minion.fake("gluster.volume_layout_differences", return_value=None)
    minion.fake("glusterfs.list_volumes", side_effect=[DIST_BEFORE, down])
    ret = STATES.volume_present("dist", DIST_BRICKS)
    assert minion.writes() == {
        "glusterfs.create_volume": [
            call("dist", DIST_BRICKS, False, False, False, "tcp", False, False, False)
        ]
    }
    assert ret["result"] is False and ret["comment"] == f"volume dist: {down}"
    assert ret["changes"] != {}


def test_add_volume_bricks_failure_after_the_add_still_reports_the_bricks(minion):
    down = no_glusterd("volume", "info", "rep3")
    volumes(minion, STARTED)
    minion.fake("glusterfs.info", side_effect=[STARTED, down])
    ret = STATES.add_volume_bricks("rep3", NEW_BRICKS)
    assert minion.writes() == {"glusterfs.add_volume_bricks": [call("rep3", NEW_BRICKS, force=False)]}
    assert ret["result"] is False and ret["comment"] == f"volume rep3: {down}"
    assert ret["changes"] != {}
