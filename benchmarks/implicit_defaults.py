"""ADNN109's hit rate on real code: which models on Keras' default initializers it reports, and why.

    .venv/bin/python benchmarks/implicit_defaults.py [--root PATH ...] [--json OUT]

Without ``--root`` it reads ``keras/src/applications`` of the installed ``keras`` package (located
with ``importlib.util.find_spec``, which does not import it): VGG, ResNet, DenseNet, Inception,
Xception, MobileNet, EfficientNet, NASNet and ConvNeXt as Keras ships them. Any other tree can be
given with ``--root``. Nothing is downloaded and no linted code is imported or run.

For every model the scanner finds it prints the rule's verdict: reported (with the predicted
variance factor, the number of hidden layers on the path that keeps the most variance and their
activations), below the limit, or not judged and why (normalization downstream of every hidden
layer, an initializer written out, a factor not known statically). The summary line gives files,
files with a model, models, judged models and findings, which is what docs/rules.md quotes.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from adnn_lint.rules.adnn109_implicit_signal_decay import (
    ImplicitSignalDecay,
    Skipped,
    model_drifts,
)
from adnn_lint.rules.base import FileContext
from adnn_lint.scan.scanner import scan_source


def applications() -> Path:
    spec = importlib.util.find_spec("keras")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("keras is not installed: give --root")
    package = Path(next(iter(spec.submodule_search_locations)))
    for candidate in (package / "src" / "applications", package / "applications"):
        if candidate.is_dir():
            return candidate
    raise SystemExit(f"{package}: no applications folder; give --root")


@dataclass(frozen=True)
class Row:
    file: str
    model: str
    verdict: str  # "reported (info)", "below the limit", "not judged: <why>"
    factor: float | None = None  # predicted end-to-end variance factor (an upper bound if bound)
    bound: bool = False
    activations: dict[str, int] = field(default_factory=dict)  # on the path, by activation

    def describe(self) -> str:
        if self.factor is None:
            return self.verdict
        mix = ", ".join(f"{count} {name}" for name, count in self.activations.items())
        sign = ">=" if self.bound else ""
        if self.factor < 1:
            change = f"shrinks {sign}{1 / self.factor:.3g}x"
        else:
            change = f"grows {self.factor:.3g}x"
        depth = sum(self.activations.values())
        return f"{self.verdict}: {change} over {depth} hidden layers ({mix})"


def measure(roots: list[Path]) -> tuple[int, int, list[Row]]:
    """(files, files with a model, one row per model)."""
    rule = ImplicitSignalDecay()
    files = sorted(path for root in roots for path in root.rglob("*.py"))
    rows: list[Row] = []
    with_model = 0
    for path in files:
        source = path.read_text(encoding="utf-8")
        module, scan = scan_source(source, str(path))
        with_model += bool(scan.models)
        ctx = FileContext(path=str(path), source=source, module=module, scan=scan)
        reported = {(f.span.line, f.span.column): f.severity for f in rule.check(ctx)}
        for model, drift in model_drifts(ctx):
            if isinstance(drift, Skipped):
                rows.append(Row(path.name, model.name, f"not judged: {drift.reason}"))
                continue
            activations: Counter[str] = Counter()
            for bound in drift.path:
                activations[bound.layer.activation or "linear"] += bound.layer.multiplicity or 1
            severity = reported.get((model.span.line, model.span.column))
            verdict = f"reported ({severity})" if severity else "below the limit"
            factor = math.exp(drift.log_factor)
            rows.append(
                Row(path.name, model.name, verdict, factor, not drift.exact, dict(activations))
            )
    return len(files), with_model, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--root", type=Path, action="append", help="tree to read (repeatable)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    roots: list[Path] = args.root or [applications()]
    files, with_model, rows = measure(roots)
    for row in rows:
        print(f"{row.file:30} {row.model:26} {row.describe()}")
    print()
    verdicts = Counter(row.verdict for row in rows)
    for verdict, count in verdicts.most_common():
        print(f"{count:5} {verdict}")
    judged = sum(1 for row in rows if row.factor is not None)
    findings = sum(count for verdict, count in verdicts.items() if verdict.startswith("reported"))
    print(
        f"\n{files} files, {with_model} with a model, {len(rows)} models, {judged} judged, "
        f"{findings} findings (roots: {', '.join(map(str, roots))})"
    )
    if args.json:
        document = {
            "roots": [str(root) for root in roots],
            "files": files,
            "files_with_model": with_model,
            "models": len(rows),
            "judged": judged,
            "findings": findings,
            "rows": [asdict(row) for row in rows],
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
