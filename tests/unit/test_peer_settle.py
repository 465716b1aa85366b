"""Waiting for peers rides out glusterd's bare failures while the pool is changing.

``tests/data/pool_list_probe_race.xml`` is what a glusterd answered to ``gluster pool list``
here while node 1's probe of it was in flight (opRet -22, errno 0, no opErrstr; captured by
``tests/data/capture.py``). ``peer_wait`` and ``peer_find(settle=...)`` ask again until their
deadline; an unreachable glusterd, a lock error and ``settle=0`` still fail at once.
"""

from pathlib import Path

import pytest
import saltext_gluster_utils.gluster_cli as gcli
from salt.exceptions import CommandExecutionError
from salt.exceptions import SaltInvocationError

from conftest import load_loader_module

DATA = Path(__file__).parent.parent / "data"
CONFIG = gcli.make_config(minion_config={"socket": "/run/settle/glusterd.socket"})


GLUSTER = load_loader_module("gluster_settle_unit", "gluster.py")


class Answers:
    """``gluster pool list`` answered from a script of captured files (the last one repeats);
    each answer goes through the real ``check_xml``."""

    def __init__(self, *files):
        self.files, self.calls = list(files), 0

    def run(self, config, args, xml=True, counter=None, read_only=False):
        assert tuple(args) == ("pool", "list"), args
        name = self.files[min(self.calls, len(self.files) - 1)]
        self.calls += 1
        if name == "no_glusterd.txt":  # what the CLI printed here with no glusterd on the socket
            fields = dict(
                line.split("=", 1) for line in (DATA / name).read_text().splitlines() if "=" in line
            )
            proc = type(
                "Proc", (), {"stdout": fields["stdout"], "stderr": fields["stderr"], "returncode": 1}
            )()
            gcli._check_plain(proc, args, CONFIG)
        return gcli.check_xml((DATA / name).read_text(), list(args), CONFIG)


@pytest.fixture
def answers(monkeypatch):
    def install(*files):
        fake = Answers(*files)
        monkeypatch.setattr(gcli, "run", fake.run)
        monkeypatch.setattr(GLUSTER, "__context__", {}, raising=False)
        monkeypatch.setattr(GLUSTER, "__opts__", {}, raising=False)
        monkeypatch.setattr(GLUSTER, "__pillar__", {}, raising=False)
        monkeypatch.setattr(GLUSTER, "_addresses", lambda host: {host})  # no DNS
        monkeypatch.setattr(GLUSTER.time, "sleep", lambda seconds: None)
        return fake

    return install


def test_the_captured_answer_is_a_bare_failure():
    with pytest.raises(CommandExecutionError) as caught:
        gcli.check_xml((DATA / "pool_list_probe_race.xml").read_text(), ["pool", "list"], CONFIG)
    assert caught.value.info["opRet"] == -22 and caught.value.info["errno"] == 0
    assert "gluster reported a failure" in str(caught.value)


def test_peer_wait_asks_again_after_a_bare_failure(answers):
    fake = answers("pool_list_probe_race.xml", "pool_list_probe_race.xml", "pool_list.xml")
    found = GLUSTER.peer_wait(["127.1.1.2", "127.1.1.3"], timeout=30)
    assert found == {
        "127.1.1.2": "8ac422bc-7a71-4a70-be00-e36e50f48fcd",
        "127.1.1.3": "612bb389-bae1-414f-b111-17a96fbf433a",
    }
    assert fake.calls == 3


def test_peer_wait_reports_the_last_failure_at_its_deadline(answers):
    answers("pool_list_probe_race.xml")
    with pytest.raises(CommandExecutionError) as caught:
        GLUSTER.peer_wait(["127.1.1.2"], timeout=0)
    message = str(caught.value)
    assert message.startswith("peers not ready after 0s: 127.1.1.2 (unknown: gluster pool list failed")
    assert "gluster reported a failure" in message


def test_peer_wait_fails_at_once_when_glusterd_is_unreachable(answers):
    fake = answers("no_glusterd.txt", "pool_list.xml")
    with pytest.raises(CommandExecutionError, match="is glusterd running there"):
        GLUSTER.peer_wait(["127.1.1.2"], timeout=30)
    assert fake.calls == 1


def test_peer_wait_does_not_wait_through_a_lock_error(answers):
    fake = answers("lock_error.xml", "pool_list.xml")
    with pytest.raises(gcli.GlusterLockError):
        GLUSTER.peer_wait(["127.1.1.2"], timeout=30)
    assert fake.calls == 1


def test_peer_find_settles_only_when_asked(answers):
    fake = answers("pool_list_probe_race.xml", "pool_list.xml")
    with pytest.raises(CommandExecutionError, match="gluster reported a failure"):
        GLUSTER.peer_find("127.1.1.2")
    assert fake.calls == 1
    fake = answers("pool_list_probe_race.xml", "pool_list_probe_race.xml", "pool_list.xml")
    assert GLUSTER.peer_find("127.1.1.2", settle=20)["uuid"] == "8ac422bc-7a71-4a70-be00-e36e50f48fcd"
    assert fake.calls == 3


@pytest.mark.parametrize("settle", [-1, "soon", float("nan"), 86401, [5]])
def test_peer_find_refuses_a_bad_settle(answers, settle):
    fake = answers("pool_list.xml")
    with pytest.raises(SaltInvocationError, match="settle must be a number of seconds"):
        GLUSTER.peer_find("127.1.1.2", settle=settle)
    assert fake.calls == 0
