"""The HTML report and its Markdown summary: content, traceability, escaping, atomic write, CLI."""

from __future__ import annotations

import json
import os
import re
from dataclasses import replace
from pathlib import Path

import pytest
from report_samples import SOURCE, XSS, sample_results, sample_spec, write_findings, write_results

from adnn_lint.reports.render import (
    ReportError,
    ReportInputs,
    SpecInput,
    build_view,
    load_inputs,
    markdown_escape,
    render_html,
    render_markdown,
    render_report,
    write_atomic,
)
from adnn_lint.spec.model import InitSpec
from adnn_lint.spec.results import load_results


def _full_html(tmp_path: Path, *, branching: bool = False) -> tuple[str, Path]:
    results = write_results(tmp_path / "results.json")
    findings = write_findings(tmp_path)
    inputs = load_inputs(str(findings), (), str(results))
    inputs = replace(inputs, specs=(SpecInput("mnist.toml", sample_spec(branching=branching)),))
    return render_html(build_view(inputs)), results


def test_full_report_has_every_section(tmp_path: Path) -> None:
    html, _ = _full_html(tmp_path)
    for section in ("verdict", "model", "findings", "seeds", "search", "measured", "rules"):
        assert f'<section id="{section}"' in html
    assert '<span class="status">PASS</span>' in html
    assert html.count("<svg ") >= 3  # seeds, trials, temperature (plus legend swatches)


def test_every_number_is_traceable_to_the_results_file(tmp_path: Path) -> None:
    html, path = _full_html(tmp_path)
    results = load_results(path)
    verdict = results.verdict
    assert verdict is not None
    for trial in results.trials:  # the trial table and the chart tooltips show each accuracy
        assert f"trial {trial.index}: {trial.val_accuracy:.4f}" in html
    for run in (*verdict.baseline_runs, *verdict.candidate_runs, *results.baseline_runs):
        assert f"seed {run.seed}: {run.accuracy:.4f}" in html or f">{run.accuracy:.4f}<" in html
    gain = verdict.gain
    assert f"{gain.mean:+.4f} test accuracy" in html
    assert f"{gain.ci_low:+.4f} to {gain.ci_high:+.4f}" in html
    assert f"{verdict.candidate.mean:.4f}" in html and f"{verdict.baseline.mean:.4f}" in html
    assert " ".join(str(s) for s in verdict.seeds) in html
    assert f"sha256 {results.config.spec_digest}" not in html  # the digest of the file is shown:
    assert re.search(r"results <code>[^<]*results\.json</code> \(sha256 [0-9a-f]{64}\)", html)


def test_budgets_compare_use_with_intents(tmp_path: Path) -> None:
    html, path = _full_html(tmp_path)
    results = load_results(path)
    measured = html[html.index('id="measured"') :]
    assert re.search(r"<code>max_trial</code></td><td class=\"num\">20</td>", measured)
    assert "reached: stopped here" in measured  # stop_reason max_trial
    assert f"{results.search_seconds:.1f} s" in measured
    assert "adnn-lint verify" in measured and "--seed 0" in measured


def test_hostile_source_renders_as_text(tmp_path: Path) -> None:
    html, _ = _full_html(tmp_path)
    # Our page has no script element at all; the user's text is escaped wherever it appears.
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert "onerror=alert" in html  # still there, as inert text ...
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html  # ... escaped
    frame = html[html.index('<pre class="frame">') :]
    assert "&lt;img src=x onerror=alert(2)&gt;" in frame  # the code frame shows the source line


def test_page_is_self_contained(tmp_path: Path) -> None:
    html, _ = _full_html(tmp_path, branching=True)
    assert "://" not in html  # no URL of any host: nothing to fetch
    assert not re.search(r"""(src|href)\s*=\s*["'](?!#)""", html)  # only in-page anchors
    assert "<link" not in html and "@import" not in html and "url(" not in html
    assert "Content-Security-Policy" in html
    assert 'id="model-1-graph"' in html  # the branching model is drawn


