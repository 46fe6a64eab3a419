"""Turn findings, specs and verify results into the report's view model.

Every figure is formatted here, once, with the precision the input file holds (accuracies with four
decimals), and each section says which keys of which file it was read from, so a reviewer can trace
any number on the page back to its source. Nothing here imports TensorFlow.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from adnn_lint.reports.svg import (
    GraphNode,
    SeedGroup,
    TrialPoint,
    graph_chart,
    seed_strip_chart,
    temperature_chart,
    trial_chart,
)
from adnn_lint.reports.view import (
    Banner,
    BudgetRow,
    DiffLine,
    FindingsView,
    FindingView,
    FrameLine,
    InitCell,
    KeyValue,
    LayerRow,
    MeasuredView,
    ModelView,
    RuleDoc,
    SearchView,
    SeedsView,
    SeverityGroup,
    StatsRow,
    TrialRow,
)

from adnn_lint.findings import Finding
from adnn_lint.spec.model import Contract, InitSpec, LayerSpec, Spec, family_index
from adnn_lint.spec.results import Config, Results, RunRecord, Summary

SEVERITY_ORDER = ("error", "warning", "info")
SEVERITY_LABEL = {"error": "Errors", "warning": "Warnings", "info": "Notes"}
SEVERITY_NOUN = {"error": "error", "warning": "warning", "info": "note"}
#: Lines of context above and below a finding's line in its code frame.
FRAME_CONTEXT = 2
#: A variance factor this many times away from the activation's gain is flagged (as ADNN103 does).
FACTOR_TOLERANCE = 4.0


def acc(value: float | None) -> str:
    """Accuracies and gains as stored (fractions), four decimals: traceable to the file."""
    return "n/a" if value is None else f"{value:.4f}"


def signed(value: float) -> str:
    return f"{value:+.4f}"


def seconds(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.1f} s" if value < 120 else f"{value:.0f} s ({value / 60:.1f} min)"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _num(value: float | int | None) -> str:
    return "?" if value is None else str(value)


# --------------------------------------------------------------------------------- findings


@dataclass(frozen=True)
class SourceLines:
    """Reads a finding's file once for its code frame; the file is read, never imported."""

    roots: tuple[Path, ...]

    def text(self, path: str) -> str | None:
        candidates = [Path(path)] + [root / path for root in self.roots]
        for candidate in candidates:
            try:
                if candidate.is_file():
                    return candidate.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
        return None

    def lines(self, path: str) -> list[str] | None:
        text = self.text(path)
        return None if text is None else text.splitlines()


def code_frame(
    lines: Sequence[str] | None, line: int, column: int, end_line: int, end_column: int
) -> tuple[FrameLine, ...]:
    """The reported line with context; on it, the reported columns are split out to be marked."""
    if not lines or not 1 <= line <= len(lines):
        return ()
    first = max(1, line - FRAME_CONTEXT)
    last = min(len(lines), line + FRAME_CONTEXT)
    width = len(str(last))
    frame = []
    for n in range(first, last + 1):
        text = lines[n - 1]
        if n != line:
            frame.append(FrameLine(str(n).rjust(width), text.expandtabs(4)))
            continue
        start = min(max(column, 1), len(text) + 1) - 1
        stop = end_column - 1 if end_line == line and end_column > column else len(text)
        stop = max(stop, start + 1)
        frame.append(
            FrameLine(
                str(n).rjust(width),
                text[:start].expandtabs(4),
                hit=True,
                marked=text[start:stop] or " ",  # a mark on an empty span would not show
                after=text[stop:],
            )
        )
    return tuple(frame)


def _location(finding: Finding) -> str:
    where = f"{finding.path}:{finding.span.line}:{finding.span.column}"
    return f"{where} (cell {finding.cell})" if finding.cell is not None else where


def rule_docs(codes: Sequence[str]) -> tuple[RuleDoc, ...]:
    """The appendix: documentation of every reported rule, from the rule classes themselves."""
    from adnn_lint.rules.base import all_rules

    known = {rule.code: rule for rule in all_rules()}
    docs = []
    for code in sorted(set(codes)):
        rule = known.get(code)
        if rule is None:
            continue
        docs.append(
            RuleDoc(
                code=rule.code,
                name=rule.name,
                anchor=f"rule-{rule.code}",
                summary=getattr(rule, "summary", ""),
                documentation=rule.documentation(),
            )
        )
    return tuple(docs)


