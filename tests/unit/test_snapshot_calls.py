"""Snapshots: answers captured from real gluster 10.3 (``tests/data/capture_snapshot.py``;
with lvm2 installed, config, list and info work on any volume, create is refused on bricks that
are not thin LVs), the exact argv of each call, values refused before any call, and the
rotation's choice of what to delete."""

from pathlib import Path

import pytest
import saltext_gluster_utils.gluster_cli as gcli
import saltext_gluster_utils.gluster_xml as gx
from salt.exceptions import CommandExecutionError
from salt.exceptions import SaltInvocationError

from conftest import answer_gluster_with
from conftest import load_loader_module

DATA = Path(__file__).parent.parent / "data"
CONFIG = gcli.make_config(minion_config={"socket": "/run/snap/glusterd.socket"})
GLUSTER = load_loader_module("gluster_snapshot_calls_unit", "gluster.py")


def test_config_parsed():
    assert gx.parse_snapshot_config((DATA / "snapshot_config_default.xml").read_text()) == {
        "system": {"hard_limit": 256, "soft_limit_percent": 90, "auto_delete": False, "activate_on_create": False},
        "volumes": {"sv": {"hard_limit": 256, "effective_hard_limit": 256, "soft_limit": 230}},
    }
    assert gx.parse_snapshot_config((DATA / "snapshot_config_changed.xml").read_text()) == {
        "system": {"hard_limit": 256, "soft_limit_percent": 80, "auto_delete": True, "activate_on_create": True},
        "volumes": {"sv": {"hard_limit": 10, "effective_hard_limit": 10, "soft_limit": 8}},
    }


def test_list_and_count_parsed():
    assert gx.parse_snapshot_list((DATA / "snapshot_list_empty.xml").read_text()) == []
    assert gx.parse_snapshot_volume_info((DATA / "snapshot_info_volume.xml").read_text()) == {
        "volume": "sv", "count": 0, "remaining": 256,
    }  # fmt: skip


@pytest.mark.parametrize(
    "answer, message",
    [
        ("snapshot_create_not_thin.xml", "Snapshot is supported only for thin provisioned LV"),
        ("snapshot_delete_missing.xml", r"Snapshot \(nosuch\) does not exist"),
        ("snapshot_activate_missing.xml", r"Snapshot \(nosuch\) does not exist"),
        ("snapshot_list_no_volume.xml", r"Volume \(nosuchvol\) does not exist"),
        ("snapshot_config_out_of_range.xml", "Expected range 1 - 256"),
    ],
)
def test_refusals_raise_with_glusters_message(answer, message):
    with pytest.raises(CommandExecutionError, match=message):
        gcli.check_xml((DATA / answer).read_text(), ["snapshot"], CONFIG)


class Runner:
    def __init__(self):
        self.calls = []

    def run(self, config, args, xml=True, counter=None, read_only=False):
        args = list(args)
        self.calls.append(args)
        answer = "volume_set.xml"
        if args[:2] == ["snapshot", "config"] and len(args) <= 3:
            answer = "snapshot_config_default.xml"
        elif args[:2] == ["snapshot", "list"]:
            answer = "snapshot_list_empty.xml"
        return gcli.check_xml((DATA / answer).read_text(), list(args), CONFIG)


@pytest.fixture
def runner(monkeypatch):
    fake = Runner()
    answer_gluster_with(monkeypatch, GLUSTER, fake.run)
    return fake


def test_the_argv_of_each_snapshot_call(runner):
    GLUSTER.snapshot_create("before-upgrade", "gv0", description="before the 11.1 upgrade")
    GLUSTER.snapshot_create("s2", "gv0", timestamp=True, force=True)
    GLUSTER.snapshot_activate("s2")
    GLUSTER.snapshot_activate("s2", force=True)
    GLUSTER.snapshot_deactivate("s2")
    GLUSTER.snapshot_delete("s2")
    GLUSTER.snapshot_restore("before-upgrade")
    GLUSTER.snapshot_clone("gv0-test", "before-upgrade")
    GLUSTER.snapshot_config_set("gv0", hard_limit=50)
    GLUSTER.snapshot_config_set(hard_limit="100", soft_limit="80%", auto_delete=True, activate_on_create=False)
    GLUSTER.snapshot_config_set(activate_on_create=True)
    assert runner.calls == [
        ["snapshot", "create", "before-upgrade", "gv0", "no-timestamp", "description", "before the 11.1 upgrade"],
        ["snapshot", "create", "s2", "gv0", "force"],
        ["snapshot", "activate", "s2"],
        ["snapshot", "activate", "s2", "force"],
        ["snapshot", "deactivate", "s2"],
        ["snapshot", "delete", "s2"],
        ["snapshot", "restore", "before-upgrade"],
        ["snapshot", "clone", "gv0-test", "before-upgrade"],
        ["snapshot", "config", "gv0", "snap-max-hard-limit", "50"],
        ["snapshot", "config"],  # auto-delete and activate-on-create: their values first
        ["snapshot", "config", "snap-max-hard-limit", "100"],
        ["snapshot", "config", "snap-max-soft-limit", "80"],
        ["snapshot", "config", "auto-delete", "enable"],  # activate-on-create is already off: skipped
        ["snapshot", "config"],  # each write drops the cached reads
        ["snapshot", "config", "activate-on-create", "enable"],
    ]


