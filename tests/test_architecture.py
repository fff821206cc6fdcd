"""The layering of SPEC.md: treatments ← clients ← scheduling ← spa. Imports only point down."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["treatments", "clients", "scheduling"]
# What each package may import among ours. spa.lib is the floor; the rest of spa is the roof.
ALLOWED = {
    "spa.lib": set(),
    "treatments": {"treatments", "spa.lib"},
    "clients": {"treatments", "clients", "spa.lib"},
    "scheduling": {"treatments", "clients", "scheduling", "spa.lib"},
}
OURS = ("treatments", "clients", "scheduling", "spa")


def _package_of(module: str) -> str | None:
    if module.startswith("spa.lib"):
        return "spa.lib"
    top = module.split(".")[0]
    if top == "spa":
        return "spa"
    return top if top in LAYERS else None


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {name for name in found if name.split(".")[0] in OURS}


def _sources(package: str) -> list[Path]:
    folder = ROOT.joinpath(*package.split("."))
    return [p for p in folder.rglob("*.py") if "migrations" not in p.parts]


@pytest.mark.parametrize("package", list(ALLOWED))
def test_imports_only_point_down_the_layers(package):
    wrong = []
    for path in _sources(package):
        for module in _imports(path):
            target = _package_of(module)
            if target is not None and target not in ALLOWED[package]:
                wrong.append(f"{path.relative_to(ROOT)} imports {module}")
    assert not wrong, "Upward imports:\n" + "\n".join(wrong)
