"""Quotas: ``quota list`` parsed from answers captured on real gluster 10.3
(``tests/data/capture_quota.py``), limits validated before any gluster call, and the exact
argv each quota function runs."""

from pathlib import Path

import pytest
import saltext_gluster_utils.gluster_cli as gcli
import saltext_gluster_utils.gluster_validate as validate
import saltext_gluster_utils.gluster_xml as gx
from salt.exceptions import CommandExecutionError
from salt.exceptions import SaltInvocationError

from conftest import answer_gluster_with
from conftest import load_loader_module

DATA = Path(__file__).parent.parent / "data"
CONFIG = gcli.make_config(minion_config={"socket": "/run/quota/glusterd.socket"})


GLUSTER = load_loader_module("gluster_quota_calls_unit", "gluster.py")


def test_usage_limits_parsed():
    limits = gx.parse_quota_list((DATA / "quota_list.xml").read_text())
    assert limits == [
        {
            "path": "/",
            "hard_limit": 1 << 30,
            "soft_limit_percent": 80,
            "soft_limit": 858993459,
            "used": 8 << 20,
            "available": (1 << 30) - (8 << 20),
            "soft_exceeded": False,
            "hard_exceeded": False,
        },
        {
            "path": "/data",
            "hard_limit": 10 << 20,
            "soft_limit_percent": 70,
            "soft_limit": 7340032,
            "used": 8 << 20,
            "available": 2 << 20,
            "soft_exceeded": True,
            "hard_exceeded": False,
        },
    ]
    assert gx.parse_quota_list((DATA / "quota_list_path.xml").read_text()) == limits[1:]


def test_object_limits_parsed():
    assert gx.parse_quota_list((DATA / "quota_list_objects.xml").read_text()) == [
        {"path": "/objs", "hard_limit": 5, "soft_limit_percent": 80, "soft_limit": 4, "files": 3, "dirs": 1,
         "available": 1, "soft_exceeded": False, "hard_exceeded": False}
    ]  # fmt: skip


@pytest.mark.parametrize(
    "value, size",
    [
        ("10GB", 10 << 30),
        ("512MB", 512 << 20),
        ("1048576", 1 << 20),
        (4096, 4096),
        ("1PB", 1 << 50),
        ("7B", 7),
    ],
)
def test_quota_sizes(value, size):
    assert validate.quota_size(value) == size and validate.quota_size_problems(value) == []


@pytest.mark.parametrize(
    "value", ["10 GB", "10gb", "1.5GB", "-1MB", "0", "", None, True, "10GiB", "1e9", "１０GB"]
)
def test_bad_quota_sizes(value):
    assert validate.quota_size_problems(value)


@pytest.mark.parametrize("value", [1, 80, "80", "80%", 99])
def test_soft_limits(value):
    assert validate.soft_percent_problems(value) == []


@pytest.mark.parametrize("value", [0, 100, "80%%", "-5", "eighty", True, 12.5, "８０"])
def test_bad_soft_limits(value):
    assert validate.soft_percent_problems(value)


class Runner:
    def __init__(self, answer="volume_set.xml"):
        self.calls, self.answer = [], answer

    def run(self, config, args, xml=True, counter=None, read_only=False):
        self.calls.append(list(args))
        if list(args[:1]) == ["volume"] and args[1] == "info":
            return gcli.check_xml((DATA / "volume_info_all.xml").read_text(), list(args), CONFIG)
        return gcli.check_xml((DATA / self.answer).read_text(), list(args), CONFIG)


@pytest.fixture
def runner(monkeypatch):
    fake = Runner()
    answer_gluster_with(monkeypatch, GLUSTER, fake.run)
    return fake


def test_the_argv_of_each_quota_call(runner):
    GLUSTER.quota_enable("rep3")
    GLUSTER.quota_limit("rep3", "/projects/a", "100GB", soft="80%")
    GLUSTER.quota_limit("rep3", "/", "1TB")
    GLUSTER.quota_limit("rep3", "/projects/a", "100000", objects=True, soft=90)
    GLUSTER.quota_remove("rep3", "/projects/a")
    GLUSTER.quota_remove("rep3", "/projects/a", objects=True)
    GLUSTER.quota_enable("rep3", enabled=False)
    assert runner.calls == [
        ["volume", "quota", "rep3", "enable"],
        ["volume", "quota", "rep3", "limit-usage", "/projects/a", "100GB", "80%"],
        ["volume", "quota", "rep3", "limit-usage", "/", "1TB"],
        ["volume", "quota", "rep3", "limit-objects", "/projects/a", "100000", "90%"],
        ["volume", "quota", "rep3", "remove", "/projects/a"],
        ["volume", "quota", "rep3", "remove-objects", "/projects/a"],
        ["volume", "quota", "rep3", "disable"],
    ]


def test_no_limit_configured_is_an_empty_list(runner, monkeypatch):
    def run(config, args, xml=True, counter=None, read_only=False):
        text = (DATA / "quota_list.xml").read_text().replace("<opRet>0</opRet>", "<opRet>-1</opRet>")
        text = text.replace("<opErrstr/>", "<opErrstr>No quota configured on volume qv</opErrstr>")
        return gcli.check_xml(text, list(args), CONFIG)

    monkeypatch.setattr(gcli, "run", run)
    assert GLUSTER.quota_list("qv") == []


