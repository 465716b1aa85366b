"""State module for brick backends: a block device prepared, formatted, mounted and persisted
as a brick filesystem, and brick directories that refuse to exist on an unmounted disk.

.. code-block:: yaml

    /data/glusterfs/gv0:
      gluster_storage.backend_present:
        - device: /dev/sdb
        - partition: gpt
        - filesystem: xfs
        - raid: {stripe_unit: 256k, data_disks: 10}

    /data/glusterfs/gv0/brick:
      gluster_storage.brick_directory:
        - mount: /data/glusterfs/gv0
        - require:
          - gluster_storage: /data/glusterfs/gv0

``changes`` is ``{"operations": [...]}``: the exact commands (argv lists) and file steps, the
same with ``test=True`` as in the real run (except a new filesystem's UUID, unknown until mkfs).
"""

import os

from salt.exceptions import CommandExecutionError
from salt.exceptions import SaltInvocationError

__virtualname__ = "gluster_storage"

ERRORS = (CommandExecutionError, SaltInvocationError)


def __virtual__():
    if "gluster_storage.backend_plan" in __salt__:
        return __virtualname__
    return (False, "the gluster_storage state module needs the gluster_storage execution module")


def _ret(name):
    return {"name": name, "result": True, "changes": {}, "comment": ""}


def backend_present(
    name,
    device,
    partition=None,
    lvm=None,
    filesystem="xfs",
    raid=None,
    mkfs_options=None,
    mount_options=None,
    fstab="/etc/fstab",
    wipe=False,
    selinux=True,
    wipe_brick_data=None,
):
    """
    ``device`` carries the brick filesystem mounted at ``name`` (by UUID, persisted in
    ``fstab``): optionally one GPT partition (``partition: gpt``), optionally LVM (``lvm``:
    ``vg``, ``lv``, ``size``; with ``thin_pool`` a thin pool and a thin LV), then XFS (inode
    size 512, RAID stripe unit/width from ``raid``) or ext4, mounted with ``mount_options``
    (default noatime, plus inode64 for XFS), labelled ``glusterd_brick_t`` where SELinux is
    enforcing.

    A device that carries a partition table, a filesystem or LVM metadata that was not made for
    this mount point is refused unless ``wipe`` is true; a device mounted anywhere else is
    always refused. A filesystem of the wanted type that is mounted at ``name`` or recorded for
    it in ``fstab`` is this backend's own and is kept as it is.

    ``wipe`` never destroys GlusterFS brick data: a filesystem the plan would format or wipe is
    looked into read-only first, and one that holds a directory with
    ``trusted.glusterfs.volume-id`` or a ``.glusterfs`` tree in its top levels (or that cannot be
    looked into) is refused unless ``wipe_brick_data`` is its filesystem UUID (blkid's). The
    new filesystem gets another UUID, so that override can never match again; one that names a
    filesystem the device does not hold refuses the run.
    """
    ret = _ret(name)
    spec = {
        "partition": partition, "lvm": lvm, "filesystem": filesystem, "raid": raid,
        "mkfs_options": mkfs_options, "mount_options": mount_options, "fstab": fstab,
        "wipe": wipe, "selinux": selinux, "wipe_brick_data": wipe_brick_data,
    }  # fmt: skip
    spec = {key: value for key, value in spec.items() if value is not None}
    try:
        plan = __salt__["gluster_storage.backend_plan"](name, device, **spec)
        if plan["problems"]:
            ret["result"] = False
            ret["comment"] = "; ".join(plan["problems"])
            return ret
        if not plan["operations"]:
            ret["comment"] = f"{device} is mounted at {name} as its brick filesystem"
            return ret
        steps = ", ".join(op["op"] for op in plan["operations"])
        if __opts__["test"]:
            ret["result"] = None
            ret["changes"] = {"operations": plan["operations"]}
            ret["comment"] = f"would prepare {device} for {name}: {steps}"
            return ret
        done = __salt__["gluster_storage.backend_apply"](name, device, **spec)
        ret["changes"] = {"operations": done["operations"]}
        steps = ", ".join(op["op"] for op in done["operations"])
        ret["comment"] = (
            f"prepared {device} for {name} ({done['filesystem_device']}, UUID {done['uuid']}): {steps}"
        )
        return ret
    except ERRORS as exc:
        # a step that failed after others: backend_apply names the ones done in its error's info
        done = getattr(exc, "info", None)
        if isinstance(done, dict) and done.get("operations"):
            ret["changes"] = {"operations": done["operations"]}
        ret["result"] = False
        ret["comment"] = str(exc)
        return ret


STALE_MARK_AGE = 60


def _clear_stale_mark(ret, name):
    """An empty brick directory marked by a ``volume create`` that failed on another node (and
    was never retried into existence for STALE_MARK_AGE seconds) loses that mark, so that the
    leader's next create does not fail with "already part of a volume"."""
    try:
        function = "stale_brick_marks" if __opts__["test"] else "clear_stale_brick_marks"
        stale = __salt__[f"gluster_storage.{function}"]([name], min_age=STALE_MARK_AGE)
        if not stale:
            return ret
        ret["changes"] = {"cleared_stale_mark": stale[name]}
        if __opts__["test"]:
            ret["result"] = None
            ret["comment"] = f"would clear the stale volume mark {stale[name]} of brick {name}"
            return ret
        ret["comment"] = (
            f"cleared the volume mark {stale[name]} left on brick {name} by a failed volume create"
        )
    except (*ERRORS, OSError) as exc:  # glusterd not answering: leave the mark, say why
        ret["comment"] += f" (stale volume mark not checked: {exc})"
    return ret


def brick_directory(name, mount=None):
    """
    The brick directory ``name`` exists. With ``mount`` (the brick filesystem's mount point,
    a parent of ``name``) it is made only while that filesystem is mounted: a missing disk must
    never let a brick grow on the filesystem below it.

    An empty brick directory that still carries the volume mark of a ``volume create`` that
    failed on another node (a volume that does not exist, marked over a minute ago) loses that
    mark, so the leader's next create can use it.
    """
    ret = _ret(name)
    check = __salt__["gluster_storage.brick_directory_check"](name, mount)
    below = mount is not None and name.startswith(mount + "/")  # the check's own rule
    if __opts__["test"] and check.get("mounted") is False and len(check["problems"]) == 1 and below:
        # the formula requires gluster_storage.backend_present of that filesystem first: in test
        # mode it only said it would mount it (had it failed, this state would not run)
        ret["result"] = None
        ret["changes"] = {"created": name}
        ret["comment"] = f"would create brick directory {name} once {mount} is mounted"
        return ret
    if check["problems"]:
        ret["result"] = False
        ret["comment"] = "; ".join(check["problems"])
        return ret
    if check["exists"]:
        ret["comment"] = f"brick directory {name} exists"
        return _clear_stale_mark(ret, name)
    ret["changes"] = {"created": name}
    if __opts__["test"]:
        ret["result"] = None
        ret["comment"] = f"would create brick directory {name}"
        return ret
    try:
        os.makedirs(name, exist_ok=True)
    except OSError as exc:
        ret["changes"] = {}
        ret["result"] = False
        ret["comment"] = f"brick {name}: {exc}"
        return ret
    ret["comment"] = f"created brick directory {name}"
    return ret
