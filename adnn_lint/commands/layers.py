"""``adnn-lint layers PATH...``: what each model really starts from, layer by layer.

Per model: class, width, activation, fan-in/fan-out and every initializer role with its origin
(explicit, implicit default, or unresolved with the reason), as a text table or JSON
(``--output-format json``, document version ``LAYERS_VERSION``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from adnn_lint.records import InitializerRef, LayerRecord, ModelRecord, ScanResult

LAYERS_VERSION = 1


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "layers",
        help="print each model's layers and the initializers they start from",
        description="Print, per model, the layer table: class, width, activation, fan-in/out "
        "and each initializer (explicit, implicit default, or unresolved with the reason). "
        "Exit 0, 1 when a file could not be read or parsed, 2 on an internal error.",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    parser.add_argument(
        "--output-format", choices=("text", "json"), default="text", help="default: text"
    )


def run(args: argparse.Namespace) -> int:
    from adnn_lint.config import discover
    from adnn_lint.discovery import discover_files

    config = discover(list(args.paths), None, Path.cwd())
    found = discover_files(args.paths, config)
    failed = internal = False
    files: list[dict[str, Any]] = []
    for missing in found.missing:
        print(f"{missing}: no such file or directory", file=sys.stderr)
        failed = True
    for path in found.files:
        entry = _entry(path)
        if entry is None:
            continue
        error = entry["error"]
        if error is not None:
            failed = True
            internal = internal or error.startswith("internal error")
            print(f"{path}:{'' if error[0].isdigit() else ' '}{error}", file=sys.stderr)
        files.append(entry)
    if args.output_format == "json":
        json.dump({"version": LAYERS_VERSION, "files": files}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_text(files))
    return 2 if internal else 1 if failed else 0


def _entry(path: Path) -> dict[str, Any] | None:
    """One file's JSON entry (``error`` set when it could not be read), None when it has no
    Keras layers. Never raises for a problem of the file: the other files' tables are kept."""
    from adnn_lint.engine import SourceSyntaxError
    from adnn_lint.guard import Unreadable, deep_call, size_notice
    from adnn_lint.notebook import NotebookError, load_notebook
    from adnn_lint.scanner import mentions_keras

    entry: dict[str, Any] = {"path": str(path), "error": None}
    try:
        data = path.read_bytes()
        skipped = size_notice(len(data))
        if skipped is not None:
            entry["error"] = skipped
            return entry
        text = data.decode("utf-8")
        source = load_notebook(text).source if path.suffix == ".ipynb" else text
    except (OSError, UnicodeDecodeError, NotebookError) as err:
        entry["error"] = f"cannot read: {err}"
        return entry
    if not mentions_keras(source):
        return None
    try:
        document = deep_call(lambda: _document(source, str(path)))
    except SourceSyntaxError as err:
        entry["error"] = f"{err.line}:{err.column}: {err.message}"
    except Unreadable as err:
        entry["error"] = str(err)
    except Exception as err:  # a crash on one file must not lose the other files' tables
        entry["error"] = f"internal error: {type(err).__name__}: {err}"
    else:
        if document is None:
            return None
        entry.update(document)
    return entry


def _document(source: str, path: str) -> dict[str, Any] | None:
    from adnn_lint.engine import read_scan

    _, scan = read_scan(source, path)
    return file_document(scan) if scan.layers else None


def _ref(ref: InitializerRef) -> dict[str, Any]:
    return {
        "role": ref.role,
        "argument": ref.argument,
        "origin": ref.origin.value,
        "canonical": ref.canonical,
        "params": dict(ref.params),
        "seed": ref.seed,
        "spelled": ref.spelled,
        "reason": ref.reason,
        "instance": ref.instance,
        "line": ref.span.line if ref.span else None,
        "column": ref.span.column if ref.span else None,
    }


def _layer(layer: LayerRecord) -> dict[str, Any]:
    return {
        "id": layer.id,
        "class": layer.class_name,
        "qualname": layer.qualname,
        "line": layer.span.line,
        "column": layer.span.column,
        "width": layer.width,
        "activation": layer.activation,
        "activation_origin": layer.activation_origin.value,
        "activation_from": layer.activation_from,
        "multiplicity": layer.multiplicity,
        "trainable": layer.trainable,
        "fan_in": layer.fan_in,
        "fan_out": layer.fan_out,
        "depth": layer.depth,
        "feeds_trainable": layer.feeds_trainable,
        "wraps": layer.wraps,
        "initializers": [_ref(ref) for ref in layer.initializers],
    }


