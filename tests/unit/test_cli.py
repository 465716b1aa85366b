"""The pure parts of ``_utils/gluster_cli.py``, and ``run`` against fake gluster binaries.

No real gluster is started: ``run`` is only pointed at tiny shell scripts written into
``tmp_path`` that replay output captured from gluster 10.3 (``tests/data``).
"""

import os
import shlex
import stat
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import saltext_gluster_utils.gluster_cli as gcli
from salt.exceptions import CommandExecutionError

DATA = Path(__file__).parent.parent / "data"
SOCKET = "/run/test-gluster/glusterd.socket"


def read(name):
    return (DATA / name).read_text(encoding="utf-8")


# --------------------------------------------------------------------------- make_config


def test_make_config_defaults():
    assert gcli.make_config() == {
        "binary": "gluster",
        "socket": None,
        "remote_host": None,
        "timeout": 120,
        "lock_retries": 5,
        "lock_backoff": 0.5,
        "glfsheal": None,
        "groups_dir": "/var/lib/glusterd/groups",
        "georep_dir": "/var/lib/glusterd/geo-replication",
    }
    assert gcli.make_config() is not gcli.DEFAULTS
    assert gcli.make_config() == gcli.DEFAULTS


def test_make_config_minion_over_pillar_over_defaults():
    config = gcli.make_config(
        minion_config={"socket": "/minion.sock", "timeout": 30},
        pillar_config={"socket": "/pillar.sock", "lock_retries": 2, "binary": "/opt/gluster"},
    )
    assert config == {
        "binary": "/opt/gluster",
        "socket": "/minion.sock",
        "remote_host": None,
        "timeout": 30,
        "lock_retries": 2,
        "lock_backoff": 0.5,
        "glfsheal": None,
        "groups_dir": "/var/lib/glusterd/groups",
        "georep_dir": "/var/lib/glusterd/geo-replication",
    }


def test_make_config_ignores_none_unknown_and_non_dicts():
    config = gcli.make_config(
        minion_config={"timeout": None, "unknown": 1, "lock_retries": 0},
        pillar_config=["socket", "/x"],
    )
    assert config == dict(gcli.DEFAULTS, lock_retries=0)
    assert "unknown" not in config
    assert gcli.make_config("not a dict", None) == gcli.DEFAULTS


def test_make_config_does_not_change_defaults():
    gcli.make_config(minion_config={"binary": "/elsewhere"})
    assert gcli.DEFAULTS["binary"] == "gluster"


# --------------------------------------------------------------------------- build_argv


def test_build_argv_default():
    assert gcli.build_argv(gcli.make_config(), ["volume", "info"]) == [
        "gluster",
        "--mode=script",
        "--xml",
        "volume",
        "info",
    ]


def test_build_argv_socket_and_no_xml():
    config = gcli.make_config(minion_config={"socket": SOCKET, "binary": "/usr/sbin/gluster"})
    assert gcli.build_argv(config, ["--version"], xml=False) == [
        "/usr/sbin/gluster",
        "--mode=script",
        f"--glusterd-sock={SOCKET}",
        "--version",
    ]


def test_build_argv_remote_host_wins_over_socket():
    config = gcli.make_config(minion_config={"socket": SOCKET, "remote_host": "gfs2"})
    argv = gcli.build_argv(config, ["peer", "status"])
    assert argv == ["gluster", "--mode=script", "--remote-host=gfs2", "--xml", "peer", "status"]
    assert not any(a.startswith("--glusterd-sock") for a in argv)


