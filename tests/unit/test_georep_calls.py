"""Geo-replication: answers captured from real gluster 10.3 geo-replication between two loopback
clusters on this machine (``tests/data/georep/``, made by ``tests/data/capture_georep.py``),
parsed; the exact argv of each call; names refused before any call; and the
``gluster.geo_replication`` state's decisions from a session's state (no gluster: the
execution functions it calls are stand-ins here; the functional test runs them for real)."""

import types
from pathlib import Path

import pytest
import saltext_gluster_utils.gluster_cli as gcli
import saltext_gluster_utils.gluster_xml as gx
from salt.exceptions import CommandExecutionError
from salt.exceptions import SaltInvocationError

from conftest import answer_gluster_with
from conftest import load_loader_module

DATA = Path(__file__).parent.parent / "data" / "georep"
CONFIG = gcli.make_config(minion_config={"socket": "/run/georep/glusterd.socket"})
GLUSTER = load_loader_module("gluster_georep_calls_unit", "gluster.py")
STATES = load_loader_module("gluster_georep_states_unit", "gluster.py", folder="_states")
SECONDARY = "127.1.11.1::secvol"


def status(name):
    return gx.parse_georep_status((DATA / name).read_text())


def test_a_created_session():
    (session,) = status("status_created.xml")
    assert (
        session["volume"] == "primvol"
        and session["secondary"] == SECONDARY
        and session["secondary_user"] == "root"
    )
    assert [p["primary_node"] for p in session["pairs"]] == ["127.1.10.1", "127.1.10.2"]
    assert all(
        p["status"] == "Created" and p["crawl_status"] is None and p["last_synced"] is None
        for p in session["pairs"]
    )
    assert all(p["entry"] is None and p["failures"] is None for p in session["pairs"])


def test_an_active_session():
    (session,) = status("status_detail_active.xml")
    first = session["pairs"][0]
    assert first["status"] == "Active" and first["crawl_status"] == "Changelog Crawl"
    assert (
        first["last_synced"] == "2026-11-26 09:16:00"
        and first["failures"] == 0
        and first["secondary_node"] is None
    )
    assert first["primary_brick"] == "/tmp/study-georep/run/prim/node1/bricks/b1"
    assert first["primary_node_uuid"] == "b84275c5-5499-4923-8880-8eef2c7eca91"


@pytest.mark.parametrize(
    "name, statuses",
    [
        ("status_just_started.xml", None),
        ("status_detail_just_started.xml", None),
        ("status_active.xml", None),
        ("status_active_from_primary_node2.xml", None),
        ("status_paused.xml", {"Paused"}),
        ("status_stopped.xml", {"Stopped"}),
        ("status_all_sessions.xml", None),
        ("status_volume_sessions.xml", None),
        ("status_mountbroker.xml", {"Active"}),
    ],
)
def test_every_captured_status_parses(name, statuses):
    sessions = status(name)
    assert sessions and all(len(s["pairs"]) == 2 for s in sessions)
    if statuses:
        assert {p["status"] for s in sessions for p in s["pairs"]} == statuses


def test_a_mount_broker_session_names_its_secondary_without_the_user():
    """gluster names a non-root session's secondary ``geoaccount@host::volume`` (a root one
    ``host::volume``): both parse to host::volume, the user in ``secondary_user``
    (tests/data/study_mountbroker.py, MB_CAPTURE=1)."""
    (session,) = status("status_mountbroker.xml")
    assert session["secondary"] == "127.1.14.1::secvol" and session["secondary_user"] == "geoaccount"


def test_georep_session_matches_the_user(monkeypatch):
    fake = Runner("status_mountbroker.xml")
    answer_gluster_with(monkeypatch, GLUSTER, fake.run)
    assert GLUSTER.georep_session("primvol", "geoaccount@127.1.14.1::secvol")["state"] == "started"
    assert GLUSTER.georep_session("primvol", "127.1.14.1::secvol") is None  # root's session: another one
    assert GLUSTER.georep_session("primvol", "other@127.1.14.1::secvol") is None


