#!/usr/bin/env python3
"""Run a command with a /tmp of its own (inside ``unshare --mount``), keeping one directory of
the real /tmp visible at its usual path.

    unshare --mount --propagation private -- python3 private_tmp.py NODE_TMP KEEP [SRC=DST ...] -- CMD...

Several glusterd on one machine share /tmp, where glusterd writes fixed names such as
``/tmp/<volume>.tcp-fuse.vol`` (and a temporary mount) while it commits an ``add-brick`` that
raises the replica count: two nodes of a test cluster then race on the same file and the commit
fails on one of them. On real hosts every glusterd has its own /tmp; this gives each test node
the same. ``KEEP`` (the test cluster's directory, with the bricks) stays visible.

Each ``SRC=DST`` is bind-mounted first (in this namespace only): a node's own TLS files over
the fixed path gluster reads them from (``/usr/lib/ssl`` on Debian), for example. With ``-`` as
NODE_TMP (and KEEP), /tmp stays the host's: only the binds are made.
"""

import os
import subprocess
import sys


def main(argv):
    split = argv.index("--")
    node_tmp, keep, *binds = argv[:split]
    command = argv[split + 1 :]
    for bind in binds:
        source, _, target = bind.partition("=")
        subprocess.run(["mount", "--bind", source, target], check=True)
    if node_tmp == "-":
        os.execvp(command[0], command)
    node_tmp, keep = os.path.abspath(node_tmp), os.path.abspath(keep)
    os.makedirs(node_tmp, exist_ok=True)
    if os.path.commonpath([keep, "/tmp"]) == "/tmp":
        inside = os.path.join(node_tmp, os.path.relpath(keep, "/tmp"))
        os.makedirs(inside, exist_ok=True)
        subprocess.run(["mount", "--bind", keep, inside], check=True)
    subprocess.run(["mount", "--rbind", node_tmp, "/tmp"], check=True)
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv[1:])
