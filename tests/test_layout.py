"""The house rules of the code's layout: the core imports without Rasa, and each package keeps to its floor."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from netfaq.core.paths import CODE_ROOT

PACKAGES = ("core", "nlu", "review", "tools")
# What each package may import from the others (a package always imports itself).
MAY_IMPORT = {
    "core": set(),
    "nlu": {"core"},
    "review": {"core"},
    "tools": {"core", "nlu", "review"},
}


def modules(package: str) -> list[Path]:
    return sorted((CODE_ROOT / "netfaq" / package).glob("*.py"))


def netfaq_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("netfaq."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("netfaq."))
    return found


def test_the_core_imports_with_rasa_blocked():
    names = [f"netfaq.core.{path.stem}" for path in modules("core") if path.stem != "__init__"]
    script = (
        "import sys\n"
        "class Blocked:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('rasa', 'rasa_sdk', 'tensorflow'):\n"
        "            raise ImportError(f'{name} is blocked: the core must not import it')\n"
        "sys.meta_path.insert(0, Blocked())\n"
        f"for name in {names!r}:\n"
        "    __import__(name)\n"
        "print(len([m for m in sys.modules if m.startswith('netfaq.core.')]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=CODE_ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.strip()) >= len(names) > 10


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_imports_only_the_floors_below(package):
    wrong = {
        f"{path.relative_to(CODE_ROOT)} imports netfaq.{other}"
        for path in modules(package)
        for other in netfaq_imports(path) - MAY_IMPORT[package] - {package}
    }
    assert wrong == set()


def test_no_module_is_left_loose_in_netfaq():
    loose = {path.name for path in (CODE_ROOT / "netfaq").glob("*.py")} - {"__init__.py", "__main__.py"}
    assert loose == set()
