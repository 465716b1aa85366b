"""``pip install`` mode: the salt.loader entry point alone makes ``salt-call --local gluster.*``
work, with no file_roots, module_dirs or sync at all."""

import json
import os
import shutil
import subprocess
import sys

import pytest

pytestmark = pytest.mark.cluster

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def installed_site(tmp_path_factory):
    """The package pip-installed (from a copy of the repo) into a private site directory."""
    base = tmp_path_factory.mktemp("pipmode")
    source = base / "src"
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(".git", "tests", "build", "*.egg-info", "__pycache__", ".venv*"),
    )
    target = base / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(source)],
        check=True,
    )  # fmt: skip
    assert (target / "saltext_gluster" / "_modules" / "gluster.py").is_file()
    return target


def salt_call(site, config_dir, *args):
    env = dict(os.environ, PYTHONPATH=str(site))
    salt_call_bin = os.path.join(os.path.dirname(sys.executable), "salt-call")
    proc = subprocess.run(
        [salt_call_bin, "--local", "-c", str(config_dir), "--out=json", *args],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    return proc


def test_pip_installed_entry_point_serves_module(installed_site, tmp_path, gluster_cluster):
    config_dir = tmp_path / "conf"
    config_dir.mkdir()
    (config_dir / "minion").write_text(
        "id: pipmode\n"
        "file_client: local\n"
        f"root_dir: {tmp_path}/root\n"
        f"file_roots: {{base: [{tmp_path}/empty]}}\n"
        "gluster:\n"
        f"  socket: {gluster_cluster[0].socket}\n"
        f"  working_directory: {gluster_cluster[0].workdir}\n"
    )
    proc = salt_call(installed_site, config_dir, "gluster.version")
    assert proc.returncode == 0, proc.stderr
    installed = subprocess.run(["gluster", "--version"], capture_output=True, text=True).stdout
    version = json.loads(proc.stdout)["local"]
    assert installed.startswith(f"glusterfs {version['version']}")

    proc = salt_call(installed_site, config_dir, "gluster.peer_status")
    assert proc.returncode == 0, proc.stderr
    peers = json.loads(proc.stdout)["local"]
    assert sorted(p["hostname"] for p in peers) == [gluster_cluster[1].address, gluster_cluster[2].address]

    # the grains and the runner come from the package too
    proc = salt_call(installed_site, config_dir, "grains.get", "gluster")
    grain = json.loads(proc.stdout)["local"]
    assert grain["uuid"] == gluster_cluster[0].uuid and grain["glusterd_running"] is True, grain
    proc = salt_call(installed_site, config_dir, "sys.list_runner_functions", "gluster")
    assert json.loads(proc.stdout)["local"] == ["gluster.status"], proc.stdout

    # Salt 3007's glusterfs names (issue 23) come with the package: the old function and states
    proc = salt_call(installed_site, config_dir, "glusterfs.get_version")
    assert proc.returncode == 0 and installed.startswith(f"glusterfs {json.loads(proc.stdout)['local']}"), (
        proc.stderr
    )
    proc = salt_call(installed_site, config_dir, "sys.list_state_functions", "glusterfs")
    assert sorted(json.loads(proc.stdout)["local"]) == [
        f"glusterfs.{name}"
        for name in (
            "add_volume_bricks",
            "max_op_version",
            "op_version",
            "peered",
            "started",
            "volume_present",
        )
    ], proc.stdout

    # nothing was synced: the module came from the installed package
    assert not (tmp_path / "root" / "var" / "cache" / "salt" / "minion" / "extmods" / "modules").exists()


def test_without_the_package_there_is_no_gluster_module(tmp_path):
    """The control: the same salt-call without the installed package has no gluster module."""
    config_dir = tmp_path / "conf"
    config_dir.mkdir()
    (config_dir / "minion").write_text(
        f"id: nomod\nfile_client: local\nroot_dir: {tmp_path}/root\n"
        f"file_roots: {{base: [{tmp_path}/empty]}}\n"
    )
    proc = salt_call(tmp_path / "nothing", config_dir, "gluster.version")
    assert proc.returncode != 0
    assert "'gluster.version' is not available" in proc.stdout + proc.stderr
    # what a Salt 3007 SLS meets on Salt 3008 without this extension
    proc = salt_call(tmp_path / "nothing", config_dir, "glusterfs.get_version")
    assert proc.returncode != 0
    assert "'glusterfs.get_version' is not available" in proc.stdout + proc.stderr