def test_config_parsed_with_the_names_config_takes():
    config = gx.parse_georep_config((DATA / "config_get_all.xml").read_text())
    assert (
        config["ssh-port"] == "2211"
        and config["secondary-access-mount"] == "true"
        and config["sync-jobs"] == "3"
    )
    assert config["rsync-options"] == "" and "ssh_port" not in config
    assert gx.parse_georep_config((DATA / "config_get_one.xml").read_text()) == {"ssh-port": "2211"}


@pytest.mark.parametrize(
    "name, message",
    [
        ("error_config_bad_option.xml", "Invalid option"),
        ("error_create_no_such_secondary_volume.xml", "Unable to mount and fetch secondary volume details"),
        ("error_delete_running.xml", "is still active. Please stop the session"),
        ("error_pause_paused.xml", "already Paused"),  # opRet 1, not -1
        ("error_start_no_session.xml", "does not exist"),
    ],
)
def test_refusals_raise_with_glusters_message(name, message):
    with pytest.raises(CommandExecutionError, match=message):
        gcli.check_xml((DATA / name).read_text(), ["volume", "geo-replication"], CONFIG)


def test_stopping_a_stopped_session_is_a_success():
    gcli.check_xml((DATA / "error_stop_stopped.xml").read_text(), ["volume", "geo-replication"], CONFIG)


class Runner:
    """Answers from the captures; ``status`` as the scenario says; records every argv."""

    def __init__(self, status_answer="status_active.xml"):
        self.calls, self.status_answer = [], status_answer

    def run(self, config, args, xml=True, counter=None, read_only=False):
        args = list(args)
        self.calls.append(args)
        if args[:2] == ["system::", "execute"]:
            return (DATA / "gsec_create.txt").read_text().strip()
        if "status" in args:
            if self.status_answer is None:  # no session: plain text, exit 2
                text = (DATA / "error_status_no_session.txt").read_text()
                gcli._check_plain(types.SimpleNamespace(stdout=text, stderr="", returncode=2), args, config)
            return gcli.check_xml((DATA / self.status_answer).read_text(), args, config)
        if args[-1] == "config":
            return gcli.check_xml((DATA / "config_get_all.xml").read_text(), args, config)
        answer = {
            "create": "create.xml",
            "start": "start.xml",
            "stop": "stop.xml",
            "pause": "pause.xml",
            "resume": "resume.xml",
            "delete": "delete.xml",
        }.get(args[4] if len(args) > 4 else "", "config_set.xml")
        return gcli.check_xml((DATA / answer).read_text(), args, config)


@pytest.fixture
def runner(monkeypatch):
    fake = Runner()
    answer_gluster_with(monkeypatch, GLUSTER, fake.run)
    return fake


def test_the_argv_of_each_call(runner):
    GLUSTER.georep_create("primvol", SECONDARY)
    GLUSTER.georep_create("primvol", SECONDARY, ssh_port=2211, push_pem=True, force=True)
    GLUSTER.georep_config_set("primvol", SECONDARY, {"ssh_port": 2211, "secondary-access-mount": True})
    GLUSTER.georep_start("primvol", SECONDARY)
    GLUSTER.georep_pause("primvol", SECONDARY)
    GLUSTER.georep_resume("primvol", SECONDARY)
    GLUSTER.georep_stop("primvol", SECONDARY, force=True)
    GLUSTER.georep_delete("primvol", SECONDARY)
    GLUSTER.georep_config("primvol", SECONDARY)
    GLUSTER.georep_status("primvol", SECONDARY, detail=True)
    assert GLUSTER.georep_secret_create() == {
        "file": "/var/lib/glusterd/geo-replication/common_secret.pem.pub"
    }
    base = ["volume", "geo-replication", "primvol", SECONDARY]
    assert runner.calls == [
        [*base, "create", "no-verify"],
        [*base, "create", "ssh-port", "2211", "push-pem", "force"],
        [*base, "config", "ssh-port", "2211"],
        [*base, "config", "secondary-access-mount", "true"],
        [*base, "start"],
        [*base, "pause"],
        [*base, "resume"],
        [*base, "stop", "force"],
        [*base, "delete"],
        [*base, "config"],
        [*base, "status", "detail"],
        ["system::", "execute", "gsec_create"],
    ]


