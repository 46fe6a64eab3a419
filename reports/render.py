"""The HTML accountability report (and its Markdown pull-request summary).

``render_report`` reads any of the three inputs (lint findings JSON, spec files, verify results
JSON), prepares a :class:`~adnn_lint.reports.view.ReportView` (one module per section:
``reports.findings``, ``reports.model``, ``reports.measured``), renders it with Jinja2
(autoescaped: everything from the user's code and data is text, never markup) and writes it
atomically. The page is one self-contained file: inline CSS, inline SVG, no script and no
request to any host. ``adnn-lint verify --report PATH`` calls ``render_report`` at the end of a run.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Literal

import jinja2
from markupsafe import Markup

from adnn_lint import __version__
from adnn_lint.atomic import write_atomic
from adnn_lint.findings import Finding
from adnn_lint.reports.findings import SourceLines, findings_view, rule_docs
from adnn_lint.reports.measured import banner, measured_view, search_view, seeds_view
from adnn_lint.reports.model import model_view
from adnn_lint.reports.view import (
    FindingsView,
    FindingView,
    InputFile,
    ModelView,
    ReportView,
    RuleDoc,
)
from adnn_lint.spec.model import Spec
from adnn_lint.spec.results import Results, load_results

Format = Literal["html", "markdown"]
#: Findings listed per severity in the Markdown summary; the HTML report has them all.
MARKDOWN_FINDINGS = 10


class ReportError(Exception):
    """An input the report cannot use; the message names the file (and key or position)."""


@dataclass(frozen=True)
class FindingsInput:
    path: str
    findings: tuple[Finding, ...]
    files: int  # files checked, 0 when the document does not say
    notices: tuple[str, ...] = ()  # files skipped or failed, as adnn-lint check reported them


@dataclass(frozen=True)
class SpecInput:
    path: str
    spec: Spec


@dataclass(frozen=True)
class ReportInputs:
    findings: FindingsInput | None
    specs: tuple[SpecInput, ...]
    results: Results | None
    results_path: str | None
    command: str  # how the results were produced, for "reproduce"
    files: tuple[InputFile, ...]
    notes: tuple[str, ...] = ()  # what could not be used, shown at the top of the report


def _templates_dir() -> Path:
    # Installed: adnn_lint/reports/templates (package data); in the source tree: reports/templates.
    import adnn_lint.reports as package

    return Path(package.__file__).resolve().parent / "templates"


def _read(path: str, role: str) -> tuple[str, InputFile]:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ReportError(f"{path}: cannot read the {role} file ({exc.strerror})") from exc
    digest = hashlib.sha256(data).hexdigest()
    return data.decode("utf-8", errors="replace"), InputFile(role, path, digest)


#: The findings document version this report reads (``adnn_lint.output.json_format``).


def load_findings(path: str) -> tuple[FindingsInput, InputFile]:
    """Read ``adnn-lint check --output-format json`` (schema: docs/output.md)."""
    from adnn_lint.output.json_format import FindingsFormatError, read_findings

    text, info = _read(path, "findings")
    try:
        doc = read_findings(text, path)
    except FindingsFormatError as exc:
        raise ReportError(str(exc)) from exc
    return FindingsInput(path, doc.findings, doc.files_checked, doc.notices), info


def load_spec(path: str) -> tuple[SpecInput, InputFile]:
    from adnn_lint.spec.syntax import SpecError, loads

    text, info = _read(path, "spec")
    try:
        return SpecInput(path, loads(text, path=path)), info
    except SpecError as exc:
        raise ReportError(str(exc)) from exc


def specs_from_source(path: str) -> tuple[list[SpecInput], InputFile]:
    """The models of a Keras source file, read statically (parsed, never imported or run)."""
    from adnn_lint.engine.guard import Unreadable, deep_call
    from adnn_lint.engine.lint import SourceSyntaxError, read_scan
    from adnn_lint.spec.extract import extract_specs

    text, info = _read(path, "source")

    def extract() -> list[SpecInput]:
        _, scan = read_scan(text, path)
        return [SpecInput(path, spec) for spec in extract_specs(scan, text, path)]

    try:
        return deep_call(extract), info
    except SourceSyntaxError as exc:
        raise ReportError(f"{path}:{exc}") from exc
    except Unreadable as exc:
        raise ReportError(f"{path}: {exc}") from exc


def load_inputs(
    findings: str | None = None,
    specs: Sequence[str] = (),
    results: str | None = None,
    *,
    sources: Sequence[str] = (),
    command: str | None = None,
) -> ReportInputs:
    files: list[InputFile] = []
    notes: list[str] = []
    found = None
    if findings is not None:
        found, info = load_findings(findings)
        files.append(info)
    loaded_specs = []
    for spec_path in specs:
        spec_input, info = load_spec(spec_path)
        loaded_specs.append(spec_input)
        files.append(info)
    for source_path in sources:
        extracted, info = specs_from_source(source_path)
        loaded_specs.extend(extracted)
        files.append(info)
    loaded_results = None
    if results is not None:
        from adnn_lint.spec.results import ResultsError

        _, info = _read(results, "results")
        try:
            loaded_results = load_results(results)
        except ResultsError as exc:
            raise ReportError(str(exc)) from exc
        files.append(info)
        if not loaded_specs and loaded_results.spec_text:
            from adnn_lint.spec.syntax import SpecError, loads

            try:
                spec = loads(loaded_results.spec_text, path=f"{results}: spec_text")
            except SpecError as exc:
                # The measurements are still good; only the model table is lost. Say so.
                notes.append(f"The model is not shown: {exc}")
            else:
                loaded_specs.append(SpecInput(f"{results} (spec_text)", spec))
    return ReportInputs(
        findings=found,
        specs=tuple(loaded_specs),
        results=loaded_results,
        results_path=results,
        command=command or (reproduce_command(loaded_results, results) if loaded_results else ""),
        files=tuple(files),
        notes=tuple(notes),
    )


def reproduce_command(results: Results, results_path: str | None) -> str:
    """The verify command line that reproduces these numbers from the spec they record."""
    cfg = results.config
    parts = ["adnn-lint", "verify", "SPEC.toml", "--search", cfg.method, "--seed", str(cfg.seed)]
    parts += ["--seeds", str(cfg.baseline_seeds), "--verdict-seeds", str(cfg.verdict_seeds)]
    if results.data is not None:
        parts += ["--data", results.data.source]
    if cfg.required_accuracy is not None:
        parts += ["--accuracy", f"{cfg.required_accuracy:g}"]
    if cfg.max_trial is not None:
        parts += ["--max-trial", str(cfg.max_trial)]
    if cfg.max_time is not None:
        parts += ["--max-time", f"{cfg.max_time:g}s"]
    if cfg.max_gain is not None:
        parts += ["--max-gain", f"{cfg.max_gain:g}"]
    if results_path:
        parts += ["--results", results_path]
    return shlex.join(parts)


def build_view(inputs: ReportInputs, *, now: datetime | None = None) -> ReportView:
    findings_view_: FindingsView | None = None
    docs: tuple[RuleDoc, ...] = ()
    if inputs.findings is not None:
        codes = [f.code for f in inputs.findings.findings]
        docs = rule_docs(codes)
        roots = (Path(inputs.findings.path).resolve().parent, Path.cwd())
        findings_view_ = findings_view(
            inputs.findings.findings,
            files=inputs.findings.files,
            sources=SourceLines(roots),
            documented=frozenset(d.code for d in docs),
            source_name=inputs.findings.path,
        )
    models: list[ModelView] = [
        # With one model the results are about it: show where the run overrode the spec.
        model_view(s.spec, s.path, i, inputs.results if len(inputs.specs) == 1 else None)
        for i, s in enumerate(inputs.specs, start=1)
    ]
    results = inputs.results
    # The banner states one model's contract; with several specs each model shows its own.
    contract = inputs.specs[0].spec.contract if len(inputs.specs) == 1 else None
    results_name = inputs.results_path or "the results"
    title = "adnn-lint accountability report"
    if len(inputs.specs) == 1:
        title += f": {inputs.specs[0].spec.model.name}"
    elif inputs.specs:
        title += f": {len(inputs.specs)} models"
    notes: tuple[str, ...] = inputs.notes
    if inputs.findings is not None:
        notes += tuple(f"Note from adnn-lint check: {n}" for n in inputs.findings.notices)
    if results is not None:
        notes += tuple(f"Note from the verifier: {n}" for n in results.notes)
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y-%m-%d %H:%M UTC")
    return ReportView(
        title=title,
        generated=stamp,
        tool_version=__version__,
        banner=banner(results, contract, findings_view_),
        lint_only=results is None,
        models=tuple(models),
        findings=findings_view_,
        seeds=seeds_view(results, results_name) if results is not None else None,
        search=search_view(results, results_name) if results is not None else None,
        measured=(
            measured_view(results, inputs.command, results_name) if results is not None else None
        ),
        rule_docs=docs,
        inputs=inputs.files,
        notes=notes,
    )


# ---------------------------------------------------------------------------------- render

_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")


def markdown_escape(value: object) -> str:
    """Text for a Markdown comment: no user text may become markup, links or HTML."""
    if value is None:
        return ""
    # Entities for HTML's own characters: GitHub renders raw HTML in comments, entities as text.
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("\r", " ").replace("\n", " ")
    return _MD_SPECIAL.sub(r"\\\1", text)


@cache  # compiling the templates costs more than rendering them; keep them per process
def _environment(fmt: Format) -> jinja2.Environment:
    loader = jinja2.FileSystemLoader(str(_templates_dir()))
    if fmt == "html":
        return jinja2.Environment(
            loader=loader, autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True
        )
    # Markdown has no autoescape; finalize escapes every {{ }} so no template can forget.
    return jinja2.Environment(
        loader=loader,
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        finalize=markdown_escape,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(view: ReportView) -> str:
    env = _environment("html")
    css = (_templates_dir() / "report.css").read_text(encoding="utf-8")
    # The stylesheet is ours (package data), not user input: it goes in verbatim.
    return env.get_template("report.html.j2").render(view=view, css=Markup(css))


@dataclass(frozen=True)
class MarkdownGroup:
    label: str
    findings: tuple[FindingView, ...]  # the first ``limit`` of the group
    more: int  # how many were left out


def render_markdown(view: ReportView, *, limit: int = MARKDOWN_FINDINGS) -> str:
    """A short summary for a pull-request comment: verdict, findings, accuracy table."""
    groups: tuple[MarkdownGroup, ...] = ()
    if view.findings is not None:
        groups = tuple(
            MarkdownGroup(g.label.lower(), g.findings[:limit], max(0, len(g.findings) - limit))
            for g in view.findings.groups
        )
    env = _environment("markdown")
    text = env.get_template("summary.md.j2").render(view=view, groups=groups)
    return text.strip() + "\n"


def render_report(
    *,
    output: str | os.PathLike[str],
    findings: str | None = None,
    specs: Sequence[str] = (),
    results: str | None = None,
    sources: Sequence[str] = (),
    fmt: Format | None = None,
    command: str | None = None,
) -> Path:
    """Read the inputs, render, write atomically; returns the written path.

    ``adnn-lint verify --report PATH`` calls this with its results file and its own command line.
    ``fmt`` None picks Markdown for a ``.md`` output and HTML otherwise.
    Raises :class:`ReportError` for an unreadable or malformed input.
    """
    if findings is None and not specs and results is None and not sources:
        raise ReportError("nothing to report: give --findings, --spec, --source or --results")
    view = build_view(load_inputs(findings, specs, results, sources=sources, command=command))
    if fmt is None:  # by the file name: report.md is the Markdown summary
        fmt = "markdown" if Path(output).suffix.lower() in (".md", ".markdown") else "html"
    text = render_html(view) if fmt == "html" else render_markdown(view)
    return write_atomic(output, text)
