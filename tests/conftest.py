"""Shared fixtures: a real local GlusterFS cluster and a fresh root for pytest-salt-factories."""

import os
import shutil
import sys
import tempfile

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "support"))

from cluster import temporary_cluster  # noqa: E402


def _require_gluster():
    """Tests that need gluster fail loudly when it cannot run here; they never skip."""
    missing = [tool for tool in ("gluster", "glusterd") if not shutil.which(tool)]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not found: install glusterfs-server (see README) to run these tests",
            pytrace=False,
        )
    if os.geteuid() != 0:
        pytest.fail("the GlusterFS tests need root (glusterd, FUSE mounts)", pytrace=False)


@pytest.fixture(scope="session")
def salt_factories_config():
    """A fresh, short root per session: salt-factories reuses generated scripts otherwise."""
    root = tempfile.mkdtemp(prefix="sgf-", dir="/tmp")
    return {"root_dir": root}


@pytest.fixture(scope="session")
def gluster_cluster():
    """Three glusterd on 127.1.1.1-3 forming one trusted pool; torn down by pid afterwards.

    ``GLUSTER_TEST_SUBNET=127.1.20`` moves them, so that a developer can run a few functional
    tests while another functional run holds 127.1.1 (tests that name 127.1.1 addresses or
    start extra nodes themselves still need the default; CI uses the default)."""
    _require_gluster()
    with temporary_cluster("sgc-", pool=True, subnet=os.environ.get("GLUSTER_TEST_SUBNET", "127.1.1")) as cluster:
        yield cluster


@pytest.fixture
def clean_volumes(gluster_cluster):
    """Delete the volumes a test created, whatever the test's outcome."""
    yield gluster_cluster
    gluster_cluster.delete_all_volumes()


# The group of the tests that share the session's 3-node pool on 127.1.1 (``gluster_cluster``).
POOL_GROUP = "pool-127.1.1"


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the xdist_group marks
def pytest_collection_modifyitems(items):
    """Everything under tests/integration (Salt master and minion daemons) is ``slow``:
    ``scripts/test.sh -m "not slow"`` runs the fast suite (unit and functional) alone.

    Each test also gets the ``xdist_group`` of what it holds on this host, so that
    ``scripts/test.sh`` (``pytest -n 2 --dist loadgroup``) never runs two tests that share a
    cluster at once: every test that uses the session's pool (every functional test, through
    the loaders, and the integration tests whose minions drive it) is in one group, run in order
    by one worker; any other module is a group of its own, for it starts its own cluster on its
    own subnet (README, "Test subnets"). A unit-test module is a group too, so that a worker takes
    a module at a time and not one test at a time."""
    integration = os.path.join(REPO, "tests", "integration") + os.sep
    for item in items:
        if str(item.fspath).startswith(integration):
            item.add_marker(pytest.mark.slow)
        if "gluster_cluster" in item.fixturenames:
            group = POOL_GROUP
        else:
            group = os.path.relpath(str(item.fspath), REPO)
        item.add_marker(pytest.mark.xdist_group(group))
