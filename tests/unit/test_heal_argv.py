"""``gluster_cli.heal_info_argv`` and ``run_heal_info``: which program answers heal info.

gluster 10.3's CLI starts glfsheal with the default glusterd socket only, so with a custom socket
glfsheal is run directly. No real gluster runs here: ``run_heal_info`` is pointed at tiny shell
scripts in ``tmp_path`` that replay output captured from gluster 10.3 (``tests/data``).
"""

import shlex
import stat
from pathlib import Path

import pytest
import saltext_gluster_utils.gluster_cli as gcli
import saltext_gluster_utils.gluster_xml as gx
from salt.exceptions import CommandExecutionError

DATA = Path(__file__).parent.parent / "data"
SOCKET = "/run/test-heal/glusterd.socket"
FAKE_GLFSHEAL = "/opt/fake/libexec/glfsheal"


def config(**minion):
    return gcli.make_config(minion_config=minion)


# --------------------------------------------------------------------------- heal_info_argv


@pytest.mark.parametrize(
    "kind, tail",
    [("info", ["info"]), ("summary", ["info", "summary"]), ("split-brain", ["info", "split-brain"])],
)
def test_default_socket_uses_the_cli(kind, tail):
    assert gcli.heal_info_argv(config(glfsheal=FAKE_GLFSHEAL), "gv0", kind) == [
        "gluster",
        "--mode=script",
        "--xml",
        "volume",
        "heal",
        "gv0",
        *tail,
    ]


def test_default_kind_is_info():
    assert gcli.heal_info_argv(config(), "gv0") == gcli.heal_info_argv(config(), "gv0", "info")


def test_default_socket_honours_the_configured_binary():
    argv = gcli.heal_info_argv(config(binary="/opt/gluster/sbin/gluster"), "gv0", "summary")
    assert argv == [
        "/opt/gluster/sbin/gluster",
        "--mode=script",
        "--xml",
        "volume",
        "heal",
        "gv0",
        "info",
        "summary",
    ]


@pytest.mark.parametrize(
    "kind, middle",
    [("info", []), ("summary", ["info-summary"]), ("split-brain", ["split-brain-info"])],
)
def test_custom_socket_runs_glfsheal_directly(kind, middle):
    argv = gcli.heal_info_argv(config(socket=SOCKET, glfsheal=FAKE_GLFSHEAL), "gv0", kind)
    assert argv == [FAKE_GLFSHEAL, "gv0", *middle, "--xml", "glusterd-sock", SOCKET]


def test_custom_socket_finds_glfsheal_in_the_known_paths(tmp_path, monkeypatch):
    present = tmp_path / "libexec" / "glfsheal"
    present.parent.mkdir()
    present.write_text("", encoding="utf-8")
    monkeypatch.setattr(gcli, "GLFSHEAL_PATHS", (str(tmp_path / "missing" / "glfsheal"), str(present)))
    argv = gcli.heal_info_argv(config(socket=SOCKET), "gv0", "summary")
    assert argv == [str(present), "gv0", "info-summary", "--xml", "glusterd-sock", SOCKET]


@pytest.mark.parametrize("socket", [None, SOCKET])
@pytest.mark.parametrize(
    "kind, tail",
    [("info", ["info"]), ("summary", ["info", "summary"]), ("split-brain", ["info", "split-brain"])],
)
def test_remote_host_uses_the_cli(socket, kind, tail):
    # a remote glusterd is asked through the CLI, even when a local socket is configured too
    argv = gcli.heal_info_argv(config(remote_host="gfs7", socket=socket, glfsheal=FAKE_GLFSHEAL), "gv0", kind)
    assert argv == ["gluster", "--mode=script", "--remote-host=gfs7", "--xml", "volume", "heal", "gv0", *tail]


@pytest.mark.parametrize("socket", [None, SOCKET])
@pytest.mark.parametrize("kind", ["healed", "info-summary", "split-brain-info", "", "INFO"])
def test_unknown_kind(socket, kind):
    with pytest.raises(ValueError, match=r"heal info kind must be one of info, summary, split-brain"):
        gcli.heal_info_argv(config(socket=socket, glfsheal=FAKE_GLFSHEAL), "gv0", kind)


