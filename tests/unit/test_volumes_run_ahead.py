"""``gluster.volumes_converged``: the states of several volumes run ahead by a bounded pool of
workers, each state then reporting the return its worker got.

The execution functions are faked here (an in-memory cluster whose writes take a little time
and count how many run at once); the real cluster runs are in
``tests/integration/test_volumes_converged.py`` (same subject; this name differs so that pytest
collects both). What must hold:

- each volume's states return exactly what they return run one after another, and send the
  same events, from the state that reports the change;
- never more than ``workers`` volumes at once, and more than one when there is more to do;
- ``test=True`` runs nothing ahead; a volume whose peers are not connected, a state called with
  other arguments, or a volume whose worker hit an unexpected error does its own work;
- a step that fails ends its volume's steps (its later states fail on their requisite).
"""

import threading
import time

import pytest
from salt.exceptions import CommandExecutionError

from conftest import load_loader_module

states = load_loader_module("gluster_states_converged", "gluster.py", folder="_states")

BRICKS = ["n1:/b/{v}", "n2:/b/{v}", "n3:/b/{v}"]
OPTIONS = {"performance.cache-size": "64MB", "network.ping-timeout": "20"}


class FakeCluster:
    """The execution functions the volume states call, over an in-memory cluster."""

    def __init__(self, delay=0.05, down=(), crash=None, refuse=None, multiplex="disable"):
        self.volumes, self.events, self.delay, self.multiplex = {}, [], delay, multiplex
        self.down, self.crash, self.refuse = set(down), crash, refuse or {}
        self.lock = threading.Lock()
        self.in_flight = self.most_at_once = 0
        self.writes, self.reads, self.at_once = [], [], {}  # at_once: the most writes of each kind at once

    def _write(self, what, name):
        with self.lock:
            self.in_flight += 1
            self.most_at_once = max(self.most_at_once, self.in_flight)
            self.at_once[what] = max(self.at_once.get(what, 0), self.in_flight)
        try:
            time.sleep(self.delay)
            if self.crash == (what, name):
                raise RuntimeError(f"bug in {what}")
            if (what, name) in self.refuse:
                raise CommandExecutionError(self.refuse[(what, name)])
            self.writes.append((what, name))
        finally:
            with self.lock:
                self.in_flight -= 1

    def functions(self):
        return {
            "gluster.volume_layout_differences": lambda name, *args, **kwargs: (
                [] if name in self.volumes else None
            ),
            "gluster.peer_wait": self.peer_wait,
            "gluster.volume_create": self.volume_create,
            "gluster.volume_exists": lambda name: name in self.volumes,
            "gluster.volume_info": lambda name: {
                "name": name,
                **self.volumes[name],
                "options": dict(self.volumes[name]["options"]),
            },
            "gluster.volume_options_plan": self.volume_options_plan,
            "gluster.volume_set": self.volume_set,
            "gluster.volume_start": self.volume_start,
            "gluster.volume_stop": self.volume_stop,
            "gluster.volume_get": self.volume_get,
            "event.send": self.send,
        }

    def volume_get(self, name, option="all"):
        assert (name, option) == ("all", "cluster.brick-multiplex")
        self.reads.append(("get", "all"))
        if isinstance(self.multiplex, Exception):
            raise self.multiplex
        return {option: self.multiplex}

    def peer_wait(self, hosts, timeout=120):
        missing = sorted(set(hosts) & self.down)
        if missing:
            raise CommandExecutionError(
                f"peers not ready after {timeout}s: {', '.join(missing)} (disconnected)"
            )
        return {host: f"uuid-{host}" for host in hosts}

    def volume_create(self, name, bricks, **kwargs):
        self._write("create", name)
        self.volumes[name] = {"started": False, "options": {"nfs.disable": "on"}}
        return {"name": name, "id": f"id-{name}", "started": False}

    def volume_options_plan(self, name, options, reset_unmanaged=False, profiles=None):
        current = dict(self.volumes.get(name, {}).get("options", {}))
        wanted = {key: str(value) for key, value in (options or {}).items() if current.get(key) != str(value)}
        return {"set": wanted, "reset": [], "current": current, "profiles": {}, "restart": []}

    def volume_set(self, name, options):
        self._write("set", name)
        self.volumes[name]["options"].update(options)

    def volume_start(self, name, force=False):
        self._write("start", name)
        self.volumes[name]["started"] = True

    def volume_stop(self, name, force=False):
        self._write("stop", name)
        self.volumes[name]["started"] = False

    def send(self, tag, data):
        self.events.append((tag, dict(data)))
        return True


