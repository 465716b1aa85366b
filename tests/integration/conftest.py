"""A salt-master and one salt-minion per gluster node, each minion bound to its own glusterd.

The master serves this repository as its ``file_roots`` (the formula way of installing: no pip on
the minions), and the minions get the modules through ``saltutil.sync_all``.
"""

import contextlib
import os

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="package")
def salt_master(salt_factories):
    overrides = {
        "file_roots": {"base": [REPO, os.path.join(REPO, "salt")]},
        "pillar_roots": {"base": []},
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
        factory = salt_master.salt_minion_daemon(
            minion_id, overrides={"gluster": node.minion_config()}
        )
        minions[minion_id] = (factory, node)
    with contextlib.ExitStack() as stack:
        for factory, _node in minions.values():
            stack.enter_context(factory.started(start_timeout=120))
        yield minions


@pytest.fixture(scope="package")
def salt_cli(salt_master):
    return salt_master.salt_cli(timeout=120)
