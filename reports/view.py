"""The report's view model: everything the templates show, already formatted.

The templates compute nothing; every number here is a string formatted once, and each section
names where in its input file its numbers come from (``source_note``), so a reviewer can trace any
figure back to the findings, spec or results document.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from adnn_lint.reports.svg import Chart

Status = Literal["PASS", "FAIL", "INCONCLUSIVE", "NO CLAIM", "LINT ONLY"]


@dataclass(frozen=True)
class KeyValue:
    key: str
    value: str


@dataclass(frozen=True)
class Banner:
    status: Status
    css: str  # pass, fail, inconclusive, lint-only
    headline: str  # one sentence in words
    rows: tuple[KeyValue, ...]  # contract, gain, interval, ...


@dataclass(frozen=True)
class InitCell:
    role: str
    family: str
    params: str  # "stddev=0.05, mean=0.0"; "" when none
    origin: str  # explicit, implicit, unresolved
    variance_factor: str  # fan_in * Var[w] as text; "n/a" when it cannot be predicted
    needed_gain: str  # the activation's gain; "" when unknown
    flagged: bool  # the factor is more than 4x away from the needed gain


@dataclass(frozen=True)
class LayerRow:
    name: str
    class_name: str
    units: str
    activation: str
    fans: str  # "784 → 256"
    inputs: str
    initializers: tuple[InitCell, ...]
    unresolved: str


@dataclass(frozen=True)
class ModelView:
    anchor: str
    name: str
    origin: str  # "examples/mnist.py:12:1" or the spec file
    input_shape: str
    layers: tuple[LayerRow, ...]
    graph: Chart | None  # only when the model branches
    train: tuple[KeyValue, ...]
    contract: tuple[KeyValue, ...]
    source_note: str


@dataclass(frozen=True)
class FrameLine:
    number: str  # right-aligned line number
    text: str  # the whole line; on the reported line, the part before the reported columns
    hit: bool = False  # the reported line
    marked: str = ""  # the reported columns (underlined)
    after: str = ""  # the rest of the reported line


@dataclass(frozen=True)
class DiffLine:
    kind: str  # hunk, add, del, ctx
    text: str


@dataclass(frozen=True)
class FindingView:
    code: str
    name: str
    severity: str
    location: str  # path:line:col (cell N)
    message: str
    frame: tuple[FrameLine, ...]
    fix: str  # "" when the rule offers none
    fix_kind: str  # safe, unsafe, ""
    fix_diff: tuple[DiffLine, ...]  # what the fix changes; () when it cannot be previewed
    doc_anchor: str  # "rule-ADNN101" when the appendix has it, else ""
    doc_command: str  # "adnn-lint rule ADNN101"


@dataclass(frozen=True)
class SeverityGroup:
    severity: str
    label: str
    findings: tuple[FindingView, ...]


@dataclass(frozen=True)
class RuleDoc:
    code: str
    name: str
    anchor: str
    summary: str
    documentation: str


@dataclass(frozen=True)
class FindingsView:
    groups: tuple[SeverityGroup, ...]
    total: int
    files: int  # files checked, when the findings document says
    counts: tuple[KeyValue, ...]  # per severity: ("error", "2 errors")
    summary: str  # "3 findings in 1 file checked: 2 errors, 1 warning."
    source_note: str


@dataclass(frozen=True)
class StatsRow:
    label: str
    n: str
    mean: str
    std: str
    low: str
    high: str
    interval: str


@dataclass(frozen=True)
class SeedsView:
    intro: str
    chart: Chart
    rows: tuple[StatsRow, ...]
    runs: tuple[
        tuple[str, ...], ...
    ]  # one row per run: initialization, seed, accuracy, loss, seconds
    source_note: str


@dataclass(frozen=True)
class TrialRow:
    index: str
    params: str
    seed: str
    accuracy: str
    loss: str
    seconds: str
    state: str  # accepted, rejected, evaluated, speculative
    temperature: str
    probability: str  # acceptance probability of a worse point; "" when none was computed
    note: str  # the searcher's remark
    best: bool


@dataclass(frozen=True)
class SearchView:
    method: str
    summary: str
    accuracy_chart: Chart
    temperature_chart: Chart | None
    rows: tuple[TrialRow, ...]
    best: tuple[KeyValue, ...]
    source_note: str


@dataclass(frozen=True)
class BudgetRow:
    name: str
    used: str
    limit: str
    state: str  # "within", "reached", "no limit"


@dataclass(frozen=True)
class MeasuredView:
    environment: tuple[KeyValue, ...]
    seeds: tuple[KeyValue, ...]
    budgets: tuple[BudgetRow, ...]
    command: str
    source_note: str


@dataclass(frozen=True)
class InputFile:
    role: str  # findings, spec, results
    path: str
    sha256: str


@dataclass(frozen=True)
class ReportView:
    title: str
    generated: str  # UTC timestamp
    tool_version: str
    banner: Banner
    lint_only: bool
    models: tuple[ModelView, ...]
    findings: FindingsView | None
    seeds: SeedsView | None
    search: SearchView | None
    measured: MeasuredView | None
    rule_docs: tuple[RuleDoc, ...]
    inputs: tuple[InputFile, ...]
    notes: tuple[str, ...] = ()  # problems with the inputs, shown at the top