def _model(model: ModelRecord, scan: ScanResult, members: list[str]) -> dict[str, Any]:
    layer_ids = list(model.layer_ids)
    nodes = set(layer_ids)
    # wrapped layers belong to the model but are not graph nodes
    layer_ids += [i for i in members if i not in nodes]
    return {
        "id": model.id,
        "name": model.name,
        "kind": model.kind,
        "line": model.span.line,
        "input_shape": list(model.input_shape) if model.input_shape is not None else None,
        "edges": [list(edge) for edge in model.edges],
        "edges_known": model.edges_known,
        "layers": [_layer(scan.layer(i)) for i in sorted(layer_ids, key=lambda i: int(i[1:]))],
    }


def file_document(scan: ScanResult) -> dict[str, Any]:
    """The JSON view of one file's scan."""
    uses: dict[str, int] = {}
    for layer in scan.layers:
        for ref in layer.initializers:
            if ref.instance is not None:
                count = 1 if layer.multiplicity == 1 else 2  # a loop reuses the object
                uses[ref.instance] = uses.get(ref.instance, 0) + count
    shared = {instance for instance, count in uses.items() if count > 1}
    members: dict[str | None, list[str]] = {}
    for layer in scan.layers:  # grouped once: per model, a scan of every layer was quadratic
        members.setdefault(layer.model, []).append(layer.id)
    document = {
        "models": [_model(model, scan, members.get(model.id, [])) for model in scan.models],
        "unmodelled_layers": [_layer(layer) for layer in scan.layers if layer.model is None],
        "unresolved": [
            {
                "what": item.what,
                "reason": item.reason,
                "line": item.span.line,
                "column": item.span.column,
                "layer": item.layer_id,
            }
            for item in scan.unresolved
        ],
    }
    for model in document["models"]:
        _mark_shared(model["layers"], shared)
    _mark_shared(document["unmodelled_layers"], shared)
    return document


def _mark_shared(layers: list[dict[str, Any]], shared: set[str]) -> None:
    for layer in layers:
        for ref in layer["initializers"]:
            ref["shared"] = ref["instance"] in shared


def _cell(value: object) -> str:
    return "-" if value is None else str(value)


def _initializer_text(ref: dict[str, Any]) -> str:
    if ref["origin"] == "unresolved":
        name = ref["canonical"] or "?"
        return f"{ref['role']}={name} (unresolved: {ref['reason']})"
    name = ref["canonical"] or f"{ref['spelled']!r}, unknown to Keras"
    extra = f", seed {ref['seed']}" if ref["seed"] is not None else ""
    shared = ", shared object" if ref.get("shared") else ""
    return f"{ref['role']}={name} ({ref['origin']}{extra}{shared})"


def _table(layers: list[dict[str, Any]]) -> list[str]:
    header = ("id", "line", "class", "width", "activation", "fan_in", "fan_out", "x")
    rows = [
        (
            layer["id"],
            f"{layer['line']}:{layer['column']}",
            layer["class"],
            _cell(layer["width"]),
            _cell(layer["activation"])
            + (f" (from {layer['activation_from']})" if layer["activation_from"] else ""),
            _cell(layer["fan_in"]),
            _cell(layer["fan_out"]),
            _cell(layer["multiplicity"]),
        )
        for layer in layers
    ]
    widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header))]
    lines = ["    " + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    for row, layer in zip(rows, layers, strict=True):
        inits = ", ".join(_initializer_text(ref) for ref in layer["initializers"])
        cells = "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True))
        lines.append(f"    {cells}  {inits}".rstrip())
    return lines


def render_text(files: list[dict[str, Any]]) -> str:
    out: list[str] = []
    for entry in files:
        if entry["error"] is not None:
            error = entry["error"]
            out.append(f"{entry['path']}:{'' if error[0].isdigit() else ' '}{error}")
            continue
        for model in entry["models"]:
            shape = f", input {tuple(model['input_shape'])}" if model["input_shape"] else ""
            out.append(
                f"{entry['path']}:{model['line']}: model '{model['name']}' "
                f"({model['kind']}, {len(model['layers'])} layers{shape})"
            )
            out.extend(_table(model["layers"]))
        if entry["unmodelled_layers"]:
            out.append(f"{entry['path']}: layers outside any model")
            out.extend(_table(entry["unmodelled_layers"]))
        out.append("")
    return "\n".join(out)
