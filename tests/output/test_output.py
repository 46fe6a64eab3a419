from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from adnn_lint.output import Notice, Report, render
from adnn_lint.output.github import render as render_github
from adnn_lint.rules.base import all_rules
from adnn_lint.scan.records import Finding, Span

Tree = Callable[[Mapping[str, str | bytes]], Path]
CliRunner = Callable[..., Any]


def _schema(name: str) -> dict[str, Any]:
    text = resources.files("adnn_lint.output").joinpath(name).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def _report() -> Report:
    findings = (
        Finding(
            "ADNN108",
            "unknown-initializer",
            "unknown initializer 'glorot_unifrom'; did you mean 'glorot_uniform'?",
            "src/model.py",
            Span(4, 30, 4, 46),
            fix_description="use 'glorot_uniform'",
            fix_safe=True,
        ),
        Finding(
            "ADNN000",
            "syntax-error",
            "syntax error: 50% broken, a:b",
            "x,y.py",
            Span(2, 1, 2, 1),
            "error",
        ),
        Finding("ADNN101", "zero-kernel", "zeros", "nb.ipynb", Span(3, 5, 3, 20), cell=2),
    )
    notices = (Notice("huge.py", "skipped: 12.0 MiB is over the 10 MiB limit"),)
    return Report(findings=findings, files_checked=4, notices=notices)


def test_json_output_validates_against_its_schema() -> None:
    document = json.loads(render("json", _report()))
    jsonschema.Draft202012Validator.check_schema(_schema("findings.schema.json"))
    jsonschema.validate(document, _schema("findings.schema.json"))
    assert document["summary"]["by_code"] == {"ADNN000": 1, "ADNN101": 1, "ADNN108": 1}
    assert document["findings"][0]["fix"] == {
        "description": "use 'glorot_uniform'",
        "applicability": "safe",
    }


def test_json_schema_rejects_a_wrong_document() -> None:
    document = json.loads(render("json", _report()))
    document["findings"][0]["location"]["line"] = 0
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, _schema("findings.schema.json"))


def test_sarif_validates_against_the_official_schema() -> None:
    schema = _schema("sarif-schema-2.1.0.json")
    assert schema["id"].endswith("/sarif-2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json") or (
        "sarif-schema-2.1.0.json" in schema["id"]
    )
    document = json.loads(render("sarif", _report()))
    jsonschema.Draft4Validator(schema).validate(document)
    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.code for r in all_rules()]
    assert all(r["help"]["text"] and r["shortDescription"]["text"] for r in rules)
    first = run["results"][0]
    assert rules[first["ruleIndex"]]["id"] == first["ruleId"] == "ADNN108"
    assert first["locations"][0]["physicalLocation"]["region"]["startLine"] == 4
    assert run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"].startswith(
        "skipped"
    )


def test_sarif_schema_catches_a_broken_document() -> None:
    document = json.loads(render("sarif", _report()))
    document["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(_schema("sarif-schema-2.1.0.json")).validate(document)


def test_github_annotations_escape_properties_and_data() -> None:
    lines = render_github(_report()).splitlines()
    assert lines[0].startswith("::warning title=adnn-lint (ADNN108 unknown-initializer),")
    assert "file=src/model.py,line=4,col=30,endLine=4,endColumn=46::ADNN108 unknown" in lines[0]
    assert lines[1].startswith("::error ") and "file=x%2Cy.py" in lines[1]
    assert lines[1].endswith("::ADNN000 syntax error: 50%25 broken, a:b")
    assert "::cell 2, ADNN101 zeros" in lines[2]
    assert lines[3] == "::warning file=huge.py::skipped: 12.0 MiB is over the 10 MiB limit"


def test_text_summary_counts_each_severity() -> None:
    report = _report()
    info = Finding("ADNN301", "unresolved", "not followed", "a.py", Span(1, 1, 1, 2), "info")
    single = dataclasses.replace(report, findings=(report.findings[1],))
    assert "Found 1 finding (1 error).\n" in render("text", single)
    mixed = dataclasses.replace(report, findings=(*report.findings, info, info))
    assert "Found 5 findings (1 error, 2 warnings, 2 info).\n" in render("text", mixed)
    fixed = dataclasses.replace(report, findings=(info,), fixed=2)
    assert "Found 3 findings (2 fixed, 1 remaining: 1 info).\n" in render("text", fixed)
    assert "Found 2 findings (2 fixed, 0 remaining).\n" in render(
        "text", dataclasses.replace(fixed, findings=())
    )


def test_text_summary_is_a_pass_only_when_every_file_was_checked() -> None:
    skipped = dataclasses.replace(_report(), findings=())
    assert render("text", skipped).endswith("All checks passed! (1 file skipped.)\n")
    crashed = Notice("b.py", "internal error: RuntimeError: boom", internal_error=True)
    failed = dataclasses.replace(skipped, notices=(crashed,))
    assert render("text", failed) == "No findings, but 1 file not checked: internal error.\n"
    both = dataclasses.replace(_report(), notices=(crashed,))
    assert render("text", both).endswith("1 file not checked: internal error.\n")


def test_text_output_shape() -> None:
    text = render("text", _report())
    lines = text.splitlines()
    assert lines[0].startswith("src/model.py:4:30: ADNN108 [*] unknown initializer")
    assert lines[1] == "x,y.py:2:1: ADNN000 syntax error: 50% broken, a:b"
    assert lines[2] == "nb.ipynb:cell 2:3:5: ADNN101 zeros"
    assert (
        "Found 3 findings (1 error, 2 warnings)." in lines
        and "[*] 1 fixable with the `--fix` option." in lines
    )


def test_cli_outputs_end_to_end(cli: CliRunner, tree: Tree) -> None:
    root = tree({"bad.py": "import keras\nx = (\n", "ok.py": "y = 2\n"})
    sarif = json.loads(cli("--output-format", "sarif", "--no-cache", cwd=root).out)
    jsonschema.Draft4Validator(_schema("sarif-schema-2.1.0.json")).validate(sarif)
    assert sarif["runs"][0]["results"][0]["ruleId"] == "ADNN000"
    out = root / "out.json"
    result = cli("--output-format", "json", "-o", str(out), "--no-cache", cwd=root)
    assert result.code == 1 and result.out == ""
    document = json.loads(out.read_text(encoding="utf-8"))
    jsonschema.validate(document, _schema("findings.schema.json"))
    assert document["summary"]["files_checked"] == 2
    github = cli("--output-format", "github", "--no-cache", cwd=root).out
    assert github.startswith("::error title=adnn-lint (ADNN000 syntax-error),file=bad.py,line=2,")
