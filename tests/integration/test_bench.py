"""The benchmark runs, and the gluster processes it counts stay at their floor.

``bench/bench.py`` with 3 volumes through ``salt-call --local`` and through a master: this
checks the script works end to end and asserts the process counts it measures: a first apply
runs the writes the bare CLI needs plus at most a few reads, a no-op re-apply at most 3 gluster
processes per node, one changed option at most 3 in all. Of its timings only one ratio within
the run is checked (the first apply through ``salt-call --local`` against the floor).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.cluster

BENCH = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "bench", "bench.py"
)
COUNT = 3
WRITES = {"peer probe": 2, "volume create": COUNT, "volume set": COUNT, "volume start": COUNT}


def _bench(*parts):
    """One run of the benchmark with ``parts``: its rows by (part, step)."""
    # a short path: the salt daemons' unix sockets live below it (108-byte limit)
    where = Path(tempfile.mkdtemp(prefix="sgb-", dir="/tmp"))
    out = where / "results.json"
    proc = subprocess.run(
        [
            sys.executable,
            BENCH,
            "--volumes",
            str(COUNT),
            "--parts",
            *parts,
            "--base",
            str(where / "run"),
            "--json",
            str(out),
            "--no-plot",
            "--no-tuned",
            "--trivial-runs",
            "1",
            "--six-nodes",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "| part | step | 3 volumes |" in proc.stdout
    assert not os.path.exists(where / "run"), "the benchmark removed its directory"
    data = json.loads(out.read_text())
    shutil.rmtree(where)
    return {(row["part"], row["step"]): row for row in data["rows"]}


@pytest.fixture(scope="module")
def results():
    return _bench("local", "master")


def test_the_floor_is_the_bare_writes(results):
    floor = results[("floor", "first apply")]
    commands = dict(floor["commands"])
    assert commands.pop("pool list") >= 1  # until both peers are connected
    assert commands == WRITES


@pytest.mark.parametrize("part, step", [("local", "first apply (leader)"), ("master", "first highstate")])
def test_a_first_apply_makes_the_floor_writes_and_few_reads(results, part, step):
    commands = dict(results[(part, step)]["commands"])
    reads = {
        key: commands.pop(key)
        for key in ("pool list", "volume info", "peer status", "volume get")
        if key in commands
    }
    assert commands == WRITES, (part, commands)
    assert reads.get("volume info", 0) <= 2 and reads.get("pool list", 0) <= 3 * (
        3 if part == "master" else 1
    ), reads
    # the volumes run ahead (gluster.volumes_converged) ask once whether bricks are multiplexed
    # before they start several volumes: one volume get all
    assert reads.get("volume get") == 1, reads


@pytest.mark.parametrize(
    "step",
    [
        ("local", "no-op (b1)"),
        ("local", "no-op (b2)"),
        ("local", "no-op (b3)"),
        ("master", "no-op highstate"),
    ],
    ids=lambda s: " ".join(s),
)
def test_a_no_op_re_apply_runs_at_most_3_gluster_processes_per_node(results, step):
    row = results[step]
    assert all(count <= 3 for count in row["per_node"].values()), row["per_node"]
    assert not set(row["commands"]) - {"pool list", "volume info", "peer status"}, row["commands"]
    if step[0] == "master":
        assert row["changed"] == 0


@pytest.mark.parametrize(
    "step", [("local", "one option (leader)"), ("master", "one option")], ids=lambda s: s[0]
)
def test_one_changed_option_takes_at_most_3_gluster_processes(results, step):
    row = results[step]
    assert row["gluster_processes"] <= 3 and row["commands"].get("volume set") == 1, row["commands"]


def _first_apply_vs_floor(rows):
    floor, first = rows[("floor", "first apply")], rows[("local", "first apply (leader)")]
    return first["seconds"] / floor[
        "seconds"
    ], f"{first['seconds']:.2f} s against a floor of {floor['seconds']:.2f} s"


def test_a_first_apply_through_salt_call_stays_within_twice_the_floor(results):
    """The one timing guarded: a ratio measured within one run, never a raw figure. A state that
    waits a second for something (as each changed state once did for an event bus that does not
    exist masterless: x3.99 the floor at 10 volumes) takes it past 2x in every run; the apply
    itself is within x1.6 here. A run past 2x is measured once more (floor and apply again, in
    one run of its own) and the better of the two ratios counts: a slowdown built into the code
    shows in both, a moment of load from the tests running beside this one (CI once read x2.03)
    rarely in two runs apart."""
    ratios = [_first_apply_vs_floor(results)]
    if ratios[0][0] > 2:
        ratios.append(_first_apply_vs_floor(_bench("local")))
    print("first apply against the floor: " + "; then ".join(f"x{r:.2f} ({said})" for r, said in ratios))
    assert min(r for r, _said in ratios) <= 2, "; then ".join(said for _r, said in ratios)
