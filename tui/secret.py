"""A wrapper that keeps the API token out of reprs, logs and tracebacks."""

from __future__ import annotations

#: What a redacted secret is replaced with.
MASK = "********"

#: Secrets shorter than this are not blanked inside what a console sends: a token of a
#: few characters (the emulator's ``t``) cannot be told from ordinary text, so blanking
#: it would rewrite the data, and protects nothing a guess would not find.  A real
#: Canary API token is 32 characters.
MIN_REDACTED_IN_DATA = 8


class Secret:
    """Holds a secret string; only ``reveal()`` gives it back.

    ``str``/``repr``/``format`` all print a placeholder, so a Secret that ends up
    in an f-string, a log record or a traceback's locals shows nothing.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self):  # never pickle a token into a cache or a crash dump
        raise TypeError("Secret cannot be pickled")


def redact(text: str, *secrets: "Secret | str | None") -> str:
    """``text`` with every occurrence of each secret replaced by ********."""
    for secret in secrets:
        value = secret.reveal() if isinstance(secret, Secret) else secret
        if value:
            text = text.replace(value, MASK)
    return text


def redactable_in_data(secret: Secret) -> Secret | None:
    """``secret`` if it is long enough to be blanked in data without damaging it, else None."""
    return secret if len(secret.reveal()) >= MIN_REDACTED_IN_DATA else None
