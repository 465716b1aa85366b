"""ruff, as CI runs it: ``ruff check`` (pyproject.toml: pyflakes with Salt's loader globals as
builtins, pycodestyle within 110 characters, bugbear, no shell) and ``ruff format --check``
over the whole checkout (its .gitignore'd virtualenv and build trees left out)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def _ruff(*args):
    return subprocess.run([sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)  # fmt: skip


def test_ruff_check_is_clean():
    proc = _ruff("check", "--output-format", "concise", ".")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_the_code_is_formatted():
    proc = _ruff("format", "--check", ".")
    assert proc.returncode == 0, "run: .venv/bin/ruff format .\n" + proc.stdout[-4000:] + proc.stderr[-2000:]


def test_an_undefined_name_in_a_loader_module_is_caught(tmp_path):
    """The loader folders no longer switch F821 off: only Salt's own globals are known names."""
    module = tmp_path / "_modules" / "probe.py"
    module.parent.mkdir()
    module.write_text("def f():\n    return __salt__, __opts__, __sallt__\n")
    config = str(ROOT / "pyproject.toml")
    proc = _ruff("check", "--config", config, "--select", "F821", "--output-format", "concise", str(module))
    assert proc.returncode == 1, proc.stdout
    assert "__sallt__" in proc.stdout, proc.stdout
    assert "`__salt__`" not in proc.stdout and "`__opts__`" not in proc.stdout, proc.stdout
