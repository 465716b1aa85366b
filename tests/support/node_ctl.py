#!/usr/bin/env python3
"""Stop or start one test glusterd node (with its bricks and daemons) by its directory.

    node_ctl.py stop|start BASE_DIR INDEX SUBNET

The rolling-maintenance tests put these commands in ``gluster:maintenance`` in place of
``systemctl``: there is no systemd here, and the test nodes run with their own directories.
Only the processes recorded under that node's own run directory are touched (by pid).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cluster import GlusterNode  # noqa: E402


def main(argv):
    action, base_dir, index, subnet = argv
    node = GlusterNode(base_dir, int(index), subnet)
    if action == "stop":
        node.stop()
    elif action == "start":
        node.start()
    else:
        raise SystemExit(f"unknown action {action!r}: use stop or start")
    print(f"{action}: node {node.address} (glusterd pid {node.pid if node.is_running() else '-'})")


if __name__ == "__main__":
    main(sys.argv[1:])