def _fix_diffs(
    findings: Sequence[Finding], sources: SourceLines
) -> dict[tuple[str, str, int, int], tuple[DiffLine, ...]]:
    """Per finding with a fix, the diff of that fix (files of .py findings only)."""
    from adnn_lint.reports.fixes import fix_previews

    wanted: dict[str, set[tuple[str, int, int]]] = {}
    for f in findings:
        if f.fix_description is not None and f.cell is None:
            wanted.setdefault(f.path, set()).add((f.code, f.span.line, f.span.column))
    out: dict[tuple[str, str, int, int], tuple[DiffLine, ...]] = {}
    for path, keys in wanted.items():
        text = sources.text(path)
        if text is None:
            continue
        for (code, line, column), diff in fix_previews(path, text, keys).items():
            out[(path, code, line, column)] = diff
    return out


def findings_view(
    findings: Sequence[Finding],
    *,
    files: int,
    sources: SourceLines,
    documented: frozenset[str],
    source_name: str,
    previews: bool = True,
) -> FindingsView:
    by_severity: dict[str, list[FindingView]] = {}
    cache: dict[str, list[str] | None] = {}
    ordered = sorted(findings, key=lambda f: (f.path, f.cell or 0, f.span.line, f.span.column))
    diffs = _fix_diffs(ordered, sources) if previews else {}
    for finding in ordered:
        if finding.path not in cache:
            cache[finding.path] = sources.lines(finding.path)
        # Notebook positions are relative to a cell, so the file's own lines would mislead.
        lines = cache[finding.path] if finding.cell is None else None
        span = finding.span
        frame = code_frame(lines, span.line, span.column, span.end_line, span.end_column)
        fix_kind = "" if finding.fix_safe is None else ("safe" if finding.fix_safe else "unsafe")
        by_severity.setdefault(finding.severity, []).append(
            FindingView(
                code=finding.code,
                name=finding.name,
                severity=finding.severity,
                location=_location(finding),
                message=finding.message,
                frame=frame,
                fix=finding.fix_description or "",
                fix_kind=fix_kind,
                fix_diff=diffs.get((finding.path, finding.code, span.line, span.column), ()),
                doc_anchor=f"rule-{finding.code}" if finding.code in documented else "",
                doc_command=f"adnn-lint rule {finding.code}",
            )
        )
    groups = tuple(
        SeverityGroup(sev, SEVERITY_LABEL.get(sev, sev), tuple(by_severity[sev]))
        for sev in (*SEVERITY_ORDER, *sorted(set(by_severity) - set(SEVERITY_ORDER)))
        if sev in by_severity
    )
    counts = tuple(
        KeyValue(g.severity, _count(len(g.findings), SEVERITY_NOUN.get(g.severity, g.severity)))
        for g in groups
    )
    total = len(findings)
    summary = f"{total} finding{'' if total == 1 else 's'}"
    if files:
        summary += f" in {files} file{'' if files == 1 else 's'} checked"
    if counts:
        summary += ": " + ", ".join(c.value for c in counts)
    return FindingsView(
        groups=groups,
        total=total,
        files=files,
        counts=counts,
        summary=summary + ".",
        source_note=f"From {source_name}; code frames read from the linted files where present.",
    )


# ------------------------------------------------------------------------------------ model


def _params(params: Mapping[str, object]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(params.items()))


def _init_cell(layer: LayerSpec, init: InitSpec) -> InitCell:
    factor_text, needed_text, flagged = "n/a", "", False
    if init.role == "bias":
        factor_text = "—"
    elif layer.fan_in is not None and init.family != "unresolved":
        from adnn_lint.knowledge.catalog import load_catalog

        cat = load_catalog()
        variance = cat.variance(init.family, dict(init.params), layer.fan_in, layer.fan_out)
        activation = cat.resolve_activation(layer.activation or "linear")
        gain = cat.activation_gain(activation) if activation else None
        if variance is not None:
            factor = variance * layer.fan_in
            factor_text = f"{factor:.3g}"
            if gain is not None and gain > 0:
                ratio = factor / gain
                flagged = ratio > FACTOR_TOLERANCE or ratio < 1 / FACTOR_TOLERANCE
        if gain is not None:
            needed_text = f"{gain:g}"
    return InitCell(
        role=init.role,
        family=init.family,
        params=_params(init.params),
        origin=init.origin,
        variance_factor=factor_text,
        needed_gain=needed_text,
        flagged=flagged,
    )


