"""Plan how an existing volume reaches the pillar's layout: grow, raise or lower the replica
count, add an arbiter, replace bricks, shrink. Pure functions, no I/O.

Bricks are compared by *key*, ``(host UUID, path)``, so a brick named by IP in the volume and by
host name in the pillar is the same brick. The caller resolves keys; this module only reasons
about sets of bricks:

* a *set* is a replica or disperse group (one brick each on a pure distribute volume); sets are
  matched by their members, so the order of the sets in the volume does not matter, but an
  arbiter must stay the last member of its set;
* a wanted set that shares members with a volume set that is not wanted any more is a
  **replacement** (``replace-brick ... commit force`` of the changed brick), one brick per set
  and run: the new brick heals from the rest of its set before the next may go;
* the remaining new sets are **added** (``add-brick``), the remaining old sets **removed**
  (``remove-brick start``, migrate, ``commit``), which needs ``allow_shrink``;
* a higher replica count adds one brick to every set (``add-brick replica N [arbiter 1]``);
  a lower one drops bricks from every set (``remove-brick replica N ... force``, with
  ``allow_shrink``).

:func:`plan_reshape` returns ``{"operations": [...], "problems": [...]}``; an operation is a
plain dict that the state reports as its ``changes`` and then runs in order.

Before a replacement or a lowered replica, :func:`leaving_sets` names the sets that lose a brick
and :func:`health_refusals` decides from what gluster reports now (``volume status``, the heal
summary) whether they may: the rest of each set online and healed, and a brick that still works
replaced only with ``allow_replace``.
"""


def set_size(replica=None, disperse=None):
    """Bricks per replica/disperse set (1 for pure distribute)."""
    if replica and int(replica) > 1:
        return int(replica)
    if disperse and int(disperse) > 1:
        return int(disperse)
    return 1


def chunk(items, size):
    return [list(items[start : start + size]) for start in range(0, len(items), size)]


def _signature(members, arbiter):
    """What makes two sets "the same": their members, and which one is the arbiter."""
    return (frozenset(members), members[-1] if arbiter else None)


def _counts(volume):
    return {
        "replica": int(volume.get("replica_count") or 1),
        "arbiter": int(volume.get("arbiter_count") or 0),
        "disperse": int(volume.get("disperse_count") or 0),
        "redundancy": int(volume.get("redundancy_count") or 0),
    }


def plan_reshape(current, current_keys, wanted, wanted_keys, allow_shrink=False):
    """Operations turning ``current`` into ``wanted``.

    current
        the volume as parsed from ``volume info`` (counts and ``bricks`` with ``name``);
        ``current_keys`` is the key of each of its bricks, same order.
    wanted
        ``{"bricks": [spec, ...], "replica", "arbiter", "disperse", "redundancy"}`` (counts may
        be ``None``); ``wanted_keys`` the key of each wanted brick.
    allow_shrink
        whether bricks may be removed (sets migrated away, or replica lowered).
    """
    have = _counts(current)
    want = {
        "replica": int(wanted.get("replica") or 1),
        "arbiter": int(wanted.get("arbiter") or 0),
        "disperse": int(wanted.get("disperse") or 0),
        "redundancy": int(wanted.get("redundancy") or 0),
    }
    names = [brick["name"] for brick in current["bricks"]]
    specs = list(wanted["bricks"])
    problems = []
    if have["disperse"] or want["disperse"]:
        if have["disperse"] != want["disperse"] or have["replica"] != want["replica"]:
            problems.append(
                f"the volume is {_describe(have)}, the pillar says {_describe(want)}: gluster cannot "
                "change a volume between replicate/distribute and disperse or change its disperse "
                "count; create a new volume and copy the data"
            )
            return {"operations": [], "problems": problems}
        if wanted.get("redundancy") and have["redundancy"] != want["redundancy"]:
            problems.append(
                f"redundancy is {have['redundancy']}, the pillar says {want['redundancy']}: gluster "
                "cannot change the redundancy of a disperse volume"
            )
            return {"operations": [], "problems": problems}
    if want["replica"] != have["replica"] or want["arbiter"] != have["arbiter"]:
        return _plan_replica_change(
            have, want, names, list(current_keys), specs, list(wanted_keys), allow_shrink
        )
    return _plan_sets(have, names, list(current_keys), specs, list(wanted_keys), allow_shrink)


