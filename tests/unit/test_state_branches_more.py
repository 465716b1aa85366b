"""The branches of the states ``gluster.volume_present``, ``volume_options``,
``geo_replication``, ``georep_keys``, ``georep_authorized_keys``,
``gluster_storage.backend_present``, ``brick_directory`` and ``gluster_firewall.ports_open``,
each against fakes of the execution functions it calls.

Every fake is ``create_autospec`` of the real execution function (a call with arguments the real
one does not take fails the test) and answers in the shape the real one returns: parsed from
gluster's captured XML in ``tests/data`` where there is a capture, gluster's errors built by
``gluster_cli.check_xml`` from the captured (or, where none was captured, a written) error
answer, firewalld / ufw output from ``tests/data/firewall``. Each fake records its calls, in
order, in one log, so that a test can say exactly which writes ran (none in ``test=True``, none
for a refusal) and with which arguments. The planners (``_utils``) are not faked: the states
get their plans from the execution functions faked here, and the firewall state runs the real
planner over the fake tools' output.
"""

import base64
import copy
import hashlib
import re
from pathlib import Path
from unittest.mock import create_autospec

import pytest
import salt.modules.cmdmod
import salt.modules.event
import salt.modules.mine
import salt.modules.ssh
from salt.exceptions import CommandExecutionError
from salt.exceptions import SaltInvocationError
from saltext_gluster_utils import gluster_cli
from saltext_gluster_utils import gluster_xml as gx

from conftest import FakeClock
from conftest import load_loader_module

DATA = Path(__file__).resolve().parent.parent / "data"

GLUSTER = load_loader_module("gluster_state_branches_more_exec", "gluster.py")
STORAGE = load_loader_module("gluster_state_branches_more_storage_exec", "gluster_storage.py")
STATES = load_loader_module("gluster_state_branches_more_states", "gluster.py", folder="_states")
STORAGE_STATES = load_loader_module(
    "gluster_state_branches_more_storage_states", "gluster_storage.py", folder="_states"
)
FIREWALL_STATES = load_loader_module(
    "gluster_state_branches_more_firewall_states", "gluster_firewall.py", folder="_states"
)


def read(name):
    return (DATA / name).read_text(encoding="utf-8")


# ---- fakes -------------------------------------------------------------------------------

SALT_SPECS = {
    "event.send": salt.modules.event.send,
    "mine.send": salt.modules.mine.send,
    "mine.get": salt.modules.mine.get,
    "ssh.check_key": salt.modules.ssh.check_key,
    "ssh.set_auth_key": salt.modules.ssh.set_auth_key,
    "cmd.run_all": salt.modules.cmdmod.run_all,
}

# what changes something (or, for peer_wait, waits): none of it may run in test=True or for a
# refusal; the ``status`` actions of remove-brick and rebalance are reads. Events are looked at
# on their own (``Salt.events``).
WRITES = {
    "gluster.peer_wait", "gluster.volume_create", "gluster.volume_add_brick", "gluster.volume_remove_brick",
    "gluster.volume_replace_brick", "gluster.volume_rebalance", "gluster.volume_heal", "gluster.volume_set",
    "gluster.volume_reset", "gluster.volume_start", "gluster.volume_stop", "gluster.georep_create",
    "gluster.georep_config_set", "gluster.georep_start", "gluster.georep_stop", "gluster.georep_pause",
    "gluster.georep_resume", "gluster.georep_delete", "gluster.georep_secret_create",
    "gluster_storage.backend_apply", "gluster_storage.clear_stale_brick_marks", "mine.send",
    "ssh.set_auth_key",
}  # fmt: skip


class Seq(list):
    """Answers given in turn, one per call."""


def spec_of(salt_name):
    if salt_name in SALT_SPECS:
        return SALT_SPECS[salt_name]
    module, _sep, function = salt_name.partition(".")
    return getattr({"gluster": GLUSTER, "gluster_storage": STORAGE}[module], function)


class Salt(dict):
    """``__salt__`` of autospec'd fakes; ``log`` holds every call, in order, as
    ``(salt name, args, kwargs)`` (copied when made)."""

    def __init__(self, answers):
        super().__init__()
        self.log = []
        for name, answer in answers.items():
            self[name] = create_autospec(spec_of(name), side_effect=self._answering(name, answer))

    def _answering(self, name, answer):
        pending = list(answer) if isinstance(answer, Seq) else None

        def side_effect(*args, **kwargs):
            self.log.append((name, copy.deepcopy(args), copy.deepcopy(kwargs)))
            value = pending.pop(0) if pending is not None else answer
            if isinstance(value, BaseException):
                raise value
            if callable(value):
                return value(*args, **kwargs)
            return copy.deepcopy(value)

        return side_effect

    def calls(self, name):
        return [(args, kwargs) for called, args, kwargs in self.log if called == name]

    def writes(self):
        return [
            (name, args, kwargs) for name, args, kwargs in self.log if name in WRITES and "status" not in args
        ]

    def events(self):
        return [(args[0], args[1]) for args, _kwargs in self.calls("event.send")]


def install(monkeypatch, module, answers, test=False):
    salt = Salt(answers)
    monkeypatch.setattr(module, "__salt__", salt, raising=False)
    monkeypatch.setattr(module, "__opts__", {"test": test, "id": "gfs1"}, raising=False)
    monkeypatch.setattr(module, "__context__", {}, raising=False)
    return salt


def gluster_failure(args, errstr, errno=30800):
    """The error the execution module raises when gluster answers ``args`` with ``errstr``."""
    answer = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cliOutput>\n  <opRet>-1</opRet>\n'
        f"  <opErrno>{errno}</opErrno>\n  <opErrstr>{errstr}</opErrstr>\n</cliOutput>\n"
    )
    return captured_failure(answer, args)


def captured_failure(answer, args):
    with pytest.raises(CommandExecutionError) as caught:
        gluster_cli.check_xml(answer, list(args), {})
    return caught.value


def refusal_of(function, *args, **kwargs):
    """The SaltInvocationError the real execution function raises for these arguments (it
    checks them before any gluster call or device read)."""
    with pytest.raises(SaltInvocationError) as caught:
        function(*args, **kwargs)
    return caught.value


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """The gluster state module's clock: sleeping moves it on, nothing waits. The sleeps."""
    fake = FakeClock()
    monkeypatch.setattr(STATES, "time", fake.time_module())
    return fake.sleeps


# ---- gluster answers (parsed from captured XML) -------------------------------------------

REP3 = gx.parse_volume_info(read("volume_info_started.xml"))["rep3"]
OLD = [brick["name"] for brick in REP3["bricks"]]
NEW = [f"127.1.1.{n}:/tmp/gcap-z4obgcmw/node{n}/bricks/rep{n + 2}" for n in (1, 2, 3)]
CREATED = gx.parse_volume_created(read("volume_create_replica.xml"))
REBALANCE_TASK = gx.parse_task_id(read("rebalance_start.xml"))
REMOVE_TASK = gx.parse_task_id(read("remove_brick_start.xml"))
REBALANCE_RUNNING = gx.parse_migration_status(read("rebalance_status_started.xml"))
REBALANCE_DONE = gx.parse_migration_status(read("rebalance_status_completed.xml"))
REMOVAL_RUNNING = gx.parse_migration_status(read("remove_brick_status_started.xml"))
REMOVAL_DONE = gx.parse_migration_status(read("remove_brick_status_completed.xml"))
REMOVAL_FAILURES = gx.parse_migration_status(read("remove_brick_status_failures.xml"))
HEALED = gx.summarize_heal(gx.parse_heal_info(read("heal_summary_healthy.xml")))
NOT_HEALED = gx.summarize_heal(gx.parse_heal_info(read("heal_summary_rep3_brick_down.xml")))
HEAL_LAUNCHED = (
    "Launching heal operation to perform index self heal on volume rep3 has been successful \n"
    "Use heal info commands to check status."
)


def stopped(volume):
    return {**copy.deepcopy(volume), "status": "Stopped", "started": False}


def rebalance_answers(*statuses):
    """``gluster.volume_rebalance``: a task id for start / fix-layout, ``statuses`` in turn."""
    pending = list(statuses)

    def volume_rebalance(name, action="start", force=False):
        if action in ("start", "fix-layout"):
            return {"name": name, "task_id": REBALANCE_TASK}
        return copy.deepcopy(pending.pop(0) if len(pending) > 1 else pending[0])

    return volume_rebalance


def removal_answers(*statuses):
    """``gluster.volume_remove_brick`` as the module answers each action; ``status``: ``statuses``
    in turn (the last one from then on)."""
    pending = list(statuses)

    def volume_remove_brick(name, bricks, action="start", replica=None, ignore_health=False):
        if action == "start":
            return {"name": name, "task_id": REMOVE_TASK}
        if action in ("commit", "force"):
            return {"name": name, "removed": list(bricks)}
        status = pending.pop(0) if len(pending) > 1 else pending[0]
        return copy.deepcopy(status if action == "status" else {**status, "running": False, "stopped": True})

    return volume_remove_brick


def gluster_answers(**overrides):
    """Every gluster function the volume states call, answering as for the started volume rep3."""
    answers = {
        "gluster.volume_exists": True,
        "gluster.volume_info": REP3,
        "gluster.volume_layout_differences": [],
        "gluster.volume_reshape_plan": {"operations": [], "problems": []},
        "gluster.reshape_refusals": [],
        "gluster.volume_tasks": [],
        "gluster.peer_wait": lambda hosts, timeout=120: {host: "uuid-of-" + host for host in hosts},
        "gluster.volume_create": CREATED | {"started": False},
        "gluster.volume_add_brick": lambda name, bricks, **kwargs: {"name": name, "added": bricks},
        "gluster.volume_remove_brick": removal_answers(REMOVAL_DONE),
        "gluster.volume_replace_brick": lambda name, old, new, **kw: {"name": name, "old": old, "new": new},
        "gluster.volume_rebalance": rebalance_answers(REBALANCE_DONE),
        "gluster.volume_heal": HEAL_LAUNCHED,
        "gluster.heal_summary": HEALED,
        "gluster.migration_failures": [],
        "gluster.volume_options_plan": {"set": {}, "reset": [], "current": {}, "profiles": {}, "restart": []},
        "gluster.volume_set": lambda name, options=None, **kwargs: {"name": name, "set": options},
        "gluster.volume_reset": lambda name, option=None, force=False: {"name": name, "reset": option},
        "gluster.volume_start": lambda name, force=False: {"name": name, "started": True},
        "gluster.volume_stop": lambda name, force=False: {"name": name, "stopped": True},
        "gluster_storage.clear_stale_brick_marks": {},
        "event.send": True,
    }  # fmt: skip
    answers.update({name.replace("__", "."): answer for name, answer in overrides.items()})
    return answers


def gluster(monkeypatch, test=False, **overrides):
    """``__salt__`` of the gluster state module; override an answer as ``gluster__volume_info=``."""
    return install(monkeypatch, STATES, gluster_answers(**overrides), test=test)


# ---- gluster.volume_present: creation ------------------------------------------------------

LAYOUT_CALL = (("rep3", OLD, 3, None, None, None, "tcp"), {})


def test_volume_present_with_the_layout_already_right_changes_nothing(monkeypatch):
    salt = gluster(monkeypatch)
    ret = STATES.volume_present("rep3", OLD, replica=3, wait_for_peers=["127.1.1.2", "127.1.1.3"])
    assert ret == {
        "name": "rep3",
        "result": True,
        "changes": {},
        "comment": "volume rep3 is present with the wanted layout",
    }
    assert salt.log == [("gluster.volume_layout_differences", *LAYOUT_CALL)]


@pytest.mark.parametrize(
    "counts, summary",
    [
        ({"replica": 3}, {"replica": 3}),
        ({"replica": "3", "arbiter": 1}, {"replica": 3, "arbiter": 1}),
        ({"disperse": 3, "redundancy": 1}, {"disperse": 3, "redundancy": 1}),
    ],
)
def test_volume_present_predicts_the_creation_in_test_mode_writing_nothing(monkeypatch, counts, summary):
    salt = gluster(monkeypatch, test=True, gluster__volume_layout_differences=None)
    ret = STATES.volume_present("rep3", OLD, wait_for_peers=["127.1.1.2", "127.1.1.3"], **counts)
    assert ret["result"] is None
    assert ret["changes"] == {"created": {"bricks": OLD, "transport": "tcp", **summary}}
    assert ret["comment"] == "would create volume rep3 (3 bricks)"
    assert salt.writes() == [] and salt.events() == []


def test_volume_present_creates_the_volume_once_the_other_brick_hosts_are_peers(monkeypatch):
    salt = gluster(monkeypatch, gluster__volume_layout_differences=None)
    ret = STATES.volume_present("rep3", OLD, replica=3, wait_for_peers=["127.1.1.2", "127.1.1.3"], force=True)
    assert ret["result"] is True, ret
    assert ret["changes"] == {"created": {"bricks": OLD, "transport": "tcp", "replica": 3}}
    assert ret["comment"] == f"created volume rep3 (id {CREATED['id']})"
    assert salt.writes() == [
        ("gluster.peer_wait", (["127.1.1.2", "127.1.1.3"],), {"timeout": 120}),
        (
            "gluster.volume_create",
            ("rep3", OLD),
            {"replica": 3, "arbiter": None, "disperse": None, "redundancy": None, "transport": "tcp",
             "force": True},
        ),
    ]  # fmt: skip
    assert salt.events() == [
        (
            "gluster/volume/created",
            {"volume": "rep3", "volume_id": CREATED["id"], "bricks": OLD, "minion": "gfs1"},
        )
    ]


