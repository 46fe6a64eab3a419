"""CI smoke of benchmarks/paper.py: the --quick size on the MNIST subset shipped in the package
(``--embedded``), so it needs nothing beside the repository.

It checks the structure of what the benchmark writes (JSON record, RESULTS.md section between
its markers, SVG plots), never its figures.
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "benchmarks"


def _report_module():  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(BENCH))
    try:
        import paper_report
    finally:
        sys.path.remove(str(BENCH))
    return paper_report


def test_results_section_is_replaced_between_markers_only(tmp_path: Path) -> None:
    report = _report_module()
    path = tmp_path / "RESULTS.md"
    path.write_text(
        "# Benchmarks\n\n<!-- trials:begin -->\nthe other section\n<!-- trials:end -->\n"
    )
    report.update_results(path, "first\n")
    report.update_results(path, "second\n")
    text = path.read_text()
    assert "the other section" in text
    assert text.count(report.BEGIN) == 1 and "second\n" in text and "first" not in text


def test_a_gain_needs_its_whole_interval_above_zero() -> None:
    report = _report_module()
    assert report.is_gain({"n": 5, "mean": 0.01, "ci_low": 0.002, "ci_high": 0.02})
    assert not report.is_gain({"n": 5, "mean": 0.01, "ci_low": -0.001, "ci_high": 0.02})
    assert not report.is_gain({"n": 1, "mean": 0.01, "ci_low": 0.01, "ci_high": 0.01})


@pytest.mark.runtime
@pytest.mark.slow
def test_quick_benchmark_writes_a_complete_record(tmp_path: Path) -> None:
    pytest.importorskip("tensorflow")
    out = tmp_path / "bench"
    proc = subprocess.run(
        [sys.executable, str(BENCH / "paper.py"), "--quick", "--embedded", "--train-limit",
         "400", "--out", str(out)],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    record = json.loads((out / "paper_results.json").read_text())
    assert record["version"] == 1 and record["size"] == "quick"
    assert {"tensorflow", "keras", "cpus"} <= set(record["environment"])
    assert {d["source"] for d in record["data"].values()} == {"embedded"}
    mlp, cnn = record["models"]
    assert (mlp["model"], cnn["model"]) == ("MNIST-1", "MNIST-CNN")
    assert (mlp["trainer"], cnn["trainer"]) == ("stacked", "keras fit()")
    assert cnn["train_limit"] == record["config"]["cnn_train_limit"]
    budgets = record["config"]["budgets"]
    searches = ("paper", "asa", "asa-abs", "asa-halving", "random", "random-abs")
    expected = {f"{m}@{b}" for m in searches for b in budgets}
    layers = {"MNIST-1": 2, "MNIST-CNN": 3}
    for model in (mlp, cnn):
        assert set(model["methods"]) == expected
        every = {f"{p}{i}" for p in "WB" for i in range(layers[model["model"]])}
        for name, meth in model["methods"].items():
            # full trainings spent; halving's screening runs count their fraction
            assert 0 < meth["trial_units"] <= meth["budget"] + 1e-9, name
            assert (meth["fidelity"] == "halving") == ("halving" in name)
            assert meth["seconds"] >= 0
            assert meth["best_trial"] is not None
            keys = set(meth["best_trial"]["point"])
            # paper-mode points name only the layers walked so far
            assert {"W0", "B0"} <= keys <= every, name
            assert meth["space"] == ("absolute" if name.startswith(("paper", "asa-abs",
                                     "random-abs")) else "relative"), name  # fmt: skip
            assert set(meth["best_scales"]) == keys
        fixed = ("glorot_uniform", "he_normal") + (("lsuv",) if model is mlp else ())
        assert set(model["tested"]) == {*fixed, *expected}
        for label in model["tested"]:
            tested = model["tested"][label]
            assert len(tested["runs"]) == record["config"]["verdict_seeds"]
            assert all(0.0 <= a <= 1.0 for a in tested["runs"])
            if label != "glorot_uniform":
                gain = tested["gain"]
                assert gain["ci_low"] <= gain["mean"] <= gain["ci_high"]
    assert set(mlp["sweep"]) == {f"{d:g}" for d in record["config"]["deltas"]}
    text = (out / "RESULTS.md").read_text()
    section = text.split("<!-- paper:begin -->", 1)[1].split("<!-- paper:end -->", 1)[0]
    for heading in ("### Baselines", "### RQ2", "### RQ1", "### RQ3", "### Reading"):
        assert heading in section
    assert "| MNIST-1 |" in section and "| MNIST-CNN |" in section
    assert "Search space at budget" in section
    for svg in ("paper_gain_vs_delta.svg", "paper_gain_vs_trials.svg"):
        root = ET.parse(out / svg).getroot()
        assert root.tag.endswith("svg") and root.findall(".//{http://www.w3.org/2000/svg}circle")
    # Another searcher seed for asa and random, added to the same record.
    proc = subprocess.run(
        [sys.executable, str(BENCH / "paper.py"), "--quick", "--embedded", "--train-limit",
         "400", "--out", str(out), "--search-seeds", "1", str(out / "paper_results.json")],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    model = json.loads((out / "paper_results.json").read_text())["models"][0]
    extra = model["search_seeds"]["1"]
    searched = ("asa", "asa-abs", "asa-halving", "random", "random-abs")
    assert set(extra["methods"]) == {f"{m}@{b}" for m in searched for b in budgets}
    assert set(extra["tested"]) == set(extra["methods"])
    assert len(extra["tested_baseline"]["runs"]) == record["config"]["verdict_seeds"]
    section = (out / "RESULTS.md").read_text().split("<!-- paper:begin -->", 1)[1]
    assert "### RQ2 over searcher seeds" in section and "| MNIST-1 | 0, 1 |" in section


def test_the_benchmark_asks_where_the_data_comes_from() -> None:
    proc = subprocess.run(
        [sys.executable, str(BENCH / "paper.py"), "--quick", "--no-markdown", "--out", "x"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "--data-dir DIR" in proc.stderr and "--embedded" in proc.stderr


def test_search_seed_rows_take_seed_zero_from_the_main_run() -> None:
    report = _report_module()
    gain = {"n": 3, "mean": 0.01, "ci_low": 0.002, "ci_high": 0.02}
    model = {
        "methods": {"asa@10": {"paper_gain": 0.02}},
        "tested": {"asa@10": {"test": {"mean": 0.9}, "gain": gain}},
        "search_seeds": {
            "2": {
                "methods": {"asa@10": {"paper_gain": 0.03}},
                "tested": {"asa@10": {"test": {"mean": 0.8}, "gain": None}},
            }
        },
    }
    runs = report.by_search_seed(model, "asa@10")
    assert list(runs) == [0, 2] and runs[0]["test"] == 0.9 and runs[2]["paper_gain"] == 0.03
    assert report._mean(runs, [0, 2]) == 0.01  # a seed without an interval is left out
    assert report._mean(runs, [0, 2], "paper_gain") == 0.025
    assert report.by_search_seed(model, "random@10") == {}
