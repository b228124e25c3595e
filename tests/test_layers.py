"""The layout is the architecture: which layer may import which, and no import circles.

``engine/`` imports nothing of the other layers (every import counts: at module level, inside a
function, or for type checking only), no module under ``checks/`` imports a vendor client
library (``net/`` owns the protocols), and no two modules of ``checker/`` import each other.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "checker"
VENDOR = ("github", "google", "whois", "dns", "requests", "urllib3")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, wherever in the file the import stands."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            # `from checker.net import rdap` imports the module checker.net.rdap
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


MODULES = {_module_name(p): _imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def _within(name: str, layer: str) -> bool:
    return name == layer or name.startswith(f"{layer}.")


def test_engine_imports_no_other_layer() -> None:
    offenders = {
        module: sorted(
            name
            for name in imports
            if any(_within(name, f"checker.{layer}") for layer in ("outputs", "net", "checks"))
        )
        for module, imports in MODULES.items()
        if _within(module, "checker.engine")
    }
    assert {m: names for m, names in offenders.items() if names} == {}


def test_settings_is_a_leaf() -> None:
    assert not [name for name in MODULES["checker.engine.settings"] if _within(name, "checker")]


def test_checks_import_no_vendor_package() -> None:
    offenders = {
        module: sorted(n for n in imports if any(_within(n, vendor) for vendor in VENDOR))
        for module, imports in MODULES.items()
        if _within(module, "checker.checks")
    }
    assert {m: names for m, names in offenders.items() if names} == {}


def test_no_import_circle() -> None:
    graph = {
        module: {name for name in imports if name in MODULES and name != module}
        for module, imports in MODULES.items()
    }
    # A package's __init__ is imported on the way to any of its modules: not an edge back.
    circles: list[list[str]] = []

    def visit(module: str, path: list[str], done: set[str]) -> None:
        for name in sorted(graph[module]):
            if name in path:
                circles.append([*path[path.index(name) :], name])
            elif name not in done:
                visit(name, [*path, name], done)
        done.add(module)

    done: set[str] = set()
    for module in sorted(graph):
        if module not in done:
            visit(module, [module], done)
    assert circles == []


def test_the_rules_see_imports() -> None:
    # Guards the guard: a walker that found nothing would pass every test above.
    assert "checker.engine.settings" in MODULES["checker.engine.config"]
    assert "checker.net.rdap" in MODULES["checker.net.rdds"]
    assert "checker.engine.context" in MODULES["checker.engine.registry"]
