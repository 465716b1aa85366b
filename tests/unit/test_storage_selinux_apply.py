"""The SELinux step of ``gluster_storage.backend_apply``: SELinux is not enabled on this machine,
so ``semanage`` cannot run here. Its one branch of logic is checked with a recorded command
runner in place of ``cmd.run_all`` (no gluster involved): a rule left by an interrupted run
("already defined") is modified instead of added; any other failure is reported."""

import importlib.util

import pytest
from salt.exceptions import CommandExecutionError

from conftest import ROOT

MOUNT = "/data/glusterfs/gv0"
ADD = ["semanage", "fcontext", "--add", "--type", "glusterd_brick_t", f"{MOUNT}(/.*)?"]
MODIFY = ["semanage", "fcontext", "--modify", "--type", "glusterd_brick_t", f"{MOUNT}(/.*)?"]


def load_module(answers):
    """_modules/gluster_storage.py with ``cmd.run_all`` answering from ``answers`` (in order)."""
    spec = importlib.util.spec_from_file_location(
        "gluster_storage_unit", ROOT / "_modules" / "gluster_storage.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    calls = []

    def run_all(argv, **kwargs):
        assert kwargs["python_shell"] is False
        calls.append(list(argv))
        retcode, stderr = answers.pop(0)
        return {"retcode": retcode, "stdout": "", "stderr": stderr}

    module.__salt__ = {"cmd.run_all": run_all}
    return module, calls


def test_selinux_rule_already_defined_is_modified():
    module, calls = load_module([(1, f"ValueError: File context for {MOUNT}(/.*)? already defined"), (0, "")])
    done = module._apply({"op": "selinux", "argv": ADD}, {"device": "/dev/sdb"}, "u-1")
    assert calls == [ADD, MODIFY]
    assert done == {"op": "selinux", "argv": MODIFY}


def test_selinux_other_failure_is_reported():
    module, calls = load_module(
        [(1, "ValueError: SELinux policy is not managed or store cannot be accessed.")]
    )
    with pytest.raises(
        CommandExecutionError, match="semanage fcontext --add .* failed \\(exit 1\\): ValueError: SELinux"
    ):
        module._apply({"op": "selinux", "argv": ADD}, {"device": "/dev/sdb"}, "u-1")
    assert calls == [ADD]


def test_new_filesystem_uuid_replaces_the_placeholder_in_mount():
    module, calls = load_module([(0, "")])
    argv = ["mount", "-t", "xfs", "-o", "noatime,inode64", "UUID=<uuid of the new filesystem>", MOUNT]
    done = module._apply({"op": "mount", "argv": argv}, {"device": "/dev/sdb"}, "1234-abcd")
    assert calls == [["mount", "-t", "xfs", "-o", "noatime,inode64", "UUID=1234-abcd", MOUNT]]
    assert done["argv"] == calls[0]


def test_a_step_failing_after_others_names_the_steps_done_in_the_errors_info(monkeypatch):
    """backend_apply's error carries the steps done (``info["operations"]``): the state reports
    them as its changes, the cluster having been changed by them."""
    module, calls = load_module([(0, ""), (1, "ValueError: SELinux policy is not managed")])
    plan = {"problems": [], "filesystem_device": "/dev/sdb1", "operations": [
        {"op": "selinux", "argv": ADD}, {"op": "selinux", "argv": ADD}]}  # fmt: skip
    monkeypatch.setattr(module, "_spec", lambda mount, device, **kwargs: {"device": device})
    monkeypatch.setattr(module, "_planned", lambda spec: ({"blocks": {}}, plan))
    with pytest.raises(CommandExecutionError, match="selinux failed after selinux was done") as raised:
        module.backend_apply(MOUNT, "/dev/sdb")
    assert raised.value.info == {"operations": [{"op": "selinux", "argv": ADD}]}
    assert calls == [ADD, ADD]
