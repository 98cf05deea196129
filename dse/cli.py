"""Command-line entry point: ``dse <command> ...``.

Each command lives in ``dse/commands/<name>.py`` and exposes ``register(subparsers)``,
which adds its sub-parser and sets ``func`` to a ``run(args) -> int``.

Start-up is kept short (``dse --help`` well under a second): only the chosen command's module is
imported; the others appear in the command list with the first line of their docstring, read
from the source without importing it (numpy, pandas, numba, matplotlib, dask and onnx load only
when a command needs them).
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.util
import os
import sys
import warnings
from pathlib import Path

from dse import __version__
from dse.errors import MAX_MESSAGE_CHARS, NUL_PATH_MESSAGES, user_message  # noqa: F401  (the CLI boundary's)

COMMANDS = ("run", "report", "zoo", "inspect", "pe", "mem", "sensitivity", "quantize", "mixed_precision", "explain")


def _summary(name: str) -> str | None:
    """First line of a command module's docstring, without importing the module (None: no module)."""
    found = importlib.util.find_spec(f"dse.commands.{name}")
    if found is None or not found.origin:
        return None
    doc = ast.get_docstring(ast.parse(Path(found.origin).read_text(encoding="utf-8"))) or ""
    first = doc.strip().splitlines()[0] if doc.strip() else name
    return first.split(": ", 1)[1].rstrip(".") if first.startswith("``") and ": " in first else first


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The parser; with ``argv``, only the command it names is imported (the others are listed)."""
    parser = argparse.ArgumentParser(prog="dse", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"dse {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    chosen = next((a for a in argv if not a.startswith("-")), None) if argv is not None else None
    for name in COMMANDS:
        word = name.replace("_", "-")  # the command as typed (module mixed_precision: dse mixed-precision)
        if argv is not None and word != chosen:
            summary = _summary(name)
            if summary is not None:
                sub.add_parser(word, help=summary, add_help=False)
            continue
        try:
            module = importlib.import_module(f"dse.commands.{name}")
        except ModuleNotFoundError as exc:  # a command whose module is not written yet
            if exc.name != f"dse.commands.{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command. The one error boundary: every user-caused failure is one line, exit 2."""
    formatwarning = warnings.formatwarning
    warnings.formatwarning = _one_line_warning  # the format only: recorders (pytest.warns) still record
    try:
        return _main(argv)
    finally:
        warnings.formatwarning = formatwarning


def _main(argv: list[str] | None) -> int:
    parser = build_parser(sys.argv[1:] if argv is None else list(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe surfaces here, inside the boundary, not at interpreter exit
        if argv is None and getattr(args, "exit_at_once", False):
            # This process is the command (not a caller's function): once a command that declares it
            # (dse run: every output written, fsynced and closed, the folder's lock released, a Dask
            # cluster closed) is done, the interpreter's teardown of numba, LLVM, pandas and dask
            # (0.7-1.5 s on 2 cores, measured) does nothing anyone waits for.
            sys.stderr.flush()
            os._exit(code)
        return code
    except BrokenPipeError:
        return _reader_gone()
    except KeyboardInterrupt:
        print("dse: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 -- only user-caused classes are caught, the rest re-raised
        message = user_message(exc)
        if message is None:
            raise
        print(f"dse: error: {message}", file=sys.stderr)
        return 2




def _reader_gone() -> int:
    """The reader closed the pipe (``dse inspect ... | head``): stop quietly, as ``head`` expects.

    Python's documented recipe (docs.python.org, signal module, "Note on SIGPIPE"): point stdout at
    devnull so the interpreter's final flush cannot raise again; exit 141 = 128 + SIGPIPE, the
    status a shell reports for a writer stopped by a closed pipe.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 141


def _one_line_warning(message, category, filename, lineno, line=None) -> str:
    """Warnings as ``dse: warning: ...`` on one line (no source line, no file position)."""
    return "dse: warning: " + " ".join(str(message).split()) + "\n"


if __name__ == "__main__":
    sys.exit(main())
