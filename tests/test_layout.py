"""The layering of the code, read from every import (function bodies included), and the package
list that installs it."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# package -> the NerveCenter packages it may import (besides itself). Arrows point down only.
ALLOWED = {
    "core": set(),
    "rules": {"core"},
    "plugins": {"__init__", "core", "rules"},  # built-ins import what third parties import
    "store": {"core"},
    "data": {"core", "rules", "store"},
    "alerts": {"core", "rules", "store"},
    "service": {"core", "rules", "store", "data", "alerts"},
    "web": {"core", "rules", "store", "data", "alerts", "service"},
    "commands": {"core", "rules", "store", "data", "alerts", "service", "web"},
    "cli": {"core", "commands"},
    "__main__": {"cli"},
    "__init__": {"core", "rules", "service"},
}


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for nervecenter/ and the top-level plugins/ it installs."""
    found = {}
    for base, prefix in ((ROOT / "nervecenter", "nervecenter"), (ROOT / "plugins",
                                                                  "nervecenter.plugins")):
        for path in base.rglob("*.py"):
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join([prefix, *parts])] = path
    return found


def _imports(name: str, path: Path) -> set[str]:
    """Every nervecenter module `name` imports, wherever the import statement is."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            out.add(base)
            out |= {f"{base}.{a.name}" for a in node.names}
    return {m for m in out if m == "nervecenter" or m.startswith("nervecenter.")}


def _area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        # `from nervecenter.core import errors` names a module; `... import NerveCenterError`
        # a name in one: keep whichever is a module
        graph[name] = {m if m in modules else m.rsplit(".", 1)[0] for m in _imports(name, path)}
        graph[name] = {m for m in graph[name] if m in modules and m != name}
    return graph


def test_every_import_points_down():
    wrong = []
    for name, deps in sorted(_graph().items()):
        area = _area(name)
        for dep in sorted(deps):
            target = _area(dep)
            if target != area and target not in ALLOWED[area]:
                wrong.append(f"{name} imports {dep}")
    assert wrong == []


def test_no_two_modules_import_each_other_even_in_a_circle():
    graph = _graph()
    cycles, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for dep in sorted(graph[node]):
            if state.get(dep) == "open":
                cycles.append(" -> ".join(path[path.index(dep):] + [dep]))
            elif dep not in state:
                visit(dep, path + [dep])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_the_core_stays_small():
    lines = sum(len(p.read_text().splitlines())
                for p in (ROOT / "nervecenter" / "core").rglob("*.py"))
    assert lines <= 2500, f"nervecenter/core has {lines} lines"


def test_every_package_is_installed():
    """pyproject.toml lists its packages by hand (plugins/ and config/example are mapped into
    nervecenter): each folder of Python modules must be in the list."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    packages = {name for name, path in _modules().items() if path.name == "__init__.py"}
    assert packages - listed == set()
    assert "nervecenter.example" in listed


def test_the_public_surface_is_what_the_plugin_guide_imports():
    import re

    import nervecenter

    for name in nervecenter.__all__:
        assert getattr(nervecenter, name) is not None, name
    guide = (ROOT / "docs" / "plugins.md").read_text()
    imported = re.findall(r"^\s*(?:from|import) (nervecenter[\w.]*)", guide, flags=re.MULTILINE)
    assert imported and set(imported) == {"nervecenter"}
    # built-in plugins are written as a third party writes one: from `nervecenter` only (and
    # the one clock, which the file channel stamps its lines with)
    for path in (ROOT / "plugins").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("nervecenter"):
                assert node.module == "nervecenter" or node.module.startswith(
                    "nervecenter.plugins") or (node.module, [a.name for a in node.names]) == (
                    "nervecenter.core", ["clock"]), (path, node.module)
