"""One volume's health, layout and capacity as an operator reads them (pure).

From ``volume info`` (the layout), ``volume status detail`` (bricks online, sizes) and a heal
summary, ``volume_view`` answers: which bricks form each replica / disperse set and on which
hosts, whether each set is available now, which single host the volume cannot lose, how much
space the volume has, and how many entries wait for self-heal.

Availability follows gluster's own rules: a replica set serves I/O with client quorum
(``auto``): more than half of its bricks up, or exactly half including its first brick, and at
least one data brick (an arbiter holds no data); a disperse set needs ``disperse -
redundancy`` bricks; a plain distribute brick is its own set.
"""

STATES = ("ok", "degraded", "unavailable", "stopped")


def brick_sets(volume):
    """The volume's bricks grouped into its sets, in gluster's order."""
    size = volume.get("disperse_count") or volume.get("replica_count") or 1
    bricks = volume.get("bricks", [])
    return [bricks[i : i + size] for i in range(0, len(bricks), size)]


def set_available(volume, bricks, online):
    """Whether a set of ``bricks`` serves I/O when ``online`` (brick name -> bool) holds."""
    up = [bool(online.get(b["name"])) for b in bricks]
    if volume.get("disperse_count"):
        return sum(up) >= len(bricks) - (volume.get("redundancy_count") or 0)
    if len(bricks) == 1:
        return up[0]
    if not any(is_up and not brick.get("arbiter") for is_up, brick in zip(up, bricks, strict=True)):
        return False
    return sum(up) * 2 > len(bricks) or (sum(up) * 2 == len(bricks) and up[0])


def _capacity(volume, sets, sizes):
    """Usable bytes ``(total, free)`` of the volume: per replica set its smallest data brick,
    per disperse set ``(disperse - redundancy)`` times its smallest brick (of those up), summed
    over sets; ``(None, None)`` when a set has no size known (all down, or no detail read)."""
    total = free = 0
    for bricks in sets:
        known = [sizes[b["name"]] for b in bricks if not b.get("arbiter") and b["name"] in sizes]
        if not known:
            return None, None
        factor = (len(bricks) - (volume.get("redundancy_count") or 0)) if volume.get("disperse_count") else 1
        total += factor * min(size[0] for size in known)
        free += factor * min(size[1] for size in known)
    return total, free


def volume_view(volume, status=None, heal=None):
    """``gluster.volume_info(name)``, that volume's ``gluster.volume_status(name, detail=True)``
    (None when stopped) and ``gluster.heal_summary(name)`` (None when not read) -> the view."""
    sets = brick_sets(volume)
    running = {b["name"]: b for b in (status or {}).get("bricks", [])}
    online = {name: bool(b.get("online")) for name, b in running.items()}
    sizes = {name: (b.get("size_total"), b.get("size_free")) for name, b in running.items()
             if b.get("online") and b.get("size_total") is not None}  # fmt: skip
    hosts = sorted({b["host"] for b in volume.get("bricks", [])})
    view = {
        "type": volume.get("type"),
        "started": bool(volume.get("started")),
        "bricks_online": sum(online.get(b["name"], False) for b in volume.get("bricks", [])),
        "bricks": len(volume.get("bricks", [])),
        "sets": [],
        "cannot_lose": [],
    }
    for bricks in sets:
        view["sets"].append(
            {
                "bricks": [
                    {
                        "brick": b["name"],
                        "host": b["host"],
                        "arbiter": bool(b.get("arbiter")),
                        "online": online.get(b["name"], False),
                        "pid": (running.get(b["name"]) or {}).get("pid"),
                    }
                    for b in bricks
                ],
                "available": bool(status) and set_available(volume, bricks, online),
            }
        )
    for host in hosts:  # the layout's weak spots: every brick up but this host's
        without = {b["name"]: b["host"] != host for b in volume.get("bricks", [])}
        if not all(set_available(volume, bricks, without) for bricks in sets):
            view["cannot_lose"].append(host)
    view["size_total"], view["size_free"] = _capacity(volume, sets, sizes)
    split = 0 if heal is None else heal.get("split_brain") or 0  # counted apart: no self-heal resolves them
    view["heal"] = (
        None
        if heal is None
        else {
            "pending": max((heal.get("entries") or 0) - split, 0),
            "split_brain": split,
            "unreachable": list(heal.get("unreachable") or []),
        }
    )
    if not view["started"]:
        view["state"] = "stopped"
    elif not all(s["available"] for s in view["sets"]):
        view["state"] = "unavailable"
    elif view["bricks_online"] < view["bricks"] or (
        view["heal"] and (view["heal"]["pending"] or view["heal"]["split_brain"])
    ):
        view["state"] = "degraded"
    else:
        view["state"] = "ok"
    return view
