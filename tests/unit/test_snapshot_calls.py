"""Snapshots: answers captured from real gluster 10.3 (``tests/data/capture_snapshot.py``;
with lvm2 installed, config, list and info work on any volume, create is refused on bricks that
are not thin LVs), the exact argv of each call, values refused before any call, and the
rotation's choice of what to delete."""

import time
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
        "system": {
            "hard_limit": 256,
            "soft_limit_percent": 90,
            "auto_delete": False,
            "activate_on_create": False,
        },
        "volumes": {"sv": {"hard_limit": 256, "effective_hard_limit": 256, "soft_limit": 230}},
    }
    assert gx.parse_snapshot_config((DATA / "snapshot_config_changed.xml").read_text()) == {
        "system": {
            "hard_limit": 256,
            "soft_limit_percent": 80,
            "auto_delete": True,
            "activate_on_create": True,
        },
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
    GLUSTER.snapshot_config_set(
        hard_limit="100", soft_limit="80%", auto_delete=True, activate_on_create=False
    )
    GLUSTER.snapshot_config_set(activate_on_create=True)
    assert runner.calls == [
        [
            "snapshot",
            "create",
            "before-upgrade",
            "gv0",
            "no-timestamp",
            "description",
            "before the 11.1 upgrade",
        ],
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
    plan = GLUSTER.snapshot_config_plan(
        hard_limit=256, soft_limit=80, auto_delete=False, activate_on_create=True
    )
    assert plan == {
        "current": {"hard_limit": 256, "soft_limit": 90, "auto_delete": False, "activate_on_create": False},
        "set": {"soft_limit": 80, "activate_on_create": True},
    }
    assert GLUSTER.snapshot_config_plan("sv", hard_limit="10") == {
        "current": {"hard_limit": 256},
        "set": {"hard_limit": 10},
    }
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
    """Names and times in the same order (a clock never stepped): the oldest beyond keep."""
    names = [
        "hourly-20261126-100000",
        "daily-20261120-000000",
        "hourly-20261126-080000",
        "manual",
        "hourly-20261126-090000",
        "hourly-extra-20261126-070000",
        "hourly-20261126-110000_GMT-2026.11.26-11.00.00",
    ]
    names = [
        {"name": name, "created": "2026-11-26 %s:00:00" % (name[-6:-4] if name[-6:-4].isdigit() else "00")}
        for name in names
    ]
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
    assert create[2].startswith("hourly-2") and len(create[2]) == len("hourly-20261126-090000")


# ---- rotation by gluster's creation time -------------------------------------------------------
# ``snapshot info volume VOL`` with snapshots in it cannot be captured here (no thin LV). These
# answers are the captured empty one (tests/data/snapshot_info_volume.xml) with <snapshot>
# elements added as gluster 10.3 writes them (cli_xml_snapshot_info_per_snap in
# cli/src/cli-xml-output.c: name, uuid, description, createTime, volCount, snapVolume).


def info_answer(snapshots, volume="sv"):
    """The captured ``snapshot info volume`` answer holding ``snapshots`` ((name, createTime))."""
    elements = "".join(
        f"<snapshot><name>{name}</name><uuid>0f5c6a41-5c2e-4b7e-9d8e-00000000000{i}</uuid>"
        f"<description>snapshot_rotate hourly keep 3</description><createTime>{created}</createTime>"
        f"<volCount>1</volCount><snapVolume><name>{i}a2b3c4d5e6f{i}</name><status>Stopped</status>"
        "</snapVolume></snapshot>"
        for i, (name, created) in enumerate(snapshots)
    )
    text = (
        (DATA / "snapshot_info_volume.xml").read_text().replace("<name>sv</name>", f"<name>{volume}</name>")
    )
    text = text.replace("<snapCount>0</snapCount>", f"<snapCount>{len(snapshots)}</snapCount>")
    text = text.replace("<count>0</count>", f"<count>{len(snapshots)}</count>")
    return text.replace("<snapshots/>", f"<snapshots>{elements}</snapshots>")


def entries(*pairs):
    return [{"name": name, "created": created} for name, created in pairs]


def test_snapshot_info_parsed():
    assert gx.parse_snapshot_info((DATA / "snapshot_info_volume.xml").read_text()) == []
    parsed = gx.parse_snapshot_info(info_answer([("hourly-20261126-090000", "2026-11-26 09:00:00")]))
    assert parsed == [{
        "name": "hourly-20261126-090000", "uuid": "0f5c6a41-5c2e-4b7e-9d8e-000000000000",
        "description": "snapshot_rotate hourly keep 3", "created": "2026-11-26 09:00:00",
    }]  # fmt: skip


@pytest.mark.parametrize(
    "answer",
    [
        info_answer([("s1", "")]),
        info_answer([("s1", "Thu Nov 26 09:00:00 2026")]),
        info_answer([("s1", "2026-11-26 09:00:00")]).replace("<count>1</count>", "<count>2</count>"),
        info_answer([("s1", "2026-11-26 09:00:00")]).replace(
            "<createTime>2026-11-26 09:00:00</createTime>", ""
        ),
    ],
)
def test_snapshot_info_without_a_creation_time_is_refused(answer):
    with pytest.raises(gx.GlusterParseError):
        gx.parse_snapshot_info(answer)


def test_rotation_keeps_the_newest_by_glusters_time_not_by_name():
    # names from a node whose clock ran an hour ahead: name order and creation order differ
    snapshots = entries(
        ("hourly-20261126-110000", "2026-11-26 09:00:00"),
        ("hourly-20261126-090000", "2026-11-26 10:00:00"),
        ("hourly-20261126-100000", "2026-11-26 11:00:00"),
        ("daily-20261120-000000", "2026-11-20 00:00:00"),
        ("manual", "2026-01-01 00:00:00"),
        ("hourly-extra-20261126-070000", "2026-11-26 07:00:00"),
    )
    assert GLUSTER.snapshot_rotation(snapshots, "hourly", 2) == ["hourly-20261126-110000"]
    assert GLUSTER.snapshot_rotation(snapshots, "hourly", 1) == [
        "hourly-20261126-110000",
        "hourly-20261126-090000",
    ]
    assert GLUSTER.snapshot_rotation(snapshots, "hourly", 3) == []
    assert GLUSTER.snapshot_rotation(snapshots, "daily", 1) == []


def test_a_clock_stepped_back_never_deletes_the_snapshot_just_taken():
    # three taken at 10, 11, 12; then the clock is stepped back a day: the new one is oldest by
    # name and by gluster's time, and still survives; the oldest of the others goes instead
    before = [
        ("hourly-20261126-100000", "2026-11-26 10:00:00"),
        ("hourly-20261126-110000", "2026-11-26 11:00:00"),
        ("hourly-20261126-120000", "2026-11-26 12:00:00"),
    ]
    taken = ("hourly-20261125-123000", "2026-11-25 12:30:00")
    snapshots = entries(*before, taken)
    assert GLUSTER.snapshot_rotation(snapshots, "hourly", 3, taken=taken[0]) == ["hourly-20261126-100000"]
    assert GLUSTER.snapshot_rotation(snapshots, "hourly", 1, taken=taken[0]) == [name for name, _ in before]
    # the next one, an hour later on the stepped clock: the first one after the step is now the
    # oldest of the others (its time is), the one just taken stays, three are kept
    following = ("hourly-20261125-133000", "2026-11-25 13:30:00")
    snapshots = entries(*before[1:], taken, following)
    assert GLUSTER.snapshot_rotation(snapshots, "hourly", 3, taken=following[0]) == [taken[0]]
    # the same second twice (two nodes rotating, or a step back onto a taken second): the name decides
    twins = entries(
        ("hourly-20261126-100001", "2026-11-26 10:00:00"), ("hourly-20261126-100000", "2026-11-26 10:00:00")
    )
    assert GLUSTER.snapshot_rotation(twins, "hourly", 1, taken="hourly-20261126-100000") == [
        "hourly-20261126-100001"
    ]


def test_a_snapshot_just_taken_that_gluster_does_not_list_is_not_counted():
    snapshots = entries(
        ("hourly-20261126-100000", "2026-11-26 10:00:00"), ("hourly-20261126-110000", "2026-11-26 11:00:00")
    )
    assert GLUSTER.snapshot_rotation(snapshots, "hourly", 1, taken="hourly-20261126-120000") == [
        "hourly-20261126-100000"
    ]
    assert GLUSTER.snapshot_rotation(snapshots, "hourly", 2, taken="hourly-20261126-120000") == []


@pytest.mark.parametrize(
    "snapshots",
    [
        ["hourly-20261126-100000"],  # names alone: no creation time to order by
        [{"name": "hourly-20261126-100000"}],
        [{"name": "hourly-20261126-100000", "created": "yesterday"}],
        "hourly-20261126-100000",
    ],
)
def test_rotation_takes_glusters_entries_only(snapshots):
    with pytest.raises(SaltInvocationError, match="snapshot"):
        GLUSTER.snapshot_rotation(snapshots, "hourly", 1)


def test_rotate_orders_by_glusters_time_after_a_clock_step(monkeypatch):
    """The whole rotation with the minion's clock stepped back before the earlier snapshots:
    create, one ``snapshot info volume``, then deletes that never name the new snapshot."""
    calls, existing = (
        [],
        [
            ("hourly-20261126-100000", "2026-11-26 10:00:00"),
            ("hourly-20261126-110000", "2026-11-26 11:00:00"),
        ],
    )

    def run(config, args, xml=True, counter=None, read_only=False):
        args = list(args)
        calls.append(args)
        if args[:2] == ["snapshot", "create"]:
            existing.append((args[2], "2026-11-25 09:00:00"))  # glusterd's clock was stepped back too
            answer = (DATA / "volume_set.xml").read_text()
        elif args[:3] == ["snapshot", "info", "volume"]:
            answer = info_answer(existing, volume=args[3])
        else:
            answer = (DATA / "volume_set.xml").read_text()
        return gcli.check_xml(answer, args, CONFIG)

    answer_gluster_with(monkeypatch, GLUSTER, run)
    monkeypatch.setattr(
        GLUSTER.time, "gmtime", lambda *a: time.struct_time((2026, 11, 25, 9, 0, 0, 2, 329, 0))
    )
    result = GLUSTER.snapshot_rotate("gv0", "hourly", 2)
    assert result == {"created": "hourly-20261125-090000", "deleted": ["hourly-20261126-100000"]}, result
    assert calls == [
        [
            "snapshot",
            "create",
            "hourly-20261125-090000",
            "gv0",
            "no-timestamp",
            "description",
            "snapshot_rotate hourly keep 2",
        ],
        ["snapshot", "info", "volume", "gv0"],
        ["snapshot", "delete", "hourly-20261126-100000"],
    ]


def test_the_formula_schedule_jobs_of_the_given_volumes_only():
    schedule = {
        "gluster-snapshot-gv0-hourly": {
            "function": "gluster.snapshot_rotate",
            "args": ["gv0", "hourly", 24],
            "hours": 1,
        },
        "gluster-snapshot-gv0-daily": {
            "function": "gluster.snapshot_rotate",
            "args": ["gv0", "daily", 7],
            "days": 1,
        },
        "gluster-snapshot-old-hourly": {
            "function": "gluster.snapshot_rotate",
            "args": ["old", "hourly", 2],
            "hours": 1,
        },
        "gluster-snapshot-other-hourly": {
            "function": "gluster.snapshot_rotate",
            "args": ["other", "hourly", 2],
        },
        "gluster-snapshot-gv0-mine": {"function": "cmd.run", "args": ["gv0", "mine"]},  # not ours
        "my-rotation": {
            "function": "gluster.snapshot_rotate",
            "args": ["gv0", "hourly", 3],
        },  # not ours either
        "enabled": True,
        "__mine_interval": {"function": "mine.update", "minutes": 60},
    }
    jobs = GLUSTER._formula_schedule_jobs
    assert jobs(schedule, ["gv0", "old"]) == [
        "gluster-snapshot-gv0-daily",
        "gluster-snapshot-gv0-hourly",
        "gluster-snapshot-old-hourly",
    ]
    assert jobs(schedule, ["gv0", "old"], ["gluster-snapshot-gv0-hourly"]) == [
        "gluster-snapshot-gv0-daily",
        "gluster-snapshot-old-hourly",
    ]
    assert jobs(schedule, ["gv1"]) == [] and jobs({}, ["gv0"]) == [] and jobs(None, ["gv0"]) == []
