"""Several volumes at once (``gluster.volumes_converged``, ``gluster:volume_workers``) on a real
cluster of its own (127.1.19.1-3), through ``salt-call --local state.apply gluster`` on the
leader, as a masterless user runs it.

The gluster CLI is wrapped (``gluster:binary``) by a script that logs when each call starts and
ends, so the test sees how many writes ran at the same time. It shows: the formula gives the
ahead-running state exactly the arguments of each volume's own states; ``test=True`` predicts
every change; a first apply runs the volumes' writes at once (never more than the workers) with
no more reads than one volume after another needs; each volume's own states report their
changes; a second apply changes nothing; and with ``volume_workers: 1`` the same changes come
one volume at a time. Wall times are the benchmark's (``scripts/bench.sh``), not asserted here.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml
from cluster import temporary_cluster
from formula_root import formula_root

pytestmark = pytest.mark.cluster

SALT_CALL = os.path.join(os.path.dirname(sys.executable), "salt-call")
SUBNET = "127.1.19"
MINIONS = ("c1", "c2", "c3")
OPTIONS = {"performance.cache-size": "64MB", "network.ping-timeout": 20, "performance.readdir-ahead": True}
WRITES = ("create", "set", "start")


@pytest.fixture(scope="module")
def leader():
    with temporary_cluster("sgv-", subnet=SUBNET, pool=True) as cluster:
        base = cluster.base_dir
        log = os.path.join(base, "gluster-calls.log")
        wrapper = os.path.join(base, "bin", "gluster")
        os.makedirs(os.path.dirname(wrapper))
        with open(wrapper, "w", encoding="utf-8") as handle:
            handle.write(
                "#!/bin/sh\n"
                f'printf \'start %s %s %s\\n\' "$(date +%s%N)" "$$" "$*" >> \'{log}\'\n'
                f"'{shutil.which('gluster')}' \"$@\"\nrc=$?\n"
                f"printf 'end %s %s\\n' \"$(date +%s%N)\" \"$$\" >> '{log}'\nexit $rc\n"
            )
        os.chmod(wrapper, 0o755)
        for sub in ("pillar", "states"):
            os.makedirs(os.path.join(base, sub))
            with open(os.path.join(base, sub, "top.sls"), "w", encoding="utf-8") as handle:
                yaml.safe_dump({"base": {"*": ["gluster"]}}, handle)
        config_dir = os.path.join(base, "conf", "c1")
        os.makedirs(config_dir)
        with open(os.path.join(config_dir, "minion"), "w", encoding="utf-8") as handle:
            yaml.safe_dump(
                {
                    "id": "c1",
                    "file_client": "local",
                    "root_dir": os.path.join(base, "root", "c1"),
                    "file_roots": {
                        "base": [formula_root(os.path.join(base, "formula")), os.path.join(base, "states")]
                    },
                    "pillar_roots": {"base": [os.path.join(base, "pillar")]},
                    "gluster": dict(cluster[0].minion_config(), binary=wrapper),
                },
                handle,
            )
        subprocess.run([SALT_CALL, "--local", "-c", config_dir, "--out=quiet", "saltutil.sync_all"],
                       check=True, capture_output=True, stdin=subprocess.DEVNULL)  # fmt: skip
        try:
            yield cluster, config_dir, log
        finally:
            for volume in cluster[0].cli("volume", "list").stdout.split():
                cluster[0].cli("volume", "stop", volume, "force", check=False)


def set_pillar(cluster, names, workers=None):
    """The pillar for volumes ``names``; the other nodes' brick directories made, as their own
    highstate makes them."""
    base = cluster.base_dir
    volumes = {}
    for name in names:
        for minion in MINIONS[1:]:
            os.makedirs(f"{base}/bricks/{minion}/{name}", exist_ok=True)
        volumes[name] = {
            "replica": 3,
            "brick_path": f"{base}/bricks/{{node}}/{name}",
            "force": True,
            "options": dict(OPTIONS),
        }
    gluster = {
        "nodes": {minion: node.address for minion, node in zip(MINIONS, cluster.nodes, strict=True)},
        "peer_timeout": 60,
        "members_wait": False,
        "server": {"manage_packages": False, "manage_service": False},
        "volumes": volumes,
    }
    if workers is not None:
        gluster["volume_workers"] = workers
    with open(os.path.join(base, "pillar", "gluster.sls"), "w", encoding="utf-8") as handle:
        yaml.safe_dump({"gluster": gluster}, handle)


def salt_call(config_dir, *args):
    proc = subprocess.run([SALT_CALL, "--local", "-c", config_dir, "--out=json", *args],
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)  # fmt: skip
    try:
        data = json.loads(proc.stdout)["local"]
    except (ValueError, KeyError) as exc:
        raise AssertionError(
            f"salt-call {' '.join(args)}: {proc.stdout[-2000:]} {proc.stderr[-2000:]}"
        ) from exc
    assert isinstance(data, dict), data  # a list holds render errors
    return data


def apply(config_dir, test=False):
    data = salt_call(config_dir, "state.apply", "gluster", *(["test=True"] if test else []))
    return {key.split("_|-")[1]: value for key, value in data.items()}


class Calls:
    """The wrapper's log from a mark on: the commands, and how many writes ran at once."""

    def __init__(self, log):
        self.log, self.offset = log, 0

    def mark(self):
        self.offset = os.path.getsize(self.log) if os.path.exists(self.log) else 0

    def since_mark(self):
        with open(self.log, encoding="utf-8") as handle:
            handle.seek(self.offset)
            lines = [line.split(" ", 3) for line in handle.read().splitlines()]
        commands, spans = {}, {}
        for line in lines:
            if line[0] == "start":
                words = [w for w in line[3].split() if not w.startswith("--")]
                spans[line[2]] = [int(line[1]), None, " ".join(words[:2])]
                commands[" ".join(words[:2])] = commands.get(" ".join(words[:2]), 0) + 1
            else:
                spans[line[2]][1] = int(line[1])
        return commands, [span for span in spans.values() if span[1] is not None]

    @staticmethod
    def most_writes_at_once(spans):
        points = sorted((t, step) for start, end, command in spans
                        if command.split()[-1] in WRITES for t, step in ((start, 1), (end, -1)))  # fmt: skip
        most = now = 0
        for _t, step in points:
            now += step
            most = max(most, now)
        return most


