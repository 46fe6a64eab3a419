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
    from adnn_lint.config import ConfigError, discover
    from adnn_lint.discovery import discover_files

    try:
        config = discover(paths, None, Path.cwd())
    except ConfigError as err:
        print(f"adnn-lint: error: {err}", file=sys.stderr)
        return 2
    found = discover_files(paths, config)
    if found.missing:
        missing = ", ".join(map(str, found.missing))
        print(f"adnn-lint: error: no such file or directory: {missing}", file=sys.stderr)
        return 2
    status = 0
    count = 0
    written: set[str] = set()
    for path in found.files:
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
    files = len(found.files)
    print(f"{count} spec{'s'[: count != 1]} from {files} file{'s'[: files != 1]}", file=sys.stderr)
    return status


class SourceError(ValueError):
    """A source file that cannot be read or parsed; the message names the place."""


def specs_from_file(path: Path) -> list[Spec]:
    """The specs of every model in a ``.py`` file or notebook (``[]`` when it has none)."""
    import io
    import tokenize

    from adnn_lint.engine import SourceSyntaxError, read_scan
    from adnn_lint.guard import Unreadable, deep_call, size_notice
    from adnn_lint.notebook import NotebookError, load_notebook
    from adnn_lint.scanner import mentions_keras
    from adnn_lint.spec.extract import extract_specs

    try:
        data = path.read_bytes()
        skipped = size_notice(len(data))
        if skipped is not None:
            raise SourceError(f"{path}: {skipped}")
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (OSError, SyntaxError, UnicodeDecodeError) as err:
        raise SourceError(f"{path}: cannot read: {err}") from None
    if path.suffix == ".ipynb":
        try:
            text = load_notebook(text).source  # lines then count in the joined code cells
        except NotebookError as err:
            raise SourceError(f"{path}: {err}") from None
    if not mentions_keras(text):
        return []

    def extract() -> list[Spec]:
        _, scan = read_scan(text, str(path))
        return extract_specs(scan, text, str(path))

    try:
        return deep_call(extract)
    except SourceSyntaxError as err:
        raise SourceError(f"{path}:{err}, no spec extracted") from None
    except Unreadable as err:
        raise SourceError(f"{path}: {err}") from None


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
