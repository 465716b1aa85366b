"""Sphinx configuration: the reference of every loader module, generated from the docstrings.

Build: ``scripts/docs.sh`` (``sphinx-build -W``: a warning fails the build, as in CI through
``tests/unit/test_docs.py``). The loader folders (``_modules``, ``_states`` ...) are imported
under the package names ``setup.cfg`` installs them as (``saltext_gluster._modules.gluster``),
and the execution module's functions are split into one page per area (``AREAS`` below): a
public function that no area names fails the build, so a new one cannot go undocumented.
"""

import importlib
import inspect
import os
import sys
import types

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
FOLDERS = ("_modules", "_states", "_utils", "_grains", "_beacons", "_runners", "_output")

import saltext_gluster  # noqa: E402  pylint: disable=wrong-import-position

for _folder in FOLDERS:  # the installed package's layout, from the checkout's folders
    _package = types.ModuleType(f"saltext_gluster.{_folder}")
    _package.__path__ = [os.path.join(ROOT, _folder)]
    sys.modules[_package.__name__] = _package
    setattr(saltext_gluster, _folder, _package)

project = "saltext-gluster"
author = "the saltext-gluster maintainers"
copyright = "2026, the saltext-gluster maintainers"  # noqa: A001  pylint: disable=redefined-builtin
release = saltext_gluster.__version__
extensions = ["sphinx.ext.autodoc"]
autodoc_member_order = "bysource"
autodoc_default_options = {"undoc-members": False}
exclude_patterns = ["_build"]
html_theme = "alabaster"
html_static_path = []
nitpicky = False
add_module_names = False  # volume_set(...), not saltext_gluster._modules.gluster.volume_set(...)
# every loader module the pages document: each public function needs a docstring
DOCUMENTED = (
    "_modules.gluster",
    "_modules.gluster_storage",
    "_modules.glusterfs",
    "_states.gluster",
    "_states.gluster_storage",
    "_states.gluster_firewall",
    "_states.glusterfs",
    "_runners.gluster",
    "_grains.gluster",
    "_beacons.gluster",
    "_output.gluster_status",
)

# the execution module ``gluster`` by area: (page, title, what it covers, its functions)
AREAS = (
    ("pool", "Pool and peers", "The trusted pool, its peers and op-version; waits for peers and runs.",
     """version op_version op_version_set peer_status pool_list peer_find peer_probe peer_detach
        peer_wait is_this_node state_runs_wait"""),
    ("volumes", "Volumes and options", "Volumes, their options and tuning profiles; the run's read cache.",
     """volume_list volume_info volume_exists volume_status volume_get volume_create volume_start
        volume_stop volume_delete volume_set volume_reset volume_options_plan profiles profile_options
        read_xml clear_cache call_stats"""),
    ("model", "Pillar model and layouts", "What the pillar means for each minion, and where bricks go.",
     "cluster_model brick_layout volume_layout_differences"),
    ("day2", "Day 2: reshape, rebalance, heal", "Grow, shrink, replace; rebalance and self-heal.",
     """volume_reshape_plan reshape_refusals volumes_healthy volume_add_brick volume_remove_brick
        volume_replace_brick volume_reset_brick volume_rebalance volume_tasks migration_failures
        volume_heal heal_info heal_summary heal_split_brain split_brain_resolve"""),
    ("health", "Health, clients and events",
     "Health checks, the cluster report, client mounts and the reactor's brick restart.",
     "health cluster_report mount_connections brick_event_target brick_restart"),
    ("quota", "Quotas", "Directory quotas.",
     "quota_enabled quota_enable quota_list quota_plan quota_limit quota_remove"),
    ("snapshots", "Snapshots", "Snapshots, their settings, rotation and schedules.",
     """snapshot_config snapshot_config_plan snapshot_config_set snapshot_list snapshot_count
        snapshot_create snapshot_delete snapshot_activate snapshot_deactivate snapshot_restore
        snapshot_clone snapshot_info snapshot_rotation snapshot_rotate snapshot_schedule_jobs"""),
    ("georep", "Geo-replication", "Sessions, their configuration and keys.",
     """georep_status georep_session georep_create georep_config georep_config_set georep_start
        georep_stop georep_pause georep_resume georep_delete georep_secret_create georep_public_keys"""),
)  # fmt: skip
AREAS = tuple((page, title, what, names.split()) for page, title, what, names in AREAS)


def public_functions(module):
    """The functions Salt's loader offers from ``module``: defined there, not starting with ``_``."""
    return [
        name
        for name, value in vars(module).items()
        if inspect.isfunction(value) and not name.startswith("_") and value.__module__ == module.__name__
    ]


def _write(path, text):
    """Write only when it changed: Sphinx rebuilds what is newer."""
    if not os.path.exists(path) or open(path, encoding="utf-8").read() != text:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)


def _title(text, mark="="):
    return f"{text}\n{mark * len(text)}\n"


def generate(app):  # pylint: disable=unused-argument
    """The execution module's area pages, from ``AREAS``; refuses a public function no area names,
    an area naming a function that does not exist, and a public function without a docstring."""
    modules = {name: importlib.import_module(f"saltext_gluster.{name}") for name in DOCUMENTED}
    bare = [
        f"{name}.{function}"
        for name, documented in modules.items()
        for function in public_functions(documented)
        if not (getattr(documented, function).__doc__ or "").strip()
    ]
    if bare:
        raise RuntimeError(f"public functions without a docstring: {bare}")
    public = public_functions(modules["_modules.gluster"])
    placed = [name for _page, _title_, _what, names in AREAS for name in names]
    missing = sorted(set(public) - set(placed))
    unknown = sorted(set(placed) - set(public))
    twice = sorted({name for name in placed if placed.count(name) > 1})
    if missing or unknown or twice:
        raise RuntimeError(
            f"docs/conf.py AREAS: not placed {missing}, not functions {unknown}, twice {twice}"
        )
    out = os.path.join(app.srcdir, "ref", "execution")
    os.makedirs(out, exist_ok=True)
    for page, title, what, names in AREAS:
        _write(
            os.path.join(out, f"{page}.rst"),
            f".. generated by docs/conf.py from AREAS: edit there\n\n{_title(title)}\n{what}\n\n"
            f".. currentmodule:: saltext_gluster._modules.gluster\n\n"
            + "".join(f".. autofunction:: {name}\n" for name in names),
        )


def setup(app):
    app.connect("builder-inited", generate)