def test_volume_present_predicts_the_creation_while_a_brick_filesystem_is_still_to_be_mounted(
    monkeypatch, tmp_path
):
    salt = gluster(monkeypatch, test=True, gluster__volume_layout_differences=None)
    ret = STATES.volume_present("rep3", OLD, replica=3, brick_mounts={OLD[0]: str(tmp_path)})
    assert ret["result"] is None and ret["changes"] == {
        "created": {"bricks": OLD, "transport": "tcp", "replica": 3}
    }, ret
    assert salt.writes() == []


@pytest.mark.parametrize(
    "differences, verb", [(None, "create"), (["replica count is 2, the pillar says 3"], "reshape")]
)
def test_volume_present_refuses_a_brick_whose_filesystem_is_not_mounted(
    monkeypatch, tmp_path, differences, verb
):
    salt = gluster(monkeypatch, gluster__volume_layout_differences=differences)
    mounts = {OLD[0]: str(tmp_path), OLD[1]: "/"}  # "/" is always a mount point
    ret = STATES.volume_present("rep3", OLD, replica=3, brick_mounts=mounts)
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == (
        f"volume rep3: refusing to {verb} it: brick {OLD[0]} needs its filesystem {tmp_path} mounted"
    )
    assert [name for name, *_rest in salt.log] == ["gluster.volume_layout_differences"]


def test_volume_present_refuses_bad_bricks_before_gluster_is_asked(monkeypatch):
    bricks = ["127.1.1.1:data/b", "127.1.1.2:/data/b"]
    refused = refusal_of(GLUSTER.volume_layout_differences, "rep3", bricks, 3)
    salt = gluster(monkeypatch, gluster__volume_layout_differences=refused)
    ret = STATES.volume_present("rep3", bricks, replica=3)
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"].startswith("volume rep3: volume_layout_differences: volume rep3 brick 1")
    assert "must be an absolute path" in ret["comment"] and "replica sets of 3" in ret["comment"]
    assert salt.writes() == []


def test_volume_present_creation_refused_by_gluster_fails_with_its_message_and_no_change(monkeypatch):
    error = gluster_failure(
        ["volume", "create", "rep3", "replica", "3", *OLD], "Host 127.1.1.3 is not in 'Peer in Cluster' state"
    )
    salt = gluster(monkeypatch, gluster__volume_layout_differences=None, gluster__volume_create=error)
    ret = STATES.volume_present("rep3", OLD, replica=3)
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"].startswith("volume rep3: gluster volume create rep3 replica 3")
    assert "Host 127.1.1.3 is not in 'Peer in Cluster' state (errno 30800)" in ret["comment"]
    assert len(salt.calls("gluster.volume_create")) == 1, "not a failure to ask again"
    assert salt.events() == []


def test_volume_present_creates_nothing_while_the_peers_are_not_ready(monkeypatch):
    waiting = CommandExecutionError("peers not ready after 120s: 127.1.1.3 (not in the pool)")
    salt = gluster(monkeypatch, gluster__volume_layout_differences=None, gluster__peer_wait=waiting)
    ret = STATES.volume_present("rep3", OLD, replica=3, wait_for_peers=["127.1.1.2", "127.1.1.3"])
    assert ret == {
        "name": "rep3",
        "result": False,
        "changes": {},
        "comment": "volume rep3: peers not ready after 120s: 127.1.1.3 (not in the pool)",
    }
    assert [name for name, *_rest in salt.writes()] == ["gluster.peer_wait"]


def test_volume_present_clears_the_marks_of_its_own_failed_create_and_creates_again(monkeypatch, clock):
    stale = gluster_failure(
        ["volume", "create", "rep3", "replica", "3", *OLD],
        f"Staging failed on 127.1.1.2. Error: {REP3['bricks'][1]['path']} is already part of a volume",
    )
    salt = gluster(
        monkeypatch,
        gluster__volume_layout_differences=None,
        gluster__volume_create=Seq([stale, CREATED | {"started": False}]),
        gluster_storage__clear_stale_brick_marks={REP3["bricks"][0]["path"]: CREATED["id"]},
    )
    ret = STATES.volume_present("rep3", OLD, replica=3)
    assert ret["result"] is True and ret["comment"] == f"created volume rep3 (id {CREATED['id']})", ret
    assert salt.calls("gluster_storage.clear_stale_brick_marks") == [
        (([brick["path"] for brick in REP3["bricks"]],), {"min_age": 0})
    ]
    assert len(salt.calls("gluster.volume_create")) == 2 and clock == [1.0]


# ---- gluster.volume_present: reshaping ----------------------------------------------------

GROWN = OLD + NEW
GROW = {"op": "add-brick", "bricks": NEW}
PLAN_CALL = (("rep3", GROWN), {"allow_shrink": False, "replica": 3, "arbiter": None, "disperse": None,
                               "redundancy": None})  # fmt: skip


def grow(monkeypatch, test=False, **overrides):
    overrides.setdefault(
        "gluster__volume_layout_differences",
        [f"bricks in the pillar but not in the volume: {', '.join(NEW)}"],
    )
    overrides.setdefault("gluster__volume_reshape_plan", {"operations": [GROW], "problems": []})
    return gluster(monkeypatch, test=test, **overrides)


def test_volume_present_predicts_new_bricks_and_their_rebalance_in_test_mode(monkeypatch):
    salt = grow(monkeypatch, test=True)
    ret = STATES.volume_present("rep3", GROWN, replica=3)
    assert ret["result"] is None
    assert ret["changes"] == {"operations": [GROW, {"op": "rebalance", "mode": "full"}]}
    assert ret["comment"] == f"would reshape volume rep3: add {', '.join(NEW)}; rebalance (full)"
    assert salt.calls("gluster.volume_reshape_plan") == [PLAN_CALL]
    assert salt.calls("gluster.reshape_refusals") == [(("rep3", [GROW]), {"allow_replace": False})]
    assert salt.writes() == [] and salt.events() == []


def test_volume_present_adds_the_bricks_then_starts_the_rebalance(monkeypatch):
    salt = grow(monkeypatch)
    ret = STATES.volume_present("rep3", GROWN, replica=3)
    assert ret["result"] is True, ret
    assert ret["changes"] == {"operations": [GROW, {"op": "rebalance", "mode": "full"}]}
    assert ret["comment"] == (
        f"reshaped volume rep3: added 3 brick(s); rebalance (full) started (task {REBALANCE_TASK})"
    )
    assert salt.writes() == [
        ("gluster.peer_wait", (["127.1.1.1", "127.1.1.2", "127.1.1.3"],), {"timeout": 120}),
        ("gluster.volume_add_brick", ("rep3", NEW), {"replica": None, "arbiter": None, "force": False}),
        ("gluster.volume_rebalance", ("rep3", "start"), {}),
    ]
    assert [tag for tag, _data in salt.events()] == [
        "gluster/volume/bricks_added",
        "gluster/volume/rebalance_started",
    ]


def test_volume_present_waits_for_a_fix_layout_rebalance_given_a_timeout(monkeypatch, clock):
    salt = grow(monkeypatch, gluster__volume_rebalance=rebalance_answers(REBALANCE_RUNNING, REBALANCE_DONE))
    ret = STATES.volume_present("rep3", GROWN, replica=3, rebalance="fix-layout", rebalance_timeout=600)
    assert ret["result"] is True, ret
    assert ret["changes"] == {"operations": [GROW, {"op": "rebalance", "mode": "fix-layout"}]}
    assert ret["comment"] == (
        "reshaped volume rep3: added 3 brick(s); "
        "rebalance (fix-layout) completed: 21 file(s) moved, 0 failure(s), 0 skipped"
    )
    assert salt.calls("gluster.volume_rebalance") == [
        (("rep3", "fix-layout"), {}),
        (("rep3", "status"), {}),
        (("rep3", "status"), {}),
    ]
    assert clock == [0.5]
    tag, data = salt.events()[-1]
    assert tag == "gluster/volume/rebalance_finished" and data["mode"] == "fix-layout"


def test_volume_present_asks_again_for_a_rebalance_status_not_available_yet(monkeypatch, clock):
    not_yet = gluster_failure(
        ["volume", "rebalance", "rep3", "status"],
        "Commit failed on localhost. Please check log file for details.",
    )
    statuses = [not_yet, REBALANCE_DONE]

    def volume_rebalance(name, action="start", force=False):
        if action == "start":
            return {"name": name, "task_id": REBALANCE_TASK}
        answer = statuses.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return copy.deepcopy(answer)

    salt = grow(monkeypatch, gluster__volume_rebalance=volume_rebalance)
    ret = STATES.volume_present("rep3", GROWN, replica=3, rebalance_timeout=60)
    assert ret["result"] is True, ret
    assert ret["comment"].endswith("rebalance (full) completed: 21 file(s) moved, 0 failure(s), 0 skipped")
    assert [args[1] for args, _kwargs in salt.calls("gluster.volume_rebalance")] == [
        "start",
        "status",
        "status",
    ]
    assert clock == [0.5]


@pytest.mark.parametrize(
    "rebalance, volume", [("none", REP3), ("full", stopped(REP3))], ids=["rebalance none", "volume stopped"]
)
def test_volume_present_adds_bricks_without_a_rebalance_when_off_or_stopped(monkeypatch, rebalance, volume):
    salt = grow(monkeypatch, gluster__volume_info=volume)
    ret = STATES.volume_present("rep3", GROWN, replica=3, rebalance=rebalance)
    assert ret["result"] is True and ret["changes"] == {"operations": [GROW]}, ret
    assert ret["comment"] == "reshaped volume rep3: added 3 brick(s)"
    assert [name for name, *_rest in salt.writes()] == ["gluster.peer_wait", "gluster.volume_add_brick"]


REPLACED = OLD[:2] + ["127.1.1.4:/tmp/gcap-z4obgcmw/node4/bricks/rep2"]
REPLACE = {"op": "replace-brick", "old": OLD[2], "new": REPLACED[2]}


def replace(monkeypatch, test=False, **overrides):
    overrides.setdefault(
        "gluster__volume_layout_differences",
        [f"bricks in the pillar but not in the volume: {REPLACED[2]}",
         f"bricks in the volume but not in the pillar: {OLD[2]}"],
    )  # fmt: skip
    overrides.setdefault("gluster__volume_reshape_plan", {"operations": [REPLACE], "problems": []})
    return gluster(monkeypatch, test=test, **overrides)


def test_volume_present_predicts_a_replacement_and_its_heal_in_test_mode(monkeypatch):
    salt = replace(monkeypatch, test=True)
    ret = STATES.volume_present("rep3", REPLACED, replica=3, allow_replace=True)
    assert ret["result"] is None and ret["changes"] == {"operations": [REPLACE, {"op": "heal"}]}, ret
    assert ret["comment"] == f"would reshape volume rep3: replace {OLD[2]} by {REPLACED[2]}; heal"
    assert salt.calls("gluster.reshape_refusals") == [(("rep3", [REPLACE]), {"allow_replace": True})]
    assert salt.writes() == []


def test_volume_present_replaces_a_brick_then_triggers_the_heal(monkeypatch):
    salt = replace(monkeypatch)
    ret = STATES.volume_present("rep3", REPLACED, replica=3, allow_replace=True)
    assert ret["result"] is True, ret
    assert ret["changes"] == {"operations": [REPLACE, {"op": "heal"}]}
    assert ret["comment"] == f"reshaped volume rep3: replaced {OLD[2]} by {REPLACED[2]}; heal triggered"
    assert salt.writes() == [
        ("gluster.peer_wait", (["127.1.1.4"],), {"timeout": 120}),
        ("gluster.volume_replace_brick", ("rep3", OLD[2], REPLACED[2]), {"allow_replace": True}),
        ("gluster.volume_heal", ("rep3",), {}),
    ]
    assert salt.events() == [
        (
            "gluster/volume/brick_replaced",
            {"volume": "rep3", "bricks": [OLD[2], REPLACED[2]],
             "result": f"replaced {OLD[2]} by {REPLACED[2]}", "minion": "gfs1"},
        ),
        ("gluster/volume/heal",
         {"volume": "rep3", "bricks": [], "result": "heal triggered", "minion": "gfs1"}),
    ]  # fmt: skip


def test_volume_present_waits_for_the_heal_given_a_timeout(monkeypatch):
    salt = replace(monkeypatch, gluster__heal_summary=Seq([NOT_HEALED, HEALED]))
    ret = STATES.volume_present("rep3", REPLACED, replica=3, allow_replace=True, heal_timeout=300)
    assert ret["result"] is True, ret
    assert ret["comment"] == f"reshaped volume rep3: replaced {OLD[2]} by {REPLACED[2]}; healed"
    assert len(salt.calls("gluster.heal_summary")) == 2


def test_volume_present_heal_trigger_refused_is_not_a_failure(monkeypatch):
    refused = gluster_failure(
        ["volume", "heal", "rep3"],
        "Launching heal operation to perform index self heal on volume rep3 has been unsuccessful: "
        "Glusterd Syncop Mgmt brick op 'Heal' failed. Please check glustershd log file for details.",
    )
    salt = replace(monkeypatch, gluster__volume_heal=refused)
    ret = STATES.volume_present("rep3", REPLACED, replica=3, allow_replace=True)
    assert ret["result"] is True and ret["changes"] == {"operations": [REPLACE, {"op": "heal"}]}, ret
    assert ret["comment"].endswith("; heal triggered")
    assert len(salt.calls("gluster.volume_heal")) == 1


