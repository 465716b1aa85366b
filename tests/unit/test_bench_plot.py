"""The bench's growth chart (``bench/bench.py``, ``growth.svg``): a line per series with a
point per volume count measured, placed by its seconds, drawn from the results' rows."""

import importlib.util
import json
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parent.parent.parent
SPEC = importlib.util.spec_from_file_location("bench_for_plot", ROOT / "bench" / "bench.py")
bench = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(bench)
SVG = "{http://www.w3.org/2000/svg}"


def _row(volumes, part, step, seconds):
    return {"volumes": volumes, "part": part, "step": step, "seconds": seconds, "gluster_processes": 0}


def _lines(svg):
    root = ElementTree.fromstring(svg)
    return {
        line.get("data-series"): [tuple(float(v) for v in p.split(",")) for p in line.get("points").split()]
        for line in root.iter(f"{SVG}polyline")
    }


def test_each_series_gets_its_points_in_order_and_height():
    rows = [_row(1, "floor", "first apply", 3.0), _row(10, "floor", "first apply", 11.0), _row(100, "floor", "first apply", 86.0),
            _row(1, "local", "first apply (leader)", 5.5), _row(100, "local", "first apply (leader)", 80.0),
            _row(10, "trivial", "salt-call test.nop", 1.5), _row(10, "trivial", "salt-call test.nop", 1.4),
            _row(10, "mux", "start all, brick-multiplex on", 8.0)]  # fmt: skip
    lines = _lines(bench.plot(rows, "a <title> & more"))
    assert set(lines) == {"floor: first apply", "local: first apply (leader)", "trivial: salt-call test.nop"}
    floor = lines["floor: first apply"]
    assert [x for x, _ in floor] == sorted(x for x, _ in floor) and len(floor) == 3
    assert floor[0][1] > floor[1][1] > floor[2][1], "more seconds, higher up"
    # log scale: 10 volumes halfway between 1 and 100
    assert abs(floor[1][0] - (floor[0][0] + floor[2][0]) / 2) < 0.5
    # the first of two measurements at one count is the one drawn
    assert len(lines["trivial: salt-call test.nop"]) == 1
    local = dict(lines["local: first apply (leader)"])
    assert local[floor[2][0]] > floor[2][1], "80 s sits below 86 s"


def test_the_committed_chart_is_drawn_from_the_committed_results():
    results = json.loads((ROOT / "bench" / "results.json").read_text())
    committed = (ROOT / "bench" / "growth.svg").read_text()
    redrawn = bench.plot(results["rows"], ElementTree.fromstring(committed).find(f"{SVG}text").text)
    assert committed == redrawn, "bench/growth.svg is stale: redraw it with bench/bench.py --plot bench/results.json"
