"""``adnn-lint catalog``: show, re-mine or check the initializer catalog.

``--mine`` regenerates the catalog (``rules/catalog.json``) by introspecting the installed Keras
(needs the ``runtime`` extra); ``--check`` compares the checked-in catalog with a fresh mining
and exits 1 when they differ. Without either, prints a summary of the checked-in catalog.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "catalog",
        help="show, re-mine (--mine) or check (--check) the initializer catalog",
        description="The initializer catalog mined from Keras. --mine and --check import Keras "
        "(runtime extra). Exit 0, 1 when --check finds a difference, 2 when Keras is missing.",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--mine", action="store_true", help="re-mine from the installed Keras")
    mode.add_argument(
        "--check",
        action="store_true",
        help="fail when the catalog differs from the installed Keras",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        metavar="FILE",
        help="with --mine: where to write (default: the package's own catalog.json)",
    )
    parser.add_argument(
        "--output-format", choices=("text", "json"), default="text", help="summary format"
    )


def _mined() -> dict[str, Any] | None:
    try:
        from adnn_lint.knowledge.mine import mine_catalog
    except ImportError as err:  # pragma: no cover - the module itself has no heavy imports
        print(f"adnn-lint catalog: {err}", file=sys.stderr)
        return None
    try:
        return mine_catalog()
    except ModuleNotFoundError as err:
        print(
            f"adnn-lint catalog: {err.name} is not installed; install the runtime extra "
            "(pip install 'adnn-lint[runtime]')",
            file=sys.stderr,
        )
        return None


def _differences(old: Any, new: Any, where: str = "") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        found: list[str] = []
        for key in sorted(old.keys() | new.keys()):
            path = f"{where}.{key}" if where else str(key)
            if key not in old:
                found.append(f"{path}: only in the installed Keras")
            elif key not in new:
                found.append(f"{path}: only in the checked-in catalog")
            else:
                found.extend(_differences(old[key], new[key], path))
        return found
    return [] if old == new else [f"{where}: {old!r} -> {new!r}"]


def run(args: argparse.Namespace) -> int:
    from adnn_lint.knowledge.catalog import catalog_path, load_catalog, read_document

    if args.mine or args.check:
        mined = _mined()
        if mined is None:
            return 2
        from adnn_lint.knowledge.mine import dumps_catalog

        normalized = json.loads(dumps_catalog(mined))
        if args.mine:
            target = args.output or catalog_path()
            target.write_text(dumps_catalog(mined), encoding="utf-8")
            print(f"wrote {target} (Keras {mined['keras_version']})")
            return 0
        checked_in = read_document()
        differing = [
            line
            for line in _differences(checked_in, normalized)
            if not line.startswith("keras_version")
        ]
        if differing:
            print(
                f"catalog (mined from Keras {checked_in['keras_version']}) differs from the "
                f"installed Keras {mined['keras_version']}:",
            )
            for line in differing[:50]:
                print(f"  {line}")
            if len(differing) > 50:
                print(f"  ... and {len(differing) - 50} more")
            print("re-mine with `adnn-lint catalog --mine`")
            return 1
        print(f"catalog matches the installed Keras {mined['keras_version']}")
        return 0
    cat = load_catalog()
    summary: dict[str, Any] = {
        "keras_version": cat.keras_version,
        "layers": len(cat.layers),
        "layers_with_initializers": sum(1 for info in cat.layers.values() if info.trainable),
        "initializers": sorted(cat.initializers),
        "activations": sorted(cat.activations),
        "legacy_arguments": dict(cat.legacy_arguments),
    }
    if args.output_format == "json":
        print(json.dumps(summary, indent=2))
        return 0
    print(f"catalog mined from Keras {cat.keras_version}")
    print(
        f"  {summary['layers']} layer classes, {summary['layers_with_initializers']} with "
        "initializer arguments"
    )
    print(f"  initializers: {', '.join(summary['initializers'])}")
    print(f"  activations: {', '.join(summary['activations'])}")
    legacy = ", ".join(f"{k} -> {v}" for k, v in cat.legacy_arguments.items())
    print(f"  legacy arguments: {legacy}")
    return 0
