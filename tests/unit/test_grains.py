"""The grains' own readers (``_grains/gluster.py`` does not import ``_utils``): ``/proc/mounts``
lines as the kernel writes them for GlusterFS FUSE mounts (copied from this machine; the path
with a space, a tab and a backslash escaped as the kernel escapes them), and ``key=value``
files as glusterd writes its ``glusterd.info``."""

from conftest import load_loader_module

GRAINS = load_loader_module("gluster_grains_under_test", "gluster.py", folder="_grains")

OPTIONS = "rw,relatime,user_id=0,group_id=0,default_permissions,allow_other,max_read=131072 0 0"
MOUNTS = f"""\
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
127.1.10.1:/primvol /tmp/pytest-of-root/pytest-284/test_a_session_from_salt_copie0/prim \
fuse.glusterfs {OPTIONS}
gfs2:/gv0 /mnt/my\\040data\\011x\\134y fuse.glusterfs {OPTIONS}
/dev/loop3 /data/glusterfs/gv0 xfs rw,noatime,inode64 0 0
gfs1:/gv1 /mnt/gv1 fuse rw 0 0
"""


def test_only_glusterfs_fuse_mounts_with_paths_unescaped():
    assert GRAINS._parse_mounts(MOUNTS) == [
        {
            "server": "127.1.10.1",
            "volume": "primvol",
            "mountpoint": "/tmp/pytest-of-root/pytest-284/test_a_session_from_salt_copie0/prim",
        },
        {"server": "gfs2", "volume": "gv0", "mountpoint": "/mnt/my data\tx\\y"},
    ]
    assert GRAINS._parse_mounts("") == []


def test_glusterd_info_key_values():
    text = "UUID=6a1e0332-6f2c-4c07-9d35-3e6a3e8f7c11\noperating-version=100000\nnot a pair\n"
    assert GRAINS._parse_key_values(text) == {
        "UUID": "6a1e0332-6f2c-4c07-9d35-3e6a3e8f7c11",
        "operating-version": "100000",
    }


def test_the_version_runs_once_per_installed_binary(tmp_path, monkeypatch):
    """``gluster --version`` is run once and its answer kept in the cachedir; a changed binary
    (an upgrade) is asked again. The binary is a script printing what gluster 10.3 prints."""
    binary = tmp_path / "bin" / "gluster"
    binary.parent.mkdir()
    log = tmp_path / "runs.log"
    binary.write_text(
        f"#!/bin/sh\necho run >> {log}\necho 'glusterfs 10.3'\n"
        "echo 'Repository revision: git://git.gluster.org/glusterfs.git'\n"
    )
    binary.chmod(0o755)
    monkeypatch.setattr(GRAINS, "__opts__", {"cachedir": str(tmp_path / "cache")}, raising=False)
    assert [GRAINS._version(str(binary)) for _ in range(3)] == ["10.3"] * 3
    assert log.read_text().count("run") == 1
    binary.write_text(binary.read_text().replace("10.3", "11.1") + "# upgraded\n")
    assert GRAINS._version(str(binary)) == "11.1" and log.read_text().count("run") == 2
    monkeypatch.setattr(GRAINS, "__opts__", {}, raising=False)  # no cachedir: asked every time
    assert GRAINS._version(str(binary)) == "11.1" and log.read_text().count("run") == 3
    assert GRAINS._version(str(tmp_path / "missing")) is None
