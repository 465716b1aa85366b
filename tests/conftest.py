"""Shared fixtures: a real local GlusterFS cluster and a fresh root for pytest-salt-factories."""

import importlib.util
import logging
import os
import shutil
import sys
import tempfile

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "tests", "support"))

import groups  # noqa: E402
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
    with temporary_cluster(
        "sgc-", pool=True, subnet=os.environ.get("GLUSTER_TEST_SUBNET", "127.1.1")
    ) as cluster:
        yield cluster


@pytest.fixture
def clean_volumes(gluster_cluster):
    """Delete the volumes a test created, whatever the test's outcome."""
    yield gluster_cluster
    gluster_cluster.delete_all_volumes()


def pytest_collection_modifyitems(items):
    """Everything under tests/integration (Salt master and minion daemons) is ``slow``:
    ``scripts/test.sh -m "not slow"`` runs the fast suite (unit and functional) alone.

    A test that uses the session's pool must be in its group (``tests/support/groups.py``),
    or ``pytest -n`` could run it beside another test on the pool: stop here if not."""
    integration = os.path.join(REPO, "tests", "integration") + os.sep
    strays = set()
    for item in items:
        if str(item.fspath).startswith(integration):
            item.add_marker(pytest.mark.slow)
        if "gluster_cluster" in item.fixturenames and groups.group_of(item.nodeid) != groups.POOL_GROUP:
            strays.add(item.nodeid.split("::", 1)[0])
    if strays:
        raise pytest.UsageError(
            f"{', '.join(sorted(strays))} use(s) gluster_cluster: "
            "add it to POOL_MODULES in tests/support/groups.py"
        )
    # the order xdist hands the groups out in (--no-loadscope-reorder): the longest first, the
    # pool and then the lab, so that the lab runs beside the pool rather than after it
    items.sort(key=lambda item: groups.rank(groups.group_of(item.nodeid)))


if importlib.util.find_spec("xdist") is not None:

    def pytest_xdist_make_scheduler(config, log):
        """``pytest -n``: a worker takes a whole group of tests (tests/support/groups.py)."""
        return groups.scheduler(config, log)


def pytest_sessionfinish(session, exitstatus):
    """Salt's logging handlers outlive the capture streams pytest closes at exit, and each late
    record then printed a 'Logging error' traceback (ValueError: I/O operation on closed file)
    after pytest's summary, so that the tail of a failed CI run showed that noise instead of the
    failures. A handler that fails from now on stays quiet."""
    logging.raiseExceptions = False


GROUP_SECONDS = {}  # (worker, group) -> seconds of setup, call and teardown


def pytest_runtest_logreport(report):
    """Time spent per group and worker (under ``pytest -n`` the controller sees every report)."""
    node = getattr(report, "node", None)
    worker = getattr(getattr(node, "gateway", None), "id", "main")
    key = (worker, groups.group_of(report.nodeid))
    GROUP_SECONDS[key] = GROUP_SECONDS.get(key, 0.0) + (report.duration or 0.0)


def pytest_terminal_summary(terminalreporter):
    """Each worker's time, its groups the longest first: where the suite's wall time goes (the
    run takes as long as its busiest worker). Printed before pytest's short summary of failures,
    which stays last."""
    if not GROUP_SECONDS:
        return
    terminalreporter.section("time per worker and group")
    for worker in sorted({w for w, _ in GROUP_SECONDS}):
        mine = sorted(((s, g) for (w, g), s in GROUP_SECONDS.items() if w == worker), reverse=True)
        top = ", ".join(f"{g.removeprefix('tests/')} {s:.0f}" for s, g in mine[:8])
        terminalreporter.write_line(
            f"{worker}: {sum(s for s, _ in mine):.0f} s: {top}" + (", ..." if len(mine) > 8 else "")
        )
