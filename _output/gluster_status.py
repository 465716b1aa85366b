"""
Outputter for ``salt-run gluster.status``: the cluster as tables.

.. code-block:: text

    GlusterFS cluster: DEGRADED (reported by gfs1)

    NODE        MINION  CONNECTED  SEEN BY
    127.1.1.1   gfs1    yes        gfs1 yes, gfs2 yes, gfs3 yes
    ...

    VOLUME  TYPE       STATE     BRICKS  HEAL  SPLIT  SIZE    FREE    CANNOT LOSE
    gv0     replicate  degraded  2/3     11    0      250.0G  249.1G  -

    gv0: set 1 available: 127.1.1.1:/data/b [up]  127.1.1.2:/data/b [DOWN]  ...

    Problems:
    - volume gv0: degraded (2/3 bricks online)

Anything else (an error string, another runner's data) is printed as it is.
"""

__virtualname__ = "gluster_status"


def __virtual__():
    return __virtualname__


def _size(value):
    if value is None:
        return "?"
    for unit in ("B", "K", "M", "G", "T", "P"):
        if value < 1024 or unit == "P":
            return f"{value:.0f}{unit}" if unit == "B" else f"{value:.1f}{unit}"
        value /= 1024
    return str(value)


def _table(header, rows):
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    return [
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]


def render(data):
    """The tables for ``gluster.status``'s data (a plain string)."""
    lines = [f"GlusterFS cluster: {'HEALTHY' if data.get('healthy') else 'DEGRADED'}"
             + (f" (reported by {data['reported_by']})" if data.get("reported_by") else ""), ""]  # fmt: skip
    if data.get("nodes"):
        rows = [
            (
                n.get("hostname") or "?",
                n.get("minion") or "-",
                "yes" if n.get("connected") else "NO",
                ", ".join(
                    f"{m} {'yes' if seen else 'NO'}" for m, seen in sorted(n.get("seen_by", {}).items())
                ),
            )
            for n in data["nodes"]
        ]
        lines += _table(("NODE", "MINION", "CONNECTED", "SEEN BY"), rows) + [""]
    volumes = data.get("volumes") or {}
    if volumes:
        rows = []
        for name, v in sorted(volumes.items()):
            heal = v.get("heal") or {}
            rows.append(
                (
                    name,
                    v.get("type"),
                    v.get("state"),
                    f"{v.get('bricks_online')}/{v.get('bricks')}",
                    heal.get("pending", "-"),
                    heal.get("split_brain", "-"),
                    _size(v.get("size_total")),
                    _size(v.get("size_free")),
                    ", ".join(v.get("cannot_lose") or []) or "-",
                )
            )
        lines += _table(
            ("VOLUME", "TYPE", "STATE", "BRICKS", "HEAL", "SPLIT", "SIZE", "FREE", "CANNOT LOSE"), rows
        ) + [""]
        for name, v in sorted(volumes.items()):
            for index, brick_set in enumerate(v.get("sets", []), 1):
                bricks = "  ".join(
                    f"{b['brick']} [{'up' if b.get('online') else 'DOWN'}"
                    f"{', arbiter' if b.get('arbiter') else ''}]"
                    for b in brick_set.get("bricks", [])
                )
                state = "available" if brick_set.get("available") else "UNAVAILABLE"
                lines.append(f"{name}: set {index} {state}: {bricks}")
        lines.append("")
    if data.get("problems"):
        lines += ["Problems:"] + [f"- {problem}" for problem in data["problems"]]
    else:
        lines.append("No problems.")
    return "\n".join(lines)


def output(data, **kwargs):  # pylint: disable=unused-argument
    """Salt's outputter entry point (``--out=gluster_status``): ``salt-run gluster.status``'s
    return as the table ``render`` draws; anything else as Salt's plain text."""
    if isinstance(data, dict) and "volumes" in data and "problems" in data:
        return render(data)
    return str(data)