def _describe(counts):
    if counts["disperse"]:
        return f"disperse {counts['disperse']} (redundancy {counts['redundancy']})"
    if counts["arbiter"]:
        return f"replica {counts['replica']} with arbiter"
    if counts["replica"] > 1:
        return f"replica {counts['replica']}"
    return "distribute"


def _plan_sets(have, names, current_keys, specs, wanted_keys, allow_shrink):
    size = set_size(have["replica"], have["disperse"])
    arbiter = bool(have["arbiter"])
    problems = []
    old_sets = list(zip(chunk(current_keys, size), chunk(names, size), strict=True))
    new_sets = list(zip(chunk(wanted_keys, size), chunk(specs, size), strict=True))
    old_left = {}
    for keys, set_names in old_sets:
        old_left.setdefault(_signature(keys, arbiter), []).append((keys, set_names))
    unmatched_new = []
    for keys, set_specs in new_sets:
        signature = _signature(keys, arbiter)
        if old_left.get(signature):
            old_left[signature].pop(0)
        else:
            unmatched_new.append((keys, set_specs))
    unmatched_old = [item for group in old_left.values() for item in group]
    operations = []
    added = []
    in_volume = set(current_keys)
    regrouped = []
    if size > 1:
        for keys, set_specs in unmatched_new:
            partner = _best_partner(keys, unmatched_old)
            moved = [spec for key, spec in zip(keys, set_specs, strict=True)
                     if key in in_volume and (partner is None or key not in partner[0])]  # fmt: skip
            if moved:
                regrouped += moved
                continue
            if partner is None:
                added.append((keys, set_specs))
                continue
            unmatched_old.remove(partner)
            old_keys, old_names = partner
            replaced, problem = _replacements(old_keys, old_names, keys, set_specs, have)
            if problem:
                problems.append(problem)
            operations += replaced
    else:
        added = unmatched_new
    if regrouped:
        return _problem(
            f"{', '.join(regrouped)} would move to another replica/disperse set: gluster cannot "
            "regroup bricks; keep every set together in the pillar (the order of the list decides "
            "the sets)"
        )
    if added:
        operations.append({"op": "add-brick", "bricks": [spec for _keys, group in added for spec in group]})
    if unmatched_old:
        bricks = [name for _keys, group in unmatched_old for name in group]
        if not allow_shrink:
            problems.append(
                f"bricks in the volume but not in the pillar: {', '.join(bricks)}; removing them "
                "migrates their data to the other bricks and needs allow_shrink: true"
            )
        elif len(unmatched_old) >= len(old_sets) and not added:
            problems.append("the pillar removes every brick of the volume; delete the volume instead")
        else:
            operations.append({"op": "remove-brick", "bricks": bricks, "migrate": True})
    return {"operations": [] if problems else operations, "problems": problems}


def _best_partner(keys, candidates):
    """The old set sharing the most members with the new set ``keys`` (none shared: ``None``)."""
    best, best_common = None, 0
    for candidate in candidates:
        common = len(set(keys) & set(candidate[0]))
        if common > best_common:
            best, best_common = candidate, common
    return best


def _replacements(old_keys, old_names, new_keys, new_specs, have):
    """``replace-brick`` operations for one set, or a problem when too few members survive."""
    gone = [index for index, key in enumerate(old_keys) if key not in new_keys]
    came = [index for index, key in enumerate(new_keys) if key not in old_keys]
    kept = [index for index, key in enumerate(old_keys) if key in new_keys]
    where = ", ".join(old_names)
    if have["disperse"]:
        if len(gone) > have["redundancy"]:
            return [], (
                f"set [{where}] would have {len(gone)} bricks replaced at once, more than its "
                f"redundancy {have['redundancy']}: replace at most {have['redundancy']} per run"
            )
    else:
        data_kept = [index for index in kept if not (have["arbiter"] and index == len(old_keys) - 1)]
        if not data_kept:
            return [], (
                f"set [{where}] would keep no data brick: "
                f"replace at most {have['replica'] - 1 - have['arbiter']} "
                "of its data bricks per run so the rest can heal the new ones"
            )
    if have["arbiter"]:
        old_arbiter, new_last = old_keys[-1], new_keys[-1]
        kept_in_place = new_last == old_arbiter
        replaced_in_place = old_arbiter not in new_keys and new_last not in old_keys
        if not (kept_in_place or replaced_in_place):
            return [], f"set [{where}]: the arbiter must stay the last brick of its set in the pillar"
    if len(gone) > 1:
        return [], (
            f"set [{where}] would have {len(gone)} bricks replaced at once: replace one per run; the "
            "new brick must heal from the rest of its set before the next one of that set may go"
        )
    operations = []
    for old_index, new_index in zip(gone, came, strict=True):
        operations.append({"op": "replace-brick", "old": old_names[old_index], "new": new_specs[new_index]})
    return operations, None