@pytest.fixture
def cluster(monkeypatch):
    def make(**kwargs):
        fake = FakeCluster(**kwargs)
        monkeypatch.setattr(states, "__salt__", fake.functions(), raising=False)
        monkeypatch.setattr(states, "__opts__", {"test": False, "id": "gfs1"}, raising=False)
        monkeypatch.setattr(states, "__context__", {}, raising=False)
        return fake

    return make


def steps(volume, started=True):
    return {
        "present": {
            "bricks": [b.format(v=volume) for b in BRICKS],
            "replica": 3,
            "force": True,
            "wait_for_peers": ["n2", "n3"],
        },
        "options": {"options": dict(OPTIONS)},
        "started" if started else "stopped": {},
    }


def volumes(*names):
    return {name: steps(name) for name in names}


def each_state(plan):
    """Call every volume's states as the formula orders them (all present, all options, all
    started): ``{(function, volume): return}``."""
    functions = states._step_functions()  # pylint: disable=protected-access
    returns = {}
    for step in ("present", "options", "started", "stopped"):
        for volume, volume_steps in plan.items():
            if step in volume_steps:
                returns[(step, volume)] = functions[step](name=volume, **volume_steps[step])
    return returns


def without_note(ret):
    return {**ret, "comment": ret["comment"].replace(" (run ahead by gluster.volumes_converged)", "")}


def test_the_states_return_and_send_what_they_would_one_after_another(cluster):
    names = ("v1", "v2", "v3", "v4", "v5")
    alone = cluster()
    sequential = each_state(volumes(*names))
    sequential_events = list(alone.events)

    ahead = cluster()
    ran = states.volumes_converged("ahead", volumes(*names), workers=3)
    assert ran["result"] is True and ran["changes"] == {}, ran
    assert (
        "5 volume(s) run ahead by 3 worker(s)" in ran["comment"]
        and "changed: v1, v2, v3, v4, v5" in ran["comment"]
    )
    assert ahead.events == [], "nothing is sent before the states report"
    writes = list(ahead.writes)
    claimed = each_state(volumes(*names))
    assert ahead.writes == writes, "the states did not do the work again"
    assert {key: without_note(ret) for key, ret in claimed.items()} == sequential
    assert all("(run ahead by gluster.volumes_converged)" in ret["comment"] for ret in claimed.values())
    assert ahead.events == sequential_events  # the same events, in the states' order
    assert [tag for tag, _data in ahead.events[:5]] == ["gluster/volume/created"] * 5
    assert sorted(writes) == sorted(alone.writes) and len(writes) == 15


@pytest.mark.parametrize("multiplex", ["on", "enable", CommandExecutionError("glusterd is not running")])
def test_with_brick_multiplexing_the_volumes_start_one_at_a_time(cluster, multiplex):
    """Two volumes started at once each get a brick process of their own even with
    cluster.brick-multiplex on (gluster 10.3, tests/functional/test_cluster_options.py): the
    starts then run one after another, the creations and options still at once. Not knowing
    (an error) counts as on."""
    fake = cluster(delay=0.1, multiplex=multiplex)
    ran = states.volumes_converged("ahead", volumes("v1", "v2", "v3", "v4"), workers=3)
    assert "started one at a time (cluster.brick-multiplex is on)" in ran["comment"], ran["comment"]
    assert fake.at_once == {"create": 3, "set": 3, "start": 1}
    assert fake.reads == [("get", "all")]


def test_without_brick_multiplexing_the_volumes_start_at_once(cluster):
    fake = cluster(delay=0.1, multiplex="disable")
    ran = states.volumes_converged("ahead", volumes("v1", "v2", "v3", "v4"), workers=3)
    assert "one at a time" not in ran["comment"] and fake.at_once["start"] == 3


def test_multiplexing_is_not_asked_when_at_most_one_volume_starts(cluster):
    fake = cluster(multiplex="on")
    plan = {"v1": steps("v1"), "v2": steps("v2", started=False)}
    ran = states.volumes_converged("ahead", plan, workers=2)
    assert ran["result"] is True and fake.reads == []


