"""Salt's loaders for a minion bound to one node of a test's own cluster."""

import contextlib
import copy

from formula_root import formula_root
from saltfactories.utils.functional import Loaders


@contextlib.contextmanager
def node_loaders(minion_opts, minion_id, node, where, name):
    """Loaders for minion ``minion_id`` bound to ``node``'s glusterd, with the formula in
    ``where``/formula (``loaded_base_name`` ``name``); their state reset afterwards."""
    opts = copy.deepcopy(minion_opts)
    opts["id"] = minion_id
    opts["gluster"] = dict(opts["gluster"], socket=node.socket)
    opts["file_roots"] = {"base": [formula_root(str(where / "formula"))]}
    loaders = Loaders(opts, loaded_base_name=name)
    try:
        yield loaders
    finally:
        loaders.reset_state()
