"""Which tests may run at the same time under ``pytest -n`` (``scripts/test.sh``).

A *group* is run by one worker, in collection order; two groups may run at once. Every test
that uses the session's 3-node pool on 127.1.1 (the ``gluster_cluster`` fixture: every
functional test, through the package's loaders, and the integration modules in
``POOL_MODULES``) is in ``POOL_GROUP``. Any other module is a group of its own: it starts its
own cluster on its own subnet (README, "Tests"), or none.

The scheduler groups by module path, before any test is set up, so ``POOL_MODULES`` is a list;
``tests/conftest.py`` checks it against each test's fixtures at collection and stops the run
when a module outside the pool group uses ``gluster_cluster``.

Not xdist's ``--dist loadgroup``: with pytest 9.2 its ``xdist_group`` marks are silently
ignored (pytest-dev/pytest-xdist#1386: it rewrites ``item._nodeid``, which pytest no longer
reads), and two workers then each start a pool on 127.1.1.
"""

POOL_GROUP = "pool-127.1.1"
POOL_PACKAGE = "tests/functional/"
POOL_MODULES = frozenset(
    {"tests/integration/test_master_minions.py", "tests/integration/test_install_modes.py"}
)


# the lab of real hosts (tests/support/real_hosts.py): one lab at a time, its modules one after another
LAB_GROUP = "lab"
LAB_PACKAGE = "tests/lab/"


def group_of(nodeid):
    """The group of a test (or module) by its node id, ``tests/...py::name``."""
    module = nodeid.split("::", 1)[0]
    if module.startswith(POOL_PACKAGE) or module in POOL_MODULES:
        return POOL_GROUP
    if module.startswith(LAB_PACKAGE):
        return LAB_GROUP
    return module


def rank(group):
    """Where a group stands in the order the workers take them: the pool (the longest), then the
    lab (the next longest, about 6 minutes), then every other group in collection order. Without
    this the lab came last, after every integration module, and one worker ran it after the
    pool while the other had finished."""
    return {POOL_GROUP: 0, LAB_GROUP: 1}.get(group, 2)


def scheduler(config, log):
    """xdist's scope scheduler with ``group_of`` for a scope: a worker takes a whole group, and
    the groups go out in collection order with ``--no-loadscope-reorder`` (the long pool group
    first, the unit modules last, to fill the gaps)."""
    from xdist.scheduler import LoadScopeScheduling  # pylint: disable=import-outside-toplevel

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return group_of(nodeid)

    return GroupScheduling(config, log)
