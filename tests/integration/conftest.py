"""A salt-master and one salt-minion per gluster node, each minion bound to its own glusterd.

The master serves this repository's modules and formula as its ``file_roots`` (the formula way of
installing: no pip on the minions; links only, see tests/support/formula_root.py), and the
minions get the modules through ``saltutil.sync_all``.
"""

import contextlib

import pytest
from formula_root import formula_root


@pytest.fixture(scope="package")
def pillar_dir(tmp_path_factory):
    """The master's pillar_roots; tests write ``gluster.sls`` here (``top.sls`` gives it to all)."""
    path = tmp_path_factory.mktemp("pillar")
    (path / "top.sls").write_text("base:\n  '*':\n    - gluster\n")
    (path / "gluster.sls").write_text("{}\n")
    return path


@pytest.fixture(scope="package")
def state_top_dir(tmp_path_factory):
    """A state top file giving every minion the ``gluster`` formula (kept out of the repo)."""
    path = tmp_path_factory.mktemp("states")
    (path / "top.sls").write_text("base:\n  '*':\n    - gluster\n")
    return path


@pytest.fixture(scope="package")
def salt_master(salt_factories, pillar_dir, state_top_dir, tmp_path_factory):
    overrides = {
        # the checkout's modules and formula only (see tests/support/formula_root.py)
        "file_roots": {"base": [formula_root(str(tmp_path_factory.mktemp("formula"))), str(state_top_dir)]},
        "pillar_roots": {"base": [str(pillar_dir)]},
        # Salt's minimum; each master worker keeps a core busy ~25% here, on a 2-core machine
        "worker_threads": 3,
    }
    factory = salt_factories.salt_master_daemon("gluster-master", overrides=overrides)
    with factory.started(start_timeout=120):
        yield factory


@pytest.fixture(scope="package")
def gluster_minions(salt_master, gluster_cluster):
    """``{minion id: (minion factory, gluster node)}`` for gfs1..gfs3, started and synced."""
    minions = {}
    for node in gluster_cluster.nodes:
        minion_id = f"gfs{node.index}"
        factory = salt_master.salt_minion_daemon(minion_id, overrides={"gluster": node.minion_config()})
        minions[minion_id] = (factory, node)
    with contextlib.ExitStack() as stack:
        for factory, _node in minions.values():
            stack.enter_context(factory.started(start_timeout=120))
        yield minions


@pytest.fixture(scope="package")
def salt_cli(salt_master):
    return salt_master.salt_cli(timeout=120)
