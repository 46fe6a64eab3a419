"""``adnn-lint spec``: extract one ADNN spec per model, or check a hand-written spec.

    adnn-lint spec PATH... [-o DIR]     extract (to DIR, else to standard output)
    adnn-lint spec --check FILE...      validate spec files; every problem with its key and place

Exit codes: 0 done / valid, 1 a spec has problems or a source file could not be read or parsed,
2 usage error or an internal error on a file (the other files are still extracted).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from adnn_lint.engine.sources import SourceError

if TYPE_CHECKING:
    from adnn_lint.spec.model import Spec


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "spec",
        help="extract ADNN specs from Keras source, or check a spec file",
        description="Extract one ADNN spec per Keras model found under PATH (files or "
        "directories), or with --check validate spec files. The spec language is documented "
        "in docs/spec.md. Exit 0 done/valid, 1 problems found, 2 usage error.",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    parser.add_argument(
        "-o", "--output-dir", type=Path, metavar="DIR", help="write NAME.MODEL.adnn.toml files here"
    )
    parser.add_argument(
        "--check", action="store_true", help="validate the given spec files instead of extracting"
    )


def run(args: argparse.Namespace) -> int:
    if args.check:
        if args.output_dir is not None:
            print("adnn-lint: usage error: --check takes no -o", file=sys.stderr)
            return 2
        return _check(args.paths)
    return _extract(args.paths, args.output_dir)


def _check(paths: list[Path]) -> int:
    from adnn_lint.spec.syntax import issues

    status = 0
    for path in paths:
        if path.suffix in (".py", ".ipynb"):
            print(f"{path}: --check reads spec files; extract one first: adnn-lint spec {path}")
            status = 1
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            print(f"{path}: cannot read: {err}", file=sys.stderr)
            status = 1
            continue
        _, found = issues(text, str(path))
        for issue in found:
            print(issue.render(str(path)))
        if found:
            status = 1
        else:
            print(f"{path}: ok", file=sys.stderr)
    return status


def _extract(paths: list[Path], output_dir: Path | None) -> int:
    from adnn_lint.engine.sources import InputError, find_sources

    try:
        files = find_sources(paths)
    except InputError as err:
        print(f"adnn-lint: error: {err}", file=sys.stderr)
        return 2
    status = 0
    count = 0
    written: set[str] = set()
    for path in files:
        try:
            specs = specs_from_file(path)
        except SourceError as err:
            print(str(err), file=sys.stderr)
            status = max(status, 1)
            continue
        except Exception as err:  # a crash on one file must not lose the other files' specs
            print(f"{path}: internal error: {type(err).__name__}: {err}", file=sys.stderr)
            status = 2
            continue
        for spec in specs:
            _emit(spec, path, output_dir, written)
        count += len(specs)
    total = len(files)
    print(f"{count} spec{'s'[: count != 1]} from {total} file{'s'[: total != 1]}", file=sys.stderr)
    return status


def specs_from_file(path: Path) -> list[Spec]:
    """The specs of every model in a ``.py`` file or notebook (``[]`` when it has none).

    Raises :class:`SourceError` (read as ``check`` reads files) naming the place."""
    from adnn_lint.engine.guard import deep_call
    from adnn_lint.engine.sources import scan_file
    from adnn_lint.spec.extract import extract_specs

    def extract() -> list[Spec]:  # on one thread with deep code's stack, as the lint runs
        scanned = scan_file(path)
        if scanned is None:
            return []
        return extract_specs(scanned.scan, scanned.text, str(path))

    return deep_call(extract)


def _emit(spec: Spec, path: Path, output_dir: Path | None, written: set[str]) -> None:
    from adnn_lint.spec.syntax import dumps

    text = dumps(spec)
    where = f"{path}:{spec.source.line}:{spec.source.column}" if spec.source else str(path)
    notes = _unresolved(spec)
    if output_dir is None:
        sys.stdout.write(f"# model {spec.model.name!r} at {where}\n{text}\n")
    else:
        output_dir.mkdir(parents=True, exist_ok=True)
        stem = f"{path.stem}.{_safe(spec.model.name)}"
        name, n = f"{stem}.adnn.toml", 1
        while name in written:
            n += 1
            name = f"{stem}-{n}.adnn.toml"
        written.add(name)
        (output_dir / name).write_text(text, encoding="utf-8")
        print(f"{where}: model {spec.model.name!r} -> {output_dir / name}", file=sys.stderr)
    for note in notes:
        print(f"{where}: unresolved: {note}", file=sys.stderr)


def _safe(name: str) -> str:
    return re.sub(r"[^0-9A-Za-z_.-]", "_", name) or "model"


def _unresolved(spec: Spec) -> list[str]:
    """The spec keys marked unresolved, for the user to fill in."""
    notes = [f"model.{key}" for key in spec.model.unresolved]
    for i, layer in enumerate(spec.model.layers):
        notes += [f"model.layers[{i}] ({layer.name}): {arg}" for arg in layer.unresolved]
    notes += [f"train.{key}" for key in spec.train.unresolved]
    notes += [f"data.{key}" for key in spec.data.unresolved]
    return notes