def test_volume_present_triggers_the_heal_again_while_waiting_long_for_it(monkeypatch, clock):
    salt = replace(monkeypatch, gluster__heal_summary=Seq([NOT_HEALED] * 9 + [HEALED]))
    ret = STATES.volume_present("rep3", REPLACED, replica=3, allow_replace=True, heal_timeout=300)
    assert ret["result"] is True and ret["comment"].endswith("; healed"), ret
    assert clock == [1.0, 2.0, 4.0, 5.0, 5.0, 5.0, 5.0, 5.0, 5.0]
    # triggered after the replacement, and once more when 30 s had passed without the heal done
    assert len(salt.calls("gluster.volume_heal")) == 2


def test_volume_present_reports_the_replacement_done_when_the_heal_does_not_finish(monkeypatch):
    salt = replace(monkeypatch, gluster__heal_summary=NOT_HEALED)
    ret = STATES.volume_present("rep3", REPLACED, replica=3, allow_replace=True, heal_timeout=5)
    assert ret["result"] is False
    assert ret["changes"] == {"operations": [REPLACE]}, "the replacement was made"
    assert ret["comment"] == (
        f"volume rep3: replaced {OLD[2]} by {REPLACED[2]}; then self-heal not finished after 5s: "
        f"42 entries pending, 0 in split-brain, bricks not answering: {NOT_HEALED['unreachable'][0]}"
    )
    assert [tag for tag, _data in salt.events()] == ["gluster/volume/brick_replaced"]


def test_volume_present_raises_the_replica_count_with_an_arbiter_and_heals(monkeypatch):
    arbiter = "127.1.1.4:/tmp/gcap-z4obgcmw/node4/bricks/arbiter"
    raise_replica = {"op": "add-brick", "bricks": [arbiter], "replica": 3, "arbiter": 1}
    two = {**REP3, "replica_count": 2, "bricks": REP3["bricks"][:2]}
    salt = gluster(
        monkeypatch,
        gluster__volume_info=two,
        gluster__volume_layout_differences=["replica count is 2, the pillar says 3"],
        gluster__volume_reshape_plan={"operations": [raise_replica], "problems": []},
    )
    ret = STATES.volume_present("rep3", OLD[:2] + [arbiter], replica=3, arbiter=1, force=True)
    assert ret["result"] is True, ret
    assert ret["changes"] == {"operations": [raise_replica, {"op": "heal"}]}, "no rebalance: no new set"
    assert salt.writes() == [
        ("gluster.peer_wait", (["127.1.1.4"],), {"timeout": 120}),
        ("gluster.volume_add_brick", ("rep3", [arbiter]), {"replica": 3, "arbiter": 1, "force": True}),
        ("gluster.volume_heal", ("rep3",), {}),
    ]


def test_volume_present_lowers_the_replica_count_by_dropping_a_brick(monkeypatch):
    lower = {"op": "remove-brick", "bricks": [OLD[2]], "replica": 2, "migrate": False}
    salt = gluster(
        monkeypatch,
        gluster__volume_layout_differences=["replica count is 3, the pillar says 2"],
        gluster__volume_reshape_plan={"operations": [lower], "problems": []},
    )
    ret = STATES.volume_present("rep3", OLD[:2], replica=2, allow_shrink=True)
    assert ret["result"] is True and ret["changes"] == {"operations": [lower]}, ret
    assert ret["comment"] == f"reshaped volume rep3: removed {OLD[2]}, replica now 2"
    assert salt.calls("gluster.volume_reshape_plan")[0][1]["allow_shrink"] is True
    assert salt.writes() == [("gluster.volume_remove_brick", ("rep3", [OLD[2]], "force"), {"replica": 2})]
    assert salt.events()[0][0] == "gluster/volume/bricks_removed"


SHRINK = {"op": "remove-brick", "bricks": NEW, "migrate": True}
SIX = {**REP3, "brick_count": 6, "distribute_count": 2,
       "bricks": REP3["bricks"] + [{**b, "name": n, "path": n.partition(":")[2]}
                                   for b, n in zip(REP3["bricks"], NEW, strict=True)]}  # fmt: skip


def shrink(monkeypatch, test=False, **overrides):
    overrides.setdefault("gluster__volume_info", SIX)
    overrides.setdefault(
        "gluster__volume_layout_differences",
        [f"bricks in the volume but not in the pillar: {', '.join(NEW)}"],
    )
    overrides.setdefault("gluster__volume_reshape_plan", {"operations": [SHRINK], "problems": []})
    return gluster(monkeypatch, test=test, **overrides)


def test_volume_present_migrates_the_data_off_removed_sets_then_commits(monkeypatch):
    salt = shrink(monkeypatch, gluster__volume_remove_brick=removal_answers(REMOVAL_RUNNING, REMOVAL_DONE))
    ret = STATES.volume_present("rep3", OLD, replica=3, allow_shrink=True)
    assert ret["result"] is True and ret["changes"] == {"operations": [SHRINK]}, ret
    assert ret["comment"] == (
        f"reshaped volume rep3: removed {', '.join(NEW)} after migrating their data "
        "(completed: 21 file(s) moved, 0 failure(s), 0 skipped)"
    )
    assert salt.calls("gluster.volume_remove_brick") == [
        (("rep3", NEW, "start"), {}),
        (("rep3", NEW, "status"), {}),
        (("rep3", NEW, "status"), {}),
        (("rep3", NEW, "commit"), {}),
    ]
    assert "gluster.peer_wait" not in [name for name, *_rest in salt.log], "no new brick to wait for"


PENDING = {"type": "Remove brick", "id": REMOVE_TASK, "status": 1, "status_str": "in progress", "bricks": NEW}


def test_volume_present_predicts_resuming_a_removal_an_earlier_run_started(monkeypatch):
    salt = shrink(monkeypatch, test=True, gluster__volume_tasks=[PENDING])
    ret = STATES.volume_present("rep3", OLD, replica=3, allow_shrink=True)
    assert ret["result"] is None and ret["changes"] == {"operations": [SHRINK]}, ret
    assert ret["comment"] == (
        f"would reshape volume rep3: remove {', '.join(NEW)} (migrating their data away) "
        "(a remove-brick task is already in progress; it would be resumed)"
    )
    assert salt.writes() == []


def test_volume_present_resumes_a_removal_an_earlier_run_started_without_starting_another(monkeypatch):
    salt = shrink(monkeypatch, gluster__volume_tasks=[PENDING])
    ret = STATES.volume_present("rep3", OLD, replica=3, allow_shrink=True)
    assert ret["result"] is True, ret
    assert ret["comment"].startswith(
        f"reshaped volume rep3: resumed the migration and removed {', '.join(NEW)}"
    )
    assert [args[2] for args, _kwargs in salt.calls("gluster.volume_remove_brick")] == ["status", "commit"]


def test_volume_present_refuses_while_another_removal_is_pending(monkeypatch):
    other = {**PENDING, "bricks": OLD}
    salt = shrink(monkeypatch, gluster__volume_tasks=[other])
    ret = STATES.volume_present("rep3", OLD, replica=3, allow_shrink=True)
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == (
        f"volume rep3: a remove-brick of {', '.join(OLD)} (in progress) is pending on the volume; commit or "
        "stop it with gluster.volume_remove_brick before changing the bricks again"
    )
    assert salt.writes() == []


def test_volume_present_stops_a_migration_with_failures_and_removes_nothing(monkeypatch):
    salt = shrink(
        monkeypatch,
        gluster__volume_remove_brick=removal_answers(REMOVAL_FAILURES),
        gluster__migration_failures=["/dir/file-7"],
    )
    ret = STATES.volume_present("rep3", OLD, replica=3, allow_shrink=True)
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"].startswith(
        f"volume rep3: the migration off {', '.join(NEW)} did not complete cleanly "
        "(completed: 14 file(s) moved, 1 failure(s), 0 skipped; failures on 127.1.8.2: 1), "
        "so nothing was removed"
    )
    assert "Files that failed here: /dir/file-7." in ret["comment"]
    assert [args[2] for args, _kwargs in salt.calls("gluster.volume_remove_brick")] == [
        "start",
        "status",
        "stop",
    ]
    assert salt.calls("gluster.migration_failures") == [(("rep3",), {})]
    assert salt.events() == []


def test_volume_present_leaves_a_long_migration_running_for_the_next_run(monkeypatch, clock):
    salt = shrink(monkeypatch, gluster__volume_remove_brick=removal_answers(REMOVAL_RUNNING))
    ret = STATES.volume_present("rep3", OLD, replica=3, allow_shrink=True, migration_timeout=10)
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == (
        f"volume rep3: the data of {', '.join(NEW)} is still migrating after 10s (still running: 0 file(s) "
        "moved, 0 failure(s), 0 skipped); it goes on in the background and the next run commits it once it "
        "completes"
    )
    actions = [args[2] for args, _kwargs in salt.calls("gluster.volume_remove_brick")]
    assert actions[0] == "start" and set(actions[1:]) == {"status"}
    assert sum(clock) == pytest.approx(10.0)


def test_volume_present_refuses_to_migrate_data_off_a_stopped_volume(monkeypatch):
    salt = shrink(monkeypatch, gluster__volume_info=stopped(SIX))
    ret = STATES.volume_present("rep3", OLD, replica=3, allow_shrink=True)
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == (
        "volume rep3 is stopped: the data of the bricks to remove can only be migrated off them while it "
        "runs; start it, then run again"
    )
    assert salt.writes() == []


@pytest.mark.parametrize("test", [True, False], ids=["test", "run"])
@pytest.mark.parametrize(
    "overrides, kwargs, comment, planned",
    [
        (
            {},
            {"rebalance": "sometimes"},
            "volume rep3: rebalance must be one of full, fix-layout, none",
            False,
        ),
        (
            {"gluster__volume_layout_differences": ["transport is tcp, the pillar says rdma"]},
            {"transport": "rdma"},
            "volume rep3: transport is tcp, the pillar says rdma: gluster cannot change the transport",
            False,
        ),
        (
            {
                "gluster__volume_reshape_plan": {
                    "operations": [],
                    "problems": ["removing sets needs allow_shrink"],
                }
            },
            {},
            "volume rep3 differs from the pillar "
            f"(bricks in the pillar but not in the volume: {', '.join(NEW)}) "
            "and cannot be reshaped as it stands: removing sets needs allow_shrink",
            True,
        ),
        (
            {"gluster__reshape_refusals": [f"volume rep3: {OLD[1]} is offline", "2 entries in split-brain"]},
            {},
            f"volume rep3: refusing to reshape it now: volume rep3: {OLD[1]} is offline; "
            "2 entries in split-brain",
            True,
        ),
    ],
    ids=["rebalance mode", "transport", "plan problems", "health refusals"],
)
def test_volume_present_refusals_of_a_reshape_change_nothing(
    monkeypatch, test, overrides, kwargs, comment, planned
):
    salt = grow(monkeypatch, test=test, **overrides)
    ret = STATES.volume_present("rep3", GROWN, replica=3, **kwargs)
    assert ret == {"name": "rep3", "result": False, "changes": {}, "comment": comment}
    assert bool(salt.calls("gluster.volume_reshape_plan")) is planned
    assert salt.writes() == []


def test_volume_present_leaves_the_same_sets_in_another_order_alone(monkeypatch):
    salt = gluster(
        monkeypatch,
        gluster__volume_layout_differences=["the same bricks in another order (order decides the sets)"],
        gluster__volume_reshape_plan={"operations": [], "problems": []},
    )
    ret = STATES.volume_present("rep3", list(reversed(OLD)), replica=3)
    assert ret["result"] is True and ret["changes"] == {}
    assert ret["comment"] == "volume rep3 has the wanted sets of bricks (in another order)"
    assert salt.writes() == [] and "gluster.reshape_refusals" not in [name for name, *_rest in salt.log]


def test_volume_present_reports_the_bricks_added_when_the_rebalance_fails_to_start(monkeypatch):
    error = gluster_failure(
        ["volume", "rebalance", "rep3", "start"], "Rebalance on rep3 is already started", errno=-1
    )
    salt = grow(monkeypatch, gluster__volume_rebalance=error)
    ret = STATES.volume_present("rep3", GROWN, replica=3)
    assert ret["result"] is False
    assert ret["changes"] == {"operations": [GROW]}, "the bricks were added"
    assert ret["comment"].startswith(
        "volume rep3: added 3 brick(s); then gluster volume rebalance rep3 start"
    )
    assert "Rebalance on rep3 is already started (errno -1)" in ret["comment"]
    assert [tag for tag, _data in salt.events()] == ["gluster/volume/bricks_added"]


def test_volume_present_reports_no_change_when_the_first_operation_fails(monkeypatch):
    error = captured_failure(read("add_brick_wrong_count.xml"), ["volume", "add-brick", "rep3", *NEW])
    salt = grow(monkeypatch, gluster__volume_add_brick=error)
    ret = STATES.volume_present("rep3", GROWN, replica=3)
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"].startswith("volume rep3: gluster volume add-brick rep3")
    assert (
        "Incorrect number of bricks supplied 1 with count 3" in ret["comment"]
        and "then" not in ret["comment"]
    )
    assert salt.calls("gluster.volume_rebalance") == [] and salt.events() == []


# ---- gluster.volume_options ---------------------------------------------------------------