def contract_rows(contract: Contract) -> tuple[KeyValue, ...]:
    rows = []
    if contract.accuracy is not None:
        rows.append(
            KeyValue(
                "required accuracy",
                f"≥ {acc(contract.accuracy)} on the {contract.split} split "
                f"({contract.confidence:.0%} confidence)",
            )
        )
    rows.append(KeyValue("max_time", seconds(contract.max_time) if contract.max_time else "none"))
    rows.append(KeyValue("max_trial", _num(contract.max_trial) if contract.max_trial else "none"))
    rows.append(
        KeyValue("max_gain", acc(contract.max_gain) if contract.max_gain is not None else "none")
    )
    if contract.delta is not None:
        rows.append(KeyValue("delta", f"{contract.delta:g}"))
    return tuple(rows)


def _optimizer_text(name: str, options: Mapping[str, object]) -> str:
    """``sgd`` or ``sgd(momentum=0.9, nesterov=True)``."""
    if not options:
        return name
    return f"{name}({', '.join(f'{k}={v!r}' for k, v in sorted(options.items()))})"


def _as_run(in_spec: str, measured: str | None) -> str:
    """The spec's value, and what the verify run used instead when a flag overrode it."""
    if measured is None or measured == in_spec:
        return in_spec
    return f"{in_spec} in the spec; the verify run used {measured}"


def model_view(spec: Spec, origin: str, index: int, results: Results | None = None) -> ModelView:
    layers = spec.model.layers
    rows = tuple(
        LayerRow(
            name=layer.name,
            class_name=layer.class_name,
            units=_num(layer.units) if layer.units is not None else "",
            activation=layer.activation or "",
            fans=(
                f"{_num(layer.fan_in)} → {_num(layer.fan_out)}"
                if layer.initializers or layer.fan_in is not None
                else "—"
            ),
            inputs=", ".join(layer.inputs),
            initializers=tuple(_init_cell(layer, init) for init in layer.initializers),
            unresolved=", ".join(layer.unresolved),
        )
        for layer in layers
    )
    # A chain reads fine as a table; draw the graph only when a layer has two inputs or feeds two.
    fan: dict[str, int] = {}
    for layer in layers:
        for src in layer.inputs:
            fan[src] = fan.get(src, 0) + 1
    branches = any(len(layer.inputs) > 1 for layer in layers) or any(n > 1 for n in fan.values())
    graph = None
    if branches:
        names = {layer.name for layer in layers}
        nodes = [
            GraphNode(
                layer.name,
                f"{layer.name}: {layer.class_name}"
                + (f"({layer.units})" if layer.units is not None else ""),
            )
            for layer in layers
        ]
        edges = [(src, layer.name) for layer in layers for src in layer.inputs if src in names]
        graph = graph_chart(nodes, edges)
    train = spec.train
    cfg = results.config if results is not None else None
    data_used = results.data.source if results is not None and results.data else None
    train_rows = (
        KeyValue(
            "optimizer",
            _as_run(
                _optimizer_text(train.optimizer, train.optimizer_options),
                _optimizer_text(cfg.optimizer, cfg.optimizer_options) if cfg else None,
            ),
        ),
        KeyValue(
            "learning rate",
            _as_run(f"{train.learning_rate:g}", f"{cfg.learning_rate:g}" if cfg else None),
        ),
        KeyValue("loss", train.loss),
        KeyValue("epochs", _as_run(str(train.epochs), str(cfg.epochs) if cfg else None)),
        KeyValue(
            "batch size", _as_run(str(train.batch_size), str(cfg.batch_size) if cfg else None)
        ),
        KeyValue("data", _as_run(spec.data.source, data_used)),
        KeyValue(
            "search",
            _as_run(spec.search.method, cfg.method if cfg else None)
            + f", delta {spec.search.delta:g}",
        ),
    )
    shape = (
        "(" + ", ".join(str(d) for d in spec.model.input_shape) + ")"
        if spec.model.input_shape
        else ""
    )
    where = origin
    if spec.source is not None:
        where = f"{spec.source.file}:{spec.source.line}:{spec.source.column}"
    return ModelView(
        anchor=f"model-{index}",
        name=spec.model.name,
        origin=where,
        input_shape=shape,
        layers=rows,
        graph=graph,
        train=train_rows,
        contract=(
            contract_rows(spec.contract)
            if spec.contract != Contract()
            else (
                KeyValue(
                    "contract",
                    "none stated: write one as a comment beside the model, "
                    "e.g. # adnn: accuracy >= 0.88, max_trial = 50",
                ),
            )
        ),
        source_note=f"From the spec in {origin}.",
    )