def _plan_replica_change(have, want, names, current_keys, specs, wanted_keys, allow_shrink):
    old_size, new_size = have["replica"], want["replica"]
    problems = []
    if old_size == new_size:
        verb = "add an arbiter to" if want["arbiter"] else "turn the arbiter into a data brick of"
        return _problem(
            f"gluster cannot {verb} a replica {old_size} volume in place: "
            + ("lower it to replica 2 (allow_shrink), then add the arbiter as replica 3 arbiter 1"
               if want["arbiter"] else "lower it to replica 2 (allow_shrink), then raise it to replica 3")
        )  # fmt: skip
    if new_size > old_size:
        if have["arbiter"]:
            return _problem("the volume already has an arbiter; gluster cannot raise its replica count")
        if want["arbiter"] and new_size != 3:
            return _problem("an arbiter needs replica 3")
    old_sets = chunk(current_keys, old_size)
    new_sets = chunk(wanted_keys, new_size)
    if len(wanted_keys) % new_size or len(old_sets) != len(new_sets):
        return _problem(
            f"the replica count changes from {old_size} to {new_size} and the number of sets from "
            f"{len(old_sets)} to {len(wanted_keys) // new_size}: change one at a time (first the "
            "replica count with the same number of sets, then grow or shrink)"
        )
    old_names = chunk(names, old_size)
    new_specs = chunk(specs, new_size)
    order = {}
    for index, keys in enumerate(old_sets):
        order[frozenset(keys)] = index
    if new_size > old_size:
        extra = []
        for keys, set_specs in zip(new_sets, new_specs, strict=True):
            base = keys[:old_size]
            if frozenset(base) not in order:
                return _problem(
                    f"set [{', '.join(set_specs)}]: its first {old_size} bricks are not a set of the "
                    f"volume; to raise the replica count every set keeps its bricks and gains "
                    f"{new_size - old_size} at the end"
                )
            extra.append((order.pop(frozenset(base)), set_specs[old_size:]))
        extra.sort()
        operation = {
            "op": "add-brick",
            "bricks": [s for _i, group in extra for s in group],
            "replica": new_size,
        }
        if want["arbiter"]:
            operation["arbiter"] = 1
        return {"operations": [operation], "problems": []}
    # lowering
    if not allow_shrink:
        problems.append(
            f"the pillar lowers the replica count from {old_size} to {new_size}, which removes bricks "
            "and redundancy; it needs allow_shrink: true"
        )
        return {"operations": [], "problems": problems}
    removed = []
    remaining = list(zip(old_sets, old_names, strict=True))
    for keys in new_sets:
        match = next((item for item in remaining if set(keys) <= set(item[0])), None)
        if match is None:
            return _problem(
                f"the pillar's set of {new_size} bricks is not part of any set of the volume: lowering "
                "the replica count only removes bricks"
            )
        remaining.remove(match)
        dropped = [name for key, name in zip(*match, strict=True) if key not in keys]
        if have["arbiter"] and dropped != [match[1][-1]]:
            return _problem(
                f"set [{', '.join(match[1])}]: lowering an arbiter volume to replica 2 removes its arbiter "
                f"({match[1][-1]}); gluster refuses to remove a data brick instead"
            )
        removed += dropped
    operation = {"op": "remove-brick", "bricks": removed, "replica": new_size, "migrate": False}
    return {"operations": [operation], "problems": []}


def _problem(text):
    return {"operations": [], "problems": [text]}


# ---- health before a brick leaves a set ------------------------------------------------------


def leaving_sets(current, operations):
    """The sets of the volume ``current`` (``volume info``) that lose a brick to ``operations``:
    a ``replace-brick`` (its ``old``) or a ``remove-brick`` without migration (a lower replica,
    or ``force``). ``[{"members": [names], "leaving": [names], "replaced": [names]}]``, in the
    volume's order; a brick name that is not in the volume is left out."""
    leaving = {}
    for op in operations:
        if op["op"] == "replace-brick":
            leaving[op["old"]] = True
        elif op["op"] == "remove-brick" and not op.get("migrate"):
            leaving.update({name: False for name in op["bricks"]})
    return [
        {"members": members, "leaving": gone, "replaced": [name for name in gone if leaving[name]]}
        for members in all_sets(current)
        if (gone := [name for name in members if name in leaving])
    ]