OPTIONS_NOW = gx.parse_volume_info(read("volume_info_options.xml"))["rep3"]["options"]
OPTIONS_PLAN = {
    "set": {"auth.allow": "10.0.0.*", "performance.cache-size": "256MB", "performance.quick-read": "off"},
    "reset": ["features.read-only"],
    "current": OPTIONS_NOW,
    "profiles": {"performance.quick-read": "virt"},
    "restart": [],
}
OPTIONS_CHANGES = {
    "auth.allow": {"old": None, "new": "10.0.0.*"},
    "performance.cache-size": {"old": "64MB", "new": "256MB"},
    "performance.quick-read": {"old": None, "new": "off"},
    "features.read-only": {"old": "off", "new": None},
}
OPTIONS_AFTER = {
    **{k: v for k, v in OPTIONS_NOW.items() if k != "features.read-only"},
    "auth.allow": "10.0.0.*",
    "performance.cache-size": "256MB",
    "performance.quick-read": "off",
}
TLS_PLAN = {
    "set": {"client.ssl": "on", "server.ssl": "on"},
    "reset": [],
    "current": {**OPTIONS_NOW, "auth.allow": "10.0.0.*"},
    "profiles": {},
    "restart": ["client.ssl", "server.ssl"],
}
OPEN_WARNING = (
    "volume rep3 has no auth.allow: any client that reaches its bricks' ports may mount it; "
    "list the clients' networks in gluster:volumes:rep3:auth:allow"
)


def options(monkeypatch, plan, test=False, **overrides):
    overrides.setdefault("gluster__volume_info", {**REP3, "options": OPTIONS_AFTER})
    return gluster(monkeypatch, test=test, gluster__volume_options_plan=plan, **overrides)


def test_volume_options_as_wanted_change_nothing(monkeypatch):
    plan = {"set": {}, "reset": [], "current": {**OPTIONS_NOW, "auth.allow": "10.0.0.*"}, "profiles": {}}
    salt = options(monkeypatch, plan)
    ret = STATES.volume_options("rep3", {"performance.cache-size": "64MB", "auth.allow": "10.0.0.*"})
    assert ret == {
        "name": "rep3",
        "result": True,
        "changes": {},
        "comment": "volume rep3 options are as wanted",
    }
    assert salt.log == [
        (
            "gluster.volume_options_plan",
            ("rep3", {"performance.cache-size": "64MB", "auth.allow": "10.0.0.*"}, False),
            {"profiles": None},
        )
    ]


def test_volume_options_as_wanted_still_warn_of_a_volume_open_to_every_client(monkeypatch):
    salt = options(monkeypatch, {"set": {}, "reset": [], "current": OPTIONS_NOW, "profiles": {}})
    ret = STATES.volume_options("rep3", {"performance.cache-size": "64MB"})
    assert ret["result"] is True and ret["changes"] == {}
    assert ret["comment"] == f"volume rep3 options are as wanted; warning: {OPEN_WARNING}"
    assert ret["warnings"] == [OPEN_WARNING]
    assert salt.writes() == []


def test_volume_options_predicts_each_option_in_test_mode_writing_nothing(monkeypatch):
    salt = options(monkeypatch, OPTIONS_PLAN, test=True)
    ret = STATES.volume_options(
        "rep3",
        {"auth.allow": "10.0.0.*", "performance.cache-size": "256MB"},
        reset_unmanaged=True,
        profiles=["virt"],
    )
    assert ret["result"] is None and ret["changes"] == OPTIONS_CHANGES
    assert ret["comment"] == (
        "would set auth.allow, performance.cache-size, performance.quick-read and reset features.read-only "
        "on volume rep3 (from profile virt: performance.quick-read)"
    )
    assert "warnings" not in ret
    assert salt.calls("gluster.volume_options_plan")[0][1] == {"profiles": ["virt"]}
    assert [name for name, *_rest in salt.log] == ["gluster.volume_options_plan"]


def test_volume_options_sets_then_resets_in_that_order_and_reports_what_gluster_has(monkeypatch):
    salt = options(monkeypatch, OPTIONS_PLAN)
    ret = STATES.volume_options(
        "rep3", {"auth.allow": "10.0.0.*", "performance.cache-size": "256MB"}, reset_unmanaged=True
    )
    assert ret["result"] is True and ret["changes"] == OPTIONS_CHANGES, ret
    assert ret["comment"] == (
        "volume rep3: 3 option(s) set, 1 reset (from profile virt: performance.quick-read)"
    )
    assert salt.writes() == [
        ("gluster.volume_set", ("rep3", OPTIONS_PLAN["set"]), {}),
        ("gluster.volume_reset", ("rep3", "features.read-only"), {}),
    ]
    assert salt.events() == [
        (
            "gluster/volume/options_changed",
            {"volume": "rep3", "set": sorted(OPTIONS_PLAN["set"]), "reset": ["features.read-only"],
             "restarted": False, "minion": "gfs1"},
        )
    ]  # fmt: skip


def test_volume_options_new_values_are_read_back_from_gluster(monkeypatch):
    plan = {**OPTIONS_PLAN, "set": {"auth.allow": "10.0.0.*", "performance.cache-size": "268435456"},
            "reset": [], "profiles": {}}  # fmt: skip
    options(monkeypatch, plan)
    ret = STATES.volume_options("rep3", {"auth.allow": "10.0.0.*", "performance.cache-size": "268435456"})
    assert ret["changes"]["performance.cache-size"] == {"old": "64MB", "new": "256MB"}, ret


@pytest.mark.parametrize("test", [True, False], ids=["test", "run"])
def test_volume_options_refuse_tls_options_on_a_started_volume_without_restart(monkeypatch, test):
    salt = options(monkeypatch, TLS_PLAN, test=test)
    ret = STATES.volume_options("rep3", {"client.ssl": "on", "server.ssl": "on"})
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"].startswith(
        "volume rep3 is started and client.ssl, server.ssl only take effect when its bricks restart"
    )
    assert ret["comment"].endswith("nothing was changed")
    assert salt.writes() == []


def test_volume_options_predict_the_restart_in_test_mode(monkeypatch):
    salt = options(monkeypatch, TLS_PLAN, test=True)
    ret = STATES.volume_options("rep3", {"client.ssl": "on", "server.ssl": "on"}, restart=True)
    assert ret["result"] is None
    assert ret["changes"] == {
        "client.ssl": {"old": None, "new": "on"},
        "server.ssl": {"old": None, "new": "on"},
        "restarted": {"old": "started", "new": "stopped and started again"},
    }
    assert ret["comment"] == "would set client.ssl, server.ssl and restart the volume on volume rep3"
    assert salt.writes() == []


def test_volume_options_set_tls_then_restart_the_volume(monkeypatch):
    after = {**OPTIONS_NOW, "auth.allow": "10.0.0.*", "client.ssl": "on", "server.ssl": "on"}
    salt = options(monkeypatch, TLS_PLAN, gluster__volume_info={**REP3, "options": after})
    ret = STATES.volume_options("rep3", {"client.ssl": "on", "server.ssl": "on"}, restart=True)
    assert ret["result"] is True, ret
    assert ret["changes"]["restarted"] == {"old": "started", "new": "stopped and started again"}
    assert ret["comment"] == "volume rep3: 2 option(s) set, 0 reset, volume restarted"
    assert salt.writes() == [
        ("gluster.volume_set", ("rep3", TLS_PLAN["set"]), {}),
        ("gluster.volume_stop", ("rep3",), {}),
        ("gluster.volume_start", ("rep3",), {}),
    ]
    assert salt.events()[0][1]["restarted"] is True


def test_volume_options_fail_for_a_volume_that_does_not_exist(monkeypatch):
    salt = options(monkeypatch, OPTIONS_PLAN, gluster__volume_exists=False)
    ret = STATES.volume_options("rep3", {"auth.allow": "10.0.0.*"})
    assert ret == {"name": "rep3", "result": False, "changes": {}, "comment": "volume rep3 does not exist"}
    assert salt.writes() == []


def test_volume_options_refuse_a_bad_value_before_gluster_is_asked(monkeypatch):
    wanted = {"performance.cache-size": "--remote-host=evil"}
    salt = options(monkeypatch, refusal_of(GLUSTER.volume_options_plan, "rep3", wanted))
    ret = STATES.volume_options("rep3", wanted)
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"].startswith("volume rep3: cannot plan options of volume 'rep3': ")
    assert "must not start with '--'" in ret["comment"]
    assert salt.writes() == []


def test_volume_options_failing_reset_reports_the_options_already_set(monkeypatch):
    error = gluster_failure(["volume", "reset", "rep3", "features.read-only"], "Another transaction is wrong")
    salt = options(monkeypatch, OPTIONS_PLAN, gluster__volume_reset=error)
    ret = STATES.volume_options("rep3", {"auth.allow": "10.0.0.*"}, reset_unmanaged=True, profiles=["virt"])
    assert ret["result"] is False
    assert ret["changes"] == {key: OPTIONS_CHANGES[key] for key in OPTIONS_PLAN["set"]}
    assert ret["comment"].startswith("volume rep3: gluster volume reset rep3 features.read-only failed")
    assert ret["comment"].endswith(
        "(done before this failure: set auth.allow, performance.cache-size, performance.quick-read)"
    )
    assert salt.events() == []


def test_volume_options_failing_start_after_the_stop_reports_the_volume_stopped(monkeypatch):
    error = gluster_failure(["volume", "start", "rep3"], "Commit failed on 127.1.1.2. Please check log file")
    options(monkeypatch, TLS_PLAN, gluster__volume_start=error)
    ret = STATES.volume_options("rep3", {"client.ssl": "on", "server.ssl": "on"}, restart=True)
    assert ret["result"] is False
    assert ret["changes"] == {
        "client.ssl": {"old": None, "new": "on"},
        "server.ssl": {"old": None, "new": "on"},
        "restarted": {"old": "started", "new": "stopped"},
    }
    assert "Commit failed on 127.1.1.2" in ret["comment"]
    assert ret["comment"].endswith(
        "(done before this failure: set client.ssl, server.ssl; stopped volume rep3)"
    )


# ---- gluster.geo_replication ----------------------------------------------------------------

SECONDARY = "127.1.11.1::secvol"
GEOREP_CONFIG = gx.parse_georep_config(read("georep/config_get_all.xml"))


def session(capture, state, faulty=()):
    found = gx.parse_georep_status(read(f"georep/{capture}"))[0]
    return {**found, "state": state, "faulty": list(faulty)}


STARTED = session("status_active.xml", "started")
SESSIONS = {
    "created": session("status_created.xml", "created"),
    "started": STARTED,
    "paused": session("status_paused.xml", "paused"),
    "stopped": session("status_stopped.xml", "stopped"),
}


def georep_error(capture, action):
    return captured_failure(
        read(f"georep/{capture}"), ["volume", "geo-replication", "primvol", SECONDARY, action]
    )


def georep(monkeypatch, found, test=False, **overrides):
    answers = {
        "gluster__georep_session": found,
        "gluster__georep_config": GEOREP_CONFIG,
        "gluster__volume_info": {**REP3, "name": "primvol"},
    }
    for action in ("create", "config_set", "start", "stop", "pause", "resume", "delete"):
        answers[f"gluster__georep_{action}"] = {"volume": "primvol", "secondary": SECONDARY, action: True}
    answers.update(overrides)
    return gluster(monkeypatch, test=test, **answers)


def test_geo_replication_refuses_an_unknown_ensure_before_asking_gluster(monkeypatch):
    salt = georep(monkeypatch, STARTED)
    ret = STATES.geo_replication("primvol", SECONDARY, ensure="running")
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == "ensure must be one of started, stopped, paused, absent, got 'running'"
    assert salt.log == []


def test_geo_replication_refuses_a_bad_secondary_name(monkeypatch):
    salt = georep(monkeypatch, refusal_of(GLUSTER.georep_session, "primvol", "backup1"))
    ret = STATES.geo_replication("primvol", "backup1")
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == (
        "geo-replication from primvol to backup1: georep_session: secondary 'backup1' must be host::volume "
        "or user@host::volume"
    )
    assert salt.writes() == []


def test_geo_replication_fails_when_the_primary_volume_does_not_exist(monkeypatch):
    salt = georep(monkeypatch, None, gluster__volume_exists=False)
    ret = STATES.geo_replication("primvol", SECONDARY)
    assert ret["result"] is False and ret["comment"] == "primary volume primvol does not exist"
    assert salt.writes() == []


def test_geo_replication_in_the_wanted_state_changes_nothing(monkeypatch):
    salt = georep(monkeypatch, STARTED)
    wanted = {"sync_jobs": 3, "secondary-access-mount": True}
    ret = STATES.geo_replication("primvol", SECONDARY, config=wanted, ssh_port=2211)
    assert ret == {
        "name": "primvol",
        "result": True,
        "changes": {},
        "comment": f"geo-replication from primvol to {SECONDARY} is started as wanted",
    }
    assert salt.writes() == [] and salt.events() == []


def test_geo_replication_in_the_wanted_state_names_its_faulty_workers(monkeypatch):
    faulty = session(
        "status_faulty.xml", "started", ["127.1.10.2:/tmp/study-georep/run/prim/node2/bricks/b1"]
    )
    salt = georep(monkeypatch, faulty)
    ret = STATES.geo_replication("primvol", SECONDARY)
    assert ret["result"] is True and ret["changes"] == {}
    assert ret["comment"].endswith(
        "is started as wanted; Faulty workers: 127.1.10.2:/tmp/study-georep/run/prim/node2/bricks/b1"
    )
    assert salt.writes() == []


