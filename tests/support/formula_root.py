"""A file_roots directory that serves this checkout the formula way, and nothing else.

``file_roots: [<checkout>, <checkout>/salt]`` works, but then Salt's file server lists every
file below the checkout for each highstate (top file and state listing): with a virtualenv in
the checkout (``.venv``, some 13,000 files) a highstate whose pillar fails validation took 84 s
instead of a few. This directory holds only links: ``_modules``, ``_states``, ``_utils``,
``_grains``, ``_beacons``, ``_runners``, ``_output`` (for ``saltutil.sync_all``) and ``gluster``
(the formula).
"""

import os

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LINKS = {
    "_modules": "_modules",
    "_states": "_states",
    "_utils": "_utils",
    "_grains": "_grains",
    "_beacons": "_beacons",
    "_runners": "_runners",
    "_output": "_output",
    "gluster": os.path.join("salt", "gluster"),
}


def formula_root(directory):
    """Make ``directory`` (created if needed) the lean file root; returns its path."""
    os.makedirs(directory, exist_ok=True)
    for name, target in LINKS.items():
        link = os.path.join(directory, name)
        if not os.path.islink(link):
            os.symlink(os.path.join(REPO, target), link)
    return directory
