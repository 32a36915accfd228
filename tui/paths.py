"""Where the stylesheets are (inside an installed wheel, or at the top of a source tree), and
paths as a person reads them."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
STYLESHEETS = ("roost.tcss",)


def styles_dir() -> Path:
    installed = _PACKAGE / "styles"  # the wheel carries styles/ inside the package
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / "styles"


def stylesheet_paths() -> list[Path]:
    return [styles_dir() / name for name in STYLESHEETS]


def display_path(path: Path | str) -> str:
    """``path`` with the home directory shown as ``~``, as a shell user writes it."""
    path = Path(path)
    try:
        return f"~/{path.relative_to(Path.home())}"
    except ValueError:  # not under home (or no home at all)
        return str(path)