NEW_SESSION_CHANGES = {
    "session": {"old": None, "new": "created"},
    "config": {"sync-jobs": {"old": None, "new": "4"}, "ssh-port": {"old": None, "new": "2211"}},
    "state": {"old": "stopped", "new": "paused"},
}


def test_geo_replication_predicts_a_new_session_in_test_mode(monkeypatch):
    salt = georep(monkeypatch, None, test=True)
    ret = STATES.geo_replication(
        "primvol", SECONDARY, ensure="paused", config={"sync_jobs": 4}, ssh_port=2211
    )
    assert ret["result"] is None and ret["changes"] == NEW_SESSION_CHANGES
    assert (
        ret["comment"]
        == f"would change the geo-replication from primvol to {SECONDARY}: config, session, state"
    )
    assert salt.writes() == [] and salt.calls("gluster.georep_config") == []


def test_geo_replication_creates_configures_starts_and_pauses_a_new_session(monkeypatch):
    salt = georep(monkeypatch, None)
    ret = STATES.geo_replication(
        "primvol", SECONDARY, ensure="paused", config={"sync_jobs": 4}, ssh_port=2211, force=True
    )
    assert ret["result"] is True and ret["changes"] == NEW_SESSION_CHANGES, ret
    assert ret["comment"] == f"geo-replication from primvol to {SECONDARY}: config, session, state changed"
    assert salt.writes() == [
        ("gluster.georep_create", ("primvol", SECONDARY), {"ssh_port": 2211, "force": True}),
        ("gluster.georep_config_set", ("primvol", SECONDARY, {"sync-jobs": "4", "ssh-port": "2211"}), {}),
        ("gluster.georep_start", ("primvol", SECONDARY), {"force": True}),
        ("gluster.georep_pause", ("primvol", SECONDARY), {}),
    ]
    assert [tag for tag, _data in salt.events()] == ["gluster/georep/created", "gluster/georep/paused"]


@pytest.mark.parametrize(
    "have, ensure, writes",
    [
        ("paused", "started", [("gluster.georep_resume", ("primvol", SECONDARY), {})]),
        ("started", "stopped", [("gluster.georep_stop", ("primvol", SECONDARY), {"force": True})]),
        ("paused", "stopped", [("gluster.georep_stop", ("primvol", SECONDARY), {"force": True})]),
        ("started", "paused", [("gluster.georep_pause", ("primvol", SECONDARY), {})]),
        ("created", "started", [("gluster.georep_start", ("primvol", SECONDARY), {"force": False})]),
        (
            "stopped",
            "paused",
            [
                ("gluster.georep_start", ("primvol", SECONDARY), {"force": False}),
                ("gluster.georep_pause", ("primvol", SECONDARY), {}),
            ],
        ),
    ],  # fmt: skip
)
def test_geo_replication_moves_a_session_to_the_wanted_state(monkeypatch, have, ensure, writes):
    salt = georep(monkeypatch, SESSIONS[have])
    ret = STATES.geo_replication("primvol", SECONDARY, ensure=ensure)
    shown = "stopped" if have == "created" else have
    assert ret["result"] is True and ret["changes"] == {"state": {"old": shown, "new": ensure}}, ret
    assert salt.writes() == writes
    assert salt.events() == [
        (f"gluster/georep/{ensure}", {"volume": "primvol", "secondary": SECONDARY, "minion": "gfs1"})
    ]


def test_geo_replication_sets_only_the_config_that_differs(monkeypatch):
    salt = georep(monkeypatch, STARTED)
    ret = STATES.geo_replication(
        "primvol", SECONDARY, config={"sync-jobs": 4, "secondary_access_mount": "on"}
    )
    assert ret["result"] is True
    assert ret["changes"] == {"config": {"sync-jobs": {"old": "3", "new": "4"}}}
    assert salt.writes() == [("gluster.georep_config_set", ("primvol", SECONDARY, {"sync-jobs": "4"}), {})]
    assert salt.events() == [], "neither created nor moved to another state"


def test_geo_replication_absent_without_a_session_changes_nothing(monkeypatch):
    salt = georep(monkeypatch, None)
    ret = STATES.geo_replication("primvol", SECONDARY, ensure="absent")
    assert ret["result"] is True and ret["changes"] == {}
    assert ret["comment"] == f"no geo-replication session from primvol to {SECONDARY}"
    assert salt.writes() == []


def test_geo_replication_absent_predicted_in_test_mode(monkeypatch):
    salt = georep(monkeypatch, STARTED, test=True)
    ret = STATES.geo_replication("primvol", SECONDARY, ensure="absent")
    assert ret["result"] is None and ret["changes"] == {"session": {"old": "started", "new": "deleted"}}
    assert ret["comment"] == f"would stop and delete the geo-replication session from primvol to {SECONDARY}"
    assert salt.writes() == []


STOP = ("gluster.georep_stop", ("primvol", SECONDARY), {"force": True})
DELETE = ("gluster.georep_delete", ("primvol", SECONDARY), {})


@pytest.mark.parametrize(
    "have, writes",
    [("started", [STOP, DELETE]), ("paused", [STOP, DELETE]), ("stopped", [DELETE]), ("created", [DELETE])],
)
def test_geo_replication_absent_stops_a_running_session_then_deletes_it(monkeypatch, have, writes):
    salt = georep(monkeypatch, SESSIONS[have])
    ret = STATES.geo_replication("primvol", SECONDARY, ensure="absent")
    assert ret["result"] is True and ret["changes"] == {"session": {"old": have, "new": "deleted"}}, ret
    assert ret["comment"] == f"deleted the geo-replication session from primvol to {SECONDARY}"
    assert salt.writes() == writes
    assert [tag for tag, _data in salt.events()] == ["gluster/georep/deleted"]


def test_geo_replication_failing_delete_reports_the_session_stopped(monkeypatch):
    salt = georep(
        monkeypatch, STARTED, gluster__georep_delete=georep_error("error_delete_running.xml", "delete")
    )
    ret = STATES.geo_replication("primvol", SECONDARY, ensure="absent")
    assert ret["result"] is False
    assert ret["changes"] == {"session": {"old": "started", "new": "stopped"}}
    assert "is still active. Please stop the session and retry." in ret["comment"]
    assert ret["comment"].endswith("(done before this failure: stopped the session)")
    assert salt.events() == []


def test_geo_replication_failing_config_reports_the_session_created(monkeypatch):
    error = georep_error("error_config_bad_option.xml", "config")
    salt = georep(monkeypatch, None, gluster__georep_config_set=error)
    ret = STATES.geo_replication("primvol", SECONDARY, config={"sync_jobs": 4})
    assert ret["result"] is False
    assert ret["changes"] == {"session": {"old": None, "new": "created"}}
    assert ret["comment"].startswith(
        f"geo-replication from primvol to {SECONDARY}: gluster volume geo-replication"
    )
    assert "Invalid option" in ret["comment"]
    assert ret["comment"].endswith("(done before this failure: created the session)")
    assert salt.calls("gluster.georep_start") == []


def test_geo_replication_failing_pause_reports_the_session_started(monkeypatch):
    error = georep_error("error_pause_paused.xml", "pause")
    salt = georep(monkeypatch, SESSIONS["stopped"], gluster__georep_pause=error)
    ret = STATES.geo_replication("primvol", SECONDARY, ensure="paused")
    assert ret["result"] is False
    assert ret["changes"] == {"state": {"old": "stopped", "new": "started"}}
    assert "already Paused." in ret["comment"]
    assert ret["comment"].endswith("(done before this failure: started the session)")
    assert [name for name, *_rest in salt.writes()] == ["gluster.georep_start", "gluster.georep_pause"]


def test_geo_replication_failing_create_reports_no_change(monkeypatch):
    error = georep_error("error_create_no_such_secondary_volume.xml", "create")
    salt = georep(monkeypatch, None, gluster__georep_create=error)
    ret = STATES.geo_replication("primvol", SECONDARY)
    assert ret["result"] is False and ret["changes"] == {}
    assert "Unable to mount and fetch secondary volume details" in ret["comment"]
    assert "done before" not in ret["comment"]
    assert [name for name, *_rest in salt.writes()] == ["gluster.georep_create"]


# ---- gluster.georep_keys --------------------------------------------------------------------

HONEST = read("georep/common_secret.pem.pub").splitlines()
CONTAINER = read("georep/common_secret_container.pem.pub").splitlines()
POOL = gx.parse_peer_status(read("pool_list.xml"))
TWO_NODES = [POOL[0], POOL[2]]
SECRET = {"file": "/var/lib/glusterd/geo-replication/common_secret.pem.pub"}


def keys(monkeypatch, lines, test=False, pool=TWO_NODES, **overrides):
    answers = {
        "gluster__pool_list": pool,
        "gluster__georep_public_keys": lines,
        "gluster__georep_secret_create": SECRET,
        "mine__send": True,
    }
    answers.update(overrides)
    return gluster(monkeypatch, test=test, **answers)


def test_georep_keys_present_are_published_in_the_mine(monkeypatch):
    salt = keys(monkeypatch, HONEST)
    ret = STATES.georep_keys()
    assert ret == {
        "name": "geo-replication keys",
        "result": True,
        "changes": {},
        "comment": "geo-replication keys present: 4 for 2 nodes; published in the Salt mine as "
        "gluster.georep_public_keys",
    }
    assert salt.writes() == [("mine.send", ("gluster.georep_public_keys",), {})]


@pytest.mark.parametrize("test, publish", [(False, False), (True, True)], ids=["publish off", "test"])
def test_georep_keys_present_are_not_published_with_publish_off_or_in_test_mode(monkeypatch, test, publish):
    salt = keys(monkeypatch, HONEST, test=test)
    ret = STATES.georep_keys(publish=publish)
    assert ret["result"] is True and ret["changes"] == {}
    assert ret["comment"] == "geo-replication keys present: 4 for 2 nodes"
    assert salt.writes() == []


def test_georep_keys_predicts_making_the_missing_keys_in_test_mode(monkeypatch):
    salt = keys(monkeypatch, HONEST[:2], test=True, pool=POOL)
    ret = STATES.georep_keys()
    assert ret["result"] is None and ret["changes"] == {"keys": {"old": 2, "new": 6}}
    assert ret["comment"] == "would make the geo-replication keys: 2 of 6 (2 per node, 3 nodes)"
    assert salt.writes() == []


def test_georep_keys_makes_the_keys_then_publishes_them(monkeypatch):
    salt = keys(monkeypatch, Seq([[], HONEST]))
    ret = STATES.georep_keys()
    assert ret["result"] is True and ret["changes"] == {"keys": {"old": 0, "new": 4}}, ret
    assert ret["comment"] == (
        "made the geo-replication keys: 4 for 2 nodes; "
        "published in the Salt mine as gluster.georep_public_keys"
    )
    assert salt.writes() == [
        ("gluster.georep_secret_create", (), {}),
        ("mine.send", ("gluster.georep_public_keys",), {}),
    ]


def test_georep_keys_fail_when_gsec_create_did_not_reach_every_node(monkeypatch):
    salt = keys(monkeypatch, Seq([[], HONEST[:2]]))
    ret = STATES.georep_keys()
    assert ret["result"] is False and ret["changes"] == {"keys": {"old": 0, "new": 2}}
    assert (
        ret["comment"] == "gsec_create collected 2 geo-replication keys, 4 wanted: is every node connected?"
    )
    assert [name for name, *_rest in salt.writes()] == ["gluster.georep_secret_create"]


def test_georep_keys_without_the_forced_command_are_not_published(monkeypatch):
    salt = keys(monkeypatch, CONTAINER)
    ret = STATES.georep_keys()
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"].startswith(
        "geo-replication keys present: 4 for 2 nodes; not published, the secondaries would refuse them: "
        "common_secret.pem.pub line 1: 'ssh-rsa"
    )
    assert salt.writes() == []


def test_georep_keys_fail_when_the_mine_does_not_take_them(monkeypatch):
    salt = keys(monkeypatch, HONEST, mine__send=False)
    ret = STATES.georep_keys()
    assert ret["result"] is False
    assert ret["comment"] == (
        "geo-replication keys present: 4 for 2 nodes; sending them to the Salt mine failed"
    )
    assert len(salt.calls("mine.send")) == 1


def test_georep_keys_failing_gsec_create_carries_glusters_message(monkeypatch):
    error = CommandExecutionError(
        "gluster system:: execute gsec_create failed on glusterd socket /var/run/glusterd.socket "
        "(gluster's default): Unable to end. Error : Success (exit 1)"
    )
    salt = keys(monkeypatch, [], gluster__georep_secret_create=error)
    ret = STATES.georep_keys()
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == f"geo-replication keys: {error}"
    assert salt.calls("mine.send") == [] and len(salt.calls("gluster.georep_public_keys")) == 1


# ---- gluster.georep_authorized_keys ---------------------------------------------------------

SOURCE = "gluster:geo_replication_from:0"


def label(line):
    """``comment enc SHA256:fingerprint``, the fingerprint as ssh-keygen -l shows it."""
    _options, enc, key, comment = line.rsplit(" ", 3)
    digest = base64.b64encode(hashlib.sha256(base64.b64decode(key)).digest()).decode().rstrip("=")
    return f"{comment} {enc} SHA256:{digest}"


def key_parts(line):
    options, enc, key, comment = line.rsplit(" ", 3)
    return options, enc, key, comment