# ---------------------------------------------------------------------------------- results


def _stats_row(label: str, summary: Summary) -> StatsRow:
    return StatsRow(
        label=label,
        n=str(summary.n),
        mean=acc(summary.mean),
        std=acc(summary.std),
        low=acc(summary.min),
        high=acc(summary.max),
        interval=f"{acc(summary.ci_low)} – {acc(summary.ci_high)} ({summary.confidence:.0%})",
    )


def _run_rows(label: str, runs: Sequence[RunRecord]) -> list[tuple[str, ...]]:
    return [
        (label, str(r.seed), acc(r.accuracy), f"{r.loss:.4f}", f"{r.seconds:.2f}") for r in runs
    ]


def seeds_view(results: Results, source_name: str) -> SeedsView | None:
    verdict = results.verdict
    if verdict is not None and verdict.baseline_runs:
        chosen = f"chosen ({verdict.chosen})"
        groups = [
            SeedGroup(
                "baseline", tuple((r.seed, r.accuracy) for r in verdict.baseline_runs), "baseline"
            ),
            SeedGroup(
                chosen, tuple((r.seed, r.accuracy) for r in verdict.candidate_runs), "chosen"
            ),
        ]
        chart = seed_strip_chart(groups, required=verdict.required_accuracy)
        rows = [
            _stats_row("baseline, test split (fresh seeds)", verdict.baseline),
            _stats_row(f"{chosen}, test split (fresh seeds)", verdict.candidate),
        ]
        if results.baseline is not None:
            rows.append(_stats_row("baseline, validation split (search seeds)", results.baseline))
        runs = _run_rows("baseline (test)", verdict.baseline_runs) + _run_rows(
            f"{verdict.chosen} (test)", verdict.candidate_runs
        )
        runs += _run_rows("baseline (validation)", results.baseline_runs)
        intro = (
            "The same model trained with different seeds reaches different accuracies. Each dot "
            "is one training run, on the test split with fresh seeds never used by the search; "
            "the box spans the middle half of the runs, the bar is the median."
        )
        if verdict.chosen == "baseline":
            intro += " No trial beat the baseline on validation, so both columns are the baseline."
        note = (
            f"From {source_name}: verdict.baseline_runs, verdict.candidate_runs (the chart), "
            "verdict.baseline, verdict.candidate and baseline (the table)."
        )
    elif results.baseline_runs:
        groups = [
            SeedGroup(
                "baseline (validation)",
                tuple((r.seed, r.accuracy) for r in results.baseline_runs),
                "baseline",
            )
        ]
        chart = seed_strip_chart(
            groups, required=results.config.required_accuracy, axis_title="validation accuracy"
        )
        rows = (
            [_stats_row("baseline, validation split", results.baseline)] if results.baseline else []
        )
        runs = _run_rows("baseline (validation)", results.baseline_runs)
        intro = (
            "The same model trained with different seeds reaches different accuracies. Each dot "
            "is one baseline run on the validation split; no verdict was reached, so there is no "
            "test-split comparison yet."
        )
        note = (
            f"From {source_name}: baseline_runs and baseline. No verdict yet, so no test-split "
            "comparison with a chosen initialization."
        )
    else:
        return None
    return SeedsView(intro=intro, chart=chart, rows=tuple(rows), runs=tuple(runs), source_note=note)


def _point(
    point: Mapping[str, float] | None,
    families: Sequence[str] = (),
    references: Mapping[str, float] | None = None,
) -> str:
    """``W0=0.05 B0=0 F0=he_normal``: a family parameter shows the family it picks; in a
    relative space (``references``: W{i} -> reference std) a kernel parameter, log2 of a
    multiplier, shows the multiplier and the standard deviation it gives: ``W0=×0.71 (σ 0.035)``."""
    if not point:
        return "—"
    refs = references or {}

    def shown(name: str, value: float) -> str:
        if name.startswith("F") and families:
            return f"{name}={families[family_index(value, families)]}"
        if name in refs:
            return f"{name}=×{2.0**value:.3g} (σ {refs[name] * 2.0**value:.3g})"
        return f"{name}={value:.4g}"

    return " ".join(shown(k, float(v)) for k, v in point.items())