def test_chain_model_has_no_graph_and_flags_a_bad_scale(tmp_path: Path) -> None:
    spec = sample_spec()
    layers = list(spec.model.layers)
    dense = layers[1]
    narrow = InitSpec("kernel", "random_normal", {"stddev": 0.01}, "explicit")
    layers[1] = replace(dense, initializers=(narrow, *dense.initializers[1:]))
    spec = replace(spec, model=replace(spec.model, layers=tuple(layers)))
    inputs = ReportInputs(None, (SpecInput("s.toml", spec),), None, None, "", ())
    html = render_html(build_view(inputs))
    assert "-graph" not in html
    # 784 * 0.01**2 = 0.0784 is far below the 2 a ReLU layer needs.
    assert '<td class="num flag">0.0784 ⚠</td>' in html
    assert "stddev=0.01" in html


def test_fixes_are_previewed_as_diffs(tmp_path: Path) -> None:
    findings = write_findings(tmp_path)
    html = render_html(build_view(load_inputs(str(findings))))
    assert html.count('<pre class="diff"') == 3  # ADNN101, ADNN108, ADNN201 offer fixes
    fixed = '<span class="add">+    layers.Dense(10, kernel_initializer=&#34;glorot_uniform&#34;),'
    assert fixed in html
    assert '<span class="add">+keras.utils.set_random_seed(0)</span>' in html
    # The linted file itself is left as it was.
    assert (tmp_path / "model.py").read_text(encoding="utf-8") == SOURCE


def test_lint_only_report_says_so(tmp_path: Path) -> None:
    findings = write_findings(tmp_path)
    html = render_html(build_view(load_inputs(str(findings))))
    assert '<span class="status">LINT ONLY</span>' in html
    assert "accuracy was not measured" in html
    assert 'id="seeds"' not in html and 'id="search"' not in html
    assert "Lint only: nothing was trained or measured." in html
    assert "4 findings in 1 file checked: 2 errors, 1 warning, 1 note." in html
    assert 'href="#rule-ADNN101"' in html and 'id="rule-ADNN101"' in html


