"""saltext-gluster: GlusterFS support for Salt 3007/3008.

The Salt loader finds this project's modules through the ``salt.loader`` entry point declared in
``setup.cfg``, which calls :func:`loader_dirs`. The loader directories are the repository's own
``_modules``, ``_states`` ... folders, shipped inside this package by ``setup.cfg``; the same
folders serve the formula way of installing (``file_roots`` plus ``saltutil.sync_all``).
"""

import importlib.util
import os

__version__ = "0.1.0"

# Salt loader kind -> folder of this package
_LOADER_FOLDERS = {
    "modules": "_modules",
    "states": "_states",
    "grains": "_grains",
    "beacons": "_beacons",
    "runners": "_runners",
    "output": "_output",
}


def _folder(folder):
    spec = importlib.util.find_spec(f"{__name__}.{folder}")
    if spec is not None and spec.submodule_search_locations:
        return list(spec.submodule_search_locations)[0]
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), folder)


def loader_dirs():
    """Entry point for Salt's loader: ``{kind: [directory]}``."""
    return {kind: [_folder(folder)] for kind, folder in _LOADER_FOLDERS.items()}