def volume_states(states, names):
    return {
        sid: s for sid, s in states.items() if any(sid.startswith(f"gluster-volume-{name}") for name in names)
    }


def arguments(chunk):
    """``{argument: value}`` of a state in ``state.show_sls`` (requisites and order left out)."""
    (module,) = [key for key in chunk if not key.startswith("__")]
    found = {}
    for item in chunk[module]:
        if isinstance(item, dict) and not {"require", "order"} & set(item):
            found.update(item)
    return found


FIRST = ("cv1", "cv2", "cv3", "cv4")
ONE_AT_A_TIME = ("sv1", "sv2", "sv3", "sv4")


def test_the_formula_gives_the_ahead_state_each_state_s_own_arguments(leader):
    """A volume state claims the return run ahead only when it is called with exactly the
    arguments given to ``gluster.volumes_converged``: the formula builds both from one place."""
    cluster, config_dir, _log = leader
    set_pillar(cluster, FIRST)
    shown = salt_call(config_dir, "state.show_sls", "gluster.volumes")
    ahead = arguments(shown["gluster-volumes-converged"])
    assert ahead["workers"] == 3 and sorted(ahead["volumes"]) == list(FIRST)
    for name in FIRST:
        steps = ahead["volumes"][name]
        assert sorted(steps) == ["options", "present", "started"]
        for step, sid in (
            ("present", f"gluster-volume-{name}"),
            ("options", f"gluster-volume-{name}-options"),
            ("started", f"gluster-volume-{name}-started"),
        ):
            own = arguments(shown[sid])
            assert own.pop("name") == name
            assert steps[step] == own, (sid, steps[step], own)
        assert steps["present"]["wait_for_peers"] == [node.address for node in cluster.nodes[1:]]


