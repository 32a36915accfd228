"""Unexpected errors: a traceback in a private file, one line on the terminal.

A traceback on the terminal of a shared jump host, or pasted into a ticket,
must not carry the token.  Textual prints one with the locals of every frame;
Roost writes one without locals, with every token it knows redacted, to a
0600 file in the state directory, and tells the user where it is.
"""

from __future__ import annotations

import os
import time
import traceback
from pathlib import Path

from .config import private_dir, state_dir
from .secret import Secret, redact

# Tokens this process has resolved, redacted from every report whoever writes it.
_known_tokens: list[Secret] = []


def keep_out_of_reports(token: Secret) -> None:
    _known_tokens.append(token)


def write_crash_log(error: BaseException, *tokens: Secret) -> Path:
    """Write ``error``'s traceback (no locals; tokens redacted) to a new 0600 file; its path."""
    report = "".join(traceback.format_exception(error))
    environment_token = os.environ.get("CANARY_API_TOKEN", "").strip()
    report = redact(report, *tokens, *_known_tokens, environment_token)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    path = private_dir(state_dir()) / f"crash-{stamp}-{os.getpid()}.log"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as handle:
        handle.write(report)
    return path


def crash_line(error: BaseException, *tokens: Secret) -> str:
    """The one line the user sees; the details go to a file (if even that fails, the line says so)."""
    try:
        path = write_crash_log(error, *tokens)
    except OSError as failure:
        return f"Roost hit an unexpected error ({type(error).__name__}) and could not write the details: {failure.strerror}"
    return f"Roost hit an unexpected error; details in {path}"
