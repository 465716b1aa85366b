"""``volume_present`` creates (and adds or replaces bricks) through ``_when_bricks_ready``, which
asks again, until the peer deadline, while the other nodes are not ready yet: their brick
directories missing, or a peer not yet connected to every other peer. The latter's message is
the one a real ``volume create`` gave in CI when a freshly formed pool was staged under load
(``NOT_CONNECTED``, copied from the state's log: the module's error around gluster's own
``opErrstr``; not a gluster answer, so not in tests/data, whose files the parsers must cover)."""

import types

import pytest
from salt.exceptions import CommandExecutionError

from conftest import load_loader_module

STATES = load_loader_module("gluster_create_retry_states_unit", "gluster.py", folder="_states")
NOT_CONNECTED = """\
gluster volume create watched replica 3 127.1.15.1:/tmp/sgo-kglh8zh6/bricks/obs1/watched \
127.1.15.2:/tmp/sgo-kglh8zh6/bricks/obs2/watched 127.1.15.3:/tmp/sgo-kglh8zh6/bricks/obs3/watched \
force failed on glusterd socket /tmp/sgo-kglh8zh6/node1/glusterd/gd.sock: Staging failed on \
127.1.15.2. Error: Host 127.1.15.3 not connected (errno 30800). Additional info follows:

command:
    gluster volume create watched replica 3 127.1.15.1:/tmp/sgo-kglh8zh6/bricks/obs1/watched \
127.1.15.2:/tmp/sgo-kglh8zh6/bricks/obs2/watched 127.1.15.3:/tmp/sgo-kglh8zh6/bricks/obs3/watched force
errno:
    30800
opErrstr:
    Staging failed on 127.1.15.2. Error: Host 127.1.15.3 not connected
opRet:
    -1
"""


@pytest.fixture
def create(monkeypatch):
    """``gluster.volume_create`` answering each failure of ``answers`` in turn, then success;
    sleeping advances a fake clock instead."""
    calls, clock = [], [1000.0]
    fake = types.SimpleNamespace(
        monotonic=lambda: clock[0], sleep=lambda seconds: clock.__setitem__(0, clock[0] + seconds)
    )
    monkeypatch.setattr(STATES, "time", fake)

    def build(*answers):
        def volume_create(name, bricks, **kwargs):
            calls.append((name, bricks, kwargs))
            if len(calls) <= len(answers):
                raise CommandExecutionError(answers[len(calls) - 1])
            return {"id": "new-id"}

        monkeypatch.setattr(STATES, "__salt__", {"gluster.volume_create": volume_create}, raising=False)
        return calls, clock

    return build


def test_a_peer_not_connected_yet_is_asked_again_until_it_is(create):
    calls, clock = create(NOT_CONNECTED, NOT_CONNECTED)
    result = STATES._when_bricks_ready(
        clock[0] + 60, "watched", "gluster.volume_create", "watched", ["a:/b"], replica=3
    )
    assert result == {"id": "new-id"} and len(calls) == 3
    assert calls[0] == ("watched", ["a:/b"], {"replica": 3}) and calls[0] == calls[2]
    assert clock[0] == 1000.0 + 1 + 2  # back-off 1 s, then 2 s


def test_a_peer_still_not_connected_at_the_deadline_fails_in_glusters_words(create):
    calls, clock = create(*[NOT_CONNECTED] * 50)
    with pytest.raises(
        CommandExecutionError,
        match=r"Staging failed on 127\.1\.15\.2\. Error: Host 127\.1\.15\.3 not connected",
    ):
        STATES._when_bricks_ready(clock[0] + 20, "watched", "gluster.volume_create", "watched", ["a:/b"])
    assert 3 <= len(calls) < 50 and clock[0] >= 1020.0


@pytest.mark.parametrize(
    "message",
    [
        "volume create: watched: failed: Volume watched already exists",
        "Staging failed on 127.1.15.2. Error: Brick: 127.1.15.2:/b not available",
        "Host 127.1.15.3 not connected",  # not from a peer's staging: the leader's own view
    ],
)
def test_other_failures_are_not_asked_again(create, message):
    calls, clock = create(message)
    with pytest.raises(CommandExecutionError, match="watched|not"):
        STATES._when_bricks_ready(clock[0] + 60, "watched", "gluster.volume_create", "watched", ["a:/b"])
    assert len(calls) == 1 and clock[0] == 1000.0
