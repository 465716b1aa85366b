"""One read of the cluster per run, kept current through the run's own writes.

The execution module keeps the parsed ``volume info`` of every volume for the run. A write to
one volume records its known effect (options set or reset, started, stopped) in that cache, or
marks the volume stale so that the next read asks gluster for that volume alone; the pool reads
stay. Any other write, or a glusterd restart, drops everything. The runner is faked with
answers captured from real gluster (``tests/data``); each test checks the gluster calls made.
"""

import contextvars
import threading
from pathlib import Path

import pytest
import saltext_gluster_utils.gluster_cli as gcli
from salt.exceptions import CommandExecutionError

from conftest import load_loader_module

DATA = Path(__file__).parent.parent / "data"
CONFIG = gcli.make_config(minion_config={"socket": "/run/cache/glusterd.socket"})


GLUSTER = load_loader_module("gluster_cache_unit", "gluster.py")


class Gluster:
    """Answers from captured files; ``calls`` lists every command run."""

    def __init__(self, answers):
        self.answers, self.calls, self.read_only = dict(answers), [], {}

    def run(self, config, args, xml=True, counter=None, read_only=False):
        args = tuple(args)
        self.calls.append(" ".join(args))
        self.read_only[" ".join(args)] = read_only
        if args not in self.answers:
            raise AssertionError(f"unexpected gluster call: {args}")
        return gcli.check_xml((DATA / self.answers[args]).read_text(), list(args), CONFIG)


BASE = {
    ("volume", "info"): "volume_info_all.xml",
    ("pool", "list"): "pool_list.xml",
    (
        "volume",
        "set",
        "rep3",
        "performance.cache-size",
        "64MB",
        "features.read-only",
        "off",
    ): "volume_set.xml",
    ("volume", "set", "rep3", "cache-size", "64MB"): "volume_set.xml",
    ("volume", "set", "rep3", "group", "metadata-cache"): "volume_set.xml",
    ("volume", "set", "rep3", "performance.cache-size", "lots"): "volume_set_bad_value.xml",
    ("volume", "reset", "rep3", "performance.cache-size"): "volume_reset_one.xml",
    ("volume", "reset", "rep3"): "volume_reset_all.xml",
    ("volume", "start", "rep3"): "volume_start.xml",
    ("volume", "stop", "rep3"): "volume_stop.xml",
    ("volume", "delete", "rep3"): "volume_delete.xml",
    ("volume", "info", "rep3"): "volume_info_stopped.xml",
    ("volume", "set", "all", "cluster.op-version", "100000"): "volume_set.xml",
}


@pytest.fixture
def gluster(monkeypatch):
    fake = Gluster(BASE)
    monkeypatch.setattr(gcli, "run", fake.run)
    monkeypatch.setattr(gcli, "glusterd_identity", lambda config: ("same glusterd",))
    monkeypatch.setattr(GLUSTER, "__context__", {}, raising=False)
    monkeypatch.setattr(GLUSTER, "__opts__", {}, raising=False)
    monkeypatch.setattr(GLUSTER, "__pillar__", {}, raising=False)
    return fake


def test_one_volume_info_serves_every_read(gluster):
    names = set(GLUSTER.volume_info())
    assert {"rep3", "dist", "arb"} <= names
    assert all(GLUSTER.volume_exists(name) for name in names)
    assert not GLUSTER.volume_exists("nosuchvol")
    GLUSTER.volume_options_plan("rep3", {"performance.cache-size": "64MB"})
    GLUSTER.volume_info("rep3")
    assert gluster.calls == ["volume info"]


def test_returned_info_is_a_copy(gluster):
    GLUSTER.volume_info("rep3")["options"]["mangled"] = "yes"
    GLUSTER.volume_info()["rep3"]["status"] = "mangled"
    assert "mangled" not in GLUSTER.volume_info("rep3")["options"]
    assert GLUSTER.volume_info("rep3")["status"] != "mangled"


def test_set_start_stop_and_reset_are_recorded_without_reading_again(gluster):
    before = GLUSTER.volume_info("rep3")
    assert before["status"] == "Created"
    GLUSTER.pool_list()
    GLUSTER.volume_set("rep3", {"performance.cache-size": "64MB", "features.read-only": False})
    assert GLUSTER.volume_info("rep3")["options"] == dict(
        before["options"], **{"performance.cache-size": "64MB", "features.read-only": "off"}
    )
    GLUSTER.volume_start("rep3")
    assert (
        GLUSTER.volume_info("rep3")["started"] is True and GLUSTER.volume_info("rep3")["status"] == "Started"
    )
    GLUSTER.volume_reset("rep3", "performance.cache-size")
    assert "performance.cache-size" not in GLUSTER.volume_info("rep3")["options"]
    GLUSTER.volume_stop("rep3")
    assert GLUSTER.volume_info("rep3")["started"] is False
    GLUSTER.pool_list()
    assert gluster.calls == [
        "volume info", "pool list",
        "volume set rep3 performance.cache-size 64MB features.read-only off", "volume start rep3",
        "volume reset rep3 performance.cache-size", "volume stop rep3",
    ]  # fmt: skip