def test_existing_volumes_are_left_to_their_own_states(cluster):
    """Only volumes that do not exist yet are run ahead: an existing one's states check it
    (or reshape it, or change its options) themselves, so a no-op runs nothing ahead."""
    fake = cluster()
    states.volumes_converged("ahead", volumes("v1", "v2"), workers=2)
    each_state(volumes("v1", "v2"))
    before = list(fake.writes)
    plan = volumes("v1", "v2", "v3")
    plan["v1"]["options"]["options"]["performance.cache-size"] = "128MB"
    ran = states.volumes_converged("ahead", plan, workers=2)
    assert "1 volume(s) run ahead" in ran["comment"] and "2 volume(s) exist already" in ran["comment"], ran[
        "comment"
    ]
    assert fake.writes[len(before) :] == [("create", "v3"), ("set", "v3"), ("start", "v3")]
    own = states.volume_options(name="v1", **plan["v1"]["options"])
    assert (
        own["changes"]["performance.cache-size"] == {"old": "64MB", "new": "128MB"}
        and "run ahead" not in own["comment"]
    )


def test_never_more_than_workers_volumes_at_once(cluster):
    fake = cluster(delay=0.1)
    ran = states.volumes_converged("ahead", volumes(*(f"v{i}" for i in range(8))), workers=3)
    assert ran["result"] is True, ran
    assert fake.most_at_once == 3


def test_one_worker_is_one_volume_at_a_time(cluster):
    fake = cluster(delay=0.02)
    states.volumes_converged("ahead", volumes("v1", "v2", "v3"), workers=1)
    assert fake.most_at_once == 1 and len(fake.writes) == 9


def test_every_creation_before_any_option_and_every_option_before_any_start(cluster):
    """Step by step, as the formula orders its states: the volumes created are read again in
    one ``volume info`` afterwards, not once each."""
    fake = cluster(delay=0.01)
    states.volumes_converged("ahead", volumes("v1", "v2", "v3", "v4"), workers=3)
    kinds = [what for what, _name in fake.writes]
    assert kinds == ["create"] * 4 + ["set"] * 4 + ["start"] * 4


def test_test_mode_runs_nothing_ahead(cluster, monkeypatch):
    fake = cluster()
    monkeypatch.setitem(states.__opts__, "test", True)
    ran = states.volumes_converged("ahead", volumes("v1", "v2"), workers=3)
    assert (
        ran["result"] is True and ran["changes"] == {} and "test mode: nothing is run ahead" in ran["comment"]
    )
    assert fake.writes == [] and states.__context__.get(states.AHEAD_KEY) is None
    predicted = each_state(volumes("v1", "v2"))
    assert (
        predicted[("present", "v1")]["result"] is None and predicted[("present", "v1")]["changes"]["created"]
    )


def test_a_volume_whose_peers_are_not_ready_is_left_to_its_own_states(cluster):
    fake = cluster(down={"n9"})
    plan = volumes("v1", "v2")
    plan["v2"]["present"]["wait_for_peers"] = ["n2", "n9"]
    ran = states.volumes_converged("ahead", plan, workers=3)
    assert ran["result"] is True
    assert (
        "left to their own states (peers not ready): v2: peers not ready after 0s: n9 (disconnected)"
        in ran["comment"]
    )
    assert {name for _what, name in fake.writes} == {"v1"}
    # v2's own state waits for the peer as always (and here fails, as without this state)
    own = states.volume_present(name="v2", **plan["v2"]["present"])
    assert own["result"] is False and "n9" in own["comment"] and "run ahead" not in own["comment"]


def test_a_failed_step_ends_its_volume_and_its_state_reports_the_failure(cluster):
    fake = cluster(
        refuse={("create", "v2"): "volume create: v2: failed: Host n2 is not in 'Peer in Cluster' state"}
    )
    ran = states.volumes_converged("ahead", volumes("v1", "v2"), workers=3)
    assert ran["result"] is True and "failed: v2 (their own states say why)" in ran["comment"]
    assert [what for what, name in fake.writes if name == "v2"] == []
    assert len([1 for _what, name in fake.writes if name == "v1"]) == 3
    own = states.volume_present(name="v2", **volumes("v2")["v2"]["present"])
    assert own["result"] is False and "is not in 'Peer in Cluster' state" in own["comment"]
    assert own["comment"].endswith("(run ahead by gluster.volumes_converged)")
    assert not any(
        key.startswith("volume_options") and '"v2"' in key for key in states.__context__[states.AHEAD_KEY]
    )