def all_sets(current):
    """Every set of the volume ``current`` as brick names (``volume info`` order)."""
    size = set_size(current.get("replica_count"), current.get("disperse_count"))
    return chunk([brick["name"] for brick in current["bricks"]], size)


def listing_needed(sets, online, heal):
    """Whether :func:`health_refusals` needs the heal listing (``heal info``): some set loses only
    offline bricks while the bricks it keeps have entries, which may all wait for those."""
    for group in sets:
        if any(online.get(name) for name in group["leaving"]):
            continue
        if any(
            (heal.get(name) or {}).get("entries") for name in group["members"] if name not in group["leaving"]
        ):
            return True
    return False


def health_refusals(volume, sets, online, heal, listed=None, allow_replace=False):
    """Why the bricks leaving ``sets`` (:func:`leaving_sets`) must not leave now; ``[]``: they may.

    online
        brick name -> whether ``volume status`` shows it running (a brick it does not show, its
        node being down, is offline).
    heal
        brick name -> that brick of ``volume heal VOLUME info summary`` (``parse_heal_info``);
        ``{}`` for a volume without redundancy (nothing to heal).
    listed
        brick name -> the entries ``heal info`` lists on it, read when :func:`listing_needed`.
    allow_replace
        the volume's ``allow_replace``: a replaced brick may still be online.

    A set may lose bricks when every brick it keeps is online and answers the heal, no brick of
    it holds entries in split-brain, and none holds entries waiting for self-heal, but for the
    ones that wait only for the leaving bricks: when every leaving brick is offline (a failed
    disk, a dead node), the entries that every kept brick lists are the writes the leaving ones
    missed, and go with them. A replaced brick that is online works: replacing it discards a
    healthy copy, which needs ``allow_replace`` (a changed path alone may be a typo).
    """
    problems = []
    for group in sets:
        members, leaving = group["members"], group["leaving"]
        kept = [name for name in members if name not in leaving]
        where = f"volume {volume}: set [{', '.join(members)}]"
        what = f"{'replacing' if group['replaced'] else 'removing'} {', '.join(leaving)}" if leaving else ""
        down = [name for name in kept if not online.get(name)]
        if down:
            problems.append(
                f"{where}: {', '.join(down)} {'is' if len(down) == 1 else 'are'} offline (down)"
                + (f"; {what} now would leave the set without the copies it heals from" if what else "")
                + f": start {'it' if len(down) == 1 else 'them'} (gluster volume start {volume} force), "
                "let the set heal, then run again"
            )
            continue
        working = [name for name in group["replaced"] if online.get(name)]
        if working and not allow_replace:
            problems.append(
                f"{where}: {', '.join(working)} {'is' if len(working) == 1 else 'are'} online and working; "
                f"replacing a working brick discards a healthy copy and needs allow_replace: true on volume "
                f"{volume} (a changed brick path alone is not enough: if it is a typo, correct the pillar)"
            )
        if not heal:
            continue
        silent = [
            name
            for name in kept
            if not (heal.get(name) or {}).get("connected") or heal[name].get("entries") is None
        ]
        if silent:
            problems.append(
                f"{where}: the self-heal of {', '.join(silent)} cannot be read ("
                f"{'; '.join((heal.get(n) or {}).get('status') or 'not in the heal summary' for n in silent)}"
                "); nothing shows the set is healed: fix that, then run again"
            )
            continue
        answering = [name for name in members if (heal.get(name) or {}).get("connected")]
        split = sum(heal[name].get("split_brain") or 0 for name in answering)
        if split:
            problems.append(
                f"{where}: {split} entries in split-brain; resolve them first (gluster.heal_split_brain "
                f"{volume} lists them, gluster.split_brain_resolve resolves one), then run again"
            )
        pending = sum(
            max((heal[name].get("entries") or 0) - (heal[name].get("split_brain") or 0), 0)
            for name in answering
        )
        if pending and kept and listed is not None and not any(online.get(name) for name in leaving):
            # entries every kept brick lists wait for the offline leaving brick(s) only
            shared = set.intersection(*(set(listed.get(name) or ()) for name in kept))
            pending = sum(len(set(listed.get(name) or ()) - shared) for name in kept)
        if pending:
            problems.append(
                f"{where}: {pending} entries wait for self-heal"
                + (f"; {what} now could discard their only good copy" if what else "")
                + f": let the heal finish (gluster.volume_healed {volume}), then run again"
            )
    return problems