class AuthorizedKeys:
    """What ssh.check_key / ssh.set_auth_key see: ``{key: options}`` of one file."""

    def __init__(self, present=(), fail_after=None, error=None):
        self.file = {key_parts(line)[2]: [key_parts(line)[0]] for line in present}
        self.fail_after, self.error = fail_after, error

    def check_key(self, user, key, enc, comment, options, config=".ssh/authorized_keys", **kwargs):
        if key not in self.file:
            return "add"
        return "exists" if self.file[key] == options else "update"

    def set_auth_key(self, user, key, enc="ssh-rsa", comment="", options=None, config=".ssh/authorized_keys",
                     **kwargs):  # fmt: skip
        if self.fail_after is not None and len(self.written) >= self.fail_after:
            if self.error is not None:
                raise self.error
            return "fail"
        status = self.check_key(user, key, enc, comment, options)
        self.file[key] = options
        self.written.append(key)
        return {"add": "new", "update": "replace", "exists": "no change"}[status]

    written = None

    def answers(self, mine):
        self.written = []
        return {"mine__get": mine, "ssh__check_key": self.check_key, "ssh__set_auth_key": self.set_auth_key}


def authorized(monkeypatch, mine, test=False, keyfile=None):
    keyfile = keyfile or AuthorizedKeys()
    return install(monkeypatch, STATES, gluster_answers(**keyfile.answers(mine)), test=test), keyfile


@pytest.mark.parametrize(
    "kwargs, reason",
    [
        (
            {"minions": ["prim1"], "keys": HONEST},
            f"{SOURCE}: give minions (the primary leader's minion id) or keys",
        ),
        ({}, f"{SOURCE}: give minions (the primary leader's minion id) or keys"),
        ({"keys": HONEST[0]}, f"{SOURCE}:keys: must be a list of public key lines"),
        ({"keys": []}, f"{SOURCE}:keys: must be a list of public key lines"),
        ({"minions": ["prim*"]}, f"{SOURCE}:minion:0: 'prim*' is a glob pattern"),
        ({"minions": ["prim1"], "user": "root;sh"}, f"{SOURCE}:user: 'root;sh' must be a user name"),
        ({"minions": ["prim1"], "config": "../.ssh/keys"}, f"{SOURCE}:config: '../.ssh/keys' must be an"),
    ],
)
def test_georep_authorized_keys_refuse_bad_arguments_before_reading_anything(monkeypatch, kwargs, reason):
    salt, keyfile = authorized(monkeypatch, {"prim1": HONEST})
    ret = STATES.georep_authorized_keys(SOURCE, **kwargs)
    assert ret["result"] is False and ret["changes"] == {}
    assert reason in ret["comment"], ret
    assert salt.log == [] and keyfile.file == {}


def test_georep_authorized_keys_predicted_in_test_mode_write_nothing(monkeypatch):
    salt, keyfile = authorized(monkeypatch, {"prim1": HONEST}, test=True)
    ret = STATES.georep_authorized_keys(SOURCE, minions=["prim1"])
    assert ret["result"] is None and ret["changes"] == {"added": [label(line) for line in HONEST]}
    assert (
        ret["comment"] == f"would put 4 of the 4 geo-replication keys of {SOURCE} in root's authorized_keys"
    )
    assert salt.calls("mine.get") == [((["prim1"], "gluster.georep_public_keys"), {"tgt_type": "list"})]
    assert salt.writes() == [] and keyfile.file == {}


def test_georep_authorized_keys_from_the_mine_are_written_with_gluster_forced_command(monkeypatch):
    salt, keyfile = authorized(monkeypatch, {"prim1": HONEST})
    ret = STATES.georep_authorized_keys(SOURCE, minions="prim1", user="geoaccount", config="/srv/geo/keys")
    assert ret["result"] is True and ret["changes"] == {"added": [label(line) for line in HONEST]}, ret
    assert (
        ret["comment"] == f"put 4 of the 4 geo-replication keys of {SOURCE} in geoaccount's authorized_keys"
    )
    assert salt.writes() == [
        (
            "ssh.set_auth_key",
            ("geoaccount", key),
            {"enc": enc, "comment": comment, "options": [options], "config": "/srv/geo/keys"},
        )
        for options, enc, key, comment in map(key_parts, HONEST)
    ]
    assert {kwargs.get("config") for _args, kwargs in salt.calls("ssh.check_key")} == {"/srv/geo/keys"}


def test_georep_authorized_keys_already_in_place_change_nothing(monkeypatch):
    salt, _keyfile = authorized(monkeypatch, {"prim1": HONEST}, keyfile=AuthorizedKeys(present=HONEST))
    ret = STATES.georep_authorized_keys(SOURCE, minions=["prim1"])
    assert ret == {
        "name": SOURCE,
        "result": True,
        "changes": {},
        "comment": f"the 4 geo-replication keys of {SOURCE} are in root's authorized_keys",
    }
    assert salt.writes() == []


def test_georep_authorized_keys_from_the_pillar_update_a_key_held_with_other_options(monkeypatch):
    keyfile = AuthorizedKeys(present=HONEST[1:])
    keyfile.file[key_parts(HONEST[0])[2]] = []  # the same key, no forced command
    salt, _keyfile = authorized(monkeypatch, {}, keyfile=keyfile)
    ret = STATES.georep_authorized_keys(SOURCE, keys=HONEST)
    assert ret["result"] is True and ret["changes"] == {"updated": [label(HONEST[0])]}, ret
    assert ret["comment"] == f"put 1 of the 4 geo-replication keys of {SOURCE} in root's authorized_keys"
    assert [args for args, _kwargs in salt.calls("ssh.set_auth_key")] == [("root", key_parts(HONEST[0])[2])]
    assert salt.calls("mine.get") == []


def test_georep_authorized_keys_with_nothing_published_yet_name_the_primary(monkeypatch):
    salt, _keyfile = authorized(monkeypatch, {})
    ret = STATES.georep_authorized_keys(SOURCE, minions=["prim1", "prim2"])
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == (
        f"no geo-replication keys from prim1, prim2 in the Salt mine yet ({SOURCE}): "
        "apply gluster.volumes on that primary leader first"
    )
    assert salt.writes() == []


def test_georep_authorized_keys_refuse_a_whole_source_for_one_line_without_the_forced_command(monkeypatch):
    salt, keyfile = authorized(monkeypatch, {"prim1": HONEST[:3] + CONTAINER[3:]})
    ret = STATES.georep_authorized_keys(SOURCE, minions=["prim1"])
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"].startswith(f"refused the geo-replication keys of {SOURCE}, none of them written")
    assert f"the Salt mine of prim1 ({SOURCE}), line 4: 'ssh-rsa" in ret["comment"]
    assert salt.calls("ssh.check_key") == [] and keyfile.file == {}


def test_georep_authorized_keys_refused_write_reports_the_keys_written_before(monkeypatch):
    salt, _keyfile = authorized(monkeypatch, {"prim1": HONEST}, keyfile=AuthorizedKeys(fail_after=2))
    ret = STATES.georep_authorized_keys(SOURCE, minions=["prim1"])
    assert ret["result"] is False
    assert ret["changes"] == {"added": [label(line) for line in HONEST[:2]]}
    assert ret["comment"] == (
        f"{SOURCE}: could not write key {label(HONEST[2])} to root's authorized_keys "
        "(ssh.set_auth_key: fail): "
        "do the user and their home directory exist?"
    )
    assert len(salt.calls("ssh.set_auth_key")) == 3


def test_georep_authorized_keys_failing_write_reports_the_keys_written_before(monkeypatch):
    error = CommandExecutionError("Could not write to key file: [Errno 28] No space left on device")
    keyfile = AuthorizedKeys(fail_after=1, error=error)
    _salt, _keyfile = authorized(monkeypatch, {"prim1": HONEST}, keyfile=keyfile)
    ret = STATES.georep_authorized_keys(SOURCE, minions=["prim1"])
    assert ret["result"] is False and ret["changes"] == {"added": [label(HONEST[0])]}
    assert ret["comment"] == f"geo-replication keys of {SOURCE}: {error}"


def test_georep_authorized_keys_for_a_missing_user_report_no_change(monkeypatch):
    salt, _keyfile = authorized(monkeypatch, {"prim1": HONEST})
    salt["ssh.check_key"].side_effect = CommandExecutionError("User 'geoaccount' does not exist")
    ret = STATES.georep_authorized_keys(SOURCE, minions=["prim1"], user="geoaccount")
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == f"geo-replication keys of {SOURCE}: User 'geoaccount' does not exist"
    assert salt.calls("ssh.set_auth_key") == []


# ---- gluster_storage.backend_present --------------------------------------------------------

MOUNT = "/data/glusterfs/gv0"
FS_UUID = "5f1c9a0e-7d1b-4a43-9d9e-1f3c0d7e8a21"
PLACEHOLDER = "<uuid of the new filesystem>"
PARTITION = {"op": "partition", "argv": ["parted", "--script", "--align", "optimal", "/dev/sdb", "mklabel",
                                         "gpt", "mkpart", "glusterfs-brick", "0%", "100%"]}  # fmt: skip
MKFS = {"op": "mkfs", "argv": ["mkfs.xfs", "-q", "-i", "size=512", "-n", "size=8192", "-d", "su=256k,sw=10",
                               "/dev/sdb1"]}  # fmt: skip
DIRECTORY = {"op": "directory", "path": MOUNT}


def mount_op(uuid):
    return {"op": "mount", "argv": ["mount", "-t", "xfs", "-o", "noatime,inode64", f"UUID={uuid}", MOUNT]}


def fstab_op(uuid):
    entry = {"spec": f"UUID={uuid}", "file": MOUNT, "vfstype": "xfs", "options": ["noatime", "inode64"],
             "dump": "0", "pass": "2"}  # fmt: skip
    return {"op": "fstab", "file": "/etc/fstab", "entry": entry}


PLANNED = [PARTITION, MKFS, DIRECTORY, mount_op(PLACEHOLDER), fstab_op(PLACEHOLDER)]
DONE = [PARTITION, MKFS, DIRECTORY, mount_op(FS_UUID), fstab_op(FS_UUID)]
SPEC = {"partition": "gpt", "filesystem": "xfs", "raid": {"stripe_unit": "256k", "data_disks": 10},
        "fstab": "/etc/fstab", "wipe": False, "selinux": True}  # fmt: skip


def storage(monkeypatch, plan, test=False, **answers):
    answers = {
        "gluster_storage.backend_plan": plan,
        "gluster_storage.backend_apply": {
            "operations": DONE,
            "filesystem_device": "/dev/sdb1",
            "uuid": FS_UUID,
        },
        **{name.replace("__", "."): answer for name, answer in answers.items()},
    }
    return install(monkeypatch, STORAGE_STATES, answers, test=test)


def test_backend_present_already_mounted_changes_nothing(monkeypatch):
    salt = storage(monkeypatch, {"operations": [], "problems": [], "filesystem_device": "/dev/sdb1"})
    ret = STORAGE_STATES.backend_present(MOUNT, "/dev/sdb", partition="gpt", raid=SPEC["raid"])
    assert ret == {
        "name": MOUNT,
        "result": True,
        "changes": {},
        "comment": f"/dev/sdb is mounted at {MOUNT} as its brick filesystem",
    }
    assert salt.log == [("gluster_storage.backend_plan", (MOUNT, "/dev/sdb"), SPEC)]


def test_backend_present_predicts_every_step_in_test_mode(monkeypatch):
    salt = storage(
        monkeypatch, {"operations": PLANNED, "problems": [], "filesystem_device": "/dev/sdb1"}, test=True
    )
    ret = STORAGE_STATES.backend_present(MOUNT, "/dev/sdb", partition="gpt", raid=SPEC["raid"])
    assert ret["result"] is None and ret["changes"] == {"operations": PLANNED}
    assert ret["comment"] == f"would prepare /dev/sdb for {MOUNT}: partition, mkfs, directory, mount, fstab"
    assert salt.writes() == []


def test_backend_present_prepares_the_device_with_the_planned_arguments(monkeypatch):
    salt = storage(monkeypatch, {"operations": PLANNED, "problems": [], "filesystem_device": "/dev/sdb1"})
    ret = STORAGE_STATES.backend_present(
        MOUNT, "/dev/sdb", partition="gpt", raid=SPEC["raid"], mount_options=["noatime", "inode64"]
    )
    assert ret["result"] is True and ret["changes"] == {"operations": DONE}, ret
    assert ret["comment"] == (
        f"prepared /dev/sdb for {MOUNT} (/dev/sdb1, UUID {FS_UUID}): partition, mkfs, directory, mount, fstab"
    )
    spec = {**SPEC, "mount_options": ["noatime", "inode64"]}
    assert salt.log == [
        ("gluster_storage.backend_plan", (MOUNT, "/dev/sdb"), spec),
        ("gluster_storage.backend_apply", (MOUNT, "/dev/sdb"), spec),
    ]


@pytest.mark.parametrize("test", [True, False], ids=["test", "run"])
def test_backend_present_refuses_what_the_plan_refuses(monkeypatch, test):
    problems = [
        f"/dev/sdb for {MOUNT}: /dev/sdb holds xfs that was not made for {MOUNT}; refusing to format it "
        "(set wipe: true for this device to re-create it)",
        f"/dev/sdb for {MOUNT}: /dev/sdb1 is mounted at /srv; refusing to touch a mounted device",
    ]
    salt = storage(
        monkeypatch, {"operations": [], "problems": problems, "filesystem_device": "/dev/sdb"}, test=test
    )
    ret = STORAGE_STATES.backend_present(MOUNT, "/dev/sdb")
    assert ret == {"name": MOUNT, "result": False, "changes": {}, "comment": "; ".join(problems)}
    assert salt.writes() == []