def test_glfsheal_missing(tmp_path, monkeypatch):
    nowhere = (str(tmp_path / "a" / "glfsheal"), str(tmp_path / "b" / "glfsheal"))
    monkeypatch.setattr(gcli, "GLFSHEAL_PATHS", nowhere)
    with pytest.raises(CommandExecutionError) as excinfo:
        gcli.heal_info_argv(config(socket=SOCKET), "gv0", "info")
    message = excinfo.value.strerror
    assert "set gluster:glfsheal in the minion config" in message
    assert f"{nowhere[0]}, {nowhere[1]}" in message


def test_glfsheal_missing_does_not_matter_without_custom_socket(tmp_path, monkeypatch):
    monkeypatch.setattr(gcli, "GLFSHEAL_PATHS", (str(tmp_path / "none"),))
    assert gcli.heal_info_argv(config(), "gv0", "info")[:2] == ["gluster", "--mode=script"]


# --------------------------------------------------------------------------- run_heal_info, fake programs


def fake_program(tmp_path, body, name="glfsheal"):
    """Write an executable ``sh`` script; it logs its argv to ``tmp_path/argv.log``."""
    path = tmp_path / name
    log = shlex.quote(str(tmp_path / "argv.log"))
    path.write_text(f'#!/bin/sh\necho "$*" >> {log}\n{body}\n', encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def replay(name):
    return f"cat {shlex.quote(str(DATA / name))}"


def calls(tmp_path):
    log = tmp_path / "argv.log"
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def test_run_heal_info_through_glfsheal(tmp_path):
    glfsheal = fake_program(tmp_path, replay("heal_summary_brick_down.xml"))
    counter = {}
    root = gcli.run_heal_info(
        config(socket=SOCKET, glfsheal=str(glfsheal)), "gv0", "summary", counter=counter
    )
    assert root.tag == "cliOutput"
    assert calls(tmp_path) == [f"gv0 info-summary --xml glusterd-sock {SOCKET}"]
    assert counter == {"calls": 1}
    bricks = gx.parse_heal_info(root)
    assert [(b["host"], b["connected"], b["entries"]) for b in bricks] == [
        ("127.1.8.1", True, 11),
        ("127.1.8.2", True, 11),
        ("127.1.8.3", False, None),
    ]
    assert bricks[0]["pending"] == 11
    assert (
        bricks[2]["status"] == "Failed to process entries completely. (Transport endpoint is not connected)"
    )


def test_run_heal_info_xml_despite_a_failing_exit_code(tmp_path):
    # the answer is taken from the XML, whatever the exit status of the helper
    glfsheal = fake_program(tmp_path, replay("heal_info_brick_down.xml") + "\nexit 2")
    root = gcli.run_heal_info(config(socket=SOCKET, glfsheal=str(glfsheal)), "gv0", "info")
    assert calls(tmp_path) == [f"gv0 --xml glusterd-sock {SOCKET}"]
    bricks = gx.parse_heal_info(root)
    assert [len(b.get("files", [])) for b in bricks] == [11, 11, 0]


def test_run_heal_info_through_the_cli(tmp_path):
    gluster = fake_program(tmp_path, replay("heal_split_brain_brick_down.xml"), name="gluster")
    root = gcli.run_heal_info(config(binary=str(gluster)), "gv0", "split-brain")
    assert calls(tmp_path) == ["--mode=script --xml volume heal gv0 info split-brain"]
    assert [b["entries"] for b in gx.parse_heal_info(root)] == [0, 0, None]


def test_run_heal_info_plain_text_failure(tmp_path):
    glfsheal = fake_program(tmp_path, "echo 'Volume gv0 does not exist'\nexit 1")
    with pytest.raises(CommandExecutionError) as excinfo:
        gcli.run_heal_info(config(socket=SOCKET, glfsheal=str(glfsheal)), "gv0", "summary")
    exc = excinfo.value
    assert exc.strerror.startswith(
        f"gluster volume heal gv0 info summary failed (exit 1) on glusterd socket {SOCKET}: "
        "Volume gv0 does not exist"
    )
    assert exc.info == {
        "command": "gluster volume heal gv0 info summary",
        "returncode": 1,
        "output": "Volume gv0 does not exist",
    }


def test_run_heal_info_error_answer(tmp_path):
    answer = (
        "<cliOutput><opRet>-1</opRet><opErrno>2</opErrno>"
        "<opErrstr>Volume gv0 does not exist</opErrstr></cliOutput>"
    )
    glfsheal = fake_program(tmp_path, f"echo {shlex.quote(answer)}")
    with pytest.raises(
        CommandExecutionError, match=r"gluster volume heal gv0 info failed on glusterd socket "
    ):
        gcli.run_heal_info(config(socket=SOCKET, glfsheal=str(glfsheal)), "gv0")


def test_run_heal_info_glfsheal_path_does_not_exist(tmp_path):
    with pytest.raises(CommandExecutionError, match="was not found"):
        gcli.run_heal_info(config(socket=SOCKET, glfsheal=str(tmp_path / "nope")), "gv0")


# --------------------------------------------------------------------------- split-brain resolution


@pytest.mark.parametrize(
    "policy, path, source, tail",
    [
        ("bigger-file", "/d/f", None, ["bigger-file", "/d/f"]),
        (
            "latest-mtime",
            "gfid:0a1b2c3d-0000-4000-8000-00000000abcd",
            None,
            ["latest-mtime", "gfid:0a1b2c3d-0000-4000-8000-00000000abcd"],
        ),
        ("source-brick", None, "gfs2:/b/1", ["source-brick", "gfs2:/b/1"]),
        ("source-brick", "/d/f", "gfs2:/b/1", ["source-brick", "gfs2:/b/1", "/d/f"]),
    ],
)
def test_split_brain_resolution_argv(policy, path, source, tail):
    cli = gcli.split_brain_argv(config(glfsheal=FAKE_GLFSHEAL), "gv0", policy, path, source)
    assert cli == [
        "gluster",
        "--mode=script",
        "volume",
        "heal",
        "gv0",
        "split-brain",
        *tail,
    ]  # plain text: no --xml
    direct = gcli.split_brain_argv(config(socket=SOCKET, glfsheal=FAKE_GLFSHEAL), "gv0", policy, path, source)
    assert direct == [FAKE_GLFSHEAL, "gv0", *tail, "glusterd-sock", SOCKET]


def test_split_brain_unknown_policy():
    with pytest.raises(
        ValueError, match="split-brain policy must be one of bigger-file, latest-mtime, source-brick"
    ):
        gcli.split_brain_argv(config(), "gv0", "majority", "/f")


def _replay_answer(name):
    """A captured resolution answer (tests/data/capture_trouble.py): exit code, then stdout."""
    code, _newline, text = (DATA / name).read_text(encoding="utf-8").partition("\n")
    return f"printf '%s' {shlex.quote(text)}; exit {int(code)}"


def test_run_split_brain_says_what_gluster_says(tmp_path):
    glfsheal = fake_program(tmp_path, _replay_answer("split_brain_healed.txt"))
    counter = {}
    assert (
        gcli.run_split_brain(
            config(socket=SOCKET, glfsheal=str(glfsheal)), "sb", "bigger-file", "/victim", counter=counter
        )
        == "Healed /victim."
    )
    assert calls(tmp_path) == [f"sb bigger-file /victim glusterd-sock {SOCKET}"] and counter == {"calls": 1}


@pytest.mark.parametrize(
    "answer, words",
    [
        (
            "split_brain_not_in_split_brain.txt",
            (
                "exit 1) on glusterd socket /run/test-heal/glusterd.socket: "
                "Healing /victim failed: File not in split-brain."
            ),
        ),
        (
            "split_brain_no_such_file.txt",
            (
                "exit 22) on glusterd socket /run/test-heal/glusterd.socket: "
                "Lookup failed on /victim:No such file or directory."
            ),
        ),
    ],
)
def test_run_split_brain_refused_in_glusters_words(tmp_path, answer, words):
    glfsheal = fake_program(tmp_path, _replay_answer(answer).replace("/nonexistent", "/victim"))
    with pytest.raises(CommandExecutionError) as excinfo:
        gcli.run_split_brain(config(socket=SOCKET, glfsheal=str(glfsheal)), "sb", "bigger-file", "/victim")
    assert excinfo.value.strerror.startswith(
        f"gluster volume heal sb split-brain bigger-file /victim failed ({words}"
    )
