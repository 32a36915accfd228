"""Where the stylesheets are: inside an installed wheel, or at the top of a source tree."""

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