def test_only_reads_may_be_asked_again_after_an_unknown_outcome(gluster):
    """A read is run with read_only (gluster_cli asks it again after a failed unlock); a write
    never is, so one whose commit may have happened is not repeated."""
    GLUSTER.volume_info("rep3")
    GLUSTER.pool_list()
    GLUSTER.volume_set("rep3", {"performance.cache-size": "64MB", "features.read-only": False})
    GLUSTER.volume_start("rep3")
    GLUSTER.volume_info("rep3")
    assert gluster.read_only == {
        "volume info": True,
        "pool list": True,
        "volume set rep3 performance.cache-size 64MB features.read-only off": False,
        "volume start rep3": False,
    }


@pytest.mark.parametrize(
    "write",
    [
        lambda: GLUSTER.volume_set(
            "rep3", {"cache-size": "64MB"}
        ),  # a short name: gluster stores the full key
        lambda: GLUSTER.volume_set("rep3", {"group": "metadata-cache"}),  # a group sets many options
        lambda: GLUSTER.volume_reset("rep3"),  # every option back to its default
    ],
    ids=["short name", "group", "reset all"],
)
def test_writes_with_unknown_effects_make_that_volume_alone_read_again(gluster, write):
    GLUSTER.volume_info()
    GLUSTER.pool_list()
    write()
    assert GLUSTER.volume_info("rep3")["name"] == "rep3"
    assert GLUSTER.volume_exists("dist")  # the others' info is still current
    GLUSTER.pool_list()
    assert gluster.calls[0:2] == ["volume info", "pool list"]
    assert gluster.calls[3:] == ["volume info rep3"]


def test_a_created_volume_is_read_alone(gluster):
    bricks = [f"127.1.1.{n}:/tmp/gcap-z4obgcmw/node{n}/bricks/rep{n - 1}" for n in (1, 2, 3)]
    gluster.answers[("volume", "create", "rep3", "replica", "3", *bricks, "force")] = (
        "volume_create_replica.xml"
    )
    gluster.answers[("volume", "info")] = "volume_info_empty.xml"
    assert not GLUSTER.volume_exists("rep3")
    GLUSTER.volume_create("rep3", bricks, replica=3, force=True)
    assert GLUSTER.volume_info("rep3")["bricks"][0]["name"] == bricks[0]
    assert GLUSTER.volume_exists("rep3") and list(GLUSTER.volume_info()) == ["rep3"]
    assert gluster.calls == [
        "volume info",
        f"volume create rep3 replica 3 {' '.join(bricks)} force",
        "volume info rep3",
    ]


def test_a_deleted_volume_is_gone_after_reading_it_alone(gluster):
    GLUSTER.volume_info()
    GLUSTER.volume_delete("rep3")
    gluster.answers[("volume", "info", "rep3")] = "volume_info_missing.xml"
    assert not GLUSTER.volume_exists("rep3")
    with pytest.raises(CommandExecutionError, match="Volume rep3 does not exist"):
        GLUSTER.volume_info("rep3")
    assert "rep3" not in GLUSTER.volume_info() and "dist" in GLUSTER.volume_info()
    assert gluster.calls == ["volume info", "volume delete rep3", "volume info rep3"]


def test_a_failed_write_leaves_the_volume_stale(gluster):
    GLUSTER.volume_info()
    with pytest.raises(CommandExecutionError):
        GLUSTER.volume_set("rep3", {"performance.cache-size": "lots"})
    GLUSTER.volume_info("rep3")
    assert gluster.calls == ["volume info", "volume set rep3 performance.cache-size lots", "volume info rep3"]


def test_a_write_to_a_stale_volume_is_not_recorded_over_old_info(gluster):
    GLUSTER.volume_info()
    GLUSTER.volume_set("rep3", {"cache-size": "64MB"})  # stale now
    GLUSTER.volume_start("rep3")  # its effect cannot be laid over info that is not current
    assert GLUSTER.volume_info("rep3")["status"] == "Created"  # what gluster answers for rep3 (the capture)
    assert gluster.calls[-1] == "volume info rep3"


def test_cluster_wide_writes_and_a_glusterd_restart_drop_everything(gluster, monkeypatch):
    GLUSTER.volume_info()
    GLUSTER.pool_list()
    GLUSTER.volume_set("all", {"cluster.op-version": "100000"})
    GLUSTER.volume_info()
    GLUSTER.pool_list()
    monkeypatch.setattr(gcli, "glusterd_identity", lambda config: ("a new glusterd",))
    GLUSTER.volume_info()
    GLUSTER.pool_list()
    assert gluster.calls == ["volume info", "pool list", "volume set all cluster.op-version 100000"] + [
        "volume info", "pool list"
    ] * 2  # fmt: skip