def test_interrupted_run_is_inconclusive(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    from adnn_lint.spec.results import save_results

    save_results(sample_results(trials=4, verdict=False, notes=("used Keras fit",)), path)
    html = render_html(build_view(load_inputs(results=str(path))))
    assert '<span class="status">INCONCLUSIVE</span>' in html
    assert "stopped before a verdict" in html
    assert "4 trials kept" in html
    assert "Note from the verifier: used Keras fit" in html


def test_markdown_summary_is_short_and_escaped(tmp_path: Path) -> None:
    results = write_results(tmp_path / "results.json")
    findings = write_findings(tmp_path)
    text = render_markdown(build_view(load_inputs(str(findings), (), str(results))), limit=1)
    assert text.startswith("### adnn-lint: PASS")
    assert "<script" not in text and "<img" not in text
    assert "&lt;img src=x onerror=alert(2)&gt;" in text
    assert "and 1 more errors" in text  # two errors, one shown
    assert "| baseline, test split (fresh seeds) | 5 |" in text
    assert len(text.splitlines()) < 40


def test_markdown_escape() -> None:
    assert markdown_escape("a_b *c* [x](y) <b> | &amp;") == (
        "a\\_b \\*c\\* \\[x\\](y) &lt;b&gt; \\| &amp;amp;"
    )
    assert markdown_escape(None) == ""


def test_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.html"
    write_atomic(target, "old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary left behind


def test_bad_inputs_name_the_place(tmp_path: Path) -> None:
    bad = tmp_path / "f.json"
    bad.write_text('{"schema_version": 1,\n "findings": [', encoding="utf-8")
    with pytest.raises(ReportError, match=r"f\.json:2:\d+: not JSON"):
        load_inputs(str(bad))
    bad.write_text(json.dumps({"schema_version": 1, "findings": [{"code": "ADNN101"}]}))
    with pytest.raises(ReportError, match=r"findings\[0\]: missing key 'location'"):
        load_inputs(str(bad))
    bad.write_text(json.dumps({"schema_version": 9, "findings": []}))
    with pytest.raises(ReportError, match="schema_version"):
        load_inputs(str(bad))
    with pytest.raises(ReportError, match=r"missing\.json: cannot read the results file"):
        load_inputs(results=str(tmp_path / "missing.json"))
    with pytest.raises(ReportError, match="nothing to report"):
        render_report(output=tmp_path / "x.html")


def test_cli_report_html_and_markdown(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    results = write_results(tmp_path / "results.json")
    findings = write_findings(tmp_path)
    out = tmp_path / "out" / "report.html"
    done = cli("report", "--findings", str(findings), "--results", str(results), "-o", str(out))
    assert done.code == 0, done.err
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    done = cli("report", "--results", str(results), "--format", "markdown", cwd=tmp_path)
    assert done.code == 0, done.err
    assert (tmp_path / "report.md").read_text(encoding="utf-8").startswith("### adnn-lint: PASS")
    done = cli("report", "--results", str(results), "-o", str(tmp_path / "pr.md"))
    assert done.code == 0, done.err
    assert (tmp_path / "pr.md").read_text(encoding="utf-8").startswith("### adnn-lint: PASS")
    done = cli("report", "--results", str(tmp_path / "nope.json"))
    assert done.code == 2 and "nope.json" in done.err
    assert XSS not in (tmp_path / "report.md").read_text(encoding="utf-8")


def test_source_models_are_read_statically(tmp_path: Path) -> None:
    source = tmp_path / "mlp.py"
    source.write_text(
        "import keras\n"
        "from keras import layers\n"
        "# adnn: accuracy >= 0.9, max_trial = 10\n"
        "model = keras.Sequential([\n"
        "    keras.Input(shape=(784,)),\n"
        '    layers.Dense(64, activation="relu", kernel_initializer="he_normal"),\n'
        '    layers.Dense(10, activation="softmax"),\n'
        "])\n"
        "open('MARKER', 'w').write('ran')\n",
        encoding="utf-8",
    )
    html = render_html(build_view(load_inputs(sources=[str(source)])))
    assert not (tmp_path / "MARKER").exists() and not Path("MARKER").exists()
    model = html[html.index('id="model"') : html.index('id="measured"')]
    assert "<code>kernel: he_normal</code>" in model
    assert '<span class="tag explicit">explicit</span>' in model
    assert "784 → 64" in model
    assert "≥ 0.9000 on the test split" in html  # the # adnn: contract, in the banner too


def test_source_with_syntax_error_names_the_position(tmp_path: Path) -> None:
    source = tmp_path / "broken.py"
    source.write_text("import keras\nmodel = keras.Sequential([\n", encoding="utf-8")
    with pytest.raises(ReportError, match=r"broken\.py:\d+:\d+: syntax error"):
        load_inputs(sources=[str(source)])


def test_hostile_names_in_spec_and_results_are_text(tmp_path: Path) -> None:
    spec = sample_spec(name=XSS, branching=True)
    results = replace(sample_results(trials=3), notes=(XSS,))
    path = tmp_path / "r.json"
    from adnn_lint.spec.results import save_results

    save_results(results, path)
    inputs = replace(load_inputs(results=str(path)), specs=(SpecInput(XSS, spec),))
    html = render_html(build_view(inputs))
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert html.count("&lt;img src=x onerror=alert(2)&gt;") >= 3  # title, model, note


def test_results_without_trials_have_no_search_section(tmp_path: Path) -> None:
    results = sample_results(trials=1)
    verdict = results.verdict
    assert verdict is not None
    results = replace(
        results,
        trials=(),
        best_trial=None,
        stop_reason="not_started",
        verdict=replace(verdict, chosen="baseline", chosen_point=None),
    )
    path = tmp_path / "r.json"
    from adnn_lint.spec.results import save_results

    save_results(results, path)
    html = render_html(build_view(load_inputs(results=str(path))))
    assert 'id="search"' not in html and 'href="#search"' not in html
    assert "baseline: —" in html  # chosen: the baseline itself, no point
    assert re.search(r"<code>max_gain</code></td><td class=\"num\">n/a</td>", html)


def test_rendering_needs_no_runtime_extra(tmp_path: Path) -> None:
    """The report renders verify results without importing NumPy or TensorFlow."""
    import subprocess
    import sys

    results = write_results(tmp_path / "results.json")
    code = (
        "import sys\n"
        "from adnn_lint.reports.render import render_report\n"
        f"render_report(output={str(tmp_path / 'r.html')!r}, results={str(results)!r})\n"
        "print(sorted(m for m in ('numpy', 'tensorflow', 'keras', 'scipy') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert (tmp_path / "r.html").stat().st_size > 10_000


def test_unreadable_spec_text_keeps_the_measurements(tmp_path: Path) -> None:
    from adnn_lint.spec.results import save_results

    path = tmp_path / "r.json"
    save_results(replace(sample_results(trials=3), spec_text="adnn = 1\n[model\n"), path)
    html = render_html(build_view(load_inputs(results=str(path))))
    assert "The model is not shown:" in html and "spec_text" in html
    assert 'id="model"' not in html
    assert '<span class="status">PASS</span>' in html and 'id="search"' in html


def test_templates_ship_as_package_data() -> None:
    """Every template file matches a package-data pattern of pyproject.toml."""
    import fnmatch

    tomllib = pytest.importorskip("tomllib")  # Python 3.11+; the check needs to run only once
    root = Path(__file__).resolve().parents[2]
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["adnn_lint.reports"]
    folder = root / "reports"
    files = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]
    templates = [f for f in files if f.startswith("templates/")]
    assert any(f.endswith("report.css") for f in templates)
    # fnmatch's * crosses "/", so compare the folder depth too.
    missing = [
        f
        for f in templates
        if not any(fnmatch.fnmatch(f, p) and f.count("/") == p.count("/") for p in patterns)
    ]
    assert missing == []


def test_trial_table_shows_probability_note_and_speculative(tmp_path: Path) -> None:
    from adnn_lint.spec.results import save_results

    results = sample_results(trials=3)
    trials = list(results.trials)
    trials[1] = replace(trials[1], accepted=False, probability=0.3125, note="worse; drew 0.71")
    trials[2] = replace(trials[2], accepted=None, counted=False)
    path = tmp_path / "r.json"
    save_results(replace(results, trials=tuple(trials)), path)
    html = render_html(build_view(load_inputs(results=str(path))))
    table = html[html.index("Every trial") :]
    assert '<td class="num">0.312</td><td>worse; drew 0.71</td>' in table
    assert '<span class="tag speculative">speculative</span>' in table
    assert "(speculative" in html  # the chart's tooltip


def test_model_section_says_where_the_run_overrode_the_spec(tmp_path: Path) -> None:
    html, _ = _full_html(tmp_path)
    # The sample spec names the embedded data; the sample results were measured on mnist.
    assert "embedded in the spec; the verify run used mnist" in html
    assert "<td>sgd</td>" in html  # same in both: shown once


def test_optimizer_options_are_shown_with_the_optimizer() -> None:
    from adnn_lint.reports.model import optimizer_text

    assert optimizer_text("sgd", {}) == "sgd"
    assert (
        optimizer_text("sgd", {"nesterov": True, "momentum": 0.9})
        == "sgd(momentum=0.9, nesterov=True)"
    )


def test_a_family_parameter_shows_the_family_it_picks() -> None:
    from adnn_lint.reports.measured import _point
    from adnn_lint.spec.model import family_index

    families = ("glorot_uniform", "he_normal")
    assert _point({"W0": 0.05, "F0": 0.7}, families) == "W0=0.05 F0=he_normal"
    assert _point({"F0": -0.4}, families) == "F0=glorot_uniform"
    assert _point({"F0": 0.7}) == "F0=0.7"  # no families recorded: the number as it is
    for value in (-0.5, 0.49, 0.5, 0.51, 1.49, 1.5):
        assert _point({"F0": value}, families) == f"F0={families[family_index(value, families)]}"


def test_a_relative_kernel_parameter_shows_multiplier_and_std() -> None:
    from adnn_lint.reports.measured import _point

    shown = _point({"W0": -1.0, "B0": 0.02}, (), {"W0": 0.5})
    assert shown == "W0=×0.5 (σ 0.25) B0=0.02"
