"""The errors a user of dse can cause, and their one-line messages.

``DseError`` is the one base class: every error caused by input (a spec, a file, a model, an option)
is one, or is wrapped into one where it crosses the public API (``boundary``): the model packages'
own ``workloads.layer.WorkloadError`` and ``memory_models.errors.MemoryModelError`` (those packages
never import dse), OS and encoding errors. The CLI prints ``user_message`` and exits 2.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class DseError(Exception):
    """Bad input to dse (spec, file, model, option): the message names what and where, and what is expected."""


class UserError(DseError):
    """Bad input from the user (spec, file, option): the message names what and where, and what is expected."""


# What CPython's path conversion (PyUnicode_FSConverter) raises for a path holding a NUL byte.
NUL_PATH_MESSAGES = frozenset({"embedded null byte", "embedded null character"})
# One error line is capped at this many characters (values in messages are already shortened).
MAX_MESSAGE_CHARS = 600


def user_message(exc: BaseException) -> str | None:
    """The one-line message for an exception the user caused (bad input, OS or network), else None.

    OS errors name their file (``filename``, and ``filename2`` for renames); a Dask scheduler that
    cannot be reached raises ``OSError`` naming its address (``dse.sweep`` bounds the wait).
    """
    from memory_models.errors import MemoryModelError
    from workloads.layer import WorkloadError

    if isinstance(exc, DseError | WorkloadError | MemoryModelError):
        text = str(exc)
    elif isinstance(exc, OSError):
        reason = exc.strerror or str(exc) or type(exc).__name__
        files = [str(f) for f in (exc.filename, exc.filename2) if f is not None]
        text = f"{' -> '.join(files)}: {reason}" if files else reason
    elif isinstance(exc, UnicodeError):
        text = f"text encoding: {exc}"
    elif isinstance(exc, ValueError) and str(exc) in NUL_PATH_MESSAGES:
        text = "a file path contains a NUL byte (from the command line or the spec)"
    else:
        return None
    text = " ".join(text.split()) or type(exc).__name__
    return text if len(text) <= MAX_MESSAGE_CHARS else text[: MAX_MESSAGE_CHARS - 3] + "..."


@contextmanager
def boundary() -> Iterator[None]:
    """Re-raise every user-caused error inside as a ``DseError`` (one-line message, the original as
    ``__cause__``); bugs keep their own type and traceback."""
    try:
        yield
    except DseError:
        raise
    except Exception as exc:  # noqa: BLE001 -- only user-caused classes are wrapped, the rest re-raised
        message = user_message(exc)
        if message is None:
            raise
        raise UserError(message) from exc
