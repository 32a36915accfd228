"""Nothing outside a backend's own package imports from it: the registry chooses one by name."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "tui"
BACKEND_PACKAGES = ("tui.backends.canary", "tui.backends.log360")
# The Canary emulator names incidents from the console's own catalogue of logtypes.
ALLOWED = {("tui.emulator.canary.state", "tui.backends.canary.logtypes")}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, *, is_package: bool) -> set[str]:
    """Every module ``source`` (the text of ``module``) imports, relative imports resolved."""
    here = module.split(".") if is_package else module.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level + 1] if node.level else []
            target = ".".join([*base, node.module] if node.module else base)
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def trespassers(files: dict[str, tuple[str, bool]]) -> list[tuple[str, str]]:
    """(module, backend package) for each module outside a backend that imports from it."""
    found = []
    for module, (source, is_package) in files.items():
        for backend in BACKEND_PACKAGES:
            if module == backend or module.startswith(backend + "."):
                continue
            imported = imported_modules(source, module, is_package=is_package)
            if any(_inside(name, backend) and not _allowed(module, name) for name in imported):
                found.append((module, backend))
    return found


def _inside(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _allowed(module: str, name: str) -> bool:
    return any(module == importer and _inside(name, allowed) for importer, allowed in ALLOWED)


def test_no_module_outside_a_backend_imports_it():
    files = {module_name(path): (path.read_text(encoding="utf-8"), path.name == "__init__.py") for path in PACKAGE.rglob("*.py")}
    assert len(files) > 50
    assert trespassers(files) == []


def test_the_check_catches_a_core_module_a_widget_or_a_screen_that_does():
    files = {
        "tui.sync": ("from .backends.canary import CanaryBackend\n", False),
        "tui.widgets.incident_table": ("import tui.backends.canary\n", False),
        "tui.screens.main": ("from ..backends import canary\n", False),
        "tui.backends.canary.extra": ("from . import CanaryBackend\n", False),
        "tui.emulator.canary.state": ("from ...backends.canary.client import CanaryClient\n", False),
        "tui.emulator.canary.generator": ("from ...backends.canary.logtypes import logtype_name\n", False),
    }
    assert sorted(trespassers(files)) == [
        ("tui.emulator.canary.generator", "tui.backends.canary"),
        ("tui.emulator.canary.state", "tui.backends.canary"),
        ("tui.screens.main", "tui.backends.canary"),
        ("tui.sync", "tui.backends.canary"),
        ("tui.widgets.incident_table", "tui.backends.canary"),
    ]