def test_quota_enabled_reads_the_volume_option(runner):
    assert GLUSTER.quota_enabled("rep3") is False
    with pytest.raises(CommandExecutionError, match="does not exist"):
        GLUSTER.quota_enabled("nosuchvol")


@pytest.mark.parametrize(
    "call",
    [
        lambda: GLUSTER.quota_limit("rep3", "relative/dir", "1GB"),
        lambda: GLUSTER.quota_limit("rep3", "/a/../b", "1GB"),
        lambda: GLUSTER.quota_limit("rep3", "/a;rm -rf /", "1GB"),
        lambda: GLUSTER.quota_limit("rep3", "/a\nb", "1GB"),
        lambda: GLUSTER.quota_limit("rep3", "/a/", "1GB"),
        lambda: GLUSTER.quota_limit("rep3", "/a", "1 GB"),
        lambda: GLUSTER.quota_limit("rep3", "/a", "1GB", soft=150),
        lambda: GLUSTER.quota_limit("rep3", "/a", "many", objects=True),
        lambda: GLUSTER.quota_limit("bad name", "/a", "1GB"),
        lambda: GLUSTER.quota_remove("rep3", "//a"),
        lambda: GLUSTER.quota_list("rep3", paths=["/ok", "../up"]),
        lambda: GLUSTER.quota_enable("rep3; reboot"),
    ],
)
def test_bad_input_is_refused_before_gluster_runs(runner, call):
    with pytest.raises(SaltInvocationError):
        call()
    assert runner.calls == []


def test_quota_plan_against_captured_limits(runner, monkeypatch):
    """quota_list.xml has / (1GB, 80%) and /data (10MB, 70%); quota_list_objects.xml /objs (5)."""

    def run(config, args, xml=True, counter=None, read_only=False):
        runner.calls.append(list(args))
        answer = {"list": "quota_list.xml", "list-objects": "quota_list_objects.xml"}[args[3]]
        return gcli.check_xml((DATA / answer).read_text(), list(args), CONFIG)

    monkeypatch.setattr(gcli, "run", run)
    monkeypatch.setattr(GLUSTER, "quota_enabled", lambda name: True)
    monkeypatch.setattr(GLUSTER, "_volumes", lambda name=None: {"qv": {"started": True, "options": {}}})
    limits = {"/": {"hard": "1GB"}, "/data": {"hard": "10MB", "soft": "60%"}, "/new": "2GB"}
    plan = GLUSTER.quota_plan("qv", limits=limits, object_limits={"/objs": 5})
    assert plan["enabled"] is True
    assert plan["limits"] == {
        "set": {"/data": {"hard": 10 << 20, "soft": 60}, "/new": {"hard": 2 << 30, "soft": None}},
        "remove": [],
        "unmanaged": [],
        "current": {"/": {"hard": 1 << 30, "soft": 80}, "/data": {"hard": 10 << 20, "soft": 70}},
    }  # the soft limit of / is not given: gluster's 80 is accepted
    assert plan["object_limits"]["set"] == {} and plan["object_limits"]["current"] == {
        "/objs": {"hard": 5, "soft": 80}
    }
    assert runner.calls == [["volume", "quota", "qv", "list"], ["volume", "quota", "qv", "list-objects"]]

    fewer = GLUSTER.quota_plan("qv", limits={"/data": "10MB"})
    assert (
        fewer["limits"]["set"] == {}
        and fewer["limits"]["unmanaged"] == ["/"]
        and fewer["limits"]["remove"] == []
    )
    assert fewer["object_limits"]["unmanaged"] == ["/objs"]
    reset = GLUSTER.quota_plan("qv", limits={"/data": "10MB"}, reset_unmanaged=True)
    assert reset["limits"]["remove"] == ["/"] and reset["object_limits"]["remove"] == ["/objs"]


@pytest.mark.parametrize(
    "limits, object_limits, message",
    [
        ({"/a": "1 GB"}, None, "quota limits '/a' hard"),
        ({"a/b": "1GB"}, None, "quota limits directory"),
        ({"/a": {"hard": "1GB", "soft": 0}}, None, "quota limits '/a' soft"),
        ({"/a": {"hard": "1GB", "sfot": 80}}, None, "unknown keys sfot"),
        (["/a"], None, "must be a mapping"),
        (None, {"/a": "many"}, "object_limits '/a' hard"),
        (None, {"/a": {"soft": 80}}, "hard is missing"),
    ],
)
def test_quota_plan_refuses_bad_limits_before_reading(runner, limits, object_limits, message):
    with pytest.raises(SaltInvocationError, match=message) as caught:
        GLUSTER.quota_plan("qv", limits=limits, object_limits=object_limits)
    assert "volume qv" in str(caught.value)
    assert runner.calls == []


def test_quota_plan_needs_a_started_volume(runner, monkeypatch):
    monkeypatch.setattr(GLUSTER, "_volumes", lambda name=None: {"qv": {"started": False, "options": {}}})
    with pytest.raises(CommandExecutionError, match="volume qv is not started"):
        GLUSTER.quota_plan("qv", limits={"/": "1GB"})
    with pytest.raises(CommandExecutionError, match="volume nosuch does not exist"):
        GLUSTER.quota_plan("nosuch", limits={"/": "1GB"})
