"""Desktop notifications through the terminal, beyond the bell: OSC 9 and OSC 777.

OSC 9 (``ESC ] 9 ; text BEL``) is read by iTerm2, WezTerm, Windows Terminal, kitty and
ConEmu; OSC 777 (``ESC ] 777 ; notify ; title ; body BEL``) by foot, Ghostty, urxvt and
VTE terminals.  Inside tmux a sequence reaches the outer terminal only wrapped in tmux's
passthrough (``ESC P tmux; ... ESC \\``, every ESC inside doubled), and only where
``set -g allow-passthrough on`` (tmux 3.3 and newer); elsewhere tmux drops it silently.

The console's name and the incident's title are text an attacker may have typed: they
are made printable (``sanitize.clean``, so no control character or escape survives), and
OSC 777's field separator ``;`` is replaced in them, so a title cannot add fields.
No Textual here.
"""

from __future__ import annotations

from typing import Literal, Mapping

from .sanitize import clean

NotifyKind = Literal["osc9", "osc777"]
KINDS: tuple[str, ...] = ("osc9", "osc777")

ESC = "\x1b"
BEL = "\x07"
# What a notification says at most: desktop notifications show a line or two.
_TEXT_LIMIT = 120


def notification(kind: NotifyKind, console: str, title: str, *, count: int = 1, tmux: bool = False) -> str:
    """The escape sequence that asks the terminal for a desktop notification: ``count`` new
    incidents on ``console``, the newest named by ``title``."""
    heading = _field(f"Roost · {console}")
    newest = _field(title) or "(no title)"
    body = newest if count == 1 else f"{count:,} new: {newest}"
    if kind == "osc9":
        sequence = f"{ESC}]9;{heading}: {body}{BEL}"
    elif kind == "osc777":
        sequence = f"{ESC}]777;notify;{heading};{body}{BEL}"
    else:
        raise ValueError(f"unknown notification kind {kind!r}; expected one of {', '.join(KINDS)}")
    return _through_tmux(sequence) if tmux else sequence


def inside_tmux(environ: Mapping[str, str]) -> bool:
    return bool(environ.get("TMUX"))


def _field(text: str) -> str:
    return clean(text, limit=_TEXT_LIMIT).replace(";", ",")


def _through_tmux(sequence: str) -> str:
    return f"{ESC}Ptmux;{sequence.replace(ESC, ESC + ESC)}{ESC}\\"
