"""
Runner: the GlusterFS cluster seen from the Salt master.

.. code-block:: bash

    salt-run gluster.status                  # a readable table
    salt-run gluster.status --out=json       # the same data for machines

Every targeted minion (default: those whose ``gluster:glusterd_running`` grain is true) is asked
for its ``gluster.pool_list``: which nodes each one sees connected. One of them whose view is
complete (all connected, or else the first that answered) reports the cluster itself
(``gluster.cluster_report``: volumes, their replica / disperse sets on hosts, bricks online,
heal counts, capacity).
"""

import logging

import salt.client

log = logging.getLogger(__name__)

__virtualname__ = "gluster"
DEFAULT_TARGET = "G@gluster:glusterd_running:True"


def __virtual__():
    return __virtualname__


def _nodes(pools):
    """``{minion: pool_list answer}`` -> one entry per node: its UUID, name, the minion running
    on it, and how every answering minion sees it (``seen_by``: minion -> connected)."""
    nodes = {}
    for minion, pool in sorted(pools.items()):
        for peer in pool:
            entry = nodes.setdefault(
                peer["uuid"], {"uuid": peer["uuid"], "hostname": None, "minion": None, "seen_by": {}}
            )
            if peer.get("self"):
                entry["minion"] = minion
            elif entry["hostname"] is None:
                entry["hostname"] = peer.get("hostname")
            entry["seen_by"][minion] = True if peer.get("self") else bool(peer.get("connected"))
    for entry in nodes.values():
        entry["connected"] = all(entry["seen_by"].values()) and bool(entry["minion"])
    return sorted(nodes.values(), key=lambda e: (e["hostname"] or "", e["uuid"]))


def status(tgt=DEFAULT_TARGET, tgt_type="compound", timeout=60, heal=True):
    """
    One view of the cluster: ``nodes`` (each node, its minion and who sees it connected),
    ``volumes`` (state, bricks online, sets against hosts, ``cannot_lose``: the hosts whose loss
    alone would make the volume unavailable, size, free, heal), ``healthy`` and ``problems``
    (one line each). Printed as tables; ``--out=json`` gives the data.

    CLI Example:

    .. code-block:: bash

        salt-run gluster.status
        salt-run gluster.status tgt='gfs*' tgt_type=glob --out=json
    """
    client = salt.client.get_local_client(mopts=__opts__)
    answers = client.cmd(tgt, "gluster.pool_list", tgt_type=tgt_type, timeout=timeout)
    pools = {minion: pool for minion, pool in answers.items() if isinstance(pool, list)}
    failed = {minion: str(answer)[:300] for minion, answer in answers.items() if not isinstance(answer, list)}
    view = {
        "healthy": False,
        "reported_by": None,
        "nodes": [],
        "volumes": {},
        "problems": [],
        "errors": failed,
    }
    if not pools:
        view["problems"].append(f"no gluster node answered (target {tgt!r}, {tgt_type})")
        return {"data": view, "outputter": "gluster_status"}
    view["nodes"] = _nodes(pools)
    complete = [
        m for m, pool in sorted(pools.items()) if all(p.get("self") or p.get("connected") for p in pool)
    ]
    reporter = (complete or sorted(pools))[0]
    report = client.cmd(
        reporter, "gluster.cluster_report", kwarg={"heal": heal}, timeout=max(timeout, 120)
    ).get(reporter)
    view["reported_by"] = reporter
    if not isinstance(report, dict):
        view["problems"].append(f"{reporter} could not report the cluster: {str(report)[:300]}")
        return {"data": view, "outputter": "gluster_status"}
    view["volumes"] = report["volumes"]
    for node in view["nodes"]:
        if not node["minion"]:
            view["problems"].append(f"node {node['hostname']} ({node['uuid']}): no minion answered for it")
        unseen = sorted(m for m, seen in node["seen_by"].items() if not seen)
        if unseen:
            view["problems"].append(
                f"node {node['hostname'] or node['minion']}: disconnected as seen by {', '.join(unseen)}"
            )
    for minion, error in sorted(failed.items()):
        view["problems"].append(f"minion {minion}: {error}")
    for name, volume in sorted(view["volumes"].items()):
        if volume["state"] in ("degraded", "unavailable"):
            view["problems"].append(
                f"volume {name}: {volume['state']} "
                f"({volume['bricks_online']}/{volume['bricks']} bricks online)"
            )
        if volume.get("heal") and volume["heal"]["split_brain"]:
            view["problems"].append(f"volume {name}: {volume['heal']['split_brain']} split-brain entries")
    view["healthy"] = not view["problems"]
    return {"data": view, "outputter": "gluster_status"}