def test_no_session_is_an_empty_list(runner):
    runner.status_answer = None
    assert GLUSTER.georep_status() == [] and GLUSTER.georep_session("primvol", SECONDARY) is None


@pytest.mark.parametrize(
    "answer, state",
    [
        ("status_created.xml", "created"),
        ("status_active.xml", "started"),
        ("status_just_started.xml", "started"),
        ("status_paused.xml", "paused"),
        ("status_stopped.xml", "stopped"),
    ],
)
def test_the_session_state(runner, answer, state):
    runner.status_answer = answer
    session = GLUSTER.georep_session("primvol", SECONDARY)
    assert session["state"] == state and session["faulty"] == []
    assert GLUSTER.georep_session("primvol", "127.1.11.1::other") is None


@pytest.mark.parametrize(
    "call",
    [
        lambda: GLUSTER.georep_create("primvol", "127.1.11.1:secvol"),
        lambda: GLUSTER.georep_create("primvol", "127.1.11.1::sec vol"),
        lambda: GLUSTER.georep_create("primvol", "host;reboot::secvol"),
        lambda: GLUSTER.georep_create("primvol", "Bad User@host::secvol"),
        lambda: GLUSTER.georep_create("prim;vol", SECONDARY),
        lambda: GLUSTER.georep_create("primvol", SECONDARY, ssh_port="22;x"),
        lambda: GLUSTER.georep_config_set("primvol", SECONDARY, {"ssh-port": "22 ; rm"}),
        lambda: GLUSTER.georep_config_set("primvol", SECONDARY, {"Bad Key": 1}),
        lambda: GLUSTER.georep_status(secondary=SECONDARY),
        lambda: GLUSTER.georep_start("primvol", "::"),
    ],
)
def test_bad_input_is_refused_before_gluster_runs(runner, call):
    with pytest.raises(SaltInvocationError):
        call()
    assert runner.calls == []


class Salt(dict):
    """The execution functions the state calls, as stand-ins that record each call."""

    def __init__(self, session, config=None):
        super().__init__()
        self.calls = []
        answers = {
            "gluster.georep_session": session,
            "gluster.georep_config": config
            or {"ssh-port": "22", "sync-jobs": "3", "secondary-access-mount": "false"},
            "gluster.volume_exists": True,
            "gluster.volume_info": {"name": "primvol"},
        }
        for name in (
            "georep_session",
            "georep_config",
            "georep_create",
            "georep_config_set",
            "georep_start",
            "georep_stop",
            "georep_pause",
            "georep_resume",
            "georep_delete",
            "volume_exists",
            "volume_info",
        ):
            self[f"gluster.{name}"] = self._stand_in(f"gluster.{name}", answers.get(f"gluster.{name}", {}))

    def _stand_in(self, name, answer):
        def call(*args, **kwargs):
            if not name.endswith(("georep_session", "georep_config", "volume_exists", "volume_info")):
                self.calls.append((name.split(".")[1], args[2:] if len(args) > 2 else (), kwargs))
            return answer

        return call


def apply(monkeypatch, session, test=False, have=None, **kwargs):
    salt = Salt(session, have)
    monkeypatch.setattr(STATES, "__salt__", salt, raising=False)
    monkeypatch.setattr(STATES, "__opts__", {"test": test}, raising=False)
    return STATES.geo_replication("primvol", SECONDARY, **kwargs), salt.calls


