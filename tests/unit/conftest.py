"""Shared set-up for the unit tests.

The ``_utils`` modules are plain files (no package), imported as the package ``saltext_gluster_utils``
(the ``_utils`` folder), the way ``_modules/gluster.py`` registers it.
Test files then simply ``import saltext_gluster_utils.gluster_xml as gx`` and so on.
"""

import importlib.util
import sys
import types
from types import SimpleNamespace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
UTILS = ROOT / "_utils"
PACKAGE = "saltext_gluster_utils"

# the same package the loader modules register: the _utils folder as ``saltext_gluster_utils``
if PACKAGE not in sys.modules:
    _package = types.ModuleType(PACKAGE)
    _package.__path__ = [str(UTILS)]
    sys.modules[PACKAGE] = _package

# pylint: disable=wrong-import-position
from saltext_gluster_utils import gluster_cli  # noqa: E402,F401
from saltext_gluster_utils import gluster_layout  # noqa: E402,F401
from saltext_gluster_utils import gluster_options  # noqa: E402,F401
from saltext_gluster_utils import gluster_pillar  # noqa: E402,F401
from saltext_gluster_utils import gluster_validate  # noqa: E402,F401
from saltext_gluster_utils import gluster_xml  # noqa: E402,F401


def load_loader_module(name, filename, folder="_modules"):
    """``<folder>/<filename>`` (``_modules`` or ``_states``) imported on its own as module
    ``name`` (each test file its own copy, so its monkeypatching stays in that file)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / folder / filename)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def answer_gluster_with(monkeypatch, module, run):
    """Route every gluster call of the loaded ``module`` to ``run(config, args, xml, counter)``,
    with one glusterd behind it and empty ``__context__`` / ``__opts__`` / ``__pillar__``."""
    monkeypatch.setattr(gluster_cli, "run", run)
    monkeypatch.setattr(gluster_cli, "glusterd_identity", lambda config: ("one glusterd",))
    for name in ("__context__", "__opts__", "__pillar__"):
        monkeypatch.setattr(module, name, {}, raising=False)


class FakeClock:
    """``monotonic`` and ``sleep`` for the waits under test: sleeping moves the clock on and
    nothing waits. ``sleeps`` lists each sleep (rounded to ``places`` when given); past
    ``limit`` sleeps the test fails, a wait that would never end."""

    def __init__(self, now=1000.0, limit=None, places=None):
        self.now, self.sleeps, self.limit, self.places = now, [], limit, places

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds if self.places is None else round(seconds, self.places))
        if self.limit is not None and len(self.sleeps) > self.limit:
            raise AssertionError(f"still waiting after {self.limit} sleeps")
        self.now += seconds

    def time_module(self):
        """A stand-in for a module's ``time`` (``monotonic`` and ``sleep``)."""
        return SimpleNamespace(monotonic=self.monotonic, sleep=self.sleep)