def test_a_first_apply_works_on_volumes_at_once_and_each_state_reports(leader):
    cluster, config_dir, log = leader
    set_pillar(cluster, FIRST)
    calls = Calls(log)
    calls.mark()
    predicted = volume_states(apply(config_dir, test=True), FIRST)
    assert calls.since_mark()[0].keys() <= {"pool list", "volume info", "peer status"}, "test=True only reads"
    calls.mark()
    states = apply(config_dir)
    commands, spans = calls.since_mark()
    failed = {sid: s["comment"] for sid, s in states.items() if s["result"] is not True}
    assert not failed, failed
    ahead = states["gluster-volumes-converged"]
    assert ahead["changes"] == {} and "4 volume(s) run ahead by 3 worker(s)" in ahead["comment"], ahead[
        "comment"
    ]
    applied = volume_states(states, FIRST)
    assert sorted(applied) == sorted(predicted) and len(applied) == 12
    for sid, state in applied.items():
        assert state["changes"] and state["changes"] == predicted[sid]["changes"], (
            sid,
            state["changes"],
            predicted[sid],
        )
        assert "(run ahead by gluster.volumes_converged)" in state["comment"], state["comment"]
    # the writes of the bare CLI, several at once but never more than the workers, and no more
    # reads than one volume after another (one volume info before, one after the creations)
    assert {
        key: commands.get(key) for key in ("volume create", "volume set", "volume start")
    } == dict.fromkeys(("volume create", "volume set", "volume start"), 4)
    assert commands.get("volume info", 0) <= 2, commands
    assert 2 <= Calls.most_writes_at_once(spans) <= 3, spans
    for name in FIRST:
        info = cluster[0].cli("volume", "info", name).stdout
        assert (
            "Status: Started" in info
            and "performance.cache-size: 64MB" in info
            and "network.ping-timeout: 20" in info
        )

    calls.mark()
    again = apply(config_dir)
    assert {sid: s["changes"] for sid, s in again.items() if s["changes"]} == {}
    assert all(s["result"] is True for s in again.values())
    assert set(calls.since_mark()[0]) <= {"pool list", "volume info"}, "a no-op writes nothing"
    assert "run ahead" not in json.dumps(volume_states(again, FIRST)), (
        "a no-op's comments stay the plain ones"
    )


def test_one_worker_makes_the_same_changes_one_volume_at_a_time(leader):
    cluster, config_dir, log = leader
    set_pillar(cluster, FIRST + ONE_AT_A_TIME, workers=1)
    calls = Calls(log)
    calls.mark()
    states = apply(config_dir)
    _commands, spans = calls.since_mark()
    assert "gluster-volumes-converged" not in states
    assert all(s["result"] is True for s in states.values()), {
        k: s["comment"] for k, s in states.items() if s["result"] is not True
    }
    assert Calls.most_writes_at_once(spans) == 1
    one_at_a_time = volume_states(states, ONE_AT_A_TIME)
    assert len(one_at_a_time) == 12 and all(s["changes"] for s in one_at_a_time.values())
    assert volume_states(states, FIRST) and not any(
        s["changes"] for s in volume_states(states, FIRST).values()
    )
    # the same changes as the volumes run ahead made (names aside)
    set_pillar(cluster, FIRST + ONE_AT_A_TIME + ("cv5", "cv6"))
    ahead = volume_states(apply(config_dir), ("cv5", "cv6"))

    def renamed(found, name):
        return {
            sid.replace(name, "NAME"): json.loads(json.dumps(s["changes"]).replace(name, "NAME"))
            for sid, s in found.items()
        }

    assert renamed(volume_states(states, ("sv1",)), "sv1") == renamed(volume_states(ahead, ("cv5",)), "cv5")
    assert all("(run ahead by gluster.volumes_converged)" in s["comment"] for s in ahead.values())