def test_an_unexpected_error_fails_this_state_and_the_volume_does_its_own_work(cluster):
    fake = cluster(crash=("set", "v1"))
    ran = states.volumes_converged("ahead", volumes("v1", "v2"), workers=2)
    assert (
        ran["result"] is False
        and "unexpected errors" in ran["comment"]
        and "v1: volume_options: RuntimeError: bug in set" in ran["comment"]
    )
    fake.crash = None
    own = states.volume_options(name="v1", options=dict(OPTIONS))
    assert own["result"] is True and "run ahead" not in own["comment"] and own["changes"]
    assert ("set", "v1") in fake.writes


def test_a_call_with_other_arguments_does_its_own_work_and_each_return_is_claimed_once(cluster):
    fake = cluster()
    states.volumes_converged("ahead", volumes("v1", "v2"), workers=2)
    other = states.volume_options(name="v1", options={"performance.cache-size": "128MB"})
    assert "run ahead" not in other["comment"] and other["changes"]["performance.cache-size"]["old"] == "64MB"
    first = states.volume_started(name="v2")
    again = states.volume_started(name="v2")
    assert first["changes"] and "run ahead" in first["comment"]
    assert again["changes"] == {} and again["comment"] == "volume v2 is already started"
    assert fake.events.count(("gluster/volume/started", {"volume": "v2", "minion": "gfs1"})) == 1


def test_a_stopped_volume_is_created_and_configured_but_not_started(cluster):
    fake = cluster()
    plan = {"v1": steps("v1", started=False), "v2": steps("v2")}
    states.volumes_converged("ahead", plan, workers=2)
    assert fake.volumes["v1"]["started"] is False and fake.volumes["v2"]["started"] is True
    stopped = states.volume_stopped(name="v1")
    assert (
        stopped["result"] is True
        and stopped["changes"] == {}
        and stopped["comment"] == "volume v1 is already stopped"
    )


@pytest.mark.parametrize(
    "plan,workers,said",
    [
        ({"v1": {"present": {"bricks": []}}}, 0, "workers: 0 must be a whole number from 1 to 16"),
        ({"v1": {"present": {"bricks": []}}}, True, "workers: True must be a whole number"),
        ({"v1": {"present": {"bricks": []}}}, 17, "workers: 17 must be a whole number from 1 to 16"),
        (["v1"], 3, "volumes: must be a mapping of volume -> steps, not list"),
        (
            {"v1": {"reshape": {}}},
            3,
            "volumes:v1: unknown step(s) reshape; allowed: present, options, started, stopped",
        ),
        ({"v1": {"started": {}, "stopped": {}}}, 3, "volumes:v1: started and stopped both given"),
        (
            {"v1": {"options": {"name": "v2"}}},
            3,
            "volumes:v1:options: must be the state's arguments, with name 'v1' or none",
        ),
        (
            {"v1": {"options": {"option": {}}}},
            3,
            "volumes:v1:options: got an unexpected keyword argument 'option' (gluster.volume_options)",
        ),
        (
            {"v1": {"present": {}}},
            3,
            "volumes:v1:present: missing a required argument: 'bricks' (gluster.volume_present)",
        ),
        (
            {"v1": "all"},
            3,
            "volumes:v1: must be a mapping of present, options, started, stopped -> state arguments",
        ),
    ],
)
def test_bad_arguments_are_refused_before_anything_runs(cluster, plan, workers, said):
    fake = cluster()
    ran = states.volumes_converged("ahead", plan, workers=workers)
    assert ran["result"] is False and said in ran["comment"], ran["comment"]
    assert fake.writes == [] and not states.__context__.get(states.AHEAD_KEY)


def test_every_problem_is_said_at_once(cluster):
    cluster()
    ran = states.volumes_converged(
        "ahead", {"v1": {"reshape": {}}, "v2": {"started": {}, "stopped": {}}}, workers=99
    )
    assert (
        ran["comment"].count(";") >= 2
        and "workers: 99" in ran["comment"]
        and "volumes:v1" in ran["comment"]
        and "volumes:v2" in ran["comment"]
    )