def _config_point(point: Mapping[str, float] | None, config: Config) -> str:
    references = config.kernel_references if config.space == "relative" else None
    return _point(point, config.families, references)


def search_view(results: Results, source_name: str) -> SearchView | None:
    trials = results.trials
    if not trials:
        return None
    baseline = results.baseline.mean if results.baseline is not None else None
    # A failed trial (its run kept failing) has no accuracy: a row, but no point on the charts.
    states = {
        t.index: TrialPoint(t.index, 0.0, t.accepted, t.temperature, t.counted).state
        for t in trials
    }
    points = [
        TrialPoint(t.index, t.val_accuracy, t.accepted, t.temperature, t.counted)
        for t in trials
        if t.val_accuracy is not None
    ]
    best_index = results.best_trial
    rows = tuple(
        TrialRow(
            index=str(t.index),
            params=_config_point(t.point, results.config),
            seed=str(t.seed),
            accuracy="failed" if t.val_accuracy is None else acc(t.val_accuracy),
            loss="" if t.val_loss is None else f"{t.val_loss:.4f}",
            seconds=f"{t.seconds:.2f}",
            state=states[t.index],
            temperature="" if t.temperature is None else f"{t.temperature:.4g}",
            probability="" if t.probability is None else f"{t.probability:.3g}",
            note=t.note if t.error is None else f"{t.note} {t.error}".strip(),
            best=t.index == best_index,
        )
        for t in trials
    )
    accepted = sum(1 for t in trials if t.accepted)
    rejected = sum(1 for t in trials if t.accepted is False)
    summary = (
        f"{len(trials)} trials in {seconds(results.search_seconds)}"
        + (f", {accepted} accepted and {rejected} rejected" if accepted or rejected else "")
        + f"; stopped by {results.stop_reason}."
    )
    best: list[KeyValue] = []
    if best_index is not None and 0 <= best_index < len(trials):
        t = trials[best_index]
        best = [
            KeyValue("trial", str(t.index)),
            KeyValue("point", _config_point(t.point, results.config)),
            KeyValue("validation accuracy", acc(-t.cost)),  # the best trial never failed
        ]
        if t.gain is not None:
            best.append(KeyValue("gain over the baseline validation mean", signed(t.gain)))
    return SearchView(
        method=results.config.method,
        summary=summary,
        accuracy_chart=trial_chart(points, baseline=baseline),
        temperature_chart=temperature_chart(points),
        rows=rows,
        best=tuple(best),
        source_note=(
            f"From {source_name}: trials[*].val_accuracy, .accepted, .temperature; best_trial; "
            "the dashed line is baseline.mean (validation split, the split the search chooses on)."
        ),
    )


def _budget(
    name: str, used: float | None, limit: float | None, fmt: str, reached: bool
) -> BudgetRow:
    used_text = "n/a" if used is None else fmt.format(used)
    if limit is None:
        return BudgetRow(name, used_text, "none", "no limit")
    limit_text = fmt.replace("+", "").format(limit)  # a gain used is signed, its limit is not
    return BudgetRow(name, used_text, limit_text, "reached: stopped here" if reached else "within")