def test_config_plan_names_only_what_differs(runner):
    plan = GLUSTER.snapshot_config_plan(hard_limit=256, soft_limit=80, auto_delete=False, activate_on_create=True)
    assert plan == {
        "current": {"hard_limit": 256, "soft_limit": 90, "auto_delete": False, "activate_on_create": False},
        "set": {"soft_limit": 80, "activate_on_create": True},
    }
    assert GLUSTER.snapshot_config_plan("sv", hard_limit="10") == {"current": {"hard_limit": 256}, "set": {"hard_limit": 10}}
    assert runner.calls == [["snapshot", "config"], ["snapshot", "config", "sv"]]


@pytest.mark.parametrize(
    "call",
    [
        lambda: GLUSTER.snapshot_create("bad name", "gv0"),
        lambda: GLUSTER.snapshot_create("-x", "gv0"),
        lambda: GLUSTER.snapshot_create("s1", "gv0;reboot"),
        lambda: GLUSTER.snapshot_create("s1", "gv0", description="two\nlines"),
        lambda: GLUSTER.snapshot_create("s1", "gv0", description="x" * 1025),
        lambda: GLUSTER.snapshot_delete("../etc"),
        lambda: GLUSTER.snapshot_activate("s1 force"),
        lambda: GLUSTER.snapshot_clone("bad/clone", "s1"),
        lambda: GLUSTER.snapshot_config_set(hard_limit=0),
        lambda: GLUSTER.snapshot_config_set(hard_limit=257),
        lambda: GLUSTER.snapshot_config_set(soft_limit=100),
        lambda: GLUSTER.snapshot_config_set(auto_delete="yes"),
        lambda: GLUSTER.snapshot_config_set("gv0", soft_limit=80),
        lambda: GLUSTER.snapshot_config_plan("gv0", auto_delete=True),
        lambda: GLUSTER.snapshot_list("nope!"),
        lambda: GLUSTER.snapshot_rotate("gv0", "hourly", 0),
        lambda: GLUSTER.snapshot_rotate("gv0", "bad prefix", 3),
    ],
)
def test_bad_input_is_refused_before_gluster_runs(runner, call):
    with pytest.raises(SaltInvocationError):
        call()
    assert runner.calls == []


def test_rotation_deletes_only_its_own_oldest():
    names = ["hourly-20261126-100000", "daily-20261120-000000", "hourly-20261126-080000", "manual",
             "hourly-20261126-090000", "hourly-extra-20261126-070000", "hourly-20261126-110000_GMT-2026.11.26-11.00.00"]  # fmt: skip
    assert GLUSTER.snapshot_rotation(names, "hourly", 2) == ["hourly-20261126-080000"]
    assert GLUSTER.snapshot_rotation(names, "hourly", 5) == []
    assert GLUSTER.snapshot_rotation(names, "daily", 1) == []


def test_rotate_deletes_nothing_when_the_snapshot_fails(runner, monkeypatch):
    def run(config, args, xml=True, counter=None, read_only=False):
        runner.calls.append(list(args))
        return gcli.check_xml((DATA / "snapshot_create_not_thin.xml").read_text(), list(args), CONFIG)

    monkeypatch.setattr(gcli, "run", run)
    with pytest.raises(CommandExecutionError, match="thin provisioned LV"):
        GLUSTER.snapshot_rotate("gv0", "hourly", 3)
    assert len(runner.calls) == 1, runner.calls  # no list, no delete
    create = runner.calls[0]
    assert create[:2] == ["snapshot", "create"] and create[3:5] == ["gv0", "no-timestamp"]
    assert GLUSTER.snapshot_rotation([create[2]], "hourly", 1) == [] and create[2].startswith("hourly-2")
