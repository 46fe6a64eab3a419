"""The ``adnn-lint`` command line: ruff conventions, subcommands as plug-in modules.

``adnn-lint [check] PATH...``: no subcommand means ``check``, no path means ``.``. Each
subcommand lives in ``adnn_lint.commands.<name>`` (``add_parser``/``run``; ``rule`` in
``commands.explain``); a module that does
not exist (yet) is simply not offered. Only the module that is asked for is imported, so a
one-file check does not pay for the others' imports.

Exit codes: 0 clean, 1 findings, 2 usage or internal error (the message says which).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import NoReturn

from adnn_lint import __version__

SUBCOMMANDS = ("check", "rule", "rules", "layers", "spec", "verify", "report", "catalog")
#: Commands whose module has another name (``rule`` beside ``rules`` would read as a typo).
_MODULE_OF = {"rule": "explain"}
EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class Parser(argparse.ArgumentParser):
    """argparse, with usage errors labelled as such and exiting 2."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"{self.prog}: usage error: {message}\n")


def _available(name: str) -> bool:
    try:
        _load(name)
    except ModuleNotFoundError as err:
        if err.name == _module_path(name):
            return False
        raise  # the command exists but needs something missing: say so, do not hide it
    return True


def _module_path(name: str) -> str:
    return f"adnn_lint.commands.{_MODULE_OF.get(name, name)}"


def _load(name: str) -> ModuleType:
    return importlib.import_module(_module_path(name))


def build_parser(only: str | None = None) -> Parser:
    parser = Parser(
        prog="adnn-lint",
        description=(
            "Lint Keras models for risky weight initialization; extract and verify their "
            "accuracy contract. Without a subcommand, runs `check`."
        ),
    )
    parser.add_argument("-V", "--version", action="version", version=f"adnn-lint {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name in SUBCOMMANDS if only is None else (only,):
        try:
            module = _load(name)
        except ModuleNotFoundError as err:
            if err.name == _module_path(name):
                continue  # not written (or not installed): not offered
            if only is not None:
                raise
            # One broken command must not take `adnn-lint --help` down with it.
            print(f"adnn-lint: warning: '{name}' is unavailable: {err}", file=sys.stderr)
            continue
        module.add_parser(subparsers)
    return parser


def _normalise(argv: list[str]) -> list[str]:
    """Insert the implicit ``check`` subcommand (ruff: `ruff src/` == `ruff check src/`)."""
    if not argv:
        return ["check"]
    first = argv[0]
    if first in SUBCOMMANDS or first in ("-h", "--help", "-V", "--version"):
        return argv
    return ["check", *argv]


def main(argv: Sequence[str] | None = None) -> int:
    args_list = _normalise(list(sys.argv[1:] if argv is None else argv))
    first = args_list[0]
    if first in ("-V", "--version"):
        print(f"adnn-lint {__version__}")
        return EXIT_CLEAN
    try:
        if first in SUBCOMMANDS and not _available(first):
            print(f"adnn-lint: usage error: no '{first}' command in this install", file=sys.stderr)
            return EXIT_ERROR
        parser = build_parser(first if first in SUBCOMMANDS else None)
    except ModuleNotFoundError as err:
        # The command exists but a dependency does not, typically the `runtime` extra.
        print(
            f"adnn-lint: error: '{first}' needs the missing module {err.name!r} "
            "(for verify: pip install 'adnn-lint[runtime]')",
            file=sys.stderr,
        )
        return EXIT_ERROR
    args = parser.parse_args(args_list)
    if args.command is None:
        parser.print_help()
        return EXIT_CLEAN
    try:
        code: int = _load(args.command).run(args)
    except KeyboardInterrupt:
        print("adnn-lint: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_CLEAN  # `adnn-lint ... | head`: the reader left, nothing went wrong
    except Exception as err:  # the CLI boundary turns any crash into exit 2
        import traceback

        traceback.print_exc()
        print(f"adnn-lint: internal error: {type(err).__name__}: {err}", file=sys.stderr)
        return EXIT_ERROR
    return code
