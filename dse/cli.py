"""Command-line entry point: ``dse <command> ...``.

Each command lives in ``dse/commands/<name>.py`` and exposes ``register(subparsers)``,
which adds its sub-parser and sets ``func`` to a ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from dse import __version__
from dse.errors import UserError
from memory_models.errors import MemoryModelError
from workloads.layer import WorkloadError

COMMANDS = ("run", "zoo", "inspect", "pe", "mem")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dse", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"dse {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"dse.commands.{name}")
        except ModuleNotFoundError as exc:  # a command whose module is not written yet
            if exc.name != f"dse.commands.{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (UserError, WorkloadError, MemoryModelError) as exc:
        print(f"dse: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("dse: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
