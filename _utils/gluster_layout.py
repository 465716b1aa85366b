"""Brick layout: which brick goes where, so that every replica or disperse set spans distinct hosts.

Pure functions, no I/O. Two automatic layouts (after puppet-gluster's):

* ``simple``: brick 1 of every node, then brick 2 of every node, ...; any run of consecutive
  bricks no longer than the node count is on distinct hosts, so with ``set size <= nodes``
  every set spans distinct hosts;
* ``chained``: set *s* takes nodes *s, s+1, ..., s+size-1* (mod node count), each node's next
  free brick: replicas chain around the ring (node 1 pairs with 2, 2 with 3, 3 with 1), which
  spreads a failed node's load over its neighbours.
"""

LAYOUTS = ("simple", "chained")


def brick_paths(brick_path, bricks_per_node, node_name=None):
    """The brick directories on one node: ``brick_path`` itself, or its ``{n}`` numbered;
    ``{node}`` becomes the node's name (minion id)."""
    if node_name is not None:
        brick_path = brick_path.replace("{node}", node_name)
    if bricks_per_node == 1:
        return [brick_path.replace("{n}", "1")]
    return [brick_path.replace("{n}", str(index)) for index in range(1, bricks_per_node + 1)]


def automatic_bricks(addresses, brick_path, bricks_per_node=1, set_size=1, layout="simple", names=None):
    """The ordered brick list (``address:/path``) for ``addresses`` (in pillar order).

    ``names`` (the nodes' minion ids, same order) fill ``{node}`` in ``brick_path``.
    Raises ``ValueError`` when the chained layout cannot give every node the same number of
    bricks.
    """
    names = list(names) if names is not None else [None] * len(addresses)
    paths = [brick_paths(brick_path, bricks_per_node, name) for name in names]
    if layout == "simple" or set_size <= 1:
        return [
            f"{address}:{paths[node][index]}"
            for index in range(bricks_per_node)
            for node, address in enumerate(addresses)
        ]
    if layout != "chained":
        raise ValueError(f"unknown layout {layout!r}; use one of {', '.join(LAYOUTS)}")
    count = len(addresses)
    total = count * bricks_per_node
    if total % set_size:
        raise ValueError(f"{total} bricks do not make whole sets of {set_size}")
    next_index = [0] * count
    bricks = []
    for set_number in range(total // set_size):
        for member in range(set_size):
            node = (set_number + member) % count
            if next_index[node] >= bricks_per_node:
                raise ValueError(
                    f"the chained layout cannot place {total // set_size} sets of {set_size} on "
                    f"{count} nodes with {bricks_per_node} bricks each; use layout: simple"
                )
            bricks.append(f"{addresses[node]}:{paths[node][next_index[node]]}")
            next_index[node] += 1
    return bricks


def sets_on_one_host(bricks, set_size):
    """The sets (1-based number, host) in which a host holds two members: those lose
    redundancy when that host fails."""
    found = []
    if set_size <= 1:
        return found
    for start in range(0, len(bricks) - len(bricks) % set_size, set_size):
        hosts = [brick.rpartition(":")[0] for brick in bricks[start : start + set_size]]
        for host in sorted(set(hosts)):
            if hosts.count(host) > 1:
                found.append((start // set_size + 1, host))
    return found
