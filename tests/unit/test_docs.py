"""The reference (docs/, Sphinx with autodoc) builds from the docstrings with warnings as errors,
places every public function of the execution module on an area page and refuses a public
function without a docstring (docs/conf.py)."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def _build(source, out):
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html", str(source), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )


def test_the_reference_builds_without_a_warning(tmp_path):
    proc = _build(ROOT / "docs", tmp_path / "html")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    volumes = (tmp_path / "html" / "ref" / "execution" / "volumes.html").read_text()
    assert 'id="saltext_gluster._modules.gluster.volume_set"' in volumes
    states = (tmp_path / "html" / "ref" / "states.html").read_text()
    assert 'id="saltext_gluster._states.gluster.volume_present"' in states


def _conf():
    spec = importlib.util.spec_from_file_location("docs_conf", ROOT / "docs" / "conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    return conf


class _App:
    def __init__(self, srcdir):
        self.srcdir = str(srcdir)


def test_a_function_no_area_places_fails_the_build(tmp_path):
    conf = _conf()
    conf.AREAS = tuple(
        (page, title, what, [n for n in names if n != "volume_set"])
        for page, title, what, names in conf.AREAS
    )
    try:
        conf.generate(_App(tmp_path))
    except RuntimeError as exc:
        assert "not placed ['volume_set']" in str(exc)
    else:
        raise AssertionError("volume_set placed nowhere and the build went on")


def test_a_public_function_without_a_docstring_fails_the_build(tmp_path):
    conf = _conf()
    module = importlib.import_module("saltext_gluster._modules.gluster")
    saved = module.volume_set.__doc__
    module.volume_set.__doc__ = None
    try:
        conf.generate(_App(tmp_path))
    except RuntimeError as exc:
        assert "_modules.gluster.volume_set" in str(exc)
    else:
        raise AssertionError("a function without a docstring and the build went on")
    finally:
        module.volume_set.__doc__ = saved
    assert os.path.isdir(ROOT / "docs")