@pytest.mark.parametrize(
    "word",
    [
        "--remote-host=127.9.9.9",
        "--log-file=/tmp/pwned",
        "--glusterd-sock=/tmp/other.sock",
        "--xml",
        "--mode=prompt",
    ],
)
@pytest.mark.parametrize("place", ["description", "config value", "first"])
def test_build_argv_refuses_a_word_gluster_reads_as_its_own_option(word, place):
    """gluster takes every '--' word as one of its options wherever it stands: whatever slipped
    past a validator is refused where the argv is built, and run() never starts gluster."""
    args = {
        "description": ["snapshot", "create", "s1", "gv0", "description", word],
        "config value": ["volume", "geo-replication", "gv0", "h::gv1", "config", "log-level", word],
        "first": [word, "volume", "info"],
    }[place]
    with pytest.raises(
        CommandExecutionError, match="starts with '--', which gluster would read as one of its own options"
    ):
        gcli.build_argv(gcli.make_config(), args)


def test_run_refuses_a_gluster_option_word_before_starting_anything(monkeypatch):
    started = []
    monkeypatch.setattr(gcli, "_execute", lambda argv, timeout: started.append(argv))
    with pytest.raises(CommandExecutionError, match="--remote-host=127.9.9.9"):
        gcli.run(gcli.make_config(), ["volume", "set", "gv0", "auth.allow", "--remote-host=127.9.9.9"])
    assert started == []


def test_build_argv_stringifies_and_keeps_args_whole():
    argv = gcli.build_argv({}, ["volume", "create", "v 1", "replica", 3, "h:/b;rm -rf /"])
    assert argv == [
        "gluster",
        "--mode=script",
        "--xml",
        "volume",
        "create",
        "v 1",
        "replica",
        "3",
        "h:/b;rm -rf /",
    ]
    assert all(isinstance(a, str) for a in argv)


# --------------------------------------------------------------------------- target_description


def test_target_description():
    assert gcli.target_description({}) == "glusterd socket /var/run/glusterd.socket (gluster's default)"
    assert gcli.target_description(gcli.make_config()) == (
        "glusterd socket /var/run/glusterd.socket (gluster's default)"
    )
    assert gcli.target_description({"socket": SOCKET}) == f"glusterd socket {SOCKET}"
    assert gcli.target_description({"socket": SOCKET, "remote_host": "gfs2"}) == (
        "glusterd on remote host gfs2"
    )


# --------------------------------------------------------------------------- check_xml


SET_ARGS = ["volume", "set", "rep3", "performance.cache-size", "2MB"]


@pytest.mark.parametrize(
    "filename",
    ["volume_set.xml", "peer_status.xml", "volume_info_all.xml", "peer_probe_already.xml"],
)
def test_check_xml_success_returns_root(filename):
    root = gcli.check_xml(read(filename), ["x"], {})
    assert isinstance(root, ET.Element)
    assert root.tag == "cliOutput"
    assert root.findtext("opRet") == "0"


def test_check_xml_success_content():
    root = gcli.check_xml(read("volume_set.xml"), SET_ARGS, {})
    assert root.findtext("output") == "Set volume successful"
    assert root.findtext("cliOp") == "volSet"


def test_check_xml_lock_error():
    config = {"socket": SOCKET}
    with pytest.raises(gcli.GlusterLockError) as excinfo:
        gcli.check_xml(read("lock_error.xml"), SET_ARGS, config)
    exc = excinfo.value
    assert isinstance(exc, CommandExecutionError)
    assert exc.info == {
        "command": "gluster volume set rep3 performance.cache-size 2MB",
        "errno": 30802,
        "opRet": -1,
        "opErrstr": "Another transaction is in progress for rep3. Please try again after some time.",
    }
    assert exc.strerror.startswith(
        "gluster volume set rep3 performance.cache-size 2MB failed on glusterd socket "
        f"{SOCKET}: Another transaction is in progress for rep3. Please try again after some "
        "time. (errno 30802)"
    )


def test_lock_error_is_a_command_execution_error():
    assert issubclass(gcli.GlusterLockError, CommandExecutionError)