def test_several_stale_volumes_are_read_at_once(gluster):
    GLUSTER.volume_info()
    GLUSTER.volume_set("rep3", {"cache-size": "64MB"})
    GLUSTER.volume_delete("rep3")
    gluster.answers[("volume", "delete", "dist")] = "volume_delete.xml"
    GLUSTER.volume_delete("dist")  # two stale now
    GLUSTER.volume_info("rep3")
    GLUSTER.volume_info("dist")
    GLUSTER.volume_info()
    assert gluster.calls == [
        "volume info",
        "volume set rep3 cache-size 64MB",
        "volume delete rep3",
        "volume delete dist",
        "volume info",
    ]


# ---- threads: gluster.volumes_converged runs the states of several volumes at once ----------


class Gate:
    """Holds the gluster call ``held`` inside the fake runner until released, so that a test
    can make another thread's read happen while that write is in flight."""

    def __init__(self, fake, held):
        self.fake, self.held = fake, held
        self.entered, self.release = threading.Event(), threading.Event()
        self.run = fake.run

    def __call__(self, config, args, xml=True, counter=None, read_only=False):
        if " ".join(args) == self.held:
            self.entered.set()
            assert self.release.wait(10), "the test never released the held call"
        return self.run(config, args, xml=xml, counter=counter, read_only=read_only)


def _write_in_flight(monkeypatch, gluster, held, write):
    gate = Gate(gluster, held)
    monkeypatch.setattr(gcli, "run", gate)
    errors = []

    def target():
        try:
            write()
        except Exception as exc:  # pylint: disable=broad-except
            errors.append(exc)

    thread = threading.Thread(target=contextvars.copy_context().run, args=(target,))
    thread.start()
    assert gate.entered.wait(10)
    return gate, thread, errors


SET_REP3 = "volume set rep3 performance.cache-size 64MB features.read-only off"


def test_a_write_keeps_its_effect_while_another_thread_reads_another_volume(monkeypatch, gluster):
    """A thread reads one stale volume alone while another thread's ``volume set`` is in
    flight: the read replaces only that volume, so the write's effect still lands in the cache
    and nothing is read again for it."""
    gluster.answers[("volume", "info", "dist")] = "volume_info_stopped.xml"  # holds rep3 only: dist is gone
    GLUSTER.volume_info()
    GLUSTER.__context__[GLUSTER.CACHE_KEY][GLUSTER.STALE] = {"dist"}
    gate, thread, errors = _write_in_flight(
        monkeypatch, gluster, SET_REP3,
        lambda: GLUSTER.volume_set("rep3", {"performance.cache-size": "64MB", "features.read-only": "off"}),
    )  # fmt: skip
    assert not GLUSTER.volume_exists("dist")  # read alone, meanwhile
    gate.release.set()  # (the fake logs the held write when it is let through)
    thread.join(10)
    assert not errors, errors
    assert GLUSTER.volume_info("rep3")["options"]["performance.cache-size"] == "64MB"
    assert gluster.calls == ["volume info", "volume info dist", SET_REP3]


def test_a_write_during_a_read_of_every_volume_reads_its_volume_again(monkeypatch, gluster):
    """While a ``volume set`` is in flight another thread reads every volume again (several
    were stale): that answer may predate the write, so the written volume is marked stale and
    read alone next time, never taken from the earlier answer."""
    GLUSTER.volume_info()
    GLUSTER.__context__[GLUSTER.CACHE_KEY][GLUSTER.STALE] = {"dist", "arb"}
    gate, thread, errors = _write_in_flight(
        monkeypatch, gluster, SET_REP3,
        lambda: GLUSTER.volume_set("rep3", {"performance.cache-size": "64MB", "features.read-only": "off"}),
    )  # fmt: skip
    GLUSTER.volume_info()  # every volume again, meanwhile
    gate.release.set()
    thread.join(10)
    assert not errors, errors
    assert "rep3" in GLUSTER.__context__[GLUSTER.CACHE_KEY][GLUSTER.STALE]
    GLUSTER.volume_info("rep3")
    # (the fake logs the held write when it is let through)
    assert gluster.calls == ["volume info", "volume info", SET_REP3, "volume info rep3"]


def test_threads_going_through_the_volumes_are_not_disturbed_by_writes(gluster):
    """Readers iterate over the cached volumes while writers record their effects: nobody
    changes the cached dicts in place, so no reader sees a dict change size under it."""
    GLUSTER.volume_info()
    failures = []
    stop = threading.Event()

    def reader():
        try:
            while not stop.is_set():
                for volume in GLUSTER._volumes().values():  # pylint: disable=protected-access
                    dict(volume["options"])
        except Exception as exc:  # pylint: disable=broad-except
            failures.append(exc)

    threads = [threading.Thread(target=contextvars.copy_context().run, args=(reader,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for _ in range(200):
        GLUSTER.volume_set("rep3", {"performance.cache-size": "64MB", "features.read-only": "off"})
    stop.set()
    for thread in threads:
        thread.join(10)
    assert not failures, failures
    assert GLUSTER.volume_info("rep3")["options"]["features.read-only"] == "off"
