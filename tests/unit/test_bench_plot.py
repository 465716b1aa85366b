"""The bench's growth chart (``bench/bench.py``, ``bench/growth.png``): the lines it draws come
from the results' rows, and the committed PNG carries the digest of the lines drawn from the
committed ``results.json`` (checked here with the standard library: CI has no matplotlib)."""

import importlib.util
import json
import struct
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
SPEC = importlib.util.spec_from_file_location("bench_for_plot", ROOT / "bench" / "bench.py")
bench = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(bench)


def _row(volumes, part, step, seconds):
    return {"volumes": volumes, "part": part, "step": step, "seconds": seconds, "gluster_processes": 0}


def test_each_line_gets_its_points_in_volume_order_and_the_first_measurement():
    rows = [
        _row(100, "floor", "first apply", 86.0),
        _row(1, "floor", "first apply", 3.0),
        _row(10, "floor", "first apply", 11.0),
        _row(1, "local", "first apply (leader)", 5.5),
        _row(100, "local", "first apply (leader)", 80.0),
        _row(10, "trivial", "salt-call test.nop", 1.5),
        _row(10, "trivial", "salt-call test.nop", 1.4),
        _row(30, "local", "first apply (leader)" + bench.WIDE, 30.0),
        _row(10, "mux", "start all, brick-multiplex on", 8.0),
    ]
    lines = {line["label"]: line for line in bench.growth_series(rows)}
    assert set(lines) == {"floor: first apply", "local: first apply (leader)", "trivial: salt-call test.nop"}
    assert lines["floor: first apply"]["points"] == [[1, 3.0], [10, 11.0], [100, 86.0]]
    assert lines["local: first apply (leader)"]["points"] == [[1, 5.5], [100, 80.0]], (
        "the 6-node row is another step"
    )
    assert lines["trivial: salt-call test.nop"]["points"] == [[10, 1.5]], "the first of two runs"
    assert {line["panel"] for line in lines.values()} == {"first apply", "no-op"}
    assert lines["trivial: salt-call test.nop"]["panel"] == "no-op"


def test_no_line_at_all_is_refused():
    with pytest.raises(SystemExit, match="no row"):
        bench.growth_series([_row(10, "mux", "start all, brick-multiplex on", 8.0)])


def _chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def test_png_text_reads_the_text_chunks(tmp_path):
    png = tmp_path / "x.png"
    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    png.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"tEXt", b"k\0v \xe9")
        + _chunk(b"IDAT", zlib.compress(b"\0\0"))
        + _chunk(b"tEXt", b"other\0x")
        + _chunk(b"IEND", b"")
    )
    assert bench.png_text(png) == {"k": "v \xe9", "other": "x"}
    (tmp_path / "not.png").write_bytes(b"<svg/>")
    with pytest.raises(ValueError):
        bench.png_text(tmp_path / "not.png")


def test_the_committed_chart_is_drawn_from_the_committed_results():
    results = json.loads((ROOT / "bench" / "results.json").read_text())
    texts = bench.png_text(ROOT / "bench" / "growth.png")
    expected = bench.series_digest(bench.growth_series(results["rows"]))
    assert texts.get(bench.PLOT_DIGEST_KEY) == expected, (
        "bench/growth.png is stale: redraw it with .venv/bin/python bench/bench.py --plot bench/results.json"
    )
    assert texts.get("Title") == results["date"]
    assert "bench/growth.png" in (ROOT / "README.md").read_text(), "the README shows the chart"
