"""The measured sections of the report, from the results of ``adnn-lint verify``: the banner,
the seed spread, the search and the budget.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from adnn_lint.reports.charts import (
    SeedGroup,
    TrialPoint,
    seed_strip_chart,
    temperature_chart,
    trial_chart,
)
from adnn_lint.reports.format import (
    acc,
    num,
    seconds,
    signed,
)
from adnn_lint.reports.model import contract_rows, optimizer_text
from adnn_lint.reports.view import (
    Banner,
    BudgetRow,
    FindingsView,
    KeyValue,
    MeasuredView,
    SearchView,
    SeedsView,
    StatsRow,
    TrialRow,
)
from adnn_lint.spec.model import Contract, family_index
from adnn_lint.spec.results import Config, Results, RunRecord, Summary


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
        KeyValue("CPUs", num(env.cpu_count)),
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
            f"{optimizer_text(cfg.optimizer, cfg.optimizer_options)}, lr {cfg.learning_rate:g}, "
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
