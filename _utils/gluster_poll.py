"""One back-off for every wait and retry of saltext-gluster: peers joining, a state run going on,
a create staged while other nodes make their brick directories, a rebalance or migration, a
heal, a FUSE mount reaching its bricks, a brick restarted by the reactor, a partition's block
device, and a command that hit the cluster lock. Pure: the clock and the sleep are parameters
(the callers pass their own module's, so that tests drive them with a fake clock).

A loop reads::

    wait = Backoff(timeout, first=0.5, cap=5.0, clock=time.monotonic, sleep=time.sleep)
    while True:
        answer = ask()
        if done(answer) or wait.expired:
            break
        wait.pause()

The differences between the waits are the parameters: the first delay, its growth (``factor``,
and ``step`` added each time; ``factor`` 1 and ``step`` 0 keep it fixed), its ``cap``, the
shortest sleep (``floor``) and the deadline, given as a ``timeout`` from now or an absolute
``deadline``; no deadline at all for a retry bounded by a count (the lock retry). A pause
never sleeps past the deadline by more than ``floor``.
"""

import math
import time


class Backoff:
    """The state of one wait: its deadline, the next delay and how many pauses were made."""

    def __init__(
        self,
        timeout=math.inf,
        first=0.5,
        cap=5.0,
        factor=2.0,
        floor=0.1,
        step=0.0,
        deadline=None,
        clock=None,
        sleep=None,
    ):  # pylint: disable=too-many-arguments
        if first < 0 or cap < first or factor < 1 or floor < 0 or step < 0:
            raise ValueError(
                f"Backoff: first={first}, cap={cap}, factor={factor}, floor={floor}, step={step}"
            )
        self.clock = clock or time.monotonic
        self._sleep = sleep or time.sleep
        self.started = self.clock()
        self.deadline = float(deadline) if deadline is not None else self.started + float(timeout)
        self.delay, self.cap, self.factor, self.floor = float(first), float(cap), float(factor), float(floor)
        self.step = float(step)
        self.pauses = 0

    @property
    def expired(self):
        """Whether the deadline has come."""
        return self.clock() >= self.deadline

    @property
    def elapsed(self):
        """Seconds since the wait began."""
        return self.clock() - self.started

    def pause(self, bounded=True):
        """Sleep the current delay, but no further than the deadline (and at least ``floor``;
        the whole delay with ``bounded=False``); then the next delay is ``delay * factor +
        step``, at most ``cap``. Returns the seconds slept."""
        seconds = min(self.delay, max(self.floor, self.deadline - self.clock())) if bounded else self.delay
        self._sleep(seconds)
        self.delay = min(self.delay * self.factor + self.step, self.cap)
        self.pauses += 1
        return seconds
