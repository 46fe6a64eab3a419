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
    from adnn_lint.scan.records import InitializerRef, LayerRecord, ModelRecord, ScanResult

LAYERS_VERSION = 1


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "layers",
        help="print each model's layers and the initializers they start from",
        description="Print, per model, the layer table: class, width, activation, fan-in/out "
        "and each initializer (explicit, implicit default, or unresolved with the reason). "
        "Exit 0, 1 when a file could not be read or parsed, 2 for a bad configuration, a "
        "missing path or an internal error.",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    parser.add_argument(
        "--output-format", choices=("text", "json"), default="text", help="default: text"
    )


def run(args: argparse.Namespace) -> int:
    from functools import partial

    from adnn_lint.engine.guard import deep_call
    from adnn_lint.engine.sources import InputError, SourceError, find_sources

    try:
        paths = find_sources(args.paths)
    except InputError as err:
        print(f"adnn-lint: error: {err}", file=sys.stderr)
        return 2
    failed = internal = False
    files: list[dict[str, Any]] = []
    for path in paths:
        entry: dict[str, Any] = {"path": str(path), "error": None}
        try:
            document = deep_call(partial(_document, path))
        except SourceError as err:
            failed = True
            print(err, file=sys.stderr)
            entry["error"] = str(err).removeprefix(f"{path}:").lstrip()
        except Exception as err:  # a crash on one file must not lose the other files' tables
            failed = internal = True
            entry["error"] = f"internal error: {type(err).__name__}: {err}"
            print(f"{path}: {entry['error']}", file=sys.stderr)
        else:
            if document is None:
                continue
            entry.update(document)
        files.append(entry)
    if args.output_format == "json":
        json.dump({"version": LAYERS_VERSION, "files": files}, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_text(files))
    return 2 if internal else 1 if failed else 0


def _document(path: Path) -> dict[str, Any] | None:
    """The file's JSON document, None when it has no Keras layers; raises ``SourceError``."""
    from adnn_lint.engine.sources import scan_file

    scanned = scan_file(path)
    if scanned is None or not scanned.scan.layers:
        return None
    return file_document(scanned.scan)


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
        "input_ops": list(layer.input_ops),
        "dropped": list(layer.dropped),
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
        "ops": list(model.ops),
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
