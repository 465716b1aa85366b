"""Cluster health as a set of named conditions, and the events between two such sets (pure).

A *condition* is one thing that can be wrong, keyed so that the same thing has the same key on
every look: ``brick:<volume>:<host>:<path>``, ``peer:<uuid>``, ``heal:<volume>``,
``split_brain:<volume>``, ``quota:<volume>:<path>``, ``georep:<volume>:<secondary>``,
``glusterd``. Each is ``{"kind", "problem": bool, ...facts}``. The beacon keeps the last set
and fires an event for every condition whose ``problem`` flipped (and, on its first look, for
every problem): a brick that stays offline is announced once, not at every interval.
"""

# kind -> (tag when it becomes a problem, tag when it stops being one)
EVENT_TAGS = {
    "glusterd": ("glusterd/down", "glusterd/up"),
    "brick": ("brick/offline", "brick/online"),
    "peer": ("peer/disconnected", "peer/connected"),
    "heal": ("heal/pending", "heal/done"),
    "split_brain": ("split_brain/found", "split_brain/resolved"),
    "quota": ("quota/exceeded", "quota/within"),
    "georep": ("georep/faulty", "georep/healthy"),
}
CHECKS = ("bricks", "peers", "heal", "split_brain", "quota", "georep")


def brick_conditions(status, own_uuid=None):
    """``gluster.volume_status()`` -> a condition per brick (only this node's with ``own_uuid``)."""
    conditions = {}
    for volume, state in sorted(status.items()):
        for brick in state.get("bricks", []):
            if own_uuid and brick.get("peer_uuid") != own_uuid:
                continue
            key = f"brick:{volume}:{brick['host']}:{brick['path']}"
            conditions[key] = {
                "kind": "brick",
                "problem": not brick.get("online"),
                "volume": volume,
                "brick": f"{brick['host']}:{brick['path']}",
                "pid": brick.get("pid"),
                "port": brick.get("port"),
            }
    return conditions


def peer_conditions(peers):
    """``gluster.peer_status()`` (the other nodes, as this one sees them) -> a condition each."""
    return {
        f"peer:{peer['uuid']}": {
            "kind": "peer",
            "problem": not peer.get("connected"),
            "uuid": peer["uuid"],
            "hostname": peer.get("hostname"),
        }  # fmt: skip
        for peer in peers
    }


def heal_conditions(volume, summary, threshold):
    """``gluster.heal_summary(volume)`` -> ``heal:<volume>`` (entries waiting for self-heal
    above ``threshold``) and ``split_brain:<volume>`` (any). Entries in split-brain count only
    for the second: self-heal cannot resolve them, an operator must."""
    split = summary.get("split_brain") or 0
    pending = max((summary.get("entries") or 0) - split, 0)
    unreachable = list(summary.get("unreachable") or [])
    return {
        f"heal:{volume}": {
            "kind": "heal",
            "problem": pending > threshold,
            "volume": volume,
            "pending": pending,
            "threshold": threshold,
            "unreachable": unreachable,
        },  # fmt: skip
        # gluster tells a split-brain only with every copy at hand: with a brick unreachable, none
        # found is no news (the file counts as pending instead), not "resolved"
        f"split_brain:{volume}": {
            "kind": "split_brain",
            "problem": split > 0,
            "volume": volume,
            "entries": split,
            "unknown": bool(unreachable) and split == 0,
        },  # fmt: skip
    }


def carry_unknown(previous, current):
    """``current`` with each condition it could not tell (``unknown``) replaced by what the
    previous look knew of it (dropped when that look had none): an unknown is never an event."""
    carried = {}
    for key, condition in current.items():
        if not condition.get("unknown"):
            carried[key] = condition
        elif previous and key in previous:
            carried[key] = previous[key]
    return carried


def quota_conditions(volume, limits):
    """``gluster.quota_list(volume)`` -> a condition per limited directory (soft or hard
    limit exceeded)."""
    conditions = {}
    for limit in limits:
        exceeded = "hard" if limit.get("hard_exceeded") else "soft" if limit.get("soft_exceeded") else None
        conditions[f"quota:{volume}:{limit['path']}"] = {
            "kind": "quota",
            "problem": exceeded is not None,
            "volume": volume,
            "path": limit["path"],
            "exceeded": exceeded,
            "used": limit.get("used"),
            "hard_limit": limit.get("hard_limit"),
        }
    return conditions


def georep_conditions(sessions):
    """``gluster.georep_status()`` -> a condition per session (any Faulty worker)."""
    conditions = {}
    for session in sessions:
        faulty = [
            f"{p['primary_node']}:{p['primary_brick']}"
            for p in session["pairs"]
            if p.get("status") == "Faulty"
        ]
        user = session.get("secondary_user") or "root"
        secondary = session["secondary"] if user == "root" else f"{user}@{session['secondary']}"
        conditions[f"georep:{session['volume']}:{secondary}"] = {
            "kind": "georep",
            "problem": bool(faulty),
            "volume": session["volume"],
            "secondary": secondary,
            "faulty": faulty,
        }
    return conditions


def events(previous, current):
    """The events between two condition sets, as the beacon fires them: ``[{"tag", **facts}]``.

    ``previous`` None (the first look): every current problem. Otherwise every condition whose
    ``problem`` changed, and a problem whose condition disappeared is not announced as solved
    (a deleted volume's bricks are not "online"). A condition that is a problem both times but
    whose facts changed (a quota from soft to hard) is announced again."""
    fired = []
    for key, condition in sorted(current.items()):
        went_bad, went_good = EVENT_TAGS[condition["kind"]]
        before = None if previous is None else previous.get(key)
        facts = {k: v for k, v in condition.items() if k not in ("problem", "unknown")}
        if condition["problem"]:
            if before is None or not before["problem"] or _changed(before, condition):
                fired.append({"tag": went_bad, "condition": key, **facts})
        elif before is not None and before["problem"]:
            fired.append({"tag": went_good, "condition": key, **facts})
    return fired


def _changed(before, now):
    """A problem whose kind of trouble changed (quota soft -> hard, other Faulty workers)."""
    return any(before.get(key) != now.get(key) for key in ("exceeded", "faulty"))
