"""The house a newcomer reads: modules one can read in a sitting, functions on one screen, one
name per module, and every package of the checkout in the distribution."""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = [ROOT / "daemon", ROOT / "gmail"]
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def _modules() -> list[Path]:
    return sorted(p for top in PRODUCT for p in top.rglob("*.py"))


def test_no_module_is_longer_than_a_sitting() -> None:
    long = {str(p.relative_to(ROOT)): n for p in _modules()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert long == {}, f"modules over {MAX_MODULE_LINES} lines: split them along meaning"


def test_no_function_is_longer_than_a_screen() -> None:
    long = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({lines})")
    assert long == []


def test_every_module_says_what_it_is_for() -> None:
    silent = [str(p.relative_to(ROOT)) for p in _modules()
              if ast.get_docstring(ast.parse(p.read_text(encoding="utf-8"))) is None]
    assert silent == []


def test_every_package_of_the_checkout_is_in_the_distribution() -> None:
    """A package missing from pyproject.toml would work from this checkout and be absent
    from the wheel a user installs."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {"relance." + ".".join(init.parent.relative_to(ROOT).parts)
             for top in PRODUCT for init in top.rglob("__init__.py")}
    assert found - listed == set()


@pytest.mark.parametrize("top", ["daemon", "gmail", "templates"])
def test_the_product_is_imported_under_one_name_only(top: str) -> None:
    """``relance.daemon.core.model`` and a checkout-relative ``daemon.core.model`` would be two
    modules with two ``Invoice`` classes: nothing may load the checkout's folders by their bare
    names (this runs after the test modules have been collected and imported)."""
    twins = sorted(name for name in sys.modules if name == top or name.startswith(top + "."))
    assert twins == []