def test_state_creates_configures_and_starts(monkeypatch):
    wanted = {"config": {"secondary_access_mount": True, "sync-jobs": 3}, "ssh_port": 2211}
    predicted, calls = apply(monkeypatch, None, test=True, **wanted)
    assert predicted["result"] is None and calls == []
    assert predicted["changes"] == {
        "session": {"old": None, "new": "created"},
        "config": {
            "secondary-access-mount": {"old": None, "new": "true"},
            "sync-jobs": {"old": None, "new": "3"},
            "ssh-port": {"old": None, "new": "2211"},
        },
        "state": {"old": "stopped", "new": "started"},
    }
    applied, calls = apply(monkeypatch, None, **wanted)
    assert applied["result"] is True and applied["changes"] == predicted["changes"]
    assert calls == [
        ("georep_create", (), {"ssh_port": 2211, "force": False}),
        (
            "georep_config_set",
            ({"secondary-access-mount": "true", "sync-jobs": "3", "ssh-port": "2211"},),
            {},
        ),
        ("georep_start", (), {"force": False}),
    ]


def test_state_changes_only_what_differs(monkeypatch):
    started = {"state": "started", "faulty": []}
    ret, calls = apply(monkeypatch, started, have={"sync-jobs": "3", "secondary-access-mount": "true"},
                       config={"sync-jobs": 3, "secondary-access-mount": "on"})  # fmt: skip
    assert ret["result"] is True and ret["changes"] == {} and calls == []
    ret, calls = apply(monkeypatch, {"state": "paused", "faulty": []})
    assert ret["changes"] == {"state": {"old": "paused", "new": "started"}} and [c[0] for c in calls] == [
        "georep_resume"
    ]
    ret, calls = apply(monkeypatch, started, ensure="paused")
    assert [c[0] for c in calls] == ["georep_pause"]
    ret, calls = apply(monkeypatch, {"state": "stopped", "faulty": []}, ensure="paused")
    assert [c[0] for c in calls] == ["georep_start", "georep_pause"]
    ret, calls = apply(monkeypatch, {"state": "started", "faulty": ["127.1.10.2:/b1"]})
    assert (
        ret["result"] is True and ret["changes"] == {} and "Faulty workers: 127.1.10.2:/b1" in ret["comment"]
    )


def test_state_absent_stops_then_deletes(monkeypatch):
    ret, calls = apply(monkeypatch, {"state": "started", "faulty": []}, ensure="absent", test=True)
    assert (
        ret["result"] is None
        and ret["changes"] == {"session": {"old": "started", "new": "deleted"}}
        and calls == []
    )
    ret, calls = apply(monkeypatch, {"state": "started", "faulty": []}, ensure="absent")
    assert [c[0] for c in calls] == ["georep_stop", "georep_delete"]
    ret, calls = apply(monkeypatch, None, ensure="absent")
    assert ret["result"] is True and ret["changes"] == {} and calls == []
    ret, calls = apply(monkeypatch, None, ensure="gone")
    assert ret["result"] is False and "ensure must be one of" in ret["comment"]


def test_public_keys_are_the_lines_of_the_common_secret(runner, monkeypatch, tmp_path):
    monkeypatch.setattr(GLUSTER, "__opts__", {"gluster": {"georep_dir": str(tmp_path)}}, raising=False)
    assert GLUSTER.georep_public_keys() == []
    good = [
        'command="/usr/libexec/glusterfs/gsyncd"  ssh-rsa AAAAB3NzaC1yc2E= root@gfs1'.replace("  ", " "),
        'command="tar ${SSH_ORIGINAL_COMMAND#* }" ssh-rsa AAAAB3NzaC1yc2EAAA= root@gfs2',
    ]
    (tmp_path / "common_secret.pem.pub").write_text(
        "\n".join([*good, "", "not a key", "ssh-rsa bad key with spaces x"]) + "\n"
    )
    assert GLUSTER.georep_public_keys() == good