def test_backend_present_refuses_bad_arguments_before_looking_at_the_device(monkeypatch):
    refused = refusal_of(STORAGE.backend_plan, MOUNT, "/dev/sdb", filesystem="zfs", fstab="/etc/fstab")
    salt = storage(monkeypatch, refused)
    ret = STORAGE_STATES.backend_present(MOUNT, "/dev/sdb", filesystem="zfs")
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == f"brick backend {MOUNT}:filesystem: 'zfs' is not supported; use xfs or ext4"
    assert salt.writes() == []


def mkfs_failure():
    """What backend_apply raises when mkfs fails after the partition was made."""
    return CommandExecutionError(
        f"{MOUNT}: mkfs failed after partition was done: "
        "mkfs.xfs -q -i size=512 -n size=8192 /dev/sdb1 failed "
        "(exit 1): mkfs.xfs: cannot open /dev/sdb1: Device or resource busy",
        info={"operations": [PARTITION]},  # the steps done, as backend_apply names them
    )


def test_backend_present_failing_step_carries_the_tools_message_and_the_steps_done(monkeypatch):
    plan = {"operations": PLANNED, "problems": [], "filesystem_device": "/dev/sdb1"}
    salt = storage(monkeypatch, plan, gluster_storage__backend_apply=mkfs_failure())
    ret = STORAGE_STATES.backend_present(MOUNT, "/dev/sdb", partition="gpt")
    assert ret["result"] is False
    assert ret["comment"] == str(mkfs_failure())
    assert "after partition was done" in ret["comment"] and "Device or resource busy" in ret["comment"]
    assert len(salt.calls("gluster_storage.backend_apply")) == 1


def test_backend_present_failing_step_reports_the_steps_done_as_changes(monkeypatch):
    plan = {"operations": PLANNED, "problems": [], "filesystem_device": "/dev/sdb1"}
    storage(monkeypatch, plan, gluster_storage__backend_apply=mkfs_failure())
    ret = STORAGE_STATES.backend_present(MOUNT, "/dev/sdb", partition="gpt")
    assert ret["result"] is False
    assert [op["op"] for op in ret["changes"].get("operations", [])] == ["partition"]


# ---- gluster_storage.brick_directory --------------------------------------------------------


def brick_check(monkeypatch, check, test=False, **answers):
    return storage(monkeypatch, None, test=test, gluster_storage__brick_directory_check=check, **answers)


def not_mounted(brick, mount):
    return {
        "exists": False,
        "mounted": False,
        "problems": [
            f"brick {brick}: its filesystem {mount} is not mounted; refusing to use the filesystem below it "
            "(mount the device, or fix gluster:brick_devices)"
        ],
    }


def test_brick_directory_predicted_in_test_mode_while_its_filesystem_is_still_to_be_mounted(
    monkeypatch, tmp_path
):
    mount, brick = str(tmp_path / "gv0"), str(tmp_path / "gv0" / "brick")
    salt = brick_check(monkeypatch, not_mounted(brick, mount), test=True)
    ret = STORAGE_STATES.brick_directory(brick, mount=mount)
    assert ret == {
        "name": brick,
        "result": None,
        "changes": {"created": brick},
        "comment": f"would create brick directory {brick} once {mount} is mounted",
    }
    assert salt.log == [("gluster_storage.brick_directory_check", (brick, mount), {})]
    assert not (tmp_path / "gv0").exists()


def test_brick_directory_refused_on_a_filesystem_that_is_not_mounted(monkeypatch, tmp_path):
    mount, brick = str(tmp_path / "gv0"), str(tmp_path / "gv0" / "brick")
    check = not_mounted(brick, mount)
    brick_check(monkeypatch, check)
    ret = STORAGE_STATES.brick_directory(brick, mount=mount)
    assert ret == {"name": brick, "result": False, "changes": {}, "comment": check["problems"][0]}
    assert not (tmp_path / "gv0").exists()


def test_brick_directory_outside_its_mount_point_is_refused_in_test_mode_too(monkeypatch, tmp_path):
    mount, brick = str(tmp_path / "gv0"), str(tmp_path / "elsewhere" / "brick")
    check = {  # what brick_directory_check answers for these paths, the mount point not mounted
        "exists": False,
        "mounted": False,
        "problems": [f"brick {brick} must be a sub-directory of its filesystem's mount point {mount}"],
    }
    brick_check(monkeypatch, check, test=True)
    ret = STORAGE_STATES.brick_directory(brick, mount=mount)
    assert ret["result"] is False and ret["changes"] == {}, ret


@pytest.mark.parametrize("test", [True, False], ids=["test", "run"])
def test_brick_directory_refuses_a_bad_path(monkeypatch, test):
    problem = "brick path 'data/gv0/brick' must be an absolute path starting with '/'"
    check = {"exists": False, "mounted": None, "problems": [problem]}
    salt = brick_check(monkeypatch, check, test=test)
    ret = STORAGE_STATES.brick_directory("data/gv0/brick")
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"] == check["problems"][0]
    assert [name for name, *_rest in salt.log] == ["gluster_storage.brick_directory_check"]


EXISTS = {"exists": True, "mounted": True, "problems": []}


@pytest.mark.parametrize(
    "test, function", [(True, "stale_brick_marks"), (False, "clear_stale_brick_marks")], ids=["test", "run"]
)
def test_brick_directory_that_exists_without_a_stale_mark_changes_nothing(
    monkeypatch, tmp_path, test, function
):
    brick = tmp_path / "brick"
    brick.mkdir()
    salt = brick_check(monkeypatch, EXISTS, test=test, **{f"gluster_storage__{function}": {}})
    ret = STORAGE_STATES.brick_directory(str(brick), mount=str(tmp_path))
    assert ret == {
        "name": str(brick),
        "result": True,
        "changes": {},
        "comment": f"brick directory {brick} exists",
    }
    assert salt.calls(f"gluster_storage.{function}") == [(([str(brick)],), {"min_age": 60})]


def test_brick_directory_predicts_clearing_a_stale_mark_in_test_mode(monkeypatch, tmp_path):
    brick = str(tmp_path)
    salt = brick_check(
        monkeypatch,
        EXISTS,
        test=True,
        gluster_storage__stale_brick_marks={brick: CREATED["id"]},
        gluster_storage__clear_stale_brick_marks={},
    )
    ret = STORAGE_STATES.brick_directory(brick)
    assert ret["result"] is None and ret["changes"] == {"cleared_stale_mark": CREATED["id"]}
    assert ret["comment"] == f"would clear the stale volume mark {CREATED['id']} of brick {brick}"
    assert salt.writes() == []


def test_brick_directory_clears_a_stale_mark(monkeypatch, tmp_path):
    brick = str(tmp_path)
    salt = brick_check(monkeypatch, EXISTS, gluster_storage__clear_stale_brick_marks={brick: CREATED["id"]})
    ret = STORAGE_STATES.brick_directory(brick)
    assert ret["result"] is True and ret["changes"] == {"cleared_stale_mark": CREATED["id"]}
    assert ret["comment"] == (
        f"cleared the volume mark {CREATED['id']} left on brick {brick} by a failed volume create"
    )
    assert salt.calls("gluster_storage.clear_stale_brick_marks") == [(([brick],), {"min_age": 60})]


@pytest.mark.parametrize(
    "error",
    [
        gluster_failure(
            ["volume", "info"], "Connection failed. Please check if gluster daemon is operational."
        ),
        PermissionError(1, "Operation not permitted"),
    ],
    ids=["glusterd not answering", "xattr not removable"],
)
def test_brick_directory_with_its_mark_not_checked_still_succeeds_saying_why(monkeypatch, tmp_path, error):
    brick = str(tmp_path)
    brick_check(monkeypatch, EXISTS, gluster_storage__clear_stale_brick_marks=error)
    ret = STORAGE_STATES.brick_directory(brick)
    assert ret["result"] is True and ret["changes"] == {}
    assert ret["comment"] == f"brick directory {brick} exists (stale volume mark not checked: {error})"


def test_brick_directory_predicted_in_test_mode_is_not_made(monkeypatch, tmp_path):
    brick = tmp_path / "brick"
    brick_check(monkeypatch, {"exists": False, "mounted": True, "problems": []}, test=True)
    ret = STORAGE_STATES.brick_directory(str(brick), mount=str(tmp_path))
    assert ret == {
        "name": str(brick),
        "result": None,
        "changes": {"created": str(brick)},
        "comment": f"would create brick directory {brick}",
    }
    assert not brick.exists()


def test_brick_directory_is_made(monkeypatch, tmp_path):
    brick = tmp_path / "brick" / "gv0"
    brick_check(monkeypatch, {"exists": False, "mounted": None, "problems": []})
    ret = STORAGE_STATES.brick_directory(str(brick))
    assert ret == {
        "name": str(brick),
        "result": True,
        "changes": {"created": str(brick)},
        "comment": f"created brick directory {brick}",
    }
    assert brick.is_dir()


def test_brick_directory_that_cannot_be_made_fails_with_the_systems_message(monkeypatch, tmp_path):
    (tmp_path / "file").write_text("not a directory")
    brick = tmp_path / "file" / "brick"
    brick_check(monkeypatch, {"exists": False, "mounted": None, "problems": []})
    ret = STORAGE_STATES.brick_directory(str(brick))
    assert ret["result"] is False and ret["changes"] == {}
    assert ret["comment"].startswith(f"brick {brick}: [Errno 20] Not a directory")


# ---- gluster_firewall.ports_open ------------------------------------------------------------

FIREWALL_DATA = "firewall"
GLUSTER_PORTS = ["24007-24008/tcp", "49152-60999/tcp"]
RUN_KWARGS = {"python_shell": False, "ignore_retcode": True, "output_loglevel": "debug", "timeout": 120}


def captured(name):
    """A captured ``exit N`` + output file -> what cmd.run_all returns."""
    first, _sep, rest = read(f"{FIREWALL_DATA}/{name}").partition("\n")
    return {"pid": 4242, "retcode": int(first.split()[1]), "stdout": "", "stderr": rest}


def answered(stdout):
    return {"pid": 4242, "retcode": 0, "stdout": stdout, "stderr": ""}


class Firewall:
    """firewall-cmd and ufw behind cmd.run_all, and which of them is installed: a firewalld
    zone ``public`` (permanent and runtime ``--list-all`` text, as captured) and ufw's rules
    (``ufw status`` text, as captured), each changed as the tool changes it."""

    def __init__(self, installed=("firewall-cmd", "ufw"), firewalld=None, permanent=None, runtime=None,
                 ufw=None, failing=None):  # fmt: skip
        self.installed = installed
        self.firewalld = firewalld or captured("firewalld-state-not-running.txt")
        self.permanent = permanent or read(f"{FIREWALL_DATA}/firewalld-list-all-fresh.txt")
        self.runtime = runtime or self.permanent
        self.ufw = ufw or read(f"{FIREWALL_DATA}/ufw-status-inactive.txt")
        self.failing = failing or {}

    def which(self, name):
        return f"/usr/sbin/{name}" if name in self.installed else None

    def run_all(self, cmd, **kwargs):
        argv = list(cmd)
        if tuple(argv) in self.failing:
            return self.failing[tuple(argv)]
        if argv[0] == "firewall-cmd":
            return self._firewall_cmd(argv[1:])
        return self._ufw(argv[1:])

    def _firewall_cmd(self, args):
        if args == ["--state"]:
            return self.firewalld
        if any(arg.startswith("--zone=") and arg != "--zone=public" for arg in args):
            return captured("firewalld-error-invalid-zone.txt")
        permanent = "--permanent" in args
        if args[-1] == "--list-all":
            return answered(self.permanent if permanent else self.runtime)
        if args == ["--reload"]:
            self.runtime = self.permanent
            return answered("success\n")
        for arg in args:
            if arg.startswith("--add-port="):
                port = arg.partition("=")[2]
                self.permanent = re.sub(
                    r"^(  ports:.*?) *$", rf"\1 {port}", self.permanent, count=1, flags=re.M
                )
            elif arg.startswith("--add-rich-rule="):
                self.permanent = self.permanent.rstrip("\n") + f"\n\t{arg.partition('=')[2]}\n"
        return answered("success\n")

    def _ufw(self, args):
        if args == ["status"]:
            return answered(self.ufw)
        # allow proto P from SRC to any port PORT [comment C]
        protocol, source, port = args[2], args[4], args[8]
        comment = f"# {args[10]}" if len(args) > 10 else ""
        if "\n--" not in self.ufw:
            self.ufw = (
                "Status: active\n\nTo                         Action      From\n"
                "--                         ------      ----\n"
            )
        to = f"{port}/{protocol}"
        lines = [f"{to:<27}ALLOW       {'Anywhere' if source == 'any' else source:<27}{comment}"]
        if source == "any":
            lines.append(f"{to + ' (v6)':<27}ALLOW       {'Anywhere (v6)':<27}{comment}")
        self.ufw = self.ufw.rstrip("\n") + "\n" + "\n".join(lines) + "\n\n"
        return answered("Rule added\nRule added (v6)\n" if source == "any" else "Rule added\n")


def firewall(monkeypatch, tools, test=False):
    monkeypatch.setattr(FIREWALL_STATES.salt.utils.path, "which", create_autospec(
        FIREWALL_STATES.salt.utils.path.which, side_effect=tools.which))  # fmt: skip
    return install(monkeypatch, FIREWALL_STATES, {"cmd.run_all": tools.run_all}, test=test)


