"""``volume status all`` while another transaction holds a volume's lock.

gluster then leaves that volume out of its answer and still says opRet 0 (captured from real
gluster by tests/data/capture_status_race.py: a ``start force`` loop on ``ra`` while node 3 reads
``status all``). Read as it came, a started volume looked as if it had no bricks: the beacon
dropped its bricks' conditions for that look, so the brick that came back online on the next
look had no earlier problem to recover from and ``brick/online`` was never fired (CI, the
example reactor's test: the reactor's ``start force`` and the beacon's look at the same time).
``gluster.volume_status()`` now reads each started volume that ``status all`` left out on its
own, where gluster answers honestly (the lock error the runner waits out, or the status).
"""

from pathlib import Path

import pytest
import saltext_gluster_utils.gluster_cli as gcli
from salt.exceptions import CommandExecutionError

from conftest import answer_gluster_with
from conftest import load_loader_module

DATA = Path(__file__).parent.parent / "data"
CONFIG = gcli.make_config(minion_config={"socket": "/run/cache/glusterd.socket"})
GLUSTER = load_loader_module("gluster_status_race_unit", "gluster.py")

ANSWERS = {
    ("pool", "list"): "status_race_pool_list.xml",
    ("volume", "info"): "status_race_volume_info.xml",
    ("volume", "status", "all"): "status_race_all_left_out.xml",
    ("volume", "status", "all", "detail"): "status_race_all_detail_left_out.xml",
    ("volume", "status", "ra"): "status_race_ra.xml",
    ("volume", "status", "ra", "detail"): "status_race_ra_detail.xml",
}


class Gluster:
    """Captured answers; ``calls`` lists every command run."""

    def __init__(self, answers):
        self.answers, self.calls = dict(answers), []

    def run(self, config, args, xml=True, counter=None, read_only=False):
        self.calls.append(" ".join(args))
        return gcli.check_xml((DATA / self.answers[tuple(args)]).read_text(), list(args), CONFIG)


@pytest.fixture
def gluster(monkeypatch):
    fake = Gluster(ANSWERS)
    answer_gluster_with(monkeypatch, GLUSTER, fake.run)
    return fake


def bricks(status, volume):
    return sorted((brick["host"], brick["online"]) for brick in status[volume]["bricks"])


def test_the_capture_really_leaves_a_started_volume_out():
    """What the fix stands on, in gluster's own answers: both volumes started, ``ra`` missing
    from ``status all`` (opRet 0), and there when read alone."""
    import saltext_gluster_utils.gluster_xml as parse

    info = parse.parse_volume_info((DATA / "status_race_volume_info.xml").read_text())
    assert {name for name, volume in info.items() if volume["started"]} == {"ra", "rb"}
    assert set(parse.parse_volume_status((DATA / "status_race_all_left_out.xml").read_text())) == {"rb"}
    assert set(parse.parse_volume_status((DATA / "status_race_all_complete.xml").read_text())) == {"ra", "rb"}
    assert set(parse.parse_volume_status((DATA / "status_race_ra.xml").read_text())) == {"ra"}


def test_a_started_volume_left_out_is_read_alone(gluster):
    status = GLUSTER.volume_status()
    assert set(status) == {"ra", "rb"}
    assert bricks(status, "ra") == [("127.1.9.1", True), ("127.1.9.2", True), ("127.1.9.3", True)]
    assert gluster.calls == ["volume status all", "volume info", "volume status ra"]


def test_a_complete_answer_costs_no_second_read(gluster):
    gluster.answers[("volume", "status", "all")] = "status_race_all_complete.xml"
    assert set(GLUSTER.volume_status()) == {"ra", "rb"}
    assert gluster.calls == ["volume status all", "volume info"]


@pytest.mark.parametrize("answer", ["status_race_ra_stopped.xml", "status_race_ra_deleted.xml"])
def test_a_volume_stopped_or_deleted_in_between_stays_out(gluster, answer):
    """(gluster gives these the errno of a held lock, 30800: its words tell them apart)"""
    gluster.answers[("volume", "status", "ra")] = answer
    assert set(GLUSTER.volume_status()) == {"rb"}


def test_another_error_of_the_volume_read_alone_is_raised(gluster):
    gluster.answers[("volume", "status", "ra")] = "volume_status_stopped.xml"  # another volume's words
    with pytest.raises(CommandExecutionError, match="Volume dist is not started"):
        GLUSTER.volume_status()


def test_a_lock_that_outlasts_the_runners_wait_is_an_error_not_a_volume_without_bricks(gluster):
    """(the real runner waits a held lock out before it gives up; this fake gives up at once)"""
    gluster.answers[("volume", "status", "ra")] = "status_race_ra_locked.xml"
    with pytest.raises(
        gcli.GlusterLockError, match="Locking failed on|Another transaction is in progress for ra"
    ):
        GLUSTER.volume_status()


def test_the_cluster_report_sees_both_volumes_whole(gluster):
    report = GLUSTER.cluster_report(heal=False)
    assert {name: view["state"] for name, view in report["volumes"].items()} == {"ra": "ok", "rb": "ok"}
    assert "volume status ra detail" in gluster.calls


def test_the_beacon_fires_brick_online_after_a_look_in_the_race(gluster):
    """The CI failure, replayed: node 3's brick of ``ra`` was offline at the last look (the
    event fired, the reactor ran ``start force``); this look comes while that start holds
    ``ra``'s lock and finds the brick back: ``brick/online``, and no other event."""
    previous = GLUSTER.health(checks=["bricks"])["conditions"]
    key = next(key for key in previous if key.startswith("brick:ra:127.1.9.3:"))
    previous[key] = dict(previous[key], problem=True, pid=None, port=None)
    GLUSTER.clear_cache()
    look = GLUSTER.health(checks=["bricks"], previous=previous)
    assert [(event["tag"], event["condition"]) for event in look["events"]] == [("brick/online", key)]
    assert look["conditions"][key]["problem"] is False