@pytest.mark.parametrize(
    "filename, errstr, errno",
    [
        ("volume_info_missing.xml", "Volume does not exist", 30806),
        ("volume_status_stopped.xml", "Volume dist is not started", 30800),
        ("volume_create_exists.xml", "Volume dist already exists", 0),
        ("peer_probe_unreachable.xml", "Probe returned with Transport endpoint is not connected", 107),
        (
            "op_version_set_same.xml",
            "Required op-version (100000) should not be equal or lower than current cluster "
            "op-version (100000).",
            30800,
        ),
        (
            "volume_set_bad_option.xml",
            "option : performance.cahce-size does not exist\nDid you mean performance.cache-size?",
            30800,
        ),
    ],
)
def test_check_xml_failures(filename, errstr, errno):
    with pytest.raises(CommandExecutionError) as excinfo:
        gcli.check_xml(read(filename), ["volume", "x"], {"remote_host": "gfs9"})
    exc = excinfo.value
    assert not isinstance(exc, gcli.GlusterLockError)
    assert exc.info["opErrstr"] == errstr
    assert exc.info["errno"] == errno
    assert exc.info["command"] == "gluster volume x"
    assert exc.strerror.startswith(
        f"gluster volume x failed on glusterd on remote host gfs9: {errstr} (errno {errno})"
    )


def test_check_xml_positive_op_ret_is_a_failure():
    # "peer detach" of a peer that still hosts bricks answers opRet 1, not -1
    with pytest.raises(CommandExecutionError) as excinfo:
        gcli.check_xml(read("peer_detach_with_bricks.xml"), ["peer", "detach", "127.1.1.3"], {})
    assert excinfo.value.info["opRet"] == 1
    assert excinfo.value.info["errno"] == 3
    assert "Peer 127.1.1.3 hosts one or more bricks" in excinfo.value.strerror


def test_check_xml_falls_back_to_output_when_no_errstr():
    text = "<cliOutput><opRet>-1</opRet><opErrno>5</opErrno><opErrstr/><output>oops</output></cliOutput>"
    with pytest.raises(CommandExecutionError) as excinfo:
        gcli.check_xml(text, ["a"], {})
    assert excinfo.value.info["opErrstr"] == "oops"
    text = "<cliOutput><opRet>-1</opRet><opErrno>5</opErrno></cliOutput>"
    with pytest.raises(CommandExecutionError, match="gluster reported a failure"):
        gcli.check_xml(text, ["a"], {})


@pytest.mark.parametrize(
    "text, shown",
    [
        ("Connection failed. Please check if gluster daemon is operational.", "Connection failed."),
        ("", "nothing"),
        ("usage: gluster [options]", "usage: gluster"),
    ],
)
def test_check_xml_not_xml(text, shown):
    with pytest.raises(CommandExecutionError) as excinfo:
        gcli.check_xml(text, ["volume", "info"], {})
    assert excinfo.value.strerror.startswith(
        f"gluster volume info: expected XML from gluster but got: {shown}"
    )
    assert excinfo.value.info == {"command": "gluster volume info", "output": text}


