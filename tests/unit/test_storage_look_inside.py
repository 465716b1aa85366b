"""The read-only look of ``_modules/gluster_storage.py`` before ``wipe`` destroys a filesystem.

``_brick_data_below`` walks a real directory tree (``trusted.*`` xattrs set as root, as gluster
sets them); ``_look_inside`` runs with a recorded command runner in place of ``cmd.run_all``:
the mount is read-only, the unmount by path always follows (lazily when a plain one fails), and
a filesystem that stays mounted is an error, never a "nothing found". The real mounts are in
``tests/functional/test_wipe_brick_data.py``.
"""

import importlib.util
import os

import pytest
from salt.exceptions import CommandExecutionError

from conftest import ROOT

VOLUME_ID = "5e1c0a4b-9d3f-4c2a-8b7e-6f1a2b3c4d5e"


def load_module(answers=()):
    spec = importlib.util.spec_from_file_location(
        "gluster_storage_look", ROOT / "_modules" / "gluster_storage.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    answers, calls = list(answers), []

    def run_all(argv, **kwargs):
        assert kwargs["python_shell"] is False and kwargs["timeout"] == module.LOOK_TIMEOUT
        calls.append(list(argv))
        retcode, stderr = answers.pop(0)
        return {"retcode": retcode, "stdout": "", "stderr": stderr}

    module.__salt__ = {"cmd.run_all": run_all}
    return module, calls


def mark(path, volume_id=VOLUME_ID):
    os.makedirs(path, exist_ok=True)
    os.setxattr(path, "trusted.glusterfs.volume-id", bytes.fromhex(volume_id.replace("-", "")))


def test_walk_finds_marks_and_glusterfs_trees_down_to_three_levels(tmp_path):
    module, _calls = load_module()
    mark(tmp_path / "brick")
    (tmp_path / "brick" / ".glusterfs" / "indices").mkdir(parents=True)
    (tmp_path / "bricks" / "gv1" / "brick" / ".glusterfs").mkdir(
        parents=True
    )  # a mark lost: the tree says it
    mark(tmp_path / "a" / "b" / "c")  # level 3
    mark(tmp_path / "x" / "y" / "z" / "deep")  # level 4: below the bound
    (tmp_path / "plain" / "dir").mkdir(parents=True)
    (tmp_path / "plain" / "file.txt").write_text("data\n")
    os.symlink("/", tmp_path / "root-link")  # never followed
    assert module._brick_data_below(str(tmp_path)) == {
        "brick_data": [
            {"path": "/brick", "volume_id": VOLUME_ID, "glusterfs": True},
            {"path": "/a/b/c", "volume_id": VOLUME_ID, "glusterfs": False},
            {"path": "/bricks/gv1/brick", "volume_id": None, "glusterfs": True},
        ],
        "error": None,
    }


def test_walk_a_brick_at_the_root_and_nothing_below_it(tmp_path):
    module, _calls = load_module()
    mark(tmp_path)
    mark(tmp_path / "data" / "inner", "0f9e8d7c-6b5a-4938-a7b6-c5d4e3f2a1b0")  # user data of the brick
    assert module._brick_data_below(str(tmp_path))["brick_data"] == [
        {"path": "/", "volume_id": VOLUME_ID, "glusterfs": False}
    ]


def test_walk_without_brick_data(tmp_path):
    module, _calls = load_module()
    (tmp_path / "home" / "user").mkdir(parents=True)
    (tmp_path / "lost+found").mkdir()
    assert module._brick_data_below(str(tmp_path)) == {"brick_data": [], "error": None}


def test_walk_cut_short_is_an_error_not_nothing(tmp_path):
    module, _calls = load_module()
    module.LOOK_MAX_DIRECTORIES = 5
    for index in range(10):
        (tmp_path / f"d{index}").mkdir()
    assert module._brick_data_below(str(tmp_path)) == {
        "brick_data": [],
        "error": "the top 3 levels hold more than 5 directories",
    }


def test_look_mounts_read_only_and_unmounts_by_path(tmp_path, monkeypatch):
    module, calls = load_module([(0, ""), (0, "")])
    monkeypatch.setattr(module.tempfile, "mkdtemp", lambda prefix: str(tmp_path / prefix))
    point = tmp_path / "gluster-storage-look-"
    point.mkdir()
    mark(point / "brick")  # what the (recorded) mount would show
    removed = []
    monkeypatch.setattr(module.os, "rmdir", removed.append)
    assert module._look_inside("/dev/sdb", "xfs") == {
        "brick_data": [{"path": "/brick", "volume_id": VOLUME_ID, "glusterfs": False}],
        "error": None,
    }
    assert calls == [
        ["mount", "-t", "xfs", "-o", "ro,nodev,nosuid,noexec,norecovery,nouuid", "/dev/sdb", str(point)],
        ["umount", str(point)],
    ]
    assert removed == [str(point)], "the temporary mount point is removed after the unmount"


@pytest.mark.parametrize(
    "answers, expected, last",
    [
        ([(32, "wrong fs type, bad option")], "a read-only mount failed: wrong fs type, bad option", None),
        ([(0, ""), (32, "target is busy"), (0, "")], None, ["umount", "--lazy"]),
    ],
)
def test_look_failures(tmp_path, monkeypatch, answers, expected, last):
    module, calls = load_module(answers)
    point = tmp_path / "look"
    monkeypatch.setattr(module.tempfile, "mkdtemp", lambda prefix: (point.mkdir(), str(point))[1])
    look = module._look_inside("/dev/sdb", "ext4")
    assert look["error"] == expected
    assert calls[0][:5] == ["mount", "-t", "ext4", "-o", "ro,nodev,nosuid,noexec,noload"]
    if last:
        assert calls[-1] == [*last, str(point)]
    assert not point.exists(), "the temporary mount point is removed"


def test_look_that_cannot_unmount_raises_and_keeps_the_directory(tmp_path, monkeypatch):
    module, calls = load_module([(0, ""), (32, "target is busy"), (32, "target is busy")])
    point = tmp_path / "look"
    monkeypatch.setattr(module.tempfile, "mkdtemp", lambda prefix: (point.mkdir(), str(point))[1])
    with pytest.raises(
        CommandExecutionError, match=f"/dev/sdb stays mounted read-only at {point}: unmount it by hand"
    ):
        module._look_inside("/dev/sdb", "xfs")
    assert [argv[:2] for argv in calls] == [["mount", "-t"], ["umount", str(point)], ["umount", "--lazy"]]
    assert point.exists()


def test_look_refuses_a_type_name_that_is_not_plain(tmp_path, monkeypatch):
    module, calls = load_module()
    point = tmp_path / "look"
    monkeypatch.setattr(module.tempfile, "mkdtemp", lambda prefix: (point.mkdir(), str(point))[1])
    assert module._look_inside("/dev/sdb", "xfs,rw") == {
        "brick_data": [],
        "error": "blkid names its type 'xfs,rw', which cannot be mounted",
    }
    assert calls == [] and not point.exists()