def measured_view(results: Results, command: str, source_name: str) -> MeasuredView:
    env = results.environment
    environment = [
        KeyValue("python", env.python),
        KeyValue("platform", env.platform),
        KeyValue("machine", f"{env.machine} {env.processor}".strip()),
        KeyValue("CPUs", _num(env.cpu_count)),
        KeyValue("devices", ", ".join(env.devices) or "n/a"),
        KeyValue("numpy / tensorflow / keras", f"{env.numpy} / {env.tensorflow} / {env.keras}"),
        KeyValue("adnn-lint", env.adnn_lint or "n/a"),
        KeyValue("op determinism", "on" if env.op_determinism else "off"),
        KeyValue("trainer", env.trainer),
    ]
    if results.data is not None:
        d = results.data
        environment += [
            KeyValue("data", d.source),
            KeyValue("examples", f"{d.train} train / {d.validation} validation / {d.test} test"),
            KeyValue("input shape, classes", f"{tuple(d.input_shape)}, {d.classes}"),
        ]
        if d.sha256:
            environment.append(KeyValue("data sha256", d.sha256))
    cfg = results.config
    environment += [
        KeyValue(
            "training",
            f"{_optimizer_text(cfg.optimizer, cfg.optimizer_options)}, lr {cfg.learning_rate:g}, "
            f"{cfg.epochs} epoch(s), batch {cfg.batch_size}",
        ),
        KeyValue("status", results.status),
    ]
    seeds = [
        KeyValue("root seed (--seed)", str(cfg.seed)),
        KeyValue("baseline seeds", " ".join(str(r.seed) for r in results.baseline_runs) or "none"),
    ]
    if results.trials:
        trial_seeds = [t.seed for t in results.trials]
        distinct = sorted(set(trial_seeds))
        seeds.append(
            KeyValue(
                "search trial seeds",
                f"{distinct[0]} (every trial)"
                if len(distinct) == 1
                else f"{distinct[0]} … {distinct[-1]} ({len(distinct)} distinct)",
            )
        )
    if results.verdict is not None:
        seeds.append(
            KeyValue("verdict seeds (fresh)", " ".join(str(s) for s in results.verdict.seeds))
        )
    best_gain = max((t.gain for t in results.trials if t.gain is not None), default=None)
    stop = results.stop_reason
    budgets = (
        _budget("max_trial", len(results.trials), cfg.max_trial, "{:.0f}", stop == "max_trial"),
        _budget("max_time", results.search_seconds, cfg.max_time, "{:.1f} s", stop == "max_time"),
        _budget("max_gain", best_gain, cfg.max_gain, "{:+.4f}", stop == "max_gain"),
    )
    return MeasuredView(
        environment=tuple(environment),
        seeds=tuple(seeds),
        budgets=budgets,
        command=command,
        source_note=(
            f"From {source_name}: environment, data, config, stop_reason, search_seconds; "
            "max_gain's 'used' is the best trial's gain over the baseline validation mean."
        ),
    )


def banner(
    results: Results | None, contract: Contract | None, findings: FindingsView | None
) -> Banner:
    if results is None:
        count = (
            f"{findings.total} finding{'' if findings.total == 1 else 's'}"
            if findings is not None
            else "no lint results"
        )
        rows = []
        if contract is not None and contract != Contract():
            rows = list(contract_rows(contract))
        return Banner(
            status="LINT ONLY",
            css="lint-only",
            headline=(
                f"Lint only: {count}; accuracy was not measured, so the contract is not checked."
            ),
            rows=tuple(rows),
        )
    verdict = results.verdict
    cfg = results.config
    rows = [KeyValue("contract", _contract_text(contract, results))]
    if verdict is None:
        rows.append(
            KeyValue("progress", f"{len(results.trials)} trials kept; status {results.status}")
        )
        return Banner(
            status="INCONCLUSIVE",
            css="inconclusive",
            headline=f"The verification stopped before a verdict (status: {results.status}).",
            rows=tuple(rows),
        )
    gain = verdict.gain
    rows += [
        KeyValue(
            "gain",
            f"{signed(gain.mean)} test accuracy ({gain.confidence:.0%} interval "
            f"{signed(gain.ci_low)} to {signed(gain.ci_high)}, paired over {gain.n} fresh seeds)",
        ),
        KeyValue(
            "accuracy",
            f"chosen {acc(verdict.candidate.mean)} vs baseline {acc(verdict.baseline.mean)} "
            f"(mean test accuracy)",
        ),
        KeyValue("chosen", f"{verdict.chosen}: {_config_point(verdict.chosen_point, cfg)}"),
        KeyValue("method", f"{cfg.method}, seed {cfg.seed}, {cfg.space} space"),
    ]
    status = "NO CLAIM" if verdict.status == "NO_CLAIM" else verdict.status
    css = {"PASS": "pass", "FAIL": "fail", "INCONCLUSIVE": "inconclusive"}.get(status, "lint-only")
    return Banner(status=status, css=css, headline=verdict.reason, rows=tuple(rows))


def _contract_text(contract: Contract | None, results: Results) -> str:
    cfg = results.config
    parts = []
    required = cfg.required_accuracy
    split = contract.split if contract is not None else "test"
    if required is not None:
        parts.append(
            f"accuracy ≥ {acc(required)} on the {split} split ({cfg.confidence:.0%} confidence)"
        )
    else:
        parts.append("no required accuracy stated")
    parts.append(f"max_trial {cfg.max_trial if cfg.max_trial is not None else 'none'}")
    parts.append(f"max_time {seconds(cfg.max_time) if cfg.max_time is not None else 'none'}")
    parts.append(f"max_gain {acc(cfg.max_gain) if cfg.max_gain is not None else 'none'}")
    return "; ".join(parts)
