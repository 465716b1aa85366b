"""Quotas: ``quota list`` parsed from answers captured on real gluster 10.3
(``tests/data/capture_quota.py``), limits validated before any gluster call, and the exact
argv each quota function runs."""

import importlib.util
from pathlib import Path

import pytest
import saltext_gluster_utils.gluster_cli as gcli
import saltext_gluster_utils.gluster_validate as validate
import saltext_gluster_utils.gluster_xml as gx
from salt.exceptions import CommandExecutionError
from salt.exceptions import SaltInvocationError

from conftest import ROOT

DATA = Path(__file__).parent.parent / "data"
CONFIG = gcli.make_config(minion_config={"socket": "/run/quota/glusterd.socket"})


def _load():
    spec = importlib.util.spec_from_file_location("gluster_quota_calls_unit", ROOT / "_modules" / "gluster.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GLUSTER = _load()


def test_usage_limits_parsed():
    limits = gx.parse_quota_list((DATA / "quota_list.xml").read_text())
    assert limits == [
        {"path": "/", "hard_limit": 1 << 30, "soft_limit_percent": 80, "soft_limit": 858993459, "used": 8 << 20,
         "available": (1 << 30) - (8 << 20), "soft_exceeded": False, "hard_exceeded": False},
        {"path": "/data", "hard_limit": 10 << 20, "soft_limit_percent": 70, "soft_limit": 7340032, "used": 8 << 20,
         "available": 2 << 20, "soft_exceeded": True, "hard_exceeded": False},
    ]  # fmt: skip
    assert gx.parse_quota_list((DATA / "quota_list_path.xml").read_text()) == limits[1:]


def test_object_limits_parsed():
    assert gx.parse_quota_list((DATA / "quota_list_objects.xml").read_text()) == [
        {"path": "/objs", "hard_limit": 5, "soft_limit_percent": 80, "soft_limit": 4, "files": 3, "dirs": 1,
         "available": 1, "soft_exceeded": False, "hard_exceeded": False}
    ]  # fmt: skip


@pytest.mark.parametrize(
    "value, size",
    [("10GB", 10 << 30), ("512MB", 512 << 20), ("1048576", 1 << 20), (4096, 4096), ("1PB", 1 << 50), ("7B", 7)],
)
def test_quota_sizes(value, size):
    assert validate.quota_size(value) == size and validate.quota_size_problems(value) == []


@pytest.mark.parametrize("value", ["10 GB", "10gb", "1.5GB", "-1MB", "0", "", None, True, "10GiB", "1e9", "１０GB"])
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

    def run(self, config, args, xml=True, counter=None):
        self.calls.append(list(args))
        if list(args[:1]) == ["volume"] and args[1] == "info":
            return gcli.check_xml((DATA / "volume_info_all.xml").read_text(), list(args), CONFIG)
        return gcli.check_xml((DATA / self.answer).read_text(), list(args), CONFIG)


@pytest.fixture
def runner(monkeypatch):
    fake = Runner()
    monkeypatch.setattr(gcli, "run", fake.run)
    monkeypatch.setattr(gcli, "glusterd_identity", lambda config: ("one glusterd",))
    for name, value in (("__context__", {}), ("__opts__", {}), ("__pillar__", {})):
        monkeypatch.setattr(GLUSTER, name, value, raising=False)
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
    def run(config, args, xml=True, counter=None):
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
