"""The house's shape, checked over the import graph (DESIGN.md "Architecture").

- ``guestpages`` and ``crew`` never import ``bookings`` or ``intake`` at run time (type-checking
  imports are fine: they never execute), and never import each other;
- no modules of one app import each other in a loop — counting imports inside functions too, since
  a loop hidden in a function is still a loop a reader has to untangle. One edge is left out: a
  service that hands work to its own app's Celery task (``from crew.tasks import …`` inside the
  function that enqueues on commit) — the task module calls back into that service by design.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("jada", "bookings", "guestpages", "crew", "intake")


def _modules(app: str) -> dict[str, Path]:
    found = {}
    for path in (ROOT / app).rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if "tests" in parts or "migrations" in parts:
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _runtime_imports(path: Path, *, enqueues: bool = True) -> set[str]:
    """Every module a file imports when it runs (``if TYPE_CHECKING:`` blocks left out; with
    ``enqueues=False`` also the in-function imports of an app's ``tasks`` module)."""
    tree = ast.parse(path.read_text())
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for stmt in node.body for child in ast.walk(stmt))
        if not enqueues and isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for child in ast.walk(node):
                if isinstance(child, ast.ImportFrom) and (child.module or "").endswith(".tasks"):
                    skipped.add(id(child))
                if (
                    isinstance(child, ast.ImportFrom)
                    and child.module in APPS
                    and any(a.name == "tasks" for a in child.names)
                ):
                    skipped.add(id(child))
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("app", ["guestpages", "crew"])
def test_adapters_never_import_the_booking_flow_intake_or_each_other(app: str) -> None:
    forbidden = {"bookings", "intake", "crew" if app == "guestpages" else "guestpages"}
    offenders = sorted(
        f"{name} imports {imported}"
        for name, path in _modules(app).items()
        for imported in _runtime_imports(path)
        if imported.split(".")[0] in forbidden
    )
    assert offenders == []


@pytest.mark.parametrize("app", [a for a in APPS if (ROOT / a).is_dir()])
def test_no_import_loops_inside_an_app(app: str) -> None:
    modules = _modules(app)
    graph = {
        name: {m for m in _runtime_imports(path, enqueues=False) if m in modules and m != name}
        for name, path in modules.items()
    }
    loops = []
    for start in graph:
        stack, seen = [(start, [start])], set()
        while stack:
            node, trail = stack.pop()
            for nxt in graph[node]:
                if nxt == start:
                    loops.append(" → ".join([*trail, start]))
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*trail, nxt]))
    assert loops == []


def test_the_checker_sees_a_loop_and_a_forbidden_import(tmp_path: Path) -> None:
    # The two rules above would pass vacuously if the parser missed imports: prove it finds them.
    (tmp_path / "a.py").write_text("def f():\n    from bookings.flow import x\n")
    (tmp_path / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from bookings import y\n")
    assert "bookings.flow" in _runtime_imports(tmp_path / "a.py")
    assert not any(m.startswith("bookings") for m in _runtime_imports(tmp_path / "b.py"))
