"""The execution module loaded through Salt's own loader, bound to node 1 of the test cluster."""

import copy
import os
import tempfile

import pytest
from cluster import GlusterNode
from saltfactories.utils.functional import Loaders

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def loader_overrides(socket):
    return {
        "file_client": "local",
        "module_dirs": [os.path.join(REPO, "_modules")],
        "states_dirs": [os.path.join(REPO, "_states")],
        "utils_dirs": [os.path.join(REPO, "_utils")],
        "gluster": {"socket": socket, "lock_retries": 5, "lock_backoff": 0.2},
    }


@pytest.fixture(scope="package")
def minion_factory(salt_factories, gluster_cluster):
    """The (never started) minion whose config the loaders use; its config file also serves
    ``salt-call --local`` runs against node 1."""
    return salt_factories.salt_minion_daemon(
        "functional-gfs1", overrides=loader_overrides(gluster_cluster[0].socket)
    )


@pytest.fixture(scope="package")
def minion_opts(minion_factory):
    return minion_factory.config.copy()


@pytest.fixture(scope="package")
def loaders(minion_opts):
    return Loaders(minion_opts, loaded_base_name=f"{__name__}.loaded")


@pytest.fixture(autouse=True)
def reset_loaders_state(loaders):
    try:
        yield
    finally:
        loaders.reset_state()


@pytest.fixture
def gluster(loaders):
    """``__salt__["gluster.*"]`` as the minion on node 1 sees it."""
    return loaders.modules.gluster


@pytest.fixture
def gluster_with(minion_opts, request):
    """Build the execution module with a changed ``gluster:`` minion config.

    ``gluster_with(socket=..., lock_retries=0)`` returns a freshly loaded ``gluster`` module
    whose config differs from node 1's only in the given keys.
    """
    built = []

    def build(**config):
        opts = copy.deepcopy(minion_opts)
        opts["gluster"] = dict(opts["gluster"], **config)
        loaders = Loaders(opts, loaded_base_name=f"{__name__}.loaded{len(built)}")
        built.append(loaders)
        return loaders.modules.gluster

    yield build
    for loaders in built:
        loaders.reset_state()


@pytest.fixture
def fresh_gluster(loaders):
    """The execution module with a fresh read on every call: the states run through
    ``state.single``, which loads its own modules, so writes they make do not drop the reads
    cached here."""

    class Fresh:
        def __getattr__(self, name):
            function = getattr(loaders.modules.gluster, name)

            def call(*args, **kwargs):
                loaders.modules.gluster.clear_cache()
                return function(*args, **kwargs)

            return call

    return Fresh()


@pytest.fixture
def states(loaders):
    return loaders.states.gluster


@pytest.fixture
def spare_node(gluster_cluster):
    """A fourth glusterd (127.1.1.4, or .4 of ``GLUSTER_TEST_SUBNET``), not in the pool; stopped
    and detached afterwards.

    Each use gets a fresh directory: a glusterd restarted on an old one would come back with
    its old UUID and peer list and confuse the pool."""
    node = GlusterNode(
        tempfile.mkdtemp(prefix="spare-", dir=gluster_cluster.base_dir), 4, gluster_cluster.subnet
    )
    node.start()
    yield node
    gluster_cluster[0].cli("peer", "detach", node.address, "force", check=False)
    node.stop()