def commands(salt):
    """The argv of every command the state ran, checking each ran the state's way."""
    for _args, kwargs in salt.calls("cmd.run_all"):
        assert kwargs == RUN_KWARGS
    return [args[0] for args, _kwargs in salt.calls("cmd.run_all")]


READS = (["firewall-cmd", "--state"], ["ufw", "status"])


def changing(salt):
    return [argv for argv in commands(salt) if argv not in READS and argv[-1] != "--list-all"]


@pytest.mark.parametrize(
    "kwargs, problem",
    [
        ({"ports": []}, "glusterfs: ports must be a non-empty list"),
        ({"ports": "24007/tcp"}, "glusterfs: ports must be a non-empty list"),
        ({"ports": ["70000/tcp"]}, "glusterfs: ports: '70000/tcp': ports are 1..65535"),
        ({"ports": ["24007/icmp"]}, "glusterfs: ports: '24007/icmp': protocol icmp is not one of"),
        ({"ports": GLUSTER_PORTS, "sources": ["10.0.0.0/33"]}, "glusterfs: sources: '10.0.0.0/33' is not"),
        ({"ports": GLUSTER_PORTS, "sources": "10.0.0.0/24"}, "glusterfs: sources must be a list"),
        ({"ports": GLUSTER_PORTS, "tool": "iptables"}, "glusterfs: tool 'iptables' must be one of auto"),
        ({"ports": GLUSTER_PORTS, "zone": "pub lic"}, "glusterfs: zone 'pub lic' is not a firewalld zone"),
        ({"ports": GLUSTER_PORTS, "tool": "ufw", "zone": "public"}, "glusterfs: zone is for firewalld"),
    ],
)
def test_ports_open_refuses_bad_arguments_before_looking_at_the_host(monkeypatch, kwargs, problem):
    tools = Firewall()
    salt = firewall(monkeypatch, tools)
    ret = FIREWALL_STATES.ports_open("glusterfs", **kwargs)
    assert ret["result"] is False and ret["changes"] == {}
    assert problem in ret["comment"], ret
    assert salt.log == [] and FIREWALL_STATES.salt.utils.path.which.call_count == 0


@pytest.mark.parametrize(
    "tools, comment, probes",
    [
        (
            Firewall(installed=()),
            "no firewall manager is active (firewall-cmd not installed; ufw not installed); "
            "nothing was changed",
            [],
        ),
        (
            Firewall(),
            "no firewall manager is active (firewalld: not running; ufw: Status: inactive); "
            "nothing was changed",
            list(READS),
        ),
    ],
    ids=["none installed", "none active"],
)
def test_ports_open_leaves_a_host_without_an_active_firewall_alone(monkeypatch, tools, comment, probes):
    salt = firewall(monkeypatch, tools)
    ret = FIREWALL_STATES.ports_open("glusterfs", GLUSTER_PORTS)
    assert ret == {"name": "glusterfs", "result": True, "changes": {}, "comment": comment}
    assert commands(salt) == probes


@pytest.mark.parametrize(
    "tool, tools, error",
    [
        ("firewalld", Firewall(installed=("ufw",)), "tool firewalld: firewall-cmd is not installed"),
        ("firewalld", Firewall(), "tool firewalld: firewalld is not running (not running)"),
        ("ufw", Firewall(), "tool ufw: ufw is not active (Status: inactive)"),
    ],
)
def test_ports_open_fails_when_the_tool_asked_for_is_missing_or_off(monkeypatch, tool, tools, error):
    salt = firewall(monkeypatch, tools)
    ret = FIREWALL_STATES.ports_open("glusterfs", GLUSTER_PORTS, tool=tool)
    assert ret == {
        "name": "glusterfs",
        "result": False,
        "changes": {},
        "comment": f"{error}; nothing was changed",
    }
    assert changing(salt) == []


def running_firewalld(**kwargs):
    return Firewall(firewalld=answered(read(f"{FIREWALL_DATA}/firewalld-state-running.txt")), **kwargs)


@pytest.mark.parametrize(
    "ports, sources, text",
    [
        (["24007-24008/tcp"], None, "24007-24008/tcp"),
        (["49152-60999/tcp"], ["10.0.0.0/24"], "49152-60999/tcp from 10.0.0.0/24"),
        (["24011/tcp"], ["10.0.0.7/32"], "24011/tcp from 10.0.0.7"),
    ],
)
def test_ports_open_already_allowed_by_firewalld_change_nothing(monkeypatch, ports, sources, text):
    tools = running_firewalld(
        permanent=read(f"{FIREWALL_DATA}/firewalld-permanent-list-all.txt"),
        runtime=read(f"{FIREWALL_DATA}/firewalld-runtime-list-all.txt"),
    )
    salt = firewall(monkeypatch, tools)
    ret = FIREWALL_STATES.ports_open("glusterfs", ports, sources=sources)
    assert ret == {
        "name": "glusterfs",
        "result": True,
        "changes": {},
        "comment": f"{text} already open with firewalld (zone public)",
    }
    assert commands(salt) == [
        ["firewall-cmd", "--state"],
        ["firewall-cmd", "--permanent", "--list-all"],
        ["firewall-cmd", "--list-all"],
    ]


FIREWALLD_PORTS_CHANGES = {
    "tool": "firewalld",
    "zone": "public",
    "opened": GLUSTER_PORTS,
    "operations": [
        {"op": "add-ports", "argv": ["firewall-cmd", "--permanent", "--add-port=24007-24008/tcp",
                                     "--add-port=49152-60999/tcp"]},
        {"op": "reload", "argv": ["firewall-cmd", "--reload"]},
    ],
}  # fmt: skip


def test_ports_open_with_firewalld_predicted_in_test_mode_run_only_reads(monkeypatch):
    tools = running_firewalld()
    salt = firewall(monkeypatch, tools, test=True)
    ret = FIREWALL_STATES.ports_open("glusterfs", GLUSTER_PORTS)
    assert ret["result"] is None and ret["changes"] == FIREWALLD_PORTS_CHANGES
    assert ret["comment"] == "would open 24007-24008/tcp, 49152-60999/tcp with firewalld (zone public)"
    assert changing(salt) == []
    assert tools.permanent == read(f"{FIREWALL_DATA}/firewalld-list-all-fresh.txt")


def test_ports_open_with_firewalld_adds_the_ports_permanently_then_reloads(monkeypatch):
    salt = firewall(monkeypatch, running_firewalld())
    ret = FIREWALL_STATES.ports_open("glusterfs", GLUSTER_PORTS)
    assert ret["result"] is True and ret["changes"] == FIREWALLD_PORTS_CHANGES, ret
    assert ret["comment"] == "opened 24007-24008/tcp, 49152-60999/tcp with firewalld (zone public)"
    assert changing(salt) == [op["argv"] for op in FIREWALLD_PORTS_CHANGES["operations"]]
    assert commands(salt)[-2:] == [
        ["firewall-cmd", "--permanent", "--list-all"],
        ["firewall-cmd", "--list-all"],
    ]


def test_ports_open_with_firewalld_from_sources_adds_rich_rules_in_the_zone_given(monkeypatch):
    salt = firewall(monkeypatch, running_firewalld())
    ret = FIREWALL_STATES.ports_open("glusterfs", ["24007-24008/tcp"], zone="public", sources=["10.0.0.5/24"])
    rule = 'rule family="ipv4" source address="10.0.0.0/24" port port="24007-24008" protocol="tcp" accept'
    assert ret["result"] is True, ret
    assert ret["changes"] == {
        "tool": "firewalld",
        "zone": "public",
        "opened": ["24007-24008/tcp from 10.0.0.0/24"],
        "operations": [
            {"op": "add-rich-rules", "argv": ["firewall-cmd", "--permanent", "--zone=public",
                                              f"--add-rich-rule={rule}"]},
            {"op": "reload", "argv": ["firewall-cmd", "--reload"]},
        ],
    }  # fmt: skip
    assert commands(salt)[1] == ["firewall-cmd", "--permanent", "--zone=public", "--list-all"]


def test_ports_open_with_firewalld_in_a_zone_that_does_not_exist_fails_with_its_message(monkeypatch):
    salt = firewall(monkeypatch, running_firewalld())
    ret = FIREWALL_STATES.ports_open("glusterfs", GLUSTER_PORTS, zone="nosuch")
    assert ret == {
        "name": "glusterfs",
        "result": False,
        "changes": {},
        "comment": "firewall-cmd --permanent --zone=nosuch --list-all failed (exit 112): "
        "Error: INVALID_ZONE: nosuch",
    }
    assert changing(salt) == []


def test_ports_open_with_firewalld_failing_reload_reports_the_ports_added(monkeypatch):
    reload_failed = {"pid": 4242, "retcode": 251, "stdout": "",
                     "stderr": "Error: COMMAND_FAILED: 'python-nftables' failed: netlink: Error: Could not "
                               "process rule: No buffer space available\n"}  # fmt: skip
    tools = running_firewalld(failing={("firewall-cmd", "--reload"): reload_failed})
    firewall(monkeypatch, tools)
    ret = FIREWALL_STATES.ports_open("glusterfs", GLUSTER_PORTS)
    assert ret["result"] is False
    # the permanent configuration took the ports (the command that ran), the running firewall
    # does not allow them yet (read again): none is reported opened
    assert ret["changes"] == {
        **FIREWALLD_PORTS_CHANGES,
        "opened": [],
        "operations": FIREWALLD_PORTS_CHANGES["operations"][:1],
    }
    assert ret["comment"] == (
        "firewall-cmd --reload failed (exit 251): Error: COMMAND_FAILED: 'python-nftables' failed: netlink: "
        "Error: Could not process rule: No buffer space available"
    )


UFW_ALLOW = ["ufw", "allow", "proto", "tcp", "from", "any", "to", "any", "port", "24007:24008", "comment",
             "glusterfs"]  # fmt: skip


def active_ufw(**kwargs):
    return Firewall(installed=("ufw",), ufw=read(f"{FIREWALL_DATA}/ufw-status.txt"), **kwargs)


def test_ports_open_with_ufw_predicted_in_test_mode_from_the_status_already_read(monkeypatch):
    salt = firewall(monkeypatch, active_ufw(), test=True)
    ret = FIREWALL_STATES.ports_open("glusterfs", GLUSTER_PORTS)
    assert ret["result"] is None
    assert ret["changes"] == {
        "tool": "ufw",
        "opened": ["24007-24008/tcp"],  # 49152-60999/tcp is open from anywhere already
        "operations": [{"op": "allow", "argv": UFW_ALLOW}],
    }
    assert ret["comment"] == "would open 24007-24008/tcp with ufw"
    assert commands(salt) == [["ufw", "status"]], "the probe's status is the one planned from"


def test_ports_open_with_ufw_allows_each_missing_rule(monkeypatch):
    salt = firewall(monkeypatch, active_ufw())
    ret = FIREWALL_STATES.ports_open("glusterfs", GLUSTER_PORTS)
    assert ret["result"] is True, ret
    assert ret["changes"] == {
        "tool": "ufw",
        "opened": ["24007-24008/tcp"],
        "operations": [{"op": "allow", "argv": UFW_ALLOW}],
    }
    assert ret["comment"] == "opened 24007-24008/tcp with ufw"
    assert commands(salt) == [["ufw", "status"], UFW_ALLOW, ["ufw", "status"]]


def test_ports_open_with_ufw_still_missing_afterwards_fails(monkeypatch):
    tools = active_ufw(failing={tuple(UFW_ALLOW): answered("Skipping adding existing rule\n")})
    firewall(monkeypatch, tools)
    ret = FIREWALL_STATES.ports_open("glusterfs", GLUSTER_PORTS)
    assert ret["result"] is False
    # the command ran, the rule is not there: nothing is reported opened
    assert ret["changes"] == {"tool": "ufw", "opened": [],
                              "operations": [{"op": "allow", "argv": UFW_ALLOW}]}  # fmt: skip
    assert ret["comment"] == "ufw still does not allow 24007-24008/tcp after 1 command(s)"


def two_sources_one_refused():
    bad = ("ufw", "allow", "proto", "tcp", "from", "10.4.0.0/16", "to", "any", "port", "24007:24008",
           "comment", "glusterfs")  # fmt: skip
    return active_ufw(failing={bad: captured("ufw-error-bad-source.txt")}), list(bad)


def test_ports_open_with_ufw_failing_part_way_reports_the_rule_added(monkeypatch):
    tools, bad = two_sources_one_refused()
    salt = firewall(monkeypatch, tools)
    ret = FIREWALL_STATES.ports_open("glusterfs", ["24007-24008/tcp"], sources=["10.3.0.0/16", "10.4.0.0/16"])
    first = ["ufw", "allow", "proto", "tcp", "from", "10.3.0.0/16", "to", "any", "port", "24007:24008",
             "comment", "glusterfs"]  # fmt: skip
    assert ret["result"] is False
    assert ret["changes"]["operations"] == [{"op": "allow", "argv": first}]
    assert ret["comment"] == f"{' '.join(bad)} failed (exit 1): ERROR: Bad source address"
    assert changing(salt) == [first, bad]


def test_ports_open_with_ufw_failing_part_way_names_only_the_rule_opened(monkeypatch):
    tools, _bad = two_sources_one_refused()
    firewall(monkeypatch, tools)
    ret = FIREWALL_STATES.ports_open("glusterfs", ["24007-24008/tcp"], sources=["10.3.0.0/16", "10.4.0.0/16"])
    assert ret["result"] is False
    assert ret["changes"]["opened"] == ["24007-24008/tcp from 10.3.0.0/16"]
