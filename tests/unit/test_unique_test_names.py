"""Two test modules with the same file name in different folders stop pytest's collection of
one of them (rootdir-relative imports, no packages): it happened twice, each time seen only in
CI's full run. This names them in any run of the unit tests."""

from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent


def test_every_test_module_has_a_name_of_its_own():
    where = defaultdict(list)
    for path in TESTS.rglob("test_*.py"):
        where[path.name].append(str(path.relative_to(TESTS)))
    shared = {name: sorted(paths) for name, paths in where.items() if len(paths) > 1}
    assert shared == {}, f"rename one of each: {shared}"
    assert len(where) > 50, "the test modules were found"
