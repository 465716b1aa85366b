"""A state's event (``_fire``) is sent only where there is a bus to take it.

Masterless, ``event.send`` puts the event on this minion's own bus, which exists only while a
``salt-minion`` daemon runs here; without one Salt waits a second before it gives up, once per
changed state (issue 21: a first apply of 10 volumes took x3.99 the bare CLI's time instead of
x1.27). The bus is looked for where Salt itself puts it: the pull socket's name is checked
against the one Salt's own transport code builds, and the sockets here are real ones.
"""

import socket
import time

import pytest
import salt.config
import salt.transport

from conftest import load_loader_module

states = load_loader_module("gluster_state_events", "gluster.py", folder="_states")


@pytest.fixture
def sent(monkeypatch):
    calls = []

    def send(tag, data):
        calls.append((tag, dict(data)))
        return True

    monkeypatch.setattr(states, "__salt__", {"event.send": send}, raising=False)
    return calls


def minion_opts(**extra):
    opts = salt.config.DEFAULT_MINION_OPTS.copy()
    opts.update(extra)
    return opts


def salts_pull_path(opts):
    """Where Salt's own transport puts this minion's event pull socket."""
    server = salt.transport.ipc_publish_server("minion", opts)
    try:
        return server.pull_path
    finally:
        server.close()


@pytest.fixture
def listening_unix(tmp_path):
    socks = []

    def listen(path):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(str(path))
        sock.listen(1)
        socks.append(sock)

    yield listen
    for sock in socks:
        sock.close()


@pytest.mark.parametrize(
    "local",
    [{"local": True}, {"file_client": "local"}, {"master_type": "disable"}],
    ids=["--local", "file_client", "master_type"],
)
def test_masterless_without_a_minion_daemon_sends_nothing_and_waits_for_nothing(
    monkeypatch, sent, tmp_path, local
):
    monkeypatch.setattr(
        states, "__opts__", minion_opts(id="gfs1", sock_dir=str(tmp_path), **local), raising=False
    )
    started = time.monotonic()
    states._fire("volume/created", volume="gv0")
    assert sent == []
    assert time.monotonic() - started < 0.5


@pytest.mark.parametrize("minion_id, hash_type", [("gfs1", "sha256"), ("gfs2.lab.test", "md5")])
def test_masterless_with_the_minions_bus_sends(
    monkeypatch, sent, tmp_path, listening_unix, minion_id, hash_type
):
    opts = minion_opts(id=minion_id, sock_dir=str(tmp_path), file_client="local", hash_type=hash_type)
    listening_unix(salts_pull_path(opts))
    monkeypatch.setattr(states, "__opts__", opts, raising=False)
    states._fire("volume/created", volume="gv0")
    assert sent == [("gluster/volume/created", {"volume": "gv0", "minion": minion_id})]


def test_another_minions_bus_is_not_this_ones(monkeypatch, sent, tmp_path, listening_unix):
    listening_unix(salts_pull_path(minion_opts(id="gfs2", sock_dir=str(tmp_path))))
    monkeypatch.setattr(
        states, "__opts__", minion_opts(id="gfs1", sock_dir=str(tmp_path), local=True), raising=False
    )
    states._fire("volume/started", volume="gv0")
    assert sent == []


def test_tcp_ipc_mode_looks_for_a_listener(monkeypatch, sent, tmp_path):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        opts = minion_opts(id="gfs1", sock_dir=str(tmp_path), local=True, ipc_mode="tcp", tcp_pull_port=port)
        monkeypatch.setattr(states, "__opts__", opts, raising=False)
        states._fire("volume/started", volume="gv0")
        assert len(sent) == 1
    states._fire("volume/stopped", volume="gv0")  # the listener is gone
    assert len(sent) == 1


@pytest.mark.parametrize(
    "opts", [{}, {"local": True, "use_master_when_local": True}], ids=["a master", "use_master_when_local"]
)
def test_with_a_master_the_event_is_always_sent(monkeypatch, sent, tmp_path, opts):
    monkeypatch.setattr(
        states, "__opts__", minion_opts(id="gfs1", sock_dir=str(tmp_path), **opts), raising=False
    )
    states._fire("peer/probed", host="gfs2")
    assert sent == [("gluster/peer/probed", {"host": "gfs2", "minion": "gfs1"})]


def test_a_failing_send_never_fails_the_state(monkeypatch, tmp_path):
    def send(tag, data):
        raise RuntimeError("the bus went away")

    monkeypatch.setattr(states, "__salt__", {"event.send": send}, raising=False)
    monkeypatch.setattr(states, "__opts__", minion_opts(id="gfs1", sock_dir=str(tmp_path)), raising=False)
    assert states._fire("volume/deleted", volume="gv0") is None
