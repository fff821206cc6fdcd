"""The layering of SPEC.md: treatments ← clients ← scheduling ← spa. Imports only point down."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["treatments", "clients", "scheduling"]
# What each package may import among ours. spa.lib is the floor; the rest of spa is the roof.
ALLOWED = {
    "spa.lib": {"spa.lib"},  # the floor: its modules may use each other, never an app
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


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_graph() -> dict[str, set[str]]:
    """Our modules → the modules of ours they import (at the top or inside a function)."""
    paths = [p for package in ("treatments", "clients", "scheduling", "spa") for p in _sources(package)]
    modules = {_module_name(p): p for p in paths}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets.add(node.module)
                # `from scheduling import outbox` imports the module scheduling.outbox.
                targets.update(f"{node.module}.{alias.name}" for alias in node.names)
        graph[name] = {t for t in targets if t in modules and t != name and not name.startswith(f"{t}.")}
    return graph


def test_no_module_imports_itself_in_a_circle():
    graph = _module_graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    circles = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if target.endswith("__init__") or graph.get(target) is None:
                continue
            if state.get(target) == 1:
                circles.append(" → ".join([*path[path.index(target) :], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not circles, "Import circles:\n" + "\n".join(circles)


MAX_POSITIONAL = 5


def test_no_function_takes_more_than_five_positional_parameters():
    """pyproject allows ten arguments because services take them keyword-only; positional ones
    stay at five (ruff's PLR0917, still a preview rule). ``self`` and ``cls`` are not counted."""
    wrong = []
    for package in ["spa", "treatments", "clients", "scheduling", "bench"]:
        for path in _sources(package):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    names = [a.arg for a in (*node.args.posonlyargs, *node.args.args) if a.arg not in ("self", "cls")]
                    if len(names) > MAX_POSITIONAL:
                        wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}({', '.join(names)})")
    assert not wrong, "Make these parameters keyword-only (after `*`):\n" + "\n".join(wrong)


ROOMS = ["resources", "booking", "plans", "care", "notifications"]


def _runtime_imports(path: Path) -> set[str]:
    """Our modules imported by ``path``, leaving out ``if TYPE_CHECKING:`` blocks (annotations only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            node.body = []
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_availability_engine_imports_no_other_room():
    """``scheduling.resources`` is the floor of scheduling's rooms: booking rules, plans, care and
    the outbox build on it, never the other way round (docs/architecture.md)."""
    wrong = []
    for path in _sources("scheduling.resources"):
        for module in _runtime_imports(path):
            room = module.split(".")[1] if module.startswith("scheduling.") and module.count(".") >= 1 else None
            if room in ROOMS and room != "resources":
                wrong.append(f"{path.relative_to(ROOT)} imports {module}")
    assert not wrong, "\n".join(wrong)


MAX_MODULE_LINES = 500


def test_no_module_is_longer_than_about_500_lines():
    long = []
    for package in ["spa", "treatments", "clients", "scheduling"]:
        for path in _sources(package):
            lines = path.read_text(encoding="utf-8").count("\n")
            if lines > MAX_MODULE_LINES:
                long.append(f"{path.relative_to(ROOT)}: {lines} lines")
    assert not long, "Split these modules:\n" + "\n".join(long)


MAX_FUNCTION_LINES = 60


def _body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from ``def`` to the end, less the docstring (what the function says it does is free)."""
    lines = node.end_lineno - node.lineno + 1
    first = node.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        lines -= first.end_lineno - first.lineno + 1
    return lines


def test_no_function_is_longer_than_about_60_lines():
    long = []
    for package in ["spa", "treatments", "clients", "scheduling"]:
        for path in _sources(package):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _body_lines(node) > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {_body_lines(node)} lines")
    assert not long, "Split these functions:\n" + "\n".join(long)