def test_check_xml_truncated():
    full = read("volume_info_all.xml")
    with pytest.raises(CommandExecutionError, match="expected XML from gluster"):
        gcli.check_xml(full[: len(full) // 3], ["volume", "info"], {})


def test_check_xml_wrong_root():
    with pytest.raises(CommandExecutionError, match=r"unexpected XML from gluster \(root <html>"):
        gcli.check_xml("<html><opRet>0</opRet></html>", ["volume", "info"], {})
    with pytest.raises(CommandExecutionError, match=r"root <cliOutput>, no <opRet>"):
        gcli.check_xml("<cliOutput><output>x</output></cliOutput>", ["volume", "info"], {})


def test_check_xml_unreadable_op_ret():
    with pytest.raises(CommandExecutionError, match="unreadable opRet/opErrno"):
        gcli.check_xml("<cliOutput><opRet>minus one</opRet></cliOutput>", ["volume", "info"], {})


# --------------------------------------------------------------------------- run, fake binaries


def fake_gluster(tmp_path, script_body, name="gluster"):
    """Write an executable ``sh`` script; it logs each argv line to ``tmp_path/argv.log``."""
    path = tmp_path / name
    log = shlex.quote(str(tmp_path / "argv.log"))
    path.write_text(f'#!/bin/sh\necho "$*" >> {log}\n{script_body}\n', encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def lock_then_ok(tmp_path, failures):
    """Fake gluster: the captured lock error ``failures`` times, then the captured success."""
    count = shlex.quote(str(tmp_path / "count"))
    lock = shlex.quote(str(DATA / "lock_error.xml"))
    ok = shlex.quote(str(DATA / "volume_set.xml"))
    body = (
        f"n=$(cat {count} 2>/dev/null || echo 0)\n"
        "n=$((n + 1))\n"
        f"echo $n > {count}\n"
        f'if [ "$n" -le {failures} ]; then cat {lock}; else cat {ok}; fi\n'
    )
    return fake_gluster(tmp_path, body)


def config_for(binary, **overrides):
    return gcli.make_config(
        minion_config=dict({"binary": str(binary), "socket": SOCKET, "lock_backoff": 0.01}, **overrides)
    )


def calls(tmp_path):
    log = tmp_path / "argv.log"
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def test_run_success_first_time(tmp_path):
    binary = lock_then_ok(tmp_path, 0)
    counter = {}
    root = gcli.run(config_for(binary), SET_ARGS, counter=counter)
    assert root.tag == "cliOutput"
    assert root.findtext("output") == "Set volume successful"
    assert counter == {"calls": 1}
    assert calls(tmp_path) == [
        f"--mode=script --glusterd-sock={SOCKET} --xml volume set rep3 performance.cache-size 2MB"
    ]


def test_run_retries_lock_errors_then_succeeds(tmp_path):
    binary = lock_then_ok(tmp_path, 3)
    counter = {"calls": 10}
    root = gcli.run(config_for(binary, lock_retries=5), SET_ARGS, counter=counter)
    assert root.findtext("output") == "Set volume successful"
    assert counter == {"calls": 14, "lock_retries": 3}
    assert len(calls(tmp_path)) == 4
    assert (tmp_path / "count").read_text().strip() == "4"


def test_run_without_counter(tmp_path):
    binary = lock_then_ok(tmp_path, 1)
    root = gcli.run(config_for(binary, lock_retries=1), SET_ARGS)
    assert root.findtext("opRet") == "0"
    assert len(calls(tmp_path)) == 2


def test_run_no_retries_raises_lock_error(tmp_path):
    binary = lock_then_ok(tmp_path, 1)
    counter = {}
    with pytest.raises(gcli.GlusterLockError) as excinfo:
        gcli.run(config_for(binary, lock_retries=0), SET_ARGS, counter=counter)
    assert "Another transaction is in progress" in str(excinfo.value)
    assert "still held" not in str(excinfo.value)
    assert excinfo.value.info["errno"] == 30802
    assert counter == {"calls": 1}
    assert len(calls(tmp_path)) == 1


def test_run_gives_up_after_lock_retries(tmp_path):
    binary = lock_then_ok(tmp_path, 100)
    counter = {}
    with pytest.raises(gcli.GlusterLockError) as excinfo:
        gcli.run(config_for(binary, lock_retries=2), SET_ARGS, counter=counter)
    message = str(excinfo.value)
    assert "Another transaction is in progress" in message
    assert "the cluster lock was still held after 2 retries" in message
    assert excinfo.value.info["retries"] == 2
    assert excinfo.value.info["errno"] == 30802
    assert counter == {"calls": 3, "lock_retries": 2}
    assert len(calls(tmp_path)) == 3


# glusterd's message when releasing the cluster lock fails after the commit phase
# (glusterd-mgmt.c, gd_mgmt_v3_unlock: "Unlocking failed on %s. Please check log file for
# details."). It cannot be provoked on purpose here (a peer would have to vanish between commit
# and unlock), so the answer is the captured lock error's envelope with that message.
UNLOCK_FAILED = "Unlocking failed on 127.1.1.2. Please check log file for details."


def unlock_failed_then_ok(tmp_path, failures):
    """Fake gluster: ``failures`` answers whose unlock phase failed, then the captured success."""
    count = shlex.quote(str(tmp_path / "count"))
    answer = tmp_path / "unlock_failed.xml"
    answer.write_text(read("lock_error.xml").replace(
        "Another transaction is in progress for rep3. Please try again after some time.", UNLOCK_FAILED
    ), encoding="utf-8")  # fmt: skip
    ok = shlex.quote(str(DATA / "volume_set.xml"))
    body = (
        f"n=$(cat {count} 2>/dev/null || echo 0)\n"
        "n=$((n + 1))\n"
        f"echo $n > {count}\n"
        f'if [ "$n" -le {failures} ]; then cat {shlex.quote(str(answer))}; else cat {ok}; fi\n'
    )
    return fake_gluster(tmp_path, body)


def test_a_write_whose_unlock_failed_is_not_run_again(tmp_path):
    """The commit may have happened: running the write again could repeat a non-idempotent
    change (an add-brick, a remove-brick start). It is raised as an unknown outcome at once."""
    binary = unlock_failed_then_ok(tmp_path, 1)
    counter = {}
    with pytest.raises(gcli.GlusterUnknownOutcomeError) as excinfo:
        gcli.run(config_for(binary, lock_retries=5), SET_ARGS, counter=counter)
    message = str(excinfo.value)
    assert UNLOCK_FAILED in message
    assert "the change may have been made; it was not run again" in message
    assert excinfo.value.info["outcome"] == "unknown"
    assert counter == {"calls": 1}
    assert len(calls(tmp_path)) == 1


def test_a_read_whose_unlock_failed_is_asked_again(tmp_path):
    binary = unlock_failed_then_ok(tmp_path, 2)
    counter = {}
    root = gcli.run(config_for(binary, lock_retries=5), ["volume", "info"], counter=counter, read_only=True)
    assert root.findtext("opRet") == "0"
    assert counter == {"calls": 3, "lock_retries": 2}


@pytest.mark.parametrize(
    "errstr, error",
    [
        (
            "Another transaction is in progress for rep3. Please try again after some time.",
            gcli.GlusterLockError,
        ),
        ("Locking failed on 127.1.1.3. Please check log file for details.", gcli.GlusterLockError),
        (UNLOCK_FAILED, gcli.GlusterUnknownOutcomeError),
    ],
)
def test_lock_errors_are_told_apart_by_their_phase(errstr, error):
    text = read("lock_error.xml").replace(
        "Another transaction is in progress for rep3. Please try again after some time.", errstr
    )
    with pytest.raises(gcli.GlusterLockError) as excinfo:
        gcli.check_xml(text, SET_ARGS, {})
    assert type(excinfo.value) is error


def test_run_does_not_retry_other_failures(tmp_path):
    binary = fake_gluster(tmp_path, f"cat {shlex.quote(str(DATA / 'volume_info_missing.xml'))}")
    counter = {}
    with pytest.raises(CommandExecutionError, match="Volume does not exist") as excinfo:
        gcli.run(config_for(binary), ["volume", "info", "nope"], counter=counter)
    assert not isinstance(excinfo.value, gcli.GlusterLockError)
    assert counter == {"calls": 1}


NO_GLUSTERD = "Connection failed. Please check if gluster daemon is operational."


@pytest.mark.parametrize("xml", [True, False])
def test_run_glusterd_not_running(tmp_path, xml):
    # tests/data/no_glusterd.txt: rc=1, this text on stdout
    assert f"stdout={NO_GLUSTERD}" in read("no_glusterd.txt")
    binary = fake_gluster(tmp_path, f"echo {shlex.quote(NO_GLUSTERD)}\nexit 1")
    with pytest.raises(CommandExecutionError) as excinfo:
        gcli.run(config_for(binary), ["peer", "status"], xml=xml)
    message = excinfo.value.strerror
    assert SOCKET in message
    assert message.startswith(
        f"gluster peer status: cannot reach glusterd socket {SOCKET}: is glusterd running there?"
    )
    assert NO_GLUSTERD in message
    assert excinfo.value.info == {"command": "gluster peer status", "returncode": 1}


def test_run_glusterd_not_running_remote(tmp_path):
    binary = fake_gluster(tmp_path, f"echo {shlex.quote(NO_GLUSTERD)} >&2\nexit 1")
    with pytest.raises(CommandExecutionError, match="cannot reach glusterd on remote host gfs7"):
        gcli.run(config_for(binary, remote_host="gfs7"), ["peer", "status"])
    assert calls(tmp_path) == ["--mode=script --remote-host=gfs7 --xml peer status"]


def test_run_garbage_output(tmp_path):
    binary = fake_gluster(tmp_path, "echo 'this is not xml at all'\nexit 0")
    with pytest.raises(CommandExecutionError) as excinfo:
        gcli.run(config_for(binary), ["volume", "info"])
    assert "expected XML" in str(excinfo.value)
    assert excinfo.value.strerror.startswith(
        "gluster volume info: expected XML from gluster but got: this is not xml at all"
    )
    assert excinfo.value.info == {"command": "gluster volume info", "output": "this is not xml at all\n"}


def test_run_plain_failure_exit_code(tmp_path):
    binary = fake_gluster(tmp_path, "echo 'unrecognized word: frob' >&2\nexit 2")
    with pytest.raises(CommandExecutionError) as excinfo:
        gcli.run(config_for(binary), ["frob"], xml=False)
    assert excinfo.value.strerror.startswith(
        f"gluster frob failed (exit 2) on glusterd socket {SOCKET}: unrecognized word: frob"
    )
    assert excinfo.value.info["returncode"] == 2


def test_run_plain_text_returns_stdout(tmp_path):
    binary = fake_gluster(tmp_path, f"cat {shlex.quote(str(DATA / 'version.txt'))}")
    out = gcli.run(config_for(binary), ["--version"], xml=False)
    assert out == read("version.txt").strip()
    assert out.splitlines()[0] == "glusterfs 10.3"
    assert calls(tmp_path) == [f"--mode=script --glusterd-sock={SOCKET} --version"]


def test_run_binary_missing(tmp_path):
    with pytest.raises(CommandExecutionError, match="was not found; install glusterfs-server"):
        gcli.run(config_for(tmp_path / "no-such-gluster"), ["volume", "info"])


def test_run_timeout(tmp_path):
    binary = fake_gluster(tmp_path, "exec sleep 5")
    with pytest.raises(CommandExecutionError) as excinfo:
        gcli.run(config_for(binary, timeout=0.3), ["volume", "info"])
    # the message shows the command line after --mode=script
    assert str(excinfo.value) == (f"'--glusterd-sock={SOCKET} --xml volume info' did not answer within 0.3s")


def test_bounded_gives_up_on_a_call_blocked_in_the_kernel(tmp_path):
    """open() of a FIFO with no writer blocks in the kernel, as a read of a hung FUSE mount or
    a resolver that never answers do: the caller gets an error after the bound and goes on."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(CommandExecutionError, match=r"reading the fifo did not answer within 0.5s"):
        gcli.bounded(lambda: open(fifo, encoding="utf-8").read(), 0.5, "reading the fifo")
    assert time.monotonic() - started < 5
    with open(fifo, "w", encoding="utf-8") as writer:  # lets the left-behind thread finish
        writer.write("x")


def test_bounded_returns_the_value_or_raises_the_error():
    assert gcli.bounded(lambda: 42, 5, "answer") == 42
    with pytest.raises(ZeroDivisionError):
        gcli.bounded(lambda: 1 / 0, 5, "division")
