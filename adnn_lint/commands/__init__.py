"""CLI subcommands: one module each, exposing ``add_parser(subparsers)`` and ``run(args) -> int``.

Modules here import only argparse-level code at import time, so ``adnn-lint --help`` and a
one-file check stay fast; heavy imports happen inside ``run``.
"""
