"""
Beacon: GlusterFS trouble on the Salt event bus, once per change.

Every ``interval`` seconds the beacon looks at the cluster through this node's glusterd (the
``gluster`` execution module: one ``volume status``, one ``peer status``, and for the cluster
checks a heal summary per replicated volume, a quota list per volume with quotas, one
geo-replication status) and fires an event for each condition that changed since the last
look: ``salt/beacon/<minion>/gluster/<what>/<how>``:

====================  =====================  ========================================
condition             problem tag            recovery tag
====================  =====================  ========================================
glusterd              glusterd/down          glusterd/up
a brick               brick/offline          brick/online
a peer                peer/disconnected      peer/connected
heal entries          heal/pending           heal/done        (above ``heal_threshold``)
split-brain entries   split_brain/found      split_brain/resolved
a quota limit         quota/exceeded         quota/within     (soft or hard)
a geo-rep session     georep/faulty          georep/healthy
====================  =====================  ========================================

The data names the condition (``condition``: ``brick:gv0:10.0.0.1:/data/gv0/brick``) and its
facts (volume, brick, pid...). A problem that lasts is announced once; after a minion restart,
current problems are announced again once.

.. code-block:: yaml

    beacons:
      gluster:
        - interval: 30
        - checks: [bricks, peers]          # default: bricks and peers (this node's own view)
        - cluster: false                   # true (one node, e.g. the leader): also heal,
                                           #   split_brain, quota, georep for the whole cluster
        - heal_threshold: 0                # heal/pending when more entries than this wait
        - timeout: 10                      # seconds each gluster call of a look may take

``bricks`` reports this node's own bricks only (every node reports its own), ``peers`` the
peers as this node sees them. The formula configures it from ``gluster:monitoring``.

The beacon runs in the minion's main loop, so its gluster calls get a short bound of their own
(``timeout``, default ``DEFAULT_TIMEOUT`` seconds, not the 120 s of a state's call): a glusterd
that does not answer in time is reported as ``glusterd/down`` rather than stalling the minion.
"""

import logging

log = logging.getLogger(__name__)

__virtualname__ = "gluster"

LOCAL_CHECKS = ("bricks", "peers")
CLUSTER_CHECKS = ("heal", "split_brain", "quota", "georep")
CONTEXT_KEY = "gluster.beacon.conditions"
DEFAULT_TIMEOUT = 10


def __virtual__():
    return __virtualname__


def _settings(config):
    settings = {}
    for item in config if isinstance(config, list) else [config]:
        if isinstance(item, dict):
            settings.update(item)
    return settings


def validate(config):
    """Check the beacon's configuration: ``(ok, message)``."""
    if not isinstance(config, list):
        return False, "gluster beacon: the configuration must be a list"
    settings = _settings(config)
    unknown = set(settings) - {
        "interval",
        "checks",
        "cluster",
        "heal_threshold",
        "timeout",
        "disable_during_state_run",
    }
    if unknown:
        return False, f"gluster beacon: unknown setting(s) {', '.join(sorted(unknown))}"
    checks = settings.get("checks", list(LOCAL_CHECKS))
    if not isinstance(checks, list) or not set(checks) <= set(LOCAL_CHECKS + CLUSTER_CHECKS):
        return False, f"gluster beacon: checks must be a list of {', '.join(LOCAL_CHECKS + CLUSTER_CHECKS)}"
    threshold = settings.get("heal_threshold", 0)
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
        return False, "gluster beacon: heal_threshold must be a whole number >= 0"
    timeout = settings.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 300:
        return False, "gluster beacon: timeout must be a number of seconds from 0 to 300"
    if not isinstance(settings.get("cluster", False), bool):
        return False, "gluster beacon: cluster must be true or false"
    return True, "valid beacon configuration"


def beacon(config):
    """One look: the events for what changed since the last one."""
    settings = _settings(config)
    checks = list(settings.get("checks", list(LOCAL_CHECKS)))
    if settings.get("cluster"):
        checks += [check for check in CLUSTER_CHECKS if check not in checks]
    looked = __salt__["gluster.health"](checks=checks, heal_threshold=settings.get("heal_threshold", 0),
                                        previous=__context__.get(CONTEXT_KEY),
                                        timeout=settings.get("timeout", DEFAULT_TIMEOUT))  # fmt: skip
    __context__[CONTEXT_KEY] = looked["conditions"]
    return looked["events"]
