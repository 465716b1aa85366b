"""Shared set-up for the unit tests.

The ``_utils`` modules are plain files (no package), loaded by path the same way
``_modules/gluster.py`` loads them, under ``saltext_gluster_utils.<name>`` in ``sys.modules``.
Test files then simply ``import saltext_gluster_utils.gluster_xml as gx`` and so on.
"""

import importlib.util
import os
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
UTILS = ROOT / "_utils"
PACKAGE = "saltext_gluster_utils"


def _load_util(name):
    path = os.path.normpath(str(UTILS / f"{name}.py"))
    module_name = f"{PACKAGE}.{name}"
    module = sys.modules.get(module_name)
    if module is not None and getattr(module, "__file__", None) == path:
        return module
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    setattr(sys.modules[PACKAGE], name, module)
    return module


if PACKAGE not in sys.modules:
    _package = types.ModuleType(PACKAGE)
    _package.__path__ = []  # a namespace-like parent so ``import a.b`` finds the children
    sys.modules[PACKAGE] = _package

gluster_xml = _load_util("gluster_xml")
gluster_validate = _load_util("gluster_validate")
gluster_cli = _load_util("gluster_cli")

