"""The one back-off of every wait and retry (``_utils/gluster_poll.py``), on a fake clock: how
each delay grows and is capped, that a pause never runs past the deadline, and the shapes the
callers use (peers, state runs, rebalance, heal, create retry: doubling to a cap; the mount and
the reactor's brick restart: a fixed period; the xattr probe: 1, 2, 3 s; the lock retry: no
deadline, bounded by its count)."""

import math

import pytest

from conftest import FakeClock
from saltext_gluster_utils import gluster_poll as poll


def fake_clock():
    """The waits' clock, from 100 s; sleeps listed to the microsecond."""
    return FakeClock(now=100.0, places=6)


def backoff(clock, *args, **kwargs):
    return poll.Backoff(*args, clock=clock.monotonic, sleep=clock.sleep, **kwargs)


def pauses_until_expired(wait):
    while not wait.expired:
        wait.pause()
    return wait


def test_doubling_to_its_cap_then_the_rest_of_the_deadline():
    clock = fake_clock()
    wait = pauses_until_expired(backoff(clock, 20, first=0.5, cap=5.0, floor=0.1))
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0, 2.5]  # 20 s in all, the last cut short
    assert clock.now == 120.0 and wait.pauses == 7 and wait.elapsed == 20.0


def test_a_pause_at_the_deadline_sleeps_the_floor_only():
    clock = fake_clock()
    wait = backoff(clock, 1, first=2.0, cap=2.0, floor=0.05)
    clock.now += 1.0  # the attempt itself took the whole timeout
    assert wait.expired
    assert wait.pause() == 0.05


def test_not_expired_before_the_deadline_expired_at_it():
    clock = fake_clock()
    wait = backoff(clock, 3)
    clock.now += 2.999
    assert not wait.expired
    clock.now += 0.001
    assert wait.expired


def test_a_fixed_period_with_factor_one():
    clock = fake_clock()
    pauses_until_expired(backoff(clock, 2, first=0.5, cap=0.5, factor=1, floor=0.5))
    assert clock.sleeps == [0.5, 0.5, 0.5, 0.5]


def test_a_linear_growth_with_step():
    clock = fake_clock()
    wait = backoff(clock, first=1.0, cap=5.0, factor=1, step=1.0)
    for _ in range(6):
        wait.pause()
    assert clock.sleeps == [1.0, 2.0, 3.0, 4.0, 5.0, 5.0]


def test_without_a_deadline_each_pause_is_the_whole_delay():
    clock = fake_clock()
    wait = backoff(clock, first=0.5, cap=10.0, floor=0.0)
    assert wait.deadline == math.inf and not wait.expired
    for _ in range(7):
        wait.pause()
    assert clock.sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_an_absolute_deadline():
    clock = fake_clock()
    wait = backoff(clock, deadline=103.0, first=1.0, cap=5.0)
    pauses_until_expired(wait)
    assert clock.sleeps == [1.0, 2.0] and clock.now == 103.0


def test_unbounded_pause_may_run_past_the_deadline():
    """The rebalance status wait keeps asking past its deadline while the status is not there
    yet (its own patience): those pauses are the whole delay."""
    clock = fake_clock()
    wait = backoff(clock, 1, first=2.0, cap=5.0)
    assert wait.pause(bounded=False) == 2.0
    assert wait.pause(bounded=False) == 4.0
    assert clock.now == 106.0


@pytest.mark.parametrize(
    "kwargs",
    [{"first": -1}, {"first": 2, "cap": 1}, {"factor": 0.5}, {"floor": -0.1}, {"step": -1}],
)
def test_settings_that_make_no_back_off_are_refused(kwargs):
    with pytest.raises(ValueError):
        poll.Backoff(10, **kwargs)
